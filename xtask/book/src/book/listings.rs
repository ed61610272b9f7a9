//! A caption over every listing the book includes from a real file, as the Rust book's
//! "Filename:" listings: a reader sees where the code lives and can open it.

use mdbook_driver::book::Book;
use mdbook_markdown::pulldown_cmark::{CodeBlockKind, Event, Tag};
use mdbook_markdown::{MarkdownOptions, new_cmark_parser};
use std::path::{Component, Path, PathBuf};

/// Puts `Filename: PATH` over each code block of every chapter whose text includes a
/// file (`{{#include …}}`). Runs on the sources, before mdBook expands the includes.
pub(super) fn caption_listings(book: &mut Book) {
    book.for_each_chapter_mut(|chapter| {
        if let Some(page) = chapter.path.clone() {
            chapter.content = with_captions(&chapter.content, &page);
        }
    });
}

/// `markdown` (the page at `page`, relative to `book/src`) with a caption line before
/// every code block that includes a file.
fn with_captions(markdown: &str, page: &Path) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut copied = 0;
    let mut block_start: Option<usize> = None;
    for (event, range) in new_cmark_parser(markdown, &MarkdownOptions::default()).into_offset_iter()
    {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) => {
                block_start = Some(range.start);
            }
            Event::Text(text) => {
                let (Some(start), Some(file)) = (block_start.take(), included_file(&text)) else {
                    continue;
                };
                let line_start = markdown[..start].rfind('\n').map_or(0, |at| at + 1);
                // A listing inside a list item keeps the item's indentation.
                let indent: String = markdown[line_start..start]
                    .chars()
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                out.push_str(&markdown[copied..line_start]);
                out.push_str(&format!(
                    "{indent}<p class=\"listing-file\">Filename: <code>{}</code></p>\n\n",
                    from_root(page, &file).display()
                ));
                copied = line_start;
            }
            _ => {}
        }
    }
    out.push_str(&markdown[copied..]);
    out
}

/// The file an include directive in a code block's text names (without its anchor or
/// line range); an escaped directive (`\{{#include`) names none.
fn included_file(text: &str) -> Option<String> {
    let at = text.find("{{#include ")?;
    if text[..at].ends_with('\\') {
        return None;
    }
    let rest = &text[at + "{{#include ".len()..];
    let spec = rest.split("}}").next()?.trim();
    Some(spec.split(':').next()?.to_string())
}

/// `file`, relative to the page's folder, as a path from the workspace root:
/// `../../../solutions/ch2-8/src/chat.rs` on `ch2/x.md` is `solutions/ch2-8/src/chat.rs`.
fn from_root(page: &Path, file: &str) -> PathBuf {
    let page_dir = Path::new(super::SRC_DIR).join(page.parent().unwrap_or(Path::new("")));
    let joined = page_dir.join(file);
    let mut parts: Vec<Component> = Vec::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                parts.pop();
            }
            Component::CurDir => {}
            other => parts.push(other),
        }
    }
    parts.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_included_listing_gets_its_file_name_and_others_do_not() {
        let page = "# X\n\n```rust\n{{#include ../../../solutions/ch2-8/src/chat.rs:converse}}\n```\n\n\
                    ```text\n\\{{#include not/this.rs}}\n```\n\n1. A step:\n\n   ```rust\n   {{#include ../x.rs}}\n   ```\n";
        let out = with_captions(page, Path::new("ch2/full-duplex-chat.md"));
        assert!(
            out.contains("<p class=\"listing-file\">Filename: <code>solutions/ch2-8/src/chat.rs</code></p>\n\n```rust\n{{#include"),
            "{out}"
        );
        assert!(
            !out.contains("not/this.rs</code>"),
            "an escaped directive gets none: {out}"
        );
        assert!(
            out.contains("   <p class=\"listing-file\">Filename: <code>book/src/x.rs</code></p>\n\n   ```rust"),
            "a listing inside a list keeps its indentation: {out}"
        );
    }
}
