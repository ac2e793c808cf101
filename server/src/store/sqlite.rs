//! The embedded store: SQLite (rusqlite, the library compiled in), one file
//! in WAL mode, for one instance. Every call runs on tokio's blocking pool
//! behind one connection, so a slow disk never stalls an async worker.
//!
//! One instance per file: a start hands back the leases a previous process
//! left, so its unfinished work resumes at once instead of after the lease.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use veriscope::model::Verification;
use veriscope::{Error, ErrorCode, Result};

use super::migrations;
use super::{
    DeliveryAttempt, DeliveryNext, DeliveryRecord, NewDelivery, PendingDelivery, QueueDepth,
    UNSETTLED, Upload, VerificationRow, delivery_record, storage_error,
};

/// A SQLite database.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    connection: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let connection = Connection::open(path).map_err(|error| {
            Error::new(
                ErrorCode::InvalidArgument,
                format!("cannot open the database {}: {error}", path.display()),
            )
        })?;
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(storage_error)?;
        SqliteStore::with_connection(connection)
    }

    /// A database in memory, gone when the server stops (tests, trials).
    pub fn in_memory() -> Result<SqliteStore> {
        SqliteStore::with_connection(Connection::open_in_memory().map_err(storage_error)?)
    }

    fn with_connection(mut connection: Connection) -> Result<SqliteStore> {
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(storage_error)?;
        connection
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(storage_error)?;
        migrate(&mut connection).map_err(storage_error)?;
        connection
            .execute_batch(
                "UPDATE verifications SET lease_owner = NULL, lease_until_ms = 0
                     WHERE lease_owner IS NOT NULL;
                 UPDATE deliveries SET lease_owner = NULL, lease_until_ms = 0
                     WHERE lease_owner IS NOT NULL;",
            )
            .map_err(storage_error)?;
        Ok(SqliteStore {
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    /// Runs `work` on the connection, on the blocking pool.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T> {
        let connection = Arc::clone(&self.connection);
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock leaves SQLite consistent (every
            // write is one statement or one transaction), so keep going.
            let mut connection = connection
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            work(&mut connection)
        })
        .await
        .map_err(storage_error)?
        .map_err(storage_error)
    }

    pub(super) async fn ping(&self) -> Result<()> {
        self.run(|connection| connection.query_row("SELECT 1", [], |_| Ok(())))
            .await
    }

    pub(super) async fn insert_upload(
        &self,
        api_key_id: &str,
        upload: &Upload,
        bytes: Vec<u8>,
    ) -> Result<()> {
        let (key, upload) = (api_key_id.to_owned(), upload.clone());
        self.run(move |connection| {
            connection.execute(
                "INSERT INTO uploads (path, api_key_id, file_name, format, size, bytes, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    upload.path,
                    key,
                    upload.file_name,
                    upload.format.as_str(),
                    upload.size as i64,
                    bytes,
                    upload.created_at
                ],
            )?;
            Ok(())
        })
        .await
    }

    pub(super) async fn upload_format(
        &self,
        api_key_id: &str,
        path: &str,
    ) -> Result<Option<String>> {
        let (key, path) = (api_key_id.to_owned(), path.to_owned());
        self.run(move |connection| {
            connection
                .query_row(
                    "SELECT format FROM uploads WHERE path = ?1 AND api_key_id = ?2",
                    params![path, key],
                    |row| row.get(0),
                )
                .optional()
        })
        .await
    }

    pub(super) async fn upload_bytes(
        &self,
        api_key_id: &str,
        path: &str,
    ) -> Result<Option<Vec<u8>>> {
        let (key, path) = (api_key_id.to_owned(), path.to_owned());
        self.run(move |connection| {
            connection
                .query_row(
                    "SELECT bytes FROM uploads WHERE path = ?1 AND api_key_id = ?2",
                    params![path, key],
                    |row| row.get(0),
                )
                .optional()
        })
        .await
    }

    pub(super) async fn insert_verification(
        &self,
        api_key_id: &str,
        verification: &Verification,
        delivery: Option<NewDelivery>,
    ) -> Result<()> {
        let key = api_key_id.to_owned();
        let row = VerificationRow::of(verification);
        self.run(move |connection| {
            let transaction = connection.transaction()?;
            transaction.execute(
                "INSERT INTO verifications (id, api_key_id, status, body) VALUES (?1, ?2, ?3, ?4)",
                params![row.id, key, row.status, row.body],
            )?;
            insert_delivery(&transaction, &row, delivery)?;
            transaction.commit()
        })
        .await
    }

    pub(super) async fn verification(&self, id: &str) -> Result<Option<(String, String)>> {
        let id = id.to_owned();
        self.run(move |connection| {
            connection
                .query_row(
                    "SELECT api_key_id, body FROM verifications WHERE id = ?1",
                    params![id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()
        })
        .await
    }

    pub(super) async fn claim_verification(
        &self,
        owner: &str,
        now_ms: i64,
        lease_until_ms: i64,
    ) -> Result<Option<(String, String)>> {
        let owner = owner.to_owned();
        self.run(move |connection| {
            connection
                .query_row(
                    "UPDATE verifications SET lease_owner = ?1, lease_until_ms = ?2
                     WHERE seq = (SELECT seq FROM verifications
                                  WHERE status IN (?4, ?5)
                                    AND (lease_owner IS NULL OR lease_until_ms < ?3)
                                  ORDER BY seq LIMIT 1)
                     RETURNING api_key_id, body",
                    params![owner, lease_until_ms, now_ms, UNSETTLED[0], UNSETTLED[1]],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()
        })
        .await
    }

    pub(super) async fn renew_lease(
        &self,
        id: &str,
        owner: &str,
        lease_until_ms: i64,
    ) -> Result<bool> {
        let (id, owner) = (id.to_owned(), owner.to_owned());
        self.run(move |connection| {
            let changed = connection.execute(
                "UPDATE verifications SET lease_until_ms = ?3 WHERE id = ?1 AND lease_owner = ?2",
                params![id, owner, lease_until_ms],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    pub(super) async fn save_claimed(
        &self,
        owner: &str,
        verification: &Verification,
        delivery: Option<NewDelivery>,
    ) -> Result<bool> {
        let owner = owner.to_owned();
        let row = VerificationRow::of(verification);
        self.run(move |connection| {
            let transaction = connection.transaction()?;
            let changed = transaction.execute(
                "UPDATE verifications SET status = ?3, body = ?4,
                     lease_owner = CASE WHEN ?5 THEN NULL ELSE lease_owner END,
                     lease_until_ms = CASE WHEN ?5 THEN 0 ELSE lease_until_ms END
                 WHERE id = ?1 AND lease_owner = ?2",
                params![row.id, owner, row.status, row.body, row.settled],
            )?;
            if changed != 1 {
                return Ok(false);
            }
            insert_delivery(&transaction, &row, delivery)?;
            transaction.commit()?;
            Ok(true)
        })
        .await
    }

    pub(super) async fn release_leases(&self, owner: &str) -> Result<u64> {
        let owner = owner.to_owned();
        self.run(move |connection| {
            let mut released = 0;
            for table in ["verifications", "deliveries"] {
                released += connection.execute(
                    &format!(
                        "UPDATE {table} SET lease_owner = NULL, lease_until_ms = 0 WHERE lease_owner = ?1"
                    ),
                    params![owner],
                )? as u64;
            }
            Ok(released)
        })
        .await
    }

    pub(super) async fn claim_deliveries(
        &self,
        owner: &str,
        now_ms: i64,
        lease_until_ms: i64,
        limit: usize,
    ) -> Result<Vec<PendingDelivery>> {
        let owner = owner.to_owned();
        self.run(move |connection| {
            let mut statement = connection.prepare(concat!(
                "UPDATE deliveries SET lease_owner = ?1, lease_until_ms = ?2
                 WHERE id IN (
                     SELECT d.id FROM deliveries d
                     WHERE d.state = 'pending' AND d.next_attempt_ms <= ?3
                       AND (d.lease_owner IS NULL OR d.lease_until_ms < ?3)
                       AND ",
                oldest_pending_of_its_verification!(),
                "
                     ORDER BY d.next_attempt_ms, d.id LIMIT ?4)
                 RETURNING id, verification_id, url, payload, secret, attempts"
            ))?;
            statement
                .query_map(
                    params![owner, lease_until_ms, now_ms, limit as i64],
                    |row| {
                        Ok(PendingDelivery {
                            id: row.get(0)?,
                            verification_id: row.get(1)?,
                            url: row.get(2)?,
                            payload: row.get(3)?,
                            secret: row.get(4)?,
                            attempts: row.get(5)?,
                        })
                    },
                )?
                .collect()
        })
        .await
    }

    pub(super) async fn next_delivery_ms(&self) -> Result<Option<i64>> {
        self.run(|connection| {
            connection.query_row(
                concat!(
                    "SELECT MIN(MAX(d.next_attempt_ms, d.lease_until_ms)) FROM deliveries d
                 WHERE d.state = 'pending'
                   AND ",
                    oldest_pending_of_its_verification!()
                ),
                [],
                |row| row.get(0),
            )
        })
        .await
    }

    pub(super) async fn record_attempt(
        &self,
        delivery_id: i64,
        owner: &str,
        attempt: &DeliveryAttempt,
        next: DeliveryNext,
    ) -> Result<bool> {
        let (owner, attempt) = (owner.to_owned(), attempt.clone());
        let (state, next_ms) = next.state();
        self.run(move |connection| {
            let transaction = connection.transaction()?;
            let changed = transaction.execute(
                "UPDATE deliveries SET state = ?3, attempts = ?4,
                     next_attempt_ms = COALESCE(?5, next_attempt_ms),
                     lease_owner = NULL, lease_until_ms = 0
                 WHERE id = ?1 AND lease_owner = ?2",
                params![delivery_id, owner, state, attempt.attempt, next_ms],
            )?;
            if changed != 1 {
                return Ok(false);
            }
            transaction.execute(
                "INSERT INTO delivery_attempts (delivery_id, attempt, at, http_status, error, duration_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    delivery_id,
                    attempt.attempt,
                    attempt.at,
                    attempt.http_status,
                    attempt.error,
                    attempt.duration_ms as i64
                ],
            )?;
            transaction.commit()?;
            Ok(true)
        })
        .await
    }

    pub(super) async fn deliveries(&self, verification_id: &str) -> Result<Vec<DeliveryRecord>> {
        let verification_id = verification_id.to_owned();
        let rows = self
            .run(move |connection| {
                let heads = connection
                    .prepare(
                        "SELECT id, status, state FROM deliveries WHERE verification_id = ?1 ORDER BY id",
                    )?
                    .query_map(params![verification_id], |row| {
                        Ok((
                            row.get::<_, i64>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, String>(2)?,
                        ))
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let mut attempts = connection.prepare(
                    "SELECT attempt, at, http_status, error, duration_ms FROM delivery_attempts
                     WHERE delivery_id = ?1 ORDER BY attempt",
                )?;
                let mut rows = Vec::with_capacity(heads.len());
                for (id, status, state) in heads {
                    let list = attempts
                        .query_map(params![id], |row| {
                            Ok(DeliveryAttempt {
                                attempt: row.get(0)?,
                                at: row.get(1)?,
                                http_status: row.get(2)?,
                                error: row.get(3)?,
                                duration_ms: row.get::<_, i64>(4)?.max(0) as u64,
                            })
                        })?
                        .collect::<rusqlite::Result<Vec<_>>>()?;
                    rows.push((id, status, state, list));
                }
                Ok(rows)
            })
            .await?;
        rows.into_iter()
            .map(|(id, status, state, attempts)| delivery_record(id, &status, state, attempts))
            .collect()
    }

    pub(super) async fn depth(&self) -> Result<QueueDepth> {
        self.run(|connection| {
            connection.query_row(
                "SELECT (SELECT COUNT(*) FROM verifications WHERE status = 'IN_QUEUE'),
                        (SELECT COUNT(*) FROM verifications WHERE status = 'IN_PROGRESS'),
                        (SELECT COUNT(*) FROM deliveries WHERE state = 'pending')",
                [],
                |row| {
                    Ok(QueueDepth {
                        queued: row.get(0)?,
                        running: row.get(1)?,
                        deliveries_pending: row.get(2)?,
                    })
                },
            )
        })
        .await
    }
}

/// Applies the SQLite migrations the database lacks, in one transaction.
fn migrate(connection: &mut Connection) -> rusqlite::Result<()> {
    let transaction =
        connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    transaction.execute(migrations::VERSIONS_TABLE, [])?;
    let applied: i64 = transaction.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |row| row.get(0),
    )?;
    for (index, sql) in migrations::SQLITE.iter().enumerate() {
        let version = index as i64 + 1;
        if version > applied {
            transaction.execute_batch(sql)?;
            transaction.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                params![version, veriscope::pipeline::now_rfc3339()],
            )?;
        }
    }
    transaction.commit()
}

fn insert_delivery(
    transaction: &rusqlite::Transaction<'_>,
    row: &VerificationRow,
    delivery: Option<NewDelivery>,
) -> rusqlite::Result<()> {
    let Some(delivery) = delivery else {
        return Ok(());
    };
    transaction.execute(
        "INSERT INTO deliveries (verification_id, status, url, payload, secret, next_attempt_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, 0)",
        params![
            row.id,
            row.status,
            delivery.url,
            delivery.payload,
            delivery.secret
        ],
    )?;
    Ok(())
}
