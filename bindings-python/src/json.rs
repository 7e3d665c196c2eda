//! serde_json values to Python objects, built directly (no JSON text in between).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use serde_json::{Map, Value};

pub fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            fill(&dict, map)?;
            dict.into_any()
        }
    })
}

/// Puts every member of `map` into `dict` (which may be a dict subclass).
pub fn fill(dict: &Bound<'_, PyDict>, map: &Map<String, Value>) -> PyResult<()> {
    let py = dict.py();
    for (k, v) in map {
        dict.set_item(key(py, k), to_py(py, v)?)?;
    }
    Ok(())
}

/// The registered claim names come back on every verify: reuse one Python
/// string for each instead of allocating it again.
fn key<'py>(py: Python<'py>, name: &str) -> Bound<'py, PyString> {
    let interned = match name {
        "iss" => pyo3::intern!(py, "iss"),
        "sub" => pyo3::intern!(py, "sub"),
        "aud" => pyo3::intern!(py, "aud"),
        "exp" => pyo3::intern!(py, "exp"),
        "nbf" => pyo3::intern!(py, "nbf"),
        "iat" => pyo3::intern!(py, "iat"),
        "jti" => pyo3::intern!(py, "jti"),
        "scope" => pyo3::intern!(py, "scope"),
        "email" => pyo3::intern!(py, "email"),
        _ => return PyString::new(py, name),
    };
    interned.clone()
}

/// Python data to a serde_json value, through `json.dumps` so that every
/// JSON-able object Python accepts is accepted here too.
pub fn from_py(value: &Bound<'_, PyAny>) -> PyResult<Value> {
    let text: String = value.py().import("json")?.call_method1("dumps", (value,))?.extract()?;
    serde_json::from_str(&text).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
}
