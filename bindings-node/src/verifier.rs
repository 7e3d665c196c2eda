//! `NativeVerifier` and `decodeUnverified`. A verdict that costs next to
//! nothing (a verified-token cache hit, a refusal before any signature
//! check, an HMAC token) is answered on the calling thread; a public-key
//! signature check runs on libuv's thread pool, so the event loop goes on
//! serving while another core checks the signature; a key fetch runs on the
//! tokio runtime. Refusals are returned as `ErrorDetail`s, not thrown.
//!
//! Why that split, measured by bench/node/split.js (event-loop busy µs per
//! verification with many in flight, and the latency of one awaited call;
//! one pool thread, 2-core machine):
//!
//! | token               | loop µs inline | loop µs on the pool | latency inline | latency pool |
//! |---------------------|---------------:|--------------------:|---------------:|-------------:|
//! | cache hit (ES256)   |            1.8 |                 7.6 |            1.7 |         13.7 |
//! | HS256, new          |            3.5 |                 3.3 |            3.4 |         15.0 |
//! | RS256, new          |           19.5 |                12.3 |           19.3 |         34.3 |
//! | EdDSA, new          |           41.3 |                17.1 |           41.4 |         54.4 |
//! | ES256, new          |           57.3 |                17.7 |           57.0 |         71.0 |
//!
//! The pool costs the loop a fixed 3-18 µs (queueing the work, a wake-up,
//! settling the Promise; more when completions arrive one at a time) and
//! each call 12-15 µs of latency. A hit or an HMAC token costs the loop no
//! more inline than the hop would, and answers four times sooner, so it
//! stays on the loop (`Verifier::verify_if_cheap` names exactly those). Every
//! public-key check costs the loop more inline than on the pool, from 1.6x
//! (RS256) to 3x (ES256), so it goes to the pool and the loop serves other
//! requests meanwhile.

use napi::bindgen_prelude::*;
use napi::ScopedTask;
use napi_derive::napi;
use serde_json::Value;
use tokenward::{contain, contain_future, Claims, JsonObject, Options, PendingVerify, Spelling};

use crate::errors::ErrorDetail;

/// The native verifier; verifier.js wraps it in the public `Verifier`.
#[napi]
pub struct NativeVerifier {
    inner: tokenward::Verifier,
}

/// How `refresh` settles: `{}` or `{ error }`; the JS layer resolves or
/// rejects its own Promise from it.
#[napi(object)]
pub struct Settled {
    pub value: Option<String>,
    pub error: Option<ErrorDetail>,
}

impl Settled {
    fn from_outcome(outcome: std::result::Result<Option<String>, tokenward::Error>) -> Self {
        match outcome {
            Ok(value) => Settled { value, error: None },
            Err(e) => Settled { value: None, error: Some(ErrorDetail::from(&e)) },
        }
    }
}

/// A verification's answer: JSON text, or a refusal.
type Answer = Either<String, ErrorDetail>;

/// An answer known at once (JSON text or a refusal), or a Promise of one
/// (the pool thread's, or the key fetch's).
type Verdict = Either3<String, ErrorDetail, AsyncTask<OffThread>>;

/// How the verified claims cross: see [`claims_json`] and [`parts_json`].
type Render = fn(&Claims) -> String;

fn returned<T>(outcome: std::result::Result<T, tokenward::Error>) -> Either<T, ErrorDetail> {
    match outcome {
        Ok(value) => Either::A(value),
        Err(e) => Either::B(ErrorDetail::from(&e)),
    }
}

fn json(value: &JsonObject) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned())
}

/// Claims cross as JSON text that the JS layer hands to `JSON.parse`: V8
/// builds the object from text faster than napi can, one property call at a
/// time, and `JSON.parse` defines every member (even `__proto__`) as an own
/// data property. The core keeps the payload's JSON text as signed, so the
/// claims cost a copy, not a serialisation (and a token answered from the
/// verified-token cache, a lookup and a copy).
fn claims_json(claims: &Claims) -> String {
    claims.to_json().to_owned()
}

/// `{"claims":..,"header":..,"issuerConfig":..}`: what was verified, for
/// `verifyDetailed` and the HTTP adapters.
fn parts_json(claims: &Claims) -> String {
    let config = claims.issuer_config().map_or_else(|| "null".to_owned(), |name| Value::from(name).to_string());
    format!("{{\"claims\":{},\"header\":{},\"issuerConfig\":{config}}}", claims.to_json(), claims.header_json())
}

fn status_json(s: &tokenward::KeyStatus) -> Value {
    serde_json::json!({
        "remote": s.remote,
        "keysHeld": s.keys_held,
        "keyCount": s.key_count,
        "fresh": s.fresh,
        "ageSeconds": s.age_seconds,
        "freshForSeconds": s.fresh_for_seconds,
        "lastError": s.last_error,
    })
}

/// Fetch durations in seconds; `buckets` as `{ le, count }`, not cumulative,
/// the last `le` null (infinity, which JSON cannot carry; verifier.js maps it).
fn latency_json(l: &tokenward::FetchLatency) -> Value {
    let seconds = |micros: u64| micros as f64 / 1e6;
    let bounds = tokenward::FETCH_LATENCY_BUCKETS_MS.iter().map(|ms| Some(*ms as f64 / 1e3)).chain([None]);
    let buckets: Vec<Value> =
        bounds.zip(l.buckets.iter()).map(|(le, count)| serde_json::json!({ "le": le, "count": count })).collect();
    serde_json::json!({
        "last": l.last_micros.map(seconds),
        "count": l.count,
        "sum": seconds(l.sum_micros),
        "buckets": buckets,
    })
}

fn made(built: std::result::Result<tokenward::Verifier, tokenward::Error>) -> Either<NativeVerifier, ErrorDetail> {
    match built {
        Ok(inner) => Either::A(NativeVerifier { inner }),
        Err(e) => Either::B(ErrorDetail::from(&e)),
    }
}

/// Provider preset `name` with its arguments and ordinary options in one
/// camelCase object (values converted by kind in options.js), or why not.
#[napi(catch_unwind)]
pub fn create_preset(name: String, options: Value) -> Either<NativeVerifier, ErrorDetail> {
    made(contain(|| tokenward::providers::build(&name, options, Spelling::Camel)))
}

/// Collects issuer configurations for `Verifier.anyOf`.
#[napi]
pub struct NativeIssuers {
    configs: Vec<(String, tokenward::Verifier)>,
}

#[napi]
impl NativeIssuers {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        NativeIssuers { configs: Vec::new() }
    }

    /// Adds the configuration `name`.
    #[napi]
    pub fn add(&mut self, name: String, verifier: &NativeVerifier) {
        self.configs.push((name, verifier.inner.clone()));
    }

    /// One verifier trusting every configuration added, or why not.
    #[napi(catch_unwind)]
    pub fn build(&mut self) -> Either<NativeVerifier, ErrorDetail> {
        let configs = std::mem::take(&mut self.configs);
        made(contain(|| tokenward::Verifier::any_of(configs)))
    }
}

/// A verifier for `options` (camelCase keys, values already converted by
/// kind in options.js), or why not; the core refuses unknown names and bad values.
#[napi(catch_unwind)]
pub fn create_verifier(options: Value) -> Either<NativeVerifier, ErrorDetail> {
    made(contain(|| Options::from_json_spelled(options, Spelling::Camel).and_then(Options::build)))
}

#[napi]
impl NativeVerifier {
    /// The claims as JSON text, or a refusal, when the answer is cheap;
    /// otherwise a Promise of either, settled from the thread pool (or after
    /// a key fetch).
    #[napi(catch_unwind, ts_return_type = "string | ErrorDetail | Promise<string | ErrorDetail>")]
    pub fn verify(&self, token: String) -> Verdict {
        self.verdict(token, claims_json)
    }

    /// Like `verify`, with the verified header beside the claims:
    /// `{"claims":..,"header":..}`.
    #[napi(catch_unwind, ts_return_type = "string | ErrorDetail | Promise<string | ErrorDetail>")]
    pub fn verify_parts(&self, token: String) -> Verdict {
        self.verdict(token, parts_json)
    }

    /// The claims as JSON text, with the keys held now (never fetches), or a refusal.
    #[napi(catch_unwind)]
    pub fn verify_sync(&self, token: String) -> Either<String, ErrorDetail> {
        returned(contain(|| self.inner.verify_with_held_keys(&token).map(|claims| claims_json(&claims))))
    }

    /// Whether usable keys are held, how many and how old, and the last fetch error.
    #[napi(catch_unwind)]
    pub fn status(&self) -> Value {
        status_json(&self.inner.status())
    }

    /// Fetches the keys unless fresh ones are held; settles with
    /// `{ value: status as JSON text }` or `{ error }`.
    #[napi(catch_unwind)]
    pub fn warm_up<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Settled>> {
        let inner = self.inner.clone();
        let warming = contain_future(async move { inner.warm_up().await });
        env.spawn_future(async move {
            Ok(Settled::from_outcome(warming.await.map(|status| Some(status_json(&status).to_string()))))
        })
    }

    /// The remote keys held now, with their freshness, as JSON text, or a refusal.
    #[napi(catch_unwind)]
    pub fn export_keys(&self) -> Either<String, ErrorDetail> {
        returned(contain(|| self.inner.export_keys()))
    }

    /// Fetches the key set now; settles with `{}` or `{ error }`.
    #[napi(catch_unwind)]
    pub fn refresh<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Settled>> {
        let inner = self.inner.clone();
        let refreshing = contain_future(async move { inner.refresh().await });
        env.spawn_future(async move { Ok(Settled::from_outcome(refreshing.await.map(|()| None))) })
    }

    /// For tests and the benchmark: `verify`, sent to the thread pool
    /// whatever the token, so both paths can be compared on any token.
    #[napi(js_name = "_verifyOffThread", catch_unwind, ts_return_type = "Promise<string | ErrorDetail>")]
    pub fn verify_off_thread(&self, token: String) -> AsyncTask<OffThread> {
        AsyncTask::new(OffThread { verifier: self.inner.clone(), token, render: claims_json })
    }

    /// For the benchmark: seconds taken by `iterations` verifications inside
    /// Rust, cycling through `tokens`, with no JS in the loop (the core's own
    /// cost, its verified-token cache included).
    #[napi(js_name = "_timeCore", catch_unwind)]
    pub fn time_core(&self, tokens: Vec<String>, iterations: u32) -> Result<f64> {
        if tokens.is_empty() {
            return Err(Error::from_reason("_timeCore needs at least one token"));
        }
        let start = std::time::Instant::now();
        for token in tokens.iter().cycle().take(iterations as usize) {
            contain(|| self.inner.verify_with_held_keys(std::hint::black_box(token)))
                .map_err(|e| Error::from_reason(e.to_string()))?;
        }
        Ok(start.elapsed().as_secs_f64())
    }

    /// Key-cache and verified-token-cache counters.
    #[napi(catch_unwind)]
    pub fn stats(&self) -> Value {
        let s = self.inner.stats();
        let t = s.tokens;
        serde_json::json!({
            "fetches": s.fetches,
            "notModified": s.not_modified,
            "cacheHits": s.cache_hits,
            "staleServes": s.stale_serves,
            "cooldownRefusals": s.cooldown_refusals,
            "fetchFailures": s.fetch_failures,
            "lastError": s.last_error,
            "keysLoaded": self.inner.has_keys(),
            "keys": s.keys,
            "fetchLatency": latency_json(&s.fetch_latency),
            "tokenCache": {
                "hits": t.hits,
                "misses": t.misses,
                "evictions": t.evictions,
                "invalidations": t.invalidations,
                "entries": t.entries,
            },
        })
    }

    /// Answers on this thread what the core answers cheaply; sends the rest
    /// to the thread pool. A panic becomes an `ERR_INTERNAL` refusal.
    fn verdict(&self, token: String, render: Render) -> Verdict {
        match contain(|| Ok(self.cheap(&token).map(|outcome| outcome.map(|claims| render(&claims))))) {
            Ok(Some(Ok(text))) => Either3::A(text),
            Ok(Some(Err(e))) | Err(e) => Either3::B(ErrorDetail::from(&e)),
            Ok(None) => Either3::C(AsyncTask::new(OffThread { verifier: self.inner.clone(), token, render })),
        }
    }

    /// The core's cheap verdict. With panic injection on, the injected token
    /// is never cheap, so it reaches the verification the core panics in, on
    /// a pool thread: the tests prove a panic there is contained too.
    fn cheap(&self, token: &str) -> Option<std::result::Result<Claims, tokenward::Error>> {
        #[cfg(feature = "panic-injection")]
        if token == tokenward::PANIC_TOKEN {
            return None;
        }
        self.inner.verify_if_cheap(token)
    }
}

/// A verification on a libuv pool thread: the signature check and the
/// rendering of the claims happen there; only settling the Promise is left
/// to the event loop.
pub struct OffThread {
    verifier: tokenward::Verifier,
    token: String,
    render: Render,
}

/// What the pool thread found: the answer, or that keys must be fetched
/// first (the fetch is not awaited on a pool thread, which would hold it).
pub enum Worked {
    Done(Answer),
    Fetch(PendingVerify),
}

impl<'task> ScopedTask<'task> for OffThread {
    type Output = Worked;
    type JsValue = Either3<String, ErrorDetail, PromiseRaw<'task, Answer>>;

    fn compute(&mut self) -> Result<Worked> {
        let render = self.render;
        let ready =
            contain(|| Ok(self.verifier.verify_or_fetch(&self.token).map(|done| done.map(|claims| render(&claims)))));
        Ok(match ready {
            Ok(Ok(outcome)) => Worked::Done(returned(outcome)),
            Ok(Err(pending)) => Worked::Fetch(pending),
            Err(e) => Worked::Done(Either::B(ErrorDetail::from(&e))),
        })
    }

    /// On the event loop. After a fetch, the task's Promise resolves to the
    /// fetch's Promise, which it then follows.
    fn resolve(&mut self, env: &'task Env, output: Worked) -> Result<Self::JsValue> {
        match output {
            Worked::Done(Either::A(text)) => Ok(Either3::A(text)),
            Worked::Done(Either::B(refusal)) => Ok(Either3::B(refusal)),
            Worked::Fetch(pending) => {
                let render = self.render;
                let fetching = contain_future(async move { pending.await.map(|claims| render(&claims)) });
                env.spawn_future(async move { Ok(returned(fetching.await)) }).map(Either3::C)
            }
        }
    }
}

/// `{"header":..,"claims":..}` of `token` as JSON text, decoded but NOT
/// verified, or a refusal.
#[napi(catch_unwind)]
pub fn decode_unverified(token: String) -> Either<String, ErrorDetail> {
    returned(contain(|| {
        tokenward::decode_unverified(&token)
            .map(|decoded| format!("{{\"header\":{},\"claims\":{}}}", json(&decoded.header), json(&decoded.claims)))
    }))
}

/// The scopes `claims` grant, read by the core's rule (`scope`, else `scp`).
#[napi(catch_unwind)]
pub fn scopes_of(claims: Value) -> Vec<String> {
    match &claims {
        Value::Object(map) => tokenward::scopes_of(map).into_iter().map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}
