//! Collects every problem of an input before failing, so that one round trip
//! tells a caller all that is wrong.

use serde_json::Value;

use crate::error::{Error, Problem};

/// An accumulator of [`Problem`]s.
#[derive(Debug, Default)]
pub(crate) struct Problems(Vec<Problem>);

impl Problems {
    pub(crate) fn push(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push(Problem::new(field, reason));
    }

    /// `Ok(value)` when nothing was found, else a `VALIDATION_ERROR` listing all.
    pub(crate) fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, Error> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(Error::validation(self.0))
        }
    }
}

/// `parent.child` or `child` at the top.
pub(crate) fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_owned()
    } else {
        format!("{parent}.{child}")
    }
}

/// A request body as JSON; invalid JSON is a `VALIDATION_ERROR` on the body.
pub(crate) fn parse_body(body: &str) -> Result<Value, Error> {
    serde_json::from_str(body).map_err(|err| {
        Error::validation(vec![Problem::new(
            "",
            format!("body is not valid JSON: {err}"),
        )])
    })
}
