//! The server's logs: `tracing` events on stderr, one readable line each or
//! one JSON object each (`log_format = "json"`), for log collectors.
//!
//! The level comes from `VERISCOPE_LOG` (`info` when unset), in
//! `tracing-subscriber`'s target syntax: `warn`, or
//! `info,veriscope_server::http=warn` to keep request lines out.

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::LogFormat;

/// Installs the process's log subscriber; a second call changes nothing.
pub fn init(format: LogFormat) {
    let targets: Targets = std::env::var("VERISCOPE_LOG")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    let layer = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let registry = tracing_subscriber::registry().with(targets);
    let _ = match format {
        LogFormat::Text => registry.with(layer).try_init(),
        LogFormat::Json => registry.with(layer.json().flatten_event(true)).try_init(),
    };
}
