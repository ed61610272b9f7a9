//! The bench's side of the servers: which cores they run on, the folder they serve,
//! starting, watching and stopping them, and nginx's configuration.

use super::*;

// ---------------------------------------------------------------------------------
// The cores: the load generator on some, the servers on the others
// ---------------------------------------------------------------------------------

/// Which cores the load generator and the servers run on.
pub(crate) struct Cores {
    /// taskset's list for the servers (e.g. `1`); `None`: not pinned.
    server_list: Option<String>,
    /// How many cores the servers may use: nginx's worker processes by default.
    pub(crate) server_count: usize,
    /// How many load threads to run: one per core of the load generator.
    pub(crate) client_count: usize,
    /// One line for the report.
    pub(crate) described: String,
}

impl Cores {
    /// With `pin` and at least two cores (and taskset): this process (the load
    /// generator) on the first half of the cores it may use, the servers on the rest.
    /// Otherwise everything shares every core, and says so.
    pub(crate) fn split(pin: bool) -> Cores {
        let allowed = allowed_cpus();
        let shared = |why: &str| Cores {
            server_list: None,
            server_count: allowed.len().max(1),
            client_count: (allowed.len() / 2).max(1),
            described: format!(
                "{} core(s), shared by the load generator and the server ({why})",
                allowed.len()
            ),
        };
        if !pin {
            return shared("--no-pin");
        }
        if allowed.len() < 2 {
            return shared("fewer than two cores: nothing to split");
        }
        let (client, server) = allowed.split_at(allowed.len() / 2);
        let list = |cpus: &[usize]| {
            cpus.iter()
                .map(|cpu| cpu.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        let pinned = Command::new("taskset")
            .args(["-a", "-p", "-c", &list(client)])
            .arg(std::process::id().to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !pinned.is_ok_and(|status| status.success()) {
            return shared("taskset is missing or failed: apt-get install util-linux");
        }
        Cores {
            server_list: Some(list(server)),
            server_count: server.len(),
            client_count: client.len(),
            described: format!(
                "load generator on CPU {}, server under test on CPU {}",
                list(client),
                list(server)
            ),
        }
    }

    /// A command that runs `program` on the servers' cores.
    fn command(&self, program: &Path) -> Command {
        match &self.server_list {
            Some(list) => {
                let mut command = Command::new("taskset");
                command.args(["-c", list]).arg(program);
                command
            }
            None => Command::new(program),
        }
    }
}

/// The CPUs this process may run on (Linux: `Cpus_allowed_list` in /proc, e.g.
/// `0-3,6`); else 0..available_parallelism.
pub(crate) fn allowed_cpus() -> Vec<usize> {
    let from_proc = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let list = status
                .lines()
                .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))?
                .trim()
                .to_string();
            let mut cpus = Vec::new();
            for part in list.split(',') {
                match part.split_once('-') {
                    Some((a, b)) => cpus.extend(a.parse::<usize>().ok()?..=b.parse().ok()?),
                    None => cpus.push(part.parse().ok()?),
                }
            }
            Some(cpus)
        });
    from_proc
        .filter(|cpus| !cpus.is_empty())
        .unwrap_or_else(|| (0..thread::available_parallelism().map_or(1, |n| n.get())).collect())
}

// ---------------------------------------------------------------------------------
// The scratch folder: the file both servers serve, nginx's configuration and logs
// ---------------------------------------------------------------------------------

/// A temporary folder, removed when dropped (also when the bench fails).
pub(crate) struct Scratch {
    path: PathBuf,
    /// The served file's folder (`path/site`).
    site: PathBuf,
    /// The served file's bytes, which every response body must equal.
    pub(crate) body: Arc<[u8]>,
}

impl Scratch {
    /// Creates the folder and `site/small.html`, an HTML page of exactly `size` bytes.
    pub(crate) fn create(size: usize) -> Result<Scratch> {
        let path = std::env::temp_dir().join(format!("netlab-bench-ch3-2-{}", std::process::id()));
        let site = path.join("site");
        // A folder left by an earlier run that was killed (same process id, rare) goes;
        // then a new one, which must not exist (nobody else's folder is reused).
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir(&path)
            .and_then(|()| std::fs::create_dir(&site))
            .map_err(|e| format!("cannot create {}: {e}", site.display()))?;
        let scratch = Scratch {
            path,
            site,
            body: small_page(size).into(),
        };
        let file = scratch.site.join(&PATH[1..]);
        std::fs::write(&file, &scratch.body)
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        Ok(scratch)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// An HTML page of exactly `size` bytes (shorter than the markup: just letters).
fn small_page(size: usize) -> Vec<u8> {
    let head = "<!doctype html>\n<title>netlab bench</title>\n<p>";
    let tail = "</p>\n";
    if size < head.len() + tail.len() {
        return vec![b'x'; size];
    }
    let filler = size - head.len() - tail.len();
    let text: String = "The quick brown fox jumps over the lazy dog. "
        .chars()
        .cycle()
        .take(filler)
        .collect();
    format!("{head}{text}{tail}").into_bytes()
}

// ---------------------------------------------------------------------------------
// The servers
// ---------------------------------------------------------------------------------

/// A running server: killed (nginx: stopped, with its workers) when dropped.
pub(crate) struct Server {
    pub(crate) name: &'static str,
    pub(crate) addr: SocketAddr,
    /// For nginx: its version; for the reference: empty.
    pub(crate) version: String,
    child: Mutex<Child>,
    /// How to stop it cleanly, if killing the process is not enough.
    stop: Option<Command>,
    /// Where it writes its complaints (its stderr, nginx's error log): files, not
    /// pipes, so that a server that logs every request pays a write to a file, as in
    /// production, and the load generator's cores do not read its log.
    logs: Vec<PathBuf>,
}

impl Server {
    /// Starts the program under test on a free port and reads its address from its
    /// first stdout line; stdout is drained from then on, so a server that prints
    /// there never blocks on a full pipe.
    pub(crate) fn start_reference(
        program: &Path,
        folder: &Scratch,
        cores: &Cores,
    ) -> Result<Server> {
        let log = folder.path.join("reference.stderr");
        let child = cores
            .command(program)
            .arg("server")
            .arg("--root")
            .arg(&folder.site)
            .args(["--port", "0", "--host", "127.0.0.1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file(&log)?)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let mut server = Server {
            name: program_name(program),
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            version: String::new(),
            child: Mutex::new(child),
            stop: None,
            logs: vec![log],
        };
        let stdout = server
            .child
            .get_mut()
            .unwrap()
            .stdout
            .take()
            .expect("piped");
        let (first_line, receiver) = mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = first_line.send(lines.next());
            lines.for_each(drop);
        });
        let line = match receiver.recv_timeout(START_DEADLINE) {
            Ok(Some(Ok(line))) => line,
            Ok(_) => return Err(server.died("closed its stdout before `listening on ADDR`")),
            Err(_) => {
                return Err(server.died(&format!(
                    "printed no line within {START_DEADLINE:?} (wanted `listening on ADDR`)"
                )));
            }
        };
        server.addr = line
            .strip_prefix("listening on ")
            .and_then(|a| a.trim().parse().ok())
            .ok_or_else(|| {
                server.died(&format!("printed {line:?} first, not `listening on ADDR`"))
            })?;
        server.wait_until_serving(&folder.body)?;
        Ok(server)
    }

    /// Starts nginx with a generated configuration (see [`nginx_config`]) on a free
    /// port and waits until it serves the file.
    pub(crate) fn start_nginx(
        binary: &Path,
        folder: &Scratch,
        workers: usize,
        cores: &Cores,
    ) -> Result<Server> {
        let about = NginxBuild::ask(binary)?;
        let port = free_port()?;
        let conf = folder.path.join("nginx.conf");
        std::fs::write(&conf, nginx_config(&about, folder, workers, port))
            .map_err(|e| format!("cannot write {}: {e}", conf.display()))?;
        let error_log = folder.path.join("error.log");
        let stderr = folder.path.join("nginx.stderr");
        let with_paths = |mut command: Command| {
            command.arg("-p").arg(&folder.path).arg("-c").arg(&conf);
            // Before it reads the configuration, nginx logs to its compiled-in error
            // log (maybe /var/log/nginx/error.log, not writable by a user); -e moves
            // that too (nginx 1.19.5 and later).
            if about.has_dash_e {
                command.arg("-e").arg(&error_log);
            }
            command.stdin(Stdio::null()).stdout(Stdio::null());
            command
        };
        let child = with_paths(cores.command(binary))
            .stderr(log_file(&stderr)?)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let mut stop = with_paths(Command::new(binary));
        stop.args(["-s", "stop"]).stderr(Stdio::null());
        let server = Server {
            name: "nginx",
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            version: about.version,
            child: Mutex::new(child),
            stop: Some(stop),
            logs: vec![stderr, error_log],
        };
        server.wait_until_serving(&folder.body)?;
        Ok(server)
    }

    /// Retries one GET until it gets the file (or the deadline passes, or the server
    /// exits): waits for the event, not for a fixed time.
    fn wait_until_serving(&self, body: &[u8]) -> Result<()> {
        let deadline = Instant::now() + START_DEADLINE;
        loop {
            let error = match Connection::open(self.addr) {
                Ok(mut connection) => match connection.get(self.addr, body) {
                    Ok(_) => return Ok(()),
                    Err(error) => error,
                },
                Err(error) => error,
            };
            self.still_running()?;
            if Instant::now() > deadline {
                return Err(self.died(&format!(
                    "does not serve {PATH} within {START_DEADLINE:?}: {error}"
                )));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Its process id (nginx: the master's, whose children are the workers).
    pub(crate) fn pid(&self) -> u32 {
        self.child.lock().unwrap().id()
    }

    /// An error if the server has exited.
    pub(crate) fn still_running(&self) -> Result<()> {
        let status = self.child.lock().unwrap().try_wait();
        match status {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(self.died(&format!("exited ({status})"))),
            Err(e) => Err(self.died(&format!("cannot be waited for: {e}"))),
        }
    }

    /// What went wrong, with the last lines the server logged.
    fn died(&self, what: &str) -> String {
        // Give an exiting server a moment to be reaped, to name its exit status.
        thread::sleep(Duration::from_millis(50));
        let exited = match self.child.lock().unwrap().try_wait() {
            Ok(Some(status)) if !what.starts_with("exited") => format!(" (it exited: {status})"),
            _ => String::new(),
        };
        let what = format!("{what}{exited}");
        let words: Vec<String> = self
            .logs
            .iter()
            .flat_map(|log| last_lines(log, 10))
            .collect();
        if words.is_empty() {
            format!("{} {what}", self.name)
        } else {
            format!(
                "{} {what}; its last words:\n  {}",
                self.name,
                words.join("\n  ")
            )
        }
    }

    /// How many lines the server logged, and the last one: a reference that logs a
    /// line per request (to stderr) pays for it, and the report says so.
    pub(crate) fn logged(&self) -> Option<(u64, String)> {
        let log = self.logs.first()?;
        let mut file = std::fs::File::open(log).ok()?;
        let (mut count, mut chunk) = (0, vec![0; 64 * 1024]);
        loop {
            match file.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => count += chunk[..n].iter().filter(|&&b| b == b'\n').count() as u64,
            }
        }
        let last = last_lines(log, 1).pop()?;
        Some((count, last))
    }
}

impl Drop for Server {
    /// nginx is stopped by its own `-s stop` (its workers go with the master); killing
    /// the master alone would leave them running. Then the process is killed anyway.
    fn drop(&mut self) {
        let child = self.child.get_mut().unwrap();
        if let Some(stop) = &mut self.stop
            && let Ok(None) = child.try_wait()
            && stop.status().is_ok()
        {
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
                thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// A new file for a server's stderr.
fn log_file(path: &Path) -> Result<std::fs::File> {
    std::fs::File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))
}

/// The last `n` lines of a log file, read from its last few kilobytes only (a server
/// that logs every request writes megabytes).
fn last_lines(path: &Path, n: usize) -> Vec<String> {
    use std::io::{Seek, SeekFrom};
    let Ok(mut file) = std::fs::File::open(path) else {
        return Vec::new();
    };
    let length = file.metadata().map_or(0, |m| m.len());
    let _ = file.seek(SeekFrom::Start(length.saturating_sub(4096)));
    let mut tail = Vec::new();
    let _ = file.read_to_end(&mut tail);
    let text = String::from_utf8_lossy(&tail);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| l.to_string())
        .collect()
}

/// A port nobody listens on now, for nginx (which cannot be told to pick one and say).
fn free_port() -> Result<u16> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| format!("cannot find a free port: {e}"))
}

// ---------------------------------------------------------------------------------
// nginx: where it is, what it was built with, its configuration
// ---------------------------------------------------------------------------------

/// The nginx binary: `--nginx`, else `nginx` on PATH, else the usual places (a user's
/// PATH often lacks /usr/sbin). `None` when there is none.
pub(crate) fn find_nginx(given: Option<&Path>) -> Result<Option<PathBuf>> {
    if let Some(path) = given {
        return if path.is_file() {
            Ok(Some(path.to_path_buf()))
        } else {
            Err(format!("--nginx {}: no such file", path.display()))
        };
    }
    let on_path: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("nginx"))
                .collect()
        })
        .unwrap_or_default();
    let usual = [
        "/usr/sbin/nginx",
        "/usr/local/sbin/nginx",
        "/usr/local/nginx/sbin/nginx",
    ];
    Ok(on_path
        .into_iter()
        .chain(usual.iter().map(PathBuf::from))
        .find(|path| path.is_file()))
}

/// What `nginx -V` says about the build.
struct NginxBuild {
    /// e.g. `nginx/1.22.1`.
    pub(crate) version: String,
    /// Whether it takes `-e FILE` (the startup error log), new in 1.19.5.
    has_dash_e: bool,
    /// The temporary folders compiled in (`client_body`, `proxy`, …): each must be
    /// moved into the scratch folder, as nginx creates them at startup and a user
    /// cannot create /var/lib/nginx/body.
    temp_paths: Vec<&'static str>,
}

impl NginxBuild {
    /// Runs `nginx -V` (it answers on stderr).
    fn ask(binary: &Path) -> Result<NginxBuild> {
        let output = Command::new(binary)
            .arg("-V")
            .output()
            .map_err(|e| format!("cannot run {} -V: {e}", binary.display()))?;
        let text = String::from_utf8_lossy(&output.stderr).into_owned()
            + &String::from_utf8_lossy(&output.stdout);
        let version = text
            .split_whitespace()
            .find(|word| word.starts_with("nginx/"))
            .unwrap_or("nginx/?")
            .to_string();
        let numbers: Vec<u32> = version["nginx/".len()..]
            .split('.')
            .map(|n| n.parse().unwrap_or(0))
            .collect();
        let has_dash_e = numbers >= vec![1, 19, 5];
        let temp_paths = [
            ("--http-client-body-temp-path", "client_body"),
            ("--http-proxy-temp-path", "proxy"),
            ("--http-fastcgi-temp-path", "fastcgi"),
            ("--http-uwsgi-temp-path", "uwsgi"),
            ("--http-scgi-temp-path", "scgi"),
        ]
        .into_iter()
        .filter(|(flag, _)| text.contains(flag))
        .map(|(_, directive)| directive)
        .collect();
        Ok(NginxBuild {
            version,
            has_dash_e,
            temp_paths,
        })
    }
}

/// nginx's configuration: Debian's defaults for serving static files (sendfile,
/// tcp_nopush, tcp_nodelay), no access log (the reference keeps none either), every
/// path inside the scratch folder, and keep-alive connections that last the whole run.
fn nginx_config(about: &NginxBuild, folder: &Scratch, workers: usize, port: u16) -> String {
    let at = |name: &str| quoted(&folder.path.join(name));
    // As root, nginx would switch its workers to `nobody`; the workers must read the
    // scratch folder, which may sit where nobody cannot look. Run them as root then.
    let user = if running_as_root() {
        "user root;\n"
    } else {
        ""
    };
    let temp_paths: String = about
        .temp_paths
        .iter()
        .map(|name| format!("    {name}_temp_path {};\n", at(name)))
        .collect();
    format!(
        "\
# Generated by chapters/ch3/examples/bench_ch3_2.rs for one run.
{user}daemon off;
master_process on;
worker_processes {workers};
error_log {error_log} warn;
pid {pid};
events {{
    worker_connections 4096;
}}
http {{
    access_log off;
{temp_paths}    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    types {{
        text/html html;
    }}
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
",
        error_log = at("error.log"),
        pid = at("nginx.pid"),
        root = quoted(&folder.site),
    )
}

/// A path as an nginx string: in double quotes (a temporary folder may have spaces).
fn quoted(path: &Path) -> String {
    format!("\"{}\"", path.display())
}

/// Whether this process runs as root (Linux: the effective uid in /proc).
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|line| line.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            == Some("0")
    })
}
