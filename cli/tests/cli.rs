//! The CLI door: the shared fixtures give the same JSON lines, and exit codes
//! follow the error classes.

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn veriscope(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_veriscope"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// The CLI's flags for a fixture's options file (limits, or NIK claims).
fn option_flags(operation: &str, options: &str) -> Vec<String> {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join(options)).unwrap()).unwrap();
    if operation == "nik" {
        let mut flags = Vec::new();
        for (key, flag) in [
            ("birthDate", "--birth-date"),
            ("birth_date", "--birth-date"),
            ("sex", "--sex"),
            ("province", "--province"),
        ] {
            if let Some(value) = json.get(key) {
                flags.extend([flag.to_owned(), value.as_str().unwrap().to_owned()]);
            }
        }
        return flags;
    }
    let inline = json
        .get("max_inline_bytes")
        .or_else(|| json.get("maxInlineBytes"))
        .unwrap();
    vec!["--max-inline-bytes".into(), inline.to_string()]
}

#[test]
fn shared_fixtures_print_the_same_json_as_every_door() {
    let index = std::fs::read_to_string(fixtures().join("index.tsv")).unwrap();
    let mut ran = 0;
    for line in index
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let fields: Vec<&str> = line.split('\t').collect();
        let [operation, input, options, expected] = fields[..] else {
            panic!("bad index line {line}")
        };
        let path = fixtures().join(input);
        let path = path.to_str().unwrap();
        let mut args: Vec<String> = match operation {
            "document-bytes" => vec!["validate".into(), path.into()],
            "document-base64" => vec!["validate".into(), "--base64".into(), path.into()],
            "document-url" => {
                vec![
                    "validate".into(),
                    "--url".into(),
                    std::fs::read_to_string(fixtures().join(input)).unwrap(),
                ]
            }
            "verify-request" => vec!["request".into(), "verify".into(), path.into()],
            "create-verification" => {
                vec!["request".into(), "create-verification".into(), path.into()]
            }
            "mrz" => vec![
                "mrz".into(),
                "--text".into(),
                path.into(),
                "--today".into(),
                "2026-11-22".into(),
            ],
            "nik" => vec![
                "nik".into(),
                std::fs::read_to_string(fixtures().join(input)).unwrap(),
                "--today".into(),
                "2026-11-22".into(),
            ],
            _ => continue,
        };
        if options != "-" {
            args.extend(option_flags(operation, options));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = veriscope(&args, None);
        let want = std::fs::read_to_string(fixtures().join(expected)).unwrap();
        assert_eq!(stdout(&output), want, "{input}");
        let rejected = want.starts_with("{\"error\"") || want.contains("\"valid\":false");
        assert_eq!(
            output.status.code(),
            Some(u8::from(rejected).into()),
            "{input}"
        );
        ran += 1;
    }
    assert!(ran >= 55, "only {ran} fixtures ran");
}

#[test]
fn a_batch_prints_one_line_per_input_and_exits_with_the_worst_class() {
    let dir = fixtures().join("document-bytes");
    let output = veriscope(
        &[
            "validate",
            dir.join("small-card-jpeg.jpg").to_str().unwrap(),
            dir.join("renamed-gif.jpg").to_str().unwrap(),
        ],
        None,
    );
    let lines: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].contains("\"format\":\"jpeg\""));
    assert!(lines[1].contains("UNSUPPORTED_FORMAT"));
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn base64_is_read_from_stdin() {
    let output = veriscope(
        &["validate", "--base64", "-"],
        Some(b"data:image/png;base64,iVBORw0KGgo="),
    );
    assert_eq!(
        stdout(&output),
        "{\"source\":\"base64\",\"format\":\"png\",\"mediaType\":\"image/png\",\"sizeBytes\":8}\n"
    );
    assert!(output.status.success());
}

#[test]
fn unreadable_files_and_missing_inputs_exit_2() {
    let output = veriscope(&["validate", "/nonexistent/scan.jpg"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).contains("\"code\":\"INVALID_ARGUMENT\""));
    assert_eq!(veriscope(&["validate"], None).status.code(), Some(2));
    assert_eq!(veriscope(&["no-such-command"], None).status.code(), Some(2));
}

#[test]
fn status_check_follows_the_transition_table() {
    let ok = veriscope(&["status", "check", "IN_QUEUE", "IN_PROGRESS"], None);
    assert!(ok.status.success());
    assert_eq!(stdout(&ok), "\"IN_PROGRESS\"\n");
    let illegal = veriscope(&["status", "check", "COMPLETED", "IN_QUEUE"], None);
    assert_eq!(illegal.status.code(), Some(1));
    assert!(stdout(&illegal).contains("INVALID_TRANSITION"));
    let unknown = veriscope(&["status", "check", "DONE", "IN_QUEUE"], None);
    assert_eq!(unknown.status.code(), Some(2));
    let table: serde_json::Value =
        serde_json::from_str(&stdout(&veriscope(&["status", "table"], None))).unwrap();
    assert_eq!(table.as_array().unwrap().len(), 10);
    assert_eq!(
        table[0]["allowed"],
        serde_json::json!(["IN_QUEUE", "CANCELLED"])
    );
}

#[test]
fn services_and_errors_print_their_tables() {
    let services: serde_json::Value =
        serde_json::from_str(&stdout(&veriscope(&["services"], None))).unwrap();
    assert_eq!(services[0]["id"], "KTP_SELFIE");
    let errors: serde_json::Value =
        serde_json::from_str(&stdout(&veriscope(&["errors"], None))).unwrap();
    assert_eq!(errors.as_array().unwrap().len(), 24);
    assert_eq!(
        errors[4],
        serde_json::json!({"code": "FILE_TOO_LARGE", "number": 5, "httpStatus": 422, "retryable": false})
    );
}

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn body_file(name: &str, body: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("veriscope-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, body).unwrap();
    path
}

fn signed_headers(body: &Path, scheme: &str) -> Vec<String> {
    let output = veriscope(
        &[
            "webhook",
            "sign",
            "--secret",
            SECRET,
            "--id",
            "msg_1",
            "--timestamp",
            "1700000000",
            "--scheme",
            scheme,
            body.to_str().unwrap(),
        ],
        None,
    );
    assert!(output.status.success(), "{}", stdout(&output));
    stdout(&output).lines().map(str::to_owned).collect()
}

fn verify_args<'a>(headers: &'a [String], body: &'a Path, now: &'a str) -> Vec<&'a str> {
    let mut args = vec!["webhook", "verify", "--secret", SECRET, "--now", now];
    for header in headers {
        args.extend(["--header", header.as_str()]);
    }
    args.push(body.to_str().unwrap());
    args
}

#[test]
fn webhook_sign_prints_headers_that_verify_exits_0_on() {
    let body = body_file("ok", br#"{"id":"ver_1","status":"COMPLETED"}"#);
    for scheme in ["standard", "timestamped", "sha256"] {
        let headers = signed_headers(&body, scheme);
        if scheme == "standard" {
            assert_eq!(headers[0], "webhook-id: msg_1");
            assert_eq!(headers[1], "webhook-timestamp: 1700000000");
            assert!(headers[2].starts_with("webhook-signature: v1,"));
        }
        let output = veriscope(&verify_args(&headers, &body, "1700000060"), None);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{scheme}: {}",
            stdout(&output)
        );
        assert!(stdout(&output).contains("\"status\":\"verified\""));
    }
}

#[test]
fn webhook_verify_exits_1_on_a_tampered_body_or_stale_timestamp() {
    let body = body_file("tamper", br#"{"id":"ver_1","status":"COMPLETED"}"#);
    let headers = signed_headers(&body, "standard");
    let tampered = body_file("tampered", br#"{"id":"ver_1","status":"COMPLETED"} "#);
    let output = veriscope(&verify_args(&headers, &tampered, "1700000000"), None);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("WEBHOOK_SIGNATURE_MISMATCH"));
    let output = veriscope(&verify_args(&headers, &body, "1700000301"), None);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("WEBHOOK_TIMESTAMP_TOO_OLD"));
    let output = veriscope(&verify_args(&[], &body, "1700000000"), None);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("WEBHOOK_UNSIGNED"));
}

#[test]
fn webhook_verify_event_prints_the_verification() {
    let body = body_file("event", br#"{"id":"ver_9","status":"NEED_REVIEW"}"#);
    let headers = signed_headers(&body, "standard");
    let mut args = verify_args(&headers, &body, "1700000000");
    args.insert(2, "--event");
    let output = veriscope(&args, None);
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["verification"]["status"], "NEED_REVIEW");
    assert_eq!(json["outcome"]["status"], "verified");
}

#[test]
fn webhook_arguments_are_checked() {
    let body = body_file("args", b"{}");
    let output = veriscope(
        &[
            "webhook",
            "verify",
            "--secret",
            SECRET,
            "--header",
            "no colon",
            body.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    let output = veriscope(
        &[
            "webhook",
            "sign",
            "--secret",
            "whsec_%%",
            "--id",
            "m",
            body.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("WEBHOOK_INVALID_SECRET"));
    let output = veriscope(
        &[
            "webhook",
            "sign",
            "--secret",
            SECRET,
            "--scheme",
            "md5",
            body.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn mrz_reads_images_and_reports_an_image_without_a_zone() {
    let card = fixtures().join("document-bytes/small-card-png.png");
    let output = veriscope(&["mrz", card.to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(stdout(&output).contains("NOT_FOUND"));
    if let Some(sample) = std::env::var_os("VERISCOPE_MRZ_SAMPLE") {
        let output = veriscope(
            &["mrz", sample.to_str().unwrap(), "--today", "2026-11-22"],
            None,
        );
        let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        assert!(json["mrz"]["lines"].is_array(), "{json}");
    }
    assert_eq!(veriscope(&["mrz"], None).status.code(), Some(2));
}

#[test]
fn analyze_prints_the_forgery_api_response_per_file_and_errors_in_place() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/samples");
    let pdf = samples.join("bank-statement.pdf");
    let gif = samples.join("id-card.gif");
    let output = veriscope(
        &[
            "analyze",
            "--today",
            "2026-11-22",
            pdf.to_str().unwrap(),
            gif.to_str().unwrap(),
        ],
        None,
    );
    let text = stdout(&output);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let data = lines[0]["data"].as_object().unwrap();
    let keys: Vec<&str> = data.keys().map(String::as_str).collect();
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
    assert_eq!(data["documentType"], "financial");
    assert_eq!(lines[1]["error"]["code"], "UNSUPPORTED_FORMAT");
    assert_eq!(output.status.code(), Some(1));
    // --details adds the signals and the model's inputs.
    let output = veriscope(
        &[
            "analyze",
            "--details",
            "--today",
            "2026-11-22",
            pdf.to_str().unwrap(),
        ],
        None,
    );
    let details: serde_json::Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(details["signals"][0]["name"], "pdf");
    assert!(
        details["model"]
            .as_str()
            .unwrap()
            .starts_with("forgery-corpus-")
    );
}

#[test]
fn face_match_without_models_is_model_missing_with_exit_class_3() {
    let card = fixtures().join("analyze/card.jpg");
    let card = card.to_str().unwrap();
    let output = veriscope(
        &["face-match", card, card, "--models", "/nonexistent-models"],
        None,
    );
    assert_eq!(output.status.code(), Some(3));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["error"]["code"], "MODEL_MISSING");
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("fetch-models")
    );
}

/// Runs with the face test set (`scripts/test` runs this optimised with
/// `VERISCOPE_FACE_DATA` and `VERISCOPE_MODELS` set).
#[test]
fn face_match_prints_the_result_and_exits_by_verdict() {
    let Some(data) = std::env::var_os("VERISCOPE_FACE_DATA").map(PathBuf::from) else {
        return;
    };
    let path = |name: &str| data.join(name).to_str().unwrap().to_owned();
    let card = path("ktp-obama.jpg");
    let same = veriscope(&["face-match", &card, &path("obama2.png")], None);
    assert_eq!(same.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_str(&stdout(&same)).unwrap();
    assert_eq!(json["is_match_face"], true);
    assert_eq!(json["face_match_confidence_level"], "HIGH");
    let other = veriscope(
        &["face-match", &card, &path("biden.png"), "--details"],
        None,
    );
    assert_eq!(other.status.code(), Some(5));
    let json: serde_json::Value = serde_json::from_str(&stdout(&other)).unwrap();
    assert_eq!(json["is_match_face"], false);
    assert_eq!(
        json["selfie_face"]["landmarks"].as_array().unwrap().len(),
        5
    );
    let none = veriscope(&["face-match", &card, &path("coffee.png")], None);
    assert_eq!(none.status.code(), Some(1));
    assert!(stdout(&none).contains("FACE_NOT_FOUND"));
    let bad = veriscope(
        &[
            "face-match",
            &card,
            &path("obama2.png"),
            "--high-threshold",
            "0.9",
        ],
        None,
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(stdout(&bad).contains("VALIDATION_ERROR"));
}

#[test]
fn hash_key_prints_the_sha256_that_serve_configurations_store() {
    let output = veriscope(&["hash-key"], Some(b"vsk_demo\n"));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout(&output).trim(),
        "82bd63ca53f7e279dd9fe64e454881721bdf078eb6736e65b564fc500c37be31"
    );
    assert_eq!(veriscope(&["hash-key"], Some(b"")).status.code(), Some(2));
}

#[test]
fn serve_refuses_a_configuration_with_a_plain_key() {
    let dir = std::env::temp_dir().join(format!("veriscope-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("serve.toml");
    std::fs::write(
        &config,
        "[[api_keys]]\nid = \"a\"\nsha256 = \"vsk_live_plain\"\n",
    )
    .unwrap();
    let output = veriscope(&["serve", "--config", config.to_str().unwrap()], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("VALIDATION_ERROR"));
    std::fs::remove_dir_all(dir).unwrap();
}

/// A `veriscope serve` child process on a free loopback port, killed on drop.
struct ServeProcess {
    child: std::process::Child,
    url: String,
    dir: PathBuf,
}

impl ServeProcess {
    fn start(key: &str) -> ServeProcess {
        let dir = std::env::temp_dir().join(format!("veriscope-remote-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let hash = stdout(&veriscope(&["hash-key"], Some(key.as_bytes())));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.join("serve.toml");
        std::fs::write(
            &config,
            format!(
                "listen = \"127.0.0.1:{port}\"\ndatabase = \":memory:\"\nface_match = false\n\
                 [[api_keys]]\nid = \"cli\"\nsha256 = \"{}\"\n",
                hash.trim()
            ),
        )
        .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_veriscope"))
            .args(["serve", "--config", config.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        ServeProcess {
            child,
            url: format!("http://127.0.0.1:{port}"),
            dir,
        }
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn remote(url: &str, key: &str, documents: &[&str]) -> Output {
    let mut args = vec!["remote", "verify", "--base-url", url, "--retries", "0"];
    args.extend_from_slice(documents);
    let output = Command::new(env!("CARGO_BIN_EXE_veriscope"))
        .args(&args)
        .env("VERISCOPE_API_KEY", key)
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains(key),
        "the key never shows"
    );
    output
}

#[test]
fn remote_verify_prints_the_apis_answer_per_document_and_exits_by_class() {
    let key = "vsk_cli_remote_test";
    let server = ServeProcess::start(key);
    let card = fixtures().join("analyze/card.jpg");
    let gif = fixtures().join("analyze/card-as-gif.gif");
    let output = remote(
        &server.url,
        key,
        &[card.to_str().unwrap(), gif.to_str().unwrap()],
    );
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["data"]["documentType"], "id");
    assert!(lines[0]["data"]["forgeryScore"].is_number());
    assert_eq!(lines[1]["error"]["code"], "UNSUPPORTED_FORMAT");
    assert_eq!(
        output.status.code(),
        Some(1),
        "the GIF is refused before sending"
    );

    let denied = remote(&server.url, "vsk_wrong", &[card.to_str().unwrap()]);
    assert!(stdout(&denied).contains("UNAUTHORIZED"));
    assert_eq!(denied.status.code(), Some(3));
}

#[test]
fn serve_reads_the_environment_logs_json_and_stops_on_sigterm() {
    // No --config: the defaults and VERISCOPE_SERVE_* are the configuration.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_veriscope"))
        .arg("serve")
        .env("VERISCOPE_SERVE_LISTEN", format!("127.0.0.1:{port}"))
        .env("VERISCOPE_SERVE_DATABASE", ":memory:")
        .env("VERISCOPE_SERVE_FACE_MATCH", "false")
        .env("VERISCOPE_SERVE_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut answer = String::new();
    for _ in 0..200 {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            stream
                .write_all(b"GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            stream.read_to_string(&mut answer).unwrap();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let terminated = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "a SIGTERM is a clean stop: {status}");
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    let events: Vec<serde_json::Value> = logs
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let request = events
        .iter()
        .find(|event| event["message"] == "request")
        .unwrap_or_else(|| panic!("{logs}"));
    assert_eq!(request["route"], "/livez");
    assert_eq!(request["status"], 200);
    assert!(
        events.iter().any(|event| event["message"] == "stopped"),
        "{logs}"
    );
}
