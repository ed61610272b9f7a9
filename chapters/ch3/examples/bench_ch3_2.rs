//! `cargo xtask bench ch3-2`: the ch3-2 file server against nginx, side by side.
//!
//! Both servers serve the same small file from the same temporary folder on loopback;
//! one load generator (this file's, so the comparison is fair) keeps C connections
//! alive, each sending `GET /small.html` and reading the whole response before the
//! next, for a warm-up and then a measured window. Rounds alternate between the two
//! servers (A B, B A, A B…), and the table shows each server's median round: requests
//! per second, p50 and p99 latency, the server's CPU time per request, and the ratios
//! reference / nginx. The target for the reference is at least half of nginx's
//! requests per second.
//!
//! The load generator runs on half of the cores and the servers on the other half
//! (taskset), and nginx gets one worker per server core: a fair fight for the same
//! cores, in which neither server takes CPU time from the load generator.
//!
//! The program under test is named by `NETLAB_PROGRAM` (the xtask sets it) and is run
//! as `PROGRAM server --root DIR --port 0 --host 127.0.0.1`, printing `listening on
//! ADDR` first. nginx runs as an ordinary process with a generated configuration in
//! the same temporary folder; when it is missing, the reference is measured alone.
//!
//! This is a benchmark, not a test: it fails (exit status 1) only when something goes
//! wrong (a server that does not start, a request that fails), never for being slow.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::{Arc, Barrier, Mutex, OnceLock, mpsc};
use std::thread;
use std::time::{Duration, Instant};

// The modules live in a folder of their own, so that cargo does not take them for
// examples of their own.
#[path = "bench_ch3_2/load.rs"]
mod load;
#[path = "bench_ch3_2/servers.rs"]
mod servers;

use load::*;
use servers::*;

/// Everything that stops the bench is a sentence for the user.
type Result<T> = std::result::Result<T, String>;

/// The path every request asks for.
const PATH: &str = "/small.html";

/// How long a server may take to start answering.
const START_DEADLINE: Duration = Duration::from_secs(10);

/// How long one response may take before the request counts as failed: far above
/// any sane latency on loopback, low enough that a stuck server cannot hang the bench.
const RESPONSE_DEADLINE: Duration = Duration::from_secs(5);

/// The largest response head the load generator accepts.
const MAX_HEAD: usize = 16 * 1024;

/// How many failures are kept word for word, to show the first few.
const KEPT_FAILURES: usize = 5;

const USAGE: &str = "\
usage: cargo xtask bench ch3-2 [--mine] [-- OPTIONS]

Loads the ch3-2 file server and nginx side by side (same file, same load generator,
keep-alive, loopback) and prints requests/s, p50 and p99 latency for each, and the
ratio reference / nginx (target: at least 0.5x nginx's requests/s). cpu/req is the
server's CPU time (its processes' user + system time) per request: unlike requests/s,
it hardly changes when other programs keep the machine busy.

options:
  --connections C   keep-alive connections (default 64, at most 1000), spread over
                    one load thread per load-generator core
  --seconds S       measured seconds per round (default 4)
  --warmup S        warm-up seconds per round, not counted (default 1)
  --rounds N        rounds per server, interleaved; the median is shown (default 3)
  --size BYTES      size of the file served (default 1024)
  --workers N       nginx worker processes (default: the number of cores the servers
                    run on, which the reference's threads can all use too)
  --no-pin          do not split the cores (see below)
  --nginx PATH      the nginx binary (default: nginx on PATH, else /usr/sbin/nginx)
  --no-nginx        measure the reference alone
  -h, --help        this text

The cores are split (with taskset): the load generator runs on the first half, the
server under test on the other half, so that neither server competes with the load
generator's threads for a core (a server with a thread per connection would otherwise
win CPU time from the scheduler by its number of threads, not by its efficiency).

NETLAB_PROGRAM names the program under test (cargo xtask bench sets it).";

/// The command line, parsed.
struct Options {
    connections: usize,
    measured: Duration,
    warmup: Duration,
    rounds: usize,
    size: usize,
    /// nginx's worker processes; `None`: one per core the servers run on.
    workers: Option<usize>,
    nginx: Option<PathBuf>,
    no_nginx: bool,
    no_pin: bool,
}

fn main() -> ExitCode {
    let options = match parse_options(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("bench: {error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("bench: error: {error}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------------

/// Parses the options by hand (the chapter's package has no clap); `None` for `--help`.
fn parse_options(mut args: impl Iterator<Item = String>) -> Result<Option<Options>> {
    let mut options = Options {
        connections: 64,
        measured: Duration::from_secs(4),
        warmup: Duration::from_secs(1),
        rounds: 3,
        size: 1024,
        workers: None,
        nginx: None,
        no_nginx: false,
        no_pin: false,
    };
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--connections" => options.connections = number(&arg, &value()?, 1, 1000)?,
            "--seconds" => options.measured = seconds(&arg, &value()?)?,
            "--warmup" => options.warmup = seconds(&arg, &value()?)?,
            "--rounds" => options.rounds = number(&arg, &value()?, 1, 100)?,
            "--size" => options.size = number(&arg, &value()?, 0, 64 << 20)?,
            "--workers" => options.workers = Some(number(&arg, &value()?, 1, 256)?),
            "--nginx" => options.nginx = Some(PathBuf::from(value()?)),
            "--no-nginx" => options.no_nginx = true,
            "--no-pin" => options.no_pin = true,
            _ => return Err(format!("unknown option {arg}")),
        }
    }
    if options.measured.is_zero() {
        return Err("--seconds must be more than 0".into());
    }
    Ok(Some(options))
}

/// A whole number in `min..=max`.
fn number(name: &str, text: &str, min: usize, max: usize) -> Result<usize> {
    text.parse()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or(format!(
            "{name} wants a whole number from {min} to {max}, not {text:?}"
        ))
}

/// A number of seconds, fractions allowed, at most an hour.
fn seconds(name: &str, text: &str) -> Result<Duration> {
    text.parse::<f64>()
        .ok()
        .filter(|s| (0.0..=3600.0).contains(s))
        .map(Duration::from_secs_f64)
        .ok_or(format!("{name} wants seconds (e.g. 2.5), not {text:?}"))
}

// ---------------------------------------------------------------------------------
// The run: start both servers, alternate rounds, print the table
// ---------------------------------------------------------------------------------

/// Runs the whole bench; `Ok(false)` when some request failed.
fn run(options: &Options) -> Result<bool> {
    let program = program_under_test()?;
    let folder = Scratch::create(options.size)?;
    let nginx_binary = if options.no_nginx {
        None
    } else {
        let found = find_nginx(options.nginx.as_deref())?;
        if found.is_none() {
            println!(
                "bench: nginx is not installed (apt-get install nginx); measuring the reference alone"
            );
        }
        found
    };

    // Before the bench starts anything: what the rest of the machine is doing.
    let busy = busy_machine();
    // Before any thread starts: threads inherit the affinity of the one creating them.
    let cores = Cores::split(!options.no_pin);
    let workers = options.workers.unwrap_or(cores.server_count);
    let reference = Server::start_reference(&program, &folder, &cores)?;
    let nginx = match &nginx_binary {
        Some(binary) => Some(Server::start_nginx(binary, &folder, workers, &cores)?),
        None => None,
    };

    println!(
        "bench ch3-2: GET {PATH} ({} bytes), {} keep-alive connections, {:.1} s warm-up + {:.1} s measured, {} round(s) per server",
        options.size,
        options.connections,
        options.warmup.as_secs_f64(),
        options.measured.as_secs_f64(),
        options.rounds,
    );
    println!("  cores:     {}", cores.described);
    if let Some(warning) = busy {
        println!("  WARNING:   {warning}");
    }
    println!(
        "  {:<10} {} on {}",
        format!("{}:", reference.name),
        program.display(),
        reference.addr
    );
    if let Some(nginx) = &nginx {
        println!(
            "  nginx:     {} on {}, {workers} worker process(es)",
            nginx.version, nginx.addr
        );
    }

    let mut servers: Vec<&Server> = vec![&reference];
    servers.extend(nginx.as_ref());
    let mut rounds: Vec<Vec<Round>> = vec![Vec::new(); servers.len()];
    for round in 0..options.rounds {
        // A B, then B A: neither server always goes first on a machine just warmed up.
        let mut order: Vec<usize> = (0..servers.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for index in order {
            let server = servers[index];
            let result = measure(server, options, cores.client_count, &folder.body);
            println!(
                "  round {}/{} {:<10} {}",
                round + 1,
                options.rounds,
                server.name,
                result.line()
            );
            server.still_running()?;
            rounds[index].push(result);
        }
    }

    let medians: Vec<Round> = rounds.iter().map(|r| Round::median(r)).collect();
    print_table(&servers, &medians);
    for server in &servers {
        if let Some((count, last)) = server.logged()
            && count > 0
        {
            println!(
                "note: {} wrote {count} line(s) on stderr during the run (the last: {last:?})",
                server.name
            );
        }
    }
    let failures: Vec<(&str, &Round)> = servers
        .iter()
        .zip(&rounds)
        .flat_map(|(server, rounds)| rounds.iter().map(|r| (server.name, r)))
        .filter(|(_, r)| r.errors > 0)
        .collect();
    for (name, round) in &failures {
        println!(
            "bench: {name}: {} request(s) failed in a round; the first: {}",
            round.errors,
            round.failures.join("; ")
        );
    }
    Ok(failures.is_empty())
}

/// The median rounds side by side, the ratio, and whether the target is met.
fn print_table(servers: &[&Server], medians: &[Round]) {
    let cpu = |round: &Round| round.server_cpu.map_or("?".into(), shown);
    println!();
    println!(
        "{:<11} {:>9} {:>9} {:>9} {:>9}",
        "server", "req/s", "p50", "p99", "cpu/req"
    );
    for (server, round) in servers.iter().zip(medians) {
        println!(
            "{:<11} {:>9.0} {:>9} {:>9} {:>9}",
            server.name,
            round.per_second,
            shown(round.p50),
            shown(round.p99),
            cpu(round)
        );
    }
    let [reference, nginx] = medians else {
        println!("(no nginx: no ratio)");
        return;
    };
    let throughput = reference.per_second / nginx.per_second;
    let ratio = |a: Duration, b: Duration| format!("{:.2}x", a.as_secs_f64() / b.as_secs_f64());
    let cost = match (reference.server_cpu, nginx.server_cpu) {
        (Some(a), Some(b)) => ratio(a, b),
        _ => "?".into(),
    };
    println!(
        "{:<11} {:>8.2}x {:>9} {:>9} {:>9}   ({} / nginx)",
        "ratio",
        throughput,
        ratio(reference.p50, nginx.p50),
        ratio(reference.p99, nginx.p99),
        cost,
        servers[0].name
    );
    println!();
    if throughput >= 0.5 {
        println!(
            "target met: {} serves {throughput:.2}x nginx's requests/s (target >= 0.5x)",
            servers[0].name
        );
    } else {
        println!(
            "TARGET MISSED: {} serves {throughput:.2}x nginx's requests/s (target >= 0.5x)",
            servers[0].name
        );
    }
    if medians
        .iter()
        .any(|r| r.load_busy.is_some_and(|busy| busy > 0.9))
    {
        println!(
            "note: the load generator was more than 90% busy: it, not only the server, set the pace; the ratio understates the difference"
        );
    }
}

/// A latency for the table: microseconds below a millisecond, else milliseconds.
fn shown(d: Duration) -> String {
    let micros = d.as_secs_f64() * 1e6;
    if micros < 1000.0 {
        format!("{micros:.0} us")
    } else {
        format!("{:.2} ms", micros / 1000.0)
    }
}

/// What to call the program under test: `reference` for a solution package's binary
/// (`ch3-2-solution`), `yours` for anything else (`cargo xtask bench ch3-2 --mine`).
fn program_name(program: &Path) -> &'static str {
    let stem = program
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if stem.ends_with("-solution") {
        "reference"
    } else {
        "yours"
    }
}

/// A warning when other processes keep the cores busy: they take CPU time from the
/// servers and the load generator, so requests/s and latencies mean little (CPU time
/// per request still does). Measured over half a second before the bench starts
/// anything, from the system's CPU counters (Linux); the load average would lag a
/// minute behind.
fn busy_machine() -> Option<String> {
    /// Busy and total clock ticks of every CPU since boot (`cpu` line of /proc/stat).
    fn ticks() -> Option<(u64, u64)> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let fields: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .filter_map(|n| n.parse().ok())
            .collect();
        let total: u64 = fields.iter().take(8).sum();
        // idle and iowait are the 4th and 5th.
        let idle = fields.get(3)? + fields.get(4)?;
        Some((total - idle, total))
    }
    let (busy_before, total_before) = ticks()?;
    thread::sleep(Duration::from_millis(500));
    let (busy_after, total_after) = ticks()?;
    let busy = (busy_after - busy_before) as f64 / (total_after - total_before).max(1) as f64;
    (busy > 0.25).then(|| {
        format!(
            "the machine is busy ({:.0}% of the CPU time used by other programs before the bench started): they take CPU time from the servers and the load generator; trust cpu/req, not req/s and latency",
            busy * 100.0
        )
    })
}

/// The program to measure: `NETLAB_PROGRAM`, which `cargo xtask bench` sets.
fn program_under_test() -> Result<PathBuf> {
    let Some(path) = std::env::var_os("NETLAB_PROGRAM") else {
        return Err(
            "NETLAB_PROGRAM is not set: run this with `cargo xtask bench ch3-2`, which builds the program and names it"
                .into(),
        );
    };
    std::fs::canonicalize(&path)
        .ok()
        .filter(|p| p.is_file())
        .ok_or(format!(
            "NETLAB_PROGRAM names {}, which is not a file",
            Path::new(&path).display()
        ))
}
