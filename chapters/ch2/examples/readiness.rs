//! A readiness loop: one thread serves every client by asking the system which sockets
//! have something to read, and reading only those. This is the `select()` loop of the
//! chapter's Python notes, with `mio` (the crate under tokio) in place of `select`.
//!
//! Run it with `cargo run -p ch2 --example readiness`, then talk to it from two
//! terminals with `nc 127.0.0.1 9400`: it echoes each line, and a client that sends half
//! a line holds up nobody. The course's servers use threads or tokio instead, which do
//! this bookkeeping for you; this file shows what they hide.

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};

/// The token that marks the listening socket's events; clients get 1, 2, 3…
const LISTENER: Token = Token(0);

/// What the loop must remember about each client between events, since no thread holds
/// it on its stack: the socket, and the bytes of a line not finished yet.
struct Client {
    stream: TcpStream,
    unfinished: Vec<u8>,
}

// ANCHOR: serve
/// Serves every client on this one thread, forever: sleep until some socket is ready,
/// handle exactly the ready ones, repeat.
fn serve(listener: std::net::TcpListener) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut clients: HashMap<Token, Client> = HashMap::new();
    let mut events = Events::with_capacity(64);
    let mut next_token = 1;
    loop {
        // The one place the thread waits: for any of the registered sockets.
        poll.poll(&mut events, None)?;
        for event in events.iter() {
            if event.token() == LISTENER {
                accept_waiting(&mut listener, &poll, &mut clients, &mut next_token)?;
            } else if let Some(client) = clients.get_mut(&event.token())
                && !echo_ready_lines(client)
            {
                clients.remove(&event.token());
            }
        }
    }
}
// ANCHOR_END: serve

/// Accepts every connection waiting in the backlog (one readiness event may stand for
/// several) and registers each for reading.
fn accept_waiting(
    listener: &mut TcpListener,
    poll: &Poll,
    clients: &mut HashMap<Token, Client>,
    next_token: &mut usize,
) -> io::Result<()> {
    loop {
        match listener.accept() {
            Ok((mut stream, _peer)) => {
                let token = Token(*next_token);
                *next_token += 1;
                poll.registry()
                    .register(&mut stream, token, Interest::READABLE)?;
                let unfinished = Vec::new();
                clients.insert(token, Client { stream, unfinished });
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

// ANCHOR: echo
/// Reads all a ready client has sent, and echoes each complete line. Returns false when
/// the client is gone (end of stream or an error), so the loop forgets it.
///
/// The socket is non-blocking: a read returns `WouldBlock` when nothing more is there,
/// and the function must return then, or the whole server would wait on one client.
fn echo_ready_lines(client: &mut Client) -> bool {
    let mut buf = [0u8; 4096];
    loop {
        match client.stream.read(&mut buf) {
            Ok(0) => return false,
            Ok(n) => client.unfinished.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return false,
        }
    }
    while let Some(end) = client.unfinished.iter().position(|&b| b == b'\n') {
        let line: Vec<u8> = client.unfinished.drain(..=end).collect();
        // Kept short for the example: replies are small, so they fit the socket's send
        // buffer. A real server keeps what `write` could not take and registers the
        // socket for `Interest::WRITABLE` to send the rest later.
        if client.stream.write_all(&line).is_err() {
            return false;
        }
    }
    true
}
// ANCHOR_END: echo

/// Listens on 127.0.0.1:9400 and serves until killed.
fn main() -> io::Result<()> {
    let listener = std::net::TcpListener::bind("127.0.0.1:9400")?;
    println!("listening on {}", listener.local_addr()?);
    serve(listener)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;
    use std::time::Duration;

    /// A client of the example server, every read bound by a deadline.
    fn connect(addr: std::net::SocketAddr) -> std::net::TcpStream {
        let stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
    }

    fn read_line(stream: &std::net::TcpStream) -> String {
        let mut line = String::new();
        io::BufReader::new(stream).read_line(&mut line).unwrap();
        line
    }

    #[test]
    fn one_thread_serves_a_client_while_another_has_sent_half_a_line() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || serve(listener));
        let mut slow = connect(addr);
        slow.write_all(b"hel").unwrap();
        let mut quick = connect(addr);
        quick.write_all(b"hi\n").unwrap();
        assert_eq!(read_line(&quick), "hi\n", "the quick client is not held up");
        slow.write_all(b"lo\nbye\n").unwrap();
        let mut reader = io::BufReader::new(&slow);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert_eq!(line, "hello\n", "the half line was kept, then finished");
        line.clear();
        reader.read_line(&mut line).unwrap();
        assert_eq!(line, "bye\n");
    }
}
