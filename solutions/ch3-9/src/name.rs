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
    let message = cursor.message;
    let start = cursor.pos;
    let mut labels = Name::new();
    let mut wire_len = 1; // the final zero
    let mut pos = start;
    // Where the current run of labels began, and the byte it must stay before.
    let mut run_start = start;
    let mut limit = message.len();
    // Where the cursor goes once the name is read: after the first pointer, if any.
    let mut resume = None;
    loop {
        if pos >= limit {
            return Err(if limit == message.len() {
                Malformed::new(Class::Truncated, pos, "the message ends inside a name")
            } else {
                Malformed::new(
                    Class::BadPointer,
                    pos,
                    format!(
                        "the labels a pointer leads to run into byte {limit}, where the name pointing at them began"
                    ),
                )
            });
        }
        let length = message[pos];
        match length >> 6 {
            0b00 if length == 0 => {
                cursor.pos = resume.unwrap_or(pos + 1);
                return Ok(labels);
            }
            0b00 => {
                let mut at = Cursor::at(message, pos + 1);
                let label = at.take(usize::from(length), "a label")?;
                wire_len += label.len() + 1;
                if wire_len > MAX_NAME {
                    return Err(Malformed::new(
                        Class::BadName,
                        start,
                        format!("the name is over {MAX_NAME} bytes long"),
                    ));
                }
                labels.push(label.to_vec());
                pos = at.pos;
            }
            0b11 => {
                let mut at = Cursor::at(message, pos);
                let target = usize::from(at.u16("a compression pointer")? & 0x3FFF);
                if target >= run_start {
                    return Err(Malformed::new(
                        Class::BadPointer,
                        pos,
                        format!(
                            "the compression pointer to byte {target} does not point back before byte {run_start}"
                        ),
                    ));
                }
                resume.get_or_insert(at.pos);
                limit = run_start;
                run_start = target;
                pos = target;
            }
            _ => {
                return Err(Malformed::new(
                    Class::BadName,
                    pos,
                    format!(
                        "a label length byte 0x{length:02x} (over {MAX_LABEL}: a reserved label type)"
                    ),
                ));
            }
        }
    }
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
        for (i, label) in name.iter().enumerate() {
            let suffix = &name[i..];
            if let Some(&offset) = self.written.get(suffix) {
                message.extend_from_slice(&(0xC000 | offset).to_be_bytes());
                return;
            }
            // A pointer holds 14 bits: a suffix written later than that cannot be one.
            if let Ok(offset) = u16::try_from(message.len())
                && offset < 0x4000
            {
                self.written.insert(suffix.to_vec(), offset);
            }
            message.push(label.len() as u8);
            message.extend_from_slice(label);
        }
        message.push(0);
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
