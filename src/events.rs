//! What happened on a connection, for the application's observers: the info and message
//! callbacks and the key log of the C API. The core only records events (and only the kinds
//! someone asked for); the C layer turns them into callbacks between calls into the core.

use crate::crypto::secret::Secret;
use crate::msgs::enums::{AlertDescription, AlertLevel, ContentType, HandshakeType};
use crate::record::HEADER_LEN;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Sent,
    Received,
}

#[derive(Debug)]
pub enum Event {
    /// The handshake began (the connection was started).
    HandshakeStart,
    /// The handshake took a step: a message or ChangeCipherSpec sent or received. (The C face
    /// names it as OpenSSL does: `TLS_ST_*`, `SSL_state_string_long`.)
    Step(HandshakeStep),
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

/// One step of a handshake: a handshake message, or a ChangeCipherSpec (`typ` None), sent or
/// received. OpenSSL's `SSL_get_state` counts the same steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandshakeStep {
    pub sent: bool,
    pub typ: Option<HandshakeType>,
}

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
}
