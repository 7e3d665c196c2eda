//! `tokenward issuer`: the core's TestIssuer behind a port of the user's
//! choosing, plus `/mint`, so a frontend and a backend can be developed
//! together without a provider.
//!
//! TestIssuer binds a port of its own choosing, so this listener is the
//! public face: it answers `/mint` itself and forwards every other request
//! (JWKS, discovery, X.509 map) to the issuer; the tokens and the discovery
//! document name this listener's URL as the issuer.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use serde_json::{json, Map, Value};
use tokenward::testing::{Behavior, Mint, TestIssuer, DISCOVERY_PATH, JWKS_PATH};
use tokenward::Algorithm;

use crate::{print_json, times, Args, Failure, Out};

pub const USAGE: &str = "\
Usage: tokenward issuer [--port N] [--alg ALG ...] [--json]

Runs a local token issuer on 127.0.0.1:N (default 0: any free port) until
Ctrl-C: keys made at start (one per --alg, default ES256; the last signs),
the JWKS, OpenID Connect discovery, and token minting:

  GET  /mint?sub=alice&aud=my-api   claims from the query (repeat a name for a list)
  POST /mint  {\"sub\": \"alice\"}      claims from a JSON object

Minted tokens carry iss = the issuer URL, iat = now and exp = now + 600
unless the request sets them. For development only: the keys live in memory.";

pub fn run(mut args: Args, out: &mut Out<'_>) -> Result<(), Failure> {
    let port = match args.one("port") {
        Some(p) => p.parse::<u16>().map_err(|_| Failure::Usage(format!("--port takes 0 to 65535; got {p:?}")))?,
        None => 0,
    };
    let mut algorithms = Vec::new();
    for name in args.take("alg") {
        algorithms.push(name.parse::<Algorithm>().map_err(|_| Failure::Usage(format!("unknown algorithm {name:?}")))?);
    }
    if algorithms.is_empty() {
        algorithms.push(Algorithm::ES256);
    }
    args.finish(0)?;
    let listener = TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| Failure::Failed(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let url = format!("http://{}", listener.local_addr()?);
    let issuer = TestIssuer::with_algorithms(&algorithms);
    issuer.set_behavior(Behavior {
        discovery_issuer: Some(url.clone()),
        discovery_jwks_uri: Some(format!("{url}{JWKS_PATH}")),
        ..Behavior::default()
    });
    let s = out.style;
    if args.json {
        let doc = json!({
            "issuer": url, "jwks_url": format!("{url}{JWKS_PATH}"),
            "discovery_url": format!("{url}{DISCOVERY_PATH}"), "mint_url": format!("{url}/mint"),
        });
        print_json(out, &doc)?;
    } else {
        let mint = format!("curl -s '{url}/mint?sub=alice&aud=my-api'");
        writeln!(out.w, "{}", s.yellow("tokenward test issuer: for development only, keys live in memory"))?;
        writeln!(out.w, "  issuer     {}", s.bold(&url))?;
        writeln!(out.w, "  JWKS       {url}{JWKS_PATH}")?;
        writeln!(out.w, "  discovery  {url}{DISCOVERY_PATH}")?;
        writeln!(out.w, "  mint       {mint}")?;
        writeln!(
            out.w,
            "             curl -s {url}/mint -H 'Content-Type: application/json' -d '{{\"sub\":\"alice\"}}'"
        )?;
        writeln!(out.w, "  verify     tokenward verify \"$({mint})\" --discover {url} --aud my-api")?;
        writeln!(out.w, "{}", s.dim("Ctrl-C to stop."))?;
    }
    out.w.flush()?;
    let (log, minted) = mpsc::channel::<Value>();
    let issuer = Arc::new(issuer);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (issuer, url, log) = (Arc::clone(&issuer), url.clone(), log.clone());
            thread::spawn(move || serve(stream, &issuer, &url, &log));
        }
    });
    for claims in minted {
        if args.json {
            print_json(out, &json!({"minted": claims}))?;
        } else {
            let show = |name: &str| claims.get(name).map_or_else(|| "-".to_owned(), Value::to_string);
            writeln!(out.w, "minted a token: sub {} aud {}", show("sub"), show("aud"))?;
        }
        out.w.flush()?;
    }
    Ok(())
}

fn serve(mut client: TcpStream, issuer: &TestIssuer, url: &str, log: &mpsc::Sender<Value>) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(5)));
    let Some((request, head_len)) = read_head(&mut client) else { return };
    let head = String::from_utf8_lossy(&request[..head_len]).into_owned();
    let mut line = head.split(' ');
    let (method, target) = (line.next().unwrap_or(""), line.next().unwrap_or(""));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let cors = loopback_origin(&head);
    if path != "/mint" {
        forward(client, issuer, &request);
        return;
    }
    let claims = match method {
        "OPTIONS" => return respond(&mut client, cors.as_deref(), "204 No Content", ""),
        "GET" => Ok(query_claims(query)),
        "POST" => read_body(&mut client, &head, &request[head_len..]).and_then(|body| match body.trim() {
            "" => Ok(Map::new()),
            text => match serde_json::from_str(text) {
                Ok(Value::Object(claims)) => Ok(claims),
                _ => Err("the body must be a JSON object of claims".to_owned()),
            },
        }),
        _ => return respond(&mut client, cors.as_deref(), "405 Method Not Allowed", "use GET or POST\n"),
    };
    let mut claims = match claims {
        Ok(claims) => claims,
        Err(why) => return respond(&mut client, cors.as_deref(), "400 Bad Request", &format!("{why}\n")),
    };
    claims.entry("iss").or_insert_with(|| json!(url));
    match issuer.try_mint_with(Mint { claims: claims.clone(), ..Mint::default() }) {
        Ok(token) => {
            respond(&mut client, cors.as_deref(), "200 OK", &format!("{token}\n"));
            let _ = log.send(Value::Object(claims));
        }
        Err(why) => respond(&mut client, cors.as_deref(), "500 Internal Server Error", &format!("{why}\n")),
    }
}

/// The request read up to the end of its head (and whatever followed), and the head's length.
fn read_head(stream: &mut TcpStream) -> Option<(Vec<u8>, usize)> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            return Some((buf, end + 4));
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 || buf.len() > 64 * 1024 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn read_body(stream: &mut TcpStream, head: &str, started: &[u8]) -> Result<String, String> {
    let length = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(n, _)| n.trim().eq_ignore_ascii_case("content-length")))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(started.len());
    if length > 64 * 1024 {
        return Err("the body is over 64 KiB".into());
    }
    let mut body = started[..started.len().min(length)].to_vec();
    let have = body.len();
    body.resize(length, 0);
    stream.read_exact(&mut body[have..]).map_err(|e| format!("cannot read the body: {e}"))?;
    String::from_utf8(body).map_err(|_| "the body is not UTF-8".into())
}

/// Claims from a query string: a repeated name gives a list, and time claims given as numbers are numbers.
fn query_claims(query: &str) -> Map<String, Value> {
    let mut claims = Map::new();
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let time = times::TIME_CLAIMS.contains(&name.as_ref());
        let value = match (value.parse::<i64>(), value.parse::<f64>()) {
            (Ok(n), _) if time => json!(n),
            (_, Ok(n)) if time => json!(n),
            _ => json!(value),
        };
        match claims.get_mut(name.as_ref()) {
            Some(Value::Array(items)) => items.push(value),
            Some(first) => *first = json!([first.take(), value]),
            None => {
                claims.insert(name.into_owned(), value);
            }
        }
    }
    claims
}

/// Hands the request to the issuer and its answer (it closes the connection) back.
fn forward(mut client: TcpStream, issuer: &TestIssuer, request: &[u8]) {
    let inner = issuer.url();
    let Ok(mut upstream) = TcpStream::connect(inner.trim_start_matches("http://")) else {
        return respond(&mut client, None, "502 Bad Gateway", "the issuer is not answering\n");
    };
    if upstream.write_all(request).is_ok() {
        let _ = std::io::copy(&mut upstream, &mut client);
    }
}

/// The request's `Origin` when it is a page served from this machine: only
/// those may mint from a browser (any other site would mint tokens that the
/// developer's local backends trust).
fn loopback_origin(head: &str) -> Option<String> {
    let origin = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.trim().eq_ignore_ascii_case("origin").then(|| value.trim().to_owned())
    })?;
    let url = url::Url::parse(&origin).ok()?;
    let loopback = match url.host()? {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    (loopback && matches!(url.scheme(), "http" | "https")).then_some(origin)
}

fn respond(stream: &mut TcpStream, cors: Option<&str>, status: &str, body: &str) {
    let cors = cors.map_or_else(String::new, |origin| {
        format!(
            "Access-Control-Allow-Origin: {origin}\r\nVary: Origin\r\nAccess-Control-Allow-Methods: GET, POST, OPTIONS\r\n\
             Access-Control-Allow-Headers: Content-Type\r\n"
        )
    });
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{cors}Connection: close\r\n\r\n{body}",
        body.len()
    );
}
