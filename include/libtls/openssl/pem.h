/*
 * libtls's stand-in for OpenSSL's <openssl/pem.h>. With `pkg-config --cflags libtls-openssl` (or
 * -I$(includedir)/libtls), a program written for OpenSSL's API includes this instead and builds
 * against libtls. Everything libtls implements is declared in <libtls.h>; this file adds the
 * names OpenSSL spells as macros. See docs/differences-from-openssl.md for what is missing.
 */
#ifndef LIBTLS_OPENSSL_PEM_H
#define LIBTLS_OPENSSL_PEM_H

#include <libtls.h>

/* libtls reads PEM files itself (SSL_CTX_use_certificate_chain_file, ...); it has no PEM_*
 * functions of its own. */

#endif /* LIBTLS_OPENSSL_PEM_H */
