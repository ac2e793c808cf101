"""Verify incoming webhooks, and sign outgoing ones.

In a Flask handler::

    event = veriscope.webhooks.verify_event(request.get_data(), request.headers, SECRET)
    handle(event["verification"])      # raises a WebhookError subclass if not genuine

Schemes: Standard Webhooks (``webhook-id``/``webhook-timestamp``/
``webhook-signature``), ``x-webhook-signature: t=…,v1=…`` and
``x-hub-signature-256: sha256=…``, detected from the headers unless
``scheme`` names one. ``secret`` is ``"whsec_<base64>"`` or the plain text of a
per-verification ``webhook_secret``; a list accepts any of several (rotation).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

from . import _native
from ._native import (
    WebhookError,
    WebhookInvalidSecretError,
    WebhookMalformedHeaderError,
    WebhookMissingHeaderError,
    WebhookSignatureMismatchError,
    WebhookTimestampTooNewError,
    WebhookTimestampTooOldError,
    WebhookUnsignedError,
)

Body = Union[bytes, bytearray, memoryview, str]
Headers = Union[Mapping[str, str], Iterable[Tuple[str, str]]]
Secrets = Union[str, Sequence[str]]

DEFAULT_TOLERANCE_SECONDS = 300


def _verify_options(
    secret: Secrets,
    tolerance_seconds: int,
    scheme: Optional[str],
    allow_unsigned: bool,
    now: Optional[int],
) -> dict[str, Any]:
    return {
        "secrets": [secret] if isinstance(secret, str) else list(secret),
        "toleranceSeconds": tolerance_seconds,
        "scheme": scheme,
        "allowUnsigned": allow_unsigned,
        "now": now,
    }


def verify(
    body: Body,
    headers: Headers,
    secret: Secrets,
    *,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    scheme: Optional[str] = None,
    allow_unsigned: bool = False,
    now: Optional[int] = None,
) -> dict[str, Any]:
    """Verifies the raw ``body`` against ``headers``.

    Returns ``{"status": "verified", "scheme", "id", "timestamp", "secretIndex"}``
    (or ``{"status": "unsigned"}`` when ``allow_unsigned`` and no signature was
    sent); raises a :class:`WebhookError` subclass otherwise.
    """
    options = _verify_options(secret, tolerance_seconds, scheme, allow_unsigned, now)
    return _native.webhook_verify(body, headers, options)


def verify_event(
    body: Body,
    headers: Headers,
    secret: Secrets,
    *,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    scheme: Optional[str] = None,
    allow_unsigned: bool = False,
    now: Optional[int] = None,
) -> dict[str, Any]:
    """Verifies like :func:`verify`, then parses the body as the verification
    object: returns ``{"outcome": {...}, "verification": {...}}``."""
    options = _verify_options(secret, tolerance_seconds, scheme, allow_unsigned, now)
    return _native.webhook_verify_event(body, headers, options)


def sign(
    body: Body,
    secret: Secrets,
    *,
    id: Optional[str] = None,
    timestamp: Optional[int] = None,
    scheme: str = "standard",
) -> dict[str, str]:
    """The headers to send with ``body`` (``id`` is required for the standard
    scheme; ``timestamp`` defaults to now)."""
    options = {
        "secrets": [secret] if isinstance(secret, str) else list(secret),
        "scheme": scheme,
        "id": id,
        "timestamp": timestamp,
    }
    return _native.webhook_sign(body, options)


__all__ = [
    "DEFAULT_TOLERANCE_SECONDS",
    "WebhookError",
    "WebhookInvalidSecretError",
    "WebhookMalformedHeaderError",
    "WebhookMissingHeaderError",
    "WebhookSignatureMismatchError",
    "WebhookTimestampTooNewError",
    "WebhookTimestampTooOldError",
    "WebhookUnsignedError",
    "sign",
    "verify",
    "verify_event",
]
