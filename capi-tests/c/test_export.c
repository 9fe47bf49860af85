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
#include "compat.h"
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PKI "pki/"

static char failure[512];

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            snprintf(failure, sizeof failure, "%s:%d: %s", __FILE__, __LINE__, #cond);   \
            goto out;                                                                    \
        }                                                                                \
    } while (0)

/* A client and a server joined by memory BIOs; `version` pins both to one protocol version. */
struct pair {
    SSL_CTX *client_ctx, *server_ctx;
    SSL *client, *server;
};

static void pair_free(struct pair *p)
{
    SSL_free(p->client);
    SSL_free(p->server);
    SSL_CTX_free(p->client_ctx);
    SSL_CTX_free(p->server_ctx);
}

static int pair_new(struct pair *p, int version)
{
    BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
    BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
    memset(p, 0, sizeof *p);
    p->client_ctx = SSL_CTX_new(TLS_client_method());
    p->server_ctx = SSL_CTX_new(TLS_server_method());
    if (!p->client_ctx || !p->server_ctx || !c_in || !c_out || !s_in || !s_out)
        goto fail;
    if (SSL_CTX_use_certificate_chain_file(p->server_ctx, PKI "server-ecdsa-p256.chain.pem") != 1 ||
        SSL_CTX_use_PrivateKey_file(p->server_ctx, PKI "server-ecdsa-p256.key", SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_load_verify_locations(p->client_ctx, PKI "root-ca.pem", NULL) != 1)
        goto fail;
    if (!SSL_CTX_set_min_proto_version(p->client_ctx, version) ||
        !SSL_CTX_set_max_proto_version(p->client_ctx, version) ||
        !SSL_CTX_set_min_proto_version(p->server_ctx, version) ||
        !SSL_CTX_set_max_proto_version(p->server_ctx, version))
        goto fail;
    /* No tickets: the first server flight then ends the same way in every library, and
     * nothing but the test's own data follows the handshake. */
    SSL_CTX_set_options(p->server_ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(p->server_ctx, 0);
    SSL_CTX_set_verify(p->client_ctx, SSL_VERIFY_PEER, NULL);
    p->client = SSL_new(p->client_ctx);
    p->server = SSL_new(p->server_ctx);
    if (!p->client || !p->server)
        goto fail;
    SSL_set_bio(p->client, c_in, c_out);
    SSL_set_bio(p->server, s_in, s_out);
    SSL_set_connect_state(p->client);
    SSL_set_accept_state(p->server);
    SSL_set_tlsext_host_name(p->client, "localhost");
    return 1;
fail:
    if (!p->client) {
        BIO_free(c_in);
        BIO_free(c_out);
    }
    if (!p->server) {
        BIO_free(s_in);
        BIO_free(s_out);
    }
    pair_free(p);
    return 0;
}

/* Moves every byte `from` has written to `to`'s input; returns how many. */
static int deliver(SSL *from, SSL *to)
{
    char buf[4096];
    int n, total = 0;
    while ((n = BIO_read(SSL_get_wbio(from), buf, sizeof buf)) > 0) {
        BIO_write(SSL_get_rbio(to), buf, n);
        total += n;
    }
    return total;
}

/* One SSL_do_handshake step on `ssl`: 1 done, 0 waiting for the peer, -1 failed. */
static int step(SSL *ssl)
{
    int r = SSL_do_handshake(ssl);
    if (r == 1)
        return 1;
    return SSL_get_error(ssl, r) == SSL_ERROR_WANT_READ ? 0 : -1;
}

static int handshake(struct pair *p)
{
    int c = 0, s = 0, rounds;
    for (rounds = 0; rounds < 20 && !(c == 1 && s == 1); rounds++) {
        if ((c = step(p->client)) < 0)
            return 0;
        deliver(p->client, p->server);
        if ((s = step(p->server)) < 0)
            return 0;
        deliver(p->server, p->client);
    }
    return c == 1 && s == 1;
}


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
