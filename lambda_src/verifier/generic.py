"""The generic HMAC scheme: a provider's signature described by settings, not code
(pipeline_props.HmacSignature hands them over as they are), and the presets that are such
descriptions (signatures.PRESETS).

Loaded by signatures.py on first use, so a verifier of a coded scheme (github, stripe, ...)
does not compile it on its cold start. `signatures` is the module that loaded this one: its
helpers (headers, timestamps, comparisons) and SignatureError are shared, so a verdict here is
the same exception the handler catches.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import signatures

__all__ = ["HMAC_DEFAULTS", "HmacScheme", "hmac_scheme"]

# Settings of the generic scheme, with their defaults (None: unset). The props model
# (pipeline_props.HmacSignature) has the same fields and hands them over as they are.
HMAC_DEFAULTS: Mapping[str, object] = {
    "signature_header": None,
    "signature_format": "single",
    "signature_prefix": "",
    "separator": ",",
    "key_value_separator": "=",
    "signature_key": None,
    "timestamp_key": None,
    "timestamp_header": None,
    "timestamp_field": None,
    "timestamp_unit": "seconds",
    "id_header": None,
    "algorithm": "sha256",
    "encoding": "hex",
    "signed_payload": "{body}",
    "secret_encoding": "utf-8",
}
_CHOICES: Mapping[str, tuple[str, ...]] = {
    "signature_format": ("single", "list", "key-value"),
    "timestamp_unit": ("seconds", "milliseconds"),
    "algorithm": ("sha1", "sha256", "sha512"),
    "encoding": ("hex", "base64"),
    "secret_encoding": ("utf-8", "base64", "hex"),
}
_PLACEHOLDERS = ("body", "timestamp", "id", "method", "url", "form")
# As the props take header names (source_props._HEADER): API Gateway forwards them as SQS
# attribute names, so letters, digits and '-', starting with a letter or digit.
_HEADER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
_DIGEST_BYTES = {"sha1": 20, "sha256": 32, "sha512": 64}


def _template(text: str) -> tuple[tuple[str, str], ...]:
    """`text` as (kind, value) parts: ("text", literal) or ("field", placeholder name).
    `{{` and `}}` are literal braces."""
    parts: list[tuple[str, str]] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "{}" and text[i : i + 2] in ("{{", "}}"):
            literal.append(ch)
            i += 2
        elif ch == "{":
            end = text.find("}", i)
            name = text[i + 1 : end] if end > 0 else ""
            if name not in _PLACEHOLDERS:
                raise ValueError(
                    f"signed_payload {text!r}: {text[i:end + 1] if end > 0 else text[i:]!r} is not a placeholder: "
                    f"use {', '.join('{' + n + '}' for n in _PLACEHOLDERS)} (write {{{{ and }}}} for literal braces)"
                )
            if literal:
                parts.append(("text", "".join(literal)))
                literal = []
            parts.append(("field", name))
            i = end + 1
        elif ch == "}":
            raise ValueError(f"signed_payload {text!r} has a '}}' without its '{{': write }}}} for a literal brace")
        else:
            literal.append(ch)
            i += 1
    if literal:
        parts.append(("text", "".join(literal)))
    return tuple(parts)


def _header_name(setting: str, value: object) -> str:
    if not isinstance(value, str) or not value or len(value) > 256 or not _HEADER_CHARS.issuperset(value) or value[0] == "-":
        raise ValueError(f"{setting} {value!r} is not an HTTP header name: use letters, digits and '-' (e.g. 'X-Signature')")
    return value


class HmacScheme:
    """The generic HMAC scheme: where the signature is, how it is made and over what.

    signature_header    the header holding the signature(s).
    signature_format    'single': the header is one signature (after signature_prefix);
                        'list': several, split on `separator`, each after signature_prefix;
                        'key-value': items split on `separator`, each key`key_value_separator`value:
                        signatures under signature_key (several allowed), the timestamp under
                        timestamp_key (Stripe's `t=..,v1=..`, Paddle's `ts=..;h1=..`).
    timestamp_header    the header holding the signing time (or timestamp_key, or timestamp_field:
                        a top-level field of the JSON body, signed with it; one of the three).
    timestamp_unit      'seconds' or 'milliseconds' since the epoch.
    id_header           the header holding the delivery id ({id}; also the delivery id).
    algorithm           'sha1', 'sha256' or 'sha512'; encoding 'hex' (either case) or 'base64'.
    signed_payload      what is signed: literal text and {body}, {timestamp} (as sent), {id},
                        {method} ('POST'), {url} (the URL the provider called, URL_ATTRIBUTE),
                        {form} (a form body's parameters, sorted, name then value); it must
                        cover {body} or {form}, and {timestamp} when there is one.
    secret_encoding     how the secret becomes the key: its 'utf-8' bytes, or decoded 'base64' / 'hex'.
    """

    __slots__ = ("settings", "parts", "fields", "digest_bytes", "headers", "id_headers", "signs_id", "signs_url")

    def __init__(self, config: Mapping[str, object]) -> None:
        unknown = sorted(set(config) - set(HMAC_DEFAULTS))
        if unknown:
            raise ValueError(f"unknown hmac setting(s) {unknown}: use {', '.join(HMAC_DEFAULTS)}")
        settings = {**HMAC_DEFAULTS, **config}
        for name, allowed in _CHOICES.items():
            if settings[name] not in allowed:
                raise ValueError(f"{name} {settings[name]!r} is not one of {list(allowed)}")
        header = _header_name("signature_header", settings["signature_header"])
        for name in ("timestamp_header", "id_header"):
            if settings[name] is not None:
                _header_name(name, settings[name])
        field = settings["timestamp_field"]
        if field is not None and (not isinstance(field, str) or not field):
            raise ValueError(f"timestamp_field must be the name of a top-level field of the JSON body, got {field!r}")
        for name in ("signature_prefix", "separator", "key_value_separator", "signed_payload"):
            if not isinstance(settings[name], str):
                raise ValueError(f"{name} must be a string, got {settings[name]!r}")
        layout = settings["signature_format"]
        keyed = layout == "key-value"
        for name in ("signature_key", "timestamp_key"):
            value = settings[name]
            if value is not None and not keyed:
                raise ValueError(f"{name} is set but signature_format={layout!r}: keys are read only with signature_format='key-value'")
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise ValueError(f"{name} must be a non-empty string, got {value!r}")
        if keyed:
            if settings["signature_key"] is None:
                raise ValueError("signature_format='key-value' needs signature_key: the key of the signature items (e.g. 'v1')")
            if settings["signature_prefix"]:
                raise ValueError("signature_prefix is set with signature_format='key-value': the key names the signature; drop the prefix")
            if not settings["key_value_separator"].strip():
                raise ValueError("key_value_separator must be a visible character (e.g. '=')")
        if layout != "single" and not settings["separator"].strip():
            raise ValueError(f"separator {settings['separator']!r} with signature_format={layout!r}: use a visible character (e.g. ',')")
        places = [name for name in ("timestamp_header", "timestamp_key", "timestamp_field") if settings[name] is not None]
        if len(places) > 1:
            raise ValueError(f"{' and '.join(places)} are {'both' if len(places) == 2 else 'all'} set: the timestamp is in one place; keep one")
        parts = _template(settings["signed_payload"])
        fields = {value for kind, value in parts if kind == "field"}
        if "timestamp" in fields and settings["timestamp_field"] is not None:
            raise ValueError("signed_payload uses {timestamp} with timestamp_field: a field of the body is signed as part of {body}; drop {timestamp}")
        timed = settings["timestamp_header"] is not None or settings["timestamp_key"] is not None
        if "body" not in fields and "form" not in fields:
            raise ValueError(
                f"signed_payload {settings['signed_payload']!r} lacks {{body}} (or {{form}}): a signature that does "
                "not cover the body proves nothing about it"
            )
        if "timestamp" in fields and not timed:
            raise ValueError("signed_payload uses {timestamp} but no timestamp is read: set timestamp_header (or timestamp_key)")
        if timed and "timestamp" not in fields:
            raise ValueError("a timestamp is read but signed_payload lacks {timestamp}: an unsigned timestamp can be changed by anyone; add it or drop the timestamp setting")
        if "id" in fields and settings["id_header"] is None:
            raise ValueError("signed_payload uses {id} but id_header is unset: set the header that holds the delivery id")
        self.settings = settings
        self.parts = parts
        self.fields = fields
        self.signs_id = "id" in fields
        self.signs_url = "url" in fields
        self.digest_bytes = _DIGEST_BYTES[settings["algorithm"]]
        named = [header, settings["timestamp_header"], settings["id_header"]]
        self.headers = tuple(dict.fromkeys(h for h in named if h is not None))
        self.id_headers = () if settings["id_header"] is None else (settings["id_header"],)

    def key(self, secret: str) -> bytes:
        encoding = self.settings["secret_encoding"]
        if encoding == "utf-8":
            return secret.encode()
        raw = signatures._b64decode(secret) if encoding == "base64" else signatures._hex_or_none(secret)
        if not raw:
            raise ValueError(f"the secret is not {encoding} (secret_encoding={encoding!r})")
        return raw

    def _decode(self, text: str) -> bytes | None:
        if self.settings["encoding"] == "hex":
            raw = signatures._hex_or_none(text)
        else:
            raw = signatures._b64decode(text)
        return raw if raw is not None and len(raw) == self.digest_bytes else None

    def check(self, secrets: tuple[str, ...], headers: Mapping[str, str], body: bytes, now: float, tol: int) -> None:
        s = self.settings
        name = str(s["signature_header"])
        value = signatures._header(headers, name)
        stamp: str | None = None
        received: list[bytes] = []
        what = f"{name} is not {self._form()}"
        if s["signature_format"] == "key-value":
            stamps = []
            for item in value.split(str(s["separator"])):
                key, sep, text = item.strip().partition(str(s["key_value_separator"]))
                if not sep:
                    raise signatures.SignatureError("malformed_header", f"{name} has an item without {s['key_value_separator']!r}")
                if key.strip() == s["timestamp_key"]:
                    stamps.append(text.strip())
                elif key.strip() == s["signature_key"]:
                    raw = self._decode(text.strip())
                    if raw is not None:
                        received.append(raw)
            if s["timestamp_key"] is not None:
                if len(stamps) != 1:
                    raise signatures.SignatureError("malformed_header", f"{name} needs exactly one {s['timestamp_key']}=")
                stamp = stamps[0]
        else:
            entries = value.split(str(s["separator"])) if s["signature_format"] == "list" else [value]
            prefix = str(s["signature_prefix"])
            for entry in entries:
                entry = entry.strip()
                raw = self._decode(entry[len(prefix) :]) if entry.startswith(prefix) else None
                if raw is not None:
                    received.append(raw)
        if not received:
            raise signatures.SignatureError("malformed_header", what)
        if s["timestamp_header"] is not None:
            stamp = signatures._header(headers, str(s["timestamp_header"]))
        timestamp = None if stamp is None else signatures._timestamp(stamp, f"the timestamp ({s['timestamp_header'] or name})")
        # The id header is read here only when it is signed; otherwise it only names the delivery.
        delivery = signatures._header(headers, str(s["id_header"])) if self.signs_id else None
        url = signatures._url(headers) if self.signs_url else ""
        values = {
            "body": body,
            "timestamp": (stamp or "").encode(),
            "id": (delivery or "").encode(),
            "method": b"POST",
            "url": url.encode(),
            "form": signatures._form_parameters(body).encode() if "form" in self.fields else b"",
        }
        payload = b"".join(values[v] if kind == "field" else v.encode() for kind, v in self.parts)
        digest = getattr(hashlib, str(s["algorithm"]))
        expected = [hmac.new(self.key(secret), payload, digest).digest() for secret in secrets]
        if not signatures._any_match(expected, received):
            raise signatures._bad_signature(name)
        if s["timestamp_field"] is not None:
            timestamp = _body_timestamp(body, str(s["timestamp_field"]))
        if timestamp is not None:
            signatures._fresh(timestamp / 1000 if s["timestamp_unit"] == "milliseconds" else timestamp, now, tol)

    def _form(self) -> str:
        s = self.settings
        sig = f"<{s['encoding']} of {self.digest_bytes} bytes>"
        if s["signature_format"] == "key-value":
            return f"{s['signature_key']}{s['key_value_separator']}{sig} items separated by {s['separator']!r}"
        if s["signature_format"] == "list":
            return f"{s['signature_prefix']}{sig} entries separated by {s['separator']!r}"
        return f"{s['signature_prefix']}{sig}"


def _body_timestamp(body: bytes, field: str) -> int:
    """The integer (or digit string) at a top-level field of the JSON body: the signing time of
    providers that put it there (Linear's webhookTimestamp), covered by the body's signature."""
    import json

    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise signatures.SignatureError("malformed_body", f"the body is not JSON, so it has no {field}") from None
    value = document.get(field) if isinstance(document, dict) else None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str):
        return signatures._timestamp(value, f"the body's {field}", "malformed_body")
    raise signatures.SignatureError("malformed_body", f"the body has no integer {field}")


def hmac_scheme(scheme: str, config: Mapping[str, object] | None = None) -> HmacScheme:
    """The HmacScheme of a preset, or of the generic scheme with `config`. ValueError: an
    unknown scheme, a generic scheme without config, or a bad config (the message says which
    setting and how to fix it)."""
    if scheme == signatures.GENERIC:
        if config is None:
            raise ValueError(f"scheme {signatures.GENERIC!r} needs its settings (signature_header, ...)")
        return HmacScheme(config)
    preset = signatures.PRESETS.get(scheme)
    if preset is None:
        raise ValueError(f"unknown webhook scheme {scheme!r}: use one of {', '.join(signatures.SCHEMES)}")
    if config is not None:
        raise ValueError(f"scheme {scheme!r} is a preset and takes no settings; use {signatures.GENERIC!r} to give your own")
    return HmacScheme(preset)
