/*
 * libtls's <openssl/storeerr.h>: reason numbers of OpenSSL's ERR_LIB_OSSL_STORE, for programs that
 * name them when they decode errors (stunnel). libtls has no OSSL_STORE API and never queues
 * them. OpenSSL's numbers.
 */
#ifndef LIBTLS_OPENSSL_STOREERR_H
#define LIBTLS_OPENSSL_STOREERR_H

#define OSSL_STORE_R_BAD_PASSWORD_READ 115
#define OSSL_STORE_R_PASSPHRASE_CALLBACK_ERROR 114
#define OSSL_STORE_R_UI_PROCESS_INTERRUPTED_OR_CANCELLED 109
#define OSSL_STORE_R_UNSUPPORTED_OPERATION 118

#endif /* LIBTLS_OPENSSL_STOREERR_H */
