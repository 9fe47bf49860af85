//! `SSL_get_shared_ciphers`: the suites a client offered that this server enables.

use super::ssl::SSL;
use super::with_ref;
use std::ffi::{c_char, c_int};

/// A server, after the ClientHello: writes into `buf` (`size` bytes) the OpenSSL names of the
/// cipher suites the client offered that this connection enables (TLS 1.3 and TLS 1.2 lists),
/// in the client's order, separated by ':', and returns `buf`. As in OpenSSL, a name that does
/// not fit ends the list there (the string is cut at the last whole name). NULL on a client,
/// before a ClientHello, when `buf` is NULL or `size` is below 2. An empty string when nothing
/// is shared.
#[no_mangle]
pub unsafe extern "C" fn SSL_get_shared_ciphers(
    ssl: *const SSL,
    buf: *mut c_char,
    size: c_int,
) -> *mut c_char {
    with_ref(ssl, std::ptr::null_mut(), |s| {
        let Some(conn) = s.conn.as_ref() else {
            return std::ptr::null_mut();
        };
        let offered = &conn.negotiated().peer_suites;
        if buf.is_null()
            || size < 2
            || conn.role() != crate::conn::Role::Server
            || offered.is_empty()
        {
            return std::ptr::null_mut();
        }
        let config = conn.config();
        let names: Vec<&str> = offered
            .iter()
            .filter(|info| {
                config.tls13_suites.contains(&info.suite)
                    || config.tls12_suites.contains(&info.suite)
            })
            .map(|info| info.openssl_name)
            .collect();
        let text = join_within(&names, size as usize);
        // SAFETY: `buf` has room for `size` bytes; `text` is shorter than `size`.
        unsafe { super::copy_to_c_buf(&text, buf, size as usize) };
        buf
    })
}

/// `names` joined by ':' keeping only the whole names that fit, with the terminating NUL, in
/// `size` bytes.
fn join_within(names: &[&str], size: usize) -> String {
    let mut out = String::new();
    for name in names {
        let extra = name.len() + usize::from(!out.is_empty());
        if out.len() + extra + 1 > size {
            break;
        }
        if !out.is_empty() {
            out.push(':');
        }
        out.push_str(name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::join_within;

    #[test]
    fn names_are_cut_at_the_last_whole_name() {
        let names = ["AES128", "AES256", "CHACHA"];
        assert_eq!(join_within(&names, 100), "AES128:AES256:CHACHA");
        // "AES128:AES256" is 13 bytes, 14 with the NUL.
        assert_eq!(join_within(&names, 14), "AES128:AES256");
        assert_eq!(join_within(&names, 13), "AES128");
        assert_eq!(join_within(&names, 6), "");
        assert_eq!(join_within(&[], 10), "");
    }
}
