//! What tokenward makes of a key set, entry by entry, and of the response
//! that served it: for tools (the `tokenward jwks` command) that show a
//! developer why a key is or is not used. Every verdict comes from the same
//! parsing a verifier does; nothing here decides anything of its own.

use std::time::Duration;

use base64::Engine;
use reqwest::header::{HeaderMap, ACCEPT, AGE, CACHE_CONTROL, ETAG};
use serde_json::{json, Value};

use crate::algorithm::Algorithm;
use crate::error::{Error, ErrorCode};
use crate::fetch::{check_url, describe, read_body, redact};
use crate::jwks::CacheConfig;
use crate::keys::{KeySet, JWK_B64};

/// One JWKS entry: what it declares and what tokenward thinks of it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyReport {
    /// The entry's `kid`, if it is a string.
    pub kid: Option<String>,
    /// `kty`, if it is a string.
    pub kty: Option<String>,
    /// `crv` (EC and OKP keys), if it is a string.
    pub crv: Option<String>,
    /// The modulus size of an RSA key, in bits, if `n` decodes.
    pub rsa_bits: Option<usize>,
    /// The declared `alg`, if it is a string.
    pub alg: Option<String>,
    /// The declared `use`, if it is a string.
    pub key_use: Option<String>,
    /// Whether a verifier would use the entry.
    pub verdict: Verdict,
}

/// A verifier's verdict on one JWKS entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The entry is held and verifies these algorithms (HMAC ones only when
    /// a verifier lists them).
    Usable(Vec<Algorithm>),
    /// The entry is skipped, for this reason (as tokenward logs it).
    Skipped(String),
}

/// Judges every entry of a JWKS document. A document that is not JSON or has
/// no `keys` array is `jwks_invalid`, as a verifier would find it; a document
/// whose entries are all skipped is reported entry by entry (a verifier would
/// refuse it as `jwks_invalid`).
pub fn jwks(json: &[u8]) -> Result<Vec<KeyReport>, Error> {
    let entries = serde_json::from_slice::<Value>(json).ok().and_then(|doc| doc.get("keys")?.as_array().cloned());
    let Some(entries) = entries else {
        let refused = KeySet::from_jwks_json(json).err();
        return Err(refused.unwrap_or_else(|| Error::new(ErrorCode::JwksInvalid, "the key set has no \"keys\" array")));
    };
    Ok(entries.iter().map(report).collect())
}

/// An Ed25519 key (RFC 8037 appendix A) that is always usable: set beside an
/// unusable entry, it keeps the set valid so the entry's own skip reason
/// can be read from [`KeySet::skipped`].
fn usable_companion() -> Value {
    json!({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})
}

fn report(entry: &Value) -> KeyReport {
    let text = |name: &str| entry.get(name).and_then(Value::as_str).map(str::to_owned);
    let verdict = match KeySet::from_jwks_json(json!({ "keys": [entry] }).to_string().as_bytes()) {
        Ok(set) => Verdict::Usable(Algorithm::ALL.into_iter().filter(|alg| set.supports(*alg)).collect()),
        Err(refused) => {
            let beside = KeySet::from_jwks_json(json!({ "keys": [entry, usable_companion()] }).to_string().as_bytes());
            let reason = beside.ok().and_then(|set| set.skipped().first().cloned());
            Verdict::Skipped(reason.unwrap_or_else(|| refused.message().to_owned()))
        }
    };
    let rsa_bits = match text("kty").as_deref() {
        Some("RSA") => text("n").and_then(|n| JWK_B64.decode(n).ok()).map(|n| bit_length(&n)),
        _ => None,
    };
    KeyReport {
        kid: text("kid"),
        kty: text("kty"),
        crv: text("crv"),
        rsa_bits,
        alg: text("alg"),
        key_use: text("use"),
        verdict,
    }
}

fn bit_length(magnitude: &[u8]) -> usize {
    let first = magnitude.iter().position(|b| *b != 0).unwrap_or(magnitude.len());
    let magnitude = &magnitude[first..];
    magnitude.first().map_or(0, |top| (magnitude.len() - 1) * 8 + (8 - top.leading_zeros() as usize))
}

/// A key set fetched the way a verifier fetches it, with the caching headers.
#[derive(Debug, Clone)]
pub struct FetchedJwks {
    /// The URL, without user info or query (as it may appear in output).
    pub url: String,
    /// The response body.
    pub body: Vec<u8>,
    /// The `Cache-Control` header.
    pub cache_control: Option<String>,
    /// The `ETag` header (a verifier revalidates with `If-None-Match`).
    pub etag: Option<String>,
    /// The `Age` header (a verifier does not subtract it from `max-age`).
    pub age: Option<String>,
    /// How long a verifier with `config` would hold the keys before refetching.
    pub fresh_for: Duration,
}

/// Fetches a JWKS under a verifier's rules: https (or http to loopback), no
/// redirects, `config.timeout`, at most `config.max_jwks_bytes`; a bad URL
/// is `configuration`, any other failure `jwks_fetch_failed`.
pub async fn fetch_jwks(url: &str, config: &CacheConfig) -> Result<FetchedJwks, Error> {
    let url = check_url(url, "the JWKS URL").map_err(Error::config)?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(config.timeout)
        .user_agent(concat!("tokenward/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))?;
    let response = client
        .get(url.clone())
        .header(ACCEPT, "application/jwk-set+json, application/json")
        .send()
        .await
        .map_err(|e| describe(&url, e))?;
    let headers = response.headers().clone();
    let body = read_body(response, &url, config.max_jwks_bytes, "key set").await?;
    let header = |name| header_text(&headers, name);
    Ok(FetchedJwks {
        url: redact(&url),
        body,
        fresh_for: freshness(header(CACHE_CONTROL).as_deref(), config),
        cache_control: header(CACHE_CONTROL),
        etag: header(ETAG),
        age: header(AGE),
    })
}

fn header_text(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    headers.get(name)?.to_str().ok().map(str::to_owned)
}

/// `(year, month, day)` of a day counted from 1970-01-01 (H. Hinnant's
/// civil-from-days algorithm), for showing times without a date library.
pub fn civil_date(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// How long a verifier with `config` holds keys served with this
/// `Cache-Control`: `max-age` clamped to its bounds (`no-cache` and
/// `no-store` count as 0, so the lower bound), else `cache_ttl`.
pub fn freshness(cache_control: Option<&str>, config: &CacheConfig) -> Duration {
    crate::jwks::freshness(cache_control, config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_each_entry_with_the_reason_a_verifier_skips_it() {
        let doc = json!({"keys": [
            {"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            {"kty": "XYZ", "kid": "odd"},
            {"kty": "RSA", "kid": "small", "n": "AQAB", "e": "AQAB", "use": "sig"},
        ]});
        let reports = jwks(doc.to_string().as_bytes()).unwrap();
        assert_eq!(reports[0].verdict, Verdict::Usable(vec![Algorithm::EdDSA]));
        assert_eq!(reports[1].verdict, Verdict::Skipped("key \"odd\": unsupported \"kty\" \"XYZ\"".into()));
        assert_eq!(reports[2].rsa_bits, Some(17));
        assert!(matches!(&reports[2].verdict, Verdict::Skipped(why) if why.contains("2048")), "{:?}", reports[2]);
    }

    #[test]
    fn a_document_without_keys_is_refused_as_a_verifier_refuses_it() {
        assert_eq!(jwks(b"{}").unwrap_err().kind(), ErrorCode::JwksInvalid);
        assert_eq!(jwks(b"not json").unwrap_err().kind(), ErrorCode::JwksInvalid);
    }

    #[test]
    fn freshness_is_max_age_within_bounds_else_the_default_ttl() {
        let config = CacheConfig::default();
        assert_eq!(freshness(Some("public, max-age=3600"), &config), Duration::from_secs(3600));
        assert_eq!(freshness(Some("max-age=5"), &config), config.min_cache_ttl);
        assert_eq!(freshness(Some("no-store"), &config), config.min_cache_ttl);
        assert_eq!(freshness(None, &config), config.cache_ttl);
    }
}
