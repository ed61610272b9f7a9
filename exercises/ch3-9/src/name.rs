//! Domain names: read from the wire (following compression pointers, strictly
//! backwards), written with compression, parsed from and printed as text.

use crate::wire::{Class, Cursor, Malformed};
use std::collections::HashMap;

/// A domain name as its labels, most specific first (`www`, `example`, `com`); the
/// root is the empty list. Labels are bytes: DNS allows any byte in a label.
pub type Name = Vec<Vec<u8>>;

/// The longest label (RFC 1035 §2.3.4): the length byte's top two bits are its type.
pub const MAX_LABEL: usize = 63;

/// The longest name on the wire, length bytes and the final zero included.
pub const MAX_NAME: usize = 255;

// ANCHOR: read_name
/// Reads the name that starts at `cursor.pos`, and leaves the cursor after it: after
/// its terminating zero, or after the first pointer (the rest of the name lives
/// elsewhere in the message).
///
/// A pointer must point strictly before the place where the labels it ends began, and
/// the labels it leads to must stay before that place too: every jump goes backwards,
/// so a loop (a pointer to itself, two pointing at each other) is impossible, not
/// merely counted, and the walk ends after at most one jump per byte.
pub fn read_name(cursor: &mut Cursor<'_>) -> Result<Name, Malformed> {
    todo!(
        "read labels and follow pointers, strictly backwards; check label types and the 255-byte limit"
    )
}
// ANCHOR_END: read_name

// ANCHOR: write_name
/// Writes names into a message, each suffix already written replaced by a pointer to
/// it (RFC 1035 §4.1.4): `mail.example.com` after `www.example.com` costs `mail` and
/// two bytes.
#[derive(Default)]
pub struct Compressor {
    /// Every suffix written so far (as its labels) and the offset where it starts.
    written: HashMap<Name, u16>,
}

impl Compressor {
    /// Appends `name` to `message`: its labels up to the longest suffix already in the
    /// message, then a pointer to that suffix (or the final zero if none is).
    pub fn write(&mut self, message: &mut Vec<u8>, name: &[Vec<u8>]) {
        todo!(
            "write the labels up to the longest suffix already written, then a pointer to it (or the final 0)"
        )
    }
}
// ANCHOR_END: write_name

/// Parses a name given as text: labels separated by dots, the final dot optional, `.`
/// alone the root. An empty label, a label over 63 bytes or a name over 255 bytes
/// is refused.
pub fn parse(text: &str) -> Result<Name, String> {
    if text == "." {
        return Ok(Name::new());
    }
    let trimmed = text.strip_suffix('.').unwrap_or(text);
    let mut labels = Name::new();
    let mut wire_len = 1;
    for label in trimmed.split('.') {
        if label.is_empty() {
            return Err(format!("{text:?} has an empty label"));
        }
        if label.len() > MAX_LABEL {
            return Err(format!(
                "{text:?} has a label of {} bytes (at most {MAX_LABEL})",
                label.len()
            ));
        }
        wire_len += label.len() + 1;
        labels.push(label.as_bytes().to_vec());
    }
    if wire_len > MAX_NAME {
        return Err(format!(
            "{text:?} is {wire_len} bytes on the wire (at most {MAX_NAME})"
        ));
    }
    Ok(labels)
}

// ANCHOR: render_name
/// The name as text: absolute, with the final dot (`.` for the root). In a label, `.`
/// and `\` are escaped with a backslash, and any byte outside `!`..`~` is written `\DDD`
/// (three decimal digits), so every name prints as one unambiguous word.
pub fn render(name: &[Vec<u8>]) -> String {
    if name.is_empty() {
        return ".".to_string();
    }
    let mut text = String::new();
    for label in name {
        for &byte in label {
            match byte {
                b'.' | b'\\' => {
                    text.push('\\');
                    text.push(char::from(byte));
                }
                b'!'..=b'~' => text.push(char::from(byte)),
                _ => text.push_str(&format!("\\{byte:03}")),
            }
        }
        text.push('.');
    }
    text
}
// ANCHOR_END: render_name
