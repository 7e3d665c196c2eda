//! The axum example over real HTTP, against a TestIssuer acting as the provider.

use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use tokenward::testing::TestIssuer;
use tokenward_example_axum::{router, Config};

const AUDIENCE: &str = "my-api";
const CLIENT_ID: &str = "my-client";

struct Running {
    base: String,
    issuer: TestIssuer,
    database: std::path::PathBuf,
    client: Client,
}

async fn start() -> Running {
    let issuer = TestIssuer::start();
    let dir =
        std::env::temp_dir().join(format!("tokenward-axum-{}-{:?}", std::process::id(), std::thread::current().id()));
    std::fs::create_dir_all(&dir).unwrap();
    let database = dir.join("users.db");
    let _ = std::fs::remove_file(&database);
    let app = router(Config {
        issuer: issuer.url(),
        audience: AUDIENCE.into(),
        client_id: CLIENT_ID.into(),
        database: database.to_string_lossy().into_owned(),
        cookie_secure: false,
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Running { base, issuer, database, client: Client::new() }
}

impl Running {
    fn tokens(&self, sub: &str, access: Value) -> (String, String) {
        let mut claims = json!({ "sub": sub, "aud": AUDIENCE, "scope": "profile" });
        claims.as_object_mut().unwrap().extend(access.as_object().unwrap().clone());
        let id = self.issuer.mint(json!({ "sub": sub, "aud": CLIENT_ID, "email": format!("{sub}@example.com") }));
        (self.issuer.mint(claims), id)
    }

    async fn login(&self, body: Value) -> Response {
        self.login_as(body, "application/json").await
    }

    async fn login_as(&self, body: Value, content_type: &str) -> Response {
        let url = format!("{}/login", self.base);
        self.client.post(url).header("content-type", content_type).body(body.to_string()).send().await.unwrap()
    }

    async fn get(&self, path: &str, cookies: &str) -> Response {
        self.client.get(format!("{}{path}", self.base)).header(COOKIE, cookies).send().await.unwrap()
    }
}

fn cotter((access, id): (String, String)) -> Value {
    json!({
        "email": "user-1@example.com",
        "oauth_token": { "access_token": access, "id_token": id, "token_type": "Bearer" },
        "user": { "ID": "abcdefgh", "identifier": "user-1@example.com" }
    })
}

/// The cookies a browser would send back.
fn jar(response: &Response) -> String {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

async fn body(response: Response) -> Value {
    serde_json::from_str(&response.text().await.unwrap()).unwrap()
}

#[tokio::test]
async fn first_login_creates_the_user_and_the_second_finds_them() {
    let app = start().await;
    let first = body(app.login(cotter(app.tokens("user-1", json!({})))).await).await;
    assert_eq!(first["created"], true);
    let second = body(app.login(cotter(app.tokens("user-1", json!({})))).await).await;
    assert_eq!(second["created"], false);
    assert_eq!(second["user"], first["user"]);
    let db = rusqlite::Connection::open(&app.database).unwrap();
    let count: i64 = db.query_row("SELECT COUNT(*) FROM users WHERE subject = 'user-1'", [], |r| r.get(0)).unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn secuuth_payload_logs_in_too() {
    let app = start().await;
    let (access, id) = app.tokens("user-2", json!({}));
    let r = app.login(json!({ "accessToken": access, "idToken": id, "refreshToken": "r" })).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await["user"]["subject"], "user-2");
}

#[tokio::test]
async fn both_session_cookies_authorise_later_requests_until_logout() {
    let app = start().await;
    let cookies = jar(&app.login(cotter(app.tokens("user-1", json!({})))).await);
    let me = app.get("/me", &cookies).await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(body(me).await["scopes"], json!(["profile"]));
    assert_eq!(body(app.get("/session", &cookies).await).await["user"]["subject"], "user-1");
    let out = app.client.post(format!("{}/logout", app.base)).header(COOKIE, &cookies).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::OK);
    assert_eq!(jar(&out), "access_token=; sid=", "both cookies are cleared");
    assert_eq!(app.get("/session", &cookies).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn me_without_a_token_is_401_with_a_bearer_challenge() {
    let app = start().await;
    let r = app.get("/me", "").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn bad_access_tokens_are_refused_with_their_code() {
    let app = start().await;
    for (change, code) in [
        (json!({ "exp": 1_000_000 }), "token_expired"),
        (json!({ "aud": "another-api" }), "invalid_audience"),
        (json!({ "iss": "https://other-issuer.example" }), "invalid_issuer"),
    ] {
        let r = app.login(cotter(app.tokens("user-1", change))).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(body(r).await["code"], code);
    }
}

#[tokio::test]
async fn a_tampered_access_token_is_refused() {
    let app = start().await;
    let (access, id) = app.tokens("user-1", json!({}));
    let parts: Vec<&str> = access.split('.').collect();
    let forged_payload = app.issuer.mint(json!({ "sub": "admin", "aud": AUDIENCE }));
    let forged = format!("{}.{}.{}", parts[0], forged_payload.split('.').nth(1).unwrap(), parts[2]);
    let r = app.login(cotter((forged.clone(), id))).await;
    assert_eq!(body(r).await["code"], "invalid_signature");
    let me = app.client.get(format!("{}/me", app.base)).bearer_auth(&forged).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    assert!(me.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer error=\"invalid_token\""));
}

#[tokio::test]
async fn the_id_token_must_be_addressed_to_the_client_and_about_the_same_user() {
    let app = start().await;
    let (access, _) = app.tokens("user-1", json!({}));
    let id_for_api = app.issuer.mint(json!({ "sub": "user-1", "aud": AUDIENCE }));
    assert_eq!(body(app.login(cotter((access.clone(), id_for_api))).await).await["code"], "invalid_audience");
    let (_, other_id) = app.tokens("user-9", json!({}));
    assert_eq!(body(app.login(cotter((access, other_id))).await).await["code"], "subject_mismatch");
}

#[tokio::test]
async fn a_payload_without_tokens_is_400() {
    let app = start().await;
    assert_eq!(app.login(json!({ "email": "x@example.com" })).await.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_stored_email_comes_from_verified_claims_never_from_the_posted_body() {
    let app = start().await;
    let email = "user-3@example.com";
    for (subject, id_email, access_email, stored) in [
        ("user-3", Some(email), None, json!(email)),
        ("user-4", None, Some(email), json!(email)),
        ("user-5", None, None, Value::Null),
    ] {
        let mut access = json!({ "sub": subject, "aud": AUDIENCE });
        let mut id = json!({ "sub": subject, "aud": CLIENT_ID });
        if let Some(e) = access_email {
            access["email"] = json!(e);
        }
        if let Some(e) = id_email {
            id["email"] = json!(e);
        }
        let mut payload = cotter((app.issuer.mint(access), app.issuer.mint(id)));
        payload["email"] = json!("victim@example.com");
        let r = app.login(payload).await;
        assert_eq!(r.status(), StatusCode::OK, "{subject}");
        assert_eq!(body(r).await["user"]["email"], stored, "{subject}");
        let db = rusqlite::Connection::open(&app.database).unwrap();
        let kept: Option<String> =
            db.query_row("SELECT email FROM users WHERE subject = ?1", [subject], |r| r.get(0)).unwrap();
        assert_eq!(kept.map(Value::from).unwrap_or(Value::Null), stored, "{subject}");
    }
}

#[tokio::test]
async fn a_malformed_session_cookie_is_an_unknown_session() {
    let app = start().await;
    for sid in ["%E0%A4%A", "%zz", "%", "\"%\"", "\"unterminated", "\"quoted\"", ""] {
        let cookie = format!("sid={sid}");
        let r = app.get("/session", &cookie).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{sid}");
        assert_eq!(body(r).await["code"], "no_session", "{sid}");
        let out = app.client.post(format!("{}/logout", app.base)).header(COOKIE, &cookie).send().await.unwrap();
        assert_eq!(out.status(), StatusCode::OK, "{sid}");
    }
}

#[tokio::test]
async fn a_login_posted_as_text_plain_is_refused_like_any_non_json_body() {
    let app = start().await;
    let payload = cotter(app.tokens("user-1", json!({})));
    let response = app.login_as(payload, "text/plain").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "a cross-site form must not log anyone in");
    assert_eq!(body(response).await["code"], "missing_tokens");
}
