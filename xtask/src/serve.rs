//! `cargo xtask serve`: the book on localhost, rebuilt and reloaded as you edit.
//!
//! mdBook's own `serve` exists only in its binary, so this is the small version of it:
//! render the book with a live-reload endpoint, serve `book/book` over HTTP from a std
//! `TcpListener` (one thread per connection: a handful of local requests, no runtime
//! needed), and watch `book/src`, `solutions/` and `exercises/` with notify. After each
//! rebuild every open page gets the message `reload` on its websocket (the page script
//! mdBook writes opens one to the endpoint) and reloads itself.

use crate::book;
use anyhow::{Context, Result};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tungstenite::protocol::Role;
use tungstenite::{Message, WebSocket};

/// The websocket path the pages connect to (mdBook's `live-reload-endpoint`).
const LIVE_RELOAD: &str = "__livereload";

/// How long the files must be quiet before a rebuild: an editor's save is often
/// several events (write, rename, chmod) and a `git checkout` is hundreds.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// The folders whose changes show in the book: its pages and the code it includes.
const WATCHED: [&str; 3] = [book::SRC_DIR, "solutions", "exercises"];

/// Builds the book, serves it on 127.0.0.1:`port` (0: any free port) and rebuilds it on
/// every change until killed. `open` also opens it in a browser.
pub fn run(root: &Path, port: u16, open: bool) -> Result<()> {
    let listener = bind(port)?;
    let site = rebuild(root).context("cannot build the book")?;
    let reloader = Reloader::default();
    let url = format!("http://{}", listener.local_addr()?);
    let server_reloader = reloader.clone();
    std::thread::spawn(move || serve_forever(listener, site, server_reloader));
    println!("serving the book at {url}");
    std::io::stdout().flush()?;
    if open {
        open_browser(&url);
    }
    watch_and_reload(root, &reloader)
}

/// Binds the HTTP port on localhost only, explaining the usual failure.
fn bind(port: u16) -> Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", port)).map_err(|error| match error.kind() {
        ErrorKind::AddrInUse => anyhow::anyhow!(
            "port {port} is already in use (another `cargo xtask serve`?): stop that \
             program or pick another port, e.g. `cargo xtask serve --port {}`",
            port.wrapping_add(1).max(1024)
        ),
        _ => anyhow::Error::new(error).context(format!("cannot listen on 127.0.0.1:{port}")),
    })
}

/// Renders the book for serving and returns its folder.
///
/// The book's problems are printed, not fatal: while an instructor writes a page, a
/// broken include should not stop the preview (`cargo xtask book` and `verify` refuse
/// them).
fn rebuild(root: &Path) -> Result<PathBuf> {
    let problems = match harness::manifest::Manifest::load(root) {
        Ok(manifest) => book::check(root, &manifest),
        Err(error) => vec![error],
    };
    for problem in &problems {
        eprintln!("warning: {problem}");
    }
    book::render(root, Some(LIVE_RELOAD))
}

/// Watches the book's sources and the code it includes; rebuilds and reloads the open
/// pages after each burst of changes. Returns only if the watcher fails.
fn watch_and_reload(root: &Path, reloader: &Reloader) -> Result<()> {
    use notify::Watcher;
    let (events, changes) = channel();
    let mut watcher = notify::recommended_watcher(events).context("cannot watch files")?;
    for folder in WATCHED
        .map(|folder| root.join(folder))
        .iter()
        .filter(|f| f.is_dir())
    {
        watcher
            .watch(folder, notify::RecursiveMode::Recursive)
            .with_context(|| format!("cannot watch {}", folder.display()))?;
    }
    watcher.watch(
        &root.join(book::BOOK_DIR).join("book.toml"),
        notify::RecursiveMode::NonRecursive,
    )?;
    while wait_for_changes(&changes) {
        let started = Instant::now();
        match rebuild(root) {
            Ok(_) => {
                let pages = reloader.reload_all();
                eprintln!(
                    "book rebuilt in {:.1} s, {pages} open page(s) reloaded",
                    started.elapsed().as_secs_f64()
                );
            }
            Err(error) => eprintln!("error: {error:#} (open pages keep the last build)"),
        }
    }
    anyhow::bail!("the file watcher stopped")
}

/// Blocks until a file that matters changed and the changes have settled; false when
/// the watcher is gone.
fn wait_for_changes(changes: &Receiver<notify::Result<notify::Event>>) -> bool {
    loop {
        match changes.recv() {
            Err(_) => return false,
            Ok(Ok(event)) if matters(&event) => break,
            Ok(_) => continue,
        }
    }
    loop {
        match changes.recv_timeout(DEBOUNCE) {
            Ok(_) => continue,
            Err(RecvTimeoutError::Timeout) => return true,
            Err(RecvTimeoutError::Disconnected) => return false,
        }
    }
}

/// Whether a file event should rebuild the book: not a mere read, not build output.
fn matters(event: &notify::Event) -> bool {
    !matches!(event.kind, notify::EventKind::Access(_))
        && event
            .paths
            .iter()
            .any(|path| !path.components().any(|c| c.as_os_str() == "target"))
}

/// The open pages' websockets: told to reload after a rebuild.
#[derive(Clone, Default)]
struct Reloader {
    /// Every page connected since the last reload (a reloaded page connects again).
    pages: Arc<Mutex<Vec<WebSocket<TcpStream>>>>,
}

impl Reloader {
    /// Sends `reload` to every open page and forgets them; returns how many got it.
    fn reload_all(&self) -> usize {
        let pages = std::mem::take(&mut *self.pages.lock().unwrap_or_else(|e| e.into_inner()));
        pages
            .into_iter()
            .filter_map(|mut page| page.send(Message::text("reload")).ok())
            .count()
    }
}

/// Accepts connections forever, each on its own thread.
fn serve_forever(listener: TcpListener, site: PathBuf, reloader: Reloader) {
    for stream in listener.incoming().flatten() {
        let (site, reloader) = (site.clone(), reloader.clone());
        std::thread::spawn(move || {
            // A browser that goes away mid-answer is not worth reporting.
            let _ = handle_connection(stream, &site, &reloader);
        });
    }
}

/// One HTTP request and its answer (then the connection closes), or the websocket
/// upgrade of a page asking to be told about rebuilds.
fn handle_connection(stream: TcpStream, site: &Path, reloader: &Reloader) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let request = read_request(&mut BufReader::new(&stream))?;
    if request.path == format!("/{LIVE_RELOAD}")
        && let Some(key) = request.header("sec-websocket-key")
    {
        return accept_websocket(stream, key, reloader);
    }
    let mut stream = stream;
    let response = respond(site, &request);
    stream.write_all(&response.head())?;
    if request.method != "HEAD" {
        stream.write_all(&response.body)?;
    }
    stream.flush()
}

/// The parts of an HTTP request this server needs.
struct Request {
    /// `GET`, `HEAD`, …
    method: String,
    /// The path of the request target, query string removed.
    path: String,
    /// Header names (lowercased) and values.
    headers: Vec<(String, String)>,
}

impl Request {
    /// A header's value by lowercase name.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads a request line and headers, up to the blank line (bounded: 100 lines of 8 KiB).
fn read_request(reader: &mut impl BufRead) -> std::io::Result<Request> {
    let bad = |what: &str| std::io::Error::new(ErrorKind::InvalidData, what.to_string());
    let mut read_line = || -> std::io::Result<String> {
        let mut line = String::new();
        reader.by_ref().take(8 * 1024).read_line(&mut line)?;
        Ok(line.trim_end().to_string())
    };
    let request_line = read_line()?;
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(bad("not an HTTP request"));
    };
    let path = target.split(['?', '#']).next().unwrap_or("/").to_string();
    let mut headers = Vec::new();
    for _ in 0..100 {
        let line = read_line()?;
        if line.is_empty() {
            return Ok(Request {
                method: method.to_string(),
                path,
                headers,
            });
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    Err(bad("too many headers"))
}

/// Completes a websocket handshake and keeps the socket to send `reload` on later.
///
/// The socket is registered before the `101` answer goes out, so a page (or a test)
/// that has its answer is sure to hear about the next rebuild.
fn accept_websocket(mut stream: TcpStream, key: &str, reloader: &Reloader) -> std::io::Result<()> {
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let mut pages = reloader.pages.lock().unwrap_or_else(|e| e.into_inner());
    stream.set_read_timeout(None)?;
    stream.write_all(
        format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
        )
        .as_bytes(),
    )?;
    pages.push(WebSocket::from_raw_socket(stream, Role::Server, None));
    Ok(())
}

/// An HTTP answer: status, content type and body.
struct Response {
    /// `200 OK`, `404 Not Found`, …
    status: &'static str,
    /// The body's media type.
    content_type: &'static str,
    /// Where a redirect points.
    location: Option<String>,
    /// The bytes of the file (or of the error page).
    body: Vec<u8>,
}

impl Response {
    /// The status line and headers. No caching: a reloaded page must get the new build.
    fn head(&self) -> Vec<u8> {
        let location = self
            .location
            .as_ref()
            .map(|l| format!("Location: {l}\r\n"))
            .unwrap_or_default();
        format!(
            "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{location}\
             Cache-Control: no-store\r\nConnection: close\r\n\r\n",
            self.status,
            self.content_type,
            self.body.len()
        )
        .into_bytes()
    }

    /// A short plain-text answer for errors.
    fn text(status: &'static str, body: &str) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            location: None,
            body: body.into(),
        }
    }
}

/// Answers a request from the files of the built book.
fn respond(site: &Path, request: &Request) -> Response {
    if request.method != "GET" && request.method != "HEAD" {
        return Response::text("405 Method Not Allowed", "only GET and HEAD\n");
    }
    let Some(relative) = site_path(&request.path) else {
        return Response::text("400 Bad Request", "bad path\n");
    };
    let mut file = site.join(&relative);
    if file.is_dir() {
        if !request.path.ends_with('/') {
            // Relative links in index.html resolve against the folder, so add the slash.
            let mut moved = Response::text("301 Moved Permanently", "");
            moved.location = Some(format!("{}/", request.path));
            return moved;
        }
        file = file.join("index.html");
    }
    match std::fs::read(&file) {
        Ok(body) => Response {
            status: "200 OK",
            content_type: content_type(&file),
            location: None,
            body,
        },
        Err(_) => match std::fs::read(site.join("404.html")) {
            Ok(body) => Response {
                status: "404 Not Found",
                content_type: "text/html; charset=utf-8",
                location: None,
                body,
            },
            Err(_) => Response::text("404 Not Found", "not found\n"),
        },
    }
}

/// The file a URL path names, relative to the site; `None` for a path that tries to
/// climb out of it (`..`) or is not valid UTF-8 once decoded.
fn site_path(url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path)?;
    let relative = Path::new(decoded.trim_start_matches('/'));
    relative
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        .then(|| relative.to_path_buf())
}

/// Decodes `%XX` escapes of a URL path (a page name with a space arrives as `%20`).
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The media type of a file of the built book, by extension.
fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "txt" | "md" | "rs" | "toml" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Opens the URL with the desktop's opener (`xdg-open`, or `open` on macOS), or says
/// where to point a browser when there is none or it fails (no display, say).
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let child = std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    let hint = format!("could not open a browser: open {url} in yours");
    match child {
        // Wait on another thread: the opener may take a while, the server must not.
        Ok(mut child) => {
            std::thread::spawn(move || {
                if !child.wait().is_ok_and(|status| status.success()) {
                    eprintln!("{hint}");
                }
            });
        }
        Err(_) => eprintln!("{hint}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny built site served on a free port, as `run` serves the book.
    fn serve_site() -> (tempfile::TempDir, String, Reloader) {
        let site = tempfile::tempdir().unwrap();
        std::fs::write(site.path().join("index.html"), "<title>netlab</title>").unwrap();
        std::fs::create_dir(site.path().join("ch2")).unwrap();
        std::fs::write(site.path().join("ch2/index.html"), "chapter 2").unwrap();
        std::fs::write(site.path().join("404.html"), "no such page").unwrap();
        let listener = bind(0).unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let reloader = Reloader::default();
        let (dir, served) = (site.path().to_path_buf(), reloader.clone());
        std::thread::spawn(move || serve_forever(listener, dir, served));
        (site, address, reloader)
    }

    /// Sends one raw request and returns the whole answer (the server closes after it).
    fn fetch(address: &str, request: &str) -> String {
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    }

    fn get(address: &str, path: &str) -> String {
        fetch(
            address,
            &format!("GET {path} HTTP/1.1\r\nHost: {address}\r\n\r\n"),
        )
    }

    #[test]
    fn serves_the_files_of_the_site() {
        let (_site, address, _) = serve_site();
        let answer = get(&address, "/");
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.contains("Content-Type: text/html"), "{answer}");
        assert!(answer.ends_with("<title>netlab</title>"), "{answer}");
        assert!(get(&address, "/ch2/index.html?x=1").ends_with("chapter 2"));
        assert!(get(&address, "/ch2/").ends_with("chapter 2"));
    }

    #[test]
    fn a_folder_without_its_slash_is_redirected() {
        let (_site, address, _) = serve_site();
        let answer = get(&address, "/ch2");
        assert!(answer.starts_with("HTTP/1.1 301"), "{answer}");
        assert!(answer.contains("Location: /ch2/\r\n"), "{answer}");
    }

    #[test]
    fn a_missing_page_gets_the_books_404_page() {
        let (_site, address, _) = serve_site();
        let answer = get(&address, "/nope.html");
        assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
        assert!(answer.ends_with("no such page"), "{answer}");
    }

    #[test]
    fn no_path_climbs_out_of_the_site() {
        let (_site, address, _) = serve_site();
        for path in ["/../Cargo.toml", "/ch2/../../x", "/%2e%2e/x", "/%zz"] {
            let answer = get(&address, path);
            assert!(answer.starts_with("HTTP/1.1 400"), "{path}: {answer}");
        }
        assert_eq!(site_path("/a%20b.html"), Some(PathBuf::from("a b.html")));
    }

    #[test]
    fn only_reads_are_allowed() {
        let (_site, address, _) = serve_site();
        let answer = fetch(&address, "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
        assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
        let head = fetch(&address, "HEAD / HTTP/1.1\r\n\r\n");
        assert!(
            head.starts_with("HTTP/1.1 200") && head.ends_with("\r\n\r\n"),
            "{head}"
        );
    }

    #[test]
    fn an_open_page_is_told_to_reload() {
        let (_site, address, reloader) = serve_site();
        let stream = TcpStream::connect(&address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let url = format!("ws://{address}/{LIVE_RELOAD}");
        let (mut page, answer) = tungstenite::client(url.as_str(), stream).unwrap();
        assert_eq!(answer.status(), 101);
        assert_eq!(reloader.reload_all(), 1);
        assert_eq!(page.read().unwrap(), Message::text("reload"));
        assert_eq!(
            reloader.reload_all(),
            0,
            "a reloaded page is forgotten until it reconnects"
        );
    }

    #[test]
    fn a_port_in_use_is_explained() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let error = bind(port).unwrap_err().to_string();
        assert!(
            error.contains(&format!("port {port} is already in use")),
            "{error}"
        );
        assert!(error.contains("--port"), "{error}");
    }

    #[test]
    fn reads_and_build_output_do_not_rebuild() {
        use notify::event::{AccessKind, CreateKind, EventKind};
        let event = |kind, path: &str| notify::Event::new(kind).add_path(PathBuf::from(path));
        assert!(matters(&event(
            EventKind::Create(CreateKind::File),
            "/w/book/src/a.md"
        )));
        assert!(!matters(&event(
            EventKind::Access(AccessKind::Any),
            "/w/book/src/a.md"
        )));
        assert!(!matters(&event(
            EventKind::Create(CreateKind::File),
            "/w/exercises/ch2-8/target/x"
        )));
    }
}
