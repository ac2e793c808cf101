//! Jittered exponential backoff: how long to wait before trying again.
//!
//! One rule for every retry the SDK makes: the hosted-API client's retried
//! requests (`client::RetryPolicy`, feature `client`) and
//! `veriscope serve`'s webhook deliveries. Written here rather than taken
//! from a crate: it is one formula, and the retry crates bring their own
//! sleep and runtime, while the client and the server each wait their own way
//! (a tokio timer, a stored due time).

use std::time::Duration;

/// Exponential backoff with "equal jitter": the wait before retry `n` is
/// `initial · 2^(n−1)`, capped at `max`, then scaled by `0.5 + jitter / 2`
/// for a `jitter` drawn from `[0, 1)`, so that callers that failed together
/// do not come back together, and none waits less than half the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait before the first retry (before jitter).
    pub initial: Duration,
    /// The longest wait (before jitter).
    pub max: Duration,
}

impl Backoff {
    /// Backoff from `initial`, doubling up to `max`.
    pub const fn new(initial: Duration, max: Duration) -> Self {
        Backoff { initial, max }
    }

    /// The wait before retry number `retry` (1 for the first; 0 is treated
    /// as 1), with `jitter` in `[0, 1)` (clamped).
    pub fn delay(&self, retry: u32, jitter: f64) -> Duration {
        let doublings = retry.saturating_sub(1).min(31);
        let step = self.initial.saturating_mul(1u32 << doublings).min(self.max);
        let scaled = step.as_secs_f64() * (0.5 + jitter.clamp(0.0, 1.0) / 2.0);
        // `mul_f64` would panic where the product leaves Duration's range.
        Duration::try_from_secs_f64(scaled).unwrap_or(step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap_and_jitter_takes_at_most_half() {
        let backoff = Backoff::new(Duration::from_secs(2), Duration::from_secs(10));
        assert_eq!(backoff.delay(1, 1.0), Duration::from_secs(2));
        assert_eq!(backoff.delay(2, 1.0), Duration::from_secs(4));
        assert_eq!(backoff.delay(2, 0.0), Duration::from_secs(2));
        assert_eq!(backoff.delay(3, 0.5), Duration::from_secs(6));
        assert_eq!(backoff.delay(9, 1.0), Duration::from_secs(10));
        assert_eq!(backoff.delay(u32::MAX, 1.0), Duration::from_secs(10));
        assert_eq!(backoff.delay(0, 1.0), backoff.delay(1, 1.0));
        assert_eq!(backoff.delay(1, 7.0), backoff.delay(1, 1.0));
    }

    #[test]
    fn a_huge_cap_saturates_instead_of_overflowing() {
        let backoff = Backoff::new(Duration::from_secs(u64::MAX / 2), Duration::MAX);
        assert_eq!(backoff.delay(40, 1.0), Duration::MAX);
    }
}
