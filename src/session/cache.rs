//! The server-side session cache (session-ID resumption, and stateful TLS 1.3 tickets when
//! stateless ones are off), its statistics, and the per-context store that holds them with the
//! ticket keys.

use super::ticket::TicketKeys;
use super::{RemoveSessionCallback, Session};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// OpenSSL's default cache size (`SSL_SESSION_CACHE_MAX_SIZE_DEFAULT`).
pub const DEFAULT_CACHE_SIZE: usize = 1024 * 20;

/// Sessions by ID, oldest first for eviction.
pub struct SessionCache {
    sessions: HashMap<Vec<u8>, Arc<Session>>,
    order: VecDeque<Vec<u8>>,
    /// 0: unlimited (as OpenSSL).
    pub max_size: usize,
}

impl Default for SessionCache {
    fn default() -> Self {
        SessionCache {
            sessions: HashMap::new(),
            order: VecDeque::new(),
            max_size: DEFAULT_CACHE_SIZE,
        }
    }
}

impl SessionCache {
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// Adds a session (replacing one with the same ID); returns the sessions evicted to make
    /// room, oldest first.
    pub fn insert(&mut self, session: Arc<Session>) -> Vec<Arc<Session>> {
        let id = session.id.clone();
        if self.sessions.insert(id.clone(), session).is_some() {
            self.order.retain(|k| k != &id);
        }
        self.order.push_back(id);
        let mut evicted = Vec::new();
        while self.max_size != 0 && self.sessions.len() > self.max_size {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(s) = self.sessions.remove(&oldest) {
                evicted.push(s);
            }
        }
        evicted
    }

    pub fn get(&self, id: &[u8]) -> Option<Arc<Session>> {
        self.sessions.get(id).cloned()
    }

    pub fn remove(&mut self, id: &[u8]) -> Option<Arc<Session>> {
        let s = self.sessions.remove(id)?;
        self.order.retain(|k| k.as_slice() != id);
        Some(s)
    }

    /// Removes every session expired at `now_ms`.
    pub fn remove_expired(&mut self, now_ms: u64) -> Vec<Arc<Session>> {
        let expired: Vec<Vec<u8>> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.is_expired(now_ms))
            .map(|(k, _)| k.clone())
            .collect();
        expired.iter().filter_map(|id| self.remove(id)).collect()
    }

    /// Shrinks to `max_size`, evicting the oldest.
    pub fn set_max_size(&mut self, max_size: usize) -> Vec<Arc<Session>> {
        self.max_size = max_size;
        let mut evicted = Vec::new();
        while max_size != 0 && self.sessions.len() > max_size {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(s) = self.sessions.remove(&oldest) {
                evicted.push(s);
            }
        }
        evicted
    }
}

/// `SSL_CTX_sess_*` counters.
#[derive(Default)]
pub struct SessionStats {
    pub connect: AtomicU64,
    pub connect_good: AtomicU64,
    pub accept: AtomicU64,
    pub accept_good: AtomicU64,
    /// Resumptions accepted by this server (tickets and session IDs).
    pub hits: AtomicU64,
    /// Sessions found through the application's get callback.
    pub cb_hits: AtomicU64,
    /// Offered sessions the server could not resume.
    pub misses: AtomicU64,
    /// Offered sessions that had expired.
    pub timeouts: AtomicU64,
    /// Sessions evicted because the cache was full.
    pub cache_full: AtomicU64,
}

impl SessionStats {
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Everything about sessions that the connections of one context share.
#[derive(Default)]
pub struct SessionStore {
    pub ticket_keys: TicketKeys,
    cache: Mutex<SessionCache>,
    pub stats: SessionStats,
    /// TLS 1.3 tickets already used, when tickets are single-use: a digest of the ticket and
    /// when it expires (Unix milliseconds).
    used_tickets: Mutex<HashMap<Vec<u8>, u64>>,
    remove_callback: Mutex<Option<RemoveSessionCallback>>,
}

impl SessionStore {
    pub fn cache(&self) -> MutexGuard<'_, SessionCache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_remove_callback(&self, cb: Option<RemoveSessionCallback>) {
        *self
            .remove_callback
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = cb;
    }

    /// Tells the application's remove callback about sessions that left the cache. Called with
    /// no lock held, so the callback may use the cache API.
    pub fn notify_removed(&self, removed: &[Arc<Session>]) {
        if removed.is_empty() {
            return;
        }
        let cb = self
            .remove_callback
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(cb) = cb {
            for s in removed {
                cb(s);
            }
        }
    }

    /// Adds a session to the internal cache, after clearing expired ones.
    pub fn add(&self, session: Arc<Session>, now_ms: u64, auto_clear: bool) {
        let (expired, evicted) = {
            let mut cache = self.cache();
            let expired = if auto_clear {
                cache.remove_expired(now_ms)
            } else {
                Vec::new()
            };
            (expired, cache.insert(session))
        };
        for _ in &evicted {
            SessionStats::bump(&self.stats.cache_full);
        }
        self.notify_removed(&expired);
        self.notify_removed(&evicted);
    }

    /// The cached session with this ID, if it has not expired (an expired one is dropped).
    pub fn lookup(&self, id: &[u8], now_ms: u64) -> Option<Arc<Session>> {
        let found = self.cache().get(id)?;
        if found.is_expired(now_ms) {
            SessionStats::bump(&self.stats.timeouts);
            self.remove(id);
            return None;
        }
        Some(found)
    }

    pub fn remove(&self, id: &[u8]) -> Option<Arc<Session>> {
        let removed = self.cache().remove(id);
        if let Some(s) = &removed {
            self.notify_removed(std::slice::from_ref(s));
        }
        removed
    }

    /// `SSL_CTX_flush_sessions`: drops sessions expired at `now_ms`.
    pub fn flush(&self, now_ms: u64) {
        let removed = self.cache().remove_expired(now_ms);
        self.notify_removed(&removed);
    }

    pub fn set_cache_size(&self, max: usize) {
        let evicted = self.cache().set_max_size(max);
        self.notify_removed(&evicted);
    }

    /// Records the use of a single-use ticket; false if it was used before.
    pub fn first_use_of_ticket(&self, ticket: &[u8], expires_ms: u64, now_ms: u64) -> bool {
        let digest = crate::crypto::hash::HashAlg::Sha256.hash(ticket);
        let mut used = self.used_tickets.lock().unwrap_or_else(|p| p.into_inner());
        used.retain(|_, expiry| *expiry > now_ms);
        if used.contains_key(&digest) {
            return false;
        }
        used.insert(digest, expires_ms);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample;
    use super::*;
    use crate::msgs::enums::ProtocolVersion;

    fn session(id: u8, created_ms: u64) -> Arc<Session> {
        let mut s = sample(ProtocolVersion::TLSV1_2);
        s.id = vec![id; 32];
        s.created_ms = created_ms;
        s.timeout_secs = 10;
        Arc::new(s)
    }

    #[test]
    fn lookup_expiry_and_eviction() {
        let store = SessionStore::default();
        let removed = Arc::new(Mutex::new(Vec::new()));
        let seen = removed.clone();
        store.set_remove_callback(Some(Arc::new(move |s: &Arc<Session>| {
            seen.lock().unwrap().push(s.id[0])
        })));
        store.set_cache_size(2);
        store.add(session(1, 0), 0, true);
        store.add(session(2, 0), 0, true);
        assert!(store.lookup(&[1; 32], 5_000).is_some());
        store.add(session(3, 0), 0, true);
        assert_eq!(*removed.lock().unwrap(), vec![1], "the oldest was evicted");
        assert_eq!(SessionStats::get(&store.stats.cache_full), 1);
        assert!(store.lookup(&[2; 32], 10_000).is_none(), "expired");
        assert_eq!(SessionStats::get(&store.stats.timeouts), 1);
        assert_eq!(*removed.lock().unwrap(), vec![1, 2]);
        store.flush(20_000);
        assert_eq!(store.cache().len(), 0);
        assert_eq!(*removed.lock().unwrap(), vec![1, 2, 3]);
    }

    #[test]
    fn single_use_tickets() {
        let store = SessionStore::default();
        assert!(store.first_use_of_ticket(b"t1", 1000, 0));
        assert!(!store.first_use_of_ticket(b"t1", 1000, 10));
        assert!(store.first_use_of_ticket(b"t2", 1000, 10));
        // Once expired the entry is forgotten (the ticket is refused as expired anyway).
        assert!(store.first_use_of_ticket(b"t1", 3000, 2000));
    }
}
