//! `Verifier`: one policy plus one key source (static or remote), built once
//! and shared by every thread and task of the application.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::algorithm::{Algorithm, AlgorithmSet};
use crate::claims::Claims;
use crate::discovery::check_issuer_url;
use crate::error::{quoted, truncate, Error, ErrorCode};
use crate::fetch::check_url;
use crate::jwks::{CacheConfig, CacheStats, JwksCache, KeyStatus, Location};
use crate::keys::KeySet;
use crate::policy::{Clock, Policy};
use crate::rules::ClaimRule;
use crate::token;
use crate::token_cache::{TokenCache, DEFAULT_TOKEN_CACHE_SIZE};
use crate::verify::verify_by;

/// A verification waiting on a key fetch; drive it on a tokio runtime.
pub type PendingVerify = Pin<Box<dyn Future<Output = Result<Claims, Error>> + Send>>;

enum Source {
    Static(Arc<KeySet>),
    Remote(Box<JwksCache>),
    /// Several issuer configurations: the token's unverified `iss` picks one,
    /// and only that one's keys and rules judge it.
    Issuers(Vec<Route>),
}

/// One issuer configuration of a verifier that trusts several.
struct Route {
    name: Arc<str>,
    verifier: Verifier,
}

impl Route {
    fn label(&self, outcome: Result<Claims, Error>) -> Result<Claims, Error> {
        outcome.map(|claims| claims.accepted_by(&self.name))
    }
}

struct Inner {
    policy: Policy,
    source: Source,
    /// Set when `discover` was given without `issuer`: tokens must carry the
    /// issuer the discovery document names, known once it is fetched.
    learns_issuer: bool,
    discovered_policy: OnceLock<Policy>,
    /// Verified tokens; `None` when `token_cache_size` is 0.
    tokens: Option<TokenCache>,
}

impl Inner {
    /// Whether this verifier accepts `iss`. Before a discovery document
    /// names its issuer exactly, the URL as given stands for it, with or
    /// without a trailing `/`.
    fn names(&self, iss: &str) -> bool {
        let policy = self.policy();
        policy.issuers.iter().any(|i| i == iss)
            || (self.learns_issuer
                && std::ptr::eq(policy, &self.policy)
                && policy.issuers.iter().any(|i| i.trim_end_matches('/') == iss.trim_end_matches('/')))
    }

    /// The rules in force: `policy`, with the discovered issuer once known.
    /// Until then no keys are held, and `policy` expects the URL as typed.
    fn policy(&self) -> &Policy {
        if self.learns_issuer {
            if let Source::Remote(cache) = &self.source {
                if let Some(issuer) = cache.discovered_issuer() {
                    return self
                        .discovered_policy
                        .get_or_init(|| Policy { issuers: vec![issuer.to_owned()], ..self.policy.clone() });
                }
            }
        }
        &self.policy
    }

    /// Verifies with `keys`, answering from the verified-token cache when it can.
    fn verify(&self, token: &str, keys: &KeySet) -> Result<Claims, Error> {
        let policy = self.policy();
        let Some(cache) = &self.tokens else {
            return verify_by(token, keys, policy).map(|(claims, _)| claims);
        };
        if let Some(outcome) = cache.get(token, keys, policy) {
            return outcome;
        }
        let (claims, key) = verify_by(token, keys, policy)?;
        cache.insert(token, &claims, key);
        Ok(claims)
    }
}

/// Verifies tokens. Cheap to clone; clones share keys and cache.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier").field("policy", &self.inner.policy).finish_non_exhaustive()
    }
}

pub(crate) enum KeySpec {
    JwksUrl(String),
    X509Url(String),
    Discover(String),
    JwksJson(Vec<u8>),
    Pem(String),
    Secret(Vec<u8>),
}

impl KeySpec {
    fn option_name(&self) -> &'static str {
        match self {
            KeySpec::JwksUrl(_) => "jwks_url",
            KeySpec::X509Url(_) => "x509_url",
            KeySpec::Discover(_) => "discover",
            KeySpec::JwksJson(_) => "jwks_json",
            KeySpec::Pem(_) => "pem",
            KeySpec::Secret(_) => "secret",
        }
    }
}

/// Collects options; [`VerifierBuilder::build`] checks them all at once.
#[must_use]
pub struct VerifierBuilder {
    keys: Vec<KeySpec>,
    /// A provider preset's key source, used when no other is given.
    preset_keys: Option<KeySpec>,
    /// Keys to start with, exported by another process.
    snapshot: Option<Vec<u8>>,
    policy: Policy,
    algorithms: Option<Vec<Algorithm>>,
    cache: CacheConfig,
    token_cache_size: usize,
}

impl Verifier {
    /// Starts a verifier's options; every option has its default until set.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder {
            keys: Vec::new(),
            preset_keys: None,
            snapshot: None,
            policy: Policy::default(),
            algorithms: None,
            cache: CacheConfig::default(),
            token_cache_size: DEFAULT_TOKEN_CACHE_SIZE,
        }
    }

    /// The rules this verifier applies (with discovery, the issuer the
    /// discovery document names once it has been fetched).
    pub fn policy(&self) -> &Policy {
        self.inner.policy()
    }

    /// Verifies with the keys held now; never fetches. A remote verifier that
    /// has not fetched yet answers `jwks_not_loaded`.
    pub fn verify_with_held_keys(&self, token: &str) -> Result<Claims, Error> {
        let inner = &*self.inner;
        match &inner.source {
            Source::Static(keys) => inner.verify(token, keys),
            Source::Remote(cache) => inner.verify(token, &*cache.held()?),
            Source::Issuers(routes) => {
                let route = self.route(routes, token)?;
                route.label(route.verifier.verify_with_held_keys(token))
            }
        }
    }

    /// The configuration whose issuer the token names; no network is used,
    /// and a token naming no configured issuer is `invalid_issuer`.
    fn route<'r>(&self, routes: &'r [Route], token: &str) -> Result<&'r Route, Error> {
        let policy = &self.inner.policy;
        policy.validate()?;
        let iss = token::unverified_issuer(token, policy.max_token_bytes)?;
        let Some(iss) = iss else {
            return Err(Error::claim(
                ErrorCode::MissingClaim,
                "iss",
                format!("the token has no \"iss\"; this verifier trusts {}", quoted(&policy.issuers)),
            ));
        };
        // An exact match first: a discovery URL not yet resolved stands for
        // its issuer with or without a trailing `/`, and must not shadow a
        // configuration that names the issuer exactly.
        let exact = routes.iter().find(|route| route.verifier.inner.policy().issuers.contains(&iss));
        exact.or_else(|| routes.iter().find(|route| route.verifier.inner.names(&iss))).ok_or_else(|| {
            Error::claim(
                ErrorCode::InvalidIssuer,
                "iss",
                format!("iss is \"{}\"; this verifier trusts {}", truncate(&iss), quoted(&policy.issuers)),
            )
        })
    }

    /// A remote verifier about to fetch refuses first a token whose `iss` it
    /// would refuse anyway, so tokens from foreign issuers never cause a fetch.
    fn refuse_foreign_issuer(&self, token: &str) -> Option<Error> {
        let policy = self.inner.policy();
        if policy.issuers.is_empty() {
            return None;
        }
        // A malformed token is judged by the usual path, in the usual order.
        let Some(iss) = token::unverified_issuer(token, policy.max_token_bytes).ok()? else {
            return Some(Error::claim(
                ErrorCode::MissingClaim,
                "iss",
                format!("the token has no \"iss\"; expected {}", quoted(&policy.issuers)),
            ));
        };
        (!self.inner.names(&iss)).then(|| {
            Error::claim(
                ErrorCode::InvalidIssuer,
                "iss",
                format!("iss is \"{}\"; expected {}", truncate(&iss), quoted(&policy.issuers)),
            )
        })
    }

    /// Verifies, fetching the key set when it is missing, expired, or lacks
    /// the token's `kid` (at most once per cooldown).
    pub async fn verify(&self, token: &str) -> Result<Claims, Error> {
        if let Source::Issuers(routes) = &self.inner.source {
            let route = self.route(routes, token)?;
            return route.label(Box::pin(route.verifier.verify(token)).await);
        }
        match self.verify_with_fresh_keys(token) {
            Ready::Done(outcome) => outcome,
            Ready::Fetch(held) => match self.refuse_foreign_issuer(token) {
                Some(refused) => Err(refused),
                None => self.verify_fetching(token, held).await,
            },
        }
    }

    /// Verifies at once when the keys held are fresh and have the token's
    /// key, or returns the future that fetches first. Bindings use this to
    /// answer on the calling thread, without allocating or touching an async
    /// runtime, and send only real fetches to their runtime.
    pub fn verify_or_fetch(&self, token: &str) -> Result<Result<Claims, Error>, PendingVerify> {
        if let Source::Issuers(routes) = &self.inner.source {
            let route = match self.route(routes, token) {
                Ok(route) => route,
                Err(refused) => return Ok(Err(refused)),
            };
            return match route.verifier.verify_or_fetch(token) {
                Ok(outcome) => Ok(route.label(outcome)),
                Err(pending) => {
                    let name = Arc::clone(&route.name);
                    Err(Box::pin(async move { pending.await.map(|claims| claims.accepted_by(&name)) }))
                }
            };
        }
        match self.verify_with_fresh_keys(token) {
            Ready::Done(outcome) => Ok(outcome),
            Ready::Fetch(held) => {
                if let Some(refused) = self.refuse_foreign_issuer(token) {
                    return Ok(Err(refused));
                }
                let this = self.clone();
                let token = token.to_owned();
                Err(Box::pin(async move { this.verify_fetching(&token, held).await }))
            }
        }
    }

    /// The verdict, when it costs next to nothing: a verified-token cache
    /// hit, a token refused before any signature check (size, syntax,
    /// algorithm, `crit`), or an HMAC token, with fresh keys. `None` when a
    /// public-key signature check or a fetch is needed: a binding with a
    /// thread pool sends those through [`verify_or_fetch`](Self::verify_or_fetch)
    /// off its event loop, and answers these at once.
    pub fn verify_if_cheap(&self, token: &str) -> Option<Result<Claims, Error>> {
        let inner = &*self.inner;
        let keys = match &inner.source {
            Source::Static(keys) => Arc::clone(keys),
            Source::Remote(cache) => cache.fresh_uncounted()?,
            Source::Issuers(routes) => {
                return match self.route(routes, token) {
                    Ok(route) => route.verifier.verify_if_cheap(token).map(|outcome| route.label(outcome)),
                    Err(refused) => Some(Err(refused)),
                }
            }
        };
        let policy = inner.policy();
        if let Some(tokens) = &inner.tokens {
            if let Some(outcome) = tokens.peek(token, &keys, policy) {
                return Some(outcome);
            }
        }
        let alg = match policy.validate().and_then(|()| token::precheck(token, policy)) {
            Ok(alg) => alg,
            Err(e) => return Some(Err(e)),
        };
        alg.is_symmetric().then(|| self.verify_or_fetch(token).ok()).flatten()
    }

    /// The synchronous part of [`verify`](Self::verify): everything that needs no fetch.
    fn verify_with_fresh_keys(&self, token: &str) -> Ready {
        let inner = &*self.inner;
        let cache = match &inner.source {
            Source::Static(keys) => return Ready::Done(inner.verify(token, keys)),
            Source::Remote(cache) => cache,
            Source::Issuers(_) => {
                return Ready::Done(Err(Error::internal("a verifier of several issuers routes first")))
            }
        };
        let Some(keys) = cache.fresh() else {
            return Ready::Fetch(None);
        };
        // The attempt that produced `keys`: a later one means fresher keys exist.
        match self.judge(token, &keys, cache.attempts()) {
            Ok(outcome) => Ready::Done(outcome),
            Err(unknown) => Ready::Fetch(Some(unknown)),
        }
    }

    /// Verifies with `keys`, or names the `kid` they lack (worth a refetch).
    fn judge(&self, token: &str, keys: &KeySet, seen: u64) -> Result<Result<Claims, Error>, UnknownKid> {
        match self.inner.verify(token, keys) {
            Err(e) if e.kind() == ErrorCode::KeyNotFound => match unknown_kid(token, keys) {
                Some(kid) => Err(UnknownKid { seen, kid }),
                None => Ok(Err(e)),
            },
            outcome => Ok(outcome),
        }
    }

    /// The part of [`verify`](Self::verify) that fetches: keys missing or
    /// expired (`unknown` is None), or fresh keys that lack the token's `kid`.
    async fn verify_fetching(&self, token: &str, unknown: Option<UnknownKid>) -> Result<Claims, Error> {
        let inner = &*self.inner;
        let Source::Remote(cache) = &inner.source else {
            return Err(Error::internal("only remote keys are fetched"));
        };
        let unknown = match unknown {
            Some(unknown) => unknown,
            None => {
                let keys = cache.current().await?;
                match self.judge(token, &keys, cache.attempts()) {
                    Ok(outcome) => return outcome,
                    Err(unknown) => unknown,
                }
            }
        };
        cache.refetch_for_unknown_kid(unknown.seen, &unknown.kid).await;
        match inner.verify(token, &*cache.held()?) {
            // The key may be one the provider rotated in while it could not
            // be fetched: that is the fetch's failure (503), not the token's (401).
            Err(e) if e.kind() == ErrorCode::KeyNotFound => Err(cache.last_failure().unwrap_or(e)),
            outcome => outcome,
        }
    }

    /// Fetches the key set now (a no-op for static keys).
    pub async fn refresh(&self) -> Result<(), Error> {
        match &self.inner.source {
            Source::Static(_) => Ok(()),
            Source::Remote(cache) => cache.refresh().await,
            Source::Issuers(routes) => {
                // Every configuration is refreshed; the first failure is reported.
                let mut outcome = Ok(());
                for route in routes {
                    let refreshed = Box::pin(route.verifier.refresh()).await;
                    outcome = outcome.and(refreshed);
                }
                outcome
            }
        }
    }

    /// Key-cache and verified-token-cache counters (the key counters stay
    /// zero for static keys).
    pub fn stats(&self) -> CacheStats {
        let mut stats = match &self.inner.source {
            Source::Static(keys) => CacheStats { keys: keys.len() as u64, ..CacheStats::default() },
            Source::Remote(cache) => cache.stats(),
            Source::Issuers(routes) => {
                return routes.iter().map(|r| r.verifier.stats()).fold(CacheStats::default(), CacheStats::sum)
            }
        };
        if let Some(tokens) = &self.inner.tokens {
            stats.tokens = tokens.stats();
        }
        stats
    }

    /// Whether usable keys are held, how many and how old, and the last
    /// fetch error: for health and readiness checks. A verifier of several
    /// issuers answers for all of them (keys held and fresh only when every
    /// configuration's are; the oldest age; the first error).
    pub fn status(&self) -> KeyStatus {
        match &self.inner.source {
            Source::Static(keys) => KeyStatus {
                remote: false,
                keys_held: true,
                key_count: keys.len() as u64,
                fresh: true,
                ..KeyStatus::default()
            },
            Source::Remote(cache) => cache.status(),
            Source::Issuers(routes) => {
                let all: Vec<KeyStatus> = routes.iter().map(|r| r.verifier.status()).collect();
                let least = |read: fn(&KeyStatus) -> Option<f64>, pick: fn(f64, f64) -> f64| {
                    all.iter().filter_map(read).reduce(pick)
                };
                KeyStatus {
                    remote: all.iter().any(|s| s.remote),
                    keys_held: all.iter().all(|s| s.keys_held),
                    key_count: all.iter().map(|s| s.key_count).sum(),
                    fresh: all.iter().all(|s| s.fresh),
                    age_seconds: least(|s| s.age_seconds, f64::max),
                    fresh_for_seconds: least(|s| s.fresh_for_seconds, f64::min),
                    last_error: all.iter().find_map(|s| s.last_error.clone()),
                }
            }
        }
    }

    /// Fetches the keys unless fresh ones are held (at startup, so the first
    /// request does not wait on the provider), and reports the status.
    pub async fn warm_up(&self) -> Result<KeyStatus, Error> {
        match &self.inner.source {
            Source::Static(_) => {}
            Source::Remote(cache) => {
                if cache.fresh_uncounted().is_none() {
                    cache.refresh().await?;
                }
            }
            Source::Issuers(routes) => {
                // Every configuration is warmed; the first failure is reported.
                let mut outcome = Ok(());
                for route in routes {
                    let warmed = Box::pin(route.verifier.warm_up()).await.map(drop);
                    outcome = outcome.and(warmed);
                }
                outcome?;
            }
        }
        Ok(self.status())
    }

    /// The remote keys held now, with their freshness, as JSON another
    /// process can start from ([`VerifierBuilder::keys_snapshot`]): a
    /// prefork server's workers or a serverless cold start then verify
    /// without fetching, under the same expiry, `max_stale` and key rules as
    /// fetched keys. `jwks_not_loaded` before the first fetch;
    /// `configuration` for static keys and for a verifier of several issuers
    /// (export each configuration's verifier).
    pub fn export_keys(&self) -> Result<String, Error> {
        match &self.inner.source {
            Source::Remote(cache) => cache.export(),
            Source::Static(_) => Err(Error::config("static keys need no snapshot: they are in the configuration")),
            Source::Issuers(_) => Err(Error::config("export the keys of each issuer configuration's verifier")),
        }
    }

    /// True when keys are held (always for static keys).
    pub fn has_keys(&self) -> bool {
        match &self.inner.source {
            Source::Static(_) => true,
            Source::Remote(cache) => cache.held().is_ok(),
            Source::Issuers(routes) => routes.iter().all(|r| r.verifier.has_keys()),
        }
    }

    /// One verifier trusting several issuers, each configuration with its own
    /// key source, cache and rules (an Auth0 custom domain beside the
    /// canonical one, two Cognito pools, staging and production). The
    /// token's unverified `iss` only picks the configuration that then judges
    /// it: an `iss` no configuration names is `invalid_issuer` with no
    /// network request, and keys fetched for one issuer never verify a token
    /// that names another. Accepted claims carry the configuration's name
    /// ([`Claims::issuer_config`]).
    ///
    /// Every configuration must name its issuers (`issuer`, `discover`, or a
    /// provider preset); no two may name the same one; names are unique and
    /// non-empty.
    pub fn any_of<I, S>(configs: I) -> Result<Verifier, Error>
    where
        I: IntoIterator<Item = (S, Verifier)>,
        S: Into<String>,
    {
        let mut routes: Vec<Route> = Vec::new();
        let mut policy = Policy { required_claims: Vec::new(), max_token_bytes: 0, ..Policy::default() };
        for (name, verifier) in configs {
            let name: String = name.into();
            if name.is_empty() || routes.iter().any(|r| *r.name == *name) {
                return Err(Error::config(format!(
                    "issuer configuration names must be unique and non-empty; got {name:?}"
                )));
            }
            let issuers = &verifier.inner.policy.issuers;
            if issuers.is_empty() || matches!(verifier.inner.source, Source::Issuers(_)) {
                return Err(Error::config(format!(
                    "issuer configuration {name:?} names no issuer; give it issuer, discover or a provider preset"
                )));
            }
            if let Some(taken) = issuers.iter().find(|i| policy.issuers.contains(i)) {
                return Err(Error::config(format!("the issuer \"{taken}\" is named by two issuer configurations")));
            }
            policy.issuers.extend(issuers.iter().cloned());
            policy.max_token_bytes = policy.max_token_bytes.max(verifier.inner.policy.max_token_bytes);
            routes.push(Route { name: name.into(), verifier });
        }
        if routes.is_empty() {
            return Err(Error::config("any_of needs at least one issuer configuration"));
        }
        Ok(Verifier {
            inner: Arc::new(Inner {
                policy,
                source: Source::Issuers(routes),
                learns_issuer: false,
                discovered_policy: OnceLock::new(),
                tokens: None,
            }),
        })
    }

    /// The names of the issuer configurations of a verifier built with
    /// [`any_of`](Self::any_of), in order; empty for any other.
    pub fn issuer_configs(&self) -> Vec<&str> {
        match &self.inner.source {
            Source::Issuers(routes) => routes.iter().map(|r| &*r.name).collect(),
            _ => Vec::new(),
        }
    }
}

/// What the synchronous step of a verification decided.
enum Ready {
    Done(Result<Claims, Error>),
    /// A fetch is needed first; `Some` when fresh keys lack the token's `kid`.
    Fetch(Option<UnknownKid>),
}

/// A `kid` the fresh keys lack, and the fetch-attempt count read before them.
struct UnknownKid {
    seen: u64,
    kid: String,
}

/// The token's `kid`, if the held keys do not have it.
fn unknown_kid(token: &str, keys: &KeySet) -> Option<String> {
    let kid = token::decode_unverified(token).ok()?.header.get("kid")?.as_str()?.to_owned();
    (!keys.has_kid(&kid)).then_some(kid)
}

impl VerifierBuilder {
    /// Fetch keys from this JWKS URL (https, or http to a loopback address).
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.keys.push(KeySpec::JwksUrl(url.into()));
        self
    }

    /// Fetch keys from this X.509 certificate map: a JSON object of `kid` to
    /// PEM certificate, as Google publishes Firebase's keys. Cached,
    /// refetched and capped exactly like a JWKS.
    pub fn x509_url(mut self, url: impl Into<String>) -> Self {
        self.keys.push(KeySpec::X509Url(url.into()));
        self
    }

    /// Start with the keys of a snapshot made by [`Verifier::export_keys`]
    /// (JSON) for the same key source, keeping their freshness: they are
    /// used, refreshed and given up exactly like fetched keys.
    pub fn keys_snapshot(mut self, snapshot: impl AsRef<[u8]>) -> Self {
        self.snapshot = Some(snapshot.as_ref().to_vec());
        self
    }

    /// A provider preset's key source: used unless another is given.
    pub(crate) fn preset_keys(mut self, keys: KeySpec) -> Self {
        self.preset_keys = Some(keys);
        self
    }

    /// The claims required so far.
    pub(crate) fn required(&self) -> &[String] {
        &self.policy.required_claims
    }

    /// Adds a rule on the verified claims, checked after every other rule.
    pub fn claim_rule(mut self, rule: ClaimRule) -> Self {
        self.policy.rules.push(rule);
        self
    }

    /// Find the JWKS through OpenID Connect discovery of this issuer. Unless
    /// [`issuer`](Self::issuer) is set, tokens must carry the `issuer` the
    /// discovery document names (exactly, e.g. with Auth0's trailing `/`).
    pub fn discover(mut self, issuer_url: impl Into<String>) -> Self {
        self.keys.push(KeySpec::Discover(issuer_url.into()));
        self
    }

    /// Use the keys of this JWKS document.
    pub fn jwks_json(mut self, json: impl AsRef<[u8]>) -> Self {
        self.keys.push(KeySpec::JwksJson(json.as_ref().to_vec()));
        self
    }

    /// Use this PEM public key.
    pub fn pem(mut self, pem: impl Into<String>) -> Self {
        self.keys.push(KeySpec::Pem(pem.into()));
        self
    }

    /// Use this HMAC secret (requires listing HS algorithms).
    pub fn secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.keys.push(KeySpec::Secret(secret.as_ref().to_vec()));
        self
    }

    /// Accept this `iss` (call again, or use [`issuers`](Self::issuers), for several).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.policy.issuers.push(issuer.into());
        self
    }

    /// Accept each of these `iss` values.
    pub fn issuers<I: IntoIterator<Item = S>, S: Into<String>>(mut self, issuers: I) -> Self {
        self.policy.issuers.extend(issuers.into_iter().map(Into::into));
        self
    }

    /// Accept tokens whose `aud` contains this value (any-of across calls).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.policy.audiences.push(audience.into());
        self
    }

    /// Accept tokens whose `aud` contains any of these values.
    pub fn audiences<I: IntoIterator<Item = S>, S: Into<String>>(mut self, audiences: I) -> Self {
        self.policy.audiences.extend(audiences.into_iter().map(Into::into));
        self
    }

    /// The accepted algorithms. Defaults to every asymmetric one; HMAC
    /// algorithms are accepted only when listed here.
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = Some(algorithms.into_iter().collect());
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat`. Defaults to 30 s.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.policy.leeway = leeway;
        self
    }

    /// Refuse tokens whose `iat` is older than this. Defaults to none.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.policy.max_age = Some(max_age);
        self
    }

    /// Require this header `typ` (e.g. `at+jwt`). Defaults to none.
    pub fn typ(mut self, typ: impl Into<String>) -> Self {
        self.policy.typ = Some(typ.into());
        self
    }

    /// Claims that must be present. Defaults to `["exp"]`; empty requires none.
    pub fn required_claims<I: IntoIterator<Item = S>, S: Into<String>>(mut self, claims: I) -> Self {
        self.policy.required_claims = claims.into_iter().map(Into::into).collect();
        self
    }

    /// Largest token accepted, in bytes. Defaults to 16 384.
    pub fn max_token_bytes(mut self, bytes: usize) -> Self {
        self.policy.max_token_bytes = bytes;
        self
    }

    /// Read `exp`/`nbf`/`iat` above 10^11 as milliseconds. Defaults to false.
    pub fn millisecond_timestamps(mut self, enabled: bool) -> Self {
        self.policy.millisecond_timestamps = enabled;
        self
    }

    /// Judge time claims at this fixed Unix time in seconds (tests). Defaults to the system clock.
    pub fn now(mut self, unix_seconds: f64) -> Self {
        self.policy.clock = Clock::Fixed(unix_seconds);
        self
    }

    /// JWKS/discovery request timeout. Defaults to 5 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.cache.timeout = timeout;
        self
    }

    /// A PEM bundle of CA certificates trusted for JWKS, discovery and X.509
    /// fetches, in addition to the system roots (instead of them with
    /// [`ca_only`](Self::ca_only)). Read when a verifier that fetches is
    /// built: an unreadable file, or one without a certificate, is a
    /// `configuration` error naming it. Defaults to none (the system roots).
    pub fn ca_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.cache.ca_file = Some(path.into());
        self
    }

    /// Trust only the [`ca_file`](Self::ca_file) certificates, not the
    /// system roots (needs `ca_file`). Defaults to false.
    pub fn ca_only(mut self, only: bool) -> Self {
        self.cache.ca_only = only;
        self
    }

    /// Fetch through this proxy (`http://` or `https://` URL, credentials in
    /// its user info; https targets are tunnelled with CONNECT) instead of
    /// the one `HTTPS_PROXY`, `HTTP_PROXY` or `ALL_PROXY` (either case) names.
    /// Hosts listed in `NO_PROXY` (or `no_proxy`) are fetched directly, with
    /// or without this option; loopback hosts get no exception of their own,
    /// as in curl: list `localhost,127.0.0.1,::1` there to keep them direct.
    /// Defaults to none (the environment decides).
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.cache.proxy = Some(url.into());
        self
    }

    /// Key freshness when the response has no `Cache-Control: max-age`. Defaults to 600 s.
    pub fn cache_ttl(mut self, ttl: Duration) -> Self {
        self.cache.cache_ttl = ttl;
        self
    }

    /// Bounds applied to `Cache-Control: max-age`. Default to 60 s and 86 400 s.
    pub fn cache_ttl_bounds(mut self, min: Duration, max: Duration) -> Self {
        self.cache.min_cache_ttl = min;
        self.cache.max_cache_ttl = max;
        self
    }

    /// Least time between unknown-`kid` refetches, and the longest wait
    /// between retries after failed fetches (they back off from 1 s). Defaults to 30 s.
    pub fn cooldown(mut self, cooldown: Duration) -> Self {
        self.cache.cooldown = cooldown;
        self
    }

    /// How long past expiry held keys keep working while refreshes fail. Defaults to 86 400 s.
    pub fn max_stale(mut self, max_stale: Duration) -> Self {
        self.cache.max_stale = max_stale;
        self
    }

    /// Largest JWKS or discovery response, in bytes. Defaults to 524 288.
    pub fn max_jwks_bytes(mut self, bytes: usize) -> Self {
        self.cache.max_jwks_bytes = bytes;
        self
    }

    /// How many verified tokens to keep, so a token seen again skips its
    /// signature check (entries end at `exp` and when their key leaves the
    /// key set; time claims are judged again on every hit). 0 turns the
    /// cache off. Defaults to 4096.
    pub fn token_cache_size(mut self, tokens: usize) -> Self {
        self.token_cache_size = tokens;
        self
    }

    /// Checks every option and builds the verifier; errors are `configuration`
    /// (or `jwks_invalid` for an unusable static JWKS).
    pub fn build(self) -> Result<Verifier, Error> {
        let VerifierBuilder { mut keys, preset_keys, snapshot, mut policy, algorithms, cache, token_cache_size } = self;
        if keys.is_empty() {
            keys.extend(preset_keys);
        }
        let spec = match keys.len() {
            1 => keys.remove(0),
            0 => {
                return Err(Error::config(
                    "no key source: give one of jwks_url, x509_url, discover, jwks_json, pem or secret",
                ))
            }
            _ => {
                let names: Vec<_> = keys.iter().map(KeySpec::option_name).collect();
                return Err(Error::config(format!("give exactly one key source; found {}", names.join(", "))));
            }
        };
        policy.algorithms = match &algorithms {
            Some(list) if list.is_empty() => {
                return Err(Error::config("algorithms is empty; list at least one or leave it unset"))
            }
            Some(list) => AlgorithmSet::of(list.iter().copied()),
            None if matches!(spec, KeySpec::Secret(_)) => {
                return Err(Error::config(
                    "an HMAC secret needs the HS algorithms listed explicitly, e.g. algorithms [HS256]",
                ))
            }
            None => AlgorithmSet::of(Algorithm::ASYMMETRIC.iter().copied()),
        };
        policy.validate()?;
        if policy.required_claims.iter().any(String::is_empty) {
            return Err(Error::config("required_claims contains an empty name"));
        }
        if policy.issuers.iter().any(String::is_empty) || policy.audiences.iter().any(String::is_empty) {
            return Err(Error::config("issuer and audience values must be non-empty"));
        }
        if cache.timeout.is_zero() {
            return Err(Error::config("timeout must be positive"));
        }
        if cache.max_jwks_bytes == 0 {
            return Err(Error::config("max_jwks_bytes must be positive"));
        }
        let times = [cache.timeout, cache.cache_ttl, cache.max_cache_ttl, cache.cooldown, cache.max_stale];
        if times.iter().any(|t| t.as_secs_f64() > crate::policy::MAX_SECONDS) {
            return Err(Error::config("cache and fetch times must be at most ten years"));
        }
        if cache.min_cache_ttl > cache.max_cache_ttl {
            return Err(Error::config("the minimum cache TTL exceeds the maximum"));
        }
        let mut learns_issuer = false;
        let source = match spec {
            KeySpec::JwksJson(json) => Source::Static(Arc::new(KeySet::from_jwks_json(&json)?)),
            KeySpec::Pem(pem) => Source::Static(Arc::new(KeySet::from_pem(&pem)?)),
            KeySpec::Secret(secret) => {
                let keys = KeySet::from_secret(&secret)?;
                for alg in policy.algorithms.iter().filter(|a| a.is_symmetric()) {
                    if secret.len() < alg.hmac_min_secret() {
                        return Err(Error::config(format!(
                            "the secret is {} bytes; {alg} needs at least {}",
                            secret.len(),
                            alg.hmac_min_secret()
                        )));
                    }
                }
                Source::Static(Arc::new(keys))
            }
            KeySpec::JwksUrl(url) => {
                let url = check_url(&url, "jwks_url").map_err(Error::config)?;
                Source::Remote(Box::new(JwksCache::new(Location::Jwks(url), cache)?))
            }
            KeySpec::X509Url(url) => {
                let url = check_url(&url, "x509_url").map_err(Error::config)?;
                Source::Remote(Box::new(JwksCache::new(Location::X509(url), cache)?))
            }
            KeySpec::Discover(issuer) => {
                let url = check_issuer_url(&issuer)?;
                if policy.issuers.is_empty() {
                    learns_issuer = true;
                    policy.issuers.push(issuer);
                }
                Source::Remote(Box::new(JwksCache::new(Location::Discover(url), cache)?))
            }
        };
        match (&source, snapshot) {
            (Source::Remote(cache), Some(snapshot)) => cache.restore(&snapshot)?,
            (_, Some(_)) => return Err(Error::config("keys_snapshot is for keys fetched from a URL")),
            _ => {}
        }
        if let Source::Static(keys) = &source {
            if !policy.algorithms.iter().any(|a| keys.supports(a)) {
                return Err(Error::config(format!(
                    "no configured key can verify any of the allowed algorithms ({})",
                    policy.algorithms.names()
                )));
            }
        }
        let tokens = TokenCache::new(token_cache_size);
        Ok(Verifier {
            inner: Arc::new(Inner { policy, source, learns_issuer, discovered_policy: OnceLock::new(), tokens }),
        })
    }
}
