//! `Verifier` and `decodeUnverified`. With keys held, verification runs on
//! the calling thread and the JS layer wraps the result in a settled
//! Promise; only a key fetch goes to the runtime.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::{Map, Value};
use tokenward::{Claims, Options};

use crate::errors::{to_js, to_value};

/// The native verifier; index.js wraps it in the public `Verifier`.
#[napi]
pub struct NativeVerifier {
    inner: tokenward::Verifier,
}

/// Claims cross as JSON text that index.js hands to `JSON.parse`: V8 builds
/// the object from text faster than napi can, one property call at a time.
fn claims_json(claims: &Claims) -> String {
    serde_json::to_string(claims.as_object()).unwrap_or_else(|_| "{}".to_owned())
}

#[napi]
impl NativeVerifier {
    /// `options`: snake_case keys, already type-checked by index.js; the core
    /// checks every value.
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Value) -> Result<Self> {
        let inner = Options::from_json(options).and_then(Options::build).map_err(|e| to_js(&e))?;
        Ok(NativeVerifier { inner })
    }

    /// The claims, when held keys suffice; otherwise a Promise of them that
    /// settles after the fetch.
    #[napi(catch_unwind, ts_return_type = "string | Promise<{ value?: string, error?: object }>")]
    pub fn verify<'env>(&self, env: &'env Env, token: String) -> Result<Either<String, PromiseRaw<'env, Value>>> {
        match self.inner.verify_or_fetch(&token) {
            Ok(outcome) => outcome.map(|claims| Either::A(claims_json(&claims))).map_err(|e| to_js(&e)),
            Err(pending) => {
                let fetching = async move { Ok(settled(pending.await.map(|claims| claims_json(&claims)))) };
                env.spawn_future(fetching).map(Either::B)
            }
        }
    }

    /// The claims, with the keys held now; never fetches.
    #[napi(catch_unwind)]
    pub fn verify_sync(&self, token: String) -> Result<String> {
        self.inner.verify_with_held_keys(&token).map(|claims| claims_json(&claims)).map_err(|e| to_js(&e))
    }

    /// Fetches the key set now; resolves to `{ error }` on failure (see `settled`).
    #[napi(catch_unwind)]
    pub fn refresh<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Value>> {
        let inner = self.inner.clone();
        env.spawn_future(async move { Ok(settled(inner.refresh().await.map(|()| Value::Null))) })
    }

    /// For the benchmark: seconds taken by `iterations` verifications of
    /// `token` inside Rust, with no JS in the loop (the core's own cost).
    #[napi(js_name = "_timeCore", catch_unwind)]
    pub fn time_core(&self, token: String, iterations: u32) -> Result<f64> {
        let start = std::time::Instant::now();
        for _ in 0..iterations {
            self.inner.verify_with_held_keys(std::hint::black_box(&token)).map_err(|e| to_js(&e))?;
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
}

/// How an async outcome crosses to JS: `{ value }` or `{ error }`, which
/// index.js turns into a resolved or rejected Promise of its own.
fn settled(outcome: std::result::Result<impl Into<Value>, tokenward::Error>) -> Value {
    match outcome {
        Ok(value) => serde_json::json!({ "value": value.into() }),
        Err(e) => serde_json::json!({ "error": to_value(&e) }),
    }
}

/// `{ header, claims }` of `token`, decoded but NOT verified.
#[napi(catch_unwind)]
pub fn decode_unverified(token: String) -> Result<Value> {
    let decoded = tokenward::decode_unverified(&token).map_err(|e| to_js(&e))?;
    let mut out = Map::new();
    out.insert("header".into(), Value::Object(decoded.header));
    out.insert("claims".into(), Value::Object(decoded.claims));
    Ok(Value::Object(out))
}

/// The scopes `claims` grant, read by the core's rule (`scope`, else `scp`).
#[napi(catch_unwind)]
pub fn scopes_of(claims: Value) -> Vec<String> {
    match &claims {
        Value::Object(map) => tokenward::scopes_of(map).into_iter().map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}
