/* Shared by the source-compatibility programs: reporting in a form the differential test
 * compares line by line. Only OpenSSL API names; nothing libtls-specific. */
#ifndef SOURCE_COMPAT_COMMON_H
#define SOURCE_COMPAT_COMMON_H

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_version(const char *name)
{
    if (strcmp(name, "1.2") == 0)
        return TLS1_2_VERSION;
    if (strcmp(name, "1.3") == 0)
        return TLS1_3_VERSION;
    fprintf(stderr, "unknown protocol version %s\n", name);
    exit(2);
}

/* Every entry of the error queue as library and reason numbers: texts differ between
 * implementations, the classes must not. */
static void report_errors(void)
{
    unsigned long e;
    while ((e = ERR_get_error()) != 0)
        printf("error: lib=%d reason=%d\n", ERR_GET_LIB(e), ERR_GET_REASON(e));
}

static void report_session(SSL *ssl)
{
    X509 *peer;
    char subject[256];
    int group;

    printf("version: %s\n", SSL_get_version(ssl));
    printf("cipher: %s\n", SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)));
    group = SSL_get_negotiated_group(ssl);
    printf("group: %s\n", group != 0 ? SSL_group_to_name(ssl, group) : "none");
    printf("verify: %ld\n", SSL_get_verify_result(ssl));
    peer = SSL_get1_peer_certificate(ssl);
    if (peer != NULL) {
        X509_NAME_oneline(X509_get_subject_name(peer), subject, (int)sizeof subject);
        printf("peer: %s\n", subject);
        X509_free(peer);
    } else {
        printf("peer: none\n");
    }
}

static void report_failure(const char *what, SSL *ssl, int ret)
{
    printf("%s: failed ssl_error=%d\n", what, SSL_get_error(ssl, ret));
    printf("verify: %ld\n", SSL_get_verify_result(ssl));
    report_errors();
}

#endif
