/* The application's callbacks calling back into the SSL they were given, while the library is
 * in the middle of using it (libtls only: in OpenSSL most of these are use-after-free or
 * undefined behaviour). libtls refuses SSL_read, SSL_write, SSL_do_handshake, SSL_shutdown,
 * SSL_clear and SSL_key_update from a callback of the same SSL (SSL_R_CALLED_FROM_CALLBACK)
 * and defers SSL_free until the call that ran the callback returns. Run under AddressSanitizer
 * by make check-asan, which catches any use of the freed SSL, and any leak.
 *
 *   test_reentry            run every test
 *   test_reentry NAME...    run only these
 *   test_reentry --list     print the test names
 * Run from the repository root (certificates are read from pki/). */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Which callback acts, and what it does to its SSL. */
enum hook { INFO, MSG, KEYLOG, VERIFY, SERVERNAME, ALPN, NEW_SESSION, CERT };
enum action { DO_FREE, DO_READ, DO_WRITE, DO_HANDSHAKE, DO_SHUTDOWN, DO_CLEAR, DO_KEY_UPDATE };

static struct {
    enum hook hook;
    enum action action;
    int acted;       /* the callback ran its action once */
    SSL *freed;      /* the SSL it freed (never to be touched again) */
    int result;      /* what the refused call returned */
    int reason;      /* the reason it queued */
    int queue_empty; /* nothing else was queued */
} run;

static void act(SSL *ssl, enum hook hook)
{
    char buf[16];
    unsigned long e;
    if (hook != run.hook || run.acted)
        return;
    run.acted = 1;
    switch (run.action) {
    case DO_FREE:
        SSL_free(ssl);
        run.freed = ssl;
        /* Deferred: the SSL is still usable inside the callback. */
        run.result = SSL_is_server(ssl);
        return;
    case DO_READ:
        run.result = SSL_read(ssl, buf, sizeof buf);
        break;
    case DO_WRITE:
        run.result = SSL_write(ssl, "x", 1);
        break;
    case DO_HANDSHAKE:
        run.result = SSL_do_handshake(ssl);
        break;
    case DO_SHUTDOWN:
        run.result = SSL_shutdown(ssl);
        break;
    case DO_CLEAR:
        run.result = SSL_clear(ssl);
        break;
    case DO_KEY_UPDATE:
        run.result = SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED);
        break;
    }
    /* The refusal is on the queue; take it off so the running call carries on as usual. */
    e = ERR_get_error();
    run.reason = ERR_GET_REASON(e);
    run.queue_empty = ERR_peek_error() == 0;
}

static void info_cb(const SSL *ssl, int where, int ret)
{
    (void)where;
    (void)ret;
    act((SSL *)ssl, INFO);
}

static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl,
                   void *arg)
{
    (void)write_p, (void)version, (void)content_type, (void)buf, (void)len, (void)arg;
    act(ssl, MSG);
}

static void keylog_cb(const SSL *ssl, const char *line)
{
    (void)line;
    act((SSL *)ssl, KEYLOG);
}

static int verify_cb(int ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    act(ssl, VERIFY);
    return ok;
}

static int servername_cb(SSL *ssl, int *alert, void *arg)
{
    (void)alert, (void)arg;
    act(ssl, SERVERNAME);
    return SSL_TLSEXT_ERR_OK;
}

static int alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                   unsigned int inlen, void *arg)
{
    (void)arg;
    act(ssl, ALPN);
    if (inlen < 1 || in[0] + 1u > inlen)
        return SSL_TLSEXT_ERR_NOACK;
    *out = in + 1;
    *outlen = in[0];
    return SSL_TLSEXT_ERR_OK;
}

static int new_session_cb(SSL *ssl, SSL_SESSION *session)
{
    (void)session;
    act(ssl, NEW_SESSION);
    return 0;
}

static int cert_cb(SSL *ssl, void *arg)
{
    (void)arg;
    act(ssl, CERT);
    return 1;
}

struct pair {
    SSL_CTX *client_ctx, *server_ctx;
    SSL *client, *server;
};

/* Frees what is left: an SSL freed by a callback is not freed again. */
static void pair_free(struct pair *p)
{
    if (p->client != run.freed)
        SSL_free(p->client);
    if (p->server != run.freed)
        SSL_free(p->server);
    SSL_CTX_free(p->client_ctx);
    SSL_CTX_free(p->server_ctx);
}

static int pair_new(struct pair *p)
{
    static const unsigned char protos[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    memset(p, 0, sizeof *p);
    p->client_ctx = test_client_ctx(0);
    p->server_ctx = test_server_ctx("server-ecdsa-p256", 0);
    if (!p->client_ctx || !p->server_ctx)
        goto fail;
    SSL_CTX_set_info_callback(p->client_ctx, info_cb);
    SSL_CTX_set_msg_callback(p->client_ctx, msg_cb);
    SSL_CTX_set_keylog_callback(p->client_ctx, keylog_cb);
    SSL_CTX_set_verify(p->client_ctx, SSL_VERIFY_PEER, verify_cb);
    SSL_CTX_set_session_cache_mode(p->client_ctx, SSL_SESS_CACHE_CLIENT);
    SSL_CTX_sess_set_new_cb(p->client_ctx, new_session_cb);
    SSL_CTX_set_tlsext_servername_callback(p->server_ctx, servername_cb);
    SSL_CTX_set_alpn_select_cb(p->server_ctx, alpn_cb, NULL);
    SSL_CTX_set_cert_cb(p->server_ctx, cert_cb, NULL);
    if (!mem_link(p->client_ctx, p->server_ctx, &p->client, &p->server))
        goto fail;
    SSL_set_tlsext_host_name(p->client, "localhost");
    if (SSL_set_alpn_protos(p->client, protos, sizeof protos) != 0)
        goto fail;
    return 1;
fail:
    pair_free(p);
    return 0;
}

/* deliver(), unless a callback freed either SSL. */
static int live_deliver(SSL *from, SSL *to)
{
    if (from == run.freed || to == run.freed)
        return 0;
    return deliver(from, to);
}

/* One SSL_do_handshake step: 1 done, 0 waiting, -1 failed, -2 the SSL was freed meanwhile. */
static int live_step(SSL *ssl)
{
    int r = SSL_do_handshake(ssl);
    if (ssl == run.freed)
        return -2; /* gone: not even SSL_get_error may look at it */
    if (r == 1)
        return 1;
    return SSL_get_error(ssl, r) == SSL_ERROR_WANT_READ ? 0 : -1;
}

/* The handshake, then 5 bytes from the server read by the client (which reads the tickets). */
static int exchange(struct pair *p)
{
    char buf[16];
    int c = 0, s = 0, rounds, r;
    for (rounds = 0; rounds < 20 && !(c == 1 && s == 1); rounds++) {
        if ((c = live_step(p->client)) < 0)
            return c;
        live_deliver(p->client, p->server);
        if ((s = live_step(p->server)) < 0)
            return s;
        live_deliver(p->server, p->client);
    }
    if (!(c == 1 && s == 1))
        return -1;
    if (SSL_write(p->server, "hello", 5) != 5)
        return -1;
    live_deliver(p->server, p->client);
    r = SSL_read(p->client, buf, sizeof buf);
    if (p->client == run.freed)
        return -2;
    return r == 5 && memcmp(buf, "hello", 5) == 0 ? 1 : -1;
}

static const char *hook_name[] = {"info", "msg", "keylog", "verify", "servername", "alpn", "new_session", "cert"};

/* The callback frees its SSL: the call running it finishes on the still-valid object, and the
 * SSL is freed when that call returns (ASan reports any later use, or a leak). */
static int free_from(enum hook hook)
{
    struct pair p;
    int r;
    memset(&run, 0, sizeof run);
    run.hook = hook;
    run.action = DO_FREE;
    if (!pair_new(&p)) {
        snprintf(failure, sizeof failure, "cannot make the pair");
        return 0;
    }
    r = exchange(&p);
    CHECK(run.acted);
    CHECK(r == -2);
    CHECK(run.freed == p.client || run.freed == p.server);
    CHECK(run.result == (run.freed == p.server));
    pair_free(&p);
    return 1;
out:
    fprintf(stderr, "hook %s\n", hook_name[hook]);
    pair_free(&p);
    return 0;
}

/* The callback drives its SSL: refused, nothing changes, and the connection goes on. */
static int refused_from(enum hook hook, enum action action)
{
    struct pair p;
    memset(&run, 0, sizeof run);
    run.hook = hook;
    run.action = action;
    if (!pair_new(&p)) {
        snprintf(failure, sizeof failure, "cannot make the pair");
        return 0;
    }
    CHECK(exchange(&p) == 1);
    CHECK(run.acted);
    CHECK(run.result == (action == DO_CLEAR || action == DO_KEY_UPDATE ? 0 : -1));
#ifndef LIBTLS_TEST_OPENSSL
    CHECK(run.reason == SSL_R_CALLED_FROM_CALLBACK);
#endif
    CHECK(run.queue_empty);
    pair_free(&p);
    return 1;
out:
    fprintf(stderr, "hook %s, action %d\n", hook_name[hook], action);
    pair_free(&p);
    return 0;
}

static int test_free_from_info_callback(void) { return free_from(INFO); }
static int test_free_from_msg_callback(void) { return free_from(MSG); }
static int test_free_from_keylog_callback(void) { return free_from(KEYLOG); }
static int test_free_from_verify_callback(void) { return free_from(VERIFY); }
static int test_free_from_servername_callback(void) { return free_from(SERVERNAME); }
static int test_free_from_alpn_callback(void) { return free_from(ALPN); }
static int test_free_from_new_session_callback(void) { return free_from(NEW_SESSION); }
static int test_free_from_cert_callback(void) { return free_from(CERT); }

/* Every driving call from every callback. */
static int test_driving_calls_from_callbacks_are_refused(void)
{
    enum hook h;
    enum action a;
    for (h = INFO; h <= CERT; h++)
        for (a = DO_READ; a <= DO_KEY_UPDATE; a++)
            if (!refused_from(h, a))
                return 0;
    return 1;
}

/* After the refused calls the same SSL works normally once the callback has returned. */
static int test_calls_after_the_callback_work(void)
{
    struct pair p;
    char buf[8];
    memset(&run, 0, sizeof run);
    run.hook = SERVERNAME;
    run.action = DO_CLEAR;
    if (!pair_new(&p)) {
        snprintf(failure, sizeof failure, "cannot make the pair");
        return 0;
    }
    CHECK(exchange(&p) == 1);
    CHECK(run.acted && run.result == 0);
    CHECK(SSL_write(p.client, "ping", 4) == 4);
    live_deliver(p.client, p.server);
    CHECK(SSL_read(p.server, buf, sizeof buf) == 4);
    CHECK(SSL_key_update(p.server, SSL_KEY_UPDATE_NOT_REQUESTED) == 1);
    CHECK(SSL_shutdown(p.server) == 0);
    pair_free(&p);
    return 1;
out:
    pair_free(&p);
    return 0;
}

static const struct test_case tests[] = {
    {"free_from_info_callback", test_free_from_info_callback},
    {"free_from_msg_callback", test_free_from_msg_callback},
    {"free_from_keylog_callback", test_free_from_keylog_callback},
    {"free_from_verify_callback", test_free_from_verify_callback},
    {"free_from_servername_callback", test_free_from_servername_callback},
    {"free_from_alpn_callback", test_free_from_alpn_callback},
    {"free_from_new_session_callback", test_free_from_new_session_callback},
    {"free_from_cert_callback", test_free_from_cert_callback},
    {"driving_calls_from_callbacks_are_refused", test_driving_calls_from_callbacks_are_refused},
    {"calls_after_the_callback_work", test_calls_after_the_callback_work},
};

int main(int argc, char **argv)
{
    return run_test_cases("test_reentry", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}
