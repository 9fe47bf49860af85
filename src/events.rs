//! What happened on a connection, for the application's observers: the info and message
//! callbacks and the key log of the C API. The core only records events (and only the kinds
//! someone asked for); the C layer turns them into callbacks between calls into the core.

use crate::crypto::secret::Secret;
use crate::msgs::enums::{AlertDescription, AlertLevel, ContentType, HandshakeType};
use crate::record::HEADER_LEN;
use crate::role::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Sent,
    Received,
}

#[derive(Debug)]
pub enum Event {
    /// The handshake began (the connection was started).
    HandshakeStart,
    /// The handshake moved to the state OpenSSL names this way (`SSL_state_string_long`).
    State(&'static str),
    /// The handshake completed.
    HandshakeDone,
    /// A record header, as written or read.
    RecordHeader {
        direction: Direction,
        header: [u8; HEADER_LEN],
    },
    /// The true content type of a protected TLS 1.3 record.
    InnerContentType {
        direction: Direction,
        content_type: ContentType,
    },
    /// A whole handshake message, its four-byte header included.
    Handshake {
        direction: Direction,
        encoded: Vec<u8>,
    },
    ChangeCipherSpec {
        direction: Direction,
    },
    Alert {
        direction: Direction,
        level: AlertLevel,
        description: AlertDescription,
    },
    /// A secret for the NSS key log: `LABEL <client random hex> <secret hex>`.
    Secret {
        label: &'static str,
        client_random: [u8; 32],
        secret: Secret,
    },
}

impl Event {
    /// The event as one NSS key log line (without the newline), for secret events.
    pub fn keylog_line(&self) -> Option<String> {
        match self {
            Event::Secret {
                label,
                client_random,
                secret,
            } => Some(format!(
                "{label} {} {}",
                hex_lower(client_random),
                hex_lower(secret.as_bytes())
            )),
            _ => None,
        }
    }
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Collects the events of the kinds that are switched on; the rest cost nothing.
#[derive(Default)]
pub struct EventSink {
    /// Handshake progress, messages, alerts and record headers.
    pub protocol: bool,
    /// Secrets for the key log.
    pub secrets: bool,
    queue: Vec<Event>,
}

impl EventSink {
    pub fn push(&mut self, event: Event) {
        let wanted = match event {
            Event::Secret { .. } => self.secrets,
            _ => self.protocol,
        };
        if wanted {
            self.queue.push(event);
        }
    }

    pub fn take(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.queue)
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

/// OpenSSL's `SSL_state_string_long` text for the state of sending (`sent`) or receiving a
/// handshake message of type `typ` in `role`.
pub fn openssl_state(role: Role, sent: bool, typ: HandshakeType) -> &'static str {
    use HandshakeType as H;
    let client = role == Role::Client;
    // A CompressedCertificate (RFC 8879) stands in for the Certificate: OpenSSL 3.0's states
    // have no name of their own for it.
    let typ = match typ {
        H::COMPRESSED_CERTIFICATE => H::CERTIFICATE,
        other => other,
    };
    match (client, sent, typ) {
        (true, true, H::CLIENT_HELLO) => "SSLv3/TLS write client hello",
        (false, false, H::CLIENT_HELLO) => "SSLv3/TLS read client hello",
        (false, true, H::SERVER_HELLO) => "SSLv3/TLS write server hello",
        (true, false, H::SERVER_HELLO) => "SSLv3/TLS read server hello",
        (false, true, H::ENCRYPTED_EXTENSIONS) => "TLSv1.3 write encrypted extensions",
        (true, false, H::ENCRYPTED_EXTENSIONS) => "TLSv1.3 read encrypted extensions",
        (false, true, H::CERTIFICATE) => "SSLv3/TLS write certificate",
        (true, false, H::CERTIFICATE) => "SSLv3/TLS read server certificate",
        (true, true, H::CERTIFICATE) => "SSLv3/TLS write client certificate",
        (false, false, H::CERTIFICATE) => "SSLv3/TLS read client certificate",
        (false, true, H::SERVER_KEY_EXCHANGE) => "SSLv3/TLS write key exchange",
        (true, false, H::SERVER_KEY_EXCHANGE) => "SSLv3/TLS read server key exchange",
        (false, true, H::CERTIFICATE_REQUEST) => "SSLv3/TLS write certificate request",
        (true, false, H::CERTIFICATE_REQUEST) => "SSLv3/TLS read server certificate request",
        (false, true, H::SERVER_HELLO_DONE) => "SSLv3/TLS write server done",
        (true, false, H::SERVER_HELLO_DONE) => "SSLv3/TLS read server done",
        (true, true, H::CLIENT_KEY_EXCHANGE) => "SSLv3/TLS write client key exchange",
        (false, false, H::CLIENT_KEY_EXCHANGE) => "SSLv3/TLS read client key exchange",
        (false, true, H::CERTIFICATE_VERIFY) => "TLSv1.3 write server certificate verify",
        (true, false, H::CERTIFICATE_VERIFY) => "TLSv1.3 read server certificate verify",
        (true, true, H::CERTIFICATE_VERIFY) => "SSLv3/TLS write certificate verify",
        (false, false, H::CERTIFICATE_VERIFY) => "SSLv3/TLS read certificate verify",
        (_, true, H::FINISHED) => "SSLv3/TLS write finished",
        (_, false, H::FINISHED) => "SSLv3/TLS read finished",
        (false, true, H::NEW_SESSION_TICKET) => "SSLv3/TLS write session ticket",
        (true, false, H::NEW_SESSION_TICKET) => "SSLv3/TLS read server session ticket",
        (false, true, H::HELLO_REQUEST) => "SSLv3/TLS write hello request",
        (true, false, H::HELLO_REQUEST) => "SSLv3/TLS read hello request",
        (true, true, H::KEY_UPDATE) => "TLSv1.3 write client key update",
        (false, true, H::KEY_UPDATE) => "TLSv1.3 write server key update",
        (true, false, H::KEY_UPDATE) => "TLSv1.3 read server key update",
        (false, false, H::KEY_UPDATE) => "TLSv1.3 read client key update",
        _ => "unknown state",
    }
}

/// One step of a handshake as OpenSSL's `SSL_get_state` counts them: a handshake message, or
/// a ChangeCipherSpec (`typ` None), sent or received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandshakeStep {
    pub sent: bool,
    pub typ: Option<HandshakeType>,
}

impl HandshakeStep {
    /// OpenSSL's `SSL_state_string_long` text for this step, as the info callback reports it.
    pub fn openssl_name(self, role: Role) -> &'static str {
        match (self.typ, self.sent) {
            (Some(typ), sent) => openssl_state(role, sent, typ),
            (None, true) => STATE_WRITE_CCS,
            (None, false) => STATE_READ_CCS,
        }
    }
}

pub const STATE_BEFORE: &str = "before SSL initialization";
pub const STATE_DONE: &str = "SSL negotiation finished successfully";
pub const STATE_WRITE_CCS: &str = "SSLv3/TLS write change cipher spec";
pub const STATE_READ_CCS: &str = "SSLv3/TLS read change cipher spec";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_requested_kinds_are_kept() {
        let mut sink = EventSink::default();
        sink.push(Event::HandshakeStart);
        sink.push(Event::Secret {
            label: "CLIENT_RANDOM",
            client_random: [0; 32],
            secret: Secret::from_slice(&[1]),
        });
        assert!(sink.is_empty());
        sink.secrets = true;
        sink.push(Event::HandshakeStart);
        sink.push(Event::Secret {
            label: "CLIENT_RANDOM",
            client_random: [0xab; 32],
            secret: Secret::from_slice(&[1, 2]),
        });
        let events = sink.take();
        assert_eq!(events.len(), 1);
        assert_eq!(
            events[0].keylog_line().unwrap(),
            format!("CLIENT_RANDOM {} 0102", "ab".repeat(32))
        );
    }

    #[test]
    fn state_strings_follow_openssl() {
        assert_eq!(
            openssl_state(Role::Client, true, HandshakeType::CLIENT_HELLO),
            "SSLv3/TLS write client hello"
        );
        assert_eq!(
            openssl_state(Role::Server, false, HandshakeType::CLIENT_HELLO),
            "SSLv3/TLS read client hello"
        );
        assert_eq!(
            openssl_state(Role::Client, false, HandshakeType::CERTIFICATE_VERIFY),
            "TLSv1.3 read server certificate verify"
        );
    }
}
