//! When the client tries a request again, and how long it waits first.

use std::time::Duration;

use crate::backoff::Backoff;

/// Retries of one request: jittered exponential backoff, honouring the
/// server's `Retry-After`.
///
/// Retried: `429 RATE_LIMITED`, HTTP 500, 502, 503 and 504, and network
/// failures (for `POST`s that create something, only when the connection was
/// never made, so nothing is created twice). Never retried: every other 4xx
/// (a validation error will not pass the second time), `CAP_EXCEEDED`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 turns retrying off).
    pub max_retries: u32,
    /// Wait before the first retry; doubled for each one after.
    pub initial_delay: Duration,
    /// Longest wait between attempts. A `Retry-After` longer than this is
    /// not waited for: the error is returned at once.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `retry` (1 for the first), or `None`
    /// when no retry is left or the server asks for a longer wait than
    /// [`RetryPolicy::max_delay`].
    ///
    /// Without `Retry-After` it is the shared [`Backoff`] from
    /// `initial_delay` up to `max_delay` (jitter in `[0, 1)`). With
    /// `Retry-After` it is that wait exactly.
    pub fn delay(
        &self,
        retry: u32,
        retry_after: Option<Duration>,
        jitter: f64,
    ) -> Option<Duration> {
        if retry == 0 || retry > self.max_retries {
            return None;
        }
        if let Some(wait) = retry_after {
            return (wait <= self.max_delay).then_some(wait);
        }
        Some(Backoff::new(self.initial_delay, self.max_delay).delay(retry, jitter))
    }
}

/// A `Retry-After` header's wait: delta-seconds only (an HTTP date is
/// treated as absent, and the backoff applies).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_stops_after_the_last_retry() {
        let policy = RetryPolicy {
            max_retries: 4,
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(3),
        };
        assert_eq!(policy.delay(1, None, 1.0), Some(Duration::from_secs(1)));
        assert_eq!(policy.delay(2, None, 1.0), Some(Duration::from_secs(2)));
        assert_eq!(policy.delay(2, None, 0.0), Some(Duration::from_secs(1)));
        assert_eq!(policy.delay(4, None, 1.0), Some(Duration::from_secs(3)));
        assert_eq!(policy.delay(5, None, 1.0), None);
        assert_eq!(policy.delay(0, None, 1.0), None);
        assert_eq!(RetryPolicy::none().delay(1, None, 0.5), None);
    }

    #[test]
    fn retry_after_is_honoured_exactly_unless_too_long() {
        let policy = RetryPolicy::default();
        let asked = Some(Duration::from_secs(7));
        assert_eq!(policy.delay(1, asked, 0.0), asked);
        assert_eq!(policy.delay(1, Some(Duration::from_secs(31)), 0.0), None);
        assert_eq!(parse_retry_after(" 12 "), Some(Duration::from_secs(12)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT"), None);
    }
}
