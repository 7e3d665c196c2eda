//! Readiness, key snapshots and fetch metrics, against a TestIssuer over
//! loopback HTTP.

use serde_json::{json, Value};
use tokenward::testing::{Behavior, TestIssuer};
use tokenward::{ErrorCode, Verifier, FETCH_LATENCY_BUCKETS_MS};

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(future)
}

fn remote(issuer: &TestIssuer) -> Verifier {
    Verifier::builder().jwks_url(issuer.jwks_url()).issuer(issuer.url()).build().expect("verifier")
}

#[test]
fn status_says_whether_keys_are_held_and_warm_up_fetches_them_once() {
    let issuer = TestIssuer::start();
    let verifier = remote(&issuer);
    let cold = verifier.status();
    assert!(cold.remote && !cold.keys_held && !cold.fresh && cold.age_seconds.is_none());
    let warm = block_on(verifier.warm_up()).expect("warm up");
    assert!(warm.keys_held && warm.fresh && warm.key_count == 1);
    assert!(warm.age_seconds.expect("age") < 5.0 && warm.fresh_for_seconds.expect("freshness") > 500.0);
    block_on(verifier.warm_up()).expect("second warm up");
    assert_eq!(issuer.jwks_requests(), 1, "fresh keys are not fetched again");

    let fixed = Verifier::builder().pem(issuer.public_key_pem(&issuer.kids()[0]).expect("pem")).build().expect("pem");
    let status = fixed.status();
    assert!(!status.remote && status.keys_held && status.key_count == 1);
}

#[test]
fn a_failed_warm_up_reports_the_error_and_status_keeps_it() {
    let issuer = TestIssuer::start();
    issuer.set_behavior(Behavior { status: Some(503), ..Behavior::default() });
    let verifier = remote(&issuer);
    let err = block_on(verifier.warm_up()).expect_err("503");
    assert_eq!(err.kind(), ErrorCode::JwksFetchFailed);
    let status = verifier.status();
    assert!(!status.keys_held);
    assert!(status.last_error.expect("last error").contains("503"));
}

#[test]
fn stats_count_held_keys_and_measure_fetches() {
    let issuer = TestIssuer::start();
    issuer.add_key(tokenward::Algorithm::RS256);
    let verifier = remote(&issuer);
    block_on(verifier.refresh()).expect("fetch");
    block_on(verifier.refresh()).expect("fetch again");
    let stats = verifier.stats();
    assert_eq!(stats.keys, 2);
    let latency = stats.fetch_latency;
    assert_eq!(latency.count, 2);
    assert_eq!(latency.buckets.len(), FETCH_LATENCY_BUCKETS_MS.len() + 1);
    assert_eq!(latency.buckets.iter().sum::<u64>(), 2);
    assert!(latency.last_micros.expect("last") > 0 && latency.sum_micros >= latency.last_micros.unwrap_or(0));
}

#[test]
fn a_verifier_built_from_a_snapshot_verifies_without_fetching() {
    let issuer = TestIssuer::start();
    let parent = remote(&issuer);
    block_on(parent.warm_up()).expect("warm up");
    let snapshot = parent.export_keys().expect("export");
    let child = Verifier::builder()
        .jwks_url(issuer.jwks_url())
        .issuer(issuer.url())
        .keys_snapshot(&snapshot)
        .build()
        .expect("from snapshot");
    let token = issuer.mint(json!({"sub": "u"}));
    assert_eq!(child.verify_with_held_keys(&token).expect("held keys").subject(), Some("u"));
    assert_eq!(block_on(child.verify(&token)).expect("verify").subject(), Some("u"));
    assert!(child.status().fresh);
    assert_eq!(issuer.jwks_requests(), 1, "only the parent fetched");
}

#[test]
fn keys_from_an_expired_snapshot_are_refetched_and_a_foreign_snapshot_is_refused() {
    let issuer = TestIssuer::start();
    let parent = remote(&issuer);
    block_on(parent.warm_up()).expect("warm up");
    let mut snapshot: Value = serde_json::from_str(&parent.export_keys().expect("export")).expect("JSON");
    let fetched = snapshot["fetched_at"].as_f64().expect("fetched_at") - 700.0;
    snapshot["fetched_at"] = json!(fetched);
    snapshot["fresh_until"] = json!(fetched + 600.0);
    let child = Verifier::builder()
        .jwks_url(issuer.jwks_url())
        .keys_snapshot(snapshot.to_string())
        .build()
        .expect("from an expired snapshot");
    assert!(!child.status().fresh && child.status().keys_held, "expired keys are still held, within max_stale");
    block_on(child.verify(&issuer.mint(json!({})))).expect("verify");
    assert_eq!(issuer.jwks_requests(), 2, "the child refetched expired keys");

    let other = TestIssuer::start();
    let err = Verifier::builder().jwks_url(other.jwks_url()).keys_snapshot(snapshot.to_string()).build().unwrap_err();
    assert_eq!(err.kind(), ErrorCode::Configuration);
    assert!(err.message().contains("not of"), "{err}");
    let err = Verifier::builder().jwks_url(issuer.jwks_url()).keys_snapshot("{}").build().unwrap_err();
    assert!(err.message().contains("export_keys"), "{err}");
}

#[test]
fn a_snapshot_stays_fresh_no_longer_than_a_fetch_could_make_it_and_a_too_old_one_is_ignored() {
    let issuer = TestIssuer::start();
    let parent = remote(&issuer);
    block_on(parent.warm_up()).expect("warm up");
    let mut snapshot: Value = serde_json::from_str(&parent.export_keys().expect("export")).expect("JSON");
    let fetched = snapshot["fetched_at"].as_f64().expect("fetched_at");
    snapshot["fresh_until"] = json!(fetched + 315_000_000.0);
    let child =
        Verifier::builder().jwks_url(issuer.jwks_url()).keys_snapshot(snapshot.to_string()).build().expect("child");
    let left = child.status().fresh_for_seconds.expect("fresh for");
    assert!(left <= 86_400.0, "capped at the largest max-age a fetch honours, got {left}");

    snapshot["fetched_at"] = json!(fetched - 200_000.0);
    snapshot["fresh_until"] = json!(fetched - 199_000.0);
    let child =
        Verifier::builder().jwks_url(issuer.jwks_url()).keys_snapshot(snapshot.to_string()).build().expect("child");
    assert!(!child.status().keys_held, "past max_stale: started without it");

    snapshot["fetched_at"] = json!(fetched + 3600.0);
    let err = Verifier::builder().jwks_url(issuer.jwks_url()).keys_snapshot(snapshot.to_string()).build().unwrap_err();
    assert!(err.message().contains("impossible"), "{err}");
}

#[test]
fn a_snapshot_of_a_discovered_issuer_needs_no_discovery_either() {
    let issuer = TestIssuer::start();
    let parent = Verifier::builder().discover(issuer.url()).build().expect("verifier");
    block_on(parent.warm_up()).expect("warm up");
    let snapshot = parent.export_keys().expect("export");
    let child = Verifier::builder().discover(issuer.url()).keys_snapshot(&snapshot).build().expect("child");
    block_on(child.verify(&issuer.mint(json!({})))).expect("verify");
    assert_eq!(issuer.requests(tokenward::testing::DISCOVERY_PATH), 1);
    assert_eq!(issuer.jwks_requests(), 1);
    let mut other: Value = serde_json::from_str(&snapshot).expect("JSON");
    other["issuer"] = json!("https://someone-else.example");
    let err = Verifier::builder().discover(issuer.url()).keys_snapshot(other.to_string()).build().unwrap_err();
    assert!(err.message().contains("names issuer"), "{err}");
}

#[test]
fn nothing_to_export_before_a_fetch_or_for_static_keys() {
    let issuer = TestIssuer::start();
    assert_eq!(remote(&issuer).export_keys().unwrap_err().kind(), ErrorCode::JwksNotLoaded);
    let fixed = Verifier::builder().jwks_json(issuer.jwks().to_string()).build().expect("static");
    assert_eq!(fixed.export_keys().unwrap_err().kind(), ErrorCode::Configuration);
}

#[test]
fn a_key_rotated_in_during_an_outage_is_a_fetch_failure_then_verifies_once_the_provider_is_back() {
    let issuer = TestIssuer::start();
    let verifier = remote(&issuer);
    block_on(verifier.warm_up()).expect("warm up");
    let new_kid = issuer.add_key(tokenward::Algorithm::ES256);
    let token = issuer.mint_with(tokenward::testing::Mint { kid: Some(new_kid), ..Default::default() });
    issuer.set_behavior(Behavior { status: Some(503), ..Behavior::default() });
    let during = block_on(verifier.verify(&token)).expect_err("outage");
    assert_eq!(during.kind(), ErrorCode::JwksFetchFailed, "a valid token is never key_not_found for want of a fetch");
    let again = block_on(verifier.verify(&token)).expect_err("still out, within the backoff");
    assert_eq!(again.kind(), ErrorCode::JwksFetchFailed);
    issuer.set_behavior(Behavior::default());
    std::thread::sleep(std::time::Duration::from_millis(1100));
    block_on(verifier.verify(&token))
        .expect("the provider is back: the first retry comes after 1 s, not the 30 s cooldown");
    // A kid the provider never published is still the token's problem.
    let mut header = serde_json::Map::new();
    header.insert("kid".into(), json!("never-published"));
    let stranger = issuer.mint_with(tokenward::testing::Mint { header, ..Default::default() });
    assert_eq!(block_on(verifier.verify(&stranger)).expect_err("unknown").kind(), ErrorCode::KeyNotFound);
}

#[test]
fn tokens_from_foreign_issuers_or_with_no_iss_never_cause_a_fetch_even_with_discovery() {
    let issuer = TestIssuer::start();
    let verifier = Verifier::builder().discover(issuer.url()).build().expect("verifier");
    let foreign = issuer.mint(json!({"iss": "https://evil.example"}));
    assert_eq!(block_on(verifier.verify(&foreign)).expect_err("foreign").kind(), ErrorCode::InvalidIssuer);
    let anonymous = issuer.mint(json!({"iss": null}));
    assert_eq!(block_on(verifier.verify(&anonymous)).expect_err("no iss").kind(), ErrorCode::MissingClaim);
    assert_eq!(issuer.requests(tokenward::testing::DISCOVERY_PATH) + issuer.jwks_requests(), 0);
    // The issuer as typed (with or without its trailing slash) still fetches and verifies.
    block_on(verifier.verify(&issuer.mint(json!({})))).expect("own token");
    assert_eq!(issuer.jwks_requests(), 1);
}
