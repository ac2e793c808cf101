//! The worker pool: verifications run here, `IN_QUEUE` → `IN_PROGRESS` →
//! a settled status, each step saved (with its webhook) before the next.
//!
//! The queue holds ids only; the database holds the truth. At start the
//! server queues every verification left `IN_QUEUE` or `IN_PROGRESS` by the
//! previous process, so a crash or restart loses nothing accepted.

use std::sync::Arc;

use tokio::sync::{Mutex, Notify, mpsc};
use veriscope::face::FaceModels;
use veriscope::model::{Verification, VerificationStatus};
use veriscope::pipeline::{InputBytes, PipelineOptions, now_rfc3339, run_verification};
use veriscope::{Error, ErrorCode};

use crate::delivery::status_event;
use crate::store::Store;

/// What a worker needs.
#[derive(Debug)]
pub struct Engine {
    /// The database.
    pub store: Arc<Store>,
    /// Face models, when configured.
    pub models: Option<Arc<FaceModels>>,
    /// Told when a webhook delivery is added.
    pub wake: Arc<Notify>,
    /// Options of every run.
    pub options: PipelineOptions,
}

/// The sending end of the queue.
#[derive(Debug, Clone)]
pub struct Queue(mpsc::UnboundedSender<String>);

impl Queue {
    /// Queues a verification by id.
    pub fn push(&self, id: String) {
        // The receiver lives as long as the workers, i.e. the process.
        let _ = self.0.send(id);
    }
}

/// Starts `workers` workers; returns the queue feeding them.
pub fn start(engine: Arc<Engine>, workers: usize) -> Queue {
    let (sender, receiver) = mpsc::unbounded_channel::<String>();
    let receiver = Arc::new(Mutex::new(receiver));
    for _ in 0..workers.max(1) {
        let receiver = Arc::clone(&receiver);
        let engine = Arc::clone(&engine);
        tokio::spawn(async move {
            loop {
                let next = receiver.lock().await.recv().await;
                let Some(id) = next else { break };
                if let Err(error) = process(&engine, &id).await {
                    eprintln!("veriscope serve: verification {id}: {error}");
                }
            }
        });
    }
    Queue(sender)
}

/// Runs one verification to a settled status.
async fn process(engine: &Engine, id: &str) -> veriscope::Result<()> {
    let Some((api_key_id, mut verification)) = engine.store.verification(id)? else {
        return Ok(());
    };
    if verification.status == VerificationStatus::InQueue {
        verification.transition_to(VerificationStatus::InProgress)?;
        verification.started_at = Some(now_rfc3339());
        save(engine, &mut verification)?;
    }
    if verification.status != VerificationStatus::InProgress {
        return Ok(()); // queued twice; already settled
    }
    let files = match input_bytes(&engine.store, &api_key_id, &verification) {
        Ok(files) => files,
        Err(error) => return fail(engine, verification, &error),
    };
    let models = engine.models.clone();
    let options = engine.options.clone();
    let mut running = verification.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let outcome = run_verification(&mut running, &files, models.as_deref(), &options);
        (running, outcome)
    })
    .await;
    match outcome {
        Ok((mut settled, Ok(()))) => save(engine, &mut settled),
        Ok((_, Err(error))) => fail(engine, verification, &error),
        Err(panic) => fail(
            engine,
            verification,
            &Error::new(
                ErrorCode::Internal,
                format!("the verification run stopped: {panic}"),
            ),
        ),
    }
}

/// Ends a verification `FAILED` with `error` in its `error` field: the
/// engine could not run it (models missing, an upload gone).
fn fail(engine: &Engine, mut verification: Verification, error: &Error) -> veriscope::Result<()> {
    verification.transition_to(VerificationStatus::Failed)?;
    verification.extra.insert(
        "error".into(),
        serde_json::to_value(error.to_body().error).unwrap_or_default(),
    );
    verification.completed_at = Some(now_rfc3339());
    save(engine, &mut verification)
}

fn save(engine: &Engine, verification: &mut Verification) -> veriscope::Result<()> {
    verification.updated_at = Some(now_rfc3339());
    let event = status_event(verification);
    let announce = event.is_some();
    engine.store.update_verification(verification, event)?;
    if announce {
        engine.wake.notify_one();
    }
    Ok(())
}

/// The bytes of every upload named in `input.files`.
fn input_bytes(
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
            let bytes = store.upload_bytes(api_key_id, &path)?.ok_or_else(|| {
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
