//! A DNS hierarchy the test controls, for ch3-10's resolver: authoritative servers on
//! 127.0.0.2, 127.0.0.3, … (all of 127/8 reaches `lo` on Linux), all on ONE port, so
//! the resolver under test reaches every one of them at (its address, `--upstream-port`).
//!
//! Each server holds a table of records, written like a zone file's lines
//! (`www.example.test. 300 A 127.0.0.9`), and answers as an authoritative server does:
//! a referral (NS in authority, their addresses as glue in additional) for a name below
//! one of its delegations, the records for a name it holds (AA set), a CNAME for an
//! alias, NODATA or NXDOMAIN with its SOA otherwise. Replies are built by hickory-proto.
//!
//! Every server COUNTS the questions it receives, by name and type, and notes those that
//! arrive with RD set; a case can change a server's records or make it misbehave at any
//! moment ([`Mode`]): silent (lame), garbage, a forged reply first (wrong id, or the
//! right id from the wrong address), truncated over UDP (the answer over TCP), or held
//! until the test releases it.

use harness::prelude::*;
use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, CNAME, NS, SOA};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How a server answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// As an authoritative server should.
    Normal,
    /// Receives (and counts) every question and never answers: a lame server.
    Lame,
    /// Answers every question with bytes that are not a DNS message.
    Garbage,
    /// Sends a forged reply first, with the id plus one and the address 6.6.6.6, then
    /// the real one.
    ForgedId,
    /// Sends a forged reply first from another address (127.0.0.99), with the right id
    /// and the address 6.6.6.6, then the real one.
    ForgedSource,
    /// Answers over UDP with the header and question only and TC set; over TCP, fully.
    Truncated,
    /// Keeps every question unanswered until [`Hierarchy::release`].
    Held,
}

/// The address a forged reply gives.
pub const FORGED: Ipv4Addr = Ipv4Addr::new(6, 6, 6, 6);

/// One server's table and behaviour, and what it has seen.
struct State {
    records: Vec<Record>,
    /// Records added to the additional section of every reply (to try to poison).
    extra: Vec<Record>,
    mode: Mode,
    counts: HashMap<(Name, RecordType), usize>,
    recursion_desired: usize,
    tcp_queries: usize,
    held: Vec<(Message, SocketAddr)>,
}

/// One authoritative server.
struct Server {
    addr: SocketAddr,
    udp: UdpSocket,
    state: Mutex<State>,
}

/// The servers of one case; they stop when it is dropped.
pub struct Hierarchy {
    servers: Vec<Arc<Server>>,
    stop: Arc<AtomicBool>,
}

impl Hierarchy {
    /// Starts `n` servers on 127.0.0.2 … 127.0.0.(n+1), all on one port (the first
    /// binds port 0 and the rest take the same number; on a clash the whole set is
    /// tried again), each with UDP and TCP.
    pub fn start(n: usize) -> Outcome<Hierarchy> {
        for _ in 0..20 {
            if let Some(sockets) = bind_all(n) {
                let stop = Arc::new(AtomicBool::new(false));
                let mut servers = Vec::new();
                for (udp, tcp) in sockets {
                    let server = Arc::new(Server {
                        addr: udp.local_addr()?,
                        udp,
                        state: Mutex::new(State {
                            records: Vec::new(),
                            extra: Vec::new(),
                            mode: Mode::Normal,
                            counts: HashMap::new(),
                            recursion_desired: 0,
                            tcp_queries: 0,
                            held: Vec::new(),
                        }),
                    });
                    spawn_udp(server.clone(), stop.clone());
                    spawn_tcp(server.clone(), tcp, stop.clone());
                    servers.push(server);
                }
                return Ok(Hierarchy { servers, stop });
            }
        }
        Err(Failure::new(
            "the test could not bind its DNS servers on one port of 127.0.0.2…",
        ))
    }

    /// The port every server listens on (give it as `--upstream-port`).
    pub fn port(&self) -> u16 {
        self.servers[0].addr.port()
    }

    /// Server `i`'s address, 127.0.0.(i+2).
    pub fn ip(&self, i: usize) -> IpAddr {
        self.servers[i].addr.ip()
    }

    /// Replaces server `i`'s records with `zone`: one record a line, `NAME TTL TYPE
    /// DATA` with absolute names; types A, NS, CNAME and SOA (`MNAME RNAME SERIAL
    /// REFRESH RETRY EXPIRE MINIMUM`).
    pub fn set_zone(&self, i: usize, zone: &str) -> Outcome {
        let records = parse_zone(zone)?;
        self.state(i).records = records;
        Ok(())
    }

    /// Adds `zone`'s records to the additional section of every reply of server `i`.
    pub fn set_extra(&self, i: usize, zone: &str) -> Outcome {
        let records = parse_zone(zone)?;
        self.state(i).extra = records;
        Ok(())
    }

    /// Changes how server `i` answers from now on.
    pub fn set_mode(&self, i: usize, mode: Mode) {
        self.state(i).mode = mode;
    }

    /// Answers every question server `i` held, and answers normally from now on.
    pub fn release(&self, i: usize) {
        let server = &self.servers[i];
        let held = {
            let mut state = self.state(i);
            state.mode = Mode::Normal;
            std::mem::take(&mut state.held)
        };
        for (query, from) in held {
            let reply = respond(&self.state(i), &query);
            if let Ok(bytes) = reply.to_vec() {
                let _ = server.udp.send_to(&bytes, from);
            }
        }
    }

    /// How many questions for `name`/`rtype` server `i` has received over UDP.
    pub fn count(&self, i: usize, name: &str, rtype: RecordType) -> usize {
        let Ok(name) = Name::from_ascii(name) else {
            return 0;
        };
        self.state(i)
            .counts
            .get(&(name, rtype))
            .copied()
            .unwrap_or(0)
    }

    /// How many questions server `i` has received over UDP, all names.
    pub fn total(&self, i: usize) -> usize {
        self.state(i).counts.values().sum()
    }

    /// How many questions all servers have received over UDP.
    pub fn total_all(&self) -> usize {
        (0..self.servers.len()).map(|i| self.total(i)).sum()
    }

    /// How many questions server `i` has received over TCP.
    pub fn tcp_queries(&self, i: usize) -> usize {
        self.state(i).tcp_queries
    }

    /// How many questions, on all servers, had RD set (an iterative resolver clears it).
    pub fn recursion_desired(&self) -> usize {
        (0..self.servers.len())
            .map(|i| self.state(i).recursion_desired)
            .sum()
    }

    /// Every server's counts, for a failure message: `127.0.0.3: www.x.test. A ×2`.
    pub fn describe(&self) -> String {
        let mut lines = Vec::new();
        for (i, server) in self.servers.iter().enumerate() {
            let mut counts: Vec<String> = self
                .state(i)
                .counts
                .iter()
                .map(|((name, rtype), n)| format!("{name} {rtype} ×{n}"))
                .collect();
            counts.sort();
            lines.push(format!("{}: {}", server.addr.ip(), counts.join(", ")));
        }
        lines.join("\n")
    }

    fn state(&self, i: usize) -> std::sync::MutexGuard<'_, State> {
        lock(&self.servers[i])
    }
}

impl Drop for Hierarchy {
    /// Stops the servers: the flag, then a datagram and a connection to each, which
    /// wake the threads blocked in `recv_from` and `accept` (the servers never poll,
    /// so a case's dozen idle threads cost no CPU while other cases run).
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let Ok(waker) = UdpSocket::bind("127.0.0.1:0") else {
            return;
        };
        for server in &self.servers {
            let _ = waker.send_to(&[], server.addr);
            let _ = TcpStream::connect_timeout(&server.addr, Duration::from_millis(200));
        }
    }
}

fn lock(server: &Server) -> std::sync::MutexGuard<'_, State> {
    server.state.lock().unwrap_or_else(|p| p.into_inner())
}

/// Binds UDP and TCP on 127.0.0.2… at one port, or `None` on a clash.
fn bind_all(n: usize) -> Option<Vec<(UdpSocket, TcpListener)>> {
    let mut sockets = Vec::new();
    let mut port = 0;
    for i in 0..n {
        let ip = Ipv4Addr::new(127, 0, 0, 2 + i as u8);
        let udp = UdpSocket::bind((ip, port)).ok()?;
        port = udp.local_addr().ok()?.port();
        let tcp = TcpListener::bind((ip, port)).ok()?;
        sockets.push((udp, tcp));
    }
    Some(sockets)
}

/// The UDP loop: count each question, answer it as the mode says.
fn spawn_udp(server: Arc<Server>, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 65_535];
        loop {
            let received = server.udp.recv_from(&mut buf);
            if stop.load(Ordering::SeqCst) {
                return;
            }
            let Ok((len, from)) = received else {
                continue;
            };
            let Ok(query) = Message::from_vec(&buf[..len]) else {
                continue;
            };
            let mut state = lock(&server);
            if let Some(q) = query.queries.first() {
                *state
                    .counts
                    .entry((q.name().clone(), q.query_type()))
                    .or_default() += 1;
            }
            if query.metadata.recursion_desired {
                state.recursion_desired += 1;
            }
            let reply = respond(&state, &query);
            match state.mode {
                Mode::Normal => send(&server.udp, &reply, from),
                Mode::Lame => {}
                Mode::Garbage => {
                    let _ = server.udp.send_to(&[0xff, 0x00, 0x13], from);
                }
                Mode::ForgedId => {
                    let mut forged = forge(&reply);
                    forged.metadata.id = reply.metadata.id.wrapping_add(1);
                    send(&server.udp, &forged, from);
                    send(&server.udp, &reply, from);
                }
                Mode::ForgedSource => {
                    if let Ok(stray) = UdpSocket::bind("127.0.0.99:0") {
                        send(&stray, &forge(&reply), from);
                    }
                    send(&server.udp, &reply, from);
                }
                Mode::Truncated => send(&server.udp, &reply.truncate(), from),
                Mode::Held => state.held.push((query, from)),
            }
        }
    });
}

/// The TCP loop: one framed question per connection, answered fully.
fn spawn_tcp(server: Arc<Server>, listener: TcpListener, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        loop {
            let accepted = listener.accept();
            if stop.load(Ordering::SeqCst) {
                return;
            }
            if let Ok((stream, _)) = accepted {
                let _ = answer_tcp(&server, stream);
            }
        }
    });
}

fn answer_tcp(server: &Server, mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut prefix = [0u8; 2];
    stream.read_exact(&mut prefix)?;
    let mut bytes = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
    stream.read_exact(&mut bytes)?;
    let Ok(query) = Message::from_vec(&bytes) else {
        return Ok(());
    };
    let reply = {
        let mut state = lock(server);
        state.tcp_queries += 1;
        respond(&state, &query)
    };
    if let Ok(bytes) = reply.to_vec() {
        let mut framed = (bytes.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&bytes);
        stream.write_all(&framed)?;
    }
    Ok(())
}

fn send(socket: &UdpSocket, message: &Message, to: SocketAddr) {
    if let Ok(bytes) = message.to_vec() {
        let _ = socket.send_to(&bytes, to);
    }
}

/// `reply` with its answers replaced by one A record pointing at [`FORGED`].
fn forge(reply: &Message) -> Message {
    let mut forged = reply.clone();
    forged.answers.clear();
    forged.authorities.clear();
    forged.additionals.clear();
    forged.metadata.response_code = ResponseCode::NoError;
    forged.metadata.authoritative = true;
    if let Some(q) = reply.queries.first() {
        forged.add_answer(Record::from_rdata(
            q.name().clone(),
            3600,
            RData::A(A(FORGED)),
        ));
    }
    forged
}

/// What an authoritative server with `state.records` answers to `query`.
fn respond(state: &State, query: &Message) -> Message {
    let mut reply = Message::new(query.metadata.id, MessageType::Response, OpCode::Query);
    reply.metadata.recursion_desired = query.metadata.recursion_desired;
    reply.add_queries(query.queries.iter().cloned());
    reply.add_additionals(state.extra.iter().cloned());
    let Some(q) = query.queries.first() else {
        reply.metadata.response_code = ResponseCode::FormErr;
        return reply;
    };
    let (qname, qtype) = (q.name(), q.query_type());
    let records = &state.records;
    let soa = records.iter().find(|r| r.record_type() == RecordType::SOA);
    let apex = soa.map(|r| r.name.clone()).unwrap_or_else(Name::root);
    if !apex.zone_of(qname) {
        reply.metadata.response_code = ResponseCode::Refused;
        return reply;
    }
    // A delegation: NS records below the apex, above (or at) the name; the deepest.
    let cut = records
        .iter()
        .filter(|r| r.record_type() == RecordType::NS && r.name != apex && r.name.zone_of(qname))
        .map(|r| r.name.clone())
        .max_by_key(|name| name.num_labels());
    if let Some(cut) = cut {
        let ns: Vec<Record> = records
            .iter()
            .filter(|r| r.record_type() == RecordType::NS && r.name == cut)
            .cloned()
            .collect();
        for record in &ns {
            if let RData::NS(NS(target)) = &record.data {
                reply.add_additionals(
                    records
                        .iter()
                        .filter(|r| r.record_type() == RecordType::A && &r.name == target)
                        .cloned(),
                );
            }
        }
        reply.add_authorities(ns);
        return reply;
    }
    reply.metadata.authoritative = true;
    let at_name: Vec<&Record> = records.iter().filter(|r| &r.name == qname).collect();
    let wanted: Vec<Record> = at_name
        .iter()
        .filter(|r| r.record_type() == qtype)
        .map(|r| (*r).clone())
        .collect();
    if !wanted.is_empty() {
        reply.add_answers(wanted);
    } else if let Some(cname) = at_name
        .iter()
        .find(|r| r.record_type() == RecordType::CNAME)
    {
        reply.add_answer((*cname).clone());
    } else {
        let exists = records.iter().any(|r| qname.zone_of(&r.name));
        if !exists {
            reply.metadata.response_code = ResponseCode::NXDomain;
        }
        reply.add_authorities(soa.cloned());
    }
    reply
}

/// Reads `NAME TTL TYPE DATA` lines.
fn parse_zone(zone: &str) -> Outcome<Vec<Record>> {
    let bad = |line: &str| Failure::new(format!("the test's zone line {line:?} is malformed"));
    let name = |text: &str, line: &str| Name::from_ascii(text).map_err(|_| bad(line));
    let mut records = Vec::new();
    for line in zone.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [owner, ttl, rtype, data @ ..] = fields.as_slice() else {
            return Err(bad(line));
        };
        let ttl: u32 = ttl.parse().map_err(|_| bad(line))?;
        let rdata = match (*rtype, data) {
            ("A", [ip]) => RData::A(A(ip.parse().map_err(|_| bad(line))?)),
            ("NS", [target]) => RData::NS(NS(name(target, line)?)),
            ("CNAME", [target]) => RData::CNAME(CNAME(name(target, line)?)),
            ("SOA", [mname, rname, numbers @ ..]) if numbers.len() == 5 => {
                let n: Vec<i64> = numbers
                    .iter()
                    .map(|n| n.parse().map_err(|_| bad(line)))
                    .collect::<Outcome<_>>()?;
                RData::SOA(SOA::new(
                    name(mname, line)?,
                    name(rname, line)?,
                    n[0] as u32,
                    n[1] as i32,
                    n[2] as i32,
                    n[3] as i32,
                    n[4] as u32,
                ))
            }
            _ => return Err(bad(line)),
        };
        records.push(Record::from_rdata(name(owner, line)?, ttl, rdata));
    }
    Ok(records)
}
