/* The server's ClientHello callback (SSL_CTX_set_client_hello_cb) over memory BIOs: it sees the
 * ClientHello's fields and extensions as sent, before the servername callback; it can fail the
 * handshake with its alert, or suspend it (SSL_ERROR_WANT_CLIENT_HELLO_CB) and be called again.
 * Every expectation is OpenSSL's behaviour: the same source runs against it (make
 * test-openssl); the cases marked libtls-only test what OpenSSL leaves undefined.
 *
 *   test_client_hello            run every test
 *   test_client_hello NAME...    run only these
 *   test_client_hello --list     print the test names
 * Run from the repository root (certificates are read from pki/). */
#define TEST_MEMORY_PAIR
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* What the callback saw and how it should answer. */
struct seen {
    int calls;
    int retries_left;          /* answer RETRY this many times first */
    int fail_with;             /* nonzero: answer ERROR with this alert */
    int order;                 /* a counter shared with the servername callback */
    int hello_order, servername_order;
    unsigned int legacy_version;
    size_t random_len, session_id_len, ciphers_len, compression_len;
    unsigned char compression[4];
    int isv2;
    int has_supported_versions, has_server_name, sni_ok, no_bogus_ext, ext_count;
    int order_ok;
    int reentry_refused;
    int try_reentry;
};

static struct seen seen;

static int hello_cb(SSL *s, int *al, void *arg)
{
    struct seen *w = arg;
    const unsigned char *p = NULL;
    size_t len = 0, i;
    int *exts = NULL;
    size_t nexts = 0;

    w->calls++;
    w->hello_order = ++w->order;
    w->legacy_version = SSL_client_hello_get0_legacy_version(s);
    w->isv2 = SSL_client_hello_isv2(s);
    w->random_len = SSL_client_hello_get0_random(s, &p);
    w->session_id_len = SSL_client_hello_get0_session_id(s, &p);
    w->ciphers_len = SSL_client_hello_get0_ciphers(s, &p);
    w->compression_len = SSL_client_hello_get0_compression_methods(s, &p);
    if (w->compression_len > 0 && w->compression_len <= sizeof w->compression)
        memcpy(w->compression, p, w->compression_len);
    if (SSL_client_hello_get1_extensions_present(s, &exts, &nexts) == 1) {
        w->ext_count = (int)nexts;
        for (i = 0; i < nexts; i++) {
            if (exts[i] == 43)
                w->has_supported_versions = 1;
            if (exts[i] == 0)
                w->has_server_name = 1;
        }
        OPENSSL_free(exts);
    }
    /* server_name: list length (2), type host_name (1), name length (2), "localhost". */
    if (SSL_client_hello_get0_ext(s, 0, &p, &len) == 1)
        w->sni_ok = len == 5 + 9 && p[2] == 0 && memcmp(p + 5, "localhost", 9) == 0;
    w->no_bogus_ext = SSL_client_hello_get0_ext(s, 0x7a7a + 1, &p, &len) == 0;
#if !defined(LIBTLS_TEST_OPENSSL) || OPENSSL_VERSION_NUMBER >= 0x30200000L
    {
        size_t n = 0;
        uint16_t order[64];
        w->order_ok = SSL_client_hello_get_extension_order(s, NULL, &n) == 1 && (int)n == w->ext_count &&
                      n <= 64 && SSL_client_hello_get_extension_order(s, order, &n) == 1;
    }
#else
    w->order_ok = 1;
#endif
#ifndef LIBTLS_TEST_OPENSSL
    if (w->try_reentry) {
        /* Driving the SSL from its own callback is refused, not a deadlock or a crash. */
        w->reentry_refused = SSL_do_handshake(s) == -1 && SSL_accept(s) == -1;
        ERR_clear_error();
    }
#endif
    if (w->retries_left > 0) {
        w->retries_left--;
        return SSL_CLIENT_HELLO_RETRY;
    }
    if (w->fail_with) {
        *al = w->fail_with;
        return SSL_CLIENT_HELLO_ERROR;
    }
    return SSL_CLIENT_HELLO_SUCCESS;
}

static int servername_cb(SSL *s, int *al, void *arg)
{
    struct seen *w = arg;
    (void)s;
    (void)al;
    w->servername_order = ++w->order;
    return SSL_TLSEXT_ERR_OK;
}

static int new_pair(struct pair *p, int version)
{
    memset(&seen, 0, sizeof seen);
    if (!pair_new(p, version))
        return 0;
    SSL_CTX_set_client_hello_cb(p->server_ctx, hello_cb, &seen);
    SSL_CTX_set_tlsext_servername_callback(p->server_ctx, servername_cb);
    SSL_CTX_set_tlsext_servername_arg(p->server_ctx, &seen);
    return 1;
}

static int inspects_the_client_hello(int version)
{
    struct pair p;
    int ok = 0;
    if (!new_pair(&p, version))
        return 0;
    CHECK(handshake(&p));
    CHECK(seen.calls == 1);
    CHECK(seen.hello_order == 1 && seen.servername_order == 2);
    CHECK(seen.legacy_version == TLS1_2_VERSION);
    CHECK(seen.isv2 == 0);
    CHECK(seen.random_len == 32);
    CHECK(seen.ciphers_len > 0 && seen.ciphers_len % 2 == 0);
    CHECK(seen.compression_len == 1 && seen.compression[0] == 0);
    CHECK(seen.has_server_name && seen.sni_ok);
    CHECK(seen.has_supported_versions == (version == TLS1_3_VERSION));
    CHECK(seen.no_bogus_ext);
    CHECK(seen.order_ok);
    /* Outside the callback there is no ClientHello to show. */
#ifndef LIBTLS_TEST_OPENSSL
    CHECK(SSL_client_hello_get0_random(p.server, NULL) == 0);
#endif
    ok = 1;
out:
    pair_free(&p);
    return ok;
}

static int test_inspect_tls12(void) { return inspects_the_client_hello(TLS1_2_VERSION); }
static int test_inspect_tls13(void) { return inspects_the_client_hello(TLS1_3_VERSION); }

static int test_fail_with_alert(void)
{
    struct pair p;
    int ok = 0, r;
    unsigned long e;
    if (!new_pair(&p, TLS1_3_VERSION))
        return 0;
    seen.fail_with = SSL_AD_ACCESS_DENIED;
    CHECK(step(p.client) == 0);
    deliver(p.client, p.server);
    r = SSL_do_handshake(p.server);
    CHECK(r <= 0 && SSL_get_error(p.server, r) == SSL_ERROR_SSL);
    CHECK(seen.calls == 1 && seen.servername_order == 0);
    ERR_clear_error();
    deliver(p.server, p.client);
    r = SSL_do_handshake(p.client);
    CHECK(r <= 0 && SSL_get_error(p.client, r) == SSL_ERROR_SSL);
    e = ERR_peek_last_error();
    CHECK(ERR_GET_REASON(e) == SSL_R_TLSV1_ALERT_ACCESS_DENIED);
    ERR_clear_error();
    ok = 1;
out:
    pair_free(&p);
    return ok;
}

static int retry_then_go_on(int version)
{
    struct pair p;
    int ok = 0, r;
    if (!new_pair(&p, version))
        return 0;
    seen.retries_left = 2;
    CHECK(step(p.client) == 0);
    deliver(p.client, p.server);
    r = SSL_do_handshake(p.server);
    CHECK(r == -1 && SSL_get_error(p.server, r) == SSL_ERROR_WANT_CLIENT_HELLO_CB);
    CHECK(SSL_want(p.server) == SSL_CLIENT_HELLO_CB);
    CHECK(seen.calls == 1 && seen.servername_order == 0);
    /* Nothing was sent meanwhile. */
    CHECK(BIO_ctrl_pending(SSL_get_wbio(p.server)) == 0);
    r = SSL_accept(p.server);
    CHECK(r == -1 && SSL_get_error(p.server, r) == SSL_ERROR_WANT_CLIENT_HELLO_CB);
    CHECK(seen.calls == 2);
    /* Third call: the callback says yes and the handshake goes on from that ClientHello. */
    r = SSL_do_handshake(p.server);
    CHECK(r == -1 && SSL_get_error(p.server, r) == SSL_ERROR_WANT_READ);
    CHECK(seen.calls == 3 && seen.servername_order == 4);
    CHECK(handshake(&p));
    CHECK(seen.calls == 3);
    ok = 1;
out:
    pair_free(&p);
    return ok;
}

static int test_retry_tls12(void) { return retry_then_go_on(TLS1_2_VERSION); }
static int test_retry_tls13(void) { return retry_then_go_on(TLS1_3_VERSION); }

#ifndef LIBTLS_TEST_OPENSSL
static int test_driving_from_the_callback_is_refused(void)
{
    struct pair p;
    int ok = 0;
    if (!new_pair(&p, TLS1_3_VERSION))
        return 0;
    seen.try_reentry = 1;
    CHECK(handshake(&p));
    CHECK(seen.reentry_refused);
    ok = 1;
out:
    pair_free(&p);
    return ok;
}
#endif

static const struct test_case tests[] = {
    {"inspect_tls12", test_inspect_tls12},
    {"inspect_tls13", test_inspect_tls13},
    {"fail_with_alert", test_fail_with_alert},
    {"retry_tls12", test_retry_tls12},
    {"retry_tls13", test_retry_tls13},
#ifndef LIBTLS_TEST_OPENSSL
    {"driving_from_the_callback_is_refused", test_driving_from_the_callback_is_refused},
#endif
};

int main(int argc, char **argv)
{
    return run_test_cases("test_client_hello", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}
