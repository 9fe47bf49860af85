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

/* The OpenSSL API level the compat headers offer as a whole. libssl follows OpenSSL 3.0's
 * names (TLS_client_method, SSL_get1_peer_certificate are there), but libcrypto is aws-lc's,
 * whose API is OpenSSL 1.1.1's: no providers, OSSL_PARAM, OSSL_DECODER or core_names.h. A
 * program that tests the version to choose between the 1.1.1 and 3.0 libcrypto calls must take
 * the 1.1.1 path, so the number is aws-lc's own (1.1.1g) and the 3.0-only OPENSSL_VERSION_MAJOR
 * family is not defined. */
#define OPENSSL_VERSION_NUMBER 0x1010107fL
#define SSLEAY_VERSION_NUMBER OPENSSL_VERSION_NUMBER
#define OPENSSL_VERSION_TEXT LIBTLS_VERSION_TEXT " (OpenSSL 1.1.1 API, libssl names of 3.0)"

#endif /* LIBTLS_OPENSSL_OPENSSLV_H */
