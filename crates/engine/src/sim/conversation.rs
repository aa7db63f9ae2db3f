//! The timing of a simulated call's conversation: each message lasts in proportion to its
//! words, with short pauses between turns, and the whole fits the talk time the network
//! decided (stretched, compressed, or cut mid-sentence). What is said is the agent's
//! business (crate::agent).

use super::{Draws, seed};
use switchyard_core::enums::MessageRole;
use switchyard_core::transcript::Message;

/// How the conversation ended, which decides its closing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    Completed,
    /// Handed to a person: `to` is the use case's `transfer_number`.
    Transferred {
        to: Option<String>,
    },
    /// An answering machine took the call and the agent left `message`.
    Voicemail {
        message: String,
    },
    /// Stopped through the API or by the max-duration deadline: the talk is truncated at
    /// `talk_secs`, possibly mid-sentence.
    Cut,
}

/// About 150 words a minute, a calm phone voice.
const SECS_PER_CHAR: f64 = 1.0 / 15.0;
/// A tool answers in well under a second and is not spoken.
const TOOL_SECS: f64 = 0.6;
/// The agent starts speaking this long after the call is answered.
const FIRST_WORDS_SECS: f64 = 0.5;
const MIN_GAP_SECS: f64 = 0.3;
const MAX_GAP_SECS: f64 = 1.1;
/// Silence between the last words and the hang-up.
const TAIL_SECS: f64 = 0.8;
/// Talk times beyond a day are clamped, which bounds the script's length.
const MAX_TALK_SECS: f64 = 24.0 * 3600.0;

/// `talk_secs` as a usable length: finite, from zero to a day.
pub(crate) fn talk_time(talk_secs: f64) -> f64 {
    if talk_secs.is_finite() {
        talk_secs.clamp(0.0, MAX_TALK_SECS)
    } else {
        0.0
    }
}

/// Lays messages out at a natural pace: spoken ones last in proportion to their text,
/// with short pauses between turns.
pub(crate) struct Timeline {
    messages: Vec<Message>,
    next_start: f64,
    gaps: Draws,
    talk: f64,
}

impl Timeline {
    /// A timeline for `talk` seconds (see [`talk_time`]) whose pauses replay from the
    /// call's key (`super::scenario::key`).
    pub(crate) fn new(key: &str, talk: f64) -> Timeline {
        Timeline {
            messages: Vec::new(),
            next_start: FIRST_WORDS_SECS,
            gaps: Draws::new(seed(&key, "conversation-timing")),
            talk,
        }
    }

    pub(crate) fn messages(&self) -> &[Message] {
        &self.messages
    }

    pub(crate) fn push(&mut self, mut message: Message) {
        if message.role != MessageRole::System {
            message.start = self.next_start;
            message.end = message.start + duration(&message);
            self.next_start = message.end + self.gaps.between(MIN_GAP_SECS, MAX_GAP_SECS);
        }
        self.messages.push(message);
    }

    /// Whether everything said from now on would start after the talk time.
    pub(crate) fn is_over(&self) -> bool {
        self.next_start >= self.talk
    }

    /// Whether `turns` still fit before the talk time, keeping room for `reserve` (the
    /// closing) and the silence before the hang-up.
    pub(crate) fn fits(&self, turns: &[Message], reserve: &[Message]) -> bool {
        self.next_start + longest(turns) + longest(reserve) + TAIL_SECS <= self.talk
    }

    /// The messages, adjusted to end just before the talk time: pauses stretch to fill
    /// what is left, or everything compresses to fit.
    pub(crate) fn fitted(mut self) -> Vec<Message> {
        stretch(&mut self.messages, self.talk - TAIL_SECS);
        compress(&mut self.messages, self.talk);
        self.finish()
    }

    /// The messages, compressed to fit if they run over (a message played whole).
    pub(crate) fn compressed(mut self) -> Vec<Message> {
        compress(&mut self.messages, self.talk);
        self.finish()
    }

    /// The messages said before the talk time, the last one cut after its last whole word.
    pub(crate) fn cut(mut self) -> Vec<Message> {
        truncate(&mut self.messages, self.talk);
        self.finish()
    }

    fn finish(mut self) -> Vec<Message> {
        let talk = self.talk;
        for message in &mut self.messages {
            // Flooring is monotonic, so rounding keeps the order and the bound.
            message.start = ((message.start * 1000.0).floor() / 1000.0).min(talk);
            message.end = ((message.end * 1000.0).floor() / 1000.0).min(talk);
        }
        self.messages
    }
}

fn duration(message: &Message) -> f64 {
    match message.role {
        MessageRole::System => 0.0,
        MessageRole::Tool => TOOL_SECS,
        MessageRole::Assistant | MessageRole::User => {
            message.content.chars().count() as f64 * SECS_PER_CHAR
        }
    }
}

/// The most time `messages` can take once laid out.
fn longest(messages: &[Message]) -> f64 {
    messages.iter().map(|m| duration(m) + MAX_GAP_SECS).sum()
}

/// Spreads the time left before `until` over the pauses, so the last words end there.
fn stretch(messages: &mut [Message], until: f64) {
    let last_end = messages.last().map_or(0.0, |m| m.end);
    let turns = messages
        .iter()
        .filter(|m| m.role != MessageRole::System)
        .count();
    if until <= last_end || turns < 2 {
        return;
    }
    let per_pause = (until - last_end) / (turns - 1) as f64;
    let spoken = messages
        .iter_mut()
        .filter(|m| m.role != MessageRole::System);
    for (k, message) in spoken.enumerate() {
        message.start += per_pause * k as f64;
        message.end += per_pause * k as f64;
    }
}

/// Scales every offset down so that the last message ends at `talk`, if it ends later.
fn compress(messages: &mut [Message], talk: f64) {
    let last_end = messages.last().map_or(0.0, |m| m.end);
    if last_end > talk {
        for message in messages {
            message.start = message.start / last_end * talk;
            message.end = message.end / last_end * talk;
        }
    }
}

/// Drops what was not said by `talk` and cuts the message being spoken then after its
/// last whole word.
fn truncate(messages: &mut Vec<Message>, talk: f64) {
    let Some(cut) = messages
        .iter()
        .position(|m| m.role != MessageRole::System && m.end > talk)
    else {
        return;
    };
    messages.truncate(cut + 1);
    let last = &mut messages[cut];
    let content = if last.role == MessageRole::Tool || last.start >= talk {
        String::new()
    } else {
        let fraction = (talk - last.start) / (last.end - last.start);
        whole_words(
            &last.content,
            (last.content.chars().count() as f64 * fraction) as usize,
        )
    };
    if content.is_empty() {
        messages.truncate(cut);
    } else {
        last.content = content;
        last.end = talk;
    }
}

/// The first `chars` characters of `text`, without the word they may split.
fn whole_words(text: &str, chars: usize) -> String {
    let prefix: String = text.chars().take(chars).collect();
    let splits_a_word = text
        .chars()
        .nth(chars)
        .is_some_and(|next| !next.is_whitespace());
    let whole = if splits_a_word {
        prefix
            .rfind(char::is_whitespace)
            .map_or("", |i| &prefix[..i])
    } else {
        &prefix
    };
    whole.trim_end_matches([' ', ',']).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::conversation;
    use crate::sim::test_call;
    use switchyard_core::enums::Language;

    const ENDINGS: [&str; 4] = ["completed", "transferred", "voicemail", "cut"];

    fn ending(name: &str) -> Ending {
        match name {
            "completed" => Ending::Completed,
            "transferred" => Ending::Transferred {
                to: Some("+14155550123".to_owned()),
            },
            "voicemail" => Ending::Voicemail {
                message: "Hi, this is Ava about load LD-1042. Please call us back.".to_owned(),
            },
            _ => Ending::Cut,
        }
    }

    fn roles(messages: &[Message]) -> Vec<&'static str> {
        messages.iter().map(|m| m.role.as_str()).collect()
    }

    fn assert_offsets(messages: &[Message], talk: f64) {
        let mut previous_end = 0.0;
        for m in messages {
            assert!(
                0.0 <= m.start && m.start <= m.end && m.end <= talk,
                "{m:?} in {talk}"
            );
            assert!(previous_end <= m.start, "{m:?} overlaps the one before");
            previous_end = m.end;
        }
    }

    /// Seconds per character of each spoken message.
    fn paces(messages: &[Message]) -> Vec<f64> {
        messages
            .iter()
            .filter(|m| matches!(m.role, MessageRole::Assistant | MessageRole::User))
            .map(|m| (m.end - m.start) / m.content.chars().count() as f64)
            .collect()
    }

    #[test]
    fn offsets_are_ordered_and_within_the_talk_time_for_every_ending() {
        let call = test_call("+14155550199");
        for name in ENDINGS {
            for talk in [0.0, 0.7, 3.0, 12.5, 45.0, 97.3, 180.0, 600.0, 3600.0] {
                let messages = conversation(&call, talk, &ending(name));
                assert_eq!(messages[0].role, MessageRole::System, "{name} {talk}");
                assert_eq!((messages[0].start, messages[0].end), (0.0, 0.0));
                assert_offsets(&messages, talk);
            }
            for odd in [-1.0, f64::NAN, f64::INFINITY] {
                assert_offsets(&conversation(&call, odd, &ending(name)), 0.0);
            }
        }
    }

    #[test]
    fn a_completed_call_greets_confirms_and_says_goodbye() {
        let call = test_call("+14155550199");
        let talk = 120.0;
        let messages = conversation(&call, talk, &Ending::Completed);
        let system = &messages[0].content;
        for expected in ["Ava", "Load confirmation", "LD-1042", "Dallas, TX"] {
            assert!(system.contains(expected), "{system}");
        }
        assert_eq!(messages[1].role, MessageRole::Assistant);
        assert!(
            messages[1].content.contains("Ava"),
            "{}",
            messages[1].content
        );
        assert!(
            messages[1]
                .content
                .contains("load id LD-1042, origin Dallas, TX")
        );
        assert_eq!(messages[2].role, MessageRole::User);

        assert!(
            messages.iter().all(|m| m.tool_calls.is_none()),
            "the built-in prompt has no tools to call"
        );
        assert!(messages[3].content.contains("I have the details here"));

        let n = messages.len();
        assert!(
            n > 9,
            "the talk time is filled with exchanges: {:?}",
            roles(&messages)
        );
        assert_eq!(roles(&messages[n - 2..]), ["assistant", "user"]);
        // Whether the callee took the load or not, the agent says goodbye.
        let goodbye = messages[n - 2].content.to_lowercase();
        assert!(goodbye.contains("have a great day"), "{goodbye}");
        let last_end = messages[n - 1].end;
        assert!(talk - 2.0 < last_end && last_end <= talk, "{last_end}");
        assert_offsets(&messages, talk);
    }

    #[test]
    fn spoken_lengths_are_proportional_to_the_text() {
        let call = test_call("+14155550199");
        for (talk, ending) in [(600.0, Ending::Cut), (30.0, Ending::Completed)] {
            let messages = conversation(&call, talk, &ending);
            let paces = paces(&messages[..messages.len() - 1]);
            let (low, high) = paces
                .iter()
                .fold((f64::MAX, 0.0_f64), |(l, h), p| (l.min(*p), h.max(*p)));
            // Offsets are floored to milliseconds, hence the small tolerance.
            assert!(high - low < 0.001, "{paces:?}");
        }
    }

    #[test]
    fn a_transfer_is_announced() {
        let call = test_call("+14155550199");
        let messages = conversation(&call, 60.0, &ending("transferred"));
        let last = messages.last().unwrap();
        assert_eq!(last.role, MessageRole::Assistant);
        assert!(
            last.content
                .contains("transferring you now to +14155550123")
        );
        let unnamed = conversation(&call, 60.0, &Ending::Transferred { to: None });
        let last = unnamed.last().unwrap();
        assert!(last.content.contains("to a colleague"), "{}", last.content);
    }

    #[test]
    fn a_voicemail_is_one_assistant_message() {
        let call = test_call("+14155550199");
        let Ending::Voicemail { message } = ending("voicemail") else {
            unreachable!()
        };
        for talk in [2.0, 30.0] {
            let messages = conversation(&call, talk, &ending("voicemail"));
            assert_eq!(roles(&messages), ["system", "assistant"]);
            assert_eq!(messages[1].content, message);
            assert_offsets(&messages, talk);
        }
    }

    #[test]
    fn a_cut_call_stops_at_the_talk_time_mid_sentence() {
        let call = test_call("+14155550199");
        let full = conversation(&call, 600.0, &Ending::Cut);
        let last_end = full.last().unwrap().end;
        assert!(last_end > 590.0, "talks until the cut: {last_end}");
        assert!(!full.iter().any(|m| m.content.contains("have a great day")));

        let cut = conversation(&call, 3.0, &Ending::Cut);
        assert_eq!(roles(&cut), ["system", "assistant"]);
        let greeting = &cut[1];
        assert_eq!(greeting.end, 3.0);
        assert!(full[1].content.starts_with(&greeting.content));
        assert!(greeting.content.len() < full[1].content.len());
        assert!(full[1].content[greeting.content.len()..].starts_with(' '));

        assert_eq!(roles(&conversation(&call, 0.0, &Ending::Cut)), ["system"]);
    }

    #[test]
    fn the_words_and_timings_replay_from_the_call_id() {
        let call = test_call("+14155550199");
        let strip = |messages: Vec<Message>| -> Vec<(String, f64, f64)> {
            messages
                .into_iter()
                .map(|m| (m.content, m.start, m.end))
                .collect()
        };
        for name in ENDINGS {
            assert_eq!(
                strip(conversation(&call, 95.0, &ending(name))),
                strip(conversation(&call, 95.0, &ending(name)))
            );
        }
    }

    #[test]
    fn the_agent_speaks_the_call_language() {
        let mut call = test_call("+14155550199");
        for (language, hello, goodbye) in [
            (Language::EnGb, "Hi, this is Ava", "Bye!"),
            (Language::EsMx, "Hola, soy Ava", "¡Adiós!"),
            (Language::EsEs, "Hola, soy Ava", "¡Adiós!"),
            (Language::PtPt, "Olá, fala Ava", "Adeus!"),
            (Language::FrFr, "Bonjour, ici Ava", "Au revoir !"),
            (Language::DeDe, "Hallo, hier ist Ava", "Tschüss!"),
            (Language::JaJp, "Hi, this is Ava", "Bye!"),
        ] {
            call.language = language;
            let messages = conversation(&call, 90.0, &Ending::Completed);
            assert!(
                messages[1].content.starts_with(hello),
                "{}",
                messages[1].content
            );
            assert!(messages.last().unwrap().content.ends_with(goodbye));
            assert!(messages[0].content.contains(language.as_str()));
        }
    }

    #[test]
    fn a_call_without_params_talks_about_the_shipment() {
        let mut call = test_call("+14155550199");
        call.params = None;
        let messages = conversation(&call, 60.0, &Ending::Completed);
        assert!(messages[0].content.contains("parameters: none"));
        assert!(messages[1].content.contains("about your shipment"));
    }
}
