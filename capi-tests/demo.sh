#!/usr/bin/env bash
# `make demo`: start tlsserver -www on a free loopback port, fetch its status page with
# tlsclient over a verified connection, show what was negotiated, stop the server.
set -euo pipefail

BIN_DIR=${1:-build/bin}
PKI=pki
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# Created here, not by the background job's redirection, so the loop below can read it at once.
: >"$WORK/server.err"
"$BIN_DIR/tlsserver" -www -naccept 1 -timeout 5 \
    -cert "$PKI/server-ecdsa-p256.chain.pem" -key "$PKI/server-ecdsa-p256.key" \
    127.0.0.1:0 2>"$WORK/server.err" &
SERVER_PID=$!

port=
for _ in $(seq 1 100); do
    port=$(sed -n 's/^tlsserver: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$WORK/server.err")
    [[ -n $port ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
done
if [[ -z $port ]]; then
    echo "demo: the server did not start:" >&2
    cat "$WORK/server.err" >&2
    exit 1
fi

echo "== server listening on 127.0.0.1:$port (ECDSA P-256 certificate from $PKI/)"
echo "== tlsclient -get / -CAfile $PKI/root-ca.pem -servername localhost 127.0.0.1:$port"
status=0
timeout 15 "$BIN_DIR/tlsclient" -get / -timeout 5 -CAfile "$PKI/root-ca.pem" \
    -servername localhost "127.0.0.1:$port" >"$WORK/page" 2>"$WORK/client.err" || status=$?
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=

echo "== client:"
cat "$WORK/client.err"
echo "== server:"
grep -v '^tlsserver: listening' "$WORK/server.err" || true
echo "== page:"
cat "$WORK/page"
if [[ $status -ne 0 ]]; then
    echo "demo: tlsclient failed (exit $status)" >&2
    exit 1
fi
