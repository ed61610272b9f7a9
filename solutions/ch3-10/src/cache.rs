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

    // ANCHOR: get
    /// What is cached for `name`/`rtype`, TTLs counted down to the seconds left; an
    /// expired entry is removed and is a miss.
    pub fn get(&mut self, name: &Name, rtype: RecordType) -> Option<Cached> {
        let key = (name.to_lowercase(), rtype);
        let left = self
            .entries
            .get(&key)?
            .expires
            .checked_duration_since(Instant::now());
        let Some(left) = left.filter(|left| !left.is_zero()) else {
            self.entries.remove(&key);
            return None;
        };
        let ttl = u32::try_from(left.as_secs()).unwrap_or(u32::MAX);
        let counted_down = |record: &Record| {
            let mut record = record.clone();
            record.ttl = ttl;
            record
        };
        Some(match &self.entries[&key].cached {
            Cached::Records(records) => Cached::Records(records.iter().map(counted_down).collect()),
            Cached::Negative { code, soa } => Cached::Negative {
                code: *code,
                soa: Box::new(counted_down(soa)),
            },
        })
    }
    // ANCHOR_END: get

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

    // ANCHOR: put_records
    /// Stores `records` grouped into record sets, each kept for the smallest TTL of its
    /// records (a set is only as fresh as its shortest-lived member).
    pub fn put_records(&mut self, records: &[Record]) {
        let mut sets: HashMap<(Name, RecordType), Vec<Record>> = HashMap::new();
        for record in records {
            let key = (record.name.to_lowercase(), record.record_type());
            sets.entry(key).or_default().push(record.clone());
        }
        for (key, set) in sets {
            let ttl = set.iter().map(|record| record.ttl).min().unwrap_or(0);
            self.put(key, Cached::Records(set), ttl);
        }
    }
    // ANCHOR_END: put_records

    // ANCHOR: put_negative
    /// Stores a negative answer for `name`/`rtype`, kept (RFC 2308 §5) for the smaller
    /// of the SOA record's own TTL and its MINIMUM field.
    pub fn put_negative(
        &mut self,
        name: &Name,
        rtype: RecordType,
        code: ResponseCode,
        soa: Record,
    ) {
        let minimum = match &soa.data {
            RData::SOA(data) => data.minimum,
            _ => 0,
        };
        let ttl = soa.ttl.min(minimum);
        self.put(
            (name.to_lowercase(), rtype),
            Cached::Negative {
                code,
                soa: Box::new(soa),
            },
            ttl,
        );
    }
    // ANCHOR_END: put_negative

    // ANCHOR: put
    /// Stores one entry for `ttl` seconds (0: not at all), evicting first what has
    /// expired and then, while still full, the entry that would expire soonest: it is
    /// the one with the least use left in it.
    fn put(&mut self, key: (Name, RecordType), cached: Cached, ttl: u32) {
        if ttl == 0 {
            return;
        }
        let now = Instant::now();
        if !self.entries.contains_key(&key) && self.entries.len() >= self.max_entries {
            self.entries.retain(|_, entry| entry.expires > now);
            while self.entries.len() >= self.max_entries {
                let soonest = self
                    .entries
                    .iter()
                    .min_by_key(|(_, entry)| entry.expires)
                    .map(|(key, _)| key.clone());
                match soonest {
                    Some(soonest) => self.entries.remove(&soonest),
                    None => break,
                };
            }
        }
        let expires = now + Duration::from_secs(u64::from(ttl));
        self.entries.insert(key, Entry { cached, expires });
    }
    // ANCHOR_END: put
}
