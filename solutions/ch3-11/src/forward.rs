//! Questions outside the zone, relayed to a resolver (`--resolver`), as a home
//! router's DNS does.

use hickory_proto::op::Message;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

/// How long the resolver has to answer before the client gets SERVFAIL.
pub const FORWARD_DEADLINE: Duration = Duration::from_secs(2);

// ANCHOR: forward
/// Asks `resolver` the question of `query` from a fresh socket with an id of the
/// server's own, and returns its reply with the client's id put back; `None` when no
/// reply came within [`FORWARD_DEADLINE`]. A datagram from another address, or with
/// another id, or that is not a response, is not the reply: anyone can send one.
pub fn forward(resolver: SocketAddr, query: &Message) -> Option<Vec<u8>> {
    let local: SocketAddr = if resolver.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        ([0u16; 8], 0).into()
    };
    let socket = UdpSocket::bind(local)
        .map_err(|e| note!("cannot open a socket to forward: {e}"))
        .ok()?;
    let own_id = fastrand::u16(..);
    let mut forwarded = query.clone();
    forwarded.metadata.id = own_id;
    let bytes = forwarded.to_vec().ok()?;
    socket
        .send_to(&bytes, resolver)
        .map_err(|e| note!("cannot forward to {resolver}: {e}"))
        .ok()?;
    let deadline = Instant::now() + FORWARD_DEADLINE;
    let mut buf = vec![0u8; 65_535];
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        socket
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .ok()?;
        let Ok((n, from)) = socket.recv_from(&mut buf) else {
            // The deadline passed (or the resolver's port is closed).
            return None;
        };
        let reply = &mut buf[..n];
        let is_response = n >= 12 && reply[2] & 0x80 != 0;
        if from != resolver || !is_response || reply[..2] != own_id.to_be_bytes() {
            continue;
        }
        reply[..2].copy_from_slice(&query.metadata.id.to_be_bytes());
        return Some(reply.to_vec());
    }
}
// ANCHOR_END: forward
