//! What the two chat exercises' tests (ch2-7, half duplex; ch2-8, full duplex) do
//! alike: a client under test holds one exchange with the test playing its server.

use harness::prelude::*;

/// Starts the client against `listener` with `--host HOST` and holds one exchange: a
/// line typed on the client reaches the test, and the test's reply is printed as
/// `server: TEXT`. Cases give it the listener that creates their condition (one on
/// ::1, or behind a name whose first address refuses).
pub fn client_chats_via(t: &mut Session, mut listener: StreamListener, host: &str) -> Outcome {
    let port = listener.addr()?.port().to_string();
    let mut client = t.start("client", &["client", "--host", host, "--port", &port])?;
    let mut tcp = listener.accept()?;
    let message = t.sentence(2);
    client.send_line(&message)?;
    tcp.expect_line(&message)?;
    let reply = t.sentence(2);
    tcp.send_line(&reply)?;
    client.expect_line(&format!("server: {reply}"))
}
