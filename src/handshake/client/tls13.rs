//! TLS 1.3 client states after the first ServerHello (RFC 8446 4.1-4.4, appendix A.1).

use super::hs::{misplaced_extension, send_client_hello, ExpectServerHello};
use crate::crypto::key_schedule::{FinishedKey, HandshakeSchedule, KeySchedule};
use crate::crypto::kx::KeyShare;
use crate::crypto::secret::Secret;
use crate::error::{Error, Reason, Result};
use crate::handshake::common::auth::{check_peer_signature, SignedContent};
use crate::handshake::common::client_cert13::{emit_client_certificate, CertRequest};
use crate::handshake::common::connected13::Connected13;
use crate::handshake::common::flight::{emit_finished13, Flight};
use crate::handshake::common::Common;
use crate::handshake::{decode13, unexpected, State};
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::{AlertDescription, ExtensionType, HandshakeType, ProtocolVersion};
use crate::msgs::extensions::Extension;
use crate::msgs::handshake::{HandshakeMessage, HelloRetryRequest, ServerHello};
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
    use crate::msgs::extensions::EncryptedExtension;
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
