//! TLS 1.2 without the extended master secret (RFC 7627), issue #18: refused by default as
//! this server's policy; with the `allow_no_ems` opt-in accepted with the classic master
//! secret, recorded in the session, and resumed as RFC 7627 5.3 says. The full handshakes
//! without the extension run against tlslite-ng and OpenSSL (capi-tests/test_ems.py).

use std::sync::Arc;
use tls::config::Config;
use tls::conn::Connection;
use tls::diagnosis::Cause;
use tls::error::Reason;
use tls::msgs::enums::{AlertDescription, ExtensionType, ProtocolVersion};
use tls::msgs::extensions::Extension;
use tls::msgs::handshake::{ClientHello, HandshakeMessage, ServerHello};
use tls::session::Session;
use tls::testing::*;

const TLS12: ProtocolVersion = ProtocolVersion::TLSV1_2;

fn tls12(mut c: Config) -> Config {
    c.max_version = TLS12;
    c
}

fn server_config_allowing(allow: bool) -> Arc<Config> {
    let mut c = tls12(server_config("server-ecdsa-p256"));
    c.allow_no_ems = allow;
    Arc::new(c)
}

/// The ClientHello of a TLS 1.2 client offering `session`, decoded.
fn client_hello(session: Option<Arc<Session>>) -> ClientHello {
    let mut c = Connection::new_client(Arc::new(tls12(client_config())), localhost());
    c.set_resume_session(session);
    c.start().unwrap();
    let wire = c.pending_tls();
    match HandshakeMessage::decode_encoded(&wire[5..], ProtocolVersion::TLSV1_3).unwrap() {
        HandshakeMessage::ClientHello(ch) => ch,
        other => panic!("not a ClientHello: {other:?}"),
    }
}

fn without_ems(mut ch: ClientHello) -> Vec<u8> {
    ch.extensions
        .retain(|e| e.ext_type() != ExtensionType::EXTENDED_MASTER_SECRET);
    record(22, &HandshakeMessage::ClientHello(ch).encode().unwrap())
}

fn with_ems(ch: ClientHello) -> Vec<u8> {
    assert!(ch.has(ExtensionType::EXTENDED_MASTER_SECRET));
    record(22, &HandshakeMessage::ClientHello(ch).encode().unwrap())
}

/// The ServerHello at the start of what `server` wrote.
fn server_hello(server: &Connection) -> ServerHello {
    let out = server.pending_tls();
    assert_eq!(out[0], 22);
    let len = u16::from_be_bytes([out[3], out[4]]) as usize;
    let body = &out[5..5 + len];
    let msg_len = 4 + u32::from_be_bytes([0, body[1], body[2], body[3]]) as usize;
    match HandshakeMessage::decode_encoded(&body[..msg_len], TLS12).unwrap() {
        HandshakeMessage::ServerHello(sh) => sh,
        other => panic!("not a ServerHello: {other:?}"),
    }
}

#[test]
fn a_client_without_ems_is_refused_by_default_as_our_policy() {
    let mut s = Connection::new_server(server_config_allowing(false));
    s.start().unwrap();
    let e = s.read_tls(&without_ems(client_hello(None))).unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::HANDSHAKE_FAILURE));
    assert_eq!(e.reason, Reason::EXTENDED_MASTER_SECRET_REQUIRED);
    let d = s.diagnosis().expect("a diagnosis");
    assert_eq!(d.cause, Cause::LocalProblem, "{}", d.text);
    assert!(d.text.contains("policy"), "{}", d.text);
    assert!(d.text.contains("allow_no_ems"), "{}", d.text);
    assert!(!d.text.contains("broke the protocol"), "{}", d.text);
}

#[test]
fn with_the_opt_in_a_client_without_ems_gets_no_ems_in_the_server_hello() {
    let mut s = Connection::new_server(server_config_allowing(true));
    s.start().unwrap();
    s.read_tls(&without_ems(client_hello(None))).unwrap();
    let sh = server_hello(&s);
    assert!(!sh.has(ExtensionType::EXTENDED_MASTER_SECRET));
    assert_eq!(s.negotiated().version, Some(TLS12));
    assert!(!s.negotiated().extended_master_secret);

    // A client that offers it still gets it.
    let mut s = Connection::new_server(server_config_allowing(true));
    s.start().unwrap();
    s.read_tls(&with_ems(client_hello(None))).unwrap();
    assert!(server_hello(&s).has(ExtensionType::EXTENDED_MASTER_SECRET));
    assert!(s.negotiated().extended_master_secret);
}

/// A TLS 1.2 session sealed into a ticket by `server`'s context, made with or without the
/// extended master secret, as a client holds it.
fn session_for(server: &Arc<Config>, ems: bool) -> Arc<Session> {
    let p = handshake(tls12(client_config()), (**server).clone(), localhost());
    p.assert_ok();
    let mut state = (**p.server.session().expect("server session")).clone();
    state.extended_master_secret = ems;
    let ticket = server
        .session
        .seal_ticket(&state, tls::session::now_ms())
        .unwrap()
        .expect("a ticket");
    let mut held = (**p.client.session().expect("client session")).clone();
    held.ticket = ticket;
    held.extended_master_secret = ems;
    Arc::new(held)
}

#[test]
fn resumption_follows_rfc7627_5_3() {
    let config = server_config_allowing(true);

    // A session made without EMS, offered without EMS: resumed (no EMS in the answer).
    let session = session_for(&config, false);
    let mut s = Connection::new_server(config.clone());
    s.start().unwrap();
    s.read_tls(&without_ems(client_hello(Some(session.clone()))))
        .unwrap();
    assert!(s.negotiated().session_reused);
    assert!(!server_hello(&s).has(ExtensionType::EXTENDED_MASTER_SECRET));

    // The same session offered with EMS: a full handshake.
    let mut s = Connection::new_server(config.clone());
    s.start().unwrap();
    s.read_tls(&with_ems(client_hello(Some(session)))).unwrap();
    assert!(!s.negotiated().session_reused);
    assert!(server_hello(&s).has(ExtensionType::EXTENDED_MASTER_SECRET));

    // A session made with EMS, offered without it: handshake_failure.
    let session = session_for(&config, true);
    let mut s = Connection::new_server(config.clone());
    s.start().unwrap();
    let e = s
        .read_tls(&without_ems(client_hello(Some(session.clone()))))
        .unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::HANDSHAKE_FAILURE));
    assert_eq!(e.reason, Reason::INCONSISTENT_EXTMS);

    // And with it, resumed as ever.
    let mut s = Connection::new_server(config);
    s.start().unwrap();
    s.read_tls(&with_ems(client_hello(Some(session)))).unwrap();
    assert!(s.negotiated().session_reused);
}

#[test]
fn sessions_record_whether_ems_was_used() {
    let config = server_config_allowing(true);
    for ems in [false, true] {
        let session = session_for(&config, ems);
        let decoded = Session::decode(&session.encode().unwrap()).unwrap();
        assert_eq!(decoded.extended_master_secret, ems);
    }
}

#[test]
fn libtls_against_itself_with_the_opt_in_still_uses_ems_and_resumes() {
    let mut cc = tls12(client_config());
    cc.allow_no_ems = true;
    let sc = server_config_allowing(true);
    let mut p = handshake(cc.clone(), (*sc).clone(), localhost());
    p.assert_ok();
    p.exchange(b"ping");
    assert!(p.client.negotiated().extended_master_secret);
    assert!(p.server.negotiated().extended_master_secret);
    let session = p.client.session().cloned().unwrap();
    assert!(session.extended_master_secret);

    let mut client = Connection::new_client(Arc::new(cc), localhost());
    client.set_resume_session(Some(session));
    let mut server = Connection::new_server(sc);
    client.start().unwrap();
    server.start().unwrap();
    for _ in 0..4 {
        transfer(&mut client, &mut server).unwrap();
        transfer(&mut server, &mut client).unwrap();
    }
    assert!(!client.is_handshaking() && !server.is_handshaking());
    assert!(client.negotiated().session_reused);
    assert!(client.negotiated().extended_master_secret);
}
