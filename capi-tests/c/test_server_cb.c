/* The certificate callback (SSL_CTX_set_cert_cb) and OpenSSL's ticket key callback
 * (SSL_CTX_set_tlsext_ticket_key_cb, with EVP_CIPHER_CTX and HMAC_CTX), over memory BIOs, in
 * TLS 1.2 and TLS 1.3. Written against OpenSSL's API only: the same cases run against OpenSSL.
 *
 *   test_server_cb            run every test
 *   test_server_cb NAME...    run only these
 *   test_server_cb --list     print the test names
 * Run from the repository root (certificates are read from pki/). */
/* The ticket key callback's HMAC_CTX API is deprecated in OpenSSL 3 (still there, and what
 * nginx and stunnel use). */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "common.h"

#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What one connection did. */
struct outcome {
    int ok;            /* both handshakes completed and a byte went each way */
    int reused;        /* the client resumed */
    int server_lookups; /* times the server's handshake returned SSL_ERROR_WANT_X509_LOOKUP */
    int server_error;  /* SSL_get_error of the server's failed handshake, else 0 */
    char peer_subject[256]; /* the client's view of the server certificate's subject */
    int server_saw_client_cert;
    SSL_SESSION *session; /* the client's session (a reference), when ok */
};

/* One connection over memory BIOs, offering `resume`, with the server name `sni`. */
static void run_connection(SSL_CTX *cctx, SSL_CTX *sctx, const char *sni, SSL_SESSION *resume,
                           struct outcome *o)
{
    SSL *client, *server;
    struct mem_result hs;
    X509 *peer;

    memset(o, 0, sizeof *o);
    if (!mem_link(cctx, sctx, &client, &server))
        return;
    client_names(client, sni);
    if (resume)
        SSL_set_session(client, resume);
    if (!mem_handshake(client, server, &hs)) {
        o->server_lookups = hs.server_lookups;
        if (hs.failed == 's') {
            o->server_error = hs.error;
            mem_read_alert(client, server, 's');
        }
        goto out;
    }
    o->server_lookups = hs.server_lookups;
    if (!mem_exchange(client, server))
        goto out;
    peer = SSL_get_peer_certificate(client);
    if (peer) {
        X509_NAME_oneline(X509_get_subject_name(peer), o->peer_subject, sizeof o->peer_subject);
        X509_free(peer);
    }
    peer = SSL_get_peer_certificate(server);
    o->server_saw_client_cert = peer != NULL;
    X509_free(peer);
    o->reused = SSL_session_reused(client);
    o->session = SSL_get1_session(client);
    o->ok = o->session != NULL && o->reused == SSL_session_reused(server);
    mem_shutdown(client, server);
out:
    SSL_free(client);
    SSL_free(server);
}

/* ---- the certificate callback ----------------------------------------------------------- */

static X509 *read_cert(BIO *bio)
{
    return PEM_read_bio_X509(bio, NULL, NULL, NULL);
}

/* Sets `prefix`.chain.pem (leaf, then its chain) and `prefix`.key on the connection, the way
 * nginx's certificate callback does: SSL_use_certificate, SSL_set0_chain, SSL_use_PrivateKey. */
static int use_identity(SSL *ssl, const char *prefix)
{
    char path[256];
    BIO *bio;
    X509 *leaf, *extra;
    STACK_OF(X509) *chain;
    EVP_PKEY *key;
    int ok;

    snprintf(path, sizeof path, PKI "%s.chain.pem", prefix);
    bio = BIO_new_file(path, "r");
    if (!bio)
        return 0;
    leaf = read_cert(bio);
    chain = sk_X509_new_null();
    while ((extra = read_cert(bio)) != NULL)
        sk_X509_push(chain, extra);
    ERR_clear_error(); /* the end of the file */
    BIO_free(bio);
    snprintf(path, sizeof path, PKI "%s.key", prefix);
    bio = BIO_new_file(path, "r");
    key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    ok = leaf && key && SSL_use_certificate(ssl, leaf) == 1 && SSL_set0_chain(ssl, chain) == 1 &&
         SSL_use_PrivateKey(ssl, key) == 1;
    if (!ok)
        sk_X509_pop_free(chain, X509_free);
    X509_free(leaf);
    EVP_PKEY_free(key);
    return ok;
}

static int cert_cb_calls, cert_cb_retries_left, cert_cb_fail;
static char cert_cb_servername[256];

/* A server's callback: the certificate chosen by the server name. */
static int choose_by_name(SSL *ssl, void *arg)
{
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    cert_cb_calls++;
    if (arg != (void *)&cert_cb_calls)
        return 0;
    snprintf(cert_cb_servername, sizeof cert_cb_servername, "%s", name ? name : "");
    if (cert_cb_fail)
        return 0;
    if (cert_cb_retries_left > 0) {
        cert_cb_retries_left--;
        return -1;
    }
    if (name && strcmp(name, "www.example.test") == 0)
        return use_identity(ssl, "wildcard-example");
    return use_identity(ssl, "server-ecdsa-p256");
}

/* A server context with no certificate of its own: the callback supplies it. */
static SSL_CTX *cert_cb_server(int version)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, version);
    SSL_CTX_set_max_proto_version(ctx, version);
    SSL_CTX_set_cert_cb(ctx, choose_by_name, &cert_cb_calls);
    cert_cb_calls = 0;
    cert_cb_retries_left = 0;
    cert_cb_fail = 0;
    cert_cb_servername[0] = '\0';
    return ctx;
}

static int cert_by_name(int version)
{
    SSL_CTX *sctx = cert_cb_server(version), *cctx = test_client_ctx(version);
    struct outcome o;
    int ok;

    REQUIRE(sctx && cctx);
    run_connection(cctx, sctx, "www.example.test", NULL, &o);
    ok = o.ok && cert_cb_calls == 1 && strstr(o.peer_subject, "CN=*.example.test") != NULL &&
         strcmp(cert_cb_servername, "www.example.test") == 0;
    SSL_SESSION_free(o.session);
    if (ok) {
        run_connection(cctx, sctx, "localhost", NULL, &o);
        ok = o.ok && cert_cb_calls == 2 && strstr(o.peer_subject, "CN=localhost") != NULL;
        SSL_SESSION_free(o.session);
    }
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    REQUIRE(ok);
    return 1;
}

static int test_cert_cb_sni_tls12(void)
{
    return cert_by_name(TLS1_2_VERSION);
}

static int test_cert_cb_sni_tls13(void)
{
    return cert_by_name(TLS1_3_VERSION);
}

/* -1 pauses the server's handshake with SSL_ERROR_WANT_X509_LOOKUP; the next call asks again. */
static int cert_retry(int version)
{
    SSL_CTX *sctx = cert_cb_server(version), *cctx = test_client_ctx(version);
    struct outcome o;
    int ok;

    REQUIRE(sctx && cctx);
    cert_cb_retries_left = 2;
    run_connection(cctx, sctx, "localhost", NULL, &o);
    ok = o.ok && o.server_lookups == 2 && cert_cb_calls == 3 &&
         strstr(o.peer_subject, "CN=localhost") != NULL;
    SSL_SESSION_free(o.session);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    REQUIRE(ok);
    return 1;
}

static int test_cert_cb_retry_tls12(void)
{
    return cert_retry(TLS1_2_VERSION);
}

static int test_cert_cb_retry_tls13(void)
{
    return cert_retry(TLS1_3_VERSION);
}

/* 0 fails the handshake. */
static int cert_failure(int version)
{
    SSL_CTX *sctx = cert_cb_server(version), *cctx = test_client_ctx(version);
    struct outcome o;

    REQUIRE(sctx && cctx);
    cert_cb_fail = 1;
    run_connection(cctx, sctx, "localhost", NULL, &o);
    SSL_SESSION_free(o.session);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    REQUIRE(!o.ok && o.server_error == SSL_ERROR_SSL && cert_cb_calls == 1);
    ERR_clear_error();
    return 1;
}

static int test_cert_cb_failure_tls12(void)
{
    return cert_failure(TLS1_2_VERSION);
}

static int test_cert_cb_failure_tls13(void)
{
    return cert_failure(TLS1_3_VERSION);
}

static int client_cb_calls;

/* A client's callback, run when the server asks for a certificate. */
static int client_identity(SSL *ssl, void *arg)
{
    (void)arg;
    client_cb_calls++;
    return use_identity(ssl, "client-ecdsa-p256");
}

static int client_cert(int version)
{
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cctx = test_client_ctx(version);
    struct outcome o;

    REQUIRE(sctx && cctx);
    REQUIRE(SSL_CTX_use_certificate_chain_file(sctx, PKI "server-ecdsa-p256.chain.pem") == 1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(sctx, PKI "server-ecdsa-p256.key", SSL_FILETYPE_PEM) == 1);
    REQUIRE(SSL_CTX_load_verify_locations(sctx, PKI "root-ca.pem", NULL) == 1);
    SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    SSL_CTX_set_cert_cb(cctx, client_identity, NULL);
    client_cb_calls = 0;
    run_connection(cctx, sctx, "localhost", NULL, &o);
    SSL_SESSION_free(o.session);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    REQUIRE(o.ok && o.server_saw_client_cert && client_cb_calls >= 1);
    return 1;
}

static int test_cert_cb_client_tls12(void)
{
    return client_cert(TLS1_2_VERSION);
}

static int test_cert_cb_client_tls13(void)
{
    return client_cert(TLS1_3_VERSION);
}

/* ---- the ticket key callback ------------------------------------------------------------ */

/* Two keys, as nginx keeps them: a name, an HMAC secret and an AES-256 key each. */
struct ticket_key {
    unsigned char name[16], hmac[32], aes[32];
};
static struct ticket_key keys[2];
static int enc_calls, dec_calls, dec_answer;

static void make_keys(void)
{
    int i;
    for (i = 0; i < 2; i++) {
        memset(keys[i].name, 'a' + i, sizeof keys[i].name);
        memset(keys[i].hmac, 0x10 + i, sizeof keys[i].hmac);
        memset(keys[i].aes, 0x20 + i, sizeof keys[i].aes);
    }
    enc_calls = dec_calls = 0;
    dec_answer = 1;
}

static int ticket_key_cb(SSL *ssl, unsigned char *key_name, unsigned char *iv, EVP_CIPHER_CTX *ctx,
                         HMAC_CTX *hctx, int enc)
{
    const EVP_CIPHER *cipher = EVP_aes_256_cbc();
    int i;
    (void)ssl;
    if (enc) {
        enc_calls++;
        memcpy(key_name, keys[0].name, 16);
        if (RAND_bytes(iv, EVP_CIPHER_iv_length(cipher)) != 1 ||
            EVP_EncryptInit_ex(ctx, cipher, NULL, keys[0].aes, iv) != 1 ||
            HMAC_Init_ex(hctx, keys[0].hmac, sizeof keys[0].hmac, EVP_sha256(), NULL) != 1)
            return -1;
        return 1;
    }
    dec_calls++;
    if (dec_answer <= 0)
        return dec_answer;
    for (i = 0; i < 2; i++) {
        if (memcmp(key_name, keys[i].name, 16) != 0)
            continue;
        if (HMAC_Init_ex(hctx, keys[i].hmac, sizeof keys[i].hmac, EVP_sha256(), NULL) != 1 ||
            EVP_DecryptInit_ex(ctx, cipher, NULL, keys[i].aes, iv) != 1)
            return -1;
        return dec_answer;
    }
    return 0;
}

static SSL_CTX *ticket_server(int version)
{
    SSL_CTX *ctx = test_server_ctx("server-ecdsa-p256", version);
    if (!ctx)
        return NULL;
    if (SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"test", 4) != 1 ||
        SSL_CTX_set_tlsext_ticket_key_cb(ctx, ticket_key_cb) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    /* Only tickets: a session ID cache must not be what resumes. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    return ctx;
}

/* A first connection's session, then a second connection offering it; `second` gets that
 * connection's outcome. The first server context seals, `opener` opens. */
static int ticket_pair(int version, SSL_CTX *sealer, SSL_CTX *opener, struct outcome *second)
{
    SSL_CTX *cctx = test_client_ctx(version);
    struct outcome first;

    memset(second, 0, sizeof *second);
    if (!cctx)
        return 0;
    run_connection(cctx, sealer, "localhost", NULL, &first);
    if (first.ok && !first.reused)
        run_connection(cctx, opener, "localhost", first.session, second);
    SSL_SESSION_free(first.session);
    SSL_CTX_free(cctx);
    return first.ok && !first.reused;
}

static int ticket_round_trip(int version)
{
    SSL_CTX *sctx = ticket_server(version);
    struct outcome o;
    int ok;

    make_keys();
    REQUIRE(sctx);
    ok = ticket_pair(version, sctx, sctx, &o);
    SSL_SESSION_free(o.session);
    SSL_CTX_free(sctx);
    REQUIRE(ok);
    REQUIRE(o.ok && o.reused && enc_calls >= 1 && dec_calls >= 1);
    return 1;
}

static int test_ticket_key_cb_tls12(void)
{
    return ticket_round_trip(TLS1_2_VERSION);
}

static int test_ticket_key_cb_tls13(void)
{
    return ticket_round_trip(TLS1_3_VERSION);
}

/* TLS 1.2: 1 resumes without a new ticket, 2 resumes and has the ticket replaced. */
static int test_ticket_key_cb_renew(void)
{
    SSL_CTX *sctx = ticket_server(TLS1_2_VERSION);
    struct outcome o;
    int ok, enc_before;

    make_keys();
    REQUIRE(sctx);
    ok = ticket_pair(TLS1_2_VERSION, sctx, sctx, &o);
    SSL_SESSION_free(o.session);
    REQUIRE(ok && o.ok && o.reused && enc_calls == 1);
    dec_answer = 2;
    enc_before = enc_calls;
    ok = ticket_pair(TLS1_2_VERSION, sctx, sctx, &o);
    SSL_SESSION_free(o.session);
    SSL_CTX_free(sctx);
    REQUIRE(ok && o.ok && o.reused);
    /* One ticket for the full handshake, one more to replace the renewed one. */
    REQUIRE(enc_calls == enc_before + 2);
    return 1;
}

/* 0 when opening (an unknown key): a full handshake. */
static int ticket_unknown(int version)
{
    SSL_CTX *sctx = ticket_server(version);
    struct outcome o;
    int ok;

    make_keys();
    REQUIRE(sctx);
    dec_answer = 0;
    ok = ticket_pair(version, sctx, sctx, &o);
    SSL_SESSION_free(o.session);
    SSL_CTX_free(sctx);
    REQUIRE(ok && o.ok && !o.reused && dec_calls >= 1);
    return 1;
}

static int test_ticket_key_cb_unknown_tls12(void)
{
    return ticket_unknown(TLS1_2_VERSION);
}

static int test_ticket_key_cb_unknown_tls13(void)
{
    return ticket_unknown(TLS1_3_VERSION);
}

/* -1 when opening fails the handshake. */
static int ticket_failure(int version)
{
    SSL_CTX *sctx = ticket_server(version);
    struct outcome o;
    int ok;

    make_keys();
    REQUIRE(sctx);
    dec_answer = -1;
    ok = ticket_pair(version, sctx, sctx, &o);
    SSL_SESSION_free(o.session);
    SSL_CTX_free(sctx);
    REQUIRE(ok && !o.ok && o.server_error == SSL_ERROR_SSL && dec_calls >= 1);
    ERR_clear_error();
    return 1;
}

static int test_ticket_key_cb_failure_tls12(void)
{
    return ticket_failure(TLS1_2_VERSION);
}

static int test_ticket_key_cb_failure_tls13(void)
{
    return ticket_failure(TLS1_3_VERSION);
}

/* Two server contexts (each with its own state, as two servers of a fleet) sharing the keys
 * through the callback: a ticket one made resumes on the other. */
static int test_ticket_key_cb_shared(void)
{
    int versions[2] = {TLS1_2_VERSION, TLS1_3_VERSION}, i;
    for (i = 0; i < 2; i++) {
        SSL_CTX *a = ticket_server(versions[i]), *b = ticket_server(versions[i]);
        struct outcome o;
        int ok;
        make_keys();
        REQUIRE(a && b);
        ok = ticket_pair(versions[i], a, b, &o);
        SSL_SESSION_free(o.session);
        SSL_CTX_free(a);
        SSL_CTX_free(b);
        REQUIRE(ok && o.ok && o.reused);
    }
    return 1;
}

/* OpenSSL's SSL_CTX_set_tlsext_ticket_keys spelled as the ctrl it is a macro for: two contexts
 * given the same 80 bytes (name, HMAC secret, AES key) resume each other's tickets. */
static int test_ticket_keys_ctrl(void)
{
    int versions[2] = {TLS1_2_VERSION, TLS1_3_VERSION}, i;
    unsigned char keys80[80];
    memset(keys80, 0x5a, sizeof keys80);
    for (i = 0; i < 2; i++) {
        SSL_CTX *a = SSL_CTX_new(TLS_server_method()), *b = SSL_CTX_new(TLS_server_method());
        SSL_CTX *ctxs[2];
        struct outcome o;
        int ok = 1, j;
        ctxs[0] = a;
        ctxs[1] = b;
        for (j = 0; j < 2; j++) {
            ok &= SSL_CTX_use_certificate_chain_file(ctxs[j], PKI "server-ecdsa-p256.chain.pem") == 1;
            ok &= SSL_CTX_use_PrivateKey_file(ctxs[j], PKI "server-ecdsa-p256.key", SSL_FILETYPE_PEM) == 1;
            ok &= SSL_CTX_set_max_proto_version(ctxs[j], versions[i]) == 1;
            ok &= SSL_CTX_set_session_id_context(ctxs[j], (const unsigned char *)"test", 4) == 1;
            ok &= SSL_CTX_ctrl(ctxs[j], SSL_CTRL_SET_TLSEXT_TICKET_KEYS, sizeof keys80, keys80) == 1;
            SSL_CTX_set_session_cache_mode(ctxs[j], SSL_SESS_CACHE_OFF);
        }
        ok = ok && ticket_pair(versions[i], a, b, &o);
        SSL_SESSION_free(o.session);
        SSL_CTX_free(a);
        SSL_CTX_free(b);
        REQUIRE(ok && o.ok && o.reused);
    }
    return 1;
}

/* ---- what nginx reads from a connection ------------------------------------------------ */

static char shared[256], shared_short[40], hostname[64];
static int shared_short_ok;

/* A certificate callback (once the ClientHello is processed) that records what nginx logs and
 * checks: the shared cipher list (whole and cut to a small buffer) and the host name. */
static int record_getters(SSL *ssl, void *arg)
{
    SSL_SESSION *session = SSL_get0_session(ssl);
    const char *name;
    (void)arg;
    /* nginx's servername callback asks this. During the handshake OpenSSL has a session under
     * construction, libtls none (NULL): either way the answer queues no error, which would make
     * SSL_get_error report the handshake as failed. */
    SSL_SESSION_get0_hostname(session);
    shared_short_ok = SSL_get_shared_ciphers(ssl, shared_short, sizeof shared_short) == shared_short;
    if (SSL_get_shared_ciphers(ssl, shared, sizeof shared) != shared)
        shared[0] = '\0';
    name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    snprintf(hostname, sizeof hostname, "%s", name ? name : "");
    return ERR_peek_error() == 0;
}

/* SSL_get_shared_ciphers (OpenSSL's format: ':'-separated, cut at the last whole name),
 * SSL_SESSION_get0_hostname, and ERR_peek_error_data with ERR_TXT_STRING. */
static int test_getters_nginx_uses(void)
{
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cctx = test_client_ctx(TLS1_3_VERSION);
    struct outcome o;
    const char *data = NULL, *host;
    int flags = 0;
    unsigned long e;
    char c_shared[8];

    REQUIRE(sctx && cctx);
    REQUIRE(SSL_CTX_use_certificate_chain_file(sctx, PKI "server-ecdsa-p256.chain.pem") == 1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(sctx, PKI "server-ecdsa-p256.key", SSL_FILETYPE_PEM) == 1);
    REQUIRE(SSL_CTX_set_ciphersuites(cctx, "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256") == 1);
    REQUIRE(SSL_CTX_set_ciphersuites(sctx, "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256") == 1);
    SSL_CTX_set_cert_cb(sctx, record_getters, NULL);
    shared[0] = shared_short[0] = '\0';
    run_connection(cctx, sctx, "localhost", NULL, &o);
    REQUIRE(o.ok);
    /* The client's order; TLS 1.2 suites the client offered and the server enables follow. */
    REQUIRE(strncmp(shared, "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256", 51) == 0);
    REQUIRE(shared_short_ok && strcmp(shared_short, "TLS_CHACHA20_POLY1305_SHA256") == 0);
    REQUIRE(strcmp(hostname, "localhost") == 0);
    host = SSL_SESSION_get0_hostname(o.session);
#ifndef LIBTLS_TEST_OPENSSL
    /* OpenSSL 3 leaves it NULL in a TLS 1.3 client's ticket session; libtls keeps the name. */
    REQUIRE(host && strcmp(host, "localhost") == 0);
#else
    REQUIRE(host == NULL || strcmp(host, "localhost") == 0);
#endif
    SSL_SESSION_free(o.session);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    /* Not a server after a ClientHello: NULL. */
    {
        SSL_CTX *ctx = test_client_ctx(TLS1_3_VERSION);
        SSL *ssl = SSL_new(ctx);
        REQUIRE(SSL_get_shared_ciphers(ssl, c_shared, sizeof c_shared) == NULL);
        SSL_free(ssl);
        SSL_CTX_free(ctx);
    }
    /* An error's data, as nginx's ngx_ssl_error reads it. */
    ERR_clear_error();
    REQUIRE(SSL_CTX_use_certificate_file(cctx = SSL_CTX_new(TLS_client_method()), PKI "missing.pem",
                                       SSL_FILETYPE_PEM) != 1);
    SSL_CTX_free(cctx);
    e = ERR_peek_error_data(&data, &flags);
    REQUIRE(e != 0 && e == ERR_peek_error() && data != NULL);
    REQUIRE((flags & ERR_TXT_STRING) != 0 && data[0] != '\0');
    ERR_clear_error();
    return 1;
}

/* SSL_get_certificate hands back the very object the program gave SSL_CTX_use_certificate,
 * with what it attached to it: nginx keeps each certificate's OCSP staple in its ex_data and
 * finds it from the connection in the status callback. */
static int test_certificate_object_identity(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    X509 *leaf = read_cert_file(PKI "server-ecdsa-p256.pem");
    static int marker;
    int index = X509_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    SSL *ssl;
    X509 *got;

    REQUIRE(ctx && leaf && index >= 0);
    REQUIRE(X509_set_ex_data(leaf, index, &marker) == 1);
    REQUIRE(SSL_CTX_use_certificate(ctx, leaf) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(ctx, PKI "server-ecdsa-p256.key", SSL_FILETYPE_PEM) == 1);
    ssl = SSL_new(ctx);
    REQUIRE(ssl);
    got = SSL_get_certificate(ssl);
    REQUIRE(got == leaf);
    REQUIRE(X509_get_ex_data(got, index) == &marker);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    /* The context held its own reference: the object is still the program's. */
    REQUIRE(X509_get_ex_data(leaf, index) == &marker);
    X509_free(leaf);
    return 1;
}

/* SSL_CTX_get_extra_chain_certs / SSL_CTX_select_current_cert, as nginx's OCSP stapling set-up
 * uses them: the chain (leaf excluded) of the certificate loaded or selected last. */

static int test_chain_certs_of_current(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    STACK_OF(X509) *chain = NULL;
    X509 *rsa_leaf = read_cert_file(PKI "server-rsa2048.pem");
    X509 *ecdsa_leaf = read_cert_file(PKI "server-ecdsa-p256.pem");
    X509 *stranger = read_cert_file(PKI "client-rsa2048.pem");

    REQUIRE(ctx && rsa_leaf && ecdsa_leaf && stranger);
    REQUIRE(SSL_CTX_get_extra_chain_certs(ctx, &chain) == 1 && chain == NULL);
    REQUIRE(SSL_CTX_use_certificate_chain_file(ctx, PKI "server-rsa2048.chain.pem") == 1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(ctx, PKI "server-rsa2048.key", SSL_FILETYPE_PEM) == 1);
    REQUIRE(SSL_CTX_use_certificate_chain_file(ctx, PKI "server-ecdsa-p256.chain.pem") == 1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(ctx, PKI "server-ecdsa-p256.key", SSL_FILETYPE_PEM) == 1);
    /* The certificate loaded last is current. */
    REQUIRE(SSL_CTX_get_extra_chain_certs(ctx, &chain) == 1 && chain != NULL);
    REQUIRE(sk_X509_num(chain) == 1);
    REQUIRE(X509_check_issued(sk_X509_value(chain, 0), ecdsa_leaf) == X509_V_OK);
    /* Selecting the RSA certificate makes its chain the one reported. */
    REQUIRE(SSL_CTX_select_current_cert(ctx, rsa_leaf) == 1);
    REQUIRE(SSL_CTX_get0_chain_certs(ctx, &chain) == 1 && chain != NULL && sk_X509_num(chain) == 1);
    REQUIRE(X509_check_issued(sk_X509_value(chain, 0), rsa_leaf) == X509_V_OK);
    /* A certificate the context does not have cannot be selected. */
    REQUIRE(SSL_CTX_select_current_cert(ctx, stranger) == 0);
    ERR_clear_error();
    X509_free(rsa_leaf);
    X509_free(ecdsa_leaf);
    X509_free(stranger);
    SSL_CTX_free(ctx);
    return 1;
}

static const struct test_case tests[] = {
    {"cert_cb_sni_tls12", test_cert_cb_sni_tls12},
    {"cert_cb_sni_tls13", test_cert_cb_sni_tls13},
    {"cert_cb_retry_tls12", test_cert_cb_retry_tls12},
    {"cert_cb_retry_tls13", test_cert_cb_retry_tls13},
    {"cert_cb_failure_tls12", test_cert_cb_failure_tls12},
    {"cert_cb_failure_tls13", test_cert_cb_failure_tls13},
    {"cert_cb_client_tls12", test_cert_cb_client_tls12},
    {"cert_cb_client_tls13", test_cert_cb_client_tls13},
    {"ticket_key_cb_tls12", test_ticket_key_cb_tls12},
    {"ticket_key_cb_tls13", test_ticket_key_cb_tls13},
    {"ticket_key_cb_renew", test_ticket_key_cb_renew},
    {"ticket_key_cb_unknown_tls12", test_ticket_key_cb_unknown_tls12},
    {"ticket_key_cb_unknown_tls13", test_ticket_key_cb_unknown_tls13},
    {"ticket_key_cb_failure_tls12", test_ticket_key_cb_failure_tls12},
    {"ticket_key_cb_failure_tls13", test_ticket_key_cb_failure_tls13},
    {"ticket_key_cb_shared", test_ticket_key_cb_shared},
    {"ticket_keys_ctrl", test_ticket_keys_ctrl},
    {"getters_nginx_uses", test_getters_nginx_uses},
    {"chain_certs_of_current", test_chain_certs_of_current},
    {"certificate_object_identity", test_certificate_object_identity},
};

int main(int argc, char **argv)
{
    return run_test_cases("test_server_cb", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}
