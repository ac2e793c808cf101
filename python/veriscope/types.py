"""The shapes of Veriscope's results and inputs, as typed dictionaries.

Every function returns plain ``dict`` and ``list`` values (the core's JSON,
parsed); these types name their keys for mypy, pyright and editors::

    from veriscope.types import Verification

    def on_update(verification: Verification) -> None:
        if verification["status"] == "COMPLETED":
            ...

Keys the hosted APIs add beyond their reference are kept in the
dictionaries but not named here.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal, Mapping, Optional, TypedDict, Union

__all__ = [
    "AnalysisOptions",
    "ErrorCodeName",
    "VerificationStatus",
    "DocumentFormat",
    "Problem",
    "ErrorObject",
    "ErrorBody",
    "DocumentType",
    "ServiceId",
    "ResultStatus",
    "FaceMatchLevel",
    "Sex",
    "InputFiles",
    "VerificationInput",
    "WebhookMetadata",
    "CreateVerificationRequest",
    "VerificationResult",
    "Verification",
    "ServiceFile",
    "ServiceOption",
    "Service",
    "Finding",
    "MrzCheck",
    "Mrz",
    "ForgeryEvidence",
    "MrzCorrection",
    "MrzRegion",
    "MrzReading",
    "NikReport",
    "Limits",
    "DocumentInfo",
    "DocumentUrl",
    "ErrorCodeInfo",
    "JsonBody",
    "WebhookScheme",
    "WebhookOutcome",
    "WebhookEvent",
    "UploadedFile",
    "NikClaims",
    "ForgeryReport",
    "ForgeryResponse",
    "Signal",
    "HeatMap",
    "ForgeryAnalysis",
    "FaceObservation",
    "FaceComparison",
]

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

DocumentType = Literal["passport", "id", "drivers_license", "utility_bill", "financial", "unknown"]
ServiceId = Literal["KTP_SELFIE", "DOCUMENT_FORGERY"]
ResultStatus = Literal["VERIFIED", "NOT_VERIFIED", "PARTIALLY_NOT_VERIFIED"]
FaceMatchLevel = Literal["LOW", "MEDIUM", "HIGH"]
Sex = Literal["male", "female", "unspecified"]
InputFiles = dict[str, list[str]]
"""File references by input name, e.g. ``{"ktp_file": ["/uploads/ktp.jpg"]}``."""

class VerificationInput(TypedDict, total=False):
    """Service-specific input; keys the reference does not describe are kept too."""

    verification_type: str
    files: InputFiles
    fraud_detection: bool

class WebhookMetadata(TypedDict, total=False):
    """``webhook_secret`` sets the per-verification signing secret."""

    webhook_secret: str

class _CreateVerificationRequired(TypedDict):
    service_id: ServiceId
    input: VerificationInput

class CreateVerificationRequest(_CreateVerificationRequired, total=False):
    """A create-verification body, as checked against the service catalogue."""

    folder_id: str
    result_id: str
    webhook_url: str
    webhook_metadata: WebhookMetadata

class VerificationResult(TypedDict, total=False):
    """A verification's result: the face fields for KTP_SELFIE."""

    face_match_confidence_level: FaceMatchLevel
    face_match_confidence_score: float
    is_match_face: bool

class Verification(TypedDict):
    """A verification as the API returns it: every reference field, None when unset."""

    id: str
    user_id: Optional[str]
    api_key_id: Optional[str]
    folder_id: Optional[str]
    result_id: Optional[str]
    processing_time: Optional[float]
    status: VerificationStatus
    started_at: Optional[str]
    completed_at: Optional[str]
    input: Optional[VerificationInput]
    input_files: Optional[InputFiles]
    result: Optional[VerificationResult]
    result_url: Optional[str]
    result_status: Optional[ResultStatus]
    external_job_ids: Any
    webhook_url: Optional[str]
    webhook_metadata: Optional[WebhookMetadata]
    export_url: Optional[str]
    credits_used: Optional[int]
    file_count: Optional[int]
    page_count: Optional[int]
    created_at: Optional[str]
    updated_at: Optional[str]

class ServiceFile(TypedDict):
    name: str
    description: str
    required: bool
    max_files: int
    formats: list[DocumentFormat]

class ServiceOption(TypedDict):
    name: str
    description: str
    kind: Literal["boolean", "string"]
    required: bool

class Service(TypedDict):
    """One entry of the service catalogue (``GET /services``)."""

    id: ServiceId
    name: str
    description: str
    files: list[ServiceFile]
    options: list[ServiceOption]

class Finding(TypedDict):
    """Something an MRZ or NIK check found wrong, with a stable code."""

    code: str
    field: str
    message: str

class MrzCheck(TypedDict):
    field: str
    expected: str
    found: str
    valid: bool

class _MrzRequired(TypedDict):
    format: Literal["TD1", "TD2", "TD3", "MRV-A", "MRV-B"]
    documentCode: str
    documentType: DocumentType
    issuingState: str
    surname: str
    givenNames: str
    nameTruncated: bool
    documentNumber: str
    nationality: str
    birthDate: Optional[str]
    sex: Sex
    expiryDate: Optional[str]
    expired: Optional[bool]
    optionalData: str
    checks: list[MrzCheck]
    findings: list[Finding]
    valid: bool
    lines: list[str]

class Mrz(_MrzRequired, total=False):
    """A parsed and checked machine-readable zone; dates are ``YYYY-MM-DD``."""

    optionalData2: str

class ForgeryEvidence(TypedDict):
    """What an MRZ or NIK says about a forgery analysis."""

    documentType: Optional[DocumentType]
    flags: list[str]
    scoreFloor: float

class MrzCorrection(TypedDict):
    line: int
    column: int
    read: str
    corrected: str
    reason: Literal["field_type", "check_digit"]

class MrzRegion(TypedDict):
    x: float
    y: float
    width: float
    height: float
    angle_degrees: float

class MrzReading(TypedDict):
    """An MRZ read from an image, with per-character confidence and corrections."""

    mrz: Mrz
    confidence: list[list[float]]
    minConfidence: float
    corrections: list[MrzCorrection]
    region: MrzRegion
    evidence: ForgeryEvidence

class NikReport(TypedDict):
    """A KTP NIK's parts and how they compare with the claimed fields."""

    nik: str
    provinceCode: str
    province: str
    regencyCode: str
    isCity: bool
    districtCode: str
    birthDate: str
    sex: Sex
    serial: str
    findings: list[Finding]
    valid: bool

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

WebhookScheme = Literal["standard", "timestamped", "sha256"]

class _WebhookOutcomeRequired(TypedDict):
    status: Literal["verified", "unsigned"]

class WebhookOutcome(_WebhookOutcomeRequired, total=False):
    """How a webhook was accepted; a verified one names its scheme and which
    of the secrets matched (``secretIndex``, for rotations)."""

    scheme: WebhookScheme
    id: str
    timestamp: int
    secretIndex: int

class WebhookEvent(TypedDict):
    """A verified webhook's outcome and the verification object it carried."""

    outcome: WebhookOutcome
    verification: Verification

class UploadedFile(TypedDict, total=False):
    """An upload's answer; name its ``path`` in ``input.files``."""

    path: str
    file_name: str
    format: DocumentFormat
    size: int
    created_at: str

class NikClaims(TypedDict, total=False):
    birth_date: str
    sex: Literal["male", "female"]
    province: str

class AnalysisOptions(TypedDict, total=False):
    """The keyword options of ``veriscope.analyze`` besides ``details``."""

    mrz_text: Optional[str]
    """MRZ text read by other means, checked instead of reading the image."""
    nik: Optional[str]
    """A KTP's NIK, checked against ``nik_claims``."""
    nik_claims: Optional[NikClaims]
    today: Union[str, datetime.date, None]
    """The reference date of expiry checks; default: today."""
    read_mrz: bool
    """Look for an MRZ in card- and page-shaped images (default True)."""
    max_pixels: Optional[int]
    """Most pixels decoded (default 40 million)."""
    id: Optional[str]
    """The report's id; default: a UUID derived from the file's SHA-256."""


class ForgeryReport(TypedDict):
    id: str
    forgeryScore: float
    confidence: Literal["low", "medium", "high"]
    documentType: DocumentType
    flags: list[str]
    latencyMs: int

class ForgeryResponse(TypedDict):
    """The forgery API's response."""

    data: ForgeryReport

class Signal(TypedDict):
    """One forensic signal of an analysis."""

    name: str
    statistic: float
    applicable: bool
    flags: list[str]

class HeatMap(TypedDict):
    cell: int
    columns: int
    rows: int
    values: list[float]

class ForgeryAnalysis(TypedDict):
    """The whole analysis: the report and the evidence behind it."""

    report: ForgeryReport
    format: DocumentFormat
    signals: list[Signal]
    features: list[float]
    evidence: Optional[ForgeryEvidence]
    heatMap: Optional[HeatMap]
    model: str

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
