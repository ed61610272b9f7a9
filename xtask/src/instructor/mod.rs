//! What an instructor runs: [`verify`] (every rule the course must keep, each a
//! function whose problems say what to fix: [`layout`], [`given`], [`skeletons`]),
//! [`matrix`] (every exercise against the real network's conditions),
//! [`new`] (scaffold an exercise) and `lock` ([`skeletons`]); [`mutants`] (the bug
//! catalogue is caught) and [`stress`] (the solution passes on a busy machine); [`probe`] runs a chapter's
//! fuzzer or benchmark.

pub mod given;
pub mod layout;
pub mod matrix;
pub mod mutants;
pub mod new;
pub mod probe;
pub mod skeletons;
pub mod stress;
pub mod verify;
