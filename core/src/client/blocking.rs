//! The client for code without an async runtime: each call runs the async
//! [`Client`]'s on a runtime of its own, so both behave the same.

use std::time::Duration;

use serde_json::Value;

use super::{Client, ClientBuilder, UploadedFile};
use crate::model::{CreateVerificationRequest, ForgeryReport, Verification};
use crate::{Error, ErrorCode, Result};

/// A blocking client of the hosted APIs (or of `veriscope serve`): the same
/// calls as [`Client`], waiting for their answer.
///
/// Calling it from inside an async runtime is `INVALID_ARGUMENT` (use
/// [`Client`] there), never a panic.
#[derive(Debug)]
pub struct BlockingClient {
    client: Client,
    runtime: tokio::runtime::Runtime,
}

impl BlockingClient {
    /// A blocking client from a builder.
    pub fn new(builder: ClientBuilder) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| {
                Error::new(
                    ErrorCode::Internal,
                    format!("cannot start the client's runtime: {error}"),
                )
            })?;
        Ok(BlockingClient {
            client: builder.build()?,
            runtime,
        })
    }

    /// The async client inside.
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn run<T>(&self, call: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                "BlockingClient was called inside an async runtime; use veriscope::client::Client there",
            ));
        }
        self.runtime.block_on(call)
    }

    /// See [`Client::verify_document`].
    pub fn verify_document(&self, document: &[u8]) -> Result<ForgeryReport> {
        self.run(self.client.verify_document(document))
    }

    /// See [`Client::verify_document_base64`].
    pub fn verify_document_base64(&self, document: &str) -> Result<ForgeryReport> {
        self.run(self.client.verify_document_base64(document))
    }

    /// See [`Client::verify_document_url`].
    pub fn verify_document_url(&self, document_url: &str) -> Result<ForgeryReport> {
        self.run(self.client.verify_document_url(document_url))
    }

    /// See [`Client::services`].
    pub fn services(&self) -> Result<Value> {
        self.run(self.client.services())
    }

    /// See [`Client::upload`].
    pub fn upload(&self, file: &[u8], file_name: Option<&str>) -> Result<UploadedFile> {
        self.run(self.client.upload(file, file_name))
    }

    /// See [`Client::create_verification`].
    pub fn create_verification(&self, request: &CreateVerificationRequest) -> Result<Verification> {
        self.run(self.client.create_verification(request))
    }

    /// See [`Client::create_verification_json`].
    pub fn create_verification_json(&self, body: &str) -> Result<Verification> {
        self.run(self.client.create_verification_json(body))
    }

    /// See [`Client::verification`].
    pub fn verification(&self, id: &str) -> Result<Verification> {
        self.run(self.client.verification(id))
    }

    /// See [`Client::wait`].
    pub fn wait(&self, id: &str, deadline: Duration) -> Result<Verification> {
        self.run(self.client.wait(id, deadline))
    }
}
