//! Compact JWS parsing: strict base64url, exactly three segments, JSON objects
//! without duplicate members, a size limit checked before any decoding.
//!
//! Verification reads the header and the payload in one pass each, without
//! building a JSON tree: it keeps borrowed views of the members it judges
//! (`alg`, `kid`, `typ`, `crit`; `exp`, `nbf`, `iat`, `iss`, `sub`, `aud`),
//! walks the rest only to refuse duplicate members at any depth, and hands
//! the decoded JSON text to [`crate::Claims`], which builds the tree only if
//! it is asked for.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::algorithm::Algorithm;
use crate::error::{Error, ErrorCode};
use crate::policy::Policy;

/// Default for `max_token_bytes`: 16 KiB.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 16 * 1024;

/// base64url without padding, refusing non-zero trailing bits, so every byte
/// string has exactly one accepted encoding (RFC 7515 section 2). Tokens are
/// decoded by this module's own strict decoder; the engine encodes for the
/// TestIssuer and checks that decoder against it in tests.
#[cfg(any(test, feature = "testing"))]
pub(crate) const B64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    base64::engine::GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// A JSON object as decoded from a token segment.
pub type JsonObject = Map<String, Value>;

/// The three segments, decoded; nothing parsed yet.
pub(crate) struct Segments<'a> {
    pub signing_input: &'a [u8],
    pub header: Vec<u8>,
    pub payload: Vec<u8>,
    pub signature: Vec<u8>,
}

/// The protected header fields tokenward acts on, borrowed from its JSON.
/// `jku`, `x5u`, `jwk` and `x5c` are never used to find a key.
#[derive(Debug)]
pub(crate) struct Header<'h> {
    pub alg: Cow<'h, str>,
    pub kid: Option<Cow<'h, str>>,
    pub typ: Option<Cow<'h, str>>,
    pub crit: Option<Vec<Cow<'h, str>>>,
}

/// A member's value, as much of it as a rule needs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json<'p> {
    Null,
    Bool,
    Number(f64),
    Str(Cow<'p, str>),
    /// An array whose items are all strings.
    Strings(Vec<Cow<'p, str>>),
    /// Any other array.
    Array,
    Object,
}

impl Json<'_> {
    /// "a string", "an array"...: for messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool => "a boolean",
            Json::Number(_) => "a number",
            Json::Str(_) => "a string",
            Json::Strings(_) | Json::Array => "an array",
            Json::Object => "an object",
        }
    }
}

/// The registered claims the policy judges, borrowed from the payload, and
/// the first required claim it lacks.
#[derive(Debug, Default)]
pub(crate) struct Registered<'p> {
    pub exp: Option<Json<'p>>,
    pub nbf: Option<Json<'p>>,
    pub iat: Option<Json<'p>>,
    pub iss: Option<Json<'p>>,
    pub sub: Option<Json<'p>>,
    pub aud: Option<Json<'p>>,
    pub missing: Option<usize>,
}

/// Header and claims of a token whose signature and claims were NOT checked.
#[derive(Debug, Clone, PartialEq)]
pub struct UnverifiedToken {
    /// The protected header.
    pub header: JsonObject,
    /// The payload's claims.
    pub claims: JsonObject,
}

/// Decodes a token without verifying anything: for logging, routing or
/// picking an issuer. Parsing is as strict as in verification.
pub fn decode_unverified(token: &str) -> Result<UnverifiedToken, Error> {
    let segments = split(token, DEFAULT_MAX_TOKEN_BYTES)?;
    read_header(&segments.header)?;
    read_payload(&segments.payload, &[])?;
    Ok(UnverifiedToken { header: object(&segments.header), claims: object(&segments.payload) })
}

/// The JSON object in bytes a reader above has already accepted.
pub(crate) fn object(json: &[u8]) -> JsonObject {
    serde_json::from_slice(json).unwrap_or_default()
}

/// Checks the size, splits on the two dots and decodes the three segments.
pub(crate) fn split(token: &str, max_bytes: usize) -> Result<Segments<'_>, Error> {
    if token.len() > max_bytes {
        return Err(Error::new(
            ErrorCode::TokenTooLarge,
            format!("token is {} bytes; the limit is {max_bytes} bytes", token.len()),
        ));
    }
    let bytes = token.as_bytes();
    let first = token.find('.');
    let second = first.and_then(|a| token[a + 1..].find('.').map(|b| a + 1 + b));
    let third = second.and_then(|b| token[b + 1..].find('.'));
    let (first, second) = match (first, second, third) {
        (Some(a), Some(b), None) => (a, b),
        _ => {
            let segments = bytes.iter().filter(|b| **b == b'.').count() + 1;
            return Err(Error::malformed(format!("a compact JWS has 3 dot-separated segments; found {segments}")));
        }
    };
    Ok(Segments {
        signing_input: &bytes[..second],
        header: decode_segment(&bytes[..first], "header")?,
        payload: decode_segment(&bytes[first + 1..second], "payload")?,
        signature: decode_segment(&bytes[second + 1..], "signature")?,
    })
}

/// The checks before the signature (size, syntax, algorithm, `crit`), in
/// the order verification makes them: the algorithm, or the first refusal.
pub(crate) fn precheck(token: &str, policy: &Policy) -> Result<Algorithm, Error> {
    let segments = split(token, policy.max_token_bytes)?;
    let header = read_header(&segments.header)?;
    read_payload(&segments.payload, &[])?;
    let alg = policy.algorithm(&header.alg)?;
    policy.check_crit(&header)?;
    Ok(alg)
}

/// The token's `iss`, read without verifying anything (for picking an issuer
/// configuration, and refusing a foreign issuer before any key fetch).
pub(crate) fn unverified_issuer(token: &str, max_bytes: usize) -> Result<Option<String>, Error> {
    let segments = split(token, max_bytes)?;
    read_header(&segments.header)?;
    match read_payload(&segments.payload, &[])?.iss {
        None => Ok(None),
        Some(Json::Str(iss)) => Ok(Some(iss.into_owned())),
        Some(other) => Err(Error::claim(
            ErrorCode::InvalidClaim,
            "iss",
            format!("\"iss\" must be a string; found {}", other.type_name()),
        )),
    }
}

fn decode_segment(segment: &[u8], what: &str) -> Result<Vec<u8>, Error> {
    decode_base64url(segment)
        .map_err(|why| Error::malformed(format!("the {what} segment is not canonical unpadded base64url ({why})")))
}

/// Each base64url character's 6 bits; 0xFF for every other byte.
const SEXTETS: [u8; 256] = {
    let mut table = [0xFF; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut i = 0;
    while i < 64 {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Strict base64url (RFC 4648 section 5) without padding, and canonical: the
/// unused low bits of the last character must be zero, so each byte string
/// has exactly one accepted encoding. Written here rather than taken from the
/// `base64` crate because it runs on every token and a table lookup per
/// character is several times cheaper than the general engine.
fn decode_base64url(text: &[u8]) -> Result<Vec<u8>, String> {
    let invalid = |at: usize| format!("invalid character at offset {at}");
    let rest = text.len() % 4;
    if rest == 1 {
        return Err(format!("a length of {} characters cannot be base64url", text.len()));
    }
    let whole = text.len() - rest;
    let mut out = vec![0u8; whole / 4 * 3 + rest.saturating_sub(1)];
    for (n, (chunk, dst)) in text[..whole].chunks_exact(4).zip(out.chunks_exact_mut(3)).enumerate() {
        let [a, b, c, d] = [chunk[0], chunk[1], chunk[2], chunk[3]].map(|ch| SEXTETS[usize::from(ch)]);
        if (a | b | c | d) & 0xC0 != 0 {
            let at = chunk.iter().position(|ch| SEXTETS[usize::from(*ch)] == 0xFF).unwrap_or(0);
            return Err(invalid(n * 4 + at));
        }
        let word = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        dst.copy_from_slice(&word.to_be_bytes()[1..]);
    }
    let mut sextets = [0u8; 3];
    for (i, ch) in text[whole..].iter().enumerate() {
        sextets[i] = SEXTETS[usize::from(*ch)];
        if sextets[i] == 0xFF {
            return Err(invalid(whole + i));
        }
    }
    let tail = &mut out[whole / 4 * 3..];
    match (rest, sextets) {
        (0, _) => {}
        (2, [a, b, _]) if b & 0x0F == 0 => tail[0] = a << 2 | b >> 4,
        (3, [a, b, c]) if c & 0x03 == 0 => {
            tail[0] = a << 2 | b >> 4;
            tail[1] = b << 4 | c >> 2;
        }
        _ => return Err("the last character has non-zero unused bits".into()),
    }
    Ok(out)
}

/// Reads the header's JSON: an object without duplicate members, with a
/// string `alg` and, when present, string `kid` and `typ` and a non-empty
/// string-array `crit`.
pub(crate) fn read_header(json: &[u8]) -> Result<Header<'_>, Error> {
    let fields = read_object(json, "header", HeaderVisitor)?;
    let HeaderFields { alg, kid, typ, crit } = fields;
    let alg = match alg {
        Some(Json::Str(s)) => s,
        Some(_) => return Err(Error::malformed("header \"alg\" must be a string")),
        None => return Err(Error::malformed("header has no \"alg\"")),
    };
    let crit = match crit {
        None => None,
        Some(Json::Strings(names)) if !names.is_empty() => Some(names),
        Some(Json::Array) => return Err(Error::malformed("header \"crit\" must list strings")),
        Some(_) => return Err(Error::malformed("header \"crit\" must be a non-empty array of names")),
    };
    Ok(Header { alg, kid: text("kid", kid)?, typ: text("typ", typ)?, crit })
}

fn text<'h>(name: &str, value: Option<Json<'h>>) -> Result<Option<Cow<'h, str>>, Error> {
    match value {
        None => Ok(None),
        Some(Json::Str(s)) => Ok(Some(s)),
        Some(_) => Err(Error::malformed(format!("header \"{name}\" must be a string"))),
    }
}

/// Reads the payload's JSON: an object without duplicate members at any
/// depth, keeping the registered claims and noting the first of `required`
/// it lacks.
pub(crate) fn read_payload<'p>(json: &'p [u8], required: &[String]) -> Result<Registered<'p>, Error> {
    read_object(json, "payload", PayloadVisitor { required })
}

fn read_object<'j, V: Visitor<'j>>(json: &'j [u8], what: &str, visitor: V) -> Result<V::Value, Error> {
    if json.is_empty() {
        return Err(Error::malformed(format!("the {what} segment is empty")));
    }
    let mut de = serde_json::Deserializer::from_slice(json);
    de.deserialize_map(visitor)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| Error::malformed(format!("the {what} is not a valid JSON object: {e}")))
}

/// A string, borrowed from the JSON text unless it had escapes.
struct Text<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(TextVisitor)
    }
}

/// The member names of one object, refusing a name seen twice (RFC 7515
/// section 5.2, step 4: two parsers that keep different duplicates would
/// see different claims).
struct Members<'de> {
    names: Vec<Cow<'de, str>>,
    /// Past a few dozen names, a set instead of a scan.
    set: Option<HashSet<Cow<'de, str>>>,
}

impl<'de> Members<'de> {
    const SCAN: usize = 24;

    fn new() -> Self {
        Members { names: Vec::with_capacity(16), set: None }
    }

    fn add<E: de::Error>(&mut self, name: Cow<'de, str>) -> Result<(), E> {
        let duplicate = match &mut self.set {
            Some(set) => !set.insert(name.clone()),
            None => self.names.contains(&name),
        };
        if duplicate {
            return Err(E::custom(format!("duplicate member \"{}\"", crate::error::truncate(&name))));
        }
        if self.set.is_none() {
            self.names.push(name);
            if self.names.len() > Self::SCAN {
                self.set = Some(self.names.drain(..).collect());
            }
        }
        Ok(())
    }

    fn has(&self, name: &str) -> bool {
        self.set.as_ref().is_some_and(|set| set.contains(name)) || self.names.iter().any(|n| n == name)
    }
}

/// Walks any JSON value, building nothing, refusing duplicate members.
struct Validate;

impl<'de> DeserializeSeed<'de> for Validate {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Validate {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Validate)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut members = Members::new();
        while let Some(Text(name)) = map.next_key()? {
            members.add(name)?;
            map.next_value_seed(Validate)?;
        }
        Ok(())
    }
}

/// Reads a value into [`Json`], walking (and checking) what it does not keep.
struct Keep;

impl<'de> DeserializeSeed<'de> for Keep {
    type Value = Json<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Json<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Keep {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool)
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json<'de>, E> {
        Ok(Json::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json<'de>, E> {
        Ok(Json::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Json<'de>, E> {
        Ok(Json::Number(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Owned(v)))
    }
    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut strings = Vec::new();
        while let Some(item) = seq.next_element_seed(Keep)? {
            match item {
                Json::Str(s) => strings.push(s),
                _ => {
                    while seq.next_element_seed(Validate)?.is_some() {}
                    return Ok(Json::Array);
                }
            }
        }
        Ok(Json::Strings(strings))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Json<'de>, A::Error> {
        Validate.visit_map(map).map(|()| Json::Object)
    }
}

#[derive(Default)]
struct HeaderFields<'h> {
    alg: Option<Json<'h>>,
    kid: Option<Json<'h>>,
    typ: Option<Json<'h>>,
    crit: Option<Json<'h>>,
}

struct HeaderVisitor;

impl<'de> Visitor<'de> for HeaderVisitor {
    type Value = HeaderFields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HeaderFields<'de>, A::Error> {
        let mut members = Members::new();
        let mut fields = HeaderFields::default();
        while let Some(Text(name)) = map.next_key()? {
            let slot = match &*name {
                "alg" => Some(&mut fields.alg),
                "kid" => Some(&mut fields.kid),
                "typ" => Some(&mut fields.typ),
                "crit" => Some(&mut fields.crit),
                _ => None,
            };
            match slot {
                Some(slot) => *slot = Some(map.next_value_seed(Keep)?),
                None => map.next_value_seed(Validate)?,
            }
            members.add(name)?;
        }
        Ok(fields)
    }
}

struct PayloadVisitor<'r> {
    required: &'r [String],
}

impl<'de> Visitor<'de> for PayloadVisitor<'_> {
    type Value = Registered<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Registered<'de>, A::Error> {
        let mut members = Members::new();
        let mut claims = Registered::default();
        while let Some(Text(name)) = map.next_key()? {
            let slot = match &*name {
                "exp" => Some(&mut claims.exp),
                "nbf" => Some(&mut claims.nbf),
                "iat" => Some(&mut claims.iat),
                "iss" => Some(&mut claims.iss),
                "sub" => Some(&mut claims.sub),
                "aud" => Some(&mut claims.aud),
                _ => None,
            };
            match slot {
                Some(slot) => *slot = Some(map.next_value_seed(Keep)?),
                None => map.next_value_seed(Validate)?,
            }
            members.add(name)?;
        }
        claims.missing = self.required.iter().position(|name| !members.has(name));
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    use super::*;

    fn enc(s: &str) -> String {
        B64.encode(s)
    }

    fn payload_error(payload: &str) -> Error {
        let bytes = B64.decode(enc(payload)).unwrap();
        read_payload(&bytes, &[]).unwrap_err()
    }

    #[test]
    fn refuses_duplicate_members_at_any_depth() {
        for payload in
            [r#"{"a":{"b":1,"b":2}}"#, r#"{"a":[{"b":1,"b":2}]}"#, r#"{"a":1,"a":2}"#, r#"{"exp":1,"exp":2}"#]
        {
            let err = payload_error(payload);
            assert_eq!(err.code(), "malformed");
            assert!(err.message().contains("duplicate member"), "{}", err.message());
        }
    }

    #[test]
    fn refuses_duplicates_spelled_with_escapes() {
        let err = payload_error(r#"{"exp":1,"\u0065xp":2}"#);
        assert!(err.message().contains("duplicate member \"exp\""), "{}", err.message());
    }

    #[test]
    fn refuses_duplicates_among_many_members() {
        let mut members: Vec<String> = (0..100).map(|i| format!("\"m{i}\":{i}")).collect();
        members.push("\"m7\":0".into());
        let err = payload_error(&format!("{{{}}}", members.join(",")));
        assert!(err.message().contains("duplicate member \"m7\""), "{}", err.message());
    }

    #[test]
    fn refuses_non_canonical_base64url() {
        // "QQ" and "QR" both decode to "A" with lenient decoders; only "QQ" is canonical.
        assert_eq!(decode_base64url(b"QQ").unwrap(), b"A");
        assert!(decode_base64url(b"QR").is_err());
        assert!(decode_base64url(b"QUI").is_ok());
        assert!(decode_base64url(b"QUJ").is_err());
        for bad in [&b"QQ=="[..], b"Q", b"QQ QQ", b"QQ+/", b"QUJD\n"] {
            assert!(decode_base64url(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn base64url_decoding_agrees_with_the_base64_crate_on_every_length() {
        let data: Vec<u8> = (0..=255u8).cycle().take(700).collect();
        for len in 0..data.len() {
            let text = B64.encode(&data[..len]);
            assert_eq!(decode_base64url(text.as_bytes()).unwrap(), &data[..len], "length {len}");
        }
    }

    #[test]
    fn refuses_trailing_data_after_the_object() {
        assert_eq!(payload_error(r#"{"a":1} x"#).code(), "malformed");
    }

    #[test]
    fn keeps_registered_claims_and_finds_the_first_missing_required_one() {
        let json = br#"{"exp":1.5,"aud":["a","b"],"iss":"i\u0073s","x":{"y":[1]}}"#;
        let required = ["exp".to_owned(), "sub".to_owned()];
        let claims = read_payload(json, &required).unwrap();
        assert_eq!(claims.exp, Some(Json::Number(1.5)));
        assert_eq!(claims.aud, Some(Json::Strings(vec!["a".into(), "b".into()])));
        assert_eq!(claims.iss, Some(Json::Str("iss".into())));
        assert_eq!(claims.missing, Some(1));
    }

    #[test]
    fn checks_size_before_decoding() {
        let token = "!".repeat(DEFAULT_MAX_TOKEN_BYTES + 1);
        assert_eq!(split(&token, DEFAULT_MAX_TOKEN_BYTES).err().unwrap().code(), "token_too_large");
    }
}
