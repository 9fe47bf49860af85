/* Sessions and resumption through the C API, over memory BIOs: TLS 1.2 tickets and session
 * IDs, TLS 1.3 tickets, i2d/d2i, the session cache with its external callbacks and statistics,
 * and shared ticket keys. Written against OpenSSL's API; the libtls-only calls are marked.
 *
 *   test_session            run every test
 *   test_session NAME...    run only these
 *   test_session --list     print the test names
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
            return 0;                                                                    \
        }                                                                                \
    } while (0)

static SSL_CTX *server_ctx(int version)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        return NULL;
    if (SSL_CTX_use_certificate_chain_file(ctx, PKI "server-ecdsa-p256.chain.pem") != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, PKI "server-ecdsa-p256.key", SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_set_min_proto_version(ctx, version) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, version) != 1 ||
        SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"test", 4) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static SSL_CTX *client_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx && SSL_CTX_load_verify_locations(ctx, PKI "root-ca.pem", NULL) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return ctx;
}

static void shuttle(BIO *from, BIO *to)
{
    char buf[4096];
    int n;
    while ((n = BIO_read(from, buf, sizeof buf)) > 0)
        BIO_write(to, buf, n);
}

/* One connection over memory BIOs: handshake (offering `resume`), a byte each way so TLS 1.3
 * tickets reach the client, then the client's session (new reference) in *session_out. */
static int connect_once(SSL_CTX *cctx, SSL_CTX *sctx, SSL_SESSION *resume,
                        SSL_SESSION **session_out, int *reused)
{
    SSL *client = SSL_new(cctx), *server = SSL_new(sctx);
    BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
    BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
    int c_done = 0, s_done = 0, rounds, ok = 0;
    char byte;

    *session_out = NULL;
    SSL_set_bio(client, c_in, c_out);
    SSL_set_bio(server, s_in, s_out);
    SSL_set_connect_state(client);
    SSL_set_accept_state(server);
    SSL_set_tlsext_host_name(client, "localhost");
    SSL_set1_host(client, "localhost");
    if (resume)
        SSL_set_session(client, resume);
    for (rounds = 0; rounds < 100 && !(c_done && s_done); rounds++) {
        int r;
        if (!c_done) {
            r = SSL_do_handshake(client);
            if (r == 1)
                c_done = 1;
            else if (SSL_get_error(client, r) != SSL_ERROR_WANT_READ)
                goto out;
        }
        shuttle(c_out, s_in);
        if (!s_done) {
            r = SSL_do_handshake(server);
            if (r == 1)
                s_done = 1;
            else if (SSL_get_error(server, r) != SSL_ERROR_WANT_READ)
                goto out;
        }
        shuttle(s_out, c_in);
    }
    if (!(c_done && s_done))
        goto out;
    if (SSL_write(server, "s", 1) != 1)
        goto out;
    shuttle(s_out, c_in);
    if (SSL_read(client, &byte, 1) != 1 || SSL_write(client, "c", 1) != 1)
        goto out;
    shuttle(c_out, s_in);
    if (SSL_read(server, &byte, 1) != 1)
        goto out;
    *reused = SSL_session_reused(client);
    if (*reused != SSL_session_reused(server))
        goto out;
    *session_out = SSL_get1_session(client);
    ok = *session_out != NULL;
    /* A clean shutdown: OpenSSL makes the session of a connection freed without one
     * unresumable. */
    SSL_shutdown(client);
    shuttle(c_out, s_in);
    SSL_shutdown(server);
    shuttle(s_out, c_in);
    SSL_shutdown(client);
out:
    SSL_free(client);
    SSL_free(server);
    return ok;
}

static int test_resume_tls12_ticket(void)
{
    SSL_CTX *sctx = server_ctx(TLS1_2_VERSION), *cctx = client_ctx();
    SSL_SESSION *s1, *s2;
    int reused = -1;
    CHECK(sctx && cctx);
    CHECK(connect_once(cctx, sctx, NULL, &s1, &reused));
    CHECK(reused == 0);
    CHECK(SSL_SESSION_get_protocol_version(s1) == TLS1_2_VERSION);
    CHECK(SSL_SESSION_has_ticket(s1) == 1);
    CHECK(SSL_SESSION_get_ticket_lifetime_hint(s1) > 0);
    CHECK(SSL_SESSION_is_resumable(s1) == 1);
    CHECK(connect_once(cctx, sctx, s1, &s2, &reused));
    CHECK(reused == 1);
    CHECK(SSL_CTX_sess_hits(sctx) == 1);
    CHECK(SSL_CTX_sess_accept(sctx) == 2 && SSL_CTX_sess_accept_good(sctx) == 2);
    CHECK(SSL_CTX_sess_connect_good(cctx) == 2);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_resume_tls12_session_id(void)
{
    SSL_CTX *sctx = server_ctx(TLS1_2_VERSION), *cctx = client_ctx();
    SSL_SESSION *s1, *s2;
    unsigned int id_len = 0;
    int reused = -1;
    CHECK(sctx && cctx);
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    CHECK(SSL_CTX_get_session_cache_mode(sctx) == SSL_SESS_CACHE_SERVER);
    CHECK(connect_once(cctx, sctx, NULL, &s1, &reused));
    CHECK(reused == 0);
    CHECK(SSL_SESSION_has_ticket(s1) == 0);
    CHECK(SSL_SESSION_get_id(s1, &id_len) != NULL && id_len == 32);
    CHECK(SSL_CTX_sess_number(sctx) == 1);
    CHECK(connect_once(cctx, sctx, s1, &s2, &reused));
    CHECK(reused == 1);
    CHECK(SSL_CTX_sess_hits(sctx) == 1);
    /* With caching off nothing is kept and nothing resumes. */
    SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_flush_sessions(sctx, 0x7fffffffL);
    SSL_SESSION_free(s2);
    CHECK(connect_once(cctx, sctx, s1, &s2, &reused));
    CHECK(reused == 0);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_resume_tls13(void)
{
    SSL_CTX *sctx = server_ctx(TLS1_3_VERSION), *cctx = client_ctx();
    SSL_SESSION *s1, *s2;
    int reused = -1;
    CHECK(sctx && cctx);
    CHECK(SSL_CTX_get_num_tickets(sctx) == 2);
    CHECK(connect_once(cctx, sctx, NULL, &s1, &reused));
    CHECK(reused == 0);
    CHECK(SSL_SESSION_get_protocol_version(s1) == TLS1_3_VERSION);
    CHECK(SSL_SESSION_has_ticket(s1) == 1);
    CHECK(SSL_SESSION_is_resumable(s1) == 1);
    CHECK(connect_once(cctx, sctx, s1, &s2, &reused));
    CHECK(reused == 1);
    SSL_SESSION_free(s2);
    /* Without tickets there is nothing to resume with. */
    CHECK(SSL_CTX_set_num_tickets(sctx, 0) == 1);
    SSL_SESSION_free(s1);
    CHECK(connect_once(cctx, sctx, NULL, &s1, &reused));
    CHECK(SSL_SESSION_is_resumable(s1) == 0);
    SSL_SESSION_free(s1);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int client_new_sessions;

static int count_client_session(SSL *ssl, SSL_SESSION *session)
{
    (void)ssl;
    (void)session;
    client_new_sessions++;
    return 0;
}

/* num_tickets tickets follow a full TLS 1.3 handshake, but a resumed client gets one, in place
 * of the one it spent (OpenSSL's behaviour, which libtls follows). */
static int test_tls13_one_ticket_after_resumption(void)
{
    SSL_CTX *sctx = server_ctx(TLS1_3_VERSION), *cctx = client_ctx();
    SSL_SESSION *s1, *s2;
    int reused = -1;
    CHECK(sctx && cctx);
    CHECK(SSL_CTX_set_num_tickets(sctx, 3) == 1);
    SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT);
    SSL_CTX_sess_set_new_cb(cctx, count_client_session);
    client_new_sessions = 0;
    CHECK(connect_once(cctx, sctx, NULL, &s1, &reused));
    CHECK(reused == 0);
    CHECK(client_new_sessions == 3);
    client_new_sessions = 0;
    CHECK(connect_once(cctx, sctx, s1, &s2, &reused));
    CHECK(reused == 1);
    CHECK(client_new_sessions == 1);
    CHECK(SSL_SESSION_is_resumable(s2) == 1);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_i2d_d2i(void)
{
    static const unsigned char garbage[] = "0123456789 this is not a session at all";
    SSL_CTX *sctx = server_ctx(TLS1_3_VERSION), *cctx = client_ctx();
    SSL_SESSION *s1, *s2, *copy;
    unsigned char *der = NULL, *buf, *w;
    const unsigned char *p;
    int len, reused = -1;
    long t;
    CHECK(sctx && cctx);
    CHECK(connect_once(cctx, sctx, NULL, &s1, &reused));
    len = i2d_SSL_SESSION(s1, NULL);
    CHECK(len > 0);
    CHECK(i2d_SSL_SESSION(s1, &der) == len && der != NULL);
    buf = malloc((size_t)len);
    w = buf;
    CHECK(i2d_SSL_SESSION(s1, &w) == len && w == buf + len);
    CHECK(memcmp(buf, der, (size_t)len) == 0);
    p = der;
    copy = d2i_SSL_SESSION(NULL, &p, len);
    CHECK(copy != NULL && p == der + len);
    CHECK(SSL_SESSION_get_protocol_version(copy) == TLS1_3_VERSION);
    t = SSL_SESSION_get_time(copy);
    CHECK(t > 0 && t == SSL_SESSION_get_time(s1));
    CHECK(SSL_SESSION_set_timeout(copy, 1234) == 1 && SSL_SESSION_get_timeout(copy) == 1234);
    CHECK(connect_once(cctx, sctx, copy, &s2, &reused));
    CHECK(reused == 1);
    /* Garbage and truncations are refused with an error, never a crash. */
    ERR_clear_error();
    p = garbage;
    CHECK(d2i_SSL_SESSION(NULL, &p, (long)sizeof garbage) == NULL);
    CHECK(ERR_peek_error() != 0);
    ERR_clear_error();
    p = der;
    CHECK(d2i_SSL_SESSION(NULL, &p, len / 2) == NULL);
    ERR_clear_error();
    OPENSSL_free(der);
    free(buf);
    SSL_SESSION_free(copy);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

/* The external cache: what the callbacks saw. */
static struct {
    SSL_SESSION *stored;
    unsigned char id[32];
    unsigned int id_len;
    int news, gets, removes, get_found;
} cache;

/* A serialised copy, as a cache shared between processes would hold. */
static SSL_SESSION *copy_session(SSL_SESSION *session)
{
    unsigned char *der = NULL;
    const unsigned char *p;
    SSL_SESSION *copy = NULL;
    int len = i2d_SSL_SESSION(session, &der);
    p = der;
    if (len > 0)
        copy = d2i_SSL_SESSION(NULL, &p, len);
    OPENSSL_free(der);
    return copy;
}

static int on_new(SSL *ssl, SSL_SESSION *session)
{
    const unsigned char *id = SSL_SESSION_get_id(session, &cache.id_len);
    (void)ssl;
    if (cache.id_len > sizeof cache.id)
        return 0;
    memcpy(cache.id, id, cache.id_len);
    SSL_SESSION_free(cache.stored);
    cache.stored = copy_session(session);
    cache.news++;
    return 0; /* the library keeps its reference */
}

static SSL_SESSION *on_get(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    (void)ssl;
    cache.gets++;
    if (!cache.stored || len != (int)cache.id_len || memcmp(id, cache.id, (size_t)len) != 0)
        return NULL;
    cache.get_found++;
    *copy = 1; /* we keep our reference */
    return cache.stored;
}

static void on_remove(SSL_CTX *ctx, SSL_SESSION *session)
{
    unsigned int len = 0;
    const unsigned char *id = SSL_SESSION_get_id(session, &len);
    (void)ctx;
    if (len == cache.id_len && memcmp(id, cache.id, len) == 0)
        cache.removes++;
}

static int test_external_cache_callbacks(void)
{
    SSL_CTX *sctx = server_ctx(TLS1_2_VERSION), *cctx = client_ctx();
    SSL_SESSION *s1, *s2;
    int reused = -1;
    CHECK(sctx && cctx);
    /* A TLS 1.2-only client sends no session ID of its own in a first handshake (one offering
     * TLS 1.3 would, and the server would ask the get callback about it). */
    CHECK(SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION) == 1);
    memset(&cache, 0, sizeof cache);
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_CTX_sess_set_new_cb(sctx, on_new);
    SSL_CTX_sess_set_get_cb(sctx, on_get);
    SSL_CTX_sess_set_remove_cb(sctx, on_remove);
    CHECK(SSL_CTX_sess_get_new_cb(sctx) == on_new);

    CHECK(connect_once(cctx, sctx, NULL, &s1, &reused));
    CHECK(reused == 0 && cache.news == 1 && cache.gets == 0);
    /* Found in the internal cache: the get callback is not asked. */
    CHECK(connect_once(cctx, sctx, s1, &s2, &reused));
    CHECK(reused == 1 && cache.gets == 0 && cache.news == 1);
    SSL_SESSION_free(s2);
    /* Removing it from the internal cache tells the remove callback. */
    {
        /* (OpenSSL marks the object passed here unresumable: pass another copy.) */
        SSL_SESSION *victim = copy_session(cache.stored);
        CHECK(SSL_CTX_remove_session(sctx, victim) == 1);
        SSL_SESSION_free(victim);
    }
    CHECK(cache.removes == 1);
    CHECK(SSL_CTX_sess_number(sctx) == 0);
    /* Regression (issue 22): removing a session the internal cache does not hold tells the
     * remove callback all the same (an external cache may hold it), and returns 0. */
    {
        SSL_SESSION *victim = copy_session(cache.stored);
        CHECK(SSL_CTX_remove_session(sctx, victim) == 0);
        SSL_SESSION_free(victim);
    }
    CHECK(cache.removes == 2);
    /* Now only the external cache has it. */
    CHECK(connect_once(cctx, sctx, s1, &s2, &reused));
    CHECK(reused == 1 && cache.gets == 1 && cache.get_found == 1);
    CHECK(SSL_CTX_sess_cb_hits(sctx) == 1);
    CHECK(SSL_CTX_sess_hits(sctx) == 2);
    SSL_SESSION_free(s2);
    /* An unknown session ID: asked, not found, a full handshake. (OpenSSL copies sessions
     * found through the callback into its internal cache: flush it.) */
    SSL_SESSION_free(cache.stored);
    cache.stored = NULL;
    SSL_CTX_flush_sessions(sctx, 0x7fffffffL);
    CHECK(connect_once(cctx, sctx, s1, &s2, &reused));
    CHECK(reused == 0 && cache.gets == 2 && cache.news == 2);
    CHECK(SSL_CTX_sess_misses(sctx) >= 1);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    SSL_SESSION_free(cache.stored);
    cache.stored = NULL;
    return 1;
}

static int test_cache_size_and_timeout(void)
{
    SSL_CTX *sctx = server_ctx(TLS1_2_VERSION), *cctx = client_ctx();
    SSL_SESSION *s1, *s2, *s3;
    int reused = -1;
    CHECK(sctx && cctx);
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    CHECK(SSL_CTX_get_timeout(sctx) > 0);
    SSL_CTX_sess_set_cache_size(sctx, 1);
    CHECK(SSL_CTX_sess_get_cache_size(sctx) == 1);
    CHECK(connect_once(cctx, sctx, NULL, &s1, &reused));
    CHECK(connect_once(cctx, sctx, NULL, &s2, &reused));
    /* The second session pushed the first one out. */
    CHECK(SSL_CTX_sess_number(sctx) == 1);
    CHECK(SSL_CTX_sess_cache_full(sctx) == 1);
    CHECK(connect_once(cctx, sctx, s2, &s3, &reused));
    CHECK(reused == 1);
    SSL_SESSION_free(s3);
    CHECK(connect_once(cctx, sctx, s1, &s3, &reused));
    CHECK(reused == 0);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_SESSION_free(s3);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

/* OpenSSL's 80-byte layout (name, HMAC secret, AES key), which both libraries accept. */
static void fleet_keys(unsigned char keys[80], unsigned char seed)
{
    int i;
    for (i = 0; i < 80; i++)
        keys[i] = (unsigned char)(seed + i);
}

static int test_shared_ticket_keys(void)
{
    SSL_CTX *a = server_ctx(TLS1_2_VERSION), *b = server_ctx(TLS1_2_VERSION);
    SSL_CTX *other = server_ctx(TLS1_2_VERSION), *cctx = client_ctx();
    SSL_SESSION *s1, *s2;
    unsigned char keys[80];
    int reused = -1;
    CHECK(a && b && other && cctx);
    fleet_keys(keys, 1);
    CHECK(SSL_CTX_set_tlsext_ticket_keys(a, keys, sizeof keys) == 1);
    CHECK(SSL_CTX_set_tlsext_ticket_keys(b, keys, sizeof keys) == 1);
    CHECK(connect_once(cctx, a, NULL, &s1, &reused));
    /* Server b shares a's keys: it resumes a's ticket. */
    CHECK(connect_once(cctx, b, s1, &s2, &reused));
    CHECK(reused == 1);
    SSL_SESSION_free(s2);
    /* A server with its own keys cannot: a full handshake, no error. */
    CHECK(connect_once(cctx, other, s1, &s2, &reused));
    CHECK(reused == 0);
    SSL_SESSION_free(s2);
    /* Same keys but another session ID context: not resumed either. */
    CHECK(SSL_CTX_set_session_id_context(b, (const unsigned char *)"else", 4) == 1);
    CHECK(connect_once(cctx, b, s1, &s2, &reused));
    CHECK(reused == 0);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_CTX_free(a);
    SSL_CTX_free(b);
    SSL_CTX_free(other);
    SSL_CTX_free(cctx);
    return 1;
}

#ifndef LIBTLS_TEST_OPENSSL
static int key_cb_calls, key_cb_renew;

/* libtls's key callback: one application-held key; decryption asks for renewal when told. */
static int ticket_key_cb(SSL *ssl, unsigned char *key_name, unsigned char *key, int enc)
{
    (void)ssl;
    key_cb_calls++;
    if (enc) {
        memset(key_name, 0x42, TLSEXT_KEYNAME_LENGTH);
        memset(key, 0x24, LIBTLS_TICKET_KEY_LENGTH);
        return 1;
    }
    if (key_name[0] != 0x42)
        return 0;
    memset(key, 0x24, LIBTLS_TICKET_KEY_LENGTH);
    return key_cb_renew ? 2 : 1;
}

static int test_ticket_key_callback(void)
{
    SSL_CTX *sctx = server_ctx(TLS1_2_VERSION), *cctx = client_ctx();
    SSL_SESSION *s1, *s2;
    int reused = -1;
    CHECK(sctx && cctx);
    key_cb_calls = 0;
    key_cb_renew = 0;
    CHECK(SSL_CTX_set_ticket_key_cb(sctx, ticket_key_cb) == 1);
    CHECK(connect_once(cctx, sctx, NULL, &s1, &reused));
    CHECK(key_cb_calls == 1 && SSL_SESSION_has_ticket(s1));
    CHECK(connect_once(cctx, sctx, s1, &s2, &reused));
    CHECK(reused == 1 && key_cb_calls == 2);
    SSL_SESSION_free(s2);
    key_cb_renew = 1;
    CHECK(connect_once(cctx, sctx, s1, &s2, &reused));
    CHECK(reused == 1 && key_cb_calls == 4); /* opened, then a renewed ticket sealed */
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_explicit_key_list_rotation(void)
{
    SSL_CTX *sctx = server_ctx(TLS1_2_VERSION), *cctx = client_ctx();
    SSL_SESSION *old, *renewed, *s;
    unsigned char two[96], bad[47];
    int reused = -1;
    CHECK(sctx && cctx);
    memset(two, 0x11, 48);      /* key 1: name 11.., key 11.. */
    memset(two + 48, 0x22, 48); /* key 2 */
    CHECK(SSL_CTX_set_tlsext_ticket_keys(sctx, two + 48, 48) == 1);
    CHECK(connect_once(cctx, sctx, NULL, &old, &reused));
    /* Rotation: key 1 seals, key 2 still opens, and the ticket is renewed. */
    CHECK(SSL_CTX_set_tlsext_ticket_keys(sctx, two, sizeof two) == 1);
    CHECK(connect_once(cctx, sctx, old, &renewed, &reused));
    CHECK(reused == 1);
    /* Key 2 retired: the old ticket gives a full handshake; the renewed one resumes. */
    CHECK(SSL_CTX_set_tlsext_ticket_keys(sctx, two, 48) == 1);
    CHECK(connect_once(cctx, sctx, old, &s, &reused));
    CHECK(reused == 0);
    SSL_SESSION_free(s);
    CHECK(connect_once(cctx, sctx, renewed, &s, &reused));
    CHECK(reused == 1);
    SSL_SESSION_free(s);
    memset(bad, 0, sizeof bad);
    CHECK(SSL_CTX_set_tlsext_ticket_keys(sctx, bad, sizeof bad) == 0);
    ERR_clear_error();
    SSL_SESSION_free(old);
    SSL_SESSION_free(renewed);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}
#endif

static const struct test_case tests[] = {
    {"resume_tls12_ticket", test_resume_tls12_ticket},
    {"resume_tls12_session_id", test_resume_tls12_session_id},
    {"resume_tls13", test_resume_tls13},
    {"tls13_one_ticket_after_resumption", test_tls13_one_ticket_after_resumption},
    {"i2d_d2i", test_i2d_d2i},
    {"external_cache_callbacks", test_external_cache_callbacks},
    {"cache_size_and_timeout", test_cache_size_and_timeout},
    {"shared_ticket_keys", test_shared_ticket_keys},
#ifndef LIBTLS_TEST_OPENSSL
    {"ticket_key_callback", test_ticket_key_callback},
    {"explicit_key_list_rotation", test_explicit_key_list_rotation},
#endif
};

int main(int argc, char **argv)
{
    return run_test_cases("test_session", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}
