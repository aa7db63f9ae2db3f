//! `TestApp`: the server on port 0 with a manual clock, and a client whose methods take the
//! status they expect.

use crate::common::TestDatabase;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;
use switchyard::app;
use switchyard::config::HttpConfig;
use switchyard::state::{AppParts, AppState};
use switchyard_core::enums::Role;
use switchyard_core::number::{AgentRoute, Number, UseCaseConfig};
use switchyard_core::store::Store;
use switchyard_core::time::{ManualClock, Timestamp};
use switchyard_core::{AgentId, CallId, Clocks, Id, NumberId, OrgId, UseCaseId};
use switchyard_engine::analysis::Analyzer;
use switchyard_engine::analysis::builtin::BuiltinAnalyzer;
use switchyard_engine::blob::{BlobStore, FsBlobStore};
use switchyard_engine::config::{EngineConfig, WebhookConfig};
use switchyard_engine::exports::{ExportConfig, ExportParts, ExportWorker};
use switchyard_engine::llm::{ChatApi, OpenAiConfig, OpenAiEndpoint};
use switchyard_engine::sim::SimNetwork;
use switchyard_engine::{Engine, EngineParts, PassReport};
use switchyard_service::Services;
use switchyard_service::key_cache::KeyCache;
use switchyard_service::orgs;
use switchyard_service::recordings::RecordingLinks;
use switchyard_service::sandbox::SandboxSettings;
use tokio::sync::oneshot;

pub const START: &str = "2024-01-01T12:00:00Z";
/// The admin token of apps spawned with the sandbox on (`TestApp::spawn_sandbox`).
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789abcdef";

/// An OpenAI-compatible base URL where nothing listens (a backend that is down).
pub fn closed_openai_endpoint() -> OpenAiEndpoint {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    OpenAiEndpoint {
        base_url: format!("http://{}/v1", closed.local_addr().unwrap()),
        model: "m".to_owned(),
        api_key: None,
    }
}

/// The engine as tests want it: webhooks may go to the local test receivers.
pub fn test_engine_config() -> EngineConfig {
    EngineConfig {
        webhooks: WebhookConfig {
            allow_private: true,
            ..WebhookConfig::default()
        },
        ..EngineConfig::default()
    }
}

pub struct TestApp {
    pub base: String,
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
    pub http: reqwest::Client,
    /// The first organization, with an Owner key.
    pub org: TestOrg,
    /// Stepped by the tests ([`TestApp::run_engine`]), never running on its own.
    pub engine: Arc<Engine>,
    /// The export worker, without SMTP; stepped by the tests (`run_due`) too.
    pub exports: Arc<ExportWorker>,
    _blobs: tempfile::TempDir,
    _db: TestDatabase,
    _shutdown: oneshot::Sender<()>,
}

#[derive(Clone)]
pub struct TestOrg {
    pub id: OrgId,
    pub owner_key: String,
}

impl TestApp {
    pub async fn spawn(db: TestDatabase) -> TestApp {
        Self::spawn_with(db, HttpConfig::default()).await
    }

    /// With `--sandbox` (and `ADMIN_TOKEN` as `--admin-token`).
    pub async fn spawn_sandbox(db: TestDatabase) -> TestApp {
        let engine = EngineConfig {
            sandbox: true,
            ..test_engine_config()
        };
        Self::spawn_configured(db, HttpConfig::default(), engine).await
    }

    pub async fn spawn_with(db: TestDatabase, http: HttpConfig) -> TestApp {
        Self::spawn_configured(db, http, test_engine_config()).await
    }

    pub async fn spawn_configured(
        db: TestDatabase,
        http: HttpConfig,
        engine: EngineConfig,
    ) -> TestApp {
        Self::spawn_with_ai(db, http, engine, Arc::new(BuiltinAnalyzer), None).await
    }

    /// With the built-in analyzer and an OpenAI-compatible API (`primary`, `backup`) that
    /// plays the agent of calls whose model is not `scripted`.
    pub async fn spawn_with_model(
        db: TestDatabase,
        primary: OpenAiEndpoint,
        backup: Option<OpenAiEndpoint>,
    ) -> TestApp {
        let api = ChatApi::new(OpenAiConfig {
            primary,
            backup,
            timeout: std::time::Duration::from_secs(5),
        })
        .unwrap();
        let analyzer = Arc::new(BuiltinAnalyzer);
        let engine = test_engine_config();
        Self::spawn_with_ai(
            db,
            HttpConfig::default(),
            engine,
            analyzer,
            Some(Arc::new(api)),
        )
        .await
    }

    /// With an analyzer and, for model-played agents, an OpenAI-compatible API.
    pub async fn spawn_with_ai(
        db: TestDatabase,
        http: HttpConfig,
        engine: EngineConfig,
        analyzer: Arc<dyn Analyzer>,
        chat: Option<Arc<ChatApi>>,
    ) -> TestApp {
        let clock = Arc::new(ManualClock::new(Timestamp::parse(START).unwrap()));
        let clocks = Arc::new(Clocks::new(clock.clone()));
        let sandbox = engine.sandbox;
        let store = db.store.clone();
        let blobs_dir = tempfile::tempdir().unwrap();
        let blobs: Arc<dyn BlobStore> = Arc::new(FsBlobStore::new(blobs_dir.path()));
        let engine = Arc::new(
            Engine::new(EngineParts {
                store: store.clone(),
                clock: clocks.clone(),
                provider: Arc::new(SimNetwork),
                analyzer,
                chat,
                blobs: blobs.clone(),
                config: engine,
                instance: "test-engine".to_owned(),
            })
            .unwrap(),
        );
        let exports = Arc::new(
            ExportWorker::new(ExportParts {
                store: store.clone(),
                clock: clocks.clone(),
                blobs: blobs.clone(),
                config: ExportConfig {
                    scratch_dir: blobs_dir.path().join("tmp"),
                    ..ExportConfig::default()
                },
                instance: "test-exports".to_owned(),
            })
            .unwrap(),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let keys = Arc::new(KeyCache::new(http.key_cache_ms));
        let state = AppState::new(AppParts {
            services: Services {
                store: store.clone(),
                clock: clocks.clone(),
                engine: engine.clone(),
                blobs,
                recording_links: RecordingLinks::load(store.as_ref()).await.unwrap(),
                exports: exports.clone(),
                keys,
                sandbox: if sandbox {
                    SandboxSettings::on(Some(ADMIN_TOKEN))
                } else {
                    SandboxSettings::off()
                },
            },
            http: Arc::new(http),
            metrics: switchyard::observability::prometheus(),
        });
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(app::serve(listener, state, async {
            let _ = stopped.await;
        }));
        let mut app = TestApp {
            base: format!("http://{addr}"),
            store,
            clock,
            http: reqwest::Client::new(),
            org: TestOrg {
                id: Id::new(Timestamp::from_millis(0)),
                owner_key: String::new(),
            },
            engine,
            exports,
            _blobs: blobs_dir,
            _db: db,
            _shutdown: shutdown,
        };
        app.org = app.new_org("Acme Freight", "owner@acme.test").await;
        app
    }

    /// Runs the engine over everything due at the test clock's `now`.
    pub async fn run_engine(&self) -> PassReport {
        self.engine.run_due().await.unwrap()
    }

    /// Moves the clock on by `seconds`, then runs the engine.
    pub async fn advance(&self, seconds: i64) -> PassReport {
        self.clock.advance_seconds(seconds);
        self.run_engine().await
    }

    /// Standard Webhooks receivers refuse timestamps more than five minutes from their own
    /// (real) clock, and webhooks and tool calls are stamped with the engine's: tests that
    /// verify signatures move the manual clock to two minutes before the real time.
    pub fn clock_near_real_time(&self) -> Timestamp {
        let real = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let at = Timestamp::from_millis((real - 120) * 1000);
        self.clock.set(at);
        at
    }

    pub fn now(&self) -> Timestamp {
        switchyard_core::time::Clock::now(self.clock.as_ref())
    }

    pub async fn new_org(&self, name: &str, owner: &str) -> TestOrg {
        let (org, key) = orgs::create_organization(self.store.as_ref(), name, owner, self.now())
            .await
            .unwrap();
        TestOrg {
            id: org.id,
            owner_key: key.secret,
        }
    }

    /// A key of a new member of `org` with `role`.
    pub async fn key(&self, org: &TestOrg, email: &str, role: Role) -> String {
        orgs::create_key(self.store.as_ref(), org.id, email, role, self.now())
            .await
            .unwrap()
            .secret
    }

    /// The client of the first organization's Owner.
    pub fn owner(&self) -> Client<'_> {
        self.as_key(&self.org.owner_key)
    }

    pub fn as_key(&self, key: &str) -> Client<'_> {
        Client {
            app: self,
            key: Some(key.to_owned()),
        }
    }

    pub fn anonymous(&self) -> Client<'_> {
        Client {
            app: self,
            key: None,
        }
    }

    /// A number owned by `org`, routed to a new use case (named `use_case_name`) and to the
    /// organization's default agent, stored directly so that dial tests do not depend on
    /// the numbers endpoints.
    pub async fn number_with_use_case(&self, org: &TestOrg, use_case_name: &str) -> Fixture {
        self.number_for(org, json!({"name": use_case_name})).await
    }

    /// Like [`TestApp::number_with_use_case`], for a use case made from `use_case` (a
    /// `POST /use-cases` body).
    pub async fn number_for(&self, org: &TestOrg, use_case: Value) -> Fixture {
        let now = self.now();
        let use_case: Value = self
            .as_key(&org.owner_key)
            .post("/use-cases", use_case, 200)
            .await;
        let use_case_id: UseCaseId = use_case["id"].as_str().unwrap().parse().unwrap();
        let organization = self.store.get_organization(org.id).await.unwrap();
        let number = Number {
            id: Id::new(now),
            organization_id: org.id,
            number: format!("+1415{:07}", rand_digits()),
            sid: "PNtest".to_owned(),
            locality: "San Francisco".to_owned(),
            mode: "voice".to_owned(),
            title: "test line".to_owned(),
            use_case_config: UseCaseConfig {
                id: Some(use_case_id),
                prompt_routes: vec![],
                agent_routes: vec![AgentRoute {
                    probability: 100,
                    id: organization.default_agent_id,
                }],
            },
            created_at: now,
        };
        self.store.insert_number(&number).await.unwrap();
        Fixture {
            number_id: number.id,
            number: number.number,
            use_case_id,
            agent_id: organization.default_agent_id,
        }
    }
}

fn rand_digits() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let salt = std::process::id() % 1000;
    salt * 1000 + NEXT.fetch_add(1, Ordering::Relaxed) % 1000
}

pub struct Fixture {
    pub number_id: NumberId,
    pub number: String,
    pub use_case_id: UseCaseId,
    pub agent_id: AgentId,
}

pub struct Client<'a> {
    app: &'a TestApp,
    key: Option<String>,
}

pub struct Response {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Client<'_> {
    pub async fn get(&self, path: &str, expect: u16) -> Value {
        self.expect(Method::GET, path, None, expect).await
    }

    pub async fn post(&self, path: &str, body: Value, expect: u16) -> Value {
        self.expect(Method::POST, path, Some(body), expect).await
    }

    pub async fn post_empty(&self, path: &str, expect: u16) -> Value {
        self.expect(Method::POST, path, None, expect).await
    }

    pub async fn patch(&self, path: &str, body: Value, expect: u16) -> Value {
        self.expect(Method::PATCH, path, Some(body), expect).await
    }

    pub async fn delete(&self, path: &str, expect: u16) -> Value {
        self.expect(Method::DELETE, path, None, expect).await
    }

    pub async fn delete_json(&self, path: &str, body: Value, expect: u16) -> Value {
        self.expect(Method::DELETE, path, Some(body), expect).await
    }

    pub async fn expect(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        expect: u16,
    ) -> Value {
        let response = self
            .send(
                method.clone(),
                path,
                body.map(|b| ("application/json", b.to_string().into_bytes())),
                &[],
            )
            .await;
        assert_eq!(
            response.status, expect,
            "{method} {path} answered {} with {}",
            response.status, response.body
        );
        response.body
    }

    /// A request with a raw body, content type and extra headers, for the error paths.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
        headers: &[(&str, &str)],
    ) -> Response {
        let url = format!("{}/api/v1{path}", self.app.base);
        let mut request = self.app.http.request(method, url);
        if let Some(key) = &self.key {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some((content_type, bytes)) = body {
            request = request.header("content-type", content_type).body(bytes);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Response {
            status,
            body,
            headers,
        }
    }
}

/// Asserts the contract's error body: a `message` string, and nothing that leaks internals.
pub fn assert_error_body(body: &Value) {
    let message = body["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no message in {body}"));
    assert!(!message.is_empty());
    for leak in ["sqlx", "SQLITE", "panicked", "postgres", "syntax error at"] {
        assert!(!message.contains(leak), "error leaks internals: {message}");
    }
}

/// The keys every Call carries (contract §3).
pub const REQUIRED_CALL_KEYS: &[&str] = &[
    "id",
    "organization_id",
    "type",
    "status",
    "provider",
    "metadata",
    "use_case",
    "agent",
    "language",
    "created",
    "viewed_by",
];

pub fn assert_full_call(call: &Value) {
    for key in REQUIRED_CALL_KEYS {
        assert!(!call[key].is_null(), "call lacks `{key}`: {call}");
    }
    for key in ["from", "to", "tags"] {
        assert!(
            !call["metadata"][key].is_null(),
            "metadata lacks `{key}`: {call}"
        );
    }
    assert_eq!(call["id"].as_str().unwrap().len(), 24);
}

impl TestApp {
    /// Dials `phone` from the fixture's number as the first organization's Owner.
    pub async fn dial(&self, fixture: &Fixture, phone: &str, extra: Value) -> Value {
        let mut body = json!({"number_id": fixture.number_id.to_string(), "phone_number": phone});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        self.owner().post("/dial/outbound", body, 200).await
    }

    /// Stores a copy of `template` (a Call as the API returned it) under a new id with
    /// `status`, for states that only the engine reaches (live and final calls).
    pub async fn seed_call(
        &self,
        template: &Value,
        status: &str,
        edit: impl FnOnce(&mut Value),
    ) -> Value {
        let mut call = template.clone();
        call["id"] = json!(CallId::new(self.now()).to_string());
        call["status"] = json!(status);
        edit(&mut call);
        let parsed: switchyard_core::call::Call = serde_json::from_value(call.clone()).unwrap();
        self.store
            .insert_calls(parsed.organization_id, &[parsed], None, None)
            .await
            .unwrap();
        call
    }
}

pub fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_owned()
}

/// The ids of a `GET /calls` page, in order.
pub fn page_ids(page: &Value) -> Vec<String> {
    page["calls"]
        .as_array()
        .expect("a page of calls")
        .iter()
        .map(id_of)
        .collect()
}
