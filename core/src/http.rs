//! The request side of authentication, written once for every framework:
//! where the token is (RFC 6750 section 2), what the claims must hold beyond
//! the verifier's policy (scopes, claim checks), and the answer (status,
//! `WWW-Authenticate` challenge, redirect). An adapter (Flask, Express,
//! FastAPI, Fastify, axum) hands a [`Gate`] what the request holds, verifies
//! the token the gate found, and turns the gate's [`Answer`] into its
//! framework's response. If two adapters could answer one request
//! differently, a rule has leaked out of this module.

use std::borrow::Cow;

use serde_json::{json, Value};

use crate::claims::{scopes_of, Claims};
use crate::error::{truncate, Error, ErrorCode};
use crate::token::JsonObject;

/// Default largest request body read for a token in a JSON body: 64 KiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;

/// Default `Retry-After` of a 503 (keys unavailable), in seconds.
pub const DEFAULT_RETRY_AFTER: u64 = 30;

/// Longest `error_description` in a challenge, in bytes.
const DESCRIPTION_MAX: usize = 200;

/// Where a token may be, and what to do around it. Every field has the
/// default an adapter gets when the app sets nothing.
#[derive(Debug, Clone)]
pub struct GateConfig {
    /// Read `Authorization: Bearer <token>`. Defaults to true.
    pub header: bool,
    /// Read this cookie. Defaults to none.
    pub cookie: Option<String>,
    /// Read this dotted path of a JSON body (`oauth_token.access_token`).
    /// Defaults to none. The body is read only when the request's
    /// `Content-Type` is JSON: a cross-site form may post `text/plain`
    /// without a preflight, and reading it would allow login CSRF.
    pub json_path: Option<String>,
    /// Largest body read for `json_path`, in bytes; larger is 413. Defaults to 65 536.
    pub max_body_bytes: usize,
    /// Let requests without any token through (a bad token is still refused). Defaults to false.
    pub optional: bool,
    /// Scopes the token must all grant (`scope`, else `scp`). Defaults to none.
    pub scopes: Vec<String>,
    /// Claim checks the token must all pass. Defaults to none.
    pub claims: Vec<ClaimCheck>,
    /// `realm` of the challenge. Defaults to none.
    pub realm: Option<String>,
    /// Redirect a 401 here (302, with `next` = the request's path) instead
    /// of answering it. Defaults to none.
    pub login_url: Option<String>,
    /// `Retry-After` of a 503, in seconds. Defaults to 30.
    pub retry_after: u64,
}

impl Default for GateConfig {
    fn default() -> Self {
        GateConfig {
            header: true,
            cookie: None,
            json_path: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            optional: false,
            scopes: Vec::new(),
            claims: Vec::new(),
            realm: None,
            login_url: None,
            retry_after: DEFAULT_RETRY_AFTER,
        }
    }
}

impl GateConfig {
    /// Reads settings from a JSON object with snake_case keys, as the
    /// bindings pass them: `header`, `cookie`, `json_path`,
    /// `max_body_bytes`, `optional`, `scopes`, `claims` (a list of
    /// `{"includes": path, "values": [...]}` or `{"equals": path, "value": v}`),
    /// `realm`, `login_url`, `retry_after`. An unknown key or a wrong type is
    /// a `configuration` error.
    pub fn from_json(value: Value) -> Result<GateConfig, Error> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Given {
            header: Option<bool>,
            cookie: Option<String>,
            json_path: Option<String>,
            max_body_bytes: Option<usize>,
            optional: Option<bool>,
            scopes: Option<Vec<String>>,
            claims: Option<Vec<GivenCheck>>,
            realm: Option<String>,
            login_url: Option<String>,
            retry_after: Option<u64>,
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct GivenCheck {
            includes: Option<String>,
            values: Option<crate::options::OneOrMany>,
            equals: Option<String>,
            value: Option<Value>,
        }
        let given: Given =
            serde_json::from_value(value).map_err(|e| Error::config(format!("bad authentication settings: {e}")))?;
        let defaults = GateConfig::default();
        let claims = given
            .claims
            .unwrap_or_default()
            .into_iter()
            .map(|c| match c {
                GivenCheck { includes: Some(path), values: Some(values), equals: None, value: None } => {
                    Ok(ClaimCheck::Includes { path, values: values.into_vec() })
                }
                GivenCheck { equals: Some(path), value: Some(value), includes: None, values: None } => {
                    Ok(ClaimCheck::Equals { path, value })
                }
                _ => Err(Error::config(
                    "a claim check is {\"includes\": path, \"values\": [...]} or {\"equals\": path, \"value\": value}",
                )),
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(GateConfig {
            header: given.header.unwrap_or(defaults.header),
            cookie: given.cookie,
            json_path: given.json_path,
            max_body_bytes: given.max_body_bytes.unwrap_or(defaults.max_body_bytes),
            optional: given.optional.unwrap_or(defaults.optional),
            scopes: given.scopes.unwrap_or_default(),
            claims,
            realm: given.realm,
            login_url: given.login_url,
            retry_after: given.retry_after.unwrap_or(defaults.retry_after),
        })
    }
}

/// A rule on a claim, for roles, groups, permissions and tenants.
#[derive(Debug, Clone, PartialEq)]
pub enum ClaimCheck {
    /// The values found at `path` include every one of `values`.
    Includes {
        /// Where the values are (see [`claim_values`]).
        path: String,
        /// What they must include.
        values: Vec<String>,
    },
    /// The value at `path` equals `value` (any-of when `path` reaches several).
    Equals {
        /// Where the value is (see [`claim_values`]).
        path: String,
        /// What it must equal.
        value: Value,
    },
}

/// What an adapter read from the request. Header values are given as the
/// request carried them, one entry per header line.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestParts<'a> {
    /// Every `Authorization` header.
    pub authorization: &'a [&'a str],
    /// Every `Cookie` header.
    pub cookie: &'a [&'a str],
    /// The `Content-Type` header.
    pub content_type: Option<&'a str>,
    /// The body, when the adapter read it (only needed with `json_path`).
    pub body: Option<&'a [u8]>,
    /// The request's path and query, for the login redirect's `next`.
    pub path: &'a str,
}

/// What the adapter sends instead of running the handler.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Headers to set (`WWW-Authenticate`, `Retry-After`, `Location`).
    pub headers: Vec<(&'static str, String)>,
    /// The stable code: `missing_token`, `invalid_request`,
    /// `insufficient_scope`, `claim_check_failed`, `payload_too_large`, a
    /// verifier code (`token_expired`...), or `keys_unavailable`.
    pub code: Cow<'static, str>,
    /// The body: `{"error", "code", "message"}` as JSON text (empty for a redirect).
    pub body: String,
}

/// Where the request's token was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// `Authorization: Bearer`.
    Header,
    /// The configured cookie.
    Cookie,
    /// The configured JSON body path.
    Body,
}

/// One configuration of the request-side rules; build it once per route.
#[derive(Debug, Clone)]
pub struct Gate {
    config: GateConfig,
    body_path: Option<Vec<String>>,
}

impl Gate {
    /// Checks the configuration: a non-empty `json_path`, a positive body
    /// limit, non-empty scopes and claim paths.
    pub fn new(config: GateConfig) -> Result<Gate, Error> {
        if !config.header && config.cookie.is_none() && config.json_path.is_none() {
            return Err(Error::config("the token must be read from somewhere: header, cookie or json_path"));
        }
        if config.cookie.as_deref() == Some("") {
            return Err(Error::config("cookie must name a cookie"));
        }
        if config.max_body_bytes == 0 {
            return Err(Error::config("max_body_bytes must be positive"));
        }
        if config.scopes.iter().any(|s| s.is_empty() || s.contains(char::is_whitespace)) {
            return Err(Error::config("each scope must be one non-empty word"));
        }
        let body_path = match &config.json_path {
            None => None,
            Some(path) if path.split('.').any(str::is_empty) => {
                return Err(Error::config(format!("json_path \"{}\" has an empty segment", truncate(path))))
            }
            Some(path) => Some(path.split('.').map(str::to_owned).collect()),
        };
        for check in &config.claims {
            let path = match check {
                ClaimCheck::Includes { path, .. } | ClaimCheck::Equals { path, .. } => path,
            };
            if path.is_empty() {
                return Err(Error::config("a claim check needs a claim path"));
            }
        }
        Ok(Gate { config, body_path })
    }

    /// The settings this gate applies.
    pub fn config(&self) -> &GateConfig {
        &self.config
    }

    /// True when the adapter must read the body (JSON `Content-Type` and a
    /// `json_path`) before calling [`locate`](Self::locate).
    pub fn wants_body(&self, content_type: Option<&str>) -> bool {
        self.body_path.is_some() && is_json(content_type)
    }

    /// Finds the request's token: `Ok(Some)` with where it was, `Ok(None)`
    /// when there is none and the gate is optional, or the answer (400 for
    /// a malformed header or a token in two places, 401 for no token, 413
    /// for a body over the limit).
    pub fn locate(&self, request: &RequestParts<'_>) -> Result<Option<(String, Place)>, Answer> {
        let mut found: Vec<(String, Place)> = Vec::with_capacity(1);
        if self.config.header {
            if request.authorization.len() > 1 {
                return Err(self.invalid_request("the request has several Authorization headers"));
            }
            if let Some(value) = request.authorization.first() {
                if let Some(token) = bearer(value).map_err(|why| self.invalid_request(why))? {
                    found.push((token.to_owned(), Place::Header));
                }
            }
        }
        if let Some(name) = &self.config.cookie {
            if let Some(token) = cookie(request.cookie, name).filter(|t| !t.is_empty()) {
                found.push((token, Place::Cookie));
            }
        }
        if let (Some(path), true) = (&self.body_path, is_json(request.content_type)) {
            if let Some(body) = request.body {
                if body.len() > self.config.max_body_bytes {
                    return Err(self.too_large());
                }
                if let Some(token) = body_field(body, path).filter(|t| !t.is_empty()) {
                    found.push((token, Place::Body));
                }
            }
        }
        match found.len() {
            0 if self.config.optional => Ok(None),
            0 => Err(self.missing(request)),
            1 => Ok(found.pop()),
            _ => Err(self.invalid_request("the request presents a token in more than one place; use one")),
        }
    }

    /// Judges a verification: the claims when the token passed and holds
    /// the scopes and claim checks, else the answer (401, 403, 503 or 500).
    pub fn judge(&self, request: &RequestParts<'_>, verdict: Result<Claims, Error>) -> Result<Claims, Answer> {
        let claims = match verdict {
            Ok(claims) => claims,
            Err(e) if e.kind().is_token_problem() => {
                return Err(self.unauthorized(request, Some("invalid_token"), e.code().into(), e.message()))
            }
            Err(e) if e.kind() == ErrorCode::Internal => {
                return Err(self.answer(
                    500,
                    "server_error",
                    "internal".into(),
                    "the token could not be checked".into(),
                    None,
                ))
            }
            Err(_) => {
                let mut answer = self.answer(
                    503,
                    "temporarily_unavailable",
                    "keys_unavailable".into(),
                    "the signing keys are unavailable; try again later".into(),
                    None,
                );
                answer.headers.push(("Retry-After", self.config.retry_after.to_string()));
                return Err(answer);
            }
        };
        self.check_claims(claims.as_object()).map(|()| claims)
    }

    /// The scopes and claim checks alone, on claims already verified.
    pub fn check_claims(&self, claims: &JsonObject) -> Result<(), Answer> {
        let granted = scopes_of(claims);
        let missing: Vec<&str> =
            self.config.scopes.iter().map(String::as_str).filter(|s| !granted.contains(s)).collect();
        if !missing.is_empty() {
            return Err(self.answer(
                403,
                "insufficient_scope",
                "insufficient_scope".into(),
                format!("the token lacks the scope(s) {}", missing.join(" ")),
                Some(self.config.scopes.join(" ")),
            ));
        }
        for check in &self.config.claims {
            if let Some(why) = failed(check, claims) {
                return Err(self.answer(403, "insufficient_claims", "claim_check_failed".into(), why, None));
            }
        }
        Ok(())
    }

    /// The answer to a request without a token: 401 with a bare challenge,
    /// or the login redirect.
    pub fn missing(&self, request: &RequestParts<'_>) -> Answer {
        self.unauthorized(request, None, "missing_token".into(), "this request needs a bearer token")
    }

    /// The answer to a body over `max_body_bytes` (an adapter that stops
    /// reading at the limit answers this).
    pub fn too_large(&self) -> Answer {
        self.answer(
            413,
            "invalid_request",
            "payload_too_large".into(),
            format!("the body is over the {}-byte limit", self.config.max_body_bytes),
            None,
        )
    }

    fn invalid_request(&self, why: &str) -> Answer {
        self.answer(400, "invalid_request", "invalid_request".into(), why.to_owned(), None)
    }

    /// A 401, or the login redirect when one is configured. `error` is None
    /// for a request with no token (a bare challenge, RFC 6750 section 3.1).
    fn unauthorized(
        &self,
        request: &RequestParts<'_>,
        error: Option<&str>,
        code: Cow<'static, str>,
        message: &str,
    ) -> Answer {
        if let Some(login) = &self.config.login_url {
            let separator = if login.contains('?') { '&' } else { '?' };
            let next = percent_encode(request.path);
            return Answer {
                status: 302,
                headers: vec![("Location", format!("{login}{separator}next={next}"))],
                code,
                body: String::new(),
            };
        }
        match error {
            Some(error) => self.answer(401, error, code, message.to_owned(), None),
            None => {
                let mut answer = self.answer(401, "missing_token", code, message.to_owned(), None);
                answer.headers = vec![("WWW-Authenticate", self.challenge(None, "", None))];
                answer
            }
        }
    }

    fn answer(
        &self,
        status: u16,
        error: &str,
        code: Cow<'static, str>,
        message: String,
        scope: Option<String>,
    ) -> Answer {
        let mut headers = Vec::new();
        if status == 401 || status == 403 {
            headers.push(("WWW-Authenticate", self.challenge(Some(error), &message, scope.as_deref())));
        }
        let body = json!({ "error": error, "code": code, "message": message }).to_string();
        Answer { status, headers, code, body }
    }

    fn challenge(&self, error: Option<&str>, description: &str, scope: Option<&str>) -> String {
        let mut params = Vec::new();
        if let Some(realm) = &self.config.realm {
            params.push(format!("realm={}", quoted(realm)));
        }
        if let Some(error) = error {
            params.push(format!("error=\"{error}\""));
            params.push(format!("error_description={}", quoted(description)));
        }
        if let Some(scope) = scope {
            params.push(format!("scope={}", quoted(scope)));
        }
        if params.is_empty() {
            "Bearer".to_owned()
        } else {
            format!("Bearer {}", params.join(", "))
        }
    }
}

/// RFC 6750 section 3: a quoted-string of printable ASCII without `"` and
/// `\`, cut to a bounded length (token content can reach a description).
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(DESCRIPTION_MAX) + 2);
    out.push('"');
    for c in text.chars().filter(|c| (' '..='~').contains(c) && *c != '"' && *c != '\\') {
        if out.len() > DESCRIPTION_MAX {
            out.push_str("...");
            break;
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `Authorization` per RFC 6750 section 2.1: `Bearer` (any case), one or
/// more spaces, one b64token. Another scheme is no bearer token at all.
fn bearer(value: &str) -> Result<Option<&str>, &'static str> {
    let value = value.trim_matches(|c| c == ' ' || c == '\t');
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    let token = rest.trim_start_matches(' ');
    if token.is_empty() {
        return Err("the Authorization header names Bearer but carries no token");
    }
    let body = token.trim_end_matches('=');
    let valid = !body.is_empty()
        && body.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/'));
    if !valid {
        return Err("the Authorization header's credential is not one bearer token (RFC 6750 section 2.1)");
    }
    Ok(Some(token))
}

/// The first cookie called `name` across the `Cookie` headers, as werkzeug
/// reads it: a double-quoted value is unquoted, nothing is percent-decoded.
fn cookie(headers: &[&str], name: &str) -> Option<String> {
    for pair in headers.iter().flat_map(|h| h.split(';')) {
        let Some((key, value)) = pair.split_once('=') else { continue };
        if key.trim() != name {
            continue;
        }
        let value = value.trim();
        let unquoted = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .map_or_else(|| value.to_owned(), |inner| inner.replace("\\\"", "\"").replace("\\\\", "\\"));
        return Some(unquoted);
    }
    None
}

/// True for a JSON media type (`application/json`, `application/*+json`):
/// the only bodies a token or a login payload is read from.
pub fn is_json(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return false };
    let media = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

/// The string at `path` in a JSON body; anything unreadable is no token.
fn body_field(body: &[u8], path: &[String]) -> Option<String> {
    let mut value: Value = serde_json::from_slice(body).ok()?;
    for part in path {
        value = value.as_object_mut()?.remove(part)?;
    }
    match value {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// The values a claim path reaches in `claims`, flattened to strings:
///
/// - `.` descends into an object: `realm_access.roles`;
/// - a member whose name itself contains dots is matched whole, the longest
///   name first: `https://example.com/roles`;
/// - `[]` after a segment walks every item of an array:
///   `tenants[].roles[].role_name`;
/// - an array of strings gives its items, a string gives its
///   space-separated words, a number or a boolean its JSON text.
pub fn claim_values(claims: &JsonObject, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    walk_object(claims, path, &mut out);
    out
}

fn walk_object(object: &JsonObject, path: &str, out: &mut Vec<String>) {
    // Every prefix of `path` that ends where a segment may end, longest first.
    let mut ends: Vec<usize> = path.match_indices('.').map(|(i, _)| i).collect();
    ends.push(path.len());
    for &end in ends.iter().rev() {
        let head = &path[..end];
        let (name, each) = match head.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (head, false),
        };
        let Some(value) = object.get(name) else { continue };
        let rest = path.get(end + 1..).unwrap_or("");
        if each {
            if let Value::Array(items) = value {
                for item in items {
                    walk_value(item, rest, out);
                }
            }
        } else {
            walk_value(value, rest, out);
        }
        return;
    }
}

fn walk_value(value: &Value, rest: &str, out: &mut Vec<String>) {
    if !rest.is_empty() {
        if let Value::Object(object) = value {
            walk_object(object, rest, out);
        }
        return;
    }
    match value {
        Value::String(s) => out.extend(s.split_whitespace().map(str::to_owned)),
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::String(s) => out.push(s.clone()),
                    Value::Number(_) | Value::Bool(_) => out.push(item.to_string()),
                    _ => {}
                }
            }
        }
        Value::Number(_) | Value::Bool(_) => out.push(value.to_string()),
        _ => {}
    }
}

/// Why `check` fails on `claims`, or None when it passes.
fn failed(check: &ClaimCheck, claims: &JsonObject) -> Option<String> {
    match check {
        ClaimCheck::Includes { path, values } => {
            let found = claim_values(claims, path);
            let missing: Vec<&str> =
                values.iter().map(String::as_str).filter(|v| !found.iter().any(|f| f == v)).collect();
            (!missing.is_empty())
                .then(|| format!("the claim {} lacks {}", truncate(path), crate::error::quoted(&missing)))
        }
        ClaimCheck::Equals { path, value } => {
            let wanted = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let found = claim_values(claims, path);
            (!found.contains(&wanted))
                .then(|| format!("the claim {} is not {}", truncate(path), crate::error::quoted(&[wanted])))
        }
    }
}

/// `next=` value: everything but unreserved characters and `/` escaped.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(value: Value) -> JsonObject {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    #[test]
    fn claim_paths_reach_nested_namespaced_and_array_claims() {
        let c = claims(json!({
            "realm_access": { "roles": ["admin", "user"] },
            "https://example.com/roles": "editor viewer",
            "tenants": [
                { "roles": [{ "role_name": "owner" }, { "role_name": "member" }] },
                { "roles": [{ "role_name": "guest" }] }
            ],
            "org": { "id": 42 }
        }));
        assert_eq!(claim_values(&c, "realm_access.roles"), ["admin", "user"]);
        assert_eq!(claim_values(&c, "https://example.com/roles"), ["editor", "viewer"]);
        assert_eq!(claim_values(&c, "tenants[].roles[].role_name"), ["owner", "member", "guest"]);
        assert_eq!(claim_values(&c, "org.id"), ["42"]);
        assert!(claim_values(&c, "realm_access.nothing").is_empty());
    }

    #[test]
    fn bearer_follows_rfc_6750_syntax() {
        assert_eq!(bearer("Bearer abc.def-_~+/=="), Ok(Some("abc.def-_~+/==")));
        assert_eq!(bearer("bEaReR   abc"), Ok(Some("abc")));
        assert_eq!(bearer("Basic dXNlcjpwdw=="), Ok(None));
        assert!(bearer("Bearer").is_err());
        assert!(bearer("Bearer a b").is_err());
        assert!(bearer("Bearer a=b").is_err());
    }

    #[test]
    fn challenge_descriptions_are_sanitised_and_bounded() {
        let text = format!("bad \"kid\" \\ {}\n{}", "x".repeat(500), '\u{7}');
        let q = quoted(&text);
        assert!(q.len() < DESCRIPTION_MAX + 10, "{}", q.len());
        assert!(!q[1..q.len() - 1].contains(['"', '\\', '\n', '\u{7}']));
    }
}
