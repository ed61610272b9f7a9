//! The text forms: a message printed the way dig prints one, but exact (one tab
//! between fields, names absolute), and records given on the command line.

use crate::message::{Message, flag};
use crate::name;
use crate::record::{self, Data, IN, Question, Record};
use std::fmt::Write;

/// The opcode's name (RFC 1035, RFC 1996, RFC 2136), or `OPCODEn`.
fn opcode_name(code: u8) -> String {
    match code {
        0 => "QUERY".to_string(),
        1 => "IQUERY".to_string(),
        2 => "STATUS".to_string(),
        4 => "NOTIFY".to_string(),
        5 => "UPDATE".to_string(),
        _ => format!("OPCODE{code}"),
    }
}

/// The response code's name, as dig prints it, or `RCODEn`.
fn rcode_name(code: u8) -> String {
    const NAMES: [&str; 11] = [
        "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
        "NXRRSET", "NOTAUTH", "NOTZONE",
    ];
    NAMES
        .get(usize::from(code))
        .map_or_else(|| format!("RCODE{code}"), |name| name.to_string())
}

/// A response code given as text: a name (any case) or its number (0 to 15).
pub fn parse_rcode(text: &str) -> Result<u8, String> {
    let upper = text.to_ascii_uppercase();
    (0..16)
        .find(|&code| rcode_name(code) == upper)
        .or_else(|| text.parse().ok().filter(|&code| code < 16))
        .ok_or_else(|| format!("unknown response code {text:?} (NOERROR, NXDOMAIN… or 0 to 15)"))
}

// ANCHOR: render
/// The message as text:
///
/// ```text
/// ;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 4660
/// ;; flags: qr rd ra; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 0
///
/// ;; QUESTION SECTION:
/// ;www.example.com.    IN    A
///
/// ;; ANSWER SECTION:
/// www.example.com.    300    IN    A    192.0.2.1
/// ```
///
/// (one tab between fields, shown here as spaces). Flags in the order qr aa tc rd ra
/// ad cd, each only when set; a section only when it has entries.
pub fn render(message: &Message) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        ";; ->>HEADER<<- opcode: {}, status: {}, id: {}",
        opcode_name(message.opcode()),
        rcode_name(message.rcode()),
        message.id
    );
    let names = [
        (flag::QR, "qr"),
        (flag::AA, "aa"),
        (flag::TC, "tc"),
        (flag::RD, "rd"),
        (flag::RA, "ra"),
        (flag::AD, "ad"),
        (flag::CD, "cd"),
    ];
    let _ = write!(text, ";; flags:");
    for (bit, name) in names {
        if message.flags & bit != 0 {
            let _ = write!(text, " {name}");
        }
    }
    let _ = writeln!(
        text,
        "; QUERY: {}, ANSWER: {}, AUTHORITY: {}, ADDITIONAL: {}",
        message.questions.len(),
        message.answers.len(),
        message.authorities.len(),
        message.additionals.len()
    );
    if !message.questions.is_empty() {
        let _ = writeln!(text, "\n;; QUESTION SECTION:");
        for question in &message.questions {
            let _ = writeln!(text, "{}", render_question(question));
        }
    }
    for (title, records) in [
        ("ANSWER", &message.answers),
        ("AUTHORITY", &message.authorities),
        ("ADDITIONAL", &message.additionals),
    ] {
        if !records.is_empty() {
            let _ = writeln!(text, "\n;; {title} SECTION:");
            for record in records {
                let _ = writeln!(text, "{}", render_record(record));
            }
        }
    }
    text
}
// ANCHOR_END: render

/// `;NAME<tab>CLASS<tab>TYPE`.
fn render_question(question: &Question) -> String {
    format!(
        ";{}\t{}\t{}",
        name::render(&question.name),
        record::class_name(question.class),
        record::type_name(question.rtype)
    )
}

/// `NAME<tab>TTL<tab>CLASS<tab>TYPE<tab>DATA`.
pub fn render_record(record: &Record) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}",
        name::render(&record.name),
        record.ttl,
        record::class_name(record.class),
        record::type_name(record.rtype),
        render_data(&record.data)
    )
}

// ANCHOR: render_data
/// The data as text: an address; a name; `PREFERENCE EXCHANGE`; `MNAME RNAME SERIAL
/// REFRESH RETRY EXPIRE MINIMUM`; TXT strings each quoted, one space apart; any other
/// type as `\# LENGTH HEX` (RFC 3597 §5: lowercase hex, nothing after `\# 0`).
fn render_data(data: &Data) -> String {
    todo!("each type's data in its documented text form")
}
// ANCHOR_END: render_data

/// A character-string in double quotes: `"` and `\` escaped with a backslash, bytes
/// outside space..`~` as `\DDD`.
fn quote(string: &[u8]) -> String {
    let mut text = String::from("\"");
    for &byte in string {
        match byte {
            b'"' | b'\\' => {
                text.push('\\');
                text.push(char::from(byte));
            }
            b' '..=b'~' => text.push(char::from(byte)),
            _ => text.push_str(&format!("\\{byte:03}")),
        }
    }
    text.push('"');
    text
}

/// A question from `NAME TYPE` (class IN).
pub fn parse_question(text: &str) -> Result<Question, String> {
    let mut fields = text.split_whitespace();
    let (Some(owner), Some(rtype), None) = (fields.next(), fields.next(), fields.next()) else {
        return Err(format!("a question is \"NAME TYPE\", not {text:?}"));
    };
    Ok(Question {
        name: name::parse(owner)?,
        rtype: record::parse_type(rtype)?,
        class: IN,
    })
}

// ANCHOR: parse_record
/// A record from `NAME TTL TYPE DATA` (class IN), DATA in the form `parse` prints it:
/// `192.0.2.1`, `2001:db8::1`, `ns1.example.`, `10 mail.example.`, `"one" "two"`,
/// `MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM`, or `\# LENGTH HEX`.
pub fn parse_record(text: &str) -> Result<Record, String> {
    let mut fields = text.trim_start().splitn(4, char::is_whitespace);
    let (Some(owner), Some(ttl), Some(rtype), Some(data)) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(format!("a record is \"NAME TTL TYPE DATA\", not {text:?}"));
    };
    let ttl = ttl
        .parse()
        .map_err(|_| format!("the TTL {ttl:?} is not a number from 0 to 4294967295"))?;
    let rtype = record::parse_type(rtype)?;
    let data = parse_data(rtype, data.trim())
        .map_err(|why| format!("{} data {data:?}: {why}", record::type_name(rtype)))?;
    Ok(Record {
        name: name::parse(owner)?,
        rtype,
        class: IN,
        ttl,
        data,
    })
}
// ANCHOR_END: parse_record

/// The data of a record of type `rtype`, from its text.
fn parse_data(rtype: u16, text: &str) -> Result<Data, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let bad = || "not the form this type's data takes".to_string();
    match (rtype, words.as_slice()) {
        (1, [address]) => address.parse().map(Data::A).map_err(|_| bad()),
        (28, [address]) => address.parse().map(Data::Aaaa).map_err(|_| bad()),
        (2 | 5, [target]) => name::parse(target).map(Data::Name),
        (15, [preference, exchange]) => Ok(Data::Mx {
            preference: preference.parse().map_err(|_| bad())?,
            exchange: name::parse(exchange)?,
        }),
        (6, [mname, rname, rest @ ..]) if rest.len() == 5 => {
            let mut numbers = [0; 5];
            for (number, word) in numbers.iter_mut().zip(rest) {
                *number = word.parse().map_err(|_| bad())?;
            }
            Ok(Data::Soa {
                mname: name::parse(mname)?,
                rname: name::parse(rname)?,
                numbers,
            })
        }
        (16, _) => parse_strings(text).map(Data::Txt),
        (_, ["\\#", length, hex @ ..]) => parse_raw(length, &hex.concat()).map(Data::Raw),
        _ => Err(bad()),
    }
}

/// `\# LENGTH HEX`: LENGTH bytes given as hex digits.
fn parse_raw(length: &str, hex: &str) -> Result<Vec<u8>, String> {
    let length: usize = length.parse().map_err(|_| "a bad length".to_string())?;
    if hex.len() != 2 * length || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("{length} bytes need {} hex digits", 2 * length));
    }
    (0..length)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

/// One or more quoted strings (`"a b" "c"`), with `\"`, `\\` and `\DDD` inside; each
/// at most 255 bytes.
fn parse_strings(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut strings = Vec::new();
    let mut bytes = text.bytes().peekable();
    loop {
        while bytes.next_if(|b| b.is_ascii_whitespace()).is_some() {}
        match bytes.next() {
            None if !strings.is_empty() => return Ok(strings),
            Some(b'"') => {}
            _ => return Err("TXT data is one or more strings in double quotes".to_string()),
        }
        let mut string = Vec::new();
        loop {
            match bytes.next() {
                None => return Err("a string without its closing quote".to_string()),
                Some(b'"') => break,
                Some(b'\\') => match bytes.next() {
                    Some(digit @ b'0'..=b'9') => {
                        let rest: Vec<u8> =
                            [bytes.next(), bytes.next()].into_iter().flatten().collect();
                        let digits = [vec![digit], rest].concat();
                        let value = std::str::from_utf8(&digits)
                            .ok()
                            .filter(|d| d.len() == 3)
                            .and_then(|d| d.parse::<u8>().ok())
                            .ok_or("\\DDD needs three digits, at most 255")?;
                        string.push(value);
                    }
                    Some(byte) => string.push(byte),
                    None => return Err("a string ends in a lone backslash".to_string()),
                },
                Some(byte) => string.push(byte),
            }
        }
        if string.len() > 255 {
            return Err(format!("a string of {} bytes (at most 255)", string.len()));
        }
        strings.push(string);
    }
}
