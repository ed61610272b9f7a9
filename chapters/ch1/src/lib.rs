//! Chapter 1's fixtures: the peers its tests run against (a gopher server, an HTTP
//! server), and servers started with their stderr closed and stopped by a signal.
//! The tests themselves are in `tests/`.

pub mod gopher;
pub mod http;
pub mod unix;
