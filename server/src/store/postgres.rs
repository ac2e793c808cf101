//! The shared store: PostgreSQL through tokio-postgres, with a deadpool
//! connection pool, for several `veriscope serve` instances on one
//! database. Jobs and deliveries are claimed with `FOR UPDATE SKIP LOCKED`,
//! so instances never queue behind one another's rows.
//!
//! Connections are plain TCP or a Unix socket (`host=/run/postgresql`):
//! keep the database on a private network or a socket.

use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;
use veriscope::model::Verification;
use veriscope::{Error, ErrorCode, Result};

use super::migrations;
use super::{
    DeliveryAttempt, DeliveryNext, DeliveryRecord, NewDelivery, PendingDelivery, QueueDepth,
    UNSETTLED, Upload, VerificationRow, delivery_record, storage_error,
};

/// Connections one instance keeps open at most.
const POOL_SIZE: usize = 16;

/// The advisory lock taken while migrating ("veriscop" in ASCII).
const MIGRATION_LOCK: i64 = 0x7665_7269_7363_6f70;

/// A PostgreSQL database.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the URL: it may carry a password.
        formatter
            .debug_struct("PostgresStore")
            .field("status", &self.pool.status())
            .finish()
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (a libpq URL) and applies the
    /// migrations it lacks.
    pub async fn connect(url: &str) -> Result<PostgresStore> {
        let config = tokio_postgres::Config::from_str(url).map_err(|error| {
            Error::new(
                ErrorCode::InvalidArgument,
                format!("the database URL is not a PostgreSQL URL: {error}"),
            )
        })?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(Duration::from_secs(5)))
            .wait_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(storage_error)?;
        let store = PostgresStore { pool };
        store.migrate().await.map_err(|error| {
            Error::new(
                ErrorCode::InvalidArgument,
                format!("cannot use the PostgreSQL database: {error}"),
            )
        })?;
        Ok(store)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(storage_error)
    }

    async fn migrate(&self) -> Result<()> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await.map_err(storage_error)?;
        transaction
            .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(storage_error)?;
        transaction
            .batch_execute(migrations::VERSIONS_TABLE)
            .await
            .map_err(storage_error)?;
        let applied: i32 = transaction
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .await
            .map_err(storage_error)?
            .get(0);
        for (index, sql) in migrations::POSTGRES.iter().enumerate() {
            let version = index as i32 + 1;
            if version > applied {
                transaction
                    .batch_execute(sql)
                    .await
                    .map_err(storage_error)?;
                transaction
                    .execute(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                        &[&version, &veriscope::pipeline::now_rfc3339()],
                    )
                    .await
                    .map_err(storage_error)?;
            }
        }
        transaction.commit().await.map_err(storage_error)
    }

    pub(super) async fn ping(&self) -> Result<()> {
        self.client()
            .await?
            .execute("SELECT 1", &[])
            .await
            .map_err(storage_error)?;
        Ok(())
    }

    pub(super) async fn insert_upload(
        &self,
        api_key_id: &str,
        upload: &Upload,
        bytes: Vec<u8>,
    ) -> Result<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO uploads (path, api_key_id, file_name, format, size, bytes, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &upload.path,
                    &api_key_id,
                    &upload.file_name,
                    &upload.format.as_str(),
                    &(upload.size as i64),
                    &bytes,
                    &upload.created_at,
                ],
            )
            .await
            .map_err(storage_error)?;
        Ok(())
    }

    pub(super) async fn upload_format(
        &self,
        api_key_id: &str,
        path: &str,
    ) -> Result<Option<String>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT format FROM uploads WHERE path = $1 AND api_key_id = $2",
                &[&path, &api_key_id],
            )
            .await
            .map_err(storage_error)?;
        Ok(row.map(|row| row.get(0)))
    }

    pub(super) async fn upload_bytes(
        &self,
        api_key_id: &str,
        path: &str,
    ) -> Result<Option<Vec<u8>>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT bytes FROM uploads WHERE path = $1 AND api_key_id = $2",
                &[&path, &api_key_id],
            )
            .await
            .map_err(storage_error)?;
        Ok(row.map(|row| row.get(0)))
    }

    pub(super) async fn insert_verification(
        &self,
        api_key_id: &str,
        verification: &Verification,
        delivery: Option<NewDelivery>,
    ) -> Result<()> {
        let row = VerificationRow::of(verification);
        let mut client = self.client().await?;
        let transaction = client.transaction().await.map_err(storage_error)?;
        transaction
            .execute(
                "INSERT INTO verifications (id, api_key_id, status, body) VALUES ($1, $2, $3, $4)",
                &[&row.id, &api_key_id, &row.status, &row.body],
            )
            .await
            .map_err(storage_error)?;
        insert_delivery(&transaction, &row, delivery).await?;
        transaction.commit().await.map_err(storage_error)
    }

    pub(super) async fn verification(&self, id: &str) -> Result<Option<(String, String)>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT api_key_id, body FROM verifications WHERE id = $1",
                &[&id],
            )
            .await
            .map_err(storage_error)?;
        Ok(row.map(|row| (row.get(0), row.get(1))))
    }

    pub(super) async fn claim_verification(
        &self,
        owner: &str,
        now_ms: i64,
        lease_until_ms: i64,
    ) -> Result<Option<(String, String)>> {
        let row = self
            .client()
            .await?
            .query_opt(
                "UPDATE verifications SET lease_owner = $1, lease_until_ms = $2
                 WHERE seq = (SELECT seq FROM verifications
                              WHERE status IN ($4, $5)
                                AND (lease_owner IS NULL OR lease_until_ms < $3)
                              ORDER BY seq LIMIT 1
                              FOR UPDATE SKIP LOCKED)
                 RETURNING api_key_id, body",
                &[
                    &owner,
                    &lease_until_ms,
                    &now_ms,
                    &UNSETTLED[0],
                    &UNSETTLED[1],
                ],
            )
            .await
            .map_err(storage_error)?;
        Ok(row.map(|row| (row.get(0), row.get(1))))
    }

    pub(super) async fn renew_lease(
        &self,
        id: &str,
        owner: &str,
        lease_until_ms: i64,
    ) -> Result<bool> {
        let changed = self
            .client()
            .await?
            .execute(
                "UPDATE verifications SET lease_until_ms = $3 WHERE id = $1 AND lease_owner = $2",
                &[&id, &owner, &lease_until_ms],
            )
            .await
            .map_err(storage_error)?;
        Ok(changed == 1)
    }

    pub(super) async fn save_claimed(
        &self,
        owner: &str,
        verification: &Verification,
        delivery: Option<NewDelivery>,
    ) -> Result<bool> {
        let row = VerificationRow::of(verification);
        let mut client = self.client().await?;
        let transaction = client.transaction().await.map_err(storage_error)?;
        let changed = transaction
            .execute(
                "UPDATE verifications SET status = $3, body = $4,
                     lease_owner = CASE WHEN $5 THEN NULL ELSE lease_owner END,
                     lease_until_ms = CASE WHEN $5 THEN 0 ELSE lease_until_ms END
                 WHERE id = $1 AND lease_owner = $2",
                &[&row.id, &owner, &row.status, &row.body, &row.settled],
            )
            .await
            .map_err(storage_error)?;
        if changed != 1 {
            return Ok(false);
        }
        insert_delivery(&transaction, &row, delivery).await?;
        transaction.commit().await.map_err(storage_error)?;
        Ok(true)
    }

    pub(super) async fn release_leases(&self, owner: &str) -> Result<u64> {
        let client = self.client().await?;
        let mut released = 0;
        for table in ["verifications", "deliveries"] {
            released += client
                .execute(
                    &format!(
                        "UPDATE {table} SET lease_owner = NULL, lease_until_ms = 0 WHERE lease_owner = $1"
                    ),
                    &[&owner],
                )
                .await
                .map_err(storage_error)?;
        }
        Ok(released)
    }

    pub(super) async fn claim_deliveries(
        &self,
        owner: &str,
        now_ms: i64,
        lease_until_ms: i64,
        limit: usize,
    ) -> Result<Vec<PendingDelivery>> {
        let rows = self
            .client()
            .await?
            .query(
                concat!(
                    "UPDATE deliveries SET lease_owner = $1, lease_until_ms = $2
                 WHERE id IN (
                     SELECT d.id FROM deliveries d
                     WHERE d.state = 'pending' AND d.next_attempt_ms <= $3
                       AND (d.lease_owner IS NULL OR d.lease_until_ms < $3)
                       AND ",
                    oldest_pending_of_its_verification!(),
                    "
                     ORDER BY d.next_attempt_ms, d.id LIMIT $4
                     FOR UPDATE SKIP LOCKED)
                 RETURNING id, verification_id, url, payload, secret, attempts"
                ),
                &[&owner, &lease_until_ms, &now_ms, &(limit as i64)],
            )
            .await
            .map_err(storage_error)?;
        let mut claimed: Vec<PendingDelivery> = rows
            .into_iter()
            .map(|row| PendingDelivery {
                id: row.get(0),
                verification_id: row.get(1),
                url: row.get(2),
                payload: row.get(3),
                secret: row.get(4),
                attempts: row.get::<_, i32>(5).max(0) as u32,
            })
            .collect();
        claimed.sort_by_key(|delivery| delivery.id);
        Ok(claimed)
    }

    pub(super) async fn next_delivery_ms(&self) -> Result<Option<i64>> {
        let row = self
            .client()
            .await?
            .query_one(
                concat!(
                    "SELECT MIN(GREATEST(d.next_attempt_ms, d.lease_until_ms)) FROM deliveries d
                 WHERE d.state = 'pending'
                   AND ",
                    oldest_pending_of_its_verification!()
                ),
                &[],
            )
            .await
            .map_err(storage_error)?;
        Ok(row.get(0))
    }

    pub(super) async fn record_attempt(
        &self,
        delivery_id: i64,
        owner: &str,
        attempt: &DeliveryAttempt,
        next: DeliveryNext,
    ) -> Result<bool> {
        let (state, next_ms) = next.state();
        let number = attempt.attempt as i32;
        let mut client = self.client().await?;
        let transaction = client.transaction().await.map_err(storage_error)?;
        let changed = transaction
            .execute(
                "UPDATE deliveries SET state = $3, attempts = $4,
                     next_attempt_ms = COALESCE($5, next_attempt_ms),
                     lease_owner = NULL, lease_until_ms = 0
                 WHERE id = $1 AND lease_owner = $2",
                &[&delivery_id, &owner, &state, &number, &next_ms],
            )
            .await
            .map_err(storage_error)?;
        if changed != 1 {
            return Ok(false);
        }
        transaction
            .execute(
                "INSERT INTO delivery_attempts (delivery_id, attempt, at, http_status, error, duration_ms)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &delivery_id,
                    &number,
                    &attempt.at,
                    &attempt.http_status.map(i32::from),
                    &attempt.error,
                    &(attempt.duration_ms as i64),
                ],
            )
            .await
            .map_err(storage_error)?;
        transaction.commit().await.map_err(storage_error)?;
        Ok(true)
    }

    pub(super) async fn deliveries(&self, verification_id: &str) -> Result<Vec<DeliveryRecord>> {
        let client = self.client().await?;
        let heads = client
            .query(
                "SELECT id, status, state FROM deliveries WHERE verification_id = $1 ORDER BY id",
                &[&verification_id],
            )
            .await
            .map_err(storage_error)?;
        let attempts = client
            .prepare(
                "SELECT attempt, at, http_status, error, duration_ms FROM delivery_attempts
                 WHERE delivery_id = $1 ORDER BY attempt",
            )
            .await
            .map_err(storage_error)?;
        let mut records = Vec::with_capacity(heads.len());
        for head in heads {
            let id: i64 = head.get(0);
            let list = client
                .query(&attempts, &[&id])
                .await
                .map_err(storage_error)?
                .into_iter()
                .map(|row| DeliveryAttempt {
                    attempt: row.get::<_, i32>(0).max(0) as u32,
                    at: row.get(1),
                    http_status: row
                        .get::<_, Option<i32>>(2)
                        .and_then(|status| u16::try_from(status).ok()),
                    error: row.get(3),
                    duration_ms: row.get::<_, i64>(4).max(0) as u64,
                })
                .collect();
            records.push(delivery_record(
                id,
                head.get::<_, &str>(1),
                head.get(2),
                list,
            )?);
        }
        Ok(records)
    }

    pub(super) async fn depth(&self) -> Result<QueueDepth> {
        let row = self
            .client()
            .await?
            .query_one(
                "SELECT (SELECT COUNT(*) FROM verifications WHERE status = 'IN_QUEUE'),
                        (SELECT COUNT(*) FROM verifications WHERE status = 'IN_PROGRESS'),
                        (SELECT COUNT(*) FROM deliveries WHERE state = 'pending')",
                &[],
            )
            .await
            .map_err(storage_error)?;
        Ok(QueueDepth {
            queued: row.get(0),
            running: row.get(1),
            deliveries_pending: row.get(2),
        })
    }
}

async fn insert_delivery(
    transaction: &deadpool_postgres::Transaction<'_>,
    row: &VerificationRow,
    delivery: Option<NewDelivery>,
) -> Result<()> {
    let Some(delivery) = delivery else {
        return Ok(());
    };
    transaction
        .execute(
            "INSERT INTO deliveries (verification_id, status, url, payload, secret, next_attempt_ms)
             VALUES ($1, $2, $3, $4, $5, 0)",
            &[
                &row.id,
                &row.status,
                &delivery.url,
                &delivery.payload,
                &delivery.secret,
            ],
        )
        .await
        .map_err(storage_error)?;
    Ok(())
}
