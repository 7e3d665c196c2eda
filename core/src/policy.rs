//! What a token must satisfy besides its signature: algorithms, issuer,
//! audience, time claims, `typ` and required claims.

use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::algorithm::{Algorithm, AlgorithmSet};
use crate::error::{quoted, truncate, Error, ErrorCode};
use crate::rules::ClaimRule;
use crate::token::{Header, Json, JsonObject, Registered};

/// Default `leeway`: 30 seconds of clock skew tolerated on `exp`, `nbf`, `iat`.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);

/// Ten years: the largest leeway, max_age or other time option accepted;
/// longer than any sensible setting, short enough that adding it to an
/// `Instant` cannot overflow.
pub(crate) const MAX_SECONDS: f64 = 315_360_000.0;

/// A time claim above this many seconds (year 5138) can only be milliseconds.
pub(crate) const MILLISECONDS_THRESHOLD: f64 = 1e11;

/// A token's time claims in seconds (milliseconds already converted).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Times {
    pub exp: Option<f64>,
    pub nbf: Option<f64>,
    pub iat: Option<f64>,
}

/// Where "now" comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Clock {
    /// The system clock.
    System,
    /// A fixed time in seconds since the Unix epoch (for tests).
    Fixed(f64),
}

impl Clock {
    /// Seconds since the Unix epoch.
    pub fn now(self) -> f64 {
        match self {
            Clock::System => SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64()),
            Clock::Fixed(t) => t,
        }
    }
}

/// The rules a verifier applies to every token. Built by [`crate::VerifierBuilder`].
#[derive(Debug, Clone)]
pub struct Policy {
    /// Accepted `iss` values (exact match). Empty: `iss` is not checked.
    pub issuers: Vec<String>,
    /// Accepted `aud` values (any-of). Empty: a token that carries `aud` is refused.
    pub audiences: Vec<String>,
    /// Accepted algorithms. Defaults to every asymmetric algorithm.
    pub(crate) algorithms: AlgorithmSet,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`. Defaults to 30 s.
    pub leeway: Duration,
    /// Oldest acceptable token, measured from `iat`. Defaults to none.
    pub max_age: Option<Duration>,
    /// Required header `typ` (case-insensitive, `application/` prefix optional). Defaults to none.
    pub typ: Option<String>,
    /// Claims that must be present. Defaults to `["exp"]`.
    pub required_claims: Vec<String>,
    /// Largest token accepted, in bytes, checked before decoding. Defaults to 16 KiB.
    pub max_token_bytes: usize,
    /// Read time claims above 10^11 as milliseconds instead of refusing them. Defaults to false.
    pub millisecond_timestamps: bool,
    /// Where "now" comes from. Defaults to the system clock.
    pub clock: Clock,
    /// Rules on other claims (a provider's `token_use`, `azp`, `tid`...),
    /// checked last. Defaults to none.
    pub(crate) rules: Vec<ClaimRule>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            issuers: Vec::new(),
            audiences: Vec::new(),
            algorithms: AlgorithmSet::of(Algorithm::ASYMMETRIC.iter().copied()),
            leeway: DEFAULT_LEEWAY,
            max_age: None,
            typ: None,
            required_claims: vec!["exp".to_owned()],
            max_token_bytes: crate::token::DEFAULT_MAX_TOKEN_BYTES,
            millisecond_timestamps: false,
            clock: Clock::System,
            rules: Vec::new(),
        }
    }
}

impl Policy {
    /// The accepted algorithms.
    pub fn algorithms(&self) -> Vec<Algorithm> {
        self.algorithms.iter().collect()
    }

    /// Refuses a policy no verdict can be trusted under: a clock that reads
    /// NaN, infinity or a time before 1970, a leeway or `max_age` beyond ten
    /// years, a zero size limit. Every path to a verdict runs this first, so
    /// a hand-built `Policy` cannot get around the checks the builder makes.
    pub fn validate(&self) -> Result<(), Error> {
        if let Clock::Fixed(t) = self.clock {
            if !t.is_finite() || t < 0.0 {
                return Err(Error::config(format!("now must be a non-negative number of seconds; got {t}")));
            }
        }
        let too_long = |d: Duration| d.as_secs_f64() > MAX_SECONDS;
        if too_long(self.leeway) {
            return Err(Error::config(format!("leeway must be at most {MAX_SECONDS} seconds")));
        }
        if self.max_age.is_some_and(too_long) {
            return Err(Error::config(format!("max_age must be at most {MAX_SECONDS} seconds")));
        }
        if self.max_token_bytes == 0 {
            return Err(Error::config("max_token_bytes must be positive"));
        }
        Ok(())
    }

    /// The claim rules beyond the registered claims.
    pub fn rules(&self) -> &[ClaimRule] {
        &self.rules
    }

    /// Runs the claim rules on verified claims, in order; the first failure wins.
    pub(crate) fn check_rules(&self, claims: &JsonObject) -> Result<(), Error> {
        let now = self.clock.now();
        let leeway = self.leeway.as_secs_f64();
        self.rules.iter().try_for_each(|rule| rule.check(claims, now, leeway))
    }

    /// Maps the header `alg` to an accepted algorithm.
    pub(crate) fn algorithm(&self, name: &str) -> Result<Algorithm, Error> {
        match name.parse::<Algorithm>() {
            Ok(alg) if self.algorithms.contains(alg) => Ok(alg),
            Ok(alg) => Err(Error::claim(
                ErrorCode::AlgorithmNotAllowed,
                "alg",
                format!("alg {alg} is not allowed; this verifier accepts {}", self.algorithms.names()),
            )),
            Err(_) if name.eq_ignore_ascii_case("none") => Err(Error::claim(
                ErrorCode::AlgorithmNotAllowed,
                "alg",
                "alg \"none\" (an unsigned token) is never accepted",
            )),
            Err(_) => Err(Error::claim(
                ErrorCode::UnsupportedAlgorithm,
                "alg",
                format!("alg \"{}\" is not a supported algorithm", truncate(name)),
            )),
        }
    }

    /// `crit` (RFC 7515 4.1.11): tokenward implements no extensions, so any entry is refused.
    pub(crate) fn check_crit(&self, header: &Header<'_>) -> Result<(), Error> {
        match &header.crit {
            None => Ok(()),
            Some(names) => Err(Error::claim(
                ErrorCode::UnsupportedCriticalHeader,
                "crit",
                format!("the token marks {} as critical; tokenward supports no critical extensions", quoted(names)),
            )),
        }
    }

    pub(crate) fn check_header(&self, header: &Header<'_>) -> Result<(), Error> {
        let Some(expected) = &self.typ else {
            return Ok(());
        };
        let matches = header.typ.as_deref().is_some_and(|found| media_type_eq(found, expected));
        if matches {
            return Ok(());
        }
        Err(Error::claim(
            ErrorCode::InvalidType,
            "typ",
            match &header.typ {
                Some(found) => format!("typ is \"{}\"; expected \"{expected}\"", truncate(found)),
                None => format!("the header has no typ; expected \"{expected}\""),
            },
        ))
    }

    /// Checks every claim rule (`claims` were read with this policy's
    /// `required_claims`); returns the first failure in a fixed order, or
    /// the time claims in seconds, for a cached verdict to judge again.
    pub(crate) fn check_claims(&self, claims: &Registered<'_>) -> Result<Times, Error> {
        if let Some(name) = claims.missing.and_then(|i| self.required_claims.get(i)) {
            return Err(Error::claim(
                ErrorCode::MissingClaim,
                name.clone(),
                format!("the token has no \"{name}\" claim, which is required"),
            ));
        }
        let times = Times {
            exp: self.time_claim(&claims.exp, "exp")?,
            nbf: self.time_claim(&claims.nbf, "nbf")?,
            iat: self.time_claim(&claims.iat, "iat")?,
        };
        self.check_times(&times)?;
        self.check_issuer(claims.iss.as_ref())?;
        self.check_audience(claims.aud.as_ref())?;
        if claims.sub.as_ref().is_some_and(|sub| !matches!(sub, Json::Str(_))) {
            return Err(Error::claim(ErrorCode::InvalidClaim, "sub", "\"sub\" must be a string"));
        }
        Ok(times)
    }

    /// `exp`, `nbf`, `iat` and `max_age` against the clock: the part of the
    /// claim rules that changes with time, so a cached verdict re-runs it.
    pub(crate) fn check_times(&self, times: &Times) -> Result<(), Error> {
        let now = self.clock.now();
        let leeway = self.leeway.as_secs_f64();
        let Times { exp, nbf, iat } = *times;
        if let Some(exp) = exp {
            if now >= exp + leeway {
                return Err(Error::claim(
                    ErrorCode::TokenExpired,
                    "exp",
                    format!("the token expired at {} ({}s ago, leeway {}s)", exp, secs(now - exp), secs(leeway)),
                ));
            }
        }
        if let Some(nbf) = nbf {
            if nbf > now + leeway {
                return Err(Error::claim(
                    ErrorCode::NotYetValid,
                    "nbf",
                    format!(
                        "the token is not valid before {} ({}s from now, leeway {}s)",
                        nbf,
                        secs(nbf - now),
                        secs(leeway)
                    ),
                ));
            }
        }
        if let Some(iat) = iat {
            if iat > now + leeway {
                return Err(Error::claim(
                    ErrorCode::IssuedInFuture,
                    "iat",
                    format!(
                        "the token was issued at {} ({}s in the future, leeway {}s)",
                        iat,
                        secs(iat - now),
                        secs(leeway)
                    ),
                ));
            }
        }
        if let Some(max_age) = self.max_age {
            let Some(iat) = iat else {
                return Err(Error::claim(
                    ErrorCode::MissingClaim,
                    "iat",
                    "the token has no \"iat\" claim, which max_age requires",
                ));
            };
            let age = now - iat;
            if age > max_age.as_secs_f64() + leeway {
                return Err(Error::claim(
                    ErrorCode::TokenTooOld,
                    "iat",
                    format!("the token is {}s old; max_age is {}s", secs(age), secs(max_age.as_secs_f64())),
                ));
            }
        }
        Ok(())
    }

    fn time_claim(&self, value: &Option<Json<'_>>, name: &'static str) -> Result<Option<f64>, Error> {
        let seconds = match value {
            None => return Ok(None),
            Some(Json::Number(v)) if v.is_finite() => *v,
            Some(other) => {
                return Err(Error::claim(
                    ErrorCode::InvalidClaim,
                    name,
                    format!("\"{name}\" must be a number of seconds since the epoch; found {}", other.type_name()),
                ))
            }
        };
        if seconds > MILLISECONDS_THRESHOLD {
            if self.millisecond_timestamps {
                return Ok(Some(seconds / 1000.0));
            }
            return Err(Error::claim(
                ErrorCode::InvalidClaim,
                name,
                format!(
                    "\"{name}\" is {seconds}, which is milliseconds, not seconds since the epoch; \
                     enable millisecond_timestamps for a provider that sends milliseconds"
                ),
            ));
        }
        Ok(Some(seconds))
    }

    pub(crate) fn check_issuer(&self, iss: Option<&Json<'_>>) -> Result<(), Error> {
        if self.issuers.is_empty() {
            return Ok(());
        }
        match iss {
            None => Err(Error::claim(
                ErrorCode::MissingClaim,
                "iss",
                format!("the token has no \"iss\"; expected {}", quoted(&self.issuers)),
            )),
            Some(Json::Str(iss)) if self.issuers.iter().any(|i| i == iss) => Ok(()),
            Some(Json::Str(iss)) => Err(Error::claim(
                ErrorCode::InvalidIssuer,
                "iss",
                format!("iss is \"{}\"; expected {}", truncate(iss), quoted(&self.issuers)),
            )),
            Some(other) => Err(Error::claim(
                ErrorCode::InvalidClaim,
                "iss",
                format!("\"iss\" must be a string; found {}", other.type_name()),
            )),
        }
    }

    fn check_audience(&self, aud: Option<&Json<'_>>) -> Result<(), Error> {
        let one;
        let found: &[Cow<'_, str>] = match aud {
            None if self.audiences.is_empty() => return Ok(()),
            None => {
                return Err(Error::claim(
                    ErrorCode::MissingClaim,
                    "aud",
                    format!("the token has no \"aud\"; expected {}", quoted(&self.audiences)),
                ))
            }
            Some(Json::Str(s)) => {
                one = [Cow::Borrowed(&**s)];
                &one
            }
            Some(Json::Strings(items)) => items,
            Some(other) => {
                return Err(Error::claim(
                    ErrorCode::InvalidClaim,
                    "aud",
                    format!("\"aud\" must be a string or an array of strings; found {}", other.type_name()),
                ))
            }
        };
        if self.audiences.is_empty() {
            return Err(Error::claim(
                ErrorCode::InvalidAudience,
                "aud",
                format!(
                    "the token is meant for {}, but this verifier has no audience configured; \
                     set audience to the value this service answers to",
                    quoted(found)
                ),
            ));
        }
        if found.iter().any(|a| self.audiences.iter().any(|e| e == a)) {
            return Ok(());
        }
        Err(Error::claim(
            ErrorCode::InvalidAudience,
            "aud",
            format!("aud is {}; expected one of {}", quoted(found), quoted(&self.audiences)),
        ))
    }
}

/// `typ` comparison per RFC 7515 4.1.9: case-insensitive, `application/` optional.
fn media_type_eq(found: &str, expected: &str) -> bool {
    fn bare(s: &str) -> &str {
        let lower_prefix = "application/";
        if s.len() > lower_prefix.len() && s[..lower_prefix.len()].eq_ignore_ascii_case(lower_prefix) {
            &s[lower_prefix.len()..]
        } else {
            s
        }
    }
    bare(found).eq_ignore_ascii_case(bare(expected))
}

fn secs(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typ_matches_case_insensitively_with_optional_application_prefix() {
        assert!(media_type_eq("at+jwt", "application/at+JWT"));
        assert!(media_type_eq("application/JWT", "jwt"));
        assert!(!media_type_eq("jwt", "at+jwt"));
    }
}
