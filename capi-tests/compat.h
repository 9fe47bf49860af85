/* The one header every C source of the test harness and the CLIs includes: the same code builds
 * against libtls (default) and, for differential testing, against the system OpenSSL. */
#ifndef LIBTLS_COMPAT_H
#define LIBTLS_COMPAT_H

/* Against libtls, the openssl/ headers are the build tree's (build/include/libtls: aws-lc's libcrypto
 * headers and libtls's ssl.h), and <libtls.h> adds libtls's own names. */
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/evp.h>
#include <openssl/bio.h>
#ifndef LIBTLS_TEST_OPENSSL
#include <libtls.h>
#endif

#endif
