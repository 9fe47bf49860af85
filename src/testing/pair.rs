//! A client and a server `Connection` in memory, and the pump that moves bytes between them.

use super::pki::localhost;
use crate::config::Config;
use crate::conn::Connection;
use crate::error::Error;
use std::sync::Arc;

/// A client for `config` that sends SNI "localhost" and verifies that name.
pub fn new_client(config: Config) -> Connection {
    Connection::new_client(Arc::new(config), localhost())
}

/// A server for `config`.
pub fn new_server(config: Config) -> Connection {
    Connection::new_server(Arc::new(config))
}

/// Moves everything `from` has written to `to`; returns how many bytes moved. Nothing is
/// delivered (and `to` is not called) when `from` has nothing; what `from` had is consumed
/// even when `to` fails.
pub fn transfer(from: &mut Connection, to: &mut Connection) -> Result<usize, Error> {
    let n = from.pending_tls().len();
    if n == 0 {
        return Ok(0);
    }
    let r = to.read_tls(from.pending_tls());
    from.consume_tls(n);
    r.map(|_| n)
}

/// Moves bytes both ways, client first, until neither side has anything to say (at most 20
/// rounds). Returns the first error; after it both sides keep being fed, so the failing
/// side's alert reaches its peer.
pub fn pump(client: &mut Connection, server: &mut Connection) -> Result<(), Error> {
    let mut first_error = None;
    for _ in 0..20 {
        let a = transfer(client, server);
        let b = transfer(server, client);
        for r in [a, b] {
            if let Err(e) = r {
                first_error.get_or_insert(e);
            }
        }
        if client.pending_tls().is_empty() && server.pending_tls().is_empty() {
            break;
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Starts the client and [`pump`]s: the whole handshake when both sides agree.
pub fn run(client: &mut Connection, server: &mut Connection) -> Result<(), Error> {
    client.start()?;
    pump(client, server)
}

/// A handshaken pair ([`run`]), asserting that it succeeded.
pub fn connected(client: Config, server: Config) -> (Connection, Connection) {
    let (mut c, mut s) = (new_client(client), new_server(server));
    run(&mut c, &mut s).unwrap_or_else(|e| panic!("handshake failed: {e:?}"));
    assert!(!c.is_handshaking() && !s.is_handshaking());
    (c, s)
}

/// "ping" from the client and "pong!" back, each checked on arrival.
pub fn exchange_data(client: &mut Connection, server: &mut Connection) {
    client.write_plaintext(b"ping").unwrap();
    transfer(client, server).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(server.read_plaintext(&mut buf), 4);
    assert_eq!(&buf[..4], b"ping");
    server.write_plaintext(b"pong!").unwrap();
    transfer(server, client).unwrap();
    assert_eq!(client.read_plaintext(&mut buf), 5);
    assert_eq!(&buf[..5], b"pong!");
}

/// Both ends of a handshake and how each ended ([`handshake`]).
pub struct Pair {
    pub client: Connection,
    pub server: Connection,
    pub client_result: Result<(), Error>,
    pub server_result: Result<(), Error>,
}

/// Starts both sides and moves bytes both ways until neither has anything to send; stops
/// feeding the server once it has failed (its alert still reaches the client). Each side's
/// result is its first error, whether met reading or stuck on the connection.
pub fn handshake(client_cfg: Config, server_cfg: Config, opts: crate::conn::ClientOptions) -> Pair {
    let mut client = Connection::new_client(Arc::new(client_cfg), opts);
    let mut server = Connection::new_server(Arc::new(server_cfg));
    let mut client_result = client.start();
    let mut server_result = server.start();
    for _ in 0..20 {
        let mut progressed = false;
        if server_result.is_ok() || !client.pending_tls().is_empty() {
            match transfer(&mut client, &mut server) {
                Ok(n) => progressed |= n > 0,
                Err(e) => {
                    server_result = Err(e);
                    progressed = true;
                }
            }
        }
        match transfer(&mut server, &mut client) {
            Ok(n) => progressed |= n > 0,
            Err(e) => {
                client_result = Err(e);
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }
    if client_result.is_ok() {
        if let Some(e) = client.error() {
            client_result = Err(e.clone());
        }
    }
    if server_result.is_ok() {
        if let Some(e) = server.error() {
            server_result = Err(e.clone());
        }
    }
    Pair {
        client,
        server,
        client_result,
        server_result,
    }
}

impl Pair {
    /// Both sides finished the handshake without an error.
    pub fn assert_ok(&self) {
        assert!(
            self.client_result.is_ok(),
            "client: {:?}",
            self.client_result
        );
        assert!(
            self.server_result.is_ok(),
            "server: {:?}",
            self.server_result
        );
        assert!(!self.client.is_handshaking(), "client still handshaking");
        assert!(!self.server.is_handshaking(), "server still handshaking");
    }

    /// Sends `data` from client to server and back, checking both arrive intact.
    pub fn exchange(&mut self, data: &[u8]) {
        self.client.write_plaintext(data).unwrap();
        transfer(&mut self.client, &mut self.server).unwrap();
        let mut got = vec![0u8; data.len()];
        assert_eq!(self.server.read_plaintext(&mut got), data.len());
        assert_eq!(got, data);
        self.server.write_plaintext(&got).unwrap();
        transfer(&mut self.server, &mut self.client).unwrap();
        let mut back = vec![0u8; data.len()];
        assert_eq!(self.client.read_plaintext(&mut back), data.len());
        assert_eq!(back, data);
    }
}
