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

/// Answers `qname`/`qtype` from `zone`; `None` when the name is not in the zone.
pub fn lookup(zone: &Zone, qname: &Name, qtype: RecordType) -> Option<Answer> {
    todo!("delegation, answer, CNAME chase (bounded), NODATA or NXDOMAIN")
}

/// A negative answer: NXDOMAIN (no such name) or NODATA (NOERROR, no answer), with the
/// SOA in AUTHORITY so that resolvers may cache the absence (RFC 2308). Any CNAMEs
/// that led here stay in the answer.
fn negative(zone: &Zone, mut answer: Answer, code: ResponseCode) -> Answer {
    todo!("the code, and the negative SOA in AUTHORITY")
}

/// A referral to the zone delegated at `cut`: this server is not its authority (no
/// AA); the NS records say who is, and the glue says where they are when their names
/// are inside the delegated zone (a resolver could not find them otherwise).
fn referral(zone: &Zone, cut: &Name) -> Answer {
    todo!("no AA; the cut's NS in AUTHORITY; their in-zone addresses in ADDITIONAL")
}

/// The A and AAAA records, from this zone's file, of the names that NS and MX records
/// point at: what the client would ask next, sent along ("additional section
/// processing", RFC 1034 §4.3.2 step 6).
fn addresses_of_targets(zone: &Zone, records: &[Record]) -> Vec<Record> {
    todo!("the A and AAAA records of NS and MX targets inside the zone")
}
