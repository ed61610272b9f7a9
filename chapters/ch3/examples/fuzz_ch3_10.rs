//! `cargo xtask fuzz ch3-10 [--solution] -- [--count N] [--seconds S] [--seed N]
//! [--jobs J]`: starts `PROGRAM server --root 127.0.0.2 --upstream-port P --port 0`
//! with a hostile "root" of its own on 127.0.0.2:P (UDP and TCP), and floods the
//! resolver's client side with a seeded stream of DNS messages (ch3::dns_corpus):
//! queries, mutated queries and messages, the classic hostile packets, garbage.
//!
//! The root answers each question with nothing, or with a valid referral (to itself,
//! to a dead address, to the zone it was asked about: no progress), an answer, a CNAME
//! (sometimes to itself), NXDOMAIN, NODATA, an error, a wrong id, TC set; or with a
//! mutation of one of those, a hostile packet, or garbage. No reply it sends that
//! hickory can read names an address outside 127.0.0.0/8 or ::1, so the resolver is
//! never sent anywhere but this machine.
//!
//! A failure is: a reply to the client that hickory cannot decode or that is not a
//! response; a good question (every 64 messages of a worker: a name under `fuzz.test.`)
//! without a reply that echoes it within 3 tries of 15 s (any RCODE will do: SERVFAIL
//! is right when the root gives nothing usable); the resolver exiting; its memory above
//! 256 MiB. The root's choices are drawn in the order its questions arrive, so a run is
//! not replayed exactly by its seed (there is no `--only`). The exit status is 1 if
//! anything failed.

use ch3::dns_corpus;
use ch3::fuzz::{self, LastLines};
use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::{A, CNAME, NS, SOA};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use std::collections::{BTreeMap, HashMap};
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The most memory the resolver may hold.
const MAX_MEMORY: u64 = 256 * 1024 * 1024;
/// A good question after this many messages of one worker.
const HEALTH_EVERY: u64 = 64;
/// How long one try of a good question waits: a resolution against a root that stays
/// silent may take many upstream timeouts.
const ANSWER_LIMIT: Duration = Duration::from_secs(15);
/// Tries of a good question (the resolver may drop questions when it is busy).
const TRIES: usize = 3;
/// Questions one worker leaves unanswered at once before it waits for replies: the
/// flood stays within what a resolver with a bounded number of questions in flight
/// takes, so that most questions are resolved, not dropped.
const OUTSTANDING: usize = 48;
/// How long an unanswered question counts as outstanding.
const FORGET_AFTER: Duration = Duration::from_secs(20);
/// Unanswered good questions after which the fuzzer stops (each costs 45 s).
const GIVE_UP: u64 = 3;
/// Failures shown in full.
const SHOWN: usize = 10;
/// The root server's address (the resolver's `--root`).
const ROOT: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
/// An address on this machine where nothing listens: a referral there goes nowhere.
const DEAD: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);
/// Names the good questions and the flood's valid questions ask about.
const NAMES: &[&str] = &[
    "www.fuzz.test.",
    "mail.fuzz.test.",
    "a.b.c.fuzz.test.",
    "fuzz.test.",
    "test.",
    "x.example.",
    "loop.fuzz.test.",
];
/// Types the valid questions ask for.
const TYPES: &[RecordType] = &[
    RecordType::A,
    RecordType::AAAA,
    RecordType::NS,
    RecordType::MX,
    RecordType::TXT,
    RecordType::CNAME,
    RecordType::SOA,
];

/// What the workers and the root found.
#[derive(Default)]
struct Tally {
    messages: u64,
    replies: u64,
    rcodes: BTreeMap<String, u64>,
    good_questions: u64,
    good_rcodes: BTreeMap<String, u64>,
    root_questions: u64,
    root_kinds: BTreeMap<&'static str, u64>,
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

/// The resolver under test, and what every thread shares.
struct Target {
    addr: SocketAddr,
    pid: u32,
    child: Mutex<Child>,
    stderr: LastLines,
    dead: AtomicBool,
    stop: AtomicBool,
    peak: AtomicU64,
    tally: Mutex<Tally>,
}

impl Target {
    /// The tally, even if a thread panicked holding it.
    fn tally(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.tally.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the resolver has exited (and, the first time, says how).
    fn exited(&self) -> bool {
        if self.dead.load(Ordering::Relaxed) {
            return true;
        }
        let status = self
            .child
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .try_wait();
        let Ok(Some(status)) = status else {
            return false;
        };
        if !self.dead.swap(true, Ordering::Relaxed) {
            let last: Vec<String> = self
                .stderr
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .cloned()
                .collect();
            self.tally().fail(
                "resolver-died",
                format!("the resolver exited ({status}); its last stderr lines: {last:?}"),
            );
        }
        true
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

    /// Samples the resolver's peak memory.
    fn sample_memory(&self) {
        if let Some(bytes) = harness::program::high_water_mark(self.pid as i32) {
            self.peak.fetch_max(bytes, Ordering::Relaxed);
        }
    }

    /// Checks one reply to a client: hickory must read it, and it must be a response.
    /// Returns it decoded.
    fn check_reply(&self, reply: &[u8], cause: &str) -> Option<Message> {
        match Message::from_vec(reply) {
            Ok(m) if m.metadata.message_type == MessageType::Response => {
                let mut t = self.tally();
                t.replies += 1;
                *t.rcodes
                    .entry(m.metadata.response_code.to_string())
                    .or_default() += 1;
                Some(m)
            }
            Ok(_) => {
                self.tally().fail(
                    "not-a-response",
                    format!("a reply with QR clear, to {cause}: {}", hex(reply)),
                );
                None
            }
            Err(e) => {
                self.tally().fail(
                    "undecodable",
                    format!(
                        "hickory cannot read the reply to {cause} ({e}): {}",
                        hex(reply)
                    ),
                );
                None
            }
        }
    }
}

fn main() -> ExitCode {
    let args = match fuzz::Options::from_args(false) {
        Ok(args) => args,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let Some(program) = std::env::var_os("NETLAB_PROGRAM").map(PathBuf::from) else {
        eprintln!("error: NETLAB_PROGRAM is not set: run me with `cargo xtask fuzz ch3-10`");
        return ExitCode::from(2);
    };
    let (udp, tcp) = match bind_root() {
        Ok(bound) => bound,
        Err(e) => {
            eprintln!("error: cannot start the hostile root on {ROOT}: {e}");
            return ExitCode::from(2);
        }
    };
    let port = udp.local_addr().map(|a| a.port()).unwrap_or_default();
    let (child, addr, stderr) = match start_resolver(&program, port) {
        Ok(started) => started,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let target = Target {
        addr,
        pid: child.id(),
        child: Mutex::new(child),
        stderr,
        dead: AtomicBool::new(false),
        stop: AtomicBool::new(false),
        peak: AtomicU64::new(0),
        tally: Mutex::new(Tally::default()),
    };
    println!(
        "fuzzing {} server on {addr}, hostile root on {ROOT}:{port}: {} messages, seed {}, {} jobs{}",
        program.display(),
        args.count,
        args.seed,
        args.jobs,
        args.seconds
            .map(|s| format!(", at most {s} s"))
            .unwrap_or_default()
    );
    let clock = Instant::now();
    let until = args.seconds.map(|s| clock + Duration::from_secs_f64(s));
    let next = AtomicU64::new(0);
    std::thread::scope(|scope| {
        let target = &target;
        let root_seed = args.seed ^ 0x7007;
        scope.spawn(move || serve_root_udp(target, udp, root_seed));
        scope.spawn(move || serve_root_tcp(target, tcp, root_seed ^ 1));
        let workers: Vec<_> = (0..args.jobs)
            .map(|worker| {
                let next = &next;
                scope.spawn(move || {
                    work(
                        target,
                        worker as u64,
                        args.seed,
                        next,
                        args.count,
                        until,
                        clock,
                    )
                })
            })
            .collect();
        for worker in workers {
            let _ = worker.join();
        }
        target.stop.store(true, Ordering::Relaxed);
    });
    finish(
        &target,
        args.seed,
        args.count,
        clock.elapsed().as_secs_f64(),
    )
}

/// The hostile root's UDP socket and TCP listener, on the same port of [`ROOT`].
fn bind_root() -> std::io::Result<(UdpSocket, TcpListener)> {
    let mut last = None;
    for _ in 0..10 {
        let udp = UdpSocket::bind((ROOT, 0))?;
        match TcpListener::bind(udp.local_addr()?) {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no port free for UDP and TCP")))
}

/// Message `n` of the client's stream, and what it is.
fn message(seed: u64, n: u64) -> (&'static str, Vec<u8>) {
    let mut rng = dns_corpus::rng_for(seed, n);
    match rng.u8(..20) {
        0..=5 => {
            let id = rng.u16(..);
            ("question", good_query(&mut rng, id).1)
        }
        6..=9 => {
            let id = rng.u16(..);
            let q = good_query(&mut rng, id).1;
            ("mutated question", dns_corpus::mutate(&mut rng, &q))
        }
        10 | 11 => ("query", dns_corpus::query(&mut rng)),
        12 | 13 => {
            let m = dns_corpus::message(&mut rng);
            ("mutated message", dns_corpus::mutate(&mut rng, &m))
        }
        14 => ("message", dns_corpus::message(&mut rng)),
        15 | 16 => ("hostile", dns_corpus::hostile(&mut rng)),
        _ => ("garbage", dns_corpus::garbage(&mut rng)),
    }
}

/// A standard query with `id` for one of [`NAMES`] (or a random name under
/// `fuzz.test.`), of one of [`TYPES`]; and its name.
fn good_query(rng: &mut fastrand::Rng, id: u16) -> (String, Vec<u8>) {
    let name = if rng.bool() {
        NAMES[rng.usize(..NAMES.len())].to_string()
    } else {
        format!("n{}.fuzz.test.", rng.u32(..100_000))
    };
    let rtype = TYPES[rng.usize(..TYPES.len())];
    let bytes = dns_corpus::query_for(id, &name, rtype).unwrap_or_default();
    (name, bytes)
}

/// One client worker: its own socket; the stream's messages, at most
/// [`OUTSTANDING`] questions unanswered at once; a good question every
/// [`HEALTH_EVERY`] of its messages and at its end.
fn work(
    target: &Target,
    worker: u64,
    seed: u64,
    next: &AtomicU64,
    count: u64,
    until: Option<Instant>,
    clock: Instant,
) {
    let socket = match UdpSocket::bind("127.0.0.1:0") {
        Ok(socket) => socket,
        Err(e) => {
            return target
                .tally()
                .fail("setup", format!("cannot bind a UDP socket: {e}"));
        }
    };
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x5eed ^ worker);
    // Questions sent and not yet answered: id → (message number, when).
    let mut outstanding: HashMap<u16, (u64, Instant)> = HashMap::new();
    let mut mine = 0u64;
    loop {
        if target.dead.load(Ordering::Relaxed) || until.is_some_and(|u| Instant::now() > u) {
            break;
        }
        if target
            .tally()
            .failures
            .get("good-question")
            .is_some_and(|&n| n >= GIVE_UP)
        {
            println!("giving up: {GIVE_UP} good questions went unanswered");
            break;
        }
        let n = next.fetch_add(1, Ordering::Relaxed);
        if n >= count {
            break;
        }
        let (_, bytes) = message(seed, n);
        if is_question(&bytes) {
            outstanding.insert(
                u16::from_be_bytes([bytes[0], bytes[1]]),
                (n, Instant::now()),
            );
        }
        if let Err(e) = socket.send_to(&bytes, target.addr) {
            target
                .tally()
                .fail("send", format!("cannot send message {n}: {e}"));
        }
        collect(target, &socket, &mut outstanding, Duration::ZERO);
        while outstanding.len() >= OUTSTANDING && !target.dead.load(Ordering::Relaxed) {
            collect(
                target,
                &socket,
                &mut outstanding,
                Duration::from_millis(200),
            );
            outstanding.retain(|_, (_, when)| when.elapsed() < FORGET_AFTER);
            if target.exited() {
                break;
            }
        }
        mine += 1;
        let total = {
            let mut t = target.tally();
            t.messages += 1;
            t.messages
        };
        if total.is_multiple_of(10_000) {
            let t = target.tally();
            println!(
                "  {} messages, {} replies, {} good questions, {} root questions, {} failures, {:.0} messages/s",
                t.messages,
                t.replies,
                t.good_questions,
                t.root_questions,
                t.failures.values().sum::<u64>(),
                t.messages as f64 / clock.elapsed().as_secs_f64()
            );
        }
        if mine.is_multiple_of(HEALTH_EVERY) {
            good_question(target, &socket, &mut rng, &mut outstanding, n);
        }
    }
    if !target.dead.load(Ordering::Relaxed) {
        good_question(target, &socket, &mut rng, &mut outstanding, u64::MAX);
    }
}

/// Whether `bytes` is a question a resolver would resolve: hickory reads a query with
/// one question and opcode QUERY.
fn is_question(bytes: &[u8]) -> bool {
    Message::from_vec(bytes).is_ok_and(|m| {
        m.metadata.message_type == MessageType::Query
            && m.metadata.op_code == OpCode::Query
            && m.queries.len() == 1
    })
}

/// Reads the replies waiting on `socket` (waiting up to `wait` for the first), checks
/// each, and strikes the questions they answer.
fn collect(
    target: &Target,
    socket: &UdpSocket,
    outstanding: &mut HashMap<u16, (u64, Instant)>,
    wait: Duration,
) {
    let mut buf = vec![0u8; 65_535];
    let _ = if wait.is_zero() {
        socket.set_nonblocking(true)
    } else {
        socket.set_read_timeout(Some(wait))
    };
    while let Ok((len, _)) = socket.recv_from(&mut buf) {
        let _ = socket.set_nonblocking(true);
        check_client_reply(target, &buf[..len], outstanding);
    }
    let _ = socket.set_nonblocking(false);
}

/// Checks one reply the resolver sent a worker, naming the message it answers.
fn check_client_reply(
    target: &Target,
    reply: &[u8],
    outstanding: &mut HashMap<u16, (u64, Instant)>,
) {
    let id = reply.get(..2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    let cause = match id.and_then(|id| outstanding.remove(&id)) {
        Some((n, _)) => format!("message {n}"),
        None => "a message of the flood".to_string(),
    };
    target.check_reply(reply, &cause);
}

/// A good question: a reply that echoes it (any RCODE) within [`TRIES`] tries.
fn good_question(
    target: &Target,
    socket: &UdpSocket,
    rng: &mut fastrand::Rng,
    outstanding: &mut HashMap<u16, (u64, Instant)>,
    after: u64,
) {
    target.sample_memory();
    let mut answer = None;
    let mut asked = String::new();
    for _ in 0..TRIES {
        let id = std::iter::repeat_with(|| rng.u16(..))
            .find(|id| !outstanding.contains_key(id))
            .unwrap_or_default();
        let (name, query) = good_query(rng, id);
        asked = name.clone();
        if socket.send_to(&query, target.addr).is_err() {
            continue;
        }
        let deadline = Instant::now() + ANSWER_LIMIT;
        let mut buf = vec![0u8; 65_535];
        answer = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || target.exited() {
                break None;
            }
            let _ = socket.set_read_timeout(Some(left.min(Duration::from_secs(1))));
            match socket.recv_from(&mut buf) {
                Ok((len, _))
                    if len >= 2 && buf[..2] == id.to_be_bytes() && echoes(&buf[..len], &query) =>
                {
                    break target.check_reply(&buf[..len], "a good question");
                }
                Ok((len, _)) => check_client_reply(target, &buf[..len], outstanding),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => {}
            }
        };
        if answer.is_some() {
            break;
        }
    }
    let mut t = target.tally();
    t.good_questions += 1;
    match answer {
        Some(m) => {
            *t.good_rcodes
                .entry(m.metadata.response_code.to_string())
                .or_default() += 1
        }
        None => {
            drop(t);
            if !target.exited() {
                let when = if after == u64::MAX {
                    "at the end".to_string()
                } else {
                    format!("after message {after}")
                };
                target.tally().fail(
                    "good-question",
                    format!(
                        "{asked} {when}: no reply echoing it in {TRIES} tries of {} s{}",
                        ANSWER_LIMIT.as_secs(),
                        target.last_said()
                    ),
                );
            }
        }
    }
}

/// Whether `reply` echoes `query`'s question.
fn echoes(reply: &[u8], query: &[u8]) -> bool {
    match (Message::from_vec(reply), Message::from_vec(query)) {
        (Ok(reply), Ok(query)) => {
            reply.queries.len() == 1
                && reply.queries[0].query_type() == query.queries[0].query_type()
                && reply.queries[0]
                    .name()
                    .to_string()
                    .eq_ignore_ascii_case(&query.queries[0].name().to_string())
        }
        _ => false,
    }
}

/// The hostile root over UDP: every question gets [`root_reply`]'s choice.
fn serve_root_udp(target: &Target, socket: UdpSocket, seed: u64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let _ = socket.set_read_timeout(Some(Duration::from_millis(200)));
    let mut buf = vec![0u8; 65_535];
    while !target.stop.load(Ordering::Relaxed) {
        let Ok((len, from)) = socket.recv_from(&mut buf) else {
            continue;
        };
        let (kind, reply) = root_reply(&mut rng, &buf[..len], false);
        {
            let mut t = target.tally();
            t.root_questions += 1;
            *t.root_kinds.entry(kind).or_default() += 1;
        }
        if let Some(reply) = reply {
            let _ = socket.send_to(&reply, from);
        }
    }
}

/// The hostile root over TCP (for answers the resolver found truncated): each
/// connection on a thread, each framed question answered like a datagram (or the
/// frame cut short, or the connection closed).
fn serve_root_tcp(target: &Target, listener: TcpListener, seed: u64) {
    let _ = listener.set_nonblocking(true);
    let mut rng = fastrand::Rng::with_seed(seed);
    while !target.stop.load(Ordering::Relaxed) {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        let mut rng = fastrand::Rng::with_seed(rng.u64(..));
        std::thread::spawn(move || {
            let mut stream = stream;
            let _ = stream.set_nonblocking(false);
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut prefix = [0u8; 2];
            while stream.read_exact(&mut prefix).is_ok() {
                let mut question = vec![0u8; u16::from_be_bytes(prefix) as usize];
                if stream.read_exact(&mut question).is_err() {
                    return;
                }
                let Some(reply) = root_reply(&mut rng, &question, true).1 else {
                    return;
                };
                let mut framed = (reply.len() as u16).to_be_bytes().to_vec();
                framed.extend(reply);
                if rng.u8(..10) == 0 {
                    framed.truncate(rng.usize(..framed.len()));
                    let _ = stream.write_all(&framed);
                    return;
                }
                if stream.write_all(&framed).is_err() {
                    return;
                }
            }
        });
    }
}

/// The root's reply to `question` (none for silence), and what kind it is.
fn root_reply(
    rng: &mut fastrand::Rng,
    question: &[u8],
    tcp: bool,
) -> (&'static str, Option<Vec<u8>>) {
    let Ok(query) = Message::from_vec(question) else {
        return ("unreadable question", None);
    };
    let Some(asked) = query.queries.first().cloned() else {
        return ("no question", None);
    };
    let (kind, valid) = match rng.u8(..20) {
        0..=2 => return ("silence", None),
        3..=6 => ("referral", referral(rng, &query, &asked)),
        7..=9 => ("answer", answer(rng, &query, &asked)),
        10 => ("cname", cname(rng, &query, &asked)),
        11 => ("nxdomain", negative(&query, &asked, ResponseCode::NXDomain)),
        12 => ("nodata", negative(&query, &asked, ResponseCode::NoError)),
        13 => {
            let mut m = reply_to(&query);
            m.metadata.response_code = if rng.bool() {
                ResponseCode::ServFail
            } else {
                ResponseCode::Refused
            };
            ("error", m)
        }
        14 => {
            let mut m = answer(rng, &query, &asked);
            m.metadata.id = m.metadata.id.wrapping_add(rng.u16(1..));
            ("wrong id", m)
        }
        15 if !tcp => {
            let mut m = reply_to(&query);
            m.metadata.truncation = true;
            ("truncated", m)
        }
        _ => {
            let base = match rng.u8(..3) {
                0 => referral(rng, &query, &asked),
                1 => answer(rng, &query, &asked),
                _ => cname(rng, &query, &asked),
            };
            let Ok(bytes) = base.to_vec() else {
                return ("unencodable", None);
            };
            let bad = match rng.u8(..8) {
                0 => dns_corpus::hostile(rng),
                1 => dns_corpus::garbage(rng),
                _ => dns_corpus::mutate(rng, &bytes),
            };
            return if stays_home(&bad) {
                ("mutated", Some(bad))
            } else {
                ("mutated (sent as is)", Some(bytes))
            };
        }
    };
    (kind, valid.to_vec().ok())
}

/// A reply to `query` with its id and question, QR set, not authoritative yet.
fn reply_to(query: &Message) -> Message {
    let mut m = Message::response(query.metadata.id, OpCode::Query);
    m.add_queries(query.queries.iter().cloned());
    m
}

/// A referral for `asked`: NS records for one of its ancestors (the root or the name
/// itself included: no progress), with glue on this machine (the root itself, or a
/// dead address), or none.
fn referral(rng: &mut fastrand::Rng, query: &Message, asked: &Query) -> Message {
    let mut m = reply_to(query);
    let labels = asked.name().num_labels();
    let zone = asked.name().trim_to(rng.usize(..=labels as usize));
    for k in 0..rng.usize(1..=3) {
        let server = Name::from_ascii(format!("ns{k}.{}", zone))
            .or_else(|_| Name::from_ascii(format!("ns{k}.")))
            .unwrap_or_else(|_| Name::root());
        m.add_authority(Record::from_rdata(
            zone.clone(),
            rng.u32(..=86_400),
            RData::NS(NS(server.clone())),
        ));
        match rng.u8(..4) {
            0 => {}
            1 => {
                m.add_additional(Record::from_rdata(server, 3600, RData::A(A(DEAD))));
            }
            _ => {
                m.add_additional(Record::from_rdata(server, 3600, RData::A(A(ROOT))));
            }
        }
    }
    m
}

/// An authoritative answer for `asked`: records of its type (A on this machine).
fn answer(rng: &mut fastrand::Rng, query: &Message, asked: &Query) -> Message {
    let mut m = reply_to(query);
    m.metadata.authoritative = true;
    // Now and then more than 512 bytes of them: the resolver must cope with TC.
    let most = if rng.u8(..10) == 0 { 40 } else { 3 };
    for _ in 0..rng.usize(1..=most) {
        let address = Ipv4Addr::new(127, 0, rng.u8(..), rng.u8(1..255));
        m.add_answer(Record::from_rdata(
            asked.name().clone(),
            rng.u32(..=0x7FFF_FFFF),
            RData::A(A(address)),
        ));
    }
    m
}

/// A CNAME for `asked`: to a name under `fuzz.test.`, to itself, or to `loop.` names
/// that point back.
fn cname(rng: &mut fastrand::Rng, query: &Message, asked: &Query) -> Message {
    let mut m = reply_to(query);
    m.metadata.authoritative = true;
    let target = match rng.u8(..3) {
        0 => asked.name().clone(),
        1 => Name::from_ascii("loop.fuzz.test.").unwrap_or_else(|_| Name::root()),
        _ => Name::from_ascii(format!("c{}.fuzz.test.", rng.u8(..10)))
            .unwrap_or_else(|_| Name::root()),
    };
    m.add_answer(Record::from_rdata(
        asked.name().clone(),
        300,
        RData::CNAME(CNAME(target)),
    ));
    m
}

/// NXDOMAIN or NODATA for `asked`, with an SOA for the negative TTL.
fn negative(query: &Message, asked: &Query, code: ResponseCode) -> Message {
    let mut m = reply_to(query);
    m.metadata.authoritative = true;
    m.metadata.response_code = code;
    let zone = asked.name().base_name();
    let soa = SOA::new(
        Name::from_ascii("ns.fuzz.test.").unwrap_or_else(|_| Name::root()),
        Name::from_ascii("hostmaster.fuzz.test.").unwrap_or_else(|_| Name::root()),
        1,
        7200,
        900,
        1_209_600,
        300,
    );
    m.add_authority(Record::from_rdata(zone, 300, RData::SOA(soa)));
    m
}

/// Whether every address in `bytes` (as hickory reads them) is on this machine: a
/// mutation must not send the resolver to the Internet. Bytes hickory cannot read
/// name no address a hickory-based resolver would use.
fn stays_home(bytes: &[u8]) -> bool {
    let Ok(m) = Message::from_vec(bytes) else {
        return true;
    };
    m.all_sections().all(|r| match &r.data {
        RData::A(a) => a.0.is_loopback(),
        RData::AAAA(a) => a.0.is_loopback(),
        _ => true,
    })
}

/// Starts the resolver with the hostile root as its only root.
fn start_resolver(
    program: &Path,
    upstream_port: u16,
) -> Result<(Child, SocketAddr, LastLines), String> {
    let mut command = Command::new(program);
    command.args(["server", "--root", &ROOT.to_string()]);
    command.args(["--upstream-port", &upstream_port.to_string(), "--port", "0"]);
    fuzz::start_listening(&mut command, "resolver")
}

/// Stops the resolver and prints the counts.
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
        target.tally().fail(
            "memory",
            format!("the resolver held {} MiB at its peak", peak >> 20),
        );
    }
    let t = target.tally();
    let failed: u64 = t.failures.values().sum();
    let list = |m: &BTreeMap<String, u64>| {
        m.iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let kinds = t
        .root_kinds
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect::<Vec<_>>()
        .join(", ");
    println!(
        "{} messages in {elapsed:.1} s: {:.0} messages/s; {} replies ({}); {} good questions ({}); the root was asked {} times ({kinds}); peak memory {:.1} MiB; {failed} failures",
        t.messages,
        t.messages as f64 / elapsed.max(1e-9),
        t.replies,
        list(&t.rcodes),
        t.good_questions,
        list(&t.good_rcodes),
        t.root_questions,
        peak as f64 / (1024.0 * 1024.0)
    );
    for (kind, n) in &t.failures {
        println!("  FAILED {kind}: {n}");
    }
    println!("seed {seed} (again: cargo xtask fuzz ch3-10 -- --seed {seed} --count {count})");
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
