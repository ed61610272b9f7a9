//! `cargo xtask fuzz ch3-11 [--solution] -- [--count N] [--seconds S] [--seed N]
//! [--jobs J] [--only N]`: starts `PROGRAM server --zone FILE --port 0` on a small zone
//! of its own (`fuzz.test.`) and throws a seeded stream of DNS messages at it
//! (ch3::dns_corpus): over UDP, valid and mutated queries, mutated responses, the
//! classic hostile packets and garbage; over TCP, framed messages (good and bad),
//! frames cut short, unframed garbage, and connections left silent.
//!
//! A failure is: a reply hickory-proto cannot decode, or one that is not a response
//! (QR clear); a TCP reply cut short, or a connection neither answered nor closed
//! within 5 s of the client's half-close; a good question (every 32 messages of a
//! worker: `www.fuzz.test. A` over UDP, and every 256 over TCP) not answered with the
//! zone's address and AA within three tries of 1 s; the server exiting; its memory
//! above 256 MiB. The exit status is 1 if anything failed.

use ch3::dns_corpus;
use ch3::fuzz::{self, LastLines};
use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::{RData, RecordType};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The most memory the server may hold.
const MAX_MEMORY: u64 = 256 * 1024 * 1024;
/// A good question over UDP after this many messages of one worker.
const HEALTH_EVERY: u64 = 32;
/// A good question over TCP after this many messages of one worker.
const TCP_HEALTH_EVERY: u64 = 256;
/// How long one try of a good question waits for its answer.
const ANSWER_LIMIT: Duration = Duration::from_secs(1);
/// Tries of a good question before it counts as unanswered (UDP may lose a datagram
/// when the server's socket buffer is full of the flood).
const TRIES: usize = 3;
/// How long a TCP connection may take to answer and close after the half-close.
const CLOSE_LIMIT: Duration = Duration::from_secs(5);
/// Silent TCP connections one worker keeps open at once.
const HELD: usize = 16;
/// Failures shown in full.
const SHOWN: usize = 10;
/// The zone's apex.
const APEX: &str = "fuzz.test.";
/// Names in the zone the stream asks about (relative to the apex; `nothere` is not).
const NAMES: &[&str] = &[
    "www", "mail", "txt", "alias", "ns1", "nothere", "a.b.deep", "",
];
/// Types the stream asks for.
const TYPES: &[RecordType] = &[
    RecordType::A,
    RecordType::AAAA,
    RecordType::NS,
    RecordType::CNAME,
    RecordType::MX,
    RecordType::TXT,
    RecordType::SOA,
    RecordType::ANY,
];

/// The zone file, with `www`'s address drawn from the seed (so no answer is built in).
fn zone_text(www: Ipv4Addr) -> String {
    format!(
        "$ORIGIN {APEX}\n\
         $TTL 3600\n\
         @     IN SOA ns1 hostmaster ( 2026120201 7200 900 1209600 300 )\n\
         \x20     IN NS  ns1\n\
         \x20     IN MX  10 mail\n\
         ns1   IN A   192.0.2.1\n\
         www   300 IN A {www}\n\
         www   IN AAAA 2001:db8::1\n\
         mail  IN A   192.0.2.3\n\
         txt   IN TXT \"hello\" \"\" \"fuzz\"\n\
         alias IN CNAME www\n\
         c.deep IN A 192.0.2.4\n"
    )
}

/// One step of the stream.
enum Step {
    /// A datagram.
    Udp(&'static str, Vec<u8>),
    /// A TCP connection.
    Tcp(Tcp),
}

/// What one TCP connection does.
enum Tcp {
    /// These messages, each framed, then a half-close; every reply is read.
    Framed(Vec<Vec<u8>>),
    /// A frame that promises more than it holds, then a half-close.
    Cut(Vec<u8>),
    /// Bytes with no framing, then a half-close.
    Raw(Vec<u8>),
    /// A few bytes, then silence: the connection is kept open a while.
    Silent(Vec<u8>),
}

/// Step `n` of stream `seed`.
fn step(seed: u64, n: u64) -> Step {
    let mut rng = dns_corpus::rng_for(seed, n);
    if rng.u8(..25) == 0 {
        return Step::Tcp(match rng.u8(..10) {
            0..=4 => Tcp::Framed(
                (0..rng.usize(1..=3))
                    .map(|_| datagram(&mut rng).1)
                    .collect(),
            ),
            5 | 6 => {
                let mut message = zone_query(&mut rng);
                let promised = message.len() + rng.usize(1..100);
                message.truncate(rng.usize(..message.len()));
                let mut bytes = (promised as u16).to_be_bytes().to_vec();
                bytes.extend(message);
                Tcp::Cut(bytes)
            }
            7 | 8 => Tcp::Raw(dns_corpus::garbage(&mut rng)),
            _ => Tcp::Silent(vec![0; rng.usize(..2)]),
        });
    }
    let (kind, bytes) = datagram(&mut rng);
    Step::Udp(kind, bytes)
}

/// One message for the server, good or bad, and what it is.
fn datagram(rng: &mut fastrand::Rng) -> (&'static str, Vec<u8>) {
    match rng.u8(..20) {
        0..=2 => ("zone query", zone_query(rng)),
        3..=8 => {
            let q = zone_query(rng);
            ("mutated zone query", dns_corpus::mutate(rng, &q))
        }
        9 | 10 => ("query", dns_corpus::query(rng)),
        11..=13 => {
            let q = dns_corpus::query(rng);
            ("mutated query", dns_corpus::mutate(rng, &q))
        }
        14 | 15 => {
            let m = dns_corpus::message(rng);
            ("mutated message", dns_corpus::mutate(rng, &m))
        }
        16 => ("message", dns_corpus::message(rng)),
        17 | 18 => ("hostile", dns_corpus::hostile(rng)),
        _ => ("garbage", dns_corpus::garbage(rng)),
    }
}

/// A standard query for a name in (or next to) the zone.
fn zone_query(rng: &mut fastrand::Rng) -> Vec<u8> {
    let label = NAMES[rng.usize(..NAMES.len())];
    let name = if label.is_empty() {
        APEX.to_string()
    } else {
        format!("{label}.{APEX}")
    };
    let rtype = TYPES[rng.usize(..TYPES.len())];
    dns_corpus::query_for(rng.u16(..), &name, rtype).unwrap_or_default()
}

/// What the workers found.
#[derive(Default)]
struct Tally {
    messages: u64,
    replies: u64,
    rcodes: BTreeMap<String, u64>,
    health_checks: u64,
    connections: u64,
    failures: BTreeMap<&'static str, u64>,
    shown: usize,
}

impl Tally {
    /// Counts a failure and shows the first few.
    fn fail(&mut self, kind: &'static str, what: String) {
        *self.failures.entry(kind).or_default() += 1;
        if self.shown < SHOWN {
            self.shown += 1;
            println!("FAILED ({kind}): {what}");
        }
    }
}

/// The server under test, and what every worker shares.
struct Target {
    addr: SocketAddr,
    www: Ipv4Addr,
    pid: u32,
    child: Mutex<Child>,
    stderr: LastLines,
    dead: AtomicBool,
    peak: AtomicU64,
    tally: Mutex<Tally>,
}

impl Target {
    /// Records a failure.
    fn fail(&self, kind: &'static str, what: String) {
        self.tally
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .fail(kind, what);
    }

    /// Whether the server has exited (and, the first time, says how).
    fn exited(&self) -> bool {
        if self.dead.load(Ordering::Relaxed) {
            return true;
        }
        let status = self
            .child
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .try_wait();
        match status {
            Ok(Some(status)) => {
                if !self.dead.swap(true, Ordering::Relaxed) {
                    let last: Vec<String> = self
                        .stderr
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .iter()
                        .cloned()
                        .collect();
                    self.fail(
                        "server-died",
                        format!("the server exited ({status}); its last stderr lines: {last:?}"),
                    );
                }
                true
            }
            _ => false,
        }
    }

    /// The program's last stderr line, as `; it last said: …` (empty if it said
    /// nothing): a panic on a thread of its own often explains a silence.
    fn last_said(&self) -> String {
        let lines = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        // A panic is two lines: where, then what.
        let said = match lines.iter().rposition(|l| l.contains("panicked")) {
            Some(i) => lines
                .iter()
                .skip(i)
                .take(2)
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
            None => lines.back().cloned().unwrap_or_default(),
        };
        if said.is_empty() {
            String::new()
        } else {
            format!("; it last said: {said}")
        }
    }

    /// Samples the server's peak memory.
    fn sample_memory(&self) {
        if let Some(bytes) = harness::program::high_water_mark(self.pid as i32) {
            self.peak.fetch_max(bytes, Ordering::Relaxed);
        }
    }

    /// Checks one reply: hickory must read it, and it must be a response.
    fn check_reply(&self, reply: &[u8], cause: &str) -> bool {
        match Message::from_vec(reply) {
            Ok(m) if m.metadata.message_type == MessageType::Response => {
                let mut t = self.tally.lock().unwrap_or_else(|e| e.into_inner());
                t.replies += 1;
                *t.rcodes
                    .entry(m.metadata.response_code.to_string())
                    .or_default() += 1;
                true
            }
            Ok(_) => {
                self.fail(
                    "not-a-response",
                    format!("a reply with QR clear, to {cause}: {}", hex(reply)),
                );
                false
            }
            Err(e) => {
                self.fail(
                    "undecodable",
                    format!(
                        "hickory cannot read the reply to {cause} ({e}): {}",
                        hex(reply)
                    ),
                );
                false
            }
        }
    }
}

fn main() -> ExitCode {
    let args = match fuzz::Options::from_args(true) {
        Ok(args) => args,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let Some(program) = std::env::var_os("NETLAB_PROGRAM").map(PathBuf::from) else {
        eprintln!("error: NETLAB_PROGRAM is not set: run me with `cargo xtask fuzz ch3-11`");
        return ExitCode::from(2);
    };
    let mut rng = fastrand::Rng::with_seed(args.seed);
    let www = Ipv4Addr::new(198, 51, 100, rng.u8(1..255));
    let dir = std::env::temp_dir().join(format!("netlab-fuzz-ch3-11-{}", std::process::id()));
    let zone = dir.join("fuzz.test.zone");
    if let Err(e) =
        std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&zone, zone_text(www)))
    {
        eprintln!("error: cannot write the zone file {}: {e}", zone.display());
        return ExitCode::from(2);
    }
    let started = start_server(&program, &zone);
    let _ = std::fs::remove_dir_all(&dir);
    let (child, addr, stderr) = match started {
        Ok(started) => started,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let target = Target {
        addr,
        www,
        pid: child.id(),
        child: Mutex::new(child),
        stderr,
        dead: AtomicBool::new(false),
        peak: AtomicU64::new(0),
        tally: Mutex::new(Tally::default()),
    };
    let (first, count) = match args.only {
        Some(n) => (n, 1),
        None => (0, args.count),
    };
    println!(
        "fuzzing {} server on {addr} (zone {APEX}, www at {www}): {count} messages, seed {}, {} jobs{}",
        program.display(),
        args.seed,
        args.jobs,
        args.seconds
            .map(|s| format!(", at most {s} s"))
            .unwrap_or_default()
    );
    let clock = Instant::now();
    let until = args.seconds.map(|s| clock + Duration::from_secs_f64(s));
    let next = AtomicU64::new(first);
    std::thread::scope(|scope| {
        for worker in 0..args.jobs.min(count as usize).max(1) {
            let target = &target;
            let next = &next;
            scope.spawn(move || {
                work(
                    target,
                    worker as u64,
                    args.seed,
                    next,
                    first + count,
                    until,
                    args.only.is_some(),
                    clock,
                )
            });
        }
    });
    finish(&target, args.seed, count, clock.elapsed().as_secs_f64())
}

/// One worker: its own UDP socket, steps of the stream until the end, a good question
/// every [`HEALTH_EVERY`] of its steps and at its end.
#[allow(clippy::too_many_arguments)]
fn work(
    target: &Target,
    worker: u64,
    seed: u64,
    next: &AtomicU64,
    end: u64,
    until: Option<Instant>,
    replay: bool,
    clock: Instant,
) {
    let socket = match UdpSocket::bind("127.0.0.1:0") {
        Ok(socket) => socket,
        Err(e) => return target.fail("setup", format!("cannot bind a UDP socket: {e}")),
    };
    let mut health = fastrand::Rng::with_seed(seed ^ 0x5eed ^ worker);
    let mut recent: HashMap<u16, u64> = HashMap::new();
    let mut held: VecDeque<TcpStream> = VecDeque::new();
    let mut mine = 0u64;
    loop {
        if target.dead.load(Ordering::Relaxed) || until.is_some_and(|u| Instant::now() > u) {
            break;
        }
        let n = next.fetch_add(1, Ordering::Relaxed);
        if n >= end {
            break;
        }
        match step(seed, n) {
            Step::Udp(kind, bytes) => {
                if bytes.len() >= 2 {
                    recent.insert(u16::from_be_bytes([bytes[0], bytes[1]]), n);
                }
                if let Err(e) = socket.send_to(&bytes, target.addr) {
                    target.fail("send", format!("cannot send message {n} ({kind}): {e}"));
                }
                drain_udp(target, &socket, &recent, n);
            }
            Step::Tcp(Tcp::Silent(bytes)) => {
                if let Ok(mut stream) = TcpStream::connect(target.addr) {
                    let _ = stream.write_all(&bytes);
                    held.push_back(stream);
                    if held.len() > HELD {
                        held.pop_front();
                    }
                }
                target
                    .tally
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .connections += 1;
            }
            Step::Tcp(plan) => one_connection(target, plan, n),
        }
        mine += 1;
        let tally_messages = {
            let mut t = target.tally.lock().unwrap_or_else(|e| e.into_inner());
            t.messages += 1;
            t.messages
        };
        if tally_messages.is_multiple_of(10_000) {
            let t = target.tally.lock().unwrap_or_else(|e| e.into_inner());
            println!(
                "  {} messages, {} replies, {} failures, {:.0} messages/s",
                t.messages,
                t.replies,
                t.failures.values().sum::<u64>(),
                t.messages as f64 / clock.elapsed().as_secs_f64()
            );
        }
        if mine.is_multiple_of(HEALTH_EVERY) || replay {
            good_question_udp(target, &socket, &mut health, &recent, n);
            recent.clear();
        }
        if mine.is_multiple_of(TCP_HEALTH_EVERY) || replay {
            good_question_tcp(target, &mut health, n);
        }
    }
    if !target.dead.load(Ordering::Relaxed) {
        good_question_udp(target, &socket, &mut health, &recent, u64::MAX);
    }
}

/// Reads whatever replies are waiting on `socket`, and checks each.
fn drain_udp(target: &Target, socket: &UdpSocket, recent: &HashMap<u16, u64>, last: u64) {
    let _ = socket.set_nonblocking(true);
    let mut buf = vec![0u8; 65_535];
    while let Ok((len, _)) = socket.recv_from(&mut buf) {
        check_udp_reply(target, &buf[..len], recent, last);
    }
    let _ = socket.set_nonblocking(false);
}

/// Checks a datagram from the server, naming the message it most likely answers (by
/// its id, else the last one sent).
fn check_udp_reply(target: &Target, reply: &[u8], recent: &HashMap<u16, u64>, last: u64) {
    let cause = match reply.get(..2) {
        Some(id) => match recent.get(&u16::from_be_bytes([id[0], id[1]])) {
            Some(n) => format!("message {n}"),
            None => format!("a message up to {last}"),
        },
        None => format!("a message up to {last}"),
    };
    target.check_reply(reply, &cause);
}

/// A good question over UDP: `www.fuzz.test. A` must be answered with the zone's
/// address and AA, within [`TRIES`] tries.
fn good_question_udp(
    target: &Target,
    socket: &UdpSocket,
    rng: &mut fastrand::Rng,
    recent: &HashMap<u16, u64>,
    after: u64,
) {
    target.sample_memory();
    let mut outcome = Err("no answer".to_string());
    for _ in 0..TRIES {
        // An id no message in flight has, so no reply to the flood can pass for ours.
        let id = std::iter::repeat_with(|| rng.u16(..))
            .find(|id| !recent.contains_key(id))
            .unwrap_or_default();
        let Some(query) = dns_corpus::query_for(id, &format!("www.{APEX}"), RecordType::A) else {
            return;
        };
        if socket.send_to(&query, target.addr).is_err() {
            continue;
        }
        let deadline = Instant::now() + ANSWER_LIMIT;
        let mut buf = vec![0u8; 65_535];
        let answered = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break None;
            }
            let _ = socket.set_read_timeout(Some(left));
            match socket.recv_from(&mut buf) {
                Ok((len, _)) if len >= 2 && buf[..2] == id.to_be_bytes() && echoes(&buf[..len]) => {
                    break Some(buf[..len].to_vec());
                }
                Ok((len, _)) => check_udp_reply(target, &buf[..len], recent, after),
                Err(_) => break None,
            }
        };
        if let Some(reply) = answered {
            outcome = judge_answer(target, &reply);
            break;
        }
    }
    target
        .tally
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .health_checks += 1;
    if let Err(what) = outcome
        && !target.exited()
    {
        let when = if after == u64::MAX {
            "at the end".to_string()
        } else {
            format!("after message {after}")
        };
        target.fail(
            "good-question",
            format!("www.{APEX} A over UDP {when}: {what}{}", target.last_said()),
        );
    }
}

/// Whether `reply` echoes the good question (`www.fuzz.test. A`): a reply to a
/// message of the flood that happened to carry the same id does not.
fn echoes(reply: &[u8]) -> bool {
    Message::from_vec(reply).is_ok_and(|m| {
        m.queries.len() == 1
            && m.queries[0].query_type() == RecordType::A
            && m.queries[0]
                .name()
                .to_string()
                .eq_ignore_ascii_case(&format!("www.{APEX}"))
    })
}

/// A good question over TCP, on a fresh connection.
fn good_question_tcp(target: &Target, rng: &mut fastrand::Rng, after: u64) {
    let Some(query) = dns_corpus::query_for(rng.u16(..), &format!("www.{APEX}"), RecordType::A)
    else {
        return;
    };
    let outcome = TcpStream::connect(target.addr)
        .map_err(|e| format!("cannot connect: {e}"))
        .and_then(|mut stream| {
            let _ = stream.set_read_timeout(Some(ANSWER_LIMIT * TRIES as u32));
            stream
                .write_all(&frame(&query))
                .map_err(|e| format!("cannot send: {e}"))?;
            match read_frame(&mut stream)? {
                Some(reply) => judge_answer(target, &reply),
                None => Err("the connection closed with no answer".into()),
            }
        });
    if let Err(what) = outcome
        && !target.exited()
    {
        target.fail(
            "good-question",
            format!(
                "www.{APEX} A over TCP after message {after}: {what}{}",
                target.last_said()
            ),
        );
    }
}

/// The answer to the good question: readable, NOERROR, AA, and the zone's address.
fn judge_answer(target: &Target, reply: &[u8]) -> Result<(), String> {
    let m = Message::from_vec(reply).map_err(|e| format!("hickory cannot read the answer: {e}"))?;
    if m.metadata.response_code != ResponseCode::NoError || !m.metadata.authoritative {
        return Err(format!(
            "the answer is {} with AA {}, not NOERROR with AA",
            m.metadata.response_code, m.metadata.authoritative
        ));
    }
    let has = m
        .answers
        .iter()
        .any(|r| matches!(&r.data, RData::A(a) if a.0 == target.www));
    if has {
        Ok(())
    } else {
        Err(format!("the answer does not hold {}: {m}", target.www))
    }
}

/// One TCP connection of the stream: send, half-close, read every reply to the close.
fn one_connection(target: &Target, plan: Tcp, n: u64) {
    target
        .tally
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .connections += 1;
    let mut stream = match TcpStream::connect(target.addr) {
        Ok(stream) => stream,
        Err(e) => {
            if !target.exited() {
                target.fail("connect", format!("message {n}: cannot connect: {e}"));
            }
            return;
        }
    };
    let _ = stream.set_read_timeout(Some(CLOSE_LIMIT));
    let (what, bytes) = match plan {
        Tcp::Framed(messages) => (
            "framed messages",
            messages.iter().flat_map(|m| frame(m)).collect(),
        ),
        Tcp::Cut(bytes) => ("a frame cut short", bytes),
        Tcp::Raw(bytes) => ("unframed bytes", bytes),
        Tcp::Silent(bytes) => ("a silent connection", bytes),
    };
    // The server may close early (it refuses the rest): that is its right.
    if stream.write_all(&bytes).is_err() {
        return;
    }
    let _ = stream.shutdown(Shutdown::Write);
    let cause = format!("message {n} over TCP ({what})");
    loop {
        match read_frame(&mut stream) {
            Ok(Some(reply)) => {
                if !target.check_reply(&reply, &cause) {
                    return;
                }
            }
            Ok(None) => return,
            Err(e) => {
                if !target.exited() {
                    target.fail("tcp", format!("{cause}: {e}"));
                }
                return;
            }
        }
    }
}

/// `message` with its two-byte length before it (RFC 1035 §4.2.2).
fn frame(message: &[u8]) -> Vec<u8> {
    let mut bytes = (message.len() as u16).to_be_bytes().to_vec();
    bytes.extend_from_slice(message);
    bytes
}

/// One framed message from `stream`: `Ok(None)` when the server closed (or reset) the
/// connection between messages; `Err` for a message cut short or silence past the limit.
fn read_frame(stream: &mut TcpStream) -> Result<Option<Vec<u8>>, String> {
    let mut prefix = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        match stream.read(&mut prefix[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err("the connection closed inside a length prefix".into()),
            Ok(k) => got += k,
            Err(e) if e.kind() == ErrorKind::ConnectionReset && got == 0 => return Ok(None),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("neither a reply nor the close within 5 s ({e})")),
        }
    }
    let len = u16::from_be_bytes(prefix) as usize;
    let mut reply = vec![0u8; len];
    stream
        .read_exact(&mut reply)
        .map_err(|e| format!("a reply cut short: {len} bytes promised ({e})"))?;
    Ok(Some(reply))
}

/// Starts the server on the zone file, as the grader does.
fn start_server(program: &Path, zone: &Path) -> Result<(Child, SocketAddr, LastLines), String> {
    let mut command = Command::new(program);
    command
        .args(["server", "--zone"])
        .arg(zone)
        .args(["--port", "0"]);
    fuzz::start_listening(&mut command, "server")
}

/// Stops the server and prints the counts.
fn finish(target: &Target, seed: u64, count: u64, elapsed: f64) -> ExitCode {
    target.sample_memory();
    let _ = target.exited();
    {
        let mut child = target.child.lock().unwrap_or_else(|e| e.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }
    let peak = target.peak.load(Ordering::Relaxed);
    if peak > MAX_MEMORY {
        target.fail(
            "memory",
            format!("the server held {} MiB at its peak", peak >> 20),
        );
    }
    let t = target.tally.lock().unwrap_or_else(|e| e.into_inner());
    let failed: u64 = t.failures.values().sum();
    let rcodes = t
        .rcodes
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect::<Vec<_>>()
        .join(", ");
    println!(
        "{} messages ({} TCP connections, {} good questions) in {elapsed:.1} s: {:.0} messages/s; {} replies ({rcodes}); peak memory {:.1} MiB; {failed} failures",
        t.messages,
        t.connections,
        t.health_checks,
        t.messages as f64 / elapsed.max(1e-9),
        t.replies,
        peak as f64 / (1024.0 * 1024.0)
    );
    for (kind, n) in &t.failures {
        println!("  FAILED {kind}: {n}");
    }
    println!(
        "seed {seed} (replay: cargo xtask fuzz ch3-11 -- --seed {seed} --count {count}; one message: --only N)"
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Bytes as hex pairs (the first 200).
fn hex(bytes: &[u8]) -> String {
    bytes.iter().take(200).map(|b| format!("{b:02x}")).collect()
}
