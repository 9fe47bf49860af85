/*
 * libtls's stand-in for OpenSSL's <openssl/opensslconf.h>: the build configuration programs test
 * with #ifdef. OPENSSL_THREADS: libtls is thread-safe under OpenSSL's rules. Each OPENSSL_NO_*
 * names a feature libtls does not have, so that a program leaves out the code that needs it
 * instead of failing to compile or silently calling nothing. See
 * docs/differences-from-openssl.md.
 */
#ifndef LIBTLS_OPENSSL_OPENSSLCONF_H
#define LIBTLS_OPENSSL_OPENSSLCONF_H

#include "opensslv.h"

#ifndef OPENSSL_THREADS
#define OPENSSL_THREADS
#endif

/* Protocols: TLS 1.2 and 1.3 only. */
#define OPENSSL_NO_SSL2
#define OPENSSL_NO_SSL3
#define OPENSSL_NO_SSL3_METHOD
#define OPENSSL_NO_TLS1
#define OPENSSL_NO_TLS1_METHOD
#define OPENSSL_NO_TLS1_1
#define OPENSSL_NO_TLS1_1_METHOD
#define OPENSSL_NO_DTLS
#define OPENSSL_NO_DTLS1
#define OPENSSL_NO_DTLS1_METHOD
#define OPENSSL_NO_DTLS1_2
#define OPENSSL_NO_DTLS1_2_METHOD
#define OPENSSL_NO_QUIC

/* libssl features libtls does not implement. */
#define OPENSSL_NO_COMP
#define OPENSSL_NO_SRP
#define OPENSSL_NO_SRTP
#define OPENSSL_NO_NEXTPROTONEG
#define OPENSSL_NO_CT
#define OPENSSL_NO_HEARTBEATS
#define OPENSSL_NO_WEAK_SSL_CIPHERS
#define OPENSSL_NO_ENGINE
#define OPENSSL_NO_SCTP
#define OPENSSL_NO_KTLS

#endif /* LIBTLS_OPENSSL_OPENSSLCONF_H */
