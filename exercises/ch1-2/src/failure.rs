//! What can go wrong, sorted by what the user (or a script) can do about it.
//!
//! Every I/O error is an `io::Error` with a `kind()`, but the same kind means
//! different things at different steps: `TimedOut` while connecting means nobody
//! answered the connection request; while receiving, the server accepted and then went
//! quiet. So an error is classified by the [`Step`] it happened at *and* its kind, into
//! a [`Failure`]: one variant per documented exit code.
//!
//! Your work is the two functions marked `todo!()`: `classify` and `exit_code`. The
//! types and the messages are given.

use std::fmt;
use std::io;
use std::net::SocketAddr;

/// Where in the conversation an I/O error happened.
#[derive(Debug, Clone)]
pub enum Step {
    /// Turning the host name into addresses (the resolver, `getaddrinfo`).
    Resolve { host: String },
    /// Connecting to one of those addresses (the TCP handshake).
    Connect { addr: SocketAddr },
    /// Sending the selector.
    Send,
    /// Receiving the reply.
    Receive,
    /// Writing the reply to our own stdout.
    Output,
}

impl fmt::Display for Step {
    /// The step as the end of a sentence: "timed out connecting to 10.0.0.1:70".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Resolve { host } => write!(f, "looking up `{host}`"),
            Step::Connect { addr } => write!(f, "connecting to {addr}"),
            Step::Send => write!(f, "sending the selector"),
            Step::Receive => write!(f, "receiving the reply"),
            Step::Output => write!(f, "writing the reply to stdout"),
        }
    }
}

/// Everything that can go wrong, one variant per exit code.
#[derive(Debug)]
pub enum Failure {
    /// The name does not resolve: a typo, or no network to ask. Exit code 3.
    UnknownHost { host: String, error: io::Error },
    /// The host answered, but nothing listens on that port. Exit code 4.
    Refused { addr: SocketAddr },
    /// Nothing happened for the whole timeout, connecting or receiving. Exit code 5.
    TimedOut { step: Step },
    /// The server reset the connection before its reply was complete. Exit code 6.
    Reset,
    /// Any other I/O error. Exit code 1.
    Io { step: Step, error: io::Error },
}

/// Sorts an I/O error into a [`Failure`] by the step it happened at and the kind of
/// error it is:
///
/// - the name gave no address (whatever the resolver said): `UnknownHost`;
/// - nothing listens on the port: `Refused`;
/// - nothing happened for the whole timeout, connecting or waiting for data:
///   `TimedOut`;
/// - the server's side vanished while sending or receiving: `Reset`;
/// - anything else: `Io`, with the step and the error.
///
/// The same kind of error can mean different things at different steps: decide on
/// both.
pub fn classify(step: Step, error: io::Error) -> Failure {
    todo!("sort the error by its step and its kind (see the doc comment)")
}

/// The exit status for a failure, as `--help` documents it: 3 unknown host, 4 refused,
/// 5 timed out, 6 reset, 1 any other I/O error. (0 is success and 2 is clap's own,
/// for bad usage.) Scripts test these numbers, so they must never change.
pub fn exit_code(failure: &Failure) -> u8 {
    todo!("one exit code per kind of failure")
}

impl fmt::Display for Failure {
    /// One line saying what happened, in words the user can act on.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::UnknownHost { host, error } => {
                write!(f, "cannot resolve host `{host}`: {error}")
            }
            Failure::Refused { addr } => {
                write!(
                    f,
                    "connection refused by {addr}: no server listens on that port"
                )
            }
            Failure::TimedOut { step } => {
                write!(f, "timed out {step} (--timeout sets how long to wait)")
            }
            Failure::Reset => write!(
                f,
                "the server reset the connection before its reply was complete"
            ),
            Failure::Io { step, error } => write!(f, "{step} failed: {error}"),
        }
    }
}

impl std::error::Error for Failure {}
