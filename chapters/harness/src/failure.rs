//! Why a test case failed, in words a student can act on.
//!
//! Every harness call that can fail returns a [`Failure`]: a plain sentence, and where
//! it helps, what was expected beside what actually happened. The runner adds the
//! transcript and the program's own output around it (see `report`).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A failed expectation: what went wrong, and what was expected instead of what came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// How the program fell short, so a case shows only the hints that fit.
    pub kind: Kind,
    /// One plain sentence: "expected a line on the server's stdout within 2s, but…".
    pub summary: String,
    /// What the test expected to see, when there is one thing to compare.
    pub expected: Option<String>,
    /// What the program did instead.
    pub actual: Option<String>,
}

/// How a program fell short of a step. A case's hint can be tied to one kind
/// ([`crate::Case::hint_if`]): "the classic half-duplex bug" fits a client that never
/// printed the line, not one that printed it with the wrong prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Nothing came within the deadline (a line, a connection, an exit) while the
    /// program kept running.
    Timeout,
    /// Something came, but not what was expected (a different line, status or file).
    Mismatch,
    /// The program closed the connection or its stdout, or exited, before what was
    /// expected came.
    Closed,
    /// The program crashed: a panic (a `todo!()` included) or a signal. Set by the
    /// runner whenever a program of the case panicked, whatever step noticed it.
    Crashed,
    /// The program was not there to talk to: a connection refused, or a program that
    /// never said where it listens.
    Unreachable,
    /// The program reset a connection instead of closing it.
    Reset,
    /// The machine lacks what the case needs (a hosts entry, a second file system):
    /// not the program's fault. The case is skipped, loudly, unless the run requires
    /// every case ([`REQUIRE_ALL_VAR`], or `CI=true`), where it fails.
    Skipped,
    /// Anything else, including trouble of the test's own.
    Other,
}

/// Set to `1` to make a case that the machine cannot run fail instead of skip; CI
/// (`CI=true`) always does.
pub const REQUIRE_ALL_VAR: &str = "NETLAB_REQUIRE_ALL";

/// Whether this run must run every case: under CI, or when asked.
pub fn every_case_required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var(REQUIRE_ALL_VAR).is_ok_and(|v| v == "1")
}

impl Failure {
    /// A failure described by one sentence.
    pub fn new(summary: impl Into<String>) -> Self {
        Failure {
            kind: Kind::Other,
            summary: summary.into(),
            expected: None,
            actual: None,
        }
    }

    /// A failure with the expected and the actual value side by side.
    pub fn mismatch(
        summary: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Self {
        Failure {
            kind: Kind::Mismatch,
            summary: summary.into(),
            expected: Some(expected.into()),
            actual: Some(actual.into()),
        }
    }

    /// A case this machine cannot run: `needs` says what is missing, `how` how to add
    /// it. See [`Kind::Skipped`].
    pub fn needs_setup(needs: impl AsRef<str>, how: impl AsRef<str>) -> Self {
        Failure::new(format!(
            "this machine cannot run the case: it needs {} ({})",
            needs.as_ref(),
            how.as_ref()
        ))
        .kind(Kind::Skipped)
    }

    /// The same failure, classified as `kind`.
    pub fn kind(self, kind: Kind) -> Self {
        Failure { kind, ..self }
    }

    /// The same failure, saying what was expected.
    pub fn expecting(self, expected: impl Into<String>) -> Self {
        Failure {
            expected: Some(expected.into()),
            ..self
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.summary)
    }
}

/// Lets a test use `?` on I/O that is the test's own business (a temp file, a socket
/// option): if that fails, the case fails with the reason instead of a panic.
impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        Failure::new(format!("the test itself hit an I/O error: {error}"))
    }
}

/// The result of one step of a test.
pub type Outcome<T = ()> = Result<T, Failure>;

/// Fails the case with `summary` unless `condition` holds.
pub fn ensure(condition: bool, summary: impl Into<String>) -> Outcome {
    if condition {
        Ok(())
    } else {
        Err(Failure::new(summary))
    }
}

/// Fails the case with `summary` as a [`Kind::Mismatch`] unless `condition` holds: what
/// the program did is not what it should have done, so the case's hints for a
/// mismatch apply. ([`ensure`] is for everything else: its failures are
/// [`Kind::Other`].)
pub fn expect_that(condition: bool, summary: impl Into<String>) -> Outcome {
    ensure(condition, summary).map_err(|failure| failure.kind(Kind::Mismatch))
}

/// Checks `line` matches `pattern` as a whole; the failure shows `what` was expected.
pub fn check_match(line: &str, pattern: &str, what: &str) -> Outcome {
    let anchored = format!("^(?:{pattern})$");
    let regex = regex::Regex::new(&anchored)
        .map_err(|e| Failure::new(format!("the test's pattern {pattern:?} is invalid: {e}")))?;
    if regex.is_match(line) {
        Ok(())
    } else {
        Err(Failure::mismatch(
            "the line is not what was expected",
            what,
            line,
        ))
    }
}
