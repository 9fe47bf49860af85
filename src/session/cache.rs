//! The server-side session cache (session-ID resumption, and stateful TLS 1.3 tickets when
//! stateless ones are off), its statistics, and the per-context store that holds them with the
//! ticket keys.

use super::ticket::TicketKeys;
use super::{RemoveSessionCallback, Session};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// OpenSSL's default cache size (`SSL_SESSION_CACHE_MAX_SIZE_DEFAULT`).
pub const DEFAULT_CACHE_SIZE: usize = 1024 * 20;

/// One cached session and its place in the expiry order.
struct Cached {
    session: Arc<Session>,
    /// Its key in [`SessionCache::by_expiry`].
    slot: (u64, u64),
}

/// Sessions by ID, with an index by expiry time so that expiring and evicting never scan the
/// whole cache: every operation costs O(log n), and each session is removed at most once.
pub struct SessionCache {
    sessions: HashMap<Vec<u8>, Cached>,
    /// `(expires_ms, insertion number)` to ID, so the front is the session that expires first
    /// (of those expiring at the same time, the oldest); expiry and eviction take from it.
    by_expiry: BTreeMap<(u64, u64), Vec<u8>>,
    inserted: u64,
    /// 0: unlimited (as OpenSSL).
    pub max_size: usize,
    /// Sessions looked at by insertions, removals, expiry and eviction (tests bound the work).
    #[cfg(test)]
    examined: usize,
}

impl Default for SessionCache {
    fn default() -> Self {
        SessionCache {
            sessions: HashMap::new(),
            by_expiry: BTreeMap::new(),
            inserted: 0,
            max_size: DEFAULT_CACHE_SIZE,
            #[cfg(test)]
            examined: 0,
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

    fn count_examined(&mut self) {
        #[cfg(test)]
        {
            self.examined += 1;
        }
    }

    /// Adds a session (replacing one with the same ID); returns the sessions evicted to make
    /// room: those that expire first (with one timeout for all, the oldest).
    pub fn insert(&mut self, session: Arc<Session>) -> Vec<Arc<Session>> {
        self.count_examined();
        let slot = (session.expires_ms(), self.inserted);
        self.inserted += 1;
        let id = session.id.clone();
        self.by_expiry.insert(slot, id.clone());
        if let Some(old) = self.sessions.insert(id, Cached { session, slot }) {
            self.by_expiry.remove(&old.slot);
        }
        self.evict_to(self.max_size)
    }

    pub fn get(&self, id: &[u8]) -> Option<Arc<Session>> {
        self.sessions.get(id).map(|c| c.session.clone())
    }

    pub fn remove(&mut self, id: &[u8]) -> Option<Arc<Session>> {
        self.count_examined();
        let gone = self.sessions.remove(id)?;
        self.by_expiry.remove(&gone.slot);
        Some(gone.session)
    }

    /// Takes the session that expires first out of the cache, if it is expired at `now_ms`
    /// (`None`: any).
    fn pop_first(&mut self, now_ms: Option<u64>) -> Option<Arc<Session>> {
        let entry = self.by_expiry.first_entry()?;
        if now_ms.is_some_and(|now| now < entry.key().0) {
            return None;
        }
        let id = entry.remove();
        self.count_examined();
        self.sessions.remove(&id).map(|c| c.session)
    }

    /// Removes every session expired at `now_ms`, looking at no other.
    pub fn remove_expired(&mut self, now_ms: u64) -> Vec<Arc<Session>> {
        let mut expired = Vec::new();
        while let Some(s) = self.pop_first(Some(now_ms)) {
            expired.push(s);
        }
        expired
    }

    fn evict_to(&mut self, max_size: usize) -> Vec<Arc<Session>> {
        let mut evicted = Vec::new();
        while max_size != 0 && self.sessions.len() > max_size {
            match self.pop_first(None) {
                Some(s) => evicted.push(s),
                None => break,
            }
        }
        evicted
    }

    /// Shrinks to `max_size`, evicting the sessions that expire first.
    pub fn set_max_size(&mut self, max_size: usize) -> Vec<Arc<Session>> {
        self.max_size = max_size;
        self.evict_to(max_size)
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
    /// TLS 1.3 tickets already used, when tickets are single-use.
    used_tickets: Mutex<UsedTickets>,
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

    /// Records the use of a single-use ticket that expires at `expires_ms`. False if it was
    /// used before, or if [`MAX_USED_TICKETS`] unexpired tickets are already recorded: then
    /// the ticket cannot be remembered, so it is not accepted either (a full handshake follows)
    /// and no replay can get through.
    pub fn first_use_of_ticket(&self, ticket: &[u8], expires_ms: u64, now_ms: u64) -> bool {
        let digest = crate::crypto::hash::HashAlg::Sha256.hash(ticket);
        let mut key = [0u8; USED_TICKET_DIGEST_LEN];
        key.copy_from_slice(&digest[..USED_TICKET_DIGEST_LEN]);
        let mut used = self.used_tickets.lock().unwrap_or_else(|p| p.into_inner());
        used.first_use(key, expires_ms, now_ms)
    }

    /// How many used tickets are remembered (tests and diagnostics).
    pub fn used_ticket_count(&self) -> usize {
        self.used_tickets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .seen
            .len()
    }
}

/// The most single-use TLS 1.3 tickets a context remembers as used at once (about 5 MiB). Past
/// it, resumption with a ticket not yet seen is refused (a full handshake) until remembered
/// tickets expire.
pub const MAX_USED_TICKETS: usize = 65_536;
/// Bytes of a ticket's SHA-256 kept to recognise it: a collision can only refuse a resumption.
const USED_TICKET_DIGEST_LEN: usize = 16;

/// Used tickets: a set to find one, and an index by expiry time to forget them once they can
/// no longer be presented. Every operation is O(log n) and looks only at what it removes.
#[derive(Default)]
struct UsedTickets {
    seen: HashSet<[u8; USED_TICKET_DIGEST_LEN]>,
    by_expiry: BTreeSet<(u64, [u8; USED_TICKET_DIGEST_LEN])>,
    /// Entries looked at (tests bound the work).
    #[cfg(test)]
    examined: usize,
}

impl UsedTickets {
    fn first_use(
        &mut self,
        key: [u8; USED_TICKET_DIGEST_LEN],
        expires_ms: u64,
        now_ms: u64,
    ) -> bool {
        // Forget the tickets that have expired (a ticket expiring at `now_ms` is refused as
        // expired before it gets here).
        while let Some(&(expiry, old)) = self.by_expiry.first() {
            if expiry > now_ms {
                break;
            }
            self.by_expiry.pop_first();
            self.seen.remove(&old);
            #[cfg(test)]
            {
                self.examined += 1;
            }
        }
        #[cfg(test)]
        {
            self.examined += 1;
        }
        if self.seen.contains(&key) || self.seen.len() >= MAX_USED_TICKETS {
            return false;
        }
        self.seen.insert(key);
        self.by_expiry.insert((expires_ms, key));
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

    fn numbered(n: usize, created_ms: u64, timeout_secs: u32) -> Arc<Session> {
        let mut s = sample(ProtocolVersion::TLSV1_2);
        s.id = (n as u64).to_be_bytes().repeat(4);
        s.created_ms = created_ms;
        s.timeout_secs = timeout_secs;
        Arc::new(s)
    }

    fn examined(store: &SessionStore) -> usize {
        store.cache().examined
    }

    /// Regression (issue 16): every insertion scanned the whole cache for expired sessions and
    /// every removal searched the insertion order linearly, so with 20,480 sessions expiring
    /// at once one insertion held the cache lock for seconds. Now the work of each operation
    /// is the sessions it actually removes, plus one.
    #[test]
    fn cache_work_is_bounded_per_operation() {
        const N: usize = DEFAULT_CACHE_SIZE;
        let store = SessionStore::default();
        for i in 0..N {
            store.add(numbered(i, 0, 10), 0, true);
        }
        assert_eq!(store.cache().len(), N);
        let filled = examined(&store);
        assert!(
            filled <= 2 * N,
            "{filled} sessions looked at for {N} insertions"
        );
        // All of them expire at once: the next insertion removes each once, and nothing else.
        store.add(numbered(N, 10_000, 10), 10_000, true);
        assert_eq!(store.cache().len(), 1);
        let flushed = examined(&store) - filled;
        assert!(
            flushed <= N + 2,
            "{flushed} sessions looked at to expire {N}"
        );
        // A full cache: each insertion evicts one session, a replacement or a removal looks at
        // one or two.
        for i in 0..N {
            store.add(numbered(N + 1 + i, 10_000, 10), 10_000, true);
        }
        let full = examined(&store);
        store.add(numbered(2 * N + 1, 10_000, 10), 10_000, true);
        store.add(numbered(2 * N + 1, 10_000, 10), 10_000, true);
        assert!(store
            .remove(&(N as u64 + 100).to_be_bytes().repeat(4))
            .is_some());
        store.flush(10_000);
        let few = examined(&store) - full;
        assert!(few <= 6, "{few} sessions looked at for four operations");
        assert_eq!(store.cache().len(), N - 1);
    }

    #[test]
    fn expiry_and_eviction_follow_expiry_time_not_insertion_order() {
        let store = SessionStore::default();
        store.set_cache_size(3);
        store.add(numbered(1, 0, 100), 0, true);
        store.add(numbered(2, 0, 10), 0, true);
        store.add(numbered(3, 0, 50), 0, true);
        // The long-lived first session does not keep the short-lived second one alive.
        store.flush(10_000);
        assert!(store.cache().get(&1u64.to_be_bytes().repeat(4)).is_some());
        assert!(store.cache().get(&2u64.to_be_bytes().repeat(4)).is_none());
        // Full: the session that expires first goes (as OpenSSL does).
        store.add(numbered(4, 0, 200), 0, false);
        store.add(numbered(5, 0, 300), 0, false);
        assert!(store.cache().get(&3u64.to_be_bytes().repeat(4)).is_none());
        assert_eq!(store.cache().len(), 3);
        // Replacing a session moves it to its new expiry time.
        store.add(numbered(1, 0, 400), 0, false);
        store.add(numbered(6, 0, 500), 0, false);
        assert!(store.cache().get(&1u64.to_be_bytes().repeat(4)).is_some());
        assert!(store.cache().get(&4u64.to_be_bytes().repeat(4)).is_none());
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

#[cfg(test)]
mod used_ticket_tests {
    use super::*;

    fn ticket(n: usize) -> Vec<u8> {
        format!("ticket {n}").into_bytes()
    }

    /// Regression (issue 16): the single-use ticket list grew without bound and every
    /// resumption scanned all of it under one lock. Now it holds at most `MAX_USED_TICKETS`,
    /// refuses (never accepts) tickets it cannot remember, and each use looks only at the
    /// entries it expires.
    #[test]
    fn the_used_ticket_list_is_bounded_and_refuses_when_full() {
        let store = SessionStore::default();
        for n in 0..MAX_USED_TICKETS {
            assert!(store.first_use_of_ticket(&ticket(n), 10_000, 0));
        }
        assert_eq!(store.used_ticket_count(), MAX_USED_TICKETS);
        let examined = store.used_tickets.lock().unwrap().examined;
        assert!(
            examined <= MAX_USED_TICKETS,
            "{examined} entries looked at for {MAX_USED_TICKETS} uses"
        );
        // Full: a new ticket is refused (a full handshake), a used one is still a replay.
        assert!(!store.first_use_of_ticket(&ticket(MAX_USED_TICKETS), 10_000, 1));
        assert!(!store.first_use_of_ticket(&ticket(7), 10_000, 1));
        assert_eq!(store.used_ticket_count(), MAX_USED_TICKETS);
        // Once they have expired the entries are forgotten, in one pass, and tickets resume
        // again.
        let before = store.used_tickets.lock().unwrap().examined;
        assert!(store.first_use_of_ticket(&ticket(MAX_USED_TICKETS), 20_000, 10_000));
        assert_eq!(store.used_ticket_count(), 1);
        let expiring = store.used_tickets.lock().unwrap().examined - before;
        assert!(expiring <= MAX_USED_TICKETS + 1);
        assert!(!store.first_use_of_ticket(&ticket(MAX_USED_TICKETS), 20_000, 10_001));
    }

    #[test]
    fn tickets_expiring_at_different_times_are_forgotten_in_expiry_order() {
        let store = SessionStore::default();
        assert!(store.first_use_of_ticket(b"late", 5_000, 0));
        assert!(store.first_use_of_ticket(b"early", 1_000, 0));
        assert!(!store.first_use_of_ticket(b"early", 1_000, 999));
        // "early" is forgotten although "late" was recorded before it.
        assert!(store.first_use_of_ticket(b"other", 5_000, 1_000));
        assert_eq!(store.used_ticket_count(), 2);
        assert!(!store.first_use_of_ticket(b"late", 5_000, 4_999));
    }
}
