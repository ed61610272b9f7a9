//! The transcript: the steps of a conversation between the test and the program.
//!
//! Every test step that sends (`>`) or receives (`<`) is recorded with the peer it
//! happened on. A failing case prints the transcript, so a student sees the steps that
//! led to the failure; a passing case may snapshot it (after [`Normaliser`] has
//! replaced what varies from run to run) so the whole conversation is reviewed once.

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::{Arc, Mutex};

/// Which way a step went, seen from the test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// The test sent this to the program (`>`).
    Sent,
    /// The program sent this to the test (`<`).
    Received,
    /// The test started a program or opened a connection (`$`).
    Action,
    /// Something the test observed that is not data: a close, an exit, silence (`#`).
    Event,
}

impl Direction {
    /// The one-character marker printed in front of a step.
    pub fn marker(self) -> char {
        match self {
            Direction::Sent => '>',
            Direction::Received => '<',
            Direction::Action => '$',
            Direction::Event => '#',
        }
    }
}

/// One step of the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Who the test talked to: `server` (a program's stdin/stdout), `tcp#1` (a socket)…
    pub peer: String,
    /// Which way the data went.
    pub direction: Direction,
    /// The data, one line, with unprintable bytes escaped.
    pub text: String,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:>10} {} {}",
            self.peer,
            self.direction.marker(),
            self.text
        )
    }
}

/// The recorded steps, shared by every program and peer of one test case.
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    steps: Arc<Mutex<Vec<Step>>>,
}

impl Transcript {
    /// Appends a step.
    pub fn record(&self, peer: &str, direction: Direction, text: impl Into<String>) {
        let step = Step {
            peer: peer.to_string(),
            direction,
            text: text.into(),
        };
        self.steps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(step);
    }

    /// A copy of every step so far.
    pub fn steps(&self) -> Vec<Step> {
        self.steps.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Shows bytes as one readable line: valid UTF-8 as is, `\n`, `\r`, `\t` and other
/// control or invalid bytes escaped, so a transcript never breaks a terminal.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
                c => out.push(c),
            }
        }
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    out
}

/// How much of a long payload a transcript shows.
const SHOWN: usize = 120;

/// Cuts a long line of text for the transcript: a 64 KiB line would drown the steps.
pub fn shorten(text: &str) -> String {
    if text.chars().count() <= SHOWN * 2 {
        return text.to_string();
    }
    let head: String = text.chars().take(SHOWN).collect();
    format!("{head}… ({} bytes in all)", text.len())
}

/// Shows a payload of bytes in a transcript: escaped like [`escape`], and cut like
/// [`shorten`] when long. Only the part shown is escaped, so recording a megabyte
/// costs no more than recording a line.
pub fn describe(bytes: &[u8]) -> String {
    if bytes.len() <= SHOWN * 2 {
        return escape(bytes);
    }
    format!(
        "{}… ({} bytes in all)",
        escape(&bytes[..SHOWN]),
        bytes.len()
    )
}

/// Replaces what varies between runs (ports, clock times, temporary paths, inputs drawn
/// from the seed) with stable placeholders, so a transcript can be snapshotted.
#[derive(Debug, Clone)]
pub struct Normaliser {
    literals: Vec<(String, String)>,
    patterns: Vec<(Regex, String)>,
}

impl Default for Normaliser {
    fn default() -> Self {
        let builtin = [
            // An address with a port: the port is chosen by the OS on every run.
            (
                r"(127(?:\.\d{1,3}){3}|localhost|\[::1\]|0\.0\.0\.0):\d{1,5}",
                "$1:PORT",
            ),
            // A port given to nc, as the "by hand" lines show it.
            (r"(nc \S+) \d{1,5}\b", "$1 PORT"),
            // A port given on a command line.
            (r"--port \d{1,5}", "--port PORT"),
            // A clock time as C's ctime() prints it: `Sun Nov 22 03:10:00 2026`.
            (
                r"[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}",
                "<ctime>",
            ),
        ];
        let patterns = builtin
            .iter()
            .map(|(re, with)| (Regex::new(re).expect("built-in pattern"), with.to_string()))
            .collect();
        Normaliser {
            literals: Vec::new(),
            patterns,
        }
    }
}

impl Normaliser {
    /// Replaces every occurrence of `literal` (a varied input, a temp path) by `with`.
    pub fn replace_literal(&mut self, literal: impl Into<String>, with: impl Into<String>) {
        let literal = literal.into();
        if !literal.is_empty() {
            self.literals.push((literal, with.into()));
        }
    }

    /// Replaces every match of the regular expression `pattern` by `with` (`$1` works).
    pub fn replace_pattern(&mut self, pattern: &str, with: &str) -> Result<(), regex::Error> {
        self.patterns.push((Regex::new(pattern)?, with.to_string()));
        Ok(())
    }

    /// Normalises one line of text. Longer literals go first, so that a temporary path
    /// is replaced before a shorter varied word that happens to be inside it.
    pub fn apply(&self, text: &str) -> String {
        let mut literals: Vec<&(String, String)> = self.literals.iter().collect();
        literals.sort_by_key(|(literal, _)| std::cmp::Reverse(literal.len()));
        let mut out = text.to_string();
        for (literal, with) in literals {
            out = out.replace(literal.as_str(), with);
        }
        for (pattern, with) in &self.patterns {
            out = pattern.replace_all(&out, with.as_str()).into_owned();
        }
        out
    }

    /// Renders the transcript normalised, one step per line.
    pub fn render(&self, steps: &[Step]) -> String {
        let mut out = String::new();
        for step in steps {
            let step = Step {
                text: self.apply(&step.text),
                ..step.clone()
            };
            out.push_str(&step.to_string());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_keeps_text_and_shows_control_and_invalid_bytes() {
        assert_eq!(escape(b"hi there"), "hi there");
        assert_eq!(escape(b"a\r\n"), "a\\r\\n");
        assert_eq!(escape(b"\x00\xff!"), "\\u{0}\\xff!");
    }

    #[test]
    fn long_payloads_are_cut_and_short_ones_kept() {
        assert_eq!(describe(b"a\n"), "a\\n");
        let long = describe(&[b'x'; 70_000]);
        assert!(
            long.ends_with("… (70000 bytes in all)") && long.len() < 200,
            "{long}"
        );
        assert_eq!(shorten("hello"), "hello");
        assert!(shorten(&"y".repeat(1000)).ends_with("(1000 bytes in all)"));
    }

    #[test]
    fn normaliser_hides_ports_times_and_literals() {
        let mut n = Normaliser::default();
        n.replace_literal("/tmp/.tmpAbC", "<tmp>");
        n.replace_literal("otter-17", "<word1>");
        let line =
            "listening on 127.0.0.1:40123 [Sun Nov  2 03:10:00 2026] otter-17 /tmp/.tmpAbC/x";
        assert_eq!(
            n.apply(line),
            "listening on 127.0.0.1:PORT [<ctime>] <word1> <tmp>/x"
        );
    }

    #[test]
    fn steps_render_with_peer_and_marker() {
        let t = Transcript::default();
        t.record("server", Direction::Received, "listening on 127.0.0.1:5");
        t.record("tcp#1", Direction::Sent, "hello");
        let text = Normaliser::default().render(&t.steps());
        assert_eq!(
            text,
            "    server < listening on 127.0.0.1:PORT\n     tcp#1 > hello\n"
        );
    }
}
