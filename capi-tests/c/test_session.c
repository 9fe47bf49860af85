/* Sessions and resumption through the C API, over memory BIOs: TLS 1.2 tickets and session
 * IDs, TLS 1.3 tickets, i2d/d2i, the session cache with its external callbacks and statistics,
 * and shared ticket keys. Written against OpenSSL's API; the libtls-only calls are marked.
 *
 *   test_session            run every test
 *   test_session NAME...    run only these
 *   test_session --list     print the test names
 * Run from the repository root (certificates are read from pki/). */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static SSL_CTX *server_ctx(int version)
{
    SSL_CTX *ctx = test_server_ctx("server-ecdsa-p256", version);
    if (ctx && SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"test", 4) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* One connection over memory BIOs: handshake (offering `resume`), a byte each way so TLS 1.3
 * tickets reach the client, then the client's session (new reference) in *session_out. */
static int connect_once(SSL_CTX *cctx, SSL_CTX *sctx, SSL_SESSION *resume,
                        SSL_SESSION **session_out, int *reused)
{
    SSL *client, *server;
    int ok = 0;

    *session_out = NULL;
    if (!mem_link(cctx, sctx, &client, &server))
        return 0;
    client_names(client, "localhost");
    if (resume)
        SSL_set_session(client, resume);
    if (!mem_handshake(client, server, NULL) || !mem_exchange(client, server))
        goto out;
    *reused = SSL_session_reused(client);
    if (*reused != SSL_session_reused(server))
        goto out;
    *session_out = SSL_get1_session(client);
    ok = *session_out != NULL;
    /* A clean shutdown: OpenSSL makes the session of a connection freed without one
     * unresumable. */
    mem_shutdown(client, server);
out:
    SSL_free(client);
    SSL_free(server);
    return ok;
}

static int test_resume_tls12_ticket(void)
{
    SSL_CTX *sctx = server_ctx(TLS1_2_VERSION), *cctx = test_client_ctx(0);
    SSL_SESSION *s1, *s2;
    int reused = -1;
    REQUIRE(sctx && cctx);
    REQUIRE(connect_once(cctx, sctx, NULL, &s1, &reused));
    REQUIRE(reused == 0);
    REQUIRE(SSL_SESSION_get_protocol_version(s1) == TLS1_2_VERSION);
    REQUIRE(SSL_SESSION_has_ticket(s1) == 1);
    REQUIRE(SSL_SESSION_get_ticket_lifetime_hint(s1) > 0);
    REQUIRE(SSL_SESSION_is_resumable(s1) == 1);
    REQUIRE(connect_once(cctx, sctx, s1, &s2, &reused));
    REQUIRE(reused == 1);
    REQUIRE(SSL_CTX_sess_hits(sctx) == 1);
    REQUIRE(SSL_CTX_sess_accept(sctx) == 2 && SSL_CTX_sess_accept_good(sctx) == 2);
    REQUIRE(SSL_CTX_sess_connect_good(cctx) == 2);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_resume_tls12_session_id(void)
{
    SSL_CTX *sctx = server_ctx(TLS1_2_VERSION), *cctx = test_client_ctx(0);
    SSL_SESSION *s1, *s2;
    unsigned int id_len = 0;
    int reused = -1;
    REQUIRE(sctx && cctx);
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    REQUIRE(SSL_CTX_get_session_cache_mode(sctx) == SSL_SESS_CACHE_SERVER);
    REQUIRE(connect_once(cctx, sctx, NULL, &s1, &reused));
    REQUIRE(reused == 0);
    REQUIRE(SSL_SESSION_has_ticket(s1) == 0);
    REQUIRE(SSL_SESSION_get_id(s1, &id_len) != NULL && id_len == 32);
    REQUIRE(SSL_CTX_sess_number(sctx) == 1);
    REQUIRE(connect_once(cctx, sctx, s1, &s2, &reused));
    REQUIRE(reused == 1);
    REQUIRE(SSL_CTX_sess_hits(sctx) == 1);
    /* With caching off nothing is kept and nothing resumes. */
    SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_flush_sessions(sctx, 0x7fffffffL);
    SSL_SESSION_free(s2);
    REQUIRE(connect_once(cctx, sctx, s1, &s2, &reused));
    REQUIRE(reused == 0);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_resume_tls13(void)
{
    SSL_CTX *sctx = server_ctx(TLS1_3_VERSION), *cctx = test_client_ctx(0);
    SSL_SESSION *s1, *s2;
    int reused = -1;
    REQUIRE(sctx && cctx);
    REQUIRE(SSL_CTX_get_num_tickets(sctx) == 2);
    REQUIRE(connect_once(cctx, sctx, NULL, &s1, &reused));
    REQUIRE(reused == 0);
    REQUIRE(SSL_SESSION_get_protocol_version(s1) == TLS1_3_VERSION);
    REQUIRE(SSL_SESSION_has_ticket(s1) == 1);
    REQUIRE(SSL_SESSION_is_resumable(s1) == 1);
    REQUIRE(connect_once(cctx, sctx, s1, &s2, &reused));
    REQUIRE(reused == 1);
    SSL_SESSION_free(s2);
    /* Without tickets there is nothing to resume with. */
    REQUIRE(SSL_CTX_set_num_tickets(sctx, 0) == 1);
    SSL_SESSION_free(s1);
    REQUIRE(connect_once(cctx, sctx, NULL, &s1, &reused));
    REQUIRE(SSL_SESSION_is_resumable(s1) == 0);
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
    SSL_CTX *sctx = server_ctx(TLS1_3_VERSION), *cctx = test_client_ctx(0);
    SSL_SESSION *s1, *s2;
    int reused = -1;
    REQUIRE(sctx && cctx);
    REQUIRE(SSL_CTX_set_num_tickets(sctx, 3) == 1);
    SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT);
    SSL_CTX_sess_set_new_cb(cctx, count_client_session);
    client_new_sessions = 0;
    REQUIRE(connect_once(cctx, sctx, NULL, &s1, &reused));
    REQUIRE(reused == 0);
    REQUIRE(client_new_sessions == 3);
    client_new_sessions = 0;
    REQUIRE(connect_once(cctx, sctx, s1, &s2, &reused));
    REQUIRE(reused == 1);
    REQUIRE(client_new_sessions == 1);
    REQUIRE(SSL_SESSION_is_resumable(s2) == 1);
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_i2d_d2i(void)
{
    static const unsigned char garbage[] = "0123456789 this is not a session at all";
    SSL_CTX *sctx = server_ctx(TLS1_3_VERSION), *cctx = test_client_ctx(0);
    SSL_SESSION *s1, *s2, *copy;
    unsigned char *der = NULL, *buf, *w;
    const unsigned char *p;
    int len, reused = -1;
    long t;
    REQUIRE(sctx && cctx);
    REQUIRE(connect_once(cctx, sctx, NULL, &s1, &reused));
    len = i2d_SSL_SESSION(s1, NULL);
    REQUIRE(len > 0);
    REQUIRE(i2d_SSL_SESSION(s1, &der) == len && der != NULL);
    buf = malloc((size_t)len);
    w = buf;
    REQUIRE(i2d_SSL_SESSION(s1, &w) == len && w == buf + len);
    REQUIRE(memcmp(buf, der, (size_t)len) == 0);
    p = der;
    copy = d2i_SSL_SESSION(NULL, &p, len);
    REQUIRE(copy != NULL && p == der + len);
    REQUIRE(SSL_SESSION_get_protocol_version(copy) == TLS1_3_VERSION);
    t = SSL_SESSION_get_time(copy);
    REQUIRE(t > 0 && t == SSL_SESSION_get_time(s1));
    REQUIRE(SSL_SESSION_set_timeout(copy, 1234) == 1 && SSL_SESSION_get_timeout(copy) == 1234);
    REQUIRE(connect_once(cctx, sctx, copy, &s2, &reused));
    REQUIRE(reused == 1);
    /* Garbage and truncations are refused with an error, never a crash. */
    ERR_clear_error();
    p = garbage;
    REQUIRE(d2i_SSL_SESSION(NULL, &p, (long)sizeof garbage) == NULL);
    REQUIRE(ERR_peek_error() != 0);
    ERR_clear_error();
    p = der;
    REQUIRE(d2i_SSL_SESSION(NULL, &p, len / 2) == NULL);
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
    SSL_CTX *sctx = server_ctx(TLS1_2_VERSION), *cctx = test_client_ctx(0);
    SSL_SESSION *s1, *s2;
    int reused = -1;
    REQUIRE(sctx && cctx);
    /* A TLS 1.2-only client sends no session ID of its own in a first handshake (one offering
     * TLS 1.3 would, and the server would ask the get callback about it). */
    REQUIRE(SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION) == 1);
    memset(&cache, 0, sizeof cache);
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    SSL_CTX_sess_set_new_cb(sctx, on_new);
    SSL_CTX_sess_set_get_cb(sctx, on_get);
    SSL_CTX_sess_set_remove_cb(sctx, on_remove);
    REQUIRE(SSL_CTX_sess_get_new_cb(sctx) == on_new);

    REQUIRE(connect_once(cctx, sctx, NULL, &s1, &reused));
    REQUIRE(reused == 0 && cache.news == 1 && cache.gets == 0);
    /* Found in the internal cache: the get callback is not asked. */
    REQUIRE(connect_once(cctx, sctx, s1, &s2, &reused));
    REQUIRE(reused == 1 && cache.gets == 0 && cache.news == 1);
    SSL_SESSION_free(s2);
    /* Removing it from the internal cache tells the remove callback. */
    {
        /* (OpenSSL marks the object passed here unresumable: pass another copy.) */
        SSL_SESSION *victim = copy_session(cache.stored);
        REQUIRE(SSL_CTX_remove_session(sctx, victim) == 1);
        SSL_SESSION_free(victim);
    }
    REQUIRE(cache.removes == 1);
    REQUIRE(SSL_CTX_sess_number(sctx) == 0);
    /* Regression (issue 22): removing a session the internal cache does not hold tells the
     * remove callback all the same (an external cache may hold it), and returns 0. */
    {
        SSL_SESSION *victim = copy_session(cache.stored);
        REQUIRE(SSL_CTX_remove_session(sctx, victim) == 0);
        SSL_SESSION_free(victim);
    }
    REQUIRE(cache.removes == 2);
    /* Now only the external cache has it. */
    REQUIRE(connect_once(cctx, sctx, s1, &s2, &reused));
    REQUIRE(reused == 1 && cache.gets == 1 && cache.get_found == 1);
    REQUIRE(SSL_CTX_sess_cb_hits(sctx) == 1);
    REQUIRE(SSL_CTX_sess_hits(sctx) == 2);
    SSL_SESSION_free(s2);
    /* An unknown session ID: asked, not found, a full handshake. (OpenSSL copies sessions
     * found through the callback into its internal cache: flush it.) */
    SSL_SESSION_free(cache.stored);
    cache.stored = NULL;
    SSL_CTX_flush_sessions(sctx, 0x7fffffffL);
    REQUIRE(connect_once(cctx, sctx, s1, &s2, &reused));
    REQUIRE(reused == 0 && cache.gets == 2 && cache.news == 2);
    REQUIRE(SSL_CTX_sess_misses(sctx) >= 1);
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
    SSL_CTX *sctx = server_ctx(TLS1_2_VERSION), *cctx = test_client_ctx(0);
    SSL_SESSION *s1, *s2, *s3;
    int reused = -1;
    REQUIRE(sctx && cctx);
    SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET);
    REQUIRE(SSL_CTX_get_timeout(sctx) > 0);
    SSL_CTX_sess_set_cache_size(sctx, 1);
    REQUIRE(SSL_CTX_sess_get_cache_size(sctx) == 1);
    REQUIRE(connect_once(cctx, sctx, NULL, &s1, &reused));
    REQUIRE(connect_once(cctx, sctx, NULL, &s2, &reused));
    /* The second session pushed the first one out. */
    REQUIRE(SSL_CTX_sess_number(sctx) == 1);
    REQUIRE(SSL_CTX_sess_cache_full(sctx) == 1);
    REQUIRE(connect_once(cctx, sctx, s2, &s3, &reused));
    REQUIRE(reused == 1);
    SSL_SESSION_free(s3);
    REQUIRE(connect_once(cctx, sctx, s1, &s3, &reused));
    REQUIRE(reused == 0);
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
    SSL_CTX *other = server_ctx(TLS1_2_VERSION), *cctx = test_client_ctx(0);
    SSL_SESSION *s1, *s2;
    unsigned char keys[80];
    int reused = -1;
    REQUIRE(a && b && other && cctx);
    fleet_keys(keys, 1);
    REQUIRE(SSL_CTX_set_tlsext_ticket_keys(a, keys, sizeof keys) == 1);
    REQUIRE(SSL_CTX_set_tlsext_ticket_keys(b, keys, sizeof keys) == 1);
    REQUIRE(connect_once(cctx, a, NULL, &s1, &reused));
    /* Server b shares a's keys: it resumes a's ticket. */
    REQUIRE(connect_once(cctx, b, s1, &s2, &reused));
    REQUIRE(reused == 1);
    SSL_SESSION_free(s2);
    /* A server with its own keys cannot: a full handshake, no error. */
    REQUIRE(connect_once(cctx, other, s1, &s2, &reused));
    REQUIRE(reused == 0);
    SSL_SESSION_free(s2);
    /* Same keys but another session ID context: not resumed either. */
    REQUIRE(SSL_CTX_set_session_id_context(b, (const unsigned char *)"else", 4) == 1);
    REQUIRE(connect_once(cctx, b, s1, &s2, &reused));
    REQUIRE(reused == 0);
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
    SSL_CTX *sctx = server_ctx(TLS1_2_VERSION), *cctx = test_client_ctx(0);
    SSL_SESSION *s1, *s2;
    int reused = -1;
    REQUIRE(sctx && cctx);
    key_cb_calls = 0;
    key_cb_renew = 0;
    REQUIRE(SSL_CTX_set_ticket_key_cb(sctx, ticket_key_cb) == 1);
    REQUIRE(connect_once(cctx, sctx, NULL, &s1, &reused));
    REQUIRE(key_cb_calls == 1 && SSL_SESSION_has_ticket(s1));
    REQUIRE(connect_once(cctx, sctx, s1, &s2, &reused));
    REQUIRE(reused == 1 && key_cb_calls == 2);
    SSL_SESSION_free(s2);
    key_cb_renew = 1;
    REQUIRE(connect_once(cctx, sctx, s1, &s2, &reused));
    REQUIRE(reused == 1 && key_cb_calls == 4); /* opened, then a renewed ticket sealed */
    SSL_SESSION_free(s1);
    SSL_SESSION_free(s2);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_explicit_key_list_rotation(void)
{
    SSL_CTX *sctx = server_ctx(TLS1_2_VERSION), *cctx = test_client_ctx(0);
    SSL_SESSION *old, *renewed, *s;
    unsigned char two[96], bad[47];
    int reused = -1;
    REQUIRE(sctx && cctx);
    memset(two, 0x11, 48);      /* key 1: name 11.., key 11.. */
    memset(two + 48, 0x22, 48); /* key 2 */
    REQUIRE(SSL_CTX_set_tlsext_ticket_keys(sctx, two + 48, 48) == 1);
    REQUIRE(connect_once(cctx, sctx, NULL, &old, &reused));
    /* Rotation: key 1 seals, key 2 still opens, and the ticket is renewed. */
    REQUIRE(SSL_CTX_set_tlsext_ticket_keys(sctx, two, sizeof two) == 1);
    REQUIRE(connect_once(cctx, sctx, old, &renewed, &reused));
    REQUIRE(reused == 1);
    /* Key 2 retired: the old ticket gives a full handshake; the renewed one resumes. */
    REQUIRE(SSL_CTX_set_tlsext_ticket_keys(sctx, two, 48) == 1);
    REQUIRE(connect_once(cctx, sctx, old, &s, &reused));
    REQUIRE(reused == 0);
    SSL_SESSION_free(s);
    REQUIRE(connect_once(cctx, sctx, renewed, &s, &reused));
    REQUIRE(reused == 1);
    SSL_SESSION_free(s);
    memset(bad, 0, sizeof bad);
    REQUIRE(SSL_CTX_set_tlsext_ticket_keys(sctx, bad, sizeof bad) == 0);
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
