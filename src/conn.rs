//! The sans-I/O connection: bytes from the peer go in through [`Connection::read_tls`], bytes
//! for the peer come out of [`Connection::pending_tls`], plaintext moves through
//! [`Connection::read_plaintext`] and [`Connection::write_plaintext`]. No sockets here.

use crate::config::Config;
use crate::error::{Error, Reason, Result};
use crate::handshake::{self, State};
use crate::limits::ProgressBudget;
use crate::msgs::alert::Alert;
use crate::msgs::deframer::{HandshakeJoiner, JoinedMessage};
use crate::msgs::enums::{
    AlertDescription, AlertLevel, ContentType, HandshakeType, NamedGroup, ProtocolVersion,
    SignatureScheme,
};
use crate::record::RecordLayer;
use crate::suites::SuiteInfo;
use crate::verify::{x509_v, PeerIdentity};
use std::collections::VecDeque;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Client,
    Server,
}

/// What a client asks of one connection, beyond its context's configuration.
#[derive(Clone, Debug, Default)]
pub struct ClientOptions {
    /// Sent as SNI (RFC 6066) when it is a DNS name.
    pub server_name: Option<String>,
    /// What the server's certificate must be valid for, if anything.
    pub verify_identity: Option<PeerIdentity>,
}

/// What the handshake settled, for the `SSL_get_*` calls and for diagnosis.
#[derive(Clone, Debug)]
pub struct Negotiated {
    pub version: Option<ProtocolVersion>,
    pub suite: Option<&'static SuiteInfo>,
    pub group: Option<NamedGroup>,
    /// The peer's certificate chain as it sent it, leaf first (DER).
    pub peer_chain: Vec<Vec<u8>>,
    /// `X509_V_*` result of verifying the peer's chain (`X509_V_OK` when not verified).
    pub verify_result: i64,
    pub peer_signature_scheme: Option<SignatureScheme>,
    pub our_signature_scheme: Option<SignatureScheme>,
    /// SNI: what the client sent (client side) or received (server side).
    pub server_name: Option<String>,
    /// Whether a HelloRetryRequest happened.
    pub hello_retry: bool,
    /// TLS 1.3 KeyUpdates we sent and received after the handshake.
    pub key_updates_sent: u64,
    pub key_updates_received: u64,
}

impl Default for Negotiated {
    fn default() -> Self {
        Negotiated {
            version: None,
            suite: None,
            group: None,
            peer_chain: Vec::new(),
            verify_result: x509_v::OK,
            peer_signature_scheme: None,
            our_signature_scheme: None,
            server_name: None,
            hello_retry: false,
            key_updates_sent: 0,
            key_updates_received: 0,
        }
    }
}

/// The parts of a connection that the handshake states act on.
pub struct Common {
    pub role: Role,
    pub config: Arc<Config>,
    pub record: RecordLayer,
    /// Protected and plain records waiting to be written to the peer.
    out: Vec<u8>,
    pub info: Negotiated,
    /// Decrypted application data not yet read by the application.
    plaintext: VecDeque<u8>,
    /// TLS 1.3 allows dropping a plain ChangeCipherSpec until the peer's Finished.
    pub ccs_allowed: bool,
    pub handshake_complete: bool,
    pub sent_close_notify: bool,
    pub received_close_notify: bool,
    /// The alert we sent, if the connection failed on our side.
    pub alert_sent: Option<AlertDescription>,
    /// The fatal alert the peer sent, if any.
    pub alert_received: Option<AlertDescription>,
    /// Name of the state that was current when the last handshake message arrived.
    pub last_state: &'static str,
    /// How many records in a row the peer may send that move nothing forward.
    pub budget: ProgressBudget,
}

impl Common {
    fn new(role: Role, config: Arc<Config>) -> Self {
        Common {
            role,
            config,
            record: RecordLayer::default(),
            out: Vec::new(),
            info: Negotiated::default(),
            plaintext: VecDeque::new(),
            ccs_allowed: false,
            handshake_complete: false,
            sent_close_notify: false,
            received_close_notify: false,
            alert_sent: None,
            alert_received: None,
            last_state: "before",
            budget: ProgressBudget::default(),
        }
    }

    /// Writes an already-encoded handshake message (header included).
    pub fn send_handshake_bytes(&mut self, encoded: &[u8]) -> Result<()> {
        self.record
            .write(ContentType::HANDSHAKE, encoded, &mut self.out)
    }

    pub fn send_ccs(&mut self) -> Result<()> {
        self.record
            .write(ContentType::CHANGE_CIPHER_SPEC, &[1], &mut self.out)
    }

    pub fn send_alert(&mut self, level: AlertLevel, desc: AlertDescription) {
        let bytes = Alert::new(level, desc).to_bytes();
        // If protection fails there is nothing better to tell the peer.
        let _ = self.record.write(ContentType::ALERT, &bytes, &mut self.out);
    }

    pub fn send_application_data(&mut self, data: &[u8]) -> Result<()> {
        self.record
            .write(ContentType::APPLICATION_DATA, data, &mut self.out)
    }

    pub fn deliver_plaintext(&mut self, data: &[u8]) {
        self.plaintext.extend(data);
    }
}

/// One TLS connection, either role.
pub struct Connection {
    common: Common,
    state: Option<Box<dyn State>>,
    joiner: HandshakeJoiner,
    error: Option<Error>,
    client_options: ClientOptions,
    started: bool,
}

impl Connection {
    pub fn new_client(config: Arc<Config>, options: ClientOptions) -> Self {
        let max = config.max_handshake_message;
        let mut c = Connection {
            common: Common::new(Role::Client, config),
            state: None,
            joiner: HandshakeJoiner::with_max_message_len(max),
            error: None,
            client_options: options,
            started: false,
        };
        c.common.info.server_name = c.client_options.server_name.clone();
        c
    }

    pub fn new_server(config: Arc<Config>) -> Self {
        let max = config.max_handshake_message;
        Connection {
            common: Common::new(Role::Server, config),
            state: None,
            joiner: HandshakeJoiner::with_max_message_len(max),
            error: None,
            client_options: ClientOptions::default(),
            started: false,
        }
    }

    pub fn role(&self) -> Role {
        self.common.role
    }

    /// Starts the handshake: a client writes its ClientHello. Idempotent.
    pub fn start(&mut self) -> Result<()> {
        if self.started {
            return self.check_error();
        }
        self.started = true;
        let r = match self.common.role {
            Role::Client => handshake::client::start(&mut self.common, self.client_options.clone()),
            Role::Server => Ok(handshake::server::start(&self.common)),
        };
        match r {
            Ok(state) => {
                self.state = Some(state);
                Ok(())
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    fn check_error(&self) -> Result<()> {
        match &self.error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// Records a fatal error: the alert it calls for is queued for the peer, and every later
    /// call reports the same error.
    fn fail(&mut self, e: Error) -> Error {
        if let Some(alert) = e.alert {
            if self.common.alert_sent.is_none() && self.common.alert_received.is_none() {
                self.common.alert_sent = Some(alert);
                self.common.send_alert(AlertLevel::FATAL, alert);
            }
        }
        self.error = Some(e.clone());
        e
    }

    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

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
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.read_records(data))) {
            Ok(r) => r,
            // A fuzzer must see the bug itself.
            #[cfg(fuzzing)]
            Err(panic) => std::panic::resume_unwind(panic),
            #[cfg(not(fuzzing))]
            Err(_) => Err(self.fail(Error::internal(
                "internal error: a bug in libtls was caught while processing the peer's data",
            ))),
        }
    }

    fn read_records(&mut self, mut data: &[u8]) -> Result<usize> {
        let total = data.len();
        while !data.is_empty() && !self.common.received_close_notify {
            let (used, rec) = match self.common.record.take_record(data) {
                Ok(x) => x,
                Err(e) => return Err(self.fail(e)),
            };
            data = &data[used..];
            if let Some(rec) = rec {
                if let Err(e) = self.process_record(rec.typ, rec.payload) {
                    return Err(self.fail(e));
                }
            }
        }
        Ok(total - data.len())
    }

    /// Received bytes of a record not yet complete.
    pub fn buffered_tls(&self) -> usize {
        self.common.record.buffered()
    }

    /// How many more bytes the record layer needs before it can make progress.
    pub fn wanted(&self) -> usize {
        self.common.record.wanted()
    }

    fn process_record(&mut self, typ: ContentType, payload: Vec<u8>) -> Result<()> {
        #[cfg(test)]
        if test_hooks::PANIC_ON_NEXT_RECORD.with(|p| p.replace(false)) {
            panic!("forced by a test: a bug while processing a record");
        }
        if typ != ContentType::ALERT {
            self.common.budget.non_alert_record();
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
                    return Err(Error::unexpected("empty handshake record"));
                }
                // Messages complete before a bad header are handled first, so the first
                // problem in wire order is the one reported.
                let pushed = self.joiner.push(&payload);
                while let Some(msg) = self.joiner.next_message() {
                    self.process_handshake_message(msg)?;
                }
                pushed
            }
            ContentType::CHANGE_CIPHER_SPEC => self.process_change_cipher_spec(&payload),
            ContentType::ALERT => self.process_alert(&payload),
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
                self.common.deliver_plaintext(&payload);
                Ok(())
            }
            other => Err(Error::protocol(
                AlertDescription::UNEXPECTED_MESSAGE,
                Reason::UNEXPECTED_RECORD,
                format!("unexpected record type {other}"),
            )),
        }
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
        if !tls12 {
            return Ok(());
        }
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
        if alert.description == AlertDescription::CLOSE_NOTIFY {
            self.common.received_close_notify = true;
            return Ok(());
        }
        let tls13 = self.common.info.version == Some(ProtocolVersion::TLSV1_3)
            || self.common.record.is_reading_protected()
                && self.common.info.version != Some(ProtocolVersion::TLSV1_2);
        if alert.level == AlertLevel::WARNING
            && !tls13
            && alert.description != AlertDescription::USER_CANCELED
        {
            // TLS 1.2 warnings are tolerated, a few in a row.
            return self.common.budget.warning_alert();
        }
        if alert.description == AlertDescription::USER_CANCELED {
            return self.common.budget.warning_alert();
        }
        self.common.alert_received = Some(alert.description);
        Err(Error::peer_alert(alert.description))
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
        let was_reading_protected = self.common.record.is_reading_protected();
        let next = state.handle(&mut self.common, &msg)?;
        // RFC 8446 5.1: a key change must fall on a record boundary.
        if self.common.record.is_reading_protected() != was_reading_protected
            && !self.joiner.is_empty()
        {
            return Err(Error::unexpected(
                "handshake data after a key change in the same record",
            ));
        }
        self.state = Some(next);
        Ok(())
    }

    /// Bytes waiting to go to the peer.
    pub fn pending_tls(&self) -> &[u8] {
        &self.common.out
    }

    /// Marks `n` bytes of [`Connection::pending_tls`] as written.
    pub fn consume_tls(&mut self, n: usize) {
        self.common.out.drain(..n.min(self.common.out.len()));
    }

    pub fn is_handshaking(&self) -> bool {
        !self.common.handshake_complete
    }

    pub fn plaintext_len(&self) -> usize {
        self.common.plaintext.len()
    }

    /// Copies decrypted application data into `buf`; returns how many bytes.
    pub fn read_plaintext(&mut self, buf: &mut [u8]) -> usize {
        let n = self.peek_plaintext(buf);
        self.common.plaintext.drain(..n);
        n
    }

    /// Like [`Connection::read_plaintext`] without consuming.
    pub fn peek_plaintext(&self, buf: &mut [u8]) -> usize {
        let n = buf.len().min(self.common.plaintext.len());
        // The ring buffer holds at most two contiguous runs: copy them with memcpy.
        let (front, back) = self.common.plaintext.as_slices();
        let from_front = n.min(front.len());
        buf[..from_front].copy_from_slice(&front[..from_front]);
        buf[from_front..n].copy_from_slice(&back[..n - from_front]);
        n
    }

    /// Encrypts `data` as application data records. All of it is accepted.
    pub fn write_plaintext(&mut self, data: &[u8]) -> Result<usize> {
        self.check_error()?;
        if !self.common.handshake_complete {
            return Err(Error::local(
                Reason::STILL_IN_INIT,
                "cannot write application data before the handshake completes",
            ));
        }
        if self.common.sent_close_notify {
            return Err(Error::local(
                Reason::PROTOCOL_IS_SHUTDOWN,
                "cannot write after close_notify was sent",
            ));
        }
        // RFC 8446 5.5: change keys well before an AEAD key's safe record count is reached.
        let sent = self.common.record.writer_mut().map_or(0, |w| w.seq());
        if self.common.info.version == Some(ProtocolVersion::TLSV1_3)
            && sent >= self.common.config.key_update_after_records
        {
            self.key_update(false)?;
        }
        self.common.send_application_data(data)?;
        Ok(data.len())
    }

    /// Writes a handshake message outside the state machine, to play a misbehaving peer.
    #[cfg(test)]
    pub(crate) fn inject_handshake_for_test(&mut self, encoded: &[u8]) -> Result<()> {
        self.common.send_handshake_bytes(encoded)
    }

    /// Sends a TLS 1.3 KeyUpdate now (our keys change at once); `request_peer` asks the peer
    /// to update too.
    pub fn key_update(&mut self, request_peer: bool) -> Result<()> {
        self.check_error()?;
        if self.common.sent_close_notify {
            return Err(Error::local(
                Reason::PROTOCOL_IS_SHUTDOWN,
                "cannot update keys after close_notify was sent",
            ));
        }
        match self.state.as_mut() {
            Some(state) if self.common.handshake_complete => {
                state.send_key_update(&mut self.common, request_peer)
            }
            _ => Err(Error::local(
                Reason::STILL_IN_INIT,
                "KeyUpdate before the handshake completed",
            )),
        }
    }

    /// Queues a close_notify alert.
    pub fn send_close_notify(&mut self) {
        if !self.common.sent_close_notify {
            self.common.sent_close_notify = true;
            self.common
                .send_alert(AlertLevel::WARNING, AlertDescription::CLOSE_NOTIFY);
        }
    }

    pub fn sent_close_notify(&self) -> bool {
        self.common.sent_close_notify
    }

    pub fn received_close_notify(&self) -> bool {
        self.common.received_close_notify
    }

    pub fn negotiated(&self) -> &Negotiated {
        &self.common.info
    }

    pub fn alert_sent(&self) -> Option<AlertDescription> {
        self.common.alert_sent
    }

    pub fn alert_received(&self) -> Option<AlertDescription> {
        self.common.alert_received
    }

    /// A short name of the handshake state, as `SSL_state_string_long` reports.
    pub fn state_name(&self) -> &'static str {
        match &self.state {
            Some(s) => s.name(),
            None => self.common.last_state,
        }
    }
}

/// Switches for tests that need the connection to misbehave on purpose.
#[cfg(test)]
pub(crate) mod test_hooks {
    use std::cell::Cell;

    thread_local! {
        /// The next record processed on this thread panics, as a bug would.
        pub static PANIC_ON_NEXT_RECORD: Cell<bool> = const { Cell::new(false) };
    }
}

#[cfg(test)]
#[path = "conn_limits_tests.rs"]
mod limits_tests;
