//! TLS 1.3 server states (RFC 8446 4.1-4.4, appendix A.2): the answer to a ClientHello (our
//! flight, or a HelloRetryRequest and the second ClientHello). Which PSK resumes is
//! `tls13_psk`, the client's Certificate, CertificateVerify and Finished are `tls13_auth`.

use super::tls13_auth::{emit_certificate_request, ExpectClientCertificate, ExpectFinished};
use super::tls13_psk::accept_psk;
pub use super::tls13_retry::Retry;
use super::tls13_retry::{changed_extension, check_second_client_hello, fixed_extensions};
use crate::config::{CertifiedKey, Config};
use crate::crypto::hash::Transcript;
use crate::crypto::key_schedule::KeySchedule;
use crate::crypto::kx;
use crate::crypto::secret::Secret;
use crate::error::{Error, Reason, Result};
use crate::handshake::common::flight::{
    emit_certificate13, emit_certificate_verify13, emit_finished13, Flight,
};
use crate::handshake::common::Common;
use crate::handshake::{decode13, random_bytes, unexpected, State};
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::HandshakeType;
use crate::msgs::enums::{
    AlertDescription, CipherSuite, ExtensionType, NamedGroup, ProtocolVersion, PskKeyExchangeMode,
    SignatureScheme,
};
use crate::msgs::extensions::{
    EncryptedExtension, HelloRetryExtension, KeyShareEntry, ServerHelloExtension,
};
use crate::msgs::handshake::{
    CertificateEntry, CertificateTls13, ClientHello, EncryptedExtensions, HandshakeMessage,
    HelloRetryRequest, ServerHello,
};
use crate::record::keys::{tls13_encrypter, tls13_handshake_decrypter, tls13_handshake_encrypter};
use crate::suites::{self, SuiteInfo};
use std::sync::Arc;

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
    let suite = choose_suite(&config, &ch.cipher_suites)?;
    let schemes = ch.sig_schemes().ok_or_else(|| {
        Error::protocol(
            AlertDescription::MISSING_EXTENSION,
            Reason::MISSING_SIGALGS_EXTENSION,
            "the client sent no signature_algorithms extension",
        )
    })?;
    // Needed only for a full handshake; a resumed one authenticates with the PSK.
    let certificate_choice = choose_certificate(&config.certs, &config.shared_schemes(schemes));
    if ch.psk().is_none() {
        certificate_choice.as_ref().map_err(Clone::clone)?;
    }
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
    if ch.psk().is_some() && ch.psk_modes().is_none() {
        // RFC 8446 4.2.9: a PSK offer without psk_key_exchange_modes must be refused.
        return Err(Error::protocol(
            AlertDescription::MISSING_EXTENSION,
            Reason::MISSING_EXTENSION,
            "pre_shared_key without psk_key_exchange_modes",
        ));
    }

    if let Some(r) = &retry {
        check_second_client_hello(&config, r, &ch, suite.suite, shares)?;
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
    let client_modes = ch.psk_modes().unwrap_or(&[]);
    let psk_ke_usable =
        config.options.allow_psk_ke && client_modes.contains(&PskKeyExchangeMode::PSK_KE);
    // RFC 8446 4.2.9: no tickets for a client that lists no mode we would resume with.
    cx.client_accepts_tickets =
        client_modes.contains(&PskKeyExchangeMode::PSK_DHE_KE) || psk_ke_usable;
    // psk_dhe_ke is preferred; psk_ke only when the client offers nothing else or has no share
    // we can use.
    let mode = match with_share {
        Some(_) if client_modes.contains(&PskKeyExchangeMode::PSK_DHE_KE) => {
            Some(PskKeyExchangeMode::PSK_DHE_KE)
        }
        _ if psk_ke_usable => Some(PskKeyExchangeMode::PSK_KE),
        _ => None,
    };
    // RFC 8446 4.2.6: the client will answer a CertificateRequest after the handshake.
    cx.info.post_handshake_auth = ch.has(ExtensionType::POST_HANDSHAKE_AUTH);
    let retry_transcript = retry.as_ref().map(|r| &r.transcript);
    let mut accepted = match mode {
        Some(mode) => accept_psk(cx, &ch, msg, suite, retry_transcript, mode)?,
        None => None,
    };
    let share = match (&accepted, with_share) {
        (Some(a), _) if a.mode == PskKeyExchangeMode::PSK_KE => None,
        (_, Some(s)) => Some(s),
        (_, None) => {
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
    let suite = accepted.as_ref().map_or(suite, |a| a.suite);
    let full_handshake_cert = match &accepted {
        Some(_) => None,
        None => Some(certificate_choice.map_err(|mut e| {
            if ch.psk().is_some() && config.psk_server.is_some() && config.certs.is_empty() {
                e.detail = "the client's PSK is not one this server knows, and without a \
                            certificate there is no full handshake to fall back to"
                    .into();
            }
            e
        })?),
    };
    let staple = match &full_handshake_cert {
        Some(_) => crate::handshake::ocsp::server_staple(cx, &ch, true)?,
        None => None,
    };
    // The name stays the one the server name callback saw (`server::answer_server_name`); a
    // second ClientHello could not change it anyway.
    let (server_share, shared) = match share {
        Some(share) => {
            let (public, shared) = kx::respond(share.group, &share.payload)?;
            cx.info.group = Some(share.group);
            (
                Some(KeyShareEntry {
                    group: share.group,
                    payload: public,
                }),
                shared,
            )
        }
        None => (None, Secret::new(Vec::new())),
    };
    cx.info.version = Some(ProtocolVersion::TLSV1_3);
    cx.info.suite = Some(suite);
    if let Some((_, scheme)) = &full_handshake_cert {
        cx.info.our_signature_scheme = Some(*scheme);
    }

    let (mut transcript, ccs_sent) = match retry {
        Some(r) => {
            let mut t = r.transcript;
            t.add(&msg.encoded);
            (t, r.ccs_sent)
        }
        None => match accepted.as_mut().and_then(|a| a.transcript.take()) {
            // The ClientHello up to its binders is already hashed (for the binder).
            Some((mut t, hashed)) if t.hash_alg() == Some(suite.hash) => {
                let rest = msg
                    .encoded
                    .get(hashed..)
                    .ok_or_else(|| Error::internal("binder prefix longer than the ClientHello"))?;
                t.add(rest);
                (t, false)
            }
            _ => {
                let mut t = Transcript::hashing_only(suite.hash);
                t.add(&msg.encoded);
                (t, false)
            }
        },
    };

    let mut sh_extensions = vec![ServerHelloExtension::SupportedVersions(
        ProtocolVersion::TLSV1_3,
    )];
    if let Some(entry) = server_share {
        sh_extensions.push(ServerHelloExtension::KeyShare(entry));
    }
    if let Some(a) = &accepted {
        sh_extensions.push(ServerHelloExtension::PreSharedKey(a.index));
    }
    Flight::new(cx, &mut transcript).add(&HandshakeMessage::ServerHello(ServerHello {
        legacy_version: ProtocolVersion::TLSV1_2,
        random: random_bytes::<32>()?,
        legacy_session_id_echo: ch.legacy_session_id.clone(),
        cipher_suite: suite.suite,
        compression_method: 0,
        extensions: sh_extensions,
    }))?;
    // Middlebox compatibility (RFC 8446 D.4): one CCS after our first handshake message.
    // Sent whatever the client's session ID, as OpenSSL does: every TLS 1.3 client must drop
    // it (RFC 8446 5), and a middlebox between us cannot know which mode the client chose.
    if !ccs_sent {
        cx.send_ccs()?;
    }

    let hash = transcript.current_hash();
    // The early secret made to check the binder is the one to go on with.
    let early = match accepted.as_mut().and_then(|a| a.schedule.take()) {
        Some(early) if early.hash_alg() == suite.hash => early,
        _ => KeySchedule::new(suite.hash, accepted.as_ref().map(|a| &a.session.secret[..])),
    };
    let ks = early.into_handshake(&shared);
    let client_hs = ks.client_handshake_traffic_secret(&hash);
    let server_hs = ks.server_handshake_traffic_secret(&hash);
    cx.log_secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", &client_hs);
    cx.log_secret("SERVER_HANDSHAKE_TRAFFIC_SECRET", &server_hs);
    let (encrypter, server_finished) = tls13_handshake_encrypter(suite, &server_hs)?;
    cx.record.set_writer(encrypter);
    let (decrypter, client_finished) = tls13_handshake_decrypter(suite, &client_hs)?;
    cx.record.set_reader(decrypter);
    // As OpenSSL: until the client's first protected record, a plaintext alert (a client that
    // could not install these keys, or refused our flight early) is read, not refused.
    cx.record.allow_plain_alerts();
    // We never accept early data (no early_data in EncryptedExtensions): what the client sent
    // under its early keys is skipped (RFC 8446 4.2.10).
    if ch.has(ExtensionType::EARLY_DATA) {
        cx.record
            .skip_early_data(Some(crate::record::MAX_SKIPPED_EARLY_DATA));
    }
    drop((client_hs, server_hs));

    let mut ee_exts = Vec::new();
    if cx.info.server_name_acked {
        // RFC 6066 3: an empty server_name acknowledges that we used the name.
        ee_exts.push(EncryptedExtension::ServerNameAck);
    }
    if let Some(protocol) = &cx.info.alpn {
        ee_exts.push(EncryptedExtension::Alpn(protocol.clone()));
    }
    // RFC 8449: we advertise our own limit (the most TLS 1.3 allows unless configured
    // smaller) and keep our records within the client's from our first protected one on.
    if let Some(limit) = ch.record_size_limit() {
        let own = cx.config.own_record_size_limit(true);
        ee_exts.push(EncryptedExtension::RecordSizeLimit(own));
        cx.record.limit_records_to(limit, true);
        cx.record.accept_records_up_to(own);
    }
    // The rest of our flight, under the handshake key.
    let mut flight = Flight::new(cx, &mut transcript);
    flight.add(&HandshakeMessage::EncryptedExtensions(
        EncryptedExtensions {
            extensions: ee_exts,
        },
    ))?;

    let mut client_auth_schemes = None;
    // RFC 8879 3: what the client decompresses; ignored (not even parsed) on resumption.
    let client_comp_algs = match &full_handshake_cert {
        Some(_) => crate::certcomp::client_hello_algorithms(&ch)?,
        None => Vec::new(),
    };
    if let Some((cert, scheme)) = full_handshake_cert {
        // SSL_VERIFY_POST_HANDSHAKE: a TLS 1.3 server asks only after the handshake, when the
        // application calls SSL_verify_client_post_handshake.
        if config.verify_mode.peer && !config.verify_mode.post_handshake {
            let schemes = config.tls13_client_auth_schemes();
            if schemes.is_empty() {
                // A list of only PKCS#1 v1.5 schemes leaves nothing TLS 1.3 allows, and an empty
                // signature_algorithms is malformed (RFC 8446 4.2.3).
                return Err(Error::protocol(
                    AlertDescription::INTERNAL_ERROR,
                    Reason::NO_SUITABLE_SIGNATURE_ALGORITHM,
                    "no configured client-authentication signature scheme is allowed in TLS 1.3",
                ));
            }
            emit_certificate_request(&mut flight, &config, &schemes)?;
            client_auth_schemes = Some(schemes);
        }
        emit_certificate(&mut flight, &cert, staple, &client_comp_algs)?;
        emit_certificate_verify13(&mut flight, &cert.key, scheme)?;
    }
    let verify_data = emit_finished13(&mut flight, &server_finished)?;
    cx.info.our_finished = verify_data;

    let hash_after_server_finished = transcript.current_hash();
    let master = ks.into_master();
    let client_app = master.client_application_traffic_secret_0(&hash_after_server_finished);
    let server_app = master.server_application_traffic_secret_0(&hash_after_server_finished);
    cx.log_secret("CLIENT_TRAFFIC_SECRET_0", &client_app);
    cx.log_secret("SERVER_TRAFFIC_SECRET_0", &server_app);
    // SSL_export_keying_material derives from the exporter master secret (RFC 8446 7.5).
    let exporter = master.exporter_master_secret(&hash_after_server_finished);
    cx.log_secret("EXPORTER_SECRET", &exporter);
    cx.exporter = Some(crate::exporter::Exporter::Tls13 {
        hash: suite.hash,
        secret: exporter,
    });
    cx.record.set_writer(tls13_encrypter(suite, &server_app)?);

    if let Some(a) = accepted {
        // A resumed session keeps the authentication of the handshake that made it.
        cx.info.peer_chain = a.session.peer_chain.clone();
        cx.info.verify_result = a.session.verify_result;
        cx.info.session_reused = true;
        cx.session = Some(a.session);
    }
    let finished = ExpectFinished {
        suite,
        transcript,
        master,
        client_finished,
        client_app,
        server_app,
    };
    Ok(match client_auth_schemes {
        Some(offered_schemes) => Box::new(ExpectClientCertificate {
            rest: finished,
            offered_schemes,
        }),
        None => Box::new(finished),
    })
}

/// Our Certificate: the chain of the key we sign with, the OCSP response (`staple`) with the
/// leaf (RFC 8446 4.4.2.1), compressed when the client offered an algorithm we use.
fn emit_certificate(
    flight: &mut Flight<'_>,
    cert: &CertifiedKey,
    staple: Option<Vec<u8>>,
    client_comp_algs: &[crate::msgs::enums::CertCompressionAlgorithm],
) -> Result<()> {
    let mut entries: Vec<CertificateEntry> = cert
        .chain
        .iter()
        .map(|c| CertificateEntry::new(pki_types::CertificateDer::from(c.clone())))
        .collect();
    if let (Some(response), Some(leaf)) = (staple, entries.first_mut()) {
        leaf.extensions
            .push(crate::msgs::extensions::CertificateEntryExtension::OcspResponse(response));
    }
    let certificate = CertificateTls13 {
        context: Vec::new(),
        entries,
    };
    emit_certificate13(flight, &certificate, client_comp_algs)
}

/// The best suite both enable (see `suites_in_preference_order`).
fn choose_suite(config: &Config, theirs: &[CipherSuite]) -> Result<&'static SuiteInfo> {
    let ours = &config.tls13_suites;
    crate::handshake::suites_in_preference_order(config, ours, theirs)
        .into_iter()
        .find_map(|s| suites::lookup(s).filter(|i| i.version == ProtocolVersion::TLSV1_3))
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
    crate::handshake::choose_certified_key(certs, schemes, true).ok_or_else(|| {
        Error::protocol(
            AlertDescription::HANDSHAKE_FAILURE,
            Reason::NO_SUITABLE_SIGNATURE_ALGORITHM,
            "none of our certificates' keys can sign with a scheme the client accepts",
        )
    })
}

/// RFC 8446 4.2.8: at most one share per group, each for a group the client lists.
/// Linear in both lists: they come from the peer.
fn check_key_shares(shares: &[KeyShareEntry], groups: &[NamedGroup]) -> Result<()> {
    let listed: std::collections::HashSet<NamedGroup> = groups.iter().copied().collect();
    let mut seen = std::collections::HashSet::new();
    for s in shares {
        if !seen.insert(s.group) {
            return Err(Error::illegal(
                Reason::BAD_KEY_SHARE,
                format!("two key shares for {}", s.group),
            ));
        }
        if !listed.contains(&s.group) {
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
    let mut transcript = Transcript::hashing_only(suite.hash);
    transcript.add(&msg.encoded);
    transcript.rollup_for_hello_retry()?;
    let hrr = HelloRetryRequest {
        legacy_version: ProtocolVersion::TLSV1_2,
        legacy_session_id_echo: ch.legacy_session_id.clone(),
        cipher_suite: suite.suite,
        extensions: vec![
            HelloRetryExtension::SupportedVersions(ProtocolVersion::TLSV1_3),
            HelloRetryExtension::KeyShare(group),
            HelloRetryExtension::Cookie(cookie.clone()),
        ],
    };
    Flight::new(cx, &mut transcript).add(&HandshakeMessage::HelloRetryRequest(hrr))?;
    // The client's early data, plain-framed as application_data, is skipped until its second
    // ClientHello (RFC 8446 4.2.10).
    if ch.has(ExtensionType::EARLY_DATA) {
        cx.record
            .skip_early_data(Some(crate::record::MAX_SKIPPED_EARLY_DATA));
    }
    // As after a ServerHello (`handle_client_hello`), the compatibility CCS goes out
    // whatever the session ID.
    cx.send_ccs()?;
    let ccs_sent = true;
    cx.info.hello_retry = true;
    let psk_identities: Vec<Vec<u8>> = ch
        .psk()
        .map(|offer| {
            offer
                .identities
                .iter()
                .map(|i| i.identity.clone())
                .collect()
        })
        .unwrap_or_default();
    Ok(Box::new(ExpectSecondClientHello {
        retry: Retry {
            transcript,
            suite: suite.suite,
            group,
            cookie,
            session_id: ch.legacy_session_id.clone(),
            ccs_sent,
            psk_identities,
            fixed_extensions: fixed_extensions(ch),
        },
    }))
}

struct ExpectSecondClientHello {
    retry: Retry,
}

impl State for ExpectSecondClientHello {
    fn name(&self) -> &'static str {
        "TLS server read second client hello"
    }

    fn handle(self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        crate::handshake::expect_types(self.name(), msg, &[HandshakeType::CLIENT_HELLO])?;
        let HandshakeMessage::ClientHello(ch) = decode13(msg)? else {
            return Err(unexpected(self.name(), msg.typ));
        };
        crate::handshake::check_flight_end(msg)?;
        if !ch
            .supported_versions()
            .is_some_and(|v| v.contains(&ProtocolVersion::TLSV1_3))
        {
            return Err(Error::illegal(
                Reason::UNSUPPORTED_PROTOCOL,
                "the second ClientHello dropped TLS 1.3",
            ));
        }
        // Before anything is chosen from it: what was decided on the first ClientHello (the
        // server name callback's host, ALPN, certificate) must hold for the second.
        if let Some(typ) = changed_extension(&self.retry.fixed_extensions, &fixed_extensions(&ch)) {
            return Err(Error::illegal(
                Reason::BAD_EXTENSION,
                format!(
                    "the second ClientHello changed its {typ} extension, which RFC 8446 4.1.2 \
                     requires to stay as in the first"
                ),
            ));
        }
        handle_client_hello(cx, ch, msg, Some(self.retry))
    }
}

#[cfg(test)]
#[path = "tls13_tests.rs"]
pub(crate) mod tests;
