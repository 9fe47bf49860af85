//! Sessions and resumption: the session value and its encoding, ticket sealing with rotating
//! keys, and the server-side session cache.
//!
//! A [`Session`] is what a later connection needs to skip the full handshake: the TLS 1.2
//! master secret or the TLS 1.3 resumption PSK, the suite, and what the first connection
//! learned about the peer. Clients keep sessions (`SSL_get1_session`); servers either seal them
//! into tickets (RFC 5077, RFC 8446 4.6.1) or keep them in a [`cache::SessionCache`] keyed by
//! session ID.

pub mod cache;
pub mod ticket;
pub mod ticket_app;

use crate::codec::{Reader, Writer};
use crate::crypto::secret::{Secret, Zeroizing};
use crate::error::{Error, Reason, Result};
use crate::limits::MAX_CHAIN_CERTS;
use crate::msgs::enums::{CipherSuite, NamedGroup, ProtocolVersion};
use crate::suites;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

pub use cache::{SessionCache, SessionStats, SessionStore};
pub use ticket::{TicketKey, TicketKeyCallback, TicketKeyLookup, TicketKeys, DEFAULT_TIMEOUT_SECS};
pub use ticket_app::{
    TicketAppCallbacks, TicketDecision, TicketDecrypt, TicketGenerate, TicketOutcome, TicketStatus,
};

/// `SSL_SESS_CACHE_*`, with OpenSSL's values.
pub mod cache_mode {
    pub const OFF: u32 = 0x0000;
    pub const CLIENT: u32 = 0x0001;
    pub const SERVER: u32 = 0x0002;
    pub const BOTH: u32 = CLIENT | SERVER;
    pub const NO_AUTO_CLEAR: u32 = 0x0080;
    pub const NO_INTERNAL_LOOKUP: u32 = 0x0100;
    pub const NO_INTERNAL_STORE: u32 = 0x0200;
    pub const NO_INTERNAL: u32 = NO_INTERNAL_LOOKUP | NO_INTERNAL_STORE;
}

/// RFC 8446 4.6.1: a TLS 1.3 ticket lives at most seven days.
pub const MAX_TLS13_TICKET_LIFETIME: u32 = 604_800;
/// The longest session ID (RFC 5246 7.4.1.2) and session ID context (OpenSSL).
pub const MAX_SESSION_ID_LEN: usize = 32;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// A peer's certificate chain, leaf first (DER), shared between a connection and its sessions.
pub type PeerChain = Arc<Vec<Vec<u8>>>;

/// One resumable session.
#[derive(Clone, Debug)]
pub struct Session {
    pub version: ProtocolVersion,
    pub suite: CipherSuite,
    /// TLS 1.2: the (extended) master secret. TLS 1.3: the resumption PSK of one ticket.
    pub secret: Secret,
    /// The session ID (TLS 1.2 session-ID resumption, and `SSL_SESSION_get_id`).
    pub id: Vec<u8>,
    /// The server's session ID context: a session resumes only where the context matches.
    pub sid_ctx: Vec<u8>,
    /// The SNI of the connection that made the session; a ticket resumes only for the same name.
    pub server_name: Option<String>,
    /// The peer's certificate chain (leaf first, DER) as verified by the first connection.
    /// Shared: every ticket of a connection, and the connection itself, hold the same chain.
    pub peer_chain: PeerChain,
    /// The `X509_V_*` verdict on that chain.
    pub verify_result: i64,
    /// When the session was made (server) or its ticket received (client), Unix milliseconds.
    pub created_ms: u64,
    /// How long the session may be resumed, seconds.
    pub timeout_secs: u32,
    /// Client side: the ticket to present (TLS 1.2 SessionTicket, TLS 1.3 PSK identity).
    pub ticket: Vec<u8>,
    /// TLS 1.2 ticket_lifetime_hint or TLS 1.3 ticket_lifetime, seconds.
    pub ticket_lifetime: u32,
    /// TLS 1.3 ticket_age_add (RFC 8446 4.6.1).
    pub ticket_age_add: u32,
    /// TLS 1.3: the early_data limit the ticket carried (0: none; libtls sends no early data).
    pub max_early_data: u32,
    /// The key exchange group of the full handshake that made the session, reported again
    /// when a TLS 1.2 session resumes (no new key exchange happens), as OpenSSL does.
    pub group: Option<NamedGroup>,
    /// TLS 1.2: the master secret is the extended one (RFC 7627). Only with the
    /// `SSL_CTX_set_allow_no_ems` opt-in can it be false; RFC 7627 5.3 decides resumption by
    /// it. Always true for TLS 1.3.
    pub extended_master_secret: bool,
    /// The application's data carried inside the session's tickets
    /// (`SSL_SESSION_set1_ticket_appdata`); empty: none. At most [`MAX_TICKET_APPDATA_LEN`].
    pub ticket_appdata: Vec<u8>,
}

/// Magic and version of the encoding used by `i2d_SSL_SESSION` and inside tickets.
const MAGIC: &[u8; 8] = b"libtlsSS";
/// Format 3 added the extended-master-secret flag; format 2 sessions (which libtls made only
/// with the extended master secret) still load. Format 4 added the ticket application data;
/// format 3 sessions load with none.
const FORMAT_VERSION: u16 = 4;
const FORMAT_VERSION_BEFORE_APPDATA: u16 = 3;
const FORMAT_VERSION_BEFORE_EMS_FLAG: u16 = 2;
/// The most ticket application data a session carries, set or decoded (it travels inside
/// every ticket, which must stay under [`crate::limits::MAX_TICKET_LEN`]; OpenSSL's users
/// store a few dozen bytes).
pub const MAX_TICKET_APPDATA_LEN: usize = 8192;
/// Upper bound on a decoded server name, whatever the input says. (A decoded peer chain is
/// bounded by [`MAX_CHAIN_CERTS`], the limit the handshake applies, so every session a
/// connection makes decodes again.)
const MAX_SERVER_NAME_LEN: usize = 255;

impl Session {
    /// A session of `version` and `suite` around `secret`, made now and resumable for
    /// `timeout_secs`; nothing else known yet: no session ID or context, no ticket, no server
    /// name, no peer chain (verified `X509_V_OK`), no group, no application data, and an
    /// extended master secret (TLS 1.2; always so in TLS 1.3). The one place a session is
    /// made: callers set what they know with struct update syntax
    /// (`Session { id, ..Session::new(..) }`).
    pub fn new(
        version: ProtocolVersion,
        suite: CipherSuite,
        secret: Secret,
        timeout_secs: u32,
    ) -> Session {
        Session {
            version,
            suite,
            secret,
            id: Vec::new(),
            sid_ctx: Vec::new(),
            server_name: None,
            peer_chain: PeerChain::default(),
            verify_result: crate::verify::x509_v::OK,
            created_ms: now_ms(),
            timeout_secs,
            ticket: Vec::new(),
            ticket_lifetime: 0,
            ticket_age_add: 0,
            max_early_data: 0,
            group: None,
            extended_master_secret: true,
            ticket_appdata: Vec::new(),
        }
    }

    pub fn is_tls13(&self) -> bool {
        self.version == ProtocolVersion::TLSV1_3
    }

    /// When the session stops being resumable, Unix milliseconds. A TLS 1.3 ticket's lifetime
    /// bounds it too.
    pub fn expires_ms(&self) -> u64 {
        let mut secs = u64::from(self.timeout_secs);
        if self.is_tls13() && !self.ticket.is_empty() {
            secs = secs.min(u64::from(self.ticket_lifetime));
        }
        self.created_ms.saturating_add(secs * 1000)
    }

    pub fn is_expired(&self, now_ms: u64) -> bool {
        now_ms >= self.expires_ms()
    }

    /// Whether a client could offer this session: it has a ticket or a session ID and has not
    /// expired.
    pub fn is_resumable(&self, now_ms: u64) -> bool {
        (!self.ticket.is_empty() || !self.id.is_empty()) && !self.is_expired(now_ms)
    }

    /// The encoding of `i2d_SSL_SESSION`: magic, format version, then every field in a fixed
    /// order with explicit lengths. It holds the secret, so it is wiped when dropped.
    /// Fails only if a field is too long for its length prefix (a peer chain over 16 MiB).
    pub fn encode(&self) -> Result<Zeroizing<Vec<u8>>> {
        self.encode_with(true)
    }

    /// What a ticket seals: the session state without the ticket itself (wiped when dropped).
    pub fn encode_state(&self) -> Result<Zeroizing<Vec<u8>>> {
        self.encode_with(false)
    }

    /// How long [`Session::encode_with`]'s output is.
    fn encoded_len(&self, with_ticket: bool) -> usize {
        let name_len = self.server_name.as_ref().map_or(0, String::len);
        let chain_len: usize = self.peer_chain.iter().map(|c| 3 + c.len()).sum();
        let ticket_len = if with_ticket { self.ticket.len() } else { 0 };
        MAGIC.len()
            + 2 * 3
            + (1 + self.secret.len())
            + (1 + self.id.len())
            + (1 + self.sid_ctx.len())
            + (1 + name_len)
            + (3 + chain_len)
            + 8
            + 8
            + 4
            + (2 + ticket_len)
            + 4 * 3
            + 2
            + 1
            + (2 + self.ticket_appdata.len())
    }

    fn encode_with(&self, with_ticket: bool) -> Result<Zeroizing<Vec<u8>>> {
        // One allocation of the final size: growing the buffer would leave copies of the
        // secret in freed memory.
        let mut w = Writer::with_capacity(self.encoded_len(with_ticket));
        w.bytes(MAGIC);
        w.u16(FORMAT_VERSION);
        w.u16(self.version.0);
        w.u16(self.suite.0);
        w.vec_u8(&self.secret);
        w.vec_u8(&self.id);
        w.vec_u8(&self.sid_ctx);
        w.vec_u8(self.server_name.as_deref().unwrap_or("").as_bytes());
        w.nested_u24(|w| {
            for cert in self.peer_chain.iter() {
                w.vec_u24(cert);
            }
        });
        w.u64(self.verify_result as u64);
        w.u64(self.created_ms);
        w.u32(self.timeout_secs);
        w.vec_u16(if with_ticket { &self.ticket } else { &[] });
        w.u32(self.ticket_lifetime);
        w.u32(self.ticket_age_add);
        w.u32(self.max_early_data);
        w.u16(self.group.map_or(0, |g| g.0));
        w.u8(u8::from(self.extended_master_secret));
        w.vec_u16(&self.ticket_appdata);
        // Take the bytes into the wiping wrapper before looking at the outcome, so that a
        // failed encoding is wiped too.
        let overflow = w.error().cloned();
        let encoded = Zeroizing::new(std::mem::take(&mut w.buf));
        if let Some(e) = overflow {
            return Err(e.into());
        }
        debug_assert_eq!(encoded.len(), self.encoded_len(with_ticket));
        Ok(encoded)
    }

    /// Decodes [`Session::encode`]'s output. Anything else, truncated or trailing data included,
    /// is an error.
    pub fn decode(bytes: &[u8]) -> Result<Session> {
        let (s, used) = Self::decode_prefix(bytes)?;
        if used != bytes.len() {
            return Err(Error::local(
                Reason::BAD_DATA,
                "not a libtls session: trailing bytes",
            ));
        }
        Ok(s)
    }

    /// Decodes one encoded session at the start of `bytes`; returns it and its length.
    pub fn decode_prefix(bytes: &[u8]) -> Result<(Session, usize)> {
        let bad =
            |what: &str| Error::local(Reason::BAD_DATA, format!("not a libtls session: {what}"));
        let mut r = Reader::new(bytes);
        let magic: [u8; 8] = r.array("session magic").map_err(|_| bad("too short"))?;
        if &magic != MAGIC {
            return Err(bad("wrong magic"));
        }
        let format = r.u16("format").map_err(|_| bad("too short"))?;
        if !(FORMAT_VERSION_BEFORE_EMS_FLAG..=FORMAT_VERSION).contains(&format) {
            return Err(bad(&format!("unknown format version {format}")));
        }
        let mut s = Self::decode_fields(&mut r).map_err(|e| bad(&e.to_string()))?;
        if format > FORMAT_VERSION_BEFORE_EMS_FLAG {
            s.extended_master_secret = match r.u8("extended master secret") {
                Ok(0) => false,
                Ok(1) => true,
                _ => return Err(bad("extended master secret flag")),
            };
        }
        if format > FORMAT_VERSION_BEFORE_APPDATA {
            // Bounded before it is copied: a ticket's plaintext comes back from the peer (it
            // decrypted under our key, but the bound holds whatever the input says).
            let data = r
                .vec_u16("ticket application data")
                .map_err(|_| bad("too short"))?;
            if data.len() > MAX_TICKET_APPDATA_LEN {
                return Err(bad("ticket application data too long"));
            }
            s.ticket_appdata = data.to_vec();
        }
        s.check().map_err(|why| bad(&why))?;
        Ok((s, r.position()))
    }

    fn decode_fields(r: &mut Reader) -> std::result::Result<Session, crate::codec::DecodeError> {
        let version = ProtocolVersion(r.u16("version")?);
        let suite = CipherSuite(r.u16("suite")?);
        let secret = Secret::from_slice(r.vec_u8("secret")?);
        let id = r.vec_u8("session id")?.to_vec();
        let sid_ctx = r.vec_u8("session id context")?.to_vec();
        let name = r.vec_u8("server name")?;
        let server_name = if name.is_empty() {
            None
        } else {
            Some(
                std::str::from_utf8(name)
                    .map_err(|_| crate::codec::DecodeError::new("server name"))?
                    .to_string(),
            )
        };
        let mut chain_reader = r.sub_u24("peer chain")?;
        let mut peer_chain = Vec::new();
        while !chain_reader.is_empty() {
            if peer_chain.len() == MAX_CHAIN_CERTS {
                return Err(crate::codec::DecodeError::new("peer chain length"));
            }
            peer_chain.push(chain_reader.vec_u24("certificate")?.to_vec());
        }
        let verify_result = r.u64("verify result")? as i64;
        let created_ms = r.u64("creation time")?;
        let timeout_secs = r.u32("timeout")?;
        let ticket = r.vec_u16("ticket")?.to_vec();
        let ticket_lifetime = r.u32("ticket lifetime")?;
        let ticket_age_add = r.u32("ticket age add")?;
        let max_early_data = r.u32("max early data")?;
        let group = Some(NamedGroup(r.u16("group")?)).filter(|g| g.0 != 0);
        Ok(Session {
            version,
            suite,
            secret,
            id,
            sid_ctx,
            server_name,
            peer_chain: Arc::new(peer_chain),
            verify_result,
            created_ms,
            timeout_secs,
            ticket,
            ticket_lifetime,
            ticket_age_add,
            max_early_data,
            group,
            extended_master_secret: true,
            ticket_appdata: Vec::new(),
        })
    }

    /// The structural checks a decoded session must pass before any handshake uses it.
    fn check(&self) -> std::result::Result<(), String> {
        let info = suites::lookup(self.suite)
            .ok_or_else(|| format!("unknown cipher suite {}", self.suite))?;
        if info.version != self.version {
            return Err(format!("{} is not a {} suite", self.suite, self.version));
        }
        let secret_len = match self.version {
            ProtocolVersion::TLSV1_2 => 48,
            ProtocolVersion::TLSV1_3 => info.hash.output_len(),
            v => return Err(format!("unsupported version {v}")),
        };
        if self.secret.len() != secret_len {
            return Err(format!("secret of {} bytes", self.secret.len()));
        }
        if self.id.len() > MAX_SESSION_ID_LEN || self.sid_ctx.len() > MAX_SESSION_ID_LEN {
            return Err("session ID or context longer than 32 bytes".into());
        }
        if self
            .server_name
            .as_ref()
            .is_some_and(|n| n.len() > MAX_SERVER_NAME_LEN)
        {
            return Err("server name too long".into());
        }
        if self.ticket_appdata.len() > MAX_TICKET_APPDATA_LEN {
            return Err("ticket application data too long".into());
        }
        Ok(())
    }
}

/// Called with each session a connection establishes (`SSL_CTX_sess_set_new_cb`).
pub type NewSessionCallback = Arc<dyn Fn(&Arc<Session>) + Send + Sync>;
/// Asked for a session ID the internal cache does not hold (`SSL_CTX_sess_set_get_cb`).
pub type GetSessionCallback = Arc<dyn Fn(&[u8]) -> Option<Arc<Session>> + Send + Sync>;
/// Told of each session leaving the cache (`SSL_CTX_sess_set_remove_cb`).
pub type RemoveSessionCallback = Arc<dyn Fn(&Arc<Session>) + Send + Sync>;

/// What an application that seals and opens tickets itself answers when opening one
/// ([`TicketCrypto`]).
pub enum TicketOpened {
    /// The ticket's plaintext (the encoded session state); `renew` asks for a fresh ticket.
    Plain { state: Secret, renew: bool },
    /// Not a ticket the application can open (unknown key, bad MAC, garbage): a full
    /// handshake follows.
    Unknown,
    /// The application's callback failed: the handshake fails.
    Failed(Error),
}

/// Seals the encoded session state into a ticket; `Ok(None)` issues no ticket.
pub type TicketSeal = Arc<dyn Fn(&[u8]) -> Result<Option<Vec<u8>>> + Send + Sync>;
/// Opens a ticket into the encoded session state.
pub type TicketOpen = Arc<dyn Fn(&[u8]) -> TicketOpened + Send + Sync>;

/// Ticket cryptography done by the application (OpenSSL's `SSL_CTX_set_tlsext_ticket_key_cb`,
/// whose callback sets up the cipher and MAC): replaces libtls's own sealing and key ring.
#[derive(Clone)]
pub struct TicketCrypto {
    pub seal: TicketSeal,
    pub open: TicketOpen,
}

/// What a context configures about sessions; part of [`crate::config::Config`].
#[derive(Clone)]
pub struct SessionConfig {
    /// Shared by every connection of the context: ticket keys, cache, statistics.
    pub store: Arc<SessionStore>,
    /// `SSL_SESS_CACHE_*`.
    pub cache_mode: u32,
    /// Lifetime of new sessions and tickets, seconds (`SSL_CTX_set_timeout`).
    pub timeout_secs: u32,
    /// TLS 1.3 tickets sent after each handshake (`SSL_CTX_set_num_tickets`).
    pub num_tickets: u32,
    /// `SSL_CTX_set_session_id_context`.
    pub sid_ctx: Vec<u8>,
    /// A server accepts each TLS 1.3 ticket once (anti-replay list kept until expiry).
    pub single_use_tickets: bool,
    pub new_callback: Option<NewSessionCallback>,
    pub get_callback: Option<GetSessionCallback>,
    /// Application-managed ticket keys; replaces the store's keys when set.
    pub ticket_key_callback: Option<TicketKeyCallback>,
    /// Application-made tickets; replaces libtls's sealing (and the two above) when set.
    pub ticket_crypto: Option<TicketCrypto>,
    /// The application's ticket generate and decrypt callbacks (`SSL_CTX_set_session_ticket_cb`).
    pub ticket_app: TicketAppCallbacks,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            store: Arc::new(SessionStore::default()),
            cache_mode: cache_mode::SERVER,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            num_tickets: 2,
            sid_ctx: Vec::new(),
            single_use_tickets: false,
            new_callback: None,
            get_callback: None,
            ticket_key_callback: None,
            ticket_crypto: None,
            ticket_app: TicketAppCallbacks::default(),
        }
    }
}

impl SessionConfig {
    /// Seals `session` into a ticket with the current key; `None` when an application key
    /// callback declines to issue one, or when the ticket would be longer than
    /// [`crate::limits::MAX_TICKET_LEN`] (a client sent a huge certificate chain): no ticket
    /// is better than one no client can present.
    pub fn seal_ticket(&self, session: &Session, now_ms: u64) -> Result<Option<Vec<u8>>> {
        let Ok(state) = session.encode_state() else {
            return Ok(None);
        };
        if state.len() > crate::limits::MAX_TICKET_LEN {
            return Ok(None);
        }
        if let Some(crypto) = &self.ticket_crypto {
            let sealed = (crypto.seal)(&state)?;
            return Ok(sealed.filter(|t| !t.is_empty() && t.len() <= crate::limits::MAX_TICKET_LEN));
        }
        let key = match &self.ticket_key_callback {
            Some(cb) => match cb(None) {
                TicketKeyLookup::Found(key) | TicketKeyLookup::FoundRenew(key) => key,
                TicketKeyLookup::Unknown => return Ok(None),
            },
            None => self.store.ticket_keys.encrypting_key(now_ms / 1000)?,
        };
        let sealed = ticket::seal(&key, &state)?;
        Ok(Some(sealed).filter(|t| t.len() <= crate::limits::MAX_TICKET_LEN))
    }

    /// Opens a ticket. `None` for anything unusable (unknown key, bad tag, garbage), which
    /// means a full handshake; otherwise the session and whether the ticket should be replaced
    /// by one under the current key. An error only when an application's ticket callback
    /// failed (the handshake then fails).
    pub fn open_ticket(&self, sealed: &[u8], now_ms: u64) -> Result<Option<(Session, bool)>> {
        if let Some(crypto) = &self.ticket_crypto {
            return match (crypto.open)(sealed) {
                TicketOpened::Plain { state, renew } => {
                    Ok(Session::decode(&state).ok().map(|s| (s, renew)))
                }
                TicketOpened::Unknown => Ok(None),
                TicketOpened::Failed(e) => Err(e),
            };
        }
        Ok(self.open_own_ticket(sealed, now_ms))
    }

    fn open_own_ticket(&self, sealed: &[u8], now_ms: u64) -> Option<(Session, bool)> {
        let name = ticket::key_name(sealed)?;
        let (key, renew) = match &self.ticket_key_callback {
            Some(cb) => match cb(Some(&name)) {
                TicketKeyLookup::Found(key) => (key, false),
                TicketKeyLookup::FoundRenew(key) => (key, true),
                TicketKeyLookup::Unknown => return None,
            },
            None => self
                .store
                .ticket_keys
                .decrypting_key(&name, now_ms / 1000)?,
        };
        let plain = ticket::open(&key, sealed)?;
        let session = Session::decode(&plain).ok()?;
        Some((session, renew))
    }

    /// Whether a server must refuse `session` as too old: past its own lifetime, or past the
    /// timeout this context now configures (an operator shortening it means it).
    pub fn expired_for_server(&self, session: &Session, now_ms: u64) -> bool {
        let limit = session
            .created_ms
            .saturating_add(u64::from(self.timeout_secs) * 1000);
        session.is_expired(now_ms) || now_ms >= limit
    }

    pub fn server_caches(&self) -> bool {
        self.cache_mode & cache_mode::SERVER != 0
    }

    pub fn client_caches(&self) -> bool {
        self.cache_mode & cache_mode::CLIENT != 0
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample(version: ProtocolVersion) -> Session {
        let (suite, secret_len) = if version == ProtocolVersion::TLSV1_3 {
            (CipherSuite::TLS13_AES_128_GCM_SHA256, 32)
        } else {
            (CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 48)
        };
        Session {
            version,
            suite,
            secret: Secret::new(vec![7; secret_len]),
            id: vec![1; 32],
            sid_ctx: b"ctx".to_vec(),
            server_name: Some("localhost".into()),
            peer_chain: Arc::new(vec![vec![0x30, 1, 2], vec![0x30, 3]]),
            verify_result: 0,
            created_ms: 1_700_000_000_000,
            timeout_secs: 300,
            ticket: vec![9; 40],
            ticket_lifetime: 600,
            ticket_age_add: 0xdead_beef,
            max_early_data: 0,
            group: None,
            extended_master_secret: true,
            ticket_appdata: Vec::new(),
        }
    }

    #[test]
    fn encoding_round_trips() {
        for v in [ProtocolVersion::TLSV1_2, ProtocolVersion::TLSV1_3] {
            let s = sample(v);
            let d = Session::decode(&s.encode().unwrap()).unwrap();
            assert_eq!(d.encode().unwrap(), s.encode().unwrap());
            assert_eq!(&d.secret[..], &s.secret[..]);
            assert_eq!(d.server_name.as_deref(), Some("localhost"));
            let state = Session::decode(&s.encode_state().unwrap()).unwrap();
            assert!(state.ticket.is_empty());
        }
    }

    #[test]
    fn garbage_and_truncation_are_errors() {
        let good = sample(ProtocolVersion::TLSV1_2).encode().unwrap();
        for n in 0..good.len() {
            assert!(Session::decode(&good[..n]).is_err(), "prefix {n}");
        }
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(Session::decode(&trailing).is_err());
        let mut other_version = good.clone();
        other_version[9] = 9;
        assert!(Session::decode(&other_version).is_err());
        assert!(Session::decode(b"hello world, not a session").is_err());
        // A TLS 1.2 session claiming a TLS 1.3 suite.
        let mut s = sample(ProtocolVersion::TLSV1_2);
        s.suite = CipherSuite::TLS13_AES_128_GCM_SHA256;
        assert!(Session::decode(&s.encode().unwrap()).is_err());
        // A master secret of the wrong size.
        let mut s = sample(ProtocolVersion::TLSV1_2);
        s.secret = Secret::new(vec![1; 47]);
        assert!(Session::decode(&s.encode().unwrap()).is_err());
    }

    /// A session whose peer sent `n` certificates (distinct, certificate-sized).
    fn with_chain(version: ProtocolVersion, n: usize) -> Session {
        let mut s = sample(version);
        s.peer_chain = Arc::new(
            (0..n)
                .map(|i| {
                    let mut cert = vec![0x30; 700];
                    cert[1..9].copy_from_slice(&(i as u64).to_be_bytes());
                    cert
                })
                .collect(),
        );
        s
    }

    /// Regression: sessions with more than 16 chain certificates were encoded but refused on
    /// decoding, so their tickets silently stopped resuming. The decoder now allows what the
    /// handshake accepts (`limits::MAX_CHAIN_CERTS`).
    #[test]
    fn long_peer_chains_round_trip_through_encoding_and_tickets() {
        let config = SessionConfig::default();
        for v in [ProtocolVersion::TLSV1_2, ProtocolVersion::TLSV1_3] {
            for n in [20, crate::limits::MAX_CHAIN_CERTS] {
                let s = with_chain(v, n);
                let d = Session::decode(&s.encode().unwrap()).expect("a long chain decodes");
                assert_eq!(d.peer_chain, s.peer_chain);
                let sealed = config.seal_ticket(&s, s.created_ms).unwrap();
                if s.encode_state().unwrap().len() > crate::limits::MAX_TICKET_LEN {
                    // Too long for a ticket a client could present: none is issued (the
                    // session still resumes by ID and through i2d/d2i).
                    assert!(sealed.is_none());
                    continue;
                }
                let (opened, _) = config
                    .open_ticket(&sealed.expect("a ticket"), s.created_ms)
                    .unwrap()
                    .expect("a ticket for a long chain opens");
                assert_eq!(opened.peer_chain, s.peer_chain);
                assert_eq!(&opened.secret[..], &s.secret[..]);
            }
        }
        // More than the handshake accepts is still refused.
        let too_long = with_chain(ProtocolVersion::TLSV1_3, crate::limits::MAX_CHAIN_CERTS + 1);
        assert!(Session::decode(&too_long.encode().unwrap()).is_err());
    }

    /// Regression (issue 16): the encoding of a session (what `i2d_SSL_SESSION` returns and a
    /// ticket seals) holds the secret, was built in a buffer that grew (leaving partial copies
    /// in freed memory) and was freed unwiped. It is now written into one allocation of its
    /// final size and wiped when dropped.
    #[test]
    fn encodings_are_one_allocation_wiped_on_drop() {
        for s in [
            sample(ProtocolVersion::TLSV1_2),
            sample(ProtocolVersion::TLSV1_3),
            with_chain(ProtocolVersion::TLSV1_3, 20),
        ] {
            let encoded: Zeroizing<Vec<u8>> = s.encode().unwrap();
            assert_eq!(encoded.capacity(), encoded.len());
            let state: Zeroizing<Vec<u8>> = s.encode_state().unwrap();
            assert_eq!(state.capacity(), state.len());
        }
    }

    #[test]
    fn expiry_uses_timeout_and_tls13_ticket_lifetime() {
        let mut s = sample(ProtocolVersion::TLSV1_2);
        let t0 = s.created_ms;
        assert!(s.is_resumable(t0 + 299_000));
        assert!(!s.is_resumable(t0 + 300_000));
        s.timeout_secs = 10_000;
        let mut s13 = sample(ProtocolVersion::TLSV1_3);
        s13.timeout_secs = 10_000;
        assert!(
            s13.is_expired(t0 + 600_000),
            "the 600 s ticket lifetime bounds it"
        );
        s.ticket.clear();
        s.id.clear();
        assert!(!s.is_resumable(t0));
    }
}

#[cfg(test)]
mod resumption_tests;
