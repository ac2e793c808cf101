//! The two stores keep the same promises: every test runs on SQLite and, when
//! `VERISCOPE_TEST_POSTGRES` names a server, on a fresh PostgreSQL database.

#![allow(clippy::unwrap_used)]

mod common;

use veriscope::model::{DocumentFormat, Verification, VerificationStatus};
use veriscope_server::store::{DeliveryAttempt, DeliveryNext, NewDelivery, Store, Upload};

/// An in-memory SQLite store and, when configured, a PostgreSQL one.
async fn stores() -> Vec<Store> {
    let mut stores = vec![Store::connect(":memory:").await.unwrap()];
    if let Some(url) = common::postgres_database().await {
        stores.push(Store::connect(&url).await.unwrap());
    }
    stores
}

fn upload(path: &str) -> Upload {
    Upload {
        path: path.into(),
        file_name: Some("card.png".into()),
        format: DocumentFormat::Png,
        size: 3,
        created_at: "2026-11-22T00:00:00.000Z".into(),
    }
}

fn hook() -> Option<NewDelivery> {
    Some(NewDelivery {
        url: "https://hooks.example.com/x".into(),
        payload: "{}".into(),
        secret: None,
    })
}

fn attempt(number: u32, status: u16) -> DeliveryAttempt {
    DeliveryAttempt {
        attempt: number,
        at: "2026-11-22T00:00:00.000Z".into(),
        http_status: Some(status),
        error: (status >= 300).then(|| format!("HTTP {status}")),
        duration_ms: 3,
    }
}

#[tokio::test]
async fn uploads_are_visible_only_to_their_key() {
    for store in stores().await {
        store
            .insert_upload("a", &upload("/uploads/1.png"), b"png".to_vec())
            .await
            .unwrap();
        assert_eq!(
            store.upload_format("a", "/uploads/1.png").await.unwrap(),
            Some(DocumentFormat::Png),
            "{}",
            store.kind()
        );
        assert_eq!(
            store.upload_format("b", "/uploads/1.png").await.unwrap(),
            None
        );
        assert_eq!(
            store
                .upload_bytes("a", "/uploads/1.png")
                .await
                .unwrap()
                .unwrap(),
            b"png"
        );
        store.ping().await.unwrap();
    }
}

#[tokio::test]
async fn a_job_is_claimed_by_one_owner_until_its_lease_expires() {
    for store in stores().await {
        let kind = store.kind();
        store
            .insert_verification(
                "a",
                &Verification::new("v1", VerificationStatus::InQueue),
                None,
            )
            .await
            .unwrap();
        let claimed = store
            .claim_verification("one", 1_000, 31_000)
            .await
            .unwrap();
        assert_eq!(claimed.unwrap().verification.id, "v1", "{kind}");
        assert!(
            store
                .claim_verification("two", 2_000, 32_000)
                .await
                .unwrap()
                .is_none(),
            "{kind}: a held lease is not claimed again"
        );
        assert!(store.renew_lease("v1", "one", 40_000).await.unwrap());
        assert!(!store.renew_lease("v1", "two", 40_000).await.unwrap());
        // The owner dies: after its lease, another instance takes the job,
        // and the dead owner's late save is refused.
        let taken = store
            .claim_verification("two", 40_001, 70_000)
            .await
            .unwrap();
        assert_eq!(taken.unwrap().api_key_id, "a", "{kind}");
        let mut settled = Verification::new("v1", VerificationStatus::InProgress);
        settled
            .transition_to(VerificationStatus::Completed)
            .unwrap();
        assert!(
            !store.save_claimed("one", &settled, hook()).await.unwrap(),
            "{kind}"
        );
        assert!(
            store.save_claimed("two", &settled, hook()).await.unwrap(),
            "{kind}"
        );
        assert!(
            !store.save_claimed("two", &settled, hook()).await.unwrap(),
            "{kind}: a settled verification holds no lease, so it settles once"
        );
        assert_eq!(store.deliveries("v1").await.unwrap().len(), 1, "{kind}");
        assert!(
            store
                .claim_verification("three", i64::MAX, i64::MAX)
                .await
                .unwrap()
                .is_none()
        );
        let (_, stored) = store.verification("v1").await.unwrap().unwrap();
        assert_eq!(stored.status, VerificationStatus::Completed);
    }
}

#[tokio::test]
async fn jobs_are_claimed_oldest_first_and_released_leases_are_taken_at_once() {
    for store in stores().await {
        for id in ["v1", "v2", "v3"] {
            let verification = Verification::new(id, VerificationStatus::InQueue);
            store
                .insert_verification("a", &verification, None)
                .await
                .unwrap();
        }
        let first = store
            .claim_verification("one", 0, 60_000)
            .await
            .unwrap()
            .unwrap();
        let second = store
            .claim_verification("one", 0, 60_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                first.verification.id.as_str(),
                second.verification.id.as_str()
            ),
            ("v1", "v2"),
            "{}",
            store.kind()
        );
        assert_eq!(store.release_leases("one").await.unwrap(), 2);
        let again = store
            .claim_verification("two", 0, 60_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again.verification.id, "v1");
        let depth = store.depth().await.unwrap();
        assert_eq!((depth.queued, depth.running), (3, 0));
    }
}

#[tokio::test]
async fn deliveries_go_out_in_order_once_per_lease() {
    for store in stores().await {
        let kind = store.kind();
        let mut verification = Verification::new("v1", VerificationStatus::InQueue);
        store
            .insert_verification("a", &verification, hook())
            .await
            .unwrap();
        store
            .claim_verification("one", 0, 60_000)
            .await
            .unwrap()
            .unwrap();
        verification
            .transition_to(VerificationStatus::InProgress)
            .unwrap();
        assert!(
            store
                .save_claimed("one", &verification, hook())
                .await
                .unwrap()
        );
        // Only the oldest pending delivery of a verification is due.
        let due = store.claim_deliveries("one", 10, 5_000, 10).await.unwrap();
        assert_eq!(due.len(), 1, "{kind}");
        assert!(
            store
                .claim_deliveries("two", 10, 5_000, 10)
                .await
                .unwrap()
                .is_empty(),
            "{kind}: a claimed delivery, and those after it, wait"
        );
        assert_eq!(
            store.next_delivery_ms().await.unwrap(),
            Some(5_000),
            "{kind}"
        );
        // Its sender died: after the lease another instance sends it again,
        // with the same id (the receiver's dedupe key).
        let again = store
            .claim_deliveries("two", 5_001, 10_000, 10)
            .await
            .unwrap();
        assert_eq!(again.len(), 1, "{kind}");
        assert_eq!(again[0].id, due[0].id);
        assert!(
            !store
                .record_attempt(due[0].id, "one", &attempt(1, 200), DeliveryNext::Delivered)
                .await
                .unwrap(),
            "{kind}: the dead sender's record is refused"
        );
        assert!(
            store
                .record_attempt(due[0].id, "two", &attempt(1, 200), DeliveryNext::Delivered)
                .await
                .unwrap()
        );
        let next = store
            .claim_deliveries("two", 10_001, 20_000, 10)
            .await
            .unwrap();
        assert_eq!(next.len(), 1, "{kind}");
        assert_ne!(next[0].id, due[0].id);
        let records = store.deliveries("v1").await.unwrap();
        assert_eq!(records[0].state, "delivered", "{kind}");
        assert_eq!(records[0].attempts, [attempt(1, 200)]);
        assert_eq!(records[1].status, VerificationStatus::InProgress);
        assert_eq!(store.depth().await.unwrap().deliveries_pending, 1);
    }
}

#[tokio::test]
async fn a_retry_waits_for_its_time() {
    for store in stores().await {
        let kind = store.kind();
        let verification = Verification::new("v1", VerificationStatus::InQueue);
        store
            .insert_verification("a", &verification, hook())
            .await
            .unwrap();
        let id = store.claim_deliveries("one", 0, 1_000, 10).await.unwrap()[0].id;
        store
            .record_attempt(id, "one", &attempt(1, 503), DeliveryNext::RetryAt(5_000))
            .await
            .unwrap();
        assert!(
            store
                .claim_deliveries("one", 4_999, 9_000, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let due = store
            .claim_deliveries("one", 5_000, 9_000, 10)
            .await
            .unwrap();
        assert_eq!(due[0].attempts, 1, "{kind}");
        assert_eq!(
            store.next_delivery_ms().await.unwrap(),
            Some(9_000),
            "{kind}"
        );
        let records = store.deliveries("v1").await.unwrap();
        assert_eq!(records[0].attempts[0].http_status, Some(503), "{kind}");
    }
}

#[tokio::test]
async fn a_sqlite_file_keeps_its_work_across_restarts_and_frees_its_leases() {
    let dir = std::env::temp_dir().join(format!("vs-store-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("db.sqlite3");
    let database = path.to_str().unwrap();
    {
        let store = Store::connect(database).await.unwrap();
        let verification = Verification::new("v1", VerificationStatus::InQueue);
        store
            .insert_verification("a", &verification, hook())
            .await
            .unwrap();
        store
            .claim_verification("dead", 0, i64::MAX)
            .await
            .unwrap()
            .unwrap();
    }
    // One instance per SQLite file: the restarted one takes the job at once.
    let store = Store::connect(database).await.unwrap();
    let claimed = store.claim_verification("next", 1, 60_000).await.unwrap();
    assert_eq!(claimed.unwrap().verification.id, "v1");
    assert_eq!(store.deliveries("v1").await.unwrap().len(), 1);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_database_of_the_unversioned_schema_is_migrated_in_place() {
    let dir = std::env::temp_dir().join(format!("vs-store-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("old.sqlite3");
    {
        // The schema of the releases before migrations, with a row in it.
        let connection = rusqlite::Connection::open(&path).unwrap();
        connection
            .execute_batch(
                "CREATE TABLE verifications (seq INTEGER PRIMARY KEY AUTOINCREMENT,
                     id TEXT NOT NULL UNIQUE, api_key_id TEXT NOT NULL, status TEXT NOT NULL,
                     body TEXT NOT NULL);
                 CREATE TABLE deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT,
                     verification_id TEXT NOT NULL, status TEXT NOT NULL, url TEXT NOT NULL,
                     payload TEXT NOT NULL, secret TEXT, state TEXT NOT NULL DEFAULT 'pending',
                     attempts INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER NOT NULL);",
            )
            .unwrap();
        let body = veriscope::to_json(&Verification::new("old", VerificationStatus::InQueue));
        connection
            .execute(
                "INSERT INTO verifications (id, api_key_id, status, body) VALUES ('old', 'a', 'IN_QUEUE', ?1)",
                [body],
            )
            .unwrap();
    }
    let store = Store::connect(path.to_str().unwrap()).await.unwrap();
    let claimed = store.claim_verification("one", 0, 60_000).await.unwrap();
    assert_eq!(claimed.unwrap().verification.id, "old");
    drop(store);
    // Opening again applies nothing twice.
    Store::connect(path.to_str().unwrap()).await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn instances_starting_together_migrate_a_postgres_database_once() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { Store::connect(&url).await.map(|_| ()) })
        })
        .collect();
    for start in starts {
        start.await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn a_bad_database_url_is_refused_with_a_clear_error() {
    let error = Store::connect("postgres://nobody@127.0.0.1:1/none?connect_timeout=2")
        .await
        .unwrap_err();
    assert_eq!(error.code(), veriscope::ErrorCode::InvalidArgument);
    assert!(error.to_string().contains("PostgreSQL"), "{error}");
}
