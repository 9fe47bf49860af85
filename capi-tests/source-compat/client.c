/* A TLS client written against OpenSSL's API only. The differential source-compatibility test
 * compiles it unchanged against OpenSSL and against libtls (pkg-config libtls-openssl) and
 * compares what the two builds print against the same peers.
 *
 * usage: client PORT CAFILE [-name HOST] [-min 1.2|1.3] [-max 1.2|1.3] [-ciphersuites LIST]
 *               [-groups LIST] [-noverify] [-send TEXT]
 * Connects to 127.0.0.1:PORT, verifies the server as HOST (default localhost), prints the
 * negotiated parameters or the failure's error classes, sends TEXT plus a newline and prints
 * the reply's first line. Exit status 0 on success, 1 on a TLS failure, 2 on a usage error. */
#include "common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static int connect_loopback(const char *port)
{
    struct sockaddr_in addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)atoi(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    const char *name = "localhost", *send_text = NULL;
    SSL_CTX *ctx;
    SSL *ssl;
    int i, fd, ret, status = 1;
    char reply[512];

    if (argc < 3) {
        fprintf(stderr, "usage: client PORT CAFILE [options]\n");
        return 2;
    }
    OPENSSL_init_ssl(0, NULL);
    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL || SSL_CTX_load_verify_locations(ctx, argv[2], NULL) != 1) {
        printf("setup: failed\n");
        report_errors();
        return 1;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    for (i = 3; i < argc; i++) {
        const char *opt = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(opt, "-noverify") == 0) {
            SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
            continue;
        }
        if (arg == NULL) {
            fprintf(stderr, "%s needs an argument\n", opt);
            return 2;
        }
        i++;
        ret = 1;
        if (strcmp(opt, "-name") == 0)
            name = arg;
        else if (strcmp(opt, "-send") == 0)
            send_text = arg;
        else if (strcmp(opt, "-min") == 0)
            SSL_CTX_set_min_proto_version(ctx, parse_version(arg));
        else if (strcmp(opt, "-max") == 0)
            SSL_CTX_set_max_proto_version(ctx, parse_version(arg));
        else if (strcmp(opt, "-ciphersuites") == 0)
            ret = SSL_CTX_set_ciphersuites(ctx, arg);
        else if (strcmp(opt, "-groups") == 0)
            ret = SSL_CTX_set1_groups_list(ctx, arg);
        else {
            fprintf(stderr, "unknown option %s\n", opt);
            return 2;
        }
        if (ret != 1) {
            printf("setup: %s %s failed\n", opt, arg);
            report_errors();
            return 1;
        }
    }

    fd = connect_loopback(argv[1]);
    if (fd < 0) {
        perror("connect");
        return 1;
    }
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, name);
    SSL_set1_host(ssl, name);
    ret = SSL_connect(ssl);
    if (ret != 1) {
        report_failure("handshake", ssl, ret);
    } else {
        printf("handshake: ok\n");
        report_session(ssl);
        status = 0;
        if (send_text != NULL) {
            char line[512];
            int len = snprintf(line, sizeof line, "%s\n", send_text);
            ret = SSL_write(ssl, line, len);
            if (ret != len) {
                report_failure("write", ssl, ret);
                status = 1;
            } else {
                ret = SSL_read(ssl, reply, (int)sizeof reply - 1);
                if (ret <= 0) {
                    report_failure("read", ssl, ret);
                    status = 1;
                } else {
                    reply[ret] = '\0';
                    reply[strcspn(reply, "\r\n")] = '\0';
                    printf("reply: %s\n", reply);
                }
            }
        }
        SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    return status;
}
