//! What `GET /metrics` reports, in the Prometheus (OpenMetrics) text format,
//! through the Prometheus project's own Rust client:
//!
//! - `veriscope_http_requests_total{method, route, status}` and
//!   `veriscope_http_request_duration_seconds{method, route}`: every answered
//!   request, by route template (`/verifications/{id}`), never by raw path.
//! - `veriscope_verification_run_seconds`: the engine's time per verification.
//! - `veriscope_verifications_settled_total{status}`: settled here.
//! - `veriscope_webhook_attempts_total{outcome}`: `delivered`, `retry` or
//!   `abandoned`.
//! - `veriscope_queue_depth{queue}`: verifications `queued` and `running`,
//!   and `deliveries` pending, read from the database at each scrape, so
//!   every instance reports the shared queue.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use veriscope::model::VerificationStatus;

use crate::store::{DeliveryNext, QueueDepth};

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    queue: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 1 ms to about 33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// The server's metrics and their registry.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily<RouteLabels>,
    runs: Histogram,
    settled: Family<StatusLabels, Counter>,
    attempts: Family<OutcomeLabels, Counter>,
    depth: Family<QueueLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Every metric registered, at zero.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("veriscope");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        let latency: HistogramFamily<RouteLabels> =
            Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request",
            latency.clone(),
        );
        let runs = latency_histogram();
        registry.register(
            "verification_run_seconds",
            "Engine time per verification",
            runs.clone(),
        );
        let settled = Family::<StatusLabels, Counter>::default();
        registry.register(
            "verifications_settled",
            "Verifications settled by this instance, by status",
            settled.clone(),
        );
        let attempts = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "webhook_attempts",
            "Webhook delivery attempts by this instance, by outcome",
            attempts.clone(),
        );
        let depth = Family::<QueueLabels, Gauge>::default();
        registry.register(
            "queue_depth",
            "Work waiting in the shared database",
            depth.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            runs,
            settled,
            attempts,
            depth,
        }
    }

    /// Counts an answered request on `route` (its template).
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(seconds);
    }

    /// Records the engine's time on one verification.
    pub fn observe_run(&self, seconds: f64) {
        self.runs.observe(seconds);
    }

    /// Counts a verification settled here.
    pub fn settled(&self, status: VerificationStatus) {
        self.settled
            .get_or_create(&StatusLabels {
                status: status.as_str().to_owned(),
            })
            .inc();
    }

    /// Counts a webhook attempt by what follows it.
    pub fn delivery(&self, next: DeliveryNext) {
        let outcome = match next {
            DeliveryNext::Delivered => "delivered",
            DeliveryNext::RetryAt(_) => "retry",
            DeliveryNext::Abandoned => "abandoned",
        };
        self.attempts
            .get_or_create(&OutcomeLabels {
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// The text exposition, with the queue depths just read.
    pub fn encode(&self, depth: QueueDepth) -> String {
        for (queue, value) in [
            ("queued", depth.queued),
            ("running", depth.running),
            ("deliveries", depth.deliveries_pending),
        ] {
            self.depth
                .get_or_create(&QueueLabels {
                    queue: queue.to_owned(),
                })
                .set(value);
        }
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}
