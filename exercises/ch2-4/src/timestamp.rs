//! The reply of a timestamp server: the message, prefixed with the time in brackets.
//!
//! The time format is C's `ctime(3)`, which Python's `time.ctime()` returns and the
//! textbook servers use: `Sun Nov 22 03:10:00 2026`. The day of the month is padded with
//! a space, not a zero (`Nov  2`), which is chrono's `%e`.

use chrono::Local;

/// The current local time in `ctime` format, e.g. `Sun Nov 22 03:10:00 2026`.
pub fn ctime() -> String {
    Local::now().format("%a %b %e %H:%M:%S %Y").to_string()
}

/// The server's reply to `message`: `[<ctime>] <message>`, without a line end (TCP adds
/// one, a UDP datagram needs none).
pub fn stamp(message: &str) -> String {
    format!("[{}] {}", ctime(), message)
}
