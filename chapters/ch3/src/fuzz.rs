//! The options every fuzzer of the chapter takes (`cargo xtask fuzz ID -- …`):
//! `--count N --seconds S --seed N --jobs J`, and `--only N` to replay one message;
//! and how a fuzzer starts a server and keeps what it says on stderr.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A fuzzer's options.
pub struct Options {
    /// How many messages to try (default 100,000).
    pub count: u64,
    /// Stop early when this many seconds have passed.
    pub seconds: Option<f64>,
    /// The seed of the stream of messages (default: a fresh one, always printed).
    pub seed: u64,
    /// How many workers at once (default: one per core).
    pub jobs: usize,
    /// Only message number N of the seed's stream (to replay a failure).
    pub only: Option<u64>,
}

impl Options {
    /// Parses the process's arguments; `--only` is accepted only where `can_replay_one`.
    pub fn from_args(can_replay_one: bool) -> Result<Options, String> {
        let mut options = Options {
            count: 100_000,
            seconds: None,
            seed: fastrand::u64(..),
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            only: None,
        };
        let mut words = std::env::args().skip(1);
        while let Some(flag) = words.next() {
            let value = words
                .next()
                .ok_or_else(|| format!("{flag} needs a value"))?;
            let bad = || format!("{flag} {value}: not a number");
            match flag.as_str() {
                "--count" => options.count = value.parse().map_err(|_| bad())?,
                "--seconds" => options.seconds = Some(value.parse().map_err(|_| bad())?),
                "--seed" => options.seed = value.parse().map_err(|_| bad())?,
                "--jobs" => options.jobs = value.parse::<usize>().map_err(|_| bad())?.max(1),
                "--only" if can_replay_one => {
                    options.only = Some(value.parse().map_err(|_| bad())?)
                }
                _ => {
                    let known = if can_replay_one {
                        "--count, --seconds, --seed, --jobs, --only"
                    } else {
                        "--count, --seconds, --seed, --jobs"
                    };
                    return Err(format!("unknown argument {flag} (try {known})"));
                }
            }
        }
        Ok(options)
    }
}

/// The last lines a program under fuzzing wrote to stderr: what a failure quotes (a
/// panic's message is there).
pub type LastLines = Arc<Mutex<VecDeque<String>>>;

/// How many stderr lines [`keep_last_lines`] keeps.
const KEPT_LINES: usize = 20;

/// Starts a server (`command` should ask for `--port 0`) with its output piped, reads
/// its first line, `listening on ADDR`, and keeps reading both pipes on threads (stdout
/// dropped so the server never blocks on a full pipe, stderr's last lines kept).
/// `what` names the server in the error when it does not say where it listens.
pub fn start_listening(
    command: &mut Command,
    what: &str,
) -> Result<(Child, SocketAddr, LastLines), String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", command.get_program().display()))?;
    let stderr = keep_last_lines(child.stderr.take());
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut reader = BufReader::new(stdout);
    let mut first = String::new();
    let _ = reader.read_line(&mut first);
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    match first
        .trim()
        .strip_prefix("listening on ")
        .and_then(|a| a.parse().ok())
    {
        Some(addr) => Ok((child, addr, stderr)),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            // The stderr thread reads to the end of the pipe, closed by the kill.
            std::thread::sleep(Duration::from_millis(50));
            let said: Vec<String> = stderr
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .cloned()
                .collect();
            Err(format!(
                "the {what}'s first line is not `listening on ADDR`: {first:?}; stderr: {said:?}"
            ))
        }
    }
}

/// Reads a pipe to its end on a thread, keeping its last lines.
pub fn keep_last_lines(pipe: Option<impl Read + Send + 'static>) -> LastLines {
    let lines = Arc::new(Mutex::new(VecDeque::new()));
    let kept = Arc::clone(&lines);
    if let Some(pipe) = pipe {
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
                kept.push_back(line);
                if kept.len() > KEPT_LINES {
                    kept.pop_front();
                }
            }
        });
    }
    lines
}
