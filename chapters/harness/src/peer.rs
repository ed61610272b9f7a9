//! The test's own sockets: it talks to the program the way a real peer on the network
//! would — including the unkind ways: a line split across several writes, bytes sent
//! slowly, a connection dropped without a goodbye.

use crate::failure::{Failure, Kind, Outcome};
use crate::transcript::{Direction, Transcript, describe, escape, shorten};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::time::{Duration, Instant};

/// The pause between the pieces of a split or slow write. This sleep is the behaviour
/// under test: it gives the program time to `read` a partial message, which is exactly
/// what a program that assumes "one read = one message" cannot cope with.
pub const PIECE_PAUSE: Duration = Duration::from_millis(15);

/// How long [`StreamPeer::send_unfinished`] lets the program read the first part of a
/// message before the test makes the next event happen. Like [`PIECE_PAUSE`], this
/// sleep is the behaviour under test: the event must come while a half-read message is
/// in the program's hands (inside a `select!` branch's read), not still in the socket.
pub const UNFINISHED_PAUSE: Duration = Duration::from_millis(100);

/// The socket under a [`StreamPeer`]: TCP, or a Unix domain stream socket. Both are
/// byte streams, and the test talks to either the same way.
enum Socket {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Socket {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> std::io::Result<()> {
        match self {
            Socket::Tcp(s) => s.set_read_timeout(timeout),
            Socket::Unix(s) => s.set_read_timeout(timeout),
        }
    }

    fn set_write_timeout(&self, timeout: Option<Duration>) -> std::io::Result<()> {
        match self {
            Socket::Tcp(s) => s.set_write_timeout(timeout),
            Socket::Unix(s) => s.set_write_timeout(timeout),
        }
    }

    /// Makes the next close a reset (SO_LINGER with a zero timeout), on either kind.
    fn linger_zero(&self) -> std::io::Result<()> {
        match self {
            Socket::Tcp(s) => socket2::SockRef::from(s).set_linger(Some(Duration::ZERO)),
            Socket::Unix(s) => socket2::SockRef::from(s).set_linger(Some(Duration::ZERO)),
        }
    }

    fn shutdown(&self, how: std::net::Shutdown) -> std::io::Result<()> {
        match self {
            Socket::Tcp(s) => s.shutdown(how),
            Socket::Unix(s) => s.shutdown(how),
        }
    }

    fn tcp(&self) -> Outcome<&TcpStream> {
        match self {
            Socket::Tcp(s) => Ok(s),
            Socket::Unix(_) => Err(Failure::new(
                "the test asked a Unix socket for a TCP address",
            )),
        }
    }
}

impl AsRawFd for Socket {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        match self {
            Socket::Tcp(s) => s.as_raw_fd(),
            Socket::Unix(s) => s.as_raw_fd(),
        }
    }
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.read(buf),
            Socket::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Socket::Tcp(s) => s.write(buf),
            Socket::Unix(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One stream connection (TCP or Unix domain) between the test and the program.
pub struct StreamPeer {
    label: String,
    stream: Socket,
    pending: Vec<u8>,
    transcript: Transcript,
    deadline: Duration,
}

impl StreamPeer {
    /// Connects to `addr` (a server under test).
    pub(crate) fn connect(
        label: String,
        addr: SocketAddr,
        transcript: Transcript,
        deadline: Duration,
    ) -> Outcome<StreamPeer> {
        transcript.record(
            &label,
            Direction::Action,
            format!(
                "connect to {addr}   (by hand: nc {} {})",
                addr.ip(),
                addr.port()
            ),
        );
        let stream = TcpStream::connect_timeout(&addr, deadline).map_err(|e| {
            Failure::new(format!(
                "could not connect to the program at {addr}: {e} (is it still running? see its output below)"
            ))
            .kind(Kind::Unreachable)
        })?;
        Ok(StreamPeer::from_stream(label, stream, transcript, deadline))
    }

    /// Connects to the Unix domain socket at `path` (a server under test).
    pub(crate) fn connect_unix(
        label: String,
        path: &Path,
        transcript: Transcript,
        deadline: Duration,
    ) -> Outcome<StreamPeer> {
        transcript.record(
            &label,
            Direction::Action,
            format!(
                "connect to {}   (by hand: nc -U {})",
                path.display(),
                path.display()
            ),
        );
        let stream = UnixStream::connect(path).map_err(|e| {
            Failure::new(format!(
                "could not connect to the program at {}: {e} (is it still running? see its output below)",
                path.display()
            ))
            .kind(Kind::Unreachable)
        })?;
        Ok(StreamPeer {
            label,
            stream: Socket::Unix(stream),
            pending: Vec::new(),
            transcript,
            deadline,
        })
    }

    fn from_stream(
        label: String,
        stream: TcpStream,
        transcript: Transcript,
        deadline: Duration,
    ) -> StreamPeer {
        // Without this, Nagle's algorithm and delayed ACKs cost ~40 ms per exchange.
        let _ = stream.set_nodelay(true);
        StreamPeer {
            label,
            stream: Socket::Tcp(stream),
            pending: Vec::new(),
            transcript,
            deadline,
        }
    }

    /// The label this connection has in the transcript.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The program's end of this connection.
    pub fn peer_addr(&self) -> Outcome<SocketAddr> {
        Ok(self.stream.tcp()?.peer_addr()?)
    }

    /// The test's end of this connection.
    pub fn local_addr(&self) -> Outcome<SocketAddr> {
        Ok(self.stream.tcp()?.local_addr()?)
    }

    /// Sends one line and its newline in a single write.
    pub fn send_line(&mut self, line: &str) -> Outcome {
        self.transcript
            .record(&self.label, Direction::Sent, shorten(line));
        let mut bytes = line.as_bytes().to_vec();
        bytes.push(b'\n');
        self.write(&bytes)
    }

    /// Sends one line ended by `\r\n` in a single write, as line-based tools do (`nc -C`,
    /// telnet, every HTTP-style peer).
    ///
    /// ```ignore
    /// tcp.send_line_crlf("hello")?; // the program must decide what `\r` means
    /// ```
    pub fn send_line_crlf(&mut self, line: &str) -> Outcome {
        self.transcript.record(
            &self.label,
            Direction::Sent,
            format!("{}\\r", shorten(line)),
        );
        let mut bytes = line.as_bytes().to_vec();
        bytes.extend_from_slice(b"\r\n");
        self.write(&bytes)
    }

    /// Sends `bytes` in two writes with a pause of `pause` after the first `at` bytes:
    /// a peer that stalls mid-message for longer than a naive whole-read timeout.
    ///
    /// ```ignore
    /// tcp.send_with_pause(b"hello\n", 3, Duration::from_millis(800))?;
    /// ```
    pub fn send_with_pause(&mut self, bytes: &[u8], at: usize, pause: Duration) -> Outcome {
        let at = at.min(bytes.len());
        let (first, rest) = bytes.split_at(at);
        self.transcript.record(
            &self.label,
            Direction::Sent,
            format!(
                "\"{}\" … {pause:?} later … \"{}\"",
                describe(first),
                describe(rest)
            ),
        );
        self.write(first)?;
        // The pause is the behaviour under test, like PIECE_PAUSE.
        std::thread::sleep(pause);
        self.write(rest)
    }

    /// Sends the first part of a message and leaves it unfinished: the test then
    /// makes something else happen (a typed line, another client) before it sends the
    /// rest. A program that drops or duplicates a half-read message when another
    /// event wins a `select!` shows it (the cancel-safety trap).
    ///
    /// ```ignore
    /// tcp.send_unfinished(b"hel")?; server.send_line("hi")?; tcp.send_bytes(b"lo\n")?;
    /// ```
    pub fn send_unfinished(&mut self, bytes: &[u8]) -> Outcome {
        self.transcript.record(
            &self.label,
            Direction::Sent,
            format!(
                "\"{}\"   (unfinished: the rest comes later)",
                describe(bytes)
            ),
        );
        self.write(bytes)?;
        std::thread::sleep(UNFINISHED_PAUSE);
        Ok(())
    }

    /// Sends several lines at once, in a single write: a burst, as after a peer was
    /// quiet and its data queued up. Each line must be handled at once, not one per
    /// later event.
    ///
    /// ```ignore
    /// tcp.send_burst(&["one", "two", "three"])?;
    /// ```
    pub fn send_burst(&mut self, lines: &[&str]) -> Outcome {
        self.transcript.record(
            &self.label,
            Direction::Sent,
            format!(
                "{}   (all {} lines in one write)",
                lines
                    .iter()
                    .map(|line| format!("\"{}\"", shorten(line)))
                    .collect::<Vec<_>>()
                    .join(" "),
                lines.len()
            ),
        );
        let bytes: Vec<u8> = lines
            .iter()
            .flat_map(|l| [l.as_bytes(), b"\n"].concat())
            .collect();
        self.write(&bytes)
    }

    /// Streams a large body (see [`crate::bulk`]) in one go, under the deadline for
    /// each write.
    ///
    /// ```ignore
    /// tcp.send_bulk(&t.bulk(32 * MB))?;
    /// ```
    pub fn send_bulk(&mut self, body: &crate::bulk::Bulk) -> Outcome {
        self.transcript.record(
            &self.label,
            Direction::Sent,
            format!("{} bytes of binary data", body.len()),
        );
        self.stream.set_write_timeout(Some(self.deadline))?;
        body.write_to(&mut self.stream).map_err(|e| {
            Failure::new(format!(
                "could not send the body on {}: {e} (did the program stop reading?)",
                self.label
            ))
            .kind(Kind::Closed)
        })
    }

    /// Sends raw bytes in a single write (garbage, a line without its newline…).
    pub fn send_bytes(&mut self, bytes: &[u8]) -> Outcome {
        self.transcript
            .record(&self.label, Direction::Sent, describe(bytes));
        self.write(bytes)
    }

    /// Sends `bytes` as several writes cut at the given offsets, pausing between them,
    /// so the program's reads see partial messages, or several messages at once.
    pub fn send_in_pieces(&mut self, bytes: &[u8], cuts: &[usize]) -> Outcome {
        let pieces = pieces(bytes, cuts);
        self.transcript
            .record(&self.label, Direction::Sent, describe_pieces(&pieces));
        for piece in pieces {
            self.write(piece)?;
            std::thread::sleep(PIECE_PAUSE);
        }
        Ok(())
    }

    /// Sends `bytes` one byte per write: the slowest, most fragmented sender there is.
    pub fn send_slowly(&mut self, bytes: &[u8]) -> Outcome {
        let cuts: Vec<usize> = (1..bytes.len()).collect();
        self.send_in_pieces(bytes, &cuts)
    }

    /// Writes all of `bytes` under the deadline: a program that stops reading fills
    /// its receive buffer and then ours, and the write would otherwise block forever.
    fn write(&mut self, bytes: &[u8]) -> Outcome {
        self.stream.set_write_timeout(Some(self.deadline))?;
        self.stream.write_all(bytes).map_err(|e| match e.kind() {
            ErrorKind::WouldBlock | ErrorKind::TimedOut => Failure::new(format!(
                "could not send on {} within {:.1?}: the program stopped reading what the test \
                 sends (is it busy elsewhere, or waiting to write first?)",
                self.label, self.deadline
            ))
            .kind(Kind::Timeout),
            ErrorKind::ConnectionReset => Failure::new(format!(
                "could not send on {}: the program reset the connection ({e})",
                self.label
            ))
            .kind(Kind::Reset),
            _ => Failure::new(format!(
                "could not send on {}: {e} (did the program close the connection?)",
                self.label
            ))
            .kind(Kind::Closed),
        })
    }

    /// Waits for the next line from the program (without its `\n`; a `\r` is kept and
    /// shown escaped, so a stray CR is visible).
    pub fn read_line(&mut self) -> Outcome<String> {
        let deadline = Instant::now() + self.deadline;
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                let line = &line[..line.len() - 1];
                self.transcript
                    .record(&self.label, Direction::Received, describe(line));
                return Ok(escape(line));
            }
            match self.read_some(deadline)? {
                Some(0) => {
                    let partial = if self.pending.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " after sending \"{}\" without a newline",
                            describe(&self.pending)
                        )
                    };
                    return Err(Failure::new(format!(
                        "expected a line on {}, but the program closed the connection{partial}",
                        self.label
                    ))
                    .kind(Kind::Closed));
                }
                Some(_) => {}
                None => {
                    let partial = if self.pending.is_empty() {
                        "nothing came".to_string()
                    } else {
                        format!("only \"{}\" came, with no newline", describe(&self.pending))
                    };
                    return Err(Failure::new(format!(
                        "expected a line on {} within {:.1?}, but {partial}",
                        self.label, self.deadline
                    ))
                    .kind(Kind::Timeout));
                }
            }
        }
    }

    /// Waits for a message head that ends with a blank line (`\r\n\r\n`, as in HTTP,
    /// SMTP's DATA, or a mail header) and returns it, blank line included. At most `max`
    /// bytes are read looking for it: a program that never ends its head is a failure,
    /// not a test that buffers forever. Bytes after the head stay for the next read.
    ///
    /// ```ignore
    /// let head = web.read_head(64 * 1024)?; // "HTTP/1.1 200 OK\r\n…\r\n\r\n"
    /// let body = web.read_bytes(length)?;
    /// ```
    pub fn read_head(&mut self, max: usize) -> Outcome<Vec<u8>> {
        let deadline = Instant::now() + self.deadline;
        loop {
            if let Some(at) = self.pending.windows(4).position(|w| w == b"\r\n\r\n") {
                let head: Vec<u8> = self.pending.drain(..at + 4).collect();
                for line in head[..at].split(|&b| b == b'\n') {
                    self.transcript
                        .record(&self.label, Direction::Received, describe(line));
                }
                self.transcript.record(
                    &self.label,
                    Direction::Received,
                    "(blank line: end of head)",
                );
                return Ok(head);
            }
            if self.pending.len() > max {
                return Err(Failure::new(format!(
                    "the program sent more than {max} bytes on {} without the blank line (\\r\\n\\r\\n) that ends a head: \"{}\"",
                    self.label,
                    describe(&self.pending)
                ))
                .kind(Kind::Mismatch));
            }
            match self.read_some(deadline)? {
                Some(0) => {
                    let what = if self.pending.is_empty() {
                        "nothing".to_string()
                    } else {
                        format!("only \"{}\"", describe(&self.pending))
                    };
                    return Err(Failure::new(format!(
                        "expected a head ending in a blank line on {}, but the program closed the connection after sending {what}",
                        self.label
                    ))
                    .kind(Kind::Closed));
                }
                Some(_) => {}
                None => {
                    let what = if self.pending.is_empty() {
                        "nothing came".to_string()
                    } else {
                        format!(
                            "only \"{}\" came, with no blank line (\\r\\n\\r\\n) after it",
                            describe(&self.pending)
                        )
                    };
                    return Err(Failure::new(format!(
                        "expected a head ending in a blank line on {} within {:.1?}, but {what}",
                        self.label, self.deadline
                    ))
                    .kind(Kind::Timeout));
                }
            }
        }
    }

    /// Waits for exactly `n` bytes from the program (a body whose length was announced).
    pub fn read_bytes(&mut self, n: usize) -> Outcome<Vec<u8>> {
        let deadline = Instant::now() + self.deadline;
        while self.pending.len() < n {
            match self.read_some(deadline)? {
                Some(0) => {
                    return Err(Failure::new(format!(
                        "expected {n} bytes on {}, but the program closed the connection after {}",
                        self.label,
                        self.pending.len()
                    ))
                    .kind(Kind::Closed));
                }
                Some(_) => {}
                None => {
                    return Err(Failure::new(format!(
                        "expected {n} bytes on {} within {:.1?}, but only {} came",
                        self.label,
                        self.deadline,
                        self.pending.len()
                    ))
                    .kind(Kind::Timeout));
                }
            }
        }
        let bytes: Vec<u8> = self.pending.drain(..n).collect();
        self.transcript
            .record(&self.label, Direction::Received, describe(&bytes));
        Ok(bytes)
    }

    /// Reads everything until the program closes the connection (a body delimited by
    /// the close), at most `max` bytes: more is a failure, not memory without end.
    pub fn read_to_close(&mut self, max: usize) -> Outcome<Vec<u8>> {
        let deadline = Instant::now() + self.deadline;
        loop {
            if self.pending.len() > max {
                return Err(Failure::new(format!(
                    "the program sent more than {max} bytes on {} without closing it",
                    self.label
                ))
                .kind(Kind::Mismatch));
            }
            match self.read_some(deadline)? {
                Some(0) => break,
                Some(_) => {}
                None => {
                    return Err(Failure::new(format!(
                        "expected the program to close {} within {:.1?} (the end of what it sends), but it kept it open after {} bytes",
                        self.label,
                        self.deadline,
                        self.pending.len()
                    ))
                    .kind(Kind::Timeout));
                }
            }
        }
        let bytes = std::mem::take(&mut self.pending);
        self.transcript
            .record(&self.label, Direction::Received, describe(&bytes));
        self.transcript
            .record(&self.label, Direction::Event, "closed by the program");
        Ok(bytes)
    }

    /// Waits for the next line and checks it is exactly `expected`.
    pub fn expect_line(&mut self, expected: &str) -> Outcome {
        let line = self.read_line().map_err(|f| Failure {
            expected: Some(expected.to_string()),
            ..f
        })?;
        if line == expected {
            Ok(())
        } else {
            Err(Failure::mismatch(
                format!("the program sent a different line on {}", self.label),
                expected,
                line,
            ))
        }
    }

    /// Waits for the next line and checks it matches the regular expression `pattern`
    /// (anchored at both ends); `what` says in words what was expected.
    pub fn expect_line_matching(&mut self, pattern: &str, what: &str) -> Outcome<String> {
        let line = self.read_line()?;
        crate::failure::check_match(&line, pattern, what)?;
        Ok(line)
    }

    /// Checks the program sends nothing for `window`. Proving an absence needs a time
    /// window; keep it short, and use it only where silence is the point.
    pub fn expect_silence(&mut self, window: Duration) -> Outcome {
        let deadline = Instant::now() + window;
        match self.read_some(deadline)? {
            None if self.pending.is_empty() => {
                self.transcript.record(
                    &self.label,
                    Direction::Event,
                    format!("(silent for {window:?}, as expected)"),
                );
                Ok(())
            }
            Some(0) => Err(Failure::new(format!(
                "the program closed {} when it should have stayed silent",
                self.label
            ))
            .kind(Kind::Closed)),
            _ => Err(Failure::mismatch(
                format!(
                    "the program sent something on {} when it should have waited",
                    self.label
                ),
                "(nothing)",
                describe(&self.pending),
            )),
        }
    }

    /// Waits for the program to close the connection, with nothing more sent.
    pub fn expect_closed(&mut self) -> Outcome {
        let deadline = Instant::now() + self.deadline;
        loop {
            if !self.pending.is_empty() {
                return Err(Failure::mismatch(
                    format!("expected the program to close {}", self.label),
                    "(connection closed)",
                    describe(&self.pending),
                ));
            }
            match self.read_some(deadline)? {
                Some(0) => {
                    self.transcript
                        .record(&self.label, Direction::Event, "closed by the program");
                    return Ok(());
                }
                Some(_) => continue,
                None => {
                    return Err(Failure::new(format!(
                        "expected the program to close {} within {:.1?}, but it kept it open",
                        self.label, self.deadline
                    ))
                    .kind(Kind::Timeout));
                }
            }
        }
    }

    /// Waits for the program to end the connection, whether it closes it or resets it:
    /// a program that drops a connection with input it never read (a line over its
    /// limit) makes the kernel send a reset, and both mean "this client is done".
    ///
    /// ```ignore
    /// flood.send_bytes(&vec![b'x'; 70_000])?;
    /// flood.expect_dropped()?; // over the limit: disconnected
    /// ```
    pub fn expect_dropped(&mut self) -> Outcome {
        match self.expect_closed() {
            Err(failure) if failure.kind == Kind::Reset => {
                self.transcript.record(
                    &self.label,
                    Direction::Event,
                    "reset by the program (dropped with input unread)",
                );
                Ok(())
            }
            outcome => outcome,
        }
    }

    /// Closes the test's sending side (a half-close): the program reads end-of-file,
    /// but can still answer.
    pub fn shutdown_write(&mut self) -> Outcome {
        self.transcript.record(
            &self.label,
            Direction::Event,
            "test closed its sending side",
        );
        Ok(self.stream.shutdown(std::net::Shutdown::Write)?)
    }

    /// Drops the connection abruptly: a TCP reset instead of a goodbye, as when a peer
    /// crashes or its network vanishes.
    pub fn reset(self) {
        self.transcript.record(
            &self.label,
            Direction::Event,
            "connection reset by the test (abrupt disconnect)",
        );
        // If the option cannot be set the close is an ordinary one; the transcript
        // already says what the test meant, and the case's expectations will show it.
        let _ = self.stream.linger_zero();
        self.close_now();
    }

    /// Closes the connection politely.
    pub fn close(self) {
        self.transcript
            .record(&self.label, Direction::Event, "closed by the test");
        self.close_now();
    }

    /// Closes the socket while no program is being started, so that no half-started
    /// child holds a copy that would delay the close (see `program::SPAWNING`).
    fn close_now(self) {
        let _no_spawn = crate::program::SPAWNING
            .write()
            .unwrap_or_else(|e| e.into_inner());
        drop(self.stream);
    }

    /// Reads what is available into `pending`: `Some(n)` bytes (0 = end of stream), or
    /// `None` if the deadline passed first. A reset by the program is a failure.
    fn read_some(&mut self, deadline: Instant) -> Outcome<Option<usize>> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        self.stream.set_read_timeout(Some(left))?;
        let mut buf = [0u8; 8192];
        match self.stream.read(&mut buf) {
            Ok(n) => {
                self.pending.extend_from_slice(&buf[..n]);
                Ok(Some(n))
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Ok(None),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => Err(Failure::new(format!(
                "the program reset the connection {} (it crashed, or closed the socket with data unread)",
                self.label
            ))
            .kind(Kind::Reset)),
            Err(e) => Err(Failure::new(format!(
                "reading from {} failed: {e}",
                self.label
            ))),
        }
    }
}

/// `bytes` cut at `cuts` (offsets, in order; out-of-range ones are clamped), without
/// empty pieces: what a writer in pieces sends, one write each.
pub(crate) fn pieces<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut start = 0;
    let mut pieces = Vec::new();
    for &cut in cuts.iter().chain(std::iter::once(&bytes.len())) {
        let cut = cut.clamp(start, bytes.len());
        if cut > start {
            pieces.push(&bytes[start..cut]);
        }
        start = cut;
    }
    pieces
}

/// How the transcript shows a write in pieces: `"GET /" + "a HTTP/1.1…"   (in 2 writes)`.
pub(crate) fn describe_pieces(pieces: &[&[u8]]) -> String {
    let shown: Vec<String> = pieces
        .iter()
        .map(|p| format!("\"{}\"", describe(p)))
        .collect();
    format!("{}   (in {} writes)", shown.join(" + "), shown.len())
}

/// A listening socket of the test's (TCP or Unix domain), for grading a client: the
/// test plays the server.
pub struct StreamListener {
    label: String,
    listener: Listener,
    transcript: Transcript,
    deadline: Duration,
}

/// What a [`StreamListener`] listens with: a TCP port, or a Unix socket path.
enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener, std::path::PathBuf),
}

impl AsRawFd for Listener {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        match self {
            Listener::Tcp(l) => l.as_raw_fd(),
            Listener::Unix(l, _) => l.as_raw_fd(),
        }
    }
}

impl StreamListener {
    pub(crate) fn bind(
        label: String,
        addr: SocketAddr,
        transcript: Transcript,
        deadline: Duration,
    ) -> Outcome<StreamListener> {
        let listener = TcpListener::bind(addr)
            .map_err(|e| Failure::new(format!("the test could not listen on {addr}: {e}")))?;
        let local = listener.local_addr()?;
        transcript.record(&label, Direction::Action, format!("listen on {local}"));
        Ok(StreamListener {
            label,
            listener: Listener::Tcp(listener),
            transcript,
            deadline,
        })
    }

    /// Listens on the Unix domain socket `path`, so the test can play the server for
    /// a client of AF_UNIX.
    pub(crate) fn bind_unix(
        label: String,
        path: &Path,
        transcript: Transcript,
        deadline: Duration,
    ) -> Outcome<StreamListener> {
        let listener = UnixListener::bind(path).map_err(|e| {
            Failure::new(format!(
                "the test could not listen on {}: {e}",
                path.display()
            ))
        })?;
        transcript.record(
            &label,
            Direction::Action,
            format!("listen on {}", path.display()),
        );
        Ok(StreamListener {
            label,
            listener: Listener::Unix(listener, path.to_path_buf()),
            transcript,
            deadline,
        })
    }

    /// Where the test listens (TCP); give it to the client under test.
    pub fn addr(&self) -> Outcome<SocketAddr> {
        match &self.listener {
            Listener::Tcp(l) => Ok(l.local_addr()?),
            Listener::Unix(..) => Err(Failure::new(
                "the test asked a Unix listener for a TCP address",
            )),
        }
    }

    /// Where the test listens, in words: `127.0.0.1:PORT` or a socket path.
    fn place(&self) -> String {
        match &self.listener {
            Listener::Tcp(l) => l.local_addr().map(|a| a.to_string()).unwrap_or_default(),
            Listener::Unix(_, path) => path.display().to_string(),
        }
    }

    /// Waits for the program to connect.
    pub fn accept(&mut self) -> Outcome<StreamPeer> {
        if !wait_readable(&self.listener, self.deadline)? {
            return Err(Failure::new(format!(
                "expected the program to connect to {} within {:.1?}, but it did not",
                self.place(),
                self.deadline
            ))
            .kind(Kind::Timeout));
        }
        match &self.listener {
            Listener::Tcp(listener) => {
                let (stream, from) = listener.accept()?;
                self.transcript.record(
                    &self.label,
                    Direction::Event,
                    format!("accepted a connection from {from}"),
                );
                Ok(StreamPeer::from_stream(
                    self.label.clone(),
                    stream,
                    self.transcript.clone(),
                    self.deadline,
                ))
            }
            Listener::Unix(listener, _) => {
                let (stream, _) = listener.accept()?;
                self.transcript
                    .record(&self.label, Direction::Event, "accepted a connection");
                Ok(StreamPeer {
                    label: self.label.clone(),
                    stream: Socket::Unix(stream),
                    pending: Vec::new(),
                    transcript: self.transcript.clone(),
                    deadline: self.deadline,
                })
            }
        }
    }
}

/// A UDP socket of the test's: sends datagrams to the program, receives its replies.
pub struct UdpPeer {
    label: String,
    socket: UdpSocket,
    transcript: Transcript,
    deadline: Duration,
}

impl UdpPeer {
    pub(crate) fn bind(
        label: String,
        addr: SocketAddr,
        transcript: Transcript,
        deadline: Duration,
    ) -> Outcome<UdpPeer> {
        let socket = UdpSocket::bind(addr).map_err(|e| {
            Failure::new(format!(
                "the test could not bind a UDP socket on {addr}: {e}"
            ))
        })?;
        let local = socket.local_addr()?;
        transcript.record(&label, Direction::Action, format!("UDP socket on {local}"));
        Ok(UdpPeer {
            label,
            socket,
            transcript,
            deadline,
        })
    }

    /// The test's address: where the program's datagrams must go.
    pub fn addr(&self) -> Outcome<SocketAddr> {
        Ok(self.socket.local_addr()?)
    }

    /// Sends one datagram to `to`.
    pub fn send_to(&mut self, bytes: &[u8], to: SocketAddr) -> Outcome {
        self.transcript.record(
            &self.label,
            Direction::Sent,
            format!("\"{}\" ({} bytes) to {to}", describe(bytes), bytes.len()),
        );
        self.socket
            .send_to(bytes, to)
            .map_err(|e| Failure::new(format!("could not send a datagram to {to}: {e}")))?;
        Ok(())
    }

    /// Sends a datagram from a fresh socket of its own: a stray sender at another
    /// address, as any host on a network can be. A program must not take it for the
    /// reply it waits for from its peer.
    ///
    /// ```ignore
    /// udp.send_stray(b"not the reply", client_addr)?;
    /// ```
    pub fn send_stray(&mut self, bytes: &[u8], to: SocketAddr) -> Outcome {
        let any = if to.is_ipv6() {
            "[::1]:0"
        } else {
            "127.0.0.1:0"
        };
        let stray = UdpSocket::bind(any)?;
        self.transcript.record(
            &self.label,
            Direction::Sent,
            format!(
                "\"{}\" ({} bytes) to {to} from a stray socket at {}",
                describe(bytes),
                bytes.len(),
                stray.local_addr()?
            ),
        );
        stray
            .send_to(bytes, to)
            .map_err(|e| Failure::new(format!("could not send a stray datagram to {to}: {e}")))?;
        Ok(())
    }

    /// Waits for one datagram and drops it, as the network does now and then: the
    /// program sent it and will never get its answer. Returns it with its sender.
    ///
    /// ```ignore
    /// udp.lose()?; // the client must time out, not wait forever
    /// ```
    pub fn lose(&mut self) -> Outcome<(Vec<u8>, SocketAddr)> {
        let datagram = self.receive()?;
        self.transcript.record(
            &self.label,
            Direction::Event,
            "the datagram is lost: the test never answers it",
        );
        Ok(datagram)
    }

    /// Waits for one datagram and returns it with its sender.
    pub fn receive(&mut self) -> Outcome<(Vec<u8>, SocketAddr)> {
        self.socket.set_read_timeout(Some(self.deadline))?;
        let mut buf = vec![0u8; 65_536];
        match self.socket.recv_from(&mut buf) {
            Ok((n, from)) => {
                buf.truncate(n);
                self.transcript.record(
                    &self.label,
                    Direction::Received,
                    format!("\"{}\" ({n} bytes) from {from}", describe(&buf)),
                );
                Ok((buf, from))
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                Err(Failure::new(format!(
                    "expected a datagram on {} within {:.1?}, but none came",
                    self.label, self.deadline
                ))
                .kind(Kind::Timeout))
            }
            Err(e) => Err(Failure::new(format!(
                "receiving on {} failed: {e} (is the program listening there?)",
                self.label
            ))),
        }
    }
}

/// Waits until `socket` is readable (a connection to accept), up to `timeout`.
fn wait_readable(socket: &impl AsRawFd, timeout: Duration) -> Outcome<bool> {
    let mut poll = libc::pollfd {
        fd: socket.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let millis = timeout.as_millis().min(i32::MAX as u128) as i32;
    // SAFETY: one valid pollfd for the duration of the call.
    let ready = unsafe { libc::poll(&mut poll, 1, millis) };
    if ready < 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    Ok(ready > 0)
}
