//! The cache: what the resolver learnt, kept for as long as its TTL allows.
//!
//! An entry is one record set (every record of one name and type: the NS of a zone,
//! the A of a name server, an answer) or one negative answer ("no such name", "no
//! such type"). Each expires at an instant fixed when it was stored; a lookup gives
//! the records with their TTL counted down to what is left, so a client never keeps a
//! record longer than its owner allowed.

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{Name, RData, Record, RecordType};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// What the cache holds for one name and type.
#[derive(Clone)]
pub enum Cached {
    /// The record set, TTLs as stored.
    Records(Vec<Record>),
    /// The name does not exist (NXDOMAIN) or has no record of the type (NODATA,
    /// `NoError` with no answer); the SOA is what the client is shown as proof (boxed:
    /// a record is large, and most entries are record sets).
    Negative {
        code: ResponseCode,
        soa: Box<Record>,
    },
}

/// One entry and when it stops being true.
struct Entry {
    cached: Cached,
    expires: Instant,
}

/// Record sets and negative answers by (name, type); names compare without case.
pub struct Cache {
    entries: HashMap<(Name, RecordType), Entry>,
    max_entries: usize,
}

impl Cache {
    /// An empty cache that never holds more than `max_entries` entries.
    pub fn new(max_entries: usize) -> Cache {
        Cache {
            entries: HashMap::new(),
            max_entries,
        }
    }

    /// What is cached for `name`/`rtype`, TTLs counted down to the seconds left; an
    /// expired entry is removed and is a miss.
    pub fn get(&mut self, name: &Name, rtype: RecordType) -> Option<Cached> {
        todo!(
            "the entry for (name, rtype) unless expired (remove it then); TTLs set to the whole seconds left"
        )
    }

    /// The addresses (A records) cached for `name`, if any.
    pub fn addresses(&mut self, name: &Name) -> Vec<std::net::IpAddr> {
        match self.get(name, RecordType::A) {
            Some(Cached::Records(records)) => records
                .iter()
                .filter_map(|record| match &record.data {
                    RData::A(a) => Some(std::net::IpAddr::V4(a.0)),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Stores `records` grouped into record sets, each kept for the smallest TTL of its
    /// records (a set is only as fresh as its shortest-lived member).
    pub fn put_records(&mut self, records: &[Record]) {
        todo!("group by (lowercased name, type); each set kept for its smallest TTL")
    }

    /// Stores a negative answer for `name`/`rtype`, kept (RFC 2308 §5) for the smaller
    /// of the SOA record's own TTL and its MINIMUM field.
    pub fn put_negative(
        &mut self,
        name: &Name,
        rtype: RecordType,
        code: ResponseCode,
        soa: Record,
    ) {
        todo!("kept for min(the SOA record's TTL, its MINIMUM field)")
    }

    /// Stores one entry for `ttl` seconds (0: not at all), evicting first what has
    /// expired and then, while still full, the entry that would expire soonest: it is
    /// the one with the least use left in it.
    fn put(&mut self, key: (Name, RecordType), cached: Cached, ttl: u32) {
        todo!(
            "skip TTL 0; when full, drop expired entries, then the one expiring soonest; store with its expiry instant"
        )
    }
}
