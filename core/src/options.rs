//! `Options`: every verifier option as plain data, times in seconds. The
//! Python and Node bindings fill one from their keyword arguments / option
//! object and call [`Options::build`], so both faces accept and refuse the
//! same values with the same messages.

use std::time::Duration;

use serde::Deserialize;

use crate::algorithm::Algorithm;
use crate::error::Error;
use crate::verifier::{Verifier, VerifierBuilder};

/// One string or a list of strings (`issuer`, `audience`, `algorithms`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// Verifier options as the bindings spell them (snake_case). Unset fields
/// keep the builder's defaults; see [`VerifierBuilder`] for each one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// JWKS URL (https, or http to a loopback address).
    pub jwks_url: Option<String>,
    /// Issuer URL for OpenID Connect discovery.
    pub discover: Option<String>,
    /// A JWKS document as JSON text.
    pub jwks: Option<String>,
    /// A PEM public key.
    pub key: Option<String>,
    /// An HMAC secret (raw bytes).
    pub secret: Option<Vec<u8>>,
    pub issuer: Option<OneOrMany>,
    pub audience: Option<OneOrMany>,
    pub algorithms: Option<OneOrMany>,
    /// Seconds. Defaults to 30.
    pub leeway: Option<f64>,
    /// Seconds. Defaults to none.
    pub max_age: Option<f64>,
    pub typ: Option<String>,
    /// Defaults to `["exp"]`.
    pub required_claims: Option<Vec<String>>,
    /// Bytes. Defaults to 16 384.
    pub max_token_bytes: Option<f64>,
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
}

impl Options {
    /// Reads options from a JSON object with snake_case keys; an unknown key
    /// or a wrong type is a `configuration` error.
    pub fn from_json(value: serde_json::Value) -> Result<Options, Error> {
        serde_json::from_value(value).map_err(|e| Error::config(format!("bad verifier options: {e}")))
    }

    /// Checks every value and returns the builder they describe.
    pub fn into_builder(self) -> Result<VerifierBuilder, Error> {
        let mut b = Verifier::builder();
        if let Some(url) = self.jwks_url {
            b = b.jwks_url(url);
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
            b = b.required_claims(claims);
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
        Ok(b)
    }

    /// Checks every value and builds the verifier.
    pub fn build(self) -> Result<Verifier, Error> {
        self.into_builder()?.build()
    }
}

/// Ten years: longer than any sensible time option, short enough that
/// adding it to an `Instant` cannot overflow.
const MAX_SECONDS: f64 = 315_360_000.0;

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
    fn json_options_refuse_unknown_keys_and_wrong_types() {
        let typo = Options::from_json(serde_json::json!({"audiance": "x"})).unwrap_err();
        assert!(typo.message().contains("audiance"), "{}", typo.message());
        let wrong = Options::from_json(serde_json::json!({"leeway": "30"})).unwrap_err();
        assert_eq!(wrong.kind(), ErrorCode::Configuration);
    }

    #[test]
    fn json_options_take_one_value_or_a_list() {
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
