/* Custom certificate compression algorithms through BoringSSL's (and aws-lc's) API,
 * SSL_CTX_add_cert_compression_alg, a libtls extension: in-memory TLS 1.3 handshakes with the
 * application's callbacks on both sides, and the rules the library enforces around them.
 *
 *   test_cert_comp_custom            run every test
 *   test_cert_comp_custom NAME...    run only these
 *   test_cert_comp_custom --list     print the test names
 * Run from the repository root (certificates are read from pki/). Built against OpenSSL, which
 * has no such function, it runs nothing. */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef LIBTLS_TEST_OPENSSL
#include <openssl/bytestring.h>
#include <openssl/pool.h>

#define ALG_XOR 0xff10
#define ALG_OTHER 0xff11

/* What the callbacks saw; `extra` bytes are appended to what decompress returns and
 * `fail_compress` makes compress fail. */
static int compress_calls, decompress_calls, extra, fail_compress;
static SSL *last_ssl;

/* A toy algorithm: every byte XORed with 0x5a, behind a tag byte. */
static int xor_compress(SSL *ssl, CBB *out, const uint8_t *in, size_t in_len)
{
    size_t i;
    compress_calls++;
    last_ssl = ssl;
    if (fail_compress || !CBB_add_u8(out, 0xc5))
        return 0;
    for (i = 0; i < in_len; i++)
        if (!CBB_add_u8(out, in[i] ^ 0x5a))
            return 0;
    return 1;
}

static int xor_decompress(SSL *ssl, CRYPTO_BUFFER **out, size_t uncompressed_len, const uint8_t *in,
                          size_t in_len)
{
    uint8_t *buf;
    size_t i, n;
    decompress_calls++;
    last_ssl = ssl;
    if (in_len < 1 || in[0] != 0xc5 || in_len - 1 != uncompressed_len)
        return 0;
    n = in_len - 1 + (size_t)extra;
    buf = calloc(n + 1, 1);
    if (!buf)
        return 0;
    for (i = 0; i + 1 < in_len; i++)
        buf[i] = in[i + 1] ^ 0x5a;
    *out = CRYPTO_BUFFER_new(buf, n, NULL);
    free(buf);
    return *out != NULL;
}

static void reset(void)
{
    compress_calls = decompress_calls = extra = fail_compress = 0;
    last_ssl = NULL;
}

static SSL_CTX *server_ctx(int custom)
{
    SSL_CTX *ctx = test_server_ctx("server-rsa2048", TLS1_3_VERSION);
    if (ctx && (SSL_CTX_load_verify_locations(ctx, PKI "root-ca.pem", NULL) != 1 ||
                (custom && SSL_CTX_add_cert_compression_alg(ctx, ALG_XOR, xor_compress, xor_decompress) != 1))) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (ctx)
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    return ctx;
}

static SSL_CTX *client_ctx(int custom)
{
    SSL_CTX *ctx = test_client_ctx(0);
    if (ctx && (!ctx_use_identity(ctx, "client-rsa2048") ||
                (custom && SSL_CTX_add_cert_compression_alg(ctx, ALG_XOR, xor_compress, xor_decompress) != 1))) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* A handshake over memory BIOs, the client verifying "localhost" (no SNI); the SSLs are
 * returned for inspection (free them). Returns 1 when both ends finished; on a failure the
 * side that failed has its error left on the queue and hs->failed says which. */
static int handshake(SSL_CTX *cctx, SSL_CTX *sctx, SSL **client, SSL **server, struct mem_result *hs)
{
    memset(hs, 0, sizeof *hs);
    if (!mem_link(cctx, sctx, client, server))
        return 0;
    return SSL_set1_host(*client, "localhost") == 1 && mem_handshake(*client, *server, hs);
}

static int test_round_trip_both_roles(void)
{
    SSL_CTX *sctx = server_ctx(1), *cctx = client_ctx(1);
    SSL *c, *s;
    struct mem_result hs;
    reset();
    REQUIRE(sctx && cctx);
    REQUIRE(handshake(cctx, sctx, &c, &s, &hs));
    REQUIRE(SSL_get_verify_result(c) == X509_V_OK);
    REQUIRE(SSL_get_verify_result(s) == X509_V_OK);
    /* Both certificates went with the custom algorithm, each end's callbacks with its SSL. */
    REQUIRE(SSL_get_negotiated_server_cert_comp_alg(c) == ALG_XOR);
    REQUIRE(SSL_get_negotiated_server_cert_comp_alg(s) == ALG_XOR);
    REQUIRE(SSL_get_negotiated_client_cert_comp_alg(c) == ALG_XOR);
    REQUIRE(SSL_get_negotiated_client_cert_comp_alg(s) == ALG_XOR);
    REQUIRE(compress_calls == 2 && decompress_calls == 2);
    REQUIRE(last_ssl == s);
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_duplicate_id_refused(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    REQUIRE(ctx);
    REQUIRE(SSL_CTX_add_cert_compression_alg(ctx, ALG_XOR, xor_compress, xor_decompress) == 1);
    REQUIRE(SSL_CTX_add_cert_compression_alg(ctx, ALG_XOR, xor_compress, NULL) == 0);
    REQUIRE(ERR_peek_error() != 0);
    ERR_clear_error();
    REQUIRE(SSL_CTX_add_cert_compression_alg(ctx, ALG_OTHER, NULL, NULL) == 0);
    ERR_clear_error();
    REQUIRE(SSL_CTX_add_cert_compression_alg(ctx, ALG_OTHER, NULL, xor_decompress) == 1);
    REQUIRE(SSL_CTX_add_cert_compression_alg(NULL, ALG_OTHER, xor_compress, xor_decompress) == 0);
    ERR_clear_error();
    SSL_CTX_free(ctx);
    return 1;
}

static int test_wrong_length_is_bad_certificate(void)
{
    SSL_CTX *sctx = server_ctx(1), *cctx = client_ctx(1);
    SSL *c, *s;
    struct mem_result hs;
    unsigned long e;
    reset();
    extra = 1;
    REQUIRE(sctx && cctx);
    REQUIRE(!handshake(cctx, sctx, &c, &s, &hs));
    REQUIRE(hs.failed == 'c');
    REQUIRE(decompress_calls == 1);
    e = ERR_peek_last_error();
    REQUIRE(ERR_GET_REASON(e) == SSL_R_BAD_DECOMPRESSION);
    ERR_clear_error();
    /* The server hears bad_certificate. */
    shuttle(SSL_get_wbio(c), SSL_get_rbio(s));
    REQUIRE(SSL_do_handshake(s) != 1);
    REQUIRE(ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE);
    ERR_clear_error();
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_bomb_bound_before_callback(void)
{
    SSL_CTX *sctx = server_ctx(1), *cctx = client_ctx(1);
    SSL *c, *s;
    struct mem_result hs;
    reset();
    REQUIRE(sctx && cctx);
    /* The server's Certificate (over 1,000 bytes) declares more than the client accepts: it is
     * refused from the length field alone, the callback never runs. */
    SSL_CTX_set_max_cert_list(cctx, 600);
    REQUIRE(!handshake(cctx, sctx, &c, &s, &hs));
    REQUIRE(hs.failed == 'c');
    REQUIRE(compress_calls == 1 && decompress_calls == 0);
    REQUIRE(ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_EXCESSIVE_MESSAGE_SIZE);
    ERR_clear_error();
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_failing_compress_sends_plain(void)
{
    SSL_CTX *sctx = server_ctx(1), *cctx = client_ctx(1);
    SSL *c, *s;
    struct mem_result hs;
    reset();
    fail_compress = 1;
    REQUIRE(sctx && cctx);
    REQUIRE(handshake(cctx, sctx, &c, &s, &hs));
    REQUIRE(compress_calls == 2 && decompress_calls == 0);
    REQUIRE(SSL_get_negotiated_server_cert_comp_alg(c) == TLSEXT_comp_cert_none);
    REQUIRE(SSL_get_negotiated_client_cert_comp_alg(s) == TLSEXT_comp_cert_none);
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_custom_ahead_of_builtin(void)
{
    SSL_CTX *sctx = server_ctx(1), *plain = client_ctx(0), *cctx = client_ctx(1);
    int zlib = TLSEXT_comp_cert_zlib;
    SSL *c, *s;
    struct mem_result hs;
    reset();
    REQUIRE(sctx && plain && cctx);
    /* The preference orders the built-in algorithms; the custom one comes first. */
    REQUIRE(SSL_CTX_set1_cert_comp_preference(sctx, &zlib, 1) == 1);
    REQUIRE(SSL_CTX_set1_cert_comp_preference(cctx, &zlib, 1) == 1);
    REQUIRE(handshake(cctx, sctx, &c, &s, &hs));
    REQUIRE(SSL_get_negotiated_server_cert_comp_alg(c) == ALG_XOR);
    SSL_free(c);
    SSL_free(s);
    /* A peer without it gets a built-in one. */
    REQUIRE(SSL_CTX_set1_cert_comp_preference(plain, &zlib, 1) == 1);
    REQUIRE(handshake(plain, sctx, &c, &s, &hs));
    REQUIRE(SSL_get_negotiated_server_cert_comp_alg(c) == TLSEXT_comp_cert_zlib);
    REQUIRE(SSL_get_negotiated_client_cert_comp_alg(s) == TLSEXT_comp_cert_zlib);
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(plain);
    SSL_CTX_free(sctx);
    return 1;
}

static const struct test_case tests[] = {
    {"round_trip_both_roles", test_round_trip_both_roles},
    {"duplicate_id_refused", test_duplicate_id_refused},
    {"wrong_length_is_bad_certificate", test_wrong_length_is_bad_certificate},
    {"bomb_bound_before_callback", test_bomb_bound_before_callback},
    {"failing_compress_sends_plain", test_failing_compress_sends_plain},
    {"custom_ahead_of_builtin", test_custom_ahead_of_builtin},
};

#else

static int test_not_in_openssl(void)
{
    return 1;
}

static const struct test_case tests[] = {
    {"not_in_openssl", test_not_in_openssl},
};

#endif

int main(int argc, char **argv)
{
    return run_test_cases("test_cert_comp_custom", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}
