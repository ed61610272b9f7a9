//! The two cookie headers, and the ids they carry.
//!
//! A response hands the browser a cookie with `Set-Cookie: visitor=ID; attributes`;
//! every later request to the site brings it back in `Cookie: visitor=ID`, among the
//! site's other cookies. Everything in a `Cookie` header is what the client chose to
//! send: a browser sends back what it was given, but anyone else can type anything.

use std::fs::File;
use std::io::Read;

/// The name of this site's cookie.
pub const COOKIE_NAME: &str = "visitor";

/// How long the browser keeps the cookie, in seconds: a year. Without `Max-Age` (or
/// `Expires`) it would be a session cookie, gone when the browser closes.
pub const MAX_AGE: u64 = 365 * 24 * 60 * 60;

/// How many random bytes make an id: 128 bits, shown as 32 hexadecimal digits.
pub const ID_BYTES: usize = 16;

// ANCHOR: cookie_values
/// Every value of a cookie called `name` in the request's `Cookie` headers, in order.
///
/// A `Cookie` header is `name=value` pairs separated by `;` and a space
/// (`a=1; visitor=…; b=2`), as RFC 6265 §4.2 writes it; clients are not all that
/// tidy, so spaces around each pair are trimmed, and a pair without `=` is skipped.
/// The same name may come twice (two cookies with different paths, or a forged one
/// beside the real one): all are returned, and the caller decides.
pub fn cookie_values<'a>(headers: impl Iterator<Item = &'a [u8]>, name: &str) -> Vec<&'a [u8]> {
    let mut values = Vec::new();
    for header in headers {
        for pair in header.split(|&b| b == b';') {
            let Some(at) = pair.iter().position(|&b| b == b'=') else {
                continue;
            };
            if pair[..at].trim_ascii() == name.as_bytes() {
                values.push(pair[at + 1..].trim_ascii());
            }
        }
    }
    values
}
// ANCHOR_END: cookie_values

// ANCHOR: set_cookie
/// The `Set-Cookie` value that gives a new visitor their id:
/// `visitor=ID; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax`.
///
/// - `Path=/`: sent back for every page of the site, not only below the page that
///   set it.
/// - `Max-Age`: kept for a year, across browser restarts.
/// - `HttpOnly`: the page's scripts cannot read it, so a script injected into the
///   page cannot steal the id.
/// - `SameSite=Lax`: not sent on requests other sites start in the background (an
///   image, a form posted from elsewhere); sent when the user follows a link here.
pub fn set_cookie(id: &str) -> String {
    format!("{COOKIE_NAME}={id}; Path=/; Max-Age={MAX_AGE}; HttpOnly; SameSite=Lax")
}
// ANCHOR_END: set_cookie

// ANCHOR: ids
/// Where visitor ids come from: the operating system's random number generator.
///
/// The id is all that proves who a visitor is, so nobody may guess another's: a
/// counter (1, 2, 3…) or the time would let anyone count the visits of the visitor
/// before them. `fastrand` and its kin are fast but not cryptographic: from a few of
/// their outputs one can compute the next. `/dev/urandom` is the kernel's
/// cryptographic generator (the `getrandom` crate reads the same).
pub struct IdSource {
    urandom: File,
}

impl IdSource {
    /// Opens the generator, once, when the server starts: a server that cannot make
    /// ids should say so at once, not at its first visitor.
    pub fn open() -> std::io::Result<Self> {
        Ok(IdSource {
            urandom: File::open("/dev/urandom")?,
        })
    }

    /// A fresh id: 128 random bits as 32 lowercase hexadecimal digits. Two visitors
    /// will never get the same one (the odds are about those of guessing it: none).
    pub fn new_id(&self) -> std::io::Result<String> {
        let mut bytes = [0u8; ID_BYTES];
        (&self.urandom).read_exact(&mut bytes)?;
        Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }
}
// ANCHOR_END: ids
