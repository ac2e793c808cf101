//! The operations endpoints (`/livez`, `/readyz`, `/metrics`,
//! `/openapi.json`) and the OpenAPI document checked against the real routes:
//! every route the router has is documented, every documented operation is
//! routed, and real answers match the documented status codes and schemas.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::{KEY, fixture, json, start_with};
use serde_json::{Value, json};

fn document() -> Value {
    serde_json::from_str(veriscope_server::openapi_document()).unwrap()
}

/// Resolves a local `$ref` (`#/components/schemas/X/...`).
fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(
                root,
                root.pointer(pointer)
                    .unwrap_or_else(|| panic!("{reference}")),
            )
        }
        None => schema,
    }
}

/// The subset of JSON Schema the document uses: `type` (one or a list),
/// `enum`, `const`, `required`, `properties`, `items`. Problems found, as
/// JSON pointers with what is wrong.
fn check(root: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let schema = resolve(root, schema);
    if let Some(types) = schema.get("type") {
        let allowed: Vec<&str> = match types {
            Value::String(one) => vec![one.as_str()],
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(number) if number.is_i64() || number.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let fits =
            allowed.contains(&actual) || (actual == "integer" && allowed.contains(&"number"));
        if !fits {
            problems.push(format!("{at}: {actual}, documented {allowed:?}"));
            return;
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        problems.push(format!("{at}: {value} is not among {options:?}"));
    }
    if let Some(constant) = schema.get("const")
        && constant != value
    {
        problems.push(format!("{at}: {value}, documented {constant}"));
    }
    if let Some(object) = value.as_object() {
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = name.as_str().unwrap();
            if !object.contains_key(name) {
                problems.push(format!("{at}: missing required {name}"));
            }
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                if let Some(field) = object.get(name) {
                    check(root, property, field, &format!("{at}/{name}"), problems);
                }
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
        for (index, item) in list.iter().enumerate() {
            check(root, items, item, &format!("{at}/{index}"), problems);
        }
    }
}

/// Asserts that `status` is documented for the operation and that `body`
/// matches its JSON schema there.
fn assert_documented(method: &str, path: &str, status: u16, body: &Value) {
    let root = document();
    let operation = &root["paths"][path][method];
    let response = operation["responses"]
        .get(status.to_string())
        .unwrap_or_else(|| panic!("{method} {path} answered {status}, not documented: {body}"));
    if let Some(schema) = response.pointer("/content/application~1json/schema") {
        let mut problems = Vec::new();
        check(&root, schema, body, "", &mut problems);
        assert!(
            problems.is_empty(),
            "{method} {path} {status}: {problems:?} in {body}"
        );
    }
}

/// (method, path template) of every route in the router's source.
fn routed() -> BTreeSet<(String, String)> {
    let source = include_str!("../src/lib.rs");
    let mut routes = BTreeSet::new();
    for line in source.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix(".route(\"") else {
            continue;
        };
        let (path, handler) = rest.split_once('"').unwrap();
        for method in ["get", "post", "put", "patch", "delete"] {
            if handler.contains(&format!("{method}(")) {
                routes.insert((method.to_owned(), path.to_owned()));
            }
        }
    }
    routes
}

#[test]
fn every_route_is_documented_and_every_documented_operation_is_routed() {
    let root = document();
    let mut documented = BTreeSet::new();
    for (path, item) in root["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.clone(), path.clone()));
        }
    }
    assert!(routed().len() >= 11, "{:?}", routed());
    assert_eq!(routed(), documented);
}

#[test]
fn the_documented_error_codes_and_statuses_are_the_cores() {
    let root = document();
    let codes: Vec<String> = veriscope::ErrorCode::ALL
        .iter()
        .map(|code| code.as_str().to_owned())
        .collect();
    let documented: Vec<String> = serde_json::from_value(
        root.pointer("/components/schemas/ErrorBody/properties/error/properties/code/enum")
            .unwrap()
            .clone(),
    )
    .unwrap();
    assert_eq!(documented, codes);
    let statuses: Vec<String> = veriscope::model::VerificationStatus::ALL
        .iter()
        .map(|status| status.as_str().to_owned())
        .collect();
    let documented: Vec<String> = serde_json::from_value(
        root.pointer("/components/schemas/Verification/properties/status/enum")
            .unwrap()
            .clone(),
    )
    .unwrap();
    assert_eq!(documented, statuses);
}

#[tokio::test]
async fn real_answers_match_the_document() {
    let server = start_with("", "").await;
    let client = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", server.url);
    let auth = format!("Bearer {KEY}");

    let served: Value = client
        .get(url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        served,
        document(),
        "/openapi.json serves the committed document"
    );

    let (status, body) = json(
        client
            .get(url("/services"))
            .header("authorization", &auth)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_documented("get", "/services", status, &body);
    let (status, body) = json(client.get(url("/services")).send().await.unwrap()).await;
    assert_eq!(status, 401);
    assert_documented("get", "/services", status, &body);

    let card = fixture("analyze/card.jpg");
    let form = reqwest::multipart::Form::new().part(
        "document",
        reqwest::multipart::Part::bytes(card.clone()).file_name("card.jpg"),
    );
    let response = client
        .post(url("/api/v1/verify"))
        .header("authorization", &auth)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_documented("post", "/api/v1/verify", status, &body);
    let response = client
        .post(url("/api/v1/verify"))
        .header("authorization", &auth)
        .json(&json!({ "document": "aGVsbG8=" }))
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_documented("post", "/api/v1/verify", status, &body);

    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(card).file_name("card.jpg"),
    );
    let response = client
        .post(url("/uploads"))
        .header("authorization", &auth)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, upload) = json(response).await;
    assert_documented("post", "/uploads", status, &upload);
    let path = upload["data"]["path"].as_str().unwrap();

    let body = json!({"service_id": "DOCUMENT_FORGERY", "input": {"files": {"document": [path]}}});
    let response = client
        .post(url("/verifications"))
        .header("authorization", &auth)
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, created) = json(response).await;
    assert_documented("post", "/verifications", status, &created);
    let response = client
        .post(url("/verifications"))
        .header("authorization", &auth)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_documented("post", "/verifications", status, &body);

    let id = created["data"]["id"].as_str().unwrap();
    for template in ["/verifications/{id}", "/verifications/{id}/webhooks"] {
        let path = template.replace("{id}", id);
        let (status, body) = json(
            client
                .get(url(&path))
                .header("authorization", &auth)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_documented("get", template, status, &body);
        let missing = template.replace("{id}", "no-such-verification");
        let (status, body) = json(
            client
                .get(url(&missing))
                .header("authorization", &auth)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 404);
        assert_documented("get", template, status, &body);
    }

    let (status, body) = json(client.get(url("/readyz")).send().await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    assert_documented("get", "/readyz", status, &body);
    for path in ["/livez", "/health"] {
        let response = client.get(url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), "ok");
    }
    server.stop().await;
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_report_the_queue() {
    let server = start_with("", "").await;
    let client = reqwest::Client::new();
    for id in ["a", "b"] {
        let response = client
            .get(format!("{}/verifications/{id}", server.url))
            .header("authorization", format!("Bearer {KEY}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
    }
    let response = client
        .get(format!("{}/metrics", server.url))
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text"),
    );
    let text = response.text().await.unwrap();
    assert!(
        text.contains(
            "veriscope_http_requests_total{method=\"GET\",route=\"/verifications/{id}\",status=\"404\"} 2"
        ),
        "requests are counted by route template, not raw path:\n{text}"
    );
    assert!(
        text.contains("veriscope_http_request_duration_seconds_bucket{"),
        "{text}"
    );
    assert!(
        text.contains("veriscope_queue_depth{queue=\"queued\"} 0"),
        "{text}"
    );
    assert!(
        text.contains("veriscope_queue_depth{queue=\"deliveries\"} 0"),
        "{text}"
    );
    assert!(text.trim_end().ends_with("# EOF"), "{text}");
    server.stop().await;
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let Some(database) = common::postgres_database().await else {
        return;
    };
    let top = format!("database = {database:?}");
    let server = start_with(&top, "").await;
    let client = reqwest::Client::new();
    let ready = client
        .get(format!("{}/readyz", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    // Drop the database under the running server.
    let admin = std::env::var("VERISCOPE_TEST_POSTGRES").unwrap();
    let (control, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let name = reqwest::Url::parse(&database)
        .unwrap()
        .path()
        .trim_start_matches('/')
        .to_owned();
    control
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
    let (status, body) = json(
        client
            .get(format!("{}/readyz", server.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "not ready");
    let live = client
        .get(format!("{}/livez", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        live.status(),
        200,
        "still alive: only readiness depends on the database"
    );
    server.stop().await;
}
