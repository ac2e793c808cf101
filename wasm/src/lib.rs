//! WebAssembly door of Veriscope, for browsers and Node.
//!
//! `Uint8Array` and strings in, plain JS objects out. Results are the core's
//! JSON passed through `JSON.parse`, so they equal every other door's output
//! byte for byte once stringified. Failures throw an `Error` whose `code`,
//! `httpStatus`, `details` and `body` carry the core's error.

use js_sys::{JSON, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use veriscope::validate::{self, Limits};
use veriscope::webhook::{HeaderMap, SignOptions, VerifyOptions};
use veriscope::{Error, ErrorCode, ForgeryResponse, Verification, VerificationStatus};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
export type ErrorCodeName =
  | "VALIDATION_ERROR" | "UNAUTHORIZED" | "TRIAL_EXHAUSTED" | "UNSUPPORTED_FORMAT"
  | "FILE_TOO_LARGE" | "FETCH_FAILED" | "RATE_LIMITED" | "CAP_EXCEEDED"
  | "INVALID_TRANSITION" | "INVALID_ARGUMENT" | "NOT_FOUND" | "INTERNAL_ERROR"
  | "WEBHOOK_MISSING_HEADER" | "WEBHOOK_MALFORMED_HEADER" | "WEBHOOK_TIMESTAMP_TOO_OLD"
  | "WEBHOOK_TIMESTAMP_TOO_NEW" | "WEBHOOK_SIGNATURE_MISMATCH" | "WEBHOOK_UNSIGNED" | "WEBHOOK_INVALID_SECRET"
  | "MODEL_MISSING" | "MODEL_INVALID" | "FACE_NOT_FOUND"
  | "NETWORK_ERROR" | "TIMEOUT";
export type VerificationStatus =
  | "DRAFT" | "IN_QUEUE" | "IN_PROGRESS" | "COMPLETED" | "FAILED" | "CANCELLED"
  | "NEED_REVIEW" | "FRAUD_DETECTED" | "PARTIALLY_COMPLETED" | "PARTIALLY_FAILED";
export interface Problem { field: string; reason: string }
export interface ErrorBody { error: { code: ErrorCodeName; message: string; details?: Problem[] } }
/** Thrown by every function: an Error with the core's code and body. */
export interface VeriscopeError extends Error {
  code: ErrorCodeName; httpStatus: number; details: Problem[]; body: ErrorBody;
}
/** Validation limits; missing keys keep the APIs' defaults. */
export interface Limits {
  maxInlineBytes?: number; maxUrlBytes?: number; maxUrlLength?: number;
  minWebhookSecretLength?: number; maxWebhookSecretLength?: number; maxIdentifierLength?: number; allowLoopbackWebhooks?: boolean;
}
export interface DocumentInfo {
  source: "multipart" | "base64"; format: DocumentFormat; mediaType: string; sizeBytes: number;
}
export interface DocumentUrl { source: "url"; url: string; host: string; port: number; maxBytes: number }
export interface DecodedDocument { info: DocumentInfo; bytes: Uint8Array }
export interface ErrorCodeInfo { code: ErrorCodeName; number: number; httpStatus: number; retryable: boolean }
export type JsonBody = string | Record<string, unknown>;
export type DocumentFormat = "jpeg" | "png" | "pdf";
export type DocumentType = "passport" | "id" | "drivers_license" | "utility_bill" | "financial" | "unknown";
export type ServiceId = "KTP_SELFIE" | "DOCUMENT_FORGERY";
export type ResultStatus = "VERIFIED" | "NOT_VERIFIED" | "PARTIALLY_NOT_VERIFIED";
export type FaceMatchLevel = "LOW" | "MEDIUM" | "HIGH";
/** File references by input name, e.g. `{ ktp_file: ["/uploads/ktp.jpg"] }`. */
export type InputFiles = Record<string, string[]>;
/** Service-specific input; fields the reference does not describe are kept. */
export interface VerificationInput {
  verification_type?: ServiceId | string; files?: InputFiles; fraud_detection?: boolean;
  [extra: string]: unknown;
}
/** `webhook_secret` sets the per-verification signing secret. */
export interface WebhookMetadata { webhook_secret?: string; [extra: string]: unknown }
/** A create-verification body, as checked against the service catalogue. */
export interface CreateVerificationRequest {
  service_id: ServiceId; folder_id?: string; input: VerificationInput; result_id?: string;
  webhook_url?: string; webhook_metadata?: WebhookMetadata;
}
/** A verification's result: the face fields for KTP_SELFIE, and any others kept. */
export interface VerificationResult {
  face_match_confidence_level?: FaceMatchLevel; face_match_confidence_score?: number; is_match_face?: boolean;
  [extra: string]: unknown;
}
/** A verification as the verification API returns it: every reference field, null when unset. */
export interface Verification {
  id: string; user_id: string | null; api_key_id: string | null; folder_id: string | null;
  result_id: string | null; processing_time: number | null; status: VerificationStatus;
  started_at: string | null; completed_at: string | null; input: VerificationInput | null;
  input_files: InputFiles | null; result: VerificationResult | null; result_url: string | null;
  result_status: ResultStatus | null; external_job_ids: unknown; webhook_url: string | null;
  webhook_metadata: WebhookMetadata | null; export_url: string | null; credits_used: number | null;
  file_count: number | null; page_count: number | null; created_at: string | null; updated_at: string | null;
  [extra: string]: unknown;
}
export interface ServiceFile {
  name: string; description: string; required: boolean; max_files: number; formats: DocumentFormat[];
}
export interface ServiceOption { name: string; description: string; kind: "boolean" | "string"; required: boolean }
/** One entry of the service catalogue (`GET /services`). */
export interface Service { id: ServiceId; name: string; description: string; files: ServiceFile[]; options: ServiceOption[] }
/** Something an MRZ or NIK check found wrong, with a stable code. */
export interface Finding { code: string; field: string; message: string }
export interface MrzCheck { field: string; expected: string; found: string; valid: boolean }
export type Sex = "male" | "female" | "unspecified";
/** A parsed and checked machine-readable zone; dates are "YYYY-MM-DD". */
export interface Mrz {
  format: "TD1" | "TD2" | "TD3" | "MRV-A" | "MRV-B"; documentCode: string; documentType: DocumentType;
  issuingState: string; surname: string; givenNames: string; nameTruncated: boolean; documentNumber: string;
  nationality: string; birthDate: string | null; sex: Sex; expiryDate: string | null; expired: boolean | null;
  optionalData: string; optionalData2?: string; checks: MrzCheck[]; findings: Finding[]; valid: boolean; lines: string[];
}
/** What an MRZ or NIK says about a forgery analysis. */
export interface ForgeryEvidence { documentType: DocumentType | null; flags: string[]; scoreFloor: number }
export interface MrzCorrection { line: number; column: number; read: string; corrected: string; reason: "field_type" | "check_digit" }
/** An MRZ read from an image, with per-character confidence and the corrections made. */
export interface MrzReading {
  mrz: Mrz; confidence: number[][]; minConfidence: number; corrections: MrzCorrection[];
  region: { x: number; y: number; width: number; height: number; angle_degrees: number };
  evidence: ForgeryEvidence;
}
/** A KTP NIK's parts and how they compare with the claimed fields. */
export interface NikReport {
  nik: string; provinceCode: string; province: string; regencyCode: string; isCity: boolean;
  districtCode: string; birthDate: string; sex: Sex; serial: string; findings: Finding[]; valid: boolean;
}
/** The forgery API's response. */
export interface ForgeryResponse { data: ForgeryReport }
/** One forensic signal of an analysis. */
export interface Signal { name: string; statistic: number; applicable: boolean; flags: string[] }
/** The whole analysis: the report and the evidence behind it. */
export interface ForgeryAnalysis {
  report: ForgeryReport; format: DocumentFormat; signals: Signal[]; features: number[];
  evidence: ForgeryEvidence | null;
  heatMap: { cell: number; columns: number; rows: number; values: number[] } | null;
  model: string;
}
export type WebhookScheme = "standard" | "timestamped" | "sha256";
/** Claimed fields to compare with a NIK. */
export interface NikClaims { birthDate?: string; sex?: "male" | "female"; province?: string }
/** Options of a forgery analysis; all optional. */
export interface AnalysisOptions {
  /** The report's id; default: a UUID derived from the file's SHA-256. */
  id?: string;
  /** Look for an MRZ in card- and page-shaped images (default true). */
  readMrz?: boolean;
  /** MRZ text read by other means, checked instead of reading the image. */
  mrzText?: string;
  /** A KTP's NIK, checked against nikClaims. */
  nik?: string; nikClaims?: NikClaims;
  /** "YYYY-MM-DD"; default: today. */
  today?: string;
  /** Most pixels decoded (default 40 million). */
  maxPixels?: number;
  /** Return the whole analysis (signals, features, heat map). */
  details?: boolean;
}
/** The forgery API's report. */
export interface ForgeryReport {
  id: string; forgeryScore: number; confidence: "low" | "medium" | "high";
  documentType: DocumentType; flags: string[]; latencyMs: number;
  /** Fields a hosted API adds beyond the reference are kept. */
  [extra: string]: unknown;
}
/** Options of a face match; all optional. */
export interface FaceMatchOptions {
  /** Distance at or below which the match is HIGH (default 0.5). */
  highThreshold?: number;
  /** Distance at or below which the faces match (default 0.6). */
  matchThreshold?: number;
  /** Most pixels decoded per image (default 40 million). */
  maxPixels?: number;
  /** Look for sideways or upside-down faces (default true). */
  tryRotations?: boolean;
  /** Include both faces' boxes, landmarks and quality. */
  details?: boolean;
}
export interface FaceObservation {
  rect: [number, number, number, number]; landmarks: Array<[number, number]>;
  detector_score: number; rotation: number; face_size: number; sharpness: number; faces_found: number;
}
/** The verification API's face fields, with the evidence behind them. */
export interface FaceComparison {
  face_match_confidence_level: FaceMatchLevel;
  face_match_confidence_score: number;
  is_match_face: boolean;
  distance: number;
  flags: string[];
  id_card_face?: FaceObservation;
  selfie_face?: FaceObservation;
}
/** Headers as an object, a `Headers`/`Map`, or a list of [name, value] pairs. */
export type WebhookHeaders = Record<string, string> | Headers | Map<string, string> | Array<[string, string]>;
export interface WebhookVerifyOptions {
  /** "whsec_<base64>" or a plain per-verification secret; several during a rotation. */
  secret?: string; secrets?: string[];
  toleranceSeconds?: number; scheme?: WebhookScheme; allowUnsigned?: boolean;
  /** Unix seconds; default Date.now(). */
  now?: number;
}
export interface WebhookSignOptions {
  secret?: string; secrets?: string[]; scheme?: WebhookScheme; id?: string;
  /** Unix seconds; default Date.now(). */
  timestamp?: number;
}
export type WebhookOutcome =
  | { status: "verified"; scheme: WebhookScheme; id?: string; timestamp?: number; secretIndex: number }
  | { status: "unsigned" };
export interface WebhookEvent { outcome: WebhookOutcome; verification: Verification }
"#;

/// The core's error as a thrown JS `Error` with `code`, `httpStatus`, `details`, `body`.
fn to_js_error(err: &Error) -> JsValue {
    let error = js_sys::Error::new(err.message());
    error.set_name("VeriscopeError");
    let body = JSON::parse(&err.to_json()).unwrap_or(JsValue::NULL);
    let details = Reflect::get(&body, &"error".into())
        .and_then(|inner| Reflect::get(&inner, &"details".into()))
        .ok()
        .filter(|details| !details.is_undefined())
        .unwrap_or_else(|| js_sys::Array::new().into());
    let fields: [(&str, JsValue); 4] = [
        ("code", err.code().as_str().into()),
        ("httpStatus", err.http_status().into()),
        ("details", details),
        ("body", body),
    ];
    for (name, value) in fields {
        // Setting a property on a fresh Error cannot fail.
        let _ = Reflect::set(&error, &name.into(), &value);
    }
    error.into()
}

fn answer<T: serde::Serialize>(result: Result<T, Error>) -> Result<JsValue, JsValue> {
    match result {
        Ok(value) => JSON::parse(&veriscope::to_json(&value)),
        Err(err) => Err(to_js_error(&err)),
    }
}

/// A JSON string as is, or any other value through `JSON.stringify`.
fn json_text(value: &JsValue, what: &str) -> Result<String, JsValue> {
    if let Some(text) = value.as_string() {
        return Ok(text);
    }
    JSON::stringify(value)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| {
            to_js_error(&Error::new(
                ErrorCode::InvalidArgument,
                format!("{what} must be a JSON string or a JSON-serialisable object"),
            ))
        })
}

fn limits_arg(limits: &JsValue) -> Result<Limits, JsValue> {
    if limits.is_undefined() || limits.is_null() {
        return Ok(Limits::default());
    }
    Limits::from_json(&json_text(limits, "limits")?).map_err(|err| to_js_error(&err))
}

/// The library's version.
#[wasm_bindgen]
pub fn version() -> String {
    veriscope::VERSION.to_owned()
}

/// Checks a multipart upload: size limit, then format from magic bytes.
#[wasm_bindgen(js_name = checkDocumentBytes, unchecked_return_type = "DocumentInfo")]
pub fn check_document_bytes(
    data: &[u8],
    #[wasm_bindgen(unchecked_optional_param_type = "Limits")] limits: JsValue,
) -> Result<JsValue, JsValue> {
    answer(validate::check_document_bytes(data, &limits_arg(&limits)?))
}

/// Decodes and checks base64 text (plain or data URL); returns `{info, bytes}`.
#[wasm_bindgen(js_name = decodeDocumentBase64, unchecked_return_type = "DecodedDocument")]
pub fn decode_document_base64(
    text: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "Limits")] limits: JsValue,
) -> Result<JsValue, JsValue> {
    let decoded = validate::decode_document_base64(text, &limits_arg(&limits)?)
        .map_err(|err| to_js_error(&err))?;
    let result = js_sys::Object::new();
    Reflect::set(&result, &"info".into(), &answer(Ok(decoded.info))?)?;
    Reflect::set(
        &result,
        &"bytes".into(),
        &Uint8Array::from(decoded.bytes.as_slice()),
    )?;
    Ok(result.into())
}

/// Checks a `documentUrl`: HTTPS, no credentials, no private or loopback address.
#[wasm_bindgen(js_name = checkDocumentUrl, unchecked_return_type = "DocumentUrl")]
pub fn check_document_url(
    url: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "Limits")] limits: JsValue,
) -> Result<JsValue, JsValue> {
    answer(validate::check_document_url(url, &limits_arg(&limits)?))
}

/// Checks a `POST /api/v1/verify` JSON body (text or object).
#[wasm_bindgen(js_name = checkVerifyRequest, unchecked_return_type = "DocumentInfo | DocumentUrl")]
pub fn check_verify_request(
    #[wasm_bindgen(unchecked_param_type = "JsonBody")] body: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Limits")] limits: JsValue,
) -> Result<JsValue, JsValue> {
    let body = json_text(&body, "body")?;
    answer(validate::check_verify_request(&body, &limits_arg(&limits)?))
}

/// Checks a create-verification body against the service catalogue.
#[wasm_bindgen(js_name = checkCreateVerification, unchecked_return_type = "CreateVerificationRequest")]
pub fn check_create_verification(
    #[wasm_bindgen(unchecked_param_type = "JsonBody")] body: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Limits")] limits: JsValue,
) -> Result<JsValue, JsValue> {
    let body = json_text(&body, "body")?;
    answer(validate::check_create_verification(
        &body,
        &limits_arg(&limits)?,
    ))
}

/// Parses a verification object; returns it with every reference field.
#[wasm_bindgen(js_name = parseVerification, unchecked_return_type = "Verification")]
pub fn parse_verification(
    #[wasm_bindgen(unchecked_param_type = "JsonBody")] body: JsValue,
) -> Result<JsValue, JsValue> {
    let body = json_text(&body, "body")?;
    answer(veriscope::from_json::<Verification>(
        &body,
        "verification object",
    ))
}

/// Parses a forgery API response `{"data": {...}}`.
#[wasm_bindgen(js_name = parseForgeryResponse, unchecked_return_type = "ForgeryResponse")]
pub fn parse_forgery_response(
    #[wasm_bindgen(unchecked_param_type = "JsonBody")] body: JsValue,
) -> Result<JsValue, JsValue> {
    let body = json_text(&body, "body")?;
    answer(veriscope::from_json::<ForgeryResponse>(
        &body,
        "forgery response",
    ))
}

/// The service catalogue, as `GET /services` returns it.
#[wasm_bindgen(unchecked_return_type = "Service[]")]
pub fn services() -> Result<JsValue, JsValue> {
    answer(Ok(veriscope::model::catalogue()))
}

/// Every error code with its number, HTTP status and retry hint.
#[wasm_bindgen(js_name = errorCodes, unchecked_return_type = "ErrorCodeInfo[]")]
pub fn error_codes() -> Result<JsValue, JsValue> {
    answer(Ok(veriscope::error_codes()))
}

fn status_arg(name: &str) -> Result<VerificationStatus, JsValue> {
    name.parse().map_err(|err| to_js_error(&err))
}

/// Whether a verification may move from status `from` to `to`.
#[wasm_bindgen(js_name = canTransition)]
pub fn can_transition(
    #[wasm_bindgen(unchecked_param_type = "VerificationStatus")] from: &str,
    #[wasm_bindgen(unchecked_param_type = "VerificationStatus")] to: &str,
) -> Result<bool, JsValue> {
    Ok(status_arg(from)?.can_transition_to(status_arg(to)?))
}

/// Throws an `INVALID_TRANSITION` error unless the move is legal.
#[wasm_bindgen(js_name = checkTransition)]
pub fn check_transition(
    #[wasm_bindgen(unchecked_param_type = "VerificationStatus")] from: &str,
    #[wasm_bindgen(unchecked_param_type = "VerificationStatus")] to: &str,
) -> Result<(), JsValue> {
    let (from, to) = (status_arg(from)?, status_arg(to)?);
    from.transition_to(to)
        .map(drop)
        .map_err(|err| to_js_error(&err.into()))
}

/// Whether `status` admits no further change.
#[wasm_bindgen(js_name = isTerminal)]
pub fn is_terminal(
    #[wasm_bindgen(unchecked_param_type = "VerificationStatus")] status: &str,
) -> Result<bool, JsValue> {
    Ok(status_arg(status)?.is_terminal())
}

/// The statuses `status` may move to.
#[wasm_bindgen(js_name = allowedTransitions, unchecked_return_type = "VerificationStatus[]")]
pub fn allowed_transitions(
    #[wasm_bindgen(unchecked_param_type = "VerificationStatus")] status: &str,
) -> Result<JsValue, JsValue> {
    answer(Ok(status_arg(status)?.allowed_transitions()))
}

fn invalid_argument(message: &str) -> JsValue {
    to_js_error(&Error::new(ErrorCode::InvalidArgument, message))
}

/// Body bytes from a `Uint8Array` or a string (UTF-8).
fn body_arg(body: &JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(text) = body.as_string() {
        return Ok(text.into_bytes());
    }
    body.dyn_ref::<Uint8Array>()
        .map(Uint8Array::to_vec)
        .ok_or_else(|| invalid_argument("body must be a Uint8Array or a string"))
}

/// Headers from an iterable of pairs (`Headers`, `Map`, arrays) or a plain object.
fn headers_arg(headers: &JsValue) -> Result<HeaderMap, JsValue> {
    if !headers.is_string()
        && let Some(pairs) = js_sys::try_iter(headers)?
    {
        let mut map = HeaderMap::new();
        for pair in pairs {
            let pair = js_sys::Array::from(&pair?);
            let (name, value) = (pair.get(0).as_string(), pair.get(1).as_string());
            let (Some(name), Some(value)) = (name, value) else {
                return Err(invalid_argument(
                    "each header must be a [name, value] pair of strings",
                ));
            };
            map.insert(name, value);
        }
        return Ok(map);
    }
    HeaderMap::from_json(&json_text(headers, "headers")?).map_err(|err| to_js_error(&err))
}

/// The current time in Unix seconds, from the JS clock.
fn js_now() -> i64 {
    (js_sys::Date::now() / 1000.0).floor() as i64
}

fn verify_options(options: &JsValue) -> Result<VerifyOptions, JsValue> {
    let mut options = VerifyOptions::from_json(&json_text(options, "options")?)
        .map_err(|err| to_js_error(&err))?;
    options.set_now_if_absent(js_now());
    Ok(options)
}

/// Verifies a webhook: the raw body as received, its headers, and the secrets.
#[wasm_bindgen(js_name = webhookVerify, unchecked_return_type = "WebhookOutcome")]
pub fn webhook_verify(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] body: JsValue,
    #[wasm_bindgen(unchecked_param_type = "WebhookHeaders")] headers: JsValue,
    #[wasm_bindgen(unchecked_param_type = "WebhookVerifyOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let (body, headers, options) = (
        body_arg(&body)?,
        headers_arg(&headers)?,
        verify_options(&options)?,
    );
    answer(options.verify(&headers, &body))
}

/// Verifies a webhook, then reads its body as the verification object.
#[wasm_bindgen(js_name = webhookVerifyEvent, unchecked_return_type = "WebhookEvent")]
pub fn webhook_verify_event(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] body: JsValue,
    #[wasm_bindgen(unchecked_param_type = "WebhookHeaders")] headers: JsValue,
    #[wasm_bindgen(unchecked_param_type = "WebhookVerifyOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let (body, headers, options) = (
        body_arg(&body)?,
        headers_arg(&headers)?,
        verify_options(&options)?,
    );
    answer(options.verify_event(&headers, &body))
}

/// Signs a webhook body; returns the headers to send.
#[wasm_bindgen(js_name = webhookSign, unchecked_return_type = "Record<string, string>")]
pub fn webhook_sign(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] body: JsValue,
    #[wasm_bindgen(unchecked_param_type = "WebhookSignOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let body = body_arg(&body)?;
    let mut options = SignOptions::from_json(&json_text(&options, "options")?)
        .map_err(|err| to_js_error(&err))?;
    options.set_timestamp_if_absent(js_now());
    answer(options.sign(&body))
}

/// A reusable webhook verifier: secrets and settings parsed once.
#[wasm_bindgen(js_name = WebhookVerifier)]
#[derive(Debug)]
pub struct WebhookVerifier {
    inner: veriscope::webhook::Verifier,
}

#[wasm_bindgen(js_class = WebhookVerifier)]
impl WebhookVerifier {
    /// `options` as for `webhookVerify`; `now` is ignored here (pass it per call).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "WebhookVerifyOptions")] options: JsValue,
    ) -> Result<WebhookVerifier, JsValue> {
        let inner = verify_options(&options)?
            .verifier()
            .map_err(|err| to_js_error(&err))?;
        Ok(WebhookVerifier { inner })
    }

    /// Verifies a webhook at `now` (Unix seconds; default `Date.now()`).
    #[wasm_bindgen(unchecked_return_type = "WebhookOutcome")]
    pub fn verify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] body: JsValue,
        #[wasm_bindgen(unchecked_param_type = "WebhookHeaders")] headers: JsValue,
        now: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        self.check(
            &body,
            &headers,
            now,
            veriscope::webhook::Verifier::verify_at,
        )
    }

    /// Verifies a webhook, then reads its body as the verification object.
    #[wasm_bindgen(js_name = verifyEvent, unchecked_return_type = "WebhookEvent")]
    pub fn verify_event(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] body: JsValue,
        #[wasm_bindgen(unchecked_param_type = "WebhookHeaders")] headers: JsValue,
        now: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        self.check(
            &body,
            &headers,
            now,
            veriscope::webhook::Verifier::verify_event_at,
        )
    }
}

impl WebhookVerifier {
    /// Converts the arguments, runs `work`, converts its answer.
    fn check<T: serde::Serialize>(
        &self,
        body: &JsValue,
        headers: &JsValue,
        now: Option<f64>,
        work: impl FnOnce(&veriscope::webhook::Verifier, &HeaderMap, &[u8], i64) -> Result<T, Error>,
    ) -> Result<JsValue, JsValue> {
        let (body, headers) = (body_arg(body)?, headers_arg(headers)?);
        answer(work(
            &self.inner,
            &headers,
            &body,
            now.map_or_else(js_now, |now| now as i64),
        ))
    }
}

/// `YYYY-MM-DD`, or today's UTC date from the JS clock.
fn today_arg(today: Option<String>) -> Result<veriscope::mrz::Date, JsValue> {
    match today {
        Some(text) => text.parse().map_err(|err| to_js_error(&err)),
        None => Ok(veriscope::mrz::Date::from_unix(js_now())),
    }
}

/// Parses and checks MRZ text (TD1, TD2, TD3, MRV-A, MRV-B).
#[wasm_bindgen(js_name = parseMrz, unchecked_return_type = "Mrz")]
pub fn parse_mrz(text: &str, today: Option<String>) -> Result<JsValue, JsValue> {
    answer(veriscope::mrz::parse_mrz(text, today_arg(today)?))
}

/// Finds and reads the MRZ of a JPEG or PNG image.
#[wasm_bindgen(js_name = readMrz, unchecked_return_type = "MrzReading")]
pub fn read_mrz(data: &[u8], today: Option<String>) -> Result<JsValue, JsValue> {
    answer(veriscope::mrz::read_mrz(
        data,
        &veriscope::media::DecodeLimits::default(),
        today_arg(today)?,
    ))
}

/// Parses a KTP NIK and compares it with claimed fields.
#[wasm_bindgen(js_name = checkNik, unchecked_return_type = "NikReport")]
pub fn check_nik(
    nik: &str,
    #[wasm_bindgen(unchecked_optional_param_type = "NikClaims")] claims: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "string")] today: Option<String>,
) -> Result<JsValue, JsValue> {
    let claims = if claims.is_undefined() || claims.is_null() {
        veriscope::mrz::NikClaims::default()
    } else {
        veriscope::mrz::NikClaims::from_json(&json_text(&claims, "claims")?)
            .map_err(|err| to_js_error(&err))?
    };
    answer(veriscope::mrz::check_nik_text(
        nik,
        &claims,
        today_arg(today)?,
    ))
}

/// The face-match models, built from the bytes of
/// `seeta_fd_frontal_v1.0.bin`, `shape_predictor_5_face_landmarks.dat` and
/// `dlib_face_recognition_resnet_model_v1.dat` (fetch them once, e.g. from
/// your own server; they are 31 MB together).
#[wasm_bindgen(js_name = FaceModels)]
#[derive(Debug)]
pub struct FaceModels {
    inner: veriscope::face::FaceModels,
}

#[wasm_bindgen(js_class = FaceModels)]
impl FaceModels {
    /// Parses the three models; a wrong file throws `MODEL_INVALID`.
    #[wasm_bindgen(constructor)]
    pub fn new(detector: &[u8], landmarks: &[u8], embedder: &[u8]) -> Result<FaceModels, JsValue> {
        veriscope::face::FaceModels::from_bytes(detector, landmarks, embedder)
            .map(|inner| FaceModels { inner })
            .map_err(|err| to_js_error(&err))
    }

    /// Compares the portrait on an ID card with the face in a selfie (JPEG
    /// or PNG bytes). Throws `FACE_NOT_FOUND` naming the image without a face.
    #[wasm_bindgen(unchecked_return_type = "FaceComparison")]
    pub fn compare(
        &self,
        id_card: &[u8],
        selfie: &[u8],
        #[wasm_bindgen(unchecked_optional_param_type = "FaceMatchOptions")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let text = if options.is_undefined() || options.is_null() {
            String::new()
        } else {
            json_text(&options, "options")?
        };
        let (options, details) =
            veriscope::face::FaceMatchOptions::from_json(&text).map_err(|err| to_js_error(&err))?;
        match self.inner.compare(id_card, selfie, &options) {
            Ok(comparison) => JSON::parse(&comparison.to_json(details)),
            Err(err) => Err(to_js_error(&err)),
        }
    }
}

/// Analyses a JPEG, PNG or PDF for forgery: the forgery API's response
/// `{data: {...}}`, or with `details` the whole analysis.
#[wasm_bindgen(unchecked_return_type = "ForgeryResponse | ForgeryAnalysis")]
pub fn analyze(
    data: &[u8],
    #[wasm_bindgen(unchecked_optional_param_type = "AnalysisOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let options = if options.is_undefined() || options.is_null() {
        veriscope::analysis::AnalysisOptions::default()
    } else {
        veriscope::analysis::AnalysisOptions::from_json(&json_text(&options, "options")?)
            .map_err(|err| to_js_error(&err))?
    };
    match veriscope::analysis::analyze_to_json(data, &options) {
        Ok(json) => JSON::parse(&json),
        Err(err) => Err(to_js_error(&err)),
    }
}
