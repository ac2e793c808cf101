//! A client for the two hosted APIs (feature `client`): the forgery API's
//! `POST /api/v1/verify`, and the verification API's `GET /services`,
//! `POST /uploads`, `POST /verifications`, `GET /verifications/{id}`.
//! `veriscope serve` speaks the same API, so the client works against it
//! unchanged (its tests run against it).
//!
//! - Every request is checked locally first, by the same validation layer
//!   the server uses: an input the server would refuse costs no network
//!   call and fails with the same code.
//! - The API's error bodies become [`Error`]s with their codes; a failure to
//!   reach the API is `NETWORK_ERROR`, a deadline passed is `TIMEOUT`.
//! - Rate limits and server failures are retried as [`RetryPolicy`] says.
//! - [`Client`] is async (tokio, as reqwest); [`BlockingClient`] wraps it
//!   for code without a runtime (the C and Python doors use it).
//!
//! Never ship an API key to a browser: the WASM package has no client.
//!
//! ```no_run
//! # async fn run() -> veriscope::Result<()> {
//! let client = veriscope::client::Client::builder("vsk_live_...")
//!     .base_url("https://veriscor.io")
//!     .build()?;
//! let report = client.verify_document(&std::fs::read("passport.jpg").unwrap()).await?;
//! println!("{}", report.forgery_score);
//! # Ok(()) }
//! ```

mod blocking;
mod retry;

use std::fmt;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use url::Url;

pub use blocking::BlockingClient;
pub use retry::RetryPolicy;

use crate::model::{CreateVerificationRequest, ForgeryReport, Verification};
use crate::validate::{
    Limits, check_create_verification, check_create_verification_value, check_document_bytes,
    check_document_url, check_verify_request,
};
use crate::{Error, ErrorBody, ErrorCode, Problem, Result};

/// The forgery API's public address.
pub const DEFAULT_BASE_URL: &str = "https://veriscor.io";

/// How a [`Client`] is made: API key, where the APIs are, deadlines,
/// retries, and the limits used for local validation.
#[derive(Clone)]
pub struct ClientBuilder {
    api_key: String,
    base_url: String,
    verification_base_url: Option<String>,
    timeout: Duration,
    retry: RetryPolicy,
    limits: Limits,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &"<redacted>")
            .field("base_url", &self.base_url)
            .field("verification_base_url", &self.verification_base_url)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// A builder for `api_key`, sent as `Authorization: Bearer <api_key>`.
    pub fn new(api_key: impl Into<String>) -> Self {
        ClientBuilder {
            api_key: api_key.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            verification_base_url: None,
            timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            limits: Limits::default(),
        }
    }

    /// Where both APIs are (e.g. a `veriscope serve`): `https://host[:port]`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Where the verification API is, when it is not at
    /// [`ClientBuilder::base_url`].
    pub fn verification_base_url(mut self, url: impl Into<String>) -> Self {
        self.verification_base_url = Some(url.into());
        self
    }

    /// Deadline of one HTTP request (each retry gets its own); 60 s by default.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How failed requests are retried.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The limits of local validation (the hosted APIs' by default).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Applies options given as JSON (the C door takes them so):
    /// `{"baseUrl", "verificationBaseUrl", "timeoutSeconds", "maxRetries",
    /// "limits"}`, camelCase or snake_case, each optional. An unknown key or a
    /// wrong type is `INVALID_ARGUMENT`; empty text changes nothing.
    pub fn options_json(mut self, text: &str) -> Result<Self> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        struct Options {
            #[serde(alias = "base_url")]
            base_url: Option<String>,
            #[serde(alias = "verification_base_url")]
            verification_base_url: Option<String>,
            #[serde(alias = "timeout_seconds")]
            timeout_seconds: Option<f64>,
            #[serde(alias = "max_retries")]
            max_retries: Option<u32>,
            limits: Option<Limits>,
        }
        if text.trim().is_empty() {
            return Ok(self);
        }
        let invalid = |reason: String| Error::new(ErrorCode::InvalidArgument, reason);
        let options: Options = serde_json::from_str(text)
            .map_err(|error| invalid(format!("invalid client options: {error}")))?;
        if let Some(url) = options.base_url {
            self.base_url = url;
        }
        if let Some(url) = options.verification_base_url {
            self.verification_base_url = Some(url);
        }
        if let Some(seconds) = options.timeout_seconds {
            self.timeout = Duration::try_from_secs_f64(seconds)
                .ok()
                .filter(|timeout| !timeout.is_zero())
                .ok_or_else(|| {
                    invalid(format!("timeoutSeconds {seconds} is not a positive number"))
                })?;
        }
        if let Some(retries) = options.max_retries {
            self.retry.max_retries = retries;
        }
        if let Some(limits) = options.limits {
            self.limits = limits;
        }
        Ok(self)
    }

    /// The client; `INVALID_ARGUMENT` for an empty key or an unusable URL.
    pub fn build(self) -> Result<Client> {
        let key = self.api_key.trim();
        if key.is_empty() || key.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                "the API key must be non-empty, without spaces or control characters",
            ));
        }
        let base = parse_base(&self.base_url, "base_url")?;
        let verification_base = match &self.verification_base_url {
            Some(url) => parse_base(url, "verification_base_url")?,
            None => base.clone(),
        };
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .user_agent(concat!("veriscope/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| {
                Error::new(
                    ErrorCode::Internal,
                    format!("cannot build the HTTP client: {error}"),
                )
            })?;
        Ok(Client {
            http,
            api_key: key.to_owned(),
            base,
            verification_base,
            retry: self.retry,
            limits: self.limits,
        })
    }
}

fn parse_base(text: &str, name: &str) -> Result<Url> {
    let invalid = |reason: String| Error::new(ErrorCode::InvalidArgument, reason);
    let mut url = Url::parse(text.trim())
        .map_err(|error| invalid(format!("{name} {text:?} is not a URL: {error}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid(format!(
            "{name} must be an http(s) URL with a host"
        )));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// An async client of the hosted APIs (or of `veriscope serve`).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    api_key: String,
    base: Url,
    verification_base: Url,
    retry: RetryPolicy,
    limits: Limits,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api_key", &"<redacted>")
            .field("base", &self.base.as_str())
            .field("verification_base", &self.verification_base.as_str())
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// What `POST /uploads` answers: the `path` to name in `input.files`, and
/// whatever else the server says about the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadedFile {
    /// The upload path, e.g. `/uploads/<uuid>.jpeg`.
    pub path: String,
    /// Other fields (`veriscope serve` adds `file_name`, `format`, `size`,
    /// `created_at`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Whether a request may be sent again after a failure in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Replay {
    /// Reads and analyses: repeating them changes nothing.
    Safe,
    /// Creates something: repeated only if it never left this machine.
    OnlyIfNotSent,
}

impl Client {
    /// A builder for `api_key`.
    pub fn builder(api_key: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(api_key)
    }

    /// Forgery analysis of a document sent as a multipart file (at most
    /// 4.5 MB; JPEG, PNG or PDF, sniffed locally).
    pub async fn verify_document(&self, document: &[u8]) -> Result<ForgeryReport> {
        let info = check_document_bytes(document, &self.limits)?;
        let url = self.endpoint(&self.base, "api/v1/verify")?;
        let file_name = format!("document.{}", info.format.as_str());
        self.send(Replay::Safe, || {
            let form = file_form("document", document, &file_name, info.media_type);
            self.http.post(url.clone()).multipart(form)
        })
        .await
    }

    /// Forgery analysis of a document sent inline as base64 (a data URL is
    /// accepted too).
    pub async fn verify_document_base64(&self, document: &str) -> Result<ForgeryReport> {
        let body = json!({ "document": document });
        check_verify_request(&body.to_string(), &self.limits)?;
        self.verify_json(body).await
    }

    /// Forgery analysis of a document the API fetches from an HTTPS URL (at
    /// most 10 MB; the URL must be public).
    pub async fn verify_document_url(&self, document_url: &str) -> Result<ForgeryReport> {
        check_document_url(document_url, &self.limits)?;
        self.verify_json(json!({ "documentUrl": document_url }))
            .await
    }

    async fn verify_json(&self, body: Value) -> Result<ForgeryReport> {
        let url = self.endpoint(&self.base, "api/v1/verify")?;
        self.send(Replay::Safe, || self.http.post(url.clone()).json(&body))
            .await
    }

    /// The verification services the API offers (`GET /services`'s `data`).
    pub async fn services(&self) -> Result<Value> {
        let url = self.endpoint(&self.verification_base, "services")?;
        self.send(Replay::Safe, || self.http.get(url.clone())).await
    }

    /// Uploads a file for a later verification; name its `path` in
    /// `input.files`.
    pub async fn upload(&self, file: &[u8], file_name: Option<&str>) -> Result<UploadedFile> {
        let info = check_document_bytes(file, &self.limits)?;
        let url = self.endpoint(&self.verification_base, "uploads")?;
        let name = file_name
            .map(str::to_owned)
            .unwrap_or_else(|| format!("upload.{}", info.format.as_str()));
        self.send(Replay::OnlyIfNotSent, || {
            let form = file_form("file", file, &name, info.media_type);
            self.http.post(url.clone()).multipart(form)
        })
        .await
    }

    /// Creates a verification (checked locally against the service
    /// catalogue first); it comes back `IN_QUEUE`.
    pub async fn create_verification(
        &self,
        request: &CreateVerificationRequest,
    ) -> Result<Verification> {
        let body = serde_json::to_value(request).map_err(|error| {
            Error::new(
                ErrorCode::Internal,
                format!("serialising the request: {error}"),
            )
        })?;
        check_create_verification_value(&body, &self.limits)?;
        self.post_verification(&body).await
    }

    /// [`Client::create_verification`] from a JSON body (the C and Python
    /// doors take it so), checked with this client's limits: every problem
    /// of the body is reported with its field, as the server would.
    pub async fn create_verification_json(&self, body: &str) -> Result<Verification> {
        let request = check_create_verification(body, &self.limits)?;
        let body = serde_json::to_value(&request).map_err(|error| {
            Error::new(
                ErrorCode::Internal,
                format!("serialising the request: {error}"),
            )
        })?;
        self.post_verification(&body).await
    }

    async fn post_verification(&self, body: &Value) -> Result<Verification> {
        let url = self.endpoint(&self.verification_base, "verifications")?;
        self.send(Replay::OnlyIfNotSent, || {
            self.http.post(url.clone()).json(body)
        })
        .await
    }

    /// The verification `id` as it is now.
    pub async fn verification(&self, id: &str) -> Result<Verification> {
        let url = self.verification_url(id)?;
        self.send(Replay::Safe, || self.http.get(url.clone())).await
    }

    /// Polls verification `id` until it is settled (a terminal status, or
    /// `NEED_REVIEW`), waiting 0.5 s and then up to 5 s between polls;
    /// `TIMEOUT` if it is still running after `deadline`.
    pub async fn wait(&self, id: &str, deadline: Duration) -> Result<Verification> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(500);
        loop {
            let verification = self.verification(id).await?;
            if verification.status.is_settled() {
                return Ok(verification);
            }
            let left = deadline.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(Error::new(
                    ErrorCode::Timeout,
                    format!(
                        "verification {id} is still {} after {:.1} s",
                        verification.status.as_str(),
                        deadline.as_secs_f64()
                    ),
                ));
            }
            tokio::time::sleep(pause.min(left)).await;
            pause = pause.mul_f64(1.5).min(Duration::from_secs(5));
        }
    }

    fn verification_url(&self, id: &str) -> Result<Url> {
        if id.trim().is_empty() || id.len() > self.limits.max_identifier_length {
            return Err(Error::validation(vec![Problem::new(
                "id",
                "must be a verification id",
            )]));
        }
        let mut url = self.endpoint(&self.verification_base, "verifications")?;
        url.path_segments_mut()
            .map_err(|()| Error::new(ErrorCode::InvalidArgument, "base URL cannot take a path"))?
            .push(id);
        Ok(url)
    }

    fn endpoint(&self, base: &Url, path: &str) -> Result<Url> {
        base.join(path).map_err(|error| {
            Error::new(
                ErrorCode::InvalidArgument,
                format!("cannot form the URL of {path}: {error}"),
            )
        })
    }

    /// Sends a request, retrying as the policy says, and reads the `data`
    /// of the answer as `T`.
    async fn send<T: DeserializeOwned>(
        &self,
        replay: Replay,
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<T> {
        let mut retry = 0;
        loop {
            retry += 1;
            let (error, retry_after) = match request().bearer_auth(&self.api_key).send().await {
                Ok(response) if response.status().is_success() => {
                    return read_data(response).await;
                }
                Ok(response) => {
                    let retry_after = response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|value| value.to_str().ok())
                        .and_then(retry::parse_retry_after);
                    let status = response.status().as_u16();
                    let error = read_error(response).await;
                    let retryable = matches!(status, 500 | 502 | 503 | 504)
                        || (status == 429 && error.code() == ErrorCode::RateLimited);
                    if !retryable {
                        return Err(error);
                    }
                    (error, retry_after)
                }
                Err(failure) => {
                    let error = network_error(&failure);
                    if replay == Replay::OnlyIfNotSent && !failure.is_connect() {
                        return Err(error);
                    }
                    (error, None)
                }
            };
            match self.retry.delay(retry, retry_after, fastrand::f64()) {
                Some(wait) => tokio::time::sleep(wait).await,
                None => return Err(error),
            }
        }
    }
}

/// A multipart body of one file `field` (a fresh one per attempt: a form
/// cannot be sent twice).
fn file_form(
    field: &'static str,
    bytes: &[u8],
    file_name: &str,
    media_type: &str,
) -> reqwest::multipart::Form {
    let part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(file_name.to_owned());
    // The media type is one of the sniffed formats' own, always valid.
    let part = match part.mime_str(media_type) {
        Ok(typed) => typed,
        Err(_) => reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(file_name.to_owned()),
    };
    reqwest::multipart::Form::new().part(field, part)
}

fn network_error(failure: &reqwest::Error) -> Error {
    let code = if failure.is_timeout() {
        ErrorCode::Timeout
    } else {
        ErrorCode::NetworkError
    };
    // reqwest's Display omits the cause (connection refused, TLS...); add it.
    let mut message = failure.to_string();
    let mut source = std::error::Error::source(failure);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    Error::new(code, message)
}

async fn read_data<T: DeserializeOwned>(response: reqwest::Response) -> Result<T> {
    let body: Value = response.json().await.map_err(|error| {
        Error::new(
            ErrorCode::NetworkError,
            format!("the API's answer is not JSON: {error}"),
        )
    })?;
    let data = match body {
        Value::Object(mut object) if object.contains_key("data") => {
            object.remove("data").unwrap_or_default()
        }
        other => other,
    };
    serde_json::from_value(data).map_err(|error| {
        Error::new(
            ErrorCode::NetworkError,
            format!("the API's answer does not have the expected shape: {error}"),
        )
    })
}

/// The API's error body as an [`Error`]; a body that is not the API's (a
/// proxy's HTML page, a code this SDK does not know) is judged by its
/// HTTP status.
async fn read_error(response: reqwest::Response) -> Error {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    if let Ok(body) = serde_json::from_str::<ErrorBody>(&text) {
        return body.into();
    }
    let message = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|value| value["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| text.chars().take(200).collect());
    let code = match status {
        400 => ErrorCode::ValidationError,
        401 => ErrorCode::Unauthorized,
        402 => ErrorCode::TrialExhausted,
        404 => ErrorCode::NotFound,
        429 => ErrorCode::RateLimited,
        500..=599 => ErrorCode::NetworkError,
        _ => ErrorCode::Internal,
    };
    Error::new(code, format!("HTTP {status}: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_json_sets_what_it_names_and_refuses_the_unknown() {
        let builder = ClientBuilder::new("vsk")
            .options_json(
                r#"{"baseUrl": "http://127.0.0.1:8080", "timeout_seconds": 2.5, "maxRetries": 0}"#,
            )
            .unwrap();
        assert_eq!(builder.base_url, "http://127.0.0.1:8080");
        assert_eq!(builder.timeout, Duration::from_millis(2500));
        assert_eq!(builder.retry.max_retries, 0);
        for bad in [r#"{"baseURL": "x"}"#, r#"{"timeoutSeconds": -1}"#, "[1]"] {
            let error = ClientBuilder::new("vsk").options_json(bad).unwrap_err();
            assert_eq!(error.code(), ErrorCode::InvalidArgument, "{bad}");
        }
        assert!(ClientBuilder::new("vsk").options_json("").is_ok());
    }

    #[test]
    fn the_builder_refuses_unusable_keys_and_urls() {
        for key in ["", "   ", "has space", "line\nbreak"] {
            let error = Client::builder(key).build().unwrap_err();
            assert_eq!(error.code(), ErrorCode::InvalidArgument, "{key:?}");
        }
        for url in ["veriscor.io", "ftp://veriscor.io", "https://"] {
            let error = Client::builder("vsk").base_url(url).build().unwrap_err();
            assert_eq!(error.code(), ErrorCode::InvalidArgument, "{url}");
        }
        let client = Client::builder("vsk_secret_value")
            .base_url("http://127.0.0.1:9/prefix")
            .build()
            .unwrap();
        assert_eq!(client.base.as_str(), "http://127.0.0.1:9/prefix/");
        assert!(!format!("{client:?}").contains("vsk_secret_value"));
        let url = client.verification_url("a/b c").unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/prefix/verifications/a%2Fb%20c"
        );
    }
}
