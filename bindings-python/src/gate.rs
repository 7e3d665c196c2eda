//! `Gate`: the core's request-side rules (`tokenward::http`) for the Python
//! adapters (`tokenward.flask`, `tokenward.fastapi`). An adapter hands over
//! what the request holds and gets back either the token to verify or the
//! answer to send, as a plain tuple `(status, [(name, value), ...], code,
//! body)` where `body` is JSON text (empty for a redirect).

use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3::IntoPyObjectExt;
use tokenward::http::{Answer, GateConfig, RequestParts};
use tokenward::{Error, ErrorCode};

use crate::claims::CoreClaims;
use crate::errors::{self, guard};
use crate::json;

/// An answer as Python sees it.
type AnswerTuple = (u16, Vec<(&'static str, String)>, String, String);

fn to_tuple(answer: Answer) -> AnswerTuple {
    (answer.status, answer.headers, answer.code.into_owned(), answer.body)
}

/// One route's request-side rules: where the token is, the scopes and claim
/// checks, and the answer to a request that fails them.
#[pyclass(module = "tokenward._native", frozen)]
pub struct Gate {
    inner: tokenward::http::Gate,
}

#[pymethods]
impl Gate {
    /// Settings with snake_case keys (`header`, `cookie`, `json_path`,
    /// `max_body_bytes`, `optional`, `scopes`, `claims`, `realm`,
    /// `login_url`, `retry_after`); `ConfigurationError` when they are wrong.
    #[new]
    fn new(py: Python<'_>, settings: &Bound<'_, PyDict>) -> PyResult<Self> {
        let value = json::from_py(settings.as_any())
            .map_err(|e| errors::configuration(py, format!("bad authentication settings: {e}")))?;
        let inner = guard(py, || tokenward::http::Gate::new(GateConfig::from_json(value)?))?;
        Ok(Gate { inner })
    }

    /// The largest body read for `json_path`, in bytes.
    #[getter]
    fn max_body_bytes(&self) -> usize {
        self.inner.config().max_body_bytes
    }

    /// True when the adapter must read the body before `locate`.
    #[pyo3(signature = (content_type))]
    fn wants_body(&self, py: Python<'_>, content_type: Option<&str>) -> PyResult<bool> {
        guard(py, || Ok(self.inner.wants_body(content_type)))
    }

    /// The request's token; None when there is none and the gate is
    /// optional; else the answer tuple.
    #[pyo3(signature = (*, authorization, cookie, content_type, body, path))]
    fn locate(
        &self,
        py: Python<'_>,
        authorization: Vec<String>,
        cookie: Vec<String>,
        content_type: Option<&str>,
        body: Option<&[u8]>,
        path: &str,
    ) -> PyResult<Py<PyAny>> {
        let authorization: Vec<&str> = authorization.iter().map(String::as_str).collect();
        let cookie: Vec<&str> = cookie.iter().map(String::as_str).collect();
        let request = RequestParts { authorization: &authorization, cookie: &cookie, content_type, body, path };
        match guard(py, || Ok(self.inner.locate(&request)))? {
            Ok(Some((token, _))) => token.into_py_any(py),
            Ok(None) => Ok(py.None()),
            Err(answer) => to_tuple(answer).into_py_any(py),
        }
    }

    /// The answer to a body over `max_body_bytes`, for an adapter that
    /// stopped reading at the limit.
    fn too_large(&self, py: Python<'_>) -> PyResult<AnswerTuple> {
        guard(py, || Ok(to_tuple(self.inner.too_large())))
    }

    /// The answer to a verification that raised: the exception's code,
    /// message and claim, handed back to the core to judge.
    #[pyo3(signature = (code, message, claim, path))]
    fn refuse(
        &self,
        py: Python<'_>,
        code: &str,
        message: &str,
        claim: Option<String>,
        path: &str,
    ) -> PyResult<AnswerTuple> {
        let kind = code.parse::<ErrorCode>().unwrap_or(ErrorCode::Internal);
        let request = RequestParts { path, ..RequestParts::default() };
        guard(py, || match self.inner.judge(&request, Err(Error::from_parts(kind, claim, message))) {
            Err(answer) => Ok(to_tuple(answer)),
            Ok(_) => Err(Error::internal("a refused verification was judged a success")),
        })
    }

    /// The scopes and claim checks on verified claims: None when they pass,
    /// else the answer. Reads the core's claims when `claims` carries them
    /// (a `tokenward.Claims` from `verify`), else the dict as given.
    fn check(&self, py: Python<'_>, claims: &Bound<'_, PyAny>) -> PyResult<Option<AnswerTuple>> {
        let core = claims.getattr(pyo3::intern!(py, "_core")).ok();
        let verdict = match core.as_ref().and_then(|c| c.cast::<CoreClaims>().ok()) {
            Some(core) => guard(py, || Ok(self.inner.check_claims(core.get().claims().as_object())))?,
            None => {
                let object = json::claims_from_py(claims.cast::<PyDict>()?)?;
                guard(py, || Ok(self.inner.check_claims(&object)))?
            }
        };
        Ok(verdict.err().map(to_tuple))
    }

    fn __repr__(&self) -> String {
        format!("Gate({:?})", self.inner.config())
    }
}
