//! The verification API of `veriscope serve` over loopback: uploads,
//! verifications run by the worker pool, webhooks delivered and retried,
//! and a restart that loses nothing.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{KEY, OTHER_KEY, fixture, json, start, start_with};
use serde_json::{Value, json};
use veriscope::webhook::{HeaderMap, Secret, Verifier};

const SECRET: &str = "a-signing-secret-for-tests";

async fn upload(url: &str, key: &str, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
    );
    json(
        reqwest::Client::new()
            .post(format!("{url}/uploads"))
            .bearer_auth(key)
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn create(url: &str, key: &str, body: &Value) -> (u16, Value) {
    json(
        reqwest::Client::new()
            .post(format!("{url}/verifications"))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn get(url: &str, key: &str, path: &str) -> (u16, Value) {
    json(
        reqwest::Client::new()
            .get(format!("{url}{path}"))
            .bearer_auth(key)
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn forgery_body(path: &str) -> Value {
    json!({"service_id": "DOCUMENT_FORGERY", "input": {"files": {"document": [path]}}})
}

/// Polls until the verification is settled; its last body.
async fn settled(url: &str, id: &str) -> Value {
    for _ in 0..600 {
        let (status, body) = get(url, KEY, &format!("/verifications/{id}")).await;
        assert_eq!(status, 200, "{body}");
        let state = body["data"]["status"].as_str().unwrap().to_owned();
        if !["IN_QUEUE", "IN_PROGRESS"].contains(&state.as_str()) {
            return body["data"].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("verification {id} did not settle in 30 s");
}

#[tokio::test]
async fn an_uploaded_document_is_verified_by_the_worker_pool() {
    let url = start("").await;
    let (status, uploaded) = upload(&url, KEY, "card.jpg", fixture("analyze/card.jpg")).await;
    assert_eq!(status, 201, "{uploaded}");
    let path = uploaded["data"]["path"].as_str().unwrap();
    assert!(
        path.starts_with("/uploads/") && path.ends_with(".jpeg"),
        "{path}"
    );
    assert_eq!(uploaded["data"]["format"], "jpeg");
    assert_eq!(uploaded["data"]["file_name"], "card.jpg");

    let (status, created) = create(&url, KEY, &forgery_body(path)).await;
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["id"].as_str().unwrap();
    assert_eq!(created["data"]["status"], "IN_QUEUE");
    assert_eq!(created["data"]["api_key_id"], "test");
    assert_eq!(
        created["data"]["input"]["verification_type"],
        "DOCUMENT_FORGERY"
    );

    let done = settled(&url, id).await;
    let score = done["result"]["forgeryScore"].as_f64().unwrap();
    let expected = if score >= veriscope::analysis::fusion::THRESHOLD {
        ("FRAUD_DETECTED", "NOT_VERIFIED")
    } else {
        ("COMPLETED", "VERIFIED")
    };
    assert_eq!(
        (
            done["status"].as_str().unwrap(),
            done["result_status"].as_str().unwrap()
        ),
        expected
    );
    assert_eq!(done["result"]["documentType"], "id");
    assert_eq!(done["file_count"], 1);
    assert!(done["completed_at"].is_string() && done["processing_time"].is_number());
    assert_eq!(done["input_files"]["document"][0], path);
}

#[tokio::test]
async fn uploads_and_verifications_refuse_bad_input_with_the_apis_codes() {
    let url = start("[limits]\nmax_inline_bytes = 200000\n").await;
    let (status, body) = upload(&url, KEY, "card.gif", fixture("analyze/card-as-gif.gif")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("UNSUPPORTED_FORMAT"))
    );
    let (status, body) = upload(&url, KEY, "big.png", vec![0x89; 300_000]).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("FILE_TOO_LARGE"))
    );
    let (status, body) = upload(&url, "vsk_wrong", "card.jpg", fixture("analyze/card.jpg")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("UNAUTHORIZED"))
    );

    let (_, uploaded) = upload(&url, KEY, "card.jpg", fixture("analyze/card.jpg")).await;
    let path = uploaded["data"]["path"].as_str().unwrap();
    // Another key's upload, an unknown path, a body the validation refuses.
    let (status, body) = create(&url, OTHER_KEY, &forgery_body(path)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("VALIDATION_ERROR"))
    );
    assert_eq!(
        body["error"]["details"][0]["field"], "input.files.document[0]",
        "{body}"
    );
    let (status, body) = create(&url, KEY, &json!({"service_id": "NOPE", "input": {}})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("VALIDATION_ERROR"))
    );
    // KTP_SELFIE on a server without face models.
    let ktp = json!({"service_id": "KTP_SELFIE", "input": {"files": {"ktp_file": [path], "selfie_file": [path]}}});
    let (status, body) = create(&url, KEY, &ktp).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (503, Some("MODEL_MISSING"))
    );
    // Someone else's verification is as absent as one that never existed.
    let (_, created) = create(&url, KEY, &forgery_body(path)).await;
    let id = created["data"]["id"].as_str().unwrap();
    let (status, body) = get(&url, OTHER_KEY, &format!("/verifications/{id}")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );
    let (status, _) = get(&url, KEY, "/verifications/no-such-id").await;
    assert_eq!(status, 404);
}

/// What a test receiver got: each request's headers and body.
type Received = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

/// A webhook receiver on loopback that answers 503 to the first `failures`
/// requests; what it received (headers, body).
async fn receiver(failures: usize) -> (String, Received) {
    let received: Received = Arc::default();
    let seen = Arc::new(Mutex::new(0usize));
    let log = Arc::clone(&received);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let log = Arc::clone(&log);
                let seen = Arc::clone(&seen);
                async move {
                    let mut count = seen.lock().unwrap();
                    *count += 1;
                    if *count <= failures {
                        return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                    }
                    let copied = HeaderMap::from(&headers);
                    log.lock().unwrap().push((copied, body.to_vec()));
                    axum::http::StatusCode::NO_CONTENT
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

#[tokio::test]
async fn webhooks_are_signed_retried_in_order_and_every_attempt_recorded() {
    let (hook, received) = receiver(2).await;
    let url = start(
        "[limits]\nallow_loopback_webhooks = true\n\
         [webhooks]\nfirst_retry_seconds = 0.05\nmax_retry_seconds = 0.2\n",
    )
    .await;
    let (_, uploaded) = upload(&url, KEY, "card.png", fixture("analyze/card-as-png.png")).await;
    let mut body = forgery_body(uploaded["data"]["path"].as_str().unwrap());
    body["webhook_url"] = json!(hook);
    body["webhook_metadata"] = json!({"webhook_secret": SECRET, "order": 42});
    let (status, created) = create(&url, KEY, &body).await;
    assert_eq!(status, 201, "{created}");
    assert!(
        created["data"]["webhook_metadata"]
            .get("webhook_secret")
            .is_none()
    );
    let id = created["data"]["id"].as_str().unwrap();
    let done = settled(&url, id).await;

    // IN_QUEUE, IN_PROGRESS and the settled status, each once, in order.
    let mut events = Vec::new();
    for _ in 0..200 {
        events = received.lock().unwrap().clone();
        if events.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let verifier = Verifier::new(Secret::parse(SECRET).unwrap());
    let statuses: Vec<String> = events
        .iter()
        .map(|(headers, body)| {
            let event = verifier.verify_event(headers, body).unwrap();
            assert_eq!(event.verification.id, id);
            assert!(!String::from_utf8_lossy(body).contains(SECRET));
            event.verification.status.as_str().to_owned()
        })
        .collect();
    assert_eq!(
        statuses,
        ["IN_QUEUE", "IN_PROGRESS", done["status"].as_str().unwrap()]
    );
    let forged = Verifier::new(Secret::parse("another-secret-entirely").unwrap());
    let (headers, body) = &events[0];
    assert_eq!(
        forged.verify_event(headers, body).unwrap_err().code(),
        veriscope::ErrorCode::WebhookSignatureMismatch
    );

    let (status, log) = get(&url, KEY, &format!("/verifications/{id}/webhooks")).await;
    assert_eq!(status, 200, "{log}");
    let first = &log["data"][0];
    assert_eq!(first["status"], "IN_QUEUE");
    assert_eq!(first["state"], "delivered");
    let codes: Vec<i64> = first["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|attempt| attempt["http_status"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [503, 503, 204]);
}

#[tokio::test]
async fn accepted_work_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("vs-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let database = dir.join("server.sqlite3");
    let _ = std::fs::remove_file(&database);
    let top = format!("database = {:?}", database.to_str().unwrap());

    // A verification accepted by a process that died before running it.
    let path = "/uploads/accepted-before-the-crash.jpeg";
    {
        let store = veriscope_server::store::Store::connect(database.to_str().unwrap())
            .await
            .unwrap();
        let upload = veriscope_server::store::Upload {
            path: path.into(),
            file_name: None,
            format: veriscope::model::DocumentFormat::Jpeg,
            size: 0,
            created_at: veriscope::pipeline::now_rfc3339(),
        };
        store
            .insert_upload("test", &upload, fixture("analyze/card.jpg"))
            .await
            .unwrap();
        let mut queued = veriscope::model::Verification::new(
            "queued-before-the-crash",
            veriscope::model::VerificationStatus::InQueue,
        );
        queued.input = Some(
            serde_json::from_value(json!({
                "verification_type": "DOCUMENT_FORGERY", "files": {"document": [path]}
            }))
            .unwrap(),
        );
        store
            .insert_verification("test", &queued, None)
            .await
            .unwrap();
    }
    let server = start_with(&top, "").await;
    let done = settled(&server.url, "queued-before-the-crash").await;
    assert!(done["result"]["forgeryScore"].is_number(), "{done}");
    // Work accepted by this server is there after it stops and starts again.
    let (_, created) = create(&server.url, KEY, &forgery_body(path)).await;
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    server.stop().await;
    let again = start_with(&top, "").await;
    let done = settled(&again.url, &id).await;
    assert!(done["result"]["forgeryScore"].is_number(), "{done}");
    again.stop().await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_graceful_stop_finishes_or_hands_back_every_job() {
    let dir = std::env::temp_dir().join(format!("vs-drain-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let database = dir.join("server.sqlite3");
    let top = format!("database = {:?}\nworkers = 1", database.to_str().unwrap());
    let server = start_with(&top, "[jobs]\nshutdown_grace_seconds = 0.0").await;
    let (_, uploaded) = upload(&server.url, KEY, "card.jpg", fixture("analyze/card.jpg")).await;
    let path = uploaded["data"]["path"].as_str().unwrap().to_owned();
    for _ in 0..6 {
        let (status, _) = create(&server.url, KEY, &forgery_body(&path)).await;
        assert_eq!(status, 201);
    }
    // No grace: whatever the one worker is running is abandoned and handed back.
    server.stop().await;
    let connection = rusqlite::Connection::open(&database).unwrap();
    let (unsettled, leased): (i64, i64) = connection
        .query_row(
            "SELECT SUM(status IN ('IN_QUEUE', 'IN_PROGRESS')), SUM(lease_owner IS NOT NULL)
             FROM verifications",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert!(
        unsettled > 0,
        "the stop came before the queue was worked off"
    );
    assert_eq!(leased, 0, "a stopped instance holds no lease");
    drop(connection);
    // The next start runs what was left.
    let again = start_with(
        &top,
        "[rate_limit]\nrequests_per_minute = 60000\nburst = 1000",
    )
    .await;
    let ids: Vec<String> = rusqlite::Connection::open(&database)
        .unwrap()
        .prepare("SELECT id FROM verifications")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for id in ids {
        let done = settled(&again.url, &id).await;
        assert_eq!(done["status"], "COMPLETED", "{done}");
    }
    again.stop().await;
    std::fs::remove_dir_all(dir).unwrap();
}
