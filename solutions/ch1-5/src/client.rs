//! The time client: a timer loop that sends the current time and prints each reply.

use anyhow::Context;
use std::io::{self, Write};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedReadHalf;
use tokio::time::MissedTickBehavior;

/// The longest reply read, `\n` included: a server that never ends its line must not
/// make us buffer without end.
const MAX_REPLY: usize = 64 * 1024;

// ANCHOR: run
/// Connects, then every `interval` sends the current time and prints the reply;
/// returns after `count` exchanges (never, without a count).
pub async fn run(
    host: &str,
    port: u16,
    interval: Duration,
    count: Option<u64>,
) -> anyhow::Result<()> {
    let stream = TcpStream::connect((host, port))
        .await
        .with_context(|| format!("cannot connect to {host}:{port}"))?;
    stream.set_nodelay(true)?;
    let (from_server, mut to_server) = stream.into_split();
    let mut replies = BufReader::new(from_server);
    // A ticker, not a sleep after each exchange: ticks stay `interval` apart however
    // long the server takes to answer. The first tick is immediate.
    let mut ticker = tokio::time::interval(interval);
    // If an answer is late, carry on from then rather than firing a burst of sends.
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut sent = 0;
    while count.is_none_or(|count| sent < count) {
        ticker.tick().await;
        let line = format!("{}\n", current_time());
        to_server
            .write_all(line.as_bytes())
            .await
            .context("cannot send to the server")?;
        sent += 1;
        let reply = read_reply(&mut replies).await?;
        // Not println!, which panics when nobody reads stdout any more (`client | head
        // -1`): a failed print is an error like any other, and it names stdout, not
        // the network. Stdout is flushed at each `\n`, so it fails at once.
        writeln!(io::stdout(), "{reply}").context("cannot write to stdout")?;
    }
    Ok(())
}
// ANCHOR_END: run

// ANCHOR: current_time
/// The local time to the millisecond, e.g. `2026-11-22 14:03:07.250`.
fn current_time() -> String {
    chrono::Local::now()
        .format("%Y-%m-%d %H:%M:%S%.3f")
        .to_string()
}
// ANCHOR_END: current_time

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
