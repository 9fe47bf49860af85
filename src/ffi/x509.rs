//! `X509` and `X509_NAME`: reference-counted parsed certificates for inspection from C, with
//! the pieces of OpenSSL's object API around them: `STACK_OF(X509)` and `STACK_OF(X509_NAME)`,
//! `ASN1_INTEGER`/`ASN1_TIME` views, `EVP_PKEY` (key type, and private keys for client
//! certificate callbacks), `EVP_MD` digests, and the verify callback's `X509_STORE_CTX`.

use super::{copy_to_c_buf, err, guard, null_arg};
use crate::crypto::sign::{KeyType, SigningKey};
use crate::error::{Error, Reason, Result};
use std::ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_void, CString};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

pub struct X509_NAME {
    name: crate::x509::Name,
}

impl X509_NAME {
    pub(crate) fn from_name(name: crate::x509::Name) -> X509_NAME {
        X509_NAME { name }
    }

    pub(crate) fn der(&self) -> &[u8] {
        self.name.der()
    }
}

/// An ASN.1 string as OpenSSL exposes it: an INTEGER's magnitude octets or a Time's text.
/// `ASN1_INTEGER` and `ASN1_TIME` are this type, as in OpenSSL.
pub struct ASN1_STRING {
    /// `V_ASN1_*` tag of the value.
    typ: c_int,
    data: Vec<u8>,
    /// Seconds since the epoch, for times.
    epoch: i64,
}

pub type ASN1_INTEGER = ASN1_STRING;
pub type ASN1_TIME = ASN1_STRING;

pub const V_ASN1_INTEGER: c_int = 2;
pub const V_ASN1_UTCTIME: c_int = 23;
pub const V_ASN1_GENERALIZEDTIME: c_int = 24;

impl ASN1_STRING {
    fn integer(der_contents: &[u8]) -> ASN1_STRING {
        // OpenSSL keeps the magnitude without the sign octet DER may need.
        let first_nonzero = der_contents.iter().position(|&b| b != 0);
        let data = match first_nonzero {
            Some(i) => der_contents[i..].to_vec(),
            None => Vec::new(),
        };
        ASN1_STRING {
            typ: V_ASN1_INTEGER,
            data,
            epoch: 0,
        }
    }

    /// RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
    fn time(epoch: i64) -> ASN1_STRING {
        let days = epoch.div_euclid(86_400);
        let second_of_day = epoch.rem_euclid(86_400);
        let (year, month, day) = crate::x509::time::civil_from_days(days);
        let clock = format!(
            "{month:02}{day:02}{:02}{:02}{:02}Z",
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        );
        let (typ, text) = if (1950..2050).contains(&year) {
            (V_ASN1_UTCTIME, format!("{:02}{clock}", year % 100))
        } else {
            (V_ASN1_GENERALIZEDTIME, format!("{year:04}{clock}"))
        };
        ASN1_STRING {
            typ,
            data: text.into_bytes(),
            epoch,
        }
    }
}

pub struct X509 {
    refs: AtomicUsize,
    cert: crate::x509::Certificate,
    subject: X509_NAME,
    issuer: X509_NAME,
    serial: ASN1_INTEGER,
    not_before: ASN1_TIME,
    not_after: ASN1_TIME,
}

impl X509 {
    pub(crate) fn from_der(der: &[u8]) -> Result<X509> {
        let cert = crate::x509::Certificate::from_der(der)?;
        Ok(X509 {
            refs: AtomicUsize::new(1),
            subject: X509_NAME {
                name: cert.subject().clone(),
            },
            issuer: X509_NAME {
                name: cert.issuer().clone(),
            },
            serial: ASN1_STRING::integer(cert.serial()),
            not_before: ASN1_STRING::time(cert.not_before()),
            not_after: ASN1_STRING::time(cert.not_after()),
            cert,
        })
    }

    /// A new reference-counted object for C, or NULL with the parse error queued.
    pub(crate) fn new_raw(der: &[u8]) -> *mut X509 {
        match X509::from_der(der) {
            Ok(x) => Box::into_raw(Box::new(x)),
            Err(e) => {
                err::push(&e);
                std::ptr::null_mut()
            }
        }
    }

    pub(crate) fn der(&self) -> &[u8] {
        self.cert.der()
    }

    pub(crate) fn certificate(&self) -> &crate::x509::Certificate {
        &self.cert
    }
}

/// Borrows a live X509 from C.
unsafe fn x509_ref<'a>(x: *const X509) -> Option<&'a X509> {
    if x.is_null() {
        return null_arg("X509", None);
    }
    // SAFETY: non-NULL X509 pointers handed to C come from Box::into_raw and are live.
    Some(unsafe { &*x })
}

/// The signing-key type a certificate's public key implies, if libtls can use it.
pub(crate) fn key_type_of(cert: &crate::x509::Certificate) -> Option<KeyType> {
    use crate::x509::KeyType as K;
    match cert.public_key().key_type() {
        K::Rsa { .. } => Some(KeyType::Rsa),
        K::EcP256 => Some(KeyType::EcdsaP256),
        K::EcP384 => Some(KeyType::EcdsaP384),
        K::Ed25519 => Some(KeyType::Ed25519),
        _ => None,
    }
}

#[no_mangle]
pub unsafe extern "C" fn X509_free(x: *mut X509) {
    guard((), || {
        if x.is_null() {
            return;
        }
        // SAFETY: non-NULL X509 pointers come from Box::into_raw and hold a reference.
        let r = unsafe { &*x };
        if r.refs.fetch_sub(1, Ordering::AcqRel) == 1 {
            // SAFETY: last reference.
            drop(unsafe { Box::from_raw(x) });
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn X509_up_ref(x: *mut X509) -> c_int {
    guard(0, || {
        if x.is_null() {
            return super::null_arg("X509", 0);
        }
        // SAFETY: a live X509.
        unsafe { &*x }.refs.fetch_add(1, Ordering::Relaxed);
        1
    })
}

/// Borrowed from the certificate: valid while the X509 lives; do not free.
#[no_mangle]
pub unsafe extern "C" fn X509_get_subject_name(x: *const X509) -> *mut X509_NAME {
    guard(std::ptr::null_mut(), || {
        if x.is_null() {
            return super::null_arg("X509", std::ptr::null_mut());
        }
        // SAFETY: a live X509; the name lives inside it.
        &unsafe { &*x }.subject as *const X509_NAME as *mut X509_NAME
    })
}

#[no_mangle]
pub unsafe extern "C" fn X509_get_issuer_name(x: *const X509) -> *mut X509_NAME {
    guard(std::ptr::null_mut(), || {
        if x.is_null() {
            return super::null_arg("X509", std::ptr::null_mut());
        }
        // SAFETY: a live X509; the name lives inside it.
        &unsafe { &*x }.issuer as *const X509_NAME as *mut X509_NAME
    })
}

/// "/C=US/O=Example/CN=host". With a NULL `buf` the result is malloc'd (free with
/// `OPENSSL_free`); otherwise it is truncated to `size` bytes.
#[no_mangle]
pub unsafe extern "C" fn X509_NAME_oneline(
    name: *const X509_NAME,
    buf: *mut c_char,
    size: c_int,
) -> *mut c_char {
    guard(std::ptr::null_mut(), || {
        if name.is_null() {
            return super::null_arg("X509_NAME", std::ptr::null_mut());
        }
        // SAFETY: a live X509_NAME.
        let text = unsafe { &*name }.name.oneline();
        if buf.is_null() {
            let c = CString::new(text.replace('\0', "\\0")).unwrap_or_default();
            let bytes = c.as_bytes_with_nul();
            // SAFETY: malloc'd memory of the right size, filled completely below.
            let p = unsafe { libc::malloc(bytes.len()) } as *mut c_char;
            if !p.is_null() {
                // SAFETY: p has bytes.len() bytes.
                unsafe {
                    std::ptr::copy_nonoverlapping(bytes.as_ptr() as *const c_char, p, bytes.len())
                };
            }
            p
        } else {
            if size <= 0 {
                return std::ptr::null_mut();
            }
            // SAFETY: the caller provides `size` bytes at `buf`.
            unsafe { copy_to_c_buf(&text, buf, size as usize) };
            buf
        }
    })
}

/// DER encoding: returns its length; with `out` non-NULL writes it at `*out` and advances
/// `*out`, or, when `*out` is NULL, allocates the buffer (free with `OPENSSL_free`).
#[no_mangle]
pub unsafe extern "C" fn i2d_X509(x: *const X509, out: *mut *mut u8) -> c_int {
    guard(-1, || {
        if x.is_null() {
            return super::null_arg("X509", -1);
        }
        // SAFETY: a live X509.
        let der = unsafe { &*x }.cert.der();
        // SAFETY: the caller's `out`, as i2d_X509 documents it.
        unsafe { write_der(der, out) }
    })
}

/// The `i2d_*` convention: with `out` NULL, only the length; with `*out` NULL, a new buffer
/// (free with `OPENSSL_free`) stored there; otherwise the encoding written at `*out`, which is
/// advanced past it. Returns the length, or -1 when allocation fails.
///
/// # Safety
/// `out` is NULL or valid to read and write; a non-NULL `*out` has room for `der`.
unsafe fn write_der(der: &[u8], out: *mut *mut u8) -> c_int {
    let Ok(len) = c_int::try_from(der.len()) else {
        return -1;
    };
    if out.is_null() {
        return len;
    }
    // SAFETY: `out` is non-NULL; `*out` is NULL or points at room for the encoding.
    unsafe {
        if (*out).is_null() {
            let p = libc::malloc(der.len().max(1)) as *mut u8;
            if p.is_null() {
                return -1;
            }
            std::ptr::copy_nonoverlapping(der.as_ptr(), p, der.len());
            *out = p;
        } else {
            std::ptr::copy_nonoverlapping(der.as_ptr(), *out, der.len());
            *out = (*out).add(der.len());
        }
    }
    len
}

/// The DER encoding of a name, by the `i2d_*` convention (see `i2d_X509`).
#[no_mangle]
pub unsafe extern "C" fn i2d_X509_NAME(name: *const X509_NAME, out: *mut *mut u8) -> c_int {
    guard(-1, || {
        if name.is_null() {
            return super::null_arg("X509_NAME", -1);
        }
        // SAFETY: a live X509_NAME; the caller's `out` as documented.
        unsafe { write_der((*name).der(), out) }
    })
}

/// Parses one DER `Name` from `*pp` (at most `length` bytes) and advances `*pp` past it; with
/// `a` non-NULL, the previous `*a` is freed and replaced. NULL on malformed input.
#[no_mangle]
pub unsafe extern "C" fn d2i_X509_NAME(
    a: *mut *mut X509_NAME,
    pp: *mut *const u8,
    length: c_long,
) -> *mut X509_NAME {
    guard(std::ptr::null_mut(), || {
        // SAFETY: `pp` is checked for NULL before it is read.
        if pp.is_null() || unsafe { *pp }.is_null() || length <= 0 {
            return null_arg("d2i_X509_NAME input", std::ptr::null_mut());
        }
        // SAFETY: the caller provides `length` readable bytes at `*pp`.
        let input = unsafe { std::slice::from_raw_parts(*pp, length as usize) };
        let parsed = crate::x509::der::DerReader::new(input)
            .read_any("Name")
            .map_err(|e| Error::local(Reason::X509_LIB, format!("bad name: {e}")))
            .and_then(|tlv| {
                crate::x509::Name::from_der(tlv.encoded).map(|n| (n, tlv.encoded.len()))
            });
        let (name, used) = match parsed {
            Ok(found) => found,
            Err(e) => {
                err::push(&e);
                return std::ptr::null_mut();
            }
        };
        let out = Box::into_raw(Box::new(X509_NAME::from_name(name)));
        // SAFETY: `used` bytes lie within the input; `a` is checked for NULL and, when set,
        // holds NULL or a name from this library.
        unsafe {
            *pp = (*pp).add(used);
            if !a.is_null() {
                X509_NAME_free(*a);
                *a = out;
            }
        }
        out
    })
}

/// Frees memory the library allocated for the caller (OpenSSL defines it as a macro).
#[no_mangle]
pub unsafe extern "C" fn OPENSSL_free(p: *mut std::ffi::c_void) {
    // SAFETY: `p` came from malloc in this library (or is NULL).
    guard((), || unsafe { libc::free(p) })
}

#[no_mangle]
pub extern "C" fn X509_verify_cert_error_string(n: c_long) -> *const c_char {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static TABLE: OnceLock<HashMap<i64, CString>> = OnceLock::new();
    guard(std::ptr::null(), || {
        let t = TABLE.get_or_init(|| {
            (0..=100)
                .map(|c| (c, CString::new(crate::verify::x509_v::text(c)).unwrap()))
                .collect()
        });
        match t.get(&{ n }) {
            Some(s) => s.as_ptr(),
            None => c"unknown certificate verification error".as_ptr(),
        }
    })
}

// ---- STACK_OF(X509) and STACK_OF(X509_NAME) ------------------------------------------------

/// Element destructors for the `pop_free` calls, typedefs as in OpenSSL (a function-pointer
/// parameter spelt out in the prototype hides the function from the export list tooling).
pub type sk_X509_freefunc = Option<unsafe extern "C" fn(*mut X509)>;
pub type sk_X509_NAME_freefunc = Option<unsafe extern "C" fn(*mut X509_NAME)>;

/// `STACK_OF(X509)`: a list holding one reference to each certificate.
pub struct stack_st_X509 {
    items: Vec<*mut X509>,
}

impl stack_st_X509 {
    /// A stack of new certificate objects for DER certificates that parse.
    pub(crate) fn from_ders<'a>(ders: impl IntoIterator<Item = &'a Vec<u8>>) -> stack_st_X509 {
        let items = ders
            .into_iter()
            .filter_map(|der| X509::from_der(der).ok())
            .map(|x| Box::into_raw(Box::new(x)))
            .collect();
        stack_st_X509 { items }
    }
}

impl Drop for stack_st_X509 {
    fn drop(&mut self) {
        for x in self.items.drain(..) {
            // SAFETY: the stack owns one reference to each element.
            unsafe { X509_free(x) };
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn sk_X509_num(sk: *const stack_st_X509) -> c_int {
    guard(-1, || {
        if sk.is_null() {
            return -1;
        }
        // SAFETY: a live stack from this library.
        unsafe { &*sk }.items.len() as c_int
    })
}

/// The element at `idx`, borrowed from the stack; NULL when out of range.
#[no_mangle]
pub unsafe extern "C" fn sk_X509_value(sk: *const stack_st_X509, idx: c_int) -> *mut X509 {
    guard(std::ptr::null_mut(), || {
        if sk.is_null() || idx < 0 {
            return std::ptr::null_mut();
        }
        // SAFETY: a live stack from this library.
        let items = &unsafe { &*sk }.items;
        items
            .get(idx as usize)
            .copied()
            .unwrap_or(std::ptr::null_mut())
    })
}

/// Frees a stack the caller owns (not the ones `SSL_get_peer_cert_chain` lends), and its
/// references to the certificates.
#[no_mangle]
pub unsafe extern "C" fn sk_X509_pop_free(sk: *mut stack_st_X509, _free: sk_X509_freefunc) {
    guard((), || {
        if !sk.is_null() {
            // SAFETY: a stack from Box::into_raw that the caller owns.
            drop(unsafe { Box::from_raw(sk) });
        }
    })
}

/// `STACK_OF(X509_NAME)`: CA names for `SSL_CTX_set_client_CA_list` and friends.
pub struct stack_st_X509_NAME {
    /// Boxed so that names lent out by `sk_X509_NAME_value` keep their address while the
    /// stack grows.
    #[allow(clippy::vec_box)]
    pub(crate) items: Vec<Box<X509_NAME>>,
}

#[no_mangle]
pub extern "C" fn sk_X509_NAME_new_null() -> *mut stack_st_X509_NAME {
    guard(std::ptr::null_mut(), || {
        Box::into_raw(Box::new(stack_st_X509_NAME { items: Vec::new() }))
    })
}

#[no_mangle]
pub unsafe extern "C" fn sk_X509_NAME_num(sk: *const stack_st_X509_NAME) -> c_int {
    guard(-1, || {
        if sk.is_null() {
            return -1;
        }
        // SAFETY: a live stack from this library.
        unsafe { &*sk }.items.len() as c_int
    })
}

#[no_mangle]
pub unsafe extern "C" fn sk_X509_NAME_value(
    sk: *const stack_st_X509_NAME,
    idx: c_int,
) -> *mut X509_NAME {
    guard(std::ptr::null_mut(), || {
        if sk.is_null() || idx < 0 {
            return std::ptr::null_mut();
        }
        // SAFETY: a live stack from this library; names live as long as it.
        let items = &unsafe { &*sk }.items;
        items.get(idx as usize).map_or(std::ptr::null_mut(), |n| {
            &**n as *const X509_NAME as *mut X509_NAME
        })
    })
}

/// Appends a copy of `name`; returns the new count, 0 on failure.
#[no_mangle]
pub unsafe extern "C" fn sk_X509_NAME_push(
    sk: *mut stack_st_X509_NAME,
    name: *const X509_NAME,
) -> c_int {
    guard(0, || {
        if sk.is_null() || name.is_null() {
            return null_arg("STACK_OF(X509_NAME) or X509_NAME", 0);
        }
        // SAFETY: live objects from this library.
        let (stack, name) = unsafe { (&mut *sk, &*name) };
        stack.items.push(Box::new(X509_NAME {
            name: name.name.clone(),
        }));
        stack.items.len() as c_int
    })
}

#[no_mangle]
pub unsafe extern "C" fn sk_X509_NAME_pop_free(
    sk: *mut stack_st_X509_NAME,
    _free: sk_X509_NAME_freefunc,
) {
    guard((), || {
        if !sk.is_null() {
            // SAFETY: a stack from Box::into_raw that the caller owns.
            drop(unsafe { Box::from_raw(sk) });
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn sk_X509_NAME_free(sk: *mut stack_st_X509_NAME) {
    // SAFETY: same contract; names are owned by the stack here.
    unsafe { sk_X509_NAME_pop_free(sk, None) }
}

/// A copy of a name (free with `X509_NAME_free`).
#[no_mangle]
pub unsafe extern "C" fn X509_NAME_dup(name: *const X509_NAME) -> *mut X509_NAME {
    guard(std::ptr::null_mut(), || {
        if name.is_null() {
            return null_arg("X509_NAME", std::ptr::null_mut());
        }
        // SAFETY: a live X509_NAME.
        let n = unsafe { &*name }.name.clone();
        Box::into_raw(Box::new(X509_NAME { name: n }))
    })
}

/// Frees a name from `X509_NAME_dup` (never one borrowed from a certificate or a stack).
#[no_mangle]
pub unsafe extern "C" fn X509_NAME_free(name: *mut X509_NAME) {
    guard((), || {
        if !name.is_null() {
            // SAFETY: an owned name from X509_NAME_dup.
            drop(unsafe { Box::from_raw(name) });
        }
    })
}

// ---- Certificate fields ---------------------------------------------------------------------

/// The serial number, borrowed from the certificate.
#[no_mangle]
pub unsafe extern "C" fn X509_get_serialNumber(x: *mut X509) -> *mut ASN1_INTEGER {
    guard(std::ptr::null_mut(), || {
        // SAFETY: see x509_ref.
        unsafe { x509_ref(x) }.map_or(std::ptr::null_mut(), |x| {
            &x.serial as *const ASN1_INTEGER as *mut ASN1_INTEGER
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn X509_get0_serialNumber(x: *const X509) -> *const ASN1_INTEGER {
    // SAFETY: same contract; the result is only read.
    unsafe { X509_get_serialNumber(x as *mut X509) }
}

#[no_mangle]
pub unsafe extern "C" fn X509_get0_notBefore(x: *const X509) -> *const ASN1_TIME {
    guard(std::ptr::null(), || {
        // SAFETY: see x509_ref.
        unsafe { x509_ref(x) }.map_or(std::ptr::null(), |x| &x.not_before as *const ASN1_TIME)
    })
}

#[no_mangle]
pub unsafe extern "C" fn X509_get0_notAfter(x: *const X509) -> *const ASN1_TIME {
    guard(std::ptr::null(), || {
        // SAFETY: see x509_ref.
        unsafe { x509_ref(x) }.map_or(std::ptr::null(), |x| &x.not_after as *const ASN1_TIME)
    })
}

#[no_mangle]
pub unsafe extern "C" fn ASN1_STRING_length(s: *const ASN1_STRING) -> c_int {
    guard(0, || {
        if s.is_null() {
            return 0;
        }
        // SAFETY: a live ASN1_STRING from this library.
        unsafe { &*s }.data.len() as c_int
    })
}

/// The value's octets (not NUL-terminated), borrowed.
#[no_mangle]
pub unsafe extern "C" fn ASN1_STRING_get0_data(s: *const ASN1_STRING) -> *const u8 {
    guard(std::ptr::null(), || {
        if s.is_null() {
            return std::ptr::null();
        }
        // SAFETY: a live ASN1_STRING from this library.
        unsafe { &*s }.data.as_ptr()
    })
}

#[no_mangle]
pub unsafe extern "C" fn ASN1_STRING_type(s: *const ASN1_STRING) -> c_int {
    guard(0, || {
        if s.is_null() {
            return 0;
        }
        // SAFETY: a live ASN1_STRING from this library.
        unsafe { &*s }.typ
    })
}

/// The integer as a long; -1 when it does not fit (as OpenSSL).
#[no_mangle]
pub unsafe extern "C" fn ASN1_INTEGER_get(a: *const ASN1_INTEGER) -> c_long {
    guard(-1, || {
        if a.is_null() {
            return 0;
        }
        // SAFETY: a live ASN1_STRING from this library.
        let data = &unsafe { &*a }.data;
        if data.len() > std::mem::size_of::<c_long>()
            || (data.len() == std::mem::size_of::<c_long>() && data[0] & 0x80 != 0)
        {
            return -1;
        }
        data.iter().fold(0, |acc, &b| (acc << 8) | c_long::from(b))
    })
}

/// Breaks a time down into `struct tm` (UTC). NULL `s` means now, as in OpenSSL.
#[no_mangle]
pub unsafe extern "C" fn ASN1_TIME_to_tm(s: *const ASN1_TIME, tm: *mut libc::tm) -> c_int {
    guard(0, || {
        if tm.is_null() {
            return null_arg("struct tm", 0);
        }
        let epoch = if s.is_null() {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        } else {
            // SAFETY: a live ASN1_TIME from this library.
            unsafe { &*s }.epoch
        };
        let t = epoch as libc::time_t;
        // SAFETY: both pointers are valid for the call; gmtime_r fills `tm`.
        (!unsafe { libc::gmtime_r(&t, tm) }.is_null()) as c_int
    })
}

/// Whether a certificate is valid for a DNS name (1), not (0), or the call was bad (-1). The
/// matching rules are webpki's: SAN dNSName entries, wildcards in the leftmost label only.
/// `flags` are accepted and ignored. On a match `*peername` (when given) receives a copy of
/// the name, to be freed with `OPENSSL_free`.
#[no_mangle]
pub unsafe extern "C" fn X509_check_host(
    x: *const X509,
    name: *const c_char,
    namelen: usize,
    _flags: c_uint,
    peername: *mut *mut c_char,
) -> c_int {
    guard(-1, || {
        // SAFETY: see x509_ref.
        let Some(x) = (unsafe { x509_ref(x) }) else {
            return -1;
        };
        if name.is_null() {
            return null_arg("name", -1);
        }
        let bytes = if namelen == 0 {
            // SAFETY: NUL-terminated string from the caller.
            unsafe { std::ffi::CStr::from_ptr(name) }.to_bytes()
        } else {
            // SAFETY: the caller provides `namelen` bytes.
            unsafe { std::slice::from_raw_parts(name as *const u8, namelen) }
        };
        let Ok(host) = std::str::from_utf8(bytes) else {
            return -1;
        };
        let Ok(dns) = pki_types::DnsName::try_from(host) else {
            return -1;
        };
        let matched = valid_for(x.der(), pki_types::ServerName::DnsName(dns.to_owned()));
        if matched && !peername.is_null() {
            // SAFETY: `peername` is writable; the copy is malloc'd for OPENSSL_free.
            unsafe { *peername = malloc_c_string(host) };
        }
        matched as c_int
    })
}

/// Whether a certificate carries the IP address `address` ("127.0.0.1", "::1") in its SAN.
#[no_mangle]
pub unsafe extern "C" fn X509_check_ip_asc(
    x: *const X509,
    address: *const c_char,
    _flags: c_uint,
) -> c_int {
    guard(-1, || {
        // SAFETY: see x509_ref.
        let Some(x) = (unsafe { x509_ref(x) }) else {
            return -1;
        };
        // SAFETY: C string from the caller.
        let Some(text) = (unsafe { super::c_str(address, "address") }) else {
            return -1;
        };
        let Ok(ip) = text.parse::<std::net::IpAddr>() else {
            return -1;
        };
        valid_for(x.der(), pki_types::ServerName::IpAddress(ip.into())) as c_int
    })
}

fn valid_for(der: &[u8], name: pki_types::ServerName<'static>) -> bool {
    let cert = pki_types::CertificateDer::from(der);
    webpki::EndEntityCert::try_from(&cert)
        .is_ok_and(|ee| ee.verify_is_valid_for_subject_name(&name).is_ok())
}

fn malloc_c_string(s: &str) -> *mut c_char {
    let c = CString::new(s.replace('\0', "")).unwrap_or_default();
    let bytes = c.as_bytes_with_nul();
    // SAFETY: malloc'd memory of the right size, filled completely below.
    let p = unsafe { libc::malloc(bytes.len()) } as *mut c_char;
    if !p.is_null() {
        // SAFETY: p has bytes.len() bytes.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr() as *const c_char, p, bytes.len()) };
    }
    p
}

// ---- Name printing --------------------------------------------------------------------------

pub const XN_FLAG_COMPAT: c_ulong = 0;
pub const XN_FLAG_SEP_COMMA_PLUS: c_ulong = 1 << 16;
pub const XN_FLAG_SEP_CPLUS_SPC: c_ulong = 2 << 16;
pub const XN_FLAG_SEP_SPLUS_SPC: c_ulong = 3 << 16;
pub const XN_FLAG_SEP_MULTILINE: c_ulong = 4 << 16;
pub const XN_FLAG_SEP_MASK: c_ulong = 0xf << 16;
pub const XN_FLAG_DN_REV: c_ulong = 1 << 20;
pub const XN_FLAG_SPC_EQ: c_ulong = 1 << 23;
/// OpenSSL's `XN_FLAG_RFC2253`: `CN=host,O=Example` (most specific first).
pub const XN_FLAG_RFC2253: c_ulong = 0x0111_0317;
/// OpenSSL's `XN_FLAG_ONELINE`: `O = Example, CN = host`.
pub const XN_FLAG_ONELINE: c_ulong = 0x0082_031f;
/// OpenSSL's `XN_FLAG_MULTILINE`: one `commonName = host` per line.
pub const XN_FLAG_MULTILINE: c_ulong = 0x02a4_0006;

/// The text `X509_NAME_print_ex` writes for the separator style in `flags`: RFC 2253, the
/// spaced one-line form, one attribute per line, or (flags 0) OpenSSL's old `X509_NAME_print`.
fn name_text(name: &crate::x509::Name, indent: usize, flags: c_ulong) -> String {
    let pad = " ".repeat(indent);
    match flags & XN_FLAG_SEP_MASK {
        XN_FLAG_SEP_COMMA_PLUS => format!("{pad}{}", name.rfc2253()),
        XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_SEP_SPLUS_SPC => format!("{pad}{}", name.to_text()),
        XN_FLAG_SEP_MULTILINE => name
            .to_text()
            .split(", ")
            .map(|part| format!("{pad}{part}"))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => {
            let oneline = name.oneline();
            let trimmed = oneline.strip_prefix('/').unwrap_or(&oneline);
            format!("{pad}{}", trimmed.replace('/', ", "))
        }
    }
}

/// Writes a name to a stdio stream; returns the number of bytes written, -1 on error.
#[no_mangle]
pub unsafe extern "C" fn X509_NAME_print_ex_fp(
    fp: *mut libc::FILE,
    name: *const X509_NAME,
    indent: c_int,
    flags: c_ulong,
) -> c_int {
    guard(-1, || {
        if fp.is_null() || name.is_null() {
            return null_arg("FILE or X509_NAME", -1);
        }
        // SAFETY: a live X509_NAME.
        let text = name_text(&unsafe { &*name }.name, indent.max(0) as usize, flags);
        // SAFETY: fp is a stream from the caller; the buffer holds text.len() bytes.
        let written = unsafe { libc::fwrite(text.as_ptr() as *const c_void, 1, text.len(), fp) };
        if written != text.len() {
            return -1;
        }
        written as c_int
    })
}

// ---- DER and PEM input ----------------------------------------------------------------------

/// Parses one DER certificate at `*pp` (at most `length` bytes) and advances `*pp` past it.
/// With `a` non-NULL the result is also stored in `*a`, replacing (and freeing) what was there.
#[no_mangle]
pub unsafe extern "C" fn d2i_X509(
    a: *mut *mut X509,
    pp: *mut *const u8,
    length: c_long,
) -> *mut X509 {
    guard(std::ptr::null_mut(), || {
        // SAFETY: `pp` is checked for NULL before it is read.
        if pp.is_null() || unsafe { *pp }.is_null() || length <= 0 {
            return null_arg("d2i_X509 input", std::ptr::null_mut());
        }
        // SAFETY: the caller provides `length` readable bytes at `*pp`.
        let input = unsafe { std::slice::from_raw_parts(*pp, length as usize) };
        let element = match crate::x509::der::DerReader::new(input).read_any("Certificate") {
            Ok(tlv) => tlv.encoded,
            Err(e) => {
                err::push(&Error::local(
                    Reason::X509_LIB,
                    format!("bad certificate: {e}"),
                ));
                return std::ptr::null_mut();
            }
        };
        let x = X509::new_raw(element);
        if x.is_null() {
            return x;
        }
        // SAFETY: the element lies within the input; `a` is checked for NULL.
        unsafe {
            *pp = (*pp).add(element.len());
            if !a.is_null() {
                X509_free(*a);
                *a = x;
            }
        }
        x
    })
}

/// `pem_password_cb`: unused, as libtls reads only unencrypted PEM.
pub type pem_password_cb = Option<
    unsafe extern "C" fn(buf: *mut c_char, size: c_int, rwflag: c_int, u: *mut c_void) -> c_int,
>;

/// The largest PEM block read from a stream.
const MAX_PEM_BLOCK: usize = 1 << 20;

/// Reads the stream up to the end of the next PEM block whose label `wanted` accepts, skipping
/// other blocks; returns its DER contents, or `None` at end of file.
unsafe fn read_pem_block(
    fp: *mut libc::FILE,
    wanted: impl Fn(&rustls_pemfile::Item) -> Option<Vec<u8>>,
) -> Result<Option<Vec<u8>>> {
    let mut block = String::new();
    let mut line = vec![0 as c_char; 4096];
    let mut at_line_start = true;
    let mut in_block = false;
    loop {
        // SAFETY: `line` has room for its length; fgets NUL-terminates what it reads.
        let got = unsafe { libc::fgets(line.as_mut_ptr(), line.len() as c_int, fp) };
        if got.is_null() {
            return Ok(None);
        }
        // SAFETY: fgets wrote a NUL-terminated string into `line`.
        let text = unsafe { std::ffi::CStr::from_ptr(line.as_ptr()) }.to_string_lossy();
        let starts_line = at_line_start;
        at_line_start = text.ends_with('\n');
        if !in_block {
            if starts_line && text.starts_with("-----BEGIN ") {
                in_block = true;
                block.clear();
            } else {
                continue;
            }
        }
        block.push_str(&text);
        if block.len() > MAX_PEM_BLOCK {
            return Err(Error::local(Reason::BAD_PEM, "PEM block too large"));
        }
        if starts_line && text.starts_with("-----END ") {
            in_block = false;
            if !block.ends_with('\n') {
                block.push('\n');
            }
            let item = rustls_pemfile::read_one_from_slice(block.as_bytes())
                .map_err(|e| Error::local(Reason::BAD_PEM, format!("bad PEM: {e:?}")))?;
            if let Some((item, _)) = item {
                if let Some(der) = wanted(&item) {
                    return Ok(Some(der));
                }
            }
        }
    }
}

fn no_pem(what: &str) -> Error {
    Error::local(
        Reason::BAD_PEM,
        format!("no {what} found in the PEM stream"),
    )
}

/// Reads the next certificate from a PEM stream. With `x` non-NULL the result is also stored
/// in `*x`, replacing (and freeing) what was there.
#[no_mangle]
pub unsafe extern "C" fn PEM_read_X509(
    fp: *mut libc::FILE,
    x: *mut *mut X509,
    _cb: pem_password_cb,
    _u: *mut c_void,
) -> *mut X509 {
    guard(std::ptr::null_mut(), || {
        if fp.is_null() {
            return null_arg("FILE", std::ptr::null_mut());
        }
        // SAFETY: fp is a readable stream from the caller.
        let der = unsafe {
            read_pem_block(fp, |item| match item {
                rustls_pemfile::Item::X509Certificate(c) => Some(c.as_ref().to_vec()),
                _ => None,
            })
        };
        let der = match der {
            Ok(Some(d)) => d,
            Ok(None) => {
                err::push(&no_pem("certificate"));
                return std::ptr::null_mut();
            }
            Err(e) => {
                err::push(&e);
                return std::ptr::null_mut();
            }
        };
        let cert = X509::new_raw(&der);
        if !cert.is_null() && !x.is_null() {
            // SAFETY: `x` is writable; its old value is ours to free.
            unsafe {
                X509_free(*x);
                *x = cert;
            }
        }
        cert
    })
}

// ---- EVP_PKEY and EVP_MD --------------------------------------------------------------------

pub const EVP_PKEY_NONE: c_int = 0;
pub const EVP_PKEY_RSA: c_int = 6;
pub const EVP_PKEY_EC: c_int = 408;
pub const EVP_PKEY_ED25519: c_int = 1087;
pub const EVP_PKEY_ED448: c_int = 1088;

/// A key: the public half of a certificate (`X509_get_pubkey`), or a private key that can sign
/// (`PEM_read_PrivateKey`, for `SSL_CTX_use_PrivateKey` and client certificate callbacks).
pub struct EVP_PKEY {
    refs: AtomicUsize,
    id: c_int,
    bits: c_int,
    pub(crate) private: Option<Arc<SigningKey>>,
}

impl EVP_PKEY {
    fn from_public(kt: crate::x509::KeyType) -> EVP_PKEY {
        use crate::x509::KeyType as K;
        let (id, bits) = match kt {
            K::Rsa { bits } => (EVP_PKEY_RSA, bits as c_int),
            K::EcP256 => (EVP_PKEY_EC, 256),
            K::EcP384 => (EVP_PKEY_EC, 384),
            K::EcP521 => (EVP_PKEY_EC, 521),
            K::Ed25519 => (EVP_PKEY_ED25519, 256),
            K::Ed448 => (EVP_PKEY_ED448, 456),
            K::Other => (EVP_PKEY_NONE, 0),
        };
        EVP_PKEY {
            refs: AtomicUsize::new(1),
            id,
            bits,
            private: None,
        }
    }

    pub(crate) fn from_private(key: SigningKey) -> EVP_PKEY {
        let (id, bits) = match key.key_type() {
            KeyType::Rsa => (EVP_PKEY_RSA, rsa_public_key_bits(&key.public_key())),
            KeyType::EcdsaP256 => (EVP_PKEY_EC, 256),
            KeyType::EcdsaP384 => (EVP_PKEY_EC, 384),
            KeyType::Ed25519 => (EVP_PKEY_ED25519, 256),
        };
        EVP_PKEY {
            refs: AtomicUsize::new(1),
            id,
            bits,
            private: Some(Arc::new(key)),
        }
    }
}

/// Modulus size of a PKCS#1 `RSAPublicKey`.
fn rsa_public_key_bits(der: &[u8]) -> c_int {
    use crate::x509::der::{tag, DerReader};
    let mut outer = DerReader::new(der);
    let Ok(mut seq) = outer.read_constructed(tag::SEQUENCE, "RSAPublicKey") else {
        return 0;
    };
    let Ok(modulus) = seq.read_integer_bytes("modulus") else {
        return 0;
    };
    let magnitude: &[u8] = match modulus.iter().position(|&b| b != 0) {
        Some(i) => &modulus[i..],
        None => return 0,
    };
    ((magnitude.len() - 1) * 8) as c_int + (8 - magnitude[0].leading_zeros() as c_int)
}

/// Borrows a live EVP_PKEY from C.
pub(crate) unsafe fn pkey_ref<'a>(k: *const EVP_PKEY) -> Option<&'a EVP_PKEY> {
    if k.is_null() {
        return null_arg("EVP_PKEY", None);
    }
    // SAFETY: non-NULL EVP_PKEY pointers handed to C come from Box::into_raw and are live.
    Some(unsafe { &*k })
}

/// The certificate's public key (free with `EVP_PKEY_free`).
#[no_mangle]
pub unsafe extern "C" fn X509_get_pubkey(x: *mut X509) -> *mut EVP_PKEY {
    guard(std::ptr::null_mut(), || {
        // SAFETY: see x509_ref.
        unsafe { x509_ref(x) }.map_or(std::ptr::null_mut(), |x| {
            Box::into_raw(Box::new(EVP_PKEY::from_public(x.cert.key_type())))
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn EVP_PKEY_free(k: *mut EVP_PKEY) {
    guard((), || {
        if k.is_null() {
            return;
        }
        // SAFETY: a live EVP_PKEY holding a reference.
        if unsafe { &*k }.refs.fetch_sub(1, Ordering::AcqRel) == 1 {
            // SAFETY: last reference; the pointer came from Box::into_raw.
            drop(unsafe { Box::from_raw(k) });
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn EVP_PKEY_up_ref(k: *mut EVP_PKEY) -> c_int {
    guard(0, || {
        // SAFETY: see pkey_ref.
        unsafe { pkey_ref(k) }.map_or(0, |k| {
            k.refs.fetch_add(1, Ordering::Relaxed);
            1
        })
    })
}

/// `EVP_PKEY_RSA`, `EVP_PKEY_EC`, `EVP_PKEY_ED25519`, ...
#[no_mangle]
pub unsafe extern "C" fn EVP_PKEY_get_id(k: *const EVP_PKEY) -> c_int {
    guard(EVP_PKEY_NONE, || {
        // SAFETY: see pkey_ref.
        unsafe { pkey_ref(k) }.map_or(EVP_PKEY_NONE, |k| k.id)
    })
}

#[no_mangle]
pub unsafe extern "C" fn EVP_PKEY_id(k: *const EVP_PKEY) -> c_int {
    // SAFETY: same contract.
    unsafe { EVP_PKEY_get_id(k) }
}

#[no_mangle]
pub unsafe extern "C" fn EVP_PKEY_base_id(k: *const EVP_PKEY) -> c_int {
    // SAFETY: same contract.
    unsafe { EVP_PKEY_get_id(k) }
}

#[no_mangle]
pub unsafe extern "C" fn EVP_PKEY_get_bits(k: *const EVP_PKEY) -> c_int {
    guard(0, || {
        // SAFETY: see pkey_ref.
        unsafe { pkey_ref(k) }.map_or(0, |k| k.bits)
    })
}

#[no_mangle]
pub unsafe extern "C" fn EVP_PKEY_bits(k: *const EVP_PKEY) -> c_int {
    // SAFETY: same contract.
    unsafe { EVP_PKEY_get_bits(k) }
}

/// Reads the next private key (PKCS#8, SEC1 or PKCS#1, unencrypted) from a PEM stream. With
/// `x` non-NULL the result is also stored in `*x`, replacing (and freeing) what was there.
#[no_mangle]
pub unsafe extern "C" fn PEM_read_PrivateKey(
    fp: *mut libc::FILE,
    x: *mut *mut EVP_PKEY,
    _cb: pem_password_cb,
    _u: *mut c_void,
) -> *mut EVP_PKEY {
    guard(std::ptr::null_mut(), || {
        if fp.is_null() {
            return null_arg("FILE", std::ptr::null_mut());
        }
        // SAFETY: fp is a readable stream from the caller.
        let der = unsafe {
            read_pem_block(fp, |item| match item {
                rustls_pemfile::Item::Pkcs8Key(k) => Some(k.secret_pkcs8_der().to_vec()),
                rustls_pemfile::Item::Sec1Key(k) => Some(k.secret_sec1_der().to_vec()),
                rustls_pemfile::Item::Pkcs1Key(k) => Some(k.secret_pkcs1_der().to_vec()),
                _ => None,
            })
        };
        let key = match der {
            Ok(Some(d)) => {
                let key = SigningKey::from_der_bytes(&d);
                zeroize_vec(d);
                key
            }
            Ok(None) => Err(no_pem("private key")),
            Err(e) => Err(e),
        };
        match key {
            Ok(k) => {
                let p = Box::into_raw(Box::new(EVP_PKEY::from_private(k)));
                if !x.is_null() {
                    // SAFETY: `x` is writable; its old value is ours to free.
                    unsafe {
                        EVP_PKEY_free(*x);
                        *x = p;
                    }
                }
                p
            }
            Err(e) => {
                err::push(&e);
                std::ptr::null_mut()
            }
        }
    })
}

/// Overwrites key material before its buffer is released.
fn zeroize_vec(mut v: Vec<u8>) {
    for b in v.iter_mut() {
        // SAFETY: a valid, aligned byte of the vector; volatile keeps the store.
        unsafe { std::ptr::write_volatile(b, 0) };
    }
}

/// A digest algorithm for `X509_digest`.
pub struct EVP_MD {
    alg: &'static aws_lc_rs::digest::Algorithm,
}

static MD_SHA1: EVP_MD = EVP_MD {
    alg: &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
};
static MD_SHA256: EVP_MD = EVP_MD {
    alg: &aws_lc_rs::digest::SHA256,
};
static MD_SHA384: EVP_MD = EVP_MD {
    alg: &aws_lc_rs::digest::SHA384,
};
static MD_SHA512: EVP_MD = EVP_MD {
    alg: &aws_lc_rs::digest::SHA512,
};

#[no_mangle]
pub extern "C" fn EVP_sha1() -> *const EVP_MD {
    &MD_SHA1
}

#[no_mangle]
pub extern "C" fn EVP_sha256() -> *const EVP_MD {
    &MD_SHA256
}

#[no_mangle]
pub extern "C" fn EVP_sha384() -> *const EVP_MD {
    &MD_SHA384
}

#[no_mangle]
pub extern "C" fn EVP_sha512() -> *const EVP_MD {
    &MD_SHA512
}

fn md_ref(md: *const EVP_MD) -> Option<&'static EVP_MD> {
    [&MD_SHA1, &MD_SHA256, &MD_SHA384, &MD_SHA512]
        .into_iter()
        .find(|m| std::ptr::eq(*m, md))
}

#[no_mangle]
pub extern "C" fn EVP_MD_get_size(md: *const EVP_MD) -> c_int {
    guard(-1, || {
        md_ref(md).map_or(-1, |m| m.alg.output_len() as c_int)
    })
}

#[no_mangle]
pub extern "C" fn EVP_MD_size(md: *const EVP_MD) -> c_int {
    EVP_MD_get_size(md)
}

/// The certificate's fingerprint: the digest of its DER encoding, written to `out` (room for
/// `EVP_MAX_MD_SIZE` bytes), its length to `*len` when `len` is non-NULL.
#[no_mangle]
pub unsafe extern "C" fn X509_digest(
    x: *const X509,
    md: *const EVP_MD,
    out: *mut u8,
    len: *mut c_uint,
) -> c_int {
    guard(0, || {
        // SAFETY: see x509_ref.
        let Some(x) = (unsafe { x509_ref(x) }) else {
            return 0;
        };
        let Some(md) = md_ref(md) else {
            return null_arg("EVP_MD", 0);
        };
        if out.is_null() {
            return null_arg("digest buffer", 0);
        }
        let digest = aws_lc_rs::digest::digest(md.alg, x.der());
        let bytes = digest.as_ref();
        // SAFETY: the caller provides EVP_MAX_MD_SIZE (64) bytes, enough for every digest here.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), out, bytes.len());
            if !len.is_null() {
                *len = bytes.len() as c_uint;
            }
        }
        1
    })
}

pub const EVP_MAX_MD_SIZE: c_int = 64;

// ---- The verify callback's view -------------------------------------------------------------

/// What a verify callback can see and change: the certificate at the current depth, the
/// depth and the error, and the connection (`SSL_get_ex_data_X509_STORE_CTX_idx`).
pub struct X509_STORE_CTX {
    /// One reference, released when the context goes.
    current: *mut X509,
    chain: *mut stack_st_X509,
    depth: c_int,
    error: c_int,
    ssl: *mut c_void,
}

impl X509_STORE_CTX {
    pub(crate) fn new(event: &crate::verify::VerifyEvent<'_>, ssl: *mut c_void) -> Self {
        X509_STORE_CTX {
            current: event.current_cert().map_or(std::ptr::null_mut(), |der| {
                X509::from_der(der).map_or(std::ptr::null_mut(), |x| Box::into_raw(Box::new(x)))
            }),
            chain: Box::into_raw(Box::new(stack_st_X509::from_ders(event.chain))),
            depth: event.depth as c_int,
            error: event.error as c_int,
            ssl,
        }
    }

    pub(crate) fn error(&self) -> i64 {
        i64::from(self.error)
    }
}

impl Drop for X509_STORE_CTX {
    fn drop(&mut self) {
        // SAFETY: the context owns one reference to its certificate and owns its stack.
        unsafe {
            X509_free(self.current);
            drop(Box::from_raw(self.chain));
        }
    }
}

unsafe fn store_ref<'a>(ctx: *const X509_STORE_CTX) -> Option<&'a X509_STORE_CTX> {
    if ctx.is_null() {
        return null_arg("X509_STORE_CTX", None);
    }
    // SAFETY: store contexts exist only during a verify callback, which receives a live one.
    Some(unsafe { &*ctx })
}

/// The certificate being verified at the current depth (borrowed; do not free).
#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_get_current_cert(ctx: *const X509_STORE_CTX) -> *mut X509 {
    guard(std::ptr::null_mut(), || {
        // SAFETY: see store_ref.
        unsafe { store_ref(ctx) }.map_or(std::ptr::null_mut(), |c| c.current)
    })
}

/// The path being verified, leaf first, as OpenSSL builds it: the certificates that chain from
/// the leaf to the trust anchor (included), not the list the peer sent; after a failure, the
/// path as far as it could be built (borrowed; do not free).
#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_get0_chain(
    ctx: *const X509_STORE_CTX,
) -> *mut stack_st_X509 {
    guard(std::ptr::null_mut(), || {
        // SAFETY: see store_ref.
        unsafe { store_ref(ctx) }.map_or(std::ptr::null_mut(), |c| c.chain)
    })
}

/// [`X509_STORE_CTX_get0_chain`] as a new stack holding a new reference to each certificate;
/// free it with `sk_X509_pop_free(chain, X509_free)`.
#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_get1_chain(
    ctx: *const X509_STORE_CTX,
) -> *mut stack_st_X509 {
    guard(std::ptr::null_mut(), || {
        // SAFETY: see store_ref.
        let Some(c) = (unsafe { store_ref(ctx) }) else {
            return std::ptr::null_mut();
        };
        // SAFETY: the context owns its stack, whose certificates are live.
        let items = unsafe { &*c.chain }
            .items
            .iter()
            .map(|&x| {
                // SAFETY: a live certificate of the stack; the new stack owns this reference.
                unsafe { X509_up_ref(x) };
                x
            })
            .collect();
        Box::into_raw(Box::new(stack_st_X509 { items }))
    })
}

#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_get_error_depth(ctx: *const X509_STORE_CTX) -> c_int {
    guard(0, || {
        // SAFETY: see store_ref.
        unsafe { store_ref(ctx) }.map_or(0, |c| c.depth)
    })
}

#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_get_error(ctx: *const X509_STORE_CTX) -> c_int {
    guard(0, || {
        // SAFETY: see store_ref.
        unsafe { store_ref(ctx) }.map_or(0, |c| c.error)
    })
}

/// Changes the error the verification reports (`SSL_get_verify_result`).
#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_set_error(ctx: *mut X509_STORE_CTX, error: c_int) {
    guard((), || {
        if ctx.is_null() {
            return;
        }
        // SAFETY: a live store context handed to the callback.
        unsafe { &mut *ctx }.error = error;
    })
}

/// The only ex_data index a store context has: the one holding its `SSL`.
pub const SSL_X509_STORE_CTX_IDX: c_int = 0;

#[no_mangle]
pub extern "C" fn SSL_get_ex_data_X509_STORE_CTX_idx() -> c_int {
    SSL_X509_STORE_CTX_IDX
}

/// With `SSL_get_ex_data_X509_STORE_CTX_idx()`, the `SSL` whose peer is being verified.
#[no_mangle]
pub unsafe extern "C" fn X509_STORE_CTX_get_ex_data(
    ctx: *const X509_STORE_CTX,
    idx: c_int,
) -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        // SAFETY: see store_ref.
        match unsafe { store_ref(ctx) } {
            Some(c) if idx == SSL_X509_STORE_CTX_IDX => c.ssl,
            _ => std::ptr::null_mut(),
        }
    })
}

// ---- subjectAltName as OpenSSL's GENERAL_NAMES ----------------------------------------------

pub const NID_subject_alt_name: c_int = 85;

// OpenSSL's host-check flags (`crate::verify::host_flags` documents what libtls does with each).
pub const X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT: c_uint = 0x1;
pub const X509_CHECK_FLAG_NO_WILDCARDS: c_uint = 0x2;
pub const X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS: c_uint = 0x4;
pub const X509_CHECK_FLAG_MULTI_LABEL_WILDCARDS: c_uint = 0x8;
pub const X509_CHECK_FLAG_SINGLE_LABEL_SUBDOMAINS: c_uint = 0x10;
pub const X509_CHECK_FLAG_NEVER_CHECK_SUBJECT: c_uint = 0x20;
pub const GEN_OTHERNAME: c_int = 0;
pub const GEN_EMAIL: c_int = 1;
pub const GEN_DNS: c_int = 2;
pub const GEN_X400: c_int = 3;
pub const GEN_DIRNAME: c_int = 4;
pub const GEN_EDIPARTY: c_int = 5;
pub const GEN_URI: c_int = 6;
pub const GEN_IPADD: c_int = 7;
pub const GEN_RID: c_int = 8;
pub const V_ASN1_OCTET_STRING: c_int = 4;
pub const V_ASN1_IA5STRING: c_int = 22;

/// One subjectAltName entry. Its value is read with `GENERAL_NAME_get0_value`: an
/// `ASN1_STRING` (IA5String text for DNS, email and URI; the 4 or 16 address octets for IP), an
/// `X509_NAME` for a directory name, NULL for kinds libtls does not decode.
pub struct GENERAL_NAME {
    kind: c_int,
    text: Option<ASN1_STRING>,
    directory: Option<X509_NAME>,
}

impl GENERAL_NAME {
    fn new(name: &crate::x509::GeneralName) -> GENERAL_NAME {
        use crate::x509::GeneralName as G;
        let string = |typ: c_int, data: &[u8]| {
            Some(ASN1_STRING {
                typ,
                data: data.to_vec(),
                epoch: 0,
            })
        };
        let (kind, text, directory) = match name {
            G::Dns(s) => (GEN_DNS, string(V_ASN1_IA5STRING, s.as_bytes()), None),
            G::Email(s) => (GEN_EMAIL, string(V_ASN1_IA5STRING, s.as_bytes()), None),
            G::Uri(s) => (GEN_URI, string(V_ASN1_IA5STRING, s.as_bytes()), None),
            G::Ip(bytes) => (GEN_IPADD, string(V_ASN1_OCTET_STRING, bytes), None),
            G::DirectoryName(n) => (GEN_DIRNAME, None, Some(X509_NAME::from_name(n.clone()))),
            G::Unsupported(tag) => (c_int::from(*tag), None, None),
        };
        GENERAL_NAME {
            kind,
            text,
            directory,
        }
    }
}

/// `STACK_OF(GENERAL_NAME)`, which is OpenSSL's `GENERAL_NAMES`. It owns its entries.
pub struct stack_st_GENERAL_NAME {
    #[allow(clippy::vec_box)]
    items: Vec<Box<GENERAL_NAME>>,
}

pub type GENERAL_NAMES = stack_st_GENERAL_NAME;

/// The element destructor `sk_GENERAL_NAME_pop_free` takes (as a typedef, as in OpenSSL, so
/// that the export list tooling sees the function).
pub type sk_GENERAL_NAME_freefunc = Option<unsafe extern "C" fn(*mut GENERAL_NAME)>;

/// A decoded extension, as OpenSSL's `X509_get_ext_d2i`; libtls decodes subjectAltName
/// (`NID_subject_alt_name`, giving a `GENERAL_NAMES *` to free with `GENERAL_NAMES_free`) and
/// returns NULL for other NIDs. `*crit` (when not NULL) becomes 1 or 0 for a critical or
/// non-critical extension, -1 when absent; `idx` must be NULL or point to a value <= 0.
#[no_mangle]
pub unsafe extern "C" fn X509_get_ext_d2i(
    x: *const X509,
    nid: c_int,
    crit: *mut c_int,
    idx: *mut c_int,
) -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        let set_crit = |v: c_int| {
            if !crit.is_null() {
                // SAFETY: a writable int from the caller.
                unsafe { *crit = v };
            }
        };
        set_crit(-1);
        // SAFETY: see x509_ref.
        let Some(x) = (unsafe { x509_ref(x) }) else {
            return std::ptr::null_mut();
        };
        // SAFETY: a readable int from the caller, when not NULL.
        if !idx.is_null() && unsafe { *idx } > 0 {
            return std::ptr::null_mut();
        }
        if nid != NID_subject_alt_name {
            return std::ptr::null_mut();
        }
        let Some(ext) = x.cert.extension(crate::x509::oids::SUBJECT_ALT_NAME) else {
            return std::ptr::null_mut();
        };
        set_crit(c_int::from(ext.critical));
        let items = x
            .cert
            .subject_alt_names()
            .iter()
            .map(|n| Box::new(GENERAL_NAME::new(n)))
            .collect();
        Box::into_raw(Box::new(stack_st_GENERAL_NAME { items })) as *mut c_void
    })
}

#[no_mangle]
pub unsafe extern "C" fn sk_GENERAL_NAME_num(sk: *const stack_st_GENERAL_NAME) -> c_int {
    guard(-1, || {
        if sk.is_null() {
            return -1;
        }
        // SAFETY: a live stack from X509_get_ext_d2i.
        unsafe { &*sk }.items.len() as c_int
    })
}

/// The entry at `idx`, borrowed from the stack; NULL when out of range.
#[no_mangle]
pub unsafe extern "C" fn sk_GENERAL_NAME_value(
    sk: *const stack_st_GENERAL_NAME,
    idx: c_int,
) -> *mut GENERAL_NAME {
    guard(std::ptr::null_mut(), || {
        if sk.is_null() || idx < 0 {
            return std::ptr::null_mut();
        }
        // SAFETY: a live stack from X509_get_ext_d2i.
        unsafe { &*sk }
            .items
            .get(idx as usize)
            .map_or(std::ptr::null_mut(), |g| {
                &**g as *const GENERAL_NAME as *mut GENERAL_NAME
            })
    })
}

/// The entry's `GEN_*` kind in `*ptype` (when not NULL) and its value (see [`GENERAL_NAME`]).
#[no_mangle]
pub unsafe extern "C" fn GENERAL_NAME_get0_value(
    a: *const GENERAL_NAME,
    ptype: *mut c_int,
) -> *mut c_void {
    guard(std::ptr::null_mut(), || {
        if a.is_null() {
            return null_arg("GENERAL_NAME", std::ptr::null_mut());
        }
        // SAFETY: an entry lent by sk_GENERAL_NAME_value.
        let g = unsafe { &*a };
        if !ptype.is_null() {
            // SAFETY: a writable int from the caller.
            unsafe { *ptype = g.kind };
        }
        if let Some(s) = &g.text {
            return s as *const ASN1_STRING as *mut c_void;
        }
        g.directory.as_ref().map_or(std::ptr::null_mut(), |n| {
            n as *const X509_NAME as *mut c_void
        })
    })
}

/// Frees a stack from `X509_get_ext_d2i` with its entries.
#[no_mangle]
pub unsafe extern "C" fn GENERAL_NAMES_free(sk: *mut GENERAL_NAMES) {
    guard((), || {
        if !sk.is_null() {
            // SAFETY: a stack from Box::into_raw that the caller owns.
            drop(unsafe { Box::from_raw(sk) });
        }
    })
}

/// Same as `GENERAL_NAMES_free`; the free function is ignored because the stack owns its
/// entries (OpenSSL code passes `GENERAL_NAME_free`).
#[no_mangle]
pub unsafe extern "C" fn sk_GENERAL_NAME_pop_free(
    sk: *mut stack_st_GENERAL_NAME,
    _free: sk_GENERAL_NAME_freefunc,
) {
    // SAFETY: same contract as GENERAL_NAMES_free.
    unsafe { GENERAL_NAMES_free(sk) }
}

/// Does nothing: entries belong to their stack, which `GENERAL_NAMES_free` releases. Exists so
/// that `sk_GENERAL_NAME_pop_free(names, GENERAL_NAME_free)` compiles as with OpenSSL.
#[no_mangle]
pub extern "C" fn GENERAL_NAME_free(_a: *mut GENERAL_NAME) {}

// ---- Output: PEM, names on a BIO, times ------------------------------------------------------

fn write_all_to_bio(bio: *mut super::bio::BIO, bytes: &[u8]) -> bool {
    let Ok(len) = c_int::try_from(bytes.len()) else {
        return false;
    };
    // SAFETY: `bio` is the caller's live BIO; the buffer holds `len` bytes.
    unsafe { super::bio::BIO_write(bio, bytes.as_ptr() as *const c_void, len) == len }
}

/// Writes the certificate as PEM to a stdio stream; 1 on success, 0 on error.
#[no_mangle]
pub unsafe extern "C" fn PEM_write_X509(fp: *mut libc::FILE, x: *const X509) -> c_int {
    guard(0, || {
        if fp.is_null() {
            return null_arg("FILE", 0);
        }
        // SAFETY: see x509_ref.
        let Some(x) = (unsafe { x509_ref(x) }) else {
            return 0;
        };
        let text = crate::x509::pem::encode("CERTIFICATE", x.der());
        // SAFETY: fp is a stream from the caller; the buffer holds text.len() bytes.
        let written = unsafe { libc::fwrite(text.as_ptr() as *const c_void, 1, text.len(), fp) };
        c_int::from(written == text.len())
    })
}

/// Writes the certificate as PEM to a BIO; 1 on success, 0 on error.
#[no_mangle]
pub unsafe extern "C" fn PEM_write_bio_X509(bio: *mut super::bio::BIO, x: *const X509) -> c_int {
    guard(0, || {
        if bio.is_null() {
            return null_arg("BIO", 0);
        }
        // SAFETY: see x509_ref.
        let Some(x) = (unsafe { x509_ref(x) }) else {
            return 0;
        };
        let text = crate::x509::pem::encode("CERTIFICATE", x.der());
        c_int::from(write_all_to_bio(bio, text.as_bytes()))
    })
}

/// `X509_NAME_print_ex_fp` onto a BIO: the number of bytes written, -1 on error.
#[no_mangle]
pub unsafe extern "C" fn X509_NAME_print_ex(
    bio: *mut super::bio::BIO,
    name: *const X509_NAME,
    indent: c_int,
    flags: c_ulong,
) -> c_int {
    guard(-1, || {
        if bio.is_null() || name.is_null() {
            return null_arg("BIO or X509_NAME", -1);
        }
        // SAFETY: a live X509_NAME.
        let text = name_text(&unsafe { &*name }.name, indent.max(0) as usize, flags);
        if !write_all_to_bio(bio, text.as_bytes()) {
            return -1;
        }
        text.len() as c_int
    })
}

/// -1, 0 or 1 as the time is before, equal to or after `t` (seconds since the epoch), -2 on
/// error: with `X509_get0_notBefore/After`, how a program compares validity with a `time_t`.
#[no_mangle]
pub unsafe extern "C" fn ASN1_TIME_cmp_time_t(s: *const ASN1_TIME, t: libc::time_t) -> c_int {
    guard(-2, || {
        if s.is_null() {
            return null_arg("ASN1_TIME", -2);
        }
        // SAFETY: an ASN1_TIME lent by this library.
        let s = unsafe { &*s };
        if s.typ != V_ASN1_UTCTIME && s.typ != V_ASN1_GENERALIZEDTIME {
            return -2;
        }
        // time_t is i64 on the platforms libtls builds for; the conversion keeps others honest.
        #[allow(clippy::useless_conversion)]
        let t = i64::from(t);
        match s.epoch.cmp(&t) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => 1,
        }
    })
}

/// libtls: the time as seconds since the epoch in `*out`; 1 on success, 0 when `s` is not a
/// time. OpenSSL programs use `ASN1_TIME_to_tm` and `timegm` for the same.
#[no_mangle]
pub unsafe extern "C" fn ASN1_TIME_to_time_t(s: *const ASN1_TIME, out: *mut libc::time_t) -> c_int {
    guard(0, || {
        if s.is_null() || out.is_null() {
            return null_arg("ASN1_TIME or output", 0);
        }
        // SAFETY: an ASN1_TIME lent by this library.
        let s = unsafe { &*s };
        if s.typ != V_ASN1_UTCTIME && s.typ != V_ASN1_GENERALIZEDTIME {
            return 0;
        }
        // time_t is 64 bits on every platform libtls builds for.
        // SAFETY: a writable time_t from the caller.
        unsafe { *out = s.epoch as libc::time_t };
        1
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pem_cert(name: &str) -> X509 {
        let path = format!("{}/pki/{name}", env!("CARGO_MANIFEST_DIR"));
        let pem = std::fs::read(path).unwrap();
        let der = rustls_pemfile::certs(&mut pem.as_slice())
            .next()
            .unwrap()
            .unwrap();
        X509::from_der(der.as_ref()).unwrap()
    }

    #[test]
    fn times_use_utctime_until_2049_then_generalizedtime() {
        let t = ASN1_STRING::time(1_767_225_600);
        assert_eq!(
            (t.typ, t.data.as_slice()),
            (V_ASN1_UTCTIME, &b"260101000000Z"[..])
        );
        let t = ASN1_STRING::time(4_102_444_800); // 2100-01-01
        assert_eq!(
            (t.typ, t.data.as_slice()),
            (V_ASN1_GENERALIZEDTIME, &b"21000101000000Z"[..])
        );
        let t = ASN1_STRING::time(-1); // 1969-12-31T23:59:59Z
        assert_eq!(t.data, b"691231235959Z");
    }

    #[test]
    fn serial_numbers_drop_the_sign_octet() {
        assert_eq!(ASN1_STRING::integer(&[0x00, 0x80, 0x01]).data, [0x80, 0x01]);
        assert_eq!(ASN1_STRING::integer(&[0x7f]).data, [0x7f]);
        assert!(ASN1_STRING::integer(&[0x00]).data.is_empty());
    }

    #[test]
    fn private_key_sizes() {
        let path = format!("{}/pki/client-rsa2048.key", env!("CARGO_MANIFEST_DIR"));
        let key = SigningKey::from_pem(&std::fs::read(path).unwrap()).unwrap();
        let pkey = EVP_PKEY::from_private(key);
        assert_eq!((pkey.id, pkey.bits), (EVP_PKEY_RSA, 2048));
        assert_eq!(rsa_public_key_bits(&[0x30, 0x00]), 0);
        assert_eq!(rsa_public_key_bits(b"junk"), 0);
    }

    #[test]
    fn name_print_styles() {
        let x = pem_cert("client-ecdsa-p256.pem");
        let name = &x.subject.name;
        assert_eq!(
            name_text(name, 0, XN_FLAG_ONELINE),
            "CN = libtls test client"
        );
        assert_eq!(
            name_text(name, 2, XN_FLAG_RFC2253),
            "  CN=libtls test client"
        );
        assert_eq!(name_text(name, 0, XN_FLAG_COMPAT), "CN=libtls test client");
    }

    #[test]
    fn store_context_reports_the_current_certificate() {
        let x = pem_cert("server-ecdsa-p256.chain.pem");
        let chain = vec![x.der().to_vec()];
        let event = crate::verify::VerifyEvent {
            chain: &chain,
            depth: 0,
            preverify_ok: false,
            error: crate::verify::x509_v::ERR_CERT_HAS_EXPIRED,
        };
        let mut store = X509_STORE_CTX::new(&event, std::ptr::null_mut());
        // SAFETY: a live store context and the certificates it owns.
        unsafe {
            let current = X509_STORE_CTX_get_current_cert(&store);
            assert_eq!((*current).der(), x.der());
            assert_eq!(X509_STORE_CTX_get_error_depth(&store), 0);
            assert_eq!(X509_STORE_CTX_get_error(&store), 10);
            assert_eq!(sk_X509_num(X509_STORE_CTX_get0_chain(&store)), 1);
            let copy = X509_STORE_CTX_get1_chain(&store);
            let shared = sk_X509_value(X509_STORE_CTX_get0_chain(&store), 0);
            assert_eq!(sk_X509_value(copy, 0), shared);
            sk_X509_pop_free(copy, None);
            assert_eq!((*shared).der(), x.der());
            X509_STORE_CTX_set_error(&mut store, 50);
        }
        assert_eq!(store.error(), 50);
    }
}
