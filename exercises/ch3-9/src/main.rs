//! DNS messages, built and parsed by hand (exercise ch3-9).
//!
//! `query` writes a standard query to stdout as raw bytes; `response` writes a
//! response, its names compressed; `parse` reads one message (raw bytes) from stdin
//! and prints it the way dig prints one (see `text.rs`).
//!
//! A message `parse` refuses gets one `error: … at byte N` line on stderr and an exit
//! status for its class:
//!
//! | status | meaning |
//! |---|---|
//! | 0 | the message was printed |
//! | 1 | stdin could not be read, or stdout written |
//! | 2 | bad arguments (a bad name, type, record…) |
//! | 3 | truncated: the message ends inside the header, a question, a record or a name (a count promised more than the bytes hold, an RDLENGTH runs past the end) |
//! | 4 | bad name: a reserved label type (a length byte of 0x40 to 0xBF), or a name over 255 bytes |
//! | 5 | bad compression pointer: one that does not point strictly backwards (to itself, forwards, past the end, into a loop) |
//! | 6 | bad record data: data that disagrees with its RDLENGTH or its type |
//! | 7 | more than 65,535 bytes |

// Lets the skeleton compile quietly; delete it once the todo!()s are done.
#![allow(unused_variables, dead_code, unused_imports, clippy::ptr_arg)]

mod message;
mod name;
mod record;
mod text;
mod wire;

use clap::{Parser, Subcommand};
use message::{Message, flag};
use std::io::{Read, Write};
use std::process::ExitCode;

/// DNS messages: write a query or a response, or parse one from stdin.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What to do.
#[derive(Subcommand)]
enum Command {
    /// Write a standard query for NAME and TYPE to stdout (raw bytes).
    Query {
        /// The name asked about (`www.example.com`, the final dot optional).
        name: String,
        /// A, AAAA, NS, CNAME, MX, TXT, SOA or TYPEnnn.
        #[arg(value_name = "TYPE")]
        rtype: String,
        /// The id (default: random).
        #[arg(long)]
        id: Option<u16>,
    },
    /// Read one message (raw bytes) from stdin and print it as text.
    Parse,
    /// Write a response to stdout (raw bytes), its names compressed.
    Response {
        /// The id: the query's.
        #[arg(long)]
        id: u16,
        /// The response code: NOERROR, NXDOMAIN… or 0 to 15.
        #[arg(long, default_value = "NOERROR")]
        rcode: String,
        /// Set AA: the answer comes from the zone's own server.
        #[arg(long)]
        aa: bool,
        /// Set RD (a response copies it from the query).
        #[arg(long)]
        rd: bool,
        /// Set RA: this server would recurse.
        #[arg(long)]
        ra: bool,
        /// A question, "NAME TYPE"; repeat for more.
        #[arg(long = "question")]
        questions: Vec<String>,
        /// An answer record, "NAME TTL TYPE DATA"; repeat for more.
        #[arg(long = "answer")]
        answers: Vec<String>,
        /// An authority record, "NAME TTL TYPE DATA"; repeat for more.
        #[arg(long = "authority")]
        authorities: Vec<String>,
        /// An additional record, "NAME TTL TYPE DATA"; repeat for more.
        #[arg(long = "additional")]
        additionals: Vec<String>,
    },
}

/// Why the program stops: the exit status and the rest of the `error:` line.
struct Failure {
    status: u8,
    message: String,
}

/// A usage error (status 2).
fn usage(message: String) -> Failure {
    Failure { status: 2, message }
}

fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Command::Query { name, rtype, id } => query(&name, &rtype, id),
        Command::Parse => parse_stdin(),
        Command::Response {
            id,
            rcode,
            aa,
            rd,
            ra,
            questions,
            answers,
            authorities,
            additionals,
        } => response(
            id,
            &rcode,
            [(aa, flag::AA), (rd, flag::RD), (ra, flag::RA)],
            [&questions, &answers, &authorities, &additionals],
        ),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            // Never `eprintln!`: with stderr closed it would panic.
            let _ = writeln!(std::io::stderr(), "error: {}", failure.message);
            ExitCode::from(failure.status)
        }
    }
}

// ANCHOR: query
/// `query`: one question, class IN, recursion desired, a fresh random id unless one
/// is given (a predictable id lets an off-path attacker forge the answer).
fn query(owner: &str, rtype: &str, id: Option<u16>) -> Result<(), Failure> {
    let question = record::Question {
        name: name::parse(owner).map_err(usage)?,
        rtype: record::parse_type(rtype).map_err(usage)?,
        class: record::IN,
    };
    let message = Message {
        id: id.unwrap_or_else(random_id),
        flags: flag::RD,
        questions: vec![question],
        answers: Vec::new(),
        authorities: Vec::new(),
        additionals: Vec::new(),
    };
    print(&message::write(&message))
}

/// 16 random bits, different for each query (a hint: the standard library's
/// `RandomState` is seeded from the operating system's random source).
fn random_id() -> u16 {
    todo!("16 bits from a random source, fresh for each query")
}
// ANCHOR_END: query

// ANCHOR: parse_stdin
/// `parse`: the whole of stdin is one message (at most 65,535 bytes), printed as
/// text. The text is built in memory first: a malformed message prints nothing.
fn parse_stdin() -> Result<(), Failure> {
    todo!("read all of stdin (at most 65,535 bytes), read the message, print its text")
}

/// The failure for a refused message: its class's status, its words and offset.
fn malformed(problem: wire::Malformed) -> Failure {
    Failure {
        status: problem.class.exit_status(),
        message: problem.to_string(),
    }
}
// ANCHOR_END: parse_stdin

/// `response`: QR set, the flags asked for, the records given.
fn response(
    id: u16,
    rcode: &str,
    flags: [(bool, u16); 3],
    sections: [&Vec<String>; 4],
) -> Result<(), Failure> {
    let rcode = text::parse_rcode(rcode).map_err(usage)?;
    let [questions, answers, authorities, additionals] = sections;
    let records = |texts: &Vec<String>| -> Result<Vec<record::Record>, Failure> {
        texts
            .iter()
            .map(|t| text::parse_record(t).map_err(usage))
            .collect()
    };
    let message = Message {
        id,
        flags: flags
            .iter()
            .filter(|(set, _)| *set)
            .fold(flag::QR | u16::from(rcode), |all, (_, bit)| all | bit),
        questions: questions
            .iter()
            .map(|q| text::parse_question(q).map_err(usage))
            .collect::<Result<_, _>>()?,
        answers: records(answers)?,
        authorities: records(authorities)?,
        additionals: records(additionals)?,
    };
    let bytes = message::write(&message);
    if bytes.len() > 65_535 {
        return Err(usage("the response would be over 65,535 bytes".to_string()));
    }
    print(&bytes)
}

/// Writes `bytes` to stdout in full; a closed stdout is an error, not a panic.
fn print(bytes: &[u8]) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure {
            status: 1,
            message: format!("cannot write to stdout: {e}"),
        })
}
