/*
 * libtls's <openssl/ssl.h>. With `pkg-config --cflags libtls-openssl` (or -I$(includedir)/libtls),
 * a program written for OpenSSL's API includes this instead and builds against libtls. libtls's
 * TLS API is declared in <libtls.h>; the libcrypto headers beside this one are aws-lc's, whose
 * functions libtls.so exports. See docs/differences-from-openssl.md for what differs.
 */
#ifndef LIBTLS_OPENSSL_SSL_H
#define LIBTLS_OPENSSL_SSL_H

/* What OpenSSL's ssl.h brings in: aws-lc's libcrypto headers, then libtls's own API. */
#include <openssl/base.h>
#include <openssl/bio.h>
#include <openssl/buf.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/stack.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <libtls.h>
#include <openssl/err.h>
#include <openssl/tls1.h>

/* Library initialisation of OpenSSL 1.0 and 1.1: libtls needs none. */
#if defined(__GNUC__) || defined(__clang__)
#define LIBTLS_COMPAT_UNUSED __attribute__((unused))
#else
#define LIBTLS_COMPAT_UNUSED
#endif
/* A function, not a comma expression, so that a call as a statement does not warn. */
static LIBTLS_COMPAT_UNUSED int libtls_compat_init(unsigned long opts, const void *settings)
{
    (void)opts;
    (void)settings;
    return 1;
}
#define OPENSSL_init_ssl(opts, settings) libtls_compat_init((opts), (settings))
#define SSL_library_init() libtls_compat_init(0, 0)
#define OpenSSL_add_ssl_algorithms() libtls_compat_init(0, 0)
#define SSLeay_add_ssl_algorithms() libtls_compat_init(0, 0)
#define SSL_load_error_strings() ((void)0)

#endif /* LIBTLS_OPENSSL_SSL_H */
