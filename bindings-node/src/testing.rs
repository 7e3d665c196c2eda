//! `TestIssuer` for Node tests: the core's local issuer (keys, JWKS and
//! discovery on 127.0.0.1, minting, failure modes).

use std::time::Duration;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::{Map, Value};
use tokenward::testing::{Behavior, Mint};
use tokenward::Algorithm;

fn algorithm(name: &str) -> Result<Algorithm> {
    name.parse().map_err(|_| Error::new(Status::InvalidArg, format!("unknown algorithm {name:?}")))
}

fn object(value: Option<Value>, what: &str) -> Result<Map<String, Value>> {
    match value {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map),
        Some(_) => Err(Error::new(Status::InvalidArg, format!("{what} must be an object"))),
    }
}

/// What `mint` may set beyond the claims.
#[napi(object)]
pub struct MintOptions {
    /// Header members merged over `alg`, `typ` and `kid`; `null` removes one.
    pub header: Option<Value>,
    /// Sign with this key (default: the newest).
    pub kid: Option<String>,
    /// Put this `alg` in the header and sign as it (for confusion tests).
    pub alg: Option<String>,
}

/// How the JWKS endpoint answers; every field optional, times in seconds.
#[napi(object)]
pub struct BehaviorOptions {
    pub delay: Option<f64>,
    pub status: Option<u32>,
    pub body: Option<String>,
    pub drop_connection: Option<bool>,
    pub cache_control: Option<String>,
    pub etag: Option<bool>,
    pub redirect_to: Option<String>,
    pub discovery_issuer: Option<String>,
    pub discovery_jwks_uri: Option<String>,
}

/// A local issuer serving its JWKS on 127.0.0.1.
#[napi(js_name = "TestIssuer")]
pub struct NativeTestIssuer {
    inner: tokenward::testing::TestIssuer,
}

/// How a `TestIssuer` serves.
#[napi(object)]
pub struct TestIssuerOptions {
    /// Serve https with a certificate from the issuer's own CA (`caPem`). Default: false.
    pub tls: Option<bool>,
}

#[napi]
impl NativeTestIssuer {
    #[napi(constructor, catch_unwind)]
    pub fn new(algorithms: Option<Vec<String>>, options: Option<TestIssuerOptions>) -> Result<Self> {
        let algorithms = algorithms
            .unwrap_or_else(|| vec!["ES256".into()])
            .iter()
            .map(|name| algorithm(name))
            .collect::<Result<Vec<_>>>()?;
        let inner = if options.and_then(|o| o.tls).unwrap_or(false) {
            tokenward::testing::TestIssuer::with_tls(&algorithms)
        } else {
            tokenward::testing::TestIssuer::with_algorithms(&algorithms)
        };
        Ok(NativeTestIssuer { inner })
    }

    /// With `tls: true`, the PEM certificate of the CA that issued the
    /// server's certificate (give it as `caFile`); null over plain http.
    #[napi(getter)]
    pub fn ca_pem(&self) -> Option<String> {
        self.inner.ca_pem()
    }

    #[napi(getter)]
    pub fn url(&self) -> String {
        self.inner.url()
    }

    #[napi(getter)]
    pub fn jwks_url(&self) -> String {
        self.inner.jwks_url()
    }

    #[napi(getter)]
    pub fn discovery_url(&self) -> String {
        self.inner.discovery_url()
    }

    /// Where the keys are served as an X.509 certificate map (`{kid: PEM}`, as Firebase does).
    #[napi(getter)]
    pub fn x509_url(&self) -> String {
        self.inner.x509_url()
    }

    #[napi(getter)]
    pub fn kids(&self) -> Vec<String> {
        self.inner.kids()
    }

    #[napi(getter)]
    pub fn jwks_requests(&self) -> u32 {
        u32::try_from(self.inner.jwks_requests()).unwrap_or(u32::MAX)
    }

    #[napi]
    pub fn jwks(&self) -> Value {
        self.inner.jwks()
    }

    #[napi]
    pub fn public_key_pem(&self, kid: String) -> Option<String> {
        self.inner.public_key_pem(&kid)
    }

    #[napi(catch_unwind)]
    pub fn add_key(&self, alg: String) -> Result<String> {
        Ok(self.inner.add_key(algorithm(&alg)?))
    }

    #[napi]
    pub fn remove_key(&self, kid: String) {
        self.inner.remove_key(&kid)
    }

    #[napi(catch_unwind)]
    pub fn rotate(&self, alg: String) -> Result<String> {
        Ok(self.inner.rotate(algorithm(&alg)?))
    }

    #[napi(catch_unwind)]
    pub fn mint(&self, claims: Option<Value>, options: Option<MintOptions>) -> Result<String> {
        let options = options.unwrap_or(MintOptions { header: None, kid: None, alg: None });
        let mint = Mint {
            claims: object(claims, "claims")?,
            header: object(options.header, "header")?,
            kid: options.kid,
            alg: options.alg.as_deref().map(algorithm).transpose()?,
        };
        self.inner.try_mint_with(mint).map_err(|message| Error::new(Status::InvalidArg, message))
    }

    #[napi(catch_unwind)]
    pub fn set_behavior(&self, behavior: Option<BehaviorOptions>) -> Result<()> {
        let Some(b) = behavior else {
            self.inner.set_behavior(Behavior::default());
            return Ok(());
        };
        let delay = Duration::try_from_secs_f64(b.delay.unwrap_or(0.0))
            .map_err(|_| Error::new(Status::InvalidArg, "delay must be a non-negative number of seconds"))?;
        let status =
            b.status.map(u16::try_from).transpose().map_err(|_| Error::new(Status::InvalidArg, "bad status"))?;
        self.inner.set_behavior(Behavior {
            delay,
            status,
            body: b.body.map(String::into_bytes),
            drop_connection: b.drop_connection.unwrap_or(false),
            cache_control: b.cache_control,
            etag: b.etag.unwrap_or(false),
            redirect_to: b.redirect_to,
            discovery_issuer: b.discovery_issuer,
            discovery_jwks_uri: b.discovery_jwks_uri,
        });
        Ok(())
    }

    #[napi]
    pub fn requests(&self, path: String) -> u32 {
        u32::try_from(self.inner.requests(&path)).unwrap_or(u32::MAX)
    }
}

/// The inputs that make the core panic on purpose (feature `panic-injection`).
#[napi(object)]
pub struct PanicInputs {
    /// A token equal to this panics inside verification.
    pub token: String,
    /// A key-set URL whose path ends with this panics inside the fetch.
    pub path: String,
}

/// The panic-injection inputs when the addon was built with the feature, else null.
#[napi]
pub fn panic_injection() -> Option<PanicInputs> {
    #[cfg(feature = "panic-injection")]
    return Some(PanicInputs { token: tokenward::PANIC_TOKEN.to_owned(), path: tokenward::PANIC_PATH.to_owned() });
    #[cfg(not(feature = "panic-injection"))]
    None
}
