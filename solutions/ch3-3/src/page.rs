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

// ANCHOR: references
/// Every `src` and `href` attribute value of the [`OBJECT_TAGS`] in `html`, in order,
/// as written (not resolved). Tag and attribute names are case-insensitive; values may
/// be in double quotes, single quotes or unquoted; comments (`<!-- … -->`) are skipped.
pub fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        if let Some(comment) = rest.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let end = tag_end(rest);
        let tag = &rest[..end];
        rest = &rest[end..];
        let name_end = tag
            .find(|c: char| c.is_ascii_whitespace() || c == '/')
            .unwrap_or(tag.len());
        let name = &tag[..name_end];
        if OBJECT_TAGS.iter().any(|t| t.eq_ignore_ascii_case(name)) {
            for (attribute, value) in attributes(&tag[name_end..]) {
                if attribute.eq_ignore_ascii_case("src") || attribute.eq_ignore_ascii_case("href") {
                    found.push(value.to_string());
                }
            }
        }
    }
    found
}
// ANCHOR_END: references

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

// ANCHOR: objects
/// The objects of the page at `page` whose HTML is `html`: every reference resolved
/// against the page's URL, those on its server kept as request targets, each once and
/// never the page itself (it is already fetched); the rest listed as elsewhere.
pub fn objects(page: &Url, html: &str) -> Objects {
    let mut objects = Objects::default();
    for reference in references(html) {
        match url::resolve(page, &reference) {
            Resolved::Here(target) => {
                if target != page.target && !objects.here.contains(&target) {
                    objects.here.push(target);
                }
            }
            Resolved::Elsewhere => {
                if !objects.elsewhere.contains(&reference) {
                    objects.elsewhere.push(reference);
                }
            }
        }
    }
    objects
}
// ANCHOR_END: objects

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_object_references_only() {
        let html = r#"<html><head><LINK rel=stylesheet HREF='/s.css'>
            <script src="app.js" defer></script></head>
            <body><!-- <img src="/old.png"> --><a href="/next.html">next</a>
            <img alt="x > y" src=/a.png><img src="/a.png"/></body></html>"#;
        assert_eq!(references(html), ["/s.css", "app.js", "/a.png", "/a.png"]);
    }

    #[test]
    fn keeps_each_object_once() {
        let page = Url::parse("http://h:1/dir/index.html").unwrap();
        let html = r#"<img src="a.png"><img src="/dir/a.png"><img src="index.html">
            <img src="https://cdn/x.png"><img src="https://cdn/x.png">"#;
        let objects = objects(&page, html);
        assert_eq!(objects.here, ["/dir/a.png"]);
        assert_eq!(objects.elsewhere, ["https://cdn/x.png"]);
    }
}
