//! TLS 1.2 client states after ServerHello (RFC 5246 7.3): ECDHE key exchange (RFC 8422),
//! AEAD suites only, extended master secret (RFC 7627) required, secure renegotiation
//! indication (RFC 5746) required, renegotiation itself refused. Also the state both roles
//! share once a TLS 1.2 handshake is complete.

use super::client::{ExpectServerHello, Offer, EC_POINT_FORMAT_UNCOMPRESSED};
use super::{decode12, tls12_decrypter, tls12_encrypter, unexpected, verify_mac, State};
use crate::config::CertifiedKey;
use crate::conn::{Common, Role};
use crate::crypto::hash::Transcript;
use crate::crypto::kx;
use crate::crypto::secret::Secret;
use crate::crypto::sign::{self, KeyType};
use crate::crypto::tls12::{self, Tls12Keys};
use crate::error::{Error, Reason, Result};
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::{
    AlertDescription, AlertLevel, HandshakeType, NamedGroup, ProtocolVersion,
};
use crate::msgs::extensions::ServerHelloExtension;
use crate::msgs::handshake::{
    CertificateRequestTls12, CertificateTls12, ClientKeyExchange, DigitallySigned,
    EcdheServerParams, Finished, HandshakeMessage, ServerHello,
};
use crate::suites::{self, Auth, SuiteInfo};
use crate::verify::{PeerIdentity, Usage};
use std::sync::Arc;

pub fn handle_server_hello(
    st: ExpectServerHello,
    cx: &mut Common,
    sh: ServerHello,
    msg: &JoinedMessage,
) -> Result<Box<dyn State>> {
    let offer = st.offer;
    if offer.tls13 && sh.downgrade_sentinel().is_some() {
        return Err(Error::illegal(
            Reason::DOWNGRADE_DETECTED,
            "the server negotiated TLS 1.2 but its random carries the TLS 1.3 downgrade \
             sentinel (RFC 8446 4.1.3): something between us removed TLS 1.3 from our offer",
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
    if !offer.session_id.is_empty() && sh.legacy_session_id_echo == offer.session_id {
        return Err(Error::illegal(
            Reason::BAD_PACKET,
            "the server resumed a TLS 1.2 session we never had",
        ));
    }
    check_server_hello_extensions(&sh, &offer)?;

    cx.info.version = Some(ProtocolVersion::TLSV1_2);
    cx.info.suite = Some(suite);
    // From here a ChangeCipherSpec is the server's key change, handled by the states.
    cx.ccs_allowed = false;
    let mut transcript = st.transcript;
    transcript.set_hash(suite.hash)?;
    transcript.add(&msg.encoded);
    Ok(Box::new(ExpectCertificate {
        hs: Handshake12 {
            suite,
            transcript,
            client_random: offer.random,
            server_random: sh.random,
            offered_groups: offer.groups,
            identity: offer.options.verify_identity,
        },
    }))
}

/// RFC 5246 7.4.1.4: only answers to what we sent; RFC 5746 and RFC 7627 are required.
fn check_server_hello_extensions(sh: &ServerHello, offer: &Offer) -> Result<()> {
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
            E::EcPointFormats(formats) => {
                if !formats.contains(&EC_POINT_FORMAT_UNCOMPRESSED) {
                    return Err(Error::illegal(
                        Reason::ILLEGAL_POINT_COMPRESSION,
                        "the server does not accept uncompressed EC points",
                    ));
                }
            }
            E::ServerNameAck if offer.options.server_name.is_some() => {}
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
    if !extended_master_secret {
        return Err(Error::protocol(
            AlertDescription::HANDSHAKE_FAILURE,
            Reason::SSL_HANDSHAKE_FAILURE,
            "the server did not accept the extended master secret (RFC 7627), which this client \
             requires",
        ));
    }
    Ok(())
}

fn ext_name(ext: &ServerHelloExtension) -> String {
    use crate::msgs::extensions::Extension;
    ext.ext_type().to_string()
}

/// Whether a certificate with a key of type `kt` can authenticate a suite of `auth` (RFC 8422
/// 5.3 lets ECDHE_ECDSA suites use Ed25519 certificates too).
pub(crate) fn key_fits_auth(kt: KeyType, auth: Option<Auth>) -> bool {
    match auth {
        Some(Auth::Rsa) => kt == KeyType::Rsa,
        Some(Auth::Ecdsa) => matches!(
            kt,
            KeyType::EcdsaP256 | KeyType::EcdsaP384 | KeyType::Ed25519
        ),
        None => false,
    }
}

/// The TLS 1.2 client's handshake state shared by the states after ServerHello.
struct Handshake12 {
    suite: &'static SuiteInfo,
    transcript: Transcript,
    client_random: [u8; 32],
    server_random: [u8; 32],
    offered_groups: Vec<NamedGroup>,
    identity: Option<PeerIdentity>,
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
        super::verify_peer_chain(cx, &chain, Usage::ServerAuth, self.hs.identity.as_ref())?;
        cx.info.peer_chain = chain;
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
        let decoded = decode12(msg)?;
        if is_hello_request(&decoded) {
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
        let scheme = ske.signed.scheme;
        if !cx.config.verify_schemes.contains(&scheme) {
            return Err(Error::illegal(
                Reason::WRONG_SIGNATURE_TYPE,
                format!("the server signed with {scheme}, which we did not offer"),
            ));
        }
        let signed = ske.signed_message(&self.hs.client_random, &self.hs.server_random);
        let leaf = cx
            .info
            .peer_chain
            .first()
            .ok_or_else(|| Error::internal("no peer certificate"))?;
        sign::verify_signature(scheme, leaf, &signed, &ske.signed.signature, false)?;
        cx.info.peer_signature_scheme = Some(scheme);
        cx.info.group = Some(group);
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
        match decode12(msg)? {
            HandshakeMessage::HelloRequest => Ok(self),
            HandshakeMessage::CertificateRequestTls12(req) if self.cert_request.is_none() => {
                self.hs.transcript.add(&msg.encoded);
                self.cert_request = Some(req);
                Ok(self)
            }
            HandshakeMessage::ServerHelloDone => {
                self.hs.transcript.add(&msg.encoded);
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
    let config = cx.config.clone();
    let mut hs = st.hs;
    let suite = hs.suite;

    let mut signer: Option<(Arc<CertifiedKey>, crate::msgs::enums::SignatureScheme)> = None;
    if let Some(req) = &st.cert_request {
        let usable: Vec<Arc<CertifiedKey>> = config
            .certs
            .iter()
            .filter(|c| certificate_type_allowed(c.key_type(), &req.certificate_types))
            .cloned()
            .collect();
        signer = super::choose_certified_key(&usable, &req.sig_schemes, false);
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
        let cert = HandshakeMessage::CertificateTls12(CertificateTls12 { chain }).encode();
        hs.transcript.add(&cert);
        cx.send_handshake_bytes(&cert)?;
    }

    let (public, pre_master_secret) =
        kx::respond(st.server_params.group, &st.server_params.public)?;
    let cke = HandshakeMessage::ClientKeyExchange(ClientKeyExchange { public }).encode();
    hs.transcript.add(&cke);
    cx.send_handshake_bytes(&cke)?;
    let session_hash = hs.transcript.current_hash();
    let master = tls12::extended_master_secret(suite.hash, &pre_master_secret, &session_hash)?;
    drop(pre_master_secret);

    if let Some((ck, scheme)) = signer {
        // RFC 5246 7.4.8: the signature covers every handshake message so far, unhashed.
        let signature = {
            let messages = hs.transcript.buffer().ok_or_else(|| {
                Error::internal("handshake messages not kept for CertificateVerify")
            })?;
            ck.key.sign(scheme, messages)?
        };
        cx.info.our_signature_scheme = Some(scheme);
        let cv =
            HandshakeMessage::CertificateVerify(DigitallySigned { scheme, signature }).encode();
        hs.transcript.add(&cv);
        cx.send_handshake_bytes(&cv)?;
    }
    hs.transcript.drop_buffer();

    let keys = tls12::key_block(
        suite.hash,
        suite.aead,
        &master,
        &hs.client_random,
        &hs.server_random,
    )?;
    cx.send_ccs()?;
    cx.record.set_writer(tls12_encrypter(suite, &keys, true)?);
    let verify_data =
        tls12::finished_verify_data(suite.hash, &master, true, &hs.transcript.current_hash())?;
    let fin = HandshakeMessage::Finished(Finished { verify_data }).encode();
    hs.transcript.add(&fin);
    cx.send_handshake_bytes(&fin)?;
    Ok(Box::new(ExpectChangeCipherSpec { hs, master, keys }))
}

struct ExpectChangeCipherSpec {
    hs: Handshake12,
    master: Secret,
    keys: Tls12Keys,
}

impl State for ExpectChangeCipherSpec {
    fn name(&self) -> &'static str {
        "TLS client read change cipher spec"
    }

    fn handle(self: Box<Self>, _cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        if is_hello_request(&decode12(msg)?) {
            return Ok(self);
        }
        Err(unexpected(self.name(), msg.typ))
    }

    fn handle_change_cipher_spec(self: Box<Self>, cx: &mut Common) -> Result<Box<dyn State>> {
        cx.record
            .set_reader(tls12_decrypter(self.hs.suite, &self.keys, false)?);
        Ok(Box::new(ExpectFinished {
            hs: self.hs,
            master: self.master,
        }))
    }
}

struct ExpectFinished {
    hs: Handshake12,
    master: Secret,
}

impl State for ExpectFinished {
    fn name(&self) -> &'static str {
        "TLS client read server finished"
    }

    fn handle(mut self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        let HandshakeMessage::Finished(fin) = decode12(msg)? else {
            return Err(unexpected(self.name(), msg.typ));
        };
        let suite = self.hs.suite;
        let expected = tls12::finished_verify_data(
            suite.hash,
            &self.master,
            false,
            &self.hs.transcript.current_hash(),
        )?;
        if !verify_mac(&expected, &fin.verify_data) {
            return Err(Error::protocol(
                AlertDescription::DECRYPT_ERROR,
                Reason::DIGEST_CHECK_FAILED,
                "the server's Finished does not match the handshake transcript",
            ));
        }
        self.hs.transcript.add(&msg.encoded);
        cx.handshake_complete = true;
        Ok(Box::new(Connected12 {
            master: self.master,
        }))
    }
}

/// After a TLS 1.2 handshake, in either role. Renegotiation is refused: a HelloRequest (to a
/// client) or a ClientHello (to a server) gets a `no_renegotiation` warning (RFC 5246 7.2.2)
/// and the connection goes on.
pub(crate) struct Connected12 {
    /// Kept for keying-material export (RFC 5705).
    #[allow(dead_code)]
    pub master: Secret,
}

impl State for Connected12 {
    fn name(&self) -> &'static str {
        "SSL negotiation finished successfully"
    }

    fn handle(self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        let asks_for_renegotiation = matches!(
            (cx.role, msg.typ),
            (Role::Client, HandshakeType::HELLO_REQUEST)
                | (Role::Server, HandshakeType::CLIENT_HELLO)
        );
        if !asks_for_renegotiation {
            return Err(unexpected(self.name(), msg.typ));
        }
        // Malformed requests are still errors; well-formed ones are declined.
        decode12(msg)?;
        if !cx.sent_close_notify {
            cx.send_alert(AlertLevel::WARNING, AlertDescription::NO_RENEGOTIATION);
        }
        Ok(self)
    }
}
