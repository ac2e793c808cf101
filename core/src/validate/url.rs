//! HTTPS URLs a server may fetch or post to, with the SSRF rules it must
//! apply before it connects.
//!
//! Parsing is the WHATWG URL standard's (the `url` crate), which already turns
//! the obscure spellings of an IPv4 address (`2130706433`, `0x7f.1`,
//! `0177.0.0.1`) into the address itself, so the address rules below see
//! through them. A host *name* can still resolve to a private address: a
//! fetcher must also check every resolved address with [`is_public_ip`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;
use url::{Host, Url};

use super::document::DocumentSource;
use super::limits::Limits;
use crate::error::{Problem, Result};

/// A `documentUrl` that passed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentUrl {
    /// Always [`DocumentSource::Url`].
    pub source: DocumentSource,
    /// The URL in its normalised form.
    pub url: String,
    /// The host (a name, or an address in canonical form).
    pub host: String,
    /// The port to connect to.
    pub port: u16,
    /// Most bytes the fetcher may read.
    pub max_bytes: u64,
}

/// Checks `documentUrl`: HTTPS, no credentials, not aimed at this machine,
/// a private network or a metadata service.
pub fn check_document_url(text: &str, limits: &Limits) -> Result<DocumentUrl> {
    let url = check_https_url(text, "documentUrl", limits)
        .map_err(|problem| crate::error::Error::validation(vec![problem]))?;
    Ok(DocumentUrl {
        source: DocumentSource::Url,
        host: url.host_str().unwrap_or_default().to_owned(),
        port: url.port_or_known_default().unwrap_or(443),
        url: url.into(),
        max_bytes: limits.max_url_bytes,
    })
}

/// The rules shared by `documentUrl` and `webhook_url`, reported as a
/// [`Problem`] at `field`.
pub fn check_https_url(text: &str, field: &str, limits: &Limits) -> Result<Url, Problem> {
    let problem = |reason: String| Problem::new(field, reason);
    if text.len() > limits.max_url_length {
        return Err(problem(format!(
            "is {} bytes long; the limit is {}",
            text.len(),
            limits.max_url_length
        )));
    }
    let url =
        Url::parse(text.trim()).map_err(|err| problem(format!("is not a valid URL ({err})")))?;
    if url.scheme() != "https" {
        return Err(problem(format!("must use https, not {}", url.scheme())));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(problem("must not contain a user name or password".into()));
    }
    match url.host() {
        None => return Err(problem("has no host".into())),
        Some(Host::Domain(name)) => {
            if let Some(reason) = domain_refusal(name) {
                return Err(problem(format!("must not point at {reason} ({name})")));
            }
        }
        Some(Host::Ipv4(ip)) => {
            if let Some(reason) = ip_refusal(IpAddr::V4(ip)) {
                return Err(problem(format!("must not point at {reason} ({ip})")));
            }
        }
        Some(Host::Ipv6(ip)) => {
            if let Some(reason) = ip_refusal(IpAddr::V6(ip)) {
                return Err(problem(format!("must not point at {reason} ({ip})")));
            }
        }
    }
    Ok(url)
}

/// Suffixes of names that only resolve inside a machine or a private network.
const LOCAL_SUFFIXES: [&str; 8] = [
    "localhost",
    "local",
    "localdomain",
    "internal",
    "intranet",
    "lan",
    "home.arpa",
    "arpa",
];

fn domain_refusal(name: &str) -> Option<&'static str> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name.is_empty() {
        return Some("an empty host name");
    }
    if !name.contains('.') {
        return Some(if name == "localhost" {
            "this machine"
        } else {
            "a single-label (intranet) host name"
        });
    }
    LOCAL_SUFFIXES
        .iter()
        .any(|suffix| name.ends_with(&format!(".{suffix}")))
        .then_some("a local or internal host name")
}

/// Whether a server may connect to `ip` on a caller's behalf: false for
/// loopback, private, shared, link-local (cloud metadata), multicast,
/// documentation and reserved ranges, and for IPv6 spellings that embed
/// such an IPv4 address (mapped, compatible, NAT64, 6to4).
pub fn is_public_ip(ip: IpAddr) -> bool {
    ip_refusal(ip).is_none()
}

fn ip_refusal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(ip) => v4_refusal(ip),
        IpAddr::V6(ip) => v6_refusal(ip),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn v4_refusal(ip: Ipv4Addr) -> Option<&'static str> {
    const RANGES: [([u8; 4], u32, &str); 15] = [
        ([0, 0, 0, 0], 8, "an unspecified address"),
        ([127, 0, 0, 0], 8, "a loopback address"),
        ([10, 0, 0, 0], 8, "a private address"),
        ([172, 16, 0, 0], 12, "a private address"),
        ([192, 168, 0, 0], 16, "a private address"),
        ([100, 64, 0, 0], 10, "a shared (carrier-grade NAT) address"),
        (
            [169, 254, 0, 0],
            16,
            "a link-local address (cloud metadata service)",
        ),
        ([192, 0, 0, 0], 24, "an IETF protocol address"),
        ([192, 0, 2, 0], 24, "a documentation address"),
        ([198, 51, 100, 0], 24, "a documentation address"),
        ([203, 0, 113, 0], 24, "a documentation address"),
        ([198, 18, 0, 0], 15, "a benchmarking address"),
        ([192, 88, 99, 0], 24, "a 6to4 relay address"),
        ([224, 0, 0, 0], 4, "a multicast address"),
        ([240, 0, 0, 0], 4, "a reserved or broadcast address"),
    ];
    RANGES
        .iter()
        .find(|(net, prefix, _)| in_v4(ip, *net, *prefix))
        .map(|(_, _, reason)| *reason)
}

fn v6_refusal(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    let embedded_v4 = |high: u16, low: u16| {
        Ipv4Addr::new((high >> 8) as u8, high as u8, (low >> 8) as u8, low as u8)
    };
    if ip.is_unspecified() {
        return Some("an unspecified address");
    }
    if ip.is_loopback() {
        return Some("a loopback address");
    }
    // ::ffff:a.b.c.d (mapped) is the IPv4 address itself.
    if segments[..6] == [0, 0, 0, 0, 0, 0xffff] {
        return v4_refusal(embedded_v4(segments[6], segments[7]));
    }
    // ::a.b.c.d (IPv4-compatible) is deprecated and never routed publicly.
    if segments[..6] == [0; 6] {
        return Some("an IPv4-compatible address");
    }
    // 64:ff9b::/96 (NAT64) embeds the IPv4 address in its last 32 bits.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return v4_refusal(embedded_v4(segments[6], segments[7]));
    }
    // 2002::/16 (6to4) embeds it in bits 16..48.
    if segments[0] == 0x2002 {
        return v4_refusal(embedded_v4(segments[1], segments[2]));
    }
    let first = segments[0];
    if first & 0xfe00 == 0xfc00 {
        return Some("a unique-local (private) address");
    }
    if first & 0xffc0 == 0xfe80 || first & 0xffc0 == 0xfec0 {
        return Some("a link-local address");
    }
    if first & 0xff00 == 0xff00 {
        return Some("a multicast address");
    }
    if segments[..2] == [0x2001, 0x0db8] {
        return Some("a documentation address");
    }
    if segments[..2] == [0x2001, 0] {
        return Some("a Teredo tunnel address");
    }
    if segments[..3] == [0x64, 0xff9b, 1] {
        return Some("a local NAT64 address");
    }
    if segments[..4] == [0x100, 0, 0, 0] {
        return Some("a discard-only address");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn refused(url: &str) -> String {
        let err = check_document_url(url, &Limits::default()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ValidationError, "{url}");
        assert_eq!(err.details()[0].field, "documentUrl");
        err.details()[0].reason.clone()
    }

    #[test]
    fn a_public_https_url_passes_and_is_normalised() {
        let checked = check_document_url(
            "https://Storage.Example.com/passport.jpg",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(checked.url, "https://storage.example.com/passport.jpg");
        assert_eq!(checked.host, "storage.example.com");
        assert_eq!(checked.port, 443);
        assert_eq!(checked.max_bytes, 10_485_760);
    }

    #[test]
    fn only_https_is_accepted() {
        for url in [
            "http://example.com/a.jpg",
            "ftp://example.com/a",
            "file:///etc/passwd",
            "javascript:alert(1)",
        ] {
            assert!(refused(url).starts_with("must use https"), "{url}");
        }
        assert!(refused("not a url").starts_with("is not a valid URL"));
    }

    #[test]
    fn credentials_in_the_url_are_refused() {
        assert!(refused("https://user:pw@example.com/a.jpg").contains("user name or password"));
        assert!(refused("https://user@example.com/a.jpg").contains("user name or password"));
    }

    #[test]
    fn loopback_in_every_spelling_is_refused() {
        for url in [
            "https://127.0.0.1/",
            "https://127.1/",
            "https://2130706433/",
            "https://0x7f000001/",
            "https://0x7f.0.0.1/",
            "https://0177.0.0.1/",
            "https://[::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[::ffff:7f00:1]/",
            "https://[64:ff9b::7f00:1]/",
            "https://[2002:7f00:1::]/",
            "https://localhost/",
            "https://LOCALHOST./",
            "https://api.localhost/",
        ] {
            let reason = refused(url);
            assert!(
                reason.contains("loopback")
                    || reason.contains("this machine")
                    || reason.contains("local"),
                "{url}: {reason}"
            );
        }
    }

    #[test]
    fn private_link_local_and_metadata_addresses_are_refused() {
        for url in [
            "https://10.0.0.5/",
            "https://172.16.0.1/",
            "https://172.31.255.255/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data/",
            "https://100.100.100.200/",
            "https://0.0.0.0/",
            "https://[fd00:ec2::254]/",
            "https://[fe80::1]/",
            "https://[::ffff:169.254.169.254]/",
            "https://metadata.google.internal/",
            "https://intranet/",
            "https://printer.local/",
            "https://224.0.0.1/",
            "https://255.255.255.255/",
        ] {
            refused(url);
        }
    }

    #[test]
    fn neighbours_of_refused_ranges_are_public() {
        for ip in [
            "172.15.255.255",
            "172.32.0.0",
            "11.0.0.1",
            "169.253.255.255",
            "100.128.0.0",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public_ip(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["::", "::7f00:1", "ff02::1", "2001:db8::1"] {
            assert!(!is_public_ip(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn overlong_urls_are_refused() {
        let url = format!("https://example.com/{}", "a".repeat(3000));
        assert!(refused(&url).contains("the limit is 2048"));
    }
}
