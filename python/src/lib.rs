//! Python door of Veriscope: the `veriscope._native` extension module.
//!
//! Thin by design: each function converts Python arguments, calls the
//! `veriscope` crate with the GIL released, and turns the crate's JSON into
//! Python objects with `json.loads`, so Python sees exactly what every other
//! door prints. Errors become `VeriscopeError` subclasses carrying `code`,
//! `message`, `details`, `http_status` and `body`.

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

use veriscope::validate::{self, Limits};
use veriscope::webhook::{HeaderMap, SignOptions, Verifier, VerifyOptions, now_unix};
use veriscope::{Error, ErrorCode, ForgeryResponse, Verification, VerificationStatus};

pyo3::create_exception!(
    veriscope,
    VeriscopeError,
    PyException,
    "Base class of every Veriscope error; `code` holds the stable error code."
);

pyo3::create_exception!(
    veriscope,
    WebhookError,
    VeriscopeError,
    "Base class of the WEBHOOK_* errors: the webhook must not be trusted."
);

macro_rules! error_classes {
    ($($code:ident => $class:ident($base:ident): $doc:literal),* $(,)?) => {
        $(pyo3::create_exception!(veriscope, $class, $base, $doc);)*

        fn error_class(py: Python<'_>, code: ErrorCode) -> Bound<'_, pyo3::types::PyType> {
            match code {
                $(ErrorCode::$code => py.get_type::<$class>(),)*
                _ => py.get_type::<InternalError>(),
            }
        }

        fn add_error_classes(module: &Bound<'_, PyModule>) -> PyResult<()> {
            let py = module.py();
            module.add("VeriscopeError", py.get_type::<VeriscopeError>())?;
            module.add("WebhookError", py.get_type::<WebhookError>())?;
            $(module.add(stringify!($class), py.get_type::<$class>())?;)*
            Ok(())
        }
    };
}

error_classes! {
    ValidationError => ValidationError(VeriscopeError): "VALIDATION_ERROR: the input is malformed.",
    Unauthorized => UnauthorizedError(VeriscopeError): "UNAUTHORIZED: missing or invalid API key.",
    TrialExhausted => TrialExhaustedError(VeriscopeError): "TRIAL_EXHAUSTED: the free tier is used up.",
    UnsupportedFormat => UnsupportedFormatError(VeriscopeError): "UNSUPPORTED_FORMAT: not a JPEG, PNG or PDF.",
    FileTooLarge => FileTooLargeError(VeriscopeError): "FILE_TOO_LARGE: over a size, pixel or page limit.",
    FetchFailed => FetchFailedError(VeriscopeError): "FETCH_FAILED: the document URL could not be fetched.",
    RateLimited => RateLimitedError(VeriscopeError): "RATE_LIMITED: too many requests.",
    CapExceeded => CapExceededError(VeriscopeError): "CAP_EXCEEDED: monthly spend cap reached.",
    InvalidTransition => InvalidTransitionError(VeriscopeError): "INVALID_TRANSITION: a status change the transition table forbids.",
    InvalidArgument => InvalidArgumentError(VeriscopeError): "INVALID_ARGUMENT: an unusable argument.",
    NotFound => NotFoundError(VeriscopeError): "NOT_FOUND: the object does not exist.",
    Internal => InternalError(VeriscopeError): "INTERNAL_ERROR: a bug in Veriscope.",
    WebhookMissingHeader => WebhookMissingHeaderError(WebhookError): "WEBHOOK_MISSING_HEADER: a header the scheme needs is absent.",
    WebhookMalformedHeader => WebhookMalformedHeaderError(WebhookError): "WEBHOOK_MALFORMED_HEADER: a signature or timestamp header cannot be parsed.",
    WebhookTimestampTooOld => WebhookTimestampTooOldError(WebhookError): "WEBHOOK_TIMESTAMP_TOO_OLD: older than the tolerance.",
    WebhookTimestampTooNew => WebhookTimestampTooNewError(WebhookError): "WEBHOOK_TIMESTAMP_TOO_NEW: further in the future than the tolerance.",
    WebhookSignatureMismatch => WebhookSignatureMismatchError(WebhookError): "WEBHOOK_SIGNATURE_MISMATCH: no signature matched any secret.",
    WebhookUnsigned => WebhookUnsignedError(WebhookError): "WEBHOOK_UNSIGNED: no signature, and unsigned payloads are not allowed.",
    WebhookInvalidSecret => WebhookInvalidSecretError(WebhookError): "WEBHOOK_INVALID_SECRET: an empty or undecodable secret.",
    ModelMissing => ModelMissingError(VeriscopeError): "MODEL_MISSING: a face-match model file is absent; run scripts/fetch-models.",
    ModelInvalid => ModelInvalidError(VeriscopeError): "MODEL_INVALID: a model file is corrupt or not the expected network.",
    FaceNotFound => FaceNotFoundError(VeriscopeError): "FACE_NOT_FOUND: no usable face in an image given for face matching.",
    NetworkError => NetworkError(VeriscopeError): "NETWORK_ERROR: the client could not reach the API.",
    Timeout => DeadlineExceededError(VeriscopeError): "TIMEOUT: a request or a wait passed its deadline.",
}

fn json_loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (text,))
}

/// The crate's error as a Python exception of the matching class.
fn to_py_err(py: Python<'_>, err: Error) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let exception = error_class(py, err.code()).call1((err.message(),))?;
        exception.setattr("code", err.code().as_str())?;
        exception.setattr("message", err.message())?;
        exception.setattr("http_status", err.http_status())?;
        let body = json_loads(py, &err.to_json())?;
        exception.setattr(
            "details",
            body.get_item("error")?
                .call_method1("get", ("details", Vec::<String>::new()))?,
        )?;
        exception.setattr("body", body)?;
        Ok(PyErr::from_value(exception))
    };
    build().unwrap_or_else(|conversion_error| conversion_error)
}

/// Runs `work` without the GIL and converts its JSON answer or its error.
fn call<'py, T: serde::Serialize + Send>(
    py: Python<'py>,
    work: impl FnOnce() -> Result<T, Error> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    match py.detach(|| work().map(|value| veriscope::to_json(&value))) {
        Ok(json) => json_loads(py, &json),
        Err(err) => Err(to_py_err(py, err)),
    }
}

/// `None`, a mapping, or JSON text, as `Limits`.
fn limits_arg(py: Python<'_>, limits: Option<&Bound<'_, PyAny>>) -> PyResult<Limits> {
    let Some(limits) = limits.filter(|l| !l.is_none()) else {
        return Ok(Limits::default());
    };
    let text = json_text(py, limits)?;
    Limits::from_json(&text).map_err(|err| to_py_err(py, err))
}

/// JSON text from `str`, `bytes` (UTF-8), or any JSON-serialisable object.
fn json_text(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(text) = value.cast::<PyString>() {
        return text.extract();
    }
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return String::from_utf8(bytes.as_bytes().to_vec()).map_err(|err| {
            to_py_err(
                py,
                Error::new(
                    ErrorCode::InvalidArgument,
                    format!("body is not valid UTF-8: {err}"),
                ),
            )
        });
    }
    py.import("json")?
        .call_method1("dumps", (value,))?
        .extract()
}

/// Checks a multipart upload: size limit, then format from magic bytes.
#[pyfunction]
#[pyo3(signature = (data, *, limits=None))]
fn check_document_bytes<'py>(
    py: Python<'py>,
    data: &[u8],
    limits: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let limits = limits_arg(py, limits)?;
    call(py, || validate::check_document_bytes(data, &limits))
}

/// Decodes and checks a base64 document; returns `(info, decoded_bytes)`.
#[pyfunction]
#[pyo3(signature = (text, *, limits=None))]
fn decode_document_base64<'py>(
    py: Python<'py>,
    text: &str,
    limits: Option<&Bound<'py, PyAny>>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyBytes>)> {
    let limits = limits_arg(py, limits)?;
    match py.detach(|| validate::decode_document_base64(text, &limits)) {
        Ok(decoded) => Ok((
            json_loads(py, &veriscope::to_json(&decoded.info))?,
            PyBytes::new(py, &decoded.bytes),
        )),
        Err(err) => Err(to_py_err(py, err)),
    }
}

/// Checks a `documentUrl` (HTTPS, no credentials, no private addresses).
#[pyfunction]
#[pyo3(signature = (url, *, limits=None))]
fn check_document_url<'py>(
    py: Python<'py>,
    url: &str,
    limits: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let limits = limits_arg(py, limits)?;
    call(py, || validate::check_document_url(url, &limits))
}

/// Checks a `POST /api/v1/verify` JSON body (str, bytes or dict).
#[pyfunction]
#[pyo3(signature = (body, *, limits=None))]
fn check_verify_request<'py>(
    py: Python<'py>,
    body: &Bound<'py, PyAny>,
    limits: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let (body, limits) = (json_text(py, body)?, limits_arg(py, limits)?);
    call(py, || validate::check_verify_request(&body, &limits))
}

/// Checks a create-verification body (str, bytes or dict) against the
/// service catalogue; returns the normalised body.
#[pyfunction]
#[pyo3(signature = (body, *, limits=None))]
fn check_create_verification<'py>(
    py: Python<'py>,
    body: &Bound<'py, PyAny>,
    limits: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let (body, limits) = (json_text(py, body)?, limits_arg(py, limits)?);
    call(py, || validate::check_create_verification(&body, &limits))
}

/// Parses a verification object and returns it normalised.
#[pyfunction]
fn parse_verification<'py>(
    py: Python<'py>,
    body: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let body = json_text(py, body)?;
    call(py, || {
        veriscope::from_json::<Verification>(&body, "verification object")
    })
}

/// Parses a forgery API response (`{"data": {...}}`) and returns it normalised.
#[pyfunction]
fn parse_forgery_response<'py>(
    py: Python<'py>,
    body: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let body = json_text(py, body)?;
    call(py, || {
        veriscope::from_json::<ForgeryResponse>(&body, "forgery response")
    })
}

/// The service catalogue, as `GET /services` returns it.
#[pyfunction]
fn services(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    call(py, || Ok(veriscope::model::catalogue()))
}

/// Every error code with its number, HTTP status and retry hint.
#[pyfunction]
fn error_codes(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    call(py, || Ok(veriscope::error_codes()))
}

fn status_arg(py: Python<'_>, name: &str) -> PyResult<VerificationStatus> {
    name.parse().map_err(|err| to_py_err(py, err))
}

/// Whether a verification may move from status `from_` to `to`.
#[pyfunction]
fn can_transition(py: Python<'_>, from_: &str, to: &str) -> PyResult<bool> {
    Ok(status_arg(py, from_)?.can_transition_to(status_arg(py, to)?))
}

/// Raises `InvalidTransitionError` unless the move is legal.
#[pyfunction]
fn check_transition(py: Python<'_>, from_: &str, to: &str) -> PyResult<()> {
    let (from, to) = (status_arg(py, from_)?, status_arg(py, to)?);
    from.transition_to(to)
        .map(drop)
        .map_err(|err| to_py_err(py, err.into()))
}

/// Whether `status` admits no further change.
#[pyfunction]
fn is_terminal(py: Python<'_>, status: &str) -> PyResult<bool> {
    Ok(status_arg(py, status)?.is_terminal())
}

/// The statuses `status` may move to.
#[pyfunction]
fn allowed_transitions(py: Python<'_>, status: &str) -> PyResult<Vec<&'static str>> {
    let status = status_arg(py, status)?;
    Ok(status
        .allowed_transitions()
        .iter()
        .map(|s| s.as_str())
        .collect())
}

/// Headers from a mapping (`.items()`, as Flask's and Starlette's headers
/// have) or an iterable of `(name, value)` pairs; repeated names are kept.
fn headers_arg(headers: &Bound<'_, PyAny>) -> PyResult<HeaderMap> {
    let pairs = if headers.hasattr("items")? {
        headers.call_method0("items")?
    } else {
        headers.clone()
    };
    let mut map = HeaderMap::new();
    for pair in pairs.try_iter()? {
        let (name, value): (String, String) = pair?.extract()?;
        map.insert(name, value);
    }
    Ok(map)
}

/// Body bytes from `bytes` (borrowed, no copy), `str` (UTF-8), or any
/// buffer such as `bytearray` or `memoryview` (copied once).
fn with_body<T>(body: &Bound<'_, PyAny>, use_body: impl FnOnce(&[u8]) -> T) -> PyResult<T> {
    if let Ok(bytes) = body.cast::<PyBytes>() {
        return Ok(use_body(bytes.as_bytes()));
    }
    if let Ok(text) = body.cast::<PyString>() {
        return Ok(use_body(text.extract::<String>()?.as_bytes()));
    }
    // memoryview() accepts only objects with the buffer protocol (not ints).
    let copy = body
        .py()
        .import("builtins")?
        .getattr("memoryview")?
        .call1((body,))?
        .call_method0("tobytes")?;
    Ok(use_body(copy.cast::<PyBytes>()?.as_bytes()))
}

/// A reusable webhook verifier: secrets and settings parsed once.
#[pyclass(module = "veriscope._native", name = "WebhookVerifier", frozen)]
struct WebhookVerifier {
    inner: Verifier,
}

#[pymethods]
impl WebhookVerifier {
    /// `options` as `veriscope.webhooks.Verifier` builds them (without `now`).
    #[new]
    fn new(py: Python<'_>, options: &Bound<'_, PyAny>) -> PyResult<Self> {
        let options = json_text(py, options)?;
        VerifyOptions::from_json(&options)
            .and_then(|options| options.verifier())
            .map(|inner| WebhookVerifier { inner })
            .map_err(|err| to_py_err(py, err))
    }

    /// Verifies a webhook at `now` (Unix seconds; default: the system clock).
    #[pyo3(signature = (body, headers, now=None))]
    fn verify<'py>(
        &self,
        py: Python<'py>,
        body: &Bound<'py, PyAny>,
        headers: &Bound<'py, PyAny>,
        now: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.check(py, body, headers, now, Verifier::verify_at)
    }

    /// Verifies a webhook and reads its verification object.
    #[pyo3(signature = (body, headers, now=None))]
    fn verify_event<'py>(
        &self,
        py: Python<'py>,
        body: &Bound<'py, PyAny>,
        headers: &Bound<'py, PyAny>,
        now: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.check(py, body, headers, now, Verifier::verify_event_at)
    }
}

impl WebhookVerifier {
    /// Converts the arguments, runs `work` without the GIL, converts its answer.
    fn check<'py, T: serde::Serialize + Send>(
        &self,
        py: Python<'py>,
        body: &Bound<'py, PyAny>,
        headers: &Bound<'py, PyAny>,
        now: Option<i64>,
        work: impl FnOnce(&Verifier, &HeaderMap, &[u8], i64) -> Result<T, Error> + Send,
    ) -> PyResult<Bound<'py, PyAny>> {
        let headers = headers_arg(headers)?;
        let now = now
            .map_or_else(now_unix, Ok)
            .map_err(|err| to_py_err(py, err))?;
        with_body(body, |body| {
            call(py, || work(&self.inner, &headers, body, now))
        })?
    }
}

/// Signs a webhook body; returns the headers to send.
#[pyfunction]
fn webhook_sign<'py>(
    py: Python<'py>,
    body: &Bound<'py, PyAny>,
    options: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let options =
        SignOptions::from_json(&json_text(py, options)?).map_err(|err| to_py_err(py, err))?;
    with_body(body, |body| call(py, || options.sign(body)))?
}

/// `None` (system clock), `"YYYY-MM-DD"`, or a `datetime.date`.
fn today_arg(py: Python<'_>, today: Option<&Bound<'_, PyAny>>) -> PyResult<veriscope::mrz::Date> {
    let text: Option<String> = match today.filter(|t| !t.is_none()) {
        None => None,
        Some(value) if value.hasattr("isoformat")? => {
            Some(value.call_method0("isoformat")?.extract()?)
        }
        Some(value) => Some(value.extract()?),
    };
    veriscope::mrz::reference_date(text.as_deref()).map_err(|err| to_py_err(py, err))
}

/// Parses and checks MRZ text; `today` decides the century of two-digit years.
#[pyfunction]
#[pyo3(signature = (text, *, today=None))]
fn parse_mrz<'py>(
    py: Python<'py>,
    text: &str,
    today: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let today = today_arg(py, today)?;
    call(py, || veriscope::mrz::parse_mrz(text, today))
}

/// Finds and reads the MRZ of a JPEG or PNG image (GIL released).
#[pyfunction]
#[pyo3(signature = (data, *, today=None))]
fn read_mrz<'py>(
    py: Python<'py>,
    data: &[u8],
    today: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let today = today_arg(py, today)?;
    call(py, || {
        veriscope::mrz::read_mrz(data, &veriscope::media::DecodeLimits::default(), today)
    })
}

/// Parses a KTP NIK and compares it with claimed fields (a mapping with
/// `birth_date`, `sex`, `province`).
#[pyfunction]
#[pyo3(signature = (nik, claims=None, *, today=None))]
fn check_nik<'py>(
    py: Python<'py>,
    nik: &str,
    claims: Option<&Bound<'py, PyAny>>,
    today: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let today = today_arg(py, today)?;
    let claims = match claims.filter(|c| !c.is_none()) {
        None => veriscope::mrz::NikClaims::default(),
        Some(claims) => veriscope::mrz::NikClaims::from_json(&json_text(py, claims)?)
            .map_err(|err| to_py_err(py, err))?,
    };
    call(py, || veriscope::mrz::check_nik_text(nik, &claims, today))
}

/// Analyses a JPEG, PNG or PDF for forgery (GIL released). Keyword options
/// as in `AnalysisOptions` (`details`, `mrz_text`, `nik`, `nik_claims`,
/// `today`, `read_mrz`, `max_pixels`, `id`); returns the forgery API's
/// response `{"data": {...}}`, or with `details=True` the whole analysis.
#[pyfunction]
#[pyo3(signature = (data, **options))]
fn analyze<'py>(
    py: Python<'py>,
    data: &[u8],
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let options = match options {
        None => veriscope::analysis::AnalysisOptions::default(),
        Some(options) => {
            // Dates (`today`) become their ISO text.
            let json = py.import("json")?;
            let kwargs = PyDict::new(py);
            kwargs.set_item("default", py.import("builtins")?.getattr("str")?)?;
            let text: String = json
                .call_method("dumps", (options,), Some(&kwargs))?
                .extract()?;
            veriscope::analysis::AnalysisOptions::from_json(&text)
                .map_err(|err| to_py_err(py, err))?
        }
    };
    match py.detach(|| veriscope::analysis::analyze_to_json(data, &options)) {
        Ok(json) => json_loads(py, &json),
        Err(err) => Err(to_py_err(py, err)),
    }
}

/// The face-match models (SeetaFace detector, dlib's 5-point landmarker and
/// ResNet embedder), loaded once; share one instance between threads.
#[pyclass(module = "veriscope._native", name = "FaceModels", frozen)]
struct FaceModels {
    inner: veriscope::face::FaceModels,
}

#[pymethods]
impl FaceModels {
    /// Loads the models from `directory`, or from `$VERISCOPE_MODELS`, or
    /// `./models`. Raises ModelMissingError naming the fetch command.
    #[new]
    #[pyo3(signature = (directory=None))]
    fn new(py: Python<'_>, directory: Option<std::path::PathBuf>) -> PyResult<Self> {
        let loaded = py.detach(|| match directory {
            Some(directory) => veriscope::face::FaceModels::load(directory),
            None => veriscope::face::FaceModels::load_default(),
        });
        loaded
            .map(|inner| FaceModels { inner })
            .map_err(|err| to_py_err(py, err))
    }

    /// Builds the models from the three files' contents.
    #[staticmethod]
    fn from_bytes(
        py: Python<'_>,
        detector: &[u8],
        landmarks: &[u8],
        embedder: &[u8],
    ) -> PyResult<Self> {
        py.detach(|| veriscope::face::FaceModels::from_bytes(detector, landmarks, embedder))
            .map(|inner| FaceModels { inner })
            .map_err(|err| to_py_err(py, err))
    }

    /// Compares the portrait on an ID card with the face in a selfie (JPEG or
    /// PNG bytes), the GIL released. Options: `high_threshold`,
    /// `match_threshold`, `max_pixels`, `try_rotations`, `details`.
    #[pyo3(signature = (id_card, selfie, **options))]
    fn compare<'py>(
        &self,
        py: Python<'py>,
        id_card: &[u8],
        selfie: &[u8],
        options: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let text = match options {
            None => String::new(),
            Some(options) => py
                .import("json")?
                .call_method1("dumps", (options,))?
                .extract()?,
        };
        let (options, details) = veriscope::face::FaceMatchOptions::from_json(&text)
            .map_err(|err| to_py_err(py, err))?;
        match py.detach(|| self.inner.compare(id_card, selfie, &options)) {
            Ok(comparison) => json_loads(py, &comparison.to_json(details)),
            Err(err) => Err(to_py_err(py, err)),
        }
    }
}

/// A blocking client of the hosted APIs (or of a `veriscope serve`).
/// Every call checks its input locally first and releases the GIL while it
/// waits; share one instance between threads.
#[pyclass(module = "veriscope._native", name = "Client", frozen)]
struct Client {
    inner: veriscope::client::BlockingClient,
}

#[pymethods]
impl Client {
    /// `Client(api_key, base_url=DEFAULT_BASE_URL, *, verification_base_url=None,
    /// timeout=60.0, max_retries=3, limits=None)`.
    #[new]
    #[pyo3(signature = (api_key, base_url=None, *, verification_base_url=None, timeout=60.0, max_retries=3, limits=None))]
    fn new(
        py: Python<'_>,
        api_key: String,
        base_url: Option<String>,
        verification_base_url: Option<String>,
        timeout: f64,
        max_retries: u32,
        limits: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let limits = limits_arg(py, limits)?;
        let timeout = std::time::Duration::try_from_secs_f64(timeout).map_err(|_| {
            to_py_err(
                py,
                Error::new(
                    ErrorCode::InvalidArgument,
                    "timeout must be a positive number of seconds",
                ),
            )
        })?;
        let mut builder = veriscope::client::Client::builder(api_key)
            .timeout(timeout)
            .limits(limits)
            .retry(veriscope::client::RetryPolicy {
                max_retries,
                ..Default::default()
            });
        if let Some(url) = base_url {
            builder = builder.base_url(url);
        }
        if let Some(url) = verification_base_url {
            builder = builder.verification_base_url(url);
        }
        veriscope::client::BlockingClient::new(builder)
            .map(|inner| Client { inner })
            .map_err(|err| to_py_err(py, err))
    }

    /// Forgery analysis of a document's bytes (multipart upload).
    fn verify_document<'py>(
        &self,
        py: Python<'py>,
        document: &[u8],
    ) -> PyResult<Bound<'py, PyAny>> {
        call(py, || self.inner.verify_document(document))
    }

    /// Forgery analysis of a base64 document (or data URL).
    fn verify_document_base64<'py>(
        &self,
        py: Python<'py>,
        document: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        call(py, || self.inner.verify_document_base64(document))
    }

    /// Forgery analysis of a document the API fetches from an HTTPS URL.
    fn verify_document_url<'py>(&self, py: Python<'py>, url: &str) -> PyResult<Bound<'py, PyAny>> {
        call(py, || self.inner.verify_document_url(url))
    }

    /// The verification services offered (`GET /services`).
    fn services<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        call(py, || self.inner.services())
    }

    /// Uploads a file; name the answer's `path` in `input.files`.
    #[pyo3(signature = (file, file_name=None))]
    fn upload<'py>(
        &self,
        py: Python<'py>,
        file: &[u8],
        file_name: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        call(py, || self.inner.upload(file, file_name))
    }

    /// Creates a verification from a body (mapping or JSON text).
    fn create_verification<'py>(
        &self,
        py: Python<'py>,
        body: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let text = json_text(py, body)?;
        call(py, || self.inner.create_verification_json(&text))
    }

    /// The verification `id` as it is now.
    fn verification<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Bound<'py, PyAny>> {
        call(py, || self.inner.verification(id))
    }

    /// Polls verification `id` until it is settled; DeadlineExceededError
    /// after `timeout` seconds.
    #[pyo3(signature = (id, timeout=300.0))]
    fn wait<'py>(&self, py: Python<'py>, id: &str, timeout: f64) -> PyResult<Bound<'py, PyAny>> {
        let deadline = std::time::Duration::try_from_secs_f64(timeout).unwrap_or_default();
        call(py, || self.inner.wait(id, deadline))
    }
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("__version__", veriscope::VERSION)?;
    add_error_classes(module)?;
    module.add_function(wrap_pyfunction!(check_document_bytes, module)?)?;
    module.add_function(wrap_pyfunction!(decode_document_base64, module)?)?;
    module.add_function(wrap_pyfunction!(check_document_url, module)?)?;
    module.add_function(wrap_pyfunction!(check_verify_request, module)?)?;
    module.add_function(wrap_pyfunction!(check_create_verification, module)?)?;
    module.add_function(wrap_pyfunction!(parse_verification, module)?)?;
    module.add_function(wrap_pyfunction!(parse_forgery_response, module)?)?;
    module.add_function(wrap_pyfunction!(services, module)?)?;
    module.add_function(wrap_pyfunction!(error_codes, module)?)?;
    module.add_function(wrap_pyfunction!(can_transition, module)?)?;
    module.add_function(wrap_pyfunction!(check_transition, module)?)?;
    module.add_function(wrap_pyfunction!(is_terminal, module)?)?;
    module.add_function(wrap_pyfunction!(allowed_transitions, module)?)?;
    module.add_class::<WebhookVerifier>()?;
    module.add_function(wrap_pyfunction!(webhook_sign, module)?)?;
    module.add_function(wrap_pyfunction!(parse_mrz, module)?)?;
    module.add_function(wrap_pyfunction!(read_mrz, module)?)?;
    module.add_function(wrap_pyfunction!(check_nik, module)?)?;
    module.add_function(wrap_pyfunction!(analyze, module)?)?;
    module.add_class::<FaceModels>()?;
    module.add_class::<Client>()?;
    Ok(())
}
