//! An authoritative DNS server (ch3-11).

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

/// An authoritative DNS server.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    role: Role,
}

/// The program's roles.
#[derive(Subcommand)]
enum Role {
    /// Serve clients.
    Server {
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// The port to listen on (0 lets the system choose).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
}

fn main() -> anyhow::Result<()> {
    let Role::Server { host, port } = Cli::parse().role;
    serve(&host, port)
}

// ANCHOR: serve
/// Binds, says where, and serves each client on a thread of its own.
fn serve(host: &str, port: u16) -> anyhow::Result<()> {
    let listener = TcpListener::bind((host, port))
        .with_context(|| format!("cannot listen on {host}:{port}"))?;
    println!("listening on {}", listener.local_addr()?);
    for stream in listener.incoming() {
        let stream = stream.context("accept failed")?;
        std::thread::spawn(move || {
            if let Err(error) = echo(stream) {
                eprintln!("error: {error}");
            }
        });
    }
    Ok(())
}
// ANCHOR_END: serve

/// Sends every line the client sends straight back.
fn echo(stream: TcpStream) -> std::io::Result<()> {
    let mut writer = stream.try_clone()?;
    for line in BufReader::new(stream).lines() {
        writer.write_all(format!("{}\n", line?).as_bytes())?;
    }
    Ok(())
}
