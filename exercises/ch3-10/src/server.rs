//! The clients' side: one UDP socket, a thread per question, the reply built from the
//! resolution.

use crate::resolver::{Config, Resolution, Resolver};
use anyhow::Context;
use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use std::io::Write;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Questions being resolved at once, at most: a flood of questions gets the extra ones
/// dropped (the client retries) instead of one thread each without end.
const MAX_IN_FLIGHT: usize = 256;

/// A reply over UDP to a client that did not announce a larger size (EDNS) is at most
/// 512 bytes; a longer one is cut to its question with TC set (RFC 1035 §4.2.1).
const UDP_REPLY_MAX: usize = 512;

/// Listens on `host:port` (UDP) and answers every question on a thread of its own, so
/// a question stuck behind a silent server holds up nobody else's.
pub fn serve(host: &str, port: u16, config: Config) -> anyhow::Result<()> {
    let socket =
        UdpSocket::bind((host, port)).with_context(|| format!("cannot listen on {host}:{port}"))?;
    writeln!(std::io::stdout(), "listening on {}", socket.local_addr()?)
        .context("cannot write to stdout")?;
    let socket = Arc::new(socket);
    let resolver = Arc::new(Resolver::new(config));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let mut buf = vec![0u8; 65_535];
    loop {
        let (len, client) = match socket.recv_from(&mut buf) {
            Ok(received) => received,
            // An ICMP error for an earlier reply, say: not a reason to stop.
            Err(error) => {
                note!("receive failed: {error}");
                continue;
            }
        };
        if in_flight.fetch_add(1, Ordering::SeqCst) >= MAX_IN_FLIGHT {
            in_flight.fetch_sub(1, Ordering::SeqCst);
            note!("{client}: too many questions at once, dropped");
            continue;
        }
        let datagram = buf[..len].to_vec();
        let (socket, resolver, in_flight) = (socket.clone(), resolver.clone(), in_flight.clone());
        std::thread::spawn(move || {
            answer(&socket, &resolver, &datagram, client);
            in_flight.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// Resolves one client's datagram and sends the reply. A datagram that is not a DNS
/// query is dropped (or answered FORMERR when its header can be read): a client's
/// garbage never reaches the resolver, and a response is never answered (two servers
/// could bounce replies forever).
fn answer(socket: &UdpSocket, resolver: &Resolver, datagram: &[u8], client: SocketAddr) {
    let query = match Message::from_vec(datagram) {
        Ok(query) => query,
        Err(error) => {
            note!("{client}: not a DNS message ({error}), dropped");
            return;
        }
    };
    if query.metadata.message_type != MessageType::Query {
        return;
    }
    let reply = match (query.metadata.op_code, query.queries.as_slice()) {
        (OpCode::Query, [question]) => {
            let resolution = resolver.resolve(question.name(), question.query_type());
            reply_to(&query, resolution)
        }
        // One question per message is all anyone uses; anything else is refused.
        _ => reply_to(&query, Resolution::failure(ResponseCode::FormErr)),
    };
    let mut bytes = match reply.to_vec() {
        Ok(bytes) => bytes,
        Err(error) => {
            note!("{client}: cannot encode the reply: {error}");
            return;
        }
    };
    let limit = query.edns.as_ref().map_or(UDP_REPLY_MAX, |edns| {
        usize::from(edns.max_payload()).max(UDP_REPLY_MAX)
    });
    if bytes.len() > limit {
        bytes = reply.truncate().to_vec().unwrap_or_default();
    }
    if let Err(error) = socket.send_to(&bytes, client) {
        note!("{client}: cannot send the reply: {error}");
    }
}

/// The reply to `query`: its id and question echoed, RD copied, RA set (this server
/// does recursion), and the resolution's code and records.
fn reply_to(query: &Message, resolution: Resolution) -> Message {
    let mut reply = Message::response(query.metadata.id, OpCode::Query);
    reply.metadata.recursion_desired = query.metadata.recursion_desired;
    reply.metadata.recursion_available = true;
    reply.metadata.response_code = resolution.code;
    reply.add_queries(query.queries.iter().cloned());
    reply.add_answers(resolution.answers);
    reply.add_authorities(resolution.authorities);
    reply
}
