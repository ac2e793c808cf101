//! HTTP headers as a webhook receiver gets them: names case-insensitive,
//! possibly repeated.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Result};

/// A case-insensitive multimap of header names to values.
///
/// Deserialises from a JSON object (`{"Webhook-Id": "msg_1"}`) or a list of
/// pairs (`[["webhook-id", "msg_1"]]`); serialises as an object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderMap {
    entries: Vec<(String, String)>,
}

/// Most headers accepted, against abuse of the verifier.
const MAX_HEADERS: usize = 256;

impl HeaderMap {
    /// An empty map.
    pub fn new() -> Self {
        HeaderMap::default()
    }

    /// Adds a header; an existing header of the same name is kept too.
    pub fn insert(&mut self, name: impl AsRef<str>, value: impl Into<String>) {
        self.entries
            .push((name.as_ref().trim().to_ascii_lowercase(), value.into()));
    }

    /// The first value of `name`, compared case-insensitively.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries
            .iter()
            .filter(move |(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Whether `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every header, names lower-cased, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of headers.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Parses `Name: value` lines (as curl prints them, or a CLI's `--header`).
    pub fn parse_line(&mut self, line: &str) -> Result<()> {
        let (name, value) = line.split_once(':').ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidArgument,
                format!("header {line:?} is not `name: value`"),
            )
        })?;
        if name.trim().is_empty() {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                format!("header {line:?} has no name"),
            ));
        }
        self.insert(name, value.trim());
        Ok(())
    }

    /// Headers from JSON text: an object or a list of `[name, value]` pairs.
    pub fn from_json(text: &str) -> Result<HeaderMap> {
        serde_json::from_str(text).map_err(|err| {
            Error::new(
                ErrorCode::InvalidArgument,
                format!("headers must be a JSON object or list of pairs: {err}"),
            )
        })
    }
}

impl<K: AsRef<str>, V: Into<String>> FromIterator<(K, V)> for HeaderMap {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = HeaderMap::new();
        for (name, value) in iter {
            map.insert(name, value);
        }
        map
    }
}

/// A receiver's headers as its framework (axum, hyper, reqwest) parsed them.
/// A value that is not UTF-8 is kept with replacement characters: no
/// signature header can then match, so it is refused, never misread.
#[cfg(feature = "http")]
impl From<&http::HeaderMap> for HeaderMap {
    fn from(headers: &http::HeaderMap) -> Self {
        headers
            .iter()
            .take(MAX_HEADERS)
            .map(|(name, value)| {
                (
                    name.as_str(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect()
    }
}

impl Serialize for HeaderMap {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (name, value) in &self.entries {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for HeaderMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct HeadersVisitor;

        impl<'de> Visitor<'de> for HeadersVisitor {
            type Value = HeaderMap;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of header names to values, or a list of [name, value] pairs")
            }

            fn visit_map<A: MapAccess<'de>>(
                self,
                mut access: A,
            ) -> std::result::Result<HeaderMap, A::Error> {
                let mut map = HeaderMap::new();
                while let Some((name, value)) = access.next_entry::<String, String>()? {
                    if map.len() == MAX_HEADERS {
                        return Err(de::Error::custom(format!(
                            "more than {MAX_HEADERS} headers"
                        )));
                    }
                    map.insert(name, value);
                }
                Ok(map)
            }

            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut access: A,
            ) -> std::result::Result<HeaderMap, A::Error> {
                let mut map = HeaderMap::new();
                while let Some((name, value)) = access.next_element::<(String, String)>()? {
                    if map.len() == MAX_HEADERS {
                        return Err(de::Error::custom(format!(
                            "more than {MAX_HEADERS} headers"
                        )));
                    }
                    map.insert(name, value);
                }
                Ok(map)
            }
        }

        deserializer.deserialize_any(HeadersVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_and_repeats_are_kept() {
        let headers: HeaderMap = [("Webhook-ID", "a"), ("webhook-id", "b")]
            .into_iter()
            .collect();
        assert_eq!(headers.get("WEBHOOK-id"), Some("a"));
        assert_eq!(
            headers.get_all("webhook-id").collect::<Vec<_>>(),
            ["a", "b"]
        );
    }

    #[test]
    fn json_objects_and_pair_lists_both_read() {
        let a = HeaderMap::from_json(r#"{"Webhook-Id": "msg_1"}"#).unwrap();
        let b = HeaderMap::from_json(r#"[["webhook-id", "msg_1"]]"#).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"webhook-id":"msg_1"}"#
        );
        assert_eq!(
            HeaderMap::from_json("42").unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
    }

    #[cfg(feature = "http")]
    #[test]
    fn an_http_header_map_converts_with_repeats_and_case_kept_apart() {
        let mut headers = http::HeaderMap::new();
        headers.insert("Webhook-Id", http::HeaderValue::from_static("msg_1"));
        headers.append("webhook-signature", http::HeaderValue::from_static("v1,a"));
        headers.append("webhook-signature", http::HeaderValue::from_static("v1,b"));
        headers.insert(
            "x-binary",
            http::HeaderValue::from_bytes(&[0xff, b'a']).unwrap(),
        );
        let map = HeaderMap::from(&headers);
        assert_eq!(map.get("WEBHOOK-ID"), Some("msg_1"));
        assert_eq!(
            map.get_all("webhook-signature").collect::<Vec<_>>(),
            ["v1,a", "v1,b"]
        );
        assert_eq!(map.get("x-binary"), Some("\u{fffd}a"));
    }

    #[test]
    fn header_lines_parse() {
        let mut headers = HeaderMap::new();
        headers
            .parse_line("Webhook-Timestamp:  1700000000 ")
            .unwrap();
        assert_eq!(headers.get("webhook-timestamp"), Some("1700000000"));
        assert!(headers.parse_line("no colon").is_err());
        assert!(headers.parse_line(": value").is_err());
    }
}
