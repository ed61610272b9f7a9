//! The course manifest (`exercises.toml`): one small serde struct per exercise.
//!
//! It belongs to the grader: `check`, `list`, `hint`, `verify`, `new` and the book's
//! checks read it; the chapter tests do not (they know their exercise from their own
//! file name, see `harness::ExerciseId`).

use harness::ExerciseId;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The whole manifest: the exercises in the order a student meets them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Every exercise of the course, in reading order.
    #[serde(rename = "exercise")]
    pub exercises: Vec<Exercise>,
}

/// One exercise: what it is called, where it is taught, and how to help when stuck.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// `chN-M`: every package, binary, test and folder name derives from it.
    pub id: ExerciseId,
    /// A short title, shown by `cargo xtask list` and in the book.
    pub title: String,
    /// The book page that teaches it, relative to `book/src` (inside `chN/`).
    pub book: String,
    /// Where in the course's source notes (`shared/seeds/`) the exercise comes from.
    pub source: String,
    /// What to try when stuck, from a first nudge to the approach in full: `check`
    /// shows the first, `hint` one more each time it is asked.
    pub hints: Vec<String>,
}

/// Why the manifest cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file is missing or unreadable.
    #[error("cannot read {path}: {source}")]
    Unreadable {
        /// The manifest's path.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The TOML does not describe exercises (toml's message says where).
    #[error("{path}: {message}")]
    Invalid {
        /// The manifest's path.
        path: PathBuf,
        /// toml's explanation, with the line.
        message: String,
    },
    /// Two entries share an id.
    #[error("exercise `{0}` is declared twice in exercises.toml")]
    Duplicate(ExerciseId),
    /// An entry's page is not in its chapter's folder, or it has no hint.
    #[error("exercise `{id}` in exercises.toml: {problem}")]
    Entry {
        /// The exercise.
        id: ExerciseId,
        /// What is wrong with it.
        problem: String,
    },
    /// The id asked for is not in the manifest.
    #[error("no exercise `{asked}`; the exercises are: {known}")]
    Unknown {
        /// What was asked for.
        asked: String,
        /// Every id, comma separated.
        known: String,
    },
}

impl Manifest {
    /// The manifest's file name at the workspace root.
    pub const FILE: &'static str = "exercises.toml";

    /// Reads and parses the manifest at the root of the workspace `root`.
    pub fn load(root: &Path) -> Result<Manifest, ManifestError> {
        let path = root.join(Self::FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| ManifestError::Unreadable {
            path: path.clone(),
            source,
        })?;
        Self::parse(&text).map_err(|error| match error {
            ManifestError::Invalid { message, .. } => ManifestError::Invalid { path, message },
            other => other,
        })
    }

    /// Parses manifest text and checks each entry.
    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| ManifestError::Invalid {
            path: PathBuf::from(Self::FILE),
            message: e.to_string(),
        })?;
        let mut seen = std::collections::HashSet::new();
        for exercise in &manifest.exercises {
            if !seen.insert(exercise.id) {
                return Err(ManifestError::Duplicate(exercise.id));
            }
            exercise.check()?;
        }
        Ok(manifest)
    }

    /// Finds an exercise by id, or says which ids exist.
    pub fn get(&self, asked: &str) -> Result<&Exercise, ManifestError> {
        let id = asked.parse::<ExerciseId>().ok();
        self.exercises
            .iter()
            .find(|e| Some(e.id) == id)
            .ok_or_else(|| ManifestError::Unknown {
                asked: asked.to_string(),
                known: self
                    .exercises
                    .iter()
                    .map(|e| e.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

impl Exercise {
    /// An entry is usable: its page sits in its chapter's folder and it has a hint.
    fn check(&self) -> Result<(), ManifestError> {
        let problem = |problem: String| ManifestError::Entry {
            id: self.id,
            problem,
        };
        if !Path::new(&self.book).starts_with(self.id.book_dir()) {
            return Err(problem(format!(
                "its page `{}` must be in book/src/{}/",
                self.book,
                self.id.book_dir().display()
            )));
        }
        if self.hints.iter().all(|hint| hint.trim().is_empty()) {
            return Err(problem("it needs at least one hint".to_string()));
        }
        Ok(())
    }

    /// The first hint: what `check` prints under a failing verdict.
    pub fn first_hint(&self) -> &str {
        self.hints.first().map_or("", |hint| hint.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, book: &str) -> String {
        format!(
            "[[exercise]]\nid = \"{id}\"\ntitle = \"t\"\nbook = \"{book}\"\nsource = \"s\"\nhints = ['h']\n"
        )
    }

    #[test]
    fn the_course_manifest_parses() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let manifest = Manifest::load(&root).unwrap();
        assert!(!manifest.exercises.is_empty());
    }

    #[test]
    fn a_malformed_id_is_refused_with_a_reason() {
        let error = Manifest::parse(&entry("2-8", "ch2/x.md")).unwrap_err();
        assert!(error.to_string().contains("ids look like ch2-8"), "{error}");
    }

    #[test]
    fn a_duplicate_id_is_refused() {
        let one = entry("ch1-1", "ch1/x.md");
        let error = Manifest::parse(&format!("{one}{one}")).unwrap_err();
        assert!(error.to_string().contains("declared twice"), "{error}");
    }

    #[test]
    fn a_page_outside_its_chapter_is_refused() {
        let error = Manifest::parse(&entry("ch2-8", "ch1/x.md")).unwrap_err();
        assert!(error.to_string().contains("book/src/ch2/"), "{error}");
    }

    #[test]
    fn an_unknown_id_lists_the_known_ones() {
        let manifest = Manifest::parse(&entry("ch2-8", "ch2/x.md")).unwrap();
        assert_eq!(manifest.get("ch2-8").unwrap().id.to_string(), "ch2-8");
        let error = manifest.get("ch9-9").unwrap_err().to_string();
        assert!(
            error.contains("no exercise `ch9-9`") && error.contains("ch2-8"),
            "{error}"
        );
    }
}
