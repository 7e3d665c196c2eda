//! Feature `axum`: the request-side rules of [`crate::http`] as axum
//! extractors. A route layer puts a [`Guard`] (a verifier and a gate) in the
//! request's extensions; a handler that takes [`Authenticated`] runs only
//! with a token the guard accepted.
//!
//! ```no_run
//! use axum::{routing::get, Extension, Router};
//! use tokenward::axum::{Authenticated, Guard};
//! use tokenward::http::GateConfig;
//!
//! # fn app(verifier: tokenward::Verifier) -> Result<Router, tokenward::Error> {
//! let guard = Guard::new(verifier, GateConfig { scopes: vec!["profile".into()], ..GateConfig::default() })?;
//! let app = Router::new()
//!     .route("/me", get(|Authenticated(claims): Authenticated| async move {
//!         claims.subject().unwrap_or_default().to_owned()
//!     }))
//!     .layer(Extension(guard));
//! # Ok(app) }
//! ```

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::claims::Claims;
use crate::error::Error;
use crate::http::{Answer, Gate, GateConfig, RequestParts};
use crate::verifier::Verifier;

/// A verifier and the request-side rules of one route (or router). Cheap to
/// clone; put it in the request extensions with `axum::Extension`.
#[derive(Clone, Debug)]
pub struct Guard {
    verifier: Verifier,
    gate: Arc<Gate>,
}

impl Guard {
    /// A guard applying `config` with `verifier`; `configuration` when the
    /// settings are inconsistent.
    pub fn new(verifier: Verifier, config: GateConfig) -> Result<Guard, Error> {
        Ok(Guard { verifier, gate: Arc::new(Gate::new(config)?) })
    }

    /// The claims of the request's token, or the answer to send instead.
    /// `body` is the request body when the gate reads a JSON body path.
    pub async fn check(
        &self,
        headers: &HeaderMap,
        path: &str,
        body: Option<&[u8]>,
    ) -> Result<Option<Claims>, Rejection> {
        let all = |name: HeaderName| -> Vec<&str> {
            headers.get_all(name).iter().map(|v| v.to_str().unwrap_or("\u{fffd}")).collect()
        };
        let (authorization, cookie) = (all(AUTHORIZATION), all(COOKIE));
        let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let request = RequestParts { authorization: &authorization, cookie: &cookie, content_type, body, path };
        let Some((token, _)) = self.gate.locate(&request).map_err(Rejection)? else {
            return Ok(None);
        };
        let verdict = crate::panic::contain_future(async { self.verifier.verify(&token).await }).await;
        self.gate.judge(&request, verdict).map(Some).map_err(Rejection)
    }
}

/// The verified claims of the request's token (header or cookie). A route
/// whose guard reads a JSON body takes [`AuthenticatedBody`] instead.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Claims);

/// Like [`Authenticated`], but `None` when the request carried no token and
/// the guard is `optional`.
#[derive(Debug, Clone)]
pub struct MaybeAuthenticated(pub Option<Claims>);

/// The verified claims, reading the body when the guard has a `json_path`
/// (so it must be the handler's last argument); the body is handed on.
#[derive(Debug, Clone)]
pub struct AuthenticatedBody(pub Claims, pub Bytes);

/// The answer sent instead of the handler: the status, challenge and JSON
/// body the core's [`Gate`] chose.
#[derive(Debug, Clone)]
pub struct Rejection(pub Answer);

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let Answer { status, headers, body, .. } = self.0;
        let mut response =
            (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), body).into_response();
        let out = response.headers_mut();
        if status != 302 {
            out.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        for (name, value) in headers {
            if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
                out.insert(name, value);
            }
        }
        response
    }
}

fn guard(parts: &Parts) -> Result<&Guard, Rejection> {
    parts.extensions.get::<Guard>().ok_or_else(|| {
        Rejection(Answer {
            status: 500,
            headers: Vec::new(),
            code: "configuration".into(),
            body: r#"{"error":"server_error","code":"configuration","message":"no tokenward Guard on this route"}"#
                .into(),
        })
    })
}

fn path(parts: &Parts) -> &str {
    parts.uri.path_and_query().map_or("/", |p| p.as_str())
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeAuthenticated {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Rejection> {
        let guard = guard(parts)?.clone();
        guard.check(&parts.headers, path(parts), None).await.map(MaybeAuthenticated)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Rejection> {
        let MaybeAuthenticated(claims) = MaybeAuthenticated::from_request_parts(parts, state).await?;
        let guard = guard(parts)?;
        claims.map(Authenticated).ok_or_else(|| no_token(guard, parts))
    }
}

impl<S: Send + Sync> FromRequest<S> for AuthenticatedBody {
    type Rejection = Rejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Rejection> {
        let (parts, body) = request.into_parts();
        let guard = guard(&parts)?.clone();
        let limit = guard.gate.config().max_body_bytes;
        let content_type = parts.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let limit = if guard.gate.wants_body(content_type) { limit } else { usize::MAX };
        let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| Rejection(guard.gate.too_large()))?;
        let _ = state;
        let claims = guard.check(&parts.headers, path(&parts), Some(&bytes)).await?;
        claims.map(|c| AuthenticatedBody(c, bytes)).ok_or_else(|| no_token(&guard, &parts))
    }
}

/// An optional guard let a request without a token through, but this
/// extractor needs one: answer as for a missing token.
fn no_token(guard: &Guard, parts: &Parts) -> Rejection {
    Rejection(guard.gate.missing(&RequestParts { path: path(parts), ..RequestParts::default() }))
}
