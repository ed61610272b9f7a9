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

/// Reads a message from a client. Its header is enough to refuse it: bytes hickory
/// cannot decode get FORMERR, an opcode other than QUERY gets NOTIMP, and so does
/// anything with other than one question (FORMERR).
pub fn read_request(bytes: &[u8]) -> Request {
    todo!(
        "ignore < 12 bytes and QR=1; NOTIMP for opcode != 0; FORMERR when hickory cannot decode or questions != 1"
    )
}

/// An error reply built from the header's bytes alone (the rest may be unreadable):
/// the query's id, opcode and RD, and `code`.
fn header_error(bytes: &[u8], code: ResponseCode) -> Message {
    todo!("an error reply from the header bytes: id, opcode, RD")
}

/// The start of every reply to `query`: its id, opcode and RD copied, QR set, its
/// question echoed (a resolver checks it), and an OPT record when the query had one
/// (RFC 6891 §6.1.1), announcing what this server accepts.
pub fn reply_to(query: &Message) -> Message {
    todo!("id, opcode and RD copied; QR=1; the question echoed; OPT when the query had one")
}

/// How many bytes a UDP answer to `query` may have: 512, or the EDNS payload size
/// the query announced (never less than 512, never more than [`MAX_UDP_PAYLOAD`]).
pub fn udp_limit(query: &Message) -> usize {
    todo!("512, or the EDNS payload size between 512 and MAX_UDP_PAYLOAD")
}

/// The bytes of `reply`, at most `limit` of them. Too big, the additional records go
/// first (they are a courtesy); still too big, the answer and authority go too and TC
/// is set: the client asks again over TCP, where the whole answer fits.
pub fn encode_within(reply: &Message, limit: usize) -> Option<Vec<u8>> {
    todo!("encode; too big: drop ADDITIONAL; still too big: header and question only, TC=1")
}

/// `message` as bytes; a message hickory cannot encode is logged and not sent.
fn encode(message: &Message) -> Option<Vec<u8>> {
    message
        .to_vec()
        .map_err(|e| note!("cannot encode a reply: {e}"))
        .ok()
}
