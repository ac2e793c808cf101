//! `veriscope serve`: the hosted APIs' endpoints, answered by the local
//! engine, for teams that must keep identity documents on their own machines.
//!
//! Built on axum and tokio. Every error is the API's own body
//! (`{"error": {"code", "message", "details"}}`) with its HTTP status. The
//! engine's work (forgery analysis) runs on tokio's blocking pool so request
//! handling never waits behind it.
//!
//! Endpoints so far: `POST /api/v1/verify` (multipart, base64 and
//! `documentUrl`), `GET /services`, `GET /health`.

pub mod access;
pub mod config;
pub mod fetch;
mod response;
mod verify;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use config::{ServerConfig, hash_api_key};
use response::ApiError;

/// What every handler shares.
#[derive(Debug)]
pub struct AppState {
    config: ServerConfig,
    keys: access::ApiKeys,
    limiter: access::RateLimiter,
}

impl AppState {
    /// The state for a configuration.
    pub fn new(config: ServerConfig) -> Self {
        AppState {
            keys: access::ApiKeys::new(&config.api_keys),
            limiter: access::RateLimiter::new(config.rate_limit),
            config,
        }
    }

    /// Authenticates the request and takes a rate-limit token; the key's id.
    fn admit(&self, headers: &axum::http::HeaderMap) -> Result<String, ApiError> {
        let key = self.keys.authenticate(headers)?.to_owned();
        self.limiter
            .take(&key)
            .map_err(|(error, wait)| ApiError::from(error).retry_after(wait))?;
        Ok(key)
    }
}

/// The router answering the APIs' endpoints.
pub fn router(state: Arc<AppState>) -> Router {
    // Room for a base64 body of the largest inline document, plus JSON and
    // multipart framing; the documents' own limits are checked inside.
    let body_limit = usize::try_from(state.config.limits.max_inline_bytes)
        .unwrap_or(usize::MAX / 2)
        .saturating_mul(4)
        / 3
        + 64 * 1024;
    Router::new()
        .route("/api/v1/verify", post(verify::verify))
        .route("/services", get(services))
        .route("/health", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}

async fn services(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    state.admit(&headers)?;
    Ok(axum::Json(
        serde_json::json!({ "data": veriscope::model::catalogue() }),
    ))
}

/// Serves until the process is interrupted (Ctrl-C or SIGTERM).
pub async fn serve(config: ServerConfig) -> veriscope::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|error| {
            veriscope::Error::new(
                veriscope::ErrorCode::InvalidArgument,
                format!("cannot listen on {}: {error}", config.listen),
            )
        })?;
    serve_on(listener, config).await
}

/// Serves on an already bound listener (tests bind port 0).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    config: ServerConfig,
) -> veriscope::Result<()> {
    let app = router(Arc::new(AppState::new(config)));
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|error| {
            veriscope::Error::new(
                veriscope::ErrorCode::Internal,
                format!("server stopped: {error}"),
            )
        })
}
