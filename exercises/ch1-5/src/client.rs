//! The time client: a timer loop that sends the current time and prints each reply.
//!
//! Your work is `run`, marked `todo!()`; `current_time` and `read_reply` are given.

use anyhow::Context;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;

/// The longest reply read, `\n` included: a server that never ends its line must not
/// make us buffer without end.
const MAX_REPLY: usize = 64 * 1024;

/// Connects, then every `interval` sends the current time and prints the reply;
/// returns after `count` exchanges (never, without a count).
///
/// Each exchange: send `current_time()` and `\n` in one write, then print the reply
/// line (`read_reply`) on stdout. Sends are `interval` apart, the first at once, and
/// the spacing must not drift with the server's answering time. A connection that
/// cannot be made is an error that names `HOST:PORT`; `host` may be a name with
/// several addresses (`localhost`: ::1, then 127.0.0.1), or an IPv6 address.
///
/// If stdout cannot be written (nobody reads it any more: `client | head -1`), stop at
/// once with an error that names stdout, not the network — `println!` would panic.
pub async fn run(
    host: &str,
    port: u16,
    interval: Duration,
    count: Option<u64>,
) -> anyhow::Result<()> {
    todo!("send the time every interval and print each reply")
}

/// The local time to the millisecond, e.g. `2026-11-22 14:03:07.250`.
fn current_time() -> String {
    chrono::Local::now()
        .format("%Y-%m-%d %H:%M:%S%.3f")
        .to_string()
}

/// Waits for the server's next line and returns it without its line end. The server
/// closing the connection instead is an error: the exchange was cut short.
async fn read_reply(replies: &mut BufReader<OwnedReadHalf>) -> anyhow::Result<String> {
    let mut line = Vec::new();
    let read = replies
        .take(MAX_REPLY as u64)
        .read_until(b'\n', &mut line)
        .await
        .context("cannot read the server's reply")?;
    anyhow::ensure!(read > 0, "the server closed the connection");
    anyhow::ensure!(
        line.ends_with(b"\n"),
        "the server's reply did not end with a newline (closed early, or longer than {MAX_REPLY} bytes)"
    );
    let line = line.strip_suffix(b"\n").unwrap_or(&line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Ok(String::from_utf8_lossy(line).into_owned())
}
