//! The zone's master file (RFC 1035 §5), the subset this server reads:
//!
//! ```text
//! $ORIGIN example.test.        ; relative names below end in .example.test.
//! $TTL 3600                    ; the TTL of records that give none
//! @    IN SOA ns1 hostmaster (  ; parentheses carry an entry across lines
//!           2026120201 7200 900 1209600 300 )
//!      IN NS  ns1              ; a blank owner: the previous entry's name
//! ns1  IN A   192.0.2.1
//! www  300 IN A 192.0.2.2      ; TTL and class, in either order, both optional
//! ```
//!
//! Records: SOA, NS, A, AAAA, CNAME, MX, TXT (quoted strings); class IN only. Every
//! mistake is reported with the line it is on, and the server does not start.

use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, NS, SOA, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// The largest TTL a record may have (RFC 2181 §8: 2³¹ − 1 seconds).
const MAX_TTL: u32 = i32::MAX as u32;

// ANCHOR: zone
/// One zone, read from its file: the apex (the SOA's owner), the SOA, and every name's
/// records. Names are keys in lower case: DNS names compare without case.
pub struct Zone {
    /// The top of the zone: every name it answers for ends with it.
    pub apex: Name,
    /// The zone's SOA record, the proof of its authority in every negative answer.
    pub soa: Record,
    /// Each owner name's records, in file order.
    nodes: HashMap<Name, Vec<Record>>,
}
// ANCHOR_END: zone

// ANCHOR: lookups
impl Zone {
    /// Whether `name` is at or under the apex: a name this zone must answer for.
    pub fn contains(&self, name: &Name) -> bool {
        self.apex.zone_of(name)
    }

    /// The records owned by `name` (empty when the file has none).
    pub fn records(&self, name: &Name) -> &[Record] {
        self.nodes
            .get(&name.to_lowercase())
            .map_or(&[], |records| records.as_slice())
    }

    /// Whether `name` exists: it owns records, or some owned name is under it (an
    /// "empty non-terminal" such as `b.example.` when only `a.b.example.` is in the
    /// file). A name that exists is never NXDOMAIN.
    pub fn exists(&self, name: &Name) -> bool {
        self.nodes.keys().any(|owner| name.zone_of(owner))
    }

    /// The highest delegation at or above `name` and below the apex: a name under the
    /// apex that owns NS records. Everything at or under it belongs to another zone.
    pub fn delegation(&self, name: &Name) -> Option<Name> {
        let apex_labels = usize::from(self.apex.num_labels());
        let labels = usize::from(name.num_labels());
        (apex_labels + 1..=labels)
            .map(|n| name.trim_to(n))
            .find(|cut| {
                self.records(cut)
                    .iter()
                    .any(|record| record.record_type() == RecordType::NS)
            })
    }

    /// The SOA as negative answers carry it: its TTL is the smaller of the record's
    /// TTL and the SOA's MINIMUM field, how long a resolver may remember "no such
    /// name" (RFC 2308 §3).
    pub fn negative_soa(&self) -> Record {
        let mut soa = self.soa.clone();
        if let RData::SOA(data) = &self.soa.data {
            soa.ttl = soa.ttl.min(data.minimum);
        }
        soa
    }
}
// ANCHOR_END: lookups

/// A mistake in the zone file: where it is and what is wrong.
#[derive(Debug)]
pub struct ZoneError {
    /// The file, as given on the command line.
    file: String,
    /// The line the mistake is on (1 for the first).
    line: usize,
    /// What is wrong, in words.
    what: String,
}

impl fmt::Display for ZoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            // A file that cannot be read has no line to point at.
            0 => write!(f, "{}: {}", self.file, self.what),
            line => write!(f, "{}:{line}: {}", self.file, self.what),
        }
    }
}

/// Reads and checks the zone file at `path`.
pub fn load(path: &Path) -> Result<Zone, ZoneError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ZoneError {
        file: file.clone(),
        line: 0,
        what: format!("cannot read the zone file: {e}"),
    })?;
    let last_line = text.lines().count().max(1);
    let at = |(line, what): (usize, String)| ZoneError {
        file: file.clone(),
        line,
        what,
    };
    let records = read_records(&text).map_err(at)?;
    build(records, last_line).map_err(at)
}

/// A mistake on a line: the line and the words.
type LineError = (usize, String);

// ANCHOR: entries
/// One word of the file.
struct Token {
    text: String,
    /// Whether it was a "quoted string" (only TXT data may be one).
    quoted: bool,
}

/// One entry: a record or a `$` directive, perhaps spread over lines by parentheses.
struct Entry {
    /// The line the entry starts on.
    line: usize,
    /// Whether the entry's first line starts with a blank: the owner is omitted and is
    /// the previous entry's.
    blank_owner: bool,
    tokens: Vec<Token>,
}

/// Cuts the file into entries of tokens: `;` starts a comment, `(`…`)` joins lines,
/// `"…"` is one token (with `\"` and `\\` inside).
fn entries(text: &str) -> Result<Vec<Entry>, LineError> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut open_paren: Option<usize> = None;
    for (index, line_text) in text.lines().enumerate() {
        let line = index + 1;
        if open_paren.is_none() {
            entries.push(Entry {
                line,
                blank_owner: line_text.starts_with([' ', '\t']),
                tokens: Vec::new(),
            });
        }
        let Some(entry) = entries.last_mut() else {
            continue;
        };
        let mut chars = line_text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                ';' => break,
                ' ' | '\t' | '\r' => {}
                '(' if open_paren.is_some() => {
                    return Err((line, "a '(' inside another '('".into()));
                }
                '(' => open_paren = Some(line),
                ')' if open_paren.is_none() => {
                    return Err((line, "a ')' without its '('".into()));
                }
                ')' => open_paren = None,
                '"' => {
                    let text = quoted(&mut chars)
                        .ok_or_else(|| (line, "a quoted string does not end on its line".into()))?;
                    entry.tokens.push(Token { text, quoted: true });
                }
                _ => {
                    let mut word = c.to_string();
                    while let Some(&next) = chars.peek() {
                        if matches!(next, ' ' | '\t' | '\r' | ';' | '(' | ')' | '"') {
                            break;
                        }
                        word.push(next);
                        chars.next();
                    }
                    entry.tokens.push(Token {
                        text: word,
                        quoted: false,
                    });
                }
            }
        }
    }
    if let Some(line) = open_paren {
        return Err((line, "this '(' is never closed".into()));
    }
    entries.retain(|entry| !entry.tokens.is_empty());
    Ok(entries)
}

/// The rest of a quoted string, its opening `"` already read; `None` when the line
/// ends first.
fn quoted(chars: &mut impl Iterator<Item = char>) -> Option<String> {
    let mut text = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(text),
            '\\' => text.push(chars.next()?),
            c => text.push(c),
        }
    }
    None
}
// ANCHOR_END: entries

/// What the entries read so far set for those that follow.
#[derive(Default)]
struct Reader {
    /// `$ORIGIN`: what relative names are relative to, and what `@` is.
    origin: Option<Name>,
    /// `$TTL`: the TTL of records that give none.
    default_ttl: Option<u32>,
    /// The previous record's owner, for an entry whose owner is blank.
    previous_owner: Option<Name>,
}

/// Reads every record of the file, with the line each starts on.
fn read_records(text: &str) -> Result<Vec<(usize, Record)>, LineError> {
    let mut reader = Reader::default();
    let mut records = Vec::new();
    for entry in entries(text)? {
        if let Some(record) = reader.entry(&entry).map_err(|what| (entry.line, what))? {
            records.push((entry.line, record));
        }
    }
    Ok(records)
}

impl Reader {
    // ANCHOR: entry
    /// One entry: a directive changes the reader; a record is returned.
    fn entry(&mut self, entry: &Entry) -> Result<Option<Record>, String> {
        let mut tokens = entry.tokens.iter().peekable();
        let first = tokens.peek().map(|t| t.text.as_str()).unwrap_or_default();
        if first.starts_with('$') {
            let directive = first.to_ascii_uppercase();
            tokens.next();
            let argument = one_argument(&directive, tokens)?;
            match directive.as_str() {
                "$ORIGIN" => self.origin = Some(self.name(argument)?),
                "$TTL" => self.default_ttl = Some(ttl(&argument.text)?),
                _ => {
                    return Err(format!(
                        "unknown directive {first} (this server reads $ORIGIN and $TTL)"
                    ));
                }
            }
            return Ok(None);
        }
        let owner = if entry.blank_owner {
            self.previous_owner
                .clone()
                .ok_or("the first record has no owner name")?
        } else {
            let token = tokens.next().ok_or("an empty entry")?;
            self.name(token)?
        };
        let mut record_ttl = None;
        let mut rtype = None;
        for token in tokens.by_ref() {
            let text = token.text.to_ascii_uppercase();
            if record_ttl.is_none() && text.starts_with(|c: char| c.is_ascii_digit()) {
                record_ttl = Some(ttl(&text)?);
            } else if text == "IN" {
                continue;
            } else if matches!(text.as_str(), "CH" | "HS" | "CS" | "ANY") {
                return Err(format!("class {text}: this server serves class IN only"));
            } else {
                rtype = Some(text);
                break;
            }
        }
        let rtype = rtype.ok_or("a record without a type")?;
        let ttl = record_ttl
            .or(self.default_ttl)
            .ok_or("a record without a TTL, and no $TTL before it")?;
        let data = self.data(&rtype, tokens.collect())?;
        self.previous_owner = Some(owner.clone());
        Ok(Some(Record::from_rdata(owner, ttl, data)))
    }
    // ANCHOR_END: entry

    /// A name as the file writes it: `@` is the origin, a name ending in `.` is
    /// absolute, any other is relative to the origin.
    fn name(&self, token: &Token) -> Result<Name, String> {
        if token.quoted {
            return Err(format!("\"{}\" is quoted, but a name is not", token.text));
        }
        let origin = || {
            self.origin.clone().ok_or_else(|| {
                format!("{} is relative, and no $ORIGIN comes before it", token.text)
            })
        };
        if token.text == "@" {
            return origin();
        }
        let name = Name::from_ascii(&token.text)
            .map_err(|e| format!("{:?} is not a domain name: {e}", token.text))?;
        if name.is_fqdn() {
            return Ok(name);
        }
        name.append_domain(&origin()?)
            .map_err(|e| format!("{} is too long: {e}", token.text))
    }

    /// The data of a record of type `rtype`, from the rest of its entry.
    fn data(&self, rtype: &str, args: Vec<&Token>) -> Result<RData, String> {
        let want = |n: usize, form: &str| {
            if args.len() == n {
                Ok(())
            } else {
                Err(format!(
                    "{rtype} takes {form}, but {} values follow it",
                    args.len()
                ))
            }
        };
        Ok(match rtype {
            "A" => {
                want(1, "an IPv4 address")?;
                RData::A(A(args[0].text.parse().map_err(|_| {
                    format!("{:?} is not an IPv4 address", args[0].text)
                })?))
            }
            "AAAA" => {
                want(1, "an IPv6 address")?;
                RData::AAAA(AAAA(args[0].text.parse().map_err(|_| {
                    format!("{:?} is not an IPv6 address", args[0].text)
                })?))
            }
            "NS" => {
                want(1, "a name server's name")?;
                RData::NS(NS(self.name(args[0])?))
            }
            "CNAME" => {
                want(1, "the canonical name")?;
                RData::CNAME(CNAME(self.name(args[0])?))
            }
            "MX" => {
                want(2, "a preference and a mail server's name")?;
                let preference = args[0]
                    .text
                    .parse()
                    .map_err(|_| format!("{:?} is not a preference (0-65535)", args[0].text))?;
                RData::MX(MX::new(preference, self.name(args[1])?))
            }
            "TXT" => {
                if args.is_empty() {
                    return Err("TXT takes one or more strings".into());
                }
                if let Some(long) = args.iter().find(|t| t.text.len() > 255) {
                    return Err(format!(
                        "a TXT string is at most 255 bytes, this one has {}",
                        long.text.len()
                    ));
                }
                RData::TXT(TXT::new(args.iter().map(|t| t.text.clone()).collect()))
            }
            "SOA" => {
                want(7, "MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM")?;
                let serial = args[2]
                    .text
                    .parse()
                    .map_err(|_| format!("{:?} is not a serial number", args[2].text))?;
                let seconds = |i: usize| ttl(&args[i].text);
                RData::SOA(SOA::new(
                    self.name(args[0])?,
                    self.name(args[1])?,
                    serial,
                    seconds(3)? as i32,
                    seconds(4)? as i32,
                    seconds(5)? as i32,
                    seconds(6)?,
                ))
            }
            other => {
                return Err(format!(
                    "unknown record type {other} (this server reads SOA, NS, A, AAAA, CNAME, MX, TXT)"
                ));
            }
        })
    }
}

/// The single argument of a directive.
fn one_argument<'a>(
    directive: &str,
    mut tokens: impl Iterator<Item = &'a Token>,
) -> Result<&'a Token, String> {
    match (tokens.next(), tokens.next()) {
        (Some(argument), None) => Ok(argument),
        _ => Err(format!("{directive} takes exactly one value")),
    }
}

/// A TTL: seconds (`3600`), or a number with units as BIND writes it (`1h30m`, `2d`).
fn ttl(text: &str) -> Result<u32, String> {
    let bad = || format!("{text:?} is not a TTL (seconds, or like 1h30m)");
    let mut total: u64 = 0;
    let mut number: Option<u64> = None;
    for c in text.chars() {
        if let Some(digit) = c.to_digit(10) {
            number = Some(number.unwrap_or(0) * 10 + u64::from(digit));
            if number > Some(u64::from(MAX_TTL)) {
                return Err(bad());
            }
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        total += number.take().ok_or_else(bad)? * unit;
    }
    total += number.unwrap_or(0);
    if text.is_empty() || total > u64::from(MAX_TTL) {
        return Err(bad());
    }
    Ok(total as u32)
}

// ANCHOR: build
/// Checks the records make one zone — exactly one SOA, whose owner is the apex;
/// every name at or under it; a CNAME alone at its name — and files them by name.
fn build(records: Vec<(usize, Record)>, last_line: usize) -> Result<Zone, LineError> {
    let mut soas = records
        .iter()
        .filter(|(_, record)| record.record_type() == RecordType::SOA);
    let (soa_line, soa) = soas.next().ok_or((
        last_line,
        "the zone has no SOA record: its apex needs one".to_string(),
    ))?;
    if let Some((line, _)) = soas.next() {
        return Err((
            *line,
            format!("a second SOA record: the zone has one already, on line {soa_line}"),
        ));
    }
    let apex = soa.name.clone();
    let soa = soa.clone();
    let mut nodes: HashMap<Name, Vec<Record>> = HashMap::new();
    for (line, record) in records {
        if !apex.zone_of(&record.name) {
            return Err((line, format!("{} is outside the zone {apex}", record.name)));
        }
        let node = nodes.entry(record.name.to_lowercase()).or_default();
        let is_cname = record.record_type() == RecordType::CNAME;
        let had_cname = node.iter().any(|r| r.record_type() == RecordType::CNAME);
        if (is_cname && !node.is_empty()) || had_cname {
            return Err((
                line,
                format!(
                    "{} has a CNAME and other records: a CNAME must be alone at its name",
                    record.name
                ),
            ));
        }
        node.push(record);
    }
    Ok(Zone { apex, soa, nodes })
}
// ANCHOR_END: build
