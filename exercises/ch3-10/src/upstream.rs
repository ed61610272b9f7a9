//! One question to one authoritative server.
//!
//! Anyone on the network can send a datagram to the port the resolver is waiting on.
//! A reply is believed only if it comes from the address asked, carries the random id
//! the question carried, and answers the same question: an attacker who cannot see the
//! question must guess the id (1 in 65,536) and the port (a fresh random one per
//! question), which is what keeps forged answers out of the cache.

use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, RecordType};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

/// Why a server gave no usable reply.
pub type Error = String;

/// Asks `server` for `name`/`rtype` iteratively (RD clear: the resolver does the
/// recursion itself), waiting at most `timeout`. A truncated UDP reply is asked again
/// over TCP, which has no size limit.
pub fn ask(
    server: SocketAddr,
    name: &Name,
    rtype: RecordType,
    timeout: Duration,
) -> Result<Message, Error> {
    todo!("a fresh random id, RD=0, one question; ask_udp; on TC ask_tcp")
}

/// Sends the question from a fresh socket (a random port) and waits for the reply,
/// ignoring every datagram that is not it: from elsewhere, undecodable, another id,
/// another question.
fn ask_udp(
    server: SocketAddr,
    query: &Message,
    bytes: &[u8],
    timeout: Duration,
) -> Result<Message, Error> {
    todo!(
        "a fresh socket; send; recv_from until the deadline, ignoring datagrams from elsewhere, undecodable, or not `answers`"
    )
}

/// Whether `reply` is the reply to `query`: a response, the same id, the same question.
fn answers(query: &Message, reply: &Message) -> bool {
    todo!("a response, the same id, the same question")
}

/// Asks over TCP: the message after its two-byte length, the reply read the same way.
fn ask_tcp(
    server: SocketAddr,
    query: &Message,
    bytes: &[u8],
    timeout: Duration,
) -> Result<Message, Error> {
    let tcp_error = |e: std::io::Error| format!("{server} over TCP: {e}");
    let mut stream = TcpStream::connect_timeout(&server, timeout).map_err(tcp_error)?;
    stream.set_read_timeout(Some(timeout)).map_err(tcp_error)?;
    stream.set_write_timeout(Some(timeout)).map_err(tcp_error)?;
    let len = u16::try_from(bytes.len()).map_err(|_| "the question is too long".to_string())?;
    let mut framed = len.to_be_bytes().to_vec();
    framed.extend_from_slice(bytes);
    stream.write_all(&framed).map_err(tcp_error)?;
    let mut prefix = [0u8; 2];
    stream.read_exact(&mut prefix).map_err(tcp_error)?;
    let mut reply = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
    stream.read_exact(&mut reply).map_err(tcp_error)?;
    let reply = Message::from_vec(&reply).map_err(|e| format!("{server} over TCP: {e}"))?;
    if !answers(query, &reply) {
        return Err(format!("{server} over TCP: a reply to another question"));
    }
    Ok(reply)
}
