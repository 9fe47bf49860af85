//! Plain-words diagnosis of a failed handshake: which of the usual causes happened (no common
//! version or suite, a wrong clock, interception, an invalid certificate, a peer that refused
//! us, no TLS server at all) and the evidence for it. The handshake records the evidence in
//! [`Evidence`]; [`diagnose`] reads it together with the error and the negotiated state.

use crate::config::Config;
use crate::error::{Error, Reason};
use crate::handshake::common::negotiated::Negotiated;
use crate::msgs::enums::{AlertDescription, CipherSuite, NamedGroup, ProtocolVersion};
use crate::msgs::handshake::ClientHello;
use crate::role::Role;
use crate::verify::x509_v;
use crate::x509::time::iso_date;

/// The cause of a failed handshake. The numbers are the C API's `SSL_FAILURE_*` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// No common protocol version.
    NoCommonVersion = 1,
    /// No common cipher suite.
    NoCommonCipherSuite = 2,
    /// No common key exchange group.
    NoCommonGroup = 3,
    /// The peer's certificate has expired (or this machine's clock is ahead).
    CertificateExpired = 4,
    /// The peer's certificate is not valid yet (or this machine's clock is behind).
    CertificateNotYetValid = 5,
    /// The peer's certificate is for another name.
    CertificateNameMismatch = 6,
    /// The peer's certificate comes from an issuer we do not trust: interception or a missing CA.
    CertificateUnknownIssuer = 7,
    /// The peer's certificate is invalid for another reason.
    CertificateInvalid = 8,
    /// The peer refused what we offered in our hello (its handshake_failure or similar alert).
    PeerRejectedHello = 9,
    /// The peer refused our certificate.
    PeerRejectedCertificate = 10,
    /// The peer requires a certificate from us and we sent none.
    CertificateRequired = 11,
    /// The peer sent a fatal alert not covered by the causes above.
    PeerAlert = 12,
    /// The peer closed the connection before answering our first message.
    ClosedBeforeHello = 13,
    /// The peer closed the connection during the handshake without an alert.
    ClosedDuringHandshake = 14,
    /// The peer does not speak TLS (an HTTP server or client, or something else).
    NotTls = 15,
    /// The transport failed (an operating-system error).
    IoError = 16,
    /// The peer broke the protocol (a malformed or unexpected message, a bad signature...).
    ProtocolViolation = 17,
    /// Signs of a man in the middle: a downgrade or an inappropriate fallback.
    Interception = 18,
    /// Our own configuration or a local failure.
    LocalProblem = 19,
}

impl Cause {
    /// A stable identifier for bindings and logs.
    pub fn name(self) -> &'static str {
        match self {
            Cause::NoCommonVersion => "no_common_version",
            Cause::NoCommonCipherSuite => "no_common_cipher_suite",
            Cause::NoCommonGroup => "no_common_group",
            Cause::CertificateExpired => "certificate_expired",
            Cause::CertificateNotYetValid => "certificate_not_yet_valid",
            Cause::CertificateNameMismatch => "certificate_name_mismatch",
            Cause::CertificateUnknownIssuer => "certificate_unknown_issuer",
            Cause::CertificateInvalid => "certificate_invalid",
            Cause::PeerRejectedHello => "peer_rejected_hello",
            Cause::PeerRejectedCertificate => "peer_rejected_certificate",
            Cause::CertificateRequired => "certificate_required",
            Cause::PeerAlert => "peer_alert",
            Cause::ClosedBeforeHello => "closed_before_hello",
            Cause::ClosedDuringHandshake => "closed_during_handshake",
            Cause::NotTls => "not_tls",
            Cause::IoError => "io_error",
            Cause::ProtocolViolation => "protocol_violation",
            Cause::Interception => "interception",
            Cause::LocalProblem => "local_problem",
        }
    }

    pub const ALL: &'static [Cause] = &[
        Cause::NoCommonVersion,
        Cause::NoCommonCipherSuite,
        Cause::NoCommonGroup,
        Cause::CertificateExpired,
        Cause::CertificateNotYetValid,
        Cause::CertificateNameMismatch,
        Cause::CertificateUnknownIssuer,
        Cause::CertificateInvalid,
        Cause::PeerRejectedHello,
        Cause::PeerRejectedCertificate,
        Cause::CertificateRequired,
        Cause::PeerAlert,
        Cause::ClosedBeforeHello,
        Cause::ClosedDuringHandshake,
        Cause::NotTls,
        Cause::IoError,
        Cause::ProtocolViolation,
        Cause::Interception,
        Cause::LocalProblem,
    ];
}

/// The versions, suites and groups one side put forward.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OfferSummary {
    pub versions: Vec<ProtocolVersion>,
    pub suites: Vec<CipherSuite>,
    pub groups: Vec<NamedGroup>,
}

impl OfferSummary {
    /// What a ClientHello offers, GREASE left out.
    pub fn from_client_hello(ch: &ClientHello) -> Self {
        let versions = match ch.supported_versions() {
            Some(list) => list.to_vec(),
            None => vec![ch.legacy_version],
        };
        OfferSummary {
            versions: versions
                .into_iter()
                .filter(|v| !crate::msgs::enums::is_grease(v.0))
                .collect(),
            suites: ch
                .cipher_suites
                .iter()
                .copied()
                .filter(|s| {
                    !crate::msgs::enums::is_grease(s.0)
                        && *s != CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV
                        && *s != CipherSuite::TLS_FALLBACK_SCSV
                })
                .collect(),
            groups: ch
                .groups()
                .unwrap_or(&[])
                .iter()
                .copied()
                .filter(|g| !crate::msgs::enums::is_grease(g.0))
                .collect(),
        }
    }

    /// What a configuration accepts (a server's side of the comparison).
    pub fn from_config(config: &crate::config::Config) -> Self {
        let mut versions = Vec::new();
        let mut suites = Vec::new();
        if config.supports_version(ProtocolVersion::TLSV1_3) {
            versions.push(ProtocolVersion::TLSV1_3);
            suites.extend_from_slice(&config.tls13_suites);
        }
        if config.supports_version(ProtocolVersion::TLSV1_2) {
            versions.push(ProtocolVersion::TLSV1_2);
            suites.extend_from_slice(&config.tls12_suites);
        }
        OfferSummary {
            versions,
            suites,
            groups: config.groups.clone(),
        }
    }

    pub fn versions_text(&self) -> String {
        list(self.versions.iter().map(|v| version_name(*v)))
    }

    pub fn suites_text(&self) -> String {
        list(self.suites.iter().map(|s| suite_name(*s)))
    }

    pub fn groups_text(&self) -> String {
        list(self.groups.iter().map(|g| crate::config::group_name(*g)))
    }
}

fn list(items: impl Iterator<Item = impl Into<String>>) -> String {
    let v: Vec<String> = items.map(Into::into).collect();
    if v.is_empty() {
        "nothing".to_string()
    } else {
        v.join(", ")
    }
}

/// OpenSSL's spelling: TLSv1.3, TLSv1.0, SSLv3.
pub fn version_name(v: ProtocolVersion) -> String {
    match v.0 {
        0x0300 => "SSLv3".to_string(),
        0x0301 => "TLSv1.0".to_string(),
        0x0302 => "TLSv1.1".to_string(),
        0x0303 => "TLSv1.2".to_string(),
        0x0304 => "TLSv1.3".to_string(),
        n => format!("0x{n:04x}"),
    }
}

fn suite_name(s: CipherSuite) -> String {
    match crate::suites::lookup(s) {
        Some(info) => info.openssl_name.to_string(),
        None => s
            .name()
            .map_or_else(|| format!("0x{:04X}", s.0), str::to_string),
    }
}

/// How the transport ended while the connection waited for the peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportEnd {
    /// End of file without close_notify.
    Eof,
    /// An operating-system error (errno).
    Error(i32),
}

/// What the handshake noted for a later diagnosis.
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    /// A client's offer as sent.
    pub our_offer: Option<OfferSummary>,
    /// What the client offered, on a server.
    pub peer_offer: Option<OfferSummary>,
    /// The state (step) when the peer's fatal alert arrived.
    pub alert_step: Option<&'static str>,
    /// How and in which state the transport ended, if it did.
    pub transport_end: Option<(TransportEnd, &'static str)>,
    /// The name a client expected in the server's certificate.
    pub expected_name: Option<String>,
    /// Whether we answered a certificate request with no certificate.
    pub sent_empty_certificate: bool,
}

/// No evidence: what [`EvidenceBox`] reads as before anything was noted.
static NO_EVIDENCE: Evidence = Evidence {
    our_offer: None,
    peer_offer: None,
    alert_step: None,
    transport_end: None,
    expected_name: None,
    sent_empty_certificate: false,
};

/// [`Evidence`] in a box made on the first note and dropped once the handshake completed
/// ([`EvidenceBox::clear`]; a diagnosis is only about a handshake that failed), so an idle
/// connection holds a pointer instead of some 250 bytes. Reads and writes go through `Deref`.
#[derive(Clone, Debug, Default)]
pub struct EvidenceBox(Option<Box<Evidence>>);

impl EvidenceBox {
    /// Forgets the evidence (the handshake completed).
    pub fn clear(&mut self) {
        self.0 = None;
    }
}

impl std::ops::Deref for EvidenceBox {
    type Target = Evidence;
    fn deref(&self) -> &Evidence {
        self.0.as_deref().unwrap_or(&NO_EVIDENCE)
    }
}

impl std::ops::DerefMut for EvidenceBox {
    fn deref_mut(&mut self) -> &mut Evidence {
        self.0.get_or_insert_with(Box::default)
    }
}

/// The certificate a verification failure is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateEvidence {
    pub subject: String,
    pub issuer: String,
    pub not_before: i64,
    pub not_after: i64,
    /// DNS names and addresses it is valid for (subjectAltName, else the common name).
    pub names: Vec<String>,
}

/// A diagnosis: the cause, the sentence for people, and the evidence for programs.
#[derive(Clone, Debug)]
pub struct Diagnosis {
    pub cause: Cause,
    pub text: String,
    pub alert_sent: Option<AlertDescription>,
    pub alert_received: Option<AlertDescription>,
    /// The handshake step where it failed (our state name).
    pub step: &'static str,
    pub our_offer: Option<OfferSummary>,
    pub peer_offer: Option<OfferSummary>,
    pub certificate: Option<CertificateEvidence>,
    pub expected_name: Option<String>,
    /// `X509_V_*` of the peer's chain.
    pub verify_result: i64,
    /// Seconds since the epoch when the diagnosis was made (for "now" in clock advice).
    pub now: i64,
    /// errno of a transport failure.
    pub os_error: Option<i32>,
}

fn now_secs() -> i64 {
    pki_types::UnixTime::now().as_secs() as i64
}

/// A step in words: the message we were waiting for.
pub fn step_words(state: &str) -> String {
    let rest = state
        .strip_prefix("TLS client read ")
        .or_else(|| state.strip_prefix("TLS server read "));
    match rest {
        Some("server hello") | Some("server hello after retry") => "ServerHello".to_string(),
        Some("client hello") | Some("second client hello") => "ClientHello".to_string(),
        Some("encrypted extensions") => "EncryptedExtensions".to_string(),
        Some("server certificate") | Some("client certificate") => "Certificate".to_string(),
        Some("server certificate verify")
        | Some("client certificate verify")
        | Some("certificate verify") => "CertificateVerify".to_string(),
        Some("server key exchange") => "ServerKeyExchange".to_string(),
        Some("server done") => "ServerHelloDone".to_string(),
        Some("client key exchange") => "ClientKeyExchange".to_string(),
        Some("change cipher spec") => "ChangeCipherSpec".to_string(),
        Some("server finished") | Some("client finished") => "Finished".to_string(),
        Some(other) => other.to_string(),
        None => state.to_string(),
    }
}

fn alert_words(desc: AlertDescription) -> String {
    match desc.name() {
        Some(n) => format!("{n} ({})", desc.0),
        None => format!("{}", desc.0),
    }
}

/// The certificate a verification result concerns: for date problems the first one whose
/// dates are wrong, for issuer problems the top of the chain, else the leaf.
fn certificate_evidence(chain: &[Vec<u8>], code: i64, now: i64) -> Option<CertificateEvidence> {
    let certs: Vec<crate::x509::Certificate> = chain
        .iter()
        .filter_map(|der| crate::x509::Certificate::from_der(der).ok())
        .collect();
    let chosen = match code {
        x509_v::ERR_CERT_HAS_EXPIRED => certs.iter().find(|c| c.not_after() < now),
        x509_v::ERR_CERT_NOT_YET_VALID => certs.iter().find(|c| c.not_before() > now),
        x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT
        | x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        | x509_v::ERR_SELF_SIGNED_CERT_IN_CHAIN
        | x509_v::ERR_CERT_UNTRUSTED => certs.last(),
        _ => None,
    }
    .or(certs.first())?;
    let mut names: Vec<String> = chosen.dns_names().map(str::to_string).collect();
    names.extend(chosen.ip_addresses().filter_map(|b| match b.len() {
        4 => Some(std::net::IpAddr::from(<[u8; 4]>::try_from(b).ok()?).to_string()),
        16 => Some(std::net::IpAddr::from(<[u8; 16]>::try_from(b).ok()?).to_string()),
        _ => None,
    }));
    if names.is_empty() {
        names.extend(chosen.subject().common_name());
    }
    Some(CertificateEvidence {
        subject: chosen.subject().rfc2253(),
        issuer: chosen.issuer().rfc2253(),
        not_before: chosen.not_before(),
        not_after: chosen.not_after(),
        names,
    })
}

/// Explains why the handshake failed; `None` when it has not failed. `state` is the current
/// handshake step.
/// The facts of a connection a diagnosis reads: what was negotiated, what was seen on the way,
/// and how the connection ended.
pub struct Facts<'a> {
    pub role: Role,
    pub config: &'a Config,
    pub info: &'a Negotiated,
    pub evidence: &'a Evidence,
    pub handshake_complete: bool,
    pub alert_sent: Option<AlertDescription>,
    pub alert_received: Option<AlertDescription>,
}

pub fn diagnose(cx: &Facts<'_>, error: Option<&Error>, state: &'static str) -> Option<Diagnosis> {
    let transport_end = cx.evidence.transport_end;
    if cx.handshake_complete || (error.is_none() && transport_end.is_none()) {
        return None;
    }
    let now = now_secs();
    let our_offer = match cx.role {
        Role::Client => cx.evidence.our_offer.clone(),
        Role::Server => Some(OfferSummary::from_config(cx.config)),
    };
    let mut d = Diagnosis {
        cause: Cause::LocalProblem,
        text: String::new(),
        alert_sent: cx.alert_sent,
        alert_received: cx.alert_received,
        step: cx.evidence.alert_step.unwrap_or(state),
        our_offer,
        peer_offer: cx.evidence.peer_offer.clone(),
        certificate: None,
        expected_name: cx.evidence.expected_name.clone(),
        verify_result: cx.info.verify_result,
        now,
        os_error: None,
    };
    let peer = match cx.role {
        Role::Client => "server",
        Role::Server => "client",
    };
    if let Some(desc) = cx.alert_received {
        diagnose_peer_alert(cx, &mut d, desc, peer);
    } else if let Some(e) = error {
        diagnose_error(cx, &mut d, e, peer);
    } else if let Some((end, end_state)) = transport_end {
        d.step = end_state;
        diagnose_transport_end(cx, &mut d, end, end_state, peer);
    }
    Some(d)
}

fn offer_words(offer: Option<&OfferSummary>) -> String {
    match offer {
        Some(o) => format!(
            "versions {}; suites {}; groups {}",
            o.versions_text(),
            o.suites_text(),
            o.groups_text()
        ),
        None => "nothing recorded".to_string(),
    }
}

fn diagnose_peer_alert(cx: &Facts<'_>, d: &mut Diagnosis, desc: AlertDescription, peer: &str) {
    use AlertDescription as A;
    let step = step_words(d.step);
    let during_hello = cx.info.version.is_none();
    let ours = d.our_offer.as_ref();
    let alert = alert_words(desc);
    let (cause, text) = match desc {
        A::PROTOCOL_VERSION => (
            Cause::NoCommonVersion,
            format!(
                "no common protocol version: the {peer} sent alert {alert} during {step}; we \
                 offer {}",
                ours.map_or_else(|| "nothing recorded".into(), |o| o.versions_text())
            ),
        ),
        A::HANDSHAKE_FAILURE | A::INSUFFICIENT_SECURITY if during_hello => (
            Cause::PeerRejectedHello,
            match cx.role {
                Role::Client => format!(
                    "the {peer} sent alert {alert} during {step}: it found nothing acceptable \
                     in our ClientHello ({}); most likely no common cipher suite or group, or \
                     it requires something we do not offer",
                    offer_words(ours)
                ),
                Role::Server => format!(
                    "the {peer} sent alert {alert} during {step}: it found nothing acceptable in \
                     our ServerHello"
                ),
            },
        ),
        A::CERTIFICATE_REQUIRED => (
            Cause::CertificateRequired,
            format!(
                "the {peer} requires a client certificate (alert {alert} during {step}); \
                 configure one"
            ),
        ),
        A::HANDSHAKE_FAILURE if cx.evidence.sent_empty_certificate => (
            Cause::CertificateRequired,
            format!(
                "the {peer} sent alert {alert} during {step} after we answered its certificate \
                 request with no certificate: it probably requires one"
            ),
        ),
        A::BAD_CERTIFICATE
        | A::UNSUPPORTED_CERTIFICATE
        | A::CERTIFICATE_REVOKED
        | A::CERTIFICATE_EXPIRED
        | A::CERTIFICATE_UNKNOWN
        | A::UNKNOWN_CA
        | A::ACCESS_DENIED => (
            Cause::PeerRejectedCertificate,
            format!(
                "the {peer} rejected our certificate with alert {alert} during {step}{}",
                match desc {
                    A::UNKNOWN_CA => ": it does not trust the CA that issued it",
                    A::CERTIFICATE_EXPIRED => {
                        ": it considers it expired (check its dates and both clocks)"
                    }
                    A::ACCESS_DENIED => ": the certificate is valid but not allowed in",
                    _ => "",
                }
            ),
        ),
        A::UNKNOWN_PSK_IDENTITY => (
            Cause::PeerAlert,
            format!(
                "the {peer} does not know our PSK identity{} (alert {alert} during {step}): the \
                 two ends are configured with different PSK identities",
                psk_identity_words(cx)
            ),
        ),
        A::DECRYPT_ERROR | A::BAD_RECORD_MAC if in_psk_handshake(cx) => (
            Cause::PeerAlert,
            format!(
                "the {peer} could not verify our Finished (alert {alert} during {step}): it most \
                 likely holds a different key for our PSK identity{}",
                psk_identity_words(cx)
            ),
        ),
        A::INAPPROPRIATE_FALLBACK => (
            Cause::Interception,
            format!(
                "the {peer} sent alert {alert}: it saw a version fallback it should not have, \
                 which points at something interfering with the first attempt"
            ),
        ),
        _ => (
            Cause::PeerAlert,
            format!(
                "the {peer} sent alert {alert} during {step}{}",
                match desc {
                    A::DECODE_ERROR | A::ILLEGAL_PARAMETER | A::UNEXPECTED_MESSAGE => {
                        ": it considers one of our messages malformed or out of place"
                    }
                    A::DECRYPT_ERROR | A::BAD_RECORD_MAC => {
                        ": a signature, Finished or record failed to verify on its side"
                    }
                    A::UNRECOGNIZED_NAME => ": it does not serve the name we asked for (SNI)",
                    A::NO_APPLICATION_PROTOCOL => {
                        ": no common application protocol (ALPN)"
                    }
                    A::INTERNAL_ERROR => ": a failure on its side",
                    _ => "",
                }
            ),
        ),
    };
    d.cause = cause;
    d.text = text;
}

/// A TLS 1.2 PSK key exchange (or a TLS 1.3 external PSK) was under way.
fn in_psk_handshake(cx: &Facts<'_>) -> bool {
    cx.info.psk_identity.is_some() && !cx.handshake_complete
}

/// " \"ID\"" for the PSK identity in use, or nothing.
fn psk_identity_words(cx: &Facts<'_>) -> String {
    cx.info
        .psk_identity
        .as_ref()
        .map_or_else(String::new, |id| {
            format!(" {:?}", String::from_utf8_lossy(id))
        })
}

fn diagnose_error(cx: &Facts<'_>, d: &mut Diagnosis, e: &Error, peer: &str) {
    let theirs = d.peer_offer.as_ref();
    let ours = d.our_offer.as_ref();
    let (cause, text) = match e.reason {
        Reason::UNSUPPORTED_PROTOCOL => match cx.role {
            Role::Server => (
                Cause::NoCommonVersion,
                format!(
                    "no common protocol version: we offer {}; peer offered {}",
                    ours.map_or_else(|| "nothing".into(), |o| o.versions_text()),
                    theirs.map_or_else(|| "nothing recorded".into(), |o| o.versions_text()),
                ),
            ),
            Role::Client => (
                Cause::NoCommonVersion,
                format!(
                    "no common protocol version: we offer {}; {}",
                    ours.map_or_else(|| "nothing".into(), |o| o.versions_text()),
                    e.detail
                ),
            ),
        },
        Reason::NO_SHARED_CIPHER | Reason::WRONG_CIPHER_RETURNED => (
            Cause::NoCommonCipherSuite,
            format!(
                "no common cipher suite: peer offered [{}]; we allow [{}]",
                theirs.map_or_else(|| "not recorded".into(), |o| o.suites_text()),
                ours.map_or_else(|| "nothing".into(), |o| o.suites_text()),
            ),
        ),
        Reason::NO_SHARED_GROUPS | Reason::NO_SUITABLE_GROUPS | Reason::NO_SUITABLE_KEY_SHARE => (
            Cause::NoCommonGroup,
            format!(
                "no common key exchange group: peer offered [{}]; we allow [{}]",
                theirs.map_or_else(|| "not recorded".into(), |o| o.groups_text()),
                ours.map_or_else(|| "nothing".into(), |o| o.groups_text()),
            ),
        ),
        Reason::CERTIFICATE_VERIFY_FAILED => diagnose_certificate(cx, d, e, peer),
        // OCSP stapling: the application's status callback refused the stapled response.
        Reason::INVALID_STATUS_RESPONSE => (
            Cause::CertificateInvalid,
            format!(
                "the {peer}'s certificate failed its OCSP status check (stapling, RFC 6066): {}; {}",
                e.detail,
                if e.detail.contains("revoked") {
                    format!("the {peer} presents a revoked certificate and must be given a new one")
                } else {
                    format!("the {peer}'s OCSP stapling setup may be broken")
                }
            ),
        ),
        Reason::PSK_IDENTITY_NOT_FOUND => (
            Cause::LocalProblem,
            match cx.role {
                Role::Server => format!(
                    "{}: the client and this server are configured with different PSK \
                     identities",
                    e.detail
                ),
                Role::Client => format!(
                    "{}: configure a key (and identity) for this server",
                    e.detail
                ),
            },
        ),
        Reason::DECRYPTION_FAILED_OR_BAD_RECORD_MAC if in_psk_handshake(cx) => (
            Cause::ProtocolViolation,
            format!(
                "the {peer}'s Finished did not decrypt: it most likely uses a different key for \
                 the PSK identity{} than we do (the identities match, the keys do not)",
                psk_identity_words(cx)
            ),
        ),
        Reason::PEER_DID_NOT_RETURN_A_CERTIFICATE => (
            Cause::CertificateRequired,
            format!("the {peer} sent no certificate and we require one"),
        ),
        Reason::HTTP_REQUEST | Reason::HTTPS_PROXY_REQUEST => (Cause::NotTls, e.detail.clone()),
        Reason::WRONG_VERSION_NUMBER if cx.info.version.is_none() => (
            Cause::NotTls,
            match cx.role {
                Role::Client => format!(
                    "{}; the server may speak plain HTTP or another protocol at this port",
                    e.detail
                ),
                Role::Server => e.detail.clone(),
            },
        ),
        // Our policy refused a peer that did nothing wrong (RFC 7627 5.2 lets us).
        Reason::EXTENDED_MASTER_SECRET_REQUIRED => (
            Cause::LocalProblem,
            format!(
                "the {peer} uses TLS 1.2 without the extended master secret (RFC 7627); that is \
                 allowed by the protocol, but this {us} requires it by policy (RFC 9325). To \
                 accept such peers, opt in with SSL_CTX_set_allow_no_ems / SSL_set_allow_no_ems \
                 (tlsserver -allow_no_ems, tlsclient -allow_no_ems)",
                us = match cx.role {
                    Role::Client => "client",
                    Role::Server => "server",
                }
            ),
        ),
        Reason::DOWNGRADE_DETECTED | Reason::INAPPROPRIATE_FALLBACK => (
            Cause::Interception,
            format!(
                "{}; something between us and the {peer} may be interfering with the connection",
                e.detail
            ),
        ),
        _ if e.alert.is_some() && e.alert != Some(AlertDescription::INTERNAL_ERROR) => (
            Cause::ProtocolViolation,
            format!(
                "the {peer} broke the protocol during {}: {} (we sent alert {})",
                step_words(d.step),
                e.detail,
                alert_words(e.alert.expect("checked"))
            ),
        ),
        _ => (Cause::LocalProblem, e.detail.clone()),
    };
    d.cause = cause;
    d.text = text;
}

fn diagnose_certificate(
    cx: &Facts<'_>,
    d: &mut Diagnosis,
    e: &Error,
    peer: &str,
) -> (Cause, String) {
    let code = cx.info.verify_result;
    let cert = certificate_evidence(&cx.info.peer_chain, code, d.now);
    d.certificate = cert.clone();
    let now = d.now;
    let whose = if cert.as_ref().is_some_and(|c| {
        cx.info
            .peer_chain
            .first()
            .and_then(|der| crate::x509::Certificate::from_der(der).ok())
            .is_some_and(|leaf| leaf.subject().rfc2253() == c.subject)
    }) {
        format!("{peer} certificate")
    } else {
        format!("certificate in the {peer}'s chain")
    };
    match (code, cert) {
        (x509_v::ERR_CERT_HAS_EXPIRED, Some(c)) => (
            Cause::CertificateExpired,
            format!(
                "{whose} '{}' expired on {} (now {}); if the certificate is current, check this \
                 machine's clock",
                c.subject,
                iso_date(c.not_after),
                iso_date(now)
            ),
        ),
        (x509_v::ERR_CERT_NOT_YET_VALID, Some(c)) => (
            Cause::CertificateNotYetValid,
            format!(
                "{whose} '{}' is not yet valid: valid from {} (now {}); this machine's clock may \
                 be behind",
                c.subject,
                iso_date(c.not_before),
                iso_date(now)
            ),
        ),
        (x509_v::ERR_HOSTNAME_MISMATCH | x509_v::ERR_IP_ADDRESS_MISMATCH, Some(c)) => (
            Cause::CertificateNameMismatch,
            format!(
                "certificate for {} does not match the requested name {}",
                if c.names.is_empty() {
                    "no name".to_string()
                } else {
                    c.names.join(", ")
                },
                d.expected_name.as_deref().unwrap_or("(none)")
            ),
        ),
        (
            x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT
            | x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
            | x509_v::ERR_DEPTH_ZERO_SELF_SIGNED_CERT
            | x509_v::ERR_SELF_SIGNED_CERT_IN_CHAIN
            | x509_v::ERR_CERT_UNTRUSTED,
            Some(c),
        ) => (
            Cause::CertificateUnknownIssuer,
            format!(
                "unknown issuer '{}': a TLS-inspecting proxy or antivirus may be intercepting \
                 the connection, or the CA bundle is missing it",
                c.issuer
            ),
        ),
        (_, _) => (
            Cause::CertificateInvalid,
            format!("the {peer}'s certificate is not acceptable: {}", e.detail),
        ),
    }
}

fn diagnose_transport_end(
    cx: &Facts<'_>,
    d: &mut Diagnosis,
    end: TransportEnd,
    state: &'static str,
    peer: &str,
) {
    let first = match cx.role {
        Role::Client => "ServerHello",
        Role::Server => "ClientHello",
    };
    let before_hello = cx.info.version.is_none() && d.peer_offer.is_none();
    match end {
        TransportEnd::Error(errno) => {
            d.os_error = Some(errno);
            d.cause = Cause::IoError;
            d.text = format!(
                "the connection failed during {}: {}",
                step_words(state),
                std::io::Error::from_raw_os_error(errno)
            );
        }
        TransportEnd::Eof if before_hello => {
            d.cause = Cause::ClosedBeforeHello;
            d.text = match cx.role {
                Role::Client => format!(
                    "connection closed by peer before {first} (no TLS server at this port?)"
                ),
                Role::Server => {
                    format!("connection closed by the {peer} before {first} (not a TLS client?)")
                }
            };
        }
        TransportEnd::Eof => {
            d.cause = Cause::ClosedDuringHandshake;
            d.text = format!(
                "the {peer} closed the connection during {} without an alert: it may have \
                 rejected something silently, or a middlebox cut the connection",
                step_words(state)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::config::VerifyMode;
    use crate::conn::Connection;
    use crate::testing::{client_config as client, new_client, new_server, run, verifying_server};
    use crate::verify::PeerIdentity;
    use std::sync::Arc;

    /// A server that trusts the test root but does not ask for client certificates.
    fn server(cert: &str) -> Config {
        verifying_server(cert, VerifyMode::NONE)
    }

    fn pair(client_config: Config, server_config: Config) -> (Connection, Connection) {
        let mut c = new_client(client_config);
        let mut s = new_server(server_config);
        let _ = run(&mut c, &mut s);
        (c, s)
    }

    #[test]
    fn no_common_version_names_both_lists() {
        let mut cc = client();
        cc.min_version = ProtocolVersion::TLSV1_3;
        let mut sc = server("server-ecdsa-p256");
        sc.max_version = ProtocolVersion::TLSV1_2;
        let (c, s) = pair(cc, sc);
        let sd = s.diagnosis().unwrap();
        assert_eq!(sd.cause, Cause::NoCommonVersion);
        assert_eq!(
            sd.text,
            "no common protocol version: we offer TLSv1.2; peer offered TLSv1.3"
        );
        assert_eq!(sd.alert_sent, Some(AlertDescription::PROTOCOL_VERSION));
        let cd = c.diagnosis().unwrap();
        assert_eq!(cd.cause, Cause::NoCommonVersion);
        assert_eq!(cd.alert_received, Some(AlertDescription::PROTOCOL_VERSION));
        assert!(cd.text.contains("we offer TLSv1.3"), "{}", cd.text);
    }

    #[test]
    fn no_common_suite_names_both_lists_and_the_client_sees_a_refused_hello() {
        let mut cc = client();
        cc.min_version = ProtocolVersion::TLSV1_3;
        cc.tls13_suites = vec![CipherSuite::TLS13_AES_128_GCM_SHA256];
        let mut sc = server("server-ecdsa-p256");
        sc.tls13_suites = vec![CipherSuite::TLS13_CHACHA20_POLY1305_SHA256];
        sc.tls12_suites.clear();
        let (c, s) = pair(cc, sc);
        let sd = s.diagnosis().unwrap();
        assert_eq!(sd.cause, Cause::NoCommonCipherSuite, "{}", sd.text);
        assert!(
            sd.text.starts_with(
                "no common cipher suite: peer offered [TLS_AES_128_GCM_SHA256]; we allow [TLS_CHACHA20_POLY1305_SHA256"
            ),
            "{}",
            sd.text
        );
        let cd = c.diagnosis().unwrap();
        assert_eq!(cd.cause, Cause::PeerRejectedHello);
        assert!(
            cd.text.starts_with(
                "the server sent alert handshake_failure (40) during ServerHello: it found nothing \
                 acceptable in our ClientHello (versions TLSv1.3; suites TLS_AES_128_GCM_SHA256;"
            ),
            "{}",
            cd.text
        );
    }

    #[test]
    fn expired_certificate_gives_dates_and_clock_advice() {
        let (c, s) = pair(client(), server("expired-localhost"));
        let cd = c.diagnosis().unwrap();
        assert_eq!(cd.cause, Cause::CertificateExpired);
        assert!(
            cd.text
                .starts_with("server certificate 'CN=localhost' expired on 2021-01-01 (now "),
            "{}",
            cd.text
        );
        assert!(cd.text.ends_with("check this machine's clock"));
        assert_eq!(cd.alert_sent, Some(AlertDescription::CERTIFICATE_EXPIRED));
        let sd = s.diagnosis().unwrap();
        assert_eq!(sd.cause, Cause::PeerRejectedCertificate);
        assert!(sd.text.contains("certificate_expired (45)"), "{}", sd.text);
    }

    #[test]
    fn not_yet_valid_certificate_says_the_clock_may_be_behind() {
        let (c, _) = pair(client(), server("notyetvalid-localhost"));
        let cd = c.diagnosis().unwrap();
        assert_eq!(cd.cause, Cause::CertificateNotYetValid);
        assert!(cd.text.contains("valid from 2120-01-01"), "{}", cd.text);
        assert!(cd.text.ends_with("this machine's clock may be behind"));
    }

    #[test]
    fn name_mismatch_names_both_names() {
        let (c, _) = pair(client(), server("wrong-name"));
        let cd = c.diagnosis().unwrap();
        assert_eq!(cd.cause, Cause::CertificateNameMismatch);
        assert_eq!(
            cd.text,
            "certificate for wrong.example does not match the requested name localhost"
        );
    }

    #[test]
    fn unknown_issuer_suggests_interception() {
        let (c, s) = pair(client(), server("untrusted-localhost"));
        let cd = c.diagnosis().unwrap();
        assert_eq!(cd.cause, Cause::CertificateUnknownIssuer);
        assert!(
            cd.text
                .starts_with("unknown issuer 'CN=Untrusted Root': a TLS-inspecting proxy"),
            "{}",
            cd.text
        );
        assert_eq!(cd.alert_sent, Some(AlertDescription::UNKNOWN_CA));
        let sd = s.diagnosis().unwrap();
        assert_eq!(sd.cause, Cause::PeerRejectedCertificate);
    }

    #[test]
    fn eof_before_server_hello_suggests_no_tls_server() {
        let mut c = Connection::new_client(
            Arc::new(client()),
            crate::conn::ClientOptions {
                server_name: None,
                verify_identity: PeerIdentity::parse("localhost"),
            },
        );
        c.start().unwrap();
        assert!(c.diagnosis().is_none());
        c.note_transport_end(TransportEnd::Eof);
        let d = c.diagnosis().unwrap();
        assert_eq!(d.cause, Cause::ClosedBeforeHello);
        assert_eq!(
            d.text,
            "connection closed by peer before ServerHello (no TLS server at this port?)"
        );
    }

    #[test]
    fn http_instead_of_tls_is_named() {
        let mut s = new_server(server("server-ecdsa-p256"));
        s.start().unwrap();
        assert!(s.read_tls(b"GET / HTTP/1.1\r\n\r\n").is_err());
        let d = s.diagnosis().unwrap();
        assert_eq!(d.cause, Cause::NotTls);
        assert!(d.text.contains("HTTP"), "{}", d.text);
    }

    #[test]
    fn a_successful_handshake_has_no_diagnosis() {
        let (c, s) = pair(client(), server("server-ecdsa-p256"));
        assert!(c.diagnosis().is_none());
        assert!(s.diagnosis().is_none());
    }

    #[test]
    fn every_cause_has_a_distinct_name() {
        let mut names: Vec<&str> = Cause::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Cause::ALL.len());
    }
}
