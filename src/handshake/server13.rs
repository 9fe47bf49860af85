//! TLS 1.3 server states (RFC 8446 4.1-4.4, appendix A.2).

use super::client13::Connected13;
use super::{
    decode13, random_bytes, tls13_decrypter, tls13_encrypter, unexpected, verify_mac, State,
};
use crate::config::CertifiedKey;
use crate::conn::Common;
use crate::crypto::hash::Transcript;
use crate::crypto::key_schedule::{finished_verify_data, KeySchedule};
use crate::crypto::kx;
use crate::crypto::secret::Secret;
use crate::crypto::sign;
use crate::error::{Error, Reason, Result};
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::{
    AlertDescription, CipherSuite, ExtensionType, NamedGroup, ProtocolVersion, SignatureScheme,
};
use crate::msgs::extensions::{
    EncryptedExtension, HelloRetryExtension, KeyShareEntry, ServerHelloExtension,
};
use crate::msgs::handshake::{
    CertificateEntry, CertificateTls13, ClientHello, DigitallySigned, EncryptedExtensions,
    Finished, HandshakeMessage, HelloRetryRequest, ServerHello,
};
use crate::suites::{self, SuiteInfo};
use std::sync::Arc;

/// What a HelloRetryRequest asked for, to check the second ClientHello against.
pub struct Retry {
    transcript: Transcript,
    suite: CipherSuite,
    group: NamedGroup,
    cookie: Vec<u8>,
    session_id: Vec<u8>,
    ccs_sent: bool,
}

pub fn handle_client_hello(
    cx: &mut Common,
    ch: ClientHello,
    msg: &JoinedMessage,
    retry: Option<Retry>,
) -> Result<Box<dyn State>> {
    let config = cx.config.clone();
    if ch.compression_methods != [0] {
        return Err(Error::illegal(
            Reason::BAD_PACKET,
            "TLS 1.3 ClientHello must offer only the null compression method",
        ));
    }
    let suite = choose_suite(&config.tls13_suites, &ch.cipher_suites)?;
    let schemes = ch.sig_schemes().ok_or_else(|| {
        Error::protocol(
            AlertDescription::MISSING_EXTENSION,
            Reason::MISSING_SIGALGS_EXTENSION,
            "the client sent no signature_algorithms extension",
        )
    })?;
    let (cert, scheme) = choose_certificate(&config.certs, schemes)?;
    let groups = ch.groups().ok_or_else(|| {
        Error::protocol(
            AlertDescription::MISSING_EXTENSION,
            Reason::MISSING_EXTENSION,
            "the client sent no supported_groups extension",
        )
    })?;
    let shares = ch.key_shares().ok_or_else(|| {
        Error::protocol(
            AlertDescription::MISSING_EXTENSION,
            Reason::MISSING_EXTENSION,
            "the client sent no key_share extension",
        )
    })?;
    check_key_shares(shares, groups)?;

    if let Some(r) = &retry {
        check_second_client_hello(r, &ch, suite.suite, shares)?;
    }

    let our_groups: Vec<NamedGroup> = config
        .groups
        .iter()
        .copied()
        .filter(|g| kx::is_supported(*g))
        .collect();
    let with_share = our_groups
        .iter()
        .find_map(|g| shares.iter().find(|s| s.group == *g));
    let share = match with_share {
        Some(s) => s,
        None => {
            if retry.is_some() {
                return Err(Error::illegal(
                    Reason::BAD_KEY_SHARE,
                    "the second ClientHello still has no usable key share",
                ));
            }
            let group = our_groups
                .iter()
                .copied()
                .find(|g| groups.contains(g))
                .ok_or_else(|| no_shared_group(&our_groups, groups))?;
            return send_hello_retry(cx, &ch, msg, suite, group);
        }
    };
    if let Some(name) = ch.server_name() {
        cx.info.server_name = Some(name.to_string());
    }
    let (server_share, shared) = kx::respond(share.group, &share.payload)?;
    cx.info.version = Some(ProtocolVersion::TLSV1_3);
    cx.info.suite = Some(suite);
    cx.info.group = Some(share.group);
    cx.info.our_signature_scheme = Some(scheme);

    let (mut transcript, ccs_sent) = match retry {
        Some(r) => (r.transcript, r.ccs_sent),
        None => {
            let mut t = Transcript::new();
            t.set_hash(suite.hash)?;
            (t, false)
        }
    };
    transcript.add(&msg.encoded);

    let sh = HandshakeMessage::ServerHello(ServerHello {
        legacy_version: ProtocolVersion::TLSV1_2,
        random: random_bytes::<32>()?,
        legacy_session_id_echo: ch.legacy_session_id.clone(),
        cipher_suite: suite.suite,
        compression_method: 0,
        extensions: vec![
            ServerHelloExtension::SupportedVersions(ProtocolVersion::TLSV1_3),
            ServerHelloExtension::KeyShare(KeyShareEntry {
                group: share.group,
                payload: server_share,
            }),
        ],
    })
    .encode();
    transcript.add(&sh);
    cx.send_handshake_bytes(&sh)?;
    // Middlebox compatibility (RFC 8446 D.4): one CCS after our first handshake message.
    if !ch.legacy_session_id.is_empty() && !ccs_sent {
        cx.send_ccs()?;
    }

    let hash = transcript.current_hash();
    let ks = KeySchedule::new(suite.hash, None).into_handshake(&shared);
    let client_hs = ks.client_handshake_traffic_secret(&hash);
    let server_hs = ks.server_handshake_traffic_secret(&hash);
    cx.record.set_writer(tls13_encrypter(suite, &server_hs)?);
    cx.record.set_reader(tls13_decrypter(suite, &client_hs)?);

    let mut ee_exts = Vec::new();
    if ch.server_name().is_some() {
        // RFC 6066 3: an empty server_name acknowledges that we used the name.
        ee_exts.push(EncryptedExtension::ServerNameAck);
    }
    let ee = HandshakeMessage::EncryptedExtensions(EncryptedExtensions {
        extensions: ee_exts,
    })
    .encode();
    transcript.add(&ee);
    cx.send_handshake_bytes(&ee)?;

    let certificate = HandshakeMessage::CertificateTls13(CertificateTls13 {
        context: Vec::new(),
        entries: cert
            .chain
            .iter()
            .map(|c| CertificateEntry::new(pki_types::CertificateDer::from(c.clone())))
            .collect(),
    })
    .encode();
    transcript.add(&certificate);
    cx.send_handshake_bytes(&certificate)?;

    let signed = sign::tls13_signed_message(true, &transcript.current_hash());
    let signature = cert.key.sign(scheme, &signed)?;
    let cv = HandshakeMessage::CertificateVerify(DigitallySigned { scheme, signature }).encode();
    transcript.add(&cv);
    cx.send_handshake_bytes(&cv)?;

    let verify_data = finished_verify_data(suite.hash, &server_hs, &transcript.current_hash());
    let fin = HandshakeMessage::Finished(Finished {
        verify_data: verify_data.to_vec(),
    })
    .encode();
    transcript.add(&fin);
    cx.send_handshake_bytes(&fin)?;

    let hash_after_server_finished = transcript.current_hash();
    let master = ks.into_master();
    let client_app = master.client_application_traffic_secret_0(&hash_after_server_finished);
    let server_app = master.server_application_traffic_secret_0(&hash_after_server_finished);
    cx.record.set_writer(tls13_encrypter(suite, &server_app)?);

    Ok(Box::new(ExpectFinished {
        suite,
        transcript,
        master,
        client_hs,
        client_app,
        server_app,
    }))
}

/// Client preference among the suites we enable, as OpenSSL does by default.
fn choose_suite(ours: &[CipherSuite], theirs: &[CipherSuite]) -> Result<&'static SuiteInfo> {
    theirs
        .iter()
        .filter(|s| ours.contains(s))
        .find_map(|s| suites::lookup(*s).filter(|i| i.version == ProtocolVersion::TLSV1_3))
        .ok_or_else(|| {
            let offered: Vec<String> = theirs
                .iter()
                .filter(|s| !crate::msgs::enums::is_grease(s.0))
                .map(|s| s.to_string())
                .collect();
            let allowed: Vec<String> = ours.iter().map(|s| s.to_string()).collect();
            Error::protocol(
                AlertDescription::HANDSHAKE_FAILURE,
                Reason::NO_SHARED_CIPHER,
                format!(
                    "no common cipher suite: the client offered [{}]; we allow [{}]",
                    offered.join(", "),
                    allowed.join(", ")
                ),
            )
        })
}

/// The first configured chain whose key can sign with a scheme the client accepts.
fn choose_certificate(
    certs: &[Arc<CertifiedKey>],
    schemes: &[SignatureScheme],
) -> Result<(Arc<CertifiedKey>, SignatureScheme)> {
    if certs.is_empty() {
        return Err(Error::protocol(
            AlertDescription::HANDSHAKE_FAILURE,
            Reason::NO_CERTIFICATE_ASSIGNED,
            "this server has no certificate configured",
        ));
    }
    super::choose_certified_key(certs, schemes, true).ok_or_else(|| {
        Error::protocol(
            AlertDescription::HANDSHAKE_FAILURE,
            Reason::NO_SUITABLE_SIGNATURE_ALGORITHM,
            "none of our certificates' keys can sign with a scheme the client accepts",
        )
    })
}

/// RFC 8446 4.2.8: at most one share per group, each for a group the client lists.
fn check_key_shares(shares: &[KeyShareEntry], groups: &[NamedGroup]) -> Result<()> {
    for (i, s) in shares.iter().enumerate() {
        if shares[..i].iter().any(|p| p.group == s.group) {
            return Err(Error::illegal(
                Reason::BAD_KEY_SHARE,
                format!("two key shares for {}", s.group),
            ));
        }
        if !groups.contains(&s.group) {
            return Err(Error::illegal(
                Reason::BAD_KEY_SHARE,
                format!(
                    "a key share for {}, which supported_groups does not list",
                    s.group
                ),
            ));
        }
    }
    Ok(())
}

fn no_shared_group(ours: &[NamedGroup], theirs: &[NamedGroup]) -> Error {
    let t: Vec<String> = theirs
        .iter()
        .filter(|g| !crate::msgs::enums::is_grease(g.0))
        .map(|g| g.to_string())
        .collect();
    let o: Vec<String> = ours.iter().map(|g| g.to_string()).collect();
    Error::protocol(
        AlertDescription::HANDSHAKE_FAILURE,
        Reason::NO_SHARED_GROUPS,
        format!(
            "no common key exchange group: the client offered [{}]; we allow [{}]",
            t.join(", "),
            o.join(", ")
        ),
    )
}

fn send_hello_retry(
    cx: &mut Common,
    ch: &ClientHello,
    msg: &JoinedMessage,
    suite: &'static SuiteInfo,
    group: NamedGroup,
) -> Result<Box<dyn State>> {
    let cookie = random_bytes::<32>()?.to_vec();
    let mut transcript = Transcript::new();
    transcript.set_hash(suite.hash)?;
    transcript.add(&msg.encoded);
    transcript.rollup_for_hello_retry()?;
    let hrr = HandshakeMessage::HelloRetryRequest(HelloRetryRequest {
        legacy_version: ProtocolVersion::TLSV1_2,
        legacy_session_id_echo: ch.legacy_session_id.clone(),
        cipher_suite: suite.suite,
        extensions: vec![
            HelloRetryExtension::SupportedVersions(ProtocolVersion::TLSV1_3),
            HelloRetryExtension::KeyShare(group),
            HelloRetryExtension::Cookie(cookie.clone()),
        ],
    })
    .encode();
    transcript.add(&hrr);
    cx.send_handshake_bytes(&hrr)?;
    let ccs_sent = !ch.legacy_session_id.is_empty();
    if ccs_sent {
        cx.send_ccs()?;
    }
    cx.info.hello_retry = true;
    Ok(Box::new(ExpectSecondClientHello {
        retry: Retry {
            transcript,
            suite: suite.suite,
            group,
            cookie,
            session_id: ch.legacy_session_id.clone(),
            ccs_sent,
        },
    }))
}

/// RFC 8446 4.1.2: the second ClientHello must answer the retry and otherwise stay the same.
fn check_second_client_hello(
    r: &Retry,
    ch: &ClientHello,
    suite: CipherSuite,
    shares: &[KeyShareEntry],
) -> Result<()> {
    if shares.len() != 1 || shares[0].group != r.group {
        return Err(Error::illegal(
            Reason::BAD_KEY_SHARE,
            format!(
                "the second ClientHello must carry exactly one key share, for {}",
                r.group
            ),
        ));
    }
    if ch.cookie() != Some(r.cookie.as_slice()) {
        return Err(Error::illegal(
            Reason::BAD_PACKET,
            "the second ClientHello did not echo our cookie",
        ));
    }
    if suite != r.suite {
        return Err(Error::illegal(
            Reason::BAD_CIPHER,
            "the second ClientHello changed the negotiable cipher suite",
        ));
    }
    if ch.legacy_session_id != r.session_id {
        return Err(Error::illegal(
            Reason::BAD_PACKET,
            "the second ClientHello changed legacy_session_id",
        ));
    }
    if ch.has(ExtensionType::EARLY_DATA) {
        return Err(Error::illegal(
            Reason::BAD_EXTENSION,
            "early_data offered after a HelloRetryRequest",
        ));
    }
    Ok(())
}

struct ExpectSecondClientHello {
    retry: Retry,
}

impl State for ExpectSecondClientHello {
    fn name(&self) -> &'static str {
        "TLS server read second client hello"
    }

    fn handle(self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        let HandshakeMessage::ClientHello(ch) = decode13(msg)? else {
            return Err(unexpected(self.name(), msg.typ));
        };
        if !ch
            .supported_versions()
            .is_some_and(|v| v.contains(&ProtocolVersion::TLSV1_3))
        {
            return Err(Error::illegal(
                Reason::UNSUPPORTED_PROTOCOL,
                "the second ClientHello dropped TLS 1.3",
            ));
        }
        handle_client_hello(cx, ch, msg, Some(self.retry))
    }
}

struct ExpectFinished {
    suite: &'static SuiteInfo,
    transcript: Transcript,
    master: crate::crypto::key_schedule::MasterSchedule,
    client_hs: Secret,
    client_app: Secret,
    server_app: Secret,
}

impl State for ExpectFinished {
    fn name(&self) -> &'static str {
        "TLS server read client finished"
    }

    fn handle(mut self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        let HandshakeMessage::Finished(fin) = decode13(msg)? else {
            return Err(unexpected(self.name(), msg.typ));
        };
        let expected = finished_verify_data(
            self.suite.hash,
            &self.client_hs,
            &self.transcript.current_hash(),
        );
        if !verify_mac(&expected, &fin.verify_data) {
            return Err(Error::protocol(
                AlertDescription::DECRYPT_ERROR,
                Reason::DIGEST_CHECK_FAILED,
                "the client's Finished does not match the handshake transcript",
            ));
        }
        self.transcript.add(&msg.encoded);
        cx.record
            .set_reader(tls13_decrypter(self.suite, &self.client_app)?);
        cx.ccs_allowed = false;
        cx.handshake_complete = true;
        let resumption = self
            .master
            .resumption_master_secret(&self.transcript.current_hash());
        Ok(Box::new(Connected13 {
            suite: self.suite,
            our_secret: self.server_app,
            peer_secret: self.client_app,
            resumption_master: Some(resumption),
        }))
    }
}
