//! Rules that keep a hostile token, key set or configuration from getting a
//! token accepted, a message leaking a secret, or a panic escaping.

use base64::Engine;
use serde_json::{json, Map, Value};
use tokenward::testing::{Behavior, Mint, TestIssuer};
use tokenward::{Algorithm, Clock, ErrorCode, KeySet, Policy, Verifier};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).unwrap()
}

fn jwks(keys: Vec<Value>) -> String {
    json!({ "keys": keys }).to_string()
}

fn only_key_refused(key: Value) -> tokenward::Error {
    let err = KeySet::from_jwks_json(jwks(vec![key]).as_bytes()).expect_err("the key must be refused");
    assert_eq!(err.kind(), ErrorCode::JwksInvalid, "{err}");
    err
}

fn header_kid(kid: &str) -> Map<String, Value> {
    Map::from_iter([("kid".to_owned(), Value::from(kid))])
}

// Discovery's issuer

#[tokio::test]
async fn discovery_expects_the_issuer_the_document_names_with_its_trailing_slash() {
    let issuer = TestIssuer::start();
    let published = format!("{}/", issuer.url());
    issuer.set_behavior(Behavior { discovery_issuer: Some(published.clone()), ..Behavior::default() });
    let verifier = Verifier::builder().discover(issuer.url()).build().unwrap();
    let token = issuer.mint(json!({ "iss": published }));
    let claims = verifier.verify(&token).await.expect("the document's issuer is the expected iss");
    assert_eq!(claims.issuer(), Some(published.as_str()));
    let typed = issuer.mint(json!({ "iss": issuer.url() }));
    assert_eq!(verifier.verify(&typed).await.unwrap_err().kind(), ErrorCode::InvalidIssuer);
    assert_eq!(verifier.policy().issuers, vec![published]);
}

#[tokio::test]
async fn an_explicit_issuer_wins_over_the_discovered_one() {
    let issuer = TestIssuer::start();
    issuer.set_behavior(Behavior { discovery_issuer: Some(format!("{}/", issuer.url())), ..Behavior::default() });
    let verifier = Verifier::builder().discover(issuer.url()).issuer("https://custom.example").build().unwrap();
    let token = issuer.mint(json!({ "iss": format!("{}/", issuer.url()) }));
    assert_eq!(verifier.verify(&token).await.unwrap_err().kind(), ErrorCode::InvalidIssuer);
    let custom = issuer.mint(json!({ "iss": "https://custom.example" }));
    assert!(verifier.verify(&custom).await.is_ok());
}

#[test]
fn a_discovery_url_with_a_query_or_fragment_is_a_configuration_error() {
    for url in ["https://tenant.example/?x=1", "https://tenant.example/#top"] {
        let err = Verifier::builder().discover(url).build().unwrap_err();
        assert_eq!(err.kind(), ErrorCode::Configuration, "{url}");
        assert!(err.message().contains("query or fragment"), "{}", err.message());
    }
}

// Exact kid

#[test]
fn a_kid_less_jwks_entry_does_not_serve_a_token_that_names_another_kid() {
    let issuer = TestIssuer::start();
    let mut key = issuer.jwks()["keys"][0].clone();
    key.as_object_mut().unwrap().remove("kid");
    let verifier = Verifier::builder().jwks_json(jwks(vec![key])).build().unwrap();
    let named = issuer.mint_with(Mint { header: header_kid("rotated-in"), ..Mint::default() });
    let err = verifier.verify_with_held_keys(&named).unwrap_err();
    assert_eq!(err.kind(), ErrorCode::KeyNotFound, "{err}");
    let unnamed =
        issuer.mint_with(Mint { header: Map::from_iter([("kid".to_owned(), Value::Null)]), ..Mint::default() });
    assert!(verifier.verify_with_held_keys(&unnamed).is_ok(), "a token without kid still uses the only key");
}

#[test]
fn a_pem_key_serves_tokens_whatever_kid_they_name() {
    let issuer = TestIssuer::start();
    let pem = issuer.public_key_pem(&issuer.kids()[0]).unwrap();
    let verifier = Verifier::builder().pem(pem).build().unwrap();
    let token = issuer.mint_with(Mint { header: header_kid("any-kid"), ..Mint::default() });
    assert!(verifier.verify_with_held_keys(&token).is_ok());
}

#[test]
fn keys_sharing_a_kid_are_each_tried_before_invalid_signature() {
    let issuer = TestIssuer::with_algorithms(&[Algorithm::ES256, Algorithm::ES256]);
    let mut keys: Vec<Value> = issuer.jwks()["keys"].as_array().unwrap().clone();
    for key in &mut keys {
        key["kid"] = json!("shared");
    }
    let verifier = Verifier::builder().jwks_json(jwks(keys)).build().unwrap();
    for kid in issuer.kids() {
        let token = issuer.mint_with(Mint { kid: Some(kid), header: header_kid("shared"), ..Mint::default() });
        assert!(verifier.verify_with_held_keys(&token).is_ok());
    }
}

#[tokio::test]
async fn a_rotation_behind_a_kid_less_entry_refetches_instead_of_failing_the_signature() {
    let issuer = TestIssuer::start();
    let first = issuer.kids()[0].clone();
    let mut kidless = issuer.jwks()["keys"][0].clone();
    kidless.as_object_mut().unwrap().remove("kid");
    issuer.set_behavior(Behavior { body: Some(jwks(vec![kidless]).into_bytes()), ..Behavior::default() });
    let verifier = Verifier::builder().jwks_url(issuer.jwks_url()).cooldown(std::time::Duration::ZERO).build().unwrap();
    let old = issuer.mint_with(Mint {
        header: Map::from_iter([("kid".to_owned(), Value::Null)]),
        kid: Some(first),
        ..Mint::default()
    });
    assert!(verifier.verify(&old).await.is_ok());
    let fresh = issuer.add_key(Algorithm::ES256);
    issuer.set_behavior(Behavior::default());
    let token = issuer.mint_with(Mint { kid: Some(fresh), ..Mint::default() });
    assert!(verifier.verify(&token).await.is_ok(), "the new kid was fetched, not tried against the kid-less key");
    assert_eq!(issuer.jwks_requests(), 2);
}

// Degenerate keys

/// Canonical encodings (little-endian y, sign bit on top) of the eight points of order 1, 2, 4 and 8.
const SMALL_ORDER: [&str; 8] = [
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
];

fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

fn okp(x: &[u8]) -> Value {
    json!({ "kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": b64(x) })
}

#[test]
fn refuses_ed25519_public_keys_of_small_order() {
    for encoded in SMALL_ORDER {
        let err = only_key_refused(okp(&hex(encoded)));
        assert!(err.message().contains("small order") || err.message().contains("canonical"), "{encoded}: {err}");
    }
}

#[test]
fn refuses_non_canonical_ed25519_encodings() {
    // y = p + 1 (p = 2^255 - 19), and x = 0 with the sign bit set (y = 1).
    let mut p_plus_one = hex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    assert!(only_key_refused(okp(&p_plus_one)).message().contains("canonical"));
    p_plus_one = hex("0100000000000000000000000000000000000000000000000000000000000080");
    assert!(only_key_refused(okp(&p_plus_one)).message().contains("canonical"));
}

#[test]
fn refuses_ed25519_signatures_whose_s_is_not_below_the_group_order() {
    let issuer = TestIssuer::with_algorithms(&[Algorithm::EdDSA]);
    let verifier = Verifier::builder().jwks_json(issuer.jwks().to_string()).build().unwrap();
    let token = issuer.mint(json!({}));
    assert!(verifier.verify_with_held_keys(&token).is_ok());
    let (input, sig) = token.rsplit_once('.').unwrap();
    let mut sig = unb64(sig);
    // S + L, little-endian: the same signature in a second form.
    let order = hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(sig[32 + i]) + u16::from(order[i]) + carry;
        sig[32 + i] = sum as u8;
        carry = sum >> 8;
    }
    let err = verifier.verify_with_held_keys(&format!("{input}.{}", b64(&sig))).unwrap_err();
    assert_eq!(err.kind(), ErrorCode::InvalidSignature);
    assert!(err.message().contains("group order"), "{err}");
}

#[test]
fn refuses_ec_points_off_the_curve_or_at_infinity() {
    let issuer = TestIssuer::start();
    let good = issuer.jwks()["keys"][0].clone();
    let mut y = unb64(good["y"].as_str().unwrap());
    y[31] ^= 1;
    let mut off = good.clone();
    off["y"] = json!(b64(&y));
    only_key_refused(off);
    let mut zero = good;
    zero["x"] = json!(b64(&[0; 32]));
    zero["y"] = json!(b64(&[0; 32]));
    only_key_refused(zero);
}

fn rsa_jwk(n: &[u8], e: &[u8]) -> Value {
    json!({ "kty": "RSA", "kid": "r", "n": b64(n), "e": b64(e) })
}

fn real_modulus() -> Vec<u8> {
    let issuer = TestIssuer::with_algorithms(&[Algorithm::RS256]);
    unb64(issuer.jwks()["keys"][0]["n"].as_str().unwrap())
}

#[test]
fn refuses_rsa_exponents_that_are_even_one_or_absurdly_large() {
    let n = real_modulus();
    let huge = [&[0x01][..], &[0; 8][..], &[0x01][..]].concat();
    for e in [vec![0x01, 0x00, 0x00], vec![0x01], huge] {
        let err = only_key_refused(rsa_jwk(&n, &e));
        assert!(err.message().contains("exponent"), "{err}");
    }
    assert!(KeySet::from_jwks_json(jwks(vec![rsa_jwk(&n, &[1, 0, 1])]).as_bytes()).is_ok());
}

fn oversized_modulus() -> Vec<u8> {
    let mut n = vec![0xc5; 1026];
    n[1025] |= 1;
    n
}

#[test]
fn refuses_rsa_keys_over_8192_bits_as_jwk() {
    let err = only_key_refused(rsa_jwk(&oversized_modulus(), &[1, 0, 1]));
    assert!(err.message().contains("at most 8192"), "{err}");
}

/// DER of an rsaEncryption SubjectPublicKeyInfo, built by hand.
fn spki_rsa(n: &[u8], e: &[u8]) -> Vec<u8> {
    fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        if body.len() < 0x80 {
            out.push(body.len() as u8);
        } else {
            let len = (body.len() as u32).to_be_bytes();
            let skip = len.iter().position(|b| *b != 0).unwrap();
            out.push(0x80 | (4 - skip) as u8);
            out.extend_from_slice(&len[skip..]);
        }
        out.extend_from_slice(body);
        out
    }
    let int = |m: &[u8]| tlv(0x02, &[&[0u8][..], m].concat());
    let rsa = tlv(0x30, &[int(n), int(e)].concat());
    let algorithm = tlv(0x30, &[tlv(0x06, &hex("2a864886f70d010101")), vec![0x05, 0x00]].concat());
    tlv(0x30, &[algorithm, tlv(0x03, &[&[0u8][..], &rsa].concat())].concat())
}

#[test]
fn refuses_rsa_keys_over_8192_bits_as_pem_with_the_reason() {
    let pem = pem::encode(&pem::Pem::new("PUBLIC KEY", spki_rsa(&oversized_modulus(), &[1, 0, 1])));
    let err = Verifier::builder().pem(pem).build().unwrap_err();
    assert_eq!(err.kind(), ErrorCode::Configuration);
    assert!(err.message().contains("at most 8192"), "{err}");
    let good = pem::encode(&pem::Pem::new("PUBLIC KEY", spki_rsa(&real_modulus(), &[1, 0, 1])));
    assert!(Verifier::builder().pem(good).build().is_ok());
}

// No way around the policy

#[test]
fn the_free_verify_refuses_a_policy_whose_clock_reads_nan_infinity_or_before_1970() {
    let issuer = TestIssuer::start();
    let keys = KeySet::from_jwks_json(issuer.jwks().to_string().as_bytes()).unwrap();
    let expired = issuer.mint(json!({ "exp": 1_000 }));
    for t in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0] {
        let mut policy = Policy::default();
        policy.clock = Clock::Fixed(t);
        let err = tokenward::verify(&expired, &keys, &policy).unwrap_err();
        assert_eq!(err.kind(), ErrorCode::Configuration, "clock {t}");
    }
    let mut policy = Policy::default();
    policy.leeway = std::time::Duration::MAX;
    assert_eq!(tokenward::verify(&expired, &keys, &policy).unwrap_err().kind(), ErrorCode::Configuration);
}

// One Claims

#[test]
fn time_readers_convert_milliseconds_and_stay_in_calendar_range() {
    let issuer = TestIssuer::start();
    let verifier =
        Verifier::builder().jwks_json(issuer.jwks().to_string()).millisecond_timestamps(true).build().unwrap();
    let exp_ms = 4_000_000_000_000.0;
    let claims = verifier.verify_with_held_keys(&issuer.mint(json!({ "exp": exp_ms, "iat": -1e15 }))).unwrap();
    assert_eq!(claims.unix_time("exp"), Some(4_000_000_000.0));
    assert!(claims.expires_at().is_some());
    assert_eq!(claims.unix_time("iat"), None, "-1e15 s is before the year 1");
    assert_eq!(claims.issued_at(), None);
    assert_eq!(claims.header()["alg"], "ES256");
}

// Bounded messages and secrets

#[test]
fn key_not_found_messages_stay_short_whatever_the_key_set_and_the_kid() {
    let issuer = TestIssuer::start();
    let template = issuer.jwks()["keys"][0].clone();
    let keys: Vec<Value> = (0..2000)
        .map(|i| {
            let mut k = template.clone();
            k["kid"] = json!(format!("kid-{i}-{}", "x".repeat(20)));
            k
        })
        .collect();
    let verifier = Verifier::builder().jwks_json(jwks(keys)).build().unwrap();
    let long_kid = "k".repeat(11_000);
    let token = issuer.mint_with(Mint { header: header_kid(&long_kid), ..Mint::default() });
    let err = verifier.verify_with_held_keys(&token).unwrap_err();
    assert_eq!(err.kind(), ErrorCode::KeyNotFound);
    assert!(err.message().len() < 600, "{} bytes", err.message().len());
    assert!(err.message().contains("more"), "{err}");
}

#[tokio::test]
async fn urls_in_errors_and_stats_carry_no_credentials_or_query() {
    let issuer = TestIssuer::start();
    issuer.set_behavior(Behavior { status: Some(500), ..Behavior::default() });
    let url = issuer.jwks_url().replace("http://", "http://user:hunter2@") + "?api_key=s3cret";
    let verifier = Verifier::builder().jwks_url(url).build().unwrap();
    let err = verifier.verify(&issuer.mint(json!({}))).await.unwrap_err();
    assert_eq!(err.kind(), ErrorCode::JwksFetchFailed);
    let last = verifier.stats().last_error.unwrap();
    for text in [err.message(), last.as_str()] {
        assert!(!text.contains("hunter2") && !text.contains("s3cret"), "{text}");
        assert!(text.contains("/.well-known/jwks.json"), "{text}");
    }
}

// Panics

#[test]
fn a_panic_under_verify_is_contained_as_an_internal_error() {
    let issuer = TestIssuer::start();
    let verifier = Verifier::builder().jwks_json(issuer.jwks().to_string()).build().unwrap();
    let err = tokenward::contain(|| verifier.verify_with_held_keys(tokenward::PANIC_TOKEN)).unwrap_err();
    assert_eq!(err.kind(), ErrorCode::Internal);
}

#[tokio::test]
async fn a_panic_inside_a_key_fetch_settles_the_pending_verify() {
    let verifier =
        Verifier::builder().jwks_url(format!("http://127.0.0.1:9{}", tokenward::PANIC_PATH)).build().unwrap();
    let pending = match verifier.verify_or_fetch("a.b.c") {
        Err(pending) => pending,
        Ok(_) => panic!("no keys are held, so a fetch is needed"),
    };
    let err = tokenward::contain_future(pending).await.unwrap_err();
    assert_eq!(err.kind(), ErrorCode::Internal);
}
