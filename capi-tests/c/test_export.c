/* Keying-material exporters over memory BIOs: SSL_export_keying_material gives both ends of a
 * connection the same bytes (TLS 1.2, RFC 5705, telling no context from an empty one; TLS 1.3,
 * RFC 8446 7.5, where they are the same), fails before the handshake and for labels TLS 1.2
 * reserves, and SSL_export_keying_material_early fails without early data. Every expectation
 * is OpenSSL's behaviour: the same source runs against it (make test-openssl).
 *
 *   test_export            run every test
 *   test_export NAME...    run only these
 *   test_export --list     print the test names
 * Run from the repository root (certificates are read from pki/). */
#define TEST_MEMORY_PAIR
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define LABEL "EXPERIMENTAL-libtls"

static int export(SSL *ssl, unsigned char *out, size_t len, const char *label, const char *context,
                  int use_context)
{
    return SSL_export_keying_material(ssl, out, len, label, strlen(label), (const unsigned char *)context,
                                      context ? strlen(context) : 0, use_context);
}

static int both_ends_agree(int version)
{
    struct pair p;
    unsigned char c1[64], s1[64], c2[64], s2[64], c3[64], s3[64], c4[64];
    int ok = 0;
    if (!pair_new(&p, version))
        return 0;
    CHECK(handshake(&p));
    /* No context, an empty context, a context. */
    CHECK(export(p.client, c1, sizeof c1, LABEL, NULL, 0) == 1);
    CHECK(export(p.server, s1, sizeof s1, LABEL, NULL, 0) == 1);
    CHECK(memcmp(c1, s1, sizeof c1) == 0);
    CHECK(export(p.client, c2, sizeof c2, LABEL, "", 1) == 1);
    CHECK(export(p.server, s2, sizeof s2, LABEL, "", 1) == 1);
    CHECK(memcmp(c2, s2, sizeof c2) == 0);
    CHECK(export(p.client, c3, sizeof c3, LABEL, "context", 1) == 1);
    CHECK(export(p.server, s3, sizeof s3, LABEL, "context", 1) == 1);
    CHECK(memcmp(c3, s3, sizeof c3) == 0);
    CHECK(memcmp(c2, c3, sizeof c2) != 0);
    /* RFC 5705 tells no context from an empty one; RFC 8446 7.5 does not. */
    if (version == TLS1_2_VERSION)
        CHECK(memcmp(c1, c2, sizeof c1) != 0);
    else
        CHECK(memcmp(c1, c2, sizeof c1) == 0);
    /* Another label, other bytes; a shorter output is not a prefix in TLS 1.3 (the length is
     * part of the derivation) and is one in TLS 1.2 (the PRF is a stream). */
    CHECK(export(p.client, c4, sizeof c4, LABEL "-other", NULL, 0) == 1);
    CHECK(memcmp(c1, c4, sizeof c1) != 0);
    CHECK(export(p.client, c4, 16, LABEL, NULL, 0) == 1);
    if (version == TLS1_2_VERSION)
        CHECK(memcmp(c1, c4, 16) == 0);
    else
        CHECK(memcmp(c1, c4, 16) != 0);
    ok = 1;
out:
    pair_free(&p);
    return ok;
}

static int test_export_tls12(void) { return both_ends_agree(TLS1_2_VERSION); }
static int test_export_tls13(void) { return both_ends_agree(TLS1_3_VERSION); }

static int test_export_before_the_handshake_fails(void)
{
    struct pair p;
    unsigned char out[32];
    int ok = 0;
    if (!pair_new(&p, TLS1_3_VERSION))
        return 0;
    CHECK(export(p.client, out, sizeof out, LABEL, NULL, 0) <= 0);
    /* libtls says why on the queue (OpenSSL returns -1 silently); SSL_get_error would read it. */
    ERR_clear_error();
    /* Mid-handshake: the client has sent its ClientHello only. */
    CHECK(step(p.client) == 0);
    CHECK(export(p.client, out, sizeof out, LABEL, NULL, 0) <= 0);
    ERR_clear_error();
    ok = 1;
out:
    pair_free(&p);
    return ok;
}

static int test_export_reserved_tls12_label_fails(void)
{
    struct pair p;
    unsigned char out[32];
    int ok = 0;
    if (!pair_new(&p, TLS1_2_VERSION))
        return 0;
    CHECK(handshake(&p));
    CHECK(export(p.client, out, sizeof out, "key expansion", NULL, 0) <= 0);
    CHECK(ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_TLS_ILLEGAL_EXPORTER_LABEL);
    ERR_clear_error();
    CHECK(export(p.client, out, sizeof out, "master secret", NULL, 0) <= 0);
    ERR_clear_error();
    ok = 1;
out:
    pair_free(&p);
    return ok;
}

static int test_export_early_without_early_data_fails(void)
{
    struct pair p;
    unsigned char out[32];
    int ok = 0;
    if (!pair_new(&p, TLS1_3_VERSION))
        return 0;
    CHECK(handshake(&p));
    CHECK(SSL_export_keying_material_early(p.client, out, sizeof out, LABEL, strlen(LABEL), NULL, 0) == 0);
    CHECK(SSL_export_keying_material_early(p.server, out, sizeof out, LABEL, strlen(LABEL), NULL, 0) == 0);
    ERR_clear_error();
    ok = 1;
out:
    pair_free(&p);
    return ok;
}

static const struct test_case tests[] = {
    {"export_tls12", test_export_tls12},
    {"export_tls13", test_export_tls13},
    {"export_before_the_handshake_fails", test_export_before_the_handshake_fails},
    {"export_reserved_tls12_label_fails", test_export_reserved_tls12_label_fails},
    {"export_early_without_early_data_fails", test_export_early_without_early_data_fails},
};

int main(int argc, char **argv)
{
    return run_test_cases("test_export", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}
