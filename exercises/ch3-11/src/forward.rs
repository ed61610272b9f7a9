//! Questions outside the zone, relayed to a resolver (`--resolver`), as a home
//! router's DNS does.

use hickory_proto::op::Message;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

/// How long the resolver has to answer before the client gets SERVFAIL.
pub const FORWARD_DEADLINE: Duration = Duration::from_secs(2);

/// Asks `resolver` the question of `query` from a fresh socket with an id of the
/// server's own, and returns its reply with the client's id put back; `None` when no
/// reply came within [`FORWARD_DEADLINE`]. A datagram from another address, or with
/// another id, or that is not a response, is not the reply: anyone can send one.
pub fn forward(resolver: SocketAddr, query: &Message) -> Option<Vec<u8>> {
    todo!(
        "own socket, own id; the reply from the resolver with that id, within the deadline; the client's id back"
    )
}
