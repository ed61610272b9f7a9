//! What can go wrong, sorted by what the user (or a script) can do about it.
//!
//! Every I/O error is an `io::Error` with a `kind()`, but the same kind means
//! different things at different steps: `TimedOut` while connecting means nobody
//! answered the connection request; while receiving, the server accepted and then went
//! quiet. So an error is classified by the [`Step`] it happened at *and* its kind, into
//! a [`Failure`]: one variant per documented exit code.
//!
//! Why an enum rather than `anyhow::Error`? anyhow is the right tool when an error is
//! only ever printed: it carries any error and its context. Here the program must also
//! *decide* something from the error (its exit code), and a `match` on an enum makes
//! that decision explicit, checked by the compiler, and complete.

use std::fmt;
use std::io::{self, ErrorKind};
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

// ANCHOR: classify
/// Sorts an I/O error into a [`Failure`] by the step it happened at and its kind.
pub fn classify(step: Step, error: io::Error) -> Failure {
    use ErrorKind::{
        BrokenPipe, ConnectionAborted, ConnectionRefused, ConnectionReset, TimedOut, WouldBlock,
    };
    match (&step, error.kind()) {
        // Whatever the resolver says (its errors have no kind of their own), the name
        // did not give us an address.
        (Step::Resolve { host }, _) => Failure::UnknownHost {
            host: host.clone(),
            error,
        },
        // The other machine answered our SYN with a RST: no socket listens there.
        (Step::Connect { addr }, ConnectionRefused) => Failure::Refused { addr: *addr },
        // A read timeout shows up as WouldBlock on Unix and TimedOut on Windows.
        (Step::Connect { .. } | Step::Receive, TimedOut | WouldBlock) => Failure::TimedOut { step },
        // The server's side vanished while we talked to it.
        (Step::Send | Step::Receive, ConnectionReset | ConnectionAborted | BrokenPipe) => {
            Failure::Reset
        }
        _ => Failure::Io { step, error },
    }
}
// ANCHOR_END: classify

// ANCHOR: exit_code
/// The exit status for a failure, as `--help` documents it. Scripts test these.
pub fn exit_code(failure: &Failure) -> u8 {
    match failure {
        Failure::Io { .. } => 1,
        Failure::UnknownHost { .. } => 3,
        Failure::Refused { .. } => 4,
        Failure::TimedOut { .. } => 5,
        Failure::Reset => 6,
    }
}
// ANCHOR_END: exit_code

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
