//! How a verdict is printed: text for a student, JSON or JUnit for a CI system.
//! The explanation of a failing case comes from the harness (`render_failure`), so a
//! failure reads the same under `cargo test` and `cargo xtask check`.

use crate::Format;
use crate::grade::check::Target;
use harness::report::{CaseReport, SuiteReport};
use serde::Serialize;
use std::fmt::Write as _;
use xtask::manifest::Exercise;

/// How many different causes of failure are explained in full (one case each); the
/// rest are named in a line each, so the first failure stays on screen.
const EXPLAINED_CAUSES: usize = 3;

/// The verdict of a graded run in `format`.
pub fn verdict(
    exercise: &Exercise,
    target: &Target,
    suite: &SuiteReport,
    format: Format,
) -> String {
    match format {
        Format::Text => text(exercise, target, suite),
        Format::Json => json(exercise, target, suite),
        Format::Junit => junit(&exercise.id.to_string(), suite),
    }
}

/// Says that `id` could not be graded, for a CI system.
pub fn not_graded(id: &str, why: &str, format: Format) -> String {
    match format {
        Format::Json => {
            let value = serde_json::json!({ "exercise": id, "graded": false, "error": why });
            format!(
                "{}\n",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            )
        }
        _ => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"netlab\" tests=\"1\" errors=\"1\">\n  \
             <testsuite name=\"{id}\" tests=\"1\" errors=\"1\">\n    <testcase name=\"builds and runs\" classname=\"{id}\">\n      \
             <error message=\"{msg}\">{msg}</error>\n    </testcase>\n  </testsuite>\n</testsuites>\n",
            id = xml(id),
            msg = xml(why)
        ),
    }
}

/// What is being graded, in words.
fn graded_what(exercise: &Exercise, target: &Target) -> String {
    match target {
        Target::Exercise => format!("your exercise, {}", exercise.id.exercise_dir().display()),
        Target::Solution => format!(
            "the reference solution, {}",
            exercise.id.solution_dir().display()
        ),
        Target::Path(dir) => format!("the crate in {}", dir.display()),
    }
}

/// One line per case, then the failures explained, the hint, and what to do next.
fn text(exercise: &Exercise, target: &Target, suite: &SuiteReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} · {} · grading {}\n",
        exercise.id,
        exercise.title,
        graded_what(exercise, target)
    );
    for case in &suite.cases {
        let mark = match (case.passed, &case.skipped) {
            (true, Some(_)) => "-",
            (true, None) => "✓",
            (false, _) => "✗",
        };
        let _ = writeln!(out, "  {mark} {}", case.name);
    }
    let skipped: Vec<&CaseReport> = suite.cases.iter().filter(|c| c.skipped.is_some()).collect();
    for case in &skipped {
        let _ = writeln!(
            out,
            "\nSKIPPED on this machine: \"{}\": {}",
            case.name,
            case.skipped.as_deref().unwrap_or_default()
        );
    }
    let failed: Vec<&CaseReport> = suite.cases.iter().filter(|c| !c.passed).collect();
    let groups = by_cause(&failed);
    for group in groups.iter().take(EXPLAINED_CAUSES) {
        explain(&mut out, group);
    }
    let unexplained: usize = groups
        .iter()
        .skip(EXPLAINED_CAUSES)
        .map(|g| g.cases.len())
        .sum();
    if unexplained > 0 {
        let _ = writeln!(
            out,
            "\n({} not explained here: fix the ones above first)",
            plural_verb(
                unexplained,
                "more failing case is",
                "more failing cases are"
            )
        );
    }
    let passed = suite.cases.len() - failed.len();
    if failed.is_empty() && passed > 0 {
        let all = match (passed, skipped.len()) {
            (1, 0) => "The only case passes.".to_string(),
            (_, 0) => format!("All {passed} cases pass."),
            (_, skipped_count) => format!(
                "All {} pass, {} skipped: this machine could not run {}.",
                plural_verb(passed, "case", "cases"),
                plural_verb(skipped_count, "of them", "of them"),
                if skipped_count == 1 { "it" } else { "them" },
            ),
        };
        let _ = writeln!(out, "\n{all}");
        if *target != Target::Solution {
            let _ = writeln!(
                out,
                "Well done. Compare your code with the reference solution in {}/src/ \
                 and read its page, book/src/{}.",
                exercise.id.solution_dir().display(),
                exercise.book
            );
        }
    } else {
        let _ = writeln!(
            out,
            "\nhint: {}",
            exercise.first_hint().replace('\n', "\n      ")
        );
        if exercise.hints.len() > 1 {
            let _ = writeln!(
                out,
                "      (more: `cargo xtask hint {} --more`)",
                exercise.id
            );
        }
        let _ = writeln!(
            out,
            "\n{passed} of {} cases pass. Fix the first failure, then check again \
             (`cargo xtask watch {}` re-checks on every save).",
            suite.cases.len(),
            exercise.id
        );
    }
    out
}

/// Failing cases that share one root cause (see `CaseReport::cause`), in the order
/// their first case failed in the table.
struct Group<'a> {
    cause: String,
    cases: Vec<&'a CaseReport>,
}

/// Groups failing cases by cause: ten cases that all hit the same `todo!()` are one
/// problem, explained once.
fn by_cause<'a>(failed: &[&'a CaseReport]) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for case in failed {
        let cause = case.cause();
        match groups.iter_mut().find(|g| g.cause == cause) {
            Some(group) => group.cases.push(case),
            None => groups.push(Group {
                cause,
                cases: vec![case],
            }),
        }
    }
    groups
}

/// Explains the first case of a group in full, then names the others in one line.
fn explain(out: &mut String, group: &Group) {
    let first = group.cases[0];
    let _ = writeln!(out, "\n── ✗ {} ──", first.name);
    for line in first.render_failure().lines() {
        let _ = writeln!(out, "  {line}");
    }
    let others = group.cases.len() - 1;
    if others > 0 {
        let _ = writeln!(
            out,
            "\n  …and {} the same way: {}",
            plural_verb(others, "more case failed", "more cases failed"),
            group.cause
        );
    }
}

/// `1 more case failed`, `2 more cases failed`: a count with the right form.
fn plural_verb(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

/// The JSON verdict: totals, and every case with its explanation.
fn json(exercise: &Exercise, target: &Target, suite: &SuiteReport) -> String {
    #[derive(Serialize)]
    struct Verdict<'a> {
        exercise: String,
        graded: &'a str,
        passed: usize,
        total: usize,
        seed: u64,
        cases: Vec<Case<'a>>,
    }
    #[derive(Serialize)]
    struct Case<'a> {
        #[serde(flatten)]
        report: &'a CaseReport,
        /// The root cause, the same for cases that failed for the same reason.
        #[serde(skip_serializing_if = "String::is_empty")]
        cause: String,
        explanation: String,
    }
    let verdict = Verdict {
        exercise: exercise.id.to_string(),
        graded: match target {
            Target::Exercise => "exercise",
            Target::Solution => "solution",
            Target::Path(_) => "path",
        },
        passed: suite.cases.iter().filter(|c| c.passed).count(),
        total: suite.cases.len(),
        seed: suite.seed,
        cases: suite
            .cases
            .iter()
            .map(|report| Case {
                report,
                cause: if report.passed {
                    String::new()
                } else {
                    report.cause()
                },
                explanation: report.render_failure(),
            })
            .collect(),
    };
    format!(
        "{}\n",
        serde_json::to_string_pretty(&verdict).unwrap_or_default()
    )
}

/// The JUnit XML verdict that CI and autograding systems read.
fn junit(id: &str, suite: &SuiteReport) -> String {
    let failures = suite.cases.iter().filter(|c| !c.passed).count();
    let seconds = |millis: u64| millis as f64 / 1000.0;
    let total: u64 = suite.cases.iter().map(|c| c.millis).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"netlab\" tests=\"{}\" failures=\"{failures}\">",
        suite.cases.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" time=\"{:.3}\">",
        xml(id),
        suite.cases.len(),
        seconds(total)
    );
    for case in &suite.cases {
        let opening = format!(
            "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
            xml(&case.name),
            xml(id),
            seconds(case.millis)
        );
        match (&case.failure, &case.skipped) {
            (None, Some(why)) => {
                let _ = writeln!(
                    out,
                    "{opening}>\n      <skipped message=\"{}\"/>\n    </testcase>",
                    xml(why)
                );
            }
            (None, None) => {
                let _ = writeln!(out, "{opening}/>");
            }
            (Some(failure), _) => {
                let _ = writeln!(out, "{opening}>");
                let _ = writeln!(
                    out,
                    "      <failure message=\"{}\">{}</failure>",
                    xml(&failure.summary),
                    xml(&case.render_failure())
                );
                let _ = writeln!(out, "    </testcase>");
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Escapes text for XML attributes and content; drops characters XML cannot carry.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A suite of one passing and one skipped case.
    fn skipped_suite() -> (Exercise, SuiteReport) {
        let exercise = Exercise {
            id: "ch9-9".parse().unwrap(),
            title: "A test exercise".into(),
            book: "ch9/x.md".into(),
            source: String::new(),
            hints: vec!["a hint".into()],
        };
        let case = |name: &str, skipped: Option<&str>| CaseReport {
            name: name.into(),
            passed: true,
            skipped: skipped.map(str::to_string),
            millis: 1,
            failure: None,
            hints: Vec::new(),
            steps: Vec::new(),
            programs: Vec::new(),
            seed: 1,
        };
        let suite = SuiteReport {
            exercise: exercise.id,
            seed: 1,
            cases: vec![
                case("it answers", None),
                case(
                    "it tries the next address",
                    Some("it needs a hosts line (add it)"),
                ),
            ],
        };
        (exercise, suite)
    }

    #[test]
    fn a_skipped_case_is_said_loudly_in_every_format() {
        let (exercise, suite) = skipped_suite();
        let text = text(&exercise, &Target::Solution, &suite);
        assert!(text.contains("  - it tries the next address"), "{text}");
        assert!(
            text.contains(
                "SKIPPED on this machine: \"it tries the next address\": it needs a hosts line"
            ),
            "{text}"
        );
        assert!(
            text.contains("All 2 cases pass, 1 of them skipped"),
            "{text}"
        );
        let xml = junit("ch9-9", &suite);
        assert!(
            xml.contains("<skipped message=\"it needs a hosts line (add it)\"/>"),
            "{xml}"
        );
    }

    #[test]
    fn xml_escapes_markup_and_drops_control_characters() {
        assert_eq!(super::xml("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
