//! `SSL_CONF_CTX` and `SSL_CONF_cmd` (issue 19, stunnel's `config = Name:Value`): OpenSSL's
//! textual configuration commands, applied to an `SSL_CTX` through the setters libtls already
//! exports. Only commands libtls can honour are recognised; any other command is "unknown"
//! (-2), never silently accepted. docs/differences-from-openssl.md lists them.

use super::ctx::{self, SSL_CTX};
use super::{c_str, consts, err, guard, with_mut, with_ref, Handle};
use crate::error::{Error, Reason};
use std::ffi::{c_char, c_int, c_uint};

pub const SSL_CONF_FLAG_CMDLINE: c_uint = 0x1;
pub const SSL_CONF_FLAG_FILE: c_uint = 0x2;
pub const SSL_CONF_FLAG_CLIENT: c_uint = 0x4;
pub const SSL_CONF_FLAG_SERVER: c_uint = 0x8;
pub const SSL_CONF_FLAG_SHOW_ERRORS: c_uint = 0x10;
pub const SSL_CONF_FLAG_CERTIFICATE: c_uint = 0x20;
pub const SSL_CONF_FLAG_REQUIRE_PRIVATE: c_uint = 0x40;

pub const SSL_CONF_TYPE_UNKNOWN: c_int = 0;
pub const SSL_CONF_TYPE_STRING: c_int = 1;
pub const SSL_CONF_TYPE_FILE: c_int = 2;
pub const SSL_CONF_TYPE_DIR: c_int = 3;
pub const SSL_CONF_TYPE_NONE: c_int = 4;

/// A configuration context: flags and the `SSL_CTX` the commands change. Opaque to C.
pub struct SSL_CONF_CTX {
    flags: c_uint,
    ctx: *mut SSL_CTX,
}

impl Handle for SSL_CONF_CTX {
    const NAME: &'static str = "SSL_CONF_CTX";
}

/// Which roles a command (or an `Options` keyword) applies to.
const CLIENT: u8 = 1;
const SERVER: u8 = 2;
const BOTH: u8 = CLIENT | SERVER;

#[derive(Clone, Copy)]
enum Action {
    /// A setter taking the value as a C string.
    Str(unsafe extern "C" fn(*mut SSL_CTX, *const c_char) -> c_int),
    MinProtocol,
    MaxProtocol,
    Protocol,
    Options,
    Certificate,
    PrivateKey,
    VerifyCAFile,
    VerifyCAPath,
    NumTickets,
    /// A command-line switch without a value: sets (or with `true`, clears) `SSL_OP_*` bits.
    Switch(u64, bool),
}

struct Command {
    file: Option<&'static str>,
    cmdline: Option<&'static str>,
    roles: u8,
    value_type: c_int,
    action: Action,
}

const fn cmd(
    file: Option<&'static str>,
    cmdline: Option<&'static str>,
    roles: u8,
    value_type: c_int,
    action: Action,
) -> Command {
    Command {
        file,
        cmdline,
        roles,
        value_type,
        action,
    }
}

const S: c_int = SSL_CONF_TYPE_STRING;
const F: c_int = SSL_CONF_TYPE_FILE;
const N: c_int = SSL_CONF_TYPE_NONE;

static COMMANDS: &[Command] = &[
    cmd(
        Some("SignatureAlgorithms"),
        Some("sigalgs"),
        BOTH,
        S,
        Action::Str(ctx::SSL_CTX_set1_sigalgs_list),
    ),
    cmd(
        Some("ClientSignatureAlgorithms"),
        Some("client_sigalgs"),
        BOTH,
        S,
        Action::Str(ctx::SSL_CTX_set1_client_sigalgs_list),
    ),
    cmd(
        Some("Curves"),
        Some("curves"),
        BOTH,
        S,
        Action::Str(ctx::SSL_CTX_set1_groups_list),
    ),
    cmd(
        Some("Groups"),
        Some("groups"),
        BOTH,
        S,
        Action::Str(ctx::SSL_CTX_set1_groups_list),
    ),
    cmd(
        Some("CipherString"),
        Some("cipher"),
        BOTH,
        S,
        Action::Str(ctx::SSL_CTX_set_cipher_list),
    ),
    cmd(
        Some("Ciphersuites"),
        Some("ciphersuites"),
        BOTH,
        S,
        Action::Str(ctx::SSL_CTX_set_ciphersuites),
    ),
    cmd(Some("Protocol"), None, BOTH, S, Action::Protocol),
    cmd(
        Some("MinProtocol"),
        Some("min_protocol"),
        BOTH,
        S,
        Action::MinProtocol,
    ),
    cmd(
        Some("MaxProtocol"),
        Some("max_protocol"),
        BOTH,
        S,
        Action::MaxProtocol,
    ),
    cmd(Some("Options"), None, BOTH, S, Action::Options),
    cmd(
        Some("Certificate"),
        Some("cert"),
        BOTH,
        F,
        Action::Certificate,
    ),
    cmd(Some("PrivateKey"), Some("key"), BOTH, F, Action::PrivateKey),
    cmd(
        Some("VerifyCAFile"),
        Some("verifyCAfile"),
        BOTH,
        F,
        Action::VerifyCAFile,
    ),
    cmd(
        Some("VerifyCAPath"),
        Some("verifyCApath"),
        BOTH,
        SSL_CONF_TYPE_DIR,
        Action::VerifyCAPath,
    ),
    cmd(
        Some("NumTickets"),
        Some("num_tickets"),
        SERVER,
        S,
        Action::NumTickets,
    ),
    cmd(
        None,
        Some("no_ssl3"),
        BOTH,
        N,
        Action::Switch(consts::SSL_OP_NO_SSLv3, false),
    ),
    cmd(
        None,
        Some("no_tls1"),
        BOTH,
        N,
        Action::Switch(consts::SSL_OP_NO_TLSv1, false),
    ),
    cmd(
        None,
        Some("no_tls1_1"),
        BOTH,
        N,
        Action::Switch(consts::SSL_OP_NO_TLSv1_1, false),
    ),
    cmd(
        None,
        Some("no_tls1_2"),
        BOTH,
        N,
        Action::Switch(consts::SSL_OP_NO_TLSv1_2, false),
    ),
    cmd(
        None,
        Some("no_tls1_3"),
        BOTH,
        N,
        Action::Switch(consts::SSL_OP_NO_TLSv1_3, false),
    ),
    cmd(
        None,
        Some("bugs"),
        BOTH,
        N,
        Action::Switch(consts::SSL_OP_ALL, false),
    ),
    cmd(
        None,
        Some("no_comp"),
        BOTH,
        N,
        Action::Switch(consts::SSL_OP_NO_COMPRESSION, false),
    ),
    cmd(
        None,
        Some("no_ticket"),
        BOTH,
        N,
        Action::Switch(consts::SSL_OP_NO_TICKET, false),
    ),
    cmd(
        None,
        Some("serverpref"),
        SERVER,
        N,
        Action::Switch(consts::SSL_OP_CIPHER_SERVER_PREFERENCE, false),
    ),
    cmd(
        None,
        Some("prioritize_chacha"),
        SERVER,
        N,
        Action::Switch(consts::SSL_OP_PRIORITIZE_CHACHA, false),
    ),
    cmd(
        None,
        Some("no_renegotiation"),
        BOTH,
        N,
        Action::Switch(consts::SSL_OP_NO_RENEGOTIATION, false),
    ),
    cmd(
        None,
        Some("no_middlebox"),
        BOTH,
        N,
        Action::Switch(consts::SSL_OP_ENABLE_MIDDLEBOX_COMPAT, true),
    ),
    cmd(
        None,
        Some("anti_replay"),
        SERVER,
        N,
        Action::Switch(consts::SSL_OP_NO_ANTI_REPLAY, true),
    ),
    cmd(
        None,
        Some("no_anti_replay"),
        SERVER,
        N,
        Action::Switch(consts::SSL_OP_NO_ANTI_REPLAY, false),
    ),
];

/// `Options` keywords: name, `SSL_OP_*` bits, whether the keyword names the bits' absence, roles.
static OPTIONS: &[(&str, u64, bool, u8)] = &[
    ("SessionTicket", consts::SSL_OP_NO_TICKET, true, BOTH),
    ("Compression", consts::SSL_OP_NO_COMPRESSION, true, BOTH),
    (
        "EmptyFragments",
        consts::SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS,
        true,
        BOTH,
    ),
    ("Bugs", consts::SSL_OP_ALL, false, BOTH),
    ("DHSingle", 0, false, SERVER),
    ("ECDHSingle", 0, false, SERVER),
    (
        "ServerPreference",
        consts::SSL_OP_CIPHER_SERVER_PREFERENCE,
        false,
        SERVER,
    ),
    (
        "PrioritizeChaCha",
        consts::SSL_OP_PRIORITIZE_CHACHA,
        false,
        SERVER,
    ),
    (
        "NoRenegotiation",
        consts::SSL_OP_NO_RENEGOTIATION,
        false,
        BOTH,
    ),
    (
        "UnsafeLegacyRenegotiation",
        consts::SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION,
        false,
        BOTH,
    ),
    (
        "UnsafeLegacyServerConnect",
        consts::SSL_OP_LEGACY_SERVER_CONNECT,
        false,
        CLIENT,
    ),
    (
        "EncryptThenMac",
        consts::SSL_OP_NO_ENCRYPT_THEN_MAC,
        true,
        BOTH,
    ),
    (
        "MiddleboxCompat",
        consts::SSL_OP_ENABLE_MIDDLEBOX_COMPAT,
        false,
        BOTH,
    ),
    ("AntiReplay", consts::SSL_OP_NO_ANTI_REPLAY, true, SERVER),
    (
        "ExtendedMasterSecret",
        consts::SSL_OP_NO_EXTENDED_MASTER_SECRET,
        true,
        BOTH,
    ),
    (
        "CANames",
        consts::SSL_OP_DISABLE_TLSEXT_CA_NAMES,
        true,
        BOTH,
    ),
    (
        "IgnoreUnexpectedEOF",
        consts::SSL_OP_IGNORE_UNEXPECTED_EOF,
        false,
        BOTH,
    ),
    (
        "AllowNoDHEKEX",
        consts::SSL_OP_ALLOW_NO_DHE_KEX,
        false,
        BOTH,
    ),
];

/// `Protocol` keywords and the `SSL_OP_NO_*` bit each one clears (or, negated, sets).
static PROTOCOLS: &[(&str, u64)] = &[
    ("ALL", consts::SSL_OP_NO_SSL_MASK),
    ("SSLv2", 0),
    ("SSLv3", consts::SSL_OP_NO_SSLv3),
    ("TLSv1", consts::SSL_OP_NO_TLSv1),
    ("TLSv1.1", consts::SSL_OP_NO_TLSv1_1),
    ("TLSv1.2", consts::SSL_OP_NO_TLSv1_2),
    ("TLSv1.3", consts::SSL_OP_NO_TLSv1_3),
];

fn roles(flags: c_uint) -> u8 {
    (if flags & SSL_CONF_FLAG_CLIENT != 0 {
        CLIENT
    } else {
        0
    }) | (if flags & SSL_CONF_FLAG_SERVER != 0 {
        SERVER
    } else {
        0
    })
}

/// The command `name` names under the context's flags, as OpenSSL looks it up: with
/// `SSL_CONF_FLAG_CMDLINE` the name must start with `-` (which is dropped) and may be a
/// command-line name; with `SSL_CONF_FLAG_FILE` it may be a file name (any case). A command for
/// one role only needs that role's flag.
fn lookup(flags: c_uint, name: &str) -> Option<&'static Command> {
    let role = roles(flags);
    let name = if flags & SSL_CONF_FLAG_CMDLINE != 0 {
        name.strip_prefix('-').filter(|n| !n.is_empty())?
    } else {
        name
    };
    COMMANDS
        .iter()
        .filter(|c| c.roles == BOTH || c.roles & role != 0)
        .find(|c| {
            (flags & SSL_CONF_FLAG_CMDLINE != 0 && c.cmdline == Some(name))
                || (flags & SSL_CONF_FLAG_FILE != 0
                    && c.file.is_some_and(|f| f.eq_ignore_ascii_case(name)))
        })
}

fn bad_value(name: &str, value: &str) -> Error {
    Error::local(Reason::BAD_VALUE, format!("cmd={name}, value={value}"))
}

fn protocol_version(value: &str) -> Option<c_int> {
    Some(match value {
        "None" => 0,
        "SSLv3" => super::legacy::SSL3_VERSION,
        "TLSv1" => consts::TLS1_VERSION,
        "TLSv1.1" => consts::TLS1_1_VERSION,
        "TLSv1.2" => consts::TLS1_2_VERSION,
        "TLSv1.3" => consts::TLS1_3_VERSION,
        _ => return None,
    })
}

/// The keywords of a list value (`Options`, `Protocol`): separated by commas or whitespace.
fn keywords(value: &str) -> impl Iterator<Item = &str> {
    value
        .split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|k| !k.is_empty())
}

/// Runs one command with its value on the context's `SSL_CTX`. `Ok(true)`: the value was used.
fn run(cctx: &SSL_CONF_CTX, c: &Command, name: &str, value: *const c_char) -> Result<bool, Error> {
    let ctx = cctx.ctx;
    if let Action::Switch(bits, clear) = c.action {
        if !ctx.is_null() {
            // SAFETY: `ctx` is the live SSL_CTX given to SSL_CONF_CTX_set_ssl_ctx.
            unsafe {
                if clear {
                    ctx::SSL_CTX_clear_options(ctx, bits);
                } else {
                    ctx::SSL_CTX_set_options(ctx, bits);
                }
            }
        }
        return Ok(false);
    }
    // SAFETY: a NUL-terminated value from the caller (checked non-NULL by SSL_CONF_cmd).
    let v = unsafe { c_str(value, "SSL_CONF_cmd value") }
        .ok_or_else(|| Error::local(Reason::BAD_VALUE, "value is not valid UTF-8"))?;
    if ctx.is_null() {
        // OpenSSL: with no SSL_CTX, a command is checked for existence only.
        return Ok(true);
    }
    let ok = |rc: c_int| {
        if rc > 0 {
            Ok(true)
        } else {
            Err(bad_value(name, v))
        }
    };
    // SAFETY (every call below): `ctx` is the live SSL_CTX given to SSL_CONF_CTX_set_ssl_ctx and
    // `value` a C string the caller keeps for this call.
    match c.action {
        Action::Str(setter) => ok(unsafe { setter(ctx, value) }),
        Action::MinProtocol | Action::MaxProtocol => {
            let version = protocol_version(v).ok_or_else(|| bad_value(name, v))?;
            ok(unsafe {
                if matches!(c.action, Action::MinProtocol) {
                    ctx::SSL_CTX_set_min_proto_version(ctx, version)
                } else {
                    ctx::SSL_CTX_set_max_proto_version(ctx, version)
                }
            })
        }
        Action::Protocol | Action::Options => {
            // Check every keyword before changing anything.
            let mut set = 0u64;
            let mut clear = 0u64;
            let role = roles(cctx.flags);
            for k in keywords(v) {
                let (negated, word) = match k.strip_prefix('-') {
                    Some(w) => (true, w),
                    None => (false, k.strip_prefix('+').unwrap_or(k)),
                };
                let (bits, inverted) = if matches!(c.action, Action::Protocol) {
                    let &(_, bits) = PROTOCOLS
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(word))
                        .ok_or_else(|| bad_value(name, v))?;
                    (bits, true)
                } else {
                    let &(_, bits, inverted, _) = OPTIONS
                        .iter()
                        .find(|(n, ..)| n.eq_ignore_ascii_case(word))
                        // As OpenSSL: a keyword needs the context's role flag (CLIENT or SERVER).
                        .filter(|(.., r)| r & role != 0)
                        .ok_or_else(|| bad_value(name, v))?;
                    (bits, inverted)
                };
                // "Name" sets the option's bits, "-Name" clears them; for a keyword that names
                // their absence ("SessionTicket" is !SSL_OP_NO_TICKET), the other way round.
                if negated == inverted {
                    set |= bits;
                    clear &= !bits;
                } else {
                    clear |= bits;
                    set &= !bits;
                }
            }
            unsafe {
                ctx::SSL_CTX_clear_options(ctx, clear);
                ctx::SSL_CTX_set_options(ctx, set);
            }
            Ok(true)
        }
        Action::Certificate | Action::PrivateKey => {
            if cctx.flags & SSL_CONF_FLAG_CERTIFICATE == 0 {
                // OpenSSL: without SSL_CONF_FLAG_CERTIFICATE, certificate commands do nothing.
                return Ok(true);
            }
            ok(unsafe {
                if matches!(c.action, Action::Certificate) {
                    ctx::SSL_CTX_use_certificate_chain_file(ctx, value)
                } else {
                    ctx::SSL_CTX_use_PrivateKey_file(ctx, value, consts::SSL_FILETYPE_PEM)
                }
            })
        }
        Action::VerifyCAFile => {
            ok(unsafe { ctx::SSL_CTX_load_verify_locations(ctx, value, std::ptr::null()) })
        }
        Action::VerifyCAPath => {
            ok(unsafe { ctx::SSL_CTX_load_verify_locations(ctx, std::ptr::null(), value) })
        }
        Action::NumTickets => {
            let n: usize = v.parse().map_err(|_| bad_value(name, v))?;
            ok(unsafe { super::session::SSL_CTX_set_num_tickets(ctx, n) })
        }
        Action::Switch(..) => unreachable!("handled above"),
    }
}

#[no_mangle]
pub extern "C" fn SSL_CONF_CTX_new() -> *mut SSL_CONF_CTX {
    guard(std::ptr::null_mut(), || {
        Box::into_raw(Box::new(SSL_CONF_CTX {
            flags: 0,
            ctx: std::ptr::null_mut(),
        }))
    })
}

/// Frees the context (not its `SSL_CTX`); NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn SSL_CONF_CTX_free(cctx: *mut SSL_CONF_CTX) {
    guard((), || {
        if !cctx.is_null() {
            // SAFETY: a context from SSL_CONF_CTX_new, freed once.
            drop(unsafe { Box::from_raw(cctx) });
        }
    })
}

/// Adds `SSL_CONF_FLAG_*` bits; returns the new flags.
#[no_mangle]
pub unsafe extern "C" fn SSL_CONF_CTX_set_flags(cctx: *mut SSL_CONF_CTX, flags: c_uint) -> c_uint {
    with_mut(cctx, 0, |c| {
        c.flags |= flags;
        c.flags
    })
}

/// Removes `SSL_CONF_FLAG_*` bits; returns the new flags.
#[no_mangle]
pub unsafe extern "C" fn SSL_CONF_CTX_clear_flags(
    cctx: *mut SSL_CONF_CTX,
    flags: c_uint,
) -> c_uint {
    with_mut(cctx, 0, |c| {
        c.flags &= !flags;
        c.flags
    })
}

/// The `SSL_CTX` later commands change (not owned: it must outlive their use); NULL for none.
#[no_mangle]
pub unsafe extern "C" fn SSL_CONF_CTX_set_ssl_ctx(cctx: *mut SSL_CONF_CTX, ctx: *mut SSL_CTX) {
    // NULL is ignored, without an error on the queue.
    if cctx.is_null() {
        return;
    }
    with_mut(cctx, (), |c| c.ctx = ctx)
}

/// Nothing is deferred to the end (libtls checks a certificate against its key when both are
/// loaded): 1.
#[no_mangle]
pub unsafe extern "C" fn SSL_CONF_CTX_finish(cctx: *mut SSL_CONF_CTX) -> c_int {
    with_ref(cctx, 0, |_| 1)
}

/// Applies one command: 2 if the value was used, 1 if the command takes none, -2 for a command
/// libtls does not know (or not in this context's role and syntax), -3 for a missing value, 0
/// for a bad value or a failed setter (its reason on the error queue).
#[no_mangle]
pub unsafe extern "C" fn SSL_CONF_cmd(
    cctx: *mut SSL_CONF_CTX,
    cmd: *const c_char,
    value: *const c_char,
) -> c_int {
    with_ref(cctx, 0, |c| {
        if cmd.is_null() {
            err::push(&Error::local(
                Reason::INVALID_NULL_CMD_NAME,
                "SSL_CONF_cmd: NULL command",
            ));
            return 0;
        }
        // SAFETY: a NUL-terminated command name from the caller.
        let Some(name) = (unsafe { c_str(cmd, "SSL_CONF_cmd command") }) else {
            return 0;
        };
        let Some(command) = lookup(c.flags, name) else {
            if c.flags & SSL_CONF_FLAG_SHOW_ERRORS != 0 {
                err::push(&Error::local(
                    Reason::UNKNOWN_CMD_NAME,
                    format!("cmd={name}"),
                ));
            }
            return -2;
        };
        if command.value_type != SSL_CONF_TYPE_NONE && value.is_null() {
            if c.flags & SSL_CONF_FLAG_SHOW_ERRORS != 0 {
                err::push(&Error::local(
                    Reason::BAD_VALUE,
                    format!("cmd={name}: missing value"),
                ));
            }
            return -3;
        }
        match run(c, command, name, value) {
            Ok(true) => 2,
            Ok(false) => 1,
            Err(e) => {
                // As OpenSSL: a setter's own reason is queued by the setter; SSL_R_BAD_VALUE
                // naming the command only with SSL_CONF_FLAG_SHOW_ERRORS.
                if c.flags & SSL_CONF_FLAG_SHOW_ERRORS != 0 {
                    err::push(&e);
                }
                0
            }
        }
    })
}

/// The kind of value a command takes (`SSL_CONF_TYPE_*`); `SSL_CONF_TYPE_UNKNOWN` for a
/// command libtls does not know.
#[no_mangle]
pub unsafe extern "C" fn SSL_CONF_cmd_value_type(
    cctx: *mut SSL_CONF_CTX,
    cmd: *const c_char,
) -> c_int {
    with_ref(cctx, SSL_CONF_TYPE_UNKNOWN, |c| {
        if cmd.is_null() {
            return SSL_CONF_TYPE_UNKNOWN;
        }
        // SAFETY: a NUL-terminated command name from the caller.
        let name = unsafe { std::ffi::CStr::from_ptr(cmd) }.to_string_lossy();
        lookup(c.flags, &name).map_or(SSL_CONF_TYPE_UNKNOWN, |c| c.value_type)
    })
}
