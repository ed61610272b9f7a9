//! Advice after a passing verdict: clippy's findings on the student's code for the
//! few lints that matter in network code.
//!
//! Some mistakes pass every loopback test and lose data on a real network: a `write`
//! whose byte count is ignored sends all of a small message on loopback, and part of
//! it on a busy link. No black-box case can force a short write reliably, but clippy
//! sees the ignored count in the source. So once every case passes, `check` asks
//! clippy about exactly these lints and prints what it finds as advice; the verdict
//! itself stays the tests'.

use std::io::IsTerminal;
use std::path::Path;
use std::process::Stdio;

/// A lint asked about: its name, the words of clippy's message, and why it matters.
pub struct Lint {
    /// The lint's name for `-W`.
    pub name: &'static str,
    /// What clippy's message says (its short format does not name the lint).
    pub message: &'static str,
    /// Why it matters on a network, for the student.
    pub why: &'static str,
}

/// The lints asked about.
pub const LINTS: &[Lint] = &[
    Lint {
        name: "clippy::unused_io_amount",
        message: "amount is not handled",
        why: "a `read` or `write` whose byte count is ignored: on a real network it may move \
              only part of the buffer (use read_exact / write_all, or loop on the count)",
    },
    Lint {
        name: "clippy::read_zero_byte_vec",
        message: "reading zero byte data",
        why: "a read into an empty Vec reads nothing: give the buffer a length first",
    },
];

/// Runs clippy on `package` with only [`LINTS`] enabled and returns its findings, one
/// short line each; none when the code is clean or clippy cannot run (the verdict
/// does not depend on it).
pub fn findings(root: &Path, package: &str) -> Vec<String> {
    let mut command = crate::grade::cargo::cargo(root);
    command.args([
        "clippy",
        "--quiet",
        "--package",
        package,
        "--message-format=short",
        "--",
        // Quiet the rest: the advice is about these lints only.
        "-A",
        "clippy::all",
        "-A",
        "unused",
    ]);
    for lint in LINTS {
        command.args(["-W", lint.name]);
    }
    let Ok(output) = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
    else {
        return Vec::new();
    };
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| LINTS.iter().any(|lint| line.contains(lint.message)))
        .map(str::to_string)
        .collect()
}

/// [`findings`], with a passing note on a terminal while clippy works: the first time
/// it checks the exercise's dependencies, which takes some seconds.
pub fn ask(root: &Path, package: &str) -> Vec<String> {
    let terminal = std::io::stderr().is_terminal();
    if terminal {
        eprint!("(asking clippy about mistakes the tests cannot see…)");
    }
    let found = findings(root, package);
    if terminal {
        // Erase the note: carriage return, then clear the line.
        eprint!("\r\x1b[2K");
    }
    found
}

/// The advice block printed under a passing verdict, or nothing if clippy found
/// nothing.
pub fn render(findings: &[String]) -> String {
    if findings.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "\nadvice: the tests pass, but clippy sees code that can lose data on a real network:\n",
    );
    for finding in findings {
        out.push_str(&format!("  {finding}\n"));
    }
    for lint in LINTS {
        if findings.iter().any(|f| f.contains(lint.message)) {
            out.push_str(&format!(
                "  ({}: {})\n",
                lint.name.trim_start_matches("clippy::"),
                lint.why
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_is_shown_with_why_it_matters() {
        let advice = render(&["src/chat.rs:5:5: warning: written amount is not handled".into()]);
        assert!(advice.contains("src/chat.rs:5:5"), "{advice}");
        assert!(
            advice.contains("unused_io_amount: a `read` or `write`"),
            "{advice}"
        );
        assert_eq!(render(&[]), "");
    }
}
