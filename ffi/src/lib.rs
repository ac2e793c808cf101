//! The C ABI of Veriscope.
//!
//! A door, not a second implementation: every function converts its
//! arguments, calls the `veriscope` crate, and converts the answer back —
//! results as JSON text identical to every other door's, failures as a
//! [`VsStatus`] plus a thread-local message and error body. No panic crosses
//! the boundary: each call runs under `catch_unwind`.

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

use veriscope::validate::{self, Limits};
use veriscope::webhook::{HeaderMap, SignOptions, VerifyOptions};
use veriscope::{Error, ErrorCode, ForgeryResponse, Verification, VerificationStatus};

/// Result of every `vs_*` call: `VS_STATUS_OK` or the error's code. The
/// numbers are stable and equal to the error codes' numbers in every door.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VsStatus {
    /// Success.
    Ok = 0,
    /// `VALIDATION_ERROR`: the input is malformed.
    ValidationError = 1,
    /// `UNAUTHORIZED`: missing or invalid API key.
    Unauthorized = 2,
    /// `TRIAL_EXHAUSTED`: the free tier is used up.
    TrialExhausted = 3,
    /// `UNSUPPORTED_FORMAT`: not a JPEG, PNG or PDF.
    UnsupportedFormat = 4,
    /// `FILE_TOO_LARGE`: over a size, pixel or page limit.
    FileTooLarge = 5,
    /// `FETCH_FAILED`: a document URL could not be fetched.
    FetchFailed = 6,
    /// `RATE_LIMITED`: too many requests.
    RateLimited = 7,
    /// `CAP_EXCEEDED`: monthly spend cap reached.
    CapExceeded = 8,
    /// `INVALID_TRANSITION`: a status change the transition table forbids.
    InvalidTransition = 9,
    /// `INVALID_ARGUMENT`: NULL pointer, text that is not UTF-8, unknown name.
    InvalidArgument = 10,
    /// `NOT_FOUND`: the object does not exist.
    NotFound = 11,
    /// `INTERNAL_ERROR`: a bug in Veriscope (including a caught panic).
    InternalError = 12,
    /// `WEBHOOK_MISSING_HEADER`: a header the signature scheme needs is absent.
    WebhookMissingHeader = 13,
    /// `WEBHOOK_MALFORMED_HEADER`: a signature or timestamp header cannot be parsed.
    WebhookMalformedHeader = 14,
    /// `WEBHOOK_TIMESTAMP_TOO_OLD`: older than the tolerance.
    WebhookTimestampTooOld = 15,
    /// `WEBHOOK_TIMESTAMP_TOO_NEW`: further in the future than the tolerance.
    WebhookTimestampTooNew = 16,
    /// `WEBHOOK_SIGNATURE_MISMATCH`: no signature matched any secret.
    WebhookSignatureMismatch = 17,
    /// `WEBHOOK_UNSIGNED`: no signature at all, and unsigned payloads are not allowed.
    WebhookUnsigned = 18,
    /// `WEBHOOK_INVALID_SECRET`: an empty or undecodable secret.
    WebhookInvalidSecret = 19,
    /// `MODEL_MISSING`: a face-match model file is absent; run `scripts/fetch-models`.
    ModelMissing = 20,
    /// `MODEL_INVALID`: a model file is corrupt or not the expected network.
    ModelInvalid = 21,
    /// `FACE_NOT_FOUND`: no usable face in an image given for face matching.
    FaceNotFound = 22,
    /// `NETWORK_ERROR`: the client could not reach the API.
    NetworkError = 23,
    /// `TIMEOUT`: a request or a wait passed its deadline.
    Timeout = 24,
}

impl From<ErrorCode> for VsStatus {
    fn from(code: ErrorCode) -> Self {
        match code {
            ErrorCode::ValidationError => VsStatus::ValidationError,
            ErrorCode::Unauthorized => VsStatus::Unauthorized,
            ErrorCode::TrialExhausted => VsStatus::TrialExhausted,
            ErrorCode::UnsupportedFormat => VsStatus::UnsupportedFormat,
            ErrorCode::FileTooLarge => VsStatus::FileTooLarge,
            ErrorCode::FetchFailed => VsStatus::FetchFailed,
            ErrorCode::RateLimited => VsStatus::RateLimited,
            ErrorCode::CapExceeded => VsStatus::CapExceeded,
            ErrorCode::InvalidTransition => VsStatus::InvalidTransition,
            ErrorCode::InvalidArgument => VsStatus::InvalidArgument,
            ErrorCode::NotFound => VsStatus::NotFound,
            ErrorCode::WebhookMissingHeader => VsStatus::WebhookMissingHeader,
            ErrorCode::WebhookMalformedHeader => VsStatus::WebhookMalformedHeader,
            ErrorCode::WebhookTimestampTooOld => VsStatus::WebhookTimestampTooOld,
            ErrorCode::WebhookTimestampTooNew => VsStatus::WebhookTimestampTooNew,
            ErrorCode::WebhookSignatureMismatch => VsStatus::WebhookSignatureMismatch,
            ErrorCode::WebhookUnsigned => VsStatus::WebhookUnsigned,
            ErrorCode::WebhookInvalidSecret => VsStatus::WebhookInvalidSecret,
            ErrorCode::ModelMissing => VsStatus::ModelMissing,
            ErrorCode::ModelInvalid => VsStatus::ModelInvalid,
            ErrorCode::FaceNotFound => VsStatus::FaceNotFound,
            ErrorCode::NetworkError => VsStatus::NetworkError,
            ErrorCode::Timeout => VsStatus::Timeout,
            _ => VsStatus::InternalError,
        }
    }
}

/// Validation limits (opaque). Create with `vs_limits_new`, release with
/// `vs_limits_free`; immutable, so one handle may be shared by threads.
/// Functions taking a `const VsLimits *` use the APIs' defaults when it is NULL.
#[derive(Debug)]
pub struct VsLimits(Limits);

struct LastError {
    message: CString,
    json: CString,
}

thread_local! {
    static LAST_ERROR: RefCell<Option<LastError>> = const { RefCell::new(None) };
}

fn c_string(text: String) -> CString {
    CString::new(text).unwrap_or_else(|err| {
        let mut bytes = err.into_vec();
        bytes.retain(|&b| b != 0);
        CString::new(bytes).unwrap_or_default()
    })
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("unknown panic")
}

/// Runs one call: clears the last error, catches panics, records failures.
fn run(call: impl FnOnce() -> Result<(), Error>) -> VsStatus {
    LAST_ERROR.with(|last| last.borrow_mut().take());
    let outcome = catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|payload| {
        Err(Error::new(
            ErrorCode::Internal,
            format!("internal panic: {}", panic_message(payload.as_ref())),
        ))
    });
    match outcome {
        Ok(()) => VsStatus::Ok,
        Err(err) => {
            let status = VsStatus::from(err.code());
            let record = LastError {
                message: c_string(err.message().to_owned()),
                json: c_string(err.to_json()),
            };
            LAST_ERROR.with(|last| *last.borrow_mut() = Some(record));
            status
        }
    }
}

fn invalid_argument(message: String) -> Error {
    Error::new(ErrorCode::InvalidArgument, message)
}

/// Reads a NUL-terminated UTF-8 argument.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that outlives the call.
unsafe fn text_arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Error> {
    if ptr.is_null() {
        return Err(invalid_argument(format!("argument `{name}` is NULL")));
    }
    // SAFETY: non-NULL and NUL-terminated per the function's contract.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str()
        .map_err(|err| invalid_argument(format!("argument `{name}` is not valid UTF-8: {err}")))
}

/// Reads a byte-buffer argument; NULL is allowed only with length 0.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes that outlive the call.
unsafe fn bytes_arg<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8], Error> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(invalid_argument(format!(
                "argument `{name}` is NULL but its length is {len}"
            )))
        };
    }
    // SAFETY: non-NULL and `len` bytes readable per the function's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Checks an out-parameter and resets what it points at.
///
/// # Safety
/// `out` is NULL or valid for writes.
unsafe fn out_arg<'a, T>(out: *mut T, name: &str, empty: T) -> Result<&'a mut T, Error> {
    if out.is_null() {
        return Err(invalid_argument(format!("out-parameter `{name}` is NULL")));
    }
    // SAFETY: non-NULL and writable per the function's contract.
    unsafe {
        out.write(empty);
        Ok(&mut *out)
    }
}

/// # Safety
/// `limits` is NULL or a pointer returned by `vs_limits_new` and not freed.
unsafe fn limits_arg<'a>(limits: *const VsLimits) -> std::borrow::Cow<'a, Limits> {
    // SAFETY: per the function's contract.
    match unsafe { limits.as_ref() } {
        Some(limits) => std::borrow::Cow::Borrowed(&limits.0),
        None => std::borrow::Cow::Owned(Limits::default()),
    }
}

/// One text argument in, the JSON of `work`'s answer out: the shape of most calls.
///
/// # Safety
/// `text` NULL or NUL-terminated; `out_json` NULL or valid for writes.
unsafe fn text_to_json<T: serde::Serialize>(
    text: *const c_char,
    name: &str,
    out_json: *mut *mut c_char,
    work: impl FnOnce(&str) -> Result<T, Error>,
) -> VsStatus {
    run(|| {
        // SAFETY: per the caller's contract.
        let (out, text) = unsafe {
            (
                out_arg(out_json, "out_json", ptr::null_mut())?,
                text_arg(text, name)?,
            )
        };
        give_json(out, veriscope::to_json(&work(text)?));
        Ok(())
    })
}

/// The arguments every webhook verification takes, parsed, then `work`'s JSON out.
///
/// # Safety
/// As `vs_webhook_verify`.
unsafe fn webhook_to_json<T: serde::Serialize>(
    options_json: *const c_char,
    headers_json: *const c_char,
    body: *const u8,
    len: usize,
    out_json: *mut *mut c_char,
    work: impl FnOnce(VerifyOptions, HeaderMap, &[u8]) -> Result<T, Error>,
) -> VsStatus {
    run(|| {
        // SAFETY: per the caller's contract.
        let (out, options, headers, body) = unsafe {
            (
                out_arg(out_json, "out_json", ptr::null_mut())?,
                text_arg(options_json, "options_json")?,
                text_arg(headers_json, "headers_json")?,
                bytes_arg(body, len, "body")?,
            )
        };
        let answer = work(
            VerifyOptions::from_json(options)?,
            HeaderMap::from_json(headers)?,
            body,
        )?;
        give_json(out, veriscope::to_json(&answer));
        Ok(())
    })
}

fn give_json(out: &mut *mut c_char, json: String) {
    *out = c_string(json).into_raw();
}

/// The library's version, e.g. "0.1.0". Static; do not free.
#[unsafe(no_mangle)]
pub extern "C" fn vs_version() -> *const c_char {
    static VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(version) => version,
            Err(_) => c"unknown",
        };
    VERSION.as_ptr()
}

/// The stable name of a status, e.g. "FILE_TOO_LARGE" for 5, "OK" for 0;
/// NULL for a number that is no status. Static; do not free.
#[unsafe(no_mangle)]
pub extern "C" fn vs_status_name(status: i32) -> *const c_char {
    if status == 0 {
        return c"OK".as_ptr();
    }
    static NAMES: std::sync::LazyLock<Vec<(u32, CString)>> = std::sync::LazyLock::new(|| {
        ErrorCode::ALL
            .iter()
            .map(|code| (code.number(), c_string(code.as_str().to_owned())))
            .collect()
    });
    u32::try_from(status)
        .ok()
        .and_then(|number| NAMES.iter().find(|(n, _)| *n == number))
        .map_or(ptr::null(), |(_, name)| name.as_ptr())
}

/// The HTTP status the APIs answer with for an error status (400, 422, ...);
/// 200 for `VS_STATUS_OK`, 0 for a number that is no status.
#[unsafe(no_mangle)]
pub extern "C" fn vs_status_http_status(status: i32) -> u16 {
    if status == 0 {
        return 200;
    }
    u32::try_from(status)
        .ok()
        .and_then(ErrorCode::from_number)
        .map_or(0, ErrorCode::http_status)
}

/// The message of the last failed call on this thread, or NULL if the last
/// call succeeded. Valid until the next `vs_*` call on this thread; do not free.
#[unsafe(no_mangle)]
pub extern "C" fn vs_last_error_message() -> *const c_char {
    LAST_ERROR.with(|last| {
        last.borrow()
            .as_ref()
            .map_or(ptr::null(), |e| e.message.as_ptr())
    })
}

/// The last failure on this thread as the APIs' error body,
/// `{"error":{"code","message","details"}}`, or NULL. Same lifetime as
/// `vs_last_error_message`.
#[unsafe(no_mangle)]
pub extern "C" fn vs_last_error_json() -> *const c_char {
    LAST_ERROR.with(|last| {
        last.borrow()
            .as_ref()
            .map_or(ptr::null(), |e| e.json.as_ptr())
    })
}

/// Releases a string returned through a `char **` out-parameter. NULL is ignored.
///
/// # Safety
/// `text` is NULL or a string from this library, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_string_free(text: *mut c_char) {
    if !text.is_null() {
        // SAFETY: created by `CString::into_raw` in `give_json`.
        drop(unsafe { CString::from_raw(text) });
    }
}

/// Releases a byte buffer returned through a `uint8_t **` out-parameter,
/// with the length returned beside it. NULL is ignored.
///
/// # Safety
/// `bytes`/`len` are NULL/any or a buffer from this library, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_bytes_free(bytes: *mut u8, len: usize) {
    if !bytes.is_null() {
        // SAFETY: created by `Box::<[u8]>::into_raw` with this length.
        drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(bytes, len)) });
    }
}

/// Creates limits from JSON (camelCase or snake_case keys, e.g.
/// `{"maxInlineBytes": 1048576}`; missing keys keep the APIs' defaults;
/// NULL means all defaults). Release with `vs_limits_free`.
///
/// # Safety
/// `json` is NULL or NUL-terminated; `out` is valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_limits_new(json: *const c_char, out: *mut *mut VsLimits) -> VsStatus {
    run(|| {
        // SAFETY: per this function's contract.
        let out = unsafe { out_arg(out, "out", ptr::null_mut())? };
        let limits = if json.is_null() {
            Limits::default()
        } else {
            // SAFETY: per this function's contract.
            Limits::from_json(unsafe { text_arg(json, "json")? })?
        };
        *out = Box::into_raw(Box::new(VsLimits(limits)));
        Ok(())
    })
}

/// Releases limits. NULL is ignored.
///
/// # Safety
/// `limits` is NULL or from `vs_limits_new`, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_limits_free(limits: *mut VsLimits) {
    if !limits.is_null() {
        // SAFETY: created by `Box::into_raw` in `vs_limits_new`.
        drop(unsafe { Box::from_raw(limits) });
    }
}

/// Checks a multipart document: size limit, then format from magic bytes.
/// On success `*out_json` is `{"source":"multipart","format","mediaType","sizeBytes"}`.
///
/// # Safety
/// `limits` NULL or live; `data` NULL (with `len` 0) or `len` readable bytes;
/// `out_json` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_check_document_bytes(
    limits: *const VsLimits,
    data: *const u8,
    len: usize,
    out_json: *mut *mut c_char,
) -> VsStatus {
    run(|| {
        // SAFETY: per this function's contract.
        let (out, data, limits) = unsafe {
            (
                out_arg(out_json, "out_json", ptr::null_mut())?,
                bytes_arg(data, len, "data")?,
                limits_arg(limits),
            )
        };
        let info = validate::check_document_bytes(data, &limits)?;
        give_json(out, veriscope::to_json(&info));
        Ok(())
    })
}

/// Decodes and checks a base64 document (plain or data URL; whitespace
/// ignored; the size limit applies to the decoded bytes). `*out_json` gets
/// `{"source":"base64",...}`; when `out_bytes` is not NULL it gets the decoded
/// bytes (free with `vs_bytes_free(*out_bytes, *out_len)`).
///
/// # Safety
/// `limits` NULL or live; `text` NUL-terminated; `out_json` valid for writes;
/// `out_bytes` and `out_len` both NULL or both valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_decode_document_base64(
    limits: *const VsLimits,
    text: *const c_char,
    out_json: *mut *mut c_char,
    out_bytes: *mut *mut u8,
    out_len: *mut usize,
) -> VsStatus {
    run(|| {
        // SAFETY: per this function's contract.
        let (out, text, limits) = unsafe {
            (
                out_arg(out_json, "out_json", ptr::null_mut())?,
                text_arg(text, "text")?,
                limits_arg(limits),
            )
        };
        let bytes_out = if out_bytes.is_null() {
            None
        } else {
            // SAFETY: per this function's contract.
            unsafe {
                Some((
                    out_arg(out_bytes, "out_bytes", ptr::null_mut())?,
                    out_arg(out_len, "out_len", 0)?,
                ))
            }
        };
        let decoded = validate::decode_document_base64(text, &limits)?;
        give_json(out, veriscope::to_json(&decoded.info));
        if let Some((bytes, len)) = bytes_out {
            *len = decoded.bytes.len();
            *bytes = Box::into_raw(decoded.bytes.into_boxed_slice()).cast::<u8>();
        }
        Ok(())
    })
}

/// Checks a `documentUrl`: HTTPS, no credentials, no loopback, private,
/// link-local or metadata address in any spelling. `*out_json` gets
/// `{"source":"url","url","host","port","maxBytes"}`.
///
/// # Safety
/// `limits` NULL or live; `url` NUL-terminated; `out_json` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_check_document_url(
    limits: *const VsLimits,
    url: *const c_char,
    out_json: *mut *mut c_char,
) -> VsStatus {
    // SAFETY: per this function's contract.
    let limits = unsafe { limits_arg(limits) };
    // SAFETY: per this function's contract.
    unsafe {
        text_to_json(url, "url", out_json, |url| {
            validate::check_document_url(url, &limits)
        })
    }
}

/// Checks the JSON body of the forgery API's `POST /api/v1/verify`
/// (`{"document": base64}` or `{"documentUrl": url}`).
///
/// # Safety
/// `limits` NULL or live; `body` NUL-terminated; `out_json` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_check_verify_request(
    limits: *const VsLimits,
    body: *const c_char,
    out_json: *mut *mut c_char,
) -> VsStatus {
    // SAFETY: per this function's contract.
    let limits = unsafe { limits_arg(limits) };
    // SAFETY: per this function's contract.
    unsafe {
        text_to_json(body, "body", out_json, |body| {
            validate::check_verify_request(body, &limits)
        })
    }
}

/// Checks a create-verification body against the service catalogue; every
/// problem is listed in the error's `details`. On success `*out_json` is the
/// normalised body.
///
/// # Safety
/// `limits` NULL or live; `body` NUL-terminated; `out_json` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_check_create_verification(
    limits: *const VsLimits,
    body: *const c_char,
    out_json: *mut *mut c_char,
) -> VsStatus {
    // SAFETY: per this function's contract.
    let limits = unsafe { limits_arg(limits) };
    // SAFETY: per this function's contract.
    unsafe {
        text_to_json(body, "body", out_json, |body| {
            validate::check_create_verification(body, &limits)
        })
    }
}

/// Parses a verification object (as the API returns it) and writes it back
/// normalised: every reference field present, unknown fields kept.
///
/// # Safety
/// `json` NUL-terminated; `out_json` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_parse_verification(
    json: *const c_char,
    out_json: *mut *mut c_char,
) -> VsStatus {
    // SAFETY: per this function's contract.
    unsafe {
        text_to_json(json, "json", out_json, |json| {
            veriscope::from_json::<Verification>(json, "verification object")
        })
    }
}

/// Parses a forgery API response (`{"data": {...}}`) and writes it back.
///
/// # Safety
/// `json` NUL-terminated; `out_json` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_parse_forgery_response(
    json: *const c_char,
    out_json: *mut *mut c_char,
) -> VsStatus {
    // SAFETY: per this function's contract.
    unsafe {
        text_to_json(json, "json", out_json, |json| {
            veriscope::from_json::<ForgeryResponse>(json, "forgery response")
        })
    }
}

/// The service catalogue, as `GET /services` returns it.
///
/// # Safety
/// `out_json` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_services_json(out_json: *mut *mut c_char) -> VsStatus {
    run(|| {
        // SAFETY: per this function's contract.
        let out = unsafe { out_arg(out_json, "out_json", ptr::null_mut())? };
        give_json(out, veriscope::to_json(&veriscope::model::catalogue()));
        Ok(())
    })
}

/// # Safety
/// `name` NUL-terminated.
unsafe fn status_arg(name: *const c_char, arg: &str) -> Result<VerificationStatus, Error> {
    // SAFETY: per the caller's contract.
    unsafe { text_arg(name, arg)? }.parse()
}

/// `VS_STATUS_OK` when a verification may move from status `from` to `to`
/// (names such as "IN_QUEUE"), `VS_STATUS_INVALID_TRANSITION` when the
/// transition table forbids it, `VS_STATUS_INVALID_ARGUMENT` for unknown names.
///
/// # Safety
/// `from` and `to` NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_status_check_transition(
    from: *const c_char,
    to: *const c_char,
) -> VsStatus {
    run(|| {
        // SAFETY: per this function's contract.
        let (from, to) = unsafe { (status_arg(from, "from")?, status_arg(to, "to")?) };
        from.transition_to(to)?;
        Ok(())
    })
}

/// Sets `*out_terminal` to whether `status` admits no further change.
///
/// # Safety
/// `status` NUL-terminated; `out_terminal` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_status_is_terminal(
    status: *const c_char,
    out_terminal: *mut bool,
) -> VsStatus {
    run(|| {
        // SAFETY: per this function's contract.
        let (out, status) = unsafe {
            (
                out_arg(out_terminal, "out_terminal", false)?,
                status_arg(status, "status")?,
            )
        };
        *out = status.is_terminal();
        Ok(())
    })
}

/// The statuses `status` may move to, as a JSON array of names.
///
/// # Safety
/// `status` NUL-terminated; `out_json` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_status_allowed_transitions(
    status: *const c_char,
    out_json: *mut *mut c_char,
) -> VsStatus {
    // SAFETY: per this function's contract.
    unsafe {
        text_to_json(status, "status", out_json, |status| {
            Ok(status.parse::<VerificationStatus>()?.allowed_transitions())
        })
    }
}

/// Verifies a webhook. `options_json`: `{"secrets": ["whsec_…", …] | "secret":
/// "…", "toleranceSeconds": 300, "scheme": "standard"|"timestamped"|"sha256",
/// "allowUnsigned": false, "now": <unix seconds, default: system clock>}`.
/// `headers_json`: an object of header names to values, or a list of
/// `[name, value]` pairs. `body`: the raw bytes received. On success
/// `*out_json` is `{"status":"verified","scheme",…}` (or `{"status":"unsigned"}`
/// when allowed); failures are the `WEBHOOK_*` statuses.
///
/// # Safety
/// `options_json` and `headers_json` NUL-terminated; `body` NULL (with `len`
/// 0) or `len` readable bytes; `out_json` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_webhook_verify(
    options_json: *const c_char,
    headers_json: *const c_char,
    body: *const u8,
    len: usize,
    out_json: *mut *mut c_char,
) -> VsStatus {
    // SAFETY: per this function's contract.
    unsafe {
        webhook_to_json(
            options_json,
            headers_json,
            body,
            len,
            out_json,
            |options, headers, body| options.verify(&headers, body),
        )
    }
}

/// Verifies a webhook like `vs_webhook_verify`, then reads its body as the
/// verification object: `*out_json` is `{"outcome": {...}, "verification": {...}}`.
///
/// # Safety
/// As `vs_webhook_verify`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_webhook_verify_event(
    options_json: *const c_char,
    headers_json: *const c_char,
    body: *const u8,
    len: usize,
    out_json: *mut *mut c_char,
) -> VsStatus {
    // SAFETY: per this function's contract.
    unsafe {
        webhook_to_json(
            options_json,
            headers_json,
            body,
            len,
            out_json,
            |options, headers, body| options.verify_event(&headers, body),
        )
    }
}

/// Signs a webhook body. `options_json`: `{"secrets": … | "secret": …,
/// "scheme": "standard", "id": "msg_…", "timestamp": <unix seconds, default:
/// now>}`. `*out_json` is the headers to send, as a JSON object.
///
/// # Safety
/// `options_json` NUL-terminated; `body` NULL (with `len` 0) or `len`
/// readable bytes; `out_json` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_webhook_sign(
    options_json: *const c_char,
    body: *const u8,
    len: usize,
    out_json: *mut *mut c_char,
) -> VsStatus {
    run(|| {
        // SAFETY: per this function's contract.
        let (out, options, body) = unsafe {
            (
                out_arg(out_json, "out_json", ptr::null_mut())?,
                text_arg(options_json, "options_json")?,
                bytes_arg(body, len, "body")?,
            )
        };
        give_json(
            out,
            veriscope::to_json(&SignOptions::from_json(options)?.sign(body)?),
        );
        Ok(())
    })
}

/// `today` as `YYYY-MM-DD`, or the system clock's date when NULL.
///
/// # Safety
/// `today` NULL or NUL-terminated.
unsafe fn today_arg(today: *const c_char) -> Result<veriscope::mrz::Date, Error> {
    let text = if today.is_null() {
        None
    } else {
        // SAFETY: per the caller's contract.
        Some(unsafe { text_arg(today, "today")? })
    };
    veriscope::mrz::reference_date(text)
}

/// Parses and checks machine-readable-zone text (TD1, TD2, TD3, MRV-A,
/// MRV-B; lines separated by newlines, spaces ignored). `today`
/// (`YYYY-MM-DD`, or NULL for the system clock) decides the century of
/// two-digit years. `*out_json` holds the fields, every check digit, and the
/// findings (`"valid": false` when a check fails); text that is no MRZ is
/// `VS_STATUS_VALIDATION_ERROR`.
///
/// # Safety
/// `text` NUL-terminated; `today` NULL or NUL-terminated; `out_json` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_mrz_parse(
    text: *const c_char,
    today: *const c_char,
    out_json: *mut *mut c_char,
) -> VsStatus {
    // SAFETY: per this function's contract.
    let today = unsafe { today_arg(today) };
    // SAFETY: per this function's contract.
    unsafe {
        text_to_json(text, "text", out_json, |text| {
            veriscope::mrz::parse_mrz(text, today?)
        })
    }
}

/// Finds and reads the machine-readable zone of a JPEG or PNG image (no OCR
/// engine: OCR-B template matching with check-digit repair), then parses and
/// checks it as `vs_mrz_parse` does. `*out_json` holds `{"mrz": {...},
/// "confidence", "minConfidence", "corrections", "region"}`; an image
/// without a zone is `VS_STATUS_NOT_FOUND`, an undecodable one
/// `VS_STATUS_UNSUPPORTED_FORMAT`, one over the pixel budget
/// `VS_STATUS_FILE_TOO_LARGE`.
///
/// # Safety
/// `data` NULL (with `len` 0) or `len` readable bytes; `today` NULL or
/// NUL-terminated; `out_json` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_mrz_read(
    data: *const u8,
    len: usize,
    today: *const c_char,
    out_json: *mut *mut c_char,
) -> VsStatus {
    run(|| {
        // SAFETY: per this function's contract.
        let (out, data, today) = unsafe {
            (
                out_arg(out_json, "out_json", ptr::null_mut())?,
                bytes_arg(data, len, "data")?,
                today_arg(today)?,
            )
        };
        let reading =
            veriscope::mrz::read_mrz(data, &veriscope::media::DecodeLimits::default(), today)?;
        give_json(out, veriscope::to_json(&reading));
        Ok(())
    })
}

/// Parses an Indonesian NIK and compares it with claimed fields.
/// `claims_json`: NULL, or `{"birthDate": "YYYY-MM-DD", "sex":
/// "male"|"female", "province": "31"|"DKI Jakarta"}`. `*out_json` holds the
/// decoded NIK with `findings` and `valid`; a structurally invalid NIK is
/// `VS_STATUS_VALIDATION_ERROR` listing every problem.
///
/// # Safety
/// `nik` NUL-terminated; `claims_json` and `today` NULL or NUL-terminated;
/// `out_json` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_nik_check(
    nik: *const c_char,
    claims_json: *const c_char,
    today: *const c_char,
    out_json: *mut *mut c_char,
) -> VsStatus {
    // SAFETY: per this function's contract.
    let today = unsafe { today_arg(today) };
    let claims = if claims_json.is_null() {
        Ok(veriscope::mrz::NikClaims::default())
    } else {
        // SAFETY: per this function's contract.
        unsafe { text_arg(claims_json, "claims_json") }
            .and_then(veriscope::mrz::NikClaims::from_json)
    };
    // SAFETY: per this function's contract.
    unsafe {
        text_to_json(nik, "nik", out_json, |nik| {
            veriscope::mrz::check_nik_text(nik, &claims?, today?)
        })
    }
}

/// Analyses a JPEG, PNG or PDF for forgery, locally. `options_json`: NULL
/// or `{"id", "readMrz", "mrzText", "nik", "nikClaims", "today", "maxPixels",
/// "details"}` (all optional). `*out_json` holds the forgery API's response
/// `{"data": {"id", "forgeryScore", "confidence", "documentType", "flags",
/// "latencyMs"}}`, or with `"details": true` the whole analysis (signals,
/// model features, heat map). Another format is
/// `VS_STATUS_UNSUPPORTED_FORMAT`, a file over the pixel or page budget
/// `VS_STATUS_FILE_TOO_LARGE`, bad options `VS_STATUS_VALIDATION_ERROR`.
///
/// # Safety
/// `data` NULL (with `len` 0) or `len` readable bytes; `options_json` NULL or
/// NUL-terminated; `out_json` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_analyze(
    data: *const u8,
    len: usize,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VsStatus {
    run(|| {
        // SAFETY: per this function's contract.
        let (out, data) = unsafe {
            (
                out_arg(out_json, "out_json", ptr::null_mut())?,
                bytes_arg(data, len, "data")?,
            )
        };
        let options = if options_json.is_null() {
            veriscope::analysis::AnalysisOptions::default()
        } else {
            // SAFETY: per this function's contract.
            veriscope::analysis::AnalysisOptions::from_json(unsafe {
                text_arg(options_json, "options_json")?
            })?
        };
        give_json(out, veriscope::analysis::analyze_to_json(data, &options)?);
        Ok(())
    })
}

/// The face-match models (opaque). Load with `vs_face_models_load` or
/// `vs_face_models_from_bytes`, release with `vs_face_models_free`; immutable
/// after loading, so one handle may be shared by threads.
#[derive(Debug)]
pub struct VsFaceModels(veriscope::face::FaceModels);

/// Loads the three face-match models from `directory` (NULL: the directory
/// named by `VERISCOPE_MODELS`, else `./models`). A missing file is
/// `VS_STATUS_MODEL_MISSING` (the message names `scripts/fetch-models`), a
/// corrupt one `VS_STATUS_MODEL_INVALID`. Release with `vs_face_models_free`.
///
/// # Safety
/// `directory` NULL or NUL-terminated; `out` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_face_models_load(
    directory: *const c_char,
    out: *mut *mut VsFaceModels,
) -> VsStatus {
    run(|| {
        // SAFETY: per this function's contract.
        let out = unsafe { out_arg(out, "out", ptr::null_mut())? };
        let models = if directory.is_null() {
            veriscope::face::FaceModels::load_default()?
        } else {
            // SAFETY: per this function's contract.
            veriscope::face::FaceModels::load(unsafe { text_arg(directory, "directory")? })?
        };
        *out = Box::into_raw(Box::new(VsFaceModels(models)));
        Ok(())
    })
}

/// Builds the face-match models from the contents of
/// `seeta_fd_frontal_v1.0.bin`, `shape_predictor_5_face_landmarks.dat` and
/// `dlib_face_recognition_resnet_model_v1.dat` (for apps that embed them).
///
/// # Safety
/// Each pointer NULL (with length 0) or readable for its length; `out` valid
/// for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_face_models_from_bytes(
    detector: *const u8,
    detector_len: usize,
    landmarks: *const u8,
    landmarks_len: usize,
    embedder: *const u8,
    embedder_len: usize,
    out: *mut *mut VsFaceModels,
) -> VsStatus {
    run(|| {
        // SAFETY: per this function's contract.
        let (out, detector, landmarks, embedder) = unsafe {
            (
                out_arg(out, "out", ptr::null_mut())?,
                bytes_arg(detector, detector_len, "detector")?,
                bytes_arg(landmarks, landmarks_len, "landmarks")?,
                bytes_arg(embedder, embedder_len, "embedder")?,
            )
        };
        let models = veriscope::face::FaceModels::from_bytes(detector, landmarks, embedder)?;
        *out = Box::into_raw(Box::new(VsFaceModels(models)));
        Ok(())
    })
}

/// Releases models from `vs_face_models_load`; NULL is ignored.
///
/// # Safety
/// `models` NULL or a pointer from `vs_face_models_load` /
/// `vs_face_models_from_bytes`, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_face_models_free(models: *mut VsFaceModels) {
    if !models.is_null() {
        // SAFETY: per this function's contract, the pointer came from Box::into_raw.
        drop(unsafe { Box::from_raw(models) });
    }
}

/// Compares the portrait on an ID card (KTP) with the face in a selfie, both
/// JPEG or PNG. `options_json`: NULL or `{"highThreshold", "matchThreshold",
/// "maxPixels", "tryRotations", "details"}`. `*out_json` holds
/// `{"face_match_confidence_level", "face_match_confidence_score",
/// "is_match_face", "distance", "flags"}` (with `"details": true` also
/// `"id_card_face"` and `"selfie_face"`). No face in an image is
/// `VS_STATUS_FACE_NOT_FOUND`.
///
/// # Safety
/// `models` from `vs_face_models_load`; each buffer NULL (length 0) or
/// readable for its length; `options_json` NULL or NUL-terminated; `out_json`
/// valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_face_match(
    models: *const VsFaceModels,
    id_card: *const u8,
    id_card_len: usize,
    selfie: *const u8,
    selfie_len: usize,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VsStatus {
    run(|| {
        // SAFETY: per this function's contract.
        let (out, models, id_card, selfie) = unsafe {
            (
                out_arg(out_json, "out_json", ptr::null_mut())?,
                models
                    .as_ref()
                    .ok_or_else(|| invalid_argument("argument `models` is NULL".into()))?,
                bytes_arg(id_card, id_card_len, "id_card")?,
                bytes_arg(selfie, selfie_len, "selfie")?,
            )
        };
        let options = if options_json.is_null() {
            ""
        } else {
            // SAFETY: per this function's contract.
            unsafe { text_arg(options_json, "options_json")? }
        };
        let (options, details) = veriscope::face::FaceMatchOptions::from_json(options)?;
        let comparison = models.0.compare(id_card, selfie, &options)?;
        give_json(out, comparison.to_json(details));
        Ok(())
    })
}

/// A blocking client of the hosted APIs or of a `veriscope serve` (opaque).
/// Create with `vs_client_new`, release with `vs_client_free`; one handle
/// may be shared by threads. Each call checks its input locally first, then
/// waits for the API, retrying rate limits and server failures.
#[derive(Debug)]
pub struct VsClient(veriscope::client::BlockingClient);

/// Creates a client for `api_key`. `options_json`: NULL or `{"baseUrl",
/// "verificationBaseUrl", "timeoutSeconds", "maxRetries", "limits"}`
/// (base URL `https://veriscor.io` by default). An empty key or unusable URL
/// is `VS_STATUS_INVALID_ARGUMENT`.
///
/// # Safety
/// `api_key` NUL-terminated; `options_json` NULL or NUL-terminated; `out`
/// valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_client_new(
    api_key: *const c_char,
    options_json: *const c_char,
    out: *mut *mut VsClient,
) -> VsStatus {
    run(|| {
        // SAFETY: per this function's contract.
        let (out, api_key) = unsafe {
            (
                out_arg(out, "out", ptr::null_mut())?,
                text_arg(api_key, "api_key")?,
            )
        };
        let options = if options_json.is_null() {
            ""
        } else {
            // SAFETY: per this function's contract.
            unsafe { text_arg(options_json, "options_json")? }
        };
        let builder = veriscope::client::Client::builder(api_key).options_json(options)?;
        *out = Box::into_raw(Box::new(VsClient(veriscope::client::BlockingClient::new(
            builder,
        )?)));
        Ok(())
    })
}

/// Releases a client from `vs_client_new`; NULL is ignored.
///
/// # Safety
/// `client` NULL or a pointer from `vs_client_new`, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_client_free(client: *mut VsClient) {
    if !client.is_null() {
        // SAFETY: per this function's contract, the pointer came from Box::into_raw.
        drop(unsafe { Box::from_raw(client) });
    }
}

/// The client behind a handle, or `INVALID_ARGUMENT` for NULL.
///
/// # Safety
/// `client` NULL or from `vs_client_new`.
unsafe fn client_arg<'a>(
    client: *const VsClient,
) -> Result<&'a veriscope::client::BlockingClient, Error> {
    // SAFETY: per the caller's contract.
    unsafe { client.as_ref() }
        .map(|client| &client.0)
        .ok_or_else(|| invalid_argument("argument `client` is NULL".into()))
}

/// Sends a document (JPEG, PNG or PDF bytes) to the forgery API;
/// `*out_json` is its answer `{"data": {...}}`.
///
/// # Safety
/// `client` from `vs_client_new`; `document` readable for `len` bytes (NULL
/// with 0); `out_json` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_client_verify_document(
    client: *const VsClient,
    document: *const u8,
    len: usize,
    out_json: *mut *mut c_char,
) -> VsStatus {
    run(|| {
        // SAFETY: per this function's contract.
        let (out, client, document) = unsafe {
            (
                out_arg(out_json, "out_json", ptr::null_mut())?,
                client_arg(client)?,
                bytes_arg(document, len, "document")?,
            )
        };
        let data = client.verify_document(document)?;
        give_json(out, veriscope::to_json(&ForgeryResponse { data }));
        Ok(())
    })
}

/// Asks the forgery API to fetch and analyse the document at an HTTPS URL;
/// `*out_json` is its answer `{"data": {...}}`.
///
/// # Safety
/// `client` from `vs_client_new`; `url` NUL-terminated; `out_json` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_client_verify_document_url(
    client: *const VsClient,
    url: *const c_char,
    out_json: *mut *mut c_char,
) -> VsStatus {
    run(|| {
        // SAFETY: per this function's contract.
        let (out, client, url) = unsafe {
            (
                out_arg(out_json, "out_json", ptr::null_mut())?,
                client_arg(client)?,
                text_arg(url, "url")?,
            )
        };
        let data = client.verify_document_url(url)?;
        give_json(out, veriscope::to_json(&ForgeryResponse { data }));
        Ok(())
    })
}

/// Uploads a file for a verification; `*out_json` is `{"path", ...}` (name
/// the path in `input.files`). `file_name` may be NULL.
///
/// # Safety
/// `client` from `vs_client_new`; `file` readable for `len` bytes;
/// `file_name` NULL or NUL-terminated; `out_json` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_client_upload(
    client: *const VsClient,
    file: *const u8,
    len: usize,
    file_name: *const c_char,
    out_json: *mut *mut c_char,
) -> VsStatus {
    run(|| {
        // SAFETY: per this function's contract.
        let (out, client, file) = unsafe {
            (
                out_arg(out_json, "out_json", ptr::null_mut())?,
                client_arg(client)?,
                bytes_arg(file, len, "file")?,
            )
        };
        let name = if file_name.is_null() {
            None
        } else {
            // SAFETY: per this function's contract.
            Some(unsafe { text_arg(file_name, "file_name")? })
        };
        give_json(out, veriscope::to_json(&client.upload(file, name)?));
        Ok(())
    })
}

/// Creates a verification from a create-verification body (checked locally
/// first, with the client's limits); `*out_json` is the verification,
/// `IN_QUEUE`.
///
/// # Safety
/// `client` from `vs_client_new`; `body_json` NUL-terminated; `out_json`
/// valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_client_create_verification(
    client: *const VsClient,
    body_json: *const c_char,
    out_json: *mut *mut c_char,
) -> VsStatus {
    run(|| {
        // SAFETY: per this function's contract.
        let (out, client, body) = unsafe {
            (
                out_arg(out_json, "out_json", ptr::null_mut())?,
                client_arg(client)?,
                text_arg(body_json, "body_json")?,
            )
        };
        give_json(
            out,
            veriscope::to_json(&client.create_verification_json(body)?),
        );
        Ok(())
    })
}

/// Gets a verification; with `wait_seconds` > 0, polls until it is settled
/// (`VS_STATUS_TIMEOUT` if it is still running after that long).
/// `*out_json` is the verification.
///
/// # Safety
/// `client` from `vs_client_new`; `id` NUL-terminated; `out_json` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_client_get_verification(
    client: *const VsClient,
    id: *const c_char,
    wait_seconds: f64,
    out_json: *mut *mut c_char,
) -> VsStatus {
    run(|| {
        // SAFETY: per this function's contract.
        let (out, client, id) = unsafe {
            (
                out_arg(out_json, "out_json", ptr::null_mut())?,
                client_arg(client)?,
                text_arg(id, "id")?,
            )
        };
        let verification = match std::time::Duration::try_from_secs_f64(wait_seconds) {
            Ok(deadline) if !deadline.is_zero() => client.wait(id, deadline)?,
            _ => client.verification(id)?,
        };
        give_json(out, veriscope::to_json(&verification));
        Ok(())
    })
}

/// The verification services offered (`GET /services`'s data) as JSON.
///
/// # Safety
/// `client` from `vs_client_new`; `out_json` valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn vs_client_services(
    client: *const VsClient,
    out_json: *mut *mut c_char,
) -> VsStatus {
    run(|| {
        // SAFETY: per this function's contract.
        let (out, client) = unsafe {
            (
                out_arg(out_json, "out_json", ptr::null_mut())?,
                client_arg(client)?,
            )
        };
        give_json(out, veriscope::to_json(&client.services()?));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_numbers_equal_error_code_numbers() {
        for code in ErrorCode::ALL {
            assert_eq!(VsStatus::from(code) as u32, code.number(), "{code}");
            let name = unsafe { CStr::from_ptr(vs_status_name(code.number() as i32)) };
            assert_eq!(name.to_str().unwrap(), code.as_str());
        }
        assert!(vs_status_name(99).is_null());
        assert!(vs_status_name(-1).is_null());
    }

    #[test]
    fn a_panic_becomes_an_internal_error_with_its_message() {
        let status = run(|| panic!("boom"));
        assert_eq!(status, VsStatus::InternalError);
        let message = unsafe { CStr::from_ptr(vs_last_error_message()) };
        assert_eq!(message.to_str().unwrap(), "internal panic: boom");
    }

    #[cfg(feature = "header")]
    #[test]
    fn the_committed_header_is_current() {
        let generated = include_str!(concat!(env!("OUT_DIR"), "/veriscope.h"));
        let committed = include_str!("../../include/veriscope.h");
        assert!(
            generated == committed,
            "include/veriscope.h is stale: run scripts/update-header"
        );
    }
}
