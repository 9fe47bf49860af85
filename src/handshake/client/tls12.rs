//! TLS 1.2 client states after ServerHello (RFC 5246 7.3): ECDHE key exchange (RFC 8422),
//! AEAD suites only, extended master secret (RFC 7627) required, secure renegotiation
//! indication (RFC 5746) required, renegotiation itself refused (`common::connected12`, the
//! state both roles share once a TLS 1.2 handshake is complete).

use super::hs::{ExpectServerHello, Offer};
use crate::config::CertifiedKey;
use crate::crypto::hash::Transcript;
use crate::crypto::kx;
use crate::crypto::secret::Secret;
use crate::crypto::sign::{self, KeyType};
use crate::crypto::tls12::{self, Tls12Keys};
use crate::error::{Error, Reason, Result};
use crate::handshake::common::auth::{check_peer_signature, SignedContent};
use crate::handshake::common::connected12::Connected12;
use crate::handshake::common::flight::{emit_finished12, Flight};
use crate::handshake::common::{key_fits_auth, Common};
use crate::handshake::{decode12, unexpected, verify_mac, State};
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::{
    AlertDescription, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion,
};
use crate::msgs::extensions::ServerHelloExtension;
use crate::msgs::extensions::EC_POINT_FORMAT_UNCOMPRESSED;
use crate::msgs::handshake::{
    CertificateRequestTls12, CertificateTls12, ClientKeyExchange, DigitallySigned,
    EcdheServerParams, HandshakeMessage, NewSessionTicketTls12, ServerHello,
};
use crate::record::keys::{tls12_decrypter, tls12_encrypter};
use crate::session::Session;
use crate::suites::{self, SuiteInfo};
use crate::verify::{PeerIdentity, Usage};
use std::sync::Arc;

/// Handles a TLS 1.2 ServerHello. A PSK suite's key exchange is not here: the dispatcher
/// (`client/mod.rs`) passes its first state as `psk_key_exchange` (`client::psk12`), so that
/// imports go one way.
pub(in crate::handshake) fn handle_server_hello(
    st: ExpectServerHello,
    cx: &mut Common,
    sh: ServerHello,
    msg: &JoinedMessage,
    psk_key_exchange: fn(Handshake12) -> Box<dyn State>,
) -> Result<Box<dyn State>> {
    let offer = st.offer;
    if offer.tls13 && sh.downgrade_sentinel().is_some() {
        return Err(Error::illegal(
            Reason::DOWNGRADE_DETECTED,
            "the server negotiated TLS 1.2 but its random carries the TLS 1.3 downgrade \
             sentinel (RFC 8446 4.1.3): something between us removed TLS 1.3 from our offer",
        ));
    }
    let echoes_our_session_id =
        !offer.session_id.is_empty() && sh.legacy_session_id_echo == offer.session_id;
    if echoes_our_session_id && offer.tls12_session().is_none() && offer.psk_session().is_some() {
        return Err(Error::illegal(
            Reason::SSL_SESSION_VERSION_MISMATCH,
            "the server resumed in TLS 1.2 the TLS 1.3 session we offered",
        ));
    }
    let suite = suites::lookup(sh.cipher_suite)
        .filter(|s| s.version == ProtocolVersion::TLSV1_2 && offer.suites.contains(&s.suite))
        .ok_or_else(|| {
            Error::illegal(
                Reason::WRONG_CIPHER_RETURNED,
                format!(
                    "the server chose {}, which we did not offer for TLS 1.2",
                    sh.cipher_suite
                ),
            )
        })?;
    if sh.compression_method != 0 {
        return Err(Error::illegal(
            Reason::BAD_PACKET,
            "the server chose a compression method",
        ));
    }
    let resumed = if echoes_our_session_id {
        // RFC 5246 7.4.1.3, RFC 5077 3.4: the echo of our session ID means resumption.
        let session = offer.tls12_session().cloned().ok_or_else(|| {
            Error::illegal(
                Reason::BAD_PACKET,
                "the server resumed a TLS 1.2 session we never had",
            )
        })?;
        if session.suite != suite.suite {
            return Err(Error::illegal(
                Reason::WRONG_CIPHER_RETURNED,
                format!(
                    "the server resumed our session with {} instead of its {}",
                    suite.suite, session.suite
                ),
            ));
        }
        Some(session)
    } else {
        None
    };
    let extended_master_secret =
        check_server_hello_extensions(&sh, &offer, cx.config.allow_no_ems)?;
    // RFC 8449 4: the server honours our limit and tells us its own, which our protected
    // records keep to (a value above TLS 1.2's 2^14 counts as 2^14).
    if let Some(limit) = sh.extensions.iter().find_map(|e| match e {
        ServerHelloExtension::RecordSizeLimit(l) => Some(*l),
        _ => None,
    }) {
        cx.record.limit_records_to(limit, false);
        cx.record
            .accept_records_up_to(cx.config.own_record_size_limit(false));
    }
    // RFC 7627 5.3: a resumption repeats the original session's use of the extension.
    if let Some(session) = &resumed {
        if session.extended_master_secret != extended_master_secret {
            return Err(Error::protocol(
                AlertDescription::HANDSHAKE_FAILURE,
                Reason::INCONSISTENT_EXTMS,
                format!(
                    "the server resumed a session made {} the extended master secret {} it \
                     (RFC 7627 5.3)",
                    if session.extended_master_secret {
                        "with"
                    } else {
                        "without"
                    },
                    if extended_master_secret {
                        "with"
                    } else {
                        "without"
                    },
                ),
            ));
        }
    }
    cx.info.extended_master_secret = extended_master_secret;
    let expect_ticket = sh.has(crate::msgs::enums::ExtensionType::SESSION_TICKET);
    let status_expected = sh.has(ExtensionType::STATUS_REQUEST);
    cx.info.alpn = super::hs::check_alpn_answer(&cx.config.alpn_protocols, sh.alpn())?;

    cx.info.version = Some(ProtocolVersion::TLSV1_2);
    cx.info.suite = Some(suite);
    // From here a ChangeCipherSpec is the server's key change, handled by the states.
    cx.ccs_allowed = false;
    let mut transcript = st.transcript;
    transcript.set_hash(suite.hash)?;
    transcript.add(&msg.encoded);
    cx.server_random = sh.random;
    let hs = Handshake12 {
        suite,
        transcript,
        client_random: offer.random,
        server_random: sh.random,
        offered_groups: offer.groups,
        identity: offer.options.verify_identity,
        server_session_id: sh.legacy_session_id_echo.clone(),
        server_name: offer.options.server_name,
        expect_ticket,
        ticket: None,
        extended_master_secret,
        status_expected,
    };
    match resumed {
        Some(session) => {
            cx.info.peer_chain = session.peer_chain.clone();
            cx.info.verify_result = session.verify_result;
            cx.info.group = session.group;
            cx.info.session_reused = true;
            let keys = tls12::key_block(
                suite.hash,
                suite.aead,
                &session.secret,
                &hs.client_random,
                &hs.server_random,
            )?;
            Ok(Box::new(ExpectChangeCipherSpec {
                hs,
                master: session.secret.clone(),
                keys,
                resumed: Some(session),
            }))
        }
        // RFC 4279 2: no certificates with a PSK suite.
        None if suite.is_psk() => Ok(psk_key_exchange(hs)),
        None => Ok(Box::new(ExpectCertificate { hs })),
    }
}

/// RFC 5246 7.4.1.4: only answers to what we sent; RFC 5746 is required, and RFC 7627 unless
/// `allow_no_ems`. Returns whether the server answered the extended master secret.
fn check_server_hello_extensions(
    sh: &ServerHello,
    offer: &Offer,
    allow_no_ems: bool,
) -> Result<bool> {
    use ServerHelloExtension as E;
    let mut secure_renegotiation = false;
    let mut extended_master_secret = false;
    for ext in &sh.extensions {
        match ext {
            E::RenegotiationInfo(value) => {
                if !value.is_empty() {
                    return Err(Error::protocol(
                        AlertDescription::HANDSHAKE_FAILURE,
                        Reason::BAD_EXTENSION,
                        "renegotiation_info must be empty on an initial handshake (RFC 5746 3.4)",
                    ));
                }
                secure_renegotiation = true;
            }
            E::ExtendedMasterSecret => extended_master_secret = true,
            // Always offered; applied by the caller.
            E::RecordSizeLimit(_) => {}
            E::EcPointFormats(formats) => {
                if !formats.contains(&EC_POINT_FORMAT_UNCOMPRESSED) {
                    return Err(Error::illegal(
                        Reason::ILLEGAL_POINT_COMPRESSION,
                        "the server does not accept uncompressed EC points",
                    ));
                }
            }
            E::ServerNameAck if offer.sent_extensions.contains(&ExtensionType::SERVER_NAME) => {}
            // Some TLS 1.2 servers send their groups here too; they are informational and
            // harmless, and refusing them would only break interoperation.
            E::Unknown { typ, .. } if *typ == ExtensionType::SUPPORTED_GROUPS => {}
            E::SessionTicketAck if sent_session_ticket(offer) => {}
            // RFC 6066 8: a CertificateStatus may follow the Certificate.
            E::StatusRequestAck
                if offer
                    .sent_extensions
                    .contains(&ExtensionType::STATUS_REQUEST) => {}
            // Checked against our offer by `check_alpn_answer`.
            E::Alpn(_) => {}
            E::KeyShare(_) | E::PreSharedKey(_) | E::SupportedVersions(_) => {
                return Err(Error::illegal(
                    Reason::BAD_EXTENSION,
                    format!("{} is not allowed in a TLS 1.2 ServerHello", ext_name(ext)),
                ));
            }
            _ => {
                return Err(Error::protocol(
                    AlertDescription::UNSUPPORTED_EXTENSION,
                    Reason::UNSOLICITED_EXTENSION,
                    format!(
                        "the ServerHello answers {}, which we did not send",
                        ext_name(ext)
                    ),
                ));
            }
        }
    }
    if !secure_renegotiation {
        return Err(Error::protocol(
            AlertDescription::HANDSHAKE_FAILURE,
            Reason::SSL_HANDSHAKE_FAILURE,
            "the server does not support secure renegotiation (RFC 5746); such legacy servers \
             are refused",
        ));
    }
    if !extended_master_secret && !allow_no_ems {
        return Err(Error::protocol(
            AlertDescription::HANDSHAKE_FAILURE,
            Reason::EXTENDED_MASTER_SECRET_REQUIRED,
            "the server did not accept the extended master secret (RFC 7627), which this client \
             requires for TLS 1.2 by its policy (opt out with SSL_CTX_set_allow_no_ems, \
             tlsclient -allow_no_ems)",
        ));
    }
    Ok(extended_master_secret)
}

/// Whether our ClientHello carried the SessionTicket extension.
fn sent_session_ticket(offer: &Offer) -> bool {
    offer.tls12 && offer.ticket_extension_sent
}

fn ext_name(ext: &ServerHelloExtension) -> String {
    use crate::msgs::extensions::Extension;
    ext.ext_type().to_string()
}

/// The TLS 1.2 client's handshake state shared by the states after ServerHello.
pub(in crate::handshake) struct Handshake12 {
    pub(in crate::handshake) suite: &'static SuiteInfo,
    pub(in crate::handshake) transcript: Transcript,
    client_random: [u8; 32],
    server_random: [u8; 32],
    pub(in crate::handshake) offered_groups: Vec<NamedGroup>,
    identity: Option<PeerIdentity>,
    server_session_id: Vec<u8>,
    server_name: Option<String>,
    /// The ServerHello promised a NewSessionTicket (RFC 5077 3.2).
    expect_ticket: bool,
    ticket: Option<NewSessionTicketTls12>,
    /// The server answered the extended master secret (RFC 7627); only the opt-in allows not.
    extended_master_secret: bool,
    /// The ServerHello acknowledged status_request: a CertificateStatus may follow the
    /// Certificate (RFC 6066 8; the server may also leave it out). Cleared once one arrives.
    status_expected: bool,
}

impl Handshake12 {
    /// The session a completed handshake leaves (resumable if it has a ticket or an ID).
    fn session(&self, cx: &Common, master: &Secret) -> Session {
        let config = &cx.config.session;
        let (ticket, hint) = match &self.ticket {
            // A ticket too long to send back is not kept (`limits::MAX_TICKET_LEN`).
            Some(t) if t.ticket.len() <= crate::limits::MAX_TICKET_LEN => {
                (t.ticket.clone(), t.lifetime_hint)
            }
            _ => (Vec::new(), 0),
        };
        let id = if self.server_session_id.is_empty() && !ticket.is_empty() {
            // Like OpenSSL, a ticket-only session is named by its ticket's digest.
            crate::crypto::hash::HashAlg::Sha256.hash(&ticket)[..32].to_vec()
        } else {
            self.server_session_id.clone()
        };
        let timeout_secs = if hint != 0 { hint } else { config.timeout_secs };
        Session {
            id,
            // The name we asked for (SNI), whatever the server made of it.
            server_name: self.server_name.clone(),
            ticket,
            ticket_lifetime: hint,
            extended_master_secret: self.extended_master_secret,
            ..cx.info.new_session(
                ProtocolVersion::TLSV1_2,
                self.suite.suite,
                master.clone(),
                timeout_secs,
            )
        }
    }
}

/// RFC 5246 7.4.1.1: a HelloRequest during a handshake is ignored and not hashed.
fn is_hello_request(msg: &HandshakeMessage) -> bool {
    matches!(msg, HandshakeMessage::HelloRequest)
}

struct ExpectCertificate {
    hs: Handshake12,
}

impl State for ExpectCertificate {
    fn name(&self) -> &'static str {
        "TLS client read server certificate"
    }

    fn handle(mut self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        // The type decides first: a ServerKeyExchange in place of the Certificate (an
        // unauthenticated key exchange) is out of order, whatever its body looks like.
        if msg.typ != HandshakeType::CERTIFICATE && msg.typ != HandshakeType::HELLO_REQUEST {
            return Err(unexpected(self.name(), msg.typ));
        }
        let decoded = decode12(msg)?;
        if is_hello_request(&decoded) {
            return Ok(self);
        }
        let HandshakeMessage::CertificateTls12(cert) = decoded else {
            return Err(unexpected(self.name(), msg.typ));
        };
        if cert.chain.is_empty() {
            return Err(Error::protocol(
                AlertDescription::DECODE_ERROR,
                Reason::NO_CERTIFICATES_RETURNED,
                "the server sent no certificate",
            ));
        }
        let chain: Vec<Vec<u8>> = cert.chain.iter().map(|c| c.as_ref().to_vec()).collect();
        let key_type = sign::cert_key_type(&chain[0])?;
        if !key_type.is_some_and(|kt| key_fits_auth(kt, self.hs.suite.auth)) {
            return Err(Error::illegal(
                Reason::WRONG_SIGNATURE_TYPE,
                format!(
                    "the server's certificate key ({}) cannot authenticate {}",
                    key_type.map_or("unsupported".to_string(), |k| format!("{k:?}")),
                    self.hs.suite.openssl_name
                ),
            ));
        }
        self.hs.transcript.add(&msg.encoded);
        crate::handshake::verify_peer_chain(
            cx,
            &chain,
            Usage::ServerAuth,
            self.hs.identity.as_ref(),
        )?;
        Ok(Box::new(ExpectServerKeyExchange { hs: self.hs }))
    }
}

struct ExpectServerKeyExchange {
    hs: Handshake12,
}

impl State for ExpectServerKeyExchange {
    fn name(&self) -> &'static str {
        "TLS client read server key exchange"
    }

    fn handle(mut self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        let status_type: &[HandshakeType] = if self.hs.status_expected {
            &[HandshakeType::CERTIFICATE_STATUS]
        } else {
            &[]
        };
        crate::handshake::expect_types(
            self.name(),
            msg,
            &[
                &[
                    HandshakeType::HELLO_REQUEST,
                    HandshakeType::SERVER_KEY_EXCHANGE,
                ][..],
                status_type,
            ]
            .concat(),
        )?;
        let decoded = decode12(msg)?;
        if is_hello_request(&decoded) {
            return Ok(self);
        }
        if let HandshakeMessage::CertificateStatus(response) = decoded {
            self.hs.status_expected = false;
            self.hs.transcript.add(&msg.encoded);
            cx.info.ocsp_response = Some(response);
            return Ok(self);
        }
        let HandshakeMessage::ServerKeyExchange(ske) = decoded else {
            return Err(unexpected(self.name(), msg.typ));
        };
        let group = ske.params.group;
        if !kx::usable_in_tls12(group) || !self.hs.offered_groups.contains(&group) {
            return Err(Error::illegal(
                Reason::WRONG_CURVE,
                format!("the server chose {group}, which we did not offer for TLS 1.2"),
            ));
        }
        let signed = ske.signed_message(&self.hs.client_random, &self.hs.server_random)?;
        let config = cx.config.clone();
        let content = SignedContent::Tls12(&signed);
        check_peer_signature(cx, &config.verify_schemes, &ske.signed, content)?;
        cx.info.group = Some(group);
        cx.info.peer_key_share = Some(ske.params.public.clone());
        self.hs.transcript.add(&msg.encoded);
        Ok(Box::new(ExpectServerHelloDone {
            hs: self.hs,
            server_params: ske.params,
            cert_request: None,
        }))
    }
}

struct ExpectServerHelloDone {
    hs: Handshake12,
    server_params: EcdheServerParams,
    cert_request: Option<CertificateRequestTls12>,
}

impl State for ExpectServerHelloDone {
    fn name(&self) -> &'static str {
        "TLS client read server done"
    }

    fn handle(mut self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        crate::handshake::expect_types(
            self.name(),
            msg,
            &[
                HandshakeType::HELLO_REQUEST,
                HandshakeType::CERTIFICATE_REQUEST,
                HandshakeType::SERVER_HELLO_DONE,
            ],
        )?;
        match decode12(msg)? {
            HandshakeMessage::HelloRequest => Ok(self),
            HandshakeMessage::CertificateRequestTls12(req) if self.cert_request.is_none() => {
                self.hs.transcript.add(&msg.encoded);
                self.cert_request = Some(req);
                Ok(self)
            }
            HandshakeMessage::ServerHelloDone => {
                crate::handshake::check_flight_end(msg)?;
                self.hs.transcript.add(&msg.encoded);
                crate::handshake::ocsp::client_check(cx)?;
                send_client_flight(*self, cx)
            }
            _ => Err(unexpected(self.name(), msg.typ)),
        }
    }
}

/// Whether a CertificateRequest's certificate_types admit a key of type `kt` (RFC 5246
/// 7.4.4; RFC 8422 5.5: ecdsa_sign covers Ed25519 too).
fn certificate_type_allowed(kt: KeyType, types: &[u8]) -> bool {
    let needed = match kt {
        KeyType::Rsa => CertificateRequestTls12::RSA_SIGN,
        KeyType::EcdsaP256 | KeyType::EcdsaP384 | KeyType::Ed25519 => {
            CertificateRequestTls12::ECDSA_SIGN
        }
    };
    types.contains(&needed)
}

/// Our second flight: [Certificate], ClientKeyExchange, [CertificateVerify],
/// ChangeCipherSpec, Finished.
fn send_client_flight(st: ExpectServerHelloDone, cx: &mut Common) -> Result<Box<dyn State>> {
    if st.cert_request.is_some() {
        crate::handshake::client_certificate_callback(cx)?;
    }
    let config = cx.config.clone();
    let mut hs = st.hs;

    let mut signer: Option<(Arc<CertifiedKey>, crate::msgs::enums::SignatureScheme)> = None;
    if let Some(req) = &st.cert_request {
        cx.info.peer_ca_names = req
            .certificate_authorities
            .iter()
            .map(|n| n.0.clone())
            .collect();
        let usable: Vec<Arc<CertifiedKey>> = config
            .certs
            .iter()
            .filter(|c| certificate_type_allowed(c.key_type(), &req.certificate_types))
            .cloned()
            .collect();
        signer = crate::handshake::choose_client_certified_key(
            &config,
            &usable,
            &req.sig_schemes,
            false,
        )
        .or_else(|| {
            // Nothing configured fits: ask the application, as in TLS 1.3.
            let callback = config.client_cert_callback.as_ref()?;
            let ck = callback(&crate::config::CertificateRequestView {
                schemes: &req.sig_schemes,
                authorities: &req.certificate_authorities,
            })?;
            if !certificate_type_allowed(ck.key_type(), &req.certificate_types) {
                return None;
            }
            let scheme =
                crate::handshake::client_auth_scheme(&config, &ck.key, &req.sig_schemes, false)?;
            Some((ck, scheme))
        });
        cx.evidence.sent_empty_certificate = signer.is_none();
        // With nothing that fits we send an empty Certificate and let the server decide.
        let chain = signer
            .as_ref()
            .map(|(ck, _)| {
                ck.chain
                    .iter()
                    .map(|c| pki_types::CertificateDer::from(c.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Flight::new(cx, &mut hs.transcript).add(&HandshakeMessage::CertificateTls12(
            CertificateTls12 { chain },
        ))?;
    }

    let (public, pre_master_secret) =
        kx::respond(st.server_params.group, &st.server_params.public)?;
    let cke = HandshakeMessage::ClientKeyExchange(ClientKeyExchange { public }).encode()?;
    let master = send_key_exchange(&mut hs, cx, &cke, pre_master_secret)?;

    if let Some((ck, scheme)) = signer {
        emit_certificate_verify(&mut Flight::new(cx, &mut hs.transcript), &ck.key, scheme)?;
    }
    hs.transcript.drop_buffer();
    send_finished(hs, cx, master)
}

/// A TLS 1.2 CertificateVerify: `key` signs every handshake message so far, unhashed (RFC 5246
/// 7.4.8).
fn emit_certificate_verify(
    flight: &mut Flight<'_>,
    key: &crate::crypto::sign::SigningKey,
    scheme: crate::msgs::enums::SignatureScheme,
) -> Result<()> {
    let signature = {
        let messages = flight
            .transcript
            .buffer()
            .ok_or_else(|| Error::internal("handshake messages not kept for CertificateVerify"))?;
        key.sign(scheme, messages)?
    };
    flight.cx.info.our_signature_scheme = Some(scheme);
    flight.add(&HandshakeMessage::CertificateVerify(DigitallySigned {
        scheme,
        signature,
    }))
}

/// Sends our ClientKeyExchange (`cke`, encoded) and derives the master secret from the
/// premaster secret: the extended one (RFC 7627) unless the server went without it under the
/// opt-in.
pub(in crate::handshake) fn send_key_exchange(
    hs: &mut Handshake12,
    cx: &mut Common,
    cke: &[u8],
    pre_master_secret: Secret,
) -> Result<Secret> {
    let suite = hs.suite;
    Flight::new(cx, &mut hs.transcript).add_encoded(cke)?;
    crate::handshake::common::master_secret12(
        cx,
        suite.hash,
        &hs.transcript,
        hs.extended_master_secret,
        pre_master_secret,
        &hs.client_random,
        &hs.server_random,
    )
}

/// Ends our flight: ChangeCipherSpec and Finished under the keys of `master`.
pub(in crate::handshake) fn send_finished(
    mut hs: Handshake12,
    cx: &mut Common,
    master: Secret,
) -> Result<Box<dyn State>> {
    let suite = hs.suite;
    let keys = tls12::key_block(
        suite.hash,
        suite.aead,
        &master,
        &hs.client_random,
        &hs.server_random,
    )?;
    cx.send_ccs()?;
    cx.record.set_writer(tls12_encrypter(suite, &keys, true)?);
    emit_finished12(
        &mut Flight::new(cx, &mut hs.transcript),
        suite.hash,
        &master,
    )?;
    Ok(Box::new(ExpectChangeCipherSpec {
        hs,
        master,
        keys,
        resumed: None,
    }))
}

/// Waits for the server's key change, after a NewSessionTicket when one was promised.
struct ExpectChangeCipherSpec {
    hs: Handshake12,
    master: Secret,
    keys: Tls12Keys,
    /// The session being resumed (abbreviated handshake: the server's Finished comes first).
    resumed: Option<Arc<Session>>,
}

impl State for ExpectChangeCipherSpec {
    fn name(&self) -> &'static str {
        "TLS client read change cipher spec"
    }

    fn handle(
        mut self: Box<Self>,
        _cx: &mut Common,
        msg: &JoinedMessage,
    ) -> Result<Box<dyn State>> {
        crate::handshake::expect_types(
            self.name(),
            msg,
            &[
                HandshakeType::HELLO_REQUEST,
                HandshakeType::NEW_SESSION_TICKET,
            ],
        )?;
        match decode12(msg)? {
            HandshakeMessage::HelloRequest => Ok(self),
            HandshakeMessage::NewSessionTicketTls12(nst)
                if self.hs.expect_ticket && self.hs.ticket.is_none() =>
            {
                self.hs.transcript.add(&msg.encoded);
                self.hs.ticket = Some(nst);
                Ok(self)
            }
            _ => Err(unexpected(self.name(), msg.typ)),
        }
    }

    fn handle_change_cipher_spec(self: Box<Self>, cx: &mut Common) -> Result<Box<dyn State>> {
        if self.hs.expect_ticket && self.hs.ticket.is_none() {
            return Err(Error::unexpected(
                "ChangeCipherSpec instead of the NewSessionTicket the ServerHello promised",
            ));
        }
        cx.record
            .set_reader(tls12_decrypter(self.hs.suite, &self.keys, false)?);
        Ok(Box::new(ExpectFinished {
            hs: self.hs,
            master: self.master,
            keys: self.keys,
            resumed: self.resumed,
        }))
    }
}

struct ExpectFinished {
    hs: Handshake12,
    master: Secret,
    keys: Tls12Keys,
    resumed: Option<Arc<Session>>,
}

impl State for ExpectFinished {
    fn name(&self) -> &'static str {
        "TLS client read server finished"
    }

    fn handle(mut self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        crate::handshake::expect_types(self.name(), msg, &[HandshakeType::FINISHED])?;
        let HandshakeMessage::Finished(fin) = decode12(msg)? else {
            return Err(unexpected(self.name(), msg.typ));
        };
        crate::handshake::check_flight_end(msg)?;
        let suite = self.hs.suite;
        let expected = tls12::finished_verify_data(
            suite.hash,
            &self.master,
            false,
            &self.hs.transcript.current_hash(),
        )?;
        crate::handshake::check_finished_len(&fin.verify_data, expected.len())?;
        if !verify_mac(&expected, &fin.verify_data) {
            return Err(Error::protocol(
                AlertDescription::DECRYPT_ERROR,
                Reason::DIGEST_CHECK_FAILED,
                "the server's Finished does not match the handshake transcript",
            ));
        }
        cx.info.peer_finished = fin.verify_data.clone();
        self.hs.transcript.add(&msg.encoded);
        match self.resumed {
            Some(old) => {
                // Our CCS and Finished close the abbreviated handshake.
                cx.send_ccs()?;
                cx.record
                    .set_writer(tls12_encrypter(suite, &self.keys, true)?);
                let mut flight = Flight::new(cx, &mut self.hs.transcript);
                emit_finished12(&mut flight, suite.hash, &self.master)?;
                if self.hs.ticket.is_some() {
                    // A renewed ticket replaces the old one (RFC 5077 3.3).
                    let mut renewed = self.hs.session(cx, &self.master);
                    renewed.id = old.id.clone();
                    cx.set_session(renewed);
                } else {
                    cx.session = Some(old);
                }
            }
            None => {
                let session = self.hs.session(cx, &self.master);
                cx.set_session(session);
            }
        }
        cx.handshake_complete = true;
        Ok(Connected12::after(cx, suite, self.master))
    }
}

/// The test harness (crate::testing) as the TLS 1.2 tests of both roles use it: a TLS 1.2
/// client, a server with several certificates.
#[cfg(test)]
pub(crate) mod test_pair {
    use crate::config::Config;
    use crate::msgs::enums::ProtocolVersion;
    use crate::testing;
    pub use crate::testing::{
        certified, exchange_data, frame, new_client, new_server, records, run, transfer,
        transfer_edited,
    };

    /// A server with the given certificates (pki/ base names) that trusts the test root, TLS
    /// 1.2 and 1.3 enabled.
    pub fn server_config(certs: &[&str]) -> Config {
        let mut c = Config {
            roots: testing::test_roots(),
            ..Config::default()
        };
        for base in certs {
            c.set_certified_key(certified(base));
        }
        c
    }

    /// A client that verifies the server against the test root, TLS 1.2 only.
    pub fn client_config() -> Config {
        testing::up_to(ProtocolVersion::TLSV1_2, testing::client_config())
    }
}

#[cfg(test)]
mod tests {
    use super::test_pair::*;
    use crate::error::Reason;
    use crate::msgs::enums::{AlertDescription, ExtensionType, ProtocolVersion};
    use crate::msgs::extensions::{ClientExtension, Extension, ServerHelloExtension};
    use crate::msgs::handshake::{HandshakeMessage, DOWNGRADE_TLS12};
    use crate::suites;

    #[test]
    fn every_tls12_suite_with_ecdsa_and_rsa_certificates() {
        for info in suites::ALL_SUITES
            .iter()
            .filter(|s| !s.is_tls13() && !s.is_psk())
        {
            let mut cc = client_config();
            cc.tls12_suites = vec![info.suite];
            let mut client = new_client(cc);
            let mut server = new_server(server_config(&["server-ecdsa-p256", "server-rsa2048"]));
            run(&mut client, &mut server)
                .unwrap_or_else(|e| panic!("{}: {e:?}", info.openssl_name));
            for side in [&client, &server] {
                let n = side.negotiated();
                assert_eq!(n.version, Some(ProtocolVersion::TLSV1_2));
                assert_eq!(n.suite.map(|s| s.suite), Some(info.suite));
                assert!(n.group.is_some());
                assert!(!side.is_handshaking());
            }
            let n = client.negotiated();
            assert_eq!(n.peer_chain.len(), 2, "leaf and intermediate");
            assert_eq!(n.verify_result, crate::verify::x509_v::OK);
            let leaf_type = crate::crypto::sign::cert_key_type(&n.peer_chain[0]).unwrap();
            assert!(crate::handshake::common::key_fits_auth(
                leaf_type.unwrap(),
                info.auth
            ));
            assert_eq!(
                n.peer_signature_scheme,
                server.negotiated().our_signature_scheme
            );
            exchange_data(&mut client, &mut server);
        }
    }

    #[test]
    fn each_tls12_group_and_the_p384_certificate() {
        for group in ["X25519", "P-256", "P-384"] {
            let mut cc = client_config();
            cc.groups = crate::config::lists::parse_groups(&format!("{group}:P-384")).unwrap();
            let mut client = new_client(cc);
            let mut server = new_server(server_config(&["server-ecdsa-p384"]));
            run(&mut client, &mut server).unwrap();
            let chosen = client.negotiated().group.unwrap();
            assert_eq!(chosen, crate::config::group_by_name(group).unwrap());
            assert_eq!(server.negotiated().group, Some(chosen));
            exchange_data(&mut client, &mut server);
        }
    }

    #[test]
    fn client_offering_both_versions_gets_tls12_from_a_tls12_server() {
        let mut cc = client_config();
        cc.max_version = ProtocolVersion::TLSV1_3;
        let mut sc = server_config(&["server-rsa2048"]);
        sc.max_version = ProtocolVersion::TLSV1_2;
        let mut client = new_client(cc);
        let mut server = new_server(sc);
        run(&mut client, &mut server).unwrap();
        assert_eq!(client.negotiated().version, Some(ProtocolVersion::TLSV1_2));
        exchange_data(&mut client, &mut server);
    }

    #[test]
    fn tls13_capable_server_marks_tls12_random_and_a_tls12_client_accepts_it() {
        let mut client = new_client(client_config());
        let mut server = new_server(server_config(&["server-ecdsa-p256"]));
        client.start().unwrap();
        transfer(&mut client, &mut server).unwrap();
        let flight = server.pending_tls().to_vec();
        let sh = HandshakeMessage::decode_encoded(&records(&flight)[0].1, ProtocolVersion::TLSV1_2)
            .unwrap();
        let HandshakeMessage::ServerHello(sh) = sh else {
            panic!("not a ServerHello")
        };
        assert_eq!(sh.random[24..], DOWNGRADE_TLS12);
        run(&mut client, &mut server).unwrap();
    }

    #[test]
    fn downgrade_sentinel_is_detected_by_a_tls13_client() {
        let mut cc = client_config();
        cc.max_version = ProtocolVersion::TLSV1_3;
        let mut client = new_client(cc);
        let mut server = new_server(server_config(&["server-ecdsa-p256"]));
        client.start().unwrap();
        // An attacker strips TLS 1.3 from the offer; the server then picks TLS 1.2.
        transfer_edited(&mut client, &mut server, |m| {
            let HandshakeMessage::ClientHello(ch) = m else {
                panic!("not a ClientHello")
            };
            ch.extensions.retain(|e| {
                e.ext_type() != ExtensionType::SUPPORTED_VERSIONS
                    && e.ext_type() != ExtensionType::KEY_SHARE
            });
        })
        .unwrap();
        assert_eq!(server.negotiated().version, Some(ProtocolVersion::TLSV1_2));
        let e = transfer(&mut server, &mut client).unwrap_err();
        assert_eq!(e.reason, Reason::DOWNGRADE_DETECTED);
        assert_eq!(
            client.alert_sent(),
            Some(AlertDescription::ILLEGAL_PARAMETER)
        );
    }

    #[test]
    fn server_hello_without_extended_master_secret_is_refused() {
        let mut client = new_client(client_config());
        let mut server = new_server(server_config(&["server-ecdsa-p256"]));
        client.start().unwrap();
        transfer(&mut client, &mut server).unwrap();
        let e = transfer_edited(&mut server, &mut client, |m| {
            let HandshakeMessage::ServerHello(sh) = m else {
                panic!("not a ServerHello")
            };
            sh.extensions
                .retain(|e| !matches!(e, ServerHelloExtension::ExtendedMasterSecret));
        })
        .unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::HANDSHAKE_FAILURE));
        assert!(e.detail.contains("extended master secret"), "{e:?}");
    }

    #[test]
    fn server_hello_without_renegotiation_info_is_refused() {
        let mut client = new_client(client_config());
        let mut server = new_server(server_config(&["server-ecdsa-p256"]));
        client.start().unwrap();
        transfer(&mut client, &mut server).unwrap();
        let e = transfer_edited(&mut server, &mut client, |m| {
            let HandshakeMessage::ServerHello(sh) = m else {
                panic!("not a ServerHello")
            };
            sh.extensions
                .retain(|e| !matches!(e, ServerHelloExtension::RenegotiationInfo(_)));
        })
        .unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::HANDSHAKE_FAILURE));
    }

    #[test]
    fn client_hello_offers_tls12_extensions_and_suites_after_tls13() {
        let mut cc = client_config();
        cc.max_version = ProtocolVersion::TLSV1_3;
        let mut client = new_client(cc);
        client.start().unwrap();
        let recs = records(client.pending_tls());
        let HandshakeMessage::ClientHello(ch) =
            HandshakeMessage::decode_encoded(&recs[0].1, ProtocolVersion::TLSV1_2).unwrap()
        else {
            panic!("not a ClientHello")
        };
        assert_eq!(
            ch.supported_versions().unwrap(),
            &[ProtocolVersion::TLSV1_3, ProtocolVersion::TLSV1_2]
        );
        assert!(ch.has(ExtensionType::EXTENDED_MASTER_SECRET));
        assert_eq!(ch.renegotiation_info(), Some(&[][..]));
        assert_eq!(ch.ec_point_formats(), Some(&[0u8][..]));
        let first_tls12 = ch
            .cipher_suites
            .iter()
            .position(|s| suites::lookup(*s).is_some_and(|i| !i.is_tls13()))
            .unwrap();
        assert!(ch.cipher_suites[first_tls12..]
            .iter()
            .all(|s| suites::lookup(*s).is_some_and(|i| !i.is_tls13())));

        // TLS 1.2 only: no supported_versions, no key shares, no hybrid groups.
        let mut client = new_client(client_config());
        client.start().unwrap();
        let recs = records(client.pending_tls());
        let HandshakeMessage::ClientHello(ch) =
            HandshakeMessage::decode_encoded(&recs[0].1, ProtocolVersion::TLSV1_2).unwrap()
        else {
            panic!("not a ClientHello")
        };
        assert_eq!(ch.legacy_version, ProtocolVersion::TLSV1_2);
        assert!(ch.supported_versions().is_none());
        assert!(ch.key_shares().is_none());
        assert!(ch
            .groups()
            .unwrap()
            .iter()
            .all(|g| crate::crypto::kx::usable_in_tls12(*g)));
        assert!(ch
            .extensions
            .iter()
            .any(|e| matches!(e, ClientExtension::ExtendedMasterSecret)));
    }

    #[test]
    fn hello_request_after_the_handshake_is_declined_and_the_connection_goes_on() {
        let mut client = new_client(client_config());
        let mut server = new_server(server_config(&["server-ecdsa-p256"]));
        run(&mut client, &mut server).unwrap();
        server
            .inject_handshake_for_test(&HandshakeMessage::HelloRequest.encode().unwrap())
            .unwrap();
        transfer(&mut server, &mut client).unwrap();
        // The client answers with a warning alert, which the server tolerates.
        let reply = records(client.pending_tls());
        assert_eq!(reply.len(), 1);
        assert_eq!(reply[0].0, 21, "an alert record");
        transfer(&mut client, &mut server).unwrap();
        assert!(client.error().is_none() && server.error().is_none());
        exchange_data(&mut client, &mut server);
    }

    #[test]
    fn hello_request_after_our_close_notify_fails_with_no_renegotiation() {
        let mut client = new_client(client_config());
        let mut server = new_server(server_config(&["server-ecdsa-p256"]));
        run(&mut client, &mut server).unwrap();
        client.send_close_notify();
        let sent = client.pending_tls().len();
        server
            .inject_handshake_for_test(&HandshakeMessage::HelloRequest.encode().unwrap())
            .unwrap();
        let request = server.pending_tls().to_vec();
        let e = client.read_tls(&request).unwrap_err();
        assert_eq!(e.reason, Reason::NO_RENEGOTIATION);
        assert_eq!(e.alert, None, "nothing may follow a close_notify");
        assert_eq!(client.pending_tls().len(), sent, "no alert was queued");
    }

    #[test]
    fn hello_request_during_the_handshake_is_ignored() {
        let mut client = new_client(client_config());
        let mut server = new_server(server_config(&["server-ecdsa-p256"]));
        client.start().unwrap();
        transfer(&mut client, &mut server).unwrap();
        let mut flight = server.pending_tls().to_vec();
        server.consume_tls(flight.len());
        let hello_request = frame(22, &HandshakeMessage::HelloRequest.encode().unwrap());
        // After ServerHello and Certificate: the transcript must not include it.
        let recs = records(&flight);
        let split: usize = recs[..2].iter().map(|(_, p)| 5 + p.len()).sum();
        flight.splice(split..split, hello_request);
        client.read_tls(&flight).unwrap();
        run(&mut client, &mut server).unwrap();
        exchange_data(&mut client, &mut server);
    }

    #[test]
    fn unexpected_change_cipher_spec_is_unexpected_message() {
        let mut client = new_client(client_config());
        let mut server = new_server(server_config(&["server-ecdsa-p256"]));
        client.start().unwrap();
        transfer(&mut client, &mut server).unwrap();
        transfer(&mut server, &mut client).unwrap();
        // The server waits for ClientKeyExchange: a key change now is premature.
        let e = server.read_tls(&frame(20, &[1])).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::UNEXPECTED_MESSAGE));
        assert_eq!(e.reason, Reason::CCS_RECEIVED_EARLY);
    }
}
