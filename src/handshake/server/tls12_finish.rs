//! The end of the TLS 1.2 server's handshake, the same after a certificate suite's key
//! exchange, a PSK suite's ([`crate::handshake::psk12`]) and a resumption: the master secret
//! and keys, the client's ChangeCipherSpec and Finished, then our NewSessionTicket,
//! ChangeCipherSpec and Finished (RFC 5246 7.3, RFC 5077 3.3).

use crate::crypto::hash::Transcript;
use crate::crypto::secret::Secret;
use crate::crypto::tls12::{self, Tls12Keys};
use crate::error::{Error, Reason, Result};
use crate::handshake::common::connected12::Connected12;
use crate::handshake::common::flight::{emit_finished12, Flight};
use crate::handshake::common::Common;
use crate::handshake::{decode12, unexpected, verify_mac, State};
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::HandshakeType;
use crate::msgs::enums::{AlertDescription, ProtocolVersion};
use crate::msgs::handshake::{HandshakeMessage, NewSessionTicketTls12};
use crate::record::keys::{tls12_decrypter, tls12_encrypter};
use crate::session::Session;
use crate::suites::SuiteInfo;
use std::sync::Arc;

/// The TLS 1.2 server's handshake state shared by the states after ClientHello.
pub(in crate::handshake) struct Handshake12 {
    pub(in crate::handshake) suite: &'static SuiteInfo,
    pub(in crate::handshake) transcript: Transcript,
    pub(super) client_random: [u8; 32],
    pub(super) server_random: [u8; 32],
    /// What our ServerHello said (empty: not cacheable by ID).
    pub(super) session_id: Vec<u8>,
    /// A NewSessionTicket goes before our ChangeCipherSpec (RFC 5077 3.3, figure 1).
    pub(super) issue_ticket: bool,
    /// An abbreviated handshake (RFC 5246 7.3, RFC 5077 figure 2): our Finished went first.
    pub(super) resumed: bool,
    /// The master secret is the extended one (RFC 7627); only the opt-in allows otherwise.
    pub(super) extended_master_secret: bool,
}

/// Seals `session` into a NewSessionTicket (an empty ticket if the application's key callback
/// declines, as RFC 5077 3.3 allows once the ServerHello promised one). The session is the
/// connection's while the application's ticket generate callback runs; returns the session
/// the ticket carries (with the application data the callback added).
pub(super) fn emit_ticket(flight: &mut Flight<'_>, session: Arc<Session>) -> Result<Arc<Session>> {
    let config = flight.cx.config.clone();
    flight.cx.session = Some(session.clone());
    let session = config.session.before_ticket(session)?;
    flight.cx.session = Some(session.clone());
    let ticket = config
        .session
        .seal_ticket(&session, crate::session::now_ms())?
        .unwrap_or_default();
    flight.add(&HandshakeMessage::NewSessionTicketTls12(
        NewSessionTicketTls12 {
            lifetime_hint: if ticket.is_empty() {
                0
            } else {
                config.session.timeout_secs
            },
            ticket,
        },
    ))?;
    Ok(session)
}

/// The master secret (RFC 7627's extended one unless the client went without it under the
/// opt-in) and the key block, once the ClientKeyExchange is in the transcript.
pub(super) fn master_and_keys(
    hs: &Handshake12,
    cx: &mut Common,
    pre_master_secret: Secret,
) -> Result<(Secret, Tls12Keys)> {
    let suite = hs.suite;
    let master = crate::handshake::common::master_secret12(
        cx,
        suite.hash,
        &hs.transcript,
        hs.extended_master_secret,
        pre_master_secret,
        &hs.client_random,
        &hs.server_random,
    )?;
    let keys = tls12::key_block(
        suite.hash,
        suite.aead,
        &master,
        &hs.client_random,
        &hs.server_random,
    )?;
    Ok((master, keys))
}

/// After a PSK suite's ClientKeyExchange (already in the transcript): the client's
/// ChangeCipherSpec comes next.
pub(in crate::handshake) fn key_exchange_done(
    mut hs: Handshake12,
    cx: &mut Common,
    pre_master_secret: Secret,
) -> Result<Box<dyn State>> {
    let (master, keys) = master_and_keys(&hs, cx, pre_master_secret)?;
    hs.transcript.drop_buffer();
    Ok(Box::new(ExpectChangeCipherSpec { hs, master, keys }))
}

pub(super) struct ExpectChangeCipherSpec {
    pub(super) hs: Handshake12,
    pub(super) master: Secret,
    pub(super) keys: Tls12Keys,
}

impl State for ExpectChangeCipherSpec {
    fn name(&self) -> &'static str {
        "TLS server read change cipher spec"
    }

    fn handle(self: Box<Self>, _cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        Err(unexpected(self.name(), msg.typ))
    }

    fn handle_change_cipher_spec(self: Box<Self>, cx: &mut Common) -> Result<Box<dyn State>> {
        cx.record
            .set_reader(tls12_decrypter(self.hs.suite, &self.keys, true)?);
        Ok(Box::new(ExpectFinished {
            hs: self.hs,
            master: self.master,
            keys: self.keys,
        }))
    }
}

struct ExpectFinished {
    hs: Handshake12,
    master: Secret,
    keys: Tls12Keys,
}

impl State for ExpectFinished {
    fn name(&self) -> &'static str {
        "TLS server read client finished"
    }

    fn handle(self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        crate::handshake::expect_types(self.name(), msg, &[HandshakeType::FINISHED])?;
        let HandshakeMessage::Finished(fin) = decode12(msg)? else {
            return Err(unexpected(self.name(), msg.typ));
        };
        crate::handshake::check_flight_end(msg)?;
        let mut hs = self.hs;
        let suite = hs.suite;
        let expected = tls12::finished_verify_data(
            suite.hash,
            &self.master,
            true,
            &hs.transcript.current_hash(),
        )?;
        crate::handshake::check_finished_len(&fin.verify_data, expected.len())?;
        if !verify_mac(&expected, &fin.verify_data) {
            return Err(Error::protocol(
                AlertDescription::DECRYPT_ERROR,
                Reason::DIGEST_CHECK_FAILED,
                "the client's Finished does not match the handshake transcript",
            ));
        }
        cx.info.peer_finished = fin.verify_data.clone();
        hs.transcript.add(&msg.encoded);
        if hs.resumed {
            cx.handshake_complete = true;
            return Ok(Connected12::after(cx, suite, self.master));
        }
        let config = cx.config.clone();
        let mut session = Arc::new(Session {
            id: hs.session_id.clone(),
            sid_ctx: config.session.sid_ctx.clone(),
            extended_master_secret: hs.extended_master_secret,
            ..cx.info.new_session(
                ProtocolVersion::TLSV1_2,
                suite.suite,
                self.master.clone(),
                config.session.timeout_secs,
            )
        });
        if hs.issue_ticket {
            session = emit_ticket(&mut Flight::new(cx, &mut hs.transcript), session)?;
        }
        if session.id.is_empty() {
            cx.session = Some(session);
        } else {
            let session = cx.adopt_session(session);
            let sessions = &config.session;
            if sessions.cache_mode & crate::session::cache_mode::NO_INTERNAL_STORE == 0 {
                sessions.store.add(
                    session,
                    crate::session::now_ms(),
                    super::tls13_psk::auto_clear(&config),
                );
            }
        }
        cx.send_ccs()?;
        cx.record
            .set_writer(tls12_encrypter(suite, &self.keys, false)?);
        emit_finished12(
            &mut Flight::new(cx, &mut hs.transcript),
            suite.hash,
            &self.master,
        )?;
        cx.handshake_complete = true;
        Ok(Connected12::after(cx, suite, self.master))
    }
}
