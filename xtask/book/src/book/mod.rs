//! The course book: check it, then build it with mdBook, in-process.
//!
//! mdBook runs as a library (`mdbook-driver`), so nobody installs anything to read or
//! write the book. mdBook is lenient where a course cannot be: a missing include file is
//! only logged, a missing anchor renders as an empty code block, and a broken link stays
//! in the page for a student to click. So [`build`] runs [`check()`] first and refuses to
//! write a book with any such problem. Each check is a small named function that returns
//! one line per problem, `book/src/PAGE.md:LINE: what is wrong and how to fix it`, so an
//! instructor sees every problem of a change at once (in the style of rustlings'
//! `dev check`).

use anyhow::{Context, Result, bail};
use mdbook_driver::MDBook;
use mdbook_driver::config::Config;
use mermaid::Mermaid;
use std::path::{Path, PathBuf};
use xtask::manifest::Manifest;

mod check;
mod folds;
mod listings;
mod mermaid;

pub use check::check;

/// The book's folder (with `book.toml`), relative to the workspace root.
pub const BOOK_DIR: &str = "book";

/// The book's markdown sources, relative to the workspace root (`src` in `book.toml`).
pub const SRC_DIR: &str = "book/src";

/// Checks the book, then renders it into `book/book` and returns that folder.
///
/// Fails, listing every problem [`check()`] found, rather than writing a book with empty
/// code blocks or dead links in it.
pub fn build(root: &Path) -> Result<PathBuf> {
    let manifest = Manifest::load(root)?;
    let problems = check(root, &manifest);
    if !problems.is_empty() {
        bail!(
            "the book has {} problem(s), fix them and build again:\n{}",
            problems.len(),
            problems.join("\n")
        );
    }
    render(root, None)
}

/// Renders the book with mdBook (no checks) and returns the output folder.
///
/// `live_reload_endpoint` is set by `serve`: the pages then open a websocket to it and
/// reload when told to. The [`Mermaid`] preprocessor runs in-process, so
/// ```` ```mermaid ```` blocks become diagrams with no plugin installed; `book.toml`
/// loads the two mermaid scripts committed next to it. Before mdBook expands the
/// includes, every included listing gets a `Filename:` caption ([`listings`]), and the
/// reference solution of an exercise page goes behind a fold ([`folds`]).
pub fn render(root: &Path, live_reload_endpoint: Option<&str>) -> Result<PathBuf> {
    let book_root = root.join(BOOK_DIR);
    let config_path = book_root.join("book.toml");
    let mut config = Config::from_disk(&config_path)
        .with_context(|| format!("cannot read {}", config_path.display()))?;
    if let Some(endpoint) = live_reload_endpoint {
        config.set("output.html.live-reload-endpoint", endpoint)?;
    }
    let mut book = MDBook::load_with_config(&book_root, config)
        .with_context(|| format!("cannot load the book in {}", book_root.display()))?;
    listings::caption_listings(&mut book.book);
    folds::fold_solutions(&mut book.book);
    book.with_preprocessor(Mermaid);
    book.build().context("mdBook could not render the book")?;
    Ok(book.build_dir_for("html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The manifest of the fixture books: one exercise, taught on `ch9/ex.md`.
    const MANIFEST: &str = "[[exercise]]\nid = \"ch9-1\"\ntitle = \"Echo\"\n\
                            book = \"ch9/ex.md\"\nsource = \"s\"\nhints = [\"h\"]\n";

    /// A well-formed small book: an included anchor, a link with a fragment, an
    /// escaped directive, and a link-like text inside code.
    const GOOD: &[(&str, &str)] = &[
        ("exercises.toml", MANIFEST),
        (
            "book/book.toml",
            "[book]\ntitle = \"fixture\"\n[build]\ncreate-missing = false\n",
        ),
        (
            "book/src/SUMMARY.md",
            "# Summary\n\n[Intro](intro.md)\n\n- [Chapter 9](ch9/README.md)\n  - [Echo](ch9/ex.md)\n",
        ),
        (
            "book/src/intro.md",
            "# Intro\n\nSee [the echo](ch9/ex.md#the-code) and [its chapter](ch9/README.html).\n\n\
             ```mermaid\nsequenceDiagram\n  A->>B: hello\n```\n",
        ),
        (
            "book/src/ch9/README.md",
            "# Chapter 9\n\nBack to [the intro](../intro.md). Write `\\{{#include x.rs}}` to include.\n",
        ),
        (
            "book/src/ch9/ex.md",
            "# Echo\n\n## The code\n\n```rust\n{{#include ../../../solutions/ch9-1/src/main.rs:main}}\n```\n\n## A reference solution\n\n\
             ```rust\nlet v = a[0](x); // [not](a-link.md)\n```\n\n```rust\n{{#include ../../../solutions/ch9-1/src/main.rs:1:2}}\n```\n",
        ),
        (
            "solutions/ch9-1/src/main.rs",
            "//! Echo.\n// ANCHOR: main\nfn main() {}\n// ANCHOR_END: main\n",
        ),
    ];

    /// Writes a fixture book: `GOOD` with some files replaced or added.
    pub(super) fn book(changes: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in GOOD.iter().chain(changes) {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    /// The problems `check` finds in a fixture book.
    pub(super) fn problems(changes: &[(&str, &str)]) -> Vec<String> {
        let dir = book(changes);
        check(dir.path(), &Manifest::load(dir.path()).unwrap())
    }

    #[test]
    fn a_good_book_has_no_problems_and_builds() {
        assert_eq!(problems(&[]), Vec::<String>::new());
        let dir = book(&[]);
        let out = build(dir.path()).unwrap();
        let page = std::fs::read_to_string(out.join("ch9/ex.html")).unwrap();
        assert!(
            page.contains("fn main() {}"),
            "the anchor's code is in the page"
        );
        assert!(
            page.contains("Filename: <code>solutions/ch9-1/src/main.rs</code>"),
            "an included listing names its file"
        );
        assert!(
            page.contains("<summary>Show the reference solution"),
            "the reference solution is behind a fold"
        );
        let chapter = std::fs::read_to_string(out.join("ch9/index.html")).unwrap();
        assert!(
            chapter.contains("<code>{{#include x.rs}}</code>"),
            "an escaped directive is shown"
        );
        let intro = std::fs::read_to_string(out.join("intro.html")).unwrap();
        assert!(
            intro.contains("<pre class=\"mermaid\">sequenceDiagram"),
            "a diagram is drawn"
        );
    }

    #[test]
    fn build_refuses_a_broken_book_and_lists_every_problem() {
        let dir = book(&[
            ("book/src/ch9/notes.md", "# Notes\n\n[x](nowhere.md)\n"),
            ("book/src/intro.md", "# Intro\n\n{{#include missing.rs}}\n"),
        ]);
        let error = format!("{:#}", build(dir.path()).unwrap_err());
        assert!(error.contains("3 problem(s)"), "{error}");
        assert!(error.contains("notes.md: not listed"), "{error}");
        assert!(error.contains("notes.md:3: link to nowhere.md"), "{error}");
        assert!(
            error.contains("intro.md:3: {{#include missing.rs}}: no file book/src/missing.rs"),
            "{error}"
        );
        assert!(
            !dir.path().join("book/book").exists(),
            "nothing is rendered"
        );
    }
}
