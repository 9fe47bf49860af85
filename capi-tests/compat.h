/* The one header every C source of the test harness and the CLIs includes: the same code builds
 * against libtls (default) and, for differential testing, against the system OpenSSL. */
#ifndef LIBTLS_COMPAT_H
#define LIBTLS_COMPAT_H

#ifdef LIBTLS_TEST_OPENSSL
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#else
#include <libtls.h>
#endif

#endif
