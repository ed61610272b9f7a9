//! `cargo xtask serve`: the book on localhost, rebuilt and reloaded as you edit.
//!
//! mdBook's own `serve` exists only in its binary, so this is the small version of it:
//! render the book with a live-reload endpoint, serve `book/book` over HTTP, and watch
//! `book/src`, `book/book.toml`, `solutions/` and `exercises/` with notify. After each
//! rebuild every open page gets the message `reload` on its websocket (the page script
//! mdBook writes opens one to the endpoint) and reloads itself.
//!
//! HTTP is not what this course teaches, so none of it is written here: axum answers
//! the websocket, and tower-http's `ServeDir` serves the files (percent-decoding,
//! content types, folder indexes, `HEAD`, 404, refusing paths that climb out of the
//! site). What is left is the glue: a tokio runtime for them, a broadcast channel from
//! the rebuild loop to the open pages, and the file watcher.

use crate::book;
use anyhow::{Context, Result};
use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::header::{CACHE_CONTROL, HeaderValue};
use axum::response::Response;
use axum::routing::get;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::broadcast;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// The websocket path the pages connect to (mdBook's `live-reload-endpoint`).
const LIVE_RELOAD: &str = "__livereload";

/// How long the files must be quiet before a rebuild: an editor's save is often
/// several events (write, rename, chmod) and a `git checkout` is hundreds.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// The folders whose changes show in the book: its pages and the code it includes.
const WATCHED: [&str; 3] = [book::SRC_DIR, "solutions", "exercises"];

/// The news of a rebuild, sent to every open page's task (which then says `reload`).
type Rebuilt = broadcast::Sender<()>;

/// The file events the watcher reports.
type Changes = Receiver<notify::Result<notify::Event>>;

/// Builds the book, serves it on 127.0.0.1:`port` (0: any free port) and rebuilds it on
/// every change until killed. `open` also opens it in a browser.
pub fn run(root: &Path, port: u16, open: bool) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the tokio runtime")?;
    let listener = runtime.block_on(bind(port))?;
    let site = rebuild(root).context("cannot build the book")?;
    // Watching starts before the address is printed: an edit made as soon as the
    // book is announced is not missed.
    let (_watcher, changes) = watch(root)?;
    let rebuilt = Rebuilt::new(1);
    let url = format!("http://{}", listener.local_addr()?);
    runtime.spawn(serve(listener, site, rebuilt.clone()));
    println!("serving the book at {url}");
    std::io::stdout().flush()?;
    if open {
        open_browser(&url);
    }
    rebuild_on_changes(root, &changes, &rebuilt)
}

/// Binds the HTTP port on localhost only, explaining the usual failure.
async fn bind(port: u16) -> Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|error| match error.kind() {
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
    let problems = match xtask::manifest::Manifest::load(root) {
        Ok(manifest) => book::check(root, &manifest),
        Err(error) => vec![error.to_string()],
    };
    for problem in &problems {
        eprintln!("warning: {problem}");
    }
    book::render(root, Some(LIVE_RELOAD))
}

/// Serves the site and the live-reload websocket until the process ends.
async fn serve(listener: TcpListener, site: PathBuf, rebuilt: Rebuilt) {
    // axum retries failed accepts itself, so this returns only if something is badly
    // wrong; the watcher keeps running, so say so rather than fail quietly.
    if let Err(error) = axum::serve(listener, app(&site, rebuilt)).await {
        eprintln!("error: the web server stopped: {error}");
    }
}

/// The web server: the live-reload websocket, and the built book's files for every
/// other path (its `404.html` for a missing one).
///
/// No answer may be cached: a reloaded page must get the new build.
fn app(site: &Path, rebuilt: Rebuilt) -> Router {
    let files = ServeDir::new(site).not_found_service(ServeFile::new(site.join("404.html")));
    Router::new()
        .route(&format!("/{LIVE_RELOAD}"), get(live_reload))
        .fallback_service(files)
        .layer(SetResponseHeaderLayer::overriding(
            CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(rebuilt)
}

/// Accepts a page's websocket, to tell it about the next rebuild.
///
/// The page subscribes before the `101` answer goes out, so a page (or a test) that has
/// its answer is sure to hear about the next rebuild.
async fn live_reload(upgrade: WebSocketUpgrade, State(rebuilt): State<Rebuilt>) -> Response {
    let next_rebuild = rebuilt.subscribe();
    upgrade.on_upgrade(|page| tell_to_reload(page, next_rebuild))
}

/// Waits for a rebuild and sends `reload`, then lets the page go (a reloaded page
/// connects again); or ends early if the page goes away first.
async fn tell_to_reload(mut page: WebSocket, mut next_rebuild: broadcast::Receiver<()>) {
    let rebuilt = tokio::select! {
        // `Lagged` also means a rebuild happened; `Closed`, that the server is stopping.
        news = next_rebuild.recv() => !matches!(news, Err(broadcast::error::RecvError::Closed)),
        () = closed(&mut page) => false,
    };
    if rebuilt {
        // A page that vanished meanwhile cannot be told; nothing else to do.
        let _ = page.send(Message::text("reload")).await;
    }
    let _ = page.send(Message::Close(None)).await;
}

/// Returns when the page closes its websocket or the connection breaks (the page
/// sends nothing else).
async fn closed(page: &mut WebSocket) {
    while let Some(Ok(message)) = page.recv().await {
        if let Message::Close(_) = message {
            return;
        }
    }
}

/// Tells every open page to reload; returns how many were told.
fn reload_all(rebuilt: &Rebuilt) -> usize {
    // An error only means that no page is open.
    rebuilt.send(()).unwrap_or(0)
}

/// Starts watching the book's sources and the code it includes; the watcher stops when
/// the returned handle is dropped.
fn watch(root: &Path) -> Result<(notify::RecommendedWatcher, Changes)> {
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
    Ok((watcher, changes))
}

/// Rebuilds the book and reloads the open pages after each burst of changes. Returns
/// only if the watcher fails.
fn rebuild_on_changes(root: &Path, changes: &Changes, rebuilt: &Rebuilt) -> Result<()> {
    while wait_for_changes(changes) {
        let started = Instant::now();
        match rebuild(root) {
            Ok(_) => {
                let pages = reload_all(rebuilt);
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
fn wait_for_changes(changes: &Changes) -> bool {
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
    use std::io::Read;
    use std::net::TcpStream;

    /// A tiny built site served on a free port, as `run` serves the book. The server
    /// runs as long as the runtime is kept.
    struct Site {
        /// Holds `site/` (what is served) and, next to it, a file that must not be.
        _dir: tempfile::TempDir,
        /// `127.0.0.1:PORT`.
        address: String,
        /// What the rebuild loop uses to reload the open pages.
        rebuilt: Rebuilt,
        /// Runs the server.
        _runtime: tokio::runtime::Runtime,
    }

    /// The text of a file outside the served folder.
    const SECRET: &str = "not part of the book";

    fn serve_site() -> Site {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secret.txt"), SECRET).unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir_all(site.join("ch2")).unwrap();
        std::fs::write(site.join("index.html"), "<title>netlab</title>").unwrap();
        std::fs::write(site.join("ch2/index.html"), "chapter 2").unwrap();
        std::fs::write(site.join("a b.html"), "a page with a space").unwrap();
        std::fs::write(site.join("404.html"), "no such page").unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let listener = runtime.block_on(bind(0)).unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let rebuilt = Rebuilt::new(1);
        runtime.spawn(serve(listener, site, rebuilt.clone()));
        Site {
            _dir: dir,
            address,
            rebuilt,
            _runtime: runtime,
        }
    }

    /// Sends one raw request and returns the whole answer (`Connection: close`: the
    /// server closes after it).
    fn fetch(address: &str, method: &str, path: &str) -> String {
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\n\
             Connection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    }

    fn get(address: &str, path: &str) -> String {
        fetch(address, "GET", path)
    }

    /// A header's value in a raw answer (names are case-insensitive).
    fn header<'a>(answer: &'a str, name: &str) -> Option<&'a str> {
        let head = answer.split("\r\n\r\n").next()?;
        head.lines().find_map(|line| {
            let (n, value) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    #[test]
    fn serves_the_files_of_the_site() {
        let site = serve_site();
        let answer = get(&site.address, "/");
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(
            header(&answer, "content-type").is_some_and(|t| t.starts_with("text/html")),
            "{answer}"
        );
        assert_eq!(header(&answer, "cache-control"), Some("no-store"));
        assert!(answer.ends_with("<title>netlab</title>"), "{answer}");
        assert!(get(&site.address, "/index.html").ends_with("<title>netlab</title>"));
        assert!(get(&site.address, "/ch2/index.html?x=1").ends_with("chapter 2"));
        assert!(get(&site.address, "/ch2/").ends_with("chapter 2"));
        assert!(get(&site.address, "/a%20b.html").ends_with("a page with a space"));
    }

    #[test]
    fn a_folder_without_its_slash_is_redirected() {
        let site = serve_site();
        let answer = get(&site.address, "/ch2");
        assert!(answer.starts_with("HTTP/1.1 30"), "{answer}");
        assert_eq!(header(&answer, "location"), Some("/ch2/"), "{answer}");
    }

    #[test]
    fn a_missing_page_gets_the_books_404_page() {
        let site = serve_site();
        let answer = get(&site.address, "/nope.html");
        assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
        assert!(answer.ends_with("no such page"), "{answer}");
    }

    #[test]
    fn no_path_climbs_out_of_the_site() {
        let site = serve_site();
        for path in [
            "/../secret.txt",
            "/ch2/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/..%2fsecret.txt",
            "/ch2/%2e%2e%2f%2e%2e%2fsecret.txt",
        ] {
            let answer = get(&site.address, path);
            assert!(answer.starts_with("HTTP/1.1 404"), "{path}: {answer}");
            assert!(!answer.contains(SECRET), "{path}: {answer}");
        }
    }

    #[test]
    fn only_reads_are_allowed() {
        let site = serve_site();
        let answer = fetch(&site.address, "POST", "/");
        assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
        let head = fetch(&site.address, "HEAD", "/");
        assert!(
            head.starts_with("HTTP/1.1 200") && head.ends_with("\r\n\r\n"),
            "{head}"
        );
    }

    #[test]
    fn an_open_page_is_told_to_reload() {
        let site = serve_site();
        assert_eq!(reload_all(&site.rebuilt), 0, "no page is open yet");
        let stream = TcpStream::connect(&site.address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let url = format!("ws://{}/{LIVE_RELOAD}", site.address);
        let (mut page, answer) = tungstenite::client(url.as_str(), stream).unwrap();
        assert_eq!(answer.status(), 101);
        assert_eq!(reload_all(&site.rebuilt), 1);
        assert_eq!(page.read().unwrap(), tungstenite::Message::text("reload"));
        assert!(
            matches!(page.read().unwrap(), tungstenite::Message::Close(_)),
            "a reloaded page is let go: it connects again once reloaded"
        );
    }

    #[test]
    fn a_port_in_use_is_explained() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let error = runtime.block_on(bind(port)).unwrap_err().to_string();
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
