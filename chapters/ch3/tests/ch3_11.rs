//! Grades ch3-11, the authoritative DNS server: the answers RFC 1034 §4.3.2 gives for
//! a zone (answer, CNAME, referral, NODATA, NXDOMAIN, REFUSED), the header every reply
//! must carry, truncation over UDP and the retry over TCP, TCP's framing and timeouts,
//! forwarding with `--resolver`, and every hostile datagram a public server meets.
//!
//! Each case writes its own zone file in its folder, with names and addresses drawn
//! from the seed; replies are read by hickory-proto (ch3::dns), and a real stub
//! resolver (hickory-resolver) and `dig` ask too.

use ch3::dns::{self, ask_tcp, ask_udp, dig, dig_records, framed, read_framed};
use harness::prelude::*;
use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, NS, SOA, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

/// The most a UDP answer may hold without EDNS (RFC 1035 §4.2.1).
const CLASSIC_UDP: usize = 512;
/// The server's cap on an EDNS payload size, as the exercise states it.
const MAX_UDP: usize = 4096;
/// How long a TCP connection may stay silent or unfinished, as the exercise states it.
const TCP_IDLE: Duration = Duration::from_secs(3);
/// How many forwarded questions may wait for the resolver at once, as the exercise
/// states it.
const MAX_FORWARDS: usize = 100;
/// How long the server waits for the resolver it forwards to, as the exercise states it.
const FORWARD_WAIT: Duration = Duration::from_secs(2);

fn main() -> ExitCode {
    harness::run!(&[
        // The zone's answers.
        Case::new("an A question for a name in the zone gets AA, NOERROR and the record", answers_a)
            .hint("Look the name up in the zone (names compare without case), put its A records in the \
                   ANSWER section, and set AA: this server is the authority for the zone.")
            .hint_if(Kind::Mismatch, "Check the header: the query's id, QR=1, opcode QUERY, AA=1, RD copied \
                     from the query, RA=0, RCODE NOERROR, and the question echoed."),
        Case::new("AAAA, MX, TXT, NS and SOA questions get their records", answers_every_type)
            .hint("Answer the records whose type is the question's type, and only those: a name with A and \
                   AAAA records answers an AAAA question with the AAAA alone.")
            .hint_if(Kind::Mismatch, "An MX answer carries the mail server's address in ADDITIONAL when the \
                     zone has it; TXT keeps each quoted string as one character-string."),
        Case::new("the zone file's syntax: $ORIGIN, $TTL, @, blank owners, TTL and class in either order, parentheses, comments", zone_file_syntax)
            .hint("A name without a final dot is relative to the current $ORIGIN; `@` is the origin; a line that \
                   starts with a blank has the previous record's owner; `(` … `)` joins lines; `;` starts a \
                   comment; a record without a TTL takes $TTL."),
        Case::new("a name that does not exist gets NXDOMAIN with the SOA in AUTHORITY", nxdomain_with_soa)
            .hint("NXDOMAIN (RCODE 3), AA set, no answer, and the zone's SOA in AUTHORITY with TTL = \
                   min(SOA TTL, SOA MINIMUM) (RFC 2308 §3): that is how long a resolver remembers the name \
                   does not exist."),
        Case::new("a name without the asked type gets NODATA: NOERROR, no answer, the SOA", nodata_with_soa)
            .hint("The name exists, just not with that type: NOERROR with an empty ANSWER and the SOA in \
                   AUTHORITY. NXDOMAIN would tell the resolver that no type at all exists there."),
        Case::new("a name with only names beneath it (an empty non-terminal) is NODATA, not NXDOMAIN", empty_non_terminal)
            .hint("`b.zone.` exists when `a.b.zone.` is in the file, even with no records of its own: a name \
                   exists when it, or any name under it, owns records."),
        Case::new("a name outside the zone gets REFUSED", refuses_other_zones)
            .hint("A name not at or under the zone's apex is not this server's to answer: RCODE REFUSED (5), no \
                   AA, no records. Answering it would make the server an authority for names it knows nothing \
                   of."),
        Case::new("names match without regard to case, and the question is echoed as it was asked", case_insensitive)
            .hint("Compare names in lower case (hickory's Name compares without case), but copy the question \
                   into the reply as it came: some resolvers check the echo byte for byte (DNS 0x20)."),
        Case::new("a name at or under a delegation gets a referral: no AA, NS in AUTHORITY, glue in ADDITIONAL", referral_with_glue)
            .hint("NS records below the apex hand that subtree to other servers: for any name at or under the \
                   cut, answer NOERROR without AA, the NS records in AUTHORITY and their A/AAAA records (glue) \
                   in ADDITIONAL.")
            .hint_if(Kind::Mismatch, "A referral has AA=0 (this server is not the authority down there), an \
                     empty ANSWER, and the glue: without it a resolver cannot reach a name server whose name \
                     is inside the zone it serves."),
        Case::new("a CNAME is chased inside the zone: the CNAME, then the target's records", cname_chased)
            .hint("When the name owns a CNAME and the question is not for CNAME, answer the CNAME and then ask \
                   the same question about its target, adding what you find; a CNAME question gets the CNAME \
                   alone."),
        Case::new("a CNAME loop ends with an answer, and the server goes on", cname_loop_ends)
            .hint("Follow a chain of CNAMEs at most a few steps (8), or stop at a name already seen: a zone with \
                   a → b → a must not keep the server in a loop.")
            .hint_if(Kind::Timeout, "No answer: the CNAME chase never ended. Count the steps, or remember the \
                     names seen."),
        // The header.
        Case::new("every reply copies the query's id and RD, with RA = 0", copies_id_and_rd)
            .hint("A resolver matches a reply to its query by id, and drops any other: copy it. Copy RD too; RA \
                   says whether this server recurses, and it does not.")
            .hint_if(Kind::Mismatch, "Build the reply from the query's header: same id, same opcode, same RD; \
                     QR=1; RA=0."),
        Case::new("a query with two questions gets FORMERR", two_questions_formerr)
            .hint("A query has exactly one question in practice; several is FORMERR (RCODE 1), with the query's \
                   id."),
        Case::new("an opcode other than QUERY gets NOTIMP", other_opcode_notimp)
            .hint("Read the opcode from the header's third byte ((b >> 3) & 0xf): anything but 0 (QUERY) is \
                   NOTIMP (RCODE 4), with the query's id and opcode."),
        Case::new("bytes hickory cannot read, behind a readable header, get FORMERR with the query's id", unreadable_formerr)
            .hint("When decoding fails but the datagram has its 12-byte header, answer FORMERR built from the \
                   header alone: the id from the first two bytes, QR=1."),
        Case::new("a datagram shorter than a header, or a response (QR=1), gets no answer at all", ignores_responses)
            .hint("Never answer a response (QR=1): two servers that answer each other's answers loop for ever, \
                   and a forged source address turns the server into a weapon. Under 12 bytes there is no id \
                   to answer with: drop it too."),
        // Size: UDP and TCP.
        Case::new("a UDP answer over 512 bytes is truncated (TC=1), and over TCP it comes whole", truncated_then_tcp)
            .hint("Encode the reply; over UDP without EDNS, more than 512 bytes is too many: send the header and \
                   the question with TC=1 (and the sections that fit, or none). The client asks again over TCP, \
                   where the whole answer goes.")
            .hint_if(Kind::Mismatch, "Check the length of the encoded reply against the limit before sending \
                     it: 512 bytes, or the EDNS payload size of the query."),
        Case::new("an EDNS payload size lets a larger answer through UDP, capped at 4096", edns_payload)
            .hint("A query with an OPT record (hickory: message.edns) announces how big a datagram it takes: \
                   use that (at least 512, at most 4096) as the limit, and put an OPT record in the reply."),
        Case::new("several TCP queries in one write are answered in order on that connection", tcp_many_in_one_write)
            .hint("Over TCP each message is a two-byte length then the message: read the length, read exactly \
                   that many bytes, answer, and loop for the next message on the same connection.")
            .hint_if(Kind::Timeout, "Fewer replies came than queries were sent in one write: one read \
                     brought several messages. Read exactly each message's length (read_exact) and keep the \
                     rest for the next."),
        Case::new("a TCP query in pieces (its length prefix split too) is answered once, whole", tcp_in_pieces)
            .hint("One read is not one message: use read_exact for the two length bytes, then for the message.")
            .hint_if(Kind::Mismatch, "A message was answered from part of its bytes: read exactly the length \
                     the prefix gives before decoding."),
        Case::new("a TCP query that pauses midway (less than the idle timeout) is answered", tcp_pause_answered)
            .hint("A pause of a second inside a message is not the 3 s idle timeout: keep reading until the \
                   message is whole or the timeout has passed."),
        Case::new("a TCP message cut short ends that connection only, and others are served", tcp_cut_short)
            .hint("A connection that ends mid-message is an error for that connection only: close it, and keep \
                   serving UDP and the other connections.")
            .hint_if(Kind::Timeout, "Either the others were not served while one TCP message waited (give each \
                     connection a thread of its own), or the connection that ended mid-message was never \
                     closed (read_exact fails with UnexpectedEof there: end that connection)."),
        Case::new("a silent TCP client blocks no one and is closed after the idle timeout", tcp_silent_client)
            .hint("Serve each TCP connection on its own thread, and set a read timeout (3 s): a client that \
                   connects and says nothing must hold neither the UDP socket nor other connections, nor its \
                   thread for ever."),
        Case::new("a TCP client that dribbles its message a byte at a time is closed after the idle timeout", tcp_dribble_closed)
            .hint("A read timeout alone is reset by every byte: a client that sends one byte every 0.4 s never \
                   trips it and holds its thread for ever. Give the whole message one deadline (Instant::now() \
                   + 3 s) and, before each read, set the read timeout to what is left of it."),
        Case::new("several TCP clients at once each get their own answer", tcp_many_clients)
            .hint("Each connection has its own thread and its own bytes: nothing of one may leak into another."),
        Case::new("a TCP client that resets mid-message is forgotten, and the next is served", tcp_reset)
            .hint("A reset is an error on that connection only: end its thread, never the server."),
        // Hostile input.
        Case::new("a flood of garbage and mangled queries, then a good query: answered", survives_garbage)
            .hint("Every datagram may be anything: never index past its end, never unwrap what hickory says, \
                   and never let one datagram's error end the receive loop.")
            .hint_if(Kind::Timeout, "The good query got no answer after the garbage: did the server die or \
                     stop its loop on an error? Log the error and go on to the next datagram."),
        Case::new("a stray datagram from another address does not disturb the answer to a client", stray_datagram)
            .hint("Answer each datagram to the address it came from; a stray one is just another query (or \
                   garbage)."),
        // Forwarding.
        Case::new("with --resolver, a question outside the zone is forwarded with the server's own id and the reply relayed with the client's", forwards)
            .hint("Forward the client's query to the resolver from a socket of your own with a new id, wait for \
                   the reply from the resolver's address with that id, put the client's id back and send it \
                   to the client.")
            .hint_if(Kind::Mismatch, "The query sent to the resolver must carry an id of the server's own and \
                     the client's question; the reply relayed to the client must carry the client's id (write \
                     it into the first two bytes) and the resolver's records."),
        Case::new("with --resolver, a reply from another address or with another id is not taken for the answer", forward_ignores_impostors)
            .hint("Anyone can send a datagram to the forwarding socket: only a response from the resolver's \
                   address, with the id you chose, is the reply."),
        Case::new("with --resolver, a resolver that never answers earns the client SERVFAIL", forward_timeout_servfail)
            .hint("Wait for the resolver 2 s at most (a read timeout), then answer the client SERVFAIL (RCODE 2) \
                   with its id and question; UDP loses datagrams, so the wait must end.")
            .hint_if(Kind::Timeout, "The client got nothing: the server waits for the resolver for ever. Set \
                     a read timeout on the forwarding socket."),
        Case::new("with --resolver, at most 100 questions wait for the resolver at once; the others get SERVFAIL", forward_bounded)
            .hint("Each forwarded question holds a thread (or a slot) for up to 2 s: count those waiting, and \
                   past 100 answer SERVFAIL at once instead of forwarding, or a flood of questions outside the \
                   zone makes the server start threads without end."),
        Case::new("with --resolver, questions inside the zone are still answered from the zone", forward_only_outside)
            .hint("Forward only what the zone does not cover: names at or under the apex are answered from the \
                   file, with AA."),
        // The zone file's mistakes.
        Case::new("a bad zone file stops the server with error: FILE:LINE and status 2, before it listens", bad_zone_files)
            .hint("Keep the line number with every entry you read; on a mistake print `error: FILE:LINE: what` \
                   on stderr and exit with status 2, before binding: a server that serves half a zone is worse \
                   than one that does not start.")
            .hint_if(Kind::Timeout, "The server started anyway: check every entry (known type, valid data, \
                     a name inside the zone, exactly one SOA) before listening."),
        // Real clients.
        Case::new("a real stub resolver (hickory-resolver) gets A, MX and NXDOMAIN, over UDP and over TCP", real_resolver)
            .hint("hickory-resolver asks over UDP (or TCP), checks the id and the question, and reads NXDOMAIN \
                   from the RCODE with the SOA: serve it as any resolver."),
        Case::new("dig +norec shows `flags: qr aa` and the answer line", dig_answer)
            .hint("dig prints the header's flags: qr (a response) and aa (authoritative) must be set, rd \
                   copied, ra not set."),
        Case::new("dig retries a truncated answer over TCP by itself, and +tcp gets it whole", dig_truncation)
            .hint("dig sees TC=1 in the UDP answer and asks again over TCP on the same port: serve TCP on the \
                   port UDP uses."),
        // Conventions.
        Case::new("the server listens on ::1, UDP and TCP, when given --host ::1", listens_on_ipv6)
            .hint("Bind (host, port) as given, for both sockets: UdpSocket::bind and TcpListener::bind take \
                   `::1`, and TCP binds the address UDP got."),
        Case::new("a server whose stdout is closed stops with an error naming stdout", stdout_closed)
            .hint("Write `listening on ADDR` with writeln!(std::io::stdout(), …) and turn its error into \
                   \"cannot write to stdout\" (println! panics): main prints `error: …` and exits with status 1."),
        Case::new("the server serves with its stderr closed", stderr_closed)
            .hint("Status lines on stderr must not panic when stderr is closed: write them with write_all and \
                   ignore the error (eprintln! panics)."),
    ])
}

/// A zone drawn from the seed, written in the case's folder, with every kind of name
/// the cases ask about.
struct Site {
    file: PathBuf,
    apex: String,
    /// The SOA record's TTL and its MINIMUM field.
    soa_ttl: u32,
    minimum: u32,
    ns: String,
    ns_v4: Ipv4Addr,
    www: String,
    www_ttl: u32,
    www_v4: Ipv4Addr,
    www_v6: Ipv6Addr,
    mail: String,
    mail_v4: Ipv4Addr,
    mx_preference: u16,
    alias: String,
    txt: String,
    txt_strings: Vec<String>,
    /// A delegation: `sub` has NS `ns.sub` (glue `sub_ns_v4`) and NS outside the zone.
    sub: String,
    sub_ns: String,
    sub_ns_v4: Ipv4Addr,
    sub_outside_ns: String,
    /// `deep` owns an A record; `middle` (its parent) owns nothing.
    deep: String,
    middle: String,
    loop_a: String,
    loop_b: String,
    /// `big` has `big_count` A records: over 512 bytes, under 1232.
    big: String,
    big_count: usize,
    /// `huge` has `huge_count` A records: over 4096 bytes.
    huge: String,
    huge_count: usize,
}

/// An address of 10/8 drawn from the seed.
fn address(t: &mut Session) -> Ipv4Addr {
    let n = t.number() as u32;
    Ipv4Addr::from(0x0a00_0000 | (n & 0x00ff_fffe) | 1)
}

/// The `i`-th address of a big record set.
fn nth_address(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, 200, (i / 250) as u8, (i % 250 + 1) as u8)
}

fn site(t: &mut Session) -> Outcome<Site> {
    let apex = format!("{}.test.", t.word());
    let label = |t: &mut Session| t.word();
    let (w, m, a, x, s, d, l1, l2, b, h) = (
        label(t),
        label(t),
        label(t),
        label(t),
        label(t),
        label(t),
        label(t),
        label(t),
        label(t),
        label(t),
    );
    let n = t.number();
    let site = Site {
        file: t.dir().join("zone.txt"),
        soa_ttl: 3600,
        minimum: 60 + (n % 500) as u32,
        ns: format!("ns1.{apex}"),
        ns_v4: address(t),
        www: format!("{w}.{apex}"),
        www_ttl: 100 + (n % 1000) as u32,
        www_v4: address(t),
        www_v6: Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, (n >> 16) as u16, n as u16 | 1),
        mail: format!("{m}.{apex}"),
        mail_v4: address(t),
        mx_preference: (n % 50) as u16 + 1,
        alias: format!("{a}.{apex}"),
        txt: format!("{x}.{apex}"),
        txt_strings: vec![t.sentence(3), t.word()],
        sub: format!("{s}.{apex}"),
        sub_ns: format!("ns.{s}.{apex}"),
        sub_ns_v4: address(t),
        sub_outside_ns: format!("ns.{}.example.", t.word()),
        deep: format!("a.{d}.{apex}"),
        middle: format!("{d}.{apex}"),
        loop_a: format!("{l1}.{apex}"),
        loop_b: format!("{l2}.{apex}"),
        big: format!("{b}.{apex}"),
        big_count: 40 + (n % 20) as usize,
        huge: format!("{h}.{apex}"),
        huge_count: 270 + (n % 20) as usize,
        apex,
    };
    let mut text = format!(
        "; a zone for ch3-11, drawn from the seed\n\
         $ORIGIN {apex}\n\
         $TTL {soa_ttl}\n\
         @   IN  SOA ns1 hostmaster.{apex} (\n\
         \x20       2026120201 ; serial\n\
         \x20       7200 900 1209600\n\
         \x20       {minimum} )   ; negative answers\n\
         \x20   IN  NS  ns1\n\
         \x20       MX  {pref} {m}\n\
         ns1     IN A {ns_v4}\n\
         {w}  {www_ttl} IN A {www_v4}\n\
         \x20    IN {www_ttl} AAAA {www_v6}\n\
         {m} A {mail_v4}\n\
         {a} CNAME {w}\n\
         {x}.{apex} TXT \"{t0}\" \"{t1}\"\n\
         {s} NS ns.{s}\n\
         \x20   NS {outside}\n\
         ns.{s} A {sub_ns_v4}\n\
         a.{d} A {deep_v4}\n\
         {l1} CNAME {l2}\n\
         {l2} CNAME {l1}.{apex}\n",
        apex = site.apex,
        soa_ttl = site.soa_ttl,
        minimum = site.minimum,
        pref = site.mx_preference,
        ns_v4 = site.ns_v4,
        www_ttl = site.www_ttl,
        www_v4 = site.www_v4,
        www_v6 = site.www_v6,
        mail_v4 = site.mail_v4,
        t0 = site.txt_strings[0],
        t1 = site.txt_strings[1],
        outside = site.sub_outside_ns,
        sub_ns_v4 = site.sub_ns_v4,
        deep_v4 = site.www_v4,
    );
    for i in 0..site.big_count {
        text.push_str(&format!("{b} A {}\n", nth_address(i)));
    }
    for i in 0..site.huge_count {
        text.push_str(&format!("{h} A {}\n", nth_address(i)));
    }
    std::fs::write(&site.file, text)
        .map_err(|e| Failure::new(format!("the test could not write its zone file: {e}")))?;
    Ok(site)
}

/// Starts the server on the site's zone, with `extra` arguments.
fn start(t: &mut Session, site: &Site, extra: &[&str]) -> Outcome<(Program, SocketAddr)> {
    let zone = site.file.display().to_string();
    let mut args = vec!["server", "--zone", &zone, "--port", "0"];
    args.extend_from_slice(extra);
    t.start_server("server", &args)
}

/// An id drawn from the seed.
fn id(t: &mut Session) -> u16 {
    t.number() as u16
}

/// Asks `name`/`rtype` over UDP from a fresh socket.
fn ask(t: &mut Session, addr: SocketAddr, name: &str, rtype: RecordType) -> Outcome<Message> {
    let mut udp = t.udp()?;
    let query = dns::question(id(t), name, rtype)?;
    ask_udp(&mut udp, addr, &query)
}

/// A query with an EDNS OPT record announcing `payload` bytes.
fn question_with_edns(id: u16, name: &str, rtype: RecordType, payload: u16) -> Outcome<Vec<u8>> {
    let mut message = Message::new(id, MessageType::Query, OpCode::Query);
    message.metadata.recursion_desired = true;
    message.add_query(Query::query(dns::parse_name(name)?, rtype));
    let mut edns = Edns::new();
    edns.set_max_payload(payload);
    message.set_edns(edns);
    dns::encode(&message)
}

fn name(text: &str) -> Name {
    Name::from_ascii(text).expect("the test's names are valid")
}

fn record(owner: &str, ttl: u32, data: RData) -> Record {
    Record::from_rdata(name(owner), ttl, data)
}

/// Records as dig prints them, sorted: sections compare without regard to order.
fn lines(records: &[Record]) -> Vec<String> {
    let mut lines: Vec<String> = records.iter().map(|r| r.to_string()).collect();
    lines.sort();
    lines
}

fn expect_section(section: &str, actual: &[Record], expected: &[Record]) -> Outcome {
    if lines(actual) == lines(expected) {
        return Ok(());
    }
    Err(Failure::mismatch(
        format!("the {section} section is not what the zone says"),
        lines(expected).join("\n"),
        if actual.is_empty() {
            "(empty)".to_string()
        } else {
            lines(actual).join("\n")
        },
    ))
}

fn expect_code(reply: &Message, code: ResponseCode, why: &str) -> Outcome {
    if reply.metadata.response_code == code {
        return Ok(());
    }
    Err(Failure::mismatch(
        format!("the reply's RCODE must be {code}: {why}"),
        code.to_string(),
        reply.metadata.response_code.to_string(),
    ))
}

fn expect_aa(reply: &Message, aa: bool, why: &str) -> Outcome {
    expect_that(
        reply.metadata.authoritative == aa,
        format!(
            "the reply's AA flag is {}, it must be {}: {why}",
            reply.metadata.authoritative as u8, aa as u8
        ),
    )
}

fn expect_id(reply: &Message, id: u16) -> Outcome {
    expect_that(
        reply.metadata.id == id && reply.metadata.message_type == MessageType::Response,
        format!(
            "the reply's id is {} (QR={}), the query's was {id}: a resolver drops a reply whose id is not its \
             query's",
            reply.metadata.id,
            (reply.metadata.message_type == MessageType::Response) as u8
        ),
    )
}

/// The question must come back as it was asked: same name (byte for byte), type,
/// class.
fn expect_question(reply: &Message, asked: &str, rtype: RecordType) -> Outcome {
    let echoed: Vec<String> = reply
        .queries
        .iter()
        .map(|q| format!("{} {}", q.name, q.query_type))
        .collect();
    let wanted = format!("{} {rtype}", name(asked));
    let same_bytes = reply.queries.len() == 1 && reply.queries[0].name.eq_case(&name(asked));
    if same_bytes && echoed == [wanted.clone()] {
        return Ok(());
    }
    Err(Failure::mismatch(
        "the reply must echo the question, exactly as it was asked",
        wanted,
        if echoed.is_empty() {
            "(no question)".to_string()
        } else {
            echoed.join(", ")
        },
    ))
}

/// The SOA as negative answers carry it.
fn negative_soa(site: &Site) -> Record {
    record(&site.apex, site.soa_ttl.min(site.minimum), soa_data(site))
}

fn soa_data(site: &Site) -> RData {
    RData::SOA(SOA::new(
        name(&site.ns),
        name(&format!("hostmaster.{}", site.apex)),
        2026120201,
        7200,
        900,
        1209600,
        site.minimum,
    ))
}

fn a(site_name: &str, ttl: u32, addr: Ipv4Addr) -> Record {
    record(site_name, ttl, RData::A(A(addr)))
}

// ---------------------------------------------------------------------------------
// The zone's answers.

fn answers_a(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mut udp = t.udp()?;
    let id = id(t);
    let query = dns::question(id, &site.www, RecordType::A)?;
    let reply = ask_udp(&mut udp, addr, &query)?;
    expect_code(&reply, ResponseCode::NoError, "the name has an A record")?;
    expect_aa(&reply, true, "this server is the zone's authority")?;
    expect_question(&reply, &site.www, RecordType::A)?;
    expect_that(
        reply.metadata.op_code == OpCode::Query,
        "the reply's opcode must be QUERY, as the query's",
    )?;
    expect_that(
        reply.metadata.recursion_desired,
        "the query had RD=1: the reply must copy it",
    )?;
    expect_that(
        !reply.metadata.recursion_available,
        "RA must be 0: this server does not recurse",
    )?;
    expect_section(
        "ANSWER",
        &reply.answers,
        &[a(&site.www, site.www_ttl, site.www_v4)],
    )?;
    server.expect_running()
}

fn answers_every_type(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let reply = ask(t, addr, &site.www, RecordType::AAAA)?;
    expect_aa(&reply, true, "an answer from the zone")?;
    expect_section(
        "ANSWER",
        &reply.answers,
        &[record(
            &site.www,
            site.www_ttl,
            RData::AAAA(AAAA(site.www_v6)),
        )],
    )?;

    let reply = ask(t, addr, &site.apex, RecordType::MX)?;
    expect_section(
        "ANSWER",
        &reply.answers,
        &[record(
            &site.apex,
            site.soa_ttl,
            RData::MX(MX::new(site.mx_preference, name(&site.mail))),
        )],
    )?;
    expect_section(
        "ADDITIONAL",
        &reply.additionals,
        &[a(&site.mail, site.soa_ttl, site.mail_v4)],
    )?;

    let reply = ask(t, addr, &site.txt, RecordType::TXT)?;
    expect_section(
        "ANSWER",
        &reply.answers,
        &[record(
            &site.txt,
            site.soa_ttl,
            RData::TXT(TXT::new(site.txt_strings.clone())),
        )],
    )?;

    let reply = ask(t, addr, &site.apex, RecordType::NS)?;
    expect_section(
        "ANSWER",
        &reply.answers,
        &[record(
            &site.apex,
            site.soa_ttl,
            RData::NS(NS(name(&site.ns))),
        )],
    )?;
    expect_aa(
        &reply,
        true,
        "the NS records at the apex are the zone's own",
    )?;

    let reply = ask(t, addr, &site.apex, RecordType::SOA)?;
    expect_section(
        "ANSWER",
        &reply.answers,
        &[record(&site.apex, site.soa_ttl, soa_data(&site))],
    )?;
    server.expect_running()
}

fn zone_file_syntax(t: &mut Session) -> Outcome {
    let origin = format!("{}.test.", t.word());
    let other = format!("{}.{origin}", t.word());
    let (h1, h2, h3) = (t.word(), t.word(), t.word());
    let (v1, v2, v3, v4) = (address(t), address(t), address(t), address(t));
    let text = format!(
        "$TTL 1h ; one hour, written with a unit\n\
         $ORIGIN {origin}\n\
         \n\
         @ 7200 IN SOA ns1.{origin} admin ( 1 2 3 4\n\
         \x20   5 ) ; parentheses across lines\n\
         \x20   IN NS ns1\n\
         ns1 A {v1}\n\
         {h1} IN 120 A {v2} ; class before TTL\n\
         \x20   120 A {v3}       ; a blank owner: the previous one\n\
         $ORIGIN {other}\n\
         {h2} 30 A {v4}\n\
         {h3}.{origin} TXT \"semi;colon\" \"quote\\\"d\"\n"
    );
    let file = t.dir().join("styled.zone");
    std::fs::write(&file, text).map_err(|e| Failure::new(format!("cannot write the zone: {e}")))?;
    let zone = file.display().to_string();
    let (mut server, addr) =
        t.start_server("server", &["server", "--zone", &zone, "--port", "0"])?;
    let host1 = format!("{h1}.{origin}");
    let reply = ask(t, addr, &host1, RecordType::A)?;
    expect_section(
        "ANSWER",
        &reply.answers,
        &[a(&host1, 120, v2), a(&host1, 120, v3)],
    )?;
    let host2 = format!("{h2}.{other}");
    let reply = ask(t, addr, &host2, RecordType::A)?;
    expect_section("ANSWER", &reply.answers, &[a(&host2, 30, v4)])?;
    let host3 = format!("{h3}.{origin}");
    let reply = ask(t, addr, &host3, RecordType::TXT)?;
    let txt = RData::TXT(TXT::new(vec!["semi;colon".into(), "quote\"d".into()]));
    expect_section("ANSWER", &reply.answers, &[record(&host3, 3600, txt)])?;
    let ns1 = format!("ns1.{origin}");
    let reply = ask(t, addr, &ns1, RecordType::A)?;
    expect_section("ANSWER", &reply.answers, &[a(&ns1, 3600, v1)])?;
    let reply = ask(t, addr, &origin, RecordType::SOA)?;
    let soa = SOA::new(name(&ns1), name(&format!("admin.{origin}")), 1, 2, 3, 4, 5);
    expect_section(
        "ANSWER",
        &reply.answers,
        &[record(&origin, 7200, RData::SOA(soa))],
    )?;
    server.expect_running()
}

fn nxdomain_with_soa(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let missing = format!("{}.{}", t.word(), site.apex);
    let reply = ask(t, addr, &missing, RecordType::A)?;
    expect_code(&reply, ResponseCode::NXDomain, "the zone has no such name")?;
    expect_aa(&reply, true, "the authority says the name does not exist")?;
    expect_section("ANSWER", &reply.answers, &[])?;
    expect_section("AUTHORITY", &reply.authorities, &[negative_soa(&site)])?;
    expect_question(&reply, &missing, RecordType::A)?;
    server.expect_running()
}

fn nodata_with_soa(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let reply = ask(t, addr, &site.mail, RecordType::AAAA)?;
    expect_code(
        &reply,
        ResponseCode::NoError,
        "the name exists (it has an A record), just not with AAAA",
    )?;
    expect_aa(&reply, true, "a negative answer from the authority")?;
    expect_section("ANSWER", &reply.answers, &[])?;
    expect_section("AUTHORITY", &reply.authorities, &[negative_soa(&site)])?;
    let reply = ask(t, addr, &site.www, RecordType::MX)?;
    expect_code(
        &reply,
        ResponseCode::NoError,
        "the name exists, just not with MX",
    )?;
    expect_section("ANSWER", &reply.answers, &[])?;
    server.expect_running()
}

fn empty_non_terminal(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let reply = ask(t, addr, &site.middle, RecordType::A)?;
    expect_code(
        &reply,
        ResponseCode::NoError,
        &format!("{} exists, because {} is under it", site.middle, site.deep),
    )?;
    expect_section("AUTHORITY", &reply.authorities, &[negative_soa(&site)])?;
    let reply = ask(t, addr, &site.deep, RecordType::A)?;
    expect_section(
        "ANSWER",
        &reply.answers,
        &[a(&site.deep, site.soa_ttl, site.www_v4)],
    )?;
    server.expect_running()
}

fn refuses_other_zones(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    // A name that ends like the apex without being under it, and one elsewhere.
    let lookalike = format!("x{}", site.apex);
    let elsewhere = format!("{}.example.", t.word());
    for outside in [lookalike, elsewhere] {
        let reply = ask(t, addr, &outside, RecordType::A)?;
        expect_code(
            &reply,
            ResponseCode::Refused,
            &format!("{outside} is not in the zone {}", site.apex),
        )?;
        expect_aa(&reply, false, "the server is no authority for that name")?;
        expect_section("ANSWER", &reply.answers, &[])?;
        expect_question(&reply, &outside, RecordType::A)?;
    }
    server.expect_running()
}

fn case_insensitive(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mixed: String = site
        .www
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    let reply = ask(t, addr, &mixed, RecordType::A)?;
    expect_code(
        &reply,
        ResponseCode::NoError,
        "DNS names compare without regard to case",
    )?;
    expect_question(&reply, &mixed, RecordType::A)?;
    expect_that(
        !reply.answers.is_empty(),
        format!("{mixed} is {}: its A record must be answered", site.www),
    )?;
    server.expect_running()
}

fn referral_with_glue(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let below = format!("{}.{}", t.word(), site.sub);
    for asked in [site.sub.clone(), below] {
        let reply = ask(t, addr, &asked, RecordType::A)?;
        expect_code(&reply, ResponseCode::NoError, "a referral is not an error")?;
        expect_aa(
            &reply,
            false,
            "the subzone is delegated: this server is not its authority",
        )?;
        expect_section("ANSWER", &reply.answers, &[])?;
        expect_section(
            "AUTHORITY",
            &reply.authorities,
            &[
                record(&site.sub, site.soa_ttl, RData::NS(NS(name(&site.sub_ns)))),
                record(
                    &site.sub,
                    site.soa_ttl,
                    RData::NS(NS(name(&site.sub_outside_ns))),
                ),
            ],
        )?;
        expect_section(
            "ADDITIONAL",
            &reply.additionals,
            &[a(&site.sub_ns, site.soa_ttl, site.sub_ns_v4)],
        )?;
    }
    server.expect_running()
}

fn cname_chased(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let cname = record(
        &site.alias,
        site.soa_ttl,
        RData::CNAME(CNAME(name(&site.www))),
    );
    let reply = ask(t, addr, &site.alias, RecordType::A)?;
    expect_code(
        &reply,
        ResponseCode::NoError,
        "the alias's target has an A record",
    )?;
    expect_aa(&reply, true, "the CNAME and its target are the zone's")?;
    expect_section(
        "ANSWER",
        &reply.answers,
        &[cname.clone(), a(&site.www, site.www_ttl, site.www_v4)],
    )?;
    expect_that(
        reply.answers.first().map(|r| r.record_type()) == Some(RecordType::CNAME),
        "the CNAME comes first in the ANSWER section, then what its target has",
    )?;
    let reply = ask(t, addr, &site.alias, RecordType::CNAME)?;
    expect_section("ANSWER", &reply.answers, &[cname])?;
    server.expect_running()
}

fn cname_loop_ends(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let reply = ask(t, addr, &site.loop_a, RecordType::A)?;
    expect_that(
        matches!(
            reply.metadata.response_code,
            ResponseCode::NoError | ResponseCode::ServFail
        ),
        format!(
            "a CNAME loop is answered NOERROR (the chain) or SERVFAIL, not {}",
            reply.metadata.response_code
        ),
    )?;
    let first = record(
        &site.loop_a,
        site.soa_ttl,
        RData::CNAME(CNAME(name(&site.loop_b))),
    );
    expect_that(
        reply.answers.first() == Some(&first),
        format!("the answer must start with the asked name's CNAME: {first}"),
    )?;
    expect_that(
        reply.answers.len() <= 16,
        format!(
            "the answer has {} records: the chase must stop after a few steps",
            reply.answers.len()
        ),
    )?;
    let reply = ask(t, addr, &site.www, RecordType::A)?;
    expect_code(
        &reply,
        ResponseCode::NoError,
        "the server goes on after a loop",
    )?;
    server.expect_running()
}

// ---------------------------------------------------------------------------------
// The header.

fn copies_id_and_rd(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mut udp = t.udp()?;
    for (i, rd) in [true, false, true, false].into_iter().enumerate() {
        let id = id(t).wrapping_add(i as u16);
        let rtype = [RecordType::A, RecordType::AAAA][i % 2];
        let mut message = Message::new(id, MessageType::Query, OpCode::Query);
        message.metadata.recursion_desired = rd;
        message.add_query(Query::query(name(&site.www), rtype));
        let query = dns::encode(&message)?;
        let (_, reply) = dns::ask_udp_bytes(&mut udp, addr, &query)?;
        expect_that(
            reply.metadata.recursion_desired == rd,
            format!(
                "the query had RD={}, the reply must copy it, but says RD={}",
                rd as u8, reply.metadata.recursion_desired as u8
            ),
        )?;
        expect_that(
            !reply.metadata.recursion_available,
            "RA must be 0: this server does not recurse",
        )?;
        expect_question(&reply, &site.www, rtype)?;
    }
    server.expect_running()
}

fn two_questions_formerr(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mut udp = t.udp()?;
    let id = id(t);
    let mut message = Message::new(id, MessageType::Query, OpCode::Query);
    message.add_query(Query::query(name(&site.www), RecordType::A));
    message.add_query(Query::query(name(&site.mail), RecordType::A));
    let query = dns::encode(&message)?;
    let (_, reply) = dns::ask_udp_bytes(&mut udp, addr, &query)?;
    expect_code(
        &reply,
        ResponseCode::FormErr,
        "a query with two questions is malformed",
    )?;
    expect_section("ANSWER", &reply.answers, &[])?;
    server.expect_running()
}

fn other_opcode_notimp(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mut udp = t.udp()?;
    for opcode in [2u8, 6] {
        let mut query = dns::question(id(t), &site.www, RecordType::A)?;
        query[2] = (query[2] & 0x87) | (opcode << 3);
        let (_, reply) = dns::ask_udp_bytes(&mut udp, addr, &query)?;
        expect_code(
            &reply,
            ResponseCode::NotImp,
            &format!("opcode {opcode} is not QUERY"),
        )?;
        expect_that(
            u8::from(reply.metadata.op_code) == opcode,
            format!(
                "the reply must copy the opcode {opcode}, it says {}",
                u8::from(reply.metadata.op_code)
            ),
        )?;
        expect_section("ANSWER", &reply.answers, &[])?;
    }
    server.expect_running()
}

fn unreadable_formerr(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mut udp = t.udp()?;
    let query = dns::question(id(t), &site.www, RecordType::A)?;
    // The header says one question, but the question stops in the middle of a label.
    let cut = query[..HEADER + 4].to_vec();
    let (_, reply) = dns::ask_udp_bytes(&mut udp, addr, &cut)?;
    expect_code(
        &reply,
        ResponseCode::FormErr,
        "the question is cut short: the query is malformed",
    )?;
    // A compression pointer that points at itself.
    let mut looped = query[..HEADER].to_vec();
    looped[0] ^= 0x55;
    looped.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
    let (_, reply) = dns::ask_udp_bytes(&mut udp, addr, &looped)?;
    expect_code(
        &reply,
        ResponseCode::FormErr,
        "a name whose pointer points at itself is malformed",
    )?;
    let reply = ask(t, addr, &site.www, RecordType::A)?;
    expect_code(
        &reply,
        ResponseCode::NoError,
        "the server goes on after malformed queries",
    )?;
    server.expect_running()
}

/// A DNS header's length.
const HEADER: usize = 12;

fn ignores_responses(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mut udp = t.udp()?;
    let query = dns::question(id(t), &site.www, RecordType::A)?;
    // A response: the same query with QR=1, as an answer (or a forged one) would be.
    let mut response = query.clone();
    response[0] ^= 0x0f;
    response[2] |= 0x80;
    udp.send_to(&response, addr)?;
    udp.send_to(&query[..HEADER - 1], addr)?;
    udp.send_to(&[], addr)?;
    // Datagrams on loopback arrive in order: the first reply must be the good query's.
    let good = dns::question(id(t) | 1, &site.mail, RecordType::A)?;
    udp.send_to(&good, addr)?;
    let (bytes, _) = udp.receive()?;
    let reply = dns::decode(&bytes)?;
    let good_id = u16::from_be_bytes([good[0], good[1]]);
    if reply.metadata.id != good_id {
        return Err(Failure::new(format!(
            "the server answered a datagram it must ignore (id {}): a response (QR=1) or fewer than 12 bytes \
             gets no answer at all",
            reply.metadata.id
        ))
        .kind(Kind::Mismatch));
    }
    expect_code(
        &reply,
        ResponseCode::NoError,
        "a good query after the ignored ones",
    )?;
    server.expect_running()
}

// ---------------------------------------------------------------------------------
// Size: UDP and TCP.

fn truncated_then_tcp(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mut udp = t.udp()?;
    let id = id(t);
    let query = dns::question(id, &site.big, RecordType::A)?;
    let (bytes, reply) = dns::ask_udp_bytes(&mut udp, addr, &query)?;
    expect_that(
        bytes.len() <= CLASSIC_UDP,
        format!(
            "the UDP answer has {} bytes: without EDNS, at most 512 may be sent (RFC 1035 §4.2.1)",
            bytes.len()
        ),
    )?;
    expect_that(
        reply.metadata.truncation,
        format!(
            "{} A records do not fit in 512 bytes: the UDP answer must have TC=1",
            site.big_count
        ),
    )?;
    expect_question(&reply, &site.big, RecordType::A)?;
    let mut tcp = t.connect(addr)?;
    let reply = ask_tcp(&mut tcp, &query)?;
    expect_that(
        !reply.metadata.truncation,
        "over TCP the answer fits: TC must be 0",
    )?;
    expect_that(
        reply.answers.len() == site.big_count,
        format!(
            "over TCP the answer must hold all {} A records, it has {}",
            site.big_count,
            reply.answers.len()
        ),
    )?;
    server.expect_running()
}

fn edns_payload(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mut udp = t.udp()?;
    let query = question_with_edns(id(t), &site.big, RecordType::A, 1232)?;
    let (bytes, reply) = dns::ask_udp_bytes(&mut udp, addr, &query)?;
    expect_that(
        !reply.metadata.truncation && reply.answers.len() == site.big_count,
        format!(
            "the query announced 1232 bytes with EDNS: all {} A records ({} bytes) fit, without TC",
            site.big_count,
            bytes.len()
        ),
    )?;
    expect_that(
        reply.edns.is_some(),
        "a query with an OPT record gets one in the reply (RFC 6891 §6.1.1)",
    )?;
    // More than the server's cap: the answer over 4096 bytes is still truncated.
    let query = question_with_edns(id(t), &site.huge, RecordType::A, 65_000)?;
    let (bytes, reply) = dns::ask_udp_bytes(&mut udp, addr, &query)?;
    expect_that(
        bytes.len() <= MAX_UDP && reply.metadata.truncation,
        format!(
            "the answer ({} A records) is over 4096 bytes, the server's cap: it must come with TC=1 in at most \
             4096, not {} bytes",
            site.huge_count,
            bytes.len()
        ),
    )?;
    let mut tcp = t.connect(addr)?;
    let reply = ask_tcp(&mut tcp, &query)?;
    expect_that(
        reply.answers.len() == site.huge_count,
        format!(
            "over TCP all {} records, not {}",
            site.huge_count,
            reply.answers.len()
        ),
    )?;
    server.expect_running()
}

fn tcp_many_in_one_write(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mut tcp = t.connect(addr)?;
    let asked = [
        (&site.www, RecordType::A),
        (&site.mail, RecordType::A),
        (&site.apex, RecordType::MX),
    ];
    let mut burst = Vec::new();
    let mut ids = Vec::new();
    for (i, (asked, rtype)) in asked.iter().enumerate() {
        let id = id(t).wrapping_add(i as u16);
        ids.push(id);
        burst.extend(framed(&dns::question(id, asked, *rtype)?)?);
    }
    tcp.send_bytes(&burst)?;
    for (i, ((asked, rtype), id)) in asked.iter().zip(&ids).enumerate() {
        let reply = dns::decode(&dns::read_framed_reply(&mut tcp, *id)?)?;
        expect_that(
            reply.metadata.id == *id,
            format!(
                "reply {} has id {}, the query {} had {id}: answer in order",
                i + 1,
                reply.metadata.id,
                i + 1
            ),
        )?;
        expect_question(&reply, asked, *rtype)?;
    }
    server.expect_running()
}

/// Puts "not answered whole" before a failure of a query sent in pieces.
fn not_whole(mut failure: Failure) -> Failure {
    failure.summary = format!(
        "the query sent in pieces was not answered whole: {}",
        failure.summary
    );
    failure
}

fn tcp_in_pieces(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mut tcp = t.connect(addr)?;
    let query = dns::question(id(t), &site.www, RecordType::A)?;
    let bytes = framed(&query)?;
    let mut cuts = vec![1];
    cuts.extend(t.cuts(bytes.len(), 5).into_iter().filter(|&c| c > 1));
    cuts.dedup();
    tcp.send_in_pieces(&bytes, &cuts)?;
    let reply = dns::decode(&read_framed(&mut tcp).map_err(not_whole)?).map_err(not_whole)?;
    expect_id(&reply, u16::from_be_bytes([query[0], query[1]])).map_err(not_whole)?;
    expect_question(&reply, &site.www, RecordType::A).map_err(not_whole)?;
    expect_section(
        "ANSWER",
        &reply.answers,
        &[a(&site.www, site.www_ttl, site.www_v4)],
    )
    .map_err(not_whole)?;
    // One byte per write too, on the same connection.
    let query = dns::question(id(t), &site.mail, RecordType::A)?;
    tcp.send_slowly(&framed(&query)?)?;
    let reply = dns::decode(&read_framed(&mut tcp)?)?;
    expect_section(
        "ANSWER",
        &reply.answers,
        &[a(&site.mail, site.soa_ttl, site.mail_v4)],
    )?;
    server.expect_running()
}

fn tcp_pause_answered(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mut tcp = t.connect(addr)?;
    let query = dns::question(id(t), &site.www, RecordType::A)?;
    let bytes = framed(&query)?;
    tcp.send_with_pause(&bytes, 7, Duration::from_secs(1))?;
    let reply = dns::decode(&read_framed(&mut tcp)?)?;
    expect_section(
        "ANSWER",
        &reply.answers,
        &[a(&site.www, site.www_ttl, site.www_v4)],
    )?;
    server.expect_running()
}

fn tcp_cut_short(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mut cut = t.connect(addr)?;
    let query = dns::question(id(t), &site.www, RecordType::A)?;
    let bytes = framed(&query)?;
    cut.send_unfinished(&bytes[..bytes.len() - 5])?;
    // Meanwhile, others are served.
    let reply = ask(t, addr, &site.www, RecordType::A)?;
    expect_code(
        &reply,
        ResponseCode::NoError,
        "a UDP client is served while a TCP message waits",
    )?;
    let mut other = t.connect(addr)?;
    let reply = ask_tcp(
        &mut other,
        &dns::question(id(t), &site.mail, RecordType::A)?,
    )?;
    expect_code(
        &reply,
        ResponseCode::NoError,
        "another TCP client is served meanwhile",
    )?;
    cut.shutdown_write()?;
    cut.expect_closed()?;
    let reply = ask_tcp(&mut other, &dns::question(id(t), &site.www, RecordType::A)?)?;
    expect_code(
        &reply,
        ResponseCode::NoError,
        "the other connection goes on",
    )?;
    server.expect_running()
}

fn tcp_silent_client(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    t.set_deadline(TCP_IDLE + Duration::from_secs(2));
    let mut silent = t.connect(addr)?;
    let mut unfinished = t.connect(addr)?;
    unfinished.send_unfinished(&[0])?;
    let reply = ask(t, addr, &site.www, RecordType::A)?;
    expect_code(
        &reply,
        ResponseCode::NoError,
        "a UDP client is served while a TCP client says nothing",
    )?;
    let mut other = t.connect(addr)?;
    let query = dns::question(id(t), &site.mail, RecordType::A)?;
    let reply = ask_tcp(&mut other, &query).map_err(|mut f| {
        f.summary = format!(
            "another TCP client got no answer while one sat silent: {}",
            f.summary
        );
        f
    })?;
    expect_code(
        &reply,
        ResponseCode::NoError,
        "another TCP client is served meanwhile",
    )?;
    silent.expect_closed()?;
    unfinished.expect_dropped()?;
    server.expect_running()
}

fn tcp_dribble_closed(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mut tcp = t.connect(addr)?;
    let bytes = framed(&dns::question(id(t), &site.www, RecordType::A)?)?;
    // 15 bytes, one every 0.4 s: 6 s in all, twice the idle timeout.
    let gap = Duration::from_millis(400);
    let dribbled = bytes
        .iter()
        .take(15)
        .try_for_each(|byte| tcp.send_with_pause(&[*byte], 0, gap));
    if dribbled.is_ok() {
        return Err(Failure::new(format!(
            "a client sent one byte every {gap:?} for 6 s and its connection was still open: the idle \
             timeout ({TCP_IDLE:?}) must bound the whole message, not each read"
        ))
        .kind(Kind::Timeout));
    }
    let reply = ask(t, addr, &site.www, RecordType::A)?;
    expect_code(&reply, ResponseCode::NoError, "the server goes on")?;
    server.expect_running()
}

fn tcp_many_clients(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mut clients = t.connect_many(addr, 6)?;
    let names = [&site.www, &site.mail, &site.ns];
    let mut ids = Vec::new();
    for (i, client) in clients.iter_mut().enumerate() {
        let id = 1000 + i as u16;
        ids.push(id);
        client.send_bytes(&framed(&dns::question(id, names[i % 3], RecordType::A)?)?)?;
    }
    for (i, client) in clients.iter_mut().enumerate().rev() {
        let reply = dns::decode(&read_framed(client)?)?;
        expect_id(&reply, ids[i])?;
        expect_question(&reply, names[i % 3], RecordType::A)?;
    }
    server.expect_running()
}

fn tcp_reset(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mut first = t.connect(addr)?;
    let bytes = framed(&dns::question(id(t), &site.www, RecordType::A)?)?;
    first.send_unfinished(&bytes[..6])?;
    first.reset();
    let mut next = t.connect(addr)?;
    let reply = ask_tcp(&mut next, &dns::question(id(t), &site.www, RecordType::A)?)?;
    expect_code(
        &reply,
        ResponseCode::NoError,
        "the next client after a reset",
    )?;
    server.expect_running()
}

// ---------------------------------------------------------------------------------
// Hostile input.

fn survives_garbage(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mut rng = fastrand::Rng::with_seed(t.number());
    let mut flood = t.udp()?;
    for _ in 0..100 {
        let garbage = ch3::dns_corpus::garbage(&mut rng);
        flood.send_to(&garbage, addr)?;
        let hostile = ch3::dns_corpus::hostile(&mut rng);
        flood.send_to(&hostile, addr)?;
        let good = dns::question(rng.u16(..), &site.www, RecordType::A)?;
        let mangled = ch3::dns_corpus::mutate(&mut rng, &good);
        flood.send_to(&mangled, addr)?;
    }
    // Over TCP too, on a connection of its own.
    let mut tcp = t.connect(addr)?;
    let mut junk = Vec::new();
    for _ in 0..20 {
        let good = dns::question(rng.u16(..), &site.mail, RecordType::A)?;
        junk.extend(framed(&ch3::dns_corpus::mutate(&mut rng, &good))?);
    }
    tcp.send_bytes(&junk)?;
    tcp.shutdown_write()?;
    let reply = ask(t, addr, &site.www, RecordType::A)?;
    expect_code(
        &reply,
        ResponseCode::NoError,
        "a good query after the flood",
    )?;
    let mut next = t.connect(addr)?;
    let reply = ask_tcp(&mut next, &dns::question(id(t), &site.mail, RecordType::A)?)?;
    expect_code(
        &reply,
        ResponseCode::NoError,
        "a good TCP query after the flood",
    )?;
    server.expect_no_panic()?;
    server.expect_running()
}

fn stray_datagram(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let mut udp = t.udp()?;
    let stray = dns::question(id(t), &site.mail, RecordType::A)?;
    udp.send_stray(&stray, addr)?;
    udp.send_stray(b"not dns at all", addr)?;
    let reply = ask(t, addr, &site.www, RecordType::A)?;
    expect_section(
        "ANSWER",
        &reply.answers,
        &[a(&site.www, site.www_ttl, site.www_v4)],
    )?;
    server.expect_running()
}

// ---------------------------------------------------------------------------------
// Forwarding.

/// Starts the server with the test's own UDP socket as its resolver.
fn start_forwarding(t: &mut Session, site: &Site) -> Outcome<(Program, SocketAddr, UdpPeer)> {
    let upstream = t.udp()?;
    let resolver = upstream.addr()?.to_string();
    let (server, addr) = start(t, site, &["--resolver", &resolver])?;
    Ok((server, addr, upstream))
}

/// Receives the forwarded query at the resolver and checks it asks `asked`.
fn receive_forwarded(
    upstream: &mut UdpPeer,
    asked: &str,
    rtype: RecordType,
) -> Outcome<(Message, SocketAddr)> {
    let (bytes, from) = upstream.receive()?;
    let query = dns::decode(&bytes)?;
    expect_that(
        query.metadata.message_type == MessageType::Query,
        "what the server sent the resolver is not a query (QR=1)",
    )?;
    expect_question(&query, asked, rtype).map_err(|mut f| {
        f.summary = format!("the forwarded query: {}", f.summary);
        f
    })?;
    Ok((query, from))
}

/// The resolver's reply to `query`, with one A record.
fn upstream_reply(query: &Message, id: u16, addr: Ipv4Addr) -> Outcome<Vec<u8>> {
    let mut reply = Message::response(id, OpCode::Query);
    reply.metadata.recursion_desired = query.metadata.recursion_desired;
    reply.metadata.recursion_available = true;
    reply.add_queries(query.queries.iter().cloned());
    let asked = &query.queries[0];
    reply.add_answer(Record::from_rdata(
        asked.name.clone(),
        300,
        RData::A(A(addr)),
    ));
    dns::encode(&reply)
}

fn forwards(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr, mut upstream) = start_forwarding(t, &site)?;
    let outside = format!("{}.{}.example.", t.word(), t.word());
    let mut client = t.udp()?;
    let client_id = id(t);
    let query = dns::question(client_id, &outside, RecordType::A)?;
    client.send_to(&query, addr)?;
    let (forwarded, from) = receive_forwarded(&mut upstream, &outside, RecordType::A)?;
    // A server drawing its own ids at random picks the client's by chance once in
    // 65,536 questions: only a second coincidence in a row is taken for the bug.
    if forwarded.metadata.id == client_id {
        t.note("the forwarded id equals the client's: asking again to tell chance from the bug");
        expect_own_id(t, &mut upstream, addr)?;
    }
    let answer = address(t);
    upstream.send_to(
        &upstream_reply(&forwarded, forwarded.metadata.id, answer)?,
        from,
    )?;
    let (bytes, at) = client.receive()?;
    expect_that(
        at == addr,
        format!("the relayed reply came from {at}, not from the server's {addr}"),
    )?;
    let reply = dns::decode(&bytes)?;
    expect_id(&reply, client_id)?;
    expect_section(
        "ANSWER",
        &reply.answers,
        &[Record::from_rdata(name(&outside), 300, RData::A(A(answer)))],
    )?;
    server.expect_running()
}

/// Forwards one more question outside the zone and checks the query the resolver gets
/// carries an id that is not the client's.
fn expect_own_id(t: &mut Session, upstream: &mut UdpPeer, addr: SocketAddr) -> Outcome {
    let outside = format!("{}.{}.example.", t.word(), t.word());
    let mut client = t.udp()?;
    let client_id = id(t);
    client.send_to(&dns::question(client_id, &outside, RecordType::A)?, addr)?;
    let (forwarded, _) = receive_forwarded(upstream, &outside, RecordType::A)?;
    expect_that(
        forwarded.metadata.id != client_id,
        "the forwarded query carries the client's id: use an id of the server's own (a client's id is \
         the client's, and two clients may use the same)",
    )
}

fn forward_ignores_impostors(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr, mut upstream) = start_forwarding(t, &site)?;
    let outside = format!("{}.example.", t.word());
    let mut client = t.udp()?;
    let client_id = id(t);
    client.send_to(&dns::question(client_id, &outside, RecordType::A)?, addr)?;
    let (forwarded, from) = receive_forwarded(&mut upstream, &outside, RecordType::A)?;
    let fake = address(t);
    let real = address(t);
    let own_id = forwarded.metadata.id;
    upstream.send_stray(&upstream_reply(&forwarded, own_id, fake)?, from)?;
    upstream.send_to(&upstream_reply(&forwarded, own_id ^ 0x5a5a, fake)?, from)?;
    upstream.send_to(&upstream_reply(&forwarded, own_id, real)?, from)?;
    let reply = ask_reply(&mut client, client_id)?;
    expect_section(
        "ANSWER",
        &reply.answers,
        &[Record::from_rdata(name(&outside), 300, RData::A(A(real)))],
    )
    .map_err(|mut f| {
        f.summary = format!(
            "{} (a forged reply was taken for the resolver's)",
            f.summary
        );
        f
    })?;
    server.expect_running()
}

/// Receives the server's reply for the client's query `id`.
fn ask_reply(client: &mut UdpPeer, id: u16) -> Outcome<Message> {
    let (bytes, _) = client.receive()?;
    let reply = dns::decode(&bytes)?;
    expect_id(&reply, id)?;
    Ok(reply)
}

fn forward_timeout_servfail(t: &mut Session) -> Outcome {
    let site = site(t)?;
    t.set_deadline(FORWARD_WAIT + Duration::from_secs(3));
    let (mut server, addr, mut upstream) = start_forwarding(t, &site)?;
    let outside = format!("{}.example.", t.word());
    let mut client = t.udp()?;
    let client_id = id(t);
    client.send_to(&dns::question(client_id, &outside, RecordType::A)?, addr)?;
    upstream.lose()?;
    let reply = ask_reply(&mut client, client_id)?;
    expect_code(
        &reply,
        ResponseCode::ServFail,
        "the resolver never answered",
    )?;
    expect_question(&reply, &outside, RecordType::A)?;
    // And the server still answers from its zone.
    let reply = ask(t, addr, &site.www, RecordType::A)?;
    expect_code(
        &reply,
        ResponseCode::NoError,
        "the zone's names after a failed forward",
    )?;
    server.expect_running()
}

fn forward_bounded(t: &mut Session) -> Outcome {
    let site = site(t)?;
    // The resolver's socket waits briefly: it is drained once every reply has come.
    t.set_deadline(Duration::from_millis(300));
    let (mut server, addr, mut upstream) = start_forwarding(t, &site)?;
    t.set_deadline(FORWARD_WAIT + Duration::from_secs(3));
    let mut client = t.udp()?;
    let domain = format!("{}.example.", t.word());
    let total = MAX_FORWARDS + 50;
    let first = id(t);
    let ids: Vec<u16> = (0..total).map(|i| first.wrapping_add(i as u16)).collect();
    for (i, id) in ids.iter().enumerate() {
        client.send_to(
            &dns::question(*id, &format!("q{i}.{domain}"), RecordType::A)?,
            addr,
        )?;
    }
    let mut answered = std::collections::HashSet::new();
    for _ in 0..total {
        let (bytes, _) = client.receive()?;
        let reply = dns::decode(&bytes)?;
        expect_code(
            &reply,
            ResponseCode::ServFail,
            "the resolver answers nothing",
        )?;
        answered.insert(reply.metadata.id);
    }
    expect_that(
        ids.iter().all(|id| answered.contains(id)),
        format!(
            "{total} questions, but only {} distinct ids answered",
            answered.len()
        ),
    )?;
    let mut forwarded = 0;
    while upstream.receive().is_ok() {
        forwarded += 1;
    }
    expect_that(
        (1..=MAX_FORWARDS).contains(&forwarded),
        format!(
            "{forwarded} questions were forwarded at once: at most {MAX_FORWARDS} may wait for the \
             resolver, the others get SERVFAIL at once"
        ),
    )?;
    server.expect_running()
}

fn forward_only_outside(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr, mut upstream) = start_forwarding(t, &site)?;
    let reply = ask(t, addr, &site.www, RecordType::A)?;
    expect_aa(
        &reply,
        true,
        "the name is in the zone: answered from the file, not forwarded",
    )?;
    expect_section(
        "ANSWER",
        &reply.answers,
        &[a(&site.www, site.www_ttl, site.www_v4)],
    )?;
    let missing = format!("{}.{}", t.word(), site.apex);
    let reply = ask(t, addr, &missing, RecordType::A)?;
    expect_code(
        &reply,
        ResponseCode::NXDomain,
        "a missing name inside the zone is the zone's to deny",
    )?;
    // The first thing the resolver hears is the question outside the zone.
    let outside = format!("{}.example.", t.word());
    let mut client = t.udp()?;
    client.send_to(&dns::question(id(t), &outside, RecordType::A)?, addr)?;
    receive_forwarded(&mut upstream, &outside, RecordType::A)?;
    server.expect_running()
}

// ---------------------------------------------------------------------------------
// The zone file's mistakes.

fn bad_zone_files(t: &mut Session) -> Outcome {
    let host = t.word();
    let addr = address(t);
    let head = "$ORIGIN zone.test.\n$TTL 300\n@ SOA ns1 admin 1 2 3 4 5\n";
    let bad: Vec<(String, usize, &str)> = vec![
        (
            format!("{head}{host} A {addr}\n{host} HINFO cpu os\n"),
            5,
            "an unknown record type",
        ),
        (
            format!("{head}\n{host} A 300.1.2.3\n"),
            5,
            "an address that is not IPv4",
        ),
        (
            format!("{head}{host} AAAA {addr}\n"),
            4,
            "an IPv4 address in AAAA",
        ),
        (
            format!("$ORIGIN zone.test.\n$TTL 300\n{host} A {addr}\n"),
            3,
            "no SOA",
        ),
        (
            format!("{head}{host} A {addr}\n@ SOA ns2 admin 1 2 3 4 5\n"),
            5,
            "a second SOA",
        ),
        (
            format!("{head}{host}.elsewhere.test. A {addr}\n"),
            4,
            "a name outside the zone",
        ),
        (
            format!("{head}{host} TXT \"never closed\n"),
            4,
            "an unclosed quote",
        ),
        (
            format!("{head}; fine\n{host} MX ( 10\n  mail\n"),
            5,
            "an unclosed parenthesis",
        ),
        (
            format!(
                "$TTL 300\nzone.test. SOA ns1.zone.test. admin.zone.test. 1 2 3 4 5\n{host} A {addr}\n"
            ),
            3,
            "a relative name without $ORIGIN",
        ),
        (
            format!("{head}{host} CNAME www\n{host} A {addr}\n"),
            5,
            "a CNAME beside other records",
        ),
        (
            "$ORIGIN zone.test.\n@ SOA ns1 admin 1 2 3 4 5\n".to_string(),
            2,
            "a record without a TTL and no $TTL",
        ),
    ];
    for (i, (text, line, what)) in bad.iter().enumerate() {
        let file = t.dir().join(format!("bad-{i}.zone"));
        std::fs::write(&file, text)
            .map_err(|e| Failure::new(format!("cannot write the zone: {e}")))?;
        let path = file.display().to_string();
        t.note(&format!("a zone file with {what}, on line {line}"));
        let mut server = t.start("server", &["server", "--zone", &path, "--port", "0"])?;
        let error = server.expect_error_exit(Some(2))?;
        let wanted = format!("{path}:{line}:");
        if !error.contains(&wanted) {
            return Err(Failure::mismatch(
                format!("the error must name the file and the line of the mistake ({what})"),
                format!("error: {wanted} …"),
                error,
            ));
        }
    }
    let missing = t.dir().join("missing.zone").display().to_string();
    let mut server = t.start("server", &["server", "--zone", &missing, "--port", "0"])?;
    server.expect_error_exit(Some(2))?;
    Ok(())
}

// ---------------------------------------------------------------------------------
// Real clients.

fn real_resolver(t: &mut Session) -> Outcome {
    use hickory_resolver::config::{
        ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig,
    };
    use hickory_resolver::net::runtime::TokioRuntimeProvider;
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(format!("the test could not start tokio: {e}")))?;
    for transport in ["udp", "tcp"] {
        t.note(&format!("hickory-resolver asks over {transport}"));
        let mut connection = if transport == "udp" {
            ConnectionConfig::udp()
        } else {
            ConnectionConfig::tcp()
        };
        connection.port = addr.port();
        let server_config = NameServerConfig::new(addr.ip(), true, vec![connection]);
        let config = ResolverConfig::from_name_servers(vec![server_config]);
        let mut builder = hickory_resolver::Resolver::builder_with_config(
            config,
            TokioRuntimeProvider::default(),
        );
        let options = builder.options_mut();
        options.attempts = 1;
        options.timeout = Duration::from_secs(2);
        options.use_hosts_file = ResolveHosts::Never;
        options.cache_size = 0;
        let resolver = builder
            .build()
            .map_err(|e| Failure::new(format!("the test could not build hickory-resolver: {e}")))?;
        let said = |e: &dyn std::fmt::Display| {
            Failure::new(format!("hickory-resolver over {transport}: {e}")).kind(Kind::Mismatch)
        };
        let lookup = runtime
            .block_on(resolver.ipv4_lookup(site.www.as_str()))
            .map_err(|e| said(&e))?;
        expect_section(
            "ANSWER (as hickory-resolver saw it)",
            lookup.answers(),
            &[a(&site.www, site.www_ttl, site.www_v4)],
        )?;
        let lookup = runtime
            .block_on(resolver.mx_lookup(site.apex.as_str()))
            .map_err(|e| said(&e))?;
        let exchanges: Vec<String> = lookup
            .answers()
            .iter()
            .filter_map(|r| match &r.data {
                RData::MX(mx) => Some(mx.exchange.to_string()),
                _ => None,
            })
            .collect();
        expect_that(
            exchanges == [name(&site.mail).to_string()],
            format!(
                "hickory-resolver over {transport} read the MX as {exchanges:?}, not [{}]",
                site.mail
            ),
        )?;
        let missing = format!("{}.{}", t.word(), site.apex);
        match runtime.block_on(resolver.ipv4_lookup(missing.as_str())) {
            Ok(lookup) => {
                return Err(Failure::mismatch(
                    format!(
                        "hickory-resolver over {transport} found {missing}, which the zone does not have"
                    ),
                    "NXDOMAIN",
                    dns::describe(lookup.answers()),
                ));
            }
            Err(e) if e.is_nx_domain() => {}
            Err(e) => {
                return Err(Failure::mismatch(
                    format!("hickory-resolver over {transport} must read NXDOMAIN for {missing}"),
                    "NXDOMAIN (with the SOA)",
                    e.to_string(),
                ));
            }
        }
    }
    server.expect_running()
}

fn dig_answer(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let lines = dig(t, addr, &[&site.www, "A", "+norec"])?;
    let flags = lines
        .iter()
        .find(|l| l.contains("flags:"))
        .cloned()
        .unwrap_or_default();
    expect_that(
        flags.contains("flags: qr aa;"),
        format!(
            "dig must show `flags: qr aa;` (a response, authoritative, no rd asked, no ra), it shows {flags:?}"
        ),
    )?;
    let records = dig_records(&lines, &site.www, "A");
    let wanted = vec![
        site.www.clone(),
        site.www_ttl.to_string(),
        "IN".into(),
        "A".into(),
        site.www_v4.to_string(),
    ];
    if records != [wanted.clone()] {
        return Err(Failure::mismatch(
            "dig's ANSWER SECTION",
            wanted.join("\t"),
            lines.join("\n"),
        ));
    }
    server.expect_running()
}

fn dig_truncation(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &[])?;
    let lines = dig(t, addr, &[&site.big, "A", "+norec", "+noedns"])?;
    let records = dig_records(&lines, &site.big, "A");
    expect_that(
        records.len() == site.big_count,
        format!(
            "dig got TC=1 over UDP, asked again over TCP, and must show all {} records; it shows {}:\n{}",
            site.big_count,
            records.len(),
            lines.join("\n")
        ),
    )?;
    let lines = dig(t, addr, &[&site.huge, "A", "+norec", "+tcp"])?;
    let records = dig_records(&lines, &site.huge, "A");
    expect_that(
        records.len() == site.huge_count,
        format!(
            "dig +tcp must show all {} records, it shows {}",
            site.huge_count,
            records.len()
        ),
    )?;
    server.expect_running()
}

// ---------------------------------------------------------------------------------
// Conventions.

fn listens_on_ipv6(t: &mut Session) -> Outcome {
    let site = site(t)?;
    let (mut server, addr) = start(t, &site, &["--host", "::1"])?;
    expect_that(
        addr.is_ipv6(),
        format!("the server must listen on ::1, it says {addr}"),
    )?;
    let mut udp = t.udp_on("[::1]:0".parse().expect("a valid address"))?;
    let reply = ask_udp(
        &mut udp,
        addr,
        &dns::question(id(t), &site.www, RecordType::A)?,
    )?;
    expect_section(
        "ANSWER",
        &reply.answers,
        &[a(&site.www, site.www_ttl, site.www_v4)],
    )?;
    let mut tcp = t.connect(addr)?;
    let reply = ask_tcp(
        &mut tcp,
        &dns::question(id(t), &site.www, RecordType::AAAA)?,
    )?;
    expect_section(
        "ANSWER",
        &reply.answers,
        &[record(
            &site.www,
            site.www_ttl,
            RData::AAAA(AAAA(site.www_v6)),
        )],
    )?;
    server.expect_running()
}

fn stdout_closed(t: &mut Session) -> Outcome {
    let site = site(t)?;
    t.set_stdout(Output::Closed);
    let zone = site.file.display().to_string();
    let mut server = t.start("server", &["server", "--zone", &zone, "--port", "0"])?;
    server.expect_error_exit_naming(1, "stdout")?;
    Ok(())
}

fn stderr_closed(t: &mut Session) -> Outcome {
    let site = site(t)?;
    t.set_stderr(Output::Closed);
    t.set_deadline(FORWARD_WAIT + Duration::from_secs(3));
    let (mut server, addr, mut upstream) = start_forwarding(t, &site)?;
    // A forward that fails is logged on stderr: the log line must not kill the server.
    let outside = format!("{}.example.", t.word());
    let mut client = t.udp()?;
    let client_id = id(t);
    client.send_to(&dns::question(client_id, &outside, RecordType::A)?, addr)?;
    upstream.lose()?;
    let reply = ask_reply(&mut client, client_id)?;
    expect_code(
        &reply,
        ResponseCode::ServFail,
        "the resolver never answered",
    )?;
    let mut tcp = t.connect(addr)?;
    tcp.send_unfinished(&[0, 40, 1])?;
    tcp.shutdown_write()?;
    tcp.expect_closed()?;
    let reply = ask(t, addr, &site.www, RecordType::A)?;
    expect_code(
        &reply,
        ResponseCode::NoError,
        "the server goes on with its stderr closed",
    )?;
    server.expect_running()
}
