/* TLS over BIOs with no sockets: memory BIOs, BIO pairs with tiny buffers (so every call
 * meets WANT_READ / WANT_WRITE and must resume), application-defined BIO methods, and the
 * ownership rules of SSL_set_bio. Written against OpenSSL's API; runs unchanged on both.
 *
 *   test_bio            run every test
 *   test_bio NAME...    run only these
 *   test_bio --list     print the test names
 * Run from the repository root (certificates are read from pki/). */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A memory BIO takes everything; a BIO pair half only what its buffer has room for. */
static int room_in(BIO *b, int *room)
{
    if (BIO_method_type(b) != BIO_TYPE_BIO)
        return 0;
    *room = (int)BIO_ctrl_get_write_guarantee(b);
    return 1;
}

/* Moves what `from` holds into `to`, as far as `to` accepts it (common.h's shuttle moves all,
 * which a small BIO pair cannot take). Returns bytes moved. */
static int shuttle_fitting(BIO *from, BIO *to)
{
    char buf[4096];
    int moved = 0;
    for (;;) {
        int room = sizeof buf;
        int n, w;
        if (room_in(to, &room) && room == 0)
            break;
        n = BIO_read(from, buf, room < (int)sizeof buf ? room : (int)sizeof buf);
        if (n <= 0)
            break;
        w = BIO_write(to, buf, n);
        if (w != n)
            return -1; /* the guarantee said it fits */
        moved += n;
    }
    return moved;
}

/* Drives both handshakes to completion over memory BIOs, counting WANT_* results. */
struct pump {
    SSL *client, *server;
    BIO *c_net, *s_net;     /* network side of pairs, or the mem BIOs themselves */
    BIO *c_out, *s_out;     /* where each side's output appears */
    BIO *c_in, *s_in;       /* where each side's input must be put */
    int want_read, want_write;
};

/* Moves what each side wrote to the other; 1 if anything moved. */
static int pump_step(struct pump *p)
{
    int a = shuttle_fitting(p->c_out, p->s_in);
    int b = shuttle_fitting(p->s_out, p->c_in);
    return a > 0 || b > 0;
}

static int handshake_both(struct pump *p)
{
    int c_done = 0, s_done = 0, rounds;
    char peek;
    for (rounds = 0; rounds < 10000 && !(c_done && s_done); rounds++) {
        /* A finished client still has to read what the server sends after the handshake
         * (TLS 1.3 tickets), or a small BIO pair fills up and the server stalls. */
        if (c_done)
            SSL_peek(p->client, &peek, 1);
        if (!c_done) {
            int r = SSL_do_handshake(p->client);
            if (r == 1)
                c_done = 1;
            else {
                int e = SSL_get_error(p->client, r);
                if (e == SSL_ERROR_WANT_READ)
                    p->want_read++;
                else if (e == SSL_ERROR_WANT_WRITE)
                    p->want_write++;
                else
                    return 0;
            }
        }
        if (!s_done) {
            int r = SSL_do_handshake(p->server);
            if (r == 1)
                s_done = 1;
            else {
                int e = SSL_get_error(p->server, r);
                if (e == SSL_ERROR_WANT_READ)
                    p->want_read++;
                else if (e == SSL_ERROR_WANT_WRITE)
                    p->want_write++;
                else
                    return 0;
            }
        }
        pump_step(p);
    }
    if (!(c_done && s_done))
        fprintf(stderr, "handshake stalled after %d rounds (client %s, server %s)\n", rounds,
                c_done ? "done" : "waiting", s_done ? "done" : "waiting");
    return c_done && s_done;
}

/* Sends `len` bytes client→server with SSL_write retried with the same arguments after
 * WANT_WRITE, reading on the server as data arrives. */
static int transfer(struct pump *p, const unsigned char *data, int len)
{
    unsigned char *got = malloc((size_t)len);
    int sent = 0, recvd = 0, rounds, ok;
    for (rounds = 0; rounds < 100000 && recvd < len; rounds++) {
        if (sent < len) {
            int chunk = len - sent > 5000 ? 5000 : len - sent;
            int r = SSL_write(p->client, data + sent, chunk);
            if (r > 0)
                sent += r;
            else if (SSL_get_error(p->client, r) == SSL_ERROR_WANT_WRITE)
                p->want_write++;
            else if (SSL_get_error(p->client, r) != SSL_ERROR_WANT_READ) {
                free(got);
                return 0;
            }
        }
        pump_step(p);
        for (;;) {
            int r = SSL_read(p->server, got + recvd, len - recvd);
            if (r > 0) {
                recvd += r;
                continue;
            }
            if (SSL_get_error(p->server, r) == SSL_ERROR_WANT_READ) {
                p->want_read++;
                break;
            }
            free(got);
            return 0;
        }
        pump_step(p);
    }
    ok = recvd == len && memcmp(got, data, (size_t)len) == 0;
    free(got);
    return ok;
}

static int test_mem_bio_handshake(void)
{
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0), *cctx = test_client_ctx(0);
    struct pump p;
    char buf[64];
    int r;
    REQUIRE(sctx && cctx);
    memset(&p, 0, sizeof p);
    p.client = SSL_new(cctx);
    p.server = SSL_new(sctx);
    p.c_in = BIO_new(BIO_s_mem());
    p.c_out = BIO_new(BIO_s_mem());
    p.s_in = BIO_new(BIO_s_mem());
    p.s_out = BIO_new(BIO_s_mem());
    SSL_set_bio(p.client, p.c_in, p.c_out);
    SSL_set_bio(p.server, p.s_in, p.s_out);
    SSL_set_connect_state(p.client);
    SSL_set_accept_state(p.server);
    SSL_set_tlsext_host_name(p.client, "localhost");
    SSL_set1_host(p.client, "localhost");
    REQUIRE(SSL_get_rbio(p.client) == p.c_in && SSL_get_wbio(p.client) == p.c_out);

    /* Nothing has arrived yet: the server wants to read. */
    r = SSL_do_handshake(p.server);
    REQUIRE(r == -1 && SSL_get_error(p.server, r) == SSL_ERROR_WANT_READ);
    REQUIRE(handshake_both(&p));
    REQUIRE(p.want_read > 0);
    REQUIRE(SSL_get_verify_result(p.client) == X509_V_OK);
    REQUIRE(strcmp(SSL_get_version(p.client), "TLSv1.3") == 0);

    REQUIRE(SSL_write(p.client, "ping", 4) == 4);
    pump_step(&p);
    REQUIRE(SSL_read(p.server, buf, sizeof buf) == 4 && memcmp(buf, "ping", 4) == 0);
    r = SSL_read(p.server, buf, sizeof buf);
    REQUIRE(r == -1 && SSL_get_error(p.server, r) == SSL_ERROR_WANT_READ);

    /* Shutdown, client first: 0 (sent), then the server sees close_notify, answers, and the
     * client's second call returns 1. */
    REQUIRE(SSL_shutdown(p.client) == 0);
    pump_step(&p);
    r = SSL_read(p.server, buf, sizeof buf);
    REQUIRE(r == 0 && SSL_get_error(p.server, r) == SSL_ERROR_ZERO_RETURN);
    REQUIRE(SSL_shutdown(p.server) == 1);
    pump_step(&p);
    REQUIRE(SSL_shutdown(p.client) == 1);
    REQUIRE(SSL_get_shutdown(p.client) == (SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN));

    SSL_free(p.client);
    SSL_free(p.server);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_bio_pair_tiny_buffers(void)
{
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0), *cctx = test_client_ctx(0);
    BIO *c_int, *s_int;
    struct pump p;
    unsigned char *data;
    int i, ok;
    REQUIRE(sctx && cctx);
    memset(&p, 0, sizeof p);
    REQUIRE(BIO_new_bio_pair(&c_int, 64, &p.c_net, 64) == 1);
    REQUIRE(BIO_new_bio_pair(&s_int, 64, &p.s_net, 64) == 1);
    p.c_out = p.c_net;
    p.c_in = p.c_net;
    p.s_out = p.s_net;
    p.s_in = p.s_net;
    p.client = SSL_new(cctx);
    p.server = SSL_new(sctx);
    SSL_set_bio(p.client, c_int, c_int);
    SSL_set_bio(p.server, s_int, s_int);
    SSL_set_connect_state(p.client);
    SSL_set_accept_state(p.server);
    SSL_set1_host(p.client, "localhost");
    REQUIRE(handshake_both(&p));
    REQUIRE(p.want_write > 0);

    data = malloc(100000);
    for (i = 0; i < 100000; i++)
        data[i] = (unsigned char)(i * 7);
    p.want_write = 0;
    ok = transfer(&p, data, 100000);
    free(data);
    REQUIRE(ok);
    REQUIRE(p.want_write > 0);

    SSL_free(p.client);
    SSL_free(p.server);
    BIO_free(p.c_net);
    BIO_free(p.s_net);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

/* An application-defined BIO over a plain byte queue, as curl-style programs use. */
struct queue {
    unsigned char buf[65536];
    int len;
};

struct duplex {
    struct queue *in, *out;
};

static int q_write(BIO *b, const char *data, int len)
{
    struct duplex *d = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (d->out->len + len > (int)sizeof d->out->buf) {
        BIO_set_retry_write(b);
        return -1;
    }
    memcpy(d->out->buf + d->out->len, data, (size_t)len);
    d->out->len += len;
    return len;
}

static int q_read(BIO *b, char *data, int len)
{
    struct duplex *d = BIO_get_data(b);
    int n = d->in->len < len ? d->in->len : len;
    BIO_clear_retry_flags(b);
    if (n == 0) {
        BIO_set_retry_read(b);
        return -1;
    }
    memcpy(data, d->in->buf, (size_t)n);
    memmove(d->in->buf, d->in->buf + n, (size_t)(d->in->len - n));
    d->in->len -= n;
    return n;
}

static long q_ctrl(BIO *b, int cmd, long larg, void *parg)
{
    (void)b;
    (void)larg;
    (void)parg;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int q_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static int test_custom_bio_method(void)
{
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0), *cctx = test_client_ctx(0);
    static struct queue c2s, s2c;
    struct duplex cd = {&s2c, &c2s}, sd = {&c2s, &s2c};
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "queue");
    BIO *cb, *sb;
    SSL *client, *server;
    char buf[16];
    int rounds, c_done = 0, s_done = 0;
    REQUIRE(sctx && cctx && m);
    REQUIRE(BIO_meth_set_write(m, q_write) == 1);
    REQUIRE(BIO_meth_set_read(m, q_read) == 1);
    REQUIRE(BIO_meth_set_ctrl(m, q_ctrl) == 1);
    REQUIRE(BIO_meth_set_create(m, q_create) == 1);
    cb = BIO_new(m);
    sb = BIO_new(m);
    REQUIRE(cb && sb && BIO_get_init(cb) == 1);
    BIO_set_data(cb, &cd);
    BIO_set_data(sb, &sd);
    client = SSL_new(cctx);
    server = SSL_new(sctx);
    SSL_set_bio(client, cb, cb);
    SSL_set_bio(server, sb, sb);
    SSL_set_connect_state(client);
    SSL_set_accept_state(server);
    SSL_set1_host(client, "localhost");
    for (rounds = 0; rounds < 100 && !(c_done && s_done); rounds++) {
        if (!c_done)
            c_done = SSL_do_handshake(client) == 1;
        if (!s_done)
            s_done = SSL_do_handshake(server) == 1;
    }
    REQUIRE(c_done && s_done);
    REQUIRE(SSL_write(server, "pong", 4) == 4);
    REQUIRE(SSL_read(client, buf, sizeof buf) == 4 && memcmp(buf, "pong", 4) == 0);
    SSL_free(client);
    SSL_free(server);
    BIO_meth_free(m);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

/* Every documented SSL_set_bio combination; ASan/LSan (make check-asan) catch a wrong count. */
static int test_set_bio_ownership(void)
{
    SSL_CTX *cctx = test_client_ctx(0);
    SSL *ssl;
    BIO *a, *b, *c;
    REQUIRE(cctx);
    ssl = SSL_new(cctx);
    a = BIO_new(BIO_s_mem());
    b = BIO_new(BIO_s_mem());
    c = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl, a, a);          /* one reference for both */
    SSL_set_bio(ssl, a, a);          /* unchanged: nothing consumed */
    SSL_set_bio(ssl, a, b);          /* only wbio changes: b's reference consumed */
    REQUIRE(SSL_get_rbio(ssl) == a && SSL_get_wbio(ssl) == b);
    SSL_set_bio(ssl, c, b);          /* only rbio changes (they differ): c's consumed */
    REQUIRE(SSL_get_rbio(ssl) == c && SSL_get_wbio(ssl) == b);
    BIO_up_ref(c);
    SSL_set0_wbio(ssl, c);           /* explicit reference handed over */
    REQUIRE(SSL_get_wbio(ssl) == c);
    SSL_set_fd(ssl, 0);              /* replaces both with a socket BIO */
    REQUIRE(SSL_get_fd(ssl) == 0);
    SSL_free(ssl);
    SSL_CTX_free(cctx);
    return 1;
}

/* A connected pair over memory BIOs, handshake done. */
static int mem_pair(struct pump *p, SSL_CTX *cctx, SSL_CTX *sctx)
{
    memset(p, 0, sizeof *p);
    if (!mem_link(cctx, sctx, &p->client, &p->server))
        return 0;
    p->c_in = SSL_get_rbio(p->client);
    p->c_out = SSL_get_wbio(p->client);
    p->s_in = SSL_get_rbio(p->server);
    p->s_out = SSL_get_wbio(p->server);
    return handshake_both(p);
}

static int test_partial_write_mode(void)
{
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0), *cctx = test_client_ctx(0);
    struct pump p;
    static unsigned char data[100000];
    int r;
    REQUIRE(sctx && cctx);
    REQUIRE(mem_pair(&p, cctx, sctx));
    REQUIRE((SSL_get_mode(p.client) & SSL_MODE_AUTO_RETRY) != 0);
    /* Without the mode, one call writes everything. */
    REQUIRE(SSL_write(p.client, data, sizeof data) == (int)sizeof data);
    REQUIRE((SSL_set_mode(p.client, SSL_MODE_ENABLE_PARTIAL_WRITE) & SSL_MODE_ENABLE_PARTIAL_WRITE) != 0);
    r = SSL_write(p.client, data, sizeof data);
    REQUIRE(r > 0 && r <= 16384);
    REQUIRE((SSL_clear_mode(p.client, SSL_MODE_ENABLE_PARTIAL_WRITE) & SSL_MODE_ENABLE_PARTIAL_WRITE) == 0);
    SSL_free(p.client);
    SSL_free(p.server);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int freed_count;

static void count_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent;
    (void)ad;
    (void)idx;
    (void)argp;
    if (ptr && argl == 42)
        freed_count++;
}

static int test_ex_data(void)
{
    SSL_CTX *cctx = test_client_ctx(0);
    SSL *ssl;
    int ssl_idx = SSL_get_ex_new_index(42, NULL, NULL, NULL, count_free);
    int ctx_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    int value = 7;
    REQUIRE(cctx && ssl_idx >= 0 && ctx_idx >= 0);
    REQUIRE(SSL_CTX_set_ex_data(cctx, ctx_idx, &value) == 1);
    REQUIRE(SSL_CTX_get_ex_data(cctx, ctx_idx) == &value);
    ssl = SSL_new(cctx);
    REQUIRE(SSL_get_ex_data(ssl, ssl_idx) == NULL);
    REQUIRE(SSL_set_ex_data(ssl, ssl_idx, &value) == 1);
    REQUIRE(SSL_get_ex_data(ssl, ssl_idx) == &value);
    freed_count = 0;
    SSL_free(ssl);
    REQUIRE(freed_count == 1);
    SSL_CTX_free(cctx);
    return 1;
}

static int test_quiet_shutdown(void)
{
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0), *cctx = test_client_ctx(0);
    struct pump p;
    REQUIRE(sctx && cctx);
    REQUIRE(mem_pair(&p, cctx, sctx));
    pump_step(&p);
    SSL_set_quiet_shutdown(p.client, 1);
    REQUIRE(SSL_get_quiet_shutdown(p.client) == 1);
    REQUIRE(SSL_shutdown(p.client) == 1);
    REQUIRE(BIO_ctrl_pending(p.c_out) == 0); /* no close_notify was written */
    REQUIRE(SSL_get_shutdown(p.client) == (SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN));
    REQUIRE(SSL_write(p.client, "x", 1) <= 0);
    SSL_free(p.client);
    SSL_free(p.server);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

/* The peer closing the transport without close_notify: an error, unless
 * SSL_OP_IGNORE_UNEXPECTED_EOF (nginx sets it) makes it a clean close. */
static int test_unexpected_eof(void)
{
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0), *cctx = test_client_ctx(0);
    struct pump p;
    char buf[8];
    int ignore, r;
    REQUIRE(sctx && cctx);
    for (ignore = 0; ignore < 2; ignore++) {
        REQUIRE(mem_pair(&p, cctx, sctx));
        pump_step(&p);
        if (ignore)
            SSL_set_options(p.server, SSL_OP_IGNORE_UNEXPECTED_EOF);
        BIO_set_mem_eof_return(p.s_in, 0); /* an empty BIO now reads as the end of the stream */
        r = SSL_read(p.server, buf, sizeof buf);
        if (ignore) {
            REQUIRE(r == 0 && SSL_get_error(p.server, r) == SSL_ERROR_ZERO_RETURN);
            REQUIRE((SSL_get_shutdown(p.server) & SSL_RECEIVED_SHUTDOWN) != 0);
        } else {
            REQUIRE(r <= 0 && SSL_get_error(p.server, r) == SSL_ERROR_SSL);
        }
        ERR_clear_error();
        SSL_free(p.client);
        SSL_free(p.server);
    }
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_want_and_pending(void)
{
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0), *cctx = test_client_ctx(0);
    struct pump p;
    char buf[8];
    int r;
    REQUIRE(sctx && cctx);
    REQUIRE(mem_pair(&p, cctx, sctx));
    r = SSL_read(p.server, buf, sizeof buf);
    REQUIRE(r < 0 && SSL_want_read(p.server) && SSL_want(p.server) == SSL_READING);
    REQUIRE(SSL_write(p.client, "0123456789", 10) == 10);
    pump_step(&p);
    REQUIRE(SSL_read(p.server, buf, 4) == 4);
    REQUIRE(SSL_pending(p.server) == 6);
    REQUIRE(SSL_has_pending(p.server) == 1);
    SSL_free(p.client);
    SSL_free(p.server);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_key_update(void)
{
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0), *cctx = test_client_ctx(0);
    struct pump p;
    char buf[16];
    int r;
    REQUIRE(sctx && cctx);
    REQUIRE(mem_pair(&p, cctx, sctx));
    REQUIRE(SSL_get_key_update_type(p.client) == SSL_KEY_UPDATE_NONE);
    REQUIRE(SSL_key_update(p.client, 7) == 0);
    ERR_clear_error();
    REQUIRE(SSL_key_update(p.client, SSL_KEY_UPDATE_REQUESTED) == 1);
    REQUIRE(SSL_get_key_update_type(p.client) == SSL_KEY_UPDATE_REQUESTED);
    REQUIRE(SSL_write(p.client, "one", 3) == 3);
    REQUIRE(SSL_get_key_update_type(p.client) == SSL_KEY_UPDATE_NONE);
    pump_step(&p);
    REQUIRE(SSL_read(p.server, buf, sizeof buf) == 3 && memcmp(buf, "one", 3) == 0);
    /* The server answered with its own update; data still flows both ways. */
    REQUIRE(SSL_write(p.server, "two", 3) == 3);
    pump_step(&p);
    r = SSL_read(p.client, buf, sizeof buf);
    REQUIRE(r == 3 && memcmp(buf, "two", 3) == 0);
    REQUIRE(SSL_key_update(p.server, SSL_KEY_UPDATE_NOT_REQUESTED) == 1);
    REQUIRE(SSL_do_handshake(p.server) == 1);
    REQUIRE(SSL_write(p.server, "three", 5) == 5);
    pump_step(&p);
    REQUIRE(SSL_read(p.client, buf, sizeof buf) == 5 && memcmp(buf, "three", 5) == 0);
    SSL_free(p.client);
    SSL_free(p.server);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static const struct test_case tests[] = {
    {"mem_bio_handshake", test_mem_bio_handshake},
    {"bio_pair_tiny_buffers", test_bio_pair_tiny_buffers},
    {"custom_bio_method", test_custom_bio_method},
    {"set_bio_ownership", test_set_bio_ownership},
    {"partial_write_mode", test_partial_write_mode},
    {"ex_data", test_ex_data},
    {"quiet_shutdown", test_quiet_shutdown},
    {"unexpected_eof", test_unexpected_eof},
    {"want_and_pending", test_want_and_pending},
    {"key_update", test_key_update},
};

int main(int argc, char **argv)
{
    return run_test_cases("test_bio", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}
