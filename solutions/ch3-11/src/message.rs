//! A query's bytes read, and a reply's bytes written, by hickory-proto — within what
//! the transport carries: 512 bytes over UDP (RFC 1035 §4.2.1), or the size the
//! client announced with EDNS (RFC 6891), up to [`MAX_UDP_PAYLOAD`].

use hickory_proto::op::{Edns, Message, MessageType, OpCode, ResponseCode};

/// A DNS header's length: anything shorter cannot even be answered.
pub const HEADER_LEN: usize = 12;
/// What a UDP answer may hold when the query did not say (no EDNS).
pub const CLASSIC_UDP_PAYLOAD: usize = 512;
/// The most this server sends in one datagram, whatever the client announces.
pub const MAX_UDP_PAYLOAD: u16 = 4096;
/// The most a TCP message can hold: its length is a 16-bit number.
pub const MAX_TCP_MESSAGE: usize = u16::MAX as usize;

/// What a message received asks of the server.
pub enum Request {
    /// No answer at all: too short to have an id, or a response (QR=1). Answering a
    /// response is how two servers end up answering each other for ever, and how a
    /// forged source address turns a server into a weapon (reflection).
    Ignore,
    /// A reply that is an error already (FORMERR, NOTIMP): send it.
    Refuse(Message),
    /// One standard question, to answer.
    Query(Message),
}

// ANCHOR: read_request
/// Reads a message from a client. Its header is enough to refuse it: bytes hickory
/// cannot decode get FORMERR, an opcode other than QUERY gets NOTIMP, and so does
/// anything with other than one question (FORMERR).
pub fn read_request(bytes: &[u8]) -> Request {
    if bytes.len() < HEADER_LEN || bytes[2] & 0x80 != 0 {
        return Request::Ignore;
    }
    let op_code = OpCode::from_u8((bytes[2] >> 3) & 0x0f);
    if op_code != OpCode::Query {
        return Request::Refuse(header_error(bytes, ResponseCode::NotImp));
    }
    let Ok(query) = Message::from_vec(bytes) else {
        return Request::Refuse(header_error(bytes, ResponseCode::FormErr));
    };
    if query.queries.len() != 1 {
        return Request::Refuse(header_error(bytes, ResponseCode::FormErr));
    }
    Request::Query(query)
}

/// An error reply built from the header's bytes alone (the rest may be unreadable):
/// the query's id, opcode and RD, and `code`.
fn header_error(bytes: &[u8], code: ResponseCode) -> Message {
    let id = u16::from_be_bytes([bytes[0], bytes[1]]);
    let op_code = OpCode::from_u8((bytes[2] >> 3) & 0x0f);
    let mut reply = Message::error_msg(id, op_code, code);
    reply.metadata.recursion_desired = bytes[2] & 0x01 != 0;
    reply
}
// ANCHOR_END: read_request

// ANCHOR: reply_to
/// The start of every reply to `query`: its id, opcode and RD copied, QR set, its
/// question echoed (a resolver checks it), and an OPT record when the query had one
/// (RFC 6891 §6.1.1), announcing what this server accepts.
pub fn reply_to(query: &Message) -> Message {
    let mut reply = Message::new(
        query.metadata.id,
        MessageType::Response,
        query.metadata.op_code,
    );
    reply.metadata.recursion_desired = query.metadata.recursion_desired;
    reply.add_queries(query.queries.iter().cloned());
    if query.edns.is_some() {
        let mut edns = Edns::new();
        edns.set_max_payload(MAX_UDP_PAYLOAD);
        reply.set_edns(edns);
    }
    reply
}
// ANCHOR_END: reply_to

/// How many bytes a UDP answer to `query` may have: 512, or the EDNS payload size
/// the query announced (never less than 512, never more than [`MAX_UDP_PAYLOAD`]).
pub fn udp_limit(query: &Message) -> usize {
    match &query.edns {
        Some(edns) => usize::from(edns.max_payload().min(MAX_UDP_PAYLOAD)).max(CLASSIC_UDP_PAYLOAD),
        None => CLASSIC_UDP_PAYLOAD,
    }
}

// ANCHOR: encode_within
/// The bytes of `reply`, at most `limit` of them. Too big, the additional records go
/// first (they are a courtesy); still too big, the answer and authority go too and TC
/// is set: the client asks again over TCP, where the whole answer fits.
pub fn encode_within(reply: &Message, limit: usize) -> Option<Vec<u8>> {
    let whole = encode(reply)?;
    if whole.len() <= limit {
        return Some(whole);
    }
    let mut smaller = reply.clone();
    smaller.additionals.clear();
    let without_additional = encode(&smaller)?;
    if without_additional.len() <= limit {
        return Some(without_additional);
    }
    smaller.answers.clear();
    smaller.authorities.clear();
    smaller.metadata.truncation = true;
    encode(&smaller)
}
// ANCHOR_END: encode_within

/// `message` as bytes; a message hickory cannot encode is logged and not sent.
fn encode(message: &Message) -> Option<Vec<u8>> {
    message
        .to_vec()
        .map_err(|e| note!("cannot encode a reply: {e}"))
        .ok()
}
