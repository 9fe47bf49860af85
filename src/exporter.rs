//! Keying-material exporters: RFC 5705 for TLS 1.2, RFC 8446 7.5 for TLS 1.3. The handshake
//! leaves an [`Exporter`] in the connection once it completes; `SSL_export_keying_material`
//! (src/ffi/export.rs) derives from it.

use crate::crypto::hash::HashAlg;
use crate::crypto::secret::Secret;
use crate::crypto::{key_schedule, tls12};
use crate::error::{Error, Reason, Result};

/// What a completed handshake exports from.
pub enum Exporter {
    /// RFC 5705: the PRF of the suite over the master secret and both randoms.
    Tls12 {
        hash: HashAlg,
        master: Secret,
        client_random: [u8; 32],
        server_random: [u8; 32],
    },
    /// RFC 8446 7.5: the exporter_master_secret.
    Tls13 { hash: HashAlg, secret: Secret },
}

/// Labels RFC 5705 4 reserves for the TLS 1.2 key schedule itself (OpenSSL refuses them too,
/// SSL_R_TLS_ILLEGAL_EXPORTER_LABEL).
const RESERVED_TLS12_LABELS: &[&[u8]] = &[
    b"client finished",
    b"server finished",
    b"master secret",
    b"extended master secret",
    b"key expansion",
];

/// The longest label TLS 1.3 can carry: HkdfLabel's label is at most 255 bytes, "tls13 "
/// included (RFC 8446 7.1).
const MAX_TLS13_LABEL: usize = 249;

impl Exporter {
    /// `len` bytes for `label` and `context`. `None` is "no context", which TLS 1.2 tells from
    /// an empty one (RFC 5705 4) and TLS 1.3 does not (RFC 8446 7.5).
    pub fn export(&self, label: &[u8], context: Option<&[u8]>, len: usize) -> Result<Secret> {
        match self {
            Exporter::Tls12 {
                hash,
                master,
                client_random,
                server_random,
            } => {
                if RESERVED_TLS12_LABELS.iter().any(|r| label.starts_with(r)) {
                    return Err(Error::local(
                        Reason::TLS_ILLEGAL_EXPORTER_LABEL,
                        "the exporter label is one the TLS 1.2 key schedule uses (RFC 5705 4)",
                    ));
                }
                if len == 0 {
                    return Ok(Secret::new(Vec::new()));
                }
                tls12::export_keying_material(
                    *hash,
                    master,
                    label,
                    client_random,
                    server_random,
                    context,
                    len,
                )
            }
            Exporter::Tls13 { hash, secret } => export13(*hash, secret, label, context, len),
        }
    }
}

/// RFC 8446 7.5 from `secret` (the exporter or early exporter master secret).
pub fn export13(
    hash: HashAlg,
    secret: &[u8],
    label: &[u8],
    context: Option<&[u8]>,
    len: usize,
) -> Result<Secret> {
    if label.len() > MAX_TLS13_LABEL {
        return Err(Error::local(
            Reason::INVALID_ARGUMENT,
            format!("TLS 1.3 exporter labels are at most {MAX_TLS13_LABEL} bytes"),
        ));
    }
    if len > 255 * hash.output_len() {
        return Err(Error::local(
            Reason::INVALID_ARGUMENT,
            format!(
                "TLS 1.3 exports at most {} bytes with this suite's hash",
                255 * hash.output_len()
            ),
        ));
    }
    let out =
        key_schedule::export_keying_material(hash, secret, label, context.unwrap_or_default(), len);
    if out.len() != len {
        return Err(Error::internal("TLS 1.3 exporter derivation failed"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls12_reserved_labels_are_refused_and_context_none_differs_from_empty() {
        let e = Exporter::Tls12 {
            hash: HashAlg::Sha256,
            master: Secret::new(vec![7; 48]),
            client_random: [1; 32],
            server_random: [2; 32],
        };
        for label in RESERVED_TLS12_LABELS {
            let err = e.export(label, None, 16).unwrap_err();
            assert_eq!(err.reason, Reason::TLS_ILLEGAL_EXPORTER_LABEL);
        }
        let none = e.export(b"EXPERIMENTAL-x", None, 16).unwrap();
        let empty = e.export(b"EXPERIMENTAL-x", Some(b""), 16).unwrap();
        assert_ne!(&none[..], &empty[..]);
    }

    #[test]
    fn tls13_context_none_is_empty_and_limits_are_errors() {
        let e = Exporter::Tls13 {
            hash: HashAlg::Sha256,
            secret: Secret::new(vec![9; 32]),
        };
        let none = e.export(b"EXPERIMENTAL-x", None, 16).unwrap();
        let empty = e.export(b"EXPERIMENTAL-x", Some(b""), 16).unwrap();
        assert_eq!(&none[..], &empty[..]);
        assert!(e.export(&[b'x'; 250], None, 16).is_err());
        assert!(e.export(b"x", None, 255 * 32 + 1).is_err());
        assert_eq!(e.export(b"x", None, 0).unwrap().len(), 0);
    }
}
