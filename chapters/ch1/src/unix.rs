//! Unix domain socket files for ch1-7's tests.

use std::io;
use std::path::Path;

/// Leaves a *stale* socket file at `path`, as a server that crashed leaves one: the
/// file exists, and connecting to it is refused.
///
/// The socket is bound but never listens, then closed. (A listener that is bound and
/// dropped would do the same, except that a program the test starts at that moment
/// holds a copy of it between `fork` and `exec`, and a connection could then be
/// accepted: a socket that never listens refuses every connection, copy or not.)
pub fn leave_stale_socket(path: &Path) -> io::Result<()> {
    let socket = socket2::Socket::new(socket2::Domain::UNIX, socket2::Type::STREAM, None)?;
    socket.bind(&socket2::SockAddr::unix(path)?)?;
    drop(socket);
    if path.exists() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "binding {} left no socket file",
            path.display()
        )))
    }
}
