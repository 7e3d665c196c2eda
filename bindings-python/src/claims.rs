//! `CoreClaims`: the core's `Claims` inside each `tokenward.Claims`, so that
//! its helpers (`subject`, `expires_at`, `scopes`, `header`...) give what the
//! core gives every language, and `.header` is the header that was verified.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};
use tokenward::Claims;

use crate::errors::guard;
use crate::json;
use crate::renderings::Renderings;

/// The core's reading of one set of claims (read-only).
#[pyclass(module = "tokenward._native", frozen)]
pub struct CoreClaims {
    claims: Claims,
}

impl CoreClaims {
    /// The core's claims, for the request-side checks (`crate::gate`).
    pub(crate) fn claims(&self) -> &Claims {
        &self.claims
    }
}

#[pymethods]
impl CoreClaims {
    /// Claims built by hand (not verified), read by the same rules, with an empty header.
    #[staticmethod]
    fn from_object(py: Python<'_>, claims: &Bound<'_, PyDict>) -> PyResult<Self> {
        let object = json::claims_from_py(claims)?;
        guard(py, || Ok(CoreClaims { claims: Claims::from_object(object) }))
    }

    /// `sub`, when it is a string.
    fn subject(&self, py: Python<'_>) -> PyResult<Option<&str>> {
        guard(py, || Ok(self.claims.subject()))
    }

    /// `iss`, when it is a string.
    fn issuer(&self, py: Python<'_>) -> PyResult<Option<&str>> {
        guard(py, || Ok(self.claims.issuer()))
    }

    /// `aud` as a list.
    fn audience(&self, py: Python<'_>) -> PyResult<Vec<&str>> {
        guard(py, || Ok(self.claims.audience()))
    }

    /// A time claim in Unix seconds (milliseconds converted), or None when it
    /// is not a number or lies outside the years 1 to 9999.
    fn unix_time(&self, py: Python<'_>, name: &str) -> PyResult<Option<f64>> {
        guard(py, || Ok(self.claims.unix_time(name)))
    }

    /// Scopes from `scope`, else `scp`.
    fn scopes(&self, py: Python<'_>) -> PyResult<Vec<&str>> {
        guard(py, || Ok(self.claims.scopes()))
    }

    /// The name of the issuer configuration that accepted the token (a
    /// verifier built with `any_of`), else None.
    fn issuer_config(&self) -> Option<&str> {
        self.claims.issuer_config()
    }

    /// The verified protected header, as a new dict (members in signed order).
    fn header<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        json::object_from_text(py, self.claims.header_json())
    }

    fn __repr__(&self) -> String {
        format!("CoreClaims(sub={:?})", self.claims.subject())
    }
}

static CLAIMS_CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// A `tokenward.Claims` (dict subclass) filled from the claims' JSON text as
/// signed (through `renderings` when the verifier has them), with the core's
/// `Claims` moved into its `_core`.
pub fn to_py<'py>(py: Python<'py>, claims: Claims, renderings: Option<&Renderings>) -> PyResult<Bound<'py, PyAny>> {
    let class = CLAIMS_CLASS.import(py, "tokenward.claims", "Claims")?;
    // From a template, the fresh dict takes a copy of the template's table
    // in one step (dict's own fast path for an empty dict).
    let new = |template: Option<&Bound<'py, PyDict>>| -> PyResult<Bound<'py, PyDict>> {
        let dict = class.call0()?.cast_into::<PyDict>()?;
        if let Some(template) = template {
            dict.update(template.as_mapping())?;
        }
        Ok(dict)
    };
    let dict = match renderings {
        Some(renderings) => renderings.render(py, &claims, new)?,
        None => {
            let dict = new(None)?;
            json::fill_from_text(&dict, claims.to_json())?;
            dict
        }
    };
    dict.setattr(pyo3::intern!(py, "_core"), CoreClaims { claims })?;
    Ok(dict.into_any())
}
