//! The shared table of HTTP cases (tests/http/cases.json), run over real
//! HTTP against the axum extractors. The Flask, FastAPI, Express and Fastify
//! adapters run the same table in their own test suites.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::response::IntoResponse;
use axum::routing::any;
use axum::{Extension, Json, Router};
use base64::Engine;
use serde_json::{json, Map, Value};
use tokenward::axum::{AuthenticatedBody, Guard, MaybeAuthenticated};
use tokenward::http::GateConfig;
use tokenward::testing::{Mint, TestIssuer};
use tokenward::Verifier;

fn table() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/http/cases.json");
    serde_json::from_slice(&std::fs::read(path).expect("read cases.json")).expect("cases.json is JSON")
}

/// Mints every token the table names, by its spec.
fn mint_all(issuer: &TestIssuer, doc: &Value) -> Map<String, Value> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let mut out = Map::new();
    for (name, spec) in doc["tokens"].as_object().unwrap() {
        let mut claims = Map::from_iter([("aud".to_owned(), doc["audience"].clone())]);
        claims.insert("exp".into(), json!(now + spec.get("exp_in").and_then(Value::as_i64).unwrap_or(600)));
        claims.extend(spec["claims"].as_object().unwrap().clone());
        let mut header = Map::new();
        if let Some(kid) = spec.get("kid") {
            header.insert("kid".into(), kid.clone());
        }
        let mut token = issuer.mint_with(Mint { claims, header, ..Mint::default() });
        if spec.get("tamper").and_then(Value::as_bool) == Some(true) {
            let (input, sig) = token.rsplit_once('.').unwrap();
            let mut sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sig).unwrap();
            sig[0] ^= 1;
            token = format!("{input}.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig));
        }
        out.insert(name.clone(), Value::String(token));
    }
    out
}

/// `{{name}}` -> that token, `{{pad:N}}` -> N x's, a whole `{{nest:N}}` -> N nested arrays.
fn fill(text: &str, tokens: &Map<String, Value>) -> String {
    if let Some(n) = text.strip_prefix("{{nest:").and_then(|t| t.strip_suffix("}}")) {
        return "[".repeat(n.parse().unwrap());
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let end = start + rest[start..].find("}}").expect("a closed placeholder");
        let name = &rest[start + 2..end];
        out.push_str(&rest[..start]);
        match name.strip_prefix("pad:") {
            Some(n) => out.push_str(&"x".repeat(n.parse().unwrap())),
            None => out.push_str(tokens[name].as_str().expect("a token the table mints")),
        }
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

async fn answer(claims: Option<tokenward::Claims>) -> axum::response::Response {
    Json(json!({ "sub": claims.as_ref().and_then(|c| c.subject()) })).into_response()
}

fn app(doc: &Value, issuer: &TestIssuer) -> Router {
    let audience = doc["audience"].as_str().unwrap();
    let verifier =
        Verifier::builder().jwks_url(issuer.jwks_url()).issuer(issuer.url()).audience(audience).build().unwrap();
    let down = Verifier::builder()
        .jwks_url("http://127.0.0.1:9/.well-known/jwks.json")
        .timeout(Duration::from_secs(2))
        .audience(audience)
        .build()
        .unwrap();
    let mut router = Router::new();
    for (path, settings) in doc["routes"].as_object().unwrap() {
        let mut settings = settings.as_object().unwrap().clone();
        let chosen = match settings.remove("keys") {
            Some(_) => down.clone(),
            None => verifier.clone(),
        };
        let config = GateConfig::from_json(Value::Object(settings.clone())).unwrap();
        let reads_body = config.json_path.is_some();
        let guard = Guard::new(chosen, config).unwrap();
        let route = if reads_body {
            any(|AuthenticatedBody(claims, _): AuthenticatedBody| answer(Some(claims)))
        } else {
            any(|MaybeAuthenticated(claims): MaybeAuthenticated| answer(claims))
        };
        router = router.route(path, route.layer(Extension(guard)));
    }
    router
}

#[test]
fn every_http_case_gets_the_expected_answer_from_the_axum_extractors() {
    let doc = table();
    let issuer = TestIssuer::start();
    let tokens = mint_all(&issuer, &doc);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let failures = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = app(&doc, &issuer);
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let mut failures = Vec::new();
        let cases = doc["cases"].as_array().unwrap();
        assert!(cases.len() >= 40, "only {} cases", cases.len());
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let method = reqwest::Method::from_bytes(case["method"].as_str().unwrap().as_bytes()).unwrap();
            let mut request = client.request(method, format!("{base}{}", case["path"].as_str().unwrap()));
            for pair in case["headers"].as_array().unwrap() {
                request = request.header(pair[0].as_str().unwrap(), fill(pair[1].as_str().unwrap(), &tokens));
            }
            if let Some(body) = case.get("body").and_then(Value::as_str) {
                request = request.body(fill(body, &tokens));
                if let Some(ct) = case.get("content_type").and_then(Value::as_str) {
                    request = request.header("content-type", ct);
                }
            }
            let response = request.send().await.unwrap();
            let problems = check(&case["expect"], response).await;
            if !problems.is_empty() {
                failures.push(format!("{name}: {}", problems.join("; ")));
            }
        }
        failures
    });
    assert!(failures.is_empty(), "{} cases failed:\n{}", failures.len(), failures.join("\n"));
}

/// What in `response` differs from `expect`.
async fn check(expect: &Value, response: reqwest::Response) -> Vec<String> {
    let mut problems = Vec::new();
    let status = response.status().as_u16();
    let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap_or("").to_owned());
    let challenge = header("www-authenticate");
    let location = header("location");
    let retry_after = header("retry-after");
    let body: Value = serde_json::from_slice(&response.bytes().await.unwrap_or_default()).unwrap_or(Value::Null);
    if status != expect["status"].as_u64().unwrap() as u16 {
        problems.push(format!("status {status}, expected {} (body {body})", expect["status"]));
    }
    if let Some(code) = expect.get("code") {
        if body.get("code") != Some(code) {
            problems.push(format!("code {:?}, expected {code}", body.get("code")));
        }
    }
    if let Some(error) = expect.get("error").and_then(Value::as_str) {
        let wanted = format!("error=\"{error}\"");
        if !challenge.as_deref().unwrap_or("").contains(&wanted) {
            problems.push(format!("challenge {challenge:?} lacks {wanted}"));
        }
    }
    if let Some(exact) = expect.get("challenge").and_then(Value::as_str) {
        if challenge.as_deref() != Some(exact) {
            problems.push(format!("challenge {challenge:?}, expected {exact:?}"));
        }
    }
    for param in ["scope", "realm"] {
        if let Some(value) = expect.get(param).and_then(Value::as_str) {
            let wanted = format!("{param}=\"{value}\"");
            if !challenge.as_deref().unwrap_or("").contains(&wanted) {
                problems.push(format!("challenge {challenge:?} lacks {wanted}"));
            }
        }
    }
    if let Some(max) = expect.get("challenge_max").and_then(Value::as_u64) {
        if challenge.as_deref().map_or(0, str::len) as u64 > max {
            problems.push(format!("challenge is {} bytes", challenge.as_deref().map_or(0, str::len)));
        }
    }
    if let Some(wanted) = expect.get("location").and_then(Value::as_str) {
        if location.as_deref() != Some(wanted) {
            problems.push(format!("location {location:?}, expected {wanted:?}"));
        }
    }
    if let Some(wanted) = expect.get("retry_after").and_then(Value::as_str) {
        if retry_after.as_deref() != Some(wanted) {
            problems.push(format!("retry-after {retry_after:?}, expected {wanted:?}"));
        }
    }
    if let Some(sub) = expect.get("sub") {
        if body.get("sub") != Some(sub) {
            problems.push(format!("sub {:?}, expected {sub}", body.get("sub")));
        }
    }
    problems
}
