//! How key sets are reached: the CAs trusted over TLS (`ca_file`, `ca_only`)
//! and proxies (`proxy`), against a TestIssuer serving HTTPS on 127.0.0.1
//! with its own CA and a CONNECT proxy run by the test.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use serde_json::json;
use tokenward::testing::TestIssuer;
use tokenward::{Algorithm, ErrorCode, Verifier, VerifierBuilder};

const AUD: &str = "my-api";

fn https_issuer() -> TestIssuer {
    TestIssuer::with_tls(&[Algorithm::ES256])
}

fn token(issuer: &TestIssuer) -> String {
    issuer.mint(json!({"sub": "user-1", "aud": AUD}))
}

fn builder(issuer: &TestIssuer) -> VerifierBuilder {
    Verifier::builder().jwks_url(issuer.jwks_url()).issuer(issuer.url()).audience(AUD)
}

/// A file in the temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn with(name: &str, contents: &str) -> TempFile {
        let path = std::env::temp_dir().join(format!("tokenward-transport-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).expect("write temporary file");
        TempFile(path)
    }

    /// The issuer's CA certificate as a PEM bundle.
    fn ca_of(issuer: &TestIssuer, name: &str) -> TempFile {
        TempFile::with(name, &issuer.ca_pem().expect("an https issuer has a CA"))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// An HTTP proxy that tunnels `CONNECT host:port` requests and counts them;
/// anything else is answered 405.
struct ConnectProxy {
    addr: SocketAddr,
    connects: Arc<AtomicU64>,
    targets: Arc<Mutex<Vec<String>>>,
}

impl ConnectProxy {
    fn start() -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let connects = Arc::new(AtomicU64::new(0));
        let targets = Arc::new(Mutex::new(Vec::new()));
        let (count, seen) = (connects.clone(), targets.clone());
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (count, seen) = (count.clone(), seen.clone());
                thread::spawn(move || tunnel(client, &count, &seen));
            }
        });
        ConnectProxy { addr, connects, targets }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn connects(&self) -> u64 {
        self.connects.load(Ordering::SeqCst)
    }
}

fn tunnel(mut client: TcpStream, count: &AtomicU64, seen: &Mutex<Vec<String>>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head);
    let mut request_line = head.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (request_line.next(), request_line.next()) else {
        let _ = client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    count.fetch_add(1, Ordering::SeqCst);
    seen.lock().unwrap().push(target.to_owned());
    let Ok(server) = TcpStream::connect(target) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    if client.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n").is_err() {
        return;
    }
    let (mut client_in, mut server_out) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let upstream = thread::spawn(move || {
        let _ = std::io::copy(&mut client_in, &mut server_out);
        let _ = server_out.shutdown(Shutdown::Write);
    });
    let (mut server_in, mut client_out) = (server, client);
    let _ = std::io::copy(&mut server_in, &mut client_out);
    let _ = client_out.shutdown(Shutdown::Write);
    let _ = upstream.join();
}

#[tokio::test]
async fn the_test_issuer_serves_https_with_a_ca_of_its_own() {
    let issuer = https_issuer();
    assert!(issuer.url().starts_with("https://127.0.0.1:"), "{}", issuer.url());
    assert!(issuer.ca_pem().unwrap().starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(TestIssuer::start().ca_pem(), None);
}

#[tokio::test]
async fn verifies_with_keys_fetched_over_tls_from_a_server_whose_ca_is_in_ca_file() {
    let issuer = https_issuer();
    let ca = TempFile::ca_of(&issuer, "trusted.pem");
    let verifier = builder(&issuer).ca_file(&ca.0).build().unwrap();
    let claims = verifier.verify(&token(&issuer)).await.unwrap();
    assert_eq!(claims.subject(), Some("user-1"));
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test]
async fn discovery_and_the_key_set_both_use_the_ca_file() {
    let issuer = https_issuer();
    let ca = TempFile::ca_of(&issuer, "discovery.pem");
    let verifier = Verifier::builder().discover(issuer.url()).audience(AUD).ca_file(&ca.0).build().unwrap();
    verifier.verify(&token(&issuer)).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test]
async fn an_untrusted_certificate_is_jwks_fetch_failed_naming_the_certificate_problem() {
    let issuer = https_issuer();
    let verifier = builder(&issuer).build().unwrap();
    let err = verifier.verify(&token(&issuer)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorCode::JwksFetchFailed);
    let message = err.message();
    assert!(message.contains("invalid peer certificate: UnknownIssuer"), "{message}");
    assert!(message.contains("ca_file"), "says what to do: {message}");
    assert_eq!(issuer.jwks_requests(), 0, "no request crosses a refused handshake");
}

#[tokio::test]
async fn ca_only_trusts_the_bundle_alone() {
    let issuer = https_issuer();
    let ca = TempFile::ca_of(&issuer, "only.pem");
    let verifier = builder(&issuer).ca_file(&ca.0).ca_only(true).build().unwrap();
    verifier.verify(&token(&issuer)).await.unwrap();
}

#[tokio::test]
async fn ca_only_with_an_unrelated_ca_refuses_the_server() {
    let issuer = https_issuer();
    let other = https_issuer();
    let ca = TempFile::ca_of(&other, "unrelated.pem");
    let verifier = builder(&issuer).ca_file(&ca.0).ca_only(true).build().unwrap();
    let err = verifier.verify(&token(&issuer)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorCode::JwksFetchFailed);
    assert!(err.message().contains("UnknownIssuer"), "{}", err.message());
}

#[test]
fn an_unreadable_ca_file_is_a_configuration_error_at_build_naming_it() {
    let issuer = https_issuer();
    let missing = std::env::temp_dir().join("tokenward-transport-no-such-bundle.pem");
    let err = builder(&issuer).ca_file(&missing).build().unwrap_err();
    assert_eq!(err.kind(), ErrorCode::Configuration);
    assert!(err.message().contains(&*missing.to_string_lossy()), "{}", err.message());
}

#[test]
fn a_ca_file_without_a_certificate_is_a_configuration_error_at_build_naming_it() {
    let issuer = https_issuer();
    for (name, contents) in [("empty.pem", ""), ("text.pem", "not a certificate\n"), ("key.pem", KEY_ONLY)] {
        let file = TempFile::with(name, contents);
        let err = builder(&issuer).ca_file(&file.0).build().unwrap_err();
        assert_eq!(err.kind(), ErrorCode::Configuration);
        assert!(err.message().contains(&*file.0.to_string_lossy()), "{}", err.message());
        assert!(err.message().contains("no certificate"), "{}", err.message());
    }
}

const KEY_ONLY: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n";

#[test]
fn a_certificate_block_that_is_not_a_certificate_is_a_configuration_error() {
    let issuer = https_issuer();
    let file = TempFile::with("garbage.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    let err = builder(&issuer).ca_file(&file.0).build().unwrap_err();
    assert_eq!(err.kind(), ErrorCode::Configuration);
    assert!(err.message().contains("not a valid X.509 certificate"), "{}", err.message());
}

#[test]
fn ca_only_without_ca_file_is_a_configuration_error() {
    let err = builder(&https_issuer()).ca_only(true).build().unwrap_err();
    assert_eq!(err.kind(), ErrorCode::Configuration);
    assert!(err.message().contains("ca_file"), "{}", err.message());
}

#[tokio::test]
async fn the_proxy_option_tunnels_https_fetches_with_connect() {
    let issuer = https_issuer();
    let ca = TempFile::ca_of(&issuer, "proxied.pem");
    let proxy = ConnectProxy::start();
    let verifier = builder(&issuer).ca_file(&ca.0).proxy(proxy.url()).build().unwrap();
    verifier.verify(&token(&issuer)).await.unwrap();
    assert_eq!(proxy.connects(), 1);
    let target = issuer.url().trim_start_matches("https://").to_owned();
    assert_eq!(*proxy.targets.lock().unwrap(), vec![target]);
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test]
async fn a_proxy_that_refuses_the_tunnel_is_jwks_fetch_failed() {
    let issuer = https_issuer();
    let ca = TempFile::ca_of(&issuer, "refused.pem");
    // Nothing listens on port 9 of loopback (discard); the connection is refused.
    let verifier = builder(&issuer).ca_file(&ca.0).proxy("http://127.0.0.1:9").build().unwrap();
    let err = verifier.verify(&token(&issuer)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorCode::JwksFetchFailed);
    assert_eq!(issuer.jwks_requests(), 0, "the fetch went to the proxy, not around it");
}

#[test]
fn a_proxy_that_is_not_an_http_url_is_a_configuration_error() {
    let issuer = https_issuer();
    for bad in ["socks5://127.0.0.1:1080", "not a url", "ftp://user:s3cret@proxy.internal"] {
        let err = builder(&issuer).proxy(bad).build().unwrap_err();
        assert_eq!(err.kind(), ErrorCode::Configuration, "{bad}");
        assert!(err.message().contains("proxy"), "{}", err.message());
        assert!(!err.message().contains("s3cret"), "{}", err.message());
    }
}
