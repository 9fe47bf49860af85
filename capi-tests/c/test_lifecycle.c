/* A connection's life as the C API shows it, over memory BIOs: SSL_get_state and the state
 * strings from before the handshake to its end, and SSL_shutdown in both orders (we close
 * first, the peer closes first), with application data in flight. Every expectation is
 * OpenSSL's behaviour: the same source runs against it (make test-openssl).
 *
 *   test_lifecycle            run every test
 *   test_lifecycle NAME...    run only these
 *   test_lifecycle --list     print the test names
 * Run from the repository root (certificates are read from pki/). */
#define TEST_MEMORY_PAIR
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const struct test_case tests[] = {
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
    return run_test_cases("test_lifecycle", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}
