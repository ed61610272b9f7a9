//! A small gopher server (RFC 1436), for grading gopher clients (ch1-1, ch1-2).
//!
//! A test describes a [`Site`] (menus, text files, a binary file) built from its varied
//! words, starts a [`GopherServer`] for it on a free loopback port, runs the client
//! under test against it, and then asks the server what the client sent
//! ([`GopherServer::next_request`]) and compares the client's output with exactly what
//! the server replied ([`GopherServer::reply`]).
//!
//! The server is threaded (one thread per connection) and blocking, like the clients it
//! grades. It answers the way real gopher servers do:
//!
//! - it reads the request up to its `\n`; the selector is what comes before the `\r\n`
//!   (a bare `\n` is tolerated, as real servers do; the test checks the exact bytes);
//! - the empty selector is the root menu; a menu is lines `TYPE display TAB selector
//!   TAB host TAB port CR LF`, ended by a line holding only `.`;
//! - a text file is sent as CR LF lines ended by `.`; a binary file (type `9`) is sent
//!   raw, and only the closing of the connection says where it ends;
//! - an unknown selector gets a one-item error menu (type `3`);
//! - then it closes the connection: in gopher, that is the end of the reply.
//!
//! [`Delivery`] chooses how the reply is written: in one write, or in many pieces with
//! pauses, so that a client which prints only what its first read returned is caught.
//!
//! Both gopher exercises drive their client against it the same way, so the steps they
//! share live here too: [`start_client`] runs the client for a selector,
//! [`expect_request`] checks what the server received, [`expect_reply`] checks the
//! client printed the reply byte for byte, and [`expect_error_exit`] checks a failure
//! is reported as the one line a gopher client's stderr may hold.

use harness::program::describe_exit;
use harness::transcript::escape;
use harness::{Failure, Outcome, Program, Session, ensure};
use std::collections::{HashMap, VecDeque};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, mpsc};
use std::time::{Duration, Instant};

/// The size of the huge file: far more than a client streaming it ever holds.
pub const HUGE_FILE: u64 = 64 * harness::bulk::MB;

/// The most memory a client may hold while it passes the huge file on: well under the
/// file, with room for the program itself (a debug build holds a few MB).
pub const HUGE_FILE_LIMIT: u64 = 40 * harness::bulk::MB;

/// How long the huge file may take to pass through the client.
const HUGE_FILE_WAIT: Duration = Duration::from_secs(20);

/// The pause between two pieces of a reply delivered in pieces: long enough for the
/// client's read to return the first piece alone.
pub const PIECE_PAUSE: Duration = Duration::from_millis(15);

/// The longest request line the server reads before it gives up on a client.
const MAX_REQUEST: usize = 4096;

/// How long the server waits for a request before it hangs up (a client that never
/// sends its `\n` must not keep a thread alive for ever).
const REQUEST_WAIT: Duration = Duration::from_secs(10);

/// How often a waiting test asks whether the client is still worth waiting for.
const POLL: Duration = Duration::from_millis(20);

/// How long a connection may take to show up after the client has exited.
const LAST_CHANCE: Duration = Duration::from_millis(100);

/// How long [`expect_request`] waits for the client's request.
const REQUEST_DEADLINE: Duration = Duration::from_secs(2);

/// The host a menu's informational (`i`) lines name, by the usual convention.
const NO_HOST: &str = "error.host\t1";

/// One line of a menu.
#[derive(Debug, Clone)]
struct Entry {
    /// The item type: `0` text file, `1` menu, `9` binary file, `i` information…
    kind: char,
    /// What a person sees.
    display: String,
    /// What a client sends to fetch it.
    selector: String,
    /// Where it lives: `None` for this server, or another server's host and port.
    elsewhere: Option<(String, u16)>,
}

/// What the server sends for a selector.
#[derive(Debug, Clone)]
enum Document {
    /// A menu: rendered with this server's address.
    Menu(Vec<Entry>),
    /// A text file: its lines, sent with CR LF and the terminating `.` line.
    Text(Vec<String>),
    /// A binary file: sent as is.
    Binary(Vec<u8>),
    /// A huge file of this many bytes of text ([`huge_chunks`]), made as it is sent so
    /// that neither the server nor the test holds it.
    Huge(u64),
}

/// The menus and files a [`GopherServer`] serves. The root menu is what the builder
/// methods add to; [`Site::menu`] adds a sub-menu built from another `Site`.
#[derive(Debug, Clone, Default)]
pub struct Site {
    root: Vec<Entry>,
    documents: HashMap<String, Document>,
}

impl Site {
    /// An empty site: a root menu with no items.
    pub fn new() -> Site {
        Site::default()
    }

    /// Adds an information line (`i`): text shown in the menu, not a link. Not in
    /// RFC 1436, but nearly every menu in the wild has them.
    pub fn info(mut self, text: &str) -> Site {
        self.root.push(Entry {
            kind: 'i',
            display: text.to_string(),
            selector: String::new(),
            elsewhere: None,
        });
        self
    }

    /// Adds a text file (`0`) made of `lines`.
    pub fn text(mut self, display: &str, selector: &str, lines: Vec<String>) -> Site {
        self.add('0', display, selector, Document::Text(lines));
        self
    }

    /// Adds a binary file (`9`) with these exact bytes.
    pub fn binary(mut self, display: &str, selector: &str, bytes: Vec<u8>) -> Site {
        self.add('9', display, selector, Document::Binary(bytes));
        self
    }

    /// Adds a huge file (`9`) of `len` bytes: lines of text, made as they are sent.
    /// [`GopherServer::reply`] would hold it whole: a test checks what the client
    /// did with it otherwise (its exit, its memory).
    pub fn huge(mut self, display: &str, selector: &str, len: u64) -> Site {
        self.add('9', display, selector, Document::Huge(len));
        self
    }

    /// Adds a sub-menu (`1`) whose items (and their documents) are `menu`'s.
    pub fn menu(mut self, display: &str, selector: &str, menu: Site) -> Site {
        self.documents.extend(menu.documents);
        self.add('1', display, selector, Document::Menu(menu.root));
        self
    }

    /// Adds the link to another server that real menus carry (Floodgap's root menu):
    /// a client prints it like any other line of the menu, and does not follow it.
    pub fn floodgap(self) -> Site {
        self.elsewhere(
            '1',
            "Floodgap, a gopher server elsewhere",
            "/",
            "gopher.floodgap.com",
            70,
        )
    }

    /// Adds an item served by another server (a link this server does not serve).
    pub fn elsewhere(
        mut self,
        kind: char,
        display: &str,
        selector: &str,
        host: &str,
        port: u16,
    ) -> Site {
        self.root.push(Entry {
            kind,
            display: display.to_string(),
            selector: selector.to_string(),
            elsewhere: Some((host.to_string(), port)),
        });
        self
    }

    fn add(&mut self, kind: char, display: &str, selector: &str, document: Document) {
        self.root.push(Entry {
            kind,
            display: display.to_string(),
            selector: selector.to_string(),
            elsewhere: None,
        });
        self.documents.insert(selector.to_string(), document);
    }

    /// The exact bytes served for `selector` by a server at `addr`.
    fn reply(&self, selector: &str, addr: SocketAddr) -> Vec<u8> {
        if selector.is_empty() {
            return render_menu(&self.root, addr);
        }
        match self.documents.get(selector) {
            Some(Document::Menu(entries)) => render_menu(entries, addr),
            Some(Document::Text(lines)) => render_text(lines),
            Some(Document::Binary(bytes)) => bytes.clone(),
            Some(Document::Huge(len)) => huge_chunks(*len).flatten().collect(),
            None => {
                let error = Entry {
                    kind: '3',
                    display: format!("'{selector}' does not exist (no handler found)"),
                    selector: String::new(),
                    elsewhere: Some(("error.host".to_string(), 1)),
                };
                render_menu(&[error], addr)
            }
        }
    }
}

/// A menu as RFC 1436 sends it: one tab-separated line per item, then `.`.
fn render_menu(entries: &[Entry], addr: SocketAddr) -> Vec<u8> {
    let mut out = String::new();
    for entry in entries {
        let place = match (&entry.elsewhere, entry.kind) {
            (_, 'i') => NO_HOST.to_string(),
            (Some((host, port)), _) => format!("{host}\t{port}"),
            (None, _) => format!("{}\t{}", addr.ip(), addr.port()),
        };
        out.push_str(&format!(
            "{}{}\t{}\t{place}\r\n",
            entry.kind, entry.display, entry.selector
        ));
    }
    out.push_str(".\r\n");
    out.into_bytes()
}

/// A text file as RFC 1436 sends it: CR LF lines, a line starting with `.` doubled so
/// it cannot be taken for the end, and a final `.` line.
fn render_text(lines: &[String]) -> Vec<u8> {
    let mut out = String::new();
    for line in lines {
        if line.starts_with('.') {
            out.push('.');
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str(".\r\n");
    out.into_bytes()
}

/// The bytes of a huge file, a chunk at a time: numbered lines of 1,000 bytes of text
/// (cheap to read back line by line), cut to `len` bytes.
fn huge_chunks(len: u64) -> impl Iterator<Item = Vec<u8>> {
    const LINE: usize = 1000;
    const LINES_PER_CHUNK: u64 = 64;
    let lines = len.div_ceil(LINE as u64);
    let mut next = 0u64;
    std::iter::from_fn(move || {
        if next >= lines {
            return None;
        }
        let mut chunk = Vec::with_capacity(LINE * LINES_PER_CHUNK as usize);
        for n in next..(next + LINES_PER_CHUNK).min(lines) {
            let mut line = format!("{n:08} ").into_bytes();
            line.resize(LINE - 2, b'a' + (n % 26) as u8);
            line.extend_from_slice(b"\r\n");
            let room = (len - n * LINE as u64).min(LINE as u64) as usize;
            chunk.extend_from_slice(&line[..room]);
        }
        next = (next + LINES_PER_CHUNK).min(lines);
        Some(chunk)
    })
}

/// How the server writes its reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// One `write_all` of the whole reply (TCP may still split a big one).
    Whole,
    /// About this many pieces of equal size, [`PIECE_PAUSE`] apart.
    Pieces(usize),
}

/// What the server got from one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// A request line, with its `\n` (and whatever came before it, `\r` included).
    Line(Vec<u8>),
    /// The client closed its sending side before any `\n`: these bytes came.
    Closed(Vec<u8>),
    /// No `\n` yet when the test stopped waiting: these bytes came so far.
    Incomplete(Vec<u8>),
    /// No client connected before the test stopped waiting.
    NoConnection,
}

/// What one connection has sent so far.
#[derive(Debug, Default)]
struct Progress {
    bytes: Vec<u8>,
    /// Set once the request is over: a `\n` came, or the client closed, or gave up.
    done: bool,
    closed: bool,
}

/// The requests, one per accepted connection, in order; shared with the threads.
#[derive(Default)]
struct Shared {
    requests: Mutex<VecDeque<Arc<Mutex<Progress>>>>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, VecDeque<Arc<Mutex<Progress>>>> {
        self.requests.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running gopher server on a loopback port. Dropping it stops accepting.
pub struct GopherServer {
    addr: SocketAddr,
    site: Arc<Site>,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    /// Closed when the accept loop has ended.
    stopped: Option<mpsc::Receiver<()>>,
}

impl GopherServer {
    /// Starts serving `site` on a free port of 127.0.0.1, replying as `delivery` says.
    pub fn start(site: Site, delivery: Delivery) -> std::io::Result<GopherServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let site = Arc::new(site);
        let shared = Arc::new(Shared::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (ended, stopped) = mpsc::channel();
        {
            let (site, shared, stop) = (Arc::clone(&site), Arc::clone(&shared), Arc::clone(&stop));
            std::thread::spawn(move || {
                accept_loop(listener, site, shared, stop, delivery);
                drop(ended);
            });
        }
        Ok(GopherServer {
            addr,
            site,
            shared,
            stop,
            stopped: Some(stopped),
        })
    }

    /// Where the server listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The exact bytes this server sends for `selector` (`""` is the root menu).
    pub fn reply(&self, selector: &str) -> Vec<u8> {
        self.site.reply(selector, self.addr)
    }

    /// Waits up to `wait` for the next connection's request to be complete, and says
    /// what it was. Each call reports the next connection, in the order they came.
    pub fn next_request(&self, wait: Duration) -> Request {
        self.next_request_while(wait, || true)
    }

    /// Like [`GopherServer::next_request`], but gives up early, once no client has
    /// connected and `worth_waiting` says there is no point (the client has exited).
    pub fn next_request_while(
        &self,
        wait: Duration,
        mut worth_waiting: impl FnMut() -> bool,
    ) -> Request {
        let deadline = Instant::now() + wait;
        let mut requests = self.shared.lock();
        let mut given_up: Option<Instant> = None;
        loop {
            if let Some(progress) = requests.front() {
                let progress = Arc::clone(progress);
                let seen = progress.lock().unwrap_or_else(|e| e.into_inner());
                if seen.done || Instant::now() >= deadline {
                    let bytes = seen.bytes.clone();
                    let request = if seen.bytes.ends_with(b"\n") {
                        Request::Line(bytes)
                    } else if seen.closed {
                        Request::Closed(bytes)
                    } else {
                        Request::Incomplete(bytes)
                    };
                    drop(seen);
                    requests.pop_front();
                    return request;
                }
            } else {
                let now = Instant::now();
                if now >= deadline || given_up.is_some_and(|at| now >= at) {
                    return Request::NoConnection;
                }
                if given_up.is_none() && !worth_waiting() {
                    // A connection the client made just before it exited may still be
                    // on its way through `accept`: allow it a moment to show up.
                    given_up = Some(now + LAST_CHANCE);
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            requests = self
                .shared
                .changed
                .wait_timeout(requests, left.clamp(Duration::from_millis(1), POLL))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

impl Drop for GopherServer {
    /// Stops the accept loop: sets the flag, then wakes the blocked `accept` with a
    /// connection of our own, and gives the loop a moment to end (it is left to end on
    /// its own rather than joined, so a drop can never hang a test).
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let wake = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let (Ok(_wake), Some(stopped)) = (wake, self.stopped.take()) {
            let _ = stopped.recv_timeout(Duration::from_secs(1));
        }
    }
}

/// Accepts connections until told to stop; each is served on its own thread.
fn accept_loop(
    listener: TcpListener,
    site: Arc<Site>,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    delivery: Delivery,
) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let progress = Arc::new(Mutex::new(Progress::default()));
        shared.lock().push_back(Arc::clone(&progress));
        shared.changed.notify_all();
        let (site, shared) = (Arc::clone(&site), Arc::clone(&shared));
        std::thread::spawn(move || serve(stream, &site, &shared, &progress, delivery));
    }
}

/// Serves one connection: reads the request line, sends the reply, closes.
fn serve(
    mut stream: TcpStream,
    site: &Site,
    shared: &Shared,
    progress: &Mutex<Progress>,
    delivery: Delivery,
) {
    let Ok(addr) = stream.local_addr() else {
        return;
    };
    let request = read_request(&mut stream, shared, progress);
    let Some(line) = request else { return };
    let selector = line.strip_suffix(b"\n").unwrap_or(&line);
    let selector = selector.strip_suffix(b"\r").unwrap_or(selector);
    let selector = String::from_utf8_lossy(selector);
    let _ = stream.set_nodelay(true);
    if let Some(Document::Huge(len)) = site.documents.get(selector.as_ref()) {
        for chunk in huge_chunks(*len) {
            if stream.write_all(&chunk).is_err() {
                return;
            }
        }
        return;
    }
    let reply = site.reply(&selector, addr);
    let _ = send_reply(&mut stream, &reply, delivery);
    // Dropping the stream closes the connection: the end of the reply.
}

/// Reads up to the first `\n`, recording every byte as it comes so the test can see
/// what a client sent even if it never finishes. Returns the line, if one came.
fn read_request(
    stream: &mut TcpStream,
    shared: &Shared,
    progress: &Mutex<Progress>,
) -> Option<Vec<u8>> {
    let _ = stream.set_read_timeout(Some(REQUEST_WAIT));
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    let finished = loop {
        // One byte at a time: anything after the `\n` is not ours to take.
        match stream.read(&mut byte) {
            Ok(0) => break Some(true),
            Ok(_) => {
                line.push(byte[0]);
                progress
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .bytes
                    .push(byte[0]);
                if byte[0] == b'\n' {
                    break None;
                }
                if line.len() >= MAX_REQUEST {
                    break Some(false);
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => break Some(false),
        }
    };
    let mut seen = progress.lock().unwrap_or_else(|e| e.into_inner());
    seen.done = true;
    seen.closed = finished == Some(true);
    drop(seen);
    // Taking the requests lock orders this notification after a waiter's check.
    drop(shared.lock());
    shared.changed.notify_all();
    match finished {
        None => Some(line),
        Some(_) => None,
    }
}

/// Writes the reply in one piece or in several, as the test asked.
fn send_reply(stream: &mut TcpStream, reply: &[u8], delivery: Delivery) -> std::io::Result<()> {
    match delivery {
        Delivery::Whole => stream.write_all(reply),
        Delivery::Pieces(count) => {
            let size = reply.len().div_ceil(count.max(1)).max(1);
            for (i, piece) in reply.chunks(size).enumerate() {
                if i > 0 {
                    std::thread::sleep(PIECE_PAUSE);
                }
                stream.write_all(piece)?;
            }
            Ok(())
        }
    }
}

// ------------------------------------------------------- driving a client under test --

/// Starts the gopher client under test against `server`, as
/// `CLIENT HOST [SELECTOR] --port PORT [EXTRA…]` (`selector: None` gives no SELECTOR
/// argument, which asks for the root menu).
pub fn start_client(
    t: &mut Session,
    host: &str,
    server: &GopherServer,
    selector: Option<&str>,
    extra: &[&str],
) -> Outcome<Program> {
    let port = server.addr().port().to_string();
    let mut args = vec![host];
    args.extend(selector);
    args.extend(["--port", port.as_str()]);
    args.extend_from_slice(extra);
    t.start("client", &args)
}

/// Checks the gopher server received exactly `selector` and CR LF from the client,
/// and notes the request in the transcript.
pub fn expect_request(
    t: &mut Session,
    client: &mut Program,
    server: &GopherServer,
    selector: &str,
) -> Outcome {
    let expected = format!("{selector}\r\n");
    let shown = |bytes: &[u8]| format!("\"{}\"", escape(bytes));
    // Stop waiting early once the client has reported a failure (an `error:` line or a
    // panic on stderr): it will not connect now.
    let request = server.next_request_while(REQUEST_DEADLINE, || !has_failed(client));
    match request {
        Request::Line(bytes) if bytes == expected.as_bytes() => {
            t.note(&format!("the gopher server received {}", shown(&bytes)));
            Ok(())
        }
        Request::Line(bytes) => Err(Failure::mismatch(
            "the client's request is not the selector followed by \\r\\n (CR LF)",
            shown(expected.as_bytes()),
            shown(&bytes),
        )),
        Request::Closed(bytes) => Err(Failure::mismatch(
            "the client closed its side of the connection before its request ended with \\r\\n",
            shown(expected.as_bytes()),
            format!("{} and then the end of the stream", shown(&bytes)),
        )),
        Request::Incomplete(bytes) => Err(Failure::mismatch(
            format!(
                "the gopher server waited {REQUEST_DEADLINE:?} for the end of the request (\\r\\n), but the \
                 client sent only this"
            ),
            shown(expected.as_bytes()),
            shown(&bytes),
        )),
        Request::NoConnection if has_failed(client) => Err(Failure::new(format!(
            "the client did not connect to the gopher server at {}: it failed first (see its stderr below)",
            server.addr()
        ))),
        Request::NoConnection => Err(Failure::new(format!(
            "the client did not connect to the gopher server at {} within {REQUEST_DEADLINE:?}",
            server.addr()
        ))),
    }
}

/// Whether the client has reported a failure on stderr: an error or a panic.
fn has_failed(client: &Program) -> bool {
    client
        .stderr()
        .iter()
        .any(|line| line.starts_with("error:") || line.contains("panicked"))
}

/// The lines the harness reads when a program prints `bytes`: split at each `\n`,
/// escaped the way the transcript shows them (a `\r` shows as `\r`).
fn lines_of(bytes: &[u8]) -> Vec<String> {
    let mut pieces: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if pieces.last().is_some_and(|last| last.is_empty()) {
        pieces.pop();
    }
    pieces.into_iter().map(escape).collect()
}

/// Checks the client prints exactly `reply` (what [`GopherServer::reply`] sent),
/// nothing more, and exits with status 0. A reply cut short is called out as the
/// classic bug: printing only what the first read returned.
pub fn expect_reply(client: &mut Program, reply: &[u8]) -> Outcome {
    let expected = lines_of(reply);
    for (n, want) in expected.iter().enumerate() {
        let line = client.read_line().map_err(|failure| Failure {
            summary: format!(
                "the client printed only {n} of the reply's {} lines ({} bytes): {}{}",
                expected.len(),
                reply.len(),
                failure.summary,
                why_it_stopped(client, n, &failure.summary)
            ),
            ..failure
        })?;
        if want.strip_suffix("\\r") == Some(line.as_str()) {
            return Err(Failure::mismatch(
                format!(
                    "line {} of the client's output lost its \\r: the reply's lines end in \\r\\n, and stdout \
                     must be the reply's bytes unchanged (reading it as text and printing it line by line \
                     drops the \\r)",
                    n + 1
                ),
                want.as_str(),
                line,
            ));
        }
        if line.len() < want.len() && want.starts_with(&line) {
            // A line without its end comes only when stdout closes: the client is
            // exiting, and how it exits says why it stopped.
            let why = match client.expect_exit() {
                Ok(status) if status.success() => {
                    "and it exited with status 0: did it stop after its first read?".to_string()
                }
                Ok(status) => format!(
                    "and it {}: it gave up before the server had sent the whole reply",
                    describe_exit(status)
                ),
                Err(_) => "did it stop after its first read?".to_string(),
            };
            return Err(Failure::mismatch(
                format!(
                    "the client's output ends in the middle of line {} of the reply's {}, {why}",
                    n + 1,
                    expected.len()
                ),
                want.as_str(),
                line,
            ));
        }
        if &line != want {
            return Err(Failure::mismatch(
                format!(
                    "line {} of the client's output is not the reply's (stdout must be the reply's bytes, \
                     unchanged)",
                    n + 1
                ),
                want.as_str(),
                line,
            ));
        }
    }
    client.expect_success()?;
    match client.read_line() {
        Ok(extra) => Err(Failure::mismatch(
            "the client printed more than the server sent",
            "(nothing after the reply)",
            extra,
        )),
        Err(_) => Ok(()),
    }
}

/// What a client that stopped printing before the end of the reply most likely did,
/// told by its stderr and its exit: `""` when nothing points at one mistake.
fn why_it_stopped(client: &Program, printed: usize, summary: &str) -> &'static str {
    let stderr = client.stderr().join("\n");
    if stderr.contains("failed to fill whole buffer") {
        "; `failed to fill whole buffer` is read_exact's error at the end of the stream: a gopher \
         reply has no fixed size, so read until a read returns 0 (the server closed) and print what \
         each read returned"
    } else if stderr.contains("valid UTF-8") {
        "; the reply is bytes, not text: reading it into a String fails on a binary file, so copy \
         the bytes each read returns to stdout unchanged"
    } else if printed == 0 && summary.ends_with("exited with status 0") {
        "; it printed nothing yet exited with status 0, as if its first read had returned 0 bytes \
         (the end of the stream): a read into an empty buffer does that, and Vec::with_capacity(n) \
         has length 0 — read into vec![0; n] or an array"
    } else {
        ""
    }
}

/// Checks the client failed the way a gopher client must: the harness's error exit
/// (no panic, exit status `code`, or non-zero when `None`, one `error: …` line), and
/// beyond that, stderr is that ONE line and nothing else.
pub fn expect_error_exit(client: &mut Program, code: Option<i32>) -> Outcome {
    client.expect_error_exit(code)?;
    expect_only_the_error_line(client)
}

/// Checks the client's stderr is its one `error:` line and nothing else (a gopher
/// client prints no status lines).
pub fn expect_only_the_error_line(client: &Program) -> Outcome {
    let stderr = client.stderr();
    ensure(
        stderr.len() == 1,
        format!("stderr must be ONE line starting with `error:`, but it was {stderr:?}"),
    )
}

/// Starts the client on a huge file ([`HUGE_FILE`]) from a gopher server and waits for
/// it to finish successfully; the case then checks how much memory it held
/// ([`HUGE_FILE_LIMIT`]): a client that holds the reply whole before printing it does
/// not stream.
pub fn fetch_huge_file(t: &mut Session) -> Outcome<Program> {
    let selector = format!("/{}.iso", t.word());
    let site = Site::new().huge("A disk image", &selector, HUGE_FILE);
    let server = GopherServer::start(site, Delivery::Whole)?;
    t.note(&format!(
        "a gopher server listens on {}; its file is {} MB long",
        server.addr(),
        HUGE_FILE / harness::bulk::MB
    ));
    let mut client = start_client(t, "127.0.0.1", &server, Some(&selector), &[])?;
    // Tens of MB through the client and its stdout take a while on a busy machine.
    client.set_deadline(HUGE_FILE_WAIT);
    client.expect_success()?;
    Ok(client)
}
