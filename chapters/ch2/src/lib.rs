//! Chapter 2's fixtures: what its tests share. The tests themselves are in `tests/`.

pub mod chat;
