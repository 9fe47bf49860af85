//! Handshakes in a thread with a small stack (issue 19): stunnel runs each connection in a
//! thread with a 64 KiB stack, and other programs that use OpenSSL do the same. Each test runs
//! complete connections (both ends in one thread, one after the other) in a thread with a
//! 64 KiB stack: TLS 1.3 and 1.2, with and without a client certificate, a resumption, a
//! HelloRetryRequest. An overflow aborts the test program ("has overflowed its stack").
//!
//! The budget holds for the release build, which is what ships and what `make test-rust` runs.
//! An unoptimised build keeps every local in its own stack slot and needs more (these tests
//! passed in 96 KiB and overflowed 80 KiB when written); it gets 256 KiB here.
//! capi-tests/c/test_stack.c checks the same through the C API and prints the peak use.

use std::sync::Arc;
use tls::config::{Config, VerifyMode};
use tls::conn::Connection;
use tls::msgs::enums::{NamedGroup, ProtocolVersion};
use tls::testing::*;

const STACK: usize = if cfg!(debug_assertions) {
    256 * 1024
} else {
    64 * 1024
};

/// `LIBTLS_TEST_THREAD_STACK=BYTES` replaces the size (to measure what a build needs).
fn stack_size() -> usize {
    std::env::var("LIBTLS_TEST_THREAD_STACK")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(STACK)
}

fn in_small_thread(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .name("small-stack".into())
        .stack_size(stack_size())
        .spawn(f)
        .expect("thread")
        .join()
        .expect("the handshake in the small thread failed");
}

/// One connection; returns the client, whose session can be resumed.
fn connect(
    client: &Arc<Config>,
    server: &Arc<Config>,
    resume: bool,
    prev: Option<&Connection>,
) -> Connection {
    let mut c = Connection::new_client(client.clone(), localhost());
    if let Some(prev) = prev {
        c.set_resume_session(prev.session().cloned());
    }
    let mut s = Connection::new_server(server.clone());
    run(&mut c, &mut s).unwrap_or_else(|e| panic!("handshake failed: {e:?}"));
    assert!(!c.is_handshaking() && !s.is_handshaking());
    exchange_data(&mut c, &mut s);
    assert_eq!(c.negotiated().session_reused, resume);
    assert_eq!(s.negotiated().session_reused, resume);
    c
}

fn configs(version: ProtocolVersion, client_cert: bool) -> (Arc<Config>, Arc<Config>) {
    let mut client = only(version, client_config());
    let mut server = only(version, server_config("server-ecdsa-p256"));
    if client_cert {
        client.set_certified_key(certified_key("client-ecdsa-p256"));
        server = only(
            version,
            verifying_server("server-ecdsa-p256", VerifyMode::REQUIRE_PEER_CERT),
        );
    }
    (Arc::new(client), Arc::new(server))
}

fn full_and_resumed(version: ProtocolVersion, client_cert: bool) {
    in_small_thread(move || {
        let (client, server) = configs(version, client_cert);
        let first = connect(&client, &server, false, None);
        connect(&client, &server, true, Some(&first));
    });
}

#[test]
fn tls13_in_a_64k_thread() {
    full_and_resumed(ProtocolVersion::TLSV1_3, false);
}

#[test]
fn tls13_client_certificate_in_a_64k_thread() {
    full_and_resumed(ProtocolVersion::TLSV1_3, true);
}

#[test]
fn tls12_in_a_64k_thread() {
    full_and_resumed(ProtocolVersion::TLSV1_2, false);
}

#[test]
fn tls12_client_certificate_in_a_64k_thread() {
    full_and_resumed(ProtocolVersion::TLSV1_2, true);
}

#[test]
fn tls13_hello_retry_in_a_64k_thread() {
    in_small_thread(|| {
        let (client, server) = configs(ProtocolVersion::TLSV1_3, true);
        let mut client = (*client).clone();
        let mut server = (*server).clone();
        client.groups = vec![NamedGroup::X25519, NamedGroup::SECP256R1];
        server.groups = vec![NamedGroup::SECP256R1];
        let (client, server) = (Arc::new(client), Arc::new(server));
        let c = connect(&client, &server, false, None);
        assert_eq!(c.negotiated().group, Some(NamedGroup::SECP256R1));
    });
}
