//! `cargo xtask fuzz ch3-2 --solution -- [--count N] [--seconds S] [--seed N]
//! [--jobs J]`: throws a seeded stream of HTTP requests at ch3-2's file server
//! (`PROGRAM server --root DIR --port 0`), valid and broken (ch3::corpus), over
//! keep-alive connections, plus raw garbage, requests sent a few bytes at a time, and
//! requests cut short. Every answer must parse as an HTTP response (httparse), or the
//! connection must be closed; every so often a fresh connection must still get `200`
//! for a known file; the server must never exit, nor hold more than 256 MiB.
//!
//! Valid requests share a connection; a broken one is the last on its connection,
//! followed by a half-close, so a server waiting for the rest of a cut request sees
//! the end of input and must answer or close within 2 s.

use ch3::corpus;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long an answer (or the close) may take.
const ANSWER_LIMIT: Duration = Duration::from_secs(2);
/// The most memory the server may hold.
const MAX_MEMORY: u64 = 256 * 1024 * 1024;
/// A fresh GET of a known file every this many messages.
const HEALTH_EVERY: u64 = 500;
/// Failures shown in full.
const SHOWN: usize = 10;
/// The largest response head read.
const MAX_HEAD: usize = 64 * 1024;

/// The files the server serves: URL path and contents.
type Files = Vec<(String, Vec<u8>)>;

/// Makes the server's root folder with a few files.
fn make_root(seed: u64) -> std::io::Result<(PathBuf, Files)> {
    let root = std::env::temp_dir().join(format!("netlab-fuzz-ch3-2-{}", std::process::id()));
    std::fs::create_dir_all(root.join("dir"))?;
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut files = Vec::new();
    for (path, len) in [
        ("index.html", 300),
        ("a.txt", 20),
        ("dir/b.txt", 5000),
        ("empty.txt", 0),
    ] {
        let body: Vec<u8> = (0..len).map(|_| rng.alphanumeric() as u8).collect();
        std::fs::write(root.join(path), &body)?;
        files.push((format!("/{path}"), body));
    }
    Ok((root, files))
}

/// Starts the server and reads `listening on ADDR`.
fn start_server(program: &Path, root: &Path) -> Result<(Child, SocketAddr), String> {
    let mut child = Command::new(program)
        .args(["server", "--root"])
        .arg(root)
        .args(["--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    let mut first = String::new();
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut reader = BufReader::new(stdout);
    reader.read_line(&mut first).map_err(|e| e.to_string())?;
    // Keep reading (and dropping) its stdout, so it never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let addr = first
        .trim()
        .strip_prefix("listening on ")
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| format!("the server's first line is not `listening on ADDR`: {first:?}"))?;
    Ok((child, addr))
}

/// What the workers found.
#[derive(Default)]
struct Tally {
    messages: u64,
    connections: u64,
    closed_early: u64,
    failures: BTreeMap<&'static str, u64>,
    shown: usize,
}

impl Tally {
    fn fail(&mut self, kind: &'static str, what: String) {
        *self.failures.entry(kind).or_default() += 1;
        if self.shown < SHOWN {
            self.shown += 1;
            println!("FAILED ({kind}): {what}");
        }
    }
}

fn main() -> ExitCode {
    let args = match ch3::fuzz::Options::from_args(false) {
        Ok(args) => args,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let Some(program) = std::env::var_os("NETLAB_PROGRAM").map(PathBuf::from) else {
        eprintln!("error: NETLAB_PROGRAM is not set: run me with `cargo xtask fuzz ch3-2`");
        return ExitCode::from(2);
    };
    let (root, files) = match make_root(args.seed) {
        Ok(made) => made,
        Err(e) => {
            eprintln!("error: cannot make the server's root: {e}");
            return ExitCode::from(2);
        }
    };
    let (mut server, addr) = match start_server(&program, &root) {
        Ok(started) => started,
        Err(e) => {
            eprintln!("error: {e}");
            let _ = std::fs::remove_dir_all(&root);
            return ExitCode::FAILURE;
        }
    };
    let pid = server.id();
    println!(
        "fuzzing {} server on {addr}: {} messages, seed {}, {} jobs{}",
        program.display(),
        args.count,
        args.seed,
        args.jobs,
        args.seconds
            .map(|s| format!(", at most {s} s"))
            .unwrap_or_default()
    );
    let started = Instant::now();
    let until = args.seconds.map(|s| started + Duration::from_secs_f64(s));
    let sent = AtomicU64::new(0);
    let connection_no = AtomicU64::new(0);
    let dead = AtomicBool::new(false);
    let peak = AtomicU64::new(0);
    let tally = Mutex::new(Tally::default());
    std::thread::scope(|scope| {
        for _ in 0..args.jobs {
            scope.spawn(|| {
                while !dead.load(Ordering::Relaxed)
                    && sent.load(Ordering::Relaxed) < args.count
                    && until.is_none_or(|u| Instant::now() < u)
                {
                    let c = connection_no.fetch_add(1, Ordering::Relaxed);
                    let mut rng = fastrand::Rng::with_seed(args.seed ^ c.wrapping_mul(0x9e37_79b9_7f4a_7c15));
                    let outcome = one_connection(&mut rng, addr, &files, &sent);
                    let mut t = tally.lock().unwrap_or_else(|e| e.into_inner());
                    t.connections += 1;
                    t.messages = sent.load(Ordering::Relaxed);
                    match outcome {
                        Ok(closed_early) => t.closed_early += u64::from(closed_early),
                        Err((kind, what)) => t.fail(kind, format!("connection {c} of seed {}: {what}", args.seed)),
                    }
                    drop(t);
                    if c.is_multiple_of((HEALTH_EVERY / 4).max(1)) {
                        let health = health_check(addr, &files);
                        if let Some(bytes) = harness::program::high_water_mark(pid as i32) {
                            peak.fetch_max(bytes, Ordering::Relaxed);
                        }
                        let mut t = tally.lock().unwrap_or_else(|e| e.into_inner());
                        if let Err(what) = health {
                            if std::fs::metadata(format!("/proc/{pid}")).is_err()
                                || matches!(std::fs::read_to_string(format!("/proc/{pid}/stat")), Ok(s) if s.split_whitespace().nth(2) == Some("Z"))
                            {
                                dead.store(true, Ordering::Relaxed);
                                t.fail("server-died", format!("the server exited (after connection {c}): {what}"));
                            } else {
                                t.fail("health", format!("a fresh GET after connection {c}: {what}"));
                            }
                        }
                        if c.is_multiple_of(200) && c > 0 {
                            let rate = t.messages as f64 / started.elapsed().as_secs_f64();
                            println!("  {} messages on {} connections, {rate:.0} messages/s", t.messages, t.connections);
                        }
                    }
                }
            });
        }
    });
    let exited = server.try_wait().ok().flatten();
    let mut t = tally.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(status) = exited
        && !t.failures.contains_key("server-died")
    {
        t.fail("server-died", format!("the server exited: {status}"));
    }
    let peak = peak.load(Ordering::Relaxed);
    if peak > MAX_MEMORY {
        t.fail(
            "memory",
            format!("the server held {} MiB at its peak", peak >> 20),
        );
    }
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&root);
    let elapsed = started.elapsed().as_secs_f64();
    let failed: u64 = t.failures.values().sum();
    println!(
        "{} messages on {} connections ({} closed by the server early) in {elapsed:.1} s: {:.0} messages/s; peak memory {} KiB; {failed} failures",
        t.messages,
        t.connections,
        t.closed_early,
        t.messages as f64 / elapsed.max(1e-9),
        peak / 1024
    );
    for (kind, n) in &t.failures {
        println!("  {kind}: {n}");
    }
    println!(
        "seed {} (replay: cargo xtask fuzz ch3-2 --solution -- --seed {} --count {})",
        args.seed, args.seed, args.count
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A request for one of the files (or a missing one), valid and keep-alive.
fn valid_request(rng: &mut fastrand::Rng, files: &[(String, Vec<u8>)]) -> (Vec<u8>, bool) {
    let path = if rng.u8(..5) == 0 {
        "/missing.txt".to_string()
    } else {
        files[rng.usize(..files.len())].0.clone()
    };
    let head = rng.u8(..5) == 0;
    let method = if head { "HEAD" } else { "GET" };
    (
        format!("{method} {path} HTTP/1.1\r\nHost: fuzz\r\nUser-Agent: netlab-fuzz\r\n\r\n")
            .into_bytes(),
        head,
    )
}

/// One connection: a few valid requests, each answered, then maybe one hostile
/// message and a half-close. Returns whether the server closed before the end.
fn one_connection(
    rng: &mut fastrand::Rng,
    addr: SocketAddr,
    files: &[(String, Vec<u8>)],
    sent: &AtomicU64,
) -> Result<bool, (&'static str, String)> {
    let stream =
        TcpStream::connect(addr).map_err(|e| ("connect", format!("cannot connect: {e}")))?;
    let _ = stream.set_read_timeout(Some(ANSWER_LIMIT));
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone().map_err(|e| ("connect", e.to_string()))?;
    let mut reader = BufReader::new(stream);
    for _ in 0..rng.usize(1..8) {
        let (request, head) = valid_request(rng, files);
        if writer.write_all(&request).is_err() {
            return Ok(true);
        }
        sent.fetch_add(1, Ordering::Relaxed);
        match read_response(&mut reader, head) {
            Ok(Some(closes)) if closes => return Ok(true),
            Ok(Some(_)) => {}
            Ok(None) => return Ok(true),
            Err(what) => {
                return Err((
                    "bad-response",
                    format!("to {}: {what}", harness::transcript::describe(&request)),
                ));
            }
        }
    }
    let hostile = match rng.u8(..10) {
        0..=5 => {
            let (request, _) = valid_request(rng, files);
            corpus::mutate(rng, request)
        }
        6 => corpus::sample(rng.u64(..), rng.u64(..)),
        7 => (0..rng.usize(1..200)).map(|_| rng.u8(..)).collect(),
        8 => {
            // A valid request a few bytes at a time.
            let (request, head) = valid_request(rng, files);
            for piece in request.chunks(rng.usize(1..8)) {
                if writer.write_all(piece).is_err() {
                    return Ok(true);
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            sent.fetch_add(1, Ordering::Relaxed);
            return match read_response(&mut reader, head) {
                Ok(_) => Ok(false),
                Err(what) => Err((
                    "bad-response",
                    format!("to a request sent in pieces: {what}"),
                )),
            };
        }
        _ => return Ok(false),
    };
    if writer.write_all(&hostile).is_err() {
        return Ok(true);
    }
    sent.fetch_add(1, Ordering::Relaxed);
    let _ = writer.shutdown(Shutdown::Write);
    // The first answer (a 400, or the answer to a request the mutation left valid)
    // must be an HTTP response; what follows it cannot be framed without knowing
    // which requests the mutated bytes held, so it is read to the close.
    match read_response(&mut reader, true) {
        Ok(_) => {}
        Err(what) => {
            let kind = if what.contains("timed out") || what.contains("would block") {
                "hang"
            } else {
                "bad-response"
            };
            return Err((
                kind,
                format!("to {}: {what}", harness::transcript::describe(&hostile)),
            ));
        }
    }
    match std::io::copy(&mut reader, &mut std::io::sink()) {
        Ok(_) => Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => Ok(false),
        Err(e) => Err((
            "hang",
            format!(
                "no close within 2 s after {} and a half-close ({e})",
                harness::transcript::describe(&hostile)
            ),
        )),
    }
}

/// Reads one response (only its head when `to_head`): `Ok(None)` if the connection closed before any byte of it,
/// `Ok(Some(closes))` for a whole response (`closes`: the server said it will close),
/// `Err` for anything that is not an HTTP response, or silence past the time limit.
fn read_response(reader: &mut BufReader<TcpStream>, to_head: bool) -> Result<Option<bool>, String> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        match (&mut *reader)
            .take((MAX_HEAD - head.len()) as u64)
            .read_until(b'\n', &mut line)
        {
            Ok(0) if head.is_empty() => return Ok(None),
            Ok(0) => {
                return Err(format!(
                    "the connection closed inside a head: {}",
                    harness::transcript::describe(&head)
                ));
            }
            Ok(_) => head.extend(&line),
            Err(e) if head.is_empty() && e.kind() == std::io::ErrorKind::ConnectionReset => {
                return Ok(None);
            }
            Err(e) => {
                return Err(format!(
                    "no whole answer ({e}); had {}",
                    harness::transcript::describe(&head)
                ));
            }
        }
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        if head.len() >= MAX_HEAD {
            return Err("a response head over 64 KiB".into());
        }
    }
    let mut slots = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut slots);
    match response.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {}
        other => {
            return Err(format!(
                "not an HTTP response ({other:?}): {}",
                harness::transcript::describe(&head)
            ));
        }
    }
    let status = response.code.unwrap_or_default();
    let field = |name: &str| {
        response
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_ascii_lowercase())
    };
    let closes =
        field("connection").is_some_and(|c| c.contains("close")) || response.version == Some(0);
    if to_head || (100..200).contains(&status) || status == 204 || status == 304 {
        return Ok(Some(closes));
    }
    if field("transfer-encoding").is_some_and(|t| t.ends_with("chunked")) {
        loop {
            let mut line = Vec::new();
            (&mut *reader)
                .take(4096)
                .read_until(b'\n', &mut line)
                .map_err(|e| e.to_string())?;
            let size = std::str::from_utf8(&line)
                .ok()
                .and_then(|l| u64::from_str_radix(l.trim().split(';').next()?.trim(), 16).ok())
                .ok_or_else(|| {
                    format!(
                        "a bad chunk size line: {}",
                        harness::transcript::describe(&line)
                    )
                })?;
            if size == 0 {
                let mut rest = Vec::new();
                loop {
                    rest.clear();
                    (&mut *reader)
                        .take(4096)
                        .read_until(b'\n', &mut rest)
                        .map_err(|e| e.to_string())?;
                    if rest == b"\r\n" || rest.is_empty() {
                        return Ok(Some(closes));
                    }
                }
            }
            std::io::copy(&mut (&mut *reader).take(size + 2), &mut std::io::sink())
                .map_err(|e| e.to_string())?;
        }
    }
    if let Some(length) = field("content-length") {
        let length: u64 = length
            .parse()
            .map_err(|_| format!("a bad Content-Length {length:?}"))?;
        let got = std::io::copy(&mut (&mut *reader).take(length), &mut std::io::sink())
            .map_err(|e| e.to_string())?;
        if got < length {
            return Err(format!("a body of {got} of its {length} bytes"));
        }
        return Ok(Some(closes));
    }
    // Delimited by the close.
    std::io::copy(reader, &mut std::io::sink()).map_err(|e| e.to_string())?;
    Ok(Some(true))
}

/// A fresh connection and a GET of a known file: `200` and its exact bytes.
fn health_check(addr: SocketAddr, files: &[(String, Vec<u8>)]) -> Result<(), String> {
    let (path, body) = &files[0];
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("cannot connect: {e}"))?;
    let _ = stream.set_read_timeout(Some(ANSWER_LIMIT));
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .map_err(|e| e.to_string())?;
    let mut all = Vec::new();
    let _ = stream.read_to_end(&mut all);
    let ok = all.starts_with(b"HTTP/1.1 200") || all.starts_with(b"HTTP/1.0 200");
    if ok && all.ends_with(body) {
        Ok(())
    } else {
        Err(format!(
            "expected 200 and {path}, got {}",
            harness::transcript::describe(&all)
        ))
    }
}
