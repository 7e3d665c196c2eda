//! tokenward: verify JSON Web Tokens against a provider's keys.
//!
//! ```no_run
//! # async fn run(token: &str) -> Result<(), tokenward::Error> {
//! use tokenward::{Algorithm, Verifier};
//! let verifier = Verifier::builder()
//!     .jwks_url("https://issuer.example/.well-known/jwks.json")
//!     .issuer("https://issuer.example")
//!     .audience("my-api")
//!     .algorithms([Algorithm::ES256])
//!     .build()?;
//! let claims = verifier.verify(token).await?;
//! println!("user {}", claims.subject().unwrap_or("?"));
//! # Ok(()) }
//! ```
//!
//! # Features
//!
//! - `testing`: [`testing::TestIssuer`], a real issuer for tests (keys, a
//!   JWKS and discovery server on 127.0.0.1, token minting, failure modes).
//! - `axum`: [`axum`](crate::axum) extractors over the request-side rules of
//!   [`http`].
//! - `panic-injection`: test builds only; a token equal to `PANIC_TOKEN` or
//!   a key-set URL ending in `PANIC_PATH` panics inside tokenward, so tests
//!   can prove the bindings contain panics. Never enable it in production.

#![deny(missing_docs)]

mod algorithm;
#[cfg(feature = "axum")]
pub mod axum;
mod claims;
mod discovery;
mod error;
pub mod events;
mod fetch;
pub mod http;
pub mod inspect;
mod jwks;
mod keys;
mod options;
mod panic;
mod policy;
pub mod providers;
mod rules;
mod token;
mod token_cache;
mod verifier;
mod verify;
mod x509;

#[cfg(feature = "testing")]
pub mod testing;

pub use algorithm::{Algorithm, Family, UnknownAlgorithm};
pub use claims::{scopes_of, Claims};
pub use error::{Error, ErrorCode};
pub use jwks::{CacheConfig, CacheStats, FetchLatency, KeyStatus, FETCH_LATENCY_BUCKETS_MS};
pub use keys::{KeySet, MIN_RSA_BITS};
pub use options::{option_spec, unknown_option, OneOrMany, OptionKind, OptionSpec, Options, Spelling, OPTIONS};
pub use panic::{contain, contain_future, Contained};
pub use policy::{Clock, Policy, DEFAULT_LEEWAY};
pub use rules::ClaimRule;
pub use token::{decode_unverified, JsonObject, UnverifiedToken, DEFAULT_MAX_TOKEN_BYTES};
pub use token_cache::{TokenCacheStats, DEFAULT_TOKEN_CACHE_SIZE, MAX_CACHED_TOKEN_BYTES};
pub use verifier::{PendingVerify, Verifier, VerifierBuilder};
pub use verify::verify;

/// Test builds only: the inputs that make tokenward panic on purpose.
#[cfg(feature = "panic-injection")]
pub use panic::injection::{PANIC_PATH, PANIC_TOKEN};
