/* Client certificates, verification controls and the X509 object API, through the C API.
 * Written against OpenSSL's names and semantics, so it runs unchanged against libtls and OpenSSL.
 *
 *   test_x509                 run every test, print "ok NAME" / "FAIL NAME: why", then a summary
 *   test_x509 NAME...         run only these
 *   test_x509 --list          print the test names
 *   test_x509 --dump FILE     print the first certificate's fields as key=value lines, for
 *                             comparison with `openssl x509`
 * Run from the repository root (certificates are read from pki/). */
#include "common.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- one handshake over a socketpair, server in a thread ---------------------------------- */

/* What one side saw. */
struct outcome {
    int handshake_ret;
    unsigned long handshake_error; /* first error-queue entry after a failed handshake */
    long verify_result;
    char peer_subject[256];        /* "" without a peer certificate */
    int peer_key_id;               /* EVP_PKEY_id of the peer's key, 0 without one */
    int peer_chain_len;            /* sk_X509_num(SSL_get_peer_cert_chain), -1 for NULL */
    int io_ret;                    /* server: bytes echoed; client: bytes read back */
    unsigned long io_error;        /* first error after a failed read */
};

static void record_peer(SSL *ssl, struct outcome *out)
{
    X509 *peer = SSL_get1_peer_certificate(ssl);
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    out->verify_result = SSL_get_verify_result(ssl);
    out->peer_chain_len = chain ? (int)sk_X509_num(chain) : -1;
    if (peer) {
        EVP_PKEY *key = X509_get_pubkey(peer);
        X509_NAME_oneline(X509_get_subject_name(peer), out->peer_subject,
                          sizeof out->peer_subject);
        out->peer_key_id = key ? EVP_PKEY_id(key) : 0;
        EVP_PKEY_free(key);
        X509_free(peer);
    }
}

static int serve_one(SSL *ssl, void *arg)
{
    struct outcome *out = arg;
    char buf[64];
    int n;

    ERR_clear_error();
    out->handshake_ret = SSL_accept(ssl);
    record_peer(ssl, out);
    if (out->handshake_ret != 1) {
        out->handshake_error = ERR_peek_error();
        return 0;
    }
    n = SSL_read(ssl, buf, sizeof buf);
    if (n > 0)
        out->io_ret = SSL_write(ssl, buf, n);
    SSL_shutdown(ssl);
    return 1;
}

/* Runs a handshake between a fresh SSL of `cctx` (verifying "localhost") and one of `sctx`
 * over the socketpair runner, then a ping/echo. `prepare` may adjust the client SSL before
 * the handshake. */
static int run_pair(SSL_CTX *cctx, SSL_CTX *sctx, void (*prepare)(SSL *), struct outcome *client,
                    struct outcome *server)
{
    struct sock_pair sp = SOCK_PAIR_INIT;
    struct sock_server thread;
    SSL *ssl;
    char buf[64];
    int ran;

    memset(client, 0, sizeof *client);
    memset(server, 0, sizeof *server);
    ran = sock_pair_open(&sp, SSL_new(cctx), SSL_new(sctx), 0) &&
          sock_pair_serve(&sp, &thread, serve_one, server);
    if (ran) {
        ssl = sp.client;
        SSL_set_tlsext_host_name(ssl, "localhost");
        SSL_set1_host(ssl, "localhost");
        if (prepare)
            prepare(ssl);
        ERR_clear_error();
        client->handshake_ret = SSL_connect(ssl);
        record_peer(ssl, client);
        if (client->handshake_ret != 1) {
            client->handshake_error = ERR_peek_error();
        } else if (SSL_write(ssl, "ping", 4) == 4) {
            /* In TLS 1.3 a server rejects the client's certificate after the client's
             * Finished, so the client learns of it here. */
            client->io_ret = SSL_read(ssl, buf, sizeof buf);
            if (client->io_ret <= 0)
                client->io_error = ERR_peek_error();
            SSL_shutdown(ssl);
        }
        ERR_clear_error();
        sock_pair_join(&sp, &thread);
    }
    sock_pair_close(&sp);
    return ran;
}

static SSL_CTX *tls13_ctx(const SSL_METHOD *method)
{
    SSL_CTX *ctx = SSL_CTX_new(method);
    if (ctx && !pin_version(ctx, TLS1_3_VERSION)) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* A TLS 1.3 server with `name` as its certificate, asking for client certificates. */
static SSL_CTX *mtls_server(const char *name, int verify_mode)
{
    SSL_CTX *ctx = test_server_ctx(name, TLS1_3_VERSION);
    if (ctx && SSL_CTX_load_verify_locations(ctx, PKI "root-ca.pem", NULL) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (ctx)
        SSL_CTX_set_verify(ctx, verify_mode, NULL);
    return ctx;
}

/* A verifying TLS 1.3 client, with the client certificate `name` unless it is NULL. */
static SSL_CTX *mtls_client(const char *name)
{
    SSL_CTX *ctx = test_client_ctx(TLS1_3_VERSION);
    if (ctx && name && !ctx_use_identity(ctx, name)) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static int describe(const char *what, const struct outcome *c, const struct outcome *s)
{
    char cerr[160], serr[160];
    ERR_error_string_n(c->handshake_error ? c->handshake_error : c->io_error, cerr, sizeof cerr);
    ERR_error_string_n(s->handshake_error, serr, sizeof serr);
    snprintf(failure, sizeof failure,
             "%s: client hs=%d io=%d verify=%ld err=%s | server hs=%d verify=%ld peer='%.100s' "
             "err=%s",
             what, c->handshake_ret, c->io_ret, c->verify_result, cerr, s->handshake_ret,
             s->verify_result, s->peer_subject, serr);
    return 0;
}

/* ---- mutual TLS -------------------------------------------------------------------------- */

static int mtls_with(const char *client_cert, const char *expect_subject, int expect_key_id)
{
    SSL_CTX *sctx = mtls_server("server-ecdsa-p256",
                                SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
    SSL_CTX *cctx = mtls_client(client_cert);
    struct outcome c, s;
    int ran;

    REQUIRE(sctx && cctx);
    ran = run_pair(cctx, sctx, NULL, &c, &s);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    REQUIRE(ran);
    if (c.handshake_ret != 1 || s.handshake_ret != 1 || c.io_ret != 4 || s.io_ret != 4)
        return describe("mTLS", &c, &s);
    REQUIRE(strcmp(s.peer_subject, expect_subject) == 0);
    REQUIRE(s.verify_result == X509_V_OK);
    REQUIRE(s.peer_key_id == expect_key_id);
    /* A server's peer chain leaves out the client's own certificate: the intermediate only. */
    REQUIRE(s.peer_chain_len == 1);
    /* A client's starts with the server's certificate. */
    REQUIRE(c.peer_chain_len == 2);
    REQUIRE(strcmp(c.peer_subject, "/CN=localhost") == 0);
    return 1;
}

static int test_mtls_ecdsa_p256(void)
{
    return mtls_with("client-ecdsa-p256", "/CN=libtls test client", EVP_PKEY_EC);
}

static int test_mtls_ecdsa_p384(void)
{
    return mtls_with("client-ecdsa-p384", "/CN=libtls test client p384", EVP_PKEY_EC);
}

static int test_mtls_rsa2048(void)
{
    return mtls_with("client-rsa2048", "/CN=libtls test client rsa", EVP_PKEY_RSA);
}

static int test_mtls_ed25519(void)
{
    return mtls_with("client-ed25519", "/CN=libtls test client ed25519", EVP_PKEY_ED25519);
}

static int test_no_client_cert_accepted(void)
{
    SSL_CTX *sctx = mtls_server("server-ecdsa-p256", SSL_VERIFY_PEER);
    SSL_CTX *cctx = mtls_client(NULL);
    struct outcome c, s;
    int ran;

    REQUIRE(sctx && cctx);
    ran = run_pair(cctx, sctx, NULL, &c, &s);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    REQUIRE(ran);
    if (c.handshake_ret != 1 || s.handshake_ret != 1 || c.io_ret != 4)
        return describe("no client certificate", &c, &s);
    REQUIRE(s.peer_subject[0] == '\0');
    REQUIRE(s.peer_chain_len <= 0); /* OpenSSL: an empty stack; libtls: NULL */
    REQUIRE(s.verify_result == X509_V_OK);
    return 1;
}

static int test_no_client_cert_required(void)
{
    SSL_CTX *sctx = mtls_server("server-ecdsa-p256",
                                SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
    SSL_CTX *cctx = mtls_client(NULL);
    struct outcome c, s;
    int ran;

    REQUIRE(sctx && cctx);
    ran = run_pair(cctx, sctx, NULL, &c, &s);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    REQUIRE(ran);
    if (s.handshake_ret == 1)
        return describe("server accepted a missing certificate", &c, &s);
    REQUIRE(ERR_GET_REASON(s.handshake_error) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE);
    /* The client learns of it on write or read; a write to the closed connection may fail
     * before the alert is read. */
    REQUIRE(c.io_ret <= 0);
    REQUIRE(c.io_error == 0 ||
          ERR_GET_REASON(c.io_error) == SSL_AD_REASON_OFFSET + SSL_AD_CERTIFICATE_REQUIRED);
    return 1;
}

static int test_untrusted_client_cert(void)
{
    SSL_CTX *sctx = mtls_server("server-ecdsa-p256", SSL_VERIFY_PEER);
    SSL_CTX *cctx = mtls_client("untrusted-client");
    struct outcome c, s;
    int ran;

    REQUIRE(sctx && cctx);
    ran = run_pair(cctx, sctx, NULL, &c, &s);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    REQUIRE(ran);
    if (s.handshake_ret == 1)
        return describe("server accepted an untrusted certificate", &c, &s);
    REQUIRE(ERR_GET_REASON(s.handshake_error) == SSL_R_CERTIFICATE_VERIFY_FAILED);
    REQUIRE(s.verify_result == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    /* The client learns of it on write or read; a write to the closed connection may fail
     * before the alert is read. */
    REQUIRE(c.io_ret <= 0);
    if (c.io_error != 0 && ERR_GET_REASON(c.io_error) != SSL_AD_REASON_OFFSET + SSL_AD_UNKNOWN_CA)
        return describe("alert for an untrusted client certificate", &c, &s);
    return 1;
}

static int test_server_cert_is_not_a_client_cert(void)
{
    SSL_CTX *sctx = mtls_server("server-ecdsa-p256", SSL_VERIFY_PEER);
    SSL_CTX *cctx = mtls_client("server-ecdsa-p384");
    struct outcome c, s;
    int ran;

    REQUIRE(sctx && cctx);
    ran = run_pair(cctx, sctx, NULL, &c, &s);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    REQUIRE(ran);
    if (s.handshake_ret == 1)
        return describe("server accepted a serverAuth-only certificate", &c, &s);
    REQUIRE(s.verify_result == X509_V_ERR_INVALID_PURPOSE);
    return 1;
}

/* ---- the client certificate callback ----------------------------------------------------- */

static int cert_cb_calls;
/* What the callback saw of the server's CA names: how many (-1: no list) and the first. */
static int cert_cb_ca_count;
static char cert_cb_first_ca[256];

static int pick_ed25519(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
    FILE *f;
    STACK_OF(X509_NAME) *cas = SSL_get_client_CA_list(ssl);
    cert_cb_calls++;
    cert_cb_ca_count = cas ? (int)sk_X509_NAME_num(cas) : -1;
    cert_cb_first_ca[0] = '\0';
    if (cert_cb_ca_count > 0)
        X509_NAME_oneline(sk_X509_NAME_value(cas, 0), cert_cb_first_ca, sizeof cert_cb_first_ca);
    f = fopen(PKI "client-ed25519.pem", "r");
    if (!f)
        return 0;
    *x509 = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    f = fopen(PKI "client-ed25519.key", "r");
    if (!f)
        return 0;
    *pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    return *x509 && *pkey ? 1 : 0;
}

static int test_client_cert_callback(void)
{
    SSL_CTX *sctx = mtls_server("server-ecdsa-p256",
                                SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
    SSL_CTX *cctx = mtls_client(NULL);
    STACK_OF(X509_NAME) *cas;
    struct outcome c, s;
    char name[256];
    int ran;

    REQUIRE(sctx && cctx);
    /* The callback supplies the leaf alone, so the server must know the intermediate. */
    REQUIRE(SSL_CTX_load_verify_locations(sctx, PKI "intermediate-ca.pem", NULL) == 1);
    cas = SSL_load_client_CA_file(PKI "root-ca.pem");
    REQUIRE(cas != NULL && sk_X509_NAME_num(cas) == 1);
    SSL_CTX_set_client_CA_list(sctx, cas);
    REQUIRE(sk_X509_NAME_num(SSL_CTX_get_client_CA_list(sctx)) == 1);
    X509_NAME_oneline(sk_X509_NAME_value(SSL_CTX_get_client_CA_list(sctx), 0), name, sizeof name);
    REQUIRE(strcmp(name, "/CN=libtls Test Root CA") == 0);
    SSL_CTX_set_client_cert_cb(cctx, pick_ed25519);
    cert_cb_calls = 0;
    ran = run_pair(cctx, sctx, NULL, &c, &s);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    REQUIRE(ran);
    if (c.handshake_ret != 1 || s.handshake_ret != 1 || c.io_ret != 4)
        return describe("client certificate callback", &c, &s);
    REQUIRE(cert_cb_calls == 1);
    /* The client sees the names the server's CertificateRequest listed. */
    REQUIRE(cert_cb_ca_count == 1);
    REQUIRE(strcmp(cert_cb_first_ca, "/CN=libtls Test Root CA") == 0);
    REQUIRE(strcmp(s.peer_subject, "/CN=libtls test client ed25519") == 0);
    REQUIRE(s.peer_key_id == EVP_PKEY_ED25519);
    return 1;
}

/* ---- the verify callback ----------------------------------------------------------------- */

struct verify_log {
    int calls;
    int failed_calls;
    int first_failure_error;
    int first_failure_depth;
    int last_depth;
    char last_subject[256];
    char leaf_subject[256]; /* X509_STORE_CTX_get0_cert's subject at the last call */
    int chain_copies_ok;    /* get1_chain gave a stack as long as get0_chain's, every call */
    int answer;         /* what to return: 1 accept, 0 reject at depth 0, -1 preverify_ok */
};

static struct verify_log vlog;

static int logging_verify_cb(int preverify_ok, X509_STORE_CTX *store)
{
    X509 *cert = X509_STORE_CTX_get_current_cert(store);
    int depth = X509_STORE_CTX_get_error_depth(store);
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    vlog.calls++;
    if (!ssl)
        vlog.answer = 0; /* the connection must be reachable from the callback */
    if (!preverify_ok) {
        if (vlog.failed_calls++ == 0) {
            vlog.first_failure_error = X509_STORE_CTX_get_error(store);
            vlog.first_failure_depth = depth;
        }
    }
    {
        X509 *leaf = X509_STORE_CTX_get0_cert(store);
        STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(store);
        STACK_OF(X509) *copy = X509_STORE_CTX_get1_chain(store);
        vlog.leaf_subject[0] = '\0';
        if (leaf)
            X509_NAME_oneline(X509_get_subject_name(leaf), vlog.leaf_subject, sizeof vlog.leaf_subject);
        if (vlog.calls == 1)
            vlog.chain_copies_ok = 1;
        if (!chain || !copy || sk_X509_num(chain) != sk_X509_num(copy))
            vlog.chain_copies_ok = 0;
        sk_X509_pop_free(copy, X509_free);
    }
    vlog.last_depth = depth;
    vlog.last_subject[0] = '\0';
    if (cert)
        X509_NAME_oneline(X509_get_subject_name(cert), vlog.last_subject,
                          sizeof vlog.last_subject);
    if (vlog.answer == 0 && depth == 0) {
        X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
        return 0;
    }
    return vlog.answer == -1 ? preverify_ok : 1;
}

/* A client with the logging verify callback against the server certificate `name`. */
static int verify_cb_run(const char *name, int answer, int per_ssl, struct outcome *c,
                         struct outcome *s)
{
    char chain[256], key[256];
    SSL_CTX *sctx = tls13_ctx(TLS_server_method());
    SSL_CTX *cctx = mtls_client(NULL);
    int ran;

    snprintf(chain, sizeof chain, PKI "%s.chain.pem", name);
    snprintf(key, sizeof key, PKI "%s.key", name);
    REQUIRE(sctx && cctx);
    REQUIRE(SSL_CTX_use_certificate_chain_file(sctx, chain) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(sctx, key, SSL_FILETYPE_PEM) == 1);
    if (!per_ssl)
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, logging_verify_cb);
    memset(&vlog, 0, sizeof vlog);
    vlog.answer = answer;
    ran = run_pair(cctx, sctx, NULL, c, s);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    REQUIRE(ran);
    return 1;
}

static int test_verify_callback_sees_good_chain(void)
{
    struct outcome c, s;
    REQUIRE(verify_cb_run("server-ecdsa-p256", -1, 0, &c, &s));
    if (c.handshake_ret != 1)
        return describe("good chain", &c, &s);
    REQUIRE(vlog.calls >= 2);
    REQUIRE(vlog.failed_calls == 0);
    REQUIRE(vlog.last_depth == 0);
    REQUIRE(strcmp(vlog.last_subject, "/CN=localhost") == 0);
    REQUIRE(strcmp(vlog.leaf_subject, "/CN=localhost") == 0);
    REQUIRE(vlog.chain_copies_ok);
    REQUIRE(c.verify_result == X509_V_OK);
    return 1;
}

static int test_verify_callback_overrides_expired(void)
{
    struct outcome c, s;
    REQUIRE(verify_cb_run("expired-localhost", 1, 0, &c, &s));
    if (c.handshake_ret != 1 || c.io_ret != 4)
        return describe("overridden expiry", &c, &s);
    REQUIRE(vlog.failed_calls >= 1);
    REQUIRE(vlog.first_failure_error == X509_V_ERR_CERT_HAS_EXPIRED);
    REQUIRE(vlog.first_failure_depth == 0);
    /* The handshake went on, but the result still tells what was overlooked. */
    REQUIRE(c.verify_result == X509_V_ERR_CERT_HAS_EXPIRED);
    return 1;
}

static int test_verify_callback_overrides_unknown_ca(void)
{
    struct outcome c, s;
    REQUIRE(verify_cb_run("untrusted-localhost", 1, 0, &c, &s));
    if (c.handshake_ret != 1 || c.io_ret != 4)
        return describe("overridden unknown CA", &c, &s);
    REQUIRE(vlog.first_failure_error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    REQUIRE(c.verify_result != X509_V_OK);
    return 1;
}

static int test_verify_callback_rejects_good_chain(void)
{
    struct outcome c, s;
    REQUIRE(verify_cb_run("server-ecdsa-p256", 0, 0, &c, &s));
    if (c.handshake_ret == 1)
        return describe("callback rejection ignored", &c, &s);
    REQUIRE(ERR_GET_REASON(c.handshake_error) == SSL_R_CERTIFICATE_VERIFY_FAILED);
    REQUIRE(c.verify_result == X509_V_ERR_APPLICATION_VERIFICATION);
    REQUIRE(ERR_GET_REASON(s.handshake_error) == SSL_AD_REASON_OFFSET + SSL_AD_HANDSHAKE_FAILURE);
    return 1;
}

static void per_ssl_verify(SSL *ssl)
{
    SSL_set_verify(ssl, SSL_VERIFY_PEER, logging_verify_cb);
}

static int test_ssl_set_verify_callback(void)
{
    struct outcome c, s;
    char chain[] = PKI "expired-localhost.chain.pem", key[] = PKI "expired-localhost.key";
    SSL_CTX *sctx = tls13_ctx(TLS_server_method());
    SSL_CTX *cctx = mtls_client(NULL);
    int ran;

    REQUIRE(sctx && cctx);
    REQUIRE(SSL_CTX_use_certificate_chain_file(sctx, chain) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(sctx, key, SSL_FILETYPE_PEM) == 1);
    memset(&vlog, 0, sizeof vlog);
    vlog.answer = 1;
    ran = run_pair(cctx, sctx, per_ssl_verify, &c, &s);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    REQUIRE(ran);
    if (c.handshake_ret != 1)
        return describe("SSL_set_verify callback", &c, &s);
    REQUIRE(vlog.calls >= 1);
    REQUIRE(c.verify_result == X509_V_ERR_CERT_HAS_EXPIRED);
    return 1;
}

static int test_verify_controls(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl;
    REQUIRE(ctx != NULL);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, logging_verify_cb);
    SSL_CTX_set_verify_depth(ctx, 3);
    REQUIRE(SSL_CTX_get_verify_mode(ctx) == (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT));
    REQUIRE(SSL_CTX_get_verify_depth(ctx) == 3);
    REQUIRE(SSL_CTX_get_verify_callback(ctx) == logging_verify_cb);
    ssl = SSL_new(ctx);
    REQUIRE(ssl != NULL);
    REQUIRE(SSL_get_verify_mode(ssl) == (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT));
    REQUIRE(SSL_get_verify_depth(ssl) == 3);
    /* As in OpenSSL, a NULL callback leaves the current one in place. */
    SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
    SSL_set_verify_depth(ssl, 7);
    REQUIRE(SSL_get_verify_mode(ssl) == SSL_VERIFY_NONE);
    REQUIRE(SSL_get_verify_callback(ssl) == logging_verify_cb);
    REQUIRE(SSL_get_verify_depth(ssl) == 7);
    REQUIRE(SSL_get_verify_result(ssl) == X509_V_OK);
    REQUIRE(strcmp(X509_verify_cert_error_string(X509_V_ERR_CERT_HAS_EXPIRED),
                 "certificate has expired") == 0);
    REQUIRE(strcmp(X509_verify_cert_error_string(X509_V_ERR_APPLICATION_VERIFICATION),
                 "application verification failure") == 0);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return 1;
}

/* ---- X509 objects ------------------------------------------------------------------------ */

static int test_pem_chain_and_names(void)
{
    FILE *f = fopen(PKI "server-ecdsa-p256.chain.pem", "r");
    X509 *leaf, *issuer, *none;
    char subject[256], issuer_name[256];
    REQUIRE(f != NULL);
    leaf = PEM_read_X509(f, NULL, NULL, NULL);
    issuer = PEM_read_X509(f, NULL, NULL, NULL);
    none = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    ERR_clear_error();
    REQUIRE(leaf && issuer && !none);
    X509_NAME_oneline(X509_get_subject_name(leaf), subject, sizeof subject);
    X509_NAME_oneline(X509_get_issuer_name(leaf), issuer_name, sizeof issuer_name);
    REQUIRE(strcmp(subject, "/CN=localhost") == 0);
    REQUIRE(strcmp(issuer_name, "/CN=libtls Test Intermediate CA") == 0);
    X509_NAME_oneline(X509_get_subject_name(issuer), subject, sizeof subject);
    REQUIRE(strcmp(subject, issuer_name) == 0);
    X509_free(leaf);
    X509_free(issuer);
    return 1;
}

static int print_name(X509_NAME *name, unsigned long flags, char *out, size_t size)
{
    FILE *f = tmpfile();
    size_t n;
    if (!f)
        return 0;
    if (X509_NAME_print_ex_fp(f, name, 0, flags) < 0) {
        fclose(f);
        return 0;
    }
    rewind(f);
    n = fread(out, 1, size - 1, f);
    out[n] = '\0';
    fclose(f);
    return 1;
}

static int test_name_print_styles(void)
{
    X509 *x = read_cert_file(PKI "intermediate-ca.pem");
    char text[256];
    REQUIRE(x != NULL);
    REQUIRE(print_name(X509_get_subject_name(x), XN_FLAG_ONELINE, text, sizeof text));
    REQUIRE(strcmp(text, "CN = libtls Test Intermediate CA") == 0);
    REQUIRE(print_name(X509_get_subject_name(x), XN_FLAG_RFC2253, text, sizeof text));
    REQUIRE(strcmp(text, "CN=libtls Test Intermediate CA") == 0);
    X509_free(x);
    return 1;
}

static int test_der_round_trip(void)
{
    X509 *x = read_cert_file(PKI "client-rsa2048.pem"), *back = NULL;
    unsigned char *der = NULL;
    const unsigned char *p;
    unsigned char *again = NULL;
    int len, len2;
    char a[256], b[256];
    REQUIRE(x != NULL);
    len = i2d_X509(x, &der);
    REQUIRE(len > 0 && der != NULL);
    p = der;
    REQUIRE(d2i_X509(&back, &p, len) == back && back != NULL);
    REQUIRE(p == der + len);
    len2 = i2d_X509(back, &again);
    REQUIRE(len2 == len && memcmp(again, der, len) == 0);
    X509_NAME_oneline(X509_get_subject_name(x), a, sizeof a);
    X509_NAME_oneline(X509_get_subject_name(back), b, sizeof b);
    REQUIRE(strcmp(a, b) == 0);
    /* Truncated input is an error, not a crash. */
    p = der;
    REQUIRE(d2i_X509(NULL, &p, len - 1) == NULL);
    ERR_clear_error();
    OPENSSL_free(der);
    OPENSSL_free(again);
    X509_free(x);
    X509_free(back);
    return 1;
}

static int test_name_der_round_trip(void)
{
    X509 *x = read_cert_file(PKI "client-rsa2048.pem");
    X509_NAME *back = NULL, *other;
    unsigned char *der = NULL, *again = NULL, buf[512], *cursor = buf;
    const unsigned char *p;
    int len, len2;
    char a[256], b[256];
    REQUIRE(x != NULL);
    len = i2d_X509_NAME(X509_get_subject_name(x), NULL);
    REQUIRE(len > 0 && len <= (int)sizeof buf);
    REQUIRE(i2d_X509_NAME(X509_get_subject_name(x), &der) == len && der != NULL);
    /* Into the caller's buffer, the cursor advanced past the encoding. */
    REQUIRE(i2d_X509_NAME(X509_get_subject_name(x), &cursor) == len && cursor == buf + len);
    REQUIRE(memcmp(buf, der, len) == 0);
    p = der;
    REQUIRE(d2i_X509_NAME(&back, &p, len) == back && back != NULL);
    REQUIRE(p == der + len);
    len2 = i2d_X509_NAME(back, &again);
    REQUIRE(len2 == len && memcmp(again, der, len) == 0);
    X509_NAME_oneline(X509_get_subject_name(x), a, sizeof a);
    X509_NAME_oneline(back, b, sizeof b);
    REQUIRE(strcmp(a, b) == 0 && strcmp(b, "/CN=libtls test client rsa") == 0);
    /* Decoding again into the same slot replaces (and frees) the earlier name. */
    p = der;
    other = d2i_X509_NAME(&back, &p, len);
    REQUIRE(other != NULL && other == back);
    /* Truncated input and a non-SEQUENCE are errors, not crashes. */
    p = der;
    REQUIRE(d2i_X509_NAME(NULL, &p, len - 1) == NULL);
    p = (const unsigned char *)"\x02\x01\x00";
    REQUIRE(d2i_X509_NAME(NULL, &p, 3) == NULL);
    ERR_clear_error();
    OPENSSL_free(der);
    OPENSSL_free(again);
    X509_NAME_free(back);
    X509_free(x);
    return 1;
}

static int test_validity_and_serial(void)
{
    X509 *x = read_cert_file(PKI "server-ecdsa-p256.pem");
    struct tm tm;
    const ASN1_INTEGER *serial;
    REQUIRE(x != NULL);
    memset(&tm, 0, sizeof tm);
    REQUIRE(ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm) == 1);
    REQUIRE(timegm(&tm) == 1767225600); /* 2026-01-01T00:00:00Z */
    REQUIRE(ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1);
    REQUIRE(tm.tm_year + 1900 == 2125 && tm.tm_mon == 11 && tm.tm_mday == 31);
    serial = X509_get0_serialNumber(x);
    REQUIRE(serial != NULL && ASN1_STRING_length(serial) > 0);
    REQUIRE(ASN1_STRING_get0_data(serial) != NULL);
    X509_free(x);
    return 1;
}

static int test_names_and_addresses(void)
{
    X509 *x = read_cert_file(PKI "server-ecdsa-p256.pem");
    REQUIRE(x != NULL);
    REQUIRE(X509_check_host(x, "localhost", 0, 0, NULL) == 1);
    REQUIRE(X509_check_host(x, "other.example", 0, 0, NULL) == 0);
    REQUIRE(X509_check_ip_asc(x, "127.0.0.1", 0) == 1);
    REQUIRE(X509_check_ip_asc(x, "::1", 0) == 1);
    REQUIRE(X509_check_ip_asc(x, "10.1.2.3", 0) == 0);
    X509_free(x);
    return 1;
}

static int test_public_keys_and_fingerprint(void)
{
    static const struct {
        const char *file;
        int id, bits;
    } keys[] = {
        {PKI "server-ecdsa-p256.pem", EVP_PKEY_EC, 256},
        {PKI "server-ecdsa-p384.pem", EVP_PKEY_EC, 384},
        {PKI "server-rsa2048.pem", EVP_PKEY_RSA, 2048},
#ifdef OPENSSL_IS_AWSLC
        /* aws-lc's libcrypto (libtls's) counts Ed25519's 253 significant bits, OpenSSL 256. */
        {PKI "server-ed25519.pem", EVP_PKEY_ED25519, 253},
#else
        {PKI "server-ed25519.pem", EVP_PKEY_ED25519, 256},
#endif
    };
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    size_t i;
    for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        X509 *x = read_cert_file(keys[i].file);
        EVP_PKEY *k;
        REQUIRE(x != NULL);
        k = X509_get_pubkey(x);
        REQUIRE(k != NULL);
        REQUIRE(EVP_PKEY_id(k) == keys[i].id);
        REQUIRE(EVP_PKEY_bits(k) == keys[i].bits);
        EVP_PKEY_free(k);
        REQUIRE(X509_digest(x, EVP_sha256(), md, &len) == 1 && len == 32);
        X509_free(x);
    }
    return 1;
}

static int test_certificate_and_key_objects(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    X509 *x = read_cert_file(PKI "server-ed25519.pem");
    FILE *f = fopen(PKI "server-ed25519.key", "r");
    EVP_PKEY *k;
    REQUIRE(ctx && x && f);
    k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    REQUIRE(k != NULL && EVP_PKEY_id(k) == EVP_PKEY_ED25519);
    REQUIRE(SSL_CTX_use_certificate(ctx, x) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey(ctx, k) == 1);
    REQUIRE(SSL_CTX_check_private_key(ctx) == 1);
    EVP_PKEY_free(k);
    X509_free(x);
    SSL_CTX_free(ctx);
    return 1;
}

/* ---- runner ------------------------------------------------------------------------------ */

/* Prints what `openssl x509 -noout -serial -dates -fingerprint -sha256 -subject -issuer`
 * reports, in a fixed key=value form. */
static int dump(const char *path)
{
    X509 *x = read_cert_file(path);
    const ASN1_INTEGER *serial;
    struct tm tm;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0, i;
    const unsigned char *p;
    char name[512];
    EVP_PKEY *k;

    if (!x) {
        fprintf(stderr, "test_x509: cannot read %s\n", path);
        return 1;
    }
    serial = X509_get0_serialNumber(x);
    p = ASN1_STRING_get0_data(serial);
    printf("serial=");
    for (i = 0; i < (unsigned int)ASN1_STRING_length(serial); i++)
        printf("%02X", p[i]);
    printf("\n");
    ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm);
    printf("notBefore=%lld\n", (long long)timegm(&tm));
    ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm);
    printf("notAfter=%lld\n", (long long)timegm(&tm));
    X509_digest(x, EVP_sha256(), md, &len);
    printf("sha256=");
    for (i = 0; i < len; i++)
        printf("%s%02X", i ? ":" : "", md[i]);
    printf("\n");
    print_name(X509_get_subject_name(x), XN_FLAG_ONELINE, name, sizeof name);
    printf("subject=%s\n", name);
    print_name(X509_get_issuer_name(x), XN_FLAG_RFC2253, name, sizeof name);
    printf("issuer_rfc2253=%s\n", name);
    k = X509_get_pubkey(x);
    printf("key_id=%d\nkey_bits=%d\n", EVP_PKEY_id(k), EVP_PKEY_bits(k));
    EVP_PKEY_free(k);
    X509_free(x);
    return 0;
}

/* SSL_CTX_get_cert_store: the store is an X509_STORE of the libcrypto API; a root added to it
 * with X509_STORE_add_cert (or read with X509_STORE_load_locations) is trusted by the
 * context's next connections, and a server is not verified before. */
static int test_cert_store_trust(void)
{
    struct outcome c, s;
    SSL_CTX *sctx = mtls_server("server-ecdsa-p256", SSL_VERIFY_NONE);
    SSL_CTX *cctx = tls13_ctx(TLS_client_method());
    X509 *root = read_cert_file(PKI "root-ca.pem");
    X509_STORE *store;
    REQUIRE(sctx && cctx && root);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    store = SSL_CTX_get_cert_store(cctx);
    REQUIRE(store != NULL && SSL_CTX_get_cert_store(cctx) == store);

    /* Nothing trusted yet. */
    REQUIRE(run_pair(cctx, sctx, NULL, &c, &s));
    REQUIRE(c.handshake_ret != 1);
    REQUIRE(c.verify_result == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);

    REQUIRE(X509_STORE_add_cert(store, root) == 1);
    REQUIRE(run_pair(cctx, sctx, NULL, &c, &s));
    if (c.handshake_ret != 1 || c.io_ret != 4)
        return describe("root added to the store", &c, &s);
    REQUIRE(c.verify_result == X509_V_OK);

    /* A store of the application's, loaded from a file, set on a new context. */
    SSL_CTX_free(cctx);
    cctx = tls13_ctx(TLS_client_method());
    REQUIRE(cctx != NULL);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    store = X509_STORE_new();
    REQUIRE(store && X509_STORE_load_locations(store, PKI "root-ca.pem", NULL) == 1);
    SSL_CTX_set_cert_store(cctx, store);
    REQUIRE(SSL_CTX_get_cert_store(cctx) == store);
    REQUIRE(run_pair(cctx, sctx, NULL, &c, &s));
    if (c.handshake_ret != 1 || c.verify_result != X509_V_OK)
        return describe("store loaded from a file", &c, &s);

    X509_free(root);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

/* X509_VERIFY_PARAM objects of the libcrypto API (X509_VERIFY_PARAM_new) take the host
 * calls, as SSL_get0_param's do. */
static int test_verify_param_objects(void)
{
    X509_VERIFY_PARAM *p = X509_VERIFY_PARAM_new();
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = ctx ? SSL_new(ctx) : NULL;
    REQUIRE(p && ssl);
    X509_VERIFY_PARAM_set_hostflags(p, X509_CHECK_FLAG_NO_WILDCARDS);
    REQUIRE(X509_VERIFY_PARAM_get_hostflags(p) == X509_CHECK_FLAG_NO_WILDCARDS);
    REQUIRE(X509_VERIFY_PARAM_set1_host(p, "example.com", 0) == 1);
    REQUIRE(X509_VERIFY_PARAM_add1_host(p, "example.org", 0) == 1);
    REQUIRE(X509_VERIFY_PARAM_set1_ip_asc(p, "192.0.2.1") == 1);
    X509_VERIFY_PARAM_free(p);
    /* The connection's own parameters are unaffected. */
    REQUIRE(X509_VERIFY_PARAM_get_hostflags(SSL_get0_param(ssl)) == 0);
    X509_VERIFY_PARAM_set_hostflags(SSL_get0_param(ssl), X509_CHECK_FLAG_NO_WILDCARDS);
    REQUIRE(X509_VERIFY_PARAM_get_hostflags(SSL_get0_param(ssl)) == X509_CHECK_FLAG_NO_WILDCARDS);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return 1;
}

static const struct test_case tests[] = {
    {"mtls_ecdsa_p256", test_mtls_ecdsa_p256},
    {"mtls_ecdsa_p384", test_mtls_ecdsa_p384},
    {"mtls_rsa2048", test_mtls_rsa2048},
    {"mtls_ed25519", test_mtls_ed25519},
    {"no_client_cert_accepted", test_no_client_cert_accepted},
    {"no_client_cert_required", test_no_client_cert_required},
    {"untrusted_client_cert", test_untrusted_client_cert},
    {"server_cert_is_not_a_client_cert", test_server_cert_is_not_a_client_cert},
    {"client_cert_callback", test_client_cert_callback},
    {"verify_callback_sees_good_chain", test_verify_callback_sees_good_chain},
    {"verify_callback_overrides_expired", test_verify_callback_overrides_expired},
    {"verify_callback_overrides_unknown_ca", test_verify_callback_overrides_unknown_ca},
    {"verify_callback_rejects_good_chain", test_verify_callback_rejects_good_chain},
    {"ssl_set_verify_callback", test_ssl_set_verify_callback},
    {"verify_controls", test_verify_controls},
    {"pem_chain_and_names", test_pem_chain_and_names},
    {"name_print_styles", test_name_print_styles},
    {"der_round_trip", test_der_round_trip},
    {"name_der_round_trip", test_name_der_round_trip},
    {"validity_and_serial", test_validity_and_serial},
    {"names_and_addresses", test_names_and_addresses},
    {"public_keys_and_fingerprint", test_public_keys_and_fingerprint},
    {"certificate_and_key_objects", test_certificate_and_key_objects},
    {"cert_store_trust", test_cert_store_trust},
    {"verify_param_objects", test_verify_param_objects},
};

int main(int argc, char **argv)
{
    /* A peer that gave up must show as a failed write, not kill the test program. */
    signal(SIGPIPE, SIG_IGN);
    if (argc == 3 && strcmp(argv[1], "--dump") == 0)
        return dump(argv[2]);
    return run_test_cases("test_x509", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}
