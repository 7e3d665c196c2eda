//! `Verifier(**kwargs)` to core `Options`: each name is looked up in the
//! core's option table (an unknown one is refused with the closest name
//! suggested) and its value converted by the option's kind. Only types are
//! converted here; the core checks every value, so Python and Node accept and
//! refuse the same things.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyString};
use serde_json::{Map, Value};
use tokenward::{OptionKind, OptionSpec, Options, Spelling};

use crate::errors::{self, configuration};

pub fn from_kwargs(py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Options> {
    let given = given(py, kwargs, &[])?;
    errors::guard(py, || Options::from_json(Value::Object(given)))
}

/// The keyword arguments as the core's JSON: each name looked up in `extra`
/// (a provider preset's arguments), then in the option table, and its value
/// converted by kind; an unknown name is refused with the closest one suggested.
pub fn given(py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>, extra: &[OptionSpec]) -> PyResult<Map<String, Value>> {
    let mut given = Map::new();
    for (name, value) in kwargs.into_iter().flat_map(|kwargs| kwargs.iter()) {
        let name = name.cast::<PyString>()?.to_string_lossy().into_owned();
        let spec = extra.iter().find(|a| a.name == name).or_else(|| tokenward::option_spec(&name, Spelling::Snake));
        let Some(spec) = spec else {
            if extra.is_empty() {
                return Err(errors::to_py(py, &tokenward::unknown_option(&name, Spelling::Snake)));
            }
            // The core names the closest preset argument or option.
            given.insert(name, Value::Null);
            continue;
        };
        given.insert(name, convert(spec, &value)?);
    }
    Ok(given)
}

fn wrong(spec: &OptionSpec, value: &Bound<'_, PyAny>, expected: &str) -> PyErr {
    let found = value.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    configuration(value.py(), format!("{} must be {expected}; got {found}", spec.name))
}

fn text(value: &Bound<'_, PyString>) -> Value {
    Value::String(value.to_string_lossy().into_owned())
}

fn convert(spec: &OptionSpec, value: &Bound<'_, PyAny>) -> PyResult<Value> {
    if value.is_none() {
        return Ok(Value::Null);
    }
    match spec.kind {
        OptionKind::String => value.cast::<PyString>().map(text).map_err(|_| wrong(spec, value, "a string")),
        // Always a list: one string is a list of one, whatever the option.
        OptionKind::Strings => {
            if let Ok(one) = value.cast::<PyString>() {
                return Ok(Value::Array(vec![text(one)]));
            }
            let expected = "a string or a list of strings";
            let items = value.try_iter().map_err(|_| wrong(spec, value, expected))?;
            let mut list = Vec::new();
            for item in items {
                let item = item?;
                list.push(item.cast::<PyString>().map(text).map_err(|_| wrong(spec, value, expected))?);
            }
            Ok(Value::Array(list))
        }
        OptionKind::Json => {
            if let Ok(json) = value.cast::<PyString>() {
                return Ok(text(json));
            }
            let expected = "a dict or JSON text";
            if !value.is_instance_of::<PyDict>() {
                return Err(wrong(spec, value, expected));
            }
            let dumped = value.py().import("json")?.call_method1("dumps", (value,));
            let json = dumped.map_err(|_| wrong(spec, value, expected))?;
            Ok(text(json.cast::<PyString>()?))
        }
        OptionKind::Bytes => {
            let bytes = if let Ok(b) = value.cast::<PyBytes>() {
                b.as_bytes().to_vec()
            } else if let Ok(b) = value.cast::<PyByteArray>() {
                b.to_vec()
            } else if let Ok(s) = value.cast::<PyString>() {
                s.to_string_lossy().as_bytes().to_vec()
            } else {
                return Err(wrong(spec, value, "bytes or a string"));
            };
            Ok(Value::Array(bytes.into_iter().map(Value::from).collect()))
        }
        OptionKind::Number => {
            let is_number = (value.is_instance_of::<PyInt>() || value.is_instance_of::<PyFloat>())
                && !value.is_instance_of::<PyBool>();
            if !is_number {
                return Err(wrong(spec, value, "a number"));
            }
            // JSON has no NaN or infinity, so those cannot reach the core's range check.
            let finite = value.extract::<f64>().ok().and_then(serde_json::Number::from_f64);
            finite.map(Value::Number).ok_or_else(|| {
                let shown: String = value.repr().map(|r| r.to_string()).unwrap_or_default().chars().take(40).collect();
                configuration(value.py(), format!("{} must be a finite number; got {shown}", spec.name))
            })
        }
        OptionKind::Flag => match value.cast::<PyBool>() {
            Ok(b) => Ok(Value::Bool(b.is_true())),
            Err(_) => Err(wrong(spec, value, "True or False")),
        },
    }
}

/// Every verifier option, in documentation order, from the core's table.
pub fn specs(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
    described(py, tokenward::OPTIONS)
}

/// Every provider preset (name, doc, args described like options).
pub fn provider_specs(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
    tokenward::providers::PROVIDERS
        .iter()
        .map(|p| {
            let d = PyDict::new(py);
            d.set_item("name", p.name)?;
            d.set_item("doc", p.doc)?;
            d.set_item("args", described(py, p.args)?)?;
            Ok(d)
        })
        .collect()
}

fn described<'py>(py: Python<'py>, specs: &[OptionSpec]) -> PyResult<Vec<Bound<'py, PyDict>>> {
    specs
        .iter()
        .map(|spec| {
            let d = PyDict::new(py);
            d.set_item("name", spec.name)?;
            d.set_item("kind", spec.kind.as_str())?;
            d.set_item("default", spec.default)?;
            d.set_item("doc", spec.doc)?;
            Ok(d)
        })
        .collect()
}
