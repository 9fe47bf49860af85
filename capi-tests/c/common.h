/* What every C test program shares: the OpenSSL-or-libtls headers (compat.h), the command
 * line (runner.h), the failure buffer with CHECK and REQUIRE, the path of the test PKI, the
 * context builders, a client and a server joined by memory BIOs with the pump that runs their
 * handshake, and one socketpair runner. Builds against libtls and OpenSSL alike.
 *
 * A case is a function returning 1 on success. CHECK(cond) records "file:line: cond" in
 * `failure` and jumps to the case's `out:` label, where it frees what it made; REQUIRE(cond)
 * records the same and returns 0 (for a function with nothing to free). */
#ifndef LIBTLS_CAPI_TEST_COMMON_H
#define LIBTLS_CAPI_TEST_COMMON_H

/* A program that tests what OpenSSL's own headers declare (test_apps*, test_conf_cmd) defines
 * TEST_OPENSSL_HEADERS_ONLY and includes <openssl/ssl.h> itself, without libtls.h. */
#ifndef TEST_OPENSSL_HEADERS_ONLY
#include "compat.h"
#else
#include <openssl/pem.h>
#endif
#include "runner.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Run from the repository root: certificates are read from pki/. */
#define PKI "pki/"

/* Every helper here is static; a program uses some of them. */
#define TEST_UNUSED __attribute__((unused))

TEST_UNUSED static char failure[1024];

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            snprintf(failure, sizeof failure, "%s:%d: %s", __FILE__, __LINE__, #cond);   \
            goto out;                                                                    \
        }                                                                                \
    } while (0)

#define REQUIRE(cond)                                                                    \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            snprintf(failure, sizeof failure, "%s:%d: %s", __FILE__, __LINE__, #cond);   \
            return 0;                                                                    \
        }                                                                                \
    } while (0)

/* ---- context builders ------------------------------------------------------------------- */

/* Pins `ctx` to one protocol version (0 leaves it alone); 1 on success. */
TEST_UNUSED static int pin_version(SSL_CTX *ctx, int version)
{
    return version == 0 ||
           (SSL_CTX_set_min_proto_version(ctx, version) == 1 && SSL_CTX_set_max_proto_version(ctx, version) == 1);
}

/* Loads pki/IDENTITY.chain.pem and pki/IDENTITY.key (e.g. "server-ecdsa-p256") into `ctx`. */
TEST_UNUSED static int ctx_use_identity(SSL_CTX *ctx, const char *identity)
{
    char chain[256], key[256];
    snprintf(chain, sizeof chain, PKI "%s.chain.pem", identity);
    snprintf(key, sizeof key, PKI "%s.key", identity);
    return SSL_CTX_use_certificate_chain_file(ctx, chain) == 1 &&
           SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 && SSL_CTX_check_private_key(ctx) == 1;
}

/* A server context presenting `identity` (see ctx_use_identity), pinned to `version` unless it
 * is 0; NULL when anything fails. */
TEST_UNUSED static SSL_CTX *test_server_ctx(const char *identity, int version)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx && (!ctx_use_identity(ctx, identity) || !pin_version(ctx, version))) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* A client context that verifies the server against pki/root-ca.pem (SSL_VERIFY_PEER), pinned
 * to `version` unless it is 0; NULL when anything fails. */
TEST_UNUSED static SSL_CTX *test_client_ctx(int version)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx && (SSL_CTX_load_verify_locations(ctx, PKI "root-ca.pem", NULL) != 1 || !pin_version(ctx, version))) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (ctx)
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return ctx;
}

/* The first certificate of the PEM file `path`, or NULL. */
TEST_UNUSED static X509 *read_cert_file(const char *path)
{
    FILE *f = fopen(path, "r");
    X509 *x;
    if (!f)
        return NULL;
    x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    return x;
}

/* The name a client sends (SNI) and verifies (SSL_set1_host). */
TEST_UNUSED static int client_names(SSL *client, const char *name)
{
    return SSL_set_tlsext_host_name(client, name) == 1 && SSL_set1_host(client, name) == 1;
}

/* One handshake step: 1 done, 0 waiting for the peer (WANT_READ / WANT_WRITE), -1 failed. */
TEST_UNUSED static int step(SSL *ssl)
{
    int r = SSL_do_handshake(ssl), e;
    if (r == 1)
        return 1;
    e = SSL_get_error(ssl, r);
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

/* ---- a client and a server joined by memory BIOs ---------------------------------------- */

/* Moves every byte waiting in `from` to `to`; returns how many. */
TEST_UNUSED static int shuttle(BIO *from, BIO *to)
{
    char buf[4096];
    int n, total = 0;
    while ((n = BIO_read(from, buf, sizeof buf)) > 0) {
        BIO_write(to, buf, n);
        total += n;
    }
    return total;
}

/* Moves every byte `from` has written to `to`'s input; returns how many. */
TEST_UNUSED static int deliver(SSL *from, SSL *to)
{
    return shuttle(SSL_get_wbio(from), SSL_get_rbio(to));
}

/* Gives `ssl` a memory BIO to read from and one to write to; 1 on success. */
TEST_UNUSED static int mem_bios(SSL *ssl)
{
    BIO *in = BIO_new(BIO_s_mem()), *out = BIO_new(BIO_s_mem());
    if (!ssl || !in || !out) {
        BIO_free(in);
        BIO_free(out);
        return 0;
    }
    SSL_set_bio(ssl, in, out);
    return 1;
}

/* New SSLs of `cctx` and `sctx` on memory BIOs (deliver() carries the bytes), in connect and
 * accept state. 1 on success; on failure both are freed and NULL. */
TEST_UNUSED static int mem_link(SSL_CTX *cctx, SSL_CTX *sctx, SSL **client, SSL **server)
{
    *client = SSL_new(cctx);
    *server = SSL_new(sctx);
    if (!mem_bios(*client) || !mem_bios(*server)) {
        SSL_free(*client);
        SSL_free(*server);
        *client = *server = NULL;
        return 0;
    }
    SSL_set_connect_state(*client);
    SSL_set_accept_state(*server);
    return 1;
}

/* How a memory handshake went. */
struct mem_result {
    char failed;         /* 'c' or 's': the side whose handshake failed; 0 if neither did */
    int error;           /* that side's SSL_get_error */
    int server_lookups;  /* times the server's certificate callback asked to be called again */
};

/* Runs both handshakes in rounds (a client step, its bytes to the server, a server step, its
 * bytes to the client) until both are done: 1. Stops at the first failure with 0, that side's
 * error left on the queue and named in `*r` (may be NULL), its alert delivered to the peer
 * but not yet read (mem_read_alert, or another mem_handshake, has the peer read it); a stall
 * also gives 0, after 100 rounds. A server answering SSL_ERROR_WANT_X509_LOOKUP (its
 * certificate callback said "not yet") is counted and stepped again in the next round. */
TEST_UNUSED static int mem_handshake(SSL *client, SSL *server, struct mem_result *r)
{
    struct mem_result local;
    int c_done = 0, s_done = 0, rounds, ret, e;
    if (!r)
        r = &local;
    memset(r, 0, sizeof *r);
    for (rounds = 0; rounds < 100 && !(c_done && s_done); rounds++) {
        if (!c_done) {
            ret = SSL_do_handshake(client);
            if (ret == 1)
                c_done = 1;
            else if ((e = SSL_get_error(client, ret)) != SSL_ERROR_WANT_READ) {
                r->failed = 'c';
                r->error = e;
                deliver(client, server);
                return 0;
            }
        }
        deliver(client, server);
        if (!s_done) {
            ret = SSL_do_handshake(server);
            e = ret == 1 ? SSL_ERROR_NONE : SSL_get_error(server, ret);
            if (ret == 1)
                s_done = 1;
            else if (e == SSL_ERROR_WANT_X509_LOOKUP)
                r->server_lookups++;
            else if (e != SSL_ERROR_WANT_READ) {
                r->failed = 's';
                r->error = e;
                deliver(server, client);
                return 0;
            }
        }
        deliver(server, client);
    }
    return c_done && s_done;
}

/* mem_link, the client naming "localhost" (SNI and the name it verifies), then mem_handshake:
 * 1 when both finished. The SSLs are left in *client and *server for the caller to inspect
 * and free (NULL when they could not be made). */
TEST_UNUSED static int mem_connect(SSL_CTX *cctx, SSL_CTX *sctx, SSL **client, SSL **server, struct mem_result *r)
{
    if (r)
        memset(r, 0, sizeof *r);
    if (!mem_link(cctx, sctx, client, server))
        return 0;
    return client_names(*client, "localhost") && mem_handshake(*client, *server, r);
}

/* After a failed mem_handshake: the failed side's peer reads its alert with one more
 * handshake step. */
TEST_UNUSED static void mem_read_alert(SSL *client, SSL *server, char failed)
{
    SSL *from = failed == 'c' ? client : server, *to = failed == 'c' ? server : client;
    deliver(from, to);
    SSL_do_handshake(to);
}

/* A byte each way, the server's first (so that TLS 1.3 tickets reach the client before it
 * writes); 1 when both arrived intact. */
TEST_UNUSED static int mem_exchange(SSL *client, SSL *server)
{
    char byte = 0;
    if (SSL_write(server, "s", 1) != 1)
        return 0;
    deliver(server, client);
    if (SSL_read(client, &byte, 1) != 1 || byte != 's' || SSL_write(client, "c", 1) != 1)
        return 0;
    deliver(client, server);
    return SSL_read(server, &byte, 1) == 1 && byte == 'c';
}

/* close_notify both ways (OpenSSL keeps a session resumable only after a clean shutdown). */
TEST_UNUSED static void mem_shutdown(SSL *client, SSL *server)
{
    SSL_shutdown(client);
    deliver(client, server);
    SSL_shutdown(server);
    deliver(server, client);
    SSL_shutdown(client);
}

#ifdef TEST_MEMORY_PAIR

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
    memset(p, 0, sizeof *p);
    p->client_ctx = test_client_ctx(version);
    p->server_ctx = test_server_ctx("server-ecdsa-p256", version);
    if (!p->client_ctx || !p->server_ctx)
        goto fail;
    /* No tickets: the first server flight then ends the same way in every library, and
     * nothing but the test's own data follows the handshake. */
    SSL_CTX_set_options(p->server_ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(p->server_ctx, 0);
    if (!mem_link(p->client_ctx, p->server_ctx, &p->client, &p->server))
        goto fail;
    SSL_set_tlsext_host_name(p->client, "localhost");
    return 1;
fail:
    pair_free(p);
    return 0;
}

TEST_UNUSED static int handshake(struct pair *p)
{
    return mem_handshake(p->client, p->server, NULL);
}

#endif /* TEST_MEMORY_PAIR */

/* ---- a client and a server joined by a socketpair --------------------------------------- */

/* Seconds a blocking end waits for its peer before its read or write fails. */
#define SOCK_PAIR_TIMEOUT 10

/* `client` and `server` (SSLs the caller made) on the two ends of a socketpair: fds[0] is the
 * client's, fds[1] the server's (-1 once closed). */
struct sock_pair {
    SSL *client, *server;
    int fds[2];
    char failed;      /* after sock_pair_handshake: 'c' or 's', the side that failed */
    int serving;      /* sock_pair_serve's thread runs until sock_pair_join */
    pthread_t thread;
};

/* A sock_pair not yet opened, safe to sock_pair_close. */
#define SOCK_PAIR_INIT {NULL, NULL, {-1, -1}, 0, 0, 0}

/* Makes the socketpair and gives its ends to `client` (connect state) and `server` (accept
 * state). The sock_pair owns both SSLs from now on, whether this succeeds or not:
 * sock_pair_close frees them (set sp->client to NULL first to keep the client). Non-blocking
 * ends are driven in turn on one thread (sock_pair_handshake); blocking ends time out after
 * SOCK_PAIR_TIMEOUT seconds, so that a side whose peer went wrong fails instead of hanging
 * (sock_pair_serve). 1 on success. */
TEST_UNUSED static int sock_pair_open(struct sock_pair *sp, SSL *client, SSL *server, int nonblocking)
{
    struct timeval tv = {.tv_sec = SOCK_PAIR_TIMEOUT, .tv_usec = 0};
    int i;
    sp->client = client;
    sp->server = server;
    sp->fds[0] = sp->fds[1] = -1;
    sp->failed = 0;
    sp->serving = 0;
    if (!client || !server || socketpair(AF_UNIX, SOCK_STREAM, 0, sp->fds) != 0)
        goto fail;
    for (i = 0; i < 2; i++) {
        if (nonblocking) {
            int flags = fcntl(sp->fds[i], F_GETFL);
            if (flags < 0 || fcntl(sp->fds[i], F_SETFL, flags | O_NONBLOCK) != 0)
                goto fail;
        } else if (setsockopt(sp->fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
                   setsockopt(sp->fds[i], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0) {
            goto fail;
        }
    }
    if (SSL_set_fd(client, sp->fds[0]) != 1 || SSL_set_fd(server, sp->fds[1]) != 1)
        goto fail;
    SSL_set_connect_state(client);
    SSL_set_accept_state(server);
    return 1;
fail:
    for (i = 0; i < 2; i++)
        if (sp->fds[i] >= 0)
            close(sp->fds[i]);
    sp->fds[0] = sp->fds[1] = -1;
    return 0;
}

/* Frees both SSLs and closes both ends. */
TEST_UNUSED static void sock_pair_close(struct sock_pair *sp)
{
    int i;
    if (sp->serving) {
        shutdown(sp->fds[0], SHUT_RDWR);
        pthread_join(sp->thread, NULL);
        sp->serving = 0;
    }
    SSL_free(sp->client);
    SSL_free(sp->server);
    sp->client = sp->server = NULL;
    for (i = 0; i < 2; i++)
        if (sp->fds[i] >= 0)
            close(sp->fds[i]);
    sp->fds[0] = sp->fds[1] = -1;
}

/* Non-blocking ends: steps the client, then the server, in rounds on this thread until both
 * handshakes are done (1), one fails (0; its error on the queue, sp->failed names it) or 100
 * rounds pass (0): nothing here blocks, so nothing hangs. */
TEST_UNUSED static int sock_pair_handshake(struct sock_pair *sp)
{
    int c = 0, s = 0, rounds;
    sp->failed = 0;
    for (rounds = 0; rounds < 100 && !(c == 1 && s == 1); rounds++) {
        if (c != 1 && (c = step(sp->client)) < 0) {
            sp->failed = 'c';
            return 0;
        }
        if (s != 1 && (s = step(sp->server)) < 0) {
            sp->failed = 's';
            return 0;
        }
    }
    return c == 1 && s == 1;
}

/* New SSLs of `cctx` and `sctx` on non-blocking ends, the client naming "localhost" (SNI), and
 * their handshake (sock_pair_handshake): 1 when both finished. Close `sp` either way. */
TEST_UNUSED static int sock_pair_connect(struct sock_pair *sp, SSL_CTX *cctx, SSL_CTX *sctx)
{
    if (!sock_pair_open(sp, SSL_new(cctx), SSL_new(sctx), 1))
        return 0;
    SSL_set_tlsext_host_name(sp->client, "localhost");
    return sock_pair_handshake(sp);
}

/* The server's part on blocking ends (sock_pair_serve): its own SSL_accept and I/O on a thread
 * of its own; returns its verdict (1 or 0). */
typedef int (*sock_server_fn)(SSL *server, void *arg);

struct sock_server {
    sock_server_fn run;
    SSL *ssl;
    void *arg;
    int fd;
    int ok;
};

TEST_UNUSED static void *sock_server_thread(void *p)
{
    struct sock_server *side = p;
    side->ok = side->run(side->ssl, side->arg);
    /* Whatever the server did, the client now reads end-of-file instead of waiting. */
    shutdown(side->fd, SHUT_RDWR);
    ERR_clear_error();
    return NULL;
}

/* Blocking ends: starts `run(sp->server, arg)` on a thread of its own; the caller then drives
 * the client on this thread and calls sock_pair_join. Both ends time out (SOCK_PAIR_TIMEOUT),
 * so neither side can hang on the other. 1 when the thread started. `sp` must stay in place
 * until sock_pair_join. */
TEST_UNUSED static int sock_pair_serve(struct sock_pair *sp, struct sock_server *server, sock_server_fn run, void *arg)
{
    server->run = run;
    server->ssl = sp->server;
    server->arg = arg;
    server->fd = sp->fds[1];
    server->ok = 0;
    return pthread_create(&sp->thread, NULL, sock_server_thread, server) == 0 && (sp->serving = 1);
}

/* Shuts the client's end down (a server still reading sees end-of-file) and waits for the
 * server's thread; returns the server's verdict. The SSLs stay for the caller to inspect. */
TEST_UNUSED static int sock_pair_join(struct sock_pair *sp, struct sock_server *server)
{
    if (!sp->serving)
        return 0;
    shutdown(sp->fds[0], SHUT_RDWR);
    pthread_join(sp->thread, NULL);
    sp->serving = 0;
    return server->ok;
}

#endif
