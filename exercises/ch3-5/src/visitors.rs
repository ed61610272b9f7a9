//! The site's memory: which ids it handed out, and how often each came back.
//!
//! This is the fourth part of the cookie system, the one on the server: the cookie
//! holds only an id, and the id leads here. It lives in memory (a restart forgets
//! everyone; a real site keeps it in a database), shared by every connection's
//! thread behind one mutex, like a database that runs one transaction at a time.

use std::collections::HashMap;

/// What the site knows of one visitor.
#[derive(Debug, Clone)]
struct Visitor {
    /// The visitor's number, in the order they first came (1, 2, 3…): shown in the
    /// page, never used as the id.
    number: u64,
    /// How many times they have visited, this one included.
    visits: u64,
    /// When they were last seen, on the table's own clock: who to forget when full.
    last_seen: u64,
}

/// One visit, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visit {
    /// A visitor the site knew: their number and this visit's count (2, 3…).
    Returning { number: u64, visits: u64 },
    /// A new visitor: their number, and the id their cookie must carry from now on.
    First { number: u64, id: String },
}

/// Every visitor the site remembers, by id.
pub struct Visitors {
    known: HashMap<String, Visitor>,
    /// The most visitors remembered: a flood of cookie-less requests (a crawler, an
    /// attacker) must not grow the table without end.
    capacity: usize,
    /// The number the next new visitor gets.
    next_number: u64,
    /// Ticks once per visit: a clock for "least recently seen" that needs no time.
    clock: u64,
}

impl Visitors {
    /// An empty table that remembers at most `capacity` visitors (at least one).
    pub fn new(capacity: usize) -> Self {
        Visitors {
            known: HashMap::new(),
            capacity: capacity.max(1),
            next_number: 1,
            clock: 0,
        }
    }

    /// Counts one visit. The caller holds the table's lock for the whole call, so
    /// finding the visitor and adding one to their count is one step: two requests
    /// with the same cookie at the same moment are both counted.
    ///
    /// - Tick the clock.
    /// - `offered` are the values of the request's `visitor` cookies: the first one
    ///   that is a known id (`std::str::from_utf8`, then look it up) is the visitor:
    ///   add one to their visits, note when they were seen, and return
    ///   [`Visit::Returning`].
    /// - Anything else (no cookie, a forged or garbled one, one forgotten) is not an
    ///   error: a new visitor. Make an id with `new_id` (its error, the only one, is
    ///   returned), [`Visitors::admit`] it, and return [`Visit::First`].
    pub fn visit(
        &mut self,
        offered: &[&[u8]],
        new_id: impl FnOnce() -> std::io::Result<String>,
    ) -> std::io::Result<Visit> {
        todo!("find the first known id and count the visit, or admit a new visitor")
    }

    /// Remembers a new visitor (1 visit, seen now, the next number) and returns their
    /// number. When the table already holds `capacity` visitors, first forget the one
    /// seen least recently (the smallest `last_seen`), so the table never grows past
    /// its capacity.
    fn admit(&mut self, id: String) -> u64 {
        todo!("forget the least recently seen visitor if full, then insert")
    }
}
