//! `NativeVerifier` and `decodeUnverified`. With keys held, verification runs
//! on the calling thread and the JS layer wraps the result in a settled
//! Promise; only a key fetch goes to the runtime. Refusals are returned as
//! `ErrorDetail`s, not thrown.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;
use tokenward::{contain, contain_future, Claims, JsonObject, Options, Spelling};

use crate::errors::ErrorDetail;

/// The native verifier; verifier.js wraps it in the public `Verifier`.
#[napi]
pub struct NativeVerifier {
    inner: tokenward::Verifier,
}

/// How an async outcome crosses to JS: `{ value }` (JSON text, or nothing
/// for `refresh`) or `{ error }`; the JS layer resolves or rejects its own
/// Promise from it.
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

/// A result the JS layer has at once (JSON text), a refusal, or a Promise
/// that settles after a key fetch.
type Verdict<'env> = Either3<String, ErrorDetail, PromiseRaw<'env, Settled>>;

fn returned<T>(outcome: std::result::Result<T, tokenward::Error>) -> Either<T, ErrorDetail> {
    match outcome {
        Ok(value) => Either::A(value),
        Err(e) => Either::B(ErrorDetail::from(&e)),
    }
}

fn json(object: &JsonObject) -> String {
    serde_json::to_string(object).unwrap_or_else(|_| "{}".to_owned())
}

/// Claims cross as JSON text that the JS layer hands to `JSON.parse`: V8
/// builds the object from text faster than napi can, one property call at a
/// time, and `JSON.parse` defines every member (even `__proto__`) as an own
/// data property.
fn claims_json(claims: &Claims) -> String {
    json(claims.as_object())
}

/// `{"claims":..,"header":..}`: what was verified, for the Express middleware.
fn parts_json(claims: &Claims) -> String {
    format!("{{\"claims\":{},\"header\":{}}}", json(claims.as_object()), json(claims.header()))
}

/// A verifier for `options` (camelCase keys, values already converted by
/// kind in options.js), or why not; the core refuses unknown names and bad values.
#[napi(catch_unwind)]
pub fn create_verifier(options: Value) -> Either<NativeVerifier, ErrorDetail> {
    let built = contain(|| Options::from_json_spelled(options, Spelling::Camel).and_then(Options::build));
    match built {
        Ok(inner) => Either::A(NativeVerifier { inner }),
        Err(e) => Either::B(ErrorDetail::from(&e)),
    }
}

#[napi]
impl NativeVerifier {
    /// The claims as JSON text when held keys suffice, a refusal, or a
    /// Promise of either that settles after the fetch.
    #[napi(catch_unwind, ts_return_type = "string | ErrorDetail | Promise<Settled>")]
    pub fn verify<'env>(&self, env: &'env Env, token: String) -> Result<Verdict<'env>> {
        self.verdict(env, &token, claims_json)
    }

    /// Like `verify`, with the verified header beside the claims:
    /// `{"claims":..,"header":..}`.
    #[napi(catch_unwind, ts_return_type = "string | ErrorDetail | Promise<Settled>")]
    pub fn verify_parts<'env>(&self, env: &'env Env, token: String) -> Result<Verdict<'env>> {
        self.verdict(env, &token, parts_json)
    }

    /// The claims as JSON text, with the keys held now (never fetches), or a refusal.
    #[napi(catch_unwind)]
    pub fn verify_sync(&self, token: String) -> Either<String, ErrorDetail> {
        returned(contain(|| self.inner.verify_with_held_keys(&token).map(|claims| claims_json(&claims))))
    }

    /// Fetches the key set now; settles with `{}` or `{ error }`.
    #[napi(catch_unwind)]
    pub fn refresh<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Settled>> {
        let inner = self.inner.clone();
        let refreshing = contain_future(async move { inner.refresh().await });
        env.spawn_future(async move { Ok(Settled::from_outcome(refreshing.await.map(|()| None))) })
    }

    /// For the benchmark: seconds taken by `iterations` verifications of
    /// `token` inside Rust, with no JS in the loop (the core's own cost).
    #[napi(js_name = "_timeCore", catch_unwind)]
    pub fn time_core(&self, token: String, iterations: u32) -> Result<f64> {
        let start = std::time::Instant::now();
        for _ in 0..iterations {
            contain(|| self.inner.verify_with_held_keys(std::hint::black_box(&token)))
                .map_err(|e| Error::from_reason(e.to_string()))?;
        }
        Ok(start.elapsed().as_secs_f64())
    }

    /// Cache counters.
    #[napi(catch_unwind)]
    pub fn stats(&self) -> Value {
        let s = self.inner.stats();
        serde_json::json!({
            "fetches": s.fetches,
            "notModified": s.not_modified,
            "cacheHits": s.cache_hits,
            "staleServes": s.stale_serves,
            "cooldownRefusals": s.cooldown_refusals,
            "fetchFailures": s.fetch_failures,
            "lastError": s.last_error,
            "keysLoaded": self.inner.has_keys(),
        })
    }

    /// Verifies on this thread when the keys held suffice; otherwise sends
    /// the fetch, and the verification after it, to the runtime. A panic
    /// anywhere in either becomes an `ERR_INTERNAL` refusal.
    fn verdict<'env>(&self, env: &'env Env, token: &str, render: fn(&Claims) -> String) -> Result<Verdict<'env>> {
        let ready = contain(|| Ok(self.inner.verify_or_fetch(token).map(|done| done.map(|claims| render(&claims)))));
        match ready {
            Ok(Ok(Ok(text))) => Ok(Either3::A(text)),
            Ok(Ok(Err(e))) | Err(e) => Ok(Either3::B(ErrorDetail::from(&e))),
            Ok(Err(pending)) => {
                let fetching = contain_future(async move { pending.await.map(|claims| Some(render(&claims))) });
                env.spawn_future(async move { Ok(Settled::from_outcome(fetching.await)) }).map(Either3::C)
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
