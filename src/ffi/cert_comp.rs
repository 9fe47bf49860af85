//! Certificate compression (RFC 8879) with OpenSSL 3.2's API: the algorithm preference, the
//! pre-compressed server certificates, and which algorithm each direction used. The core's
//! side is `crate::certcomp`.

use super::ctx::SSL_CTX;
use super::ssl::SSL;
use super::{err, guard, null_arg};
use super::{try_ref, with_mut, with_ref, with_result};
use crate::certcomp;
use crate::config::Config;
use crate::conn::Role;
use crate::error::{Error, Reason, Result};
use crate::msgs::enums::CertCompressionAlgorithm as Alg;
use std::ffi::c_int;
use std::sync::Arc;

/// No certificate compression (`SSL_get_negotiated_*_cert_comp_alg` when none was used).
pub const TLSEXT_comp_cert_none: c_int = 0;
/// zlib (RFC 1950).
pub const TLSEXT_comp_cert_zlib: c_int = 1;
/// brotli (RFC 7932).
pub const TLSEXT_comp_cert_brotli: c_int = 2;
/// zstd (RFC 8878).
pub const TLSEXT_comp_cert_zstd: c_int = 3;
/// One past the largest algorithm value.
pub const TLSEXT_comp_cert_limit: c_int = 4;

/// OpenSSL 3.2's option bits: send no compressed certificates / offer none (no
/// compress_certificate extension, so the peer sends its certificate uncompressed).
pub const SSL_OP_NO_TX_CERTIFICATE_COMPRESSION: u64 = 0x1_0000_0000;
pub const SSL_OP_NO_RX_CERTIFICATE_COMPRESSION: u64 = 0x2_0000_0000;

/// OpenSSL's rule: the known algorithms of `algs` in order, unknown ones ignored; a duplicate,
/// or no known algorithm at all, is an error (the preference is then left alone). An empty
/// list clears the preference: nothing is offered or sent.
fn parse_preference(algs: *const c_int, len: usize) -> Result<Vec<Alg>> {
    if algs.is_null() || len == 0 {
        return Ok(Vec::new());
    }
    if len > 1024 {
        return Err(Error::local(
            Reason::INVALID_ARGUMENT,
            "too many algorithms",
        ));
    }
    // SAFETY: the caller passes `len` readable ints at `algs` (OpenSSL's contract).
    let raw = unsafe { std::slice::from_raw_parts(algs, len) };
    let mut out: Vec<Alg> = Vec::new();
    for &a in raw {
        let Ok(code) = u16::try_from(a) else { continue };
        let alg = Alg(code);
        if !certcomp::is_supported(alg) {
            continue;
        }
        if out.contains(&alg) {
            return Err(Error::local(
                Reason::BAD_VALUE,
                format!("certificate compression algorithm {a} listed twice"),
            ));
        }
        out.push(alg);
    }
    if out.is_empty() {
        return Err(Error::local(
            Reason::BAD_VALUE,
            "no supported certificate compression algorithm in the list",
        ));
    }
    Ok(out)
}

/// Sets the algorithms connections of `ctx` offer to decompress and compress with, in
/// preference order (`TLSEXT_comp_cert_*`; unknown values are ignored). `len` counts elements.
/// Without a preference the default (brotli, zlib, zstd) is offered and the peer's order
/// decides what we send. Returns 1, or 0 (a duplicate, or no supported algorithm) leaving the
/// preference as it was.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set1_cert_comp_preference(
    ctx: *mut SSL_CTX,
    algs: *mut c_int,
    len: usize,
) -> c_int {
    with_result(ctx, |c| {
        let pref = parse_preference(algs, len)?;
        c.edit().config.cert_compression.preference = Some(pref);
        Ok(())
    })
}

/// `SSL_CTX_set1_cert_comp_preference` for one connection.
#[no_mangle]
pub unsafe extern "C" fn SSL_set1_cert_comp_preference(
    ssl: *mut SSL,
    algs: *mut c_int,
    len: usize,
) -> c_int {
    with_mut(ssl, 0, |s| match parse_preference(algs, len) {
        Ok(pref) => {
            s.settings_mut().cert_compression.preference = Some(pref);
            1
        }
        Err(e) => {
            err::push(&e);
            0
        }
    })
}

fn alg_arg(alg: c_int) -> Result<Option<Alg>> {
    if alg == TLSEXT_comp_cert_none {
        return Ok(None);
    }
    match u16::try_from(alg).map(Alg) {
        Ok(a) if certcomp::is_supported(a) => Ok(Some(a)),
        _ => Err(Error::local(
            Reason::BAD_VALUE,
            format!("certificate compression algorithm {alg} is not supported"),
        )),
    }
}

fn refuse_client(role: Option<Role>) -> Result<()> {
    if role == Some(Role::Client) {
        return Err(Error::local(
            Reason::INVALID_ARGUMENT,
            "only a server's certificates are compressed ahead of time",
        ));
    }
    Ok(())
}

fn compress_all(config: &Config, alg: c_int) -> Result<()> {
    if config.certs.is_empty() {
        return Err(Error::local(
            Reason::NO_CERTIFICATE_ASSIGNED,
            "no certificate to compress",
        ));
    }
    certcomp::precompress(config, alg_arg(alg)?)?;
    Ok(())
}

/// Compresses the context's certificates with `alg` (every supported algorithm when 0) now,
/// instead of in the first handshake that needs it; either way each chain is compressed once
/// per algorithm and kept by the context. Returns 1, or 0 on a client context, without a
/// certificate, or for an unsupported algorithm.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_compress_certs(ctx: *mut SSL_CTX, alg: c_int) -> c_int {
    with_result(ctx, |c| {
        refuse_client(c.method.role)?;
        compress_all(&c.snapshot(), alg)
    })
}

/// `SSL_CTX_compress_certs` with this connection's certificates (kept by its context).
#[no_mangle]
pub unsafe extern "C" fn SSL_compress_certs(ssl: *mut SSL, alg: c_int) -> c_int {
    with_mut(ssl, 0, |s| {
        match refuse_client(s.role).and_then(|()| compress_all(&s.config(), alg)) {
            Ok(()) => 1,
            Err(e) => {
                err::push(&e);
                0
            }
        }
    })
}

/// The handshake Certificate body of the most recently set chain.
fn last_body(config: &Config) -> Result<Vec<u8>> {
    let ck = config
        .certs
        .last()
        .ok_or_else(|| Error::local(Reason::NO_CERTIFICATE_ASSIGNED, "no certificate is set"))?;
    certcomp::handshake_certificate_body(&ck.chain)
}

/// Copies the compressed bytes of the most recently set chain into OPENSSL_malloc'd memory.
fn get1(
    config: &Config,
    role: Option<Role>,
    alg: c_int,
    data: *mut *mut u8,
    orig_len: *mut usize,
) -> usize {
    if data.is_null() || orig_len.is_null() {
        return null_arg("data or orig_len", 0);
    }
    let found = (|| -> Result<(Vec<u8>, usize)> {
        refuse_client(role)?;
        let alg = alg_arg(alg)?.ok_or_else(|| Error::local(Reason::BAD_VALUE, "no algorithm"))?;
        let body = last_body(config)?;
        let message = config
            .cert_compression
            .cache
            .lookup(alg, &body)
            .ok_or_else(|| {
                Error::local(
                    Reason::BAD_VALUE,
                    "the certificate is not compressed with this algorithm yet",
                )
            })?;
        let m = crate::msgs::compressed_cert::CompressedCertificate::decode_body(
            message.get(4..).unwrap_or_default(),
        )?;
        Ok((m.compressed, body.len()))
    })();
    let (bytes, len) = match found {
        Ok(v) => v,
        Err(e) => {
            err::push(&e);
            return 0;
        }
    };
    // SAFETY: OPENSSL_malloc returns NULL or `bytes.len()` writable bytes; `data` and
    // `orig_len` were checked for NULL and point at the caller's variables.
    unsafe {
        let p = aws_lc_sys::OPENSSL_malloc(bytes.len()) as *mut u8;
        if p.is_null() {
            return 0;
        }
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len());
        *data = p;
        *orig_len = len;
    }
    bytes.len()
}

/// The compressed form (with `alg`) of the context's most recently set certificate chain, in
/// `*data` (free with OPENSSL_free), its uncompressed length in `*orig_len`. Returns the
/// compressed length, or 0 if that chain is not compressed with `alg` (yet), on a client
/// context, or without a certificate.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get1_compressed_cert(
    ctx: *mut SSL_CTX,
    alg: c_int,
    data: *mut *mut u8,
    orig_len: *mut usize,
) -> usize {
    guard(0, || {
        // SAFETY: see try_ref.
        let Some(c) = (unsafe { try_ref(ctx) }) else {
            return 0;
        };
        get1(&c.snapshot(), c.method.role, alg, data, orig_len)
    })
}

/// `SSL_CTX_get1_compressed_cert` for this connection's certificate.
#[no_mangle]
pub unsafe extern "C" fn SSL_get1_compressed_cert(
    ssl: *mut SSL,
    alg: c_int,
    data: *mut *mut u8,
    orig_len: *mut usize,
) -> usize {
    with_mut(ssl, 0, |s| get1(&s.config(), s.role, alg, data, orig_len))
}

fn set1(
    config: &Config,
    role: Option<Role>,
    alg: c_int,
    data: *const u8,
    len: usize,
    orig_len: usize,
) -> Result<()> {
    refuse_client(role)?;
    let alg = alg_arg(alg)?.ok_or_else(|| Error::local(Reason::BAD_VALUE, "no algorithm"))?;
    if data.is_null() || len == 0 {
        return Err(Error::local(Reason::INVALID_ARGUMENT, "no compressed data"));
    }
    let body = last_body(config)?;
    if orig_len != body.len() {
        return Err(Error::local(
            Reason::BAD_LENGTH,
            format!(
                "the certificate message is {} bytes, not {orig_len}",
                body.len()
            ),
        ));
    }
    // SAFETY: the caller passes `len` readable bytes at `data`.
    let compressed = unsafe { std::slice::from_raw_parts(data, len) };
    // What we would send must decompress to exactly this chain: checked now, once.
    if certcomp::decompress(alg, compressed, body.len())? != body {
        return Err(Error::local(
            Reason::BAD_DECOMPRESSION,
            "the compressed data is not the most recently set certificate chain",
        ));
    }
    let message = crate::msgs::compressed_cert::CompressedCertificate {
        algorithm: alg,
        uncompressed_length: body.len() as u32,
        compressed: compressed.to_vec(),
    }
    .encode()?;
    config
        .cert_compression
        .cache
        .insert(alg, body, Arc::new(message));
    Ok(())
}

/// Supplies the `alg`-compressed form of the context's most recently set certificate chain
/// (as `SSL_CTX_get1_compressed_cert` gives it); it must decompress to exactly that chain's
/// Certificate message of `orig_length` bytes. Returns 1, or 0.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set1_compressed_cert(
    ctx: *mut SSL_CTX,
    alg: c_int,
    comp_data: *mut u8,
    comp_length: usize,
    orig_length: usize,
) -> c_int {
    with_result(ctx, |c| {
        set1(
            &c.snapshot(),
            c.method.role,
            alg,
            comp_data,
            comp_length,
            orig_length,
        )
    })
}

/// `SSL_CTX_set1_compressed_cert` for this connection's certificate.
#[no_mangle]
pub unsafe extern "C" fn SSL_set1_compressed_cert(
    ssl: *mut SSL,
    alg: c_int,
    comp_data: *mut u8,
    comp_length: usize,
    orig_length: usize,
) -> c_int {
    with_mut(ssl, 0, |s| {
        match set1(
            &s.config(),
            s.role,
            alg,
            comp_data,
            comp_length,
            orig_length,
        ) {
            Ok(()) => 1,
            Err(e) => {
                err::push(&e);
                0
            }
        }
    })
}

fn negotiated(ssl: *const SSL, clients: bool) -> c_int {
    with_ref(ssl, TLSEXT_comp_cert_none, |s| {
        let Some(conn) = s.connection() else {
            return TLSEXT_comp_cert_none;
        };
        let used = conn.negotiated().cert_compression;
        let ours = (conn.role() == Role::Client) == clients;
        let alg = if ours { used.sent } else { used.received };
        alg.map_or(TLSEXT_comp_cert_none, |a| c_int::from(a.0))
    })
}

/// The algorithm that compressed the client's certificate on this connection
/// (`TLSEXT_comp_cert_*`), or `TLSEXT_comp_cert_none`.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_negotiated_client_cert_comp_alg(ssl: *const SSL) -> c_int {
    negotiated(ssl, true)
}

/// The algorithm that compressed the server's certificate on this connection
/// (`TLSEXT_comp_cert_*`), or `TLSEXT_comp_cert_none`.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_negotiated_server_cert_comp_alg(ssl: *const SSL) -> c_int {
    negotiated(ssl, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_match_the_core() {
        // OpenSSL 3.2's bits.
        assert_eq!(SSL_OP_NO_TX_CERTIFICATE_COMPRESSION, 1 << 32);
        assert_eq!(SSL_OP_NO_RX_CERTIFICATE_COMPRESSION, 1 << 33);
        assert_eq!(TLSEXT_comp_cert_zlib, c_int::from(Alg::ZLIB.0));
        assert_eq!(TLSEXT_comp_cert_brotli, c_int::from(Alg::BROTLI.0));
        assert_eq!(TLSEXT_comp_cert_zstd, c_int::from(Alg::ZSTD.0));
    }

    #[test]
    fn preference_follows_openssls_rules() {
        let p = |v: &[c_int]| parse_preference(v.as_ptr(), v.len());
        assert_eq!(p(&[3, 99, 1]).unwrap(), [Alg::ZSTD, Alg::ZLIB]);
        assert!(p(&[1, 1]).is_err());
        assert!(p(&[7, -1]).is_err());
        assert!(parse_preference(std::ptr::null(), 0).unwrap().is_empty());
    }
}
