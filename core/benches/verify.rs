//! `make bench`: per algorithm, µs per verification, side by side in one
//! run, as two tables:
//!
//! - unique tokens: a pool of 8192 distinct tokens (twice the default
//!   verified-token cache) cycled, so no cache ever hits: tokenward with
//!   held keys and through a warm JWKS cache, the bare aws-lc signature check
//!   over the same bytes, and jsonwebtoken's `decode`;
//! - repeated tokens: one token again and again (a session's access token),
//!   where tokenward answers from its verified-token cache.
//!
//! The machine is noisy, so each figure is the median of several rounds, and
//! the contenders run interleaved, round by round.

use std::hint::black_box;
use std::time::Instant;

use aws_lc_rs::hmac;
use aws_lc_rs::signature::{self, ParsedPublicKey, VerificationAlgorithm};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use tokenward::testing::TestIssuer;
use tokenward::{Algorithm, Verifier};

const ROUNDS: usize = 9;
const POOL: usize = 8192;

/// Medians of µs per call, the contenders run in turn within each round;
/// each makes its own number of calls per round (cheap ones more).
fn race(contenders: &mut [(usize, &mut dyn FnMut())]) -> Vec<f64> {
    let mut samples = vec![Vec::with_capacity(ROUNDS); contenders.len()];
    for (calls, f) in contenders.iter_mut() {
        for _ in 0..*calls / 10 + 1 {
            f();
        }
    }
    for _ in 0..ROUNDS {
        for (i, (calls, f)) in contenders.iter_mut().enumerate() {
            let t = Instant::now();
            for _ in 0..*calls {
                f();
            }
            samples[i].push(t.elapsed().as_secs_f64() * 1e6 / *calls as f64);
        }
    }
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(|a, b| a.total_cmp(b));
            s[ROUNDS / 2]
        })
        .collect()
}

fn realistic_claims(aud: &str, n: usize) -> Value {
    json!({
        "sub": format!("6667d1f2-03d1-09aa-bb44-{n:012}"),
        "aud": aud,
        "email": "putri.karunia@example.com",
        "scope": "openid profile email",
    })
}

/// A signature check: (signing input, signature) -> valid.
type Check = Box<dyn Fn(&[u8], &[u8]) -> bool>;

/// The bare signature check of one algorithm, on a pre-parsed key.
fn bare_checker(alg: Algorithm, issuer: &TestIssuer) -> Check {
    let kid = issuer.kids()[0].clone();
    let jwk = issuer.jwks()["keys"][0].clone();
    if alg == Algorithm::HS256 {
        let secret = URL_SAFE_NO_PAD.decode(jwk["k"].as_str().unwrap()).unwrap();
        let key = hmac::Key::new(hmac::HMAC_SHA256, &secret);
        return Box::new(move |input, sig| hmac::verify(&key, input, sig).is_ok());
    }
    let der = pem::parse(issuer.public_key_pem(&kid).unwrap()).unwrap().into_contents();
    let verify_alg: &'static dyn VerificationAlgorithm = match alg {
        Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::ES256 => &signature::ECDSA_P256_SHA256_FIXED,
        _ => &signature::ED25519,
    };
    let key = ParsedPublicKey::new(verify_alg, &der).unwrap();
    Box::new(move |input, sig| key.verify_sig(input, sig).is_ok())
}

struct Row {
    alg: Algorithm,
    bytes: usize,
    bare: f64,
    held: f64,
    remote: f64,
    jsonwebtoken: f64,
    /// Held keys with the verified-token cache off (unique tokens only).
    uncached: Option<f64>,
}

fn bench(alg: Algorithm, runtime: &tokio::runtime::Runtime) -> (Row, Row) {
    let issuer = TestIssuer::with_algorithms(&[alg]);
    let aud = "https://api.example.com";
    let pool: Vec<String> = (0..POOL).map(|n| issuer.mint(realistic_claims(aud, n))).collect();
    let split: Vec<(Vec<u8>, Vec<u8>)> = pool
        .iter()
        .map(|t| {
            let (input, sig) = t.rsplit_once('.').unwrap();
            (input.as_bytes().to_vec(), URL_SAFE_NO_PAD.decode(sig).unwrap())
        })
        .collect();
    let algorithms = [alg];
    let jwks = issuer.jwks().to_string();
    let held =
        Verifier::builder().jwks_json(&jwks).issuer(issuer.url()).audience(aud).algorithms(algorithms).build().unwrap();
    let remote = Verifier::builder()
        .jwks_url(issuer.jwks_url())
        .issuer(issuer.url())
        .audience(aud)
        .algorithms(algorithms)
        .build()
        .unwrap();
    runtime.block_on(remote.refresh()).unwrap();
    let uncached = Verifier::builder()
        .jwks_json(&jwks)
        .issuer(issuer.url())
        .audience(aud)
        .algorithms(algorithms)
        .token_cache_size(0)
        .build()
        .unwrap();
    let bare = bare_checker(alg, &issuer);

    let jwt_alg = match alg {
        Algorithm::RS256 => jsonwebtoken::Algorithm::RS256,
        Algorithm::ES256 => jsonwebtoken::Algorithm::ES256,
        Algorithm::EdDSA => jsonwebtoken::Algorithm::EdDSA,
        _ => jsonwebtoken::Algorithm::HS256,
    };
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(issuer.jwks()["keys"][0].clone()).unwrap();
    let decoding_key = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jwt_alg);
    validation.set_audience(&[aud]);
    validation.set_issuer(&[issuer.url()]);
    let jwt_decode = |t: &str| jsonwebtoken::decode::<Value>(t, &decoding_key, &validation).is_ok();

    let calls = if alg == Algorithm::HS256 { 100_000 } else { 2_000 };
    // Each contender walks the pool with its own cursor, so every call it
    // makes is on a token it has not seen for POOL calls.
    let cursor = || {
        let mut next = 0usize;
        move || {
            next = (next + 1) % POOL;
            next
        }
    };
    let (mut a, mut b, mut c, mut d, mut e) = (cursor(), cursor(), cursor(), cursor(), cursor());
    let unique = race(&mut [
        (calls, &mut || {
            let (input, sig) = &split[a()];
            assert!(black_box(bare(input, sig)));
        }),
        (calls, &mut || {
            black_box(held.verify_with_held_keys(black_box(&pool[b()])).unwrap());
        }),
        (calls, &mut || {
            let token = &pool[c()];
            black_box(runtime.block_on(remote.verify(black_box(token))).unwrap());
        }),
        (calls, &mut || assert!(black_box(jwt_decode(&pool[d()])))),
        (calls, &mut || {
            black_box(uncached.verify_with_held_keys(black_box(&pool[e()])).unwrap());
        }),
    ]);
    assert_eq!(held.stats().tokens.hits, 0, "unique tokens never hit the cache");
    let (one, (input, sig)) = (&pool[0], &split[0]);
    let cached_calls = 200_000;
    let repeated = race(&mut [
        (calls, &mut || assert!(black_box(bare(input, sig)))),
        (cached_calls, &mut || {
            black_box(held.verify_with_held_keys(black_box(one)).unwrap());
        }),
        (cached_calls, &mut || {
            black_box(runtime.block_on(remote.verify(black_box(one))).unwrap());
        }),
        (calls, &mut || assert!(black_box(jwt_decode(one)))),
    ]);
    assert_eq!(issuer.jwks_requests(), 1, "the remote verifier stayed on its warm key cache");
    let row = |r: Vec<f64>| Row {
        alg,
        bytes: one.len(),
        bare: r[0],
        held: r[1],
        remote: r[2],
        jsonwebtoken: r[3],
        uncached: r.get(4).copied(),
    };
    (row(unique), row(repeated))
}

fn print(title: &str, rows: &[Row]) {
    println!("{title}");
    println!(
        "{:<6} {:>6} {:>9} {:>9} {:>9} {:>10} {:>10} {:>12} {:>11}",
        "alg", "bytes", "bare", "held", "remote", "jwt-crate", "held-bare", "remote-held", "jwt/held"
    );
    if rows.iter().any(|r| r.uncached.is_some()) {
        println!("{:>95}", "no-cache");
    }
    for r in rows {
        let uncached = r.uncached.map_or_else(String::new, |u| format!("{u:>10.2}"));
        println!(
            "{:<6} {:>6} {:>9.2} {:>9.2} {:>9.2} {:>10.2} {:>10.2} {:>12.2} {:>10.1}x {uncached}",
            r.alg.as_str(),
            r.bytes,
            r.bare,
            r.held,
            r.remote,
            r.jsonwebtoken,
            r.held - r.bare,
            r.remote - r.held,
            r.jsonwebtoken / r.held
        );
    }
    println!();
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    println!("tokenward core benchmark (µs per verification, median of {ROUNDS} interleaved rounds)\n");
    let (mut unique, mut repeated) = (Vec::new(), Vec::new());
    for alg in [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA, Algorithm::HS256] {
        let (u, r) = bench(alg, &runtime);
        unique.push(u);
        repeated.push(r);
    }
    print(&format!("unique tokens ({POOL} distinct, cycled: no cache hits)"), &unique);
    print("repeated tokens (one token again and again: tokenward answers from its verified-token cache)", &repeated);
    println!("bare = aws-lc signature check alone on a pre-parsed key; held = verify_with_held_keys;");
    println!(
        "remote = verify().await through a warm JWKS cache; jwt-crate = jsonwebtoken::decode with the same checks."
    );
}
