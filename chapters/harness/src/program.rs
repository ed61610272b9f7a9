//! A running program under test: its stdin, its stdout line by line, its stderr and
//! its exit, every wait under a deadline.
//!
//! The program is started in a process group of its own, and the whole group is killed
//! when its case ends — also when the test fails or panics (the [`crate::Session`]
//! owns that duty) — so a hanging program, or one that forked helpers, never outlives
//! its test case.

use crate::failure::{Failure, Kind, Outcome};
use crate::transcript::{Direction, Transcript, escape};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The longest line kept from a program; longer output is cut there.
const MAX_LINE: u64 = 64 * 1024;
/// How many unread stdout bytes are kept before the program counts as flooding; past
/// it, lines are counted and dropped, so a program printing in a loop costs the test
/// neither its memory nor a report of 25,000 lines.
const MAX_UNREAD_BYTES: usize = 1024 * 1024;
/// A report shows this many of a program's unread lines from the start, and
/// [`SHOWN_TAIL`] from the end; it says how many it left out between them.
pub(crate) const SHOWN_HEAD: usize = 20;
/// See [`SHOWN_HEAD`].
const SHOWN_TAIL: usize = 10;
/// How often a program's peak memory is sampled (Linux, see `sample_peak_memory`).
const MEMORY_SAMPLE: Duration = Duration::from_millis(10);
/// How many stderr lines are kept (the tail is what explains a crash).
const STDERR_TAIL: usize = 40;

/// Held (shared) while a program is being started, and (exclusively) while the test
/// closes or resets a socket. Between `fork` and `exec` a starting child holds copies
/// of every socket of the test process; a close in that window would reach the program
/// under test only once the copy is gone, so a "reset" could arrive late.
pub(crate) static SPAWNING: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// What a program has printed and whether it has ended, shared with reader threads.
#[derive(Default)]
struct State {
    unread: VecDeque<String>,
    unread_bytes: usize,
    /// Lines dropped past [`MAX_UNREAD_BYTES`], and the last few of them.
    dropped: usize,
    dropped_tail: VecDeque<String>,
    stdout_closed: bool,
    /// The test closed its stderr ([`Output::Closed`]): a panic leaves no message.
    stderr_unread: bool,
    stderr: VecDeque<String>,
    stderr_closed: bool,
    exit: Option<ExitStatus>,
    /// The most memory the program held (its peak resident set), in bytes, known
    /// once it has exited.
    peak_memory: Option<u64>,
}

/// The state plus a condition variable that every reader thread signals.
#[derive(Default)]
pub(crate) struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies `change` and wakes every waiter.
    fn update(&self, change: impl FnOnce(&mut State)) {
        change(&mut self.lock());
        self.changed.notify_all();
    }

    /// Waits until `ready` says a value is there, or the deadline passes.
    fn wait_for<T>(
        &self,
        deadline: Instant,
        mut ready: impl FnMut(&mut State) -> Option<T>,
    ) -> Option<T> {
        let mut state = self.lock();
        loop {
            if let Some(value) = ready(&mut state) {
                return Some(value);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            state = self
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// What a failure report shows about one program: its command, what it printed that
/// the test never read, the tail of its stderr, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramReport {
    /// The name the transcript uses for it (`server`, `client`).
    pub label: String,
    /// How to run it by hand.
    pub command: String,
    /// Stdout lines the test had not read when the case ended: the first and the
    /// last few of them.
    pub unread_stdout: Vec<String>,
    /// How many unread lines were left out between the first and the last.
    #[serde(default)]
    pub unread_left_out: usize,
    /// The last lines of its stderr.
    pub stderr_tail: Vec<String>,
    /// How it ended, if it did (`exited with status 1`).
    pub exit: Option<String>,
}

/// A handle on the shared state that outlives the [`Program`], for the failure report.
#[derive(Clone)]
pub(crate) struct Watch {
    pub label: String,
    pub command: String,
    pub pid: i32,
    pub shared: Arc<Shared>,
    /// Set once the test has killed it, so the report does not blame the program.
    pub stopped: Arc<std::sync::atomic::AtomicBool>,
    /// Its stdin, held here until the case ends: dropping a [`Program`] early must not
    /// close it, or a program blocked on its keyboard would exit and look finished.
    pub stdin: Arc<Mutex<Option<ChildStdin>>>,
}

impl ProgramReport {
    /// Whether the program panicked (a `todo!()` included), by its stderr.
    pub fn panicked(&self) -> bool {
        self.panic().is_some()
            || self
                .exit
                .as_deref()
                .is_some_and(|exit| exit.contains("(a Rust panic)"))
    }

    /// Where the program panicked and why, in one sentence: "the program reached a
    /// `todo!()` at src/chat.rs:121 (read stdin …)". Cases that fail because of the
    /// same panic share this sentence, whichever role (server, client) hit it.
    pub fn panic(&self) -> Option<String> {
        let at = self
            .stderr_tail
            .iter()
            .position(|line| line.contains("panicked at"))?;
        let place = self.stderr_tail[at]
            .split_once("panicked at ")
            .map(|(_, place)| place.trim_end_matches(':'))
            .unwrap_or_default();
        // `file:line:column`: the column adds nothing for a reader.
        let place = place
            .rsplit_once(':')
            .map_or(place, |(file_line, _)| file_line);
        let message = self.stderr_tail.get(at + 1).map_or("", |m| m.trim());
        Some(match message.strip_prefix("not yet implemented") {
            Some(rest) => format!(
                "the program reached a `todo!()` at {place}{}",
                rest.strip_prefix(": ")
                    .map(|what| format!(" ({what})"))
                    .unwrap_or_default()
            ),
            None => format!("the program panicked at {place}: {message}"),
        })
    }
}

impl Watch {
    /// Everything a report shows about this program now.
    pub fn report(&self) -> ProgramReport {
        let state = self.shared.lock();
        let (unread_stdout, unread_left_out) = excerpt(&state);
        ProgramReport {
            label: self.label.clone(),
            command: self.command.clone(),
            unread_stdout,
            unread_left_out,
            stderr_tail: state.stderr.iter().cloned().collect(),
            exit: match state.exit {
                _ if self.stopped.load(std::sync::atomic::Ordering::SeqCst) => None,
                Some(status) if state.stderr_unread && status.code() == Some(101) => {
                    Some(format!("{}{STDERR_CLOSED_PANIC}", describe_exit(status)))
                }
                exit => exit.map(describe_exit),
            },
        }
    }

    /// Gives a program a moment to finish exiting, so the report of a failed case says
    /// how it ended (a panic, an error) rather than "still running": a test can see a
    /// refused connection while the program is still unwinding its panic.
    pub fn settle(&self) {
        self.settle_within(Duration::from_millis(300));
    }

    /// Waits up to `wait` until the program has exited and its stderr has ended (every
    /// line it wrote read by the test).
    pub fn settle_within(&self, wait: Duration) {
        let deadline = Instant::now() + wait;
        self.shared.wait_for(deadline, |s| {
            (s.exit.is_some() && s.stderr_closed).then_some(())
        });
    }

    /// Kills the program and everything it started (its whole process group).
    pub fn kill(&self) {
        if self.shared.lock().exit.is_none() {
            self.stopped
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
        // SAFETY: killpg only sends a signal; the group id is the child's own pid,
        // which we made a group leader, so no unrelated process is hit.
        unsafe {
            libc::killpg(self.pid, libc::SIGKILL);
        }
    }
}

/// What a program's stdout or stderr is connected to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Output {
    /// Read by the test (stdout line by line; the tail of stderr is shown in a failure
    /// report).
    #[default]
    Read,
    /// A pipe whose reading end is closed before the program writes: as when its
    /// terminal is gone, its log reader has exited, or it prints into `| head -1` that
    /// has had its line. Every write then fails with a broken pipe, and `println!` or
    /// `eprintln!` panic at the first one.
    ///
    /// ```ignore
    /// t.set_stdout(Output::Closed); // like `program | true`
    /// ```
    Closed,
}

/// A signal the test can send, as a user or the system would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT, what Ctrl-C sends.
    Interrupt,
    /// SIGTERM, what `kill` and service managers send to stop a program.
    Terminate,
}

impl Signal {
    /// The signal's number.
    fn number(self) -> i32 {
        match self {
            Signal::Interrupt => libc::SIGINT,
            Signal::Terminate => libc::SIGTERM,
        }
    }

    /// How the transcript says it.
    fn describe(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT sent by the test (as Ctrl-C does)",
            Signal::Terminate => "SIGTERM sent by the test (as `kill` does)",
        }
    }
}

/// How to start a program: everything but the case's transcript and deadline.
#[derive(Clone, Copy)]
pub(crate) struct Launch<'a> {
    pub label: &'a str,
    /// The name shown in the transcript (the package, `ch2-8`).
    pub name: &'a str,
    pub program: &'a Path,
    pub args: &'a [String],
    pub dir: &'a Path,
    pub stdout: Output,
    pub stderr: Output,
}

/// A program under test, started by [`crate::Session::start`].
pub struct Program {
    watch: Watch,
    transcript: Transcript,
    deadline: Duration,
}

impl Program {
    /// Starts `program ARGS` in `dir` as its own process group, with its stdout and
    /// stderr read by background threads.
    pub(crate) fn start(
        launch: &Launch,
        transcript: Transcript,
        deadline: Duration,
    ) -> Outcome<Program> {
        let Launch {
            label,
            name,
            program,
            args,
            dir,
            stdout: stdout_mode,
            stderr: stderr_mode,
        } = *launch;
        let mut command = Command::new(program);
        command
            .args(args)
            .current_dir(dir)
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::piped())
            .stdout(output_to(stdout_mode)?)
            .stderr(output_to(stderr_mode)?)
            .process_group(0);
        die_with_the_test(&mut command);
        let spawning = SPAWNING.read().unwrap_or_else(|e| e.into_inner());
        let mut child = command
            .spawn()
            .map_err(|e| Failure::new(format!("could not start {}: {e}", program.display())))?;
        // `spawn` returns once the child has exec'd: it holds no copy of our sockets now.
        drop(spawning);
        let shared = Arc::new(Shared::default());
        let pid = child.id() as i32;
        sample_peak_memory(pid, Arc::clone(&shared));
        match child.stdout.take() {
            Some(stdout) => spawn_stdout_reader(stdout, Arc::clone(&shared)),
            None => shared.update(|s| s.stdout_closed = true),
        }
        match child.stderr.take() {
            Some(stderr) => spawn_stderr_reader(stderr, Arc::clone(&shared)),
            None => shared.update(|s| {
                s.stderr_closed = true;
                s.stderr_unread = true;
            }),
        }
        let stdin = Arc::new(Mutex::new(child.stdin.take()));
        let waiter = Arc::clone(&shared);
        std::thread::spawn(move || {
            // The child is reaped by `wait4`, not `Child::wait`: it also says how much
            // memory the program held at its peak. `child` is kept (and dropped)
            // unused here: it only owns handles already taken.
            let (status, peak_memory) = wait_with_usage(pid);
            drop(child);
            waiter.update(|s| {
                s.exit = status;
                // Linux: the samples of the program's own memory only (see
                // `sample_peak_memory`: `wait4` counts the test's memory too);
                // elsewhere, what `wait4` says.
                if !cfg!(target_os = "linux") {
                    s.peak_memory = peak_memory;
                }
            });
        });
        let args = shell_words(args);
        let mut closed = Vec::new();
        if stdout_mode == Output::Closed {
            closed.push("its stdout closed by the test: every write to it fails");
        }
        if stderr_mode == Output::Closed {
            closed.push("its stderr closed by the test: every write to it fails");
        }
        let closed = if closed.is_empty() {
            String::new()
        } else {
            format!("   ({})", closed.join("; "))
        };
        transcript.record(label, Direction::Action, format!("{name} {args}{closed}"));
        let command = format!("{} {args}", crate::locate::run_command(program));
        let watch = Watch {
            label: label.to_string(),
            command,
            pid,
            shared,
            stopped: Arc::default(),
            stdin,
        };
        Ok(Program {
            watch,
            transcript,
            deadline,
        })
    }

    pub(crate) fn watch(&self) -> Watch {
        self.watch.clone()
    }

    /// The label this program has in the transcript.
    pub fn label(&self) -> &str {
        &self.watch.label
    }

    /// Changes how long each later wait on this program may take.
    pub fn set_deadline(&mut self, deadline: Duration) {
        self.deadline = deadline;
    }

    /// Types one line into the program's stdin (the line and its newline in one write).
    pub fn send_line(&mut self, line: &str) -> Outcome {
        self.transcript.record(
            self.label(),
            Direction::Sent,
            crate::transcript::shorten(line),
        );
        let mut bytes = line.as_bytes().to_vec();
        bytes.push(b'\n');
        self.write_stdin(&bytes)
    }

    /// Writes raw bytes into the program's stdin in one write: a message that is not
    /// lines (an HTTP message with its `\r\n`, a body that is not UTF-8).
    pub fn send_bytes(&mut self, bytes: &[u8]) -> Outcome {
        self.transcript.record(
            self.label(),
            Direction::Sent,
            crate::transcript::describe(bytes),
        );
        self.write_stdin(bytes)
    }

    /// Writes `bytes` into the program's stdin as several writes cut at `cuts`, pausing
    /// between them ([`crate::peer::PIECE_PAUSE`]), so the program's reads see partial
    /// messages: a line cut between its `\r` and its `\n`, a body cut in two.
    ///
    /// ```ignore
    /// let cuts = t.cuts(message.len(), 4);
    /// parse.send_in_pieces(&message, &cuts)?;
    /// ```
    pub fn send_in_pieces(&mut self, bytes: &[u8], cuts: &[usize]) -> Outcome {
        let pieces = crate::peer::pieces(bytes, cuts);
        self.transcript.record(
            self.label(),
            Direction::Sent,
            crate::peer::describe_pieces(&pieces),
        );
        for piece in pieces {
            self.write_stdin(piece)?;
            std::thread::sleep(crate::peer::PIECE_PAUSE);
        }
        Ok(())
    }

    /// Writes `bytes` to the program's stdin and flushes them.
    fn write_stdin(&mut self, bytes: &[u8]) -> Outcome {
        let label = self.watch.label.clone();
        let mut stdin = self.watch.stdin.lock().unwrap_or_else(|e| e.into_inner());
        let Some(pipe) = stdin.as_mut() else {
            return Err(Failure::new(format!(
                "the test already closed the stdin of {label}"
            )));
        };
        let written = pipe.write_all(bytes).and_then(|()| pipe.flush());
        drop(stdin);
        written.map_err(|e| {
            Failure::new(format!(
                "could not type into the stdin of {label} ({e}): {}",
                self.ended_reason()
            ))
            .kind(Kind::Closed)
        })
    }

    /// Closes the program's stdin, as Ctrl-D does at a terminal.
    pub fn close_stdin(&mut self) {
        self.transcript
            .record(self.label(), Direction::Event, "stdin closed (Ctrl-D)");
        *self.watch.stdin.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Waits for the next stdout line and returns it, escaped as the transcript shows
    /// it (`transcript::escape`): a tab comes back as `\t`, a stray `\r` as `\r`, so no
    /// invisible byte passes a comparison unseen. Split tab-separated output on `"\\t"`.
    pub fn read_line(&mut self) -> Outcome<String> {
        let deadline = Instant::now() + self.deadline;
        let line = self.watch.shared.wait_for(deadline, |s| {
            if let Some(line) = s.unread.pop_front() {
                s.unread_bytes -= line.len();
                Some(Ok(line))
            } else if s.stdout_closed {
                Some(Err(()))
            } else {
                None
            }
        });
        match line {
            Some(Ok(line)) => {
                self.transcript
                    .record(self.label(), Direction::Received, line.clone());
                Ok(line)
            }
            Some(Err(())) => Err(Failure::new(format!(
                "expected another line on the stdout of {}, but it closed its stdout: {}",
                self.label(),
                self.ended_reason()
            ))
            .kind(Kind::Closed)),
            None => Err(Failure::new(format!(
                "expected a line on the stdout of {} within {:.1?}, but none came ({})",
                self.label(),
                self.deadline,
                self.quiet_reason()
            ))
            .kind(Kind::Timeout)),
        }
    }

    /// Waits for the next stdout line and checks it is exactly `expected`.
    pub fn expect_line(&mut self, expected: &str) -> Outcome {
        let line = self.read_line().map_err(|f| Failure {
            expected: Some(expected.to_string()),
            ..f
        })?;
        if line == expected {
            Ok(())
        } else {
            Err(Failure::mismatch(
                format!("{} printed a different line than expected", self.label()),
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

    /// Checks the program prints nothing on stdout for `window`. Proving an absence
    /// needs a time window; keep it short, and use it only where silence is the point.
    pub fn expect_silence(&mut self, window: Duration) -> Outcome {
        let deadline = Instant::now() + window;
        let spoke = self
            .watch
            .shared
            .wait_for(deadline, |s| s.unread.front().cloned());
        match spoke {
            None => {
                self.transcript.record(
                    self.label(),
                    Direction::Event,
                    format!("(silent for {window:?}, as expected)"),
                );
                Ok(())
            }
            Some(line) => Err(Failure::mismatch(
                format!(
                    "{} printed something when it should have stayed silent",
                    self.label()
                ),
                "(nothing)",
                line,
            )),
        }
    }

    /// Waits for the program to exit and returns its status.
    pub fn expect_exit(&mut self) -> Outcome<ExitStatus> {
        let deadline = Instant::now() + self.deadline;
        match self.watch.shared.wait_for(deadline, |s| s.exit) {
            Some(status) => {
                self.transcript
                    .record(self.label(), Direction::Event, describe_exit(status));
                Ok(status)
            }
            None => Err(Failure::new(format!(
                "expected {} to exit within {:.1?}, but it is still running",
                self.label(),
                self.deadline
            ))
            .kind(Kind::Timeout)),
        }
    }

    /// Waits for the program to exit successfully (status 0).
    pub fn expect_success(&mut self) -> Outcome {
        let status = self.expect_exit()?;
        if status.success() {
            Ok(())
        } else {
            Err(Failure::mismatch(
                format!("{} failed", self.label()),
                "exit status 0",
                format!("{}{}", describe_exit(status), self.panic_note()),
            ))
        }
    }

    /// Waits for the program to fail the way every program of the course should: one
    /// line starting `error:` on stderr, a non-zero exit status (exactly `code` when
    /// given), and no panic. Returns the error line.
    pub fn expect_error_exit(&mut self, code: Option<i32>) -> Outcome<String> {
        let status = self.expect_exit()?;
        // Its last words on stderr may still be on their way: on a loaded machine the
        // test's reader thread can be late, and a program forked meanwhile holds a copy
        // of the pipe (until it execs), which delays the end of the stream.
        self.watch.settle_within(self.deadline);
        let stderr = self.stderr();
        let panicked =
            status.code() == Some(101) || stderr.iter().any(|l| l.contains("panicked at"));
        let wanted = code.map_or("a non-zero status".to_string(), |code| {
            format!("exit status {code}")
        });
        let right_status = match code {
            Some(code) => status.code() == Some(code),
            None => !status.success(),
        };
        if panicked || !right_status {
            return Err(Failure::mismatch(
                format!(
                    "{} must report the error as one `error: …` line and exit with {wanted}",
                    self.label()
                ),
                format!("one `error: …` line, {wanted}"),
                format!("it {}{}", describe_exit(status), panic_note(&stderr)),
            ));
        }
        let errors: Vec<&String> = stderr
            .iter()
            .filter(|line| line.starts_with("error:"))
            .collect();
        match errors.as_slice() {
            [line] => {
                self.transcript.record(
                    &format!("{}:err", self.label()),
                    Direction::Received,
                    (*line).clone(),
                );
                Ok((*line).clone())
            }
            [] => Err(Failure::mismatch(
                format!(
                    "{} exited with {wanted} but printed no `error: …` line on stderr",
                    self.label()
                ),
                "error: <what went wrong>",
                stderr.join("\n"),
            )),
            _ => Err(Failure::mismatch(
                format!(
                    "{} printed several `error:` lines; one clear line is enough",
                    self.label()
                ),
                "one `error: …` line",
                stderr.join("\n"),
            )),
        }
    }

    /// Waits for an error exit with status `code` whose `error:` line names `culprit`:
    /// the way a program must stop when its own output fails (`culprit` is `stdout`
    /// when stdout was closed, see [`Output::Closed`]) — blaming the network, which did
    /// nothing wrong, sends its user looking in the wrong place. Returns the line.
    ///
    /// ```ignore
    /// t.set_stdout(Output::Closed);
    /// let mut client = t.start("client", &["fetch", &url])?;
    /// client.expect_error_exit_naming(1, "stdout")?;
    /// ```
    pub fn expect_error_exit_naming(&mut self, code: i32, culprit: &str) -> Outcome<String> {
        let line = self.expect_error_exit(Some(code))?;
        if line.contains(culprit) {
            return Ok(line);
        }
        Err(Failure::mismatch(
            format!(
                "{}'s error line must say that writing to {culprit} failed (the network did \
                 nothing wrong)",
                self.label()
            ),
            format!("error: cannot write to {culprit}: …"),
            line,
        ))
    }

    /// Checks that no thread of the program has panicked. A panic in a connection's
    /// thread (or task) ends that thread only: the process runs on, so
    /// [`Program::expect_running`] cannot see it, but that client got nothing, and what
    /// the thread held (a lock, a count) is lost. Its stderr tells.
    pub fn expect_no_panic(&self) -> Outcome {
        let stderr = self.stderr();
        if !stderr.iter().any(|line| line.contains("panicked at")) {
            return Ok(());
        }
        Err(Failure::new(format!(
            "a thread of {} panicked (the process runs on, but that client got nothing){}",
            self.label(),
            panic_note(&stderr)
        ))
        .kind(Kind::Crashed))
    }

    /// Checks that the program has not exited (a server must keep running).
    pub fn expect_running(&mut self) -> Outcome {
        let exit = self.watch.shared.lock().exit;
        match exit {
            None => Ok(()),
            Some(status) => Err(Failure::new(format!(
                "{} should still be running, but it {}{}",
                self.label(),
                describe_exit(status),
                self.panic_note()
            ))
            .kind(Kind::Closed)),
        }
    }

    /// Everything the program printed to stderr so far.
    pub fn stderr(&self) -> Vec<String> {
        self.watch.shared.lock().stderr.iter().cloned().collect()
    }

    /// Waits until the program's stderr has a line containing `needle`: a status message
    /// such as "client left" that tells the test an event happened.
    pub fn expect_stderr_containing(&mut self, needle: &str) -> Outcome<String> {
        let deadline = Instant::now() + self.deadline;
        let found = self.watch.shared.wait_for(deadline, |s| {
            s.stderr.iter().find(|line| line.contains(needle)).cloned()
        });
        match found {
            Some(line) => {
                self.transcript.record(
                    &format!("{}:err", self.label()),
                    Direction::Received,
                    line.clone(),
                );
                Ok(line)
            }
            None => Err(Failure::mismatch(
                format!(
                    "expected {} to report on stderr within {:.1?}",
                    self.label(),
                    self.deadline
                ),
                format!("a line containing `{needle}`"),
                "(no such line; see its stderr below)",
            )
            .kind(Kind::Timeout)),
        }
    }

    /// Why the program stopped talking: it exited (and how), or it is still running.
    pub(crate) fn ended_reason(&self) -> String {
        // Its exit may be a moment away, and its last words on stderr a moment later.
        self.watch.settle();
        let exit = self.watch.shared.lock().exit;
        match exit {
            Some(status) => format!("it {}{}", describe_exit(status), self.panic_note()),
            None => "it is still running".to_string(),
        }
    }

    /// Why no line came: the program exited, or it is running and silent.
    fn quiet_reason(&self) -> String {
        let exited = self.watch.shared.lock().exit.is_some();
        if exited {
            self.watch.settle();
        }
        let exit = self.watch.shared.lock().exit;
        match exit {
            Some(status) => format!("it {}{}", describe_exit(status), self.panic_note()),
            None => "it is still running: is it waiting for something else, or did it not \
                     end the line with a newline?"
                .to_string(),
        }
    }

    /// A note on a panic found in stderr, pointing at `todo!()` when that is the cause;
    /// with stderr closed by the test, the likeliest cause of a panic.
    fn panic_note(&self) -> String {
        let state = self.watch.shared.lock();
        if state.stderr_unread && state.exit.is_some_and(|s| s.code() == Some(101)) {
            return STDERR_CLOSED_PANIC.to_string();
        }
        drop(state);
        panic_note(&self.stderr())
    }
}

impl Program {
    /// Sends `signal` to the program (its process only, as `kill PID` does).
    pub fn signal(&mut self, signal: Signal) -> Outcome {
        self.transcript
            .record(self.label(), Direction::Event, signal.describe());
        // SAFETY: kill only sends a signal, to the pid of our own child.
        let sent = unsafe { libc::kill(self.watch.pid, signal.number()) };
        if sent == 0 || self.watch.shared.lock().exit.is_some() {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error().into())
        }
    }

    /// Waits for the program to exit with status `code`; `why` says what the status
    /// means ("128 + 2: killed by SIGINT after cleaning up").
    pub fn expect_exit_code(&mut self, code: i32, why: &str) -> Outcome {
        let status = self.expect_exit()?;
        if status.code() == Some(code) {
            Ok(())
        } else {
            Err(Failure::mismatch(
                format!("{} must exit with status {code} ({why})", self.label()),
                format!("exit status {code}"),
                format!("{}{}", describe_exit(status), self.panic_note()),
            ))
        }
    }

    /// Waits for the program to exit, then checks the most memory it ever held (its
    /// peak resident set) stayed under `limit` bytes: a program that streams a body
    /// of tens of MB holds a buffer of it, one that collects it first holds it all.
    /// `what` says what the limit stands for ("half the body").
    ///
    /// ```ignore
    /// client.expect_peak_memory_below(BODY / 2, "half the 64 MB body")?;
    /// ```
    pub fn expect_peak_memory_below(&mut self, limit: u64, what: &str) -> Outcome {
        self.expect_exit()?;
        let Some(peak) = self.watch.shared.lock().peak_memory else {
            if cfg!(target_os = "linux") {
                // Its first sample is read right after its exec: a program that is gone
                // by then lived a few microseconds, far too short to fill megabytes.
                self.transcript.record(
                    self.label(),
                    Direction::Event,
                    "ended before its memory could be read: too soon to have held much",
                );
                return Ok(());
            }
            return Err(Failure::new(format!(
                "this system did not say how much memory {} used",
                self.label()
            ))
            .kind(Kind::Skipped));
        };
        self.transcript.record(
            self.label(),
            Direction::Event,
            format!("held at most {} MB of memory", peak / 1_000_000),
        );
        if peak < limit {
            Ok(())
        } else {
            Err(Failure::mismatch(
                format!(
                    "{} held the data in memory instead of passing it on as it came",
                    self.label()
                ),
                format!("at most {} MB ({what})", limit / 1_000_000),
                format!("{} MB at its peak", peak / 1_000_000),
            ))
        }
    }

    /// Kills the program now (and everything it started), as a crash or a power cut
    /// would. Without this, the program runs until its case ends.
    pub fn kill(&mut self) {
        self.transcript
            .record(self.label(), Direction::Event, "killed by the test");
        self.watch.kill();
    }
}

/// Where a program's stdout or stderr goes: a pipe the test reads, or one whose reading
/// end is closed before the program even starts. Closing it only after the start would
/// not do: another case's program forked at that moment holds a copy of the reading
/// end until it execs, and a write in that window would still succeed.
fn output_to(mode: Output) -> Outcome<Stdio> {
    match mode {
        Output::Read => Ok(Stdio::piped()),
        Output::Closed => {
            let (reader, writer) = std::io::pipe()?;
            drop(reader);
            Ok(Stdio::from(writer))
        }
    }
}

/// On Linux, samples the program's peak resident memory (`VmHWM` in
/// /proc/PID/status) until it exits, into the shared state. `wait4`'s `ru_maxrss`
/// would count the test process too: the child is forked from it, and the peak before
/// `exec` is the test's own memory (tens of MB), so on Linux it is never used. The
/// first sample is taken at once, on the caller's thread (the child has just exec'd),
/// so a program that exits before the sampling thread first runs — a busy machine can
/// delay a thread longer than a short program lives — still has a figure of its own.
/// The high-water mark is the kernel's, so a sample shortly before the exit holds every
/// earlier peak; the last [`MEMORY_SAMPLE`] are what a sample can miss, far less than
/// the time a program needs to fill tens of MB.
#[cfg(target_os = "linux")]
fn sample_peak_memory(pid: i32, shared: Arc<Shared>) {
    let record = |shared: &Shared, bytes: u64| {
        shared.update(|s| s.peak_memory = Some(s.peak_memory.unwrap_or(0).max(bytes)));
    };
    match high_water_mark(pid) {
        Some(bytes) => record(&shared, bytes),
        None => return,
    }
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(MEMORY_SAMPLE);
            let high_water = high_water_mark(pid);
            let exited = shared.lock().exit.is_some();
            if let Some(bytes) = high_water {
                record(&shared, bytes);
            }
            if exited || high_water.is_none() {
                return;
            }
        }
    });
}

/// The kernel's high-water mark of `pid`'s resident memory, in bytes (`VmHWM`); `None`
/// once it has exited (a zombie has no memory left to report), or off Linux. Public for
/// the chapters' probes, which run programs by the thousand outside a session.
#[cfg(target_os = "linux")]
pub fn high_water_mark(pid: i32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Elsewhere, `wait4`'s figure is taken as it is.
#[cfg(not(target_os = "linux"))]
fn sample_peak_memory(_pid: i32, _shared: Arc<Shared>) {}

/// Off Linux there is no /proc to read a running program's memory from.
#[cfg(not(target_os = "linux"))]
pub fn high_water_mark(_pid: i32) -> Option<u64> {
    None
}

/// Waits for child `pid` to end and reaps it, returning its status and its peak
/// resident memory in bytes (`ru_maxrss`: KiB on Linux, bytes on macOS).
fn wait_with_usage(pid: i32) -> (Option<ExitStatus>, Option<u64>) {
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for the kernel to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: wait4 writes only into the two out-parameters we own.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            break;
        }
        if reaped < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        return (None, None);
    }
    let max_rss = u64::try_from(usage.ru_maxrss).unwrap_or(0);
    let peak = if cfg!(target_os = "macos") {
        max_rss
    } else {
        max_rss * 1024
    };
    (
        Some(ExitStatus::from_raw(status)),
        (peak > 0).then_some(peak),
    )
}

/// Asks Linux to kill the program if the test process dies before it could clean up
/// (a test killed from outside). A safety net only: the session kills every program
/// group when its case ends, on every system.
#[cfg(target_os = "linux")]
fn die_with_the_test(command: &mut Command) {
    // SAFETY: prctl is async-signal-safe, as code between fork and exec must be.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
}

/// Elsewhere (macOS) there is no such request; the session's kill is the only one.
#[cfg(not(target_os = "linux"))]
fn die_with_the_test(_command: &mut Command) {}

/// Why a program whose stderr the test closed most likely panicked.
const STDERR_CLOSED_PANIC: &str = " — its stderr was closed, so its panic message is lost: \
     if other cases show a panic (a `todo!()` too), it is likely the same one; if not, the \
     likeliest is a write to stderr: `eprintln!` panics when the write fails (write with \
     `writeln!(std::io::stderr(), …)` and ignore the error)";

/// Explains a Rust panic found in a program's stderr, or says nothing.
pub(crate) fn panic_note(stderr: &[String]) -> String {
    let Some(at) = stderr.iter().position(|l| l.contains("panicked at")) else {
        return String::new();
    };
    let message = stderr.get(at + 1).map(String::as_str).unwrap_or("").trim();
    if message.starts_with("not yet implemented") {
        format!(" — it reached a todo!() ({message}): that is where your work goes")
    } else {
        format!(" — it panicked: {message}")
    }
}

/// The first [`SHOWN_HEAD`] and last [`SHOWN_TAIL`] unread lines (the dropped ones
/// count as unread), and how many lines between them are left out.
fn excerpt(state: &State) -> (Vec<String>, usize) {
    let all = state.unread.len() + state.dropped;
    if all <= SHOWN_HEAD + SHOWN_TAIL {
        let lines = state.unread.iter().chain(&state.dropped_tail).cloned();
        return (lines.collect(), 0);
    }
    let head = state.unread.iter().take(SHOWN_HEAD).cloned();
    let later: Vec<&String> = state
        .unread
        .iter()
        .skip(SHOWN_HEAD)
        .chain(&state.dropped_tail)
        .collect();
    let tail = later[later.len().saturating_sub(SHOWN_TAIL)..]
        .iter()
        .map(|line| (*line).clone());
    let shown: Vec<String> = head.chain(tail).collect();
    (shown.clone(), all - shown.len())
}

/// Says how a process ended, in words.
pub fn describe_exit(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(101), _) => "exited with status 101 (a Rust panic)".to_string(),
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(libc::SIGKILL)) => "was killed (SIGKILL)".to_string(),
        (None, Some(signal)) => format!("was killed by signal {signal}"),
        (None, None) => "ended".to_string(),
    }
}

/// Reads stdout line by line into the shared state; past [`MAX_UNREAD_BYTES`] unread
/// the rest is drained, counted and dropped (its last lines kept for the report), so a
/// flooding program neither blocks nor eats the test's memory.
fn spawn_stdout_reader(stdout: impl Read + Send + 'static, shared: Arc<Shared>) {
    spawn_line_reader(
        stdout,
        shared,
        |s, text| {
            // Once lines were dropped, later ones are too: the test must not read a
            // conversation with a hole in it.
            if s.dropped == 0 && s.unread_bytes + text.len() <= MAX_UNREAD_BYTES {
                s.unread_bytes += text.len();
                s.unread.push_back(text);
            } else {
                s.dropped += 1;
                if s.dropped_tail.len() == SHOWN_TAIL {
                    s.dropped_tail.pop_front();
                }
                s.dropped_tail.push_back(text);
            }
        },
        |s| s.stdout_closed = true,
    );
}

/// Keeps the last [`STDERR_TAIL`] lines of stderr.
fn spawn_stderr_reader(stderr: impl Read + Send + 'static, shared: Arc<Shared>) {
    spawn_line_reader(
        stderr,
        shared,
        |s, text| {
            if s.stderr.len() == STDERR_TAIL {
                s.stderr.pop_front();
            }
            s.stderr.push_back(text);
        },
        |s| s.stderr_closed = true,
    );
}

/// Reads `pipe` on a thread of its own, one line at a time (a line longer than
/// [`MAX_LINE`] is cut there), hands each escaped line to `keep`, and calls `closed`
/// at the end; every change wakes the waiters.
fn spawn_line_reader(
    pipe: impl Read + Send + 'static,
    shared: Arc<Shared>,
    keep: impl Fn(&mut State, String) + Send + 'static,
    closed: impl FnOnce(&mut State) + Send + 'static,
) {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        loop {
            let mut line = Vec::new();
            match (&mut reader).take(MAX_LINE).read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let text = escape(line.strip_suffix(b"\n").unwrap_or(&line));
                    shared.update(|s| keep(s, text));
                }
            }
        }
        shared.update(closed);
    });
}

/// Joins arguments for display, quoting the ones a shell would split.
fn shell_words(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || "'\"\\$".contains(c)) {
                format!("'{}'", a.replace('\'', r"'\''"))
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Starts `sh -c SCRIPT` as a program under test.
    fn shell(script: &str) -> Program {
        shell_with(script, Output::Read)
    }

    /// Starts `sh -c SCRIPT` with its stdout connected as `stdout` says.
    fn shell_with(script: &str, stdout: Output) -> Program {
        shell_with_outputs(script, stdout, Output::Read)
    }

    /// Starts `sh -c SCRIPT` with its stdout and stderr connected as given.
    fn shell_with_outputs(script: &str, stdout: Output, stderr: Output) -> Program {
        let args = vec!["-c".to_string(), script.to_string()];
        let dir = std::env::temp_dir();
        let launch = Launch {
            label: "sh",
            name: "sh",
            program: Path::new("/bin/sh"),
            args: &args,
            dir: &dir,
            stdout,
            stderr,
        };
        Program::start(&launch, Transcript::default(), Duration::from_secs(5)).expect("sh starts")
    }

    /// Whether process `pid` is gone (or a zombie waiting to be reaped).
    fn is_gone(pid: &str) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => true,
            Ok(stat) => stat.split_whitespace().nth(2) == Some("Z"),
        }
    }

    #[test]
    fn killing_a_program_kills_the_processes_it_started() {
        let mut program = shell("sleep 30 & echo $!; wait");
        let grandchild = program.read_line().expect("sh prints the pid of its child");
        assert!(!is_gone(&grandchild), "the grandchild runs before the kill");
        program.kill();
        // SIGKILL to the group is immediate, but the kernel tears processes down
        // asynchronously: look again, for a bounded while, until it is done.
        let until = Instant::now() + Duration::from_secs(2);
        let gone = std::iter::repeat_with(|| is_gone(&grandchild))
            .take_while(|_| Instant::now() < until)
            .any(|gone| gone);
        assert!(gone, "the grandchild {grandchild} outlived the kill");
    }

    #[test]
    fn an_exited_program_is_explained_not_waited_on_forever() {
        let script =
            "echo 'thread main panicked at x:'; echo 'not yet implemented: serve'; exit 101";
        let mut program = shell(&format!("({script}) >&2"));
        let failure = program
            .read_line()
            .expect_err("sh prints nothing on stdout");
        assert!(
            failure.summary.contains("reached a todo!()"),
            "{}",
            failure.summary
        );
        let failure = program.expect_running().expect_err("sh has exited");
        assert!(
            failure.summary.contains("status 101"),
            "{}",
            failure.summary
        );
    }

    #[test]
    fn an_error_exit_is_one_error_line_and_the_right_status() {
        let line = shell("echo 'connecting…' >&2; echo 'error: refused' >&2; exit 4")
            .expect_error_exit(Some(4));
        assert_eq!(line.unwrap(), "error: refused");
        assert!(
            shell("echo 'error: refused' >&2; exit 1")
                .expect_error_exit(Some(4))
                .is_err()
        );
        assert!(
            shell("echo 'oops' >&2; exit 1")
                .expect_error_exit(None)
                .is_err()
        );
        assert!(
            shell("echo 'error: a' >&2; echo 'error: b' >&2; exit 1")
                .expect_error_exit(None)
                .is_err()
        );
        assert!(
            shell("echo 'error: fine' >&2; exit 0")
                .expect_error_exit(None)
                .is_err()
        );
        let panic =
            shell("echo \"thread 'main' panicked at x:\" >&2; echo 'error: x' >&2; exit 101");
        let mut panic = panic;
        assert!(panic.expect_error_exit(None).is_err());
    }

    #[test]
    fn a_flooding_program_is_reported_as_an_excerpt_with_bounded_memory() {
        // 200,000 lines of 20 bytes: 4 MB, four times what the harness keeps.
        let mut program = shell("seq -f 'line %015g' 1 200000; sleep 5");
        assert_eq!(program.read_line().unwrap(), "line 000000000000001");
        let watch = program.watch();
        let gone = watch
            .shared
            .wait_for(Instant::now() + Duration::from_secs(5), |s| {
                (s.dropped + s.unread.len() == 199_999).then_some(())
            });
        assert!(gone.is_some(), "every line was read or counted");
        assert!(watch.shared.lock().unread_bytes <= MAX_UNREAD_BYTES);
        let report = watch.report();
        assert_eq!(report.unread_stdout.len(), SHOWN_HEAD + SHOWN_TAIL);
        assert_eq!(report.unread_stdout[0], "line 000000000000002");
        assert_eq!(report.unread_stdout.last().unwrap(), "line 000000000200000");
        assert_eq!(report.unread_left_out, 199_999 - SHOWN_HEAD - SHOWN_TAIL);
        watch.kill();
    }

    #[test]
    fn a_panic_in_stderr_is_explained_and_todo_points_at_the_work() {
        let todo = [
            "thread 'main' panicked at src/main.rs:3:5:".to_string(),
            "not yet implemented: serve".to_string(),
        ];
        assert!(panic_note(&todo).contains("todo!()"));
        let other = [
            "thread 'main' panicked at src/main.rs:3:5:".to_string(),
            "index out of bounds".to_string(),
        ];
        assert_eq!(panic_note(&other), " — it panicked: index out of bounds");
        assert_eq!(panic_note(&["error: refused".to_string()]), "");
    }

    #[test]
    fn a_closed_stdout_breaks_the_programs_first_write() {
        // Rust programs ignore SIGPIPE and see the error; sh does not, and dies of it.
        let mut program = shell_with("echo one; echo survived >&2", Output::Closed);
        let status = program.expect_exit().expect("sh exits");
        assert_eq!(status.signal(), Some(libc::SIGPIPE), "{status:?}");
        assert!(program.read_line().is_err(), "nothing to read");
    }

    #[test]
    fn the_peak_memory_of_a_program_is_measured() {
        let mut small = shell("true");
        small
            .expect_peak_memory_below(48 * 1024 * 1024, "a shell doing nothing")
            .expect("a shell is small");
        // awk builds a 64 MiB string and holds it while `sleep` runs. `exec`, so the
        // program measured is awk itself, not the shell around it.
        let mut large = shell(
            "exec awk 'BEGIN { s = \"x\"; while (length(s) < 67108864) s = s s; system(\"sleep 0.3\") }'",
        );
        let failure = large
            .expect_peak_memory_below(48 * 1024 * 1024, "less than the string")
            .expect_err("awk holds its string");
        assert!(
            failure.summary.contains("held the data"),
            "{}",
            failure.summary
        );
    }

    #[test]
    fn a_closed_stderr_is_closed_from_the_first_write_while_other_programs_start() {
        // Programs that write to stderr at once, started from many threads at the same
        // time: none may find a reader (a forked sibling holding a copy of the pipe).
        let statuses: Vec<Option<i32>> = std::thread::scope(|scope| {
            let starts: Vec<_> = (0..16)
                .map(|_| {
                    scope.spawn(|| {
                        let mut program =
                            shell_with_outputs("echo early >&2", Output::Read, Output::Closed);
                        program.expect_exit().expect("sh exits").signal()
                    })
                })
                .collect();
            starts.into_iter().map(|s| s.join().unwrap()).collect()
        });
        assert!(
            statuses.iter().all(|s| *s == Some(libc::SIGPIPE)),
            "every write found the pipe closed: {statuses:?}"
        );
    }
}
