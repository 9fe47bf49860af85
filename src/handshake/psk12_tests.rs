//! TLS 1.2 PSK suites in both roles: every suite, hints, resumption, and hostile or mistaken
//! peers (unknown identity, another key, oversized identity and hint, bad ECDH points).

use super::*;
use crate::config::{Config, ExternalPsk, PskLookup};
use crate::conn::Connection;
use crate::handshake::client::tls12::test_pair::*;
use crate::msgs::enums::{AlertDescription, CipherSuite, NamedGroup, ProtocolVersion};
use crate::msgs::handshake::{ClientHello, HandshakeMessage};
use crate::suites::Kx;
use std::sync::{Arc, Mutex};

const KEY: &[u8] = b"0123456789abcdef";

fn found(identity: &[u8], key: &[u8]) -> PskLookup {
    PskLookup::Found(ExternalPsk {
        identity: identity.to_vec(),
        secret: Secret::from_slice(key),
        suite: CipherSuite(0),
    })
}

fn psk_suites() -> Vec<&'static crate::suites::SuiteInfo> {
    crate::suites::ALL_SUITES
        .iter()
        .filter(|s| s.is_psk())
        .collect()
}

/// The hints a client's callback was given.
type SeenHints = Arc<Mutex<Vec<Option<Vec<u8>>>>>;

/// A client offering only `suite`, answering every hint with `identity` and `key`; the hints
/// it saw are recorded.
fn psk_client(
    suite: CipherSuite,
    identity: &'static [u8],
    key: &'static [u8],
) -> (Config, SeenHints) {
    let hints = Arc::new(Mutex::new(Vec::new()));
    let seen = hints.clone();
    let mut c = client_config();
    c.tls12_suites = vec![suite];
    c.psk12.client = Some(Arc::new(move |hint: Option<&[u8]>| {
        seen.lock().unwrap().push(hint.map(<[u8]>::to_vec));
        found(identity, key)
    }));
    (c, hints)
}

/// A server without certificates that knows `identity` with `key`.
fn psk_server(identity: &'static [u8], key: &'static [u8], hint: Option<&[u8]>) -> Config {
    let mut s = server_config(&[]);
    s.tls12_suites = psk_suites().iter().map(|s| s.suite).collect();
    s.psk12.server = Some(Arc::new(move |id: &[u8]| {
        if id == identity {
            found(id, key)
        } else {
            PskLookup::None
        }
    }));
    s.psk12.hint = hint.map(<[u8]>::to_vec);
    s
}

fn handshake(client: Config, server: Config) -> (Connection, Connection, Result<()>) {
    let mut c = new_client(client);
    let mut s = new_server(server);
    let r = run(&mut c, &mut s);
    (c, s, r)
}

/// The handshake message types of the plaintext records in `bytes` (before a CCS).
fn handshake_types(bytes: &[u8]) -> Vec<u8> {
    let mut types = Vec::new();
    for (typ, payload) in records(bytes) {
        if typ != 22 {
            break;
        }
        let mut p = &payload[..];
        while p.len() >= 4 {
            types.push(p[0]);
            let len = u32::from_be_bytes([0, p[1], p[2], p[3]]) as usize;
            p = &p[4 + len..];
        }
    }
    types
}

#[test]
fn every_psk_suite_in_both_roles_with_and_without_a_hint() {
    for info in psk_suites() {
        for hint in [None, Some(&b"the hint"[..])] {
            let (cc, hints) = psk_client(info.suite, b"alice", KEY);
            let (mut c, mut s, r) = handshake(cc, psk_server(b"alice", KEY, hint));
            r.unwrap_or_else(|e| panic!("{}: {e:?}", info.openssl_name));
            exchange_data(&mut c, &mut s);
            for side in [&c, &s] {
                let n = side.negotiated();
                assert_eq!(n.version, Some(ProtocolVersion::TLSV1_2));
                assert_eq!(n.suite.map(|s| s.suite), Some(info.suite));
                assert_eq!(n.psk_identity.as_deref(), Some(&b"alice"[..]));
                assert_eq!(n.psk_identity_hint.as_deref(), hint);
                assert!(n.peer_chain.is_empty(), "no certificates");
                assert!(n.extended_master_secret, "RFC 7627 applies");
                assert_eq!(n.group.is_some(), info.kx == Some(Kx::EcdhePsk));
            }
            assert_eq!(*hints.lock().unwrap(), vec![hint.map(<[u8]>::to_vec)]);
        }
    }
}

#[test]
fn plain_psk_without_a_hint_sends_no_server_key_exchange() {
    let (cc, _) = psk_client(CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256, b"a", KEY);
    let mut c = new_client(cc);
    let mut s = new_server(psk_server(b"a", KEY, None));
    c.start().unwrap();
    transfer(&mut c, &mut s).unwrap();
    // ServerHello, ServerHelloDone.
    assert_eq!(handshake_types(s.pending_tls()), vec![2, 14]);

    let (cc, _) = psk_client(CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256, b"a", KEY);
    let mut c = new_client(cc);
    let mut s = new_server(psk_server(b"a", KEY, Some(b"h")));
    c.start().unwrap();
    transfer(&mut c, &mut s).unwrap();
    assert_eq!(handshake_types(s.pending_tls()), vec![2, 12, 14]);
}

#[test]
fn empty_identity_is_allowed_in_tls12() {
    let (cc, _) = psk_client(CipherSuite::TLS_PSK_WITH_CHACHA20_POLY1305_SHA256, b"", KEY);
    let (_, s, r) = handshake(cc, psk_server(b"", KEY, None));
    r.unwrap();
    assert_eq!(s.negotiated().psk_identity.as_deref(), Some(&b""[..]));
}

#[test]
fn unknown_identity_is_unknown_psk_identity() {
    let (cc, _) = psk_client(
        CipherSuite::TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
        b"mallory",
        KEY,
    );
    let (c, s, r) = handshake(cc, psk_server(b"alice", KEY, None));
    assert!(r.is_err());
    let e = s.error().expect("the server fails");
    assert_eq!(e.reason, Reason::PSK_IDENTITY_NOT_FOUND);
    assert_eq!(s.alert_sent(), Some(AlertDescription::UNKNOWN_PSK_IDENTITY));
    assert!(c.is_handshaking() || c.error().is_some());
}

#[test]
fn a_different_key_fails_at_the_clients_finished_with_bad_record_mac() {
    for info in psk_suites() {
        let (cc, _) = psk_client(info.suite, b"alice", b"another key");
        let (_, s, r) = handshake(cc, psk_server(b"alice", KEY, None));
        assert!(r.is_err(), "{}", info.openssl_name);
        let e = s.error().expect("the server fails");
        assert_eq!(e.reason, Reason::DECRYPTION_FAILED_OR_BAD_RECORD_MAC);
        assert_eq!(s.alert_sent(), Some(AlertDescription::BAD_RECORD_MAC));
    }
}

#[test]
fn psk_suites_need_the_callback_of_each_role() {
    // A client without a PSK callback offers no PSK suite, even when its list names them.
    let mut cc = client_config();
    cc.max_version = ProtocolVersion::TLSV1_3;
    cc.tls12_suites = psk_suites().iter().map(|s| s.suite).collect();
    let mut c = new_client(cc);
    c.start().unwrap();
    let recs = records(c.pending_tls());
    let HandshakeMessage::ClientHello(ClientHello { cipher_suites, .. }) =
        HandshakeMessage::decode_encoded(&recs[0].1, ProtocolVersion::TLSV1_2).unwrap()
    else {
        panic!("not a ClientHello");
    };
    assert!(cipher_suites
        .iter()
        .all(|s| crate::suites::lookup(*s).is_none_or(|i| !i.is_psk())));

    // A server without one chooses a certificate suite over the client's preferred PSK one.
    let (mut cc, _) = psk_client(CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256, b"a", KEY);
    cc.tls12_suites
        .push(CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
    let mut sc = server_config(&["server-ecdsa-p256"]);
    sc.tls12_suites
        .push(CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256);
    let (c, _, r) = handshake(cc, sc);
    r.unwrap();
    assert_eq!(
        c.negotiated().suite.map(|s| s.suite),
        Some(CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
    );
    // A server without the callback and without certificates has no suite to share.
    let (cc, _) = psk_client(CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256, b"a", KEY);
    let mut sc = psk_server(b"a", KEY, None);
    sc.psk12.server = None;
    let (_, s, r) = handshake(cc, sc);
    assert!(r.is_err());
    assert_eq!(s.error().unwrap().reason, Reason::NO_SHARED_CIPHER);
}

#[test]
fn client_without_a_key_for_the_server_fails_with_psk_identity_not_found() {
    let mut cc = client_config();
    cc.tls12_suites = vec![CipherSuite::TLS_PSK_WITH_AES_256_GCM_SHA384];
    cc.psk12.client = Some(Arc::new(|_: Option<&[u8]>| PskLookup::None));
    let (c, _, r) = handshake(cc, psk_server(b"a", KEY, None));
    assert!(r.is_err());
    assert_eq!(c.error().unwrap().reason, Reason::PSK_IDENTITY_NOT_FOUND);
    assert_eq!(c.alert_sent(), Some(AlertDescription::HANDSHAKE_FAILURE));
}

#[test]
fn client_refuses_to_send_an_oversized_identity() {
    static LONG: [u8; MAX_IDENTITY_LEN + 1] = [b'x'; MAX_IDENTITY_LEN + 1];
    let (cc, _) = psk_client(CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256, &LONG, KEY);
    let (c, _, r) = handshake(cc, psk_server(b"a", KEY, None));
    assert!(r.is_err());
    assert_eq!(c.error().unwrap().reason, Reason::BAD_PSK);
    // The longest allowed identity goes through.
    static MAX: [u8; MAX_IDENTITY_LEN] = [b'x'; MAX_IDENTITY_LEN];
    let (cc, _) = psk_client(CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256, &MAX, KEY);
    let (_, _, r) = handshake(cc, psk_server(&MAX, KEY, None));
    r.unwrap();
}

#[test]
fn oversized_or_malformed_key_exchange_messages_are_refused() {
    let long = vec![b'x'; MAX_IDENTITY_LEN + 1];
    let mut w = Writer::new();
    w.vec_u16(&long);
    let cke = w.finish().unwrap();
    let e = decode_client_key_exchange(&cke, false).unwrap_err();
    assert_eq!(e.reason, Reason::DATA_LENGTH_TOO_LONG);
    assert_eq!(e.alert, Some(AlertDescription::HANDSHAKE_FAILURE));
    let e = decode_server_key_exchange(&cke, false).unwrap_err();
    assert_eq!(e.reason, Reason::DATA_LENGTH_TOO_LONG);
    // Trailing bytes, a truncated identity, a missing or empty point.
    for (body, ecdhe) in [
        (&[0, 1, b'a', 9][..], false),
        (&[0, 5, b'a'][..], false),
        (&[0, 1, b'a'][..], true),
        (&[0, 1, b'a', 0][..], true),
    ] {
        let e = decode_client_key_exchange(body, ecdhe).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::DECODE_ERROR), "{body:?}");
    }
    // An ECDHE_PSK ServerKeyExchange needs its parameters; plain PSK takes none.
    assert!(decode_server_key_exchange(&[0, 0], true).is_err());
    assert!(decode_server_key_exchange(&[0, 0, 3, 0, 29, 1, 4], false).is_err());
    let (hint, params) = decode_server_key_exchange(&[0, 0, 3, 0, 29, 1, 4], true).unwrap();
    assert!(hint.is_empty());
    assert_eq!(params.unwrap().group, NamedGroup::X25519);
}

#[test]
fn ecdhe_psk_bad_client_point_is_refused() {
    let (cc, _) = psk_client(
        CipherSuite::TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256,
        b"a",
        KEY,
    );
    let mut sc = psk_server(b"a", KEY, None);
    sc.groups = vec![NamedGroup::SECP256R1];
    let mut c = new_client(cc);
    let mut s = new_server(sc);
    c.start().unwrap();
    transfer(&mut c, &mut s).unwrap();
    transfer(&mut s, &mut c).unwrap();
    // The client's flight: ClientKeyExchange (identity, point), CCS, Finished. Corrupt the
    // point (not on the curve).
    let mut data = c.pending_tls().to_vec();
    c.consume_tls(data.len());
    assert_eq!(data[5], 16, "ClientKeyExchange first");
    // type(1) len(3) identity(2+1) point-len(1) 0x04 x...
    let x = 5 + 4 + 3 + 1 + 1;
    data[x] ^= 0xff;
    assert!(s.read_tls(&data).is_err());
    let e = s.error().unwrap();
    assert_eq!(e.alert, Some(AlertDescription::ILLEGAL_PARAMETER), "{e:?}");
}

#[test]
fn psk_sessions_resume_by_ticket_and_by_id() {
    for no_ticket in [false, true] {
        let suite = CipherSuite::TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384;
        let mut sc = psk_server(b"alice", KEY, None);
        if no_ticket {
            sc.options.no_tickets = true;
        }
        let (cc, _) = psk_client(suite, b"alice", KEY);
        let (mut c1, mut s1, r) = handshake(cc, sc.clone());
        r.unwrap();
        exchange_data(&mut c1, &mut s1);
        let session = c1.session().unwrap().clone();
        assert_eq!(session.ticket.is_empty(), no_ticket);
        let (cc, hints) = psk_client(suite, b"alice", KEY);
        let mut c = new_client(cc);
        c.set_resume_session(Some(session));
        let mut s = new_server(sc);
        run(&mut c, &mut s).unwrap();
        exchange_data(&mut c, &mut s);
        assert!(c.negotiated().session_reused && s.negotiated().session_reused);
        assert!(
            hints.lock().unwrap().is_empty(),
            "no key exchange, no callback"
        );
    }
}

#[test]
fn diagnosis_names_an_unknown_identity_and_a_different_key() {
    use crate::diagnosis::Cause;
    let (cc, _) = psk_client(
        CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256,
        b"mallory",
        KEY,
    );
    let (c, s, _) = handshake(cc, psk_server(b"alice", KEY, None));
    let sd = s.diagnosis().unwrap();
    assert!(
        sd.text.contains("\"mallory\"") && sd.text.contains("different PSK identities"),
        "{}",
        sd.text
    );
    let cd = c.diagnosis().unwrap();
    assert_eq!(cd.cause, Cause::PeerAlert);
    assert!(
        cd.text
            .contains("does not know our PSK identity \"mallory\""),
        "{}",
        cd.text
    );

    let (cc, _) = psk_client(
        CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256,
        b"alice",
        b"other",
    );
    let (c, s, _) = handshake(cc, psk_server(b"alice", KEY, None));
    let sd = s.diagnosis().unwrap();
    assert!(
        sd.text
            .contains("different key for the PSK identity \"alice\""),
        "{}",
        sd.text
    );
    let cd = c.diagnosis().unwrap();
    assert!(
        cd.text
            .contains("different key for our PSK identity \"alice\""),
        "{}",
        cd.text
    );
}
