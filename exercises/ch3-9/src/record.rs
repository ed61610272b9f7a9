//! Questions and resource records: the record types the course decodes (A, NS,
//! CNAME, SOA, MX, TXT, AAAA), every other type kept as raw bytes (RFC 3597).

use crate::name::{self, Compressor, Name};
use crate::wire::{Class, Cursor, Malformed};
use std::net::{Ipv4Addr, Ipv6Addr};

/// The type codes this program knows by name (RFC 1035 §3.2.2, RFC 3596).
pub const TYPES: [(&str, u16); 7] = [
    ("A", 1),
    ("NS", 2),
    ("CNAME", 5),
    ("SOA", 6),
    ("MX", 15),
    ("TXT", 16),
    ("AAAA", 28),
];

/// The class every record here is in: IN, the Internet.
pub const IN: u16 = 1;

/// A type's name: its mnemonic, or `TYPEnnn` (RFC 3597 §5) for any other code.
pub fn type_name(code: u16) -> String {
    TYPES
        .iter()
        .find(|(_, c)| *c == code)
        .map_or_else(|| format!("TYPE{code}"), |(name, _)| name.to_string())
}

/// A type given as text: a mnemonic (any case) or `TYPEnnn`.
pub fn parse_type(text: &str) -> Result<u16, String> {
    let upper = text.to_ascii_uppercase();
    if let Some((_, code)) = TYPES.iter().find(|(name, _)| *name == upper) {
        return Ok(*code);
    }
    upper
        .strip_prefix("TYPE")
        .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|digits| digits.parse().ok())
        .ok_or_else(|| {
            format!("unknown type {text:?} (A, AAAA, NS, CNAME, MX, TXT, SOA or TYPEnnn)")
        })
}

/// A class's name: IN, CH, HS, NONE, ANY, or `CLASSnnn` (RFC 3597 §5).
pub fn class_name(code: u16) -> String {
    match code {
        1 => "IN".to_string(),
        3 => "CH".to_string(),
        4 => "HS".to_string(),
        254 => "NONE".to_string(),
        255 => "ANY".to_string(),
        _ => format!("CLASS{code}"),
    }
}

/// One entry of the question section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub name: Name,
    pub rtype: u16,
    pub class: u16,
}

/// One resource record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub name: Name,
    pub rtype: u16,
    pub class: u16,
    pub ttl: u32,
    pub data: Data,
}

// ANCHOR: data
/// A record's data, decoded for the types the course teaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    /// NS and CNAME: one name.
    Name(Name),
    Mx {
        preference: u16,
        exchange: Name,
    },
    /// One or more character-strings, each up to 255 bytes.
    Txt(Vec<Vec<u8>>),
    Soa {
        mname: Name,
        rname: Name,
        /// serial, refresh, retry, expire, minimum.
        numbers: [u32; 5],
    },
    /// Any other type: its bytes as they came (RFC 3597).
    Raw(Vec<u8>),
}
// ANCHOR_END: data

/// Reads a question at the cursor.
pub fn read_question(cursor: &mut Cursor<'_>) -> Result<Question, Malformed> {
    todo!("the name, QTYPE, QCLASS")
}

// ANCHOR: read_record
/// Reads a record at the cursor: owner name, type, class, TTL (32 bits), RDLENGTH,
/// then exactly RDLENGTH bytes of data, which must hold the whole of its type's data
/// and nothing more.
///
/// RDLENGTH past the end of the message is [`Class::Truncated`]. The data, by type:
/// A exactly 4 bytes, AAAA exactly 16; NS and CNAME one name; MX a 16-bit preference
/// and a name; SOA two names and five 32-bit numbers; TXT one or more
/// character-strings (a length byte, then that many bytes) filling the data exactly;
/// any other type the raw bytes ([`Data::Raw`]). A name in the data may point anywhere
/// earlier in the message, but its own labels must end inside the data. Data that
/// does not fill RDLENGTH exactly, or runs past it, is [`Class::BadData`] (at the
/// offset of the data, or where it went wrong).
pub fn read_record(cursor: &mut Cursor<'_>) -> Result<Record, Malformed> {
    todo!(
        "the owner, TYPE, CLASS, TTL, RDLENGTH, then exactly RDLENGTH bytes of data, decoded by type"
    )
}
// ANCHOR_END: read_record

/// Appends a question to `message`.
pub fn write_question(message: &mut Vec<u8>, names: &mut Compressor, question: &Question) {
    names.write(message, &question.name);
    message.extend_from_slice(&question.rtype.to_be_bytes());
    message.extend_from_slice(&question.class.to_be_bytes());
}

// ANCHOR: write_record
/// Appends a record to `message`; names in NS, CNAME, MX and SOA data are compressed
/// too (RFC 1035 allows it for its own types; RFC 3597 forbids it for any later one).
/// RDLENGTH is known only once the data is written: a placeholder, filled in after.
pub fn write_record(message: &mut Vec<u8>, names: &mut Compressor, record: &Record) {
    todo!(
        "owner (compressed), TYPE, CLASS, TTL, a placeholder RDLENGTH, the data, then the real RDLENGTH"
    )
}
// ANCHOR_END: write_record
