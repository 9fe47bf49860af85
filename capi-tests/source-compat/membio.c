/* Client and server in one process over memory BIOs, written against OpenSSL's API only: no
 * sockets; the program moves bytes between the two ends itself, as event-loop libraries and
 * language bindings do. The differential test compares what the OpenSSL and libtls builds print.
 *
 * usage: membio CHAIN KEY CAFILE [-name HOST] [-max 1.2|1.3] [-ciphersuites LIST]
 *               [-server-ciphersuites LIST]
 * Prints the client's view of the session (or each side's failure classes), the echoed data,
 * and the shutdown results. Exit status 0 on success, 1 on a TLS failure. */
#include "common.h"

static void move(BIO *from, BIO *to)
{
    char buf[4096];
    int n;
    while ((n = BIO_read(from, buf, sizeof buf)) > 0)
        BIO_write(to, buf, n);
}

int main(int argc, char **argv)
{
    const char *name = "localhost";
    SSL_CTX *cctx, *sctx;
    SSL *c, *s;
    BIO *c_in, *c_out, *s_in, *s_out;
    int i, rounds, c_ret = 0, s_ret = 0, s_err = SSL_ERROR_NONE, n;
    char buf[64];

    if (argc < 4) {
        fprintf(stderr, "usage: membio CHAIN KEY CAFILE [options]\n");
        return 2;
    }
    sctx = SSL_CTX_new(TLS_server_method());
    cctx = SSL_CTX_new(TLS_client_method());
    if (SSL_CTX_use_certificate_chain_file(sctx, argv[1]) != 1 ||
        SSL_CTX_use_PrivateKey_file(sctx, argv[2], SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_load_verify_locations(cctx, argv[3], NULL) != 1) {
        printf("setup: failed\n");
        report_errors();
        return 1;
    }
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    /* Classic groups only, so both builds negotiate the same one (libtls prefers the
     * post-quantum hybrid X25519MLKEM768 by default, which OpenSSL 3.0 lacks). */
    SSL_CTX_set1_groups_list(cctx, "X25519:P-256:P-384");
    for (i = 4; i + 1 < argc; i += 2) {
        const char *opt = argv[i], *arg = argv[i + 1];
        int ok = 1;
        if (strcmp(opt, "-name") == 0)
            name = arg;
        else if (strcmp(opt, "-max") == 0)
            ok = SSL_CTX_set_max_proto_version(cctx, parse_version(arg));
        else if (strcmp(opt, "-ciphersuites") == 0)
            ok = SSL_CTX_set_ciphersuites(cctx, arg);
        else if (strcmp(opt, "-server-ciphersuites") == 0)
            ok = SSL_CTX_set_ciphersuites(sctx, arg);
        else {
            fprintf(stderr, "unknown option %s\n", opt);
            return 2;
        }
        if (ok != 1) {
            printf("setup: %s %s failed\n", opt, arg);
            report_errors();
            return 1;
        }
    }
    c = SSL_new(cctx);
    s = SSL_new(sctx);
    c_in = BIO_new(BIO_s_mem());
    c_out = BIO_new(BIO_s_mem());
    s_in = BIO_new(BIO_s_mem());
    s_out = BIO_new(BIO_s_mem());
    SSL_set_bio(c, c_in, c_out);
    SSL_set_bio(s, s_in, s_out);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    SSL_set_tlsext_host_name(c, name);
    SSL_set1_host(c, name);
    for (rounds = 0; rounds < 10 && !(c_ret == 1 && s_ret == 1); rounds++) {
        if (c_ret != 1) {
            c_ret = SSL_do_handshake(c);
            if (c_ret != 1 && SSL_get_error(c, c_ret) != SSL_ERROR_WANT_READ)
                break;
        }
        move(c_out, s_in);
        if (s_ret != 1) {
            s_ret = SSL_do_handshake(s);
            s_err = SSL_get_error(s, s_ret);
            if (s_ret != 1 && s_err != SSL_ERROR_WANT_READ)
                break;
        }
        move(s_out, c_in);
    }
    if (c_ret != 1 || s_ret != 1) {
        /* Let whichever side failed first deliver its alert, then report both. */
        move(c_out, s_in);
        move(s_out, c_in);
        if (c_ret != 1)
            report_failure("client handshake", c, c_ret);
        else
            printf("client handshake: ok\n");
        if (s_ret != 1)
            printf("server handshake: failed ssl_error=%d\n", s_err);
        return 1;
    }
    printf("handshake: ok\n");
    report_session(c);
    SSL_write(c, "ping", 4);
    move(c_out, s_in);
    n = SSL_read(s, buf, sizeof buf);
    printf("server read: %.*s\n", n > 0 ? n : 0, buf);
    SSL_write(s, "pong", 4);
    move(s_out, c_in);
    n = SSL_read(c, buf, sizeof buf);
    printf("client read: %.*s\n", n > 0 ? n : 0, buf);
    printf("client shutdown: %d\n", SSL_shutdown(c));
    move(c_out, s_in);
    n = SSL_read(s, buf, sizeof buf);
    printf("server read after close: %d ssl_error=%d\n", n, SSL_get_error(s, n));
    printf("server shutdown: %d\n", SSL_shutdown(s));
    move(s_out, c_in);
    printf("client shutdown again: %d\n", SSL_shutdown(c));
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 0;
}
