//! Signature and policy check with keys already held: synchronous, pure, no I/O.

use crate::claims::Claims;
use crate::error::Error;
use crate::keys::{KeyId, KeySet};
use crate::policy::Policy;
use crate::token;

/// Verifies `token` against `keys` under `policy`.
///
/// The order is fixed so every face of tokenward reports the same code for
/// the same token: the policy itself, size, syntax, algorithm, `crit`, key and signature, then
/// `typ` and the claims. Claims are only judged once the signature holds.
pub fn verify(token: &str, keys: &KeySet, policy: &Policy) -> Result<Claims, Error> {
    verify_by(token, keys, policy).map(|(claims, _)| claims)
}

/// [`verify`], naming the key that verified (for the verified-token cache).
pub(crate) fn verify_by(token: &str, keys: &KeySet, policy: &Policy) -> Result<(Claims, KeyId), Error> {
    #[cfg(feature = "panic-injection")]
    crate::panic::injection::on_verify(token);
    policy.validate()?;
    let segments = token::split(token, policy.max_token_bytes)?;
    let header = token::read_header(&segments.header)?;
    let claims = token::read_payload(&segments.payload, &policy.required_claims)?;
    let alg = policy.algorithm(&header.alg)?;
    policy.check_crit(&header)?;
    let key = keys.verify_signature_by(header.kid.as_deref(), alg, segments.signing_input, &segments.signature)?;
    policy.check_header(&header)?;
    let times = policy.check_claims(&claims)?;
    drop((header, claims));
    let claims = Claims::verified(segments.header, segments.payload, alg, times);
    if !policy.rules.is_empty() {
        policy.check_rules(claims.as_object())?;
    }
    Ok((claims, key))
}
