//! One client for any OpenAI-compatible chat-completions API (OpenAI, vLLM, Ollama,
//! LiteLLM, ...), shared by the analysis and the agent, with an optional backup endpoint
//! that serves when the primary cannot.

use reqwest::{RequestBuilder, StatusCode};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::error::Error as _;
use std::fmt::{self, Write as _};
use std::time::Duration;
use url::Url;

/// `is_available` is asked while calls wait in `Queued`: a slow answer counts as no answer.
const AVAILABILITY_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub struct OpenAiEndpoint {
    /// The root that `/chat/completions` and `/models` hang off, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    /// The model the analysis asks for (the agent asks for the call's model).
    pub model: String,
    pub api_key: Option<String>,
}

/// Written by hand so that printing a configuration cannot leak the key.
impl fmt::Debug for OpenAiEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiEndpoint")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[derive(Clone, Debug)]
pub struct OpenAiConfig {
    pub primary: OpenAiEndpoint,
    pub backup: Option<OpenAiEndpoint>,
    /// The longest one request may take, answer included.
    pub timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenAiConfigError {
    #[error(
        "`{0}` is not an http(s) URL of an OpenAI-compatible API, like https://api.openai.com/v1"
    )]
    BadBaseUrl(String),
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// Why no usable completion came back.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// Neither endpoint could be reached, or both were overloaded.
    #[error("the AI backend is unavailable: {0}")]
    Unavailable(String),
    /// An endpoint answered, and the answer cannot be used: asking elsewhere would hide a
    /// misconfiguration (bad key, unknown model).
    #[error("the AI backend gave an answer that cannot be used: {0}")]
    BadAnswer(String),
}

/// The assistant message of a completion.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Reply {
    pub content: Option<String>,
    #[serde(default)]
    pub tool_calls: Vec<ReplyToolCall>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ReplyToolCall {
    pub id: String,
    pub function: ReplyFunction,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ReplyFunction {
    pub name: String,
    /// JSON text, as the API sends it.
    #[serde(default)]
    pub arguments: String,
}

/// A completion and whether the backup endpoint gave it.
pub struct Completion {
    pub reply: Reply,
    pub used_backup: bool,
}

pub struct ChatApi {
    client: reqwest::Client,
    primary: Endpoint,
    backup: Option<Endpoint>,
}

struct Endpoint {
    chat_url: Url,
    models_url: Url,
    /// The base URL without credentials or query, for error messages and logs.
    shown: String,
    model: String,
    api_key: Option<String>,
}

impl ChatApi {
    pub fn new(config: OpenAiConfig) -> Result<ChatApi, OpenAiConfigError> {
        Ok(ChatApi {
            client: reqwest::Client::builder().timeout(config.timeout).build()?,
            primary: Endpoint::new(config.primary)?,
            backup: config.backup.map(Endpoint::new).transpose()?,
        })
    }

    /// Sends `request` (a chat-completions body without `model`) to the primary endpoint,
    /// and to the backup when the primary is unreachable or overloaded. `model` names the
    /// model to ask for; `None` asks each endpoint for its configured one.
    pub async fn complete(
        &self,
        model: Option<&str>,
        request: &Map<String, Value>,
    ) -> Result<Completion, ChatError> {
        let reason = match self.ask(&self.primary, model, request).await {
            Ok(reply) => {
                return Ok(Completion {
                    reply,
                    used_backup: false,
                });
            }
            Err(Failure::Unusable(reason)) => return Err(ChatError::BadAnswer(reason)),
            Err(Failure::Failed(reason)) => reason,
        };
        let Some(backup) = &self.backup else {
            return Err(ChatError::Unavailable(reason));
        };
        tracing::warn!(%reason, "the primary AI endpoint failed; asking the backup");
        match self.ask(backup, model, request).await {
            Ok(reply) => Ok(Completion {
                reply,
                used_backup: true,
            }),
            Err(Failure::Unusable(backup_reason)) => Err(ChatError::BadAnswer(backup_reason)),
            Err(Failure::Failed(backup_reason)) => {
                Err(ChatError::Unavailable(format!("{reason}; {backup_reason}")))
            }
        }
    }

    /// Whether either endpoint answers its model list.
    pub async fn is_available(&self) -> bool {
        for endpoint in std::iter::once(&self.primary).chain(&self.backup) {
            let request = self
                .client
                .get(endpoint.models_url.clone())
                .timeout(AVAILABILITY_TIMEOUT);
            if let Ok(response) = endpoint.authorize(request).send().await
                && response.status().is_success()
            {
                return true;
            }
        }
        false
    }

    async fn ask(
        &self,
        endpoint: &Endpoint,
        model: Option<&str>,
        request: &Map<String, Value>,
    ) -> Result<Reply, Failure> {
        let mut body = request.clone();
        body.insert(
            "model".to_owned(),
            Value::from(model.unwrap_or(&endpoint.model)),
        );
        let failed = |reason: String| Failure::Failed(format!("{}: {reason}", endpoint.shown));
        let unusable = |reason: String| Failure::Unusable(format!("{}: {reason}", endpoint.shown));
        let request = self.client.post(endpoint.chat_url.clone()).json(&body);
        let response = endpoint
            .authorize(request)
            .send()
            .await
            .map_err(|e| failed(describe(e)))?;
        let status = response.status();
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            return Err(failed(format!("answered {status}")));
        }
        if !status.is_success() {
            let body = response.bytes().await.unwrap_or_default();
            return Err(unusable(format!("answered {status}{}", error_code(&body))));
        }
        let body = response.bytes().await.map_err(|e| failed(describe(e)))?;
        // Parse errors are not quoted: serde's messages may contain transcript text.
        let completion: ChatResponse = serde_json::from_slice(&body)
            .map_err(|_| unusable("the response is not a chat completion".to_owned()))?;
        completion
            .choices
            .into_iter()
            .next()
            .map(|choice| choice.message)
            .ok_or_else(|| unusable("the chat completion has no choices".to_owned()))
    }
}

/// Why one endpoint gave no completion.
enum Failure {
    /// Not reached, or overloaded (timeout, connection error, 5xx, 429): the backup may do better.
    Failed(String),
    /// It answered, and the answer cannot be used.
    Unusable(String),
}

impl Endpoint {
    fn new(config: OpenAiEndpoint) -> Result<Endpoint, OpenAiConfigError> {
        let root = config.base_url.trim_end_matches('/');
        let url = |path: &str| {
            Url::parse(&format!("{root}{path}"))
                .ok()
                .filter(|url| matches!(url.scheme(), "http" | "https"))
                .ok_or_else(|| OpenAiConfigError::BadBaseUrl(config.base_url.clone()))
        };
        let base = url("")?;
        Ok(Endpoint {
            chat_url: url("/chat/completions")?,
            models_url: url("/models")?,
            shown: format!("{}{}", base.origin().ascii_serialization(), base.path()),
            model: config.model,
            api_key: config.api_key,
        })
    }

    fn authorize(&self, request: RequestBuilder) -> RequestBuilder {
        match &self.api_key {
            // `bearer_auth` marks the header sensitive, which keeps it out of reqwest's logs.
            Some(key) => request.bearer_auth(key),
            None => request,
        }
    }
}

/// The cause chain of a transport error, without the URL (it may carry credentials).
fn describe(error: reqwest::Error) -> String {
    if error.is_timeout() {
        return "timed out".to_owned();
    }
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        write!(text, ": {cause}").ok();
        source = cause.source();
    }
    text
}

/// The machine-readable code of an OpenAI-style error body (`invalid_api_key`,
/// `model_not_found`): it says what to fix, and unlike the human message it cannot echo
/// the key or the prompt back.
fn error_code(body: &[u8]) -> String {
    let body: Value = serde_json::from_slice(body).unwrap_or_default();
    ["/error/code", "/error/type"]
        .iter()
        .find_map(|pointer| body.pointer(pointer).and_then(Value::as_str))
        .map(|code| format!(" ({code})"))
        .unwrap_or_default()
}

#[derive(Deserialize)]
struct ChatResponse {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: Reply,
}
