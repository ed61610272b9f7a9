//! The checks of the book: what mdBook would let pass and a course cannot.
//!
//! [`check`] runs them all over `book/src` and returns one line per problem, naming the
//! page and line and saying how to fix it: SUMMARY.md and the pages agree, every
//! include names a real file and anchor, and every relative link reaches a page and,
//! for a `#fragment`, a heading of it.

use super::SRC_DIR;
use mdbook_markdown::pulldown_cmark::{Event, Tag, TagEnd};
use mdbook_markdown::{MarkdownOptions, new_cmark_parser};
use regex::Regex;
use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::LazyLock;
use xtask::manifest::Manifest;

/// The table of contents: mdBook renders only the pages it lists.
const SUMMARY: &str = "SUMMARY.md";

/// Every problem of the book that mdBook would let pass, one line each (empty: all good).
///
/// Checked: every page listed in SUMMARY.md exists; every page in `book/src` is listed
/// (or is a snippet other pages include); every exercise of the manifest has its page listed; every `{{#include}}`,
/// `{{#rustdoc_include}}` and `{{#playground}}` names an existing file and, for a named
/// anchor, an `ANCHOR:`/`ANCHOR_END:` pair in it; every relative link or image points at
/// an existing file inside the book, and at an existing heading for a `#fragment`.
pub fn check(root: &Path, manifest: &Manifest) -> Vec<String> {
    let src = root.join(SRC_DIR);
    let summary = match read_summary(&src) {
        Ok(summary) => summary,
        Err(problem) => return vec![problem],
    };
    let mut problems = Vec::new();
    let mut pages = Vec::new();
    for page in markdown_pages(&src) {
        match std::fs::read_to_string(src.join(&page)) {
            Ok(text) => pages.push((page, text)),
            Err(error) => problems.push(format!("{}: cannot read: {error}", shown(&page))),
        }
    }
    let includes: Vec<Include> = pages
        .iter()
        .flat_map(|(page, text)| includes(root, page, text))
        .collect();
    problems.extend(summary_pages_exist(&src, &summary));
    problems.extend(pages_are_listed(
        &summary,
        &pages,
        &snippets(&src, &includes),
    ));
    problems.extend(exercise_pages_are_listed(manifest, &summary));
    problems.extend(solutions_can_be_folded(manifest, &pages));
    problems.extend(
        pages
            .iter()
            .filter_map(|(page, text)| questions_have_answers(page, text)),
    );
    problems.extend(includes.iter().filter_map(|include| include.problem(root)));
    for (page, text) in &pages {
        problems.extend(links_resolve(&src, page, text));
    }
    problems
}

/// Every exercise page has its `## A reference solution` section, which the build puts
/// behind a fold (see `folds.rs`): a page without it would show its solution in plain
/// view, or not at all.
fn solutions_can_be_folded(manifest: &Manifest, pages: &[(PathBuf, String)]) -> Vec<String> {
    let heading = format!("## {}", super::folds::SOLUTION_HEADING);
    manifest
        .exercises
        .iter()
        .filter_map(|exercise| {
            let (page, text) = pages
                .iter()
                .find(|(page, _)| *page == Path::new(&exercise.book))?;
            (!text.lines().any(|line| line.trim_end() == heading)).then(|| {
                format!(
                    "{}: the page of {} has no `{heading}` section: put the solution's code \
                     under that heading (the build folds it, so it is not read by accident)",
                    shown(page),
                    exercise.id
                )
            })
        })
        .collect()
}

/// The headings of sections that ask the reader questions.
const QUESTION_SECTIONS: [&str; 3] = [
    "## Check yourself",
    "## Check your understanding",
    "## Quiz",
];

/// A page's questions (a "Check yourself" or "Quiz" section) come with their answers,
/// folded (`<details><summary>Answers</summary>`), so a reader can test themselves and
/// then see whether they were right.
fn questions_have_answers(page: &Path, text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|line| QUESTION_SECTIONS.contains(&line.trim_end()))?;
    let section_end = lines[start + 1..]
        .iter()
        .position(|line| line.starts_with("## "))
        .map_or(lines.len(), |at| start + 1 + at);
    let answered = lines[start..section_end]
        .iter()
        .any(|line| line.trim() == "<summary>Answers</summary>");
    (!answered).then(|| {
        format!(
            "{}:{}: `{}` has no answers: add them after the questions, folded in \
             <details> with <summary>Answers</summary>",
            shown(page),
            start + 1,
            lines[start].trim_end()
        )
    })
}

/// One page entry of SUMMARY.md: where it is listed and the page path it names.
struct Entry {
    /// The line of SUMMARY.md, for the problem message.
    line: usize,
    /// The page, relative to `book/src`, normalised (no `./`).
    page: PathBuf,
}

/// Reads the page entries of SUMMARY.md (draft chapters, `[Title]()`, have no page).
fn read_summary(src: &Path) -> Result<Vec<Entry>, String> {
    let path = src.join(SUMMARY);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "{}: cannot read the table of contents: {e}",
            shown(Path::new(SUMMARY))
        )
    })?;
    Ok(markdown_links(&text)
        .into_iter()
        .filter(|link| !link.target.is_empty())
        .map(|link| Entry {
            line: link.line,
            page: normalise(Path::new(&link.target)),
        })
        .collect())
}

/// Check: every page SUMMARY.md lists exists (mdBook would fail, or create a blank page).
fn summary_pages_exist(src: &Path, summary: &[Entry]) -> Vec<String> {
    summary
        .iter()
        .filter(|entry| !src.join(&entry.page).is_file())
        .map(|entry| {
            format!(
                "{}:{}: lists {}, which does not exist: write {} or remove the line",
                shown(Path::new(SUMMARY)),
                entry.line,
                entry.page.display(),
                shown(&entry.page)
            )
        })
        .collect()
}

/// Check: every page in `book/src` is in SUMMARY.md (mdBook silently leaves others
/// out), unless it is a snippet that pages include.
fn pages_are_listed(
    summary: &[Entry],
    pages: &[(PathBuf, String)],
    snippets: &HashSet<PathBuf>,
) -> Vec<String> {
    let listed: HashSet<&Path> = summary.iter().map(|entry| entry.page.as_path()).collect();
    pages
        .iter()
        .map(|(page, _)| page)
        .filter(|page| !listed.contains(page.as_path()) && !snippets.contains(*page))
        .map(|page| {
            format!(
                "{}: not listed in {}, so the book leaves it out: add `- [Title]({})` there",
                shown(page),
                shown(Path::new(SUMMARY)),
                page.display()
            )
        })
        .collect()
}

/// Check: every exercise's page (its `book` field) is listed in SUMMARY.md.
///
/// Whether the page exists is [`summary_pages_exist`]'s job once it is listed.
fn exercise_pages_are_listed(manifest: &Manifest, summary: &[Entry]) -> Vec<String> {
    let listed: HashSet<&Path> = summary.iter().map(|entry| entry.page.as_path()).collect();
    manifest
        .exercises
        .iter()
        .filter(|exercise| !listed.contains(normalise(Path::new(&exercise.book)).as_path()))
        .map(|exercise| {
            format!(
                "{}: exercise {} is taught on {}, which {} does not list: add `- [{}]({})`",
                Manifest::FILE,
                exercise.id,
                shown(Path::new(&exercise.book)),
                shown(Path::new(SUMMARY)),
                exercise.title,
                exercise.book
            )
        })
        .collect()
}

/// mdBook's directive syntax: `{{#include path:anchor}}`, or an escaped `\{{#…}}`.
///
/// The same pattern as mdBook's link preprocessor, so both see the same directives.
static DIRECTIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\\\{\{\#.*\}\}|\{\{\s*\#([a-zA-Z0-9_]+)\s+([^}]+)\}\}").expect("valid regex")
});

/// The start of a named anchor in an included file, as mdBook matches it.
static ANCHOR_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"ANCHOR:\s*([\w_-]+)").expect("valid regex"));

/// The end of a named anchor in an included file, as mdBook matches it.
static ANCHOR_END: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"ANCHOR_END:\s*([\w_-]+)").expect("valid regex"));

/// One include directive of a page: `{{#include path:selector}}` and its kin.
struct Include {
    /// `book/src/PAGE.md:LINE`, for the problem message.
    at: String,
    /// The directive as written.
    directive: String,
    /// The file it names, resolved against the page's folder.
    target: PathBuf,
    /// What follows the path: an anchor name, a line range, or nothing.
    selector: String,
}

/// Every `{{#include}}`, `{{#rustdoc_include}}` and `{{#playground}}` of a page.
fn includes(root: &Path, page: &Path, text: &str) -> Vec<Include> {
    let page_dir = root
        .join(SRC_DIR)
        .join(page.parent().unwrap_or(Path::new("")));
    let mut found = Vec::new();
    for directive in DIRECTIVE.captures_iter(text) {
        let (Some(kind), Some(argument)) = (directive.get(1), directive.get(2)) else {
            continue; // an escaped directive, shown as text
        };
        if !matches!(kind.as_str(), "include" | "rustdoc_include" | "playground") {
            continue;
        }
        let argument = argument.as_str().split_whitespace().next().unwrap_or("");
        let (file, selector) = match argument.split_once(':') {
            Some((file, selector)) if kind.as_str() != "playground" => (file, selector),
            _ => (argument, ""),
        };
        found.push(Include {
            at: format!("{}:{}", shown(page), line_of(text, kind.start())),
            directive: directive.get(0).map_or("", |m| m.as_str()).to_string(),
            target: normalise(&page_dir.join(file)),
            selector: selector.to_string(),
        });
    }
    found
}

impl Include {
    /// Check: the directive names an existing file and, if any, a real anchor or line.
    fn problem(&self, root: &Path) -> Option<String> {
        let Self { at, directive, .. } = self;
        let file = relative_to(root, &self.target);
        let Ok(contents) = std::fs::read_to_string(&self.target) else {
            return Some(format!(
                "{at}: {directive}: no file {} (the path is relative to the page)",
                file.display()
            ));
        };
        selector_problem(&file, &contents, &self.selector)
            .map(|problem| format!("{at}: {directive}: {problem}"))
    }
}

/// The markdown files of `book/src` that pages include: snippets, not pages.
fn snippets(src: &Path, includes: &[Include]) -> HashSet<PathBuf> {
    let src = normalise(src);
    includes
        .iter()
        .filter_map(|include| include.target.strip_prefix(&src).ok())
        .map(Path::to_path_buf)
        .collect()
}

/// What is wrong with an include's `:anchor` or `:start:end` part, if anything.
///
/// mdBook reads a selector starting with a number (or empty) as a line range and
/// anything else as an anchor name.
fn selector_problem(file: &Path, contents: &str, selector: &str) -> Option<String> {
    let first = selector.split(':').next().unwrap_or("");
    if first.is_empty() {
        return None;
    }
    if let Ok(start) = first.parse::<usize>() {
        let lines = contents.lines().count();
        return (start > lines).then(|| {
            format!(
                "{} has only {lines} lines, so line {start} is past its end",
                file.display()
            )
        });
    }
    anchor_problem(file, contents, first)
}

/// What is wrong with a named anchor in an included file, if anything.
fn anchor_problem(file: &Path, contents: &str, anchor: &str) -> Option<String> {
    let is = |pattern: &Regex, line: &str| {
        pattern
            .captures(line)
            .is_some_and(|c| c.get(1).is_some_and(|m| m.as_str() == anchor))
    };
    let lines: Vec<&str> = contents.lines().collect();
    let Some(start) = lines.iter().position(|line| is(&ANCHOR_START, line)) else {
        return Some(format!(
            "{} has no anchor \"{anchor}\": put `// ANCHOR: {anchor}` and \
             `// ANCHOR_END: {anchor}` around the code to show",
            file.display()
        ));
    };
    let Some(length) = lines[start + 1..]
        .iter()
        .position(|line| is(&ANCHOR_END, line))
    else {
        return Some(format!(
            "{} has `ANCHOR: {anchor}` on line {} but no `ANCHOR_END: {anchor}` after it",
            file.display(),
            start + 1
        ));
    };
    let shown_lines = lines[start + 1..start + 1 + length]
        .iter()
        .filter(|line| !ANCHOR_START.is_match(line) && !ANCHOR_END.is_match(line))
        .count();
    (shown_lines == 0).then(|| {
        format!(
            "{}: anchor \"{anchor}\" (line {}) contains no code",
            file.display(),
            start + 1
        )
    })
}

/// Check: every relative link and image of a page points at an existing file inside
/// the book, and a `#fragment` at an existing heading.
fn links_resolve(src: &Path, page: &Path, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for link in markdown_links(text) {
        if is_external(&link.target) {
            continue;
        }
        let at = format!("{}:{}", shown(page), link.line);
        let (path, fragment) = match link.target.split_once('#') {
            Some((path, fragment)) => (path, Some(fragment)),
            None => (link.target.as_str(), None),
        };
        let path = path.split('?').next().unwrap_or(path);
        let linked = if path.is_empty() {
            page.to_path_buf()
        } else {
            normalise(&page.parent().unwrap_or(Path::new("")).join(path))
        };
        if linked.starts_with("..") {
            problems.push(format!(
                "{at}: link to {} leaves book/src, and the built book holds only book/src: \
                 include the file's code instead, or link to a page",
                link.target
            ));
            continue;
        }
        let Some(file) = existing_target(src, &linked) else {
            problems.push(format!(
                "{at}: link to {}: {} does not exist",
                link.target,
                shown(&linked)
            ));
            continue;
        };
        if let Some(fragment) = fragment.filter(|f| !f.is_empty()) {
            problems.extend(fragment_problem(src, &file, fragment).map(|p| format!("{at}: {p}")));
        }
    }
    problems
}

/// The file a relative link resolves to in `book/src`, if any.
///
/// A link may name the source (`page.md`), the rendered page (`page.html`, which mdBook
/// writes from `page.md`), or a folder.
fn existing_target(src: &Path, linked: &Path) -> Option<PathBuf> {
    if src.join(linked).exists() {
        return Some(linked.to_path_buf());
    }
    let as_markdown = linked.with_extension("md");
    let is_html = linked.extension().is_some_and(|e| e == "html");
    (is_html && src.join(&as_markdown).is_file()).then_some(as_markdown)
}

/// What is wrong with a `#fragment` into a page of the book, if anything.
fn fragment_problem(src: &Path, file: &Path, fragment: &str) -> Option<String> {
    if file.extension().is_none_or(|e| e != "md") {
        return None;
    }
    let text = std::fs::read_to_string(src.join(file)).ok()?;
    let ids = heading_ids(&text);
    (!ids.iter().any(|id| id == fragment)).then(|| {
        format!(
            "{} has no heading with id \"{fragment}\"; its ids are: {}",
            shown(file),
            ids.join(", ")
        )
    })
}

/// The ids mdBook gives a page's headings (and definition terms), plus raw `id="…"`s.
///
/// mdBook takes an explicit `{#id}`, or lowercases the heading's text, turns spaces
/// into `-`, drops other punctuation, and numbers repeats `-1`, `-2`.
fn heading_ids(text: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut used = HashSet::new();
    let mut heading: Option<String> = None;
    for event in new_cmark_parser(text, &MarkdownOptions::default()) {
        match event {
            Event::Start(Tag::Heading { id: Some(id), .. }) => {
                used.insert(id.to_string());
                ids.push(id.to_string());
            }
            Event::Start(Tag::Heading { id: None, .. } | Tag::DefinitionListTitle) => {
                heading = Some(String::new());
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(heading) = heading.as_mut() {
                    heading.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_) | TagEnd::DefinitionListTitle) => {
                if let Some(content) = heading.take() {
                    ids.push(unique_id(id_from_content(&content), &mut used));
                }
            }
            _ => {}
        }
    }
    static RAW_ID: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"\bid="([^"]+)""#).expect("valid regex"));
    ids.extend(RAW_ID.captures_iter(text).map(|c| c[1].to_string()));
    ids
}

/// mdBook's id for a heading's text.
fn id_from_content(content: &str) -> String {
    content
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || c == '_' || c == '-' => Some(c),
            c if c.is_whitespace() => Some('-'),
            _ => None,
        })
        .collect()
}

/// mdBook's numbering of repeated ids: `id`, `id-1`, `id-2`…
fn unique_id(id: String, used: &mut HashSet<String>) -> String {
    if used.insert(id.clone()) {
        return id;
    }
    (1..)
        .map(|n| format!("{id}-{n}"))
        .find(|candidate| used.insert(candidate.clone()))
        .expect("some suffix is free")
}

/// A link or image of a markdown text: its target and its line.
struct Link {
    /// The line the link starts on.
    line: usize,
    /// The link's destination as written.
    target: String,
}

/// Every link and image of a markdown text, parsed the way mdBook parses it (so links
/// inside code are not links).
fn markdown_links(text: &str) -> Vec<Link> {
    new_cmark_parser(text, &MarkdownOptions::default())
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => Some(Link {
                line: line_of(text, range.start),
                target: dest_url.to_string(),
            }),
            _ => None,
        })
        .collect()
}

/// Whether a link leaves the book (a URL with a scheme, or a site-absolute path),
/// which this check cannot and need not follow.
fn is_external(target: &str) -> bool {
    static SCHEME: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[a-zA-Z][a-zA-Z0-9+.-]*:").expect("valid regex"));
    target.starts_with('/') || SCHEME.is_match(target)
}

/// Every markdown page under `book/src` except SUMMARY.md, relative to it, sorted.
fn markdown_pages(src: &Path) -> Vec<PathBuf> {
    fn walk(src: &Path, dir: &Path, pages: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(src, &path, pages);
            } else if path.extension().is_some_and(|e| e == "md") {
                let page = path.strip_prefix(src).unwrap_or(&path).to_path_buf();
                if page != Path::new(SUMMARY) {
                    pages.push(page);
                }
            }
        }
    }
    let mut pages = Vec::new();
    walk(src, src, &mut pages);
    pages.sort();
    pages
}

/// The 1-based line of a byte offset, for `file:line:` messages.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// A page of `book/src` as the problem messages name it: `book/src/ch2/x.md`.
fn shown(page: &Path) -> String {
    Path::new(SRC_DIR).join(page).display().to_string()
}

/// A path relative to the workspace root, `..` resolved, for messages.
fn relative_to(root: &Path, path: &Path) -> PathBuf {
    let path = normalise(path);
    path.strip_prefix(normalise(root))
        .map(Path::to_path_buf)
        .unwrap_or(path)
}

/// Resolves `.` and `..` in a path without touching the disk (the file may not exist).
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::tests::problems;

    /// Asserts there is exactly one problem and it contains every given piece.
    fn assert_one_problem(problems: &[String], pieces: &[&str]) {
        assert_eq!(problems.len(), 1, "{problems:#?}");
        for piece in pieces {
            assert!(
                problems[0].contains(piece),
                "no {piece:?} in {:?}",
                problems[0]
            );
        }
    }

    #[test]
    fn finds_a_missing_include_file() {
        let page = "# Echo\n\n## The code\n\n```rust\n{{#include ../../../solutions/ch9-1/src/server.rs:main}}\n```\n\n## A reference solution\n";
        assert_one_problem(
            &problems(&[("book/src/ch9/ex.md", page)]),
            &[
                "book/src/ch9/ex.md:6:",
                "no file solutions/ch9-1/src/server.rs",
            ],
        );
    }

    #[test]
    fn finds_a_missing_anchor() {
        let page = "# Echo\n\n## The code\n\n```rust\n{{#rustdoc_include ../../../solutions/ch9-1/src/main.rs:handle}}\n```\n\n## A reference solution\n";
        assert_one_problem(
            &problems(&[("book/src/ch9/ex.md", page)]),
            &[
                "book/src/ch9/ex.md:6:",
                "solutions/ch9-1/src/main.rs has no anchor \"handle\"",
                "ANCHOR_END: handle",
            ],
        );
    }

    #[test]
    fn finds_an_anchor_without_its_end_and_an_empty_anchor() {
        let code = "// ANCHOR: main\nfn main() {}\n// ANCHOR: empty\n// ANCHOR_END: empty\n";
        assert_one_problem(
            &problems(&[("solutions/ch9-1/src/main.rs", code)]),
            &[
                "ex.md:6:",
                "`ANCHOR: main` on line 1 but no `ANCHOR_END: main`",
            ],
        );
        let page = "# Echo\n\n## The code\n\n{{#include ../../../solutions/ch9-1/src/main.rs:empty}}\n\n## A reference solution\n";
        assert_one_problem(
            &problems(&[
                ("solutions/ch9-1/src/main.rs", code),
                ("book/src/ch9/ex.md", page),
            ]),
            &["anchor \"empty\" (line 3) contains no code"],
        );
    }

    #[test]
    fn finds_a_line_range_past_the_end() {
        let page = "# Echo\n\n## The code\n\n{{#include ../../../solutions/ch9-1/src/main.rs:40:50}}\n\n## A reference solution\n";
        assert_one_problem(
            &problems(&[("book/src/ch9/ex.md", page)]),
            &["has only 4 lines"],
        );
    }

    #[test]
    fn an_exercise_page_without_its_solution_heading_is_named() {
        let page = "# Echo\n\n## The code\n\nNo solution here.\n";
        assert_one_problem(
            &problems(&[("book/src/ch9/ex.md", page)]),
            &[
                "book/src/ch9/ex.md:",
                "no `## A reference solution` section",
            ],
        );
    }

    #[test]
    fn questions_without_folded_answers_are_named() {
        let page = "# Notes\n\n## Check yourself\n\n1. Why?\n\n## Get graded\n\n<summary>Answers</summary>\n";
        assert_one_problem(
            &problems(&[("book/src/ch9/README.md", page)]),
            &[
                "book/src/ch9/README.md:3:",
                "`## Check yourself` has no answers",
            ],
        );
        let answered = "# Notes\n\n## Quiz\n\n1. Why?\n\n<details>\n<summary>Answers</summary>\n\n1. So.\n\n</details>\n";
        assert_eq!(
            problems(&[("book/src/ch9/README.md", answered)]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn finds_a_broken_link() {
        let intro = "# Intro\n\nRead [chapter 2](ch2/README.md) first.\n";
        assert_one_problem(
            &problems(&[("book/src/intro.md", intro)]),
            &[
                "book/src/intro.md:3:",
                "link to ch2/README.md",
                "book/src/ch2/README.md does not exist",
            ],
        );
    }

    #[test]
    fn finds_a_link_to_a_missing_heading() {
        let intro = "# Intro\n\nSee [the code](ch9/ex.md#the-cod) and [below](#intro).\n";
        assert_one_problem(
            &problems(&[("book/src/intro.md", intro)]),
            &[
                "intro.md:3:",
                "no heading with id \"the-cod\"",
                "echo, the-code",
            ],
        );
    }

    #[test]
    fn finds_a_link_out_of_the_book() {
        let intro = "# Intro\n\nThe [solution](../../solutions/ch9-1/src/main.rs).\n";
        assert_one_problem(
            &problems(&[("book/src/intro.md", intro)]),
            &["leaves book/src"],
        );
    }

    #[test]
    fn finds_a_page_missing_from_the_summary() {
        assert_one_problem(
            &problems(&[("book/src/ch9/notes.md", "# Notes\n")]),
            &[
                "book/src/ch9/notes.md: not listed in book/src/SUMMARY.md",
                "(ch9/notes.md)",
            ],
        );
    }

    #[test]
    fn a_snippet_that_pages_include_needs_no_summary_entry() {
        let page =
            "# Echo\n\n## The code\n\n{{#include ../grading.md}}\n\n## A reference solution\n";
        let snippet = "Run `cargo xtask check ch9-1`.\n";
        let found = problems(&[
            ("book/src/ch9/ex.md", page),
            ("book/src/grading.md", snippet),
        ]);
        assert_eq!(found, Vec::<String>::new());
    }

    #[test]
    fn finds_a_summary_entry_without_its_page() {
        let summary = "# Summary\n\n[Intro](intro.md)\n\n- [Chapter 9](ch9/README.md)\n  - [Echo](ch9/ex.md)\n  - [Later](ch9/later.md)\n  - [Draft]()\n";
        assert_one_problem(
            &problems(&[("book/src/SUMMARY.md", summary)]),
            &["book/src/SUMMARY.md:7: lists ch9/later.md, which does not exist"],
        );
    }

    #[test]
    fn finds_an_exercise_whose_page_is_not_listed() {
        let summary = "# Summary\n\n[Intro](intro.md)\n\n- [Chapter 9](ch9/README.md)\n";
        let found = problems(&[("book/src/SUMMARY.md", summary)]);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found
                .iter()
                .any(|p| p.starts_with("book/src/ch9/ex.md: not listed")),
            "{found:#?}"
        );
        assert!(
            found
                .iter()
                .any(|p| p
                    .starts_with("exercises.toml: exercise ch9-1 is taught on book/src/ch9/ex.md")),
            "{found:#?}"
        );
    }

    #[test]
    fn heading_ids_follow_mdbook() {
        let ids = heading_ids(
            "# Full-duplex chat (ch2-8)\n\n## Try it\n\n## Try it\n\n### `read_line` & you {#mine}\n",
        );
        assert_eq!(
            ids,
            ["full-duplex-chat-ch2-8", "try-it", "try-it-1", "mine"]
        );
    }
}
