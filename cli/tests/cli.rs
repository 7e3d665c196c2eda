//! The `tokenward` binary, run as users run it, against a TestIssuer on 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use tokenward::testing::{Behavior, TestIssuer};
use tokenward::Algorithm;

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

fn finish(output: Output) -> Ran {
    let ran = Ran {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    // Output to a pipe never carries colour.
    assert!(!ran.stdout.contains('\x1b') && !ran.stderr.contains('\x1b'), "{}{}", ran.stdout, ran.stderr);
    ran
}

fn tokenward(args: &[&str]) -> Ran {
    finish(Command::new(env!("CARGO_BIN_EXE_tokenward")).args(args).output().unwrap())
}

fn tokenward_with_stdin(args: &[&str], stdin: &str) -> Ran {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tokenward"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    finish(child.wait_with_output().unwrap())
}

fn json_of(ran: &Ran) -> Value {
    serde_json::from_str(&ran.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", ran.stdout))
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// A plain HTTP/1.1 exchange; returns the status line and the body.
fn http(base: &str, request: &str) -> (String, String) {
    let mut stream = TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_owned(), body.to_owned())
}

#[test]
fn decode_shows_header_and_claims_under_a_not_verified_banner() {
    let issuer = TestIssuer::start();
    let token = issuer.mint(json!({"sub": "alice"}));
    let ran = tokenward(&["decode", &token]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stdout.contains("NOT VERIFIED"), "{}", ran.stdout);
    assert!(ran.stdout.contains("\"sub\": \"alice\"") && ran.stdout.contains("\"kid\": \"es256-1\""), "{}", ran.stdout);
    assert!(ran.stdout.contains("expires in 10 minutes") && ran.stdout.contains(" UTC"), "{}", ran.stdout);
}

#[test]
fn decode_says_how_long_ago_a_token_expired() {
    let issuer = TestIssuer::start();
    let token = issuer.mint(json!({"exp": now() - 180}));
    let ran = tokenward_with_stdin(&["decode"], &format!("Bearer {token}\n"));
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stdout.contains("expired 3 minutes ago"), "{}", ran.stdout);
}

#[test]
fn decode_json_marks_the_token_unverified() {
    let issuer = TestIssuer::start();
    let doc = json_of(&tokenward(&["decode", &issuer.mint(json!({"sub": "alice"})), "--json"]));
    assert_eq!(doc["verified"], false);
    assert_eq!(doc["claims"]["sub"], "alice");
    assert_eq!(doc["header"]["alg"], "ES256");
    assert_eq!(doc["times"]["exp"]["relative"], "expires in 10 minutes");
}

#[test]
fn decode_refuses_a_malformed_token_with_exit_1() {
    let ran = tokenward(&["decode", "not.a-token"]);
    assert_eq!(ran.code, 1);
    assert!(ran.stdout.contains("malformed"), "{}", ran.stdout);
}

#[test]
fn verify_accepts_a_valid_token_and_prints_its_claims() {
    let issuer = TestIssuer::start();
    let token = issuer.mint(json!({"sub": "alice", "aud": "my-api"}));
    let ran =
        tokenward(&["verify", &token, "--jwks-url", &issuer.jwks_url(), "--iss", &issuer.url(), "--aud", "my-api"]);
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.starts_with("✔ VALID (ES256 signature, key \"es256-1\")"), "{}", ran.stdout);
    assert!(ran.stdout.contains("\"sub\": \"alice\""), "{}", ran.stdout);
}

#[test]
fn verify_refuses_an_expired_token_naming_code_and_claim() {
    let issuer = TestIssuer::start();
    let token = issuer.mint(json!({"aud": "my-api", "exp": now() - 600}));
    let ran = tokenward(&["verify", &token, "--jwks-url", &issuer.jwks_url(), "--aud", "my-api", "--leeway", "10"]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert!(ran.stdout.contains("REFUSED token_expired"), "{}", ran.stdout);
    assert!(ran.stdout.contains("claim    exp"), "{}", ran.stdout);
}

#[test]
fn verify_json_refusal_carries_code_claim_and_message() {
    let issuer = TestIssuer::start();
    let token = issuer.mint(json!({"aud": "someone-else"}));
    let ran = tokenward(&["verify", &token, "--jwks-url", &issuer.jwks_url(), "--aud", "my-api", "--json"]);
    assert_eq!(ran.code, 1);
    let doc = json_of(&ran);
    assert_eq!((doc["valid"].as_bool(), doc["code"].as_str()), (Some(false), Some("invalid_audience")));
    assert_eq!(doc["claim"], "aud");
    assert!(doc["message"].as_str().unwrap().contains("my-api"), "{doc}");
}

#[test]
fn verify_json_success_carries_header_and_claims() {
    let issuer = TestIssuer::start();
    let token = issuer.mint(json!({"sub": "alice"}));
    let doc =
        json_of(&tokenward(&["verify", &token, "--option", &format!("jwks_url={}", issuer.jwks_url()), "--json"]));
    assert_eq!((doc["valid"].as_bool(), doc["claims"]["sub"].as_str()), (Some(true), Some("alice")));
    assert_eq!(doc["header"]["kid"], "es256-1");
}

#[test]
fn verify_builds_a_provider_preset_with_its_arguments() {
    let issuer = TestIssuer::with_algorithms(&[Algorithm::RS256]);
    let token = issuer.mint(json!({"iss": "https://example.eu.auth0.com/", "aud": "https://api.example.com"}));
    let preset = [
        "--provider",
        "auth0",
        "--arg",
        "domain=example.eu.auth0.com",
        "--arg",
        "audience=https://api.example.com",
        "--jwks-url",
        &issuer.jwks_url(),
    ];
    let ran = tokenward(&[&["verify", token.as_str()], &preset[..]].concat());
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    // The preset's issuer rule holds: a token from the issuer itself is refused.
    let other = issuer.mint(json!({"aud": "https://api.example.com"}));
    let ran = tokenward(&[&["verify", other.as_str(), "--json"], &preset[..]].concat());
    assert_eq!(json_of(&ran)["code"], "invalid_issuer");
}

#[test]
fn jwks_lists_usable_keys_skipped_entries_and_caching_headers() {
    let issuer = TestIssuer::start();
    let mut doc = issuer.jwks();
    doc["keys"].as_array_mut().unwrap().push(json!({"kty": "XYZ", "kid": "bad"}));
    issuer.set_behavior(Behavior {
        body: Some(doc.to_string().into_bytes()),
        cache_control: Some("public, max-age=300".into()),
        etag: true,
        ..Behavior::default()
    });
    let ran = tokenward(&["jwks", &issuer.jwks_url()]);
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert!(lines.iter().any(|l| l.contains("es256-1") && l.contains("EC P-256") && l.contains("usable for ES256")));
    assert!(lines.iter().any(|l| l.contains("bad") && l.contains("skipped: key \"bad\": unsupported \"kty\" \"XYZ\"")));
    assert!(ran.stdout.contains("Cache-Control  public, max-age=300"), "{}", ran.stdout);
    assert!(ran.stdout.contains("ETag           \"v"), "{}", ran.stdout);
    assert!(ran.stdout.contains("fresh for      300 s"), "{}", ran.stdout);
    assert!(ran.stdout.contains("2 entries: 1 usable, 1 skipped"), "{}", ran.stdout);
}

#[test]
fn jwks_json_gives_each_entry_its_verdict() {
    let issuer = TestIssuer::start();
    let mut doc = issuer.jwks();
    doc["keys"].as_array_mut().unwrap().push(json!({"kty": "XYZ", "kid": "bad"}));
    issuer.set_behavior(Behavior { body: Some(doc.to_string().into_bytes()), ..Behavior::default() });
    let doc = json_of(&tokenward(&["jwks", &issuer.jwks_url(), "--json"]));
    assert_eq!(doc["usable"], 1);
    assert_eq!(doc["fresh_for"], 600, "no max-age: the default cache_ttl");
    assert_eq!(doc["keys"][0]["algorithms"], json!(["ES256"]));
    assert_eq!((doc["keys"][1]["usable"].as_bool(), doc["keys"][1]["kid"].as_str()), (Some(false), Some("bad")));
    assert!(doc["keys"][1]["reason"].as_str().unwrap().contains("unsupported \"kty\""), "{doc}");
}

#[test]
fn jwks_reads_stdin_and_fails_with_exit_1_when_no_key_is_usable() {
    let ran =
        tokenward_with_stdin(&["jwks", "-"], r#"{"keys": [{"kty": "RSA", "kid": "tiny", "n": "AQAB", "e": "AQAB"}]}"#);
    assert_eq!(ran.code, 1);
    assert!(ran.stdout.contains("RSA 17 bits") && ran.stdout.contains("at least 2048"), "{}", ran.stdout);
    assert!(ran.stdout.contains("no usable key"), "{}", ran.stdout);
}

#[test]
fn usage_errors_exit_2_with_the_reason_on_stderr() {
    for (args, says) in [
        (&["frobnicate"][..], "unknown command"),
        (&["verify", "t", "--audiance", "x"][..], "did you mean `audience`?"),
        (&["verify", "t", "--jwks-url", "https://k.example/jwks", "--leeway", "soon"][..], "leeway takes a number"),
        (&["verify", "t", "--leeway", "-1", "--jwks-url", "https://k.example/jwks"][..], "configuration: leeway"),
        (&["issuer", "--port", "99999"][..], "--port takes"),
        (&["decode", "a", "b"][..], "unexpected argument"),
        (&["jwks", "http://keys.example/jwks"][..], "plain http"),
        (&[][..], "Usage: tokenward"),
    ] {
        let ran = tokenward(args);
        assert_eq!(ran.code, 2, "{args:?}: {}{}", ran.stdout, ran.stderr);
        assert!(ran.stderr.contains(says), "{args:?}: {}", ran.stderr);
        assert!(ran.stdout.is_empty(), "{args:?}: {}", ran.stdout);
    }
}

#[test]
fn help_lists_every_command_and_every_verifier_option() {
    let ran = tokenward(&["--help"]);
    assert_eq!(ran.code, 0);
    assert!(["decode", "verify", "jwks", "issuer"].iter().all(|c| ran.stdout.contains(c)), "{}", ran.stdout);
    let ran = tokenward(&["verify", "--help"]);
    assert_eq!(ran.code, 0);
    for option in tokenward::OPTIONS {
        assert!(ran.stdout.contains(&format!("--{} ", option.name.replace('_', "-"))), "{}", option.name);
    }
    assert!(tokenward(&["--version"]).stdout.starts_with("tokenward 0."));
}

#[test]
fn colour_only_when_the_output_is_a_terminal() {
    let issuer = TestIssuer::start();
    let args = vec!["decode".to_owned(), issuer.mint(json!({}))];
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(tokenward_cli::run(args.clone(), &mut out, &mut err, false), 0);
    assert!(!out.contains(&0x1b));
    let mut coloured = Vec::new();
    assert_eq!(tokenward_cli::run(args, &mut coloured, &mut err, true), 0);
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    assert_eq!(coloured.contains(&0x1b), !no_color);
}

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn issuer_mints_tokens_that_verify_accepts() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_tokenward"))
            .args(["issuer", "--port", "0"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| line.trim().strip_prefix("issuer").map(|rest| rest.trim().to_owned()))
        .expect("the issuer prints its URL");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let (status, token) = http(&url, "GET /mint?sub=alice&aud=my-api HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!(status, "HTTP/1.1 200 OK");
    let ran = tokenward(&["verify", token.trim(), "--discover", &url, "--aud", "my-api", "--json"]);
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    let doc = json_of(&ran);
    assert_eq!((doc["claims"]["sub"].as_str(), doc["claims"]["iss"].as_str()), (Some("alice"), Some(url.as_str())));

    let body = r#"{"sub": "bob", "roles": ["admin"]}"#;
    let request = format!("POST /mint HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    let (status, token) = http(&url, &request);
    assert_eq!(status, "HTTP/1.1 200 OK");
    let ran =
        tokenward(&["verify", token.trim(), "--jwks-url", &format!("{url}/.well-known/jwks.json"), "--iss", &url]);
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.contains("\"admin\""), "{}", ran.stdout);
    let expired = format!("GET /mint?sub=carol&exp={} HTTP/1.1\r\nConnection: close\r\n\r\n", now() - 300);
    let (_, token) = http(&url, &expired);
    let doc = json_of(&tokenward(&["verify", token.trim(), "--discover", &url, "--json"]));
    assert_eq!((doc["code"].as_str(), doc["claim"].as_str()), (Some("token_expired"), Some("exp")));
    // Pages served from this machine may mint from a browser; other sites may not.
    let raw = |origin: &str| {
        let mut stream = TcpStream::connect(url.trim_start_matches("http://")).unwrap();
        write!(stream, "OPTIONS /mint HTTP/1.1\r\nOrigin: {origin}\r\nConnection: close\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    };
    assert!(raw("http://localhost:3000").contains("Access-Control-Allow-Origin: http://localhost:3000"));
    assert!(!raw("https://evil.example").contains("Access-Control-Allow-Origin"));
    // A body longer than its Content-Length is read to that length at once.
    let started = std::time::Instant::now();
    let (status, _) = http(&url, "POST /mint HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}trailing");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(started.elapsed() < std::time::Duration::from_secs(4), "no wait for bytes that never come");
    let logged = lines.map_while(Result::ok).find(|l| l.starts_with("minted")).expect("the issuer logs each mint");
    assert_eq!(logged, "minted a token: sub \"alice\" aud \"my-api\"");
}
