//! A DNS client for the chapter's tests: questions built and replies read by
//! hickory-proto, a maintained DNS implementation nobody here wrote, so a server under
//! test is judged by what a real implementation makes of its bytes. The bytes travel on
//! the harness's peers (UDP datagrams, or TCP with the two-byte length prefix of
//! RFC 1035 §4.2.2), so every exchange is in the case's transcript.

use harness::prelude::*;
use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, RecordType};
use std::net::SocketAddr;

/// A standard query for `name`/`rtype` with `id` and recursion desired, as a stub
/// resolver sends it.
///
/// ```ignore
/// let query = dns::question(7, "www.example.test.", RecordType::A)?;
/// ```
pub fn question(id: u16, name: &str, rtype: RecordType) -> Outcome<Vec<u8>> {
    let mut message = Message::new(id, MessageType::Query, OpCode::Query);
    message.metadata.recursion_desired = true;
    message.add_query(Query::query(parse_name(name)?, rtype));
    encode(&message)
}

/// A name as hickory reads one (`www.example.test.`); a name the test itself got wrong
/// is the test's failure, said plainly.
pub fn parse_name(name: &str) -> Outcome<Name> {
    Name::from_ascii(name)
        .map_err(|e| Failure::new(format!("the test's name {name:?} is not a DNS name: {e}")))
}

/// The wire form of `message`.
pub fn encode(message: &Message) -> Outcome<Vec<u8>> {
    message
        .to_vec()
        .map_err(|e| Failure::new(format!("hickory could not encode the test's message: {e}")))
}

/// Reads a reply as a real implementation does; bytes hickory cannot decode are the
/// program's mistake, shown with what hickory said.
pub fn decode(bytes: &[u8]) -> Outcome<Message> {
    Message::from_vec(bytes).map_err(|e| {
        Failure::new(format!(
            "the reply ({} bytes) is not a DNS message hickory can read: {e}",
            bytes.len()
        ))
        .kind(Kind::Mismatch)
    })
}

/// Sends `query` from `udp` to `server` and reads the reply, which must come from
/// `server`, be a response, and carry the query's id (a resolver drops anything else:
/// that is what keeps a forged answer out).
pub fn ask_udp(udp: &mut UdpPeer, server: SocketAddr, query: &[u8]) -> Outcome<Message> {
    Ok(ask_udp_bytes(udp, server, query)?.1)
}

/// [`ask_udp`], returning the reply's bytes too (to check its length, say).
pub fn ask_udp_bytes(
    udp: &mut UdpPeer,
    server: SocketAddr,
    query: &[u8],
) -> Outcome<(Vec<u8>, Message)> {
    udp.send_to(query, server)?;
    let (reply, from) = udp.receive()?;
    expect_that(
        from == server,
        format!("the reply came from {from}, not from the server's address {server}"),
    )?;
    let message = check_reply(query, &reply)?;
    Ok((reply, message))
}

/// Sends `query` on a TCP connection (two-byte length, then the message) and reads one
/// reply framed the same way.
pub fn ask_tcp(tcp: &mut StreamPeer, query: &[u8]) -> Outcome<Message> {
    tcp.send_bytes(&framed(query)?)?;
    let reply = read_framed_reply(tcp, u16::from_be_bytes([query[0], query[1]]))?;
    check_reply(query, &reply)
}

/// Reads one length-prefixed reply to the query `id`. A reply written without its
/// length shows as a "length" equal to the id: said plainly, instead of waiting for
/// thousands of bytes that will never come.
pub fn read_framed_reply(tcp: &mut StreamPeer, id: u16) -> Outcome<Vec<u8>> {
    let prefix = tcp.read_bytes(2)?;
    let len = u16::from_be_bytes([prefix[0], prefix[1]]);
    if len == id {
        return Err(Failure::new(format!(
            "the reply's first two bytes are the query's id ({id}), not the message's length: \
             over TCP every message comes after its length in two bytes (RFC 1035 §4.2.2)"
        ))
        .kind(Kind::Mismatch));
    }
    tcp.read_bytes(usize::from(len))
}

/// `message` with the two-byte big-endian length TCP puts before each DNS message.
pub fn framed(message: &[u8]) -> Outcome<Vec<u8>> {
    let len = u16::try_from(message.len())
        .map_err(|_| Failure::new("a DNS message over TCP is at most 65,535 bytes"))?;
    let mut bytes = len.to_be_bytes().to_vec();
    bytes.extend_from_slice(message);
    Ok(bytes)
}

/// Reads one length-prefixed message from a TCP connection.
pub fn read_framed(tcp: &mut StreamPeer) -> Outcome<Vec<u8>> {
    let prefix = tcp.read_bytes(2)?;
    let len = u16::from_be_bytes([prefix[0], prefix[1]]) as usize;
    tcp.read_bytes(len)
}

/// Decodes `reply` and checks it answers `query`: a response, with the query's id.
fn check_reply(query: &[u8], reply: &[u8]) -> Outcome<Message> {
    let message = decode(reply)?;
    let id = u16::from_be_bytes([query[0], query[1]]);
    expect_that(
        message.metadata.message_type == MessageType::Response,
        "the reply's QR bit is 0: it is a query, not a response",
    )?;
    expect_that(
        message.metadata.id == id,
        format!(
            "the reply's id is {}, the question's was {id}: a resolver drops it as forged",
            message.metadata.id
        ),
    )?;
    Ok(message)
}

/// The records of one section as dig prints them (`name TTL IN TYPE data`), one per
/// line, for failure messages and snapshots.
pub fn describe(records: &[hickory_proto::rr::Record]) -> String {
    records
        .iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs `dig @127.0.0.1 -p PORT +tries=1 +time=2 ARGS…` against `server` (a real
/// client nobody here wrote; skipped loudly where it is not installed) to its end, and
/// returns its output lines.
pub fn dig(t: &mut Session, server: SocketAddr, args: &[&str]) -> Outcome<Vec<String>> {
    let port = server.port().to_string();
    let mut all = vec!["@127.0.0.1", "-p", &port, "+tries=1", "+time=2"];
    all.extend_from_slice(args);
    let mut dig = t.start_tool("dig", "dig", &all, "apt-get install bind9-dnsutils")?;
    let mut lines = Vec::new();
    while let Ok(line) = dig.read_line() {
        lines.push(line);
    }
    dig.expect_success()?;
    Ok(lines)
}

/// dig's record lines for `owner` and `rtype` (`NAME TTL IN TYPE DATA…`), as words.
pub fn dig_records(lines: &[String], owner: &str, rtype: &str) -> Vec<Vec<String>> {
    lines
        .iter()
        .filter(|l| !l.starts_with(';'))
        // The harness shows a tab as `\t`, so that it is visible.
        .map(|l| {
            l.replace("\\t", " ")
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|w| w.len() >= 5 && w[0].eq_ignore_ascii_case(owner) && w[3] == rtype)
        .collect()
}
