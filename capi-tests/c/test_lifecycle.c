/* A connection's life as the C API shows it, over memory BIOs: SSL_get_state and the state
 * strings from before the handshake to its end, and SSL_shutdown in both orders (we close
 * first, the peer closes first), with application data in flight. Every expectation is
 * OpenSSL's behaviour: the same source runs against it (make test-openssl).
 *
 *   test_lifecycle            run every test
 *   test_lifecycle NAME...    run only these
 *   test_lifecycle --list     print the test names
 * Run from the repository root (certificates are read from pki/). */
#include "compat.h"

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

static int state_is(SSL *ssl, OSSL_HANDSHAKE_STATE want, const char *want_short,
                    const char *want_long)
{
    if (SSL_get_state(ssl) != want || strcmp(SSL_state_string(ssl), want_short) != 0 ||
        strcmp(SSL_state_string_long(ssl), want_long) != 0) {
        fprintf(stderr, "state %d %s \"%s\", expected %d %s \"%s\"\n", (int)SSL_get_state(ssl),
                SSL_state_string(ssl), SSL_state_string_long(ssl), (int)want, want_short,
                want_long);
        return 0;
    }
    return 1;
}

/* The states either side passes through, in the order both libraries report them. */
static int states_through_a_handshake(int version)
{
    struct pair p;
    int ok = 0;
    if (!pair_new(&p, version))
        return 0;
    CHECK(state_is(p.client, TLS_ST_BEFORE, "PINIT", "before SSL initialization"));
    CHECK(state_is(p.server, TLS_ST_BEFORE, "PINIT", "before SSL initialization"));
    CHECK(SSL_in_before(p.client) == 1 && SSL_in_init(p.client) == 1);
    CHECK(SSL_is_init_finished(p.client) == 0);

    /* The client has sent its ClientHello and waits. */
    CHECK(step(p.client) == 0);
    CHECK(state_is(p.client, TLS_ST_CW_CLNT_HELLO, "TWCH", "SSLv3/TLS write client hello"));
    CHECK(SSL_in_before(p.client) == 0 && SSL_in_init(p.client) == 1);
    /* A server with nothing to read yet is still before its first step. */
    CHECK(step(p.server) == 0);
    CHECK(state_is(p.server, TLS_ST_BEFORE, "PINIT", "before SSL initialization"));

    /* The server has answered with its whole first flight and waits for the client's. */
    CHECK(deliver(p.client, p.server) > 0);
    CHECK(step(p.server) == 0);
    if (version == TLS1_3_VERSION) /* OpenSSL's name for "flight sent", 0-RTT or not */
        CHECK(state_is(p.server, TLS_ST_EARLY_DATA, "TED", "TLSv1.3 early data"));
    else
        CHECK(state_is(p.server, TLS_ST_SW_SRVR_DONE, "TWSD", "SSLv3/TLS write server done"));
    CHECK(SSL_in_init(p.server) == 1 && SSL_in_before(p.server) == 0);

    CHECK(handshake(&p));
    CHECK(state_is(p.client, TLS_ST_OK, "SSLOK", "SSL negotiation finished successfully"));
    CHECK(state_is(p.server, TLS_ST_OK, "SSLOK", "SSL negotiation finished successfully"));
    CHECK(SSL_is_init_finished(p.client) == 1 && SSL_in_init(p.client) == 0);
    ok = 1;
out:
    pair_free(&p);
    return ok;
}

static int test_states_tls12(void) { return states_through_a_handshake(TLS1_2_VERSION); }
static int test_states_tls13(void) { return states_through_a_handshake(TLS1_3_VERSION); }

/* SSL_read of exactly `text`. */
static int reads(SSL *ssl, const char *text)
{
    char buf[64];
    int len = (int)strlen(text);
    int n = SSL_read(ssl, buf, sizeof buf);
    return n == len && memcmp(buf, text, (size_t)len) == 0;
}

static int reads_close_notify(SSL *ssl)
{
    char buf[64];
    int n = SSL_read(ssl, buf, sizeof buf);
    return n == 0 && SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN;
}

/* We close first with nothing in flight: 0 once our close_notify is out, -1 (want read) while
 * the peer's has not come, 1 once it has. */
static int we_close_first(int version)
{
    struct pair p;
    int ok = 0, r;
    if (!pair_new(&p, version))
        return 0;
    CHECK(handshake(&p));
    CHECK(SSL_get_shutdown(p.client) == 0);
    CHECK(SSL_shutdown(p.client) == 0);
    CHECK(SSL_get_shutdown(p.client) == SSL_SENT_SHUTDOWN);
    r = SSL_shutdown(p.client);
    CHECK(r == -1 && SSL_get_error(p.client, r) == SSL_ERROR_WANT_READ);

    CHECK(deliver(p.client, p.server) > 0);
    CHECK(reads_close_notify(p.server));
    CHECK(SSL_get_shutdown(p.server) == SSL_RECEIVED_SHUTDOWN);
    /* The peer already closed: answering completes the shutdown at once. */
    CHECK(SSL_shutdown(p.server) == 1);
    CHECK(SSL_get_shutdown(p.server) == (SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN));

    CHECK(deliver(p.server, p.client) > 0);
    CHECK(SSL_shutdown(p.client) == 1);
    CHECK(SSL_get_shutdown(p.client) == (SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN));
    ok = 1;
out:
    pair_free(&p);
    return ok;
}

/* The peer sends data and closes; we read both before answering. */
static int peer_closes_first(int version)
{
    struct pair p;
    int ok = 0;
    if (!pair_new(&p, version))
        return 0;
    CHECK(handshake(&p));
    CHECK(SSL_write(p.server, "last words", 10) == 10);
    CHECK(SSL_shutdown(p.server) == 0);
    CHECK(deliver(p.server, p.client) > 0);
    CHECK(reads(p.client, "last words"));
    CHECK(reads_close_notify(p.client));
    CHECK(SSL_shutdown(p.client) == 1);
    CHECK(deliver(p.client, p.server) > 0);
    CHECK(SSL_shutdown(p.server) == 1);
    ok = 1;
out:
    pair_free(&p);
    return ok;
}

/* The peer's close_notify has arrived but the application has not read it: the call that
 * sends ours returns 0 all the same, and the next one finds theirs. */
static int peer_close_not_yet_read(int version)
{
    struct pair p;
    int ok = 0;
    if (!pair_new(&p, version))
        return 0;
    CHECK(handshake(&p));
    CHECK(SSL_write(p.server, "data", 4) == 4);
    CHECK(SSL_shutdown(p.server) == 0);
    CHECK(deliver(p.server, p.client) > 0);
    /* Reading the data may take in the close_notify behind it too; it is not reported yet. */
    CHECK(reads(p.client, "data"));
    CHECK(SSL_shutdown(p.client) == 0);
    CHECK(SSL_shutdown(p.client) == 1);
    ok = 1;
out:
    pair_free(&p);
    return ok;
}

/* We close while the peer's data is still in flight: waiting for its close_notify runs into
 * application data, which fails the shutdown (SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY). */
static int data_in_flight_when_we_close(int version)
{
    struct pair p;
    int ok = 0, r;
    unsigned long e;
    if (!pair_new(&p, version))
        return 0;
    CHECK(handshake(&p));
    CHECK(SSL_write(p.server, "in flight", 9) == 9);
    CHECK(SSL_shutdown(p.client) == 0);
    CHECK(deliver(p.client, p.server) > 0);
    CHECK(reads_close_notify(p.server));
    CHECK(SSL_shutdown(p.server) == 1);
    CHECK(deliver(p.server, p.client) > 0);

    ERR_clear_error();
    r = SSL_shutdown(p.client);
    CHECK(r == -1);
    CHECK(SSL_get_error(p.client, r) == SSL_ERROR_SSL);
    e = ERR_peek_error();
    CHECK(ERR_GET_REASON(e) == SSL_R_APPLICATION_DATA_AFTER_CLOSE_NOTIFY);
    ERR_clear_error();
    ok = 1;
out:
    pair_free(&p);
    return ok;
}

static int test_we_close_first_tls12(void) { return we_close_first(TLS1_2_VERSION); }
static int test_we_close_first_tls13(void) { return we_close_first(TLS1_3_VERSION); }
static int test_peer_closes_first_tls12(void) { return peer_closes_first(TLS1_2_VERSION); }
static int test_peer_closes_first_tls13(void) { return peer_closes_first(TLS1_3_VERSION); }
static int test_peer_close_not_yet_read_tls12(void) { return peer_close_not_yet_read(TLS1_2_VERSION); }
static int test_peer_close_not_yet_read_tls13(void) { return peer_close_not_yet_read(TLS1_3_VERSION); }
static int test_data_in_flight_when_we_close_tls12(void) { return data_in_flight_when_we_close(TLS1_2_VERSION); }
static int test_data_in_flight_when_we_close_tls13(void) { return data_in_flight_when_we_close(TLS1_3_VERSION); }

static const struct {
    const char *name;
    int (*fn)(void);
} tests[] = {
    {"states_tls12", test_states_tls12},
    {"states_tls13", test_states_tls13},
    {"we_close_first_tls12", test_we_close_first_tls12},
    {"we_close_first_tls13", test_we_close_first_tls13},
    {"peer_closes_first_tls12", test_peer_closes_first_tls12},
    {"peer_closes_first_tls13", test_peer_closes_first_tls13},
    {"peer_close_not_yet_read_tls12", test_peer_close_not_yet_read_tls12},
    {"peer_close_not_yet_read_tls13", test_peer_close_not_yet_read_tls13},
    {"data_in_flight_when_we_close_tls12", test_data_in_flight_when_we_close_tls12},
    {"data_in_flight_when_we_close_tls13", test_data_in_flight_when_we_close_tls13},
};

int main(int argc, char **argv)
{
    size_t i;
    int passed = 0, failed = 0, a;
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (i = 0; i < sizeof tests / sizeof tests[0]; i++)
            printf("%s\n", tests[i].name);
        return 0;
    }
    for (i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        int selected = argc == 1;
        for (a = 1; a < argc; a++)
            selected |= strcmp(argv[a], tests[i].name) == 0;
        if (!selected)
            continue;
        failure[0] = 0;
        ERR_clear_error();
        if (tests[i].fn()) {
            printf("ok %s\n", tests[i].name);
            passed++;
        } else {
            unsigned long e = ERR_get_error();
            char err[256] = "";
            if (e)
                ERR_error_string_n(e, err, sizeof err);
            printf("FAIL %s: %s %s\n", tests[i].name, failure, err);
            failed++;
        }
    }
    printf("test_lifecycle: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
