//! `veriscope serve`: the hosted APIs' endpoints, answered by the local
//! engine, for teams that must keep identity documents on their own machines.
//!
//! Built on axum and tokio. Every error is the API's own body
//! (`{"error": {"code", "message", "details"}}`) with its HTTP status. The
//! engine's work (forgery analysis, face match) runs on tokio's blocking
//! pool so request handling never waits behind it.
//!
//! API endpoints: `POST /api/v1/verify` (multipart, base64 and
//! `documentUrl`), `GET /services`, `POST /uploads`, `POST /verifications`,
//! `GET /verifications/{id}`, `GET /verifications/{id}/webhooks` (delivery
//! attempts, an addition of this server). Operations: `GET /livez`, `GET
//! /readyz` (the database answers and the instance is not draining), `GET
//! /metrics` ([`metrics`]), `GET /openapi.json` (the document of all of
//! these) and `GET /health` (as `/livez`).
//!
//! Uploads, verifications and webhook deliveries live in the database
//! ([`store`]: SQLite embedded, or PostgreSQL shared by several instances).
//! Verifications are jobs claimed by the workers of any instance
//! ([`worker`]) and announce each status change by webhook ([`delivery`]).
//! On SIGTERM an instance stops taking work, lets running verifications
//! finish for `jobs.shutdown_grace_seconds`, and hands back what it still
//! holds.

pub mod access;
pub mod config;
pub mod delivery;
pub mod fetch;
pub mod logging;
pub mod metrics;
mod multipart;
mod operations;
mod response;
pub mod store;
mod uploads;
mod verifications;
mod verify;
pub mod worker;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::sync::watch;

pub use config::{LogFormat, ServerConfig, hash_api_key};
use response::ApiError;

/// What every handler shares.
#[derive(Debug)]
pub struct AppState {
    config: ServerConfig,
    keys: access::ApiKeys,
    limiter: access::RateLimiter,
    store: Arc<store::Store>,
    engine: Arc<worker::Engine>,
    metrics: Arc<metrics::Metrics>,
    /// Set on SIGTERM: `/readyz` answers 503 so load balancers move away.
    draining: AtomicBool,
}

/// The tasks an instance runs beside its handlers, and how to stop them.
#[derive(Debug)]
pub struct Background {
    stop: watch::Sender<bool>,
    workers: tokio::task::JoinSet<()>,
    deliverer: tokio::task::JoinHandle<()>,
}

impl AppState {
    /// Opens the database and the models, and starts the worker pool and the
    /// webhook deliverer (on the current tokio runtime). Work left unsettled
    /// in the database is claimed like new work.
    pub async fn start(config: ServerConfig) -> veriscope::Result<(Arc<Self>, Background)> {
        let store = Arc::new(store::Store::connect(&config.database).await?);
        let models = load_models(&config)?.map(Arc::new);
        let metrics = Arc::new(metrics::Metrics::new());
        let owner = format!(
            "{}-{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let deliveries = Arc::new(tokio::sync::Notify::new());
        let engine = Arc::new(worker::Engine {
            store: Arc::clone(&store),
            models,
            deliveries: Arc::clone(&deliveries),
            jobs: Arc::new(tokio::sync::Notify::new()),
            options: Default::default(),
            owner: owner.clone(),
            config: config.jobs,
            metrics: Arc::clone(&metrics),
        });
        let workers = config.workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
        });
        let (stop, stopped) = watch::channel(false);
        let worker_set = worker::start(Arc::clone(&engine), workers, stopped.clone());
        let deliverer = tokio::spawn(
            delivery::Deliverer::new(
                Arc::clone(&store),
                config.webhooks,
                config.limits.allow_loopback_webhooks,
                deliveries,
                owner.clone(),
                Duration::from_millis(config.jobs.poll_ms.max(250)),
                Arc::clone(&metrics),
            )
            .run(stopped),
        );
        tracing::info!(
            instance = %owner,
            database = store.kind(),
            workers,
            face_match = engine.models.is_some(),
            "started"
        );
        let state = AppState {
            keys: access::ApiKeys::new(&config.api_keys),
            limiter: access::RateLimiter::new(config.rate_limit),
            config,
            store,
            engine,
            metrics,
            draining: AtomicBool::new(false),
        };
        Ok((
            Arc::new(state),
            Background {
                stop,
                workers: worker_set,
                deliverer,
            },
        ))
    }

    /// Stops taking work; waits up to `jobs.shutdown_grace_seconds` for the
    /// verifications running here and for webhook attempts under way, then
    /// hands back every lease this instance still holds.
    pub async fn shut_down(&self, mut background: Background) {
        self.draining.store(true, Ordering::SeqCst);
        let _ = background.stop.send(true);
        let grace = Duration::from_secs_f64(self.config.jobs.shutdown_grace_seconds);
        let finished = tokio::time::timeout(grace, async {
            while background.workers.join_next().await.is_some() {}
            let _ = (&mut background.deliverer).await;
        })
        .await
        .is_ok();
        background.workers.abort_all();
        background.deliverer.abort();
        match self.store.release_leases(&self.engine.owner).await {
            Ok(released) => tracing::info!(finished, handed_back = released, "stopped"),
            Err(error) => tracing::error!(%error, "cannot hand back leases; they expire instead"),
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

/// The router answering the APIs' endpoints and the operations endpoints.
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
        .route("/health", get(operations::livez))
        .route("/livez", get(operations::livez))
        .route("/readyz", get(operations::readyz))
        .route("/metrics", get(operations::metrics))
        .route("/openapi.json", get(operations::openapi))
        .route_layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            operations::observe,
        ))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}

/// The OpenAPI 3.1 document of every route, as `GET /openapi.json` serves it.
pub fn openapi_document() -> &'static str {
    operations::OPENAPI
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
    tracing::info!("listening on http://{}", config.listen);
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
/// a server this way), then shuts down gracefully ([`AppState::shut_down`]).
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> veriscope::Result<()> {
    let (state, background) = AppState::start(config).await?;
    let draining = Arc::clone(&state);
    let served = axum::serve(listener, router(Arc::clone(&state)))
        .with_graceful_shutdown(async move {
            shutdown.await;
            draining.draining.store(true, Ordering::SeqCst);
            tracing::info!("shutting down: no new requests or work");
        })
        .await;
    state.shut_down(background).await;
    served.map_err(|error| {
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
            tracing::warn!(%error, "no face models; KTP_SELFIE is off");
            Ok(None)
        }
        Err(error) => Err(error),
    }
}
