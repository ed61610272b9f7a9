//! Reading the wire format: a cursor over the message's bytes that never reads past
//! the end, and the error every malformed message becomes (its class, its byte offset).

use std::fmt;

/// What is wrong with a message, by class; each class has its own exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// The message ends inside the header, a question, a record or a name (or a count
    /// promises more than the bytes hold).
    Truncated,
    /// A label of type 0x40 or 0x80 (a length byte over 63), or a name over 255 bytes.
    BadName,
    /// A compression pointer that does not point strictly backwards.
    BadPointer,
    /// Record data that disagrees with its RDLENGTH or its type.
    BadData,
    /// More than 65,535 bytes: no DNS message is that long.
    TooLarge,
}

impl Class {
    /// The exit status of this class (the table on the page and in main.rs).
    pub fn exit_status(self) -> u8 {
        match self {
            Class::Truncated => 3,
            Class::BadName => 4,
            Class::BadPointer => 5,
            Class::BadData => 6,
            Class::TooLarge => 7,
        }
    }
}

/// A message refused: its class, the byte offset of the problem, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub class: Class,
    pub offset: usize,
    pub what: String,
}

impl Malformed {
    /// A problem of `class` found at byte `offset`.
    pub fn new(class: Class, offset: usize, what: impl Into<String>) -> Self {
        Malformed {
            class,
            offset,
            what: what.into(),
        }
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.what)
    }
}

// ANCHOR: cursor
/// A position in the message. Every read checks the bytes are there first: a message
/// that ends early is an error naming where it ended, never a panic on an index.
pub struct Cursor<'a> {
    pub message: &'a [u8],
    pub pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at byte `pos` of `message`.
    pub fn at(message: &'a [u8], pos: usize) -> Self {
        Cursor { message, pos }
    }

    /// The next `n` bytes; `what` names them in the error if the message ends first.
    pub fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], Malformed> {
        todo!(
            "check the n bytes are there (else a Truncated error at self.pos naming `what`), return them and move on"
        )
    }

    /// One byte.
    pub fn u8(&mut self, what: &str) -> Result<u8, Malformed> {
        Ok(self.take(1, what)?[0])
    }

    /// Two bytes, big-endian (network byte order).
    pub fn u16(&mut self, what: &str) -> Result<u16, Malformed> {
        todo!("two bytes, big-endian")
    }

    /// Four bytes, big-endian.
    pub fn u32(&mut self, what: &str) -> Result<u32, Malformed> {
        todo!("four bytes, big-endian")
    }
}
// ANCHOR_END: cursor
