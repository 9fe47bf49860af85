"""The one TLS record sniffer of the Python tests: records, handshake messages and hello
extensions read from the bytes a proxy or a raw socket saw. Every parse here trusts lengths
only as far as the bytes go (a partial record stays unread), since the bytes come from the
implementation under test."""

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
