//! The scripted conversation of a simulated call: what a logistics voice agent and the
//! person it calls say, shaped like a real transcript (system prompt, turns, a tool call
//! and its answer) and timed to fit the talk time the network decided.

use super::{Draws, seed};
use serde_json::{Value, json};
use switchyard_core::Id;
use switchyard_core::call::Call;
use switchyard_core::enums::{CallType, Language, MessageRole};
use switchyard_core::transcript::{Message, ToolCall, ToolFunction};

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
const TOOL_NAME: &str = "find_load";

/// The messages of a conversation of `talk_secs` seconds (from the answer to the end of
/// the call): offsets are monotonic, never overlap and stay within `[0, talk_secs]`.
/// The words and timings replay from the call id; message ids are new each time.
pub fn conversation(call: &Call, talk_secs: f64, ending: &Ending) -> Vec<Message> {
    let talk = if talk_secs.is_finite() {
        talk_secs.clamp(0.0, MAX_TALK_SECS)
    } else {
        0.0
    };
    let script = Script::new(call);
    let mut timeline = Timeline::new(seed(&call.id, "conversation-timing"));
    timeline.push(script.system());
    match ending {
        Ending::Voicemail { message } => {
            timeline.push(script.message(MessageRole::Assistant, message.clone()));
            compress(&mut timeline.messages, talk);
        }
        Ending::Completed => timeline.fill(&script, script.goodbye(), talk),
        Ending::Transferred { to } => timeline.fill(&script, script.transfer(to.as_deref()), talk),
        Ending::Cut => {
            script.head().into_iter().for_each(|m| timeline.push(m));
            let mut n = 0;
            while timeline.next_start < talk {
                script
                    .exchange(n)
                    .into_iter()
                    .for_each(|m| timeline.push(m));
                n += 1;
            }
            truncate(&mut timeline.messages, talk);
        }
    }
    for message in &mut timeline.messages {
        // Flooring is monotonic, so rounding keeps the order and the bound.
        message.start = ((message.start * 1000.0).floor() / 1000.0).min(talk);
        message.end = ((message.end * 1000.0).floor() / 1000.0).min(talk);
    }
    timeline.messages
}

/// What is said, in the call's language; the timing is the [`Timeline`]'s business.
struct Script<'a> {
    call: &'a Call,
    phrases: &'static Phrases,
    subject: String,
    reference: String,
    tool_call_id: String,
    first_exchange: usize,
}

impl<'a> Script<'a> {
    fn new(call: &'a Call) -> Script<'a> {
        let phrases = phrases(call.language);
        let subject = match call.params.as_ref().filter(|p| !p.is_empty()) {
            Some(params) => params
                .iter()
                .map(|(key, value)| format!("{} {}", key.replace('_', " "), plain(value)))
                .collect::<Vec<_>>()
                .join(", "),
            None => phrases.subject_default.to_owned(),
        };
        let mut draws = Draws::new(seed(&call.id, "conversation"));
        Script {
            call,
            phrases,
            subject,
            reference: format!("LD-{}", 100_000 + draws.next_u64() % 900_000),
            tool_call_id: format!(
                "call_{:016x}{:08x}",
                draws.next_u64(),
                draws.next_u64() as u32
            ),
            first_exchange: (draws.next_u64() % phrases.exchanges.len() as u64) as usize,
        }
    }

    fn message(&self, role: MessageRole, content: String) -> Message {
        Message {
            id: Id::new(self.call.created),
            role,
            content,
            tool_calls: None,
            name: None,
            tool_call_id: None,
            start: 0.0,
            end: 0.0,
        }
    }

    fn say(&self, role: MessageRole, template: &str, to: &str) -> Message {
        let text = fill(
            template,
            &[
                ("{agent}", &self.call.agent.name),
                ("{use_case}", &self.call.use_case.name),
                ("{subject}", &self.subject),
                ("{reference}", &self.reference),
                ("{to}", to),
            ],
        );
        self.message(role, text)
    }

    fn system(&self) -> Message {
        let call = self.call;
        let direction = match call.call_type {
            CallType::Outbound => "an outbound",
            CallType::Inbound => "an inbound",
        };
        let params = match &call.params {
            Some(params) if !params.is_empty() => Value::Object(params.clone()).to_string(),
            _ => "none".to_owned(),
        };
        let text = format!(
            "You are {agent}, an AI voice agent working for a logistics company. This is \
             {direction} phone call for the use case \"{use_case}\". Speak {language}. Call \
             parameters: {params}. Greet the other party, confirm the details, look them up \
             with the {TOOL_NAME} tool, answer questions briefly, and transfer the call to a \
             person when asked.",
            agent = call.agent.name,
            use_case = call.use_case.name,
            language = call.language,
        );
        self.message(MessageRole::System, text)
    }

    /// Greeting, the go-ahead, the tool call, its answer and the agent's summary.
    fn head(&self) -> Vec<Message> {
        let p = self.phrases;
        let mut arguments = self.call.params.clone().unwrap_or_default();
        let counterpart = match self.call.call_type {
            CallType::Outbound => &self.call.metadata.to,
            CallType::Inbound => &self.call.metadata.from,
        };
        arguments
            .entry("phone_number")
            .or_insert_with(|| counterpart.as_str().into());
        let mut lookup = self.say(MessageRole::Assistant, p.checking, "");
        lookup.tool_calls = Some(vec![ToolCall {
            call_type: "function".to_owned(),
            id: self.tool_call_id.clone(),
            function: ToolFunction {
                name: TOOL_NAME.to_owned(),
                arguments: Value::Object(arguments).to_string(),
            },
        }]);
        let answer = json!({
            "found": true,
            "reference": self.reference,
            "status": "confirmed",
            "details": self.call.params.clone().unwrap_or_default(),
        });
        let mut result = self.message(MessageRole::Tool, answer.to_string());
        result.name = Some(TOOL_NAME.to_owned());
        result.tool_call_id = Some(self.tool_call_id.clone());
        vec![
            self.say(MessageRole::Assistant, p.greeting, ""),
            self.say(MessageRole::User, p.ready, ""),
            lookup,
            result,
            self.say(MessageRole::Assistant, p.found, ""),
        ]
    }

    /// The `n`th question from the other party and the agent's answer.
    fn exchange(&self, n: usize) -> [Message; 2] {
        let exchanges = self.phrases.exchanges;
        let (question, answer) = exchanges[(self.first_exchange + n) % exchanges.len()];
        [
            self.say(MessageRole::User, question, ""),
            self.say(MessageRole::Assistant, answer, ""),
        ]
    }

    fn goodbye(&self) -> Vec<Message> {
        vec![
            self.say(MessageRole::Assistant, self.phrases.closing, ""),
            self.say(MessageRole::User, self.phrases.goodbye, ""),
        ]
    }

    fn transfer(&self, to: Option<&str>) -> Vec<Message> {
        let to = to.unwrap_or(self.phrases.colleague);
        vec![
            self.say(MessageRole::User, self.phrases.ask_person, ""),
            self.say(MessageRole::Assistant, self.phrases.transfer, to),
        ]
    }
}

/// A JSON value as a person would say it: strings without their quotes.
fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Replaces `{placeholders}` in one pass, so a value that itself looks like a placeholder
/// (an agent named "{to}") is left as it is.
fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        rest = &rest[open..];
        match vars.iter().find(|(key, _)| rest.starts_with(key)) {
            Some((key, value)) => {
                out.push_str(value);
                rest = &rest[key.len()..];
            }
            None => {
                out.push('{');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Lays messages out at a natural pace: spoken ones last in proportion to their text,
/// with short pauses between turns.
struct Timeline {
    messages: Vec<Message>,
    next_start: f64,
    gaps: Draws,
}

impl Timeline {
    fn new(seed: u64) -> Timeline {
        Timeline {
            messages: Vec::new(),
            next_start: FIRST_WORDS_SECS,
            gaps: Draws::new(seed),
        }
    }

    fn push(&mut self, mut message: Message) {
        if message.role != MessageRole::System {
            message.start = self.next_start;
            message.end = message.start + duration(&message);
            self.next_start = message.end + self.gaps.between(MIN_GAP_SECS, MAX_GAP_SECS);
        }
        self.messages.push(message);
    }

    /// The head, as many exchanges as fit, then `closing`, adjusted to end just before
    /// `talk`: pauses stretch to fill what is left, or everything compresses to fit.
    fn fill(&mut self, script: &Script, closing: Vec<Message>, talk: f64) {
        script.head().into_iter().for_each(|m| self.push(m));
        let reserve = longest(&closing) + TAIL_SECS;
        for n in 0.. {
            let exchange = script.exchange(n);
            if self.next_start + longest(&exchange) + reserve > talk {
                break;
            }
            exchange.into_iter().for_each(|m| self.push(m));
        }
        closing.into_iter().for_each(|m| self.push(m));
        stretch(&mut self.messages, talk - TAIL_SECS);
        compress(&mut self.messages, talk);
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

/// One language's lines. Placeholders: `{agent}`, `{use_case}`, `{subject}`,
/// `{reference}`, `{to}`.
struct Phrases {
    greeting: &'static str,
    subject_default: &'static str,
    ready: &'static str,
    checking: &'static str,
    found: &'static str,
    /// Questions from the other party and the agent's answers, asked in turn.
    exchanges: &'static [(&'static str, &'static str)],
    closing: &'static str,
    goodbye: &'static str,
    ask_person: &'static str,
    transfer: &'static str,
    colleague: &'static str,
}

fn phrases(language: Language) -> &'static Phrases {
    match language {
        Language::EsMx | Language::EsEs | Language::EsCo => &SPANISH,
        Language::PtPt => &PORTUGUESE,
        Language::FrFr => &FRENCH,
        Language::DeDe => &GERMAN,
        _ => &ENGLISH,
    }
}

const ENGLISH: Phrases = Phrases {
    greeting: "Hi, this is {agent} with the {use_case} team. I'm calling about {subject}. Do you have a minute?",
    subject_default: "your shipment",
    ready: "Sure, go ahead.",
    checking: "Great, let me pull up the details, one moment.",
    found: "Thanks for waiting. I found it under reference {reference}, and everything is confirmed on our side.",
    exchanges: &[
        (
            "What time is the pickup window?",
            "Pickup is scheduled between eight and ten in the morning, and the receiver expects it the next day.",
        ),
        (
            "Is the rate still the same?",
            "Yes, the agreed rate is unchanged, and detention is paid after two hours.",
        ),
        (
            "Do I need to check in once I'm loaded?",
            "Yes, please send a quick update once you're loaded and another when you're close to delivery.",
        ),
        (
            "Can you email me the confirmation?",
            "Of course, I'll send the rate confirmation right after this call.",
        ),
    ],
    closing: "Perfect, that's everything I needed. Thanks for your time, and have a great day!",
    goodbye: "Thanks, you too. Bye!",
    ask_person: "Actually, could I speak with someone on your team?",
    transfer: "Of course. I'm transferring you now to {to}. Please stay on the line.",
    colleague: "a colleague",
};

const SPANISH: Phrases = Phrases {
    greeting: "Hola, soy {agent} del equipo {use_case}. Le llamo por {subject}. ¿Tiene un minuto?",
    subject_default: "su envío",
    ready: "Sí, claro, dígame.",
    checking: "Perfecto, déjeme revisar los detalles, un momento.",
    found: "Gracias por esperar. Lo encontré con la referencia {reference} y todo está confirmado por nuestra parte.",
    exchanges: &[
        (
            "¿A qué hora es la ventana de carga?",
            "La carga está programada entre las ocho y las diez de la mañana, y el destinatario la espera al día siguiente.",
        ),
        (
            "¿La tarifa sigue siendo la misma?",
            "Sí, la tarifa acordada no cambia, y la estadía se paga a partir de dos horas.",
        ),
        (
            "¿Tengo que avisar cuando esté cargado?",
            "Sí, por favor envíe un aviso cuando esté cargado y otro cuando esté cerca de la entrega.",
        ),
        (
            "¿Me puede enviar la confirmación por correo?",
            "Por supuesto, le envío la confirmación de tarifa justo después de esta llamada.",
        ),
    ],
    closing: "Perfecto, eso es todo lo que necesitaba. Gracias por su tiempo, ¡que tenga un buen día!",
    goodbye: "Gracias, igualmente. ¡Adiós!",
    ask_person: "Oiga, ¿podría hablar con alguien de su equipo?",
    transfer: "Claro. Le transfiero ahora con {to}. Por favor, no cuelgue.",
    colleague: "un compañero",
};

const PORTUGUESE: Phrases = Phrases {
    greeting: "Olá, fala {agent}, da equipa {use_case}. É sobre {subject}. Tem um minuto?",
    subject_default: "o seu envio",
    ready: "Claro, diga.",
    checking: "Ótimo, deixe-me ver os detalhes, um momento.",
    found: "Obrigado por aguardar. Encontrei-o com a referência {reference} e está tudo confirmado da nossa parte.",
    exchanges: &[
        (
            "A que horas é a janela de carga?",
            "A carga está marcada entre as oito e as dez da manhã, e o destinatário espera-a no dia seguinte.",
        ),
        (
            "A tarifa continua a mesma?",
            "Sim, a tarifa acordada não muda, e o tempo de espera é pago a partir de duas horas.",
        ),
        (
            "Tenho de avisar quando estiver carregado?",
            "Sim, por favor envie uma mensagem quando estiver carregado e outra quando estiver perto da entrega.",
        ),
        (
            "Pode enviar-me a confirmação por e-mail?",
            "Com certeza, envio a confirmação da tarifa logo a seguir a esta chamada.",
        ),
    ],
    closing: "Perfeito, era tudo o que precisava. Obrigado pelo seu tempo e tenha um bom dia!",
    goodbye: "Obrigado, igualmente. Adeus!",
    ask_person: "Já agora, posso falar com alguém da vossa equipa?",
    transfer: "Claro. Vou transferi-lo agora para {to}. Por favor, não desligue.",
    colleague: "um colega",
};

const FRENCH: Phrases = Phrases {
    greeting: "Bonjour, ici {agent} de l'équipe {use_case}. Je vous appelle au sujet de {subject}. Avez-vous une minute ?",
    subject_default: "votre envoi",
    ready: "Oui, bien sûr, allez-y.",
    checking: "Parfait, je consulte les détails, un instant.",
    found: "Merci de votre patience. Je l'ai trouvé sous la référence {reference}, et tout est confirmé de notre côté.",
    exchanges: &[
        (
            "À quelle heure est le créneau de chargement ?",
            "Le chargement est prévu entre huit et dix heures du matin, et le destinataire l'attend le lendemain.",
        ),
        (
            "Le tarif est-il toujours le même ?",
            "Oui, le tarif convenu ne change pas, et l'attente est payée au-delà de deux heures.",
        ),
        (
            "Dois-je vous prévenir une fois chargé ?",
            "Oui, envoyez-nous un message une fois chargé, puis un autre à l'approche de la livraison.",
        ),
        (
            "Pouvez-vous m'envoyer la confirmation par e-mail ?",
            "Bien sûr, je vous envoie la confirmation de tarif juste après cet appel.",
        ),
    ],
    closing: "Parfait, c'est tout ce qu'il me fallait. Merci pour votre temps et bonne journée !",
    goodbye: "Merci, vous aussi. Au revoir !",
    ask_person: "Au fait, pourrais-je parler à quelqu'un de votre équipe ?",
    transfer: "Bien sûr. Je vous transfère maintenant vers {to}. Merci de rester en ligne.",
    colleague: "un collègue",
};

const GERMAN: Phrases = Phrases {
    greeting: "Hallo, hier ist {agent} vom Team {use_case}. Es geht um {subject}. Haben Sie kurz Zeit?",
    subject_default: "Ihre Sendung",
    ready: "Ja, klar, legen Sie los.",
    checking: "Prima, ich schaue mir kurz die Details an, einen Moment.",
    found: "Danke fürs Warten. Ich habe es unter der Referenz {reference} gefunden, und bei uns ist alles bestätigt.",
    exchanges: &[
        (
            "Wann ist das Ladefenster?",
            "Die Abholung ist zwischen acht und zehn Uhr morgens geplant, und der Empfänger erwartet die Ware am nächsten Tag.",
        ),
        (
            "Bleibt die Rate gleich?",
            "Ja, die vereinbarte Rate bleibt unverändert, und Standzeit wird ab zwei Stunden bezahlt.",
        ),
        (
            "Soll ich mich melden, wenn ich beladen bin?",
            "Ja, bitte geben Sie kurz Bescheid, wenn Sie beladen sind, und noch einmal kurz vor der Zustellung.",
        ),
        (
            "Können Sie mir die Bestätigung per E-Mail schicken?",
            "Natürlich, ich schicke Ihnen die Ratenbestätigung direkt nach diesem Anruf.",
        ),
    ],
    closing: "Perfekt, das war alles, was ich brauchte. Vielen Dank für Ihre Zeit und einen schönen Tag noch!",
    goodbye: "Danke, gleichfalls. Tschüss!",
    ask_person: "Könnte ich vielleicht mit jemandem aus Ihrem Team sprechen?",
    transfer: "Natürlich. Ich verbinde Sie jetzt mit {to}. Bitte bleiben Sie dran.",
    colleague: "einem Kollegen",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::test_call;

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
    fn a_completed_call_greets_looks_up_the_load_and_says_goodbye() {
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

        let lookup = messages
            .iter()
            .position(|m| m.tool_calls.is_some())
            .unwrap();
        let tool_call = &messages[lookup].tool_calls.as_ref().unwrap()[0];
        assert_eq!(tool_call.call_type, "function");
        assert_eq!(tool_call.function.name, "find_load");
        let arguments: Value = serde_json::from_str(&tool_call.function.arguments).unwrap();
        assert_eq!(
            arguments,
            json!({"load_id": "LD-1042", "origin": "Dallas, TX", "phone_number": "+14155550199"})
        );
        let answer = &messages[lookup + 1];
        assert_eq!(answer.role, MessageRole::Tool);
        assert_eq!(answer.tool_call_id.as_deref(), Some(tool_call.id.as_str()));
        assert!(serde_json::from_str::<Value>(&answer.content).is_ok());

        let n = messages.len();
        assert!(
            n > 9,
            "the talk time is filled with exchanges: {:?}",
            roles(&messages)
        );
        assert_eq!(roles(&messages[n - 2..]), ["assistant", "user"]);
        assert!(messages[n - 2].content.contains("have a great day"));
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

    #[test]
    fn placeholders_are_filled_once() {
        assert_eq!(
            fill(
                "{agent} to {to} {x}",
                &[("{agent}", "{to}"), ("{to}", "Bo")]
            ),
            "{to} to Bo {x}"
        );
    }
}
