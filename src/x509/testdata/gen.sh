#!/bin/sh
# Regenerates the X.509 test fixtures and the `openssl x509` output the tests compare against.
# Run from this directory: sh gen.sh (needs the openssl CLI, 3.x). Private keys are thrown away.
set -eu
umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Self-signed P-256 root: the issuer of the RSA and P-384 leaves.
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/ca.key"
openssl req -new -x509 -key "$tmp/ca.key" -sha256 -days 3650 -set_serial 1 \
    -subj "/C=US/O=Example Test CA/CN=Example Root P-256" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca-p256.pem

# RSA-2048 leaf with many SAN entries and a serial whose top bit forces a leading zero byte.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rsa.key" 2>/dev/null
openssl req -new -key "$tmp/rsa.key" \
    -subj "/C=US/ST=California/L=San Francisco/O=Example Inc./OU=Engineering/CN=www.example.com/emailAddress=admin@example.com" \
    -out "$tmp/rsa.csr"
cat > "$tmp/rsa.ext" <<'EXT'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:www.example.com,DNS:example.com,DNS:*.api.example.com,IP:192.0.2.10,IP:2001:db8::1,IP:10.0.0.1,email:admin@example.com,URI:https://example.com/
EXT
openssl x509 -req -in "$tmp/rsa.csr" -CA ca-p256.pem -CAkey "$tmp/ca.key" -sha256 -days 825 \
    -set_serial 0xF1E2D3C4B5A6978812 -extfile "$tmp/rsa.ext" -out leaf-rsa2048.pem 2>/dev/null

# P-384 leaf for client authentication.
openssl ecparam -name secp384r1 -genkey -noout -out "$tmp/p384.key"
openssl req -new -key "$tmp/p384.key" -subj "/C=DE/O=Client Org/CN=client.example.net" -out "$tmp/p384.csr"
cat > "$tmp/p384.ext" <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=digitalSignature
extendedKeyUsage=clientAuth
subjectAltName=DNS:client.example.net
EXT
openssl x509 -req -in "$tmp/p384.csr" -CA ca-p256.pem -CAkey "$tmp/ca.key" -sha384 -days 365 \
    -set_serial 4660 -extfile "$tmp/p384.ext" -out leaf-p384.pem 2>/dev/null

# Self-signed Ed25519 with a UTF8String subject, valid past 2049 (so notAfter is GeneralizedTime).
openssl genpkey -algorithm ED25519 -out "$tmp/ed.key"
openssl req -new -x509 -key "$tmp/ed.key" -days 10000 -set_serial 0x0102030405060708 -utf8 \
    -subj "/C=FR/O=Bücher & Söhne, S.A./CN=Grüße 日本 ☃" \
    -addext "subjectAltName=DNS:xn--bcher-kva.example,IP:127.0.0.1,IP:::1" \
    -out ed25519-utf8.pem

# Every string type OpenSSL picks when allowed to (T61String for Latin-1, BMPString, UniversalString),
# a multi-valued RDN, characters RFC 2253 escapes, an unknown attribute OID, and a v1 certificate.
cat > "$tmp/mixed.cnf" <<'CNF'
oid_section = extra_oids
[extra_oids]
testAttribute = 1.2.3.4.5
[req]
distinguished_name = dn
string_mask = default
utf8 = yes
prompt = no
[dn]
CNF
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/mixed.key"
openssl req -new -key "$tmp/mixed.key" -config "$tmp/mixed.cnf" -multivalue-rdn -utf8 \
    -subj "/DC=com/DC=example/O=Müller, Lüdenscheid/OU=日本語+UID=jdoe/CN=#hash \"quoted\" a;b<c>d\\\\e /serialNumber=12345/testAttribute=custom value/L=𝄞 clef/street= lead" \
    -out "$tmp/mixed.csr"
openssl x509 -req -in "$tmp/mixed.csr" -key "$tmp/mixed.key" -days 30 -set_serial 7 \
    -out names-mixed.pem

for f in ca-p256 leaf-rsa2048 leaf-p384 ed25519-utf8 names-mixed; do
    {
        openssl x509 -in $f.pem -noout -subject -issuer -serial -dates -ext subjectAltName
        echo "--- rfc2253"
        openssl x509 -in $f.pem -noout -subject -issuer -nameopt RFC2253
        echo "--- compat"
        openssl x509 -in $f.pem -noout -subject -issuer -nameopt compat
        echo "--- fingerprint"
        openssl x509 -in $f.pem -noout -fingerprint -sha256
    } > $f.expected
done
