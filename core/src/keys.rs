//! Key material: JWK, PEM and HMAC secrets turned into verification keys that
//! are parsed once, and the rules for choosing the key a token names.

use aws_lc_rs::hmac;
use aws_lc_rs::signature::{self, ParsedPublicKey};
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::{alphabet, Engine};
use serde_json::Value;

use crate::algorithm::{Algorithm, Family};
use crate::error::{quoted, truncate, Error, ErrorCode};

/// RSA moduli shorter than this are refused (NIST SP 800-131A).
pub const MIN_RSA_BITS: usize = 2048;

/// RSA moduli longer than this are refused: aws-lc verifies up to 8192 bits,
/// and a longer key would answer every genuine token `invalid_signature`.
pub const MAX_RSA_BITS: usize = 8192;

/// Largest RSA public exponent accepted, in bits (as in BoringSSL and aws-lc);
/// real keys use 65537.
const MAX_RSA_EXPONENT_BITS: usize = 33;

/// JWK members are base64url; some publishers pad them, which is harmless
/// in a key (unlike in a token, where it changes the signed bytes).
pub(crate) const JWK_B64: GeneralPurpose = GeneralPurpose::new(
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

/// A key's identity: a digest of its `kid` and its public material (the
/// secret, for HMAC). The verified-token cache remembers which key verified
/// a token by this, so an entry dies with its key even when a refetched set
/// builds new `Key` values for the same keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyId([u8; 16]);

impl KeyId {
    fn of(kid: Option<&str>, material: &[u8]) -> KeyId {
        let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
        match kid {
            Some(kid) => {
                ctx.update(&[1]);
                ctx.update(&(kid.len() as u64).to_be_bytes());
                ctx.update(kid.as_bytes());
            }
            None => ctx.update(&[0]),
        }
        ctx.update(material);
        let mut id = [0; 16];
        id.copy_from_slice(&ctx.finish().as_ref()[..16]);
        KeyId(id)
    }
}

/// A usable key: its `kid` and one primitive per algorithm it may verify.
pub(crate) struct Key {
    kid: Option<String>,
    family: Family,
    primitives: Vec<(Algorithm, Primitive)>,
    /// Digest of the public material alone; `id` adds the kid.
    material: KeyId,
    id: KeyId,
}

impl Key {
    fn new(family: Family, primitives: Vec<(Algorithm, Primitive)>, material: &[u8]) -> Key {
        let material = KeyId::of(None, material);
        Key { kid: None, family, primitives, material, id: material }
    }

    fn named(mut self, kid: Option<String>) -> Key {
        self.id = KeyId::of(kid.as_deref(), &self.material.0);
        self.kid = kid;
        self
    }

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
        let label = kid.as_deref().map_or_else(|| "key without kid".to_owned(), |k| format!("key \"{}\"", truncate(k)));
        let fail = |why: String| format!("{label}: {why}");
        match obj.get("use") {
            None => {}
            Some(Value::String(u)) if u == "sig" => {}
            Some(other) => return Err(fail(format!("\"use\" is {}, not \"sig\"", truncate(&other.to_string())))),
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
                Some(a.parse::<Algorithm>().map_err(|_| fail(format!("unsupported \"alg\" {}", truncate(a))))?)
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
                    return Err(fail(format!("OKP curve \"{}\" is not supported (only Ed25519)", truncate(crv))));
                }
                ed25519_key(&member("x")?).map_err(fail)?
            }
            "oct" => hmac_key(&member("k")?).map_err(fail)?,
            other => return Err(fail(format!("unsupported \"kty\" \"{}\"", truncate(other)))),
        };
        if let Some(alg) = declared {
            if key.primitive(alg).is_none() {
                return Err(fail(format!("\"alg\" {alg} does not fit {}", key.describe())));
            }
            key.primitives.retain(|(a, _)| *a == alg);
        }
        Ok(key.named(kid))
    }
}

/// The one door for RSA keys (JWK, PEM, SPKI): the modulus size, and an
/// exponent that is odd, above 1 and of sane size, then aws-lc's own parse.
fn rsa_key(n: &[u8], e: &[u8], only: Option<Algorithm>) -> Result<Key, String> {
    let n = strip_leading_zeros(n);
    let e = strip_leading_zeros(e);
    let bits = bit_length(n);
    if bits < MIN_RSA_BITS {
        return Err(format!("RSA key is {bits} bits; at least {MIN_RSA_BITS} are required"));
    }
    if bits > MAX_RSA_BITS {
        return Err(format!("RSA key is {bits} bits; at most {MAX_RSA_BITS} are supported"));
    }
    if n.last().is_some_and(|low| low & 1 == 0) {
        return Err("RSA modulus is even, so it is not a product of two primes".into());
    }
    let odd = e.last().is_some_and(|low| low & 1 == 1);
    if !odd || e == [1] || bit_length(e) > MAX_RSA_EXPONENT_BITS {
        return Err(format!(
            "RSA public exponent {} is unusable; it must be odd, above 1 and at most {MAX_RSA_EXPONENT_BITS} bits (65537 is usual)",
            describe_exponent(e)
        ));
    }
    rsa_from_der(&rsa_public_key_der(n, e), only)
}

fn bit_length(magnitude: &[u8]) -> usize {
    magnitude.first().map_or(0, |top| (magnitude.len() - 1) * 8 + (8 - top.leading_zeros() as usize))
}

fn describe_exponent(e: &[u8]) -> String {
    if e.len() <= 8 {
        let mut value = 0u64;
        for byte in e {
            value = (value << 8) | u64::from(*byte);
        }
        value.to_string()
    } else {
        format!("of {} bits", bit_length(e))
    }
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
    Ok(Key::new(Family::Rsa, primitives, der))
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
    Ok(Key::new(Family::Ec, vec![(alg, Primitive::Public(parsed))], &point))
}

fn ed25519_key(x: &[u8]) -> Result<Key, String> {
    let encoded: &[u8; 32] = x.try_into().map_err(|_| "an Ed25519 public key is 32 bytes".to_owned())?;
    ed25519_point_check(encoded)?;
    let parsed = ParsedPublicKey::new(&signature::ED25519, x).map_err(|e| format!("invalid Ed25519 key ({e})"))?;
    Ok(Key::new(Family::Okp, vec![(Algorithm::EdDSA, Primitive::Public(parsed))], x))
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
    Ok(Key::new(Family::Hmac, primitives, secret))
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
    /// True for a PEM key or a secret: configured without a kid, it serves
    /// tokens whatever kid they name. JWKS entries never do: a kid the set
    /// lacks is a reason to refetch, not to try another key.
    any_kid: bool,
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
                    tracing::info!(reason = %why, "skipping unusable JWKS entry");
                    set.skipped.push(why);
                }
            }
        }
        if set.keys.is_empty() {
            let mut message = format!("the key set has no usable key ({} entries", entries.len());
            if !set.skipped.is_empty() {
                let shown: Vec<&str> = set.skipped.iter().take(3).map(String::as_str).collect();
                message = format!("{message}; skipped: {}", shown.join("; "));
                if set.skipped.len() > 3 {
                    message = format!("{message}; and {} more", set.skipped.len() - 3);
                }
            }
            message.push(')');
            return Err(Error::new(ErrorCode::JwksInvalid, message));
        }
        Ok(set)
    }

    /// Parses an X.509 certificate map, as Google publishes Firebase's keys:
    /// a JSON object of `kid` to PEM certificate. Each key is the
    /// certificate's subject public key, held under its `kid` exactly like a
    /// JWKS entry (the certificate's dates and signature are not what makes a
    /// key trusted here: the map's URL is). Unusable entries are skipped and
    /// listed; a map left with no usable key is `jwks_invalid`.
    pub fn from_x509_map_json(json: &[u8]) -> Result<KeySet, Error> {
        let doc: Value = serde_json::from_slice(json)
            .map_err(|e| Error::new(ErrorCode::JwksInvalid, format!("the certificate map is not JSON: {e}")))?;
        let entries = doc.as_object().ok_or_else(|| {
            Error::new(ErrorCode::JwksInvalid, "the certificate map is not an object of kid to PEM certificate")
        })?;
        let mut set = KeySet::default();
        for (kid, certificate) in entries {
            let label = format!("certificate \"{}\"", truncate(kid));
            let key = match certificate.as_str() {
                None => Err(format!("{label}: not a PEM string")),
                Some(pem_text) => crate::x509::certificate_spki_from_pem(pem_text)
                    .and_then(|spki| spki_key(&spki).map_err(|e| e.message().to_owned()))
                    .map_err(|why| format!("{label}: {why}")),
            };
            match key {
                Ok(key) => set.keys.push(key.named(Some(kid.clone()))),
                Err(why) => {
                    tracing::info!(reason = %why, "skipping unusable certificate");
                    set.skipped.push(why);
                }
            }
        }
        if set.keys.is_empty() {
            let shown: Vec<&str> = set.skipped.iter().take(3).map(String::as_str).collect();
            return Err(Error::new(
                ErrorCode::JwksInvalid,
                format!("the certificate map has no usable key ({} entries; {})", entries.len(), shown.join("; ")),
            ));
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
                let (n, e) = der::rsa_public_key(der)
                    .ok_or_else(|| Error::config("the RSA PUBLIC KEY block is not a valid key"))?;
                rsa_key(n, e, None).map_err(Error::config)?
            }
            "PUBLIC KEY" => spki_key(der)?,
            tag if tag.contains("PRIVATE") => {
                return Err(Error::config(format!(
                    "the PEM block is a {tag}; give the public key, never the private one"
                )))
            }
            tag => return Err(Error::config(format!("unsupported PEM block \"{tag}\"; expected PUBLIC KEY"))),
        };
        Ok(KeySet { keys: vec![key], skipped: Vec::new(), any_kid: true })
    }

    /// An HMAC secret. Each HS algorithm is enabled only if the secret is at
    /// least as long as its hash (RFC 7518 section 3.2).
    pub fn from_secret(secret: &[u8]) -> Result<KeySet, Error> {
        let key = hmac_key(secret).map_err(Error::config)?;
        Ok(KeySet { keys: vec![key], skipped: Vec::new(), any_kid: true })
    }

    /// How many usable keys the set holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the set holds no usable key.
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

    /// True while the key `id` names is in this set.
    pub(crate) fn holds(&self, id: KeyId) -> bool {
        self.keys.iter().any(|k| k.id == id)
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
    ///
    /// A `kid` is matched exactly; when several keys share it, each that
    /// suits `alg` is tried. Only a PEM key or a secret serves any `kid`.
    pub fn verify_signature(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        self.verify_signature_by(kid, alg, message, signature).map(|_| ())
    }

    /// [`verify_signature`](Self::verify_signature), naming the key that verified.
    pub(crate) fn verify_signature_by(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<KeyId, Error> {
        if alg == Algorithm::EdDSA && !ed25519_s_is_reduced(signature) {
            return Err(Error::new(
                ErrorCode::InvalidSignature,
                "the EdDSA signature's S is not below the group order (a malleated signature)",
            ));
        }
        let Some(kid) = kid else {
            return self.verify_with_only_key(alg, None, message, signature);
        };
        let mut suitable = self
            .keys
            .iter()
            .filter(|k| k.kid.as_deref() == Some(kid))
            .filter_map(|k| k.primitive(alg).map(|p| (k.id, p)));
        if let Some(first) = suitable.next() {
            return std::iter::once(first)
                .chain(suitable)
                .find(|(_, p)| p.verify(message, signature))
                .map(|(id, _)| id)
                .ok_or_else(|| bad_signature(alg));
        }
        if let Some(named) = self.keys.iter().find(|k| k.kid.as_deref() == Some(kid)) {
            return Err(Error::new(ErrorCode::KeyNotFound, format!("{}; it cannot verify {alg}", named.describe())));
        }
        if self.any_kid {
            return self.verify_with_only_key(alg, Some(kid), message, signature);
        }
        Err(Error::new(
            ErrorCode::KeyNotFound,
            format!("no key has kid \"{}\" (held: {})", truncate(kid), quoted(&self.kids())),
        ))
    }

    fn verify_with_only_key(
        &self,
        alg: Algorithm,
        kid: Option<&str>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<KeyId, Error> {
        let mut suitable = self.keys.iter().filter_map(|k| k.primitive(alg).map(|p| (k.id, p)));
        match (suitable.next(), suitable.next()) {
            (Some((id, p)), None) if p.verify(message, signature) => Ok(id),
            (Some(_), None) => Err(bad_signature(alg)),
            (None, _) => Err(Error::new(
                ErrorCode::KeyNotFound,
                match kid {
                    Some(kid) => format!("no key has kid \"{}\" and no held key can verify {alg}", truncate(kid)),
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

fn bad_signature(alg: Algorithm) -> Error {
    Error::new(ErrorCode::InvalidSignature, format!("the {alg} signature does not verify"))
}

/// The Ed25519 group order L = 2^252 + 27742317777372353535851937790883648493, little-endian.
const ED25519_ORDER: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// p = 2^255 - 19, little-endian.
const ED25519_P: [u8; 32] = [
    0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
];

/// The y coordinates (little-endian) of the Edwards points of order 1, 2, 4
/// and 8: every point of small order has one of them, with either sign of x.
const ED25519_SMALL_ORDER_Y: [[u8; 32]; 5] = [
    // y = 1: the identity (order 1)
    [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    // y = p - 1 (order 2)
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
    ],
    // y = 0 (order 4)
    [0; 32],
    // the two y values of the points of order 8
    [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf,
        0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
    ],
    [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20,
        0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a,
    ],
];

/// `a < b` for little-endian 256-bit numbers.
fn less_le(a: &[u8; 32], b: &[u8; 32]) -> bool {
    for i in (0..32).rev() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

/// RFC 8032 section 5.1.7: S must be below L, or one signature has many forms.
fn ed25519_s_is_reduced(signature: &[u8]) -> bool {
    match signature.get(32..64).and_then(|s| <&[u8; 32]>::try_from(s).ok()) {
        Some(s) => less_le(s, &ED25519_ORDER),
        // A wrong length fails the signature check itself.
        None => true,
    }
}

/// Refuses an Ed25519 public key that is not canonically encoded (y >= p)
/// or has small order: a signature under such a key can be forged for many
/// messages, and "x = 0 with the sign bit set" is a second encoding.
fn ed25519_point_check(encoded: &[u8; 32]) -> Result<(), String> {
    let mut y = *encoded;
    let sign = y[31] & 0x80 != 0;
    y[31] &= 0x7f;
    if !less_le(&y, &ED25519_P) {
        return Err("the Ed25519 public key is not canonically encoded (y is not below p)".into());
    }
    let x_is_zero = y == ED25519_SMALL_ORDER_Y[0] || y == ED25519_SMALL_ORDER_Y[1];
    if x_is_zero && sign {
        return Err("the Ed25519 public key is not canonically encoded (x = 0 with the sign bit set)".into());
    }
    if ED25519_SMALL_ORDER_Y.contains(&y) {
        return Err("the Ed25519 public key has small order; signatures under it prove nothing".into());
    }
    Ok(())
}

fn spki_key(der: &[u8]) -> Result<Key, Error> {
    if let Some(rsa) = der::spki_rsa_public_key(der) {
        let (n, e) =
            der::rsa_public_key(rsa).ok_or_else(|| Error::config("the PEM RSA public key is not valid DER"))?;
        return rsa_key(n, e, None).map_err(Error::config);
    }
    for crv in ["P-256", "P-384", "P-521", "secp256k1"] {
        let (alg, verify_alg, _) = ec_curve(crv).expect("known curve");
        if let Ok(parsed) = ParsedPublicKey::new(verify_alg, der) {
            return Ok(Key::new(Family::Ec, vec![(alg, Primitive::Public(parsed))], der));
        }
    }
    if let Some(x) = der::spki_ed25519_public_key(der) {
        return ed25519_key(x).map_err(Error::config);
    }
    Err(Error::config("the PEM public key is not RSA, EC (P-256, P-384, P-521, secp256k1) or Ed25519"))
}

/// Just enough DER (X.690) to read RSA and Ed25519 public keys out of a
/// SubjectPublicKeyInfo (RFC 5280, RFC 8410) and an RSAPublicKey (RFC 8017),
/// so every RSA key passes the same checks whatever form it came in.
mod der {
    const SEQUENCE: u8 = 0x30;
    const INTEGER: u8 = 0x02;
    const BIT_STRING: u8 = 0x03;
    const OID: u8 = 0x06;
    /// 1.2.840.113549.1.1.1
    const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    /// 1.3.101.112
    const ED25519: &[u8] = &[0x2b, 0x65, 0x70];

    /// One element: (tag, contents, the rest).
    fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, rest) = input.split_first()?;
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 || rest.len() < count {
                return None;
            }
            let len = rest[..count].iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, &rest[count..])
        };
        (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
    }

    fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
        let (found, contents, rest) = element(input)?;
        (found == tag).then_some((contents, rest))
    }

    /// The algorithm OID and the key bits of a SubjectPublicKeyInfo.
    fn spki(der: &[u8]) -> Option<(&[u8], &[u8])> {
        let (body, rest) = expect(der, SEQUENCE)?;
        if !rest.is_empty() {
            return None;
        }
        let (algorithm, body) = expect(body, SEQUENCE)?;
        let (oid, _parameters) = expect(algorithm, OID)?;
        let (bits, rest) = expect(body, BIT_STRING)?;
        let (&unused, key) = bits.split_first()?;
        (unused == 0 && rest.is_empty()).then_some((oid, key))
    }

    /// The RSAPublicKey inside an rsaEncryption SubjectPublicKeyInfo.
    pub(super) fn spki_rsa_public_key(der: &[u8]) -> Option<&[u8]> {
        spki(der).filter(|(oid, _)| *oid == RSA_ENCRYPTION).map(|(_, key)| key)
    }

    /// The 32-byte key inside an Ed25519 SubjectPublicKeyInfo.
    pub(super) fn spki_ed25519_public_key(der: &[u8]) -> Option<&[u8]> {
        spki(der).filter(|(oid, _)| *oid == ED25519).map(|(_, key)| key)
    }

    /// `(n, e)` of an RSAPublicKey, as big-endian magnitudes.
    pub(super) fn rsa_public_key(der: &[u8]) -> Option<(&[u8], &[u8])> {
        let (body, rest) = expect(der, SEQUENCE)?;
        let (n, body) = expect(body, INTEGER)?;
        let (e, body) = expect(body, INTEGER)?;
        let negative = |i: &[u8]| i.first().is_none_or(|b| b & 0x80 != 0);
        (rest.is_empty() && body.is_empty() && !negative(n) && !negative(e)).then_some((n, e))
    }
}
