//! Reviewed transcripts: insta snapshots of a normalised conversation.
//!
//! insta stays the source of truth (instructors review changes with `cargo insta
//! review`), but its panic is turned into a [`Failure`] that shows the reviewed and the
//! actual transcript, so a student sees a diff rather than an assertion message.

use crate::failure::{Failure, Outcome};
use std::path::PathBuf;

/// Where one test target keeps its snapshots, and the prefix of their names.
#[derive(Debug, Clone)]
pub(crate) struct Snapshots {
    /// `chapters/chN/tests/snapshots`.
    pub dir: PathBuf,
    /// `ch2_8__case_name`: the test target and the case.
    pub prefix: String,
}

impl Snapshots {
    /// Checks `text` against the snapshot `name`, through insta.
    pub fn check(&self, name: &str, text: &str) -> Outcome {
        let full_name = format!("{}__{}", self.prefix, slug(name));
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(&self.dir);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_snapshot!(full_name.as_str(), text));
        }));
        match result {
            Ok(()) => Ok(()),
            Err(_) => {
                let stored = self.stored(&full_name);
                let summary = match &stored {
                    Some(_) => "the conversation differs from the reviewed transcript",
                    None => {
                        "there is no reviewed transcript for this case yet \
                             (an instructor runs `cargo insta review`)"
                    }
                };
                Err(Failure::mismatch(summary, stored.unwrap_or_default(), text))
            }
        }
    }

    /// The content of a stored snapshot, without insta's header.
    fn stored(&self, full_name: &str) -> Option<String> {
        let file = std::fs::read_to_string(self.dir.join(format!("{full_name}.snap"))).ok()?;
        let body = file.strip_prefix("---\n")?.split_once("\n---\n")?.1;
        Some(body.to_string())
    }
}

/// A case name as a file-name-friendly snapshot name.
pub(crate) fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_are_file_names() {
        assert_eq!(
            super::slug("A client: prints, splits!"),
            "a_client_prints_splits"
        );
    }
}
