//! Seeded DNS messages for ch3-9's differential test and the chapter's DNS fuzzers:
//! valid messages built with hickory-proto, mutations of them, and the classic hostile
//! packets (pointer loops, pointers past the end, long labels, counts that lie).
//!
//! Everything is drawn from a caller's `fastrand::Rng`, so a seed replays the same
//! stream. The valid messages are encoded by hickory itself, so their names are
//! compressed the way a real implementation compresses them; a message that hickory
//! could not encode never leaves [`message`] (it falls back to a plain query).
//!
//! No EDNS OPT record is generated: `message` sticks to RFC 1035 and the record types
//! the course teaches (A, AAAA, NS, CNAME, MX, TXT, SOA) plus one unknown type carried
//! as raw bytes (RFC 3597).

use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, NS, NULL, SOA, TXT};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use std::net::{Ipv4Addr, Ipv6Addr};

/// The labels names are made of: ordinary host and zone words, service labels with an
/// underscore, a punycode label, digits, a hyphen, and mixed case (names compare
/// without regard to ASCII case, RFC 4343, yet keep the case they were written in).
const WORDS: &[&str] = &[
    "www",
    "mail",
    "ns1",
    "ns2",
    "example",
    "test",
    "net",
    "org",
    "com",
    "a",
    "b",
    "x1",
    "cdn",
    "api",
    "dev",
    "_sip",
    "_tcp",
    "xn--bcher-kva",
    "mx-1",
    "host-42",
    "Www",
    "EXAMPLE",
    "lab",
    "course",
    "internal",
    "0",
    "9z",
];

/// Record types a generated question asks for (ANY and an unknown type included).
const QUESTION_TYPES: &[RecordType] = &[
    RecordType::A,
    RecordType::AAAA,
    RecordType::NS,
    RecordType::CNAME,
    RecordType::MX,
    RecordType::TXT,
    RecordType::SOA,
    RecordType::ANY,
    RecordType::Unknown(65400),
];

/// The most bytes a name may take on the wire (RFC 1035 §2.3.4).
const MAX_NAME_WIRE: usize = 255;

/// A valid DNS message, varied by `rng`: queries and responses, every section, the
/// record types the course teaches, names compressed as hickory writes them.
///
/// Ids, opcodes (QUERY mostly, STATUS and NOTIFY sometimes), every header flag and
/// rcodes 0–10 vary; a response carries 0–3 records in each of answer, authority and
/// additional; TTLs reach 2^31−1; names reach from the root to 63-byte labels.
pub fn message(rng: &mut fastrand::Rng) -> Vec<u8> {
    let zone = zone_name(rng);
    let is_response = rng.u8(..3) != 0;
    let mut m = Message::new(
        rng.u16(..),
        if is_response {
            MessageType::Response
        } else {
            MessageType::Query
        },
        opcode(rng),
    );
    m.metadata.recursion_desired = rng.bool();
    if is_response {
        m.metadata.authoritative = rng.bool();
        m.metadata.truncation = rng.u8(..8) == 0;
        m.metadata.recursion_available = rng.bool();
        m.metadata.response_code = ResponseCode::from(0, rcode(rng));
    }
    m.metadata.authentic_data = rng.u8(..8) == 0;
    m.metadata.checking_disabled = rng.u8(..8) == 0;
    // One question is what every real query has; none or two are legal but rare.
    let questions = match rng.u8(..20) {
        0 => 0,
        1 => 2,
        _ => 1,
    };
    for _ in 0..questions {
        let mut q = Query::query(name_in(rng, &zone), pick(rng, QUESTION_TYPES));
        if rng.u8(..20) == 0 {
            q.set_query_class(DNSClass::CH);
        }
        m.add_query(q);
    }
    if is_response {
        for _ in 0..rng.usize(..=3) {
            m.add_answer(record(rng, &zone));
        }
        for _ in 0..rng.usize(..=3) {
            m.add_authority(record(rng, &zone));
        }
    }
    if is_response || rng.u8(..10) == 0 {
        for _ in 0..rng.usize(..=3) {
            m.add_additional(record(rng, &zone));
        }
    }
    m.to_vec().unwrap_or_else(|_| plain_query(rng.u16(..)))
}

/// A standard query as a stub resolver sends it: one question (a name under a few
/// zones, a type the course teaches), recursion desired, nothing else. For the servers'
/// fuzzers, whose "good" questions need not be answerable to be well-formed.
pub fn query(rng: &mut fastrand::Rng) -> Vec<u8> {
    let zone = zone_name(rng);
    let mut m = Message::new(rng.u16(..), MessageType::Query, OpCode::Query);
    m.metadata.recursion_desired = true;
    m.add_query(Query::query(
        name_in(rng, &zone),
        pick(rng, &QUESTION_TYPES[..7]),
    ));
    m.to_vec().unwrap_or_else(|_| plain_query(rng.u16(..)))
}

/// A query for `name`/`rtype` with `id`, recursion desired (for a fuzzer's good
/// question whose answer it knows). `None` when `name` is not a DNS name.
pub fn query_for(id: u16, name: &str, rtype: RecordType) -> Option<Vec<u8>> {
    let mut m = Message::new(id, MessageType::Query, OpCode::Query);
    m.metadata.recursion_desired = true;
    m.add_query(Query::query(Name::from_ascii(name).ok()?, rtype));
    m.to_vec().ok()
}

/// `bytes` changed the way a broken or hostile peer changes a message: flipped bits,
/// cut short, counts raised, pointers aimed anywhere.
///
/// One to three of these, chosen at random: a bit flipped; a byte set (to 0, 0xFF,
/// 63, 64, 0xC0 or anything); the message cut at a random point; one of the four
/// section counts raised a little or to 65,535; a compression pointer (0xC0xx) written
/// at a random place, aimed at itself, at the header, past the end or anywhere; a label
/// length byte of the first name raised past 63 (into the reserved 0x40/0x80 forms) or
/// past the end; a byte inserted or a range deleted; the tail repeated.
pub fn mutate(rng: &mut fastrand::Rng, bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..rng.usize(1..=3) {
        mutate_once(rng, &mut out);
    }
    out
}

/// One mutation of [`mutate`], in place.
fn mutate_once(rng: &mut fastrand::Rng, out: &mut Vec<u8>) {
    if out.is_empty() {
        out.push(rng.u8(..));
        return;
    }
    let at = rng.usize(..out.len());
    match rng.u8(..10) {
        0 => out[at] ^= 1 << rng.u8(..8),
        1 => {
            let any = rng.u8(..);
            out[at] = pick(rng, &[0, 0xFF, 63, 64, 0xC0, any]);
        }
        2 => out.truncate(at),
        3 => raise_count(rng, out),
        4 | 5 => write_pointer(rng, out),
        6 => raise_label_length(rng, out),
        7 => out.insert(at, rng.u8(..)),
        8 => {
            let end = (at + rng.usize(1..=8)).min(out.len());
            out.drain(at..end);
        }
        _ => {
            let tail = out[at..].to_vec();
            out.extend_from_slice(&tail);
        }
    }
}

/// Raises one of QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT: the count then promises records
/// the message does not hold.
fn raise_count(rng: &mut fastrand::Rng, out: &mut [u8]) {
    if out.len() < 12 {
        return;
    }
    let at = 4 + 2 * rng.usize(..4);
    let old = u16::from_be_bytes([out[at], out[at + 1]]);
    let new = if rng.u8(..4) == 0 {
        u16::MAX
    } else {
        old.saturating_add(rng.u16(1..=5))
    };
    out[at..at + 2].copy_from_slice(&new.to_be_bytes());
}

/// Writes a two-byte compression pointer at a random place: aimed at itself (a loop),
/// at the header, past the end, or anywhere.
fn write_pointer(rng: &mut fastrand::Rng, out: &mut Vec<u8>) {
    // Names start at byte 12 at the earliest; anywhere after that is fair game.
    let at = if out.len() > 12 && rng.bool() {
        rng.usize(12..out.len())
    } else {
        rng.usize(..out.len())
    };
    let target: u16 = match rng.u8(..4) {
        0 => at as u16,
        1 => rng.u16(..12),
        2 => (out.len() as u16).saturating_add(rng.u16(..100)),
        _ => rng.u16(..(out.len() as u16).max(1)),
    } & 0x3FFF;
    let pointer = (0xC000 | target).to_be_bytes();
    if at + 2 > out.len() {
        out.resize(at + 2, 0);
    }
    out[at..at + 2].copy_from_slice(&pointer);
}

/// Raises a length byte of the first name (which starts at byte 12) past 63: into the
/// reserved 01/10 label forms, or to more bytes than are left.
fn raise_label_length(rng: &mut fastrand::Rng, out: &mut [u8]) {
    let starts = label_starts(out);
    if starts.is_empty() {
        return;
    }
    let at = pick(rng, &starts);
    let left = out.len() - at;
    out[at] = if rng.bool() || left > 63 {
        rng.u8(64..0xC0)
    } else {
        // One byte more than the message holds after the length byte.
        left as u8
    };
}

/// Where the length bytes of the first name's labels are (the name at byte 12, read
/// up to its end, a pointer, or a byte that is not a plain length).
fn label_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut at = 12;
    while at < bytes.len() && bytes[at] != 0 && bytes[at] <= 63 {
        starts.push(at);
        at += 1 + bytes[at] as usize;
    }
    starts
}

/// One classic hostile packet, without its name (see [`hostile_named`]).
pub fn hostile(rng: &mut fastrand::Rng) -> Vec<u8> {
    hostile_named(rng).1
}

/// The names of the hostile packets [`hostile_named`] makes, in order.
pub const HOSTILE: &[&str] = &[
    "empty datagram",
    "shorter than the 12-byte header",
    "a pointer to itself",
    "two pointers to each other",
    "a pointer past the end",
    "a label of 64 bytes (length byte 0x40, reserved)",
    "a label length byte 0x80 (reserved)",
    "a name longer than 255 bytes",
    "a name longer than 255 bytes through pointers",
    "a label running past the end",
    "a name with no end",
    "QDCOUNT 65535 with one question",
    "ANCOUNT 1 and no answer",
    "RDLENGTH past the end",
    "an A record with RDLENGTH 5",
    "a TXT string longer than its RDATA",
    "an MX whose name runs past its RDLENGTH",
    "a question cut inside its type",
];

/// One classic hostile packet and what it is: every one is malformed by RFC 1035, and
/// every one has crashed, hung or fooled some real parser. The header's id is random;
/// the rest is built by hand, byte by byte.
pub fn hostile_named(rng: &mut fastrand::Rng) -> (&'static str, Vec<u8>) {
    let index = rng.usize(..HOSTILE.len());
    (HOSTILE[index], hostile_by_index(rng, index))
}

/// Hostile packet number `index` of [`HOSTILE`] (modulo its length).
pub fn hostile_by_index(rng: &mut fastrand::Rng, index: usize) -> Vec<u8> {
    let id = rng.u16(..);
    let index = index % HOSTILE.len();
    match index {
        0 => Vec::new(),
        1 => {
            let mut h = header(id, 0x0100, [1, 0, 0, 0]);
            h.truncate(rng.usize(1..12));
            h
        }
        2 => with_question(header(id, 0x0100, [1, 0, 0, 0]), &[0xC0, 12]),
        3 => {
            // The name at 12 points at 14, which points back at 12.
            with_question(header(id, 0x0100, [1, 0, 0, 0]), &[0xC0, 14, 0xC0, 12])
        }
        4 => with_question(header(id, 0x0100, [1, 0, 0, 0]), &[0xC0, 0xFF]),
        5 => {
            let mut name = vec![64];
            name.extend(std::iter::repeat_n(b'a', 64));
            name.push(0);
            with_question(header(id, 0x0100, [1, 0, 0, 0]), &name)
        }
        6 => with_question(header(id, 0x0100, [1, 0, 0, 0]), &[0x80, b'a', 0]),
        7 => {
            // Five labels of 63 bytes: 320 bytes of name.
            let mut name = Vec::new();
            for _ in 0..5 {
                name.push(63);
                name.extend(std::iter::repeat_n(b'x', 63));
            }
            name.push(0);
            with_question(header(id, 0x0100, [1, 0, 0, 0]), &name)
        }
        8 => long_name_through_pointers(id),
        9 => {
            let mut m = header(id, 0x0100, [1, 0, 0, 0]);
            m.extend_from_slice(&[20, b'w', b'w', b'w']);
            m
        }
        10 => {
            let mut m = header(id, 0x0100, [1, 0, 0, 0]);
            m.extend_from_slice(&[3, b'w', b'w', b'w', 4, b't', b'e', b's', b't']);
            m
        }
        11 => with_question(header(id, 0x0100, [0xFFFF, 0, 0, 0]), &www_test()),
        12 => with_question(header(id, 0x8180, [1, 1, 0, 0]), &www_test()),
        13 => answer(id, 1, &[0xFF, 0xF0], &[10, 0, 0, 1]),
        14 => answer(id, 1, &[0, 5], &[10, 0, 0, 1, 7]),
        15 => answer(id, 16, &[0, 4], &[9, b'h', b'i', b'!']),
        16 => {
            // RDLENGTH 4 covers the preference and two bytes of a longer name.
            answer(id, 15, &[0, 4], &[0, 10, 4, b'm', b'a', b'i', b'l', 0])
        }
        _ => {
            let mut m = header(id, 0x0100, [1, 0, 0, 0]);
            m.extend_from_slice(&www_test());
            m.push(0);
            m
        }
    }
}

/// A header: `id`, the flags word, and the four counts.
fn header(id: u16, flags: u16, counts: [u16; 4]) -> Vec<u8> {
    let mut h = Vec::with_capacity(12);
    h.extend_from_slice(&id.to_be_bytes());
    h.extend_from_slice(&flags.to_be_bytes());
    for count in counts {
        h.extend_from_slice(&count.to_be_bytes());
    }
    h
}

/// `www.test.` in wire form.
fn www_test() -> Vec<u8> {
    vec![3, b'w', b'w', b'w', 4, b't', b'e', b's', b't', 0]
}

/// `message` followed by one question for `name` (wire form), type A, class IN.
fn with_question(mut message: Vec<u8>, name: &[u8]) -> Vec<u8> {
    message.extend_from_slice(name);
    message.extend_from_slice(&[0, 1, 0, 1]);
    message
}

/// A response with one question (`www.test. A`) and one answer of type `rtype` for
/// it, whose RDLENGTH bytes and RDATA are given (so they may disagree).
fn answer(id: u16, rtype: u16, rdlength: &[u8; 2], rdata: &[u8]) -> Vec<u8> {
    let mut m = with_question(header(id, 0x8180, [1, 1, 0, 0]), &www_test());
    m.extend_from_slice(&[0xC0, 12]);
    m.extend_from_slice(&rtype.to_be_bytes());
    m.extend_from_slice(&[0, 1, 0, 0, 0x0E, 0x10]);
    m.extend_from_slice(rdlength);
    m.extend_from_slice(rdata);
    m
}

/// Five questions, each a 63-byte label followed by a pointer to the previous name:
/// each step is a legal backward pointer, yet the fifth name spells 321 bytes.
fn long_name_through_pointers(id: u16) -> Vec<u8> {
    let mut m = header(id, 0x0100, [5, 0, 0, 0]);
    let mut previous: Option<u16> = None;
    for _ in 0..5 {
        let here = m.len() as u16;
        m.push(63);
        m.extend(std::iter::repeat_n(b'y', 63));
        match previous {
            Some(p) => m.extend_from_slice(&(0xC000 | p).to_be_bytes()),
            None => m.push(0),
        }
        m.extend_from_slice(&[0, 1, 0, 1]);
        previous = Some(here);
    }
    m
}

/// Random bytes of a random length (0–600): what a port scanner or a stray packet
/// sends.
pub fn garbage(rng: &mut fastrand::Rng) -> Vec<u8> {
    let len = match rng.u8(..4) {
        0 => rng.usize(..12),
        1 => rng.usize(12..40),
        _ => rng.usize(..600),
    };
    std::iter::repeat_with(|| rng.u8(..)).take(len).collect()
}

/// A bad input for a server of any kind: a mutated valid message (most often), a
/// hostile packet, or garbage.
pub fn bad(rng: &mut fastrand::Rng) -> Vec<u8> {
    match rng.u8(..10) {
        0 => hostile(rng),
        1 => garbage(rng),
        2..=4 => {
            let q = query(rng);
            mutate(rng, &q)
        }
        _ => {
            let m = message(rng);
            mutate(rng, &m)
        }
    }
}

/// The apex of a message's names: the root sometimes, else one to three words.
fn zone_name(rng: &mut fastrand::Rng) -> Name {
    if rng.u8(..15) == 0 {
        return Name::root();
    }
    let labels: Vec<String> = (0..rng.usize(1..=3)).map(|_| label(rng)).collect();
    name_of(&labels).unwrap_or_else(Name::root)
}

/// A name at or under `zone` (zero to two more labels), so a message's names share
/// suffixes for hickory to compress; sometimes an unrelated name.
fn name_in(rng: &mut fastrand::Rng, zone: &Name) -> Name {
    if rng.u8(..8) == 0 {
        return zone_name(rng);
    }
    let extra: Vec<String> = (0..rng.usize(..=2)).map(|_| label(rng)).collect();
    let mut labels = extra;
    labels.extend(zone.iter().map(|l| String::from_utf8_lossy(l).into_owned()));
    name_of(&labels).unwrap_or_else(|| zone.clone())
}

/// One label: a word mostly, sometimes the longest label DNS allows (63 bytes).
fn label(rng: &mut fastrand::Rng) -> String {
    if rng.u8(..12) == 0 {
        std::iter::repeat_with(|| rng.alphanumeric().to_ascii_lowercase())
            .take(63)
            .collect()
    } else {
        pick(rng, WORDS).to_string()
    }
}

/// The fully qualified name of `labels` (leftmost first); `None` when it would be
/// longer than a name may be.
fn name_of(labels: &[String]) -> Option<Name> {
    let wire: usize = labels.iter().map(|l| l.len() + 1).sum::<usize>() + 1;
    if wire > MAX_NAME_WIRE {
        return None;
    }
    Name::from_labels(labels.iter().map(|l| l.as_bytes())).ok()
}

/// A record owned by a name at or under `zone`, of a type the course teaches or one
/// nobody knows.
fn record(rng: &mut fastrand::Rng, zone: &Name) -> Record {
    let owner = name_in(rng, zone);
    let rdata = match rng.u8(..8) {
        0 => RData::A(A(Ipv4Addr::from(rng.u32(..)))),
        1 => RData::AAAA(AAAA(Ipv6Addr::from(rng.u128(..)))),
        2 => RData::NS(NS(name_in(rng, zone))),
        3 => RData::CNAME(CNAME(name_in(rng, zone))),
        4 => RData::MX(MX::new(rng.u16(..), name_in(rng, zone))),
        5 => RData::TXT(TXT::new((0..rng.usize(1..=4)).map(|_| text(rng)).collect())),
        6 => RData::SOA(SOA::new(
            name_in(rng, zone),
            name_in(rng, zone),
            rng.u32(..),
            rng.i32(0..),
            rng.i32(0..),
            rng.i32(0..),
            rng.u32(..),
        )),
        _ => {
            let len = rng.usize(1..40);
            let raw: Vec<u8> = std::iter::repeat_with(|| rng.u8(..)).take(len).collect();
            RData::Unknown {
                code: unknown_type(rng),
                rdata: NULL::with(raw),
            }
        }
    };
    Record::from_rdata(owner, ttl(rng), rdata)
}

/// A type from the private-use range (65280–65534, RFC 6895) that hickory does not
/// know either (it gives 65305 to ANAME, a draft it implements), so the record travels
/// as raw RDATA.
fn unknown_type(rng: &mut fastrand::Rng) -> RecordType {
    loop {
        let code = RecordType::from(rng.u16(65280..=65534));
        if matches!(code, RecordType::Unknown(_)) {
            return code;
        }
    }
}

/// A TXT character-string: empty, a few words, or up to the 255-byte maximum.
fn text(rng: &mut fastrand::Rng) -> String {
    match rng.u8(..6) {
        0 => String::new(),
        1 => std::iter::repeat_with(|| rng.alphanumeric())
            .take(255)
            .collect(),
        _ => (0..rng.usize(1..=5))
            .map(|_| pick(rng, WORDS))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// A TTL: 0, the common values, or anything up to 2^31−1 (RFC 2181 §8).
fn ttl(rng: &mut fastrand::Rng) -> u32 {
    match rng.u8(..5) {
        0 => 0,
        1 => pick(rng, &[60, 300, 3600, 86_400]),
        2 => 0x7FFF_FFFF,
        _ => rng.u32(..=0x7FFF_FFFF),
    }
}

/// QUERY mostly; STATUS or NOTIFY now and then.
fn opcode(rng: &mut fastrand::Rng) -> OpCode {
    match rng.u8(..20) {
        0 => OpCode::Status,
        1 => OpCode::Notify,
        _ => OpCode::Query,
    }
}

/// NOERROR mostly; the other RFC 1035 codes and a few later ones (up to 10, NOTZONE).
fn rcode(rng: &mut fastrand::Rng) -> u8 {
    if rng.bool() { 0 } else { rng.u8(..=10) }
}

/// One element of a non-empty slice.
fn pick<T: Copy>(rng: &mut fastrand::Rng, items: &[T]) -> T {
    items[rng.usize(..items.len())]
}

/// The fallback of [`message`] and [`query`]: `www.test. A`, which always encodes.
fn plain_query(id: u16) -> Vec<u8> {
    with_question(header(id, 0x0100, [1, 0, 0, 0]), &www_test())
}

/// The generator of message `n` of stream `seed`: each message has a seed of its own,
/// so a fuzzer can replay message `n` without making the ones before it.
pub fn rng_for(seed: u64, n: u64) -> fastrand::Rng {
    // SplitMix64's finaliser: neighbouring `n`s give unrelated seeds.
    let mut z = seed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    fastrand::Rng::with_seed(z ^ (z >> 31))
}
