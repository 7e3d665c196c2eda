use std::ops::Deref;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::algorithm::Algorithm;
use crate::policy::MILLISECONDS_THRESHOLD;
use crate::token::JsonObject;

/// The claims of a verified token, with typed readers for the registered ones.
///
/// Dereferences to the JSON object, so any custom claim is `claims.get("name")`.
/// Cheap to clone: clones share one copy (the verified-token cache hands the
/// same claims to every request that presents the token).
#[derive(Debug, Clone)]
pub struct Claims {
    inner: Arc<Parts>,
}

#[derive(Debug)]
struct Parts {
    header: JsonObject,
    claims: JsonObject,
    algorithm: Option<Algorithm>,
    json: OnceLock<String>,
}

impl PartialEq for Claims {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (&*self.inner, &*other.inner);
        a.header == b.header && a.claims == b.claims && a.algorithm == b.algorithm
    }
}

/// Earliest and latest instants the time readers return (years 1 and 9999):
/// every language's calendar type can hold them.
const EARLIEST: f64 = -62_135_596_800.0;
const LATEST: f64 = 253_402_300_799.0;

impl Claims {
    pub(crate) fn new(header: JsonObject, claims: JsonObject, algorithm: Algorithm) -> Self {
        Claims::build(header, claims, Some(algorithm))
    }

    fn build(header: JsonObject, claims: JsonObject, algorithm: Option<Algorithm>) -> Self {
        Claims { inner: Arc::new(Parts { header, claims, algorithm, json: OnceLock::new() }) }
    }

    /// Claims that were NOT verified (built by hand, e.g. in a test), with an
    /// empty header, so the same readers serve them.
    pub fn from_object(claims: JsonObject) -> Self {
        Claims::build(JsonObject::new(), claims, None)
    }

    /// `sub`.
    pub fn subject(&self) -> Option<&str> {
        self.inner.claims.get("sub").and_then(Value::as_str)
    }

    /// `iss`.
    pub fn issuer(&self) -> Option<&str> {
        self.inner.claims.get("iss").and_then(Value::as_str)
    }

    /// `aud` as a list, whether the token carried a string or an array.
    pub fn audience(&self) -> Vec<&str> {
        match self.inner.claims.get("aud") {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// `exp` as a time.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.time("exp")
    }

    /// `iat` as a time.
    pub fn issued_at(&self) -> Option<SystemTime> {
        self.time("iat")
    }

    /// A time claim (`exp`, `iat`, `nbf`, `auth_time`...) in seconds since
    /// the epoch: milliseconds are converted (they were accepted only when
    /// the verifier allowed them), and a value that is not a number or lies
    /// outside the years 1 to 9999 gives `None`.
    pub fn unix_time(&self, name: &str) -> Option<f64> {
        let value = self.inner.claims.get(name)?.as_f64()?;
        let secs = if value > MILLISECONDS_THRESHOLD { value / 1000.0 } else { value };
        (EARLIEST..=LATEST).contains(&secs).then_some(secs)
    }

    /// Scopes from `scope` (space-separated string, RFC 8693) or `scp` (array or string).
    pub fn scopes(&self) -> Vec<&str> {
        scopes_of(&self.inner.claims)
    }

    /// The verified protected header.
    pub fn header(&self) -> &JsonObject {
        &self.inner.header
    }

    /// The algorithm the signature was checked with (`None` for claims built
    /// with [`Claims::from_object`]).
    pub fn algorithm(&self) -> Option<Algorithm> {
        self.inner.algorithm
    }

    /// The claims as a JSON object.
    pub fn as_object(&self) -> &JsonObject {
        &self.inner.claims
    }

    /// The claims as compact JSON text, serialised once and kept.
    pub fn to_json(&self) -> &str {
        self.inner.json.get_or_init(|| serde_json::to_string(&self.inner.claims).unwrap_or_else(|_| "{}".to_owned()))
    }

    /// Takes the header and the claims out (copying them if the claims are shared).
    pub fn into_parts(self) -> (JsonObject, JsonObject) {
        match Arc::try_unwrap(self.inner) {
            Ok(parts) => (parts.header, parts.claims),
            Err(shared) => (shared.header.clone(), shared.claims.clone()),
        }
    }

    fn time(&self, name: &str) -> Option<SystemTime> {
        let secs = self.unix_time(name)?;
        let offset = Duration::from_secs_f64(secs.abs());
        if secs >= 0.0 {
            UNIX_EPOCH.checked_add(offset)
        } else {
            UNIX_EPOCH.checked_sub(offset)
        }
    }
}

impl Deref for Claims {
    type Target = JsonObject;

    fn deref(&self) -> &JsonObject {
        &self.inner.claims
    }
}

/// The scopes a set of claims grants: `scope` (space-separated) when present,
/// else `scp` (a string or a list). The bindings read scopes through this so
/// that every language grants the same ones.
pub fn scopes_of(claims: &JsonObject) -> Vec<&str> {
    match claims.get("scope").or_else(|| claims.get("scp")) {
        Some(Value::String(s)) => s.split_whitespace().collect(),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}
