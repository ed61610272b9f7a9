//! Grades ch2-5, the command server: every command line gets exactly one reply line,
//! and `ls` shows nothing outside the served root, however the path is spelt.
//!
//! Each case builds its own served tree in its folder: `root/` (files, folders, a
//! symlink that stays inside and one that leads out) and, beside it, secrets that no
//! reply may ever name.

use harness::prelude::*;
use harness::transcript::escape;
use std::net::SocketAddr;
use std::os::unix::fs::symlink;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

fn main() -> ExitCode {
    harness::run!(&[
        Case::new("ls lists the served root sorted, tab-separated, with a slash after folders", ls_lists_the_root)
            .hint_if(Kind::Mismatch, "Sort the names by their bytes (so `Notes` comes before `away`), add `/` after \
                     every folder (Path::is_dir follows symlinks, so a link to a folder counts), and join them with \
                     single tabs into ONE line. `ls` shows the --root folder, not the server's working directory."),
        Case::new("ls DIR lists folders inside the root, nested and empty ones too", ls_lists_folders_inside)
            .hint_if(Kind::Mismatch, "DIR is relative to the served root: resolve root.join(DIR). An empty folder \
                     answers `(empty)`. `docs/..` is still inside the root, so refusing every path with `..` in it \
                     is too strict."),
        Case::new("a symlink that stays inside the root can be listed", symlink_inside_is_listed)
            .hint_if(Kind::Mismatch, "A link inside the root that points to a folder inside the root is fine: check \
                     where the path really leads (fs::canonicalize), not what it looks like."),
        Case::new("ls refuses .., ../.. and paths that climb out through a folder", dot_dot_is_refused)
            .hint_if(Kind::Mismatch, "The classic path traversal bug: root.join(\"../..\") leads out of the root. \
                     Canonicalize root.join(DIR) and refuse it unless it starts_with the canonical root: \
                     `error: DIR is outside the served directory`."),
        Case::new("ls refuses an absolute path", absolute_path_is_refused)
            .hint_if(Kind::Mismatch, "Path::join with an absolute path REPLACES the root: root.join(\"/etc\") is \
                     /etc. Refuse absolute paths (or check where the joined path leads)."),
        Case::new("ls refuses a symlink that leads out of the root", symlink_out_is_refused)
            .hint_if(Kind::Mismatch, "A symlink inside the root may point anywhere, and its name contains no `..`. \
                     Only the file system knows where it leads: fs::canonicalize resolves every link, then check \
                     Path::starts_with(root). Comparing strings is wrong: /srv/root-backup starts with the string \
                     /srv/root."),
        Case::new("a path out of the root gets the same refusal whether or not it exists", refusal_reveals_nothing)
            .hint_if(Kind::Mismatch, "Answering `no such directory` for ../missing but `outside` for ../existing \
                     tells a client what exists outside the root. Refuse absolute paths and paths whose `..`s climb \
                     above their start before asking the disk."),
        Case::new("ls answers a missing folder and a file with one error line each", ls_errors_are_lines)
            .hint_if(Kind::Mismatch, "Every command gets exactly one reply line, errors included: \
                     `error: no such directory: DIR` and `error: not a directory: DIR` (`file/x` is a missing \
                     folder: canonicalize says NotADirectory)."),
        Case::new("ls of a symlink loop answers `error: cannot list DIR: <reason>`", symlink_loop_cannot_be_listed)
            .hint_if(Kind::Mismatch, "Any other error of the file system (a symlink loop, permission denied) is \
                     LsError::Io: answer `error: cannot list DIR: <the io::Error>` in one line."),
        Case::new("a file name with a tab or a newline stays inside its one reply line", odd_names_stay_on_one_line)
            .hint_if(Kind::Mismatch, "A file name may contain a newline, which would end the reply early and shift \
                     every later reply by one. Write control characters escaped (char::escape_default)."),
        Case::new("date answers the current local time in ctime format", date_is_ctime)
            .hint_if(Kind::Mismatch, "`date` answers like C's ctime(): `Sun Nov  2 03:10:00 2026` (the day padded \
                     with a space); ctime() is given."),
        Case::new("os answers the name of the operating system", os_is_answered)
            .hint_if(Kind::Mismatch, "`os` answers std::env::consts::OS, e.g. `linux`."),
        Case::new("an unknown command or an empty line gets a polite error line", unknown_commands_are_answered)
            .hint_if(Kind::Mismatch, "Anything that is not a command still gets its line, the empty line too: \
                     `error: unknown command \"X\"; try date, os, ls or ls DIR`."),
        Case::new("commands with \\r\\n line ends and surrounding spaces are understood", crlf_and_spaces_are_understood)
            .hint_if(Kind::Mismatch, "The given loop strips \\r\\n and trims the command; in `ls   DIR`, trim the \
                     spaces around DIR too."),
        Case::new("several commands in one write get one reply each, in order", many_commands_in_one_write)
            .hint_if(Kind::Mismatch, "The given loop answers each line with one line: a reply that contains a \\n of \
                     its own shifts every later reply by one."),
        Case::new("a command split over several writes is answered once, whole", split_command_is_answered_whole)
            .hint_if(Kind::Mismatch, "The given loop buffers up to the newline (read_line in line.rs): if it was \
                     changed, one read is no longer taken for one message?"),
        Case::new("non-UTF-8 bytes get an error line and the connection goes on", garbage_gets_an_error_line)
            .hint_if(Kind::Mismatch, "Bytes that are not UTF-8 get `error: commands must be UTF-8 text` from the \
                     given loop, and the next line is read as usual.")
            .hint_if(Kind::Closed, "Bytes that are not UTF-8 must not end the connection: String::from_utf8 fails \
                     on them, and returning that error with `?` ends the client's thread. Answer the line with \
                     `error: commands must be UTF-8 text` (the given loop does) and read the next one."),
        Case::new("an over-long command is refused, the connection closed, and the server goes on", over_long_command_is_refused)
            .hint_if(Kind::Mismatch, "A peer that never sends a newline must not fill the server's memory: the given \
                     loop reads at most 4096 bytes per line, answers `error: command too long` and closes that \
                     connection only."),
        Case::new("two clients are served at the same time", two_clients_at_once)
            .hint_if(Kind::Timeout, "Serve each connection in its own thread (the given spawn_handler does): a server \
                     that serves one client until it leaves makes every other client wait."),
        Case::new("the server keeps serving after a client resets its connection", server_outlives_a_reset)
            .hint_if(Kind::Unreachable, "A reset connection is an error on that connection only: end its thread, \
                     keep accepting others. Never unwrap an I/O result in the server."),
        Case::new("the client sends each stdin line and prints the one reply line", client_sends_and_prints)
            .hint_if(Kind::Timeout, "For each line of stdin, the empty one too: send it with its \\n in one \
                     write_all, read ONE reply line, print it and flush.")
            .hint_if(Kind::Mismatch, "Send each line exactly as typed; print the reply as it is (tabs included) on \
                     stdout. Status messages belong on stderr."),
        Case::new("the client prints a reply that arrives in pieces as one line", client_reassembles_replies)
            .hint_if(Kind::Mismatch, "A reply may take several reads to arrive: read up to the newline (the given \
                     crate::line::read_line on a BufReader), not one read()."),
        Case::new("the client exits with status 0 at the end of its input", client_exits_at_end_of_input)
            .hint_if(Kind::Timeout, "When stdin ends (Ctrl-D), return Ok: dropping the stream closes the \
                     connection.")
            .hint_if(Kind::Mismatch, "The end of stdin is the normal end of a session: exit status 0."),
        Case::new("the client reports a server that hangs up with an error line and a failure status", client_reports_lost_server)
            .hint("A read of 0 bytes while waiting for a reply means the server has gone: return the error \
                   `server closed the connection` (main prints `error: …` on stderr and exits with 1), no panic."),
        Case::new("the client reports a refused connection with an error line, not a panic", client_reports_refused_connection)
            .hint("Connecting can fail: return the error with context (`cannot connect to HOST:PORT`), so main \
                   prints one `error: …` line and exits with status 1."),
        Case::new("one client's unfinished command does not hold up another client", unfinished_command_holds_up_nobody)
            .hint_if(Kind::Timeout, "Each connection waits for its own line on its own thread: nothing shared (a \
                     lock, a single reading loop) may be held while one client's line is half-arrived.")
            .hint_if(Kind::Mismatch, "The first client's command came in two parts, with another client served in \
                     between: it is still one command, answered once, whole."),
        Case::new("many clients listing different folders at once each get their own folder", many_clients_list_their_own)
            .hint_if(Kind::Mismatch, "The current directory belongs to the whole process, not to a thread: \
                     set_current_dir in one client's thread moves every other thread too. Never change it in a \
                     server; join the path onto the root instead."),
        Case::new("a client that shuts down its sending side still gets every reply", half_closed_client_gets_replies)
            .hint("`printf 'ls\\nos' | nc -N` sends its commands, the last one without \\n, then shuts down its \
                   sending side and still reads. Answer every command that came, the last one too (read_line \
                   returns it without its \\n), then close at the end of the stream."),
        Case::new("the server listens on ::1 when given --host ::1", server_listens_on_ipv6)
            .hint("Bind (host, port) as given: TcpListener::bind((host, port)) takes `::1` as it is. Parsing \
                   format!(\"{host}:{port}\") as a SocketAddr fails for IPv6 (it must be written [::1]:PORT), \
                   and an IPv4-only type (Ipv4Addr, SocketAddrV4) cannot hold it."),
        Case::new("the client reaches a server on ::1", client_reaches_ipv6)
            .hint("Connect to (host, port): TcpStream::connect((host, port)) takes `::1` as it is. Parsing \
                   format!(\"{host}:{port}\") as a SocketAddr fails for IPv6 (it must be written [::1]:PORT), \
                   and an IPv4-only type (Ipv4Addr, SocketAddrV4) cannot hold it."),
        Case::new("the client tries the next address when the first one refuses", client_tries_next_address)
            .hint("A host name may resolve to several addresses (localhost: ::1, then 127.0.0.1) and the first \
                   may refuse: TcpStream::connect((host, port)) tries each in turn; connecting to the first of \
                   to_socket_addrs() only does not."),
        Case::new("the client waits through a reply that stalls midway", client_waits_through_a_stall)
            .hint("A reply may stall in the middle for a second or more (a big listing, a busy server): no read \
                   timeout may cut it. Wait for the \\n."),
        Case::new("a client whose stdout is closed stops with an error naming stdout", client_stops_when_stdout_closed)
            .hint("When stdout is closed (`client | head -1`), println! panics. Write with write_all and return \
                   the error with the context `cannot write to stdout`: main prints one `error:` line and exits \
                   with 1. It is not the server's fault: not `server closed the connection`."),
        Case::new("the server and the client work with their stderr closed", work_with_stderr_closed)
            .hint("Nobody reads the log, and writing it fails: eprintln! then panics. Write status lines with \
                   note! (it drops a line it cannot write): the program must go on."),
        Case::new("a client and the server hold a typical session", typical_session),
    ])
}

/// The tree a case serves. Every name ends in the same varied word, so nothing can be
/// hard-coded, and starts with a fixed prefix, so the sorted order is known.
struct Tree {
    /// A file whose capital letter sorts it first bytewise, last case-insensitively.
    notes: String,
    /// A symlink inside the root that leads out, to `secret`.
    away: String,
    /// A symlink inside the root that leads out to `root-backup`, a folder whose path
    /// starts with the root's path as a string (but not as a path).
    backup: String,
    /// A folder holding `readme` and the folder `img`.
    docs: String,
    readme: String,
    /// A folder inside `docs` holding `photo`.
    img: String,
    photo: String,
    /// An empty folder.
    empty: String,
    /// A symlink inside the root to `docs`.
    inside: String,
    /// A plain file.
    todo: String,
    /// A name that exists nowhere.
    missing: String,
    /// A folder beside the root (outside it), holding `diary`.
    secret: String,
    /// Names outside the root that no reply may contain.
    secrets: Vec<String>,
    /// The absolute path of the case's folder, which holds `root/` and the secrets.
    base: String,
}

impl Tree {
    /// What `ls` answers for the root.
    fn root_listing(&self) -> String {
        let Tree {
            notes,
            away,
            backup,
            docs,
            empty,
            inside,
            todo,
            ..
        } = self;
        format!("{notes}\t{away}/\t{backup}/\t{docs}/\t{empty}/\t{inside}/\t{todo}")
    }

    /// What `ls docs` answers.
    fn docs_listing(&self) -> String {
        format!("{}/\t{}", self.img, self.readme)
    }

    /// Fails if `reply` names something outside the root that `command` did not name.
    fn check_no_leak(&self, command: &str, reply: &str) -> Outcome {
        for secret in &self.secrets {
            if reply.contains(secret.as_str()) && !command.contains(secret.as_str()) {
                return Err(Failure::mismatch(
                    format!(
                        "the reply to `{command}` names `{secret}`, which lies OUTSIDE the served root: the server \
                         showed a folder it must never show"
                    ),
                    "nothing from outside the root",
                    reply,
                ));
            }
        }
        Ok(())
    }
}

/// Builds `root/` and its outside neighbours in the case's folder.
fn build_tree(t: &mut Session) -> Outcome<Tree> {
    let w = t.word();
    let name = |prefix: &str| format!("{prefix}-{w}");
    let tree = Tree {
        notes: name("Notes"),
        away: name("away"),
        backup: name("backup"),
        docs: name("docs"),
        readme: name("readme"),
        img: name("img"),
        photo: name("photo"),
        empty: name("empty"),
        inside: name("inside"),
        todo: name("todo"),
        missing: name("missing"),
        secret: name("secret"),
        secrets: vec![
            name("secret"),
            name("diary"),
            name("password"),
            name("root-backup"),
            name("keys"),
        ],
        base: t.dir().display().to_string(),
    };
    let base = t.dir();
    let root = base.join("root");
    std::fs::create_dir_all(root.join(&tree.docs).join(&tree.img))?;
    std::fs::create_dir(root.join(&tree.empty))?;
    std::fs::write(root.join(&tree.notes), "notes\n")?;
    std::fs::write(root.join(&tree.todo), "todo\n")?;
    std::fs::write(root.join(&tree.docs).join(&tree.readme), "readme\n")?;
    std::fs::write(
        root.join(&tree.docs).join(&tree.img).join(&tree.photo),
        "photo\n",
    )?;
    symlink(&tree.docs, root.join(&tree.inside))?;
    std::fs::create_dir(base.join(&tree.secret))?;
    std::fs::write(base.join(&tree.secret).join(name("diary")), "secret\n")?;
    std::fs::write(base.join(name("password")), "secret\n")?;
    symlink(base.join(&tree.secret), root.join(&tree.away))?;
    let twin = base.join(name("root-backup"));
    std::fs::create_dir(&twin)?;
    std::fs::write(twin.join(name("keys")), "secret\n")?;
    symlink(&twin, root.join(&tree.backup))?;
    t.note("serving root/; beside it (outside the root) lie secrets no reply may name");
    Ok(tree)
}

/// Builds the tree and starts the server on it, with `root` as the served folder.
fn serve(t: &mut Session) -> Outcome<(Program, SocketAddr, Tree)> {
    let tree = build_tree(t)?;
    let (server, addr) = t.start_server("server", &["server", "--port", "0", "--root", "root"])?;
    Ok((server, addr, tree))
}

/// Sends `command` and returns its reply line (escaped as the transcript shows it),
/// failing at once if the reply names anything outside the root.
fn ask(tcp: &mut StreamPeer, tree: &Tree, command: &str) -> Outcome<String> {
    tcp.send_line(command)?;
    let reply = tcp.read_line()?;
    tree.check_no_leak(command, &reply)?;
    Ok(reply)
}

/// Sends `command` and checks its reply is exactly `expected` (tabs and all).
fn expect_reply(tcp: &mut StreamPeer, tree: &Tree, command: &str, expected: &str) -> Outcome {
    let reply = ask(tcp, tree, command)?;
    same_reply(command, expected, &reply)
}

/// Compares a reply line with the expected text, which is escaped as replies are.
fn same_reply(command: &str, expected: &str, reply: &str) -> Outcome {
    let expected = escape(expected.as_bytes());
    if reply == expected {
        Ok(())
    } else {
        Err(Failure::mismatch(
            format!("the reply to `{command}` is not the expected line"),
            expected,
            reply,
        ))
    }
}

/// Sends `ls DIR` and checks the server refuses it as outside the root.
fn expect_refused(tcp: &mut StreamPeer, tree: &Tree, dir: &str) -> Outcome {
    let reply = ask(tcp, tree, &format!("ls {dir}"))?;
    let expected = format!("error: {dir} is outside the served directory");
    if reply == escape(expected.as_bytes()) {
        return Ok(());
    }
    let summary = if reply.starts_with("error:") {
        format!(
            "`ls {dir}` leads outside the served root and must be refused with the outside error"
        )
    } else {
        format!(
            "the server listed `{dir}`, which leads OUTSIDE the served root: a client could list any folder \
             of the machine this way"
        )
    };
    Err(Failure::mismatch(summary, expected, reply))
}

/// The error line `ls DIR` gets for a missing folder.
fn no_such(dir: &str) -> String {
    format!("error: no such directory: {dir}")
}

/// The polite answer to a command the server does not know.
fn unknown(command: &str) -> String {
    format!("error: unknown command \"{command}\"; try date, os, ls or ls DIR")
}

fn ls_lists_the_root(t: &mut Session) -> Outcome {
    let (_server, addr, tree) = serve(t)?;
    let mut tcp = t.connect(addr)?;
    expect_reply(&mut tcp, &tree, "ls", &tree.root_listing())
}

fn ls_lists_folders_inside(t: &mut Session) -> Outcome {
    let (_server, addr, tree) = serve(t)?;
    let mut tcp = t.connect(addr)?;
    let docs = &tree.docs;
    expect_reply(&mut tcp, &tree, &format!("ls {docs}"), &tree.docs_listing())?;
    expect_reply(
        &mut tcp,
        &tree,
        &format!("ls {docs}/{}", tree.img),
        &tree.photo,
    )?;
    expect_reply(&mut tcp, &tree, &format!("ls {}", tree.empty), "(empty)")?;
    expect_reply(
        &mut tcp,
        &tree,
        &format!("ls ./{docs}/"),
        &tree.docs_listing(),
    )?;
    t.note("docs/.. climbs back to the root, which is still inside");
    expect_reply(
        &mut tcp,
        &tree,
        &format!("ls {docs}/.."),
        &tree.root_listing(),
    )?;
    expect_reply(&mut tcp, &tree, "ls .", &tree.root_listing())
}

fn symlink_inside_is_listed(t: &mut Session) -> Outcome {
    let (_server, addr, tree) = serve(t)?;
    let mut tcp = t.connect(addr)?;
    t.note("inside is a symlink to docs, within the root");
    expect_reply(
        &mut tcp,
        &tree,
        &format!("ls {}", tree.inside),
        &tree.docs_listing(),
    )?;
    expect_reply(
        &mut tcp,
        &tree,
        &format!("ls {}/{}", tree.inside, tree.img),
        &tree.photo,
    )
}

fn dot_dot_is_refused(t: &mut Session) -> Outcome {
    let (_server, addr, tree) = serve(t)?;
    let mut tcp = t.connect(addr)?;
    expect_refused(&mut tcp, &tree, "..")?;
    expect_refused(&mut tcp, &tree, "../..")?;
    expect_refused(&mut tcp, &tree, &format!("{}/../..", tree.docs))?;
    expect_refused(
        &mut tcp,
        &tree,
        &format!("{}/../../{}", tree.docs, tree.secret),
    )?;
    expect_refused(&mut tcp, &tree, &format!("{}/../..", tree.inside))?;
    t.note("the refusals must not end the connection");
    expect_reply(
        &mut tcp,
        &tree,
        &format!("ls {}", tree.docs),
        &tree.docs_listing(),
    )
}

fn absolute_path_is_refused(t: &mut Session) -> Outcome {
    let (_server, addr, tree) = serve(t)?;
    let mut tcp = t.connect(addr)?;
    expect_refused(&mut tcp, &tree, "/")?;
    expect_refused(&mut tcp, &tree, &format!("{}/{}", tree.base, tree.secret))?;
    expect_refused(&mut tcp, &tree, &tree.base)
}

fn symlink_out_is_refused(t: &mut Session) -> Outcome {
    let (_server, addr, tree) = serve(t)?;
    let mut tcp = t.connect(addr)?;
    t.note("away is a symlink inside the root to a folder outside it");
    expect_refused(&mut tcp, &tree, &tree.away)?;
    t.note(
        "backup leads to root-backup, beside the root: its path starts with the root's as a string",
    );
    expect_refused(&mut tcp, &tree, &tree.backup)?;
    expect_refused(&mut tcp, &tree, &format!("{}/", tree.away))?;
    expect_refused(&mut tcp, &tree, &format!("./{}/.", tree.away))?;
    t.note(
        "away/.. is the folder that holds the secrets: whatever the reply, it must not show them",
    );
    ask(&mut tcp, &tree, &format!("ls {}/..", tree.away))?;
    expect_reply(
        &mut tcp,
        &tree,
        &format!("ls {}", tree.inside),
        &tree.docs_listing(),
    )
}

fn refusal_reveals_nothing(t: &mut Session) -> Outcome {
    let (_server, addr, tree) = serve(t)?;
    let mut tcp = t.connect(addr)?;
    t.note("one of these exists outside the root, the other does not: the replies must not tell");
    expect_refused(&mut tcp, &tree, &format!("../{}", tree.secret))?;
    expect_refused(&mut tcp, &tree, &format!("../{}", tree.missing))?;
    expect_refused(&mut tcp, &tree, &format!("/{}", tree.missing))
}

fn ls_errors_are_lines(t: &mut Session) -> Outcome {
    let (mut server, addr, tree) = serve(t)?;
    let mut tcp = t.connect(addr)?;
    let missing = &tree.missing;
    expect_reply(&mut tcp, &tree, &format!("ls {missing}"), &no_such(missing))?;
    let notes = &tree.notes;
    expect_reply(
        &mut tcp,
        &tree,
        &format!("ls {notes}"),
        &format!("error: not a directory: {notes}"),
    )?;
    let readme = format!("{}/{}", tree.docs, tree.readme);
    expect_reply(
        &mut tcp,
        &tree,
        &format!("ls {readme}"),
        &format!("error: not a directory: {readme}"),
    )?;
    expect_reply(&mut tcp, &tree, "ls", &tree.root_listing())?;
    server.expect_running()
}

fn symlink_loop_cannot_be_listed(t: &mut Session) -> Outcome {
    let (mut server, addr, tree) = serve(t)?;
    let looped = format!("loop-{}", t.word());
    t.note(&format!("root/{looped} is a symlink to itself"));
    symlink(&looped, t.dir().join("root").join(&looped))?;
    let mut tcp = t.connect(addr)?;
    let reply = ask(&mut tcp, &tree, &format!("ls {looped}"))?;
    check_match(
        &reply,
        &format!("error: cannot list {looped}: .+"),
        &format!("error: cannot list {looped}: <reason>"),
    )?;
    expect_reply(&mut tcp, &tree, "os", std::env::consts::OS)?;
    server.expect_running()
}

fn odd_names_stay_on_one_line(t: &mut Session) -> Outcome {
    let (_server, addr, tree) = serve(t)?;
    let w = t.word();
    let odd = format!("odd-{w}");
    let folder = t.dir().join("root").join(&odd);
    std::fs::create_dir(&folder)?;
    std::fs::write(folder.join(format!("line\nbreak-{w}")), "")?;
    std::fs::write(folder.join(format!("tab\tstop-{w}")), "")?;
    t.note("odd/ holds a file whose name has a newline and one whose name has a tab");
    let mut tcp = t.connect(addr)?;
    let expected = format!("line\\nbreak-{w}\ttab\\tstop-{w}");
    expect_reply(&mut tcp, &tree, &format!("ls {odd}"), &expected)?;
    t.note("the next reply must answer the next command, not the rest of a name");
    expect_reply(&mut tcp, &tree, "os", std::env::consts::OS)
}

fn date_is_ctime(t: &mut Session) -> Outcome {
    let (_server, addr, tree) = serve(t)?;
    let mut tcp = t.connect(addr)?;
    let reply = ask(&mut tcp, &tree, "date")?;
    check_is_now(&reply)
}

fn os_is_answered(t: &mut Session) -> Outcome {
    let (_server, addr, tree) = serve(t)?;
    let mut tcp = t.connect(addr)?;
    expect_reply(&mut tcp, &tree, "os", std::env::consts::OS)
}

fn unknown_commands_are_answered(t: &mut Session) -> Outcome {
    let (mut server, addr, tree) = serve(t)?;
    let mut tcp = t.connect(addr)?;
    let word = t.word();
    expect_reply(&mut tcp, &tree, &word, &unknown(&word))?;
    expect_reply(&mut tcp, &tree, "help", &unknown("help"))?;
    expect_reply(&mut tcp, &tree, "", &unknown(""))?;
    expect_reply(&mut tcp, &tree, "os", std::env::consts::OS)?;
    server.expect_running()
}

fn crlf_and_spaces_are_understood(t: &mut Session) -> Outcome {
    let (_server, addr, tree) = serve(t)?;
    let mut tcp = t.connect(addr)?;
    let docs = &tree.docs;
    let os = std::env::consts::OS;
    tcp.send_line_crlf("os")?;
    same_reply("os\\r\\n", os, &tcp.read_line()?)?;
    tcp.send_line_crlf(&format!("ls {docs}"))?;
    same_reply(
        &format!("ls {docs}\\r\\n"),
        &tree.docs_listing(),
        &tcp.read_line()?,
    )?;
    tcp.send_line(&format!("   ls   {docs}   "))?;
    same_reply(
        &format!("   ls   {docs}   "),
        &tree.docs_listing(),
        &tcp.read_line()?,
    )?;
    tcp.send_line_crlf("  os ")?;
    same_reply("  os \\r\\n", os, &tcp.read_line()?)
}

fn many_commands_in_one_write(t: &mut Session) -> Outcome {
    let (_server, addr, tree) = serve(t)?;
    let mut tcp = t.connect(addr)?;
    let word = t.word();
    let docs = &tree.docs;
    expect_reply(&mut tcp, &tree, &format!("ls {}", tree.empty), "(empty)")?;
    t.note("after a quiet spell, five commands in one write: each is answered at once");
    let ls_docs = format!("ls {docs}");
    tcp.send_burst(&["os", &ls_docs, &word, "ls", "date"])?;
    same_reply("os", std::env::consts::OS, &tcp.read_line()?)?;
    same_reply(
        &format!("ls {docs}"),
        &tree.docs_listing(),
        &tcp.read_line()?,
    )?;
    same_reply(&word, &unknown(&word), &tcp.read_line()?)?;
    same_reply("ls", &tree.root_listing(), &tcp.read_line()?)?;
    check_is_now(&tcp.read_line()?)
}

fn split_command_is_answered_whole(t: &mut Session) -> Outcome {
    let (_server, addr, tree) = serve(t)?;
    let mut tcp = t.connect(addr)?;
    let docs = &tree.docs;
    let bytes = format!("ls {docs}\nos\nls {}\n", tree.empty);
    let cuts = t.cuts(bytes.len(), 5);
    tcp.send_in_pieces(bytes.as_bytes(), &cuts)?;
    same_reply(
        &format!("ls {docs}"),
        &tree.docs_listing(),
        &tcp.read_line()?,
    )?;
    same_reply("os", std::env::consts::OS, &tcp.read_line()?)?;
    same_reply(&format!("ls {}", tree.empty), "(empty)", &tcp.read_line()?)?;
    tcp.send_slowly(format!("ls {}\n", tree.inside).as_bytes())?;
    same_reply(
        &format!("ls {}", tree.inside),
        &tree.docs_listing(),
        &tcp.read_line()?,
    )?;
    t.note("nothing more was asked, so nothing more may come");
    tcp.expect_silence(Duration::from_millis(100))
}

fn garbage_gets_an_error_line(t: &mut Session) -> Outcome {
    let (mut server, addr, tree) = serve(t)?;
    let mut tcp = t.connect(addr)?;
    tcp.send_bytes(b"ls \xff\xfe\xc3(\n")?;
    same_reply(
        "ls \\xff\\xfe\\xc3(",
        "error: commands must be UTF-8 text",
        &tcp.read_line()?,
    )?;
    tcp.send_bytes(b"\x80\n")?;
    same_reply(
        "\\x80",
        "error: commands must be UTF-8 text",
        &tcp.read_line()?,
    )?;
    expect_reply(&mut tcp, &tree, "os", std::env::consts::OS)?;
    server.expect_running()
}

fn over_long_command_is_refused(t: &mut Session) -> Outcome {
    let (mut server, addr, tree) = serve(t)?;
    let mut tcp = t.connect(addr)?;
    let word = t.word();
    let long = format!("ls {}", word.repeat(10_000 / word.len()));
    t.note("a command of about 10 000 bytes, far over the 4096-byte limit");
    tcp.send_bytes(format!("{long}\n").as_bytes())?;
    same_reply(
        "ls <10 000 bytes>",
        "error: command too long",
        &tcp.read_line()?,
    )?;
    tcp.expect_closed()?;
    let mut next = t.connect(addr)?;
    expect_reply(&mut next, &tree, "os", std::env::consts::OS)?;
    server.expect_running()
}

fn two_clients_at_once(t: &mut Session) -> Outcome {
    let (_server, addr, tree) = serve(t)?;
    let mut first = t.connect(addr)?;
    expect_reply(&mut first, &tree, "os", std::env::consts::OS)?;
    t.note("the first client stays connected, silent, while a second one asks");
    let mut second = t.connect(addr)?;
    expect_reply(
        &mut second,
        &tree,
        &format!("ls {}", tree.docs),
        &tree.docs_listing(),
    )?;
    expect_reply(&mut first, &tree, &format!("ls {}", tree.empty), "(empty)")?;
    expect_reply(&mut second, &tree, "os", std::env::consts::OS)
}

fn server_outlives_a_reset(t: &mut Session) -> Outcome {
    let (mut server, addr, tree) = serve(t)?;
    let mut first = t.connect(addr)?;
    expect_reply(&mut first, &tree, "ls", &tree.root_listing())?;
    first.send_line(&format!("ls {}", tree.docs))?;
    first.reset();
    let mut second = t.connect(addr)?;
    second.send_bytes(b"ls ")?;
    second.reset();
    let mut third = t.connect(addr)?;
    expect_reply(
        &mut third,
        &tree,
        &format!("ls {}", tree.docs),
        &tree.docs_listing(),
    )?;
    expect_reply(&mut third, &tree, "os", std::env::consts::OS)?;
    server.expect_running()
}

/// Checks the client printed `reply` as its next stdout line.
fn expect_printed(client: &mut Program, reply: &str) -> Outcome {
    client.expect_line(&escape(reply.as_bytes()))
}

/// Waits for a program to fail the way the course asks (the harness's error exit: a
/// non-zero status, no panic, one `error:` line), and beyond that, checks the line
/// starts `error: ` with its space.
fn expect_error_exit(program: &mut Program) -> Outcome {
    let line = program.expect_error_exit(None)?;
    if line.starts_with("error: ") {
        Ok(())
    } else {
        Err(Failure::mismatch(
            "the error must be reported as one `error: …` line on stderr",
            "error: …",
            line,
        ))
    }
}

fn client_sends_and_prints(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["client"])?;
    let (dir, first, second) = (t.word(), t.word(), t.word());
    client.send_line(&format!("ls {dir}"))?;
    tcp.expect_line(&format!("ls {dir}"))?;
    let listing = format!("{first}\t{second}/");
    tcp.send_line(&listing)?;
    expect_printed(&mut client, &listing)?;
    client.send_line("date")?;
    tcp.expect_line("date")?;
    tcp.send_line(&first)?;
    expect_printed(&mut client, &first)?;
    t.note("an empty line is a command too, and gets its reply");
    client.send_line("")?;
    tcp.expect_line("")?;
    tcp.send_line(&second)?;
    expect_printed(&mut client, &second)
}

fn client_reassembles_replies(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["client"])?;
    client.send_line("ls")?;
    tcp.expect_line("ls")?;
    let listing = format!("{}\t{}/\t{}", t.word(), t.word(), t.word());
    let bytes = format!("{listing}\n");
    let cuts = t.cuts(bytes.len(), 4);
    tcp.send_in_pieces(bytes.as_bytes(), &cuts)?;
    expect_printed(&mut client, &listing)?;
    client.send_line("os")?;
    tcp.expect_line("os")?;
    let os = t.word();
    tcp.send_slowly(format!("{os}\n").as_bytes())?;
    expect_printed(&mut client, &os)
}

fn client_exits_at_end_of_input(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["client"])?;
    client.send_line("os")?;
    tcp.expect_line("os")?;
    let os = t.word();
    tcp.send_line(&os)?;
    expect_printed(&mut client, &os)?;
    client.close_stdin();
    tcp.expect_closed()?;
    client.expect_success()
}

fn client_reports_lost_server(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["client"])?;
    client.send_line("date")?;
    tcp.expect_line("date")?;
    t.note("the server hangs up instead of answering");
    tcp.close();
    expect_error_exit(&mut client)
}

fn client_reports_refused_connection(t: &mut Session) -> Outcome {
    let addr = t.refused_addr()?;
    let (host, port) = (addr.ip().to_string(), addr.port().to_string());
    let mut client = t.start("client", &["client", "--host", &host, "--port", &port])?;
    expect_error_exit(&mut client)
}

fn typical_session(t: &mut Session) -> Outcome {
    let (mut server, addr, tree) = serve(t)?;
    t.normalise(&format!("^{}$", std::env::consts::OS), "<os>")?;
    let port = addr.port().to_string();
    let mut client = t.start(
        "client",
        &["client", "--host", "127.0.0.1", "--port", &port],
    )?;
    let exchanges = [
        ("date".to_string(), None),
        ("os".to_string(), Some(std::env::consts::OS.to_string())),
        ("ls".to_string(), Some(tree.root_listing())),
        (format!("ls {}", tree.docs), Some(tree.docs_listing())),
        (format!("ls {}", tree.inside), Some(tree.docs_listing())),
        (format!("ls {}", tree.empty), Some("(empty)".to_string())),
        (
            "ls ..".to_string(),
            Some("error: .. is outside the served directory".to_string()),
        ),
        (
            format!("ls {}", tree.away),
            Some(format!(
                "error: {} is outside the served directory",
                tree.away
            )),
        ),
        (format!("ls {}", tree.missing), Some(no_such(&tree.missing))),
        ("help".to_string(), Some(unknown("help"))),
    ];
    for (command, reply) in &exchanges {
        client.send_line(command)?;
        let line = client.read_line()?;
        tree.check_no_leak(command, &line)?;
        match reply {
            Some(reply) => same_reply(command, reply, &line)?,
            None => check_is_now(&line)?,
        }
    }
    client.close_stdin();
    client.expect_success()?;
    server.expect_running()?;
    t.snapshot("session")
}

/// Checks `reply` is the current time in ctime format, in some time zone (the server's
/// local zone is not the test's business, but zones are whole quarter hours from UTC).
fn check_is_now(reply: &str) -> Outcome {
    let format_error = || {
        Failure::mismatch(
            "`date` must answer the time the way ctime() writes it",
            "Www Mmm dd hh:mm:ss yyyy, e.g. `Sun Nov  2 03:10:00 2026`",
            reply,
        )
    };
    let stamp = parse_ctime(reply).ok_or_else(format_error)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| Failure::new(e.to_string()))?
        .as_secs() as i64;
    let offset = stamp - now;
    let off_quarter = offset.rem_euclid(900).min(900 - offset.rem_euclid(900));
    ensure(
        offset.abs() <= 14 * 3600 + 60 && off_quarter <= 10,
        format!("`date` answered `{reply}`, which is not the current time in any time zone"),
    )
}

/// Reads a ctime string as seconds since 1970 (as if the time were UTC), or `None` if
/// it is not exactly in ctime's format, its weekday included.
fn parse_ctime(text: &str) -> Option<i64> {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    if text.len() != 24 || !text.is_ascii() {
        return None;
    }
    let at = |i: usize| &text[i..i + 1];
    if [3, 7, 10, 19].iter().any(|&i| at(i) != " ") || at(13) != ":" || at(16) != ":" {
        return None;
    }
    let weekday = DAYS.iter().position(|d| *d == &text[0..3])? as i64;
    let month = MONTHS.iter().position(|m| *m == &text[4..7])? as i64 + 1;
    let day = match at(8) {
        " " => number(&text[9..10])?,
        "0" => return None,
        _ => number(&text[8..10])?,
    };
    let (hour, minute, second) = (
        number(&text[11..13])?,
        number(&text[14..16])?,
        number(&text[17..19])?,
    );
    let year = number(&text[20..24])?;
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if (days + 4).rem_euclid(7) != weekday {
        return None; // 1970-01-01 was a Thursday
    }
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// A field of ASCII digits as a number.
fn number(digits: &str) -> Option<i64> {
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()
    } else {
        None
    }
}

/// Days from 1970-01-01 to the given date of the Gregorian calendar (H. Hinnant's
/// algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn unfinished_command_holds_up_nobody(t: &mut Session) -> Outcome {
    let (_server, addr, tree) = serve(t)?;
    let mut first = t.connect(addr)?;
    let mut second = t.connect(addr)?;
    let command = format!("ls {}", tree.docs);
    let (start, rest) = command.split_at(4);
    first.send_unfinished(start.as_bytes())?;
    t.note("while the first client's command is half-arrived, a second client asks, three times");
    expect_reply(&mut second, &tree, &format!("ls {}", tree.empty), "(empty)")?;
    expect_reply(&mut second, &tree, "os", std::env::consts::OS)?;
    expect_reply(&mut second, &tree, &format!("ls {}", tree.empty), "(empty)")?;
    first.send_bytes(format!("{rest}\n").as_bytes())?;
    same_reply(&command, &tree.docs_listing(), &first.read_line()?)?;
    t.note("then the two take turns: each is answered while the other waits for its next line");
    for _ in 0..3 {
        expect_reply(&mut second, &tree, "os", std::env::consts::OS)?;
        expect_reply(&mut first, &tree, "os", std::env::consts::OS)?;
    }
    Ok(())
}

fn many_clients_list_their_own(t: &mut Session) -> Outcome {
    let (mut server, addr, tree) = serve(t)?;
    const CLIENTS: usize = 8;
    const ROUNDS: usize = 4;
    let w = t.word();
    let mut folders = Vec::new();
    for i in 0..CLIENTS {
        let folder = format!("many{i}-{w}");
        let path = t.dir().join("root").join(&folder);
        std::fs::create_dir(&path)?;
        let mut names = Vec::new();
        for j in 0..150 {
            let name = format!("f{j:03}-{i}-{w}");
            std::fs::write(path.join(&name), "")?;
            names.push(name);
        }
        for j in 0..10 {
            let name = format!("sub{j}-{i}-{w}");
            std::fs::create_dir(path.join(&name))?;
            names.push(format!("{name}/"));
        }
        names.sort();
        folders.push((folder, names.join("\t")));
    }
    t.note(&format!(
        "{CLIENTS} folders, each with its own 160 entries; one client per folder"
    ));
    let mut clients = t.connect_many(addr, CLIENTS)?;
    for round in 0..ROUNDS {
        t.note(&format!(
            "round {}: every client asks before any reply is read",
            round + 1
        ));
        for (client, (folder, _)) in clients.iter_mut().zip(&folders) {
            client.send_line(&format!("ls {folder}"))?;
        }
        for (client, (folder, listing)) in clients.iter_mut().zip(&folders) {
            let reply = client.read_line()?;
            tree.check_no_leak(folder, &reply)?;
            same_reply(&format!("ls {folder}"), listing, &reply)?;
        }
    }
    server.expect_running()
}

fn half_closed_client_gets_replies(t: &mut Session) -> Outcome {
    let (mut server, addr, tree) = serve(t)?;
    let mut tcp = t.connect(addr)?;
    t.note("like `printf 'ls DOCS\\nos' | nc -N`: the last command lacks its \\n, then the sending side is shut");
    tcp.send_line(&format!("ls {}", tree.docs))?;
    tcp.send_bytes(b"os")?;
    tcp.shutdown_write()?;
    same_reply(
        &format!("ls {}", tree.docs),
        &tree.docs_listing(),
        &tcp.read_line()?,
    )?;
    same_reply("os", std::env::consts::OS, &tcp.read_line()?)?;
    tcp.expect_closed()?;
    server.expect_running()
}

fn server_listens_on_ipv6(t: &mut Session) -> Outcome {
    let tree = build_tree(t)?;
    let (_server, addr) = t.start_server(
        "server",
        &["server", "--host", "::1", "--port", "0", "--root", "root"],
    )?;
    let mut tcp = t.connect(addr)?;
    expect_reply(&mut tcp, &tree, "os", std::env::consts::OS)?;
    expect_reply(
        &mut tcp,
        &tree,
        &format!("ls {}", tree.docs),
        &tree.docs_listing(),
    )
}

/// Starts the client against `listener` with `--host HOST` and checks one exchange.
fn client_asks_via(t: &mut Session, mut listener: StreamListener, host: &str) -> Outcome {
    let port = listener.addr()?.port().to_string();
    let mut client = t.start("client", &["client", "--host", host, "--port", &port])?;
    let mut tcp = listener.accept()?;
    client.send_line("os")?;
    tcp.expect_line("os")?;
    let os = t.word();
    tcp.send_line(&os)?;
    expect_printed(&mut client, &os)?;
    client.close_stdin();
    client.expect_success()
}

fn client_reaches_ipv6(t: &mut Session) -> Outcome {
    let listener = t.listen_v6()?;
    client_asks_via(t, listener, "::1")
}

fn client_tries_next_address(t: &mut Session) -> Outcome {
    let (listener, host) = t.listen_behind_refusing_address()?;
    client_asks_via(t, listener, &host)
}

fn client_waits_through_a_stall(t: &mut Session) -> Outcome {
    let (mut client, mut tcp) = t.start_client("client", &["client"])?;
    client.send_line("ls")?;
    tcp.expect_line("ls")?;
    let listing = format!("{}\t{}/\t{}", t.word(), t.word(), t.word());
    let bytes = format!("{listing}\n");
    t.note("the reply stalls for 1.5 s in the middle");
    tcp.send_with_pause(
        bytes.as_bytes(),
        listing.len() / 2,
        Duration::from_millis(1500),
    )?;
    expect_printed(&mut client, &listing)?;
    client.send_line("os")?;
    tcp.expect_line("os")
}

fn client_stops_when_stdout_closed(t: &mut Session) -> Outcome {
    t.set_stdout(Output::Closed);
    let (mut client, mut tcp) = t.start_client("client", &["client"])?;
    t.note("the client's stdout is closed: printing the reply fails");
    client.send_line("os")?;
    tcp.expect_line("os")?;
    tcp.send_line(&t.word())?;
    client.expect_error_exit_naming(1, "stdout")?;
    Ok(())
}

fn work_with_stderr_closed(t: &mut Session) -> Outcome {
    t.set_stderr(Output::Closed);
    let (mut server, addr, tree) = serve(t)?;
    let port = addr.port().to_string();
    let mut client = t.start(
        "client",
        &["client", "--host", "127.0.0.1", "--port", &port],
    )?;
    client.send_line("os")?;
    expect_printed(&mut client, std::env::consts::OS)?;
    client.send_line(&format!("ls {}", tree.docs))?;
    expect_printed(&mut client, &tree.docs_listing())?;
    client.close_stdin();
    client.expect_success()?;
    t.note("the server noted each client coming and going, to nobody; it still serves");
    let mut tcp = t.connect(addr)?;
    expect_reply(&mut tcp, &tree, "os", std::env::consts::OS)?;
    server.expect_running()
}
