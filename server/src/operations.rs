//! The endpoints operators use rather than API clients: liveness,
//! readiness, metrics and the OpenAPI document; and the layer that counts
//! and logs every answered request.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::AppState;

/// The OpenAPI 3.1 document of every route, served at `/openapi.json`.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// `GET /livez` (and `/health`): the process answers.
pub async fn livez() -> &'static str {
    "ok"
}

/// `GET /readyz`: 200 while the database answers within two seconds and
/// the instance is not shutting down; 503 otherwise, so a load balancer
/// sends requests elsewhere.
pub async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    if state.draining.load(Ordering::SeqCst) {
        return not_ready("shutting down");
    }
    match tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await {
        Ok(Ok(())) => {
            axum::Json(json!({ "status": "ready", "database": state.store.kind() })).into_response()
        }
        Ok(Err(error)) => not_ready(&error.to_string()),
        Err(_) => not_ready("the database did not answer within 2 s"),
    }
}

fn not_ready(reason: &str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        axum::Json(json!({ "status": "not ready", "reason": reason })),
    )
        .into_response()
}

/// `GET /metrics`: the Prometheus text exposition ([`crate::metrics`]).
pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let depth = match state.store.depth().await {
        Ok(depth) => depth,
        Err(error) => {
            tracing::warn!(%error, "queue depth unavailable for /metrics");
            Default::default()
        }
    };
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(depth),
    )
        .into_response()
}

/// `GET /openapi.json`.
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// Counts and logs each request by its route template, with its status and
/// time.
pub async fn observe(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    state.metrics.request(&method, &route, status, seconds);
    tracing::info!(
        target: "veriscope_server::http",
        method,
        route,
        status,
        ms = (seconds * 1000.0).round(),
        "request"
    );
    response
}
