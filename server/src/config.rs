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
//! ```

use std::net::SocketAddr;
use std::path::Path;

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
    fn a_plain_key_or_unknown_field_is_refused() {
        let plain = "[[api_keys]]\nid = \"a\"\nsha256 = \"vsk_live_123\"\n";
        assert_eq!(
            ServerConfig::from_toml(plain).unwrap_err().code(),
            ErrorCode::ValidationError
        );
        assert!(ServerConfig::from_toml("listn = \"x\"").is_err());
    }
}
