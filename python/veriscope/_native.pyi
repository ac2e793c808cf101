"""Type stubs of the Rust extension module `veriscope._native`."""

import datetime
import os
from typing import Any, Literal, Mapping, Optional, TypedDict, Union

__version__: str

ErrorCodeName = Literal[
    "VALIDATION_ERROR",
    "UNAUTHORIZED",
    "TRIAL_EXHAUSTED",
    "UNSUPPORTED_FORMAT",
    "FILE_TOO_LARGE",
    "FETCH_FAILED",
    "RATE_LIMITED",
    "CAP_EXCEEDED",
    "INVALID_TRANSITION",
    "INVALID_ARGUMENT",
    "NOT_FOUND",
    "INTERNAL_ERROR",
    "WEBHOOK_MISSING_HEADER",
    "WEBHOOK_MALFORMED_HEADER",
    "WEBHOOK_TIMESTAMP_TOO_OLD",
    "WEBHOOK_TIMESTAMP_TOO_NEW",
    "WEBHOOK_SIGNATURE_MISMATCH",
    "WEBHOOK_UNSIGNED",
    "WEBHOOK_INVALID_SECRET",
    "MODEL_MISSING",
    "MODEL_INVALID",
    "FACE_NOT_FOUND",
    "NETWORK_ERROR",
    "TIMEOUT",
]
VerificationStatus = Literal[
    "DRAFT",
    "IN_QUEUE",
    "IN_PROGRESS",
    "COMPLETED",
    "FAILED",
    "CANCELLED",
    "NEED_REVIEW",
    "FRAUD_DETECTED",
    "PARTIALLY_COMPLETED",
    "PARTIALLY_FAILED",
]
DocumentFormat = Literal["jpeg", "png", "pdf"]

class Problem(TypedDict):
    field: str
    reason: str

class ErrorObject(TypedDict, total=False):
    code: ErrorCodeName
    message: str
    details: list[Problem]

class ErrorBody(TypedDict):
    error: ErrorObject

class VeriscopeError(Exception):
    """Base class of every Veriscope error."""

    code: ErrorCodeName
    message: str
    http_status: int
    details: list[Problem]
    body: ErrorBody

class ValidationError(VeriscopeError): ...
class ModelMissingError(VeriscopeError): ...
class ModelInvalidError(VeriscopeError): ...
class FaceNotFoundError(VeriscopeError): ...
class NetworkError(VeriscopeError): ...
class DeadlineExceededError(VeriscopeError): ...
class UnauthorizedError(VeriscopeError): ...
class TrialExhaustedError(VeriscopeError): ...
class UnsupportedFormatError(VeriscopeError): ...
class FileTooLargeError(VeriscopeError): ...
class FetchFailedError(VeriscopeError): ...
class RateLimitedError(VeriscopeError): ...
class CapExceededError(VeriscopeError): ...
class InvalidTransitionError(VeriscopeError): ...
class InvalidArgumentError(VeriscopeError): ...
class NotFoundError(VeriscopeError): ...
class InternalError(VeriscopeError): ...
class WebhookError(VeriscopeError):
    """Base class of the WEBHOOK_* errors: the webhook must not be trusted."""

class WebhookMissingHeaderError(WebhookError): ...
class WebhookMalformedHeaderError(WebhookError): ...
class WebhookTimestampTooOldError(WebhookError): ...
class WebhookTimestampTooNewError(WebhookError): ...
class WebhookSignatureMismatchError(WebhookError): ...
class WebhookUnsignedError(WebhookError): ...
class WebhookInvalidSecretError(WebhookError): ...

class Limits(TypedDict, total=False):
    """Validation limits; missing keys keep the APIs' defaults."""

    max_inline_bytes: int
    max_url_bytes: int
    max_url_length: int
    min_webhook_secret_length: int
    max_webhook_secret_length: int
    max_identifier_length: int
    allow_loopback_webhooks: bool

class DocumentInfo(TypedDict):
    source: Literal["multipart", "base64"]
    format: DocumentFormat
    mediaType: str
    sizeBytes: int

class DocumentUrl(TypedDict):
    source: Literal["url"]
    url: str
    host: str
    port: int
    maxBytes: int

class ErrorCodeInfo(TypedDict):
    code: ErrorCodeName
    number: int
    httpStatus: int
    retryable: bool

JsonBody = Union[str, bytes, Mapping[str, Any]]

def check_document_bytes(data: bytes, *, limits: Optional[Limits] = None) -> DocumentInfo:
    """Checks a multipart upload: size limit, then format from magic bytes."""

def decode_document_base64(text: str, *, limits: Optional[Limits] = None) -> tuple[DocumentInfo, bytes]:
    """Decodes and checks base64 text (plain or data URL); returns (info, bytes)."""

def check_document_url(url: str, *, limits: Optional[Limits] = None) -> DocumentUrl:
    """Checks a documentUrl: HTTPS, no credentials, no private or loopback address."""

def check_verify_request(body: JsonBody, *, limits: Optional[Limits] = None) -> Union[DocumentInfo, DocumentUrl]:
    """Checks a POST /api/v1/verify JSON body."""

def check_create_verification(body: JsonBody, *, limits: Optional[Limits] = None) -> dict[str, Any]:
    """Checks a create-verification body; returns it normalised."""

def parse_verification(body: JsonBody) -> dict[str, Any]:
    """Parses a verification object; returns it with every reference field."""

def parse_forgery_response(body: JsonBody) -> dict[str, Any]:
    """Parses a forgery API response {"data": {...}}."""

def services() -> list[dict[str, Any]]:
    """The service catalogue, as GET /services returns it."""

def error_codes() -> list[ErrorCodeInfo]:
    """Every error code with its number, HTTP status and retry hint."""

def can_transition(from_: VerificationStatus, to: VerificationStatus) -> bool: ...
def check_transition(from_: VerificationStatus, to: VerificationStatus) -> None:
    """Raises InvalidTransitionError unless the move is legal."""

def is_terminal(status: VerificationStatus) -> bool: ...
def allowed_transitions(status: VerificationStatus) -> list[VerificationStatus]: ...

class WebhookVerifier:
    """Low-level; use veriscope.webhooks.Verifier."""

    def __init__(self, options: Mapping[str, Any]) -> None: ...
    def verify(self, body: Any, headers: Any, now: Optional[int] = None) -> dict[str, Any]: ...
    def verify_event(self, body: Any, headers: Any, now: Optional[int] = None) -> dict[str, Any]: ...

def webhook_sign(body: Any, options: Mapping[str, Any]) -> dict[str, str]:
    """Low-level; use veriscope.webhooks.sign."""

class NikClaims(TypedDict, total=False):
    birth_date: str
    sex: Literal["male", "female"]
    province: str

def parse_mrz(text: str, *, today: Union[str, datetime.date, None] = None) -> dict[str, Any]:
    """Parses and checks MRZ text (TD1, TD2, TD3, MRV-A, MRV-B); findings list failed checks."""

def read_mrz(data: bytes, *, today: Union[str, datetime.date, None] = None) -> dict[str, Any]:
    """Finds and reads the MRZ of a JPEG or PNG image; raises NotFoundError without one."""

def check_nik(
    nik: str, claims: Optional[NikClaims] = None, *, today: Union[str, datetime.date, None] = None
) -> dict[str, Any]:
    """Parses a KTP NIK and compares it with claimed birth date, sex and province."""

class ForgeryReport(TypedDict):
    id: str
    forgeryScore: float
    confidence: Literal["low", "medium", "high"]
    documentType: Literal["passport", "id", "drivers_license", "utility_bill", "financial", "unknown"]
    flags: list[str]
    latencyMs: int

def analyze(
    data: bytes,
    *,
    details: bool = False,
    mrz_text: Optional[str] = None,
    nik: Optional[str] = None,
    nik_claims: Optional[NikClaims] = None,
    today: Union[str, datetime.date, None] = None,
    read_mrz: bool = True,
    max_pixels: Optional[int] = None,
    id: Optional[str] = None,
) -> dict[str, Any]:
    """Analyses a JPEG, PNG or PDF for forgery, locally (GIL released).

    Returns the forgery API's response ``{"data": ForgeryReport}``, or with
    ``details=True`` the whole analysis (signals, model features, heat map).
    Raises UnsupportedFormatError for another format, FileTooLargeError over
    the pixel or page budget, ValidationError for unknown options.
    """

FaceMatchLevel = Literal["LOW", "MEDIUM", "HIGH"]

class FaceObservation(TypedDict):
    rect: list[float]
    landmarks: list[list[float]]
    detector_score: float
    rotation: int
    face_size: float
    sharpness: float
    faces_found: int

class FaceComparison(TypedDict, total=False):
    face_match_confidence_level: FaceMatchLevel
    face_match_confidence_score: float
    is_match_face: bool
    distance: float
    flags: list[str]
    id_card_face: FaceObservation
    selfie_face: FaceObservation

class FaceModels:
    """The face-match models (SeetaFace detector, dlib's 5-point landmarker
    and ResNet embedder), loaded once; share one instance between threads."""

    def __init__(self, directory: Optional[Union[str, os.PathLike[str]]] = None) -> None:
        """Loads from ``directory``, ``$VERISCOPE_MODELS`` or ``./models``.

        Raises ModelMissingError (naming ``scripts/fetch-models``) or
        ModelInvalidError.
        """
    @staticmethod
    def from_bytes(detector: bytes, landmarks: bytes, embedder: bytes) -> FaceModels:
        """Builds the models from the three files' contents."""
    def compare(
        self,
        id_card: bytes,
        selfie: bytes,
        *,
        high_threshold: Optional[float] = None,
        match_threshold: Optional[float] = None,
        max_pixels: Optional[int] = None,
        try_rotations: Optional[bool] = None,
        details: bool = False,
    ) -> FaceComparison:
        """Compares the ID card's portrait with the selfie's face (GIL released).

        Returns the verification API's three face fields with the descriptor
        distance and flags; ``details=True`` adds both faces' observations.
        Raises FaceNotFoundError naming the image without a face.
        """

class Client:
    """A blocking client of the hosted APIs (or of a ``veriscope serve``).

    Every call checks its input locally first (an input the API would refuse
    raises without a request), releases the GIL while it waits, and retries
    rate limits and server failures with backoff honouring ``Retry-After``.
    Failures raise the API's error classes; NetworkError when the API cannot
    be reached, DeadlineExceededError when a deadline passes. Never put an
    API key in a browser.
    """

    def __init__(
        self,
        api_key: str,
        base_url: Optional[str] = None,
        *,
        verification_base_url: Optional[str] = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        limits: Optional[Union[Limits, str]] = None,
    ) -> None: ...
    def verify_document(self, document: bytes) -> ForgeryReport:
        """Forgery analysis of a document's bytes (multipart upload)."""
    def verify_document_base64(self, document: str) -> ForgeryReport:
        """Forgery analysis of a base64 document or data URL."""
    def verify_document_url(self, url: str) -> ForgeryReport:
        """Forgery analysis of a document the API fetches from an HTTPS URL."""
    def services(self) -> list[dict[str, Any]]:
        """The verification services offered (``GET /services``)."""
    def upload(self, file: bytes, file_name: Optional[str] = None) -> dict[str, Any]:
        """Uploads a file; name the answer's ``path`` in ``input.files``."""
    def create_verification(self, body: JsonBody) -> dict[str, Any]:
        """Creates a verification; it comes back ``IN_QUEUE``."""
    def verification(self, id: str) -> dict[str, Any]:
        """The verification as it is now."""
    def wait(self, id: str, timeout: float = 300.0) -> dict[str, Any]:
        """Polls until the verification is settled (terminal or NEED_REVIEW)."""
