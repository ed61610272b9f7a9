//! The real book: `xtask-book build` (behind `cargo xtask book`) builds it with every
//! include and link resolved, and `xtask-book serve` (behind `cargo xtask serve`)
//! serves it over HTTP.
//!
//! The checks themselves are tested on small fixture books by the unit tests of
//! `src/book/`, and the HTTP and websocket server by those of `serve.rs`. Both
//! commands here write `book/book`, so they run one after the other in a single test.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

/// The workspace root: this package lives in `xtask/book`, two folders below it.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("xtask-book sits in the workspace's xtask/book")
        .to_path_buf()
}

/// An `xtask-book` command, run from the built binary.
fn book_tool(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask-book"));
    command.args(args).current_dir(root());
    command
}

/// Kills the server when the test ends, passed or failed.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_real_book_builds_and_is_served() {
    builds();
    is_served();
}

/// `xtask-book build` succeeds and writes every page of SUMMARY.md.
fn builds() {
    let output = book_tool(&["build"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "xtask-book build failed:\n{stderr}"
    );
    assert!(stdout.contains("book written to"), "{stdout}");
    let site = root().join("book/book");
    for page in [
        "index.html",
        "introduction.html",
        "ch2/index.html",
        "ch2/full-duplex-chat.html",
    ] {
        assert!(site.join(page).is_file(), "no {page} in {}", site.display());
    }
    let chapter = std::fs::read_to_string(site.join("ch2/index.html")).unwrap();
    assert!(
        chapter.contains("<pre class=\"mermaid\">"),
        "the chapter's diagram is drawn"
    );
    assert!(has_search_index(&site), "search is on");
}

/// Whether the built book has its (content-hashed) search index.
fn has_search_index(site: &Path) -> bool {
    std::fs::read_dir(site).unwrap().flatten().any(|entry| {
        entry
            .file_name()
            .to_string_lossy()
            .starts_with("searchindex")
    })
}

/// `xtask-book serve --port 0` prints its real address, then answers HTTP there with
/// pages that connect to the live-reload endpoint, refuses what is not in the book, and
/// tells an open page to reload once a change has rebuilt the book.
fn is_served() {
    let child = book_tool(&["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Killed(child);
    let url = announced_url(server.0.stdout.take().unwrap(), Duration::from_secs(60));
    let address = url.strip_prefix("http://").expect("an http URL");

    let answer = get(address, "/index.html");
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains("<title>"), "{answer}");
    assert!(
        answer.contains("__livereload"),
        "the page connects for live reload"
    );
    let missing = get(address, "/no-such-page.html");
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
    for path in ["/../Cargo.toml", "/%2e%2e/Cargo.toml"] {
        let answer = get(address, path);
        assert!(answer.starts_with("HTTP/1.1 404"), "{path}: {answer}");
        assert!(!answer.contains("[workspace]"), "{path} leaks: {answer}");
    }

    let page = open_live_reload(address);
    touch(&root().join("book/book.toml"));
    assert_eq!(
        read_message(page),
        "reload",
        "an open page is told to reload after the rebuild"
    );
    assert!(
        server.0.try_wait().unwrap().is_none(),
        "the server keeps running"
    );
}

/// Sends one GET and returns the whole answer (`Connection: close`: the server closes
/// after it).
fn get(address: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

/// Connects to the live-reload endpoint as a page's script does. Once the handshake is
/// answered, the server is sure to tell this page about the next rebuild.
fn open_live_reload(address: &str) -> tungstenite::WebSocket<TcpStream> {
    let stream = TcpStream::connect(address).unwrap();
    // The deadline of a rebuild of the whole book, which the next read waits for.
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let url = format!("ws://{address}/__livereload");
    let (page, answer) = tungstenite::client(url.as_str(), stream).unwrap();
    assert_eq!(answer.status(), 101);
    page
}

/// The text of the next websocket message (fails at the socket's read deadline).
fn read_message(mut page: tungstenite::WebSocket<TcpStream>) -> String {
    match page.read() {
        Ok(tungstenite::Message::Text(text)) => text.to_string(),
        other => panic!("expected a text message, got {other:?}"),
    }
}

/// Marks a file as changed without changing it, as `touch` does: the watcher sees it
/// and rebuilds, and no source of the course is altered.
fn touch(file: &Path) {
    std::fs::File::options()
        .append(true)
        .open(file)
        .unwrap()
        .set_modified(SystemTime::now())
        .unwrap();
}

/// Waits for `serving the book at URL` on the server's stdout, under a deadline (a
/// first build may compile nothing but still renders the whole book).
fn announced_url(stdout: impl Read + Send + 'static, deadline: Duration) -> String {
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let line = received
        .recv_timeout(deadline)
        .expect("`xtask-book serve` printed nothing before its deadline");
    line.strip_prefix("serving the book at ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_string()
}
