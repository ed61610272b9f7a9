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

    // ANCHOR: visit
    /// Counts one visit, all under the caller's one lock: finding the visitor and
    /// adding one to their count is a single step, so two requests with the same
    /// cookie at the same moment are both counted.
    ///
    /// `offered` are the values of the request's `visitor` cookies. The first one that
    /// is an id we handed out and still remember wins; the others are ignored. Any
    /// other value (none, forged, garbage, one we forgot) is not an error: the client
    /// is a new visitor, and gets a fresh id from `new_id`.
    pub fn visit(
        &mut self,
        offered: &[&[u8]],
        new_id: impl FnOnce() -> std::io::Result<String>,
    ) -> std::io::Result<Visit> {
        self.clock += 1;
        for value in offered {
            let Ok(id) = std::str::from_utf8(value) else {
                continue;
            };
            if let Some(visitor) = self.known.get_mut(id) {
                visitor.visits += 1;
                visitor.last_seen = self.clock;
                return Ok(Visit::Returning {
                    number: visitor.number,
                    visits: visitor.visits,
                });
            }
        }
        let id = new_id()?;
        let number = self.admit(id.clone());
        Ok(Visit::First { number, id })
    }
    // ANCHOR_END: visit

    // ANCHOR: admit
    /// Remembers a new visitor, after forgetting the one seen least recently if the
    /// table is full. Returns the newcomer's number.
    fn admit(&mut self, id: String) -> u64 {
        if self.known.len() >= self.capacity {
            let oldest = self
                .known
                .iter()
                .min_by_key(|(_, visitor)| visitor.last_seen)
                .map(|(id, _)| id.clone());
            if let Some(oldest) = oldest {
                self.known.remove(&oldest);
            }
        }
        let number = self.next_number;
        self.next_number += 1;
        self.known.insert(
            id,
            Visitor {
                number,
                visits: 1,
                last_seen: self.clock,
            },
        );
        number
    }
    // ANCHOR_END: admit
}
