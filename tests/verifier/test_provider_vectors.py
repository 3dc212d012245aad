"""Every named scheme against requests its provider signed: examples from the providers'
documentation, their official SDKs' own test vectors, and requests signed (or accepted) by the
official SDKs (tests/verifier/vectors/providers.json says which, for each). Our code never made
these signatures.

Each genuine request passes; then one bit changed in the body, the signature, the timestamp or
the secret makes it fail with the reason a user would look for, and a timestamped request
replayed later is expired.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from verifier_modules import signatures

VECTORS: list[dict[str, Any]] = json.loads((Path(__file__).parent / "vectors" / "providers.json").read_text())
# The API takes POST only: a vector of another method (HubSpot signs it too) is not ours.
CASES = [v for v in VECTORS if v.get("method", "POST") == "POST"]
TOLERANCE = 300
# Where each timed scheme keeps its timestamp: a header, or an item of the signature header.
TIMESTAMP_HEADERS = {
    "slack": "X-Slack-Request-Timestamp",
    "discord": "X-Signature-Timestamp",
    "sendgrid": "X-Twilio-Email-Event-Webhook-Timestamp",
    "zoom": "x-zm-request-timestamp",
    "standard-webhooks": "webhook-timestamp",
}
SIGNATURE_HEADERS = {
    "gitlab": "X-Gitlab-Token",
    "postmark": "Authorization",
    "discord": "X-Signature-Ed25519",
    "sendgrid": "X-Twilio-Email-Event-Webhook-Signature",
}


def case_id(case: dict[str, Any]) -> str:
    return f"{case['scheme']}-{CASES.index(case)}"


def body_of(case: dict[str, Any]) -> bytes:
    if "body_base64" in case:
        return base64.b64decode(case["body_base64"])
    return str(case["body"]).encode()


def base(scheme: str) -> str:
    return signatures.ALIASES.get(scheme, scheme)


def reason(case: dict[str, Any], *, headers: dict[str, str] | None = None, body: bytes | None = None,
           secret: str | None = None, now: float | None = None) -> str | None:
    moment = case["now"] if now is None else now
    headers = case["headers"] if headers is None else headers
    if case.get("url"):
        # Where the API puts the URL the provider called (for the schemes that sign it).
        headers = {**headers, signatures.URL_ATTRIBUTE: case["url"]}
    try:
        signatures.verify(
            case["scheme"],
            case["secret"] if secret is None else secret,
            headers,
            body_of(case) if body is None else body,
            now=float(moment if moment is not None else 1_700_000_000),
            tolerance_s=TOLERANCE,
        )
    except signatures.SignatureError as error:
        return error.reason
    return None


def flip_char(text: str, index: int) -> str:
    """`text` with the character at `index` replaced by another of its kind (a digit by a digit,
    a hex letter by a hex letter), so hex stays hex and base64 stays base64."""
    position = index % len(text)
    while not text[position].isalnum():
        position -= 1
    c = text[position]
    if c.isdigit():
        other = "1" if c != "1" else "2"
    elif c.islower():
        other = "a" if c != "a" else "b"
    elif c.isupper():
        other = "A" if c != "A" else "B"
    else:
        raise AssertionError(f"no letter or digit at {index} of {text!r}")
    return text[:position] + other + text[position + 1 :]


def signature_header(case: dict[str, Any]) -> str:
    scheme = base(case["scheme"])
    name = SIGNATURE_HEADERS.get(scheme) or signatures.SCHEME_HEADERS.get(scheme, ("",))[0]
    if scheme == "standard-webhooks":
        name = "webhook-signature" if "webhook-signature" in case["headers"] else "svix-signature"
    (found,) = [h for h in case["headers"] if h.lower() == name.lower()]
    return found


def test_every_named_scheme_has_a_vector_from_its_provider() -> None:
    named = set(signatures.SCHEMES) - {signatures.GENERIC}
    covered = {v["scheme"] for v in VECTORS}
    # Schemes tested on their providers' vectors elsewhere (test_signature_oracles.py): GitHub's
    # and Slack's documented examples, Stripe's library; basic is RFC 7617 (as postmark, here).
    elsewhere = {"github", "slack", "stripe", "basic"}
    assert {v["scheme"] for v in CASES} >= set(signatures.URL_SCHEMES)
    assert named - covered - elsewhere == set(), sorted(named - covered - elsewhere)
    for case in VECTORS:
        assert case["source"] and "/tmp" not in case["source"], case


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_providers_request_verifies(case: dict[str, Any]) -> None:
    assert reason(case) is None


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_one_bit_of_the_body_changed_is_a_bad_signature(case: dict[str, Any]) -> None:
    body = bytearray(body_of(case))
    if base(case["scheme"]) in ("basic", "gitlab") or not body:
        pytest.skip("the scheme authenticates the sender, not the body")
    if case["scheme"] == "mailgun":
        pytest.skip("Mailgun signs its timestamp and token (see the timestamp test), not the event")
    for index in (0, len(body) // 2, len(body) - 1):
        changed = bytearray(body)
        changed[index] ^= 0x01
        assert reason(case, body=bytes(changed)) == "bad_signature", index


def mailgun_changed(case: dict[str, Any], field: str, change: Any) -> bytes:
    """The body with one field of Mailgun's signature object changed."""
    document = json.loads(body_of(case))
    document["signature"][field] = change(document["signature"][field])
    return json.dumps(document).encode()


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_a_changed_signature_is_a_bad_signature(case: dict[str, Any]) -> None:
    if case["scheme"] == "mailgun":
        assert reason(case, body=mailgun_changed(case, "signature", lambda v: flip_char(v, -1))) == "bad_signature"
        assert reason(case, body=mailgun_changed(case, "token", lambda v: flip_char(v, 0))) == "bad_signature"
        return
    name = signature_header(case)
    value = case["headers"][name]
    # Before base64 padding the last characters may carry unused bits; change one well inside.
    index = -5 if value.endswith("=") else -1
    assert reason(case, headers={**case["headers"], name: flip_char(value, index)}) == "bad_signature"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_another_secret_is_a_bad_signature(case: dict[str, Any]) -> None:
    secret = case["secret"]
    index = -5 if secret.endswith("=") else -1
    changed = flip_char(secret, index)
    if case["scheme"] == "sendgrid":
        # A changed public key is no longer a point of the curve: a configuration fault.
        with pytest.raises(ValueError):
            reason(case, secret=changed)
        return
    assert reason(case, secret=changed) == "bad_signature"


def timestamp_of(case: dict[str, Any]) -> tuple[str, str, str] | None:
    """(header, its value, the timestamp text in it) of a timed scheme, or None."""
    scheme = base(case["scheme"])
    if scheme in TIMESTAMP_HEADERS:
        name = TIMESTAMP_HEADERS[scheme]
        if scheme == "standard-webhooks" and name not in case["headers"]:
            name = "svix-timestamp"
        (found,) = [h for h in case["headers"] if h.lower() == name.lower()]
        return found, case["headers"][found], case["headers"][found]
    settings = signatures.PRESETS.get(scheme, {})
    if settings.get("timestamp_key"):
        name = signature_header(case)
        value = case["headers"][name]
        separator = str(settings.get("separator", ","))
        for item in value.split(separator):
            key, _, text = item.strip().partition("=")
            if key == settings["timestamp_key"]:
                return name, value, text
    return None


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_a_changed_timestamp_is_a_bad_signature_and_a_late_one_expired(case: dict[str, Any]) -> None:
    found = timestamp_of(case)
    scheme = base(case["scheme"])
    if scheme == "mailgun":
        assert reason(case, body=mailgun_changed(case, "timestamp", lambda v: str(int(v) ^ 1))) == "bad_signature"
        signed_at = int(json.loads(body_of(case))["signature"]["timestamp"])
        assert reason(case, now=signed_at + TOLERANCE) is None
        assert reason(case, now=signed_at + TOLERANCE + 1) == "timestamp_expired"
        return
    if found is None:
        if scheme == "linear":
            # Linear's timestamp is in the body, whose every bit is signed (see the body test).
            assert reason(case, now=case["now"] + 10 * TOLERANCE) == "timestamp_expired"
            return
        assert case["scheme"] not in ("stripe", "slack", "mailgun"), case
        pytest.skip("the provider sends no timestamp: no replay window")
    name, value, stamp = found
    changed = str(int(stamp) ^ 1)
    headers = {**case["headers"], name: value.replace(stamp, changed, 1)}
    assert reason(case, headers=headers) == "bad_signature"
    unit = 1000 if signatures.PRESETS.get(scheme, {}).get("timestamp_unit") == "milliseconds" else 1
    signed_at = int(stamp) / unit
    assert reason(case, now=signed_at + TOLERANCE) is None
    assert reason(case, now=signed_at + TOLERANCE + 1) == "timestamp_expired"
    assert reason(case, now=signed_at - TOLERANCE - 1) == "timestamp_in_future"


def test_the_readme_table_lists_exactly_the_schemes() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("### Signature schemes", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] and {row.split("`")[1] for row in rows} == set(signatures.SCHEMES)
    assert len(rows) == len(signatures.SCHEMES)


@pytest.mark.parametrize("case", [c for c in CASES if c.get("url")], ids=case_id)
def test_a_schemes_signed_url_must_be_the_one_the_provider_called(case: dict[str, Any]) -> None:
    """A URL signed by the provider differs from the one rebuilt by the API only by a byte,
    and the signature no longer holds; without the URL, the request cannot verify."""
    url = case["url"]
    for changed in (url.replace("https://", "http://", 1), url + "/", url.replace("://", "://www2.", 1)):
        assert reason({**case, "url": changed}) == "bad_signature", changed
    assert reason({**case, "url": ""}) == "missing_header"


def test_the_preset_tables_are_what_the_generic_scheme_reads() -> None:
    for name, config in signatures.PRESETS.items():
        scheme = signatures.HmacScheme(config)
        assert signatures.SCHEME_HEADERS[name] == scheme.headers, name
        assert signatures.DELIVERY_ID_HEADERS[name] == scheme.id_headers, name
        assert (name in signatures.URL_SCHEMES) == scheme.signs_url, name


def test_a_coded_scheme_does_not_load_the_generic_one_or_typing() -> None:
    """What a verifier of github, stripe, ... compiles and imports on its cold start."""
    import subprocess
    import sys

    from verifier_modules import CODE_ROOT

    probe = (
        "import sys, signatures\n"
        "try:\n"
        "    signatures.verify('github', 's', {'X-Hub-Signature-256': 'sha256=' + '0' * 64}, b'x')\n"
        "except signatures.SignatureError:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.endswith(('_generic', '_curves')) or m in ('typing', 're', 'json', 'curves')))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=CODE_ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout


def test_the_library_loads_the_lazy_modules_without_the_code_root_on_sys_path() -> None:
    """The construct library loads signatures.py by its path: generic.py and curves.py must
    load beside it, not through sys.path (as in the Lambda, where the code root is on it)."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from constructs_lib.verifier_schemes import _signatures, check_hmac, check_public_key\n"
        "check_public_key('discord', 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')\n"
        "print(check_hmac({'signature_header': 'X-Sig'}))\n"
        "assert not any(p.endswith('verifier') for p in sys.path), sys.path\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=False,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "(('X-Sig',), (), False)"
