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
//! # Where uploads and verifications are kept; ":memory:" for a trial run.
//! database = "veriscope.sqlite3"
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
//! ```

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
    /// The SQLite database file (`:memory:` keeps nothing across restarts).
    #[serde(default = "default_database")]
    pub database: PathBuf,
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

fn default_database() -> PathBuf {
    PathBuf::from("veriscope.sqlite3")
}

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
        let text = std::fs::read_to_string(path).map_err(|error| {
            Error::new(
                ErrorCode::InvalidArgument,
                format!("cannot read {}: {error}", path.display()),
            )
        })?;
        ServerConfig::from_toml(&text)
    }

    /// Parses and checks the configuration text.
    pub fn from_toml(text: &str) -> Result<Self> {
        let config: ServerConfig = toml::from_str(text).map_err(|error| {
            Error::new(
                ErrorCode::ValidationError,
                format!("server configuration: {error}"),
            )
        })?;
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
}
