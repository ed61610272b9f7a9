//! `verify`'s rules about the course's files: the manifest and the folders agree both
//! ways, no scaffold placeholder is left, and a skeleton's given code is its
//! solution's. Like rustlings' `dev check`, each rule is a function whose every
//! problem says what to fix.

use crate::instructor::new::{PLACEHOLDER_HINT, PLACEHOLDER_PAGE, PLACEHOLDER_SOURCE};
use harness::ExerciseId;
use std::collections::BTreeSet;
use std::path::Path;
use xtask::manifest::Manifest;

/// What a rule found: nothing to fix, or each thing to fix.
pub type Rule = Result<(), Vec<String>>;

/// Turns a list of problems into a rule's outcome.
fn rule(problems: Vec<String>) -> Rule {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Every exercise in the manifest has its skeleton, solution, test file and page.
pub fn exercises_are_complete(root: &Path, manifest: &Manifest) -> Rule {
    let mut problems = Vec::new();
    for exercise in &manifest.exercises {
        let id = exercise.id;
        let required = [
            (id.exercise_dir().join("Cargo.toml"), "the skeleton"),
            (
                id.solution_dir().join("Cargo.toml"),
                "the reference solution",
            ),
            (id.test_file(), "the test file"),
            (Path::new("book/src").join(&exercise.book), "the book page"),
        ];
        for (path, what) in required {
            if !root.join(&path).is_file() {
                problems.push(format!(
                    "{id}: {what} is missing: create {}",
                    path.display()
                ));
            }
        }
    }
    rule(problems)
}

/// Nothing exercise-shaped exists that the manifest does not list: a folder in
/// `exercises/` or `solutions/`, or a test file in a chapter, left behind by a rename
/// or a removal would be built and linted but never graded.
pub fn nothing_is_stray(root: &Path, manifest: &Manifest) -> Rule {
    let known: BTreeSet<ExerciseId> = manifest.exercises.iter().map(|e| e.id).collect();
    let mut problems = Vec::new();
    for (folder, what) in [("exercises", "skeleton"), ("solutions", "solution")] {
        for name in entries(&root.join(folder), |path| path.is_dir()) {
            match name.parse::<ExerciseId>() {
                Ok(id) if known.contains(&id) => {}
                _ => problems.push(format!(
                    "{folder}/{name}: a {what} folder that exercises.toml does not list: \
                     add its entry, or remove the folder"
                )),
            }
        }
    }
    for chapter in entries(&root.join("chapters"), |path| path.is_dir()) {
        let tests = root.join("chapters").join(&chapter).join("tests");
        for file in entries(&tests, |path| path.extension().is_some_and(|e| e == "rs")) {
            let target = file.trim_end_matches(".rs");
            match ExerciseId::from_test_target(target) {
                Ok(id) if known.contains(&id) && id.test_package() == chapter => {}
                _ => problems.push(format!(
                    "chapters/{chapter}/tests/{file}: a test file that grades no exercise of \
                     exercises.toml (test files are named chN_M.rs after the exercise, in its \
                     chapter): rename or remove it"
                )),
            }
        }
    }
    rule(problems)
}

/// The names in `dir` whose paths satisfy `keep`, sorted; none if it does not exist.
fn entries(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<String> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = read
        .flatten()
        .filter(|entry| keep(&entry.path()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

/// Nothing `cargo xtask new` wrote as a placeholder is left: a stub hint, source or
/// page paragraph would reach students as if it were the course.
pub fn no_placeholder_is_left(root: &Path, manifest: &Manifest) -> Rule {
    let mut problems = Vec::new();
    for exercise in &manifest.exercises {
        let id = exercise.id;
        if exercise.hints.iter().any(|h| h.contains(PLACEHOLDER_HINT)) {
            problems.push(format!(
                "{id}: a hint in exercises.toml is still the placeholder: write the hints \
                 (a nudge, the tools, the approach in full)"
            ));
        }
        let source = exercise.source.trim();
        if source.is_empty() || source == "—" || source.contains(PLACEHOLDER_SOURCE) {
            problems.push(format!(
                "{id}: `source` in exercises.toml is a placeholder: say where in \
                 shared/seeds/ the exercise comes from"
            ));
        }
        let page = root.join("book/src").join(&exercise.book);
        if std::fs::read_to_string(&page).is_ok_and(|text| text.contains(PLACEHOLDER_PAGE)) {
            problems.push(format!(
                "{id}: book/src/{} still has the placeholder paragraph \"{PLACEHOLDER_PAGE}\": \
                 write the page",
                exercise.book
            ));
        }
    }
    rule(problems)
}

/// The code each skeleton gives is its solution's (see `given.rs`).
pub fn given_code_is_the_solutions(root: &Path, manifest: &Manifest) -> Rule {
    let problems = manifest
        .exercises
        .iter()
        .flat_map(|exercise| {
            let id = exercise.id;
            crate::instructor::given::drift(
                &root.join(id.exercise_dir()),
                &root.join(id.solution_dir()),
            )
            .into_iter()
            .map(move |problem| format!("{id}: {problem}"))
        })
        .collect();
    rule(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A course folder with one exercise, ch9-1, complete and without placeholders.
    fn course() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            "exercises/ch9-1/Cargo.toml",
            "solutions/ch9-1/Cargo.toml",
            "chapters/ch9/tests/ch9_1.rs",
            "book/src/ch9/echo.md",
        ];
        for file in files {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "# Echo\n").unwrap();
        }
        dir
    }

    fn manifest(hint: &str, source: &str) -> Manifest {
        Manifest::parse(&format!(
            "[[exercise]]\nid = \"ch9-1\"\ntitle = \"Echo\"\nbook = \"ch9/echo.md\"\n\
             source = \"{source}\"\nhints = ['{hint}']\n"
        ))
        .unwrap()
    }

    #[test]
    fn a_complete_course_passes_every_rule() {
        let dir = course();
        let manifest = manifest("Read until the newline.", "001");
        assert_eq!(exercises_are_complete(dir.path(), &manifest), Ok(()));
        assert_eq!(nothing_is_stray(dir.path(), &manifest), Ok(()));
        assert_eq!(no_placeholder_is_left(dir.path(), &manifest), Ok(()));
    }

    #[test]
    fn a_missing_file_is_named_with_what_to_create() {
        let dir = course();
        std::fs::remove_file(dir.path().join("chapters/ch9/tests/ch9_1.rs")).unwrap();
        let problems = exercises_are_complete(dir.path(), &manifest("h", "001")).unwrap_err();
        assert_eq!(
            problems,
            ["ch9-1: the test file is missing: create chapters/ch9/tests/ch9_1.rs"]
        );
    }

    #[test]
    fn stray_folders_and_test_files_are_refused() {
        let dir = course();
        for stray in [
            "exercises/ch9-2",
            "solutions/old-echo",
            "chapters/ch9/tests/ch9_3.rs",
        ] {
            let path = dir.path().join(stray);
            if stray.ends_with(".rs") {
                std::fs::write(path, "").unwrap();
            } else {
                std::fs::create_dir_all(path).unwrap();
            }
        }
        let problems = nothing_is_stray(dir.path(), &manifest("h", "001")).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(problems[0].starts_with("exercises/ch9-2: a skeleton folder"));
        assert!(problems[1].starts_with("solutions/old-echo: a solution folder"));
        assert!(problems[2].starts_with("chapters/ch9/tests/ch9_3.rs: a test file"));
    }

    #[test]
    fn every_placeholder_of_new_is_refused() {
        let dir = course();
        std::fs::write(
            dir.path().join("book/src/ch9/echo.md"),
            format!("# Echo\n\n{PLACEHOLDER_PAGE}\n"),
        )
        .unwrap();
        let problems =
            no_placeholder_is_left(dir.path(), &manifest(PLACEHOLDER_HINT, "—")).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(problems[0].contains("a hint"));
        assert!(problems[1].contains("`source`"));
        assert!(problems[2].contains("placeholder paragraph"));
    }
}
