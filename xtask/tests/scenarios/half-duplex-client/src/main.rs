//! The classic half-duplex chat client: it waits for the keyboard, sends, and only then
//! reads the socket. A full-duplex grader must reject it; everything else about it is
//! correct (as a server it refuses to start).
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) != Some("client") {
        eprintln!("error: this scenario only plays the client");
        std::process::exit(1);
    }
    let option = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let host = option("--host").unwrap_or_else(|| "localhost".to_string());
    let port = option("--port").unwrap_or_else(|| "9999".to_string());
    let mut stream = TcpStream::connect(format!("{host}:{port}")).expect("connect");
    let mut replies = BufReader::new(stream.try_clone().expect("clone"));
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin");
        stream.write_all(format!("{line}\n").as_bytes()).expect("send");
        let mut reply = String::new();
        if replies.read_line(&mut reply).expect("receive") == 0 {
            return;
        }
        println!("server: {}", reply.trim_end());
    }
}
