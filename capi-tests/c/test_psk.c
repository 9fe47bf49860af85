/* External PSKs and post-handshake authentication through the C API, over memory BIOs: the
 * session-based PSK callbacks with SSL_SESSION_new and its setters, the identity/key
 * callbacks with the identity hint, a wrong key, and SSL_verify_client_post_handshake with its
 * error cases. Written against OpenSSL's API.
 *
 *   test_psk            run every test
 *   test_psk NAME...    run only these
 *   test_psk --list     print the test names
 * Run from the repository root (certificates are read from pki/). */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char KEY[16] = "0123456789abcdef";
static const char IDENTITY[] = "sensor-17";

static int has_peer_certificate(SSL *ssl)
{
    X509 *peer = SSL_get1_peer_certificate(ssl);
    X509_free(peer);
    return peer != NULL;
}

/* A client and a server joined by memory BIOs (common.h's pump carries the bytes). */
struct pair {
    SSL *client, *server;
};

static int pair_new(struct pair *p, SSL_CTX *cctx, SSL_CTX *sctx)
{
    return mem_link(cctx, sctx, &p->client, &p->server);
}

static void pair_free(struct pair *p)
{
    SSL_free(p->client);
    SSL_free(p->server);
}

/* 1 when both sides completed the handshake; 0 when one failed (its SSL_get_error is
 * SSL_ERROR_SSL). */
static int handshake(struct pair *p)
{
    return mem_handshake(p->client, p->server, NULL);
}

/* One byte each way. */
static int exchange(struct pair *p)
{
    return mem_exchange(p->client, p->server);
}

/* OpenSSL picks the suite before it looks at PSKs and skips a PSK of another hash, so both
 * sides offer only the PSK's suite (libtls would switch to it). */
static SSL_CTX *psk_ctx(const SSL_METHOD *method)
{
    SSL_CTX *ctx = SSL_CTX_new(method);
    if (ctx && (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
                SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256") != 1)) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static SSL_SESSION *make_psk_session(SSL *ssl, const unsigned char *key, size_t len)
{
    static const unsigned char aes128gcm_sha256[2] = {0x13, 0x01};
    const SSL_CIPHER *cipher = SSL_CIPHER_find(ssl, aes128gcm_sha256);
    SSL_SESSION *s = SSL_SESSION_new();
    if (!cipher || !s || !SSL_SESSION_set1_master_key(s, key, len) || !SSL_SESSION_set_cipher(s, cipher) ||
        !SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION)) {
        SSL_SESSION_free(s);
        return NULL;
    }
    return s;
}

static int use_session_calls, use_session_md_was_null;
static const unsigned char *client_key = KEY;

static int use_session(SSL *ssl, const EVP_MD *md, const unsigned char **id, size_t *idlen,
                       SSL_SESSION **sess)
{
    use_session_calls++;
    use_session_md_was_null += md == NULL;
    *sess = make_psk_session(ssl, client_key, sizeof KEY);
    *id = (const unsigned char *)IDENTITY;
    *idlen = strlen(IDENTITY);
    return *sess != NULL;
}

static int find_session_calls;

static int find_session(SSL *ssl, const unsigned char *identity, size_t identity_len, SSL_SESSION **sess)
{
    find_session_calls++;
    *sess = NULL;
    if (identity_len == strlen(IDENTITY) && memcmp(identity, IDENTITY, identity_len) == 0)
        *sess = make_psk_session(ssl, KEY, sizeof KEY);
    return 1;
}

static int test_psk_session_callbacks(void)
{
    SSL_CTX *cctx = psk_ctx(TLS_client_method()), *sctx = psk_ctx(TLS_server_method());
    struct pair p;
    int ok;
    const char *seen;
    REQUIRE(cctx && sctx);
    /* No certificate on the server: only the PSK can succeed. */
    SSL_CTX_set_psk_use_session_callback(cctx, use_session);
    SSL_CTX_set_psk_find_session_callback(sctx, find_session);
    use_session_calls = use_session_md_was_null = find_session_calls = 0;
    REQUIRE(pair_new(&p, cctx, sctx));
    ok = handshake(&p) && exchange(&p);
    seen = SSL_get_psk_identity(p.server);
    REQUIRE(ok);
    REQUIRE(use_session_calls >= 1 && use_session_md_was_null >= 1);
    REQUIRE(find_session_calls == 1);
    REQUIRE(SSL_session_reused(p.client) == 1 && SSL_session_reused(p.server) == 1);
    REQUIRE(!has_peer_certificate(p.client));
#ifndef LIBTLS_TEST_OPENSSL
    /* libtls reports the identity in TLS 1.3 too; OpenSSL 3.0 only after TLS 1.2 PSK. */
    REQUIRE(seen && strcmp(seen, IDENTITY) == 0);
#else
    (void)seen;
#endif
    REQUIRE(strcmp(SSL_CIPHER_get_name(SSL_get_current_cipher(p.client)), "TLS_AES_128_GCM_SHA256") == 0);
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_psk_wrong_key_fails_on_the_binder(void)
{
    static const unsigned char other[16] = "fedcba9876543210";
    SSL_CTX *cctx = psk_ctx(TLS_client_method()), *sctx = psk_ctx(TLS_server_method());
    struct pair p;
    int r;
    unsigned long e;
    REQUIRE(cctx && sctx);
    SSL_CTX_set_psk_use_session_callback(cctx, use_session);
    SSL_CTX_set_psk_find_session_callback(sctx, find_session);
    client_key = other;
    REQUIRE(pair_new(&p, cctx, sctx));
    ERR_clear_error();
    r = SSL_do_handshake(p.client);
    REQUIRE(r != 1 && SSL_get_error(p.client, r) == SSL_ERROR_WANT_READ);
    deliver(p.client, p.server);
    r = SSL_do_handshake(p.server);
    client_key = KEY;
    REQUIRE(r != 1 && SSL_get_error(p.server, r) == SSL_ERROR_SSL);
    e = ERR_peek_last_error();
    REQUIRE(ERR_GET_REASON(e) == SSL_R_BINDER_DOES_NOT_VERIFY);
    ERR_clear_error();
    deliver(p.server, p.client);
    r = SSL_do_handshake(p.client);
    REQUIRE(r != 1 && SSL_get_error(p.client, r) == SSL_ERROR_SSL);
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int client_cb_hint_was_null;
static char client_cb_hint[300];

static unsigned int client_cb(SSL *ssl, const char *hint, char *identity, unsigned int max_identity_len,
                              unsigned char *psk, unsigned int max_psk_len)
{
    (void)ssl;
    client_cb_hint_was_null = hint == NULL;
    snprintf(client_cb_hint, sizeof client_cb_hint, "%s", hint ? hint : "");
    if (strlen(IDENTITY) >= max_identity_len || sizeof KEY > max_psk_len)
        return 0;
    strcpy(identity, IDENTITY);
    memcpy(psk, KEY, sizeof KEY);
    return sizeof KEY;
}

static char server_cb_identity[300];

static unsigned int server_cb(SSL *ssl, const char *identity, unsigned char *psk, unsigned int max_psk_len)
{
    (void)ssl;
    snprintf(server_cb_identity, sizeof server_cb_identity, "%s", identity);
    if (strcmp(identity, IDENTITY) != 0 || sizeof KEY > max_psk_len)
        return 0;
    memcpy(psk, KEY, sizeof KEY);
    return sizeof KEY;
}

/* The TLS 1.2-era callbacks (mosquitto's) mapped onto TLS 1.3, as OpenSSL 3.0 maps them. */
static int test_psk_identity_callbacks(void)
{
    SSL_CTX *cctx = psk_ctx(TLS_client_method()), *sctx = psk_ctx(TLS_server_method());
    struct pair p;
    int ok;
    const char *hint, *seen;
    REQUIRE(cctx && sctx);
    SSL_CTX_set_psk_client_callback(cctx, client_cb);
    SSL_CTX_set_psk_server_callback(sctx, server_cb);
    REQUIRE(SSL_CTX_use_psk_identity_hint(sctx, "the hint") == 1);
    server_cb_identity[0] = '\0';
    client_cb_hint_was_null = 0;
    REQUIRE(pair_new(&p, cctx, sctx));
    REQUIRE(SSL_use_psk_identity_hint(p.server, "another") == 1);
    ok = handshake(&p) && exchange(&p);
    /* The hint of the handshake: TLS 1.3 has none. */
    hint = SSL_get_psk_identity_hint(p.server);
    REQUIRE(hint == NULL);
    seen = SSL_get_psk_identity(p.server);
    REQUIRE(ok);
    REQUIRE(client_cb_hint_was_null); /* TLS 1.3 has no hint */
    REQUIRE(strcmp(server_cb_identity, IDENTITY) == 0);
#ifndef LIBTLS_TEST_OPENSSL
    REQUIRE(seen && strcmp(seen, IDENTITY) == 0);
#else
    (void)seen;
#endif
    REQUIRE(SSL_session_reused(p.server) == 1);
    REQUIRE(strcmp(SSL_CIPHER_get_name(SSL_get_current_cipher(p.server)), "TLS_AES_128_GCM_SHA256") == 0);
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

/* The same callbacks with a TLS 1.2 PSK suite (RFC 4279): the client's callback gets the hint,
 * both ends report the identity and the hint. */
static int test_psk12_identity_and_hint(void)
{
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method()), *sctx = SSL_CTX_new(TLS_server_method());
    struct pair p;
    int ok;
    const char *seen;
    REQUIRE(cctx && sctx);
    REQUIRE(SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION) == 1);
    REQUIRE(SSL_CTX_set_cipher_list(cctx, "PSK-AES128-GCM-SHA256") == 1);
    REQUIRE(SSL_CTX_set_cipher_list(sctx, "PSK") == 1);
    SSL_CTX_set_psk_client_callback(cctx, client_cb);
    SSL_CTX_set_psk_server_callback(sctx, server_cb);
    REQUIRE(SSL_CTX_use_psk_identity_hint(sctx, "the hint") == 1);
    server_cb_identity[0] = '\0';
    client_cb_hint[0] = '\0';
    REQUIRE(pair_new(&p, cctx, sctx));
    ok = handshake(&p) && exchange(&p);
    REQUIRE(ok);
    REQUIRE(strcmp(SSL_CIPHER_get_name(SSL_get_current_cipher(p.client)), "PSK-AES128-GCM-SHA256") == 0);
    REQUIRE(!has_peer_certificate(p.client));
    REQUIRE(strcmp(client_cb_hint, "the hint") == 0);
    REQUIRE(strcmp(server_cb_identity, IDENTITY) == 0);
    seen = SSL_get_psk_identity_hint(p.client);
    REQUIRE(seen && strcmp(seen, "the hint") == 0);
    seen = SSL_get_psk_identity(p.client);
    REQUIRE(seen && strcmp(seen, IDENTITY) == 0);
    seen = SSL_get_psk_identity(p.server);
    REQUIRE(seen && strcmp(seen, IDENTITY) == 0);
#ifndef LIBTLS_TEST_OPENSSL
    seen = SSL_get_psk_identity_hint(p.server);
    REQUIRE(seen && strcmp(seen, "the hint") == 0);
#endif
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static unsigned int empty_identity_cb(SSL *ssl, const char *hint, char *identity,
                                      unsigned int max_identity_len, unsigned char *psk,
                                      unsigned int max_psk_len)
{
    (void)ssl;
    (void)hint;
    if (max_identity_len < 1 || sizeof KEY > max_psk_len)
        return 0;
    identity[0] = '\0';
    memcpy(psk, KEY, sizeof KEY);
    return sizeof KEY;
}

static unsigned int empty_identity_server_cb(SSL *ssl, const char *identity, unsigned char *psk,
                                             unsigned int max_psk_len)
{
    (void)ssl;
    if (*identity != '\0' || sizeof KEY > max_psk_len)
        return 0;
    memcpy(psk, KEY, sizeof KEY);
    return sizeof KEY;
}

/* An empty identity: no TLS 1.3 PSK (identities are 1 byte or more) but no failure either, and
 * the TLS 1.2 PSK suite that follows takes it (RFC 4279 allows it, as OpenSSL). */
static int test_psk12_empty_identity(void)
{
#ifdef LIBTLS_TEST_OPENSSL
    /* libtls's own choice for TLS 1.3; not compared with OpenSSL. */
    (void)empty_identity_cb;
    (void)empty_identity_server_cb;
    return 1;
#else
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method()), *sctx = SSL_CTX_new(TLS_server_method());
    struct pair p;
    const char *seen;
    REQUIRE(cctx && sctx);
    REQUIRE(SSL_CTX_set_max_proto_version(sctx, TLS1_2_VERSION) == 1);
    REQUIRE(SSL_CTX_set_cipher_list(cctx, "DEFAULT:PSK") == 1);
    REQUIRE(SSL_CTX_set_cipher_list(sctx, "PSK") == 1);
    SSL_CTX_set_psk_client_callback(cctx, empty_identity_cb);
    SSL_CTX_set_psk_server_callback(sctx, empty_identity_server_cb);
    REQUIRE(pair_new(&p, cctx, sctx));
    REQUIRE(handshake(&p) && exchange(&p));
    REQUIRE(SSL_version(p.client) == TLS1_2_VERSION);
    seen = SSL_get_psk_identity(p.server);
    REQUIRE(seen && *seen == '\0');
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
#endif
}

static int test_psk_session_setters(void)
{
    static const unsigned char aes256[2] = {0x13, 0x02};
    unsigned char long_key[600], out[64];
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = ctx ? SSL_new(ctx) : NULL;
    SSL_SESSION *s = SSL_SESSION_new();
    const SSL_CIPHER *c;
    REQUIRE(ssl && s);
    memset(long_key, 7, sizeof long_key);
    REQUIRE(SSL_SESSION_set1_master_key(s, long_key, sizeof long_key) == 0);
    ERR_clear_error();
    REQUIRE(SSL_SESSION_set1_master_key(s, KEY, sizeof KEY) == 1);
    REQUIRE(SSL_SESSION_get_master_key(s, NULL, 0) == sizeof KEY);
    REQUIRE(SSL_SESSION_get_master_key(s, out, sizeof out) == sizeof KEY && memcmp(out, KEY, sizeof KEY) == 0);
    c = SSL_CIPHER_find(ssl, aes256);
    REQUIRE(c && strcmp(SSL_CIPHER_get_name(c), "TLS_AES_256_GCM_SHA384") == 0);
    REQUIRE(SSL_CIPHER_get_handshake_digest(c) == EVP_sha384());
    REQUIRE(SSL_SESSION_set_cipher(s, c) == 1 && SSL_SESSION_get0_cipher(s) == c);
    REQUIRE(SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION) == 1);
    REQUIRE(SSL_SESSION_get_protocol_version(s) == TLS1_3_VERSION);
    SSL_SESSION_free(s);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return 1;
}

/* ---- post-handshake authentication -------------------------------------------------------- */

static int verify_calls;

static int count_verify(int ok, X509_STORE_CTX *store)
{
    (void)store;
    verify_calls++;
    return ok;
}

static SSL_CTX *pha_server_ctx(void)
{
    SSL_CTX *ctx = test_server_ctx("server-ecdsa-p256", 0);
    if (!ctx || SSL_CTX_load_verify_locations(ctx, PKI "root-ca.pem", NULL) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_POST_HANDSHAKE, count_verify);
    return ctx;
}

static SSL_CTX *pha_client_ctx(int offer)
{
    SSL_CTX *ctx = test_client_ctx(0);
    if (!ctx || !ctx_use_identity(ctx, "client-ecdsa-p256")) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_post_handshake_auth(ctx, offer);
    return ctx;
}

static int test_post_handshake_auth(void)
{
    SSL_CTX *cctx = pha_client_ctx(1), *sctx = pha_server_ctx();
    struct pair p;
    char byte;
    int r;
    X509 *peer;
    REQUIRE(cctx && sctx);
    verify_calls = 0;
    REQUIRE(pair_new(&p, cctx, sctx));
    REQUIRE(handshake(&p) && exchange(&p));
    REQUIRE(!has_peer_certificate(p.server));
    REQUIRE(verify_calls == 0);
    REQUIRE(SSL_verify_client_post_handshake(p.server) == 1);
    REQUIRE(SSL_do_handshake(p.server) == 1);
    /* One request at a time. */
    REQUIRE(SSL_verify_client_post_handshake(p.server) == 0);
    REQUIRE(ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_REQUEST_SENT);
    ERR_clear_error();
    deliver(p.server, p.client);
    /* The client answers while reading. */
    r = SSL_read(p.client, &byte, 1);
    REQUIRE(r <= 0 && SSL_get_error(p.client, r) == SSL_ERROR_WANT_READ);
    deliver(p.client, p.server);
    r = SSL_read(p.server, &byte, 1);
    REQUIRE(r <= 0 && SSL_get_error(p.server, r) == SSL_ERROR_WANT_READ);
    peer = SSL_get1_peer_certificate(p.server);
    REQUIRE(peer != NULL);
    X509_free(peer);
    REQUIRE(verify_calls > 0);
    REQUIRE(SSL_get_verify_result(p.server) == X509_V_OK);
    REQUIRE(exchange(&p));
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_post_handshake_auth_errors(void)
{
    SSL_CTX *cctx = pha_client_ctx(0), *sctx = pha_server_ctx();
    struct pair p;
    REQUIRE(cctx && sctx);
    /* Before the handshake. */
    REQUIRE(pair_new(&p, cctx, sctx));
    REQUIRE(SSL_verify_client_post_handshake(p.server) == 0);
    ERR_clear_error();
    /* The client did not offer it. */
    REQUIRE(handshake(&p) && exchange(&p));
    REQUIRE(SSL_verify_client_post_handshake(p.server) == 0);
    REQUIRE(ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_EXTENSION_NOT_RECEIVED);
    ERR_clear_error();
    /* A client cannot ask. */
    REQUIRE(SSL_verify_client_post_handshake(p.client) == 0);
    ERR_clear_error();
    pair_free(&p);
    /* TLS 1.2. */
    SSL_CTX_set_post_handshake_auth(cctx, 1);
    REQUIRE(SSL_CTX_set_max_proto_version(sctx, TLS1_2_VERSION) == 1);
    REQUIRE(pair_new(&p, cctx, sctx));
    REQUIRE(handshake(&p) && exchange(&p));
    REQUIRE(SSL_verify_client_post_handshake(p.server) == 0);
    REQUIRE(ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_WRONG_SSL_VERSION);
    ERR_clear_error();
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static const struct test_case tests[] = {
    {"psk_session_callbacks", test_psk_session_callbacks},
    {"psk_wrong_key_fails_on_the_binder", test_psk_wrong_key_fails_on_the_binder},
    {"psk_identity_callbacks", test_psk_identity_callbacks},
    {"psk12_identity_and_hint", test_psk12_identity_and_hint},
    {"psk12_empty_identity", test_psk12_empty_identity},
    {"psk_session_setters", test_psk_session_setters},
    {"post_handshake_auth", test_post_handshake_auth},
    {"post_handshake_auth_errors", test_post_handshake_auth_errors},
};

int main(int argc, char **argv)
{
    return run_test_cases("test_psk", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}
