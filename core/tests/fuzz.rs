//! Property tests: no input, however hostile, makes decoding or verification
//! panic, and only genuinely signed tokens are accepted. `make fuzz` runs
//! these with many more cases (PROPTEST_CASES).

use std::sync::LazyLock;

use proptest::prelude::*;
use serde_json::json;
use tokenward::testing::TestIssuer;
use tokenward::{decode_unverified, Algorithm, Verifier};

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// One key set and one genuine token for the whole run.
static FIXTURE: LazyLock<(Verifier, String)> = LazyLock::new(|| {
    let issuer = TestIssuer::with_algorithms(&[Algorithm::ES256]);
    let verifier = Verifier::builder().jwks_json(issuer.jwks().to_string()).audience("a").build().unwrap();
    let token = issuer.mint(json!({"aud": "a", "exp": 4_000_000_000u64}));
    (verifier, token)
});

fn verifier() -> (Verifier, String) {
    let (verifier, token) = &*FIXTURE;
    (verifier.clone(), token.clone())
}

/// JSON-ish fragments, so segments often parse and reach deeper checks.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    let atoms = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"alg\"",
        "\"ES256\"",
        "\"none\"",
        "\"kid\"",
        "\"exp\"",
        "\"aud\"",
        "\"crit\"",
        "1e400",
        "-0",
        "null",
        "true",
        "\"\\u0000\"",
        "\"\\ud800\"",
        "9999999999999",
        "\"a\"",
    ]);
    prop::collection::vec(atoms, 0..40).prop_map(|parts| parts.concat().into_bytes())
}

proptest! {
    // Cases come from PROPTEST_CASES (make fuzz); failures print their minimal input.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,300}") {
        let (verifier, _) = verifier();
        let _ = decode_unverified(&text);
        prop_assert!(verifier.verify_with_held_keys(&text).is_err());
    }

    #[test]
    fn arbitrary_segments_never_panic(h in jsonish(), p in jsonish(), s in prop::collection::vec(any::<u8>(), 0..80)) {
        let (verifier, _) = verifier();
        let token = format!("{}.{}.{}", b64(&h), b64(&p), b64(&s));
        let _ = decode_unverified(&token);
        prop_assert!(verifier.verify_with_held_keys(&token).is_err());
    }

    #[test]
    fn any_single_byte_change_to_a_valid_token_is_refused(index in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let (verifier, token) = verifier();
        prop_assert!(verifier.verify_with_held_keys(&token).is_ok());
        let mut bytes = token.into_bytes();
        let i = index.index(bytes.len());
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        let changed = String::from_utf8_lossy(&bytes).into_owned();
        prop_assert!(verifier.verify_with_held_keys(&changed).is_err());
    }
}
