//! `make bench`: per algorithm, on the same ~500-byte token, µs per
//! verification for tokenward (held keys and warm remote cache), the bare
//! aws-lc signature check over the same bytes, and jsonwebtoken's `decode`.
//! Printed side by side from one run; the machine is noisy, so each figure is
//! the median of several rounds.

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

/// Median µs per call of `f` over `ROUNDS` rounds of `n` calls.
fn measure(n: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..n / 10 + 1 {
        f();
    }
    let mut samples: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            t.elapsed().as_secs_f64() * 1e6 / n as f64
        })
        .collect();
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[ROUNDS / 2]
}

fn realistic_claims(aud: &str) -> Value {
    json!({
        "sub": "6667d1f2-03d1-09aa-bb44-af6f81fb5432",
        "aud": aud,
        "email": "putri.karunia@example.com",
        "scope": "openid profile email",
    })
}

struct Row {
    alg: Algorithm,
    bytes: usize,
    held: f64,
    remote: f64,
    bare: f64,
    jsonwebtoken: f64,
}

fn bench(alg: Algorithm, runtime: &tokio::runtime::Runtime) -> Row {
    let issuer = TestIssuer::with_algorithms(&[alg]);
    let aud = "https://api.example.com";
    let token = issuer.mint(realistic_claims(aud));
    let jwks = issuer.jwks().to_string();
    let algorithms = [alg];
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
    held.verify_with_held_keys(&token).expect("token verifies");

    let (signing_input, sig_b64) = token.rsplit_once('.').unwrap();
    let sig = URL_SAFE_NO_PAD.decode(sig_b64).unwrap();
    let kid = issuer.kids()[0].clone();
    let jwk = issuer.jwks()["keys"][0].clone();
    let bare: Box<dyn Fn() -> bool> = if alg == Algorithm::HS256 {
        let secret = URL_SAFE_NO_PAD.decode(jwk["k"].as_str().unwrap()).unwrap();
        let key = hmac::Key::new(hmac::HMAC_SHA256, &secret);
        let (input, sig) = (signing_input.as_bytes().to_vec(), sig.clone());
        Box::new(move || hmac::verify(&key, &input, &sig).is_ok())
    } else {
        let der = pem::parse(issuer.public_key_pem(&kid).unwrap()).unwrap().into_contents();
        let verify_alg: &'static dyn VerificationAlgorithm = match alg {
            Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            Algorithm::ES256 => &signature::ECDSA_P256_SHA256_FIXED,
            _ => &signature::ED25519,
        };
        let key = ParsedPublicKey::new(verify_alg, &der).unwrap();
        let (input, sig) = (signing_input.as_bytes().to_vec(), sig.clone());
        Box::new(move || key.verify_sig(&input, &sig).is_ok())
    };
    assert!(bare());

    let jwt_alg = match alg {
        Algorithm::RS256 => jsonwebtoken::Algorithm::RS256,
        Algorithm::ES256 => jsonwebtoken::Algorithm::ES256,
        Algorithm::EdDSA => jsonwebtoken::Algorithm::EdDSA,
        _ => jsonwebtoken::Algorithm::HS256,
    };
    let jwk_parsed: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk).unwrap();
    let decoding_key = jsonwebtoken::DecodingKey::from_jwk(&jwk_parsed).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jwt_alg);
    validation.set_audience(&[aud]);
    validation.set_issuer(&[issuer.url()]);
    let jwt_decode = || jsonwebtoken::decode::<Value>(&token, &decoding_key, &validation).is_ok();
    assert!(jwt_decode());

    let n = if alg == Algorithm::HS256 { 200_000 } else { 4_000 };
    let bare_us = measure(n, || assert!(black_box(bare())));
    let held_us = measure(n, || {
        black_box(held.verify_with_held_keys(black_box(&token)).unwrap());
    });
    let remote_us = runtime.block_on(async {
        let mut samples = Vec::new();
        for _ in 0..ROUNDS {
            let t = Instant::now();
            for _ in 0..n {
                black_box(remote.verify(black_box(&token)).await.unwrap());
            }
            samples.push(t.elapsed().as_secs_f64() * 1e6 / n as f64);
        }
        samples.sort_by(|a, b| a.total_cmp(b));
        samples[ROUNDS / 2]
    });
    let jwt_us = measure(n, || assert!(black_box(jwt_decode())));
    assert_eq!(issuer.jwks_requests(), 1, "the remote verifier stayed on its warm cache");
    Row { alg, bytes: token.len(), held: held_us, remote: remote_us, bare: bare_us, jsonwebtoken: jwt_us }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    println!("tokenward core benchmark (µs per verification, median of {ROUNDS} rounds)");
    println!(
        "{:<6} {:>6} {:>10} {:>10} {:>10} {:>10} {:>12} {:>12} {:>13}",
        "alg", "bytes", "bare", "held", "remote", "jwt-crate", "held-bare", "remote-held", "jwt-crate-bare"
    );
    for alg in [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA, Algorithm::HS256] {
        let r = bench(alg, &runtime);
        println!(
            "{:<6} {:>6} {:>10.2} {:>10.2} {:>10.2} {:>10.2} {:>12.2} {:>12.2} {:>13.2}",
            r.alg.as_str(),
            r.bytes,
            r.bare,
            r.held,
            r.remote,
            r.jsonwebtoken,
            r.held - r.bare,
            r.remote - r.held,
            r.jsonwebtoken - r.bare
        );
    }
    println!("bare = aws-lc signature check alone on a pre-parsed key; held = verify_with_held_keys;");
    println!(
        "remote = verify().await through a warm JWKS cache; jwt-crate = jsonwebtoken::decode with the same checks."
    );
}
