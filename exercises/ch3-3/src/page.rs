//! The objects a page references: what a browser fetches after the HTML before it can
//! show the page — images, scripts, style sheets.

use crate::url::{self, Resolved, Url};

/// The tags whose `src` or `href` names an object of the page. `<a href>` is not one: it
/// links to another page, fetched only when someone clicks.
pub const OBJECT_TAGS: &[&str] = &["img", "script", "link"];

/// The objects of a page, in the order the client fetches them.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Objects {
    /// Request targets on the page's server, each once, in the order first referenced.
    pub here: Vec<String>,
    /// References the client does not fetch (another server, another scheme), as
    /// written in the page, each once.
    pub elsewhere: Vec<String>,
}

/// Every `src` and `href` attribute value of the [`OBJECT_TAGS`] in `html`, in order,
/// as written (not resolved). Tag and attribute names are case-insensitive; values may
/// be in double quotes, single quotes or unquoted; comments (`<!-- … -->`) are skipped.
///
/// The given [`tag_end`] finds where a tag ends (a `>` inside quotes does not end it)
/// and [`attributes`] splits a tag's inside into `(name, value)` pairs.
pub fn references(html: &str) -> Vec<String> {
    todo!("find the src and href of img, script and link tags")
}

/// Where a tag that starts `text` ends: its first `>` outside quotes (`alt="a > b"`
/// does not end it), or the end of the text.
fn tag_end(text: &str) -> usize {
    let mut quote = None;
    for (at, c) in text.char_indices() {
        match (quote, c) {
            (None, '>') => return at,
            (None, '"' | '\'') => quote = Some(c),
            (Some(open), _) if c == open => quote = None,
            _ => {}
        }
    }
    text.len()
}

/// The `name=value` pairs of a tag's inside (after its name); a name without a value
/// gets an empty one.
fn attributes(mut text: &str) -> Vec<(&str, &str)> {
    let mut pairs = Vec::new();
    loop {
        text = text.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if text.is_empty() {
            return pairs;
        }
        let name_end = text
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
            .unwrap_or(text.len());
        let name = &text[..name_end];
        text = text[name_end..].trim_start();
        let Some(after) = text.strip_prefix('=') else {
            pairs.push((name, ""));
            continue;
        };
        let after = after.trim_start();
        let (value, rest) = match after.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let inner = &after[1..];
                let end = inner.find(quote).unwrap_or(inner.len());
                (&inner[..end], inner.get(end + 1..).unwrap_or(""))
            }
            _ => {
                let end = after
                    .find(|c: char| c.is_ascii_whitespace())
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        pairs.push((name, value));
        text = rest;
    }
}

/// The objects of the page at `page` whose HTML is `html`: every reference resolved
/// against the page's URL, those on its server kept as request targets, each once and
/// never the page itself (it is already fetched); the rest listed as elsewhere.
///
/// [`url::resolve`] (given) does the resolving: `a.png`, `./a.png` and `/dir/a.png` on
/// the page `/dir/index.html` all resolve to the same target, fetched once. References
/// elsewhere are kept as written, each once.
pub fn objects(page: &Url, html: &str) -> Objects {
    todo!("resolve each reference; keep those on this server once each")
}
