//! Bodies of tens of megabytes, made and checked without being held in memory: the
//! test streams them to a program and then checks, chunk by chunk, what the program
//! wrote. A program that should stream (a download, a copy) is graded on a body much
//! larger than any buffer it has a reason to hold (see
//! [`crate::Program::expect_peak_memory_below`]).
//!
//! ```ignore
//! let body = Bulk::new(64 * MB, t.seed_for("body"));
//! body.write_to(&mut socket)?;            // or a fake server's reply
//! body.expect_file(&t.dir().join("page.html"))?;
//! ```

use crate::failure::{Failure, Kind, Outcome};
use std::io::{Read, Write};
use std::path::Path;

/// One megabyte, as the pages and limits count it.
pub const MB: u64 = 1_000_000;

/// How much of a body is made or checked at a time.
const CHUNK: usize = 64 * 1024;

/// A body of `len` bytes drawn from `seed`: the same bytes every time it is made,
/// different from one seed to the next, and not text (every byte value occurs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bulk {
    len: u64,
    seed: u64,
}

impl Bulk {
    /// A body of `len` bytes drawn from `seed`.
    pub fn new(len: u64, seed: u64) -> Bulk {
        Bulk { len, seed }
    }

    /// Its length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether it has no bytes at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The body, one chunk after another.
    fn chunks(&self) -> impl Iterator<Item = Vec<u8>> {
        let mut rng = fastrand::Rng::with_seed(self.seed);
        let mut left = self.len;
        std::iter::from_fn(move || {
            if left == 0 {
                return None;
            }
            let size = left.min(CHUNK as u64) as usize;
            left -= size as u64;
            let mut chunk = vec![0u8; size];
            rng.fill(&mut chunk);
            Some(chunk)
        })
    }

    /// Writes the whole body to `out`, a chunk at a time.
    pub fn write_to(&self, out: &mut impl Write) -> std::io::Result<()> {
        for chunk in self.chunks() {
            out.write_all(&chunk)?;
        }
        out.flush()
    }

    /// Checks `input` holds exactly this body, no byte more or less; the failure names
    /// the first offset that differs.
    pub fn expect_same(&self, input: &mut impl Read, what: &str) -> Outcome {
        let mut offset: u64 = 0;
        let mut got = vec![0u8; CHUNK];
        for expected in self.chunks() {
            let read = read_up_to(input, &mut got[..expected.len()])?;
            if let Some(at) = (0..read).find(|&i| got[i] != expected[i]) {
                return Err(Failure::mismatch(
                    format!(
                        "{what} differs from the body sent at byte {}",
                        offset + at as u64
                    ),
                    format!("the {} bytes sent, unchanged", self.len),
                    format!("a different byte at offset {}", offset + at as u64),
                ));
            }
            offset += read as u64;
            if read < expected.len() {
                return Err(Failure::mismatch(
                    format!("{what} is cut short"),
                    format!("{} bytes", self.len),
                    format!("{offset} bytes"),
                ));
            }
        }
        let mut more = [0u8; 1];
        if read_up_to(input, &mut more)? > 0 {
            return Err(Failure::mismatch(
                format!("{what} is longer than the body sent"),
                format!("{} bytes", self.len),
                "more bytes after them",
            ));
        }
        Ok(())
    }

    /// Checks the file at `path` holds exactly this body.
    pub fn expect_file(&self, path: &Path) -> Outcome {
        let mut file = std::fs::File::open(path).map_err(|e| {
            Failure::new(format!("expected the file {}: {e}", path.display())).kind(Kind::Mismatch)
        })?;
        self.expect_same(&mut file, &format!("the file {}", path.display()))
    }
}

/// Reads until `buf` is full or the input ends; returns how much was read.
fn read_up_to(input: &mut impl Read, buf: &mut [u8]) -> Outcome<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_the_same_every_time_it_is_made_and_checks_against_itself() {
        let body = Bulk::new(200_000, 7);
        let mut bytes = Vec::new();
        body.write_to(&mut bytes).unwrap();
        assert_eq!(bytes.len(), 200_000);
        body.expect_same(&mut bytes.as_slice(), "the copy").unwrap();
    }

    #[test]
    fn a_changed_byte_a_short_body_and_a_long_one_are_each_named() {
        let body = Bulk::new(100_000, 3);
        let mut bytes = Vec::new();
        body.write_to(&mut bytes).unwrap();
        let mut changed = bytes.clone();
        changed[70_000] ^= 1;
        let failure = body
            .expect_same(&mut changed.as_slice(), "copy")
            .unwrap_err();
        assert!(
            failure.summary.contains("at byte 70000"),
            "{}",
            failure.summary
        );
        let short = &bytes[..99_999];
        let failure = body.expect_same(&mut &short[..], "copy").unwrap_err();
        assert!(failure.summary.contains("cut short"), "{}", failure.summary);
        let mut long = bytes.clone();
        long.push(0);
        let failure = body.expect_same(&mut long.as_slice(), "copy").unwrap_err();
        assert!(failure.summary.contains("longer"), "{}", failure.summary);
    }

    #[test]
    fn two_seeds_make_two_bodies() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        Bulk::new(1000, 1).write_to(&mut a).unwrap();
        Bulk::new(1000, 2).write_to(&mut b).unwrap();
        assert_ne!(a, b);
    }
}
