//! A chat server that prints its address, then floods its stdout in a loop. The
//! grader's verdict must stay short (an excerpt of the output, with how many lines were
//! left out), and the grader's memory bounded. (As a client it refuses to start.)
use std::io::Write;
use std::net::TcpListener;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) != Some("server") {
        eprintln!("error: this scenario only plays the server");
        std::process::exit(1);
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    println!("listening on {}", listener.local_addr().expect("address"));
    let mut out = std::io::stdout().lock();
    for n in 0u64.. {
        if writeln!(out, "flood line {n}").is_err() {
            return;
        }
    }
}
