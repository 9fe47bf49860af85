/* What every C test program shares: the OpenSSL-or-libtls headers (compat.h), the command
 * line (runner.h), the failure buffer and CHECK, the path of the test PKI, and (for a program
 * that defines TEST_MEMORY_PAIR before including this header) a client and a server joined by
 * memory BIOs with the pump that runs their handshake. Builds against libtls and OpenSSL alike.
 *
 * A case is a function returning 1 on success; CHECK(cond) records "file:line: cond" in
 * `failure` and jumps to the case's `out:` label, where it frees what it made. */
#ifndef LIBTLS_CAPI_TEST_COMMON_H
#define LIBTLS_CAPI_TEST_COMMON_H

/* A program that tests what OpenSSL's own headers declare (test_apps*, test_conf_cmd) defines
 * TEST_OPENSSL_HEADERS_ONLY and includes <openssl/ssl.h> itself, without libtls.h. */
#ifndef TEST_OPENSSL_HEADERS_ONLY
#include "compat.h"
#endif
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Run from the repository root: certificates are read from pki/. */
#define PKI "pki/"

static char failure[512];

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            snprintf(failure, sizeof failure, "%s:%d: %s", __FILE__, __LINE__, #cond);   \
            goto out;                                                                    \
        }                                                                                \
    } while (0)

#ifdef TEST_MEMORY_PAIR

#define TEST_UNUSED __attribute__((unused))

/* A client and a server joined by memory BIOs; `version` pins both to one protocol version. */
struct pair {
    SSL_CTX *client_ctx, *server_ctx;
    SSL *client, *server;
};

TEST_UNUSED static void pair_free(struct pair *p)
{
    SSL_free(p->client);
    SSL_free(p->server);
    SSL_CTX_free(p->client_ctx);
    SSL_CTX_free(p->server_ctx);
}

TEST_UNUSED static int pair_new(struct pair *p, int version)
{
    BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
    BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
    memset(p, 0, sizeof *p);
    p->client_ctx = SSL_CTX_new(TLS_client_method());
    p->server_ctx = SSL_CTX_new(TLS_server_method());
    if (!p->client_ctx || !p->server_ctx || !c_in || !c_out || !s_in || !s_out)
        goto fail;
    if (SSL_CTX_use_certificate_chain_file(p->server_ctx, PKI "server-ecdsa-p256.chain.pem") != 1 ||
        SSL_CTX_use_PrivateKey_file(p->server_ctx, PKI "server-ecdsa-p256.key", SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_load_verify_locations(p->client_ctx, PKI "root-ca.pem", NULL) != 1)
        goto fail;
    if (!SSL_CTX_set_min_proto_version(p->client_ctx, version) ||
        !SSL_CTX_set_max_proto_version(p->client_ctx, version) ||
        !SSL_CTX_set_min_proto_version(p->server_ctx, version) ||
        !SSL_CTX_set_max_proto_version(p->server_ctx, version))
        goto fail;
    /* No tickets: the first server flight then ends the same way in every library, and
     * nothing but the test's own data follows the handshake. */
    SSL_CTX_set_options(p->server_ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(p->server_ctx, 0);
    SSL_CTX_set_verify(p->client_ctx, SSL_VERIFY_PEER, NULL);
    p->client = SSL_new(p->client_ctx);
    p->server = SSL_new(p->server_ctx);
    if (!p->client || !p->server)
        goto fail;
    SSL_set_bio(p->client, c_in, c_out);
    SSL_set_bio(p->server, s_in, s_out);
    SSL_set_connect_state(p->client);
    SSL_set_accept_state(p->server);
    SSL_set_tlsext_host_name(p->client, "localhost");
    return 1;
fail:
    if (!p->client) {
        BIO_free(c_in);
        BIO_free(c_out);
    }
    if (!p->server) {
        BIO_free(s_in);
        BIO_free(s_out);
    }
    pair_free(p);
    return 0;
}

/* Moves every byte `from` has written to `to`'s input; returns how many. */
TEST_UNUSED static int deliver(SSL *from, SSL *to)
{
    char buf[4096];
    int n, total = 0;
    while ((n = BIO_read(SSL_get_wbio(from), buf, sizeof buf)) > 0) {
        BIO_write(SSL_get_rbio(to), buf, n);
        total += n;
    }
    return total;
}

/* One SSL_do_handshake step on `ssl`: 1 done, 0 waiting for the peer, -1 failed. */
TEST_UNUSED static int step(SSL *ssl)
{
    int r = SSL_do_handshake(ssl);
    if (r == 1)
        return 1;
    return SSL_get_error(ssl, r) == SSL_ERROR_WANT_READ ? 0 : -1;
}

TEST_UNUSED static int handshake(struct pair *p)
{
    int c = 0, s = 0, rounds;
    for (rounds = 0; rounds < 20 && !(c == 1 && s == 1); rounds++) {
        if ((c = step(p->client)) < 0)
            return 0;
        deliver(p->client, p->server);
        if ((s = step(p->server)) < 0)
            return 0;
        deliver(p->server, p->client);
    }
    return c == 1 && s == 1;
}

#endif /* TEST_MEMORY_PAIR */

#endif
