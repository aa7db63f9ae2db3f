//! The agent over real HTTP: a prompt's tools are called on a local tool server (signed,
//! with the call's params), their answers reach the transcript, the end webhook and the
//! analysis; failures become tool messages; a model behind an OpenAI-compatible stub can
//! play the agent; and whatever the simulated network does, the transcript, extraction,
//! classification and end reason tell the same story.

use crate::chat_stub::{ChatStub, Turn};
use crate::common::TestDatabase;
use crate::harness::{TestApp, closed_openai_endpoint, id_of};
use crate::receiver::Receiver;
use crate::tool_server::ToolServer;
use crate::web::client::Browser;
use serde_json::{Value, json};
use std::sync::Arc;
use switchyard::config::HttpConfig;
use switchyard_core::Id;
use switchyard_core::prompt::{Prompt, Tool, ToolMethod};
use switchyard_engine::config::EngineConfig;
use switchyard_engine::llm::OpenAiEndpoint;
use switchyard_engine::sim::{BUSY, FAILED, MACHINE, MAX_DURATION, NO_ANSWER, TRANSFER};
use switchyard_engine::webhooks::guard::REFUSED;

crate::backend_tests!(
    a_scripted_call_calls_each_tool_signed_with_the_call_params,
    failing_tools_become_tool_messages_and_the_call_carries_on,
    a_model_plays_the_agent_and_calls_tools_it_chooses,
    the_guard_refuses_a_private_tool_when_the_agent_calls_it,
    the_backup_endpoint_plays_the_agent_when_the_primary_is_down,
    a_failing_model_hands_the_call_to_the_scripted_agent,
    a_stop_during_the_conversation_does_not_call_the_tools_again,
    every_outcome_tells_one_story,
);

/// Steps the engine until the call has a final status (at most 20 simulated minutes).
async fn finished(app: &TestApp, id: &str) -> Value {
    for _ in 0..120 {
        app.advance(10).await;
        let call = app.owner().get(&format!("/calls/{id}"), 200).await;
        let live = ["Scheduled", "Queued", "Initiated", "Ringing", "In progress"];
        if !live.contains(&call["status"].as_str().unwrap()) {
            return call;
        }
    }
    panic!("call {id} did not end");
}

async fn transcript(app: &TestApp, id: &str) -> Vec<Value> {
    let transcript = app
        .owner()
        .get(&format!("/calls/{id}/transcript"), 200)
        .await;
    transcript["messages"].as_array().unwrap().clone()
}

async fn logs(app: &TestApp, id: &str, event: &str) -> Vec<Value> {
    let logs = app.owner().get(&format!("/calls/{id}/logs"), 200).await;
    logs.as_array()
        .unwrap()
        .iter()
        .filter(|l| l["event"] == event)
        .cloned()
        .collect()
}

fn tool(name: &str, url: String, extra: Value) -> Value {
    let mut tool = json!({
        "name": name,
        "description": format!("{name} for the agent"),
        "parameters": {
            "type": "object",
            "properties": {"load_id": {"type": "string"}, "origin": {"type": "string"}},
            "required": ["load_id"],
        },
        "url": url,
    });
    tool.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    tool
}

async fn a_scripted_call_calls_each_tool_signed_with_the_call_params(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    app.clock_near_real_time();
    let tools = ToolServer::start().await;
    let hooks = Receiver::start().await;
    let fixture = app
        .number_for(
            &app.org,
            json!({
                "name": "Carrier sales",
                "hooks": [{"url": hooks.url, "headers": []}],
                "extract_with_ai": [
                    {"name": "rate_usd", "description": "Agreed rate", "type": "number", "example": 0, "required": false},
                    {"name": "carrier_name", "description": "Carrier", "type": "string", "example": "n/a", "required": false},
                ],
            }),
        )
        .await;
    let prompt = app
        .owner()
        .post(
            "/prompts",
            json!({
                "name": "Load search",
                "text": "You are {{agent_name}} booking load {{load_id}} from {{origin}}.",
                "first_message": "Hi, this is Ava about load {{load_id}}.",
                "tools": [
                    tool("find_load", tools.url("/loads"), json!({"headers": [{"key": "X-Api-Key", "value": "k-123"}]})),
                    tool("verify_carrier", tools.url("/verify"), json!({
                        "method": "GET",
                        "parameters": {
                            "type": "object",
                            "properties": {"mc_number": {"type": "string", "example": "MC-777"}},
                            "required": ["mc_number"],
                        },
                    })),
                ],
            }),
            200,
        )
        .await;
    let dialed = app
        .dial(
            &fixture,
            "+14155550123",
            json!({"prompt_id": prompt["id"], "params": {"load_id": "LD-1042", "origin": "Dallas, TX"}}),
        )
        .await;
    assert_eq!(dialed["prompt_id"], prompt["id"]);
    let id = id_of(&dialed);
    let call = finished(&app, &id).await;
    assert_eq!(call["status"], "Completed");

    // The integrator's endpoints got one signed request each, with the call's params.
    let secret = app.owner().get("/org/webhook-secret", 200).await["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let received = tools.received();
    assert_eq!(received.len(), 2, "each tool once: {received:#?}");
    let (find, verify) = (&received[0], &received[1]);
    assert_eq!(
        (find.method.as_str(), find.path.as_str()),
        ("POST", "/loads")
    );
    assert_eq!(
        find.json(),
        json!({"load_id": "LD-1042", "origin": "Dallas, TX"})
    );
    assert_eq!(find.header("content-type"), "application/json");
    assert_eq!(find.header("x-api-key"), "k-123");
    assert_eq!(find.header("x-switchyard-call-id"), id);
    find.verify(&secret);
    assert_eq!(
        (verify.method.as_str(), verify.path.as_str()),
        ("GET", "/verify")
    );
    assert_eq!(verify.query.as_deref(), Some("mc_number=MC-777"));
    assert!(verify.body.is_empty());
    verify.verify(&secret);

    // The transcript: the rendered prompt, the first message, each call and its answer,
    // and a reply that quotes it.
    let messages = transcript(&app, &id).await;
    assert_eq!(
        messages[0]["content"],
        "You are  booking load LD-1042 from Dallas, TX."
    );
    assert_eq!(
        messages[1]["content"],
        "Hi, this is Ava about load LD-1042."
    );
    let asked = messages
        .iter()
        .position(|m| m["tool_calls"][0]["function"]["name"] == "find_load")
        .expect("a find_load call");
    let call_id = messages[asked]["tool_calls"][0]["id"].as_str().unwrap();
    let arguments: Value = serde_json::from_str(
        messages[asked]["tool_calls"][0]["function"]["arguments"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        arguments,
        json!({"load_id": "LD-1042", "origin": "Dallas, TX"})
    );
    let answer = &messages[asked + 1];
    assert_eq!(answer["role"], "tool");
    assert_eq!(answer["name"], "find_load");
    assert_eq!(answer["tool_call_id"], call_id);
    let answered: Value = serde_json::from_str(answer["content"].as_str().unwrap()).unwrap();
    assert_eq!(answered["rate_usd"], 1850);
    let reply = messages[asked + 2]["content"].as_str().unwrap();
    assert!(
        reply.contains("rate usd 1850") && reply.contains("load id LD-1042"),
        "{reply}"
    );
    assert!(
        !reply.contains("stops"),
        "only strings and numbers are quoted: {reply}"
    );

    // The analysis read the tools' answers.
    assert_eq!(call["extraction"]["rate_usd"], 1850);
    assert_eq!(call["extraction"]["carrier_name"], "Rolling Thunder LLC");

    // Every request is in the logs; the missing param too.
    let tool_logs = logs(&app, &id, "tool").await;
    assert_eq!(tool_logs.len(), 2, "{tool_logs:#?}");
    assert_eq!(tool_logs[0]["data"]["tool"], "find_load");
    assert_eq!(tool_logs[0]["data"]["status"], 200);
    assert_eq!(tool_logs[0]["data"]["method"], "POST");
    assert_eq!(tool_logs[0]["data"]["url"], tools.url("/loads"));
    assert_eq!(tool_logs[0]["data"]["tool_call_id"], call_id);
    assert!(tool_logs[0]["data"]["duration_ms"].is_u64());
    let agent_logs = logs(&app, &id, "agent").await;
    assert!(
        agent_logs
            .iter()
            .any(|l| l["data"]["missing_params"] == json!(["agent_name"])),
        "{agent_logs:#?}"
    );

    // The review app's call page shows each tool call, how it went and what it answered.
    let browser = Browser::signed_in(&app, &app.org.owner_key).await;
    let page = browser.get(&format!("/calls/{id}")).await;
    assert_eq!(page.status, 200);
    for shown in [
        "Tool call: find_load · 200 in",
        "Tool call: verify_carrier · 200 in",
        "&#34;mc_number&#34;: &#34;MC-777&#34;",
        "&#34;carrier_name&#34;: &#34;Rolling Thunder LLC&#34;",
    ] {
        assert!(page.body.contains(shown), "{shown} in:\n{}", page.body);
    }

    // The end webhook lists each tool's invocations.
    app.run_engine().await;
    let end = hooks
        .received()
        .into_iter()
        .map(|r| r.json())
        .find(|body| body["type"] == "end")
        .expect("an end webhook");
    let invocations = &end["content"]["tools"]["find_load"];
    assert_eq!(invocations.as_array().unwrap().len(), 1);
    assert_eq!(
        invocations[0]["arguments"],
        json!({"load_id": "LD-1042", "origin": "Dallas, TX"})
    );
    assert_eq!(invocations[0]["status"], 200);
    assert_eq!(invocations[0]["result"]["carrier_name"], Value::Null);
    assert_eq!(invocations[0]["result"]["rate_usd"], 1850);
    assert_eq!(invocations[0]["error"], Value::Null);
    assert!(invocations[0]["duration_ms"].is_u64());
    let verified = &end["content"]["tools"]["verify_carrier"][0];
    assert_eq!(verified["arguments"], json!({"mc_number": "MC-777"}));
    assert_eq!(verified["result"]["eligible"], true);
    assert_eq!(
        end["content"]["messages"].as_array().unwrap().len(),
        messages.len()
    );
}

async fn failing_tools_become_tool_messages_and_the_call_carries_on(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    app.clock_near_real_time();
    let tools = ToolServer::start().await;
    let hooks = Receiver::start().await;
    let fixture = app
        .number_for(
            &app.org,
            json!({"name": "Flaky tools", "hooks": [{"url": hooks.url, "headers": []}]}),
        )
        .await;
    let failing = [
        ("slow", "/slow", "timed out after 300 ms"),
        ("broken", "/error", "the endpoint answered 500"),
        ("huge", "/huge", "the answer is larger than 16 KiB"),
        ("moved", "/redirect", "the endpoint answered 302"),
        ("text", "/text", ""),
    ];
    let mut prompt_tools: Vec<Value> = failing
        .iter()
        .map(|(name, path, _)| tool(name, tools.url(path), json!({"timeout_ms": 300})))
        .collect();
    // The scripted agent cannot fill `carrier` (no param, example or default): skipped.
    prompt_tools.push(tool(
        "unfillable",
        tools.url("/loads"),
        json!({"parameters": {
            "type": "object",
            "properties": {"carrier": {"type": "string"}},
            "required": ["carrier"],
        }}),
    ));
    let prompt = app
        .owner()
        .post(
            "/prompts",
            json!({"name": "Flaky", "text": "Use every tool.", "tools": prompt_tools}),
            200,
        )
        .await;
    let id = id_of(
        &app.dial(
            &fixture,
            "+14155550124",
            json!({"prompt_id": prompt["id"], "params": {"load_id": "LD-1"}}),
        )
        .await,
    );
    let call = finished(&app, &id).await;
    assert_eq!(call["status"], "Completed", "the call carries on");

    // Each endpoint was asked once: never retried, and the redirect never followed.
    let paths: Vec<String> = tools.received().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/slow", "/error", "/huge", "/redirect", "/text"]);

    let messages = transcript(&app, &id).await;
    let answers: Vec<&Value> = messages.iter().filter(|m| m["role"] == "tool").collect();
    assert_eq!(answers.len(), failing.len());
    for ((name, _, error), answer) in failing.iter().zip(&answers) {
        assert_eq!(answer["name"], *name);
        let content = answer["content"].as_str().unwrap();
        if error.is_empty() {
            assert_eq!(content, "Load LD-1042 is available at 1850 USD");
        } else {
            let said: Value = serde_json::from_str(content).unwrap();
            assert_eq!(said["error"], *error, "{name}");
        }
    }
    let tool_logs = logs(&app, &id, "tool").await;
    assert_eq!(tool_logs.len(), failing.len() + 1);
    let skipped = tool_logs.last().unwrap();
    assert_eq!(skipped["data"]["tool"], "unfillable");
    assert!(
        skipped["message"]
            .as_str()
            .unwrap()
            .contains("skipped: required property `carrier`"),
        "{skipped}"
    );
    for ((name, _, error), log) in failing.iter().zip(&tool_logs) {
        assert_eq!(log["data"]["tool"], *name);
        let expected_level = if error.is_empty() { "info" } else { "warn" };
        assert_eq!(log["level"], expected_level, "{log}");
    }
    app.run_engine().await;
    let end = hooks
        .received()
        .into_iter()
        .map(|r| r.json())
        .find(|body| body["type"] == "end")
        .unwrap();
    let tools_sent = &end["content"]["tools"];
    assert_eq!(tools_sent["broken"][0]["status"], 500);
    assert_eq!(tools_sent["broken"][0]["result"], Value::Null);
    assert_eq!(tools_sent["slow"][0]["status"], Value::Null);
    assert_eq!(tools_sent["slow"][0]["error"], "timed out after 300 ms");
    assert_eq!(tools_sent["huge"][0]["status"], 200);
    assert_eq!(
        tools_sent["text"][0]["result"],
        "Load LD-1042 is available at 1850 USD"
    );
}

async fn a_model_plays_the_agent_and_calls_tools_it_chooses(db: TestDatabase) {
    let stub = ChatStub::start(vec![
        Turn::Text("Hello from the model, calling about your load."),
        Turn::ToolCalls(vec![("call_m1", "find_load", json!({"load_id": "LD-9"}))]),
        Turn::Text("I found LD-9 from Dallas at 1850 dollars."),
    ])
    .await;
    let primary = OpenAiEndpoint {
        base_url: stub.base_url.clone(),
        model: "analysis-model".to_owned(),
        api_key: Some("sk-test".to_owned()),
    };
    let app = TestApp::spawn_with_model(db, primary, None).await;
    app.clock_near_real_time();
    let tools = ToolServer::start().await;
    let fixture = app.number_with_use_case(&app.org, "Model calls").await;
    let prompt = app
        .owner()
        .post(
            "/prompts",
            json!({
                "name": "Model prompt",
                "text": "You book load {{load_id}}.",
                "tools": [tool("find_load", tools.url("/loads"), json!({}))],
            }),
            200,
        )
        .await;
    let id = id_of(
        &app.dial(
            &fixture,
            "+14155550125",
            json!({"prompt_id": prompt["id"], "model_id": "gpt-test", "params": {"load_id": "LD-1"}}),
        )
        .await,
    );
    let call = finished(&app, &id).await;
    assert_eq!(call["status"], "Completed");
    assert_eq!(call["use_case"]["model"], "gpt-test");

    let requests = stub.requests();
    assert!(requests.len() >= 3, "{}", requests.len());
    let first = &requests[0];
    assert_eq!(first["model"], "gpt-test");
    assert_eq!(first["messages"][0]["role"], "system");
    assert_eq!(first["messages"][0]["content"], "You book load LD-1.");
    assert_eq!(first["tools"][0]["type"], "function");
    assert_eq!(first["tools"][0]["function"]["name"], "find_load");
    assert_eq!(
        first["tools"][0]["function"]["parameters"]["required"],
        json!(["load_id"])
    );
    // The model chose the arguments; the endpoint got them, and the model got the answer.
    let received = tools.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].json(), json!({"load_id": "LD-9"}));
    let after_tool = &requests[2]["messages"];
    let tool_message = after_tool
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "tool")
        .expect("the tool's answer is sent back");
    assert_eq!(tool_message["tool_call_id"], "call_m1");
    let answered: Value = serde_json::from_str(tool_message["content"].as_str().unwrap()).unwrap();
    assert_eq!(answered["load_id"], "LD-9");

    let messages = transcript(&app, &id).await;
    let said: Vec<&str> = messages
        .iter()
        .filter(|m| m["role"] == "assistant")
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(said[0], "Hello from the model, calling about your load.");
    assert!(
        said.contains(&"I found LD-9 from Dallas at 1850 dollars."),
        "{said:?}"
    );
    let played = logs(&app, &id, "agent").await;
    assert!(
        played.iter().any(|l| l["data"]["model"] == "gpt-test"),
        "{played:#?}"
    );
}

/// Whatever the simulated network did, what the call says about itself holds together:
/// a classification rests on words that are in the transcript, and fits the end.
async fn every_outcome_tells_one_story(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let fixture = app
        .number_for(
            &app.org,
            json!({
                "name": "Outcomes",
                "transfer_number": "+14155550100",
                "max_duration_mins": 4,
                "amd": true,
                "amd_behavior": "Continue",
                "classification_tags": [
                    {"name": "interested", "description": "The carrier wants the load"},
                    {"name": "not_interested", "description": "The carrier declined"},
                    {"name": "voicemail", "description": "An answering machine took it"},
                    {"name": "transferred", "description": "Handed to a person"},
                    {"name": "incomplete", "description": "Cut off before the end"},
                ],
            }),
        )
        .await;
    let mut phones: Vec<String> = [BUSY, NO_ANSWER, FAILED, MACHINE, TRANSFER, MAX_DURATION]
        .iter()
        .map(|p| p.to_string())
        .collect();
    // Seven callees in ten agree: with 30 ordinary calls, both answers are all but certain.
    phones.extend((0..30).map(|i| format!("+1415555{i:04}")));
    let mut dialed = Vec::new();
    for phone in phones {
        dialed.push((id_of(&app.dial(&fixture, &phone, json!({})).await), phone));
    }
    for _ in 0..150 {
        app.advance(10).await;
    }
    let mut tags_seen = std::collections::BTreeSet::new();
    for (id, phone) in dialed {
        let call = finished(&app, &id).await;
        let end_reason = call["end_reason"].as_str().unwrap_or_default().to_owned();
        let Some(tag) = call["classification"]["tag"].as_str() else {
            assert!(
                call["duration"].as_f64().unwrap_or(0.0) == 0.0,
                "a call that talked is classified: {call}"
            );
            continue;
        };
        tags_seen.insert(tag.to_owned());
        let messages = transcript(&app, &id).await;
        let spoken: Vec<&str> = messages
            .iter()
            .filter(|m| m["role"] != "system")
            .map(|m| m["content"].as_str().unwrap())
            .collect();
        let reasoning = call["classification"]["reasoning"].as_str().unwrap();
        let quoted = reasoning.split('"').nth(1).unwrap_or_default();
        assert!(
            !quoted.is_empty() && spoken.iter().any(|s| s.contains(quoted)),
            "{phone}: the reasoning quotes the transcript: {reasoning} / {spoken:?}"
        );
        let callee_said = |line: &str| {
            messages
                .iter()
                .any(|m| m["role"] == "user" && m["content"] == line)
        };
        match tag {
            "interested" => {
                assert_eq!(end_reason, "completed", "{phone}");
                assert!(callee_said("That works for me. Let's book it."), "{phone}");
                assert!(!callee_said("Thanks, but I'll pass on this one."));
            }
            "not_interested" => {
                assert_eq!(end_reason, "completed", "{phone}");
                assert!(callee_said("Thanks, but I'll pass on this one."), "{phone}");
            }
            "voicemail" => {
                assert_eq!(call["answered_by"], "machine", "{phone}");
                assert!(
                    messages.iter().all(|m| m["role"] != "user"),
                    "a machine says nothing back"
                );
            }
            "transferred" => {
                assert_eq!(call["status"], "Transferred", "{phone}");
                assert!(spoken.last().unwrap().contains("transferring you now"));
            }
            "incomplete" => {
                assert_eq!(end_reason, "max_duration", "{phone}");
                assert!(!spoken.iter().any(|s| s.contains("have a great day")));
            }
            other => panic!("unexpected tag {other}"),
        }
    }
    for tag in [
        "interested",
        "not_interested",
        "voicemail",
        "transferred",
        "incomplete",
    ] {
        assert!(
            tags_seen.contains(tag),
            "{tag} never happened: {tags_seen:?}"
        );
    }
}

/// A prompt saved while a private address was allowed (or one whose name resolves
/// elsewhere by the time of the call) still meets the guard when the agent calls it.
async fn the_guard_refuses_a_private_tool_when_the_agent_calls_it(db: TestDatabase) {
    let app = TestApp::spawn_configured(db, HttpConfig::default(), EngineConfig::default()).await;
    let tools = ToolServer::start().await;
    let fixture = app.number_with_use_case(&app.org, "Guarded").await;
    let now = app.now();
    let prompt = Prompt {
        id: Id::new(now),
        organization_id: app.org.id,
        name: "Internal".to_owned(),
        text: "Look the load up.".to_owned(),
        first_message: None,
        use_case_id: None,
        model_id: None,
        tools: vec![Tool {
            name: "find_load".to_owned(),
            description: String::new(),
            parameters: json!({"type": "object", "properties": {"load_id": {}}}),
            url: tools.url("/loads"),
            method: ToolMethod::Post,
            headers: Vec::new(),
            timeout_ms: 2000,
        }],
        created_at: now,
        updated_at: now,
    };
    // Stored directly: through the API the private URL is refused when saved.
    app.store.insert_prompt(&prompt).await.unwrap();
    app.owner()
        .post("/prompts", serde_json::to_value(&prompt).unwrap(), 422)
        .await;
    let id = id_of(
        &app.dial(
            &fixture,
            "+14155550126",
            json!({"prompt_id": prompt.id.to_string(), "params": {"load_id": "LD-1"}}),
        )
        .await,
    );
    assert_eq!(finished(&app, &id).await["status"], "Completed");
    assert!(
        tools.received().is_empty(),
        "nothing reached the private address"
    );
    let answer = transcript(&app, &id)
        .await
        .into_iter()
        .find(|m| m["role"] == "tool")
        .expect("a tool message");
    let said: Value = serde_json::from_str(answer["content"].as_str().unwrap()).unwrap();
    assert_eq!(said["error"], REFUSED);
    let logged = logs(&app, &id, "tool").await;
    assert_eq!(logged[0]["data"]["error"], REFUSED);
    assert_eq!(logged[0]["level"], "warn");
}

async fn the_backup_endpoint_plays_the_agent_when_the_primary_is_down(db: TestDatabase) {
    let backup = ChatStub::start(vec![Turn::Text("Backup model speaking.")]).await;
    let backup_endpoint = OpenAiEndpoint {
        base_url: backup.base_url.clone(),
        model: "backup-analysis".to_owned(),
        api_key: None,
    };
    let app = TestApp::spawn_with_model(db, closed_openai_endpoint(), Some(backup_endpoint)).await;
    let fixture = app.number_with_use_case(&app.org, "Backup").await;
    let id = id_of(
        &app.dial(&fixture, "+14155550127", json!({"model_id": "gpt-test"}))
            .await,
    );
    let call = finished(&app, &id).await;
    assert_eq!(call["use_backup"], true);
    assert_eq!(backup.requests()[0]["model"], "gpt-test");
    let messages = transcript(&app, &id).await;
    assert_eq!(messages[1]["content"], "Backup model speaking.");
}

async fn a_failing_model_hands_the_call_to_the_scripted_agent(db: TestDatabase) {
    let app = TestApp::spawn_with_model(db, closed_openai_endpoint(), None).await;
    let fixture = app.number_with_use_case(&app.org, "No model").await;
    let id = id_of(
        &app.dial(&fixture, "+14155550128", json!({"model_id": "gpt-test"}))
            .await,
    );
    let call = finished(&app, &id).await;
    assert_eq!(call["status"], "Completed");
    let messages = transcript(&app, &id).await;
    assert!(
        messages[1]["content"]
            .as_str()
            .unwrap()
            .starts_with("Hi, this is"),
        "the scripted greeting: {}",
        messages[1]["content"]
    );
    let failed: Vec<Value> = logs(&app, &id, "agent")
        .await
        .into_iter()
        .filter(|l| l["level"] == "error")
        .collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(
        failed[0]["message"]
            .as_str()
            .unwrap()
            .contains("the scripted agent carried on")
    );
}

/// A tool endpoint that stops the call it is asked about, through the API, before it
/// answers: the stop lands while the engine is finishing the call.
async fn stopping_tool(app: &TestApp) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use axum::http::HeaderMap;
    let asked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (base, key, counter) = (app.base.clone(), app.org.owner_key.clone(), asked.clone());
    let handler = move |headers: HeaderMap| {
        let (base, key, counter) = (base.clone(), key.clone(), counter.clone());
        async move {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let call = headers["x-switchyard-call-id"].to_str().unwrap().to_owned();
            let stopped = reqwest::Client::new()
                .post(format!("{base}/api/v1/calls/{call}/stop"))
                .bearer_auth(key)
                .send()
                .await
                .unwrap();
            assert_eq!(stopped.status(), 200);
            axum::Json(json!({"load_id": "LD-5", "rate_usd": 990}))
        }
    };
    let router = axum::Router::new().route("/stop", axum::routing::post(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/stop", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, asked)
}

async fn a_stop_during_the_conversation_does_not_call_the_tools_again(db: TestDatabase) {
    let app = TestApp::spawn(db).await;
    let (url, asked) = stopping_tool(&app).await;
    let fixture = app.number_with_use_case(&app.org, "Stopped mid-call").await;
    let prompt = app
        .owner()
        .post(
            "/prompts",
            json!({"name": "Stops", "text": "Look it up.", "tools": [tool("find_load", url, json!({}))]}),
            200,
        )
        .await;
    let id = id_of(
        &app.dial(
            &fixture,
            "+14155550129",
            json!({"prompt_id": prompt["id"], "params": {"load_id": "LD-5"}}),
        )
        .await,
    );
    let call = finished(&app, &id).await;
    for _ in 0..10 {
        app.advance(30).await;
    }
    assert_eq!(
        asked.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the tool is called once"
    );
    assert_eq!(call["status"], "Completed");
    assert_eq!(call["end_reason"], "stopped");
    let answers: Vec<Value> = transcript(&app, &id)
        .await
        .into_iter()
        .filter(|m| m["role"] == "tool")
        .collect();
    assert_eq!(answers.len(), 1);
    assert!(answers[0]["content"].as_str().unwrap().contains("LD-5"));
    assert_eq!(logs(&app, &id, "tool").await.len(), 1);
}
