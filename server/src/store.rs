//! Where the server keeps uploads, verifications and webhook deliveries:
//! SQLite (rusqlite, the library compiled in), one file, so that a restart
//! loses nothing that was accepted.
//!
//! Each status change of a verification is saved in the same transaction as
//! the webhook delivery it causes, so a crash between the two cannot happen.
//! Deliveries and their attempts are rows too: the deliverer picks up after a
//! restart where it left off.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use veriscope::model::{DocumentFormat, Verification, VerificationStatus};
use veriscope::{Error, ErrorCode, Result};

fn storage_error(error: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::Internal, format!("storage: {error}"))
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS uploads (
    path        TEXT PRIMARY KEY,
    api_key_id  TEXT NOT NULL,
    file_name   TEXT,
    format      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    bytes       BLOB NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS verifications (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    api_key_id  TEXT NOT NULL,
    status      TEXT NOT NULL,
    body        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS verifications_status ON verifications(status);
CREATE TABLE IF NOT EXISTS deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    verification_id TEXT NOT NULL,
    status          TEXT NOT NULL,
    url             TEXT NOT NULL,
    payload         TEXT NOT NULL,
    secret          TEXT,
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_pending ON deliveries(state, next_attempt_ms);
CREATE TABLE IF NOT EXISTS delivery_attempts (
    delivery_id INTEGER NOT NULL,
    attempt     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    http_status INTEGER,
    error       TEXT,
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
";

/// The server's database.
#[derive(Debug)]
pub struct Store {
    connection: Mutex<Connection>,
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

/// A webhook delivery due for an attempt.
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
    /// Attempts made so far.
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

impl Store {
    /// Opens (creating if needed) the database file at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        let connection = Connection::open(path).map_err(|error| {
            Error::new(
                ErrorCode::InvalidArgument,
                format!("cannot open the database {}: {error}", path.display()),
            )
        })?;
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(storage_error)?;
        Store::with_connection(connection)
    }

    /// A database in memory, gone when the server stops (tests, trials).
    pub fn in_memory() -> Result<Store> {
        Store::with_connection(Connection::open_in_memory().map_err(storage_error)?)
    }

    fn with_connection(connection: Connection) -> Result<Store> {
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(storage_error)?;
        connection
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(storage_error)?;
        connection.execute_batch(SCHEMA).map_err(storage_error)?;
        Ok(Store {
            connection: Mutex::new(connection),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (every
        // write is one statement or one transaction), so keep going.
        self.connection
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Stores an upload of `api_key_id`.
    pub fn insert_upload(&self, api_key_id: &str, upload: &Upload, bytes: &[u8]) -> Result<()> {
        self.lock()
            .execute(
                "INSERT INTO uploads (path, api_key_id, file_name, format, size, bytes, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    upload.path,
                    api_key_id,
                    upload.file_name,
                    upload.format.as_str(),
                    upload.size as i64,
                    bytes,
                    upload.created_at
                ],
            )
            .map_err(storage_error)?;
        Ok(())
    }

    /// The format of `api_key_id`'s upload at `path`, if there is one.
    pub fn upload_format(&self, api_key_id: &str, path: &str) -> Result<Option<DocumentFormat>> {
        let format: Option<String> = self
            .lock()
            .query_row(
                "SELECT format FROM uploads WHERE path = ?1 AND api_key_id = ?2",
                params![path, api_key_id],
                |row| row.get(0),
            )
            .optional()
            .map_err(storage_error)?;
        format.map(|text| text.parse()).transpose()
    }

    /// The bytes of `api_key_id`'s upload at `path`, if there is one.
    pub fn upload_bytes(&self, api_key_id: &str, path: &str) -> Result<Option<Vec<u8>>> {
        self.lock()
            .query_row(
                "SELECT bytes FROM uploads WHERE path = ?1 AND api_key_id = ?2",
                params![path, api_key_id],
                |row| row.get(0),
            )
            .optional()
            .map_err(storage_error)
    }

    /// Stores a new verification of `api_key_id`, with the delivery its
    /// creation announces, if any.
    pub fn insert_verification(
        &self,
        api_key_id: &str,
        verification: &Verification,
        delivery: Option<NewDelivery>,
    ) -> Result<()> {
        let mut connection = self.lock();
        let transaction = connection.transaction().map_err(storage_error)?;
        transaction
            .execute(
                "INSERT INTO verifications (id, api_key_id, status, body) VALUES (?1, ?2, ?3, ?4)",
                params![
                    verification.id,
                    api_key_id,
                    verification.status.as_str(),
                    veriscope::to_json(verification)
                ],
            )
            .map_err(storage_error)?;
        insert_delivery(&transaction, verification, delivery)?;
        transaction.commit().map_err(storage_error)
    }

    /// Saves a verification's new state, with the delivery announcing it.
    pub fn update_verification(
        &self,
        verification: &Verification,
        delivery: Option<NewDelivery>,
    ) -> Result<()> {
        let mut connection = self.lock();
        let transaction = connection.transaction().map_err(storage_error)?;
        let changed = transaction
            .execute(
                "UPDATE verifications SET status = ?2, body = ?3 WHERE id = ?1",
                params![
                    verification.id,
                    verification.status.as_str(),
                    veriscope::to_json(verification)
                ],
            )
            .map_err(storage_error)?;
        if changed != 1 {
            return Err(storage_error(format!(
                "verification {} is not stored",
                verification.id
            )));
        }
        insert_delivery(&transaction, verification, delivery)?;
        transaction.commit().map_err(storage_error)
    }

    /// A verification with the API key that owns it.
    pub fn verification(&self, id: &str) -> Result<Option<(String, Verification)>> {
        let row: Option<(String, String)> = self
            .lock()
            .query_row(
                "SELECT api_key_id, body FROM verifications WHERE id = ?1",
                params![id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(storage_error)?;
        row.map(|(key, body)| {
            let verification = serde_json::from_str(&body).map_err(storage_error)?;
            Ok((key, verification))
        })
        .transpose()
    }

    /// Ids of the verifications not yet run to a settled status (queued or
    /// interrupted), oldest first.
    pub fn unfinished(&self) -> Result<Vec<String>> {
        let connection = self.lock();
        let mut statement = connection
            .prepare(
                "SELECT id FROM verifications WHERE status IN ('IN_QUEUE', 'IN_PROGRESS') ORDER BY seq",
            )
            .map_err(storage_error)?;
        let ids = statement
            .query_map([], |row| row.get(0))
            .map_err(storage_error)?
            .collect::<rusqlite::Result<Vec<String>>>()
            .map_err(storage_error)?;
        Ok(ids)
    }

    /// Deliveries due at `now_ms`, at most `limit`, each the oldest pending
    /// one of its verification (a verification's events arrive in order).
    pub fn due_deliveries(&self, now_ms: i64, limit: usize) -> Result<Vec<PendingDelivery>> {
        let connection = self.lock();
        let mut statement = connection
            .prepare(
                "SELECT d.id, d.verification_id, d.url, d.payload, d.secret, d.attempts
                 FROM deliveries d
                 WHERE d.state = 'pending' AND d.next_attempt_ms <= ?1
                   AND NOT EXISTS (SELECT 1 FROM deliveries e
                                   WHERE e.verification_id = d.verification_id
                                     AND e.state = 'pending' AND e.id < d.id)
                 ORDER BY d.next_attempt_ms, d.id LIMIT ?2",
            )
            .map_err(storage_error)?;
        let rows = statement
            .query_map(params![now_ms, limit as i64], |row| {
                Ok(PendingDelivery {
                    id: row.get(0)?,
                    verification_id: row.get(1)?,
                    url: row.get(2)?,
                    payload: row.get(3)?,
                    secret: row.get(4)?,
                    attempts: row.get(5)?,
                })
            })
            .map_err(storage_error)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(storage_error)?;
        Ok(rows)
    }

    /// When the next pending delivery falls due (Unix ms), if any.
    pub fn next_delivery_ms(&self) -> Result<Option<i64>> {
        self.lock()
            .query_row(
                "SELECT MIN(next_attempt_ms) FROM deliveries WHERE state = 'pending'",
                [],
                |row| row.get(0),
            )
            .map_err(storage_error)
    }

    /// Records an attempt on a delivery and what happens next.
    pub fn record_attempt(
        &self,
        delivery_id: i64,
        attempt: &DeliveryAttempt,
        next: DeliveryNext,
    ) -> Result<()> {
        let (state, next_ms) = match next {
            DeliveryNext::Delivered => ("delivered", None),
            DeliveryNext::RetryAt(at) => ("pending", Some(at)),
            DeliveryNext::Abandoned => ("abandoned", None),
        };
        let mut connection = self.lock();
        let transaction = connection.transaction().map_err(storage_error)?;
        transaction
            .execute(
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
            )
            .map_err(storage_error)?;
        transaction
            .execute(
                "UPDATE deliveries SET state = ?2, attempts = ?3,
                     next_attempt_ms = COALESCE(?4, next_attempt_ms)
                 WHERE id = ?1",
                params![delivery_id, state, attempt.attempt, next_ms],
            )
            .map_err(storage_error)?;
        transaction.commit().map_err(storage_error)
    }

    /// The webhook deliveries of a verification and their attempts.
    pub fn deliveries(&self, verification_id: &str) -> Result<Vec<DeliveryRecord>> {
        let connection = self.lock();
        let mut statement = connection
            .prepare(
                "SELECT id, status, state FROM deliveries WHERE verification_id = ?1 ORDER BY id",
            )
            .map_err(storage_error)?;
        let heads = statement
            .query_map(params![verification_id], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })
            .map_err(storage_error)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(storage_error)?;
        let mut attempts = connection
            .prepare(
                "SELECT attempt, at, http_status, error, duration_ms FROM delivery_attempts
                 WHERE delivery_id = ?1 ORDER BY attempt",
            )
            .map_err(storage_error)?;
        let mut records = Vec::with_capacity(heads.len());
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
                })
                .map_err(storage_error)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(storage_error)?;
            records.push(DeliveryRecord {
                id,
                status: status.parse()?,
                state,
                attempts: list,
            });
        }
        Ok(records)
    }
}

fn insert_delivery(
    transaction: &rusqlite::Transaction<'_>,
    verification: &Verification,
    delivery: Option<NewDelivery>,
) -> Result<()> {
    let Some(delivery) = delivery else {
        return Ok(());
    };
    transaction
        .execute(
            "INSERT INTO deliveries (verification_id, status, url, payload, secret, next_attempt_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, 0)",
            params![
                verification.id,
                verification.status.as_str(),
                delivery.url,
                delivery.payload,
                delivery.secret
            ],
        )
        .map_err(storage_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(path: &str) -> Upload {
        Upload {
            path: path.into(),
            file_name: Some("card.png".into()),
            format: DocumentFormat::Png,
            size: 3,
            created_at: "2026-11-22T00:00:00.000Z".into(),
        }
    }

    fn hook() -> Option<NewDelivery> {
        Some(NewDelivery {
            url: "https://hooks.example.com/x".into(),
            payload: "{}".into(),
            secret: None,
        })
    }

    #[test]
    fn uploads_are_visible_only_to_their_key() {
        let store = Store::in_memory().unwrap();
        store
            .insert_upload("a", &upload("/uploads/1.png"), b"png")
            .unwrap();
        assert_eq!(
            store.upload_format("a", "/uploads/1.png").unwrap(),
            Some(DocumentFormat::Png)
        );
        assert_eq!(store.upload_format("b", "/uploads/1.png").unwrap(), None);
        assert_eq!(
            store.upload_bytes("a", "/uploads/1.png").unwrap().unwrap(),
            b"png"
        );
    }

    #[test]
    fn a_file_database_keeps_verifications_and_deliveries_across_reopening() {
        let dir = std::env::temp_dir().join(format!("vs-store-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("db.sqlite3");
        {
            let store = Store::open(&path).unwrap();
            let mut verification = Verification::new("v1", VerificationStatus::InQueue);
            store
                .insert_verification("a", &verification, hook())
                .unwrap();
            verification
                .transition_to(VerificationStatus::InProgress)
                .unwrap();
            store.update_verification(&verification, hook()).unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.unfinished().unwrap(), ["v1"]);
        let (key, verification) = store.verification("v1").unwrap().unwrap();
        assert_eq!(
            (key.as_str(), verification.status),
            ("a", VerificationStatus::InProgress)
        );
        // Only the oldest pending delivery of a verification is due.
        let due = store.due_deliveries(i64::MAX, 10).unwrap();
        assert_eq!(due.len(), 1);
        let attempt = DeliveryAttempt {
            attempt: 1,
            at: "2026-11-22T00:00:00.000Z".into(),
            http_status: Some(200),
            error: None,
            duration_ms: 3,
        };
        store
            .record_attempt(due[0].id, &attempt, DeliveryNext::Delivered)
            .unwrap();
        let next = store.due_deliveries(i64::MAX, 10).unwrap();
        assert_eq!(next.len(), 1);
        assert_ne!(next[0].id, due[0].id);
        let records = store.deliveries("v1").unwrap();
        assert_eq!(records[0].state, "delivered");
        assert_eq!(records[0].attempts, [attempt]);
        assert_eq!(records[1].status, VerificationStatus::InProgress);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_retry_waits_for_its_time() {
        let store = Store::in_memory().unwrap();
        let verification = Verification::new("v1", VerificationStatus::InQueue);
        store
            .insert_verification("a", &verification, hook())
            .unwrap();
        let id = store.due_deliveries(0, 10).unwrap()[0].id;
        let attempt = DeliveryAttempt {
            attempt: 1,
            at: "t".into(),
            http_status: Some(503),
            error: Some("HTTP 503".into()),
            duration_ms: 1,
        };
        store
            .record_attempt(id, &attempt, DeliveryNext::RetryAt(5_000))
            .unwrap();
        assert!(store.due_deliveries(4_999, 10).unwrap().is_empty());
        assert_eq!(store.due_deliveries(5_000, 10).unwrap()[0].attempts, 1);
        assert_eq!(store.next_delivery_ms().unwrap(), Some(5_000));
    }
}
