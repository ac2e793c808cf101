//! Where the server keeps uploads, verifications and webhook deliveries.
//!
//! Two stores answer the same operations:
//! - **SQLite** ([`sqlite`], rusqlite with the library compiled in): one
//!   file, the embedded default, for one instance. Its calls run on tokio's
//!   blocking pool, never on an async worker thread.
//! - **PostgreSQL** ([`postgres`], tokio-postgres through a deadpool pool):
//!   for several instances behind a load balancer, sharing one database.
//!
//! The database, not any process, holds the work:
//! - A verification is a **job**. An instance *claims* it with a lease
//!   (`lease_owner`, `lease_until_ms`; PostgreSQL picks with `FOR UPDATE SKIP
//!   LOCKED`, so instances never wait on each other's rows), renews the lease
//!   while it runs, and saves each status change only while it still holds
//!   the lease. An instance that dies stops renewing; when its lease expires
//!   another instance claims the job, and a late save from the dead owner is
//!   refused, so every verification settles exactly once.
//! - Each status change is saved in the same transaction as the webhook
//!   delivery announcing it (an **outbox**). Deliveries are claimed with a
//!   lease too; one whose sender died is sent again by another instance with
//!   the same `webhook-id`: delivered at least once, deduplicated by the
//!   receiver.
//! - Both schemas are numbered migrations recorded in `schema_migrations`:
//!   a start applies what is missing, under a lock when instances start
//!   together.

/// The SQL condition (both dialects) that delivery `d` is the oldest pending
/// one of its verification: only that one may be sent or waited for, so a
/// verification's events arrive in order.
macro_rules! oldest_pending_of_its_verification {
    () => {
        "NOT EXISTS (SELECT 1 FROM deliveries e
                     WHERE e.verification_id = d.verification_id
                       AND e.state = 'pending' AND e.id < d.id)"
    };
}

mod migrations;
pub mod postgres;
pub mod sqlite;

use serde::Serialize;
use veriscope::model::{DocumentFormat, Verification, VerificationStatus};
use veriscope::{Error, ErrorCode, Result};

pub(crate) fn storage_error(error: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::Internal, format!("storage: {error}"))
}

/// The server's database: SQLite or PostgreSQL, chosen by the configured
/// `database` (a `postgres://` or `postgresql://` URL, `:memory:`, or a file).
#[derive(Debug)]
pub enum Store {
    /// The embedded database.
    Sqlite(sqlite::SqliteStore),
    /// A PostgreSQL server shared by instances.
    Postgres(postgres::PostgresStore),
}

/// Calls the same method on whichever store this is.
macro_rules! each_store {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            Store::Sqlite($store) => $call,
            Store::Postgres($store) => $call,
        }
    };
}

/// A stored upload, without its bytes: what `POST /uploads` answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Upload {
    /// The path to pass in `input.files`: `/uploads/<uuid>.<ext>`.
    pub path: String,
    /// The name the client gave the file, if any.
    pub file_name: Option<String>,
    /// The format sniffed from its bytes.
    pub format: DocumentFormat,
    /// Its size in bytes.
    pub size: u64,
    /// When it was stored (RFC 3339).
    pub created_at: String,
}

/// A webhook delivery claimed for an attempt.
#[derive(Debug, Clone)]
pub struct PendingDelivery {
    /// Row id; also the stable `webhook-id` (`msg_<id>`) across retries.
    pub id: i64,
    /// The verification it reports on.
    pub verification_id: String,
    /// Where it goes.
    pub url: String,
    /// The JSON body.
    pub payload: String,
    /// The per-verification signing secret; unsigned without one.
    pub secret: Option<String>,
    /// Attempts recorded so far.
    pub attempts: u32,
}

/// How a delivery attempt went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryAttempt {
    /// 1 for the first attempt.
    pub attempt: u32,
    /// When it was made (RFC 3339).
    pub at: String,
    /// The receiver's HTTP status, if it answered.
    pub http_status: Option<u16>,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: u64,
}

/// One webhook delivery and its attempts, as `GET
/// /verifications/{id}/webhooks` lists them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryRecord {
    /// Row id (`webhook-id` is `msg_<id>`).
    pub id: i64,
    /// The verification status it announced.
    pub status: VerificationStatus,
    /// `pending`, `delivered` or `abandoned`.
    pub state: String,
    /// Every attempt made, first first.
    pub attempts: Vec<DeliveryAttempt>,
}

/// What to record after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryNext {
    /// The receiver took it.
    Delivered,
    /// Try again at this Unix time (ms).
    RetryAt(i64),
    /// Out of attempts.
    Abandoned,
}

impl DeliveryNext {
    /// The delivery's `state` column after this outcome, and when it is
    /// next due (unchanged when `None`).
    fn state(self) -> (&'static str, Option<i64>) {
        match self {
            DeliveryNext::Delivered => ("delivered", None),
            DeliveryNext::RetryAt(at) => ("pending", Some(at)),
            DeliveryNext::Abandoned => ("abandoned", None),
        }
    }
}

/// A webhook delivery to record together with a status change.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// Receiver URL.
    pub url: String,
    /// JSON body.
    pub payload: String,
    /// Signing secret.
    pub secret: Option<String>,
}

/// A verification claimed by an instance: it may run it until its lease ends.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The API key that owns it.
    pub api_key_id: String,
    /// Its stored state (`IN_QUEUE`, or `IN_PROGRESS` when a previous owner
    /// died while running it).
    pub verification: Verification,
}

/// How much work is waiting, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepth {
    /// Verifications `IN_QUEUE`.
    pub queued: i64,
    /// Verifications `IN_PROGRESS`.
    pub running: i64,
    /// Webhook deliveries not yet delivered or abandoned.
    pub deliveries_pending: i64,
}

/// Statuses a verification can still leave: the claimable ones.
const UNSETTLED: [&str; 2] = ["IN_QUEUE", "IN_PROGRESS"];

impl Store {
    /// Opens the configured database: a `postgres://` or `postgresql://`
    /// URL, `:memory:` (SQLite, gone when the server stops) or a SQLite file
    /// (created if needed). Missing migrations are applied.
    pub async fn connect(database: &str) -> Result<Store> {
        if database.starts_with("postgres://") || database.starts_with("postgresql://") {
            return postgres::PostgresStore::connect(database)
                .await
                .map(Store::Postgres);
        }
        let sqlite = if database == ":memory:" {
            sqlite::SqliteStore::in_memory()?
        } else {
            sqlite::SqliteStore::open(std::path::Path::new(database))?
        };
        Ok(Store::Sqlite(sqlite))
    }

    /// `"sqlite"` or `"postgres"`, for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// Succeeds when the database answers a query (`/readyz`).
    pub async fn ping(&self) -> Result<()> {
        each_store!(self, store => store.ping().await)
    }

    /// Stores an upload of `api_key_id`.
    pub async fn insert_upload(
        &self,
        api_key_id: &str,
        upload: &Upload,
        bytes: Vec<u8>,
    ) -> Result<()> {
        each_store!(self, store => store.insert_upload(api_key_id, upload, bytes).await)
    }

    /// The format of `api_key_id`'s upload at `path`, if there is one.
    pub async fn upload_format(
        &self,
        api_key_id: &str,
        path: &str,
    ) -> Result<Option<DocumentFormat>> {
        let format = each_store!(self, store => store.upload_format(api_key_id, path).await)?;
        format.map(|text| text.parse()).transpose()
    }

    /// The bytes of `api_key_id`'s upload at `path`, if there is one.
    pub async fn upload_bytes(&self, api_key_id: &str, path: &str) -> Result<Option<Vec<u8>>> {
        each_store!(self, store => store.upload_bytes(api_key_id, path).await)
    }

    /// Stores a new verification of `api_key_id` (unclaimed), with the
    /// delivery its creation announces, if any.
    pub async fn insert_verification(
        &self,
        api_key_id: &str,
        verification: &Verification,
        delivery: Option<NewDelivery>,
    ) -> Result<()> {
        each_store!(self, store => store.insert_verification(api_key_id, verification, delivery).await)
    }

    /// A verification with the API key that owns it.
    pub async fn verification(&self, id: &str) -> Result<Option<(String, Verification)>> {
        let row = each_store!(self, store => store.verification(id).await)?;
        row.map(|(key, body)| {
            let verification = serde_json::from_str(&body).map_err(storage_error)?;
            Ok((key, verification))
        })
        .transpose()
    }

    /// Claims the oldest unsettled verification whose lease is free or has
    /// expired at `now_ms`, for `owner` until `lease_until_ms`.
    pub async fn claim_verification(
        &self,
        owner: &str,
        now_ms: i64,
        lease_until_ms: i64,
    ) -> Result<Option<Claimed>> {
        let row = each_store!(self, store => store.claim_verification(owner, now_ms, lease_until_ms).await)?;
        row.map(|(api_key_id, body)| {
            let verification = serde_json::from_str(&body).map_err(storage_error)?;
            Ok(Claimed {
                api_key_id,
                verification,
            })
        })
        .transpose()
    }

    /// Extends `owner`'s lease on verification `id`; false when the lease
    /// is no longer `owner`'s (it expired and another instance took it).
    pub async fn renew_lease(&self, id: &str, owner: &str, lease_until_ms: i64) -> Result<bool> {
        each_store!(self, store => store.renew_lease(id, owner, lease_until_ms).await)
    }

    /// Saves a claimed verification's new state, with the delivery
    /// announcing it, if `owner` still holds its lease; a settled status
    /// ends the lease. False (nothing saved) when the lease was lost.
    pub async fn save_claimed(
        &self,
        owner: &str,
        verification: &Verification,
        delivery: Option<NewDelivery>,
    ) -> Result<bool> {
        each_store!(self, store => store.save_claimed(owner, verification, delivery).await)
    }

    /// Hands back every verification and delivery `owner` holds, so other
    /// instances (or the next start) take them at once (graceful shutdown).
    pub async fn release_leases(&self, owner: &str) -> Result<u64> {
        each_store!(self, store => store.release_leases(owner).await)
    }

    /// Claims up to `limit` deliveries due at `now_ms` for `owner` until
    /// `lease_until_ms`, each the oldest pending one of its verification (a
    /// verification's events arrive in order).
    pub async fn claim_deliveries(
        &self,
        owner: &str,
        now_ms: i64,
        lease_until_ms: i64,
        limit: usize,
    ) -> Result<Vec<PendingDelivery>> {
        each_store!(self, store => store.claim_deliveries(owner, now_ms, lease_until_ms, limit).await)
    }

    /// When the next delivery can be claimed (Unix ms), if any: the earliest
    /// due time or lease end among the oldest pending delivery of each
    /// verification (the ones after it wait for it).
    pub async fn next_delivery_ms(&self) -> Result<Option<i64>> {
        each_store!(self, store => store.next_delivery_ms().await)
    }

    /// Records `owner`'s attempt on a delivery and what happens next, and
    /// ends its lease; false (nothing recorded) when the lease was lost.
    pub async fn record_attempt(
        &self,
        delivery_id: i64,
        owner: &str,
        attempt: &DeliveryAttempt,
        next: DeliveryNext,
    ) -> Result<bool> {
        each_store!(self, store => store.record_attempt(delivery_id, owner, attempt, next).await)
    }

    /// The webhook deliveries of a verification and their attempts.
    pub async fn deliveries(&self, verification_id: &str) -> Result<Vec<DeliveryRecord>> {
        each_store!(self, store => store.deliveries(verification_id).await)
    }

    /// Work waiting: verifications queued and running, deliveries pending.
    pub async fn depth(&self) -> Result<QueueDepth> {
        each_store!(self, store => store.depth().await)
    }
}

/// A delivery record from its stored columns.
fn delivery_record(
    id: i64,
    status: &str,
    state: String,
    attempts: Vec<DeliveryAttempt>,
) -> Result<DeliveryRecord> {
    Ok(DeliveryRecord {
        id,
        status: status.parse()?,
        state,
        attempts,
    })
}

/// A verification's columns, owned so they can move into a store's task.
struct VerificationRow {
    id: String,
    status: &'static str,
    body: String,
    /// A settled verification is saved without a lease.
    settled: bool,
}

impl VerificationRow {
    fn of(verification: &Verification) -> VerificationRow {
        VerificationRow {
            id: verification.id.clone(),
            status: verification.status.as_str(),
            body: veriscope::to_json(verification),
            settled: verification.status.is_settled(),
        }
    }
}
