//! Grades ch3-1, HTTP messages parsed and written: `parse` prints one message from
//! stdin in the normal form or refuses it with its class's exit status; `request` and
//! `response` write well-formed messages. A differential case compares the program
//! with httparse and the documented framing rules on messages generated from the seed
//! (ch3::corpus).
//!
//! Messages are typed into stdin line by line with `send_line("… \r")` (the harness
//! adds the `\n`), in one write (`send_bytes`) or cut anywhere (`send_in_pieces`).
//! Where the output must be compared as bytes (a body that is not UTF-8, the generated
//! corpus), `ch3::corpus::run_parse` starts the program itself and keeps its stdout
//! whole: the harness reads a program's stdout as lines of text.

use ch3::corpus::{self, Expected, Problem};
use harness::prelude::*;
use harness::transcript::escape;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    harness::run!(&[
        Case::new("a request is printed in the normal form", request_normal_form)
            .hint("The normal form is fixed: `request`, then `method: …`, `target: …`, `version: …`, one \
                   `header: name: value` per field, `body: N bytes` and the body's bytes.")
            .hint_if(Kind::Timeout, "A request without Content-Length or Transfer-Encoding has no body: \
                     print it once the blank line has arrived, do not wait for the end of stdin."),
        Case::new("header names are lowercased, values trimmed, duplicates kept in order", fields_normalised)
            .hint_if(Kind::Mismatch, "Field names are case-insensitive: print them lowercased. Print each \
                     value without the spaces and tabs around it, and every field in the order it came, \
                     a name that repeats included (never merge or sort them)."),
        Case::new("a response with a Content-Length body is printed in the normal form", response_with_length)
            .hint_if(Kind::Mismatch, "A response is `response`, `version: …`, `status: NNN`, `reason: …`, \
                     then the fields and the body; the body is exactly Content-Length bytes.")
            .hint_if(Kind::Timeout, "Read exactly Content-Length bytes of body, then print: stdin stays \
                     open, so reading to the end of input never finishes."),
        Case::new("a chunked body is decoded, its extensions ignored and its trailers kept", chunked_body)
            .hint_if(Kind::Mismatch, "Each chunk is a hex size (extensions after `;` ignored), CRLF, the \
                     data, CRLF; a size of 0 ends the body and trailer fields follow until a blank line. \
                     The body printed is the data alone; trailers print as `trailer: name: value`.")
            .hint_if(Kind::Timeout, "After the 0-sized chunk read the trailer section up to its blank \
                     line, then stop: stdin stays open."),
        Case::new("a response without framing runs to the end of input", response_until_end)
            .hint_if(Kind::Mismatch, "A response with neither Content-Length nor Transfer-Encoding has a \
                     body that ends when the input does (RFC 9112 §6.3); a 204 or 304 has none."),
        Case::new("a 204 response has no body whatever follows", no_content_has_no_body)
            .hint_if(Kind::Mismatch, "1xx, 204 and 304 responses never have a body (RFC 9112 §6.3): print \
                     `body: 0 bytes` and stop after the head.")
            .hint_if(Kind::Timeout, "1xx, 204 and 304 responses never have a body: do not read on to the \
                     end of input."),
        Case::new("a message arriving in pieces is the same message", message_in_pieces)
            .hint_if(Kind::Mismatch, "A read is not a message: the head ends at its blank line and the body \
                     after Content-Length bytes, however many reads they take (a BufReader and \
                     read_until/read_exact, not one read).")
            .hint_if(Kind::Timeout, "The message was complete: stop reading when Content-Length bytes of \
                     body have arrived, without waiting for the end of stdin."),
        Case::new("only the first message is read, what follows is left", one_message_only)
            .hint_if(Kind::Mismatch, "parse reads ONE message and prints it: bytes after its body belong to \
                     the next message, not to this body."),
        Case::new("a body that is not UTF-8 passes through unchanged", binary_body)
            .hint_if(Kind::Mismatch, "A body is bytes, not text: keep it in a Vec<u8> and write it with \
                     write_all; String::from_utf8_lossy would replace bytes with \u{fffd}."),
        Case::new("a bad request line is refused with status 3", bad_start_line)
            .hint("A request line is METHOD SP TARGET SP HTTP/1.x with single spaces; a status line \
                   HTTP/1.x SP three digits [SP reason]. Anything else: one `error:` line, status 3."),
        Case::new("a header line without a colon or with a space before it is refused with status 4", bad_field)
            .hint("A field is a token name, a colon right after it, and a value without control bytes; \
                   `Name : v` (space before the colon) is refused too (RFC 9112 §5.1). Status 4."),
        Case::new("a folded header line is refused with status 5", folded_line)
            .hint("A line that starts with a space or a tab continues the previous field (obs-fold, RFC \
                   9112 §5.2): refuse the message with status 5; do not join the lines."),
        Case::new("a line ending in a bare LF is refused with status 6", bare_lf)
            .hint("Every line of the head must end in \\r\\n: a line ending in \\n alone is refused with \
                   status 6 (the rule this exercise chose; RFC 9112 §2.2 leaves it to the recipient)."),
        Case::new("a head over 64 KiB or over 100 fields is refused with status 7", head_too_large)
            .hint("Bound the head: read it with `take` so that 64 KiB without a blank line stop the read, \
                   and count the fields (at most 100). Either is status 7.")
            .hint_if(Kind::Timeout, "A head that never ends must be refused once it passes 64 KiB, without \
                     waiting for more input: bound each read of a line with `take`."),
        Case::new("a Content-Length that is not a number is refused with status 8", bad_content_length)
            .hint("Content-Length is one or more digits and must fit a u64: `-1`, `abc`, `+5`, `1, 1` and \
                   a 30-digit number are all status 8."),
        Case::new("conflicting framing is refused with status 9", conflicting_framing)
            .hint("Two Content-Lengths that differ, or Content-Length together with Transfer-Encoding, make \
                   two parsers see two different messages (request smuggling): refuse with status 9. The \
                   same number twice is fine."),
        Case::new("a transfer coding other than chunked is refused with status 10", unsupported_coding)
            .hint("Only `chunked` can be undone here: any other Transfer-Encoding (gzip, `chunked, \
                   chunked`) is status 10."),
        Case::new("a bad chunk size is refused with status 11", bad_chunk)
            .hint("A chunk size is 1 to 16 hex digits, then optional `;extensions`, then CRLF; the data \
                   must be followed by CRLF. Anything else in a chunked body is status 11."),
        Case::new("a body cut short is refused with status 12", truncated_body)
            .hint("When stdin ends before Content-Length bytes (or before the last chunk) have come, the \
                   message is truncated: status 12, and nothing printed on stdout.")
            .hint_if(Kind::Timeout, "The end of stdin (a read of 0 bytes) before the body is complete must \
                     end the program with status 12: read_exact's UnexpectedEof, or a read loop that sees 0."),
        Case::new("a huge Content-Length allocates nothing up front", huge_length_not_allocated)
            .hint("Never allocate what a peer announces: a Content-Length of a terabyte must not become \
                   vec![0; n] or Vec::with_capacity(n). Let the body grow with the bytes that really \
                   arrive (take(n).read_to_end), and report the truncation (status 12)."),
        Case::new("a malformed message prints nothing on stdout", nothing_printed_on_error)
            .hint_if(Kind::Mismatch, "Check the whole message before printing anything: build the normal \
                     form in memory and print it only if the message is valid."),
        Case::new("a closed stdout is an error naming stdout, status 1", closed_stdout)
            .hint("When stdout is closed, write_all fails with a broken pipe: report `error: cannot write \
                   to stdout: …` and exit with status 1, never a println! panic."),
        Case::new("a closed stderr does not turn a refusal into a panic", closed_stderr)
            .hint("eprintln! panics when stderr is closed: write the error line with \
                   writeln!(std::io::stderr(), …) and ignore its result, then exit with the class's status."),
        Case::new("request and response write messages that httparse reads and parse prints back", writes_round_trip)
            .hint("`request METHOD TARGET` writes `METHOD TARGET HTTP/1.1\\r\\n`, each --header as \
                   `Name: value\\r\\n`, `Content-Length: N` for a --body, a blank line, then the body. \
                   `response CODE` writes `HTTP/1.1 CODE REASON\\r\\n` and always a Content-Length (0 \
                   without --body) except for 1xx, 204 and 304."),
        Case::new("the writers refuse arguments that would break the message, with status 2", writer_refuses_injection)
            .hint("A --header holding CR or LF would smuggle a second field (header injection), and a \
                   Content-Length given by hand could contradict the body. Refuse them with one `error:` \
                   line and status 2, and so a --header without a colon, a method that is not a token, a \
                   code outside 100-599 and a --body for a 1xx, 204 or 304."),
        Case::new("200 generated messages: parse agrees with httparse and the framing rules", differential)
            .hint("The messages are drawn from the case's seed (valid ones, and mutated ones: bytes flipped, \
                   CR or LF dropped, folded lines, lengths duplicated or conflicting, cuts). The failure \
                   names the sample, its bytes and the oracle's verdict; replay the run with its seed."),
    ])
}

/// Starts `parse`.
fn start_parse(t: &mut Session) -> Outcome<Program> {
    t.start("parse", &["parse"])
}

/// Types `text` into stdin, a line at a time; every line must end in `\n` (the
/// harness adds it) and each `\r\n` of the text arrives as such.
fn type_message(parse: &mut Program, text: &str) -> Outcome {
    for line in text.split_inclusive('\n') {
        let line = line
            .strip_suffix('\n')
            .ok_or_else(|| Failure::new("the test's own message must end in a line end"))?;
        parse.send_line(line)?;
    }
    Ok(())
}

/// Types all of `text` into stdin in ONE write: for input
/// the program may refuse, or finish, before its end — a later write would find the
/// pipe closed.
fn type_whole(parse: &mut Program, text: &str) -> Outcome {
    parse.send_bytes(text.as_bytes())
}

/// Checks the next stdout lines are `lines`, in order.
fn expect_lines(parse: &mut Program, lines: &[String]) -> Outcome {
    for line in lines {
        parse.expect_line(line)?;
    }
    Ok(())
}

/// Turns `a\nb` into the lines `["a", "b"]` (the owned strings `expect_lines` takes).
fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

fn request_normal_form(t: &mut Session) -> Outcome {
    let path = t.word();
    let host = t.word();
    let mut parse = start_parse(t)?;
    type_message(
        &mut parse,
        &format!("GET /{path}?q=1 HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n\r\n"),
    )?;
    expect_lines(
        &mut parse,
        &lines(&format!(
            "request\nmethod: GET\ntarget: /{path}?q=1\nversion: HTTP/1.1\nheader: host: {host}\n\
             header: accept: */*\nbody: 0 bytes"
        )),
    )?;
    parse.expect_success()
}

fn fields_normalised(t: &mut Session) -> Outcome {
    let (a, b, c) = (t.word(), t.sentence(2), t.word());
    let mut parse = start_parse(t)?;
    type_message(
        &mut parse,
        &format!(
            "DELETE /x HTTP/1.0\r\nX-MiXeD-CaSe:   {a}\t \r\nCookie:{b}\r\ncookie: \t{c}\r\nEMPTY:\r\n\r\n"
        ),
    )?;
    expect_lines(
        &mut parse,
        &lines(&format!(
            "request\nmethod: DELETE\ntarget: /x\nversion: HTTP/1.0\nheader: x-mixed-case: {a}\n\
             header: cookie: {b}\nheader: cookie: {c}"
        )),
    )?;
    parse.expect_line("header: empty: ")?;
    parse.expect_line("body: 0 bytes")?;
    parse.expect_success()
}

fn response_with_length(t: &mut Session) -> Outcome {
    let body = format!("{}\n{}\n", t.sentence(3), t.sentence(2));
    let mut parse = start_parse(t)?;
    type_message(
        &mut parse,
        &format!(
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len(),
            body.len()
        ),
    )?;
    let n = body.len();
    expect_lines(
        &mut parse,
        &lines(&format!(
            "response\nversion: HTTP/1.1\nstatus: 404\nreason: Not Found\nheader: content-type: text/plain\n\
             header: content-length: {n}\nheader: content-length: {n}\nbody: {n} bytes\n{body}"
        )),
    )?;
    parse.expect_success()
}

fn chunked_body(t: &mut Session) -> Outcome {
    let (one, two) = (t.sentence(2), t.sentence(3));
    let body = format!("{one}\n{two}\n");
    let mut parse = start_parse(t)?;
    type_message(
        &mut parse,
        &format!(
            "POST /upload HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n{:X};name=value\r\n{one}\n\r\n{:x}\r\n{two}\n\r\n0\r\nExpires: never\r\n\r\n",
            one.len() + 1,
            two.len() + 1
        ),
    )?;
    expect_lines(
        &mut parse,
        &lines(&format!(
            "request\nmethod: POST\ntarget: /upload\nversion: HTTP/1.1\nheader: transfer-encoding: Chunked\n\
             trailer: expires: never\nbody: {} bytes\n{body}",
            body.len()
        )),
    )?;
    parse.expect_success()
}

fn response_until_end(t: &mut Session) -> Outcome {
    let (one, two) = (t.sentence(2), t.sentence(2));
    let mut parse = start_parse(t)?;
    type_message(
        &mut parse,
        &format!("HTTP/1.0 200 OK\r\nServer: old\r\n\r\n{one}\n{two}\n"),
    )?;
    parse.close_stdin();
    let n = one.len() + two.len() + 2;
    expect_lines(
        &mut parse,
        &lines(&format!(
            "response\nversion: HTTP/1.0\nstatus: 200\nreason: OK\nheader: server: old\nbody: {n} bytes\n{one}\n{two}"
        )),
    )?;
    parse.expect_success()
}

fn no_content_has_no_body(t: &mut Session) -> Outcome {
    let word = t.word();
    let mut parse = start_parse(t)?;
    // Bytes after the head, in the same write: they are not this response's body.
    type_whole(
        &mut parse,
        &format!("HTTP/1.1 204 No Content\r\nX-Id: {word}\r\n\r\nnot a body\n"),
    )?;
    expect_lines(
        &mut parse,
        &lines(&format!(
            "response\nversion: HTTP/1.1\nstatus: 204\nreason: No Content\nheader: x-id: {word}\nbody: 0 bytes"
        )),
    )?;
    parse.expect_success()
}

fn message_in_pieces(t: &mut Session) -> Outcome {
    let words: Vec<String> = (0..4).map(|_| t.word()).collect();
    let body: String = words.iter().map(|w| format!("{w}\n")).collect();
    let message = format!(
        "PUT /{} HTTP/1.1\r\nContent-Length: {}\r\n\r\n{body}",
        words[0],
        body.len()
    );
    // Cuts drawn from the seed, plus one between the \r and the \n of a line end.
    let mut cuts = t.cuts(message.len(), 6);
    cuts.push(message.find("\r\n").map_or(1, |at| at + 1));
    cuts.sort_unstable();
    cuts.dedup();
    let mut parse = start_parse(t)?;
    t.note("the message arrives in several writes, cut anywhere (a \\r\\n cut in two); stdin stays open");
    parse.send_in_pieces(message.as_bytes(), &cuts)?;
    expect_lines(
        &mut parse,
        &lines(&format!(
            "request\nmethod: PUT\ntarget: /{}\nversion: HTTP/1.1\nheader: content-length: {}\nbody: {} bytes\n{body}",
            words[0],
            body.len(),
            body.len()
        )),
    )?;
    parse.expect_success()
}

fn one_message_only(t: &mut Session) -> Outcome {
    let (first, second) = (t.word(), t.word());
    let mut parse = start_parse(t)?;
    type_whole(
        &mut parse,
        &format!(
            "POST /{first} HTTP/1.1\r\nContent-Length: 6\r\n\r\nhello\nGET /{second} HTTP/1.1\r\n\r\n"
        ),
    )?;
    expect_lines(
        &mut parse,
        &lines(&format!(
            "request\nmethod: POST\ntarget: /{first}\nversion: HTTP/1.1\nheader: content-length: 6\nbody: 6 bytes\nhello"
        )),
    )?;
    parse.expect_success()
}

/// The program under test, to start it outside the harness with arbitrary stdin bytes.
fn program() -> Outcome<PathBuf> {
    let id = harness::ExerciseId::from_test_target(env!("CARGO_CRATE_NAME"))
        .map_err(|e| Failure::new(format!("the test's own name: {e:?}")))?;
    harness::locate::program_for(id).map_err(Failure::new)
}

/// Runs `parse` on `input` (any bytes) and checks the oracle agrees with what it did.
fn parse_bytes(t: &mut Session, what: &str, input: &[u8]) -> Outcome<corpus::Run> {
    t.note(&format!("{what}: {}", harness::transcript::describe(input)));
    let run = corpus::run_parse(&program()?, input, RUN_LIMIT)?;
    corpus::judge(input, &run, 64 * 1024 * 1024)
        .map_err(|problem| problem_failure(&problem, input))?;
    Ok(run)
}

/// A problem found by the oracle, as the harness's failure of the right kind.
fn problem_failure(problem: &Problem, input: &[u8]) -> Failure {
    let kind = match problem {
        Problem::Panic(_) | Problem::Signal(_) => Kind::Crashed,
        Problem::Hang => Kind::Timeout,
        _ => Kind::Mismatch,
    };
    let oracle = match corpus::expected(input) {
        Expected::Valid(normal) => format!("valid, normal form {}", escape(&normal)),
        Expected::Invalid(why) => format!("malformed: {why}"),
    };
    Failure::new(format!(
        "parse on {}: {problem} — the oracle says {oracle}",
        harness::transcript::describe(input)
    ))
    .kind(kind)
}

fn binary_body(t: &mut Session) -> Outcome {
    let mut body: Vec<u8> = t.word().into_bytes();
    body.extend([0xff, 0xfe, 0x00, b'\r', b'\n', 0x80, 0xc3]);
    let mut input =
        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    input.extend(&body);
    let run = parse_bytes(t, "a body of bytes that are not UTF-8", &input)?;
    let shown = escape(&run.stdout);
    ensure(
        run.stdout.ends_with(&body),
        format!("the body's bytes must pass through unchanged; stdout was {shown}"),
    )
    .map_err(|f| f.kind(Kind::Mismatch))
}

/// Types `text` into a fresh `parse` and expects the error exit `code`.
fn refused(t: &mut Session, text: &str, code: i32) -> Outcome {
    let mut parse = start_parse(t)?;
    type_whole(&mut parse, text)?;
    parse.close_stdin();
    parse.expect_error_exit(Some(code)).map(drop)
}

fn bad_start_line(t: &mut Session) -> Outcome {
    let word = t.word();
    let lines = [
        format!("GET  /{word} HTTP/1.1\r\n\r\n"),
        format!("GET /{word}\r\n\r\n"),
        format!("GET /{word} HTTP/2.0\r\n\r\n"),
        format!("G(T /{word} HTTP/1.1\r\n\r\n"),
        "HTTP/1.1 20 OK\r\n\r\n".to_string(),
        format!("\r\nGET /{word} HTTP/1.1\r\n\r\n"),
    ];
    for text in lines {
        refused(t, &text, 3)?;
    }
    Ok(())
}

fn bad_field(t: &mut Session) -> Outcome {
    let word = t.word();
    refused(t, &format!("GET / HTTP/1.1\r\nHost {word}\r\n\r\n"), 4)?;
    refused(t, &format!("GET / HTTP/1.1\r\nHost : {word}\r\n\r\n"), 4)?;
    refused(t, &format!("GET / HTTP/1.1\r\n: {word}\r\n\r\n"), 4)
}

fn folded_line(t: &mut Session) -> Outcome {
    let (a, b) = (t.word(), t.word());
    refused(
        t,
        &format!("GET / HTTP/1.1\r\nX-Long: {a}\r\n {b}\r\n\r\n"),
        5,
    )?;
    refused(
        t,
        &format!("GET / HTTP/1.1\r\nX-Long: {a}\r\n\t{b}\r\n\r\n"),
        5,
    )
}

fn bare_lf(t: &mut Session) -> Outcome {
    let word = t.word();
    refused(t, &format!("GET /{word} HTTP/1.1\nHost: x\r\n\r\n"), 6)?;
    refused(t, &format!("GET /{word} HTTP/1.1\r\nHost: x\n\r\n"), 6)?;
    refused(t, &format!("GET /{word} HTTP/1.1\r\nHost: x\r\n\n"), 6)
}

fn head_too_large(t: &mut Session) -> Outcome {
    // 64 lines of 1 KiB after the request line, stdin left open: the limit, not the end of input, must stop it.
    let mut parse = start_parse(t)?;
    parse.send_line("GET / HTTP/1.1\r")?;
    let filler = "a".repeat(1020);
    for _ in 0..64 {
        parse.send_line(&format!("X: {filler}\r"))?;
    }
    parse.expect_error_exit(Some(7))?;
    let mut fields = String::from("GET / HTTP/1.1\r\n");
    for i in 0..101 {
        fields.push_str(&format!("X-{i}: {i}\r\n"));
    }
    fields.push_str("\r\n");
    refused(t, &fields, 7)?;
    let mut trailers = String::from("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n");
    for i in 0..101 {
        trailers.push_str(&format!("T-{i}: {i}\r\n"));
    }
    trailers.push_str("\r\n");
    refused(t, &trailers, 7)
}

fn bad_content_length(t: &mut Session) -> Outcome {
    for value in [
        "-1",
        "abc",
        "+5",
        "1, 1",
        "999999999999999999999999999999",
        "",
    ] {
        refused(
            t,
            &format!("POST / HTTP/1.1\r\nContent-Length: {value}\r\n\r\nhello\n"),
            8,
        )?;
    }
    Ok(())
}

fn conflicting_framing(t: &mut Session) -> Outcome {
    let word = t.word();
    refused(
        t,
        &format!("POST /{word} HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello\n"),
        9,
    )?;
    refused(
        t,
        &format!(
            "POST /{word} HTTP/1.1\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        ),
        9,
    )
}

fn unsupported_coding(t: &mut Session) -> Outcome {
    refused(t, "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 10)?;
    refused(
        t,
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        10,
    )
}

fn bad_chunk(t: &mut Session) -> Outcome {
    let word = t.word();
    let head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    refused(t, &format!("{head}zz\r\n{word}\r\n0\r\n\r\n"), 11)?;
    refused(t, &format!("{head}-5\r\nhello\r\n0\r\n\r\n"), 11)?;
    refused(t, &format!("{head}11111111111111111\r\n{word}\r\n"), 11)?;
    let long_extension = format!("{head}5;{}\r\nhello\r\n0\r\n\r\n", "x".repeat(5000));
    refused(t, &long_extension, 11)?;
    refused(t, &format!("{head}3\r\n{word}\r\n0\r\n\r\n"), 11)
}

fn truncated_body(t: &mut Session) -> Outcome {
    let word = t.word();
    refused(
        t,
        &format!("POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n{word}\n"),
        12,
    )?;
    refused(
        t,
        &format!("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n{word}\n"),
        12,
    )?;
    refused(t, &format!("GET /{word} HTTP/1.1\r\nHost: x\r\n"), 12)?;
    refused(t, "", 12)
}

fn huge_length_not_allocated(t: &mut Session) -> Outcome {
    let mut parse = start_parse(t)?;
    type_message(
        &mut parse,
        "POST / HTTP/1.1\r\nContent-Length: 1000000000000\r\n\r\n",
    )?;
    let word = t.word();
    for _ in 0..100 {
        parse.send_line(&word)?;
    }
    parse.close_stdin();
    parse.expect_error_exit(Some(12))?;
    parse.expect_peak_memory_below(
        32 * 1024 * 1024,
        "the few hundred bytes that arrived, not the terabyte announced",
    )
}

fn nothing_printed_on_error(t: &mut Session) -> Outcome {
    let word = t.word();
    let mut parse = start_parse(t)?;
    type_message(
        &mut parse,
        &format!("POST /{word} HTTP/1.1\r\nContent-Length: 50\r\n\r\n{word}\n"),
    )?;
    parse.close_stdin();
    parse.expect_error_exit(Some(12))?;
    match parse.read_line() {
        Ok(line) => Err(Failure::mismatch(
            "a refused message must print nothing on stdout",
            "no stdout at all",
            line,
        )),
        Err(_) => Ok(()),
    }
}

fn closed_stdout(t: &mut Session) -> Outcome {
    t.set_stdout(Output::Closed);
    let mut parse = start_parse(t)?;
    type_message(&mut parse, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")?;
    let line = parse.expect_error_exit(Some(1))?;
    check_match(
        &line,
        "error: cannot write to stdout.*",
        "`error: cannot write to stdout: …`",
    )
}

fn closed_stderr(t: &mut Session) -> Outcome {
    t.set_stderr(Output::Closed);
    let mut parse = start_parse(t)?;
    type_whole(&mut parse, "GET / HTTP/1.1\nHost: x\n\n")?;
    parse.expect_exit_code(6, "a bare LF, reported on a closed stderr without a panic")
}

fn writes_round_trip(t: &mut Session) -> Outcome {
    let (path, host, body) = (t.word(), t.word(), t.sentence(3));
    let program = program()?;
    let target = format!("/{path}");
    let host_field = format!("Host: {host}");
    let request_args = [
        "request",
        "POST",
        &target,
        "--header",
        &host_field,
        "--header",
        "X-Test:  spaced ",
        "--body",
        &body,
    ];
    // The writers are run by the harness first, for their exit and error line…
    let mut writer = t.start("request", &request_args)?;
    writer.expect_success()?;
    let mut writer = t.start("response", &["response", "204"])?;
    writer.expect_success()?;
    // …and again here for their raw bytes, which httparse must read.
    let written = raw_output(t, &program, &request_args)?;
    let mut slots = [httparse::EMPTY_HEADER; 8];
    let mut request = httparse::Request::new(&mut slots);
    let head = match request.parse(&written) {
        Ok(httparse::Status::Complete(n)) => n,
        other => {
            return Err(Failure::mismatch(
                "httparse must read the request the program wrote",
                "a complete request",
                format!("{other:?} on {}", escape(&written)),
            ));
        }
    };
    let fields: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_string(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    let want = vec![
        ("Host".to_string(), host.clone()),
        ("X-Test".to_string(), "spaced".to_string()),
        ("Content-Length".to_string(), body.len().to_string()),
    ];
    if request.method != Some("POST") || request.path != Some(target.as_str()) || fields != want {
        return Err(Failure::mismatch(
            "the request must hold what the arguments say, Content-Length last",
            format!("POST {target} {want:?}"),
            escape(&written),
        ));
    }
    ensure(
        &written[head..] == body.as_bytes(),
        format!("the body must follow the blank line: {}", escape(&written)),
    )?;
    parse_bytes(t, "parse reads back what request wrote", &written)?;
    let code = ["200", "404", "500", "201"][body.len() % 4];
    let reason = t.sentence(2);
    let response = raw_output(
        t,
        &program,
        &["response", code, "--reason", &reason, "--body", &body],
    )?;
    let expected = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    if response != expected.as_bytes() {
        return Err(Failure::mismatch(
            "response must write the status line, Content-Length and the body",
            escape(expected.as_bytes()),
            escape(&response),
        ));
    }
    parse_bytes(t, "parse reads back what response wrote", &response)?;
    let not_modified = raw_output(t, &program, &["response", "304"])?;
    if not_modified != b"HTTP/1.1 304 Not Modified\r\n\r\n" {
        return Err(Failure::mismatch(
            "a 304 response has no body, so no Content-Length either",
            "HTTP/1.1 304 Not Modified\\r\\n\\r\\n",
            escape(&not_modified),
        ));
    }
    let empty = raw_output(t, &program, &["response", "404"])?;
    if empty != b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n" {
        return Err(Failure::mismatch(
            "a response without --body still needs Content-Length: 0 (else its body runs to the end)",
            "HTTP/1.1 404 Not Found\\r\\nContent-Length: 0\\r\\n\\r\\n",
            escape(&empty),
        ));
    }
    Ok(())
}

/// Runs the program with `args` outside the harness and returns its stdout bytes
/// (the harness reads stdout as lines, escaped).
fn raw_output(t: &mut Session, program: &std::path::Path, args: &[&str]) -> Outcome<Vec<u8>> {
    t.note(&format!("run {} for its raw output", args.join(" ")));
    let output = std::process::Command::new(program).args(args).output()?;
    if !output.status.success() {
        return Err(Failure::mismatch(
            format!("`{}` must succeed", args.join(" ")),
            "exit status 0",
            format!(
                "{} {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ),
        ));
    }
    Ok(output.stdout)
}

fn writer_refuses_injection(t: &mut Session) -> Outcome {
    let word = t.word();
    let injected = format!("X-Note: {word}\r\nEvil: 1");
    let mut writer = t.start("request", &["request", "GET", "/", "--header", &injected])?;
    writer.expect_error_exit(Some(2))?;
    let mut writer = t.start(
        "request",
        &[
            "request",
            "POST",
            "/",
            "--header",
            "Content-Length: 5",
            "--body",
            &word,
        ],
    )?;
    writer.expect_error_exit(Some(2))?;
    let mut writer = t.start("response", &["response", "204", "--body", &word])?;
    writer.expect_error_exit(Some(2))?;
    let mut writer = t.start("response", &["response", "999"])?;
    writer.expect_error_exit(Some(2))?;
    let mut writer = t.start("request", &["request", "GE T", "/"])?;
    writer.expect_error_exit(Some(2))?;
    let mut writer = t.start("request", &["request", "GET", "/", "--header", &word])?;
    writer.expect_error_exit(Some(2)).map(drop)
}

/// How long one run of `parse` on a message may take before it counts as a hang:
/// generous, for a loaded machine (the fuzzer allows 2 s).
const RUN_LIMIT: Duration = Duration::from_secs(5);

/// How many generated messages the differential case runs.
const SAMPLES: u64 = 200;

fn differential(t: &mut Session) -> Outcome {
    // A corpus seed drawn from the case's seed: the run's seed replays it.
    let seed = t.number();
    t.note(&format!(
        "corpus seed {seed}: {SAMPLES} messages, valid and broken"
    ));
    let program = program()?;
    let next = std::sync::atomic::AtomicU64::new(0);
    let first_failure: std::sync::Mutex<Option<(u64, Problem)>> = std::sync::Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                loop {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if n >= SAMPLES {
                        return;
                    }
                    let input = corpus::sample(seed, n);
                    let verdict = match corpus::run_parse(&program, &input, RUN_LIMIT) {
                        Ok(run) => corpus::judge(&input, &run, 64 * 1024 * 1024),
                        Err(e) => Err(Problem::BadError(format!("could not run it: {e}"))),
                    };
                    if let Err(problem) = verdict {
                        let mut first = first_failure.lock().unwrap_or_else(|e| e.into_inner());
                        if first.as_ref().is_none_or(|(m, _)| n < *m) {
                            *first = Some((n, problem));
                        }
                    }
                }
            });
        }
    });
    match first_failure
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
    {
        None => Ok(()),
        Some((n, problem)) => {
            let input = corpus::sample(seed, n);
            let failure = problem_failure(&problem, &input);
            Err(Failure {
                summary: format!("sample {n} of corpus seed {seed}: {}", failure.summary),
                ..failure
            })
        }
    }
}
