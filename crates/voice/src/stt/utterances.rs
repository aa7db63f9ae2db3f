//! pocketsphinx_continuous's output with `-time yes`: per utterance a hypothesis line, then
//! one `word start end confidence` line per word, from `<s>` to `</s>`.

use super::Heard;

#[derive(Debug, Default)]
pub(super) struct UtteranceParser {
    words: Vec<TimedWord>,
}

#[derive(Debug)]
struct TimedWord {
    word: String,
    start_secs: f64,
    end_secs: f64,
}

impl UtteranceParser {
    /// The utterance this line completes, if any.
    pub(super) fn line(&mut self, line: &str) -> Option<Heard> {
        let Some(word) = timed_word(line) else {
            // A hypothesis line starts the next utterance; an unfinished one before it ends.
            return self.end();
        };
        let ends_utterance = word.word == "</s>";
        self.words.push(word);
        if ends_utterance { self.end() } else { None }
    }

    /// The utterance in progress, if it has any real words.
    pub(super) fn end(&mut self) -> Option<Heard> {
        let words: Vec<TimedWord> = self
            .words
            .drain(..)
            .filter(|timed| is_real_word(&timed.word))
            .collect();
        let (first, last) = (words.first()?, words.last()?);
        let text: Vec<&str> = words.iter().map(|timed| spelling(&timed.word)).collect();
        Some(Heard {
            text: text.join(" "),
            start_secs: first.start_secs,
            end_secs: last.end_secs,
        })
    }
}

fn timed_word(line: &str) -> Option<TimedWord> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let [word, start, end, confidence] = fields[..] else {
        return None;
    };
    confidence.parse::<f64>().ok()?;
    Some(TimedWord {
        word: word.to_owned(),
        start_secs: start.parse().ok()?,
        end_secs: end.parse().ok()?,
    })
}

/// Not sentence marks (`<s>`, `</s>`), silence (`<sil>`) or fillers (`[NOISE]`, `++UH++`).
fn is_real_word(word: &str) -> bool {
    !word.is_empty() && !word.starts_with(['<', '[', '+'])
}

/// `to(2)` is the dictionary's second pronunciation of `to`.
fn spelling(word: &str) -> &str {
    match word.split_once('(') {
        Some((spelling, _)) if word.ends_with(')') => spelling,
        _ => word,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(output: &str) -> Vec<Heard> {
        let mut parser = UtteranceParser::default();
        let mut heard: Vec<Heard> = output
            .lines()
            .filter_map(|line| parser.line(line))
            .collect();
        heard.extend(parser.end());
        heard
    }

    #[test]
    fn utterances_end_with_their_sentence_mark() {
        let output = "i will call you tomorrow\n<s> 0.880 1.000 0.999700\ni 1.010 1.200 0.95\n\
                      <sil> 1.21 1.3 1.0\nwill 1.31 1.5 0.9\ncall 1.51 1.8 0.9\nyou 1.81 1.9 0.8\n\
                      to(2) 1.91 2.0 0.7\nmorrow 2.01 2.62 0.5\n</s> 2.630 2.970 1.000000\n";
        assert_eq!(
            parse(output),
            vec![Heard {
                text: "i will call you to morrow".into(),
                start_secs: 1.01,
                end_secs: 2.62,
            }]
        );
    }

    #[test]
    fn fillers_alone_are_not_an_utterance() {
        let output = "\n<s> 0.1 0.2 1.0\n[NOISE] 0.2 0.5 1.0\n<sil> 0.5 0.6 1.0\n</s> 0.6 0.7 1.0\n\
                      yes\n<s> 3.0 3.1 1.0\nyes 3.1 3.4 0.9\n";
        let heard = parse(output);
        assert_eq!(heard.len(), 1, "{heard:?}");
        assert_eq!(heard[0].text, "yes");
        assert_eq!((heard[0].start_secs, heard[0].end_secs), (3.1, 3.4));
    }
}
