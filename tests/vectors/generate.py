"""Generate tests/vectors/vectors.json: conformance cases for every face of tokenward.

An independent implementation: keys and signatures come from the Python
`cryptography` package and every JWS is assembled by hand here, so malformed
and hostile variants can be built byte by byte. The Rust core, the Python
package and the Node package all run the same file and must reach the same
verdict and error code for every case.

    make vectors   # runs this with the pinned cryptography in .venv

Format: {"now", "keysets": {name: {"jwks"|"pem"|"secret_b64url": ...}},
         "cases": [{"name", "keys", "policy", "token", "expect": {"ok", "code", "claim"}}],
         "signatures": [{"name", "jwk", "alg", "signing_input", "signature", "ok"}]}
A policy spells the options as the Rust builder and Python do (snake_case).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

NOW = 1_700_000_000
ISS = "https://issuer.example"
AUD = "api://default"
OUT = Path(__file__).with_name("vectors.json")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_bytes(n: int, size: int | None = None) -> bytes:
    size = size or (n.bit_length() + 7) // 8
    return n.to_bytes(size, "big")


def compact_json(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


HASHES = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}


class Key:
    """A private key plus its public JWK."""

    def __init__(self, alg: str, kid: str, private=None, secret: bytes | None = None):
        self.alg, self.kid = alg, kid
        if alg.startswith(("RS", "PS")):
            self.private = private or rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pub = self.private.public_key().public_numbers()
            self.jwk = {"kty": "RSA", "n": b64(int_bytes(pub.n)), "e": b64(int_bytes(pub.e))}
        elif alg.startswith("ES"):
            curve, crv, size = {
                "ES256": (ec.SECP256R1(), "P-256", 32),
                "ES384": (ec.SECP384R1(), "P-384", 48),
                "ES512": (ec.SECP521R1(), "P-521", 66),
                "ES256K": (ec.SECP256K1(), "secp256k1", 32),
            }[alg]
            self.size = size
            self.private = private or ec.generate_private_key(curve)
            pub = self.private.public_key().public_numbers()
            self.jwk = {"kty": "EC", "crv": crv, "x": b64(int_bytes(pub.x, size)), "y": b64(int_bytes(pub.y, size))}
        elif alg == "EdDSA":
            self.private = private or ed25519.Ed25519PrivateKey.generate()
            raw = self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            self.jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64(raw)}
        else:
            self.secret = secret if secret is not None else os.urandom(int(alg[2:]) // 8)
            self.jwk = {"kty": "oct", "k": b64(self.secret)}
        self.jwk["kid"] = kid

    def public_pem(self) -> str:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def sign(self, alg: str, data: bytes) -> bytes:
        bits = alg[-3:]
        if alg.startswith("RS"):
            return self.private.sign(data, padding.PKCS1v15(), HASHES[bits])
        if alg.startswith("PS"):
            h = HASHES[bits]
            return self.private.sign(data, padding.PSS(padding.MGF1(h), h.digest_size), h)
        if alg.startswith("ES"):
            h = hashes.SHA256() if alg == "ES256K" else HASHES[bits]
            r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(h)))
            return int_bytes(r, self.size) + int_bytes(s, self.size)
        if alg == "EdDSA":
            return self.private.sign(data)
        mac = hmac.HMAC(self.secret, HASHES[bits])
        mac.update(data)
        return mac.finalize()


def claims(**overrides):
    base = {"iss": ISS, "aud": AUD, "sub": "user-1", "iat": NOW - 10, "exp": NOW + 600}
    for k, v in overrides.items():
        k = k.rstrip("_")
        if v is DROP:
            base.pop(k, None)
        else:
            base[k] = v
    return base


DROP = object()


def jws(key: Key | None, header: dict | bytes, payload: dict | bytes, alg: str | None = None, sig: bytes | None = None) -> str:
    h = header if isinstance(header, bytes) else compact_json(header)
    p = payload if isinstance(payload, bytes) else compact_json(payload)
    signing_input = f"{b64(h)}.{b64(p)}"
    if sig is None:
        sig = key.sign(alg or key.alg, signing_input.encode())
    return f"{signing_input}.{b64(sig)}"


def std(key: Key, alg: str | None = None, **header_extra) -> dict:
    h = {"alg": alg or key.alg, "typ": "JWT", "kid": key.kid}
    for k, v in header_extra.items():
        if v is DROP:
            h.pop(k, None)
        else:
            h[k] = v
    return h


def flip_last_char(token: str) -> str:
    """Changes the signature's last-but-one character: still canonical base64url."""
    head, sig = token.rsplit(".", 1)
    i = len(sig) - 2
    c = "A" if sig[i] != "A" else "B"
    return f"{head}.{sig[:i]}{c}{sig[i + 1:]}"


# Ed25519 group arithmetic (RFC 8032, affine twisted Edwards coordinates, a = -1),
# written out here so the small-order points below do not come from the code
# under test nor from a list copied from elsewhere.
ED_P = 2**255 - 19
ED_L = 2**252 + 27742317777372353535851937790883648493  # order of the base point
ED_D = -121665 * pow(121666, -1, ED_P) % ED_P
ED_SQRT_M1 = pow(2, (ED_P - 1) // 4, ED_P)
ED_IDENTITY = (0, 1)


def ed_add(p1: tuple[int, int], p2: tuple[int, int]) -> tuple[int, int]:
    (x1, y1), (x2, y2) = p1, p2
    t = ED_D * x1 * x2 * y1 * y2 % ED_P
    x3 = (x1 * y2 + y1 * x2) * pow(1 + t, -1, ED_P) % ED_P
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, -1, ED_P) % ED_P
    return x3, y3


def ed_mul(k: int, point: tuple[int, int]) -> tuple[int, int]:
    result = ED_IDENTITY
    while k:
        if k & 1:
            result = ed_add(result, point)
        point = ed_add(point, point)
        k >>= 1
    return result


def ed_on_curve(point: tuple[int, int]) -> bool:
    x, y = point
    return (-x * x + y * y - 1 - ED_D * x * x * y * y) % ED_P == 0


def ed_recover_x(y: int, sign: int) -> int | None:
    """RFC 8032 5.1.3 step 2-4: the x with this parity on the curve at y, if any."""
    u, v = (y * y - 1) % ED_P, (ED_D * y * y + 1) % ED_P
    x2 = u * pow(v, -1, ED_P) % ED_P
    x = pow(x2, (ED_P + 3) // 8, ED_P)
    if (x * x - x2) % ED_P:
        x = x * ED_SQRT_M1 % ED_P
    if (x * x - x2) % ED_P or (x == 0 and sign):
        return None
    return ED_P - x if x & 1 != sign else x


def ed_encode(point: tuple[int, int]) -> bytes:
    x, y = point
    return (y | (x & 1) << 255).to_bytes(32, "little")


def ed_order(point: tuple[int, int]) -> int:
    return next(n for n in (1, 2, 4, 8) if ed_mul(n, point) == ED_IDENTITY)


def ed_torsion() -> list[tuple[int, int]]:
    """The 8 points whose order divides 8: L times a curve point of order 8L
    is one of order 8, and its multiples are all of them."""
    y = 2
    while True:
        x = ed_recover_x(y, 0)
        if x is not None:
            generator = ed_mul(ED_L, (x, y))
            if ed_order(generator) == 8:
                break
        y += 1
    points = [ed_mul(k, generator) for k in range(8)]
    assert len(set(points)) == 8
    for point in points:
        assert ed_on_curve(point) and ed_mul(8, point) == ED_IDENTITY
    assert sorted(ed_order(pt) for pt in points) == [1, 2, 4, 4, 8, 8, 8, 8]
    assert ED_IDENTITY in points and (0, ED_P - 1) in points
    return points


def forged_eddsa(kid: str, public: bytes, point: tuple[int, int]) -> str:
    """A token that verifies under a public key of small order without its private
    key: R is the identity and S is 0, so [S]B = R + [k]A holds whenever [k]A is
    the identity; the jti is varied until k (from the hash) is a multiple of A's order."""
    r = ed_encode(ED_IDENTITY)
    header = b64(compact_json({"alg": "EdDSA", "typ": "JWT", "kid": kid}))
    for attempt in range(1000):
        signing_input = f"{header}.{b64(compact_json(claims(jti=f'forged-{attempt}')))}"
        k = int.from_bytes(hashlib.sha512(r + public + signing_input.encode()).digest(), "little") % ED_L
        if ed_mul(k, point) == ED_IDENTITY:
            return f"{signing_input}.{b64(r + bytes(32))}"
    raise AssertionError("no forgery found")


def pkcs1_sha256(data: bytes, size: int) -> bytes:
    """EMSA-PKCS1-v1_5 encoding of SHA-256(data) (RFC 8017 9.2): with e = 1 this
    block is its own signature."""
    digest_info = bytes.fromhex("3031300d060960864801650304020105000420") + hashlib.sha256(data).digest()
    return b"\x00\x01" + b"\xff" * (size - 3 - len(digest_info)) + b"\x00" + digest_info


def main() -> None:
    algs = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "ES256K", "EdDSA"]
    rsa_main = Key("RS256", "rsa-main")
    keys = {a: Key(a, f"k-{a.lower()}", private=rsa_main.private if a[:2] in ("RS", "PS") else None) for a in algs}
    for a in algs:
        keys[a].jwk["kid"] = keys[a].kid
    # RSA keys are shared across RS*/PS*: one JWK without "alg" serves all six.
    rsa_jwk = dict(rsa_main.jwk)
    main_jwks = {"keys": [rsa_jwk] + [keys[a].jwk for a in algs if not a[:2] in ("RS", "PS")]}
    for a in algs:
        if a[:2] in ("RS", "PS"):
            keys[a].kid = "rsa-main"
    hs = {a: Key(a, f"k-{a.lower()}") for a in ["HS256", "HS384", "HS512"]}
    hs_secret = os.urandom(64)
    for k in hs.values():
        k.secret = hs_secret
    attacker = Key("ES256", "attacker")
    second_rsa = Key("RS256", "rsa-second")
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    weak_key = Key("RS256", "weak", private=weak)

    keysets = {
        "main": {"jwks": main_jwks},
        "hmac": {"secret_b64url": b64(hs_secret)},
        "hmac16": {"secret_b64url": b64(os.urandom(16))},
        "hmac32": {"secret_b64url": b64(hs_secret[:32])},
        "hmac_jwks": {"jwks": {"keys": [{"kty": "oct", "kid": "oct-1", "k": b64(hs_secret)}]}},
        "two_rsa": {"jwks": {"keys": [rsa_jwk, second_rsa.jwk]}},
        "weak_rsa": {"jwks": {"keys": [weak_key.jwk]}},
        "pem_rsa": {"pem": rsa_main.public_pem()},
        "pem_ec": {"pem": keys["ES256"].public_pem()},
        "pem_ed": {"pem": keys["EdDSA"].public_pem()},
        "pem_p521": {"pem": keys["ES512"].public_pem()},
        "pem_k1": {"pem": keys["ES256K"].public_pem()},
        "pem_weak_rsa": {"pem": weak_key.public_pem()},
        "mismatch": {
            "jwks": {
                "keys": [
                    dict(keys["ES256"].jwk, kid="use-enc", use="enc"),
                    dict(keys["ES256"].jwk, kid="ops-sign", key_ops=["sign"]),
                    dict(keys["ES256"].jwk, kid="ops-verify", key_ops=["verify"]),
                    dict(keys["ES256"].jwk, kid="use-sig", use="sig"),
                    dict(rsa_jwk, kid="rsa-alg-rs384", alg="RS384"),
                    dict(keys["ES256"].jwk, kid="ec-alg-rs256", alg="RS256"),
                    dict(keys["ES256"].jwk, kid="ec-crv-p384", crv="P-384"),
                    dict(keys["ES384"].jwk, kid="ec-declared-es384", alg="ES384"),
                    {"kty": "XYZ", "kid": "unknown-kty"},
                    {"kty": "OKP", "crv": "Ed448", "kid": "ed448", "x": b64(os.urandom(57))},
                    dict(rsa_jwk, kid="rsa-as-ec", kty="EC"),
                ]
            }
        },
    }

    cases: list[dict] = []

    def case(name, keyset, token, ok, code=None, claim=None, **policy):
        pol = {"issuer": ISS, "audience": AUD}
        pol.update(policy)
        pol = {k: v for k, v in pol.items() if v is not None}
        expect = {"ok": ok}
        if code:
            expect["code"] = code
        if claim:
            expect["claim"] = claim
        cases.append({"name": name, "keys": keyset, "policy": pol, "token": token, "expect": expect})

    # Every algorithm: valid, tampered signature, tampered payload.
    for a in algs:
        k = keys[a]
        good = jws(k, std(k, a), claims(), alg=a)
        case(f"{a} valid", "main", good, True)
        case(f"{a} signature changed", "main", flip_last_char(good), False, "invalid_signature")
        h, p, s = good.split(".")
        forged = jws(None, std(k, a), claims(sub="admin"), sig=base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
        case(f"{a} payload changed", "main", forged, False, "invalid_signature")
    for a, k in hs.items():
        good = jws(k, std(k, a, kid=DROP), claims())
        case(f"{a} valid with listed algorithm", "hmac", good, True, algorithms=[a])
        case(f"{a} signature changed", "hmac", flip_last_char(good), False, "invalid_signature", algorithms=[a])
        case(f"{a} refused when not listed", "hmac", good, False, "configuration")
        case(f"{a} from oct JWK", "hmac_jwks", jws(k, std(k, a, kid="oct-1"), claims()), True, algorithms=[a])
    k = hs["HS256"]
    case("HS256 listed but key set is asymmetric", "main", jws(k, std(k, kid=DROP), claims()), False, "key_not_found", algorithms=["RS256", "HS256"])
    case("HS256 not in default algorithms", "hmac_jwks", jws(k, std(k, kid="oct-1"), claims()), False, "algorithm_not_allowed", algorithms=["HS512"])

    # alg none and unknown algorithms.
    body = claims()
    for alg_name in ["none", "None", "NONE"]:
        case(f"alg {alg_name} unsigned", "main", jws(None, {"alg": alg_name, "typ": "JWT"}, body, sig=b""), False, "algorithm_not_allowed", claim="alg")
    case("alg none with kid and signature", "main", jws(None, {"alg": "none", "kid": "rsa-main"}, body, sig=b"xx"), False, "algorithm_not_allowed")
    case("alg unknown", "main", jws(None, {"alg": "XS256", "kid": "rsa-main"}, body, sig=b"xx"), False, "unsupported_algorithm", claim="alg")
    case("alg lowercase rs256 is unknown", "main", jws(keys["RS256"], {"alg": "rs256", "kid": "rsa-main"}, body, alg="RS256"), False, "unsupported_algorithm")
    case("alg not in configured list", "main", jws(keys["RS256"], std(keys["RS256"]), body), False, "algorithm_not_allowed", algorithms=["ES256"])
    case("alg in configured list", "main", jws(keys["ES256"], std(keys["ES256"]), body), True, algorithms=["ES256", "EdDSA"])

    # HMAC signed with the RSA public key as secret (algorithm confusion).
    pem_secret = rsa_main.public_pem().encode()
    confused = Key("HS256", "rsa-main", secret=pem_secret)
    tok = jws(confused, {"alg": "HS256", "typ": "JWT", "kid": "rsa-main"}, body)
    case("HS256 signed with RSA public key PEM (default algorithms)", "main", tok, False, "algorithm_not_allowed")
    case("HS256 signed with RSA public key PEM (HS256 listed)", "main", tok, False, "key_not_found", algorithms=["RS256", "HS256"])
    case("HS256 signed with RSA PEM against PEM key", "pem_rsa", jws(confused, {"alg": "HS256"}, body), False, "key_not_found", algorithms=["RS256", "HS256"])
    jwk_secret = Key("HS256", "rsa-main", secret=compact_json(rsa_jwk))
    case("HS256 signed with RSA JWK JSON as secret", "main", jws(jwk_secret, {"alg": "HS256", "kid": "rsa-main"}, body), False, "key_not_found", algorithms=["RS256", "HS256"])

    # Key selection.
    es = keys["ES256"]
    case("kid unknown", "main", jws(es, std(es, kid="nope"), body), False, "key_not_found")
    case("kid of RSA key on ES256 token", "main", jws(es, std(es, kid="rsa-main"), body), False, "key_not_found")
    case("kid of EC key on RS256 token", "main", jws(keys["RS256"], std(keys["RS256"], kid="k-es256"), body), False, "key_not_found")
    case("no kid, single key suits alg", "main", jws(es, std(es, kid=DROP), body), True)
    case("no kid, several keys suit alg", "two_rsa", jws(keys["RS256"], std(keys["RS256"], kid=DROP), body), False, "key_not_found")
    case("kid selects second RSA key", "two_rsa", jws(second_rsa, std(second_rsa), body), True)
    case("kid of first key, signed by second", "two_rsa", jws(second_rsa, std(second_rsa, kid="rsa-main"), body), False, "invalid_signature")
    case("kid is not a string", "main", jws(es, std(es, kid=5), body), False, "malformed")
    case("signed by another key with a known kid", "main", jws(attacker, std(attacker, kid="k-es256"), body), False, "invalid_signature")
    for kid, code in [("use-enc", "key_not_found"), ("ops-sign", "key_not_found"), ("ops-verify", None), ("use-sig", None),
                      ("ec-alg-rs256", "key_not_found"), ("ec-crv-p384", "key_not_found"), ("rsa-as-ec", "key_not_found")]:
        case(f"JWK {kid}", "mismatch", jws(es, std(es, kid=kid), body), code is None, code)
    rs = keys["RS256"]
    case("JWK alg RS384 refuses RS256 token", "mismatch", jws(rs, std(rs, kid="rsa-alg-rs384"), body), False, "key_not_found")
    case("JWK alg RS384 accepts RS384 token", "mismatch", jws(rs, std(rs, "RS384", kid="rsa-alg-rs384"), body, alg="RS384"), True)
    case("JWK declared ES384 verifies", "mismatch", jws(keys["ES384"], std(keys["ES384"], kid="ec-declared-es384"), body), True)
    case("RSA key under 2048 bits", "weak_rsa", jws(weak_key, std(weak_key), body), False, "jwks_invalid")
    case("RSA PEM under 2048 bits", "pem_weak_rsa", jws(weak_key, std(weak_key), body), False, "configuration")
    case("short HMAC secret (16 bytes)", "hmac16", jws(hs["HS256"], {"alg": "HS256"}, body), False, "configuration", algorithms=["HS256"])
    case("HMAC secret of 32 bytes too short for HS512", "hmac32", jws(hs["HS512"], {"alg": "HS512"}, body), False, "configuration", algorithms=["HS512"])
    case("HMAC secret of 32 bytes fits HS256", "hmac32", jws(Key("HS256", "x", secret=hs_secret[:32]), {"alg": "HS256"}, body), True, algorithms=["HS256"])

    # Degenerate keys: refused when the key set is loaded, so such an entry is
    # skipped and a key set left with no usable key is jwks_invalid. Next to a
    # good key, the bad key's kid finds nothing and the good key still verifies.
    good_jwk = dict(keys["ES256"].jwk, kid="good")
    good_token = jws(es, std(es, kid="good"), body)
    degenerate_jwk_cases(case, keysets, good_jwk, good_token, rsa_main, es)
    degenerate_pem_cases(case, keysets)
    # The same signature with S + L passes [S]B = R + [k]A: only the S < L check refuses it.
    ed = keys["EdDSA"]
    h_ed, p_ed, s_ed = jws(ed, std(ed), body).split(".")
    sig_ed = base64.urlsafe_b64decode(s_ed + "==")
    s_plus_l = (int.from_bytes(sig_ed[32:], "little") + ED_L).to_bytes(32, "little")
    case("EdDSA signature with S + L (not below the group order)", "main", f"{h_ed}.{p_ed}.{b64(sig_ed[:32] + s_plus_l)}", False, "invalid_signature")

    # A key without kid is no fallback for a token that names a kid no key has.
    keysets["kidless"] = {"jwks": {"keys": [{k: v for k, v in es.jwk.items() if k != "kid"}]}}
    case("kid unknown, only a kid-less key", "kidless", jws(es, std(es, kid="nobody"), body), False, "key_not_found")
    case("no kid, only a kid-less key", "kidless", jws(es, std(es, kid=DROP), body), True)
    # Two keys sharing one kid: each verifies its own tokens.
    keysets["rsa_shared_kid"] = {"jwks": {"keys": [dict(rsa_jwk, kid="shared"), dict(second_rsa.jwk, kid="shared")]}}
    case("two RSA keys share a kid, signed by the second", "rsa_shared_kid", jws(second_rsa, std(second_rsa, kid="shared"), body), True)
    case("two RSA keys share a kid, signed by the first", "rsa_shared_kid", jws(rsa_main, std(rsa_main, kid="shared"), body), True)
    third_rsa = Key("RS256", "shared")
    case("two RSA keys share a kid, signed by neither", "rsa_shared_kid", jws(third_rsa, std(third_rsa), body), False, "invalid_signature")

    # PEM keys.
    for ks, a in [("pem_rsa", "RS256"), ("pem_rsa", "PS512"), ("pem_ec", "ES256"), ("pem_ed", "EdDSA"), ("pem_p521", "ES512"), ("pem_k1", "ES256K")]:
        k = keys[a]
        case(f"PEM {a} valid", ks, jws(k, std(k, a, kid=DROP), body, alg=a), True)
        case(f"PEM {a} with a kid in the token", ks, jws(k, std(k, a, kid="whatever"), body, alg=a), True)
    case("PEM EC key refuses RS256", "pem_ec", jws(rs, std(rs, kid=DROP), body), False, "key_not_found")

    # Untrusted header members: never used to find a key.
    att = jws(attacker, dict(std(attacker), jwk=attacker.jwk), body)
    case("embedded jwk header with unknown kid", "main", att, False, "key_not_found")
    case("embedded jwk header with known kid", "main", jws(attacker, dict(std(attacker, kid="k-es256"), jwk=attacker.jwk), body), False, "invalid_signature")
    case("jku header pointing elsewhere", "main", jws(attacker, dict(std(attacker), jku="https://evil.example/jwks.json"), body), False, "key_not_found")
    case("x5u header pointing elsewhere", "main", jws(attacker, dict(std(attacker, kid="k-es256"), x5u="https://evil.example/cert.pem"), body), False, "invalid_signature")
    case("x5c header with attacker cert material", "main", jws(attacker, dict(std(attacker, kid=DROP), x5c=["MIIB"]), body), False, "invalid_signature")
    case("jku on a genuine token is ignored", "main", jws(es, dict(std(es), jku="https://evil.example/jwks.json"), body), True)

    # crit.
    case("crit with exp", "main", jws(es, dict(std(es), crit=["exp"], exp=1), body), False, "unsupported_critical_header", claim="crit")
    case("crit with b64", "main", jws(es, dict(std(es), crit=["b64"], b64=False), body), False, "unsupported_critical_header")
    case("crit empty array", "main", jws(es, dict(std(es), crit=[]), body), False, "malformed")
    case("crit not an array", "main", jws(es, dict(std(es), crit="exp"), body), False, "malformed")

    def signed(payload, **policy):
        return jws(es, std(es), payload)

    # Time claims.
    T = [
        ("exp in the past beyond leeway", claims(exp=NOW - 31), False, "token_expired", "exp", {}),
        ("exp exactly at leeway edge", claims(exp=NOW - 30), False, "token_expired", "exp", {}),
        ("exp inside leeway", claims(exp=NOW - 29), True, None, None, {}),
        ("exp equals now with zero leeway", claims(exp=NOW), False, "token_expired", "exp", {"leeway": 0}),
        ("exp one second ahead with zero leeway", claims(exp=NOW + 1), True, None, None, {"leeway": 0}),
        ("exp as float", claims(exp=NOW + 0.5), True, None, None, {"leeway": 0}),
        ("exp as string", claims(exp=str(NOW + 600)), False, "invalid_claim", "exp", {}),
        ("exp as boolean", claims(exp=True), False, "invalid_claim", "exp", {}),
        ("exp as null", claims(exp=None), False, "invalid_claim", "exp", {}),
        ("exp missing (required by default)", claims(exp=DROP), False, "missing_claim", "exp", {}),
        ("exp missing, required_claims empty", claims(exp=DROP), True, None, None, {"required_claims": []}),
        ("exp in milliseconds refused", claims(exp=(NOW + 600) * 1000), False, "invalid_claim", "exp", {}),
        ("exp in milliseconds with opt-in", claims(exp=(NOW + 600) * 1000), True, None, None, {"millisecond_timestamps": True}),
        ("expired exp in milliseconds with opt-in", claims(exp=(NOW - 600) * 1000), False, "token_expired", "exp", {"millisecond_timestamps": True}),
        ("nbf beyond leeway", claims(nbf=NOW + 31), False, "not_yet_valid", "nbf", {}),
        ("nbf at leeway edge", claims(nbf=NOW + 30), True, None, None, {}),
        ("nbf in the past", claims(nbf=NOW - 100), True, None, None, {}),
        ("nbf as string", claims(nbf="soon"), False, "invalid_claim", "nbf", {}),
        ("iat in the future beyond leeway", claims(iat=NOW + 31), False, "issued_in_future", "iat", {}),
        ("iat at leeway edge", claims(iat=NOW + 30), True, None, None, {}),
        ("iat as array", claims(iat=[NOW]), False, "invalid_claim", "iat", {}),
        ("iat in milliseconds refused", claims(iat=NOW * 1000), False, "invalid_claim", "iat", {}),
        ("max_age exceeded", claims(iat=NOW - 400), False, "token_too_old", "iat", {"max_age": 300}),
        ("max_age within leeway", claims(iat=NOW - 320), True, None, None, {"max_age": 300}),
        ("max_age without iat", claims(iat=DROP), False, "missing_claim", "iat", {"max_age": 300}),
        ("large leeway accepts old exp", claims(exp=NOW - 100), True, None, None, {"leeway": 120}),
    ]
    for name, payload, ok, code, claim, pol in T:
        case(name, "main", signed(payload), ok, code, claim, **pol)

    # Issuer and audience.
    A = [
        ("iss exact match", claims(), True, None, None, {}),
        ("iss with trailing slash", claims(iss=ISS + "/"), False, "invalid_issuer", "iss", {}),
        ("iss differs in case", claims(iss=ISS.upper()), False, "invalid_issuer", "iss", {}),
        ("iss missing", claims(iss=DROP), False, "missing_claim", "iss", {}),
        ("iss as number", claims(iss=7), False, "invalid_claim", "iss", {}),
        ("iss one of several", claims(iss="https://b.example"), True, None, None, {"issuer": ["https://a.example", "https://b.example"]}),
        ("iss none of several", claims(), False, "invalid_issuer", "iss", {"issuer": ["https://a.example", "https://b.example"]}),
        ("iss not checked when unset", claims(iss="https://anyone.example"), True, None, None, {"issuer": None}),
        ("aud string match", claims(), True, None, None, {}),
        ("aud array containing", claims(aud=["other", AUD]), True, None, None, {}),
        ("aud array not containing", claims(aud=["other", "more"]), False, "invalid_audience", "aud", {}),
        ("aud string mismatch", claims(aud="api://other"), False, "invalid_audience", "aud", {}),
        ("aud missing when configured", claims(aud=DROP), False, "missing_claim", "aud", {}),
        ("aud present but none configured", claims(), False, "invalid_audience", "aud", {"audience": None}),
        ("aud absent and none configured", claims(aud=DROP), True, None, None, {"audience": None}),
        ("aud as number", claims(aud=5), False, "invalid_claim", "aud", {}),
        ("aud array with a number", claims(aud=[AUD, 5]), False, "invalid_claim", "aud", {}),
        ("aud any of configured", claims(aud="b"), True, None, None, {"audience": ["a", "b"]}),
        ("aud empty array", claims(aud=[]), False, "invalid_audience", "aud", {}),
        ("sub as number", claims(sub=42), False, "invalid_claim", "sub", {}),
        ("required jti missing", claims(), False, "missing_claim", None, {"required_claims": ["exp", "jti"]}),
        ("required jti present", claims(jti="abc"), True, None, None, {"required_claims": ["exp", "jti"]}),
    ]
    for name, payload, ok, code, claim, pol in A:
        case(name, "main", signed(payload), ok, code, claim, **pol)

    # typ.
    for typ, ok in [("at+jwt", True), ("application/at+jwt", True), ("AT+JWT", True), ("Application/AT+jwt", True), ("JWT", False)]:
        case(f"typ {typ} against at+jwt", "main", jws(es, std(es, typ=typ), body), ok, None if ok else "invalid_type", None if ok else "typ", typ="at+jwt")
    case("typ missing when required", "main", jws(es, std(es, typ=DROP), body), False, "invalid_type", typ="at+jwt")
    case("typ not checked when unset", "main", jws(es, std(es, typ="whatever"), body), True)
    case("typ not a string", "main", jws(es, std(es, typ=1), body), False, "malformed")

    # Malformed serialization.
    good = jws(es, std(es), body)
    h, p, s = good.split(".")
    M = [
        ("two segments", f"{h}.{p}"),
        ("four segments", f"{good}.{s}"),
        ("one segment", h),
        ("empty token", ""),
        ("empty header segment", f".{p}.{s}"),
        ("empty payload segment", f"{h}..{s}"),
        ("padded header", f"{h}=.{p}.{s}" if len(h) % 4 else f"{h}==.{p}.{s}"),
        ("padded signature", f"{h}.{p}.{s}=="),
        ("whitespace in payload", f"{h}.{p[:5]} {p[5:]}.{s}"),
        ("newline in signature", f"{h}.{p}.{s[:10]}\n{s[10:]}"),
        ("leading space", f" {good}"),
        ("standard base64 alphabet", f"{h}.{p}.{s.replace('-', '+').replace('_', '/')}" if ("-" in s or "_" in s) else f"{h}.{p}.+{s[1:]}"),
        ("non-canonical trailing bits", None),
        ("header not JSON", f"{b64(b'not json')}.{p}.{s}"),
        ("header JSON array", f"{b64(b'[1,2]')}.{p}.{s}"),
        ("header JSON string", f"{b64(compact_json('ES256'))}.{p}.{s}"),
        ("payload JSON string", jws(es, std(es), b'"hello"')),
        ("payload JSON number", jws(es, std(es), b"12")),
        ("payload JSON array", jws(es, std(es), b'[{"sub":"x"}]')),
        ("payload not UTF-8", jws(es, std(es), b'{"sub":"\xff\xfe"}')),
        ("payload with trailing data", jws(es, std(es), compact_json(body) + b" {}")),
        ("payload with trailing comma", jws(es, std(es), b'{"sub":"x",}')),
        ("duplicate claim in payload", jws(es, std(es), compact_json(body)[:-1] + b',"sub":"admin"}')),
        ("duplicate nested member", jws(es, std(es), compact_json(dict(body, ext={"a": 1}))[:-2] + b',"a":2}}')),
        ("duplicate alg in header", jws(es, b'{"alg":"ES256","kid":"k-es256","alg":"none"}', body, alg="ES256")),
        ("header without alg", jws(es, {"kid": "k-es256"}, body, alg="ES256")),
        ("header alg not a string", jws(es, {"alg": 256, "kid": "k-es256"}, body, alg="ES256")),
        ("signature not base64url", f"{h}.{p}.!!!!"),
    ]
    for name, tok in M:
        if tok is None:
            # "QR" decodes like "QQ" in lenient decoders; only the canonical form is accepted.
            sig_bytes = es.sign("ES256", f"{h}.{p}".encode())
            enc = b64(sig_bytes)  # 64 bytes -> 86 chars; the last char carries 4 unused bits
            alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            bumped = alphabet[alphabet.index(enc[-1]) | 1]
            tok = f"{h}.{p}.{enc[:-1]}{bumped}"
        case(f"malformed: {name}", "main", tok, False, "malformed")
    case("empty signature segment", "main", f"{h}.{p}.", False, "invalid_signature")
    case("ES256 signature in DER form", "main", None, False, "invalid_signature")
    der_sig = es.private.sign(f"{h}.{p}".encode(), ec.ECDSA(hashes.SHA256()))
    cases[-1]["token"] = f"{h}.{p}.{b64(der_sig)}"
    case("ES256 signature one byte short", "main", f"{h}.{p}.{b64(base64.urlsafe_b64decode(s + '==')[:-1])}", False, "invalid_signature")

    # Size and nesting.
    big = "A" * (1024 * 1024)
    case("1 MB token", "main", f"{h}.{big}.{s}", False, "token_too_large")
    case("just over a configured limit", "main", good, False, "token_too_large", max_token_bytes=len(good) - 1)
    case("exactly at a configured limit", "main", good, True, max_token_bytes=len(good))
    deep = b"[" * 10000 + b"]" * 10000
    deep_tok = jws(es, std(es), b'{"x":' + deep + b"}")
    case("10000-deep nesting under default limit", "main", deep_tok, False, "token_too_large")
    case("10000-deep nesting parsed", "main", deep_tok, False, "malformed", max_token_bytes=100_000)
    deep_obj = b'{"a":' * 5000 + b"1" + b"}" * 5000
    case("5000-deep objects", "main", jws(es, std(es), deep_obj), False, "malformed", max_token_bytes=100_000)

    # RFC 7515 Appendix A (JWT payloads; "exp":1300819380, "iss":"joe").
    rfc_payload_now = 1300819300
    rfc_hs_key = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"
    keysets["rfc7515_a1"] = {"secret_b64url": rfc_hs_key}
    keysets["rfc7515_a2"] = {"jwks": {"keys": [{"kty": "RSA", "e": "AQAB", "n": RFC_RSA_N}]}}
    keysets["rfc7515_a3"] = {"jwks": {"keys": [{"kty": "EC", "crv": "P-256", "x": RFC_EC_X, "y": RFC_EC_Y}]}}
    for name, ks, tok, algs_ in [
        ("RFC 7515 A.1 HS256", "rfc7515_a1", RFC_A1, ["HS256"]),
        ("RFC 7515 A.2 RS256", "rfc7515_a2", RFC_A2, None),
        ("RFC 7515 A.3 ES256", "rfc7515_a3", RFC_A3, None),
    ]:
        case(f"{name} verifies", ks, tok, True, issuer="joe", audience=None, now=rfc_payload_now, algorithms=algs_)
        case(f"{name} expired later", ks, tok, False, "token_expired", issuer="joe", audience=None, now=1300819380 + 30, algorithms=algs_)
        case(f"{name} tampered", ks, flip_last_char(tok), False, "invalid_signature", issuer="joe", audience=None, now=rfc_payload_now, algorithms=algs_)

    # RFC 7520 section 4: the payload is prose, not a JWT, so verification
    # refuses it as malformed; the signatures themselves are checked below.
    signatures = []
    for name, jwk, alg, compact in RFC7520:
        hh, pp, ss = compact.split(".")
        for ok, sig in [(True, ss), (False, flip_last_char(compact).split(".")[2])]:
            signatures.append({"name": f"{name}{'' if ok else ' tampered'}", "jwk": jwk, "alg": alg,
                               "signing_input": f"{hh}.{pp}", "signature": sig, "ok": ok})
        keysets[f"rfc7520_{alg}"] = {"jwks": {"keys": [jwk]}}
        case(f"{name}: prose payload is not a JWT", f"rfc7520_{alg}", compact, False, "malformed",
             algorithms=[alg], audience=None, issuer=None, required_claims=[])

    doc = {"now": NOW, "keysets": keysets, "cases": cases, "signatures": signatures}
    OUT.write_text(json.dumps(doc, indent=1, ensure_ascii=True) + "\n")
    print(f"wrote {len(cases)} cases and {len(signatures)} signature checks to {OUT}")


def degenerate_jwk_cases(case, keysets: dict, good: dict, good_token: str, rsa_main: Key, es: Key) -> None:
    """Each bad JWK alone (jwks_invalid), then beside a good key (key_not_found for its kid)."""
    bad: list[tuple[str, dict, str]] = []  # (name, jwk, token naming its kid)

    for point in sorted(ed_torsion(), key=lambda pt: (ed_order(pt), ed_encode(pt))):
        order = ed_order(point)
        enc = ed_encode(point)
        name = f"Ed25519 small order {order} ({enc.hex()[:8]}..{enc.hex()[-2:]})"
        kid = f"ed-order-{order}-{enc.hex()[:8]}-{enc.hex()[-2:]}"
        bad.append((name, {"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": b64(enc)}, forged_eddsa(kid, enc, point)))
    non_canonical = [("Ed25519 non-canonical identity (y = p + 1)", "ed-y-p-plus-1", (ED_P + 1).to_bytes(32, "little"), ED_IDENTITY),
                     ("Ed25519 x = 0 with the sign bit set (y = 1)", "ed-x0-negative", (1 | 1 << 255).to_bytes(32, "little"), ED_IDENTITY)]
    # A point of large order spelled with y + p: only a strict decoder notices.
    y = next(y for y in range(2, 19) if ed_order_is_large(y))
    non_canonical.append((f"Ed25519 non-canonical y = p + {y} (large order)", "ed-y-non-canonical", (ED_P + y).to_bytes(32, "little"), None))
    for name, kid, enc, point in non_canonical:
        token = forged_eddsa(kid, enc, point) if point else jws(None, {"alg": "EdDSA", "typ": "JWT", "kid": kid}, claims(), sig=ed_encode(ED_IDENTITY) + bytes(32))
        bad.append((name, {"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": b64(enc)}, token))

    ec_y = bytearray(base64.urlsafe_b64decode(es.jwk["y"] + "=="))
    ec_y[-1] ^= 1
    for name, kid, coords in [
        ("P-256 point not on the curve (a bit of y flipped)", "ec-off-curve", (es.jwk["x"], b64(bytes(ec_y)))),
        ("P-256 point (0, 0) as infinity", "ec-zero", (b64(bytes(32)), b64(bytes(32)))),
    ]:
        jwk = {"kty": "EC", "crv": "P-256", "kid": kid, "x": coords[0], "y": coords[1]}
        bad.append((name, jwk, jws(es, std(es, kid=kid), claims())))

    n = rsa_main.jwk["n"]
    size = len(base64.urlsafe_b64decode(n + "=="))
    for name, kid, e in [
        ("RSA exponent 65536 (even)", "rsa-e-65536", 65536),
        ("RSA exponent 65538 (even)", "rsa-e-65538", 65538),
        ("RSA exponent 2^64 + 1", "rsa-e-2-64-plus-1", 2**64 + 1),
        ("RSA exponent of 2048 bits", "rsa-e-2048-bits", int.from_bytes(os.urandom(256), "big") | 1 << 2047 | 1),
    ]:
        jwk = {"kty": "RSA", "kid": kid, "n": n, "e": b64(int_bytes(e))}
        bad.append((name, jwk, jws(rsa_main, std(rsa_main, kid=kid), claims())))
    # With e = 1 a signature is its own message: forged without any private key.
    header = b64(compact_json({"alg": "RS256", "typ": "JWT", "kid": "rsa-e-1"}))
    signing_input = f"{header}.{b64(compact_json(claims()))}"
    forged = f"{signing_input}.{b64(pkcs1_sha256(signing_input.encode(), size))}"
    bad.append(("RSA exponent 1", {"kty": "RSA", "kid": "rsa-e-1", "n": n, "e": "AQ"}, forged))
    huge = rsa_modulus_of(8200)
    header = b64(compact_json({"alg": "RS256", "typ": "JWT", "kid": "rsa-8200"}))
    bad.append(("RSA modulus of 8200 bits", {"kty": "RSA", "kid": "rsa-8200", "n": b64(int_bytes(huge)), "e": "AQAB"},
                f"{header}.{b64(compact_json(claims()))}.{b64(os.urandom(1025))}"))

    for name, jwk, token in bad:
        slug = jwk["kid"].replace("-", "_")
        keysets[f"bad_{slug}"] = {"jwks": {"keys": [jwk]}}
        keysets[f"bad_{slug}_and_good"] = {"jwks": {"keys": [jwk, good]}}
        case(f"{name}: the only key", f"bad_{slug}", token, False, "jwks_invalid")
        case(f"{name}: its kid beside a good key", f"bad_{slug}_and_good", token, False, "key_not_found")
        case(f"{name}: the good key beside it verifies", f"bad_{slug}_and_good", good_token, True)


def ed_order_is_large(y: int) -> bool:
    x = ed_recover_x(y, 0)
    return x is not None and ed_mul(8, (x, y)) != ED_IDENTITY


def rsa_modulus_of(bits: int) -> int:
    """A random odd number of exactly `bits` bits: not a real modulus, but the
    key must be refused for its size before that matters."""
    return int.from_bytes(os.urandom((bits + 7) // 8), "big") % (1 << bits) | 1 << (bits - 1) | 1


def degenerate_pem_cases(case, keysets: dict) -> None:
    """A PEM key is the whole key source: a bad one fails the build (configuration)."""
    huge = rsa.RSAPublicNumbers(65537, rsa_modulus_of(8200)).public_key()
    pem = huge.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    keysets["pem_rsa_8200"] = {"pem": pem}
    header = b64(compact_json({"alg": "RS256", "typ": "JWT"}))
    token = f"{header}.{b64(compact_json(claims()))}.{b64(os.urandom(1025))}"
    case("RSA PEM with a modulus of 8200 bits", "pem_rsa_8200", token, False, "configuration")


RFC_RSA_N = (
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPE"
    "wOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5"
    "ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
)
RFC_EC_X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
RFC_EC_Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
RFC_PAYLOAD = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
RFC_A1 = f"eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.{RFC_PAYLOAD}.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_A2 = (
    f"eyJhbGciOiJSUzI1NiJ9.{RFC_PAYLOAD}.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"
)
RFC_A3 = f"eyJhbGciOiJFUzI1NiJ9.{RFC_PAYLOAD}.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"

RFC7520_PAYLOAD = "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4"
RFC7520_RSA = {
    "kty": "RSA", "kid": "bilbo.baggins@hobbiton.example", "use": "sig", "e": "AQAB",
    "n": "n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw",
}
RFC7520 = [
    ("RFC 7520 4.1 RS256", RFC7520_RSA, "RS256",
     f"eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9.{RFC7520_PAYLOAD}.MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA78185hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg"),
    ("RFC 7520 4.2 PS384", RFC7520_RSA, "PS384",
     f"eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9.{RFC7520_PAYLOAD}.cu22eBqkYDKgIlTpzDXGvaFfz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2IpN6-tPid6VrklHkqsGqDqHCdP6O8TTB5dDDItllVo6_1OLPpcbUrhiUSMxbbXUvdvWXzg-UD8biiReQFlfz28zGWVsdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRXe8P_ijQ7p8Vdz0TTrxUeT3lm8d9shnr2lfJT8ImUjvAA2Xez2Mlp8cBE5awDzT0qI0n6uiP1aCN_2_jLAeQTlqRHtfa64QQSUmFAAjVKPbByi7xho0uTOcbH510a6GYmJUAfmWjwZ6oD4ifKo8DYM-X72Eaw"),
    ("RFC 7520 4.3 ES512", {"kty": "EC", "kid": "bilbo.baggins@hobbiton.example", "use": "sig", "crv": "P-521",
                            "x": "AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt",
                            "y": "AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVySsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1"}, "ES512",
     f"eyJhbGciOiJFUzUxMiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9.{RFC7520_PAYLOAD}.AE_R_YZCChjn4791jSQCrdPZCNYqHXCTZH0-JZGYNlaAjP2kqaluUIIUnC9qvbu9Plon7KRTzoNEuT4Va2cmL1eJAQy3mtPBu_u_sDDyYjnAMDxXPn7XrT0lw-kvAD890jl8e2puQens_IEKBpHABlsbEPX6sFY8OcGDqoRuBomu9xQ2"),
    ("RFC 7520 4.4 HS256", {"kty": "oct", "kid": "018c0ae5-4d9b-471b-bfd6-eef314bc7037", "use": "sig", "alg": "HS256",
                            "k": "hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"}, "HS256",
     f"eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9.{RFC7520_PAYLOAD}.s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0"),
]

if __name__ == "__main__":
    main()
