//! A TLS 1.3 server reads a plaintext fatal alert from the client until the client's first
//! protected record (as OpenSSL does), so the client's reason for giving up reaches the
//! server's error; after that record, or a non-fatal alert in the clear, is unexpected_message.

use tls::config::Config;
use tls::conn::Connection;
use tls::msgs::enums::{AlertDescription, ContentType, ProtocolVersion};
use tls::record::RecordEncrypter;
use tls::testing::*;

const TLS13: ProtocolVersion = ProtocolVersion::TLSV1_3;

fn tls13(mut c: Config) -> Config {
    c.max_version = TLS13;
    c
}

/// A TLS 1.3 server that has sent its flight and a sealer under the client's handshake keys.
fn server_awaiting_finished() -> (Connection, RecordEncrypter) {
    server_awaiting_client_flight(
        tls13(client_config()),
        tls13(server_config("server-ecdsa-p256")),
    )
}

fn plain_alert(level: u8, desc: AlertDescription) -> Vec<u8> {
    vec![21, 3, 3, 0, 2, level, desc.0]
}

#[test]
fn a_plaintext_fatal_alert_before_the_clients_first_protected_record_is_read() {
    let (mut s, _) = server_awaiting_finished();
    let e = s
        .read_tls(&plain_alert(2, AlertDescription::BAD_CERTIFICATE))
        .unwrap_err();
    // The client's own reason, not a record-type complaint of ours.
    assert_eq!(
        s.alert_received(),
        Some(AlertDescription::BAD_CERTIFICATE),
        "{e:?}"
    );
    assert_eq!(s.alert_sent(), None, "{e:?}");
}

#[test]
fn a_plaintext_warning_alert_there_is_unexpected_message() {
    let (mut s, _) = server_awaiting_finished();
    let e = s
        .read_tls(&plain_alert(1, AlertDescription::USER_CANCELED))
        .unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::UNEXPECTED_MESSAGE), "{e:?}");
    assert_eq!(s.alert_received(), None);
}

#[test]
fn after_the_clients_first_protected_record_a_plaintext_alert_is_unexpected_message() {
    let (mut s, mut sealer) = server_awaiting_finished();
    // The first two bytes of a Finished message, protected: a record that opens.
    let mut rec = Vec::new();
    sealer
        .encrypt(ContentType::HANDSHAKE, &[20, 0], &mut rec)
        .unwrap();
    s.read_tls(&rec).unwrap();
    let e = s
        .read_tls(&plain_alert(2, AlertDescription::BAD_CERTIFICATE))
        .unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::UNEXPECTED_MESSAGE), "{e:?}");
    assert_eq!(s.alert_received(), None);
}

#[test]
fn after_the_handshake_a_plaintext_alert_is_unexpected_message() {
    let mut p = handshake(
        tls13(client_config()),
        tls13(server_config("server-ecdsa-p256")),
        localhost(),
    );
    p.assert_ok();
    let e = p
        .server
        .read_tls(&plain_alert(2, AlertDescription::BAD_CERTIFICATE))
        .unwrap_err();
    assert_eq!(e.alert, Some(AlertDescription::UNEXPECTED_MESSAGE), "{e:?}");
}
