//! The SDK's client (feature `client`) against a real `veriscope serve` over
//! loopback; a small fault-injecting stub only where a real server cannot
//! be made to fail on cue (5xx, hangs).

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{KEY, fixture, start};
use veriscope::ErrorCode;
use veriscope::client::{BlockingClient, Client, ClientBuilder, RetryPolicy};
use veriscope::model::{CreateVerificationRequest, VerificationInput, VerificationStatus};

fn builder(url: &str) -> ClientBuilder {
    Client::builder(KEY).base_url(url).retry(RetryPolicy {
        max_retries: 3,
        initial_delay: Duration::from_millis(20),
        max_delay: Duration::from_secs(3),
    })
}

#[tokio::test]
async fn documents_are_analysed_by_file_and_by_base64_alike() {
    let url = start("").await;
    let client = builder(&url).build().unwrap();
    let card = fixture("analyze/card.jpg");
    let by_file = client.verify_document(&card).await.unwrap();
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&card);
    let by_base64 = client.verify_document_base64(&encoded).await.unwrap();
    assert_eq!(by_file.forgery_score, by_base64.forgery_score);
    assert_eq!(by_file.document_type, veriscope::model::DocumentType::Id);
    assert!(by_file.flags.iter().all(|flag| !flag.is_empty()));
}

#[tokio::test]
async fn inputs_the_server_would_refuse_fail_locally_without_a_request() {
    // Nothing listens on port 9 (discard): a request would be NETWORK_ERROR.
    let client = builder("http://127.0.0.1:9").build().unwrap();
    let gif = fixture("analyze/card-as-gif.gif");
    let cases = [
        client.verify_document(&gif).await.unwrap_err(),
        client
            .verify_document_base64("not base64!")
            .await
            .unwrap_err(),
        client
            .verify_document_url("https://127.0.0.1/card.jpg")
            .await
            .unwrap_err(),
        client.upload(b"plain text", None).await.unwrap_err(),
        client.verification("").await.unwrap_err(),
    ];
    let codes: Vec<ErrorCode> = cases.iter().map(|error| error.code()).collect();
    assert_eq!(
        codes,
        [
            ErrorCode::UnsupportedFormat,
            ErrorCode::ValidationError,
            ErrorCode::ValidationError,
            ErrorCode::UnsupportedFormat,
            ErrorCode::ValidationError,
        ]
    );
    let request = CreateVerificationRequest {
        service_id: "KTP_SELFIE".into(),
        folder_id: None,
        input: VerificationInput::default(),
        result_id: None,
        webhook_url: Some("http://example.com/hook".into()),
        webhook_metadata: None,
    };
    let error = client.create_verification(&request).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::ValidationError);
    let fields: Vec<&str> = error.details().iter().map(|p| p.field.as_str()).collect();
    assert!(
        fields.contains(&"webhook_url") && fields.contains(&"input.files.ktp_file"),
        "{fields:?}"
    );
    let from_json = client
        .create_verification_json(r#"{"service_id": "KTP_SELFIE", "input": {}}"#)
        .await
        .unwrap_err();
    assert_eq!(from_json.details()[0].field, "input.files.ktp_file");
    // A JSON body is checked with the client's own limits: with loopback
    // webhooks allowed it passes and goes out (to the closed port).
    let development = builder("http://127.0.0.1:9")
        .retry(RetryPolicy::none())
        .limits(veriscope::Limits {
            allow_loopback_webhooks: true,
            ..veriscope::Limits::default()
        })
        .build()
        .unwrap();
    let body = r#"{"service_id": "DOCUMENT_FORGERY", "input": {"files": {"document": ["/uploads/a.jpeg"]}},
                   "webhook_url": "http://127.0.0.1:9/hook"}"#;
    let refused = client.create_verification_json(body).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::ValidationError);
    let sent = development
        .create_verification_json(body)
        .await
        .unwrap_err();
    assert_eq!(sent.code(), ErrorCode::NetworkError, "{sent}");
    // And with a reachable-looking but closed address, the failure is the network's.
    let error = client.services().await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::NetworkError, "{error}");
}

#[tokio::test]
async fn a_verification_is_uploaded_created_and_waited_for() {
    let url = start("").await;
    let client = builder(&url).build().unwrap();
    let services = client.services().await.unwrap();
    assert_eq!(services[1]["id"], "DOCUMENT_FORGERY");
    let upload = client
        .upload(&fixture("analyze/card.jpg"), Some("card.jpg"))
        .await
        .unwrap();
    assert!(upload.path.starts_with("/uploads/"));
    let request = CreateVerificationRequest {
        service_id: "DOCUMENT_FORGERY".into(),
        folder_id: Some("folder-1".into()),
        input: VerificationInput {
            files: Some([("document".to_owned(), vec![upload.path.clone()])].into()),
            ..VerificationInput::default()
        },
        result_id: None,
        webhook_url: None,
        webhook_metadata: None,
    };
    let created = client.create_verification(&request).await.unwrap();
    assert_eq!(created.status, VerificationStatus::InQueue);
    assert_eq!(created.folder_id.as_deref(), Some("folder-1"));
    let done = client
        .wait(&created.id, Duration::from_secs(60))
        .await
        .unwrap();
    assert!(done.status.is_settled());
    assert!(done.result.unwrap().extra.contains_key("forgeryScore"));
    let missing = client
        .verification("no-such-verification")
        .await
        .unwrap_err();
    assert_eq!(missing.code(), ErrorCode::NotFound);
    let wrong_key = Client::builder("vsk_wrong").base_url(&url).build().unwrap();
    let error = wrong_key.services().await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Unauthorized);
}

#[tokio::test]
async fn a_rate_limited_request_is_retried_after_the_servers_wait() {
    let url = start("[rate_limit]\nrequests_per_minute = 60\nburst = 1\n").await;
    let patient = builder(&url).build().unwrap();
    let impatient = Client::builder(KEY)
        .base_url(&url)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    patient.services().await.unwrap();
    let refused = impatient.services().await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::RateLimited);
    // The bucket is empty again; the patient client waits Retry-After (1 s).
    patient.services().await.unwrap();
}

/// A stub answering `status` with `body` to the first `failures` requests
/// and `{"data": []}` after; counts requests.
async fn stub(failures: usize, status: u16, body: &'static str) -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    let app = axum::Router::new().fallback(move || {
        let seen = Arc::clone(&seen);
        async move {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            if body == "hang" {
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
            let (status, body) = if n < failures {
                (status, body)
            } else {
                (200, r#"{"data": []}"#)
            };
            (
                axum::http::StatusCode::from_u16(status).unwrap(),
                [("content-type", "application/json")],
                body,
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, count)
}

#[tokio::test]
async fn server_failures_are_retried_and_validation_errors_are_not() {
    let (url, count) = stub(2, 503, "<html>upstream down</html>").await;
    builder(&url).build().unwrap().services().await.unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 3, "two 503s, then success");

    let body = r#"{"error": {"code": "VALIDATION_ERROR", "message": "bad", "details": [{"field": "x", "reason": "y"}]}}"#;
    let (url, count) = stub(usize::MAX, 400, body).await;
    let error = builder(&url).build().unwrap().services().await.unwrap_err();
    assert_eq!(
        (error.code(), error.details()[0].field.as_str()),
        (ErrorCode::ValidationError, "x")
    );
    assert_eq!(count.load(Ordering::SeqCst), 1, "a 4xx is never retried");

    let (url, count) = stub(usize::MAX, 502, "bad gateway").await;
    let error = builder(&url).build().unwrap().services().await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::NetworkError);
    assert_eq!(
        count.load(Ordering::SeqCst),
        4,
        "first attempt and three retries"
    );

    let (url, _) = stub(usize::MAX, 200, "hang").await;
    let slow = builder(&url)
        .timeout(Duration::from_millis(200))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    assert_eq!(
        slow.services().await.unwrap_err().code(),
        ErrorCode::Timeout
    );
}

#[tokio::test]
async fn waiting_past_the_deadline_is_a_timeout() {
    let body = r#"{"data": {"id": "v1", "status": "IN_PROGRESS"}}"#;
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    let app = axum::Router::new().fallback(move || {
        seen.fetch_add(1, Ordering::SeqCst);
        async move { ([("content-type", "application/json")], body) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = builder(&url).build().unwrap();
    let error = client
        .wait("v1", Duration::from_millis(700))
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Timeout);
    assert!(error.message().contains("IN_PROGRESS"), "{error}");
    assert!(
        count.load(Ordering::SeqCst) >= 2,
        "it polled more than once"
    );
}

#[test]
fn the_blocking_client_works_without_a_runtime_and_refuses_inside_one() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let url = runtime.block_on(start(""));
    let client = BlockingClient::new(builder(&url)).unwrap();
    let report = client
        .verify_document(&fixture("analyze/card.jpg"))
        .unwrap();
    assert!((0.0..=1.0).contains(&report.forgery_score));
    let inside = runtime.block_on(async { client.services() });
    assert_eq!(inside.unwrap_err().code(), ErrorCode::InvalidArgument);
}
