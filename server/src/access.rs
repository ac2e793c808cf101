//! Who may call, and how often: Bearer API keys checked against their
//! SHA-256 (constant time, the keys never stored), and a request quota per key.

use std::num::NonZeroU32;
use std::time::Duration;

use axum::http::HeaderMap;
use governor::Quota;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
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

/// The quota per API key: `burst` requests at once, refilled at
/// `requests_per_minute`, kept by `governor` (GCRA, a token bucket without
/// a timer).
pub struct RateLimiter<C: Clock = DefaultClock> {
    requests_per_minute: u32,
    limiter: KeyedLimiter<C>,
}

type KeyedLimiter<C> = governor::RateLimiter<
    String,
    DashMapStateStore<String>,
    C,
    NoOpMiddleware<<C as Clock>::Instant>,
>;

impl<C: Clock> std::fmt::Debug for RateLimiter<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("requests_per_minute", &self.requests_per_minute)
            .finish_non_exhaustive()
    }
}

impl RateLimiter {
    /// A limiter with these rates, on the system's monotonic clock.
    pub fn new(config: RateLimitConfig) -> Self {
        RateLimiter::with_clock(config, DefaultClock::default())
    }
}

impl<C: Clock> RateLimiter<C> {
    /// A limiter with these rates on `clock` (a fake one in tests).
    fn with_clock(config: RateLimitConfig, clock: C) -> Self {
        // The configuration refuses zeros on load; one is the floor here.
        let per_minute = NonZeroU32::new(config.requests_per_minute).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(config.burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_minute(per_minute).allow_burst(burst);
        RateLimiter {
            requests_per_minute: config.requests_per_minute,
            limiter: governor::RateLimiter::dashmap_with_clock(quota, clock),
        }
    }

    /// Takes one request's token for `key`, or says how long until one is
    /// free (`RATE_LIMITED`, with the wait for `Retry-After`).
    pub fn take(&self, key: &str) -> Result<(), (Error, Duration)> {
        self.limiter
            .check_key(&key.to_owned())
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(self.limiter.clock().now());
                (
                    Error::new(
                        ErrorCode::RateLimited,
                        format!(
                            "too many requests for this API key ({} per minute); retry in {:.1} s",
                            self.requests_per_minute,
                            wait.as_secs_f64()
                        ),
                    ),
                    wait,
                )
            })
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
    fn the_quota_allows_a_burst_then_refills_at_the_rate() {
        let clock = governor::clock::FakeRelativeClock::default();
        let limiter = RateLimiter::with_clock(
            RateLimitConfig {
                requests_per_minute: 60,
                burst: 2,
            },
            clock.clone(),
        );
        assert!(limiter.take("k").is_ok());
        assert!(limiter.take("k").is_ok());
        let (error, wait) = limiter.take("k").unwrap_err();
        assert_eq!(error.code(), ErrorCode::RateLimited);
        assert!((wait.as_secs_f64() - 1.0).abs() < 1e-6, "{wait:?}");
        // Another key has its own quota; a second later one request is back.
        assert!(limiter.take("other").is_ok());
        clock.advance(Duration::from_secs(1));
        assert!(limiter.take("k").is_ok());
        assert!(limiter.take("k").is_err());
    }
}
