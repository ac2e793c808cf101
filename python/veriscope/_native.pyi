"""Type stubs of the Rust extension module `veriscope._native`."""

import datetime
import os
from typing import Any, Literal, Mapping, Optional, Union, overload

from typing_extensions import Unpack

from .types import (
    AnalysisOptions as AnalysisOptions,
    ErrorCodeName as ErrorCodeName,
    VerificationStatus as VerificationStatus,
    DocumentFormat as DocumentFormat,
    Problem as Problem,
    ErrorObject as ErrorObject,
    ErrorBody as ErrorBody,
    DocumentType as DocumentType,
    ServiceId as ServiceId,
    ResultStatus as ResultStatus,
    FaceMatchLevel as FaceMatchLevel,
    Sex as Sex,
    InputFiles as InputFiles,
    VerificationInput as VerificationInput,
    WebhookMetadata as WebhookMetadata,
    CreateVerificationRequest as CreateVerificationRequest,
    VerificationResult as VerificationResult,
    Verification as Verification,
    ServiceFile as ServiceFile,
    ServiceOption as ServiceOption,
    Service as Service,
    Finding as Finding,
    MrzCheck as MrzCheck,
    Mrz as Mrz,
    ForgeryEvidence as ForgeryEvidence,
    MrzCorrection as MrzCorrection,
    MrzRegion as MrzRegion,
    MrzReading as MrzReading,
    NikReport as NikReport,
    Limits as Limits,
    DocumentInfo as DocumentInfo,
    DocumentUrl as DocumentUrl,
    ErrorCodeInfo as ErrorCodeInfo,
    JsonBody as JsonBody,
    WebhookScheme as WebhookScheme,
    WebhookOutcome as WebhookOutcome,
    WebhookEvent as WebhookEvent,
    UploadedFile as UploadedFile,
    NikClaims as NikClaims,
    ForgeryReport as ForgeryReport,
    ForgeryResponse as ForgeryResponse,
    Signal as Signal,
    HeatMap as HeatMap,
    ForgeryAnalysis as ForgeryAnalysis,
    FaceObservation as FaceObservation,
    FaceComparison as FaceComparison,
)

__version__: str

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

def check_document_bytes(data: bytes, *, limits: Optional[Limits] = None) -> DocumentInfo:
    """Checks a multipart upload: size limit, then format from magic bytes."""

def decode_document_base64(text: str, *, limits: Optional[Limits] = None) -> tuple[DocumentInfo, bytes]:
    """Decodes and checks base64 text (plain or data URL); returns (info, bytes)."""

def check_document_url(url: str, *, limits: Optional[Limits] = None) -> DocumentUrl:
    """Checks a documentUrl: HTTPS, no credentials, no private or loopback address."""

def check_verify_request(body: JsonBody, *, limits: Optional[Limits] = None) -> Union[DocumentInfo, DocumentUrl]:
    """Checks a POST /api/v1/verify JSON body."""

def check_create_verification(body: JsonBody, *, limits: Optional[Limits] = None) -> CreateVerificationRequest:
    """Checks a create-verification body; returns it normalised."""

def parse_verification(body: JsonBody) -> Verification:
    """Parses a verification object; returns it with every reference field."""

def parse_forgery_response(body: JsonBody) -> ForgeryResponse:
    """Parses a forgery API response {"data": {...}}."""

def services() -> list[Service]:
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
    def verify(self, body: Any, headers: Any, now: Optional[int] = None) -> WebhookOutcome: ...
    def verify_event(self, body: Any, headers: Any, now: Optional[int] = None) -> WebhookEvent: ...

def webhook_sign(body: Any, options: Mapping[str, Any]) -> dict[str, str]:
    """Low-level; use veriscope.webhooks.sign."""

def parse_mrz(text: str, *, today: Union[str, datetime.date, None] = None) -> Mrz:
    """Parses and checks MRZ text (TD1, TD2, TD3, MRV-A, MRV-B); findings list failed checks."""

def read_mrz(data: bytes, *, today: Union[str, datetime.date, None] = None) -> MrzReading:
    """Finds and reads the MRZ of a JPEG or PNG image; raises NotFoundError without one."""

def check_nik(
    nik: str, claims: Optional[NikClaims] = None, *, today: Union[str, datetime.date, None] = None
) -> NikReport:
    """Parses a KTP NIK and compares it with claimed birth date, sex and province."""

@overload
def analyze(data: bytes, *, details: Literal[False] = False, **options: Unpack[AnalysisOptions]) -> ForgeryResponse: ...
@overload
def analyze(data: bytes, *, details: Literal[True], **options: Unpack[AnalysisOptions]) -> ForgeryAnalysis:
    """Analyses a JPEG, PNG or PDF for forgery, locally (GIL released).

    Returns the forgery API's response ``{"data": ForgeryReport}``, or with
    ``details=True`` the whole analysis (signals, model features, heat map).
    Raises UnsupportedFormatError for another format, FileTooLargeError over
    the pixel or page budget, ValidationError for unknown options.
    """

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
    def services(self) -> list[Service]:
        """The verification services offered (``GET /services``)."""
    def upload(self, file: bytes, file_name: Optional[str] = None) -> UploadedFile:
        """Uploads a file; name the answer's ``path`` in ``input.files``."""
    def create_verification(self, body: JsonBody) -> Verification:
        """Creates a verification; it comes back ``IN_QUEUE``."""
    def verification(self, id: str) -> Verification:
        """The verification as it is now."""
    def wait(self, id: str, timeout: float = 300.0) -> Verification:
        """Polls until the verification is settled (terminal or NEED_REVIEW)."""
