/*
 * libtls's stand-in for OpenSSL's <openssl/crypto.h>. With `pkg-config --cflags libtls-openssl` (or
 * -I$(includedir)/libtls), a program written for OpenSSL's API includes this instead and builds
 * against libtls. Everything libtls implements is declared in <libtls.h>; this file adds the
 * names OpenSSL spells as macros. See docs/differences-from-openssl.md for what is missing.
 */
#ifndef LIBTLS_OPENSSL_CRYPTO_H
#define LIBTLS_OPENSSL_CRYPTO_H

#include <libtls.h>
#include "opensslv.h"

/* OpenSSL_version() types; libtls answers each with its version text. */
#define OPENSSL_VERSION 0
#define OPENSSL_CFLAGS 1
#define OPENSSL_BUILT_ON 2
#define OPENSSL_PLATFORM 3
#define OPENSSL_DIR 4
#define OPENSSL_ENGINES_DIR 5
#define OPENSSL_VERSION_STRING 6
#define OPENSSL_FULL_VERSION_STRING 7
#define OPENSSL_MODULES_DIR 8
#define OPENSSL_CPU_INFO 9

#define OpenSSL_version(type) ((void)(type), libtls_version())
/* The API level (OPENSSL_VERSION_NUMBER); libtls_version_num() is the library release. */
#define OpenSSL_version_num() ((unsigned long)OPENSSL_VERSION_NUMBER)

/* libtls initialises itself on first use; the OpenSSL calls that did it succeed and do
 * nothing. A function, not a comma expression, so that a call as a statement does not warn. */
#if defined(__GNUC__) || defined(__clang__)
#define LIBTLS_COMPAT_UNUSED __attribute__((unused))
#else
#define LIBTLS_COMPAT_UNUSED
#endif
static LIBTLS_COMPAT_UNUSED int libtls_compat_init(unsigned long opts, const void *settings)
{
    (void)opts;
    (void)settings;
    return 1;
}
#define OPENSSL_init_crypto(opts, settings) libtls_compat_init((opts), (settings))
#define OPENSSL_cleanup() ((void)0)

#endif /* LIBTLS_OPENSSL_CRYPTO_H */
