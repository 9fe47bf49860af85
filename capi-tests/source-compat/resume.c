/* Session resumption written against OpenSSL's API only: connect, keep the session, connect
 * again offering it, and report whether the server resumed it. The differential test compiles it
 * unchanged against OpenSSL and libtls and compares what the two builds print.
 *
 * usage: resume PORT CAFILE [-max 1.2|1.3] [-no-ticket]
 * Prints, for each of the two connections, the version and whether the session was reused.
 * Exit status 0 when both handshakes succeeded, 1 otherwise. */
#include "common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int connect_loopback(int port)
{
    struct sockaddr_in addr;
    struct timeval tv = {5, 0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    /* Never hang on a peer that stops answering. */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One connection offering `offer` (or nothing); returns the session to keep, or NULL. */
static SSL_SESSION *one(SSL_CTX *ctx, int port, SSL_SESSION *offer, const char *label, int *ok)
{
    SSL_SESSION *kept = NULL;
    char buf[64];
    int fd = connect_loopback(port), ret;
    SSL *ssl;
    if (fd < 0) {
        printf("%s: connect failed\n", label);
        *ok = 0;
        return NULL;
    }
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "localhost");
    SSL_set1_host(ssl, "localhost");
    if (offer)
        SSL_set_session(ssl, offer);
    ret = SSL_connect(ssl);
    if (ret != 1) {
        report_failure(label, ssl, ret);
        *ok = 0;
    } else {
        /* A TLS 1.3 server sends its tickets after the handshake: read them with the reply. */
        if (SSL_write(ssl, "hello\n", 6) == 6)
            SSL_read(ssl, buf, sizeof buf);
        printf("%s: %s reused=%d\n", label, SSL_get_version(ssl), SSL_session_reused(ssl));
        report_session(ssl);
        kept = SSL_get1_session(ssl);
        if (kept && !SSL_SESSION_is_resumable(kept)) {
            SSL_SESSION_free(kept);
            kept = NULL;
        }
        SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    close(fd);
    return kept;
}

int main(int argc, char **argv)
{
    SSL_CTX *ctx;
    SSL_SESSION *first, *second;
    int i, ok = 1;
    if (argc < 3) {
        fprintf(stderr, "usage: resume PORT CAFILE [-max V] [-no-ticket]\n");
        return 2;
    }
    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL || SSL_CTX_load_verify_locations(ctx, argv[2], NULL) != 1) {
        printf("setup: failed\n");
        return 1;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
    /* Classic groups only, so both builds negotiate alike (libtls prefers X25519MLKEM768). */
    SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384");
    for (i = 3; i < argc; i++) {
        if (strcmp(argv[i], "-max") == 0 && i + 1 < argc)
            SSL_CTX_set_max_proto_version(ctx, parse_version(argv[++i]));
        else if (strcmp(argv[i], "-no-ticket") == 0)
            SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    first = one(ctx, atoi(argv[1]), NULL, "first", &ok);
    printf("session kept: %s\n", first ? "yes" : "no");
    second = one(ctx, atoi(argv[1]), first, "second", &ok);
    SSL_SESSION_free(first);
    SSL_SESSION_free(second);
    SSL_CTX_free(ctx);
    return ok ? 0 : 1;
}
