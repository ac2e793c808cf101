//! The server's configuration file (TOML).
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//!
//! [[api_keys]]
//! id = "backend"
//! # SHA-256 of the key, hex: `veriscope serve hash-key` prints it. The key
//! # itself is never stored.
//! sha256 = "…"
//!
//! [rate_limit]
//! requests_per_minute = 600
//! burst = 20
//!
//! # Where uploads and verifications are kept: a SQLite file (one instance),
//! # ":memory:" for a trial run, or a PostgreSQL URL shared by instances,
//! # e.g. "postgres://veriscope@db.internal/veriscope".
//! database = "veriscope.sqlite3"
//! # Logs on stderr: "text" or "json" (one object a line).
//! log_format = "text"
//! # dlib and SeetaFace models for KTP_SELFIE (./scripts/fetch-models);
//! # VERISCOPE_MODELS or ./models when absent.
//! models = "models"
//! # false turns KTP_SELFIE off (MODEL_MISSING) without looking for models.
//! face_match = true
//! # Verifications run at once (the machine's cores when absent).
//! workers = 2
//!
//! [webhooks]
//! max_attempts = 8
//! first_retry_seconds = 5.0
//! max_retry_seconds = 600.0
//! timeout_seconds = 10
//!
//! [jobs]
//! # How long a claimed verification stays this instance's without renewal:
//! # after an instance dies, its work is taken over within this time.
//! lease_seconds = 30.0
//! # How often idle workers look for work queued on other instances.
//! poll_ms = 250
//! # On SIGTERM, how long running verifications may take to finish before
//! # they are handed back to the other instances.
//! shutdown_grace_seconds = 30.0
//! ```
//!
//! Every key can also be set from the environment, which wins over the
//! file: `VERISCOPE_SERVE_` and the key's path in capitals, `__` between a
//! table and its key. Values are read as TOML values, else as strings:
//! `VERISCOPE_SERVE_DATABASE=postgres://…`, `VERISCOPE_SERVE_WORKERS=4`,
//! `VERISCOPE_SERVE_WEBHOOKS__MAX_ATTEMPTS=5`,
//! `VERISCOPE_SERVE_API_KEYS='[{id = "backend", sha256 = "…"}]'`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use veriscope::{Error, ErrorCode, Limits, Result};

/// Everything `veriscope serve` needs to start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The API keys accepted, hashed.
    #[serde(default)]
    pub api_keys: Vec<ApiKeyConfig>,
    /// Requests allowed per key.
    #[serde(default)]
    pub rate_limit: RateLimitConfig,
    /// The validation limits (the APIs' defaults when absent).
    #[serde(default)]
    pub limits: Limits,
    /// How `documentUrl` is fetched.
    #[serde(default)]
    pub fetch: FetchConfig,
    /// The database: a SQLite file, `:memory:` (keeps nothing across
    /// restarts) or a `postgres://` URL that several instances share.
    #[serde(default = "default_database")]
    pub database: String,
    /// How logs are written on stderr.
    #[serde(default)]
    pub log_format: LogFormat,
    /// Directory of the face models; `VERISCOPE_MODELS` or `./models` when
    /// absent. Without models, `KTP_SELFIE` verifications are refused with
    /// `MODEL_MISSING`.
    #[serde(default)]
    pub models: Option<PathBuf>,
    /// Serve `KTP_SELFIE` (the default); `false` refuses it with
    /// `MODEL_MISSING` without looking for models.
    #[serde(default = "yes")]
    pub face_match: bool,
    /// Verifications processed at once; the machine's cores when absent.
    #[serde(default)]
    pub workers: Option<usize>,
    /// How webhooks are delivered.
    #[serde(default)]
    pub webhooks: WebhookConfig,
    /// How verifications are claimed and handed over.
    #[serde(default)]
    pub jobs: JobsConfig,
}

/// The format of the server's logs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One readable line per event.
    #[default]
    Text,
    /// One JSON object per event, for log collectors.
    Json,
}

/// Job leases: how instances share verifications and hand them over.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// Lease on a claimed verification, renewed every third of it while it
    /// runs; a dead instance's work is taken over after at most this long.
    pub lease_seconds: f64,
    /// How often an idle worker looks for claimable work.
    pub poll_ms: u64,
    /// On SIGTERM, how long running verifications may take to finish
    /// before their leases are handed back.
    pub shutdown_grace_seconds: f64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            lease_seconds: 30.0,
            poll_ms: 250,
            shutdown_grace_seconds: 30.0,
        }
    }
}

/// Webhook delivery: attempts and their spacing.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookConfig {
    /// Attempts before a delivery is abandoned.
    pub max_attempts: u32,
    /// Wait before the second attempt; doubled for each one after,
    /// with jitter.
    pub first_retry_seconds: f64,
    /// Longest wait between attempts.
    pub max_retry_seconds: f64,
    /// Deadline of one attempt.
    pub timeout_seconds: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            max_attempts: 8,
            first_retry_seconds: 5.0,
            max_retry_seconds: 600.0,
            timeout_seconds: 10,
        }
    }
}

fn yes() -> bool {
    true
}

fn default_database() -> String {
    "veriscope.sqlite3".into()
}

/// The prefix of the environment variables that set configuration keys.
pub const ENV_PREFIX: &str = "VERISCOPE_SERVE_";

/// One accepted API key: an id for logs and limits, and the key's SHA-256.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyConfig {
    /// A name for the key (never secret).
    pub id: String,
    /// Lower-case hex SHA-256 of the key.
    pub sha256: String,
}

/// A token bucket per API key.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Sustained rate.
    pub requests_per_minute: u32,
    /// Requests allowed at once above the sustained rate.
    pub burst: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            requests_per_minute: 600,
            burst: 20,
        }
    }
}

/// Limits on fetching a `documentUrl`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchConfig {
    /// Whole-fetch deadline, seconds.
    pub timeout_seconds: u64,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            timeout_seconds: 20,
        }
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

impl ServerConfig {
    /// Reads and checks a TOML configuration file.
    pub fn load(path: &Path) -> Result<Self> {
        ServerConfig::from_toml(&read(path)?)
    }

    /// The configuration of `veriscope serve`: the file at `path` (or the
    /// defaults without one), then the process's `VERISCOPE_SERVE_*`
    /// variables over it.
    pub fn load_with_env(path: Option<&Path>) -> Result<Self> {
        let text = path.map(read).transpose()?.unwrap_or_default();
        ServerConfig::from_toml_and_env(&text, std::env::vars())
    }

    /// Parses and checks the configuration text.
    pub fn from_toml(text: &str) -> Result<Self> {
        ServerConfig::from_toml_and_env(text, std::iter::empty())
    }

    /// Parses the configuration text, sets the keys named by the
    /// `VERISCOPE_SERVE_*` variables among `vars` over it, and checks it.
    pub fn from_toml_and_env(
        text: &str,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self> {
        let invalid = |error: &dyn std::fmt::Display| {
            Error::new(
                ErrorCode::ValidationError,
                format!("server configuration: {error}"),
            )
        };
        let mut table: toml::Table = toml::from_str(text).map_err(|error| invalid(&error))?;
        for (name, value) in vars {
            let Some(path) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            set_key(&mut table, path, &value)
                .map_err(|error| invalid(&format!("{name}: {error}")))?;
        }
        let config: ServerConfig = table.try_into().map_err(|error| invalid(&error))?;
        for key in &config.api_keys {
            let valid = key.sha256.len() == 64
                && key
                    .sha256
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !valid {
                return Err(Error::new(
                    ErrorCode::ValidationError,
                    format!(
                        "server configuration: api key {:?} needs sha256 as 64 lower-case hex digits",
                        key.id
                    ),
                ));
            }
        }
        let webhooks = &config.webhooks;
        let spacing_valid = webhooks.first_retry_seconds.is_finite()
            && webhooks.first_retry_seconds >= 0.0
            && webhooks.max_retry_seconds.is_finite()
            && webhooks.max_retry_seconds >= webhooks.first_retry_seconds;
        if webhooks.max_attempts == 0 || webhooks.timeout_seconds == 0 || !spacing_valid {
            return Err(Error::new(
                ErrorCode::ValidationError,
                "server configuration: webhooks needs max_attempts and timeout_seconds above 0, \
                 and 0 <= first_retry_seconds <= max_retry_seconds",
            ));
        }
        let jobs = &config.jobs;
        if !(jobs.lease_seconds.is_finite() && jobs.lease_seconds >= 1.0)
            || jobs.poll_ms == 0
            || !(jobs.shutdown_grace_seconds.is_finite() && jobs.shutdown_grace_seconds >= 0.0)
        {
            return Err(Error::new(
                ErrorCode::ValidationError,
                "server configuration: jobs needs lease_seconds of at least 1, poll_ms above 0 \
                 and shutdown_grace_seconds of at least 0",
            ));
        }
        if config.workers == Some(0) {
            return Err(Error::new(
                ErrorCode::ValidationError,
                "server configuration: workers must be at least 1",
            ));
        }
        if config.rate_limit.requests_per_minute == 0 || config.rate_limit.burst == 0 {
            return Err(Error::new(
                ErrorCode::ValidationError,
                "server configuration: rate_limit values must be positive",
            ));
        }
        Ok(config)
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|error| {
        Error::new(
            ErrorCode::InvalidArgument,
            format!("cannot read {}: {error}", path.display()),
        )
    })
}

/// Sets the key at `path` (`WEBHOOKS__MAX_ATTEMPTS`: tables split by `__`,
/// matched in lower case) to `value`, read as a TOML value when it is one
/// and as a string otherwise.
fn set_key(table: &mut toml::Table, path: &str, value: &str) -> std::result::Result<(), String> {
    let keys: Vec<String> = path.split("__").map(str::to_ascii_lowercase).collect();
    let Some((last, tables)) = keys.split_last() else {
        return Err("names no key".into());
    };
    let mut current = table;
    for key in tables {
        let entry = current
            .entry(key.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = entry
            .as_table_mut()
            .ok_or_else(|| format!("{key} is not a table"))?;
    }
    let parsed = toml::from_str::<toml::Table>(&format!("value = {value}"))
        .ok()
        .and_then(|mut parsed| parsed.remove("value"))
        .unwrap_or_else(|| toml::Value::String(value.to_owned()));
    current.insert(last.clone(), parsed);
    Ok(())
}

/// The SHA-256 of an API key, as the configuration stores it.
pub fn hash_api_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configuration_parses_with_defaults() {
        let text = format!(
            "listen = \"127.0.0.1:0\"\n[[api_keys]]\nid = \"a\"\nsha256 = \"{}\"\n",
            hash_api_key("vsk_test")
        );
        let config = ServerConfig::from_toml(&text).unwrap();
        assert_eq!(config.api_keys[0].id, "a");
        assert_eq!(config.rate_limit.requests_per_minute, 600);
        assert_eq!(config.limits, Limits::default());
    }

    #[test]
    fn the_example_configuration_parses_and_states_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/serve.toml");
        let config = ServerConfig::load(&path).unwrap();
        let defaults = ServerConfig::from_toml("").unwrap();
        assert_eq!(config.database, defaults.database);
        assert_eq!(config.rate_limit.burst, defaults.rate_limit.burst);
        assert_eq!(config.webhooks.max_attempts, defaults.webhooks.max_attempts);
        assert_eq!(config.limits, defaults.limits);
        assert_eq!(config.log_format, defaults.log_format);
        assert_eq!(config.jobs.lease_seconds, defaults.jobs.lease_seconds);
        assert_eq!(config.jobs.poll_ms, defaults.jobs.poll_ms);
        assert_eq!(
            config.jobs.shutdown_grace_seconds,
            defaults.jobs.shutdown_grace_seconds
        );
        assert_eq!(config.api_keys[0].sha256, hash_api_key("vsk_demo_key"));
    }

    #[test]
    fn a_plain_key_or_unknown_field_is_refused() {
        let plain = "[[api_keys]]\nid = \"a\"\nsha256 = \"vsk_live_123\"\n";
        assert_eq!(
            ServerConfig::from_toml(plain).unwrap_err().code(),
            ErrorCode::ValidationError
        );
        assert!(ServerConfig::from_toml("listn = \"x\"").is_err());
    }

    #[test]
    fn environment_variables_set_keys_over_the_file() {
        let vars = [
            (
                "VERISCOPE_SERVE_DATABASE",
                "postgres://veriscope@db/veriscope",
            ),
            ("VERISCOPE_SERVE_WORKERS", "3"),
            ("VERISCOPE_SERVE_LOG_FORMAT", "json"),
            ("VERISCOPE_SERVE_WEBHOOKS__MAX_ATTEMPTS", "5"),
            ("VERISCOPE_SERVE_WEBHOOKS__FIRST_RETRY_SECONDS", "2"),
            ("VERISCOPE_SERVE_JOBS__LEASE_SECONDS", "4"),
            ("VERISCOPE_SERVE_LISTEN", "0.0.0.0:9000"),
            ("VERISCOPE_MODELS", "not a server key: ignored"),
        ]
        .map(|(name, value)| (name.to_owned(), value.to_owned()));
        let file =
            "database = \"file.sqlite3\"\nworkers = 1\n[webhooks]\nfirst_retry_seconds = 1.0\n";
        let config = ServerConfig::from_toml_and_env(file, vars).unwrap();
        assert_eq!(config.database, "postgres://veriscope@db/veriscope");
        assert_eq!(config.workers, Some(3));
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(config.webhooks.max_attempts, 5);
        assert_eq!(config.webhooks.first_retry_seconds, 2.0);
        assert_eq!(config.jobs.lease_seconds, 4.0);
        assert_eq!(config.listen, SocketAddr::from(([0, 0, 0, 0], 9000)));
    }

    #[test]
    fn api_keys_come_from_the_environment_as_a_toml_array() {
        let keys = format!(
            "[{{id = \"env\", sha256 = \"{}\"}}]",
            hash_api_key("vsk_env")
        );
        let vars = [("VERISCOPE_SERVE_API_KEYS".to_owned(), keys)];
        let config = ServerConfig::from_toml_and_env("", vars).unwrap();
        assert_eq!(config.api_keys[0].id, "env");
    }

    #[test]
    fn a_misnamed_or_mistyped_variable_is_refused_by_name() {
        for (name, value) in [
            ("VERISCOPE_SERVE_WORKRS", "2"),
            ("VERISCOPE_SERVE_WORKERS", "many"),
            ("VERISCOPE_SERVE_JOBS__LEASE_SECONDS", "0"),
        ] {
            let error = ServerConfig::from_toml_and_env("", [(name.to_owned(), value.to_owned())])
                .unwrap_err();
            assert_eq!(error.code(), ErrorCode::ValidationError, "{name}");
        }
        let error = ServerConfig::from_toml_and_env(
            "",
            [("VERISCOPE_SERVE_WORKRS".to_owned(), "2".to_owned())],
        )
        .unwrap_err();
        assert!(error.to_string().contains("workrs"), "{error}");
    }

    #[test]
    fn the_container_files_environment_is_a_valid_configuration() {
        let dockerfile =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../Dockerfile"))
                .unwrap();
        let env_block = dockerfile
            .split("\nENV ")
            .nth(1)
            .unwrap()
            .split("\nUSER")
            .next()
            .unwrap();
        let vars: Vec<(String, String)> = env_block
            .split_whitespace()
            .filter(|word| *word != "\\")
            .map(|word| {
                let (name, value) = word.split_once('=').unwrap();
                (name.to_owned(), value.to_owned())
            })
            .collect();
        assert!(
            vars.iter().all(|(name, _)| name.starts_with(ENV_PREFIX)),
            "{vars:?}"
        );
        let config = ServerConfig::from_toml_and_env("", vars).unwrap();
        assert_eq!(config.listen.port(), 8080);
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(config.database, "/var/lib/veriscope/veriscope.sqlite3");
    }
}
