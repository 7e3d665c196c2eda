//! The remote JWKS cache against a real TestIssuer over HTTP on 127.0.0.1.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};
use tokenward::testing::{Behavior, Mint, TestIssuer, DISCOVERY_PATH};
use tokenward::{Algorithm, Verifier, VerifierBuilder};

const AUD: &str = "my-api";

fn token(issuer: &TestIssuer) -> String {
    issuer.mint(json!({"sub": "user-1", "aud": AUD}))
}

fn aud_claims() -> Map<String, Value> {
    Map::from_iter([("aud".to_owned(), Value::from(AUD))])
}

/// Signed by the newest key, but naming `kid` in the header.
fn token_with_kid(issuer: &TestIssuer, kid: &str) -> String {
    let header = Map::from_iter([("kid".to_owned(), Value::from(kid))]);
    issuer.mint_with(Mint { header, claims: aud_claims(), ..Mint::default() })
}

/// Signed by the key `kid`.
fn signed_by(issuer: &TestIssuer, kid: &str) -> String {
    issuer.mint_with(Mint { kid: Some(kid.to_owned()), claims: aud_claims(), ..Mint::default() })
}

fn builder(issuer: &TestIssuer) -> VerifierBuilder {
    Verifier::builder().jwks_url(issuer.jwks_url()).issuer(issuer.url()).audience(AUD)
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test]
async fn first_verify_fetches_then_serves_from_cache() {
    let issuer = TestIssuer::start();
    let verifier = builder(&issuer).build().unwrap();
    assert_eq!(issuer.jwks_requests(), 0, "fetching is lazy");
    for _ in 0..5 {
        verifier.verify(&token(&issuer)).await.unwrap();
    }
    assert_eq!(issuer.jwks_requests(), 1);
    let stats = verifier.stats();
    assert_eq!(stats.fetches, 1);
    assert_eq!(stats.cache_hits, 4);
}

#[tokio::test]
async fn held_keys_are_not_loaded_before_the_first_fetch() {
    let issuer = TestIssuer::start();
    let verifier = builder(&issuer).build().unwrap();
    let err = verifier.verify_with_held_keys(&token(&issuer)).unwrap_err();
    assert_eq!(err.code(), "jwks_not_loaded");
    verifier.refresh().await.unwrap();
    verifier.verify_with_held_keys(&token(&issuer)).unwrap();
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test]
async fn expired_ttl_triggers_a_refetch() {
    // Serving from the cache before the TTL ends is shown (with the default
    // 10 min TTL) by first_verify_fetches_then_serves_from_cache; here only
    // lower bounds on time: once the TTL has surely passed, the next verify fetches.
    let issuer = TestIssuer::start();
    let verifier = builder(&issuer).cache_ttl(ms(300)).build().unwrap();
    verifier.verify(&token(&issuer)).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 1);
    tokio::time::sleep(ms(400)).await;
    verifier.verify(&token(&issuer)).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 2);
}

#[tokio::test]
async fn cache_control_max_age_is_honoured() {
    let issuer = TestIssuer::start();
    issuer.update_behavior(|b| b.cache_control = Some("public, max-age=1".into()));
    let verifier = builder(&issuer)
        .cache_ttl(Duration::from_secs(3600))
        .cache_ttl_bounds(ms(0), Duration::from_secs(3600))
        .build()
        .unwrap();
    verifier.verify(&token(&issuer)).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 1);
    tokio::time::sleep(ms(1200)).await;
    verifier.verify(&token(&issuer)).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 2, "max-age=1 overrides the 1 h default TTL");
}

#[tokio::test]
async fn cache_control_max_age_outlasts_a_shorter_default_ttl() {
    let issuer = TestIssuer::start();
    issuer.update_behavior(|b| b.cache_control = Some("public, max-age=3600".into()));
    let verifier =
        builder(&issuer).cache_ttl(ms(200)).cache_ttl_bounds(ms(0), Duration::from_secs(3600)).build().unwrap();
    verifier.verify(&token(&issuer)).await.unwrap();
    tokio::time::sleep(ms(300)).await;
    verifier.verify(&token(&issuer)).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 1, "still fresh under max-age=3600 after the 200 ms default TTL");
}

#[tokio::test]
async fn cache_control_max_age_is_clamped_to_the_bounds() {
    let issuer = TestIssuer::start();
    issuer.update_behavior(|b| b.cache_control = Some("max-age=86400".into()));
    let verifier = builder(&issuer).cache_ttl_bounds(ms(0), ms(300)).build().unwrap();
    verifier.verify(&token(&issuer)).await.unwrap();
    tokio::time::sleep(ms(400)).await;
    verifier.verify(&token(&issuer)).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 2, "a day of max-age is cut to the 300 ms upper bound");

    let issuer = TestIssuer::start();
    issuer.update_behavior(|b| b.cache_control = Some("no-cache".into()));
    let verifier =
        builder(&issuer).cache_ttl_bounds(Duration::from_secs(60), Duration::from_secs(3600)).build().unwrap();
    for _ in 0..3 {
        verifier.verify(&token(&issuer)).await.unwrap();
    }
    assert_eq!(issuer.jwks_requests(), 1, "no-cache is raised to the 60 s lower bound");
}

#[tokio::test]
async fn etag_revalidation_keeps_the_keys_on_304() {
    let issuer = TestIssuer::start();
    issuer.update_behavior(|b| b.etag = true);
    let verifier = builder(&issuer).cache_ttl(ms(200)).build().unwrap();
    verifier.verify(&token(&issuer)).await.unwrap();
    tokio::time::sleep(ms(300)).await;
    verifier.verify(&token(&issuer)).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 2);
    let stats = verifier.stats();
    assert_eq!(stats.not_modified, 1);
    assert_eq!(stats.fetches, 2);
    assert_eq!(stats.stale_serves, 0);
}

#[tokio::test]
async fn random_kids_cause_one_refetch_then_a_cooldown() {
    let issuer = TestIssuer::start();
    let verifier = builder(&issuer).build().unwrap();
    for i in 0..100 {
        let err = verifier.verify(&token_with_kid(&issuer, &format!("random-{i}"))).await.unwrap_err();
        assert_eq!(err.code(), "key_not_found");
    }
    assert!(issuer.jwks_requests() <= 2, "{} fetches", issuer.jwks_requests());
    assert_eq!(issuer.jwks_requests(), 2, "the first unknown kid is worth one refetch");
    assert_eq!(verifier.stats().cooldown_refusals, 99);
    verifier.verify(&token(&issuer)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_verifies_on_a_cold_cache_make_one_fetch() {
    let issuer = TestIssuer::start();
    issuer.update_behavior(|b| b.delay = ms(200));
    let verifier = builder(&issuer).build().unwrap();
    let token = Arc::new(token(&issuer));
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let verifier = verifier.clone();
            let token = token.clone();
            tokio::spawn(async move { verifier.verify(&token).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().subject(), Some("user-1"));
    }
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test]
async fn a_rotated_in_key_verifies_after_refetch() {
    let issuer = TestIssuer::start();
    let verifier = builder(&issuer).build().unwrap();
    verifier.verify(&token(&issuer)).await.unwrap();
    let new_kid = issuer.rotate(Algorithm::ES256);
    let claims = verifier.verify(&token(&issuer)).await.unwrap();
    assert_eq!(claims.header()["kid"], Value::from(new_kid));
    assert_eq!(issuer.jwks_requests(), 2);
}

#[tokio::test]
async fn a_removed_key_is_refused_after_refresh() {
    let issuer = TestIssuer::with_algorithms(&[Algorithm::RS256, Algorithm::ES256]);
    let old_kid = issuer.kids()[0].clone();
    let verifier = builder(&issuer).build().unwrap();
    let old = signed_by(&issuer, &old_kid);
    verifier.verify(&old).await.unwrap();
    issuer.remove_key(&old_kid);
    verifier.refresh().await.unwrap();
    let err = verifier.verify(&old).await.unwrap_err();
    assert_eq!(err.code(), "key_not_found");
}

#[tokio::test]
async fn stale_keys_serve_while_the_issuer_is_down() {
    let issuer = TestIssuer::start();
    let verifier =
        builder(&issuer).cache_ttl(ms(200)).max_stale(Duration::from_secs(3600)).cooldown(ms(50)).build().unwrap();
    verifier.verify(&token(&issuer)).await.unwrap();
    issuer.update_behavior(|b| b.status = Some(503));
    tokio::time::sleep(ms(300)).await;
    verifier.verify(&token(&issuer)).await.unwrap();
    let stats = verifier.stats();
    assert!(stats.stale_serves >= 1);
    assert!(stats.last_error.as_deref().unwrap_or("").contains("503"), "{stats:?}");
}

#[tokio::test]
async fn stale_keys_stop_serving_after_max_stale_until_the_issuer_is_back() {
    let issuer = TestIssuer::start();
    let verifier = builder(&issuer).cache_ttl(ms(200)).max_stale(ms(300)).cooldown(ms(50)).build().unwrap();
    let good = token(&issuer);
    verifier.verify(&good).await.unwrap();
    issuer.update_behavior(|b| b.status = Some(503));
    // Past the TTL and past max_stale after it.
    tokio::time::sleep(ms(700)).await;
    let err = verifier.verify(&good).await.unwrap_err();
    assert_eq!(err.code(), "jwks_fetch_failed");
    assert!(err.message().contains("max_stale"), "{}", err.message());
    issuer.update_behavior(|b| b.status = None);
    tokio::time::sleep(ms(60)).await;
    verifier.verify(&good).await.unwrap();
}

#[tokio::test]
async fn a_slow_issuer_ends_in_a_timeout_error() {
    let issuer = TestIssuer::start();
    // The server answers after 120 s; the guard gives up after 30 s: an answer
    // within the guard can only come from the client's own 300 ms timeout.
    issuer.update_behavior(|b| b.delay = Duration::from_secs(120));
    let verifier = builder(&issuer).timeout(ms(300)).build().unwrap();
    let outcome = tokio::time::timeout(Duration::from_secs(30), verifier.verify(&token(&issuer))).await;
    let err = outcome.expect("the fetch was not cut short by the 300 ms timeout").unwrap_err();
    assert_eq!(err.code(), "jwks_fetch_failed");
    assert!(err.message().contains("timed out"), "{}", err.message());
}

async fn first_error(
    edit: impl FnOnce(&mut Behavior),
    configure: impl FnOnce(VerifierBuilder) -> VerifierBuilder,
) -> tokenward::Error {
    let issuer = TestIssuer::start();
    issuer.update_behavior(edit);
    let verifier = configure(builder(&issuer)).build().unwrap();
    verifier.verify(&token(&issuer)).await.unwrap_err()
}

#[tokio::test]
async fn a_server_error_is_jwks_fetch_failed() {
    let err = first_error(|b| b.status = Some(500), |b| b).await;
    assert_eq!(err.code(), "jwks_fetch_failed");
    assert!(err.message().contains("500"), "{}", err.message());
}

#[tokio::test]
async fn garbage_json_is_jwks_invalid() {
    let err = first_error(|b| b.body = Some(b"<html>oops</html>".to_vec()), |b| b).await;
    assert_eq!(err.code(), "jwks_invalid");
}

#[tokio::test]
async fn a_key_set_without_usable_keys_is_jwks_invalid() {
    let body = br#"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"},{"kty":"XYZ"}]}"#.to_vec();
    let err = first_error(|b| b.body = Some(body), |b| b).await;
    assert_eq!(err.code(), "jwks_invalid");
    assert!(err.message().contains("skipped"), "{}", err.message());
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let err = first_error(|b| b.body = Some(vec![b' '; 600 * 1024]), |b| b).await;
    assert_eq!(err.code(), "jwks_fetch_failed");
    assert!(err.message().contains("limit"), "{}", err.message());
    let err = first_error(|b| b.body = Some(vec![b' '; 2048]), |b| b.max_jwks_bytes(1024)).await;
    assert!(err.message().contains("1024-byte limit"), "{}", err.message());
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let err = first_error(|b| b.redirect_to = Some("http://127.0.0.1:1/jwks.json".into()), |b| b).await;
    assert_eq!(err.code(), "jwks_fetch_failed");
    assert!(err.message().contains("redirect"), "{}", err.message());
}

#[tokio::test]
async fn a_dropped_connection_is_jwks_fetch_failed() {
    let err = first_error(|b| b.drop_connection = true, |b| b).await;
    assert_eq!(err.code(), "jwks_fetch_failed");
}

#[test]
fn plain_http_to_a_non_loopback_host_is_refused_at_build() {
    let err = Verifier::builder().jwks_url("http://issuer.example/jwks.json").build().unwrap_err();
    assert_eq!(err.code(), "configuration");
    assert!(err.message().contains("https"), "{}", err.message());
    assert!(Verifier::builder().jwks_url("http://localhost:1/jwks.json").build().is_ok());
    assert!(Verifier::builder().jwks_url("http://[::1]:1/jwks.json").build().is_ok());
}

#[tokio::test]
async fn discovery_finds_the_jwks_and_defaults_the_issuer() {
    let issuer = TestIssuer::start();
    let verifier = Verifier::builder().discover(issuer.url()).audience(AUD).build().unwrap();
    verifier.verify(&token(&issuer)).await.unwrap();
    assert_eq!(issuer.requests(DISCOVERY_PATH), 1);
    assert_eq!(issuer.jwks_requests(), 1);
    let foreign = issuer.mint(json!({"aud": AUD, "iss": "https://other.example"}));
    assert_eq!(verifier.verify(&foreign).await.unwrap_err().code(), "invalid_issuer");
}

#[tokio::test]
async fn discovery_naming_another_issuer_is_refused() {
    let issuer = TestIssuer::start();
    issuer.update_behavior(|b| b.discovery_issuer = Some("https://evil.example".into()));
    let verifier = Verifier::builder().discover(issuer.url()).audience(AUD).build().unwrap();
    let err = verifier.verify(&token(&issuer)).await.unwrap_err();
    assert_eq!(err.code(), "jwks_invalid");
    assert!(err.message().contains("evil.example"), "{}", err.message());
    assert_eq!(issuer.jwks_requests(), 0);
}

#[tokio::test]
async fn discovery_pointing_to_plain_http_elsewhere_is_refused() {
    let issuer = TestIssuer::start();
    issuer.update_behavior(|b| b.discovery_jwks_uri = Some("http://keys.example/jwks.json".into()));
    let verifier = Verifier::builder().discover(issuer.url()).audience(AUD).build().unwrap();
    let err = verifier.verify(&token(&issuer)).await.unwrap_err();
    assert_eq!(err.code(), "jwks_fetch_failed");
    assert!(err.message().contains("plain http"), "{}", err.message());
}

#[tokio::test]
async fn every_test_issuer_algorithm_round_trips() {
    let issuer = TestIssuer::with_algorithms(Algorithm::ASYMMETRIC);
    let verifier = builder(&issuer).build().unwrap();
    for kid in issuer.kids() {
        let token = signed_by(&issuer, &kid);
        verifier.verify(&token).await.unwrap_or_else(|e| panic!("{kid}: {e}"));
        let pem = issuer.public_key_pem(&kid).unwrap();
        let by_pem = Verifier::builder().pem(pem).audience(AUD).build().unwrap();
        by_pem.verify_with_held_keys(&token).unwrap_or_else(|e| panic!("{kid} via PEM: {e}"));
    }
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test]
async fn verify_or_fetch_hands_back_a_fetch_only_when_keys_are_missing() {
    let issuer = TestIssuer::start();
    let verifier = builder(&issuer).build().unwrap();
    let pending = verifier.verify_or_fetch(&token(&issuer)).expect_err("cold cache must fetch");
    let claims = pending.await.unwrap();
    assert_eq!(claims.subject(), Some("user-1"));
    let ready = verifier.verify_or_fetch(&token(&issuer)).ok().expect("warm cache answers at once");
    assert_eq!(ready.unwrap().subject(), Some("user-1"));
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test]
async fn verify_or_fetch_answers_a_bad_token_at_once_when_keys_are_held() {
    let issuer = TestIssuer::start();
    let verifier = builder(&issuer).build().unwrap();
    verifier.refresh().await.unwrap();
    let outcome = verifier.verify_or_fetch("not.a.token").ok().expect("no fetch for a malformed token");
    assert_eq!(outcome.unwrap_err().code(), "malformed");
}

#[tokio::test]
async fn verify_or_fetch_refetches_for_an_unknown_kid() {
    let issuer = TestIssuer::start();
    let verifier = builder(&issuer).build().unwrap();
    verifier.refresh().await.unwrap();
    let kid = issuer.rotate(Algorithm::ES256);
    let pending = verifier.verify_or_fetch(&signed_by(&issuer, &kid)).expect_err("new kid must refetch");
    pending.await.unwrap();
    assert_eq!(issuer.jwks_requests(), 2);
}
