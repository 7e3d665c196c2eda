//! Keyword arguments to core `Options`. Only types are converted here; the
//! core checks every value, so Python and Node refuse the same things.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyString};
use tokenward::{OneOrMany, Options};

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

/// Every keyword argument of `Verifier(...)`, in the order of its signature.
pub struct Kwargs<'a, 'py> {
    pub jwks_url: Arg<'a, 'py>,
    pub discover: Arg<'a, 'py>,
    pub jwks: Arg<'a, 'py>,
    pub key: Arg<'a, 'py>,
    pub secret: Arg<'a, 'py>,
    pub issuer: Arg<'a, 'py>,
    pub audience: Arg<'a, 'py>,
    pub algorithms: Arg<'a, 'py>,
    pub leeway: Arg<'a, 'py>,
    pub max_age: Arg<'a, 'py>,
    pub typ: Arg<'a, 'py>,
    pub required_claims: Arg<'a, 'py>,
    pub max_token_bytes: Arg<'a, 'py>,
    pub millisecond_timestamps: Arg<'a, 'py>,
    pub now: Arg<'a, 'py>,
    pub timeout: Arg<'a, 'py>,
    pub cache_ttl: Arg<'a, 'py>,
    pub cooldown: Arg<'a, 'py>,
    pub max_stale: Arg<'a, 'py>,
    pub max_jwks_bytes: Arg<'a, 'py>,
}

impl Kwargs<'_, '_> {
    pub fn into_options(self) -> PyResult<Options> {
        Ok(Options {
            jwks_url: self.jwks_url.string()?,
            discover: self.discover.string()?,
            jwks: self.jwks.json_text()?,
            key: self.key.string()?,
            secret: self.secret.bytes()?,
            issuer: self.issuer.strings()?,
            audience: self.audience.strings()?,
            algorithms: self.algorithms.strings()?,
            leeway: self.leeway.number()?,
            max_age: self.max_age.number()?,
            typ: self.typ.string()?,
            required_claims: self.required_claims.strings()?.map(|names| match names {
                OneOrMany::One(name) => vec![name],
                OneOrMany::Many(names) => names,
            }),
            max_token_bytes: self.max_token_bytes.number()?,
            millisecond_timestamps: self.millisecond_timestamps.flag()?,
            now: self.now.number()?,
            timeout: self.timeout.number()?,
            cache_ttl: self.cache_ttl.number()?,
            cooldown: self.cooldown.number()?,
            max_stale: self.max_stale.number()?,
            max_jwks_bytes: self.max_jwks_bytes.number()?,
        })
    }
}
