//! `NativeGate`: the core's request-side rules (`tokenward::http::Gate`) for
//! the Express and Fastify adapters. The adapter hands over what the request
//! holds and the verifier's verdict; the gate says where the token is and
//! what to answer. Every decision is the core's, so the adapters and the axum
//! extractors answer one request alike.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;
use tokenward::http::{Answer, Gate, GateConfig, RequestParts};
use tokenward::{contain, ErrorCode};

use crate::errors::ErrorDetail;

/// The gate of one route; gate.js wraps it.
#[napi]
pub struct NativeGate {
    inner: Gate,
    max_body_bytes: usize,
}

/// What the adapter sends instead of running the handler.
#[napi(object)]
pub struct GateAnswer {
    /// HTTP status.
    pub status: u32,
    /// `[name, value]` pairs: `WWW-Authenticate`, `Retry-After`, `Location`.
    pub headers: Vec<Vec<String>>,
    /// The stable code of the answer (`missing_token`, `token_expired`, ...).
    pub code: String,
    /// The body as JSON text (empty for a redirect).
    pub body: String,
}

impl From<Answer> for GateAnswer {
    fn from(answer: Answer) -> Self {
        GateAnswer {
            status: u32::from(answer.status),
            headers: answer.headers.into_iter().map(|(name, value)| vec![name.to_owned(), value]).collect(),
            code: answer.code.into_owned(),
            body: answer.body,
        }
    }
}

/// What the request holds, as the adapter read it.
#[napi(object)]
pub struct GateRequest {
    /// Every `Authorization` header line.
    pub authorization: Vec<String>,
    /// Every `Cookie` header line.
    pub cookie: Vec<String>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The body, when the adapter has it.
    pub body: Option<Buffer>,
    /// The request's path and query, for the login redirect's `next`.
    pub path: String,
}

/// A gate's decision: the token found (`token`, or none of the three on an
/// optional route without one), the answer to send, or a failure of
/// tokenward itself.
#[napi(object)]
pub struct Decision {
    pub token: Option<String>,
    pub answer: Option<GateAnswer>,
    pub error: Option<ErrorDetail>,
}

/// The token (or none), the answer, or a failure of tokenward itself.
type Outcome = std::result::Result<std::result::Result<Option<String>, Answer>, tokenward::Error>;

impl Decision {
    fn from_outcome(outcome: Outcome) -> Self {
        match outcome {
            Ok(Ok(token)) => Decision { token, answer: None, error: None },
            Ok(Err(answer)) => Decision { token: None, answer: Some(answer.into()), error: None },
            Err(e) => Decision { token: None, answer: None, error: Some(ErrorDetail::from(&e)) },
        }
    }
}

fn strs(values: &[String]) -> Vec<&str> {
    values.iter().map(String::as_str).collect()
}

/// Builds a gate from snake_case settings (gate.js spells them from camelCase).
#[napi]
pub fn create_gate(settings: Value) -> Either<NativeGate, ErrorDetail> {
    let built = contain(|| {
        let config = GateConfig::from_json(settings)?;
        let max_body_bytes = config.max_body_bytes;
        Ok((Gate::new(config)?, max_body_bytes))
    });
    match built {
        Ok((inner, max_body_bytes)) => Either::A(NativeGate { inner, max_body_bytes }),
        Err(e) => Either::B(ErrorDetail::from(&e)),
    }
}

#[napi]
impl NativeGate {
    /// The largest body the gate reads, in bytes: an adapter that reads the
    /// body itself stops one byte past it (the gate then answers 413).
    #[napi(getter)]
    pub fn max_body_bytes(&self) -> f64 {
        self.max_body_bytes as f64
    }

    /// True when a body with this Content-Type may hold the token.
    #[napi]
    pub fn wants_body(&self, content_type: Option<String>) -> bool {
        contain(|| Ok(self.inner.wants_body(content_type.as_deref()))).unwrap_or(false)
    }

    /// The request's token, nothing (optional route), or the answer.
    #[napi]
    pub fn locate(&self, request: GateRequest) -> Decision {
        Decision::from_outcome(contain(|| {
            let authorization = strs(&request.authorization);
            let cookie = strs(&request.cookie);
            let parts = RequestParts {
                authorization: &authorization,
                cookie: &cookie,
                content_type: request.content_type.as_deref(),
                body: request.body.as_deref(),
                path: &request.path,
            };
            Ok(self.inner.locate(&parts).map(|found| found.map(|(token, _)| token)))
        }))
    }

    /// The answer to a refused verification, from the refusal's parts
    /// (`ERR_TOKEN_EXPIRED`, ...); an unknown code is an internal failure.
    #[napi]
    pub fn refuse(&self, code: String, message: String, claim: Option<String>, path: String) -> Decision {
        Decision::from_outcome(contain(|| {
            let kind = code.strip_prefix("ERR_").unwrap_or(&code).to_ascii_lowercase().parse::<ErrorCode>();
            let error = match kind {
                Ok(kind) => tokenward::Error::from_parts(kind, claim, message),
                Err(()) => tokenward::Error::internal(message),
            };
            let parts = RequestParts { path: &path, ..RequestParts::default() };
            Ok(self.inner.judge(&parts, Err(error)).map(|_| None))
        }))
    }

    /// The scopes and claim checks on verified claims (an object, or its
    /// JSON text): nothing when they pass, else the answer.
    #[napi]
    pub fn check(&self, claims: Value) -> Decision {
        Decision::from_outcome(contain(|| {
            let claims = match claims {
                Value::String(text) => serde_json::from_str(&text)
                    .map_err(|e| tokenward::Error::internal(format!("the claims are not JSON: {e}")))?,
                other => other,
            };
            let Value::Object(claims) = claims else {
                return Err(tokenward::Error::internal("the claims are not a JSON object"));
            };
            Ok(self.inner.check_claims(&claims).map(|()| None))
        }))
    }
}
