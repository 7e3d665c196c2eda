//! Remote JWKS cache: lazy fetch, freshness from `Cache-Control`, ETag
//! revalidation, single flight, unknown-`kid` refetch with a cooldown, and
//! stale-if-error. One cache per verifier, shared by all its threads and tasks.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use arc_swap::{ArcSwap, ArcSwapOption};
use reqwest::header::{HeaderMap, ACCEPT, CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use reqwest::StatusCode;
use url::Url;

use crate::discovery::{self, Discovered};
use crate::error::{truncate, Error, ErrorCode};
use crate::fetch::{describe, fetch_failed, read_body, redact};
use crate::keys::KeySet;
use crate::token_cache::TokenCacheStats;

/// How the remote key set is fetched and kept. Every time is in seconds
/// when set through a binding.
#[derive(Debug, Clone)]
pub struct CacheConfig {
    /// Whole-request timeout for a JWKS or discovery fetch. Defaults to 5 s.
    pub timeout: Duration,
    /// Freshness when the response has no usable `Cache-Control: max-age`. Defaults to 600 s.
    pub cache_ttl: Duration,
    /// Lower bound applied to `max-age` (and to `no-cache`). Defaults to 60 s.
    pub min_cache_ttl: Duration,
    /// Upper bound applied to `max-age`. Defaults to 86 400 s (24 h).
    pub max_cache_ttl: Duration,
    /// Least time between two refetches caused by unknown `kid`s, and the
    /// longest wait between retries after failed fetches (they back off from
    /// 1 s, doubling). Defaults to 30 s.
    pub cooldown: Duration,
    /// How long past their freshness held keys keep working while refreshes
    /// fail. Defaults to 86 400 s (24 h).
    pub max_stale: Duration,
    /// Largest JWKS or discovery response accepted, in bytes. Defaults to 524 288 (512 KiB).
    pub max_jwks_bytes: usize,
    /// PEM bundle of CA certificates trusted for fetches, in addition to the
    /// system roots (instead of them with `ca_only`). Defaults to none.
    pub ca_file: Option<std::path::PathBuf>,
    /// Trust only `ca_file`'s certificates, not the system roots. Defaults to false.
    pub ca_only: bool,
    /// Proxy URL for every fetch, instead of the environment's `HTTPS_PROXY`,
    /// `HTTP_PROXY` and `ALL_PROXY`; hosts in `NO_PROXY` are still fetched
    /// directly. Defaults to none (the environment decides).
    pub proxy: Option<String>,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            timeout: Duration::from_secs(5),
            cache_ttl: Duration::from_secs(600),
            min_cache_ttl: Duration::from_secs(60),
            max_cache_ttl: Duration::from_secs(86_400),
            cooldown: Duration::from_secs(30),
            max_stale: Duration::from_secs(86_400),
            max_jwks_bytes: 512 * 1024,
            ca_file: None,
            ca_only: false,
            proxy: None,
        }
    }
}

/// Counters an operator can read to see what the cache has been doing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// HTTP requests made for the key set (including ones answered 304).
    pub fetches: u64,
    /// Requests answered `304 Not Modified`.
    pub not_modified: u64,
    /// Verifications served from fresh keys without a fetch.
    pub cache_hits: u64,
    /// Verifications served from expired keys because a refresh failed.
    pub stale_serves: u64,
    /// Unknown-`kid` refetches refused because of the cooldown.
    pub cooldown_refusals: u64,
    /// Fetches that failed.
    pub fetch_failures: u64,
    /// The most recent fetch failure, cleared by the next success.
    pub last_error: Option<String>,
    /// Usable keys held now.
    pub keys: u64,
    /// How long fetches took (discovery included), successful or not.
    pub fetch_latency: FetchLatency,
    /// The verified-token cache's counters.
    pub tokens: TokenCacheStats,
}

/// Upper bounds, in milliseconds, of the [`FetchLatency`] buckets; one more
/// bucket counts the slower fetches.
pub const FETCH_LATENCY_BUCKETS_MS: [u64; 10] = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/// Key-fetch durations: the last one, and a histogram.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchLatency {
    /// The most recent fetch's duration, in microseconds.
    pub last_micros: Option<u64>,
    /// Fetches measured.
    pub count: u64,
    /// Their total duration, in microseconds.
    pub sum_micros: u64,
    /// Fetches per bucket (not cumulative): `buckets[i]` took at most
    /// `FETCH_LATENCY_BUCKETS_MS[i]` ms and more than the bucket before;
    /// the last entry counts the slower ones.
    pub buckets: Vec<u64>,
}

impl FetchLatency {
    fn sum(self, other: FetchLatency) -> FetchLatency {
        let longest = self.buckets.len().max(other.buckets.len());
        let at = |b: &[u64], i: usize| b.get(i).copied().unwrap_or(0);
        FetchLatency {
            last_micros: self.last_micros.or(other.last_micros),
            count: self.count + other.count,
            sum_micros: self.sum_micros + other.sum_micros,
            buckets: (0..longest).map(|i| at(&self.buckets, i) + at(&other.buckets, i)).collect(),
        }
    }
}

/// Whether a verifier holds usable keys, and how old they are: for health
/// and readiness checks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyStatus {
    /// False for static keys (a PEM key, a secret, a JWKS given inline).
    pub remote: bool,
    /// True when keys a verification may use are held now.
    pub keys_held: bool,
    /// Usable keys held.
    pub key_count: u64,
    /// True when the held keys are within their freshness (no fetch needed).
    pub fresh: bool,
    /// Seconds since the keys were fetched or last confirmed unchanged.
    pub age_seconds: Option<f64>,
    /// Seconds of freshness left; negative once expired (held keys then
    /// serve for at most `max_stale` while refreshes fail).
    pub fresh_for_seconds: Option<f64>,
    /// The most recent fetch failure, cleared by the next success.
    pub last_error: Option<String>,
}

impl CacheStats {
    /// Both sets of counters added up (for a verifier of several issuers);
    /// the most recent error is the first one found.
    pub fn sum(self, other: CacheStats) -> CacheStats {
        CacheStats {
            fetches: self.fetches + other.fetches,
            not_modified: self.not_modified + other.not_modified,
            cache_hits: self.cache_hits + other.cache_hits,
            stale_serves: self.stale_serves + other.stale_serves,
            cooldown_refusals: self.cooldown_refusals + other.cooldown_refusals,
            fetch_failures: self.fetch_failures + other.fetch_failures,
            last_error: self.last_error.or(other.last_error),
            keys: self.keys + other.keys,
            fetch_latency: self.fetch_latency.sum(other.fetch_latency),
            tokens: self.tokens.sum(other.tokens),
        }
    }
}

/// Where the key set lives.
#[derive(Debug, Clone)]
pub(crate) enum Location {
    Jwks(Url),
    Discover(Url),
    /// An X.509 certificate map (kid to PEM certificate), as Google publishes Firebase's keys.
    X509(Url),
}

impl Location {
    fn url(&self) -> &Url {
        match self {
            Location::Jwks(url) | Location::Discover(url) | Location::X509(url) => url,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Location::Jwks(_) => "jwks",
            Location::Discover(_) => "discover",
            Location::X509(_) => "x509",
        }
    }
}

struct Snapshot {
    keys: Arc<KeySet>,
    fresh_until: Instant,
    etag: Option<String>,
    /// When the keys were fetched or last confirmed unchanged.
    fetched_at: Instant,
    /// The document they came from, as fetched (for `export_keys`).
    document: Arc<[u8]>,
}

/// Measures key fetches.
#[derive(Default)]
struct Latency {
    last_micros: AtomicU64,
    count: AtomicU64,
    sum_micros: AtomicU64,
    buckets: [AtomicU64; FETCH_LATENCY_BUCKETS_MS.len() + 1],
}

impl Latency {
    fn record(&self, took: Duration) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        let bucket = FETCH_LATENCY_BUCKETS_MS
            .iter()
            .position(|ms| micros <= ms * 1000)
            .unwrap_or(FETCH_LATENCY_BUCKETS_MS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
        self.last_micros.store(micros, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn read(&self) -> FetchLatency {
        let count = self.count.load(Ordering::Relaxed);
        FetchLatency {
            last_micros: (count > 0).then(|| self.last_micros.load(Ordering::Relaxed)),
            count,
            sum_micros: self.sum_micros.load(Ordering::Relaxed),
            buckets: self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).collect(),
        }
    }
}

#[derive(Default)]
struct Counters {
    fetches: AtomicU64,
    not_modified: AtomicU64,
    cache_hits: AtomicU64,
    stale_serves: AtomicU64,
    cooldown_refusals: AtomicU64,
    fetch_failures: AtomicU64,
    latency: Latency,
    /// The fetch attempt after which the last stale-serve warning was logged.
    stale_warned: AtomicU64,
}

#[derive(Default, Clone)]
struct Failure {
    last_error: Option<Error>,
    /// Fetches failed since the last success: retries back off from 1 s,
    /// doubling up to `cooldown`.
    failures_in_a_row: u32,
    retry_after: Option<Instant>,
    last_kid_refetch: Option<Instant>,
}

/// What must not cross a fork: the HTTP client (its pool has locks), the
/// lock that makes fetches single-flight and the failure record's mutex. A
/// child forked while another thread fetched would inherit them held and
/// wait forever, so each process builds its own on first use.
struct PerProcess {
    pid: u32,
    client: reqwest::Client,
    fetch_lock: tokio::sync::Mutex<()>,
    failure: Mutex<Failure>,
}

impl PerProcess {
    fn new(config: &CacheConfig, failure: Failure) -> Result<PerProcess, Error> {
        let client = crate::fetch::client(crate::fetch::Transport {
            timeout: config.timeout,
            ca_file: config.ca_file.as_deref(),
            ca_only: config.ca_only,
            proxy: config.proxy.as_deref(),
        })?;
        Ok(PerProcess {
            pid: std::process::id(),
            client,
            fetch_lock: tokio::sync::Mutex::new(()),
            failure: Mutex::new(failure),
        })
    }

    fn failure(&self) -> MutexGuard<'_, Failure> {
        self.failure.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub(crate) struct JwksCache {
    location: Location,
    config: CacheConfig,
    discovered: OnceLock<Discovered>,
    snapshot: ArcSwapOption<Snapshot>,
    /// Completed fetch attempts; a caller that saw N and finds more knows
    /// someone else fetched while it waited.
    attempts: AtomicU64,
    process: ArcSwap<PerProcess>,
    counters: Counters,
}

impl JwksCache {
    pub(crate) fn new(location: Location, config: CacheConfig) -> Result<Self, Error> {
        let process = PerProcess::new(&config, Failure::default())?;
        Ok(JwksCache {
            location,
            config,
            discovered: OnceLock::new(),
            snapshot: ArcSwapOption::empty(),
            attempts: AtomicU64::new(0),
            process: ArcSwap::from_pointee(process),
            counters: Counters::default(),
        })
    }

    /// This process's client, lock and failure record; fresh ones in a
    /// process forked since they were made (only fetch paths read this, so
    /// the `getpid` stays off the hot path).
    fn process(&self) -> Arc<PerProcess> {
        let current = self.process.load_full();
        if current.pid == std::process::id() {
            return current;
        }
        // The parent's copy may be locked by a thread that does not exist
        // here: never wait on it or drop it, only read it if it is free.
        let failure = current.failure.try_lock().map(|f| f.clone()).unwrap_or_default();
        std::mem::forget(Arc::clone(&current));
        match PerProcess::new(&self.config, failure) {
            Ok(fresh) => {
                let fresh = Arc::new(fresh);
                let previous = self.process.compare_and_swap(&current, Arc::clone(&fresh));
                if Arc::ptr_eq(&previous, &current) {
                    fresh
                } else {
                    Arc::clone(&previous)
                }
            }
            // Building a client failed in the child; the old one is the only one.
            Err(_) => current,
        }
    }

    /// The issuer the discovery document named, once discovery has run.
    pub(crate) fn discovered_issuer(&self) -> Option<&str> {
        self.discovered.get().map(|d| d.issuer.as_str())
    }

    pub(crate) fn stats(&self) -> CacheStats {
        let c = &self.counters;
        CacheStats {
            fetches: c.fetches.load(Ordering::Relaxed),
            not_modified: c.not_modified.load(Ordering::Relaxed),
            cache_hits: c.cache_hits.load(Ordering::Relaxed),
            stale_serves: c.stale_serves.load(Ordering::Relaxed),
            cooldown_refusals: c.cooldown_refusals.load(Ordering::Relaxed),
            fetch_failures: c.fetch_failures.load(Ordering::Relaxed),
            last_error: self.process().failure().last_error.as_ref().map(ToString::to_string),
            keys: self.snapshot.load().as_ref().map_or(0, |snap| snap.keys.len() as u64),
            fetch_latency: c.latency.read(),
            tokens: TokenCacheStats::default(),
        }
    }

    /// Whether usable keys are held, how many, and how old.
    pub(crate) fn status(&self) -> KeyStatus {
        let now = Instant::now();
        let last_error = self.process().failure().last_error.as_ref().map(ToString::to_string);
        let Some(snap) = self.snapshot.load_full() else {
            return KeyStatus { remote: true, last_error, ..KeyStatus::default() };
        };
        let signed = |later: Instant, earlier: Instant| match later.checked_duration_since(earlier) {
            Some(d) => d.as_secs_f64(),
            None => -(earlier - later).as_secs_f64(),
        };
        KeyStatus {
            remote: true,
            keys_held: now < snap.fresh_until + self.config.max_stale,
            key_count: snap.keys.len() as u64,
            fresh: now < snap.fresh_until,
            age_seconds: Some(signed(now, snap.fetched_at)),
            fresh_for_seconds: Some(signed(snap.fresh_until, now)),
            last_error,
        }
    }

    /// The held keys as a snapshot another process can start from (JSON).
    pub(crate) fn export(&self) -> Result<String, Error> {
        let snap = self.snapshot.load_full().ok_or_else(|| {
            Error::new(ErrorCode::JwksNotLoaded, "no keys are held yet; fetch them (warm_up) before exporting")
        })?;
        let document: serde_json::Value = serde_json::from_slice(&snap.document)
            .map_err(|e| Error::internal(format!("the held key document is not JSON: {e}")))?;
        let unix = |at: Instant| {
            let wall = SystemTime::now();
            let shifted = match at.checked_duration_since(Instant::now()) {
                Some(ahead) => wall + ahead,
                None => wall - (Instant::now() - at),
            };
            shifted.duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
        };
        let mut out = serde_json::json!({
            "tokenward_keys": 1,
            "source": self.location.url().as_str(),
            "kind": self.location.kind(),
            "document": document,
            "fetched_at": unix(snap.fetched_at),
            "fresh_until": unix(snap.fresh_until),
            "etag": snap.etag,
        });
        if let Some(found) = self.discovered.get() {
            out["issuer"] = found.issuer.clone().into();
            out["jwks_uri"] = found.jwks_uri.as_str().into();
        }
        Ok(out.to_string())
    }

    /// Starts from a snapshot made by [`export`](Self::export): the same key
    /// rules apply, and the keys keep the freshness they had.
    pub(crate) fn restore(&self, snapshot: &[u8]) -> Result<(), Error> {
        let bad = |why: &str| Error::config(format!("keys_snapshot: {why}"));
        let doc: serde_json::Value = serde_json::from_slice(snapshot).map_err(|e| bad(&format!("not JSON ({e})")))?;
        if doc.get("tokenward_keys") != Some(&serde_json::json!(1)) {
            return Err(bad("not a snapshot made by export_keys"));
        }
        let source = doc.get("source").and_then(serde_json::Value::as_str).unwrap_or_default();
        let kind = doc.get("kind").and_then(serde_json::Value::as_str).unwrap_or_default();
        if source != self.location.url().as_str() || kind != self.location.kind() {
            return Err(bad(&format!(
                "it holds the keys of {} ({kind}), not of {} ({})",
                truncate(source),
                redact(self.location.url()),
                self.location.kind()
            )));
        }
        let document = doc.get("document").ok_or_else(|| bad("no document"))?.to_string().into_bytes();
        let keys = match self.location {
            Location::X509(_) => KeySet::from_x509_map_json(&document),
            _ => KeySet::from_jwks_json(&document),
        }
        .map_err(|e| bad(e.message()))?;
        let discovered = match self.location {
            Location::Discover(ref asked) => {
                let issuer = doc.get("issuer").and_then(serde_json::Value::as_str).ok_or_else(|| bad("no issuer"))?;
                // The check discovery makes: the document names the issuer asked for.
                if issuer.trim_end_matches('/') != asked.as_str().trim_end_matches('/') {
                    return Err(bad(&format!("it names issuer \"{}\", not \"{}\"", truncate(issuer), redact(asked))));
                }
                let jwks_uri =
                    doc.get("jwks_uri").and_then(serde_json::Value::as_str).ok_or_else(|| bad("no jwks_uri"))?;
                let jwks_uri = crate::fetch::check_url(jwks_uri, "jwks_uri").map_err(|m| bad(&m))?;
                Some(Discovered { issuer: issuer.to_owned(), jwks_uri })
            }
            _ => None,
        };
        let seconds = |name: &str| {
            doc.get(name)
                .and_then(serde_json::Value::as_f64)
                .filter(|t| t.is_finite())
                .ok_or_else(|| bad(&format!("no {name}")))
        };
        let (fetched_at, fresh_until) = (seconds("fetched_at")?, seconds("fresh_until")?);
        let now_unix = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
        if fetched_at > now_unix + 60.0 || fresh_until < fetched_at {
            return Err(bad("its times are impossible (fetched in the future, or expired before it was fetched)"));
        }
        // No snapshot stays fresh longer than a fetch could have made it.
        let fresh_until = fresh_until.min(fetched_at + self.config.max_cache_ttl.as_secs_f64());
        let stale_for = now_unix - fresh_until;
        if stale_for >= self.config.max_stale.as_secs_f64() {
            tracing::warn!(url = %redact(self.location.url()), "the key snapshot is past max_stale; starting without it");
            return Ok(());
        }
        let now = Instant::now();
        let instant = |t: f64| {
            let offset = Duration::from_secs_f64((t - now_unix).abs());
            if t >= now_unix {
                Some(now + offset)
            } else {
                now.checked_sub(offset)
            }
        };
        // Where an Instant cannot reach that far back (shortly after boot),
        // the snapshot is of no use: start without it.
        let (Some(fetched_at), Some(fresh_until)) = (instant(fetched_at), instant(fresh_until)) else {
            return Ok(());
        };
        if let Some(found) = discovered {
            let _ = self.discovered.set(found);
        }
        let etag = doc.get("etag").and_then(serde_json::Value::as_str).map(str::to_owned);
        tracing::info!(url = %redact(self.location.url()), keys = keys.len(), "keys restored from a snapshot");
        self.snapshot.store(Some(Arc::new(Snapshot {
            keys: Arc::new(keys),
            fresh_until,
            etag,
            fetched_at,
            document: document.into(),
        })));
        Ok(())
    }

    pub(crate) fn attempts(&self) -> u64 {
        self.attempts.load(Ordering::Acquire)
    }

    /// The keys held now, never fetching: `jwks_not_loaded` before the first
    /// fetch, `jwks_fetch_failed` once they are past `max_stale`.
    pub(crate) fn held(&self) -> Result<Arc<KeySet>, Error> {
        let Some(snap) = self.snapshot.load_full() else {
            return Err(Error::new(
                ErrorCode::JwksNotLoaded,
                "no keys are held yet; call verify (which fetches) or refresh first",
            ));
        };
        if Instant::now() >= snap.fresh_until + self.config.max_stale {
            return Err(self.stale_error());
        }
        Ok(snap.keys.clone())
    }

    /// The keys held, if still fresh, without counting a hit.
    pub(crate) fn fresh_uncounted(&self) -> Option<Arc<KeySet>> {
        let snap = self.snapshot.load();
        snap.as_ref().filter(|snap| Instant::now() < snap.fresh_until).map(|snap| Arc::clone(&snap.keys))
    }

    /// The keys held, if still fresh (counted as a cache hit); never fetches.
    pub(crate) fn fresh(&self) -> Option<Arc<KeySet>> {
        let snap = self.snapshot.load();
        let snap = snap.as_ref().filter(|snap| Instant::now() < snap.fresh_until)?;
        self.counters.cache_hits.fetch_add(1, Ordering::Relaxed);
        Some(snap.keys.clone())
    }

    /// Keys fit for verifying now: fresh ones, or fetched ones, or (when the
    /// fetch fails) stale ones within `max_stale`.
    pub(crate) async fn current(&self) -> Result<Arc<KeySet>, Error> {
        if let Some(keys) = self.fresh() {
            return Ok(keys);
        }
        let seen = self.attempts();
        self.fetch_once(seen, false).await;
        let now = Instant::now();
        match self.snapshot.load_full() {
            Some(snap) if now < snap.fresh_until => Ok(snap.keys.clone()),
            Some(snap) if now < snap.fresh_until + self.config.max_stale => {
                self.counters.stale_serves.fetch_add(1, Ordering::Relaxed);
                // Once per failed attempt, not once per request of an outage.
                let attempt = self.attempts();
                if self.counters.stale_warned.swap(attempt, Ordering::Relaxed) != attempt {
                    tracing::warn!(
                        url = %redact(self.location.url()),
                        stale_for_secs = (now - snap.fresh_until).as_secs(),
                        "serving expired JWKS keys because the refresh failed"
                    );
                }
                Ok(snap.keys.clone())
            }
            Some(_) => Err(self.stale_error()),
            None => Err(self.last_error()),
        }
    }

    /// Refetch after a token named a `kid` the held keys lack. `seen` is the
    /// attempt count when the caller read its keys: if a fetch finished since,
    /// the caller just retries with the new keys.
    pub(crate) async fn refetch_for_unknown_kid(&self, seen: u64, kid: &str) {
        let process = self.process();
        let _guard = process.fetch_lock.lock().await;
        if self.attempts() != seen {
            return;
        }
        // Token content in a log line: bounded, and no control characters.
        let kid: String = truncate(kid).chars().map(|c| if c.is_control() { '?' } else { c }).collect();
        let kid = kid.as_str();
        let refused = {
            let mut failure = process.failure();
            let now = Instant::now();
            // After a failed fetch the retry backoff paces refetches, so a key
            // rotated in during an outage is fetched as soon as the provider is back.
            let refused = match (&failure.last_error, failure.retry_after) {
                (Some(_), Some(retry_after)) => now < retry_after,
                _ => failure.last_kid_refetch.is_some_and(|t| now < t + self.config.cooldown),
            };
            if !refused {
                failure.last_kid_refetch = Some(now);
            }
            refused
        };
        if refused {
            self.counters.cooldown_refusals.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(kid, "unknown kid; refetch refused during cooldown");
            return;
        }
        tracing::info!(kid, "unknown kid; refetching the key set");
        self.fetch_locked(&process, true).await;
    }

    /// The last fetch's failure, while no fetch has succeeded since.
    pub(crate) fn last_failure(&self) -> Option<Error> {
        self.process().failure().last_error.clone()
    }

    /// Forces a fetch now (still shared with concurrent callers).
    pub(crate) async fn refresh(&self) -> Result<(), Error> {
        let seen = self.attempts();
        self.fetch_once(seen, true).await;
        match &self.process().failure().last_error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// Single flight: the first caller fetches; callers that queued behind it
    /// see the attempt count moved and use its outcome.
    async fn fetch_once(&self, seen: u64, forced: bool) {
        let process = self.process();
        let _guard = process.fetch_lock.lock().await;
        if self.attempts() != seen {
            return;
        }
        if !forced {
            if let Some(retry_after) = process.failure().retry_after {
                if Instant::now() < retry_after {
                    return;
                }
            }
        }
        self.fetch_locked(&process, false).await;
    }

    async fn fetch_locked(&self, process: &PerProcess, revalidate: bool) {
        let started = Instant::now();
        let outcome = self.fetch_and_store(&process.client, revalidate).await;
        self.counters.latency.record(started.elapsed());
        let mut failure = process.failure();
        let failed = match outcome {
            Ok(()) => {
                failure.last_error = None;
                failure.retry_after = None;
                failure.failures_in_a_row = 0;
                None
            }
            Err(e) => {
                self.counters.fetch_failures.fetch_add(1, Ordering::Relaxed);
                failure.failures_in_a_row = failure.failures_in_a_row.saturating_add(1);
                let backoff = Duration::from_secs(1 << (failure.failures_in_a_row - 1).min(16));
                failure.retry_after = Some(Instant::now() + backoff.min(self.config.cooldown));
                failure.last_error = Some(e.clone());
                Some(e)
            }
        };
        drop(failure);
        // Logged with no lock held, so a subscriber may call back into tokenward.
        if let Some(e) = failed {
            tracing::warn!(url = %redact(self.location.url()), code = e.code(), error = e.message(), "JWKS fetch failed");
        }
        self.attempts.fetch_add(1, Ordering::AcqRel);
    }

    async fn fetch_and_store(&self, client: &reqwest::Client, force_full: bool) -> Result<(), Error> {
        let url = self.jwks_url(client).await?;
        #[cfg(feature = "panic-injection")]
        crate::panic::injection::on_fetch(&url);
        let previous = self.snapshot.load_full();
        let mut request = client.get(url.clone()).header(ACCEPT, "application/jwk-set+json, application/json");
        if let Some(etag) = previous.as_ref().and_then(|p| p.etag.as_ref()) {
            if !force_full {
                request = request.header(IF_NONE_MATCH, etag);
            }
        }
        self.counters.fetches.fetch_add(1, Ordering::Relaxed);
        let response = request.send().await.map_err(|e| describe(&url, e))?;
        let cache_control = response.headers().get(CACHE_CONTROL).and_then(|v| v.to_str().ok());
        let fresh_for = freshness(cache_control, &self.config);
        let etag = etag_of(response.headers());
        if response.status() == StatusCode::NOT_MODIFIED {
            if let Some(prev) = previous {
                self.counters.not_modified.fetch_add(1, Ordering::Relaxed);
                self.snapshot.store(Some(Arc::new(Snapshot {
                    keys: prev.keys.clone(),
                    fresh_until: Instant::now() + fresh_for,
                    etag: etag.or_else(|| prev.etag.clone()),
                    fetched_at: Instant::now(),
                    document: Arc::clone(&prev.document),
                })));
                tracing::debug!(url = %redact(&url), "JWKS not modified");
                return Ok(());
            }
        }
        let body = read_body(response, &url, self.config.max_jwks_bytes, "key set").await?;
        let shown = redact(&url);
        let parsed = match self.location {
            Location::X509(_) => KeySet::from_x509_map_json(&body),
            _ => KeySet::from_jwks_json(&body),
        };
        let keys = parsed.map_err(|e| Error::new(ErrorCode::JwksInvalid, format!("{shown}: {}", e.message())))?;
        tracing::info!(url = %shown, keys = keys.len(), skipped = keys.skipped().len(), "JWKS fetched");
        self.snapshot.store(Some(Arc::new(Snapshot {
            keys: Arc::new(keys),
            fresh_until: Instant::now() + fresh_for,
            etag,
            fetched_at: Instant::now(),
            document: Arc::from(body),
        })));
        Ok(())
    }

    async fn jwks_url(&self, client: &reqwest::Client) -> Result<Url, Error> {
        let issuer = match &self.location {
            Location::Jwks(url) | Location::X509(url) => return Ok(url.clone()),
            Location::Discover(issuer) => issuer,
        };
        if let Some(found) = self.discovered.get() {
            return Ok(found.jwks_uri.clone());
        }
        let found = discovery::resolve(client, issuer, self.config.max_jwks_bytes).await?;
        tracing::info!(issuer = %truncate(&found.issuer), jwks_uri = %redact(&found.jwks_uri), "discovered the key set");
        Ok(self.discovered.get_or_init(|| found).jwks_uri.clone())
    }

    fn last_error(&self) -> Error {
        self.process().failure().last_error.clone().unwrap_or_else(|| fetch_failed("the key set could not be fetched"))
    }

    fn stale_error(&self) -> Error {
        let cause = self
            .process()
            .failure()
            .last_error
            .as_ref()
            .map_or_else(String::new, |e| format!(" (last failure: {})", e.message()));
        fetch_failed(format!(
            "the held keys expired more than max_stale ({}s) ago and cannot be refreshed{cause}",
            self.config.max_stale.as_secs()
        ))
    }
}

/// How long keys served with this `Cache-Control` stay fresh: `max-age`
/// clamped to the configured bounds, else `cache_ttl`.
pub(crate) fn freshness(cache_control: Option<&str>, config: &CacheConfig) -> Duration {
    match cache_control.and_then(max_age) {
        Some(age) => age.clamp(config.min_cache_ttl, config.max_cache_ttl.max(config.min_cache_ttl)),
        None => config.cache_ttl,
    }
}

/// `max-age` in seconds; `no-cache`/`no-store` count as zero (then clamped up).
fn max_age(value: &str) -> Option<Duration> {
    let mut max_age = None;
    for directive in value.split(',').map(str::trim) {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-cache" || lower == "no-store" {
            return Some(Duration::ZERO);
        }
        if let Some(n) = lower.strip_prefix("max-age=") {
            max_age = n.trim_matches('"').parse::<u64>().ok().map(Duration::from_secs);
        }
    }
    max_age
}

fn etag_of(headers: &HeaderMap) -> Option<String> {
    headers.get(ETAG)?.to_str().ok().map(str::to_owned)
}
