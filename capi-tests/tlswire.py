"""The one TLS record sniffer of the Python tests: records, handshake messages and hello
extensions read from the bytes a proxy or a raw socket saw. Every parse here trusts lengths
only as far as the bytes go (a partial record stays unread), since the bytes come from the
implementation under test. Also the one loopback relay (Relay) that feeds it, and the
one-connection listener (OneConnectionServer) that fake peers are built on."""

import socket
import threading

CHANGE_CIPHER_SPEC, ALERT, HANDSHAKE, APPLICATION_DATA = 20, 21, 22, 23
CLIENT_HELLO, SERVER_HELLO = 1, 2


def take_records(buf):
    """Removes the whole records at the front of the bytearray `buf` and returns them as
    [(content type, body)]; a partial record stays in `buf` for more bytes to complete."""
    records = []
    offset = 0
    while len(buf) - offset >= 5:
        length = int.from_bytes(buf[offset + 3 : offset + 5], "big")
        if len(buf) - offset - 5 < length:
            break
        records.append((buf[offset], bytes(buf[offset + 5 : offset + 5 + length])))
        offset += 5 + length
    del buf[:offset]
    return records


def record_headers(data):
    """[(content type, length)] of each record header in `data`, the last record possibly
    cut short."""
    headers = []
    while len(data) >= 5:
        length = int.from_bytes(data[3:5], "big")
        headers.append((data[0], length))
        data = data[5 + length :]
    return headers


def first_record_length(data):
    """The length (header included) of the first record in `data`, or None until its header
    has arrived."""
    if len(data) < 5:
        return None
    return 5 + int.from_bytes(data[3:5], "big")


def handshake_messages(body):
    """[(message type, message body)] in a handshake record's body (whole messages per
    record is what every implementation here sends)."""
    messages = []
    while len(body) >= 4:
        length = int.from_bytes(body[1:4], "big")
        messages.append((body[0], body[4 : 4 + length]))
        body = body[4 + length :]
    return messages


def hello_extension_spans(msg_type, msg):
    """[(extension type, offset of its body in `msg`, its length)] of a ClientHello (1) or
    ServerHello (2) body `msg`."""
    pos = 2 + 32
    pos += 1 + msg[pos]  # session id
    if msg_type == CLIENT_HELLO:
        pos += 2 + int.from_bytes(msg[pos : pos + 2], "big")  # cipher suites
        pos += 1 + msg[pos]  # compression methods
    else:
        pos += 3  # cipher suite, compression method
    end = pos + 2 + int.from_bytes(msg[pos : pos + 2], "big")
    pos += 2
    spans = []
    while pos + 4 <= end:
        ext_type = int.from_bytes(msg[pos : pos + 2], "big")
        ext_len = int.from_bytes(msg[pos + 2 : pos + 4], "big")
        spans.append((ext_type, pos + 4, ext_len))
        pos += 4 + ext_len
    return spans


def hello_extensions(msg_type, msg):
    """{extension type: body} of a ClientHello (1) or ServerHello (2) body `msg`."""
    return {t: bytes(msg[at : at + n]) for t, at, n in hello_extension_spans(msg_type, msg)}


# ---- one loopback connection: a listener that serves it, and a relay that watches it ----------


class OneConnectionServer:
    """Listens on a free loopback port (`self.port`) and hands the one connection it accepts to
    `self.serve(conn)` on a thread of its own. Every wait has a timeout: the accept
    (`timeout`), and the connection's reads and writes (`conn_timeout`), so a test whose peer
    goes wrong fails instead of hanging. `close()` stops listening and waits for the thread;
    with `close_when_done` the listener also closes itself once the connection is over."""

    def __init__(self, timeout=10, conn_timeout=10, close_when_done=False):
        self.conn_timeout = conn_timeout
        self.close_when_done = close_when_done
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.listener.settimeout(timeout)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._accept_one, daemon=True)
        self.thread.start()

    def _accept_one(self):
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(self.conn_timeout)
            try:
                self.serve(conn)
            except OSError:
                pass
        if self.close_when_done:
            self.listener.close()

    def serve(self, conn):
        raise NotImplementedError

    def close(self, join_timeout=10):
        self.listener.close()
        self.thread.join(join_timeout)


class Relay(OneConnectionServer):
    """A loopback TCP relay in front of `target_port` for one connection. Each chunk one side
    sends goes through `self.forward(side, data)` ("client" or "server"; it returns the bytes to
    pass on, which may be held back, rewritten or b"") and, when `self.sniff` says so for that
    side, through the record sniffer: `self.on_record(side, content_type, body)` for each whole
    record (a partial one waits for its end). When a side closes, its peer's write half is
    shut down. The base class forwards everything and looks at nothing."""

    def __init__(self, target_port, timeout=10):
        self.target_port = target_port
        self._records = {"client": bytearray(), "server": bytearray()}
        super().__init__(timeout=timeout, conn_timeout=timeout)

    # What a subclass changes.
    def forward(self, side, data):
        return data

    def sniff(self, side):
        return False

    def on_record(self, side, content_type, body):
        pass

    def serve(self, client):
        upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=self.conn_timeout)
        with upstream:
            to_server = threading.Thread(target=self._pipe, args=(client, upstream, "client"), daemon=True)
            to_server.start()
            self._pipe(upstream, client, "server")
            to_server.join(self.conn_timeout)

    def _pipe(self, src, dst, side):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if self.sniff(side):
                    self._records[side] += data
                    for content_type, body in take_records(self._records[side]):
                        self.on_record(side, content_type, body)
                        if not self.sniff(side):
                            break  # what follows is not to be read (encrypted, say)
                out = self.forward(side, data)
                if out:
                    dst.sendall(out)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass
