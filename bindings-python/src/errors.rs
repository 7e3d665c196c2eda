//! Core errors as the exception classes of `tokenward.errors` (one per code).

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};

static BY_CODE: PyOnceLock<Py<PyDict>> = PyOnceLock::new();

fn class_for<'py>(py: Python<'py>, code: &str) -> PyResult<Bound<'py, PyType>> {
    let table = BY_CODE.get_or_try_init(py, || -> PyResult<Py<PyDict>> {
        Ok(py.import("tokenward.errors")?.getattr("_BY_CODE")?.cast_into::<PyDict>()?.unbind())
    })?;
    let class = table
        .bind(py)
        .get_item(code)?
        .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(format!("no exception class for code {code}")))?;
    Ok(class.cast_into::<PyType>()?)
}

/// The exception for a core error: its class says the code, `.claim` the
/// failing claim, the message what was expected and found.
pub fn to_py(py: Python<'_>, error: &tokenward::Error) -> PyErr {
    let raise = || -> PyResult<PyErr> {
        let class = class_for(py, error.code())?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("claim", error.failed_claim())?;
        Ok(PyErr::from_value(class.call((error.message(),), Some(&kwargs))?))
    };
    raise().unwrap_or_else(|failure| failure)
}

/// Runs `work`, a call into the core, with a panic answered as an
/// `InternalError` instead of escaping as pyo3's `PanicException` (a
/// `BaseException` that most code does not catch).
pub fn guard<T>(py: Python<'_>, work: impl FnOnce() -> Result<T, tokenward::Error>) -> PyResult<T> {
    tokenward::contain(work).map_err(|e| to_py(py, &e))
}

/// A `ConfigurationError` with this message.
pub fn configuration(py: Python<'_>, message: impl Into<String>) -> PyErr {
    let raise = || -> PyResult<PyErr> {
        let class = class_for(py, "configuration")?;
        Ok(PyErr::from_value(class.call1((message.into(),))?))
    };
    raise().unwrap_or_else(|failure| failure)
}
