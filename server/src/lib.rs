//! `veriscope serve`: the hosted APIs' endpoints, answered by the local
//! engine, for teams that must keep identity documents on their own machines.
//!
//! Built on axum and tokio. Every error is the API's own body
//! (`{"error": {"code", "message", "details"}}`) with its HTTP status. The
//! engine's work (forgery analysis) runs on tokio's blocking pool so request
//! handling never waits behind it.
//!
//! Endpoints: `POST /api/v1/verify` (multipart, base64 and `documentUrl`),
//! `GET /services`, `POST /uploads`, `POST /verifications`,
//! `GET /verifications/{id}`, `GET /verifications/{id}/webhooks` (delivery
//! attempts, an addition of this server), `GET /health`.
//!
//! Uploads and verifications live in SQLite ([`store`]); verifications run
//! on a worker pool ([`worker`]) and announce each status change by webhook
//! ([`delivery`]).

pub mod access;
pub mod config;
pub mod delivery;
pub mod fetch;
mod multipart;
mod response;
pub mod store;
mod uploads;
mod verifications;
mod verify;
pub mod worker;

use std::future::Future;
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
    store: Arc<store::Store>,
    engine: Arc<worker::Engine>,
    queue: worker::Queue,
}

impl AppState {
    /// Opens the database and the models, and starts the worker pool and the
    /// webhook deliverer (on the current tokio runtime). Verifications left
    /// unfinished by a previous process are queued again.
    pub fn start(config: ServerConfig) -> veriscope::Result<Self> {
        let store = Arc::new(if config.database.as_os_str() == ":memory:" {
            store::Store::in_memory()?
        } else {
            store::Store::open(&config.database)?
        });
        let models = load_models(&config)?.map(Arc::new);
        let wake = Arc::new(tokio::sync::Notify::new());
        let engine = Arc::new(worker::Engine {
            store: Arc::clone(&store),
            models,
            wake: Arc::clone(&wake),
            options: Default::default(),
        });
        let workers = config.workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
        });
        let queue = worker::start(Arc::clone(&engine), workers);
        for id in store.unfinished()? {
            queue.push(id);
        }
        tokio::spawn(
            delivery::Deliverer::new(
                Arc::clone(&store),
                config.webhooks,
                config.limits.allow_loopback_webhooks,
                wake,
            )
            .run(),
        );
        Ok(AppState {
            keys: access::ApiKeys::new(&config.api_keys),
            limiter: access::RateLimiter::new(config.rate_limit),
            config,
            store,
            engine,
            queue,
        })
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
        .route("/uploads", post(uploads::upload))
        .route("/verifications", post(verifications::create))
        .route("/verifications/{id}", get(verifications::get))
        .route("/verifications/{id}/webhooks", get(verifications::webhooks))
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

/// Serves on an already bound listener until Ctrl-C or SIGTERM.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    config: ServerConfig,
) -> veriscope::Result<()> {
    serve_until(listener, config, shutdown_signal()).await
}

/// Serves on `listener` until `shutdown` completes (tests stop and restart
/// a server this way). Work in progress is picked up by the next start.
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> veriscope::Result<()> {
    let app = router(Arc::new(AppState::start(config)?));
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|error| {
            veriscope::Error::new(
                veriscope::ErrorCode::Internal,
                format!("server stopped: {error}"),
            )
        })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = terminate => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The face models of the configuration: its `models` directory (an error
/// if unusable), else `VERISCOPE_MODELS` or `./models` when present, else
/// none (`KTP_SELFIE` is then refused with `MODEL_MISSING`).
fn load_models(config: &ServerConfig) -> veriscope::Result<Option<veriscope::face::FaceModels>> {
    if !config.face_match {
        return Ok(None);
    }
    if let Some(dir) = &config.models {
        return veriscope::face::FaceModels::load(dir).map(Some);
    }
    match veriscope::face::FaceModels::load_default() {
        Ok(models) => Ok(Some(models)),
        Err(error) if error.code() == veriscope::ErrorCode::ModelMissing => {
            eprintln!("veriscope serve: no face models; KTP_SELFIE is off ({error})");
            Ok(None)
        }
        Err(error) => Err(error),
    }
}
