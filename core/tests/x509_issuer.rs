//! The TestIssuer's X.509 certificate map (`/x509`), read over real HTTP the
//! way Firebase's is: `{kid: PEM certificate}`, one entry per RSA and EC key.

use std::io::{Read, Write};
use std::net::TcpStream;

use serde_json::Value;
use tokenward::testing::{Behavior, TestIssuer, X509_PATH};
use tokenward::Algorithm;

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// A plain HTTP/1.1 GET; the issuer closes the connection after answering.
fn get(url: &str, extra_headers: &[(&str, &str)]) -> Response {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (host, path) = rest.split_at(rest.find('/').expect("a path"));
    let mut stream = TcpStream::connect(host).expect("connect to the issuer");
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in extra_headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("send the request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the response");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("end of headers");
    let head = String::from_utf8(raw[..split].to_vec()).expect("ASCII headers");
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("a status");
    let headers =
        lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned())).collect();
    Response { status, headers, body: raw[split + 4..].to_vec() }
}

fn certificate_der(entry: &Value) -> Vec<u8> {
    let block = pem::parse(entry.as_str().expect("a PEM string")).expect("PEM");
    assert_eq!(block.tag(), "CERTIFICATE");
    block.into_contents()
}

#[test]
fn serves_one_certificate_per_rsa_and_ec_key_and_none_for_eddsa_or_hmac() {
    let issuer = TestIssuer::with_algorithms(&[
        Algorithm::RS256,
        Algorithm::PS256,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::ES512,
        Algorithm::ES256K,
        Algorithm::EdDSA,
        Algorithm::HS256,
    ]);
    let response = get(&issuer.x509_url(), &[]);
    assert_eq!(response.status, 200);
    let map = response.json();
    let mut served: Vec<&String> = map.as_object().expect("a JSON object").keys().collect();
    served.sort();
    let kids = issuer.kids();
    let mut expected: Vec<&String> = kids.iter().filter(|k| !k.starts_with("eddsa") && !k.starts_with("hs")).collect();
    expected.sort();
    assert_eq!(served, expected);
    assert_eq!(map, issuer.x509());
    for pem in map.as_object().unwrap().values() {
        let pem = pem.as_str().expect("a PEM string");
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n") && !pem.contains('\r'), "not Firebase's form: {pem}");
    }
}

#[test]
fn every_certificate_holds_the_public_key_of_its_kid() {
    let issuer = TestIssuer::with_algorithms(&[Algorithm::RS256, Algorithm::ES256, Algorithm::ES384, Algorithm::ES512]);
    let map = get(&issuer.x509_url(), &[]).json();
    for kid in issuer.kids() {
        let certificate = certificate_der(&map[&kid]);
        let public = issuer.public_key_pem(&kid).expect("a public key");
        let spki = pem::parse(public).expect("PEM").into_contents();
        assert!(certificate.windows(spki.len()).any(|w| w == spki), "the certificate of {kid} lacks its key's SPKI");
        for other in issuer.kids().iter().filter(|other| **other != kid) {
            let spki = pem::parse(issuer.public_key_pem(other).unwrap()).unwrap().into_contents();
            assert!(
                !certificate.windows(spki.len()).any(|w| w == spki),
                "the certificate of {kid} holds {other}'s key"
            );
        }
    }
}

#[test]
fn certificates_are_made_once_per_key_not_per_request() {
    let issuer = TestIssuer::with_algorithms(&[Algorithm::RS256]);
    assert_eq!(get(&issuer.x509_url(), &[]).body, get(&issuer.x509_url(), &[]).body);
}

#[test]
fn rotation_replaces_the_certificates_served() {
    let issuer = TestIssuer::with_algorithms(&[Algorithm::RS256]);
    let old = issuer.kids().remove(0);
    let new = issuer.rotate(Algorithm::ES256);
    let map = get(&issuer.x509_url(), &[]).json();
    assert!(map.get(&old).is_none());
    assert!(map.get(&new).is_some());
}

#[test]
fn requests_for_the_x509_map_are_counted_apart_from_the_jwks() {
    let issuer = TestIssuer::start();
    get(&issuer.x509_url(), &[]);
    get(&issuer.x509_url(), &[]);
    assert_eq!(issuer.requests(X509_PATH), 2);
    assert_eq!(issuer.jwks_requests(), 0);
}

#[test]
fn the_x509_map_sends_cache_control_and_answers_304_to_its_etag() {
    let issuer = TestIssuer::start();
    issuer.set_behavior(Behavior {
        cache_control: Some("public, max-age=19000".into()),
        etag: true,
        ..Behavior::default()
    });
    let first = get(&issuer.x509_url(), &[]);
    assert_eq!(first.status, 200);
    assert_eq!(first.header("Cache-Control"), Some("public, max-age=19000"));
    let etag = first.header("ETag").expect("an ETag").to_owned();
    let again = get(&issuer.x509_url(), &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
}

#[test]
fn the_x509_map_fails_as_told() {
    let issuer = TestIssuer::start();
    issuer.set_behavior(Behavior { status: Some(503), ..Behavior::default() });
    assert_eq!(get(&issuer.x509_url(), &[]).status, 503);
    issuer.set_behavior(Behavior { body: Some(b"not json".to_vec()), ..Behavior::default() });
    assert_eq!(get(&issuer.x509_url(), &[]).body, b"not json");
    issuer.set_behavior(Behavior { redirect_to: Some("http://127.0.0.1:9/x509".into()), ..Behavior::default() });
    let redirect = get(&issuer.x509_url(), &[]);
    assert_eq!(redirect.status, 302);
    assert_eq!(redirect.header("Location"), Some("http://127.0.0.1:9/x509"));
}

#[test]
fn the_x509_map_connection_is_dropped_when_told() {
    let issuer = TestIssuer::start();
    issuer.set_behavior(Behavior { drop_connection: true, ..Behavior::default() });
    let rest = issuer.x509_url();
    let host = rest.strip_prefix("http://").unwrap().split('/').next().unwrap().to_owned();
    let mut stream = TcpStream::connect(host).unwrap();
    stream.write_all(b"GET /x509 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    assert!(raw.is_empty(), "got an answer: {:?}", String::from_utf8_lossy(&raw));
}
