use std::ops::Deref;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::algorithm::Algorithm;
use crate::policy::{Times, MILLISECONDS_THRESHOLD};
use crate::token::JsonObject;

/// The claims of a verified token, with typed readers for the registered ones.
///
/// Dereferences to the JSON object, so any custom claim is `claims.get("name")`.
/// The object is built from the token's JSON text the first time it is read
/// (a binding that hands the text on never builds it). Cheap to clone: clones
/// share one copy, as the verified-token cache does for every request that
/// presents the same token.
#[derive(Debug, Clone)]
pub struct Claims {
    inner: Arc<Parts>,
    /// The name of the issuer configuration that accepted the token, for a
    /// verifier that trusts several ([`crate::Verifier::any_of`]).
    config: Option<Arc<str>>,
}

#[derive(Debug)]
struct Parts {
    /// The payload's JSON text, as signed.
    json: String,
    /// The protected header's JSON text, as signed.
    header_json: String,
    claims: OnceLock<JsonObject>,
    header: OnceLock<JsonObject>,
    algorithm: Option<Algorithm>,
    times: Times,
}

impl PartialEq for Claims {
    fn eq(&self, other: &Self) -> bool {
        self.header() == other.header()
            && self.as_object() == other.as_object()
            && self.config == other.config
            && self.algorithm() == other.algorithm()
    }
}

/// Earliest and latest instants the time readers return (years 1 and 9999):
/// every language's calendar type can hold them.
const EARLIEST: f64 = -62_135_596_800.0;
const LATEST: f64 = 253_402_300_799.0;

impl Claims {
    /// Claims from the JSON texts a verification accepted (objects without
    /// duplicate members, so UTF-8 and parseable).
    pub(crate) fn verified(header: Vec<u8>, payload: Vec<u8>, algorithm: Algorithm, times: Times) -> Self {
        let text = |bytes: Vec<u8>| {
            String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
        };
        Claims {
            inner: Arc::new(Parts {
                json: text(payload),
                header_json: text(header),
                claims: OnceLock::new(),
                header: OnceLock::new(),
                algorithm: Some(algorithm),
                times,
            }),
            config: None,
        }
    }

    /// Claims that were NOT verified (built by hand, e.g. in a test), with an
    /// empty header, so the same readers serve them.
    pub fn from_object(claims: JsonObject) -> Self {
        let json = serde_json::to_string(&claims).unwrap_or_else(|_| "{}".to_owned());
        Claims {
            inner: Arc::new(Parts {
                json,
                header_json: "{}".to_owned(),
                claims: OnceLock::from(claims),
                header: OnceLock::from(JsonObject::new()),
                algorithm: None,
                times: Times::default(),
            }),
            config: None,
        }
    }

    /// The same claims, as accepted by the issuer configuration `name`.
    pub(crate) fn accepted_by(mut self, name: &Arc<str>) -> Self {
        self.config = Some(Arc::clone(name));
        self
    }

    /// The name of the issuer configuration that accepted the token, when
    /// the verifier trusts several ([`crate::Verifier::any_of`]); `None` for
    /// a verifier of one issuer.
    pub fn issuer_config(&self) -> Option<&str> {
        self.config.as_deref()
    }

    /// `exp`, `nbf` and `iat` in seconds, as the verification read them.
    pub(crate) fn times(&self) -> &Times {
        &self.inner.times
    }

    /// `sub`.
    pub fn subject(&self) -> Option<&str> {
        self.as_object().get("sub").and_then(Value::as_str)
    }

    /// `iss`.
    pub fn issuer(&self) -> Option<&str> {
        self.as_object().get("iss").and_then(Value::as_str)
    }

    /// `aud` as a list, whether the token carried a string or an array.
    pub fn audience(&self) -> Vec<&str> {
        match self.as_object().get("aud") {
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
        let value = self.as_object().get(name)?.as_f64()?;
        let secs = if value > MILLISECONDS_THRESHOLD { value / 1000.0 } else { value };
        (EARLIEST..=LATEST).contains(&secs).then_some(secs)
    }

    /// Scopes from `scope` (space-separated string, RFC 8693) or `scp` (array or string).
    pub fn scopes(&self) -> Vec<&str> {
        scopes_of(self.as_object())
    }

    /// The verified protected header.
    pub fn header(&self) -> &JsonObject {
        self.inner.header.get_or_init(|| crate::token::object(self.inner.header_json.as_bytes()))
    }

    /// The verified protected header as JSON text, exactly as signed.
    pub fn header_json(&self) -> &str {
        &self.inner.header_json
    }

    /// The algorithm the signature was checked with (`None` for claims built
    /// with [`Claims::from_object`]).
    pub fn algorithm(&self) -> Option<Algorithm> {
        self.inner.algorithm
    }

    /// The claims as a JSON object.
    pub fn as_object(&self) -> &JsonObject {
        self.inner.claims.get_or_init(|| crate::token::object(self.inner.json.as_bytes()))
    }

    /// The claims as JSON text, exactly as signed (for a binding to hand on
    /// without building the object).
    pub fn to_json(&self) -> &str {
        &self.inner.json
    }

    /// Takes the header and the claims out.
    pub fn into_parts(self) -> (JsonObject, JsonObject) {
        (self.header().clone(), self.as_object().clone())
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
        self.as_object()
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
