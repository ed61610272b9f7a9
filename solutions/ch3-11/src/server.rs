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

// ANCHOR: serve
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
// ANCHOR_END: serve

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

// ANCHOR: respond
/// Decides the reply to one message, whichever transport brought it.
fn respond(bytes: &[u8], config: &Config) -> Reply {
    let query = match message::read_request(bytes) {
        Request::Ignore => return Reply::Nothing,
        Request::Refuse(reply) => {
            return Reply::Send {
                reply,
                udp_limit: message::CLASSIC_UDP_PAYLOAD,
            };
        }
        Request::Query(query) => query,
    };
    let question = &query.queries[0];
    let mut reply = message::reply_to(&query);
    reply.metadata.recursion_available = config.resolver.is_some();
    match authority::lookup(&config.zone, &question.name, question.query_type) {
        Some(answer) => {
            reply.metadata.response_code = answer.code;
            reply.metadata.authoritative = answer.authoritative;
            reply.answers = answer.answers;
            reply.authorities = answer.authorities;
            reply.additionals = answer.additionals;
        }
        None if config.resolver.is_some() => return Reply::Forward(query),
        None => reply.metadata.response_code = ResponseCode::Refused,
    }
    Reply::Send {
        reply,
        udp_limit: message::udp_limit(&query),
    }
}
// ANCHOR_END: respond

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

// ANCHOR: serve_datagrams
/// Answers datagrams one at a time, each to the address it came from. Forwarding
/// waits for another server, so it happens on a thread of its own — at most
/// [`MAX_FORWARDS`] at once.
fn serve_datagrams(socket: UdpSocket, config: Arc<Config>) -> anyhow::Result<()> {
    let mut buf = vec![0u8; 65_535];
    let waiting = Arc::new(AtomicUsize::new(0));
    loop {
        let (n, client) = match socket.recv_from(&mut buf) {
            Ok(received) => received,
            Err(error) => {
                note!("receive failed: {error}");
                continue;
            }
        };
        match respond(&buf[..n], &config) {
            Reply::Nothing => {}
            Reply::Send { reply, udp_limit } => {
                if let Some(bytes) = message::encode_within(&reply, udp_limit) {
                    send_datagram(&socket, &bytes, client);
                }
            }
            Reply::Forward(query) if waiting.load(Ordering::SeqCst) >= MAX_FORWARDS => {
                if let Some(bytes) = servfail(&query) {
                    send_datagram(&socket, &bytes, client);
                }
            }
            Reply::Forward(query) => {
                let socket = socket.try_clone().context("cannot share the UDP socket")?;
                let resolver = config.resolver.context("forwarding without a resolver")?;
                // Only this thread adds; each forwarding thread takes its own one off.
                waiting.fetch_add(1, Ordering::SeqCst);
                let waiting = Arc::clone(&waiting);
                std::thread::spawn(move || {
                    if let Some(bytes) = forwarded(resolver, &query) {
                        send_datagram(&socket, &bytes, client);
                    }
                    waiting.fetch_sub(1, Ordering::SeqCst);
                });
            }
        }
    }
}
// ANCHOR_END: serve_datagrams

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

// ANCHOR: serve_connection
/// Answers the messages of one TCP connection in order, until the client closes it,
/// stays silent for [`TCP_IDLE_TIMEOUT`], or sends a message cut short.
fn serve_connection(mut stream: TcpStream, config: &Config) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_write_timeout(Some(TCP_IDLE_TIMEOUT))?;
    while let Some(bytes) = read_message(&mut stream)? {
        let answer = match respond(&bytes, config) {
            Reply::Nothing => continue,
            Reply::Send { reply, .. } => message::encode_within(&reply, MAX_TCP_MESSAGE),
            Reply::Forward(query) => match config.resolver {
                Some(resolver) => forwarded(resolver, &query),
                None => None,
            },
        };
        if let Some(answer) = answer {
            write_message(&mut stream, &answer)?;
        }
    }
    Ok(())
}
// ANCHOR_END: serve_connection

// ANCHOR: read_message
/// Reads one length-prefixed message, all of it (the length and the message may come
/// in any number of pieces) within [`TCP_IDLE_TIMEOUT`] in total: a client that sends
/// a byte now and then does not keep the connection for ever. `None`: the client
/// closed the connection, or stayed silent, between two messages.
fn read_message(stream: &mut TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let deadline = Instant::now() + TCP_IDLE_TIMEOUT;
    let mut prefix = [0u8; 2];
    if !read_full(stream, &mut prefix, deadline)? {
        return Ok(None);
    }
    let mut message = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
    if !read_full(stream, &mut message, deadline)? && !message.is_empty() {
        return Err(ErrorKind::UnexpectedEof.into());
    }
    Ok(Some(message))
}

/// Fills `buf` from the stream before `deadline`. `false`: the stream ended, or the
/// deadline passed, before the first byte; an error if either happens midway.
fn read_full(stream: &mut TcpStream, buf: &mut [u8], deadline: Instant) -> std::io::Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            return timed_out(filled);
        };
        stream.set_read_timeout(Some(left.max(Duration::from_millis(1))))?;
        match stream.read(&mut buf[filled..]) {
            Ok(0) if filled == 0 => return Ok(false),
            Ok(0) => {
                return Err(std::io::Error::new(
                    ErrorKind::UnexpectedEof,
                    "a message cut short",
                ));
            }
            Ok(n) => filled += n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return timed_out(filled);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// A deadline passed: quietly, between messages; an error, inside one.
fn timed_out(filled: usize) -> std::io::Result<bool> {
    if filled == 0 {
        return Ok(false);
    }
    Err(std::io::Error::new(
        ErrorKind::TimedOut,
        "a message took too long",
    ))
}
// ANCHOR_END: read_message

/// Writes one message after its two-byte length, in one write.
fn write_message(stream: &mut TcpStream, message: &[u8]) -> std::io::Result<()> {
    let len = u16::try_from(message.len()).map_err(|_| ErrorKind::InvalidData)?;
    let mut framed = Vec::with_capacity(2 + message.len());
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(message);
    stream.write_all(&framed)
}
