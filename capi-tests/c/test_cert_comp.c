/* Certificate compression (RFC 8879) through OpenSSL 3.2's API: the preference setters, the
 * option bits, SSL_CTX_compress_certs with SSL_CTX_get1/set1_compressed_cert, and what
 * SSL_get_negotiated_{server,client}_cert_comp_alg report after in-memory handshakes.
 *
 *   test_cert_comp            run every test
 *   test_cert_comp NAME...    run only these
 *   test_cert_comp --list     print the test names
 * Run from the repository root (certificates are read from pki/). Built against an OpenSSL
 * before 3.2 (the reference build), which has no certificate compression, it runs nothing. */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef TLSEXT_comp_cert_none

static SSL_CTX *server_ctx(int verify_client)
{
    SSL_CTX *ctx = test_server_ctx("server-rsa2048", TLS1_3_VERSION);
    if (ctx && verify_client) {
        SSL_CTX_load_verify_locations(ctx, PKI "root-ca.pem", NULL);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
    return ctx;
}

static SSL_CTX *client_ctx(int with_cert)
{
    SSL_CTX *ctx = test_client_ctx(0);
    if (ctx && with_cert && !ctx_use_identity(ctx, "client-rsa2048")) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static int test_preference_rules(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL *ssl;
    int good[] = {TLSEXT_comp_cert_zstd, 99, TLSEXT_comp_cert_zlib};
    int dup[] = {TLSEXT_comp_cert_zlib, TLSEXT_comp_cert_zlib};
    int unknown[] = {42, -1};
    REQUIRE(ctx);
    REQUIRE(SSL_CTX_set1_cert_comp_preference(ctx, good, 3) == 1);
    REQUIRE(SSL_CTX_set1_cert_comp_preference(ctx, dup, 2) == 0);
    REQUIRE(SSL_CTX_set1_cert_comp_preference(ctx, unknown, 2) == 0);
    ERR_clear_error();
    ssl = SSL_new(ctx);
    REQUIRE(ssl);
    REQUIRE(SSL_set1_cert_comp_preference(ssl, good, 1) == 1);
    REQUIRE(SSL_set1_cert_comp_preference(ssl, dup, 2) == 0);
    ERR_clear_error();
    /* Nothing negotiated yet. */
    REQUIRE(SSL_get_negotiated_server_cert_comp_alg(ssl) == TLSEXT_comp_cert_none);
    REQUIRE(SSL_get_negotiated_client_cert_comp_alg(ssl) == TLSEXT_comp_cert_none);
    REQUIRE(SSL_get_negotiated_server_cert_comp_alg(NULL) == TLSEXT_comp_cert_none);
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
        REQUIRE(sctx && cctx);
        /* The server's preference decides what it sends; the client sends with the only
         * algorithm the server's CertificateRequest lists. */
        REQUIRE(SSL_CTX_set1_cert_comp_preference(sctx, &one, 1) == 1);
        REQUIRE(mem_connect(cctx, sctx, &c, &s, NULL));
        REQUIRE(SSL_get_verify_result(c) == X509_V_OK);
        REQUIRE(SSL_get_negotiated_server_cert_comp_alg(c) == one);
        REQUIRE(SSL_get_negotiated_server_cert_comp_alg(s) == one);
        REQUIRE(SSL_get_negotiated_client_cert_comp_alg(c) == one);
        REQUIRE(SSL_get_negotiated_client_cert_comp_alg(s) == one);
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
    REQUIRE(sctx && cctx);
    REQUIRE(SSL_CTX_set_options(cctx, SSL_OP_NO_RX_CERTIFICATE_COMPRESSION) & SSL_OP_NO_RX_CERTIFICATE_COMPRESSION);
    REQUIRE(mem_connect(cctx, sctx, &c, &s, NULL));
    REQUIRE(SSL_get_negotiated_server_cert_comp_alg(c) == TLSEXT_comp_cert_none);
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_clear_options(cctx, SSL_OP_NO_RX_CERTIFICATE_COMPRESSION);
    SSL_CTX_set_options(sctx, SSL_OP_NO_TX_CERTIFICATE_COMPRESSION);
    REQUIRE(mem_connect(cctx, sctx, &c, &s, NULL));
    REQUIRE(SSL_get_negotiated_server_cert_comp_alg(c) == TLSEXT_comp_cert_none);
    SSL_free(c);
    SSL_free(s);
    /* By default both directions are on: brotli, the client's first choice. */
    SSL_CTX_clear_options(sctx, SSL_OP_NO_TX_CERTIFICATE_COMPRESSION);
    REQUIRE(mem_connect(cctx, sctx, &c, &s, NULL));
    REQUIRE(SSL_get_negotiated_server_cert_comp_alg(c) == TLSEXT_comp_cert_brotli);
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
    REQUIRE(sctx && other && cctx && client_only);
    /* Nothing compressed yet; a client context never pre-compresses. */
    REQUIRE(SSL_CTX_get1_compressed_cert(sctx, TLSEXT_comp_cert_zstd, &data, &orig) == 0);
    REQUIRE(SSL_CTX_compress_certs(client_only, 0) == 0);
    REQUIRE(SSL_CTX_compress_certs(sctx, 77) == 0);
    ERR_clear_error();
    REQUIRE(SSL_CTX_compress_certs(sctx, TLSEXT_comp_cert_zstd) == 1);
    len = SSL_CTX_get1_compressed_cert(sctx, TLSEXT_comp_cert_zstd, &data, &orig);
    REQUIRE(len > 0 && data != NULL);
    REQUIRE(orig > len);
    /* Handed to another context with the same chain: a wrong length or damaged data is
     * refused, the genuine data kept and used. */
    REQUIRE(SSL_CTX_set1_compressed_cert(other, TLSEXT_comp_cert_zstd, data, len, orig + 1) == 0);
    data[len / 2] ^= 0x55;
    REQUIRE(SSL_CTX_set1_compressed_cert(other, TLSEXT_comp_cert_zstd, data, len, orig) == 0);
    data[len / 2] ^= 0x55;
    ERR_clear_error();
    REQUIRE(SSL_CTX_set1_compressed_cert(other, TLSEXT_comp_cert_zstd, data, len, orig) == 1);
    OPENSSL_free(data);
    data = NULL;
    REQUIRE(SSL_CTX_get1_compressed_cert(other, TLSEXT_comp_cert_zstd, &data, &orig) == len);
    OPENSSL_free(data);
    REQUIRE(SSL_CTX_set1_cert_comp_preference(cctx, &zstd, 1) == 1);
    REQUIRE(mem_connect(cctx, other, &c, &s, NULL));
    REQUIRE(SSL_get_verify_result(c) == X509_V_OK);
    REQUIRE(SSL_get_negotiated_server_cert_comp_alg(c) == TLSEXT_comp_cert_zstd);
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
