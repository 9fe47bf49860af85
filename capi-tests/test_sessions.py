"""Session resumption end to end: our CLIs against each other and against openssl and gnutls in
both roles (TLS 1.2 tickets and session IDs, TLS 1.3 tickets), sessions saved to a file and
resumed by another process, ticket keys shared by two server processes and rotated, corrupted
tickets, and the message order of RFC 5077's figure 1 seen on the wire."""

import re

import pytest

import tlswire

from conftest import accepted_fields, cert_args, pki, require_tool
from test_interop import s_server_cert_args

ROOT = pki("root-ca.pem")
VERSIONS = ["-tls1_2", "-tls1_3"]
# (server flags, client version flag): tickets in both versions and session IDs.
MODES = [
    pytest.param(["-tls1_2"], id="tls12-ticket"),
    pytest.param(["-tls1_2", "-no_ticket"], id="tls12-session-id"),
    pytest.param(["-tls1_3"], id="tls13-ticket"),
    pytest.param(["-tls1_3", "-no_ticket"], id="tls13-stateful"),
]


def session_lines(client):
    return re.findall(r"^tlsclient: session: (New|Reused), (\S+), Cipher is (\S+)$", client.stderr, re.MULTILINE)


def outcomes(client):
    return [line[0] for line in session_lines(client)]


def all_accepted(server):
    server.wait()
    return re.findall(r"reused=(yes|no)", server.stderr)


def client_args(port, *extra):
    return ["-CAfile", ROOT, "-servername", "localhost", "-msg", "hi\n", *extra, f"127.0.0.1:{port}"]


def key_line(name_byte, key_byte):
    return bytes([name_byte] * 16 + [key_byte] * 32).hex()


# ---- our client and server ----------------------------------------------------------------------


@pytest.mark.parametrize("server_flags", MODES)
def test_reconnect_resumes(harness, server_flags):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), *server_flags, naccept=3)
    client = harness.tlsclient(*client_args(port, "-reconnect", "2"))
    assert client.returncode == 0, client.stderr + server.stderr
    assert outcomes(client) == ["New", "Reused", "Reused"], client.stderr
    assert all_accepted(server) == ["no", "yes", "yes"], server.stderr


@pytest.mark.parametrize("version", VERSIONS)
def test_session_file_resumes_in_another_process(harness, tmp_path, version):
    sess = tmp_path / "session.bin"
    server, port = harness.tlsserver(*cert_args("rsa2048"), version, naccept=2)
    first = harness.tlsclient(*client_args(port, "-sess_out", sess))
    assert first.returncode == 0, first.stderr
    assert sess.stat().st_size > 0
    second = harness.tlsclient(*client_args(port, "-sess_in", sess))
    assert second.returncode == 0, second.stderr + server.stderr
    assert outcomes(first) + outcomes(second) == ["New", "Reused"]
    # The resumed connection still reports the server's certificate as verified.
    assert re.search(r'peer="/CN=localhost" verify=ok', second.stderr)
    assert all_accepted(server) == ["no", "yes"]


def test_garbage_session_file_is_refused(harness, tmp_path):
    sess = tmp_path / "garbage.bin"
    sess.write_bytes(b"this is not a session" * 3)
    client = harness.tlsclient(*client_args(1, "-sess_in", sess))
    assert client.returncode == 1
    assert "holds no usable session" in client.stderr


@pytest.mark.parametrize("version", VERSIONS)
def test_corrupted_ticket_falls_back_to_a_full_handshake(harness, tmp_path, impl, version):
    if impl != "libtls":
        pytest.skip("edits libtls's session encoding")
    sess = tmp_path / "session.bin"
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), version, naccept=2)
    assert harness.tlsclient(*client_args(port, "-sess_out", sess)).returncode == 0
    data = bytearray(sess.read_bytes())
    # The encoding ends with the ticket, then three 4-byte fields, the 2-byte group, the
    # 1-byte extended-master-secret flag and the (empty) ticket application data's 2-byte
    # length: flip the ticket's last byte (part of its tag).
    data[-18] ^= 0x01
    sess.write_bytes(bytes(data))
    client = harness.tlsclient(*client_args(port, "-sess_in", sess))
    assert client.returncode == 0, client.stderr + server.stderr
    assert outcomes(client) == ["New"]
    assert all_accepted(server) == ["no", "no"]


@pytest.mark.parametrize("version", VERSIONS)
def test_two_servers_share_a_ticket_key_file(harness, tmp_path, version):
    keys = tmp_path / "ticket.keys"
    keys.write_text("# shared by the fleet\n" + key_line(0xA1, 0x5A) + "\n")
    sess = tmp_path / "session.bin"
    a, port_a = harness.tlsserver(*cert_args("ecdsa-p256"), version, "-ticket_key_file", keys)
    b, port_b = harness.tlsserver(*cert_args("ecdsa-p256"), version, "-ticket_key_file", keys)
    first = harness.tlsclient(*client_args(port_a, "-sess_out", sess))
    second = harness.tlsclient(*client_args(port_b, "-sess_in", sess))
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert outcomes(first) + outcomes(second) == ["New", "Reused"]
    assert accepted_fields(b)["reused"] == "yes"

    # A server with its own keys cannot resume it: a full handshake, not an error.
    c, port_c = harness.tlsserver(*cert_args("ecdsa-p256"), version)
    third = harness.tlsclient(*client_args(port_c, "-sess_in", sess))
    assert third.returncode == 0, third.stderr
    assert outcomes(third) == ["New"]


@pytest.mark.parametrize("version", VERSIONS)
def test_rotated_key_file(harness, tmp_path, impl, version):
    if impl != "libtls":
        pytest.skip("OpenSSL's tlsserver loads only the first key of the file")
    keys = tmp_path / "ticket.keys"
    old, renewed = tmp_path / "old.bin", tmp_path / "renewed.bin"

    def connect(*extra):
        server, port = harness.tlsserver(*cert_args("ecdsa-p256"), version, "-ticket_key_file", keys)
        client = harness.tlsclient(*client_args(port, *extra))
        assert client.returncode == 0, client.stderr + server.stderr
        return outcomes(client)

    keys.write_text(key_line(1, 0x11) + "\n")
    assert connect("-sess_out", old) == ["New"]
    # A new key seals; the old one still opens, and the client gets a ticket under the new key.
    keys.write_text(key_line(2, 0x22) + "\n" + key_line(1, 0x11) + "\n")
    assert connect("-sess_in", old, "-sess_out", renewed) == ["Reused"]
    # The old key is retired: its ticket no longer resumes, the renewed one does.
    keys.write_text(key_line(3, 0x33) + "\n" + key_line(2, 0x22) + "\n")
    assert connect("-sess_in", old) == ["New"]
    assert connect("-sess_in", renewed) == ["Reused"]


def test_bad_ticket_key_file_is_a_setup_error(harness, tmp_path):
    keys = tmp_path / "bad.keys"
    keys.write_text("not hex at all\n")
    proc = harness.spawn(
        [harness.bin_dir / "tlsserver", *cert_args("ecdsa-p256"), "-ticket_key_file", keys, "127.0.0.1:0"],
        "tlsserver",
    )
    assert proc.wait() == 1
    assert "cannot load ticket keys" in proc.stderr


def test_num_tickets_zero_means_no_tls13_resumption(harness):
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-tls1_3", "-num_tickets", "0", naccept=2)
    client = harness.tlsclient(*client_args(port, "-reconnect", "1"))
    assert client.returncode == 0, client.stderr
    assert outcomes(client) == ["New", "New"]


# ---- against openssl and gnutls -----------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("no_ticket", [False, True], ids=["ticket", "no-ticket"])
def test_client_resumes_with_openssl_server(harness, version, no_ticket):
    extra = ["-no_ticket"] if no_ticket else []
    server, port = harness.openssl_server(version, *s_server_cert_args("ecdsa-p256"), "-naccept", "2", *extra)
    client = harness.tlsclient(*client_args(port, "-reconnect", "1"))
    assert client.returncode == 0, client.stderr + server.stdout
    assert outcomes(client) == ["New", "Reused"]


@pytest.mark.parametrize("version", ["TLS1.2", "TLS1.3"])
def test_client_resumes_with_gnutls_server(harness, version):
    require_tool("gnutls-serv")
    server, port = harness.gnutls_server(
        "--priority",
        f"NORMAL:-VERS-ALL:+VERS-{version}",
        "--x509certfile",
        pki("server-ecdsa-p256.chain.pem"),
        "--x509keyfile",
        pki("server-ecdsa-p256.key"),
    )
    client = harness.tlsclient(*client_args(port, "-reconnect", "1"))
    assert client.returncode == 0, client.stderr + server.stdout
    assert outcomes(client) == ["New", "Reused"]


def openssl_client(harness, port, *args):
    return harness.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost", "-CAfile", ROOT, *args],
        "s_client",
        input_bytes=b"",
    )


@pytest.mark.parametrize("server_flags", [["-tls1_2"], ["-tls1_2", "-no_ticket"]], ids=["ticket", "session-id"])
def test_openssl_client_resumes_tls12_with_our_server(harness, server_flags):
    require_tool("openssl")
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), *server_flags, naccept=6)
    client = openssl_client(harness, port, "-reconnect")
    found = re.findall(r"^(New|Reused), TLSv1\.2", client.stdout, re.MULTILINE)
    assert found == ["New"] + ["Reused"] * 5, client.stdout + server.stderr
    assert all_accepted(server) == ["no"] + ["yes"] * 5


@pytest.mark.parametrize("server_flags", [["-tls1_3"], ["-tls1_3", "-no_ticket"]], ids=["ticket", "stateful"])
def test_openssl_client_resumes_tls13_with_our_server(harness, tmp_path, server_flags):
    require_tool("openssl")
    sess = tmp_path / "s_client.pem"
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), *server_flags, naccept=2)
    # s_client reads the tickets that follow the handshake while it waits for input.
    first = harness.run(
        ["sh", "-c", f"sleep 1 | openssl s_client -connect 127.0.0.1:{port} -servername localhost "
         f"-CAfile {ROOT} -sess_out {sess}"],
        "s_client",
    )
    second = harness.run(
        ["sh", "-c", f"sleep 1 | openssl s_client -connect 127.0.0.1:{port} -servername localhost "
         f"-CAfile {ROOT} -sess_in {sess}"],
        "s_client",
    )
    found = re.findall(r"^(New|Reused), TLSv1\.3", first.stdout + second.stdout, re.MULTILINE)
    assert found == ["New", "Reused"], first.stdout + second.stdout + server.stderr
    assert all_accepted(server) == ["no", "yes"]


@pytest.mark.parametrize("server_flags", [["-tls1_2"], ["-tls1_2", "-no_ticket"], ["-tls1_3"]],
                         ids=["tls12-ticket", "tls12-session-id", "tls13"])
def test_gnutls_client_resumes_with_our_server(harness, server_flags):
    require_tool("gnutls-cli")
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), *server_flags, naccept=2)
    client = harness.run(
        ["sh", "-c", f"(sleep 1; echo hi; sleep 1) | gnutls-cli --x509cafile {ROOT} -p {port} localhost --resume"],
        "gnutls-cli",
    )
    assert "This is a resumed session" in client.stdout, client.stdout + client.stderr + server.stderr
    assert all_accepted(server) == ["no", "yes"]


# ---- the wire: RFC 5077 figures 1 and 2 ---------------------------------------------------------


class FlightRecorder(tlswire.Relay):
    """A loopback relay that notes, per direction, the plaintext handshake message types up to
    and including the ChangeCipherSpec (recorded as "CCS"), and the extension types of the
    hellos. Serves one connection."""

    def __init__(self, target_port):
        self.flights = {"client": [], "server": []}
        self.hello_extensions = {}
        self._done = {"client": False, "server": False}
        super().__init__(target_port)

    def sniff(self, side):
        # What follows a ChangeCipherSpec is encrypted: not parsed.
        return not self._done[side]

    def on_record(self, side, content_type, body):
        if content_type == tlswire.CHANGE_CIPHER_SPEC:
            self.flights[side].append("CCS")
            self._done[side] = True
            return
        if content_type == tlswire.HANDSHAKE:
            for msg_type, msg in tlswire.handshake_messages(body):
                self.flights[side].append(msg_type)
                if msg_type in (tlswire.CLIENT_HELLO, tlswire.SERVER_HELLO):
                    self.hello_extensions[side] = tlswire.hello_extensions(msg_type, msg)

    def close(self):
        super().close(join_timeout=5)


SESSION_TICKET = 35
CLIENT_HELLO, SERVER_HELLO, NEW_SESSION_TICKET, CERTIFICATE = 1, 2, 4, 11
SERVER_KEY_EXCHANGE, SERVER_HELLO_DONE, CLIENT_KEY_EXCHANGE = 12, 14, 16


@pytest.fixture
def recorder_factory(relays):
    return lambda port: relays(FlightRecorder, port)


def test_tls12_ticket_flow_follows_rfc5077_figures_1_and_2(harness, tmp_path, recorder_factory):
    sess = tmp_path / "session.bin"
    server, port = harness.tlsserver(*cert_args("ecdsa-p256"), "-tls1_2", naccept=2)

    # Figure 1: a full handshake that issues a ticket.
    full = recorder_factory(port)
    client = harness.tlsclient(*client_args(full.port, "-sess_out", sess))
    assert client.returncode == 0, client.stderr
    full.close()
    assert full.hello_extensions["client"][SESSION_TICKET] == b"", "an empty SessionTicket asks for one"
    assert full.hello_extensions["server"][SESSION_TICKET] == b"", "the server promises one"
    assert full.flights["client"] == [CLIENT_HELLO, CLIENT_KEY_EXCHANGE, "CCS"]
    assert full.flights["server"] == [
        SERVER_HELLO, CERTIFICATE, SERVER_KEY_EXCHANGE, SERVER_HELLO_DONE, NEW_SESSION_TICKET, "CCS",
    ], "NewSessionTicket comes after the client's Finished and before the server's ChangeCipherSpec"

    # Figure 2: the abbreviated handshake presenting the ticket.
    resumed = recorder_factory(port)
    client = harness.tlsclient(*client_args(resumed.port, "-sess_in", sess))
    assert client.returncode == 0, client.stderr
    resumed.close()
    assert len(resumed.hello_extensions["client"][SESSION_TICKET]) > 0, "the ticket is presented"
    assert resumed.flights["server"] == [SERVER_HELLO, "CCS"], "no certificate, no key exchange"
    assert resumed.flights["client"] == [CLIENT_HELLO, "CCS"]
    assert outcomes(client) == ["Reused"]
