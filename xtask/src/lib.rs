//! The grader's library: what the `xtask` binary and the book tool (`xtask-book`)
//! share. Today that is the course manifest.

pub mod manifest;
