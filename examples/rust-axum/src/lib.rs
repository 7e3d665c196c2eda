//! The seed flow in axum: the frontend posts the provider's payload to
//! `/login`; the backend verifies the access and id tokens with tokenward,
//! finds or creates the user in SQLite, and starts a session.
//!
//! Two kinds of session are shown side by side: the provider's access token
//! in an HttpOnly cookie, verified on every request by the [`Authenticated`]
//! extractor (`GET /me`), and the app's own opaque session id, looked up in
//! SQLite (`GET /session`).

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use base64::Engine;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};
use tokenward::axum::{Authenticated, Guard};
use tokenward::http::{is_json, GateConfig};
use tokenward::{Claims, Verifier};

pub mod page;

const SCHEMA: &str = include_str!("../../schema.sql");

const ACCESS_COOKIE: &str = "access_token";
const SESSION_COOKIE: &str = "sid";

/// Where the provider is and what the tokens must say.
pub struct Config {
    /// The provider's issuer URL; keys are found by OpenID Connect discovery.
    pub issuer: String,
    /// The `aud` of access tokens: this API.
    pub audience: String,
    /// The `aud` of id tokens: the frontend's client id.
    pub client_id: String,
    /// SQLite database file.
    pub database: String,
    /// Mark cookies `Secure` (true behind https).
    pub cookie_secure: bool,
}

#[derive(Clone)]
pub struct App {
    access: Verifier,
    identity: Verifier,
    // One connection: SQLite serialises writers anyway, and each query here is short.
    db: Arc<Mutex<Connection>>,
    cookie_secure: bool,
}

pub fn router(config: Config) -> Result<Router, Box<dyn std::error::Error>> {
    let access = Verifier::builder().discover(&config.issuer).audience(&config.audience).build()?;
    let identity = Verifier::builder().discover(&config.issuer).audience(&config.client_id).build()?;
    let db = Connection::open(&config.database)?;
    db.execute_batch(SCHEMA)?;
    // `/me` takes the access token from the Authorization header or the
    // cookie set at login; tokenward's Guard applies the request-side rules.
    let guard =
        Guard::new(access.clone(), GateConfig { cookie: Some(ACCESS_COOKIE.to_owned()), ..GateConfig::default() })?;
    let app = App { access, identity, db: Arc::new(Mutex::new(db)), cookie_secure: config.cookie_secure };
    Ok(Router::new()
        .route("/login", post(login))
        .route("/me", get(me).layer(Extension(guard)))
        .route("/session", get(session))
        .route("/logout", post(logout))
        .with_state(app))
}

/// A JSON error answer.
fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "error": "login_failed", "code": code, "message": message }))).into_response()
}

/// The status a tokenward error deserves: a bad token is 401, unavailable keys 503.
fn status_for(error: &tokenward::Error) -> StatusCode {
    if error.kind().is_token_problem() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// (access token, id token) from Cotter's or Secuuth's payload.
pub fn tokens_from(payload: &Value) -> (Option<&str>, Option<&str>) {
    match payload.get("oauth_token") {
        Some(oauth) => (oauth["access_token"].as_str(), oauth["id_token"].as_str()),
        None => (payload["accessToken"].as_str(), payload["idToken"].as_str()),
    }
}

/// The first `email` claim among verified claim sets (id token first).
fn verified_email<'a>(verified: &[&'a Claims]) -> Option<&'a str> {
    verified.iter().find_map(|claims| claims.get("email").and_then(Value::as_str).filter(|e| !e.is_empty()))
}

fn user_json(db: &Connection, sql: &str, key: &str) -> rusqlite::Result<Option<Value>> {
    db.query_row(sql, [key], |row| {
        Ok(json!({ "id": row.get::<_, i64>(0)?, "subject": row.get::<_, String>(1)?, "email": row.get::<_, Option<String>>(2)? }))
    })
    .optional()
}

const USER_BY_SUBJECT: &str = "SELECT id, subject, email FROM users WHERE subject = ?1";
const USER_BY_SESSION: &str = "SELECT users.id, users.subject, users.email FROM sessions \
     JOIN users ON users.id = sessions.user_id WHERE sessions.id = ?1";

fn set_cookie(headers: &mut HeaderMap, name: &str, value: &str, max_age: Option<i64>, secure: bool) {
    let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(seconds) = max_age {
        text.push_str(&format!("; Max-Age={seconds}"));
    }
    if secure {
        text.push_str("; Secure");
    }
    if let Ok(value) = HeaderValue::from_str(&text) {
        headers.append(SET_COOKIE, value);
    }
}

fn new_session_id() -> String {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).expect("system randomness");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

async fn login(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    // Only a JSON body: a cross-site form can post text/plain without a
    // preflight, and reading it would let another site log a visitor in.
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let payload: Value =
        if is_json(content_type) { serde_json::from_slice(&body).unwrap_or(Value::Null) } else { Value::Null };
    let (Some(access_token), Some(id_token)) = tokens_from(&payload) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "missing_tokens",
            "post the provider's payload with an access token and an id token",
        );
    };
    let verified = async {
        Ok::<_, tokenward::Error>((app.access.verify(access_token).await?, app.identity.verify(id_token).await?))
    };
    let (access, id) = match verified.await {
        Ok(both) => both,
        Err(e) => return refuse(status_for(&e), e.code(), e.message()),
    };
    let Some(subject) = access.subject().filter(|s| Some(*s) == id.subject()) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "subject_mismatch",
            "the access token and the id token are about different users",
        );
    };
    // What is stored about the user comes from verified claims only: the rest of
    // the posted payload is whatever the browser chose to send.
    let email = verified_email(&[&id, &access]);
    let session_id = new_session_id();
    let stored = {
        let db = app.db.lock().unwrap_or_else(|e| e.into_inner());
        (|| -> rusqlite::Result<(bool, Value)> {
            let created = db.execute(
                "INSERT INTO users (subject, email) VALUES (?1, ?2) ON CONFLICT(subject) DO NOTHING",
                params![subject, email],
            )? == 1;
            let user = user_json(&db, USER_BY_SUBJECT, subject)?.unwrap_or(Value::Null);
            db.execute("INSERT INTO sessions (id, user_id) VALUES (?1, ?2)", params![session_id, user["id"].as_i64()])?;
            Ok((created, user))
        })()
    };
    let (created, user) = match stored {
        Ok(stored) => stored,
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, "database", &e.to_string()),
    };
    let lifetime = match (access.get("exp").and_then(Value::as_i64), access.get("iat").and_then(Value::as_i64)) {
        (Some(exp), Some(iat)) => Some(exp - iat),
        _ => None,
    };
    let mut headers = HeaderMap::new();
    set_cookie(&mut headers, ACCESS_COOKIE, access_token, lifetime, app.cookie_secure);
    set_cookie(&mut headers, SESSION_COOKIE, &session_id, None, app.cookie_secure);
    (headers, Json(json!({ "user": user, "created": created }))).into_response()
}

async fn me(State(app): State<App>, Authenticated(claims): Authenticated) -> Response {
    let subject = claims.subject().unwrap_or_default();
    let user = user_json(&app.db.lock().unwrap_or_else(|e| e.into_inner()), USER_BY_SUBJECT, subject);
    match user {
        Ok(Some(user)) => Json(json!({ "user": user, "scopes": claims.scopes() })).into_response(),
        Ok(None) => refuse(StatusCode::NOT_FOUND, "unknown_user", "log in first"),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, "database", &e.to_string()),
    }
}

async fn session(State(app): State<App>, headers: HeaderMap) -> Response {
    let sid = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
    match user_json(&app.db.lock().unwrap_or_else(|e| e.into_inner()), USER_BY_SESSION, &sid) {
        Ok(Some(user)) => Json(json!({ "user": user })).into_response(),
        Ok(None) => refuse(StatusCode::UNAUTHORIZED, "no_session", "log in first"),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, "database", &e.to_string()),
    }
}

async fn logout(State(app): State<App>, headers: HeaderMap) -> Response {
    let sid = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
    let deleted = app.db.lock().unwrap_or_else(|e| e.into_inner()).execute("DELETE FROM sessions WHERE id = ?1", [sid]);
    if let Err(e) = deleted {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "database", &e.to_string());
    }
    let mut out = HeaderMap::new();
    set_cookie(&mut out, ACCESS_COOKIE, "", Some(0), app.cookie_secure);
    set_cookie(&mut out, SESSION_COOKIE, "", Some(0), app.cookie_secure);
    (out, Json(json!({ "ok": true }))).into_response()
}
