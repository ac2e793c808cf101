//! Property tests of webhook signing and verification: whatever is signed
//! verifies, and any single-byte change to body, id, timestamp or signature
//! does not.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use veriscope::ErrorCode;
use veriscope::webhook::{HeaderMap, Scheme, Secret, Signer, Verifier};

const NOW: i64 = 1_700_000_000;

fn scheme() -> impl Strategy<Value = Scheme> {
    prop_oneof![
        Just(Scheme::Standard),
        Just(Scheme::Timestamped),
        Just(Scheme::Sha256)
    ]
}

fn sign(scheme: Scheme, key: &[u8], id: &str, body: &[u8]) -> HeaderMap {
    Signer::new(Secret::from_bytes(key.to_vec()).unwrap())
        .scheme(scheme)
        .sign(id, NOW, body)
        .unwrap()
}

fn verify(key: &[u8], headers: &HeaderMap, body: &[u8]) -> Result<(), ErrorCode> {
    Verifier::new(Secret::from_bytes(key.to_vec()).unwrap())
        .verify_at(headers, body, NOW)
        .map(drop)
        .map_err(|err| err.code())
}

/// Replaces the value of `name` in `headers`.
fn with_header(headers: &HeaderMap, name: &str, value: String) -> HeaderMap {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.to_owned(),
                if k == name {
                    value.clone()
                } else {
                    v.to_owned()
                },
            )
        })
        .collect()
}

/// `text` with the character at `index` (modulo its length) replaced by a different one of `alphabet`.
fn change_char(text: &str, index: usize, alphabet: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let at = index % chars.len();
    let replacement = alphabet.chars().find(|&c| c != chars[at]).unwrap();
    chars[at] = replacement;
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn whatever_is_signed_verifies(
        scheme in scheme(),
        key in prop::collection::vec(any::<u8>(), 1..64),
        id in "[a-zA-Z0-9_]{1,40}",
        body in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        prop_assert_eq!(verify(&key, &sign(scheme, &key, &id, &body), &body), Ok(()));
    }

    #[test]
    fn any_changed_body_byte_fails(
        scheme in scheme(),
        key in prop::collection::vec(any::<u8>(), 1..64),
        body in prop::collection::vec(any::<u8>(), 1..512),
        index in any::<usize>(),
        flip in 1u8..=255,
    ) {
        let headers = sign(scheme, &key, "msg_1", &body);
        let mut tampered = body.clone();
        tampered[index % body.len()] ^= flip;
        prop_assert_eq!(verify(&key, &headers, &tampered), Err(ErrorCode::WebhookSignatureMismatch));
    }

    #[test]
    fn any_changed_id_or_timestamp_character_fails(
        key in prop::collection::vec(any::<u8>(), 1..64),
        id in "[a-z0-9_]{1,30}",
        body in prop::collection::vec(any::<u8>(), 0..256),
        index in any::<usize>(),
    ) {
        let headers = sign(Scheme::Standard, &key, &id, &body);
        let changed_id = with_header(&headers, "webhook-id", change_char(&id, index, "abc"));
        prop_assert_eq!(verify(&key, &changed_id, &body), Err(ErrorCode::WebhookSignatureMismatch));
        // A changed digit moves the timestamp: either out of tolerance or to another signed value.
        let stamp = NOW.to_string();
        let changed_stamp = with_header(&headers, "webhook-timestamp", change_char(&stamp, index, "0123456789"));
        prop_assert!(verify(&key, &changed_stamp, &body).is_err());
    }

    #[test]
    fn any_changed_signature_character_fails(
        scheme in scheme(),
        key in prop::collection::vec(any::<u8>(), 1..64),
        body in prop::collection::vec(any::<u8>(), 0..256),
        index in any::<usize>(),
    ) {
        let headers = sign(scheme, &key, "msg_1", &body);
        let name = scheme.signature_header();
        let value = headers.get(name).unwrap().to_owned();
        // Change one character of the signature itself, not of its prefix.
        let (prefix, signature) = match scheme {
            Scheme::Standard => value.split_at(3),
            Scheme::Timestamped => value.split_at(value.find("v1=").unwrap() + 3),
            Scheme::Sha256 => value.split_at(7),
        };
        let alphabet = if scheme == Scheme::Standard { "ABCD" } else { "0123" };
        let tampered = with_header(&headers, name, format!("{prefix}{}", change_char(signature, index, alphabet)));
        prop_assert!(verify(&key, &tampered, &body).is_err());
    }

    #[test]
    fn parsing_arbitrary_headers_never_panics(
        pairs in prop::collection::vec(("(webhook-(id|timestamp|signature)|x-webhook-signature|x-hub-signature-256)", ".{0,80}"), 0..6),
        body in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let headers: HeaderMap = pairs.into_iter().collect();
        let _ = verify(b"k", &headers, &body);
    }
}
