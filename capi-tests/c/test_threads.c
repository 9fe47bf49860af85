/* Many threads sharing one server SSL_CTX and one client SSL_CTX. Each thread runs complete
 * connections (client and server in the same thread, over memory BIOs), exchanges data, shuts
 * down, and checks the negotiated parameters. Resumption is tried when the library keeps
 * sessions (SSL_get1_session returning a resumable session).
 *
 *   test_threads [THREADS [CONNECTIONS_PER_THREAD]]     default 8 x 500
 * Prints "ok threads" or "FAIL threads: ..." and a summary line. Run from the repository root. */
#include "common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static SSL_CTX *server_ctx, *client_ctx;
static int per_thread = 500;

struct result {
    int ok, failed, reused;
    char why[256];
};

/* One connection; returns 1 on success and sets *reused. */
static int one_connection(SSL_SESSION **session, int *reused, char *why, size_t why_len)
{
    SSL *c, *s;
    struct mem_result hs;
    int ok = 0;
    char buf[64];

    if (!mem_link(client_ctx, server_ctx, &c, &s)) {
        snprintf(why, why_len, "SSL_new failed");
        return 0;
    }
    SSL_set1_host(c, "localhost");
    if (*session)
        SSL_set_session(c, *session);
    if (!mem_handshake(c, s, &hs)) {
        if (hs.failed)
            snprintf(why, why_len, "%s handshake error %d", hs.failed == 'c' ? "client" : "server", hs.error);
        else
            snprintf(why, why_len, "handshake did not finish");
        goto out;
    }
    if (SSL_write(c, "ping", 4) != 4) {
        snprintf(why, why_len, "client write failed");
        goto out;
    }
    deliver(c, s);
    if (SSL_read(s, buf, sizeof buf) != 4 || memcmp(buf, "ping", 4) != 0) {
        snprintf(why, why_len, "server read failed");
        goto out;
    }
    if (SSL_write(s, "pong", 4) != 4) {
        snprintf(why, why_len, "server write failed");
        goto out;
    }
    deliver(s, c);
    if (SSL_read(c, buf, sizeof buf) != 4 || memcmp(buf, "pong", 4) != 0) {
        snprintf(why, why_len, "client read failed");
        goto out;
    }
    if (SSL_get_verify_result(c) != X509_V_OK || strcmp(SSL_get_version(c), "TLSv1.3") != 0) {
        snprintf(why, why_len, "unexpected verify result or version");
        goto out;
    }
    *reused = SSL_session_reused(c);
    if (SSL_shutdown(c) != 0) {
        snprintf(why, why_len, "first SSL_shutdown did not return 0");
        goto out;
    }
    deliver(c, s);
    if (SSL_read(s, buf, sizeof buf) != 0 || SSL_shutdown(s) != 1) {
        snprintf(why, why_len, "server did not see close_notify");
        goto out;
    }
    deliver(s, c);
    if (SSL_shutdown(c) != 1) {
        snprintf(why, why_len, "second SSL_shutdown did not return 1");
        goto out;
    }
    {
        SSL_SESSION *next = SSL_get1_session(c);
        if (next && SSL_SESSION_is_resumable(next)) {
            SSL_SESSION_free(*session);
            *session = next;
        } else {
            SSL_SESSION_free(next);
        }
    }
    ok = 1;
out:
    SSL_free(c);
    SSL_free(s);
    return ok;
}

static void *worker(void *arg)
{
    struct result *res = arg;
    SSL_SESSION *session = NULL;
    int i;
    for (i = 0; i < per_thread; i++) {
        int reused = 0;
        if (one_connection(&session, &reused, res->why, sizeof res->why)) {
            res->ok++;
            res->reused += reused;
        } else {
            res->failed++;
            ERR_clear_error();
        }
    }
    SSL_SESSION_free(session);
    ERR_clear_error();
    return NULL;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 8;
    pthread_t tid[64];
    struct result results[64];
    int i, ok = 0, failed = 0, reused = 0;
    if (argc > 2)
        per_thread = atoi(argv[2]);
    if (threads < 1 || threads > 64 || per_thread < 1) {
        fprintf(stderr, "usage: test_threads [THREADS(1-64) [CONNECTIONS]]\n");
        return 2;
    }
    server_ctx = test_server_ctx("server-ecdsa-p256", 0);
    client_ctx = test_client_ctx(0);
    if (!server_ctx || !client_ctx) {
        printf("FAIL threads: setup\n");
        return 1;
    }
    SSL_CTX_set_session_cache_mode(client_ctx, SSL_SESS_CACHE_CLIENT);
    memset(results, 0, sizeof results);
    for (i = 0; i < threads; i++)
        pthread_create(&tid[i], NULL, worker, &results[i]);
    for (i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        ok += results[i].ok;
        failed += results[i].failed;
        reused += results[i].reused;
    }
    SSL_CTX_free(server_ctx);
    SSL_CTX_free(client_ctx);
    if (failed) {
        for (i = 0; i < threads; i++)
            if (results[i].failed) {
                printf("FAIL threads: %d of %d connections failed (%s)\n", failed, ok + failed,
                       results[i].why);
                break;
            }
    } else {
        printf("ok threads\n");
    }
    printf("test_threads: %d threads x %d connections, %d ok, %d failed, %d resumed\n", threads,
           per_thread, ok, failed, reused);
    return failed ? 1 : 0;
}
