/*
 * libtls's stand-in for OpenSSL's <openssl/opensslv.h>. With `pkg-config --cflags libtls-openssl` (or
 * -I$(includedir)/libtls), a program written for OpenSSL's API includes this instead and builds
 * against libtls. Everything libtls implements is declared in <libtls.h>; this file adds the
 * names OpenSSL spells as macros. See docs/differences-from-openssl.md for what is missing.
 */
#ifndef LIBTLS_OPENSSL_OPENSSLV_H
#define LIBTLS_OPENSSL_OPENSSLV_H


/* Marks the compatibility headers, for code that wants to know what it is built against. */
#define LIBTLS_OPENSSL_COMPAT 1

/* The OpenSSL API generation libtls follows: code that tests the version to choose between
 * old and new calls takes the OpenSSL 3.0 path (TLS_client_method, SSL_get1_peer_certificate). */
#define OPENSSL_VERSION_MAJOR 3
#define OPENSSL_VERSION_MINOR 0
#define OPENSSL_VERSION_PATCH 0
#define OPENSSL_VERSION_NUMBER 0x30000000L
#define OPENSSL_VERSION_TEXT LIBTLS_VERSION_TEXT " (OpenSSL 3.0 API subset)"

#endif /* LIBTLS_OPENSSL_OPENSSLV_H */
