/*
 * libtls's stand-in for OpenSSL's <openssl/x509_vfy.h>. With `pkg-config --cflags libtls-openssl` (or
 * -I$(includedir)/libtls), a program written for OpenSSL's API includes this instead and builds
 * against libtls. Everything libtls implements is declared in <libtls.h>; this file adds the
 * names OpenSSL spells as macros. See docs/differences-from-openssl.md for what is missing.
 */
#ifndef LIBTLS_OPENSSL_X509_VFY_H
#define LIBTLS_OPENSSL_X509_VFY_H

#include <libtls.h>

#endif /* LIBTLS_OPENSSL_X509_VFY_H */
