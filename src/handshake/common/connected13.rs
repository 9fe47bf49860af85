//! The state both roles share once a TLS 1.3 handshake is complete: tickets (RFC 8446 4.6.1),
//! key updates (4.6.3) and post-handshake client authentication (4.6.2, `handshake::pha`).

use crate::crypto::key_schedule::resumption_psk;
use crate::crypto::secret::Secret;
use crate::error::{Error, Result};
use crate::handshake::common::client_cert13::{emit_client_certificate, CertRequest};
use crate::handshake::common::flight::Flight;
use crate::handshake::common::Common;
use crate::handshake::{decode13, unexpected, State};
use crate::msgs::deframer::JoinedMessage;
use crate::msgs::enums::{HandshakeType, ProtocolVersion};
use crate::msgs::handshake::{HandshakeMessage, KeyUpdateRequest};
use crate::record::keys::{tls13_decrypter, tls13_encrypter};
use crate::session::Session;
use crate::suites::SuiteInfo;

/// After the handshake, in either role: NewSessionTicket (to a client) and KeyUpdate.
pub(crate) struct Connected13 {
    pub suite: &'static SuiteInfo,
    pub our_secret: Secret,
    pub peer_secret: Secret,
    /// Turns a client's tickets into sessions (RFC 8446 4.6.1).
    pub resumption_master: Option<Secret>,
    /// The handshake transcript up to the client's Finished, the context of post-handshake
    /// authentication (RFC 8446 4.4); kept only when the client offered it. Boxed, as `pha`:
    /// rarely there, they would take 300 bytes in every idle connection inline.
    pub handshake_transcript: Option<Box<crate::crypto::hash::Transcript>>,
    /// A server's post-handshake CertificateRequest waiting for the client's answer.
    pub pha: Option<Box<crate::handshake::pha::PendingRequest>>,
}

impl Connected13 {
    /// A client's session for one NewSessionTicket.
    fn session_from_ticket(
        &self,
        cx: &Common,
        nst: &crate::msgs::handshake::NewSessionTicketTls13,
    ) -> Option<Session> {
        let master = self.resumption_master.as_ref()?;
        // RFC 8446 4.6.1: a lifetime of zero means the ticket must not be used; no ticket
        // lives longer than seven days.
        if nst.lifetime == 0 {
            return None;
        }
        // A ticket too long to send back in a ClientHello is useless (`limits::MAX_TICKET_LEN`).
        if nst.ticket.len() > crate::limits::MAX_TICKET_LEN {
            return None;
        }
        let lifetime = nst.lifetime.min(crate::session::MAX_TLS13_TICKET_LIFETIME);
        let hash = self.suite.hash;
        let digest = crate::crypto::hash::HashAlg::Sha256.hash(&nst.ticket);
        Some(Session {
            id: digest[..crate::session::MAX_SESSION_ID_LEN].to_vec(),
            ticket: nst.ticket.clone(),
            ticket_lifetime: lifetime,
            ticket_age_add: nst.age_add,
            max_early_data: nst.max_early_data_size().unwrap_or(0),
            ..cx.info.new_session(
                ProtocolVersion::TLSV1_3,
                self.suite.suite,
                resumption_psk(hash, master, &nst.nonce),
                lifetime,
            )
        })
    }
}

impl State for Connected13 {
    fn name(&self) -> &'static str {
        "SSL negotiation finished successfully"
    }

    fn handle(mut self: Box<Self>, cx: &mut Common, msg: &JoinedMessage) -> Result<Box<dyn State>> {
        use crate::crypto::key_schedule::next_traffic_secret;
        let accepted: &[HandshakeType] = match cx.role {
            // A CertificateRequest only if we offered post-handshake authentication
            // (RFC 8446 4.6.2); otherwise it is unexpected_message.
            crate::role::Role::Client if self.handshake_transcript.is_some() => &[
                HandshakeType::NEW_SESSION_TICKET,
                HandshakeType::KEY_UPDATE,
                HandshakeType::CERTIFICATE_REQUEST,
            ],
            crate::role::Role::Client => {
                &[HandshakeType::NEW_SESSION_TICKET, HandshakeType::KEY_UPDATE]
            }
            crate::role::Role::Server if self.pha.is_some() => &[
                HandshakeType::KEY_UPDATE,
                HandshakeType::CERTIFICATE,
                HandshakeType::CERTIFICATE_VERIFY,
                HandshakeType::FINISHED,
            ],
            crate::role::Role::Server => &[HandshakeType::KEY_UPDATE],
        };
        crate::handshake::expect_types(self.name(), msg, accepted)?;
        if cx.role == crate::role::Role::Server
            && msg.typ != HandshakeType::KEY_UPDATE
            && self.pha.is_some()
        {
            let pending = self.pha.take().unwrap_or_else(|| unreachable!());
            self.pha = crate::handshake::pha::server_answer(
                cx,
                self.suite,
                &self.peer_secret,
                *pending,
                msg,
            )?
            .map(Box::new);
            return Ok(self);
        }
        match decode13(msg)? {
            HandshakeMessage::CertificateRequestTls13(req)
                if cx.role == crate::role::Role::Client =>
            {
                let request = CertRequest::from_message_post_handshake(req)?;
                let transcript = self
                    .handshake_transcript
                    .as_deref()
                    .ok_or_else(|| Error::internal("no handshake transcript"))?;
                let mut t = transcript.clone();
                t.add(&msg.encoded);
                let mut flight = Flight::new(cx, &mut t);
                emit_client_certificate(&mut flight, request)?;
                crate::handshake::pha::emit_finished(&mut flight, self.suite, &self.our_secret)?;
                Ok(self)
            }
            HandshakeMessage::NewSessionTicketTls13(nst)
                if cx.role == crate::role::Role::Client =>
            {
                // A peer may send any number of tickets; keeping each would let it fill our
                // memory (and the application's cache), so only the first few become sessions.
                // The others are still decoded and checked, then dropped.
                cx.info.tickets_received += 1;
                let keep = cx.info.tickets_received <= crate::limits::MAX_TICKETS_KEPT as u64;
                if let Some(session) = self.session_from_ticket(cx, &nst).filter(|_| keep) {
                    cx.set_session(session);
                }
                Ok(self)
            }
            HandshakeMessage::KeyUpdate(ku) => {
                cx.info.key_updates_received += 1;
                self.peer_secret = next_traffic_secret(self.suite.hash, &self.peer_secret);
                cx.record
                    .set_reader(tls13_decrypter(self.suite, &self.peer_secret)?);
                // RFC 8446 4.6.3: a peer that has stayed silent since its last update answers
                // any number of requests with that single update.
                let silent_since_our_update = cx.info.key_updates_sent > 0
                    && cx.record.writer_mut().is_some_and(|w| w.seq() == 0);
                if ku == KeyUpdateRequest::UpdateRequested
                    && !cx.sent_close_notify
                    && !silent_since_our_update
                {
                    cx.send_unhashed(&HandshakeMessage::KeyUpdate(
                        KeyUpdateRequest::UpdateNotRequested,
                    ))?;
                    cx.info.key_updates_sent += 1;
                    self.our_secret = next_traffic_secret(self.suite.hash, &self.our_secret);
                    cx.record
                        .set_writer(tls13_encrypter(self.suite, &self.our_secret)?);
                }
                Ok(self)
            }
            _ => Err(unexpected(self.name(), msg.typ)),
        }
    }

    fn request_client_certificate(&mut self, cx: &mut Common) -> Result<()> {
        let request = crate::handshake::pha::send_request(
            cx,
            self.handshake_transcript.as_deref(),
            self.pha.as_deref(),
        )?;
        self.pha = Some(Box::new(request));
        Ok(())
    }

    fn send_key_update(&mut self, cx: &mut Common, request_peer: bool) -> Result<()> {
        let request = if request_peer {
            KeyUpdateRequest::UpdateRequested
        } else {
            KeyUpdateRequest::UpdateNotRequested
        };
        cx.send_unhashed(&HandshakeMessage::KeyUpdate(request))?;
        cx.info.key_updates_sent += 1;
        self.our_secret =
            crate::crypto::key_schedule::next_traffic_secret(self.suite.hash, &self.our_secret);
        cx.record
            .set_writer(tls13_encrypter(self.suite, &self.our_secret)?);
        Ok(())
    }
}
