/*
 * libtls's stand-in for OpenSSL's <openssl/tls1.h>. With `pkg-config --cflags libtls-openssl` (or
 * -I$(includedir)/libtls), a program written for OpenSSL's API includes this instead and builds
 * against libtls. Everything libtls implements is declared in <libtls.h>; this file adds the
 * names OpenSSL spells as macros. See docs/differences-from-openssl.md for what is missing.
 */
#ifndef LIBTLS_OPENSSL_TLS1_H
#define LIBTLS_OPENSSL_TLS1_H

#include <libtls.h>

#endif /* LIBTLS_OPENSSL_TLS1_H */
