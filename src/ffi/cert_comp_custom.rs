//! Application-supplied certificate compression algorithms with BoringSSL's (and aws-lc
//! libssl's) API, `SSL_CTX_add_cert_compression_alg`: a libtls extension beside OpenSSL 3.2's
//! built-in zlib/brotli/zstd (cert_comp.rs). The core's side is `crate::certcomp::Custom`.
//!
//! The callbacks write into aws-lc's `CBB` and hand back an aws-lc `CRYPTO_BUFFER`, both of
//! which libtls.so exports.

use super::ctx::SSL_CTX;
use super::ssl::SSL;
use super::with_result;
use crate::certcomp::{Custom, CustomAlgorithm};
use crate::config::Config;
use crate::error::{Error, Reason};
use crate::msgs::enums::CertCompressionAlgorithm as Alg;
use aws_lc_sys::{CBB, CRYPTO_BUFFER};
use libc::size_t;
use std::ffi::c_int;
use std::sync::Arc;

/// Compresses the `in_len` bytes at `in` (a Certificate message body) into `out`; returns 1,
/// or 0 to send the certificate uncompressed.
pub type ssl_cert_compression_func_t =
    Option<unsafe extern "C" fn(*mut SSL, *mut CBB, *const u8, size_t) -> c_int>;

/// Decompresses the `in_len` bytes at `in` into a new `CRYPTO_BUFFER` stored at `*out`, which
/// must hold exactly `uncompressed_len` bytes; returns 1, or 0 when the data does not
/// decompress (the handshake then fails with `bad_certificate`).
pub type ssl_cert_decompression_func_t = Option<
    unsafe extern "C" fn(*mut SSL, *mut *mut CRYPTO_BUFFER, size_t, *const u8, size_t) -> c_int,
>;

/// The C callbacks of one algorithm, and the SSL they are called with (0 in the context's
/// configuration: each connection binds its own, see [`install`]).
#[derive(Clone, Copy)]
struct CAlgorithm {
    compress: ssl_cert_compression_func_t,
    decompress: ssl_cert_decompression_func_t,
    ssl: usize,
}

impl CustomAlgorithm for CAlgorithm {
    fn can_compress(&self) -> bool {
        self.compress.is_some()
    }

    fn can_decompress(&self) -> bool {
        self.decompress.is_some()
    }

    fn compress(&self, data: &[u8]) -> Option<Vec<u8>> {
        let f = self.compress?;
        // SAFETY: a zeroed CBB is the state CBB_init expects; CBB_init, the callback (which
        // gets the CBB, our `data` for the call, and the SSL being driven), CBB_finish and
        // CBB_cleanup follow aws-lc's contract; the finished buffer is copied, then freed.
        unsafe {
            let mut cbb: CBB = std::mem::zeroed();
            if aws_lc_sys::CBB_init(&mut cbb, data.len()) != 1 {
                return None;
            }
            if f(self.ssl as *mut SSL, &mut cbb, data.as_ptr(), data.len()) != 1 {
                aws_lc_sys::CBB_cleanup(&mut cbb);
                return None;
            }
            let mut ptr: *mut u8 = std::ptr::null_mut();
            let mut len: usize = 0;
            if aws_lc_sys::CBB_finish(&mut cbb, &mut ptr, &mut len) != 1 {
                aws_lc_sys::CBB_cleanup(&mut cbb);
                return None;
            }
            let out = if ptr.is_null() {
                Vec::new()
            } else {
                std::slice::from_raw_parts(ptr, len).to_vec()
            };
            aws_lc_sys::OPENSSL_free(ptr.cast());
            Some(out)
        }
    }

    fn decompress(&self, compressed: &[u8], uncompressed_len: usize) -> Option<Vec<u8>> {
        let f = self.decompress?;
        let mut buf: *mut CRYPTO_BUFFER = std::ptr::null_mut();
        // SAFETY: the callback gets the SSL being driven, an out pointer on our stack and the
        // peer's bytes for the call; a buffer it returns is ours, read once and freed.
        unsafe {
            let ok = f(
                self.ssl as *mut SSL,
                &mut buf,
                uncompressed_len,
                compressed.as_ptr(),
                compressed.len(),
            );
            if buf.is_null() {
                return None;
            }
            let data = aws_lc_sys::CRYPTO_BUFFER_data(buf);
            let len = aws_lc_sys::CRYPTO_BUFFER_len(buf);
            let out = (ok == 1).then(|| {
                if data.is_null() {
                    Vec::new()
                } else {
                    std::slice::from_raw_parts(data, len).to_vec()
                }
            });
            aws_lc_sys::CRYPTO_BUFFER_free(buf);
            out
        }
    }
}

/// Adds a certificate compression algorithm with id `alg_id` to `ctx` (BoringSSL's and aws-lc's
/// API; not in OpenSSL). Either callback may be NULL (that direction is then not offered; both
/// NULL is an error). Algorithms added this way are offered and preferred in the order added,
/// ahead of the built-in ones (`SSL_CTX_set1_cert_comp_preference` orders only those); one
/// with a built-in's id replaces it. Unlike the built-in ones, the compressed form is sent even
/// when it is larger, and is not cached. Received data is bounded before `decompress` runs
/// (`uncompressed_length` at most `SSL_CTX_set_max_cert_list`), and a result of any other length
/// than `uncompressed_len` fails the handshake with `bad_certificate`. TLS 1.3 only. Returns 1,
/// or 0 when `alg_id` was added before.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_add_cert_compression_alg(
    ctx: *mut SSL_CTX,
    alg_id: u16,
    compress: ssl_cert_compression_func_t,
    decompress: ssl_cert_decompression_func_t,
) -> c_int {
    with_result(ctx, |c| {
        if compress.is_none() && decompress.is_none() {
            return Err(Error::local(
                Reason::INVALID_ARGUMENT,
                "a certificate compression algorithm needs a callback",
            ));
        }
        let mut st = c.edit();
        let list = &mut st.config.cert_compression.custom;
        if list.iter().any(|a| a.id == Alg(alg_id)) {
            return Err(Error::local(
                Reason::BAD_VALUE,
                format!("certificate compression algorithm {alg_id} was added before"),
            ));
        }
        list.push(Custom {
            id: Alg(alg_id),
            algorithm: Arc::new(CAlgorithm {
                compress,
                decompress,
                ssl: 0,
            }),
        });
        Ok(())
    })
}

/// Whether a connection's configuration must bind the context's algorithms to its SSL.
pub(crate) fn needs_config(base: &Config) -> bool {
    !base.cert_compression.custom.is_empty()
}

/// Binds the context's algorithms to the SSL at `ssl_addr`, which their callbacks receive.
pub(crate) fn install(c: &mut Config, ssl_addr: usize) {
    for a in c.cert_compression.custom.iter_mut() {
        let any: &dyn std::any::Any = &*a.algorithm;
        if let Some(alg) = any.downcast_ref::<CAlgorithm>() {
            a.algorithm = Arc::new(CAlgorithm {
                ssl: ssl_addr,
                ..*alg
            });
        }
    }
}
