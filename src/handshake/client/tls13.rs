//! TLS 1.3 client states after the first ServerHello (RFC 8446 4.1-4.4, appendix A.1).

use super::hs::{misplaced_extension, send_client_hello, ExpectServerHello};
use crate::config::{CertificateRequestView, CertifiedKey, Config};
use crate::crypto::key_schedule::{resumption_psk, FinishedKey, HandshakeSchedule, KeySchedule};
use crate::crypto::kx::KeyShare;
use crate::crypto::secret::Secret;
use crate::error::{Error, Reason, Result};
use crate::handshake::common::auth::{check_peer_signature, SignedContent};
use crate::handshake::common::flight::{
    emit_certificate13, emit_certificate_verify13, emit_finished13, Flight,
};
use crate::handshake::common::Common;
use crate::handshake::{decode13, unexpected, State};
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::{
    AlertDescription, ExtensionType, HandshakeType, ProtocolVersion, SignatureScheme,
};
use crate::msgs::extensions::DistinguishedName;
use crate::msgs::extensions::Extension;
use crate::msgs::handshake::{
    CertificateEntry, CertificateRequestTls13, CertificateTls13, HandshakeMessage,
    HelloRetryRequest, KeyUpdateRequest, ServerHello,
};
use crate::record::keys::{
    tls13_decrypter, tls13_encrypter, tls13_handshake_decrypter, tls13_handshake_encrypter,
};
use crate::session::Session;
use crate::suites::{self, SuiteInfo};
use crate::verify::{self, Usage};
use std::sync::Arc;

pub fn handle_hello_retry(
    mut st: ExpectServerHello,
    cx: &mut Common,
    hrr: HelloRetryRequest,
    msg: &JoinedMessage,
) -> Result<Box<dyn State>> {
    if st.retried {
        return Err(Error::unexpected("a second HelloRetryRequest"));
    }
    // RFC 8446 4.1.4: a HelloRetryRequest carries supported_versions, key_share and cookie.
    for ext in &hrr.extensions {
        use crate::msgs::extensions::HelloRetryExtension as H;
        if let H::Unknown { typ, .. } = ext {
            return Err(misplaced_extension(
                &st.offer.sent_extensions,
                *typ,
                "HelloRetryRequest",
            ));
        }
    }
    let suite = suites::lookup(hrr.cipher_suite)
        .ok_or_else(|| Error::internal("offered suite missing from the table"))?;
    let group = hrr.selected_group();
    let cookie = hrr.cookie();
    if group.is_none() && cookie.is_none() {
        // RFC 8446 4.1.4: an HRR that would not change the ClientHello is illegal.
        return Err(Error::illegal(
            Reason::BAD_PACKET,
            "HelloRetryRequest asks for no change",
        ));
    }
    if let Some(group) = group {
        if !st.offer.groups.contains(&group) {
            return Err(Error::illegal(
                Reason::BAD_KEY_SHARE,
                format!("HelloRetryRequest selected {group}, which we did not offer"),
            ));
        }
        if st.offer.key_shares.iter().any(|ks| ks.group() == group) {
            return Err(Error::illegal(
                Reason::BAD_KEY_SHARE,
                format!("HelloRetryRequest selected {group}, for which we already sent a share"),
            ));
        }
        st.offer.key_shares = vec![KeyShare::generate(group)?];
    }
    st.offer.cookie = cookie.map(|c| c.to_vec());
    // The second ClientHello must offer only the suite the server already picked's hash, but
    // RFC 8446 lets us keep the list; the ServerHello must then repeat the HRR's suite.
    st.transcript.set_hash(suite.hash)?;
    st.transcript.rollup_for_hello_retry()?;
    st.transcript.add(&msg.encoded);
    cx.info.hello_retry = true;
    let config = cx.config.clone();
    // RFC 8446 D.4: in compatibility mode the one ChangeCipherSpec goes right before the
    // second ClientHello when there is one.
    if !st.offer.session_id.is_empty() && !st.compat_ccs_sent {
        cx.send_ccs()?;
        st.compat_ccs_sent = true;
    }
    send_client_hello(cx, &config, &mut st.offer, &mut st.transcript)?;
    st.retried = true;
    Ok(Box::new(ExpectServerHelloAfterRetry {
        inner: st,
        hrr_suite: hrr.cipher_suite,
    }))
}

/// After a HelloRetryRequest the ServerHello must keep the same suite (RFC 8446 4.1.4).
struct ExpectServerHelloAfterRetry {
    inner: ExpectServerHello,
    hrr_suite: crate::msgs::enums::CipherSuite,
}

impl State for ExpectServerHelloAfterRetry {
    fn name(&self) -> &'static str {
        "TLS client read server hello after retry"
    }

    fn handle(self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        crate::handshake::expect_types(self.name(), msg, &[HandshakeType::SERVER_HELLO])?;
        if let HandshakeMessage::ServerHello(sh) = decode13(msg)? {
            if sh.cipher_suite != self.hrr_suite {
                return Err(Error::illegal(
                    Reason::WRONG_CIPHER_RETURNED,
                    "ServerHello changed the cipher suite chosen in HelloRetryRequest",
                ));
            }
        }
        Box::new(self.inner).handle(cx, msg)
    }
}

/// RFC 8446 4.1.3, 4.2: a TLS 1.3 ServerHello carries only supported_versions, key_share and
/// pre_shared_key; everything else belongs in EncryptedExtensions or was never offered.
fn check_server_hello_extensions(sh: &ServerHello, sent: &[ExtensionType]) -> Result<()> {
    use crate::msgs::extensions::ServerHelloExtension as S;
    for ext in &sh.extensions {
        match ext {
            S::SupportedVersions(_) | S::KeyShare(_) => {}
            // A PSK answer we did not ask for is unsolicited even though the type is allowed.
            S::PreSharedKey(_) if sent.contains(&ExtensionType::PRE_SHARED_KEY) => {}
            other => {
                return Err(misplaced_extension(
                    sent,
                    other.ext_type(),
                    "TLS 1.3 ServerHello",
                ))
            }
        }
    }
    Ok(())
}

pub fn handle_server_hello(
    mut st: ExpectServerHello,
    cx: &mut Common,
    sh: ServerHello,
    msg: &JoinedMessage,
) -> Result<Box<dyn State>> {
    check_server_hello_extensions(&sh, &st.offer.sent_extensions).map_err(|mut e| {
        // A PSK answer to an offer that held a TLS 1.2 session: the server resumed it in
        // another version. Still unsupported_extension (RFC 8446 4.2), with the cause named.
        if sh.selected_psk_identity().is_some() && st.offer.tls12_session().is_some() {
            e.reason = Reason::SSL_SESSION_VERSION_MISMATCH;
        }
        e
    })?;
    let suite = suites::lookup(sh.cipher_suite)
        .filter(|s| s.version == ProtocolVersion::TLSV1_3)
        .ok_or_else(|| {
            Error::illegal(
                Reason::WRONG_CIPHER_RETURNED,
                format!("{} is not a TLS 1.3 suite", sh.cipher_suite),
            )
        })?;
    let mut external = None;
    let resumed = match sh.selected_psk_identity() {
        None => None,
        Some(0) if st.offer.psk_session().is_none() && st.offer.external_psk.is_some() => {
            let psk = st
                .offer
                .external_psk
                .take()
                .unwrap_or_else(|| unreachable!());
            let same_hash = suites::lookup(psk.suite).is_some_and(|s| s.hash == suite.hash);
            if !same_hash {
                return Err(Error::illegal(
                    Reason::CIPHERSUITE_DIGEST_HAS_CHANGED,
                    format!(
                        "the server accepted our PSK with {}, whose hash differs from the PSK's {}",
                        suite.suite, psk.suite
                    ),
                ));
            }
            cx.info.psk_identity = Some(psk.identity.clone());
            // Nothing learned of the server: the PSK authenticates it.
            let session = Arc::new(Session {
                server_name: cx.info.server_name.clone(),
                ..Session::new(
                    ProtocolVersion::TLSV1_3,
                    suite.suite,
                    psk.secret,
                    cx.config.session.timeout_secs,
                )
            });
            external = Some(session.clone());
            Some(session)
        }
        Some(0) => {
            let session = st.offer.psk_session().cloned().ok_or_else(|| {
                Error::illegal(
                    Reason::BAD_PSK,
                    "the server accepted a PSK we did not offer",
                )
            })?;
            let same_hash = suites::lookup(session.suite).is_some_and(|s| s.hash == suite.hash);
            if !same_hash {
                return Err(Error::illegal(
                    Reason::CIPHERSUITE_DIGEST_HAS_CHANGED,
                    format!(
                        "the server resumed with {}, whose hash differs from the session's {}",
                        suite.suite, session.suite
                    ),
                ));
            }
            Some(session)
        }
        Some(index) => {
            return Err(Error::illegal(
                Reason::BAD_PSK_IDENTITY,
                format!("the server selected PSK identity {index}; we offered one"),
            ))
        }
    };
    let (group, shared) = match sh.key_share() {
        Some(server_share) => {
            let group = server_share.group;
            let idx = st
                .offer
                .key_shares
                .iter()
                .position(|ks| ks.group() == group)
                .ok_or_else(|| {
                    Error::illegal(
                        Reason::BAD_KEY_SHARE,
                        format!("the server answered with a {group} share we did not send"),
                    )
                })?;
            let our_share = st.offer.key_shares.swap_remove(idx);
            // Kept for SSL_get_peer_tmp_key, which has no form for a hybrid share (1120 bytes
            // that every idle connection of the default configuration would otherwise keep).
            if !crate::crypto::kx::is_hybrid(group) {
                cx.info.peer_key_share = Some(server_share.payload.clone());
            }
            (Some(group), our_share.complete(&server_share.payload)?)
        }
        // psk_ke (RFC 8446 4.2.9): resumption without (EC)DHE, only if we offered it.
        None if resumed.is_some() && cx.config.options.allow_psk_ke => {
            (None, Secret::new(Vec::new()))
        }
        None => {
            return Err(Error::protocol(
                AlertDescription::MISSING_EXTENSION,
                Reason::MISSING_EXTENSION,
                "ServerHello has no key_share",
            ))
        }
    };
    st.offer.key_shares.clear();

    cx.info.version = Some(ProtocolVersion::TLSV1_3);
    cx.info.suite = Some(suite);
    cx.info.group = group;
    cx.record.write_version = ProtocolVersion::TLSV1_2.0;
    if let Some(session) = &resumed {
        // A resumed session keeps the authentication of the handshake that made it; an
        // external PSK authenticates both sides by itself. Either way OpenSSL reports the
        // handshake as reused.
        cx.info.peer_chain = session.peer_chain.clone();
        cx.info.verify_result = session.verify_result;
        cx.info.session_reused = true;
        if external.is_none() {
            cx.session = Some(session.clone());
        }
    }

    let mut transcript = st.transcript;
    transcript.set_hash(suite.hash)?;
    // From here on only hashes of the transcript are used (a TLS 1.3 CertificateVerify signs
    // a hash too), so the raw messages are not kept.
    transcript.drop_buffer();
    transcript.add(&msg.encoded);
    let hash = transcript.current_hash();
    // The early secret made for the binder of the PSK the server accepted is the one to go on
    // with (same PSK, same hash); otherwise it is made now.
    let early = match (resumed.as_ref(), st.offer.psk_schedule.take()) {
        (Some(_), Some(early)) if early.hash_alg() == suite.hash => early,
        (session, _) => KeySchedule::new(suite.hash, session.map(|s| &s.secret[..])),
    };
    let ks = early.into_handshake(&shared);
    let client_hs = ks.client_handshake_traffic_secret(&hash);
    let server_hs = ks.server_handshake_traffic_secret(&hash);
    cx.log_secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", &client_hs);
    cx.log_secret("SERVER_HANDSHAKE_TRAFFIC_SECRET", &server_hs);
    let (decrypter, server_finished) = tls13_handshake_decrypter(suite, &server_hs)?;
    cx.record.set_reader(decrypter);
    // From here on our records, alerts included, are protected with the handshake key. In
    // compatibility mode the ChangeCipherSpec (in the clear) must precede the first of them
    // (RFC 8446 D.4): it goes with our second flight, or before an alert if we fail first,
    // unless it already preceded a second ClientHello.
    cx.compat_ccs_owed = !st.offer.session_id.is_empty() && !st.compat_ccs_sent;
    let (encrypter, client_finished) = tls13_handshake_encrypter(suite, &client_hs)?;
    cx.record.set_writer(encrypter);

    Ok(Box::new(ExpectEncryptedExtensions {
        hs: Handshake13 {
            suite,
            transcript,
            schedule: ks,
            client_finished,
            server_finished,
            identity: st.offer.options.verify_identity.clone(),
            resumed: resumed.is_some(),
            server_name_sent: st
                .offer
                .sent_extensions
                .contains(&ExtensionType::SERVER_NAME),
        },
    }))
}

/// The TLS 1.3 client's handshake-phase state shared by the states after ServerHello.
pub(crate) struct Handshake13 {
    suite: &'static SuiteInfo,
    transcript: crate::crypto::hash::Transcript,
    schedule: HandshakeSchedule,
    /// Finished keys of the handshake traffic secrets (the secrets themselves are not needed
    /// once the handshake record keys are made).
    client_finished: FinishedKey,
    server_finished: FinishedKey,
    identity: Option<verify::PeerIdentity>,
    /// A PSK was accepted: the server authenticates with it, not with a certificate.
    resumed: bool,
    /// Our ClientHello carried server_name, so EncryptedExtensions may acknowledge it.
    server_name_sent: bool,
}

struct ExpectEncryptedExtensions {
    hs: Handshake13,
}

impl State for ExpectEncryptedExtensions {
    fn name(&self) -> &'static str {
        "TLS client read encrypted extensions"
    }

    fn handle(mut self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        crate::handshake::expect_types(self.name(), msg, &[HandshakeType::ENCRYPTED_EXTENSIONS])?;
        let HandshakeMessage::EncryptedExtensions(ee) = decode13(msg)? else {
            return Err(unexpected(self.name(), msg.typ));
        };
        check_encrypted_extensions(&ee, self.hs.server_name_sent)?;
        // RFC 8449 4: from here on our protected records stay within the server's limit
        // (counting the content type; we add no padding), and its records within ours.
        if let Some(limit) = ee.record_size_limit() {
            cx.record.limit_records_to(limit, true);
            cx.record
                .accept_records_up_to(cx.config.own_record_size_limit(true));
        }
        cx.info.alpn = super::hs::check_alpn_answer(&cx.config.alpn_protocols, ee.alpn())?;
        self.hs.transcript.add(&msg.encoded);
        if self.hs.resumed {
            return Ok(Box::new(ExpectFinished {
                hs: self.hs,
                cert_requested: None,
            }));
        }
        Ok(Box::new(ExpectCertificate {
            hs: self.hs,
            cert_requested: None,
        }))
    }
}

/// What the server's CertificateRequest asked of us.
struct CertRequest {
    context: Vec<u8>,
    /// The algorithms the server decompresses our certificate with (RFC 8879 3).
    compress_algs: Vec<crate::msgs::enums::CertCompressionAlgorithm>,
    schemes: Vec<SignatureScheme>,
    authorities: Vec<DistinguishedName>,
}

impl CertRequest {
    /// A CertificateRequest of the handshake.
    fn from_message(req: CertificateRequestTls13) -> Result<Self> {
        // RFC 8446 4.3.2: the context is empty in the handshake; only post-handshake
        // requests use it.
        if !req.context.is_empty() {
            return Err(Error::illegal(
                Reason::BAD_PACKET,
                "CertificateRequest in the handshake has a non-empty certificate_request_context",
            ));
        }
        Self::from_message_post_handshake(req)
    }

    /// A CertificateRequest after the handshake (RFC 8446 4.6.2), whose context our
    /// Certificate echoes.
    fn from_message_post_handshake(req: CertificateRequestTls13) -> Result<Self> {
        // RFC 8446 4.3.2: signature_algorithms is mandatory in a CertificateRequest.
        let schemes = req
            .sig_schemes()
            .ok_or_else(|| {
                Error::protocol(
                    AlertDescription::MISSING_EXTENSION,
                    Reason::MISSING_SIGALGS_EXTENSION,
                    "CertificateRequest without signature_algorithms",
                )
            })?
            .to_vec();
        let authorities = req
            .certificate_authorities()
            .map(<[DistinguishedName]>::to_vec)
            .unwrap_or_default();
        let compress_algs = crate::certcomp::request_algorithms(&req)?;
        Ok(CertRequest {
            compress_algs,
            context: req.context,
            schemes,
            authorities,
        })
    }

    /// A configured chain whose key can sign with a requested scheme, else whatever the
    /// application's callback supplies, else nothing (an empty Certificate).
    fn choose(&self, config: &Config) -> Option<(Arc<CertifiedKey>, SignatureScheme)> {
        if let Some(found) = crate::handshake::choose_client_certified_key(
            config,
            &config.certs,
            &self.schemes,
            true,
        ) {
            return Some(found);
        }
        let callback = config.client_cert_callback.as_ref()?;
        let ck = callback(&CertificateRequestView {
            schemes: &self.schemes,
            authorities: &self.authorities,
        })?;
        let scheme = crate::handshake::client_auth_scheme(config, &ck.key, &self.schemes, true)?;
        Some((ck, scheme))
    }
}

struct ExpectCertificate {
    hs: Handshake13,
    /// The server's CertificateRequest, if it sent one.
    cert_requested: Option<CertRequest>,
}

impl State for ExpectCertificate {
    fn name(&self) -> &'static str {
        "TLS client read server certificate"
    }

    fn handle(mut self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        // RFC 8879 4: a CompressedCertificate only if our ClientHello offered an algorithm.
        let offered = crate::certcomp::receive_algorithms(&cx.config);
        let mut accepted = vec![
            HandshakeType::CERTIFICATE_REQUEST,
            HandshakeType::CERTIFICATE,
        ];
        if !offered.is_empty() {
            accepted.push(HandshakeType::COMPRESSED_CERTIFICATE);
        }
        crate::handshake::expect_types(self.name(), msg, &accepted)?;
        let decoded = if msg.typ == HandshakeType::COMPRESSED_CERTIFICATE {
            let (cert, alg) = crate::certcomp::receive_certificate(
                &cx.config,
                &offered,
                msg.body(),
                cx.config.max_handshake_message,
            )?;
            cx.info.cert_compression.received = Some(alg);
            HandshakeMessage::CertificateTls13(cert)
        } else {
            decode13(msg)?
        };
        match decoded {
            HandshakeMessage::CertificateRequestTls13(req) if self.cert_requested.is_none() => {
                self.cert_requested = Some(CertRequest::from_message(req)?);
                self.hs.transcript.add(&msg.encoded);
                Ok(self)
            }
            HandshakeMessage::CertificateTls13(cert) => {
                if !cert.context.is_empty() {
                    return Err(Error::illegal(
                        Reason::BAD_PACKET,
                        "server Certificate with a non-empty request context",
                    ));
                }
                if cert.entries.is_empty() {
                    // RFC 8446 4.4.2.4: an empty server Certificate is a decode_error.
                    return Err(Error::protocol(
                        AlertDescription::DECODE_ERROR,
                        Reason::NO_CERTIFICATES_RETURNED,
                        "the server sent no certificate",
                    ));
                }
                // RFC 8446 4.4.2.1: the OCSP response rides in the leaf's entry.
                cx.info.ocsp_response = cert
                    .leaf_ocsp_response(cx.info.ocsp_requested)?
                    .map(<[u8]>::to_vec);
                self.hs.transcript.add(&msg.encoded);
                let chain: Vec<Vec<u8>> = cert
                    .entries
                    .into_iter()
                    .map(|e| e.cert.as_ref().to_vec())
                    .collect();
                crate::handshake::verify_peer_chain(
                    cx,
                    &chain,
                    Usage::ServerAuth,
                    self.hs.identity.as_ref(),
                )?;
                Ok(Box::new(ExpectCertificateVerify {
                    hs: self.hs,
                    cert_requested: self.cert_requested,
                }))
            }
            _ => Err(unexpected(self.name(), msg.typ)),
        }
    }
}

struct ExpectCertificateVerify {
    hs: Handshake13,
    cert_requested: Option<CertRequest>,
}

impl State for ExpectCertificateVerify {
    fn name(&self) -> &'static str {
        "TLS client read server certificate verify"
    }

    fn handle(mut self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        crate::handshake::expect_types(self.name(), msg, &[HandshakeType::CERTIFICATE_VERIFY])?;
        let HandshakeMessage::CertificateVerify(cv) = decode13(msg)? else {
            return Err(unexpected(self.name(), msg.typ));
        };
        let config = cx.config.clone();
        let hash = self.hs.transcript.current_hash();
        let content = SignedContent::Tls13Transcript(&hash);
        check_peer_signature(cx, &config.verify_schemes, &cv, content)?;
        self.hs.transcript.add(&msg.encoded);
        crate::handshake::ocsp::client_check(cx)?;
        Ok(Box::new(ExpectFinished {
            hs: self.hs,
            cert_requested: self.cert_requested,
        }))
    }
}

struct ExpectFinished {
    hs: Handshake13,
    cert_requested: Option<CertRequest>,
}

impl State for ExpectFinished {
    fn name(&self) -> &'static str {
        "TLS client read server finished"
    }

    fn handle(self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        crate::handshake::expect_types(self.name(), msg, &[HandshakeType::FINISHED])?;
        let HandshakeMessage::Finished(fin) = decode13(msg)? else {
            return Err(unexpected(self.name(), msg.typ));
        };
        crate::handshake::check_flight_end(msg)?;
        let mut hs = self.hs;
        crate::handshake::check_finished_len(&fin.verify_data, hs.suite.hash.output_len())?;
        if !hs
            .server_finished
            .verify(&hs.transcript.current_hash(), &fin.verify_data)
        {
            return Err(Error::protocol(
                AlertDescription::DECRYPT_ERROR,
                Reason::DIGEST_CHECK_FAILED,
                "the server's Finished does not match the handshake transcript",
            ));
        }
        cx.info.peer_finished = fin.verify_data.clone();
        hs.transcript.add(&msg.encoded);
        let hash_after_server_finished = hs.transcript.current_hash();
        let master = hs.schedule.into_master();
        let client_app = master.client_application_traffic_secret_0(&hash_after_server_finished);
        let server_app = master.server_application_traffic_secret_0(&hash_after_server_finished);
        cx.log_secret("CLIENT_TRAFFIC_SECRET_0", &client_app);
        cx.log_secret("SERVER_TRAFFIC_SECRET_0", &server_app);
        // SSL_export_keying_material derives from the exporter master secret (RFC 8446 7.5).
        let exporter = master.exporter_master_secret(&hash_after_server_finished);
        cx.log_secret("EXPORTER_SECRET", &exporter);
        cx.exporter = Some(crate::exporter::Exporter::Tls13 {
            hash: hs.suite.hash,
            secret: exporter,
        });

        // Our second flight: the compatibility CCS if still owed, then (if asked) our
        // Certificate and, when it is not empty, CertificateVerify, then Finished, all under
        // the client handshake key.
        cx.send_owed_compat_ccs()?;
        cx.ccs_allowed = false;
        let mut flight = Flight::new(cx, &mut hs.transcript);
        if let Some(request) = self.cert_requested {
            emit_client_certificate(&mut flight, request)?;
        }
        cx.info.our_finished = emit_finished13(&mut flight, &hs.client_finished)?;
        cx.record
            .set_writer(tls13_encrypter(hs.suite, &client_app)?);
        cx.record
            .set_reader(tls13_decrypter(hs.suite, &server_app)?);
        let resumption = master.resumption_master_secret(&hs.transcript.current_hash());
        if cx.session.is_none() {
            // Like OpenSSL's, a connection has a session before any ticket arrives; without a
            // ticket it cannot be resumed.
            let session = cx.info.new_session(
                ProtocolVersion::TLSV1_3,
                hs.suite.suite,
                resumption.clone(),
                cx.config.session.timeout_secs,
            );
            cx.session = Some(Arc::new(session));
        }
        cx.handshake_complete = true;
        // RFC 8446 4.4: the context of a post-handshake authentication is the handshake up to
        // our Finished; kept only when we offered it.
        let transcript = hs.transcript;
        let handshake_transcript = cx.info.post_handshake_auth.then(|| Box::new(transcript));
        Ok(Box::new(Connected13 {
            suite: hs.suite,
            our_secret: client_app,
            peer_secret: server_app,
            resumption_master: Some(resumption),
            handshake_transcript,
            pha: None,
        }))
    }
}

/// Answers a CertificateRequest: the chosen chain and its CertificateVerify, or an empty
/// Certificate when nothing fits (the server then decides whether to go on).
fn emit_client_certificate(flight: &mut Flight<'_>, request: CertRequest) -> Result<()> {
    crate::handshake::client_certificate_callback(flight.cx)?;
    let config = flight.cx.config.clone();
    flight.cx.info.peer_ca_names = request.authorities.iter().map(|n| n.0.clone()).collect();
    let chosen = request.choose(&config);
    let entries = chosen.as_ref().map_or_else(Vec::new, |(ck, _)| {
        ck.chain
            .iter()
            .map(|c| CertificateEntry::new(pki_types::CertificateDer::from(c.clone())))
            .collect()
    });
    let certificate = CertificateTls13 {
        context: request.context,
        entries,
    };
    emit_certificate13(flight, &certificate, &request.compress_algs)?;
    match chosen {
        Some((ck, scheme)) => emit_certificate_verify13(flight, &ck.key, scheme),
        None => {
            flight.cx.evidence.sent_empty_certificate = true;
            Ok(())
        }
    }
}

/// After the handshake, in either role: NewSessionTicket (to a client) and KeyUpdate.
pub(crate) struct Connected13 {
    pub suite: &'static SuiteInfo,
    pub our_secret: Secret,
    pub peer_secret: Secret,
    /// Turns a client's tickets into sessions (RFC 8446 4.6.1).
    pub resumption_master: Option<Secret>,
    /// The handshake transcript up to the client's Finished, the context of post-handshake
    /// authentication (RFC 8446 4.4); kept only when the client offered it. Boxed, as `pha`:
    /// rarely there, they would take 300 bytes in every idle connection inline.
    pub handshake_transcript: Option<Box<crate::crypto::hash::Transcript>>,
    /// A server's post-handshake CertificateRequest waiting for the client's answer.
    pub pha: Option<Box<crate::handshake::pha::PendingRequest>>,
}

impl Connected13 {
    /// A client's session for one NewSessionTicket.
    fn session_from_ticket(
        &self,
        cx: &Common,
        nst: &crate::msgs::handshake::NewSessionTicketTls13,
    ) -> Option<Session> {
        let master = self.resumption_master.as_ref()?;
        // RFC 8446 4.6.1: a lifetime of zero means the ticket must not be used; no ticket
        // lives longer than seven days.
        if nst.lifetime == 0 {
            return None;
        }
        // A ticket too long to send back in a ClientHello is useless (`limits::MAX_TICKET_LEN`).
        if nst.ticket.len() > crate::limits::MAX_TICKET_LEN {
            return None;
        }
        let lifetime = nst.lifetime.min(crate::session::MAX_TLS13_TICKET_LIFETIME);
        let hash = self.suite.hash;
        let digest = crate::crypto::hash::HashAlg::Sha256.hash(&nst.ticket);
        Some(Session {
            id: digest[..crate::session::MAX_SESSION_ID_LEN].to_vec(),
            ticket: nst.ticket.clone(),
            ticket_lifetime: lifetime,
            ticket_age_add: nst.age_add,
            max_early_data: nst.max_early_data_size().unwrap_or(0),
            ..cx.info.new_session(
                ProtocolVersion::TLSV1_3,
                self.suite.suite,
                resumption_psk(hash, master, &nst.nonce),
                lifetime,
            )
        })
    }
}

impl State for Connected13 {
    fn name(&self) -> &'static str {
        "SSL negotiation finished successfully"
    }

    fn handle(mut self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        use crate::crypto::key_schedule::next_traffic_secret;
        let accepted: &[HandshakeType] = match cx.role {
            // A CertificateRequest only if we offered post-handshake authentication
            // (RFC 8446 4.6.2); otherwise it is unexpected_message.
            crate::role::Role::Client if self.handshake_transcript.is_some() => &[
                HandshakeType::NEW_SESSION_TICKET,
                HandshakeType::KEY_UPDATE,
                HandshakeType::CERTIFICATE_REQUEST,
            ],
            crate::role::Role::Client => {
                &[HandshakeType::NEW_SESSION_TICKET, HandshakeType::KEY_UPDATE]
            }
            crate::role::Role::Server if self.pha.is_some() => &[
                HandshakeType::KEY_UPDATE,
                HandshakeType::CERTIFICATE,
                HandshakeType::CERTIFICATE_VERIFY,
                HandshakeType::FINISHED,
            ],
            crate::role::Role::Server => &[HandshakeType::KEY_UPDATE],
        };
        crate::handshake::expect_types(self.name(), msg, accepted)?;
        if cx.role == crate::role::Role::Server
            && msg.typ != HandshakeType::KEY_UPDATE
            && self.pha.is_some()
        {
            let pending = self.pha.take().unwrap_or_else(|| unreachable!());
            self.pha = crate::handshake::pha::server_answer(
                cx,
                self.suite,
                &self.peer_secret,
                *pending,
                msg,
            )?
            .map(Box::new);
            return Ok(self);
        }
        match decode13(msg)? {
            HandshakeMessage::CertificateRequestTls13(req)
                if cx.role == crate::role::Role::Client =>
            {
                let request = CertRequest::from_message_post_handshake(req)?;
                let transcript = self
                    .handshake_transcript
                    .as_deref()
                    .ok_or_else(|| Error::internal("no handshake transcript"))?;
                let mut t = transcript.clone();
                t.add(&msg.encoded);
                let mut flight = Flight::new(cx, &mut t);
                emit_client_certificate(&mut flight, request)?;
                crate::handshake::pha::emit_finished(&mut flight, self.suite, &self.our_secret)?;
                Ok(self)
            }
            HandshakeMessage::NewSessionTicketTls13(nst)
                if cx.role == crate::role::Role::Client =>
            {
                // A peer may send any number of tickets; keeping each would let it fill our
                // memory (and the application's cache), so only the first few become sessions.
                // The others are still decoded and checked, then dropped.
                cx.info.tickets_received += 1;
                let keep = cx.info.tickets_received <= crate::limits::MAX_TICKETS_KEPT as u64;
                if let Some(session) = self.session_from_ticket(cx, &nst).filter(|_| keep) {
                    cx.set_session(session);
                }
                Ok(self)
            }
            HandshakeMessage::KeyUpdate(ku) => {
                cx.info.key_updates_received += 1;
                self.peer_secret = next_traffic_secret(self.suite.hash, &self.peer_secret);
                cx.record
                    .set_reader(tls13_decrypter(self.suite, &self.peer_secret)?);
                // RFC 8446 4.6.3: a peer that has stayed silent since its last update answers
                // any number of requests with that single update.
                let silent_since_our_update = cx.info.key_updates_sent > 0
                    && cx.record.writer_mut().is_some_and(|w| w.seq() == 0);
                if ku == KeyUpdateRequest::UpdateRequested
                    && !cx.sent_close_notify
                    && !silent_since_our_update
                {
                    cx.send_unhashed(&HandshakeMessage::KeyUpdate(
                        KeyUpdateRequest::UpdateNotRequested,
                    ))?;
                    cx.info.key_updates_sent += 1;
                    self.our_secret = next_traffic_secret(self.suite.hash, &self.our_secret);
                    cx.record
                        .set_writer(tls13_encrypter(self.suite, &self.our_secret)?);
                }
                Ok(self)
            }
            _ => Err(unexpected(self.name(), msg.typ)),
        }
    }

    fn request_client_certificate(&mut self, cx: &mut Common) -> Result<()> {
        let request = crate::handshake::pha::send_request(
            cx,
            self.handshake_transcript.as_deref(),
            self.pha.as_deref(),
        )?;
        self.pha = Some(Box::new(request));
        Ok(())
    }

    fn send_key_update(&mut self, cx: &mut Common, request_peer: bool) -> Result<()> {
        let request = if request_peer {
            KeyUpdateRequest::UpdateRequested
        } else {
            KeyUpdateRequest::UpdateNotRequested
        };
        cx.send_unhashed(&HandshakeMessage::KeyUpdate(request))?;
        cx.info.key_updates_sent += 1;
        self.our_secret =
            crate::crypto::key_schedule::next_traffic_secret(self.suite.hash, &self.our_secret);
        cx.record
            .set_writer(tls13_encrypter(self.suite, &self.our_secret)?);
        Ok(())
    }
}

/// RFC 8446 4.2: EncryptedExtensions may carry only what the client asked for and what this
/// message allows; anything the client knows but did not offer is unsupported_extension.
fn check_encrypted_extensions(
    ee: &crate::msgs::handshake::EncryptedExtensions,
    server_name_sent: bool,
) -> Result<()> {
    use crate::msgs::extensions::EncryptedExtension as E;
    for ext in &ee.extensions {
        match ext {
            // ALPN is checked against our offer by `check_alpn_answer`.
            E::SupportedGroups(_) | E::Alpn(_) => {}
            E::ServerNameAck if server_name_sent => {}
            // Always offered; its value is applied by the caller.
            E::RecordSizeLimit(_) => {}
            E::ServerNameAck | E::EarlyData => {
                return Err(Error::protocol(
                    AlertDescription::UNSUPPORTED_EXTENSION,
                    Reason::UNSOLICITED_EXTENSION,
                    "EncryptedExtensions answers an extension we did not send",
                ))
            }
            E::Unknown { typ, .. } => {
                if typ.name().is_some() {
                    return Err(Error::illegal(
                        Reason::BAD_EXTENSION,
                        format!("{typ} is not allowed in EncryptedExtensions"),
                    ));
                }
                return Err(Error::protocol(
                    AlertDescription::UNSUPPORTED_EXTENSION,
                    Reason::UNSOLICITED_EXTENSION,
                    format!("EncryptedExtensions carries unrequested extension {typ}"),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::extensions::{CertificateRequestExtension, EncryptedExtension};
    use crate::msgs::handshake::EncryptedExtensions;

    #[test]
    fn server_name_ack_needs_our_server_name() {
        let ee = EncryptedExtensions {
            extensions: vec![EncryptedExtension::ServerNameAck],
        };
        check_encrypted_extensions(&ee, true).unwrap();
        let e = check_encrypted_extensions(&ee, false).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::UNSUPPORTED_EXTENSION));
        assert_eq!(e.reason, Reason::UNSOLICITED_EXTENSION);
    }

    #[test]
    fn handshake_certificate_request_context_must_be_empty() {
        let request = |context: &[u8]| CertificateRequestTls13 {
            context: context.to_vec(),
            extensions: vec![CertificateRequestExtension::SignatureAlgorithms(vec![
                SignatureScheme::ECDSA_NISTP256_SHA256,
            ])],
        };
        let accepted = CertRequest::from_message(request(b"")).unwrap();
        assert_eq!(accepted.schemes, [SignatureScheme::ECDSA_NISTP256_SHA256]);
        let Err(e) = CertRequest::from_message(request(b"request context")) else {
            panic!("a non-empty context was accepted");
        };
        assert_eq!(e.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
        assert_eq!(e.reason, Reason::BAD_PACKET);
    }

    #[test]
    fn tls13_server_hello_extensions_are_checked_against_what_we_sent() {
        use crate::msgs::extensions::ServerHelloExtension as S;
        let sh = |extensions| ServerHello {
            legacy_version: ProtocolVersion::TLSV1_2,
            random: [1; 32],
            legacy_session_id_echo: Vec::new(),
            cipher_suite: crate::msgs::enums::CipherSuite::TLS13_AES_128_GCM_SHA256,
            compression_method: 0,
            extensions,
        };
        let sent = [ExtensionType::SERVER_NAME, ExtensionType::PRE_SHARED_KEY];
        check_server_hello_extensions(
            &sh(vec![
                S::SupportedVersions(ProtocolVersion::TLSV1_3),
                S::PreSharedKey(0),
            ]),
            &sent,
        )
        .unwrap();
        // Offered, but its answer belongs in EncryptedExtensions.
        let e = check_server_hello_extensions(&sh(vec![S::ServerNameAck]), &sent).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
        assert_eq!(e.reason, Reason::UNSOLICITED_EXTENSION);
        // Never offered.
        let e = check_server_hello_extensions(&sh(vec![S::PreSharedKey(0)]), &[]).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::UNSUPPORTED_EXTENSION));
        assert_eq!(e.reason, Reason::UNSOLICITED_EXTENSION);
    }
}
