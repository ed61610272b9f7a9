//! A server that says where it listens, accepts connections, and then never reads,
//! writes or exits; as a client, it never connects. Every case must fail within its
//! deadline, and no process may be left behind.
use std::net::TcpListener;

fn main() {
    if std::env::args().nth(1).as_deref() == Some("server") {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        println!("listening on {}", listener.local_addr().expect("address"));
        let mut held = Vec::new();
        for connection in listener.incoming() {
            held.push(connection);
        }
    }
    loop {
        std::thread::park();
    }
}
