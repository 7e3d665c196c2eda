//! Bounded HTTP GETs for key sets and discovery documents: which URLs may be
//! fetched, how a body is read under a size cap, and how a URL appears in a
//! message that can leave the process (never with credentials or a query).

use std::net::IpAddr;

use url::Url;

use crate::error::{truncate, Error, ErrorCode};

/// Checks a key-set or discovery URL: https, or plain http to a loopback host.
pub(crate) fn check_url(text: &str, what: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("{what} \"{}\" is not a URL ({e})", redact_text(text)))?;
    let shown = redact(&url);
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(format!(
            "{what} \"{shown}\" uses plain http; keys must come over https (http is allowed only for loopback addresses)"
        )),
        other => Err(format!("{what} \"{shown}\" has scheme \"{other}\"; expected https")),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// The URL as it may appear in messages, stats and logs: without user info,
/// query or fragment, which can carry credentials (`?api_key=...`).
pub(crate) fn redact(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    truncate(shown.as_str())
}

/// [`redact`] for text that may not even parse as a URL.
pub(crate) fn redact_text(text: &str) -> String {
    match Url::parse(text) {
        Ok(url) => redact(&url),
        Err(_) => {
            let cut = text.find(['?', '#']).unwrap_or(text.len());
            let head = &text[..cut];
            let head = head.rsplit_once('@').map_or(head, |(_, host)| host);
            truncate(head)
        }
    }
}

pub(crate) fn fetch_failed(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::JwksFetchFailed, message)
}

/// A transport failure, described without the URL's secrets.
pub(crate) fn describe(url: &Url, e: reqwest::Error) -> Error {
    let e = e.without_url();
    let mut what = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        e.to_string()
    };
    // The causes name the real problem (refused, DNS, certificate...).
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        let text = s.to_string();
        if !what.contains(&text) {
            what = format!("{what}: {text}");
        }
        source = s.source();
    }
    fetch_failed(format!("GET {} {}", redact(url), truncate_long(&what)))
}

/// Transport causes can nest deeply; keep a message readable.
fn truncate_long(text: &str) -> &str {
    const MAX: usize = 300;
    if text.len() <= MAX {
        return text;
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Reads a 200 response body up to `limit` bytes; anything else is an error.
pub(crate) async fn read_body(
    mut response: reqwest::Response,
    url: &Url,
    limit: usize,
    what: &str,
) -> Result<Vec<u8>, Error> {
    let status = response.status();
    let shown = redact(url);
    if status.is_redirection() {
        let to = response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("?");
        return Err(fetch_failed(format!(
            "GET {shown} answered {status} redirecting to {}; redirects are not followed, configure the final URL",
            redact_text(to)
        )));
    }
    if !status.is_success() {
        return Err(fetch_failed(format!("GET {shown} answered {status}; expected 200 with the {what}")));
    }
    let too_large =
        || fetch_failed(format!("GET {shown}: the {what} is larger than the {limit}-byte limit (max_jwks_bytes)"));
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| describe(url, e))? {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_never_carry_credentials_or_a_query() {
        let url = Url::parse("https://user:pw@keys.example/jwks?api_key=s3cret#frag").unwrap();
        assert_eq!(redact(&url), "https://keys.example/jwks");
        assert_eq!(redact_text("not a url user:pw@host/x?api_key=s3cret"), "host/x");
        let refused = check_url("http://user:pw@keys.example/jwks?api_key=s3cret", "jwks_url").unwrap_err();
        assert!(!refused.contains("s3cret") && !refused.contains("pw@"), "{refused}");
    }
}
