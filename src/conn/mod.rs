//! The sans-I/O connection: bytes from the peer go in through [`Connection::read_tls`], bytes
//! for the peer come out of [`Connection::pending_tls`], plaintext moves through
//! [`Connection::read_plaintext`] and [`Connection::write_plaintext`]. No sockets here.

use crate::config::Config;
use crate::crypto::secret::Secret;
use crate::diagnosis::{Diagnosis, TransportEnd};
use crate::error::{Error, Reason, Result};
use crate::events::Event;
use crate::handshake::{self, State};
use crate::msgs::deframer::{HandshakeJoiner, JoinedMessage};
use crate::msgs::enums::{AlertDescription, AlertLevel, ProtocolVersion};
use crate::session::{Session, SessionStats};
use std::sync::Arc;

pub use crate::handshake::common::{ClientOptions, Common, Negotiated, Pause};
pub use crate::role::Role;

mod receive;
#[cfg(test)]
use receive::MAX_WARNING_ALERTS;

/// One TLS connection, either role.
pub struct Connection {
    common: Common,
    state: Option<Box<dyn State>>,
    joiner: HandshakeJoiner,
    error: Option<Error>,
    client_options: ClientOptions,
    started: bool,
    /// The handshake's completion was counted in the context's statistics.
    completion_counted: bool,
    /// A ClientHello the application's callback asked to see again: processed anew, before
    /// any other input, on the next call that feeds the connection.
    paused_hello: Option<JoinedMessage>,
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
            completion_counted: false,
            paused_hello: None,
        };
        c.common.info.server_name = c.client_options.server_name.clone();
        c.common.evidence.expected_name = c
            .client_options
            .verify_identity
            .as_ref()
            .map(crate::verify::PeerIdentity::describe);
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
            completion_counted: false,
            paused_hello: None,
        }
    }

    /// Switches on the events observers need (see [`crate::events`]); call before
    /// [`Connection::start`] to see the whole handshake.
    pub fn enable_events(&mut self, protocol: bool, secrets: bool) {
        self.common.events.protocol = protocol;
        self.common.events.secrets = secrets;
    }

    /// The events recorded since the last call.
    pub fn take_events(&mut self) -> Vec<Event> {
        self.common.events.take()
    }

    /// Why the handshake failed, in plain words with the evidence; `None` while it has not
    /// failed.
    pub fn diagnosis(&self) -> Option<Diagnosis> {
        crate::diagnosis::diagnose(&self.common.facts(), self.error.as_ref(), self.state_name())
    }

    /// Records that the transport ended (EOF or an I/O error) while this connection waited
    /// for the peer, for the diagnosis.
    pub fn note_transport_end(&mut self, end: TransportEnd) {
        if !self.common.handshake_complete && self.common.evidence.transport_end.is_none() {
            let state = self.state_name();
            self.common.evidence.transport_end = Some((end, state));
        }
    }

    pub fn role(&self) -> Role {
        self.common.role
    }

    /// Runs `f` so that a panic in it (a bug in libtls, perhaps reached through the peer's
    /// input) fails this connection with internal_error instead of unwinding through the
    /// caller, or through the C API where unwinding would abort the process.
    fn guarded<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut *self))) {
            Ok(r) => r,
            // A fuzzer must see the bug itself.
            #[cfg(fuzzing)]
            Err(panic) => std::panic::resume_unwind(panic),
            #[cfg(not(fuzzing))]
            Err(_) => Err(self.fail(Error::internal(
                "internal error: a bug in libtls was caught (the connection cannot continue)",
            ))),
        }
    }

    /// Starts the handshake: a client writes its ClientHello. Idempotent.
    pub fn start(&mut self) -> Result<()> {
        self.guarded(Self::start_unguarded)
    }

    fn start_unguarded(&mut self) -> Result<()> {
        #[cfg(test)]
        test_hooks::maybe_panic("start");
        self.check_error()?;
        if self.started {
            return Ok(());
        }
        self.started = true;
        let stats = &self.common.config.session.store.stats;
        SessionStats::bump(match self.common.role {
            Role::Client => &stats.connect,
            Role::Server => &stats.accept,
        });
        self.common.events.push(Event::HandshakeStart);
        let r = match self.common.role {
            Role::Client => handshake::client::start(&mut self.common, self.client_options.clone()),
            Role::Server => Ok(handshake::server::start(&self.common)),
        };
        match r {
            Ok(state) => {
                self.state = Some(state);
                self.flush_records()
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Hands the records held back to pack a flight to [`Connection::pending_tls`]; every
    /// call that may write ends with it.
    fn flush_records(&mut self) -> Result<()> {
        match self.common.flush_records() {
            Ok(()) => Ok(()),
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
                // A compatibility-mode peer expects our CCS before anything protected.
                let _ = self.common.send_owed_compat_ccs();
                self.common.send_alert(AlertLevel::FATAL, alert);
            }
        }
        self.error = Some(e.clone());
        e
    }

    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// A client offers `session` for resumption when it starts (if the session is usable).
    pub fn set_resume_session(&mut self, session: Option<Arc<Session>>) {
        self.common.resume = session;
    }

    /// The connection's session (see [`Common::session`]).
    pub fn session(&self) -> Option<&Arc<Session>> {
        self.common.session.as_ref()
    }

    /// What the handshake waits for from the application, if anything.
    pub fn paused(&self) -> Option<Pause> {
        self.common.paused
    }

    /// Goes on after a [`Pause`]: the waiting state asks the application again (it may pause
    /// again), then the records received meanwhile are processed. Nothing happens when the
    /// connection is not paused.
    pub fn resume(&mut self) -> Result<()> {
        self.check_error()?;
        if self.common.paused.take().is_none() {
            return Ok(());
        }
        let r = self.guarded(|conn| {
            let state = conn
                .state
                .take()
                .ok_or_else(|| Error::internal("no handshake state"))?;
            conn.state = Some(state.resume(&mut conn.common)?);
            conn.process_received()
        });
        if let Err(e) = r {
            return Err(self.fail(e));
        }
        self.flush_records()
    }

    /// Sessions established since the last call, for the application's new-session callback.
    pub fn take_new_sessions(&mut self) -> Vec<Arc<Session>> {
        std::mem::take(&mut self.common.new_sessions)
    }

    /// Bytes waiting to go to the peer.
    pub fn pending_tls(&self) -> &[u8] {
        self.common.out.pending()
    }

    /// Marks `n` bytes of [`Connection::pending_tls`] as written.
    pub fn consume_tls(&mut self, n: usize) {
        self.common.out.consume(n);
        // Handshake flights are one-off: their buffer is freed once written. A stream of
        // application data keeps it for the next records.
        if !self.common.streaming_out {
            self.common.out.release_if_empty();
        }
    }

    /// Frees the buffers that hold nothing. Buffers of a stream of application data are kept
    /// for the next records unless `even_when_streaming` (`SSL_MODE_RELEASE_BUFFERS`).
    pub fn release_idle_buffers(&mut self, even_when_streaming: bool) {
        if even_when_streaming || !self.common.streaming_out {
            self.common.out.release_if_empty();
        }
        self.common.record.release_if_empty(even_when_streaming);
    }

    pub fn is_handshaking(&self) -> bool {
        !self.common.handshake_complete
    }

    /// What the completed handshake exports keying material from (see [`crate::exporter`]).
    pub(crate) fn exporter(&self) -> Option<&crate::exporter::Exporter> {
        self.common.exporter.as_ref()
    }

    pub fn plaintext_len(&self) -> usize {
        self.common.record.plaintext_len()
    }

    /// Copies decrypted application data into `buf`; returns how many bytes.
    pub fn read_plaintext(&mut self, buf: &mut [u8]) -> usize {
        self.common.record.read_plaintext(buf, true)
    }

    /// Like [`Connection::read_plaintext`] without consuming.
    pub fn peek_plaintext(&mut self, buf: &mut [u8]) -> usize {
        self.common.record.read_plaintext(buf, false)
    }

    /// Encrypts `data` as application data records. All of it is accepted.
    pub fn write_plaintext(&mut self, data: &[u8]) -> Result<usize> {
        self.guarded(|conn| conn.write_plaintext_unguarded(data))
    }

    fn write_plaintext_unguarded(&mut self, data: &[u8]) -> Result<usize> {
        self.check_error()?;
        #[cfg(test)]
        test_hooks::maybe_panic("write_plaintext");
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
        // RFC 5246 7.2.1: a TLS 1.2 close_notify closes both directions; the answer is our
        // close_notify, pending writes are dropped. TLS 1.3 (RFC 8446 6.1) keeps half-close.
        if self.common.received_close_notify
            && self.common.info.version == Some(ProtocolVersion::TLSV1_2)
        {
            return Err(Error::local(
                Reason::PROTOCOL_IS_SHUTDOWN,
                "cannot write after the peer's TLS 1.2 close_notify: it closes both directions",
            ));
        }
        // RFC 8446 5.5: change keys well before an AEAD key's safe record count is reached.
        let sent = self.common.record.writer_mut().map_or(0, |w| w.seq());
        if self.common.info.version == Some(ProtocolVersion::TLSV1_3)
            && sent >= self.common.config.key_update_after_records
        {
            self.key_update_unguarded(false)?;
        }
        self.common.send_application_data(data)?;
        Ok(data.len())
    }

    /// Changes the configuration before the handshake starts.
    #[cfg(test)]
    pub(crate) fn config_mut_for_test(&mut self) -> &mut Config {
        Arc::make_mut(&mut self.common.config)
    }

    /// Bytes allocated for received records and for records not yet written.
    #[cfg(test)]
    pub(crate) fn buffer_capacities(&self) -> (usize, usize) {
        (
            self.common.record.receive_capacity(),
            self.common.out.capacity(),
        )
    }

    /// Writes a handshake message outside the state machine, to play a misbehaving peer.
    #[cfg(test)]
    pub(crate) fn inject_handshake_for_test(&mut self, encoded: &[u8]) -> Result<()> {
        self.common.send_handshake_bytes(encoded)?;
        self.flush_records()
    }

    /// Sends a TLS 1.3 KeyUpdate now (our keys change at once); `request_peer` asks the peer
    /// to update too.
    pub fn key_update(&mut self, request_peer: bool) -> Result<()> {
        self.guarded(|conn| conn.key_update_unguarded(request_peer))
    }

    /// A TLS 1.3 server asks the client for its certificate after the handshake (RFC 8446
    /// 4.6.2, `SSL_verify_client_post_handshake`); the client's answer is processed as it
    /// arrives, with the application data around it.
    pub fn request_client_certificate(&mut self) -> Result<()> {
        self.guarded(|conn| {
            conn.check_error()?;
            if conn.common.role != Role::Server {
                return Err(Error::local(
                    Reason::NOT_SERVER,
                    "only a server requests a client certificate",
                ));
            }
            if !conn.common.handshake_complete {
                return Err(Error::local(
                    Reason::STILL_IN_INIT,
                    "post-handshake authentication before the handshake completed",
                ));
            }
            if conn.common.info.version != Some(ProtocolVersion::TLSV1_3) {
                return Err(Error::local(
                    Reason::WRONG_SSL_VERSION,
                    "post-handshake authentication exists only in TLS 1.3",
                ));
            }
            match conn.state.as_mut() {
                Some(state) => {
                    state.request_client_certificate(&mut conn.common)?;
                    conn.flush_records()
                }
                None => Err(Error::local(
                    Reason::BAD_HANDSHAKE_STATE,
                    "the connection has no state",
                )),
            }
        })
    }

    fn key_update_unguarded(&mut self, request_peer: bool) -> Result<()> {
        self.check_error()?;
        #[cfg(test)]
        test_hooks::maybe_panic("key_update");
        if self.common.sent_close_notify {
            return Err(Error::local(
                Reason::PROTOCOL_IS_SHUTDOWN,
                "cannot update keys after close_notify was sent",
            ));
        }
        match self.state.as_mut() {
            Some(state) if self.common.handshake_complete => {
                state.send_key_update(&mut self.common, request_peer)?;
                self.flush_records()
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

    /// The configuration the handshake runs with (a server name callback may have replaced the
    /// one the connection started with).
    pub fn config(&self) -> &Arc<Config> {
        &self.common.config
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

    /// The last handshake step taken, for OpenSSL's `SSL_get_state`.
    pub fn last_step(&self) -> Option<crate::events::HandshakeStep> {
        self.common.last_step
    }

    /// A short name of the state libtls waits in (diagnoses, `SSL_get_failure_step`).
    pub fn state_name(&self) -> &'static str {
        match &self.state {
            Some(s) => s.name(),
            None => self.common.last_state,
        }
    }
}

impl Connection {
    /// Keying material for `label` and `context` (RFC 5705 / RFC 8446 7.5), once the handshake
    /// completed.
    pub fn export_keying_material(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        len: usize,
    ) -> Result<Secret> {
        match self.exporter() {
            Some(e) if !self.is_handshaking() => e.export(label, context, len),
            _ => Err(Error::local(
                Reason::UNINITIALIZED,
                "keying material can be exported only after the handshake completed",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Direction;
    use crate::handshake::client::tls12::test_pair::{
        client_config, new_client, new_server, run, server_config, transfer,
    };
    use crate::msgs::enums::HandshakeType;

    /// The record lengths in `wire`, a run of whole records.
    fn record_lengths(mut wire: &[u8]) -> Vec<usize> {
        let mut lengths = Vec::new();
        while wire.len() >= crate::record::HEADER_LEN {
            let len = u16::from_be_bytes([wire[3], wire[4]]) as usize;
            lengths.push(len);
            wire = &wire[crate::record::HEADER_LEN + len..];
        }
        assert!(wire.is_empty(), "a partial record");
        lengths
    }

    #[test]
    fn max_send_fragment_bounds_every_record_sent() {
        for tls13 in [false, true] {
            let mut cc = client_config();
            cc.max_send_fragment = 512;
            if tls13 {
                cc.max_version = ProtocolVersion::TLSV1_3;
            }
            let mut c = new_client(cc);
            let mut s = new_server(server_config(&["server-ecdsa-p256"]));
            run(&mut c, &mut s).unwrap();
            let before = c.pending_tls().len();
            c.write_plaintext(&[7u8; 2000]).unwrap();
            let lengths = record_lengths(&c.pending_tls()[before..]);
            // 2000 bytes in 512-byte pieces; each record adds the AEAD's overhead only.
            assert_eq!(lengths.len(), 4, "tls13={tls13}: {lengths:?}");
            assert!(lengths.iter().all(|&n| n <= 512 + 40), "{lengths:?}");
            transfer(&mut c, &mut s).unwrap();
            let mut got = vec![0u8; 4000];
            assert_eq!(s.read_plaintext(&mut got), 2000);
        }
    }

    fn connected(tls13: bool) -> (Connection, Connection) {
        let mut cc = client_config();
        if tls13 {
            cc.max_version = ProtocolVersion::TLSV1_3;
        }
        let mut c = new_client(cc);
        let mut s = new_server(server_config(&["server-ecdsa-p256"]));
        run(&mut c, &mut s).unwrap();
        assert!(!c.is_handshaking() && !s.is_handshaking());
        let want = if tls13 {
            ProtocolVersion::TLSV1_3
        } else {
            ProtocolVersion::TLSV1_2
        };
        assert_eq!(c.negotiated().version, Some(want));
        (c, s)
    }

    fn alert_to_client(s: &mut Connection, c: &mut Connection, level: u8, desc: u8) -> Result<()> {
        s.common
            .send_alert(AlertLevel(level), AlertDescription(desc));
        transfer(s, c).map(|_| ())
    }

    #[test]
    fn tls12_warning_alerts_are_tolerated_up_to_a_limit() {
        let (mut c, mut s) = connected(false);
        for _ in 0..MAX_WARNING_ALERTS - 1 {
            alert_to_client(&mut s, &mut c, 1, 90).unwrap();
        }
        // Other records in between reset the count.
        s.write_plaintext(b"x").unwrap();
        transfer(&mut s, &mut c).unwrap();
        for _ in 0..MAX_WARNING_ALERTS - 1 {
            alert_to_client(&mut s, &mut c, 1, 90).unwrap();
        }
        let e = alert_to_client(&mut s, &mut c, 1, 90).unwrap_err();
        assert_eq!(e.reason, Reason::TOO_MANY_WARN_ALERTS);
        assert_eq!(c.alert_sent(), Some(AlertDescription::UNEXPECTED_MESSAGE));
    }

    #[test]
    fn tls12_fatal_user_canceled_and_unknown_levels_end_the_connection() {
        let (mut c, mut s) = connected(false);
        let e = alert_to_client(&mut s, &mut c, 2, 90).unwrap_err();
        assert_eq!(
            e.reason,
            Reason::alert_received(AlertDescription::USER_CANCELED)
        );
        assert_eq!(c.alert_received(), Some(AlertDescription::USER_CANCELED));
        assert_eq!(c.alert_sent(), None);

        let (mut c, mut s) = connected(false);
        let e = alert_to_client(&mut s, &mut c, 3, 40).unwrap_err();
        assert_eq!(e.reason, Reason::UNKNOWN_ALERT_TYPE);
        assert_eq!(c.alert_sent(), Some(AlertDescription::ILLEGAL_PARAMETER));
    }

    #[test]
    fn tls13_unknown_alert_level_is_illegal_parameter() {
        let (mut c, mut s) = connected(true);
        let e = alert_to_client(&mut s, &mut c, 0x42, 10).unwrap_err();
        assert_eq!(e.reason, Reason::UNKNOWN_ALERT_TYPE);
        assert_eq!(e.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
        assert_eq!(c.alert_sent(), Some(AlertDescription::ILLEGAL_PARAMETER));
        assert_eq!(c.alert_received(), None);
    }

    #[test]
    fn tls13_error_alerts_sent_as_warnings_are_decode_errors() {
        // user_canceled stays a warning in TLS 1.3.
        let (mut c, mut s) = connected(true);
        alert_to_client(&mut s, &mut c, 1, 90).unwrap();
        let e = alert_to_client(&mut s, &mut c, 1, 40).unwrap_err();
        assert_eq!(e.reason, Reason::INVALID_ALERT);
        assert_eq!(e.alert, Some(AlertDescription::DECODE_ERROR));
        assert_eq!(c.alert_sent(), Some(AlertDescription::DECODE_ERROR));
        assert_eq!(c.alert_received(), None);
    }

    #[test]
    fn tls13_fatal_alerts_end_the_connection_silently() {
        let (mut c, mut s) = connected(true);
        let e = alert_to_client(&mut s, &mut c, 2, 40).unwrap_err();
        assert_eq!(e.reason.0, 1040);
        assert_eq!(e.reason.text(), "sslv3 alert handshake failure");
        assert_eq!(
            c.alert_received(),
            Some(AlertDescription::HANDSHAKE_FAILURE)
        );
        // Nothing is sent back after a fatal alert from the peer.
        assert!(c.pending_tls().is_empty());
    }

    #[test]
    fn close_notify_closes_the_read_side() {
        for tls13 in [false, true] {
            let (mut c, mut s) = connected(tls13);
            s.send_close_notify();
            transfer(&mut s, &mut c).unwrap();
            assert!(c.received_close_notify());
            assert!(c.error().is_none());
        }
    }

    #[test]
    fn idle_connections_hold_no_record_buffers() {
        for tls13 in [false, true] {
            let (c, s) = connected(tls13);
            assert_eq!(c.buffer_capacities(), (0, 0), "client, TLS 1.3: {tls13}");
            assert_eq!(s.buffer_capacities(), (0, 0), "server, TLS 1.3: {tls13}");
        }
    }

    #[test]
    fn a_stream_reuses_its_buffers_until_they_are_released() {
        for tls13 in [false, true] {
            let (mut c, mut s) = connected(tls13);
            let chunk = vec![0x5au8; 16384];
            let mut sink = vec![0u8; 16384];
            let mut capacities = Vec::new();
            for _ in 0..4 {
                c.write_plaintext(&chunk).unwrap();
                transfer(&mut c, &mut s).unwrap();
                assert_eq!(s.read_plaintext(&mut sink), chunk.len());
                assert_eq!(sink, chunk);
                capacities.push((c.buffer_capacities().1, s.buffer_capacities().0));
            }
            let (sent, received) = capacities[0];
            assert!(
                sent >= chunk.len() && received >= chunk.len(),
                "{capacities:?}"
            );
            assert!(
                capacities.iter().all(|&c| c == capacities[0]),
                "no reallocation once streaming: {capacities:?}"
            );
            c.release_idle_buffers(true);
            s.release_idle_buffers(true);
            assert_eq!(c.buffer_capacities(), (0, 0));
            assert_eq!(s.buffer_capacities(), (0, 0));
            c.write_plaintext(b"after").unwrap();
            transfer(&mut c, &mut s).unwrap();
            assert_eq!(s.read_plaintext(&mut sink), 5);
            assert_eq!(&sink[..5], b"after");
        }
    }

    /// Records arriving in pieces of every size, through both ways in, while the application
    /// reads only now and then: what it reads is exactly what was sent, in order.
    #[test]
    fn plaintext_survives_any_split_of_the_records_and_any_read_pattern() {
        for tls13 in [false, true] {
            let (mut c, mut s) = connected(tls13);
            let mut sent = Vec::new();
            for i in 0..40u32 {
                let len = (i as usize * 977) % 5000 + 1;
                let data: Vec<u8> = (0..len).map(|j| (i as usize * 31 + j) as u8).collect();
                c.write_plaintext(&data).unwrap();
                sent.extend_from_slice(&data);
            }
            let wire = c.pending_tls().to_vec();
            c.consume_tls(wire.len());
            let mut got = Vec::new();
            let mut at = 0;
            let mut round = 0;
            while at < wire.len() {
                let piece = [1, 7, 700, 5000, 20000][round % 5].min(wire.len() - at);
                if round % 2 == 0 {
                    assert_eq!(s.read_tls(&wire[at..at + piece]).unwrap(), piece);
                } else {
                    s.receive_space(piece)
                        .copy_from_slice(&wire[at..at + piece]);
                    s.received(piece).unwrap();
                }
                at += piece;
                if round % 3 == 0 {
                    let mut buf = vec![0u8; 3000];
                    let n = s.read_plaintext(&mut buf);
                    got.extend_from_slice(&buf[..n]);
                }
                round += 1;
            }
            let mut rest = vec![0u8; sent.len()];
            let n = s.read_plaintext(&mut rest);
            got.extend_from_slice(&rest[..n]);
            assert_eq!(got.len(), sent.len(), "TLS 1.3: {tls13}");
            assert!(got == sent, "TLS 1.3: {tls13}");
            assert_eq!(s.buffered_tls(), 0);
        }
    }

    #[test]
    fn the_transport_can_write_into_the_receive_buffer() {
        for tls13 in [false, true] {
            let (mut c, mut s) = connected(tls13);
            c.write_plaintext(b"before").unwrap();
            c.send_close_notify();
            c.common.send_application_data(b"after").unwrap();
            let wire = c.pending_tls().to_vec();
            s.receive_space(wire.len()).copy_from_slice(&wire);
            s.received(wire.len()).unwrap();
            assert!(s.received_close_notify());
            assert_eq!(s.buffered_tls(), 0, "bytes after close_notify are dropped");
            let mut buf = [0u8; 16];
            assert_eq!(s.read_plaintext(&mut buf), 6);
            assert_eq!(&buf[..6], b"before");

            let (mut c, mut s) = connected(tls13);
            c.write_plaintext(b"tampered").unwrap();
            let mut wire = c.pending_tls().to_vec();
            let last = wire.len() - 1;
            wire[last] ^= 0x80;
            s.receive_space(wire.len()).copy_from_slice(&wire);
            let e = s.received(wire.len()).unwrap_err();
            assert_eq!(e.alert, Some(AlertDescription::BAD_RECORD_MAC));
            assert_eq!(s.alert_sent(), Some(AlertDescription::BAD_RECORD_MAC));
            assert_eq!(s.plaintext_len(), 0);
        }
    }

    /// The handshake steps in `events`: (sent, message type or None for a ChangeCipherSpec).
    fn state_events(events: &[Event]) -> Vec<(bool, Option<HandshakeType>)> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Step(s) => Some((s.sent, s.typ)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn events_follow_the_handshake() {
        let mut cc = client_config();
        cc.max_version = ProtocolVersion::TLSV1_3;
        let mut c = new_client(cc);
        let mut s = new_server(server_config(&["server-ecdsa-p256"]));
        c.enable_events(true, false);
        s.enable_events(true, false);
        run(&mut c, &mut s).unwrap();
        let all = c.take_events();
        // The server's NewSessionTickets follow the handshake.
        let done = all
            .iter()
            .position(|e| matches!(e, Event::HandshakeDone))
            .expect("the handshake is done");
        assert!(all[done + 1..]
            .iter()
            .any(|e| matches!(e, Event::Step(s) if !s.sent
                && s.typ == Some(HandshakeType::NEW_SESSION_TICKET))));
        let ce = &all[..=done];
        assert!(matches!(ce.first(), Some(Event::HandshakeStart)));
        assert_eq!(
            state_events(ce),
            [
                (true, Some(HandshakeType::CLIENT_HELLO)),
                (false, Some(HandshakeType::SERVER_HELLO)),
                (false, Some(HandshakeType::ENCRYPTED_EXTENSIONS)),
                // (the test pair compresses certificates: RFC 8879)
                (false, Some(HandshakeType::COMPRESSED_CERTIFICATE)),
                (false, Some(HandshakeType::CERTIFICATE_VERIFY)),
                (false, Some(HandshakeType::FINISHED)),
                (true, None),
                (true, Some(HandshakeType::FINISHED)),
            ]
        );
        // The ServerHello arrives in a plain record; the EncryptedExtensions in a protected
        // one whose inner type is handshake.
        let kinds: Vec<String> = ce
            .iter()
            .filter_map(|e| match e {
                Event::RecordHeader { direction, header } => {
                    Some(format!("{direction:?} header {}", header[0]))
                }
                Event::InnerContentType {
                    direction,
                    content_type,
                } => Some(format!("{direction:?} inner {}", content_type.0)),
                Event::Handshake { direction, encoded } => {
                    Some(format!("{direction:?} hs {}", encoded[0]))
                }
                _ => None,
            })
            .collect();
        assert_eq!(kinds[..2], ["Sent header 22", "Sent hs 1"]);
        assert_eq!(kinds[2..4], ["Received header 22", "Received hs 2"]);
        assert!(
            kinds.contains(&"Received inner 22".to_string()),
            "{kinds:?}"
        );
        let se = s.take_events();
        assert_eq!(
            state_events(&se)[..3],
            [
                (false, Some(HandshakeType::CLIENT_HELLO)),
                (true, Some(HandshakeType::SERVER_HELLO)),
                (true, None),
            ]
        );
    }

    #[test]
    fn alerts_are_events_both_ways() {
        let (mut c, mut s) = connected(false);
        c.enable_events(true, false);
        s.enable_events(true, false);
        alert_to_client(&mut s, &mut c, 2, 48).unwrap_err();
        assert!(s.take_events().iter().any(|e| matches!(
            e,
            Event::Alert {
                direction: Direction::Sent,
                level: AlertLevel::FATAL,
                description: AlertDescription::UNKNOWN_CA
            }
        )));
        assert!(c.take_events().iter().any(|e| matches!(
            e,
            Event::Alert {
                direction: Direction::Received,
                description: AlertDescription::UNKNOWN_CA,
                ..
            }
        )));
    }

    fn keylog(c: &mut Connection) -> Vec<String> {
        c.take_events()
            .iter()
            .filter_map(Event::keylog_line)
            .collect()
    }

    #[test]
    fn key_log_lines_are_the_secrets_in_use() {
        // TLS 1.3: both ends log the same five secrets, and the client's traffic secret
        // decrypts the client's application data.
        let mut cc = client_config();
        cc.max_version = ProtocolVersion::TLSV1_3;
        let mut c = new_client(cc);
        let mut s = new_server(server_config(&["server-ecdsa-p256"]));
        c.enable_events(false, true);
        s.enable_events(false, true);
        run(&mut c, &mut s).unwrap();
        let client_lines = keylog(&mut c);
        let labels: Vec<&str> = client_lines
            .iter()
            .map(|l| l.split(' ').next().unwrap())
            .collect();
        assert_eq!(
            labels,
            [
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                "CLIENT_TRAFFIC_SECRET_0",
                "SERVER_TRAFFIC_SECRET_0",
                "EXPORTER_SECRET",
            ]
        );
        let mut server_lines = keylog(&mut s);
        server_lines.sort();
        let mut sorted = client_lines.clone();
        sorted.sort();
        assert_eq!(sorted, server_lines);
        for line in &client_lines {
            let fields: Vec<&str> = line.split(' ').collect();
            assert_eq!(fields.len(), 3);
            assert_eq!(fields[1].len(), 64);
            assert!(fields[2].len() == 64 || fields[2].len() == 96);
            assert!(fields[1..].iter().all(|f| f
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())));
        }
        assert_eq!(
            client_lines[0].split(' ').nth(1).unwrap(),
            c.common
                .client_random
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let secret_hex = client_lines[2].split(' ').nth(2).unwrap();
        let secret: Vec<u8> = (0..secret_hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&secret_hex[i..i + 2], 16).unwrap())
            .collect();
        c.write_plaintext(b"secret message").unwrap();
        let wire = c.pending_tls().to_vec();
        let suite = c.negotiated().suite.unwrap();
        let mut decrypter = crate::record::keys::tls13_decrypter(
            suite,
            &crate::crypto::secret::Secret::from_slice(&secret),
        )
        .unwrap();
        let header = crate::record::RecordHeader::parse(&wire[..5].try_into().unwrap());
        let plain = decrypter.decrypt(header, wire[5..].to_vec()).unwrap();
        assert_eq!(plain.payload, b"secret message");

        // TLS 1.2: one CLIENT_RANDOM line, the same on both ends.
        let mut c = new_client(client_config());
        let mut s = new_server(server_config(&["server-ecdsa-p256"]));
        c.enable_events(false, true);
        s.enable_events(false, true);
        run(&mut c, &mut s).unwrap();
        let lines = keylog(&mut c);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].starts_with("CLIENT_RANDOM "));
        assert_eq!(lines[0].split(' ').nth(2).unwrap().len(), 96);
        assert_eq!(lines, keylog(&mut s));
    }
}

/// Switches for tests that need the connection to misbehave on purpose.
#[cfg(test)]
pub(crate) mod test_hooks {
    use std::cell::Cell;

    thread_local! {
        /// The next record processed on this thread panics, as a bug would.
        pub static PANIC_ON_NEXT_RECORD: Cell<bool> = const { Cell::new(false) };
        /// The next call of the named `Connection` method on this thread panics inside it.
        pub static PANIC_IN_NEXT_CALL: Cell<Option<&'static str>> = const { Cell::new(None) };
    }

    pub fn maybe_panic(method: &'static str) {
        if PANIC_IN_NEXT_CALL.with(|p| p.get() == Some(method)) {
            PANIC_IN_NEXT_CALL.with(|p| p.set(None));
            panic!("forced by a test: a bug in Connection::{method}");
        }
    }
}

#[cfg(test)]
mod limits_tests;

#[cfg(test)]
mod dos_tests;
