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
    let name = name::read_name(cursor)?;
    let rtype = cursor.u16("a question's type")?;
    let class = cursor.u16("a question's class")?;
    Ok(Question { name, rtype, class })
}

// ANCHOR: read_record
/// Reads a record at the cursor: owner name, type, class, TTL (32 bits), RDLENGTH,
/// then exactly RDLENGTH bytes of data, which must hold the whole of its type's data
/// and nothing more.
pub fn read_record(cursor: &mut Cursor<'_>) -> Result<Record, Malformed> {
    let name = name::read_name(cursor)?;
    let rtype = cursor.u16("a record's type")?;
    let class = cursor.u16("a record's class")?;
    let ttl = cursor.u32("a record's TTL")?;
    let rdlength = usize::from(cursor.u16("a record's RDLENGTH")?);
    let start = cursor.pos;
    cursor.take(rdlength, "a record's data (its RDLENGTH)")?;
    let end = cursor.pos;
    // The data is read against the whole message (its names may point back anywhere),
    // but must end exactly where RDLENGTH says.
    let data = read_data(cursor.message, start, end, rtype)?;
    Ok(Record {
        name,
        rtype,
        class,
        ttl,
        data,
    })
}
// ANCHOR_END: read_record

/// Decodes the data of a record of type `rtype` found at `start..end` of `message`.
fn read_data(message: &[u8], start: usize, end: usize, rtype: u16) -> Result<Data, Malformed> {
    // The data's own bytes end at `end`: reading past it is a disagreement with RDLENGTH.
    let inside = &message[..end];
    let mut cursor = Cursor::at(inside, start);
    let disagree = |e: Malformed| -> Malformed {
        if e.class == Class::Truncated {
            Malformed::new(
                Class::BadData,
                start,
                format!(
                    "the {} data runs past its RDLENGTH of {}",
                    type_name(rtype),
                    end - start
                ),
            )
        } else {
            e
        }
    };
    let data = match rtype {
        1 => {
            let octets: [u8; 4] = fixed(message, start, end, rtype)?;
            Data::A(Ipv4Addr::from(octets))
        }
        28 => {
            let octets: [u8; 16] = fixed(message, start, end, rtype)?;
            Data::Aaaa(Ipv6Addr::from(octets))
        }
        2 | 5 => Data::Name(read_name_in(message, &mut cursor).map_err(disagree)?),
        15 => {
            let preference = cursor.u16("MX preference").map_err(disagree)?;
            let exchange = read_name_in(message, &mut cursor).map_err(disagree)?;
            Data::Mx {
                preference,
                exchange,
            }
        }
        6 => {
            let mname = read_name_in(message, &mut cursor).map_err(disagree)?;
            let rname = read_name_in(message, &mut cursor).map_err(disagree)?;
            let mut numbers = [0; 5];
            for number in &mut numbers {
                *number = cursor.u32("SOA numbers").map_err(disagree)?;
            }
            Data::Soa {
                mname,
                rname,
                numbers,
            }
        }
        16 => Data::Txt(read_strings(&mut cursor, start, end).map_err(disagree)?),
        _ => Data::Raw(message[start..end].to_vec()),
    };
    if cursor.pos != end && !matches!(data, Data::Raw(_) | Data::A(_) | Data::Aaaa(_)) {
        return Err(Malformed::new(
            Class::BadData,
            cursor.pos,
            format!(
                "the {} data ends {} bytes before its RDLENGTH of {} says",
                type_name(rtype),
                end - cursor.pos,
                end - start
            ),
        ));
    }
    Ok(data)
}

/// Data of a fixed size (A: 4 bytes, AAAA: 16), which RDLENGTH must match exactly.
fn fixed<const N: usize>(
    message: &[u8],
    start: usize,
    end: usize,
    rtype: u16,
) -> Result<[u8; N], Malformed> {
    message[start..end].try_into().map_err(|_| {
        Malformed::new(
            Class::BadData,
            start,
            format!(
                "{} data must be {N} bytes, its RDLENGTH says {}",
                type_name(rtype),
                end - start
            ),
        )
    })
}

/// Reads a name inside record data (`inside` ends where the data does): a pointer may
/// lead anywhere earlier in the whole message, but the name's own bytes, up to its
/// zero byte or its first pointer, must end inside the data.
fn read_name_in(message: &[u8], inside: &mut Cursor<'_>) -> Result<Name, Malformed> {
    let end = inside.message.len();
    let mut whole = Cursor::at(message, inside.pos);
    match name::read_name(&mut whole) {
        Ok(name) if whole.pos <= end => {
            inside.pos = whole.pos;
            Ok(name)
        }
        Err(problem) if problem.offset < end => Err(problem),
        _ => Err(Malformed::new(
            Class::BadData,
            inside.pos,
            "a name in the record's data runs past its RDLENGTH",
        )),
    }
}

// ANCHOR: read_strings
/// TXT data: one or more character-strings, each a length byte and that many bytes,
/// until the data ends (RFC 1035 §3.3.14). Each string is kept apart: `"a" "b"` is not
/// `"ab"`.
fn read_strings(
    cursor: &mut Cursor<'_>,
    start: usize,
    end: usize,
) -> Result<Vec<Vec<u8>>, Malformed> {
    if start == end {
        return Err(Malformed::new(
            Class::BadData,
            start,
            "TXT data must hold at least one string, its RDLENGTH is 0",
        ));
    }
    let mut strings = Vec::new();
    while cursor.pos < end {
        let length = usize::from(cursor.u8("a TXT string's length")?);
        strings.push(cursor.take(length, "a TXT string")?.to_vec());
    }
    Ok(strings)
}
// ANCHOR_END: read_strings

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
    names.write(message, &record.name);
    message.extend_from_slice(&record.rtype.to_be_bytes());
    message.extend_from_slice(&record.class.to_be_bytes());
    message.extend_from_slice(&record.ttl.to_be_bytes());
    let length_at = message.len();
    message.extend_from_slice(&[0, 0]);
    match &record.data {
        Data::A(address) => message.extend_from_slice(&address.octets()),
        Data::Aaaa(address) => message.extend_from_slice(&address.octets()),
        Data::Name(name) => names.write(message, name),
        Data::Mx {
            preference,
            exchange,
        } => {
            message.extend_from_slice(&preference.to_be_bytes());
            names.write(message, exchange);
        }
        Data::Soa {
            mname,
            rname,
            numbers,
        } => {
            names.write(message, mname);
            names.write(message, rname);
            for number in numbers {
                message.extend_from_slice(&number.to_be_bytes());
            }
        }
        Data::Txt(strings) => {
            for string in strings {
                message.push(string.len() as u8);
                message.extend_from_slice(string);
            }
        }
        Data::Raw(bytes) => message.extend_from_slice(bytes),
    }
    let length = (message.len() - length_at - 2) as u16;
    message[length_at..length_at + 2].copy_from_slice(&length.to_be_bytes());
}
// ANCHOR_END: write_record
