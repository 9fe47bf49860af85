/* OCSP stapling through the C API, over memory BIOs: the status callback in both roles, its
 * argument and the getters, the status type, the response buffer (taken over from
 * OPENSSL_malloc), in TLS 1.2 and TLS 1.3. Written against OpenSSL's API (these are macros over
 * SSL_ctrl there); the libtls-only checks are marked.
 *
 *   test_ocsp            run every test
 *   test_ocsp NAME...    run only these
 *   test_ocsp --list     print the test names
 * Run from the repository root (certificates are read from pki/). */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char RESPONSE[] = {0x30, 0x03, 0x0a, 0x01, 0x00, 0x42};

/* What the callbacks of one test do and saw. */
struct status_test {
    int server_answer;     /* SSL_TLSEXT_ERR_* the server's callback returns */
    int set_response;      /* the server's callback sets RESPONSE */
    int client_answer;     /* what the client's callback returns */
    int server_calls, client_calls;
    long client_saw_len;   /* what SSL_get_tlsext_status_ocsp_resp gave the client's callback */
    int client_saw_match;
    long server_saw_type;  /* SSL_get_tlsext_status_type in the server's callback */
};

static struct status_test current;

static int server_status_cb(SSL *ssl, void *arg)
{
    struct status_test *t = arg;
    t->server_calls++;
    t->server_saw_type = SSL_get_tlsext_status_type(ssl);
    if (t->set_response) {
        unsigned char *copy = OPENSSL_malloc(sizeof RESPONSE);
        if (!copy)
            return SSL_TLSEXT_ERR_ALERT_FATAL;
        memcpy(copy, RESPONSE, sizeof RESPONSE);
        if (SSL_set_tlsext_status_ocsp_resp(ssl, copy, (long)sizeof RESPONSE) != 1) {
            OPENSSL_free(copy);
            return SSL_TLSEXT_ERR_ALERT_FATAL;
        }
    }
    return t->server_answer;
}

static int client_status_cb(SSL *ssl, void *arg)
{
    struct status_test *t = arg;
    const unsigned char *resp = NULL;
    t->client_calls++;
    t->client_saw_len = SSL_get_tlsext_status_ocsp_resp(ssl, &resp);
    t->client_saw_match = t->client_saw_len == (long)sizeof RESPONSE && resp &&
                          memcmp(resp, RESPONSE, sizeof RESPONSE) == 0;
    return t->client_answer;
}

static SSL_CTX *server_ctx(int version)
{
    SSL_CTX *ctx = test_server_ctx("server-ecdsa-p256", version);
    if (!ctx)
        return NULL;
    SSL_CTX_set_tlsext_status_cb(ctx, server_status_cb);
    SSL_CTX_set_tlsext_status_arg(ctx, &current);
    return ctx;
}

static SSL_CTX *client_ctx(int request)
{
    SSL_CTX *ctx = test_client_ctx(0);
    if (!ctx)
        return NULL;
    if (request)
        SSL_CTX_set_tlsext_status_type(ctx, TLSEXT_STATUSTYPE_ocsp);
    SSL_CTX_set_tlsext_status_cb(ctx, client_status_cb);
    SSL_CTX_set_tlsext_status_arg(ctx, &current);
    return ctx;
}

/* The reason codes queued when the client failed (OpenSSL clears the queue when the server
 * side is driven next, so they are taken at once). */
static int client_reasons[8];
static int client_reason_count;

static void take_client_errors(void)
{
    unsigned long e;
    client_reason_count = 0;
    while ((e = ERR_get_error()) != 0)
        if (client_reason_count < 8)
            client_reasons[client_reason_count++] = ERR_GET_REASON(e);
}

/* A handshake over memory BIOs; returns 1 when both sides completed. The SSLs are left in
 * *client_out / *server_out for the caller to inspect and free. */
static int handshake(SSL_CTX *cctx, SSL_CTX *sctx, SSL **client_out, SSL **server_out)
{
    struct mem_result hs;
    if (mem_connect(cctx, sctx, client_out, server_out, &hs))
        return 1;
    if (hs.failed == 'c')
        take_client_errors();
    if (hs.failed)
        mem_read_alert(*client_out, *server_out, hs.failed); /* the other side reads the alert */
    return 0;
}

static int stapled(int version)
{
    SSL_CTX *sctx = server_ctx(version), *cctx = client_ctx(1);
    SSL *client, *server;
    const unsigned char *resp = NULL;
    REQUIRE(sctx && cctx);
    memset(&current, 0, sizeof current);
    current.server_answer = SSL_TLSEXT_ERR_OK;
    current.set_response = 1;
    current.client_answer = 1;
    REQUIRE(handshake(cctx, sctx, &client, &server));
    REQUIRE(current.server_calls == 1);
    REQUIRE(current.server_saw_type == TLSEXT_STATUSTYPE_ocsp);
    REQUIRE(current.client_calls == 1);
    REQUIRE(current.client_saw_match);
    REQUIRE(SSL_get_tlsext_status_ocsp_resp(client, &resp) == (long)sizeof RESPONSE);
    REQUIRE(memcmp(resp, RESPONSE, sizeof RESPONSE) == 0);
    REQUIRE(SSL_get_tlsext_status_type(client) == TLSEXT_STATUSTYPE_ocsp);
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_stapled_tls12(void) { return stapled(TLS1_2_VERSION); }
static int test_stapled_tls13(void) { return stapled(TLS1_3_VERSION); }

/* Without a request the server's callback does not run and the client's neither. */
static int test_not_requested(void)
{
    SSL_CTX *sctx = server_ctx(TLS1_3_VERSION), *cctx = client_ctx(0);
    SSL *client, *server;
    const unsigned char *resp = RESPONSE;
    REQUIRE(sctx && cctx);
    memset(&current, 0, sizeof current);
    current.set_response = 1;
    REQUIRE(handshake(cctx, sctx, &client, &server));
    REQUIRE(current.server_calls == 0);
    REQUIRE(current.client_calls == 0);
    REQUIRE(SSL_get_tlsext_status_ocsp_resp(client, &resp) == -1);
    REQUIRE(resp == NULL);
    REQUIRE(SSL_get_tlsext_status_type(server) == -1);
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

/* NOACK staples nothing, even with a response set; the client's callback still runs. */
static int test_server_declines(void)
{
    int versions[] = {TLS1_2_VERSION, TLS1_3_VERSION}, i;
    for (i = 0; i < 2; i++) {
        SSL_CTX *sctx = server_ctx(versions[i]), *cctx = client_ctx(1);
        SSL *client, *server;
        REQUIRE(sctx && cctx);
        memset(&current, 0, sizeof current);
        current.server_answer = SSL_TLSEXT_ERR_NOACK;
        current.set_response = 1;
        current.client_answer = 1;
        REQUIRE(handshake(cctx, sctx, &client, &server));
        REQUIRE(current.client_calls == 1);
        REQUIRE(current.client_saw_len == -1);
        SSL_free(client);
        SSL_free(server);
        SSL_CTX_free(cctx);
        SSL_CTX_free(sctx);
    }
    return 1;
}

/* A client callback's 0 fails the handshake with bad_certificate_status_response. */
static int test_client_rejects(void)
{
    int versions[] = {TLS1_2_VERSION, TLS1_3_VERSION}, i;
    for (i = 0; i < 2; i++) {
        SSL_CTX *sctx = server_ctx(versions[i]), *cctx = client_ctx(1);
        SSL *client, *server;
        int found = 0, r;
        REQUIRE(sctx && cctx);
        memset(&current, 0, sizeof current);
        current.server_answer = SSL_TLSEXT_ERR_OK;
        current.set_response = 1;
        current.client_answer = 0;
        ERR_clear_error();
        REQUIRE(!handshake(cctx, sctx, &client, &server));
        REQUIRE(current.client_calls == 1);
        for (r = 0; r < client_reason_count; r++)
            found |= client_reasons[r] == SSL_R_INVALID_STATUS_RESPONSE;
        REQUIRE(found);
        ERR_clear_error();
        SSL_free(client);
        SSL_free(server);
        SSL_CTX_free(cctx);
        SSL_CTX_free(sctx);
    }
    return 1;
}

/* A server callback's SSL_TLSEXT_ERR_ALERT_FATAL ends the handshake. */
static int test_server_fails(void)
{
    SSL_CTX *sctx = server_ctx(TLS1_3_VERSION), *cctx = client_ctx(1);
    SSL *client, *server;
    REQUIRE(sctx && cctx);
    memset(&current, 0, sizeof current);
    current.server_answer = SSL_TLSEXT_ERR_ALERT_FATAL;
    current.client_answer = 1;
    REQUIRE(!handshake(cctx, sctx, &client, &server));
    REQUIRE(current.server_calls == 1);
    REQUIRE(current.client_calls == 0);
    ERR_clear_error();
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

/* The setters and getters, as functions (libtls) or SSL_ctrl macros (OpenSSL). */
static int test_getters(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL *ssl;
    int (*cb)(SSL *, void *) = NULL;
    void *arg = NULL;
    const unsigned char *resp = RESPONSE;
    unsigned char *buf;
    REQUIRE(ctx);
    REQUIRE(SSL_CTX_get_tlsext_status_type(ctx) == -1);
    REQUIRE(SSL_CTX_get_tlsext_status_cb(ctx, &cb) == 1 && cb == NULL);
    REQUIRE(SSL_CTX_set_tlsext_status_cb(ctx, client_status_cb) == 1);
    REQUIRE(SSL_CTX_get_tlsext_status_cb(ctx, &cb) == 1 && cb == client_status_cb);
    REQUIRE(SSL_CTX_set_tlsext_status_arg(ctx, &current) == 1);
    REQUIRE(SSL_CTX_get_tlsext_status_arg(ctx, &arg) == 1 && arg == &current);
    REQUIRE(SSL_CTX_set_tlsext_status_type(ctx, TLSEXT_STATUSTYPE_ocsp) == 1);
    REQUIRE(SSL_CTX_get_tlsext_status_type(ctx) == TLSEXT_STATUSTYPE_ocsp);
    /* A new SSL starts with the context's type. */
    ssl = SSL_new(ctx);
    REQUIRE(ssl);
    REQUIRE(SSL_get_tlsext_status_type(ssl) == TLSEXT_STATUSTYPE_ocsp);
    REQUIRE(SSL_set_tlsext_status_type(ssl, -1) == 1);
    REQUIRE(SSL_get_tlsext_status_type(ssl) == -1);
    /* The response: none, then one taken over, then replaced (the first is freed). */
    REQUIRE(SSL_get_tlsext_status_ocsp_resp(ssl, &resp) == -1 && resp == NULL);
    buf = OPENSSL_malloc(sizeof RESPONSE);
    REQUIRE(buf);
    memcpy(buf, RESPONSE, sizeof RESPONSE);
    REQUIRE(SSL_set_tlsext_status_ocsp_resp(ssl, buf, (long)sizeof RESPONSE) == 1);
    REQUIRE(SSL_get_tlsext_status_ocsp_resp(ssl, &resp) == (long)sizeof RESPONSE && resp == buf);
    buf = OPENSSL_malloc(2);
    REQUIRE(buf);
    REQUIRE(SSL_set_tlsext_status_ocsp_resp(ssl, buf, 2) == 1);
    REQUIRE(SSL_get_tlsext_status_ocsp_resp(ssl, &resp) == 2);
#ifndef LIBTLS_TEST_OPENSSL
    /* libtls: the callback through SSL_CTX_callback_ctrl, as OpenSSL's macro passes it. */
    REQUIRE(SSL_CTX_callback_ctrl(ctx, SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB,
                                (void (*)(void))server_status_cb) == 1);
    REQUIRE(SSL_CTX_get_tlsext_status_cb(ctx, &cb) == 1 && cb == server_status_cb);
    REQUIRE(SSL_CTX_ctrl(ctx, SSL_CTRL_GET_TLSEXT_STATUS_REQ_CB_ARG, 0, &arg) == 1 && arg == &current);
    REQUIRE(SSL_ctrl(ssl, SSL_CTRL_GET_TLSEXT_STATUS_REQ_OCSP_RESP, 0, &resp) == 2);
    /* libtls refuses what cannot be sent: other status types, a response over 2^24-1 bytes
     * (the buffer stays the caller's), a negative length. */
    REQUIRE(SSL_set_tlsext_status_type(ssl, 2) == 0);
    REQUIRE(SSL_CTX_set_tlsext_status_type(ctx, 7) == 0);
    ERR_clear_error();
    buf = OPENSSL_malloc(1);
    REQUIRE(buf);
    REQUIRE(SSL_set_tlsext_status_ocsp_resp(ssl, buf, 1L << 24) == 0);
    REQUIRE(SSL_set_tlsext_status_ocsp_resp(ssl, buf, -1) == 0);
    ERR_clear_error();
    OPENSSL_free(buf);
    /* Length 0: nothing to staple (the empty buffer is freed). */
    buf = OPENSSL_malloc(1);
    REQUIRE(buf);
    REQUIRE(SSL_set_tlsext_status_ocsp_resp(ssl, buf, 0) == 1);
    REQUIRE(SSL_get_tlsext_status_ocsp_resp(ssl, &resp) == -1);
#endif
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return 1;
}

static const struct test_case tests[] = {
    {"stapled_tls12", test_stapled_tls12},
    {"stapled_tls13", test_stapled_tls13},
    {"not_requested", test_not_requested},
    {"server_declines", test_server_declines},
    {"client_rejects", test_client_rejects},
    {"server_fails", test_server_fails},
    {"getters", test_getters},
};

int main(int argc, char **argv)
{
    return run_test_cases("test_ocsp", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}
