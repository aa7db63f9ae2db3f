//! Nothing answered is lost: writes under load survive a SIGKILL of the server (every note,
//! rating and dial that got a 200 is there after a restart, and SQLite's integrity check
//! passes), and SIGTERM lets requests in flight finish before the process exits.

#![allow(dead_code)]

#[path = "common/process.rs"]
mod process;

use process::{Api, Server, create_org};
use serde_json::{Value, json};
use sqlx::Connection;
use std::collections::HashSet;
use std::sync::Arc;

/// Concurrent writers during the crash test.
const WRITERS: usize = 16;

/// A use case and a number routed to it; returns the number's id.
async fn dialable_number(api: &Api) -> String {
    let use_case = api
        .send(
            reqwest::Method::POST,
            "/use-cases",
            Some(json!({"name": "Durable"})),
        )
        .await;
    let number = api
        .send(reqwest::Method::POST, "/numbers", Some(json!({})))
        .await;
    let id = number["id"].as_str().unwrap().to_owned();
    api.send(
        reqwest::Method::PATCH,
        &format!("/numbers/{id}"),
        Some(json!({"use_case_id": use_case["id"]})),
    )
    .await;
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_answered_write_survives_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let key = create_org(dir.path(), "Durable", "ops@durable.test");
    // No engine: the writes under test are the API's, and dialed calls must stay put.
    let server = Server::start(dir.path(), &["--no-engine"]);
    let api = Arc::new(Api {
        base: server.base.clone(),
        key,
        http: reqwest::Client::new(),
    });
    let number = dialable_number(&api).await;
    let call = api
        .send(
            reqwest::Method::POST,
            "/dial/outbound",
            Some(json!({"number_id": number, "phone_number": "+14155550600"})),
        )
        .await;
    let call_id = call["id"].as_str().unwrap().to_owned();

    // Writers add notes and dial calls until the server dies; each remembers what got a 200.
    let (answered_tx, mut answered_rx) = tokio::sync::mpsc::unbounded_channel::<(String, String)>();
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (api, call_id, number, answered) = (
            api.clone(),
            call_id.clone(),
            number.clone(),
            answered_tx.clone(),
        );
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let (kind, result) = if i % 4 == 3 {
                    let body = json!({"number_id": number, "phone_number": format!("+1415555{:04}", w * 100 + i % 100)});
                    ("call", api.try_send(reqwest::Method::POST, "/dial/outbound", Some(body)).await)
                } else {
                    let body = json!({"content": format!("writer {w} note {i}")});
                    ("note", api.try_send(reqwest::Method::POST, &format!("/calls/{call_id}/notes"), Some(body)).await)
                };
                match result {
                    Some((200, body)) => {
                        let id = match kind {
                            "note" => body["notes"].as_array().unwrap().iter().find(|n| n["content"] == format!("writer {w} note {i}")).unwrap()["id"].clone(),
                            _ => body["id"].clone(),
                        };
                        let _ = answered.send((kind.to_owned(), id.as_str().unwrap().to_owned()));
                    }
                    Some((status, body)) => panic!("unexpected {status}: {body}"),
                    None => return,
                }
            }
        }));
    }
    drop(answered_tx);
    // Kill once a few hundred writes have been answered, while the rest are in flight.
    let mut answered = Vec::new();
    while answered.len() < 300 {
        answered.push(answered_rx.recv().await.expect("writes are answered"));
    }
    server.kill();
    for writer in writers {
        writer.await.unwrap();
    }
    while let Ok(more) = answered_rx.try_recv() {
        answered.push(more);
    }

    let db = format!("sqlite://{}", dir.path().join("switchyard.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&db).await.unwrap();
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
    conn.close().await.unwrap();

    let restarted = Server::start(dir.path(), &["--no-engine"]);
    let api = Api {
        base: restarted.base.clone(),
        ..Arc::try_unwrap(api).ok().unwrap()
    };
    let notes: HashSet<String> = api
        .send(reqwest::Method::GET, &format!("/calls/{call_id}"), None)
        .await["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    for (kind, id) in &answered {
        match kind.as_str() {
            "note" => assert!(notes.contains(id), "note {id} was answered 200 and is gone"),
            _ => {
                api.send(reqwest::Method::GET, &format!("/calls/{id}"), None)
                    .await;
            }
        }
    }
    assert!(answered.len() >= 300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_lets_requests_in_flight_finish() {
    let dir = tempfile::tempdir().unwrap();
    let key = create_org(dir.path(), "Durable", "ops@durable.test");
    let server = Server::start(dir.path(), &["--no-engine"]);
    let api = Arc::new(Api {
        base: server.base.clone(),
        key,
        http: reqwest::Client::new(),
    });
    let number = dialable_number(&api).await;
    // Large batched dials take long enough to be in flight when the signal arrives.
    let batch: Vec<Value> = (0..2000)
        .map(|i| json!({"number_id": number, "phone_number": format!("+1415666{i:04}")}))
        .collect();
    let requests: Vec<_> = (0..4)
        .map(|_| {
            let (api, batch) = (api.clone(), batch.clone());
            tokio::spawn(async move {
                api.try_send(
                    reqwest::Method::POST,
                    "/dial/outbound-batched",
                    Some(Value::Array(batch)),
                )
                .await
            })
        })
        .collect();
    // Give the requests time to reach the server: this test is about a real process and a
    // real signal, so it waits on the real clock.
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let exit = tokio::task::spawn_blocking(move || server.terminate())
        .await
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    let mut finished = 0;
    for request in requests {
        match request.await.unwrap() {
            Some((200, body)) => {
                assert_eq!(body.as_array().unwrap().len(), 2000);
                finished += 1;
            }
            Some((status, body)) => panic!("{status}: {body}"),
            // Not yet accepted when the listener closed: refused, never half-done.
            None => {}
        }
    }
    assert!(finished >= 1, "the requests in flight were answered");
}
