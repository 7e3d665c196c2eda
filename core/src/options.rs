//! `Options`: every verifier option as plain data, times in seconds. The
//! Python and Node bindings fill one from their keyword arguments / option
//! object and call [`Options::build`], so both faces accept and refuse the
//! same values with the same messages.

use std::time::Duration;

use serde::Deserialize;

use crate::algorithm::Algorithm;
use crate::error::Error;
use crate::policy::MAX_SECONDS;
use crate::verifier::{Verifier, VerifierBuilder};

/// One string or a list of strings (`issuer`, `audience`, `algorithms`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum OneOrMany {
    /// A single value.
    One(String),
    /// Several values.
    Many(Vec<String>),
}

impl OneOrMany {
    pub(crate) fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// What a binding hands the core for an option, once converted from its
/// language's types (the JSON type the core reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// A string.
    String,
    /// One string or a list of strings.
    Strings,
    /// A JWKS: JSON text (bindings also take their language's object and serialise it).
    Json,
    /// Raw bytes (bindings take text as UTF-8, or their byte type).
    Bytes,
    /// A number: seconds for times, a count for sizes.
    Number,
    /// true or false.
    Flag,
}

impl OptionKind {
    /// The kind's name as the bindings see it, e.g. `"strings"`.
    pub fn as_str(self) -> &'static str {
        match self {
            OptionKind::String => "string",
            OptionKind::Strings => "strings",
            OptionKind::Json => "json",
            OptionKind::Bytes => "bytes",
            OptionKind::Number => "number",
            OptionKind::Flag => "flag",
        }
    }
}

/// One verifier option: its two spellings, its kind, its default and what it does.
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    /// snake_case: the Rust builder and Python spelling.
    pub name: &'static str,
    /// camelCase: the Node spelling.
    pub camel: &'static str,
    /// What the binding converts the value to.
    pub kind: OptionKind,
    /// The default, as documentation text.
    pub default: &'static str,
    /// What the option does.
    pub doc: &'static str,
}

const fn spec(
    name: &'static str,
    camel: &'static str,
    kind: OptionKind,
    default: &'static str,
    doc: &'static str,
) -> OptionSpec {
    OptionSpec { name, camel, kind, default, doc }
}

/// Every verifier option, in documentation order: the one list the
/// bindings, their type stubs and the README are checked against.
pub const OPTIONS: &[OptionSpec] = &[
    spec("jwks_url", "jwksUrl", OptionKind::String, "one key source is required",
        "URL of the provider's JWKS (https, or http to a loopback address)."),
    spec("x509_url", "x509Url", OptionKind::String, "",
        "URL of an X.509 certificate map (kid to PEM certificate), as Google publishes Firebase's keys."),
    spec("discover", "discover", OptionKind::String, "",
        "Issuer URL: the JWKS is found by OpenID Connect discovery, and tokens must carry the issuer the discovery document names (unless issuer is set)."),
    spec("jwks", "jwks", OptionKind::Json, "", "A JWKS document (JSON text, or an object)."),
    spec("key", "key", OptionKind::String, "",
        "A PEM public key (RSA, EC P-256/P-384/P-521/secp256k1, Ed25519); it serves tokens with any kid."),
    spec("secret", "secret", OptionKind::Bytes, "",
        "An HMAC secret; needs the HS algorithms listed; it serves tokens with any kid."),
    spec("issuer", "issuer", OptionKind::Strings, "none (not checked)", "Accepted iss value(s), exact match."),
    spec("audience", "audience", OptionKind::Strings, "none (token with aud refused)",
        "Accepted aud value(s), any-of."),
    spec("algorithms", "algorithms", OptionKind::Strings, "every asymmetric algorithm",
        "Accepted alg value(s); HMAC ones only when listed."),
    spec("leeway", "leeway", OptionKind::Number, "30", "Clock skew tolerated on exp, nbf and iat, in seconds."),
    spec("max_age", "maxAge", OptionKind::Number, "none", "Refuse tokens whose iat is older than this, in seconds."),
    spec("typ", "typ", OptionKind::String, "none",
        "Required header typ (case-insensitive, application/ prefix optional), e.g. at+jwt."),
    spec("required_claims", "requiredClaims", OptionKind::Strings, "[\"exp\"]; an empty list requires none",
        "Claims that must be present."),
    spec("max_token_bytes", "maxTokenBytes", OptionKind::Number, "16384",
        "Longer tokens are refused before any decoding, in bytes."),
    spec("millisecond_timestamps", "millisecondTimestamps", OptionKind::Flag, "false",
        "Read exp, nbf and iat above 10^11 as milliseconds instead of refusing them."),
    spec("now", "now", OptionKind::Number, "the system clock",
        "Judge time claims at this fixed Unix time in seconds (for tests)."),
    spec("timeout", "timeout", OptionKind::Number, "5", "Whole-request timeout of a JWKS or discovery fetch, in seconds."),
    spec("cache_ttl", "cacheTtl", OptionKind::Number, "600 (when no max-age)",
        "Key freshness when the response has no Cache-Control max-age, in seconds."),
    spec("cooldown", "cooldown", OptionKind::Number, "30",
        "Least time between unknown-kid refetches, and the longest wait between retries after failed fetches (they back off from 1 s), in seconds."),
    spec("max_stale", "maxStale", OptionKind::Number, "86400",
        "How long past their freshness held keys keep working while refreshes fail, in seconds."),
    spec("max_jwks_bytes", "maxJwksBytes", OptionKind::Number, "524288",
        "Largest JWKS or discovery response accepted, in bytes."),
    spec("ca_file", "caFile", OptionKind::String, "none (the system roots)",
        "Path of a PEM bundle of CA certificates trusted for JWKS, discovery and X.509 fetches, in addition to the system roots; read when the verifier is built, and an unreadable file or one without a certificate is a configuration error."),
    spec("ca_only", "caOnly", OptionKind::Flag, "false",
        "Trust only the ca_file certificates for fetches, not the system roots (needs ca_file)."),
    spec("proxy", "proxy", OptionKind::String, "none (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY from the environment)",
        "Proxy URL (http:// or https://; https targets go through CONNECT) for every fetch, used instead of the environment's; hosts listed in NO_PROXY are still fetched directly, and loopback hosts get no exception of their own (as in curl): list localhost,127.0.0.1,::1 in NO_PROXY to keep them direct."),
    spec("keys_snapshot", "keysSnapshot", OptionKind::Json, "none",
        "Start with the keys of a snapshot export_keys made for the same key source, keeping their freshness (prefork workers, serverless cold starts)."),
    spec("token_cache_size", "tokenCacheSize", OptionKind::Number, "4096; 0 turns it off",
        "Verified tokens kept so a token seen again skips its signature check (entries end at exp and when their key leaves the key set; tokens over 4096 bytes are never kept)."),
];

/// How option names are spelled: snake_case (Rust, Python) or camelCase (Node).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spelling {
    /// `max_age`.
    Snake,
    /// `maxAge`.
    Camel,
}

impl OptionSpec {
    /// The option's name in `spelling`.
    pub fn spelled(&self, spelling: Spelling) -> &'static str {
        match spelling {
            Spelling::Snake => self.name,
            Spelling::Camel => self.camel,
        }
    }
}

/// The option called `name` in `spelling`.
pub fn option_spec(name: &str, spelling: Spelling) -> Option<&'static OptionSpec> {
    OPTIONS.iter().find(|o| o.spelled(spelling) == name)
}

/// The `configuration` error for an option name tokenward does not know,
/// suggesting the closest known one.
pub fn unknown_option(name: &str, spelling: Spelling) -> Error {
    let all: Vec<&str> = OPTIONS.iter().map(|o| o.spelled(spelling)).collect();
    unknown_among(name, &all, "option")
}

/// The `configuration` error for a `what` (option, argument) not among
/// `known`, suggesting the closest one.
pub(crate) fn unknown_among(name: &str, known: &[&str], what: &str) -> Error {
    let shown = crate::error::truncate(name);
    let closest = known
        .iter()
        .map(|known| (edit_distance(&name.to_ascii_lowercase(), &known.to_ascii_lowercase()), *known))
        .min();
    match closest {
        Some((distance, known)) if distance <= (known.len() / 3).max(2) => {
            Error::config(format!("unknown {what} \"{shown}\"; did you mean `{known}`?"))
        }
        _ => Error::config(format!("unknown {what} \"{shown}\"; the {what}s are {}", known.join(", "))),
    }
}

/// Levenshtein distance, for suggestions (names are short).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != *cb)).min(row[j] + 1).min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// Verifier options as the bindings spell them (snake_case). Unset fields
/// keep the builder's defaults; see [`VerifierBuilder`] for each one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// JWKS URL (https, or http to a loopback address).
    pub jwks_url: Option<String>,
    /// X.509 certificate map URL (https, or http to a loopback address).
    pub x509_url: Option<String>,
    /// Issuer URL for OpenID Connect discovery.
    pub discover: Option<String>,
    /// A JWKS document as JSON text.
    pub jwks: Option<String>,
    /// A PEM public key.
    pub key: Option<String>,
    /// An HMAC secret (raw bytes).
    pub secret: Option<Vec<u8>>,
    /// Accepted `iss` value(s). Defaults to not checked.
    pub issuer: Option<OneOrMany>,
    /// Accepted `aud` value(s), any-of. Defaults to none (a token with `aud` is refused).
    pub audience: Option<OneOrMany>,
    /// Accepted `alg` names. Defaults to every asymmetric algorithm.
    pub algorithms: Option<OneOrMany>,
    /// Seconds. Defaults to 30.
    pub leeway: Option<f64>,
    /// Seconds. Defaults to none.
    pub max_age: Option<f64>,
    /// Required header `typ`. Defaults to none.
    pub typ: Option<String>,
    /// Defaults to `["exp"]`.
    pub required_claims: Option<OneOrMany>,
    /// Bytes. Defaults to 16 384.
    pub max_token_bytes: Option<f64>,
    /// Read time claims above 10^11 as milliseconds. Defaults to false.
    pub millisecond_timestamps: Option<bool>,
    /// Unix seconds. Defaults to the system clock.
    pub now: Option<f64>,
    /// Seconds. Defaults to 5.
    pub timeout: Option<f64>,
    /// Seconds. Defaults to 600.
    pub cache_ttl: Option<f64>,
    /// Seconds. Defaults to 30.
    pub cooldown: Option<f64>,
    /// Seconds. Defaults to 86 400.
    pub max_stale: Option<f64>,
    /// Bytes. Defaults to 524 288.
    pub max_jwks_bytes: Option<f64>,
    /// Path of a PEM bundle of CA certificates to trust. Defaults to none (the system roots).
    pub ca_file: Option<String>,
    /// Trust only `ca_file`, not the system roots. Defaults to false.
    pub ca_only: Option<bool>,
    /// Proxy URL. Defaults to none (the environment's `HTTPS_PROXY`...).
    pub proxy: Option<String>,
    /// A snapshot from `export_keys` (JSON text). Defaults to none.
    pub keys_snapshot: Option<String>,
    /// Tokens. Defaults to 4096; 0 turns the cache off.
    pub token_cache_size: Option<f64>,
}

impl Options {
    /// Reads options from a JSON object with snake_case keys; an unknown key
    /// (with the closest known name suggested) or a wrong type is a
    /// `configuration` error.
    pub fn from_json(value: serde_json::Value) -> Result<Options, Error> {
        Options::from_json_spelled(value, Spelling::Snake)
    }

    /// Like [`Options::from_json`], with keys in `spelling` (Node passes camelCase).
    pub fn from_json_spelled(value: serde_json::Value, spelling: Spelling) -> Result<Options, Error> {
        let serde_json::Value::Object(given) = value else {
            return Err(Error::config("verifier options must be an object"));
        };
        let mut snake = serde_json::Map::with_capacity(given.len());
        for (name, value) in given {
            let spec = option_spec(&name, spelling).ok_or_else(|| unknown_option(&name, spelling))?;
            if !value.is_null() {
                snake.insert(spec.name.to_owned(), value);
            }
        }
        serde_json::from_value(serde_json::Value::Object(snake))
            .map_err(|e| Error::config(format!("bad verifier options: {e}")))
    }

    /// Checks every value and returns the builder they describe.
    pub fn into_builder(self) -> Result<VerifierBuilder, Error> {
        self.apply_to(Verifier::builder())
    }

    /// Checks every value and sets it on `b` (a provider preset's builder,
    /// say): what is set here wins over what `b` had.
    pub fn apply_to(self, mut b: VerifierBuilder) -> Result<VerifierBuilder, Error> {
        if let Some(url) = self.jwks_url {
            b = b.jwks_url(url);
        }
        if let Some(url) = self.x509_url {
            b = b.x509_url(url);
        }
        if let Some(url) = self.discover {
            b = b.discover(url);
        }
        if let Some(json) = self.jwks {
            b = b.jwks_json(json);
        }
        if let Some(pem) = self.key {
            b = b.pem(pem);
        }
        if let Some(secret) = self.secret {
            b = b.secret(secret);
        }
        if let Some(issuers) = self.issuer {
            b = b.issuers(issuers.into_vec());
        }
        if let Some(audiences) = self.audience {
            b = b.audiences(audiences.into_vec());
        }
        if let Some(names) = self.algorithms {
            let algorithms = names
                .into_vec()
                .iter()
                .map(|name| {
                    name.parse::<Algorithm>().map_err(|_| {
                        Error::config(format!(
                            "unknown algorithm {name:?} in algorithms; expected some of {}",
                            Algorithm::ALL.map(Algorithm::as_str).join(", ")
                        ))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            b = b.algorithms(algorithms);
        }
        if let Some(s) = self.leeway {
            b = b.leeway(seconds("leeway", s)?);
        }
        if let Some(s) = self.max_age {
            b = b.max_age(seconds("max_age", s)?);
        }
        if let Some(typ) = self.typ {
            b = b.typ(typ);
        }
        if let Some(claims) = self.required_claims {
            b = b.required_claims(claims.into_vec());
        }
        if let Some(n) = self.max_token_bytes {
            b = b.max_token_bytes(count("max_token_bytes", n)?);
        }
        if let Some(on) = self.millisecond_timestamps {
            b = b.millisecond_timestamps(on);
        }
        if let Some(t) = self.now {
            b = b.now(t);
        }
        if let Some(s) = self.timeout {
            b = b.timeout(seconds("timeout", s)?);
        }
        if let Some(s) = self.cache_ttl {
            b = b.cache_ttl(seconds("cache_ttl", s)?);
        }
        if let Some(s) = self.cooldown {
            b = b.cooldown(seconds("cooldown", s)?);
        }
        if let Some(s) = self.max_stale {
            b = b.max_stale(seconds("max_stale", s)?);
        }
        if let Some(n) = self.max_jwks_bytes {
            b = b.max_jwks_bytes(count("max_jwks_bytes", n)?);
        }
        if let Some(path) = self.ca_file {
            b = b.ca_file(path);
        }
        if let Some(only) = self.ca_only {
            b = b.ca_only(only);
        }
        if let Some(url) = self.proxy {
            b = b.proxy(url);
        }
        if let Some(snapshot) = self.keys_snapshot {
            b = b.keys_snapshot(snapshot);
        }
        if let Some(n) = self.token_cache_size {
            if !n.is_finite() || n.fract() != 0.0 || !(0.0..=16_777_216.0).contains(&n) {
                return Err(Error::config(format!(
                    "token_cache_size must be a whole number of tokens from 0 to 16777216; got {n}"
                )));
            }
            b = b.token_cache_size(n as usize);
        }
        Ok(b)
    }

    /// Checks every value and builds the verifier.
    pub fn build(self) -> Result<Verifier, Error> {
        self.into_builder()?.build()
    }
}

fn seconds(name: &str, value: f64) -> Result<Duration, Error> {
    if !value.is_finite() || !(0.0..=MAX_SECONDS).contains(&value) {
        return Err(Error::config(format!(
            "{name} must be a number of seconds between 0 and {MAX_SECONDS}; got {value}"
        )));
    }
    Ok(Duration::from_secs_f64(value))
}

fn count(name: &str, value: f64) -> Result<usize, Error> {
    if !value.is_finite() || value < 1.0 || value.fract() != 0.0 || value > u32::MAX as f64 {
        return Err(Error::config(format!("{name} must be a positive whole number of bytes; got {value}")));
    }
    Ok(value as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn refused(options: Options) -> String {
        let err = options.build().expect_err("should be refused");
        assert_eq!(err.kind(), ErrorCode::Configuration);
        err.message().to_owned()
    }

    fn with_secret() -> Options {
        Options { secret: Some(vec![7; 32]), algorithms: Some(OneOrMany::One("HS256".into())), ..Options::default() }
    }

    #[test]
    fn refuses_negative_and_non_finite_seconds() {
        for bad in [-1.0, f64::NAN, f64::INFINITY, 1e12] {
            let message = refused(Options { leeway: Some(bad), ..with_secret() });
            assert!(message.contains("leeway"), "{message}");
        }
    }

    #[test]
    fn refuses_fractional_and_zero_byte_counts() {
        assert!(refused(Options { max_token_bytes: Some(0.5), ..with_secret() }).contains("max_token_bytes"));
        assert!(refused(Options { max_jwks_bytes: Some(0.0), ..with_secret() }).contains("max_jwks_bytes"));
    }

    #[test]
    fn names_the_unknown_algorithm() {
        let message = refused(Options { algorithms: Some(OneOrMany::Many(vec!["HS257".into()])), ..with_secret() });
        assert!(message.contains("HS257") && message.contains("ES256"), "{message}");
    }

    #[test]
    fn unknown_option_suggests_the_closest_name_in_the_callers_spelling() {
        let typo = Options::from_json(serde_json::json!({"audiance": "x"})).unwrap_err();
        assert_eq!(typo.kind(), ErrorCode::Configuration);
        assert!(typo.message().contains("did you mean `audience`?"), "{}", typo.message());
        let camel = Options::from_json_spelled(serde_json::json!({"maxage": 5}), Spelling::Camel).unwrap_err();
        assert!(camel.message().contains("did you mean `maxAge`?"), "{}", camel.message());
        let far = Options::from_json(serde_json::json!({"colour": 1})).unwrap_err();
        assert!(far.message().contains("the options are jwks_url"), "{}", far.message());
    }

    #[test]
    fn the_option_table_and_the_options_struct_name_the_same_options() {
        // serde lists every field it knows when it meets an unknown one.
        let err = serde_json::from_value::<Options>(serde_json::json!({"?": 1})).unwrap_err().to_string();
        let listed: Vec<&str> = err.split('`').skip(3).step_by(2).collect();
        let table: Vec<&str> = OPTIONS.iter().map(|o| o.name).collect();
        assert_eq!(listed, table, "{err}");
        for spec in OPTIONS {
            let camel: String = spec
                .name
                .split('_')
                .enumerate()
                .map(|(i, part)| if i == 0 { part.to_owned() } else { part[..1].to_ascii_uppercase() + &part[1..] })
                .collect();
            assert_eq!(spec.camel, camel, "{}", spec.name);
        }
    }

    #[test]
    fn json_options_refuse_wrong_types() {
        let wrong = Options::from_json(serde_json::json!({"leeway": "30"})).unwrap_err();
        assert_eq!(wrong.kind(), ErrorCode::Configuration);
    }

    #[test]
    fn json_options_take_one_value_or_a_list() {
        let o = Options::from_json(serde_json::json!({"required_claims": "sub"})).unwrap();
        assert_eq!(o.required_claims, Some(OneOrMany::One("sub".into())));
        let o = Options::from_json(serde_json::json!({"issuer": "a", "audience": ["b", "c"]})).unwrap();
        assert_eq!(o.issuer, Some(OneOrMany::One("a".into())));
        assert_eq!(o.audience, Some(OneOrMany::Many(vec!["b".into(), "c".into()])));
    }

    #[test]
    fn valid_options_build_a_verifier_with_those_rules() {
        let verifier = Options { leeway: Some(5.0), audience: Some(OneOrMany::One("api".into())), ..with_secret() }
            .build()
            .unwrap();
        assert_eq!(verifier.policy().leeway, Duration::from_secs(5));
        assert_eq!(verifier.policy().audiences, vec!["api".to_owned()]);
    }
}
