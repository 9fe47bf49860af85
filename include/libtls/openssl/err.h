/*
 * libtls's <openssl/err.h>. The other OpenSSL-named headers of this directory are aws-lc's
 * (generated into the build tree), whose libcrypto libtls.so exports; the error queue is
 * libtls's own, one queue for both halves: errors aws-lc's functions raise join it, renumbered
 * the way OpenSSL 3 packs codes (library in bits 23..30, reason in bits 0..22), so
 * ERR_GET_LIB(e) == ERR_LIB_PEM works as with OpenSSL 3. Reasons keep aws-lc's numbers, which
 * the *_R_* macros of aws-lc's headers name. See docs/differences-from-openssl.md.
 */
#ifndef LIBTLS_OPENSSL_ERR_H
#define LIBTLS_OPENSSL_ERR_H

#include <openssl/base.h>
#include <libtls.h>

#if defined(__cplusplus)
extern "C" {
#endif

/* Libraries, numbered as OpenSSL 3 numbers them. */
#define ERR_LIB_NONE 1
#define ERR_LIB_SYS 2
#define ERR_LIB_BN 3
#define ERR_LIB_RSA 4
#define ERR_LIB_DH 5
#define ERR_LIB_EVP 6
#define ERR_LIB_BUF 7
#define ERR_LIB_OBJ 8
#define ERR_LIB_PEM 9
#define ERR_LIB_DSA 10
#define ERR_LIB_X509 11
#define ERR_LIB_ASN1 13
#define ERR_LIB_CONF 14
#define ERR_LIB_CRYPTO 15
#define ERR_LIB_EC 16
#define ERR_LIB_SSL 20
#define ERR_LIB_BIO 32
#define ERR_LIB_PKCS7 33
#define ERR_LIB_X509V3 34
#define ERR_LIB_PKCS12 35
#define ERR_LIB_RAND 36
#define ERR_LIB_DSO 37
#define ERR_LIB_ENGINE 38
#define ERR_LIB_OCSP 39
#define ERR_LIB_UI 40
#define ERR_LIB_COMP 41
#define ERR_LIB_ECDSA 42
#define ERR_LIB_ECDH 43
#define ERR_LIB_OSSL_STORE 44
#define ERR_LIB_FIPS 45
#define ERR_LIB_CMS 46
#define ERR_LIB_TS 47
#define ERR_LIB_HMAC 48
#define ERR_LIB_CT 50
#define ERR_LIB_ASYNC 51
#define ERR_LIB_KDF 52
#define ERR_LIB_SM2 53
#define ERR_LIB_USER 128
/* aws-lc's libraries OpenSSL 3 does not have join the nearest one. */
#define ERR_LIB_PKCS8 ERR_LIB_PKCS12
#define ERR_LIB_DIGEST ERR_LIB_EVP
#define ERR_LIB_CIPHER ERR_LIB_EVP
#define ERR_LIB_HKDF ERR_LIB_KDF

#define ERR_GET_FUNC(e) 0
#define ERR_PACK(lib, func, reason) \
    ((((unsigned long)(lib) & 0xFFUL) << 23) | ((unsigned long)(reason) & 0x7FFFFFUL))
#define ERR_FATAL_ERROR(e) 0

/* The flags ERR_get_error_line_data and ERR_peek_error_data report for an entry's data:
 * libtls's entries carry a string (the plain-words detail) that the library owns. */
#define ERR_TXT_MALLOCED 0x01
#define ERR_TXT_STRING 0x02

/* Reasons every library may raise: aws-lc's numbers, which its functions queue. */
#define ERR_R_FATAL 64
#define ERR_R_MALLOC_FAILURE (1 | ERR_R_FATAL)
#define ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED (2 | ERR_R_FATAL)
#define ERR_R_PASSED_NULL_PARAMETER (3 | ERR_R_FATAL)
#define ERR_R_INTERNAL_ERROR (4 | ERR_R_FATAL)
#define ERR_R_OVERFLOW (5 | ERR_R_FATAL)
#define ERR_R_SYS_LIB 2
#define ERR_R_BN_LIB 3
#define ERR_R_RSA_LIB 4
#define ERR_R_DH_LIB 5
#define ERR_R_EVP_LIB 6
#define ERR_R_BUF_LIB 7
#define ERR_R_OBJ_LIB 8
#define ERR_R_PEM_LIB 9
#define ERR_R_DSA_LIB 10
#define ERR_R_X509_LIB 11
#define ERR_R_ASN1_LIB 12
#define ERR_R_EC_LIB 15
#define ERR_R_BIO_LIB 17

/* Error strings are always loaded; there is no per-thread state to free. */
#define ERR_load_crypto_strings() ((void)0)
#define ERR_load_SSL_strings() ((void)0)
#define ERR_load_BIO_strings() ((void)0)
#define ERR_free_strings() ((void)0)
#define ERR_remove_state(pid) ((void)(pid))
#define ERR_remove_thread_state(tid) ((void)(tid))

/* aws-lc's functions that add to the queue (its entries join libtls's queue). */
OPENSSL_EXPORT void ERR_put_error(int library, int unused, int reason, const char *file,
                                  unsigned line);
OPENSSL_EXPORT void ERR_add_error_data(unsigned count, ...);
OPENSSL_EXPORT void ERR_add_error_dataf(const char *format, ...);
OPENSSL_EXPORT const char *ERR_func_error_string(unsigned long packed_error);

#if defined(__cplusplus)
}
#endif

#endif /* LIBTLS_OPENSSL_ERR_H */
