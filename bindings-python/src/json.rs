//! serde_json values to Python objects, built directly (no JSON text in between).

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
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

/// A JSON object as a new `dict`.
pub fn object_to_py<'py>(py: Python<'py>, map: &Map<String, Value>) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    fill(&dict, map)?;
    Ok(dict)
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

/// Deepest nesting [`claims_from_py`] follows; deeper values read as null.
const MAX_DEPTH: usize = 64;

/// A dict of claims built by hand, as the JSON object the core reads. Values
/// JSON cannot hold (a `datetime`, NaN, a cycle, nesting deeper than
/// [`MAX_DEPTH`]) read as null, which every claim reader treats as a claim of
/// the wrong type, so no value makes a reader raise.
pub fn claims_from_py(dict: &Bound<'_, PyDict>) -> PyResult<Map<String, Value>> {
    object_from_py(dict, 0)
}

fn object_from_py(dict: &Bound<'_, PyDict>, depth: usize) -> PyResult<Map<String, Value>> {
    let mut map = Map::with_capacity(dict.len());
    for (k, v) in dict.iter() {
        if let Ok(name) = k.cast::<PyString>() {
            map.insert(name.to_string_lossy().into_owned(), data_from_py(&v, depth + 1)?);
        }
    }
    Ok(map)
}

fn data_from_py(value: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH || value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        if let Ok(i) = value.extract::<i64>() {
            return Ok(i.into());
        }
        if let Ok(u) = value.extract::<u64>() {
            return Ok(u.into());
        }
        return Ok(value
            .extract::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number));
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return Ok(serde_json::Number::from_f64(f.value()).map_or(Value::Null, Value::Number));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::String(s.to_string_lossy().into_owned()));
    }
    if let Ok(d) = value.cast::<PyDict>() {
        return Ok(Value::Object(object_from_py(d, depth)?));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let items = value.try_iter()?.map(|item| data_from_py(&item?, depth + 1)).collect::<PyResult<_>>()?;
        return Ok(Value::Array(items));
    }
    Ok(Value::Null)
}
