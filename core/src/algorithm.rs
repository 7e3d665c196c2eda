use std::fmt;
use std::str::FromStr;

/// A JWS signature algorithm tokenward can verify (RFC 7518, RFC 8037, RFC 8812).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    ES512,
    ES256K,
    EdDSA,
    HS256,
    HS384,
    HS512,
}

/// What kind of key an algorithm needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Rsa,
    Ec,
    Okp,
    Hmac,
}

impl Algorithm {
    /// Every algorithm, asymmetric first.
    pub const ALL: [Algorithm; 14] = [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::ES512,
        Algorithm::ES256K,
        Algorithm::EdDSA,
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
    ];

    /// The algorithms accepted when none are configured: every asymmetric one
    /// (the head of [`Algorithm::ALL`]).
    pub const ASYMMETRIC: &'static [Algorithm] = Algorithm::ALL.split_at(11).0;

    /// The JOSE name, e.g. `"RS256"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::ES512 => "ES512",
            Algorithm::ES256K => "ES256K",
            Algorithm::EdDSA => "EdDSA",
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
        }
    }

    pub fn family(self) -> Family {
        match self {
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => Family::Rsa,
            Algorithm::ES256 | Algorithm::ES384 | Algorithm::ES512 | Algorithm::ES256K => Family::Ec,
            Algorithm::EdDSA => Family::Okp,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => Family::Hmac,
        }
    }

    pub fn is_symmetric(self) -> bool {
        self.family() == Family::Hmac
    }

    /// Digest length in bytes for HMAC algorithms: the shortest secret allowed (RFC 7518 3.2).
    pub(crate) fn hmac_min_secret(self) -> usize {
        match self {
            Algorithm::HS384 => 48,
            Algorithm::HS512 => 64,
            _ => 32,
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a supported algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownAlgorithm(pub String);

impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Algorithm::ALL.into_iter().find(|a| a.as_str() == s).ok_or_else(|| UnknownAlgorithm(s.to_owned()))
    }
}

/// A set of algorithms as a bit mask: membership is one AND on the hot path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct AlgorithmSet(u16);

impl AlgorithmSet {
    pub(crate) fn of(algs: impl IntoIterator<Item = Algorithm>) -> Self {
        AlgorithmSet(algs.into_iter().fold(0, |m, a| m | (1 << a.index())))
    }

    pub(crate) fn contains(self, alg: Algorithm) -> bool {
        self.0 & (1 << alg.index()) != 0
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = Algorithm> {
        Algorithm::ALL.into_iter().filter(move |a| self.contains(*a))
    }

    pub(crate) fn names(self) -> String {
        self.iter().map(Algorithm::as_str).collect::<Vec<_>>().join(", ")
    }
}
