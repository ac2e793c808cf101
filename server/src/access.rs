//! Who may call, and how often: Bearer API keys checked against their
//! SHA-256 (constant time, the keys never stored), and a token bucket per key.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use subtle::ConstantTimeEq;
use veriscope::{Error, ErrorCode};

use crate::config::{ApiKeyConfig, RateLimitConfig, hash_api_key};

/// The accepted keys, by hash.
#[derive(Debug)]
pub struct ApiKeys {
    keys: Vec<(String, [u8; 32])>,
}

impl ApiKeys {
    /// From the configuration's entries (already checked as 64 hex digits).
    pub fn new(entries: &[ApiKeyConfig]) -> Self {
        let keys = entries
            .iter()
            .filter_map(|entry| {
                let mut hash = [0u8; 32];
                hex::decode_to_slice(&entry.sha256, &mut hash).ok()?;
                Some((entry.id.clone(), hash))
            })
            .collect();
        ApiKeys { keys }
    }

    /// The id of the key in `Authorization: Bearer <key>`, or `UNAUTHORIZED`.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<&str, Error> {
        let unauthorized = |message: &str| Error::new(ErrorCode::Unauthorized, message);
        let value = headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| unauthorized("missing Authorization: Bearer <api_key> header"))?
            .to_str()
            .map_err(|_| unauthorized("the Authorization header is not text"))?;
        let key = value
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|key| !key.is_empty())
            .ok_or_else(|| unauthorized("the Authorization header must be Bearer <api_key>"))?;
        let mut hash = [0u8; 32];
        hex::decode_to_slice(hash_api_key(key), &mut hash)
            .map_err(|_| unauthorized("invalid API key"))?;
        // Compare against every key, in constant time, whichever matches.
        let mut found = None;
        for (id, candidate) in &self.keys {
            if bool::from(candidate.ct_eq(&hash)) {
                found = Some(id.as_str());
            }
        }
        found.ok_or_else(|| unauthorized("invalid API key"))
    }
}

/// A token bucket per key: `burst` requests at once, refilled at
/// `requests_per_minute`.
#[derive(Debug)]
pub struct RateLimiter {
    config: RateLimitConfig,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// A limiter with these rates.
    pub fn new(config: RateLimitConfig) -> Self {
        RateLimiter {
            config,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request's token for `key`, or says how long until one is
    /// free (`RATE_LIMITED`, with the wait for `Retry-After`).
    pub fn take(&self, key: &str) -> Result<(), (Error, Duration)> {
        self.take_at(key, Instant::now())
    }

    fn take_at(&self, key: &str, now: Instant) -> Result<(), (Error, Duration)> {
        let per_second = f64::from(self.config.requests_per_minute) / 60.0;
        let burst = f64::from(self.config.burst);
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait = Duration::from_secs_f64((1.0 - bucket.tokens) / per_second);
        Err((
            Error::new(
                ErrorCode::RateLimited,
                format!(
                    "too many requests for this API key ({} per minute); retry in {:.1} s",
                    self.config.requests_per_minute,
                    wait.as_secs_f64()
                ),
            ),
            wait,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(axum::http::header::AUTHORIZATION, value.parse().unwrap());
        headers
    }

    #[test]
    fn only_a_configured_key_is_accepted() {
        let keys = ApiKeys::new(&[ApiKeyConfig {
            id: "backend".into(),
            sha256: hash_api_key("vsk_test_1"),
        }]);
        assert_eq!(
            keys.authenticate(&headers("Bearer vsk_test_1")).unwrap(),
            "backend"
        );
        for bad in [
            "Bearer vsk_test_2",
            "vsk_test_1",
            "Bearer ",
            "Basic dXNlcg==",
        ] {
            let error = keys.authenticate(&headers(bad)).unwrap_err();
            assert_eq!(error.code(), ErrorCode::Unauthorized, "{bad}");
        }
        assert!(keys.authenticate(&HeaderMap::new()).is_err());
    }

    #[test]
    fn the_bucket_allows_a_burst_then_refills_at_the_rate() {
        let limiter = RateLimiter::new(RateLimitConfig {
            requests_per_minute: 60,
            burst: 2,
        });
        let start = Instant::now();
        assert!(limiter.take_at("k", start).is_ok());
        assert!(limiter.take_at("k", start).is_ok());
        let (error, wait) = limiter.take_at("k", start).unwrap_err();
        assert_eq!(error.code(), ErrorCode::RateLimited);
        assert!((wait.as_secs_f64() - 1.0).abs() < 1e-6);
        // Another key has its own bucket; a second later one token is back.
        assert!(limiter.take_at("other", start).is_ok());
        assert!(limiter.take_at("k", start + Duration::from_secs(1)).is_ok());
        assert!(
            limiter
                .take_at("k", start + Duration::from_secs(1))
                .is_err()
        );
    }
}
