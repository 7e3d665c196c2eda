//! OpenID Connect discovery (OpenID Connect Discovery 1.0 section 4):
//! issuer URL -> `/.well-known/openid-configuration` -> `jwks_uri` and the
//! issuer the provider names.

use serde_json::Value;
use url::Url;

use crate::error::{truncate, Error, ErrorCode};
use crate::fetch::{check_url, describe, read_body, redact};

/// What a validated discovery document says.
pub(crate) struct Discovered {
    /// The document's `issuer`, exactly as published: tokens carry this `iss`
    /// (Auth0's ends in `/`, whether or not the user typed one).
    pub issuer: String,
    pub jwks_uri: Url,
}

/// Checks a discovery URL: a key-set URL rule, and no query or fragment,
/// since the document's path is appended to it.
pub(crate) fn check_issuer_url(text: &str) -> Result<Url, Error> {
    let url = check_url(text, "discover").map_err(Error::config)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!(
            "discover \"{}\" has a query or fragment; give the issuer URL alone",
            redact(&url)
        )));
    }
    Ok(url)
}

/// The discovery document URL for an issuer.
pub(crate) fn configuration_url(issuer: &Url) -> Url {
    let mut url = issuer.clone();
    let path = format!("{}/.well-known/openid-configuration", issuer.path().trim_end_matches('/'));
    url.set_path(&path);
    url
}

/// Fetches the discovery document, refusing one whose `issuer` is not the
/// issuer asked for (section 4.3; a trailing `/` aside).
pub(crate) async fn resolve(client: &reqwest::Client, issuer: &Url, limit: usize) -> Result<Discovered, Error> {
    let url = configuration_url(issuer);
    let response = client
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| describe(&url, e))?;
    let body = read_body(response, &url, limit, "discovery document").await?;
    let shown = redact(&url);
    let invalid = |m: String| Error::new(ErrorCode::JwksInvalid, format!("{shown}: {m}"));
    let doc: Value = serde_json::from_slice(&body).map_err(|e| invalid(format!("not JSON ({e})")))?;
    let asked = issuer.as_str().trim_end_matches('/');
    let issuer = match doc.get("issuer").and_then(Value::as_str) {
        Some(found) if found.trim_end_matches('/') == asked => found.to_owned(),
        Some(found) => {
            return Err(invalid(format!(
                "the document names issuer \"{}\", not \"{}\"; refusing keys published for another issuer",
                truncate(found),
                redact(issuer)
            )))
        }
        None => return Err(invalid("the document has no \"issuer\"".into())),
    };
    let jwks_uri = doc
        .get("jwks_uri")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("the document has no \"jwks_uri\"".into()))?;
    let jwks_uri = check_url(jwks_uri, "jwks_uri").map_err(|m| Error::new(ErrorCode::JwksFetchFailed, m))?;
    Ok(Discovered { issuer, jwks_uri })
}
