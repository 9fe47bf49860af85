//! Sending handshake messages: a [`Flight`] encodes each message of an outgoing flight, adds it
//! to the handshake transcript and queues it for the peer, in one call per message.
//!
//! The messages are queued one by one, not gathered and sent at the end: keys change inside a
//! flight (a TLS 1.3 server's ServerHello goes in the clear, its EncryptedExtensions under the
//! handshake key), and the record layer already packs what is queued between two key changes
//! into as few records as it can. Each state keeps a small `emit_*` function per message that
//! builds the message and hands it to the flight.

use super::Common;
use crate::crypto::hash::{HashAlg, Transcript};
use crate::crypto::key_schedule::FinishedKey;
use crate::crypto::sign::{self, SigningKey};
use crate::error::Result;
use crate::msgs::enums::{CertCompressionAlgorithm, SignatureScheme};
use crate::msgs::handshake::{CertificateTls13, DigitallySigned, Finished, HandshakeMessage};
use crate::role::Role;

/// Our messages of one flight, with the transcript they go into.
pub struct Flight<'a> {
    /// The connection the messages are queued on; between two messages a state uses it to
    /// change keys or send a ChangeCipherSpec.
    pub cx: &'a mut Common,
    /// The handshake transcript; each message sent is added to it, in order.
    pub transcript: &'a mut Transcript,
}

impl<'a> Flight<'a> {
    pub fn new(cx: &'a mut Common, transcript: &'a mut Transcript) -> Self {
        Flight { cx, transcript }
    }

    /// Encodes `msg`, adds it to the transcript and queues it for the peer.
    pub fn add(&mut self, msg: &HandshakeMessage) -> Result<()> {
        let encoded = msg.encode()?;
        self.add_encoded(&encoded)
    }

    /// [`Flight::add`] for a message already encoded, header included (a Certificate that may
    /// be compressed is encoded by `certcomp`).
    pub fn add_encoded(&mut self, encoded: &[u8]) -> Result<()> {
        self.add_encoded_after(encoded, 0)
    }

    /// [`Flight::add_encoded`] for a message whose first `hashed_len` bytes the transcript
    /// already holds: a ClientHello hashed up to its PSK binders to compute them.
    pub fn add_encoded_after(&mut self, encoded: &[u8], hashed_len: usize) -> Result<()> {
        let rest = encoded
            .get(hashed_len..)
            .ok_or_else(|| crate::error::Error::internal("hashed more than the message"))?;
        self.transcript.add(rest);
        self.cx.send_handshake_bytes(encoded)
    }

    /// The hash of the transcript so far (what a TLS 1.3 CertificateVerify or Finished covers).
    pub fn current_hash(&self) -> Vec<u8> {
        self.transcript.current_hash()
    }
}

impl Common {
    /// Encodes `msg` and queues it for the peer without adding it to any transcript: the
    /// messages that come after the transcript they could belong to has ended (a TLS 1.3
    /// NewSessionTicket or KeyUpdate, a Finished no later message covers).
    pub fn send_unhashed(&mut self, msg: &HandshakeMessage) -> Result<()> {
        self.send_handshake_bytes(&msg.encode()?)
    }
}

// The messages both roles send alike.

/// A TLS 1.3 Certificate (RFC 8446 4.4.2), compressed when the peer offered an algorithm we
/// compress with (RFC 8879).
pub fn emit_certificate13(
    flight: &mut Flight<'_>,
    certificate: &CertificateTls13,
    peer_algs: &[CertCompressionAlgorithm],
) -> Result<()> {
    let config = flight.cx.config.clone();
    let (encoded, compressed) =
        crate::certcomp::certificate_message(&config, certificate, peer_algs)?;
    flight.cx.info.cert_compression.sent = compressed;
    flight.add_encoded(&encoded)
}

/// A TLS 1.3 CertificateVerify: `key` signs the transcript so far under our role's context
/// string (RFC 8446 4.4.3).
pub fn emit_certificate_verify13(
    flight: &mut Flight<'_>,
    key: &SigningKey,
    scheme: SignatureScheme,
) -> Result<()> {
    let server = flight.cx.role == Role::Server;
    let signed = sign::tls13_signed_message(server, &flight.current_hash());
    let signature = key.sign(scheme, &signed)?;
    flight.add(&HandshakeMessage::CertificateVerify(DigitallySigned {
        scheme,
        signature,
    }))?;
    flight.cx.info.our_signature_scheme = Some(scheme);
    Ok(())
}

/// A TLS 1.3 Finished: `key` over the transcript so far (RFC 8446 4.4.4). Returns its
/// verify_data.
pub fn emit_finished13(flight: &mut Flight<'_>, key: &FinishedKey) -> Result<Vec<u8>> {
    let verify_data = key.verify_data(&flight.current_hash());
    flight.add(&HandshakeMessage::Finished(Finished {
        verify_data: verify_data.clone(),
    }))?;
    Ok(verify_data)
}

/// A TLS 1.2 Finished under `master` over the transcript so far (RFC 5246 7.4.9); it is our
/// Finished (`SSL_get_finished`).
pub fn emit_finished12(flight: &mut Flight<'_>, hash: HashAlg, master: &[u8]) -> Result<()> {
    let client = flight.cx.role == Role::Client;
    let verify_data =
        crate::crypto::tls12::finished_verify_data(hash, master, client, &flight.current_hash())?;
    flight.cx.info.our_finished = verify_data.clone();
    flight.add(&HandshakeMessage::Finished(Finished { verify_data }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::crypto::hash::HashAlg;
    use crate::msgs::handshake::Finished;
    use crate::role::Role;
    use std::sync::Arc;

    /// The payloads of plain handshake records, joined.
    fn record_payloads(mut records: &[u8]) -> Vec<u8> {
        let mut payloads = Vec::new();
        while !records.is_empty() {
            assert_eq!(records[0], 22, "a handshake record");
            let len = usize::from(u16::from_be_bytes([records[3], records[4]]));
            let end = crate::record::HEADER_LEN + len;
            payloads.extend_from_slice(&records[crate::record::HEADER_LEN..end]);
            records = &records[end..];
        }
        payloads
    }

    fn common() -> Common {
        Common::new(Role::Server, Arc::new(Config::default()))
    }

    #[test]
    fn each_message_is_hashed_and_queued_once_in_order() {
        let mut cx = common();
        let mut transcript = Transcript::hashing_only(HashAlg::Sha256);
        let first = HandshakeMessage::ServerHelloDone;
        let second = HandshakeMessage::Finished(Finished {
            verify_data: vec![7; 12],
        });
        let mut flight = Flight::new(&mut cx, &mut transcript);
        flight.add(&first).unwrap();
        flight.add_encoded(&second.encode().unwrap()).unwrap();
        cx.flush_records().unwrap();

        let mut wire = first.encode().unwrap();
        wire.extend(second.encode().unwrap());
        assert_eq!(transcript.current_hash(), HashAlg::Sha256.hash(&wire));
        // The records carry both messages, in order.
        assert_eq!(record_payloads(cx.out.pending()), wire);
    }

    #[test]
    fn a_message_hashed_in_part_is_hashed_once() {
        let mut cx = common();
        let mut transcript = Transcript::hashing_only(HashAlg::Sha256);
        let encoded = HandshakeMessage::Finished(Finished {
            verify_data: vec![1, 2, 3, 4],
        })
        .encode()
        .unwrap();
        transcript.add(&encoded[..5]);
        Flight::new(&mut cx, &mut transcript)
            .add_encoded_after(&encoded, 5)
            .unwrap();
        assert_eq!(transcript.current_hash(), HashAlg::Sha256.hash(&encoded));
        let mut too_far = Flight::new(&mut cx, &mut transcript);
        assert!(too_far
            .add_encoded_after(&encoded, encoded.len() + 1)
            .is_err());
    }

    #[test]
    fn unhashed_messages_are_still_queued() {
        let mut cx = common();
        cx.send_unhashed(&HandshakeMessage::ServerHelloDone)
            .unwrap();
        cx.flush_records().unwrap();
        assert_eq!(
            record_payloads(cx.out.pending()),
            HandshakeMessage::ServerHelloDone.encode().unwrap()
        );
    }
}
