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

/// Every value of a cookie called `name` in the request's `Cookie` headers (`headers`
/// yields each header's raw value), in the order they come.
///
/// - A `Cookie` header is `name=value` pairs separated by `;` (`a=1; visitor=…; b=2`).
///   Trim the spaces around each pair and around its name and value
///   (`<[u8]>::trim_ascii`); split a pair at its *first* `=` (a value may hold `=`);
///   skip a pair without `=`.
/// - Compare the *name* with `name` exactly: `xvisitor=…` and `visitors=…` are other
///   cookies.
/// - The same name may come twice: return every value, the caller decides.
/// - The bytes are the client's, not necessarily UTF-8: work on `&[u8]`, and never
///   panic on what a client sends.
pub fn cookie_values<'a>(headers: impl Iterator<Item = &'a [u8]>, name: &str) -> Vec<&'a [u8]> {
    todo!("split each Cookie header into name=value pairs and keep the values of `name`")
}

/// The `Set-Cookie` value that gives a new visitor their id, exactly:
/// `visitor=ID; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax`
/// (use [`COOKIE_NAME`] and [`MAX_AGE`]).
///
/// - `Path=/`: sent back for every page of the site.
/// - `Max-Age`: kept for a year, across browser restarts.
/// - `HttpOnly`: the page's scripts cannot read it.
/// - `SameSite=Lax`: not sent on requests other sites start in the background.
pub fn set_cookie(id: &str) -> String {
    todo!("format the Set-Cookie value")
}

/// Where visitor ids come from: the operating system's random number generator,
/// `/dev/urandom`, opened once when the server starts.
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

    /// A fresh id: [`ID_BYTES`] random bytes from `/dev/urandom`, written as 32
    /// lowercase hexadecimal digits (`format!("{b:02x}")` for each byte).
    ///
    /// The id is all that proves who a visitor is: nobody may guess another's. A
    /// counter, the time or the client's address can be guessed; so can `fastrand`,
    /// which is fast but not cryptographic (a few outputs reveal the next).
    /// `(&self.urandom).read_exact(&mut bytes)` reads through a shared reference.
    pub fn new_id(&self) -> std::io::Result<String> {
        todo!("read ID_BYTES random bytes and write them in hex")
    }
}
