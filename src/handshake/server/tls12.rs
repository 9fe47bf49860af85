//! TLS 1.2 server states (RFC 5246 7.3): ECDHE key exchange (RFC 8422), AEAD suites only,
//! extended master secret (RFC 7627) required, secure renegotiation indication (RFC 5746),
//! optional client authentication. The ChangeCipherSpec and Finished at the end are
//! `tls12_finish`.

use super::tls12_finish::{emit_ticket, master_and_keys, ExpectChangeCipherSpec, Handshake12};
use crate::codec::Writer;
use crate::config::{CertifiedKey, Config};
use crate::crypto::hash::Transcript;
use crate::crypto::kx::{self, KeyShare};
use crate::crypto::secret::Secret;
use crate::crypto::sign::{self, KeyType};
use crate::crypto::tls12::{self, Tls12Keys};
use crate::error::{Error, Reason, Result};
use crate::handshake::common::auth::{
    check_no_client_certificate, check_peer_signature, SignedContent,
};
use crate::handshake::common::flight::{emit_finished12, Flight};
use crate::handshake::common::key_fits_auth;
use crate::handshake::common::Common;
use crate::handshake::{decode12, random_bytes, unexpected, State};
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::HandshakeType;
use crate::msgs::enums::{
    AlertDescription, CipherSuite, ExtensionType, NamedGroup, ProtocolVersion, SignatureScheme,
};
use crate::msgs::extensions::ServerHelloExtension;
use crate::msgs::extensions::EC_POINT_FORMAT_UNCOMPRESSED;
use crate::msgs::handshake::{
    CertificateRequestTls12, CertificateTls12, ClientHello, DigitallySigned, EcdheServerParams,
    HandshakeMessage, ServerHello, ServerKeyExchange, DOWNGRADE_TLS12,
};
use crate::record::keys::tls12_encrypter;
use crate::session::{Session, SessionStats, TicketOutcome};
use crate::suites::{self, SuiteInfo};
use crate::verify::Usage;
use std::sync::Arc;

fn handshake_failure(reason: Reason, detail: impl Into<String>) -> Error {
    Error::protocol(AlertDescription::HANDSHAKE_FAILURE, reason, detail)
}

pub fn handle_client_hello(
    cx: &mut Common,
    ch: ClientHello,
    msg: &JoinedMessage,
) -> Result<Box<dyn State>> {
    let config = cx.config.clone();
    // RFC 5746 3.6: either signal means the client supports secure renegotiation.
    let secure_renegotiation = match ch.renegotiation_info() {
        Some(value) if !value.is_empty() => {
            return Err(handshake_failure(
                Reason::BAD_EXTENSION,
                "renegotiation_info must be empty in an initial ClientHello (RFC 5746 3.6)",
            ))
        }
        Some(_) => true,
        None => ch.offers_cipher_suite(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV),
    };
    let client_ems = ch.has(ExtensionType::EXTENDED_MASTER_SECRET);
    if !client_ems && !config.allow_no_ems {
        // RFC 7627 5.2 lets a server refuse; RFC 9325 3.5 asks for the extension.
        return Err(handshake_failure(
            Reason::EXTENDED_MASTER_SECRET_REQUIRED,
            "the client does not offer the extended master secret (RFC 7627), which this server \
             requires for TLS 1.2 by its policy (opt out with SSL_CTX_set_allow_no_ems, \
             tlsserver -allow_no_ems)",
        ));
    }
    if ch.has(ExtensionType::EC_POINT_FORMATS) && ch.ec_point_formats().is_none() {
        // Decoding kept the malformed body for TLS 1.2 to refuse (RFC 8422 5.1.2).
        return Err(Error::decode(
            "ec_point_formats extension in ClientHello: malformed or empty list",
        ));
    }
    if let Some(formats) = ch.ec_point_formats() {
        if !formats.contains(&EC_POINT_FORMAT_UNCOMPRESSED) {
            return Err(Error::illegal(
                Reason::ILLEGAL_POINT_COMPRESSION,
                "the client does not accept uncompressed EC points",
            ));
        }
    }
    let now = crate::session::now_ms();
    let tickets = !config.options.no_tickets;
    // RFC 5077 3.2: the client asks for a ticket with the extension, empty or not.
    let mut issue_ticket = tickets && ch.session_ticket().is_some();
    if let Some((session, renew)) = find_session(&config, &ch, now, &mut issue_ticket)? {
        return resume(
            cx,
            &ch,
            msg,
            session,
            renew && issue_ticket,
            secure_renegotiation,
        );
    }
    let group = choose_group(&config, ch.groups());
    // Without signature_algorithms RFC 5246 7.4.1.4.1 implies SHA-1, which we never sign with.
    let schemes = config.shared_schemes(ch.sig_schemes().unwrap_or(&[]));
    let chosen = choose_suite(
        &config,
        &ch.cipher_suites,
        &schemes,
        ch.groups(),
        group.as_ref().ok().copied(),
    );
    // Without a common group only a plain PSK suite is possible; failing that, the missing
    // group is the reason.
    let (suite, signer) = match (chosen, group.as_ref()) {
        (Ok(c), _) => c,
        (Err(_), Err(e)) => return Err(e.clone()),
        (Err(e), Ok(_)) => return Err(e),
    };
    let group = group.ok().filter(|_| suite.kx != Some(suites::Kx::Psk));
    let staple = match signer {
        Some(_) => crate::handshake::ocsp::server_staple(cx, &ch, false)?,
        None => None,
    };

    if let Some(name) = ch.server_name() {
        cx.info.server_name = Some(name.to_string());
    }
    cx.info.version = Some(ProtocolVersion::TLSV1_2);
    cx.info.suite = Some(suite);
    cx.info.group = group;
    cx.info.extended_master_secret = client_ems;
    cx.info.our_signature_scheme = signer.as_ref().map(|(_, scheme)| *scheme);
    // From here a ChangeCipherSpec is the client's key change, handled by the states.
    cx.ccs_allowed = false;

    let (server_random, mut transcript, mut extensions) =
        server_hello_start(cx, &ch, msg, suite, secure_renegotiation, client_ems)?;
    if cx.info.server_name_acked {
        extensions.push(ServerHelloExtension::ServerNameAck);
    }
    if let Some(protocol) = &cx.info.alpn {
        extensions.push(ServerHelloExtension::Alpn(protocol.clone()));
    }
    if issue_ticket {
        extensions.push(ServerHelloExtension::SessionTicketAck);
    }
    if staple.is_some() {
        // RFC 6066 8: a CertificateStatus follows the Certificate.
        extensions.push(ServerHelloExtension::StatusRequestAck);
    }
    // A ticket carries the session; without one a session ID names it in our cache. An empty
    // ID says the session cannot be resumed.
    let session_id = if !issue_ticket && config.session.server_caches() {
        random_bytes::<32>()?.to_vec()
    } else {
        Vec::new()
    };
    cx.server_random = server_random;
    Flight::new(cx, &mut transcript).add(&HandshakeMessage::ServerHello(ServerHello {
        legacy_version: ProtocolVersion::TLSV1_2,
        random: server_random,
        legacy_session_id_echo: session_id.clone(),
        cipher_suite: suite.suite,
        compression_method: 0,
        extensions,
    }))?;
    let hs = Handshake12 {
        suite,
        transcript,
        client_random: ch.random,
        server_random,
        session_id,
        issue_ticket,
        resumed: false,
        extended_master_secret: client_ems,
    };
    let (Some((cert, scheme)), Some(group)) = (signer, group) else {
        // RFC 4279 2, RFC 5489 2: no certificates with a PSK suite.
        return super::psk12::server_flight(cx, hs, group);
    };
    let mut transcript = hs.transcript;
    let mut flight = Flight::new(cx, &mut transcript);
    emit_certificate(&mut flight, &cert)?;
    if let Some(response) = staple {
        flight.add(&HandshakeMessage::CertificateStatus(response))?;
    }
    let randoms = [ch.random, server_random];
    let share = emit_server_key_exchange(&mut flight, &cert, scheme, group, &randoms)?;
    let requested_schemes = if config.verify_mode.peer {
        Some(emit_certificate_request(&mut flight, &config)?)
    } else {
        None
    };
    flight.add(&HandshakeMessage::ServerHelloDone)?;

    let hs = Handshake12 { transcript, ..hs };
    match requested_schemes {
        Some(schemes) => Ok(Box::new(ExpectCertificate { hs, share, schemes })),
        None => Ok(Box::new(ExpectClientKeyExchange {
            hs,
            share,
            client_schemes: None,
        })),
    }
}

/// The client's first group (in its order) that we enable for TLS 1.2. A client without
/// supported_groups accepts any (RFC 8422 4), so we decide: P-256 when we enable it.
pub(in crate::handshake) fn choose_group(
    config: &Config,
    theirs: Option<&[NamedGroup]>,
) -> Result<NamedGroup> {
    let ours: Vec<NamedGroup> = config
        .groups
        .iter()
        .copied()
        .filter(|g| kx::usable_in_tls12(*g))
        .collect();
    let chosen = match theirs {
        Some(theirs) => theirs.iter().copied().find(|g| ours.contains(g)),
        // Clients that omit supported_groups predate X25519: P-256 is the curve they are sure
        // to have (RFC 8422 4 leaves the choice to us).
        None if ours.contains(&NamedGroup::SECP256R1) => Some(NamedGroup::SECP256R1),
        None => ours.first().copied(),
    };
    chosen.ok_or_else(|| {
        let names = |list: &[NamedGroup]| {
            list.iter()
                .filter(|g| !crate::msgs::enums::is_grease(g.0))
                .map(|g| g.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        // Every TLS 1.2 suite we have is ECDHE, so no group means no usable suite.
        handshake_failure(
            Reason::NO_SHARED_CIPHER,
            format!(
                "no common ECDHE group for TLS 1.2: the client offered [{}]; we allow [{}]",
                names(theirs.unwrap_or(&[])),
                names(&ours)
            ),
        )
    })
}

/// Our Certificate: the chain of the key we sign with.
fn emit_certificate(flight: &mut Flight<'_>, cert: &CertifiedKey) -> Result<()> {
    flight.add(&HandshakeMessage::CertificateTls12(CertificateTls12 {
        chain: cert
            .chain
            .iter()
            .map(|c| pki_types::CertificateDer::from(c.clone()))
            .collect(),
    }))
}

/// Our ServerKeyExchange: a new share of `group`, signed with the randoms (`randoms`: the
/// client's, then ours) by `cert`'s key (RFC 8422 5.4). Returns the share.
fn emit_server_key_exchange(
    flight: &mut Flight<'_>,
    cert: &CertifiedKey,
    scheme: SignatureScheme,
    group: NamedGroup,
    randoms: &[[u8; 32]; 2],
) -> Result<KeyShare> {
    let share = KeyShare::generate(group)?;
    let params = EcdheServerParams {
        group,
        public: share.public_bytes().to_vec(),
    };
    let mut signed = Writer::new();
    signed.bytes(&randoms[0]);
    signed.bytes(&randoms[1]);
    params.encode(&mut signed);
    let signature = cert.key.sign(scheme, &signed.finish()?)?;
    flight.add(&HandshakeMessage::ServerKeyExchange(ServerKeyExchange {
        params,
        signed: DigitallySigned { scheme, signature },
    }))?;
    Ok(share)
}

/// Our CertificateRequest: the client-authentication schemes we verify in TLS 1.2 and the
/// configured CA names. Returns the schemes offered.
fn emit_certificate_request(
    flight: &mut Flight<'_>,
    config: &Config,
) -> Result<Vec<SignatureScheme>> {
    let schemes: Vec<SignatureScheme> = config
        .requested_client_auth_schemes()
        .iter()
        .copied()
        .filter(|s| sign::supported_verify_schemes(false).contains(s))
        .collect();
    flight.add(&HandshakeMessage::CertificateRequestTls12(
        CertificateRequestTls12 {
            certificate_types: vec![
                CertificateRequestTls12::ECDSA_SIGN,
                CertificateRequestTls12::RSA_SIGN,
            ],
            sig_schemes: schemes.clone(),
            certificate_authorities: config.client_ca_names.clone(),
        },
    ))?;
    Ok(schemes)
}

/// The curve an ECDSA certificate's key is on, which a TLS 1.2 client must list in
/// supported_groups (RFC 8422 5.1.1).
fn certificate_curve(kt: KeyType) -> Option<NamedGroup> {
    match kt {
        KeyType::EcdsaP256 => Some(NamedGroup::SECP256R1),
        KeyType::EcdsaP384 => Some(NamedGroup::SECP384R1),
        KeyType::Rsa | KeyType::Ed25519 => None,
    }
}

/// The signer of a certificate suite: the certificate and the scheme it signs with.
type Signer = (Arc<CertifiedKey>, SignatureScheme);

/// The best suite both enable (see `suites_in_preference_order`), skipping suites for which no
/// configured certificate can sign with a scheme the client accepts, PSK suites without the
/// server's PSK callback (as OpenSSL) and ECDHE suites without a common group. PSK suites have
/// no signer.
fn choose_suite(
    config: &Config,
    theirs: &[CipherSuite],
    schemes: &[SignatureScheme],
    client_groups: Option<&[NamedGroup]>,
    group: Option<NamedGroup>,
) -> Result<(&'static SuiteInfo, Option<Signer>)> {
    let common: Vec<&'static SuiteInfo> =
        crate::handshake::suites_in_preference_order(config, &config.tls12_suites, theirs)
            .into_iter()
            .filter_map(|s| suites::lookup(s).filter(|i| i.version == ProtocolVersion::TLSV1_2))
            .filter(|i| crate::handshake::psk12::usable(config, i.suite, crate::role::Role::Server))
            .collect();
    if common.is_empty() {
        let offered: Vec<String> = theirs
            .iter()
            .filter(|s| !crate::msgs::enums::is_grease(s.0))
            .map(|s| s.to_string())
            .collect();
        let allowed: Vec<String> = config.tls12_suites.iter().map(|s| s.to_string()).collect();
        return Err(handshake_failure(
            Reason::NO_SHARED_CIPHER,
            format!(
                "no common TLS 1.2 cipher suite: the client offered [{}]; we allow [{}]",
                offered.join(", "),
                allowed.join(", ")
            ),
        ));
    }
    for suite in &common {
        if suite.kx != Some(suites::Kx::Psk) && group.is_none() {
            continue;
        }
        if suite.is_psk() {
            return Ok((suite, None));
        }
        for cert in &config.certs {
            let kt = cert.key_type();
            if !key_fits_auth(kt, suite.auth) {
                continue;
            }
            if let (Some(curve), Some(groups)) = (certificate_curve(kt), client_groups) {
                if !groups.contains(&curve) {
                    continue;
                }
            }
            if let Some(scheme) = cert.key.choose_scheme(schemes, false) {
                return Ok((suite, Some((cert.clone(), scheme))));
            }
        }
    }
    if config.certs.is_empty() {
        return Err(handshake_failure(
            Reason::NO_CERTIFICATE_ASSIGNED,
            "this server has no certificate configured",
        ));
    }
    let names: Vec<&str> = common.iter().map(|s| s.openssl_name).collect();
    Err(handshake_failure(
        Reason::NO_SHARED_CIPHER,
        format!(
            "we share the suites [{}] with the client, but none of our certificates can \
             authenticate them with the client's signature algorithms and curves",
            names.join(", ")
        ),
    ))
}

/// The session the client offers, by ticket or by session ID, if this server can resume it.
/// The flag asks for a fresh ticket (the old one's key no longer seals, or the application's
/// ticket callback asked). `issue_ticket` is cleared when the application's ticket callback
/// says no ticket is to be issued.
fn find_session(
    config: &Config,
    ch: &ClientHello,
    now: u64,
    issue_ticket: &mut bool,
) -> Result<Option<(Arc<Session>, bool)>> {
    let sessions = &config.session;
    let stats = &sessions.store.stats;
    let tickets = !config.options.no_tickets;
    let (from_ticket, try_cache) = match ch.session_ticket() {
        // RFC 5077 3.4: a ticket we cannot use means a full handshake, silently. An empty one
        // asks for a ticket (the application's ticket callback sees both).
        Some(ticket) if tickets => match sessions.use_ticket(ticket, now, false)? {
            TicketOutcome::Resume { session, renew } => (Some((session, renew)), false),
            TicketOutcome::Full { issue, try_cache } => {
                *issue_ticket &= issue;
                if !ticket.is_empty() && !try_cache {
                    SessionStats::bump(&stats.misses);
                    return Ok(None);
                }
                (None, try_cache)
            }
        },
        _ => (None, true),
    };
    let found = match from_ticket {
        Some(found) => Some(found),
        None if try_cache && !ch.legacy_session_id.is_empty() && sessions.server_caches() => {
            let internal =
                sessions.cache_mode & crate::session::cache_mode::NO_INTERNAL_LOOKUP == 0;
            internal
                .then(|| sessions.store.lookup(&ch.legacy_session_id, now))
                .flatten()
                .or_else(|| {
                    let cb = sessions.get_callback.as_ref()?;
                    let s = cb(&ch.legacy_session_id)?;
                    SessionStats::bump(&stats.cb_hits);
                    Some(s)
                })
                .map(|s| (s, false))
        }
        None => return Ok(None),
    };
    let Some((session, renew)) = found else {
        SessionStats::bump(&stats.misses);
        return Ok(None);
    };
    if sessions.expired_for_server(&session, now) {
        SessionStats::bump(&stats.timeouts);
        if !session.id.is_empty() && ch.session_ticket().is_none() {
            sessions.store.remove(&session.id);
        }
        return Ok(None);
    }
    // The session must belong to this context and to the name the client asks for, carry a
    // client certificate if we now require one, and its suite be one we still allow.
    let usable = session.version == ProtocolVersion::TLSV1_2
        && config.tls12_suites.contains(&session.suite)
        && crate::handshake::psk12::usable(config, session.suite, crate::role::Role::Server)
        && session.sid_ctx == sessions.sid_ctx
        && session.server_name.as_deref() == ch.server_name()
        && crate::handshake::session_meets_client_auth(config, &session);
    if !usable {
        SessionStats::bump(&stats.misses);
        return Ok(None);
    }
    // RFC 7627 5.3: a session made with the extended master secret is never resumed without
    // it (abort); one made without it is not resumed by a client that now offers it (full
    // handshake); one made without it may be resumed without it (the opt-in's case).
    let client_ems = ch.has(ExtensionType::EXTENDED_MASTER_SECRET);
    if session.extended_master_secret && !client_ems {
        return Err(handshake_failure(
            Reason::INCONSISTENT_EXTMS,
            "the client offers a session made with the extended master secret without the \
             extension (RFC 7627 5.3)",
        ));
    }
    if !session.extended_master_secret && client_ems {
        SessionStats::bump(&stats.misses);
        return Ok(None);
    }
    // RFC 5246 7.4.1.2: a client offering a session must list its suite.
    if !ch.cipher_suites.contains(&session.suite) {
        return Err(Error::illegal(
            Reason::REQUIRED_CIPHER_MISSING,
            format!(
                "the client offers a session of {} but does not list that cipher suite \
                 (RFC 5246 7.4.1.2)",
                session.suite
            ),
        ));
    }
    SessionStats::bump(&stats.hits);
    Ok(Some((session, renew)))
}

/// What a full and a resumed ServerHello begin alike: our random (with RFC 8446 4.1.3's
/// downgrade sentinel when we also speak TLS 1.3, telling a TLS 1.3 client the downgrade was not
/// our choice), the transcript begun with the ClientHello, and the first extensions in their
/// order: renegotiation_info, extended_master_secret, ec_point_formats and record_size_limit
/// (RFC 8449: we advertise our own limit, the most TLS 1.2 allows unless configured smaller, and
/// keep our records within the client's, from here on).
fn server_hello_start(
    cx: &mut Common,
    ch: &ClientHello,
    msg: &JoinedMessage,
    suite: &SuiteInfo,
    secure_renegotiation: bool,
    extended_master_secret: bool,
) -> Result<([u8; 32], Transcript, Vec<ServerHelloExtension>)> {
    let mut server_random = random_bytes::<32>()?;
    if cx.config.supports_version(ProtocolVersion::TLSV1_3) {
        server_random[32 - DOWNGRADE_TLS12.len()..].copy_from_slice(&DOWNGRADE_TLS12);
    }
    let mut transcript = Transcript::new();
    transcript.set_hash(suite.hash)?;
    transcript.add(&msg.encoded);

    let mut extensions = Vec::new();
    if secure_renegotiation {
        extensions.push(ServerHelloExtension::RenegotiationInfo(Vec::new()));
    }
    if extended_master_secret {
        extensions.push(ServerHelloExtension::ExtendedMasterSecret);
    }
    if ch.ec_point_formats().is_some() {
        extensions.push(ServerHelloExtension::EcPointFormats(vec![
            EC_POINT_FORMAT_UNCOMPRESSED,
        ]));
    }
    if let Some(limit) = ch.record_size_limit() {
        let own = cx.config.own_record_size_limit(false);
        extensions.push(ServerHelloExtension::RecordSizeLimit(own));
        cx.record.limit_records_to(limit, false);
        cx.record.accept_records_up_to(own);
    }
    Ok((server_random, transcript, extensions))
}

/// The abbreviated handshake: ServerHello, [NewSessionTicket], ChangeCipherSpec, Finished,
/// with the keys of the resumed master secret.
fn resume(
    cx: &mut Common,
    ch: &ClientHello,
    msg: &JoinedMessage,
    session: Arc<Session>,
    renew_ticket: bool,
    secure_renegotiation: bool,
) -> Result<Box<dyn State>> {
    let suite = suites::lookup(session.suite)
        .ok_or_else(|| Error::internal("resumed suite missing from the table"))?;
    cx.info.version = Some(ProtocolVersion::TLSV1_2);
    cx.info.suite = Some(suite);
    cx.info.server_name = ch.server_name().map(str::to_string);
    cx.info.peer_chain = session.peer_chain.clone();
    cx.info.verify_result = session.verify_result;
    cx.info.group = session.group;
    cx.info.session_reused = true;
    cx.ccs_allowed = false;

    // find_session resumes only a session whose use of RFC 7627 the client repeats.
    let (server_random, mut transcript, mut extensions) = server_hello_start(
        cx,
        ch,
        msg,
        suite,
        secure_renegotiation,
        session.extended_master_secret,
    )?;
    // RFC 7301 3.1: every handshake negotiates ALPN afresh, resumptions included.
    if let Some(protocol) = &cx.info.alpn {
        extensions.push(ServerHelloExtension::Alpn(protocol.clone()));
    }
    if renew_ticket {
        extensions.push(ServerHelloExtension::SessionTicketAck);
    }
    // RFC 5077 3.4 and RFC 5246 7.4.1.3: echoing the client's session ID says "resumed".
    cx.server_random = server_random;
    Flight::new(cx, &mut transcript).add(&HandshakeMessage::ServerHello(ServerHello {
        legacy_version: ProtocolVersion::TLSV1_2,
        random: server_random,
        legacy_session_id_echo: ch.legacy_session_id.clone(),
        cipher_suite: suite.suite,
        compression_method: 0,
        extensions,
    }))?;
    // The resumed session is the connection's from here (the application's ticket callback
    // may look at it); a renewed ticket may change it (application data).
    cx.session = Some(session.clone());
    let session = if renew_ticket {
        emit_ticket(&mut Flight::new(cx, &mut transcript), session)?
    } else {
        session
    };

    let keys = tls12::key_block(
        suite.hash,
        suite.aead,
        &session.secret,
        &ch.random,
        &server_random,
    )?;
    cx.send_ccs()?;
    cx.record.set_writer(tls12_encrypter(suite, &keys, false)?);
    emit_finished12(
        &mut Flight::new(cx, &mut transcript),
        suite.hash,
        &session.secret,
    )?;
    transcript.drop_buffer();
    let master = session.secret.clone();
    let session_ems = session.extended_master_secret;
    cx.info.extended_master_secret = session_ems;
    cx.session = Some(session);
    Ok(Box::new(ExpectChangeCipherSpec {
        hs: Handshake12 {
            suite,
            transcript,
            client_random: ch.random,
            server_random,
            session_id: ch.legacy_session_id.clone(),
            issue_ticket: false,
            resumed: true,
            extended_master_secret: session_ems,
        },
        master,
        keys,
    }))
}

struct ExpectCertificate {
    hs: Handshake12,
    share: KeyShare,
    /// The schemes our CertificateRequest listed.
    schemes: Vec<SignatureScheme>,
}

impl State for ExpectCertificate {
    fn name(&self) -> &'static str {
        "TLS server read client certificate"
    }

    fn handle(mut self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        crate::handshake::expect_types(self.name(), msg, &[HandshakeType::CERTIFICATE])?;
        let HandshakeMessage::CertificateTls12(cert) = decode12(msg)? else {
            return Err(unexpected(self.name(), msg.typ));
        };
        self.hs.transcript.add(&msg.encoded);
        if cert.chain.is_empty() {
            check_no_client_certificate(cx, false)?;
            return Ok(Box::new(ExpectClientKeyExchange {
                hs: self.hs,
                share: self.share,
                client_schemes: None,
            }));
        }
        let chain: Vec<Vec<u8>> = cert.chain.iter().map(|c| c.as_ref().to_vec()).collect();
        crate::handshake::verify_peer_chain(cx, &chain, Usage::ClientAuth, None)?;
        Ok(Box::new(ExpectClientKeyExchange {
            hs: self.hs,
            share: self.share,
            client_schemes: Some(self.schemes),
        }))
    }
}

struct ExpectClientKeyExchange {
    hs: Handshake12,
    share: KeyShare,
    /// Set when the client sent a certificate: its CertificateVerify must use one of these.
    client_schemes: Option<Vec<SignatureScheme>>,
}

impl State for ExpectClientKeyExchange {
    fn name(&self) -> &'static str {
        "TLS server read client key exchange"
    }

    fn handle(self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        crate::handshake::expect_types(self.name(), msg, &[HandshakeType::CLIENT_KEY_EXCHANGE])?;
        let HandshakeMessage::ClientKeyExchange(cke) = decode12(msg)? else {
            return Err(unexpected(self.name(), msg.typ));
        };
        let mut hs = self.hs;
        let pre_master_secret = self.share.complete(&cke.public)?;
        hs.transcript.add(&msg.encoded);
        let (master, keys) = master_and_keys(&hs, cx, pre_master_secret)?;
        match self.client_schemes {
            Some(schemes) => Ok(Box::new(ExpectCertificateVerify {
                hs,
                master,
                keys,
                schemes,
            })),
            None => {
                hs.transcript.drop_buffer();
                Ok(Box::new(ExpectChangeCipherSpec { hs, master, keys }))
            }
        }
    }
}

struct ExpectCertificateVerify {
    hs: Handshake12,
    master: Secret,
    keys: Tls12Keys,
    schemes: Vec<SignatureScheme>,
}

impl State for ExpectCertificateVerify {
    fn name(&self) -> &'static str {
        "TLS server read certificate verify"
    }

    fn handle(mut self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        crate::handshake::expect_types(self.name(), msg, &[HandshakeType::CERTIFICATE_VERIFY])?;
        let HandshakeMessage::CertificateVerify(cv) = decode12(msg)? else {
            return Err(unexpected(self.name(), msg.typ));
        };
        let messages =
            self.hs.transcript.buffer().ok_or_else(|| {
                Error::internal("handshake messages not kept for CertificateVerify")
            })?;
        check_peer_signature(cx, &self.schemes, &cv, SignedContent::Tls12(messages))?;
        self.hs.transcript.add(&msg.encoded);
        self.hs.transcript.drop_buffer();
        Ok(Box::new(ExpectChangeCipherSpec {
            hs: self.hs,
            master: self.master,
            keys: self.keys,
        }))
    }
}

#[cfg(test)]
#[path = "tls12_tests.rs"]
mod tests;
