/*
 * libtls's stand-in for OpenSSL's <openssl/bio.h>. With `pkg-config --cflags libtls-openssl` (or
 * -I$(includedir)/libtls), a program written for OpenSSL's API includes this instead and builds
 * against libtls. Everything libtls implements is declared in <libtls.h>; this file adds the
 * names OpenSSL spells as macros. See docs/differences-from-openssl.md for what is missing.
 */
#ifndef LIBTLS_OPENSSL_BIO_H
#define LIBTLS_OPENSSL_BIO_H

#include <libtls.h>

/* libtls has no BIO objects yet: SSL objects do their I/O on a file descriptor (SSL_set_fd). */

#endif /* LIBTLS_OPENSSL_BIO_H */
