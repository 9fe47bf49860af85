//! A bug that panics must never cross into C: driven through the C API, a forced panic
//! becomes `SSL_ERROR_SSL` with an internal-error reason, and the peer hears internal_error.

use super::*;
use crate::ffi::bio::BIO;
use crate::ffi::ctx::{
    SSL_CTX_free, SSL_CTX_new, SSL_CTX_use_PrivateKey_file, SSL_CTX_use_certificate_chain_file,
    TLS_client_method, TLS_server_method,
};
use crate::ffi::err::{ERR_clear_error, ERR_get_error};
use aws_lc_sys::{BIO_free, BIO_new, BIO_read, BIO_s_mem, BIO_write};

fn path(name: &str) -> CString {
    CString::new(format!("{}/pki/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn reason_of(code: std::ffi::c_ulong) -> u32 {
    (code & 0x7f_ffff) as u32
}

/// One side: an SSL over two memory BIOs, `input` to feed it and `output` to drain it.
struct Side {
    ssl: *mut SSL,
    input: *mut BIO,
    output: *mut BIO,
}

impl Side {
    unsafe fn new(ctx: *mut SSL_CTX) -> Side {
        unsafe {
            let ssl = SSL_new(ctx);
            let input = BIO_new(BIO_s_mem());
            let output = BIO_new(BIO_s_mem());
            SSL_set_bio(ssl, input, output);
            Side { ssl, input, output }
        }
    }

    /// Moves what this side wrote to `to`'s input.
    unsafe fn send_to(&self, to: &Side) -> usize {
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0;
        loop {
            let n = unsafe { BIO_read(self.output, buf.as_mut_ptr().cast(), buf.len() as c_int) };
            if n <= 0 {
                return total;
            }
            unsafe { BIO_write(to.input, buf.as_ptr().cast(), n) };
            total += n as usize;
        }
    }
}

#[test]
fn a_panic_inside_the_handshake_is_ssl_error_ssl_with_internal_error() {
    unsafe {
        let server_ctx = SSL_CTX_new(TLS_server_method());
        let client_ctx = SSL_CTX_new(TLS_client_method());
        assert_eq!(
            SSL_CTX_use_certificate_chain_file(
                server_ctx,
                path("server-ecdsa-p256.chain.pem").as_ptr()
            ),
            1
        );
        assert_eq!(
            SSL_CTX_use_PrivateKey_file(
                server_ctx,
                path("server-ecdsa-p256.key").as_ptr(),
                SSL_FILETYPE_PEM
            ),
            1
        );
        let client = Side::new(client_ctx);
        let server = Side::new(server_ctx);
        ERR_clear_error();

        assert_eq!(SSL_connect(client.ssl), -1);
        assert_eq!(SSL_get_error(client.ssl, -1), SSL_ERROR_WANT_READ);
        assert!(client.send_to(&server) > 0);

        crate::conn::test_hooks::PANIC_ON_NEXT_RECORD.with(|p| p.set(true));
        let r = SSL_accept(server.ssl);
        assert_eq!(r, -1);
        assert_eq!(SSL_get_error(server.ssl, r), SSL_ERROR_SSL);
        let code = ERR_get_error();
        assert_eq!(reason_of(code), Reason::INTERNAL_ERROR.0, "{code:#x}");
        ERR_clear_error();
        // The failure sticks, without another panic.
        assert_eq!(SSL_accept(server.ssl), -1);
        assert_eq!(SSL_get_error(server.ssl, -1), SSL_ERROR_SSL);
        ERR_clear_error();

        // The client learns of it from an internal_error alert.
        assert!(server.send_to(&client) > 0);
        assert_eq!(SSL_connect(client.ssl), -1);
        assert_eq!(SSL_get_error(client.ssl, -1), SSL_ERROR_SSL);
        let code = ERR_get_error();
        assert_eq!(
            reason_of(code),
            Reason::alert_received(crate::msgs::enums::AlertDescription::INTERNAL_ERROR).0,
            "{code:#x}"
        );
        ERR_clear_error();

        SSL_free(client.ssl);
        SSL_free(server.ssl);
        SSL_CTX_free(client_ctx);
        SSL_CTX_free(server_ctx);
    }
}

#[test]
fn a_panic_in_any_c_api_call_is_caught_at_the_boundary() {
    ERR_clear_error();
    let r = crate::ffi::guard(-1, || -> c_int { panic!("forced by a test") });
    assert_eq!(r, -1);
    assert_eq!(reason_of(ERR_get_error()), Reason::INTERNAL_ERROR.0);
    ERR_clear_error();
}

#[test]
fn max_cert_list_is_inherited_and_enforced() {
    unsafe {
        let ctx = SSL_CTX_new(TLS_client_method());
        assert_eq!(crate::ffi::ctx::SSL_CTX_get_max_cert_list(ctx), 102_400);
        assert_eq!(
            crate::ffi::ctx::SSL_CTX_set_max_cert_list(ctx, 300),
            102_400
        );
        let ssl = SSL_new(ctx);
        assert_eq!(SSL_get_max_cert_list(ssl), 300);
        assert_eq!(SSL_set_max_cert_list(ssl, 400), 300);
        assert_eq!(crate::ffi::ctx::SSL_CTX_get_max_cert_list(ctx), 300);
        let s = &mut *ssl;
        s.role = Some(Role::Client);
        assert_eq!(s.config().max_handshake_message, 400);
        SSL_free(ssl);
        SSL_CTX_free(ctx);
        let _ = BIO_free;
    }
}

/// Record buffers are kept while application data streams and freed with
/// `SSL_MODE_RELEASE_BUFFERS` as soon as they empty.
#[test]
fn record_buffers_follow_the_traffic_and_the_release_buffers_mode() {
    unsafe {
        let server_ctx = SSL_CTX_new(TLS_server_method());
        let client_ctx = SSL_CTX_new(TLS_client_method());
        assert_eq!(
            SSL_CTX_use_certificate_chain_file(
                server_ctx,
                path("server-ecdsa-p256.chain.pem").as_ptr()
            ),
            1
        );
        assert_eq!(
            SSL_CTX_use_PrivateKey_file(
                server_ctx,
                path("server-ecdsa-p256.key").as_ptr(),
                SSL_FILETYPE_PEM
            ),
            1
        );
        let client = Side::new(client_ctx);
        let server = Side::new(server_ctx);
        let mut done = false;
        for _ in 0..10 {
            let c = SSL_connect(client.ssl);
            client.send_to(&server);
            let s = SSL_accept(server.ssl);
            server.send_to(&client);
            if c == 1 && s == 1 {
                done = true;
                break;
            }
        }
        assert!(done, "handshake");
        let capacities = |side: &Side| {
            (*side.ssl)
                .conn
                .as_ref()
                .expect("connected")
                .buffer_capacities()
        };
        let data = [0x5au8; 16384];
        let mut buf = [0u8; 16384];
        for release in [false, true] {
            if release {
                SSL_set_mode(client.ssl, SSL_MODE_RELEASE_BUFFERS as c_long);
                SSL_set_mode(server.ssl, SSL_MODE_RELEASE_BUFFERS as c_long);
            }
            assert_eq!(SSL_write(client.ssl, data.as_ptr().cast(), 16384), 16384);
            client.send_to(&server);
            let mut got = 0;
            while got < data.len() {
                let n = SSL_read(
                    server.ssl,
                    buf[got..].as_mut_ptr().cast(),
                    (data.len() - got) as c_int,
                );
                assert!(n > 0, "SSL_read: {n}");
                got += n as usize;
            }
            assert!(buf == data);
            let received = capacities(&server).0;
            let sent = capacities(&client).1;
            if release {
                assert_eq!((received, sent), (0, 0));
            } else {
                assert!(
                    received >= data.len() && sent >= data.len(),
                    "{received} {sent}"
                );
            }
        }
        SSL_free(client.ssl);
        SSL_free(server.ssl);
        SSL_CTX_free(client_ctx);
        SSL_CTX_free(server_ctx);
    }
}
