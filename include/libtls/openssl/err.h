/*
 * libtls's stand-in for OpenSSL's <openssl/err.h>. With `pkg-config --cflags libtls-openssl` (or
 * -I$(includedir)/libtls), a program written for OpenSSL's API includes this instead and builds
 * against libtls. Everything libtls implements is declared in <libtls.h>; this file adds the
 * names OpenSSL spells as macros. See docs/differences-from-openssl.md for what is missing.
 */
#ifndef LIBTLS_OPENSSL_ERR_H
#define LIBTLS_OPENSSL_ERR_H

#include <libtls.h>
#include "crypto.h"

/* Error strings are always loaded. */
#define ERR_load_crypto_strings() ((void)0)
#define ERR_load_SSL_strings() ((void)0)
#define ERR_free_strings() ((void)0)

#endif /* LIBTLS_OPENSSL_ERR_H */
