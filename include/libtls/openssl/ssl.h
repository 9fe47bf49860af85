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
#include <openssl/ui.h>
#include <libtls.h>
#include <openssl/opensslconf.h>
#include <openssl/err.h>
#include <openssl/tls1.h>
/* As OpenSSL's: the SSL3_* protocol constants, among them the handshake message types
 * (SSL3_MT_*) a message callback names (curl's -v trace), and SSL3_VERSION_MAJOR. */
#include <openssl/ssl3.h>
#ifndef SSL3_VERSION_MAJOR
#define SSL3_VERSION_MAJOR 0x03
#define SSL3_VERSION_MINOR 0x00
#endif

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
/* OPENSSL_init_ssl's options (ignored: libtls needs no initialisation), 0 as aws-lc's
 * OPENSSL_INIT_* for libcrypto. */
#define OPENSSL_INIT_LOAD_SSL_STRINGS 0
#define OPENSSL_INIT_NO_LOAD_SSL_STRINGS 0

/* OpenSSL 1.0's method names: version-flexible methods, as in OpenSSL 1.1 and 3.0. */
#define SSLv23_method() TLS_method()
#define SSLv23_client_method() TLS_client_method()
#define SSLv23_server_method() TLS_server_method()

/* Options OpenSSL 3.0 keeps as 0: SSLv2 is gone, and fresh (EC)DH keys are always used. */
#define SSL_OP_NO_SSLv2 0
#define SSL_OP_SINGLE_DH_USE 0
#define SSL_OP_SINGLE_ECDH_USE 0

/* The negotiated cipher suite by name, version and strength (OpenSSL's macros). */
#define SSL_get_cipher(s) SSL_CIPHER_get_name(SSL_get_current_cipher(s))
#define SSL_get_cipher_name(s) SSL_CIPHER_get_name(SSL_get_current_cipher(s))
#define SSL_get_cipher_version(s) SSL_CIPHER_get_version(SSL_get_current_cipher(s))
#define SSL_get_cipher_bits(s, np) SSL_CIPHER_get_bits(SSL_get_current_cipher(s), (np))
#define SSL_get0_session(s) SSL_get_session(s)
#define SSL_want_x509_lookup(s) (SSL_want(s) == SSL_X509_LOOKUP)

/* Settings OpenSSL spells as SSL_CTX_ctrl / SSL_ctrl commands (see <libtls.h> for what each
 * does in libtls: DH parameters are accepted and ignored, as libtls has no finite-field DH). */
#define SSL_CTX_set_tmp_dh(ctx, dh) SSL_CTX_ctrl((ctx), SSL_CTRL_SET_TMP_DH, 0, (void *)(dh))
#define SSL_set_tmp_dh(ssl, dh) SSL_ctrl((ssl), SSL_CTRL_SET_TMP_DH, 0, (void *)(dh))
#define SSL_CTX_set_dh_auto(ctx, onoff) SSL_CTX_ctrl((ctx), SSL_CTRL_SET_DH_AUTO, (onoff), NULL)
#define SSL_set_dh_auto(ssl, onoff) SSL_ctrl((ssl), SSL_CTRL_SET_DH_AUTO, (onoff), NULL)
/* Calls (as OpenSSL 1.0.2 spells them), not ((onoff) != 0): programs that see
 * SSL_CTRL_SET_ECDH_AUTO call these as statements, which must not warn "statement with no
 * effect". Automatic curve choice is always on. */
#define SSL_CTX_set_ecdh_auto(ctx, onoff) SSL_CTX_ctrl((ctx), SSL_CTRL_SET_ECDH_AUTO, (onoff), NULL)
#define SSL_set_ecdh_auto(ssl, onoff) SSL_ctrl((ssl), SSL_CTRL_SET_ECDH_AUTO, (onoff), NULL)
#define SSL_CTX_add_extra_chain_cert(ctx, x509) \
    SSL_CTX_ctrl((ctx), SSL_CTRL_EXTRA_CHAIN_CERT, 0, (void *)(x509))
#define SSL_CTX_add0_chain_cert(ctx, x509) SSL_CTX_ctrl((ctx), SSL_CTRL_CHAIN_CERT, 0, (void *)(x509))
#define SSL_CTX_add1_chain_cert(ctx, x509) SSL_CTX_ctrl((ctx), SSL_CTRL_CHAIN_CERT, 1, (void *)(x509))
#define SSL_CTX_clear_chain_certs(ctx) SSL_CTX_ctrl((ctx), SSL_CTRL_CHAIN, 0, NULL)
#define SSL_CTX_get_extra_chain_certs(ctx, px509) \
    SSL_CTX_ctrl((ctx), SSL_CTRL_GET_EXTRA_CHAIN_CERTS, 0, (void *)(px509))
#define SSL_CTX_get_extra_chain_certs_only(ctx, px509) \
    SSL_CTX_ctrl((ctx), SSL_CTRL_GET_EXTRA_CHAIN_CERTS, 1, (void *)(px509))
#define SSL_CTX_get0_chain_certs(ctx, px509) \
    SSL_CTX_ctrl((ctx), SSL_CTRL_GET_CHAIN_CERTS, 0, (void *)(px509))
#define SSL_CTX_select_current_cert(ctx, x509) \
    SSL_CTX_ctrl((ctx), SSL_CTRL_SELECT_CURRENT_CERT, 0, (void *)(x509))
#define SSL_CTX_set0_chain(ctx, sk) SSL_CTX_ctrl((ctx), SSL_CTRL_CHAIN, 0, (void *)(sk))
#define SSL_CTX_set1_chain(ctx, sk) SSL_CTX_ctrl((ctx), SSL_CTRL_CHAIN, 1, (void *)(sk))
/* A connection's own chain, sent after SSL_use_certificate's certificate (a certificate
 * callback's usual calls). */
#define SSL_set0_chain(ssl, sk) SSL_ctrl((ssl), SSL_CTRL_CHAIN, 0, (void *)(sk))
#define SSL_set1_chain(ssl, sk) SSL_ctrl((ssl), SSL_CTRL_CHAIN, 1, (void *)(sk))
#define SSL_add0_chain_cert(ssl, x509) SSL_ctrl((ssl), SSL_CTRL_CHAIN_CERT, 0, (void *)(x509))
#define SSL_add1_chain_cert(ssl, x509) SSL_ctrl((ssl), SSL_CTRL_CHAIN_CERT, 1, (void *)(x509))
#define SSL_clear_chain_certs(ssl) SSL_set0_chain((ssl), NULL)

/* Restricts the ECDHE groups to the EC_KEY's curve (P-256, P-384 or P-521), as OpenSSL does. */
#define SSL_CTX_set_tmp_ecdh(ctx, ecdh) SSL_CTX_ctrl((ctx), SSL_CTRL_SET_TMP_ECDH, 0, (void *)(ecdh))

/* Stacks of libssl's own objects, with aws-lc's stack macros (sk_SSL_CIPHER_num, ...). SSL_COMP
 * exists for programs that ask for the compression methods: libtls has none
 * (OPENSSL_NO_COMP), SSL_COMP_get_compression_methods returns NULL. */
typedef struct ssl_comp_st SSL_COMP;
DEFINE_STACK_OF(SSL_COMP)
DEFINE_CONST_STACK_OF(SSL_CIPHER)

#endif /* LIBTLS_OPENSSL_SSL_H */
