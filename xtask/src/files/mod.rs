//! Files and folders: where the grader keeps its own ([`paths`]), listing, hashing and
//! copying folders ([`tree`]), and git's object store ([`git`]).

pub mod git;
pub mod paths;
pub mod tree;
