//! Load and fault run of `veriscope serve` over loopback, for
//! `scripts/bench server`; prints one JSON object.
//!
//! Usage: `bench_server VERISCOPE_BINARY DOCUMENT [REQUESTS_PER_CLIENT]`
//!
//! 1. Throughput: `POST /api/v1/verify` (multipart, through the SDK's
//!    client) at 1 and 16 concurrent clients; requests per second, p50 and
//!    p99, against the engine alone (`analyze` in this process) on the same
//!    document.
//! 2. Faults: verifications with webhooks to a receiver that fails every
//!    delivery's first two attempts; the server is killed (SIGKILL) half way
//!    and started again on the same database; every accepted verification
//!    must settle and every settled status must be delivered, signed.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use veriscope::client::{Client, RetryPolicy};
use veriscope::model::{CreateVerificationRequest, VerificationInput, WebhookMetadata};
use veriscope::webhook::{HeaderMap, Secret, Verifier};

const KEY: &str = "vsk_bench_server";
const SECRET: &str = "bench-webhook-signing-secret";
const VERIFICATIONS: usize = 40;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server {
    binary: String,
    config: std::path::PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Server {
    fn start(&mut self) {
        let child = Command::new(&self.binary)
            .args(["serve", "--config", self.config.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        for _ in 0..400 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("veriscope serve did not start");
    }

    /// SIGKILL: no graceful shutdown, as a crash.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

async fn throughput(url: &str, document: &Arc<Vec<u8>>, clients: usize, each: usize) -> Value {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let client = Client::builder(KEY)
            .base_url(url)
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let document = Arc::clone(document);
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(each);
            let mut errors = 0;
            for _ in 0..each {
                let sent = Instant::now();
                match client.verify_document(&document).await {
                    Ok(_) => latencies.push(sent.elapsed().as_secs_f64() * 1000.0),
                    Err(_) => errors += 1,
                }
            }
            (latencies, errors)
        });
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    while let Some(done) = tasks.join_next().await {
        let (mut list, failed) = done.unwrap();
        latencies.append(&mut list);
        errors += failed;
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    json!({
        "clients": clients,
        "requests": latencies.len() + errors,
        "errors": errors,
        "rps": latencies.len() as f64 / seconds,
        "p50_ms": percentile(&latencies, 50.0),
        "p99_ms": percentile(&latencies, 99.0),
    })
}

/// What the receiver saw: attempts per webhook-id, and the verified
/// (verification id, status) pairs it accepted.
#[derive(Default)]
struct Receiver {
    attempts: HashMap<String, usize>,
    delivered: HashSet<(String, String)>,
    bad_signatures: usize,
}

async fn receiver(state: Arc<Mutex<Receiver>>) -> String {
    let verifier = Arc::new(Verifier::new(Secret::parse(SECRET).unwrap()));
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let state = Arc::clone(&state);
                let verifier = Arc::clone(&verifier);
                async move {
                    let mut copied = HeaderMap::new();
                    for (name, value) in &headers {
                        copied.insert(name.as_str(), value.to_str().unwrap_or_default());
                    }
                    let id = copied.get("webhook-id").unwrap_or_default().to_owned();
                    let mut state = state.lock().unwrap();
                    let attempt = state.attempts.entry(id).or_default();
                    *attempt += 1;
                    if *attempt <= 2 {
                        return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                    }
                    match verifier.verify_event(&copied, &body) {
                        Ok(event) => {
                            let verification = event.verification;
                            state
                                .delivered
                                .insert((verification.id, verification.status.as_str().to_owned()));
                            axum::http::StatusCode::NO_CONTENT
                        }
                        Err(_) => {
                            state.bad_signatures += 1;
                            axum::http::StatusCode::UNAUTHORIZED
                        }
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

async fn faults(server: &mut Server, url: &str, document: &[u8]) -> Value {
    let state = Arc::new(Mutex::new(Receiver::default()));
    let hook = receiver(Arc::clone(&state)).await;
    let client = Client::builder(KEY)
        .base_url(url)
        .limits(veriscope::Limits {
            allow_loopback_webhooks: true,
            ..veriscope::Limits::default()
        })
        .retry(RetryPolicy {
            max_retries: 20,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        })
        .build()
        .unwrap();
    let upload = client.upload(document, Some("card.jpg")).await.unwrap();
    let request = CreateVerificationRequest {
        service_id: "DOCUMENT_FORGERY".into(),
        folder_id: None,
        input: VerificationInput {
            files: Some([("document".to_owned(), vec![upload.path.clone()])].into()),
            ..VerificationInput::default()
        },
        result_id: None,
        webhook_url: Some(hook),
        webhook_metadata: Some(WebhookMetadata {
            webhook_secret: Some(SECRET.into()),
            ..WebhookMetadata::default()
        }),
    };
    let mut accepted: Vec<String> = Vec::new();
    let mut killed_with_unsettled = 0;
    for index in 0..VERIFICATIONS {
        if index == VERIFICATIONS / 2 {
            // Count what is still running, then crash and come back.
            for id in &accepted {
                if !client.verification(id).await.unwrap().status.is_settled() {
                    killed_with_unsettled += 1;
                }
            }
            server.kill();
            server.start();
        }
        accepted.push(client.create_verification(&request).await.unwrap().id);
    }
    let started = Instant::now();
    let mut settled = HashMap::new();
    while settled.len() < accepted.len() && started.elapsed() < Duration::from_secs(300) {
        for id in &accepted {
            if settled.contains_key(id) {
                continue;
            }
            let verification = client.verification(id).await.unwrap();
            if verification.status.is_settled() {
                settled.insert(id.clone(), verification.status.as_str().to_owned());
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Wait for every settled status to reach the receiver.
    let wanted: HashSet<(String, String)> = settled.clone().into_iter().collect();
    while started.elapsed() < Duration::from_secs(300) {
        if wanted.is_subset(&state.lock().unwrap().delivered) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let state = state.lock().unwrap();
    let attempts: usize = state.attempts.values().sum();
    let delivered_final = wanted.intersection(&state.delivered).count();
    json!({
        "accepted": accepted.len(),
        "unsettled_when_killed": killed_with_unsettled,
        "settled": settled.len(),
        "lost": accepted.len() - settled.len(),
        "final_webhooks_delivered": delivered_final,
        "events_delivered": state.delivered.len(),
        "delivery_attempts": attempts,
        "bad_signatures": state.bad_signatures,
        "seconds": started.elapsed().as_secs_f64(),
    })
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let binary = args
        .get(1)
        .expect("usage: bench_server BINARY DOCUMENT [N]")
        .clone();
    let document = Arc::new(std::fs::read(args.get(2).expect("DOCUMENT")).unwrap());
    let each: usize = args.get(3).map_or(20, |n| n.parse().unwrap());

    let dir = std::env::temp_dir().join(format!("vs-bench-server-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let config = dir.join("serve.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\ndatabase = {:?}\nface_match = false\nworkers = 2\n\
             [[api_keys]]\nid = \"bench\"\nsha256 = \"{}\"\n\
             [rate_limit]\nrequests_per_minute = 6000000\nburst = 100000\n\
             [limits]\nallow_loopback_webhooks = true\n\
             [webhooks]\nfirst_retry_seconds = 0.2\nmax_retry_seconds = 1.0\n",
            dir.join("bench.sqlite3").to_str().unwrap(),
            veriscope_server::hash_api_key(KEY)
        ),
    )
    .unwrap();
    let mut server = Server {
        binary,
        config,
        port,
        child: None,
    };
    server.start();
    let url = format!("http://127.0.0.1:{port}");

    // The engine alone, in this process, on the same document.
    let mut engine = Vec::new();
    for _ in 0..each.max(5) {
        let started = Instant::now();
        veriscope::analysis::analyze(&document, &Default::default()).unwrap();
        engine.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    engine.sort_by(f64::total_cmp);

    // Warm-up, then the two loads.
    throughput(&url, &document, 2, 2).await;
    let one = throughput(&url, &document, 1, each).await;
    let sixteen = throughput(&url, &document, 16, each).await;
    let faults = faults(&mut server, &url, &document).await;
    server.kill();
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{}",
        json!({
            "document_bytes": document.len(),
            "engine_median_ms": percentile(&engine, 50.0),
            "load": [one, sixteen],
            "faults": faults,
            "cores": std::thread::available_parallelism().map_or(1, |n| n.get()),
        })
    );
}
