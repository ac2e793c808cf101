//! Fetching a `documentUrl` without letting the caller aim the server at its
//! own network (SSRF).
//!
//! The URL has already passed the validation layer's rules (HTTPS, no
//! credentials, no literal private or metadata address). Here the host name
//! is resolved once, every address it resolves to must be public, and the
//! connection is pinned to a checked address, so a second DNS answer cannot
//! swap in a private one (DNS rebinding). Redirects are not followed. The
//! body is read under a size cap and a deadline.

use std::net::SocketAddr;
use std::time::Duration;

use veriscope::validate::{DocumentUrl, is_public_ip};
use veriscope::{Error, ErrorCode, Result};

use crate::config::FetchConfig;

fn failed(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::FetchFailed, message)
}

/// The document at `url`: at most `url.max_bytes`, within the deadline.
pub async fn fetch_document(url: &DocumentUrl, config: &FetchConfig) -> Result<Vec<u8>> {
    let client = pinned_client(
        &url.host,
        url.port,
        Duration::from_secs(config.timeout_seconds),
    )
    .await
    .map_err(failed)?;
    let mut response = client
        .get(&url.url)
        .send()
        .await
        .map_err(|error| failed(format!("could not fetch the document: {error}")))?;
    if !response.status().is_success() {
        return Err(failed(format!(
            "fetching the document answered HTTP {}",
            response.status()
        )));
    }
    let too_large = || {
        Error::new(
            ErrorCode::FileTooLarge,
            format!(
                "the document at documentUrl exceeds {} bytes",
                url.max_bytes
            ),
        )
    };
    if response
        .content_length()
        .is_some_and(|length| length > url.max_bytes)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| failed(format!("the document's download broke off: {error}")))?
    {
        if body.len() as u64 + chunk.len() as u64 > url.max_bytes {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A client that reaches `host` only at an address checked to be public:
/// the name is resolved once, every answer must be public, and the
/// connection is pinned to the first; redirects are not followed. Used for
/// `documentUrl` fetches and webhook deliveries alike.
pub(crate) async fn pinned_client(
    host: &str,
    port: u16,
    timeout: Duration,
) -> std::result::Result<reqwest::Client, String> {
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|error| format!("could not resolve {host}: {error}"))?
        .collect();
    let Some(&address) = addresses.first() else {
        return Err(format!("{host} has no address"));
    };
    if let Some(private) = addresses.iter().find(|a| !is_public_ip(a.ip())) {
        return Err(format!(
            "{host} resolves to {}, which is not a public address",
            private.ip()
        ));
    }
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .resolve(host, address)
        .timeout(timeout)
        .build()
        .map_err(|error| format!("cannot build the HTTP client: {error}"))
}
