/*
 * libtls's stand-in for OpenSSL's <openssl/ssl.h>. With `pkg-config --cflags libtls-openssl` (or
 * -I$(includedir)/libtls), a program written for OpenSSL's API includes this instead and builds
 * against libtls. Everything libtls implements is declared in <libtls.h>; this file adds the
 * names OpenSSL spells as macros. See docs/differences-from-openssl.md for what is missing.
 */
#ifndef LIBTLS_OPENSSL_SSL_H
#define LIBTLS_OPENSSL_SSL_H

#include <libtls.h>
#include "crypto.h"
#include "err.h"
#include "x509.h"
#include "bio.h"
#include "tls1.h"

/* Library initialisation of OpenSSL 1.0 and 1.1: libtls needs none. */
#define OPENSSL_init_ssl(opts, settings) libtls_compat_init((opts), (settings))
#define SSL_library_init() libtls_compat_init(0, 0)
#define OpenSSL_add_ssl_algorithms() libtls_compat_init(0, 0)
#define SSLeay_add_ssl_algorithms() libtls_compat_init(0, 0)
#define SSL_load_error_strings() ((void)0)

#endif /* LIBTLS_OPENSSL_SSL_H */
