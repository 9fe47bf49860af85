//! What a connection reports about itself and its peer: version, cipher, group, certificates,
//! Finished messages, server name and signature types.

use super::*;

/// Copies the verify_data of the last Finished message we sent into `buf` (at most `count`
/// bytes) and returns its full length; 0 before we sent one. Its TLS 1.2 value is RFC 5929's
/// tls-unique channel binding for a full handshake (the client's Finished) and a resumption
/// (the server's).
#[no_mangle]
pub unsafe extern "C" fn SSL_get_finished(
    ssl: *const SSL,
    buf: *mut c_void,
    count: usize,
) -> usize {
    with_ref(ssl, 0, |s| {
        let data = s
            .conn
            .as_ref()
            .map_or(&[][..], |c| &c.negotiated().our_finished[..]);
        // SAFETY: the caller provides `count` writable bytes at `buf`.
        unsafe { copy_finished(data, buf, count) }
    })
}

/// Like `SSL_get_finished`, for the last Finished message the peer sent.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_peer_finished(
    ssl: *const SSL,
    buf: *mut c_void,
    count: usize,
) -> usize {
    with_ref(ssl, 0, |s| {
        let data = s
            .conn
            .as_ref()
            .map_or(&[][..], |c| &c.negotiated().peer_finished[..]);
        // SAFETY: the caller provides `count` writable bytes at `buf`.
        unsafe { copy_finished(data, buf, count) }
    })
}

/// Copies as much of `data` as fits in `count` bytes at `buf` (none when `buf` is NULL) and
/// returns the whole length, so a caller can size its buffer from a first call.
///
/// # Safety
/// `buf` is NULL or points to `count` writable bytes.
pub(crate) unsafe fn copy_finished(data: &[u8], buf: *mut c_void, count: usize) -> usize {
    let n = data.len().min(count);
    if !buf.is_null() && n > 0 {
        // SAFETY: `n` <= `count` bytes fit at `buf` (the caller's promise); `data` is ours and
        // cannot overlap the caller's buffer.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), buf.cast::<u8>(), n) };
    }
    data.len()
}

/// 1 if the session used the extended master secret (RFC 7627), 0 if not, -1 while a handshake
/// is in progress or before one. libtls requires it in TLS 1.2, and TLS 1.3's key schedule
/// binds the whole transcript the same way, so a finished handshake reports 1. A macro over
/// `SSL_ctrl` in OpenSSL, a function here.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_extms_support(ssl: *const SSL) -> c_int {
    with_ref(ssl, -1, |s| match s.conn.as_ref() {
        Some(c) if !c.is_handshaking() && c.negotiated().version.is_some() => {
            let n = c.negotiated();
            c_int::from(n.version == Some(ProtocolVersion::TLSV1_3) || n.extended_master_secret)
        }
        _ => -1,
    })
}

/// The chain the peer sent, borrowed (valid until `SSL_clear` or `SSL_free`). As in OpenSSL, a
/// client's list starts with the server's certificate, while a server's omits the client's own
/// certificate (get that with `SSL_get1_peer_certificate`). NULL before the peer sent
/// certificates.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_peer_cert_chain(ssl: *const SSL) -> *mut stack_st_X509 {
    with_mut(ssl as *mut SSL, std::ptr::null_mut(), |s| {
        if s.peer_chain_stack.is_none() {
            let Some(conn) = s.conn.as_ref() else {
                return std::ptr::null_mut();
            };
            let chain = &conn.negotiated().peer_chain;
            if chain.is_empty() {
                return std::ptr::null_mut();
            }
            let skip = usize::from(conn.role() == Role::Server);
            s.peer_chain_stack = Some(X509Stack(crate::ffi::x509::x509_stack_from_ders(
                &chain[skip..],
            )));
        }
        s.peer_chain_stack
            .as_ref()
            .map_or(std::ptr::null_mut(), |b| b.0)
    })
}

/// The path verification built, leaf to trust anchor, borrowed (valid until `SSL_clear` or
/// `SSL_free`). As in OpenSSL, after a failed verification (that the verify mode or callback let
/// pass) it is the path as far as it could be built, at least the leaf; check
/// `SSL_get_verify_result` before trusting it. NULL when the peer sent no certificate.
#[no_mangle]
pub unsafe extern "C" fn SSL_get0_verified_chain(ssl: *const SSL) -> *mut stack_st_X509 {
    with_mut(ssl as *mut SSL, std::ptr::null_mut(), |s| {
        if s.verified_chain_stack.is_none() {
            let Some(conn) = s.conn.as_ref() else {
                return std::ptr::null_mut();
            };
            let chain: Vec<Vec<u8>> = conn
                .negotiated()
                .verified_chain_ders()
                .into_iter()
                .map(<[u8]>::to_vec)
                .collect();
            if chain.is_empty() {
                return std::ptr::null_mut();
            }
            s.verified_chain_stack =
                Some(X509Stack(crate::ffi::x509::x509_stack_from_ders(&chain)));
        }
        s.verified_chain_stack
            .as_ref()
            .map_or(std::ptr::null_mut(), |b| b.0)
    })
}

/// On a server, the CA names it sends in CertificateRequest (the context's list). On a client,
/// the names the server's CertificateRequest listed (borrowed, valid until `SSL_clear` or
/// `SSL_free`), from the client certificate callback on; NULL before a request or when it
/// listed none.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_client_CA_list(ssl: *const SSL) -> *mut stack_st_X509_NAME {
    with_mut(ssl as *mut SSL, std::ptr::null_mut(), |s| {
        if s.role != Some(Role::Client) {
            // SAFETY: the SSL's context is live.
            return unsafe { crate::ffi::ctx::SSL_CTX_get_client_CA_list(s.ctx) };
        }
        if s.peer_ca_stack.is_none() {
            let Some(conn) = s.conn.as_ref() else {
                return std::ptr::null_mut();
            };
            let names = &conn.negotiated().peer_ca_names;
            if names.is_empty() {
                return std::ptr::null_mut();
            }
            // A name that does not parse cannot be shown as an X509_NAME; the rest still can.
            let ders = names
                .iter()
                .filter(|der| crate::x509::Name::from_der(der).is_ok())
                .map(|der| der.as_slice());
            s.peer_ca_stack = Some(NameStack(crate::ffi::x509::name_stack_from_ders(ders)));
        }
        s.peer_ca_stack
            .as_ref()
            .map_or(std::ptr::null_mut(), |b| b.0)
    })
}

/// The server name: what the client set (client side) or what the client sent (server side).
#[no_mangle]
pub unsafe extern "C" fn SSL_get_servername(ssl: *const SSL, name_type: c_int) -> *const c_char {
    with_mut(ssl as *mut SSL, std::ptr::null(), |s| {
        if name_type != 0 {
            return std::ptr::null();
        }
        let name = match &s.conn {
            Some(c) => c.negotiated().server_name.as_deref(),
            None => s.sni.as_deref(),
        };
        let Some(name) = name else {
            return std::ptr::null();
        };
        // A changed name replaces the string (OpenSSL also frees the old name when it changes).
        if s.servername.as_ref().map(|c| c.as_bytes()) != Some(name.as_bytes()) {
            s.servername = CString::new(name).ok();
        }
        s.servername
            .as_ref()
            .map_or(std::ptr::null(), |c| c.as_ptr())
    })
}

pub(crate) fn version_of(s: &SSL) -> Option<ProtocolVersion> {
    s.conn.as_ref().and_then(|c| c.negotiated().version)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_version(ssl: *const SSL) -> *const c_char {
    with_ref(ssl, c"unknown".as_ptr(), |s| match version_of(s) {
        Some(ProtocolVersion::TLSV1_3) => c"TLSv1.3".as_ptr(),
        Some(ProtocolVersion::TLSV1_2) => c"TLSv1.2".as_ptr(),
        _ => c"unknown".as_ptr(),
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_version(ssl: *const SSL) -> c_int {
    with_ref(ssl, 0, |s| version_of(s).map_or(0, |v| v.0 as c_int))
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_current_cipher(ssl: *const SSL) -> *const SSL_CIPHER {
    with_ref(ssl, std::ptr::null(), |s| {
        s.conn
            .as_ref()
            .and_then(|c| c.negotiated().suite)
            .map_or(std::ptr::null(), cipher::to_c)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_verify_result(ssl: *const SSL) -> c_long {
    let ok = crate::verify::x509_v::OK as c_long;
    with_ref(ssl, ok, |s| {
        s.conn
            .as_ref()
            .map_or(ok, |c| c.negotiated().verify_result as c_long)
    })
}

/// OpenSSL's NID for a group; groups without one carry `TLSEXT_nid_unknown | codepoint`.
pub(crate) fn group_nid(g: NamedGroup) -> c_int {
    match g {
        NamedGroup::SECP256R1 => NID_X9_62_prime256v1,
        NamedGroup::SECP384R1 => NID_secp384r1,
        NamedGroup::X25519 => NID_X25519,
        other => TLSEXT_nid_unknown | other.0 as c_int,
    }
}

pub(crate) fn group_from_nid(nid: c_int) -> Option<NamedGroup> {
    match nid {
        NID_X9_62_prime256v1 => Some(NamedGroup::SECP256R1),
        NID_secp384r1 => Some(NamedGroup::SECP384R1),
        NID_X25519 => Some(NamedGroup::X25519),
        n if n & TLSEXT_nid_unknown != 0 => Some(NamedGroup((n & 0xffff) as u16)),
        _ => None,
    }
}

/// The key exchange group; 0 before the handshake chose one. OpenSSL makes this a macro.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_negotiated_group(ssl: *mut SSL) -> c_int {
    with_mut(ssl, 0, |s| {
        s.conn
            .as_ref()
            .and_then(|c| c.negotiated().group)
            .map_or(0, group_nid)
    })
}

/// The name of a group NID, as OpenSSL 3's `SSL_group_to_name`.
#[no_mangle]
pub unsafe extern "C" fn SSL_group_to_name(ssl: *mut SSL, nid: c_int) -> *const c_char {
    with_mut(ssl, std::ptr::null(), |_| {
        let Some(g) = group_from_nid(nid) else {
            return std::ptr::null();
        };
        static_c_string(crate::config::group_name(g))
    })
}

/// A NUL-terminated copy of a static string, made once per process and kept for its lifetime.
pub(crate) fn static_c_string(name: &'static str) -> *const c_char {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashMap<&'static str, CString>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    names
        .entry(name)
        .or_insert_with(|| CString::new(name).unwrap_or_default())
        .as_ptr()
}

/// The peer's leaf certificate with a new reference (free it with `X509_free`).
#[no_mangle]
pub unsafe extern "C" fn SSL_get1_peer_certificate(ssl: *const SSL) -> *mut X509 {
    with_mut(ssl as *mut SSL, std::ptr::null_mut(), |s| {
        if s.peer_cert.is_none() {
            let Some(leaf) = s
                .conn
                .as_ref()
                .and_then(|c| c.negotiated().peer_chain.first())
            else {
                return std::ptr::null_mut();
            };
            let x = crate::ffi::x509::x509_from_der(leaf);
            if x.is_null() {
                err::push(&Error::local(
                    Reason::INTERNAL_ERROR,
                    "the peer's certificate does not parse as an X509",
                ));
                return std::ptr::null_mut();
            }
            s.peer_cert = Some(OwnedX509(x));
        }
        let x = s.peer_cert.as_ref().map_or(std::ptr::null_mut(), |c| c.0);
        // SAFETY: the cached object is live; the caller gets a reference of its own.
        unsafe { aws_lc_sys::X509_up_ref(x) };
        x
    })
}

/// The pre-3.0 name of [`SSL_get1_peer_certificate`] (it also returns a new reference).
#[no_mangle]
pub unsafe extern "C" fn SSL_get_peer_certificate(ssl: *const SSL) -> *mut X509 {
    // SAFETY: same contract.
    unsafe { SSL_get1_peer_certificate(ssl) }
}

/// The agreed ALPN protocol (not NUL-terminated, owned by the SSL), or NULL and 0.
#[no_mangle]
pub unsafe extern "C" fn SSL_get0_alpn_selected(
    ssl: *const SSL,
    data: *mut *const u8,
    len: *mut c_uint,
) {
    with_ref(ssl, (), |s| {
        let chosen = s.conn.as_ref().and_then(|c| c.negotiated().alpn.as_deref());
        let (p, n) = chosen.map_or((std::ptr::null(), 0), |p| (p.as_ptr(), p.len() as c_uint));
        // SAFETY: caller storage, checked non-NULL.
        unsafe {
            if !data.is_null() {
                *data = p;
            }
            if !len.is_null() {
                *len = n;
            }
        }
    })
}

/// The signature scheme's `(signature type NID, digest NID)`, as OpenSSL reports them.
pub(crate) fn signature_nids(scheme: SignatureScheme) -> Option<(c_int, c_int)> {
    use crate::ffi::x509::{EVP_PKEY_EC, EVP_PKEY_ED25519, EVP_PKEY_RSA};
    use SignatureScheme as S;
    Some(match scheme {
        S::RSA_PKCS1_SHA1 => (EVP_PKEY_RSA, NID_sha1),
        S::RSA_PKCS1_SHA256 => (EVP_PKEY_RSA, NID_sha256),
        S::RSA_PKCS1_SHA384 => (EVP_PKEY_RSA, NID_sha384),
        S::RSA_PKCS1_SHA512 => (EVP_PKEY_RSA, NID_sha512),
        S::RSA_PSS_RSAE_SHA256 => (EVP_PKEY_RSA_PSS, NID_sha256),
        S::RSA_PSS_RSAE_SHA384 => (EVP_PKEY_RSA_PSS, NID_sha384),
        S::RSA_PSS_RSAE_SHA512 => (EVP_PKEY_RSA_PSS, NID_sha512),
        S::ECDSA_SHA1 => (EVP_PKEY_EC, NID_sha1),
        S::ECDSA_NISTP256_SHA256 => (EVP_PKEY_EC, NID_sha256),
        S::ECDSA_NISTP384_SHA384 => (EVP_PKEY_EC, NID_sha384),
        S::ECDSA_NISTP521_SHA512 => (EVP_PKEY_EC, NID_sha512),
        S::ED25519 => (EVP_PKEY_ED25519, NID_undef),
        _ => return None,
    })
}

pub(crate) fn peer_signature_nids(ssl: *const SSL) -> Option<(c_int, c_int)> {
    with_ref(ssl, None, |s| {
        s.conn
            .as_ref()
            .and_then(|c| c.negotiated().peer_signature_scheme)
            .and_then(signature_nids)
    })
}

/// The kind of signature the peer made in the handshake (`EVP_PKEY_RSA`, `EVP_PKEY_RSA_PSS`,
/// `EVP_PKEY_EC`, `EVP_PKEY_ED25519`); 0 when it made none (e.g. a client without a
/// certificate).
#[no_mangle]
pub unsafe extern "C" fn SSL_get_peer_signature_type_nid(
    ssl: *const SSL,
    pnid: *mut c_int,
) -> c_int {
    store_nid(peer_signature_nids(ssl).map(|(sig, _)| sig), pnid)
}

/// The digest of the peer's handshake signature (`NID_sha256`, ...; `NID_undef` for Ed25519);
/// 0 when it made none. A function here, a macro in OpenSSL.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_peer_signature_nid(ssl: *const SSL, pnid: *mut c_int) -> c_int {
    store_nid(peer_signature_nids(ssl).map(|(_, md)| md), pnid)
}

pub(crate) fn store_nid(nid: Option<c_int>, out: *mut c_int) -> c_int {
    match nid {
        Some(n) => {
            if !out.is_null() {
                // SAFETY: caller storage, checked non-NULL.
                unsafe { *out = n };
            }
            1
        }
        None => 0,
    }
}
