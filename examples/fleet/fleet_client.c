/* fleet_client: the load driver of `make test-fleet` (docs/fleet.md). Each client makes a full
 * handshake with one member of the fleet and resumes the session against another, over four
 * paths: TLS 1.2 session IDs and TLS 1.3 stateful single-use tickets (a member's "stateful"
 * port; sessions shared through Redis), TLS 1.2 and TLS 1.3 stateless tickets (the "tickets"
 * port; shared ticket keys). A TLS 1.3 stateful ticket, once used, is replayed to another member
 * and to the same one: both must refuse it (a full handshake, not a failure).
 *
 * Written against the OpenSSL API (built against libtls for the test; it builds against OpenSSL
 * too). Blocking sockets with timeouts; one connection at a time, so that the handshake times
 * measured are latencies, not queueing.
 *
 *   fleet_client -ca ROOT.pem -csv OUT.csv -seed N -server SPORT,TPORT [-server ...]
 *
 * Commands on stdin, one a line, each answered by one line on stdout starting with "ok":
 *   phase NAME     label the handshakes that follow
 *   run N          N clients: full handshake at a random member, resumption at another
 *   hold N         N clients: full handshake, session kept for `resume`
 *   resume [I]     resume the held sessions at member I (default: any other), then forget them
 *   race N         N TLS 1.3 stateful clients: full handshake, then the ticket offered to two
 *                  other members at the same moment (two threads): at most one may accept it
 *   quit
 * Every handshake is a line of the CSV: phase,client,path,step,server,version,reused,via,ms,ok,error.
 */
#define _GNU_SOURCE
#include <openssl/ssl.h>
#include <openssl/err.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SERVERS 8
#define MAX_HELD 4096
#define IO_TIMEOUT_SECS 5

enum path { TLS12_ID, TLS12_TICKET, TLS13_STATEFUL, TLS13_TICKET, NPATHS };
static const char *path_names[NPATHS] = {"tls12-id", "tls12-ticket", "tls13-stateful", "tls13-ticket"};

static SSL_CTX *ctxs[NPATHS];
static int stateful_port[MAX_SERVERS], tickets_port[MAX_SERVERS], nservers;
static FILE *csv;
static char phase[64] = "start";
static unsigned long long rng = 0x9e3779b97f4a7c15ULL;
static long next_client;
static long failures;

struct held {
    long client;
    enum path path;
    int server;
    SSL_SESSION *session;
};
static struct held held[MAX_HELD];
static int nheld;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static int other_than(int s)
{
    int o = (int)rnd((unsigned)nservers - 1);
    return o >= s ? o + 1 : o;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static SSL_CTX *make_ctx(const char *ca, enum path p)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
        return NULL;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    int v = p == TLS12_ID || p == TLS12_TICKET ? TLS1_2_VERSION : TLS1_3_VERSION;
    SSL_CTX_set_min_proto_version(ctx, v);
    SSL_CTX_set_max_proto_version(ctx, v);
    if (p == TLS12_ID)
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET); /* no SessionTicket extension: a session ID */
    return ctx;
}

static int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    struct timeval tv = {IO_TIMEOUT_SECS, 0};
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One connection: handshake (offering `offer` if given), read the server's line, close.
 * Returns 1 if resumed, 0 if not, -1 on failure; *got receives the session to resume next. */
static int connect_once(long client, enum path p, const char *step, int server, SSL_SESSION *offer,
                        SSL_SESSION **got)
{
    int port = p == TLS12_ID || p == TLS13_STATEFUL ? stateful_port[server] : tickets_port[server];
    char line[256] = "", err[160] = "", via[32] = "?";
    int len = 0, reused = -1, ok = 0;
    double ms = 0;
    SSL *ssl = NULL;
    double t0 = now_ms();
    int fd = tcp_connect(port);
    if (fd < 0) {
        snprintf(err, sizeof err, "connect: %s", strerror(errno));
        goto done;
    }
    ssl = SSL_new(ctxs[p]);
    if (!ssl || SSL_set_fd(ssl, fd) != 1 || SSL_set_tlsext_host_name(ssl, "localhost") != 1 ||
        SSL_set1_host(ssl, "localhost") != 1 || (offer && SSL_set_session(ssl, offer) != 1)) {
        snprintf(err, sizeof err, "setup failed");
        goto done;
    }
    if (SSL_connect(ssl) != 1) {
        unsigned long code = ERR_peek_error();
        snprintf(err, sizeof err, "handshake: %s", code ? ERR_error_string(code, NULL) : "connection closed");
        goto done;
    }
    ms = now_ms() - t0;
    reused = SSL_session_reused(ssl);
    /* The server's line (TLS 1.3 tickets arrive before it). */
    while (len < (int)sizeof line - 1 && !memchr(line, '\n', (size_t)len)) {
        int r = SSL_read(ssl, line + len, (int)sizeof line - 1 - len);
        if (r <= 0)
            break;
        len += r;
        line[len] = 0;
    }
    const char *v = strstr(line, "via=");
    if (!v || !memchr(line, '\n', (size_t)len)) {
        snprintf(err, sizeof err, "no status line from the server");
        goto done;
    }
    sscanf(v + 4, "%31[a-z]", via);
    if (got)
        *got = SSL_get1_session(ssl);
    SSL_shutdown(ssl);
    ok = 1;
done:
    if (!ok)
        __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
    fprintf(csv, "%s,%ld,%s,%s,%d,%s,%d,%s,%.3f,%d,%s\n", phase, client, path_names[p], step, server,
            ssl && ok ? SSL_get_version(ssl) : "-", reused, via, ms, ok, err);
    ERR_clear_error();
    SSL_free(ssl);
    if (fd >= 0)
        close(fd);
    return ok ? reused : -1;
}

/* Resumes `s` at `server`; a TLS 1.3 stateful ticket is then replayed to another member and to
 * the same one (both must refuse it). */
static void resume(long client, enum path p, int server, SSL_SESSION *s)
{
    SSL_SESSION *next = NULL;
    connect_once(client, p, "resume", server, s, &next);
    SSL_SESSION_free(next);
    if (p == TLS13_STATEFUL) {
        connect_once(client, p, "replay", other_than(server), s, NULL);
        connect_once(client, p, "replay-same", server, s, NULL);
    }
}

static void run_clients(int n, int keep)
{
    for (int i = 0; i < n; i++) {
        long client = next_client++;
        enum path p = (enum path)(client % NPATHS);
        int x = (int)rnd((unsigned)nservers);
        SSL_SESSION *s = NULL;
        if (connect_once(client, p, "full", x, NULL, &s) < 0 || !s) {
            SSL_SESSION_free(s);
            continue;
        }
        if (keep && nheld < MAX_HELD) {
            held[nheld++] = (struct held){client, p, x, s};
            continue;
        }
        /* One TLS 1.2 session-ID client in four comes back to the same member (its local
         * cache); the others go to another member. */
        int y = p == TLS12_ID && rnd(4) == 0 ? x : other_than(x);
        resume(client, p, y, s);
        SSL_SESSION_free(s);
    }
}

struct racer {
    long client;
    int server;
    SSL_SESSION *session;
    pthread_barrier_t *start;
    int result;
};

static void *race_one(void *arg)
{
    struct racer *r = arg;
    pthread_barrier_wait(r->start);
    r->result = connect_once(r->client, TLS13_STATEFUL, "race", r->server, r->session, NULL);
    return NULL;
}

/* The same TLS 1.3 stateful ticket offered to two members at once (needs three members). */
static void race_clients(int n)
{
    for (int i = 0; i < n && nservers >= 3; i++) {
        long client = next_client++;
        int x = (int)rnd((unsigned)nservers), y = other_than(x), z;
        do
            z = other_than(x);
        while (z == y);
        SSL_SESSION *s = NULL;
        if (connect_once(client, TLS13_STATEFUL, "full", x, NULL, &s) < 0 || !s) {
            SSL_SESSION_free(s);
            continue;
        }
        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, 2);
        struct racer a = {client, y, s, &start, -1}, b = {client, z, s, &start, -1};
        pthread_t ta, tb;
        pthread_create(&ta, NULL, race_one, &a);
        pthread_create(&tb, NULL, race_one, &b);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        pthread_barrier_destroy(&start);
        SSL_SESSION_free(s);
    }
}

int main(int argc, char **argv)
{
    const char *ca = NULL, *csv_path = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-ca"))
            ca = argv[i + 1];
        else if (!strcmp(argv[i], "-csv"))
            csv_path = argv[i + 1];
        else if (!strcmp(argv[i], "-seed"))
            rng ^= strtoull(argv[i + 1], NULL, 10) * 0x2545f4914f6cdd1dULL;
        else if (!strcmp(argv[i], "-server") && nservers < MAX_SERVERS &&
                 sscanf(argv[i + 1], "%d,%d", &stateful_port[nservers], &tickets_port[nservers]) == 2)
            nservers++;
        else {
            fprintf(stderr, "usage: fleet_client -ca ROOT.pem -csv OUT -seed N -server SPORT,TPORT ...\n");
            return 2;
        }
    }
    if (!ca || !csv_path || nservers < 2 || !(csv = fopen(csv_path, "w"))) {
        fprintf(stderr, "fleet_client: need -ca, -csv and at least two -server\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    for (int p = 0; p < NPATHS; p++)
        if (!(ctxs[p] = make_ctx(ca, (enum path)p))) {
            ERR_print_errors_fp(stderr);
            return 1;
        }
    fprintf(csv, "phase,client,path,step,server,version,reused,via,ms,ok,error\n");

    char cmd[256];
    while (fgets(cmd, sizeof cmd, stdin)) {
        int n;
        long before = failures;
        if (sscanf(cmd, "phase %63s", phase) == 1) {
        } else if (sscanf(cmd, "run %d", &n) == 1) {
            run_clients(n, 0);
        } else if (sscanf(cmd, "race %d", &n) == 1) {
            race_clients(n);
        } else if (sscanf(cmd, "hold %d", &n) == 1) {
            run_clients(n, 1);
        } else if (!strncmp(cmd, "resume", 6)) {
            int target = -1;
            sscanf(cmd, "resume %d", &target);
            for (int i = 0; i < nheld; i++) {
                struct held *h = &held[i];
                int y = target >= 0 && target < nservers && target != h->server ? target : other_than(h->server);
                resume(h->client, h->path, y, h->session);
                SSL_SESSION_free(h->session);
            }
            nheld = 0;
        } else if (!strncmp(cmd, "quit", 4)) {
            break;
        } else {
            printf("error unknown command: %s", cmd);
            fflush(stdout);
            continue;
        }
        fflush(csv);
        printf("ok failures=%ld\n", failures - before);
        fflush(stdout);
    }
    for (int i = 0; i < nheld; i++)
        SSL_SESSION_free(held[i].session);
    for (int p = 0; p < NPATHS; p++)
        SSL_CTX_free(ctxs[p]);
    fclose(csv);
    return 0;
}
