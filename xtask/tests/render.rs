//! The book as a reader sees it: every page is opened in a real headless browser
//! (Debian's chromium), and every diagram must have been drawn and every included piece
//! of code must be on the page. `.ci/run` installs chromium; where it is missing this
//! test fails and says how to install it, rather than passing without looking.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is in the workspace")
        .to_path_buf()
}

/// The browser, or a failure that says how to get it.
fn chromium() -> PathBuf {
    let path = PathBuf::from("/usr/bin/chromium");
    assert!(
        path.is_file(),
        "this test opens the book in a headless browser: install it with `apt-get install chromium` \
         (.ci/run does)"
    );
    path
}

/// The page's DOM after its scripts ran (mermaid draws diagrams after the load event).
fn rendered(browser: &Path, page: &Path) -> String {
    let profile = tempfile::tempdir().expect("a temporary profile");
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", page.display()))
        .timeout(Duration::from_secs(60))
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "chromium failed on {}: {}",
        page.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every chapter page of the built book.
fn chapter_pages(book: &Path) -> Vec<PathBuf> {
    let mut pages = Vec::new();
    for chapter in std::fs::read_dir(book)
        .expect("the book was built")
        .flatten()
    {
        let dir = chapter.path();
        if dir.is_dir()
            && dir
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("ch"))
        {
            for page in std::fs::read_dir(&dir).expect("a chapter folder").flatten() {
                if page.path().extension().is_some_and(|e| e == "html") {
                    pages.push(page.path());
                }
            }
        }
    }
    pages.sort();
    pages
}

#[test]
fn every_page_renders_its_diagrams_and_code_in_a_browser() {
    let browser = chromium();
    Command::cargo_bin("xtask")
        .expect("xtask")
        .current_dir(root())
        .arg("book")
        .assert()
        .success();
    let pages = chapter_pages(&root().join("book/book"));
    assert!(pages.len() >= 4, "the book has chapter pages: {pages:?}");
    let problems: Vec<String> = std::thread::scope(|scope| {
        let checks: Vec<_> = pages
            .iter()
            .map(|page| {
                let browser = &browser;
                scope.spawn(move || page_problems(browser, page))
            })
            .collect();
        checks
            .into_iter()
            .flat_map(|check| check.join().expect("a page check"))
            .collect()
    });
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// What is wrong with one page as the browser shows it.
fn page_problems(browser: &Path, page: &Path) -> Vec<String> {
    let source = std::fs::read_to_string(page).expect("a built page");
    let dom = rendered(browser, page);
    let name = page.display();
    let mut problems = Vec::new();
    let diagrams = source.matches("class=\"mermaid\"").count();
    let drawn = dom.matches("data-processed=\"true\"").count();
    if drawn < diagrams {
        problems.push(format!(
            "{name}: {diagrams} diagrams, but the browser drew {drawn}"
        ));
    }
    if dom.contains("Syntax error in text") {
        problems.push(format!(
            "{name}: mermaid reports a syntax error in a diagram"
        ));
    }
    if dom.contains("{{#include") || dom.contains("{{#rustdoc_include") {
        problems.push(format!("{name}: an include was left unexpanded"));
    }
    if !dom.contains("class=\"content\"") {
        problems.push(format!("{name}: the page has no content area"));
    }
    problems
}
