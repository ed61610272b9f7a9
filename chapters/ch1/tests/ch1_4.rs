//! Grades ch1-4, the frontend and the backend: every complete line any frontend sends
//! ends up in the backend's file exactly once and whole, however many frontends send
//! at once and however the network cuts their bytes; half a line is never stored.
//!
//! The test knows a connection's lines are stored when, after it shut down its sending
//! side, the backend closes the connection: that close is the protocol's proof. Only
//! then does it read the file.

use harness::prelude::*;
use harness::transcript::escape;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// How long the test checks that the frontend has not exited before the backend
/// closed: the frontend's waiting is the point, and proving it needs a window.
const WAIT_WINDOW: Duration = Duration::from_millis(200);

/// Longer than the 64 KiB a line may have.
const TOO_LONG: usize = 64 * 1024 + 5000;

/// How many frontend programs and how many test peers send at once in the crowd case,
/// and how many lines each sends.
const FRONTENDS: usize = 2;
const PEERS: usize = 4;
const FRONTEND_LINES: usize = 100;
const PEER_LINES: usize = 1000;
/// Into how many writes each test peer cuts its lines.
const PIECES: usize = 4;

/// The size of the long lines in the crowd case: larger than any one read buffer.
const LONG_LINE: usize = 10 * 1024;

/// How long a frontend stalls in the middle of a line in the pause case: longer than
/// any timeout a backend might put on reading one line.
const PAUSE: Duration = Duration::from_millis(1000);

fn main() -> ExitCode {
    harness::run!(&[
        Case::new("one frontend's lines are appended to ./message in order, and the frontend exits 0", one_frontend)
            .hint("The backend appends each line it receives, with its \\n, to the file (`message` in its working \
                   directory by default). The frontend sends each stdin line; at the end of input it shuts \
                   down its sending side, waits for the backend to close the connection, and exits 0."),
        Case::new("the backend appends to an existing file and keeps what was there", appends_to_existing_file)
            .hint("The file may hold lines from an earlier run: they stay, and new lines go after them."),
        Case::new("a line that arrives in pieces is stored once, whole", split_line_is_one_line)
            .hint("One read is not one line. Read through a BufReader with read_until(b'\\n') and store a line \
                   only when its \\n has come; never write what one `read` returned as if it were a line."),
        Case::new("lines that come in one write after a quiet spell are all stored at once", burst_is_stored_at_once)
            .hint("Several lines can come in one read. Store every complete line the moment it has come: \
                   all of them, not one per read, and not only when the next bytes or the end arrive.")
            .hint_if(Kind::Timeout, "A BufReader keeps the lines one read brought in its buffer: loop on \
                   read_until, which takes the next line from the buffer before it reads again."),
        Case::new("a line with a long pause in the middle is stored once, whole", paused_line_is_one_line)
            .hint("A frontend may stall in the middle of a line (a slow link, a person typing): the line is \
                   stored once its \\n comes, whole, however long that takes. A read timeout on the \
                   connection (set_read_timeout) would drop a frontend that is only slow, and lose its line: \
                   only a read of 0 bytes or an error ends a connection."),
        Case::new("a line another frontend's line overtakes is still stored whole", overtaken_line_is_whole)
            .hint("Half a line waits in its own connection's buffer while other connections store their \
                   lines; it goes to the file, whole and in one write, only once its \\n has come. Bytes \
                   copied to the file as they arrive put half of one frontend's line before another \
                   frontend's line."),
        Case::new("a line ended by \\r\\n is stored as it came, \\r included", crlf_is_stored_as_it_came)
            .hint("The backend stores bytes exactly as they came: a frontend on Windows, or `nc -C`, ends \
                   lines with \\r\\n, and the file keeps the \\r. Strip nothing: neither the \\r nor spaces."),
        Case::new("an unfinished line is not stored when its frontend closes", unfinished_line_is_dropped)
            .hint("When the connection ends, read_until returns whatever came after the last \\n: half a line \
                   from a frontend that died mid-line. It is not a line: only store what ends in \\n."),
        Case::new("a partial line before a reset is not stored, and the backend keeps serving", reset_mid_line)
            .hint("A connection that is reset is an error on that connection only: keep the lines it completed, \
                   drop the unfinished one, end its thread, and keep serving everyone else. Never unwrap \
                   socket I/O in a connection's thread."),
        Case::new("the backend stores a second frontend's lines while the first is still connected", serves_frontends_at_once)
            .hint_if(Kind::Timeout, "Serve each connection on a thread (or task) of its own. A backend that serves one frontend \
                   until it leaves keeps every other frontend waiting, and their lines are not stored."),
        Case::new("lines from many frontends at once never interleave, and none is lost or stored twice", crowd_of_frontends)
            .hint("Several threads append to one file. Write each complete line, \\n included, with ONE write_all \
                   while holding a Mutex around the file. Without the lock, pieces of different lines end up \
                   mixed when a line takes more than one write (writeln! makes two: the text, then the \\n). \
                   If you hand lines to one writer thread through a channel instead, a connection must wait \
                   until the writer has written its lines before it closes: the close is the receipt."),
        Case::new("./message may be a symbolic link: lines go to the file it points to, and it stays a link", message_is_a_symlink)
            .hint("Open the path and append: the system follows a symbolic link to its file. Never replace \
                   the file (write a new one and rename it, or remove and create it): that would put a plain \
                   file where the link was, and the lines would never reach the file it points to."),
        Case::new("the backend listens on ::1 and a frontend given --host ::1 reaches it", over_ipv6)
            .hint("Bind with TcpListener::bind((host, port)) and connect with TcpStream::connect((host, \
                   port)): both take an IPv6 address as they take an IPv4 one, and `listening on` then shows \
                   `[::1]:PORT`."),
        Case::new("a frontend given a host name whose first address refuses reaches the backend at the next", frontend_tries_every_address)
            .hint("A name such as `localhost` often resolves to ::1 first and 127.0.0.1 second, and a backend \
                   may listen on only one of them. TcpStream::connect((host, port)) tries every address in \
                   turn; taking only the first of to_socket_addrs() fails when that one refuses."),
        Case::new("a line longer than 64 KiB drops its connection; the lines before it stay", over_long_line)
            .hint("Cap what you buffer for one line (read through .take(64 KiB + 1)): a longer line is never \
                   stored, its connection is dropped, and the lines stored before it stay. The backend goes on \
                   serving the others.")
            .hint_if(Kind::Timeout, "Without a cap, read_until keeps buffering a line that never ends and the \
                   connection is never dropped."),
        Case::new("with its stderr closed, the backend still stores every line", stderr_closed)
            .hint("Nobody may be reading the backend's stderr (a closed terminal, a log reader that exited): a \
                   write to it then fails, and eprintln! panics, which kills that connection's thread. Log with \
                   the given report(format_args!(…)), or `let _ = writeln!(io::stderr(), …)`."),
        Case::new("with its stderr closed, the frontend still sends every line and exits with status 0", frontend_stderr_closed)
            .hint("The frontend's status lines (`connected to …`, `N lines sent and stored`) go to stderr, which \
                   nobody may be reading: the given report(format_args!(…)) drops a line it cannot write, where \
                   eprintln! would panic."),
        Case::new("bytes that are not UTF-8 are stored exactly as they came", garbage_is_stored_as_bytes)
            .hint("The backend stores bytes, not text: read lines with read_until into a Vec<u8> and write those \
                   bytes. read_line into a String fails on invalid UTF-8 and would lose the line."),
        Case::new("the frontend sends each line as soon as it is typed", frontend_sends_each_line_at_once)
            .hint_if(Kind::Timeout, "Send a line as soon as stdin has given it (one write_all with its \\n): do not collect the \
                   input until it ends."),
        Case::new("the frontend waits until the backend closes, then exits 0", frontend_waits_for_close)
            .hint("At the end of input, call stream.shutdown(Shutdown::Write), then read until the read returns \
                   0 (the backend closed the connection): only then are the lines stored. Exiting right after \
                   sending may lose lines the backend has not written yet."),
        Case::new("a frontend whose backend resets the connection instead of closing it exits with status 1", frontend_reports_reset)
            .hint("A reset instead of a close means the lines may not be stored: finish must return that read \
                   error (main prints `error: …` and exits with status 1), not treat it as the end.")
            .hint_if(Kind::Timeout, "After the reset, a read fails at once: return the error instead of \
                   reading again."),
        Case::new("a frontend that cannot connect prints an error and exits with status 1", frontend_reports_refused_connection)
            .hint("Connecting to a port where nobody listens fails with `connection refused`: print one \
                   `error: …` line on stderr and exit non-zero, without a panic."),
        Case::new("a backend that cannot open its file prints an error and exits with status 1", backend_reports_bad_file)
            .hint("Open (create) the file before listening: if that fails, print one `error: …` line on stderr \
                   and exit non-zero, without a panic."),
    ])
}

/// Starts the backend on a free port, storing into `file` (relative to the case's
/// folder when it is a bare name).
fn backend(t: &mut Session, file: &str) -> Outcome<(Program, SocketAddr)> {
    t.start_server("backend", &["backend", "--port", "0", "--file", file])
}

/// Starts a frontend that talks to `addr`.
fn frontend(t: &mut Session, label: &str, addr: SocketAddr) -> Outcome<Program> {
    let (host, port) = (addr.ip().to_string(), addr.port().to_string());
    t.start(label, &["frontend", "--host", &host, "--port", &port])
}

/// Shuts down the peer's sending side and waits for the backend to close the
/// connection: after that, the peer's lines must be in the file.
fn finish(peer: &mut StreamPeer) -> Outcome {
    peer.shutdown_write().map_err(|f| Failure {
        summary: format!(
            "the connection was already gone when the test shut down its sending side ({}): the backend \
             dropped it without reading it to the end (did the connection's thread end early, or panic?)",
            f.summary
        ),
        ..f
    })?;
    peer.expect_closed().map_err(|f| Failure {
        summary: format!(
            "{} — after a frontend shuts down its sending side, the backend must store its last lines \
             and close the connection",
            f.summary
        ),
        ..f
    })
}

/// The file's bytes (empty if it does not exist yet).
fn read_file(path: &Path) -> Outcome<Vec<u8>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// Shows a file's bytes one line per line, escaped (and long lines shortened), for a
/// readable comparison.
fn show(bytes: &[u8]) -> String {
    let mut out = String::new();
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        let text = escape(line);
        if text.chars().count() > 200 {
            let head: String = text.chars().take(100).collect();
            out.push_str(&format!("{head}… ({} bytes)", line.len()));
        } else {
            out.push_str(&text);
        }
        out.push('\n');
    }
    out
}

/// Checks the file holds exactly `expected` and shows each line in the transcript.
fn expect_file(t: &mut Session, path: &Path, expected: &[u8]) -> Outcome {
    let actual = read_file(path)?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    for line in show(&actual).lines() {
        t.note(&format!("{name}: {line}"));
    }
    ensure(
        !actual.is_empty() || expected.is_empty(),
        format!(
            "{} is missing or empty, but the backend had closed the connection: the lines must be stored first",
            path.display()
        ),
    )?;
    if actual == expected {
        Ok(())
    } else if expected.starts_with(&actual) && actual.ends_with(b"\n") {
        let lines = |bytes: &[u8]| bytes.iter().filter(|&&b| b == b'\n').count();
        Err(Failure::mismatch(
            format!(
                "{} holds only the first {} of the {} lines expected, but the backend had closed the \
                 connection: the close is the frontend's receipt, so every line must be in the file \
                 before it (if a writer thread stores the lines, the connection must wait for it)",
                path.display(),
                lines(&actual),
                lines(expected)
            ),
            show(expected),
            show(&actual),
        ))
    } else {
        Err(Failure::mismatch(
            format!(
                "{} does not hold exactly the lines that were sent",
                path.display()
            ),
            show(expected),
            show(&actual),
        ))
    }
}

/// Waits until the file contains `needle` (lines whose storing the test cannot learn
/// from a close: their connection was reset, or is still open); `what` names them.
fn wait_for_file_containing(path: &Path, needle: &[u8], what: &str) -> Outcome {
    let what = format!("{what} ({})", show(needle).trim_end());
    harness::files::wait_for_file(path, Duration::from_secs(2), &what, |bytes| {
        bytes.windows(needle.len()).any(|w| w == needle)
    })
    .map(|_| ())
}

fn one_frontend(t: &mut Session) -> Outcome {
    let (_backend, addr) = t.start_server("backend", &["backend", "--port", "0"])?;
    let mut frontend = frontend(t, "frontend", addr)?;
    let lines = [
        t.sentence(3),
        t.word(),
        t.sentence(5),
        "naïve café ✓".to_string(),
        t.sentence(2),
    ];
    for line in &lines {
        frontend.send_line(line)?;
    }
    frontend.close_stdin();
    frontend.expect_success()?;
    let expected: String = lines.iter().map(|line| format!("{line}\n")).collect();
    let path = t.dir().join("message");
    expect_file(t, &path, expected.as_bytes())?;
    t.snapshot("one frontend")
}

fn appends_to_existing_file(t: &mut Session) -> Outcome {
    let path = t.dir().join("log.txt");
    let old = format!("{}\n{}\n", t.sentence(2), t.sentence(3));
    std::fs::write(&path, &old)?;
    t.note("log.txt already holds two lines");
    let (_backend, addr) = backend(t, "log.txt")?;
    let mut tcp = t.connect(addr)?;
    let (first, second) = (t.sentence(2), t.word());
    tcp.send_line(&first)?;
    tcp.send_line(&second)?;
    finish(&mut tcp)?;
    let stored = read_file(&path)?;
    if !stored.starts_with(old.as_bytes()) {
        return Err(Failure::mismatch(
            "the two lines log.txt held before the backend started are gone: open the file with \
             OpenOptions::new().create(true).append(true); File::create (or fs::write) empties it, and a \
             file opened without append(true) is written from its start",
            show(format!("{old}{first}\n{second}\n").as_bytes()),
            show(&stored),
        ));
    }
    expect_file(t, &path, format!("{old}{first}\n{second}\n").as_bytes())
}

fn split_line_is_one_line(t: &mut Session) -> Outcome {
    let path = t.dir().join("message");
    let (_backend, addr) = backend(t, "message")?;
    let mut tcp = t.connect(addr)?;
    let lines = [t.sentence(4), t.sentence(3), t.word()];
    let bytes: String = lines.iter().map(|line| format!("{line}\n")).collect();
    let cuts = t.cuts(bytes.len(), 6);
    tcp.send_in_pieces(bytes.as_bytes(), &cuts)?;
    finish(&mut tcp)?;
    expect_file(t, &path, bytes.as_bytes())
}

fn burst_is_stored_at_once(t: &mut Session) -> Outcome {
    let path = t.dir().join("message");
    let (_backend, addr) = backend(t, "message")?;
    let mut tcp = t.connect(addr)?;
    let first = t.sentence(2);
    tcp.send_line(&first)?;
    wait_for_file_containing(&path, format!("{first}\n").as_bytes(), "the first line")?;
    t.note("the first line is stored; after a quiet spell, three lines come in one write");
    let burst = [t.sentence(3), t.word(), t.sentence(2)];
    tcp.send_burst(&burst.iter().map(String::as_str).collect::<Vec<_>>())?;
    let lines: String = burst.iter().map(|line| format!("{line}\n")).collect();
    t.note("all three must be stored now, while the connection stays open");
    wait_for_file_containing(&path, lines.as_bytes(), "all three lines of the burst")?;
    finish(&mut tcp)?;
    expect_file(t, &path, format!("{first}\n{lines}").as_bytes())
}

fn paused_line_is_one_line(t: &mut Session) -> Outcome {
    let path = t.dir().join("message");
    let (mut backend, addr) = backend(t, "message")?;
    let mut tcp = t.connect(addr)?;
    let (first, paused) = (t.sentence(2), t.sentence(4));
    tcp.send_line(&first)?;
    let bytes = format!("{paused}\n");
    tcp.send_with_pause(bytes.as_bytes(), paused.len() / 2, PAUSE)?;
    finish(&mut tcp)?;
    backend.expect_running()?;
    expect_file(t, &path, format!("{first}\n{bytes}").as_bytes())
}

fn overtaken_line_is_whole(t: &mut Session) -> Outcome {
    let path = t.dir().join("message");
    let (_backend, addr) = backend(t, "message")?;
    let mut slow = t.connect(addr)?;
    let (start, rest) = (t.sentence(2), t.sentence(2));
    slow.send_unfinished(start.as_bytes())?;
    t.note("a second frontend sends a whole line and finishes while the first is mid-line");
    let mut quick = t.connect(addr)?;
    let line = t.sentence(3);
    quick.send_line(&line)?;
    finish(&mut quick)?;
    expect_file(t, &path, format!("{line}\n").as_bytes())?;
    t.note("now the first frontend finishes its line");
    slow.send_bytes(format!(" {rest}\n").as_bytes())?;
    finish(&mut slow)?;
    expect_file(t, &path, format!("{line}\n{start} {rest}\n").as_bytes())
}

fn crlf_is_stored_as_it_came(t: &mut Session) -> Outcome {
    let path = t.dir().join("message");
    let (_backend, addr) = backend(t, "message")?;
    let mut tcp = t.connect(addr)?;
    let (crlf, plain) = (t.sentence(3), t.sentence(2));
    tcp.send_line_crlf(&crlf)?;
    tcp.send_line(&plain)?;
    finish(&mut tcp)?;
    expect_file(t, &path, format!("{crlf}\r\n{plain}\n").as_bytes())
}

fn unfinished_line_is_dropped(t: &mut Session) -> Outcome {
    let path = t.dir().join("message");
    let (_backend, addr) = backend(t, "message")?;
    let mut tcp = t.connect(addr)?;
    let (first, second, unfinished) = (t.sentence(2), t.sentence(3), t.sentence(2));
    t.note("the last line never gets its \\n: its frontend died while sending it");
    tcp.send_bytes(format!("{first}\n{second}\n{unfinished}").as_bytes())?;
    finish(&mut tcp)?;
    expect_file(t, &path, format!("{first}\n{second}\n").as_bytes())
}

fn reset_mid_line(t: &mut Session) -> Outcome {
    let path = t.dir().join("message");
    let (mut backend, addr) = backend(t, "message")?;
    let mut doomed = t.connect(addr)?;
    let (complete, unfinished) = (t.sentence(3), t.sentence(2));
    doomed.send_bytes(format!("{complete}\n{unfinished}").as_bytes())?;
    doomed.reset();
    t.note("the reset connection cannot confirm anything: the test watches the file instead");
    wait_for_file_containing(
        &path,
        format!("{complete}\n").as_bytes(),
        "the line completed before the reset",
    )?;
    let mut next = t.connect(addr)?;
    let line = t.sentence(2);
    next.send_line(&line)?;
    finish(&mut next)?;
    backend.expect_running()?;
    expect_file(t, &path, format!("{complete}\n{line}\n").as_bytes())
}

fn serves_frontends_at_once(t: &mut Session) -> Outcome {
    let path = t.dir().join("message");
    let (_backend, addr) = backend(t, "message")?;
    let mut first = t.connect(addr)?;
    let early = t.sentence(2);
    first.send_line(&early)?;
    t.note("the first frontend stays connected while a second one sends and finishes");
    let mut second = t.connect(addr)?;
    let line = t.sentence(3);
    second.send_line(&line)?;
    finish(&mut second)?;
    let stored = read_file(&path)?;
    ensure(
        stored
            .windows(line.len() + 1)
            .any(|w| w == format!("{line}\n").as_bytes()),
        format!(
            "the second frontend's line is not in the file although the backend closed its connection; \
             the file holds:\n{}",
            show(&stored)
        ),
    )?;
    let late = t.word();
    first.send_line(&late)?;
    finish(&mut first)?;
    let lines = read_file(&path)?;
    let mut sorted: Vec<&[u8]> = lines.split_inclusive(|&b| b == b'\n').collect();
    sorted.sort();
    let mut expected = [
        format!("{early}\n").into_bytes(),
        format!("{line}\n").into_bytes(),
        format!("{late}\n").into_bytes(),
    ];
    expected.sort();
    ensure(
        sorted == expected.iter().map(Vec::as_slice).collect::<Vec<_>>(),
        format!(
            "the file should hold the three lines sent, each once; it holds:\n{}",
            show(&lines)
        ),
    )
}

/// The lines one sender sends in the crowd case: each tagged with its sender and its
/// number, of varied lengths, and some of them long if `long`.
fn crowd_lines(t: &mut Session, sender: usize, count: usize, long: bool) -> Vec<String> {
    (0..count)
        .map(|n| {
            let word = t.word();
            let tag = format!("s{sender}-{n:03}");
            if long && n % 97 == 17 {
                let filler = format!("{word} ");
                let long = filler.repeat(LONG_LINE / filler.len() + 1);
                format!("{tag} {}", long.trim_end())
            } else {
                let extra = t.cuts(100, 2).first().copied().unwrap_or(1);
                format!("{tag} {word} {}", "~".repeat(extra))
            }
        })
        .collect()
}

fn crowd_of_frontends(t: &mut Session) -> Outcome {
    let path = t.dir().join("message");
    let (mut backend, addr) = backend(t, "message")?;
    let mut frontends = Vec::new();
    for n in 0..FRONTENDS {
        frontends.push(frontend(t, &format!("frontend{n}"), addr)?);
    }
    let mut peers = t.connect_many(addr, PEERS)?;
    let senders: Vec<Vec<String>> = (0..FRONTENDS + PEERS)
        .map(|s| {
            if s < FRONTENDS {
                crowd_lines(t, s, FRONTEND_LINES, false)
            } else {
                crowd_lines(t, s, PEER_LINES, true)
            }
        })
        .collect();
    let mut payloads = Vec::new();
    for lines in &senders[FRONTENDS..] {
        let bytes: Vec<u8> = lines
            .iter()
            .flat_map(|l| format!("{l}\n").into_bytes())
            .collect();
        let cuts = t.cuts(bytes.len(), PIECES);
        t.note(&format!(
            "a test peer sends {} lines ({} bytes, some lines {LONG_LINE} bytes long) in {} writes",
            lines.len(),
            bytes.len(),
            cuts.len() + 1
        ));
        payloads.push((bytes, cuts));
    }
    t.note(&format!(
        "…all at once, while {FRONTENDS} frontends get {FRONTEND_LINES} lines each on stdin:"
    ));
    // The peers start together, so the backend's threads are busy storing at the same
    // moments: that is when unsynchronised writes collide.
    let start = std::sync::Barrier::new(PEERS);
    std::thread::scope(|scope| -> Outcome {
        let handles: Vec<_> = peers
            .iter_mut()
            .zip(&payloads)
            .map(|(peer, (bytes, cuts))| {
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    peer.send_in_pieces(bytes, cuts)
                })
            })
            .collect();
        for n in 0..FRONTEND_LINES {
            for (frontend, lines) in frontends.iter_mut().zip(&senders) {
                frontend.send_line(&lines[n])?;
            }
        }
        for handle in handles {
            handle
                .join()
                .unwrap_or_else(|_| Err(Failure::new("a sending thread of the test panicked")))?;
        }
        Ok(())
    })?;
    for peer in &mut peers {
        finish(peer)?;
    }
    for frontend in &mut frontends {
        frontend.close_stdin();
        frontend.expect_success()?;
    }
    backend.expect_running()?;
    check_crowd(&read_file(&path)?, &senders)
}

/// Checks that the file holds every sender's lines exactly once, whole, and in each
/// sender's order.
fn check_crowd(file: &[u8], senders: &[Vec<String>]) -> Outcome {
    let shorten = |line: &[u8]| show(line).trim_end().to_string();
    ensure(
        file.is_empty() || file.ends_with(b"\n"),
        format!(
            "the file ends in the middle of a line: {}",
            shorten(file.rsplit(|&b| b == b'\n').next().unwrap_or_default())
        ),
    )?;
    let mut origin: HashMap<&[u8], (usize, usize)> = HashMap::new();
    for (sender, lines) in senders.iter().enumerate() {
        for (n, line) in lines.iter().enumerate() {
            origin.insert(line.as_bytes(), (sender, n));
        }
    }
    let mut next = vec![0usize; senders.len()];
    for (number, line) in file
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let Some(&(sender, n)) = origin.get(line) else {
            return Err(Failure::new(format!(
                "line {} of the file is not a line anyone sent: pieces of different lines were mixed, or a \
                 piece of one was stored as a line of its own:\n  {}",
                number + 1,
                shorten(line)
            )));
        };
        ensure(
            n >= next[sender],
            format!(
                "line {} of the file was stored twice, or out of the order its frontend sent it:\n  {}",
                number + 1,
                shorten(line)
            ),
        )?;
        ensure(
            n == next[sender],
            format!(
                "a line was lost: before line {} of the file, the line its frontend sent earlier is missing:\n  {}",
                number + 1,
                shorten(senders[sender][next[sender]].as_bytes())
            ),
        )?;
        next[sender] += 1;
    }
    for (sender, lines) in senders.iter().enumerate() {
        ensure(
            next[sender] == lines.len(),
            format!(
                "{} of {} lines from one frontend are missing from the file, starting with:\n  {}",
                lines.len() - next[sender],
                lines.len(),
                shorten(
                    lines
                        .get(next[sender])
                        .map(String::as_bytes)
                        .unwrap_or_default()
                )
            ),
        )?;
    }
    Ok(())
}

fn over_long_line(t: &mut Session) -> Outcome {
    let path = t.dir().join("message");
    let (mut backend, addr) = backend(t, "message")?;
    let mut flood = t.connect(addr)?;
    let line = t.sentence(2);
    flood.send_line(&line)?;
    t.note("then a line that never ends, longer than 64 KiB");
    flood.send_bytes("x".repeat(TOO_LONG).as_bytes())?;
    flood.expect_dropped()?;
    let mut next = t.connect(addr)?;
    let after = t.sentence(3);
    next.send_line(&after)?;
    finish(&mut next)?;
    backend.expect_running()?;
    expect_file(t, &path, format!("{line}\n{after}\n").as_bytes())
}

fn message_is_a_symlink(t: &mut Session) -> Outcome {
    std::fs::create_dir(t.dir().join("store"))?;
    let target = t.dir().join("store").join("real.txt");
    let old = format!("{}\n", t.sentence(2));
    std::fs::write(&target, &old)?;
    let link = t.symlink("store/real.txt", "message")?;
    let (_backend, addr) = t.start_server("backend", &["backend", "--port", "0"])?;
    let mut tcp = t.connect(addr)?;
    let (first, second) = (t.sentence(3), t.word());
    tcp.send_line(&first)?;
    tcp.send_line(&second)?;
    finish(&mut tcp)?;
    let still_a_link = std::fs::symlink_metadata(&link).is_ok_and(|m| m.file_type().is_symlink());
    ensure(
        still_a_link,
        "./message was a symbolic link to store/real.txt, and it is not one any more: the backend \
         replaced the link with a file of its own",
    )?;
    expect_file(t, &target, format!("{old}{first}\n{second}\n").as_bytes())
}

fn over_ipv6(t: &mut Session) -> Outcome {
    let path = t.dir().join("message");
    let (_backend, addr) =
        t.start_server("backend", &["backend", "--host", "::1", "--port", "0"])?;
    ensure(
        addr.is_ipv6(),
        format!("given --host ::1, the backend must listen on [::1], not on {addr}"),
    )?;
    let mut frontend = frontend(t, "frontend", addr)?;
    let lines = [t.sentence(2), t.sentence(3)];
    for line in &lines {
        frontend.send_line(line)?;
    }
    frontend.close_stdin();
    frontend.expect_success()?;
    let expected: String = lines.iter().map(|line| format!("{line}\n")).collect();
    expect_file(t, &path, expected.as_bytes())
}

fn frontend_tries_every_address(t: &mut Session) -> Outcome {
    let (mut listener, host) = t.listen_behind_refusing_address()?;
    let port = listener.addr()?.port().to_string();
    let mut frontend = t.start("frontend", &["frontend", "--host", &host, "--port", &port])?;
    let mut tcp = listener.accept()?;
    t.note("the test plays the backend at 127.0.0.1, the name's second address");
    let line = t.sentence(2);
    frontend.send_line(&line)?;
    tcp.expect_line(&line)?;
    frontend.close_stdin();
    tcp.expect_closed()?;
    tcp.close();
    frontend.expect_success()
}

fn stderr_closed(t: &mut Session) -> Outcome {
    let path = t.dir().join("message");
    t.set_stderr(Output::Closed);
    let (mut backend, addr) = backend(t, "message")?;
    t.note("the backend reports each connection on stderr");
    let mut expected = String::new();
    for _ in 0..3 {
        let mut tcp = t.connect(addr)?;
        let line = t.sentence(2);
        tcp.send_line(&line)?;
        finish(&mut tcp)?;
        expected.push_str(&format!("{line}\n"));
    }
    backend.expect_running()?;
    expect_file(t, &path, expected.as_bytes())
}

fn frontend_stderr_closed(t: &mut Session) -> Outcome {
    let mut listener = t.listen()?;
    let addr = listener.addr()?;
    t.set_stderr(Output::Closed);
    let mut frontend = frontend(t, "frontend", addr)?;
    let mut tcp = listener.accept()?;
    t.note("the frontend reports its connection on stderr, which is closed");
    let lines = [t.sentence(2), t.sentence(3)];
    for line in &lines {
        frontend.send_line(line)?;
        tcp.expect_line(line)?;
    }
    frontend.close_stdin();
    tcp.expect_closed()?;
    tcp.close();
    frontend.expect_success()
}

fn garbage_is_stored_as_bytes(t: &mut Session) -> Outcome {
    let path = t.dir().join("message");
    let (mut backend, addr) = backend(t, "message")?;
    let mut tcp = t.connect(addr)?;
    let garbage = b"\xff\xfe\x00 not \xc3 text\x1b[2J\n".to_vec();
    tcp.send_bytes(&garbage)?;
    let line = t.sentence(2);
    tcp.send_line(&line)?;
    finish(&mut tcp)?;
    backend.expect_running()?;
    let mut expected = garbage;
    expected.extend_from_slice(format!("{line}\n").as_bytes());
    expect_file(t, &path, &expected)
}

fn frontend_sends_each_line_at_once(t: &mut Session) -> Outcome {
    let mut listener = t.listen()?;
    let addr = listener.addr()?;
    let mut frontend = frontend(t, "frontend", addr)?;
    let mut tcp = listener.accept()?;
    let (first, second) = (t.sentence(2), t.sentence(3));
    t.note("the test plays the backend; the frontend's stdin stays open");
    frontend.send_line(&first)?;
    tcp.expect_line(&first)?;
    frontend.send_line(&second)?;
    tcp.expect_line(&second)
}

fn frontend_waits_for_close(t: &mut Session) -> Outcome {
    let mut listener = t.listen()?;
    let addr = listener.addr()?;
    let mut frontend = frontend(t, "frontend", addr)?;
    let mut tcp = listener.accept()?;
    let line = t.sentence(2);
    frontend.send_line(&line)?;
    tcp.expect_line(&line)?;
    frontend.close_stdin();
    t.note("the frontend's input ended: it must shut down its sending side…");
    tcp.expect_closed()?;
    t.note("…and wait, still running, until the backend closes the connection");
    frontend.set_deadline(WAIT_WINDOW);
    if frontend.expect_exit().is_ok() {
        return Err(Failure::new(
            "the frontend exited before the backend closed the connection: it cannot know yet that its \
             lines are stored",
        ));
    }
    t.note("the frontend is still waiting; the test (the backend) now closes the connection");
    frontend.set_deadline(Duration::from_secs(2));
    tcp.close();
    frontend.expect_success()
}

fn frontend_reports_reset(t: &mut Session) -> Outcome {
    let mut listener = t.listen()?;
    let addr = listener.addr()?;
    let mut frontend = frontend(t, "frontend", addr)?;
    let mut tcp = listener.accept()?;
    let line = t.sentence(2);
    frontend.send_line(&line)?;
    tcp.expect_line(&line)?;
    frontend.close_stdin();
    tcp.expect_closed()?;
    t.note("the test (the backend) resets the connection instead of closing it");
    tcp.reset();
    frontend.expect_error_exit(Some(1))?;
    Ok(())
}

fn frontend_reports_refused_connection(t: &mut Session) -> Outcome {
    let addr = t.refused_addr()?;
    let mut frontend = frontend(t, "frontend", addr)?;
    frontend.expect_error_exit(Some(1))?;
    Ok(())
}

fn backend_reports_bad_file(t: &mut Session) -> Outcome {
    let missing: PathBuf = t.dir().join("no-such-folder").join("message");
    let missing = missing.display().to_string();
    t.note("the file's folder does not exist");
    let mut backend = t.start("backend", &["backend", "--port", "0", "--file", &missing])?;
    backend.expect_error_exit(Some(1))?;
    Ok(())
}
