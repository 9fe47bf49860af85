//! The bytes on the wire: records split and framed, handshake messages edited in flight,
//! secrets read back from the key log.

use super::pair::transfer;
use super::pki::localhost;
use crate::config::Config;
use crate::conn::Connection;
use crate::crypto::secret::Secret;
use crate::error::Error;
use crate::events::Event;
use crate::msgs::enums::ProtocolVersion;
use crate::msgs::handshake::HandshakeMessage;
use crate::record::RecordEncrypter;
use std::sync::Arc;

/// Splits `bytes` (whole records) into (content type, payload) pairs; a partial record at
/// the end is ignored.
pub fn records(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while bytes.len() >= 5 {
        let len = u16::from_be_bytes([bytes[3], bytes[4]]) as usize;
        out.push((bytes[0], bytes[5..5 + len].to_vec()));
        bytes = &bytes[5 + len..];
    }
    out
}

/// A TLS 1.2-versioned record of type `typ` around `payload` (which may exceed the record
/// size limit: tests use that to send oversized records).
pub fn frame(typ: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![typ, 3, 3];
    v.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// The name some tests use for [`frame`].
pub use self::frame as record;

/// Takes `from`'s pending records, lets `edit` rewrite the first handshake message (which
/// must fill the first record), and delivers the result to `to`.
pub fn transfer_edited(
    from: &mut Connection,
    to: &mut Connection,
    edit: impl FnOnce(&mut HandshakeMessage),
) -> Result<(), Error> {
    let data = from.pending_tls().to_vec();
    from.consume_tls(data.len());
    let mut recs = records(&data);
    let mut msg = HandshakeMessage::decode_encoded(&recs[0].1, ProtocolVersion::TLSV1_2)
        .expect("first record is one handshake message");
    edit(&mut msg);
    recs[0].1 = msg.encode()?;
    let bytes: Vec<u8> = recs.iter().flat_map(|(t, p)| frame(*t, p)).collect();
    to.read_tls(&bytes).map(|_| ())
}

/// The secret logged under `wanted` (e.g. "CLIENT_HANDSHAKE_TRAFFIC_SECRET") among `events`
/// of a connection with key logging on (`enable_events(_, true)`).
pub fn logged_secret(events: &[Event], wanted: &str) -> Secret {
    events
        .iter()
        .find_map(|e| match e {
            Event::Secret { label, secret, .. } if *label == wanted => {
                Some(Secret::from_slice(secret.as_bytes()))
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("{wanted} was logged"))
}

/// A handshake message of type `typ` around `body` (4-byte header: type, 24-bit length).
pub fn handshake_message(typ: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![typ];
    m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    m.extend_from_slice(body);
    m
}

/// (content type, body length) of each record header in `wire`, the last record possibly cut
/// short.
pub fn record_sizes(wire: &[u8]) -> Vec<(u8, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 5 <= wire.len() {
        let len = u16::from_be_bytes([wire[at + 3], wire[at + 4]]) as usize;
        out.push((wire[at], len));
        at += 5 + len;
    }
    out
}

/// A TLS 1.3 server that has answered `client`'s ClientHello with its whole flight and awaits
/// the client's, and a sealer under the client's handshake keys to forge that flight.
pub fn server_awaiting_client_flight(
    client: Config,
    server: Config,
) -> (Connection, RecordEncrypter) {
    let mut c = Connection::new_client(Arc::new(client), localhost());
    c.enable_events(false, true);
    c.start().unwrap();
    let mut s = Connection::new_server(Arc::new(server));
    s.start().unwrap();
    transfer(&mut c, &mut s).unwrap();
    transfer(&mut s, &mut c).unwrap();
    let secret = logged_secret(&c.take_events(), "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    let suite = c.negotiated().suite.unwrap();
    (
        s,
        crate::record::keys::tls13_encrypter(suite, &secret).unwrap(),
    )
}
