//! A server with virtual hosts chosen by the server name callback, one of them requiring client
//! certificates (issue #16 item 1): a second ClientHello after a HelloRetryRequest may not change
//! the name (or ALPN, or anything else RFC 8446 4.1.2 keeps fixed), a session switches to the
//! chosen host's session ID context, and a session made without a client certificate never
//! resumes where one is now required.

use std::sync::Arc;
use tls::config::{Config, Options, SniDecision, SniOutcome, VerifyMode};
use tls::conn::{ClientOptions, Connection};
use tls::crypto::kx::KeyShare;
use tls::error::{Error, Reason};
use tls::msgs::enums::{AlertDescription, NamedGroup, ProtocolVersion, SignatureScheme};
use tls::msgs::extensions::{ClientExtension, HelloRetryExtension, KeyShareEntry, ServerName};
use tls::msgs::handshake::{ClientHello, HandshakeMessage};
use tls::session::Session;
use tls::testing::*;
use tls::verify::{PeerIdentity, RootStore};

const TLS12: ProtocolVersion = ProtocolVersion::TLSV1_2;
const TLS13: ProtocolVersion = ProtocolVersion::TLSV1_3;

/// A host requiring a client certificate from the test CA.
fn admin_host(verify_mode: VerifyMode) -> Config {
    let mut c = server_config("server-ecdsa-p256");
    let mut roots = RootStore::default();
    roots.add_pem(&pki("root-ca.pem")).unwrap();
    c.roots = Arc::new(roots);
    c.verify_mode = verify_mode;
    c
}

/// The default host (no client authentication), whose server name callback moves the
/// connection to `admin` for the name "admin.test".
fn vhost_server(admin: Option<Config>) -> Config {
    let mut public = server_config("server-ecdsa-p256");
    let admin = admin.map(Arc::new);
    public.sni_callback = Some(Arc::new(move |name: Option<&str>| SniDecision {
        outcome: SniOutcome::Ack,
        settings: if name == Some("admin.test") {
            admin.clone()
        } else {
            None
        },
    }));
    public
}

fn options_for(name: &str) -> ClientOptions {
    ClientOptions {
        server_name: (!name.is_empty()).then(|| name.into()),
        // The test certificate is for localhost; the names here only pick the host.
        verify_identity: PeerIdentity::parse("localhost"),
    }
}

fn first_client_hello(name: &str, alpn: &[&[u8]]) -> ClientHello {
    let mut config = client_config();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let mut c = Connection::new_client(Arc::new(config), options_for(name));
    c.start().unwrap();
    let (typ, body) = records(c.pending_tls()).remove(0);
    assert_eq!(typ, 22);
    match HandshakeMessage::decode_encoded(&body, TLS13).unwrap() {
        HandshakeMessage::ClientHello(ch) => ch,
        other => panic!("not a ClientHello: {other:?}"),
    }
}

fn set_key_shares(ch: &mut ClientHello, shares: Vec<KeyShareEntry>) {
    for e in &mut ch.extensions {
        if let ClientExtension::KeyShare(list) = e {
            *list = shares;
            return;
        }
    }
    panic!("no key_share in the ClientHello");
}

/// Sends the server a first ClientHello for `name` (none if empty) without key shares (which always earns a
/// HelloRetryRequest), then the second ClientHello: the first answering the retry (one share
/// for the group asked for, the cookie), changed by `edit`. The server's answer to it.
fn retry_then(
    name: &str,
    alpn: &[&[u8]],
    edit: impl FnOnce(&mut ClientHello),
) -> (Connection, Result<usize, Error>) {
    let mut server = Connection::new_server(Arc::new(vhost_server(Some(admin_host(
        VerifyMode::REQUIRE_PEER_CERT,
    )))));
    server.start().unwrap();
    let mut ch = first_client_hello(name, alpn);
    set_key_shares(&mut ch, Vec::new());
    let ch1 = HandshakeMessage::ClientHello(ch.clone()).encode().unwrap();
    server.read_tls(&record(22, &ch1)).unwrap();
    let answer = records(server.pending_tls());
    server.consume_tls(server.pending_tls().len());
    let HandshakeMessage::HelloRetryRequest(hrr) =
        HandshakeMessage::decode_encoded(&answer[0].1, TLS13).unwrap()
    else {
        panic!("the server did not ask for a retry: {answer:?}");
    };
    let mut group = None;
    let mut cookie = None;
    for e in hrr.extensions {
        match e {
            HelloRetryExtension::KeyShare(g) => group = Some(g),
            HelloRetryExtension::Cookie(c) => cookie = Some(c),
            _ => {}
        }
    }
    let group = group.expect("the retry names a group");
    let share = KeyShare::generate(group).unwrap();
    set_key_shares(
        &mut ch,
        vec![KeyShareEntry::new(group, share.public_bytes().to_vec())],
    );
    if let Some(cookie) = cookie {
        ch.extensions.push(ClientExtension::Cookie(cookie));
    }
    edit(&mut ch);
    let ch2 = HandshakeMessage::ClientHello(ch).encode().unwrap();
    let result = server.read_tls(&record(22, &ch2));
    (server, result)
}

fn set_server_name(ch: &mut ClientHello, name: &str) {
    for e in &mut ch.extensions {
        if let ClientExtension::ServerName(names) = e {
            *names = vec![ServerName::HostName(name.into())];
            return;
        }
    }
    panic!("no server_name in the ClientHello");
}

fn refused_with_illegal_parameter(server: &Connection, result: Result<usize, Error>) {
    let e = result.expect_err("the server must refuse the second ClientHello");
    assert_eq!(e.alert, Some(AlertDescription::ILLEGAL_PARAMETER), "{e:?}");
    assert_eq!(e.reason, Reason::BAD_EXTENSION, "{e:?}");
    assert_eq!(
        server.alert_sent(),
        Some(AlertDescription::ILLEGAL_PARAMETER)
    );
    // Nothing but the alert went out: no ServerHello for the changed hello.
    assert_eq!(records(server.pending_tls()), vec![(21, vec![2, 47])]);
}

#[test]
fn unchanged_second_client_hello_is_answered() {
    // The control for the tests below: the retry itself is well formed.
    let (server, result) = retry_then("public.test", &[b"h2"], |_| {});
    result.unwrap();
    let out = records(server.pending_tls());
    assert_eq!(out[0].0, 22, "a ServerHello");
    assert!(matches!(
        HandshakeMessage::decode_encoded(&out[0].1, TLS13).unwrap(),
        HandshakeMessage::ServerHello(_)
    ));
    assert_eq!(
        server.negotiated().server_name.as_deref(),
        Some("public.test")
    );
}

#[test]
fn second_client_hello_may_not_switch_to_the_client_auth_host() {
    // CH1 for the public host, CH2 for the host requiring a certificate: accepted, the
    // connection would have been bound to admin.test without a certificate being asked for.
    let (server, result) = retry_then("public.test", &[], |ch| set_server_name(ch, "admin.test"));
    refused_with_illegal_parameter(&server, result);
    assert_eq!(
        server.negotiated().server_name.as_deref(),
        Some("public.test"),
        "the name stays the one the callback saw"
    );
}

#[test]
fn second_client_hello_may_not_add_or_drop_the_server_name() {
    let (server, result) = retry_then("public.test", &[], |ch| {
        ch.extensions
            .retain(|e| !matches!(e, ClientExtension::ServerName(_)))
    });
    refused_with_illegal_parameter(&server, result);

    let (server, result) = retry_then("", &[], |ch| {
        ch.extensions.insert(
            0,
            ClientExtension::ServerName(vec![ServerName::HostName("admin.test".into())]),
        )
    });
    refused_with_illegal_parameter(&server, result);
    assert_eq!(server.negotiated().server_name, None);
}

#[test]
fn second_client_hello_may_not_change_alpn() {
    let (server, result) = retry_then("public.test", &[b"h2", b"http/1.1"], |ch| {
        for e in &mut ch.extensions {
            if let ClientExtension::Alpn(list) = e {
                *list = vec![b"http/1.1".to_vec()];
            }
        }
    });
    refused_with_illegal_parameter(&server, result);
}

#[test]
fn second_client_hello_may_not_change_sigalgs_or_groups() {
    let (server, result) = retry_then("public.test", &[], |ch| {
        for e in &mut ch.extensions {
            if let ClientExtension::SignatureAlgorithms(list) = e {
                *list = vec![SignatureScheme::RSA_PSS_RSAE_SHA256];
            }
        }
    });
    refused_with_illegal_parameter(&server, result);

    // Dropping a group other than the one the retry asked for.
    let (server, result) = retry_then("public.test", &[], |ch| {
        for e in &mut ch.extensions {
            if let ClientExtension::SupportedGroups(list) = e {
                list.retain(|g| *g != NamedGroup::SECP384R1);
            }
        }
    });
    refused_with_illegal_parameter(&server, result);
}

#[test]
fn second_client_hello_may_reorder_and_pad() {
    // RFC 8446 4.1.2 allows padding to change; the order of extensions carries no meaning.
    let (server, result) = retry_then("public.test", &[b"h2"], |ch| {
        ch.extensions.reverse();
        ch.extensions.push(ClientExtension::Padding(100));
    });
    result.unwrap();
    assert_eq!(records(server.pending_tls())[0].0, 22);
}

/// A full handshake, data both ways (TLS 1.3 tickets arrive with it), and the pair.
fn connect(version: ProtocolVersion, server: &Config, resume: Option<Arc<Session>>) -> Pair {
    let mut client = client_config();
    client.max_version = version;
    let opts = options_for("admin.test");
    let mut c = Connection::new_client(Arc::new(client), opts);
    c.set_resume_session(resume);
    let mut s = Connection::new_server(Arc::new(server.clone()));
    let mut client_result = c.start();
    let mut server_result = s.start();
    for _ in 0..20 {
        let mut moved = false;
        match transfer(&mut c, &mut s) {
            Ok(m) => moved |= m > 0,
            Err(e) => {
                server_result = Err(e);
                break;
            }
        }
        match transfer(&mut s, &mut c) {
            Ok(m) => moved |= m > 0,
            Err(e) => {
                client_result = Err(e);
                break;
            }
        }
        if !moved {
            break;
        }
    }
    // Let a TLS 1.3 server that fails after the client's Finished say so.
    let _ = transfer(&mut s, &mut c);
    Pair {
        client: c,
        server: s,
        client_result,
        server_result,
    }
}

fn session_after(version: ProtocolVersion, server: &Config) -> Arc<Session> {
    let mut p = connect(version, server, None);
    p.assert_ok();
    p.exchange(b"ping");
    assert!(!p.server.negotiated().session_reused);
    assert!(
        p.server.negotiated().peer_chain.is_empty(),
        "no certificate"
    );
    p.client.session().expect("a session").clone()
}

/// The server configurations to try in each version: TLS 1.2 with tickets and with the session
/// ID cache, TLS 1.3 with stateless tickets.
fn variants() -> Vec<(ProtocolVersion, Options)> {
    let no_tickets = Options {
        no_tickets: true,
        ..Options::default()
    };
    vec![
        (TLS12, Options::default()),
        (TLS12, no_tickets),
        (TLS13, Options::default()),
    ]
}

#[test]
fn session_without_a_certificate_does_not_resume_where_one_is_required() {
    // The session for admin.test was made without a client certificate: by the public host
    // before the admin host existed, or by the admin host while its certificate was optional.
    for earlier_admin in [None, Some(admin_host(VerifyMode::PEER))] {
        for (version, options) in variants() {
            let mut before = vhost_server(earlier_admin.clone().map(|mut a| {
                a.options = options;
                a
            }));
            before.options = options;
            let session = session_after(version, &before);

            // Now admin.test requires a certificate; same context, same session store.
            let mut admin = admin_host(VerifyMode::REQUIRE_PEER_CERT);
            admin.options = options;
            let mut now = vhost_server(Some(admin));
            now.options = options;
            now.session = before.session.clone();
            let p = connect(version, &now, Some(session));
            assert!(
                !p.server.negotiated().session_reused,
                "{version} {options:?}: resumed into the host requiring a certificate"
            );
            let e = p.server_result.expect_err("no certificate, no handshake");
            assert_eq!(
                e.reason,
                Reason::PEER_DID_NOT_RETURN_A_CERTIFICATE,
                "{version}: {e:?}"
            );
        }
    }
}

#[test]
fn session_with_a_certificate_still_resumes_where_one_is_required() {
    for (version, options) in variants() {
        let mut admin = admin_host(VerifyMode::REQUIRE_PEER_CERT);
        admin.options = options;
        let mut server = vhost_server(Some(admin));
        server.options = options;
        let mut client = client_config();
        client.max_version = version;
        client.set_certified_key(certified_key("client-ecdsa-p256"));
        let mut p = handshake(client.clone(), server.clone(), options_for("admin.test"));
        p.assert_ok();
        p.exchange(b"ping");
        assert_eq!(p.server.negotiated().peer_chain.len(), 2);
        let session = p.client.session().unwrap().clone();

        let mut c = Connection::new_client(Arc::new(client), options_for("admin.test"));
        c.set_resume_session(Some(session));
        let mut s = Connection::new_server(Arc::new(server));
        c.start().unwrap();
        s.start().unwrap();
        pump(&mut c, &mut s).unwrap();
        assert!(s.negotiated().session_reused, "{version} {options:?}");
        assert_eq!(s.negotiated().peer_chain.len(), 2);
    }
}

#[test]
fn switching_host_switches_the_session_id_context() {
    // The session was made by the public host for admin.test; the name now leads to a host of
    // its own (no client authentication involved) with another session ID context.
    for (version, options) in variants() {
        let mut before = vhost_server(None);
        before.options = options;
        before.session.sid_ctx = b"public".to_vec();
        let session = session_after(version, &before);

        let mut admin = admin_host(VerifyMode::NONE);
        admin.options = options;
        admin.session.sid_ctx = b"admin".to_vec();
        let mut now = vhost_server(Some(admin));
        now.options = options;
        now.session = before.session.clone();
        let mut p = connect(version, &now, Some(session.clone()));
        p.assert_ok();
        assert!(
            !p.server.negotiated().session_reused,
            "{version} {options:?}: resumed across session ID contexts"
        );
        p.exchange(b"ping");

        // The same session ID context on the other host: the session store is still the first
        // context's (its ticket keys and cache, as in OpenSSL), so the session resumes.
        let mut admin = admin_host(VerifyMode::NONE);
        admin.options = options;
        admin.session.sid_ctx = b"public".to_vec();
        let mut same = vhost_server(Some(admin));
        same.options = options;
        same.session = before.session.clone();
        let p = connect(version, &same, Some(session));
        p.assert_ok();
        assert!(
            p.server.negotiated().session_reused,
            "{version} {options:?}"
        );
    }
}
