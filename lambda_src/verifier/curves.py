"""Signature verification on elliptic curves, in pure Python: Ed25519 (RFC 8032) and ECDSA
over P-256 with SHA-256 (FIPS 186-5, SEC 1). Verification only: nothing here handles a
private key, so constant time does not matter (every input is public).

Why not a library: the verifier must stay small and start fast (BENCHMARKS.md, "Asymmetric
verification"): `cryptography` would add megabytes of native code per architecture and its
import to every cold start, for two checks of a few milliseconds each. Correctness is held
to the `cryptography` package (OpenSSL) and the providers' SDKs by the test suite, on
published vectors, random keys and mutated signatures.

Loaded only by the schemes that need it (signatures.py imports it on first use).
"""

from __future__ import annotations

import hashlib

# Not `from typing import TYPE_CHECKING`: importing typing costs the cold start more than this
# whole module. Type checkers read the block below; Python never runs it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["ed25519_verify", "p256_verify", "p256_public_key"]

# --- Ed25519 (RFC 8032, section 5.1) ------------------------------------------------------

# Constants as literals: computing them (modular inverses and roots) would cost milliseconds
# of every cold start. tests/verifier/test_curves.py derives each from its definition.
_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = 0x52036CEE2B6FFE738CC740797779E89800700A4D4141D8AB75EB4DCA135978A3  # -121665/121666 mod p
_SQRT_M1 = 0x2B8324804FC1DF0B2B4D00993DFBD7A72F431806AD2FE478C4EE1B274A0EA0B0  # 2^((p-1)/4) mod p

_Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T), x = X/Z, y = Y/Z, xy = T/Z


def _add(a: _Point, b: _Point) -> _Point:
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    p = _P
    aa = (y1 - x1) * (y2 - x2) % p
    bb = (y1 + x1) * (y2 + x2) % p
    cc = 2 * t1 * t2 * _D % p
    dd = 2 * z1 * z2 % p
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return e * f % p, g * h % p, f * g % p, e * h % p


def _double(a: _Point) -> _Point:
    x1, y1, z1, _ = a
    p = _P
    aa = x1 * x1 % p
    bb = y1 * y1 % p
    cc = 2 * z1 * z1 % p
    h = aa + bb
    e = h - (x1 + y1) * (x1 + y1)
    g = aa - bb
    f = cc + g
    return e * f % p, g * h % p, f * g % p, e * h % p


_IDENTITY: _Point = (0, 1, 1, 0)


def _recover_x(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        return None
    return _P - x if (x & 1) != sign else x


def _decode(data: bytes) -> _Point | None:
    """A point from its 32-byte encoding, or None (non-canonical y, not on the curve)."""
    y = int.from_bytes(data, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


# The base point B: y = 4/5 mod p, x the even root.
_BY = 0x6666666666666666666666666666666666666666666666666666666666666658
_BX = 0x216936D3CD6E53FEC0A4E231FDD6DC5C692CC7609525A7B2C9562D608F25D51A
_BASE: _Point = (_BX, _BY, 1, _BX * _BY % _P)


def _same(a: _Point, b: _Point) -> bool:
    return (a[0] * b[2] - b[0] * a[2]) % _P == 0 and (a[1] * b[2] - b[1] * a[2]) % _P == 0


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """RFC 8032's verification of an Ed25519 signature (cofactorless, as OpenSSL's): the
    encodings must be canonical and S below the group order."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    a = _decode(public_key)
    r = _decode(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= _L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % _L
    # [s]B == R + [h]A, that is [s]B + [h](-A) == R.
    minus_a: _Point = ((_P - a[0]) % _P, a[1], a[2], (_P - a[3]) % _P)
    return _same(_two_scalars(s, _BASE, h, minus_a, _add, _double, _IDENTITY), r)


def _two_scalars(k1: int, p1: Any, k2: int, p2: Any, add: Any, double: Any, zero: Any) -> Any:
    """[k1]P1 + [k2]P2 in one pass over both scalars' bits (Straus-Shamir)."""
    both = add(p1, p2)
    acc = zero
    for bit in range(max(k1.bit_length(), k2.bit_length()) - 1, -1, -1):
        acc = double(acc)
        take_1, take_2 = (k1 >> bit) & 1, (k2 >> bit) & 1
        if take_1 and take_2:
            acc = add(acc, both)
        elif take_1:
            acc = add(acc, p1)
        elif take_2:
            acc = add(acc, p2)
    return acc


# --- ECDSA over P-256 (NIST curve secp256r1) with SHA-256 -----------------------------------

_FP = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
_FB = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_G = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
    1,
)
# DER of a P-256 SubjectPublicKeyInfo up to the point (RFC 5480): id-ecPublicKey, prime256v1,
# a BIT STRING of 66 bytes (no unused bits, then the uncompressed point).
_SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200")

_Jacobian = tuple[int, int, int]  # x = X/Z^2, y = Y/Z^3; Z = 0 is the point at infinity


def _j_double(a: _Jacobian) -> _Jacobian:
    x, y, z = a
    if not y or not z:
        return (0, 1, 0)
    p = _FP
    # dbl-2001-b, for a = -3
    delta = z * z % p
    gamma = y * y % p
    beta = x * gamma % p
    alpha = 3 * (x - delta) * (x + delta) % p
    x3 = (alpha * alpha - 8 * beta) % p
    z3 = ((y + z) * (y + z) - gamma - delta) % p
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % p
    return x3, y3, z3


def _j_add(a: _Jacobian, b: _Jacobian) -> _Jacobian:
    if not a[2]:
        return b
    if not b[2]:
        return a
    p = _FP
    x1, y1, z1 = a
    x2, y2, z2 = b
    z1z1, z2z2 = z1 * z1 % p, z2 * z2 % p
    u1, u2 = x1 * z2z2 % p, x2 * z1z1 % p
    s1, s2 = y1 * z2 * z2z2 % p, y2 * z1 * z1z1 % p
    h, r = (u2 - u1) % p, (s2 - s1) % p
    if not h:
        return _j_double(a) if not r else (0, 1, 0)
    hh = h * h % p
    hhh = h * hh % p
    v = u1 * hh % p
    x3 = (r * r - hhh - 2 * v) % p
    y3 = (r * (v - x3) - s1 * hhh) % p
    return x3, y3, z1 * z2 * h % p


def p256_public_key(data: bytes) -> tuple[int, int] | None:
    """(x, y) of a P-256 public key given as a DER SubjectPublicKeyInfo or as the 65-byte
    uncompressed point, or None when it is neither or not a point of the curve."""
    if len(data) == len(_SPKI_PREFIX) + 65 and data.startswith(_SPKI_PREFIX):
        data = data[len(_SPKI_PREFIX) :]
    if len(data) != 65 or data[0] != 4:
        return None
    x, y = int.from_bytes(data[1:33], "big"), int.from_bytes(data[33:], "big")
    if x >= _FP or y >= _FP or (y * y - x * x * x + 3 * x - _FB) % _FP:
        return None
    return x, y


def _der_integer(data: bytes, at: int) -> tuple[int, int] | None:
    """A positive DER INTEGER at `at` (minimal encoding, short length): (value, next offset)."""
    if at + 2 > len(data) or data[at] != 0x02:
        return None
    size = data[at + 1]
    body = data[at + 2 : at + 2 + size]
    if not 0 < size <= 33 or len(body) != size or body[0] & 0x80:
        return None
    if size > 1 and body[0] == 0 and not body[1] & 0x80:
        return None  # a needless leading zero: not DER
    return int.from_bytes(body, "big"), at + 2 + size


def p256_signature(der: bytes) -> tuple[int, int] | None:
    """(r, s) of a DER ECDSA-Sig-Value, strictly parsed, or None."""
    if len(der) < 8 or der[0] != 0x30 or der[1] != len(der) - 2:
        return None
    r = _der_integer(der, 2)
    s = _der_integer(der, r[1]) if r else None
    if r is None or s is None or s[1] != len(der):
        return None
    return r[0], s[0]


def p256_verify(public_key: bytes, message: bytes, signature_der: bytes) -> bool:
    """ECDSA verification over P-256 with SHA-256 (SEC 1, 4.1.4); the signature in DER."""
    point = p256_public_key(public_key)
    parsed = p256_signature(signature_der)
    if point is None or parsed is None:
        return False
    r, s = parsed
    if not (0 < r < _N and 0 < s < _N):
        return False
    e = int.from_bytes(hashlib.sha256(message).digest(), "big")
    w = pow(s, -1, _N)
    u1, u2 = e * w % _N, r * w % _N
    x, _, z = _two_scalars(u1, _G, u2, (point[0], point[1], 1), _j_add, _j_double, (0, 1, 0))
    if not z:
        return False
    zz = pow(z, -2, _FP)
    return x * zz % _FP % _N == r
