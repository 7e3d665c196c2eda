//! The TestIssuer's hosted login page, for driving a frontend in a browser:
//! `GET /authorize?redirect_uri=..&audience=..&client_id=..&style=..&state=..`
//! lists the test users; choosing one goes to `GET /authorize/complete`, which
//! mints an access token and an id token for them and redirects (302) to
//! `redirect_uri` with both in the URL fragment, as the implicit-flow widgets
//! of Cotter and Secuuth hand tokens to the page.
//!
//! Anyone who can reach the issuer can log in as a test user, so the tokens
//! only go back to a loopback `redirect_uri`.

use std::io::Write;
use std::net::TcpStream;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};
use url::{form_urlencoded, Host, Url};

use super::Shared;

/// The login page.
const AUTHORIZE_PATH: &str = "/authorize";
/// Where choosing a user goes: mints the tokens and redirects.
const COMPLETE_PATH: &str = "/authorize/complete";

/// The test users: (subject, name). Each one's email is `<subject>@example.com`.
const USERS: [(&str, &str); 2] = [("alice", "Alice Liddell"), ("bob", "Bob Marley")];
/// The payload styles a frontend may ask for (the first is the default): only
/// shown on the page, since the frontend builds the payload itself.
const STYLES: [&str; 2] = ["cotter", "secuuth"];
/// Lifetime of the minted tokens in seconds, unless `expires_in` says otherwise
/// (the same as `TestIssuer::mint`'s).
const DEFAULT_EXPIRES_IN: i64 = 600;

/// Whether `target` (path and query) is the login page's to answer.
pub(super) fn handles(target: &str) -> bool {
    matches!(target.split_once('?').map_or(target, |(path, _)| path), AUTHORIZE_PATH | COMPLETE_PATH)
}

/// Answers a request that [`handles`] accepted; `base` is the issuer URL.
pub(super) fn serve(shared: &Shared, base: &str, target: &str, stream: &mut TcpStream) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let request = match Request::parse(query) {
        Ok(request) => request,
        Err(problem) => return answer(stream, "400 Bad Request", &[], &error_page(&problem)),
    };
    if path == AUTHORIZE_PATH {
        return answer(stream, "200 OK", &[], &login_page(base, &request));
    }
    let Some(&(subject, name)) = USERS.iter().find(|(subject, _)| Some(*subject) == request.user.as_deref()) else {
        return answer(stream, "400 Bad Request", &[], &error_page("choose one of the test users: alice, bob"));
    };
    match complete(shared, base, &request, subject, name) {
        Ok(location) => answer(stream, "302 Found", &[("Location", location.as_str())], ""),
        Err(problem) => answer(stream, "500 Internal Server Error", &[], &error_page(&problem)),
    }
}

/// The query of both pages, checked.
struct Request {
    redirect_uri: Url,
    audience: String,
    client_id: String,
    style: String,
    state: Option<String>,
    /// Seconds from now to `exp`; negative for a token that has already expired.
    expires_in: i64,
    user: Option<String>,
}

impl Request {
    fn parse(query: &str) -> Result<Request, String> {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let required = |name: &str| get(name).filter(|v| !v.is_empty()).ok_or(format!("{name} is required"));
        let redirect_uri = loopback_redirect(&required("redirect_uri")?)?;
        let style = get("style").unwrap_or_else(|| STYLES[0].to_owned());
        if !STYLES.contains(&style.as_str()) {
            return Err(format!("style must be one of {}", STYLES.join(", ")));
        }
        let expires_in = match get("expires_in") {
            Some(text) => text.parse().map_err(|_| "expires_in must be a whole number of seconds".to_owned())?,
            None => DEFAULT_EXPIRES_IN,
        };
        Ok(Request {
            redirect_uri,
            audience: required("audience")?,
            client_id: required("client_id")?,
            style,
            state: get("state"),
            expires_in,
            user: get("user"),
        })
    }

    /// The query that carries this request from the login page to its completion.
    fn hidden_fields(&self) -> Vec<(&'static str, String)> {
        let mut fields = vec![
            ("redirect_uri", self.redirect_uri.to_string()),
            ("audience", self.audience.clone()),
            ("client_id", self.client_id.clone()),
            ("style", self.style.clone()),
            ("expires_in", self.expires_in.to_string()),
        ];
        if let Some(state) = &self.state {
            fields.push(("state", state.clone()));
        }
        fields
    }
}

/// `uri` as a URL if it is http(s) to 127.0.0.1, localhost or ::1, without
/// user info or fragment (the fragment is where the tokens go).
fn loopback_redirect(uri: &str) -> Result<Url, String> {
    let refused = || format!("redirect_uri must be an http(s) URL on 127.0.0.1, localhost or [::1]; got {uri:?}");
    let url = Url::parse(uri).map_err(|_| refused())?;
    let loopback = match url.host() {
        Some(Host::Domain(domain)) => domain == "localhost",
        Some(Host::Ipv4(ip)) => ip == std::net::Ipv4Addr::LOCALHOST,
        Some(Host::Ipv6(ip)) => ip == std::net::Ipv6Addr::LOCALHOST,
        None => false,
    };
    let plain = url.username().is_empty() && url.password().is_none() && url.fragment().is_none();
    if !matches!(url.scheme(), "http" | "https") || !loopback || !plain {
        return Err(refused());
    }
    Ok(url)
}

/// Mints the user's tokens and returns `redirect_uri` with them in its fragment.
fn complete(shared: &Shared, base: &str, request: &Request, subject: &str, name: &str) -> Result<Url, String> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let exp = now.saturating_add(request.expires_in);
    // Nothing is issued after it expires, so an expired token was issued at its expiry.
    // The issuer discovery names (a front such as `tokenward issuer` may differ from `base`).
    let issuer = shared.state().behavior.discovery_issuer.clone().unwrap_or_else(|| base.to_owned());
    let times = json!({"iss": issuer, "iat": now.min(exp), "exp": exp});
    let access_token = mint(shared, &times, json!({"sub": subject, "aud": request.audience, "scope": "profile"}))?;
    let id_token = mint(
        shared,
        &times,
        json!({"sub": subject, "aud": request.client_id, "email": format!("{subject}@example.com"), "name": name}),
    )?;
    let mut fragment = form_urlencoded::Serializer::new(String::new());
    fragment
        .append_pair("access_token", &access_token)
        .append_pair("id_token", &id_token)
        .append_pair("token_type", "Bearer")
        .append_pair("expires_in", &request.expires_in.to_string());
    if let Some(state) = &request.state {
        fragment.append_pair("state", state);
    }
    let mut location = request.redirect_uri.clone();
    location.set_fragment(Some(&fragment.finish()));
    Ok(location)
}

/// Signs `times` and `claims` with the issuer's newest key, as `TestIssuer::mint` does.
fn mint(shared: &Shared, times: &Value, claims: Value) -> Result<String, String> {
    let mut payload: Map<String, Value> = times.as_object().cloned().unwrap_or_default();
    payload.extend(claims.as_object().cloned().unwrap_or_default());
    let base = payload.get("iss").and_then(Value::as_str).unwrap_or_default().to_owned();
    super::mint_with(shared, &base, super::Mint { claims: payload, ..super::Mint::default() })
}

fn login_page(base: &str, request: &Request) -> String {
    let fields: String = request
        .hidden_fields()
        .iter()
        .map(|(name, value)| format!(r#"<input type="hidden" name="{name}" value="{}">"#, escape(value)))
        .collect();
    let users: String = USERS
        .iter()
        .map(|(subject, name)| {
            format!(
                r#"<button type="submit" name="user" value="{subject}" id="user-{subject}">{} <small>{subject}@example.com</small></button>"#,
                escape(name)
            )
        })
        .collect();
    page(
        "Sign in to TestIssuer",
        &format!(
            r#"<p class="issuer">{}</p>
<p><strong>{}</strong> asks for an access token for <strong>{}</strong>, handed back {}-style to
<code>{}</code>.</p>
<form method="get" action="{COMPLETE_PATH}">{fields}
{users}
</form>"#,
            escape(base),
            escape(&request.client_id),
            escape(&request.audience),
            escape(&request.style),
            escape(request.redirect_uri.as_str()),
        ),
    )
}

fn error_page(problem: &str) -> String {
    page("TestIssuer: bad request", &format!(r#"<p class="error">{}</p>"#, escape(problem)))
}

fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #222; }}
.issuer {{ color: #666; font-family: monospace; }}
.error {{ color: #b00020; }}
button {{ display: block; width: 100%; margin: .5rem 0; padding: .8rem; font-size: 1rem; text-align: left; cursor: pointer; }}
small {{ color: #666; margin-left: .5rem; }}
</style></head>
<body><h1>{title}</h1>
{body}
</body></html>
"#
    )
}

/// `text` safe inside HTML text and double- or single-quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn answer(stream: &mut TcpStream, status: &str, headers: &[(&str, &str)], html: &str) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nContent-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n\
         Connection: close\r\n",
        html.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(html.as_bytes());
    let _ = stream.flush();
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::testing::TestIssuer;
    use crate::{ErrorCode, Verifier};

    const PAGE: &str = "http://127.0.0.1:5000/";

    /// (status line, headers and body) of a GET to the issuer.
    fn get(issuer: &TestIssuer, target: &str) -> (String, String) {
        let mut stream = TcpStream::connect(issuer.url().trim_start_matches("http://")).unwrap();
        write!(stream, "GET {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        let (status, rest) = text.split_once("\r\n").unwrap();
        (status.to_owned(), rest.to_owned())
    }

    fn query(pairs: &[(&str, &str)]) -> String {
        form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
    }

    fn complete(issuer: &TestIssuer, extra: &[(&str, &str)]) -> Map<String, Value> {
        let mut pairs = vec![("redirect_uri", PAGE), ("audience", "my-api"), ("client_id", "my-client")];
        pairs.extend_from_slice(extra);
        let (status, rest) = get(issuer, &format!("{COMPLETE_PATH}?{}", query(&pairs)));
        assert_eq!(status, "HTTP/1.1 302 Found", "{rest}");
        let location = rest.lines().find_map(|l| l.strip_prefix("Location: ")).unwrap();
        let (page, fragment) = location.split_once('#').unwrap();
        assert_eq!(page, PAGE);
        form_urlencoded::parse(fragment.as_bytes()).into_owned().map(|(k, v)| (k, json!(v))).collect()
    }

    fn verifier(issuer: &TestIssuer, audience: &str) -> Verifier {
        let jwks = serde_json::to_vec(&issuer.jwks()).unwrap();
        Verifier::builder().jwks_json(jwks).issuer(issuer.url()).audience(audience).build().unwrap()
    }

    #[test]
    fn authorize_lists_the_test_users_and_carries_the_request_over() {
        let issuer = TestIssuer::start();
        let target = query(&[
            ("redirect_uri", PAGE),
            ("audience", "my-api"),
            ("client_id", "my-client"),
            ("style", "secuuth"),
            ("state", "s1"),
        ]);
        let (status, rest) = get(&issuer, &format!("{AUTHORIZE_PATH}?{target}"));
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert!(rest.contains("Content-Type: text/html; charset=utf-8"));
        assert!(rest.contains("<h1>Sign in to TestIssuer</h1>"));
        for user in ["alice", "bob"] {
            assert!(rest.contains(&format!(r#"name="user" value="{user}""#)), "{user} is listed");
        }
        assert!(rest.contains(r#"<input type="hidden" name="state" value="s1">"#));
        assert!(rest.contains(r#"<input type="hidden" name="style" value="secuuth">"#));
    }

    #[test]
    fn complete_hands_back_an_access_token_and_an_id_token_that_verify() {
        let issuer = TestIssuer::start();
        let fragment = complete(&issuer, &[("user", "alice"), ("state", "s1")]);
        assert_eq!((fragment["state"].as_str(), fragment["token_type"].as_str()), (Some("s1"), Some("Bearer")));
        let access = verifier(&issuer, "my-api").verify_with_held_keys(fragment["access_token"].as_str().unwrap());
        let access = access.unwrap();
        assert_eq!((access.subject(), access.get("scope")), (Some("alice"), Some(&json!("profile"))));
        let id = verifier(&issuer, "my-client").verify_with_held_keys(fragment["id_token"].as_str().unwrap());
        let id = id.unwrap();
        assert_eq!(id.subject(), Some("alice"));
        assert_eq!(
            (id.get("email"), id.get("name")),
            (Some(&json!("alice@example.com")), Some(&json!("Alice Liddell")))
        );
    }

    #[test]
    fn negative_expires_in_hands_back_an_expired_token() {
        let issuer = TestIssuer::start();
        let fragment = complete(&issuer, &[("user", "bob"), ("expires_in", "-120")]);
        let refused = verifier(&issuer, "my-api").verify_with_held_keys(fragment["access_token"].as_str().unwrap());
        assert_eq!(refused.unwrap_err().code(), ErrorCode::TokenExpired.as_str());
    }

    #[test]
    fn refuses_a_redirect_uri_off_the_loopback_host() {
        let issuer = TestIssuer::start();
        for uri in [
            "https://evil.example/",
            "http://127.0.0.1@evil.example/",
            "http://evil.example@127.0.0.1/",
            "http://127.0.0.2/",
            "http://localhost.evil.example/",
            "ftp://127.0.0.1/",
            "javascript:alert(1)//127.0.0.1/",
            "http://127.0.0.1/#already",
            "/relative",
        ] {
            let target = query(&[("redirect_uri", uri), ("audience", "a"), ("client_id", "c"), ("user", "alice")]);
            for path in [AUTHORIZE_PATH, COMPLETE_PATH] {
                let (status, rest) = get(&issuer, &format!("{path}?{target}"));
                assert_eq!(status, "HTTP/1.1 400 Bad Request", "{uri} at {path}");
                assert!(!rest.contains("Location:"), "{uri} at {path}");
            }
        }
        for uri in ["http://localhost:3000/", "https://[::1]/cb", "http://127.0.0.1/"] {
            assert!(loopback_redirect(uri).is_ok(), "{uri}");
        }
    }

    #[test]
    fn refuses_a_user_who_is_not_a_test_user() {
        let issuer = TestIssuer::start();
        let target = query(&[("redirect_uri", PAGE), ("audience", "a"), ("client_id", "c"), ("user", "mallory")]);
        let (status, _) = get(&issuer, &format!("{COMPLETE_PATH}?{target}"));
        assert_eq!(status, "HTTP/1.1 400 Bad Request");
    }

    #[test]
    fn escapes_everything_it_echoes() {
        let issuer = TestIssuer::start();
        let evil = r#""><script>alert('x')</script>"#;
        let target = query(&[("redirect_uri", PAGE), ("audience", evil), ("client_id", "c"), ("state", evil)]);
        let (_, page) = get(&issuer, &format!("{AUTHORIZE_PATH}?{target}"));
        assert!(!page.contains("<script>"));
        assert!(page.contains("&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        let (_, error) = get(&issuer, &format!("{AUTHORIZE_PATH}?{}", query(&[("redirect_uri", evil)])));
        assert!(!error.contains("<script>"));
    }
}
