//! A context's cipher list as OpenSSL hands it out (`SSL_CTX_get_ciphers`,
//! `SSL_CIPHER_description`) and its security level (`SSL_CTX_{get,set}_security_level`),
//! which stunnel reads and sets (issue 19).

use super::cipher::{self, SSL_CIPHER};
use super::ctx::SSL_CTX;
use super::try_ref;
use super::{guard, null_arg};
use crate::crypto::AeadAlg;
use crate::suites::{Auth, SuiteInfo};
use aws_lc_sys as sys;
use std::ffi::{c_char, c_int, c_void};

/// `STACK_OF(SSL_CIPHER)` (aws-lc's stack; elements point into libtls's static suite table).
pub struct stack_st_SSL_CIPHER {
    _private: [u8; 0],
}

/// A stack of `SSL_CIPHER` pointers owned by its context; the pointers themselves are static.
struct CipherStack(*mut sys::OPENSSL_STACK);

// SAFETY: the stack is only touched with the context's lock held.
unsafe impl Send for CipherStack {}

impl Drop for CipherStack {
    fn drop(&mut self) {
        // SAFETY: our stack; its elements are static and not freed.
        unsafe { sys::OPENSSL_sk_free(self.0) };
    }
}

/// Per-context state of this file, kept in the context (`CtxState::ciphers`).
pub(crate) struct CtxCiphers {
    /// `SSL_CTX_set_security_level`'s level. libtls's floor is fixed (see
    /// docs/differences-from-openssl.md): the level is stored and reported, not enforced.
    security_level: c_int,
    /// The stack `SSL_CTX_get_ciphers` last returned, and the suites it lists: it stays valid
    /// until the cipher list changes, as in OpenSSL.
    stack: Option<(Vec<u16>, CipherStack)>,
}

impl Default for CtxCiphers {
    fn default() -> Self {
        // OpenSSL's default level.
        CtxCiphers {
            security_level: 1,
            stack: None,
        }
    }
}

/// The context's security level (1 unless set).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_security_level(ctx: *const SSL_CTX) -> c_int {
    guard(0, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.map_or(0, |c| c.read().ciphers.security_level)
    })
}

/// Stores the level, which `SSL_CTX_get_security_level` reports. libtls does not change what it
/// negotiates by level: at every level it refuses what OpenSSL's level 2 refuses and more
/// (no suite under 128 bits, no SHA-1 or MD5 signatures in TLS 1.3, RSA keys of 2048 bits or
/// more, no TLS 1.1 or older); levels 3 and above do not remove the P-256 or 2048-bit RSA keys
/// OpenSSL's would.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_security_level(ctx: *mut SSL_CTX, level: c_int) {
    guard((), || {
        // SAFETY: see try_ref.
        if let Some(c) = unsafe { try_ref(ctx) } {
            c.edit().ciphers.security_level = level.clamp(0, 5);
        }
    })
}

/// The suites the context enables, TLS 1.3 first then TLS 1.2 in preference order, as a stack
/// the context owns (do not free it; valid until the cipher list changes). NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_ciphers(ctx: *const SSL_CTX) -> *mut stack_st_SSL_CIPHER {
    guard(std::ptr::null_mut(), || {
        // SAFETY: see try_ref.
        let Some(c) = (unsafe { try_ref(ctx) }) else {
            return std::ptr::null_mut();
        };
        let mut st = c.read();
        let suites: Vec<u16> = st
            .config
            .tls13_suites
            .iter()
            .chain(st.config.tls12_suites.iter())
            .map(|s| s.0)
            .collect();
        if let Some((listed, stack)) = &st.ciphers.stack {
            if *listed == suites {
                return stack.0 as *mut stack_st_SSL_CIPHER;
            }
        }
        // SAFETY: aws-lc's stack constructor.
        let sk = unsafe { sys::OPENSSL_sk_new_null() };
        if sk.is_null() {
            return std::ptr::null_mut();
        }
        let stack = CipherStack(sk);
        for info in suites
            .iter()
            .filter_map(|&s| crate::suites::lookup(crate::msgs::enums::CipherSuite(s)))
        {
            // SAFETY: a live stack; the element is a static SuiteInfo, never freed.
            if unsafe { sys::OPENSSL_sk_push(sk, cipher::to_c(info) as *mut c_void) } == 0 {
                return std::ptr::null_mut();
            }
        }
        st.ciphers.stack = Some((suites, stack));
        sk as *mut stack_st_SSL_CIPHER
    })
}

/// OpenSSL's one-line description of a suite.
fn description(info: &SuiteInfo) -> String {
    let (version, kx, au) = if info.is_tls13() {
        ("TLSv1.3", "any", "any")
    } else {
        let au = match info.auth {
            Some(Auth::Ecdsa) => "ECDSA",
            Some(Auth::Rsa) => "RSA",
            Some(Auth::Psk) => "PSK",
            None => "any",
        };
        let kx = match info.kx {
            Some(crate::suites::Kx::Psk) => "PSK",
            Some(crate::suites::Kx::EcdhePsk) => "ECDHEPSK",
            _ => "ECDH",
        };
        ("TLSv1.2", kx, au)
    };
    let enc = match info.aead {
        AeadAlg::Aes128Gcm => "AESGCM(128)",
        AeadAlg::Aes256Gcm => "AESGCM(256)",
        AeadAlg::ChaCha20Poly1305 => "CHACHA20/POLY1305(256)",
    };
    format!(
        "{:<30} {:<7} Kx={:<8} Au={:<5} Enc={:<22} Mac={:<4}\n",
        info.openssl_name, version, kx, au, enc, "AEAD"
    )
}

/// Writes the suite's description into `buf` (`size` bytes, at least 128) and returns `buf`;
/// with a NULL `buf`, into a new 128-byte buffer the caller frees with `OPENSSL_free`. NULL for
/// an unknown cipher, a buffer under 128 bytes or no memory.
#[no_mangle]
pub unsafe extern "C" fn SSL_CIPHER_description(
    c: *const SSL_CIPHER,
    buf: *mut c_char,
    size: c_int,
) -> *mut c_char {
    guard(std::ptr::null_mut(), || {
        let Some(info) = cipher::from_c(c) else {
            return null_arg("SSL_CIPHER", std::ptr::null_mut());
        };
        let text = description(info);
        let (out, size) = if buf.is_null() {
            // SAFETY: aws-lc's allocator, so that OPENSSL_free releases it.
            let p = unsafe { sys::OPENSSL_malloc(128) } as *mut c_char;
            if p.is_null() {
                return std::ptr::null_mut();
            }
            (p, 128usize)
        } else {
            match usize::try_from(size) {
                Ok(n) if n >= 128 => (buf, n),
                _ => return std::ptr::null_mut(),
            }
        };
        // SAFETY: `out` has room for `size` bytes (the caller's promise, or our allocation).
        unsafe { super::copy_to_c_buf(&text, out, size) };
        out
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn descriptions_fit_openssl_buffer() {
        for s in crate::suites::ALL_SUITES {
            let d = super::description(s);
            assert!(d.len() < 128, "{d}");
            assert!(d.ends_with('\n'));
        }
    }
}
