//! `TestIssuer` for Python tests: the core's local issuer (keys, JWKS and
//! discovery served on 127.0.0.1, token minting, failure modes).

use std::time::Duration;

use pyo3::prelude::*;
use serde_json::{Map, Value};
use tokenward::testing::{Behavior, Mint};
use tokenward::Algorithm;

use crate::errors::configuration;
use crate::json;

/// A local token issuer serving its JWKS on 127.0.0.1; stops when dropped.
#[pyclass(module = "tokenward._native", subclass, frozen)]
pub struct TestIssuer {
    inner: tokenward::testing::TestIssuer,
}

fn algorithm(py: Python<'_>, name: &str) -> PyResult<Algorithm> {
    name.parse().map_err(|_| configuration(py, format!("unknown algorithm {name:?}")))
}

fn object(value: Option<&Bound<'_, PyAny>>) -> PyResult<Map<String, Value>> {
    match value.filter(|v| !v.is_none()).map(json::from_py).transpose()? {
        None => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map),
        Some(_) => Err(pyo3::exceptions::PyTypeError::new_err("expected a dict")),
    }
}

#[pymethods]
impl TestIssuer {
    /// Starts an issuer with one key per algorithm (default one ES256 key);
    /// `tls=True` serves https with a certificate from its own CA (`ca_pem`).
    #[new]
    #[pyo3(signature = (algorithms=None, *, tls=false))]
    fn new(py: Python<'_>, algorithms: Option<Vec<String>>, tls: bool) -> PyResult<Self> {
        let algorithms = algorithms
            .unwrap_or_else(|| vec!["ES256".into()])
            .iter()
            .map(|name| algorithm(py, name))
            .collect::<PyResult<Vec<_>>>()?;
        let inner = if tls {
            tokenward::testing::TestIssuer::with_tls(&algorithms)
        } else {
            tokenward::testing::TestIssuer::with_algorithms(&algorithms)
        };
        Ok(TestIssuer { inner })
    }

    /// With `tls=True`, the PEM certificate of the CA that issued the
    /// server's certificate (give it as `ca_file`); None over plain http.
    #[getter]
    fn ca_pem(&self) -> Option<String> {
        self.inner.ca_pem()
    }

    /// `http://127.0.0.1:PORT` (`https://` with `tls=True`), also the `iss` of minted tokens.
    #[getter]
    fn url(&self) -> String {
        self.inner.url()
    }

    #[getter]
    fn jwks_url(&self) -> String {
        self.inner.jwks_url()
    }

    #[getter]
    fn discovery_url(&self) -> String {
        self.inner.discovery_url()
    }

    /// Where the keys are served as an X.509 certificate map (`{kid: PEM}`, as Firebase does).
    #[getter]
    fn x509_url(&self) -> String {
        self.inner.x509_url()
    }

    /// Key ids, oldest first.
    #[getter]
    fn kids(&self) -> Vec<String> {
        self.inner.kids()
    }

    /// The JWKS document currently served.
    fn jwks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json::to_py(py, &self.inner.jwks())
    }

    /// PEM (SPKI) of the public key `kid`, or None.
    fn public_key_pem(&self, kid: &str) -> Option<String> {
        self.inner.public_key_pem(kid)
    }

    /// Adds a key and returns its kid; it becomes the one that signs.
    fn add_key(&self, py: Python<'_>, alg: &str) -> PyResult<String> {
        Ok(self.inner.add_key(algorithm(py, alg)?))
    }

    fn remove_key(&self, kid: &str) {
        self.inner.remove_key(kid)
    }

    /// Replaces every key with a new one and returns its kid.
    fn rotate(&self, py: Python<'_>, alg: &str) -> PyResult<String> {
        Ok(self.inner.rotate(algorithm(py, alg)?))
    }

    /// A signed token. `claims` merge over `iss`, `iat` and `exp` (now + 600);
    /// `header` over `alg`, `typ` and `kid`; a None value removes a member.
    #[pyo3(signature = (claims=None, *, header=None, kid=None, alg=None))]
    fn mint(
        &self,
        py: Python<'_>,
        claims: Option<Bound<'_, PyAny>>,
        header: Option<Bound<'_, PyAny>>,
        kid: Option<String>,
        alg: Option<String>,
    ) -> PyResult<String> {
        let mint = Mint {
            claims: object(claims.as_ref())?,
            header: object(header.as_ref())?,
            kid,
            alg: alg.map(|name| algorithm(py, &name)).transpose()?,
        };
        py.detach(|| self.inner.try_mint_with(mint)).map_err(|message| configuration(py, message))
    }

    /// How the JWKS endpoint answers from now on (each call starts from the defaults).
    #[pyo3(signature = (
        *, delay=0.0, status=None, body=None, drop_connection=false, cache_control=None, etag=false,
        redirect_to=None, discovery_issuer=None, discovery_jwks_uri=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn set_behavior(
        &self,
        delay: f64,
        status: Option<u16>,
        body: Option<Vec<u8>>,
        drop_connection: bool,
        cache_control: Option<String>,
        etag: bool,
        redirect_to: Option<String>,
        discovery_issuer: Option<String>,
        discovery_jwks_uri: Option<String>,
    ) -> PyResult<()> {
        let delay = Duration::try_from_secs_f64(delay)
            .map_err(|_| pyo3::exceptions::PyValueError::new_err("delay must be a non-negative number of seconds"))?;
        self.inner.set_behavior(Behavior {
            delay,
            status,
            body,
            drop_connection,
            cache_control,
            etag,
            redirect_to,
            discovery_issuer,
            discovery_jwks_uri,
        });
        Ok(())
    }

    /// Requests served for `path` so far.
    fn requests(&self, path: &str) -> u64 {
        self.inner.requests(path)
    }

    #[getter]
    fn jwks_requests(&self) -> u64 {
        self.inner.jwks_requests()
    }

    fn __repr__(&self) -> String {
        format!("TestIssuer({:?})", self.inner.url())
    }
}
