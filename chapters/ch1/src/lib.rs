//! Chapter 1's fixtures: the peers its tests run against (a gopher server, an HTTP
//! server). The tests themselves are in `tests/`.

pub mod gopher;
pub mod http;
