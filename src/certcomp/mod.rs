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
//!
//! Besides the built-in algorithms, an application may plug in its own ([`CustomAlgorithm`],
//! BoringSSL's `SSL_CTX_add_cert_compression_alg`): those are offered and preferred first, in
//! the order added, ahead of the built-in ones (whose order `preference` still sets); a custom
//! algorithm with a built-in's id replaces it. Their output is sent even when it is not smaller
//! (the application chose the algorithm), is never cached (the callbacks see the connection),
//! and a failing compress callback means the plain Certificate. Decompressing is bounded the
//! same way: `uncompressed_length` is checked against the limit before the callback runs, and
//! output of any other length is `bad_certificate`.

pub mod alg;

pub use alg::*;

use crate::codec::Writer;
use crate::config::Config;
use crate::error::{Error, Reason, Result};
use crate::msgs::compressed_cert::CompressedCertificate;
use crate::msgs::enums::{CertCompressionAlgorithm as Alg, ExtensionType, HandshakeType};
use crate::msgs::handshake::{CertificateTls13, MAX_HANDSHAKE_BODY_LEN};
use std::sync::Arc;

/// The custom algorithm `alg` that compresses (`compress`) or decompresses.
fn custom(config: &Config, alg: Alg, compress: bool) -> Option<&Arc<dyn CustomAlgorithm>> {
    let list = &config.cert_compression.custom;
    let can = |a: &Arc<dyn CustomAlgorithm>| match compress {
        true => a.can_compress(),
        false => a.can_decompress(),
    };
    list.iter()
        .find(|c| c.id == alg && can(&c.algorithm))
        .map(|c| &c.algorithm)
}

/// The algorithms we list in our compress_certificate extension (ClientHello or
/// CertificateRequest); empty means no extension (`SSL_OP_NO_RX_CERTIFICATE_COMPRESSION`).
pub fn receive_algorithms(config: &Config) -> Vec<Alg> {
    if config.options.no_receive_compressed_certificate {
        return Vec::new();
    }
    let mut algs: Vec<Alg> = config
        .cert_compression
        .custom
        .iter()
        .map(|c| c.id)
        .collect();
    let builtin = match &config.cert_compression.preference {
        Some(p) => p.as_slice(),
        None => &SUPPORTED[..],
    };
    for &a in builtin {
        if !algs.contains(&a) {
            algs.push(a);
        }
    }
    algs
}

/// The algorithm to compress our Certificate with for a peer that listed `peer_algs`, or
/// `None` (`SSL_OP_NO_TX_CERTIFICATE_COMPRESSION`, nothing in common). With a configured
/// preference ours decides, else the peer's order, as in OpenSSL.
pub fn choose_for_sending(config: &Config, peer_algs: &[Alg]) -> Option<Alg> {
    if config.options.no_send_compressed_certificate {
        return None;
    }
    let mut custom = config.cert_compression.custom.iter();
    if let Some(c) = custom.find(|c| c.algorithm.can_compress() && peer_algs.contains(&c.id)) {
        return Some(c.id);
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
    if let Some(c) = custom(config, alg, true) {
        let Some(compressed) = c.compress(&body) else {
            return Ok((plain()?, None));
        };
        let message = CompressedCertificate {
            algorithm: alg,
            uncompressed_length: u32::try_from(body.len())
                .map_err(|_| Error::internal("certificate message too long"))?,
            compressed,
        }
        .encode()?;
        return Ok((message, Some(alg)));
    }
    let cacheable = cert.context.is_empty() && !cert.entries.is_empty();
    let cache = &config.cert_compression.cache;
    let message = match cacheable.then(|| cache.lookup(alg, &body)).flatten() {
        Some(m) => m,
        None => {
            // Compressing is optional: should it fail (no thread to compress on), the plain
            // Certificate does.
            let Ok(m) = cache.compress_message(alg, &body) else {
                return Ok((plain()?, None));
            };
            let m = Arc::new(m);
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
    config: &Config,
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
    let plain = match custom(config, m.algorithm, false) {
        Some(c) => match c.decompress(&m.compressed, expected) {
            Some(out) if out.len() == expected => out,
            Some(out) => {
                return Err(bad_certificate(format!(
                    "the custom {:?} decompressor made {} bytes, not the {expected} the \
                     uncompressed_length says",
                    m.algorithm,
                    out.len()
                )))
            }
            None => {
                return Err(bad_certificate(format!(
                    "the {:?}-compressed certificate does not decompress",
                    m.algorithm
                )))
            }
        },
        None => decompress(m.algorithm, &m.compressed, expected)?,
    };
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
    use std::sync::atomic::Ordering;

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
        let c = Config::default();
        let err = receive_certificate(&c, &SUPPORTED, &body, 100_000).unwrap_err();
        assert_eq!(err.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
        assert_eq!(err.reason, Reason::EXCESSIVE_MESSAGE_SIZE);
        let err = receive_certificate(&c, &[Alg::BROTLI], &body, 1 << 24).unwrap_err();
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
        c.options.no_send_compressed_certificate = true;
        assert_eq!(choose_for_sending(&c, &peer), None);
        c.options.no_receive_compressed_certificate = true;
        assert!(receive_algorithms(&c).is_empty());
    }

    /// A test algorithm: a one-byte tag before the data; records whether decompress ran.
    struct Tagged {
        fail_compress: bool,
        extra_out: usize,
        decompressed: std::sync::atomic::AtomicBool,
    }

    impl CustomAlgorithm for Tagged {
        fn compress(&self, data: &[u8]) -> Option<Vec<u8>> {
            (!self.fail_compress).then(|| [&[0xAA][..], data].concat())
        }
        fn decompress(&self, compressed: &[u8], _len: usize) -> Option<Vec<u8>> {
            self.decompressed.store(true, Ordering::Relaxed);
            let mut out = compressed.strip_prefix(&[0xAA][..])?.to_vec();
            out.resize(out.len() + self.extra_out, 0);
            Some(out)
        }
    }

    fn with_custom(id: u16, fail_compress: bool, extra_out: usize) -> (Config, Arc<Tagged>) {
        let t = Arc::new(Tagged {
            fail_compress,
            extra_out,
            decompressed: Default::default(),
        });
        let mut c = Config::default();
        c.cert_compression.custom.push(Custom {
            id: Alg(id),
            algorithm: t.clone(),
        });
        (c, t)
    }

    fn sample_cert() -> CertificateTls13 {
        let body = handshake_certificate_body(&[vec![0x30, 3, 1, 2, 3]]).unwrap();
        CertificateTls13::decode_body(&mut crate::codec::Reader::new(&body)).unwrap()
    }

    #[test]
    fn custom_algorithms_come_first_and_round_trip_even_when_larger() {
        let (mut c, t) = with_custom(0xff02, false, 0);
        assert_eq!(receive_algorithms(&c)[..2], [Alg(0xff02), Alg::BROTLI]);
        c.cert_compression.preference = Some(vec![Alg::ZLIB]);
        assert_eq!(receive_algorithms(&c), [Alg(0xff02), Alg::ZLIB]);
        assert_eq!(
            choose_for_sending(&c, &[Alg::ZLIB, Alg(0xff02)]),
            Some(Alg(0xff02))
        );
        assert_eq!(choose_for_sending(&c, &[Alg::ZLIB]), Some(Alg::ZLIB));
        let cert = sample_cert();
        let (msg, alg) = certificate_message(&c, &cert, &[Alg(0xff02)]).unwrap();
        assert_eq!(alg, Some(Alg(0xff02)));
        assert_eq!(msg[0], HandshakeType::COMPRESSED_CERTIFICATE.0);
        assert_eq!(c.cert_compression.cache.compressions(), 0);
        let (got, alg) = receive_certificate(&c, &[Alg(0xff02)], &msg[4..], 1 << 16).unwrap();
        assert_eq!(alg, Alg(0xff02));
        assert!(t.decompressed.load(Ordering::Relaxed));
        assert_eq!(got.entries.len(), cert.entries.len());
    }

    #[test]
    fn failing_custom_compress_sends_plain() {
        let (c, _) = with_custom(0xff01, true, 0);
        let (msg, alg) = certificate_message(&c, &sample_cert(), &[Alg(0xff01)]).unwrap();
        assert_eq!(alg, None);
        assert_eq!(msg[0], HandshakeType::CERTIFICATE.0);
    }

    #[test]
    fn custom_output_of_wrong_length_is_bad_certificate() {
        let (c, _) = with_custom(0xff01, false, 0);
        let (msg, _) = certificate_message(&c, &sample_cert(), &[Alg(0xff01)]).unwrap();
        let (bad, _) = with_custom(0xff01, false, 1);
        let err = receive_certificate(&bad, &[Alg(0xff01)], &msg[4..], 1 << 16).unwrap_err();
        assert_eq!(err.alert, Some(AlertDescription::BAD_CERTIFICATE));
        assert_eq!(err.reason, Reason::BAD_DECOMPRESSION);
    }

    #[test]
    fn custom_decompress_is_not_called_past_the_limit() {
        let (c, t) = with_custom(0xff01, false, 0);
        let m = CompressedCertificate {
            algorithm: Alg(0xff01),
            uncompressed_length: 1 << 20,
            compressed: vec![0xAA; 8],
        };
        let mut w = Writer::new();
        m.encode_body(&mut w);
        let body = w.finish().unwrap();
        let err = receive_certificate(&c, &[Alg(0xff01)], &body, 1 << 16).unwrap_err();
        assert_eq!(err.reason, Reason::EXCESSIVE_MESSAGE_SIZE);
        assert!(!t.decompressed.load(Ordering::Relaxed));
    }
}
