//! The load generator: keep-alive connections driven with poll(2), and what one round
//! of it measured.

use super::*;

// ---------------------------------------------------------------------------------
// The load generator
// ---------------------------------------------------------------------------------
//
// A thread per connection would be the simplest load generator, and a costly one: on
// a small machine it spends as much CPU per request as the server it measures (a
// thread wakes up, and the scheduler switches, for every response), so every server
// looks alike. Instead each load thread drives many non-blocking connections and asks
// the system, with poll(2), which of them have something to read: one wake-up serves
// every response that has arrived, as nginx itself does.

/// One round against one server.
#[derive(Clone, Default)]
pub(crate) struct Round {
    /// Requests completed in the measured window, per second.
    pub(crate) per_second: f64,
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
    /// Requests that failed (warm-up included): connect, I/O, framing, status, body.
    pub(crate) errors: u64,
    /// Connections the server closed cleanly (`Connection: close`) and were reopened.
    reopened: u64,
    /// The first few failures, word for word.
    pub(crate) failures: Vec<String>,
    /// The server's CPU time per request in the window (its processes' user and
    /// system time): what a request costs it, whoever else uses the machine.
    pub(crate) server_cpu: Option<Duration>,
    /// How busy the load generator's threads were in the window (1.0: every one of
    /// them all the time; then the load generator, not the server, set the pace).
    pub(crate) load_busy: Option<f64>,
}

impl Round {
    /// One line for the progress report.
    pub(crate) fn line(&self) -> String {
        let mut line = format!(
            "{:>9.0} req/s  p50 {:>8}  p99 {:>8}",
            self.per_second,
            shown(self.p50),
            shown(self.p99)
        );
        if let Some(cpu) = self.server_cpu {
            line += &format!("  cpu/req {:>6}", shown(cpu));
        }
        if let Some(busy) = self.load_busy {
            line += &format!("  (load generator {:.0}% busy)", busy * 100.0);
        }
        if self.errors > 0 {
            line += &format!("  {} FAILED", self.errors);
        }
        if self.reopened > 0 {
            line += &format!("  {} connections closed by the server", self.reopened);
        }
        line
    }

    /// Each figure's median over the rounds (each on its own: the median round of
    /// one figure need not be the median round of another).
    pub(crate) fn median(rounds: &[Round]) -> Round {
        fn middle<T: Copy + PartialOrd>(mut values: Vec<T>) -> T {
            values.sort_by(|a, b| a.partial_cmp(b).unwrap());
            values[values.len() / 2]
        }
        Round {
            per_second: middle(rounds.iter().map(|r| r.per_second).collect()),
            p50: middle(rounds.iter().map(|r| r.p50).collect()),
            p99: middle(rounds.iter().map(|r| r.p99).collect()),
            errors: rounds.iter().map(|r| r.errors).sum(),
            reopened: rounds.iter().map(|r| r.reopened).sum(),
            failures: Vec::new(),
            server_cpu: rounds
                .iter()
                .map(|r| r.server_cpu)
                .collect::<Option<Vec<_>>>()
                .map(middle),
            load_busy: rounds
                .iter()
                .map(|r| r.load_busy)
                .collect::<Option<Vec<_>>>()
                .map(middle),
        }
    }
}

/// What one load thread saw.
#[derive(Default)]
struct Tally {
    /// The latency of each request completed in the measured window.
    latencies: Vec<Duration>,
    pub(crate) errors: u64,
    reopened: u64,
    pub(crate) failures: Vec<String>,
}

impl Tally {
    fn failed(&mut self, error: String) {
        self.errors += 1;
        if self.failures.len() < KEPT_FAILURES {
            self.failures.push(error);
        }
    }
}

/// One round: `connections` keep-alive connections spread over `threads` load
/// threads, all opened before the clock starts; a warm-up, then the measured window.
/// A request counts when its response completes inside the window.
pub(crate) fn measure(
    server: &Server,
    options: &Options,
    threads: usize,
    body: &Arc<[u8]>,
) -> Round {
    let addr = server.addr;
    let pid = server.pid();
    let threads = threads.clamp(1, options.connections);
    let ready = Arc::new(Barrier::new(threads + 1));
    let start: Arc<OnceLock<Instant>> = Arc::new(OnceLock::new());
    let request: Arc<[u8]> = format!("GET {PATH} HTTP/1.1\r\nHost: {addr}\r\n\r\n")
        .into_bytes()
        .into();
    let load: Vec<_> = (0..threads)
        .map(|t| {
            let share =
                options.connections / threads + usize::from(t < options.connections % threads);
            let (ready, start) = (ready.clone(), start.clone());
            let (request, body) = (request.clone(), body.clone());
            let (warmup, measured) = (options.warmup, options.measured);
            thread::spawn(move || {
                let mut tally = Tally::default();
                // Connect before the clock starts: the round measures requests, not a
                // burst of handshakes.
                let mut clients: Vec<Option<Client>> = (0..share)
                    .map(|_| Client::open(addr).map_err(|e| tally.failed(e)).ok())
                    .collect();
                ready.wait();
                ready.wait();
                let begin = *start.get().expect("set between the two waits");
                let window = (begin + warmup, begin + warmup + measured);
                drive(addr, &request, &body, window, &mut clients, &mut tally);
                tally
            })
        })
        .collect();
    ready.wait();
    let begin = Instant::now();
    start.set(begin).expect("set once");
    ready.wait();
    // Meanwhile, the CPU time the server and the load generator use in the window.
    thread::sleep(options.warmup);
    let before = (cpu_time(pid, true), cpu_time(std::process::id(), false));
    thread::sleep(
        (begin + options.warmup + options.measured).saturating_duration_since(Instant::now()),
    );
    let after = (cpu_time(pid, true), cpu_time(std::process::id(), false));

    let mut round = Round::default();
    let mut latencies = Vec::new();
    for thread in load {
        let tally = thread.join().unwrap_or_else(|_| {
            let mut tally = Tally::default();
            tally.failed("a load thread panicked".into());
            tally
        });
        latencies.extend(tally.latencies);
        round.errors += tally.errors;
        round.reopened += tally.reopened;
        for failure in tally.failures {
            if round.failures.len() < KEPT_FAILURES {
                round.failures.push(failure);
            }
        }
    }
    latencies.sort_unstable();
    round.per_second = latencies.len() as f64 / options.measured.as_secs_f64();
    round.p50 = percentile(&latencies, 0.50);
    round.p99 = percentile(&latencies, 0.99);
    if let ((Some(a), Some(b)), (Some(c), Some(d))) = (before, after)
        && !latencies.is_empty()
    {
        round.server_cpu = Some(c.saturating_sub(a) / latencies.len() as u32);
        round.load_busy = Some(
            d.saturating_sub(b).as_secs_f64() / (options.measured.as_secs_f64() * threads as f64),
        );
    }
    round
}

/// The CPU time (user and system) process `pid` has used, with its child processes'
/// (nginx's workers) if `children`: from /proc (Linux), `None` elsewhere.
fn cpu_time(pid: u32, children: bool) -> Option<Duration> {
    // Fields after the command name's closing parenthesis: state, ppid, …, utime (the
    // 12th), stime (the 13th), in clock ticks of 1/100 s on Linux.
    let read = |pid: &str| -> Option<(u32, u64)> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some((fields.get(1)?.parse().ok()?, ticks))
    };
    let mut ticks = read(&pid.to_string())?.1;
    if children {
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let name = entry.file_name();
            let Some(name) = name
                .to_str()
                .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
            else {
                continue;
            };
            if let Some((parent, more)) = read(name)
                && parent == pid
            {
                ticks += more;
            }
        }
    }
    Some(Duration::from_millis(ticks * 10))
}

/// One load thread's loop until the window closes: wait for any of its connections
/// to be ready, move each ready one along (send, or read and check a response and
/// send the next request), reopen the ones that failed or were closed.
fn drive(
    addr: SocketAddr,
    request: &[u8],
    body: &[u8],
    (from, until): (Instant, Instant),
    clients: &mut [Option<Client>],
    tally: &mut Tally,
) {
    let mut fds: Vec<PollFd> = Vec::with_capacity(clients.len());
    let mut scratch = vec![0; 64 * 1024];
    loop {
        let now = Instant::now();
        if now >= until {
            return;
        }
        for slot in clients.iter_mut().filter(|slot| slot.is_none()) {
            match Client::open(addr) {
                Ok(client) => *slot = Some(client),
                Err(error) => tally.failed(error),
            }
        }
        fds.clear();
        fds.extend(clients.iter().map(|slot| match slot {
            Some(client) => client.poll_fd(request),
            // poll(2) skips a negative descriptor.
            None => PollFd::ignored(),
        }));
        // Wake up at least every 100 ms, to notice the end of the window and stuck
        // responses; and if nothing can be polled (every connect refused), do not spin.
        let timeout = (until - now).min(Duration::from_millis(100));
        if let Err(error) = wait_for_any(&mut fds, timeout) {
            tally.failed(format!("poll: {error}"));
            return;
        }
        let now = Instant::now();
        for (slot, fd) in clients.iter_mut().zip(&fds) {
            let Some(client) = slot else { continue };
            let outcome = if fd.revents != 0 {
                client.advance(request, body, &mut scratch)
            } else if now - client.started > RESPONSE_DEADLINE {
                Err(format!("no response within {RESPONSE_DEADLINE:?}"))
            } else {
                Ok(None)
            };
            match outcome {
                Ok(Some(finished)) => {
                    if (from..until).contains(&finished.at) {
                        tally.latencies.push(finished.latency);
                    }
                    if !finished.keep_alive {
                        tally.reopened += 1;
                        *slot = None;
                    }
                }
                Ok(None) => {}
                Err(error) => {
                    tally.failed(error);
                    *slot = None;
                }
            }
        }
    }
}

/// One keep-alive connection of the load generator, non-blocking, always with one
/// request outstanding.
struct Client {
    stream: TcpStream,
    /// How much of the current request has been sent.
    sent: usize,
    /// When the current request began.
    started: Instant,
    /// Bytes received and not used yet.
    received: Vec<u8>,
}

impl Client {
    /// Connects (blocking, then switches to non-blocking); the first request goes when
    /// poll says the socket is writable, which it is at once, so that the connections
    /// opened before a round starts send nothing before it does.
    fn open(addr: SocketAddr) -> std::result::Result<Client, String> {
        let stream = TcpStream::connect_timeout(&addr, RESPONSE_DEADLINE)
            .map_err(|e| format!("connect: {e}"))?;
        stream
            .set_nodelay(true)
            .and_then(|()| stream.set_nonblocking(true))
            .map_err(|e| format!("socket options: {e}"))?;
        Ok(Client {
            stream,
            sent: 0,
            started: Instant::now(),
            received: Vec::with_capacity(MAX_HEAD),
        })
    }

    /// What to wait for: room to send the rest of the request, or a response.
    fn poll_fd(&self, request: &[u8]) -> PollFd {
        let events = if self.sent < request.len() {
            POLLOUT
        } else {
            POLLIN
        };
        PollFd {
            fd: self.stream.as_raw_fd(),
            events,
            revents: 0,
        }
    }

    /// Sends what is left of the request, as far as the socket takes it; the clock of
    /// a request starts with its first byte.
    fn send(&mut self, request: &[u8]) -> std::result::Result<(), String> {
        if self.sent == 0 {
            self.started = Instant::now();
        }
        while self.sent < request.len() {
            match self.stream.write(&request[self.sent..]) {
                Ok(0) => return Err("send: the connection takes no more bytes".into()),
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("send: {e}")),
            }
        }
        Ok(())
    }

    /// Moves the connection along after poll said it is ready: sends, or reads what
    /// has arrived. When that completes the response, says when and how long it took,
    /// and starts the next request at once if the connection stays open.
    fn advance(
        &mut self,
        request: &[u8],
        body: &[u8],
        scratch: &mut [u8],
    ) -> std::result::Result<Option<Finished>, String> {
        if self.sent < request.len() {
            self.send(request)?;
            return Ok(None);
        }
        let mut closed = false;
        loop {
            match self.stream.read(scratch) {
                Ok(0) => {
                    closed = true;
                    break;
                }
                Ok(n) => self.received.extend_from_slice(&scratch[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("receive: {e}")),
            }
        }
        // One response is outstanding; anything after it would be the server's
        // mistake, which the next parse reports (it is not a status line).
        let Some((used, keep_alive)) = parse_response(&self.received, body)? else {
            return if closed {
                Err(format!(
                    "the server closed the connection before the end of a response ({} bytes in)",
                    self.received.len()
                ))
            } else {
                Ok(None)
            };
        };
        let at = Instant::now();
        let finished = Finished {
            at,
            latency: at - self.started,
            // A server may close a persistent connection after any response, even
            // without saying so: the next request goes on a new connection.
            keep_alive: keep_alive && !closed,
        };
        self.received.drain(..used);
        if finished.keep_alive {
            self.sent = 0;
            self.send(request)?;
        }
        Ok(Some(finished))
    }
}

/// A response received whole.
struct Finished {
    /// When its last byte was read.
    at: Instant,
    /// From the request's first byte sent to that moment.
    latency: Duration,
    /// Whether the connection stays open for the next request.
    keep_alive: bool,
}

/// The value below which a fraction `p` of the sorted `values` lie.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Checks that `received` begins with one whole response to `GET /small.html`: status
/// 200 and the file's exact bytes framed by Content-Length. `Ok(None)`: not all of it
/// has arrived; `Ok(Some((used, keep_alive)))`: its length, and whether the connection
/// stays open after it.
fn parse_response(
    received: &[u8],
    body: &[u8],
) -> std::result::Result<Option<(usize, bool)>, String> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    let head_len = match response.parse(received) {
        Ok(httparse::Status::Complete(head_len)) => head_len,
        Ok(httparse::Status::Partial) if received.len() < MAX_HEAD => return Ok(None),
        Ok(httparse::Status::Partial) => {
            return Err(format!("response head longer than {MAX_HEAD} bytes"));
        }
        Err(error) => {
            return Err(format!(
                "malformed response ({error}): {:?}",
                String::from_utf8_lossy(&received[..received.len().min(80)])
            ));
        }
    };
    let header = |name: &str| {
        response
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    let status = response.code.unwrap_or(0);
    if header("transfer-encoding").is_some() {
        return Err(format!(
            "status {status}, chunked: the bench expects a file framed by Content-Length"
        ));
    }
    let Some(length) = header("content-length").and_then(|v| v.parse::<usize>().ok()) else {
        return Err(format!("status {status} without a valid Content-Length"));
    };
    let keep_alive =
        response.version == Some(1) && !header("connection").is_some_and(|v| v.contains("close"));
    if received.len() < head_len + length {
        return Ok(None);
    }
    let got = &received[head_len..head_len + length];
    if status != 200 {
        return Err(format!(
            "status {status} for {PATH}: {:?}",
            String::from_utf8_lossy(&got[..got.len().min(80)])
        ));
    }
    if got != body {
        return Err(format!(
            "the body ({length} bytes) is not the file ({} bytes)",
            body.len()
        ));
    }
    Ok(Some((head_len + length, keep_alive)))
}

/// A blocking connection, for the one request that shows a server has started.
pub(crate) struct Connection {
    stream: TcpStream,
    received: Vec<u8>,
}

impl Connection {
    pub(crate) fn open(addr: SocketAddr) -> std::result::Result<Connection, String> {
        let stream = TcpStream::connect_timeout(&addr, RESPONSE_DEADLINE)
            .map_err(|e| format!("connect: {e}"))?;
        stream
            .set_read_timeout(Some(RESPONSE_DEADLINE))
            .and_then(|()| stream.set_write_timeout(Some(RESPONSE_DEADLINE)))
            .map_err(|e| format!("socket options: {e}"))?;
        Ok(Connection {
            stream,
            received: Vec::new(),
        })
    }

    /// Sends one GET and reads its whole response (see [`parse_response`]).
    pub(crate) fn get(&mut self, addr: SocketAddr, body: &[u8]) -> std::result::Result<(), String> {
        let request = format!("GET {PATH} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
        self.stream
            .write_all(request.as_bytes())
            .map_err(|e| format!("send: {e}"))?;
        let mut chunk = [0; 16 * 1024];
        while parse_response(&self.received, body)?.is_none() {
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    return Err(
                        "the server closed the connection before the end of the response".into(),
                    );
                }
                Ok(n) => self.received.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("receive: {e}")),
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------
// poll(2), from the C library std already links (the chapter's package has neither
// libc nor mio): the one system call the load generator needs that std lacks.
// ---------------------------------------------------------------------------------

/// `struct pollfd`: the same layout on every Unix.
#[repr(C)]
struct PollFd {
    fd: std::ffi::c_int,
    events: std::ffi::c_short,
    revents: std::ffi::c_short,
}

impl PollFd {
    /// An entry poll skips (a connection being reopened keeps its place).
    fn ignored() -> PollFd {
        PollFd {
            fd: -1,
            events: 0,
            revents: 0,
        }
    }
}

/// Readable (POLLIN) and writable (POLLOUT), as every Unix numbers them.
const POLLIN: std::ffi::c_short = 0x1;
const POLLOUT: std::ffi::c_short = 0x4;

/// `nfds_t`: `unsigned long` in glibc and musl, `unsigned int` on the BSDs and macOS.
#[cfg(target_os = "linux")]
type NFds = std::ffi::c_ulong;
#[cfg(not(target_os = "linux"))]
type NFds = std::ffi::c_uint;

unsafe extern "C" {
    fn poll(fds: *mut PollFd, nfds: NFds, timeout: std::ffi::c_int) -> std::ffi::c_int;
}

/// Waits until one of `fds` is ready or `timeout` passes; fills each `revents`.
fn wait_for_any(fds: &mut [PollFd], timeout: Duration) -> std::io::Result<()> {
    let millis = timeout.as_millis().clamp(1, 1000) as std::ffi::c_int;
    // SAFETY: `fds` is a valid, exclusively borrowed array of `fds.len()` pollfd
    // structs for the duration of the call, which is all poll(2) reads and writes.
    let ready = unsafe { poll(fds.as_mut_ptr(), fds.len() as NFds, millis) };
    if ready < 0 {
        let error = std::io::Error::last_os_error();
        if error.kind() != ErrorKind::Interrupted {
            return Err(error);
        }
    }
    Ok(())
}
