//! One keyword argument to a field of core `Options`. Only types are converted here; the
//! core checks every value, so Python and Node refuse the same things.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyString};
use tokenward::OneOrMany;

use crate::errors::configuration;

pub struct Arg<'a, 'py> {
    pub name: &'static str,
    pub value: Option<&'a Bound<'py, PyAny>>,
}

impl<'py> Arg<'_, 'py> {
    fn wrong(&self, value: &Bound<'py, PyAny>, expected: &str) -> PyErr {
        let found = value.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
        configuration(value.py(), format!("{} must be {expected}; got {found}", self.name))
    }

    pub fn string(&self) -> PyResult<Option<String>> {
        match self.value {
            None => Ok(None),
            Some(v) if v.is_none() => Ok(None),
            Some(v) => match v.cast::<PyString>() {
                Ok(s) => Ok(Some(s.to_cow()?.into_owned())),
                Err(_) => Err(self.wrong(v, "a string")),
            },
        }
    }

    pub fn strings(&self) -> PyResult<Option<OneOrMany>> {
        let Some(v) = self.value.filter(|v| !v.is_none()) else { return Ok(None) };
        if let Ok(s) = v.cast::<PyString>() {
            return Ok(Some(OneOrMany::One(s.to_cow()?.into_owned())));
        }
        let items: Vec<String> = v
            .try_iter()
            .and_then(|it| it.map(|item| item?.extract::<String>()).collect())
            .map_err(|_| self.wrong(v, "a string or a list of strings"))?;
        Ok(Some(OneOrMany::Many(items)))
    }

    /// A list of strings (one string counts as a list of one).
    pub fn string_list(&self) -> PyResult<Option<Vec<String>>> {
        Ok(self.strings()?.map(|names| match names {
            OneOrMany::One(name) => vec![name],
            OneOrMany::Many(names) => names,
        }))
    }

    pub fn number(&self) -> PyResult<Option<f64>> {
        let Some(v) = self.value.filter(|v| !v.is_none()) else { return Ok(None) };
        if v.is_instance_of::<PyBool>() {
            return Err(self.wrong(v, "a number"));
        }
        v.extract::<f64>().map(Some).map_err(|_| self.wrong(v, "a number"))
    }

    pub fn flag(&self) -> PyResult<Option<bool>> {
        let Some(v) = self.value.filter(|v| !v.is_none()) else { return Ok(None) };
        match v.cast::<PyBool>() {
            Ok(b) => Ok(Some(b.is_true())),
            Err(_) => Err(self.wrong(v, "True or False")),
        }
    }

    /// `str` (UTF-8) or `bytes`.
    pub fn bytes(&self) -> PyResult<Option<Vec<u8>>> {
        let Some(v) = self.value.filter(|v| !v.is_none()) else { return Ok(None) };
        if let Ok(b) = v.cast::<PyBytes>() {
            return Ok(Some(b.as_bytes().to_vec()));
        }
        match v.cast::<PyString>() {
            Ok(s) => Ok(Some(s.to_cow()?.as_bytes().to_vec())),
            Err(_) => Err(self.wrong(v, "bytes or a string")),
        }
    }

    /// A JWKS as JSON text, or as a dict that is serialised.
    pub fn json_text(&self) -> PyResult<Option<String>> {
        let Some(v) = self.value.filter(|v| !v.is_none()) else { return Ok(None) };
        if v.is_instance_of::<PyString>() {
            return self.string();
        }
        crate::json::from_py(v).map(|value| Some(value.to_string())).map_err(|_| self.wrong(v, "a dict or JSON text"))
    }
}
