//! What an instructor runs: [`verify`] (every rule the course must keep, each a
//! function whose problems say what to fix: [`layout`], [`given`], [`skeletons`]),
//! [`new`] (scaffold an exercise) and `lock` ([`skeletons`]).

pub mod given;
pub mod layout;
pub mod new;
pub mod skeletons;
pub mod verify;
