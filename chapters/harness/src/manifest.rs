//! The course manifest (`exercises.toml`): one small serde struct per exercise.
//!
//! The grader, the chapter tests and the book checks all read the same file, so an
//! exercise is declared once and every tool agrees on its id, roles, hint and page.

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

/// One exercise: what it is called, what roles its binary plays and where it is taught.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// `chN-M`: the package and binary name of the skeleton; the reference solution is
    /// `chN-M-solution`, so both build into one target directory.
    pub id: String,
    /// A short title, shown by `cargo xtask list` and in the book.
    pub title: String,
    /// The clap subcommands of the binary (`server`, `client`, …).
    pub roles: Vec<String>,
    /// The book page that teaches it, relative to `book/src`.
    pub book: String,
    /// Where in the course's source notes the exercise comes from.
    pub seed: String,
    /// What to try when stuck; printed by `check` on failure and by `hint`.
    pub hint: String,
}

impl Manifest {
    /// The manifest's file name at the workspace root.
    pub const FILE: &'static str = "exercises.toml";

    /// Reads and parses the manifest at the root of the workspace `root`.
    pub fn load(root: &Path) -> Result<Manifest, String> {
        let path = root.join(Self::FILE);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses manifest text and checks the ids are unique and well formed.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut seen = std::collections::HashSet::new();
        for exercise in &manifest.exercises {
            exercise.chapter()?;
            if !seen.insert(exercise.id.as_str()) {
                return Err(format!("exercise `{}` is declared twice", exercise.id));
            }
        }
        Ok(manifest)
    }

    /// Finds an exercise by id, or says which ids exist.
    pub fn get(&self, id: &str) -> Result<&Exercise, String> {
        self.exercises.iter().find(|e| e.id == id).ok_or_else(|| {
            let ids: Vec<&str> = self.exercises.iter().map(|e| e.id.as_str()).collect();
            format!("no exercise `{id}`; the exercises are: {}", ids.join(", "))
        })
    }
}

impl Exercise {
    /// The chapter number `N` of `chN-M`.
    pub fn chapter(&self) -> Result<u32, String> {
        let bad = || format!("exercise id `{}` is not of the form chN-M", self.id);
        let rest = self.id.strip_prefix("ch").ok_or_else(bad)?;
        let (chapter, number) = rest.split_once('-').ok_or_else(bad)?;
        number.parse::<u32>().map_err(|_| bad())?;
        chapter.parse().map_err(|_| bad())
    }

    /// The package (and binary) name of the reference solution.
    pub fn solution_package(&self) -> String {
        format!("{}-solution", self.id)
    }

    /// The chapter's test crate, which holds this exercise's tests.
    pub fn test_package(&self) -> String {
        format!("ch{}", self.chapter().unwrap_or(0))
    }

    /// The name of the test target (`tests/chN_M.rs`) that grades this exercise.
    pub fn test_target(&self) -> String {
        self.id.replace('-', "_")
    }

    /// The skeleton's folder, relative to the workspace root.
    pub fn exercise_dir(&self) -> PathBuf {
        Path::new("exercises").join(&self.id)
    }

    /// The reference solution's folder, relative to the workspace root.
    pub fn solution_dir(&self) -> PathBuf {
        Path::new("solutions").join(&self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_course_manifest_parses() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let manifest = Manifest::load(&root).unwrap();
        assert!(!manifest.exercises.is_empty());
    }

    #[test]
    fn a_malformed_id_is_refused_with_a_reason() {
        let text = "[[exercise]]\nid = \"2-8\"\ntitle = \"t\"\nroles = []\nbook = \"b\"\nseed = \"s\"\nhint = \"h\"\n";
        let err = Manifest::parse(text).unwrap_err();
        assert!(err.contains("not of the form chN-M"), "{err}");
    }

    #[test]
    fn a_duplicate_id_is_refused() {
        let one = "[[exercise]]\nid = \"ch1-1\"\ntitle = \"t\"\nroles = []\nbook = \"b\"\nseed = \"s\"\nhint = \"h\"\n";
        let err = Manifest::parse(&format!("{one}{one}")).unwrap_err();
        assert!(err.contains("declared twice"), "{err}");
    }

    #[test]
    fn names_derive_from_the_id() {
        let text = "[[exercise]]\nid = \"ch2-8\"\ntitle = \"t\"\nroles = []\nbook = \"b\"\nseed = \"s\"\nhint = \"h\"\n";
        let manifest = Manifest::parse(text).unwrap();
        let e = manifest.get("ch2-8").unwrap();
        assert_eq!(e.solution_package(), "ch2-8-solution");
        assert_eq!(e.test_package(), "ch2");
        assert_eq!(e.test_target(), "ch2_8");
        assert!(manifest.get("ch9-9").unwrap_err().contains("ch2-8"));
    }
}
