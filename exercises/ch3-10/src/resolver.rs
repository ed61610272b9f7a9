//! The resolution algorithm (RFC 1034 §5.3.3): look in the cache; else start from the
//! closest zone cut the cache knows (else the roots), ask its servers, and act on the
//! reply: an answer ends the walk, a CNAME restarts it at the alias's target, a
//! referral moves it one zone down, "no such name" ends it negatively. Everything
//! learnt goes into the cache on the way.
//!
//! Three limits keep a broken or hostile hierarchy from making it loop: a CNAME chain
//! is followed [`MAX_CNAMES`] links, name servers' own names are resolved at most
//! [`MAX_DEPTH`] levels deep, and one client's question costs at most [`MAX_QUERIES`]
//! questions upstream. A referral must get closer to the name, or it is a cycle.

use crate::cache::{Cache, Cached};
use crate::upstream;
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Duration;

/// Links of a CNAME chain followed before giving up.
pub const MAX_CNAMES: usize = 8;
/// Levels of "to reach this zone's server, first resolve the server's own name".
pub const MAX_DEPTH: usize = 4;
/// Questions sent upstream for one client's question, at most.
pub const MAX_QUERIES: usize = 30;

/// What the command line decides.
pub struct Config {
    /// Where resolution starts when the cache knows no closer zone.
    pub roots: Vec<IpAddr>,
    /// The port of every authoritative server.
    pub upstream_port: u16,
    /// How long one server may take to answer.
    pub timeout: Duration,
    /// The cache's bound.
    pub max_entries: usize,
}

/// The outcome of resolving one question, as the client is told it.
pub struct Resolution {
    /// NOERROR, NXDOMAIN, SERVFAIL…
    pub code: ResponseCode,
    /// The CNAME chain, then the records asked for.
    pub answers: Vec<Record>,
    /// For a negative answer: the zone's SOA, as proof and as its negative TTL.
    pub authorities: Vec<Record>,
}

impl Resolution {
    /// A resolution that failed with `code` (SERVFAIL, FORMERR).
    pub fn failure(code: ResponseCode) -> Resolution {
        Resolution {
            code,
            answers: Vec::new(),
            authorities: Vec::new(),
        }
    }
}

/// Why a resolution stopped without an answer: it becomes SERVFAIL.
type Failed = String;

/// What one name's lookup came to.
enum Step {
    /// The records asked for.
    Answer(Vec<Record>),
    /// The name is an alias: its CNAME record, and the name to go on with.
    Alias(Record, Name),
    /// NXDOMAIN or NODATA, with the SOA when the server gave one.
    Negative(ResponseCode, Option<Record>),
}

/// The questions sent upstream so far for one client's question.
struct Budget {
    spent: usize,
}

/// The resolver: its configuration and the cache every question shares.
pub struct Resolver {
    config: Config,
    cache: Mutex<Cache>,
}

impl Resolver {
    /// A resolver with an empty cache.
    pub fn new(config: Config) -> Resolver {
        let cache = Mutex::new(Cache::new(config.max_entries));
        Resolver { config, cache }
    }

    /// The cache, even if a thread panicked while holding it (its data stays valid:
    /// every change is one insert or remove).
    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Resolves a client's question; anything that stops it is SERVFAIL.
    pub fn resolve(&self, name: &Name, rtype: RecordType) -> Resolution {
        let mut budget = Budget { spent: 0 };
        match self.resolve_at_depth(name, rtype, 0, &mut budget) {
            Ok(resolution) => resolution,
            Err(why) => {
                note!("{name} {rtype}: SERVFAIL: {why}");
                Resolution::failure(ResponseCode::ServFail)
            }
        }
    }

    /// Resolves `name`/`rtype`, following CNAMEs: each link's record goes into the
    /// answer, and the lookup goes on with its target, in whatever zone that is.
    fn resolve_at_depth(
        &self,
        name: &Name,
        rtype: RecordType,
        depth: usize,
        budget: &mut Budget,
    ) -> Result<Resolution, Failed> {
        todo!(
            "look_up in a loop: an answer ends it, an alias adds its CNAME and goes on with the target (at most MAX_CNAMES), a negative ends it"
        )
    }

    /// One name's lookup: the cache, else the walk down from the closest known zone.
    fn look_up(
        &self,
        name: &Name,
        rtype: RecordType,
        depth: usize,
        budget: &mut Budget,
    ) -> Result<Step, Failed> {
        todo!("cached_step; else closest_servers, then ask_any and learn until the walk is done")
    }

    /// What the cache says about `name`/`rtype`: the records, an alias, or a
    /// remembered "no".
    fn cached_step(&self, name: &Name, rtype: RecordType) -> Option<Step> {
        todo!("the cached records, else a cached negative, else a cached CNAME as an alias")
    }

    /// The deepest zone above `name` whose servers' addresses are cached, and those
    /// addresses; the roots when the cache knows none (RFC 1034 §5.3.3, step 2).
    fn closest_servers(&self, name: &Name) -> (Name, Vec<SocketAddr>) {
        todo!(
            "from the name up to the root: the first zone whose NS names have cached addresses; else the roots"
        )
    }

    /// Every authoritative server listens on the same port.
    fn at_port(&self, addresses: Vec<IpAddr>) -> Vec<SocketAddr> {
        addresses
            .into_iter()
            .map(|ip| SocketAddr::new(ip, self.config.upstream_port))
            .collect()
    }

    /// Asks the servers in turn until one gives a usable reply: a server that does not
    /// answer in time (lame), sends garbage, or says SERVFAIL or REFUSED is skipped.
    fn ask_any(
        &self,
        servers: &[SocketAddr],
        name: &Name,
        rtype: RecordType,
        budget: &mut Budget,
    ) -> Result<Message, Failed> {
        todo!(
            "each server in turn, counting the budget; NOERROR or NXDOMAIN is a reply, anything else: next server"
        )
    }

    /// Puts what `reply` (from a server of `zone`) teaches into the cache, and says
    /// what the walk does next. Only records inside `zone` are believed: a server
    /// speaks for its own zone and nobody else's (the bailiwick rule; anything else
    /// in a reply could be an attempt to poison the cache).
    fn learn(&self, reply: &Message, zone: &Name, name: &Name, rtype: RecordType) -> Learnt {
        todo!(
            "cache the in-zone answers; a negative answer with its SOA; else a referral that must get closer, its NS and in-zone glue cached"
        )
    }

    /// The addresses of the name servers `ns_names`: from the glue just cached or from
    /// earlier; for a server whose address nobody gave, its name is resolved like any
    /// other (from the roots, one level deeper).
    fn server_addresses(
        &self,
        ns_names: &[Name],
        depth: usize,
        budget: &mut Budget,
    ) -> Result<Vec<SocketAddr>, Failed> {
        todo!(
            "cached (glue) addresses of the NS names; else resolve the names one level deeper (MAX_DEPTH)"
        )
    }
}

/// What a reply taught the walk.
enum Learnt {
    /// An answer, an alias or a negative answer: the lookup ends here.
    Done,
    /// Go one zone down, to `child`, whose servers are `ns_names`.
    Referral { child: Name, ns_names: Vec<Name> },
    /// Nothing the walk can use.
    Useless(Failed),
}

/// The SOA of `zone` (or below it) in a reply's authority section: the proof of a
/// negative answer.
fn negative_proof(reply: &Message, zone: &Name) -> Option<Record> {
    reply
        .authorities
        .iter()
        .find(|record| record.record_type() == RecordType::SOA && zone.zone_of(&record.name))
        .cloned()
}

/// A finished reply as a step: the records of `name`/`rtype`, else its CNAME, else a
/// negative answer.
fn step_from_reply(reply: &Message, name: &Name, rtype: RecordType) -> Step {
    let of_name = |record: &&Record| record.name == *name;
    let records: Vec<Record> = reply
        .answers
        .iter()
        .filter(of_name)
        .filter(|record| record.record_type() == rtype)
        .cloned()
        .collect();
    if !records.is_empty() {
        return Step::Answer(records);
    }
    if let Some(cname) = reply
        .answers
        .iter()
        .filter(of_name)
        .find(|record| record.record_type() == RecordType::CNAME)
        && let Some(target) = cname_target(cname)
    {
        return Step::Alias(cname.clone(), target);
    }
    let soa = reply
        .authorities
        .iter()
        .find(|record| record.record_type() == RecordType::SOA)
        .cloned();
    let code = match reply.metadata.response_code {
        ResponseCode::NXDomain => ResponseCode::NXDomain,
        _ => ResponseCode::NoError,
    };
    Step::Negative(code, soa)
}

/// The name an NS record points to.
fn ns_target(record: &Record) -> Option<Name> {
    match &record.data {
        RData::NS(ns) => Some(ns.0.clone()),
        _ => None,
    }
}

/// The name a CNAME record points to.
fn cname_target(record: &Record) -> Option<Name> {
    match &record.data {
        RData::CNAME(cname) => Some(cname.0.clone()),
        _ => None,
    }
}
