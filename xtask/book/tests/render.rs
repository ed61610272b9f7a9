//! The book as a reader sees it: every page is opened in a real headless browser
//! (Debian's chromium), and every diagram must have been drawn and every included piece
//! of code must be on the page.
//!
//! The browser is looked up on PATH (`chromium`, then `chromium-browser`). Where there is
//! none, the check is skipped and says so in one loud line, so `cargo xtask test` passes
//! on a machine that has only rustup. Where the check must run (`CI=true`, or
//! `NETLAB_REQUIRE_BROWSER=1`), a missing browser fails it with how to install one;
//! `.ci/run` installs chromium.
//!
//! Each page is also measured as a reader at a 1280 px wide window sees it (the script
//! `layout.js`, added to a copy of the page): no diagram text drawn smaller than 10 px,
//! no text sticking out of its box, no page or table wider than the window.
//!
//! This test has its own harness (`harness = false`, libtest-mimic): libtest captures a
//! test's output and shows it only when the test fails, which would hide the skip line.
//! libtest-mimic captures nothing, and also reports the check as `ignored`.

use assert_cmd::Command;
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The names the browser goes by, in the order they are tried: Debian's package
/// installs `chromium`, Ubuntu's `chromium-browser`.
const BROWSERS: [&str; 2] = ["chromium", "chromium-browser"];

/// How to install the browser, for the skip line and the failure.
const INSTALL: &str = "apt-get install chromium";

/// The deadline of one page in the browser (its scripts get 5 s of virtual time).
const PAGE_DEADLINE: Duration = Duration::from_secs(60);

/// The deadline of building the whole book.
const BUILD_DEADLINE: Duration = Duration::from_secs(300);

/// Runs the one check as a test binary: `cargo test` arguments (filters, `--list`)
/// work as usual.
fn main() -> ExitCode {
    let args = Arguments::from_args();
    let checks = vec![
        Trial::ignorable_test(
            "every_page_renders_its_diagrams_and_code_in_a_browser",
            every_page_renders_its_diagrams_and_code,
        ),
        Trial::ignorable_test(
            "the_layout_check_finds_tiny_text_text_out_of_its_box_and_wide_tables",
            the_layout_check_finds_what_it_must,
        ),
    ];
    libtest_mimic::run(&args, checks).exit_code()
}

/// The layout check itself, on hand-made pages whose faults are known: a diagram
/// scaled down to tiny text, a note whose text runs out of its box, a table wider than
/// the window — and a page without any, which must pass.
fn the_layout_check_finds_what_it_must() -> Result<Completion, Failed> {
    let Some(browser) = find_browser() else {
        return no_browser();
    };
    let dir = tempfile::tempdir().map_err(|e| format!("no temporary folder: {e}"))?;
    let page = |name: &str, body: &str| -> Result<PathBuf, Failed> {
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            format!("<!DOCTYPE html><html><body>{body}</body></html>"),
        )
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(path)
    };
    // A drawn diagram as mermaid leaves it: an SVG inside a processed <pre>.
    let diagram = |view_width: u32, width: u32, inner: &str| {
        format!(
            "<pre class=\"mermaid\" data-processed=\"true\"><svg xmlns=\"http://www.w3.org/2000/svg\" \
             viewBox=\"0 0 {view_width} 100\" width=\"{width}\" style=\"font-size:16px\">{inner}</svg></pre>"
        )
    };
    // Notes as mermaid draws them in a sequence diagram.
    let fitting_note = "<g><rect class=\"note\" x=\"0\" y=\"0\" width=\"300\" height=\"40\"></rect>\
                        <text class=\"noteText\" x=\"10\" y=\"25\">short note</text></g>";
    let overflowing_note = "<g><rect class=\"note\" x=\"0\" y=\"0\" width=\"60\" height=\"40\"></rect>\
                            <text class=\"noteText\" x=\"10\" y=\"25\">a note far too long for its box</text></g>";
    let good = page("good.html", &diagram(400, 400, fitting_note))?;
    let tiny = page("tiny.html", &diagram(4000, 400, fitting_note))?;
    let outside = page("outside.html", &diagram(400, 400, overflowing_note))?;
    let wide_cells: String = (0..40)
        .map(|i| format!("<td>column{i}column</td>"))
        .collect();
    let wide = page(
        "wide.html",
        &format!("<div><table><tr>{wide_cells}</tr></table></div>"),
    )?;
    let expect = |path: &Path, needle: &str| -> Result<(), Failed> {
        let problems = layout_problems(&browser, path)?;
        match needle {
            "" if problems.is_empty() => Ok(()),
            "" => Err(format!("a page without faults got: {problems:?}").into()),
            _ if problems.iter().any(|p| p.contains(needle)) => Ok(()),
            _ => Err(format!(
                "{}: expected a problem saying {needle:?}, got {problems:?}",
                path.display()
            )
            .into()),
        }
    };
    expect(&good, "")?;
    expect(&tiny, "drawn at 1.6 px")?;
    expect(&outside, "sticks out of its box")?;
    expect(&wide, "table 1 is")?;
    Ok(Completion::Completed)
}

/// Builds the book and opens every chapter page in the browser; without a browser,
/// skips or fails as [`no_browser`] decides.
fn every_page_renders_its_diagrams_and_code() -> Result<Completion, Failed> {
    let Some(browser) = find_browser() else {
        return no_browser();
    };
    build_the_book()?;
    let pages = chapter_pages(&root().join("book/book"))?;
    if pages.len() < 4 {
        return Err(format!("the book should have chapter pages, found only {pages:?}").into());
    }
    let problems = every_page_problems(&browser, &pages);
    if problems.is_empty() {
        Ok(Completion::Completed)
    } else {
        Err(problems.join("\n").into())
    }
}

/// What to do without a browser: fail where the check is required, otherwise skip it
/// with one line on stderr that a plain `cargo test` shows.
fn no_browser() -> Result<Completion, Failed> {
    if let Some(setting) = browser_required() {
        return Err(format!(
            "{setting} requires the book's browser check, and neither `chromium` nor \
             `chromium-browser` is on PATH: install it with `{INSTALL}` (.ci/run does)"
        )
        .into());
    }
    eprintln!("SKIPPED: the book's browser check needs chromium ({INSTALL}); it runs in CI");
    Ok(Completion::ignored_with("no chromium on PATH"))
}

/// The setting that makes a missing browser a failure, if one is set: `CI=true` (what CI
/// systems set; `CI=1` also counts), or `NETLAB_REQUIRE_BROWSER=1` (to insist locally).
fn browser_required() -> Option<&'static str> {
    let is = |name: &str, values: &[&str]| {
        std::env::var(name).is_ok_and(|value| values.contains(&value.as_str()))
    };
    if is("CI", &["true", "1"]) {
        Some("CI=true")
    } else if is("NETLAB_REQUIRE_BROWSER", &["1"]) {
        Some("NETLAB_REQUIRE_BROWSER=1")
    } else {
        None
    }
}

/// The first of [`BROWSERS`] that is an executable file in a folder of PATH.
fn find_browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    BROWSERS.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| is_executable(candidate))
    })
}

/// Whether `path` is a file that someone may execute (symlinks followed).
fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// The workspace root: this package lives in `xtask/book`, two folders below it.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("xtask-book sits in the workspace's xtask/book")
        .to_path_buf()
}

/// Builds the real book into `book/book` with `xtask-book build`.
fn build_the_book() -> Result<(), Failed> {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask-book"))
        .current_dir(root())
        .arg("build")
        .timeout(BUILD_DEADLINE)
        .output()
        .map_err(|error| format!("cannot run `xtask-book build`: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "`xtask-book build` failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(())
}

/// The page's DOM after its scripts ran (mermaid draws diagrams after the load event).
fn rendered(browser: &Path, page: &Path) -> Result<String, String> {
    let profile =
        tempfile::tempdir().map_err(|error| format!("no temporary browser profile: {error}"))?;
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
            "--window-size=1280,900",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", page.display()))
        .timeout(PAGE_DEADLINE)
        .output()
        .map_err(|error| format!("cannot run {}: {error}", browser.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} failed ({}): {}",
            browser.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Every chapter page of the built book (the `.html` files of its `ch*` folders).
fn chapter_pages(book: &Path) -> Result<Vec<PathBuf>, String> {
    let html_files = |dir: &Path| -> Result<Vec<PathBuf>, String> {
        let entries = std::fs::read_dir(dir)
            .map_err(|error| format!("cannot read {}: {error}", dir.display()))?;
        Ok(entries
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|e| e == "html"))
            .collect())
    };
    let entries = std::fs::read_dir(book)
        .map_err(|error| format!("cannot read {}: {error}", book.display()))?;
    let mut pages = Vec::new();
    for dir in entries.flatten().map(|entry| entry.path()) {
        let is_chapter = dir
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("ch"));
        if dir.is_dir() && is_chapter {
            pages.extend(html_files(&dir)?);
        }
    }
    pages.sort();
    Ok(pages)
}

/// What is wrong with the pages as the browser shows them, sorted.
///
/// The pages are opened a few at a time, one per core: a dozen browsers at once starve
/// each other past their deadlines on a small machine.
fn every_page_problems(browser: &Path, pages: &[PathBuf]) -> Vec<String> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let next = AtomicUsize::new(0);
    let open_pages_in_turn = || {
        let mut problems = Vec::new();
        while let Some(page) = pages.get(next.fetch_add(1, Ordering::Relaxed)) {
            problems.extend(page_problems(browser, page));
        }
        problems
    };
    let mut problems: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..cores.min(pages.len()))
            .map(|_| scope.spawn(open_pages_in_turn))
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a page check does not panic"))
            .collect()
    });
    problems.sort();
    problems
}

/// What is wrong with one page as the browser shows it.
fn page_problems(browser: &Path, page: &Path) -> Vec<String> {
    let name = page.display();
    let source = match std::fs::read_to_string(page) {
        Ok(source) => source,
        Err(error) => return vec![format!("{name}: cannot read the built page: {error}")],
    };
    // One browser run per page: the copy with the layout script is the page as a
    // reader sees it, plus the script's findings at its end.
    let dom = match measured_dom(browser, page) {
        Ok(dom) => dom,
        Err(failed) => return vec![format!("{name}: {failed:?}")],
    };
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
    match layout_findings(&dom) {
        Ok(found) => problems.extend(found.into_iter().map(|p| format!("{name}: {p}"))),
        Err(failed) => problems.push(format!("{name}: {failed:?}")),
    }
    problems
}

/// The script that measures a page in the browser (see its header).
const LAYOUT_SCRIPT: &str = include_str!("layout.js");

/// What a reader at a 1280 px window would find hard to read on `page`.
fn layout_problems(browser: &Path, page: &Path) -> Result<Vec<String>, Failed> {
    layout_findings(&measured_dom(browser, page)?)
}

/// The DOM of `page` measured: the page is copied next to itself (so its scripts and
/// styles load) with [`LAYOUT_SCRIPT`] added and opened; the script leaves its findings
/// at the end of the DOM.
fn measured_dom(browser: &Path, page: &Path) -> Result<String, Failed> {
    let source = std::fs::read_to_string(page)
        .map_err(|e| format!("cannot read {}: {e}", page.display()))?;
    let script = format!("<script>{LAYOUT_SCRIPT}</script></body>");
    let measured = match source.rfind("</body>") {
        Some(at) => format!(
            "{}{script}{}",
            &source[..at],
            &source[at + "</body>".len()..]
        ),
        None => format!("{source}{script}"),
    };
    let copy = page.with_extension("layout-check.html");
    std::fs::write(&copy, measured).map_err(|e| format!("cannot write {}: {e}", copy.display()))?;
    let dom = rendered(browser, &copy);
    let _ = std::fs::remove_file(&copy);
    Ok(dom?)
}

/// The layout script's findings in a measured DOM, each said as what to fix.
fn layout_findings(dom: &str) -> Result<Vec<String>, Failed> {
    // The last one: the page's own text may mention the marker.
    let Some(json) = dom
        .rsplit_once("<pre id=\"netlab-layout\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(json, _)| {
            json.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
    else {
        return Err("the layout script left no findings (did the page load?)".into());
    };
    let found: serde_json::Value = serde_json::from_str(&json)
        .map_err(|e| format!("the layout findings are not JSON: {e}"))?;
    let mut problems = Vec::new();
    for tiny in found["tiny"].as_array().into_iter().flatten() {
        problems.push(format!(
            "diagram {}: the text {} is drawn at {} px, under 10 px: the diagram is too wide for \
             the page (draw it top to bottom, or shorten its labels)",
            tiny["diagram"], tiny["text"], tiny["px"]
        ));
    }
    for outside in found["outside"].as_array().into_iter().flatten() {
        problems.push(format!(
            "diagram {}: the text {} sticks out of its box (shorten it, or break it with <br/>)",
            outside["diagram"], outside["text"]
        ));
    }
    for wide in found["wide"].as_array().into_iter().flatten() {
        problems.push(format!(
            "{} is {} px wide, more than the {} px it has: it scrolls sideways (fewer or \
             narrower columns)",
            wide["what"].as_str().unwrap_or("something"),
            wide["px"],
            wide["room"]
                .as_u64()
                .map_or("window".to_string(), |r| r.to_string())
        ));
    }
    Ok(problems)
}
