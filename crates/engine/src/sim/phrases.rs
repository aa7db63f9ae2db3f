//! What the simulated callee and the scripted agent say, in each language the agent speaks.

use switchyard_core::enums::Language;

/// One language's lines. Placeholders: `{agent}`, `{use_case}`, `{subject}`, `{facts}`,
/// `{to}`.
pub(crate) struct Phrases {
    pub greeting: &'static str,
    pub subject_default: &'static str,
    /// The callee's go-ahead after the greeting.
    pub ready: &'static str,
    /// The agent, before it calls a tool.
    pub checking: &'static str,
    /// The agent confirms the details when it has no tool to call.
    pub found: &'static str,
    /// The agent quotes a tool's answer (`{facts}`).
    pub answer: &'static str,
    /// The agent, when a tool gave no answer.
    pub tool_failed: &'static str,
    /// Questions from the callee and the scripted agent's answers, asked in turn.
    pub exchanges: &'static [(&'static str, &'static str)],
    /// The callee's decision at the end of a completed call.
    pub agree: &'static str,
    pub decline: &'static str,
    /// The agent's goodbye after the callee agreed, or declined.
    pub closing: &'static str,
    pub closing_declined: &'static str,
    pub goodbye: &'static str,
    /// The agent, on a real line, when the far end has been silent a while.
    pub reminder: &'static str,
    /// The agent's last words when reminders went unanswered.
    pub farewell: &'static str,
    pub ask_person: &'static str,
    pub transfer: &'static str,
    pub colleague: &'static str,
}

/// Every language's lines, for reading a conversation in any of them.
pub(crate) const ALL: [&Phrases; 5] = [&ENGLISH, &SPANISH, &PORTUGUESE, &FRENCH, &GERMAN];

pub(crate) fn phrases(language: Language) -> &'static Phrases {
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
    found: "Thanks for waiting. I have the details here, and everything is confirmed on our side.",
    answer: "Thanks for waiting. Here is what I have: {facts}.",
    tool_failed: "Sorry, I can't reach our system right now, so I'll confirm the details by email.",
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
    closing_declined: "Understood, thanks for letting me know. Have a great day!",
    agree: "That works for me. Let's book it.",
    decline: "Thanks, but I'll pass on this one.",
    goodbye: "Thanks, you too. Bye!",
    reminder: "Are you still there?",
    farewell: "I can't hear you, so I'll try again later. Goodbye.",
    ask_person: "Actually, could I speak with someone on your team?",
    transfer: "Of course. I'm transferring you now to {to}. Please stay on the line.",
    colleague: "a colleague",
};

const SPANISH: Phrases = Phrases {
    greeting: "Hola, soy {agent} del equipo {use_case}. Le llamo por {subject}. ¿Tiene un minuto?",
    subject_default: "su envío",
    ready: "Sí, claro, dígame.",
    checking: "Perfecto, déjeme revisar los detalles, un momento.",
    found: "Gracias por esperar. Tengo los detalles aquí y todo está confirmado por nuestra parte.",
    answer: "Gracias por esperar. Esto es lo que tengo: {facts}.",
    tool_failed: "Disculpe, ahora mismo no puedo acceder a nuestro sistema, así que le confirmo los detalles por correo.",
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
    closing_declined: "Entendido, gracias por avisarme. ¡Que tenga un buen día!",
    agree: "Me parece bien. Vamos a reservarla.",
    decline: "Gracias, pero esta vez paso.",
    goodbye: "Gracias, igualmente. ¡Adiós!",
    reminder: "¿Sigue ahí?",
    farewell: "No le escucho, volveré a llamar más tarde. Adiós.",
    ask_person: "Oiga, ¿podría hablar con alguien de su equipo?",
    transfer: "Claro. Le transfiero ahora con {to}. Por favor, no cuelgue.",
    colleague: "un compañero",
};

const PORTUGUESE: Phrases = Phrases {
    greeting: "Olá, fala {agent}, da equipa {use_case}. É sobre {subject}. Tem um minuto?",
    subject_default: "o seu envio",
    ready: "Claro, diga.",
    checking: "Ótimo, deixe-me ver os detalhes, um momento.",
    found: "Obrigado por aguardar. Tenho aqui os detalhes e está tudo confirmado da nossa parte.",
    answer: "Obrigado por aguardar. Eis o que tenho: {facts}.",
    tool_failed: "Desculpe, neste momento não consigo aceder ao nosso sistema, por isso confirmo os detalhes por e-mail.",
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
    closing_declined: "Entendido, obrigado por avisar. Tenha um bom dia!",
    agree: "Parece-me bem. Vamos reservar.",
    decline: "Obrigado, mas desta vez passo.",
    goodbye: "Obrigado, igualmente. Adeus!",
    reminder: "Ainda está aí?",
    farewell: "Não o consigo ouvir, ligarei mais tarde. Adeus.",
    ask_person: "Já agora, posso falar com alguém da vossa equipa?",
    transfer: "Claro. Vou transferi-lo agora para {to}. Por favor, não desligue.",
    colleague: "um colega",
};

const FRENCH: Phrases = Phrases {
    greeting: "Bonjour, ici {agent} de l'équipe {use_case}. Je vous appelle au sujet de {subject}. Avez-vous une minute ?",
    subject_default: "votre envoi",
    ready: "Oui, bien sûr, allez-y.",
    checking: "Parfait, je consulte les détails, un instant.",
    found: "Merci de votre patience. J'ai les détails sous les yeux, et tout est confirmé de notre côté.",
    answer: "Merci de votre patience. Voici ce que j'ai : {facts}.",
    tool_failed: "Désolé, je n'arrive pas à joindre notre système pour l'instant, je vous confirme les détails par e-mail.",
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
    closing_declined: "Entendu, merci de me l'avoir dit. Bonne journée !",
    agree: "Ça me convient. Réservons-le.",
    decline: "Merci, mais je vais passer mon tour.",
    goodbye: "Merci, vous aussi. Au revoir !",
    reminder: "Vous êtes toujours là ?",
    farewell: "Je ne vous entends pas, je rappellerai plus tard. Au revoir.",
    ask_person: "Au fait, pourrais-je parler à quelqu'un de votre équipe ?",
    transfer: "Bien sûr. Je vous transfère maintenant vers {to}. Merci de rester en ligne.",
    colleague: "un collègue",
};

const GERMAN: Phrases = Phrases {
    greeting: "Hallo, hier ist {agent} vom Team {use_case}. Es geht um {subject}. Haben Sie kurz Zeit?",
    subject_default: "Ihre Sendung",
    ready: "Ja, klar, legen Sie los.",
    checking: "Prima, ich schaue mir kurz die Details an, einen Moment.",
    found: "Danke fürs Warten. Ich habe die Details hier, und bei uns ist alles bestätigt.",
    answer: "Danke fürs Warten. Das habe ich gefunden: {facts}.",
    tool_failed: "Entschuldigung, ich erreiche unser System gerade nicht, deshalb bestätige ich die Details per E-Mail.",
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
    closing_declined: "Verstanden, danke für die Rückmeldung. Einen schönen Tag noch!",
    agree: "Das passt für mich. Buchen wir es.",
    decline: "Danke, aber da passe ich.",
    goodbye: "Danke, gleichfalls. Tschüss!",
    reminder: "Sind Sie noch da?",
    farewell: "Ich kann Sie nicht hören, ich rufe später wieder an. Auf Wiederhören.",
    ask_person: "Könnte ich vielleicht mit jemandem aus Ihrem Team sprechen?",
    transfer: "Natürlich. Ich verbinde Sie jetzt mit {to}. Bitte bleiben Sie dran.",
    colleague: "einem Kollegen",
};
