//! The worker pool: verifications run here, `IN_QUEUE` → `IN_PROGRESS` →
//! a settled status, each step saved (with its webhook) before the next.
//!
//! Workers take jobs from the database, not from memory: each claims the
//! oldest unsettled verification with a lease ([`crate::store`]), renews
//! the lease while the engine runs, and saves only while it holds it. A
//! verification created here wakes a local worker at once; jobs left by a
//! dead instance, or queued on a busy one, are found by polling. Several
//! instances on one PostgreSQL database share the work this way, and a
//! restart loses nothing accepted.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};
use veriscope::face::FaceModels;
use veriscope::model::{Verification, VerificationStatus};
use veriscope::pipeline::{InputBytes, PipelineOptions, now_rfc3339, run_verification};
use veriscope::{Error, ErrorCode};

use crate::config::JobsConfig;
use crate::delivery::{now_ms, status_event};
use crate::metrics::Metrics;
use crate::store::{Claimed, Store};

/// What a worker needs.
#[derive(Debug)]
pub struct Engine {
    /// The database.
    pub store: Arc<Store>,
    /// Face models, when configured.
    pub models: Option<Arc<FaceModels>>,
    /// Told when a webhook delivery is added.
    pub deliveries: Arc<Notify>,
    /// Told when a verification is queued here.
    pub jobs: Arc<Notify>,
    /// Options of every run.
    pub options: PipelineOptions,
    /// This instance's name on the leases it takes (unique per process).
    pub owner: String,
    /// Lease length and polling.
    pub config: JobsConfig,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
}

impl Engine {
    fn lease(&self) -> Duration {
        Duration::from_secs_f64(self.config.lease_seconds)
    }

    fn lease_until(&self) -> i64 {
        now_ms() + self.lease().as_millis() as i64
    }
}

/// Starts `workers` workers; they stop taking jobs once `stop` turns true
/// and end when their current job is saved.
pub fn start(
    engine: Arc<Engine>,
    workers: usize,
    stop: watch::Receiver<bool>,
) -> tokio::task::JoinSet<()> {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..workers.max(1) {
        let engine = Arc::clone(&engine);
        let mut stop = stop.clone();
        set.spawn(async move {
            let poll = Duration::from_millis(engine.config.poll_ms);
            while !*stop.borrow() {
                match engine
                    .store
                    .claim_verification(&engine.owner, now_ms(), engine.lease_until())
                    .await
                {
                    Ok(Some(claimed)) => {
                        let id = claimed.verification.id.clone();
                        if let Err(error) = process(&engine, claimed).await {
                            tracing::error!(verification = %id, %error, "verification not saved");
                        }
                        continue;
                    }
                    Ok(None) => {}
                    Err(error) => tracing::warn!(%error, "cannot claim a verification"),
                }
                tokio::select! {
                    () = engine.jobs.notified() => {}
                    () = tokio::time::sleep(poll) => {}
                    _ = stop.changed() => {}
                }
            }
        });
    }
    set
}

/// Runs one claimed verification to a settled status, renewing its lease
/// meanwhile.
async fn process(engine: &Engine, claimed: Claimed) -> veriscope::Result<()> {
    let Claimed {
        api_key_id,
        mut verification,
    } = claimed;
    let renewing = renew_while_running(engine, verification.id.clone());
    let outcome = run(engine, &api_key_id, &mut verification).await;
    renewing.abort();
    outcome
}

/// Renews the lease on `id` every third of its length until aborted.
fn renew_while_running(engine: &Engine, id: String) -> tokio::task::AbortHandle {
    let store = Arc::clone(&engine.store);
    let owner = engine.owner.clone();
    let lease = engine.lease();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(lease / 3).await;
            let until = now_ms() + lease.as_millis() as i64;
            match store.renew_lease(&id, &owner, until).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(verification = %id, "lease lost; another instance runs it");
                    break;
                }
                Err(error) => tracing::warn!(verification = %id, %error, "cannot renew a lease"),
            }
        }
    })
    .abort_handle()
}

async fn run(
    engine: &Engine,
    api_key_id: &str,
    verification: &mut Verification,
) -> veriscope::Result<()> {
    if verification.status == VerificationStatus::InQueue {
        verification.transition_to(VerificationStatus::InProgress)?;
        verification.started_at = Some(now_rfc3339());
        if !save(engine, verification).await? {
            return Ok(());
        }
    }
    if verification.status != VerificationStatus::InProgress {
        return Ok(());
    }
    let files = match input_bytes(&engine.store, api_key_id, verification).await {
        Ok(files) => files,
        Err(error) => return fail(engine, verification.clone(), &error).await,
    };
    let models = engine.models.clone();
    let options = engine.options.clone();
    let mut running = verification.clone();
    let started = std::time::Instant::now();
    let outcome = tokio::task::spawn_blocking(move || {
        let outcome = run_verification(&mut running, &files, models.as_deref(), &options);
        (running, outcome)
    })
    .await;
    engine.metrics.observe_run(started.elapsed().as_secs_f64());
    match outcome {
        Ok((mut settled, Ok(()))) => save(engine, &mut settled).await.map(drop),
        Ok((_, Err(error))) => fail(engine, verification.clone(), &error).await,
        Err(panic) => {
            let error = Error::new(
                ErrorCode::Internal,
                format!("the verification run stopped: {panic}"),
            );
            fail(engine, verification.clone(), &error).await
        }
    }
}

/// Ends a verification `FAILED` with `error` in its `error` field: the
/// engine could not run it (models missing, an upload gone).
async fn fail(
    engine: &Engine,
    mut verification: Verification,
    error: &Error,
) -> veriscope::Result<()> {
    verification.transition_to(VerificationStatus::Failed)?;
    verification.extra.insert(
        "error".into(),
        serde_json::to_value(error.to_body().error).unwrap_or_default(),
    );
    verification.completed_at = Some(now_rfc3339());
    save(engine, &mut verification).await.map(drop)
}

/// Saves a status change under this instance's lease; false when the lease
/// was lost (another instance now runs the verification and saves it).
async fn save(engine: &Engine, verification: &mut Verification) -> veriscope::Result<bool> {
    verification.updated_at = Some(now_rfc3339());
    let event = status_event(verification);
    let announce = event.is_some();
    let saved = engine
        .store
        .save_claimed(&engine.owner, verification, event)
        .await?;
    if !saved {
        tracing::warn!(verification = %verification.id, "lease lost; result dropped");
        return Ok(false);
    }
    if verification.status.is_settled() {
        engine.metrics.settled(verification.status);
        tracing::info!(verification = %verification.id, status = verification.status.as_str(), "settled");
    }
    if announce {
        engine.deliveries.notify_one();
    }
    Ok(true)
}

/// The bytes of every upload named in `input.files`.
async fn input_bytes(
    store: &Store,
    api_key_id: &str,
    verification: &Verification,
) -> veriscope::Result<InputBytes> {
    let mut files = InputBytes::new();
    let named = verification
        .input
        .as_ref()
        .and_then(|input| input.files.clone())
        .unwrap_or_default();
    for (name, paths) in named {
        let mut list = Vec::with_capacity(paths.len());
        for path in paths {
            let bytes = store
                .upload_bytes(api_key_id, &path)
                .await?
                .ok_or_else(|| {
                    Error::new(
                        ErrorCode::NotFound,
                        format!("the upload {path} of input.files.{name} is gone"),
                    )
                })?;
            list.push(bytes);
        }
        files.insert(name, list);
    }
    Ok(files)
}
