//! The ceiling of oaimock's design: a bare tiny_http server whose single `recv()` loop answers
//! every request with the same chat-completion JSON (body.json), parsing and checking nothing.
//! usage: bare PORT — prints `listening on http://127.0.0.1:PORT` like oaimock.

use tiny_http::{Header, Response, Server};

const BODY: &str = include_str!("../../body.json");

fn main() {
    let port = std::env::args().nth(1).unwrap_or_else(|| "0".into());
    // std's bind sets SO_REUSEADDR, so back-to-back harness runs can rebind the port.
    let listener = std::net::TcpListener::bind(format!("127.0.0.1:{port}")).expect("bind");
    let server = Server::from_listener(listener, None).expect("listen");
    println!("listening on http://{}", server.server_addr());
    let json = Header::from_bytes("Content-Type", "application/json").unwrap();
    for request in server.incoming_requests() {
        let _ = request.respond(Response::from_string(BODY).with_header(json.clone()));
    }
}
