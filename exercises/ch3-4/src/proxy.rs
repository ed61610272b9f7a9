//! The proxy's connections: each client is served by a task of its own, request after
//! request on one connection; each request goes to its origin on a fresh connection,
//! through the cache when it may.

use crate::cache::{self, Cache, Entry};
use crate::message::{
    self, BadHead, Field, Framing, Head, Keep, RelayError, Request, Response, has_token,
};
use crate::url::{Url, parse_authority};
use anyhow::Context;
use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

/// The cache, shared by every connection's task.
type Shared = Arc<Mutex<Cache>>;
/// The client's side of a connection: requests come in on the reader.
type ClientReader = BufReader<OwnedReadHalf>;

/// What the proxy says it is, in the `Via` header of the requests it forwards.
const VIA: &str = "1.1 ch3-4";

/// What a connection does after an exchange.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    /// Read the client's next request.
    KeepOpen,
    /// Close the connection (the client asked, or the response was delimited by the
    /// close, or the exchange failed half-way).
    Close,
}

// ANCHOR: serve
/// Listens on `host:port` and serves every client in a task of its own, so a slow
/// origin or a slow client holds up nobody else.
pub async fn serve(host: &str, port: u16, cache: Cache) -> anyhow::Result<()> {
    let listener = TcpListener::bind((host, port))
        .await
        .with_context(|| format!("cannot listen on {host}:{port}"))?;
    let addr = listener.local_addr()?;
    let mut stdout = io::stdout();
    writeln!(stdout, "listening on {addr}")
        .and_then(|()| stdout.flush())
        .map_err(|error| anyhow::anyhow!("cannot write to stdout: {error}"))?;
    let cache = Arc::new(Mutex::new(cache));
    loop {
        let (stream, client) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors, most likely: wait for some to be freed.
                note!("accept failed: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let cache = Arc::clone(&cache);
        tokio::spawn(async move {
            if let Err(error) = serve_client(stream, &cache).await {
                note!("{client}: {error}");
            }
        });
    }
}
// ANCHOR_END: serve

// ANCHOR: serve_client
/// Serves one client connection: requests one after another until the client closes
/// it, asks to, or sends something that is not HTTP.
async fn serve_client(stream: TcpStream, cache: &Shared) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    loop {
        let head = match message::read_head(&mut reader).await? {
            Head::Complete(head) => head,
            Head::Closed => return Ok(()),
            Head::TooLarge => {
                let why = format!("the request head is over {} bytes", message::MAX_HEAD);
                return refuse(reader, writer, 431, "Request Header Fields Too Large", &why).await;
            }
        };
        let request = match message::parse_request(&head) {
            Ok(request) => request,
            Err(BadHead::TooManyFields) => {
                let why = "the request has too many header fields";
                return refuse(reader, writer, 431, "Request Header Fields Too Large", why).await;
            }
            Err(BadHead::Invalid(why)) => {
                let why = format!("not an HTTP request: {why}");
                return refuse(reader, writer, 400, "Bad Request", &why).await;
            }
        };
        if request.method == "CONNECT" {
            return tunnel(reader, writer, &request).await;
        }
        let url = match Url::parse_absolute(&request.target) {
            Ok(url) => url,
            Err(why) => return refuse(reader, writer, 400, "Bad Request", &why).await,
        };
        let framing = match message::request_framing(&request.fields) {
            Ok(framing) => framing,
            Err(why) => return refuse(reader, writer, 400, "Bad Request", &why.0).await,
        };
        match exchange(&mut reader, &mut writer, &request, &url, framing, cache).await? {
            Next::KeepOpen => {}
            Next::Close => return writer.shutdown().await,
        }
    }
}
// ANCHOR_END: serve_client

/// Whether the client wants the connection closed after this exchange: it said
/// `Connection: close`, or speaks HTTP/1.0 (which closes unless told otherwise; this
/// proxy keeps only HTTP/1.1 connections open).
fn client_closes(request: &Request) -> bool {
    has_token(&request.fields, "connection", "close") || request.minor_version == 0
}

/// How the cache takes part in an exchange.
enum Plan {
    /// The request may be answered through the cache; the entry, if there is one.
    Cache(Option<Arc<Entry>>),
    /// The request must go to the origin untouched, for this reason.
    Pass(&'static str),
}

// ANCHOR: exchange
/// One request and its response: asks the origin — conditionally when a copy is
/// stored — and answers the client from the stored copy (`304`) or with what the origin
/// sent, keeping a copy when it may be stored.
///
/// 1. `cache::may_use_cache(request)`: `Ok` → `Plan::Cache(lock(cache).lookup(&key))`
///    (never hold the lock across an `.await`), `Err(why)` → `Plan::Pass(why)`.
/// 2. `origin_fields(request, url)`, plus `If-Modified-Since: <the entry's
///    last_modified>` when there is an entry; `ask_origin` (it answers 502 itself and
///    returns `None`: then close).
/// 3. `message::response_framing` (an error: `bad_gateway`).
/// 4. An entry and a `304`: log `HIT`, `serve_entry`.
///    Cacheable: `cache::may_store(&response)`; relay with `Keep::up_to(max_object)`
///    when it may be stored (else `Keep::nothing()`); the verdict is `MODIFIED` when
///    there was an entry, `MISS` when not. After the relay, `keep_copy` (a relay that
///    returned `None` was cut short); when it did not store, `remove` the old entry.
///    Pass: relay with `Keep::nothing()`, verdict `PASS`.
/// 5. Log one line per request (`note!("MISS GET http://… -> 200, stored")`), and return
///    `Next::Close` when the client asked (`client_closes`) or the relay says so.
async fn exchange(
    reader: &mut ClientReader,
    writer: &mut OwnedWriteHalf,
    request: &Request,
    url: &Url,
    body: Framing,
    cache: &Shared,
) -> io::Result<Next> {
    todo!(
        "ask the origin (conditionally when a copy is stored) and answer the client (see the doc comment)"
    )
}
// ANCHOR_END: exchange

// ANCHOR: keep_copy
/// After a response was relayed: stores the copy kept on the way when the whole body
/// came, it may be stored and it fitted; otherwise says why not. Returns what
/// happened, for the log.
///
/// `"cut short, not stored"` when not `whole`; with `Ok(last_modified)` and the kept
/// bytes (`keep.into_bytes()` is `Some` when the body fitted): `store` an `Entry` (the
/// reason, `message::end_to_end(&response.fields)`, the body, the date) and return
/// `"stored"`; otherwise `"not stored: <why>"`.
fn keep_copy(
    cache: &Shared,
    key: &str,
    response: &Response,
    storable: Result<String, &str>,
    keep: Keep,
    whole: bool,
) -> String {
    todo!("store the copy when it may be stored and came whole, or say why not")
}
// ANCHOR_END: keep_copy

/// Locks the cache; a task that panicked while holding it left it usable all the same.
fn lock(cache: &Shared) -> std::sync::MutexGuard<'_, Cache> {
    cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

// ANCHOR: origin_fields
/// The header fields of the request the proxy sends the origin: the client's
/// end-to-end fields (never its hop-by-hop ones, nor its own validators, which the
/// cache replaces with its own), the `Host` of the URL, a `Via` that says a proxy was
/// on the way, and `Connection: close`, since each request gets its own connection.
///
/// `message::end_to_end` drops the hop-by-hop fields; drop `Host` (the URL's
/// `authority()` replaces it, first) and `Expect`; drop the client's validators
/// (`is_validator`) unless the request passes the cache by.
fn origin_fields(request: &Request, url: &Url) -> Vec<Field> {
    todo!(
        "the header fields for the origin: Host, the client's end-to-end fields, Via, Connection: close"
    )
}
// ANCHOR_END: origin_fields

/// Whether a field (its name in lower case) is a validator: a conditional request's
/// condition.
fn is_validator(name: &str) -> bool {
    name == "if-modified-since" || name == "if-none-match"
}

// ANCHOR: ask_origin
/// Connects to the origin, sends it the request in origin form (`GET /path`) with the
/// client's body, and reads the response head. An origin that cannot be reached or
/// does not answer in HTTP is a `502 Bad Gateway` for the client (then `None`).
async fn ask_origin(
    reader: &mut ClientReader,
    writer: &mut OwnedWriteHalf,
    request: &Request,
    url: &Url,
    fields: &[Field],
    body: Framing,
) -> io::Result<Option<(BufReader<TcpStream>, Response)>> {
    let key = url.key();
    let mut origin = match TcpStream::connect((url.host.as_str(), url.port)).await {
        Ok(origin) => origin,
        Err(error) => {
            bad_gateway(
                writer,
                &key,
                &format!("cannot connect to the origin: {error}"),
            )
            .await?;
            return Ok(None);
        }
    };
    origin.set_nodelay(true)?;
    let start = format!("{} {} HTTP/1.1", request.method, url.path);
    if has_token(&request.fields, "expect", "100-continue") && body != Framing::Empty {
        // The client waits for this before it sends its body; the proxy takes the body
        // whole, so it can say "go on" itself.
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
    }
    let sent = match message::write_head(&mut origin, &start, fields, body).await {
        Ok(()) => message::relay_body(reader, body, &mut origin, body, &mut Keep::nothing()).await,
        Err(error) => Err(RelayError::Sink(error)),
    };
    match sent {
        Ok(()) => {}
        Err(RelayError::Source(error)) => return Err(error), // the client broke off
        Err(RelayError::Sink(error)) => {
            bad_gateway(
                writer,
                &key,
                &format!("the origin stopped reading: {error}"),
            )
            .await?;
            return Ok(None);
        }
    }
    let mut origin = BufReader::new(origin);
    match read_response(&mut origin).await {
        Ok(response) => Ok(Some((origin, response))),
        Err(why) => {
            bad_gateway(writer, &key, &why).await?;
            Ok(None)
        }
    }
}
// ANCHOR_END: ask_origin

/// Reads the origin's response head, skipping interim `1xx` responses.
async fn read_response(origin: &mut BufReader<TcpStream>) -> Result<Response, String> {
    loop {
        let head = match message::read_head(origin).await {
            Ok(Head::Complete(head)) => head,
            Ok(Head::Closed) => {
                return Err("the origin closed the connection without answering".into());
            }
            Ok(Head::TooLarge) => return Err("the origin's response head is too large".into()),
            Err(error) => return Err(format!("reading the origin's response failed: {error}")),
        };
        let response = message::parse_response(&head)
            .map_err(|why| format!("the origin's response is not HTTP: {why}"))?;
        if !(100..200).contains(&response.status) {
            return Ok(response);
        }
    }
}

// ANCHOR: relay_response
/// Sends the client the origin's response: the status, the end-to-end fields, and the
/// body as it arrives. A body of known length keeps its length; one delimited by chunks
/// or by the close goes to an HTTP/1.1 client in chunks (so the connection can stay
/// open), and to an HTTP/1.0 client up to the close. Returns `None` when the origin
/// broke off mid-body: the client's connection must then be closed, which is the only
/// way left to tell it the response is incomplete.
async fn relay_response(
    origin: &mut BufReader<TcpStream>,
    writer: &mut OwnedWriteHalf,
    response: &Response,
    framing: Framing,
    closes: bool,
    verdict: &str,
    keep: &mut Keep,
) -> io::Result<Option<Next>> {
    let out = match framing {
        Framing::Chunked | Framing::UntilClose if closes => Framing::UntilClose,
        Framing::Chunked | Framing::UntilClose => Framing::Chunked,
        framing => framing,
    };
    let mut fields = message::end_to_end(&response.fields);
    if framing == Framing::Empty {
        // A HEAD's or a 304's Content-Length describes the body it did not send.
        let length = response
            .fields
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("content-length"));
        fields.extend(length.cloned());
    }
    fields.push(("X-Cache".to_string(), verdict.as_bytes().to_vec()));
    if closes {
        fields.push(("Connection".to_string(), b"close".to_vec()));
    }
    let start = format!("HTTP/1.1 {} {}", response.status, response.reason);
    message::write_head(writer, &start, &fields, out).await?;
    match message::relay_body(origin, framing, writer, out, keep).await {
        Ok(()) if closes => Ok(Some(Next::Close)),
        Ok(()) => Ok(Some(Next::KeepOpen)),
        Err(RelayError::Sink(error)) => Err(error),
        Err(RelayError::Source(error)) => {
            note!("the origin broke off its response: {error}");
            Ok(None)
        }
    }
}
// ANCHOR_END: relay_response

// ANCHOR: serve_entry
/// Answers the client with a stored copy: the origin's `200` as it was, with its
/// whole body.
///
/// `HTTP/1.1 200 <reason>`, the stored fields plus `X-Cache: HIT` (and `Connection:
/// close` when `closes`), framed with `Framing::Length(body length)` by
/// `message::write_head`; then the body.
async fn serve_entry(writer: &mut OwnedWriteHalf, entry: &Entry, closes: bool) -> io::Result<()> {
    todo!("answer the client 200 with the stored copy")
}
// ANCHOR_END: serve_entry

// ANCHOR: tunnel
/// `CONNECT host:port`: opens a TCP connection to `host:port`, says `200 Connection
/// Established`, then copies bytes both ways until each side has closed. The proxy
/// cannot read what passes (it is usually TLS), so nothing in a tunnel is cached.
///
/// `parse_authority(target, 443)`; a bad target → `refuse` 400, a refused connection →
/// `refuse` 502. Log `TUNNEL CONNECT host:port`. Copy both ways at once
/// (`tokio::io::copy` twice, in `tokio::join!`): the reader first, since its buffer may
/// already hold the client's first bytes; when a direction ends, `shutdown()` the side
/// it was writing to.
async fn tunnel(
    reader: ClientReader,
    mut writer: OwnedWriteHalf,
    request: &Request,
) -> io::Result<()> {
    todo!("CONNECT: connect, answer 200 Connection Established, copy bytes both ways")
}
// ANCHOR_END: tunnel

/// Answers `502 Bad Gateway`: the proxy is fine, the server behind it is not.
async fn bad_gateway(writer: &mut OwnedWriteHalf, key: &str, why: &str) -> io::Result<Next> {
    note!("BAD GATEWAY {key}: {why}");
    let body = format!("502 Bad Gateway: {why}\n");
    let fields = [
        (
            "Content-Type".to_string(),
            b"text/plain; charset=utf-8".to_vec(),
        ),
        ("Connection".to_string(), b"close".to_vec()),
    ];
    let length = Framing::Length(body.len() as u64);
    message::write_head(writer, "HTTP/1.1 502 Bad Gateway", &fields, length).await?;
    writer.write_all(body.as_bytes()).await?;
    writer.shutdown().await?;
    Ok(Next::Close)
}

// ANCHOR: refuse
/// Answers an error and closes the connection. The client may still be sending (a head
/// too large), and closing a socket with unread bytes resets it, which can destroy the
/// answer before the client reads it: so the rest is read and dropped, for a while.
async fn refuse(
    mut reader: ClientReader,
    mut writer: OwnedWriteHalf,
    status: u16,
    reason: &str,
    why: &str,
) -> io::Result<()> {
    note!("REFUSED {status} {reason}: {why}");
    let body = format!("{status} {reason}: {why}\n");
    let fields = [
        (
            "Content-Type".to_string(),
            b"text/plain; charset=utf-8".to_vec(),
        ),
        ("Connection".to_string(), b"close".to_vec()),
    ];
    let start = format!("HTTP/1.1 {status} {reason}");
    message::write_head(
        &mut writer,
        &start,
        &fields,
        Framing::Length(body.len() as u64),
    )
    .await?;
    writer.write_all(body.as_bytes()).await?;
    writer.shutdown().await?;
    let mut sink = [0u8; 8192];
    let drain = async {
        let mut left = 1024 * 1024usize;
        while left > 0 {
            match reader.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
    Ok(())
}
// ANCHOR_END: refuse
