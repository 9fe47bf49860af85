#!/usr/bin/env bash
# Regenerates the committed test PKI with the openssl CLI. Re-runnable: it wipes and rebuilds the
# generated files. `openssl ca` is used for every certificate because it is the only portable way
# (OpenSSL 3.0) to choose exact notBefore/notAfter dates, which the expired and not-yet-valid
# leaves need and which keep the normal certificates valid from 2026-01-01 for about 100 years.
set -euo pipefail

cd "$(dirname "$0")"
OUT=$PWD
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

VALID_FROM=20260101000000Z
VALID_UNTIL=21251231235959Z

# --extra-only: make only the later additions (below), keeping every earlier file as it is.
# --missing-only: make only the later additions whose certificate is not there yet (to add a new
# one without re-keying the others).
EXTRA_ONLY=no
MISSING_ONLY=no
[[ ${1:-} == --extra-only ]] && EXTRA_ONLY=yes
[[ ${1:-} == --missing-only ]] && EXTRA_ONLY=yes && MISSING_ONLY=yes
[[ $EXTRA_ONLY == no ]] && rm -f ./*.pem ./*.key

cat >"$WORK/ca.cnf" <<'CNF'
[ ca ]
default_ca = test_ca

[ test_ca ]
dir             = .
database        = $ENV::CA_DB
new_certs_dir   = $ENV::CA_NEWCERTS
default_md      = sha256
policy          = any_subject
unique_subject  = no
copy_extensions = none
rand_serial     = yes

[ any_subject ]
commonName = supplied

[ req ]
distinguished_name = req_dn
prompt = no

[ req_dn ]
CN = placeholder

[ root_ca_ext ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash

[ intermediate_ca_ext ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid

[ server_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, $ENV::LEAF_KEY_USAGE
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = $ENV::LEAF_SAN

[ self_signed_leaf_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
subjectAltName         = $ENV::LEAF_SAN

[ client_ext ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid
subjectAltName         = $ENV::LEAF_SAN
CNF

# RSA leaves may also be used for TLS 1.2 RSA key transport, the others only sign.
export CA_DB="$WORK/index.txt" CA_NEWCERTS="$WORK/newcerts" LEAF_SAN="DNS:localhost"
export LEAF_KEY_USAGE=digitalSignature
mkdir -p "$CA_NEWCERTS"

reset_db() { : >"$CA_DB"; }

# new_key NAME TYPE -> NAME.key (PKCS#8 PEM)
new_key() {
    local name=$1 type=$2
    case $type in
        p256) openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$name.key" ;;
        p384) openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$name.key" ;;
        rsa2048) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$name.key" ;;
        ed25519) openssl genpkey -quiet -algorithm ED25519 -out "$name.key" ;;
        *) echo "unknown key type $type" >&2; exit 1 ;;
    esac
}

# sign NAME SUBJECT ISSUER EXT START END [selfsign]
sign() {
    local name=$1 subject=$2 issuer=$3 ext=$4 start=$5 end=$6 mode=${7:-}
    reset_db
    openssl req -new -config "$WORK/ca.cnf" -key "$name.key" -subj "$subject" -out "$WORK/$name.csr" 2>/dev/null
    if [[ $mode == selfsign ]]; then
        openssl ca -batch -notext -config "$WORK/ca.cnf" -selfsign -keyfile "$name.key" \
            -extensions "$ext" -startdate "$start" -enddate "$end" \
            -in "$WORK/$name.csr" -out "$name.pem" 2>"$WORK/ca.log" || { cat "$WORK/ca.log" >&2; exit 1; }
    else
        openssl ca -batch -notext -config "$WORK/ca.cnf" -cert "$issuer.pem" -keyfile "$issuer.key" \
            -extensions "$ext" -startdate "$start" -enddate "$end" \
            -in "$WORK/$name.csr" -out "$name.pem" 2>"$WORK/ca.log" || { cat "$WORK/ca.log" >&2; exit 1; }
    fi
}

# leaf NAME KEYTYPE CN SAN EXT ISSUER [START END]: leaf, key and NAME.chain.pem (leaf + issuer)
leaf() {
    local name=$1 type=$2 cn=$3 san=$4 ext=$5 issuer=$6
    local start=${7:-$VALID_FROM} end=${8:-$VALID_UNTIL}
    new_key "$name" "$type"
    local key_usage=digitalSignature
    [[ $type == rsa* ]] && key_usage="digitalSignature, keyEncipherment"
    LEAF_SAN=$san LEAF_KEY_USAGE=$key_usage sign "$name" "/CN=$cn" "$issuer" "$ext" "$start" "$end"
    # A root is never sent by a server (OpenSSL would then report "self-signed certificate in
    # chain" instead of the unknown-issuer error the tests expect), so chains stop below roots.
    if [[ $issuer == *root-ca ]]; then
        cp "$name.pem" "$name.chain.pem"
    else
        cat "$name.pem" "$issuer.pem" >"$name.chain.pem"
    fi
}

LOCALHOST_SAN="DNS:localhost,IP:127.0.0.1,IP:::1"

if [[ $EXTRA_ONLY == no ]]; then
# Trusted hierarchy: root -> intermediate -> leaves.
new_key root-ca p256
sign root-ca "/CN=libtls Test Root CA" "" root_ca_ext "$VALID_FROM" "$VALID_UNTIL" selfsign
new_key intermediate-ca p256
sign intermediate-ca "/CN=libtls Test Intermediate CA" root-ca intermediate_ca_ext "$VALID_FROM" "$VALID_UNTIL"

leaf server-ecdsa-p256 p256 localhost "$LOCALHOST_SAN" server_ext intermediate-ca
leaf server-ecdsa-p384 p384 localhost "$LOCALHOST_SAN" server_ext intermediate-ca
leaf server-rsa2048 rsa2048 localhost "$LOCALHOST_SAN" server_ext intermediate-ca
leaf server-ed25519 ed25519 localhost "$LOCALHOST_SAN" server_ext intermediate-ca

leaf client-ecdsa-p256 p256 "libtls test client" "DNS:client.test" client_ext intermediate-ca
leaf client-rsa2048 rsa2048 "libtls test client rsa" "DNS:client.test" client_ext intermediate-ca
leaf client-ecdsa-p384 p384 "libtls test client p384" "DNS:client.test" client_ext intermediate-ca
leaf client-ed25519 ed25519 "libtls test client ed25519" "DNS:client.test" client_ext intermediate-ca

# Certificates that a correct verifier must reject.
leaf expired-localhost p256 localhost "$LOCALHOST_SAN" server_ext intermediate-ca \
    20200101000000Z 20210101000000Z
leaf notyetvalid-localhost p256 localhost "$LOCALHOST_SAN" server_ext intermediate-ca \
    21200101000000Z 21250101000000Z
leaf wrong-name p256 wrong.example "DNS:wrong.example" server_ext intermediate-ca

new_key untrusted-root-ca p256
sign untrusted-root-ca "/CN=Untrusted Root" "" root_ca_ext "$VALID_FROM" "$VALID_UNTIL" selfsign
leaf untrusted-localhost p256 localhost "$LOCALHOST_SAN" server_ext untrusted-root-ca
leaf untrusted-client p256 "untrusted test client" "DNS:client.test" client_ext untrusted-root-ca

# Legacy key encodings of the same keys, for the key-loader tests.
openssl ec -in server-ecdsa-p256.key -out server-ecdsa-p256.sec1.key 2>/dev/null
openssl rsa -traditional -in server-rsa2048.key -out server-rsa2048.pkcs1.key 2>/dev/null

# Both trust anchors together, for tests that accept either hierarchy.
cat root-ca.pem untrusted-root-ca.pem >all-roots.pem
fi

# Later additions, issued by the existing CAs (`--extra-only` remakes just these).
# want NAME: whether to make NAME.pem (always, unless --missing-only and it exists).
want() { [[ $MISSING_ONLY == no || ! -e $1.pem ]]; }

# A localhost certificate whose extended key usage allows client authentication only.
if want wrong-eku-localhost; then
    leaf wrong-eku-localhost p256 localhost "$LOCALHOST_SAN" client_ext intermediate-ca
fi
# A self-signed localhost leaf (not a CA), for X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT.
if want selfsigned-localhost; then
    new_key selfsigned-localhost p256
    LEAF_SAN=$LOCALHOST_SAN sign selfsigned-localhost "/CN=localhost" "" self_signed_leaf_ext \
        "$VALID_FROM" "$VALID_UNTIL" selfsign
    cp selfsigned-localhost.pem selfsigned-localhost.chain.pem
fi
# Wildcard names, for the host-flag tests (X509_CHECK_FLAG_NO_WILDCARDS).
if want wildcard-example; then
    leaf wildcard-example p256 "*.example.test" "DNS:*.example.test,DNS:exact.example.test" \
        server_ext intermediate-ca
fi
# A second intermediate of the root that issues nothing: a public CA certificate a peer can send
# beside its real chain (a decoy), and the one a verify callback in the tests pins.
if want pinned-intermediate-ca; then
    new_key pinned-intermediate-ca p256
    sign pinned-intermediate-ca "/CN=libtls Test Pinned Intermediate CA" root-ca \
        intermediate_ca_ext "$VALID_FROM" "$VALID_UNTIL"
fi
# A localhost leaf of the usual intermediate whose chain file sends the decoy first:
# leaf, pinned intermediate (not on the path), intermediate.
if want decoy-localhost; then
    leaf decoy-localhost p256 localhost "$LOCALHOST_SAN" server_ext intermediate-ca
    cat decoy-localhost.pem pinned-intermediate-ca.pem intermediate-ca.pem >decoy-localhost.chain.pem
fi
# Named exactly like the intermediate, issued by the root, but with another key: it signed none
# of the intermediate's leaves, so no path may use it.
if want impostor-intermediate-ca; then
    new_key impostor-intermediate-ca p256
    sign impostor-intermediate-ca "/CN=libtls Test Intermediate CA" root-ca \
        intermediate_ca_ext "$VALID_FROM" "$VALID_UNTIL"
fi

grep -q "BEGIN EC PRIVATE KEY" server-ecdsa-p256.sec1.key
grep -q "BEGIN RSA PRIVATE KEY" server-rsa2048.pkcs1.key
for chain in *.chain.pem; do
    root=root-ca.pem
    [[ $chain == untrusted-* ]] && root=untrusted-root-ca.pem
    case $chain in
        expired-*|notyetvalid-*|wrong-eku-*|selfsigned-*) continue ;;
    esac
    openssl verify -CAfile "$root" -untrusted "$chain" "${chain%.chain.pem}.pem" >/dev/null
    if [[ $chain != untrusted-* ]]; then
        ! openssl verify -CAfile untrusted-root-ca.pem -untrusted "$chain" "${chain%.chain.pem}.pem" \
            >/dev/null 2>&1
    fi
done
echo "test PKI written to $OUT"
