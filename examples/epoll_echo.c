/* A single-threaded, non-blocking TLS echo server and load client on epoll, written against
 * the OpenSSL API (it builds against libtls or OpenSSL unchanged). Every SSL call may return
 * SSL_ERROR_WANT_READ / WANT_WRITE; the connection then waits for that readiness and retries
 * the same call, the way nginx- or HAProxy-style event loops drive TLS.
 *
 *   epoll_echo server CERT KEY [PORT]        serve until killed (PORT 0: any, printed)
 *   epoll_echo client CAFILE PORT N ROUNDS   N concurrent connections, each echoing ROUNDS
 *                                           messages; exits 0 when all succeeded
 */
#include "compat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum phase { HANDSHAKE, READING, WRITING, SHUTDOWN, DONE, FAILED };

struct conn {
    int fd;
    SSL *ssl;
    enum phase phase;
    char buf[256];
    int len, off;
    int rounds_left; /* client: messages still to echo */
};

static int set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Registers interest in whatever the last SSL call asked for. */
static void want(int ep, struct conn *c, int ssl_error)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = ssl_error == SSL_ERROR_WANT_WRITE ? EPOLLOUT : EPOLLIN;
    ev.data.ptr = c;
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void finish(int ep, struct conn *c, enum phase phase)
{
    c->phase = phase;
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    SSL_free(c->ssl);
    close(c->fd);
    c->ssl = NULL;
}

/* Advances one connection as far as it can go without blocking. `client` picks the role's
 * script: the client writes first and reads the echo; the server reads and echoes. */
static void drive(int ep, struct conn *c, int client)
{
    for (;;) {
        int r, e;
        switch (c->phase) {
        case HANDSHAKE:
            r = SSL_do_handshake(c->ssl);
            if (r == 1) {
                c->phase = client ? WRITING : READING;
                if (client) {
                    c->len = snprintf(c->buf, sizeof c->buf, "message %d from fd %d\n", c->rounds_left, c->fd);
                    c->off = 0;
                }
                continue;
            }
            break;
        case READING:
            r = SSL_read(c->ssl, c->buf, sizeof c->buf);
            if (r > 0) {
                if (client) {
                    if (--c->rounds_left == 0) {
                        c->phase = SHUTDOWN;
                    } else {
                        c->len = snprintf(c->buf, sizeof c->buf, "message %d from fd %d\n", c->rounds_left, c->fd);
                        c->off = 0;
                        c->phase = WRITING;
                    }
                } else {
                    c->len = r;
                    c->off = 0;
                    c->phase = WRITING;
                }
                continue;
            }
            break;
        case WRITING:
            r = SSL_write(c->ssl, c->buf + c->off, c->len - c->off);
            if (r > 0) {
                c->off += r;
                if (c->off == c->len)
                    c->phase = READING;
                continue;
            }
            break;
        case SHUTDOWN:
            r = SSL_shutdown(c->ssl);
            if (r >= 0) {
                finish(ep, c, DONE);
                return;
            }
            break;
        default:
            return;
        }
        e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            want(ep, c, e);
            return;
        }
        if (e == SSL_ERROR_ZERO_RETURN && !client) {
            /* The client said goodbye: answer its close_notify and finish. */
            c->phase = SHUTDOWN;
            continue;
        }
        ERR_clear_error();
        finish(ep, c, client ? FAILED : DONE);
        return;
    }
}

static int run_server(const char *cert, const char *key, int port)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    struct sockaddr_in addr;
    socklen_t alen = sizeof addr;
    struct epoll_event ev, events[256];
    int one = 1, lfd, ep;

    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((unsigned short)port);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 1024) != 0) {
        perror("bind/listen");
        return 1;
    }
    getsockname(lfd, (struct sockaddr *)&addr, &alen);
    fprintf(stderr, "epoll_echo: listening on 127.0.0.1:%d\n", ntohs(addr.sin_port));
    fflush(stderr);
    set_nonblocking(lfd);
    ep = epoll_create1(0);
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.ptr = NULL; /* NULL marks the listener */
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    for (;;) {
        int n = epoll_wait(ep, events, 256, -1), i;
        for (i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept(lfd, NULL, NULL)) >= 0) {
                    c = calloc(1, sizeof *c);
                    set_nonblocking(fd);
                    c->fd = fd;
                    c->ssl = SSL_new(ctx);
                    SSL_set_fd(c->ssl, fd);
                    SSL_set_accept_state(c->ssl);
                    memset(&ev, 0, sizeof ev);
                    ev.events = EPOLLIN;
                    ev.data.ptr = c;
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                    drive(ep, c, 0);
                    if (c->phase == DONE)
                        free(c);
                }
                continue;
            }
            drive(ep, c, 0);
            if (c->phase == DONE)
                free(c);
        }
    }
}

static int run_client(const char *cafile, int port, int n, int rounds)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    struct conn *conns = calloc((size_t)n, sizeof *conns);
    struct epoll_event ev, events[256];
    struct sockaddr_in addr;
    int ep = epoll_create1(0), i, active = n, done = 0, failed = 0;
    time_t deadline = time(NULL) + 60;

    if (SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((unsigned short)port);
    for (i = 0; i < n; i++) {
        struct conn *c = &conns[i];
        c->fd = socket(AF_INET, SOCK_STREAM, 0);
        set_nonblocking(c->fd);
        if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) != 0 && errno != EINPROGRESS) {
            perror("connect");
            return 1;
        }
        c->ssl = SSL_new(ctx);
        SSL_set_fd(c->ssl, c->fd);
        SSL_set_connect_state(c->ssl);
        SSL_set_tlsext_host_name(c->ssl, "localhost");
        SSL_set1_host(c->ssl, "localhost");
        c->rounds_left = rounds;
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLOUT; /* writable once connected */
        ev.data.ptr = c;
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    }
    while (active > 0 && time(NULL) < deadline) {
        int k = epoll_wait(ep, events, 256, 1000);
        for (i = 0; i < k; i++) {
            struct conn *c = events[i].data.ptr;
            drive(ep, c, 1);
            if (c->phase == DONE || c->phase == FAILED) {
                active--;
                if (c->phase == DONE)
                    done++;
                else
                    failed++;
            }
        }
    }
    printf("epoll_echo client: %d connections, %d ok, %d failed, %d unfinished\n", n, done, failed, active);
    SSL_CTX_free(ctx);
    free(conns);
    return done == n ? 0 : 1;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 4 && strcmp(argv[1], "server") == 0)
        return run_server(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 0);
    if (argc == 6 && strcmp(argv[1], "client") == 0)
        return run_client(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
    fprintf(stderr, "usage: epoll_echo server CERT KEY [PORT] | client CAFILE PORT N ROUNDS\n");
    return 2;
}
