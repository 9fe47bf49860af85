//! Certificate verification: webpki path building plus the mapping of its verdicts to OpenSSL's
//! `X509_V_*` codes and to the alert we send.

use crate::error::{Error, Reason};
use crate::msgs::enums::AlertDescription;
use pki_types::{CertificateDer, ServerName, SignatureVerificationAlgorithm, UnixTime};
use std::sync::Arc;

mod memo;
mod path;
mod store;
mod usage;
pub use memo::SignatureMemo;
pub use path::VerifiedChain;
pub use store::{CrlCheck, RootStore};
pub use usage::Usage;

/// OpenSSL's `X509_V_*` verification results that libtls reports, with the text
/// `X509_verify_cert_error_string` gives for each.
pub mod x509_v {
    macro_rules! codes {
        ($($name:ident = $val:expr => $text:expr,)*) => {
            $(pub const $name: i64 = $val;)*

            /// Every code by name, for the header and tests.
            pub const ALL: &[(&str, i64)] = &[$((stringify!($name), $val),)*];

            pub fn text(code: i64) -> &'static str {
                match code {
                    $($val => $text,)*
                    _ => "unknown certificate verification error",
                }
            }
        };
    }

    codes! {
        OK = 0 => "ok",
        ERR_UNSPECIFIED = 1 => "unspecified certificate verification error",
        ERR_UNABLE_TO_GET_ISSUER_CERT = 2 => "unable to get issuer certificate",
        ERR_UNABLE_TO_GET_CRL = 3 => "unable to get certificate CRL",
        ERR_CERT_SIGNATURE_FAILURE = 7 => "certificate signature failure",
        ERR_CERT_NOT_YET_VALID = 9 => "certificate is not yet valid",
        ERR_CERT_HAS_EXPIRED = 10 => "certificate has expired",
        ERR_CRL_HAS_EXPIRED = 12 => "CRL has expired",
        ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD = 13 => "format error in certificate's notBefore field",
        ERR_ERROR_IN_CERT_NOT_AFTER_FIELD = 14 => "format error in certificate's notAfter field",
        ERR_DEPTH_ZERO_SELF_SIGNED_CERT = 18 => "self-signed certificate",
        ERR_SELF_SIGNED_CERT_IN_CHAIN = 19 => "self-signed certificate in certificate chain",
        ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20 => "unable to get local issuer certificate",
        ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE = 21 => "unable to verify the first certificate",
        ERR_CERT_CHAIN_TOO_LONG = 22 => "certificate chain too long",
        ERR_CERT_REVOKED = 23 => "certificate revoked",
        ERR_INVALID_CA = 24 => "invalid CA certificate",
        ERR_PATH_LENGTH_EXCEEDED = 25 => "path length constraint exceeded",
        ERR_INVALID_PURPOSE = 26 => "unsuitable certificate purpose",
        ERR_CERT_UNTRUSTED = 27 => "certificate not trusted",
        ERR_CERT_REJECTED = 28 => "certificate rejected",
        ERR_INVALID_EXTENSION = 41 => "invalid or inconsistent certificate extension",
        ERR_PERMITTED_VIOLATION = 47 => "permitted subtree violation",
        ERR_APPLICATION_VERIFICATION = 50 => "application verification failure",
        ERR_HOSTNAME_MISMATCH = 62 => "hostname mismatch",
        ERR_IP_ADDRESS_MISMATCH = 64 => "IP address mismatch",
        ERR_EE_KEY_TOO_SMALL = 68 => "EE certificate key too weak",
        ERR_INVALID_CALL = 65 => "invalid certificate verification context",
    }
}

/// The identity a client expects the server to prove.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerIdentity {
    Dns(String),
    Ip(std::net::IpAddr),
    /// Several names and/or an address with OpenSSL's host flags (`SSL_add1_host`,
    /// `SSL_set_hostflags`, `X509_VERIFY_PARAM_set1_ip_asc`).
    Policy(HostPolicy),
}

/// OpenSSL's `X509_CHECK_FLAG_*` values for host-name checks.
pub mod host_flags {
    /// Also match the subject CN when there are DNS SANs; webpki never consults the CN.
    pub const ALWAYS_CHECK_SUBJECT: u32 = 0x1;
    /// Only exact SAN names match, never a wildcard.
    pub const NO_WILDCARDS: u32 = 0x2;
    /// No wildcards like `f*.example.com`; webpki accepts only a whole `*` label anyway.
    pub const NO_PARTIAL_WILDCARDS: u32 = 0x4;
    /// A wildcard matching several labels; webpki does not allow this, so it has no effect.
    pub const MULTI_LABEL_WILDCARDS: u32 = 0x8;
    /// `.example.com` matching subdomains; not supported, so it has no effect.
    pub const SINGLE_LABEL_SUBDOMAINS: u32 = 0x10;
    /// Never match the subject CN; webpki never does.
    pub const NEVER_CHECK_SUBJECT: u32 = 0x20;
}

/// What the server certificate must match when more than one plain name is involved: any one of
/// `hosts` (when there are some) and `ip` (when set), under `flags` ([`host_flags`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostPolicy {
    pub hosts: Vec<String>,
    pub ip: Option<std::net::IpAddr>,
    pub flags: u32,
}

impl HostPolicy {
    /// The simplest identity that means the same: one name without flags stays a plain name.
    pub fn into_identity(self) -> Option<PeerIdentity> {
        match (self.hosts.as_slice(), self.ip, self.flags) {
            ([], None, _) => None,
            ([], Some(ip), _) => Some(PeerIdentity::Ip(ip)),
            ([host], None, 0) => Some(PeerIdentity::Dns(host.clone())),
            _ => Some(PeerIdentity::Policy(self)),
        }
    }

    /// The names, comma separated, for messages.
    pub fn describe(&self) -> String {
        let mut parts = self.hosts.clone();
        parts.extend(self.ip.map(|ip| ip.to_string()));
        parts.join(", ")
    }
}

impl PeerIdentity {
    /// An IP literal becomes an IP identity; anything else a DNS name.
    pub fn parse(name: &str) -> Option<Self> {
        if let Ok(ip) = name.parse::<std::net::IpAddr>() {
            return Some(PeerIdentity::Ip(ip));
        }
        pki_types::DnsName::try_from(name).ok()?;
        Some(PeerIdentity::Dns(name.to_string()))
    }

    /// The expected name(s) as text, for messages and diagnosis.
    pub fn describe(&self) -> String {
        match self {
            PeerIdentity::Dns(name) => name.clone(),
            PeerIdentity::Ip(ip) => ip.to_string(),
            PeerIdentity::Policy(policy) => policy.describe(),
        }
    }
}

/// Why a chain was rejected: the `X509_V_*` code, the alert to send, and plain words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyFailure {
    pub code: i64,
    pub alert: AlertDescription,
    pub detail: String,
}

impl VerifyFailure {
    fn new(code: i64, alert: AlertDescription, detail: impl Into<String>) -> Self {
        VerifyFailure {
            code,
            alert,
            detail: detail.into(),
        }
    }

    pub fn into_error(self) -> Error {
        Error::protocol(
            self.alert,
            Reason::CERTIFICATE_VERIFY_FAILED,
            format!("{}: {}", x509_v::text(self.code), self.detail),
        )
    }
}

/// Verifies `chain` (leaf first) against `roots` at time `now`, then the leaf against `identity`.
/// On success returns the path webpki built, leaf to trust anchor (DER), which may differ from
/// what the peer sent (extra certificates dropped, the anchor added).
pub fn verify_chain(
    roots: &RootStore,
    chain: &[Vec<u8>],
    identity: Option<&PeerIdentity>,
    usage: Usage,
    now: UnixTime,
    max_depth: u32,
) -> std::result::Result<Vec<Vec<u8>>, VerifyFailure> {
    let (path, outcome) = check_path(roots, chain, identity, usage, now, max_depth);
    outcome.map(|()| path)
}

/// [`verify_chain`], also returning the path when verification fails: the path webpki built
/// when only the name check failed, else the path as far as it can be built
/// ([`path::partial_path`]), which always starts with the leaf.
fn check_path(
    roots: &RootStore,
    chain: &[Vec<u8>],
    identity: Option<&PeerIdentity>,
    usage: Usage,
    now: UnixTime,
    max_depth: u32,
) -> (Vec<Vec<u8>>, std::result::Result<(), VerifyFailure>) {
    let Some(leaf_der) = chain.first() else {
        let failure = VerifyFailure::new(
            x509_v::ERR_UNSPECIFIED,
            AlertDescription::BAD_CERTIFICATE,
            "the peer sent no certificate",
        );
        return (Vec::new(), Err(failure));
    };
    if chain.len() as u64 > max_depth as u64 + 1 {
        let failure = VerifyFailure::new(
            x509_v::ERR_CERT_CHAIN_TOO_LONG,
            AlertDescription::BAD_CERTIFICATE,
            format!(
                "the chain has {} certificates, more than the depth limit {max_depth} allows",
                chain.len()
            ),
        );
        return (path::partial_path(roots, chain), Err(failure));
    }
    let leaf_cert = CertificateDer::from(leaf_der.as_slice());
    let leaf = match webpki::EndEntityCert::try_from(&leaf_cert) {
        Ok(leaf) => leaf,
        Err(e) => {
            let failure = VerifyFailure::new(
                x509_v::ERR_UNSPECIFIED,
                AlertDescription::BAD_CERTIFICATE,
                format!("the leaf certificate cannot be parsed: {e}"),
            );
            return (vec![leaf_der.clone()], Err(failure));
        }
    };
    let intermediates: Vec<CertificateDer<'_>> = chain[1..]
        .iter()
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    let eku = match usage {
        Usage::ServerAuth => webpki::KeyUsage::server_auth(),
        Usage::ClientAuth => webpki::KeyUsage::client_auth(),
    };
    let remembering = roots.memo.wrap_for(usage, webpki::ALL_VERIFICATION_ALGS);
    let algs: Vec<&dyn SignatureVerificationAlgorithm> = remembering
        .iter()
        .map(|alg| alg as &dyn SignatureVerificationAlgorithm)
        .collect();
    let crls: Vec<&webpki::CertRevocationList<'_>> = roots.crls.iter().map(|c| &**c).collect();
    let revocation = match roots.crl_check {
        None => None,
        Some(check) => match webpki::RevocationOptionsBuilder::new(&crls) {
            Ok(builder) => Some(
                builder
                    .with_depth(match check {
                        CrlCheck::Leaf => webpki::RevocationCheckDepth::EndEntity,
                        CrlCheck::Chain => webpki::RevocationCheckDepth::Chain,
                    })
                    .with_status_policy(webpki::UnknownStatusPolicy::Deny)
                    .with_expiration_policy(webpki::ExpirationPolicy::Enforce)
                    .build(),
            ),
            Err(_) => {
                let failure = VerifyFailure::new(
                    x509_v::ERR_UNABLE_TO_GET_CRL,
                    AlertDescription::CERTIFICATE_UNKNOWN,
                    "CRL checking is on but no CRL is loaded",
                );
                return (path::partial_path(roots, chain), Err(failure));
            }
        },
    };
    let verified_path = match leaf.verify_for_usage(
        &algs,
        roots.anchors(),
        &intermediates,
        now,
        eku,
        revocation,
        None,
    ) {
        Ok(verified_path) => verified_path,
        Err(e) => {
            let partial = path::partial_path(roots, chain);
            let failure = map_webpki_error(&e, &partial);
            return (partial, Err(failure));
        }
    };
    let mut verified = vec![leaf_der.clone()];
    verified.extend(
        verified_path
            .intermediate_certificates()
            .map(|c| c.der().as_ref().to_vec()),
    );
    verified.extend(
        roots
            .certificate_of(verified_path.anchor())
            .map(<[u8]>::to_vec),
    );

    let outcome = match identity {
        Some(id) => check_identity(&leaf, leaf_der, id),
        None => Ok(()),
    };
    (verified, outcome)
}

/// Checks that the leaf is valid for the name or address the client asked for.
fn check_identity(
    leaf: &webpki::EndEntityCert<'_>,
    leaf_der: &[u8],
    id: &PeerIdentity,
) -> std::result::Result<(), VerifyFailure> {
    if let PeerIdentity::Policy(policy) = id {
        return check_policy(leaf, leaf_der, policy);
    }
    let name = match id {
        PeerIdentity::Dns(d) => ServerName::try_from(d.as_str())
            .map_err(|_| {
                VerifyFailure::new(
                    x509_v::ERR_HOSTNAME_MISMATCH,
                    AlertDescription::BAD_CERTIFICATE,
                    format!("'{d}' is not a valid host name"),
                )
            })?
            .to_owned(),
        PeerIdentity::Ip(ip) => ServerName::IpAddress((*ip).into()),
        PeerIdentity::Policy(_) => unreachable!("handled above"),
    };
    leaf.verify_is_valid_for_subject_name(&name).map_err(|_| {
        let (code, what) = match id {
            PeerIdentity::Dns(d) => (x509_v::ERR_HOSTNAME_MISMATCH, format!("host name {d}")),
            PeerIdentity::Ip(ip) => (x509_v::ERR_IP_ADDRESS_MISMATCH, format!("IP address {ip}")),
            PeerIdentity::Policy(p) => (x509_v::ERR_HOSTNAME_MISMATCH, p.describe()),
        };
        VerifyFailure::new(
            code,
            AlertDescription::BAD_CERTIFICATE,
            format!("the certificate is not valid for the requested {what}"),
        )
    })?;
    Ok(())
}

/// Like OpenSSL: any one of the host names must match, then the address, each failure with its
/// own code. `NO_WILDCARDS` keeps only a match by an exact SAN dNSName.
fn check_policy(
    leaf: &webpki::EndEntityCert<'_>,
    leaf_der: &[u8],
    policy: &HostPolicy,
) -> std::result::Result<(), VerifyFailure> {
    if !policy.hosts.is_empty() {
        let exact_names: Vec<String> = if policy.flags & host_flags::NO_WILDCARDS != 0 {
            crate::x509::Certificate::from_der(leaf_der)
                .map(|c| c.dns_names().map(normalize_dns_name).collect())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let matches = |host: &String| {
            let plain = check_identity(leaf, leaf_der, &PeerIdentity::Dns(host.clone())).is_ok();
            plain
                && (policy.flags & host_flags::NO_WILDCARDS == 0
                    || exact_names.contains(&normalize_dns_name(host)))
        };
        if !policy.hosts.iter().any(matches) {
            let wildcards_off = if policy.flags & host_flags::NO_WILDCARDS != 0 {
                " (wildcards not allowed)"
            } else {
                ""
            };
            return Err(VerifyFailure::new(
                x509_v::ERR_HOSTNAME_MISMATCH,
                AlertDescription::BAD_CERTIFICATE,
                format!(
                    "the certificate is not valid for the requested host name {}{wildcards_off}",
                    policy.hosts.join(" or ")
                ),
            ));
        }
    }
    if let Some(ip) = policy.ip {
        check_identity(leaf, leaf_der, &PeerIdentity::Ip(ip))?;
    }
    Ok(())
}

fn normalize_dns_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// One step of chain verification shown to the application's verify callback. As in OpenSSL,
/// the callback sees each certificate of the path from the trust anchor down to the leaf
/// (depth 0); a failure is shown at the depth it concerns with `preverify_ok` false.
pub struct VerifyEvent<'a> {
    /// The path being verified, leaf first (DER): the certificates webpki chained, ending with
    /// the trust anchor; after a failure, the path as far as it could be built. Certificates the
    /// peer sent that are not on the path are not in it.
    pub chain: &'a [Vec<u8>],
    pub depth: usize,
    pub preverify_ok: bool,
    /// The `X509_V_*` code of this step; the callback may change it, and the changed code is
    /// what the connection reports.
    pub error: i64,
}

impl VerifyEvent<'_> {
    pub fn current_cert(&self) -> Option<&[u8]> {
        self.chain.get(self.depth).map(Vec::as_slice)
    }
}

/// The application's verdict on one step: `true` accepts it (even a failed one), `false`
/// rejects the chain.
pub type VerifyCallback = std::sync::Arc<dyn Fn(&mut VerifyEvent<'_>) -> bool + Send + Sync>;

/// Asked for the trust anchors when a peer's chain is verified: `Some` replaces the
/// configuration's roots (an OpenSSL `X509_STORE` filled after the handshake began, as curl
/// does, is consulted at verification time as in OpenSSL).
pub type RootsSource = std::sync::Arc<dyn Fn() -> Option<Arc<RootStore>> + Send + Sync>;

/// How a chain verification ended once the application had its say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Accepted; the code is `X509_V_OK`, or the error a callback chose to overlook (OpenSSL
    /// still reports it through `SSL_get_verify_result`).
    Accepted(i64),
    Rejected(VerifyFailure),
}

/// Verifies `chain` like [`verify_chain`] and lets `callback`, when there is one, confirm or
/// override the verdict at each depth.
pub fn verify_chain_with_callback(
    roots: &RootStore,
    chain: &[Vec<u8>],
    identity: Option<&PeerIdentity>,
    usage: Usage,
    now: UnixTime,
    max_depth: u32,
    callback: Option<&VerifyCallback>,
) -> Verdict {
    verify_peer(roots, chain, identity, usage, now, max_depth, callback).verdict
}

/// A verification's verdict and the path it was about: leaf to trust anchor when webpki built
/// one, else as far as it could be built (at least the leaf; empty only without a certificate).
pub struct Checked {
    pub verdict: Verdict,
    pub verified_chain: Vec<Vec<u8>>,
}

/// [`verify_chain_with_callback`], also returning the path. The callback sees the path, not the
/// list the peer sent.
pub fn verify_peer(
    roots: &RootStore,
    chain: &[Vec<u8>],
    identity: Option<&PeerIdentity>,
    usage: Usage,
    now: UnixTime,
    max_depth: u32,
    callback: Option<&VerifyCallback>,
) -> Checked {
    let (path, outcome) = check_path(roots, chain, identity, usage, now, max_depth);
    let verdict = judge(outcome, &path, identity, now, callback);
    Checked {
        verdict,
        verified_chain: path,
    }
}

fn is_identity_failure(code: i64) -> bool {
    matches!(
        code,
        x509_v::ERR_HOSTNAME_MISMATCH | x509_v::ERR_IP_ADDRESS_MISMATCH
    )
}

/// The verdict once the callback, if any, has seen every depth of `chain` (the path).
fn judge(
    verdict: std::result::Result<(), VerifyFailure>,
    chain: &[Vec<u8>],
    identity: Option<&PeerIdentity>,
    now: UnixTime,
    callback: Option<&VerifyCallback>,
) -> Verdict {
    let Some(callback) = callback else {
        return match verdict {
            Ok(()) => Verdict::Accepted(x509_v::OK),
            Err(f) => Verdict::Rejected(f),
        };
    };
    if chain.is_empty() {
        return match verdict {
            Ok(()) => Verdict::Accepted(x509_v::OK),
            Err(f) => Verdict::Rejected(f),
        };
    }
    let mut failures: Vec<(usize, VerifyFailure)> = Vec::new();
    if let Err(f) = verdict {
        let path_failed = !is_identity_failure(f.code);
        failures.push((failure_depth(f.code, chain, now), f));
        // webpki stops at the first problem; a callback that overlooks a path failure must
        // still hear about a name mismatch, which OpenSSL checks afterwards.
        if path_failed {
            if let Some(id) = identity {
                if let Some(f) = identity_failure(chain, id) {
                    failures.push((0, f));
                }
            }
        }
    }
    let mut reported = x509_v::OK;
    for depth in (0..chain.len()).rev() {
        let at_depth: Vec<&VerifyFailure> = failures
            .iter()
            .filter(|(d, _)| *d == depth)
            .map(|(_, f)| f)
            .collect();
        let steps: Vec<Option<&VerifyFailure>> = if at_depth.is_empty() {
            vec![None]
        } else {
            at_depth.into_iter().map(Some).collect()
        };
        for failure in steps {
            let mut event = VerifyEvent {
                chain,
                depth,
                preverify_ok: failure.is_none(),
                error: failure.map_or(x509_v::OK, |f| f.code),
            };
            let accepted = callback(&mut event);
            if !accepted {
                return Verdict::Rejected(rejection(event.error, failure));
            }
            if event.error != x509_v::OK {
                reported = event.error;
            }
        }
    }
    Verdict::Accepted(reported)
}

/// The failure for a chain the callback rejected with `code`.
fn rejection(code: i64, original: Option<&VerifyFailure>) -> VerifyFailure {
    match original {
        Some(f) if f.code == code => f.clone(),
        _ => {
            // OpenSSL never fails a verification with X509_V_OK recorded.
            let code = if code == x509_v::OK {
                x509_v::ERR_UNSPECIFIED
            } else {
                code
            };
            VerifyFailure::new(
                code,
                alert_for_code(code),
                "the application's verify callback rejected the certificate",
            )
        }
    }
}

/// The alert OpenSSL sends for a verification result (its `ssl_x509err2alert`).
pub fn alert_for_code(code: i64) -> AlertDescription {
    use AlertDescription as A;
    match code {
        x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT
        | x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        | x509_v::ERR_DEPTH_ZERO_SELF_SIGNED_CERT
        | x509_v::ERR_SELF_SIGNED_CERT_IN_CHAIN
        | x509_v::ERR_CERT_UNTRUSTED
        | x509_v::ERR_INVALID_CA => A::UNKNOWN_CA,
        x509_v::ERR_CERT_SIGNATURE_FAILURE => A::DECRYPT_ERROR,
        x509_v::ERR_CERT_HAS_EXPIRED => A::CERTIFICATE_EXPIRED,
        x509_v::ERR_CERT_REVOKED => A::CERTIFICATE_REVOKED,
        x509_v::ERR_INVALID_PURPOSE => A::UNSUPPORTED_CERTIFICATE,
        x509_v::ERR_APPLICATION_VERIFICATION => A::HANDSHAKE_FAILURE,
        x509_v::ERR_CERT_NOT_YET_VALID
        | x509_v::ERR_CERT_CHAIN_TOO_LONG
        | x509_v::ERR_PATH_LENGTH_EXCEEDED
        | x509_v::ERR_HOSTNAME_MISMATCH
        | x509_v::ERR_IP_ADDRESS_MISMATCH
        | x509_v::ERR_CERT_REJECTED => A::BAD_CERTIFICATE,
        _ => A::CERTIFICATE_UNKNOWN,
    }
}

/// Where in the path a failure belongs: issuer problems at the top of the path built,
/// validity problems at the first certificate whose dates are wrong, the rest at the leaf.
fn failure_depth(code: i64, chain: &[Vec<u8>], now: UnixTime) -> usize {
    let top = chain.len().saturating_sub(1);
    match code {
        x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT
        | x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        | x509_v::ERR_SELF_SIGNED_CERT_IN_CHAIN
        | x509_v::ERR_CERT_CHAIN_TOO_LONG => top,
        x509_v::ERR_CERT_HAS_EXPIRED | x509_v::ERR_CERT_NOT_YET_VALID => {
            let now = now.as_secs() as i64;
            chain
                .iter()
                .position(|der| {
                    crate::x509::Certificate::from_der(der).is_ok_and(|c| {
                        if code == x509_v::ERR_CERT_HAS_EXPIRED {
                            c.not_after() < now
                        } else {
                            c.not_before() > now
                        }
                    })
                })
                .unwrap_or(0)
        }
        _ => 0,
    }
}

fn identity_failure(chain: &[Vec<u8>], id: &PeerIdentity) -> Option<VerifyFailure> {
    let leaf_der = chain.first()?;
    let der = CertificateDer::from(leaf_der.as_slice());
    let leaf = webpki::EndEntityCert::try_from(&der).ok()?;
    check_identity(&leaf, leaf_der, id).err()
}

/// The failure for webpki's error `e`; `path` is the path as far as it could be built.
fn map_webpki_error(e: &webpki::Error, path: &[Vec<u8>]) -> VerifyFailure {
    use webpki::Error as W;
    use AlertDescription as A;
    match e {
        W::UnknownRevocationStatus => VerifyFailure::new(
            x509_v::ERR_UNABLE_TO_GET_CRL,
            A::CERTIFICATE_UNKNOWN,
            "no CRL of the issuer is loaded to check a certificate's revocation status",
        ),
        W::CrlExpired { .. } => VerifyFailure::new(
            x509_v::ERR_CRL_HAS_EXPIRED,
            A::CERTIFICATE_UNKNOWN,
            "the CRL has expired",
        ),
        W::CertExpired { time, not_after } => VerifyFailure::new(
            x509_v::ERR_CERT_HAS_EXPIRED,
            A::CERTIFICATE_EXPIRED,
            format!(
                "a certificate expired at {} (now {})",
                not_after.as_secs(),
                time.as_secs()
            ),
        ),
        W::CertNotValidYet { time, not_before } => VerifyFailure::new(
            x509_v::ERR_CERT_NOT_YET_VALID,
            A::BAD_CERTIFICATE,
            format!(
                "a certificate is valid only from {} (now {})",
                not_before.as_secs(),
                time.as_secs()
            ),
        ),
        W::UnknownIssuer => {
            // As OpenSSL: the path ends at a self-signed certificate that is not trusted, or
            // at one whose issuer is nowhere to be found.
            let top_self_issued = path
                .last()
                .is_some_and(|c| crate::x509::is_self_issued_der(c));
            let code = if path.len() == 1 && top_self_issued {
                x509_v::ERR_DEPTH_ZERO_SELF_SIGNED_CERT
            } else if path.len() > 1 && top_self_issued {
                x509_v::ERR_SELF_SIGNED_CERT_IN_CHAIN
            } else {
                x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
            };
            VerifyFailure::new(
                code,
                A::UNKNOWN_CA,
                "the issuer is not among the trusted roots",
            )
        }
        W::InvalidSignatureForPublicKey
        | W::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => VerifyFailure::new(
            x509_v::ERR_CERT_SIGNATURE_FAILURE,
            A::DECRYPT_ERROR,
            format!("a certificate signature does not verify ({e})"),
        ),
        W::RequiredEkuNotFoundContext(_) => VerifyFailure::new(
            x509_v::ERR_INVALID_PURPOSE,
            A::UNSUPPORTED_CERTIFICATE,
            "the certificate is not valid for this purpose (extended key usage)",
        ),
        W::CaUsedAsEndEntity | W::EndEntityUsedAsCa => {
            VerifyFailure::new(x509_v::ERR_INVALID_CA, A::BAD_CERTIFICATE, format!("{e}"))
        }
        W::PathLenConstraintViolated => VerifyFailure::new(
            x509_v::ERR_PATH_LENGTH_EXCEEDED,
            A::BAD_CERTIFICATE,
            "path length constraint exceeded",
        ),
        W::MaximumPathDepthExceeded => VerifyFailure::new(
            x509_v::ERR_CERT_CHAIN_TOO_LONG,
            A::BAD_CERTIFICATE,
            "certificate chain too long",
        ),
        W::NameConstraintViolation => VerifyFailure::new(
            x509_v::ERR_PERMITTED_VIOLATION,
            A::BAD_CERTIFICATE,
            "name constraint violation",
        ),
        W::CertRevoked => VerifyFailure::new(
            x509_v::ERR_CERT_REVOKED,
            A::CERTIFICATE_REVOKED,
            "certificate revoked",
        ),
        W::UnsupportedSignatureAlgorithmContext(_) => VerifyFailure::new(
            x509_v::ERR_CERT_SIGNATURE_FAILURE,
            A::BAD_CERTIFICATE,
            format!("unsupported certificate signature algorithm ({e})"),
        ),
        other => VerifyFailure::new(
            x509_v::ERR_UNSPECIFIED,
            A::BAD_CERTIFICATE,
            format!("certificate rejected: {other}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    use crate::testing::{certs_in as pki_chain, pki};

    fn test_roots() -> RootStore {
        let mut roots = RootStore::default();
        roots.add_pem(&pki("root-ca.pem")).unwrap();
        roots
    }

    /// Runs verification with a callback that records every event and answers with `answer`.
    fn record(
        chain_file: &str,
        identity: Option<&str>,
        answer: fn(&VerifyEvent<'_>) -> bool,
    ) -> (Verdict, Vec<(usize, bool, i64)>) {
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        let callback: VerifyCallback = Arc::new(move |e: &mut VerifyEvent<'_>| {
            assert_eq!(e.current_cert(), Some(e.chain[e.depth].as_slice()));
            seen.lock()
                .unwrap()
                .push((e.depth, e.preverify_ok, e.error));
            answer(e)
        });
        let id = identity.and_then(PeerIdentity::parse);
        let verdict = verify_chain_with_callback(
            &test_roots(),
            &pki_chain(chain_file),
            id.as_ref(),
            Usage::ServerAuth,
            UnixTime::now(),
            100,
            Some(&callback),
        );
        let events = events.lock().unwrap().clone();
        (verdict, events)
    }

    #[test]
    fn callback_sees_each_depth_from_the_top_down() {
        let (verdict, events) = record("server-ecdsa-p256.chain.pem", Some("localhost"), |e| {
            e.preverify_ok
        });
        assert_eq!(verdict, Verdict::Accepted(x509_v::OK));
        // The trust anchor is depth 2, as in OpenSSL.
        assert_eq!(
            events,
            vec![
                (2, true, x509_v::OK),
                (1, true, x509_v::OK),
                (0, true, x509_v::OK)
            ]
        );
    }

    #[test]
    fn failure_is_shown_at_the_failing_certificate() {
        let (verdict, events) = record("expired-localhost.chain.pem", Some("localhost"), |e| {
            e.preverify_ok
        });
        assert!(
            matches!(verdict, Verdict::Rejected(ref f) if f.code == x509_v::ERR_CERT_HAS_EXPIRED)
        );
        assert_eq!(
            events,
            vec![
                (2, true, x509_v::OK),
                (1, true, x509_v::OK),
                (0, false, x509_v::ERR_CERT_HAS_EXPIRED)
            ]
        );
    }

    #[test]
    fn overriding_a_path_failure_still_reports_a_name_mismatch() {
        let (verdict, events) = record("expired-localhost.chain.pem", Some("other.test"), |_| true);
        assert_eq!(verdict, Verdict::Accepted(x509_v::ERR_HOSTNAME_MISMATCH));
        assert_eq!(
            events,
            vec![
                (2, true, x509_v::OK),
                (1, true, x509_v::OK),
                (0, false, x509_v::ERR_CERT_HAS_EXPIRED),
                (0, false, x509_v::ERR_HOSTNAME_MISMATCH),
            ]
        );
    }

    #[test]
    fn unknown_issuer_is_shown_at_the_top_of_the_chain() {
        let (verdict, events) = record("untrusted-localhost.chain.pem", None, |_| true);
        assert_eq!(
            verdict,
            Verdict::Accepted(x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)
        );
        assert_eq!(
            events,
            vec![(0, false, x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)]
        );
    }

    /// Verifies `chain_file` against `roots_file` with a callback that records (depth, subject
    /// of the certificate at that depth, error) and rejects when `pinned` is not at depth 1.
    fn pinning(
        chain_file: &str,
        roots_file: &str,
        pinned: Vec<u8>,
    ) -> (Checked, Vec<(usize, Vec<u8>, i64)>) {
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        let callback: VerifyCallback = Arc::new(move |e: &mut VerifyEvent<'_>| {
            let current = e.current_cert().unwrap().to_vec();
            seen.lock()
                .unwrap()
                .push((e.depth, current.clone(), e.error));
            e.preverify_ok && (e.depth != 1 || current == pinned)
        });
        let mut roots = RootStore::default();
        roots.add_pem(&pki(roots_file)).unwrap();
        let checked = verify_peer(
            &roots,
            &pki_chain(chain_file),
            PeerIdentity::parse("localhost").as_ref(),
            Usage::ServerAuth,
            UnixTime::now(),
            100,
            Some(&callback),
        );
        let events = events.lock().unwrap().clone();
        (checked, events)
    }

    #[test]
    fn a_pinned_certificate_sent_beside_the_path_does_not_satisfy_the_pin() {
        let sent = pki_chain("decoy-localhost.chain.pem");
        let pinned = pki_chain("pinned-intermediate-ca.pem").remove(0);
        assert_eq!(sent[1], pinned);
        let intermediate = pki_chain("intermediate-ca.pem").remove(0);
        let root = pki_chain("root-ca.pem").remove(0);
        let (checked, events) = pinning("decoy-localhost.chain.pem", "root-ca.pem", pinned);
        let Verdict::Rejected(f) = checked.verdict else {
            panic!("the decoy must not satisfy the pin");
        };
        assert_eq!(f.code, x509_v::ERR_UNSPECIFIED);
        assert_eq!(
            events,
            vec![
                (2, root.clone(), x509_v::OK),
                (1, intermediate.clone(), x509_v::OK)
            ]
        );
        assert_eq!(
            checked.verified_chain,
            vec![sent[0].clone(), intermediate, root]
        );
        // Pinning the real intermediate accepts.
        let real = pki_chain("intermediate-ca.pem").remove(0);
        let (checked, events) = pinning("decoy-localhost.chain.pem", "root-ca.pem", real);
        assert_eq!(checked.verdict, Verdict::Accepted(x509_v::OK));
        assert_eq!(events.len(), 3);
    }

    #[test]
    fn a_failed_path_is_shown_as_far_as_it_was_built() {
        // The root is not trusted: the path is the leaf and its issuer, the decoy is left out,
        // and the missing issuer is reported at the top of that path (depth 1).
        let sent = pki_chain("decoy-localhost.chain.pem");
        let anything = pki_chain("pinned-intermediate-ca.pem").remove(0);
        let (checked, events) = pinning(
            "decoy-localhost.chain.pem",
            "untrusted-root-ca.pem",
            anything,
        );
        assert!(matches!(
            checked.verdict,
            Verdict::Rejected(ref f) if f.code == x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        ));
        assert_eq!(
            events,
            vec![(
                1,
                sent[2].clone(),
                x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
            )]
        );
        assert_eq!(
            checked.verified_chain,
            vec![sent[0].clone(), sent[2].clone()]
        );
    }

    #[test]
    fn rejecting_a_good_chain_without_an_error_is_unspecified() {
        let (verdict, _) = record("server-ecdsa-p256.chain.pem", Some("localhost"), |_| false);
        let Verdict::Rejected(f) = verdict else {
            panic!("must be rejected");
        };
        assert_eq!(f.code, x509_v::ERR_UNSPECIFIED);
        assert_eq!(f.alert, AlertDescription::CERTIFICATE_UNKNOWN);
    }

    #[test]
    fn without_a_callback_the_verdict_stands() {
        let v = verify_chain_with_callback(
            &test_roots(),
            &pki_chain("wrong-name.chain.pem"),
            PeerIdentity::parse("localhost").as_ref(),
            Usage::ServerAuth,
            UnixTime::now(),
            100,
            None,
        );
        assert!(matches!(v, Verdict::Rejected(f) if f.code == x509_v::ERR_HOSTNAME_MISMATCH));
    }

    fn plain(chain_file: &str, identity: Option<PeerIdentity>) -> Checked {
        verify_peer(
            &test_roots(),
            &pki_chain(chain_file),
            identity.as_ref(),
            Usage::ServerAuth,
            UnixTime::now(),
            100,
            None,
        )
    }

    fn rejection_code(checked: &Checked) -> Option<(i64, AlertDescription)> {
        match &checked.verdict {
            Verdict::Rejected(f) => Some((f.code, f.alert)),
            Verdict::Accepted(_) => None,
        }
    }

    #[test]
    fn verified_chain_runs_from_the_leaf_to_the_anchor() {
        let checked = plain(
            "server-ecdsa-p256.chain.pem",
            PeerIdentity::parse("localhost"),
        );
        assert_eq!(checked.verdict, Verdict::Accepted(x509_v::OK));
        let sent = pki_chain("server-ecdsa-p256.chain.pem");
        let root = pki_chain("root-ca.pem");
        assert_eq!(
            checked.verified_chain,
            vec![sent[0].clone(), sent[1].clone(), root[0].clone()]
        );
    }

    #[test]
    fn a_name_mismatch_keeps_the_verified_path() {
        let checked = plain("wrong-name.chain.pem", PeerIdentity::parse("localhost"));
        assert_eq!(
            rejection_code(&checked),
            Some((
                x509_v::ERR_HOSTNAME_MISMATCH,
                AlertDescription::BAD_CERTIFICATE
            ))
        );
        assert_eq!(checked.verified_chain.len(), 3);
    }

    #[test]
    fn wrong_extended_key_usage_is_an_invalid_purpose() {
        let checked = plain(
            "wrong-eku-localhost.chain.pem",
            PeerIdentity::parse("localhost"),
        );
        assert_eq!(
            rejection_code(&checked),
            Some((
                x509_v::ERR_INVALID_PURPOSE,
                AlertDescription::UNSUPPORTED_CERTIFICATE
            ))
        );
        // The path as far as it was built, as OpenSSL reports it: leaf, intermediate, root.
        assert_eq!(checked.verified_chain.len(), 3);
    }

    #[test]
    fn a_self_signed_leaf_is_depth_zero_self_signed() {
        let checked = plain(
            "selfsigned-localhost.chain.pem",
            PeerIdentity::parse("localhost"),
        );
        assert_eq!(
            rejection_code(&checked),
            Some((
                x509_v::ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
                AlertDescription::UNKNOWN_CA
            ))
        );
    }

    fn policy(hosts: &[&str], ip: Option<&str>, flags: u32) -> Option<PeerIdentity> {
        HostPolicy {
            hosts: hosts.iter().map(|h| h.to_string()).collect(),
            ip: ip.map(|i| i.parse().unwrap()),
            flags,
        }
        .into_identity()
    }

    #[test]
    fn any_one_of_several_host_names_may_match() {
        let id = policy(&["other.test", "localhost"], None, 0);
        assert!(matches!(id, Some(PeerIdentity::Policy(_))));
        let checked = plain("server-ecdsa-p256.chain.pem", id);
        assert_eq!(checked.verdict, Verdict::Accepted(x509_v::OK));
        let checked = plain(
            "server-ecdsa-p256.chain.pem",
            policy(&["a.test", "b.test"], None, 0),
        );
        assert_eq!(
            rejection_code(&checked).map(|c| c.0),
            Some(x509_v::ERR_HOSTNAME_MISMATCH)
        );
    }

    #[test]
    fn no_wildcards_accepts_only_exact_names() {
        let chain = "wildcard-example.chain.pem";
        assert_eq!(
            plain(chain, policy(&["www.example.test"], None, 0)).verdict,
            Verdict::Accepted(x509_v::OK)
        );
        let flags = host_flags::NO_WILDCARDS;
        assert_eq!(
            rejection_code(&plain(chain, policy(&["www.example.test"], None, flags))).map(|c| c.0),
            Some(x509_v::ERR_HOSTNAME_MISMATCH)
        );
        assert_eq!(
            plain(chain, policy(&["EXACT.example.test."], None, flags)).verdict,
            Verdict::Accepted(x509_v::OK)
        );
    }

    #[test]
    fn an_address_is_checked_besides_the_names() {
        let chain = "server-ecdsa-p256.chain.pem";
        assert_eq!(
            plain(chain, policy(&["localhost"], Some("127.0.0.1"), 0)).verdict,
            Verdict::Accepted(x509_v::OK)
        );
        assert_eq!(
            rejection_code(&plain(chain, policy(&["localhost"], Some("10.0.0.1"), 0))).map(|c| c.0),
            Some(x509_v::ERR_IP_ADDRESS_MISMATCH)
        );
        assert_eq!(
            policy(&[], Some("::1"), 0),
            Some(PeerIdentity::Ip("::1".parse().unwrap()))
        );
        assert_eq!(policy(&[], None, 0), None);
    }

    fn verify_at(roots: &RootStore, chain: &[Vec<u8>], name: &str, now: UnixTime) -> i64 {
        let id = PeerIdentity::parse(name);
        match verify_chain(roots, chain, id.as_ref(), Usage::ServerAuth, now, 100) {
            Ok(_) => x509_v::OK,
            Err(f) => f.code,
        }
    }

    #[test]
    fn remembered_signatures_leave_every_other_check_to_each_connection() {
        let roots = test_roots();
        let chain = pki_chain("server-ecdsa-p256.chain.pem");
        let now = UnixTime::now();
        assert_eq!(verify_at(&roots, &chain, "localhost", now), x509_v::OK);
        // The leaf's and the intermediate's signatures.
        assert_eq!(roots.signature_memo().len(), 2);
        assert_eq!(verify_at(&roots, &chain, "localhost", now), x509_v::OK);
        assert_eq!(roots.signature_memo().len(), 2);
        // Copies of the store share what was learnt.
        let copy = roots.clone();
        assert_eq!(verify_at(&copy, &chain, "localhost", now), x509_v::OK);
        assert_eq!(roots.signature_memo().len(), 2);

        // Time, names and the signatures' bytes are still checked each time.
        let far_future = UnixTime::since_unix_epoch(std::time::Duration::from_secs(5_000_000_000));
        assert_eq!(
            verify_at(&roots, &chain, "localhost", far_future),
            x509_v::ERR_CERT_HAS_EXPIRED
        );
        assert_eq!(
            verify_at(&roots, &chain, "example.com", now),
            x509_v::ERR_HOSTNAME_MISMATCH
        );
        let mut tampered = chain.clone();
        let last = tampered[1].len() - 1;
        tampered[1][last] ^= 1;
        assert_ne!(verify_at(&roots, &tampered, "localhost", now), x509_v::OK);
        // Another store with other anchors does not accept the chain because of the memo.
        let mut other = RootStore::default();
        other.add_pem(&pki("untrusted-root-ca.pem")).unwrap();
        assert_ne!(verify_at(&other, &chain, "localhost", now), x509_v::OK);
    }
}
