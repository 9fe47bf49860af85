/* Alerts, callbacks, the key log and the handshake-failure diagnosis, with both ends in this
 * process over memory BIOs. Written against OpenSSL's API; the diagnosis cases use libtls's
 * SSL_get_failure_* calls and print "skip NAME" when built against OpenSSL.
 *
 *   test_diag            run every test
 *   test_diag NAME...    run only these
 *   test_diag --list     print the test names
 * Run from the repository root (certificates are read from pki/). */
#include "common.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REQUIRE_STR(got, want)                                                           \
    do {                                                                                 \
        const char *got_ = (got);                                                        \
        if (!got_ || strcmp(got_, (want)) != 0) {                                        \
            snprintf(failure, sizeof failure, "%s:%d: got \"%s\", want \"%s\"", __FILE__, \
                     __LINE__, got_ ? got_ : "(null)", (want));                          \
            return 0;                                                                    \
        }                                                                                \
    } while (0)

#define REQUIRE_PREFIX(got, want)                                                        \
    do {                                                                                 \
        const char *got_ = (got);                                                        \
        if (!got_ || strncmp(got_, (want), strlen(want)) != 0) {                         \
            snprintf(failure, sizeof failure, "%s:%d: got \"%s\", want prefix \"%s\"",     \
                     __FILE__, __LINE__, got_ ? got_ : "(null)", (want));                \
            return 0;                                                                    \
        }                                                                                \
    } while (0)

/* ---- recording callbacks ---- */

struct info_event {
    const SSL *ssl;
    int where, ret;
    char state[96];
};

static struct info_event info_log[512];
static int info_count;

static void record_info(const SSL *ssl, int where, int ret)
{
    if (info_count < (int)(sizeof info_log / sizeof info_log[0])) {
        struct info_event *e = &info_log[info_count++];
        e->ssl = ssl;
        e->where = where;
        e->ret = ret;
        snprintf(e->state, sizeof e->state, "%s", SSL_state_string_long(ssl));
    }
}

struct msg_event {
    const SSL *ssl;
    int write_p, version, content_type;
    unsigned char first;
    size_t len;
    void *arg;
};

static struct msg_event msg_log[512];
static int msg_count;

static void record_msg(int write_p, int version, int content_type, const void *buf, size_t len,
                       SSL *ssl, void *arg)
{
    if (msg_count < (int)(sizeof msg_log / sizeof msg_log[0])) {
        struct msg_event *e = &msg_log[msg_count++];
        e->ssl = ssl;
        e->write_p = write_p;
        e->version = version;
        e->content_type = content_type;
        e->first = len ? ((const unsigned char *)buf)[0] : 0;
        e->len = len;
        e->arg = arg;
    }
}

static char keylog_lines[2][16][256];
static int keylog_counts[2];
static const SSL *keylog_client;

static void record_keylog(const SSL *ssl, const char *line)
{
    int side = ssl == keylog_client ? 0 : 1;
    if (keylog_counts[side] < 16)
        snprintf(keylog_lines[side][keylog_counts[side]++], 256, "%s", line);
}

static void reset_logs(void)
{
    info_count = 0;
    msg_count = 0;
    keylog_counts[0] = keylog_counts[1] = 0;
    keylog_client = NULL;
}

/* ---- contexts and an in-process connection ---- */

/* One side's outcome: the last handshake result and what the queue said right then. */
struct side {
    SSL *ssl;
    int done, failed, ret, ssl_error, reason;
};

struct conn {
    struct side client, server;
};

static int connect_pair(struct conn *c, SSL_CTX *cctx, SSL_CTX *sctx)
{
    memset(c, 0, sizeof *c);
    return mem_link(cctx, sctx, &c->client.ssl, &c->server.ssl) && client_names(c->client.ssl, "localhost");
}

static void step_side(struct side *s)
{
    if (s->done || s->failed)
        return;
    ERR_clear_error();
    s->ret = SSL_do_handshake(s->ssl);
    if (s->ret == 1) {
        s->done = 1;
        return;
    }
    s->ssl_error = SSL_get_error(s->ssl, s->ret);
    if (s->ssl_error != SSL_ERROR_WANT_READ && s->ssl_error != SSL_ERROR_WANT_WRITE) {
        s->failed = 1;
        s->reason = ERR_GET_REASON(ERR_peek_error());
    }
    ERR_clear_error();
}

/* Runs both handshakes until both finish or neither can move (one failed and the other
 * has read the alert, or waits for data that will not come). */
static void run_pair(struct conn *c)
{
    int round;
    for (round = 0; round < 50; round++) {
        step_side(&c->client);
        deliver(c->client.ssl, c->server.ssl);
        step_side(&c->server);
        deliver(c->server.ssl, c->client.ssl);
        if ((c->client.done || c->client.failed) && (c->server.done || c->server.failed))
            break;
    }
    /* A TLS 1.3 client finishes before the server has read its Finished; the server's
     * tickets and alerts after that are read like application data. */
    if (c->client.done) {
        char b;
        ERR_clear_error();
        SSL_peek(c->client.ssl, &b, 1);
        ERR_clear_error();
    }
}

static void free_pair(struct conn *c)
{
    SSL_free(c->client.ssl);
    SSL_free(c->server.ssl);
}

/* ---- alert strings ---- */

static int test_alert_strings(void)
{
    static const struct {
        int code;
        const char *short_name, *long_name;
    } table[] = {
        {0, "CN", "close notify"},
        {10, "UM", "unexpected_message"},
        {20, "BM", "bad record mac"},
        {21, "DC", "decryption failed"},
        {22, "RO", "record overflow"},
        {30, "DF", "decompression failure"},
        {40, "HF", "handshake failure"},
        {41, "NC", "no certificate"},
        {42, "BC", "bad certificate"},
        {43, "UC", "unsupported certificate"},
        {44, "CR", "certificate revoked"},
        {45, "CE", "certificate expired"},
        {46, "CU", "certificate unknown"},
        {47, "IP", "illegal parameter"},
        {48, "CA", "unknown CA"},
        {49, "AD", "access denied"},
        {50, "DE", "decode error"},
        {51, "CY", "decrypt error"},
        {60, "ER", "export restriction"},
        {70, "PV", "protocol version"},
        {71, "IS", "insufficient security"},
        {80, "IE", "internal error"},
        {90, "US", "user canceled"},
        {100, "NR", "no renegotiation"},
        {110, "UE", "unsupported extension"},
        {111, "CO", "certificate unobtainable"},
        {112, "UN", "unrecognized name"},
        {113, "BR", "bad certificate status response"},
        {114, "BH", "bad certificate hash value"},
        {115, "UP", "unknown PSK identity"},
        {120, "UK", "no application protocol"},
    };
    size_t i;
    int code;
    for (i = 0; i < sizeof table / sizeof table[0]; i++) {
        int fatal = (2 << 8) | table[i].code;
        REQUIRE_STR(SSL_alert_desc_string(fatal), table[i].short_name);
        REQUIRE_STR(SSL_alert_desc_string_long(fatal), table[i].long_name);
        REQUIRE_STR(SSL_alert_desc_string_long(table[i].code), table[i].long_name);
    }
    /* TLS 1.3's additions that OpenSSL 3.0 leaves nameless; libtls names them. */
#ifdef LIBTLS_TEST_OPENSSL
    REQUIRE_STR(SSL_alert_desc_string_long(86), "unknown");
    REQUIRE_STR(SSL_alert_desc_string_long(109), "unknown");
    REQUIRE_STR(SSL_alert_desc_string_long(116), "unknown");
#else
    REQUIRE_STR(SSL_alert_desc_string_long(86), "inappropriate fallback");
    REQUIRE_STR(SSL_alert_desc_string_long(109), "missing extension");
    REQUIRE_STR(SSL_alert_desc_string_long(116), "certificate required");
#endif
    /* Everything else is unknown. */
    for (code = 0; code < 256; code++) {
        int named = 0;
        for (i = 0; i < sizeof table / sizeof table[0]; i++)
            named |= table[i].code == code;
        if (named || code == 86 || code == 109 || code == 116)
            continue;
        REQUIRE_STR(SSL_alert_desc_string(code), "UK");
        REQUIRE_STR(SSL_alert_desc_string_long(code), "unknown");
    }
    REQUIRE_STR(SSL_alert_type_string(1 << 8), "W");
    REQUIRE_STR(SSL_alert_type_string(2 << 8), "F");
    REQUIRE_STR(SSL_alert_type_string(0), "U");
    REQUIRE_STR(SSL_alert_type_string_long((1 << 8) | 40), "warning");
    REQUIRE_STR(SSL_alert_type_string_long((2 << 8) | 40), "fatal");
    REQUIRE_STR(SSL_alert_type_string_long(3 << 8), "unknown");
    return 1;
}

/* ---- info callback order ---- */

/* `want` must appear in order among the client's (or server's) info events up to its
 * successful EXIT; other events may come in between. Entries are "start", "done",
 * "exit", or a state name for a LOOP. */
static int info_sequence_matches(const SSL *ssl, int loop_where, int exit_where,
                                 const char *const *want, size_t nwant)
{
    size_t next = 0;
    int i;
    for (i = 0; i < info_count && next < nwant; i++) {
        const struct info_event *e = &info_log[i];
        const char *w = want[next];
        if (e->ssl != ssl)
            continue;
        if (!strcmp(w, "start") ? e->where == SSL_CB_HANDSHAKE_START
            : !strcmp(w, "done") ? e->where == SSL_CB_HANDSHAKE_DONE
            : !strcmp(w, "exit") ? (e->where == exit_where && e->ret == 1 &&
                                    !strcmp(e->state, "SSL negotiation finished successfully"))
                                 : (e->where == loop_where && !strcmp(e->state, w)))
            next++;
    }
    if (next < nwant) {
        char seen[600] = "";
        for (i = 0; i < info_count; i++) {
            if (info_log[i].ssl == ssl && strlen(seen) < sizeof seen - 80) {
                char one[80];
                snprintf(one, sizeof one, "%x:%d:%s|", info_log[i].where, info_log[i].ret,
                         info_log[i].state);
                strcat(seen, one);
            }
        }
        snprintf(failure, sizeof failure, "missing \"%s\" in info events: %s", want[next], seen);
        return 0;
    }
    return 1;
}

static int handshake_with_info(int version, struct conn *c)
{
    SSL_CTX *cctx = test_client_ctx(0), *sctx = test_server_ctx("server-ecdsa-p256", 0);
    REQUIRE(cctx && sctx);
    SSL_CTX_set_min_proto_version(cctx, version);
    SSL_CTX_set_max_proto_version(cctx, version);
    SSL_CTX_set_info_callback(sctx, record_info);
    reset_logs();
    REQUIRE(connect_pair(c, cctx, sctx));
    SSL_set_info_callback(c->client.ssl, record_info);
    REQUIRE(SSL_get_info_callback(c->client.ssl) == record_info);
    REQUIRE(SSL_CTX_get_info_callback(sctx) == record_info);
    run_pair(c);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    REQUIRE(c->client.done && c->server.done);
    return 1;
}

static int test_info_callback_order_tls13(void)
{
    static const char *const client[] = {
        "start",
        "before SSL initialization",
        "SSLv3/TLS write client hello",
        "SSLv3/TLS read server hello",
        "TLSv1.3 read encrypted extensions",
        "SSLv3/TLS read server certificate",
        "TLSv1.3 read server certificate verify",
        "SSLv3/TLS read finished",
        "SSLv3/TLS write change cipher spec",
        "SSLv3/TLS write finished",
        "done",
        "exit",
    };
    static const char *const server[] = {
        "start",
        "before SSL initialization",
        "SSLv3/TLS read client hello",
        "SSLv3/TLS write server hello",
        "SSLv3/TLS write change cipher spec",
        "TLSv1.3 write encrypted extensions",
        "SSLv3/TLS write certificate",
        "TLSv1.3 write server certificate verify",
        "SSLv3/TLS write finished",
        "SSLv3/TLS read finished",
        "done",
        "exit",
    };
    struct conn c;
    int ok = handshake_with_info(TLS1_3_VERSION, &c) &&
             info_sequence_matches(c.client.ssl, SSL_CB_CONNECT_LOOP, SSL_CB_CONNECT_EXIT, client,
                                   sizeof client / sizeof client[0]) &&
             info_sequence_matches(c.server.ssl, SSL_CB_ACCEPT_LOOP, SSL_CB_ACCEPT_EXIT, server,
                                   sizeof server / sizeof server[0]);
    REQUIRE(ok);
    /* The first event of each side is HANDSHAKE_START. */
    REQUIRE(info_log[0].where == SSL_CB_HANDSHAKE_START);
    free_pair(&c);
    return 1;
}

static int test_info_callback_order_tls12(void)
{
    static const char *const client[] = {
        "start",
        "before SSL initialization",
        "SSLv3/TLS write client hello",
        "SSLv3/TLS read server hello",
        "SSLv3/TLS read server certificate",
        "SSLv3/TLS read server key exchange",
        "SSLv3/TLS read server done",
        "SSLv3/TLS write client key exchange",
        "SSLv3/TLS write change cipher spec",
        "SSLv3/TLS write finished",
        "SSLv3/TLS read finished",
        "done",
        "exit",
    };
    static const char *const server[] = {
        "start",
        "before SSL initialization",
        "SSLv3/TLS read client hello",
        "SSLv3/TLS write server hello",
        "SSLv3/TLS write certificate",
        "SSLv3/TLS write key exchange",
        "SSLv3/TLS write server done",
        "SSLv3/TLS read client key exchange",
        "SSLv3/TLS read finished",
        "SSLv3/TLS write change cipher spec",
        "SSLv3/TLS write finished",
        "done",
        "exit",
    };
    struct conn c;
    int ok = handshake_with_info(TLS1_2_VERSION, &c) &&
             info_sequence_matches(c.client.ssl, SSL_CB_CONNECT_LOOP, SSL_CB_CONNECT_EXIT, client,
                                   sizeof client / sizeof client[0]) &&
             info_sequence_matches(c.server.ssl, SSL_CB_ACCEPT_LOOP, SSL_CB_ACCEPT_EXIT, server,
                                   sizeof server / sizeof server[0]);
    REQUIRE(ok);
    free_pair(&c);
    return 1;
}

/* ---- message callback ---- */

static int test_msg_callback(void)
{
    SSL_CTX *cctx = test_client_ctx(0), *sctx = test_server_ctx("server-ecdsa-p256", 0);
    struct conn c;
    int i, saw_header = 0, saw_client_hello = 0, saw_server_hello = 0, saw_inner = 0;
    int saw_ccs = 0, saw_finished_in = 0;
    REQUIRE(cctx && sctx);
    SSL_CTX_set_min_proto_version(cctx, TLS1_3_VERSION);
    SSL_CTX_set_msg_callback(cctx, record_msg);
    SSL_CTX_set_msg_callback_arg(cctx, (void *)cctx);
    reset_logs();
    REQUIRE(connect_pair(&c, cctx, sctx));
    run_pair(&c);
    REQUIRE(c.client.done && c.server.done);
    for (i = 0; i < msg_count; i++) {
        const struct msg_event *e = &msg_log[i];
        REQUIRE(e->ssl == c.client.ssl);
        REQUIRE(e->arg == (void *)cctx);
        if (e->content_type == SSL3_RT_HEADER) {
            REQUIRE(e->len == 5);
            saw_header++;
        } else if (e->content_type == SSL3_RT_HANDSHAKE && e->write_p && e->first == 1) {
            /* The ClientHello comes right after its record header. */
            REQUIRE(i > 0 && msg_log[i - 1].content_type == SSL3_RT_HEADER && msg_log[i - 1].write_p);
            REQUIRE(e->len > 4);
            saw_client_hello++;
        } else if (e->content_type == SSL3_RT_HANDSHAKE && !e->write_p && e->first == 2) {
            REQUIRE(e->version == TLS1_3_VERSION);
            saw_server_hello++;
        } else if (e->content_type == SSL3_RT_INNER_CONTENT_TYPE) {
            REQUIRE(e->len == 1);
            saw_inner++;
        } else if (e->content_type == SSL3_RT_CHANGE_CIPHER_SPEC && e->write_p) {
            REQUIRE(e->len == 1 && e->first == 1);
            saw_ccs++;
        } else if (e->content_type == SSL3_RT_HANDSHAKE && !e->write_p && e->first == 20) {
            saw_finished_in++;
        }
    }
    REQUIRE(saw_header >= 4);
    REQUIRE(saw_client_hello == 1);
    REQUIRE(saw_server_hello == 1);
    REQUIRE(saw_inner >= 2);
    REQUIRE(saw_ccs == 1);
    REQUIRE(saw_finished_in == 1);
    free_pair(&c);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

/* ---- key log ---- */

static int is_lower_hex(const char *s, size_t len)
{
    size_t i;
    if (strlen(s) != len)
        return 0;
    for (i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

static int keylog_for(int version, const char *const *labels, size_t nlabels)
{
    SSL_CTX *cctx = test_client_ctx(0), *sctx = test_server_ctx("server-ecdsa-p256", 0);
    struct conn c;
    int side, i, j;
    REQUIRE(cctx && sctx);
    SSL_CTX_set_min_proto_version(cctx, version);
    SSL_CTX_set_max_proto_version(cctx, version);
    SSL_CTX_set_keylog_callback(cctx, record_keylog);
    SSL_CTX_set_keylog_callback(sctx, record_keylog);
    REQUIRE(SSL_CTX_get_keylog_callback(cctx) == record_keylog);
    reset_logs();
    REQUIRE(connect_pair(&c, cctx, sctx));
    keylog_client = c.client.ssl;
    run_pair(&c);
    REQUIRE(c.client.done && c.server.done);
    for (side = 0; side < 2; side++) {
        REQUIRE(keylog_counts[side] == (int)nlabels);
        for (i = 0; i < keylog_counts[side]; i++) {
            char label[64], random[128], secret[160];
            int found = 0;
            REQUIRE(sscanf(keylog_lines[side][i], "%63s %127s %159s", label, random, secret) == 3);
            for (j = 0; j < (int)nlabels; j++)
                found |= !strcmp(label, labels[j]);
            REQUIRE(found);
            REQUIRE(is_lower_hex(random, 64));
            REQUIRE(is_lower_hex(secret, 64) || is_lower_hex(secret, 96));
        }
    }
    /* Both ends derived the same secrets: each client line is also a server line. */
    for (i = 0; i < keylog_counts[0]; i++) {
        int found = 0;
        for (j = 0; j < keylog_counts[1]; j++)
            found |= !strcmp(keylog_lines[0][i], keylog_lines[1][j]);
        REQUIRE(found);
    }
    free_pair(&c);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_keylog(void)
{
    static const char *const tls13[] = {
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",         "SERVER_TRAFFIC_SECRET_0",
        "EXPORTER_SECRET",
    };
    static const char *const tls12[] = {"CLIENT_RANDOM"};
    return keylog_for(TLS1_3_VERSION, tls13, 5) && keylog_for(TLS1_2_VERSION, tls12, 1);
}

/* ---- alerts on a failed handshake ---- */

static int find_alert(const SSL *ssl, int where, int value)
{
    int i;
    for (i = 0; i < info_count; i++)
        if (info_log[i].ssl == ssl && info_log[i].where == where && info_log[i].ret == value)
            return 1;
    return 0;
}

/* A failed pair: client pinned to `client_version`, server to `server_version`, and
 * optionally a server certificate, suites or client-certificate requirement. */
struct scenario {
    int client_max, server_min;
    const char *server_cert;
    const char *client_suites, *server_suites;
    int require_client_cert;
};

static int run_failure(const struct scenario *sc, struct conn *c)
{
    SSL_CTX *cctx = test_client_ctx(0);
    SSL_CTX *sctx = test_server_ctx(sc->server_cert ? sc->server_cert : "server-ecdsa-p256", 0);
    REQUIRE(cctx && sctx);
    if (sc->client_max) {
        SSL_CTX_set_max_proto_version(cctx, sc->client_max);
        SSL_CTX_set_min_proto_version(cctx, sc->client_max);
    }
    if (sc->server_min) {
        SSL_CTX_set_min_proto_version(sctx, sc->server_min);
        SSL_CTX_set_max_proto_version(sctx, sc->server_min);
    }
    if (sc->client_suites)
        REQUIRE(SSL_CTX_set_ciphersuites(cctx, sc->client_suites) == 1);
    if (sc->server_suites)
        REQUIRE(SSL_CTX_set_ciphersuites(sctx, sc->server_suites) == 1);
    if (sc->require_client_cert) {
        REQUIRE(SSL_CTX_load_verify_locations(sctx, PKI "root-ca.pem", NULL) == 1);
        SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
    SSL_CTX_set_info_callback(cctx, record_info);
    SSL_CTX_set_info_callback(sctx, record_info);
    reset_logs();
    REQUIRE(connect_pair(c, cctx, sctx));
    run_pair(c);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

/* Checks one side of a failure: SSL_get_error, the queue's reason, and the alert the info
 * callback saw (`where` SSL_CB_WRITE_ALERT or SSL_CB_READ_ALERT, fatal level). */
static int check_side(const struct side *s, int reason, int where, int alert)
{
    if (!s->failed) {
        snprintf(failure, sizeof failure, "expected a failure (ret %d, ssl_error %d)", s->ret,
                 s->ssl_error);
        return 0;
    }
    if (s->ssl_error != SSL_ERROR_SSL || s->reason != reason) {
        snprintf(failure, sizeof failure, "ssl_error %d reason %d; want %d and %d",
                 s->ssl_error, s->reason, SSL_ERROR_SSL, reason);
        return 0;
    }
    if (!find_alert(s->ssl, where, (2 << 8) | alert)) {
        snprintf(failure, sizeof failure, "no %s alert %d in the info callback",
                 where == SSL_CB_WRITE_ALERT ? "sent" : "received", alert);
        return 0;
    }
    return 1;
}

static int test_alerts_no_common_version(void)
{
    struct scenario sc = {TLS1_2_VERSION, TLS1_3_VERSION, NULL, NULL, NULL, 0};
    struct conn c;
    REQUIRE(run_failure(&sc, &c));
    REQUIRE(check_side(&c.server, SSL_R_UNSUPPORTED_PROTOCOL, SSL_CB_WRITE_ALERT,
                     SSL_AD_PROTOCOL_VERSION));
    REQUIRE(check_side(&c.client, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION, SSL_CB_READ_ALERT,
                     SSL_AD_PROTOCOL_VERSION));
#ifndef LIBTLS_TEST_OPENSSL
    REQUIRE(SSL_get_failure_cause(c.server.ssl) == SSL_FAILURE_NO_COMMON_VERSION);
    REQUIRE_STR(SSL_get_failure_diagnosis(c.server.ssl),
              "no common protocol version: we offer TLSv1.3; peer offered TLSv1.2");
    REQUIRE_STR(SSL_get_failure_offer(c.server.ssl, SSL_FAILURE_PEERS, SSL_FAILURE_VERSIONS),
              "TLSv1.2");
    REQUIRE_STR(SSL_get_failure_offer(c.server.ssl, SSL_FAILURE_OURS, SSL_FAILURE_VERSIONS),
              "TLSv1.3");
    REQUIRE(SSL_get_failure_alert_sent(c.server.ssl) == SSL_AD_PROTOCOL_VERSION);
    REQUIRE(SSL_get_failure_alert_received(c.server.ssl) == -1);
    REQUIRE(SSL_get_failure_cause(c.client.ssl) == SSL_FAILURE_NO_COMMON_VERSION);
    REQUIRE(SSL_get_failure_alert_received(c.client.ssl) == SSL_AD_PROTOCOL_VERSION);
    REQUIRE_PREFIX(SSL_get_failure_diagnosis(c.client.ssl),
                 "no common protocol version: the server sent alert protocol_version (70) "
                 "during ServerHello; we offer TLSv1.2");
    REQUIRE_STR(SSL_failure_cause_name(SSL_get_failure_cause(c.client.ssl)), "no_common_version");
#endif
    free_pair(&c);
    return 1;
}

static int test_alerts_no_common_suite(void)
{
    struct scenario sc = {TLS1_3_VERSION, TLS1_3_VERSION, NULL, "TLS_AES_128_GCM_SHA256",
                          "TLS_CHACHA20_POLY1305_SHA256", 0};
    struct conn c;
    REQUIRE(run_failure(&sc, &c));
    REQUIRE(check_side(&c.server, SSL_R_NO_SHARED_CIPHER, SSL_CB_WRITE_ALERT,
                     SSL_AD_HANDSHAKE_FAILURE));
    REQUIRE(check_side(&c.client, SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE, SSL_CB_READ_ALERT,
                     SSL_AD_HANDSHAKE_FAILURE));
#ifndef LIBTLS_TEST_OPENSSL
    REQUIRE(SSL_get_failure_cause(c.server.ssl) == SSL_FAILURE_NO_COMMON_CIPHER_SUITE);
    REQUIRE_STR(SSL_get_failure_diagnosis(c.server.ssl),
              "no common cipher suite: peer offered [TLS_AES_128_GCM_SHA256]; we allow "
              "[TLS_CHACHA20_POLY1305_SHA256]");
    REQUIRE(SSL_get_failure_cause(c.client.ssl) == SSL_FAILURE_PEER_REJECTED_HELLO);
    REQUIRE_PREFIX(SSL_get_failure_diagnosis(c.client.ssl),
                 "the server sent alert handshake_failure (40) during ServerHello: it found "
                 "nothing acceptable in our ClientHello (versions TLSv1.3; suites "
                 "TLS_AES_128_GCM_SHA256; groups ");
    REQUIRE_STR(SSL_get_failure_offer(c.client.ssl, SSL_FAILURE_OURS, SSL_FAILURE_CIPHER_SUITES),
              "TLS_AES_128_GCM_SHA256");
    REQUIRE(SSL_get_failure_offer(c.client.ssl, SSL_FAILURE_PEERS, SSL_FAILURE_CIPHER_SUITES) ==
          NULL);
    REQUIRE_STR(SSL_get_failure_step(c.client.ssl), "TLS client read server hello");
#endif
    free_pair(&c);
    return 1;
}

/* The client rejects the server's certificate; `verify` is the X509_V_ code. */
static int certificate_failure(const char *cert, int verify, int alert, int reason_at_server,
                               struct conn *c)
{
    struct scenario sc = {0, 0, cert, NULL, NULL, 0};
    REQUIRE(run_failure(&sc, c));
    REQUIRE(check_side(&c->client, SSL_R_CERTIFICATE_VERIFY_FAILED, SSL_CB_WRITE_ALERT, alert));
    REQUIRE(SSL_get_verify_result(c->client.ssl) == verify);
    REQUIRE(check_side(&c->server, reason_at_server, SSL_CB_READ_ALERT, alert));
    return 1;
}

static int test_alerts_certificate_expired(void)
{
    struct conn c;
    REQUIRE(certificate_failure("expired-localhost", X509_V_ERR_CERT_HAS_EXPIRED,
                              SSL_AD_CERTIFICATE_EXPIRED, SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED,
                              &c));
#ifndef LIBTLS_TEST_OPENSSL
    REQUIRE(SSL_get_failure_cause(c.client.ssl) == SSL_FAILURE_CERTIFICATE_EXPIRED);
    REQUIRE_PREFIX(SSL_get_failure_diagnosis(c.client.ssl),
                 "server certificate 'CN=localhost' expired on 2021-01-01 (now ");
    REQUIRE(strstr(SSL_get_failure_diagnosis(c.client.ssl),
                 "if the certificate is current, check this machine's clock") != NULL);
    REQUIRE(SSL_get_failure_cert_not_after(c.client.ssl) == 1609459200);
    REQUIRE_STR(SSL_get_failure_cert_subject(c.client.ssl), "CN=localhost");
    REQUIRE(SSL_get_failure_cause(c.server.ssl) == SSL_FAILURE_PEER_REJECTED_CERTIFICATE);
    REQUIRE_PREFIX(SSL_get_failure_diagnosis(c.server.ssl),
                 "the client rejected our certificate with alert certificate_expired (45)");
#endif
    free_pair(&c);
    return 1;
}

static int test_alerts_certificate_not_yet_valid(void)
{
    struct conn c;
    REQUIRE(certificate_failure("notyetvalid-localhost", X509_V_ERR_CERT_NOT_YET_VALID,
                              SSL_AD_BAD_CERTIFICATE, SSL_R_SSLV3_ALERT_BAD_CERTIFICATE, &c));
#ifndef LIBTLS_TEST_OPENSSL
    REQUIRE(SSL_get_failure_cause(c.client.ssl) == SSL_FAILURE_CERTIFICATE_NOT_YET_VALID);
    REQUIRE_PREFIX(SSL_get_failure_diagnosis(c.client.ssl),
                 "server certificate 'CN=localhost' is not yet valid: valid from 2120-01-01 (now ");
    REQUIRE(strstr(SSL_get_failure_diagnosis(c.client.ssl), "this machine's clock may be behind"));
#endif
    free_pair(&c);
    return 1;
}

static int test_alerts_name_mismatch(void)
{
    struct conn c;
    REQUIRE(certificate_failure("wrong-name", X509_V_ERR_HOSTNAME_MISMATCH, SSL_AD_BAD_CERTIFICATE,
                              SSL_R_SSLV3_ALERT_BAD_CERTIFICATE, &c));
#ifndef LIBTLS_TEST_OPENSSL
    REQUIRE(SSL_get_failure_cause(c.client.ssl) == SSL_FAILURE_CERTIFICATE_NAME_MISMATCH);
    REQUIRE_STR(SSL_get_failure_diagnosis(c.client.ssl),
              "certificate for wrong.example does not match the requested name localhost");
    REQUIRE_STR(SSL_get_failure_expected_name(c.client.ssl), "localhost");
#endif
    free_pair(&c);
    return 1;
}

static int test_alerts_unknown_issuer(void)
{
    struct conn c;
    REQUIRE(certificate_failure("untrusted-localhost", X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
                              SSL_AD_UNKNOWN_CA, SSL_R_TLSV1_ALERT_UNKNOWN_CA, &c));
#ifndef LIBTLS_TEST_OPENSSL
    REQUIRE(SSL_get_failure_cause(c.client.ssl) == SSL_FAILURE_CERTIFICATE_UNKNOWN_ISSUER);
    REQUIRE_STR(SSL_get_failure_diagnosis(c.client.ssl),
              "unknown issuer 'CN=Untrusted Root': a TLS-inspecting proxy or antivirus may be "
              "intercepting the connection, or the CA bundle is missing it");
    REQUIRE_STR(SSL_get_failure_cert_issuer(c.client.ssl), "CN=Untrusted Root");
    REQUIRE(SSL_get_failure_cause(c.server.ssl) == SSL_FAILURE_PEER_REJECTED_CERTIFICATE);
#endif
    free_pair(&c);
    return 1;
}

static int test_alerts_client_certificate_required(void)
{
    struct scenario sc = {TLS1_2_VERSION, 0, NULL, NULL, NULL, 1};
    struct conn c;
    REQUIRE(run_failure(&sc, &c));
    REQUIRE(check_side(&c.server, SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE, SSL_CB_WRITE_ALERT,
                     SSL_AD_HANDSHAKE_FAILURE));
    REQUIRE(check_side(&c.client, SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE, SSL_CB_READ_ALERT,
                     SSL_AD_HANDSHAKE_FAILURE));
#ifndef LIBTLS_TEST_OPENSSL
    REQUIRE(SSL_get_failure_cause(c.server.ssl) == SSL_FAILURE_CERTIFICATE_REQUIRED);
    REQUIRE(SSL_get_failure_cause(c.client.ssl) == SSL_FAILURE_CERTIFICATE_REQUIRED);
    REQUIRE(strstr(SSL_get_failure_diagnosis(c.client.ssl), "it probably requires one"));
#endif
    free_pair(&c);
    return 1;
}

/* ---- the transport ends ---- */

static int test_eof_before_server_hello(void)
{
    SSL_CTX *cctx = test_client_ctx(0);
    SSL *ssl;
    int fds[2], r;
    char buf[4096];
    REQUIRE(cctx);
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    ssl = SSL_new(cctx);
    REQUIRE(ssl && SSL_set_fd(ssl, fds[0]) == 1);
    /* The "server" reads the ClientHello and hangs up: no TLS server at this port. */
    if (fork() == 0) {
        ssize_t got = read(fds[1], buf, sizeof buf);
        (void)got;
        _exit(0);
    }
    close(fds[1]);
    ERR_clear_error();
    r = SSL_connect(ssl);
    REQUIRE(r <= 0);
    REQUIRE(SSL_get_error(ssl, r) == SSL_ERROR_SSL);
    REQUIRE(ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING);
#ifndef LIBTLS_TEST_OPENSSL
    REQUIRE(SSL_get_failure_cause(ssl) == SSL_FAILURE_CLOSED_BEFORE_HELLO);
    REQUIRE_STR(SSL_get_failure_diagnosis(ssl),
              "connection closed by peer before ServerHello (no TLS server at this port?)");
#endif
    ERR_clear_error();
    SSL_free(ssl);
    close(fds[0]);
    SSL_CTX_free(cctx);
    return 1;
}

static int test_syscall_error_keeps_errno(void)
{
    SSL_CTX *cctx = test_client_ctx(0);
    SSL *ssl;
    int fds[2], r, saved;
    REQUIRE(cctx);
    signal(SIGPIPE, SIG_IGN);
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    close(fds[1]);
    ssl = SSL_new(cctx);
    REQUIRE(ssl && SSL_set_fd(ssl, fds[0]) == 1);
    ERR_clear_error();
    errno = 0;
    r = SSL_connect(ssl);
    saved = errno;
    REQUIRE(r <= 0);
    REQUIRE(SSL_get_error(ssl, r) == SSL_ERROR_SYSCALL);
    REQUIRE(saved == EPIPE);
#ifndef LIBTLS_TEST_OPENSSL
    REQUIRE(SSL_get_failure_cause(ssl) == SSL_FAILURE_IO_ERROR);
    REQUIRE(SSL_get_failure_errno(ssl) == EPIPE);
#endif
    ERR_clear_error();
    SSL_free(ssl);
    close(fds[0]);
    SSL_CTX_free(cctx);
    return 1;
}

/* ---- the error queue ---- */

static int test_error_queue_marks(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    unsigned long first, last, e;
    const char *data = NULL, *file = NULL;
    int line = -1, flags = 0;
    REQUIRE(ctx);
    ERR_clear_error();
    REQUIRE(SSL_CTX_use_certificate_file(ctx, "/nonexistent/cert.pem", SSL_FILETYPE_PEM) != 1);
    first = ERR_peek_error();
    last = ERR_peek_last_error();
    REQUIRE(first != 0);
    REQUIRE(ERR_set_mark() == 1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(ctx, "/nonexistent/key.pem", SSL_FILETYPE_PEM) != 1);
    REQUIRE(ERR_peek_last_error() != 0);
    REQUIRE(ERR_pop_to_mark() == 1);
    REQUIRE(ERR_peek_last_error() == last);
    e = ERR_get_error_all(&file, &line, NULL, &data, &flags);
    REQUIRE(e == first);
    REQUIRE(file != NULL && data != NULL);
    ERR_clear_error();
    REQUIRE(ERR_get_error() == 0);
    REQUIRE(ERR_pop_to_mark() == 0);
    REQUIRE(ERR_GET_LIB(SSL_R_CERTIFICATE_VERIFY_FAILED | (20UL << 23)) == 20);
    REQUIRE(ERR_GET_REASON(0x0A000086UL) == SSL_R_CERTIFICATE_VERIFY_FAILED);
    SSL_CTX_free(ctx);
    return 1;
}

static const struct test_case tests[] = {
    {"alert_strings", test_alert_strings},
    {"info_callback_order_tls13", test_info_callback_order_tls13},
    {"info_callback_order_tls12", test_info_callback_order_tls12},
    {"msg_callback", test_msg_callback},
    {"keylog", test_keylog},
    {"alerts_no_common_version", test_alerts_no_common_version},
    {"alerts_no_common_suite", test_alerts_no_common_suite},
    {"alerts_certificate_expired", test_alerts_certificate_expired},
    {"alerts_certificate_not_yet_valid", test_alerts_certificate_not_yet_valid},
    {"alerts_name_mismatch", test_alerts_name_mismatch},
    {"alerts_unknown_issuer", test_alerts_unknown_issuer},
    {"alerts_client_certificate_required", test_alerts_client_certificate_required},
    {"eof_before_server_hello", test_eof_before_server_hello},
    {"syscall_error_keeps_errno", test_syscall_error_keeps_errno},
    {"error_queue_marks", test_error_queue_marks},
};

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    return run_test_cases("test_diag", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}
