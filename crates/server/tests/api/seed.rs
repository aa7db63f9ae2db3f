//! `switchyard seed`: realistic calls, readable through the API like any other.

use crate::common::TestDatabase;
use crate::harness::TestApp;
use std::collections::HashSet;

crate::backend_tests!(seeded_calls_are_realistic_and_their_transcripts_their_own);

async fn seeded_calls_are_realistic_and_their_transcripts_their_own(db: TestDatabase) {
    const CALLS: usize = 600;
    let app = TestApp::spawn(db).await;
    switchyard::cli::seed::seed(
        app.store.as_ref(),
        app.org.id,
        CALLS as u64,
        app.now(),
        |_| {},
    )
    .await
    .unwrap();
    let page = app.owner().get("/calls?limit=2000", 200).await;
    let calls = page["calls"].as_array().unwrap();
    assert_eq!(calls.len(), CALLS);
    let statuses: HashSet<&str> = calls
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert!(statuses.len() >= 7, "{statuses:?}");
    for key in ["notes", "ratings", "viewed_by"] {
        assert!(
            calls.iter().any(|c| !c[key].as_array().unwrap().is_empty()),
            "{key}"
        );
    }
    assert!(calls.iter().any(|c| c["campaign_id"].is_string()));
    assert!(
        calls
            .iter()
            .any(|c| !c["metadata"]["tags"].as_array().unwrap().is_empty())
    );

    let mut transcripts = 0;
    let mut message_ids = HashSet::new();
    for call in calls.iter().filter(|c| c["answered_by"].is_string()) {
        let id = call["id"].as_str().unwrap();
        let transcript = app
            .owner()
            .get(&format!("/calls/{id}/transcript"), 200)
            .await;
        let text = transcript.to_string();
        for placeholder in [
            "PLACEHOLDER",
            "00000000000000000000aaa",
            "+19990009999",
            "1000000000.125",
        ] {
            assert!(!text.contains(placeholder), "{placeholder} in {text}");
        }
        assert_eq!(transcript["call_id"], call["id"]);
        assert_eq!(transcript["organization_id"], call["organization_id"]);
        let load = call["params"]["load_id"].as_str().unwrap();
        assert!(text.contains(load), "{load} in {text}");
        let messages = transcript["messages"].as_array().unwrap();
        assert!(messages.len() >= 3);
        let talk = call["duration"].as_f64().unwrap();
        for message in messages {
            assert!(message_ids.insert(message["id"].as_str().unwrap().to_owned()));
            assert!(
                message["end"].as_f64().unwrap() <= talk,
                "{message} in a {talk} s call"
            );
        }
        let started = transcript["start_time"].as_f64().unwrap();
        let created = switchyard_core::Timestamp::parse(call["created"].as_str().unwrap()).unwrap();
        assert!((started - created.millis() as f64 / 1000.0).abs() < 1.0);
        transcripts += 1;
    }
    assert!(transcripts > CALLS / 2, "{transcripts} transcripts");
}
