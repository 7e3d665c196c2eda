//! `Verifier` and `decode_unverified` for Python. Verification runs with the
//! interpreter released; a key fetch blocks (released) on the runtime, or,
//! for `verify_async`, runs there and reports back through a callback.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use tokenward::{Claims, Error, Options};

use crate::errors;
use crate::json;
use crate::options::Arg;
use crate::runtime;

/// Verifies JSON Web Tokens against one key source and one set of rules.
#[pyclass(module = "tokenward._native", subclass, frozen)]
pub struct Verifier {
    inner: tokenward::Verifier,
}

impl Verifier {
    /// The whole verification, interpreter released: at once when keys are
    /// held, otherwise blocking on this process's runtime for the fetch.
    fn verify_released(&self, token: &str) -> Result<Claims, Error> {
        match self.inner.verify_or_fetch(token) {
            Ok(outcome) => outcome,
            Err(pending) => runtime::get().block_on(pending),
        }
    }
}

#[pymethods]
impl Verifier {
    #[new]
    #[pyo3(signature = (
        *, jwks_url=None, discover=None, jwks=None, key=None, secret=None, issuer=None, audience=None,
        algorithms=None, leeway=None, max_age=None, typ=None, required_claims=None, max_token_bytes=None,
        millisecond_timestamps=None, now=None, timeout=None, cache_ttl=None, cooldown=None, max_stale=None,
        max_jwks_bytes=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        jwks_url: Option<Bound<'_, PyAny>>,
        discover: Option<Bound<'_, PyAny>>,
        jwks: Option<Bound<'_, PyAny>>,
        key: Option<Bound<'_, PyAny>>,
        secret: Option<Bound<'_, PyAny>>,
        issuer: Option<Bound<'_, PyAny>>,
        audience: Option<Bound<'_, PyAny>>,
        algorithms: Option<Bound<'_, PyAny>>,
        leeway: Option<Bound<'_, PyAny>>,
        max_age: Option<Bound<'_, PyAny>>,
        typ: Option<Bound<'_, PyAny>>,
        required_claims: Option<Bound<'_, PyAny>>,
        max_token_bytes: Option<Bound<'_, PyAny>>,
        millisecond_timestamps: Option<Bound<'_, PyAny>>,
        now: Option<Bound<'_, PyAny>>,
        timeout: Option<Bound<'_, PyAny>>,
        cache_ttl: Option<Bound<'_, PyAny>>,
        cooldown: Option<Bound<'_, PyAny>>,
        max_stale: Option<Bound<'_, PyAny>>,
        max_jwks_bytes: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        macro_rules! arg {
            ($name:ident) => {
                Arg { name: stringify!($name), value: $name.as_ref() }
            };
        }
        let options = Options {
            jwks_url: arg!(jwks_url).string()?,
            discover: arg!(discover).string()?,
            jwks: arg!(jwks).json_text()?,
            key: arg!(key).string()?,
            secret: arg!(secret).bytes()?,
            issuer: arg!(issuer).strings()?,
            audience: arg!(audience).strings()?,
            algorithms: arg!(algorithms).strings()?,
            leeway: arg!(leeway).number()?,
            max_age: arg!(max_age).number()?,
            typ: arg!(typ).string()?,
            required_claims: arg!(required_claims).string_list()?,
            max_token_bytes: arg!(max_token_bytes).number()?,
            millisecond_timestamps: arg!(millisecond_timestamps).flag()?,
            now: arg!(now).number()?,
            timeout: arg!(timeout).number()?,
            cache_ttl: arg!(cache_ttl).number()?,
            cooldown: arg!(cooldown).number()?,
            max_stale: arg!(max_stale).number()?,
            max_jwks_bytes: arg!(max_jwks_bytes).number()?,
        };
        let inner = options.build().map_err(|e| errors::to_py(py, &e))?;
        Ok(Verifier { inner })
    }

    /// Verifies `token` and returns its claims; raises an `InvalidToken`
    /// subclass for a bad token, `JwksError` when keys cannot be had.
    fn verify<'py>(&self, py: Python<'py>, token: String) -> PyResult<Bound<'py, PyAny>> {
        match py.detach(|| self.verify_released(&token)) {
            Ok(claims) => claims_to_py(py, &claims, &token),
            Err(e) => Err(errors::to_py(py, &e)),
        }
    }

    /// True for a valid token, False for any token problem; raises only when
    /// the question cannot be answered (keys unavailable).
    fn validate(&self, py: Python<'_>, token: String) -> PyResult<bool> {
        match py.detach(|| self.verify_released(&token)) {
            Ok(_) => Ok(true),
            Err(e) if e.kind().is_token_problem() => Ok(false),
            Err(e) => Err(errors::to_py(py, &e)),
        }
    }

    /// For `verify_async`: returns the claims at once when held keys suffice
    /// (raising at once for a bad token); otherwise returns None, fetches on
    /// the runtime, and calls `callback(claims, error)` from its thread.
    fn _start_verify<'py>(
        &self,
        py: Python<'py>,
        token: String,
        callback: Py<PyAny>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let ready = match py.detach(|| self.inner.verify_or_fetch(&token)) {
            Ok(outcome) => outcome,
            Err(pending) => {
                let token = token.clone();
                runtime::get().spawn(async move {
                    let outcome = pending.await;
                    Python::attach(|py| report(py, &callback, &token, outcome));
                });
                return Ok(None);
            }
        };
        match ready {
            Ok(claims) => claims_to_py(py, &claims, &token).map(Some),
            Err(e) => Err(errors::to_py(py, &e)),
        }
    }

    /// Fetches the key set now (nothing to do for static keys).
    fn refresh(&self, py: Python<'_>) -> PyResult<()> {
        let outcome = py.detach(|| runtime::get().block_on(self.inner.refresh()));
        outcome.map_err(|e| errors::to_py(py, &e))
    }

    /// Cache counters (all zero for static keys).
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.inner.stats();
        let d = PyDict::new(py);
        d.set_item("fetches", s.fetches)?;
        d.set_item("not_modified", s.not_modified)?;
        d.set_item("cache_hits", s.cache_hits)?;
        d.set_item("stale_serves", s.stale_serves)?;
        d.set_item("cooldown_refusals", s.cooldown_refusals)?;
        d.set_item("fetch_failures", s.fetch_failures)?;
        d.set_item("last_error", s.last_error)?;
        d.set_item("keys_loaded", self.inner.has_keys())?;
        Ok(d)
    }

    /// For the benchmark: seconds taken by `iterations` verifications of
    /// `token` inside Rust, with no Python in the loop (the core's own cost).
    fn _time_core(&self, py: Python<'_>, token: String, iterations: u64) -> PyResult<f64> {
        let outcome = py.detach(|| {
            let start = std::time::Instant::now();
            for _ in 0..iterations {
                self.inner.verify_with_held_keys(std::hint::black_box(&token))?;
            }
            Ok(start.elapsed().as_secs_f64())
        });
        outcome.map_err(|e| errors::to_py(py, &e))
    }

    fn __repr__(&self) -> String {
        let policy = self.inner.policy();
        format!(
            "Verifier(issuer={:?}, audience={:?}, algorithms={:?})",
            policy.issuers,
            policy.audiences,
            policy.algorithms().iter().map(|a| a.as_str()).collect::<Vec<_>>()
        )
    }
}

/// Delivers a finished fetch-then-verify to the Python callback.
fn report(py: Python<'_>, callback: &Py<PyAny>, token: &str, outcome: Result<Claims, Error>) {
    let args = match outcome {
        Ok(claims) => claims_to_py(py, &claims, token).map(|c| (c, py.None().into_bound(py))),
        Err(e) => Ok((py.None().into_bound(py), errors::to_py(py, &e).into_value(py).into_bound(py).into_any())),
    };
    let delivered = args.and_then(|args| callback.call1(py, args));
    if let Err(e) = delivered {
        e.write_unraisable(py, Some(callback.bind(py)));
    }
}

static CLAIMS_CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// A `tokenward.Claims` (dict subclass) holding the claims. Its `.header`
/// is decoded from `token` when first read, not on every verify.
fn claims_to_py<'py>(py: Python<'py>, claims: &Claims, token: &str) -> PyResult<Bound<'py, PyAny>> {
    let class = CLAIMS_CLASS.import(py, "tokenward.claims", "Claims")?;
    let object = class.call0()?;
    json::fill(object.cast::<PyDict>()?, claims.as_object())?;
    object.setattr(pyo3::intern!(py, "_token"), token)?;
    Ok(object)
}

/// The header and claims of `token`, decoded but NOT verified.
#[pyfunction]
pub fn decode_unverified<'py>(py: Python<'py>, token: String) -> PyResult<Bound<'py, PyTuple>> {
    let decoded = tokenward::decode_unverified(&token).map_err(|e| errors::to_py(py, &e))?;
    let header = PyDict::new(py);
    json::fill(&header, &decoded.header)?;
    let claims = PyDict::new(py);
    json::fill(&claims, &decoded.claims)?;
    PyTuple::new(py, [header, claims])
}

/// The scopes `claims` grant, read by the core's rule (`scope`, else `scp`).
#[pyfunction]
pub fn scopes(claims: &Bound<'_, PyDict>) -> PyResult<Vec<String>> {
    let mut picked = tokenward::JsonObject::new();
    for name in ["scope", "scp"] {
        if let Some(value) = claims.get_item(name)? {
            picked.insert(name.to_owned(), json::from_py(&value)?);
        }
    }
    Ok(tokenward::scopes_of(&picked).into_iter().map(str::to_owned).collect())
}
