//! The authoritative algorithm (RFC 1034 §4.3.2), for one question about one zone.
//!
//! Walking from the question's name towards the zone's data, the first thing that
//! applies decides the answer:
//!
//! 1. the name is not under the apex: not ours (`None`: REFUSED, or forwarded);
//! 2. the name is at or under a delegation (NS records below the apex): a referral —
//!    no AA, the NS records in AUTHORITY, their addresses (glue) in ADDITIONAL;
//! 3. the name owns records of the asked type: the answer, with AA;
//! 4. the name owns a CNAME: the CNAME, then the same question about its target;
//! 5. the name exists without that type: NODATA — NOERROR, no answer, the SOA;
//! 6. the name does not exist: NXDOMAIN, the SOA in AUTHORITY.

use crate::zone::Zone;
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{Name, RData, Record, RecordType};

/// The longest CNAME chain followed: a zone whose CNAMEs go round in a circle would
/// otherwise keep the server answering for ever.
pub const MAX_CNAME_CHAIN: usize = 8;

/// What the zone says about a question: the sections of the reply and its flags.
#[derive(Debug, Default)]
pub struct Answer {
    /// The RCODE: NOERROR (an answer, a referral, NODATA) or NXDOMAIN.
    pub code: ResponseCode,
    /// The AA flag: the answer comes from the zone's own data (not a referral).
    pub authoritative: bool,
    /// The records that answer the question (CNAMEs first, in the order followed).
    pub answers: Vec<Record>,
    /// The SOA of a negative answer, or the NS records of a referral.
    pub authorities: Vec<Record>,
    /// Addresses the client would ask for next: glue, and MX targets' addresses.
    pub additionals: Vec<Record>,
}

// ANCHOR: lookup
/// Answers `qname`/`qtype` from `zone`; `None` when the name is not in the zone.
pub fn lookup(zone: &Zone, qname: &Name, qtype: RecordType) -> Option<Answer> {
    if !zone.contains(qname) {
        return None;
    }
    let mut answer = Answer {
        authoritative: true,
        ..Answer::default()
    };
    let mut name = qname.clone();
    let mut visited = vec![name.clone()];
    for _ in 0..MAX_CNAME_CHAIN {
        if let Some(cut) = zone.delegation(&name) {
            if answer.answers.is_empty() {
                return Some(referral(zone, &cut));
            }
            // A CNAME led into a delegated zone: the client asks its servers next.
            return Some(answer);
        }
        let records = zone.records(&name);
        let matching: Vec<Record> = records
            .iter()
            .filter(|r| qtype == RecordType::ANY || r.record_type() == qtype)
            .cloned()
            .collect();
        if !matching.is_empty() {
            answer.additionals = addresses_of_targets(zone, &matching);
            answer.answers.extend(matching);
            return Some(answer);
        }
        let cname = records.iter().find_map(|r| match &r.data {
            RData::CNAME(target) => Some((r, target.0.clone())),
            _ => None,
        });
        let Some((record, target)) = cname else {
            let code = if zone.exists(&name) {
                ResponseCode::NoError
            } else {
                ResponseCode::NXDomain
            };
            return Some(negative(zone, answer, code));
        };
        answer.answers.push(record.clone());
        // A target outside the zone, or one already seen (a loop), ends the chase.
        if !zone.contains(&target) || visited.contains(&target) {
            return Some(answer);
        }
        visited.push(target.clone());
        name = target;
    }
    Some(answer)
}
// ANCHOR_END: lookup

// ANCHOR: negative
/// A negative answer: NXDOMAIN (no such name) or NODATA (NOERROR, no answer), with the
/// SOA in AUTHORITY so that resolvers may cache the absence (RFC 2308). Any CNAMEs
/// that led here stay in the answer.
fn negative(zone: &Zone, mut answer: Answer, code: ResponseCode) -> Answer {
    answer.code = code;
    answer.authorities.push(zone.negative_soa());
    answer
}
// ANCHOR_END: negative

// ANCHOR: referral
/// A referral to the zone delegated at `cut`: this server is not its authority (no
/// AA); the NS records say who is, and the glue says where they are when their names
/// are inside the delegated zone (a resolver could not find them otherwise).
fn referral(zone: &Zone, cut: &Name) -> Answer {
    let servers: Vec<Record> = zone
        .records(cut)
        .iter()
        .filter(|r| r.record_type() == RecordType::NS)
        .cloned()
        .collect();
    Answer {
        additionals: addresses_of_targets(zone, &servers),
        authorities: servers,
        ..Answer::default()
    }
}
// ANCHOR_END: referral

/// The A and AAAA records, from this zone's file, of the names that NS and MX records
/// point at: what the client would ask next, sent along ("additional section
/// processing", RFC 1034 §4.3.2 step 6).
fn addresses_of_targets(zone: &Zone, records: &[Record]) -> Vec<Record> {
    records
        .iter()
        .filter_map(|record| match &record.data {
            RData::NS(ns) => Some(&ns.0),
            RData::MX(mx) => Some(&mx.exchange),
            _ => None,
        })
        .filter(|target| zone.contains(target))
        .flat_map(|target| zone.records(target))
        .filter(|r| matches!(r.record_type(), RecordType::A | RecordType::AAAA))
        .cloned()
        .collect()
}
