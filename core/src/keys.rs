//! Key material: JWK, PEM and HMAC secrets turned into verification keys that
//! are parsed once, and the rules for choosing the key a token names.

use std::fmt::Write as _;

use aws_lc_rs::hmac;
use aws_lc_rs::signature::{self, ParsedPublicKey, VerificationAlgorithm};
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::{alphabet, Engine};
use serde_json::Value;

use crate::algorithm::{Algorithm, Family};
use crate::error::{Error, ErrorCode};

/// RSA moduli shorter than this are refused (NIST SP 800-131A).
pub const MIN_RSA_BITS: usize = 2048;

/// JWK members are base64url; some publishers pad them, which is harmless
/// in a key (unlike in a token, where it changes the signed bytes).
const JWK_B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// One verification primitive, bound to exactly one algorithm.
enum Primitive {
    Public(ParsedPublicKey),
    Hmac(Box<hmac::Key>),
}

impl Primitive {
    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            Primitive::Public(key) => key.verify_sig(message, signature).is_ok(),
            Primitive::Hmac(key) => hmac::verify(key, message, signature).is_ok(),
        }
    }
}

/// A usable key: its `kid` and one primitive per algorithm it may verify.
pub(crate) struct Key {
    kid: Option<String>,
    family: Family,
    primitives: Vec<(Algorithm, Primitive)>,
}

impl Key {
    fn primitive(&self, alg: Algorithm) -> Option<&Primitive> {
        self.primitives.iter().find(|(a, _)| *a == alg).map(|(_, p)| p)
    }

    fn algorithms(&self) -> String {
        self.primitives.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>().join(", ")
    }

    fn describe(&self) -> String {
        let kind = match self.family {
            Family::Rsa => "an RSA key",
            Family::Ec => "an EC key",
            Family::Okp => "an Ed25519 key",
            Family::Hmac => "an HMAC secret",
        };
        match &self.kid {
            Some(kid) => format!("key \"{kid}\" is {kind} for {}", self.algorithms()),
            None => format!("the key without kid is {kind} for {}", self.algorithms()),
        }
    }

    /// Parses one JWK (RFC 7517). `Err` carries why it cannot be used.
    fn from_jwk(jwk: &Value) -> Result<Key, String> {
        let obj = jwk.as_object().ok_or("entry is not a JSON object")?;
        let kid = match obj.get("kid") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err("\"kid\" is not a string".into()),
        };
        let label = kid.as_deref().map_or_else(|| "key without kid".to_owned(), |k| format!("key \"{k}\""));
        let fail = |why: String| format!("{label}: {why}");
        match obj.get("use") {
            None => {}
            Some(Value::String(u)) if u == "sig" => {}
            Some(other) => return Err(fail(format!("\"use\" is {other}, not \"sig\""))),
        }
        if let Some(ops) = obj.get("key_ops") {
            let ok = ops.as_array().is_some_and(|a| a.iter().any(|o| o == "verify"));
            if !ok {
                return Err(fail("\"key_ops\" does not include \"verify\"".into()));
            }
        }
        let declared = match obj.get("alg") {
            None => None,
            Some(Value::String(a)) => {
                Some(a.parse::<Algorithm>().map_err(|_| fail(format!("unsupported \"alg\" {a}")))?)
            }
            Some(_) => return Err(fail("\"alg\" is not a string".into())),
        };
        let member = |name: &str| -> Result<Vec<u8>, String> {
            let text =
                obj.get(name).and_then(Value::as_str).ok_or_else(|| fail(format!("missing member \"{name}\"")))?;
            JWK_B64.decode(text).map_err(|_| fail(format!("member \"{name}\" is not base64url")))
        };
        let kty = obj.get("kty").and_then(Value::as_str).ok_or_else(|| fail("missing \"kty\"".into()))?;
        let mut key = match kty {
            "RSA" => rsa_key(&member("n")?, &member("e")?, declared).map_err(fail)?,
            "EC" => {
                let crv = obj.get("crv").and_then(Value::as_str).unwrap_or("");
                ec_key(crv, &member("x")?, &member("y")?).map_err(fail)?
            }
            "OKP" => {
                let crv = obj.get("crv").and_then(Value::as_str).unwrap_or("");
                if crv != "Ed25519" {
                    return Err(fail(format!("OKP curve \"{crv}\" is not supported (only Ed25519)")));
                }
                ed25519_key(&member("x")?).map_err(fail)?
            }
            "oct" => hmac_key(&member("k")?).map_err(fail)?,
            other => return Err(fail(format!("unsupported \"kty\" \"{other}\""))),
        };
        if let Some(alg) = declared {
            if key.primitive(alg).is_none() {
                return Err(fail(format!("\"alg\" {alg} does not fit {}", key.describe())));
            }
            key.primitives.retain(|(a, _)| *a == alg);
        }
        key.kid = kid;
        Ok(key)
    }
}

fn rsa_key(n: &[u8], e: &[u8], only: Option<Algorithm>) -> Result<Key, String> {
    let n = strip_leading_zeros(n);
    let bits = n.first().map_or(0, |top| (n.len() - 1) * 8 + (8 - top.leading_zeros() as usize));
    check_rsa_bits(bits)?;
    rsa_from_der(&rsa_public_key_der(n, strip_leading_zeros(e)), only)
}

const RSA_ALGS: [(Algorithm, &signature::RsaParameters); 6] = [
    (Algorithm::RS256, &signature::RSA_PKCS1_2048_8192_SHA256),
    (Algorithm::RS384, &signature::RSA_PKCS1_2048_8192_SHA384),
    (Algorithm::RS512, &signature::RSA_PKCS1_2048_8192_SHA512),
    (Algorithm::PS256, &signature::RSA_PSS_2048_8192_SHA256),
    (Algorithm::PS384, &signature::RSA_PSS_2048_8192_SHA384),
    (Algorithm::PS512, &signature::RSA_PSS_2048_8192_SHA512),
];

fn rsa_from_der(der: &[u8], only: Option<Algorithm>) -> Result<Key, String> {
    let mut primitives = Vec::with_capacity(6);
    for (alg, params) in RSA_ALGS {
        if only.is_some_and(|o| o != alg) {
            continue;
        }
        let parsed = ParsedPublicKey::new(params, der).map_err(|e| format!("invalid RSA key ({e})"))?;
        primitives.push((alg, Primitive::Public(parsed)));
    }
    Ok(Key { kid: None, family: Family::Rsa, primitives })
}

fn ec_curve(crv: &str) -> Option<(Algorithm, &'static signature::EcdsaVerificationAlgorithm, usize)> {
    Some(match crv {
        "P-256" => (Algorithm::ES256, &signature::ECDSA_P256_SHA256_FIXED, 32),
        "P-384" => (Algorithm::ES384, &signature::ECDSA_P384_SHA384_FIXED, 48),
        "P-521" => (Algorithm::ES512, &signature::ECDSA_P521_SHA512_FIXED, 66),
        "secp256k1" => (Algorithm::ES256K, &signature::ECDSA_P256K1_SHA256_FIXED, 32),
        _ => return None,
    })
}

fn ec_key(crv: &str, x: &[u8], y: &[u8]) -> Result<Key, String> {
    let (alg, verify_alg, size) = ec_curve(crv).ok_or_else(|| format!("EC curve \"{crv}\" is not supported"))?;
    if x.len() != size || y.len() != size {
        return Err(format!("{crv} coordinates must be {size} bytes each"));
    }
    let mut point = Vec::with_capacity(1 + 2 * size);
    point.push(0x04);
    point.extend_from_slice(x);
    point.extend_from_slice(y);
    let parsed = ParsedPublicKey::new(verify_alg, &point).map_err(|_| format!("the point is not on curve {crv}"))?;
    Ok(Key { kid: None, family: Family::Ec, primitives: vec![(alg, Primitive::Public(parsed))] })
}

fn ed25519_key(x: &[u8]) -> Result<Key, String> {
    if x.len() != 32 {
        return Err("an Ed25519 public key is 32 bytes".into());
    }
    let parsed = ParsedPublicKey::new(&signature::ED25519, x).map_err(|e| format!("invalid Ed25519 key ({e})"))?;
    Ok(Key { kid: None, family: Family::Okp, primitives: vec![(Algorithm::EdDSA, Primitive::Public(parsed))] })
}

fn hmac_key(secret: &[u8]) -> Result<Key, String> {
    let primitives: Vec<_> = [
        (Algorithm::HS256, hmac::HMAC_SHA256),
        (Algorithm::HS384, hmac::HMAC_SHA384),
        (Algorithm::HS512, hmac::HMAC_SHA512),
    ]
    .into_iter()
    .filter(|(alg, _)| secret.len() >= alg.hmac_min_secret())
    .map(|(alg, h)| (alg, Primitive::Hmac(Box::new(hmac::Key::new(h, secret)))))
    .collect();
    if primitives.is_empty() {
        return Err(format!("HMAC secret is {} bytes; HS256 needs at least 32", secret.len()));
    }
    Ok(Key { kid: None, family: Family::Hmac, primitives })
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// DER of RFC 8017 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    fn integer(out: &mut Vec<u8>, magnitude: &[u8]) {
        let pad = magnitude.first().is_none_or(|b| b & 0x80 != 0);
        out.push(0x02);
        length(out, magnitude.len() + usize::from(pad));
        if pad {
            out.push(0);
        }
        out.extend_from_slice(magnitude);
    }
    fn length(out: &mut Vec<u8>, len: usize) {
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len() - 1);
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
    }
    let mut body = Vec::with_capacity(n.len() + e.len() + 16);
    integer(&mut body, n);
    integer(&mut body, e);
    let mut der = Vec::with_capacity(body.len() + 8);
    der.push(0x30);
    length(&mut der, body.len());
    der.extend_from_slice(&body);
    der
}

/// The keys one verifier holds, with the reasons any JWKS entries were skipped.
#[derive(Default)]
pub struct KeySet {
    keys: Vec<Key>,
    skipped: Vec<String>,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySet").field("kids", &self.kids()).field("skipped", &self.skipped).finish()
    }
}

impl KeySet {
    /// Parses a JWKS document (RFC 7517 section 5). Entries that cannot be
    /// used are skipped and listed in [`KeySet::skipped`]; a set left with no
    /// usable key is `jwks_invalid`.
    pub fn from_jwks_json(json: &[u8]) -> Result<KeySet, Error> {
        let doc: Value = serde_json::from_slice(json)
            .map_err(|e| Error::new(ErrorCode::JwksInvalid, format!("the key set is not JSON: {e}")))?;
        let entries = doc
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::new(ErrorCode::JwksInvalid, "the key set is not an object with a \"keys\" array"))?;
        let mut set = KeySet::default();
        for entry in entries {
            match Key::from_jwk(entry) {
                Ok(key) => set.keys.push(key),
                Err(why) => {
                    tracing::debug!(reason = %why, "skipping unusable JWKS entry");
                    set.skipped.push(why);
                }
            }
        }
        if set.keys.is_empty() {
            let mut message = format!("the key set has no usable key ({} entries", entries.len());
            if !set.skipped.is_empty() {
                let _ = write!(message, "; skipped: {}", set.skipped.join("; "));
            }
            message.push(')');
            return Err(Error::new(ErrorCode::JwksInvalid, message));
        }
        Ok(set)
    }

    /// One public key in PEM: `PUBLIC KEY` (SubjectPublicKeyInfo) for RSA,
    /// EC (P-256, P-384, P-521, secp256k1) or Ed25519, or `RSA PUBLIC KEY`.
    pub fn from_pem(pem_text: &str) -> Result<KeySet, Error> {
        let block = pem::parse(pem_text).map_err(|e| Error::config(format!("the PEM key cannot be read: {e}")))?;
        let der = block.contents();
        let key = match block.tag() {
            "RSA PUBLIC KEY" => {
                let bits = signature::RsaParameters::public_modulus_len(der)
                    .map_err(|_| Error::config("the RSA PUBLIC KEY block is not a valid key"))?;
                check_rsa_bits(bits as usize).map_err(Error::config)?;
                rsa_from_der(der, None).map_err(Error::config)?
            }
            "PUBLIC KEY" => spki_key(der)?,
            tag if tag.contains("PRIVATE") => {
                return Err(Error::config(format!(
                    "the PEM block is a {tag}; give the public key, never the private one"
                )))
            }
            tag => return Err(Error::config(format!("unsupported PEM block \"{tag}\"; expected PUBLIC KEY"))),
        };
        Ok(KeySet { keys: vec![key], skipped: Vec::new() })
    }

    /// An HMAC secret. Each HS algorithm is enabled only if the secret is at
    /// least as long as its hash (RFC 7518 section 3.2).
    pub fn from_secret(secret: &[u8]) -> Result<KeySet, Error> {
        let key = hmac_key(secret).map_err(Error::config)?;
        Ok(KeySet { keys: vec![key], skipped: Vec::new() })
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The `kid` of every usable key (keys without one are left out).
    pub fn kids(&self) -> Vec<&str> {
        self.keys.iter().filter_map(|k| k.kid.as_deref()).collect()
    }

    /// Why each skipped JWKS entry could not be used.
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    pub(crate) fn has_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid.as_deref() == Some(kid))
    }

    /// True when some key can verify `alg` (used to reject a configuration
    /// whose algorithms no key can serve).
    pub(crate) fn supports(&self, alg: Algorithm) -> bool {
        self.keys.iter().any(|k| k.primitive(alg).is_some())
    }

    /// Checks `signature` over `message` with the key `kid` names (or the
    /// only key that suits `alg`): the bare JWS signature step, no claims.
    pub fn verify_signature(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        let primitive = self.select(kid, alg)?;
        if primitive.verify(message, signature) {
            Ok(())
        } else {
            Err(Error::new(ErrorCode::InvalidSignature, format!("the {alg} signature does not verify")))
        }
    }

    fn select(&self, kid: Option<&str>, alg: Algorithm) -> Result<&Primitive, Error> {
        if let Some(kid) = kid {
            let mut named = self.keys.iter().filter(|k| k.kid.as_deref() == Some(kid)).peekable();
            if named.peek().is_some() {
                let mut first = None;
                for key in named {
                    if let Some(p) = key.primitive(alg) {
                        return Ok(p);
                    }
                    first.get_or_insert(key);
                }
                let key = first.expect("peeked");
                return Err(Error::new(ErrorCode::KeyNotFound, format!("{}; it cannot verify {alg}", key.describe())));
            }
            // A key configured without a kid (PEM, secret) still serves tokens that carry one.
            let unnamed: Vec<_> = self.keys.iter().filter(|k| k.kid.is_none()).collect();
            if unnamed.is_empty() {
                return Err(Error::new(
                    ErrorCode::KeyNotFound,
                    format!("no key has kid \"{kid}\" (held: {})", self.kids().join(", ")),
                ));
            }
            return self.only_key_for(unnamed.into_iter(), alg, Some(kid));
        }
        self.only_key_for(self.keys.iter(), alg, None)
    }

    fn only_key_for<'a>(
        &'a self,
        keys: impl Iterator<Item = &'a Key>,
        alg: Algorithm,
        kid: Option<&str>,
    ) -> Result<&'a Primitive, Error> {
        let mut suitable = keys.filter_map(|k| k.primitive(alg));
        match (suitable.next(), suitable.next()) {
            (Some(p), None) => Ok(p),
            (None, _) => Err(Error::new(
                ErrorCode::KeyNotFound,
                match kid {
                    Some(kid) => format!("no key has kid \"{kid}\" and no key without kid can verify {alg}"),
                    None => format!("no held key can verify {alg}"),
                },
            )),
            (Some(_), Some(_)) => Err(Error::new(
                ErrorCode::KeyNotFound,
                format!("the token has no kid and several held keys can verify {alg}; tokens must name their key"),
            )),
        }
    }
}

fn check_rsa_bits(bits: usize) -> Result<(), String> {
    if bits < MIN_RSA_BITS {
        return Err(format!("RSA key is {bits} bits; at least {MIN_RSA_BITS} are required"));
    }
    Ok(())
}

fn spki_key(der: &[u8]) -> Result<Key, Error> {
    if let Ok(rsa) = aws_lc_rs::rsa::PublicEncryptingKey::from_der(der) {
        check_rsa_bits(rsa.key_size_bits()).map_err(Error::config)?;
        return rsa_from_der(der, None).map_err(Error::config);
    }
    for crv in ["P-256", "P-384", "P-521", "secp256k1"] {
        let (alg, verify_alg, _) = ec_curve(crv).expect("known curve");
        if let Ok(parsed) = ParsedPublicKey::new(verify_alg, der) {
            return Ok(Key { kid: None, family: Family::Ec, primitives: vec![(alg, Primitive::Public(parsed))] });
        }
    }
    let ed: &'static dyn VerificationAlgorithm = &signature::ED25519;
    if let Ok(parsed) = ParsedPublicKey::new(ed, der) {
        return Ok(Key {
            kid: None,
            family: Family::Okp,
            primitives: vec![(Algorithm::EdDSA, Primitive::Public(parsed))],
        });
    }
    Err(Error::config("the PEM public key is not RSA, EC (P-256, P-384, P-521, secp256k1) or Ed25519"))
}
