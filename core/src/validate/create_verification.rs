//! The verification API's create-verification body, checked against the
//! service catalogue.

use serde_json::{Map, Value};

use super::limits::Limits;
use super::problems::{Problems, join, parse_body};
use super::url::check_https_url;
use super::verify_request::json_type;
use crate::error::{Error, Problem, Result};
use crate::model::{CreateVerificationRequest, OptionKind, Service, ServiceId};

const TOP_LEVEL_FIELDS: [&str; 6] = [
    "service_id",
    "folder_id",
    "input",
    "result_id",
    "webhook_url",
    "webhook_metadata",
];

/// Parses and checks a create-verification body given as JSON text.
pub fn check_create_verification(body: &str, limits: &Limits) -> Result<CreateVerificationRequest> {
    let value = parse_body(body)?;
    check_create_verification_value(&value, limits)
}

/// Checks a create-verification body: `service_id` known, `input` as the
/// service requires (file inputs as lists of upload paths, options of the
/// right type), `webhook_url` HTTPS and public, `webhook_secret` of sane
/// length. Every problem is reported, each at its field path.
pub fn check_create_verification_value(
    value: &Value,
    limits: &Limits,
) -> Result<CreateVerificationRequest> {
    let Value::Object(body) = value else {
        return Err(Error::validation(vec![Problem::new(
            "",
            "body must be a JSON object",
        )]));
    };
    let mut problems = Problems::default();
    for key in body
        .keys()
        .filter(|key| !TOP_LEVEL_FIELDS.contains(&key.as_str()))
    {
        problems.push(
            key.as_str(),
            "is not a field of a create-verification request",
        );
    }

    let service = match body.get("service_id") {
        None | Some(Value::Null) => {
            problems.push("service_id", "is required");
            None
        }
        Some(Value::String(id)) => match id.parse::<ServiceId>() {
            Ok(id) => Some(id.service()),
            Err(_) => {
                let known: Vec<_> = ServiceId::ALL.iter().map(|id| id.as_str()).collect();
                problems.push(
                    "service_id",
                    format!("unknown service {id:?} (known: {})", known.join(", ")),
                );
                None
            }
        },
        Some(other) => {
            problems.push(
                "service_id",
                format!("must be a string, not {}", json_type(other)),
            );
            None
        }
    };

    for field in ["folder_id", "result_id"] {
        if let Some(value) = present(body, field) {
            check_identifier(value, field, limits, &mut problems);
        }
    }

    match present(body, "input") {
        None => problems.push("input", "is required"),
        Some(Value::Object(input)) => {
            if let Some(service) = service {
                check_input(service, input, limits, &mut problems);
            }
        }
        Some(other) => problems.push(
            "input",
            format!("must be an object, not {}", json_type(other)),
        ),
    }

    match present(body, "webhook_url") {
        None => {}
        Some(Value::String(url)) => {
            let loopback_allowed = limits.allow_loopback_webhooks && is_loopback_url(url);
            if let Err(problem) = check_https_url(url, "webhook_url", limits)
                && !loopback_allowed
            {
                problems.push(problem.field, problem.reason);
            }
        }
        Some(other) => problems.push(
            "webhook_url",
            format!("must be a string, not {}", json_type(other)),
        ),
    }

    match present(body, "webhook_metadata") {
        None => {}
        Some(Value::Object(metadata)) => check_webhook_secret(metadata, limits, &mut problems),
        Some(other) => problems.push(
            "webhook_metadata",
            format!("must be an object, not {}", json_type(other)),
        ),
    }

    problems.finish(|| ())?;
    serde_json::from_value(value.clone()).map_err(|err| {
        Error::validation(vec![Problem::new(
            "",
            format!("body does not fit the request model: {err}"),
        )])
    })
}

/// Whether `text` is an `http` or `https` URL on a loopback host, without
/// credentials (accepted as `webhook_url` only with
/// [`Limits::allow_loopback_webhooks`]).
pub fn is_loopback_url(text: &str) -> bool {
    let Ok(url) = url::Url::parse(text.trim()) else {
        return false;
    };
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    loopback
        && matches!(url.scheme(), "http" | "https")
        && url.username().is_empty()
        && url.password().is_none()
}

/// The field's value, treating `null` as absent.
fn present<'a>(object: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    object.get(field).filter(|value| !value.is_null())
}

fn check_text(text: &str, field: &str, max: usize, problems: &mut Problems) -> bool {
    if text.trim().is_empty() {
        problems.push(field, "must not be empty");
    } else if text.len() > max {
        problems.push(
            field,
            format!("is {} bytes long; the limit is {max}", text.len()),
        );
    } else if text.chars().any(char::is_control) {
        problems.push(field, "must not contain control characters");
    } else {
        return true;
    }
    false
}

fn check_identifier(value: &Value, field: &str, limits: &Limits, problems: &mut Problems) {
    match value {
        Value::String(text) => {
            check_text(text, field, limits.max_identifier_length, problems);
        }
        other => problems.push(field, format!("must be a string, not {}", json_type(other))),
    }
}

fn names(list: impl Iterator<Item = &'static str>) -> String {
    list.collect::<Vec<_>>().join(", ")
}

fn check_input(
    service: &Service,
    input: &Map<String, Value>,
    limits: &Limits,
    problems: &mut Problems,
) {
    let id = service.id.as_str();
    for (key, value) in input {
        let field = join("input", key);
        if key == "files" {
            continue;
        }
        let Some(option) = service.option_input(key) else {
            let expected =
                names(std::iter::once("files").chain(service.options.iter().map(|o| o.name)));
            problems.push(
                field,
                format!("is not an input of {id} (expected {expected})"),
            );
            continue;
        };
        if value.is_null() {
            continue;
        }
        match (option.kind, value) {
            (OptionKind::Boolean, Value::Bool(_)) => {}
            (OptionKind::String, Value::String(text)) => {
                if key == "verification_type" && text != id {
                    problems.push(field, format!("is {text:?} but service_id is {id}"));
                }
            }
            (kind, other) => {
                let expected = match kind {
                    OptionKind::Boolean => "a boolean",
                    OptionKind::String => "a string",
                };
                problems.push(
                    field,
                    format!("must be {expected}, not {}", json_type(other)),
                );
            }
        }
    }
    for option in service.options.iter().filter(|o| o.required) {
        if present(input, option.name).is_none() {
            problems.push(join("input", option.name), "is required");
        }
    }
    check_files(service, present(input, "files"), limits, problems);
}

fn check_files(service: &Service, files: Option<&Value>, limits: &Limits, problems: &mut Problems) {
    let id = service.id.as_str();
    let empty = Map::new();
    let files = match files {
        None => &empty,
        Some(Value::Object(files)) => files,
        Some(other) => {
            problems.push(
                "input.files",
                format!("must be an object, not {}", json_type(other)),
            );
            return;
        }
    };
    for (key, value) in files {
        let field = format!("input.files.{key}");
        let Some(input) = service.file_input(key) else {
            let expected = names(service.files.iter().map(|f| f.name));
            problems.push(
                field,
                format!("is not a file input of {id} (expected {expected})"),
            );
            continue;
        };
        let Value::Array(paths) = value else {
            problems.push(
                field,
                format!("must be a list of upload paths, not {}", json_type(value)),
            );
            continue;
        };
        if paths.is_empty() {
            problems.push(field.as_str(), "must list at least one upload path");
        } else if paths.len() > input.max_files {
            problems.push(
                field.as_str(),
                format!(
                    "lists {} files; {} takes at most {}",
                    paths.len(),
                    input.name,
                    input.max_files
                ),
            );
        }
        for (index, path) in paths.iter().enumerate() {
            check_upload_path(path, &format!("{field}[{index}]"), limits, problems);
        }
    }
    for input in service.files.iter().filter(|f| f.required) {
        if present(files, input.name).is_none() {
            problems.push(
                format!("input.files.{}", input.name),
                format!("is required by {id} ({})", input.description),
            );
        }
    }
}

/// An upload path as `POST /uploads` returns it: a plain path, not a URL,
/// never escaping its directory.
fn check_upload_path(path: &Value, field: &str, limits: &Limits, problems: &mut Problems) {
    let Value::String(path) = path else {
        problems.push(
            field,
            format!("must be an upload path string, not {}", json_type(path)),
        );
        return;
    };
    if !check_text(path, field, limits.max_identifier_length, problems) {
        return;
    }
    if path.contains("://") || path.starts_with("data:") {
        problems.push(field, "must be a path returned by POST /uploads, not a URL");
    } else if path.split(['/', '\\']).any(|segment| segment == "..") {
        problems.push(field, "must not contain '..' segments");
    }
}

fn check_webhook_secret(metadata: &Map<String, Value>, limits: &Limits, problems: &mut Problems) {
    let field = "webhook_metadata.webhook_secret";
    match present(metadata, "webhook_secret") {
        None => {}
        Some(Value::String(secret)) => {
            let length = secret.chars().count();
            let (min, max) = (
                limits.min_webhook_secret_length,
                limits.max_webhook_secret_length,
            );
            if length < min || length > max {
                problems.push(
                    field,
                    format!("must be {min} to {max} characters long, not {length}"),
                );
            } else if secret.chars().any(char::is_control) {
                problems.push(field, "must not contain control characters");
            }
        }
        Some(other) => problems.push(field, format!("must be a string, not {}", json_type(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use serde_json::json;

    fn check(value: Value) -> Result<CreateVerificationRequest> {
        check_create_verification_value(&value, &Limits::default())
    }

    fn fields_and_reasons(value: Value) -> Vec<(String, String)> {
        let err = check(value).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ValidationError);
        err.details()
            .iter()
            .map(|p| (p.field.clone(), p.reason.clone()))
            .collect()
    }

    fn ktp_selfie() -> Value {
        json!({
            "service_id": "KTP_SELFIE",
            "input": {
                "verification_type": "KTP_SELFIE",
                "files": {"ktp_file": ["/uploads/ktp.jpg"], "selfie_file": ["/uploads/selfie.jpg"]},
                "fraud_detection": false
            },
            "webhook_url": "https://your-app.com/webhooks/anycheck",
            "webhook_metadata": {"webhook_secret": "your-signing-secret"}
        })
    }

    #[test]
    fn the_reference_example_body_is_valid() {
        let request = check(ktp_selfie()).unwrap();
        assert_eq!(request.service_id, "KTP_SELFIE");
        assert_eq!(request.input.fraud_detection, Some(false));
        assert_eq!(serde_json::to_value(&request).unwrap(), ktp_selfie());
    }

    #[test]
    fn a_document_forgery_body_needs_a_document() {
        assert!(check(json!({"service_id": "DOCUMENT_FORGERY", "input": {"files": {"document": ["/uploads/a.pdf"]}}})).is_ok());
        let problems = fields_and_reasons(json!({"service_id": "DOCUMENT_FORGERY", "input": {}}));
        assert_eq!(problems[0].0, "input.files.document");
        assert!(problems[0].1.starts_with("is required by DOCUMENT_FORGERY"));
    }

    #[test]
    fn missing_service_and_input_are_both_reported() {
        let problems = fields_and_reasons(json!({}));
        assert_eq!(
            problems,
            [
                ("service_id".to_owned(), "is required".to_owned()),
                ("input".to_owned(), "is required".to_owned()),
            ]
        );
    }

    #[test]
    fn every_problem_of_a_bad_ktp_selfie_body_is_listed_with_its_path() {
        let problems = fields_and_reasons(json!({
            "service_id": "KTP_SELFIE",
            "folder_id": 7,
            "input": {
                "verification_type": "DOCUMENT_FORGERY",
                "files": {"ktp_file": ["https://evil.example/ktp.jpg", "../../etc/passwd"], "passport": ["/uploads/p.jpg"]},
                "fraud_detection": "yes",
                "colour": "blue"
            },
            "webhook_url": "http://your-app.com/hook",
            "webhook_metadata": {"webhook_secret": "short"},
            "priority": "high"
        }));
        let fields: Vec<&str> = problems.iter().map(|(field, _)| field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "priority",
                "folder_id",
                "input.verification_type",
                "input.fraud_detection",
                "input.colour",
                "input.files.ktp_file",
                "input.files.ktp_file[0]",
                "input.files.ktp_file[1]",
                "input.files.passport",
                "input.files.selfie_file",
                "webhook_url",
                "webhook_metadata.webhook_secret",
            ]
        );
        let reason = |field: &str| &problems.iter().find(|(f, _)| f == field).unwrap().1;
        assert_eq!(
            reason("input.files.ktp_file"),
            "lists 2 files; ktp_file takes at most 1"
        );
        assert_eq!(
            reason("webhook_metadata.webhook_secret"),
            "must be 16 to 256 characters long, not 5"
        );
        assert_eq!(reason("webhook_url"), "must use https, not http");
    }

    #[test]
    fn an_unknown_service_names_the_known_ones() {
        let problems = fields_and_reasons(json!({"service_id": "FACE_ONLY", "input": {}}));
        assert_eq!(
            problems[0].1,
            r#"unknown service "FACE_ONLY" (known: KTP_SELFIE, DOCUMENT_FORGERY)"#
        );
    }

    #[test]
    fn a_webhook_url_into_the_private_network_is_refused() {
        let mut body = ktp_selfie();
        body["webhook_url"] = json!("https://169.254.169.254/hook");
        let problems = fields_and_reasons(body);
        assert_eq!(problems[0].0, "webhook_url");
        assert!(problems[0].1.contains("metadata"));
    }

    #[test]
    fn a_loopback_webhook_url_is_accepted_only_when_the_limits_allow_it() {
        let mut body = ktp_selfie();
        body["webhook_url"] = json!("http://127.0.0.1:9000/hook");
        let text = body.to_string();
        let refused = check_create_verification(&text, &Limits::default()).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::ValidationError);
        let development = Limits {
            allow_loopback_webhooks: true,
            ..Limits::default()
        };
        assert!(check_create_verification(&text, &development).is_ok());
        body["webhook_url"] = json!("http://10.0.0.7/hook");
        let private = check_create_verification(&body.to_string(), &development);
        assert!(
            private.is_err(),
            "only loopback is opened, not the private network"
        );
        assert!(is_loopback_url("https://localhost:8443/x"));
        assert!(is_loopback_url("http://[::1]/x"));
        assert!(!is_loopback_url("http://user:pw@127.0.0.1/x"));
        assert!(!is_loopback_url("ftp://127.0.0.1/x"));
    }

    #[test]
    fn nulls_count_as_absent_for_optional_fields() {
        let mut body = ktp_selfie();
        body["folder_id"] = Value::Null;
        body["webhook_url"] = Value::Null;
        assert!(check(body).is_ok());
    }

    #[test]
    fn invalid_json_text_is_a_validation_error() {
        let err = check_create_verification("{\"service_id\":", &Limits::default()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ValidationError);
        assert!(err.message().starts_with("body is not valid JSON"));
    }
}
