//! tokenward's events reach an installed sink as plain data, and never carry
//! a token or its signature. Sinks are process-wide and these tests run in
//! parallel, so each test picks out its own events by its issuer's URL or kid.

use std::sync::{Arc, Mutex};

use serde_json::json;
use tokenward::events::{self, Event, Level, Value};
use tokenward::testing::{Behavior, TestIssuer};
use tokenward::Verifier;

struct Captured {
    events: Arc<Mutex<Vec<Event>>>,
    id: events::SinkId,
}

impl Captured {
    fn install() -> Captured {
        let events = Arc::new(Mutex::new(Vec::new()));
        let into = Arc::clone(&events);
        let id = events::install(Arc::new(move |e: &Event| into.lock().unwrap().push(e.clone()))).unwrap();
        Captured { events, id }
    }

    fn matching(&self, needle: &str) -> Vec<Event> {
        let events = self.events.lock().unwrap();
        events.iter().filter(|e| e.text().contains(needle)).cloned().collect()
    }
}

impl Drop for Captured {
    fn drop(&mut self) {
        events::remove(self.id);
    }
}

fn verifier(issuer: &TestIssuer) -> Verifier {
    Verifier::builder().jwks_url(issuer.jwks_url()).build().unwrap()
}

#[tokio::test]
async fn a_fetch_emits_an_info_event_with_the_url_and_key_count() {
    let captured = Captured::install();
    let issuer = TestIssuer::start();
    verifier(&issuer).verify(&issuer.mint(json!({"sub": "u"}))).await.unwrap();
    let fetched: Vec<Event> =
        captured.matching(&issuer.jwks_url()).into_iter().filter(|e| e.message == "JWKS fetched").collect();
    assert_eq!(fetched.len(), 1);
    let event = &fetched[0];
    assert_eq!((event.level, event.target, event.component()), (Level::Info, "tokenward::jwks", "jwks"));
    assert_eq!(event.field("url"), Some(&Value::Str(issuer.jwks_url())));
    assert_eq!(event.field("keys"), Some(&Value::U64(1)));
    assert_eq!(event.text(), format!("JWKS fetched url={} keys=1 skipped=0", issuer.jwks_url()));
}

#[tokio::test]
async fn a_failed_fetch_emits_a_warning_with_the_error_code() {
    let captured = Captured::install();
    let issuer = TestIssuer::start();
    issuer.set_behavior(Behavior { status: Some(503), ..Behavior::default() });
    let err = verifier(&issuer).verify(&issuer.mint(json!({"sub": "u"}))).await.unwrap_err();
    assert_eq!(err.code(), "jwks_fetch_failed");
    let failed = captured.matching(&issuer.jwks_url());
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!((failed[0].level, failed[0].message.as_str()), (Level::Warn, "JWKS fetch failed"));
    assert_eq!(failed[0].field("code"), Some(&Value::Str("jwks_fetch_failed".into())));
}

#[tokio::test]
async fn a_skipped_jwks_entry_emits_its_reason() {
    let captured = Captured::install();
    let issuer = TestIssuer::start();
    let mut jwks = issuer.jwks();
    jwks["keys"].as_array_mut().unwrap().push(json!({"kty": "XYZ", "kid": "events-test-bad-entry"}));
    issuer.set_behavior(Behavior { body: Some(jwks.to_string().into_bytes()), ..Behavior::default() });
    verifier(&issuer).verify(&issuer.mint(json!({"sub": "u"}))).await.unwrap();
    let skipped = captured.matching("events-test-bad-entry");
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0].message, "skipping unusable JWKS entry");
    assert_eq!(
        skipped[0].field("reason"),
        Some(&Value::Str("key \"events-test-bad-entry\": unsupported \"kty\" \"XYZ\"".into()))
    );
}

#[tokio::test]
async fn no_event_carries_the_token_or_its_signature() {
    let captured = Captured::install();
    let issuer = TestIssuer::start();
    let verifier = verifier(&issuer);
    let token = issuer.mint(json!({"sub": "u"}));
    verifier.verify(&token).await.unwrap();
    let unknown = issuer.mint_with(tokenward::testing::Mint {
        header: serde_json::Map::from_iter([("kid".to_owned(), json!("no-such-kid"))]),
        ..Default::default()
    });
    verifier.verify(&unknown).await.unwrap_err();
    let signature = token.rsplit('.').next().unwrap();
    let events = captured.events.lock().unwrap();
    assert!(events.iter().any(|e| e.text().contains("no-such-kid")), "the kid is named: {events:?}");
    for event in events.iter() {
        let text = event.text();
        assert!(!text.contains(&token) && !text.contains(signature), "{text}");
    }
}

#[tokio::test]
async fn a_panicking_sink_never_reaches_the_caller() {
    let _captured = Captured::install();
    let panicking = events::install(Arc::new(|_: &Event| panic!("sink panics"))).unwrap();
    let issuer = TestIssuer::start();
    let outcome = verifier(&issuer).verify(&issuer.mint(json!({"sub": "u"}))).await;
    events::remove(panicking);
    outcome.unwrap();
}
