//! Grades ch3-9, DNS messages built and parsed by hand: `query` writes a standard
//! query, `response` a response with its names compressed, `parse` prints one message
//! from stdin in the documented text form or refuses it with its class's exit status.
//!
//! hickory-proto is the oracle: the test builds messages with it and renders them
//! itself in the documented form ([`oracle`]), and reads what the program writes with
//! it. `dig` is the real peer: its query is parsed, and the program's response is what
//! dig prints. A differential case runs the program on messages generated from the
//! seed (ch3::dns_corpus), valid, mutated and hostile.

use ch3::corpus::{self, Problem};
use ch3::dns;
use harness::prelude::*;
use harness::transcript::{describe, escape};
use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, NS, NULL, SOA, TXT};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::DecodeError;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;

fn main() -> ExitCode {
    harness::run!(&[
        Case::new("query writes one question hickory reads, RD set, a fresh random id", query_reads_back)
            .hint("A query is a 12-byte header (id, flags with only RD set, QDCOUNT 1, the other counts 0), \
                   then the name as length-prefixed labels ending in a 0 byte, then QTYPE and QCLASS (1, IN), \
                   every number big-endian.")
            .hint_if(Kind::Mismatch, "Draw the id at random for each run (a fixed id lets anyone forge the \
                     answer), write every 16-bit field with to_be_bytes, and set the RD bit (0x0100 of the \
                     flags word)."),
        Case::new("query --id is honoured, and every type is asked as given", query_types)
            .hint_if(Kind::Mismatch, "A, NS, CNAME, SOA, MX, TXT and AAAA are 1, 2, 5, 6, 15, 16 and 28; \
                     TYPEnnn is the number nnn (RFC 3597). --id N puts N in the first two bytes."),
        Case::new("query refuses a bad name or type with status 2", query_refuses)
            .hint("A label is 1 to 63 bytes (its length byte's top two bits must be 0); a name is at most 255 \
                   bytes on the wire; an empty label (`a..b`) cannot be written. Refuse those, and an unknown \
                   type, with one `error:` line and status 2."),
        Case::new("query with stdout closed is an error naming stdout, status 1", query_closed_stdout)
            .hint("When stdout is closed, write_all fails: report `error: cannot write to stdout: …` and \
                   exit with status 1, never a panic."),
        Case::new("parse prints a response hickory built, every type and section, in the documented form", parse_every_type)
            .hint("The form is exact: the header line, the flags line with the four counts, then each \
                   non-empty section under `;; NAME SECTION:` after a blank line; fields one tab apart; names \
                   absolute with the final dot.")
            .hint_if(Kind::Mismatch, "Compare your line with the expected one field by field: TTL is 32 \
                     bits, MX data is `PREFERENCE EXCHANGE`, SOA is two names and five numbers, each TXT \
                     string is quoted on its own, an unknown type is `\\# LENGTH HEX`."),
        Case::new("parse prints flags, opcodes and response codes as dig names them", parse_flags_and_codes)
            .hint_if(Kind::Mismatch, "The flags word is QR(1) OPCODE(4) AA TC RD RA Z AD CD RCODE(4), from \
                     the most significant bit: print the set flags in the order qr aa tc rd ra ad cd, the \
                     opcode as QUERY/STATUS/NOTIFY…, the rcode as NOERROR/NXDOMAIN/…"),
        Case::new("parse follows compression pointers, pointers to pointers included", parse_follows_pointers)
            .hint("A length byte whose top two bits are 11 starts a pointer: the low 14 bits of the two bytes \
                   are an offset from the start of the message where the rest of the name is; the name read \
                   there may end in another pointer."),
        Case::new("a message arriving in pieces is the same message", parse_in_pieces)
            .hint_if(Kind::Mismatch, "A read is not a message: read all of stdin (read_to_end) before \
                     parsing; one read may return only the first piece.")
            .hint_if(Kind::Closed, "parse ended before the last piece came. A read is not a message: read \
                     all of stdin (read_to_end) before parsing; one read may return only the first piece."),
        Case::new("a message over 512 bytes is read whole", parse_large_message)
            .hint("512 bytes is UDP's classic limit, not a message's: a message is up to 65,535 bytes. Do not \
                   read stdin into a fixed [u8; 512]. In a large message pointers reach far: a pointer's offset \
                   is 14 bits (the low 6 bits of its first byte, then all 8 of the second), so offsets past 255 \
                   are common."),
        Case::new("a compression pointer loop is refused at once with status 5", pointer_loop)
            .hint("A pointer to itself, or a pointer into the header whose bytes point back, never ends if \
                   followed blindly. Accept only pointers that go strictly backwards (before the start of \
                   the labels they end): then no loop can exist. Status 5, naming the byte.")
            .hint_if(Kind::Timeout, "The program followed a pointer loop forever. Require every pointer to \
                     point before the place where the current run of labels began."),
        Case::new("a forward pointer, or one past the end, is refused with status 5", pointer_forward)
            .hint("A pointer must point back to a name already read (RFC 1035 §4.1.4: a prior occurrence); \
                   a pointer forwards or past the end of the message is status 5."),
        Case::new("a label over 63 bytes (label types 0x40 and 0x80) is refused with status 4", label_types)
            .hint("A length byte's top two bits are its type: 00 a label of up to 63 bytes, 11 a pointer, \
                   01 and 10 reserved. A byte of 0x40 to 0xBF is refused with status 4, naming its offset."),
        Case::new("a name over 255 bytes once expanded is refused with status 4", name_too_long)
            .hint("Count the name's wire length (each label's bytes plus its length byte, plus the final 0) as \
                   you follow pointers: over 255 is status 4, even when every piece of it is short."),
        Case::new("a message cut short, or with counts that lie, is refused with status 3", truncated)
            .hint("Check before every read that the bytes are there: a header under 12 bytes, a name, a \
                   question or a record cut short, a count promising more than the message holds, an \
                   RDLENGTH running past the end: status 3, naming the byte where the message ended."),
        Case::new("a huge count with a tiny message allocates nothing up front", huge_counts)
            .hint("Never size a buffer from a count a peer sends: 65,535 records claimed in a 12-byte message \
                   must fail on the missing bytes (status 3), not fill memory first. Push each record as it \
                   is read."),
        Case::new("record data that disagrees with its RDLENGTH is refused with status 6", bad_rdata)
            .hint("The data must fill exactly RDLENGTH bytes: A is 4 bytes, AAAA 16, a name in NS, CNAME or MX \
                   must end inside the data and at its end, TXT strings must fill it exactly (at least one). \
                   Otherwise status 6."),
        Case::new("a message over 65,535 bytes is refused with status 7", too_large)
            .hint("No DNS message is over 65,535 bytes (its length over TCP is 16 bits): read at most 65,536 \
                   bytes (`take`) and refuse with status 7 if they all came."),
        Case::new("parse with stdout closed is an error naming stdout, status 1", parse_closed_stdout)
            .hint("When stdout is closed, write_all fails: report `error: cannot write to stdout: …` and \
                   exit with status 1, never a println! panic."),
        Case::new("a closed stderr does not turn a refusal into a panic", parse_closed_stderr)
            .hint("eprintln! panics when stderr is closed: write the error line with \
                   writeln!(std::io::stderr(), …) and ignore its result, then exit with the class's status."),
        Case::new("response writes the records given, and hickory reads them back", response_reads_back)
            .hint("response sets QR, copies --id, sets --aa/--rd/--ra and --rcode, and writes each --question \
                   \"NAME TYPE\" and --answer/--authority/--additional \"NAME TTL TYPE DATA\" (DATA as parse \
                   prints it) in order, class IN.")
            .hint_if(Kind::Mismatch, "Check RDLENGTH is the length of the data as written, the MX \
                     preference comes before the exchange, and each TXT string has its own length byte."),
        Case::new("response compresses every repeated name suffix to a pointer", response_compresses)
            .hint("Keep a table of every suffix already written (`example.com.`, `www.example.com.`) and its \
                   offset; before writing a name, find its longest suffix in the table and write only the \
                   labels before it, then a 2-byte pointer (0xC000 | offset). Names in NS, CNAME, MX and SOA \
                   data are compressed too."),
        Case::new("response refuses bad arguments with status 2", response_refuses)
            .hint("A question is \"NAME TYPE\", a record \"NAME TTL TYPE DATA\": a bad name, TTL, type, \
                   address, or a TXT string over 255 bytes is one `error:` line and status 2."),
        Case::new("dig's real query is parsed, and dig prints the program's response", dig_round_trip)
            .hint("dig sends a query with EDNS (an OPT record, type 41, in the additional section): parse \
                   must print it as an unknown type, not refuse it. The response must echo dig's id and \
                   question, with QR set.")
            .hint_if(Kind::Timeout, "dig waits for a response with its query's id, from the address it \
                     asked, with its question."),
        Case::new("400 generated messages: parse agrees with hickory and RFC 1035", differential)
            .hint("The messages are drawn from the case's seed: valid ones hickory built, mutations of them \
                   (bits flipped, cut short, counts raised, pointers aimed anywhere), and classic hostile \
                   packets. The failure names the sample, its bytes and the oracle's verdict; replay the run \
                   with its seed."),
    ])
}

// ---------------------------------------------------------------------------------
// The oracle: a hickory Message rendered in the documented text form.
// ---------------------------------------------------------------------------------

/// The seven types the program decodes (RFC 1035, RFC 3596), by code and name.
const TYPES: [(u16, &str); 7] = [
    (1, "A"),
    (2, "NS"),
    (5, "CNAME"),
    (6, "SOA"),
    (15, "MX"),
    (16, "TXT"),
    (28, "AAAA"),
];

/// A type's name, or `TYPEnnn`.
fn type_name(code: u16) -> String {
    TYPES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| format!("TYPE{code}"), |(_, name)| name.to_string())
}

/// A class's name, or `CLASSnnn`.
fn class_name(code: u16) -> String {
    match code {
        1 => "IN".into(),
        3 => "CH".into(),
        4 => "HS".into(),
        254 => "NONE".into(),
        255 => "ANY".into(),
        _ => format!("CLASS{code}"),
    }
}

/// A name, absolute: `.` and `\` escaped, bytes outside `!`..`~` as `\DDD`.
fn name_text(name: &Name) -> String {
    let mut text = String::new();
    for label in name.iter() {
        for &b in label {
            match b {
                b'.' | b'\\' => {
                    text.push('\\');
                    text.push(b as char);
                }
                b'!'..=b'~' => text.push(b as char),
                _ => text.push_str(&format!("\\{b:03}")),
            }
        }
        text.push('.');
    }
    if text.is_empty() { ".".into() } else { text }
}

/// A TXT string in quotes: `"` and `\` escaped, bytes outside space..`~` as `\DDD`.
fn quoted(bytes: &[u8]) -> String {
    let mut text = String::from("\"");
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                text.push('\\');
                text.push(b as char);
            }
            b' '..=b'~' => text.push(b as char),
            _ => text.push_str(&format!("\\{b:03}")),
        }
    }
    text + "\""
}

/// `\# LEN HEX` (RFC 3597).
fn raw_text(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "\\# 0".into();
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("\\# {} {hex}", bytes.len())
}

/// Why the oracle cannot judge a message hickory read: a record of a type hickory
/// decodes by its own RFC while the program keeps it raw (RFC 3597).
const NOT_COMPARABLE: &str = "not comparable";

/// A record's data in the documented form; `Err` when RFC 1035 calls it malformed
/// although hickory read it (an RDLENGTH of 0 for a type that has data: hickory keeps
/// it as an RFC 2136 update's empty record).
fn data_text(data: &RData) -> Result<String, String> {
    Ok(match data {
        RData::A(a) => a.0.to_string(),
        RData::AAAA(a) => a.0.to_string(),
        RData::NS(n) => name_text(&n.0),
        RData::CNAME(n) => name_text(&n.0),
        RData::MX(mx) => format!("{} {}", mx.preference, name_text(&mx.exchange)),
        RData::TXT(txt) => txt
            .txt_data
            .iter()
            .map(|s| quoted(s))
            .collect::<Vec<_>>()
            .join(" "),
        RData::SOA(soa) => format!(
            "{} {} {} {} {} {} {}",
            name_text(&soa.mname),
            name_text(&soa.rname),
            soa.serial,
            soa.refresh as u32,
            soa.retry as u32,
            soa.expire as u32,
            soa.minimum
        ),
        RData::Update0(t) if TYPES.iter().any(|(c, _)| *c == u16::from(*t)) => {
            return Err(format!(
                "a {t} record with RDLENGTH 0 (RFC 1035: its data cannot be empty)"
            ));
        }
        RData::Update0(_) => raw_text(&[]),
        RData::Unknown { rdata, .. } | RData::NULL(rdata) => raw_text(&rdata.anything),
        _ => return Err(NOT_COMPARABLE.into()),
    })
}

/// The opcode's name.
fn opcode_text(code: u8) -> String {
    match code {
        0 => "QUERY".into(),
        1 => "IQUERY".into(),
        2 => "STATUS".into(),
        4 => "NOTIFY".into(),
        5 => "UPDATE".into(),
        _ => format!("OPCODE{code}"),
    }
}

/// The response code's name.
fn rcode_text(code: u8) -> String {
    const NAMES: [&str; 11] = [
        "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
        "NXRRSET", "NOTAUTH", "NOTZONE",
    ];
    NAMES
        .get(code as usize)
        .map_or_else(|| format!("RCODE{code}"), |n| n.to_string())
}

/// The oracle: `message` in the documented text form, every line ending in `\n`; `Err`
/// when RFC 1035 calls the message malformed although hickory read it.
fn oracle(message: &Message) -> Result<String, String> {
    let m = &message.metadata;
    let mut text = format!(
        ";; ->>HEADER<<- opcode: {}, status: {}, id: {}\n;; flags:",
        opcode_text(u8::from(m.op_code)),
        rcode_text(m.response_code.low()),
        m.id
    );
    for (set, name) in [
        (m.message_type == MessageType::Response, "qr"),
        (m.authoritative, "aa"),
        (m.truncation, "tc"),
        (m.recursion_desired, "rd"),
        (m.recursion_available, "ra"),
        (m.authentic_data, "ad"),
        (m.checking_disabled, "cd"),
    ] {
        if set {
            text.push(' ');
            text.push_str(name);
        }
    }
    text.push_str(&format!(
        "; QUERY: {}, ANSWER: {}, AUTHORITY: {}, ADDITIONAL: {}\n",
        message.queries.len(),
        message.answers.len(),
        message.authorities.len(),
        message.additionals.len()
    ));
    if !message.queries.is_empty() {
        text.push_str("\n;; QUESTION SECTION:\n");
        for q in &message.queries {
            text.push_str(&format!(
                ";{}\t{}\t{}\n",
                name_text(q.name()),
                class_name(u16::from(q.query_class())),
                type_name(u16::from(q.query_type()))
            ));
        }
    }
    for (title, records) in [
        ("ANSWER", &message.answers),
        ("AUTHORITY", &message.authorities),
        ("ADDITIONAL", &message.additionals),
    ] {
        if records.is_empty() {
            continue;
        }
        text.push_str(&format!("\n;; {title} SECTION:\n"));
        for r in records {
            text.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\n",
                name_text(&r.name),
                r.ttl,
                class_name(u16::from(r.dns_class)),
                type_name(u16::from(r.record_type())),
                data_text(&r.data)?
            ));
        }
    }
    Ok(text)
}

// ---------------------------------------------------------------------------------
// Helpers: messages built by hand, the program run for its raw bytes.
// ---------------------------------------------------------------------------------

/// A 12-byte header.
fn header(id: u16, flags: u16, counts: [u16; 4]) -> Vec<u8> {
    let mut bytes = id.to_be_bytes().to_vec();
    bytes.extend(flags.to_be_bytes());
    for count in counts {
        bytes.extend(count.to_be_bytes());
    }
    bytes
}

/// A name as plain labels (no compression): `a.b` → `1a 1b 0`.
fn wire_name(name: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    for label in name.split('.').filter(|l| !l.is_empty()) {
        bytes.push(label.len() as u8);
        bytes.extend(label.as_bytes());
    }
    bytes.push(0);
    bytes
}

/// A record after its owner name: type, class IN, TTL, RDLENGTH, data.
fn record_tail(rtype: u16, ttl: u32, data: &[u8]) -> Vec<u8> {
    let mut bytes = rtype.to_be_bytes().to_vec();
    bytes.extend(1u16.to_be_bytes());
    bytes.extend(ttl.to_be_bytes());
    bytes.extend((data.len() as u16).to_be_bytes());
    bytes.extend(data);
    bytes
}

/// A fully qualified hickory name, from the test's own text.
fn fqdn(text: &str) -> Outcome<Name> {
    let mut name = dns::parse_name(text)?;
    name.set_fqdn(true);
    Ok(name)
}

/// A few labels from the seed's words, lowercase ASCII (a label is at most 63 bytes).
fn words_name(t: &mut Session, labels: usize) -> String {
    (0..labels)
        .map(|_| {
            let word: String = t
                .word()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .take(20)
                .collect();
            if word.is_empty() {
                "w".to_string()
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The program under test, to start it outside the harness.
fn program() -> Outcome<PathBuf> {
    let id = harness::ExerciseId::from_test_target(env!("CARGO_CRATE_NAME"))
        .map_err(|e| Failure::new(format!("the test's own name: {e:?}")))?;
    harness::locate::program_for(id).map_err(Failure::new)
}

/// Runs the program with `args` and returns its stdout bytes (the harness reads stdout
/// as lines of text; a DNS message is bytes). It must succeed.
fn raw_output(t: &mut Session, args: &[&str]) -> Outcome<Vec<u8>> {
    t.note(&format!("run `{}` for its raw output", args.join(" ")));
    let output = std::process::Command::new(program()?)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()?;
    if !output.status.success() {
        return Err(Failure::mismatch(
            format!("`{}` must succeed", args.join(" ")),
            "exit status 0",
            format!(
                "{} {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        ));
    }
    t.note(&format!(
        "it wrote {} bytes: {}",
        output.stdout.len(),
        describe(&output.stdout)
    ));
    Ok(output.stdout)
}

/// Starts `parse`, gives it `bytes` in one write and ends stdin.
fn start_parse(t: &mut Session, bytes: &[u8]) -> Outcome<Program> {
    let mut parse = t.start("parse", &["parse"])?;
    parse.send_bytes(bytes)?;
    parse.close_stdin();
    Ok(parse)
}

/// Checks the next stdout lines of `parse` are `text`'s, then that it succeeds (the
/// harness shows each line escaped: a tab as `\t`, a backslash as `\\`).
fn expect_text(parse: &mut Program, text: &str) -> Outcome {
    for line in text.lines() {
        parse.expect_line(&escape(line.as_bytes()))?;
    }
    parse.expect_success()
}

/// `parse` on the wire form of `message` must print the oracle's rendering.
fn expect_rendered(t: &mut Session, message: &Message) -> Outcome {
    let bytes = dns::encode(message)?;
    let text = oracle(&dns::decode(&bytes)?).map_err(Failure::new)?;
    let mut parse = start_parse(t, &bytes)?;
    expect_text(&mut parse, &text)
}

/// `parse` on `bytes` must exit with `status`, its error line holding each of `words`,
/// and print nothing on stdout.
fn refused(t: &mut Session, bytes: &[u8], status: i32, words: &[&str]) -> Outcome {
    let mut parse = start_parse(t, bytes)?;
    let line = parse.expect_error_exit(Some(status))?;
    for word in words {
        if !line.contains(word) {
            return Err(Failure::mismatch(
                "the error line must name the problem and the byte where it is",
                format!("a line containing {word:?}"),
                line,
            ));
        }
    }
    match parse.read_line() {
        Ok(line) => Err(Failure::mismatch(
            "a refused message must print nothing on stdout",
            "no stdout at all",
            line,
        )),
        Err(_) => Ok(()),
    }
}

// ---------------------------------------------------------------------------------
// query
// ---------------------------------------------------------------------------------

fn query_reads_back(t: &mut Session) -> Outcome {
    let mut ids = Vec::new();
    for (i, rtype) in ["A", "AAAA", "MX", "TXT"].into_iter().enumerate() {
        let name = words_name(t, 2 + i % 2);
        let bytes = raw_output(t, &["query", &name, rtype])?;
        let message = dns::decode(&bytes)?;
        let m = &message.metadata;
        let want = RecordType::from(match rtype {
            "A" => 1,
            "AAAA" => 28,
            "MX" => 15,
            _ => 16,
        });
        let asked: Vec<String> = message
            .queries
            .iter()
            .map(|q| format!("{} {} {}", q.name(), q.query_type(), q.query_class()))
            .collect();
        let expected = vec![format!("{name}. {want} IN")];
        if asked != expected {
            return Err(Failure::mismatch(
                "the query must hold exactly the question asked",
                format!("{expected:?}"),
                format!("{asked:?}"),
            ));
        }
        expect_that(
            m.message_type == MessageType::Query && m.op_code == OpCode::Query,
            "a query has QR 0 and opcode 0 (QUERY)",
        )?;
        expect_that(
            m.recursion_desired,
            "the query must set RD (recursion desired): a stub resolver asks its recursive resolver to do the work",
        )?;
        expect_that(
            !m.authoritative && !m.truncation && !m.recursion_available,
            "a query sets no flag but RD",
        )?;
        expect_that(
            message.answers.is_empty()
                && message.authorities.is_empty()
                && message.additionals.is_empty(),
            "a query has no records, only its question",
        )?;
        expect_that(
            bytes.len() == 12 + name.len() + 2 + 4,
            format!(
                "the query must be the header, the name and 4 bytes: {} bytes, not {}",
                12 + name.len() + 2 + 4,
                bytes.len()
            ),
        )?;
        ids.push(m.id);
    }
    t.note(&format!("the four ids: {ids:?}"));
    expect_that(
        ids.iter().any(|id| *id != ids[0]),
        format!(
            "four queries all had the id {}: it must be random, fresh for each query",
            ids[0]
        ),
    )
}

fn query_types(t: &mut Session) -> Outcome {
    let id = (t.number() % 65_536) as u16;
    let id_text = id.to_string();
    let name = words_name(t, 3);
    for (code, text) in TYPES.iter().map(|(c, n)| (*c, n.to_lowercase())).chain([
        (99, "TYPE99".to_string()),
        (65_400, "TYPE65400".to_string()),
    ]) {
        let bytes = raw_output(t, &["query", &name, &text, "--id", &id_text])?;
        let message = dns::decode(&bytes)?;
        expect_that(
            message.metadata.id == id,
            format!(
                "--id {id} must be the query's id, not {}",
                message.metadata.id
            ),
        )?;
        let asked = message.queries.first().map(|q| u16::from(q.query_type()));
        if asked != Some(code) || message.queries.len() != 1 {
            return Err(Failure::mismatch(
                format!("`query {name} {text}` must ask one question of type {code}"),
                format!("QTYPE {code}"),
                format!("{asked:?} in {} questions", message.queries.len()),
            ));
        }
    }
    Ok(())
}

fn query_refuses(t: &mut Session) -> Outcome {
    let word = words_name(t, 1);
    let long_label = "a".repeat(64);
    let long_name = vec!["b".repeat(63); 4].join("."); // 4 × 64 + 1 = 257 bytes
    let bad_names = [
        format!("{long_label}.{word}"),
        long_name,
        format!("{word}..{word}"),
        format!(".{word}"),
    ];
    for name in &bad_names {
        let mut query = t.start("query", &["query", name, "A"])?;
        query.expect_error_exit(Some(2))?;
    }
    let fits = vec!["c".repeat(63); 3].join(".") + "." + &"d".repeat(61); // 255 bytes
    let mut query = t.start("query", &["query", &fits, "A"])?;
    query.expect_exit_code(0, "a name of exactly 255 bytes on the wire is allowed")?;
    for rtype in ["FOO", "TYPE", "TYPE70000"] {
        let mut query = t.start("query", &["query", &word, rtype])?;
        query.expect_error_exit(Some(2))?;
    }
    Ok(())
}

fn query_closed_stdout(t: &mut Session) -> Outcome {
    t.set_stdout(Output::Closed);
    let name = words_name(t, 2);
    let mut query = t.start("query", &["query", &name, "A"])?;
    query.expect_error_exit_naming(1, "stdout").map(drop)
}

// ---------------------------------------------------------------------------------
// parse: valid messages
// ---------------------------------------------------------------------------------

/// A response with every type the program decodes, in all four sections, names
/// sharing suffixes (hickory compresses them), from the case's words.
fn rich_response(t: &mut Session) -> Outcome<Message> {
    let zone = format!("{}.test.", words_name(t, 1));
    let host = format!("{}.{zone}", words_name(t, 1));
    let mut m = Message::new(
        (t.number() % 65_536) as u16,
        MessageType::Response,
        OpCode::Query,
    );
    m.metadata.recursion_desired = true;
    m.metadata.recursion_available = true;
    m.add_query(Query::query(fqdn(&host)?, RecordType::A));
    let n = (t.number() % 250) as u8 + 1;
    let ttl = 0x7000_0000 + t.number() as u32 % 1000; // needs all 32 bits
    let (s1, s2) = (t.sentence(3), t.sentence(2));
    let record = |name: &str, ttl: u32, data: RData| -> Outcome<Record> {
        Ok(Record::from_rdata(fqdn(name)?, ttl, data))
    };
    m.add_answer(record(
        &host,
        300,
        RData::CNAME(CNAME(fqdn(&format!("web.{zone}"))?)),
    )?);
    m.add_answer(record(
        &format!("web.{zone}"),
        ttl,
        RData::A(A(Ipv4Addr::new(192, 0, 2, n))),
    )?);
    m.add_answer(record(
        &format!("web.{zone}"),
        60,
        RData::AAAA(AAAA(Ipv6Addr::new(
            0x2001,
            0xdb8,
            0,
            0,
            0,
            0,
            0,
            u16::from(n),
        ))),
    )?);
    m.add_answer(record(
        &zone,
        3600,
        RData::MX(MX::new(u16::from(n) * 10, fqdn(&format!("mail.{zone}"))?)),
    )?);
    m.add_answer(record(
        &zone,
        3600,
        RData::TXT(TXT::from_bytes(vec![
            s1.as_bytes(),
            b"say \"hi\" \\ ok",
            b"",
            &[0x00, 0x09, 0xff, b'x'],
            s2.as_bytes(),
        ])),
    )?);
    m.add_authority(record(
        &zone,
        86_400,
        RData::NS(NS(fqdn(&format!("ns1.{zone}"))?)),
    )?);
    m.add_authority(record(
        &zone,
        0,
        RData::SOA(SOA::new(
            fqdn(&format!("ns1.{zone}"))?,
            fqdn(&format!("hostmaster.{zone}"))?,
            4_000_000_000,
            7200,
            900,
            1_209_600,
            u32::from(n),
        )),
    )?);
    m.add_additional(record(
        &format!("ns1.{zone}"),
        60,
        RData::A(A(Ipv4Addr::new(198, 51, 100, n))),
    )?);
    m.add_additional(record(
        &format!("x.{zone}"),
        5,
        RData::Unknown {
            code: RecordType::Unknown(65_400),
            rdata: NULL::with(vec![0xde, 0xad, n, 0x00]),
        },
    )?);
    Ok(m)
}

fn parse_every_type(t: &mut Session) -> Outcome {
    let message = rich_response(t)?;
    expect_rendered(t, &message)
}

fn parse_flags_and_codes(t: &mut Session) -> Outcome {
    let zone = format!("{}.test.", words_name(t, 1));
    // NXDOMAIN with the zone's SOA, authoritative, and AD.
    let mut m = Message::new(
        (t.number() % 65_536) as u16,
        MessageType::Response,
        OpCode::Query,
    );
    m.metadata.authoritative = true;
    m.metadata.recursion_desired = true;
    m.metadata.authentic_data = true;
    m.metadata.response_code = ResponseCode::NXDomain;
    m.add_query(Query::query(
        fqdn(&format!("nope.{zone}"))?,
        RecordType::AAAA,
    ));
    m.add_authority(Record::from_rdata(
        fqdn(&zone)?,
        300,
        RData::SOA(SOA::new(
            fqdn(&format!("ns.{zone}"))?,
            fqdn(&format!("admin.{zone}"))?,
            1,
            2,
            3,
            4,
            5,
        )),
    ));
    expect_rendered(t, &m)?;
    // Truncated and checking disabled, SERVFAIL, no flags but these.
    let mut m = Message::new(
        (t.number() % 65_536) as u16,
        MessageType::Response,
        OpCode::Query,
    );
    m.metadata.truncation = true;
    m.metadata.checking_disabled = true;
    m.metadata.response_code = ResponseCode::ServFail;
    m.add_query(Query::query(fqdn(&zone)?, RecordType::MX));
    expect_rendered(t, &m)?;
    // A NOTIFY query in class CH, a STATUS with no question: no flags at all.
    let mut m = Message::new(
        (t.number() % 65_536) as u16,
        MessageType::Query,
        OpCode::Notify,
    );
    let mut q = Query::query(fqdn(&zone)?, RecordType::SOA);
    q.set_query_class(DNSClass::CH);
    m.add_query(q);
    expect_rendered(t, &m)?;
    let m = Message::new(
        (t.number() % 65_536) as u16,
        MessageType::Query,
        OpCode::Status,
    );
    expect_rendered(t, &m)?;
    // REFUSED, the root name, and a question of type 255 (ANY).
    let mut m = Message::new(
        (t.number() % 65_536) as u16,
        MessageType::Response,
        OpCode::Query,
    );
    m.metadata.response_code = ResponseCode::Refused;
    m.add_query(Query::query(Name::root(), RecordType::ANY));
    expect_rendered(t, &m)
}

fn parse_follows_pointers(t: &mut Session) -> Outcome {
    let host = words_name(t, 1);
    let zone = words_name(t, 1);
    // Question `host.zone.test.` at 12; an answer owned by a pointer to `zone.test.`
    // (a suffix, not the whole name); CNAME data `mail` + a pointer to the answer's
    // owner, which is itself a pointer (a pointer to a pointer); a second answer whose
    // owner is a pointer to the CNAME's data.
    let mut bytes = header(0x4242, 0x8180, [1, 2, 0, 0]);
    let question_at = bytes.len();
    bytes.extend(wire_name(&format!("{host}.{zone}.test")));
    bytes.extend(1u16.to_be_bytes());
    bytes.extend(1u16.to_be_bytes());
    let zone_at = question_at + 1 + host.len();
    let owner_at = bytes.len();
    bytes.extend((0xC000 | zone_at as u16).to_be_bytes());
    let mut cname = vec![4];
    cname.extend(b"mail");
    cname.extend((0xC000 | owner_at as u16).to_be_bytes());
    let cname_at = bytes.len() + 10;
    bytes.extend(record_tail(5, 300, &cname));
    bytes.extend((0xC000 | cname_at as u16).to_be_bytes());
    bytes.extend(record_tail(1, 60, &[192, 0, 2, 7]));
    let message = dns::decode(&bytes)?;
    let text = oracle(&message).map_err(Failure::new)?;
    t.note(&format!("expected:\n{text}"));
    let mut parse = start_parse(t, &bytes)?;
    expect_text(&mut parse, &text)
}

fn parse_in_pieces(t: &mut Session) -> Outcome {
    let message = rich_response(t)?;
    let bytes = dns::encode(&message)?;
    let text = oracle(&dns::decode(&bytes)?).map_err(Failure::new)?;
    let mut cuts = t.cuts(bytes.len(), 5);
    cuts.push(6); // inside the header
    cuts.sort_unstable();
    cuts.dedup();
    let mut parse = t.start("parse", &["parse"])?;
    t.note("the message arrives in several writes, cut anywhere; then stdin ends");
    parse.send_in_pieces(&bytes, &cuts)?;
    parse.close_stdin();
    expect_text(&mut parse, &text)
}

fn parse_large_message(t: &mut Session) -> Outcome {
    let zone = format!("{}.test.", words_name(t, 1));
    let mut m = Message::new(
        (t.number() % 65_536) as u16,
        MessageType::Response,
        OpCode::Query,
    );
    m.add_query(Query::query(fqdn(&zone)?, RecordType::TXT));
    for _ in 0..6 {
        let s = t.sentence(12);
        let s = &s.as_bytes()[..s.len().min(255)];
        m.add_answer(Record::from_rdata(
            fqdn(&zone)?,
            60,
            RData::TXT(TXT::from_bytes(vec![s, s])),
        ));
    }
    // Names written after the big answers: pointers to offsets far past 255.
    m.add_authority(Record::from_rdata(
        fqdn(&zone)?,
        3600,
        RData::NS(NS(fqdn(&format!("ns1.{zone}"))?)),
    ));
    m.add_additional(Record::from_rdata(
        fqdn(&format!("ns1.{zone}"))?,
        3600,
        RData::A(A(Ipv4Addr::new(192, 0, 2, 53))),
    ));
    let bytes = dns::encode(&m)?;
    t.note(&format!("a message of {} bytes", bytes.len()));
    expect_that(
        bytes.len() > 512,
        "the test's message must be over 512 bytes",
    )?;
    expect_rendered(t, &m)
}

// ---------------------------------------------------------------------------------
// parse: hostile messages
// ---------------------------------------------------------------------------------

fn pointer_loop(t: &mut Session) -> Outcome {
    // A pointer to itself, in the question.
    let mut bytes = header(0x0102, 0x0100, [1, 0, 0, 0]);
    bytes.extend([0xC0, 12, 0, 1, 0, 1]);
    refused(t, &bytes, 5, &["byte 12", "pointer"])?;
    // Two pointers pointing at each other: the question's name points at the header,
    // whose id bytes point back at the question.
    let mut bytes = header(0xC00C, 0x0100, [1, 0, 0, 0]);
    bytes.extend([0xC0, 0, 0, 1, 0, 1]);
    refused(t, &bytes, 5, &["byte 0", "pointer"])?;
    // A label, then a pointer back to that label: `a.a.a.…` forever.
    let word = words_name(t, 1);
    let mut bytes = header(0x0304, 0x0100, [1, 0, 0, 0]);
    bytes.push(word.len() as u8);
    bytes.extend(word.as_bytes());
    bytes.extend([0xC0, 12, 0, 1, 0, 1]);
    refused(
        t,
        &bytes,
        5,
        &[&format!("byte {}", 13 + word.len()), "pointer"],
    )
}

fn pointer_forward(t: &mut Session) -> Outcome {
    let word = words_name(t, 1);
    // The question's name points forward, at a name in the answer.
    let mut bytes = header(0x0506, 0x8000, [1, 1, 0, 0]);
    bytes.extend([0xC0, 18, 0, 1, 0, 1]);
    bytes.extend(wire_name(&word));
    bytes.extend(record_tail(1, 1, &[1, 2, 3, 4]));
    refused(t, &bytes, 5, &["byte 12", "pointer"])?;
    // A pointer past the end of the message.
    let mut bytes = header(0x0708, 0x8000, [0, 1, 0, 0]);
    bytes.extend([0xFF, 0xF0]);
    bytes.extend(record_tail(1, 1, &[1, 2, 3, 4]));
    refused(t, &bytes, 5, &["byte 12", "pointer"])?;
    // A pointer in CNAME data aimed at the data itself.
    let mut bytes = header(0x090a, 0x8000, [0, 1, 0, 0]);
    bytes.extend(wire_name(&word));
    let data_at = bytes.len() + 10;
    bytes.extend(record_tail(5, 1, &(0xC000 | data_at as u16).to_be_bytes()));
    refused(t, &bytes, 5, &[&format!("byte {data_at}"), "pointer"])
}

fn label_types(t: &mut Session) -> Outcome {
    let word = words_name(t, 1);
    for length in [0x40u8, 0x80, 0x7F, 0xBF] {
        let mut bytes = header(0x0b0c, 0x0100, [1, 0, 0, 0]);
        bytes.push(word.len() as u8);
        bytes.extend(word.as_bytes());
        bytes.push(length);
        bytes.extend(vec![b'a'; 70]);
        bytes.extend([0, 0, 1, 0, 1]);
        refused(t, &bytes, 4, &[&format!("byte {}", 13 + word.len())])?;
    }
    Ok(())
}

fn name_too_long(t: &mut Session) -> Outcome {
    // Four labels of 63 bytes in place: 4 × 64 + 1 = 257 bytes.
    let mut bytes = header(0x0d0e, 0x0100, [1, 0, 0, 0]);
    for _ in 0..4 {
        bytes.push(63);
        bytes.extend(vec![b'x'; 63]);
    }
    bytes.extend([0, 0, 1, 0, 1]);
    refused(t, &bytes, 4, &["byte 12", "255"])?;
    // Two names of 129 bytes each, fine alone; the answer's owner is two labels of 63
    // and a pointer to the question's name: 257 bytes once expanded.
    let word = words_name(t, 1);
    let label = |c: u8| {
        let mut l = vec![63];
        l.extend(vec![c; 63]);
        l
    };
    let mut bytes = header(0x0f10, 0x8000, [1, 1, 0, 0]);
    bytes.extend(label(b'q'));
    bytes.extend(label(b'r'));
    bytes.push(0);
    bytes.extend([0, 1, 0, 1]);
    let owner_at = bytes.len();
    bytes.extend(label(b's'));
    bytes.extend(label(b't'));
    bytes.extend([0xC0, 12]);
    bytes.extend(record_tail(16, 1, &[word.len() as u8]));
    bytes.extend(word.as_bytes());
    // (the TXT string above runs past its RDLENGTH of 1 — but the name fails first)
    refused(t, &bytes, 4, &[&format!("byte {owner_at}"), "255"])
}

fn truncated(t: &mut Session) -> Outcome {
    let word = words_name(t, 1);
    let mut question = header(0x1112, 0x0100, [1, 0, 0, 0]);
    question.extend(wire_name(&format!("{word}.test")));
    question.extend([0, 1, 0, 1]);
    refused(t, &question[..7], 3, &["byte 6"])?;
    refused(t, &[], 3, &["byte 0"])?;
    // Cut inside the name, and inside QCLASS.
    refused(t, &question[..15], 3, &["byte"])?;
    refused(t, &question[..question.len() - 1], 3, &["byte"])?;
    // An answer promised but not there.
    let mut promised = question.clone();
    promised[7] = 1;
    refused(t, &promised, 3, &[&format!("byte {}", question.len())])?;
    // An RDLENGTH of 100 with 4 bytes of data.
    let mut bytes = header(0x1314, 0x8000, [0, 1, 0, 0]);
    bytes.extend(wire_name(&word));
    let mut tail = record_tail(1, 1, &[1, 2, 3, 4]);
    tail[8..10].copy_from_slice(&100u16.to_be_bytes());
    bytes.extend(tail);
    refused(t, &bytes, 3, &[&format!("byte {}", 14 + word.len() + 10)])
}

fn huge_counts(t: &mut Session) -> Outcome {
    let word = words_name(t, 1);
    let mut bytes = header(0x1516, 0x8000, [0, 0xFFFF, 0xFFFF, 0xFFFF]);
    bytes.extend(wire_name(&word));
    bytes.extend(record_tail(1, 1, &[10, 0, 0, 1]));
    let mut parse = start_parse(t, &bytes)?;
    parse.expect_error_exit(Some(3))?;
    parse.expect_peak_memory_below(
        12 * 1024 * 1024,
        "the few bytes that arrived, not 65,535 records per section",
    )
}

fn bad_rdata(t: &mut Session) -> Outcome {
    let word = words_name(t, 1);
    let owner = wire_name(&word);
    let data_at = 12 + owner.len() + 10;
    let one = |rtype: u16, data: &[u8]| {
        let mut bytes = header(0x1718, 0x8000, [0, 1, 0, 0]);
        bytes.extend(&owner);
        bytes.extend(record_tail(rtype, 1, data));
        bytes
    };
    let at = format!("byte {data_at}");
    // A with 5 bytes, AAAA with 4.
    refused(t, &one(1, &[1, 2, 3, 4, 5]), 6, &[&at])?;
    refused(t, &one(28, &[1, 2, 3, 4]), 6, &[&at])?;
    // A CNAME whose name ends before the data does (a byte left over).
    let mut cname = wire_name(&word);
    cname.push(7);
    refused(t, &one(5, &cname), 6, &["byte"])?;
    // An MX whose name runs on past RDLENGTH (into the next record's bytes).
    let mut bytes = header(0x191a, 0x8000, [0, 2, 0, 0]);
    bytes.extend(&owner);
    let mut mx = vec![0, 10];
    mx.extend(wire_name(&word));
    let mut tail = record_tail(15, 1, &mx);
    let short = (mx.len() - 2) as u16;
    tail[8..10].copy_from_slice(&short.to_be_bytes());
    bytes.extend(tail);
    bytes.extend([0xC0, 12]);
    bytes.extend(record_tail(1, 1, &[1, 2, 3, 4]));
    refused(t, &bytes, 6, &["byte"])?;
    // TXT: a string longer than the data left; empty TXT data.
    refused(t, &one(16, &[9, b'a', b'b']), 6, &["byte"])?;
    refused(t, &one(16, &[]), 6, &[&at])
}

fn too_large(t: &mut Session) -> Outcome {
    let mut bytes = header(0x1b1c, 0x8000, [0, 1, 0, 0]);
    bytes.push(0);
    bytes.extend(record_tail(65_400, 1, &vec![0xAB; 65_535 - 11 - 12]));
    expect_that(
        bytes.len() == 65_535,
        "the test's message must be 65,535 bytes",
    )?;
    // 65,535 bytes is the most a message may be: it is read whole…
    let run = corpus::run_parse(&program()?, &bytes, RUN_LIMIT)?;
    t.note(&format!("65,535 bytes: {}", run_summary(&run)));
    expect_that(
        run.status.and_then(|s| s.code()) == Some(0),
        format!(
            "a message of exactly 65,535 bytes is valid, but parse {}",
            run_summary(&run)
        ),
    )?;
    // …one byte more is refused.
    bytes.push(0);
    refused(t, &bytes, 7, &["65"])
}

fn parse_closed_stdout(t: &mut Session) -> Outcome {
    t.set_stdout(Output::Closed);
    let message = rich_response(t)?;
    let bytes = dns::encode(&message)?;
    let mut parse = start_parse(t, &bytes)?;
    parse.expect_error_exit_naming(1, "stdout").map(drop)
}

fn parse_closed_stderr(t: &mut Session) -> Outcome {
    t.set_stderr(Output::Closed);
    let mut bytes = header(0x1d1e, 0x0100, [1, 0, 0, 0]);
    bytes.extend([0xC0, 12, 0, 1, 0, 1]);
    let mut parse = start_parse(t, &bytes)?;
    parse.expect_exit_code(
        5,
        "a pointer loop, reported on a closed stderr without a panic",
    )
}

// ---------------------------------------------------------------------------------
// response
// ---------------------------------------------------------------------------------

/// The arguments of a response and what hickory must read from it.
struct Given {
    args: Vec<String>,
    expected: Message,
}

/// A response with every type, names sharing suffixes everywhere.
fn given_response(t: &mut Session) -> Outcome<Given> {
    let zone = format!("{}.{}.", words_name(t, 1), words_name(t, 1));
    let host = format!("{}.{zone}", words_name(t, 1));
    let id = (t.number() % 65_536) as u16;
    let n = (t.number() % 250) as u8 + 1;
    let text = t.sentence(3);
    let mut args: Vec<String> = ["response", "--id", &id.to_string(), "--rd", "--ra", "--aa"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut expected = Message::new(id, MessageType::Response, OpCode::Query);
    expected.metadata.recursion_desired = true;
    expected.metadata.recursion_available = true;
    expected.metadata.authoritative = true;
    args.extend(["--question".into(), format!("{host} A")]);
    expected.add_query(Query::query(fqdn(&host)?, RecordType::A));
    let records: Vec<(&str, String, Record)> = vec![
        (
            "--answer",
            format!("{host} 300 CNAME www.{zone}"),
            Record::from_rdata(
                fqdn(&host)?,
                300,
                RData::CNAME(CNAME(fqdn(&format!("www.{zone}"))?)),
            ),
        ),
        (
            "--answer",
            format!("www.{zone} 3000000000 A 192.0.2.{n}"),
            Record::from_rdata(
                fqdn(&format!("www.{zone}"))?,
                3_000_000_000,
                RData::A(A(Ipv4Addr::new(192, 0, 2, n))),
            ),
        ),
        (
            "--answer",
            format!("www.{zone} 60 AAAA 2001:db8::{n:x}"),
            Record::from_rdata(
                fqdn(&format!("www.{zone}"))?,
                60,
                RData::AAAA(AAAA(Ipv6Addr::new(
                    0x2001,
                    0xdb8,
                    0,
                    0,
                    0,
                    0,
                    0,
                    u16::from(n),
                ))),
            ),
        ),
        (
            "--answer",
            format!("{zone} 60 TXT \"{text}\" \"two\""),
            Record::from_rdata(
                fqdn(&zone)?,
                60,
                RData::TXT(TXT::from_bytes(vec![text.as_bytes(), b"two"])),
            ),
        ),
        (
            "--authority",
            format!("{zone} 86400 NS ns1.{zone}"),
            Record::from_rdata(
                fqdn(&zone)?,
                86_400,
                RData::NS(NS(fqdn(&format!("ns1.{zone}"))?)),
            ),
        ),
        (
            "--authority",
            format!("{zone} 0 SOA ns1.{zone} admin.{zone} 7 3600 600 86400 {n}"),
            Record::from_rdata(
                fqdn(&zone)?,
                0,
                RData::SOA(SOA::new(
                    fqdn(&format!("ns1.{zone}"))?,
                    fqdn(&format!("admin.{zone}"))?,
                    7,
                    3600,
                    600,
                    86_400,
                    u32::from(n),
                )),
            ),
        ),
        (
            "--additional",
            format!("{zone} 60 MX {} mail.{zone}", 256 + u16::from(n)),
            Record::from_rdata(
                fqdn(&zone)?,
                60,
                RData::MX(MX::new(256 + u16::from(n), fqdn(&format!("mail.{zone}"))?)),
            ),
        ),
        (
            "--additional",
            format!("ns1.{zone} 60 TYPE65400 \\# 3 0a0b{n:02x}"),
            Record::from_rdata(
                fqdn(&format!("ns1.{zone}"))?,
                60,
                RData::Unknown {
                    code: RecordType::Unknown(65_400),
                    rdata: NULL::with(vec![0x0a, 0x0b, n]),
                },
            ),
        ),
    ];
    for (flag, text, record) in records {
        args.extend([flag.to_string(), text]);
        match flag {
            "--answer" => expected.add_answer(record),
            "--authority" => expected.add_authority(record),
            _ => expected.add_additional(record),
        };
    }
    Ok(Given { args, expected })
}

fn response_reads_back(t: &mut Session) -> Outcome {
    let given = given_response(t)?;
    let args: Vec<&str> = given.args.iter().map(String::as_str).collect();
    let bytes = raw_output(t, &args)?;
    let got = oracle(&dns::decode(&bytes)?).map_err(Failure::new)?;
    let want = oracle(&given.expected).map_err(Failure::new)?;
    if got != want {
        return Err(Failure::mismatch(
            "hickory must read back the records given, in order (shown in parse's form)",
            want,
            got,
        ));
    }
    // NXDOMAIN, nothing but a question.
    let name = format!("{}.test", words_name(t, 2));
    let bytes = raw_output(
        t,
        &[
            "response",
            "--id",
            "9",
            "--rcode",
            "nxdomain",
            "--question",
            &format!("{name} MX"),
        ],
    )?;
    let message = dns::decode(&bytes)?;
    expect_that(
        message.metadata.response_code == ResponseCode::NXDomain
            && message.metadata.message_type == MessageType::Response
            && message.metadata.id == 9
            && !message.metadata.recursion_desired,
        format!(
            "`--rcode nxdomain --id 9` must be an NXDOMAIN response with id 9, not {:?}",
            message.metadata
        ),
    )
}

/// The length of `message` on the wire when every suffix already written is a 2-byte
/// pointer (names in NS, CNAME, MX and SOA data included), and without compression.
fn expected_lengths(message: &Message) -> (usize, usize) {
    let mut seen: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut compressed = 12;
    let mut plain = 12;
    let mut name = |name: &Name, compressed: &mut usize, plain: &mut usize| {
        let labels: Vec<Vec<u8>> = name.iter().map(<[u8]>::to_vec).collect();
        *plain += labels.iter().map(|l| l.len() + 1).sum::<usize>() + 1;
        for i in 0..labels.len() {
            if seen.contains(&labels[i..].to_vec()) {
                *compressed += 2;
                return;
            }
            seen.push(labels[i..].to_vec());
            *compressed += labels[i].len() + 1;
        }
        *compressed += 1;
    };
    for q in &message.queries {
        name(q.name(), &mut compressed, &mut plain);
        compressed += 4;
        plain += 4;
    }
    for r in message
        .answers
        .iter()
        .chain(&message.authorities)
        .chain(&message.additionals)
    {
        name(&r.name, &mut compressed, &mut plain);
        compressed += 10;
        plain += 10;
        let fixed = match &r.data {
            RData::A(_) => 4,
            RData::AAAA(_) => 16,
            RData::NS(n) => {
                name(&n.0, &mut compressed, &mut plain);
                0
            }
            RData::CNAME(n) => {
                name(&n.0, &mut compressed, &mut plain);
                0
            }
            RData::MX(mx) => {
                name(&mx.exchange, &mut compressed, &mut plain);
                2
            }
            RData::SOA(soa) => {
                name(&soa.mname, &mut compressed, &mut plain);
                name(&soa.rname, &mut compressed, &mut plain);
                20
            }
            RData::TXT(txt) => txt.txt_data.iter().map(|s| s.len() + 1).sum(),
            RData::Unknown { rdata, .. } => rdata.anything.len(),
            _ => 0,
        };
        compressed += fixed;
        plain += fixed;
    }
    (compressed, plain)
}

fn response_compresses(t: &mut Session) -> Outcome {
    let given = given_response(t)?;
    let args: Vec<&str> = given.args.iter().map(String::as_str).collect();
    let bytes = raw_output(t, &args)?;
    dns::decode(&bytes)?;
    let (compressed, plain) = expected_lengths(&given.expected);
    t.note(&format!(
        "{plain} bytes without compression, {compressed} with every repeated suffix a pointer; the program wrote {}",
        bytes.len()
    ));
    if bytes.len() != compressed {
        return Err(Failure::mismatch(
            "every name suffix already in the message must be written as a 2-byte pointer to it",
            format!("{compressed} bytes ({plain} without compression)"),
            format!("{} bytes: {}", bytes.len(), escape(&bytes)),
        ));
    }
    Ok(())
}

fn response_refuses(t: &mut Session) -> Outcome {
    let word = words_name(t, 1);
    let long = "t".repeat(256);
    let bad_records = [
        format!("{word}. 60 A 300.1.2.3"),
        format!("{word}. sixty A 192.0.2.1"),
        format!("{word}. 60 FOO 1"),
        format!("{word}..x 60 A 192.0.2.1"),
        format!("{word}. 60 AAAA 192.0.2.1"),
        format!("{word}. 60 MX mail.{word}."),
        format!("{word}. 60 TXT \"{long}\""),
        format!("{word}. 60 TXT unquoted"),
        format!("{word}. 60"),
    ];
    for record in &bad_records {
        let mut response = t.start("response", &["response", "--id", "1", "--answer", record])?;
        response.expect_error_exit(Some(2))?;
    }
    let mut response = t.start(
        "response",
        &[
            "response",
            "--id",
            "1",
            "--question",
            &format!("{word} NOPE"),
        ],
    )?;
    response.expect_error_exit(Some(2))?;
    let mut response = t.start(
        "response",
        &["response", "--id", "1", "--rcode", "WHATEVER"],
    )?;
    response.expect_error_exit(Some(2)).map(drop)
}

// ---------------------------------------------------------------------------------
// dig, a real peer
// ---------------------------------------------------------------------------------

fn dig_round_trip(t: &mut Session) -> Outcome {
    let mut udp = t.udp()?;
    let port = udp.addr()?.port().to_string();
    let name = format!("{}.test", words_name(t, 2));
    let n = (t.number() % 250) as u8 + 1;
    let address = format!("192.0.2.{n}");
    let mut dig = t.start_tool(
        "dig",
        "dig",
        &["@127.0.0.1", "-p", &port, &name, "A", "+tries=1", "+time=5"],
        "apt-get install bind9-dnsutils",
    )?;
    let (query, from) = udp.receive()?;
    // The program reads dig's query: the header names its id, the question is dig's.
    let id = u16::from_be_bytes([query[0], query[1]]);
    let mut parse = start_parse(t, &query)?;
    parse.expect_line(&format!(
        ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: {id}"
    ))?;
    parse.expect_line_matching(
        r";; flags: rd( ad)?; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 1",
        "dig's flags: rd (ad with newer digs), one question, its EDNS OPT record",
    )?;
    parse.expect_line("")?;
    parse.expect_line(";; QUESTION SECTION:")?;
    parse.expect_line(&escape(format!(";{name}.\tIN\tA").as_bytes()))?;
    parse.expect_line("")?;
    parse.expect_line(";; ADDITIONAL SECTION:")?;
    parse.expect_line_matching(
        r"\.\\t\d+\\tCLASS\d+\\tTYPE41\\t\\\\# \d+ [0-9a-f]*",
        "dig's EDNS OPT record, printed as an unknown type",
    )?;
    parse.expect_success()?;
    // The program answers; dig must print the record.
    let bytes = raw_output(
        t,
        &[
            "response",
            "--id",
            &id.to_string(),
            "--rd",
            "--ra",
            "--question",
            &format!("{name} A"),
            "--answer",
            &format!("{name} 300 A {address}"),
        ],
    )?;
    udp.send_to(&bytes, from)?;
    loop {
        // dig separates the fields with tabs, shown escaped by the harness.
        let line = dig.read_line()?.replace("\\t", " ");
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.first() == Some(&format!("{name}.").as_str()) && !line.starts_with(';') {
            if fields != [&format!("{name}.") as &str, "300", "IN", "A", &address] {
                return Err(Failure::mismatch(
                    "dig must print the answer the program wrote",
                    format!("{name}. 300 IN A {address}"),
                    line,
                ));
            }
            break;
        }
    }
    dig.expect_success()
}

// ---------------------------------------------------------------------------------
// The differential case
// ---------------------------------------------------------------------------------

/// How long one run of `parse` may take before it counts as a hang.
const RUN_LIMIT: Duration = Duration::from_secs(5);

/// How many generated messages the differential case runs.
const SAMPLES: u64 = 400;

/// A one-line account of a run, for failure messages.
fn run_summary(run: &corpus::Run) -> String {
    match run.status {
        None => "did not finish in time".to_string(),
        Some(status) => format!(
            "{}, stderr {:?}",
            harness::program::describe_exit(status),
            String::from_utf8_lossy(&run.stderr).trim()
        ),
    }
}

/// Sample `n` of corpus seed `seed`: a valid message (one in four), a mutation of
/// one (most), or a classic hostile packet (one in eight).
fn sample(seed: u64, n: u64) -> Vec<u8> {
    let mut rng = ch3::dns_corpus::rng_for(seed, n);
    match n % 8 {
        0 | 4 => ch3::dns_corpus::message(&mut rng),
        7 => ch3::dns_corpus::hostile_by_index(&mut rng, (n / 8) as usize),
        _ => {
            let valid = ch3::dns_corpus::message(&mut rng);
            ch3::dns_corpus::mutate(&mut rng, &valid)
        }
    }
}

/// The oracle's verdict on `input`: `Ok(Ok(text))` valid, printed as `text`;
/// `Ok(Err(why))` malformed; `Err` not comparable.
///
/// hickory decides, except where it departs from the RFCs:
/// - it refuses any record with an RDLENGTH of 0 outside an UPDATE message, but
///   RFC 3597 lets a type the program does not know have empty data (`\# 0`); the
///   message is read again as an UPDATE, where hickory keeps such records, and those of
///   the seven types (whose data cannot be empty) make it malformed;
/// - a record of a type outside the seven that hickory decodes by its own RFC (PTR,
///   SRV, OPT…, reached by a mutated type field) is not compared: the program keeps
///   such data raw (RFC 3597), so hickory's verdict on it says nothing about the
///   program.
fn verdict(input: &[u8]) -> Result<Result<String, String>, ()> {
    let message = match Message::from_vec(input) {
        Err(DecodeError::InvalidEmptyRecord) => return empty_records(input),
        other => other,
    };
    match message {
        Ok(message) => judged(oracle(&message)),
        Err(e) => Ok(Err(format!("hickory: {e}"))),
    }
}

/// The oracle's rendering as a verdict.
fn judged(rendering: Result<String, String>) -> Result<Result<String, String>, ()> {
    match rendering {
        Ok(text) => Ok(Ok(text)),
        Err(why) if why == NOT_COMPARABLE => Err(()),
        Err(why) => Ok(Err(why)),
    }
}

/// The verdict on a message hickory refused only for a record with RDLENGTH 0: read
/// again with the opcode bits set to UPDATE, where hickory keeps such records. The
/// opcode lives in byte 2, which a pointer into the header could make part of a name:
/// the message is read twice, with the other bits of byte 2 flipped, and when the
/// sections differ the byte was part of a name and the message is not compared.
fn empty_records(input: &[u8]) -> Result<Result<String, String>, ()> {
    let as_update = |others: u8| {
        let mut update = input.to_vec();
        update[2] = others | (5 << 3);
        Message::from_vec(&update)
    };
    let kept = input[2] & 0x87;
    let (Ok(mut message), Ok(flipped)) = (as_update(kept), as_update(kept ^ 0x87)) else {
        return Ok(Err("hickory: a record with RDLENGTH 0, and more".into()));
    };
    let sections = |text: &str| text.lines().skip(2).collect::<Vec<_>>().join("\n");
    message.metadata.op_code = OpCode::from_u8((input[2] >> 3) & 0xF);
    let rendering = oracle(&message);
    match (&rendering, oracle(&flipped)) {
        (Ok(one), Ok(other)) if sections(one) != sections(&other) => Err(()),
        _ => judged(rendering),
    }
}

/// True when `stdout` (the program's rendering) has a record of a type hickory
/// decodes by its own RFC and the program keeps raw: the two cannot be compared.
fn has_foreign_type(stdout: &str) -> bool {
    stdout.lines().any(|line| {
        line.split('\t')
            .nth(3)
            .and_then(|t| t.strip_prefix("TYPE"))
            .and_then(|n| n.parse::<u16>().ok())
            .is_some_and(|code| {
                !matches!(RecordType::from(code), RecordType::Unknown(_)) && code != 10
            })
    })
}

/// What was wrong with the program's run on `input`, or `None` when it agrees.
fn judge(input: &[u8], run: &corpus::Run) -> Option<(Problem, String)> {
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    let expected = verdict(input);
    let said = || format!("it {}; stdout {}", run_summary(run), escape(&run.stdout));
    let Some(status) = run.status else {
        return Some((Problem::Hang, "the oracle's verdict was not reached".into()));
    };
    if status.code() == Some(101) {
        return Some((Problem::Panic(said()), String::new()));
    }
    let Some(code) = status.code() else {
        return Some((Problem::Signal(said()), String::new()));
    };
    let error = String::from_utf8_lossy(&run.stderr).trim().to_string();
    match (expected, code) {
        (Err(()), _) => None,
        (Ok(Ok(text)), 0) if stdout == text => None,
        (Ok(Ok(text)), 0) => Some((
            Problem::WrongOutput {
                expected: escape(text.as_bytes()),
                got: escape(&run.stdout),
            },
            "valid".into(),
        )),
        (Ok(Ok(text)), _) => Some((
            Problem::Refused {
                status: code.to_string(),
                error,
            },
            format!("valid, printed as {}", escape(text.as_bytes())),
        )),
        (Ok(Err(_)), 0) if has_foreign_type(&stdout) => None,
        (Ok(Err(why)), 0) => Some((
            Problem::Accepted {
                why_invalid: why.clone(),
            },
            format!("malformed ({why}): refuse it with status 3 to 7"),
        )),
        (Ok(Err(_)), 3..=7)
            if run.stdout.is_empty()
                && error.lines().filter(|l| l.starts_with("error:")).count() == 1 =>
        {
            None
        }
        (Ok(Err(why)), _) => Some((
            Problem::BadError(said()),
            format!("malformed ({why}): one `error:` line, nothing on stdout, status 3 to 7"),
        )),
    }
}

fn differential(t: &mut Session) -> Outcome {
    let seed = t.number();
    t.note(&format!(
        "corpus seed {seed}: {SAMPLES} messages, valid, mutated and hostile"
    ));
    let program = program()?;
    let next = AtomicU64::new(0);
    let (valid, malformed, foreign) = (AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0));
    let first: std::sync::Mutex<Option<(u64, Problem, String)>> = std::sync::Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                loop {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if n >= SAMPLES {
                        return;
                    }
                    let input = sample(seed, n);
                    let tally = match verdict(&input) {
                        Ok(Ok(_)) => &valid,
                        Ok(Err(_)) => &malformed,
                        Err(()) => &foreign,
                    };
                    tally.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let problem = match corpus::run_parse(&program, &input, RUN_LIMIT) {
                        Ok(run) => judge(&input, &run),
                        Err(e) => Some((
                            Problem::BadError(format!("could not run it: {e}")),
                            String::new(),
                        )),
                    };
                    if let Some((problem, oracle)) = problem {
                        let mut first = first.lock().unwrap_or_else(|e| e.into_inner());
                        if first.as_ref().is_none_or(|(m, _, _)| n < *m) {
                            *first = Some((n, problem, oracle));
                        }
                    }
                }
            });
        }
    });
    t.note(&format!(
        "the oracle found {} valid, {} malformed, {} not comparable (a type hickory decodes and the program keeps raw)",
        valid.into_inner(),
        malformed.into_inner(),
        foreign.into_inner()
    ));
    let Some((n, problem, oracle)) = first.into_inner().unwrap_or_else(|e| e.into_inner()) else {
        return Ok(());
    };
    let kind = match problem {
        Problem::Panic(_) | Problem::Signal(_) => Kind::Crashed,
        Problem::Hang => Kind::Timeout,
        _ => Kind::Mismatch,
    };
    let input = sample(seed, n);
    Err(Failure::new(format!(
        "sample {n} of corpus seed {seed}: parse on {}: {problem} — the oracle says {oracle}",
        describe(&input)
    ))
    .kind(kind))
}
