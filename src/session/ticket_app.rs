//! The application's say over tickets (OpenSSL's `SSL_CTX_set_session_ticket_cb`): a callback
//! run before each ticket is sealed, which may put application data into the session (it
//! travels inside the encrypted ticket, [`Session::ticket_appdata`]), and one run after a
//! presented ticket was opened (or could not be), whose verdict decides whether the ticket is
//! used and whether a fresh one is issued.

use super::{Session, SessionConfig};
use crate::error::{Error, Reason, Result};
use crate::msgs::enums::AlertDescription;
use std::sync::Arc;

/// How opening a presented ticket went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TicketStatus {
    /// TLS 1.2: the client sent an empty SessionTicket extension (it wants a ticket).
    Empty,
    /// Not a ticket of ours (unknown key, bad tag, garbage, or an undecodable session).
    NoDecrypt,
    /// Opened; no fresh ticket is needed.
    Success,
    /// Opened under an older key: a fresh ticket should replace it.
    SuccessRenew,
}

/// The application's verdict on a presented ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TicketDecision {
    /// Fail the handshake.
    Abort,
    /// Do not resume with it; issue no fresh ticket (TLS 1.2).
    Ignore,
    /// Do not resume with it; issue a fresh ticket.
    IgnoreRenew,
    /// Resume with it; issue no fresh ticket (TLS 1.2). Only after a successful opening.
    Use,
    /// Resume with it and issue a fresh ticket. Only after a successful opening.
    UseRenew,
}

/// Called before a ticket is sealed, with the session it will carry (already the connection's
/// session). Returns the session to seal: the same, or a copy carrying application data. An
/// error fails the handshake.
pub type TicketGenerate = Arc<dyn Fn(&Arc<Session>) -> Result<Arc<Session>> + Send + Sync>;

/// Called after a presented ticket was opened or could not be: the status, the session it
/// held (for [`TicketStatus::Success`] and [`TicketStatus::SuccessRenew`]) and the ticket's
/// key name (its first 16 bytes, fewer for a shorter ticket). Returns the verdict and, to
/// resume, the session to resume with (the one given, possibly changed).
pub type TicketDecrypt = Arc<
    dyn Fn(TicketStatus, Option<Session>, &[u8]) -> (TicketDecision, Option<Arc<Session>>)
        + Send
        + Sync,
>;

/// The application's ticket callbacks; either may be absent.
#[derive(Clone, Default)]
pub struct TicketAppCallbacks {
    pub generate: Option<TicketGenerate>,
    pub decrypt: Option<TicketDecrypt>,
}

/// What a server does with a ticket a client presented.
#[derive(Debug)]
pub enum TicketOutcome {
    /// Resume this session; `renew`: issue a fresh ticket too.
    Resume { session: Arc<Session>, renew: bool },
    /// A full handshake. `issue`: a new ticket is issued (TLS 1.2, where the client asked for
    /// one). `try_cache`: a session ID the client offered beside the ticket may still resume
    /// from the session cache (an empty ticket, or one the application ignored).
    Full { issue: bool, try_cache: bool },
}

/// The key name the application is shown: the ticket's first 16 bytes.
const KEY_NAME_SHOWN: usize = 16;

impl SessionConfig {
    /// Opens a presented ticket (empty: TLS 1.2's request for one) and lets the application's
    /// decrypt callback decide. An error fails the handshake: an application's ticket key
    /// callback failed, or the decrypt callback aborted or asked to use what did not open.
    /// With `tls13`, a ticket that opens is due for renewal (as OpenSSL reports it: a resumed
    /// TLS 1.3 client gets a ticket in place of the one it spent).
    pub fn use_ticket(&self, ticket: &[u8], now_ms: u64, tls13: bool) -> Result<TicketOutcome> {
        let (status, session) = if ticket.is_empty() {
            (TicketStatus::Empty, None)
        } else {
            match self.open_ticket(ticket, now_ms)? {
                Some((s, false)) if !tls13 => (TicketStatus::Success, Some(s)),
                Some((s, _)) => (TicketStatus::SuccessRenew, Some(s)),
                None => (TicketStatus::NoDecrypt, None),
            }
        };
        let Some(decrypt) = self.ticket_app.decrypt.as_ref() else {
            return Ok(match (status, session) {
                (TicketStatus::Success, Some(s)) => TicketOutcome::Resume {
                    session: Arc::new(s),
                    renew: false,
                },
                (TicketStatus::SuccessRenew, Some(s)) => TicketOutcome::Resume {
                    session: Arc::new(s),
                    renew: true,
                },
                (TicketStatus::Empty, _) => TicketOutcome::Full {
                    issue: true,
                    try_cache: true,
                },
                _ => TicketOutcome::Full {
                    issue: true,
                    try_cache: false,
                },
            });
        };
        let key_name = &ticket[..ticket.len().min(KEY_NAME_SHOWN)];
        let (decision, used) = decrypt(status, session, key_name);
        let opened = matches!(status, TicketStatus::Success | TicketStatus::SuccessRenew);
        // As OpenSSL: an internal_error alert.
        let refused = |why: &str| {
            Error::protocol(
                AlertDescription::INTERNAL_ERROR,
                Reason::CALLBACK_FAILED,
                format!("the application's session ticket decrypt callback {why}"),
            )
        };
        match decision {
            TicketDecision::Abort => Err(refused("aborted the handshake")),
            TicketDecision::Ignore => Ok(TicketOutcome::Full {
                issue: false,
                try_cache: true,
            }),
            TicketDecision::IgnoreRenew => Ok(TicketOutcome::Full {
                issue: true,
                try_cache: status == TicketStatus::Empty,
            }),
            TicketDecision::Use | TicketDecision::UseRenew => match used {
                Some(session) if opened => Ok(TicketOutcome::Resume {
                    session,
                    renew: decision == TicketDecision::UseRenew,
                }),
                _ => Err(refused("asked to use a ticket that did not open")),
            },
        }
    }

    /// Runs the application's generate callback (if any) for `session`, about to be sealed
    /// into a ticket; returns the session to seal.
    pub fn before_ticket(&self, session: Arc<Session>) -> Result<Arc<Session>> {
        match self.ticket_app.generate.as_ref() {
            Some(generate) => generate(&session),
            None => Ok(session),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::enums::ProtocolVersion;
    use crate::session::tests::sample;
    use crate::session::MAX_TICKET_APPDATA_LEN;
    use std::sync::Mutex;

    fn with_data(version: ProtocolVersion, data: &[u8]) -> Session {
        let mut s = sample(version);
        s.ticket_appdata = data.to_vec();
        s
    }

    #[test]
    fn appdata_round_trips_through_the_encoding_and_tickets() {
        let config = SessionConfig::default();
        for v in [ProtocolVersion::TLSV1_2, ProtocolVersion::TLSV1_3] {
            for data in [&b""[..], b"x", &[0xa5; MAX_TICKET_APPDATA_LEN][..]] {
                let s = with_data(v, data);
                let d = Session::decode(&s.encode().unwrap()).unwrap();
                assert_eq!(d.ticket_appdata, data);
                let sealed = config.seal_ticket(&s, s.created_ms).unwrap().unwrap();
                let TicketOutcome::Resume { session, renew } =
                    config.use_ticket(&sealed, s.created_ms, false).unwrap()
                else {
                    panic!("a ticket of ours resumes");
                };
                assert!(!renew);
                assert_eq!(session.ticket_appdata, data);
            }
        }
    }

    /// Bytes of an encoded session with its ticket application data's length prefix set to
    /// `len` and `body` as its bytes.
    fn with_raw_appdata(len: u16, body: &[u8]) -> Vec<u8> {
        let s = sample(ProtocolVersion::TLSV1_3);
        let mut bytes = s.encode().unwrap().to_vec();
        // The encoding ends with the (empty) application data: its two length bytes.
        assert_eq!(&bytes[bytes.len() - 2..], &[0, 0]);
        bytes.truncate(bytes.len() - 2);
        bytes.extend_from_slice(&len.to_be_bytes());
        bytes.extend_from_slice(body);
        bytes
    }

    #[test]
    fn hostile_or_oversized_appdata_is_refused() {
        // Over the bound, whatever the length says.
        let over = MAX_TICKET_APPDATA_LEN + 1;
        let bytes = with_raw_appdata(over as u16, &vec![1; over]);
        assert!(Session::decode(&bytes).is_err());
        let bytes = with_raw_appdata(u16::MAX, &vec![1; usize::from(u16::MAX)]);
        assert!(Session::decode(&bytes).is_err());
        // A length running past the end, and trailing bytes after it.
        assert!(Session::decode(&with_raw_appdata(100, &[1; 99])).is_err());
        assert!(Session::decode(&with_raw_appdata(1, &[1, 2])).is_err());
        assert!(Session::decode(&with_raw_appdata(2, &[1, 2])).is_ok());
        // Every truncation of a session with data is an error.
        let good = with_data(ProtocolVersion::TLSV1_2, b"hello")
            .encode()
            .unwrap();
        for n in 0..good.len() {
            assert!(Session::decode(&good[..n]).is_err(), "prefix {n}");
        }
        // Sealed into a ticket, oversized data does not come back either: the ticket is
        // sealed (our key) but its session is refused, so the ticket does not resume.
        let config = SessionConfig::default();
        let mut s = with_data(ProtocolVersion::TLSV1_3, &[7; MAX_TICKET_APPDATA_LEN + 1]);
        s.ticket.clear();
        let state = s.encode_state().unwrap();
        let key = config
            .store
            .ticket_keys
            .encrypting_key(s.created_ms / 1000)
            .unwrap();
        let sealed = crate::session::ticket::seal(&key, &state).unwrap();
        assert!(matches!(
            config.use_ticket(&sealed, s.created_ms, false).unwrap(),
            TicketOutcome::Full {
                issue: true,
                try_cache: false
            }
        ));
    }

    #[test]
    fn format_3_sessions_still_load_without_appdata() {
        let s = with_data(ProtocolVersion::TLSV1_2, b"");
        let mut bytes = s.encode().unwrap().to_vec();
        bytes.truncate(bytes.len() - 2);
        bytes[8..10].copy_from_slice(&3u16.to_be_bytes());
        let d = Session::decode(&bytes).unwrap();
        assert!(d.ticket_appdata.is_empty());
        // An unknown newer format is refused.
        let mut future = s.encode().unwrap().to_vec();
        future[8..10].copy_from_slice(&5u16.to_be_bytes());
        assert!(Session::decode(&future).is_err());
    }

    type Seen = Arc<Mutex<Vec<(TicketStatus, Option<Vec<u8>>, Vec<u8>)>>>;

    fn deciding(decision: TicketDecision) -> (SessionConfig, Seen) {
        let seen: Seen = Arc::default();
        let log = seen.clone();
        let mut config = SessionConfig::default();
        config.ticket_app.decrypt = Some(Arc::new(move |status, session, name| {
            log.lock().unwrap().push((
                status,
                session.as_ref().map(|s| s.ticket_appdata.clone()),
                name.to_vec(),
            ));
            (decision, session.map(Arc::new))
        }));
        (config, seen)
    }

    #[test]
    fn the_decrypt_callback_sees_each_status_and_decides() {
        let s = with_data(ProtocolVersion::TLSV1_2, b"app");
        let now = s.created_ms;
        for decision in [
            TicketDecision::Abort,
            TicketDecision::Ignore,
            TicketDecision::IgnoreRenew,
            TicketDecision::Use,
            TicketDecision::UseRenew,
        ] {
            let (config, seen) = deciding(decision);
            let sealed = config.seal_ticket(&s, now).unwrap().unwrap();
            let outcomes = [
                config.use_ticket(&sealed, now, false),
                config.use_ticket(b"", now, false),
                config.use_ticket(&[9; 100], now, false),
            ];
            let seen = seen.lock().unwrap().clone();
            assert_eq!(seen.len(), 3);
            assert_eq!(seen[0].0, TicketStatus::Success);
            assert_eq!(seen[0].1.as_deref(), Some(&b"app"[..]));
            assert_eq!(seen[0].2, sealed[..16]);
            assert_eq!(
                (seen[1].0, seen[1].1.is_none(), seen[1].2.len()),
                (TicketStatus::Empty, true, 0)
            );
            assert_eq!(
                (seen[2].0, seen[2].1.is_none(), &seen[2].2[..]),
                (TicketStatus::NoDecrypt, true, &[9; 16][..])
            );
            match decision {
                TicketDecision::Abort => assert!(outcomes.iter().all(|o| o.is_err())),
                TicketDecision::Ignore => assert!(outcomes.iter().all(|o| matches!(
                    o,
                    Ok(TicketOutcome::Full {
                        issue: false,
                        try_cache: true
                    })
                ))),
                TicketDecision::IgnoreRenew => {
                    let [a, b, c] = outcomes;
                    assert!(matches!(
                        a,
                        Ok(TicketOutcome::Full {
                            issue: true,
                            try_cache: false
                        })
                    ));
                    assert!(matches!(
                        b,
                        Ok(TicketOutcome::Full {
                            issue: true,
                            try_cache: true
                        })
                    ));
                    assert!(matches!(
                        c,
                        Ok(TicketOutcome::Full {
                            issue: true,
                            try_cache: false
                        })
                    ));
                }
                TicketDecision::Use | TicketDecision::UseRenew => {
                    let [a, b, c] = outcomes;
                    let Ok(TicketOutcome::Resume { session, renew }) = a else {
                        panic!("used");
                    };
                    assert_eq!(renew, decision == TicketDecision::UseRenew);
                    assert_eq!(session.ticket_appdata, b"app");
                    // Using what did not open is an error, as in OpenSSL.
                    assert!(b.is_err() && c.is_err());
                }
            }
        }
    }

    #[test]
    fn without_callbacks_tickets_behave_as_before() {
        let config = SessionConfig::default();
        let s = sample(ProtocolVersion::TLSV1_3);
        let same = Arc::new(s.clone());
        assert!(Arc::ptr_eq(
            &config.before_ticket(same.clone()).unwrap(),
            &same
        ));
        assert!(matches!(
            config.use_ticket(b"", s.created_ms, false).unwrap(),
            TicketOutcome::Full {
                issue: true,
                try_cache: true
            }
        ));
        assert!(matches!(
            config.use_ticket(&[1; 80], s.created_ms, true).unwrap(),
            TicketOutcome::Full {
                issue: true,
                try_cache: false
            }
        ));
    }
}
