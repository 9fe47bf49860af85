/* External PSKs and post-handshake authentication through the C API, over memory BIOs: the
 * session-based PSK callbacks with SSL_SESSION_new and its setters, the identity/key
 * callbacks with the identity hint, a wrong key, and SSL_verify_client_post_handshake with its
 * error cases. Written against OpenSSL's API.
 *
 *   test_psk            run every test
 *   test_psk NAME...    run only these
 *   test_psk --list     print the test names
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

static const unsigned char KEY[16] = "0123456789abcdef";
static const char IDENTITY[] = "sensor-17";

static void shuttle(BIO *from, BIO *to)
{
    char buf[4096];
    int n;
    while ((n = BIO_read(from, buf, sizeof buf)) > 0)
        BIO_write(to, buf, n);
}

static int has_peer_certificate(SSL *ssl)
{
    X509 *peer = SSL_get1_peer_certificate(ssl);
    X509_free(peer);
    return peer != NULL;
}

struct pair {
    SSL *client, *server;
    BIO *c_in, *c_out, *s_in, *s_out;
};

static void pair_new(struct pair *p, SSL_CTX *cctx, SSL_CTX *sctx)
{
    p->client = SSL_new(cctx);
    p->server = SSL_new(sctx);
    p->c_in = BIO_new(BIO_s_mem());
    p->c_out = BIO_new(BIO_s_mem());
    p->s_in = BIO_new(BIO_s_mem());
    p->s_out = BIO_new(BIO_s_mem());
    SSL_set_bio(p->client, p->c_in, p->c_out);
    SSL_set_bio(p->server, p->s_in, p->s_out);
    SSL_set_connect_state(p->client);
    SSL_set_accept_state(p->server);
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
    int c_done = 0, s_done = 0, rounds;
    for (rounds = 0; rounds < 50 && !(c_done && s_done); rounds++) {
        int r;
        if (!c_done) {
            r = SSL_do_handshake(p->client);
            if (r == 1)
                c_done = 1;
            else if (SSL_get_error(p->client, r) != SSL_ERROR_WANT_READ)
                return 0;
        }
        shuttle(p->c_out, p->s_in);
        if (!s_done) {
            r = SSL_do_handshake(p->server);
            if (r == 1)
                s_done = 1;
            else if (SSL_get_error(p->server, r) != SSL_ERROR_WANT_READ)
                return 0;
        }
        shuttle(p->s_out, p->c_in);
    }
    return c_done && s_done;
}

/* One byte each way. */
static int exchange(struct pair *p)
{
    char byte;
    if (SSL_write(p->client, "c", 1) != 1)
        return 0;
    shuttle(p->c_out, p->s_in);
    if (SSL_read(p->server, &byte, 1) != 1 || byte != 'c' || SSL_write(p->server, "s", 1) != 1)
        return 0;
    shuttle(p->s_out, p->c_in);
    return SSL_read(p->client, &byte, 1) == 1 && byte == 's';
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
    CHECK(cctx && sctx);
    /* No certificate on the server: only the PSK can succeed. */
    SSL_CTX_set_psk_use_session_callback(cctx, use_session);
    SSL_CTX_set_psk_find_session_callback(sctx, find_session);
    use_session_calls = use_session_md_was_null = find_session_calls = 0;
    pair_new(&p, cctx, sctx);
    ok = handshake(&p) && exchange(&p);
    seen = SSL_get_psk_identity(p.server);
    CHECK(ok);
    CHECK(use_session_calls >= 1 && use_session_md_was_null >= 1);
    CHECK(find_session_calls == 1);
    CHECK(SSL_session_reused(p.client) == 1 && SSL_session_reused(p.server) == 1);
    CHECK(!has_peer_certificate(p.client));
#ifndef LIBTLS_TEST_OPENSSL
    /* libtls reports the identity in TLS 1.3 too; OpenSSL 3.0 only after TLS 1.2 PSK. */
    CHECK(seen && strcmp(seen, IDENTITY) == 0);
#else
    (void)seen;
#endif
    CHECK(strcmp(SSL_CIPHER_get_name(SSL_get_current_cipher(p.client)), "TLS_AES_128_GCM_SHA256") == 0);
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
    CHECK(cctx && sctx);
    SSL_CTX_set_psk_use_session_callback(cctx, use_session);
    SSL_CTX_set_psk_find_session_callback(sctx, find_session);
    client_key = other;
    pair_new(&p, cctx, sctx);
    ERR_clear_error();
    r = SSL_do_handshake(p.client);
    CHECK(r != 1 && SSL_get_error(p.client, r) == SSL_ERROR_WANT_READ);
    shuttle(p.c_out, p.s_in);
    r = SSL_do_handshake(p.server);
    client_key = KEY;
    CHECK(r != 1 && SSL_get_error(p.server, r) == SSL_ERROR_SSL);
    e = ERR_peek_last_error();
    CHECK(ERR_GET_REASON(e) == SSL_R_BINDER_DOES_NOT_VERIFY);
    ERR_clear_error();
    shuttle(p.s_out, p.c_in);
    r = SSL_do_handshake(p.client);
    CHECK(r != 1 && SSL_get_error(p.client, r) == SSL_ERROR_SSL);
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
    CHECK(cctx && sctx);
    SSL_CTX_set_psk_client_callback(cctx, client_cb);
    SSL_CTX_set_psk_server_callback(sctx, server_cb);
    CHECK(SSL_CTX_use_psk_identity_hint(sctx, "the hint") == 1);
    server_cb_identity[0] = '\0';
    client_cb_hint_was_null = 0;
    pair_new(&p, cctx, sctx);
    CHECK(SSL_use_psk_identity_hint(p.server, "another") == 1);
    ok = handshake(&p) && exchange(&p);
    /* The hint of the handshake: TLS 1.3 has none. */
    hint = SSL_get_psk_identity_hint(p.server);
    CHECK(hint == NULL);
    seen = SSL_get_psk_identity(p.server);
    CHECK(ok);
    CHECK(client_cb_hint_was_null); /* TLS 1.3 has no hint */
    CHECK(strcmp(server_cb_identity, IDENTITY) == 0);
#ifndef LIBTLS_TEST_OPENSSL
    CHECK(seen && strcmp(seen, IDENTITY) == 0);
#else
    (void)seen;
#endif
    CHECK(SSL_session_reused(p.server) == 1);
    CHECK(strcmp(SSL_CIPHER_get_name(SSL_get_current_cipher(p.server)), "TLS_AES_128_GCM_SHA256") == 0);
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
    CHECK(cctx && sctx);
    CHECK(SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION) == 1);
    CHECK(SSL_CTX_set_cipher_list(cctx, "PSK-AES128-GCM-SHA256") == 1);
    CHECK(SSL_CTX_set_cipher_list(sctx, "PSK") == 1);
    SSL_CTX_set_psk_client_callback(cctx, client_cb);
    SSL_CTX_set_psk_server_callback(sctx, server_cb);
    CHECK(SSL_CTX_use_psk_identity_hint(sctx, "the hint") == 1);
    server_cb_identity[0] = '\0';
    client_cb_hint[0] = '\0';
    pair_new(&p, cctx, sctx);
    ok = handshake(&p) && exchange(&p);
    CHECK(ok);
    CHECK(strcmp(SSL_CIPHER_get_name(SSL_get_current_cipher(p.client)), "PSK-AES128-GCM-SHA256") == 0);
    CHECK(!has_peer_certificate(p.client));
    CHECK(strcmp(client_cb_hint, "the hint") == 0);
    CHECK(strcmp(server_cb_identity, IDENTITY) == 0);
    seen = SSL_get_psk_identity_hint(p.client);
    CHECK(seen && strcmp(seen, "the hint") == 0);
    seen = SSL_get_psk_identity(p.client);
    CHECK(seen && strcmp(seen, IDENTITY) == 0);
    seen = SSL_get_psk_identity(p.server);
    CHECK(seen && strcmp(seen, IDENTITY) == 0);
#ifndef LIBTLS_TEST_OPENSSL
    seen = SSL_get_psk_identity_hint(p.server);
    CHECK(seen && strcmp(seen, "the hint") == 0);
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
    CHECK(cctx && sctx);
    CHECK(SSL_CTX_set_max_proto_version(sctx, TLS1_2_VERSION) == 1);
    CHECK(SSL_CTX_set_cipher_list(cctx, "DEFAULT:PSK") == 1);
    CHECK(SSL_CTX_set_cipher_list(sctx, "PSK") == 1);
    SSL_CTX_set_psk_client_callback(cctx, empty_identity_cb);
    SSL_CTX_set_psk_server_callback(sctx, empty_identity_server_cb);
    pair_new(&p, cctx, sctx);
    CHECK(handshake(&p) && exchange(&p));
    CHECK(SSL_version(p.client) == TLS1_2_VERSION);
    seen = SSL_get_psk_identity(p.server);
    CHECK(seen && *seen == '\0');
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
    CHECK(ssl && s);
    memset(long_key, 7, sizeof long_key);
    CHECK(SSL_SESSION_set1_master_key(s, long_key, sizeof long_key) == 0);
    ERR_clear_error();
    CHECK(SSL_SESSION_set1_master_key(s, KEY, sizeof KEY) == 1);
    CHECK(SSL_SESSION_get_master_key(s, NULL, 0) == sizeof KEY);
    CHECK(SSL_SESSION_get_master_key(s, out, sizeof out) == sizeof KEY && memcmp(out, KEY, sizeof KEY) == 0);
    c = SSL_CIPHER_find(ssl, aes256);
    CHECK(c && strcmp(SSL_CIPHER_get_name(c), "TLS_AES_256_GCM_SHA384") == 0);
    CHECK(SSL_CIPHER_get_handshake_digest(c) == EVP_sha384());
    CHECK(SSL_SESSION_set_cipher(s, c) == 1 && SSL_SESSION_get0_cipher(s) == c);
    CHECK(SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION) == 1);
    CHECK(SSL_SESSION_get_protocol_version(s) == TLS1_3_VERSION);
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
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, PKI "server-ecdsa-p256.chain.pem") != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, PKI "server-ecdsa-p256.key", SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_load_verify_locations(ctx, PKI "root-ca.pem", NULL) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_POST_HANDSHAKE, count_verify);
    return ctx;
}

static SSL_CTX *pha_client_ctx(int offer)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, PKI "client-ecdsa-p256.chain.pem") != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, PKI "client-ecdsa-p256.key", SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_load_verify_locations(ctx, PKI "root-ca.pem", NULL) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
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
    CHECK(cctx && sctx);
    verify_calls = 0;
    pair_new(&p, cctx, sctx);
    CHECK(handshake(&p) && exchange(&p));
    CHECK(!has_peer_certificate(p.server));
    CHECK(verify_calls == 0);
    CHECK(SSL_verify_client_post_handshake(p.server) == 1);
    CHECK(SSL_do_handshake(p.server) == 1);
    /* One request at a time. */
    CHECK(SSL_verify_client_post_handshake(p.server) == 0);
    CHECK(ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_REQUEST_SENT);
    ERR_clear_error();
    shuttle(p.s_out, p.c_in);
    /* The client answers while reading. */
    r = SSL_read(p.client, &byte, 1);
    CHECK(r <= 0 && SSL_get_error(p.client, r) == SSL_ERROR_WANT_READ);
    shuttle(p.c_out, p.s_in);
    r = SSL_read(p.server, &byte, 1);
    CHECK(r <= 0 && SSL_get_error(p.server, r) == SSL_ERROR_WANT_READ);
    peer = SSL_get1_peer_certificate(p.server);
    CHECK(peer != NULL);
    X509_free(peer);
    CHECK(verify_calls > 0);
    CHECK(SSL_get_verify_result(p.server) == X509_V_OK);
    CHECK(exchange(&p));
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_post_handshake_auth_errors(void)
{
    SSL_CTX *cctx = pha_client_ctx(0), *sctx = pha_server_ctx();
    struct pair p;
    CHECK(cctx && sctx);
    /* Before the handshake. */
    pair_new(&p, cctx, sctx);
    CHECK(SSL_verify_client_post_handshake(p.server) == 0);
    ERR_clear_error();
    /* The client did not offer it. */
    CHECK(handshake(&p) && exchange(&p));
    CHECK(SSL_verify_client_post_handshake(p.server) == 0);
    CHECK(ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_EXTENSION_NOT_RECEIVED);
    ERR_clear_error();
    /* A client cannot ask. */
    CHECK(SSL_verify_client_post_handshake(p.client) == 0);
    ERR_clear_error();
    pair_free(&p);
    /* TLS 1.2. */
    SSL_CTX_set_post_handshake_auth(cctx, 1);
    CHECK(SSL_CTX_set_max_proto_version(sctx, TLS1_2_VERSION) == 1);
    pair_new(&p, cctx, sctx);
    CHECK(handshake(&p) && exchange(&p));
    CHECK(SSL_verify_client_post_handshake(p.server) == 0);
    CHECK(ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_WRONG_SSL_VERSION);
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
