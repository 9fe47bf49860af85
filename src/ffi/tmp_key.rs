//! The peer's ephemeral key-exchange key (`SSL_get_peer_tmp_key`, `SSL_get_server_tmp_key`),
//! which stunnel logs ("Peer temporary key: ECDH, P-256, 256 bits").

use super::consts::{NID_X9_62_prime256v1, NID_secp384r1, NID_X25519};
use super::ssl::SSL;
use super::with_ref;
use super::x509::EVP_PKEY;
use crate::msgs::enums::NamedGroup;
use aws_lc_sys as sys;
use std::ffi::c_int;

/// An `EVP_PKEY` holding the public key `public` of `group` as TLS encodes it, or NULL for a
/// group without an `EVP_PKEY` form (the hybrid ML-KEM groups) or a malformed key.
fn public_key(group: NamedGroup, public: &[u8]) -> *mut EVP_PKEY {
    let curve = match group {
        NamedGroup::X25519 => {
            // SAFETY: a raw 32-byte X25519 public key; aws-lc copies it.
            return unsafe {
                sys::EVP_PKEY_new_raw_public_key(
                    NID_X25519,
                    std::ptr::null_mut(),
                    public.as_ptr(),
                    public.len(),
                )
            };
        }
        NamedGroup::SECP256R1 => NID_X9_62_prime256v1,
        NamedGroup::SECP384R1 => NID_secp384r1,
        _ => return std::ptr::null_mut(),
    };
    // SAFETY: each object is checked before use and freed unless handed on: the point to the
    // EC_KEY (which copies it), the EC_KEY to the EVP_PKEY (assign takes it).
    unsafe {
        let key = sys::EC_KEY_new_by_curve_name(curve);
        if key.is_null() {
            return std::ptr::null_mut();
        }
        let g = sys::EC_KEY_get0_group(key);
        let point = sys::EC_POINT_new(g);
        let ok = !point.is_null()
            && sys::EC_POINT_oct2point(
                g,
                point,
                public.as_ptr(),
                public.len(),
                std::ptr::null_mut(),
            ) == 1
            && sys::EC_KEY_set_public_key(key, point) == 1;
        sys::EC_POINT_free(point);
        if !ok {
            sys::EC_KEY_free(key);
            sys::ERR_clear_error();
            return std::ptr::null_mut();
        }
        let pkey = sys::EVP_PKEY_new();
        if pkey.is_null() || sys::EVP_PKEY_assign_EC_KEY(pkey, key) != 1 {
            sys::EVP_PKEY_free(pkey);
            sys::EC_KEY_free(key);
            return std::ptr::null_mut();
        }
        pkey
    }
}

/// On a client, the server's (EC)DHE public key of the handshake, as a new `EVP_PKEY` in `*key`
/// (the caller frees it): 1, or 0 when there is none (no handshake yet, a resumption without
/// key exchange, a server connection, a hybrid ML-KEM group).
#[no_mangle]
pub unsafe extern "C" fn SSL_get_peer_tmp_key(ssl: *mut SSL, key: *mut *mut EVP_PKEY) -> c_int {
    if key.is_null() {
        return super::null_arg("key", 0);
    }
    let pkey = with_ref(ssl, std::ptr::null_mut(), |s| {
        let Some(info) = s.conn.as_ref().map(|c| c.negotiated()) else {
            return std::ptr::null_mut();
        };
        match (info.group, info.peer_key_share.as_deref()) {
            (Some(g), Some(public)) => public_key(g, public),
            _ => std::ptr::null_mut(),
        }
    });
    if pkey.is_null() {
        return 0;
    }
    // SAFETY: the caller's out pointer, checked non-NULL.
    unsafe { *key = pkey };
    1
}

/// OpenSSL's older name of `SSL_get_peer_tmp_key` (a macro there).
#[no_mangle]
pub unsafe extern "C" fn SSL_get_server_tmp_key(ssl: *mut SSL, key: *mut *mut EVP_PKEY) -> c_int {
    // SAFETY: same contract.
    unsafe { SSL_get_peer_tmp_key(ssl, key) }
}
