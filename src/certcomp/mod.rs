//! TLS certificate compression (RFC 8879), TLS 1.3 only: which algorithms we offer to
//! decompress, which one we compress with, the compressing and the bounded decompressing, and
//! the per-context cache of compressed Certificate messages. The algorithms, the settings and
//! the cache are [`alg`]'s (below the configuration, which holds them); this module decides
//! from a connection's configuration.
//!
//! Algorithms (all pure Rust): zlib (RFC 1950) through `miniz_oxide`, brotli (RFC 7932)
//! through `brotli`/`brotli-decompressor`, zstd (RFC 8878) through `ruzstd`.
//!
//! Receiving is bounded before any decompression: `uncompressed_length` may not exceed the
//! largest handshake message we accept (`SSL_CTX_set_max_cert_list`, at most 2^24-1), and the
//! decompressor is stopped one byte past `uncompressed_length`, so a compression bomb costs at
//! most that much memory; any mismatch is `bad_certificate` (RFC 8879 4).

pub mod alg;

pub use alg::*;

use crate::codec::Writer;
use crate::config::{ssl_options, Config};
use crate::error::{Error, Reason, Result};
use crate::msgs::compressed_cert::CompressedCertificate;
use crate::msgs::enums::{CertCompressionAlgorithm as Alg, ExtensionType, HandshakeType};
use crate::msgs::handshake::{CertificateTls13, MAX_HANDSHAKE_BODY_LEN};
use std::sync::Arc;

/// The algorithms we list in our compress_certificate extension (ClientHello or
/// CertificateRequest); empty means no extension (`SSL_OP_NO_RX_CERTIFICATE_COMPRESSION`).
pub fn receive_algorithms(config: &Config) -> Vec<Alg> {
    if config.has_option(ssl_options::NO_RX_CERTIFICATE_COMPRESSION) {
        return Vec::new();
    }
    match &config.cert_compression.preference {
        Some(p) => p.clone(),
        None => SUPPORTED.to_vec(),
    }
}

/// The algorithm to compress our Certificate with for a peer that listed `peer_algs`, or
/// `None` (`SSL_OP_NO_TX_CERTIFICATE_COMPRESSION`, nothing in common). With a configured
/// preference ours decides, else the peer's order, as in OpenSSL.
pub fn choose_for_sending(config: &Config, peer_algs: &[Alg]) -> Option<Alg> {
    if config.has_option(ssl_options::NO_TX_CERTIFICATE_COMPRESSION) {
        return None;
    }
    match &config.cert_compression.preference {
        Some(ours) => ours.iter().copied().find(|a| peer_algs.contains(a)),
        None => peer_algs.iter().copied().find(|a| is_supported(*a)),
    }
}

/// The Certificate message to send: a CompressedCertificate when the peer listed an algorithm
/// we can compress with and compressing makes it smaller, else the plain Certificate. Returns
/// the encoded message and the algorithm used. A Certificate with an empty request context
/// (every one in the handshake) is compressed once per context and algorithm.
pub fn certificate_message(
    config: &Config,
    cert: &CertificateTls13,
    peer_algs: &[Alg],
) -> Result<(Vec<u8>, Option<Alg>)> {
    let mut w = Writer::new();
    cert.encode_body(&mut w);
    let body = w.finish()?;
    let plain = || -> Result<Vec<u8>> {
        let mut w = Writer::with_capacity(body.len() + 4);
        w.u8(HandshakeType::CERTIFICATE.0);
        w.vec_u24(&body);
        Ok(w.finish()?)
    };
    let Some(alg) = choose_for_sending(config, peer_algs) else {
        return Ok((plain()?, None));
    };
    let cacheable = cert.context.is_empty() && !cert.entries.is_empty();
    let cache = &config.cert_compression.cache;
    let message = match cacheable.then(|| cache.lookup(alg, &body)).flatten() {
        Some(m) => m,
        None => {
            let m = Arc::new(cache.compress_message(alg, &body)?);
            if cacheable {
                cache.insert(alg, body.clone(), m.clone());
            }
            m
        }
    };
    if message.len() >= body.len() + 4 {
        return Ok((plain()?, None));
    }
    Ok((message.to_vec(), Some(alg)))
}

/// A peer's CompressedCertificate (`body`), decompressed and decoded as a TLS 1.3 Certificate.
/// `offered` is what our compress_certificate extension listed; `max_len` the largest
/// Certificate body we accept.
pub fn receive_certificate(
    offered: &[Alg],
    body: &[u8],
    max_len: usize,
) -> Result<(CertificateTls13, Alg)> {
    let m = CompressedCertificate::decode_body(body)?;
    if !offered.contains(&m.algorithm) {
        return Err(Error::illegal(
            Reason::BAD_VALUE,
            format!(
                "CompressedCertificate with algorithm {:?}, which we did not offer",
                m.algorithm
            ),
        ));
    }
    let expected = m.uncompressed_length as usize;
    let max = max_len.min(MAX_HANDSHAKE_BODY_LEN);
    if expected > max {
        // The alert of a plain Certificate over the limit (the deframer's), so the limit reads
        // the same whichever form the certificate came in.
        return Err(Error::illegal(
            Reason::EXCESSIVE_MESSAGE_SIZE,
            format!(
                "CompressedCertificate would decompress to {expected} bytes; we accept \
                 certificate messages of at most {max}"
            ),
        ));
    }
    let plain = decompress(m.algorithm, &m.compressed, expected)?;
    let mut r = crate::codec::Reader::new(&plain);
    let cert = CertificateTls13::decode_body(&mut r).map_err(|mut e| {
        e.detail = format!("decompressed certificate: {}", e.detail);
        e
    })?;
    if !r.is_empty() {
        return Err(Error::decode(format!(
            "decompressed certificate: {} trailing bytes",
            r.remaining()
        )));
    }
    Ok((cert, m.algorithm))
}

/// The algorithms a peer's compress_certificate extension lists (empty without one); a
/// malformed list is `decode_error`.
fn listed(data: Option<&[u8]>) -> Result<Vec<Alg>> {
    match data {
        Some(d) => crate::msgs::compressed_cert::decode_algorithms(d),
        None => Ok(Vec::new()),
    }
}

/// What a ClientHello's compress_certificate lists: the algorithms the client decompresses.
pub fn client_hello_algorithms(ch: &crate::msgs::handshake::ClientHello) -> Result<Vec<Alg>> {
    use crate::msgs::extensions::ClientExtension;
    listed(match ch.find(ExtensionType::COMPRESS_CERTIFICATE) {
        Some(ClientExtension::Unknown { data, .. }) => Some(data),
        _ => None,
    })
}

/// What a CertificateRequest's compress_certificate lists.
pub fn request_algorithms(
    req: &crate::msgs::handshake::CertificateRequestTls13,
) -> Result<Vec<Alg>> {
    use crate::msgs::extensions::CertificateRequestExtension;
    listed(match req.find(ExtensionType::COMPRESS_CERTIFICATE) {
        Some(CertificateRequestExtension::Unknown { data, .. }) => Some(data),
        _ => None,
    })
}

/// Our compress_certificate extension's data for a ClientHello or CertificateRequest, or
/// `None` when we offer nothing.
pub fn offer_data(config: &Config) -> Option<Vec<u8>> {
    let algs = receive_algorithms(config);
    (!algs.is_empty()).then(|| crate::msgs::compressed_cert::encode_algorithms(&algs))
}

/// The Certificate body a server sends for `chain` in a handshake (empty context, no entry
/// extensions): what `SSL_CTX_compress_certs` compresses ahead of time.
pub fn handshake_certificate_body(chain: &[Vec<u8>]) -> Result<Vec<u8>> {
    let cert = CertificateTls13 {
        context: Vec::new(),
        entries: chain
            .iter()
            .map(|c| {
                crate::msgs::handshake::CertificateEntry::new(pki_types::CertificateDer::from(
                    c.clone(),
                ))
            })
            .collect(),
    };
    let mut w = Writer::new();
    cert.encode_body(&mut w);
    Ok(w.finish()?)
}

/// Compresses every configured chain with `alg` (every supported algorithm when `None`) into
/// the context's cache, so no handshake pays for it (`SSL_CTX_compress_certs`).
pub fn precompress(config: &Config, alg: Option<Alg>) -> Result<usize> {
    let algs: Vec<Alg> = match alg {
        Some(a) if is_supported(a) => vec![a],
        Some(a) => {
            return Err(Error::local(
                Reason::BAD_VALUE,
                format!("certificate compression algorithm {a:?} is not supported"),
            ))
        }
        None => SUPPORTED.to_vec(),
    };
    let cache = &config.cert_compression.cache;
    let mut done = 0;
    for ck in &config.certs {
        let body = handshake_certificate_body(&ck.chain)?;
        for &a in &algs {
            if cache.lookup(a, &body).is_none() {
                let m = cache.compress_message(a, &body)?;
                cache.insert(a, body.clone(), Arc::new(m));
            }
            done += 1;
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::enums::AlertDescription;

    fn sample() -> Vec<u8> {
        let pem = std::fs::read("pki/server-rsa2048.chain.pem").unwrap_or_default();
        let mut v = pem.repeat(2);
        v.extend_from_slice(b"libtls certificate compression test");
        v
    }

    #[test]
    fn each_algorithm_round_trips() {
        let data = sample();
        for alg in SUPPORTED {
            let c = compress(alg, &data).unwrap();
            assert!(c.len() < data.len(), "{alg:?}");
            assert_eq!(decompress(alg, &c, data.len()).unwrap(), data, "{alg:?}");
        }
    }

    #[test]
    fn wrong_length_and_bombs_are_bad_certificate() {
        let data = vec![0u8; 1 << 20];
        for alg in SUPPORTED {
            let bomb = compress(alg, &data).unwrap();
            assert!(bomb.len() < 4096, "{alg:?} {}", bomb.len());
            for claimed in [100, data.len() - 1, data.len() + 1] {
                let err = decompress(alg, &bomb, claimed).unwrap_err();
                assert_eq!(
                    err.alert,
                    Some(AlertDescription::BAD_CERTIFICATE),
                    "{alg:?}"
                );
            }
            let err = decompress(alg, &[1, 2, 3, 4], 10).unwrap_err();
            assert_eq!(
                err.alert,
                Some(AlertDescription::BAD_CERTIFICATE),
                "{alg:?}"
            );
        }
    }

    #[test]
    fn over_limit_length_is_refused_before_decompressing() {
        // The compressed data is garbage: only the length check can have refused it.
        let m = CompressedCertificate {
            algorithm: Alg::ZLIB,
            uncompressed_length: 200_000,
            compressed: vec![0xff; 8],
        };
        let mut w = Writer::new();
        m.encode_body(&mut w);
        let body = w.finish().unwrap();
        let err = receive_certificate(&SUPPORTED, &body, 100_000).unwrap_err();
        assert_eq!(err.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
        assert_eq!(err.reason, Reason::EXCESSIVE_MESSAGE_SIZE);
        let err = receive_certificate(&[Alg::BROTLI], &body, 1 << 24).unwrap_err();
        assert_eq!(err.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
    }

    #[test]
    fn choice_follows_the_configured_or_the_peer_order() {
        let mut c = Config::default();
        let peer = [Alg(0x1234), Alg::ZSTD, Alg::ZLIB];
        assert_eq!(choose_for_sending(&c, &peer), Some(Alg::ZSTD));
        c.cert_compression.preference = Some(vec![Alg::ZLIB, Alg::ZSTD]);
        assert_eq!(choose_for_sending(&c, &peer), Some(Alg::ZLIB));
        assert_eq!(receive_algorithms(&c), [Alg::ZLIB, Alg::ZSTD]);
        c.options |= ssl_options::NO_TX_CERTIFICATE_COMPRESSION;
        assert_eq!(choose_for_sending(&c, &peer), None);
        c.options |= ssl_options::NO_RX_CERTIFICATE_COMPRESSION;
        assert!(receive_algorithms(&c).is_empty());
    }
}
