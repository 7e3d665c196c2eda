//! X.509 certificates as a key source: some providers (Firebase, Google
//! service accounts) publish `{kid: PEM certificate}` maps instead of a JWKS.
//! Only the certificate's SubjectPublicKeyInfo is used; the certificate's own
//! signature, validity and extensions say nothing about a token, so they are
//! not checked (the map is trusted the way a JWKS is: by where it came from).
//!
//! The reader is strict DER: definite, minimally encoded lengths, every
//! constructed value made of whole elements, nothing after the certificate.

/// DER nesting deeper than this is refused; real certificates stay under 10.
const MAX_DEPTH: usize = 32;

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const VERSION: u8 = 0xa0;
/// issuerUniqueID [1], subjectUniqueID [2], extensions [3], in this order.
const AFTER_SPKI: [u8; 3] = [0x81, 0x82, 0xa3];

/// One DER element: its tag, its content, and the whole encoding (tag, length, content).
struct Element<'a> {
    tag: u8,
    content: &'a [u8],
    whole: &'a [u8],
}

/// Reads the element at the start of `input`; returns it and what follows.
fn element(input: &[u8]) -> Result<(Element<'_>, &[u8]), String> {
    let (&tag, rest) = input.split_first().ok_or("unexpected end of data")?;
    if tag & 0x1f == 0x1f {
        return Err("multi-byte tags are not used in certificates".into());
    }
    let (&first, rest) = rest.split_first().ok_or("unexpected end of data in a length")?;
    let (len, rest) = match first {
        0x00..=0x7f => (usize::from(first), rest),
        0x80 => return Err("indefinite length (BER, not DER)".into()),
        0x81..=0x84 => {
            let n = usize::from(first & 0x7f);
            if rest.len() < n {
                return Err("unexpected end of data in a length".into());
            }
            let (bytes, rest) = rest.split_at(n);
            if bytes[0] == 0 {
                return Err("length with a leading zero byte (not minimal DER)".into());
            }
            let len = bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            if len < 0x80 {
                return Err("long-form length for a short value (not minimal DER)".into());
            }
            (len, rest)
        }
        _ => return Err("length too large".into()),
    };
    if rest.len() < len {
        return Err(format!("element of {len} bytes runs past the end of the data"));
    }
    let (content, after) = rest.split_at(len);
    let whole = &input[..input.len() - after.len()];
    Ok((Element { tag, content, whole }, after))
}

/// Reads the next element of a constructed value, which must have `tag`.
fn expect<'a>(input: &mut &'a [u8], tag: u8, what: &str) -> Result<Element<'a>, String> {
    let (found, rest) = element(input).map_err(|e| format!("{what}: {e}"))?;
    if found.tag != tag {
        return Err(format!("{what}: expected tag 0x{tag:02x}, found 0x{:02x}", found.tag));
    }
    *input = rest;
    Ok(found)
}

/// Checks that every constructed value inside `content` is a run of whole DER elements.
fn well_formed(mut content: &[u8], depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("nested too deeply".into());
    }
    while !content.is_empty() {
        let (found, rest) = element(content)?;
        if found.tag & 0x20 != 0 {
            well_formed(found.content, depth + 1)?;
        }
        content = rest;
    }
    Ok(())
}

/// The DER SubjectPublicKeyInfo (tag, length and content) of an X.509 v1, v2
/// or v3 certificate given as DER; borrowed from `der`.
pub(crate) fn certificate_spki(der: &[u8]) -> Result<&[u8], String> {
    certificate_spki_inner(der).map_err(|e| format!("not a DER certificate: {e}"))
}

fn certificate_spki_inner(der: &[u8]) -> Result<&[u8], String> {
    let (certificate, trailing) = element(der)?;
    if certificate.tag != SEQUENCE {
        return Err("it does not start with a SEQUENCE".into());
    }
    if !trailing.is_empty() {
        return Err(format!("{} bytes after the certificate", trailing.len()));
    }
    well_formed(certificate.content, 1)?;

    let mut fields = certificate.content;
    let tbs = expect(&mut fields, SEQUENCE, "tbsCertificate")?;
    expect(&mut fields, SEQUENCE, "signatureAlgorithm")?;
    expect(&mut fields, BIT_STRING, "signatureValue")?;
    if !fields.is_empty() {
        return Err("extra fields after signatureValue".into());
    }

    let mut tbs = tbs.content;
    if tbs.first() == Some(&VERSION) {
        let version = expect(&mut tbs, VERSION, "version")?;
        let mut inner = version.content;
        let number = expect(&mut inner, INTEGER, "version")?;
        if !inner.is_empty() {
            return Err("version: extra data".into());
        }
        match number.content {
            // v1 is the DEFAULT, which DER leaves out rather than writes.
            [0] => return Err("version: explicit v1 (DER omits the default)".into()),
            [1] | [2] => {}
            _ => return Err("version: not v1, v2 or v3".into()),
        }
    }
    let serial = expect(&mut tbs, INTEGER, "serialNumber")?;
    if serial.content.is_empty() {
        return Err("serialNumber: empty".into());
    }
    expect(&mut tbs, SEQUENCE, "signature")?;
    expect(&mut tbs, SEQUENCE, "issuer")?;
    expect(&mut tbs, SEQUENCE, "validity")?;
    expect(&mut tbs, SEQUENCE, "subject")?;
    let spki = expect(&mut tbs, SEQUENCE, "subjectPublicKeyInfo")?;

    let mut inner = spki.content;
    expect(&mut inner, SEQUENCE, "subjectPublicKeyInfo algorithm")?;
    expect(&mut inner, BIT_STRING, "subjectPublicKey")?;
    if !inner.is_empty() {
        return Err("subjectPublicKeyInfo: extra data".into());
    }

    let mut allowed = AFTER_SPKI.as_slice();
    while !tbs.is_empty() {
        let (found, rest) = element(tbs)?;
        let at = allowed
            .iter()
            .position(|&tag| tag == found.tag)
            .ok_or_else(|| format!("tbsCertificate: unexpected field with tag 0x{:02x}", found.tag))?;
        allowed = &allowed[at + 1..];
        tbs = rest;
    }
    Ok(spki.whole)
}

/// The DER SubjectPublicKeyInfo of the certificate in `pem_text`, which must
/// hold exactly one `CERTIFICATE` PEM block.
pub(crate) fn certificate_spki_from_pem(pem_text: &str) -> Result<Vec<u8>, String> {
    let blocks = pem::parse_many(pem_text).map_err(|e| format!("not a PEM certificate: {e}"))?;
    let [block] = blocks.as_slice() else {
        return Err(format!("expected one PEM certificate, found {} PEM blocks", blocks.len()));
    };
    if block.tag() != "CERTIFICATE" {
        return Err(format!("expected a PEM CERTIFICATE, found {:?}", block.tag()));
    }
    certificate_spki(block.contents()).map(<[u8]>::to_vec)
}

/// The signature algorithms [`self_signed_certificate`] can write.
#[cfg(any(test, feature = "testing"))]
#[derive(Debug, Clone, Copy)]
pub(crate) enum CertificateSignature {
    /// sha256WithRSAEncryption (RSASSA-PKCS1-v1_5 with SHA-256).
    RsaPkcs1Sha256,
    /// ecdsa-with-SHA256, the signature an ASN.1 `Ecdsa-Sig-Value`.
    EcdsaSha256,
    /// ecdsa-with-SHA384.
    EcdsaSha384,
    /// ecdsa-with-SHA512.
    EcdsaSha512,
}

/// A self-signed certificate for tests: subject and issuer `CN=common_name`,
/// valid from an hour ago for a year, no extensions. `version_3` false writes
/// a v1 certificate (no version field). `sign` signs the tbsCertificate bytes
/// as `algorithm` says.
#[cfg(any(test, feature = "testing"))]
pub(crate) fn self_signed_certificate(
    common_name: &str,
    spki_der: &[u8],
    algorithm: CertificateSignature,
    version_3: bool,
    sign: impl FnOnce(&[u8]) -> Vec<u8>,
) -> Vec<u8> {
    use std::time::{SystemTime, UNIX_EPOCH};

    let algorithm_identifier = match algorithm {
        // 1.2.840.113549.1.1.11 with NULL parameters.
        CertificateSignature::RsaPkcs1Sha256 => {
            &[0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00][..]
        }
        // 1.2.840.10045.4.3.{2,3,4}, parameters absent.
        CertificateSignature::EcdsaSha256 => &[0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02],
        CertificateSignature::EcdsaSha384 => &[0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03],
        CertificateSignature::EcdsaSha512 => &[0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04],
    };
    // CN (2.5.4.3) as a UTF8String, in one RDN.
    let attribute = [tlv(0x06, &[0x55, 0x04, 0x03]), tlv(0x0c, common_name.as_bytes())].concat();
    let name = tlv(SEQUENCE, &tlv(0x31, &tlv(SEQUENCE, &attribute)));
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let validity = tlv(SEQUENCE, &[time(now.saturating_sub(3600)), time(now + 365 * 86_400)].concat());
    let mut serial = [0u8; 16];
    aws_lc_rs::rand::fill(&mut serial).expect("random serial number");
    // Positive and minimally encoded: no leading zero, top bit clear.
    serial[0] = (serial[0] & 0x7f) | 0x40;

    let mut tbs = Vec::new();
    if version_3 {
        tbs.extend(tlv(VERSION, &tlv(INTEGER, &[2])));
    }
    tbs.extend(tlv(INTEGER, &serial));
    tbs.extend_from_slice(algorithm_identifier);
    tbs.extend_from_slice(&name);
    tbs.extend(validity);
    tbs.extend_from_slice(&name);
    tbs.extend_from_slice(spki_der);
    let tbs = tlv(SEQUENCE, &tbs);
    let signature = [&[0u8][..], &sign(&tbs)].concat();
    tlv(SEQUENCE, &[tbs.as_slice(), algorithm_identifier, &tlv(BIT_STRING, &signature)].concat())
}

/// One DER element with a minimally encoded definite length.
#[cfg(any(test, feature = "testing"))]
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// `unix` seconds as an X.509 Time: UTCTime up to 2049, GeneralizedTime after (RFC 5280 4.1.2.5).
#[cfg(any(test, feature = "testing"))]
fn time(unix: u64) -> Vec<u8> {
    let days = i64::try_from(unix / 86_400).unwrap_or(0);
    let secs = unix % 86_400;
    let (year, month, day) = crate::inspect::civil_date(days);
    let clock = format!("{month:02}{day:02}{:02}{:02}{:02}Z", secs / 3600, secs / 60 % 60, secs % 60);
    if year < 2050 {
        tlv(0x17, format!("{:02}{clock}", year % 100).as_bytes())
    } else {
        tlv(0x18, format!("{year:04}{clock}").as_bytes())
    }
}

/// What an [`issued_certificate`] is for.
#[cfg(any(test, feature = "testing"))]
pub(crate) enum CertificateRole<'a> {
    /// A certificate authority: basicConstraints cA, keyUsage keyCertSign and cRLSign.
    Authority,
    /// A TLS server: keyUsage digitalSignature, extKeyUsage serverAuth, and
    /// these names in subjectAltName.
    Server { dns_names: &'a [&'a str], ip_addresses: &'a [std::net::IpAddr] },
}

/// A v3 certificate for tests, `CN=subject` issued by `CN=issuer`, valid
/// from an hour ago for a year, signed ecdsa-with-SHA256 by `sign` (an
/// ASN.1 ECDSA P-256 signature over the tbsCertificate bytes). With
/// `subject == issuer` and the issuer's own key it is self-signed (a root CA).
#[cfg(any(test, feature = "testing"))]
pub(crate) fn issued_certificate(
    subject: &str,
    issuer: &str,
    spki_der: &[u8],
    role: CertificateRole<'_>,
    sign: impl FnOnce(&[u8]) -> Vec<u8>,
) -> Vec<u8> {
    use std::time::{SystemTime, UNIX_EPOCH};

    // 1.2.840.10045.4.3.2, parameters absent.
    const ECDSA_SHA256: &[u8] = &[0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    let name = |cn: &str| {
        let attribute = [tlv(0x06, &[0x55, 0x04, 0x03]), tlv(0x0c, cn.as_bytes())].concat();
        tlv(SEQUENCE, &tlv(0x31, &tlv(SEQUENCE, &attribute)))
    };
    let extension = |oid: &[u8], critical: bool, value: Vec<u8>| {
        let critical = if critical { &[0x01, 0x01, 0xff][..] } else { &[] };
        tlv(SEQUENCE, &[tlv(0x06, oid), critical.to_vec(), tlv(0x04, &value)].concat())
    };
    // basicConstraints 2.5.29.19, keyUsage 2.5.29.15, subjectAltName 2.5.29.17, extKeyUsage 2.5.29.37.
    let extensions = match role {
        CertificateRole::Authority => vec![
            extension(&[0x55, 0x1d, 0x13], true, tlv(SEQUENCE, &[0x01, 0x01, 0xff])),
            extension(&[0x55, 0x1d, 0x0f], true, vec![BIT_STRING, 0x02, 0x01, 0x06]),
        ],
        CertificateRole::Server { dns_names, ip_addresses } => {
            let mut names = Vec::new();
            for dns in dns_names {
                names.extend(tlv(0x82, dns.as_bytes()));
            }
            for ip in ip_addresses {
                match ip {
                    std::net::IpAddr::V4(v4) => names.extend(tlv(0x87, &v4.octets())),
                    std::net::IpAddr::V6(v6) => names.extend(tlv(0x87, &v6.octets())),
                }
            }
            // id-kp-serverAuth, 1.3.6.1.5.5.7.3.1.
            let server_auth = tlv(0x06, &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01]);
            vec![
                extension(&[0x55, 0x1d, 0x0f], true, vec![BIT_STRING, 0x02, 0x07, 0x80]),
                extension(&[0x55, 0x1d, 0x25], false, tlv(SEQUENCE, &server_auth)),
                extension(&[0x55, 0x1d, 0x11], false, tlv(SEQUENCE, &names)),
            ]
        }
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let validity = tlv(SEQUENCE, &[time(now.saturating_sub(3600)), time(now + 365 * 86_400)].concat());
    let mut serial = [0u8; 16];
    aws_lc_rs::rand::fill(&mut serial).expect("random serial number");
    serial[0] = (serial[0] & 0x7f) | 0x40;

    let tbs = tlv(
        SEQUENCE,
        &[
            tlv(VERSION, &tlv(INTEGER, &[2])),
            tlv(INTEGER, &serial),
            ECDSA_SHA256.to_vec(),
            name(issuer),
            validity,
            name(subject),
            spki_der.to_vec(),
            tlv(0xa3, &tlv(SEQUENCE, &extensions.concat())),
        ]
        .concat(),
    );
    let signature = [&[0u8][..], &sign(&tbs)].concat();
    tlv(SEQUENCE, &[tbs.as_slice(), ECDSA_SHA256, &tlv(BIT_STRING, &signature)].concat())
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::rsa;
    use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair};

    use super::*;

    fn rsa_certificate(version_3: bool) -> (Vec<u8>, Vec<u8>) {
        let pair = rsa::KeyPair::generate(rsa::KeySize::Rsa2048).unwrap();
        let spki = pair.public_key().as_der().unwrap().as_ref().to_vec();
        let cert = self_signed_certificate("rsa-1", &spki, CertificateSignature::RsaPkcs1Sha256, version_3, |tbs| {
            let mut sig = vec![0; pair.public_modulus_len()];
            pair.sign(&signature::RSA_PKCS1_SHA256, &SystemRandom::new(), tbs, &mut sig).unwrap();
            sig
        });
        (cert, spki)
    }

    fn ec_certificate(
        signing: &'static signature::EcdsaSigningAlgorithm,
        algorithm: CertificateSignature,
    ) -> (Vec<u8>, Vec<u8>) {
        let pair = EcdsaKeyPair::generate(signing).unwrap();
        let spki = pair.public_key().as_der().unwrap().as_ref().to_vec();
        let cert = self_signed_certificate("ec-1", &spki, algorithm, true, |tbs| {
            pair.sign(&SystemRandom::new(), tbs).unwrap().as_ref().to_vec()
        });
        (cert, spki)
    }

    /// The tbsCertificate and signature of a certificate, to check its self-signature.
    fn tbs_and_signature(cert: &[u8]) -> (&[u8], &[u8]) {
        let (outer, _) = element(cert).unwrap();
        let mut fields = outer.content;
        let tbs = expect(&mut fields, SEQUENCE, "tbs").unwrap();
        expect(&mut fields, SEQUENCE, "alg").unwrap();
        let sig = expect(&mut fields, BIT_STRING, "sig").unwrap();
        (tbs.whole, &sig.content[1..])
    }

    #[test]
    fn returns_the_spki_of_an_rsa_certificate() {
        let (cert, spki) = rsa_certificate(true);
        assert_eq!(certificate_spki(&cert).unwrap(), spki.as_slice());
    }

    #[test]
    fn returns_the_spki_of_ec_certificates_on_every_curve() {
        for (signing, algorithm) in [
            (&signature::ECDSA_P256_SHA256_ASN1_SIGNING, CertificateSignature::EcdsaSha256),
            (&signature::ECDSA_P384_SHA384_ASN1_SIGNING, CertificateSignature::EcdsaSha384),
            (&signature::ECDSA_P521_SHA512_ASN1_SIGNING, CertificateSignature::EcdsaSha512),
            (&signature::ECDSA_P256K1_SHA256_ASN1_SIGNING, CertificateSignature::EcdsaSha256),
        ] {
            let (cert, spki) = ec_certificate(signing, algorithm);
            assert_eq!(certificate_spki(&cert).unwrap(), spki.as_slice());
        }
    }

    #[test]
    fn returns_the_spki_of_a_v1_certificate_without_a_version_field() {
        let (cert, spki) = rsa_certificate(false);
        assert_ne!(cert[4], VERSION, "the generator wrote a version field");
        assert_eq!(certificate_spki(&cert).unwrap(), spki.as_slice());
    }

    #[test]
    fn generated_certificates_verify_under_their_own_key() {
        let (cert, spki) = rsa_certificate(true);
        let (tbs, sig) = tbs_and_signature(&cert);
        signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, rsa_public_key(&spki))
            .verify(tbs, sig)
            .unwrap();

        let (cert, spki) =
            ec_certificate(&signature::ECDSA_P384_SHA384_ASN1_SIGNING, CertificateSignature::EcdsaSha384);
        let (tbs, sig) = tbs_and_signature(&cert);
        let point = &element_content_of_bit_string(&spki)[1..];
        signature::UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_ASN1, point).verify(tbs, sig).unwrap();
    }

    /// The subjectPublicKey BIT STRING content of an SPKI.
    fn element_content_of_bit_string(spki: &[u8]) -> &[u8] {
        let (outer, _) = element(spki).unwrap();
        let mut inner = outer.content;
        expect(&mut inner, SEQUENCE, "alg").unwrap();
        expect(&mut inner, BIT_STRING, "key").unwrap().content
    }

    /// aws-lc-rs verifies RSA against the PKCS#1 RSAPublicKey inside the SPKI.
    fn rsa_public_key(spki: &[u8]) -> &[u8] {
        &element_content_of_bit_string(spki)[1..]
    }

    #[test]
    fn reads_a_certificate_from_pem() {
        let (cert, spki) = rsa_certificate(true);
        let text = pem::encode(&pem::Pem::new("CERTIFICATE", cert));
        assert_eq!(certificate_spki_from_pem(&text).unwrap(), spki);
    }

    #[test]
    fn refuses_pem_that_is_not_exactly_one_certificate() {
        let (cert, spki) = rsa_certificate(true);
        let one = pem::encode(&pem::Pem::new("CERTIFICATE", cert));
        let two = format!("{one}{one}");
        assert!(certificate_spki_from_pem(&two).unwrap_err().contains("found 2"));
        assert!(certificate_spki_from_pem("").unwrap_err().contains("found 0"));
        let key = pem::encode(&pem::Pem::new("PUBLIC KEY", spki));
        assert!(certificate_spki_from_pem(&key).unwrap_err().contains("PUBLIC KEY"));
        assert!(certificate_spki_from_pem("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n").is_err());
    }

    #[test]
    fn refuses_every_truncation_without_panicking() {
        let (cert, _) = rsa_certificate(true);
        for len in 0..cert.len() {
            assert!(certificate_spki(&cert[..len]).is_err(), "accepted the first {len} bytes");
        }
    }

    #[test]
    fn refuses_trailing_bytes() {
        let (mut cert, _) = rsa_certificate(true);
        cert.push(0);
        assert!(certificate_spki(&cert).unwrap_err().contains("after the certificate"));
    }

    #[test]
    fn refuses_garbage() {
        for input in [&b""[..], b"\x00", b"\x30", b"\x30\x00", b"\x02\x01\x00", b"hello, world", &[0xff; 64]] {
            let err = certificate_spki(input).unwrap_err();
            assert!(err.starts_with("not a DER certificate: "), "{err}");
        }
    }

    #[test]
    fn refuses_indefinite_lengths() {
        let (cert, _) = rsa_certificate(true);
        let content = &cert[4..];
        let ber = [&[0x30, 0x80][..], content, &[0x00, 0x00]].concat();
        assert!(certificate_spki(&ber).unwrap_err().contains("indefinite"));
    }

    #[test]
    fn refuses_non_minimal_lengths() {
        let (cert, _) = rsa_certificate(true);
        assert_eq!(&cert[..2], &[0x30, 0x82], "a 2048-bit RSA certificate has a two-byte length");
        let content = &cert[4..];
        let padded = [&[0x30, 0x83, 0x00][..], &cert[2..4], content].concat();
        assert!(certificate_spki(&padded).unwrap_err().contains("leading zero"));
        assert!(certificate_spki(b"\x30\x81\x05\x02\x01\x01\x02\x01\x01").unwrap_err().contains("not minimal"));
    }

    #[test]
    fn refuses_lengths_past_the_end_or_too_large() {
        assert!(certificate_spki(b"\x30\x84\xff\xff\xff\xff\x00").unwrap_err().contains("past the end"));
        assert!(certificate_spki(b"\x30\x88\x00\x00\x00\x00\x00\x00\x00\x01\x00").unwrap_err().contains("too large"));
    }

    #[test]
    fn refuses_an_explicit_v1_version() {
        let (cert, _) = rsa_certificate(false);
        let (outer, _) = element(&cert).unwrap();
        let (tbs, _) = element(outer.content).unwrap();
        let rest = &outer.content[tbs.whole.len()..];
        let tbs = tlv(SEQUENCE, &[&tlv(VERSION, &tlv(INTEGER, &[0]))[..], tbs.content].concat());
        let cert = tlv(SEQUENCE, &[tbs.as_slice(), rest].concat());
        assert!(certificate_spki(&cert).unwrap_err().contains("explicit v1"));
    }

    #[test]
    fn refuses_indefinite_lengths_nested_inside_the_certificate() {
        let name = [0x30, 0x80, 0x00, 0x00];
        let tbs = tlv(SEQUENCE, &[&tlv(INTEGER, &[1])[..], &name].concat());
        let cert = tlv(SEQUENCE, &tbs);
        assert!(certificate_spki(&cert).unwrap_err().contains("indefinite"));
    }

    #[test]
    fn refuses_deep_nesting_without_overflowing_the_stack() {
        let mut der = Vec::new();
        for _ in 0..2_000 {
            der = tlv(SEQUENCE, &der);
        }
        assert!(certificate_spki(&der).is_err());
    }

    #[test]
    fn never_panics_on_any_single_byte_change() {
        let (cert, _) = ec_certificate(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, CertificateSignature::EcdsaSha256);
        for at in 0..cert.len() {
            for value in [0x00, 0x7f, 0x80, 0x81, 0xff, cert[at] ^ 0x01] {
                let mut changed = cert.clone();
                changed[at] = value;
                let _ = certificate_spki(&changed);
            }
        }
    }

    #[test]
    fn writes_times_as_utc_before_2050_and_generalized_after() {
        assert_eq!(time(0), tlv(0x17, b"700101000000Z"));
        assert_eq!(time(951_782_400), tlv(0x17, b"000229000000Z"));
        assert_eq!(time(2_524_608_000 - 1), tlv(0x17, b"491231235959Z"));
        assert_eq!(time(2_524_608_000), tlv(0x18, b"20500101000000Z"));
    }
}
