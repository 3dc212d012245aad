"""The verifier's pure-Python Ed25519 and ECDSA P-256 (curves.py) held to RFC 8032's published
test vectors and to OpenSSL (the `cryptography` package): signatures OpenSSL makes on random
keys and messages verify, and every mutation OpenSSL refuses is refused."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier_modules import CODE_ROOT, signatures

import curves  # noqa: E402 - the code root is on sys.path once verifier_modules is loaded

assert curves.__file__ == str(CODE_ROOT / "curves.py") and signatures

# RFC 8032, section 7.1, TEST 1 and TEST 2 (public key, message, signature).
RFC8032 = [
    (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
]


def test_the_constants_are_their_definitions() -> None:
    p = 2**255 - 19
    assert curves._D == -121665 * pow(121666, p - 2, p) % p
    assert curves._SQRT_M1 == pow(2, (p - 1) // 4, p)
    assert curves._BY == 4 * pow(5, p - 2, p) % p
    assert curves._recover_x(curves._BY, 0) == curves._BX
    assert curves._FP == 2**256 - 2**224 + 2**192 + 2**96 - 1


@pytest.mark.parametrize(("public", "message", "signature"), RFC8032)
def test_rfc_8032_vectors(public: str, message: str, signature: str) -> None:
    assert curves.ed25519_verify(bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature))
    assert not curves.ed25519_verify(bytes.fromhex(public), bytes.fromhex(message) + b"\0", bytes.fromhex(signature))


def ed_pair(seed: bytes) -> tuple[ed25519.Ed25519PrivateKey, bytes]:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed).digest())
    return key, key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def openssl_accepts(check: Callable[[], object]) -> bool:
    """Whether OpenSSL's verify (a `cryptography` call) accepts: it raises when it does not."""
    try:
        check()
    except (InvalidSignature, ValueError):
        return False
    return True


def openssl_ed_accepts(public: bytes, message: bytes, signature: bytes) -> bool:
    return openssl_accepts(lambda: ed25519.Ed25519PublicKey.from_public_bytes(public).verify(signature, message))


@settings(max_examples=60, deadline=None)
@given(seed=st.binary(min_size=1, max_size=8), message=st.binary(max_size=300), flip=st.integers(0, 8 * 64 - 1))
def test_ed25519_agrees_with_openssl(seed: bytes, message: bytes, flip: int) -> None:
    key, public = ed_pair(seed)
    signature = key.sign(message)
    assert curves.ed25519_verify(public, message, signature)
    changed = bytearray(signature)
    changed[flip // 8] ^= 1 << (flip % 8)
    assert curves.ed25519_verify(public, message, bytes(changed)) == openssl_ed_accepts(public, message, bytes(changed))
    assert not curves.ed25519_verify(public, message + b"x", signature)


def test_ed25519_refuses_a_non_canonical_s_and_wrong_lengths() -> None:
    key, public = ed_pair(b"s")
    signature = key.sign(b"m")
    s = int.from_bytes(signature[32:], "little") + curves._L  # the same point, S not reduced
    malleated = signature[:32] + s.to_bytes(32, "little")
    assert not openssl_ed_accepts(public, b"m", malleated)
    assert not curves.ed25519_verify(public, b"m", malleated)
    assert not curves.ed25519_verify(public[:31], b"m", signature)
    assert not curves.ed25519_verify(public, b"m", signature[:63])
    # A y coordinate not below p is not a canonical encoding.
    assert not curves.ed25519_verify((2**255 - 1).to_bytes(32, "little"), b"m", signature)


def p256_pair(seed: bytes) -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    key = ec.derive_private_key(int.from_bytes(hashlib.sha256(seed).digest(), "big") % (2**255) + 1, ec.SECP256R1())
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, public


def openssl_p256_accepts(public: bytes, message: bytes, signature: bytes) -> bool:
    key = serialization.load_der_public_key(public)
    return openssl_accepts(lambda: key.verify(signature, message, ec.ECDSA(hashes.SHA256())))  # type: ignore[call-arg, union-attr]


@settings(max_examples=40, deadline=None)
@given(seed=st.binary(min_size=1, max_size=8), message=st.binary(max_size=300), flip=st.integers(0, 8 * 72 - 1))
def test_p256_agrees_with_openssl(seed: bytes, message: bytes, flip: int) -> None:
    key, public = p256_pair(seed)
    signature = key.sign(message, ec.ECDSA(hashes.SHA256()))
    assert curves.p256_verify(public, message, signature)
    changed = bytearray(signature)
    changed[flip // 8 % len(changed)] ^= 1 << (flip % 8)
    assert curves.p256_verify(public, message, bytes(changed)) == openssl_p256_accepts(public, message, bytes(changed))
    assert not curves.p256_verify(public, message + b"x", signature)


def test_p256_takes_the_raw_point_too_and_refuses_what_is_not_a_point_of_the_curve() -> None:
    key, public = p256_pair(b"k")
    signature = key.sign(b"m", ec.ECDSA(hashes.SHA256()))
    raw = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    assert curves.p256_verify(raw, b"m", signature)
    off_curve = raw[:-1] + bytes([raw[-1] ^ 1])
    assert curves.p256_public_key(off_curve) is None
    compressed = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
    assert curves.p256_public_key(compressed) is None
    assert not curves.p256_verify(off_curve, b"m", signature)


def test_p256_signatures_must_be_strict_der_with_r_and_s_in_range() -> None:
    key, public = p256_pair(b"der")
    signature = key.sign(b"m", ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(signature)
    n = curves._N
    assert curves.p256_verify(public, b"m", encode_dss_signature(r, s))
    # s and n - s are both valid ECDSA signatures (OpenSSL accepts either).
    assert curves.p256_verify(public, b"m", encode_dss_signature(r, n - s)) == openssl_p256_accepts(
        public, b"m", encode_dss_signature(r, n - s)
    )
    for bad in (
        signature + b"\0",  # trailing bytes
        encode_dss_signature(r, s + n),  # s out of range
        encode_dss_signature(0, s),
        b"\x30\x06\x02\x01\x00\x02\x01\x00",
        signature[:-1],
        r.to_bytes(32, "big") + s.to_bytes(32, "big"),  # raw r||s, not DER
    ):
        assert not curves.p256_verify(public, b"m", bad)
        assert not openssl_p256_accepts(public, b"m", bad)
