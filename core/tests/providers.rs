//! Provider presets over loopback HTTP (the shared table in
//! tests/providers/cases.json), and verifiers that trust several issuers.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};
use tokenward::testing::{Mint, TestIssuer};
use tokenward::{providers, Algorithm, ErrorCode, Spelling, Verifier};

fn cases() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/providers/cases.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("cases.json")).expect("cases.json is JSON")
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs() as i64
}

/// `"{{now+N}}"` and `"{{now-N}}"` to Unix times; everything else as written.
fn resolve(value: &Value) -> Value {
    match value.as_str().and_then(|s| s.strip_prefix("{{now").and_then(|s| s.strip_suffix("}}"))) {
        Some(offset) => json!(now() + offset.parse::<i64>().expect("{{now+N}}")),
        None => value.clone(),
    }
}

fn claims_of(base: &Map<String, Value>, patch: Option<&Value>) -> Map<String, Value> {
    let mut claims: Map<String, Value> = base.iter().map(|(k, v)| (k.clone(), resolve(v))).collect();
    for (k, v) in patch.and_then(Value::as_object).into_iter().flatten() {
        claims.insert(k.clone(), resolve(v));
    }
    claims
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(future)
}

#[test]
fn every_preset_accepts_its_tokens_and_refuses_each_broken_rule_with_its_code() {
    let mut checked = 0;
    for case in cases()["presets"].as_array().expect("presets") {
        let name = case["provider"].as_str().expect("provider");
        let alg: Algorithm = case["alg"].as_str().expect("alg").parse().expect("known alg");
        let issuer = TestIssuer::with_algorithms(&[alg]);
        let mut given = case["args"].clone();
        match case["keys"].as_str() {
            Some("x509") => given["x509_url"] = json!(issuer.x509_url()),
            _ => given["jwks_url"] = json!(issuer.jwks_url()),
        }
        let verifier = providers::build(name, given, Spelling::Snake).unwrap_or_else(|e| panic!("{name}: {e}"));
        let valid: Vec<Map<String, Value>> =
            case["valid"].as_array().expect("valid").iter().map(|c| c.as_object().expect("object").clone()).collect();
        for claims in &valid {
            let token = issuer.mint_with(Mint { claims: claims_of(claims, None), ..Mint::default() });
            let verified = block_on(verifier.verify(&token)).unwrap_or_else(|e| panic!("{name} {claims:?}: {e}"));
            assert_eq!(verified.issuer(), claims["iss"].as_str(), "{name}");
            checked += 1;
        }
        for row in case["refused"].as_array().expect("refused") {
            let why = row["why"].as_str().expect("why");
            let token =
                issuer.mint_with(Mint { claims: claims_of(&valid[0], Some(&row["claims"])), ..Mint::default() });
            let err = block_on(verifier.verify(&token)).expect_err(why);
            assert_eq!(err.code(), row["code"].as_str().expect("code"), "{name}: {why}: {err}");
            assert_eq!(err.failed_claim(), row["claim"].as_str(), "{name}: {why}: {err}");
            checked += 1;
        }
        if case["keys"] == "x509" {
            assert_eq!(
                issuer.requests(tokenward::testing::X509_PATH),
                1,
                "{name}: the certificate map is fetched once"
            );
        }
    }
    assert!(checked >= 50, "{checked} rows");
}

#[test]
fn a_preset_keeps_its_issuer_when_its_key_source_is_replaced() {
    let issuer = TestIssuer::with_algorithms(&[Algorithm::RS256]);
    let verifier = providers::preset("auth0", json!({"domain": "tenant.auth0.test", "audience": "api"}))
        .expect("preset")
        .jwks_url(issuer.jwks_url())
        .build()
        .expect("verifier");
    // The TestIssuer's own iss is not the preset's: the key source moved, the issuer did not.
    let token = issuer.mint(json!({"aud": "api"}));
    let err = block_on(verifier.verify(&token)).expect_err("foreign issuer");
    assert_eq!(err.kind(), ErrorCode::InvalidIssuer);
    assert_eq!(issuer.jwks_requests(), 0, "a token from a foreign issuer causes no key fetch");
}

fn single(issuer: &TestIssuer) -> Verifier {
    Verifier::builder().jwks_url(issuer.jwks_url()).issuer(issuer.url()).audience("api").build().expect("verifier")
}

#[test]
fn several_issuers_route_by_iss_and_never_share_keys() {
    let a = TestIssuer::start();
    let b = TestIssuer::start();
    let both = Verifier::any_of([("prod", single(&a)), ("staging", single(&b))]).expect("any_of");
    assert_eq!(both.issuer_configs(), ["prod", "staging"]);

    let from_a = a.mint(json!({"aud": "api", "sub": "u-a"}));
    let from_b = b.mint(json!({"aud": "api", "sub": "u-b"}));
    assert_eq!(block_on(both.verify(&from_a)).expect("a").issuer_config(), Some("prod"));
    assert_eq!(block_on(both.verify(&from_b)).expect("b").issuer_config(), Some("staging"));

    // Signed with A's key, claiming B: judged by B's keys only.
    let forged = a.mint(json!({"aud": "api", "iss": b.url()}));
    let err = block_on(both.verify(&forged)).expect_err("A's key claiming B");
    assert!(matches!(err.kind(), ErrorCode::KeyNotFound | ErrorCode::InvalidSignature), "{err}");

    // An issuer nobody configured: refused before any request.
    let (before_a, before_b) = (a.jwks_requests(), b.jwks_requests());
    let stranger = a.mint(json!({"aud": "api", "iss": "https://stranger.example"}));
    let err = block_on(both.verify(&stranger)).expect_err("unknown issuer");
    assert_eq!((err.kind(), err.failed_claim()), (ErrorCode::InvalidIssuer, Some("iss")));
    let no_iss = a.mint(json!({"aud": "api", "iss": null}));
    assert_eq!(block_on(both.verify(&no_iss)).expect_err("no iss").kind(), ErrorCode::MissingClaim);
    assert_eq!((a.jwks_requests(), b.jwks_requests()), (before_a, before_b));

    // The synchronous faces route the same way.
    assert_eq!(both.verify_with_held_keys(&from_b).expect("held").issuer_config(), Some("staging"));
    assert!(matches!(both.verify_or_fetch(&stranger), Ok(Err(e)) if e.kind() == ErrorCode::InvalidIssuer));
    assert!(both.has_keys());
    assert_eq!(both.stats().fetches, 2, "one fetch per issuer");
}

#[test]
fn any_of_refuses_configurations_it_could_not_route() {
    let a = TestIssuer::start();
    let no_issuer = Verifier::builder().jwks_url(a.jwks_url()).audience("api").build().expect("verifier");
    let err = Verifier::any_of([("a", no_issuer)]).expect_err("no issuer");
    assert!(err.message().contains("names no issuer"), "{err}");
    let err = Verifier::any_of([("a", single(&a)), ("b", single(&a))]).expect_err("same issuer twice");
    assert!(err.message().contains("two issuer configurations"), "{err}");
    let err = Verifier::any_of([("a", single(&a)), ("a", single(&TestIssuer::start()))]).expect_err("same name");
    assert_eq!(err.kind(), ErrorCode::Configuration);
    assert!(Verifier::any_of(Vec::<(String, Verifier)>::new()).is_err());
}

#[test]
fn an_entra_multi_tenant_app_in_a_verifier_beside_another_provider() {
    let entra_keys = TestIssuer::with_algorithms(&[Algorithm::RS256]);
    let auth0_keys = TestIssuer::with_algorithms(&[Algorithm::RS256]);
    let tenant = "11111111-1111-4111-8111-111111111111";
    let entra = providers::build(
        "entra",
        json!({"tenant": "common", "allowed_tenants": [tenant], "audience": "app", "jwks_url": entra_keys.jwks_url()}),
        Spelling::Snake,
    )
    .expect("entra");
    let auth0 = providers::build(
        "auth0",
        json!({"domain": "t.auth0.test", "audience": "app", "jwks_url": auth0_keys.jwks_url()}),
        Spelling::Snake,
    )
    .expect("auth0");
    let both = Verifier::any_of([("entra", entra), ("auth0", auth0)]).expect("any_of");
    let iss = format!("https://login.microsoftonline.com/{tenant}/v2.0");
    let token = entra_keys.mint(json!({"iss": iss, "tid": tenant, "aud": "app"}));
    assert_eq!(block_on(both.verify(&token)).expect("entra token").issuer_config(), Some("entra"));
    let token = auth0_keys.mint(json!({"iss": "https://t.auth0.test/", "aud": "app"}));
    assert_eq!(block_on(both.verify(&token)).expect("auth0 token").issuer_config(), Some("auth0"));
}
