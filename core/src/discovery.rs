//! OpenID Connect discovery (OpenID Connect Discovery 1.0 section 4):
//! issuer URL -> `/.well-known/openid-configuration` -> `jwks_uri`.

use serde_json::Value;
use url::Url;

use crate::error::{Error, ErrorCode};
use crate::jwks::{check_url, describe, read_body};

/// The discovery document URL for an issuer.
pub(crate) fn configuration_url(issuer: &Url) -> Url {
    let base = issuer.as_str().trim_end_matches('/');
    Url::parse(&format!("{base}/.well-known/openid-configuration")).expect("issuer is a valid URL")
}

/// Fetches the discovery document and returns its `jwks_uri`, refusing a
/// document whose `issuer` is not exactly the issuer asked for (section 4.3).
pub(crate) async fn resolve(client: &reqwest::Client, issuer: &Url, limit: usize) -> Result<Url, Error> {
    let url = configuration_url(issuer);
    let response = client
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| describe(&url, &e))?;
    let body = read_body(response, &url, limit, "discovery document").await?;
    let invalid = |m: String| Error::new(ErrorCode::JwksInvalid, format!("{url}: {m}"));
    let doc: Value = serde_json::from_slice(&body).map_err(|e| invalid(format!("not JSON ({e})")))?;
    let asked = issuer.as_str().trim_end_matches('/');
    match doc.get("issuer").and_then(Value::as_str) {
        Some(found) if found.trim_end_matches('/') == asked => {}
        Some(found) => {
            return Err(invalid(format!(
                "the document names issuer \"{found}\", not \"{asked}\"; refusing keys published for another issuer"
            )))
        }
        None => return Err(invalid("the document has no \"issuer\"".into())),
    }
    let jwks_uri = doc
        .get("jwks_uri")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("the document has no \"jwks_uri\"".into()))?;
    check_url(jwks_uri, "jwks_uri").map_err(|m| Error::new(ErrorCode::JwksFetchFailed, m))
}
