//! Grades ch3-11.

use harness::prelude::*;
use std::process::ExitCode;

fn main() -> ExitCode {
    harness::run!(&[Case::new("the server sends each line back", echoes),])
}

fn echoes(t: &mut Session) -> Outcome {
    let (mut server, addr) = t.start_server("server", &["server", "--port", "0"])?;
    let mut client = t.connect(addr)?;
    let line = t.sentence(2);
    client.send_line(&line)?;
    client.expect_line(&line)?;
    server.expect_running()
}
