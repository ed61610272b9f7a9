//! Mermaid diagrams in the book, drawn with no mdBook plugin installed.

use anyhow::Result;
use mdbook_driver::book::Book;
use mdbook_markdown::pulldown_cmark::{CodeBlockKind, Event, Tag, TagEnd};
use mdbook_markdown::{MarkdownOptions, new_cmark_parser};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};

/// Turns ```` ```mermaid ```` code blocks into `<pre class="mermaid">`, which the
/// mermaid.js script of the page then draws as a diagram.
///
/// This is what the `mdbook-mermaid` crate's preprocessor does, in a few lines over the
/// parser mdBook already uses: the crate itself pulls in an older pulldown-cmark,
/// toml_edit 0.15 and env_logger for it, about a fifth of xtask's cold build (measured:
/// ~15 of ~65 CPU seconds). Its two scripts are committed in `book/`.
pub(super) struct Mermaid;

impl Preprocessor for Mermaid {
    /// The name `book.toml` would use for it (it needs no entry there).
    fn name(&self) -> &str {
        "mermaid"
    }

    /// Rewrites the diagrams of every chapter.
    fn run(&self, _: &PreprocessorContext, mut book: Book) -> Result<Book> {
        book.for_each_chapter_mut(|chapter| chapter.content = mermaid_to_html(&chapter.content));
        Ok(book)
    }

    /// Only HTML pages run mermaid.js.
    fn supports_renderer(&self, renderer: &str) -> Result<bool> {
        Ok(renderer == "html")
    }
}

/// A chapter's markdown with each mermaid block replaced by an HTML `<pre>` holding the
/// diagram's source, HTML-escaped (mermaid.js reads it back as text).
fn mermaid_to_html(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut copied = 0;
    let mut diagram: Option<String> = None;
    for (event, range) in new_cmark_parser(markdown, &MarkdownOptions::default()).into_offset_iter()
    {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if info.split_whitespace().next() == Some("mermaid") =>
            {
                out.push_str(&markdown[copied..range.start]);
                copied = range.end;
                diagram = Some(String::new());
            }
            Event::Text(text) => {
                if let Some(diagram) = diagram.as_mut() {
                    diagram.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(diagram) = diagram.take() {
                    out.push_str(&format!(
                        "<pre class=\"mermaid\">{}</pre>\n\n",
                        escape_html(&diagram)
                    ));
                }
            }
            _ => {}
        }
    }
    out.push_str(&markdown[copied..]);
    out
}

/// Escapes text for an HTML element's content.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mermaid_blocks_become_diagrams_and_other_code_stays() {
        let page = "# P\n\n```mermaid\nsequenceDiagram\n  A->>B: a <b> & \"c\"\n```\n\n```rust\nlet x = 1;\n```\n";
        let html = mermaid_to_html(page);
        assert_eq!(
            html,
            "# P\n\n<pre class=\"mermaid\">sequenceDiagram\n  A->>B: a &lt;b&gt; &amp; &quot;c&quot;\n</pre>\n\n\n\n```rust\nlet x = 1;\n```\n"
                .replace("->>", "-&gt;&gt;")
        );
    }
}
