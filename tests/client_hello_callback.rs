//! The server's ClientHello callback in the core: it sees the ClientHello's raw fields first,
//! may fail the handshake with an alert, or pause the connection on that message until the
//! application resumes it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tls::config::{ClientHelloDecision, Config};
use tls::conn::Connection;
use tls::error::Reason;
use tls::msgs::enums::AlertDescription;
use tls::testing::*;

fn server_with(
    decide: impl Fn(usize) -> ClientHelloDecision + Send + Sync + 'static,
) -> (Config, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let mut c = server_config("server-ecdsa-p256");
    c.client_hello_callback = Some(Arc::new(move |hello| {
        assert_eq!(hello.random.len(), 32);
        assert!(hello.extensions.iter().any(|(t, _)| *t == 43));
        decide(seen.fetch_add(1, Ordering::SeqCst))
    }));
    (c, calls)
}

#[test]
fn a_retry_pauses_on_the_client_hello_until_resumed() {
    let (sc, calls) = server_with(|n| {
        if n < 2 {
            ClientHelloDecision::Retry
        } else {
            ClientHelloDecision::Proceed(None)
        }
    });
    let mut client = Connection::new_client(Arc::new(client_config()), localhost());
    let mut server = Connection::new_server(Arc::new(sc));
    client.start().unwrap();
    server.start().unwrap();
    let e = transfer(&mut client, &mut server).unwrap_err();
    assert_eq!(e.reason, Reason::CLIENT_HELLO_CALLBACK_RETRY);
    assert!(server.client_hello_paused() && server.error().is_none());
    assert!(server.pending_tls().is_empty());
    let e = server.resume_client_hello().unwrap_err();
    assert_eq!(e.reason, Reason::CLIENT_HELLO_CALLBACK_RETRY);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    server.resume_client_hello().unwrap();
    assert!(!server.client_hello_paused());
    for _ in 0..4 {
        transfer(&mut server, &mut client).unwrap();
        transfer(&mut client, &mut server).unwrap();
    }
    assert!(!client.is_handshaking() && !server.is_handshaking());
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[test]
fn a_refusal_sends_the_callbacks_alert() {
    let (sc, _) = server_with(|_| ClientHelloDecision::Fail(AlertDescription::ACCESS_DENIED));
    let p = handshake(client_config(), sc, localhost());
    let e = p.server_result.unwrap_err();
    assert_eq!(e.reason, Reason::CALLBACK_FAILED);
    assert_eq!(p.server.alert_sent(), Some(AlertDescription::ACCESS_DENIED));
    assert_eq!(
        p.client.alert_received(),
        Some(AlertDescription::ACCESS_DENIED)
    );
}
