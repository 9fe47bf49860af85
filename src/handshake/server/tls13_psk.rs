//! The TLS 1.3 server's resumption: which offered PSK it accepts (RFC 8446 4.2.11: an
//! external PSK of the application, a ticket of ours or a cached session) and the
//! NewSessionTickets it sends after the client's Finished (RFC 8446 4.6.1).

use crate::config::{Config, ExternalPsk, PskLookup};
use crate::crypto::hash::Transcript;
use crate::crypto::key_schedule::{resumption_psk, KeySchedule};
use crate::crypto::secret::Secret;
use crate::error::{Error, Reason, Result};
use crate::handshake::common::Common;
use crate::handshake::random_bytes;
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::{AlertDescription, ProtocolVersion, PskKeyExchangeMode};
use crate::msgs::handshake::{ClientHello, HandshakeMessage, NewSessionTicketTls13};
use crate::session::{Session, SessionStats, TicketOutcome};
use crate::suites::{self, SuiteInfo};
use std::sync::Arc;

/// A PSK the server accepted.
pub(super) struct AcceptedPsk {
    pub(super) index: u16,
    pub(super) session: Arc<Session>,
    pub(super) suite: &'static SuiteInfo,
    pub(super) mode: PskKeyExchangeMode,
    /// The early secret made to check the binder, for the handshake to go on with.
    pub(super) schedule: Option<KeySchedule>,
    /// Without a HelloRetryRequest: the transcript with the ClientHello hashed up to its
    /// binders, and how many bytes of it that is.
    pub(super) transcript: Option<(Transcript, usize)>,
}

/// How many offered identities a server tries before giving up on resumption.
pub(super) const MAX_PSK_IDENTITIES_TRIED: usize = 8;

/// How far the client's idea of a ticket's age may run ahead of ours (clock rate differences
/// and rounding), milliseconds.
const TICKET_AGE_TOLERANCE_MS: u64 = 10_000;

/// Picks the first offered PSK this server can resume (RFC 8446 4.2.11): a ticket of ours (or,
/// with tickets off, a cached session), unexpired, for the same SNI and session ID context,
/// with a client certificate if we now require one, with a hash matching the suite. Its binder
/// must verify, else the handshake fails. Any other problem only means a full handshake.
pub(super) fn accept_psk(
    cx: &mut Common,
    ch: &ClientHello,
    msg: &JoinedMessage,
    suite: &'static SuiteInfo,
    retry_transcript: Option<&Transcript>,
    mode: PskKeyExchangeMode,
) -> Result<Option<AcceptedPsk>> {
    let Some(offer) = ch.psk() else {
        return Ok(None);
    };
    let config = cx.config.clone();
    let sessions = &config.session;
    let stats = &sessions.store.stats;
    let now = crate::session::now_ms();
    // The application's ticket decrypt callback may decline new tickets (as OpenSSL, for the
    // ticket it saw last).
    let mut issue_tickets = true;
    for (index, identity) in offer
        .identities
        .iter()
        .enumerate()
        .take(MAX_PSK_IDENTITIES_TRIED)
    {
        // As OpenSSL: the application's external PSKs are looked up first, then our tickets.
        let external = match &config.psk_server {
            Some(lookup) => match lookup(&identity.identity) {
                PskLookup::Found(p) => Some(p),
                PskLookup::None => None,
                PskLookup::Failed => {
                    return Err(Error::protocol(
                        AlertDescription::INTERNAL_ERROR,
                        Reason::BAD_EXTENSION,
                        "the PSK callback failed",
                    ))
                }
            },
            None => None,
        };
        let (session, from_cache, is_external) = match external {
            Some(p) => (Arc::new(external_session(cx, p)), false, true),
            None => {
                let Some((session, from_cache)) =
                    find_psk_session(&config, &identity.identity, now, true, &mut issue_tickets)?
                else {
                    SessionStats::bump(&stats.misses);
                    continue;
                };
                let usable = session.is_tls13()
                    && session.sid_ctx == sessions.sid_ctx
                    && session.server_name.as_deref() == ch.server_name()
                    && crate::handshake::session_meets_client_auth(&config, &session);
                if !usable {
                    SessionStats::bump(&stats.misses);
                    continue;
                }
                if sessions.expired_for_server(&session, now) {
                    SessionStats::bump(&stats.timeouts);
                    continue;
                }
                // The client's age of the ticket, de-obfuscated, may not exceed ours by much: a
                // larger one means a confused or replaying client.
                let client_age = u64::from(
                    identity
                        .obfuscated_ticket_age
                        .wrapping_sub(session.ticket_age_add),
                );
                let our_age = now.saturating_sub(session.created_ms);
                if !from_cache && client_age > our_age + TICKET_AGE_TOLERANCE_MS {
                    SessionStats::bump(&stats.misses);
                    continue;
                }
                (session, from_cache, false)
            }
        };
        let Some(session_suite) = suites::lookup(session.suite) else {
            continue;
        };
        let chosen = if session_suite.hash == suite.hash {
            suite
        } else if retry_transcript.is_none()
            && ch.cipher_suites.contains(&session.suite)
            && config.tls13_suites.contains(&session.suite)
        {
            session_suite
        } else {
            SessionStats::bump(&stats.misses);
            continue;
        };
        let binders_len = ch
            .binders_encoded_len()
            .ok_or_else(|| Error::internal("pre_shared_key is not the last extension"))?;
        let partial = msg
            .encoded
            .get(..msg.encoded.len().saturating_sub(binders_len))
            .ok_or_else(|| Error::decode("ClientHello shorter than its binders"))?;
        let (hash, transcript) = match retry_transcript {
            Some(t) => (t.hash_with(partial), None),
            None => {
                let mut t = Transcript::hashing_only(chosen.hash);
                (t.add_prefix_and_hash(partial), Some((t, partial.len())))
            }
        };
        let early = KeySchedule::new(chosen.hash, Some(&session.secret));
        let binder = offer
            .binders
            .get(index)
            .ok_or_else(|| Error::decode("a PSK identity without a binder"))?;
        if !early.binder_finished_key(is_external).verify(&hash, binder) {
            return Err(Error::protocol(
                AlertDescription::DECRYPT_ERROR,
                Reason::BINDER_DOES_NOT_VERIFY,
                "the PSK binder does not match the ClientHello",
            ));
        }
        if is_external {
            cx.info.psk_identity = Some(identity.identity.clone());
        } else if from_cache {
            // A stateful ticket is used once: it leaves the cache now. One the get-session
            // callback found (an external cache) is not in ours: the remove callback is told
            // all the same, so that the external cache drops it too.
            if sessions.store.remove(&session.id).is_none() {
                sessions
                    .store
                    .notify_removed(std::slice::from_ref(&session));
            }
        } else if sessions.single_use_tickets
            && !sessions
                .store
                .first_use_of_ticket(&identity.identity, session.expires_ms(), now)
        {
            SessionStats::bump(&stats.misses);
            continue;
        }
        if !is_external {
            SessionStats::bump(&stats.hits);
        }
        cx.client_accepts_tickets &= issue_tickets;
        return Ok(Some(AcceptedPsk {
            index: index as u16,
            session,
            suite: chosen,
            mode,
            schedule: Some(early),
            transcript,
        }));
    }
    cx.client_accepts_tickets &= issue_tickets;
    Ok(None)
}

/// The session an accepted external PSK stands for: no peer certificate, not resumable by
/// itself (no ID, no ticket); tickets issued on the connection resume it.
fn external_session(cx: &Common, p: ExternalPsk) -> Session {
    Session {
        sid_ctx: cx.config.session.sid_ctx.clone(),
        server_name: cx.info.server_name.clone(),
        ..Session::new(
            ProtocolVersion::TLSV1_3,
            p.suite,
            p.secret,
            cx.config.session.timeout_secs,
        )
    }
}

/// The session behind a PSK identity: a ticket we sealed or, with stateless tickets off, a
/// session in the cache (the identity being its ID). The flag says it came from the cache.
/// With `decide`, the application's ticket decrypt callback decides whether a ticket is used
/// (a ticket it ignores is skipped) and whether new tickets are issued: `*issue` is set to
/// its verdict (always true without the callback); without `decide`, the ticket is only
/// opened (to see whether it could be used).
pub(super) fn find_psk_session(
    config: &Config,
    identity: &[u8],
    now: u64,
    decide: bool,
    issue: &mut bool,
) -> Result<Option<(Arc<Session>, bool)>> {
    let sessions = &config.session;
    if !config.options.no_tickets {
        if !decide {
            return Ok(sessions
                .open_ticket(identity, now)?
                .map(|(s, _)| (Arc::new(s), false)));
        }
        return Ok(match sessions.use_ticket(identity, now, true)? {
            TicketOutcome::Resume { session, renew } => {
                *issue = renew;
                Some((session, false))
            }
            TicketOutcome::Full { issue: i, .. } => {
                *issue = i;
                None
            }
        });
    }
    let internal = sessions.cache_mode & crate::session::cache_mode::NO_INTERNAL_LOOKUP == 0;
    let found = internal
        .then(|| sessions.store.lookup(identity, now))
        .flatten()
        .or_else(|| {
            let cb = sessions.get_callback.as_ref()?;
            let s = cb(identity)?;
            SessionStats::bump(&sessions.store.stats.cb_hits);
            Some(s)
        });
    Ok(found.map(|found| (found, true)))
}

/// One of the sixteen GREASE codepoints (0x0A0A, 0x1A1A, ..., 0xFAFA), picked by `r`.
fn grease_value(r: u8) -> u16 {
    let high = (r & 0xf0) | 0x0a;
    u16::from_be_bytes([high, high])
}

/// Sends the configured number of NewSessionTickets after the client's Finished (RFC 8446
/// 4.6.1): stateless tickets sealing each session, or, with `SSL_OP_NO_TICKET`, session IDs
/// of sessions kept in the cache. The last session becomes the connection's.
pub(super) fn send_tickets(
    cx: &mut Common,
    suite: &'static SuiteInfo,
    resumption: &Secret,
) -> Result<()> {
    let config = cx.config.clone();
    let sessions = &config.session;
    let stateful = config.options.no_tickets;
    let can_store = sessions.server_caches()
        && sessions.cache_mode & crate::session::cache_mode::NO_INTERNAL_STORE == 0;
    let count = if !cx.client_accepts_tickets || stateful && !sessions.server_caches() {
        0
    } else if cx.info.session_reused {
        // As OpenSSL: a resumed client spent one ticket and gets one in its place.
        sessions.num_tickets.min(1)
    } else {
        sessions.num_tickets
    };
    let lifetime = sessions
        .timeout_secs
        .min(crate::session::MAX_TLS13_TICKET_LIFETIME);
    let now = crate::session::now_ms();
    let mut last = None;
    // As OpenSSL, which makes each ticket's session a copy of the one before (the resumed
    // one first): the application data of the session carries on into the next ticket unless
    // the application's generate callback changes it.
    let resumed = cx.info.session_reused.then(|| cx.session.clone()).flatten();
    let mut appdata = resumed
        .as_ref()
        .map(|s| s.ticket_appdata.clone())
        .unwrap_or_default();
    for n in 0..count {
        let nonce = u64::from(n).to_be_bytes().to_vec();
        let age_add = u32::from_be_bytes(random_bytes::<4>()?);
        let session = Session {
            id: random_bytes::<32>()?.to_vec(),
            sid_ctx: sessions.sid_ctx.clone(),
            created_ms: now,
            ticket_lifetime: lifetime,
            ticket_age_add: age_add,
            ticket_appdata: std::mem::take(&mut appdata),
            ..cx.info.new_session(
                ProtocolVersion::TLSV1_3,
                suite.suite,
                resumption_psk(suite.hash, resumption, &nonce),
                sessions.timeout_secs,
            )
        };
        // The session is the connection's while the application's generate callback runs.
        let session = Arc::new(session);
        cx.session = Some(session.clone());
        let session = sessions.before_ticket(session)?;
        appdata = session.ticket_appdata.clone();
        let ticket = if stateful {
            session.id.clone()
        } else {
            match sessions.seal_ticket(&session, now)? {
                Some(t) => t,
                None => break,
            }
        };
        cx.send_unhashed(&HandshakeMessage::NewSessionTicketTls13(
            NewSessionTicketTls13 {
                lifetime,
                age_add,
                nonce,
                ticket,
                // RFC 8701: a GREASE extension keeps clients honest about ignoring unknown ones.
                extensions: vec![
                    crate::msgs::extensions::NewSessionTicketExtension::Unknown {
                        typ: crate::msgs::enums::ExtensionType(grease_value(
                            random_bytes::<1>()?[0],
                        )),
                        data: Vec::new(),
                    },
                ],
            },
        ))?;
        if stateful {
            if can_store {
                sessions
                    .store
                    .add(session.clone(), now, auto_clear(&config));
            }
            cx.new_sessions.push(session.clone());
        }
        last = Some(session);
    }
    cx.session = if cx.info.session_reused {
        resumed
    } else {
        last
    };
    Ok(())
}

/// Whether adding to the cache also clears expired sessions (`SSL_SESS_CACHE_NO_AUTO_CLEAR`).
pub(crate) fn auto_clear(config: &Config) -> bool {
    config.session.cache_mode & crate::session::cache_mode::NO_AUTO_CLEAR == 0
}

#[cfg(test)]
mod grease_tests {
    #[test]
    fn ticket_grease_values_are_grease() {
        for r in 0..=255u8 {
            assert!(crate::msgs::enums::is_grease(super::grease_value(r)));
        }
    }
}
