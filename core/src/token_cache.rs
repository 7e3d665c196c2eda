//! The verified-token cache: a backend sees the same access token on every
//! request of a session, and its signature need not be checked each time.
//!
//! Safe by construction:
//! - a hit requires the exact token bytes (the hash only finds the slot);
//! - only successful verifications are stored, with the key that verified,
//!   and only from a token's second one: a token seen once (a stream of
//!   distinct tokens, a flood of one-off valid ones) costs the cache a
//!   64-bit note, not an entry that would push a session's token out;
//! - a hit is refused once that key has left the key set, and a new key set
//!   sweeps out the entries of keys it lacks;
//! - `exp`, `nbf`, `iat` and `max_age` are judged again on every hit, with
//!   the verifier's clock, so an entry never outlives its token.
//!
//! Reads never wait: shards are read-write locks taken with `try_read`, and
//! a busy shard is a miss (a full verification), not a wait. A writer that
//! finds its shard busy skips caching. So no thread ever blocks here, and a
//! child forked while a parent thread held a shard cannot hang on it.
//! Eviction is CLOCK (second chance), an approximation of least recently
//! used whose hits only set a flag.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::RwLock;

use crate::claims::Claims;
use crate::error::Error;
use crate::keys::{KeyId, KeySet};
use crate::policy::Policy;

/// Default `token_cache_size`: 4096 tokens. At about 2 KiB per entry (the
/// token and its parsed claims) that is under 10 MiB, and it holds every
/// session of a busy service's few minutes.
pub const DEFAULT_TOKEN_CACHE_SIZE: usize = 4096;

/// Tokens longer than this (bytes) are verified every time, never stored,
/// so a few huge tokens cannot take the cache's memory.
pub const MAX_CACHED_TOKEN_BYTES: usize = 4096;

/// Only the tail of a token is hashed: it is the signature, which differs
/// between any two tokens, and hashing 64 bytes instead of ~800 keeps a hit
/// cheap. Equality is still checked on every byte.
const HASHED_TAIL: usize = 64;

#[derive(Clone)]
struct Entry {
    claims: Claims,
    key: KeyId,
}

struct Slot {
    hash: u64,
    token: Box<[u8]>,
    entry: Entry,
    referenced: AtomicBool,
}

#[derive(Default)]
struct Shard {
    index: HashMap<u64, usize>,
    slots: Vec<Slot>,
    hand: usize,
    /// Hashes of tokens verified once and not stored: the second
    /// verification of one of them stores it. Cleared when it holds as many
    /// as the shard, so it stays small.
    seen_once: HashSet<u64>,
}

/// Counters of the verified-token cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenCacheStats {
    /// Verifications answered from the cache.
    pub hits: u64,
    /// Verifications that found no usable entry and checked the signature.
    pub misses: u64,
    /// Entries dropped to make room.
    pub evictions: u64,
    /// Entries dropped because the key that verified them left the key set.
    pub invalidations: u64,
    /// Entries held now.
    pub entries: u64,
}

impl TokenCacheStats {
    /// Both sets of counters added up.
    pub fn sum(self, other: TokenCacheStats) -> TokenCacheStats {
        TokenCacheStats {
            hits: self.hits + other.hits,
            misses: self.misses + other.misses,
            evictions: self.evictions + other.evictions,
            invalidations: self.invalidations + other.invalidations,
            entries: self.entries + other.entries,
        }
    }
}

pub(crate) struct TokenCache {
    shards: Box<[RwLock<Shard>]>,
    per_shard: usize,
    hasher: RandomState,
    /// Address of the key set the entries were last swept against.
    keys_seen: AtomicUsize,
    hits: AtomicU64,
    misses: AtomicU64,
    evictions: AtomicU64,
    invalidations: AtomicU64,
}

impl TokenCache {
    /// A cache of about `capacity` tokens; `None` for 0 (caching off).
    pub(crate) fn new(capacity: usize) -> Option<TokenCache> {
        if capacity == 0 {
            return None;
        }
        // Small caches keep one shard so their capacity is exact.
        let shards = if capacity >= 256 { 16 } else { 1 };
        Some(TokenCache {
            shards: (0..shards).map(|_| RwLock::new(Shard::default())).collect(),
            per_shard: capacity.div_ceil(shards),
            hasher: RandomState::new(),
            keys_seen: AtomicUsize::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            evictions: AtomicU64::new(0),
            invalidations: AtomicU64::new(0),
        })
    }

    fn hash(&self, token: &[u8]) -> u64 {
        let tail = &token[token.len().saturating_sub(HASHED_TAIL)..];
        self.hasher.hash_one((token.len(), tail))
    }

    fn shard(&self, hash: u64) -> &RwLock<Shard> {
        &self.shards[(hash >> 32) as usize % self.shards.len()]
    }

    /// The cached verdict for `token`: its claims when a key of `keys`
    /// verified it and its time claims still hold, the time error when they
    /// no longer do, or `None` (verify in full).
    pub(crate) fn get(&self, token: &str, keys: &KeySet, policy: &Policy) -> Option<Result<Claims, Error>> {
        let outcome = self.peek(token, keys, policy);
        if outcome.is_none() {
            self.misses.fetch_add(1, Ordering::Relaxed);
        }
        outcome
    }

    /// [`get`](Self::get) without counting a miss (the caller goes on to `get`).
    pub(crate) fn peek(&self, token: &str, keys: &KeySet, policy: &Policy) -> Option<Result<Claims, Error>> {
        self.sweep_if_new(keys);
        let entry = self.find(token.as_bytes()).filter(|entry| keys.holds(entry.key))?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(policy.check_times(entry.claims.times()).map(|()| entry.claims))
    }

    fn find(&self, token: &[u8]) -> Option<Entry> {
        if token.len() > MAX_CACHED_TOKEN_BYTES {
            return None;
        }
        let hash = self.hash(token);
        let shard = self.shard(hash).try_read().ok()?;
        let slot = &shard.slots[*shard.index.get(&hash)?];
        if *slot.token != *token {
            return None;
        }
        slot.referenced.store(true, Ordering::Relaxed);
        Some(slot.entry.clone())
    }

    /// Records a successful verification by the key `key`: the first one of
    /// a token is only noted, the second stores it.
    pub(crate) fn insert(&self, token: &str, claims: &Claims, key: KeyId) {
        let token = token.as_bytes();
        if token.len() > MAX_CACHED_TOKEN_BYTES {
            return;
        }
        let hash = self.hash(token);
        let Ok(mut shard) = self.shard(hash).try_write() else {
            return;
        };
        if !shard.index.contains_key(&hash) && !shard.seen_once.remove(&hash) {
            if shard.seen_once.len() >= self.per_shard {
                shard.seen_once.clear();
            }
            shard.seen_once.insert(hash);
            return;
        }
        let slot = Slot {
            hash,
            token: token.into(),
            entry: Entry { claims: claims.clone(), key },
            referenced: AtomicBool::new(false),
        };
        if let Some(&at) = shard.index.get(&hash) {
            shard.slots[at] = slot;
            return;
        }
        if shard.slots.len() < self.per_shard {
            let at = shard.slots.len();
            shard.slots.push(slot);
            shard.index.insert(hash, at);
            return;
        }
        let at = shard.victim();
        let old = std::mem::replace(&mut shard.slots[at], slot);
        shard.index.remove(&old.hash);
        shard.index.insert(hash, at);
        self.evictions.fetch_add(1, Ordering::Relaxed);
    }

    /// When `keys` is a key set not seen before, drops the entries whose key
    /// it lacks. (A hit checks its key anyway; this returns the memory.)
    fn sweep_if_new(&self, keys: &KeySet) {
        let address = keys as *const KeySet as usize;
        if self.keys_seen.load(Ordering::Relaxed) == address
            || self.keys_seen.swap(address, Ordering::AcqRel) == address
        {
            return;
        }
        for shard in self.shards.iter() {
            let Ok(mut shard) = shard.try_write() else { continue };
            let before = shard.slots.len();
            shard.slots.retain(|slot| keys.holds(slot.entry.key));
            let dropped = before - shard.slots.len();
            if dropped > 0 {
                let Shard { index, slots, hand, .. } = &mut *shard;
                *index = slots.iter().enumerate().map(|(at, slot)| (slot.hash, at)).collect();
                *hand = 0;
                self.invalidations.fetch_add(dropped as u64, Ordering::Relaxed);
            }
        }
    }

    pub(crate) fn stats(&self) -> TokenCacheStats {
        let entries = self.shards.iter().map(|s| s.try_read().map_or(0, |s| s.slots.len() as u64)).sum();
        TokenCacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
            invalidations: self.invalidations.load(Ordering::Relaxed),
            entries,
        }
    }
}

impl Shard {
    /// The slot to reuse: the first under the hand not used since it last
    /// passed, clearing the flags it passes over.
    fn victim(&mut self) -> usize {
        loop {
            let at = self.hand;
            self.hand = (self.hand + 1) % self.slots.len();
            if !self.slots[at].referenced.swap(false, Ordering::Relaxed) {
                return at;
            }
        }
    }
}
