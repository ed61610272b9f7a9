//! Grades ch3-10, the iterative resolver with a cache, against a DNS hierarchy the test
//! plays (`ch3::hierarchy`): a root on 127.0.0.2, a top-level domain on 127.0.0.3, the
//! zones' own servers on 127.0.0.4 and up, all on one port, every one counting the
//! questions it receives. Names and addresses are drawn from the case's seed.
//!
//! The cases that wait for a TTL to run out use TTLs of 1 s and ask again every 200 ms
//! until the authoritative server sees the question again, within a deadline: the
//! expiry is the behaviour under test, so the wait is for it, never a bare sleep.

use ch3::dns;
use ch3::hierarchy::{FORGED, Hierarchy, Mode};
use harness::prelude::*;
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{RData, RecordType};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Instant;

/// The limit on questions sent upstream for one client's question, as the page states.
const MAX_QUERIES: usize = 30;

/// `--timeout-ms` where no server is meant to be silent: on a loaded machine (a build
/// beside the tests) the hierarchy's servers have been measured answering 0.5–2 s
/// late, and a resolver that gave up on them would fail a case about something else.
const PATIENT: &str = "3000";

/// `--timeout-ms` where a server IS silent (lame, garbage): short enough to move on,
/// long enough for the next server to answer under load.
const IMPATIENT: &str = "1500";

/// How long the test waits for a reply: above `PATIENT`, and above `IMPATIENT` plus
/// the next server's answer.
const REPLY_DEADLINE: Duration = Duration::from_secs(8);

fn main() -> ExitCode {
    harness::run!(&[
        Case::new("a question walks root → TLD → the zone's server, each asked once, with RD clear", walks_the_hierarchy)
            .hint("Start at a root server, ask with RD=0 (the resolver does the recursion itself), and follow \
                   each referral (NS records in the authority section) one zone down, until a server answers.")
            .hint_if(Kind::Mismatch, "The failure names what is wrong: the reply to the client (its id, its question, RA=1, RD \
                     copied, the authoritative server's records) or the questions upstream (RD=0, each server \
                     asked once)."),
        Case::new("a referral's glue is used: the name server's own name is never asked for", glue_is_used)
            .hint("A referral names the zone's servers (NS in authority) and usually gives their addresses too \
                   (A records in the additional section: the glue). Use them rather than resolving the names."),
        Case::new("a name server without glue is resolved first, from the root", glueless_ns_resolved)
            .hint("When a referral gives an NS name but no address for it, resolve that name (type A) like any \
                   other question, then ask the server at the address you found."),
        Case::new("a CNAME chain across zones is followed to the address", cname_chain_followed)
            .hint("An answer holding a CNAME for the name means: start again with the CNAME's target (which may \
                   be in another zone), and give the client the whole chain, CNAMEs first, then the address."),
        Case::new("NXDOMAIN and NODATA are relayed with the zone's SOA", negative_answers_relayed)
            .hint("A name that does not exist is NXDOMAIN; a name without records of the type is NOERROR with no \
                   answer. Both come with the zone's SOA in the authority section: pass it on."),
        Case::new("the same question again is answered from the cache: nothing is sent upstream", second_question_cached)
            .hint("Keep each record set (and each referral) in a cache keyed by name and type, until its TTL runs \
                   out; a question the cache can answer sends nothing upstream."),
        Case::new("a reply lost on its way to the client: the client's retry is answered from the cache", lost_reply_retried)
            .hint("A stub that gets no reply asks again, with the same id: the cache answers it, and nothing goes \
                   upstream."),
        Case::new("TTLs given from the cache count down", ttls_count_down)
            .hint("Store when each entry expires, not its TTL; give the client the seconds that are left."),
        Case::new("after its TTL an answer is asked for again", expired_answer_asked_again)
            .hint("An entry whose TTL has run out is gone: the next question for it goes upstream again."),
        Case::new("a negative answer is cached for the SOA's minimum, then asked again", negative_answer_cached)
            .hint("RFC 2308: cache NXDOMAIN and NODATA for the smaller of the SOA record's TTL and its MINIMUM \
                   field, then forget them."),
        Case::new("a sibling name under the same TLD skips the root: the referral is cached", referral_reused)
            .hint("Before asking a root, look for the closest zone whose NS records (and their addresses) are \
                   cached: for a.example.test, try example.test., then test., then the root."),
        Case::new("the cache is bounded by --max-entries: the entry soonest to expire is evicted", cache_is_bounded)
            .hint("When the cache is full, evict before inserting: the entry that would expire soonest."),
        Case::new("a lame server is skipped: the next name server answers", lame_server_skipped)
            .hint("Give each server --timeout-ms; one that does not answer in time (or answers SERVFAIL or \
                   REFUSED) is lame: ask the next NS of the same zone.")
            .hint_if(Kind::Mismatch, "A timeout is not the answer: SERVFAIL only when every server of the zone \
                     failed."),
        Case::new("an upstream server answering garbage is skipped for the next one", upstream_garbage_skipped)
            .hint("Bytes that do not decode as the reply to your question are not a reply: keep waiting until \
                   the timeout, then try the next server. Never unwrap a decode."),
        Case::new("a referral that does not get closer (a cycle) ends in SERVFAIL, after a few questions", referral_cycle_servfail)
            .hint("A referral must be to a zone below the one you asked (and above the name); anything else is a \
                   cycle: SERVFAIL. And cap the questions per client question (30).")
            .hint_if(Kind::Timeout, "The resolver seems to loop: a referral to the same zone again must stop it."),
        Case::new("a CNAME loop ends in SERVFAIL, after a few questions", cname_loop_servfail)
            .hint("Follow at most 8 CNAME links; a longer chain is a loop: SERVFAIL.")
            .hint_if(Kind::Timeout, "The resolver seems to chase the aliases for ever: count the links."),
        Case::new("name servers named inside each other's zones, without glue, end in SERVFAIL", glueless_cycle_servfail)
            .hint("Resolving a name server's name can need another name server's name, and so on in a circle: \
                   limit how deep that goes, and spend at most 30 questions upstream on one client question.")
            .hint_if(Kind::Timeout, "The resolver seems to recurse for ever: limit the depth and the questions."),
        Case::new("a forged reply with the wrong id is ignored", forged_id_ignored)
            .hint("Give each upstream question a fresh random id and drop any reply whose id differs: it may be \
                   an attacker's guess.")
            .hint_if(Kind::Mismatch, "If the answer is 6.6.6.6, it came from a reply whose id was not the question's."),
        Case::new("a forged reply from the wrong address is ignored", forged_source_ignored)
            .hint("Use recv_from and drop any datagram that does not come from the server you asked.")
            .hint_if(Kind::Mismatch, "If the answer is 6.6.6.6, it came from a datagram another address than the server's sent."),
        Case::new("glue from outside the referring zone is not believed (no cache poisoning)", out_of_bailiwick_glue_ignored)
            .hint("A server speaks for its own zone only: from a referral, keep glue only for names inside the \
                   zone of the server that sent it. Anything else could be an attacker's.")
            .hint_if(Kind::Mismatch, "If the answer is 6.6.6.6, it came from glue a server of another zone gave: that is how a \
                     cache is poisoned."),
        Case::new("a truncated answer (TC) is asked again over TCP", truncated_answer_over_tcp)
            .hint("TC=1 means the answer did not fit: ask the same server over TCP (two-byte length, then the \
                   message)."),
        Case::new(
            "an answer longer than 512 bytes reaches a client without EDNS truncated (TC)",
            long_answer_truncated
        )
        .hint(
            "Over UDP, a reply to a client that sent no EDNS size is at most 512 bytes: a longer one \
                   goes out as the header and question only, with TC=1, and the client asks again over TCP."
        ),
        Case::new("garbage from a client is dropped and the next question answered", client_garbage_dropped)
            .hint("Decode every datagram with care: one that is not a query (too short, a response, lying \
                   counts) is dropped or answered FORMERR, and the server goes on.")
            .hint_if(Kind::Timeout, "Did garbage end the receive loop? Handle each datagram's error inside it."),
        Case::new("two clients at once: a question stuck upstream holds up no other", two_clients_at_once)
            .hint("Resolve each question on a thread (or task) of its own: one waiting for a slow server must \
                   not hold up another that the cache, or a fast server, can answer."),
        Case::new("a flood of questions: at most 256 are resolved at once, the rest dropped", in_flight_bounded)
            .hint("Count the questions being resolved: a datagram that arrives while 256 are is dropped (the \
                   client asks again), not given a thread; each resolution gives its slot back when it ends.")
            .hint_if(Kind::Mismatch, "More than 256 questions reached the root while it answered none: the \
                     resolver took a question it had no slot for. Check the count BEFORE spawning.")
            .hint_if(Kind::Timeout, "The resolver stopped short: fewer than 256 questions resolved at once, a \
                     dropped question not noted on stderr, or no answer once the root answered: take a slot \
                     per question read, note each dropped one, give the slot back however a resolution ends."),
        Case::new("a real stub resolver (hickory-resolver) resolves a name through it", stub_resolver_resolves)
            .hint("A real resolver sends EDNS (an OPT record) and checks id, question and flags: answer as the \
                   other cases ask, and it works."),
        Case::new("dig through the resolver shows flags qr rd ra and the answer", dig_shows_answer)
            .hint("`dig @127.0.0.1 -p PORT NAME` prints the header's flags: the reply needs QR, RD copied from \
                   the question, and RA set."),
        Case::new("the resolver listens on ::1 when given --host ::1", listens_on_ipv6)
            .hint("Bind the UDP socket to (host, port) as given: `::1` is an IPv6 address, and the socket's \
                   family follows it.")
            .hint_if(Kind::Timeout, "Did you bind 0.0.0.0 or 127.0.0.1 whatever --host said?"),
        Case::new("with stdout closed the server exits with an error naming stdout", stdout_closed)
            .hint("Print `listening on ADDR` with writeln! and turn its error into `error: cannot write to \
                   stdout: …` and exit status 1; println! panics instead."),
        Case::new("with stderr closed the server still resolves, through a lame server", stderr_closed)
            .hint("Status lines (a lame server, garbage) go to stderr: write them ignoring errors; eprintln! \
                   panics when stderr is closed."),
    ])
}

// ---------------------------------------------------------------------------------
// The hierarchy: who serves what.

/// Server indexes in the hierarchy: 127.0.0.2 + index.
const ROOT: usize = 0;
const TLD: usize = 1;
const ZONE: usize = 2;
const OTHER: usize = 3;
const SPARE: usize = 4;

/// One case's names and addresses.
struct World {
    h: Hierarchy,
    /// The top-level domain, `comet-417.`
    tld: String,
    /// A zone below it (served by 127.0.0.4): `lamp-12-a.comet-417.`
    zone: String,
    /// Another zone below it (served by 127.0.0.5).
    other: String,
    /// `www.` + zone, and its address.
    www: String,
    www_ip: String,
}

/// An SOA line for `zone`, kept `ttl` seconds, with MINIMUM `minimum`.
fn soa(zone: &str, ttl: u32, minimum: u32) -> String {
    let host = if zone == "." {
        "root.".to_string()
    } else {
        format!("ns.{zone}")
    };
    format!("{zone} {ttl} SOA {host} admin.{host} 1 3600 600 86400 {minimum}")
}

/// A varied address in 10/8.
fn address(t: &mut Session) -> String {
    let n = t.number();
    format!(
        "10.{}.{}.{}",
        n % 250 + 1,
        (n >> 8) % 250 + 1,
        (n >> 16) % 250 + 1
    )
}

/// The standard hierarchy: the root delegates the TLD to 127.0.0.3, which delegates
/// `zone` to 127.0.0.4 and `other` to 127.0.0.5, all with glue.
fn world(t: &mut Session) -> Outcome<World> {
    t.set_deadline(REPLY_DEADLINE);
    let h = Hierarchy::start(6)?;
    let tld = format!("{}.", t.word());
    let zone = format!("{}-a.{tld}", t.word());
    let other = format!("{}-b.{tld}", t.word());
    let www = format!("www.{zone}");
    let www_ip = address(t);
    h.set_zone(
        ROOT,
        &format!(
            "{}\n{tld} 3600 NS ns.{tld}\nns.{tld} 3600 A 127.0.0.3",
            soa(".", 3600, 3600)
        ),
    )?;
    h.set_zone(
        TLD,
        &format!(
            "{}\n{tld} 3600 NS ns.{tld}\nns.{tld} 3600 A 127.0.0.3\n\
             {zone} 3600 NS ns.{zone}\nns.{zone} 3600 A 127.0.0.4\n\
             {other} 3600 NS ns.{other}\nns.{other} 3600 A 127.0.0.5",
            soa(&tld, 3600, 3600)
        ),
    )?;
    h.set_zone(
        ZONE,
        &format!(
            "{}\n{zone} 3600 NS ns.{zone}\nns.{zone} 3600 A 127.0.0.4\n{www} 300 A {www_ip}",
            soa(&zone, 3600, 300)
        ),
    )?;
    let other_ip = address(t);
    h.set_zone(
        OTHER,
        &format!(
            "{}\n{other} 3600 NS ns.{other}\nns.{other} 3600 A 127.0.0.5\nwww.{other} 300 A {other_ip}",
            soa(&other, 3600, 300)
        ),
    )?;
    t.note(&format!(
        "the hierarchy: root 127.0.0.2, {tld} 127.0.0.3, {zone} 127.0.0.4, {other} 127.0.0.5"
    ));
    Ok(World {
        h,
        tld,
        zone,
        other,
        www,
        www_ip,
    })
}

/// Starts the resolver with the hierarchy's root and port, and `extra` arguments.
fn start(t: &mut Session, world: &World, extra: &[&str]) -> Outcome<(Program, SocketAddr)> {
    let port = world.h.port().to_string();
    let mut args = vec![
        "server",
        "--root",
        "127.0.0.2",
        "--upstream-port",
        &port,
        "--port",
        "0",
    ];
    if !extra.contains(&"--timeout-ms") {
        args.extend_from_slice(&["--timeout-ms", PATIENT]);
    }
    args.extend_from_slice(extra);
    t.start_server("resolver", &args)
}

/// Asks the resolver `name`/`rtype` from `udp`, with a varied id.
fn ask(
    t: &mut Session,
    udp: &mut UdpPeer,
    resolver: SocketAddr,
    name: &str,
    rtype: RecordType,
) -> Outcome<Message> {
    let id = (t.number() % 65_536) as u16;
    let query = dns::question(id, name, rtype)?;
    let reply = dns::ask_udp(udp, resolver, &query)?;
    expect_that(
        reply.queries.len() == 1
            && reply.queries[0].name() == &dns::parse_name(name)?
            && reply.queries[0].query_type() == rtype,
        format!("the reply does not echo the question {name} {rtype}"),
    )?;
    expect_that(
        reply.metadata.recursion_available,
        "the reply's RA bit is 0: a resolver says it recurses with RA=1",
    )?;
    expect_that(
        reply.metadata.recursion_desired,
        "the reply's RD bit is 0: RD is copied from the question",
    )?;
    Ok(reply)
}

/// The A addresses in `reply`'s answer for `name`.
fn addresses(reply: &Message, name: &str) -> Outcome<Vec<String>> {
    let name = dns::parse_name(name)?;
    Ok(reply
        .answers
        .iter()
        .filter(|r| r.name == name)
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(a.0.to_string()),
            _ => None,
        })
        .collect())
}

/// Checks `reply` is NOERROR with `ip` as `name`'s only address.
fn expect_address(reply: &Message, name: &str, ip: &str) -> Outcome {
    let found = addresses(reply, name)?;
    if reply.metadata.response_code == ResponseCode::NoError && found == [ip] {
        return Ok(());
    }
    Err(Failure::mismatch(
        format!("the answer for {name} is not its address"),
        format!("NOERROR, {name} A {ip}"),
        format!(
            "{}, answer:\n{}",
            reply.metadata.response_code,
            dns::describe(&reply.answers)
        ),
    ))
}

/// Checks server `i` received `n` questions for `name`/`rtype`.
fn expect_count(
    world: &World,
    i: usize,
    name: &str,
    rtype: RecordType,
    n: usize,
    why: &str,
) -> Outcome {
    let count = world.h.count(i, name, rtype);
    if count == n {
        return Ok(());
    }
    Err(Failure::mismatch(
        format!(
            "{} received {count} question(s) for {name} {rtype}: {why}",
            world.h.ip(i)
        ),
        format!("{n}"),
        format!("{count}; all questions seen:\n{}", world.h.describe()),
    ))
}

/// Asks `name` every 200 ms until server `i` has seen more than `before` questions for
/// it: waiting for a TTL to run out, which is what the case tests. Fails after `limit`.
fn ask_until_upstream(
    t: &mut Session,
    world: &World,
    udp: &mut UdpPeer,
    resolver: SocketAddr,
    (name, rtype): (&str, RecordType),
    (i, before): (usize, usize),
    limit: Duration,
) -> Outcome<Message> {
    let start = Instant::now();
    loop {
        let reply = ask(t, udp, resolver, name, rtype)?;
        if world.h.count(i, name, rtype) > before {
            return Ok(reply);
        }
        if start.elapsed() > limit {
            return Err(Failure::mismatch(
                format!("{name} {rtype} was never asked upstream again: its TTL ran out long ago"),
                format!("a new question at {} within {limit:?}", world.h.ip(i)),
                format!("none; all questions seen:\n{}", world.h.describe()),
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

// ---------------------------------------------------------------------------------
// The walk.

fn walks_the_hierarchy(t: &mut Session) -> Outcome {
    let w = world(t)?;
    let (mut server, resolver) = start(t, &w, &[])?;
    let mut udp = t.udp()?;
    let reply = ask(t, &mut udp, resolver, &w.www, RecordType::A)?;
    expect_address(&reply, &w.www, &w.www_ip)?;
    for i in [ROOT, TLD, ZONE] {
        expect_count(
            &w,
            i,
            &w.www,
            RecordType::A,
            1,
            "each server of the walk is asked once",
        )?;
    }
    let rd = w.h.recursion_desired();
    expect_that(
        rd == 0,
        format!("{rd} question(s) upstream had RD=1: an iterative resolver asks with RD=0"),
    )?;
    server.expect_running()
}

fn glue_is_used(t: &mut Session) -> Outcome {
    let w = world(t)?;
    let (_server, resolver) = start(t, &w, &[])?;
    let mut udp = t.udp()?;
    let reply = ask(t, &mut udp, resolver, &w.www, RecordType::A)?;
    expect_address(&reply, &w.www, &w.www_ip)?;
    for (i, ns) in [
        (ROOT, format!("ns.{}", w.tld)),
        (TLD, format!("ns.{}", w.zone)),
    ] {
        for j in [ROOT, TLD, ZONE] {
            expect_count(
                &w,
                j,
                &ns,
                RecordType::A,
                0,
                &format!("{ns}'s address came as glue from {}", w.h.ip(i)),
            )?;
        }
    }
    Ok(())
}

fn glueless_ns_resolved(t: &mut Session) -> Outcome {
    let w = world(t)?;
    // The zone's server is named in the other zone, and the TLD gives no glue for it.
    let ns = format!("dns.{}", w.other);
    w.h.set_zone(
        TLD,
        &format!(
            "{}\n{zone} 3600 NS {ns}\n{other} 3600 NS ns.{other}\nns.{other} 3600 A 127.0.0.5",
            soa(&w.tld, 3600, 3600),
            zone = w.zone,
            other = w.other
        ),
    )?;
    w.h.set_zone(
        OTHER,
        &format!(
            "{}\n{other} 3600 NS ns.{other}\nns.{other} 3600 A 127.0.0.5\n{ns} 3600 A 127.0.0.4",
            soa(&w.other, 3600, 300),
            other = w.other
        ),
    )?;
    let (_server, resolver) = start(t, &w, &[])?;
    let mut udp = t.udp()?;
    let reply = ask(t, &mut udp, resolver, &w.www, RecordType::A)?;
    expect_address(&reply, &w.www, &w.www_ip)?;
    expect_count(
        &w,
        OTHER,
        &ns,
        RecordType::A,
        1,
        "the name server's address is its own zone's to give",
    )?;
    Ok(())
}

fn cname_chain_followed(t: &mut Session) -> Outcome {
    let w = world(t)?;
    let alias = format!("{}.{}", t.word(), w.zone);
    let middle = format!("{}.{}", t.word(), w.other);
    let target = format!("{}.{}", t.word(), w.zone);
    let ip = address(t);
    w.h.set_zone(
        ZONE,
        &format!(
            "{}\n{zone} 3600 NS ns.{zone}\nns.{zone} 3600 A 127.0.0.4\n{alias} 300 CNAME {middle}\n{target} 300 A {ip}",
            soa(&w.zone, 3600, 300),
            zone = w.zone
        ),
    )?;
    w.h.set_zone(
        OTHER,
        &format!(
            "{}\n{other} 3600 NS ns.{other}\nns.{other} 3600 A 127.0.0.5\n{middle} 300 CNAME {target}",
            soa(&w.other, 3600, 300),
            other = w.other
        ),
    )?;
    let (_server, resolver) = start(t, &w, &[])?;
    let mut udp = t.udp()?;
    let reply = ask(t, &mut udp, resolver, &alias, RecordType::A)?;
    let chain: Vec<String> = reply
        .answers
        .iter()
        .map(|r| format!("{} {}", r.name, r.record_type()))
        .collect();
    let expected = vec![
        format!("{alias} CNAME"),
        format!("{middle} CNAME"),
        format!("{target} A"),
    ];
    if chain != expected || addresses(&reply, &target)? != [ip.clone()] {
        return Err(Failure::mismatch(
            format!("the answer for {alias} is not the chain {alias} → {middle} → {target} → {ip}"),
            expected.join("\n"),
            dns::describe(&reply.answers),
        ));
    }
    Ok(())
}

fn negative_answers_relayed(t: &mut Session) -> Outcome {
    let w = world(t)?;
    let (_server, resolver) = start(t, &w, &[])?;
    let mut udp = t.udp()?;
    let missing = format!("{}.{}", t.word(), w.zone);
    for (name, rtype, code) in [
        (missing.as_str(), RecordType::A, ResponseCode::NXDomain),
        (w.www.as_str(), RecordType::AAAA, ResponseCode::NoError),
    ] {
        let reply = ask(t, &mut udp, resolver, name, rtype)?;
        let soa = reply
            .authorities
            .iter()
            .any(|r| r.record_type() == RecordType::SOA);
        if reply.metadata.response_code != code || !reply.answers.is_empty() || !soa {
            return Err(Failure::mismatch(
                format!(
                    "the reply for {name} {rtype} is not a negative answer with the zone's SOA"
                ),
                format!("{code}, no answer, {} SOA … in authority", w.zone),
                format!(
                    "{}, answer:\n{}\nauthority:\n{}",
                    reply.metadata.response_code,
                    dns::describe(&reply.answers),
                    dns::describe(&reply.authorities)
                ),
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// The cache.

fn second_question_cached(t: &mut Session) -> Outcome {
    let w = world(t)?;
    let (_server, resolver) = start(t, &w, &[])?;
    let mut udp = t.udp()?;
    ask(t, &mut udp, resolver, &w.www, RecordType::A)?;
    let before = w.h.total_all();
    t.note("the same question again: the answer's TTL (300 s) has not run out");
    let reply = ask(t, &mut udp, resolver, &w.www, RecordType::A)?;
    expect_address(&reply, &w.www, &w.www_ip)?;
    let after = w.h.total_all();
    if after != before {
        return Err(Failure::mismatch(
            "the second question within the TTL was sent upstream again",
            format!("{before} questions upstream in all (the first walk's)"),
            format!("{after}:\n{}", w.h.describe()),
        ));
    }
    Ok(())
}

fn lost_reply_retried(t: &mut Session) -> Outcome {
    let w = world(t)?;
    let (_server, resolver) = start(t, &w, &[])?;
    let mut udp = t.udp()?;
    let query = dns::question(4242, &w.www, RecordType::A)?;
    udp.send_to(&query, resolver)?;
    udp.lose()?;
    let before = w.h.total_all();
    t.note("the client heard nothing, and asks again with the same id");
    let reply = dns::ask_udp(&mut udp, resolver, &query)?;
    expect_address(&reply, &w.www, &w.www_ip)?;
    let after = w.h.total_all();
    expect_that(
        after == before,
        format!(
            "the retry sent {} question(s) upstream: the cache had the answer",
            after - before
        ),
    )
}

fn ttls_count_down(t: &mut Session) -> Outcome {
    let w = world(t)?;
    let (_server, resolver) = start(t, &w, &[])?;
    let mut udp = t.udp()?;
    let first = ask(t, &mut udp, resolver, &w.www, RecordType::A)?;
    let ttl = |reply: &Message| reply.answers.first().map(|r| r.ttl).unwrap_or(0);
    expect_that(
        ttl(&first) <= 300 && ttl(&first) >= 298,
        format!(
            "the first answer's TTL is {}, the zone says 300",
            ttl(&first)
        ),
    )?;
    t.note("asking again every 200 ms until a second has passed: the TTL must go down");
    let start = Instant::now();
    loop {
        let reply = ask(t, &mut udp, resolver, &w.www, RecordType::A)?;
        if ttl(&reply) < 299 && ttl(&reply) >= 290 {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(4) {
            return Err(Failure::mismatch(
                "the TTL given from the cache does not count down",
                "less than 299 within 4 s (300 when it was stored)",
                format!("{}", ttl(&reply)),
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn expired_answer_asked_again(t: &mut Session) -> Outcome {
    let w = world(t)?;
    let short = format!("{}.{}", t.word(), w.zone);
    let ip = address(t);
    w.h.set_zone(
        ZONE,
        &format!(
            "{}\n{zone} 3600 NS ns.{zone}\nns.{zone} 3600 A 127.0.0.4\n{short} 1 A {ip}",
            soa(&w.zone, 3600, 300),
            zone = w.zone
        ),
    )?;
    let (_server, resolver) = start(t, &w, &[])?;
    let mut udp = t.udp()?;
    expect_address(
        &ask(t, &mut udp, resolver, &short, RecordType::A)?,
        &short,
        &ip,
    )?;
    expect_count(&w, ZONE, &short, RecordType::A, 1, "asked once")?;
    t.note("the record's TTL is 1 s: asking until the zone's server is asked again");
    let reply = ask_until_upstream(
        t,
        &w,
        &mut udp,
        resolver,
        (&short, RecordType::A),
        (ZONE, 1),
        Duration::from_secs(6),
    )?;
    expect_address(&reply, &short, &ip)
}

fn negative_answer_cached(t: &mut Session) -> Outcome {
    let w = world(t)?;
    // The SOA's own TTL is an hour, its MINIMUM 1 s: the negative TTL is 1 s.
    w.h.set_zone(
        ZONE,
        &format!(
            "{}\n{zone} 3600 NS ns.{zone}\nns.{zone} 3600 A 127.0.0.4",
            soa(&w.zone, 3600, 1),
            zone = w.zone
        ),
    )?;
    let (_server, resolver) = start(t, &w, &[])?;
    let mut udp = t.udp()?;
    let missing = format!("{}.{}", t.word(), w.zone);
    let reply = ask(t, &mut udp, resolver, &missing, RecordType::A)?;
    expect_that(
        reply.metadata.response_code == ResponseCode::NXDomain,
        format!(
            "{missing} does not exist, but the reply says {}",
            reply.metadata.response_code
        ),
    )?;
    t.note("the same question at once: the NXDOMAIN is cached");
    ask(t, &mut udp, resolver, &missing, RecordType::A)?;
    expect_count(
        &w,
        ZONE,
        &missing,
        RecordType::A,
        1,
        "a negative answer is cached (RFC 2308)",
    )?;
    t.note("the SOA's MINIMUM is 1 s: asking until the zone's server is asked again");
    let reply = ask_until_upstream(
        t,
        &w,
        &mut udp,
        resolver,
        (&missing, RecordType::A),
        (ZONE, 1),
        Duration::from_secs(6),
    )?;
    expect_that(
        reply.metadata.response_code == ResponseCode::NXDomain,
        format!(
            "{missing} still does not exist, but the reply says {}",
            reply.metadata.response_code
        ),
    )
}

fn referral_reused(t: &mut Session) -> Outcome {
    let w = world(t)?;
    let (_server, resolver) = start(t, &w, &[])?;
    let mut udp = t.udp()?;
    ask(t, &mut udp, resolver, &w.www, RecordType::A)?;
    let sibling = format!("www.{}", w.other);
    let reply = ask(t, &mut udp, resolver, &sibling, RecordType::A)?;
    expect_that(
        reply.metadata.response_code == ResponseCode::NoError && !reply.answers.is_empty(),
        format!("no answer for {sibling}"),
    )?;
    expect_count(
        &w,
        ROOT,
        &sibling,
        RecordType::A,
        0,
        &format!("the referral to {} is cached: start there", w.tld),
    )?;
    expect_count(
        &w,
        TLD,
        &sibling,
        RecordType::A,
        1,
        "the TLD's server is asked, once",
    )
}

fn cache_is_bounded(t: &mut Session) -> Outcome {
    let w = world(t)?;
    let names: Vec<String> = (0..4)
        .map(|i| format!("h{i}-{}.{}", t.word(), w.zone))
        .collect();
    let mut zone = format!(
        "{}\n{zone} 3600 NS ns.{zone}\nns.{zone} 3600 A 127.0.0.4",
        soa(&w.zone, 3600, 300),
        zone = w.zone
    );
    for name in &names {
        zone.push_str(&format!("\n{name} 60 A 10.0.0.1"));
    }
    w.h.set_zone(ZONE, &zone)?;
    // The walk caches 4 entries that last an hour (2 NS sets, 2 glue addresses); with
    // room for 6, the third name's answer evicts the first (the soonest to expire).
    let (_server, resolver) = start(t, &w, &["--max-entries", "6"])?;
    let mut udp = t.udp()?;
    for name in &names[..3] {
        ask(t, &mut udp, resolver, name, RecordType::A)?;
    }
    t.note("the cache holds 6 entries: the first name's answer, soonest to expire, is gone");
    ask(t, &mut udp, resolver, &names[0], RecordType::A)?;
    expect_count(
        &w,
        ZONE,
        &names[0],
        RecordType::A,
        2,
        "--max-entries 6 leaves no room for it",
    )?;
    ask(t, &mut udp, resolver, &names[2], RecordType::A)?;
    expect_count(
        &w,
        ZONE,
        &names[2],
        RecordType::A,
        1,
        "the newest answer stays cached",
    )?;
    expect_count(
        &w,
        ROOT,
        &names[0],
        RecordType::A,
        1,
        "the referrals (an hour's TTL) stay cached",
    )
}

// ---------------------------------------------------------------------------------
// Servers that fail.

/// Gives the zone two name servers, the first on SPARE (127.0.0.6) in `mode`.
fn two_servers(t: &mut Session, w: &World, mode: Mode) -> Outcome {
    let zone = &w.zone;
    w.h.set_zone(
        TLD,
        &format!(
            "{}\n{zone} 3600 NS ns1.{zone}\n{zone} 3600 NS ns.{zone}\nns1.{zone} 3600 A 127.0.0.6\nns.{zone} 3600 A 127.0.0.4",
            soa(&w.tld, 3600, 3600)
        ),
    )?;
    w.h.set_zone(
        SPARE,
        &format!(
            "{}\n{zone} 3600 NS ns.{zone}\n{} 300 A {}",
            soa(zone, 3600, 300),
            w.www,
            w.www_ip
        ),
    )?;
    w.h.set_mode(SPARE, mode);
    t.note(&format!(
        "{zone} has two servers: 127.0.0.6 ({mode:?}), listed first, and 127.0.0.4"
    ));
    Ok(())
}

fn lame_server_skipped(t: &mut Session) -> Outcome {
    let w = world(t)?;
    two_servers(t, &w, Mode::Lame)?;
    let (mut server, resolver) = start(t, &w, &["--timeout-ms", IMPATIENT])?;
    let mut udp = t.udp()?;
    let reply = ask(t, &mut udp, resolver, &w.www, RecordType::A)?;
    expect_address(&reply, &w.www, &w.www_ip)?;
    server.expect_running()
}

fn upstream_garbage_skipped(t: &mut Session) -> Outcome {
    let w = world(t)?;
    two_servers(t, &w, Mode::Garbage)?;
    let (mut server, resolver) = start(t, &w, &["--timeout-ms", IMPATIENT])?;
    let mut udp = t.udp()?;
    let reply = ask(t, &mut udp, resolver, &w.www, RecordType::A)?;
    expect_address(&reply, &w.www, &w.www_ip)?;
    let again = ask(t, &mut udp, resolver, &w.www, RecordType::A)?;
    expect_address(&again, &w.www, &w.www_ip)?;
    server.expect_running()
}

fn referral_cycle_servfail(t: &mut Session) -> Outcome {
    let w = world(t)?;
    // The zone's server refers the zone to itself: the walk gets no closer.
    let zone = &w.zone;
    w.h.set_zone(
        ZONE,
        &format!(
            "{}\n{zone} 3600 NS ns.{zone}\nns.{zone} 3600 A 127.0.0.4",
            soa(&w.tld, 3600, 300)
        ),
    )?;
    let (mut server, resolver) = start(t, &w, &[])?;
    let mut udp = t.udp()?;
    let reply = ask(t, &mut udp, resolver, &w.www, RecordType::A)?;
    expect_that(
        reply.metadata.response_code == ResponseCode::ServFail,
        format!(
            "a referral cycle must end in SERVFAIL, not {}",
            reply.metadata.response_code
        ),
    )?;
    let total = w.h.total_all();
    expect_that(
        total <= MAX_QUERIES,
        format!("{total} questions upstream for one question: the limit is {MAX_QUERIES}"),
    )?;
    let looped = w.h.count(ZONE, &w.www, RecordType::A);
    expect_that(
        looped <= 2,
        format!(
            "{} was asked {looped} times: a referral to the same zone is a cycle at once",
            w.h.ip(ZONE)
        ),
    )?;
    server.expect_running()
}

fn cname_loop_servfail(t: &mut Session) -> Outcome {
    let w = world(t)?;
    let (a, b) = (
        format!("{}.{}", t.word(), w.zone),
        format!("{}.{}", t.word(), w.zone),
    );
    w.h.set_zone(
        ZONE,
        &format!(
            "{}\n{zone} 3600 NS ns.{zone}\nns.{zone} 3600 A 127.0.0.4\n{a} 300 CNAME {b}\n{b} 300 CNAME {a}",
            soa(&w.zone, 3600, 300),
            zone = w.zone
        ),
    )?;
    let (mut server, resolver) = start(t, &w, &[])?;
    let mut udp = t.udp()?;
    let reply = ask(t, &mut udp, resolver, &a, RecordType::A)?;
    expect_that(
        reply.metadata.response_code == ResponseCode::ServFail,
        format!(
            "{a} and {b} are aliases of each other: SERVFAIL, not {}",
            reply.metadata.response_code
        ),
    )?;
    let total = w.h.total_all();
    expect_that(
        total <= MAX_QUERIES,
        format!("{total} questions upstream for one question: the limit is {MAX_QUERIES}"),
    )?;
    server.expect_running()
}

fn glueless_cycle_servfail(t: &mut Session) -> Outcome {
    let w = world(t)?;
    // zone's server is dns.other, other's is dns.zone, and the TLD gives no glue.
    w.h.set_zone(
        TLD,
        &format!(
            "{}\n{zone} 3600 NS dns.{other}\n{other} 3600 NS dns.{zone}",
            soa(&w.tld, 3600, 3600),
            zone = w.zone,
            other = w.other
        ),
    )?;
    let (mut server, resolver) = start(t, &w, &[])?;
    let mut udp = t.udp()?;
    let reply = ask(t, &mut udp, resolver, &w.www, RecordType::A)?;
    expect_that(
        reply.metadata.response_code == ResponseCode::ServFail,
        format!(
            "no server of {} can ever be reached: SERVFAIL, not {}",
            w.zone, reply.metadata.response_code
        ),
    )?;
    let total = w.h.total_all();
    expect_that(
        total <= MAX_QUERIES,
        format!("{total} questions upstream for one question: the limit is {MAX_QUERIES}"),
    )?;
    server.expect_running()
}

fn forged_id_ignored(t: &mut Session) -> Outcome {
    let w = world(t)?;
    w.h.set_mode(ZONE, Mode::ForgedId);
    let (_server, resolver) = start(t, &w, &[])?;
    let mut udp = t.udp()?;
    t.note(&format!(
        "127.0.0.4 sends {FORGED} with the id plus one, then the real answer"
    ));
    let reply = ask(t, &mut udp, resolver, &w.www, RecordType::A)?;
    expect_address(&reply, &w.www, &w.www_ip)
}

fn forged_source_ignored(t: &mut Session) -> Outcome {
    let w = world(t)?;
    w.h.set_mode(ZONE, Mode::ForgedSource);
    let (_server, resolver) = start(t, &w, &[])?;
    let mut udp = t.udp()?;
    t.note(&format!(
        "127.0.0.99 sends {FORGED} with the right id, then 127.0.0.4 the real answer"
    ));
    let reply = ask(t, &mut udp, resolver, &w.www, RecordType::A)?;
    expect_address(&reply, &w.www, &w.www_ip)
}

fn out_of_bailiwick_glue_ignored(t: &mut Session) -> Outcome {
    let w = world(t)?;
    let sub = format!("sub.{}", w.zone);
    let victim = format!("ns.{}", w.other);
    let host = format!("{}.{sub}", t.word());
    let ip = address(t);
    // The zone delegates sub to two servers, one named in another zone, and gives a
    // (forged) address for that name too: glue it has no authority over.
    w.h.set_zone(
        ZONE,
        &format!(
            "{}\n{zone} 3600 NS ns.{zone}\nns.{zone} 3600 A 127.0.0.4\n\
             {sub} 3600 NS ns.{sub}\n{sub} 3600 NS {victim}\nns.{sub} 3600 A 127.0.0.6\n{victim} 3600 A {FORGED}",
            soa(&w.zone, 3600, 300),
            zone = w.zone
        ),
    )?;
    w.h.set_zone(
        SPARE,
        &format!(
            "{}\n{sub} 3600 NS ns.{sub}\nns.{sub} 3600 A 127.0.0.6\n{host} 300 A {ip}",
            soa(&sub, 3600, 300)
        ),
    )?;
    let (_server, resolver) = start(t, &w, &[])?;
    let mut udp = t.udp()?;
    expect_address(
        &ask(t, &mut udp, resolver, &host, RecordType::A)?,
        &host,
        &ip,
    )?;
    t.note(&format!("{victim} is {}'s to answer: 127.0.0.5", w.other));
    let reply = ask(t, &mut udp, resolver, &victim, RecordType::A)?;
    expect_address(&reply, &victim, "127.0.0.5")
}

fn truncated_answer_over_tcp(t: &mut Session) -> Outcome {
    let w = world(t)?;
    w.h.set_mode(ZONE, Mode::Truncated);
    let (_server, resolver) = start(t, &w, &[])?;
    let mut udp = t.udp()?;
    let reply = ask(t, &mut udp, resolver, &w.www, RecordType::A)?;
    expect_address(&reply, &w.www, &w.www_ip)?;
    let tcp = w.h.tcp_queries(ZONE);
    expect_that(
        tcp == 1,
        format!("127.0.0.4 answered with TC=1 and was asked {tcp} time(s) over TCP, not once"),
    )
}

fn long_answer_truncated(t: &mut Session) -> Outcome {
    let w = world(t)?;
    let big = format!("{}.{}", t.word(), w.zone);
    let mut zone = format!(
        "{}\n{zone} 3600 NS ns.{zone}\nns.{zone} 3600 A 127.0.0.4",
        soa(&w.zone, 3600, 300),
        zone = w.zone
    );
    // 40 addresses: about 700 bytes even with every name compressed.
    for i in 1..=40 {
        zone.push_str(&format!("\n{big} 300 A 10.9.0.{i}"));
    }
    w.h.set_zone(ZONE, &zone)?;
    let (_server, resolver) = start(t, &w, &[])?;
    let mut udp = t.udp()?;
    let query = dns::question(99, &big, RecordType::A)?;
    udp.send_to(&query, resolver)?;
    let (bytes, _) = udp.receive()?;
    let reply = dns::decode(&bytes)?;
    expect_that(
        bytes.len() <= 512,
        format!(
            "the reply over UDP is {} bytes: the limit without EDNS is 512",
            bytes.len()
        ),
    )?;
    expect_that(
        reply.metadata.truncation,
        "the answer did not fit in 512 bytes, but the reply's TC bit is 0",
    )?;
    expect_that(
        reply.queries.len() == 1 && reply.metadata.id == 99,
        "a truncated reply still carries the question and its id",
    )
}

fn client_garbage_dropped(t: &mut Session) -> Outcome {
    let w = world(t)?;
    let (mut server, resolver) = start(t, &w, &[])?;
    let mut udp = t.udp()?;
    let word = t.word();
    // Too short for a header; a header whose counts lie; a response, not a query.
    let mut lying = vec![0x12, 0x34, 0x01, 0x00, 0x00, 0x05, 0, 0, 0, 0, 0, 0];
    lying.extend_from_slice(word.as_bytes());
    let mut response = dns::question(7, &w.www, RecordType::A)?;
    response[2] |= 0x80;
    for garbage in [word.as_bytes().to_vec(), lying, response, vec![]] {
        udp.send_to(&garbage, resolver)?;
    }
    udp.send_stray(word.as_bytes(), resolver)?;
    let reply = ask(t, &mut udp, resolver, &w.www, RecordType::A)?;
    expect_address(&reply, &w.www, &w.www_ip)?;
    server.expect_running()
}

fn two_clients_at_once(t: &mut Session) -> Outcome {
    let w = world(t)?;
    let (_server, resolver) = start(t, &w, &["--timeout-ms", "6000"])?;
    let mut first = t.udp()?;
    let mut second = t.udp()?;
    // Warm the cache for the TLD, then hold the zone's server.
    let sibling = format!("www.{}", w.other);
    ask(t, &mut second, resolver, &sibling, RecordType::A)?;
    w.h.set_mode(ZONE, Mode::Held);
    let held = dns::question(41, &w.www, RecordType::A)?;
    first.send_to(&held, resolver)?;
    t.note("127.0.0.4 holds the first client's question; the second asks another zone");
    let start = Instant::now();
    while w.h.count(ZONE, &w.www, RecordType::A) == 0 {
        expect_that(
            start.elapsed() < REPLY_DEADLINE,
            "the first question never reached 127.0.0.4",
        )?;
        std::thread::sleep(Duration::from_millis(20));
    }
    // A name of the other zone the cache has not seen: its server must be asked.
    let cold = format!("{}.{}", t.word(), w.other);
    let reply = ask(t, &mut second, resolver, &cold, RecordType::A)?;
    expect_that(
        reply.metadata.response_code == ResponseCode::NXDomain,
        format!(
            "{cold} does not exist, but the reply says {}",
            reply.metadata.response_code
        ),
    )?;
    t.note("the second client has its answer: now 127.0.0.4 answers the first");
    w.h.release(ZONE);
    let (bytes, _) = first.receive()?;
    let reply = dns::decode(&bytes)?;
    expect_address(&reply, &w.www, &w.www_ip)
}

/// Questions resolved at once, at most, as the given `serve` promises (`MAX_IN_FLIGHT`).
const MAX_IN_FLIGHT: usize = 256;

/// Fails when the root has received more than `MAX_IN_FLIGHT` questions while holding
/// them all: the resolver took one it had no slot for.
fn expect_within_limit(w: &World) -> Outcome {
    let held = w.h.total(ROOT);
    if held <= MAX_IN_FLIGHT {
        return Ok(());
    }
    Err(Failure::mismatch(
        format!(
            "127.0.0.2 received {held} questions while it answered none: more than {MAX_IN_FLIGHT} resolved at once"
        ),
        format!("at most {MAX_IN_FLIGHT}; the rest dropped"),
        format!("{held}"),
    ))
}

fn in_flight_bounded(t: &mut Session) -> Outcome {
    let w = world(t)?;
    // Patient beyond the case's length: no held question times out and frees its slot.
    let (server, resolver) = start(t, &w, &["--timeout-ms", "20000"])?;
    w.h.set_mode(ROOT, Mode::Held);
    let prefix = t.word();
    let name = |i: usize| format!("{prefix}-{i}.{}", w.zone);
    // A plain socket, not a UdpPeer: three hundred lines of transcript would bury the rest.
    let flood = std::net::UdpSocket::bind("127.0.0.1:0")?;
    t.note(&format!(
        "127.0.0.2 holds every question; {} asks for {}, {}, … keeping at most 16 on their way \
         (no socket buffer overflows), until 127.0.0.2 holds {MAX_IN_FLIGHT}",
        flood.local_addr()?,
        name(0),
        name(1)
    ));
    let begun = Instant::now();
    let (mut sent, mut seen, mut moved, mut lost) = (0, 0, Instant::now(), 0);
    loop {
        expect_within_limit(&w)?;
        let held = w.h.total(ROOT);
        if held == MAX_IN_FLIGHT {
            break;
        }
        if held != seen {
            (seen, moved) = (held, Instant::now());
        }
        // One more on the way when nothing moved for 200 ms: a datagram lost under load.
        if moved.elapsed() > Duration::from_millis(200) {
            (lost, moved) = (lost + 1, Instant::now());
        }
        while sent < held + 16 + lost {
            let query = dns::question((sent % 65_536) as u16, &name(sent), RecordType::A)?;
            flood.send_to(&query, resolver)?;
            sent += 1;
        }
        if begun.elapsed() > REPLY_DEADLINE {
            return Err(Failure::new(format!(
                "of {sent} questions sent, only {held} reached 127.0.0.2 within {REPLY_DEADLINE:?}: \
                 the resolver must resolve up to {MAX_IN_FLIGHT} at once"
            ))
            .kind(Kind::Timeout));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    // One more, from a socket of its own: when the resolver notes it dropped (its stderr
    // names the sender), every earlier datagram has been read too.
    let mut extra = t.udp()?;
    let sender = extra.addr()?.to_string();
    let id = (t.number() % 65_536) as u16;
    extra.send_to(
        &dns::question(id, &format!("{prefix}-extra.{}", w.zone), RecordType::A)?,
        resolver,
    )?;
    t.note(&format!(
        "127.0.0.2 holds {MAX_IN_FLIGHT}: one more question, from {sender}, must be dropped, and noted on stderr"
    ));
    let begun = Instant::now();
    while !server.stderr().iter().any(|line| line.contains(&sender)) {
        expect_within_limit(&w)?;
        if begun.elapsed() > REPLY_DEADLINE {
            return Err(Failure::new(format!(
                "the resolver neither dropped the question from {sender} (no stderr line names it) \
                 nor asked 127.0.0.2 for it within {REPLY_DEADLINE:?}"
            ))
            .kind(Kind::Timeout));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    expect_within_limit(&w)?;
    t.note("127.0.0.2 answers the held questions: a fresh one must be answered again (asked every 300 ms, as a stub retries)");
    w.h.release(ROOT);
    fresh_answer(t, &w, resolver).map_err(|failure| match failure.kind {
        Kind::Mismatch => failure.kind(Kind::Other),
        _ => failure,
    })
}

/// Asks `w.www` every 300 ms (the same id, as a stub retries) until the resolver
/// answers: a slot frees as each released resolution ends.
fn fresh_answer(t: &mut Session, w: &World, resolver: SocketAddr) -> Outcome {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    socket.set_read_timeout(Some(Duration::from_millis(300)))?;
    let id = (t.number() % 65_536) as u16;
    let query = dns::question(id, &w.www, RecordType::A)?;
    let begun = Instant::now();
    let mut buf = vec![0u8; 65_535];
    loop {
        if begun.elapsed() > REPLY_DEADLINE {
            return Err(Failure::new(format!(
                "once 127.0.0.2 answered, the resolver never answered a fresh question for {} \
                 within {REPLY_DEADLINE:?}: are the slots given back?",
                w.www
            ))
            .kind(Kind::Timeout));
        }
        socket.send_to(&query, resolver)?;
        if let Ok((len, from)) = socket.recv_from(&mut buf)
            && from == resolver
        {
            let reply = dns::decode(&buf[..len])?;
            return expect_address(&reply, &w.www, &w.www_ip);
        }
    }
}

// ---------------------------------------------------------------------------------
// Real clients.

fn stub_resolver_resolves(t: &mut Session) -> Outcome {
    use hickory_resolver::Resolver;
    use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
    use hickory_resolver::net::runtime::TokioRuntimeProvider;
    let w = world(t)?;
    let (_server, resolver) = start(t, &w, &[])?;
    let mut ns = NameServerConfig::udp(resolver.ip());
    for connection in &mut ns.connections {
        connection.port = resolver.port();
    }
    let mut options = ResolverOpts::default();
    options.timeout = Duration::from_secs(2);
    options.attempts = 1;
    options.cache_size = 0;
    let stub = Resolver::builder_with_config(
        ResolverConfig::from_name_servers(vec![ns]),
        TokioRuntimeProvider::default(),
    )
    .with_options(options)
    .build()
    .map_err(|e| Failure::new(format!("hickory-resolver could not be built: {e}")))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(format!("no tokio runtime: {e}")))?;
    t.note(&format!(
        "hickory-resolver looks up {} through the resolver",
        w.www
    ));
    let lookup = runtime
        .block_on(stub.lookup(w.www.as_str(), RecordType::A))
        .map_err(|e| {
            Failure::new(format!(
                "hickory-resolver's lookup of {} failed: {e}",
                w.www
            ))
            .kind(Kind::Mismatch)
        })?;
    let found: Vec<String> = lookup
        .answers()
        .iter()
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(a.0.to_string()),
            _ => None,
        })
        .collect();
    expect_that(
        found == [w.www_ip.clone()],
        format!(
            "hickory-resolver found {found:?} for {}, not [{}]",
            w.www, w.www_ip
        ),
    )
}

fn dig_shows_answer(t: &mut Session) -> Outcome {
    let w = world(t)?;
    let (_server, resolver) = start(t, &w, &[])?;
    let lines = dns::dig(t, resolver, &[&w.www, "A"])?;
    expect_that(
        lines.iter().any(|line| line.contains("flags: qr rd ra;")),
        "dig never printed its header line with flags qr rd ra",
    )?;
    let answers = dns::dig_records(&lines, &w.www, "A");
    expect_that(
        answers
            .iter()
            .any(|words| words[2] == "IN" && words[4] == w.www_ip),
        format!(
            "dig never printed the answer line {} … IN A {}",
            w.www, w.www_ip
        ),
    )
}

// ---------------------------------------------------------------------------------
// Outputs and addresses.

fn listens_on_ipv6(t: &mut Session) -> Outcome {
    let w = world(t)?;
    let port = w.h.port().to_string();
    let (_server, resolver) = t.start_server(
        "resolver",
        &[
            "server",
            "--root",
            "127.0.0.2",
            "--upstream-port",
            &port,
            "--host",
            "::1",
            "--port",
            "0",
            "--timeout-ms",
            PATIENT,
        ],
    )?;
    expect_that(
        resolver.is_ipv6(),
        format!("with --host ::1 the resolver listens on {resolver}"),
    )?;
    let mut udp = t.udp_on(SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 0)))?;
    let reply = ask(t, &mut udp, resolver, &w.www, RecordType::A)?;
    expect_address(&reply, &w.www, &w.www_ip)
}

fn stdout_closed(t: &mut Session) -> Outcome {
    let w = world(t)?;
    t.set_stdout(Output::Closed);
    let port = w.h.port().to_string();
    let mut server = t.start(
        "resolver",
        &[
            "server",
            "--root",
            "127.0.0.2",
            "--upstream-port",
            &port,
            "--port",
            "0",
        ],
    )?;
    server.expect_error_exit_naming(1, "stdout")?;
    Ok(())
}

fn stderr_closed(t: &mut Session) -> Outcome {
    let w = world(t)?;
    two_servers(t, &w, Mode::Lame)?;
    t.set_stderr(Output::Closed);
    let (mut server, resolver) = start(t, &w, &["--timeout-ms", IMPATIENT])?;
    let mut udp = t.udp()?;
    let garbage = t.word();
    udp.send_to(garbage.as_bytes(), resolver)?;
    let reply = ask(t, &mut udp, resolver, &w.www, RecordType::A)?;
    expect_address(&reply, &w.www, &w.www_ip)?;
    server.expect_running()
}
