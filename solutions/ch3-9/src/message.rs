//! A whole message: the 12-byte header (RFC 1035 §4.1.1), then the question, answer,
//! authority and additional sections, each as long as the header's count says.

use crate::name::Compressor;
use crate::record::{self, Question, Record};
use crate::wire::{Cursor, Malformed};

/// The header's flag bits, in the third and fourth bytes.
pub mod flag {
    pub const QR: u16 = 0x8000;
    pub const AA: u16 = 0x0400;
    pub const TC: u16 = 0x0200;
    pub const RD: u16 = 0x0100;
    pub const RA: u16 = 0x0080;
    pub const AD: u16 = 0x0020;
    pub const CD: u16 = 0x0010;
}

/// A DNS message. `flags` is the header's second 16-bit word whole: QR, opcode (4
/// bits), AA, TC, RD, RA, Z, AD, CD, and the response code (4 bits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: u16,
    pub flags: u16,
    pub questions: Vec<Question>,
    pub answers: Vec<Record>,
    pub authorities: Vec<Record>,
    pub additionals: Vec<Record>,
}

impl Message {
    /// The opcode: bits 11 to 14 of the flags word.
    pub fn opcode(&self) -> u8 {
        ((self.flags >> 11) & 0xF) as u8
    }

    /// The response code: the flags word's low 4 bits.
    pub fn rcode(&self) -> u8 {
        (self.flags & 0xF) as u8
    }
}

// ANCHOR: read_message
/// Reads one message from `bytes`. The counts in the header are never used to
/// allocate: each entry is read from the bytes that are there, so a count of 65,535
/// with a 20-byte message fails on the bytes, not on memory. Bytes after the last
/// record are ignored (hickory and dig do the same).
pub fn read(bytes: &[u8]) -> Result<Message, Malformed> {
    let mut cursor = Cursor::at(bytes, 0);
    let id = cursor.u16("the header")?;
    let flags = cursor.u16("the header")?;
    let mut counts = [0u16; 4];
    for count in &mut counts {
        *count = cursor.u16("the header")?;
    }
    let mut questions = Vec::new();
    for _ in 0..counts[0] {
        questions.push(record::read_question(&mut cursor)?);
    }
    let mut sections: [Vec<Record>; 3] = Default::default();
    for (section, &count) in sections.iter_mut().zip(&counts[1..]) {
        for _ in 0..count {
            section.push(record::read_record(&mut cursor)?);
        }
    }
    let [answers, authorities, additionals] = sections;
    Ok(Message {
        id,
        flags,
        questions,
        answers,
        authorities,
        additionals,
    })
}
// ANCHOR_END: read_message

// ANCHOR: write_message
/// The wire form of `message`, every repeated name suffix compressed. The caller
/// keeps each section under 65,536 entries (the count is 16 bits).
pub fn write(message: &Message) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(512);
    bytes.extend_from_slice(&message.id.to_be_bytes());
    bytes.extend_from_slice(&message.flags.to_be_bytes());
    for count in [
        message.questions.len(),
        message.answers.len(),
        message.authorities.len(),
        message.additionals.len(),
    ] {
        bytes.extend_from_slice(&(count as u16).to_be_bytes());
    }
    let mut names = Compressor::default();
    for question in &message.questions {
        record::write_question(&mut bytes, &mut names, question);
    }
    for record in message
        .answers
        .iter()
        .chain(&message.authorities)
        .chain(&message.additionals)
    {
        record::write_record(&mut bytes, &mut names, record);
    }
    bytes
}
// ANCHOR_END: write_message
