/* What real OpenSSL programs (redis, hiredis, curl, nginx, socat, stunnel, mosquitto; issue 19)
 * rely on beyond the basics: read-ahead off by default (a record at a time from a socket, so an
 * event loop still sees the rest), the OpenSSL 1.0 spellings and macros they still use, the
 * SSL_ctrl / SSL_CTX_ctrl commands OpenSSL's macros expand to, and the small libssl calls they
 * make. Includes <openssl/ssl.h> in both builds: against libtls that is libtls's compat header
 * directory (-Iinclude/libtls), against OpenSSL the system's (make test-openssl).
 *
 *   test_apps            run every test
 *   test_apps NAME...    run only these
 *   test_apps --list     print the test names
 * Run from the repository root (certificates are read from pki/). */
#define _POSIX_C_SOURCE 200809L
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/pem.h>
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PKI "pki/"

static char failure[512];

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            snprintf(failure, sizeof failure, "%s:%d: %s", __FILE__, __LINE__, #cond);   \
            goto out;                                                                    \
        }                                                                                \
    } while (0)

static SSL_CTX *server_ctx(int version)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        return NULL;
    if (SSL_CTX_use_certificate_chain_file(ctx, PKI "server-ecdsa-p256.chain.pem") != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, PKI "server-ecdsa-p256.key", SSL_FILETYPE_PEM) != 1 ||
        !SSL_CTX_set_min_proto_version(ctx, version) || !SSL_CTX_set_max_proto_version(ctx, version)) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static SSL_CTX *client_ctx(int version)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return NULL;
    if (SSL_CTX_load_verify_locations(ctx, PKI "root-ca.pem", NULL) != 1 ||
        !SSL_CTX_set_min_proto_version(ctx, version) || !SSL_CTX_set_max_proto_version(ctx, version)) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return ctx;
}

/* ---- read-ahead ----------------------------------------------------------------------------- */

static int nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

static int readable(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* One handshake step on a non-blocking socket: 1 done, 0 wants I/O, -1 failed. */
static int hs_step(SSL *ssl)
{
    int r = SSL_do_handshake(ssl);
    int e;
    if (r == 1)
        return 1;
    e = SSL_get_error(ssl, r);
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

/* A TLS 1.3 client over a socketpair finishes its handshake and at once writes its first
 * application record, so that the server's socket holds the client's Finished and that record
 * together when the server reads (as one TCP segment would). After SSL_accept returns, the
 * record must still be in the kernel unless read-ahead is on: an event loop that polls the
 * socket before calling SSL_read (redis) would otherwise never see it. With read-ahead on it
 * has been read into the SSL, and SSL_has_pending says so. */
static int accept_leaves_next_record(int read_ahead)
{
    SSL_CTX *sctx = server_ctx(TLS1_3_VERSION), *cctx = client_ctx(TLS1_3_VERSION);
    SSL *client = NULL, *server = NULL;
    int fds[2] = {-1, -1};
    int c = 0, s = 0, rounds, ok = 0;
    char buf[64];

    CHECK(sctx && cctx);
    /* No tickets: nothing but the handshake and the test's record crosses the socket. */
    SSL_CTX_set_num_tickets(sctx, 0);
    CHECK(SSL_CTX_get_read_ahead(sctx) == 0);
    if (read_ahead) {
        SSL_CTX_set_read_ahead(sctx, 1);
        CHECK(SSL_CTX_get_read_ahead(sctx) == 1);
    }
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    CHECK(nonblocking(fds[0]) && nonblocking(fds[1]));
    client = SSL_new(cctx);
    server = SSL_new(sctx);
    CHECK(client && server);
    CHECK(SSL_get_read_ahead(server) == read_ahead);
    CHECK(SSL_set_fd(client, fds[0]) == 1 && SSL_set_fd(server, fds[1]) == 1);
    SSL_set_connect_state(client);
    SSL_set_accept_state(server);
    SSL_set_tlsext_host_name(client, "localhost");
    for (rounds = 0; rounds < 50 && c != 1; rounds++) {
        CHECK((c = hs_step(client)) >= 0);
        if (c == 1)
            break;
        CHECK((s = hs_step(server)) >= 0);
    }
    CHECK(c == 1);
    /* The client's Finished is in the server's socket; the first record follows it. */
    CHECK(SSL_write(client, "first record", 12) == 12);
    CHECK(SSL_accept(server) == 1);
    if (!read_ahead) {
        CHECK(SSL_pending(server) == 0);
        CHECK(readable(fds[1]));
        CHECK(recv(fds[1], buf, sizeof buf, MSG_PEEK) > 0);
        CHECK(SSL_has_pending(server) == 0);
    } else {
        /* Read, and maybe already decrypted (SSL_pending then counts it: libtls opens every
         * complete record it holds, OpenSSL only when asked to read). */
        CHECK(!readable(fds[1]));
        CHECK(SSL_has_pending(server) == 1);
    }
    CHECK(SSL_read(server, buf, sizeof buf) == 12 && memcmp(buf, "first record", 12) == 0);
    CHECK(!readable(fds[1]));
    /* Two records in the socket: read-ahead off reads one, and the next stays in the kernel. */
    CHECK(SSL_write(client, "one", 3) == 3 && SSL_write(client, "two", 3) == 3);
    if (!read_ahead) {
        CHECK(SSL_read(server, buf, sizeof buf) == 3 && memcmp(buf, "one", 3) == 0);
        CHECK(readable(fds[1]));
        CHECK(SSL_read(server, buf, sizeof buf) == 3 && memcmp(buf, "two", 3) == 0);
    } else {
        /* Both records were read at once; SSL_read may return them together. */
        int n = SSL_read(server, buf, sizeof buf);
        CHECK(!readable(fds[1]));
        CHECK(n == 3 || n == 6);
        if (n == 3)
            CHECK(SSL_read(server, buf + 3, sizeof buf - 3) == 3);
        CHECK(memcmp(buf, "onetwo", 6) == 0);
    }
    ok = 1;
out:
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    return ok;
}

static int test_read_ahead_off_by_default(void)
{
    return accept_leaves_next_record(0);
}

static int test_read_ahead_on(void)
{
    return accept_leaves_next_record(1);
}

/* SSL_set_read_ahead overrides the context's setting on one connection. */
static int test_read_ahead_per_ssl(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL *ssl = NULL;
    int ok = 0;
    CHECK(ctx);
    SSL_CTX_set_read_ahead(ctx, 1);
    ssl = SSL_new(ctx);
    CHECK(ssl && SSL_get_read_ahead(ssl) == 1);
    SSL_set_read_ahead(ssl, 0);
    CHECK(SSL_get_read_ahead(ssl) == 0);
    CHECK(SSL_CTX_get_read_ahead(ctx) == 1);
    ok = 1;
out:
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return ok;
}

/* ---- OpenSSL 1.0 spellings, SSL_ctrl commands, small calls ---------------------------------- */

/* A handshake over a non-blocking socketpair, both sides driven in turn. */
static int handshake_over_socketpair(SSL_CTX *sctx, SSL_CTX *cctx, SSL **client, SSL **server, int fds[2])
{
    int c = 0, s = 0, rounds;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0 || !nonblocking(fds[0]) || !nonblocking(fds[1]))
        return 0;
    *client = SSL_new(cctx);
    *server = SSL_new(sctx);
    if (!*client || !*server || SSL_set_fd(*client, fds[0]) != 1 || SSL_set_fd(*server, fds[1]) != 1)
        return 0;
    SSL_set_connect_state(*client);
    SSL_set_accept_state(*server);
    SSL_set_tlsext_host_name(*client, "localhost");
    for (rounds = 0; rounds < 100 && !(c == 1 && s == 1); rounds++) {
        if (c != 1 && (c = hs_step(*client)) < 0)
            return 0;
        if (s != 1 && (s = hs_step(*server)) < 0)
            return 0;
    }
    return c == 1 && s == 1;
}

static void close_pair(int fds[2])
{
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
}

/* SSLv23_*_method, the zero options, SSL_get_cipher*, SSL_get0_session and
 * SSL_CTX_set_post_handshake_auth, in a TLS 1.2 and a TLS 1.3 handshake. */
static int spellings(int version)
{
    SSL_CTX *sctx = SSL_CTX_new(SSLv23_server_method()), *cctx = SSL_CTX_new(SSLv23_client_method());
    SSL_CTX *any = SSL_CTX_new(SSLv23_method());
    SSL *client = NULL, *server = NULL;
    int fds[2] = {-1, -1}, bits = 0, ok = 0;
    CHECK(sctx && cctx && any);
    CHECK(SSL_CTX_use_certificate_chain_file(sctx, PKI "server-ecdsa-p256.chain.pem") == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(sctx, PKI "server-ecdsa-p256.key", SSL_FILETYPE_PEM) == 1);
    CHECK(SSL_CTX_load_verify_locations(cctx, PKI "root-ca.pem", NULL) == 1);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    CHECK(SSL_OP_NO_SSLv2 == 0 && SSL_OP_SINGLE_DH_USE == 0 && SSL_OP_SINGLE_ECDH_USE == 0);
    SSL_CTX_set_options(sctx, SSL_OP_NO_SSLv2 | SSL_OP_SINGLE_DH_USE | SSL_OP_SINGLE_ECDH_USE);
    CHECK(SSL_CTX_set_max_proto_version(cctx, version) == 1);
    SSL_CTX_set_post_handshake_auth(cctx, 1);
    CHECK(handshake_over_socketpair(sctx, cctx, &client, &server, fds));
    CHECK(SSL_version(client) == version);
    CHECK(strcmp(SSL_get_cipher(client), SSL_CIPHER_get_name(SSL_get_current_cipher(client))) == 0);
    CHECK(strcmp(SSL_get_cipher_name(server), SSL_get_cipher(client)) == 0);
    CHECK(strcmp(SSL_get_cipher_version(client), "TLSv1/SSLv3") == 0 ||
          strcmp(SSL_get_cipher_version(client), version == TLS1_3_VERSION ? "TLSv1.3" : "TLSv1.2") == 0);
    CHECK(SSL_get_cipher_bits(client, &bits) >= 128 && bits >= 128);
    CHECK(SSL_get0_session(client) == SSL_get_session(client) && SSL_get0_session(client) != NULL);
    ok = 1;
out:
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(any);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    close_pair(fds);
    return ok;
}

static int test_openssl10_spellings_tls12(void)
{
    return spellings(TLS1_2_VERSION);
}

static int test_openssl10_spellings_tls13(void)
{
    return spellings(TLS1_3_VERSION);
}

/* SSL_CTX_ctrl and SSL_ctrl with the commands OpenSSL's macros expand to. */
static int test_ctrl_commands(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL *ssl = NULL;
    int ok = 0;
    CHECK(ctx);
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_MODE, SSL_MODE_RELEASE_BUFFERS, NULL) & SSL_MODE_RELEASE_BUFFERS);
    CHECK(SSL_CTX_get_mode(ctx) & SSL_MODE_RELEASE_BUFFERS);
    CHECK(!(SSL_CTX_ctrl(ctx, SSL_CTRL_CLEAR_MODE, SSL_MODE_RELEASE_BUFFERS, NULL) & SSL_MODE_RELEASE_BUFFERS));
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_SET_READ_AHEAD, 1, NULL) == 0);
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_GET_READ_AHEAD, 0, NULL) == 1);
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, NULL) == 1);
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_GET_MIN_PROTO_VERSION, 0, NULL) == TLS1_2_VERSION);
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MAX_PROTO_VERSION, TLS1_3_VERSION, NULL) == 1);
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_GET_MAX_PROTO_VERSION, 0, NULL) == TLS1_3_VERSION);
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_SET_SESS_CACHE_SIZE, 77, NULL) >= 0);
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_GET_SESS_CACHE_SIZE, 0, NULL) == 77);
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_SET_GROUPS_LIST, 0, (void *)"X25519:P-256") == 1);
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_SET_CURVES_LIST, 0, (void *)"no-such-group") == 0);
    ERR_clear_error();
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_SET_SIGALGS_LIST, 0, (void *)"ECDSA+SHA256:RSA-PSS+SHA256") == 1);
    /* No finite-field DH in libtls: accepted, as OpenSSL accepts it. */
    CHECK(SSL_CTX_set_dh_auto(ctx, 1) == 1);
    CHECK(SSL_CTX_set_ecdh_auto(ctx, 1) == 1);
    ssl = SSL_new(ctx);
    CHECK(ssl);
    CHECK(SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, (void *)"example.com") == 1);
    CHECK(SSL_ctrl(ssl, SSL_CTRL_MODE, SSL_MODE_ENABLE_PARTIAL_WRITE, NULL) & SSL_MODE_ENABLE_PARTIAL_WRITE);
    CHECK(SSL_ctrl(ssl, SSL_CTRL_GET_READ_AHEAD, 0, NULL) == 1);
    CHECK(SSL_ctrl(ssl, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_3_VERSION, NULL) == 1);
    CHECK(SSL_ctrl(ssl, SSL_CTRL_GET_MIN_PROTO_VERSION, 0, NULL) == TLS1_3_VERSION);
    CHECK(SSL_set_dh_auto(ssl, 1) == 1);
    /* The feature macros programs test before using ALPN and SNI. */
    CHECK(TLSEXT_TYPE_application_layer_protocol_negotiation == 16 && TLSEXT_TYPE_server_name == 0);
    ok = 1;
out:
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return ok;
}

/* A leaf loaded alone plus its intermediate through SSL_CTX_add_extra_chain_cert (nginx,
 * curl): the client, trusting only the root, verifies the chain the server sends. */
static int test_extra_chain_cert(void)
{
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cctx = client_ctx(TLS1_3_VERSION);
    SSL *client = NULL, *server = NULL;
    int fds[2] = {-1, -1}, ok = 0;
    FILE *f = NULL;
    X509 *intermediate = NULL;
    CHECK(sctx && cctx);
    CHECK(SSL_CTX_use_certificate_file(sctx, PKI "server-ecdsa-p256.pem", SSL_FILETYPE_PEM) == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(sctx, PKI "server-ecdsa-p256.key", SSL_FILETYPE_PEM) == 1);
    CHECK((f = fopen(PKI "intermediate-ca.pem", "r")) != NULL);
    CHECK((intermediate = PEM_read_X509(f, NULL, NULL, NULL)) != NULL);
    CHECK(SSL_CTX_add_extra_chain_cert(sctx, intermediate) == 1);
    intermediate = NULL; /* the context owns it now */
    CHECK(handshake_over_socketpair(sctx, cctx, &client, &server, fds));
    CHECK(SSL_get_verify_result(client) == X509_V_OK);
    ok = 1;
out:
    if (f)
        fclose(f);
    X509_free(intermediate);
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    close_pair(fds);
    return ok;
}

/* Without the intermediate the same client fails: the test above is not vacuous. The chain
 * is loaded and then dropped with SSL_CTX_clear_chain_certs (curl). */
static int test_extra_chain_cert_needed(void)
{
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cctx = client_ctx(TLS1_3_VERSION);
    SSL *client = NULL, *server = NULL;
    int fds[2] = {-1, -1}, ok = 0;
    CHECK(sctx && cctx);
    CHECK(SSL_CTX_use_certificate_chain_file(sctx, PKI "server-ecdsa-p256.chain.pem") == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(sctx, PKI "server-ecdsa-p256.key", SSL_FILETYPE_PEM) == 1);
    CHECK(SSL_CTX_clear_chain_certs(sctx) == 1);
    CHECK(!handshake_over_socketpair(sctx, cctx, &client, &server, fds));
    CHECK(SSL_get_verify_result(client) != X509_V_OK);
    ERR_clear_error();
    ok = 1;
out:
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    close_pair(fds);
    return ok;
}

static int passwd_calls;

static int passwd_cb(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    passwd_calls++;
    return 0;
}

/* SSL_CTX_set_default_passwd_cb and its userdata are kept and reported back; an unencrypted
 * key is loaded without calling the callback (as in OpenSSL). */
static int test_default_passwd_cb(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    pem_password_cb *cb = passwd_cb;
    static char userdata[] = "userdata";
    int ok = 0;
    CHECK(ctx);
    CHECK(SSL_CTX_get_default_passwd_cb(ctx) == NULL);
    SSL_CTX_set_default_passwd_cb(ctx, cb);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, userdata);
    CHECK(SSL_CTX_get_default_passwd_cb(ctx) == passwd_cb);
    CHECK(SSL_CTX_get_default_passwd_cb_userdata(ctx) == userdata);
    passwd_calls = 0;
    CHECK(SSL_CTX_use_certificate_chain_file(ctx, PKI "server-ecdsa-p256.chain.pem") == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(ctx, PKI "server-ecdsa-p256.key", SSL_FILETYPE_PEM) == 1);
    CHECK(passwd_calls == 0);
    ok = 1;
out:
    SSL_CTX_free(ctx);
    return ok;
}

/* SSL_use_certificate / SSL_use_PrivateKey give one connection its own certificate (nginx's
 * certificates chosen per connection), and SSL_set_cipher_list its own TLS 1.2 suites. */
static int test_per_connection_cert_and_ciphers(void)
{
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cctx = client_ctx(TLS1_2_VERSION);
    SSL *client = NULL, *server = NULL;
    int fds[2] = {-1, -1}, c = 0, s = 0, rounds, ok = 0;
    FILE *f = NULL;
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    CHECK(sctx && cctx);
    CHECK((f = fopen(PKI "server-ecdsa-p256.pem", "r")) != NULL);
    CHECK((cert = PEM_read_X509(f, NULL, NULL, NULL)) != NULL);
    fclose(f);
    CHECK((f = fopen(PKI "server-ecdsa-p256.key", "r")) != NULL);
    CHECK((key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) != NULL);
    fclose(f);
    f = NULL;
    /* The context has no certificate; the chain's intermediate comes from the client's store. */
    CHECK(SSL_CTX_load_verify_locations(cctx, PKI "intermediate-ca.pem", NULL) == 1);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0 && nonblocking(fds[0]) && nonblocking(fds[1]));
    client = SSL_new(cctx);
    server = SSL_new(sctx);
    CHECK(client && server);
    CHECK(SSL_use_certificate(server, cert) == 1);
    CHECK(SSL_use_PrivateKey(server, key) == 1);
    /* A list that selects no TLS 1.2 suite fails (OpenSSL then leaves an empty list behind,
     * libtls the previous one: set a good one afterwards). */
    CHECK(SSL_set_cipher_list(client, "NO-SUCH-CIPHER") == 0);
    ERR_clear_error();
    CHECK(SSL_set_cipher_list(client, "ECDHE-ECDSA-CHACHA20-POLY1305") == 1);
    CHECK(SSL_set_fd(client, fds[0]) == 1 && SSL_set_fd(server, fds[1]) == 1);
    SSL_set_connect_state(client);
    SSL_set_accept_state(server);
    for (rounds = 0; rounds < 100 && !(c == 1 && s == 1); rounds++) {
        if (c != 1)
            CHECK((c = hs_step(client)) >= 0);
        if (s != 1)
            CHECK((s = hs_step(server)) >= 0);
    }
    CHECK(c == 1 && s == 1);
    CHECK(SSL_get_verify_result(client) == X509_V_OK);
    CHECK(strcmp(SSL_get_cipher(client), "ECDHE-ECDSA-CHACHA20-POLY1305") == 0);
    ok = 1;
out:
    if (f)
        fclose(f);
    X509_free(cert);
    EVP_PKEY_free(key);
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    close_pair(fds);
    return ok;
}

static const struct test_case tests[] = {
    {"read_ahead_off_by_default", test_read_ahead_off_by_default},
    {"read_ahead_on", test_read_ahead_on},
    {"read_ahead_per_ssl", test_read_ahead_per_ssl},
    {"openssl10_spellings_tls12", test_openssl10_spellings_tls12},
    {"openssl10_spellings_tls13", test_openssl10_spellings_tls13},
    {"ctrl_commands", test_ctrl_commands},
    {"extra_chain_cert", test_extra_chain_cert},
    {"extra_chain_cert_needed", test_extra_chain_cert_needed},
    {"default_passwd_cb", test_default_passwd_cb},
    {"per_connection_cert_and_ciphers", test_per_connection_cert_and_ciphers},
};

int main(int argc, char **argv)
{
    return run_test_cases("test_apps", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}
