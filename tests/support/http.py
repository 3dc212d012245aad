"""A webhook POST to a deployed stage, as a provider sends it."""

from __future__ import annotations

import urllib.error
import urllib.request


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """POST `body` as JSON with `headers`; the status and body of the answer, errors included."""
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
