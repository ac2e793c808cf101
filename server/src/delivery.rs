//! Webhook delivery: each status change of a verification with a
//! `webhook_url` is POSTed there, signed with the verification's
//! `webhook_metadata.webhook_secret` (Standard Webhooks headers, the SDK's
//! own signer), retried with jittered exponential backoff until the
//! receiver answers 2xx or the attempts run out. Every attempt is recorded.
//!
//! A verification's events go out in order: its next event waits until the
//! one before it is delivered or abandoned. The `webhook-id` (`msg_<n>`)
//! stays the same across retries, so a receiver can drop duplicates.
//!
//! Deliveries are rows of an outbox table written with the status change.
//! Each instance claims due ones with a lease; when a sender dies between
//! sending and recording, another instance sends the delivery again after
//! the lease: at least once, with the same `webhook-id`.
//!
//! Receivers are reached like `documentUrl`s: only at public addresses,
//! pinned, no redirects; with `limits.allow_loopback_webhooks` a loopback
//! URL is reached directly (development only).

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::{Notify, watch};
use veriscope::backoff::Backoff;
use veriscope::model::Verification;
use veriscope::webhook::{Secret, Signer};

use crate::config::WebhookConfig;
use crate::metrics::Metrics;
use crate::store::{DeliveryAttempt, DeliveryNext, NewDelivery, PendingDelivery, Store};

/// The event type carried by every webhook body.
pub const STATUS_CHANGED: &str = "verification.status_changed";

/// Deliveries attempted at once.
const PARALLEL_DELIVERIES: usize = 16;

/// The verification as the API shows it: everything but the signing secret,
/// which the caller already has and which never travels back.
pub fn public_view(verification: &Verification) -> Verification {
    let mut shown = verification.clone();
    if let Some(metadata) = shown.webhook_metadata.as_mut() {
        metadata.webhook_secret = None;
    }
    shown
}

/// The delivery announcing `verification`'s current status, if it has a
/// `webhook_url`: `{"event": "verification.status_changed", "data": {...}}`.
pub fn status_event(verification: &Verification) -> Option<NewDelivery> {
    let url = verification.webhook_url.clone()?;
    let payload = json!({ "event": STATUS_CHANGED, "data": public_view(verification) });
    Some(NewDelivery {
        url,
        payload: payload.to_string(),
        secret: verification
            .webhook_metadata
            .as_ref()
            .and_then(|metadata| metadata.webhook_secret.clone()),
    })
}

/// Sends due deliveries until told to stop.
#[derive(Debug, Clone)]
pub struct Deliverer {
    store: Arc<Store>,
    config: WebhookConfig,
    allow_loopback: bool,
    wake: Arc<Notify>,
    owner: String,
    poll: Duration,
    metrics: Arc<Metrics>,
}

impl Deliverer {
    /// A deliverer over `store` claiming deliveries as `owner`; `wake` is
    /// notified when a delivery is added here, and the database is polled
    /// every `poll` for deliveries added or dropped by other instances.
    pub fn new(
        store: Arc<Store>,
        config: WebhookConfig,
        allow_loopback: bool,
        wake: Arc<Notify>,
        owner: String,
        poll: Duration,
        metrics: Arc<Metrics>,
    ) -> Self {
        Deliverer {
            store,
            config,
            allow_loopback,
            wake,
            owner,
            poll,
            metrics,
        }
    }

    /// How long a claimed delivery stays this instance's: time for the
    /// attempt and for recording it; after that another instance may send it.
    fn lease(&self) -> Duration {
        Duration::from_secs(self.config.timeout_seconds * 2 + 5)
    }

    /// The delivery loop: attempt what is due, then sleep until the next
    /// delivery falls due, a new one is added, or `poll` passes. Ends when
    /// `stop` turns true, after the attempts under way are recorded.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        while !*stop.borrow() {
            let now = now_ms();
            let lease_until = now + self.lease().as_millis() as i64;
            let due = match self
                .store
                .claim_deliveries(&self.owner, now, lease_until, PARALLEL_DELIVERIES)
                .await
            {
                Ok(due) => due,
                Err(error) => {
                    tracing::warn!(%error, "cannot claim webhook deliveries");
                    Vec::new()
                }
            };
            if !due.is_empty() {
                let mut attempts = tokio::task::JoinSet::new();
                for delivery in due {
                    let deliverer = self.clone();
                    attempts.spawn(async move { deliverer.attempt(delivery).await });
                }
                while attempts.join_next().await.is_some() {}
                continue;
            }
            let wait = match self.store.next_delivery_ms().await {
                // Not less than a few milliseconds: a delivery another
                // instance is just claiming can look due for a moment.
                Ok(Some(at)) => Duration::from_millis((at - now_ms()).max(20) as u64),
                _ => self.poll,
            }
            .min(self.poll);
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
        }
    }

    async fn attempt(&self, delivery: PendingDelivery) {
        let number = delivery.attempts + 1;
        let at = veriscope::pipeline::now_rfc3339();
        let started = std::time::Instant::now();
        let outcome = self.send(&delivery).await;
        let duration_ms = started.elapsed().as_millis() as u64;
        let (http_status, error, retry_after) = match outcome {
            Ok(Sent {
                status,
                retry_after,
            }) => {
                let error = (!(200..300).contains(&status)).then(|| format!("HTTP {status}"));
                (Some(status), error, retry_after)
            }
            Err(error) => (None, Some(error), None),
        };
        let next = if error.is_none() {
            DeliveryNext::Delivered
        } else if number >= self.config.max_attempts {
            DeliveryNext::Abandoned
        } else {
            let wait = retry_delay(&self.config, number, fastrand::f64()).max(
                retry_after
                    .unwrap_or_default()
                    .min(Duration::from_secs_f64(self.config.max_retry_seconds)),
            );
            DeliveryNext::RetryAt(now_ms() + wait.as_millis() as i64)
        };
        self.metrics.delivery(next);
        if let Some(error) = &error {
            tracing::info!(webhook_id = %format!("msg_{}", delivery.id), attempt = number, %error, "webhook attempt failed");
        }
        let attempt = DeliveryAttempt {
            attempt: number,
            at,
            http_status,
            error,
            duration_ms,
        };
        match self
            .store
            .record_attempt(delivery.id, &self.owner, &attempt, next)
            .await
        {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                webhook_id = %format!("msg_{}", delivery.id),
                "delivery lease lost; another instance records it"
            ),
            Err(error) => tracing::error!(%error, "cannot record a webhook attempt"),
        }
    }

    async fn send(&self, delivery: &PendingDelivery) -> Result<Sent, String> {
        let url = reqwest::Url::parse(&delivery.url).map_err(|error| error.to_string())?;
        let timeout = Duration::from_secs(self.config.timeout_seconds);
        let client = if self.allow_loopback && veriscope::validate::is_loopback_url(url.as_str()) {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(timeout)
                .build()
                .map_err(|error| error.to_string())?
        } else {
            if url.scheme() != "https" {
                return Err(format!("{} is not an https URL", url.scheme()));
            }
            let host = url.host_str().unwrap_or_default();
            let port = url.port_or_known_default().unwrap_or(443);
            crate::fetch::pinned_client(host, port, timeout).await?
        };
        let mut request = client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(
                reqwest::header::USER_AGENT,
                concat!("veriscope-server/", env!("CARGO_PKG_VERSION")),
            );
        if let Some(secret) = &delivery.secret {
            let signer = Signer::new(Secret::parse(secret).map_err(|error| error.to_string())?);
            let timestamp = now_ms() / 1000;
            let headers = signer
                .sign(
                    &format!("msg_{}", delivery.id),
                    timestamp,
                    delivery.payload.as_bytes(),
                )
                .map_err(|error| error.to_string())?;
            for (name, value) in headers.iter() {
                request = request.header(name, value);
            }
        }
        let response = request
            .body(delivery.payload.clone())
            .send()
            .await
            .map_err(|error| format!("could not reach the receiver: {error}"))?;
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        Ok(Sent {
            status: response.status().as_u16(),
            retry_after,
        })
    }
}

struct Sent {
    status: u16,
    retry_after: Option<Duration>,
}

/// The wait after failed attempt `attempt` (1-based): the core's shared
/// [`Backoff`] from `first_retry_seconds` up to `max_retry_seconds`, so that
/// receivers coming back up are not hit by every sender at once.
pub fn retry_delay(config: &WebhookConfig, attempt: u32, jitter: f64) -> Duration {
    // The configuration is checked to be finite and non-negative on load.
    let seconds = |value: f64| Duration::try_from_secs_f64(value).unwrap_or(Duration::MAX);
    Backoff::new(
        seconds(config.first_retry_seconds),
        seconds(config.max_retry_seconds),
    )
    .delay(attempt, jitter)
}

/// Unix time in milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use veriscope::model::{VerificationStatus, WebhookMetadata};

    #[test]
    fn retry_delays_double_with_jitter_up_to_the_cap() {
        let config = WebhookConfig {
            max_attempts: 10,
            first_retry_seconds: 2.0,
            max_retry_seconds: 10.0,
            timeout_seconds: 1,
        };
        assert_eq!(retry_delay(&config, 1, 1.0), Duration::from_secs(2));
        assert_eq!(retry_delay(&config, 2, 1.0), Duration::from_secs(4));
        assert_eq!(retry_delay(&config, 3, 0.0), Duration::from_secs(4));
        assert_eq!(retry_delay(&config, 9, 1.0), Duration::from_secs(10));
        assert_eq!(retry_delay(&config, u32::MAX, 1.0), Duration::from_secs(10));
    }

    #[test]
    fn the_event_carries_the_verification_but_not_its_secret() {
        let mut verification = Verification::new("v1", VerificationStatus::Completed);
        assert!(status_event(&verification).is_none(), "no URL, no delivery");
        verification.webhook_url = Some("https://hooks.example.com/x".into());
        verification.webhook_metadata = Some(WebhookMetadata {
            webhook_secret: Some("a-very-secret-signing-key".into()),
            ..WebhookMetadata::default()
        });
        let event = status_event(&verification).unwrap();
        assert_eq!(event.secret.as_deref(), Some("a-very-secret-signing-key"));
        assert!(
            !event.payload.contains("a-very-secret"),
            "{}",
            event.payload
        );
        let parsed = veriscope::webhook::parse_event(event.payload.as_bytes()).unwrap();
        assert_eq!(parsed.status, VerificationStatus::Completed);
    }
}
