//! `TestIssuer`: a real token issuer for tests. It generates keys, serves
//! `/.well-known/jwks.json`, the same keys as an X.509 certificate map at
//! `/x509` (as Firebase publishes them) and `/.well-known/openid-configuration`
//! over HTTP on 127.0.0.1 (port 0), or HTTPS with a certificate from its own
//! CA ([`TestIssuer::with_tls`]), mints tokens, rotates keys, counts
//! requests, and can be told to misbehave so a cache's behaviour is tested
//! against real HTTP.
//!
//! The server runs on plain threads, so it works from any runtime or none.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, KeyPair};
use aws_lc_rs::{hmac, rsa};
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::algorithm::Algorithm;
use crate::token::B64;
use crate::x509::{self, CertificateSignature};

mod login;

/// Path of the key set.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";
/// Path of the discovery document.
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";
/// Path of the X.509 certificate map: `{kid: PEM certificate}` for each RSA
/// and EC key (Ed25519 and HMAC keys have no entry).
pub const X509_PATH: &str = "/x509";

enum Signer {
    Rsa(rsa::KeyPair),
    Ec(signature::EcdsaKeyPair),
    Ed(signature::Ed25519KeyPair),
    Hmac(Box<hmac::Key>),
}

struct TestKey {
    kid: String,
    alg: Algorithm,
    signer: Signer,
    jwk: Value,
    public_pem: Option<String>,
    /// A self-signed certificate for the key, made once with the key.
    certificate_pem: Option<String>,
}

impl TestKey {
    fn generate(kid: String, alg: Algorithm) -> TestKey {
        let b64 = |bytes: &[u8]| B64.encode(bytes);
        let (signer, mut jwk, der, certificate) = match alg {
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => {
                let pair = rsa::KeyPair::generate(rsa::KeySize::Rsa2048).expect("RSA key generation");
                let public = pair.public_key();
                let jwk = json!({
                    "kty": "RSA",
                    "n": b64(public.modulus().big_endian_without_leading_zero()),
                    "e": b64(public.exponent().big_endian_without_leading_zero()),
                });
                let der = public.as_der().ok().map(|d| d.as_ref().to_vec());
                let certificate = der.as_deref().map(|spki| rsa_certificate(&kid, spki, &pair));
                (Signer::Rsa(pair), jwk, der, certificate)
            }
            Algorithm::ES256 | Algorithm::ES384 | Algorithm::ES512 | Algorithm::ES256K => {
                // JWS signs with fixed-size signatures, certificates with ASN.1 ones.
                let (signing, certificate_signing, crv, size) = match alg {
                    Algorithm::ES256 => (
                        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                        (&signature::ECDSA_P256_SHA256_ASN1_SIGNING, CertificateSignature::EcdsaSha256),
                        "P-256",
                        32,
                    ),
                    Algorithm::ES384 => (
                        &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
                        (&signature::ECDSA_P384_SHA384_ASN1_SIGNING, CertificateSignature::EcdsaSha384),
                        "P-384",
                        48,
                    ),
                    Algorithm::ES512 => (
                        &signature::ECDSA_P521_SHA512_FIXED_SIGNING,
                        (&signature::ECDSA_P521_SHA512_ASN1_SIGNING, CertificateSignature::EcdsaSha512),
                        "P-521",
                        66,
                    ),
                    _ => (
                        &signature::ECDSA_P256K1_SHA256_FIXED_SIGNING,
                        (&signature::ECDSA_P256K1_SHA256_ASN1_SIGNING, CertificateSignature::EcdsaSha256),
                        "secp256k1",
                        32,
                    ),
                };
                let pair = signature::EcdsaKeyPair::generate(signing).expect("EC key generation");
                let point = pair.public_key().as_ref();
                let jwk = json!({
                    "kty": "EC",
                    "crv": crv,
                    "x": b64(&point[1..1 + size]),
                    "y": b64(&point[1 + size..]),
                });
                let der = pair.public_key().as_der().ok().map(|d| d.as_ref().to_vec());
                let certificate = der.as_deref().map(|spki| ec_certificate(&kid, spki, &pair, certificate_signing));
                (Signer::Ec(pair), jwk, der, certificate)
            }
            Algorithm::EdDSA => {
                let pair = signature::Ed25519KeyPair::generate().expect("Ed25519 key generation");
                let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": b64(pair.public_key().as_ref())});
                let der = pair.public_key().as_der().ok().map(|d| d.as_ref().to_vec());
                (Signer::Ed(pair), jwk, der, None)
            }
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
                let mut secret = vec![0u8; alg.hmac_min_secret()];
                aws_lc_rs::rand::fill(&mut secret).expect("random secret");
                let digest = match alg {
                    Algorithm::HS256 => hmac::HMAC_SHA256,
                    Algorithm::HS384 => hmac::HMAC_SHA384,
                    _ => hmac::HMAC_SHA512,
                };
                let jwk = json!({"kty": "oct", "k": b64(&secret)});
                (Signer::Hmac(Box::new(hmac::Key::new(digest, &secret))), jwk, None, None)
            }
        };
        jwk["kid"] = json!(kid);
        jwk["alg"] = json!(alg.as_str());
        jwk["use"] = json!("sig");
        let public_pem = der.map(|d| pem::encode(&pem::Pem::new("PUBLIC KEY", d)));
        // LF line endings, as Firebase serves them.
        let lf = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
        let certificate_pem = certificate.map(|c| pem::encode_config(&pem::Pem::new("CERTIFICATE", c), lf));
        TestKey { kid, alg, signer, jwk, public_pem, certificate_pem }
    }

    fn sign(&self, alg: Algorithm, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match &self.signer {
            Signer::Rsa(pair) => {
                let padding: &'static dyn signature::RsaEncoding = match alg {
                    Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
                    Algorithm::RS512 => &signature::RSA_PKCS1_SHA512,
                    Algorithm::PS256 => &signature::RSA_PSS_SHA256,
                    Algorithm::PS384 => &signature::RSA_PSS_SHA384,
                    Algorithm::PS512 => &signature::RSA_PSS_SHA512,
                    _ => &signature::RSA_PKCS1_SHA256,
                };
                let mut sig = vec![0; pair.public_modulus_len()];
                pair.sign(padding, &rng, message, &mut sig).expect("RSA signing");
                sig
            }
            Signer::Ec(pair) => pair.sign(&rng, message).expect("ECDSA signing").as_ref().to_vec(),
            Signer::Ed(pair) => pair.sign(message).as_ref().to_vec(),
            Signer::Hmac(key) => hmac::sign(key, message).as_ref().to_vec(),
        }
    }
}

/// How the key endpoints (the JWKS and the X.509 certificate map) answer.
/// Discovery is unaffected except for `issuer` and `jwks_uri`.
#[derive(Debug, Clone, Default)]
pub struct Behavior {
    /// Wait this long before answering.
    pub delay: Duration,
    /// Answer with this status and a short body instead of the keys.
    pub status: Option<u16>,
    /// Answer 200 with this body instead of the keys.
    pub body: Option<Vec<u8>>,
    /// Close the connection without answering.
    pub drop_connection: bool,
    /// Send this `Cache-Control` header.
    pub cache_control: Option<String>,
    /// Send an `ETag` and answer 304 to a matching `If-None-Match`.
    pub etag: bool,
    /// Answer `302 Found` pointing here.
    pub redirect_to: Option<String>,
    /// The `issuer` the discovery document names (defaults to the real one).
    pub discovery_issuer: Option<String>,
    /// The `jwks_uri` the discovery document names (defaults to the real one).
    pub discovery_jwks_uri: Option<String>,
}

struct State {
    keys: Vec<TestKey>,
    version: u64,
    behavior: Behavior,
    requests: HashMap<String, u64>,
    next_kid: u64,
}

struct Shared {
    state: Mutex<State>,
    stopping: AtomicBool,
}

impl Shared {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A local issuer: keys, JWKS and discovery over HTTP, and token minting.
pub struct TestIssuer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    /// With TLS: the CA that issued the server certificate, as PEM.
    ca_pem: Option<String>,
}

/// What to put in a minted token beyond the defaults.
#[derive(Debug, Clone, Default)]
pub struct Mint {
    /// Claims merged over the defaults (`iss`, `iat`, `exp` = now + 600);
    /// a `null` value removes that claim.
    pub claims: Map<String, Value>,
    /// Header members merged over `alg`, `typ: JWT` and `kid`; `null` removes one.
    pub header: Map<String, Value>,
    /// Sign with this key (default: the newest key).
    pub kid: Option<String>,
    /// Sign as this algorithm instead of the key's own (for confusion tests).
    pub alg: Option<Algorithm>,
}

impl TestIssuer {
    /// Starts an issuer with one ES256 key.
    pub fn start() -> TestIssuer {
        TestIssuer::with_algorithms(&[Algorithm::ES256])
    }

    /// Starts an issuer with one key per algorithm given, in order (the last is the newest).
    pub fn with_algorithms(algorithms: &[Algorithm]) -> TestIssuer {
        TestIssuer::launch(algorithms, None)
    }

    /// Like [`with_algorithms`](Self::with_algorithms), serving HTTPS: the
    /// certificate names 127.0.0.1 and localhost and comes from a CA made
    /// for this issuer alone, so a client trusts it only when given
    /// [`ca_pem`](Self::ca_pem) (e.g. as `ca_file`).
    pub fn with_tls(algorithms: &[Algorithm]) -> TestIssuer {
        TestIssuer::launch(algorithms, Some(Tls::generate()))
    }

    fn launch(algorithms: &[Algorithm], tls: Option<Tls>) -> TestIssuer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                keys: Vec::new(),
                version: 1,
                behavior: Behavior::default(),
                requests: HashMap::new(),
                next_kid: 1,
            }),
            stopping: AtomicBool::new(false),
        });
        let ca_pem = tls.as_ref().map(|t| t.ca_pem.clone());
        let tls_config = tls.map(|t| t.config);
        let issuer = TestIssuer { shared: shared.clone(), addr, ca_pem };
        for alg in algorithms {
            issuer.add_key(*alg);
        }
        let base = issuer.url();
        thread::Builder::new()
            .name("tokenward-test-issuer".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if shared.stopping.load(Ordering::Acquire) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let shared = shared.clone();
                    let base = base.clone();
                    let _ = match tls_config.clone() {
                        None => thread::Builder::new().spawn(move || serve(&shared, &base, stream)),
                        Some(config) => thread::Builder::new().spawn(move || serve_tls(shared, base, stream, config)),
                    };
                }
            })
            .expect("spawn issuer thread");
        issuer
    }

    /// The issuer URL, `http://127.0.0.1:PORT` (`https://` with TLS), also
    /// the `iss` it mints.
    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// With TLS, the certificate of the CA that issued the server's
    /// certificate, as PEM: what a client must trust. `None` over plain HTTP.
    pub fn ca_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// Where the key set is served.
    pub fn jwks_url(&self) -> String {
        format!("{}{JWKS_PATH}", self.url())
    }

    /// Where the OpenID Connect discovery document is served.
    pub fn discovery_url(&self) -> String {
        format!("{}{DISCOVERY_PATH}", self.url())
    }

    /// Where the X.509 certificate map is served (see [`X509_PATH`]).
    pub fn x509_url(&self) -> String {
        format!("{}{X509_PATH}", self.url())
    }

    /// Adds a new key for `alg` and makes it the newest; returns its `kid`.
    pub fn add_key(&self, alg: Algorithm) -> String {
        let kid = {
            let mut state = self.shared.state();
            let n = state.next_kid;
            state.next_kid += 1;
            format!("{}-{n}", alg.as_str().to_ascii_lowercase())
        };
        let key = TestKey::generate(kid.clone(), alg);
        let mut state = self.shared.state();
        state.keys.push(key);
        state.version += 1;
        kid
    }

    /// Removes a key from the published set.
    pub fn remove_key(&self, kid: &str) {
        let mut state = self.shared.state();
        state.keys.retain(|k| k.kid != kid);
        state.version += 1;
    }

    /// Adds a new key for `alg` and removes every older one; returns the new `kid`.
    pub fn rotate(&self, alg: Algorithm) -> String {
        let kid = self.add_key(alg);
        let mut state = self.shared.state();
        state.keys.retain(|k| k.kid == kid);
        state.version += 1;
        kid
    }

    /// The `kid`s published now, oldest first.
    pub fn kids(&self) -> Vec<String> {
        self.shared.state().keys.iter().map(|k| k.kid.clone()).collect()
    }

    /// The JWKS document served now.
    pub fn jwks(&self) -> Value {
        jwks_of(&self.shared.state())
    }

    /// The X.509 certificate map served now: `{kid: PEM certificate}` for
    /// each RSA and EC key.
    pub fn x509(&self) -> Value {
        x509_of(&self.shared.state())
    }

    /// The public key of `kid` as PEM (`None` for HMAC keys).
    pub fn public_key_pem(&self, kid: &str) -> Option<String> {
        self.shared.state().keys.iter().find(|k| k.kid == kid)?.public_pem.clone()
    }

    /// Mints a token with the newest key: the given claims over
    /// `iss` = [`url`](Self::url), `iat` = now, `exp` = now + 600.
    pub fn mint(&self, claims: Value) -> String {
        let claims = match claims {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        self.mint_with(Mint { claims, ..Mint::default() })
    }

    /// Mints a token with full control of header, claims, key and algorithm.
    /// Panics when the key asked for is not there; see [`try_mint_with`](Self::try_mint_with).
    pub fn mint_with(&self, mint: Mint) -> String {
        self.try_mint_with(mint).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Mints a token, or says why not: the issuer has no key with `mint.kid`,
    /// or no key at all.
    pub fn try_mint_with(&self, mint: Mint) -> Result<String, String> {
        mint_with(&self.shared, &self.url(), mint)
    }

    /// Changes how the key endpoints answer from the next request on.
    pub fn set_behavior(&self, behavior: Behavior) {
        self.shared.state().behavior = behavior;
    }

    /// Edits the current behaviour in place.
    pub fn update_behavior(&self, edit: impl FnOnce(&mut Behavior)) {
        edit(&mut self.shared.state().behavior);
    }

    /// Requests received for `path` (e.g. [`JWKS_PATH`]).
    pub fn requests(&self, path: &str) -> u64 {
        self.shared.state().requests.get(path).copied().unwrap_or(0)
    }

    /// Requests received for the key set.
    pub fn jwks_requests(&self) -> u64 {
        self.requests(JWKS_PATH)
    }
}

impl Drop for TestIssuer {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::Release);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

/// Mints a token with the issuer's keys: `mint`'s claims over `iss` =
/// `base`, `iat` = now and `exp` = now + 600.
fn mint_with(shared: &Shared, base: &str, mint: Mint) -> Result<String, String> {
    let state = shared.state();
    let key = match &mint.kid {
        Some(kid) => {
            state.keys.iter().find(|k| &k.kid == kid).ok_or_else(|| format!("no key {kid:?} in this issuer"))?
        }
        None => state.keys.last().ok_or("the issuer has no key left to sign with")?,
    };
    let alg = mint.alg.unwrap_or(key.alg);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut header = Map::new();
    header.insert("alg".into(), json!(alg.as_str()));
    header.insert("typ".into(), json!("JWT"));
    header.insert("kid".into(), json!(key.kid));
    merge(&mut header, mint.header);
    let mut claims = Map::new();
    claims.insert("iss".into(), json!(base));
    claims.insert("iat".into(), json!(now));
    claims.insert("exp".into(), json!(now + 600));
    merge(&mut claims, mint.claims);
    let signing_input = format!(
        "{}.{}",
        B64.encode(serde_json::to_vec(&header).expect("header JSON")),
        B64.encode(serde_json::to_vec(&claims).expect("claims JSON"))
    );
    let signature = key.sign(alg, signing_input.as_bytes());
    Ok(format!("{signing_input}.{}", B64.encode(signature)))
}

fn merge(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (k, v) in from {
        if v.is_null() {
            into.remove(&k);
        } else {
            into.insert(k, v);
        }
    }
}

fn jwks_of(state: &State) -> Value {
    json!({"keys": state.keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>()})
}

fn x509_of(state: &State) -> Value {
    let map = state.keys.iter().filter_map(|k| Some((k.kid.clone(), json!(k.certificate_pem.clone()?))));
    Value::Object(map.collect())
}

/// A self-signed certificate for an RSA key, signed RSASSA-PKCS1-v1_5 with
/// SHA-256 whatever the key's JWS algorithm (as providers' certificates are).
fn rsa_certificate(kid: &str, spki: &[u8], pair: &rsa::KeyPair) -> Vec<u8> {
    x509::self_signed_certificate(kid, spki, CertificateSignature::RsaPkcs1Sha256, true, |tbs| {
        let mut sig = vec![0; pair.public_modulus_len()];
        pair.sign(&signature::RSA_PKCS1_SHA256, &SystemRandom::new(), tbs, &mut sig).expect("RSA signing");
        sig
    })
}

/// A self-signed certificate for an EC key, signed by the same private key
/// loaded for ASN.1 (DER) signatures.
fn ec_certificate(
    kid: &str,
    spki: &[u8],
    pair: &signature::EcdsaKeyPair,
    (signing, algorithm): (&'static signature::EcdsaSigningAlgorithm, CertificateSignature),
) -> Vec<u8> {
    let pkcs8 = pair.to_pkcs8v1().expect("EC key export");
    let pair = signature::EcdsaKeyPair::from_pkcs8(signing, pkcs8.as_ref()).expect("EC key import");
    x509::self_signed_certificate(kid, spki, algorithm, true, |tbs| {
        pair.sign(&SystemRandom::new(), tbs).expect("ECDSA signing").as_ref().to_vec()
    })
}

/// An HTTPS issuer's TLS side: the CA certificate clients trust, and the
/// server configuration with the certificate that CA issued for 127.0.0.1
/// and localhost (ECDSA P-256 keys, made fresh for each issuer).
struct Tls {
    ca_pem: String,
    config: Arc<rustls::ServerConfig>,
}

impl Tls {
    fn generate() -> Tls {
        let algorithm = &signature::ECDSA_P256_SHA256_ASN1_SIGNING;
        let ca_key = signature::EcdsaKeyPair::generate(algorithm).expect("CA key generation");
        let server_key = signature::EcdsaKeyPair::generate(algorithm).expect("server key generation");
        let spki = |pair: &signature::EcdsaKeyPair| pair.public_key().as_der().expect("SPKI").as_ref().to_vec();
        let sign_with_ca =
            |tbs: &[u8]| ca_key.sign(&SystemRandom::new(), tbs).expect("ECDSA signing").as_ref().to_vec();
        // A name of its own: clients look a chain's CA up by name, and two
        // issuers' CAs with one name would be told apart only by a bad signature.
        let mut tag = [0u8; 6];
        aws_lc_rs::rand::fill(&mut tag).expect("random CA name");
        let ca_name = &format!("tokenward TestIssuer CA {}", B64.encode(tag));
        let ca =
            x509::issued_certificate(ca_name, ca_name, &spki(&ca_key), x509::CertificateRole::Authority, sign_with_ca);
        let loopback = [std::net::IpAddr::from([127, 0, 0, 1]), std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST)];
        let role = x509::CertificateRole::Server { dns_names: &["localhost"], ip_addresses: &loopback };
        let server = x509::issued_certificate("localhost", ca_name, &spki(&server_key), role, sign_with_ca);
        let server_pkcs8 = server_key.to_pkcs8v1().expect("server key export").as_ref().to_vec();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![rustls::pki_types::CertificateDer::from(server)],
                rustls::pki_types::PrivatePkcs8KeyDer::from(server_pkcs8).into(),
            )
            .expect("TLS server configuration");
        Tls { ca_pem: pem::encode(&pem::Pem::new("CERTIFICATE", ca)), config: Arc::new(config) }
    }
}

/// One HTTPS connection: TLS is terminated here and the request handed to
/// [`serve`] over a loopback socket pair, so every route is served alike
/// over HTTP and HTTPS. Requests are GETs answered with `Connection: close`:
/// the request head goes in, everything `serve` writes comes back out, and
/// a connection `serve` drops without answering is dropped here too.
fn serve_tls(shared: Arc<Shared>, base: String, stream: TcpStream, config: Arc<rustls::ServerConfig>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Ok(connection) = rustls::ServerConnection::new(config) else { return };
    let mut tls = rustls::StreamOwned::new(connection, stream);
    // A handshake the client refuses (an untrusted certificate) ends here.
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match tls.read(&mut chunk) {
            Ok(n) if n > 0 && head.len() <= 64 * 1024 => head.extend_from_slice(&chunk[..n]),
            _ => return,
        }
    }
    let Ok(listener) = TcpListener::bind("127.0.0.1:0") else { return };
    let Ok(mut inner) = listener.local_addr().and_then(TcpStream::connect) else { return };
    let Ok((plain, _)) = listener.accept() else { return };
    let handler = thread::spawn(move || serve(&shared, &base, plain));
    let mut response = Vec::new();
    if inner.write_all(&head).is_ok() {
        let _ = inner.read_to_end(&mut response);
    }
    let _ = handler.join();
    if response.is_empty() {
        let _ = tls.sock.shutdown(Shutdown::Both);
        return;
    }
    let _ = tls.write_all(&response);
    tls.conn.send_close_notify();
    let _ = tls.flush();
}

fn serve(shared: &Shared, base: &str, mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Some((path, if_none_match)) = read_request(&mut stream) else {
        return;
    };
    if login::handles(&path) {
        return login::serve(shared, base, &path, &mut stream);
    }
    let (behavior, keys, version) = {
        let mut state = shared.state();
        *state.requests.entry(path.clone()).or_default() += 1;
        let keys = match path.as_str() {
            JWKS_PATH => Some(jwks_of(&state)),
            X509_PATH => Some(x509_of(&state)),
            _ => None,
        };
        (state.behavior.clone(), keys, state.version)
    };
    if path == DISCOVERY_PATH {
        let doc = json!({
            "issuer": behavior.discovery_issuer.clone().unwrap_or_else(|| base.to_owned()),
            "jwks_uri": behavior.discovery_jwks_uri.clone().unwrap_or_else(|| format!("{base}{JWKS_PATH}")),
            "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
        });
        respond(&mut stream, "200 OK", &[], &serde_json::to_vec(&doc).unwrap_or_default());
        return;
    }
    let Some(keys) = keys else {
        respond(&mut stream, "404 Not Found", &[], b"{\"error\":\"not found\"}");
        return;
    };
    if !behavior.delay.is_zero() {
        thread::sleep(behavior.delay);
    }
    if behavior.drop_connection {
        let _ = stream.shutdown(Shutdown::Both);
        return;
    }
    if let Some(to) = &behavior.redirect_to {
        respond(&mut stream, "302 Found", &[("Location", to.clone())], b"");
        return;
    }
    if let Some(status) = behavior.status {
        respond(&mut stream, &format!("{status} Test Status"), &[], b"{\"error\":\"test status\"}");
        return;
    }
    let mut headers = Vec::new();
    if let Some(cc) = &behavior.cache_control {
        headers.push(("Cache-Control", cc.clone()));
    }
    if behavior.etag {
        let etag = format!("\"v{version}\"");
        if if_none_match.as_deref() == Some(etag.as_str()) {
            headers.push(("ETag", etag));
            respond(&mut stream, "304 Not Modified", &headers, b"");
            return;
        }
        headers.push(("ETag", etag));
    }
    let body = behavior.body.clone().unwrap_or_else(|| serde_json::to_vec(&keys).unwrap_or_default());
    respond(&mut stream, "200 OK", &headers, &body);
}

/// Reads the request line and headers; returns the path and `If-None-Match`.
fn read_request(stream: &mut TcpStream) -> Option<(String, Option<String>)> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 || buf.len() > 64 * 1024 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buf);
    let mut lines = text.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_owned();
    let if_none_match = lines.find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim().eq_ignore_ascii_case("if-none-match").then(|| value.trim().to_owned())
    });
    Some((path, if_none_match))
}

fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let _ = stream.flush();
}
