//! The client: connect to the socket file, then one line out, one line back.

use anyhow::{Context, Result, bail};
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

// ANCHOR: run
/// Connects to the server at `path`, sends each line of stdin and prints each reply.
/// Returns at the end of stdin; fails if the server is not there or hangs up.
pub fn run(path: &Path) -> Result<()> {
    let shown = path.display();
    // The only line that differs from a TCP client: connect to a path, not host:port.
    let stream = UnixStream::connect(path)
        .with_context(|| format!("cannot connect to {shown} (is the server running?)"))?;
    let mut replies = BufReader::new(&stream);
    let mut to_server = &stream;
    let mut stdout = io::stdout().lock();
    let mut reply = Vec::new();
    for line in io::stdin().lock().split(b'\n') {
        let mut line = line.context("cannot read stdin")?;
        line.push(b'\n');
        to_server
            .write_all(&line)
            .with_context(|| format!("cannot send to {shown}"))?;
        reply.clear();
        if replies.read_until(b'\n', &mut reply)? == 0 {
            bail!("the server at {shown} closed the connection");
        }
        // If nobody reads stdout any more, this fails (a broken pipe): say that it was
        // stdout, so nobody blames the server.
        stdout.write_all(&reply).context("cannot write to stdout")?;
    }
    Ok(())
}
// ANCHOR_END: run
