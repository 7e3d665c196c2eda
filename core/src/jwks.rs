//! Remote JWKS cache: lazy fetch, freshness from `Cache-Control`, ETag
//! revalidation, single flight, unknown-`kid` refetch with a cooldown, and
//! stale-if-error. One cache per verifier, shared by all its threads and tasks.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

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
    /// Least time between two refetches caused by unknown `kid`s, and between
    /// retries after a failed fetch. Defaults to 30 s.
    pub cooldown: Duration,
    /// How long past their freshness held keys keep working while refreshes
    /// fail. Defaults to 86 400 s (24 h).
    pub max_stale: Duration,
    /// Largest JWKS or discovery response accepted, in bytes. Defaults to 524 288 (512 KiB).
    pub max_jwks_bytes: usize,
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
    /// The verified-token cache's counters.
    pub tokens: TokenCacheStats,
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

struct Snapshot {
    keys: Arc<KeySet>,
    fresh_until: Instant,
    etag: Option<String>,
}

#[derive(Default)]
struct Counters {
    fetches: AtomicU64,
    not_modified: AtomicU64,
    cache_hits: AtomicU64,
    stale_serves: AtomicU64,
    cooldown_refusals: AtomicU64,
    fetch_failures: AtomicU64,
}

#[derive(Default, Clone)]
struct Failure {
    last_error: Option<Error>,
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
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            // Fetches are minutes apart and the runtime driving them may be
            // replaced (a forked child builds a new one): keep no idle connections.
            .pool_max_idle_per_host(0)
            .user_agent(concat!("tokenward/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))?;
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
            tokens: TokenCacheStats::default(),
        }
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
                tracing::warn!(
                    stale_for_secs = (now - snap.fresh_until).as_secs(),
                    "serving expired JWKS keys because the refresh failed"
                );
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
        let kid = truncate(kid);
        let kid = kid.as_str();
        {
            let mut failure = process.failure();
            let now = Instant::now();
            if failure.last_kid_refetch.is_some_and(|t| now < t + self.config.cooldown) {
                self.counters.cooldown_refusals.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(kid, "unknown kid; refetch refused during cooldown");
                return;
            }
            failure.last_kid_refetch = Some(now);
        }
        tracing::info!(kid, "unknown kid; refetching the key set");
        self.fetch_locked(&process, true).await;
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
        let outcome = self.fetch_and_store(&process.client, revalidate).await;
        let mut failure = process.failure();
        match outcome {
            Ok(()) => {
                failure.last_error = None;
                failure.retry_after = None;
            }
            Err(e) => {
                self.counters.fetch_failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(code = e.code(), error = %e, "JWKS fetch failed");
                failure.retry_after = Some(Instant::now() + self.config.cooldown);
                failure.last_error = Some(e);
            }
        }
        drop(failure);
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
        let fresh_for = self.freshness(response.headers());
        let etag = etag_of(response.headers());
        if response.status() == StatusCode::NOT_MODIFIED {
            if let Some(prev) = previous {
                self.counters.not_modified.fetch_add(1, Ordering::Relaxed);
                self.snapshot.store(Some(Arc::new(Snapshot {
                    keys: prev.keys.clone(),
                    fresh_until: Instant::now() + fresh_for,
                    etag: etag.or_else(|| prev.etag.clone()),
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

    fn freshness(&self, headers: &HeaderMap) -> Duration {
        let c = &self.config;
        match cache_control_max_age(headers) {
            Some(age) => age.clamp(c.min_cache_ttl, c.max_cache_ttl.max(c.min_cache_ttl)),
            None => c.cache_ttl,
        }
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

/// `max-age` in seconds; `no-cache`/`no-store` count as zero (then clamped up).
fn cache_control_max_age(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(CACHE_CONTROL)?.to_str().ok()?;
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
