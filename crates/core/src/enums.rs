//! The contract's enums (§2), with their exact wire strings.

use crate::string_enum::string_enum;

/// A string that is not one of an enum's wire values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not one of: {}", expected.join(", "))]
pub struct UnknownVariant {
    pub value: String,
    pub expected: &'static [&'static str],
}

string_enum! {
    pub enum CallType { Inbound => "Inbound", Outbound => "Outbound" }
}

string_enum! {
    pub enum Provider { Twilio => "Twilio", Web => "Web", Chat => "Chat" }
}

string_enum! {
    #[derive(Default)]
    pub enum Language {
        #[default] EnUs => "en-US", EnGb => "en-GB", EsMx => "es-MX", EsEs => "es-ES", PtPt => "pt-PT",
        DeDe => "de-DE", FrFr => "fr-FR", PlPl => "pl-PL", RoRo => "ro-RO", ItIt => "it-IT",
        EsCo => "es-CO", ZhCn => "zh-CN", HiIn => "hi-IN", JaJp => "ja-JP", SvSe => "sv-SE",
    }
}

string_enum! {
    pub enum Emoji { Check => "✅", ThumbsDown => "👎", Siren => "🚨" }
}

string_enum! {
    pub enum RatingOperation { Add => "add", Remove => "remove" }
}

string_enum! {
    pub enum MessageRole { System => "system", Assistant => "assistant", User => "user", Tool => "tool" }
}

string_enum! {
    pub enum AmdBehavior { Hangup => "Hangup", Continue => "Continue", Message => "Message" }
}

string_enum! {
    pub enum AgentLanguage {
        English => "english", Spanish => "spanish", Portuguese => "portuguese",
        French => "french", German => "german", Polish => "polish", Romanian => "romanian",
        Italian => "italian", Chinese => "chinese", Hindi => "hindi", Japanese => "japanese",
        Swedish => "swedish",
    }
}

string_enum! {
    /// Member roles, lowest first: `Viewer < Representative < Owner`.
    pub enum Role { Viewer => "Viewer", Representative => "Representative", Owner => "Owner" }
}

string_enum! {
    #[derive(Default)]
    pub enum SortOrder { Asc => "asc", #[default] Desc => "desc" }
}

string_enum! {
    /// Why a call ended (extension `end_reason`).
    pub enum EndReason {
        Completed => "completed", CustomerHangup => "customer_hangup",
        AgentHangup => "agent_hangup", Transferred => "transferred", Voicemail => "voicemail",
        Busy => "busy", NoAnswer => "no_answer", MaxDuration => "max_duration",
        Canceled => "canceled", Stopped => "stopped", AfterHours => "after_hours",
        ProviderError => "provider_error",
    }
}

string_enum! {
    pub enum AnsweredBy { Human => "human", Machine => "machine", Unknown => "unknown" }
}

string_enum! {
    /// The type of an `extract_with_ai` field.
    pub enum FieldType { String => "string", Number => "number", Boolean => "boolean", Date => "date" }
}
