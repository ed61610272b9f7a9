//! The client: one command line out, one reply line back, for each line of stdin.
//!
//! Because the server answers every line with exactly one line, the client needs no
//! knowledge of the commands: it sends a line and reads a line, in lockstep.

use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;

use anyhow::{Context, Result, anyhow, bail};

use crate::line::{Line, read_line};

/// The longest reply line we accept: a big directory listing is long, but not
/// unbounded.
const MAX_REPLY: usize = 16 * 1024 * 1024;

// ANCHOR: client
/// Connects to `host:port` and, for every line of stdin until its end, sends the line
/// and prints the one reply line. Returns an error if the server goes away.
/// Replies are read with the server's own [`read_line`], so a reply that arrives in
/// pieces is still printed whole.
pub fn run(host: &str, port: u16) -> Result<()> {
    let stream = TcpStream::connect((host, port))
        .with_context(|| format!("cannot connect to {host}:{port}"))?;
    stream.set_nodelay(true)?;
    note!("connected to {}", stream.peer_addr()?);

    let mut replies = BufReader::new(stream.try_clone()?);
    let mut commands = stream;
    let mut stdin = io::stdin().lock();
    let mut stdout = io::stdout().lock();
    let mut command = Vec::new();
    loop {
        command.clear();
        if stdin.read_until(b'\n', &mut command)? == 0 {
            return Ok(()); // end of stdin
        }
        if !command.ends_with(b"\n") {
            command.push(b'\n'); // a last line without its line end
        }
        commands.write_all(&command).map_err(lost_server)?;
        match read_line(&mut replies, MAX_REPLY).map_err(lost_server)? {
            Line::Text(mut reply) => {
                reply.push(b'\n');
                // A closed stdout (`client | head -1`) is not the server's fault: say so.
                (stdout.write_all(&reply).and_then(|()| stdout.flush()))
                    .context("cannot write to stdout")?;
            }
            Line::Closed => bail!("server closed the connection"),
            Line::TooLong => bail!("the server's reply is longer than {MAX_REPLY} bytes"),
        }
    }
}
// ANCHOR_END: client

/// Explains a reset or a broken pipe: the server has gone away.
fn lost_server(err: io::Error) -> anyhow::Error {
    match err.kind() {
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => anyhow!("server closed the connection"),
        _ => anyhow::Error::new(err).context("connection to the server failed"),
    }
}
