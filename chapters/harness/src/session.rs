//! A session is one test case's world: the program under test, the peers the test
//! opens, the transcript of everything said, and the inputs drawn from the seed.

use crate::exercise::ExerciseId;
use crate::failure::{Failure, Kind, Outcome};
use crate::peer::{StreamListener, StreamPeer, UdpPeer};
use crate::program::{Launch, Output, Program, Watch};
use crate::transcript::{Direction, Normaliser, Transcript};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long one wait (a line, a connection, an exit) may take before it fails.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(2);
/// Starting a process on a loaded machine can take longer than one exchange.
pub const START_DEADLINE: Duration = Duration::from_secs(3);

/// A host name that resolves to `::1` first and `127.0.0.1` second, through two
/// lines `.ci/run` adds to /etc/hosts (see [`Session::listen_behind_refusing_address`]).
pub const DUAL_STACK_HOST: &str = "netlab-dual-stack.test";

/// Where [`Session::other_filesystem_dir`] looks for another file system.
const OTHER_FILESYSTEMS: &[&str] = &["/dev/shm", "/run/shm"];

/// Words for varied inputs: a program cannot hard-code what it has never seen.
const WORDS: &[&str] = &[
    "otter", "maple", "comet", "harbor", "pixel", "lantern", "quartz", "meadow", "falcon", "ember",
    "walnut", "glacier", "violet", "tundra", "cobalt", "saffron", "orbit", "willow",
];

/// Everything one test case works with. Tests receive it as `t: &mut Session`.
pub struct Session {
    exercise: ExerciseId,
    program: PathBuf,
    transcript: Transcript,
    normaliser: Normaliser,
    watches: Arc<Mutex<Vec<Watch>>>,
    rng: fastrand::Rng,
    deadline: Duration,
    stdout: Output,
    stderr: Output,
    dir: tempfile::TempDir,
    /// Folders on other file systems handed out by [`Session::other_filesystem_dir`],
    /// removed with the session.
    elsewhere: Vec<tempfile::TempDir>,
    labels: HashMap<String, usize>,
    varied: usize,
    drawn: Vec<String>,
    snapshots: crate::snapshot::Snapshots,
}

impl Session {
    pub(crate) fn new(
        exercise: ExerciseId,
        program: PathBuf,
        seed: u64,
        watches: Arc<Mutex<Vec<Watch>>>,
        snapshots: crate::snapshot::Snapshots,
    ) -> Outcome<Session> {
        let dir = tempfile::Builder::new().prefix("netlab-").tempdir()?;
        let mut normaliser = Normaliser::default();
        normaliser.replace_literal(dir.path().display().to_string(), "<dir>");
        Ok(Session {
            exercise,
            program,
            transcript: Transcript::default(),
            normaliser,
            watches,
            rng: fastrand::Rng::with_seed(seed),
            deadline: DEFAULT_DEADLINE,
            stdout: Output::Read,
            stderr: Output::Read,
            dir,
            elsewhere: Vec::new(),
            labels: HashMap::new(),
            varied: 0,
            drawn: Vec::new(),
            snapshots,
        })
    }

    pub(crate) fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// What each program of the case looks like now; after a failure, programs get a
    /// moment to finish exiting so the report can say how they ended.
    pub(crate) fn program_reports(&self, failed: bool) -> Vec<crate::program::ProgramReport> {
        let watches = self.watches.lock().unwrap_or_else(|e| e.into_inner());
        watches
            .iter()
            .map(|watch| {
                if failed {
                    watch.settle();
                }
                watch.report()
            })
            .collect()
    }

    /// Changes what the stderr of programs started from now on is connected to: with
    /// [`Output::Closed`], a program must keep working though nobody reads its log.
    ///
    /// ```ignore
    /// t.set_stderr(Output::Closed);
    /// ```
    pub fn set_stderr(&mut self, stderr: Output) {
        self.stderr = stderr;
    }

    /// Changes what the stdout of programs started from now on is connected to: with
    /// [`Output::Closed`] (`program | true`), the first write fails with a broken
    /// pipe, and the program must stop cleanly, not panic or blame the network.
    ///
    /// ```ignore
    /// t.set_stdout(Output::Closed);
    /// ```
    pub fn set_stdout(&mut self, stdout: Output) {
        self.stdout = stdout;
    }

    /// Changes how long each later wait may take (programs already started keep theirs).
    pub fn set_deadline(&mut self, deadline: Duration) {
        self.deadline = deadline;
    }

    /// A fresh folder for this case; programs run with it as their working directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Starts the program under test with `args`; `label` names it in the transcript.
    pub fn start(&mut self, label: &str, args: &[&str]) -> Outcome<Program> {
        let name = self.exercise.package();
        let program = self.program.clone();
        self.launch(label, &name, &program, args)
    }

    /// Starts a real tool nobody here wrote (curl, python3, chromium…) as a peer of the
    /// program under test, with the same deadlines, output capture and clean-up as the
    /// program itself. A tool missing from `PATH` is [`Failure::needs_setup`] with
    /// `install` (how to get it): the case is skipped loudly, and fails under `CI=true`.
    ///
    /// ```ignore
    /// let mut curl = t.start_tool("curl", "curl", &["-sS", &url], "apt-get install curl")?;
    /// curl.expect_line("hello")?;
    /// ```
    pub fn start_tool(
        &mut self,
        label: &str,
        tool: &str,
        args: &[&str],
        install: &str,
    ) -> Outcome<Program> {
        let path = find_tool(tool).ok_or_else(|| {
            Failure::needs_setup(
                format!("`{tool}` on PATH"),
                format!("install it: {install}"),
            )
        })?;
        self.launch(label, tool, &path, args)
    }

    /// Starts `program` (shown as `name`) in the case's folder, with the case's outputs
    /// and deadline, and watches it so the report can say how it ended.
    fn launch(
        &mut self,
        label: &str,
        name: &str,
        program: &Path,
        args: &[&str],
    ) -> Outcome<Program> {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let launch = Launch {
            label,
            name,
            program,
            args: &args,
            dir: self.dir.path(),
            stdout: self.stdout,
            stderr: self.stderr,
        };
        let program = Program::start(&launch, self.transcript.clone(), self.deadline)?;
        self.watches
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(program.watch());
        Ok(program)
    }

    /// Starts a server (`args` should include `--port 0`) and waits for its first line,
    /// `listening on ADDR`, which says where to reach it.
    pub fn start_server(&mut self, label: &str, args: &[&str]) -> Outcome<(Program, SocketAddr)> {
        let (server, first) = self.start_listening(label, args)?;
        let addr = parse_listening(&first)?;
        Ok((server, addr))
    }

    /// Starts a server that listens somewhere other than an IP address (a Unix socket
    /// path) and returns what follows `listening on ` in its first line.
    pub fn start_server_at(&mut self, label: &str, args: &[&str]) -> Outcome<(Program, String)> {
        let (server, first) = self.start_listening(label, args)?;
        match first.strip_prefix("listening on ") {
            Some(place) => Ok((server, place.to_string())),
            None => Err(Failure::mismatch(
                "a server's first stdout line must say where it listens",
                "listening on WHERE",
                first,
            )),
        }
    }

    /// Starts a program and waits (longer than for other lines) for its first line.
    fn start_listening(&mut self, label: &str, args: &[&str]) -> Outcome<(Program, String)> {
        let mut server = self.start(label, args)?;
        server.set_deadline(START_DEADLINE);
        let first = server.read_line().map_err(|f| not_listening(f, &server))?;
        server.set_deadline(self.deadline);
        Ok((server, first))
    }

    /// Starts a client under test against a server the test plays: listens on a free
    /// loopback port, runs `args` followed by `--host 127.0.0.1 --port PORT`, and waits
    /// for the client to connect. Returns the client and the test's end of its connection.
    pub fn start_client(&mut self, label: &str, args: &[&str]) -> Outcome<(Program, StreamPeer)> {
        let mut listener = self.listen()?;
        let port = listener.addr()?.port().to_string();
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["--host", "127.0.0.1", "--port", &port]);
        let client = self.start(label, &full)?;
        let connection = listener.accept()?;
        Ok((client, connection))
    }

    /// Connects a new TCP peer (`tcp#1`, `tcp#2`, …) to the program at `addr`.
    pub fn connect(&mut self, addr: SocketAddr) -> Outcome<StreamPeer> {
        let label = self.next_label("tcp");
        StreamPeer::connect(label, addr, self.transcript.clone(), self.deadline)
    }

    /// Connects a new peer (`unix#1`, …) to the Unix domain socket at `path`.
    pub fn connect_unix(&mut self, path: &Path) -> Outcome<StreamPeer> {
        let label = self.next_label("unix");
        StreamPeer::connect_unix(label, path, self.transcript.clone(), self.deadline)
    }

    /// Listens on a free loopback port, so the test can play the server for a client.
    pub fn listen(&mut self) -> Outcome<StreamListener> {
        self.listen_on("127.0.0.1:0".parse().expect("valid address"))
    }

    /// Listens on IPv6's loopback, `[::1]`, on a free port: a client must reach a
    /// server whatever the address family.
    ///
    /// ```ignore
    /// let mut listener = t.listen_v6()?; // give the client `--host ::1`
    /// ```
    pub fn listen_v6(&mut self) -> Outcome<StreamListener> {
        self.listen_on("[::1]:0".parse().expect("valid address"))
    }

    /// Connects `n` peers to the program at `addr`, all open at once: with distinct
    /// inputs on each, process-wide state (a shared buffer, the current directory)
    /// shows.
    ///
    /// ```ignore
    /// let mut clients = t.connect_many(addr, 8)?;
    /// ```
    pub fn connect_many(&mut self, addr: SocketAddr, n: usize) -> Outcome<Vec<StreamPeer>> {
        (0..n).map(|_| self.connect(addr)).collect()
    }

    /// [`Session::connect_many`] for a Unix domain socket at `path`.
    ///
    /// ```ignore
    /// let mut clients = t.connect_many_unix(&path, 8)?;
    /// ```
    pub fn connect_many_unix(&mut self, path: &Path, n: usize) -> Outcome<Vec<StreamPeer>> {
        (0..n).map(|_| self.connect_unix(path)).collect()
    }

    /// Makes `link` (relative to the case's folder) a symbolic link to `target`: a
    /// program given a path must cope with one.
    ///
    /// ```ignore
    /// let link = t.symlink("data/real.txt", "alias.txt")?;
    /// ```
    pub fn symlink(
        &mut self,
        target: impl AsRef<Path>,
        link: impl AsRef<Path>,
    ) -> Outcome<PathBuf> {
        let link = self.dir.path().join(link);
        std::os::unix::fs::symlink(target.as_ref(), &link)?;
        self.note(&format!(
            "{} is a symbolic link to {}",
            link.display(),
            target.as_ref().display()
        ));
        Ok(link)
    }

    /// Listens on 127.0.0.1 behind a host name whose first address refuses: the name
    /// [`DUAL_STACK_HOST`] resolves to `::1` first, then `127.0.0.1`, and nothing
    /// listens on `::1` at the port. That is `localhost` on macOS and many Linux
    /// systems, against a server bound to 127.0.0.1 only: a client must try each
    /// address a name resolves to, not only the first. Returns the listener and the
    /// host name to give the client. Needs two lines in /etc/hosts (`.ci/run` adds
    /// them); without them the case is skipped, loudly.
    ///
    /// ```ignore
    /// let (mut listener, host) = t.listen_behind_refusing_address()?;
    /// ```
    pub fn listen_behind_refusing_address(&mut self) -> Outcome<(StreamListener, String)> {
        require_dual_stack_host()?;
        // Ports of the two families are separate: make sure ::1 refuses at ours.
        for _ in 0..10 {
            let listener = self.listen()?;
            let port = listener.addr()?.port();
            let v6 = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port));
            if std::net::TcpStream::connect_timeout(&v6, self.deadline).is_err() {
                self.note(&format!(
                    "{DUAL_STACK_HOST} resolves to ::1, then 127.0.0.1; at port {port} ::1 \
                     refuses and 127.0.0.1 listens"
                ));
                return Ok((listener, DUAL_STACK_HOST.to_string()));
            }
        }
        Err(Failure::new(
            "the test found no port free on 127.0.0.1 that ::1 refuses (something listens on \
             every port it tried)",
        ))
    }

    /// A fresh folder on another file system than [`Session::dir`] (on Linux, the
    /// tmpfs `/dev/shm`): a file renamed across file systems fails (`EXDEV`), so a
    /// program that writes a temporary file in `/tmp` and renames it into place breaks
    /// when its target is elsewhere. Skipped, loudly, where there is no such folder.
    ///
    /// ```ignore
    /// let elsewhere = t.other_filesystem_dir()?;
    /// ```
    pub fn other_filesystem_dir(&mut self) -> Outcome<PathBuf> {
        use std::os::unix::fs::MetadataExt;
        let here = std::fs::metadata(self.dir.path())?.dev();
        for candidate in OTHER_FILESYSTEMS {
            let Ok(meta) = std::fs::metadata(candidate) else {
                continue;
            };
            if meta.dev() == here {
                continue;
            }
            let Ok(dir) = tempfile::Builder::new()
                .prefix("netlab-")
                .tempdir_in(candidate)
            else {
                continue;
            };
            let path = dir.path().to_path_buf();
            self.normaliser
                .replace_literal(path.display().to_string(), "<other-fs-dir>");
            self.note(&format!(
                "{} is on another file system than {}",
                path.display(),
                self.dir.path().display()
            ));
            self.elsewhere.push(dir);
            return Ok(path);
        }
        Err(Failure::needs_setup(
            "a writable folder on another file system than the temporary folder",
            "on Linux, /dev/shm is one",
        ))
    }

    /// Listens on a given address (for a client's default port, say).
    pub fn listen_on(&mut self, addr: SocketAddr) -> Outcome<StreamListener> {
        let label = self.next_label("tcp");
        StreamListener::bind(label, addr, self.transcript.clone(), self.deadline)
    }

    /// An address where nothing listens, so a connection to it is refused.
    ///
    /// It is a port the test bound and closed on a random loopback address other than
    /// 127.0.0.1 (on Linux, where all of 127/8 is loopback): programs under test listen
    /// on 127.0.0.1, so even if the kernel hands the same port number to one of them,
    /// it is not at this address. The close happens while no program is being started
    /// (a starting child could otherwise hold a copy of the listener and keep
    /// accepting for a moment).
    pub fn refused_addr(&mut self) -> Outcome<SocketAddr> {
        let ip = self.unused_loopback_ip();
        let _no_spawn = crate::program::SPAWNING
            .write()
            .unwrap_or_else(|e| e.into_inner());
        let listener = std::net::TcpListener::bind((ip, 0))?;
        let addr = listener.local_addr()?;
        drop(listener);
        if ip != std::net::Ipv4Addr::LOCALHOST {
            self.normaliser
                .replace_literal(ip.to_string(), "<refused-ip>");
        }
        Ok(addr)
    }

    /// A loopback address no program under test listens on: a random one of 127/8 on
    /// Linux; elsewhere (macOS answers only 127.0.0.1 unless `ifconfig lo0 alias` adds
    /// more) 127.0.0.1 itself, where a reused port number is unlikely but possible.
    fn unused_loopback_ip(&mut self) -> std::net::Ipv4Addr {
        if cfg!(target_os = "linux") {
            std::net::Ipv4Addr::new(
                127,
                self.rng.u8(1..=254),
                self.rng.u8(1..=254),
                self.rng.u8(1..=254),
            )
        } else {
            std::net::Ipv4Addr::LOCALHOST
        }
    }

    /// Listens on the Unix domain socket `path`, so the test can play the server for an
    /// AF_UNIX client (accept it with `accept()`).
    pub fn listen_unix(&mut self, path: &Path) -> Outcome<StreamListener> {
        let label = self.next_label("unix");
        StreamListener::bind_unix(label, path, self.transcript.clone(), self.deadline)
    }

    /// A UDP socket on a free loopback port.
    pub fn udp(&mut self) -> Outcome<UdpPeer> {
        self.udp_on("127.0.0.1:0".parse().expect("valid address"))
    }

    /// A UDP socket on a given address.
    pub fn udp_on(&mut self, addr: SocketAddr) -> Outcome<UdpPeer> {
        let label = self.next_label("udp");
        UdpPeer::bind(label, addr, self.transcript.clone(), self.deadline)
    }

    /// A body of `len` bytes drawn from the case's seed, to stream to a program and
    /// check what it wrote (see [`crate::bulk`]).
    ///
    /// ```ignore
    /// let body = t.bulk(64 * MB);
    /// ```
    pub fn bulk(&mut self, len: u64) -> crate::bulk::Bulk {
        crate::bulk::Bulk::new(len, self.rng.u64(..))
    }

    /// A varied word (`comet-417`), different on every run but replayable from the seed;
    /// snapshots show it as `<word1>`, `<word2>`…
    pub fn word(&mut self) -> String {
        // Every word of a case is new: a repeat would make two inputs indistinguishable
        // and give them one placeholder in a snapshot.
        let varied = loop {
            let word = WORDS[self.rng.usize(..WORDS.len())];
            let candidate = format!("{word}-{}", self.rng.u32(100..1000));
            if !self.drawn.contains(&candidate) {
                break candidate;
            }
        };
        self.drawn.push(varied.clone());
        self.varied += 1;
        self.normaliser
            .replace_literal(varied.clone(), format!("<word{}>", self.varied));
        varied
    }

    /// A short varied sentence of `n` words, for chat messages.
    pub fn sentence(&mut self, n: usize) -> String {
        (0..n.max(1))
            .map(|_| self.word())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A number drawn from the case's seed: the seed of a generated corpus, so a
    /// failure replays with `--seed` like every other input of the case.
    pub fn number(&mut self) -> u64 {
        self.rng.u64(..)
    }

    /// Offsets at which to cut `len` bytes into `pieces` writes, drawn from the seed.
    pub fn cuts(&mut self, len: usize, pieces: usize) -> Vec<usize> {
        let mut cuts: Vec<usize> = (0..pieces.saturating_sub(1))
            .map(|_| self.rng.usize(1..len.max(2)))
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        cuts
    }

    /// Replaces every match of `pattern` in snapshots (for output that varies in a way
    /// the built-in rules do not know: a pid, a file size…).
    pub fn normalise(&mut self, pattern: &str, with: &str) -> Outcome {
        self.normaliser
            .replace_pattern(pattern, with)
            .map_err(|e| Failure::new(format!("bad normalisation pattern {pattern:?}: {e}")))
    }

    /// Adds a comment to the transcript: what the test is about to check, and why.
    pub fn note(&mut self, text: &str) {
        self.transcript.record("note", Direction::Event, text);
    }

    /// Compares the normalised transcript so far with the reviewed snapshot `name`.
    pub fn snapshot(&mut self, name: &str) -> Outcome {
        let text = self.normaliser.render(&self.transcript.steps());
        self.snapshots.check(name, &text)
    }

    fn next_label(&mut self, kind: &str) -> String {
        let n = self.labels.entry(kind.to_string()).or_default();
        *n += 1;
        format!("{kind}#{n}")
    }
}

impl Drop for Session {
    /// The case is over: kill every program it started, whatever happened.
    fn drop(&mut self) {
        for watch in self
            .watches
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            watch.kill();
        }
    }
}

/// Rewords a failure to read a server's first line into what a student needs to hear.
fn not_listening(failure: Failure, server: &Program) -> Failure {
    let summary = if failure.kind == Kind::Closed {
        format!(
            "{} exited before it printed its address — a server is expected to keep running: {}",
            server.label(),
            server.ended_reason()
        )
    } else {
        format!(
            "{} printed no `listening on ADDR` line within {:.1?} — a server prints it as its first \
             line once it has bound its socket (is it blocked before that, or did it print elsewhere?)",
            server.label(),
            START_DEADLINE
        )
    };
    Failure::new(summary)
        .kind(Kind::Unreachable)
        .expecting("listening on ADDR")
}

/// Reads the address out of `listening on ADDR`.
fn parse_listening(line: &str) -> Outcome<SocketAddr> {
    let Some(addr) = line.strip_prefix("listening on ") else {
        return Err(Failure::mismatch(
            "a server's first stdout line must say where it listens",
            "listening on ADDR",
            line,
        )
        .kind(Kind::Unreachable));
    };
    let addr: SocketAddr = addr.trim().parse().map_err(|_| {
        Failure::mismatch(
            "a server's first line must give its address as IP:PORT (its socket's local_addr())",
            "listening on 127.0.0.1:PORT",
            line,
        )
        .kind(Kind::Unreachable)
    })?;
    if addr.port() == 0 {
        return Err(Failure::mismatch(
            "the server printed the port it asked for (0), not the one the system gave it: \
             bind to port 0, then print the listener's local_addr(), which holds the real port",
            "listening on 127.0.0.1:PORT (PORT not 0)",
            line,
        )
        .kind(Kind::Unreachable));
    }
    Ok(addr)
}

/// Checks [`DUAL_STACK_HOST`] resolves to `::1` first and `127.0.0.1` after it.
fn require_dual_stack_host() -> Outcome {
    use std::net::ToSocketAddrs;
    let resolved: Vec<std::net::IpAddr> = (DUAL_STACK_HOST, 1)
        .to_socket_addrs()
        .map(|addrs| addrs.map(|a| a.ip()).collect())
        .unwrap_or_default();
    let v6_first = resolved.first() == Some(&std::net::Ipv6Addr::LOCALHOST.into());
    let then_v4 = resolved.contains(&std::net::Ipv4Addr::LOCALHOST.into());
    if v6_first && then_v4 {
        Ok(())
    } else {
        Err(Failure::needs_setup(
            format!(
                "the host name {DUAL_STACK_HOST} to resolve to ::1 first, then 127.0.0.1 \
                 (it resolves to {resolved:?})"
            ),
            format!(
                "add the lines `::1 {DUAL_STACK_HOST}` and `127.0.0.1 {DUAL_STACK_HOST}` to \
                 /etc/hosts, as .ci/run does"
            ),
        ))
    }
}

/// The first executable file called `tool` in a folder of `PATH`.
fn find_tool(tool: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(tool))
        .find(|candidate| {
            candidate
                .metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A session for the capability tests (no program is started).
    fn session() -> Session {
        let snapshots = crate::snapshot::Snapshots {
            dir: std::env::temp_dir(),
            prefix: "t".into(),
        };
        Session::new(
            "ch0-0".parse().unwrap(),
            "/bin/true".into(),
            7,
            Arc::default(),
            snapshots,
        )
        .unwrap()
    }

    #[test]
    fn an_ipv6_listener_is_reached_over_ipv6() {
        let mut t = session();
        let mut listener = t.listen_v6().unwrap();
        let addr = listener.addr().unwrap();
        assert!(addr.is_ipv6(), "{addr}");
        let mut client = t.connect(addr).unwrap();
        let mut server = listener.accept().unwrap();
        client.send_line_crlf("hello").unwrap();
        assert_eq!(server.read_line().unwrap(), "hello\\r");
    }

    #[test]
    fn many_clients_are_open_at_once() {
        let mut t = session();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let clients = t.connect_many(addr, 5).unwrap();
        assert_eq!(clients.len(), 5);
        let path = t.dir().join("many.sock");
        let _unix = std::os::unix::net::UnixListener::bind(&path).unwrap();
        assert_eq!(t.connect_many_unix(&path, 3).unwrap().len(), 3);
        let ports: std::collections::HashSet<u16> = clients
            .iter()
            .map(|c| c.local_addr().unwrap().port())
            .collect();
        assert_eq!(ports.len(), 5, "five distinct connections");
    }

    #[test]
    fn a_paused_write_arrives_in_two_parts() {
        use std::io::Read;
        let mut t = session();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = t.connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        server
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let writer = std::thread::spawn(move || {
            client
                .send_with_pause(b"hello\n", 2, Duration::from_millis(300))
                .unwrap();
            client
        });
        // A reader sees the first part alone, then the rest after the pause.
        let mut buf = [0u8; 16];
        let first = server.read(&mut buf).unwrap();
        assert_eq!(&buf[..first], b"he");
        let mut rest = Vec::new();
        while rest.len() < 4 {
            let n = server.read(&mut buf).unwrap();
            assert!(n > 0, "the rest arrives");
            rest.extend_from_slice(&buf[..n]);
        }
        assert_eq!(rest, b"llo\n");
        drop(writer.join().unwrap());
    }

    #[test]
    fn a_stray_datagram_comes_from_another_address() {
        let mut t = session();
        let mut udp = t.udp().unwrap();
        let target = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        udp.send_stray(b"stray", target.local_addr().unwrap())
            .unwrap();
        let mut buf = [0u8; 16];
        let (n, from) = target.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"stray");
        assert_ne!(from, udp.addr().unwrap(), "not from the test's own socket");
    }

    #[test]
    fn a_symlink_points_at_its_target() {
        let mut t = session();
        std::fs::write(t.dir().join("real.txt"), "x").unwrap();
        let link = t.symlink("real.txt", "alias.txt").unwrap();
        assert_eq!(std::fs::read_to_string(link).unwrap(), "x");
    }

    #[test]
    fn words_never_repeat_within_a_case() {
        let snapshots = crate::snapshot::Snapshots {
            dir: std::env::temp_dir(),
            prefix: "t".into(),
        };
        let mut t = Session::new(
            "ch0-0".parse().unwrap(),
            "/bin/true".into(),
            151_517,
            Arc::default(),
            snapshots,
        )
        .unwrap();
        let words: Vec<String> = (0..2000).map(|_| t.word()).collect();
        let unique: std::collections::HashSet<&String> = words.iter().collect();
        assert_eq!(unique.len(), words.len());
    }

    #[test]
    fn parses_the_listening_line() {
        assert_eq!(
            parse_listening("listening on 127.0.0.1:80").unwrap().port(),
            80
        );
        assert!(parse_listening("listening on port 80").is_err());
        let zero = parse_listening("listening on 127.0.0.1:0").unwrap_err();
        assert!(zero.summary.contains("local_addr()"), "{}", zero.summary);
        assert!(
            parse_listening("hello")
                .unwrap_err()
                .summary
                .contains("first stdout line")
        );
    }

    #[test]
    fn a_name_whose_first_address_refuses_still_reaches_the_listener() {
        let mut t = session();
        let (mut listener, host) = match t.listen_behind_refusing_address() {
            Ok(found) => found,
            Err(failure)
                if failure.kind == Kind::Skipped && !crate::failure::every_case_required() =>
            {
                eprintln!("SKIPPED: {}", failure.summary);
                return;
            }
            Err(failure) => panic!("{}", failure.summary),
        };
        let port = listener.addr().unwrap().port();
        use std::net::ToSocketAddrs;
        let addrs: Vec<SocketAddr> = (host.as_str(), port).to_socket_addrs().unwrap().collect();
        assert!(addrs[0].is_ipv6(), "::1 comes first: {addrs:?}");
        assert!(
            std::net::TcpStream::connect(addrs[0]).is_err(),
            "::1 refuses"
        );
        // Trying each address, as TcpStream::connect((host, port)) does, gets through.
        let _client = std::net::TcpStream::connect((host.as_str(), port)).unwrap();
        listener.accept().unwrap();
    }

    #[test]
    fn another_file_system_is_another_device() {
        use std::os::unix::fs::MetadataExt;
        let mut t = session();
        let elsewhere = match t.other_filesystem_dir() {
            Ok(dir) => dir,
            Err(failure)
                if failure.kind == Kind::Skipped && !crate::failure::every_case_required() =>
            {
                eprintln!("SKIPPED: {}", failure.summary);
                return;
            }
            Err(failure) => panic!("{}", failure.summary),
        };
        let here = std::fs::metadata(t.dir()).unwrap().dev();
        assert_ne!(std::fs::metadata(&elsewhere).unwrap().dev(), here);
        std::fs::write(t.dir().join("a"), "x").unwrap();
        let across = std::fs::rename(t.dir().join("a"), elsewhere.join("a")).unwrap_err();
        assert_eq!(across.raw_os_error(), Some(libc::EXDEV), "{across}");
        drop(t);
        assert!(!elsewhere.exists(), "removed with the session");
    }

    #[test]
    fn an_unfinished_message_and_a_burst_arrive_as_sent() {
        use std::io::Read;
        let mut t = session();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = t.connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        client.send_unfinished(b"hal").unwrap();
        client.send_burst(&["f", "two", "three"]).unwrap();
        drop(client);
        let mut got = String::new();
        server.read_to_string(&mut got).unwrap();
        assert_eq!(got, "half\ntwo\nthree\n");
        let steps = t.transcript().steps();
        let text: Vec<&str> = steps.iter().map(|s| s.text.as_str()).collect();
        assert!(text.iter().any(|s| s.contains("unfinished")), "{text:?}");
        assert!(
            text.iter().any(|s| s.contains("all 3 lines in one write")),
            "{text:?}"
        );
    }

    #[test]
    fn a_lost_datagram_is_received_and_never_answered() {
        let mut t = session();
        let mut udp = t.udp().unwrap();
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        sender.send_to(b"ping", udp.addr().unwrap()).unwrap();
        let (bytes, from) = udp.lose().unwrap();
        assert_eq!(
            (bytes.as_slice(), from),
            (&b"ping"[..], sender.local_addr().unwrap())
        );
        sender
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        assert!(sender.recv(&mut [0u8; 8]).is_err(), "no answer");
    }

    #[test]
    fn a_bulk_body_streams_through_a_connection() {
        use std::io::Read;
        let mut t = session();
        let body = t.bulk(3 * crate::bulk::MB);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = t.connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            (&server).read_to_end(&mut got).map(|_| got)
        });
        client.send_bulk(&body).unwrap();
        client.close();
        let got = reader.join().unwrap().unwrap();
        body.expect_same(&mut got.as_slice(), "what arrived")
            .unwrap();
    }

    #[test]
    fn a_head_is_read_to_its_blank_line_and_the_body_after_it() {
        use std::io::Write;
        let mut t = session();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            for piece in [
                &b"HTTP/1.1 200 OK\r\nA: b\r"[..],
                b"\n\r\nhel",
                b"lo",
                b" and the rest",
            ] {
                stream.write_all(piece).unwrap();
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        let mut peer = t.connect(addr).unwrap();
        let head = peer.read_head(1024).unwrap();
        assert_eq!(head, b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n");
        assert_eq!(peer.read_bytes(5).unwrap(), b"hello");
        assert_eq!(peer.read_to_close(1024).unwrap(), b" and the rest");
        server.join().unwrap();
    }

    #[test]
    fn a_head_without_its_blank_line_is_refused_past_the_limit() {
        use std::io::Write;
        let mut t = session();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream.write_all(&[b'x'; 4096]).unwrap();
            stream
        });
        let mut peer = t.connect(addr).unwrap();
        let failure = peer.read_head(100).unwrap_err();
        assert!(
            failure.summary.contains("without the blank line"),
            "{failure:?}"
        );
        drop(server.join().unwrap());
    }

    #[test]
    fn a_tool_runs_like_a_program_and_a_missing_one_is_skipped() {
        let mut t = session();
        let mut sh = t
            .start_tool("sh", "sh", &["-c", "echo hello"], "apt-get install dash")
            .unwrap();
        sh.expect_line("hello").unwrap();
        let Err(missing) = t.start_tool("x", "netlab-no-such-tool", &[], "nowhere") else {
            panic!("a tool that does not exist started");
        };
        assert_eq!(missing.kind, Kind::Skipped);
        assert!(
            missing.summary.contains("netlab-no-such-tool"),
            "{missing:?}"
        );
    }

    #[test]
    fn bytes_typed_in_pieces_reach_the_program_whole() {
        let mut t = session();
        let mut cat = t.start_tool("cat", "cat", &[], "coreutils").unwrap();
        cat.send_in_pieces(b"one\ntw", &[2, 4]).unwrap();
        cat.send_bytes(b"o\n").unwrap();
        cat.expect_line("one").unwrap();
        cat.expect_line("two").unwrap();
        cat.close_stdin();
        cat.expect_success().unwrap();
        assert_ne!(t.number(), t.number());
    }
}
