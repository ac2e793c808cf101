"""Veriscope: local, offline identity-document verification.

Request validation for the forgery-analysis and verification APIs, their
data models and status transitions, with the same error codes and the same
JSON as every other Veriscope door (Rust, C, WASM, CLI).

>>> import veriscope
>>> veriscope.check_document_url("https://storage.example.com/passport.jpg")["host"]
'storage.example.com'
"""

from ._native import (
    CapExceededError,
    FetchFailedError,
    FileTooLargeError,
    InternalError,
    InvalidArgumentError,
    InvalidTransitionError,
    NotFoundError,
    RateLimitedError,
    TrialExhaustedError,
    UnauthorizedError,
    UnsupportedFormatError,
    ValidationError,
    VeriscopeError,
    WebhookError,
    WebhookInvalidSecretError,
    WebhookMalformedHeaderError,
    WebhookMissingHeaderError,
    WebhookSignatureMismatchError,
    WebhookTimestampTooNewError,
    WebhookTimestampTooOldError,
    WebhookUnsignedError,
    __version__,
    allowed_transitions,
    can_transition,
    check_create_verification,
    check_document_bytes,
    check_document_url,
    check_transition,
    check_verify_request,
    decode_document_base64,
    error_codes,
    is_terminal,
    parse_forgery_response,
    parse_verification,
    services,
)
from . import webhooks

__all__ = [
    "CapExceededError",
    "FetchFailedError",
    "FileTooLargeError",
    "InternalError",
    "InvalidArgumentError",
    "InvalidTransitionError",
    "NotFoundError",
    "RateLimitedError",
    "TrialExhaustedError",
    "UnauthorizedError",
    "UnsupportedFormatError",
    "ValidationError",
    "VeriscopeError",
    "WebhookError",
    "WebhookInvalidSecretError",
    "WebhookMalformedHeaderError",
    "WebhookMissingHeaderError",
    "WebhookSignatureMismatchError",
    "WebhookTimestampTooNewError",
    "WebhookTimestampTooOldError",
    "WebhookUnsignedError",
    "__version__",
    "allowed_transitions",
    "can_transition",
    "check_create_verification",
    "check_document_bytes",
    "check_document_url",
    "check_transition",
    "check_verify_request",
    "decode_document_base64",
    "error_codes",
    "is_terminal",
    "parse_forgery_response",
    "parse_verification",
    "services",
    "webhooks",
]
