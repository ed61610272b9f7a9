//! The cache: stored responses keyed by absolute URL, the rules for what may be
//! stored, and the limits that keep a cache of the whole web inside one machine.

use crate::message::{Field, Request, Response, field, has_token};
use std::collections::HashMap;
use std::sync::Arc;

/// The largest body stored by default: 1 MiB. Larger bodies are relayed, not stored.
pub const DEFAULT_MAX_OBJECT: usize = 1024 * 1024;
/// How many responses are stored by default.
pub const DEFAULT_MAX_ENTRIES: usize = 1000;

/// One stored response: always a `200 OK` to a GET, with the `Last-Modified` it can be
/// revalidated with.
#[derive(Debug)]
pub struct Entry {
    /// The reason phrase the origin sent with its 200.
    pub reason: String,
    /// Its end-to-end header fields (the hop-by-hop ones and the framing were dropped).
    pub fields: Vec<Field>,
    /// The whole body, de-chunked.
    pub body: Vec<u8>,
    /// The origin's `Last-Modified`, as sent: a conditional GET sends it back as it is
    /// (`If-Modified-Since`), so the origin compares its own clock with its own clock.
    pub last_modified: String,
}

/// The store and its limits, shared by every connection (behind a mutex that is never
/// held across an `.await`).
#[derive(Debug)]
pub struct Cache {
    entries: HashMap<String, Slot>,
    /// A counter that orders uses: the entry with the smallest `used` goes first.
    clock: u64,
    /// The largest body stored, in bytes.
    pub max_object: usize,
    max_entries: usize,
}

/// An entry and when it was last used.
#[derive(Debug)]
struct Slot {
    entry: Arc<Entry>,
    used: u64,
}

impl Cache {
    /// An empty cache with these limits.
    pub fn new(max_object: usize, max_entries: usize) -> Cache {
        Cache {
            entries: HashMap::new(),
            clock: 0,
            max_object,
            max_entries,
        }
    }

    /// The entry stored under `key`, if any; counts as a use.
    pub fn lookup(&mut self, key: &str) -> Option<Arc<Entry>> {
        self.clock += 1;
        let slot = self.entries.get_mut(key)?;
        slot.used = self.clock;
        Some(Arc::clone(&slot.entry))
    }

    // ANCHOR: store
    /// Stores `entry` under `key`, replacing an older one; when the cache is full, the
    /// entry used least recently makes room.
    pub fn store(&mut self, key: &str, entry: Entry) {
        if self.max_entries == 0 || entry.body.len() > self.max_object {
            return;
        }
        if !self.entries.contains_key(key) && self.entries.len() >= self.max_entries {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, slot)| slot.used)
                .map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                self.entries.remove(&oldest);
            }
        }
        self.clock += 1;
        let slot = Slot {
            entry: Arc::new(entry),
            used: self.clock,
        };
        self.entries.insert(key.to_string(), slot);
    }
    // ANCHOR_END: store

    /// Forgets `key`: what the origin now says about it cannot be stored.
    pub fn remove(&mut self, key: &str) {
        self.entries.remove(key);
    }
}

// ANCHOR: may_use_cache
/// Whether a request may be answered through the cache, or why it must pass straight
/// through: only a GET is a plain read; a request with credentials is answered for
/// that user alone; a request with its own validators asks the origin a question of
/// the client's, which this cache does not answer on its behalf.
pub fn may_use_cache(request: &Request) -> Result<(), &'static str> {
    if request.method != "GET" {
        return Err("not a GET");
    }
    if field(&request.fields, "authorization").is_some() {
        return Err("the request carries credentials");
    }
    if field(&request.fields, "if-modified-since").is_some()
        || field(&request.fields, "if-none-match").is_some()
    {
        return Err("the client revalidates its own copy");
    }
    Ok(())
}
// ANCHOR_END: may_use_cache

// ANCHOR: may_store
/// Whether a response to a GET may be stored, or why not: only a `200 OK` (an error
/// page is not worth keeping and may be temporary); not when the origin forbids it
/// (`no-store`) or says the page is one user's (`private`); and only with a
/// `Last-Modified`, because this cache revalidates every time before it serves a copy,
/// and without a date it has nothing to ask the origin.
pub fn may_store(response: &Response) -> Result<&str, &'static str> {
    if response.status != 200 {
        return Err("not a 200");
    }
    if has_token(&response.fields, "cache-control", "no-store") {
        return Err("Cache-Control: no-store");
    }
    if has_token(&response.fields, "cache-control", "private") {
        return Err("Cache-Control: private");
    }
    field(&response.fields, "last-modified").ok_or("no Last-Modified")
}
// ANCHOR_END: may_store
