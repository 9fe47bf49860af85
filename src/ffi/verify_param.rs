//! `X509_VERIFY_PARAM`: the names and address a peer certificate must match, and the `SSL_*`
//! functions that set them on a connection.

use super::ssl::SSL;
use super::{err, with_mut, with_ours_or_theirs, Handle};
use crate::error::{Error, Reason};
use crate::verify::HostPolicy;
use std::ffi::{c_char, c_int, c_uint};

/// The verification parameters of one connection that libtls supports: the expected host names,
/// IP address and host flags. `SSL_get0_param` hands out a pointer into the `SSL`.
#[derive(Default)]
pub struct X509_VERIFY_PARAM {
    pub(crate) policy: HostPolicy,
}

impl Handle for X509_VERIFY_PARAM {
    const NAME: &'static str = "X509_VERIFY_PARAM";
}

impl X509_VERIFY_PARAM {
    /// OpenSSL's `SSL_set1_host`: an IP literal sets the address, a name replaces the names (and
    /// clears the address); NULL or "" clears the names.
    fn set_host(&mut self, host: Option<&str>) -> Result<(), Error> {
        if let Some(ip) = host.and_then(|h| h.parse::<std::net::IpAddr>().ok()) {
            self.policy.ip = Some(ip);
            return Ok(());
        }
        self.policy.ip = None;
        self.set_name(host)
    }

    /// `X509_VERIFY_PARAM_set1_host`: `host` replaces the names; NULL or "" clears them.
    fn set_name(&mut self, host: Option<&str>) -> Result<(), Error> {
        self.policy.hosts.clear();
        self.add_name(host)
    }

    /// A further acceptable name (`SSL_add1_host`); an IP literal sets the address, of which
    /// there can be only one.
    fn add_host(&mut self, host: Option<&str>) -> Result<(), Error> {
        if let Some(ip) = host.and_then(|h| h.parse::<std::net::IpAddr>().ok()) {
            if self.policy.ip.is_some_and(|old| old != ip) {
                return Err(Error::local(
                    Reason::INVALID_ARGUMENT,
                    "only one IP address can be expected",
                ));
            }
            self.policy.ip = Some(ip);
            return Ok(());
        }
        self.add_name(host)
    }

    /// `X509_VERIFY_PARAM_add1_host`: one more name. A name that is not a valid DNS name (say
    /// "host:443") is refused with an error, but kept all the same, as OpenSSL keeps it: it
    /// matches no certificate, so a caller that ignores the error gets a failing name check,
    /// never none (fail closed).
    fn add_name(&mut self, host: Option<&str>) -> Result<(), Error> {
        let Some(host) = host.filter(|h| !h.is_empty()) else {
            return Ok(());
        };
        self.policy.hosts.push(host.to_string());
        if pki_types::DnsName::try_from(host).is_err() {
            return Err(Error::local(
                Reason::INVALID_ARGUMENT,
                format!(
                    "'{host}' is neither a DNS name nor an IP address; it matches no certificate"
                ),
            ));
        }
        Ok(())
    }

    fn set_ip(&mut self, ip: Option<&str>) -> Result<(), Error> {
        self.policy.ip = match ip {
            None => None,
            Some(text) => Some(text.parse().map_err(|_| {
                Error::local(
                    Reason::INVALID_ARGUMENT,
                    format!("'{text}' is not an IPv4 or IPv6 address"),
                )
            })?),
        };
        Ok(())
    }
}

/// Maps a result to 1/0, queueing the error.
pub(crate) fn one_or_zero(r: Result<(), Error>) -> c_int {
    match r {
        Ok(()) => 1,
        Err(e) => {
            err::push(&e);
            0
        }
    }
}

/// `name` of `len` bytes (a final NUL allowed), or up to its NUL when `len` is 0, as OpenSSL's
/// `*_host` calls take it. A name with a NUL inside is refused before anything changes, as
/// OpenSSL refuses it; bytes that are not UTF-8 become U+FFFD, so such a name matches nothing.
pub(crate) unsafe fn name_arg(name: *const c_char, len: usize) -> Result<Option<String>, Error> {
    if name.is_null() {
        return Ok(None);
    }
    let mut bytes = if len == 0 {
        // SAFETY: a NUL-terminated string from the caller.
        unsafe { std::ffi::CStr::from_ptr(name) }.to_bytes()
    } else {
        // SAFETY: the caller passes `len` readable bytes.
        unsafe { std::slice::from_raw_parts(name as *const u8, len) }
    };
    if let [rest @ .., 0] = bytes {
        bytes = rest;
    }
    if bytes.contains(&0) {
        return Err(Error::local(
            Reason::INVALID_ARGUMENT,
            "host name contains a NUL byte",
        ));
    }
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

/// The name the peer's certificate must match (an IP literal: the address it must hold);
/// NULL clears the names.
#[no_mangle]
pub unsafe extern "C" fn SSL_set1_host(ssl: *mut SSL, hostname: *const c_char) -> c_int {
    with_mut(ssl, 0, |s| {
        // SAFETY: C string from the caller, or NULL.
        let host = unsafe { name_arg(hostname, 0) };
        one_or_zero(host.and_then(|h| s.verify_param.set_host(h.as_deref())))
    })
}

/// A further name the peer's certificate may match instead (any one suffices).
#[no_mangle]
pub unsafe extern "C" fn SSL_add1_host(ssl: *mut SSL, hostname: *const c_char) -> c_int {
    with_mut(ssl, 0, |s| {
        // SAFETY: C string from the caller, or NULL.
        let host = unsafe { name_arg(hostname, 0) };
        one_or_zero(host.and_then(|h| s.verify_param.add_host(h.as_deref())))
    })
}

/// `X509_CHECK_FLAG_*` for the host-name check. libtls honours `X509_CHECK_FLAG_NO_WILDCARDS`;
/// partial and multi-label wildcards and subject-CN matching never happen anyway.
#[no_mangle]
pub unsafe extern "C" fn SSL_set_hostflags(ssl: *mut SSL, flags: c_uint) {
    with_mut(ssl, (), |s| s.verify_param.policy.flags = flags)
}

/// The connection's verification parameters, owned by the `SSL` (valid until `SSL_free`).
#[no_mangle]
pub unsafe extern "C" fn SSL_get0_param(ssl: *mut SSL) -> *mut X509_VERIFY_PARAM {
    with_mut(ssl, std::ptr::null_mut(), |s| {
        &mut s.verify_param as *mut X509_VERIFY_PARAM
    })
}

/// The addresses of libtls's parameter objects (one in each SSL). aws-lc's libcrypto, which
/// libtls.so exports, has `X509_VERIFY_PARAM` objects of its own (`X509_VERIFY_PARAM_new`,
/// `X509_STORE_get0_param`): the functions below answer for libtls's and pass aws-lc's on.
pub(crate) fn params() -> std::sync::MutexGuard<'static, std::collections::HashSet<usize>> {
    static PARAMS: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<usize>>> =
        std::sync::OnceLock::new();
    PARAMS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn register_param(p: &mut X509_VERIFY_PARAM) {
    params().insert(p as *mut X509_VERIFY_PARAM as usize);
}

pub(crate) fn unregister_param(p: &X509_VERIFY_PARAM) {
    params().remove(&(p as *const X509_VERIFY_PARAM as usize));
}

/// Runs `f` on a parameter object from `SSL_get0_param`, or `theirs` on aws-lc's.
/// Registered parameters belong to a live SSL (SSL_get0_param).
pub(crate) fn with_param<T>(
    param: *mut X509_VERIFY_PARAM,
    fail: T,
    f: impl FnOnce(&mut X509_VERIFY_PARAM) -> T,
    theirs: impl FnOnce(*mut aws_lc_sys::X509_VERIFY_PARAM) -> T,
) -> T {
    let registered = |p: *const X509_VERIFY_PARAM| params().contains(&(p as usize));
    with_ours_or_theirs(param, fail, registered, f, theirs)
}

#[no_mangle]
pub unsafe extern "C" fn X509_VERIFY_PARAM_set1_host(
    param: *mut X509_VERIFY_PARAM,
    name: *const c_char,
    namelen: usize,
) -> c_int {
    with_param(
        param,
        0,
        |p| {
            // SAFETY: see name_arg.
            let host = unsafe { name_arg(name, namelen) };
            one_or_zero(host.and_then(|h| p.set_name(h.as_deref())))
        },
        // SAFETY: aws-lc's object and the caller's arguments, as aws-lc takes them.
        |a| unsafe { aws_lc_sys::X509_VERIFY_PARAM_set1_host(a, name, namelen) },
    )
}

#[no_mangle]
pub unsafe extern "C" fn X509_VERIFY_PARAM_add1_host(
    param: *mut X509_VERIFY_PARAM,
    name: *const c_char,
    namelen: usize,
) -> c_int {
    with_param(
        param,
        0,
        |p| {
            // SAFETY: see name_arg.
            let host = unsafe { name_arg(name, namelen) };
            one_or_zero(host.and_then(|h| p.add_name(h.as_deref())))
        },
        // SAFETY: aws-lc's object and the caller's arguments, as aws-lc takes them.
        |a| unsafe { aws_lc_sys::X509_VERIFY_PARAM_add1_host(a, name, namelen) },
    )
}

#[no_mangle]
pub unsafe extern "C" fn X509_VERIFY_PARAM_set_hostflags(
    param: *mut X509_VERIFY_PARAM,
    flags: c_uint,
) {
    with_param(
        param,
        (),
        |p| p.policy.flags = flags,
        // SAFETY: aws-lc's object.
        |a| unsafe { aws_lc_sys::X509_VERIFY_PARAM_set_hostflags(a, flags) },
    )
}

#[no_mangle]
pub unsafe extern "C" fn X509_VERIFY_PARAM_get_hostflags(
    param: *const X509_VERIFY_PARAM,
) -> c_uint {
    with_param(
        param as *mut X509_VERIFY_PARAM,
        0,
        |p| p.policy.flags,
        // SAFETY: aws-lc's object.
        |a| unsafe { aws_lc_sys::X509_VERIFY_PARAM_get_hostflags(a) },
    )
}

/// The IP address (dotted IPv4 or IPv6 text) the peer's certificate must hold; NULL clears it.
#[no_mangle]
pub unsafe extern "C" fn X509_VERIFY_PARAM_set1_ip_asc(
    param: *mut X509_VERIFY_PARAM,
    ipasc: *const c_char,
) -> c_int {
    with_param(
        param,
        0,
        |p| {
            // SAFETY: C string from the caller, or NULL.
            let ip = unsafe { name_arg(ipasc, 0) };
            one_or_zero(ip.and_then(|i| p.set_ip(i.as_deref())))
        },
        // SAFETY: aws-lc's object and the caller's string.
        |a| unsafe { aws_lc_sys::X509_VERIFY_PARAM_set1_ip_asc(a, ipasc) },
    )
}

/// libtls shorthand for `X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), ip)`.
#[no_mangle]
pub unsafe extern "C" fn SSL_set1_ip_asc(ssl: *mut SSL, ipasc: *const c_char) -> c_int {
    with_mut(ssl, 0, |s| {
        // SAFETY: C string from the caller, or NULL.
        let ip = unsafe { name_arg(ipasc, 0) };
        one_or_zero(ip.and_then(|i| s.verify_param.set_ip(i.as_deref())))
    })
}
