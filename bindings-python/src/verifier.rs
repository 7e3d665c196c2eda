//! `Verifier` and `decode_unverified` for Python. Verification runs with the
//! interpreter released; a key fetch blocks (released) on the runtime, or,
//! for `verify_async`, runs there and reports back through a callback. Every
//! call into the core is contained: a panic answers `InternalError`.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use tokenward::{contain, contain_future, Claims, Error, PendingVerify};

use crate::errors::{self, guard};
use crate::json;
use crate::renderings::Renderings;
use crate::runtime;
use crate::token::Token;

/// Verifies JSON Web Tokens against one key source and one set of rules.
#[pyclass(module = "tokenward._native", subclass, frozen)]
pub struct Verifier {
    inner: tokenward::Verifier,
    renderings: Renderings,
}

fn status_dict<'py>(py: Python<'py>, s: &tokenward::KeyStatus) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("remote", s.remote)?;
    d.set_item("keys_held", s.keys_held)?;
    d.set_item("key_count", s.key_count)?;
    d.set_item("fresh", s.fresh)?;
    d.set_item("age_seconds", s.age_seconds)?;
    d.set_item("fresh_for_seconds", s.fresh_for_seconds)?;
    d.set_item("last_error", s.last_error.as_deref())?;
    Ok(d)
}

/// Fetch durations in seconds: `last`, `count`, `sum`, and `buckets` as
/// `(upper bound, count)` pairs (not cumulative; the last bound is infinity).
fn latency<'py>(py: Python<'py>, l: &tokenward::FetchLatency) -> PyResult<Bound<'py, PyDict>> {
    let seconds = |micros: u64| micros as f64 / 1e6;
    let bounds = tokenward::FETCH_LATENCY_BUCKETS_MS.iter().map(|ms| *ms as f64 / 1e3).chain([f64::INFINITY]);
    let buckets: Vec<(f64, u64)> = bounds.zip(l.buckets.iter().copied()).collect();
    let d = PyDict::new(py);
    d.set_item("last", l.last_micros.map(seconds))?;
    d.set_item("count", l.count)?;
    d.set_item("sum", seconds(l.sum_micros))?;
    d.set_item("buckets", buckets)?;
    Ok(d)
}

/// A verifier built by a provider preset or by `any_of`, on its way into
/// `Verifier(_from=...)` (so the class methods return the caller's class).
#[pyclass(module = "tokenward._native", name = "_Built", frozen)]
pub struct Built {
    inner: tokenward::Verifier,
}

/// Provider preset `name` with keyword arguments: the preset's own, then
/// ordinary options on top.
#[pyfunction]
#[pyo3(signature = (name, **kwargs))]
pub fn _preset(py: Python<'_>, name: &str, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Built> {
    let provider = tokenward::providers::provider(name)
        .ok_or_else(|| errors::configuration(py, format!("unknown provider {name:?}")))?;
    let given = crate::options::given(py, kwargs, provider.args)?;
    let inner =
        guard(py, || tokenward::providers::build(name, serde_json::Value::Object(given), tokenward::Spelling::Snake))?;
    Ok(Built { inner })
}

/// One verifier trusting several issuers: `(name, verifier)` pairs in order.
#[pyfunction]
pub fn _any_of(py: Python<'_>, configs: Vec<(String, PyRef<'_, Verifier>)>) -> PyResult<Built> {
    let configs: Vec<(String, tokenward::Verifier)> =
        configs.into_iter().map(|(name, v)| (name, v.inner.clone())).collect();
    let inner = guard(py, || tokenward::Verifier::any_of(configs))?;
    Ok(Built { inner })
}

/// What `_start_verify` found without waiting.
enum Started {
    Done(Claims),
    Fetching(PendingVerify),
}

impl Verifier {
    /// The whole verification, interpreter released: at once when keys are
    /// held, otherwise blocking on this process's runtime for the fetch.
    fn verify_released(&self, token: &str) -> Result<Claims, Error> {
        contain(|| match self.inner.verify_or_fetch(token) {
            Ok(outcome) => outcome,
            Err(pending) => runtime::get()?.block_on(contain_future(pending)),
        })
    }
}

#[pymethods]
impl Verifier {
    /// Every option is a keyword argument named as in the core's option
    /// table; the stub (`_native.pyi`) spells each one out.
    #[new]
    #[pyo3(signature = (**options))]
    fn new(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        if let Some(built) = options.map(|o| o.get_item("_from")).transpose()?.flatten() {
            // A provider preset or a verifier of several issuers, built by
            // `_preset` / `_any_of`; the class methods pass it alone.
            let built = built.cast::<Built>().map_err(|_| errors::configuration(py, "_from is internal"))?;
            if options.map_or(0, |o| o.len()) != 1 {
                return Err(errors::configuration(py, "_from is internal and takes no other option"));
            }
            return Ok(Verifier { inner: built.get().inner.clone(), renderings: Renderings::default() });
        }
        let options = crate::options::from_kwargs(py, options)?;
        let inner = guard(py, || options.build())?;
        Ok(Verifier { inner, renderings: Renderings::default() })
    }

    /// The names of the issuer configurations of a verifier built with
    /// `any_of`, in order; empty for any other.
    #[getter]
    fn issuer_configs(&self) -> Vec<String> {
        self.inner.issuer_configs().into_iter().map(str::to_owned).collect()
    }

    /// Verifies `token` and returns its claims; raises an `InvalidToken`
    /// subclass for a bad token, `JwksError` when keys cannot be had.
    fn verify<'py>(&self, py: Python<'py>, token: Token) -> PyResult<Bound<'py, PyAny>> {
        match py.detach(|| self.verify_released(token.as_str())) {
            Ok(claims) => crate::claims::to_py(py, claims, Some(&self.renderings)),
            Err(e) => Err(errors::to_py(py, &e)),
        }
    }

    /// True for a valid token, False for any token problem; raises only when
    /// the question cannot be answered (keys unavailable, an internal failure).
    fn validate(&self, py: Python<'_>, token: Token) -> PyResult<bool> {
        match py.detach(|| self.verify_released(token.as_str())) {
            Ok(_) => Ok(true),
            Err(e) if e.kind().is_token_problem() => Ok(false),
            Err(e) => Err(errors::to_py(py, &e)),
        }
    }

    /// For `verify_async`: returns the claims at once when held keys suffice
    /// (raising at once for a bad token); otherwise returns None, fetches on
    /// the runtime, and calls `callback(claims, error)` from its thread,
    /// exactly once, whatever happens there.
    fn _start_verify<'py>(
        &self,
        py: Python<'py>,
        token: Token,
        callback: Py<PyAny>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let started = py.detach(|| {
            contain(|| match self.inner.verify_or_fetch(token.as_str()) {
                Ok(outcome) => outcome.map(Started::Done),
                Err(pending) => Ok(Started::Fetching(pending)),
            })
        });
        match started {
            Ok(Started::Done(claims)) => crate::claims::to_py(py, claims, Some(&self.renderings)).map(Some),
            Ok(Started::Fetching(pending)) => {
                let runtime = runtime::get().map_err(|e| errors::to_py(py, &e))?;
                runtime.spawn(async move {
                    let outcome = contain_future(pending).await;
                    Python::attach(|py| report(py, &callback, outcome));
                });
                Ok(None)
            }
            Err(e) => Err(errors::to_py(py, &e)),
        }
    }

    /// Fetches the key set now (nothing to do for static keys).
    fn refresh(&self, py: Python<'_>) -> PyResult<()> {
        let outcome = py.detach(|| contain(|| runtime::get()?.block_on(contain_future(self.inner.refresh()))));
        outcome.map_err(|e| errors::to_py(py, &e))
    }

    /// Key-cache counters (zero for static keys), and the verified-token
    /// cache's under `token_cache`.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let (s, keys_loaded) = guard(py, || Ok((self.inner.stats(), self.inner.has_keys())))?;
        let tokens = PyDict::new(py);
        tokens.set_item("hits", s.tokens.hits)?;
        tokens.set_item("misses", s.tokens.misses)?;
        tokens.set_item("evictions", s.tokens.evictions)?;
        tokens.set_item("invalidations", s.tokens.invalidations)?;
        tokens.set_item("entries", s.tokens.entries)?;
        let d = PyDict::new(py);
        d.set_item("fetches", s.fetches)?;
        d.set_item("not_modified", s.not_modified)?;
        d.set_item("cache_hits", s.cache_hits)?;
        d.set_item("stale_serves", s.stale_serves)?;
        d.set_item("cooldown_refusals", s.cooldown_refusals)?;
        d.set_item("fetch_failures", s.fetch_failures)?;
        d.set_item("last_error", s.last_error)?;
        d.set_item("keys_loaded", keys_loaded)?;
        d.set_item("keys", s.keys)?;
        d.set_item("fetch_latency", latency(py, &s.fetch_latency)?)?;
        d.set_item("token_cache", tokens)?;
        Ok(d)
    }

    /// Whether usable keys are held, how many and how old, and the last
    /// fetch error: for health and readiness checks.
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let status = guard(py, || Ok(self.inner.status()))?;
        status_dict(py, &status)
    }

    /// Fetches the keys unless fresh ones are held, and returns the status;
    /// raises JwksError when they cannot be had.
    fn warm_up<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let outcome = py.detach(|| contain(|| runtime::get()?.block_on(contain_future(self.inner.warm_up()))));
        let status = outcome.map_err(|e| errors::to_py(py, &e))?;
        status_dict(py, &status)
    }

    /// The remote keys held now, with their freshness, as JSON text for
    /// `Verifier(..., keys_snapshot=...)` in another process.
    fn export_keys(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || self.inner.export_keys())
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

/// Delivers a finished fetch-then-verify to the Python callback: the claims,
/// or the exception (also when building the claims failed), never neither.
fn report(py: Python<'_>, callback: &Py<PyAny>, outcome: Result<Claims, Error>) {
    let settled = contain(|| {
        Ok(outcome.map_err(|e| errors::to_py(py, &e)).and_then(|claims| crate::claims::to_py(py, claims, None)))
    });
    let none = || py.None().into_bound(py);
    let args = match settled.unwrap_or_else(|e| Err(errors::to_py(py, &e))) {
        Ok(claims) => (claims, none()),
        Err(e) => (none(), e.into_value(py).into_bound(py).into_any()),
    };
    if let Err(e) = callback.call1(py, args) {
        e.write_unraisable(py, Some(callback.bind(py)));
    }
}

/// The header and claims of `token`, decoded but NOT verified.
#[pyfunction]
pub fn decode_unverified<'py>(py: Python<'py>, token: Token) -> PyResult<Bound<'py, PyTuple>> {
    let decoded = guard(py, || tokenward::decode_unverified(token.as_str()))?;
    PyTuple::new(py, [json::object_to_py(py, &decoded.header)?, json::object_to_py(py, &decoded.claims)?])
}

/// For the benchmark: seconds taken by `iterations` verifications inside
/// Rust, cycling through `tokens`, with no Python in the loop (the core's own
/// cost, to set beside `verify`'s on the same tokens).
#[pyfunction]
pub fn _time_core(
    py: Python<'_>,
    verifier: &Bound<'_, Verifier>,
    tokens: Vec<Token>,
    iterations: u64,
) -> PyResult<f64> {
    let inner = &verifier.get().inner;
    let outcome = py.detach(|| {
        contain(|| {
            let start = std::time::Instant::now();
            for token in tokens.iter().cycle().take(usize::try_from(iterations).unwrap_or(usize::MAX)) {
                inner.verify_with_held_keys(std::hint::black_box(token.as_str()))?;
            }
            Ok(start.elapsed().as_secs_f64())
        })
    });
    outcome.map_err(|e| errors::to_py(py, &e))
}
