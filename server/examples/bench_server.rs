//! Load and fault run of `veriscope serve` over loopback, for
//! `scripts/bench server`; prints one JSON object.
//!
//! Usage: `bench_server VERISCOPE_BINARY DOCUMENT [REQUESTS_PER_CLIENT]
//! [POSTGRES_URL]`
//!
//! 1. Throughput: `POST /api/v1/verify` (multipart, through the SDK's
//!    client) at 1 and 16 concurrent clients; requests per second, p50 and
//!    p99, against the engine alone (`analyze` in this process) on the same
//!    document.
//! 2. Faults: verifications with webhooks to a receiver that fails every
//!    delivery's first two attempts; the server is killed (SIGKILL) half way
//!    and started again on the same database; every accepted verification
//!    must settle and every settled status must be delivered, signed.
//! 3. With a PostgreSQL URL (a database the user may create databases
//!    from), a cluster on a fresh database: verifications settled per second
//!    by 1 and by 3 instances; then 3 instances under load, one SIGKILLed
//!    while it holds work: every accepted verification must settle exactly
//!    once (one settled-status delivery each), every webhook be delivered
//!    and none badly signed; the recovery time is from the kill until the
//!    last verification the dead instance held has settled elsewhere.

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

/// The configuration text of a bench instance on `port` and `database`.
fn config_text(port: u16, database: &str, lease_seconds: f64) -> String {
    format!(
        "listen = \"127.0.0.1:{port}\"\ndatabase = {database:?}\nface_match = false\nworkers = 2\n\
         [[api_keys]]\nid = \"bench\"\nsha256 = \"{}\"\n\
         [rate_limit]\nrequests_per_minute = 6000000\nburst = 100000\n\
         [limits]\nallow_loopback_webhooks = true\n\
         [webhooks]\nfirst_retry_seconds = 0.2\nmax_retry_seconds = 1.0\n\
         [jobs]\nlease_seconds = {lease_seconds:?}\npoll_ms = 100\n",
        veriscope_server::hash_api_key(KEY)
    )
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

    fn new(binary: &str, dir: &std::path::Path, name: &str, database: &str, lease: f64) -> Server {
        let port = free_port();
        let config = dir.join(format!("{name}.toml"));
        std::fs::write(&config, config_text(port, database, lease)).unwrap();
        Server {
            binary: binary.to_owned(),
            config,
            port,
            child: None,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
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
    /// Per verification, the webhook-ids of the settled statuses received.
    settled_ids: HashMap<String, HashSet<String>>,
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
                    let copied = HeaderMap::from(&headers);
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
                            if verification.status.is_settled() {
                                let id = copied.get("webhook-id").unwrap_or_default().to_owned();
                                state
                                    .settled_ids
                                    .entry(verification.id.clone())
                                    .or_default()
                                    .insert(id);
                            }
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
    let client = client_of(url);
    let upload = client.upload(document, Some("card.jpg")).await.unwrap();
    let request = forgery_request(&upload.path, Some(hook));
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

/// A client of one instance that retries what a busy server refuses.
fn client_of(url: &str) -> Client {
    Client::builder(KEY)
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
        .unwrap()
}

fn forgery_request(path: &str, hook: Option<String>) -> CreateVerificationRequest {
    CreateVerificationRequest {
        service_id: "DOCUMENT_FORGERY".into(),
        folder_id: None,
        input: VerificationInput {
            files: Some([("document".to_owned(), vec![path.to_owned()])].into()),
            ..VerificationInput::default()
        },
        result_id: None,
        webhook_metadata: hook.as_ref().map(|_| WebhookMetadata {
            webhook_secret: Some(SECRET.into()),
            ..WebhookMetadata::default()
        }),
        webhook_url: hook,
    }
}

/// A new empty database on the server at `admin`; its URL and a connection.
async fn fresh_database(admin: &str) -> (String, tokio_postgres::Client) {
    let (control, connection) = tokio_postgres::connect(admin, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let name = format!("vs_bench_{}", uuid::Uuid::new_v4().simple());
    control
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let mut url = reqwest::Url::parse(admin).unwrap();
    url.set_path(&format!("/{name}"));
    let (client, connection) = tokio_postgres::connect(url.as_str(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    (url.to_string(), client)
}

/// Starts `count` instances on `database`.
fn instances(
    binary: &str,
    dir: &std::path::Path,
    database: &str,
    count: usize,
    lease: f64,
) -> Vec<Server> {
    (0..count)
        .map(|index| {
            let mut server = Server::new(binary, dir, &format!("node{index}"), database, lease);
            server.start();
            server
        })
        .collect()
}

/// Waits until every id in `ids` is settled, asking the instances in
/// `alive` in turn; the settled status of each and when each settled.
async fn settle_all(clients: &[Client], ids: &[String]) -> HashMap<String, (String, Instant)> {
    let started = Instant::now();
    let mut settled = HashMap::new();
    let mut turn = 0;
    while settled.len() < ids.len() && started.elapsed() < Duration::from_secs(300) {
        for id in ids {
            if settled.contains_key(id) {
                continue;
            }
            turn += 1;
            let verification = clients[turn % clients.len()]
                .verification(id)
                .await
                .unwrap();
            if verification.status.is_settled() {
                settled.insert(
                    id.clone(),
                    (verification.status.as_str().to_owned(), Instant::now()),
                );
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    settled
}

/// Verifications settled per second by `count` instances sharing a database.
async fn cluster_throughput(
    binary: &str,
    dir: &std::path::Path,
    admin: &str,
    document: &[u8],
    count: usize,
) -> Value {
    const JOBS: usize = 24;
    let (database, _control) = fresh_database(admin).await;
    let servers = instances(binary, dir, &database, count, 30.0);
    let clients: Vec<Client> = servers
        .iter()
        .map(|server| client_of(&server.url()))
        .collect();
    let upload = clients[0].upload(document, Some("card.jpg")).await.unwrap();
    let request = forgery_request(&upload.path, None);
    let started = Instant::now();
    let mut ids = Vec::with_capacity(JOBS);
    for index in 0..JOBS {
        ids.push(
            clients[index % count]
                .create_verification(&request)
                .await
                .unwrap()
                .id,
        );
    }
    let settled = settle_all(&clients, &ids).await;
    let seconds = started.elapsed().as_secs_f64();
    drop(servers);
    json!({
        "instances": count,
        "verifications": JOBS,
        "settled": settled.len(),
        "seconds": seconds,
        "settled_per_second": settled.len() as f64 / seconds,
    })
}

/// Three instances under load; one SIGKILLed while it holds work.
async fn cluster_faults(
    binary: &str,
    dir: &std::path::Path,
    admin: &str,
    document: &[u8],
) -> Value {
    const JOBS: usize = 60;
    const LEASE_SECONDS: f64 = 2.0;
    let (database, control) = fresh_database(admin).await;
    let mut servers = instances(binary, dir, &database, 3, LEASE_SECONDS);
    let clients: Vec<Client> = servers
        .iter()
        .map(|server| client_of(&server.url()))
        .collect();
    let state = Arc::new(Mutex::new(Receiver::default()));
    let hook = receiver(Arc::clone(&state)).await;
    let upload = clients[0].upload(document, Some("card.jpg")).await.unwrap();
    let request = forgery_request(&upload.path, Some(hook));
    let mut alive: Vec<usize> = vec![0, 1, 2];
    let mut accepted = Vec::with_capacity(JOBS);
    let mut held_by_killed: Vec<String> = Vec::new();
    let mut killed_at = None;
    for index in 0..JOBS {
        if index >= JOBS / 2 && killed_at.is_none() {
            // Kill an instance that holds a verification right now.
            for (victim, server) in servers.iter_mut().enumerate() {
                let pattern = format!("{}-%", server.pid());
                let rows = control
                    .query(
                        "SELECT id FROM verifications WHERE lease_owner LIKE $1
                         AND status IN ('IN_QUEUE', 'IN_PROGRESS')",
                        &[&pattern],
                    )
                    .await
                    .unwrap();
                if !rows.is_empty() {
                    held_by_killed = rows.iter().map(|row| row.get(0)).collect();
                    server.kill();
                    killed_at = Some(Instant::now());
                    alive.retain(|&node| node != victim);
                    break;
                }
            }
        }
        let node = alive[index % alive.len()];
        accepted.push(
            clients[node]
                .create_verification(&request)
                .await
                .unwrap()
                .id,
        );
    }
    let survivors: Vec<Client> = alive.iter().map(|&node| clients[node].clone()).collect();
    let settled = settle_all(&survivors, &accepted).await;
    let recovery_seconds = killed_at.map(|killed| {
        held_by_killed
            .iter()
            .filter_map(|id| settled.get(id))
            .map(|(_, at)| at.duration_since(killed).as_secs_f64())
            .fold(0.0, f64::max)
    });
    let wanted: HashSet<(String, String)> = settled
        .iter()
        .map(|(id, (status, _))| (id.clone(), status.clone()))
        .collect();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(120) {
        if wanted.is_subset(&state.lock().unwrap().delivered) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Exactly once: one settled-status delivery per verification, stored
    // and received (redeliveries share its webhook-id).
    let stored_settles: i64 = control
        .query_one(
            "SELECT COUNT(*) FROM deliveries WHERE status NOT IN ('IN_QUEUE', 'IN_PROGRESS')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    // A graceful stop of a survivor: SIGTERM, exit status 0.
    let stopping = &mut servers[alive[0]];
    let sigterm_started = Instant::now();
    let terminated = Command::new("kill")
        .args(["-TERM", &stopping.pid().to_string()])
        .status()
        .unwrap()
        .success();
    let exit = stopping.child.take().map(|mut child| child.wait().unwrap());
    let sigterm_seconds = sigterm_started.elapsed().as_secs_f64();
    let state = state.lock().unwrap();
    let received_once = accepted
        .iter()
        .filter(|id| state.settled_ids.get(*id).is_some_and(|ids| ids.len() == 1))
        .count();
    json!({
        "instances": 3,
        "lease_seconds": LEASE_SECONDS,
        "accepted": accepted.len(),
        "held_by_killed": held_by_killed.len(),
        "settled": settled.len(),
        "lost": accepted.len() - settled.len(),
        "stored_settle_deliveries": stored_settles,
        "settled_received_once": received_once,
        "final_webhooks_delivered": wanted.intersection(&state.delivered).count(),
        "delivery_attempts": state.attempts.values().sum::<usize>(),
        "bad_signatures": state.bad_signatures,
        "recovery_seconds": recovery_seconds,
        "sigterm_exit_ok": terminated && exit.is_some_and(|status| status.success()),
        "sigterm_seconds": sigterm_seconds,
    })
}

/// The PostgreSQL cluster runs.
async fn cluster(binary: &str, dir: &std::path::Path, admin: &str, document: &[u8]) -> Value {
    let one = cluster_throughput(binary, dir, admin, document, 1).await;
    let three = cluster_throughput(binary, dir, admin, document, 3).await;
    let faults = cluster_faults(binary, dir, admin, document).await;
    json!({ "throughput": [one, three], "faults": faults })
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let binary = args
        .get(1)
        .expect("usage: bench_server BINARY DOCUMENT [N] [POSTGRES_URL]")
        .clone();
    let document = Arc::new(std::fs::read(args.get(2).expect("DOCUMENT")).unwrap());
    let each: usize = args.get(3).map_or(20, |n| n.parse().unwrap());

    let dir = std::env::temp_dir().join(format!("vs-bench-server-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let database = dir.join("bench.sqlite3");
    let mut server = Server::new(&binary, &dir, "serve", database.to_str().unwrap(), 30.0);
    server.start();
    let url = server.url();

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
    let cluster = match args.get(4) {
        Some(admin) => cluster(&binary, &dir, admin, &document).await,
        None => Value::Null,
    };
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{}",
        json!({
            "document_bytes": document.len(),
            "engine_median_ms": percentile(&engine, 50.0),
            "load": [one, sixteen],
            "faults": faults,
            "cluster": cluster,
            "cores": std::thread::available_parallelism().map_or(1, |n| n.get()),
        })
    );
}
