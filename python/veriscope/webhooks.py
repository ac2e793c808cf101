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

from typing import TYPE_CHECKING, Iterable, Mapping, Optional, Sequence, Tuple, Union

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

if TYPE_CHECKING:
    from .types import WebhookEvent, WebhookOutcome

Body = Union[bytes, bytearray, memoryview, str]
Headers = Union[Mapping[str, str], Iterable[Tuple[str, str]]]
Secrets = Union[str, Sequence[str]]

DEFAULT_TOLERANCE_SECONDS = 300


def _secret_list(secret: Secrets) -> list[str]:
    return [secret] if isinstance(secret, str) else list(secret)


class Verifier:
    """A reusable verifier: secrets and settings parsed once, then
    :meth:`verify` per request. Thread-safe.

    >>> verifier = Verifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    >>> headers = sign(b"{}", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id="msg_1")
    >>> verifier.verify(b"{}", headers)["status"]
    'verified'
    """

    def __init__(
        self,
        secret: Secrets,
        *,
        tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
        scheme: Optional[str] = None,
        allow_unsigned: bool = False,
    ) -> None:
        self._native = _native.WebhookVerifier(
            {
                "secrets": _secret_list(secret),
                "toleranceSeconds": tolerance_seconds,
                "scheme": scheme,
                "allowUnsigned": allow_unsigned,
            }
        )

    def verify(self, body: Body, headers: Headers, *, now: Optional[int] = None) -> WebhookOutcome:
        """Verifies the raw ``body`` against ``headers``.

        Returns ``{"status": "verified", "scheme", "id", "timestamp",
        "secretIndex"}`` (or ``{"status": "unsigned"}`` when unsigned payloads
        are allowed and none was signed); raises a :class:`WebhookError`
        subclass otherwise. ``now`` is Unix seconds (default: the system clock).
        """
        return self._native.verify(body, headers, now)

    def verify_event(self, body: Body, headers: Headers, *, now: Optional[int] = None) -> WebhookEvent:
        """Verifies like :meth:`verify`, then parses the body as the
        verification object: returns ``{"outcome": {...}, "verification": {...}}``."""
        return self._native.verify_event(body, headers, now)


def verify(
    body: Body,
    headers: Headers,
    secret: Secrets,
    *,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    scheme: Optional[str] = None,
    allow_unsigned: bool = False,
    now: Optional[int] = None,
) -> WebhookOutcome:
    """One-call :meth:`Verifier.verify`; keep a :class:`Verifier` to verify many."""
    verifier = Verifier(secret, tolerance_seconds=tolerance_seconds, scheme=scheme, allow_unsigned=allow_unsigned)
    return verifier.verify(body, headers, now=now)


def verify_event(
    body: Body,
    headers: Headers,
    secret: Secrets,
    *,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    scheme: Optional[str] = None,
    allow_unsigned: bool = False,
    now: Optional[int] = None,
) -> WebhookEvent:
    """One-call :meth:`Verifier.verify_event`."""
    verifier = Verifier(secret, tolerance_seconds=tolerance_seconds, scheme=scheme, allow_unsigned=allow_unsigned)
    return verifier.verify_event(body, headers, now=now)


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
        "secrets": _secret_list(secret),
        "scheme": scheme,
        "id": id,
        "timestamp": timestamp,
    }
    return _native.webhook_sign(body, options)


__all__ = [
    "DEFAULT_TOLERANCE_SECONDS",
    "Verifier",
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
