//! Chapter 3's fixtures: the HTTP peers its tests share. [`origin`] is the web server
//! the clients and the proxy fetch from (it counts connections and requests);
//! [`response`] reads a response from the program the way a client does, with
//! `httparse` as the parser. The tests themselves are in `tests/`.

pub mod origin;
pub mod response;
