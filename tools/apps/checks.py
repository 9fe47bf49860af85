"""Runtime checks of `make test-apps` (tools/apps/run.py) for the programs that build.

Every service listens on 127.0.0.1 on a free port, runs in its own process group, is stopped by
its PID, and every client call has a timeout: a hang is a failed check, never a stuck run.
"""

import concurrent.futures
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PKI = REPO / "pki"
BIN = REPO / "build" / "bin"
TIMEOUT = 20
CONNECTIONS = 20

SERVER_CHAIN = PKI / "server-ecdsa-p256.chain.pem"
SERVER_KEY = PKI / "server-ecdsa-p256.key"
SERVER_LEAF = PKI / "server-ecdsa-p256.pem"
INTERMEDIATE = PKI / "intermediate-ca.pem"
CLIENT_CHAIN = PKI / "client-ecdsa-p256.chain.pem"
CLIENT_KEY = PKI / "client-ecdsa-p256.key"
ROOT = PKI / "root-ca.pem"
# The second virtual host of the nginx check: a certificate for *.example.test.
OTHER_CHAIN = PKI / "wildcard-example.chain.pem"
OTHER_KEY = PKI / "wildcard-example.key"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


class Service:
    """A server process in its own process group, stopped by its PID."""

    def __init__(self, cmd, logfile, env=None, cwd=None):
        self.logfile = open(logfile, "w")
        self.proc = subprocess.Popen([str(c) for c in cmd], stdout=self.logfile, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env, cwd=cwd, start_new_session=True)

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.logfile.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def call(cmd, input_data=None, timeout=TIMEOUT, env=None):
    """Runs a client; (rc, stdout+stderr). A timeout is rc 124."""
    try:
        p = subprocess.run([str(c) for c in cmd], input=input_data, capture_output=True, timeout=timeout,
                           env=env, start_new_session=True)
        return p.returncode, (p.stdout + p.stderr).decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"") + (e.stderr or b"")
        return 124, "timed out: " + out.decode(errors="replace")


def tail(text, n=600):
    text = " ".join(text.split())
    return text[-n:]


# ---- redis + hiredis ------------------------------------------------------------------------

def redis_server(results, run_dir, protocols, auth_clients):
    port = free_port()
    server = results["redis"]["artifacts"]["redis-server"]
    cmd = [server, "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1",
           "--tls-cert-file", SERVER_CHAIN, "--tls-key-file", SERVER_KEY, "--tls-ca-cert-file", ROOT,
           "--tls-auth-clients", "yes" if auth_clients else "no", "--tls-protocols", protocols,
           "--save", "", "--appendonly", "no", "--dir", run_dir, "--daemonize", "no"]
    return port, Service(cmd, run_dir / f"redis-{port}.log")


def redis_cli_set_get(cli, port, protocol, client_cert, index):
    args = [cli, "-h", "127.0.0.1", "-p", str(port), "--tls", "--cacert", ROOT]
    if client_cert:
        args += ["--cert", CLIENT_CHAIN, "--key", CLIENT_KEY]
    key = f"k-{protocol}-{int(client_cert)}-{index}"
    rc, out = call(args + ["SET", key, f"v{index}"])
    if rc != 0 or "OK" not in out:
        return False, f"SET {key}: rc {rc}: {tail(out)}"
    rc, out = call(args + ["GET", key])
    if rc != 0 or out.strip() != f"v{index}":
        return False, f"GET {key}: rc {rc}: {tail(out)}"
    return True, ""


def check_redis(protocol, client_cert):
    def check(results, tc, run_dir):
        cli = results["redis"]["artifacts"]["redis-cli"]
        bench = results["redis"]["artifacts"]["redis-benchmark"]
        port, server = redis_server(results, run_dir, protocol, client_cert)
        with server:
            if not wait_port(port, server.proc):
                return False, "redis-server did not start: " + tail(Path(server.logfile.name).read_text())
            # 20 connections at once, each a redis-cli SET then GET.
            with concurrent.futures.ThreadPoolExecutor(CONNECTIONS) as pool:
                outcomes = list(pool.map(lambda i: redis_cli_set_get(cli, port, protocol, client_cert, i),
                                         range(CONNECTIONS)))
            bad = [detail for ok, detail in outcomes if not ok]
            if bad:
                return False, f"{len(bad)}/{CONNECTIONS} redis-cli runs failed; first: {bad[0]}"
            # redis-benchmark: 20 concurrent pipelined connections on one event loop (the hang of
            # issue 19 showed here: Finished and the first command in one segment).
            args = [bench, "-h", "127.0.0.1", "-p", str(port), "--tls", "--cacert", ROOT, "-c", str(CONNECTIONS),
                    "-n", "2000", "-t", "set,get", "-q"]
            if client_cert:
                args += ["--cert", CLIENT_CHAIN, "--key", CLIENT_KEY]
            rc, out = call(args, timeout=60)
            if rc != 0 or "GET" not in out:
                return False, f"redis-benchmark rc {rc}: {tail(out)}"
            if not client_cert and protocol == "TLSv1.3":
                # Refusal without a certificate when the server requires one is checked elsewhere.
                pass
            return True, ""

    return check


def check_redis_requires_cert(results, tc, run_dir):
    cli = results["redis"]["artifacts"]["redis-cli"]
    port, server = redis_server(results, run_dir, "TLSv1.2 TLSv1.3", True)
    with server:
        if not wait_port(port, server.proc):
            return False, "redis-server did not start"
        rc, out = call([cli, "-h", "127.0.0.1", "-p", str(port), "--tls", "--cacert", ROOT, "PING"])
        if "PONG" in out:
            return False, "redis-server answered a client without a certificate"
        return True, ""


def check_hiredis(protocol):
    def check(results, tc, run_dir):
        example = results["hiredis"]["artifacts"]["example"]
        if "redis" not in results or not results["redis"]["ok"]:
            # The peer is the redis-server built here: skipped while redis does not build.
            return None, "needs the redis-server built here (redis does not build)"
        port, server = redis_server(results, run_dir, protocol, True)
        with server:
            if not wait_port(port, server.proc):
                return False, "redis-server did not start"

            def one(_):
                rc, out = call([example, "127.0.0.1", str(port), CLIENT_CHAIN, CLIENT_KEY, ROOT])
                return rc == 0 and "PING: PONG" in out, tail(out)

            with concurrent.futures.ThreadPoolExecutor(CONNECTIONS) as pool:
                outcomes = list(pool.map(one, range(CONNECTIONS)))
            bad = [d for ok, d in outcomes if not ok]
            if bad:
                return False, f"{len(bad)}/{CONNECTIONS} hiredis-example-ssl runs failed; first: {bad[0]}"
            return True, ""

    return check


# ---- curl -----------------------------------------------------------------------------------

# What the built curl's -v output shows when its OpenSSL message callback runs (curl compiles
# its handshake trace only when the headers define SSL_CTRL_SET_MSG_CALLBACK): SNI and the
# trace must not be silently dropped.
CURL_TRACE = ["TLS handshake, Client hello (1)", "TLS handshake, Finished (20)"]


def curl_against(server_cmd, port, curl, extra, expect, run_dir, label, cacert=True, rc_expected=0):
    with Service(server_cmd, run_dir / f"{label}-{port}.log") as server:
        if not wait_port(port, server.proc):
            return False, f"{label} did not start: " + tail(Path(server.logfile.name).read_text())
        ca = ["--cacert", ROOT] if cacert else []
        rc, out = call([curl, "-v", "-sS", "--max-time", "10", *ca, *extra, f"https://localhost:{port}/"])
        if rc != rc_expected:
            return False, f"curl rc {rc} (expected {rc_expected}): {tail(out)}"
        for needle in expect:
            if needle not in out:
                return False, f"curl output lacks {needle!r}: {tail(out)}"
        return True, ""


def tlsserver_www(port, version="1.3", client_cert=False):
    flag = "-tls1_3" if version == "1.3" else "-tls1_2"
    cmd = [BIN / "tlsserver", f"127.0.0.1:{port}", "-cert", SERVER_CHAIN, "-key", SERVER_KEY, "-www", flag]
    if client_cert:
        cmd += ["-CAfile", ROOT, "-require_peer"]
    return cmd


def check_curl_tlsserver(version):
    def check(results, tc, run_dir):
        curl = results["curl"]["artifacts"]["curl"]
        port = free_port()
        return curl_against(tlsserver_www(port, version, client_cert=True), port, curl,
                            [f"--tlsv{version}", "--tls-max", version, "--cert", CLIENT_CHAIN, "--key", CLIENT_KEY],
                            [f"SSL connection using TLSv{version}", "HTTP/1.", *CURL_TRACE], run_dir, "tlsserver")

    return check


def check_curl_s_server(version):
    def check(results, tc, run_dir):
        curl = results["curl"]["artifacts"]["curl"]
        port = free_port()
        server = ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", SERVER_LEAF, "-key", SERVER_KEY,
                  "-cert_chain", INTERMEDIATE, "-www", f"-tls{version.replace('.', '_')}", "-servername_fatal",
                  "-servername", "localhost", "-cert2", SERVER_LEAF, "-key2", SERVER_KEY]
        # SNI: s_server with -servername_fatal refuses a client that sends no or another name.
        # s_server sends no chain with -cert2: the client trusts the intermediate as well.
        bundle = run_dir / "root-and-intermediate.pem"
        bundle.write_bytes(ROOT.read_bytes() + INTERMEDIATE.read_bytes())
        return curl_against(server, port, curl, [f"--tlsv{version}", "--tls-max", version, "--cacert", bundle],
                            [f"SSL connection using TLSv{version}", "s_server", *CURL_TRACE], run_dir, "s_server")

    return check


def check_curl_cert_status(version):
    """curl --cert-status (OCSP stapling, checked by curl with aws-lc's OCSP_* calls) against
    openssl s_server -status_file: a good response passes, a revoked one or none fails."""
    def check(results, tc, run_dir):
        curl = results["curl"]["artifacts"]["curl"]
        flag = f"-tls{version.replace('.', '_')}"
        cases = (("good", make_ocsp_response(run_dir), 0, "SSL certificate status: good"),
                 ("revoked", make_ocsp_response(run_dir, revoked=True), 91, "revoked"),
                 ("none", None, 91, "No OCSP response received"))
        for label, der, rc_expected, needle in cases:
            port = free_port()
            server = ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", SERVER_LEAF, "-key",
                      SERVER_KEY, "-cert_chain", INTERMEDIATE, "-www", flag]
            if der:
                server += ["-status_file", der]
            ok, detail = curl_against(server, port, curl, ["--cert-status", f"--tlsv{version}", "--tls-max", version],
                                      [needle], run_dir, f"s_server-ocsp-{label}", rc_expected=rc_expected)
            if not ok:
                return False, f"{label} response: {detail}"
        return True, ""

    return check


def check_curl_http2(results, tc, run_dir):
    """HTTP/2 over ALPN against nghttpd (nghttp2's server, Debian's nghttp2-server): curl
    offers h2, the server selects it, the page comes back over HTTP/2."""
    curl = results["curl"]["artifacts"]["curl"]
    rc, out = call([curl, "-V"])
    if "HTTP2" not in out:
        return False, f"curl was built without HTTP/2 (nghttp2; Debian: libnghttp2-dev): {tail(out, 300)}"
    htdocs = run_dir / "htdocs"
    htdocs.mkdir(exist_ok=True)
    (htdocs / "index.html").write_text("hello over h2\n")
    port = free_port()
    server = ["nghttpd", "-a", "127.0.0.1", "-d", htdocs, str(port), SERVER_KEY, SERVER_CHAIN]
    return curl_against(server, port, curl, ["--http2", "--tlsv1.2"],
                        ["ALPN: server accepted h2", "HTTP/2 200", "hello over h2"], run_dir, "nghttpd")


def rehashed_dir(run_dir, name, pems):
    """A CA directory as `openssl rehash` makes it (HHHHHHHH.0 links)."""
    d = run_dir / name
    d.mkdir(exist_ok=True)
    for i, pem in enumerate(pems):
        (d / f"ca{i}.pem").write_bytes(Path(pem).read_bytes())
    rc, out = call(["openssl", "rehash", d])
    if rc != 0:
        raise RuntimeError(f"openssl rehash: {tail(out, 300)}")
    return d


def check_curl_capath(results, tc, run_dir):
    """--capath (X509_STORE_load_locations with a hashed directory): the root there is trusted;
    a directory without it is not (so the directory is what decides)."""
    curl = results["curl"]["artifacts"]["curl"]
    good = rehashed_dir(run_dir, "capath-root", [ROOT])
    other = rehashed_dir(run_dir, "capath-other", [PKI / "selfsigned-localhost.pem"])
    port = free_port()
    ok, detail = curl_against(tlsserver_www(port), port, curl, ["--capath", good],
                              ["SSL certificate verify ok", "HTTP/1."], run_dir, "capath", cacert=False)
    if not ok:
        return False, f"--capath with the root: {detail}"
    port = free_port()
    ok, detail = curl_against(tlsserver_www(port), port, curl, ["--capath", other], [], run_dir, "capath-other",
                              cacert=False, rc_expected=60)
    if not ok:
        return False, f"--capath without the root must fail verification (curl rc 60): {detail}"
    return True, ""


def make_crls(run_dir, revoke_server):
    """A PEM file with two CRLs made with `openssl ca -gencrl`: the intermediate's (listing the
    server certificate when revoke_server) and the root's (empty), so that every issuer of the
    path has one (curl sets X509_V_FLAG_CRL_CHECK_ALL)."""
    out = b""
    for name, key, cert, revoke in (("intermediate", PKI / "intermediate-ca.key", INTERMEDIATE,
                                     SERVER_LEAF if revoke_server else None),
                                    ("root", PKI / "root-ca.key", ROOT, None)):
        d = run_dir / f"crl-{name}-{int(revoke_server)}"
        d.mkdir(exist_ok=True)
        (d / "index.txt").write_text("")
        (d / "crlnumber").write_text("01\n")
        cfg = d / "ca.cnf"
        cfg.write_text(f"""[ca]
default_ca = ca_default
[ca_default]
database = {d}/index.txt
crlnumber = {d}/crlnumber
default_md = sha256
default_crl_days = 30
crl_extensions = crl_ext
[crl_ext]
authorityKeyIdentifier = keyid:always
""")
        base = ["openssl", "ca", "-batch", "-config", cfg, "-keyfile", key, "-cert", cert]
        if revoke:
            rc, text = call([*base, "-revoke", revoke])
            if rc != 0:
                raise RuntimeError(f"openssl ca -revoke: {tail(text, 300)}")
        rc, text = call([*base, "-gencrl", "-out", d / "crl.pem"])
        if rc != 0:
            raise RuntimeError(f"openssl ca -gencrl: {tail(text, 300)}")
        out += (d / "crl.pem").read_bytes()
    path = run_dir / f"crls-{int(revoke_server)}.pem"
    path.write_bytes(out)
    return path


def check_curl_crlfile(results, tc, run_dir):
    """--crlfile (X509_load_crl_file, X509_V_FLAG_CRL_CHECK_ALL): a revoked server certificate
    is refused, one the CRLs do not list is accepted."""
    curl = results["curl"]["artifacts"]["curl"]
    port = free_port()
    ok, detail = curl_against(tlsserver_www(port), port, curl, ["--crlfile", make_crls(run_dir, False)],
                              ["SSL certificate verify ok", "HTTP/1."], run_dir, "crl-clean")
    if not ok:
        return False, f"--crlfile, nothing revoked: {detail}"
    port = free_port()
    ok, detail = curl_against(tlsserver_www(port), port, curl, ["--crlfile", make_crls(run_dir, True)],
                              ["revoked"], run_dir, "crl-revoked", rc_expected=60)
    if not ok:
        return False, f"--crlfile with the server certificate revoked must fail (curl rc 60): {detail}"
    return True, ""


def check_curl_encrypted_key(results, tc, run_dir):
    """--key with an encrypted PEM key and --pass (SSL_CTX_set_default_passwd_cb): the right
    password gives a client-certificate connection, a wrong one a refusal to load the key."""
    curl = results["curl"]["artifacts"]["curl"]
    key = run_dir / "client-encrypted.key"
    rc, out = call(["openssl", "pkey", "-in", CLIENT_KEY, "-aes256", "-passout", "pass:sesame", "-out", key])
    if rc != 0:
        return False, f"openssl pkey -aes256: {tail(out, 300)}"
    port = free_port()
    ok, detail = curl_against(tlsserver_www(port, client_cert=True), port, curl,
                              ["--cert", CLIENT_CHAIN, "--key", key, "--pass", "sesame"],
                              ["HTTP/1."], run_dir, "enckey")
    if not ok:
        return False, f"--pass with the right password: {detail}"
    port = free_port()
    ok, detail = curl_against(tlsserver_www(port, client_cert=True), port, curl,
                              ["--cert", CLIENT_CHAIN, "--key", key, "--pass", "wrong"],
                              ["unable to set private key file"], run_dir, "enckey-wrong", rc_expected=58)
    if not ok:
        return False, f"--pass with a wrong password must fail to load the key (curl rc 58): {detail}"
    return True, ""


# ---- nginx ----------------------------------------------------------------------------------

NGINX_CONF = """
{user}
worker_processes 2;
daemon off;
master_process on;
pid {run}/nginx.pid;
error_log {run}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {run}/tmp;
    proxy_temp_path {run}/tmp;
    fastcgi_temp_path {run}/tmp;
    uwsgi_temp_path {run}/tmp;
    scgi_temp_path {run}/tmp;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_tickets on;
    ssl_session_ticket_key {run}/ticket.key;
    server {{
        listen 127.0.0.1:{port} ssl http2;
        server_name localhost;
        ssl_certificate {chain};
        ssl_certificate_key {key};
        ssl_stapling on;
        ssl_stapling_file {run}/ocsp-good.der;
        root {run}/www-localhost;
    }}
    server {{
        listen 127.0.0.1:{port} ssl http2;
        server_name www.example.test;
        ssl_certificate {other_chain};
        ssl_certificate_key {other_key};
        ssl_client_certificate {root};
        ssl_verify_client on;
        root {run}/www-example;
        add_header X-Client-DN "$ssl_client_s_dn" always;
    }}
}}
"""


def make_ocsp_response(run, revoked=False):
    """A DER OCSP response on the localhost server certificate (good, or revoked), signed by its
    issuer, made with `openssl ocsp` from an index file (as capi-tests/test_ocsp.py makes them);
    its path."""
    issuer = PKI / "intermediate-ca.pem"
    rc, out = call(["openssl", "x509", "-in", PKI / "server-ecdsa-p256.pem", "-noout", "-serial"])
    if rc != 0 or "=" not in out:
        raise RuntimeError(f"openssl x509 -serial: {tail(out)}")
    serial = out.strip().split("=", 1)[1]
    kind = "revoked" if revoked else "good"
    status = "R\t21251231235959Z\t260101000000Z,keyCompromise" if revoked else "V\t21251231235959Z\t"
    index = run / f"ocsp-{kind}.idx"
    index.write_text(f"{status}\t{serial}\tunknown\t/CN=localhost\n")
    der = run / f"ocsp-{kind}.der"
    rc, out = call(["openssl", "ocsp", "-index", index, "-rsigner", issuer, "-rkey", PKI / "intermediate-ca.key",
                    "-CA", issuer, "-issuer", issuer, "-cert", PKI / "server-ecdsa-p256.pem", "-ndays", "7",
                    "-respout", der])
    if rc != 0 or not der.exists():
        raise RuntimeError(f"openssl ocsp: {tail(out)}")
    return der


def start_nginx(nginx, run, port):
    conf = run / "nginx.conf"
    # Started as root, nginx's workers would run as nobody, who cannot read the build tree.
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(NGINX_CONF.format(user=user, run=run, port=port, chain=SERVER_CHAIN, key=SERVER_KEY,
                                      other_chain=OTHER_CHAIN, other_key=OTHER_KEY, root=ROOT))
    server = Service([nginx, "-p", run, "-c", conf], run / f"stdout-{time.monotonic_ns()}.log")
    if not wait_port(port, server.proc):
        server.stop()
        error_log = run / "error.log"
        raise RuntimeError("nginx did not start: " + tail(error_log.read_text() if error_log.exists() else
                                                          Path(server.logfile.name).read_text()))
    return server


def check_nginx(results, tc, run_dir):
    nginx = results["nginx"]["artifacts"]["nginx"]
    port = free_port()
    run = run_dir / f"nginx-{port}"
    for d in ("tmp", "logs", "www-localhost", "www-example"):
        (run / d).mkdir(parents=True, exist_ok=True)
    (run / "www-localhost" / "index.html").write_text("vhost localhost\n")
    (run / "www-example" / "index.html").write_text("vhost example\n")
    (run / "ticket.key").write_bytes(os.urandom(80))
    make_ocsp_response(run)
    failures = []
    resolve = ["--resolve", f"www.example.test:{port}:127.0.0.1", "--resolve", f"localhost:{port}:127.0.0.1"]
    sess = run / "tlsclient.sess"
    tlsclient = [BIN / "tlsclient", f"127.0.0.1:{port}", "-servername", "localhost", "-CAfile", ROOT, "-tls1_2",
                 "-get", "/"]
    with start_nginx(nginx, run, port):
        # SNI vhost 1 (no client certificate), TLS 1.2 and 1.3, system curl; ALPN h2.
        for version in ("1.2", "1.3"):
            rc, out = call(["curl", "-sS", "-v", "--max-time", "10", "--cacert", ROOT, f"--tlsv{version}",
                            "--tls-max", version, "--http2", *resolve, f"https://localhost:{port}/"])
            if rc != 0 or "vhost localhost" not in out or f"TLSv{version}" not in out:
                failures.append(f"curl localhost TLS {version}: rc {rc}: {tail(out, 300)}")
            elif "ALPN: server accepted h2" not in out and "ALPN, server accepted to use h2" not in out:
                failures.append(f"curl localhost TLS {version}: no h2 over ALPN: {tail(out, 300)}")
        # SNI vhost 2 requires a client certificate.
        rc, out = call(["curl", "-sS", "--max-time", "10", "--cacert", ROOT, *resolve,
                        f"https://www.example.test:{port}/"])
        if "vhost example" in out:
            failures.append("vhost www.example.test answered without a client certificate")
        rc, out = call(["curl", "-sS", "-i", "--max-time", "10", "--cacert", ROOT, *resolve, "--cert", CLIENT_CHAIN,
                        "--key", CLIENT_KEY, f"https://www.example.test:{port}/"])
        if rc != 0 or "vhost example" not in out or "x-client-dn: CN=" not in out.lower().replace("cn=", "CN="):
            failures.append(f"curl www.example.test with a client certificate: rc {rc}: {tail(out, 300)}")
        # openssl s_client sees the certificate chosen by SNI.
        for name, subject in (("localhost", "CN = localhost"), ("www.example.test", "example.test")):
            rc, out = call(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", name,
                            "-CAfile", ROOT], input_data=b"", timeout=TIMEOUT)
            line = out.split("subject=", 1)[1].split("\n", 1)[0] if "subject=" in out else ""
            if subject not in line:
                failures.append(f"s_client -servername {name}: wrong certificate: {tail(out, 300)}")
        # OCSP stapling (ssl_stapling_file): the localhost vhost staples its response, in TLS 1.2
        # and 1.3, to a client that asks (nginx finds the issuer with SSL_CTX_get_extra_chain_certs).
        for version in ("-tls1_2", "-tls1_3"):
            rc, out = call(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
                            "-CAfile", ROOT, "-status", version], input_data=b"", timeout=TIMEOUT)
            if "OCSP Response Status: successful" not in out or "Cert Status: good" not in out:
                failures.append(f"s_client -status {version}: no stapled good response: {tail(out, 300)}")
        # Tickets across the two workers: 8 reconnections, each resuming.
        rc, out = call([*tlsclient, "-reconnect", "8", "-sess_out", sess], timeout=60)
        reused = out.count("tlsclient: session: Reused")
        if rc != 0 or "vhost localhost" not in out:
            failures.append(f"tlsclient -reconnect 8: rc {rc}: {tail(out, 300)}")
        elif reused < 8:
            failures.append(f"tlsclient: {reused}/8 resumptions across the workers: {tail(out, 300)}")
    # A new nginx with the same ssl_session_ticket_key file resumes the old instance's session:
    # the key file is used, not a per-process key.
    with start_nginx(nginx, run, port):
        rc, out = call([*tlsclient, "-sess_in", sess], timeout=30)
        if rc != 0 or "tlsclient: session: Reused" not in out:
            failures.append(f"ticket from the previous nginx not accepted (ssl_session_ticket_key): {tail(out, 300)}")
    if failures:
        return False, "; ".join(failures)
    return True, ""


# ---- socat ----------------------------------------------------------------------------------

# One line in, one line out, then the TLS side closes: a request/response a client can wait for.
SOCAT_REPLY = "SYSTEM:read line; echo socat-echo-$line"


def check_socat_server(version):
    """socat OPENSSL-LISTEN (client certificate required) in front of a one-line echo, reached
    with tlsclient and openssl s_client over TLS `version`; a client without a certificate is
    refused."""
    def check(results, tc, run_dir):
        socat = results["socat"]["artifacts"]["socat"]
        port = free_port()
        listen = (f"OPENSSL-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,cert={SERVER_CHAIN},key={SERVER_KEY},"
                  f"cafile={ROOT},verify=1")
        flag = "-tls1_3" if version == "1.3" else "-tls1_2"
        failures = []
        with Service([socat, listen, SOCAT_REPLY], run_dir / f"socat-listen-{port}.log") as server:
            if not wait_port(port, server.proc):
                return False, "socat did not start: " + tail(Path(server.logfile.name).read_text())
            rc, out = call([BIN / "tlsclient", f"127.0.0.1:{port}", "-servername", "localhost", "-CAfile", ROOT,
                            "-cert", CLIENT_CHAIN, "-key", CLIENT_KEY, flag, "-msg", "from-tlsclient\n"])
            if rc != 0 or "socat-echo-from-tlsclient" not in out or f"version=TLSv{version}" not in out:
                failures.append(f"tlsclient: rc {rc}: {tail(out, 300)}")
            rc, out = call(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
                            "-CAfile", ROOT, "-verify_return_error", "-cert", CLIENT_CHAIN, "-cert_chain",
                            INTERMEDIATE, "-key", CLIENT_KEY, flag, "-ign_eof"], input_data=b"from-s_client\n")
            if "socat-echo-from-s_client" not in out or f"New, TLSv{version}" not in out:
                failures.append(f"openssl s_client: rc {rc}: {tail(out, 300)}")
            rc, out = call([BIN / "tlsclient", f"127.0.0.1:{port}", "-servername", "localhost", "-CAfile", ROOT,
                            flag, "-msg", "no-certificate\n"])
            if "socat-echo-no-certificate" in out:
                failures.append("socat (verify=1) answered a client without a certificate")
        if failures:
            return False, "; ".join(failures)
        return True, ""

    return check


def socat_client(socat, port, extra=""):
    address = (f"OPENSSL:127.0.0.1:{port},cafile={ROOT},commonname=localhost,cert={CLIENT_CHAIN},"
               f"key={CLIENT_KEY}{extra}")
    # ignoreeof: socat does not close its side on stdin's end, it reads until the server closes.
    return call([socat, "-t", "1", "-,ignoreeof", address], input_data=b"GET / HTTP/1.0\r\n\r\n")


def check_socat_client(version):
    """socat's OPENSSL client address (verifying the server, with a client certificate) against
    tlsserver -www (which requires the certificate) and openssl s_server -www, TLS `version`; a
    server whose name does not match commonname= is refused."""
    def check(results, tc, run_dir):
        socat = results["socat"]["artifacts"]["socat"]
        flag = "-tls1_3" if version == "1.3" else "-tls1_2"
        failures = []
        port = free_port()
        server = [BIN / "tlsserver", f"127.0.0.1:{port}", "-cert", SERVER_CHAIN, "-key", SERVER_KEY, "-www", flag,
                  "-CAfile", ROOT, "-require_peer"]
        with Service(server, run_dir / f"tlsserver-{port}.log") as srv:
            if not wait_port(port, srv.proc):
                return False, "tlsserver did not start"
            rc, out = socat_client(socat, port)
            if rc != 0 or "200 OK" not in out or f"version=TLSv{version}" not in out or "verify=ok" not in out:
                failures.append(f"socat -> tlsserver: rc {rc}: {tail(out, 300)}")
            rc, out = socat_client(socat, port, ",commonname=wrong.example.test")
            if "200 OK" in out:
                failures.append("socat accepted a server certificate for another name")
        port = free_port()
        server = ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", SERVER_LEAF, "-key", SERVER_KEY,
                  "-cert_chain", INTERMEDIATE, "-www", f"-tls{version.replace('.', '_')}", "-Verify", "2",
                  "-CAfile", ROOT]
        with Service(server, run_dir / f"s_server-{port}.log") as srv:
            if not wait_port(port, srv.proc):
                return False, "openssl s_server did not start"
            rc, out = socat_client(socat, port)
            if rc != 0 or "200 ok" not in out or f"TLSv{version}" not in out:
                failures.append(f"socat -> openssl s_server: rc {rc}: {tail(out, 300)}")
        if failures:
            return False, "; ".join(failures)
        return True, ""

    return check


# ---- mosquitto ------------------------------------------------------------------------------

def mosquitto_env(results):
    """mosquitto_pub/_sub link the libmosquitto.so.1 built next to them (no rpath)."""
    lib = Path(results["mosquitto"]["artifacts"]["mosquitto_pub"]).parent.parent / "lib"
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = f"{lib}:{env['LD_LIBRARY_PATH']}" if env.get("LD_LIBRARY_PATH") else str(lib)
    return env


def check_mosquitto(version):
    """The mosquitto broker with a TLS listener (TLS `version` only, client certificate required):
    mosquitto_sub receives what mosquitto_pub publishes (both built from the same source, with
    client certificates); tlsclient sees the version; a client without a certificate is refused."""
    def check(results, tc, run_dir):
        art = results["mosquitto"]["artifacts"]
        env = mosquitto_env(results)
        port = free_port()
        tls = f"tlsv{version}"
        conf = run_dir / f"mosquitto-{port}.conf"
        conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\nuser root\n"
                        f"cafile {ROOT}\ncertfile {SERVER_CHAIN}\nkeyfile {SERVER_KEY}\n"
                        f"require_certificate true\ntls_version {tls}\n")
        client = ["-h", "127.0.0.1", "-p", str(port), "--cafile", ROOT, "--tls-version", tls]
        with_cert = client + ["--cert", CLIENT_CHAIN, "--key", CLIENT_KEY]
        topic = f"libtls/{version}/{port}"
        failures = []
        with Service([art["mosquitto"], "-c", conf, "-v"], run_dir / f"mosquitto-{port}.log") as broker:
            if not wait_port(port, broker.proc):
                return False, "mosquitto did not start: " + tail(Path(broker.logfile.name).read_text())
            sub = subprocess.Popen([str(c) for c in [art["mosquitto_sub"], *with_cert, "-t", topic, "-C", "1",
                                                    "-W", str(TIMEOUT)]],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
            try:
                # Publish until the subscriber (connecting at the same time) has its message.
                deadline = time.monotonic() + TIMEOUT
                while sub.poll() is None and time.monotonic() < deadline:
                    rc, out = call([art["mosquitto_pub"], *with_cert, "-t", topic, "-m", f"hello-{version}"],
                                   env=env)
                    if rc != 0:
                        failures.append(f"mosquitto_pub: rc {rc}: {tail(out, 300)}")
                        break
                    time.sleep(0.2)
                try:
                    out, _ = sub.communicate(timeout=TIMEOUT)
                except subprocess.TimeoutExpired:
                    os.killpg(sub.pid, signal.SIGKILL)
                    out, _ = sub.communicate(timeout=10)
                out = out.decode(errors="replace")
                if sub.returncode != 0 or f"hello-{version}" not in out:
                    failures.append(f"mosquitto_sub: rc {sub.returncode}: {tail(out, 300)}")
            finally:
                if sub.poll() is None:
                    os.killpg(sub.pid, signal.SIGKILL)
                    sub.wait(timeout=10)
            flag = "-tls1_3" if version == "1.3" else "-tls1_2"
            rc, out = call([BIN / "tlsclient", f"127.0.0.1:{port}", "-servername", "localhost", "-CAfile", ROOT,
                            "-cert", CLIENT_CHAIN, "-key", CLIENT_KEY, flag])
            if f"version=TLSv{version}" not in out:
                failures.append(f"tlsclient -> mosquitto: rc {rc}: {tail(out, 300)}")
            rc, out = call([art["mosquitto_pub"], *client, "-t", topic, "-m", "no-certificate"], env=env)
            if rc == 0:
                failures.append("mosquitto (require_certificate true) accepted a client without a certificate")
        if failures:
            return False, "; ".join(failures)
        return True, ""

    return check


# ---- stunnel --------------------------------------------------------------------------------

# A plain TCP service behind stunnel: one line in, "stunnel-echo-LINE" out, then it closes.
ECHO_SERVER = r"""
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
while True:
    c, _ = s.accept()
    c.settimeout(10)
    data = b""
    try:
        while not data.endswith(b"\n"):
            chunk = c.recv(1024)
            if not chunk:
                break
            data += chunk
        c.sendall(b"stunnel-echo-" + data)
    except OSError:
        pass
    c.close()
"""


def stunnel_conf(run_dir, name, body):
    """A foreground stunnel configuration logging at level info to its stderr. Its service
    threads keep stunnel's default stack (64 KiB), which a libtls handshake must fit in
    (issue 19; capi-tests/c/test_stack.c)."""
    conf = run_dir / f"stunnel-{name}.conf"
    conf.write_text("foreground = yes\npid =\ndebug = info\n" + body)
    return conf


def stunnel_version_options(version):
    return f"sslVersionMin = TLSv{version}\nsslVersionMax = TLSv{version}\n"


def check_stunnel_server(version):
    """stunnel as a TLS server (client certificate required) in front of a plain TCP echo
    service: tlsclient and openssl s_client get the echo over TLS `version`; a client without a
    certificate gets none; tlsclient -reconnect resumes through stunnel's ticket callbacks,
    whose application data (stunnel's "authenticated" flag) comes back out of the ticket
    (stunnel logs it); with tickets off (options = NO_TICKET) sessions resume from stunnel's
    own session cache (its new/get/remove callbacks)."""
    def check(results, tc, run_dir):
        stunnel = results["stunnel"]["artifacts"]["stunnel"]
        echo_port, port, cache_port = free_port(), free_port(), free_port()
        service = (f"connect = 127.0.0.1:{echo_port}\ncert = {SERVER_CHAIN}\nkey = {SERVER_KEY}\n"
                   f"CAfile = {ROOT}\nverifyChain = yes\n" + stunnel_version_options(version))
        conf = stunnel_conf(run_dir, f"server-{port}",
                            f"[tickets]\naccept = 127.0.0.1:{port}\n{service}"
                            f"[cache]\naccept = 127.0.0.1:{cache_port}\n{service}options = NO_TICKET\n")
        flag = "-tls1_3" if version == "1.3" else "-tls1_2"
        tlsclient = [BIN / "tlsclient", "-servername", "localhost", "-CAfile", ROOT, flag]
        failures = []
        with Service([sys.executable, "-c", ECHO_SERVER, str(echo_port)], run_dir / f"echo-{echo_port}.log") as echo:
            if not wait_port(echo_port, echo.proc):
                return False, "the echo service did not start"
            with Service([stunnel, conf], run_dir / f"stunnel-server-{port}.log") as server:
                if not (wait_port(port, server.proc) and wait_port(cache_port, server.proc)):
                    return False, "stunnel did not start: " + tail(Path(server.logfile.name).read_text())
                # -get, not -msg: tlsclient's -msg half-closes, which a TLS 1.2 peer may not answer
                # (libtls refuses writes after a TLS 1.2 close_notify; OpenSSL allows them).
                rc, out = call([BIN / "tlsclient", f"127.0.0.1:{port}", *tlsclient[1:], "-cert", CLIENT_CHAIN,
                                "-key", CLIENT_KEY, "-get", "/from-tlsclient"])
                if rc != 0 or "stunnel-echo-GET /from-tlsclient" not in out or f"version=TLSv{version}" not in out:
                    failures.append(f"tlsclient: rc {rc}: {tail(out, 300)}")
                rc, out = call(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
                                "-CAfile", ROOT, "-verify_return_error", "-cert", CLIENT_CHAIN, "-cert_chain",
                                INTERMEDIATE, "-key", CLIENT_KEY, flag, "-ign_eof"], input_data=b"from-s_client\n")
                if "stunnel-echo-from-s_client" not in out or f"New, TLSv{version}" not in out:
                    failures.append(f"openssl s_client: rc {rc}: {tail(out, 300)}")
                rc, out = call([BIN / "tlsclient", f"127.0.0.1:{port}", *tlsclient[1:], "-get", "/no-certificate"])
                if "stunnel-echo-GET /no-certificate" in out:
                    failures.append("stunnel (verifyChain) answered a client without a certificate")
                # Resumption by ticket: each reconnection resumes, and stunnel's decrypt
                # callback finds its application data in each ticket.
                before = Path(server.logfile.name).read_text(errors="replace").count(
                    "Decrypted ticket for an authenticated session: yes")
                for target, what in ((port, "tickets"), (cache_port, "session cache")):
                    rc, out = call([BIN / "tlsclient", f"127.0.0.1:{target}", *tlsclient[1:], "-cert", CLIENT_CHAIN,
                                    "-key", CLIENT_KEY, "-reconnect", "3", "-get", f"/resume-{target}"], timeout=60)
                    reused = out.count("tlsclient: session: Reused")
                    # By ticket every reconnection resumes. From stunnel's cache, TLS 1.3's
                    # single-use stateful tickets resume 2 of 3 with OpenSSL and libtls alike.
                    wanted = 3 if what == "tickets" or version == "1.2" else 1
                    if rc != 0 or reused < wanted or out.count(f"stunnel-echo-GET /resume-{target}") < 4:
                        failures.append(f"tlsclient -reconnect 3 ({what}): rc {rc}, {reused}/3 resumed "
                                        f"(wanted {wanted}): "
                                        f"{tail(out, 300)}")
                time.sleep(0.3)
                log = Path(server.logfile.name).read_text(errors="replace")
                decrypted = log.count("Decrypted ticket for an authenticated session: yes") - before
                if decrypted < 3:
                    failures.append(f"stunnel's ticket callback found its application data in {decrypted}/3 "
                                    f"tickets: {tail(log, 300)}")
        if failures:
            return False, "; ".join(failures)
        return True, ""

    return check


def plain_request(port, data, timeout=TIMEOUT):
    """Sends `data` on a plain TCP connection to 127.0.0.1:`port`; what comes back until the
    peer closes."""
    out = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(data)
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                out += chunk
    except OSError as e:
        return out.decode(errors="replace") + f" [{e}]"
    return out.decode(errors="replace")


def check_stunnel_client(version):
    """stunnel as a TLS client (client = yes, verifying the server's chain and name, with a
    client certificate) in front of openssl s_server -www, which requires the certificate:
    plain requests through it get the page over TLS `version`, the second on a resumed session
    (stunnel's client session cache); a server name that does not match checkHost is refused."""
    def check(results, tc, run_dir):
        stunnel = results["stunnel"]["artifacts"]["stunnel"]
        s_port, port, wrong_port = free_port(), free_port(), free_port()
        client = (f"client = yes\nconnect = 127.0.0.1:{s_port}\nCAfile = {ROOT}\nverifyChain = yes\n"
                  f"sni = localhost\ncert = {CLIENT_CHAIN}\nkey = {CLIENT_KEY}\n"
                  + stunnel_version_options(version))
        conf = stunnel_conf(run_dir, f"client-{port}",
                            f"[good]\naccept = 127.0.0.1:{port}\n{client}checkHost = localhost\n"
                            f"[wrong]\naccept = 127.0.0.1:{wrong_port}\n{client}checkHost = wrong.example.test\n")
        server = ["openssl", "s_server", "-accept", f"127.0.0.1:{s_port}", "-cert", SERVER_LEAF, "-key", SERVER_KEY,
                  "-cert_chain", INTERMEDIATE, "-www", f"-tls{version.replace('.', '_')}", "-Verify", "2",
                  "-CAfile", ROOT]
        failures = []
        with Service(server, run_dir / f"s_server-{s_port}.log") as srv:
            if not wait_port(s_port, srv.proc):
                return False, "openssl s_server did not start"
            with Service([stunnel, conf], run_dir / f"stunnel-client-{port}.log") as st:
                if not (wait_port(port, st.proc) and wait_port(wrong_port, st.proc)):
                    return False, "stunnel did not start: " + tail(Path(st.logfile.name).read_text())
                pages = [plain_request(port, b"GET / HTTP/1.0\r\n\r\n") for _ in range(3)]
                if not all("200 ok" in p and f"TLSv{version}" in p for p in pages):
                    failures.append(f"stunnel -> openssl s_server: {tail(pages[0], 300)}")
                elif not any("Reused, TLSv" in p for p in pages[1:]):
                    failures.append(f"stunnel's client sessions did not resume: {tail(pages[-1], 300)}")
                page = plain_request(wrong_port, b"GET / HTTP/1.0\r\n\r\n")
                if "200 ok" in page:
                    failures.append("stunnel (checkHost = wrong.example.test) accepted the server")
        if failures:
            return False, "; ".join(failures)
        return True, ""

    return check


CHECKS = {
    "hiredis": [("hiredis-example-ssl x20, TLS 1.3, client cert", check_hiredis("TLSv1.3")),
                ("hiredis-example-ssl x20, TLS 1.2, client cert", check_hiredis("TLSv1.2"))],
    "redis": [(f"redis-cli x{CONNECTIONS} + redis-benchmark -c {CONNECTIONS}, {p}, "
               f"{'with' if c else 'without'} client cert", check_redis(p, c))
              for p in ("TLSv1.3", "TLSv1.2") for c in (True, False)]
    + [("redis-server refuses a client without a certificate", check_redis_requires_cert)],
    "curl": [(f"curl -> tlsserver -www, TLS {v}, client cert, -v trace", check_curl_tlsserver(v))
             for v in ("1.2", "1.3")]
    + [(f"curl -> openssl s_server -www, TLS {v}, SNI, -v trace", check_curl_s_server(v)) for v in ("1.2", "1.3")]
    + [(f"curl --cert-status -> openssl s_server -status_file, TLS {v}", check_curl_cert_status(v))
       for v in ("1.2", "1.3")]
    + [("curl -> nghttpd, HTTP/2 over ALPN", check_curl_http2),
       ("curl --capath (hashed directory)", check_curl_capath),
       ("curl --crlfile (revoked server certificate refused)", check_curl_crlfile),
       ("curl --key encrypted --pass", check_curl_encrypted_key)],
    "nginx": [("nginx: two SNI vhosts, client-cert auth, ALPN h2, OCSP stapling, tickets across 2 workers", check_nginx)],
    "socat": [(f"socat OPENSSL-LISTEN <- tlsclient, openssl s_client, TLS {v}, client cert", check_socat_server(v))
              for v in ("1.2", "1.3")]
    + [(f"socat OPENSSL -> tlsserver -www, openssl s_server -www, TLS {v}, client cert", check_socat_client(v))
       for v in ("1.2", "1.3")],
    "stunnel": [(f"stunnel server <- tlsclient, openssl s_client, TLS {v}, client cert, resumption by ticket "
                 "(application data) and by session cache", check_stunnel_server(v)) for v in ("1.2", "1.3")]
    + [(f"stunnel client -> openssl s_server -www, TLS {v}, client cert, checkHost, resumption",
        check_stunnel_client(v)) for v in ("1.2", "1.3")],
    "mosquitto": [(f"mosquitto broker <- mosquitto_pub/_sub, tlsclient, TLS {v}, client cert required",
                   check_mosquitto(v)) for v in ("1.2", "1.3")],
}


def run_checks(prog, results, tc, run_dir):
    """{check name: (ok, detail)} for one program's checks; ok is None for a skipped check."""
    run_dir.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix=f"{prog}-", dir=run_dir))
    outcomes = {}
    for name, check in CHECKS.get(prog, []):
        started = time.monotonic()
        try:
            ok, detail = check(results, tc, run_dir)
        except Exception as e:  # a check's bug is its failure, not the run's end
            ok, detail = False, f"{type(e).__name__}: {e}"
        outcomes[f"{name} ({time.monotonic() - started:.1f} s)"] = (ok, detail)
    return outcomes
