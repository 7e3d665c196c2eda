//! Bounded HTTP GETs for key sets and discovery documents: which URLs may be
//! fetched, the client that fetches them (trusted roots, proxy), how a body is
//! read under a size cap, and how a URL appears in a message that can leave
//! the process (never with credentials or a query).

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use url::Url;

use crate::error::{truncate, Error, ErrorCode};

/// How a client reaches key-set servers: the `timeout`, `ca_file`, `ca_only`
/// and `proxy` options.
pub(crate) struct Transport<'a> {
    pub(crate) timeout: Duration,
    pub(crate) ca_file: Option<&'a Path>,
    pub(crate) ca_only: bool,
    pub(crate) proxy: Option<&'a str>,
}

/// The HTTP client for key sets, discovery and X.509 maps: no redirects, the
/// timeout, the system roots plus (or, with `ca_only`, only) the `ca_file`
/// bundle, and the `proxy` or else the environment's `HTTPS_PROXY`,
/// `HTTP_PROXY`, `ALL_PROXY` (either case), minus the hosts `NO_PROXY` lists.
/// A bad `ca_file` or `proxy` is a `configuration` error that names it.
pub(crate) fn client(transport: Transport<'_>) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(transport.timeout)
        .connect_timeout(transport.timeout)
        // Fetches are minutes apart and the runtime driving them may be
        // replaced (a forked child builds a new one): keep no idle connections.
        .pool_max_idle_per_host(0)
        .user_agent(concat!("tokenward/", env!("CARGO_PKG_VERSION")));
    let shown_file = transport.ca_file.map(|p| p.display().to_string());
    match (transport.ca_file, transport.ca_only) {
        (Some(path), only) => {
            let roots = ca_bundle(path)?;
            builder = if only { builder.tls_certs_only(roots) } else { builder.tls_certs_merge(roots) };
        }
        (None, true) => {
            return Err(Error::config("ca_only is set without ca_file; give the PEM bundle of the CAs to trust"))
        }
        (None, false) => {}
    }
    if let Some(text) = transport.proxy {
        builder = builder.proxy(proxy(text)?);
    }
    builder.build().map_err(|e| {
        let cause = chain(&e);
        match shown_file {
            Some(file) => Error::config(format!("cannot build the HTTP client with ca_file \"{file}\": {cause}")),
            None => Error::config(format!("cannot build the HTTP client: {cause}")),
        }
    })
}

/// The CA certificates of a PEM bundle; an unreadable file, text that is not
/// PEM, a block that is not a well-formed certificate, or no certificate at
/// all is a `configuration` error naming the file.
fn ca_bundle(path: &Path) -> Result<Vec<reqwest::Certificate>, Error> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| Error::config(format!("ca_file \"{shown}\" cannot be read: {e}")))?;
    let blocks =
        pem::parse_many(&bytes).map_err(|e| Error::config(format!("ca_file \"{shown}\" is not a PEM bundle: {e}")))?;
    let mut roots = Vec::new();
    for block in blocks.iter().filter(|b| b.tag() == "CERTIFICATE") {
        crate::x509::certificate_spki(block.contents()).map_err(|e| {
            Error::config(format!(
                "ca_file \"{shown}\": certificate {} is not a valid X.509 certificate ({e})",
                roots.len() + 1
            ))
        })?;
        let root = reqwest::Certificate::from_der(block.contents())
            .map_err(|e| Error::config(format!("ca_file \"{shown}\": certificate {}: {e}", roots.len() + 1)))?;
        roots.push(root);
    }
    if roots.is_empty() {
        return Err(Error::config(format!(
            "ca_file \"{shown}\" holds no certificate; expected CA certificates as PEM (-----BEGIN CERTIFICATE-----)"
        )));
    }
    Ok(roots)
}

/// The `proxy` option as a reqwest proxy for every target, except the hosts
/// the environment's `NO_PROXY` (or `no_proxy`) lists.
fn proxy(text: &str) -> Result<reqwest::Proxy, Error> {
    let url =
        Url::parse(text).map_err(|e| Error::config(format!("proxy \"{}\" is not a URL ({e})", redact_text(text))))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(Error::config(format!(
            "proxy \"{}\" is not supported; expected an http:// or https:// proxy URL such as http://proxy.internal:3128",
            redact(&url)
        )));
    }
    let proxy = reqwest::Proxy::all(url.as_str())
        .map_err(|e| Error::config(format!("proxy \"{}\": {}", redact(&url), chain(&e))))?;
    Ok(proxy.no_proxy(reqwest::NoProxy::from_env()))
}

/// An error and its causes, each once.
fn chain(e: &dyn std::error::Error) -> String {
    with_causes(e.to_string(), e.source())
}

/// `text`, then each cause from `source` on that it does not already say.
fn with_causes(mut text: String, mut source: Option<&(dyn std::error::Error + 'static)>) -> String {
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text = format!("{text}: {next}");
        }
        source = s.source();
    }
    text
}

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
    let what = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        e.to_string()
    };
    // The causes name the real problem (refused, DNS, certificate...).
    let what = with_causes(what, std::error::Error::source(&e));
    // rustls says UnknownIssuer when no trusted root signed the server's chain.
    let hint = if what.contains("UnknownIssuer") {
        "; if the server's certificate comes from a private CA, give that CA's certificate in ca_file"
    } else {
        ""
    };
    fetch_failed(format!("GET {} {}{hint}", redact(url), truncate_long(&what)))
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
