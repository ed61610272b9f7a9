//! `cargo xtask fuzz ch3-9 [--solution] -- [--count N] [--seconds S] [--seed N]
//! [--jobs J] [--only N]`: runs `PROGRAM parse` on a seeded stream of DNS messages
//! (ch3::dns_corpus): valid ones built by hickory-proto, mutations of them, the classic
//! hostile packets, and garbage. hickory-proto is the oracle.
//!
//! A failure is a panic or a crash, a run that does not exit within 2 s, a peak memory
//! above 64 MiB, a refusal without exactly one `error:` line on stderr (or with a
//! status outside the malformed classes 3–7, or with output on stdout), an acceptance
//! with nothing printed, a valid generated message refused or printed with another id
//! or other section counts than hickory reads (dig's header lines: `id: N`, `QUERY: q,
//! ANSWER: a, AUTHORITY: n, ADDITIONAL: r`), or a hostile packet accepted (each is
//! malformed by RFC 1035) or a message over 65,535 bytes accepted. Where the program and hickory disagree on a mutated message
//! or garbage, the disagreement is counted by kind, with one example to replay, not
//! failed: the two read some corners differently (hickory decodes types
//! the course does not teach, such as CAA or SVCB, by their own rules; the program
//! treats them as opaque bytes, as RFC 3597 lets it). Failing inputs are saved under
//! target/netlab/fuzz/ch3-9/SEED-N.bin; the exit status is 1 if anything failed.

use ch3::corpus::{self, Run};
use ch3::dns_corpus;
use hickory_proto::op::Message;
use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long one run may take before it counts as a hang.
const RUN_LIMIT: Duration = Duration::from_secs(2);
/// The most memory one run may hold: a parser of messages under 64 KiB needs a few MiB.
const MAX_MEMORY: u64 = 64 * 1024 * 1024;
/// The exit statuses of the malformed classes (the table in ch3-9's main.rs).
const MALFORMED: std::ops::RangeInclusive<i32> = 3..=7;
/// Failures shown in full (all are counted and saved).
const SHOWN: usize = 10;
/// Inputs saved at most, so a program that fails everything does not fill the disk.
const SAVED: usize = 100;

/// Where a message came from: that decides what the program must make of it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Source {
    /// Built and encoded by hickory: valid, must be printed.
    Valid,
    /// A valid message mutated: hickory says whether it is still a message.
    Mutated,
    /// A classic hostile packet: malformed, must be refused.
    Hostile(&'static str),
    /// Random bytes: hickory says.
    Garbage,
    /// A valid message with bytes after it past 65,535 in all: no DNS message is that
    /// long (its TCP length prefix could not say it), so it must be refused.
    Oversized,
}

impl Source {
    /// The source's name in the counts.
    fn label(self) -> &'static str {
        match self {
            Source::Valid => "valid",
            Source::Mutated => "mutated",
            Source::Hostile(_) => "hostile",
            Source::Garbage => "garbage",
            Source::Oversized => "oversized",
        }
    }
}

/// Message `n` of stream `seed`: 35 % valid, 50 % mutated, 10 % hostile, 5 % garbage,
/// and one in a thousand oversized.
fn sample(seed: u64, n: u64) -> (Source, Vec<u8>) {
    let mut rng = dns_corpus::rng_for(seed, n);
    if rng.u16(..1000) == 0 {
        let mut bytes = dns_corpus::message(&mut rng);
        let len = rng.usize(65_536..70_000);
        bytes.resize(len, rng.u8(..));
        return (Source::Oversized, bytes);
    }
    match rng.u8(..20) {
        0..=6 => (Source::Valid, dns_corpus::message(&mut rng)),
        7..=16 => {
            let message = dns_corpus::message(&mut rng);
            (Source::Mutated, dns_corpus::mutate(&mut rng, &message))
        }
        17 | 18 => {
            let (name, bytes) = dns_corpus::hostile_named(&mut rng);
            (Source::Hostile(name), bytes)
        }
        _ => (Source::Garbage, dns_corpus::garbage(&mut rng)),
    }
}

/// What one run showed, beyond a failure: did the program and hickory agree?
enum Agreement {
    Agree,
    /// A disagreement, by kind (counted, one example kept).
    Differ(String),
}

/// What the workers found.
#[derive(Default)]
struct Tally {
    done: u64,
    by_source: BTreeMap<&'static str, u64>,
    accepted: u64,
    failures: BTreeMap<String, u64>,
    differences: BTreeMap<String, (u64, u64)>,
    peak_memory: u64,
    shown: usize,
    saved: usize,
}

fn main() -> ExitCode {
    let args = match ch3::fuzz::Options::from_args(true) {
        Ok(args) => args,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let Some(program) = std::env::var_os("NETLAB_PROGRAM").map(PathBuf::from) else {
        eprintln!("error: NETLAB_PROGRAM is not set: run me with `cargo xtask fuzz ch3-9`");
        return ExitCode::from(2);
    };
    if let Some(n) = args.only {
        return replay(&program, args.seed, n);
    }
    let count = args.count;
    println!(
        "fuzzing {} parse: {count} messages, seed {}, {} jobs{}",
        program.display(),
        args.seed,
        args.jobs,
        args.seconds
            .map(|s| format!(", at most {s} s"))
            .unwrap_or_default()
    );
    let started = Instant::now();
    let until = args.seconds.map(|s| started + Duration::from_secs_f64(s));
    let next = AtomicU64::new(0);
    let tally = Mutex::new(Tally::default());
    let out_dir = Path::new("target/netlab/fuzz/ch3-9");
    std::thread::scope(|scope| {
        for _ in 0..args.jobs {
            scope.spawn(|| {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= count || until.is_some_and(|u| Instant::now() > u) {
                        break;
                    }
                    let (source, input) = sample(args.seed, n);
                    let run = corpus::run_parse(&program, &input, RUN_LIMIT);
                    let verdict = match &run {
                        Ok(run) => judge(source, &input, run),
                        Err(error) => Err(format!("could not run it: {error}")),
                    };
                    let mut t = tally.lock().unwrap_or_else(|e| e.into_inner());
                    t.done += 1;
                    *t.by_source.entry(source.label()).or_default() += 1;
                    if let Ok(run) = &run {
                        t.peak_memory = t.peak_memory.max(run.peak_memory.unwrap_or(0));
                        t.accepted += u64::from(run.status.is_some_and(|s| s.success()));
                    }
                    match verdict {
                        Ok(Agreement::Agree) => {}
                        Ok(Agreement::Differ(kind)) => {
                            t.differences.entry(kind).or_insert((0, n)).0 += 1;
                        }
                        Err(problem) => {
                            *t.failures.entry(kind_of(&problem)).or_default() += 1;
                            let saved =
                                (t.saved < SAVED).then(|| save(out_dir, args.seed, n, &input));
                            t.saved += 1;
                            if t.shown < SHOWN {
                                t.shown += 1;
                                report(
                                    &program,
                                    args.seed,
                                    n,
                                    source,
                                    &input,
                                    &problem,
                                    saved.flatten(),
                                );
                            }
                        }
                    }
                    if t.done.is_multiple_of(10_000) {
                        let rate = t.done as f64 / started.elapsed().as_secs_f64();
                        println!(
                            "  {} messages, {} failures, {} disagreements, {rate:.0} messages/s",
                            t.done,
                            t.failures.values().sum::<u64>(),
                            t.differences.values().map(|d| d.0).sum::<u64>()
                        );
                    }
                }
            });
        }
    });
    let t = tally.into_inner().unwrap_or_else(|e| e.into_inner());
    summarise(&t, args.seed, started.elapsed().as_secs_f64())
}

/// Prints the counts, the disagreements with an example each, and the seed.
fn summarise(t: &Tally, seed: u64, elapsed: f64) -> ExitCode {
    let failed: u64 = t.failures.values().sum();
    let sources = t
        .by_source
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect::<Vec<_>>()
        .join(", ");
    println!(
        "{} messages ({sources}; {} printed, {} refused) in {elapsed:.1} s: {:.0} messages/s, peak memory {:.1} MiB, {failed} failures",
        t.done,
        t.accepted,
        t.done - t.accepted,
        t.done as f64 / elapsed.max(1e-9),
        t.peak_memory as f64 / (1024.0 * 1024.0)
    );
    for (kind, n) in &t.failures {
        println!("  FAILED {kind}: {n}");
    }
    if !t.differences.is_empty() {
        println!("disagreements with hickory (counted, not failed):");
        for (kind, (n, example)) in &t.differences {
            println!("  {n:>6}  {kind}  (e.g. --only {example})");
        }
    }
    println!(
        "seed {seed} (replay: cargo xtask fuzz ch3-9 -- --seed {seed} --count {})",
        t.done
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Judges one run: `Err` is a failure; `Ok` says whether hickory agreed.
fn judge(source: Source, input: &[u8], run: &Run) -> Result<Agreement, String> {
    let stderr = String::from_utf8_lossy(&run.stderr);
    let Some(status) = run.status else {
        return Err("hang: still running after 2 s".into());
    };
    if let Some(signal) = status.signal() {
        return Err(format!("crash: killed by signal {signal}"));
    }
    let code = status.code().unwrap_or(-1);
    if code == 101 || stderr.contains("panicked") {
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(format!("panic: {first}"));
    }
    if let Some(peak) = run.peak_memory.filter(|&p| p > MAX_MEMORY) {
        return Err(format!("memory: {} MiB at its peak", peak / (1024 * 1024)));
    }
    let oracle = Message::from_vec(input);
    if code == 0 {
        if run.stdout.is_empty() {
            return Err("printed nothing: status 0 and an empty stdout".into());
        }
        return match (source, oracle) {
            (Source::Hostile(name), _) => Err(format!("accepted a hostile packet: {name}")),
            (Source::Oversized, _) => Err(format!("accepted a message of {} bytes", input.len())),
            (source, Ok(message)) => match header_differs(&message, &run.stdout) {
                None => Ok(Agreement::Agree),
                Some(what) if source == Source::Valid => Err(format!("wrong header: {what}")),
                Some(what) => Ok(Agreement::Differ(format!(
                    "printed a header unlike hickory's: {}",
                    without_numbers(&what)
                ))),
            },
            (_, Err(e)) => Ok(Agreement::Differ(format!(
                "printed; hickory refused: {}",
                without_numbers(&e.to_string())
            ))),
        };
    }
    let errors: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    if errors.len() != 1 || !errors[0].starts_with("error: ") {
        return Err(format!(
            "bad error: status {code} and {} stderr lines instead of one `error: …` line",
            errors.len()
        ));
    }
    if !MALFORMED.contains(&code) {
        return Err(format!(
            "bad status: refused a message with status {code}, no malformed class (3 to 7): {}",
            errors[0]
        ));
    }
    if !run.stdout.is_empty() {
        return Err("printed and refused: output on stdout before the error".into());
    }
    match (source, oracle) {
        (Source::Valid, _) => Err(format!(
            "refused a valid message (status {code}): {}",
            errors[0]
        )),
        (Source::Oversized | Source::Hostile(_), _) | (_, Err(_)) => Ok(Agreement::Agree),
        (_, Ok(_)) => Ok(Agreement::Differ(format!(
            "refused (status {code}: {}); hickory read it",
            without_numbers(errors[0].trim_start_matches("error: "))
        ))),
    }
}

/// What the program's header lines (dig's `id: N` and `QUERY: q, ANSWER: a,
/// AUTHORITY: n, ADDITIONAL: r`) say differently from what hickory read; `None` when
/// they agree. hickory moves an OPT record (EDNS) and a final TSIG/SIG(0) record out of
/// the additional section: they are counted back in.
fn header_differs(message: &Message, stdout: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(stdout);
    let additionals = message.additionals.len()
        + usize::from(message.edns.is_some())
        + usize::from(message.signature().is_some());
    let id = format!("id: {}", message.metadata.id);
    let counts = format!(
        "QUERY: {}, ANSWER: {}, AUTHORITY: {}, ADDITIONAL: {additionals}",
        message.queries.len(),
        message.answers.len(),
        message.authorities.len()
    );
    let has_id = text
        .lines()
        .any(|l| l.ends_with(&id) || l.contains(&format!("{id},")));
    if !has_id {
        return Some(format!("no `{id}` in its output"));
    }
    if !text.contains(&counts) {
        return Some(format!("no `{counts}` in its output"));
    }
    None
}

/// A failure's kind, for the counts: the words before the first colon.
fn kind_of(problem: &str) -> String {
    problem.split(':').next().unwrap_or(problem).to_string()
}

/// `text` with its numbers replaced by `N`, so that disagreements group by kind.
fn without_numbers(text: &str) -> String {
    let mut out = String::new();
    let mut in_number = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('N');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(c);
        }
    }
    out
}

/// `--only N`: runs message `n` alone and shows everything about it.
fn replay(program: &Path, seed: u64, n: u64) -> ExitCode {
    let (source, input) = sample(seed, n);
    println!("message {n} of seed {seed} ({}):", source.label());
    if let Source::Hostile(name) = source {
        println!("  hostile: {name}");
    }
    println!("  bytes ({}): {}", input.len(), hex(&input));
    match Message::from_vec(&input) {
        Ok(m) => println!("  hickory reads:\n{m}"),
        Err(e) => println!("  hickory refuses: {e}"),
    }
    let run = match corpus::run_parse(program, &input, RUN_LIMIT) {
        Ok(run) => run,
        Err(error) => {
            println!("  could not run {}: {error}", program.display());
            return ExitCode::FAILURE;
        }
    };
    println!(
        "  program: {}\n  stdout:\n{}\n  stderr: {}",
        run.status
            .map_or("still running after 2 s".to_string(), |s| s.to_string()),
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr).trim_end()
    );
    match judge(source, &input, &run) {
        Ok(Agreement::Agree) => {
            println!("verdict: fine, hickory agrees");
            ExitCode::SUCCESS
        }
        Ok(Agreement::Differ(kind)) => {
            println!("verdict: no failure; disagrees with hickory: {kind}");
            ExitCode::SUCCESS
        }
        Err(problem) => {
            println!("verdict: FAILED: {problem}");
            ExitCode::FAILURE
        }
    }
}

/// Bytes as hex pairs, for a report a reader can paste into `xxd -r -p`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Saves a failing input as `SEED-N.bin`; returns its path, if it could.
fn save(dir: &Path, seed: u64, n: u64, input: &[u8]) -> Option<PathBuf> {
    let path = dir.join(format!("{seed}-{n}.bin"));
    std::fs::create_dir_all(dir).ok()?;
    std::fs::write(&path, input).ok()?;
    Some(path)
}

/// Prints one failure: which message, its bytes, what went wrong, how to replay it.
fn report(
    program: &Path,
    seed: u64,
    n: u64,
    source: Source,
    input: &[u8],
    problem: &str,
    saved: Option<PathBuf>,
) {
    println!(
        "FAILED message {n} of seed {seed} ({}): {problem}",
        source.label()
    );
    println!(
        "  bytes ({}): {}",
        input.len(),
        hex(&input[..input.len().min(200)])
    );
    match Message::from_vec(input) {
        Ok(_) => println!("  hickory: reads it"),
        Err(e) => println!("  hickory: refuses it: {e}"),
    }
    println!("  replay: cargo xtask fuzz ch3-9 -- --seed {seed} --only {n}");
    if let Some(path) = saved {
        // The binary is named after its package (ch3-9, ch3-9-solution).
        let package = program.file_stem().unwrap_or_default().to_string_lossy();
        println!(
            "  by hand: cargo run -q -p {package} -- parse < {}",
            path.display()
        );
    }
}
