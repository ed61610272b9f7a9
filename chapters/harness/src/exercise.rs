//! The exercise id, `chN-M`, parsed once. It owns every naming rule of the course:
//! the skeleton's and the solution's packages and binaries, the chapter's test crate,
//! target and file, and the folders — so no tool re-derives a name by hand, and a test
//! file can only grade the exercise its own file name says.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// An exercise id: chapter `N`, number `M`, written `chN-M`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExerciseId {
    chapter: u32,
    number: u32,
}

/// Why a text is not an exercise id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an exercise id: ids look like ch2-8 (chapter 2, exercise 8)")]
pub struct BadId {
    /// The text that was given.
    pub text: String,
}

impl ExerciseId {
    /// The id whose chapter test target is `chN_M` (a test file's crate name): a test
    /// derives what it grades from its own name this way.
    pub fn from_test_target(target: &str) -> Result<ExerciseId, BadId> {
        parse(target, '_')
    }

    /// The chapter number `N`.
    pub fn chapter(self) -> u32 {
        self.chapter
    }

    /// The exercise's number `M` within its chapter.
    pub fn number(self) -> u32 {
        self.number
    }

    /// The student's package, and its binary: `chN-M`.
    pub fn package(self) -> String {
        self.to_string()
    }

    /// The reference solution's package and binary: `chN-M-solution`, so both build
    /// into one target directory without colliding.
    pub fn solution_package(self) -> String {
        format!("{self}-solution")
    }

    /// The chapter's test crate, which holds every test of the chapter: `chN`.
    pub fn test_package(self) -> String {
        format!("ch{}", self.chapter)
    }

    /// The test target that grades this exercise: `chN_M`.
    pub fn test_target(self) -> String {
        format!("ch{}_{}", self.chapter, self.number)
    }

    /// The chapter's test crate folder, relative to the workspace root.
    pub fn chapter_dir(self) -> PathBuf {
        PathBuf::from("chapters").join(self.test_package())
    }

    /// The test file, relative to the workspace root.
    pub fn test_file(self) -> PathBuf {
        self.chapter_dir()
            .join("tests")
            .join(format!("{}.rs", self.test_target()))
    }

    /// The skeleton's folder, relative to the workspace root.
    pub fn exercise_dir(self) -> PathBuf {
        PathBuf::from("exercises").join(self.package())
    }

    /// The reference solution's folder, relative to the workspace root.
    pub fn solution_dir(self) -> PathBuf {
        PathBuf::from("solutions").join(self.package())
    }

    /// The folder of the chapter's pages, relative to `book/src`: `chN`.
    pub fn book_dir(self) -> PathBuf {
        PathBuf::from(format!("ch{}", self.chapter))
    }
}

impl FromStr for ExerciseId {
    type Err = BadId;

    fn from_str(text: &str) -> Result<ExerciseId, BadId> {
        parse(text, '-')
    }
}

impl fmt::Display for ExerciseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ch{}-{}", self.chapter, self.number)
    }
}

impl serde::Serialize for ExerciseId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ExerciseId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Parses `ch<N><sep><M>` with plain decimal numbers (no sign, no leading zero).
fn parse(text: &str, separator: char) -> Result<ExerciseId, BadId> {
    let bad = || BadId {
        text: text.to_string(),
    };
    let number = |digits: &str| -> Result<u32, BadId> {
        let plain = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        if plain {
            digits.parse().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    let rest = text.strip_prefix("ch").ok_or_else(bad)?;
    let (chapter, exercise) = rest.split_once(separator).ok_or_else(bad)?;
    Ok(ExerciseId {
        chapter: number(chapter)?,
        number: number(exercise)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_derives_from_the_id() {
        let id: ExerciseId = "ch2-8".parse().unwrap();
        assert_eq!(id.package(), "ch2-8");
        assert_eq!(id.solution_package(), "ch2-8-solution");
        assert_eq!(id.test_package(), "ch2");
        assert_eq!(id.test_target(), "ch2_8");
        assert_eq!(id.test_file(), PathBuf::from("chapters/ch2/tests/ch2_8.rs"));
        assert_eq!(id.exercise_dir(), PathBuf::from("exercises/ch2-8"));
        assert_eq!(id.solution_dir(), PathBuf::from("solutions/ch2-8"));
        assert_eq!(id.book_dir(), PathBuf::from("ch2"));
        assert_eq!(ExerciseId::from_test_target("ch2_8"), Ok(id));
    }

    #[test]
    fn malformed_ids_are_refused_with_the_expected_form() {
        for text in [
            "2-8", "ch2", "ch2-", "chx-1", "ch2-8a", "ch02-8", "ch-1-2", "ch2_8",
        ] {
            let error = text.parse::<ExerciseId>().unwrap_err();
            assert!(error.to_string().contains("ids look like ch2-8"), "{text}");
        }
        assert!(ExerciseId::from_test_target("ch2-8").is_err());
    }
}
