//! The Finished verify_data each side keeps (`SSL_get_finished` / `SSL_get_peer_finished`).

use tls::msgs::enums::ProtocolVersion;
use tls::testing::*;

#[test]
fn each_side_keeps_what_it_sent_and_received() {
    for (version, len) in [
        (ProtocolVersion::TLSV1_2, 12),
        (ProtocolVersion::TLSV1_3, 0),
    ] {
        let mut client = client_config();
        client.max_version = version;
        let p = handshake(client, server_config("server-ecdsa-p256"), localhost());
        p.assert_ok();
        let (c, s) = (p.client.negotiated(), p.server.negotiated());
        let expected_len = if len == 0 {
            // TLS 1.3: the suite hash's output length (RFC 8446 4.4.4).
            c.suite.unwrap().hash.output_len()
        } else {
            len
        };
        assert_eq!(c.our_finished.len(), expected_len, "{version}");
        assert_eq!(c.peer_finished.len(), expected_len, "{version}");
        assert_eq!(c.our_finished, s.peer_finished, "{version}");
        assert_eq!(c.peer_finished, s.our_finished, "{version}");
        assert_ne!(c.our_finished, c.peer_finished, "{version}");
    }
}

#[test]
fn nothing_before_the_handshake() {
    let p =
        tls::conn::Connection::new_server(std::sync::Arc::new(server_config("server-ecdsa-p256")));
    assert!(p.negotiated().our_finished.is_empty());
    assert!(p.negotiated().peer_finished.is_empty());
}
