use std::borrow::Cow;
use std::fmt;

/// Why a token, a key set or a configuration was refused.
///
/// The string form ([`ErrorCode::as_str`]) is stable and identical in the
/// Rust, Python and Node faces of tokenward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// Not a well-formed compact JWS (segments, base64url, JSON).
    Malformed,
    /// Longer than the configured `max_token_bytes`.
    TokenTooLarge,
    /// A known algorithm this verifier does not accept (including `none`).
    AlgorithmNotAllowed,
    /// An algorithm name tokenward does not know.
    UnsupportedAlgorithm,
    /// No held key has the token's `kid`, or none suits its `alg`.
    KeyNotFound,
    /// The signature does not verify with the selected key.
    InvalidSignature,
    /// `exp` is in the past (beyond leeway).
    TokenExpired,
    /// `nbf` is in the future (beyond leeway).
    NotYetValid,
    /// `iat` is in the future (beyond leeway).
    IssuedInFuture,
    /// `now - iat` exceeds `max_age`.
    TokenTooOld,
    /// `iss` is not one of the configured issuers.
    InvalidIssuer,
    /// `aud` matches none of the configured audiences.
    InvalidAudience,
    /// The header `typ` is not the configured one.
    InvalidType,
    /// A required claim is absent.
    MissingClaim,
    /// A claim has the wrong JSON type or an impossible value.
    InvalidClaim,
    /// The header lists a `crit` extension tokenward does not implement.
    UnsupportedCriticalHeader,
    /// Remote keys were never fetched and this call may not fetch them.
    JwksNotLoaded,
    /// The key set could not be fetched (network, status, timeout, size, redirect).
    JwksFetchFailed,
    /// The key set was fetched but is not a usable JWKS.
    JwksInvalid,
    /// The verifier was built with bad options.
    Configuration,
    /// tokenward itself failed (a bug, caught at the boundary); the token was not accepted.
    Internal,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 21] = [
        ErrorCode::Malformed,
        ErrorCode::TokenTooLarge,
        ErrorCode::AlgorithmNotAllowed,
        ErrorCode::UnsupportedAlgorithm,
        ErrorCode::KeyNotFound,
        ErrorCode::InvalidSignature,
        ErrorCode::TokenExpired,
        ErrorCode::NotYetValid,
        ErrorCode::IssuedInFuture,
        ErrorCode::TokenTooOld,
        ErrorCode::InvalidIssuer,
        ErrorCode::InvalidAudience,
        ErrorCode::InvalidType,
        ErrorCode::MissingClaim,
        ErrorCode::InvalidClaim,
        ErrorCode::UnsupportedCriticalHeader,
        ErrorCode::JwksNotLoaded,
        ErrorCode::JwksFetchFailed,
        ErrorCode::JwksInvalid,
        ErrorCode::Configuration,
        ErrorCode::Internal,
    ];

    /// The stable snake_case name, e.g. `token_expired`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Malformed => "malformed",
            ErrorCode::TokenTooLarge => "token_too_large",
            ErrorCode::AlgorithmNotAllowed => "algorithm_not_allowed",
            ErrorCode::UnsupportedAlgorithm => "unsupported_algorithm",
            ErrorCode::KeyNotFound => "key_not_found",
            ErrorCode::InvalidSignature => "invalid_signature",
            ErrorCode::TokenExpired => "token_expired",
            ErrorCode::NotYetValid => "not_yet_valid",
            ErrorCode::IssuedInFuture => "issued_in_future",
            ErrorCode::TokenTooOld => "token_too_old",
            ErrorCode::InvalidIssuer => "invalid_issuer",
            ErrorCode::InvalidAudience => "invalid_audience",
            ErrorCode::InvalidType => "invalid_type",
            ErrorCode::MissingClaim => "missing_claim",
            ErrorCode::InvalidClaim => "invalid_claim",
            ErrorCode::UnsupportedCriticalHeader => "unsupported_critical_header",
            ErrorCode::JwksNotLoaded => "jwks_not_loaded",
            ErrorCode::JwksFetchFailed => "jwks_fetch_failed",
            ErrorCode::JwksInvalid => "jwks_invalid",
            ErrorCode::Configuration => "configuration",
            ErrorCode::Internal => "internal",
        }
    }

    /// True for the codes that describe the token itself rather than the
    /// key set or the configuration.
    pub fn is_token_problem(self) -> bool {
        !matches!(
            self,
            ErrorCode::JwksNotLoaded
                | ErrorCode::JwksFetchFailed
                | ErrorCode::JwksInvalid
                | ErrorCode::Configuration
                | ErrorCode::Internal
        )
    }
}

impl std::str::FromStr for ErrorCode {
    type Err = ();

    /// The code for its stable name (`"token_expired"`); `Err` for an unknown name.
    fn from_str(name: &str) -> Result<ErrorCode, ()> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == name).ok_or(())
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refusal: a stable [`ErrorCode`], the claim it concerns (if any) and a
/// message saying what was expected and what was found.
///
/// Messages never contain the token or a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    claim: Option<Cow<'static, str>>,
    message: String,
}

impl Error {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error { code, claim: None, message: message.into() }
    }

    pub(crate) fn claim(code: ErrorCode, claim: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Error { code, claim: Some(claim.into()), message: message.into() }
    }

    pub(crate) fn malformed(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Malformed, message)
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Configuration, message)
    }

    /// An error rebuilt from its parts, e.g. by a binding that caught one in
    /// its own language and hands it back to the core (the HTTP layer).
    pub fn from_parts(code: ErrorCode, claim: Option<String>, message: impl Into<String>) -> Self {
        Error { code, claim: claim.map(Cow::Owned), message: message.into() }
    }

    /// A failure of tokenward itself, e.g. a panic caught at a language boundary.
    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Internal, message)
    }

    /// The stable code.
    pub fn kind(&self) -> ErrorCode {
        self.code
    }

    /// The stable code as a string, e.g. `"token_expired"`.
    pub fn code(&self) -> &'static str {
        self.code.as_str()
    }

    /// The claim (or header parameter) the refusal is about, e.g. `"exp"`.
    pub fn failed_claim(&self) -> Option<&str> {
        self.claim.as_deref()
    }

    /// What was expected and what was found.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

/// Longest piece of token or key-set content quoted in a message, in bytes.
pub(crate) const QUOTE_MAX: usize = 80;

/// Token- or key-set-supplied text, cut short for a message.
pub(crate) fn truncate(s: &str) -> String {
    if s.len() <= QUOTE_MAX {
        return s.to_owned();
    }
    let mut end = QUOTE_MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// At most five items, each cut short, as `["a", "b", ...]`.
pub(crate) fn quoted<S: AsRef<str>>(items: &[S]) -> String {
    let parts: Vec<String> = items.iter().take(5).map(|s| format!("\"{}\"", truncate(s.as_ref()))).collect();
    let mut out = format!("[{}]", parts.join(", "));
    if items.len() > 5 {
        out.insert_str(out.len() - 1, &format!(", ... {} more", items.len() - 5));
    }
    out
}
