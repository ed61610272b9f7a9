//! One port, two transports: a UDP socket whose datagrams are answered one after the
//! other, and a TCP listener (RFC 1035 §4.2.2: each message after a two-byte length)
//! with a thread per connection, so a slow or silent client holds up nobody.

use crate::authority;
use crate::forward;
use crate::message::{self, MAX_TCP_MESSAGE, Request};
use crate::zone::Zone;
use anyhow::Context;
use hickory_proto::op::{Message, ResponseCode};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long a TCP connection may stay silent, or take to send one whole message,
/// before it is closed (RFC 7766 §6.2.3 asks servers to close idle connections).
pub const TCP_IDLE_TIMEOUT: Duration = Duration::from_secs(3);
/// How many forwarded UDP questions may wait for the resolver at once (each holds a
/// thread for up to [`forward::FORWARD_DEADLINE`]); the next ones are answered
/// SERVFAIL at once, so that a flood of questions outside the zone cannot make the
/// server start thread after thread.
pub const MAX_FORWARDS: usize = 100;
/// How many times to look for a port free for both UDP and TCP when asked for any.
const BIND_ATTEMPTS: usize = 10;

/// What every question needs: the zone, and where to forward the others.
pub struct Config {
    /// The zone this server is the authority for.
    pub zone: Zone,
    /// Where questions outside the zone go (`--resolver`); `None`: they are REFUSED.
    pub resolver: Option<SocketAddr>,
}

/// Binds UDP and TCP on the same port, says where, then serves: TCP connections on
/// threads of their own, datagrams on this thread.
pub fn serve(host: &str, port: u16, config: Config) -> anyhow::Result<()> {
    let (udp, tcp) = bind_both(host, port)?;
    writeln!(std::io::stdout(), "listening on {}", udp.local_addr()?)
        .context("cannot write to stdout")?;
    let config = Arc::new(config);
    let tcp_config = Arc::clone(&config);
    std::thread::spawn(move || accept_connections(tcp, tcp_config));
    serve_datagrams(udp, config)
}

/// A UDP socket and a TCP listener on the same address and port. With port 0 the
/// system picks a port free for UDP, which TCP may have taken by someone else: then
/// try again with another.
fn bind_both(host: &str, port: u16) -> anyhow::Result<(UdpSocket, TcpListener)> {
    let addr = (host, port)
        .to_socket_addrs()
        .with_context(|| format!("cannot listen on {host}:{port}"))?
        .next()
        .with_context(|| format!("{host} has no address"))?;
    for _ in 0..BIND_ATTEMPTS {
        let udp = UdpSocket::bind(addr).with_context(|| format!("cannot listen on UDP {addr}"))?;
        let bound = udp.local_addr()?;
        match TcpListener::bind(bound) {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) if port == 0 && e.kind() == ErrorKind::AddrInUse => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot listen on TCP {bound}")),
        }
    }
    anyhow::bail!("found no port free for both UDP and TCP on {host}")
}

/// What to do with one message received.
enum Reply {
    /// Nothing to send.
    Nothing,
    /// A reply, and how many bytes it may take over UDP.
    Send { reply: Message, udp_limit: usize },
    /// A question outside the zone, for the resolver.
    Forward(Message),
}

/// Decides the reply to one message, whichever transport brought it.
fn respond(bytes: &[u8], config: &Config) -> Reply {
    todo!("read the request; answer from the zone, forward, or REFUSED")
}

/// The reply to a forwarded question: the resolver's, or SERVFAIL when it is silent.
fn forwarded(resolver: SocketAddr, query: &Message) -> Option<Vec<u8>> {
    forward::forward(resolver, query).or_else(|| {
        note!("the resolver {resolver} did not answer: SERVFAIL");
        servfail(query)
    })
}

/// SERVFAIL for a question that could not be forwarded: the server failed to answer,
/// and says so at once rather than leave the client waiting.
fn servfail(query: &Message) -> Option<Vec<u8>> {
    let mut reply = message::reply_to(query);
    reply.metadata.recursion_available = true;
    reply.metadata.response_code = ResponseCode::ServFail;
    message::encode_within(&reply, message::udp_limit(query))
}

/// Answers datagrams one at a time, each to the address it came from. Forwarding
/// waits for another server, so it happens on a thread of its own — at most
/// [`MAX_FORWARDS`] at once.
fn serve_datagrams(socket: UdpSocket, config: Arc<Config>) -> anyhow::Result<()> {
    todo!(
        "receive, respond, send to the sender; forward on a thread of its own (at most MAX_FORWARDS waiting, else SERVFAIL); never stop on one bad datagram"
    )
}

/// Sends one datagram; a failure concerns that client only.
fn send_datagram(socket: &UdpSocket, bytes: &[u8], client: SocketAddr) {
    if let Err(error) = socket.send_to(bytes, client) {
        note!("cannot answer {client}: {error}");
    }
}

/// Accepts TCP connections for ever, each served on a thread of its own.
fn accept_connections(listener: TcpListener, config: Arc<Config>) {
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                let config = Arc::clone(&config);
                std::thread::spawn(move || {
                    let peer = stream
                        .peer_addr()
                        .map(|a| a.to_string())
                        .unwrap_or_default();
                    if let Err(error) = serve_connection(stream, &config) {
                        note!("tcp {peer}: {error}");
                    }
                });
            }
            // A connection reset in the backlog, or no file descriptor for a moment.
            Err(error) => note!("accept failed: {error}"),
        }
    }
}

/// Answers the messages of one TCP connection in order, until the client closes it,
/// stays silent for [`TCP_IDLE_TIMEOUT`], or sends a message cut short.
fn serve_connection(mut stream: TcpStream, config: &Config) -> std::io::Result<()> {
    todo!("read a message, respond, write it framed; until closed, idle or cut short")
}

/// Reads one length-prefixed message, all of it (the length and the message may come
/// in any number of pieces) within [`TCP_IDLE_TIMEOUT`] in total: a client that sends
/// a byte now and then does not keep the connection for ever. `None`: the client
/// closed the connection, or stayed silent, between two messages.
fn read_message(stream: &mut TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    todo!("the two-byte length, then exactly that many bytes, all within TCP_IDLE_TIMEOUT")
}

/// Fills `buf` from the stream before `deadline`. `false`: the stream ended, or the
/// deadline passed, before the first byte; an error if either happens midway.
fn read_full(stream: &mut TcpStream, buf: &mut [u8], deadline: Instant) -> std::io::Result<bool> {
    todo!("fill the buffer before the deadline; false when nothing came")
}

/// A deadline passed: quietly, between messages; an error, inside one.
fn timed_out(filled: usize) -> std::io::Result<bool> {
    todo!("quiet between messages, an error inside one")
}

/// Writes one message after its two-byte length, in one write.
fn write_message(stream: &mut TcpStream, message: &[u8]) -> std::io::Result<()> {
    todo!("the two-byte length, then the message, in one write_all")
}
