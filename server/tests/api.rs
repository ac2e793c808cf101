//! `veriscope serve` over loopback: a real server on port 0, real HTTP.

#![allow(clippy::unwrap_used)]

mod common;

use base64::Engine;
use common::{KEY, fixture, json, start};
use serde_json::Value;

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

#[tokio::test]
async fn a_multipart_upload_is_analysed_into_the_forgery_report() {
    let url = start("").await;
    let form = reqwest::multipart::Form::new().part(
        "document",
        reqwest::multipart::Part::bytes(fixture("analyze/card.jpg")).file_name("card.jpg"),
    );
    let response = client()
        .post(format!("{url}/api/v1/verify"))
        .bearer_auth(KEY)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    let data = &body["data"];
    assert_eq!(data["documentType"], "id");
    assert!(data["forgeryScore"].as_f64().unwrap() <= 1.0);
    let keys: Vec<&str> = data
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "forgeryScore",
            "confidence",
            "documentType",
            "flags",
            "latencyMs"
        ]
    );
}

#[tokio::test]
async fn base64_json_gives_the_same_report_as_the_upload() {
    let url = start("").await;
    let card = fixture("analyze/card-spliced.jpg");
    let encoded = base64::engine::general_purpose::STANDARD.encode(&card);
    let (status, inline) = json(
        client()
            .post(format!("{url}/api/v1/verify"))
            .bearer_auth(KEY)
            .json(&serde_json::json!({ "document": format!("data:image/jpeg;base64,{encoded}") }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{inline}");
    let local = veriscope::analysis::analyze(&card, &Default::default()).unwrap();
    assert_eq!(
        inline["data"]["forgeryScore"],
        serde_json::json!(local.report.forgery_score)
    );
    assert_eq!(inline["data"]["id"], serde_json::json!(local.report.id));
}

#[tokio::test]
async fn every_error_has_the_apis_code_and_status() {
    let url = start("[limits]\nmax_inline_bytes = 20000\n").await;
    let post = |body: Value, key: Option<&str>| {
        let mut request = client().post(format!("{url}/api/v1/verify")).json(&body);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        request.send()
    };
    let cases = [
        (
            serde_json::json!({"document": "R0lGODlh"}),
            None,
            401,
            "UNAUTHORIZED",
        ),
        (
            serde_json::json!({"document": "R0lGODlh"}),
            Some("vsk_wrong"),
            401,
            "UNAUTHORIZED",
        ),
        (serde_json::json!({}), Some(KEY), 400, "VALIDATION_ERROR"),
        (
            serde_json::json!({"document": "R0lGODlhAQABAAAAACw="}),
            Some(KEY),
            422,
            "UNSUPPORTED_FORMAT",
        ),
        (
            serde_json::json!({"document": base64::engine::general_purpose::STANDARD.encode(fixture("analyze/card.jpg"))}),
            Some(KEY),
            422,
            "FILE_TOO_LARGE",
        ),
        // Literal loopback, private and metadata addresses are refused before any fetch.
        (
            serde_json::json!({"documentUrl": "https://127.0.0.1/a.jpg"}),
            Some(KEY),
            400,
            "VALIDATION_ERROR",
        ),
        (
            serde_json::json!({"documentUrl": "https://10.0.0.8/a.jpg"}),
            Some(KEY),
            400,
            "VALIDATION_ERROR",
        ),
        (
            serde_json::json!({"documentUrl": "https://169.254.169.254/latest"}),
            Some(KEY),
            400,
            "VALIDATION_ERROR",
        ),
        (
            serde_json::json!({"documentUrl": "http://example.com/a.jpg"}),
            Some(KEY),
            400,
            "VALIDATION_ERROR",
        ),
    ];
    for (body, key, status, code) in cases {
        let (got, answer) = json(post(body.clone(), key).await.unwrap()).await;
        assert_eq!(
            (got, answer["error"]["code"].as_str().unwrap()),
            (status, code),
            "{body}: {answer}"
        );
    }
    // A body far over the limit is FILE_TOO_LARGE too, not a bare 413.
    let huge = vec![b'A'; 200_000];
    let (status, answer) = json(
        client()
            .post(format!("{url}/api/v1/verify"))
            .bearer_auth(KEY)
            .header("content-type", "application/json")
            .body(huge)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str().unwrap()),
        (422, "FILE_TOO_LARGE")
    );
}

#[tokio::test]
async fn a_name_resolving_to_this_machine_is_not_fetched() {
    let url = veriscope::validate::DocumentUrl {
        source: veriscope::validate::DocumentSource::Url,
        url: "https://localhost:9/a.jpg".into(),
        host: "localhost".into(),
        port: 9,
        max_bytes: 1000,
    };
    let error = veriscope_server::fetch::fetch_document(&url, &Default::default())
        .await
        .unwrap_err();
    assert_eq!(error.code(), veriscope::ErrorCode::FetchFailed);
    assert!(
        error.message().contains("not a public address"),
        "{}",
        error.message()
    );
}

#[tokio::test]
async fn a_key_over_its_rate_gets_429_with_retry_after() {
    let url = start("[rate_limit]\nrequests_per_minute = 60\nburst = 2\n").await;
    let get = || {
        client()
            .get(format!("{url}/services"))
            .bearer_auth(KEY)
            .send()
    };
    assert_eq!(get().await.unwrap().status(), 200);
    assert_eq!(get().await.unwrap().status(), 200);
    let limited = get().await.unwrap();
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "1");
    let (_, body) = json(limited).await;
    assert_eq!(body["error"]["code"], "RATE_LIMITED");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, services) = json(get().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(services["data"][0]["id"], "KTP_SELFIE");
}
