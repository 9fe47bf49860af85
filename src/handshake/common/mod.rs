//! What the handshake states share: the parts of a connection they act on ([`Common`]), the
//! negotiated facts ([`Negotiated`]), the sending of records and handshake messages
//! ([`flight::Flight`]) and the check of the peer's signature ([`auth`]).

pub mod auth;
pub mod client_cert13;
pub mod connected12;
pub mod connected13;
pub mod flight;
pub mod negotiated;

pub use negotiated::Negotiated;

use crate::config::Config;
use crate::diagnosis::{EvidenceBox, Facts};
use crate::error::Result;
use crate::events::{Direction, Event, EventSink};
use crate::limits::ProgressBudget;
use crate::msgs::alert::Alert;
use crate::msgs::enums::{AlertDescription, AlertLevel, ContentType, ProtocolVersion};
use crate::record::{RecordLayer, SendBuffer};
use crate::role::Role;
use crate::session::Session;
use crate::verify::PeerIdentity;
use std::sync::Arc;

/// What a client asks of one connection, beyond its context's configuration.
#[derive(Clone, Debug, Default)]
pub struct ClientOptions {
    /// Sent as SNI (RFC 6066) when it is a DNS name.
    pub server_name: Option<String>,
    /// What the server's certificate must be valid for, if anything.
    pub verify_identity: Option<PeerIdentity>,
}

/// Why a handshake waits for the application rather than for the peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pause {
    /// The certificate callback asked to be called again ([`crate::config::CertCallbackOutcome::Retry`]);
    /// [`Connection::resume`] calls it again.
    CertificateCallback,
}

/// The parts of a connection that the handshake states act on.
pub struct Common {
    pub role: Role,
    pub config: Arc<Config>,
    /// Set by a state that waits for the application: no more records are read until
    /// [`Connection::resume`].
    pub paused: Option<Pause>,
    pub record: RecordLayer,
    /// Protected and plain records waiting to be written to the peer.
    pub(crate) out: SendBuffer,
    pub info: Negotiated,
    /// The last records queued for the peer carry application data: the send buffer is then
    /// kept for the next ones instead of being freed once written.
    pub(crate) streaming_out: bool,
    /// TLS 1.3 allows dropping a plain ChangeCipherSpec until the peer's Finished.
    pub ccs_allowed: bool,
    /// A TLS 1.3 client in compatibility mode has yet to send its ChangeCipherSpec.
    pub compat_ccs_owed: bool,
    /// TLS 1.3 server: the client listed a PSK mode we would resume with, so tickets are of
    /// use to it (RFC 8446 4.2.9).
    pub client_accepts_tickets: bool,
    pub handshake_complete: bool,
    pub sent_close_notify: bool,
    pub received_close_notify: bool,
    /// The alert we sent, if the connection failed on our side.
    pub alert_sent: Option<AlertDescription>,
    /// The fatal alert the peer sent, if any.
    pub alert_received: Option<AlertDescription>,
    /// Name of the state that was current when the last handshake message arrived.
    pub last_state: &'static str,
    /// The last handshake message or ChangeCipherSpec sent or received (`SSL_get_state`).
    pub last_step: Option<crate::events::HandshakeStep>,
    /// The session of this connection: the one established or resumed, or, on a TLS 1.3
    /// client, the one of the latest ticket.
    pub session: Option<Arc<Session>>,
    /// Sessions established since the application last asked (`SSL_CTX_sess_set_new_cb`).
    pub new_sessions: Vec<Arc<Session>>,
    /// Client: the session to offer for resumption (`SSL_set_session`), if still usable.
    pub resume: Option<Arc<Session>>,
    /// How many records in a row the peer may send that move nothing forward.
    pub budget: ProgressBudget,
    /// What observers (info/message callbacks, key log) asked to see.
    pub events: EventSink,
    /// What a failed handshake's diagnosis draws on (dropped once the handshake completed).
    pub evidence: EvidenceBox,
    /// The ClientHello's random, which names the connection in the key log.
    pub client_random: [u8; 32],
    /// The ServerHello's random (TLS 1.2's exporter uses it).
    pub server_random: [u8; 32],
    /// What keying material is exported from once the handshake completed.
    pub exporter: Option<crate::exporter::Exporter>,
    /// TLS 1.2 warning alerts received in a row; a flood of them is an attack.
    pub(crate) warning_alerts: u32,
    /// Observer events of handshake messages the record layer holds back; they follow the
    /// headers of the records that carry them.
    held_back_events: Vec<Event>,
}

impl Common {
    pub(crate) fn new(role: Role, config: Arc<Config>) -> Self {
        let mut record = RecordLayer::default();
        record.max_fragment = config.max_send_fragment;
        Common {
            role,
            config,
            paused: None,
            record,
            out: SendBuffer::default(),
            info: Negotiated::default(),
            streaming_out: false,
            ccs_allowed: false,
            compat_ccs_owed: false,
            client_accepts_tickets: false,
            handshake_complete: false,
            sent_close_notify: false,
            received_close_notify: false,
            alert_sent: None,
            alert_received: None,
            last_state: "before",
            last_step: None,
            session: None,
            new_sessions: Vec::new(),
            resume: None,
            budget: ProgressBudget::default(),
            events: EventSink::default(),
            evidence: Default::default(),
            client_random: [0; 32],
            server_random: [0; 32],
            exporter: None,
            warning_alerts: 0,
            held_back_events: Vec::new(),
        }
    }

    /// What a diagnosis of this connection reads.
    pub fn facts(&self) -> Facts<'_> {
        Facts {
            role: self.role,
            config: &self.config,
            info: &self.info,
            evidence: &self.evidence,
            handshake_complete: self.handshake_complete,
            alert_sent: self.alert_sent,
            alert_received: self.alert_received,
        }
    }

    /// Makes `session` this connection's session; it is reported as new when the context
    /// caches sessions for this role and the session can be resumed (as OpenSSL, which never
    /// hands the new-session callback a session with neither an ID nor a ticket).
    pub fn set_session(&mut self, session: Session) -> Arc<Session> {
        self.adopt_session(Arc::new(session))
    }

    /// [`Common::set_session`] for a session already shared (the application may hold it).
    pub fn adopt_session(&mut self, session: Arc<Session>) -> Arc<Session> {
        self.session = Some(session.clone());
        let sessions = &self.config.session;
        let caches = match self.role {
            Role::Client => sessions.client_caches(),
            Role::Server => sessions.server_caches(),
        };
        let report = caches && (!session.id.is_empty() || !session.ticket.is_empty());
        if report {
            self.new_sessions.push(session.clone());
        }
        session
    }

    /// Protects and queues `data` as records of type `typ`, telling observers about each
    /// record header written.
    fn write_records(&mut self, typ: ContentType, data: &[u8]) -> Result<()> {
        if typ != ContentType::HANDSHAKE {
            self.flush_records()?;
        }
        self.streaming_out = typ == ContentType::APPLICATION_DATA;
        let start = self.out.len();
        self.record.write(typ, data, &mut self.out)?;
        let inner = self.record.is_writing_protected()
            && typ != ContentType::CHANGE_CIPHER_SPEC
            && self.info.version != Some(ProtocolVersion::TLSV1_2);
        self.observe_sent_records(start, inner.then_some(typ));
        Ok(())
    }

    /// Writes out the handshake messages the record layer holds back to pack a flight.
    pub fn flush_records(&mut self) -> Result<()> {
        if !self.record.has_pending() {
            return Ok(());
        }
        let start = self.out.len();
        self.record.flush(&mut self.out)?;
        // Only TLS 1.3 protection hides the handshake type behind application_data.
        let tls13_protected =
            self.out.pending().get(start) == Some(&ContentType::APPLICATION_DATA.0);
        self.observe_sent_records(start, tls13_protected.then_some(ContentType::HANDSHAKE));
        for event in std::mem::take(&mut self.held_back_events) {
            self.events.push(event);
        }
        Ok(())
    }

    /// Tells observers about each record header written from `start` on, and the inner
    /// content type when protection hides it.
    fn observe_sent_records(&mut self, start: usize, inner: Option<ContentType>) {
        if self.events.protocol {
            let mut at = start;
            while at + crate::record::HEADER_LEN <= self.out.len() {
                let mut header = [0u8; crate::record::HEADER_LEN];
                header.copy_from_slice(&self.out.pending()[at..at + crate::record::HEADER_LEN]);
                let len = u16::from_be_bytes([header[3], header[4]]) as usize;
                self.events.push(Event::RecordHeader {
                    direction: Direction::Sent,
                    header,
                });
                if let Some(content_type) = inner {
                    self.events.push(Event::InnerContentType {
                        direction: Direction::Sent,
                        content_type,
                    });
                }
                at += crate::record::HEADER_LEN + len;
            }
        }
    }

    /// Writes an already-encoded handshake message (header included).
    pub fn send_handshake_bytes(&mut self, encoded: &[u8]) -> Result<()> {
        if let Some(&typ) = encoded.first() {
            let step = crate::events::HandshakeStep {
                sent: true,
                typ: Some(crate::msgs::enums::HandshakeType(typ)),
            };
            self.last_step = Some(step);
            self.events.push(Event::Step(step));
        }
        self.write_records(ContentType::HANDSHAKE, encoded)?;
        if self.events.protocol {
            let event = Event::Handshake {
                direction: Direction::Sent,
                encoded: encoded.to_vec(),
            };
            if self.record.has_pending() {
                self.held_back_events.push(event);
            } else {
                self.events.push(event);
            }
        }
        Ok(())
    }

    /// Sends the TLS 1.3 middlebox-compatibility ChangeCipherSpec if it is still owed.
    pub fn send_owed_compat_ccs(&mut self) -> Result<()> {
        if std::mem::take(&mut self.compat_ccs_owed) {
            self.send_ccs()?;
        }
        Ok(())
    }

    pub fn send_ccs(&mut self) -> Result<()> {
        let step = crate::events::HandshakeStep {
            sent: true,
            typ: None,
        };
        self.last_step = Some(step);
        self.events.push(Event::Step(step));
        self.write_records(ContentType::CHANGE_CIPHER_SPEC, &[1])?;
        self.events.push(Event::ChangeCipherSpec {
            direction: Direction::Sent,
        });
        Ok(())
    }

    pub fn send_alert(&mut self, level: AlertLevel, desc: AlertDescription) {
        let bytes = Alert::new(level, desc).to_bytes();
        // If protection fails there is nothing better to tell the peer.
        let _ = self.write_records(ContentType::ALERT, &bytes);
        self.events.push(Event::Alert {
            direction: Direction::Sent,
            level,
            description: desc,
        });
    }

    pub fn send_application_data(&mut self, data: &[u8]) -> Result<()> {
        self.write_records(ContentType::APPLICATION_DATA, data)
    }

    /// Hands a secret to the key log, if one is listening (NSS key log labels).
    pub fn log_secret(&mut self, label: &'static str, secret: &[u8]) {
        if self.events.secrets {
            self.events.push(Event::Secret {
                label,
                client_random: self.client_random,
                secret: crate::crypto::secret::Secret::from_slice(secret),
            });
        }
    }
}

/// The TLS 1.2 master secret, once the ClientKeyExchange is in `transcript`: RFC 7627's extended
/// one, or RFC 5246 8.1's when the peer went without it under the opt-in. Both roles derive it
/// here, and hand it to the key log.
pub fn master_secret12(
    cx: &mut Common,
    hash: crate::crypto::hash::HashAlg,
    transcript: &crate::crypto::hash::Transcript,
    extended: bool,
    pre_master_secret: crate::crypto::secret::Secret,
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Result<crate::crypto::secret::Secret> {
    use crate::crypto::tls12;
    let master = if extended {
        tls12::extended_master_secret(hash, &pre_master_secret, &transcript.current_hash())?
    } else {
        tls12::master_secret(hash, &pre_master_secret, client_random, server_random)?
    };
    drop(pre_master_secret);
    cx.log_secret("CLIENT_RANDOM", &master);
    Ok(master)
}

/// Whether a certificate with a key of type `kt` can authenticate a TLS 1.2 suite of `auth`
/// (RFC 8422 5.3 lets ECDHE_ECDSA suites use Ed25519 certificates too): the client checks the
/// server's, the server chooses its own by it.
pub fn key_fits_auth(kt: crate::crypto::sign::KeyType, auth: Option<crate::suites::Auth>) -> bool {
    use crate::crypto::sign::KeyType;
    use crate::suites::Auth;
    match auth {
        Some(Auth::Rsa) => kt == KeyType::Rsa,
        Some(Auth::Ecdsa) => matches!(
            kt,
            KeyType::EcdsaP256 | KeyType::EcdsaP384 | KeyType::Ed25519
        ),
        Some(Auth::Psk) | None => false,
    }
}
