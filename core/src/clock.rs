//! The system clock as Unix seconds, for the features that default to "now"
//! (webhook timestamps, an MRZ's expiry, a verification's times).

use crate::error::{Error, ErrorCode, Result};

/// The system clock as Unix seconds. In browsers and Node (wasm32) it is
/// JavaScript's `Date.now()`, through `web-time`.
pub fn now_unix() -> Result<i64> {
    let elapsed = web_time::SystemTime::now()
        .duration_since(web_time::UNIX_EPOCH)
        .map_err(|err| {
            Error::new(
                ErrorCode::Internal,
                format!("system clock before 1970: {err}"),
            )
        })?;
    Ok(i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
}
