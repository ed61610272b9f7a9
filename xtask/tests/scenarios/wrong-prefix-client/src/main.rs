//! A full-duplex chat client that prints the server's lines with the wrong prefix
//! (`srv:` instead of `server:`). It is not half duplex: the grader must say the line
//! is wrong, and must not show the half-duplex hint, which would send the student the
//! wrong way. (As a server it refuses to start.)
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
    let stream = TcpStream::connect(format!("{host}:{port}")).expect("connect");
    let incoming = BufReader::new(stream.try_clone().expect("clone"));
    std::thread::spawn(move || {
        for line in incoming.lines() {
            let Ok(line) = line else { break };
            println!("srv: {line}");
        }
        std::process::exit(0);
    });
    let mut outgoing = stream;
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if outgoing.write_all(format!("{line}\n").as_bytes()).is_err() {
            break;
        }
    }
    let _ = outgoing.shutdown(std::net::Shutdown::Write);
}
