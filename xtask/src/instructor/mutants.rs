//! `cargo xtask mutants [ID]`: proves the power of the tests with the bug catalogue.
//!
//! Each exercise has a catalogue of plausible buggy programs, written the way students
//! write them, next to its tests: `chapters/chN/bugs/chN-M/NAME.patch`, a unified diff
//! against the reference solution's folder, after a header of `# ` lines:
//!
//! ```text
//! # One read taken as one message: prints whatever one read returns as a line.
//! # class: boundaries
//! # caught-by: a message split across writes is still one message
//! # says: one line per
//! ```
//!
//! For every patch, the solution's `Cargo.toml` and `src/` are copied to
//! `target/netlab/mutants/ID-NAME/` (one folder per bug, reused, so a rerun rebuilds
//! nothing that did not change), the patch is applied, and the copy is graded exactly
//! as `cargo xtask check ID --path DIR` grades it. The bug is *caught* when the case
//! named by `caught-by:` fails and its explanation contains the `says:` text: the
//! grader not only rejects the program, it names the real mistake.
//!
//! Patches are applied by `git apply` (outside any repository it acts like
//! `patch -p1`): it takes the catalogue's diffs as `diff -ru` and `git diff` write
//! them, several files in one patch included, skips the header as the text before the
//! diff, refuses paths that leave the folder, and says precisely which hunk does not
//! apply. git is already required by the course (`reset`), so it costs no dependency.

use crate::files::{paths, tree};
use crate::grade::cargo::NameLock;
use crate::grade::check::{self, NotGraded, Target};
use crate::instructor::layout::Rule;
use harness::report::{CaseReport, SuiteReport};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use toml::{Table, Value};
use xtask::manifest::{Exercise, Manifest};

/// The classes a bug may belong to (the `class:` header line), as the catalogue's
/// format defines them.
pub const CLASSES: [&str; 11] = [
    "classic",
    "boundaries",
    "addresses",
    "datagrams",
    "connection-ends",
    "interleaving",
    "concurrency",
    "size",
    "files",
    "output",
    "errors",
];

/// How many bugs are tried at once.
const WORKERS: usize = 2;

/// The fewest bugs an exercise's catalogue may hold (`verify` requires it).
pub const MIN_BUGS: usize = 5;

/// One catalogued bug: where its patch is and what its header promises.
#[derive(Debug, Clone)]
pub struct Bug {
    /// The patch file.
    pub file: PathBuf,
    /// The file's name without `.patch`: the mistake in a few words, kebab-case.
    pub name: String,
    /// What the student did wrong, in one sentence (the header's first line).
    pub sentence: String,
    /// One of [`CLASSES`].
    pub class: String,
    /// The name of the case that must fail.
    pub caught_by: String,
    /// Text that the failing case's explanation must contain.
    pub says: String,
}

/// What trying one bug found.
#[derive(Debug)]
pub enum Verdict {
    /// The named case failed and said the expected words; holds the explanation's
    /// first line.
    Caught(String),
    /// The tests let the bug through, or rejected it without naming the mistake; holds
    /// why, in a sentence.
    Missed(String),
    /// The bug could not be tried (a broken header, a patch that does not apply, a
    /// program that does not compile): the catalogue must be fixed.
    Error(String),
    /// The case that catches it could not run on this machine (it lacks what the case
    /// needs, see `harness::Kind::Skipped`); holds why. Said loudly, not a failure:
    /// under `CI=true` the case fails instead, and the bug is judged as usual.
    Skipped(String),
}

/// A bug and its verdict, with how long trying it took.
struct Tried {
    bug: Result<Bug, String>,
    file: PathBuf,
    verdict: Verdict,
    took: Duration,
}

/// The handler of `cargo xtask mutants [ID] [--catalogue DIR]`: exit 0 when every bug
/// is caught, 1 when some are missed, 2 when some could not be tried.
pub fn run(root: &Path, id: Option<&str>, catalogue: &Path) -> ExitCode {
    let exercises = match exercises(root, id) {
        Ok(exercises) => exercises,
        Err(why) => {
            eprintln!("error: {why}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    crate::grade::cargo::quiet_builds(true);
    let mut all: Vec<Tried> = Vec::new();
    for exercise in &exercises {
        let tried = try_exercise(root, catalogue, exercise, true);
        print_exercise_total(root, catalogue, exercise, &tried);
        all.extend(tried);
    }
    print_total(&all, exercises.len(), started.elapsed());
    exit_code(&all)
}

/// The exercises to try: `id`'s, or every one of the manifest.
fn exercises(root: &Path, id: Option<&str>) -> Result<Vec<Exercise>, String> {
    let manifest = Manifest::load(root).map_err(|e| e.to_string())?;
    match id {
        Some(id) => Ok(vec![manifest.get(id).map_err(|e| e.to_string())?.clone()]),
        None => Ok(manifest.exercises),
    }
}

/// `verify`'s rule: every exercise has at least [`MIN_BUGS`] catalogued bugs, and
/// every catalogued bug is caught. Each problem names the bug or the exercise.
pub fn every_bug_is_caught(root: &Path, manifest: &Manifest) -> Rule {
    let catalogue = root.join("chapters");
    crate::grade::cargo::quiet_builds(true);
    let rule = catalogue_is_caught(root, &catalogue, manifest);
    crate::grade::cargo::quiet_builds(false);
    rule
}

/// [`every_bug_is_caught`], its builds quiet.
fn catalogue_is_caught(root: &Path, catalogue: &Path, manifest: &Manifest) -> Rule {
    let mut problems = Vec::new();
    for exercise in &manifest.exercises {
        let tried = try_exercise(root, catalogue, exercise, false);
        if tried.len() < MIN_BUGS {
            problems.push(format!(
                "{}: {} catalogued, at least {MIN_BUGS} needed: add them as {}/NAME.patch",
                exercise.id,
                count(tried.len(), "bug is", "bugs are"),
                paths::shown(root, &bugs_dir(catalogue, exercise))
            ));
        }
        for tried in tried {
            match &tried.verdict {
                Verdict::Caught(_) => {}
                Verdict::Skipped(why) => eprintln!(
                    "SKIPPED: {} {}: {why}",
                    exercise.id,
                    paths::shown(root, &tried.file)
                ),
                Verdict::Missed(why) | Verdict::Error(why) => problems.push(format!(
                    "{} {}: {why}",
                    exercise.id,
                    paths::shown(root, &tried.file)
                )),
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Tries every bug catalogued for `exercise`, printing a line each if `show`.
fn try_exercise(root: &Path, catalogue: &Path, exercise: &Exercise, show: bool) -> Vec<Tried> {
    let files = match patch_files(&bugs_dir(catalogue, exercise)) {
        Ok(files) => files,
        Err(why) => {
            let file = bugs_dir(catalogue, exercise);
            let tried = Tried {
                bug: Err(why.clone()),
                file,
                verdict: Verdict::Error(why),
                took: Duration::ZERO,
            };
            if show {
                print_tried(exercise, &tried);
            }
            return vec![tried];
        }
    };
    // Two bugs at a time: while one compiles (cargo holds the build folder), the
    // other's tests run. Lines are printed in the catalogue's order all the same.
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Option<Tried>>> = Mutex::new(files.iter().map(|_| None).collect());
    let printed = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                loop {
                    let at = next.fetch_add(1, Ordering::SeqCst);
                    let Some(file) = files.get(at) else { break };
                    let tried = try_file(root, exercise, file);
                    let mut done = done.lock().unwrap_or_else(|e| e.into_inner());
                    done[at] = Some(tried);
                    // Print every bug whose turn has come, in order.
                    while let Some(Some(tried)) = done.get(printed.load(Ordering::SeqCst)) {
                        if show {
                            print_tried(exercise, tried);
                        }
                        printed.fetch_add(1, Ordering::SeqCst);
                    }
                }
            });
        }
    });
    done.into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .flatten()
        .collect()
}

/// Reads and tries the bug in one patch file.
fn try_file(root: &Path, exercise: &Exercise, file: &Path) -> Tried {
    let started = Instant::now();
    let bug = read_bug(file);
    let verdict = match &bug {
        Ok(bug) => try_twice_if_missed(root, exercise, bug),
        Err(why) => Verdict::Error(why.clone()),
    };
    Tried {
        bug,
        file: file.to_path_buf(),
        verdict,
        took: started.elapsed(),
    }
}

/// The folder of `exercise`'s catalogue: `CATALOGUE/chN/bugs/chN-M`.
fn bugs_dir(catalogue: &Path, exercise: &Exercise) -> PathBuf {
    catalogue
        .join(exercise.id.test_package())
        .join("bugs")
        .join(exercise.id.to_string())
}

/// The `.patch` files in `dir`, sorted; none when the folder does not exist yet.
fn patch_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot list {}: {e}", dir.display())),
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "patch"))
        .collect();
    files.sort();
    Ok(files)
}

/// Reads a patch file's name and header, or says what is wrong with them.
pub fn read_bug(file: &Path) -> Result<Bug, String> {
    let shown = file.display();
    let name = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(format!(
            "{shown}: the name must be the mistake in kebab-case (a-z, 0-9, -), like \
             one-read-one-message.patch: rename the file"
        ));
    }
    let text =
        std::fs::read_to_string(file).map_err(|e| format!("{shown}: cannot read it: {e}"))?;
    let bug = parse_header(&name, &text).map_err(|why| format!("{shown}: {why}"))?;
    Ok(Bug {
        file: file.to_path_buf(),
        ..bug
    })
}

/// The header of a patch: its leading `# ` lines, the sentence first, then `class:`,
/// `caught-by:` and `says:`, each once. Values are taken as typed: `says: per \n` looks
/// for a backslash and an `n`. (The returned bug's `file` is filled in by the caller.)
fn parse_header(name: &str, text: &str) -> Result<Bug, String> {
    let header: Vec<&str> = text
        .lines()
        .take_while(|line| line.starts_with('#'))
        .map(|line| line.trim_start_matches('#').trim())
        .collect();
    let Some((sentence, keyed)) = header.split_first() else {
        return Err(
            "the header is missing: start the file with `# ` lines: a sentence saying what \
             the student did wrong, then `# class: …`, `# caught-by: CASE`, `# says: TEXT`"
                .to_string(),
        );
    };
    if sentence.is_empty() || key_of(sentence).is_some() {
        return Err(
            "the header's first line must be a sentence saying what the student did wrong"
                .to_string(),
        );
    }
    let mut found: [Option<String>; 3] = [None, None, None];
    for line in keyed {
        let (key, value) = key_of(line).ok_or_else(|| {
            format!(
                "the header line `# {line}` is not `class:`, `caught-by:` or `says:` (only \
                 the first line is free text)"
            )
        })?;
        let slot = &mut found[key];
        if slot.is_some() {
            return Err(format!("the header has `{}` twice", KEYS[key]));
        }
        *slot = Some(value.to_string());
    }
    let [class, caught_by, says] = found;
    let missing = |key: usize| {
        format!(
            "the header has no `# {}` line: {}",
            KEYS[key], KEY_MEANINGS[key]
        )
    };
    let class = class.ok_or_else(|| missing(0))?;
    if !CLASSES.contains(&class.as_str()) {
        return Err(format!(
            "`class: {class}` is not a class of the catalogue: use one of {}",
            CLASSES.join(", ")
        ));
    }
    Ok(Bug {
        file: PathBuf::new(),
        name: name.to_string(),
        sentence: sentence.to_string(),
        class,
        caught_by: caught_by.ok_or_else(|| missing(1))?,
        says: says.ok_or_else(|| missing(2))?,
    })
}

/// The header's keys, in the order of `parse_header`'s slots.
const KEYS: [&str; 3] = ["class:", "caught-by:", "says:"];

/// What each key must hold, for the message when it is missing.
const KEY_MEANINGS: [&str; 3] = [
    "the kind of mistake (classic, boundaries, …)",
    "the exact name of the case that must fail",
    "a short text the failing case's explanation must contain",
];

/// The slot and the non-empty value of a `key: value` header line.
fn key_of(line: &str) -> Option<(usize, &str)> {
    KEYS.iter().enumerate().find_map(|(slot, key)| {
        let value = line.strip_prefix(key)?.trim();
        (!value.is_empty()).then_some((slot, value))
    })
}

/// Tries `bug`, and once more (fresh seed) if it was missed: a bug that hinges on how
/// threads meet (a lock held across a read, a `select!` that drops half a line) can
/// slip through one grading by chance, and one lucky run must not fail `verify`. A bug
/// missed twice is missed; one caught on the second try says so in its line.
fn try_twice_if_missed(root: &Path, exercise: &Exercise, bug: &Bug) -> Verdict {
    match try_bug(root, exercise, bug, Only::TheCase) {
        Verdict::Missed(first) => match try_bug(root, exercise, bug, Only::Everything) {
            Verdict::Caught(line) => {
                Verdict::Caught(format!("{line} (on the second try; the first: {first})"))
            }
            other => other,
        },
        verdict => verdict,
    }
}

/// Which cases a try runs.
#[derive(Clone, Copy)]
enum Only {
    /// The bug's `caught-by` case alone: all a catch needs, and much faster.
    TheCase,
    /// The whole suite: a second try also says which cases did fail instead.
    Everything,
}

/// Applies `bug` to a copy of the solution, grades the copy and judges the verdict.
fn try_bug(root: &Path, exercise: &Exercise, bug: &Bug, only: Only) -> Verdict {
    let folder = paths::scratch_dir(root)
        .join("mutants")
        .join(format!("{}-{}", exercise.id, bug.name));
    // Two runs trying the same bug at once would write over each other's copy.
    let _held = match NameLock::acquire(root, &format!("mutant-{}-{}", exercise.id, bug.name)) {
        Ok(held) => held,
        Err(e) => {
            return Verdict::Error(format!("cannot take the lock on {}: {e}", folder.display()));
        }
    };
    if let Err(why) = copy_solution(root, exercise, &folder, &bug.name) {
        return Verdict::Error(why);
    }
    if let Err(why) = apply(&bug.file, &paths::shown(root, &bug.file), &folder) {
        return Verdict::Error(why);
    }
    let target = Target::Path(folder.clone());
    let graded = match only {
        Only::TheCase => check::grade_case(root, exercise, &target, &bug.caught_by),
        Only::Everything => check::grade(root, exercise, &target, None),
    };
    match graded {
        Ok(suite) => judge(&suite, bug),
        Err(NotGraded::Build(why)) => Verdict::Error(format!(
            "the patched solution does not compile ({why}): a catalogued bug must build, so \
             the tests can reject it (cargo printed the errors above; the copy is in {})",
            folder.display()
        )),
        Err(why) => Verdict::Error(format!("the patched solution could not be graded: {why}")),
    }
}

/// Makes `folder` the reference solution's `Cargo.toml` and `src/`, as shipped.
///
/// The package is renamed after the bug (`ch2-8-solution-mutant-NAME`): cargo keeps one
/// build per package name in `target/external`, so with its own name each bug keeps
/// its own build, and trying the catalogue again recompiles nothing. The program is
/// graded the same way whatever its name (`--path` accepts any package).
fn copy_solution(
    root: &Path,
    exercise: &Exercise,
    folder: &Path,
    name: &str,
) -> Result<(), String> {
    let solution = root.join(exercise.id.solution_dir());
    let cannot = |e: std::io::Error| {
        format!(
            "cannot copy {} to {}: {e}",
            solution.display(),
            folder.display()
        )
    };
    let src = folder.join("src");
    if src.exists() {
        std::fs::remove_dir_all(&src).map_err(cannot)?;
    }
    tree::copy_dir(&solution.join("src"), &src).map_err(cannot)?;
    let manifest_path = solution.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest_path).map_err(cannot)?;
    let mut manifest: Table = toml::from_str(&text)
        .map_err(|e| format!("{} is not valid TOML: {e}", manifest_path.display()))?;
    let package = format!("{}-mutant-{name}", exercise.id.solution_package());
    if let Some(Value::Table(table)) = manifest.get_mut("package") {
        table.insert("name".to_string(), Value::String(package));
    }
    let toml = toml::to_string(&manifest).map_err(|e| e.to_string())?;
    tree::write_if_changed(&folder.join("Cargo.toml"), toml.as_bytes()).map_err(cannot)?;
    Ok(())
}

/// Applies `patch` in `folder` with `git apply`, or says why it does not apply
/// (naming the patch as `shown`).
fn apply(patch: &Path, shown: &str, folder: &Path) -> Result<(), String> {
    let patch =
        std::fs::canonicalize(patch).map_err(|e| format!("{shown}: cannot open it: {e}"))?;
    // The copy lives in target/, inside the course's repository: without a ceiling,
    // git would find that repository and resolve the patch's paths from its root.
    let ceiling = folder.parent().unwrap_or(folder);
    let output = Command::new("git")
        .args(["apply", "--whitespace=nowarn"])
        .arg(&patch)
        .current_dir(folder)
        .env("GIT_CEILING_DIRECTORIES", ceiling)
        .output()
        .map_err(|e| format!("cannot run git to apply {shown}: {e}; install git"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{shown} does not apply to the reference solution: {}; make it again against the \
         solution as it is now (diff -ru a b, with paths a/src/FILE and b/src/FILE)",
        String::from_utf8_lossy(&output.stderr)
            .trim()
            .replace('\n', "; ")
    ))
}

/// Whether the verdict on a patched solution catches `bug`: the case it names failed,
/// and its explanation contains the words the header promises.
pub fn judge(suite: &SuiteReport, bug: &Bug) -> Verdict {
    let Some(case) = suite.cases.iter().find(|c| c.name == bug.caught_by) else {
        return Verdict::Error(format!(
            "`caught-by: {}` names no case of the tests: copy the case's name as \
             `cargo xtask check {} --solution` prints it",
            bug.caught_by, suite.exercise
        ));
    };
    if let Some(why) = &case.skipped {
        return Verdict::Skipped(format!(
            "its case \"{}\" could not run on this machine: {why}",
            case.name
        ));
    }
    if case.passed {
        return Verdict::Missed(format!(
            "\"{}\" passed{} (seed {})",
            case.name,
            failed_instead(suite),
            suite.seed
        ));
    }
    let explanation = case.render_failure();
    let first = first_line(&explanation);
    if explanation.contains(&bug.says) {
        Verdict::Caught(first)
    } else {
        Verdict::Missed(format!(
            "\"{}\" failed, but its explanation lacks \"{}\"; it begins: {first} (seed {})",
            case.name, bug.says, suite.seed
        ))
    }
}

/// `; the failing cases were "…"`, or `, and so did every other case`.
fn failed_instead(suite: &SuiteReport) -> String {
    if suite.cases.len() < 2 {
        // Only the bug's own case ran: there is nothing to say of the others.
        return String::new();
    }
    let failed: Vec<&CaseReport> = suite.cases.iter().filter(|c| !c.passed).collect();
    match failed.as_slice() {
        [] => ", and so did every other case".to_string(),
        some => {
            let names: Vec<String> = some.iter().map(|c| format!("\"{}\"", c.name)).collect();
            format!("; the failing cases were {}", names.join(", "))
        }
    }
}

/// The first non-empty line of a text.
fn first_line(text: &str) -> String {
    text.lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// One bug's line, then what the student did and what the grader said.
fn print_tried(exercise: &Exercise, tried: &Tried) {
    let name = match &tried.bug {
        Ok(bug) => format!("{}  ({})", bug.name, bug.class),
        Err(_) => tried
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let took = format!("{:.1} s", tried.took.as_secs_f64());
    let mut out = String::new();
    match (&tried.verdict, &tried.bug) {
        (Verdict::Caught(first), Ok(bug)) => {
            let _ = writeln!(
                out,
                "✓ {} {name}  caught by \"{}\"  {took}",
                exercise.id, bug.caught_by
            );
            let _ = writeln!(out, "    bug:    {}", bug.sentence);
            let _ = writeln!(out, "    grader: {first}");
        }
        (Verdict::Missed(why), Ok(bug)) => {
            let _ = writeln!(out, "✗ {} {name}  MISSED: {why}  {took}", exercise.id);
            let _ = writeln!(out, "    bug:    {}", bug.sentence);
        }
        (Verdict::Skipped(why), _) => {
            let _ = writeln!(out, "- {} {name}  SKIPPED: {why}", exercise.id);
        }
        (Verdict::Error(why), _) | (_, Err(why)) => {
            let _ = writeln!(out, "✗ {} {name}  ERROR: {why}", exercise.id);
        }
    }
    print!("{out}");
}

/// `ch2-8: 6 of 6 caught`, or that the exercise has no catalogue yet.
fn print_exercise_total(root: &Path, catalogue: &Path, exercise: &Exercise, tried: &[Tried]) {
    if tried.is_empty() {
        println!(
            "{}: no bugs catalogued yet (in {}/)",
            exercise.id,
            paths::shown(root, &bugs_dir(catalogue, exercise))
        );
        return;
    }
    let skipped = tried
        .iter()
        .filter(|t| matches!(t.verdict, Verdict::Skipped(_)))
        .count();
    let skipped_note = if skipped > 0 {
        format!(" ({skipped} skipped: their case cannot run on this machine)")
    } else {
        String::new()
    };
    println!(
        "{}: {} of {} caught{skipped_note}\n",
        exercise.id,
        caught(tried),
        tried.len() - skipped
    );
}

/// The total with the kill rate, then the plain `mutants: N passed, M failed` line
/// that CI systems read.
fn print_total(all: &[Tried], exercises: usize, took: Duration) {
    let caught = caught(all);
    let skipped = all
        .iter()
        .filter(|t| matches!(t.verdict, Verdict::Skipped(_)))
        .count();
    let tried = all.len() - skipped;
    let rate = if tried == 0 {
        100.0
    } else {
        100.0 * caught as f64 / tried as f64
    };
    let each = took.as_secs_f64() / all.len().max(1) as f64;
    println!(
        "total: {caught} of {tried} caught in {} (kill rate {rate:.0}%), {:.0} s ({each:.1} s a bug)",
        count(exercises, "exercise", "exercises"),
        took.as_secs_f64()
    );
    if skipped > 0 {
        println!(
            "SKIPPED: {} whose case this machine could not run (see above)",
            count(skipped, "bug", "bugs")
        );
    }
    println!("mutants: {caught} passed, {} failed", tried - caught);
}

/// How many bugs were caught.
fn caught(tried: &[Tried]) -> usize {
    tried
        .iter()
        .filter(|t| matches!(t.verdict, Verdict::Caught(_)))
        .count()
}

/// 0 every bug caught, 2 some could not be tried, 1 some were missed.
fn exit_code(all: &[Tried]) -> ExitCode {
    if all.iter().any(|t| matches!(t.verdict, Verdict::Error(_))) {
        ExitCode::from(2)
    } else if all.iter().any(|t| matches!(t.verdict, Verdict::Missed(_))) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `1 bug is`, `3 bugs are`: a count with the right form.
fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::{Verdict, judge, parse_header};
    use harness::report::{CaseReport, SuiteReport};

    const DIFF: &str = "--- a/src/main.rs\n+++ b/src/main.rs\n";

    #[test]
    fn a_full_header_is_read_as_typed() {
        let text = format!(
            "# One read taken as one message.\n# class: boundaries\n# caught-by: a \\r\\n case\n\
             # says: one line per \\n\n{DIFF}"
        );
        let bug = parse_header("one-read", &text).expect("a valid header");
        assert_eq!(bug.sentence, "One read taken as one message.");
        assert_eq!(bug.class, "boundaries");
        assert_eq!(bug.caught_by, r"a \r\n case");
        assert_eq!(bug.says, r"one line per \n");
    }

    #[test]
    fn each_missing_or_wrong_line_is_named() {
        let cases = [
            (DIFF.to_string(), "the header is missing"),
            (
                format!("# class: size\n{DIFF}"),
                "first line must be a sentence",
            ),
            (
                format!("# Bug.\n# class: size\n# says: x\n{DIFF}"),
                "no `# caught-by:` line",
            ),
            (
                format!("# Bug.\n# class: sizes\n{DIFF}"),
                "`class: sizes` is not a class",
            ),
            (
                format!("# Bug.\n# caught_by: x\n{DIFF}"),
                "`# caught_by: x` is not",
            ),
            (
                format!("# Bug.\n# says: a\n# says: b\n{DIFF}"),
                "`says:` twice",
            ),
        ];
        for (text, expected) in cases {
            let why = parse_header("bug", &text).expect_err(&text);
            assert!(why.contains(expected), "{text:?} gave {why:?}");
        }
    }

    #[test]
    fn a_bug_whose_case_this_machine_skipped_is_neither_caught_nor_missed() {
        let case = CaseReport {
            name: "it tries the next address".into(),
            passed: true,
            skipped: Some("it needs a hosts line".into()),
            millis: 1,
            failure: None,
            hints: Vec::new(),
            steps: Vec::new(),
            programs: Vec::new(),
            seed: 1,
        };
        let suite = SuiteReport {
            exercise: "ch9-9".parse().unwrap(),
            seed: 1,
            cases: vec![case],
        };
        let text = format!(
            "# Gives up at the first address.\n# class: addresses\n# caught-by: it tries the next \
             address\n# says: next address\n{DIFF}"
        );
        let bug = parse_header("first-only", &text).unwrap();
        match judge(&suite, &bug) {
            Verdict::Skipped(why) => assert!(why.contains("hosts line"), "{why}"),
            other => panic!("expected a skip, got {other:?}"),
        }
    }
}
