/* A non-blocking TLS client written against OpenSSL's API only: the socket is O_NONBLOCK and
 * every SSL call that returns SSL_ERROR_WANT_READ / WANT_WRITE is retried after poll() says the
 * socket is ready. The differential test compares what the OpenSSL and libtls builds print.
 *
 * usage: nbclient PORT CAFILE [-max 1.2|1.3] [-send TEXT]
 * Prints the negotiated parameters (or the failure's error classes) and the reply's first
 * line. Exit status 0 on success, 1 on a TLS failure, 2 on a usage error. */
#include "common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Waits for what the last call wanted; returns 0 when the call should be retried. */
static int wait_for(SSL *ssl, int fd, int ret)
{
    struct pollfd p;
    int e = SSL_get_error(ssl, ret);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
        return -1;
    p.fd = fd;
    p.events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
    p.revents = 0;
    return poll(&p, 1, 10000) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *send_text = "hello";
    struct sockaddr_in addr;
    SSL_CTX *ctx;
    SSL *ssl;
    int i, fd, ret, status = 1;
    char line[512], reply[512];

    if (argc < 3) {
        fprintf(stderr, "usage: nbclient PORT CAFILE [-max V] [-send TEXT]\n");
        return 2;
    }
    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL || SSL_CTX_load_verify_locations(ctx, argv[2], NULL) != 1) {
        printf("setup: failed\n");
        report_errors();
        return 1;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    /* Classic groups only, so both builds negotiate the same one (libtls prefers the
     * post-quantum hybrid X25519MLKEM768 by default, which OpenSSL 3.0 lacks). */
    SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384");
    for (i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-max") == 0)
            SSL_CTX_set_max_proto_version(ctx, parse_version(argv[i + 1]));
        else if (strcmp(argv[i], "-send") == 0)
            send_text = argv[i + 1];
        else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)atoi(argv[1]));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0 && errno != EINPROGRESS) {
        printf("connect: failed\n");
        return 1;
    }
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "localhost");
    SSL_set1_host(ssl, "localhost");
    while ((ret = SSL_connect(ssl)) != 1) {
        if (wait_for(ssl, fd, ret) != 0) {
            report_failure("handshake", ssl, ret);
            goto out;
        }
    }
    printf("handshake: ok\n");
    report_session(ssl);
    snprintf(line, sizeof line, "%s\n", send_text);
    while ((ret = SSL_write(ssl, line, (int)strlen(line))) <= 0) {
        if (wait_for(ssl, fd, ret) != 0) {
            report_failure("write", ssl, ret);
            goto out;
        }
    }
    for (;;) {
        ret = SSL_read(ssl, reply, sizeof reply - 1);
        if (ret > 0) {
            reply[ret] = 0;
            reply[strcspn(reply, "\n")] = 0;
            printf("reply: %s\n", reply);
            break;
        }
        if (wait_for(ssl, fd, ret) != 0) {
            report_failure("read", ssl, ret);
            goto out;
        }
    }
    /* Send close_notify; the second half of a bidirectional shutdown is not awaited. */
    while ((ret = SSL_shutdown(ssl)) < 0)
        if (wait_for(ssl, fd, ret) != 0)
            break;
    status = 0;
out:
    SSL_free(ssl);
    close(fd);
    SSL_CTX_free(ctx);
    return status;
}
