//! The verified-token cache: exact-bytes hits, successes only, entries that
//! end with their token's time claims and with their key.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use tokenward::testing::TestIssuer;
use tokenward::{Algorithm, ErrorCode, Verifier};

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Verifies `token` twice: a token is stored from its second verification.
fn store(verifier: &Verifier, token: &str) {
    for _ in 0..2 {
        verifier.verify_with_held_keys(token).unwrap();
    }
}

fn static_verifier(issuer: &TestIssuer, cache: usize) -> Verifier {
    Verifier::builder().jwks_json(issuer.jwks().to_string()).token_cache_size(cache).build().unwrap()
}

#[test]
fn a_hit_returns_the_claims_a_full_verification_returns() {
    let issuer = TestIssuer::start();
    let cached = static_verifier(&issuer, 16);
    let uncached = static_verifier(&issuer, 0);
    let token = issuer.mint(json!({ "sub": "u1", "scope": "a b" }));
    let first = cached.verify_with_held_keys(&token).unwrap();
    assert_eq!(cached.stats().tokens.entries, 0, "a token seen once is only noted");
    cached.verify_with_held_keys(&token).unwrap();
    let again = cached.verify_with_held_keys(&token).unwrap();
    assert_eq!(again, uncached.verify_with_held_keys(&token).unwrap());
    assert_eq!(again, first);
    assert_eq!(again.header(), first.header());
    let stats = cached.stats().tokens;
    assert_eq!((stats.hits, stats.misses, stats.entries), (1, 2, 1));
    assert_eq!(uncached.stats().tokens.hits, 0);
}

#[test]
fn failures_are_never_stored() {
    let issuer = TestIssuer::start();
    let verifier = static_verifier(&issuer, 16);
    let expired = issuer.mint(json!({ "exp": 1000 }));
    for _ in 0..3 {
        assert_eq!(verifier.verify_with_held_keys(&expired).unwrap_err().kind(), ErrorCode::TokenExpired);
    }
    let stats = verifier.stats().tokens;
    assert_eq!((stats.hits, stats.entries), (0, 0));
}

#[test]
fn a_token_differing_in_one_byte_is_a_miss_and_fails() {
    let issuer = TestIssuer::start();
    let verifier = static_verifier(&issuer, 16);
    let token = issuer.mint(json!({}));
    store(&verifier, &token);
    let mut bytes = token.clone().into_bytes();
    let at = bytes.len() - 10;
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    assert_eq!(verifier.verify_with_held_keys(&tampered).unwrap_err().kind(), ErrorCode::InvalidSignature);
    let stats = verifier.stats().tokens;
    assert_eq!((stats.hits, stats.misses, stats.entries), (0, 3, 1));
}

#[test]
fn an_entry_past_its_exp_is_refused() {
    let issuer = TestIssuer::start();
    let verifier = Verifier::builder().jwks_json(issuer.jwks().to_string()).leeway(Duration::ZERO).build().unwrap();
    let token = issuer.mint(json!({ "exp": now() + 1 }));
    store(&verifier, &token);
    std::thread::sleep(Duration::from_millis(2100));
    let err = verifier.verify_with_held_keys(&token).unwrap_err();
    assert_eq!(err.kind(), ErrorCode::TokenExpired);
    let stats = verifier.stats().tokens;
    assert_eq!((stats.hits, stats.entries), (1, 1), "judged from the cache, with the clock of now");
}

#[tokio::test]
async fn a_cached_token_is_refused_once_rotation_removes_its_key() {
    let issuer = TestIssuer::start();
    let verifier = Verifier::builder().jwks_url(issuer.jwks_url()).cooldown(Duration::ZERO).build().unwrap();
    let token = issuer.mint(json!({}));
    for _ in 0..3 {
        verifier.verify(&token).await.unwrap();
    }
    assert_eq!(verifier.stats().tokens.hits, 1);
    issuer.rotate(Algorithm::ES256);
    verifier.refresh().await.unwrap();
    let err = verifier.verify(&token).await.unwrap_err();
    assert_eq!(err.kind(), ErrorCode::KeyNotFound, "{err}");
    let stats = verifier.stats().tokens;
    assert_eq!((stats.invalidations, stats.hits), (1, 1));
}

#[tokio::test]
async fn a_refetch_that_keeps_the_key_keeps_the_entry() {
    let issuer = TestIssuer::start();
    let verifier = Verifier::builder().jwks_url(issuer.jwks_url()).build().unwrap();
    let token = issuer.mint(json!({}));
    verifier.verify(&token).await.unwrap();
    verifier.verify(&token).await.unwrap();
    issuer.add_key(Algorithm::ES256);
    verifier.refresh().await.unwrap();
    verifier.verify(&token).await.unwrap();
    let stats = verifier.stats().tokens;
    assert_eq!((stats.hits, stats.invalidations), (1, 0));
}

#[test]
fn the_least_recently_used_entry_is_evicted_at_capacity() {
    let issuer = TestIssuer::start();
    let verifier = static_verifier(&issuer, 2);
    let [a, b, c] = ["a", "b", "c"].map(|sub| issuer.mint(json!({ "sub": sub })));
    for token in [&a, &a, &b, &b, &a, &c, &c] {
        verifier.verify_with_held_keys(token).unwrap();
    }
    assert_eq!(verifier.stats().tokens.evictions, 1);
    verifier.verify_with_held_keys(&a).unwrap();
    assert_eq!(verifier.stats().tokens.hits, 2, "a was used recently and stayed");
    verifier.verify_with_held_keys(&c).unwrap();
    assert_eq!(verifier.stats().tokens.hits, 3, "c took b's place");
    verifier.verify_with_held_keys(&b).unwrap();
    let stats = verifier.stats().tokens;
    assert_eq!((stats.hits, stats.entries), (3, 2), "b was the least recently used and went");
}

#[test]
fn a_stream_of_distinct_tokens_fills_no_entries() {
    let issuer = TestIssuer::with_algorithms(&[Algorithm::HS256]);
    let verifier = Verifier::builder()
        .jwks_json(issuer.jwks().to_string())
        .algorithms([Algorithm::HS256])
        .token_cache_size(8)
        .build()
        .unwrap();
    for i in 0..100 {
        verifier.verify_with_held_keys(&issuer.mint(json!({ "sub": format!("u{i}") }))).unwrap();
    }
    let stats = verifier.stats().tokens;
    assert_eq!((stats.entries, stats.evictions), (0, 0));
}

#[test]
fn tokens_over_the_size_limit_are_never_stored() {
    let issuer = TestIssuer::start();
    let verifier = static_verifier(&issuer, 16);
    let big = issuer.mint(json!({ "pad": "x".repeat(tokenward::MAX_CACHED_TOKEN_BYTES) }));
    verifier.verify_with_held_keys(&big).unwrap();
    verifier.verify_with_held_keys(&big).unwrap();
    let stats = verifier.stats().tokens;
    assert_eq!((stats.hits, stats.entries), (0, 0));
}

#[test]
fn eight_threads_agree_with_an_uncached_verifier_on_every_verdict() {
    let issuer = TestIssuer::with_algorithms(&[Algorithm::ES256, Algorithm::EdDSA]);
    let cached = static_verifier(&issuer, 64);
    let uncached = static_verifier(&issuer, 0);
    let mut tokens: Vec<String> = (0..40).map(|i| issuer.mint(json!({ "sub": format!("u{i}") }))).collect();
    tokens.push(issuer.mint(json!({ "exp": 1000 })));
    tokens.push(format!("{}x", tokens[0]));
    tokens.push("not.a.token".into());
    std::thread::scope(|scope| {
        for t in 0..8 {
            let (cached, uncached, tokens) = (&cached, &uncached, &tokens);
            scope.spawn(move || {
                for round in 0..200 {
                    let token = &tokens[(round * 7 + t * 13) % tokens.len()];
                    let got = cached.verify_with_held_keys(token).map_err(|e| e.kind());
                    let want = uncached.verify_with_held_keys(token).map_err(|e| e.kind());
                    assert_eq!(got, want, "{token}");
                }
            });
        }
    });
    assert!(cached.stats().tokens.hits > 0);
}

#[test]
fn verify_if_cheap_answers_hits_early_refusals_and_hmac_and_leaves_signature_checks_to_the_caller() {
    let issuer = TestIssuer::start();
    let verifier = static_verifier(&issuer, 16);
    let token = issuer.mint(json!({}));
    assert!(verifier.verify_if_cheap(&token).is_none(), "an ES256 check is left to a thread pool");
    store(&verifier, &token);
    assert!(verifier.verify_if_cheap(&token).unwrap().is_ok(), "a cache hit is answered");
    let garbage = verifier.verify_if_cheap("not-a-token").unwrap().unwrap_err();
    assert_eq!(garbage.kind(), ErrorCode::Malformed);
    let stats = verifier.stats().tokens;
    assert_eq!((stats.hits, stats.misses), (1, 2), "looking without finding counts no miss");

    let hmac = TestIssuer::with_algorithms(&[Algorithm::HS256]);
    let secret_verifier =
        Verifier::builder().jwks_json(hmac.jwks().to_string()).algorithms([Algorithm::HS256]).build().unwrap();
    assert!(secret_verifier.verify_if_cheap(&hmac.mint(json!({}))).unwrap().is_ok(), "HMAC is cheap enough");
}
