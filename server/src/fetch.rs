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
    download(&client, &url.url, url.max_bytes).await
}

/// GETs `url` with `client` and reads at most `max_bytes` of the body while
/// it streams in: a declared or actual length over the cap is
/// `FILE_TOO_LARGE` without reading further, a non-2xx answer or a broken
/// download `FETCH_FAILED`.
async fn download(client: &reqwest::Client, url: &str, max_bytes: u64) -> Result<Vec<u8>> {
    let mut response = client
        .get(url)
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
            format!("the document at documentUrl exceeds {max_bytes} bytes"),
        )
    };
    if response
        .content_length()
        .is_some_and(|length| length > max_bytes)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| failed(format!("the document's download broke off: {error}")))?
    {
        if body.len() as u64 + chunk.len() as u64 > max_bytes {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An origin on loopback serving `/small` (1 KB), `/large` (declared
    /// 64 KB), `/streamed` (64 KB without a length) and `/missing` (404).
    async fn origin() -> String {
        use axum::body::Body;
        let app = axum::Router::new()
            .route("/small", axum::routing::get(|| async { vec![7u8; 1024] }))
            .route("/large", axum::routing::get(|| async { vec![7u8; 65_536] }))
            .route(
                "/streamed",
                axum::routing::get(|| async {
                    let chunks = (0..64).map(|_| Ok::<_, std::io::Error>(vec![7u8; 1024]));
                    Body::from_stream(futures_util::stream::iter(chunks))
                }),
            )
            .route(
                "/missing",
                axum::routing::get(|| async { axum::http::StatusCode::NOT_FOUND }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    }

    #[tokio::test]
    async fn a_download_is_read_whole_under_the_cap_and_refused_over_it() {
        let base = origin().await;
        let client = reqwest::Client::new();
        let small = download(&client, &format!("{base}/small"), 2048)
            .await
            .unwrap();
        assert_eq!(small.len(), 1024);
        for path in ["large", "streamed"] {
            let error = download(&client, &format!("{base}/{path}"), 4096)
                .await
                .unwrap_err();
            assert_eq!(error.code(), ErrorCode::FileTooLarge, "{path}");
        }
        let error = download(&client, &format!("{base}/missing"), 4096)
            .await
            .unwrap_err();
        assert_eq!(error.code(), ErrorCode::FetchFailed);
        assert!(error.message().contains("404"), "{error}");
    }

    #[tokio::test]
    async fn loopback_and_private_answers_are_never_connected_to() {
        for host in ["localhost", "127.0.0.1", "10.1.2.3", "169.254.169.254"] {
            let error = pinned_client(host, 443, Duration::from_secs(1))
                .await
                .unwrap_err();
            assert!(error.contains("not a public address"), "{host}: {error}");
        }
    }
}
