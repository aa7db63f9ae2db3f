//! What the AI makes of a finished conversation: the extraction (one value per
//! `extract_with_ai` field found) and the classification (a tag of the use case's
//! `classification_tags` with a one-line reasoning).
//!
//! Two analyzers: [`builtin::BuiltinAnalyzer`] (deterministic, contract §9) and
//! [`openai::OpenAiAnalyzer`] (any OpenAI-compatible chat-completions endpoint, with an
//! optional backup endpoint).

pub mod builtin;
pub mod openai;

use async_trait::async_trait;
use switchyard_core::call::{Call, Classification, JsonObject};
use switchyard_core::transcript::Message;

#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    pub extraction: JsonObject,
    pub classification: Option<Classification>,
    /// True when a backup AI backend served the analysis (the call's `use_backup`).
    pub used_backup: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error("the AI backend is unavailable: {0}")]
    Unavailable(String),
    #[error("the AI backend gave an answer that cannot be used: {0}")]
    BadAnswer(String),
}

#[async_trait]
pub trait Analyzer: Send + Sync + 'static {
    async fn analyze(&self, call: &Call, messages: &[Message]) -> Result<Analysis, AnalysisError>;

    /// Whether the AI backend can serve calls now. Calls with `wait_until_awake` wait in
    /// `Queued` while it cannot.
    async fn is_available(&self) -> bool {
        true
    }
}
