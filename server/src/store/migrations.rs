//! The schema of each store as numbered migrations. A start applies, in one
//! transaction, every migration above the highest version recorded in
//! `schema_migrations`; PostgreSQL takes an advisory lock first so that
//! instances starting together apply each migration once.
//!
//! Written here rather than with a migration crate: refinery and sqlx need
//! a newer Rust than this workspace's MSRV, and the runner is a loop over
//! this list.

/// SQLite migrations; version = index + 1. Version 1 is the schema of the
/// releases before versioning (`IF NOT EXISTS`, so their files upgrade).
pub(super) const SQLITE: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS uploads (
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
    );",
    // Leases: jobs and deliveries claimed by an instance.
    "ALTER TABLE verifications ADD COLUMN lease_owner TEXT;
    ALTER TABLE verifications ADD COLUMN lease_until_ms INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE deliveries ADD COLUMN lease_owner TEXT;
    ALTER TABLE deliveries ADD COLUMN lease_until_ms INTEGER NOT NULL DEFAULT 0;",
];

/// PostgreSQL migrations; version = index + 1.
pub(super) const POSTGRES: &[&str] = &["CREATE TABLE uploads (
        path        TEXT PRIMARY KEY,
        api_key_id  TEXT NOT NULL,
        file_name   TEXT,
        format      TEXT NOT NULL,
        size        BIGINT NOT NULL,
        bytes       BYTEA NOT NULL,
        created_at  TEXT NOT NULL
    );
    CREATE TABLE verifications (
        seq            BIGSERIAL PRIMARY KEY,
        id             TEXT NOT NULL UNIQUE,
        api_key_id     TEXT NOT NULL,
        status         TEXT NOT NULL,
        body           TEXT NOT NULL,
        lease_owner    TEXT,
        lease_until_ms BIGINT NOT NULL DEFAULT 0
    );
    CREATE INDEX verifications_unsettled ON verifications (seq)
        WHERE status IN ('IN_QUEUE', 'IN_PROGRESS');
    CREATE TABLE deliveries (
        id              BIGSERIAL PRIMARY KEY,
        verification_id TEXT NOT NULL,
        status          TEXT NOT NULL,
        url             TEXT NOT NULL,
        payload         TEXT NOT NULL,
        secret          TEXT,
        state           TEXT NOT NULL DEFAULT 'pending',
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms BIGINT NOT NULL,
        lease_owner     TEXT,
        lease_until_ms  BIGINT NOT NULL DEFAULT 0
    );
    CREATE INDEX deliveries_pending ON deliveries (next_attempt_ms, id) WHERE state = 'pending';
    CREATE INDEX deliveries_of_verification ON deliveries (verification_id, id);
    CREATE TABLE delivery_attempts (
        delivery_id BIGINT NOT NULL,
        attempt     INTEGER NOT NULL,
        at          TEXT NOT NULL,
        http_status INTEGER,
        error       TEXT,
        duration_ms BIGINT NOT NULL,
        PRIMARY KEY (delivery_id, attempt)
    );"];

/// The table recording which migrations a database has.
pub(super) const VERSIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL
)";
