//! Reference solutions behind a fold: an exercise page's `## A reference solution`
//! section is shown only when the reader opens it, so nobody reads the answer by
//! accident while scrolling to the exercise's checks or its "Get graded" section.

use mdbook_driver::book::Book;
use mdbook_markdown::pulldown_cmark::{Event, HeadingLevel, Tag, TagEnd};
use mdbook_markdown::{MarkdownOptions, new_cmark_parser};

/// The heading every exercise page gives its reference solution (`check` requires it).
pub(super) const SOLUTION_HEADING: &str = "A reference solution";

/// Folds the reference solution section of every chapter that has one.
pub(super) fn fold_solutions(book: &mut Book) {
    book.for_each_chapter_mut(|chapter| chapter.content = folded(&chapter.content));
}

/// `markdown` with its reference solution section, from just under its heading to the
/// next heading of the same level (or the end), inside `<details>`.
fn folded(markdown: &str) -> String {
    let Some((start, end)) = solution_section(markdown) else {
        return markdown.to_string();
    };
    format!(
        "{}\n<details>\n<summary>Show the reference solution (try the exercise first)</summary>\n\n{}\n\n</details>\n\n{}",
        &markdown[..start],
        markdown[start..end].trim(),
        &markdown[end..]
    )
}

/// Where the body of the `## A reference solution` section starts (after its heading)
/// and ends (at the next level-2 heading, or the end of the page).
fn solution_section(markdown: &str) -> Option<(usize, usize)> {
    let mut in_heading: Option<usize> = None;
    let mut heading_text = String::new();
    let mut body_start: Option<usize> = None;
    for (event, range) in new_cmark_parser(markdown, &MarkdownOptions::default()).into_offset_iter()
    {
        match event {
            Event::Start(Tag::Heading { level, .. }) if level <= HeadingLevel::H2 => {
                if let Some(start) = body_start {
                    return Some((start, range.start));
                }
                in_heading = Some(range.start);
                heading_text.clear();
            }
            Event::Text(text) | Event::Code(text) if in_heading.is_some() => {
                heading_text.push_str(&text);
            }
            Event::End(TagEnd::Heading(level)) if level <= HeadingLevel::H2 => {
                let closes_a_heading = in_heading.take().is_some();
                if closes_a_heading && heading_text.trim() == SOLUTION_HEADING {
                    body_start = Some(range.end);
                }
            }
            _ => {}
        }
    }
    body_start.map(|start| (start, markdown.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_solution_section_and_only_it_is_folded() {
        let page = "# Ex\n\n## The exercise\n\nDo it.\n\n## A reference solution\n\n> [!WARNING]\n> Spoilers.\n\n\
                    ```rust\n## not a heading\nfn main() {}\n```\n\n### A detail\n\nMore.\n\n## Get graded\n\nRun it.\n";
        let out = folded(page);
        let open = out.find("<details>").expect("a fold");
        let close = out.find("</details>").expect("a closed fold");
        assert!(out[..open].contains("## A reference solution"), "{out}");
        assert!(out[..open].contains("Do it."), "{out}");
        let inside = &out[open..close];
        assert!(
            inside.contains("fn main() {}") && inside.contains("### A detail"),
            "{out}"
        );
        assert!(out[close..].contains("## Get graded\n\nRun it."), "{out}");
    }

    #[test]
    fn a_page_without_a_solution_is_unchanged_and_a_last_section_folds_to_the_end() {
        assert_eq!(folded("# A\n\nText.\n"), "# A\n\nText.\n");
        let out = folded("# A\n\n## A reference solution\n\nCode.\n");
        assert!(out.trim_end().ends_with("</details>"), "{out}");
    }
}
