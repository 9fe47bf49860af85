/* A TLS server written against OpenSSL's API only, the counterpart of client.c in the
 * differential source-compatibility test.
 *
 * usage: server CERTCHAIN KEY [-min 1.2|1.3] [-max 1.2|1.3] [-ciphersuites LIST]
 *               [-groups LIST] [-verify CAFILE]
 * Listens on 127.0.0.1 at a free port, prints "listening: PORT" (the one line the test does not
 * compare), accepts one connection, prints the negotiated parameters or the failure's error
 * classes, then echoes one line back as "echo: LINE". With -verify the client must present a
 * certificate issued under CAFILE. Exit status 0 on success, 1 on a TLS failure. */
#include "common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static int listen_loopback(void)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 1) != 0
        || getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        close(fd);
        return -1;
    }
    printf("listening: %d\n", ntohs(addr.sin_port));
    fflush(stdout);
    return fd;
}

int main(int argc, char **argv)
{
    SSL_CTX *ctx;
    SSL *ssl;
    int i, listener, fd, ret, status = 1;
    char line[512];

    if (argc < 3) {
        fprintf(stderr, "usage: server CERTCHAIN KEY [options]\n");
        return 2;
    }
    SSL_library_init();
    SSL_load_error_strings();
    ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, argv[1]) != 1
        || SSL_CTX_use_PrivateKey_file(ctx, argv[2], SSL_FILETYPE_PEM) != 1
        || SSL_CTX_check_private_key(ctx) != 1) {
        printf("setup: failed\n");
        report_errors();
        return 1;
    }
    for (i = 3; i < argc; i++) {
        const char *opt = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;
        if (arg == NULL) {
            fprintf(stderr, "%s needs an argument\n", opt);
            return 2;
        }
        i++;
        if (strcmp(opt, "-min") == 0)
            SSL_CTX_set_min_proto_version(ctx, parse_version(arg));
        else if (strcmp(opt, "-max") == 0)
            SSL_CTX_set_max_proto_version(ctx, parse_version(arg));
        else if (strcmp(opt, "-ciphersuites") == 0)
            SSL_CTX_set_ciphersuites(ctx, arg);
        else if (strcmp(opt, "-groups") == 0)
            SSL_CTX_set1_groups_list(ctx, arg);
        else if (strcmp(opt, "-verify") == 0) {
            SSL_CTX_load_verify_locations(ctx, arg, NULL);
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
        } else {
            fprintf(stderr, "unknown option %s\n", opt);
            return 2;
        }
    }

    listener = listen_loopback();
    if (listener < 0) {
        perror("listen");
        return 1;
    }
    fd = accept(listener, NULL, NULL);
    close(listener);
    if (fd < 0) {
        perror("accept");
        return 1;
    }
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    ret = SSL_accept(ssl);
    if (ret != 1) {
        report_failure("handshake", ssl, ret);
    } else {
        printf("handshake: ok\n");
        report_session(ssl);
        ret = SSL_read(ssl, line, (int)sizeof line - 1);
        if (ret > 0) {
            char reply[600];
            int len;
            line[ret] = '\0';
            line[strcspn(line, "\r\n")] = '\0';
            len = snprintf(reply, sizeof reply, "echo: %s\n", line);
            printf("%s", reply);
            if (SSL_write(ssl, reply, len) == len)
                status = 0;
            else
                report_failure("write", ssl, -1);
        } else {
            report_failure("read", ssl, ret);
        }
        SSL_shutdown(ssl);
    }
    fflush(stdout);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    return status;
}
