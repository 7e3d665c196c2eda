//! Claim rules beyond the registered claims: what a provider adds to "valid
//! signature, issuer, audience, times" (Cognito's `token_use` and
//! `client_id`, Firebase's `sub` and `auth_time`, Entra's `tid`, `azp`...).
//! A verifier runs them after every other check, on verified claims only.

use serde_json::Value;

use crate::error::{quoted, truncate, Error, ErrorCode};
use crate::token::JsonObject;

/// One rule a verified token's claims must satisfy. A rule that fails names
/// its claim; a missing claim is `missing_claim`, any other failure the
/// rule's code.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ClaimRule {
    /// `claim` is a string equal to one of `values`.
    OneOf {
        /// The claim's name.
        claim: String,
        /// The accepted values.
        values: Vec<String>,
        /// The code a wrong value carries.
        code: ErrorCode,
    },
    /// `claim` is a non-empty string of at most `max_chars` characters.
    BoundedString {
        /// The claim's name.
        claim: String,
        /// The longest accepted value, in characters.
        max_chars: usize,
    },
    /// `claim` is a time (seconds since the epoch) not later than now plus
    /// the verifier's leeway, e.g. Firebase's `auth_time`.
    NotInFuture {
        /// The claim's name.
        claim: String,
    },
    /// `claim` is a string equal to the first path segment of `iss`, e.g.
    /// Entra's `tid` in `https://login.microsoftonline.com/{tid}/v2.0` and
    /// `https://sts.windows.net/{tid}/`, so a token signed for one tenant
    /// cannot claim another's issuer.
    InIssuer {
        /// The claim's name.
        claim: String,
    },
}

impl ClaimRule {
    /// `claim` must be one of `values`; a wrong value is `invalid_claim`.
    pub fn one_of<I: IntoIterator<Item = S>, S: Into<String>>(claim: impl Into<String>, values: I) -> Self {
        ClaimRule::OneOf {
            claim: claim.into(),
            values: values.into_iter().map(Into::into).collect(),
            code: ErrorCode::InvalidClaim,
        }
    }

    /// The claim the rule reads.
    pub fn claim(&self) -> &str {
        match self {
            ClaimRule::OneOf { claim, .. }
            | ClaimRule::BoundedString { claim, .. }
            | ClaimRule::NotInFuture { claim }
            | ClaimRule::InIssuer { claim } => claim,
        }
    }

    /// Checks the rule against verified claims, with `now` and `leeway` in seconds.
    pub(crate) fn check(&self, claims: &JsonObject, now: f64, leeway: f64) -> Result<(), Error> {
        let name = self.claim();
        let Some(value) = claims.get(name) else {
            return Err(Error::claim(
                ErrorCode::MissingClaim,
                name.to_owned(),
                format!("the token has no \"{name}\" claim, which this verifier requires"),
            ));
        };
        let invalid = |code: ErrorCode, message: String| Err(Error::claim(code, name.to_owned(), message));
        match self {
            ClaimRule::OneOf { values, code, .. } => match value.as_str() {
                Some(found) if values.iter().any(|v| v == found) => Ok(()),
                Some(found) => {
                    invalid(*code, format!("{name} is \"{}\"; expected {}", truncate(found), quoted(values)))
                }
                None => invalid(ErrorCode::InvalidClaim, format!("\"{name}\" must be a string")),
            },
            ClaimRule::BoundedString { max_chars, .. } => match value.as_str() {
                Some("") => invalid(ErrorCode::InvalidClaim, format!("\"{name}\" is empty")),
                Some(s) if s.chars().count() > *max_chars => invalid(
                    ErrorCode::InvalidClaim,
                    format!("\"{name}\" is {} characters long; at most {max_chars} are allowed", s.chars().count()),
                ),
                Some(_) => Ok(()),
                None => invalid(ErrorCode::InvalidClaim, format!("\"{name}\" must be a string")),
            },
            ClaimRule::NotInFuture { .. } => match value.as_f64().filter(|t| t.is_finite()) {
                Some(t) if t <= now + leeway => Ok(()),
                Some(t) => invalid(
                    ErrorCode::InvalidClaim,
                    format!("\"{name}\" is {t}, {:.0}s in the future (leeway {leeway:.0}s)", t - now),
                ),
                None => {
                    invalid(ErrorCode::InvalidClaim, format!("\"{name}\" must be a number of seconds since the epoch"))
                }
            },
            ClaimRule::InIssuer { .. } => {
                let Some(found) = value.as_str().filter(|s| !s.is_empty()) else {
                    return invalid(ErrorCode::InvalidClaim, format!("\"{name}\" must be a non-empty string"));
                };
                let iss = claims.get("iss").and_then(Value::as_str).unwrap_or_default();
                let tenant = iss.split_once("://").and_then(|(_, rest)| rest.split('/').nth(1));
                if tenant == Some(found) {
                    Ok(())
                } else {
                    invalid(
                        ErrorCode::InvalidIssuer,
                        format!(
                            "{name} is \"{}\", which the issuer \"{}\" does not name",
                            truncate(found),
                            truncate(iss)
                        ),
                    )
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> JsonObject {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    #[test]
    fn one_of_names_the_claim_and_carries_the_rules_code() {
        let rule =
            ClaimRule::OneOf { claim: "client_id".into(), values: vec!["a".into()], code: ErrorCode::InvalidAudience };
        assert!(rule.check(&object(json!({"client_id": "a"})), 0.0, 0.0).is_ok());
        let wrong = rule.check(&object(json!({"client_id": "b"})), 0.0, 0.0).unwrap_err();
        assert_eq!((wrong.kind(), wrong.failed_claim()), (ErrorCode::InvalidAudience, Some("client_id")));
        let missing = rule.check(&object(json!({})), 0.0, 0.0).unwrap_err();
        assert_eq!(missing.kind(), ErrorCode::MissingClaim);
        let typed = rule.check(&object(json!({"client_id": ["a"]})), 0.0, 0.0).unwrap_err();
        assert_eq!(typed.kind(), ErrorCode::InvalidClaim);
    }

    #[test]
    fn bounded_string_refuses_empty_and_long_values_counting_characters() {
        let rule = ClaimRule::BoundedString { claim: "sub".into(), max_chars: 3 };
        assert!(rule.check(&object(json!({"sub": "ééé"})), 0.0, 0.0).is_ok());
        for bad in [json!(""), json!("abcd"), json!(7)] {
            let err = rule.check(&object(json!({"sub": bad})), 0.0, 0.0).unwrap_err();
            assert_eq!(err.kind(), ErrorCode::InvalidClaim);
        }
    }

    #[test]
    fn not_in_future_allows_the_leeway_and_nothing_more() {
        let rule = ClaimRule::NotInFuture { claim: "auth_time".into() };
        assert!(rule.check(&object(json!({"auth_time": 130})), 100.0, 30.0).is_ok());
        assert!(rule.check(&object(json!({"auth_time": 131})), 100.0, 30.0).is_err());
        assert!(rule.check(&object(json!({"auth_time": "100"})), 100.0, 30.0).is_err());
    }

    #[test]
    fn in_issuer_matches_whole_path_segments_only() {
        let rule = ClaimRule::InIssuer { claim: "tid".into() };
        let claims = |tid: &str| object(json!({"iss": "https://login.example/abc-1/v2.0", "tid": tid}));
        assert!(rule.check(&claims("abc-1"), 0.0, 0.0).is_ok());
        for other in ["abc", "abc-1/v2.0", "v2.0", "https:", "login.example", ""] {
            assert!(rule.check(&claims(other), 0.0, 0.0).is_err(), "{other}");
        }
        assert_eq!(rule.check(&claims("zzz"), 0.0, 0.0).unwrap_err().kind(), ErrorCode::InvalidIssuer);
    }
}
