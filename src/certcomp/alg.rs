//! Certificate compression's algorithms (RFC 8879): compressing, the bounded decompressing,
//! and the per-context settings and cache of compressed Certificate messages. What a
//! connection offers and sends, from its configuration, is the parent module's.

use crate::error::{Error, Reason, Result};
use crate::msgs::compressed_cert::CompressedCertificate;
use crate::msgs::enums::{AlertDescription, CertCompressionAlgorithm as Alg};
use std::collections::VecDeque;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The algorithms libtls implements, in OpenSSL's default preference order.
pub const SUPPORTED: [Alg; 3] = [Alg::BROTLI, Alg::ZLIB, Alg::ZSTD];

/// Compressed messages a context keeps (a few chains times three algorithms is the usual need);
/// the oldest goes first.
const MAX_CACHED: usize = 32;

/// brotli's quality (0..=11) and window (log2 bytes): the best ratio, since a server's chain is
/// compressed once per context and algorithm.
const BROTLI_QUALITY: u32 = 11;
const BROTLI_WINDOW_LOG: u32 = 20;
/// zlib's level (0..=10 in miniz_oxide; 9 is zlib's best).
const ZLIB_LEVEL: u8 = 9;

pub fn is_supported(alg: Alg) -> bool {
    SUPPORTED.contains(&alg)
}

/// What a context configures about certificate compression.
#[derive(Clone, Default)]
pub struct CertCompression {
    /// `SSL_CTX_set1_cert_comp_preference`: the algorithms we offer, and compress with, in
    /// this order. `None`: [`SUPPORTED`] is offered and the peer's order decides what we send.
    pub preference: Option<Vec<Alg>>,
    /// Compressed Certificate messages already made, shared by the context and its
    /// connections.
    pub cache: Arc<CompressedCache>,
    /// Application-supplied algorithms, in preference order (ids distinct).
    pub custom: Vec<Custom>,
}

/// An algorithm the application implements (BoringSSL's `SSL_CTX_add_cert_compression_alg`).
/// `Any` lets the C face find its own implementation again to bind it to a connection.
pub trait CustomAlgorithm: Send + Sync + std::any::Any {
    /// `data` compressed, or `None` to send the Certificate uncompressed.
    fn compress(&self, data: &[u8]) -> Option<Vec<u8>>;
    /// `compressed` decompressed (`uncompressed_len`, already bounded, is what the peer
    /// declared), or `None` when it does not decompress.
    fn decompress(&self, compressed: &[u8], uncompressed_len: usize) -> Option<Vec<u8>>;
    /// Whether it compresses (else it is never chosen for sending).
    fn can_compress(&self) -> bool {
        true
    }
    /// Whether it decompresses (else it is not offered).
    fn can_decompress(&self) -> bool {
        true
    }
}

/// A custom algorithm and its id.
#[derive(Clone)]
pub struct Custom {
    pub id: Alg,
    pub algorithm: Arc<dyn CustomAlgorithm>,
}

/// Which algorithm compressed the certificates of a connection, per direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Used {
    /// The algorithm of the CompressedCertificate we sent, if we sent one.
    pub sent: Option<Alg>,
    /// The algorithm of the CompressedCertificate we received, if we received one.
    pub received: Option<Alg>,
}

/// The stack of the thread the compressors run on: brotli's encoder at quality 11 alone takes
/// some 40 KB of stack, the others several pages.
const COMPRESSOR_STACK: usize = 256 * 1024;

/// Compresses `data` with `alg`.
///
/// The compressors run on a short-lived thread of their own, with a stack of known size: a
/// chain is compressed once per context and algorithm (the result is cached), but on the
/// thread of whichever handshake needs it first, and an application may run its connections
/// in threads with small stacks (stunnel's are 64 KiB), which brotli's encoder would overflow
/// (issue 19). An error if no thread can be started; the caller then sends the Certificate
/// uncompressed.
pub fn compress(alg: Alg, data: &[u8]) -> Result<Vec<u8>> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("libtls-certcomp".into())
            .stack_size(COMPRESSOR_STACK)
            .spawn_scoped(scope, || compress_here(alg, data))
            .map_err(|e| Error::internal(format!("no thread to compress a certificate on: {e}")))?
            .join()
            .map_err(|_| Error::internal("certificate compression panicked"))?
    })
}

fn compress_here(alg: Alg, data: &[u8]) -> Result<Vec<u8>> {
    match alg {
        Alg::ZLIB => Ok(miniz_oxide::deflate::compress_to_vec_zlib(data, ZLIB_LEVEL)),
        Alg::BROTLI => {
            let mut out = Vec::with_capacity(data.len());
            {
                let mut w = brotli::CompressorWriter::new(
                    &mut out,
                    4096,
                    BROTLI_QUALITY,
                    BROTLI_WINDOW_LOG,
                );
                std::io::Write::write_all(&mut w, data)
                    .map_err(|e| Error::internal(format!("brotli compression failed: {e}")))?;
            }
            Ok(out)
        }
        Alg::ZSTD => Ok(ruzstd::encoding::compress_to_vec(
            data,
            ruzstd::encoding::CompressionLevel::Fastest,
        )),
        other => Err(Error::internal(format!(
            "certificate compression algorithm {other:?} is not implemented"
        ))),
    }
}

pub(crate) fn bad_certificate(detail: String) -> Error {
    Error::protocol(
        AlertDescription::BAD_CERTIFICATE,
        Reason::BAD_DECOMPRESSION,
        detail,
    )
}

/// Decompresses a peer's compressed Certificate body into exactly `expected_len` bytes, never
/// producing more than `expected_len + 1`; the caller has bounded `expected_len`. Data that
/// does not decompress, or to another length, is `bad_certificate` (RFC 8879 4).
pub fn decompress(alg: Alg, compressed: &[u8], expected_len: usize) -> Result<Vec<u8>> {
    let limit = expected_len.saturating_add(1);
    // The decompressors are well tested on hostile input; should one still panic, the peer's
    // bytes are merely bad.
    let outcome = std::panic::catch_unwind(|| -> std::result::Result<Vec<u8>, String> {
        let mut out = Vec::with_capacity(expected_len.min(1 << 16));
        match alg {
            Alg::ZLIB => {
                return miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(compressed, limit)
                    .map_err(|e| format!("{:?}", e.status));
            }
            Alg::BROTLI => {
                brotli::Decompressor::new(compressed, 4096)
                    .take(limit as u64)
                    .read_to_end(&mut out)
                    .map_err(|e| e.to_string())?;
            }
            Alg::ZSTD => {
                let mut input = compressed;
                ruzstd::decoding::StreamingDecoder::new(&mut input)
                    .map_err(|e| e.to_string())?
                    .take(limit as u64)
                    .read_to_end(&mut out)
                    .map_err(|e| e.to_string())?;
            }
            other => return Err(format!("algorithm {other:?} is not implemented")),
        }
        Ok(out)
    });
    let out = match outcome {
        Ok(Ok(out)) => out,
        Ok(Err(why)) => {
            return Err(bad_certificate(format!(
                "the {alg:?}-compressed certificate does not decompress: {why}"
            )))
        }
        Err(_) => {
            return Err(bad_certificate(format!(
                "the {alg:?}-compressed certificate does not decompress"
            )))
        }
    };
    if out.len() != expected_len {
        return Err(bad_certificate(format!(
            "the {alg:?}-compressed certificate decompresses to {}{} bytes, not the {} its \
             uncompressed_length says",
            out.len(),
            if out.len() > expected_len {
                " or more"
            } else {
                ""
            },
            expected_len
        )));
    }
    Ok(out)
}

struct Entry {
    alg: Alg,
    body: Vec<u8>,
    message: Arc<Vec<u8>>,
}

/// Compressed Certificate messages, keyed by algorithm and the uncompressed body (so a chain
/// that changes, or entry extensions that differ, simply miss).
#[derive(Default)]
pub struct CompressedCache {
    entries: Mutex<VecDeque<Entry>>,
    /// How many times a Certificate was compressed (for tests and measurements).
    compressions: AtomicU64,
}

impl CompressedCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The CompressedCertificate message for `body` with `alg`, if made before.
    pub fn lookup(&self, alg: Alg, body: &[u8]) -> Option<Arc<Vec<u8>>> {
        self.lock()
            .iter()
            .find(|e| e.alg == alg && e.body == body)
            .map(|e| e.message.clone())
    }

    /// Keeps a CompressedCertificate message for `body`, replacing an older one.
    pub fn insert(&self, alg: Alg, body: Vec<u8>, message: Arc<Vec<u8>>) {
        let mut entries = self.lock();
        entries.retain(|e| !(e.alg == alg && e.body == body));
        if entries.len() >= MAX_CACHED {
            entries.pop_front();
        }
        entries.push_back(Entry { alg, body, message });
    }

    /// Compresses a Certificate body into a full CompressedCertificate message.
    pub fn compress_message(&self, alg: Alg, body: &[u8]) -> Result<Vec<u8>> {
        self.compressions.fetch_add(1, Ordering::Relaxed);
        let compressed = compress(alg, body)?;
        CompressedCertificate {
            algorithm: alg,
            uncompressed_length: u32::try_from(body.len())
                .map_err(|_| Error::internal("certificate message too long"))?,
            compressed,
        }
        .encode()
    }

    pub fn compressions(&self) -> u64 {
        self.compressions.load(Ordering::Relaxed)
    }

    /// Empties the cache (a context's certificates changed).
    pub fn clear(&self) {
        self.lock().clear();
    }
}
