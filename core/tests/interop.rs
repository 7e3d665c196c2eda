//! Tokens minted by another implementation (the jsonwebtoken crate) verify,
//! and builder mistakes are caught at build time with `configuration`.

use std::time::Duration;

use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::json;
use tokenward::{Algorithm, Verifier};

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

#[test]
fn accepts_hs256_tokens_minted_by_the_jsonwebtoken_crate() {
    let secret = b"0123456789abcdef0123456789abcdef";
    let claims = json!({"sub": "u1", "aud": "api", "iss": "https://iss", "exp": now() + 60});
    let token = encode(&Header::default(), &claims, &EncodingKey::from_secret(secret)).unwrap();
    let verifier = Verifier::builder()
        .secret(secret)
        .algorithms([Algorithm::HS256])
        .issuer("https://iss")
        .audience("api")
        .build()
        .unwrap();
    let verified = verifier.verify_with_held_keys(&token).unwrap();
    assert_eq!(verified.subject(), Some("u1"));
    assert_eq!(verified.audience(), vec!["api"]);
    assert_eq!(verified.algorithm(), Some(Algorithm::HS256));
}

#[test]
fn refuses_jsonwebtoken_tokens_signed_with_another_secret() {
    let claims = json!({"exp": now() + 60});
    let token = encode(&Header::default(), &claims, &EncodingKey::from_secret(&[7u8; 32])).unwrap();
    let verifier = Verifier::builder().secret([8u8; 32]).algorithms([Algorithm::HS256]).build().unwrap();
    assert_eq!(verifier.verify_with_held_keys(&token).unwrap_err().code(), "invalid_signature");
}

#[test]
fn claims_helpers_read_registered_claims() {
    let secret = [1u8; 32];
    let claims = json!({"sub": "u1", "aud": ["a", "b"], "exp": 2_000_000_000u64, "iat": 1_999_999_000u64,
                        "scope": "read write", "custom": {"x": 1}});
    let token = encode(&Header::default(), &claims, &EncodingKey::from_secret(&secret)).unwrap();
    let verifier = Verifier::builder()
        .secret(secret)
        .algorithms([Algorithm::HS256])
        .audience("b")
        .now(1_999_999_500.0)
        .build()
        .unwrap();
    let c = verifier.verify_with_held_keys(&token).unwrap();
    assert_eq!(c.audience(), vec!["a", "b"]);
    assert_eq!(c.scopes(), vec!["read", "write"]);
    assert_eq!(c.expires_at().unwrap(), std::time::UNIX_EPOCH + Duration::from_secs(2_000_000_000));
    assert_eq!(c.issued_at().unwrap(), std::time::UNIX_EPOCH + Duration::from_secs(1_999_999_000));
    assert_eq!(c["custom"]["x"], json!(1));
    assert_eq!(c.header()["alg"], json!("HS256"));
}

#[test]
fn a_verifier_needs_exactly_one_key_source() {
    assert_eq!(Verifier::builder().build().unwrap_err().code(), "configuration");
    let two = Verifier::builder().jwks_url("https://a.example/jwks").pem("x").build().unwrap_err();
    assert_eq!(two.code(), "configuration");
    assert!(two.message().contains("jwks_url, pem"), "{}", two.message());
}

#[test]
fn a_secret_without_listed_hmac_algorithms_is_a_configuration_error() {
    let err = Verifier::builder().secret([0u8; 32]).build().unwrap_err();
    assert_eq!(err.code(), "configuration");
    assert!(err.message().contains("HS256"), "{}", err.message());
}

#[test]
fn a_private_key_pem_is_refused_with_advice() {
    let pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIE1hS2V5\n-----END PRIVATE KEY-----\n";
    let err = Verifier::builder().pem(pem).build().unwrap_err();
    assert_eq!(err.code(), "configuration");
    assert!(err.message().contains("public key"), "{}", err.message());
}

#[test]
fn algorithms_no_key_can_serve_are_a_configuration_error() {
    let jwks = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]});
    let err = Verifier::builder().jwks_json(jwks.to_string()).algorithms([Algorithm::RS256]).build().unwrap_err();
    assert_eq!(err.code(), "configuration");
    let ok = Verifier::builder().jwks_json(jwks.to_string()).algorithms([Algorithm::EdDSA]).build();
    assert!(ok.is_ok());
}

#[test]
fn error_codes_are_distinct_snake_case_strings() {
    let names: std::collections::HashSet<_> = tokenward::ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(names.len(), tokenward::ErrorCode::ALL.len());
    assert!(names.iter().all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
}
