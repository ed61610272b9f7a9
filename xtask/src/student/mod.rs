//! What a student does besides `check`: see progress ([`list`]), ask for hints
//! ([`hint`]), re-check on save ([`watch`]), start over ([`reset`]). What they have
//! done is remembered in `.netlab/` ([`progress`]), which `cargo clean` keeps.

pub mod hint;
pub mod list;
pub mod progress;
pub mod reset;
pub mod watch;
