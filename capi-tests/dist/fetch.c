/* A small libtls client, built by test_dist.py with nothing but `pkg-config --cflags --libs
 * libtls` (installed copy) and run against a local tlsserver.
 * usage: fetch PORT CAFILE -> prints "fetch: VERSION CIPHER reply=TEXT", exit 0 on success. */
#include <libtls.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int tls_roundtrip(int port, const char *ca_file, char *reply, int reply_size, SSL **out);

int tls_roundtrip(int port, const char *ca_file, char *reply, int reply_size, SSL **out)
{
    struct sockaddr_in addr;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl;
    int n, fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (ctx == NULL || fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0)
        return -1;
    SSL_CTX_load_verify_locations(ctx, ca_file, NULL);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "localhost");
    SSL_set1_host(ssl, "localhost");
    if (SSL_connect(ssl) != 1 || SSL_write(ssl, "ping\n", 5) != 5
        || (n = SSL_read(ssl, reply, reply_size - 1)) <= 0) {
        ERR_print_errors_fp(stderr);
        return -1;
    }
    reply[n] = '\0';
    reply[strcspn(reply, "\r\n")] = '\0';
    *out = ssl;
    SSL_CTX_free(ctx);
    return fd;
}

#ifndef NO_MAIN
int main(int argc, char **argv)
{
    char reply[256];
    SSL *ssl = NULL;
    int fd;
    if (argc != 3)
        return 2;
    fd = tls_roundtrip(atoi(argv[1]), argv[2], reply, (int)sizeof reply, &ssl);
    if (fd < 0)
        return 1;
    printf("fetch: %s %s reply=%s\n", SSL_get_version(ssl), SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)), reply);
    SSL_shutdown(ssl);
    SSL_free(ssl);
    close(fd);
    return 0;
}
#endif
