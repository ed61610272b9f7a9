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

    // ANCHOR: resolve_at_depth
    /// Resolves `name`/`rtype`, following CNAMEs: each link's record goes into the
    /// answer, and the lookup goes on with its target, in whatever zone that is.
    fn resolve_at_depth(
        &self,
        name: &Name,
        rtype: RecordType,
        depth: usize,
        budget: &mut Budget,
    ) -> Result<Resolution, Failed> {
        let mut chain = Vec::new();
        let mut current = name.clone();
        for _ in 0..=MAX_CNAMES {
            match self.look_up(&current, rtype, depth, budget)? {
                Step::Answer(records) => {
                    chain.extend(records);
                    return Ok(Resolution {
                        code: ResponseCode::NoError,
                        answers: chain,
                        authorities: Vec::new(),
                    });
                }
                Step::Alias(cname, target) => {
                    chain.push(cname);
                    current = target;
                }
                Step::Negative(code, soa) => {
                    return Ok(Resolution {
                        code,
                        answers: chain,
                        authorities: soa.into_iter().collect(),
                    });
                }
            }
        }
        Err(format!("a CNAME chain longer than {MAX_CNAMES} links"))
    }
    // ANCHOR_END: resolve_at_depth

    // ANCHOR: look_up
    /// One name's lookup: the cache, else the walk down from the closest known zone.
    fn look_up(
        &self,
        name: &Name,
        rtype: RecordType,
        depth: usize,
        budget: &mut Budget,
    ) -> Result<Step, Failed> {
        if let Some(step) = self.cached_step(name, rtype) {
            return Ok(step);
        }
        let (mut zone, mut servers) = self.closest_servers(name);
        loop {
            let reply = self.ask_any(&servers, name, rtype, budget)?;
            match self.learn(&reply, &zone, name, rtype) {
                Learnt::Done => {
                    // What the reply said is in the cache now (if its TTL allowed);
                    // read it back from the reply itself, in case it was not kept.
                    return Ok(step_from_reply(&reply, name, rtype));
                }
                Learnt::Referral { child, ns_names } => {
                    zone = child;
                    servers = self.server_addresses(&ns_names, depth, budget)?;
                }
                Learnt::Useless(why) => return Err(why),
            }
        }
    }
    // ANCHOR_END: look_up

    /// What the cache says about `name`/`rtype`: the records, an alias, or a
    /// remembered "no".
    fn cached_step(&self, name: &Name, rtype: RecordType) -> Option<Step> {
        let mut cache = self.cache();
        match cache.get(name, rtype) {
            Some(Cached::Records(records)) => return Some(Step::Answer(records)),
            Some(Cached::Negative { code, soa }) => return Some(Step::Negative(code, Some(*soa))),
            None => {}
        }
        if rtype != RecordType::CNAME
            && let Some(Cached::Records(records)) = cache.get(name, RecordType::CNAME)
            && let Some(target) = records.first().and_then(cname_target)
        {
            return Some(Step::Alias(records[0].clone(), target));
        }
        None
    }

    // ANCHOR: closest_servers
    /// The deepest zone above `name` whose servers' addresses are cached, and those
    /// addresses; the roots when the cache knows none (RFC 1034 §5.3.3, step 2).
    fn closest_servers(&self, name: &Name) -> (Name, Vec<SocketAddr>) {
        let mut cache = self.cache();
        let mut zone = name.clone();
        loop {
            if let Some(Cached::Records(ns)) = cache.get(&zone, RecordType::NS) {
                let addresses: Vec<IpAddr> = ns
                    .iter()
                    .filter_map(ns_target)
                    .flat_map(|server| cache.addresses(&server))
                    .collect();
                if !addresses.is_empty() {
                    return (zone, self.at_port(addresses));
                }
            }
            if zone.is_root() {
                return (Name::root(), self.at_port(self.config.roots.clone()));
            }
            zone = zone.base_name();
        }
    }
    // ANCHOR_END: closest_servers

    /// Every authoritative server listens on the same port.
    fn at_port(&self, addresses: Vec<IpAddr>) -> Vec<SocketAddr> {
        addresses
            .into_iter()
            .map(|ip| SocketAddr::new(ip, self.config.upstream_port))
            .collect()
    }

    // ANCHOR: ask_any
    /// Asks the servers in turn until one gives a usable reply: a server that does not
    /// answer in time (lame), sends garbage, or says SERVFAIL or REFUSED is skipped.
    fn ask_any(
        &self,
        servers: &[SocketAddr],
        name: &Name,
        rtype: RecordType,
        budget: &mut Budget,
    ) -> Result<Message, Failed> {
        for &server in servers {
            budget.spent += 1;
            if budget.spent > MAX_QUERIES {
                return Err(format!("more than {MAX_QUERIES} questions upstream"));
            }
            match upstream::ask(server, name, rtype, self.config.timeout) {
                Ok(reply)
                    if matches!(
                        reply.metadata.response_code,
                        ResponseCode::NoError | ResponseCode::NXDomain
                    ) =>
                {
                    return Ok(reply);
                }
                Ok(reply) => note!(
                    "{server}: {} for {name}, next server",
                    reply.metadata.response_code
                ),
                Err(why) => note!("{why}, next server"),
            }
        }
        Err(format!("no server of {name}'s zone gave an answer"))
    }
    // ANCHOR_END: ask_any

    // ANCHOR: learn
    /// Puts what `reply` (from a server of `zone`) teaches into the cache, and says
    /// what the walk does next. Only records inside `zone` are believed: a server
    /// speaks for its own zone and nobody else's (the bailiwick rule; anything else
    /// in a reply could be an attempt to poison the cache).
    fn learn(&self, reply: &Message, zone: &Name, name: &Name, rtype: RecordType) -> Learnt {
        let in_zone = |record: &&Record| zone.zone_of(&record.name);
        let mut cache = self.cache();
        if reply.metadata.response_code == ResponseCode::NXDomain || !reply.answers.is_empty() {
            let answers: Vec<Record> = reply.answers.iter().filter(in_zone).cloned().collect();
            cache.put_records(&answers);
        }
        if reply.answers.is_empty()
            && let Some(soa) = negative_proof(reply, zone)
        {
            cache.put_negative(name, rtype, reply.metadata.response_code, soa);
            return Learnt::Done;
        }
        if !reply.answers.is_empty() || reply.metadata.response_code == ResponseCode::NXDomain {
            return Learnt::Done;
        }
        // No answer, no SOA: a referral, if its NS records name a zone below this one
        // that holds `name`.
        let ns: Vec<Record> = reply
            .authorities
            .iter()
            .filter(|record| record.record_type() == RecordType::NS)
            .cloned()
            .collect();
        let Some(child) = ns.first().map(|record| record.name.clone()) else {
            return Learnt::Useless(format!(
                "{zone}'s server gave neither an answer nor a referral"
            ));
        };
        if !(zone.zone_of(&child) && child.num_labels() > zone.num_labels() && child.zone_of(name))
        {
            return Learnt::Useless(format!(
                "a referral from {zone} to {child} does not get closer to {name}: a cycle"
            ));
        }
        let ns: Vec<Record> = ns
            .into_iter()
            .filter(|record| record.name == child)
            .collect();
        let ns_names: Vec<Name> = ns.iter().filter_map(ns_target).collect();
        // Glue: the addresses of those name servers, from the additional section, and
        // only inside the zone that sent them.
        let glue: Vec<Record> = reply
            .additionals
            .iter()
            .filter(|record| record.record_type() == RecordType::A)
            .filter(|record| ns_names.contains(&record.name))
            .filter(in_zone)
            .cloned()
            .collect();
        cache.put_records(&ns);
        cache.put_records(&glue);
        Learnt::Referral { child, ns_names }
    }
    // ANCHOR_END: learn

    // ANCHOR: server_addresses
    /// The addresses of the name servers `ns_names`: from the glue just cached or from
    /// earlier; for a server whose address nobody gave, its name is resolved like any
    /// other (from the roots, one level deeper).
    fn server_addresses(
        &self,
        ns_names: &[Name],
        depth: usize,
        budget: &mut Budget,
    ) -> Result<Vec<SocketAddr>, Failed> {
        let known: Vec<IpAddr> = {
            let mut cache = self.cache();
            ns_names
                .iter()
                .flat_map(|server| cache.addresses(server))
                .collect()
        };
        if !known.is_empty() {
            return Ok(self.at_port(known));
        }
        if depth >= MAX_DEPTH {
            return Err(format!(
                "name servers' names nested deeper than {MAX_DEPTH} levels"
            ));
        }
        for server in ns_names {
            let resolution = self.resolve_at_depth(server, RecordType::A, depth + 1, budget)?;
            let addresses: Vec<IpAddr> = resolution
                .answers
                .iter()
                .filter_map(|record| match &record.data {
                    RData::A(a) => Some(IpAddr::V4(a.0)),
                    _ => None,
                })
                .collect();
            if !addresses.is_empty() {
                return Ok(self.at_port(addresses));
            }
        }
        Err("no name server's address could be found".to_string())
    }
    // ANCHOR_END: server_addresses
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
