//! `cargo xtask fuzz ch3-1 [--solution] -- [--count N] [--seconds S] [--seed N]
//! [--jobs J] [--only N]`: runs `PROGRAM parse` on a seeded stream of valid and broken
//! HTTP messages (ch3::corpus) and compares each run with the oracle. A failure is a
//! panic or a crash, a run that does not exit within 2 s, a verdict or normal form the
//! oracle disagrees with, an error exit without exactly one `error:` line, or a peak
//! memory above 64 MiB. Each failing input is saved under
//! target/netlab/fuzz/ch3-1/SEED-N.bin with the commands that replay it; the exit
//! status is 1 if anything failed.

use ch3::corpus::{self, Problem};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long one run may take before it counts as a hang.
const RUN_LIMIT: Duration = Duration::from_secs(2);
/// The most memory one run may hold: a parser of small messages needs a few MiB.
const MAX_MEMORY: u64 = 64 * 1024 * 1024;
/// Failures shown in full (all are counted and saved).
const SHOWN: usize = 10;
/// Inputs saved at most, so a program that fails everything does not fill the disk.
const SAVED: usize = 100;

/// What the workers found.
#[derive(Default)]
struct Tally {
    done: u64,
    valid: u64,
    failures: BTreeMap<&'static str, u64>,
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
        eprintln!("error: NETLAB_PROGRAM is not set: run me with `cargo xtask fuzz ch3-1`");
        return ExitCode::from(2);
    };
    let (first, count) = match args.only {
        Some(n) => (n, 1),
        None => (0, args.count),
    };
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
    let next = AtomicU64::new(first);
    let tally = Mutex::new(Tally::default());
    let out_dir = Path::new("target/netlab/fuzz/ch3-1");
    std::thread::scope(|scope| {
        for _ in 0..args.jobs {
            scope.spawn(|| {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= first + count || until.is_some_and(|u| Instant::now() > u) {
                        break;
                    }
                    let input = corpus::sample(args.seed, n);
                    let valid = matches!(corpus::expected(&input), corpus::Expected::Valid(_));
                    let verdict = match corpus::run_parse(&program, &input, RUN_LIMIT) {
                        Ok(run) => corpus::judge(&input, &run, MAX_MEMORY),
                        Err(error) => Err(Problem::BadError(format!("could not run it: {error}"))),
                    };
                    let mut t = tally.lock().unwrap_or_else(|e| e.into_inner());
                    t.done += 1;
                    t.valid += u64::from(valid);
                    if let Err(problem) = verdict {
                        *t.failures.entry(problem.kind()).or_default() += 1;
                        let saved = (t.saved < SAVED).then(|| save(out_dir, args.seed, n, &input));
                        t.saved += 1;
                        if t.shown < SHOWN {
                            t.shown += 1;
                            report(&program, args.seed, n, &input, &problem, saved.flatten());
                        }
                    }
                    if t.done % 10_000 == 0 {
                        let rate = t.done as f64 / started.elapsed().as_secs_f64();
                        println!(
                            "  {} messages, {} failures, {rate:.0} messages/s",
                            t.done,
                            t.failures.values().sum::<u64>()
                        );
                    }
                }
            });
        }
    });
    let t = tally.into_inner().unwrap_or_else(|e| e.into_inner());
    let elapsed = started.elapsed().as_secs_f64();
    let failed: u64 = t.failures.values().sum();
    println!(
        "{} messages ({} valid, {} malformed) in {elapsed:.1} s: {:.0} messages/s, {failed} failures",
        t.done,
        t.valid,
        t.done - t.valid,
        t.done as f64 / elapsed.max(1e-9)
    );
    for (kind, n) in &t.failures {
        println!("  {kind}: {n}");
    }
    println!(
        "seed {} (replay: cargo xtask fuzz ch3-1 -- --seed {} --count {count})",
        args.seed, args.seed
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
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
    input: &[u8],
    problem: &Problem,
    saved: Option<PathBuf>,
) {
    let shown = harness::transcript::describe(input);
    println!("FAILED message {n} of seed {seed}: {problem}");
    println!("  input: {shown}");
    println!("  oracle: {}", short(corpus::expected(input)));
    println!("  replay: cargo xtask fuzz ch3-1 -- --seed {seed} --only {n}");
    if let Some(path) = saved {
        // The binary is named after its package (ch3-1, ch3-1-solution).
        let package = program.file_stem().unwrap_or_default().to_string_lossy();
        println!(
            "  by hand: cargo run -q -p {package} -- parse < {}",
            path.display()
        );
    }
}

/// The oracle's verdict, its normal form escaped and cut.
fn short(expected: corpus::Expected) -> String {
    match expected {
        corpus::Expected::Valid(normal) => {
            format!("valid: {}", harness::transcript::describe(&normal))
        }
        corpus::Expected::Invalid(why) => format!("invalid: {why}"),
    }
}
