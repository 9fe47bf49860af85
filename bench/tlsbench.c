/* tlsbench: client and server in one thread over memory BIOs, written against the OpenSSL API
 * and compiled twice (against libtls and against OpenSSL's libssl). It measures thread CPU time
 * spent inside each end's calls, so the numbers do not depend on sockets or scheduling.
 *
 *   tlsbench list                      the scenario names
 *   tlsbench run SCENARIO [SECONDS]    one measurement; prints one line of key=value pairs
 *
 * Handshake scenarios report operations (complete handshakes, or resumptions) per second of CPU
 * time of both ends together and of each end. Bulk scenarios report MB/s of application data
 * (1 MB = 10^6 bytes) moved in 16 KiB writes. The memory scenario reports heap bytes (glibc
 * mallinfo2) and RSS per established, idle connection end. Run from the repository root. */
#include "compat.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PKI "pki/"

struct scenario {
    const char *name;
    enum { HANDSHAKE, RESUME, BULK, MEMORY } kind;
    const char *cert;       /* server certificate base name */
    int max_version;        /* 0: default (TLS 1.3) */
    const char *tls13_suite;
    const char *tls12_cipher;
    const char *groups;
    int resume_mode;        /* RESUME: 0 TLS 1.3 ticket, 1 TLS 1.2 ticket, 2 TLS 1.2 session ID */
    int libtls_only;
};

static const struct scenario scenarios[] = {
    {"handshake-tls13-ecdsa", HANDSHAKE, "server-ecdsa-p256", 0, NULL, NULL, "X25519", 0, 0},
    {"handshake-tls13-rsa", HANDSHAKE, "server-rsa2048", 0, NULL, NULL, "X25519", 0, 0},
    /* TLS 1.2 ECDSA certificates need their curve in the client's groups (RFC 8422 5.1.1). */
    {"handshake-tls12-ecdsa", HANDSHAKE, "server-ecdsa-p256", TLS1_2_VERSION, NULL,
     "ECDHE-ECDSA-AES128-GCM-SHA256", "X25519:P-256", 0, 0},
    {"handshake-tls12-rsa", HANDSHAKE, "server-rsa2048", TLS1_2_VERSION, NULL,
     "ECDHE-RSA-AES128-GCM-SHA256", "X25519", 0, 0},
    {"handshake-tls13-x25519mlkem768", HANDSHAKE, "server-ecdsa-p256", 0, NULL, NULL,
     "X25519MLKEM768", 0, 1},
    {"resume-tls13-ticket", RESUME, "server-ecdsa-p256", 0, NULL, NULL, "X25519", 0, 0},
    {"resume-tls12-ticket", RESUME, "server-ecdsa-p256", TLS1_2_VERSION, NULL,
     "ECDHE-ECDSA-AES128-GCM-SHA256", "X25519:P-256", 1, 0},
    {"resume-tls12-session-id", RESUME, "server-ecdsa-p256", TLS1_2_VERSION, NULL,
     "ECDHE-ECDSA-AES128-GCM-SHA256", "X25519:P-256", 2, 0},
    {"bulk-tls13-aes128gcm", BULK, "server-ecdsa-p256", 0, "TLS_AES_128_GCM_SHA256", NULL, "X25519", 0, 0},
    {"bulk-tls13-aes256gcm", BULK, "server-ecdsa-p256", 0, "TLS_AES_256_GCM_SHA384", NULL, "X25519", 0, 0},
    {"bulk-tls13-chacha20", BULK, "server-ecdsa-p256", 0, "TLS_CHACHA20_POLY1305_SHA256", NULL, "X25519", 0, 0},
    {"bulk-tls12-aes128gcm", BULK, "server-ecdsa-p256", TLS1_2_VERSION, NULL,
     "ECDHE-ECDSA-AES128-GCM-SHA256", "X25519:P-256", 0, 0},
    {"memory-idle-connection", MEMORY, "server-ecdsa-p256", 0, NULL, NULL, "X25519", 0, 0},
};

static double now_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double client_cpu, server_cpu;

/* Runs `call` and charges its CPU time to one end. */
#define TIMED(acc, call)                \
    ({                                  \
        double t0_ = now_cpu();         \
        int r_ = (call);                \
        (acc) += now_cpu() - t0_;       \
        r_;                             \
    })

static void die(const char *what)
{
    fprintf(stderr, "tlsbench: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

struct pair {
    SSL *c, *s;
    BIO *c_in, *c_out, *s_in, *s_out;
};

static void move_bytes(BIO *from, BIO *to)
{
    static char buf[65536];
    int n;
    while ((n = BIO_read(from, buf, sizeof buf)) > 0)
        if (BIO_write(to, buf, n) != n)
            die("BIO_write");
}

static void pair_new(struct pair *p, SSL_CTX *cctx, SSL_CTX *sctx)
{
    p->c = SSL_new(cctx);
    p->s = SSL_new(sctx);
    p->c_in = BIO_new(BIO_s_mem());
    p->c_out = BIO_new(BIO_s_mem());
    p->s_in = BIO_new(BIO_s_mem());
    p->s_out = BIO_new(BIO_s_mem());
    SSL_set_bio(p->c, p->c_in, p->c_out);
    SSL_set_bio(p->s, p->s_in, p->s_out);
    SSL_set_connect_state(p->c);
    SSL_set_accept_state(p->s);
}

static void pair_handshake(struct pair *p)
{
    int c_done = 0, s_done = 0, rounds;
    for (rounds = 0; rounds < 20 && !(c_done && s_done); rounds++) {
        if (!c_done) {
            int r = TIMED(client_cpu, SSL_do_handshake(p->c));
            if (r == 1)
                c_done = 1;
            else if (SSL_get_error(p->c, r) != SSL_ERROR_WANT_READ)
                die("client handshake failed");
        }
        move_bytes(p->c_out, p->s_in);
        if (!s_done) {
            int r = TIMED(server_cpu, SSL_do_handshake(p->s));
            if (r == 1)
                s_done = 1;
            else if (SSL_get_error(p->s, r) != SSL_ERROR_WANT_READ)
                die("server handshake failed");
        }
        move_bytes(p->s_out, p->c_in);
    }
    if (!(c_done && s_done))
        die("handshake did not finish");
    /* Let the client take in what the server sent after its Finished (TLS 1.3 tickets). */
    {
        char b;
        TIMED(client_cpu, SSL_peek(p->c, &b, 1));
    }
}

static void pair_free(struct pair *p)
{
    /* A connection freed without a shutdown marks its session unusable in OpenSSL; mark both
     * ends closed (the close_notify exchange itself is not what is being measured). */
    SSL_set_shutdown(p->c, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_set_shutdown(p->s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(p->c);
    SSL_free(p->s);
}

static void configure(const struct scenario *sc, SSL_CTX **cctx, SSL_CTX **sctx)
{
    char chain[256], key[256];
    snprintf(chain, sizeof chain, PKI "%s.chain.pem", sc->cert);
    snprintf(key, sizeof key, PKI "%s.key", sc->cert);
    *sctx = SSL_CTX_new(TLS_server_method());
    *cctx = SSL_CTX_new(TLS_client_method());
    if (SSL_CTX_use_certificate_chain_file(*sctx, chain) != 1 ||
        SSL_CTX_use_PrivateKey_file(*sctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_load_verify_locations(*cctx, PKI "root-ca.pem", NULL) != 1)
        die("loading the test PKI (run from the repository root)");
    SSL_CTX_set_verify(*cctx, SSL_VERIFY_PEER, NULL);
    if (SSL_CTX_set1_groups_list(*cctx, sc->groups) != 1 ||
        SSL_CTX_set1_groups_list(*sctx, sc->groups) != 1)
        die("groups");
    if (sc->max_version && (SSL_CTX_set_max_proto_version(*cctx, sc->max_version) != 1))
        die("max version");
    if (sc->tls13_suite && (SSL_CTX_set_ciphersuites(*cctx, sc->tls13_suite) != 1))
        die("ciphersuites");
    if (sc->tls12_cipher && (SSL_CTX_set_cipher_list(*cctx, sc->tls12_cipher) != 1))
        die("cipher list");
    if (sc->kind == RESUME) {
        SSL_CTX_set_session_cache_mode(*cctx, SSL_SESS_CACHE_CLIENT);
        if (sc->resume_mode == 2)
            SSL_CTX_set_options(*sctx, SSL_OP_NO_TICKET);
        SSL_CTX_set_session_id_context(*sctx, (const unsigned char *)"tlsbench", 8);
    }
}

static void report_ops(const char *name, long ops)
{
    double both = client_cpu + server_cpu;
    printf("scenario=%s ops=%ld cpu=%.6f ops_per_sec=%.2f client_ops_per_sec=%.2f server_ops_per_sec=%.2f\n",
           name, ops, both, ops / both, ops / client_cpu, ops / server_cpu);
}

static void bench_handshakes(const struct scenario *sc, double seconds)
{
    SSL_CTX *cctx, *sctx;
    SSL_SESSION *session = NULL;
    long ops = 0;
    configure(sc, &cctx, &sctx);
    if (sc->kind == RESUME) {
        struct pair p;
        pair_new(&p, cctx, sctx);
        pair_handshake(&p);
        session = SSL_get1_session(p.c);
        pair_free(&p);
        if (!session || !SSL_SESSION_is_resumable(session))
            die("no resumable session after the first handshake");
        client_cpu = server_cpu = 0;
    }
    while (client_cpu + server_cpu < seconds) {
        struct pair p;
        pair_new(&p, cctx, sctx);
        if (session)
            SSL_set_session(p.c, session);
        pair_handshake(&p);
        if (session) {
            if (!SSL_session_reused(p.c))
                die("the session was not resumed");
            if (sc->resume_mode == 0) {
                /* TLS 1.3 tickets are single-use in spirit: resume with the newest one. */
                SSL_SESSION *next = SSL_get1_session(p.c);
                if (next) {
                    SSL_SESSION_free(session);
                    session = next;
                }
            }
        }
        pair_free(&p);
        ops++;
    }
    report_ops(sc->name, ops);
    SSL_SESSION_free(session);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

static void bench_bulk(const struct scenario *sc, double seconds)
{
    SSL_CTX *cctx, *sctx;
    struct pair p;
    static unsigned char chunk[16384], sink[16384];
    double bytes = 0;
    configure(sc, &cctx, &sctx);
    pair_new(&p, cctx, sctx);
    pair_handshake(&p);
    memset(chunk, 0x5a, sizeof chunk);
    client_cpu = server_cpu = 0;
    while (client_cpu + server_cpu < seconds) {
        int i, got = 0;
        for (i = 0; i < 64; i++) {
            if (TIMED(client_cpu, SSL_write(p.c, chunk, sizeof chunk)) != (int)sizeof chunk)
                die("SSL_write");
            move_bytes(p.c_out, p.s_in);
            got = 0;
            while (got < (int)sizeof chunk) {
                int r = TIMED(server_cpu, SSL_read(p.s, sink, sizeof sink));
                if (r <= 0)
                    die("SSL_read");
                got += r;
            }
        }
        bytes += 64.0 * sizeof chunk;
    }
    printf("scenario=%s bytes=%.0f cpu=%.6f mb_per_sec=%.2f client_mb_per_sec=%.2f server_mb_per_sec=%.2f\n",
           sc->name, bytes, client_cpu + server_cpu, bytes / 1e6 / (client_cpu + server_cpu),
           bytes / 1e6 / client_cpu, bytes / 1e6 / server_cpu);
    pair_free(&p);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

static long rss_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * 4096;
}

static void bench_memory(const struct scenario *sc)
{
    enum { PAIRS = 1000 };
    SSL_CTX *cctx, *sctx;
    static struct pair pairs[PAIRS];
    struct mallinfo2 before, after;
    long rss_before, rss_after;
    int i;
    configure(sc, &cctx, &sctx);
    /* Warm up once so lazily built tables are not charged to the connections. */
    pair_new(&pairs[0], cctx, sctx);
    pair_handshake(&pairs[0]);
    pair_free(&pairs[0]);
    malloc_trim(0);
    before = mallinfo2();
    rss_before = rss_bytes();
    for (i = 0; i < PAIRS; i++) {
        pair_new(&pairs[i], cctx, sctx);
        pair_handshake(&pairs[i]);
    }
    after = mallinfo2();
    rss_after = rss_bytes();
    printf("scenario=%s connections=%d heap_per_connection=%.0f rss_per_connection=%.0f\n", sc->name,
           2 * PAIRS, (double)(after.uordblks - before.uordblks) / (2.0 * PAIRS),
           (double)(rss_after - rss_before) / (2.0 * PAIRS));
    for (i = 0; i < PAIRS; i++)
        pair_free(&pairs[i]);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

int main(int argc, char **argv)
{
    size_t i;
    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        for (i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
            printf("%s%s\n", scenarios[i].name, scenarios[i].libtls_only ? " libtls-only" : "");
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "run") == 0) {
        double seconds = argc > 3 ? atof(argv[3]) : 2.0;
        for (i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
            const struct scenario *sc = &scenarios[i];
            if (strcmp(sc->name, argv[2]) != 0)
                continue;
            client_cpu = server_cpu = 0;
            if (sc->kind == BULK)
                bench_bulk(sc, seconds);
            else if (sc->kind == MEMORY)
                bench_memory(sc);
            else
                bench_handshakes(sc, seconds);
            return 0;
        }
        fprintf(stderr, "tlsbench: unknown scenario %s\n", argv[2]);
        return 2;
    }
    fprintf(stderr, "usage: tlsbench list | tlsbench run SCENARIO [SECONDS]\n");
    return 2;
}
