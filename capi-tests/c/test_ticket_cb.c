/* Session ticket application data (SSL_CTX_set_session_ticket_cb,
 * SSL_SESSION_set1_ticket_appdata / get0_ticket_appdata), the way stunnel uses them, over memory
 * BIOs in TLS 1.2 and TLS 1.3. Written against OpenSSL's API only: the same cases run against
 * OpenSSL.
 *
 *   test_ticket_cb            run every test
 *   test_ticket_cb NAME...    run only these
 *   test_ticket_cb --list     print the test names
 * Run from the repository root (certificates are read from pki/). */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the server's callbacks saw and are told to do. */
static int gen_calls, gen_fail, gen_only_first;
static char gen_data[64];        /* what the generate callback stores ("" for nothing) */
static int dec_calls, dec_answer;
static int dec_status[8];        /* the statuses the decrypt callback saw, in order */
static char dec_data[8][64];     /* the application data it found, per call */
static int dec_had_session[8];
static size_t dec_keyname_len[8];
static int ex_index = -1;        /* an SSL_SESSION ex_data slot the decrypt callback marks */
static char ex_mark[] = "marked by the decrypt callback";

static void reset_callbacks(void)
{
    gen_calls = gen_fail = gen_only_first = dec_calls = 0;
    dec_answer = -1; /* the default: what OpenSSL would do */
    snprintf(gen_data, sizeof gen_data, "app data");
    memset(dec_status, 0, sizeof dec_status);
    memset(dec_data, 0, sizeof dec_data);
    memset(dec_had_session, 0, sizeof dec_had_session);
    memset(dec_keyname_len, 0, sizeof dec_keyname_len);
}

static int generate_cb(SSL *ssl, void *arg)
{
    SSL_SESSION *sess;
    int ok = 1;
    gen_calls++;
    if (arg != (void *)&gen_calls || gen_fail)
        return 0;
    /* As stunnel: the session the ticket will carry is the connection's. */
    sess = SSL_get1_session(ssl);
    if (!sess)
        return 0;
    if (gen_data[0] && !(gen_only_first && gen_calls > 1))
        ok = SSL_SESSION_set1_ticket_appdata(sess, gen_data, strlen(gen_data) + 1);
    SSL_SESSION_free(sess);
    return ok;
}

static SSL_TICKET_RETURN decrypt_cb(SSL *ssl, SSL_SESSION *ss, const unsigned char *keyname,
                                    size_t keyname_len, SSL_TICKET_STATUS status, void *arg)
{
    int i = dec_calls < 8 ? dec_calls : 7;
    void *data = NULL;
    size_t len = 0;
    (void)ssl;
    (void)keyname;
    dec_calls++;
    if (arg != (void *)&gen_calls)
        return SSL_TICKET_RETURN_ABORT;
    dec_status[i] = status;
    dec_had_session[i] = ss != NULL;
    dec_keyname_len[i] = keyname_len;
    if (ss && SSL_SESSION_get0_ticket_appdata(ss, &data, &len) == 1 && data && len > 0 &&
        len <= sizeof dec_data[i])
        memcpy(dec_data[i], data, len);
    if (ss)
        SSL_SESSION_set_ex_data(ss, ex_index, ex_mark);
    if (dec_answer >= 0)
        return dec_answer;
    switch (status) {
    case SSL_TICKET_SUCCESS:
        return SSL_TICKET_RETURN_USE;
    case SSL_TICKET_SUCCESS_RENEW:
        return SSL_TICKET_RETURN_USE_RENEW;
    default:
        return SSL_TICKET_RETURN_IGNORE_RENEW;
    }
}

/* What one connection did. */
struct outcome {
    int ok;            /* both handshakes completed and a byte went each way */
    int reused;        /* the client resumed */
    int server_failed; /* the server's handshake failed */
    int server_ex_marked; /* SSL_get_session(server) carries the decrypt callback's mark */
    SSL_SESSION *session; /* the client's session (a reference), when ok */
};

static void run_connection(SSL_CTX *cctx, SSL_CTX *sctx, SSL_SESSION *resume, struct outcome *o)
{
    SSL *client, *server;
    struct mem_result hs;

    memset(o, 0, sizeof *o);
    if (!mem_link(cctx, sctx, &client, &server))
        return;
    SSL_set_tlsext_host_name(client, "localhost");
    if (resume)
        SSL_set_session(client, resume);
    if (!mem_handshake(client, server, &hs)) {
        if (hs.failed == 's') {
            o->server_failed = 1;
            mem_read_alert(client, server, 's');
        }
        goto out;
    }
    if (!mem_exchange(client, server))
        goto out;
    o->reused = SSL_session_reused(client);
    o->session = SSL_get1_session(client);
    o->server_ex_marked = SSL_get_session(server) != NULL &&
                          SSL_SESSION_get_ex_data(SSL_get_session(server), ex_index) == ex_mark;
    o->ok = o->session != NULL && o->reused == SSL_session_reused(server);
    mem_shutdown(client, server);
out:
    SSL_free(client);
    SSL_free(server);
}

/* A server with the ticket callbacks; only tickets resume (no session ID cache). */
static SSL_CTX *server_ctx(int version, int num_tickets)
{
    SSL_CTX *ctx = test_server_ctx("server-ecdsa-p256", version);
    if (!ctx)
        return NULL;
    if (SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"test", 4) != 1 ||
        SSL_CTX_set_num_tickets(ctx, num_tickets) != 1 ||
        SSL_CTX_set_session_ticket_cb(ctx, generate_cb, decrypt_cb, &gen_calls) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    return ctx;
}

/* A first connection to `sctx`; its session is offered to `sctx2` in a second connection,
 * whose outcome is `second`, the decrypt callback answering `second_answer` there (-1: the
 * default). The callbacks' counters are reset between the two. */
static int pair(int version, SSL_CTX *sctx, SSL_CTX *sctx2, int second_answer, struct outcome *second)
{
    SSL_CTX *cctx = test_client_ctx(version);
    struct outcome first;
    int ok;

    memset(second, 0, sizeof *second);
    if (!cctx)
        return 0;
    run_connection(cctx, sctx, NULL, &first);
    ok = first.ok && !first.reused && gen_calls >= 1;
    if (ok) {
        int saved_fail = gen_fail;
        reset_callbacks();
        gen_fail = saved_fail;
        dec_answer = second_answer;
        run_connection(cctx, sctx2, first.session, second);
    }
    SSL_SESSION_free(first.session);
    SSL_CTX_free(cctx);
    return ok;
}

/* The status of a ticket of ours that opened. */
static int opened_status(int version)
{
    return version == TLS1_3_VERSION ? SSL_TICKET_SUCCESS_RENEW : SSL_TICKET_SUCCESS;
}

/* The application data set by the generate callback comes back in the decrypt callback. */
static int appdata_round_trip(int version)
{
    SSL_CTX *sctx = server_ctx(version, 1);
    struct outcome o;
    int ok;

    reset_callbacks();
    REQUIRE(sctx);
    ok = pair(version, sctx, sctx, -1, &o);
    SSL_SESSION_free(o.session);
    SSL_CTX_free(sctx);
    REQUIRE(ok);
    REQUIRE(o.ok && o.reused);
    /* TLS 1.3 reports every ticket as due for renewal (a resumed client gets a new one). */
    REQUIRE(dec_calls == 1 && dec_status[0] == opened_status(version) && dec_had_session[0]);
    REQUIRE(strcmp(dec_data[0], "app data") == 0);
    REQUIRE(dec_keyname_len[0] == 16);
    /* What the decrypt callback stored on the session is there after the handshake. */
    REQUIRE(o.server_ex_marked);
    /* TLS 1.2: SUCCESS -> USE issues no new ticket; TLS 1.3: SUCCESS_RENEW -> USE_RENEW
     * issues one in place of the spent one. */
    REQUIRE(gen_calls == (version == TLS1_3_VERSION ? 1 : 0));
    return 1;
}

static int test_appdata_tls12(void)
{
    return appdata_round_trip(TLS1_2_VERSION);
}

static int test_appdata_tls13(void)
{
    return appdata_round_trip(TLS1_3_VERSION);
}

/* TLS 1.2's first connection presents an empty ticket: the callback sees SSL_TICKET_EMPTY and
 * no session. */
static int test_empty_ticket_tls12(void)
{
    SSL_CTX *sctx = server_ctx(TLS1_2_VERSION, 1), *cctx = test_client_ctx(TLS1_2_VERSION);
    struct outcome o;

    reset_callbacks();
    REQUIRE(sctx && cctx);
    run_connection(cctx, sctx, NULL, &o);
    SSL_SESSION_free(o.session);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    REQUIRE(o.ok && !o.reused);
    REQUIRE(dec_calls == 1 && dec_status[0] == SSL_TICKET_EMPTY && !dec_had_session[0]);
    REQUIRE(dec_keyname_len[0] == 0);
    REQUIRE(gen_calls == 1);
    return 1;
}

/* A verdict on a ticket that opened: resumed or not, and how many tickets were made. */
static int verdict(int version, int answer, int want_reused, int want_gen_calls)
{
    SSL_CTX *sctx = server_ctx(version, 1);
    struct outcome o;
    int ok;

    reset_callbacks();
    REQUIRE(sctx);
    ok = pair(version, sctx, sctx, answer, &o);
    SSL_SESSION_free(o.session);
    SSL_CTX_free(sctx);
    REQUIRE(ok);
    REQUIRE(o.ok);
    REQUIRE(o.reused == want_reused);
    REQUIRE(dec_calls == 1 && dec_status[0] == opened_status(version));
    REQUIRE(gen_calls == want_gen_calls);
    return 1;
}

static int test_ignore_tls12(void)
{
    return verdict(TLS1_2_VERSION, SSL_TICKET_RETURN_IGNORE, 0, 0);
}

static int test_ignore_renew_tls12(void)
{
    return verdict(TLS1_2_VERSION, SSL_TICKET_RETURN_IGNORE_RENEW, 0, 1);
}

static int test_use_renew_tls12(void)
{
    return verdict(TLS1_2_VERSION, SSL_TICKET_RETURN_USE_RENEW, 1, 1);
}

/* TLS 1.3 as well: the verdict decides whether a ticket is issued. */
static int test_ignore_tls13(void)
{
    return verdict(TLS1_3_VERSION, SSL_TICKET_RETURN_IGNORE, 0, 0);
}

static int test_ignore_renew_tls13(void)
{
    return verdict(TLS1_3_VERSION, SSL_TICKET_RETURN_IGNORE_RENEW, 0, 1);
}

static int test_use_tls13(void)
{
    return verdict(TLS1_3_VERSION, SSL_TICKET_RETURN_USE, 1, 0);
}

static int test_use_renew_tls13(void)
{
    return verdict(TLS1_3_VERSION, SSL_TICKET_RETURN_USE_RENEW, 1, 1);
}

/* ABORT fails the handshake. */
static int abort_case(int version)
{
    SSL_CTX *sctx = server_ctx(version, 1), *cctx = test_client_ctx(version);
    struct outcome first, second;

    reset_callbacks();
    REQUIRE(sctx && cctx);
    run_connection(cctx, sctx, NULL, &first);
    reset_callbacks();
    dec_answer = SSL_TICKET_RETURN_ABORT;
    run_connection(cctx, sctx, first.session, &second);
    SSL_SESSION_free(first.session);
    SSL_SESSION_free(second.session);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    REQUIRE(first.ok);
    REQUIRE(!second.ok && second.server_failed && dec_calls == 1);
    return 1;
}

static int test_abort_tls12(void)
{
    return abort_case(TLS1_2_VERSION);
}

static int test_abort_tls13(void)
{
    return abort_case(TLS1_3_VERSION);
}

/* A ticket of another server does not open: SSL_TICKET_NO_DECRYPT, no session; USE on it
 * fails the handshake, IGNORE_RENEW gives a full one. */
static int no_decrypt(int version)
{
    SSL_CTX *sctx = server_ctx(version, 1), *other = server_ctx(version, 1);
    struct outcome o;
    int ok;

    reset_callbacks();
    REQUIRE(sctx && other);
    ok = pair(version, sctx, other, -1, &o);
    SSL_SESSION_free(o.session);
    REQUIRE(ok);
    REQUIRE(o.ok && !o.reused);
    REQUIRE(dec_calls == 1 && dec_status[0] == SSL_TICKET_NO_DECRYPT && !dec_had_session[0]);
    REQUIRE(dec_keyname_len[0] == 16);
    reset_callbacks();
    ok = pair(version, sctx, other, SSL_TICKET_RETURN_USE, &o);
    SSL_SESSION_free(o.session);
    SSL_CTX_free(sctx);
    SSL_CTX_free(other);
    REQUIRE(ok);
    REQUIRE(!o.ok && o.server_failed);
    return 1;
}

static int test_no_decrypt_tls12(void)
{
    return no_decrypt(TLS1_2_VERSION);
}

static int test_no_decrypt_tls13(void)
{
    return no_decrypt(TLS1_3_VERSION);
}

/* A generate callback that fails fails the handshake. */
static int gen_failure(int version)
{
    SSL_CTX *sctx = server_ctx(version, 1), *cctx = test_client_ctx(version);
    struct outcome o;

    reset_callbacks();
    REQUIRE(sctx && cctx);
    gen_fail = 1;
    run_connection(cctx, sctx, NULL, &o);
    SSL_SESSION_free(o.session);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    REQUIRE(!o.ok && o.server_failed && gen_calls == 1);
    return 1;
}

static int test_generate_failure_tls12(void)
{
    return gen_failure(TLS1_2_VERSION);
}

static int test_generate_failure_tls13(void)
{
    return gen_failure(TLS1_3_VERSION);
}

/* TLS 1.3 with two tickets: the data set for the first ticket is carried into the second
 * (OpenSSL copies the session), both resume with it. */
static int test_second_ticket_carries_data_tls13(void)
{
    SSL_CTX *sctx = server_ctx(TLS1_3_VERSION, 2), *cctx = test_client_ctx(TLS1_3_VERSION);
    struct outcome first, second;

    reset_callbacks();
    REQUIRE(sctx && cctx);
    snprintf(gen_data, sizeof gen_data, "first only");
    gen_only_first = 1; /* the second ticket's session gets no data from the callback */
    run_connection(cctx, sctx, NULL, &first);
    REQUIRE(first.ok && gen_calls == 2);
    /* The client's session is the last ticket's. */
    reset_callbacks();
    run_connection(cctx, sctx, first.session, &second);
    SSL_SESSION_free(first.session);
    SSL_SESSION_free(second.session);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    REQUIRE(second.ok && second.reused);
    REQUIRE(dec_calls == 1 && strcmp(dec_data[0], "first only") == 0);
    return 1;
}

/* The accessors on their own. */
static int test_set_get_appdata(void)
{
    SSL_SESSION *s = SSL_SESSION_new();
    void *data = (void *)1;
    size_t len = 99;

    REQUIRE(s);
    REQUIRE(SSL_SESSION_get0_ticket_appdata(s, &data, &len) == 1 && data == NULL && len == 0);
    REQUIRE(SSL_SESSION_set1_ticket_appdata(s, "abc", 3) == 1);
    REQUIRE(SSL_SESSION_get0_ticket_appdata(s, &data, &len) == 1 && len == 3 &&
          memcmp(data, "abc", 3) == 0);
    REQUIRE(SSL_SESSION_set1_ticket_appdata(s, NULL, 0) == 1);
    REQUIRE(SSL_SESSION_get0_ticket_appdata(s, &data, &len) == 1 && data == NULL && len == 0);
    SSL_SESSION_free(s);
    return 1;
}

static const struct test_case tests[] = {
    {"appdata_tls12", test_appdata_tls12},
    {"appdata_tls13", test_appdata_tls13},
    {"empty_ticket_tls12", test_empty_ticket_tls12},
    {"ignore_tls12", test_ignore_tls12},
    {"ignore_renew_tls12", test_ignore_renew_tls12},
    {"use_renew_tls12", test_use_renew_tls12},
    {"ignore_tls13", test_ignore_tls13},
    {"ignore_renew_tls13", test_ignore_renew_tls13},
    {"use_tls13", test_use_tls13},
    {"use_renew_tls13", test_use_renew_tls13},
    {"abort_tls12", test_abort_tls12},
    {"abort_tls13", test_abort_tls13},
    {"no_decrypt_tls12", test_no_decrypt_tls12},
    {"no_decrypt_tls13", test_no_decrypt_tls13},
    {"generate_failure_tls12", test_generate_failure_tls12},
    {"generate_failure_tls13", test_generate_failure_tls13},
    {"second_ticket_carries_data_tls13", test_second_ticket_carries_data_tls13},
    {"set_get_appdata", test_set_get_appdata},
};

int main(int argc, char **argv)
{
    ex_index = SSL_SESSION_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    return run_test_cases("test_ticket_cb", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}
