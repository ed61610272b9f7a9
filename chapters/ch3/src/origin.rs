//! The origin server of chapter 3's client and proxy tests: a real HTTP/1.1 server
//! (tiny_http) on a free loopback port that serves a table of resources, answers
//! conditional GETs, and *counts*: connections, requests on each connection, full and
//! conditional requests per path. Those counts are what ch3-3 (persistent or not) and
//! ch3-4 (a cache that revalidates) are graded on — never the wall clock.
//!
//! ```ignore
//! let origin = Origin::start([("/index.html", Resource::html("<img src=\"/a.png\">"))])?;
//! // … the program fetches origin.url("/index.html") …
//! assert_eq!(origin.connections(), 1);
//! assert_eq!(origin.full_requests("/index.html"), 1);
//! ```
//!
//! [`Origin::set_rtt`] makes RTTs visible: each response waits one RTT, and the first
//! request of a connection one more (the TCP handshake it had to make). The sleep is the
//! behaviour the student measures, on the test's side.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

/// One resource the origin serves.
#[derive(Debug, Clone)]
pub struct Resource {
    /// The body of a full response.
    pub body: Vec<u8>,
    /// Its `Content-Type`.
    pub content_type: String,
    /// Its `Last-Modified` (whole seconds), if it has one: then an `If-Modified-Since`
    /// at or after it gets `304 Not Modified`.
    pub last_modified: Option<SystemTime>,
    /// More headers to send with it (`Cache-Control: no-store`…).
    pub headers: Vec<(String, String)>,
    /// The status of a full response.
    pub status: u16,
}

impl Resource {
    /// A resource of `content_type`, status 200, no `Last-Modified`.
    pub fn new(content_type: &str, body: impl Into<Vec<u8>>) -> Resource {
        Resource {
            body: body.into(),
            content_type: content_type.to_string(),
            last_modified: None,
            headers: Vec::new(),
            status: 200,
        }
    }

    /// An HTML page.
    pub fn html(body: impl Into<Vec<u8>>) -> Resource {
        Resource::new("text/html; charset=utf-8", body)
    }

    /// The same resource with a `Last-Modified` date (truncated to whole seconds, as
    /// HTTP dates are).
    pub fn modified_at(mut self, when: SystemTime) -> Resource {
        self.last_modified =
            Some(httpdate::parse_http_date(&httpdate::fmt_http_date(when)).unwrap_or(when));
        self
    }

    /// The same resource with one more header. tiny_http decides the connection's
    /// fate itself: a `Connection` header set here is not sent (a server that closes
    /// a kept-alive connection is a raw fixture of its own).
    pub fn with_header(mut self, name: &str, value: &str) -> Resource {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The same resource with another status for its full responses.
    pub fn with_status(mut self, status: u16) -> Resource {
        self.status = status;
        self
    }
}

/// One request as the origin received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// `GET`, `HEAD`, `POST`…
    pub method: String,
    /// The request target as received (origin form: `/a.png`).
    pub target: String,
    /// The headers, names as sent, in order.
    pub headers: Vec<(String, String)>,
    /// Which connection it came on: 0 for the first the origin saw, 1 for the next…
    pub connection: usize,
    /// The status the origin answered.
    pub status: u16,
}

impl Seen {
    /// The value of header `name` (case-insensitive), if the request had it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Whether it was a conditional request (`If-Modified-Since`).
    pub fn is_conditional(&self) -> bool {
        self.header("if-modified-since").is_some()
    }
}

/// What the origin's threads share with the test.
#[derive(Default)]
struct State {
    resources: HashMap<String, Resource>,
    seen: Vec<Seen>,
    connections: Vec<SocketAddr>,
    rtt: Duration,
}

/// A running origin server; stopped when dropped.
pub struct Origin {
    addr: SocketAddr,
    server: Arc<tiny_http::Server>,
    state: Arc<Mutex<State>>,
    thread: Option<JoinHandle<()>>,
}

impl Origin {
    /// Starts serving `resources` (path → resource) on a free loopback port.
    pub fn start<'a>(
        resources: impl IntoIterator<Item = (&'a str, Resource)>,
    ) -> io::Result<Origin> {
        let server = tiny_http::Server::http("127.0.0.1:0").map_err(io::Error::other)?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| io::Error::other("the origin has no IP address"))?;
        let server = Arc::new(server);
        let state = Arc::new(Mutex::new(State {
            resources: resources
                .into_iter()
                .map(|(path, resource)| (path.to_string(), resource))
                .collect(),
            ..State::default()
        }));
        let thread = {
            let (server, state) = (Arc::clone(&server), Arc::clone(&state));
            std::thread::spawn(move || serve(&server, &state))
        };
        Ok(Origin {
            addr,
            server,
            state,
            thread: Some(thread),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL of `path` on this origin: `http://127.0.0.1:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Serves `resource` at `path` from now on (a page that changed, a new one).
    pub fn set(&self, path: &str, resource: Resource) {
        self.lock().resources.insert(path.to_string(), resource);
    }

    /// Makes every response wait `rtt`, and the first on a connection `2 × rtt`.
    pub fn set_rtt(&self, rtt: Duration) {
        self.lock().rtt = rtt;
    }

    /// Every request so far, in the order they arrived.
    pub fn requests(&self) -> Vec<Seen> {
        self.lock().seen.clone()
    }

    /// How many connections carried at least one request.
    pub fn connections(&self) -> usize {
        self.lock().connections.len()
    }

    /// How many requests each connection carried, in the order they were opened.
    pub fn requests_per_connection(&self) -> Vec<usize> {
        let state = self.lock();
        let mut counts = vec![0; state.connections.len()];
        for seen in &state.seen {
            counts[seen.connection] += 1;
        }
        counts
    }

    /// How many unconditional requests for `path` arrived (any method).
    pub fn full_requests(&self, path: &str) -> usize {
        self.count(path, false)
    }

    /// How many conditional requests (`If-Modified-Since`) for `path` arrived.
    pub fn conditional_requests(&self, path: &str) -> usize {
        self.count(path, true)
    }

    fn count(&self, path: &str, conditional: bool) -> usize {
        self.lock()
            .seen
            .iter()
            .filter(|seen| seen.target == path && seen.is_conditional() == conditional)
            .count()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Takes requests until the server is unblocked; each is answered on a thread of its
/// own, so a delayed answer does not hold up other connections.
fn serve(server: &tiny_http::Server, state: &Arc<Mutex<State>>) {
    while let Ok(request) = server.recv() {
        let state = Arc::clone(state);
        std::thread::spawn(move || answer(request, &state));
    }
}

/// Records a request, waits its RTTs, and answers it.
fn answer(request: tiny_http::Request, state: &Mutex<State>) {
    let (response, wait) = {
        let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
        let remote = request
            .remote_addr()
            .copied()
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
        let (connection, first) = match state.connections.iter().position(|&a| a == remote) {
            Some(index) => (index, false),
            None => {
                state.connections.push(remote);
                (state.connections.len() - 1, true)
            }
        };
        let headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .map(|h| (h.field.to_string(), h.value.to_string()))
            .collect();
        let target = request.url().to_string();
        let resource = state.resources.get(&target).cloned();
        let mut seen = Seen {
            method: request.method().to_string(),
            target,
            headers,
            connection,
            status: 0,
        };
        let response = respond_to(&seen, resource);
        seen.status = response.status_code().0;
        state.seen.push(seen);
        let wait = if first { state.rtt * 2 } else { state.rtt };
        (response, wait)
    };
    std::thread::sleep(wait);
    // The program may hang up before the answer; that is its business, not the origin's.
    let _ = request.respond(response);
}

/// The response to a request for `resource` (None: 404), conditional GET included.
fn respond_to(seen: &Seen, resource: Option<Resource>) -> tiny_http::Response<io::Cursor<Vec<u8>>> {
    let Some(resource) = resource else {
        return tiny_http::Response::from_string("not found\n").with_status_code(404);
    };
    let not_modified = match (resource.last_modified, seen.header("if-modified-since")) {
        (Some(modified), Some(since)) => {
            httpdate::parse_http_date(since).is_ok_and(|since| modified <= since)
        }
        _ => false,
    };
    let (status, body) = if not_modified {
        (304, Vec::new())
    } else {
        (resource.status, resource.body.clone())
    };
    let mut response = tiny_http::Response::from_data(body).with_status_code(status);
    let mut headers = vec![("Content-Type".to_string(), resource.content_type.clone())];
    if let Some(modified) = resource.last_modified {
        headers.push((
            "Last-Modified".to_string(),
            httpdate::fmt_http_date(modified),
        ));
    }
    headers.extend(resource.headers.iter().cloned());
    for (name, value) in headers {
        if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    response
}
