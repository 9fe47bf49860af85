//! OpenSSL's `SSL_CTX_set_tlsext_ticket_key_cb`: the application sets up the ticket cipher and
//! MAC (aws-lc's `EVP_CIPHER_CTX` and `HMAC_CTX`, which libtls.so exports) and libtls makes and
//! opens tickets in OpenSSL's layout (RFC 5077 4's recommended format):
//!
//! `key_name (16) || IV (the cipher's IV length) || ciphertext || HMAC`
//!
//! the HMAC covering everything before it, the ciphertext being the session state encrypted
//! with the cipher context the callback initialised. With the callback set, libtls's own ticket
//! keys (`SSL_CTX_set_tlsext_ticket_keys`, automatic keys, `SSL_CTX_set_ticket_key_cb`) are not
//! used. The state inside is libtls's session encoding: a ticket made by OpenSSL with the same
//! keys does not resume on libtls, nor the reverse.
//!
//! Also `SSL_CTX_ctrl`'s `SSL_CTRL_SET_TLSEXT_TICKET_KEYS` (OpenSSL's
//! `SSL_CTX_set_tlsext_ticket_keys` macro spelling).

use super::ctx::SSL_CTX;
use super::ssl::SSL;
use super::with_result;
use crate::crypto::secret::{Secret, Zeroizing};
use crate::error::{Error, Reason, Result};
use crate::session::{TicketCrypto, TicketOpened};
use aws_lc_sys as sys;
use std::ffi::{c_int, c_long, c_uint, c_void};
use std::sync::Arc;

pub use sys::{EVP_CIPHER_CTX, HMAC_CTX};

/// `SSL_CTX_ctrl` command behind `SSL_CTX_set_tlsext_ticket_key_cb` (a feature-test macro;
/// libtls's `SSL_CTX_set_tlsext_ticket_key_cb` is a function).
pub const SSL_CTRL_SET_TLSEXT_TICKET_KEY_CB: c_int = 72;
/// `SSL_CTX_ctrl` commands behind OpenSSL's `SSL_CTX_get_tlsext_ticket_keys` /
/// `SSL_CTX_set_tlsext_ticket_keys` macros (the getter is not supported: it returns 0).
pub const SSL_CTRL_GET_TLSEXT_TICKET_KEYS: c_int = 58;
pub const SSL_CTRL_SET_TLSEXT_TICKET_KEYS: c_int = 59;
/// The IV buffer handed to the ticket key callback (OpenSSL's `EVP_MAX_IV_LENGTH`).
pub const LIBTLS_TICKET_IV_BUFFER: usize = 16;
/// The largest HMAC output (`EVP_MAX_MD_SIZE`).
const MAX_MAC_LEN: usize = 64;
const KEY_NAME_LEN: usize = crate::session::ticket::KEY_NAME_LEN;

/// OpenSSL's ticket key callback. Making a ticket (`enc` = 1), it fills `key_name` (16 bytes)
/// and `iv` (up to 16 bytes, the cipher's IV length; random), initialises `ctx` for encryption
/// (`EVP_EncryptInit_ex`) and `hctx` (`HMAC_Init_ex`), and returns 1; 0 issues no ticket; a
/// negative value fails the handshake. Opening one (`enc` = 0), `key_name` and `iv` hold the
/// ticket's: it initialises `ctx` for decryption and `hctx` with the named key and returns 1,
/// or 2 to have the ticket replaced by a new one, or 0 for an unknown name (a full handshake
/// follows), or a negative value to fail the handshake.
pub type SSL_CTX_tlsext_ticket_key_cb = Option<
    unsafe extern "C" fn(
        ssl: *mut SSL,
        key_name: *mut u8,
        iv: *mut u8,
        ctx: *mut EVP_CIPHER_CTX,
        hctx: *mut HMAC_CTX,
        enc: c_int,
    ) -> c_int,
>;

type TicketKeyCb = unsafe extern "C" fn(
    *mut SSL,
    *mut u8,
    *mut u8,
    *mut EVP_CIPHER_CTX,
    *mut HMAC_CTX,
    c_int,
) -> c_int;

/// Sets the ticket key callback of `ctx` (NULL removes it): tickets are then made and opened in
/// OpenSSL's layout with the cipher and MAC the callback sets up, for TLS 1.2 and TLS 1.3.
/// Returns 1.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_tlsext_ticket_key_cb(
    ctx: *mut SSL_CTX,
    cb: SSL_CTX_tlsext_ticket_key_cb,
) -> c_long {
    with_result(ctx, |c| {
        c.edit().session_callbacks.openssl_ticket_key_cb = cb;
        Ok(())
    }) as c_long
}

/// The core's ticket cryptography for one connection, calling `cb` with its SSL.
pub(crate) fn crypto(cb: TicketKeyCb, ssl_addr: usize) -> TicketCrypto {
    TicketCrypto {
        seal: Arc::new(move |state: &[u8]| seal(cb, ssl_addr as *mut SSL, state)),
        open: Arc::new(move |ticket: &[u8]| open(cb, ssl_addr as *mut SSL, ticket)),
    }
}

/// A cipher and an HMAC context, freed when dropped (which wipes their keys).
struct Contexts {
    cipher: *mut EVP_CIPHER_CTX,
    mac: *mut HMAC_CTX,
}

impl Contexts {
    fn new() -> Result<Self> {
        // SAFETY: plain allocations; NULL on failure, checked below (Drop frees either).
        let c = unsafe {
            Contexts {
                cipher: sys::EVP_CIPHER_CTX_new(),
                mac: sys::HMAC_CTX_new(),
            }
        };
        if c.cipher.is_null() || c.mac.is_null() {
            return Err(Error::internal(
                "out of memory for the ticket cipher contexts",
            ));
        }
        Ok(c)
    }

    /// Whether the callback initialised both: a cipher with an IV that fits, and an HMAC.
    fn ready(&self) -> Option<(usize, usize, usize)> {
        // SAFETY: live contexts; the getters only read them.
        unsafe {
            if sys::EVP_CIPHER_CTX_cipher(self.cipher).is_null()
                || sys::HMAC_CTX_get_md(self.mac).is_null()
            {
                return None;
            }
            let iv_len = sys::EVP_CIPHER_CTX_iv_length(self.cipher) as usize;
            let block = sys::EVP_CIPHER_CTX_block_size(self.cipher) as usize;
            let mac_len = sys::HMAC_size(self.mac);
            (iv_len <= LIBTLS_TICKET_IV_BUFFER && mac_len > 0 && mac_len <= MAX_MAC_LEN)
                .then_some((iv_len, block, mac_len))
        }
    }

    /// The HMAC of `data` (as initialised by the callback).
    fn mac(&self, data: &[u8]) -> Option<([u8; MAX_MAC_LEN], usize)> {
        let mut out = [0u8; MAX_MAC_LEN];
        let mut len: c_uint = 0;
        // SAFETY: a live, initialised HMAC context; `out` holds any digest (EVP_MAX_MD_SIZE).
        let ok = unsafe {
            sys::HMAC_Update(self.mac, data.as_ptr(), data.len()) == 1
                && sys::HMAC_Final(self.mac, out.as_mut_ptr(), &mut len) == 1
        };
        ok.then_some((out, len as usize))
    }
}

impl Drop for Contexts {
    fn drop(&mut self) {
        // SAFETY: contexts from Contexts::new (NULL is a no-op); freeing them wipes their keys.
        unsafe {
            sys::EVP_CIPHER_CTX_free(self.cipher);
            sys::HMAC_CTX_free(self.mac);
        }
    }
}

fn callback_failed(what: &str) -> Error {
    Error::local(
        Reason::CALLBACK_FAILED,
        format!("the ticket key callback failed while {what} a ticket"),
    )
}

/// Makes a ticket for `state` (the encoded session, at most `limits::MAX_TICKET_LEN` bytes).
fn seal(cb: TicketKeyCb, ssl: *mut SSL, state: &[u8]) -> Result<Option<Vec<u8>>> {
    let ctxs = Contexts::new()?;
    let mut name = [0u8; KEY_NAME_LEN];
    let mut iv = [0u8; LIBTLS_TICKET_IV_BUFFER];
    // SAFETY: the application's callback, with buffers of the documented sizes and live
    // contexts, as OpenSSL calls it.
    let r = unsafe {
        cb(
            ssl,
            name.as_mut_ptr(),
            iv.as_mut_ptr(),
            ctxs.cipher,
            ctxs.mac,
            1,
        )
    };
    if r < 0 {
        return Err(callback_failed("making"));
    }
    if r == 0 {
        return Ok(None);
    }
    let (iv_len, block, mac_len) = ctxs.ready().ok_or_else(|| {
        Error::local(
            Reason::CALLBACK_FAILED,
            "the ticket key callback returned 1 without initialising the cipher and HMAC \
             contexts (EVP_EncryptInit_ex, HMAC_Init_ex)",
        )
    })?;
    let header = KEY_NAME_LEN + iv_len;
    let mut out = vec![0u8; header + state.len() + block + mac_len];
    out[..KEY_NAME_LEN].copy_from_slice(&name);
    out[KEY_NAME_LEN..header].copy_from_slice(&iv[..iv_len]);
    let (mut n1, mut n2): (c_int, c_int) = (0, 0);
    let len = c_int::try_from(state.len()).map_err(|_| Error::internal("ticket too long"))?;
    // SAFETY: the output has room for the input plus one block, as EVP_EncryptUpdate and
    // EVP_EncryptFinal_ex may write; the context was initialised by the callback.
    let ok = unsafe {
        sys::EVP_EncryptUpdate(
            ctxs.cipher,
            out[header..].as_mut_ptr(),
            &mut n1,
            state.as_ptr(),
            len,
        ) == 1
            && sys::EVP_EncryptFinal_ex(
                ctxs.cipher,
                out[header + n1 as usize..].as_mut_ptr(),
                &mut n2,
            ) == 1
    };
    if !ok {
        return Err(Error::local(
            Reason::CALLBACK_FAILED,
            "encrypting a ticket with the ticket key callback's cipher failed",
        ));
    }
    let body_len = header + n1 as usize + n2 as usize;
    let (mac, got) = ctxs
        .mac(&out[..body_len])
        .filter(|(_, got)| *got == mac_len)
        .ok_or_else(|| Error::local(Reason::CALLBACK_FAILED, "the ticket HMAC failed"))?;
    out[body_len..body_len + got].copy_from_slice(&mac[..got]);
    out.truncate(body_len + got);
    Ok(Some(out))
}

/// Opens a ticket made by [`seal`] (or by any server with the same callback and keys).
fn open(cb: TicketKeyCb, ssl: *mut SSL, ticket: &[u8]) -> TicketOpened {
    // As OpenSSL: a ticket too short to hold a name and the largest IV is not looked at.
    if ticket.len() < KEY_NAME_LEN + LIBTLS_TICKET_IV_BUFFER {
        return TicketOpened::Unknown;
    }
    let ctxs = match Contexts::new() {
        Ok(c) => c,
        Err(e) => return TicketOpened::Failed(e),
    };
    let mut name = [0u8; KEY_NAME_LEN];
    name.copy_from_slice(&ticket[..KEY_NAME_LEN]);
    let mut iv = [0u8; LIBTLS_TICKET_IV_BUFFER];
    iv.copy_from_slice(&ticket[KEY_NAME_LEN..KEY_NAME_LEN + LIBTLS_TICKET_IV_BUFFER]);
    // SAFETY: as in `seal`.
    let r = unsafe {
        cb(
            ssl,
            name.as_mut_ptr(),
            iv.as_mut_ptr(),
            ctxs.cipher,
            ctxs.mac,
            0,
        )
    };
    if r < 0 {
        return TicketOpened::Failed(callback_failed("opening"));
    }
    if r == 0 {
        return TicketOpened::Unknown;
    }
    let renew = r == 2;
    let Some((iv_len, block, mac_len)) = ctxs.ready() else {
        return TicketOpened::Failed(Error::local(
            Reason::CALLBACK_FAILED,
            "the ticket key callback accepted a ticket without initialising the cipher and \
             HMAC contexts (EVP_DecryptInit_ex, HMAC_Init_ex)",
        ));
    };
    let header = KEY_NAME_LEN + iv_len;
    if ticket.len() <= header + mac_len {
        return TicketOpened::Unknown;
    }
    let (body, tag) = ticket.split_at(ticket.len() - mac_len);
    let Some((mac, got)) = ctxs.mac(body) else {
        return TicketOpened::Unknown;
    };
    // SAFETY: both are `mac_len` readable bytes. Constant time: the tag is the peer's guess.
    if got != mac_len
        || unsafe { sys::CRYPTO_memcmp(mac.as_ptr().cast(), tag.as_ptr().cast(), mac_len) } != 0
    {
        return TicketOpened::Unknown;
    }
    let ciphertext = &body[header..];
    let Ok(len) = c_int::try_from(ciphertext.len()) else {
        return TicketOpened::Unknown;
    };
    // The plaintext is the session's secret state: wiped when dropped.
    let mut plain = Zeroizing::new(vec![0u8; ciphertext.len() + block]);
    let (mut n1, mut n2): (c_int, c_int) = (0, 0);
    // SAFETY: room for the input plus one block; the context was initialised by the callback.
    let ok = unsafe {
        sys::EVP_DecryptUpdate(
            ctxs.cipher,
            plain.as_mut_ptr(),
            &mut n1,
            ciphertext.as_ptr(),
            len,
        ) == 1
            && sys::EVP_DecryptFinal_ex(ctxs.cipher, plain.as_mut_ptr().add(n1 as usize), &mut n2)
                == 1
    };
    if !ok {
        return TicketOpened::Unknown;
    }
    plain.truncate(n1 as usize + n2 as usize);
    TicketOpened::Plain {
        // The allocation moves into the Secret, which wipes all of it.
        state: Secret::new(std::mem::take(&mut *plain)),
        renew,
    }
}

/// `SSL_CTX_ctrl`'s `SSL_CTRL_SET_TLSEXT_TICKET_KEYS`: OpenSSL's 80-byte key layout (see
/// `SSL_CTX_set_tlsext_ticket_keys`).
pub(crate) unsafe fn ctrl_set_keys(ctx: *mut SSL_CTX, larg: c_long, parg: *mut c_void) -> c_long {
    // SAFETY: passed on; the function checks them.
    unsafe { super::session::SSL_CTX_set_tlsext_ticket_keys(ctx, parg, larg) as c_long }
}
