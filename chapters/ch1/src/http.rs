//! HTTP server fixtures: the web servers the tests of ch1-6 (fetch a page) run against.
//!
//! - [`HttpServer`] is a real HTTP/1.1 server (tiny_http) on a free loopback port, in a
//!   thread of its own. The test gives it a table of paths and [`Reply`]s: a page with
//!   a status, a page sent in chunks, a redirect. A path it does not know gets a 404.
//! - [`RawServer`] misbehaves on purpose, which tiny_http will not do: it announces a
//!   body longer than what it sends and hangs up ([`RawReply::Cut`]), or never answers
//!   at all ([`RawReply::Silent`]). It is a plain `TcpListener`, since a well-behaved
//!   server library keeps the connection open for the next request instead of closing
//!   it mid-body.
//!
//! Both record every request they got ([`Request`]: method, path, headers), so a test
//! can check the program sent a proper `GET` with a `Host` header.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a raw connection may take to send its request head.
const HEAD_DEADLINE: Duration = Duration::from_secs(5);
/// The longest request head the raw server reads: a client is not a flood.
const MAX_HEAD: u64 = 64 * 1024;

/// One request as the fixture received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `HEAD`…
    pub method: String,
    /// The request target as sent: `/page.html?x=1`.
    pub path: String,
    /// The request's headers, names as sent, in order.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The value of header `name` (case-insensitive), if the request had it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// What [`HttpServer`] answers on one path.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A status and a body, framed by `Content-Length` (the whole body at once).
    Page { status: u16, body: Vec<u8> },
    /// `200 OK` with a body sent as `Transfer-Encoding: chunked`, whose length is not
    /// announced in advance.
    Chunked { body: Vec<u8> },
    /// A redirect status (301, 302, 307…) pointing at `location`.
    Redirect { status: u16, location: String },
}

impl Reply {
    /// `200 OK` with `body`.
    pub fn ok(body: impl Into<Vec<u8>>) -> Reply {
        Reply::status(200, body)
    }

    /// Any status with `body` (404 with a "not found" page, 500…).
    pub fn status(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Page {
            status,
            body: body.into(),
        }
    }

    /// `200 OK` with `body` sent in chunks.
    pub fn chunked(body: impl Into<Vec<u8>>) -> Reply {
        Reply::Chunked { body: body.into() }
    }

    /// A redirect to `location` (a path on this server or a whole URL).
    pub fn redirect(status: u16, location: impl Into<String>) -> Reply {
        Reply::Redirect {
            status,
            location: location.into(),
        }
    }
}

/// A tiny_http server on `127.0.0.1:0` serving a fixed table of paths, until dropped.
pub struct HttpServer {
    server: Arc<tiny_http::Server>,
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    thread: Option<JoinHandle<()>>,
}

impl HttpServer {
    /// Starts serving `routes` (path → reply; the path is matched without its query).
    pub fn start<'a>(routes: impl IntoIterator<Item = (&'a str, Reply)>) -> io::Result<HttpServer> {
        let routes: HashMap<String, Reply> = routes
            .into_iter()
            .map(|(path, reply)| (path.to_string(), reply))
            .collect();
        let server = tiny_http::Server::http("127.0.0.1:0").map_err(io::Error::other)?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| io::Error::other("tiny_http is not listening on an IP address"))?;
        let server = Arc::new(server);
        let requests: Arc<Mutex<Vec<Request>>> = Arc::default();
        let thread = {
            let (server, requests) = (Arc::clone(&server), Arc::clone(&requests));
            std::thread::spawn(move || serve(&server, &routes, &requests))
        };
        Ok(HttpServer {
            server,
            addr,
            requests,
            thread: Some(thread),
        })
    }

    /// Where the server listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The full URL of `path` on this server: `http://127.0.0.1:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.requests).clone()
    }
}

impl Drop for HttpServer {
    /// Stops the server thread (tiny_http closes its listener when the last handle goes).
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The server loop: record each request, answer it from the table.
fn serve(server: &tiny_http::Server, routes: &HashMap<String, Reply>, log: &Mutex<Vec<Request>>) {
    for request in server.incoming_requests() {
        let recorded = Request {
            method: request.method().to_string(),
            path: request.url().to_string(),
            headers: request
                .headers()
                .iter()
                .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_string()))
                .collect(),
        };
        let path = recorded
            .path
            .split('?')
            .next()
            .unwrap_or_default()
            .to_string();
        lock(log).push(recorded);
        let reply = routes
            .get(&path)
            .cloned()
            .unwrap_or_else(|| Reply::status(404, "<h1>no such page</h1>\n"));
        // A client that hangs up early is its own business; the fixture keeps serving.
        let _ = request.respond(response(reply));
    }
}

/// Builds tiny_http's response for a [`Reply`].
fn response(reply: Reply) -> tiny_http::ResponseBox {
    match reply {
        Reply::Page { status, body } => {
            let length = body.len();
            tiny_http::Response::from_data(body)
                .with_status_code(status)
                // tiny_http switches to chunks above 32 KiB; a Page announces its length.
                .with_chunked_threshold(length + 1)
                .boxed()
        }
        Reply::Chunked { body } => tiny_http::Response::new(
            tiny_http::StatusCode(200),
            Vec::new(),
            io::Cursor::new(body),
            None,
            None,
        )
        .boxed(),
        Reply::Redirect { status, location } => {
            let header = tiny_http::Header::from_bytes(&b"Location"[..], location.as_bytes())
                .expect("a redirect location is a valid header value");
            tiny_http::Response::from_string(format!("moved to {location}\n"))
                .with_status_code(status)
                .with_header(header)
                .boxed()
        }
    }
}

/// How [`RawServer`] misbehaves on every connection.
#[derive(Debug, Clone)]
pub enum RawReply {
    /// Sends `200 OK` with `Content-Length: declared`, then only `body` (shorter than
    /// `declared`), then closes the connection: a download cut mid-way.
    Cut { declared: usize, body: Vec<u8> },
    /// Reads the request and never answers, keeping the connection open until the
    /// client gives up (a server that hangs).
    Silent,
    /// Sends `200 OK` and `body` in `pieces` writes, `pause` apart: a slow but steady
    /// server, whose body takes longer in all than any one pause.
    Slow {
        body: Vec<u8>,
        pieces: usize,
        pause: Duration,
    },
}

/// A hand-written TCP server that answers every connection with one [`RawReply`].
pub struct RawServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RawServer {
    /// Starts listening on a free loopback port.
    pub fn start(reply: RawReply) -> io::Result<RawServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let requests: Arc<Mutex<Vec<Request>>> = Arc::default();
        let stop: Arc<AtomicBool> = Arc::default();
        let thread = {
            let (requests, stop) = (Arc::clone(&requests), Arc::clone(&stop));
            std::thread::spawn(move || accept_loop(&listener, &reply, &requests, &stop))
        };
        Ok(RawServer {
            addr,
            requests,
            stop,
            thread: Some(thread),
        })
    }

    /// Where the server listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The full URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every request head received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.requests).clone()
    }
}

impl Drop for RawServer {
    /// Stops the accept loop: set the flag, then wake the blocked `accept` with a
    /// connection of our own.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Accepts connections until stopped, each handled on its own thread (a silent one
/// stays open until its client gives up).
fn accept_loop(
    listener: &TcpListener,
    reply: &RawReply,
    requests: &Arc<Mutex<Vec<Request>>>,
    stop: &AtomicBool,
) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let (reply, requests) = (reply.clone(), Arc::clone(requests));
        std::thread::spawn(move || {
            let _ = answer_raw(stream, &reply, &requests);
        });
    }
}

/// Reads one request head, records it and misbehaves as told.
fn answer_raw(stream: TcpStream, reply: &RawReply, log: &Mutex<Vec<Request>>) -> io::Result<()> {
    stream.set_read_timeout(Some(HEAD_DEADLINE))?;
    let mut reader = BufReader::new(stream.try_clone()?.take(MAX_HEAD));
    let request = read_head(&mut reader)?;
    lock(log).push(request);
    let mut stream = stream;
    match reply {
        RawReply::Cut { declared, body } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {declared}\r\n\r\n"
            );
            stream.write_all(head.as_bytes())?;
            stream.write_all(body)?;
            // A polite FIN, not a reset: the client sees the end of the stream early.
            stream.shutdown(Shutdown::Both)
        }
        RawReply::Slow {
            body,
            pieces,
            pause,
        } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes())?;
            for piece in body.chunks(body.len().div_ceil((*pieces).max(1)).max(1)) {
                std::thread::sleep(*pause);
                stream.write_all(piece)?;
            }
            stream.shutdown(Shutdown::Write)
        }
        RawReply::Silent => {
            stream.set_read_timeout(None)?;
            // Wait, saying nothing, until the client closes (or the case kills it).
            let mut sink = [0u8; 1024];
            while reader.get_mut().get_mut().read(&mut sink)? > 0 {}
            Ok(())
        }
    }
}

/// Parses a request line and its headers, up to the empty line that ends them.
fn read_head(reader: &mut impl BufRead) -> io::Result<Request> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut words = line.split_whitespace();
    let method = words.next().unwrap_or_default().to_string();
    let path = words.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    Ok(Request {
        method,
        path,
        headers,
    })
}

/// Locks a mutex even if a thread panicked while holding it.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
