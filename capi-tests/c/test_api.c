/* Direct tests of the C API: loaders, configuration setters, error queue, and handshakes over a
 * socketpair with the client and server in two threads. Written against OpenSSL's names and
 * semantics, so it runs unchanged against libtls and OpenSSL.
 *
 *   test_api            run every test, print "ok NAME" / "FAIL NAME: why", then a summary
 *   test_api NAME...    run only these
 *   test_api --list     print the test names
 * Run from the repository root (certificates are read from pki/). */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---------------------------------------------------------------------------- */

struct server_run {
    int handshake_ret;
    int handshake_error;
    unsigned long first_error;
    char received[256];
    int close_seen; /* SSL_read returned 0 with SSL_ERROR_ZERO_RETURN */
};

/* The server side: handshake, echo one message, wait for close_notify, answer it. */
static int run_server(SSL *ssl, void *arg)
{
    struct server_run *run = arg;
    int n;

    ERR_clear_error();
    run->handshake_ret = SSL_accept(ssl);
    if (run->handshake_ret != 1) {
        run->handshake_error = SSL_get_error(ssl, run->handshake_ret);
        run->first_error = ERR_peek_error();
        return 0;
    }
    n = SSL_read(ssl, run->received, sizeof run->received - 1);
    if (n > 0) {
        run->received[n] = '\0';
        SSL_write(ssl, run->received, n);
        n = SSL_read(ssl, run->received + n, 1);
        run->close_seen = n == 0 && SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN;
        SSL_shutdown(ssl);
    }
    return 1;
}

/* The client `ssl` and a server of `sctx` over a blocking socketpair, the server running
 * run_server on its own thread while the caller drives the client; finish_server frees both. */
struct pair {
    struct sock_pair sp;
    struct sock_server thread;
    struct server_run server;
};

static int start_server(struct pair *pair, SSL *client, SSL_CTX *sctx)
{
    memset(pair, 0, sizeof *pair);
    if (sock_pair_open(&pair->sp, client, SSL_new(sctx), 0) &&
        sock_pair_serve(&pair->sp, &pair->thread, run_server, &pair->server))
        return 1;
    sock_pair_close(&pair->sp);
    return 0;
}

static void finish_server(struct pair *pair)
{
    sock_pair_join(&pair->sp, &pair->thread);
    sock_pair_close(&pair->sp);
}

/* ---- tests ------------------------------------------------------------------------------- */

static int test_ctx_refcount(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    REQUIRE(ctx != NULL);
    REQUIRE(SSL_CTX_up_ref(ctx) == 1);
    SSL_CTX_free(ctx);
    SSL_CTX_free(ctx);
    return 1;
}

static int load_pair(const char *chain, const char *key)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    int ok;
    if (!ctx)
        return 0;
    ok = SSL_CTX_use_certificate_chain_file(ctx, chain) == 1 &&
         SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 &&
         SSL_CTX_check_private_key(ctx) == 1;
    SSL_CTX_free(ctx);
    return ok;
}

static int test_load_pkcs8_keys(void)
{
    REQUIRE(load_pair(PKI "server-ecdsa-p256.chain.pem", PKI "server-ecdsa-p256.key"));
    REQUIRE(load_pair(PKI "server-ecdsa-p384.chain.pem", PKI "server-ecdsa-p384.key"));
    REQUIRE(load_pair(PKI "server-rsa2048.chain.pem", PKI "server-rsa2048.key"));
    REQUIRE(load_pair(PKI "server-ed25519.chain.pem", PKI "server-ed25519.key"));
    REQUIRE(ERR_peek_error() == 0);
    return 1;
}

static int test_load_legacy_keys(void)
{
    REQUIRE(load_pair(PKI "server-ecdsa-p256.chain.pem", PKI "server-ecdsa-p256.sec1.key"));
    REQUIRE(load_pair(PKI "server-rsa2048.chain.pem", PKI "server-rsa2048.pkcs1.key"));
    REQUIRE(ERR_peek_error() == 0);
    return 1;
}

static int test_key_mismatch_rejected(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    int loaded, consistent;
    REQUIRE(ctx != NULL);
    ERR_clear_error();
    REQUIRE(SSL_CTX_use_certificate_chain_file(ctx, PKI "server-ecdsa-p256.chain.pem") == 1);
    /* Either the loader or the check must notice that the key is not the certificate's. */
    loaded = SSL_CTX_use_PrivateKey_file(ctx, PKI "wrong-name.key", SSL_FILETYPE_PEM) == 1;
    consistent = loaded && SSL_CTX_check_private_key(ctx) == 1;
    SSL_CTX_free(ctx);
    REQUIRE(!consistent);
    REQUIRE(ERR_peek_error() != 0);
    ERR_clear_error();
    return 1;
}

static int test_missing_files_fail(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    REQUIRE(ctx != NULL);
    ERR_clear_error();
    REQUIRE(SSL_CTX_use_certificate_chain_file(ctx, "pki/does-not-exist.pem") != 1);
    REQUIRE(ERR_peek_error() != 0);
    ERR_clear_error();
    REQUIRE(SSL_CTX_use_PrivateKey_file(ctx, "pki/does-not-exist.key", SSL_FILETYPE_PEM) != 1);
    REQUIRE(ERR_peek_error() != 0);
    ERR_clear_error();
    REQUIRE(SSL_CTX_load_verify_locations(ctx, "pki/does-not-exist.pem", NULL) != 1);
    ERR_clear_error();
    /* A certificate file is not a key file. */
    REQUIRE(SSL_CTX_use_PrivateKey_file(ctx, PKI "root-ca.pem", SSL_FILETYPE_PEM) != 1);
    ERR_clear_error();
    SSL_CTX_free(ctx);
    return 1;
}

static int test_config_setters(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    REQUIRE(ctx != NULL);
    REQUIRE(SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256") == 1);
    REQUIRE(SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") == 1);
    ERR_clear_error();
    REQUIRE(SSL_CTX_set1_groups_list(ctx, "no-such-group") != 1);
    ERR_clear_error();
    REQUIRE(SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1);
    REQUIRE(SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1);
    REQUIRE(SSL_CTX_set_default_verify_paths(ctx) == 1);
    SSL_CTX_free(ctx);
    return 1;
}

static int test_strings_and_constants(void)
{
    REQUIRE(strcmp(X509_verify_cert_error_string(X509_V_OK), "ok") == 0);
    REQUIRE(strcmp(X509_verify_cert_error_string(X509_V_ERR_HOSTNAME_MISMATCH),
                 "hostname mismatch") == 0);
    REQUIRE(strcmp(X509_verify_cert_error_string(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
                 "unable to get local issuer certificate") == 0);
    REQUIRE(X509_V_ERR_HOSTNAME_MISMATCH == 62);
    REQUIRE(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY == 20);
    REQUIRE(X509_V_ERR_CERT_HAS_EXPIRED == 10);
    REQUIRE(SSL_R_CERTIFICATE_VERIFY_FAILED == 134);
    REQUIRE(TLS1_2_VERSION == 0x0303 && TLS1_3_VERSION == 0x0304);
    REQUIRE(SSL_ERROR_SSL == 1 && SSL_ERROR_WANT_READ == 2 && SSL_ERROR_ZERO_RETURN == 6);
    REQUIRE(strcmp(SSL_alert_desc_string_long(42), "bad certificate") == 0);
    REQUIRE(strcmp(SSL_alert_desc_string_long(48), "unknown CA") == 0);
    REQUIRE(strcmp(SSL_alert_type_string_long(2 << 8 | 40), "fatal") == 0);
    REQUIRE(strcmp(SSL_alert_type_string_long(1 << 8 | 0), "warning") == 0);
    return 1;
}

/* Full round trip: verified handshake, data both ways, close_notify both ways. */
static int handshake_round_trip(const char *identity, int version,
                                const char *expect_version)
{
    SSL_CTX *sctx = test_server_ctx(identity, 0);
    SSL_CTX *cctx = test_client_ctx(0);
    struct pair pair;
    SSL *ssl;
    X509 *peer;
    char buf[64], subject[256];
    int n, ok = 0;

    REQUIRE(sctx && cctx);
    REQUIRE(pin_version(cctx, version));
    ssl = SSL_new(cctx);
    REQUIRE(ssl != NULL);
    REQUIRE(start_server(&pair, ssl, sctx));
    SSL_set_tlsext_host_name(ssl, "localhost");
    SSL_set1_host(ssl, "localhost");
    SSL_set_connect_state(ssl);
    ERR_clear_error();
    n = SSL_do_handshake(ssl);
    if (n != 1) {
        ERR_error_string_n(ERR_peek_error(), buf, sizeof buf);
        snprintf(failure, sizeof failure, "handshake: ssl_error %d, %s", SSL_get_error(ssl, n), buf);
        goto out;
    }
    if (SSL_get_error(ssl, n) != SSL_ERROR_NONE ||
        strcmp(SSL_get_version(ssl), expect_version) != 0 ||
        SSL_get_verify_result(ssl) != X509_V_OK) {
        snprintf(failure, sizeof failure, "after handshake: version %s verify %ld",
                 SSL_get_version(ssl), SSL_get_verify_result(ssl));
        goto out;
    }
    peer = SSL_get1_peer_certificate(ssl);
    if (!peer) {
        snprintf(failure, sizeof failure, "no peer certificate");
        goto out;
    }
    X509_NAME_oneline(X509_get_subject_name(peer), subject, sizeof subject);
    X509_free(peer);
    if (strcmp(subject, "/CN=localhost") != 0) {
        snprintf(failure, sizeof failure, "peer subject %s", subject);
        goto out;
    }
    if (SSL_write(ssl, "ping", 4) != 4) {
        snprintf(failure, sizeof failure, "SSL_write failed");
        goto out;
    }
    n = SSL_read(ssl, buf, sizeof buf);
    if (n != 4 || memcmp(buf, "ping", 4) != 0) {
        snprintf(failure, sizeof failure, "echo: SSL_read returned %d", n);
        goto out;
    }
    /* 0: our close_notify is sent, the peer's is not yet seen. */
    n = SSL_shutdown(ssl);
    if (n != 0 && n != 1) {
        snprintf(failure, sizeof failure, "SSL_shutdown returned %d", n);
        goto out;
    }
    n = SSL_read(ssl, buf, sizeof buf);
    if (n != 0 || SSL_get_error(ssl, n) != SSL_ERROR_ZERO_RETURN) {
        snprintf(failure, sizeof failure, "expected the peer's close_notify, got %d/%d", n,
                 SSL_get_error(ssl, n));
        goto out;
    }
    ok = 1;
out:
    finish_server(&pair);
    if (ok && (pair.server.handshake_ret != 1 || strcmp(pair.server.received, "ping") != 0 ||
               !pair.server.close_seen)) {
        snprintf(failure, sizeof failure, "server side: handshake %d received '%s' close %d",
                 pair.server.handshake_ret, pair.server.received, pair.server.close_seen);
        ok = 0;
    }
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    ERR_clear_error();
    return ok;
}

static int test_round_trip_tls13_ecdsa(void)
{
    return handshake_round_trip("server-ecdsa-p256", TLS1_3_VERSION, "TLSv1.3");
}

static int test_round_trip_tls13_ed25519(void)
{
    return handshake_round_trip("server-ed25519", TLS1_3_VERSION, "TLSv1.3");
}

static int test_round_trip_tls12_rsa(void)
{
    return handshake_round_trip("server-rsa2048", TLS1_2_VERSION, "TLSv1.2");
}

static int test_round_trip_tls12_ecdsa(void)
{
    return handshake_round_trip("server-ecdsa-p256", TLS1_2_VERSION, "TLSv1.2");
}

/* The client must refuse and say why: reason, verify result, alert seen by the server. */
static int expect_verify_failure(const char *identity, const char *host,
                                 long expect_verify)
{
    SSL_CTX *sctx = test_server_ctx(identity, 0);
    SSL_CTX *cctx = test_client_ctx(0);
    struct pair pair;
    SSL *ssl;
    unsigned long err;
    int n, code;

    REQUIRE(sctx && cctx);
    ssl = SSL_new(cctx);
    REQUIRE(ssl != NULL);
    REQUIRE(start_server(&pair, ssl, sctx));
    SSL_set_tlsext_host_name(ssl, host);
    SSL_set1_host(ssl, host);
    ERR_clear_error();
    n = SSL_connect(ssl);
    code = SSL_get_error(ssl, n);
    err = ERR_peek_error();
    if (n == 1 || code != SSL_ERROR_SSL || ERR_GET_REASON(err) != SSL_R_CERTIFICATE_VERIFY_FAILED ||
        SSL_get_verify_result(ssl) != expect_verify ||
        strcmp(ERR_reason_error_string(err), "certificate verify failed") != 0) {
        snprintf(failure, sizeof failure, "connect %d error %d reason %d verify %ld", n, code,
                 ERR_GET_REASON(err), SSL_get_verify_result(ssl));
        finish_server(&pair);
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
        return 0;
    }
    ERR_clear_error();
    finish_server(&pair);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    REQUIRE(pair.server.handshake_ret != 1);
    REQUIRE(pair.server.handshake_error == SSL_ERROR_SSL);
    /* The server learns of it through a fatal alert (reason = 1000 + alert description). */
    REQUIRE(ERR_GET_REASON(pair.server.first_error) > 1000);
    return 1;
}

static int test_hostname_mismatch(void)
{
    return expect_verify_failure("wrong-name", "localhost",
                                 X509_V_ERR_HOSTNAME_MISMATCH);
}

static int test_unknown_ca(void)
{
    return expect_verify_failure("untrusted-localhost", "localhost", X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

static int test_expired(void)
{
    return expect_verify_failure("expired-localhost", "localhost", X509_V_ERR_CERT_HAS_EXPIRED);
}

static int test_not_yet_valid(void)
{
    return expect_verify_failure("notyetvalid-localhost", "localhost",
                                 X509_V_ERR_CERT_NOT_YET_VALID);
}

static int test_version_mismatch(void)
{
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0);
    SSL_CTX *cctx = test_client_ctx(0);
    struct pair pair;
    SSL *ssl;
    int n;

    REQUIRE(sctx && cctx);
    REQUIRE(SSL_CTX_set_max_proto_version(sctx, TLS1_2_VERSION) == 1);
    REQUIRE(SSL_CTX_set_min_proto_version(cctx, TLS1_3_VERSION) == 1);
    ssl = SSL_new(cctx);
    REQUIRE(ssl != NULL);
    REQUIRE(start_server(&pair, ssl, sctx));
    SSL_set1_host(ssl, "localhost");
    ERR_clear_error();
    n = SSL_connect(ssl);
    finish_server(&pair);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    REQUIRE(n != 1);
    REQUIRE(ERR_peek_error() != 0);
    REQUIRE(pair.server.handshake_ret != 1);
    ERR_clear_error();
    return 1;
}

static int test_no_shared_suite(void)
{
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0);
    SSL_CTX *cctx = test_client_ctx(0);
    struct pair pair;
    SSL *ssl;
    int n;

    REQUIRE(sctx && cctx);
    REQUIRE(SSL_CTX_set_min_proto_version(sctx, TLS1_3_VERSION) == 1);
    REQUIRE(SSL_CTX_set_ciphersuites(sctx, "TLS_AES_128_GCM_SHA256") == 1);
    REQUIRE(SSL_CTX_set_ciphersuites(cctx, "TLS_AES_256_GCM_SHA384") == 1);
    ssl = SSL_new(cctx);
    REQUIRE(ssl != NULL);
    REQUIRE(start_server(&pair, ssl, sctx));
    SSL_set1_host(ssl, "localhost");
    ERR_clear_error();
    n = SSL_connect(ssl);
    finish_server(&pair);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    REQUIRE(n != 1);
    REQUIRE(pair.server.handshake_ret != 1);
    REQUIRE(ERR_GET_REASON(pair.server.first_error) == SSL_R_NO_SHARED_CIPHER);
    ERR_clear_error();
    return 1;
}

/* The largest handshake message a client accepts: inherited from the context, refused past. */
static int test_max_cert_list(void)
{
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0);
    SSL_CTX *cctx = test_client_ctx(0);
    struct pair pair;
    SSL *ssl;
    int n, code;
    unsigned long err;

    REQUIRE(sctx && cctx);
    REQUIRE(SSL_CTX_get_max_cert_list(cctx) == 102400);
    REQUIRE(SSL_CTX_set_max_cert_list(cctx, 200) == 102400);
    REQUIRE(SSL_CTX_get_max_cert_list(cctx) == 200);
    ssl = SSL_new(cctx);
    REQUIRE(ssl != NULL);
    REQUIRE(SSL_get_max_cert_list(ssl) == 200);
    REQUIRE(SSL_set_max_cert_list(ssl, 300) == 200);
    REQUIRE(SSL_get_max_cert_list(ssl) == 300);
    REQUIRE(SSL_CTX_get_max_cert_list(cctx) == 200);
    REQUIRE(start_server(&pair, ssl, sctx));
    SSL_set1_host(ssl, "localhost");
    ERR_clear_error();
    n = SSL_connect(ssl);
    code = SSL_get_error(ssl, n);
    err = ERR_peek_error();
    finish_server(&pair);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    REQUIRE(n != 1);
    REQUIRE(code == SSL_ERROR_SSL);
    REQUIRE(ERR_GET_REASON(err) == SSL_R_EXCESSIVE_MESSAGE_SIZE);
    REQUIRE(pair.server.handshake_ret != 1);
    ERR_clear_error();
    return 1;
}

/* ---- runner ------------------------------------------------------------------------------ */

static const struct test_case tests[] = {
    {"ctx_refcount", test_ctx_refcount},
    {"load_pkcs8_keys", test_load_pkcs8_keys},
    {"load_legacy_keys", test_load_legacy_keys},
    {"key_mismatch_rejected", test_key_mismatch_rejected},
    {"missing_files_fail", test_missing_files_fail},
    {"config_setters", test_config_setters},
    {"strings_and_constants", test_strings_and_constants},
    {"round_trip_tls13_ecdsa", test_round_trip_tls13_ecdsa},
    {"round_trip_tls13_ed25519", test_round_trip_tls13_ed25519},
    {"round_trip_tls12_rsa", test_round_trip_tls12_rsa},
    {"round_trip_tls12_ecdsa", test_round_trip_tls12_ecdsa},
    {"hostname_mismatch", test_hostname_mismatch},
    {"unknown_ca", test_unknown_ca},
    {"expired", test_expired},
    {"not_yet_valid", test_not_yet_valid},
    {"version_mismatch", test_version_mismatch},
    {"no_shared_suite", test_no_shared_suite},
    {"max_cert_list", test_max_cert_list},
};


int main(int argc, char **argv)
{
    return run_test_cases("test_api", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}
