//! TLS 1.3 server states (RFC 8446 4.1-4.4, appendix A.2).

use crate::config::{verify_flags, CertifiedKey, Config, ExternalPsk, PskLookup};
use crate::crypto::hash::Transcript;
use crate::crypto::key_schedule::{resumption_psk, FinishedKey, KeySchedule};
use crate::crypto::kx;
use crate::crypto::secret::Secret;
use crate::crypto::sign;
use crate::error::{Error, Reason, Result};
use crate::handshake::client::tls13::Connected13;
use crate::handshake::common::Common;
use crate::handshake::{
    decode13, random_bytes, tls13_decrypter, tls13_encrypter, tls13_handshake_decrypter,
    tls13_handshake_encrypter, unexpected, State,
};
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::HandshakeType;
use crate::msgs::enums::{
    AlertDescription, CipherSuite, ExtensionType, NamedGroup, ProtocolVersion, PskKeyExchangeMode,
    SignatureScheme,
};
use crate::msgs::extensions::{
    CertificateRequestExtension, ClientExtension, EncryptedExtension, Extension,
    HelloRetryExtension, KeyShareEntry, ServerHelloExtension,
};
use crate::msgs::handshake::{
    CertificateEntry, CertificateRequestTls13, CertificateTls13, ClientHello, DigitallySigned,
    EncryptedExtensions, Finished, HandshakeMessage, HelloRetryRequest, NewSessionTicketTls13,
    ServerHello,
};
use crate::session::{Session, SessionStats, TicketOutcome};
use crate::suites::{self, SuiteInfo};
use crate::verify::Usage;
use std::sync::Arc;

/// What a HelloRetryRequest asked for, to check the second ClientHello against.
pub struct Retry {
    transcript: Transcript,
    suite: CipherSuite,
    group: NamedGroup,
    cookie: Vec<u8>,
    session_id: Vec<u8>,
    ccs_sent: bool,
    /// The PSK identities the first ClientHello offered: the second may only drop some.
    psk_identities: Vec<Vec<u8>>,
    /// The first ClientHello's extensions that the second must repeat unchanged, by type.
    fixed_extensions: Vec<ClientExtension>,
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
    let psk_ke_usable = config.has_option(crate::config::ssl_options::ALLOW_NO_DHE_KEX)
        && client_modes.contains(&PskKeyExchangeMode::PSK_KE);
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
    let sh = HandshakeMessage::ServerHello(ServerHello {
        legacy_version: ProtocolVersion::TLSV1_2,
        random: random_bytes::<32>()?,
        legacy_session_id_echo: ch.legacy_session_id.clone(),
        cipher_suite: suite.suite,
        compression_method: 0,
        extensions: sh_extensions,
    })
    .encode()?;
    transcript.add(&sh);
    cx.send_handshake_bytes(&sh)?;
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
    let ee = HandshakeMessage::EncryptedExtensions(EncryptedExtensions {
        extensions: ee_exts,
    })
    .encode()?;
    transcript.add(&ee);
    cx.send_handshake_bytes(&ee)?;

    let mut client_auth_schemes = None;
    // RFC 8879 3: what the client decompresses; ignored (not even parsed) on resumption.
    let client_comp_algs = match &full_handshake_cert {
        Some(_) => crate::certcomp::client_hello_algorithms(&ch)?,
        None => Vec::new(),
    };
    if let Some((cert, scheme)) = full_handshake_cert {
        // SSL_VERIFY_POST_HANDSHAKE: a TLS 1.3 server asks only after the handshake, when the
        // application calls SSL_verify_client_post_handshake.
        if config.verify_mode & verify_flags::PEER != 0
            && config.verify_mode & verify_flags::POST_HANDSHAKE == 0
        {
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
            send_certificate_request(cx, &config, &schemes, &mut transcript)?;
            client_auth_schemes = Some(schemes);
        }
        send_certificate_and_verify(
            cx,
            &cert,
            scheme,
            staple,
            &mut transcript,
            &client_comp_algs,
        )?;
    }

    let verify_data = server_finished.verify_data(&transcript.current_hash());
    cx.info.our_finished = verify_data.to_vec();
    let fin = HandshakeMessage::Finished(Finished {
        verify_data: verify_data.to_vec(),
    })
    .encode()?;
    transcript.add(&fin);
    cx.send_handshake_bytes(&fin)?;

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

fn send_certificate_and_verify(
    cx: &mut Common,
    cert: &CertifiedKey,
    scheme: SignatureScheme,
    staple: Option<Vec<u8>>,
    transcript: &mut Transcript,
    client_comp_algs: &[crate::msgs::enums::CertCompressionAlgorithm],
) -> Result<()> {
    let mut entries: Vec<CertificateEntry> = cert
        .chain
        .iter()
        .map(|c| CertificateEntry::new(pki_types::CertificateDer::from(c.clone())))
        .collect();
    // RFC 8446 4.4.2.1: the OCSP response goes with the leaf.
    if let (Some(response), Some(leaf)) = (staple, entries.first_mut()) {
        leaf.extensions
            .push(crate::msgs::extensions::CertificateEntryExtension::OcspResponse(response));
    }
    let config = cx.config.clone();
    let (certificate, compressed) = crate::certcomp::certificate_message(
        &config,
        &CertificateTls13 {
            context: Vec::new(),
            entries,
        },
        client_comp_algs,
    )?;
    cx.info.cert_compression.sent = compressed;
    transcript.add(&certificate);
    cx.send_handshake_bytes(&certificate)?;

    let signed = sign::tls13_signed_message(true, &transcript.current_hash());
    let signature = cert.key.sign(scheme, &signed)?;
    let cv = HandshakeMessage::CertificateVerify(DigitallySigned { scheme, signature }).encode()?;
    transcript.add(&cv);
    cx.send_handshake_bytes(&cv)
}

/// A PSK the server accepted.
struct AcceptedPsk {
    index: u16,
    session: Arc<Session>,
    suite: &'static SuiteInfo,
    mode: PskKeyExchangeMode,
    /// The early secret made to check the binder, for the handshake to go on with.
    schedule: Option<KeySchedule>,
    /// Without a HelloRetryRequest: the transcript with the ClientHello hashed up to its
    /// binders, and how many bytes of it that is.
    transcript: Option<(Transcript, usize)>,
}

/// How many offered identities a server tries before giving up on resumption.
const MAX_PSK_IDENTITIES_TRIED: usize = 8;
/// How far the client's idea of a ticket's age may run ahead of ours (clock rate differences
/// and rounding), milliseconds.
const TICKET_AGE_TOLERANCE_MS: u64 = 10_000;

/// Picks the first offered PSK this server can resume (RFC 8446 4.2.11): a ticket of ours (or,
/// with tickets off, a cached session), unexpired, for the same SNI and session ID context,
/// with a client certificate if we now require one, with a hash matching the suite. Its binder
/// must verify, else the handshake fails. Any other problem only means a full handshake.
fn accept_psk(
    cx: &mut Common,
    ch: &ClientHello,
    msg: &JoinedMessage,
    suite: &'static SuiteInfo,
    retry_transcript: Option<&Transcript>,
    mode: PskKeyExchangeMode,
) -> Result<Option<AcceptedPsk>> {
    let Some(offer) = ch.psk() else {
        return Ok(None);
    };
    let config = cx.config.clone();
    let sessions = &config.session;
    let stats = &sessions.store.stats;
    let now = crate::session::now_ms();
    // The application's ticket decrypt callback may decline new tickets (as OpenSSL, for the
    // ticket it saw last).
    let mut issue_tickets = true;
    for (index, identity) in offer
        .identities
        .iter()
        .enumerate()
        .take(MAX_PSK_IDENTITIES_TRIED)
    {
        // As OpenSSL: the application's external PSKs are looked up first, then our tickets.
        let external = match &config.psk_server {
            Some(lookup) => match lookup(&identity.identity) {
                PskLookup::Found(p) => Some(p),
                PskLookup::None => None,
                PskLookup::Failed => {
                    return Err(Error::protocol(
                        AlertDescription::INTERNAL_ERROR,
                        Reason::BAD_EXTENSION,
                        "the PSK callback failed",
                    ))
                }
            },
            None => None,
        };
        let (session, from_cache, is_external) = match external {
            Some(p) => (Arc::new(external_session(cx, p)), false, true),
            None => {
                let Some((session, from_cache)) =
                    find_psk_session(&config, &identity.identity, now, true, &mut issue_tickets)?
                else {
                    SessionStats::bump(&stats.misses);
                    continue;
                };
                let usable = session.is_tls13()
                    && session.sid_ctx == sessions.sid_ctx
                    && session.server_name.as_deref() == ch.server_name()
                    && crate::handshake::session_meets_client_auth(&config, &session);
                if !usable {
                    SessionStats::bump(&stats.misses);
                    continue;
                }
                if sessions.expired_for_server(&session, now) {
                    SessionStats::bump(&stats.timeouts);
                    continue;
                }
                // The client's age of the ticket, de-obfuscated, may not exceed ours by much: a
                // larger one means a confused or replaying client.
                let client_age = u64::from(
                    identity
                        .obfuscated_ticket_age
                        .wrapping_sub(session.ticket_age_add),
                );
                let our_age = now.saturating_sub(session.created_ms);
                if !from_cache && client_age > our_age + TICKET_AGE_TOLERANCE_MS {
                    SessionStats::bump(&stats.misses);
                    continue;
                }
                (session, from_cache, false)
            }
        };
        let Some(session_suite) = suites::lookup(session.suite) else {
            continue;
        };
        let chosen = if session_suite.hash == suite.hash {
            suite
        } else if retry_transcript.is_none()
            && ch.cipher_suites.contains(&session.suite)
            && config.tls13_suites.contains(&session.suite)
        {
            session_suite
        } else {
            SessionStats::bump(&stats.misses);
            continue;
        };
        let binders_len = ch
            .binders_encoded_len()
            .ok_or_else(|| Error::internal("pre_shared_key is not the last extension"))?;
        let partial = msg
            .encoded
            .get(..msg.encoded.len().saturating_sub(binders_len))
            .ok_or_else(|| Error::decode("ClientHello shorter than its binders"))?;
        let (hash, transcript) = match retry_transcript {
            Some(t) => (t.hash_with(partial), None),
            None => {
                let mut t = Transcript::hashing_only(chosen.hash);
                (t.add_prefix_and_hash(partial), Some((t, partial.len())))
            }
        };
        let early = KeySchedule::new(chosen.hash, Some(&session.secret));
        let binder = offer
            .binders
            .get(index)
            .ok_or_else(|| Error::decode("a PSK identity without a binder"))?;
        if !early.binder_finished_key(is_external).verify(&hash, binder) {
            return Err(Error::protocol(
                AlertDescription::DECRYPT_ERROR,
                Reason::BINDER_DOES_NOT_VERIFY,
                "the PSK binder does not match the ClientHello",
            ));
        }
        if is_external {
            cx.info.psk_identity = Some(identity.identity.clone());
        } else if from_cache {
            // A stateful ticket is used once: it leaves the cache now. One the get-session
            // callback found (an external cache) is not in ours: the remove callback is told
            // all the same, so that the external cache drops it too.
            if sessions.store.remove(&session.id).is_none() {
                sessions
                    .store
                    .notify_removed(std::slice::from_ref(&session));
            }
        } else if sessions.single_use_tickets
            && !sessions
                .store
                .first_use_of_ticket(&identity.identity, session.expires_ms(), now)
        {
            SessionStats::bump(&stats.misses);
            continue;
        }
        if !is_external {
            SessionStats::bump(&stats.hits);
        }
        cx.client_accepts_tickets &= issue_tickets;
        return Ok(Some(AcceptedPsk {
            index: index as u16,
            session,
            suite: chosen,
            mode,
            schedule: Some(early),
            transcript,
        }));
    }
    cx.client_accepts_tickets &= issue_tickets;
    Ok(None)
}

/// The session an accepted external PSK stands for: no peer certificate, not resumable by
/// itself (no ID, no ticket); tickets issued on the connection resume it.
fn external_session(cx: &Common, p: ExternalPsk) -> Session {
    Session {
        version: ProtocolVersion::TLSV1_3,
        suite: p.suite,
        secret: p.secret,
        id: Vec::new(),
        sid_ctx: cx.config.session.sid_ctx.clone(),
        server_name: cx.info.server_name.clone(),
        peer_chain: Default::default(),
        verify_result: crate::verify::x509_v::OK,
        created_ms: crate::session::now_ms(),
        timeout_secs: cx.config.session.timeout_secs,
        ticket: Vec::new(),
        ticket_lifetime: 0,
        ticket_age_add: 0,
        max_early_data: 0,
        group: None,
        extended_master_secret: true,
        ticket_appdata: Vec::new(),
    }
}

/// The session behind a PSK identity: a ticket we sealed or, with stateless tickets off, a
/// session in the cache (the identity being its ID). The flag says it came from the cache.
/// With `decide`, the application's ticket decrypt callback decides whether a ticket is used
/// (a ticket it ignores is skipped) and whether new tickets are issued: `*issue` is set to
/// its verdict (always true without the callback); without `decide`, the ticket is only
/// opened (to see whether it could be used).
fn find_psk_session(
    config: &Config,
    identity: &[u8],
    now: u64,
    decide: bool,
    issue: &mut bool,
) -> Result<Option<(Arc<Session>, bool)>> {
    let sessions = &config.session;
    if !config.has_option(crate::config::ssl_options::NO_TICKET) {
        if !decide {
            return Ok(sessions
                .open_ticket(identity, now)?
                .map(|(s, _)| (Arc::new(s), false)));
        }
        return Ok(match sessions.use_ticket(identity, now, true)? {
            TicketOutcome::Resume { session, renew } => {
                *issue = renew;
                Some((session, false))
            }
            TicketOutcome::Full { issue: i, .. } => {
                *issue = i;
                None
            }
        });
    }
    let internal = sessions.cache_mode & crate::session::cache_mode::NO_INTERNAL_LOOKUP == 0;
    let found = internal
        .then(|| sessions.store.lookup(identity, now))
        .flatten()
        .or_else(|| {
            let cb = sessions.get_callback.as_ref()?;
            let s = cb(identity)?;
            SessionStats::bump(&sessions.store.stats.cb_hits);
            Some(s)
        });
    Ok(found.map(|found| (found, true)))
}

/// Asks for the client's certificate (RFC 8446 4.3.2). The context stays empty: it only
/// matters for post-handshake authentication, which we do not request.
fn send_certificate_request(
    cx: &mut Common,
    config: &Config,
    schemes: &[SignatureScheme],
    transcript: &mut Transcript,
) -> Result<()> {
    let mut extensions = vec![CertificateRequestExtension::SignatureAlgorithms(
        schemes.to_vec(),
    )];
    if !config.client_ca_names.is_empty() {
        extensions.push(CertificateRequestExtension::CertificateAuthorities(
            config.client_ca_names.clone(),
        ));
    }
    // RFC 8879 3: the algorithms we decompress the client's certificate with.
    if let Some(data) = crate::certcomp::offer_data(config) {
        extensions.push(CertificateRequestExtension::Unknown {
            typ: ExtensionType::COMPRESS_CERTIFICATE,
            data,
        });
    }
    let request = HandshakeMessage::CertificateRequestTls13(CertificateRequestTls13 {
        context: Vec::new(),
        extensions,
    })
    .encode()?;
    transcript.add(&request);
    cx.send_handshake_bytes(&request)
}

/// The client's answer to our CertificateRequest: its chain, or an empty list.
struct ExpectClientCertificate {
    rest: ExpectFinished,
    offered_schemes: Vec<SignatureScheme>,
}

impl State for ExpectClientCertificate {
    fn name(&self) -> &'static str {
        "TLS server read client certificate"
    }

    fn handle(mut self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        // RFC 8879 4: a CompressedCertificate only if our CertificateRequest offered one.
        let offered = crate::certcomp::receive_algorithms(&cx.config);
        let mut accepted = vec![HandshakeType::CERTIFICATE];
        if !offered.is_empty() {
            accepted.push(HandshakeType::COMPRESSED_CERTIFICATE);
        }
        crate::handshake::expect_types(self.name(), msg, &accepted)?;
        let cert = if msg.typ == HandshakeType::COMPRESSED_CERTIFICATE {
            let (cert, alg) = crate::certcomp::receive_certificate(
                &cx.config,
                &offered,
                msg.body(),
                cx.config.max_handshake_message,
            )?;
            cx.info.cert_compression.received = Some(alg);
            cert
        } else {
            let HandshakeMessage::CertificateTls13(cert) = decode13(msg)? else {
                return Err(unexpected(self.name(), msg.typ));
            };
            cert
        };
        if !cert.context.is_empty() {
            return Err(Error::illegal(
                Reason::BAD_PACKET,
                "client Certificate with a request context we did not send",
            ));
        }
        // Our CertificateRequest never asks for status_request (RFC 8446 4.4.2.1).
        cert.leaf_ocsp_response(false)?;
        self.rest.transcript.add(&msg.encoded);
        if cert.entries.is_empty() {
            if cx.config.verify_mode & verify_flags::FAIL_IF_NO_PEER_CERT != 0 {
                return Err(Error::protocol(
                    AlertDescription::CERTIFICATE_REQUIRED,
                    Reason::PEER_DID_NOT_RETURN_A_CERTIFICATE,
                    "the client sent no certificate, and this server requires one",
                ));
            }
            // Without a certificate there is nothing to prove: no CertificateVerify follows.
            return Ok(Box::new(self.rest));
        }
        let chain: Vec<Vec<u8>> = cert
            .entries
            .into_iter()
            .map(|e| e.cert.as_ref().to_vec())
            .collect();
        crate::handshake::verify_peer_chain(cx, &chain, Usage::ClientAuth, None)?;
        Ok(Box::new(ExpectClientCertificateVerify {
            rest: self.rest,
            offered_schemes: self.offered_schemes,
        }))
    }
}

struct ExpectClientCertificateVerify {
    rest: ExpectFinished,
    offered_schemes: Vec<SignatureScheme>,
}

impl State for ExpectClientCertificateVerify {
    fn name(&self) -> &'static str {
        "TLS server read client certificate verify"
    }

    fn handle(mut self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        crate::handshake::expect_types(self.name(), msg, &[HandshakeType::CERTIFICATE_VERIFY])?;
        let HandshakeMessage::CertificateVerify(cv) = decode13(msg)? else {
            return Err(unexpected(self.name(), msg.typ));
        };
        if !self.offered_schemes.contains(&cv.scheme) {
            return Err(Error::illegal(
                Reason::WRONG_SIGNATURE_TYPE,
                format!(
                    "the client signed with {}, which our CertificateRequest did not offer",
                    cv.scheme
                ),
            ));
        }
        let signed = sign::tls13_signed_message(false, &self.rest.transcript.current_hash());
        let leaf = cx
            .info
            .peer_chain
            .first()
            .ok_or_else(|| Error::internal("no client certificate"))?;
        sign::verify_signature(cv.scheme, leaf, &signed, &cv.signature, true)?;
        cx.info.peer_signature_scheme = Some(cv.scheme);
        self.rest.transcript.add(&msg.encoded);
        Ok(Box::new(self.rest))
    }
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
    .encode()?;
    transcript.add(&hrr);
    cx.send_handshake_bytes(&hrr)?;
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

/// What a second ClientHello may change (RFC 8446 4.1.2): key_share (the one share the retry
/// asked for), cookie (added), early_data (removed), pre_shared_key (ages, binders, dropped
/// identities) and padding. These are checked on their own; every other extension must come
/// back unchanged.
fn may_change_after_retry(typ: ExtensionType) -> bool {
    matches!(
        typ,
        ExtensionType::KEY_SHARE
            | ExtensionType::COOKIE
            | ExtensionType::EARLY_DATA
            | ExtensionType::PRE_SHARED_KEY
            | ExtensionType::PADDING
    )
}

/// A ClientHello's extensions that a second ClientHello must repeat, sorted by type (types are
/// unique: the decoder refuses repeats).
fn fixed_extensions(ch: &ClientHello) -> Vec<ClientExtension> {
    let mut fixed: Vec<ClientExtension> = ch
        .extensions
        .iter()
        .filter(|e| !may_change_after_retry(e.ext_type()))
        .cloned()
        .collect();
    fixed.sort_by_key(|e| e.ext_type());
    fixed
}

/// RFC 8446 4.1.2: the first extension type whose presence or contents differ between the two
/// ClientHellos' fixed extensions (both sorted by type), or `None`. Anything the server decided on the first
/// ClientHello (the server name callback and the context it chose, ALPN, certificate, groups)
/// thus still holds for the second.
fn changed_extension(
    first: &[ClientExtension],
    second: &[ClientExtension],
) -> Option<ExtensionType> {
    let mut a = first.iter().peekable();
    let mut b = second.iter().peekable();
    loop {
        match (a.peek(), b.peek()) {
            (None, None) => return None,
            (Some(x), None) => return Some(x.ext_type()),
            (None, Some(y)) => return Some(y.ext_type()),
            (Some(x), Some(y)) if x.ext_type() != y.ext_type() => {
                return Some(x.ext_type().min(y.ext_type()))
            }
            (Some(x), Some(y)) if x != y => return Some(x.ext_type()),
            _ => {
                a.next();
                b.next();
            }
        }
    }
}

/// RFC 8446 4.1.2: the second ClientHello must answer the retry and otherwise stay the same.
fn check_second_client_hello(
    config: &Config,
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
    // Only the ages and binders of the PSKs may change, and only PSKs the retry's suite
    // cannot use may go.
    match ch.psk() {
        Some(offer) => {
            let first: std::collections::HashSet<&[u8]> =
                r.psk_identities.iter().map(Vec::as_slice).collect();
            if let Some(new) = offer
                .identities
                .iter()
                .find(|i| !first.contains(i.identity.as_slice()))
            {
                return Err(Error::illegal(
                    Reason::BAD_PSK,
                    format!(
                        "the second ClientHello offers a PSK identity ({} bytes) the first did not",
                        new.identity.len()
                    ),
                ));
            }
        }
        // Looked up only now, in this rare case, so that ticket and session callbacks run
        // once per ClientHello as usual.
        None if usable_psk_dropped(config, r) => {
            return Err(Error::illegal(
                Reason::BAD_PSK,
                "the second ClientHello dropped a PSK the retry's cipher suite can use",
            ));
        }
        None => {}
    }
    Ok(())
}

/// Whether a PSK of the first ClientHello is a session of ours that the retry's suite can
/// use: RFC 8446 4.1.2 lets the second ClientHello drop only PSKs incompatible with it.
fn usable_psk_dropped(config: &Config, r: &Retry) -> bool {
    let Some(retry_hash) = suites::lookup(r.suite).map(|s| s.hash) else {
        return false;
    };
    let now = crate::session::now_ms();
    r.psk_identities
        .iter()
        .take(MAX_PSK_IDENTITIES_TRIED)
        .filter_map(|identity| {
            find_psk_session(config, identity, now, false, &mut true)
                .ok()
                .flatten()
        })
        .any(|(session, _)| {
            session.is_tls13()
                && suites::lookup(session.suite).is_some_and(|s| s.hash == retry_hash)
        })
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

struct ExpectFinished {
    suite: &'static SuiteInfo,
    transcript: Transcript,
    master: crate::crypto::key_schedule::MasterSchedule,
    client_finished: FinishedKey,
    client_app: Secret,
    server_app: Secret,
}

impl State for ExpectFinished {
    fn name(&self) -> &'static str {
        "TLS server read client finished"
    }

    fn handle(mut self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        crate::handshake::expect_types(self.name(), msg, &[HandshakeType::FINISHED])?;
        let HandshakeMessage::Finished(fin) = decode13(msg)? else {
            return Err(unexpected(self.name(), msg.typ));
        };
        crate::handshake::check_flight_end(msg)?;
        crate::handshake::check_finished_len(&fin.verify_data, self.suite.hash.output_len())?;
        if !self
            .client_finished
            .verify(&self.transcript.current_hash(), &fin.verify_data)
        {
            return Err(Error::protocol(
                AlertDescription::DECRYPT_ERROR,
                Reason::DIGEST_CHECK_FAILED,
                "the client's Finished does not match the handshake transcript",
            ));
        }
        cx.info.peer_finished = fin.verify_data.clone();
        self.transcript.add(&msg.encoded);
        cx.record
            .set_reader(tls13_decrypter(self.suite, &self.client_app)?);
        cx.ccs_allowed = false;
        cx.handshake_complete = true;
        let resumption = self
            .master
            .resumption_master_secret(&self.transcript.current_hash());
        send_tickets(cx, self.suite, &resumption)?;
        // RFC 8446 4.4: the context of a post-handshake authentication is the handshake up to
        // the client's Finished; kept only when the client offered it.
        let transcript = self.transcript;
        let handshake_transcript = cx.info.post_handshake_auth.then(|| Box::new(transcript));
        Ok(Box::new(Connected13 {
            suite: self.suite,
            our_secret: self.server_app,
            peer_secret: self.client_app,
            resumption_master: Some(resumption),
            handshake_transcript,
            pha: None,
        }))
    }
}

/// One of the sixteen GREASE codepoints (0x0A0A, 0x1A1A, ..., 0xFAFA), picked by `r`.
fn grease_value(r: u8) -> u16 {
    let high = (r & 0xf0) | 0x0a;
    u16::from_be_bytes([high, high])
}

/// Sends the configured number of NewSessionTickets after the client's Finished (RFC 8446
/// 4.6.1): stateless tickets sealing each session, or, with `SSL_OP_NO_TICKET`, session IDs
/// of sessions kept in the cache. The last session becomes the connection's.
fn send_tickets(cx: &mut Common, suite: &'static SuiteInfo, resumption: &Secret) -> Result<()> {
    let config = cx.config.clone();
    let sessions = &config.session;
    let stateful = config.has_option(crate::config::ssl_options::NO_TICKET);
    let can_store = sessions.server_caches()
        && sessions.cache_mode & crate::session::cache_mode::NO_INTERNAL_STORE == 0;
    let count = if !cx.client_accepts_tickets || stateful && !sessions.server_caches() {
        0
    } else if cx.info.session_reused {
        // As OpenSSL: a resumed client spent one ticket and gets one in its place.
        sessions.num_tickets.min(1)
    } else {
        sessions.num_tickets
    };
    let lifetime = sessions
        .timeout_secs
        .min(crate::session::MAX_TLS13_TICKET_LIFETIME);
    let now = crate::session::now_ms();
    let mut last = None;
    // As OpenSSL, which makes each ticket's session a copy of the one before (the resumed
    // one first): the application data of the session carries on into the next ticket unless
    // the application's generate callback changes it.
    let resumed = cx.info.session_reused.then(|| cx.session.clone()).flatten();
    let mut appdata = resumed
        .as_ref()
        .map(|s| s.ticket_appdata.clone())
        .unwrap_or_default();
    for n in 0..count {
        let nonce = u64::from(n).to_be_bytes().to_vec();
        let age_add = u32::from_be_bytes(random_bytes::<4>()?);
        let session = Session {
            version: ProtocolVersion::TLSV1_3,
            suite: suite.suite,
            secret: resumption_psk(suite.hash, resumption, &nonce),
            id: random_bytes::<32>()?.to_vec(),
            sid_ctx: sessions.sid_ctx.clone(),
            server_name: cx.info.server_name.clone(),
            peer_chain: cx.info.peer_chain.clone(),
            verify_result: cx.info.verify_result,
            created_ms: now,
            timeout_secs: sessions.timeout_secs,
            ticket: Vec::new(),
            ticket_lifetime: lifetime,
            ticket_age_add: age_add,
            max_early_data: 0,
            group: cx.info.group,
            extended_master_secret: true,
            ticket_appdata: std::mem::take(&mut appdata),
        };
        // The session is the connection's while the application's generate callback runs.
        let session = Arc::new(session);
        cx.session = Some(session.clone());
        let session = sessions.before_ticket(session)?;
        appdata = session.ticket_appdata.clone();
        let ticket = if stateful {
            session.id.clone()
        } else {
            match sessions.seal_ticket(&session, now)? {
                Some(t) => t,
                None => break,
            }
        };
        let nst = HandshakeMessage::NewSessionTicketTls13(NewSessionTicketTls13 {
            lifetime,
            age_add,
            nonce,
            ticket,
            // RFC 8701: a GREASE extension keeps clients honest about ignoring unknown ones.
            extensions: vec![
                crate::msgs::extensions::NewSessionTicketExtension::Unknown {
                    typ: crate::msgs::enums::ExtensionType(grease_value(random_bytes::<1>()?[0])),
                    data: Vec::new(),
                },
            ],
        })
        .encode()?;
        cx.send_handshake_bytes(&nst)?;
        if stateful {
            if can_store {
                sessions
                    .store
                    .add(session.clone(), now, auto_clear(&config));
            }
            cx.new_sessions.push(session.clone());
        }
        last = Some(session);
    }
    cx.session = if cx.info.session_reused {
        resumed
    } else {
        last
    };
    Ok(())
}

/// Whether adding to the cache also clears expired sessions (`SSL_SESS_CACHE_NO_AUTO_CLEAR`).
pub(crate) fn auto_clear(config: &Config) -> bool {
    config.session.cache_mode & crate::session::cache_mode::NO_AUTO_CLEAR == 0
}

#[cfg(test)]
pub(crate) mod tests {
    //! End-to-end TLS 1.3 handshakes between in-memory connections, client authentication in
    //! particular.

    use crate::config::{verify_flags, CertifiedKey, Config};
    use crate::conn::Connection;
    use crate::crypto::sign::SigningKey;
    use crate::error::{Error, Reason};
    use crate::msgs::enums::AlertDescription;
    use crate::testing;
    use crate::verify::{x509_v, VerifyEvent};
    use std::sync::{Arc, Mutex};

    pub use crate::testing::{certified, chain, pki};

    /// A server with the P-256 certificate that trusts the test root for client certificates.
    pub fn server_config(verify_mode: i32) -> Config {
        testing::verifying_server("server-ecdsa-p256", verify_mode)
    }

    /// A verifying client, with the named client certificate if any.
    pub fn client_config(client_cert: Option<&str>) -> Config {
        let mut c = testing::client_config();
        if let Some(name) = client_cert {
            c.set_certified_key(certified(name));
        }
        c
    }

    pub struct Outcome {
        pub client: Connection,
        pub server: Connection,
    }

    impl Outcome {
        pub fn client_error(&self) -> Option<&Error> {
            self.client.error()
        }

        pub fn server_error(&self) -> Option<&Error> {
            self.server.error()
        }

        pub fn both_connected(&self) -> bool {
            !self.client.is_handshaking()
                && !self.server.is_handshaking()
                && self.client.error().is_none()
                && self.server.error().is_none()
        }
    }

    /// Moves bytes both ways until neither side has anything to say, then has the client send
    /// one message so that a server-side rejection after the client's Finished reaches it.
    pub fn run(client_config: Config, server_config: Config) -> Outcome {
        let mut client = testing::new_client(client_config);
        let mut server = testing::new_server(server_config);
        client.start().unwrap();
        server.start().unwrap();
        let _ = testing::pump(&mut client, &mut server);
        if !client.is_handshaking() && client.error().is_none() {
            client.write_plaintext(b"hello server").unwrap();
            let _ = testing::pump(&mut client, &mut server);
        }
        Outcome { client, server }
    }

    fn received_by_server(o: &mut Outcome) -> Vec<u8> {
        let mut buf = vec![0u8; 64];
        let n = o.server.read_plaintext(&mut buf);
        buf.truncate(n);
        buf
    }

    #[test]
    fn client_certificate_of_each_key_type_is_verified() {
        for name in [
            "client-ecdsa-p256",
            "client-ecdsa-p384",
            "client-rsa2048",
            "client-ed25519",
        ] {
            let mut o = run(
                client_config(Some(name)),
                server_config(verify_flags::PEER | verify_flags::FAIL_IF_NO_PEER_CERT),
            );
            assert!(
                o.both_connected(),
                "{name}: client {:?} server {:?}",
                o.client_error(),
                o.server_error()
            );
            let info = o.server.negotiated();
            assert_eq!(*info.peer_chain, chain(name), "{name}");
            assert_eq!(info.verify_result, x509_v::OK);
            let scheme = info.peer_signature_scheme.expect("client signed");
            assert_eq!(o.client.negotiated().our_signature_scheme, Some(scheme));
            assert_eq!(received_by_server(&mut o), b"hello server");
        }
    }

    #[test]
    fn rsa_client_signs_with_pss_in_tls13() {
        let o = run(
            client_config(Some("client-rsa2048")),
            server_config(verify_flags::PEER),
        );
        assert!(o.both_connected());
        let scheme = o.server.negotiated().peer_signature_scheme.unwrap();
        assert!(scheme.to_string().starts_with("rsa_pss_rsae"), "{scheme}");
    }

    #[test]
    fn missing_client_certificate_is_accepted_without_fail_if_no_peer_cert() {
        let mut o = run(client_config(None), server_config(verify_flags::PEER));
        assert!(
            o.both_connected(),
            "{:?} {:?}",
            o.client_error(),
            o.server_error()
        );
        assert!(o.server.negotiated().peer_chain.is_empty());
        assert_eq!(o.server.negotiated().verify_result, x509_v::OK);
        assert_eq!(o.server.negotiated().peer_signature_scheme, None);
        assert_eq!(received_by_server(&mut o), b"hello server");
    }

    #[test]
    fn missing_client_certificate_is_rejected_with_fail_if_no_peer_cert() {
        let o = run(
            client_config(None),
            server_config(verify_flags::PEER | verify_flags::FAIL_IF_NO_PEER_CERT),
        );
        let err = o.server_error().expect("server must fail");
        assert_eq!(err.reason, Reason::PEER_DID_NOT_RETURN_A_CERTIFICATE);
        assert_eq!(
            o.server.alert_sent(),
            Some(AlertDescription::CERTIFICATE_REQUIRED)
        );
        assert_eq!(
            o.client.alert_received(),
            Some(AlertDescription::CERTIFICATE_REQUIRED)
        );
    }

    #[test]
    fn server_without_verify_peer_asks_for_no_certificate() {
        let o = run(
            client_config(Some("client-ecdsa-p256")),
            server_config(verify_flags::NONE),
        );
        assert!(o.both_connected());
        assert!(o.server.negotiated().peer_chain.is_empty());
        assert_eq!(o.client.negotiated().our_signature_scheme, None);
    }

    #[test]
    fn client_certificate_from_an_untrusted_ca_is_rejected_with_unknown_ca() {
        let o = run(
            client_config(Some("untrusted-client")),
            server_config(verify_flags::PEER),
        );
        let err = o.server_error().expect("server must fail");
        assert_eq!(err.reason, Reason::CERTIFICATE_VERIFY_FAILED);
        assert_eq!(o.server.alert_sent(), Some(AlertDescription::UNKNOWN_CA));
        assert_eq!(
            o.server.negotiated().verify_result,
            x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        );
        assert_eq!(
            o.client.alert_received(),
            Some(AlertDescription::UNKNOWN_CA)
        );
    }

    #[test]
    fn server_certificate_is_not_a_client_certificate() {
        // The server leaf lacks the clientAuth extended key usage.
        let o = run(
            client_config(Some("server-ecdsa-p384")),
            server_config(verify_flags::PEER),
        );
        assert_eq!(
            o.server.negotiated().verify_result,
            x509_v::ERR_INVALID_PURPOSE
        );
        assert_eq!(
            o.server.alert_sent(),
            Some(AlertDescription::UNSUPPORTED_CERTIFICATE)
        );
    }

    #[test]
    fn bad_client_certificate_verify_is_rejected_with_decrypt_error() {
        let mut client = client_config(None);
        // The client certificate with somebody else's P-256 key: the signature cannot verify.
        let wrong_key = SigningKey::from_pem(&pki("server-ecdsa-p256.key")).unwrap();
        client.set_certified_key(CertifiedKey {
            chain: chain("client-ecdsa-p256"),
            key: Arc::new(wrong_key),
        });
        let o = run(client, server_config(verify_flags::PEER));
        let err = o.server_error().expect("server must fail");
        assert_eq!(err.reason, Reason::BAD_SIGNATURE);
        assert_eq!(o.server.alert_sent(), Some(AlertDescription::DECRYPT_ERROR));
        assert_eq!(
            o.client.alert_received(),
            Some(AlertDescription::DECRYPT_ERROR)
        );
    }

    #[test]
    fn failed_client_chain_is_only_recorded_without_verify_peer_failure() {
        // A verify callback that accepts everything keeps the handshake going while
        // verify_result still records the failure, as OpenSSL's callbacks do.
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        let mut server = server_config(verify_flags::PEER);
        server.verify_callback = Some(Arc::new(move |e: &mut VerifyEvent<'_>| {
            seen.lock()
                .unwrap()
                .push((e.depth, e.preverify_ok, e.error));
            true
        }));
        let o = run(client_config(Some("untrusted-client")), server);
        assert!(
            o.both_connected(),
            "{:?} {:?}",
            o.client_error(),
            o.server_error()
        );
        assert_eq!(
            o.server.negotiated().verify_result,
            x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        );
        assert_eq!(*o.server.negotiated().peer_chain, chain("untrusted-client"));
        assert_eq!(
            *events.lock().unwrap(),
            vec![(0, false, x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)]
        );
    }

    #[test]
    fn verify_callback_can_reject_a_good_client_chain() {
        let mut server = server_config(verify_flags::PEER);
        server.verify_callback = Some(Arc::new(|e: &mut VerifyEvent<'_>| {
            if e.depth == 0 {
                e.error = x509_v::ERR_APPLICATION_VERIFICATION;
                return false;
            }
            e.preverify_ok
        }));
        let o = run(client_config(Some("client-ecdsa-p256")), server);
        assert!(o.server_error().is_some());
        assert_eq!(
            o.server.negotiated().verify_result,
            x509_v::ERR_APPLICATION_VERIFICATION
        );
        assert_eq!(
            o.server.alert_sent(),
            Some(AlertDescription::HANDSHAKE_FAILURE)
        );
    }

    #[test]
    fn certificate_authorities_reach_the_client_certificate_callback() {
        let root_subject = crate::x509::Certificate::from_der(&chain("client-ecdsa-p256")[1])
            .unwrap()
            .issuer()
            .der()
            .to_vec();
        let mut server = server_config(verify_flags::PEER | verify_flags::FAIL_IF_NO_PEER_CERT);
        server.client_ca_names = vec![crate::msgs::extensions::DistinguishedName(
            root_subject.clone(),
        )];
        let asked = Arc::new(Mutex::new(Vec::new()));
        let record = asked.clone();
        let mut client = client_config(None);
        client.client_cert_callback = Some(Arc::new(move |req| {
            record
                .lock()
                .unwrap()
                .extend(req.authorities.iter().map(|dn| dn.0.clone()));
            Some(Arc::new(certified("client-ed25519")))
        }));
        let o = run(client, server);
        assert!(
            o.both_connected(),
            "{:?} {:?}",
            o.client_error(),
            o.server_error()
        );
        assert_eq!(*asked.lock().unwrap(), vec![root_subject]);
        assert_eq!(*o.server.negotiated().peer_chain, chain("client-ed25519"));
    }

    #[test]
    fn client_certificate_callback_declining_sends_an_empty_certificate() {
        let mut client = client_config(None);
        client.client_cert_callback = Some(Arc::new(|_| None));
        let o = run(client, server_config(verify_flags::PEER));
        assert!(o.both_connected());
        assert!(o.server.negotiated().peer_chain.is_empty());
    }

    #[test]
    fn client_without_a_fitting_key_sends_an_empty_certificate() {
        // The server accepts only ECDSA P-256 signatures; the client has only an RSA key.
        let mut server = server_config(verify_flags::PEER);
        server.verify_schemes = vec![crate::msgs::enums::SignatureScheme::ECDSA_NISTP256_SHA256];
        let o = run(client_config(Some("client-rsa2048")), server);
        assert!(
            o.both_connected(),
            "{:?} {:?}",
            o.client_error(),
            o.server_error()
        );
        assert!(o.server.negotiated().peer_chain.is_empty());
    }

    #[test]
    fn verify_callback_on_the_client_can_accept_an_untrusted_server() {
        let mut server = server_config(verify_flags::NONE);
        server.certs.clear();
        server.set_certified_key(certified("untrusted-localhost"));
        let mut client = client_config(None);
        client.verify_callback = Some(Arc::new(|_: &mut VerifyEvent<'_>| true));
        let o = run(client, server);
        assert!(o.both_connected());
        assert_eq!(
            o.client.negotiated().verify_result,
            x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        );
    }
}

#[cfg(test)]
mod grease_tests {
    #[test]
    fn ticket_grease_values_are_grease() {
        for r in 0..=255u8 {
            assert!(crate::msgs::enums::is_grease(super::grease_value(r)));
        }
    }
}
