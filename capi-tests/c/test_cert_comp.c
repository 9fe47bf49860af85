/* Certificate compression (RFC 8879) through OpenSSL 3.2's API: the preference setters, the
 * option bits, SSL_CTX_compress_certs with SSL_CTX_get1/set1_compressed_cert, and what
 * SSL_get_negotiated_{server,client}_cert_comp_alg report after in-memory handshakes.
 *
 *   test_cert_comp            run every test
 *   test_cert_comp NAME...    run only these
 *   test_cert_comp --list     print the test names
 * Run from the repository root (certificates are read from pki/). Built against an OpenSSL
 * before 3.2 (the reference build), which has no certificate compression, it runs nothing. */
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

#ifdef TLSEXT_comp_cert_none

static SSL_CTX *server_ctx(int verify_client)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, PKI "server-rsa2048.chain.pem") != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, PKI "server-rsa2048.key", SSL_FILETYPE_PEM) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    if (verify_client) {
        SSL_CTX_load_verify_locations(ctx, PKI "root-ca.pem", NULL);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
    return ctx;
}

static SSL_CTX *client_ctx(int with_cert)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || SSL_CTX_load_verify_locations(ctx, PKI "root-ca.pem", NULL) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (with_cert && (SSL_CTX_use_certificate_chain_file(ctx, PKI "client-rsa2048.chain.pem") != 1 ||
                      SSL_CTX_use_PrivateKey_file(ctx, PKI "client-rsa2048.key", SSL_FILETYPE_PEM) != 1)) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static void shuttle(BIO *from, BIO *to)
{
    char buf[4096];
    int n;
    while ((n = BIO_read(from, buf, sizeof buf)) > 0)
        BIO_write(to, buf, n);
}

/* A handshake over memory BIOs; the SSLs are returned for inspection (free them). */
static int handshake(SSL_CTX *cctx, SSL_CTX *sctx, SSL **client, SSL **server)
{
    BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
    BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
    int c_done = 0, s_done = 0, rounds;
    *client = SSL_new(cctx);
    *server = SSL_new(sctx);
    SSL_set_bio(*client, c_in, c_out);
    SSL_set_bio(*server, s_in, s_out);
    SSL_set_connect_state(*client);
    SSL_set_accept_state(*server);
    SSL_set1_host(*client, "localhost");
    SSL_set_tlsext_host_name(*client, "localhost");
    for (rounds = 0; rounds < 50 && !(c_done && s_done); rounds++) {
        if (!c_done) {
            int r = SSL_do_handshake(*client);
            if (r == 1)
                c_done = 1;
            else if (SSL_get_error(*client, r) != SSL_ERROR_WANT_READ)
                return 0;
        }
        shuttle(c_out, s_in);
        if (!s_done) {
            int r = SSL_do_handshake(*server);
            if (r == 1)
                s_done = 1;
            else if (SSL_get_error(*server, r) != SSL_ERROR_WANT_READ)
                return 0;
        }
        shuttle(s_out, c_in);
    }
    return c_done && s_done;
}

static int test_preference_rules(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL *ssl;
    int good[] = {TLSEXT_comp_cert_zstd, 99, TLSEXT_comp_cert_zlib};
    int dup[] = {TLSEXT_comp_cert_zlib, TLSEXT_comp_cert_zlib};
    int unknown[] = {42, -1};
    CHECK(ctx);
    CHECK(SSL_CTX_set1_cert_comp_preference(ctx, good, 3) == 1);
    CHECK(SSL_CTX_set1_cert_comp_preference(ctx, dup, 2) == 0);
    CHECK(SSL_CTX_set1_cert_comp_preference(ctx, unknown, 2) == 0);
    ERR_clear_error();
    ssl = SSL_new(ctx);
    CHECK(ssl);
    CHECK(SSL_set1_cert_comp_preference(ssl, good, 1) == 1);
    CHECK(SSL_set1_cert_comp_preference(ssl, dup, 2) == 0);
    ERR_clear_error();
    /* Nothing negotiated yet. */
    CHECK(SSL_get_negotiated_server_cert_comp_alg(ssl) == TLSEXT_comp_cert_none);
    CHECK(SSL_get_negotiated_client_cert_comp_alg(ssl) == TLSEXT_comp_cert_none);
    CHECK(SSL_get_negotiated_server_cert_comp_alg(NULL) == TLSEXT_comp_cert_none);
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return 1;
}

static int test_both_certificates_compressed(void)
{
    static const int algs[] = {TLSEXT_comp_cert_zlib, TLSEXT_comp_cert_brotli, TLSEXT_comp_cert_zstd};
    size_t i;
    for (i = 0; i < 3; i++) {
        SSL_CTX *sctx = server_ctx(1), *cctx = client_ctx(1);
        SSL *c, *s;
        int one = algs[i];
        CHECK(sctx && cctx);
        /* The server's preference decides what it sends; the client sends with the only
         * algorithm the server's CertificateRequest lists. */
        CHECK(SSL_CTX_set1_cert_comp_preference(sctx, &one, 1) == 1);
        CHECK(handshake(cctx, sctx, &c, &s));
        CHECK(SSL_get_verify_result(c) == X509_V_OK);
        CHECK(SSL_get_negotiated_server_cert_comp_alg(c) == one);
        CHECK(SSL_get_negotiated_server_cert_comp_alg(s) == one);
        CHECK(SSL_get_negotiated_client_cert_comp_alg(c) == one);
        CHECK(SSL_get_negotiated_client_cert_comp_alg(s) == one);
        SSL_free(c);
        SSL_free(s);
        SSL_CTX_free(cctx);
        SSL_CTX_free(sctx);
    }
    return 1;
}

static int test_option_bits(void)
{
    SSL_CTX *sctx = server_ctx(0), *cctx = client_ctx(0);
    SSL *c, *s;
    CHECK(sctx && cctx);
    CHECK(SSL_CTX_set_options(cctx, SSL_OP_NO_RX_CERTIFICATE_COMPRESSION) & SSL_OP_NO_RX_CERTIFICATE_COMPRESSION);
    CHECK(handshake(cctx, sctx, &c, &s));
    CHECK(SSL_get_negotiated_server_cert_comp_alg(c) == TLSEXT_comp_cert_none);
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_clear_options(cctx, SSL_OP_NO_RX_CERTIFICATE_COMPRESSION);
    SSL_CTX_set_options(sctx, SSL_OP_NO_TX_CERTIFICATE_COMPRESSION);
    CHECK(handshake(cctx, sctx, &c, &s));
    CHECK(SSL_get_negotiated_server_cert_comp_alg(c) == TLSEXT_comp_cert_none);
    SSL_free(c);
    SSL_free(s);
    /* By default both directions are on: brotli, the client's first choice. */
    SSL_CTX_clear_options(sctx, SSL_OP_NO_TX_CERTIFICATE_COMPRESSION);
    CHECK(handshake(cctx, sctx, &c, &s));
    CHECK(SSL_get_negotiated_server_cert_comp_alg(c) == TLSEXT_comp_cert_brotli);
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_precompressed_certificates(void)
{
    SSL_CTX *sctx = server_ctx(0), *other = server_ctx(0), *cctx = client_ctx(0);
    SSL_CTX *client_only = SSL_CTX_new(TLS_client_method());
    unsigned char *data = NULL;
    size_t orig = 0, len;
    int zstd = TLSEXT_comp_cert_zstd;
    SSL *c, *s;
    CHECK(sctx && other && cctx && client_only);
    /* Nothing compressed yet; a client context never pre-compresses. */
    CHECK(SSL_CTX_get1_compressed_cert(sctx, TLSEXT_comp_cert_zstd, &data, &orig) == 0);
    CHECK(SSL_CTX_compress_certs(client_only, 0) == 0);
    CHECK(SSL_CTX_compress_certs(sctx, 77) == 0);
    ERR_clear_error();
    CHECK(SSL_CTX_compress_certs(sctx, TLSEXT_comp_cert_zstd) == 1);
    len = SSL_CTX_get1_compressed_cert(sctx, TLSEXT_comp_cert_zstd, &data, &orig);
    CHECK(len > 0 && data != NULL);
    CHECK(orig > len);
    /* Handed to another context with the same chain: a wrong length or damaged data is
     * refused, the genuine data kept and used. */
    CHECK(SSL_CTX_set1_compressed_cert(other, TLSEXT_comp_cert_zstd, data, len, orig + 1) == 0);
    data[len / 2] ^= 0x55;
    CHECK(SSL_CTX_set1_compressed_cert(other, TLSEXT_comp_cert_zstd, data, len, orig) == 0);
    data[len / 2] ^= 0x55;
    ERR_clear_error();
    CHECK(SSL_CTX_set1_compressed_cert(other, TLSEXT_comp_cert_zstd, data, len, orig) == 1);
    OPENSSL_free(data);
    data = NULL;
    CHECK(SSL_CTX_get1_compressed_cert(other, TLSEXT_comp_cert_zstd, &data, &orig) == len);
    OPENSSL_free(data);
    CHECK(SSL_CTX_set1_cert_comp_preference(cctx, &zstd, 1) == 1);
    CHECK(handshake(cctx, other, &c, &s));
    CHECK(SSL_get_verify_result(c) == X509_V_OK);
    CHECK(SSL_get_negotiated_server_cert_comp_alg(c) == TLSEXT_comp_cert_zstd);
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(client_only);
    SSL_CTX_free(cctx);
    SSL_CTX_free(other);
    SSL_CTX_free(sctx);
    return 1;
}

static const struct test_case tests[] = {
    {"preference_rules", test_preference_rules},
    {"both_certificates_compressed", test_both_certificates_compressed},
    {"option_bits", test_option_bits},
    {"precompressed_certificates", test_precompressed_certificates},
};

int main(int argc, char **argv)
{
    return run_test_cases("test_cert_comp", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}

#else

static int test_not_in_this_openssl(void)
{
    return 1;
}

static const struct test_case tests[] = {
    {"not_in_this_openssl", test_not_in_this_openssl},
};

int main(int argc, char **argv)
{
    return run_test_cases("test_cert_comp", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}

#endif
