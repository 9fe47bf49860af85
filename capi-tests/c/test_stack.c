/* Handshakes in threads with a small stack (issue 19): stunnel gives each connection a thread
 * with a 64 KiB stack, and other programs that run OpenSSL in small-stack threads do the same.
 * Each case runs complete connections over a socket pair, the client and the server each in
 * its own thread (blocking I/O, as stunnel does), every SSL call of a connection, from SSL_new
 * to SSL_free, made in that thread. The threads get a 64 KiB stack of their own (mmap'ed, a
 * guard page below it, painted before the run), so an overflow faults instead of writing over
 * other memory, and the deepest byte written gives each thread's peak use, which is printed
 * ("stack CASE ROLE: N bytes") and must stay within the budget (48 KiB: the 64 KiB with a
 * margin for the caller's own frames). The peak counts what glibc puts at the top of every
 * thread stack (thread descriptor, static TLS), as the caller's 64 KiB has to hold it too.
 *
 *   test_stack            run every case
 *   test_stack NAME...    run only these
 *   test_stack --list     print the case names
 * LIBTLS_TEST_THREAD_STACK=BYTES and LIBTLS_TEST_STACK_BUDGET=BYTES change the two sizes (to
 * measure). Run from the repository root (certificates are read from pki/). */
#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define PAINT 0xa5

static size_t thread_stack = 64 * 1024;
static size_t stack_budget = 48 * 1024;
static const char *current_case = "?";

enum {
    MTLS = 1,       /* the server requires a client certificate */
    RESUME = 2,     /* a second connection resumes the first one's session */
    HRR = 4,        /* the server accepts only P-256, the client's first key share is X25519 */
    PHA = 8,        /* TLS 1.3 post-handshake client authentication */
    RSA_KEY = 16,       /* the server's certificate has an RSA key (ECDSA otherwise) */
};

/* ---- a thread on a painted stack with a guard page ------------------------------------------ */

/* An overflow hits the guard page: say which case overflowed and stop the program (the other
 * thread may still be running). Runs on the thread's alternate signal stack. */
static void on_fault(int sig)
{
    char line[256];
    int n = snprintf(line, sizeof line, "FAIL %s: signal %d in a thread with a %zu-byte stack (overflow)\n",
                     current_case, sig, thread_stack);
    if (n > 0 && write(STDOUT_FILENO, line, (size_t)n) < 0)
        _exit(3);
    _exit(1);
}

struct small_thread {
    void *(*run)(void *);
    void *arg;
    unsigned char *map;
    size_t map_len, page;
    pthread_t id;
    void *alt_stack;
};

struct trampoline {
    void *(*run)(void *);
    void *arg;
    void *alt_stack;
};

/* The thread's previous alternate stack is put back before it ends: AddressSanitizer gives
 * each thread one of its own and unmaps whatever the thread has at its end. */
static void *with_alt_stack(void *p)
{
    struct trampoline *t = p;
    stack_t ss, previous;
    void *r;
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = t->alt_stack;
    ss.ss_size = 64 * 1024;
    if (sigaltstack(&ss, &previous) != 0)
        return t->run(t->arg);
    r = t->run(t->arg);
    sigaltstack(&previous, NULL);
    return r;
}

static struct trampoline trampolines[2];

/* Starts run(arg) in a thread whose stack is `thread_stack` bytes of fresh memory. */
static int small_thread_start(struct small_thread *t, int slot, void *(*run)(void *), void *arg)
{
    pthread_attr_t attr;
    int ok;
    t->page = (size_t)sysconf(_SC_PAGESIZE);
    t->map_len = t->page + thread_stack;
    t->map = mmap(NULL, t->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (t->map == MAP_FAILED)
        return 0;
    mprotect(t->map, t->page, PROT_NONE);
    memset(t->map + t->page, PAINT, thread_stack);
    t->alt_stack = malloc(64 * 1024);
    trampolines[slot].run = run;
    trampolines[slot].arg = arg;
    trampolines[slot].alt_stack = t->alt_stack;
    pthread_attr_init(&attr);
    ok = pthread_attr_setstack(&attr, t->map + t->page, thread_stack) == 0 &&
         pthread_create(&t->id, &attr, with_alt_stack, &trampolines[slot]) == 0;
    pthread_attr_destroy(&attr);
    return ok;
}

/* Joins the thread and returns the deepest use of its stack, in bytes. */
static size_t small_thread_join(struct small_thread *t)
{
    unsigned char *low = t->map + t->page, *p = low;
    size_t used;
    pthread_join(t->id, NULL);
    while (p < low + thread_stack && *p == PAINT)
        p++;
    used = (size_t)(low + thread_stack - p);
    munmap(t->map, t->map_len);
    free(t->alt_stack);
    return used;
}

/* ---- the two ends of a connection ------------------------------------------------------------ */

struct end {
    SSL_CTX *ctx;
    int fd, flags;
    SSL_SESSION *session; /* client: in, the session to resume; out, the one to keep */
    int ok, reused, peer_cert;
    char why[160];
};

#define END_CHECK(e, cond)                                                                   \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            snprintf((e)->why, sizeof (e)->why, "%s:%d: %s", __FILE__, __LINE__, #cond);     \
            goto out;                                                                        \
        }                                                                                    \
    } while (0)

static int has_peer_certificate(SSL *ssl)
{
    X509 *peer = SSL_get1_peer_certificate(ssl);
    X509_free(peer);
    return peer != NULL;
}

static void *run_client(void *arg)
{
    struct end *e = arg;
    SSL *ssl = SSL_new(e->ctx);
    char buf[8];
    END_CHECK(e, ssl != NULL);
    END_CHECK(e, SSL_set_fd(ssl, e->fd) == 1);
    END_CHECK(e, SSL_set_tlsext_host_name(ssl, "localhost") == 1);
    if (e->session)
        END_CHECK(e, SSL_set_session(ssl, e->session) == 1);
    END_CHECK(e, SSL_connect(ssl) == 1);
    /* The server speaks first: reading takes in its tickets and its certificate request. */
    END_CHECK(e, SSL_read(ssl, buf, 5) == 5 && memcmp(buf, "hello", 5) == 0);
    END_CHECK(e, SSL_write(ssl, "ping", 4) == 4);
    END_CHECK(e, SSL_read(ssl, buf, 4) == 4 && memcmp(buf, "pong", 4) == 0);
    e->reused = SSL_session_reused(ssl);
    e->peer_cert = has_peer_certificate(ssl);
    SSL_SESSION_free(e->session);
    e->session = SSL_get1_session(ssl);
    SSL_shutdown(ssl);
    e->ok = 1;
out:
    SSL_free(ssl);
    return NULL;
}

static void *run_server(void *arg)
{
    struct end *e = arg;
    SSL *ssl = SSL_new(e->ctx);
    char buf[8];
    END_CHECK(e, ssl != NULL);
    END_CHECK(e, SSL_set_fd(ssl, e->fd) == 1);
    END_CHECK(e, SSL_accept(ssl) == 1);
    if (e->flags & PHA) {
        END_CHECK(e, !has_peer_certificate(ssl));
        END_CHECK(e, SSL_verify_client_post_handshake(ssl) == 1);
        END_CHECK(e, SSL_do_handshake(ssl) == 1);
    }
    END_CHECK(e, SSL_write(ssl, "hello", 5) == 5);
    END_CHECK(e, SSL_read(ssl, buf, 4) == 4 && memcmp(buf, "ping", 4) == 0);
    END_CHECK(e, SSL_write(ssl, "pong", 4) == 4);
    e->reused = SSL_session_reused(ssl);
    e->peer_cert = has_peer_certificate(ssl);
    SSL_shutdown(ssl);
    e->ok = 1;
out:
    SSL_free(ssl);
    return NULL;
}

/* ---- the cases --------------------------------------------------------------------------------- */

static SSL_CTX *make_server_ctx(int version, int flags)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    const char *chain = flags & RSA_KEY ? PKI "server-rsa2048.chain.pem" : PKI "server-ecdsa-p256.chain.pem";
    const char *key = flags & RSA_KEY ? PKI "server-rsa2048.key" : PKI "server-ecdsa-p256.key";
    if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, chain) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_set_min_proto_version(ctx, version) != 1 || SSL_CTX_set_max_proto_version(ctx, version) != 1 ||
        SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"stack", 5) != 1)
        goto fail;
    if (flags & (MTLS | PHA)) {
        if (SSL_CTX_load_verify_locations(ctx, PKI "root-ca.pem", NULL) != 1)
            goto fail;
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT |
                                    (flags & PHA ? SSL_VERIFY_POST_HANDSHAKE : 0), NULL);
    }
    if ((flags & HRR) && SSL_CTX_set1_groups_list(ctx, "P-256") != 1)
        goto fail;
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

static SSL_CTX *make_client_ctx(int flags)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || SSL_CTX_load_verify_locations(ctx, PKI "root-ca.pem", NULL) != 1)
        goto fail;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (flags & (MTLS | PHA)) {
        if (SSL_CTX_use_certificate_chain_file(ctx, PKI "client-ecdsa-p256.chain.pem") != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx, PKI "client-ecdsa-p256.key", SSL_FILETYPE_PEM) != 1)
            goto fail;
    }
    if (flags & PHA)
        SSL_CTX_set_post_handshake_auth(ctx, 1);
    if ((flags & HRR) && SSL_CTX_set1_groups_list(ctx, "X25519:P-256") != 1)
        goto fail;
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

static void set_timeouts(int fd)
{
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* One connection, each end in its own small thread; the client's session goes in and out
 * through *session. Prints each end's peak stack use and checks it against the budget. */
static int one_connection(SSL_CTX *cctx, SSL_CTX *sctx, int flags, SSL_SESSION **session, int expect_reuse)
{
    struct end client, server;
    struct small_thread ct, st;
    size_t client_peak = 0, server_peak = 0;
    int fds[2] = {-1, -1}, ok = 0, started = 0;

    memset(&client, 0, sizeof client);
    memset(&server, 0, sizeof server);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    set_timeouts(fds[0]);
    set_timeouts(fds[1]);
    client.ctx = cctx;
    client.fd = fds[0];
    client.flags = flags;
    client.session = *session;
    *session = NULL;
    server.ctx = sctx;
    server.fd = fds[1];
    server.flags = flags;
    CHECK(small_thread_start(&st, 0, run_server, &server));
    started |= 1;
    CHECK(small_thread_start(&ct, 1, run_client, &client));
    started |= 2;
    client_peak = small_thread_join(&ct);
    started &= ~2;
    server_peak = small_thread_join(&st);
    started &= ~1;
    printf("stack %s client: %zu bytes\nstack %s server: %zu bytes\n", current_case, client_peak, current_case,
           server_peak);
    *session = client.session;
    client.session = NULL;
    if (!client.ok) {
        snprintf(failure, sizeof failure, "client: %s", client.why);
        goto out;
    }
    if (!server.ok) {
        snprintf(failure, sizeof failure, "server: %s", server.why);
        goto out;
    }
    CHECK(client.peer_cert);
    CHECK(server.peer_cert == ((flags & (MTLS | PHA)) != 0));
    CHECK(client.reused == expect_reuse && server.reused == expect_reuse);
    if (client_peak > stack_budget || server_peak > stack_budget) {
        snprintf(failure, sizeof failure, "stack use over the %zu-byte budget: client %zu, server %zu",
                 stack_budget, client_peak, server_peak);
        goto out;
    }
    ok = 1;
out:
    /* A thread that failed to start leaves nothing to join; one that started is joined. */
    if (started & 2)
        small_thread_join(&ct);
    if (started & 1) {
        if (fds[1] >= 0)
            shutdown(fds[1], SHUT_RDWR);
        small_thread_join(&st);
    }
    SSL_SESSION_free(client.session);
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    return ok;
}

static int run_case(const char *name, int version, int flags)
{
    SSL_CTX *cctx = make_client_ctx(flags), *sctx = make_server_ctx(version, flags);
    SSL_SESSION *session = NULL;
    int ok = 0;
    current_case = name;
    CHECK(cctx && sctx);
    CHECK(one_connection(cctx, sctx, flags, &session, 0));
    if (flags & RESUME) {
        CHECK(session != NULL);
        CHECK(one_connection(cctx, sctx, flags, &session, 1));
    }
    ok = 1;
out:
    SSL_SESSION_free(session);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return ok;
}

static int tls13(void) { return run_case("tls13", TLS1_3_VERSION, 0); }
static int tls13_rsa(void) { return run_case("tls13_rsa", TLS1_3_VERSION, RSA_KEY); }
static int tls13_mtls(void) { return run_case("tls13_mtls", TLS1_3_VERSION, MTLS); }
static int tls13_resumption(void) { return run_case("tls13_resumption", TLS1_3_VERSION, MTLS | RESUME); }
static int tls13_hrr(void) { return run_case("tls13_hrr", TLS1_3_VERSION, HRR | MTLS); }
static int tls13_pha(void) { return run_case("tls13_pha", TLS1_3_VERSION, PHA); }
static int tls12(void) { return run_case("tls12", TLS1_2_VERSION, 0); }
static int tls12_rsa(void) { return run_case("tls12_rsa", TLS1_2_VERSION, RSA_KEY); }
static int tls12_mtls(void) { return run_case("tls12_mtls", TLS1_2_VERSION, MTLS); }
static int tls12_resumption(void) { return run_case("tls12_resumption", TLS1_2_VERSION, MTLS | RESUME); }

static const struct test_case cases[] = {
    {"tls13", tls13},
    {"tls13_rsa", tls13_rsa},
    {"tls13_mtls", tls13_mtls},
    {"tls13_resumption", tls13_resumption},
    {"tls13_hrr", tls13_hrr},
    {"tls13_pha", tls13_pha},
    {"tls12", tls12},
    {"tls12_rsa", tls12_rsa},
    {"tls12_mtls", tls12_mtls},
    {"tls12_resumption", tls12_resumption},
};

static size_t size_from_env(const char *name, size_t fallback)
{
    const char *v = getenv(name);
    char *end;
    unsigned long n;
    if (!v || !*v)
        return fallback;
    errno = 0;
    n = strtoul(v, &end, 0);
    return errno || *end || n == 0 ? fallback : (size_t)n;
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    long page = sysconf(_SC_PAGESIZE);
    thread_stack = size_from_env("LIBTLS_TEST_THREAD_STACK", thread_stack);
    stack_budget = size_from_env("LIBTLS_TEST_STACK_BUDGET", stack_budget);
    thread_stack = (thread_stack + (size_t)page - 1) / (size_t)page * (size_t)page;
    if (thread_stack < (size_t)PTHREAD_STACK_MIN)
        thread_stack = (size_t)PTHREAD_STACK_MIN;
    signal(SIGPIPE, SIG_IGN);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fault;
    sa.sa_flags = SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    return run_test_cases("test_stack", cases, TEST_CASE_COUNT(cases), failure, argc, argv);
}
