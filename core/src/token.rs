//! Compact JWS parsing: strict base64url, exactly three segments, JSON objects
//! without duplicate members, a size limit checked before any decoding.

use std::fmt;

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::algorithm::Algorithm;
use crate::error::Error;
use crate::policy::Policy;

/// Default for `max_token_bytes`: 16 KiB.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 16 * 1024;

/// base64url without padding, refusing non-zero trailing bits, so every byte
/// string has exactly one accepted encoding (RFC 7515 section 2).
pub(crate) const B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// A JSON object as decoded from a token segment.
pub type JsonObject = Map<String, Value>;

/// The protected header fields tokenward acts on. Everything else stays in
/// the raw map; `jku`, `x5u`, `jwk` and `x5c` are never used to find a key.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub alg: String,
    pub kid: Option<String>,
    pub typ: Option<String>,
    pub crit: Option<Vec<String>>,
    pub raw: JsonObject,
}

/// A token split and decoded, nothing verified.
#[derive(Debug)]
pub(crate) struct ParsedToken<'a> {
    pub signing_input: &'a [u8],
    pub header: Header,
    pub claims: JsonObject,
    pub signature: Vec<u8>,
}

/// Header and claims of a token whose signature and claims were NOT checked.
#[derive(Debug, Clone, PartialEq)]
pub struct UnverifiedToken {
    pub header: JsonObject,
    pub claims: JsonObject,
}

/// Decodes a token without verifying anything: for logging, routing or
/// picking an issuer. Parsing is as strict as in verification.
pub fn decode_unverified(token: &str) -> Result<UnverifiedToken, Error> {
    let parsed = parse(token, DEFAULT_MAX_TOKEN_BYTES)?;
    Ok(UnverifiedToken { header: parsed.header.raw, claims: parsed.claims })
}

pub(crate) fn parse(token: &str, max_bytes: usize) -> Result<ParsedToken<'_>, Error> {
    if token.len() > max_bytes {
        return Err(Error::new(
            crate::ErrorCode::TokenTooLarge,
            format!("token is {} bytes; the limit is {max_bytes} bytes", token.len()),
        ));
    }
    let bytes = token.as_bytes();
    let mut dots = bytes.iter().enumerate().filter(|(_, b)| **b == b'.').map(|(i, _)| i);
    let (first, second) = match (dots.next(), dots.next(), dots.next()) {
        (Some(a), Some(b), None) => (a, b),
        _ => {
            let segments = bytes.iter().filter(|b| **b == b'.').count() + 1;
            return Err(Error::malformed(format!("a compact JWS has 3 dot-separated segments; found {segments}")));
        }
    };
    let header_bytes = decode_segment(&bytes[..first], "header")?;
    let claims_bytes = decode_segment(&bytes[first + 1..second], "payload")?;
    let signature = decode_segment(&bytes[second + 1..], "signature")?;
    let raw_header = parse_object(&header_bytes, "header")?;
    let header = Header::from_raw(raw_header)?;
    let claims = parse_object(&claims_bytes, "payload")?;
    Ok(ParsedToken { signing_input: &bytes[..second], header, claims, signature })
}

/// The checks before the signature (size, syntax, algorithm, `crit`), in
/// the order verification makes them: the algorithm, or the first refusal.
pub(crate) fn precheck(token: &str, policy: &Policy) -> Result<Algorithm, Error> {
    let parsed = parse(token, policy.max_token_bytes)?;
    let alg = policy.algorithm(&parsed.header.alg)?;
    policy.check_crit(&parsed.header)?;
    Ok(alg)
}

fn decode_segment(segment: &[u8], what: &str) -> Result<Vec<u8>, Error> {
    B64.decode(segment)
        .map_err(|e| Error::malformed(format!("the {what} segment is not canonical unpadded base64url ({e})")))
}

fn parse_object(bytes: &[u8], what: &str) -> Result<JsonObject, Error> {
    if bytes.is_empty() {
        return Err(Error::malformed(format!("the {what} segment is empty")));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let object = de
        .deserialize_map(StrictVisitor)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| Error::malformed(format!("the {what} is not a valid JSON object: {e}")))?;
    match object {
        Value::Object(map) => Ok(map),
        _ => Err(Error::malformed(format!("the {what} must be a JSON object"))),
    }
}

impl Header {
    fn from_raw(raw: JsonObject) -> Result<Self, Error> {
        let alg = match raw.get("alg") {
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(Error::malformed("header \"alg\" must be a string")),
            None => return Err(Error::malformed("header has no \"alg\"")),
        };
        let kid = optional_string(&raw, "kid")?;
        let typ = optional_string(&raw, "typ")?;
        let crit = match raw.get("crit") {
            None => None,
            Some(Value::Array(items)) if !items.is_empty() => Some(
                items
                    .iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| Error::malformed("header \"crit\" must list strings"))?,
            ),
            Some(_) => return Err(Error::malformed("header \"crit\" must be a non-empty array of names")),
        };
        Ok(Header { alg, kid, typ, crit, raw })
    }
}

fn optional_string(raw: &JsonObject, name: &str) -> Result<Option<String>, Error> {
    match raw.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::malformed(format!("header \"{name}\" must be a string"))),
    }
}

/// Builds a `serde_json::Value` like serde_json does, but refuses an object
/// that names the same member twice (RFC 7515 section 5.2, step 4): two
/// parsers that keep different duplicates would see different claims.
struct StrictVisitor;

impl<'de> DeserializeSeed<'de> for StrictVisitor {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element_seed(StrictVisitor)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let value = access.next_value_seed(StrictVisitor)?;
            if let Some(key) = insert_new(&mut map, key, value) {
                return Err(de::Error::custom(format!("duplicate member \"{key}\"")));
            }
        }
        Ok(Value::Object(map))
    }
}

/// Inserts unless the key is taken; returns the key back if it was.
fn insert_new(map: &mut JsonObject, key: String, value: Value) -> Option<String> {
    match map.entry(key) {
        serde_json::map::Entry::Vacant(slot) => {
            slot.insert(value);
            None
        }
        serde_json::map::Entry::Occupied(taken) => Some(taken.key().clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str) -> String {
        B64.encode(s)
    }

    #[test]
    fn refuses_duplicate_members_at_any_depth() {
        let token = format!("{}.{}.", enc(r#"{"alg":"ES256"}"#), enc(r#"{"a":{"b":1,"b":2}}"#));
        let err = parse(&token, DEFAULT_MAX_TOKEN_BYTES).unwrap_err();
        assert_eq!(err.code(), "malformed");
        assert!(err.message().contains("duplicate member \"b\""), "{}", err.message());
    }

    #[test]
    fn refuses_non_canonical_base64url() {
        // "QQ" and "QR" both decode to "A" with lenient decoders; only "QQ" is canonical.
        assert!(B64.decode("QQ").is_ok());
        assert!(B64.decode("QR").is_err());
        assert!(B64.decode("QQ==").is_err());
    }

    #[test]
    fn refuses_trailing_data_after_the_object() {
        let token = format!("{}.{}.", enc(r#"{"alg":"ES256"}"#), enc(r#"{"a":1} x"#));
        assert_eq!(parse(&token, DEFAULT_MAX_TOKEN_BYTES).unwrap_err().code(), "malformed");
    }

    #[test]
    fn checks_size_before_decoding() {
        let token = "!".repeat(DEFAULT_MAX_TOKEN_BYTES + 1);
        assert_eq!(parse(&token, DEFAULT_MAX_TOKEN_BYTES).unwrap_err().code(), "token_too_large");
    }
}
