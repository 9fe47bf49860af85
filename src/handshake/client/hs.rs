//! The client's first flight and the version decision on ServerHello.

use crate::config::{Config, ExternalPsk, PskLookup};
use crate::crypto::hash::Transcript;
use crate::crypto::key_schedule::KeySchedule;
use crate::crypto::kx::{self, KeyShare};
use crate::error::{Error, Reason, Result};
use crate::handshake::common::flight::Flight;
use crate::handshake::common::{ClientOptions, Common};
use crate::handshake::{random_bytes, State};
use crate::msgs::enums::{
    AlertDescription, CipherSuite, ExtensionType, NamedGroup, ProtocolVersion, PskKeyExchangeMode,
};
use crate::msgs::extensions::{
    ClientExtension, Extension, KeyShareEntry, PresharedKeyOffer, PskIdentity, ServerName,
};
use crate::msgs::handshake::{ClientHello, HandshakeMessage};
use crate::session::Session;
use crate::suites;
use std::sync::Arc;

use crate::msgs::extensions::EC_POINT_FORMAT_UNCOMPRESSED;

/// What the client offered, kept to check the server's choices against.
pub struct Offer {
    pub options: ClientOptions,
    pub random: [u8; 32],
    pub session_id: Vec<u8>,
    /// TLS 1.3 suites first, then TLS 1.2 ones.
    pub suites: Vec<CipherSuite>,
    pub groups: Vec<NamedGroup>,
    /// Empty when TLS 1.3 is not offered.
    pub key_shares: Vec<KeyShare>,
    pub cookie: Option<Vec<u8>>,
    pub tls13: bool,
    pub tls12: bool,
    /// The session offered for resumption, if the one asked for is usable.
    pub resume: Option<Arc<Session>>,
    /// The ClientHello carries SessionTicket (TLS 1.2 offered, tickets not disabled).
    pub ticket_extension_sent: bool,
    /// The extension types of our latest ClientHello: the server may answer only these.
    pub sent_extensions: Vec<ExtensionType>,
    /// The early secret of the PSK our latest ClientHello offered, made for its binder and
    /// kept for the handshake if the server accepts the PSK.
    pub psk_schedule: Option<KeySchedule>,
    /// The external PSK offered when there is no session to resume (one PSK is offered at a
    /// time), if the application supplied one.
    pub external_psk: Option<ExternalPsk>,
}

/// The PSK a ClientHello offers: its identity, obfuscated age, secret, hash and whether it is
/// external (binder label "ext binder") rather than a resumption PSK ("res binder").
struct OfferedPsk {
    identity: Vec<u8>,
    age: u32,
    secret: crate::crypto::secret::Secret,
    alg: crate::crypto::hash::HashAlg,
    external: bool,
}

impl Offer {
    /// The TLS 1.3 session offered as a PSK, if any.
    pub fn psk_session(&self) -> Option<&Arc<Session>> {
        self.resume.as_ref().filter(|s| s.is_tls13())
    }

    /// The TLS 1.2 session offered (by ticket or by session ID), if any.
    pub fn tls12_session(&self) -> Option<&Arc<Session>> {
        self.resume.as_ref().filter(|s| !s.is_tls13())
    }
}

/// Whether a client may offer `s` with this configuration: not expired, its version enabled,
/// and its suite (TLS 1.2) or its suite's hash (TLS 1.3) still offered.
fn can_offer(
    config: &Config,
    s: &Session,
    tls13: bool,
    tls12_suites: Option<&[CipherSuite]>,
    now_ms: u64,
) -> bool {
    // A ticket longer than any we keep (a session from `d2i_SSL_SESSION`, say) would not fit
    // in the ClientHello.
    if !s.is_resumable(now_ms) || s.ticket.len() > crate::limits::MAX_TICKET_LEN {
        return false;
    }
    let Some(info) = suites::lookup(s.suite) else {
        return false;
    };
    if s.is_tls13() {
        return tls13
            && !s.ticket.is_empty()
            && config
                .tls13_suites
                .iter()
                .filter_map(|c| suites::lookup(*c))
                .any(|c| c.hash == info.hash);
    }
    let ticket_usable = !s.ticket.is_empty() && !config.options.no_tickets;
    tls12_suites.is_some_and(|list| list.contains(&s.suite)) && (ticket_usable || !s.id.is_empty())
}

pub fn start(cx: &mut Common, options: ClientOptions) -> Result<Box<dyn State>> {
    let config = cx.config.clone();
    let all_groups: Vec<NamedGroup> = config
        .groups
        .iter()
        .copied()
        .filter(|g| kx::is_supported(*g))
        .collect();
    let tls12_suites: Vec<CipherSuite> = config
        .tls12_suites
        .iter()
        .copied()
        .filter(|s| suites::lookup(*s).is_some_and(|i| i.version == ProtocolVersion::TLSV1_2))
        .filter(|s| crate::handshake::psk12::usable(&config, *s, crate::role::Role::Client))
        .collect();
    let tls13 = config.supports_version(ProtocolVersion::TLSV1_3)
        && !config.tls13_suites.is_empty()
        && !all_groups.is_empty();
    // TLS 1.2 suites are all ECDHE: without a classic group there is nothing to offer.
    let tls12 = config.supports_version(ProtocolVersion::TLSV1_2)
        && !tls12_suites.is_empty()
        && all_groups.iter().any(|g| kx::usable_in_tls12(*g));
    if !tls13 && !tls12 {
        let any_version = config.supports_version(ProtocolVersion::TLSV1_3)
            || config.supports_version(ProtocolVersion::TLSV1_2);
        return Err(if any_version {
            Error::local(
                Reason::NO_CIPHER_MATCH,
                "no cipher suites or groups are enabled for the enabled protocol versions",
            )
        } else {
            Error::local(
                Reason::NO_PROTOCOLS_AVAILABLE,
                "no protocol version is enabled that this library can negotiate (TLS 1.2, TLS 1.3)",
            )
        });
    }
    let mut suites = Vec::new();
    if tls13 {
        suites.extend_from_slice(&config.tls13_suites);
    }
    if tls12 {
        suites.extend_from_slice(&tls12_suites);
    }
    let groups: Vec<NamedGroup> = if tls13 {
        all_groups
    } else {
        all_groups
            .into_iter()
            .filter(|g| kx::usable_in_tls12(*g))
            .collect()
    };
    let key_shares = if tls13 {
        initial_key_shares(&groups)?
    } else {
        Vec::new()
    };
    let resume = cx.resume.take().filter(|s| {
        can_offer(
            &config,
            s,
            tls13,
            tls12.then_some(tls12_suites.as_slice()),
            crate::session::now_ms(),
        )
    });
    let session_id = match resume.as_ref().filter(|s| !s.is_tls13()) {
        // RFC 5077 3.4: with a ticket the client makes up a session ID, which the server
        // echoes if it accepts the ticket.
        Some(s) if !s.ticket.is_empty() && !config.options.no_tickets => {
            random_bytes::<32>()?.to_vec()
        }
        Some(s) => s.id.clone(),
        // A non-empty session ID turns on TLS 1.3 middlebox compatibility mode (RFC 8446 D.4);
        // a TLS 1.2-only client with nothing to resume sends none.
        None if tls13 => random_bytes::<32>()?.to_vec(),
        None => Vec::new(),
    };
    let mut offer = Offer {
        options,
        random: random_bytes::<32>()?,
        session_id,
        suites,
        groups,
        key_shares,
        cookie: None,
        tls13,
        tls12,
        resume,
        ticket_extension_sent: tls12 && !config.options.no_tickets,
        sent_extensions: Vec::new(),
        psk_schedule: None,
        external_psk: None,
    };
    if tls13 && offer.psk_session().is_none() {
        offer.external_psk = external_psk(&config, None)?;
    }
    cx.client_random = offer.random;
    cx.evidence.our_offer = Some(crate::diagnosis::OfferSummary {
        versions: [
            (tls13, ProtocolVersion::TLSV1_3),
            (tls12, ProtocolVersion::TLSV1_2),
        ]
        .iter()
        .filter_map(|(on, v)| on.then_some(*v))
        .collect(),
        suites: offer.suites.clone(),
        groups: offer.groups.clone(),
    });
    let mut transcript = Transcript::new();
    // RFC 8446 5.1 allows 0x0301 in the records of the first ClientHello, which servers and
    // middleboxes from before TLS 1.2 expect (OpenSSL and BoringSSL send it too); every later
    // record says 0x0303.
    cx.record.write_version = ProtocolVersion::TLSV1_0.0;
    let sent = send_client_hello(cx, &config, &mut offer, &mut transcript);
    cx.record.write_version = ProtocolVersion::TLSV1_2.0;
    sent?;
    cx.ccs_allowed = tls13;
    Ok(Box::new(ExpectServerHello {
        offer,
        transcript,
        retried: false,
        compat_ccs_sent: false,
    }))
}

/// A libtls client sends shares for its first group and, when that is the post-quantum hybrid,
/// also for X25519, so a server without the hybrid needs no extra round trip.
fn initial_key_shares(groups: &[NamedGroup]) -> Result<Vec<KeyShare>> {
    let mut shares = vec![KeyShare::generate(groups[0])?];
    if groups[0] == NamedGroup::X25519_MLKEM768 && groups.contains(&NamedGroup::X25519) {
        shares.push(KeyShare::generate(NamedGroup::X25519)?);
    }
    Ok(shares)
}

/// Sends a ClientHello for `offer` and records in it the types of the extensions the hello
/// carries and the PSK's early secret.
pub fn send_client_hello(
    cx: &mut Common,
    config: &Config,
    offer: &mut Offer,
    transcript: &mut Transcript,
) -> Result<()> {
    let mut exts = Vec::new();
    if let Some(name) = &offer.options.server_name {
        // RFC 6066 3: literal IP addresses are not permitted in SNI.
        if name.parse::<std::net::IpAddr>().is_err() {
            exts.push(ClientExtension::ServerName(vec![ServerName::HostName(
                name.clone(),
            )]));
        }
    }
    if offer.tls13 {
        let mut versions = vec![ProtocolVersion::TLSV1_3];
        if offer.tls12 {
            versions.push(ProtocolVersion::TLSV1_2);
        }
        exts.push(ClientExtension::SupportedVersions(versions));
    }
    if !config.alpn_protocols.is_empty() {
        exts.push(ClientExtension::Alpn(config.alpn_protocols.clone()));
    }
    if config.request_ocsp {
        exts.push(ClientExtension::StatusRequest(
            crate::msgs::extensions::OCSP_STATUS_REQUEST.to_vec(),
        ));
    }
    cx.info.ocsp_requested = config.request_ocsp;
    exts.push(ClientExtension::SupportedGroups(offer.groups.clone()));
    exts.push(ClientExtension::SignatureAlgorithms(
        config.verify_schemes.clone(),
    ));
    // RFC 8449 4: "Endpoints SHOULD advertise" it, which lets the server limit our records
    // and tells us it honours our own limit (the protocol's unless configured smaller).
    exts.push(ClientExtension::RecordSizeLimit(
        config.own_record_size_limit(offer.tls13),
    ));
    if offer.tls12 {
        exts.push(ClientExtension::EcPointFormats(vec![
            EC_POINT_FORMAT_UNCOMPRESSED,
        ]));
        exts.push(ClientExtension::ExtendedMasterSecret);
        // RFC 5746: an initial handshake signals secure renegotiation with an empty value.
        exts.push(ClientExtension::RenegotiationInfo(Vec::new()));
        if offer.ticket_extension_sent {
            // RFC 5077 3.2: empty asks for a ticket; a ticket asks to resume with it.
            let ticket = offer
                .tls12_session()
                .map(|s| s.ticket.clone())
                .unwrap_or_default();
            exts.push(ClientExtension::SessionTicket(ticket));
        }
    }
    if offer.tls13 {
        exts.push(ClientExtension::KeyShare(
            offer
                .key_shares
                .iter()
                .map(|ks| KeyShareEntry {
                    group: ks.group(),
                    payload: ks.public_bytes().to_vec(),
                })
                .collect(),
        ));
        let mut modes = vec![PskKeyExchangeMode::PSK_DHE_KE];
        if config.options.allow_psk_ke {
            modes.push(PskKeyExchangeMode::PSK_KE);
        }
        exts.push(ClientExtension::PskKeyExchangeModes(modes));
        if config.post_handshake_auth {
            // RFC 8446 4.2.6: we answer a CertificateRequest after the handshake.
            exts.push(ClientExtension::PostHandshakeAuth);
        }
        // RFC 8879 3: the algorithms we decompress a server's certificate with.
        if let Some(data) = crate::certcomp::offer_data(config) {
            exts.push(ClientExtension::Unknown {
                typ: crate::msgs::enums::ExtensionType::COMPRESS_CERTIFICATE,
                data,
            });
        }
    }
    if let Some(cookie) = &offer.cookie {
        exts.push(ClientExtension::Cookie(cookie.clone()));
    }
    // RFC 8446 4.2.11: pre_shared_key comes last. After a HelloRetryRequest that chose a suite
    // with another hash the PSK cannot be used, so it is left out.
    let fits = |alg: crate::crypto::hash::HashAlg| transcript.hash_alg().is_none_or(|a| a == alg);
    let resumption = offer.psk_session().cloned().and_then(|s| {
        let alg = suites::lookup(s.suite)?.hash;
        let age_ms = crate::session::now_ms().saturating_sub(s.created_ms);
        fits(alg).then(|| OfferedPsk {
            identity: s.ticket.clone(),
            age: (age_ms as u32).wrapping_add(s.ticket_age_add),
            secret: s.secret.clone(),
            alg,
            external: false,
        })
    });
    let external = offer.external_psk.as_ref().and_then(|p| {
        let alg = suites::lookup(p.suite)?.hash;
        // RFC 8446 4.2.11: an external PSK's obfuscated_ticket_age is 0.
        fits(alg).then(|| OfferedPsk {
            identity: p.identity.clone(),
            age: 0,
            secret: p.secret.clone(),
            alg,
            external: true,
        })
    });
    let psk = resumption.or(external);
    if let Some(p) = &psk {
        exts.push(ClientExtension::PreSharedKey(PresharedKeyOffer {
            identities: vec![PskIdentity {
                identity: p.identity.clone(),
                obfuscated_ticket_age: p.age,
            }],
            binders: vec![vec![0; p.alg.output_len()]],
        }));
    }
    let mut ch = ClientHello {
        legacy_version: ProtocolVersion::TLSV1_2,
        random: offer.random,
        legacy_session_id: offer.session_id.clone(),
        cipher_suites: offer.suites.clone(),
        compression_methods: vec![0],
        extensions: exts,
    };
    pad_client_hello(&mut ch)?;
    offer.sent_extensions = ch.extensions.iter().map(|e| e.ext_type()).collect();
    cx.info.post_handshake_auth = offer
        .sent_extensions
        .contains(&ExtensionType::POST_HANDSHAKE_AUTH);
    offer.psk_schedule = None;
    let binders_len = match &psk {
        Some(_) => Some(
            ch.binders_encoded_len()
                .ok_or_else(|| Error::internal("pre_shared_key is not the last extension"))?,
        ),
        None => None,
    };
    // Encoded once, with a zero binder that is then overwritten in place.
    let mut encoded = HandshakeMessage::ClientHello(ch).encode()?;
    // What of the message the transcript holds before it is sent: the part the binder covers.
    let mut hashed_len = 0;
    if let (Some(p), Some(binders_len)) = (psk, binders_len) {
        let prefix_len = encoded
            .len()
            .checked_sub(binders_len)
            .ok_or_else(|| Error::internal("ClientHello shorter than its binders"))?;
        // The PSK's hash is a guess until the ServerHello; if the server picks a suite with
        // another hash the transcript is rehashed from its buffer then.
        transcript.set_hash(p.alg)?;
        let hash = transcript.add_prefix_and_hash(&encoded[..prefix_len]);
        hashed_len = prefix_len;
        let early = KeySchedule::new(p.alg, Some(&p.secret));
        let binder = early.binder_finished_key(p.external).verify_data(&hash);
        // Our one binder is the last field of the ClientHello.
        let binder_at = encoded
            .len()
            .checked_sub(binder.len())
            .filter(|at| *at >= prefix_len)
            .ok_or_else(|| Error::internal("PSK binder outside the binders field"))?;
        encoded[binder_at..].copy_from_slice(&binder);
        offer.psk_schedule = Some(early);
    }
    Flight::new(cx, transcript).add_encoded_after(&encoded, hashed_len)
}

/// Asks the application for its external PSK (TLS 1.3). A key for a suite we do not enable,
/// or whose hash differs from the one a HelloRetryRequest settled, is not offered.
pub fn external_psk(
    config: &Config,
    hash: Option<crate::crypto::hash::HashAlg>,
) -> Result<Option<ExternalPsk>> {
    let Some(lookup) = &config.psk_client else {
        return Ok(None);
    };
    match lookup(hash) {
        PskLookup::Found(p) => {
            let usable = config.tls13_suites.contains(&p.suite)
                && suites::lookup(p.suite).is_some_and(|s| {
                    s.version == ProtocolVersion::TLSV1_3 && hash.is_none_or(|h| h == s.hash)
                });
            Ok(usable.then_some(p))
        }
        PskLookup::None => Ok(None),
        PskLookup::Failed => Err(Error::local(
            Reason::CALLBACK_FAILED,
            "the PSK callback failed",
        )),
    }
}

/// The error for an extension the server sent in `message` where that message may not carry
/// it. RFC 8446 4.2 has two cases: a response to an extension we never sent is
/// `unsupported_extension`; one we did send, answered in the wrong message, is
/// `illegal_parameter`. Both are the server sending something we did not ask for there.
pub fn misplaced_extension(sent: &[ExtensionType], typ: ExtensionType, message: &str) -> Error {
    if sent.contains(&typ) {
        Error::illegal(
            Reason::UNSOLICITED_EXTENSION,
            format!("{message} carries {typ}, which does not belong in it"),
        )
    } else {
        Error::protocol(
            AlertDescription::UNSUPPORTED_EXTENSION,
            Reason::UNSOLICITED_EXTENSION,
            format!("{message} carries {typ}, which we did not offer"),
        )
    }
}

/// A ClientHello from 256 to 511 bytes long (handshake header included) hangs some servers
/// (F5's, as BoringSSL's notes tell); RFC 7685 padding takes it to 512. The padding extension
/// goes just before pre_shared_key, which must stay last (RFC 8446 4.2.11); the placeholder
/// binder already has the real one's length, so the size computed here is the final one.
fn pad_client_hello(ch: &mut ClientHello) -> Result<()> {
    const DANGER_ZONE: std::ops::Range<usize> = 256..512;
    const EXTENSION_HEADER_LEN: usize = 4;
    let len = HandshakeMessage::ClientHello(ch.clone()).encode()?.len();
    if !DANGER_ZONE.contains(&len) {
        return Ok(());
    }
    // One byte of padding at least: some servers fail on an empty last extension.
    let padding = (DANGER_ZONE.end - len)
        .saturating_sub(EXTENSION_HEADER_LEN)
        .max(1);
    let at = ch
        .extensions
        .iter()
        .position(|e| matches!(e, ClientExtension::PreSharedKey(_)))
        .unwrap_or(ch.extensions.len());
    ch.extensions.insert(at, ClientExtension::Padding(padding));
    Ok(())
}

pub struct ExpectServerHello {
    pub offer: Offer,
    pub transcript: Transcript,
    pub retried: bool,
    /// The middlebox-compatibility ChangeCipherSpec went out (before a second ClientHello).
    pub compat_ccs_sent: bool,
}

/// Checks the server's ALPN answer (RFC 7301 3.1: one of the protocols we offered) and
/// returns the agreed protocol.
pub fn check_alpn_answer(offered: &[Vec<u8>], answer: Option<&[u8]>) -> Result<Option<Vec<u8>>> {
    let Some(chosen) = answer else {
        return Ok(None);
    };
    if offered.is_empty() {
        return Err(Error::protocol(
            AlertDescription::UNSUPPORTED_EXTENSION,
            Reason::UNSOLICITED_EXTENSION,
            "the server answered ALPN, which we did not offer",
        ));
    }
    if !offered.iter().any(|p| p == chosen) {
        return Err(Error::illegal(
            Reason::BAD_EXTENSION,
            format!(
                "the server chose the application protocol {:?}, which we did not offer",
                String::from_utf8_lossy(chosen)
            ),
        ));
    }
    Ok(Some(chosen.to_vec()))
}
