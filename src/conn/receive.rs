//! The receiving side of [`Connection`]: bytes from the peer become records
//! ([`crate::record::RecordLayer::next_record`]), records are routed by content type, handshake
//! messages are joined and handed to the current state, ChangeCipherSpec and alerts are checked
//! here. Sending and the rest of the public API are in `mod.rs`.

use super::{Connection, Role};
use crate::error::{Error, Reason, Result};
use crate::events::{Direction, Event};
use crate::msgs::alert::Alert;
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::{
    AlertDescription, AlertLevel, ContentType, HandshakeType, ProtocolVersion,
};
use crate::record::ReceivedRecord;
use crate::session::SessionStats;
use std::ops::Range;

/// OpenSSL's limit on consecutive warning alerts.
pub(super) const MAX_WARNING_ALERTS: u32 = 5;

impl Connection {
    /// Feeds bytes received from the peer. Complete records are processed at once. Returns how
    /// many bytes were consumed: all of them unless the connection failed or the peer's
    /// close_notify arrived (bytes after it are not read).
    pub fn read_tls(&mut self, data: &[u8]) -> Result<usize> {
        self.check_error()?;
        if !self.started {
            self.start()?;
        }
        // The peer's bytes are hostile: should they reach a bug that panics, this connection
        // fails with internal_error instead of unwinding through the caller (or the C API).
        let used = self.guarded(|conn| conn.read_records(data))?;
        self.flush_records()?;
        Ok(used)
    }

    fn read_records(&mut self, mut data: &[u8]) -> Result<usize> {
        let total = data.len();
        while !data.is_empty() && !self.common.received_close_notify && self.common.paused.is_none()
        {
            // Only what the current record needs: bytes after a close_notify stay unread, and
            // a flood of input is never buffered whole.
            let n = self.common.record.wanted().min(data.len());
            self.common
                .record
                .receive_space(n)
                .copy_from_slice(&data[..n]);
            self.common.record.received(n);
            data = &data[n..];
            self.process_received()?;
        }
        self.common.record.release_if_empty(false);
        Ok(total - data.len())
    }

    /// Lends up to `len` bytes of the receive buffer for the transport to read into directly;
    /// [`Connection::received`] then processes what was written there.
    pub fn receive_space(&mut self, len: usize) -> &mut [u8] {
        self.common.record.receive_space(len)
    }

    /// Processes `n` bytes the transport wrote into [`Connection::receive_space`], like
    /// [`Connection::read_tls`]; bytes after the peer's close_notify are dropped.
    pub fn received(&mut self, n: usize) -> Result<()> {
        self.check_error()?;
        if !self.started {
            self.start()?;
        }
        self.common.record.received(n);
        let r = self.guarded(Self::process_received);
        if self.common.received_close_notify {
            self.common.record.discard_unparsed();
        }
        self.common.record.release_if_empty(false);
        r?;
        self.flush_records()
    }

    /// Processes every complete record in the receive buffer.
    pub(super) fn process_received(&mut self) -> Result<()> {
        if let Some(msg) = self.paused_hello.take() {
            let mut r = self.process_handshake_message(msg);
            // Messages that followed it in its record.
            while r.is_ok() {
                match self.joiner.next_message() {
                    Some(next) => r = self.process_handshake_message(next),
                    None => break,
                }
            }
            if let Err(e) = r {
                return Err(self.fail_unless_paused(e));
            }
            self.count_completion();
        }
        while !self.common.received_close_notify && self.common.paused.is_none() {
            let protected = self.common.record.is_reading_protected();
            self.common.record.negotiated = self.common.info.version;
            let step = match self.common.record.next_record() {
                Ok(step) => step,
                Err(e) => return Err(self.fail(e)),
            };
            if let Some(header) = step.new_header {
                if self.common.events.protocol {
                    self.common.events.push(Event::RecordHeader {
                        direction: Direction::Received,
                        header,
                    });
                }
            }
            if step.skipped {
                continue;
            }
            let Some(rec) = step.record else {
                return Ok(());
            };
            let inner = protected
                && rec.typ != ContentType::CHANGE_CIPHER_SPEC
                && self.common.info.version != Some(ProtocolVersion::TLSV1_2);
            if inner {
                self.common.events.push(Event::InnerContentType {
                    direction: Direction::Received,
                    content_type: rec.typ,
                });
            }
            if rec.typ != ContentType::ALERT {
                self.common.warning_alerts = 0;
            }
            let was_complete = self.common.handshake_complete;
            let r = self.process_record(rec);
            if !was_complete && self.common.handshake_complete {
                self.common.events.push(Event::HandshakeDone);
            }
            if let Err(e) = r {
                return Err(self.fail_unless_paused(e));
            }
            self.count_completion();
        }
        Ok(())
    }

    fn count_completion(&mut self) {
        if self.completion_counted || !self.common.handshake_complete {
            return;
        }
        self.completion_counted = true;
        // Only a handshake that failed is diagnosed.
        self.common.evidence.clear();
        let stats = &self.common.config.session.store.stats;
        SessionStats::bump(match self.common.role {
            Role::Client => &stats.connect_good,
            Role::Server => &stats.accept_good,
        });
    }

    /// Received bytes of a record not yet complete.
    pub fn buffered_tls(&self) -> usize {
        self.common.record.buffered()
    }

    /// How many more bytes the record layer needs before it can make progress.
    pub fn wanted(&self) -> usize {
        self.common.record.wanted()
    }

    fn process_record(&mut self, record: ReceivedRecord) -> Result<()> {
        let ReceivedRecord { typ, payload } = record;
        #[cfg(test)]
        if super::test_hooks::PANIC_ON_NEXT_RECORD.with(|p| p.replace(false)) {
            panic!("forced by a test: a bug while processing a record");
        }
        // In TLS 1.3 ChangeCipherSpec is a no-op for middleboxes: it carries nothing.
        let carries_nothing = payload.is_empty()
            || typ == ContentType::CHANGE_CIPHER_SPEC
                && self.common.info.version != Some(ProtocolVersion::TLSV1_2);
        if carries_nothing {
            self.common.budget.empty_record()?;
        } else {
            self.common.budget.content();
        }
        match typ {
            ContentType::HANDSHAKE => {
                if payload.is_empty() {
                    // RFC 8446 5.1 forbids empty handshake fragments even with padding; an
                    // unprotected or TLS 1.2 one carries nothing and only spends the
                    // empty-record budget (RFC 5246 6.2.1 forbids sending it, not receiving).
                    let tls13_protected = self.common.record.is_reading_protected()
                        && self.common.info.version == Some(ProtocolVersion::TLSV1_3);
                    if tls13_protected {
                        return Err(Error::unexpected("empty handshake record"));
                    }
                    return Ok(());
                }
                // Messages complete before a bad header are handled first, so the first
                // problem in wire order is the one reported.
                let pushed = self.joiner.push(self.common.record.payload(payload));
                while let Some(msg) = self.joiner.next_message() {
                    self.process_handshake_message(msg)?;
                }
                pushed
            }
            ContentType::CHANGE_CIPHER_SPEC => {
                let payload = self.copy_payload(payload);
                self.process_change_cipher_spec(&payload)
            }
            ContentType::ALERT => {
                if payload.is_empty() {
                    // Only a protected alert can arrive empty (the record layer refuses a plain
                    // one): RFC 8446 5.4 and RFC 5246 6.2.1 forbid empty alert fragments, as
                    // they do empty handshake ones.
                    return Err(Error::protocol(
                        AlertDescription::UNEXPECTED_MESSAGE,
                        Reason::BAD_LENGTH,
                        "empty alert record",
                    ));
                }
                let payload = self.copy_payload(payload);
                self.process_alert(&payload)
            }
            ContentType::APPLICATION_DATA => {
                if !self.common.handshake_complete || !self.common.record.is_reading_protected() {
                    return Err(Error::protocol(
                        AlertDescription::UNEXPECTED_MESSAGE,
                        Reason::UNEXPECTED_RECORD,
                        "application data before the handshake finished",
                    ));
                }
                if !self.joiner.is_empty() {
                    return Err(Error::unexpected(
                        "application data interleaved with a fragmented handshake message",
                    ));
                }
                if !payload.is_empty() {
                    self.common.budget.application_data();
                }
                self.common.record.keep_plaintext(payload);
                Ok(())
            }
            other => Err(Error::protocol(
                AlertDescription::UNEXPECTED_MESSAGE,
                Reason::UNEXPECTED_RECORD,
                format!("unexpected record type {other}"),
            )),
        }
    }

    /// A small record's payload, copied out of the receive buffer so the connection can be
    /// changed while it is examined.
    fn copy_payload(&self, payload: Range<usize>) -> Vec<u8> {
        self.common.record.payload(payload).to_vec()
    }

    /// TLS 1.3 tolerates ChangeCipherSpec only as a no-op for middleboxes (RFC 8446 5); in TLS
    /// 1.2 it is the peer's key change (RFC 5246 7.1), which the handshake state acts on.
    fn process_change_cipher_spec(&mut self, payload: &[u8]) -> Result<()> {
        let tls12 = self.common.info.version == Some(ProtocolVersion::TLSV1_2);
        if !tls12 && !self.common.ccs_allowed {
            return Err(Error::protocol(
                AlertDescription::UNEXPECTED_MESSAGE,
                Reason::CCS_RECEIVED_EARLY,
                "ChangeCipherSpec outside the handshake",
            ));
        }
        if payload != [1] {
            return Err(Error::protocol(
                AlertDescription::UNEXPECTED_MESSAGE,
                Reason::INVALID_CCS_MESSAGE,
                "malformed ChangeCipherSpec",
            ));
        }
        if !self.joiner.is_empty() {
            return Err(Error::unexpected(
                "ChangeCipherSpec in the middle of a handshake message",
            ));
        }
        self.common.events.push(Event::ChangeCipherSpec {
            direction: Direction::Received,
        });
        if !tls12 {
            return Ok(());
        }
        let step = crate::events::HandshakeStep {
            sent: false,
            typ: None,
        };
        self.common.events.push(Event::Step(step));
        self.common.last_step = Some(step);
        let state = self
            .state
            .take()
            .ok_or_else(|| Error::internal("no handshake state"))?;
        self.common.last_state = state.name();
        self.state = Some(state.handle_change_cipher_spec(&mut self.common)?);
        Ok(())
    }

    fn process_alert(&mut self, payload: &[u8]) -> Result<()> {
        if !self.joiner.is_empty() {
            return Err(Error::unexpected(
                "alert interleaved with a fragmented handshake message",
            ));
        }
        let alert = Alert::decode_payload(payload)?;
        self.common.events.push(Event::Alert {
            direction: Direction::Received,
            level: alert.level,
            description: alert.description,
        });
        // RFC 5246 7.2 and RFC 8446 6 know two levels; any other is a malformed alert.
        if alert.level != AlertLevel::WARNING && alert.level != AlertLevel::FATAL {
            return Err(Error::illegal(
                Reason::UNKNOWN_ALERT_TYPE,
                format!(
                    "alert {} with unknown level {}",
                    alert.description, alert.level.0
                ),
            ));
        }
        if alert.description == AlertDescription::CLOSE_NOTIFY {
            self.common.received_close_notify = true;
            return Ok(());
        }
        let tls13 = self.common.info.version == Some(ProtocolVersion::TLSV1_3)
            || self.common.record.is_reading_protected()
                && self.common.info.version != Some(ProtocolVersion::TLSV1_2);
        // RFC 8446 6: in TLS 1.3 every alert but close_notify and user_canceled is an error
        // alert and must be sent as fatal; one sent as a warning is malformed and ends the
        // connection with decode_error (as BoringSSL does). TLS 1.2 (RFC 5246 7.2) lets the
        // level decide.
        let warning = if tls13 {
            let user_canceled = alert.description == AlertDescription::USER_CANCELED;
            if alert.level == AlertLevel::WARNING && !user_canceled {
                return Err(Error::protocol(
                    AlertDescription::DECODE_ERROR,
                    Reason::INVALID_ALERT,
                    format!(
                        "the peer sent {} as a warning; TLS 1.3 allows only fatal error alerts",
                        alert.description
                    ),
                ));
            }
            user_canceled
        } else {
            alert.level == AlertLevel::WARNING
        };
        if warning {
            self.common.warning_alerts += 1;
            if self.common.warning_alerts >= MAX_WARNING_ALERTS {
                return Err(Error::protocol(
                    AlertDescription::UNEXPECTED_MESSAGE,
                    Reason::TOO_MANY_WARN_ALERTS,
                    format!(
                        "the peer sent {MAX_WARNING_ALERTS} warning alerts in a row \
                         (last: {})",
                        alert.description
                    ),
                ));
            }
            return Ok(());
        }
        self.common.alert_received = Some(alert.description);
        if !self.common.handshake_complete {
            self.common.evidence.alert_step = Some(self.state_name());
        }
        Err(Error::peer_alert(alert.description))
    }

    /// Whether the connection waits for the application to drive it again after its
    /// ClientHello callback asked to retry (`SSL_ERROR_WANT_CLIENT_HELLO_CB`).
    pub fn client_hello_paused(&self) -> bool {
        self.paused_hello.is_some()
    }

    /// Processes the paused ClientHello again (and whatever input waits behind it).
    pub fn resume_client_hello(&mut self) -> Result<()> {
        self.check_error()?;
        let r = self.guarded(Self::process_received);
        r?;
        self.flush_records()
    }

    /// `e` ends the connection unless it is the callback's request to retry, which only pauses.
    fn fail_unless_paused(&mut self, e: Error) -> Error {
        if e.reason == Reason::CLIENT_HELLO_CALLBACK_RETRY && self.paused_hello.is_some() {
            e
        } else {
            self.fail(e)
        }
    }

    fn process_handshake_message(&mut self, msg: JoinedMessage) -> Result<()> {
        if msg.typ == HandshakeType::KEY_UPDATE && self.common.handshake_complete {
            self.common.budget.key_update()?;
        }
        let state = self
            .state
            .take()
            .ok_or_else(|| Error::internal("no handshake state"))?;
        self.common.last_state = state.name();
        let step = crate::events::HandshakeStep {
            sent: false,
            typ: Some(msg.typ),
        };
        self.common.last_step = Some(step);
        if self.common.events.protocol {
            self.common.events.push(Event::Step(step));
            self.common.events.push(Event::Handshake {
                direction: Direction::Received,
                encoded: msg.encoded.clone(),
            });
        }
        let read_keys = self.common.record.read_key_changes();
        let next = match state.handle(&mut self.common, &msg) {
            Err(e) if e.reason == Reason::CLIENT_HELLO_CALLBACK_RETRY => {
                // Only the first ClientHello's state asks: it keeps nothing, so a fresh one
                // takes the message again.
                self.state = Some(crate::handshake::server::start(&self.common));
                self.paused_hello = Some(msg);
                return Err(e);
            }
            r => r?,
        };
        // RFC 8446 5.1: a key change must fall on a record boundary, whether it starts
        // protection, moves to the next stage (Finished) or updates the keys (KeyUpdate): the
        // rest of this record was protected with keys we no longer read with.
        if self.common.record.read_key_changes() != read_keys && !self.joiner.is_empty() {
            return Err(Error::unexpected(format!(
                "handshake data after a key change ({}) in the same record",
                msg.typ
            )));
        }
        self.state = Some(next);
        Ok(())
    }
}
