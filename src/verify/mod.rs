//! Certificate verification: webpki path building plus the mapping of its verdicts to OpenSSL's
//! `X509_V_*` codes and to the alert we send.

use crate::error::{Error, Reason, Result};
use crate::msgs::enums::AlertDescription;
use pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};

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
        ERR_CERT_SIGNATURE_FAILURE = 7 => "certificate signature failure",
        ERR_CERT_NOT_YET_VALID = 9 => "certificate is not yet valid",
        ERR_CERT_HAS_EXPIRED = 10 => "certificate has expired",
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
        ERR_INVALID_PURPOSE = 26 => "unsupported certificate purpose",
        ERR_CERT_UNTRUSTED = 27 => "certificate not trusted",
        ERR_CERT_REJECTED = 28 => "certificate rejected",
        ERR_INVALID_EXTENSION = 41 => "invalid or inconsistent certificate extension",
        ERR_PERMITTED_VIOLATION = 47 => "permitted subtree violation",
        ERR_APPLICATION_VERIFICATION = 50 => "application verification failure",
        ERR_HOSTNAME_MISMATCH = 62 => "hostname mismatch",
        ERR_IP_ADDRESS_MISMATCH = 64 => "IP address mismatch",
        ERR_EE_KEY_TOO_SMALL = 66 => "EE certificate key too weak",
        ERR_INVALID_CALL = 69 => "invalid certificate verification context",
    }
}

/// Trust anchors.
#[derive(Default, Clone)]
pub struct RootStore {
    anchors: Vec<TrustAnchor<'static>>,
}

impl RootStore {
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Adds one DER certificate as a trust anchor.
    pub fn add_der(&mut self, der: &[u8]) -> Result<()> {
        let cert = CertificateDer::from(der);
        let anchor = webpki::anchor_from_trusted_cert(&cert).map_err(|e| {
            Error::local(
                Reason::X509_LIB,
                format!("cannot use certificate as a trust anchor: {e}"),
            )
        })?;
        self.anchors.push(anchor.to_owned());
        Ok(())
    }

    /// Adds every certificate of a PEM bundle; returns how many were added. Certificates that
    /// webpki cannot use as anchors are skipped, as a system bundle may hold a few odd ones.
    pub fn add_pem(&mut self, pem: &[u8]) -> Result<usize> {
        let mut added = 0;
        let mut rd = std::io::BufReader::new(pem);
        for item in rustls_pemfile::certs(&mut rd) {
            let der = item
                .map_err(|e| Error::local(Reason::BAD_PEM, format!("bad PEM certificate: {e}")))?;
            if self.add_der(der.as_ref()).is_ok() {
                added += 1;
            }
        }
        Ok(added)
    }

    pub fn anchors(&self) -> &[TrustAnchor<'static>] {
        &self.anchors
    }
}

/// The identity a client expects the server to prove.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerIdentity {
    Dns(String),
    Ip(std::net::IpAddr),
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

/// Which end we are verifying: servers prove serverAuth, clients clientAuth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    ServerAuth,
    ClientAuth,
}

/// Verifies `chain` (leaf first) against `roots` at time `now`, then the leaf against `identity`.
pub fn verify_chain(
    roots: &RootStore,
    chain: &[Vec<u8>],
    identity: Option<&PeerIdentity>,
    usage: Usage,
    now: UnixTime,
    max_depth: u32,
) -> std::result::Result<(), VerifyFailure> {
    let leaf_der = chain.first().ok_or_else(|| {
        VerifyFailure::new(
            x509_v::ERR_UNSPECIFIED,
            AlertDescription::BAD_CERTIFICATE,
            "the peer sent no certificate",
        )
    })?;
    if chain.len() as u64 > max_depth as u64 + 1 {
        return Err(VerifyFailure::new(
            x509_v::ERR_CERT_CHAIN_TOO_LONG,
            AlertDescription::BAD_CERTIFICATE,
            format!(
                "the chain has {} certificates, more than the depth limit {max_depth} allows",
                chain.len()
            ),
        ));
    }
    let leaf_cert = CertificateDer::from(leaf_der.as_slice());
    let leaf = webpki::EndEntityCert::try_from(&leaf_cert).map_err(|e| {
        VerifyFailure::new(
            x509_v::ERR_UNSPECIFIED,
            AlertDescription::BAD_CERTIFICATE,
            format!("the leaf certificate cannot be parsed: {e}"),
        )
    })?;
    let intermediates: Vec<CertificateDer<'_>> = chain[1..]
        .iter()
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    let eku = match usage {
        Usage::ServerAuth => webpki::KeyUsage::server_auth(),
        Usage::ClientAuth => webpki::KeyUsage::client_auth(),
    };
    leaf.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        roots.anchors(),
        &intermediates,
        now,
        eku,
        None,
        None,
    )
    .map_err(|e| map_webpki_error(&e, chain))?;

    if let Some(id) = identity {
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
        };
        leaf.verify_is_valid_for_subject_name(&name).map_err(|_| {
            let (code, what) = match id {
                PeerIdentity::Dns(d) => (x509_v::ERR_HOSTNAME_MISMATCH, format!("host name {d}")),
                PeerIdentity::Ip(ip) => {
                    (x509_v::ERR_IP_ADDRESS_MISMATCH, format!("IP address {ip}"))
                }
            };
            VerifyFailure::new(
                code,
                AlertDescription::BAD_CERTIFICATE,
                format!("the certificate is not valid for the requested {what}"),
            )
        })?;
    }
    Ok(())
}

fn map_webpki_error(e: &webpki::Error, chain: &[Vec<u8>]) -> VerifyFailure {
    use webpki::Error as W;
    use AlertDescription as A;
    match e {
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
            let code = if chain.len() == 1 && crate::x509::is_self_issued_der(&chain[0]) {
                x509_v::ERR_DEPTH_ZERO_SELF_SIGNED_CERT
            } else if chain.len() > 1
                && chain[1..]
                    .iter()
                    .any(|c| crate::x509::is_self_issued_der(c))
            {
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
