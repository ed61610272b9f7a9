//! Chapter 3's fixtures: the HTTP peers its tests share. [`origin`] is the web server
//! the clients and the proxy fetch from (it counts connections and requests);
//! [`response`] reads a response from the program the way a client does, with
//! `httparse` as the parser; [`corpus`] generates seeded valid and broken messages and
//! says, with `httparse` as the oracle, what ch3-1's parser must make of each (its
//! differential test and the fuzzers in `examples/` share it), [`fuzz`] the options
//! every fuzzer takes. For DNS: [`dns`] asks a server questions over UDP or TCP with
//! hickory-proto as the oracle that reads its replies, and [`dns_corpus`] generates
//! seeded valid, mutated and hostile DNS messages; [`hierarchy`] is a DNS hierarchy of
//! authoritative servers on 127.0.0.2, .3, … that count the questions they receive and
//! misbehave on demand, for ch3-10's resolver. The tests themselves are in `tests/`.

pub mod corpus;
pub mod dns;
pub mod dns_corpus;
pub mod fuzz;
pub mod hierarchy;
pub mod origin;
pub mod response;
