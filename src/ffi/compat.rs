//! libssl calls and controls that real OpenSSL programs use beyond the basics (issue 19):
//! read-ahead, OpenSSL's `SSL_ctrl` / `SSL_CTX_ctrl` commands that its macros expand to, and the
//! small conveniences of OpenSSL 1.0-era code.

use super::consts::TLSEXT_NAMETYPE_host_name;
use super::ctx::SSL_CTX;
use super::guard;
use super::ssl::SSL;
use super::x509::{EVP_PKEY, X509};
use super::{try_ref, with_mut, with_ref, with_result};
use crate::error::{Error, Reason};
use std::ffi::{c_char, c_int, c_long, c_void};

/// Turns read-ahead on (`yes` non-zero) for connections made from `ctx` afterwards; returns the
/// previous setting. Off by default, as in OpenSSL: a socket or fd BIO is then read a record
/// header and exactly that record's body, so bytes after the record being processed stay in
/// the kernel where `poll`/`epoll` see them. On, libtls reads whatever is there (up to a maximal
/// record) and `SSL_has_pending` reports what it holds. Memory and pair BIOs are always read
/// whole (see docs/differences-from-openssl.md).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_read_ahead(ctx: *mut SSL_CTX, yes: c_int) -> c_long {
    guard(0, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.map_or(0, |c| {
            let mut st = c.edit();
            std::mem::replace(&mut st.read_ahead, yes != 0) as c_long
        })
    })
}

/// 1 when connections made from `ctx` read ahead.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_read_ahead(ctx: *mut SSL_CTX) -> c_long {
    guard(0, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.map_or(0, |c| c.read().read_ahead as c_long)
    })
}

/// Read-ahead for this connection only (see `SSL_CTX_set_read_ahead`).
#[no_mangle]
pub unsafe extern "C" fn SSL_set_read_ahead(ssl: *mut SSL, yes: c_int) {
    with_mut(ssl, (), |s| s.read_ahead = yes != 0)
}

#[no_mangle]
pub unsafe extern "C" fn SSL_get_read_ahead(ssl: *const SSL) -> c_int {
    with_ref(ssl, 0, |s| s.read_ahead as c_int)
}

// ---- SSL_ctrl / SSL_CTX_ctrl ----------------------------------------------------------------
// OpenSSL spells many settings as macros over these two calls; a program that tests for a
// command (`#ifdef SSL_CTRL_SET_TLSEXT_HOSTNAME`) uses the feature. Each command libtls has is
// defined here with OpenSSL's number and handled by the same code as the named function.

pub const SSL_CTRL_SET_TMP_DH: c_int = 3;
pub const SSL_CTRL_EXTRA_CHAIN_CERT: c_int = 14;
/// The feature macro of the message callback (curl's `-v` handshake trace tests it); the
/// callback itself is set with `SSL_CTX_set_msg_callback` / `SSL_set_msg_callback`.
pub const SSL_CTRL_SET_MSG_CALLBACK: c_int = 15;
pub const SSL_CTRL_SET_MSG_CALLBACK_ARG: c_int = 16;
pub const SSL_CTRL_SESS_NUMBER: c_int = 20;
pub const SSL_CTRL_MODE: c_int = 33;
pub const SSL_CTRL_GET_READ_AHEAD: c_int = 40;
pub const SSL_CTRL_SET_READ_AHEAD: c_int = 41;
pub const SSL_CTRL_SET_SESS_CACHE_SIZE: c_int = 42;
pub const SSL_CTRL_GET_SESS_CACHE_SIZE: c_int = 43;
pub const SSL_CTRL_SET_SESS_CACHE_MODE: c_int = 44;
pub const SSL_CTRL_GET_SESS_CACHE_MODE: c_int = 45;
pub const SSL_CTRL_GET_MAX_CERT_LIST: c_int = 50;
pub const SSL_CTRL_SET_MAX_CERT_LIST: c_int = 51;
pub const SSL_CTRL_SET_MAX_SEND_FRAGMENT: c_int = 52;
pub const SSL_CTRL_SET_TLSEXT_SERVERNAME_CB: c_int = 53;
pub const SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG: c_int = 54;
pub const SSL_CTRL_SET_TLSEXT_HOSTNAME: c_int = 55;
pub const SSL_CTRL_CLEAR_MODE: c_int = 78;
/// With a NULL stack: `SSL_CTX_clear_chain_certs` (setting a whole chain is not supported).
pub const SSL_CTRL_CHAIN: c_int = 88;
pub const SSL_CTRL_CHAIN_CERT: c_int = 89;
pub const SSL_CTRL_SET_GROUPS_LIST: c_int = 92;
pub const SSL_CTRL_SET_CURVES_LIST: c_int = SSL_CTRL_SET_GROUPS_LIST;
/// Defined for programs that test for it (`SSL_CTX_set_ecdh_auto` is a no-op since OpenSSL
/// 1.1.0: ECDHE groups are always chosen automatically).
pub const SSL_CTRL_SET_ECDH_AUTO: c_int = 94;
pub const SSL_CTRL_SET_SIGALGS_LIST: c_int = 98;
pub const SSL_CTRL_SET_CLIENT_SIGALGS_LIST: c_int = 102;
pub const SSL_CTRL_GET_PEER_SIGNATURE_NID: c_int = 108;
pub const SSL_CTRL_SET_DH_AUTO: c_int = 118;
pub const SSL_CTRL_GET_EXTMS_SUPPORT: c_int = 122;
pub const SSL_CTRL_SET_MIN_PROTO_VERSION: c_int = 123;
pub const SSL_CTRL_SET_MAX_PROTO_VERSION: c_int = 124;
pub const SSL_CTRL_GET_MIN_PROTO_VERSION: c_int = 130;
pub const SSL_CTRL_GET_MAX_PROTO_VERSION: c_int = 131;
pub const SSL_CTRL_GET_NEGOTIATED_GROUP: c_int = 134;

/// TLS extension code points for feature tests (`TLSEXT_TYPE_*`, RFC 6066, RFC 7301).
pub const TLSEXT_TYPE_server_name: c_int = 0;
pub const TLSEXT_TYPE_application_layer_protocol_negotiation: c_int = 16;
pub const TLSEXT_MAXLEN_host_name: c_int = 255;

/// OpenSSL's generic setter behind `SSL_CTX_set_mode`, `SSL_CTX_set_read_ahead`,
/// `SSL_CTX_add_extra_chain_cert`, `SSL_CTX_set1_groups_list`, `SSL_CTX_set_dh_auto`,
/// `SSL_CTX_set_tmp_dh` and the other `SSL_CTRL_*` commands above, with their return values.
/// `SSL_CTRL_SET_TMP_DH` and `SSL_CTRL_SET_DH_AUTO` succeed and change nothing: libtls has no
/// finite-field Diffie-Hellman suites (the DH object stays the caller's, as in OpenSSL).
/// `SSL_CTRL_EXTRA_CHAIN_CERT` and `SSL_CTRL_CHAIN_CERT` append to the chain of the certificate
/// loaded last (`larg` 0 takes ownership of the X509, 1 copies it); `SSL_CTRL_CHAIN` with a
/// NULL stack drops that chain, with a stack replaces it (`SSL_CTX_set0_chain` takes the stack,
/// `SSL_CTX_set1_chain` copies). Unknown commands return 0.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_ctrl(
    ctx: *mut SSL_CTX,
    cmd: c_int,
    larg: c_long,
    parg: *mut c_void,
) -> c_long {
    use super::ctx::*;
    use super::session::*;
    // SAFETY (every call below): `ctx` and `parg` are passed on to the named function, which
    // checks them as it does when called directly.
    unsafe {
        match cmd {
            SSL_CTRL_SET_MSG_CALLBACK_ARG => {
                super::observe::SSL_CTX_set_msg_callback_arg(ctx, parg);
                guard(0, || try_ref(ctx).is_some() as c_long)
            }
            SSL_CTRL_MODE => SSL_CTX_set_mode(ctx, larg),
            SSL_CTRL_CLEAR_MODE => SSL_CTX_clear_mode(ctx, larg),
            SSL_CTRL_SET_READ_AHEAD => SSL_CTX_set_read_ahead(ctx, (larg != 0) as c_int),
            SSL_CTRL_GET_READ_AHEAD => SSL_CTX_get_read_ahead(ctx),
            SSL_CTRL_SET_SESS_CACHE_SIZE => SSL_CTX_sess_set_cache_size(ctx, larg),
            SSL_CTRL_GET_SESS_CACHE_SIZE => SSL_CTX_sess_get_cache_size(ctx),
            SSL_CTRL_SET_SESS_CACHE_MODE => SSL_CTX_set_session_cache_mode(ctx, larg),
            SSL_CTRL_GET_SESS_CACHE_MODE => SSL_CTX_get_session_cache_mode(ctx),
            SSL_CTRL_SESS_NUMBER => SSL_CTX_sess_number(ctx),
            SSL_CTRL_SET_MAX_CERT_LIST => SSL_CTX_set_max_cert_list(ctx, larg),
            SSL_CTRL_GET_MAX_CERT_LIST => SSL_CTX_get_max_cert_list(ctx),
            SSL_CTRL_SET_MAX_SEND_FRAGMENT => SSL_CTX_set_max_send_fragment(ctx, larg) as c_long,
            SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG => {
                SSL_CTX_set_tlsext_servername_arg(ctx, parg) as c_long
            }
            SSL_CTRL_SET_MIN_PROTO_VERSION => {
                SSL_CTX_set_min_proto_version(ctx, larg as c_int) as c_long
            }
            SSL_CTRL_SET_MAX_PROTO_VERSION => {
                SSL_CTX_set_max_proto_version(ctx, larg as c_int) as c_long
            }
            SSL_CTRL_GET_MIN_PROTO_VERSION => SSL_CTX_get_min_proto_version(ctx) as c_long,
            SSL_CTRL_GET_MAX_PROTO_VERSION => SSL_CTX_get_max_proto_version(ctx) as c_long,
            SSL_CTRL_SET_GROUPS_LIST => SSL_CTX_set1_groups_list(ctx, parg.cast()) as c_long,
            SSL_CTRL_SET_SIGALGS_LIST => SSL_CTX_set1_sigalgs_list(ctx, parg.cast()) as c_long,
            SSL_CTRL_SET_CLIENT_SIGALGS_LIST => {
                SSL_CTX_set1_client_sigalgs_list(ctx, parg.cast()) as c_long
            }
            SSL_CTRL_EXTRA_CHAIN_CERT => add_chain_cert(ctx, parg.cast(), true),
            SSL_CTRL_CHAIN_CERT => add_chain_cert(ctx, parg.cast(), larg == 0),
            SSL_CTRL_CHAIN if parg.is_null() => {
                with_result(ctx, |c| c.edit().clear_chain_certs()) as c_long
            }
            SSL_CTRL_CHAIN => super::cert_cb::ctx_set_chain(ctx, larg, parg),
            super::ticket_key_cb::SSL_CTRL_SET_TLSEXT_TICKET_KEYS => {
                super::ticket_key_cb::ctrl_set_keys(ctx, larg, parg)
            }
            SSL_CTRL_SET_TMP_DH | SSL_CTRL_SET_DH_AUTO | SSL_CTRL_SET_ECDH_AUTO => {
                guard(0, || try_ref(ctx).is_some() as c_long)
            }
            super::legacy::SSL_CTRL_SET_TMP_ECDH => super::legacy::ctx_set_tmp_ecdh(ctx, parg),
            super::chain_query::SSL_CTRL_GET_EXTRA_CHAIN_CERTS
            | super::chain_query::SSL_CTRL_GET_CHAIN_CERTS => {
                super::chain_query::ctx_get_chain(ctx, parg)
            }
            super::chain_query::SSL_CTRL_SELECT_CURRENT_CERT => {
                super::chain_query::ctx_select_current(ctx, parg.cast())
            }
            _ => super::ocsp::ctx_ctrl(ctx, cmd, larg, parg),
        }
    }
}

/// Appends `x` to the chain of the certificate loaded last; `owned`: the call takes the
/// caller's reference (released once its DER is copied), as OpenSSL's add0 does on success.
unsafe fn add_chain_cert(ctx: *mut SSL_CTX, x: *mut X509, owned: bool) -> c_long {
    let r = with_result(ctx, |c| {
        if x.is_null() {
            return Err(Error::local(Reason::INVALID_ARGUMENT, "X509 is NULL"));
        }
        // SAFETY: a live X509 from the caller.
        let der = unsafe { super::x509::x509_der(x) }
            .ok_or_else(|| Error::local(Reason::INVALID_ARGUMENT, "X509 has no DER encoding"))?;
        c.edit().add_chain_cert(der)
    });
    if r == 1 && owned {
        // SAFETY: the caller handed its reference over.
        unsafe { aws_lc_sys::X509_free(x) };
    }
    r as c_long
}

/// OpenSSL's generic per-connection setter behind `SSL_set_tlsext_host_name`, `SSL_set_mode`,
/// `SSL_set_min_proto_version`, `SSL_get_extms_support`, `SSL_set0_chain` / `SSL_set1_chain` /
/// `SSL_add0_chain_cert` / `SSL_add1_chain_cert` (the chain of `SSL_use_certificate`'s
/// certificate) and the other `SSL_CTRL_*` commands above that apply to a connection. Unknown
/// commands return 0.
#[no_mangle]
pub unsafe extern "C" fn SSL_ctrl(
    ssl: *mut SSL,
    cmd: c_int,
    larg: c_long,
    parg: *mut c_void,
) -> c_long {
    use super::ssl::*;
    // SAFETY (every call below): `ssl` and `parg` are passed on to the named function, which
    // checks them as it does when called directly.
    unsafe {
        match cmd {
            SSL_CTRL_SET_TLSEXT_HOSTNAME if larg == TLSEXT_NAMETYPE_host_name as c_long => {
                SSL_set_tlsext_host_name(ssl, parg.cast()) as c_long
            }
            SSL_CTRL_SET_MSG_CALLBACK_ARG => {
                super::observe::SSL_set_msg_callback_arg(ssl, parg);
                with_ref(ssl, 0, |_| 1)
            }
            SSL_CTRL_MODE => SSL_set_mode(ssl, larg),
            SSL_CTRL_CLEAR_MODE => SSL_clear_mode(ssl, larg),
            SSL_CTRL_SET_READ_AHEAD => {
                let old = SSL_get_read_ahead(ssl) as c_long;
                SSL_set_read_ahead(ssl, (larg != 0) as c_int);
                old
            }
            SSL_CTRL_GET_READ_AHEAD => SSL_get_read_ahead(ssl) as c_long,
            SSL_CTRL_SET_MAX_CERT_LIST => SSL_set_max_cert_list(ssl, larg),
            SSL_CTRL_GET_MAX_CERT_LIST => SSL_get_max_cert_list(ssl),
            SSL_CTRL_SET_MIN_PROTO_VERSION => {
                SSL_set_min_proto_version(ssl, larg as c_int) as c_long
            }
            SSL_CTRL_SET_MAX_PROTO_VERSION => {
                SSL_set_max_proto_version(ssl, larg as c_int) as c_long
            }
            SSL_CTRL_GET_MIN_PROTO_VERSION => SSL_get_min_proto_version(ssl) as c_long,
            SSL_CTRL_GET_MAX_PROTO_VERSION => SSL_get_max_proto_version(ssl) as c_long,
            SSL_CTRL_SET_SIGALGS_LIST => SSL_set1_sigalgs_list(ssl, parg.cast()) as c_long,
            SSL_CTRL_SET_CLIENT_SIGALGS_LIST => {
                SSL_set1_client_sigalgs_list(ssl, parg.cast()) as c_long
            }
            SSL_CTRL_CHAIN => super::cert_cb::ssl_chain_ctrl(ssl, true, larg, parg),
            SSL_CTRL_CHAIN_CERT => super::cert_cb::ssl_chain_ctrl(ssl, false, larg, parg),
            SSL_CTRL_GET_EXTMS_SUPPORT => SSL_get_extms_support(ssl) as c_long,
            SSL_CTRL_GET_NEGOTIATED_GROUP => SSL_get_negotiated_group(ssl) as c_long,
            SSL_CTRL_GET_PEER_SIGNATURE_NID => {
                SSL_get_peer_signature_nid(ssl, parg.cast()) as c_long
            }
            SSL_CTRL_SET_TMP_DH | SSL_CTRL_SET_DH_AUTO | SSL_CTRL_SET_ECDH_AUTO => {
                with_ref(ssl, 0, |_| 1)
            }
            _ => super::ocsp::ssl_ctrl(ssl, cmd, larg, parg),
        }
    }
}

/// A callback cast to `void (*)(void)`, as `SSL_CTX_callback_ctrl` takes it.
#[allow(non_camel_case_types)]
pub type LIBTLS_void_fn = Option<unsafe extern "C" fn()>;

/// OpenSSL's setter of callbacks behind `SSL_CTX_set_tlsext_status_cb` and
/// `SSL_CTX_set_tlsext_servername_callback` (`SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB`,
/// `SSL_CTRL_SET_TLSEXT_SERVERNAME_CB`); `fp` is the callback cast to `void (*)(void)`, as
/// OpenSSL's macros pass it. Unknown commands return 0.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_callback_ctrl(
    ctx: *mut SSL_CTX,
    cmd: c_int,
    fp: LIBTLS_void_fn,
) -> c_long {
    // SAFETY (both): OpenSSL's macros cast the application's callback of the command's type
    // to `void (*)(void)`; it is cast back to that type, which is how C calls it.
    unsafe {
        match cmd {
            super::ocsp::SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB => {
                super::ocsp::SSL_CTX_set_tlsext_status_cb(
                    ctx,
                    std::mem::transmute::<LIBTLS_void_fn, super::ocsp::SSL_CTX_tlsext_status_cb>(
                        fp,
                    ),
                )
            }
            SSL_CTRL_SET_TLSEXT_SERVERNAME_CB => {
                super::ctx::SSL_CTX_set_tlsext_servername_callback(
                    ctx,
                    std::mem::transmute::<LIBTLS_void_fn, super::ctx::SSL_servername_cb>(fp),
                ) as c_long
            }
            _ => 0,
        }
    }
}

/// Accepts a Diffie-Hellman parameter key and drops it: libtls has no finite-field DH suites.
/// Takes ownership of `dhpkey` on success, as OpenSSL does.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set0_tmp_dh_pkey(
    ctx: *mut SSL_CTX,
    dhpkey: *mut EVP_PKEY,
) -> c_int {
    guard(0, || {
        // SAFETY: see try_ref.
        if unsafe { try_ref(ctx) }.is_none() {
            return 0;
        }
        // SAFETY: the caller hands its reference over (NULL is a no-op).
        unsafe { aws_lc_sys::EVP_PKEY_free(dhpkey) };
        1
    })
}

/// Like `SSL_CTX_set0_tmp_dh_pkey`, for one connection.
#[no_mangle]
pub unsafe extern "C" fn SSL_set0_tmp_dh_pkey(ssl: *mut SSL, dhpkey: *mut EVP_PKEY) -> c_int {
    let ok = with_ref(ssl, 0, |_| 1);
    if ok == 1 {
        // SAFETY: the caller hands its reference over (NULL is a no-op).
        unsafe { aws_lc_sys::EVP_PKEY_free(dhpkey) };
    }
    ok
}

/// The password callback for encrypted PEM keys loaded through this context
/// (`SSL_CTX_use_PrivateKey_file`, and the SSLs made afterwards: `SSL_use_PrivateKey_file`).
/// Without a callback the userdata, if set, is the password (OpenSSL's default callback, minus
/// its terminal prompt).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_default_passwd_cb(
    ctx: *mut SSL_CTX,
    cb: LIBTLS_pem_password_cb,
) {
    guard((), || {
        // SAFETY: see try_ref.
        if let Some(c) = unsafe { try_ref(ctx) } {
            c.edit().passwd_cb = cb;
        }
    })
}

/// The `userdata` argument the password callback gets.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_default_passwd_cb_userdata(ctx: *mut SSL_CTX, u: *mut c_void) {
    guard((), || {
        // SAFETY: see try_ref.
        if let Some(c) = unsafe { try_ref(ctx) } {
            c.edit().passwd_userdata = u as usize;
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_default_passwd_cb(
    ctx: *mut SSL_CTX,
) -> LIBTLS_pem_password_cb {
    guard(None, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.and_then(|c| c.read().passwd_cb)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_default_passwd_cb_userdata(ctx: *mut SSL_CTX) -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.map_or(std::ptr::null_mut(), |c| {
            c.read().passwd_userdata as *mut c_void
        })
    })
}

/// Runs `f` on the SSL, pushing its error: 1 on success, 0 on failure.
pub(crate) fn ssl_call(
    ssl: *mut SSL,
    f: impl FnOnce(&mut SSL) -> crate::error::Result<()>,
) -> c_int {
    with_mut(ssl, 0, |s| match f(s) {
        Ok(()) => 1,
        Err(e) => {
            super::err::push(&e);
            0
        }
    })
}

/// This connection's TLS 1.2 cipher suites, in OpenSSL's cipher-list syntax (as
/// `SSL_CTX_set_cipher_list`); takes effect for a handshake not yet started.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_cipher_list(
    ssl: *mut SSL,
    list: *const std::ffi::c_char,
) -> c_int {
    ssl_call(ssl, |s| {
        // SAFETY: C string from the caller.
        let text = unsafe { super::c_str(list, "cipher list") }
            .ok_or_else(|| Error::local(Reason::INVALID_ARGUMENT, "bad cipher list"))?;
        s.tls12_suites = Some(crate::config::lists::parse_cipher_list(text)?);
        Ok(())
    })
}

/// This connection's own certificate (its DER is copied; no reference is taken), used instead of
/// the context's certificate of the same key type once `SSL_use_PrivateKey` gives its key.
#[no_mangle]
pub unsafe extern "C" fn SSL_use_certificate(ssl: *mut SSL, x: *mut X509) -> c_int {
    ssl_call(ssl, |s| {
        if x.is_null() {
            return Err(Error::local(Reason::INVALID_ARGUMENT, "X509 is NULL"));
        }
        // SAFETY: a live X509 from the caller.
        let der = unsafe { super::x509::x509_der(x) }
            .ok_or_else(|| Error::local(Reason::INVALID_ARGUMENT, "X509 has no DER encoding"))?;
        s.own_cert = Some(der);
        check_own_pair(s)
    })
}

/// This connection's own private key (see `SSL_use_certificate`).
#[no_mangle]
pub unsafe extern "C" fn SSL_use_PrivateKey(ssl: *mut SSL, pkey: *mut EVP_PKEY) -> c_int {
    ssl_call(ssl, |s| {
        // SAFETY: a live EVP_PKEY from the caller, or NULL (refused).
        let key = unsafe { super::x509::signing_key(pkey) }.map_err(|_| {
            Error::local(
                Reason::NO_PRIVATE_KEY_ASSIGNED,
                "the EVP_PKEY holds no private key libtls can use",
            )
        })?;
        s.own_key = Some(std::sync::Arc::new(key));
        check_own_pair(s)
    })
}

/// Once both halves are set they must match; a mismatched key is dropped (as OpenSSL does).
pub(crate) fn check_own_pair(s: &mut SSL) -> crate::error::Result<()> {
    if let (Some(cert), Some(key)) = (&s.own_cert, &s.own_key) {
        let pair = crate::config::CertifiedKey {
            chain: vec![cert.clone()],
            key: key.clone(),
        };
        if let Err(e) = pair.check() {
            s.own_key = None;
            return Err(e);
        }
    }
    Ok(())
}

/// OpenSSL's `pem_password_cb *` (aws-lc's <openssl/pem.h> declares the function type; a
/// second typedef of that name here would clash with it in C89/C99).
#[allow(non_camel_case_types)]
pub type LIBTLS_pem_password_cb = Option<
    unsafe extern "C" fn(buf: *mut c_char, size: c_int, rwflag: c_int, u: *mut c_void) -> c_int,
>;
