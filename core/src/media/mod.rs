//! Bytes to things: what a file is, and (later) what is inside it.

mod format;

pub use format::{Sniffed, detect_format, sniff};
