//! End-to-end resumption between in-memory connections: TLS 1.2 tickets (RFC 5077 figures 1
//! and 2) and session IDs, TLS 1.3 PSKs, and every way a session can fail to resume.

use super::ticket::{parse_explicit_keys, TicketKey};
use super::{Session, SessionStats};
use crate::config::Config;
use crate::conn::Connection;
use crate::crypto::key_schedule::{finished_verify_data, KeySchedule};
use crate::error::Reason;
use crate::handshake::client::tls12::test_pair::*;
use crate::msgs::enums::{AlertDescription, ExtensionType, NamedGroup, ProtocolVersion};
use crate::msgs::handshake::HandshakeMessage;
use std::sync::Arc;

fn tls13_client() -> Config {
    Config {
        max_version: ProtocolVersion::TLSV1_3,
        ..client_config()
    }
}

/// A full handshake, application data both ways (so TLS 1.3 tickets reach the client), and
/// the client's session.
fn connect(
    client: Config,
    server: &Config,
    resume: Option<Arc<Session>>,
) -> (Connection, Connection) {
    let mut c = new_client(client);
    c.set_resume_session(resume);
    let mut s = new_server(server.clone());
    run(&mut c, &mut s).unwrap_or_else(|e| panic!("handshake failed: {e:?}"));
    exchange_data(&mut c, &mut s);
    (c, s)
}

fn session_of(c: &Connection) -> Arc<Session> {
    c.session().expect("client has a session").clone()
}

fn reused(c: &Connection, s: &Connection) -> bool {
    let (a, b) = (c.negotiated().session_reused, s.negotiated().session_reused);
    assert_eq!(a, b, "client and server disagree about resumption");
    a
}

fn hits(config: &Config) -> u64 {
    SessionStats::get(&config.session.store.stats.hits)
}

/// Handshake message types in the plaintext handshake records of `bytes`, with 20 for a
/// ChangeCipherSpec; stops at the first record after it (encrypted).
fn plaintext_flight(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (typ, payload) in records(bytes) {
        match typ {
            20 => {
                out.push(20);
                break;
            }
            22 => {
                let mut rest = &payload[..];
                while rest.len() >= 4 {
                    let len = u32::from_be_bytes([0, rest[1], rest[2], rest[3]]) as usize;
                    out.push(rest[0]);
                    rest = &rest[(4 + len).min(rest.len())..];
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn tls12_ticket_full_handshake_follows_rfc5077_figure_1() {
    let server = server_config(&["server-ecdsa-p256"]);
    let mut c = new_client(client_config());
    let mut s = new_server(server.clone());
    c.start().unwrap();
    let hello = records(c.pending_tls());
    let HandshakeMessage::ClientHello(ch) =
        HandshakeMessage::decode_encoded(&hello[0].1, ProtocolVersion::TLSV1_2).unwrap()
    else {
        panic!("not a ClientHello")
    };
    assert_eq!(ch.session_ticket(), Some(&[][..]), "an empty SessionTicket");
    transfer(&mut c, &mut s).unwrap();
    let first_flight = s.pending_tls().to_vec();
    let HandshakeMessage::ServerHello(sh) =
        HandshakeMessage::decode_encoded(&records(&first_flight)[0].1, ProtocolVersion::TLSV1_2)
            .unwrap()
    else {
        panic!("not a ServerHello")
    };
    assert!(sh.has(ExtensionType::SESSION_TICKET), "the empty ack");
    assert_eq!(plaintext_flight(&first_flight), vec![2, 11, 12, 14]);
    transfer(&mut s, &mut c).unwrap();
    transfer(&mut c, &mut s).unwrap();
    // Figure 1: NewSessionTicket, then ChangeCipherSpec, then the encrypted Finished.
    let last_flight = s.pending_tls().to_vec();
    assert_eq!(plaintext_flight(&last_flight), vec![4, 20]);
    assert_eq!(records(&last_flight).len(), 3);
    transfer(&mut s, &mut c).unwrap();
    assert!(!c.is_handshaking() && !s.is_handshaking());
    let session = session_of(&c);
    assert!(!session.ticket.is_empty());
    assert_eq!(session.ticket_lifetime, super::DEFAULT_TIMEOUT_SECS);
    assert!(session.is_resumable(super::now_ms()));
    assert!(!reused(&c, &s));
}

#[test]
fn tls12_ticket_resumes_with_the_abbreviated_handshake_of_figure_2() {
    let server = server_config(&["server-ecdsa-p256"]);
    let (c1, _) = connect(client_config(), &server, None);
    let session = session_of(&c1);

    let mut c = new_client(client_config());
    c.set_resume_session(Some(session.clone()));
    let mut s = new_server(server.clone());
    c.start().unwrap();
    transfer(&mut c, &mut s).unwrap();
    // ServerHello, ChangeCipherSpec, Finished: no certificate, no key exchange.
    let flight = s.pending_tls().to_vec();
    assert_eq!(plaintext_flight(&flight), vec![2, 20]);
    run(&mut c, &mut s).unwrap();
    assert!(reused(&c, &s));
    exchange_data(&mut c, &mut s);
    assert_eq!(hits(&server), 1);
    // The resumed connection still knows the server's certificate.
    assert_eq!(c.negotiated().peer_chain, c1.negotiated().peer_chain);
    assert_eq!(c.negotiated().suite, c1.negotiated().suite);
    // Not renewed: the key that sealed it still seals.
    assert_eq!(session_of(&c).ticket, session.ticket);
}

#[test]
fn tls12_corrupted_or_foreign_ticket_falls_back_to_a_full_handshake() {
    let server = server_config(&["server-ecdsa-p256"]);
    let (c1, _) = connect(client_config(), &server, None);
    let good = session_of(&c1);
    let mut bad = (*good).clone();
    let last = bad.ticket.len() - 1;
    bad.ticket[last] ^= 1;
    let (c, s) = connect(client_config(), &server, Some(Arc::new(bad)));
    assert!(!reused(&c, &s));
    // A fresh ticket replaces it.
    assert!(!session_of(&c).ticket.is_empty());
    assert_ne!(session_of(&c).ticket, good.ticket);

    // Another server's keys cannot open it either.
    let other = server_config(&["server-ecdsa-p256"]);
    let (c, s) = connect(client_config(), &other, Some(good));
    assert!(!reused(&c, &s));
    assert_eq!(SessionStats::get(&other.session.store.stats.misses), 1);
}

#[test]
fn tls12_expired_and_mismatched_sessions_are_not_resumed() {
    let mut server = server_config(&["server-ecdsa-p256"]);
    server.session.timeout_secs = 0;
    let (c1, _) = connect(client_config(), &server, None);
    // The client still thinks it fresh (its own default timeout); the server does not.
    let mut session = (*session_of(&c1)).clone();
    session.timeout_secs = 3600;
    let (c, s) = connect(client_config(), &server, Some(Arc::new(session)));
    assert!(!reused(&c, &s));
    assert_eq!(SessionStats::get(&server.session.store.stats.timeouts), 1);

    // A session from a context with another session ID context.
    let mut a = server_config(&["server-ecdsa-p256"]);
    a.session.sid_ctx = b"app-a".to_vec();
    let (c1, _) = connect(client_config(), &a, None);
    let mut b = a.clone();
    b.session.sid_ctx = b"app-b".to_vec();
    let (c, s) = connect(client_config(), &b, Some(session_of(&c1)));
    assert!(!reused(&c, &s));
}

#[test]
fn tls12_session_ids_resume_from_the_cache_when_tickets_are_off() {
    let mut server = server_config(&["server-rsa2048"]);
    server.options.no_tickets = true;
    let (c1, s1) = connect(client_config(), &server, None);
    let session = session_of(&c1);
    assert!(session.ticket.is_empty());
    assert_eq!(session.id.len(), 32);
    assert_eq!(server.session.store.cache().len(), 1);
    assert_eq!(s1.session().unwrap().id, session.id);

    let (c, s) = connect(client_config(), &server, Some(session.clone()));
    assert!(reused(&c, &s));
    assert_eq!(hits(&server), 1);
    // Without the cache entry the same ID is a miss and a full handshake.
    server.session.store.remove(&session.id);
    let (c, s) = connect(client_config(), &server, Some(session));
    assert!(!reused(&c, &s));
    assert_eq!(SessionStats::get(&server.session.store.stats.misses), 1);
}

#[test]
fn tls12_client_without_tickets_sends_no_extension() {
    let server = server_config(&["server-ecdsa-p256"]);
    let mut cc = client_config();
    cc.options.no_tickets = true;
    let (c, _) = connect(cc, &server, None);
    // The server falls back to a session ID.
    let session = session_of(&c);
    assert!(session.ticket.is_empty() && session.id.len() == 32);
}

fn explicit(names: &[u8]) -> Vec<TicketKey> {
    let bytes: Vec<u8> = names
        .iter()
        .flat_map(|n| [[*n; 16].as_slice(), &[n.wrapping_mul(3); 32]].concat())
        .collect();
    parse_explicit_keys(&bytes).unwrap()
}

#[test]
fn rotated_keys_open_old_tickets_until_removed() {
    let server = server_config(&["server-ecdsa-p256"]);
    let keys = &server.session.store.ticket_keys;
    keys.set_explicit(explicit(&[1])).unwrap();
    let (c0, _) = connect(client_config(), &server, None);
    let t0 = session_of(&c0);
    assert_eq!(&t0.ticket[..16], &[1; 16]);

    // Rotation: key 2 seals, key 1 still opens; the resumed client gets a renewed ticket.
    keys.set_explicit(explicit(&[2, 1])).unwrap();
    let (c1, s1) = connect(client_config(), &server, Some(t0.clone()));
    assert!(reused(&c1, &s1));
    let t1 = session_of(&c1);
    assert_eq!(&t1.ticket[..16], &[2; 16], "renewed under the new key");

    // Key 1 expires: its ticket no longer resumes, the renewed one does.
    keys.set_explicit(explicit(&[3, 2])).unwrap();
    let (c, s) = connect(client_config(), &server, Some(t0));
    assert!(!reused(&c, &s));
    let (c, s) = connect(client_config(), &server, Some(t1));
    assert!(reused(&c, &s));
}

#[test]
fn tls13_tickets_arrive_after_the_handshake_and_resume_with_psk_dhe_ke() {
    let server = server_config(&["server-ecdsa-p256"]);
    let (c1, s1) = connect(tls13_client(), &server, None);
    assert!(!reused(&c1, &s1));
    let session = session_of(&c1);
    assert!(session.is_tls13());
    assert_eq!(session.ticket_lifetime, super::DEFAULT_TIMEOUT_SECS);

    let (c, s) = connect(tls13_client(), &server, Some(session));
    assert!(reused(&c, &s));
    assert!(
        c.negotiated().group.is_some(),
        "psk_dhe_ke keeps forward secrecy"
    );
    assert_eq!(c.negotiated().peer_chain, c1.negotiated().peer_chain);
    assert_eq!(hits(&server), 1);
    // New tickets after the resumed handshake too.
    assert!(c.session().unwrap().is_resumable(super::now_ms()));
}

#[test]
fn tls13_server_sends_the_configured_number_of_tickets() {
    for n in [0u32, 1, 3] {
        let mut server = server_config(&["server-ecdsa-p256"]);
        server.session.num_tickets = n;
        let mut c = new_client(tls13_client());
        c.config_mut_for_test().session.cache_mode = super::cache_mode::CLIENT;
        let mut s = new_server(server);
        run(&mut c, &mut s).unwrap();
        exchange_data(&mut c, &mut s);
        assert_eq!(c.take_new_sessions().len(), n as usize);
    }
}

#[test]
fn tls13_resumption_brings_one_new_ticket_as_in_openssl() {
    for n in [0u32, 1, 3] {
        let mut server = server_config(&["server-ecdsa-p256"]);
        server.session.num_tickets = n.max(1);
        let (c1, _) = connect(tls13_client(), &server, None);
        server.session.num_tickets = n;
        let mut c = new_client(tls13_client());
        c.config_mut_for_test().session.cache_mode = super::cache_mode::CLIENT;
        c.set_resume_session(Some(session_of(&c1)));
        let mut s = new_server(server);
        run(&mut c, &mut s).unwrap();
        exchange_data(&mut c, &mut s);
        assert!(reused(&c, &s));
        assert_eq!(c.take_new_sessions().len(), n.min(1) as usize);
    }
}

#[test]
fn tls13_psk_ke_resumes_without_a_key_exchange() {
    let mut server = server_config(&["server-ecdsa-p256"]);
    server.options.allow_psk_ke = true;
    let mut client = tls13_client();
    client.options.allow_psk_ke = true;
    let (c1, _) = connect(client.clone(), &server, None);
    // The server now wants a group the client sends no share for: rather than ask for one,
    // it resumes with psk_ke.
    let mut server2 = server.clone();
    server2.groups = vec![NamedGroup::SECP384R1];
    let (c, s) = connect(client, &server2, Some(session_of(&c1)));
    assert!(reused(&c, &s));
    assert_eq!(c.negotiated().group, None);
    assert!(!s.negotiated().hello_retry);
}

#[test]
fn tls13_resumption_after_hello_retry_recomputes_the_binder() {
    let server = server_config(&["server-ecdsa-p256"]);
    let (c1, _) = connect(tls13_client(), &server, None);
    let mut server2 = server.clone();
    server2.groups = vec![NamedGroup::SECP384R1];
    let (c, s) = connect(tls13_client(), &server2, Some(session_of(&c1)));
    assert!(s.negotiated().hello_retry);
    assert!(reused(&c, &s));
    assert_eq!(c.negotiated().group, Some(NamedGroup::SECP384R1));
}

/// Starts a resumption that the server answers with a HelloRetryRequest, and hands the
/// client's second flight to the server with its ClientHello edited.
fn second_client_hello_edited(
    edit: impl FnOnce(&mut crate::msgs::handshake::ClientHello),
) -> (Connection, crate::error::Error) {
    let server = server_config(&["server-ecdsa-p256"]);
    let (c1, _) = connect(tls13_client(), &server, None);
    let mut retrying = server.clone();
    retrying.groups = vec![NamedGroup::SECP384R1];
    let mut c = new_client(tls13_client());
    c.set_resume_session(Some(session_of(&c1)));
    let mut s = new_server(retrying);
    c.start().unwrap();
    transfer(&mut c, &mut s).unwrap();
    transfer(&mut s, &mut c).unwrap();
    assert!(s.negotiated().hello_retry);
    let data = c.pending_tls().to_vec();
    c.consume_tls(data.len());
    let mut recs = records(&data);
    // The compatibility ChangeCipherSpec may come first.
    let hello = recs.iter_mut().find(|(typ, _)| *typ == 22).unwrap();
    let HandshakeMessage::ClientHello(mut ch) =
        HandshakeMessage::decode_encoded(&hello.1, ProtocolVersion::TLSV1_2).unwrap()
    else {
        panic!("not a ClientHello")
    };
    assert!(ch.psk().is_some(), "the second ClientHello keeps the PSK");
    edit(&mut ch);
    hello.1 = HandshakeMessage::ClientHello(ch).encode().unwrap();
    let bytes: Vec<u8> = recs.iter().flat_map(|(t, p)| frame(*t, p)).collect();
    let e = s.read_tls(&bytes).unwrap_err();
    (s, e)
}

#[test]
fn tls13_second_client_hello_may_not_drop_a_usable_psk() {
    use crate::msgs::extensions::Extension;
    let (s, e) = second_client_hello_edited(|ch| {
        ch.extensions
            .retain(|x| x.ext_type() != ExtensionType::PRE_SHARED_KEY);
    });
    assert_eq!(e.reason, Reason::BAD_PSK);
    assert_eq!(s.alert_sent(), Some(AlertDescription::ILLEGAL_PARAMETER));
}

#[test]
fn tls13_second_client_hello_may_drop_a_psk_of_another_hash() {
    use crate::msgs::enums::CipherSuite;
    let server = server_config(&["server-ecdsa-p256"]);
    let mut first = tls13_client();
    first.tls13_suites = vec![CipherSuite::TLS13_AES_256_GCM_SHA384];
    let (c1, _) = connect(first, &server, None);
    let mut retrying = server.clone();
    retrying.groups = vec![NamedGroup::SECP384R1];
    retrying.tls13_suites = vec![CipherSuite::TLS13_AES_128_GCM_SHA256];
    // Our client leaves out a PSK whose hash the retry's suite does not share.
    let (c, s) = connect(tls13_client(), &retrying, Some(session_of(&c1)));
    assert!(s.negotiated().hello_retry);
    assert!(!reused(&c, &s));
}

#[test]
fn tls13_second_client_hello_may_not_offer_a_new_psk_identity() {
    let (s, e) = second_client_hello_edited(|ch| {
        ch.psk_mut().unwrap().identities[0].identity[0] ^= 1;
    });
    assert_eq!(e.reason, Reason::BAD_PSK);
    assert_eq!(s.alert_sent(), Some(AlertDescription::ILLEGAL_PARAMETER));
}

/// A resumption whose ServerHello the client reads after `edit`; the client's error.
fn client_reading_edited_server_hello(
    edit: impl FnOnce(&mut crate::msgs::handshake::ServerHello),
) -> (Connection, crate::error::Error) {
    use crate::msgs::enums::CipherSuite;
    let server = server_config(&["server-ecdsa-p256"]);
    let mut first = tls13_client();
    first.tls13_suites = vec![CipherSuite::TLS13_AES_128_GCM_SHA256];
    let (c1, _) = connect(first, &server, None);
    let session = session_of(&c1);
    assert_eq!(session.suite, CipherSuite::TLS13_AES_128_GCM_SHA256);
    let mut c = new_client(tls13_client());
    c.set_resume_session(Some(session));
    let mut s = new_server(server);
    c.start().unwrap();
    transfer(&mut c, &mut s).unwrap();
    let e = transfer_edited(&mut s, &mut c, |m| {
        let HandshakeMessage::ServerHello(sh) = m else {
            panic!("not a ServerHello")
        };
        edit(sh);
    })
    .unwrap_err();
    (c, e)
}

#[test]
fn tls13_server_selecting_a_psk_identity_we_did_not_offer_is_illegal_parameter() {
    use crate::msgs::extensions::ServerHelloExtension;
    let (c, e) = client_reading_edited_server_hello(|sh| {
        let selected = sh
            .extensions
            .iter_mut()
            .find_map(|x| match x {
                ServerHelloExtension::PreSharedKey(index) => Some(index),
                _ => None,
            })
            .expect("the server accepted the PSK");
        *selected = 1;
    });
    assert_eq!(e.reason, Reason::BAD_PSK_IDENTITY);
    assert_eq!(c.alert_sent(), Some(AlertDescription::ILLEGAL_PARAMETER));
}

#[test]
fn tls13_resumption_with_another_hash_is_illegal_parameter() {
    let (c, e) = client_reading_edited_server_hello(|sh| {
        sh.cipher_suite = crate::msgs::enums::CipherSuite::TLS13_AES_256_GCM_SHA384;
    });
    assert_eq!(e.reason, Reason::CIPHERSUITE_DIGEST_HAS_CHANGED);
    assert_eq!(c.alert_sent(), Some(AlertDescription::ILLEGAL_PARAMETER));
}

#[test]
fn tls12_session_resumed_in_tls13_is_a_version_mismatch() {
    use crate::msgs::extensions::ServerHelloExtension;
    let server = server_config(&["server-ecdsa-p256"]);
    let (c1, _) = connect(client_config(), &server, None);
    let session = session_of(&c1);
    assert!(!session.is_tls13());
    let mut c = new_client(tls13_client());
    c.set_resume_session(Some(session));
    let mut s = new_server(server);
    c.start().unwrap();
    transfer(&mut c, &mut s).unwrap();
    let e = transfer_edited(&mut s, &mut c, |m| {
        let HandshakeMessage::ServerHello(sh) = m else {
            panic!("not a ServerHello")
        };
        sh.extensions.push(ServerHelloExtension::PreSharedKey(0));
    })
    .unwrap_err();
    assert_eq!(e.reason, Reason::SSL_SESSION_VERSION_MISMATCH);
    assert_eq!(
        c.alert_sent(),
        Some(AlertDescription::UNSUPPORTED_EXTENSION)
    );
}

#[test]
fn tls13_session_resumed_in_tls12_is_a_version_mismatch() {
    let server = server_config(&["server-ecdsa-p256"]);
    let (c1, _) = connect(tls13_client(), &server, None);
    let mut tls12_server = server.clone();
    tls12_server.max_version = ProtocolVersion::TLSV1_2;
    let mut c = new_client(tls13_client());
    c.set_resume_session(Some(session_of(&c1)));
    let mut s = new_server(tls12_server);
    c.start().unwrap();
    let HandshakeMessage::ClientHello(ch) =
        HandshakeMessage::decode_encoded(&records(c.pending_tls())[0].1, ProtocolVersion::TLSV1_2)
            .unwrap()
    else {
        panic!("not a ClientHello")
    };
    transfer(&mut c, &mut s).unwrap();
    let e = transfer_edited(&mut s, &mut c, |m| {
        let HandshakeMessage::ServerHello(sh) = m else {
            panic!("not a ServerHello")
        };
        sh.legacy_session_id_echo = ch.legacy_session_id.clone();
    })
    .unwrap_err();
    assert_eq!(e.reason, Reason::SSL_SESSION_VERSION_MISMATCH);
    assert_eq!(c.alert_sent(), Some(AlertDescription::ILLEGAL_PARAMETER));
}

#[test]
fn tls13_bad_binder_is_decrypt_error() {
    let server = server_config(&["server-ecdsa-p256"]);
    let (c1, _) = connect(tls13_client(), &server, None);
    let mut c = new_client(tls13_client());
    c.set_resume_session(Some(session_of(&c1)));
    let mut s = new_server(server);
    c.start().unwrap();
    let e = transfer_edited(&mut c, &mut s, |m| {
        let HandshakeMessage::ClientHello(ch) = m else {
            panic!("not a ClientHello")
        };
        ch.psk_mut().unwrap().binders[0][0] ^= 1;
    })
    .unwrap_err();
    assert_eq!(e.reason, Reason::BINDER_DOES_NOT_VERIFY);
    assert_eq!(s.alert_sent(), Some(AlertDescription::DECRYPT_ERROR));
}

#[test]
fn tls13_client_binder_matches_an_independent_computation() {
    let server = server_config(&["server-ecdsa-p256"]);
    let (c1, _) = connect(tls13_client(), &server, None);
    let session = session_of(&c1);
    let mut c = new_client(tls13_client());
    c.set_resume_session(Some(session.clone()));
    c.start().unwrap();
    let recs = records(c.pending_tls());
    let encoded = &recs[0].1;
    let HandshakeMessage::ClientHello(ch) =
        HandshakeMessage::decode_encoded(encoded, ProtocolVersion::TLSV1_2).unwrap()
    else {
        panic!("not a ClientHello")
    };
    let offer = ch.psk().expect("a PSK offer");
    assert_eq!(offer.identities[0].identity, session.ticket);
    // RFC 8446 4.2.11.2: HMAC over the ClientHello up to the binders list.
    let partial = &encoded[..encoded.len() - ch.binders_encoded_len().unwrap()];
    let alg = crate::suites::lookup(session.suite).unwrap().hash;
    let binder_key = KeySchedule::new(alg, Some(&session.secret)).binder_key(false);
    let expected = finished_verify_data(alg, &binder_key, &alg.hash(partial));
    assert_eq!(offer.binders[0], expected);
    // The obfuscated age is the real age (about zero here) plus ticket_age_add.
    let age = offer.identities[0]
        .obfuscated_ticket_age
        .wrapping_sub(session.ticket_age_add);
    assert!(age < 5_000, "{age}");
}

#[test]
fn tls13_unusable_psks_fall_back_to_a_full_handshake() {
    let server = server_config(&["server-ecdsa-p256"]);
    let (c1, _) = connect(tls13_client(), &server, None);
    let session = session_of(&c1);

    // A wrong ticket_age_add makes the claimed age absurd.
    let mut wrong_age = (*session).clone();
    wrong_age.ticket_age_add = wrong_age.ticket_age_add.wrapping_add(1 << 30);
    let (c, s) = connect(tls13_client(), &server, Some(Arc::new(wrong_age)));
    assert!(!reused(&c, &s));

    // A corrupted ticket.
    let mut corrupted = (*session).clone();
    corrupted.ticket[20] ^= 1;
    let (c, s) = connect(tls13_client(), &server, Some(Arc::new(corrupted)));
    assert!(!reused(&c, &s));

    // Another SNI.
    let mut c = Connection::new_client(
        Arc::new(tls13_client()),
        crate::conn::ClientOptions {
            server_name: Some("other.example".into()),
            verify_identity: None,
        },
    );
    c.set_resume_session(Some(session.clone()));
    let mut s = new_server(server.clone());
    run(&mut c, &mut s).unwrap();
    assert!(!reused(&c, &s));

    // The server's lifetime is over.
    let mut short = server.clone();
    short.session.timeout_secs = 0;
    let (c, s) = connect(tls13_client(), &short, Some(session));
    assert!(!reused(&c, &s));
    assert_eq!(SessionStats::get(&server.session.store.stats.timeouts), 1);
}

#[test]
fn tls13_single_use_tickets_resume_once() {
    let mut server = server_config(&["server-ecdsa-p256"]);
    server.session.single_use_tickets = true;
    let (c1, _) = connect(tls13_client(), &server, None);
    let session = session_of(&c1);
    let (c, s) = connect(tls13_client(), &server, Some(session.clone()));
    assert!(reused(&c, &s));
    let (c, s) = connect(tls13_client(), &server, Some(session));
    assert!(!reused(&c, &s), "replayed ticket");
}

#[test]
fn tls13_stateful_tickets_when_stateless_ones_are_off() {
    let mut server = server_config(&["server-ecdsa-p256"]);
    server.options.no_tickets = true;
    let (c1, _) = connect(tls13_client(), &server, None);
    assert_eq!(
        server.session.store.cache().len(),
        2,
        "one entry per ticket"
    );
    let session = session_of(&c1);
    assert_eq!(session.ticket.len(), 32, "the ticket is a cache key");
    let (c, s) = connect(tls13_client(), &server, Some(session.clone()));
    assert!(reused(&c, &s));
    // Used once: the entry left the cache (the resumed connection added two new ones).
    assert!(server.session.store.cache().get(&session.ticket).is_none());
    let (c, s) = connect(tls13_client(), &server, Some(session));
    assert!(!reused(&c, &s));
}

/// Regression (issue 22): a TLS 1.3 stateful ticket found through the get-session callback (an
/// external cache, as a fleet of servers shares) resumed as often as it was offered: it was
/// used up only in the internal cache, and the application's remove callback never heard of
/// it, so the external cache kept it. Now the remove callback is told, as for cached ones.
#[test]
fn tls13_stateful_tickets_from_an_external_cache_are_used_up() {
    use std::collections::HashMap;
    use std::sync::Mutex;
    let mut server = server_config(&["server-ecdsa-p256"]);
    server.options.no_tickets = true;
    server.session.cache_mode = super::cache_mode::SERVER | super::cache_mode::NO_INTERNAL;
    let external: Arc<Mutex<HashMap<Vec<u8>, Arc<Session>>>> = Arc::default();
    let cache = external.clone();
    server.session.get_callback = Some(Arc::new(move |id: &[u8]| {
        cache.lock().unwrap().get(id).cloned()
    }));
    let cache = external.clone();
    server
        .session
        .store
        .set_remove_callback(Some(Arc::new(move |s: &Arc<Session>| {
            cache.lock().unwrap().remove(&s.id);
        })));
    let (c1, mut s1) = connect(tls13_client(), &server, None);
    for s in s1.take_new_sessions() {
        external.lock().unwrap().insert(s.id.clone(), s);
    }
    let session = session_of(&c1);
    assert!(external.lock().unwrap().contains_key(&session.ticket));
    let (c, s) = connect(tls13_client(), &server, Some(session.clone()));
    assert!(reused(&c, &s));
    assert!(
        !external.lock().unwrap().contains_key(&session.ticket),
        "the remove callback heard of the used ticket"
    );
    let (c, s) = connect(tls13_client(), &server, Some(session));
    assert!(!reused(&c, &s), "a stateful ticket resumes once");
}

#[test]
fn sessions_survive_encoding_and_resume() {
    let server = server_config(&["server-ecdsa-p256"]);
    for client in [client_config(), tls13_client()] {
        let (c1, _) = connect(client.clone(), &server, None);
        let bytes = session_of(&c1).encode().unwrap();
        let decoded = Session::decode(&bytes).unwrap();
        let (c, s) = connect(client, &server, Some(Arc::new(decoded)));
        assert!(reused(&c, &s));
    }
}

#[test]
fn application_ticket_key_callback_replaces_the_key_ring() {
    use super::ticket::TicketKeyLookup;
    let mut server = server_config(&["server-ecdsa-p256"]);
    let current = TicketKey::new([8; 16], &[8; 32]).unwrap();
    let known = current.clone();
    server.session.ticket_key_callback =
        Some(Arc::new(move |name: Option<&[u8; 16]>| match name {
            None => TicketKeyLookup::Found(known.clone()),
            Some(n) if *n == known.name => TicketKeyLookup::FoundRenew(known.clone()),
            Some(_) => TicketKeyLookup::Unknown,
        }));
    let (c1, _) = connect(client_config(), &server, None);
    let t = session_of(&c1);
    assert_eq!(&t.ticket[..16], &[8; 16]);
    let (c, s) = connect(client_config(), &server, Some(t.clone()));
    assert!(reused(&c, &s));
    assert_ne!(session_of(&c).ticket, t.ticket, "renewal was asked for");
    assert!(
        server.session.store.ticket_keys.is_empty(),
        "the ring was not used"
    );
}

/// Regression (issue 16): a session whose peer sent more than 16 certificates was sealed into
/// tickets the server could not decode again, so such clients never resumed.
#[test]
fn sessions_with_twenty_certificate_client_chains_resume() {
    let mut server = server_config(&["server-ecdsa-p256"]);
    server.verify_mode = crate::config::VerifyMode::PEER;
    // The client's chain, padded to 20 certificates with copies of its intermediate.
    let long_key = || {
        let mut key = certified("client-ecdsa-p256");
        let intermediate = key.chain[1].clone();
        while key.chain.len() < 20 {
            key.chain.push(intermediate.clone());
        }
        key
    };
    let mut tls13 = tls13_client();
    tls13.set_certified_key(long_key());
    let mut tls12 = client_config();
    tls12.set_certified_key(long_key());
    for client in [tls12, tls13] {
        let (c1, s1) = connect(client.clone(), &server, None);
        assert_eq!(s1.negotiated().peer_chain.len(), 20);
        let (c, s) = connect(client, &server, Some(session_of(&c1)));
        assert!(
            reused(&c, &s),
            "the ticket for a 20-certificate chain resumes"
        );
        assert_eq!(s.negotiated().peer_chain.len(), 20);
    }
}

/// Regression (issue 16): the list of used single-use tickets had no bound. When it is full, a
/// ticket it has not seen is refused (a full handshake), never accepted unrecorded.
#[test]
fn tls13_single_use_tickets_are_refused_while_the_used_list_is_full() {
    let mut server = server_config(&["server-ecdsa-p256"]);
    server.session.single_use_tickets = true;
    let (c1, _) = connect(tls13_client(), &server, None);
    let session = session_of(&c1);
    let store = &server.session.store;
    let far = super::now_ms() + 3_600_000;
    for n in 0..super::cache::MAX_USED_TICKETS {
        assert!(store.first_use_of_ticket(&(n as u64).to_be_bytes(), far, 0));
    }
    let misses = SessionStats::get(&store.stats.misses);
    let (c, s) = connect(tls13_client(), &server, Some(session));
    assert!(
        !reused(&c, &s),
        "no room to record the ticket: a full handshake"
    );
    assert_eq!(SessionStats::get(&store.stats.misses), misses + 1);
}
