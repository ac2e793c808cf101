//! Webhook verification speed, against raw HMAC-SHA256 of the same content
//! (the floor any verifier pays). `scripts/bench webhooks` runs this beside
//! the Python and Node reference libraries and writes docs/benchmarks.md.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::hint::black_box;
use veriscope::webhook::{Secret, Signer, Verifier};

const NOW: i64 = 1_700_000_000;
const SIZES: [(usize, &str); 2] = [(1024, "1KB"), (64 * 1024, "64KB")];

fn body(size: usize) -> Vec<u8> {
    // A JSON-looking body of the given size.
    let mut body = br#"{"id":"ver_1","status":"COMPLETED","pad":""#.to_vec();
    body.resize(size - 2, b'x');
    body.extend_from_slice(b"\"}");
    body
}

fn bench(c: &mut Criterion) {
    let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("valid secret");
    let verifier = Verifier::new(secret.clone());
    let mut group = c.benchmark_group("webhook");
    for (size, label) in SIZES {
        let body = body(size);
        let headers = Signer::new(secret.clone())
            .sign("msg_2Lk7Qe", NOW, &body)
            .expect("signs");
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("verify", label), &body, |b, body| {
            b.iter(|| {
                verifier
                    .verify_at(black_box(&headers), black_box(body), NOW)
                    .expect("verifies")
            })
        });
        group.bench_with_input(BenchmarkId::new("hmac_sha256", label), &body, |b, body| {
            b.iter(|| {
                let mut mac =
                    <Hmac<Sha256>>::new_from_slice(secret.as_bytes()).expect("any key length");
                mac.update(b"msg_2Lk7Qe.1700000000.");
                mac.update(black_box(body));
                mac.finalize().into_bytes()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
