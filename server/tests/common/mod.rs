//! What the server's loopback tests share: a real server on port 0.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;

use serde_json::Value;
use veriscope_server::{ServerConfig, hash_api_key};

/// The API key every test server accepts (id `test`).
pub const KEY: &str = "vsk_test_0123456789";
/// A second accepted key (id `other`).
pub const OTHER_KEY: &str = "vsk_other_9876543210";

/// A file under `tests/fixtures`.
pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures")
            .join(name),
    )
    .unwrap()
}

/// A running test server.
#[derive(Debug)]
pub struct TestServer {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<veriscope::Result<()>>,
}

impl TestServer {
    /// Stops accepting requests and waits for the server to finish.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await.unwrap().unwrap();
    }
}

/// The configuration text: `top` keys (defaults: in-memory database, no face
/// models), both keys, then `tables`.
pub fn config(top: &str, tables: &str) -> ServerConfig {
    config_on(":memory:", top, tables)
}

/// [`config`] with `database` as the default database.
pub fn config_on(database: &str, top: &str, tables: &str) -> ServerConfig {
    let mut head = String::from("listen = \"127.0.0.1:0\"\n");
    if !top.contains("database") {
        head.push_str(&format!("database = {database:?}\n"));
    }
    if !top.contains("face_match") && !top.contains("models") {
        head.push_str("face_match = false\n");
    }
    ServerConfig::from_toml(&format!(
        "{head}{top}\n[[api_keys]]\nid = \"test\"\nsha256 = \"{}\"\n\
         [[api_keys]]\nid = \"other\"\nsha256 = \"{}\"\n{tables}",
        hash_api_key(KEY),
        hash_api_key(OTHER_KEY)
    ))
    .unwrap()
}

/// Starts a server with `top` keys and `tables` (see [`config`]).
pub async fn start_with(top: &str, tables: &str) -> TestServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // `VERISCOPE_TEST_STORE=postgres` runs every server test on a fresh
    // PostgreSQL database instead of SQLite in memory.
    let database = match std::env::var("VERISCOPE_TEST_STORE").as_deref() {
        Ok("postgres") => postgres_database()
            .await
            .expect("VERISCOPE_TEST_STORE=postgres needs VERISCOPE_TEST_POSTGRES"),
        _ => ":memory:".to_owned(),
    };
    let task = tokio::spawn(veriscope_server::serve_until(
        listener,
        config_on(&database, top, tables),
        async move {
            let _ = stopped.await;
        },
    ));
    TestServer {
        url,
        stop: Some(stop),
        task,
    }
}

/// Starts a server with `tables` appended; its base URL. It runs until the
/// test ends.
pub async fn start(tables: &str) -> String {
    let server = start_with("", tables).await;
    let url = server.url.clone();
    std::mem::forget(server.stop);
    url
}

/// Status and JSON body of a response.
pub async fn json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// A new, empty PostgreSQL database on the server named by
/// `VERISCOPE_TEST_POSTGRES` (a URL to a database the user may create
/// databases from), as a URL; `None` when the variable is unset, unless
/// `VERISCOPE_REQUIRE_POSTGRES=1` (`./scripts/test` sets both), which makes
/// a missing server a failure rather than a skip.
pub async fn postgres_database() -> Option<String> {
    let Ok(admin) = std::env::var("VERISCOPE_TEST_POSTGRES") else {
        assert!(
            std::env::var("VERISCOPE_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "VERISCOPE_REQUIRE_POSTGRES=1 but VERISCOPE_TEST_POSTGRES is unset"
        );
        eprintln!("skipped: no VERISCOPE_TEST_POSTGRES");
        return None;
    };
    let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let name = format!("vs_test_{}", uuid::Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let mut url = reqwest::Url::parse(&admin).unwrap();
    url.set_path(&format!("/{name}"));
    Some(url.to_string())
}
