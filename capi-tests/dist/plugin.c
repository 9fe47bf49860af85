/* A plugin built against OpenSSL's libssl (`-lssl -lcrypto`) and dlopen()ed by host.c, whose own
 * TLS comes from libtls. Its references carry OpenSSL's version (OPENSSL_3.0.0), so they must
 * bind to libssl even though libtls, already loaded in the global scope, exports the same names.
 * plugin_run prints which library answered and, when asked, does a handshake with OpenSSL. */
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/crypto.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int plugin_run(int port, const char *ca_file, int handshake);

int plugin_run(int port, const char *ca_file, int handshake)
{
    struct sockaddr_in addr;
    SSL_CTX *ctx;
    SSL *ssl;
    int fd, ok;

    /* "unknown" from OpenSSL 3.0; libtls would say "inappropriate fallback". */
    printf("plugin alert86: %s\n", SSL_alert_desc_string_long(86));
    printf("plugin library: %.7s\n", OpenSSL_version(OPENSSL_VERSION));
    fflush(stdout);
    if (!handshake)
        return 0;
    ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET); /* OpenSSL-only: would crash on a libtls SSL_CTX */
    SSL_CTX_load_verify_locations(ctx, ca_file, NULL);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0)
        return -1;
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "localhost");
    ok = SSL_connect(ssl) == 1;
    printf("plugin tls: %s %s\n", ok ? "ok" : "failed", ok ? SSL_get_version(ssl) : "");
    if (!ok)
        ERR_print_errors_fp(stdout);
    if (ok)
        SSL_shutdown(ssl);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    return ok ? 0 : -1;
}
