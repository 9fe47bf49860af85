/* What real OpenSSL programs (redis, hiredis, curl, nginx, socat, stunnel, mosquitto; issue 19)
 * rely on beyond the basics: read-ahead off by default (a record at a time from a socket, so an
 * event loop still sees the rest), the OpenSSL 1.0 spellings and macros they still use, the
 * SSL_ctrl / SSL_CTX_ctrl commands OpenSSL's macros expand to, and the small libssl calls they
 * make. Includes <openssl/ssl.h> in both builds: against libtls that is libtls's compat header
 * directory (-Iinclude/libtls), against OpenSSL the system's (make test-openssl).
 *
 *   test_apps            run every test
 *   test_apps NAME...    run only these
 *   test_apps --list     print the test names
 * Run from the repository root (certificates are read from pki/). */
#define _POSIX_C_SOURCE 200809L
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/pem.h>
#define TEST_OPENSSL_HEADERS_ONLY
#include "common.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- read-ahead ----------------------------------------------------------------------------- */

static int readable(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* A TLS 1.3 client over a socketpair finishes its handshake and at once writes its first
 * application record, so that the server's socket holds the client's Finished and that record
 * together when the server reads (as one TCP segment would). After SSL_accept returns, the
 * record must still be in the kernel unless read-ahead is on: an event loop that polls the
 * socket before calling SSL_read (redis) would otherwise never see it. With read-ahead on it
 * has been read into the SSL, and SSL_has_pending says so. */
static int accept_leaves_next_record(int read_ahead)
{
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", TLS1_3_VERSION), *cctx = test_client_ctx(TLS1_3_VERSION);
    struct sock_pair sp = SOCK_PAIR_INIT;
    int c = 0, s = 0, rounds, ok = 0;
    char buf[64];

    CHECK(sctx && cctx);
    /* No tickets: nothing but the handshake and the test's record crosses the socket. */
    SSL_CTX_set_num_tickets(sctx, 0);
    CHECK(SSL_CTX_get_read_ahead(sctx) == 0);
    if (read_ahead) {
        SSL_CTX_set_read_ahead(sctx, 1);
        CHECK(SSL_CTX_get_read_ahead(sctx) == 1);
    }
    sp.client = SSL_new(cctx);
    sp.server = SSL_new(sctx);
    CHECK(sp.client && sp.server);
    CHECK(SSL_get_read_ahead(sp.server) == read_ahead);
    CHECK(sock_pair_open(&sp, sp.client, sp.server, 1));
    SSL_set_tlsext_host_name(sp.client, "localhost");
    for (rounds = 0; rounds < 50 && c != 1; rounds++) {
        CHECK((c = step(sp.client)) >= 0);
        if (c == 1)
            break;
        CHECK((s = step(sp.server)) >= 0);
    }
    CHECK(c == 1);
    /* The client's Finished is in the server's socket; the first record follows it. */
    CHECK(SSL_write(sp.client, "first record", 12) == 12);
    CHECK(SSL_accept(sp.server) == 1);
    if (!read_ahead) {
        CHECK(SSL_pending(sp.server) == 0);
        CHECK(readable(sp.fds[1]));
        CHECK(recv(sp.fds[1], buf, sizeof buf, MSG_PEEK) > 0);
        CHECK(SSL_has_pending(sp.server) == 0);
    } else {
        /* Read, and maybe already decrypted (SSL_pending then counts it: libtls opens every
         * complete record it holds, OpenSSL only when asked to read). */
        CHECK(!readable(sp.fds[1]));
        CHECK(SSL_has_pending(sp.server) == 1);
    }
    CHECK(SSL_read(sp.server, buf, sizeof buf) == 12 && memcmp(buf, "first record", 12) == 0);
    CHECK(!readable(sp.fds[1]));
    /* Two records in the socket: read-ahead off reads one, and the next stays in the kernel. */
    CHECK(SSL_write(sp.client, "one", 3) == 3 && SSL_write(sp.client, "two", 3) == 3);
    if (!read_ahead) {
        CHECK(SSL_read(sp.server, buf, sizeof buf) == 3 && memcmp(buf, "one", 3) == 0);
        CHECK(readable(sp.fds[1]));
        CHECK(SSL_read(sp.server, buf, sizeof buf) == 3 && memcmp(buf, "two", 3) == 0);
    } else {
        /* Both records were read at once; SSL_read may return them together. */
        int n = SSL_read(sp.server, buf, sizeof buf);
        CHECK(!readable(sp.fds[1]));
        CHECK(n == 3 || n == 6);
        if (n == 3)
            CHECK(SSL_read(sp.server, buf + 3, sizeof buf - 3) == 3);
        CHECK(memcmp(buf, "onetwo", 6) == 0);
    }
    ok = 1;
out:
    sock_pair_close(&sp);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return ok;
}

static int test_read_ahead_off_by_default(void)
{
    return accept_leaves_next_record(0);
}

static int test_read_ahead_on(void)
{
    return accept_leaves_next_record(1);
}

/* SSL_set_read_ahead overrides the context's setting on one connection. */
static int test_read_ahead_per_ssl(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL *ssl = NULL;
    int ok = 0;
    CHECK(ctx);
    SSL_CTX_set_read_ahead(ctx, 1);
    ssl = SSL_new(ctx);
    CHECK(ssl && SSL_get_read_ahead(ssl) == 1);
    SSL_set_read_ahead(ssl, 0);
    CHECK(SSL_get_read_ahead(ssl) == 0);
    CHECK(SSL_CTX_get_read_ahead(ctx) == 1);
    ok = 1;
out:
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return ok;
}

/* ---- OpenSSL 1.0 spellings, SSL_ctrl commands, small calls ---------------------------------- */

/* SSLv23_*_method, the zero options, SSL_get_cipher*, SSL_get0_session and
 * SSL_CTX_set_post_handshake_auth, in a TLS 1.2 and a TLS 1.3 handshake. */
static int spellings(int version)
{
    SSL_CTX *sctx = SSL_CTX_new(SSLv23_server_method()), *cctx = SSL_CTX_new(SSLv23_client_method());
    SSL_CTX *any = SSL_CTX_new(SSLv23_method());
    struct sock_pair sp = SOCK_PAIR_INIT;
    int bits = 0, ok = 0;
    CHECK(sctx && cctx && any);
    CHECK(SSL_CTX_use_certificate_chain_file(sctx, PKI "server-ecdsa-p256.chain.pem") == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(sctx, PKI "server-ecdsa-p256.key", SSL_FILETYPE_PEM) == 1);
    CHECK(SSL_CTX_load_verify_locations(cctx, PKI "root-ca.pem", NULL) == 1);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    CHECK(SSL_OP_NO_SSLv2 == 0 && SSL_OP_SINGLE_DH_USE == 0 && SSL_OP_SINGLE_ECDH_USE == 0);
    SSL_CTX_set_options(sctx, SSL_OP_NO_SSLv2 | SSL_OP_SINGLE_DH_USE | SSL_OP_SINGLE_ECDH_USE);
    CHECK(SSL_CTX_set_max_proto_version(cctx, version) == 1);
    SSL_CTX_set_post_handshake_auth(cctx, 1);
    CHECK(sock_pair_connect(&sp, cctx, sctx));
    CHECK(SSL_version(sp.client) == version);
    CHECK(strcmp(SSL_get_cipher(sp.client), SSL_CIPHER_get_name(SSL_get_current_cipher(sp.client))) == 0);
    CHECK(strcmp(SSL_get_cipher_name(sp.server), SSL_get_cipher(sp.client)) == 0);
    CHECK(strcmp(SSL_get_cipher_version(sp.client), "TLSv1/SSLv3") == 0 ||
          strcmp(SSL_get_cipher_version(sp.client), version == TLS1_3_VERSION ? "TLSv1.3" : "TLSv1.2") == 0);
    CHECK(SSL_get_cipher_bits(sp.client, &bits) >= 128 && bits >= 128);
    CHECK(SSL_get0_session(sp.client) == SSL_get_session(sp.client) && SSL_get0_session(sp.client) != NULL);
    ok = 1;
out:
    sock_pair_close(&sp);
    SSL_CTX_free(any);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return ok;
}

static int test_openssl10_spellings_tls12(void)
{
    return spellings(TLS1_2_VERSION);
}

static int test_openssl10_spellings_tls13(void)
{
    return spellings(TLS1_3_VERSION);
}

/* SSL_CTX_ctrl and SSL_ctrl with the commands OpenSSL's macros expand to. */
static int test_ctrl_commands(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL *ssl = NULL;
    int ok = 0;
    CHECK(ctx);
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_MODE, SSL_MODE_RELEASE_BUFFERS, NULL) & SSL_MODE_RELEASE_BUFFERS);
    CHECK(SSL_CTX_get_mode(ctx) & SSL_MODE_RELEASE_BUFFERS);
    CHECK(!(SSL_CTX_ctrl(ctx, SSL_CTRL_CLEAR_MODE, SSL_MODE_RELEASE_BUFFERS, NULL) & SSL_MODE_RELEASE_BUFFERS));
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_SET_READ_AHEAD, 1, NULL) == 0);
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_GET_READ_AHEAD, 0, NULL) == 1);
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, NULL) == 1);
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_GET_MIN_PROTO_VERSION, 0, NULL) == TLS1_2_VERSION);
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MAX_PROTO_VERSION, TLS1_3_VERSION, NULL) == 1);
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_GET_MAX_PROTO_VERSION, 0, NULL) == TLS1_3_VERSION);
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_SET_SESS_CACHE_SIZE, 77, NULL) >= 0);
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_GET_SESS_CACHE_SIZE, 0, NULL) == 77);
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_SET_GROUPS_LIST, 0, (void *)"X25519:P-256") == 1);
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_SET_CURVES_LIST, 0, (void *)"no-such-group") == 0);
    ERR_clear_error();
    CHECK(SSL_CTX_ctrl(ctx, SSL_CTRL_SET_SIGALGS_LIST, 0, (void *)"ECDSA+SHA256:RSA-PSS+SHA256") == 1);
    /* No finite-field DH in libtls: accepted, as OpenSSL accepts it. */
    CHECK(SSL_CTX_set_dh_auto(ctx, 1) == 1);
    CHECK(SSL_CTX_set_ecdh_auto(ctx, 1) == 1);
    ssl = SSL_new(ctx);
    CHECK(ssl);
    CHECK(SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, (void *)"example.com") == 1);
    CHECK(SSL_ctrl(ssl, SSL_CTRL_MODE, SSL_MODE_ENABLE_PARTIAL_WRITE, NULL) & SSL_MODE_ENABLE_PARTIAL_WRITE);
    CHECK(SSL_ctrl(ssl, SSL_CTRL_GET_READ_AHEAD, 0, NULL) == 1);
    CHECK(SSL_ctrl(ssl, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_3_VERSION, NULL) == 1);
    CHECK(SSL_ctrl(ssl, SSL_CTRL_GET_MIN_PROTO_VERSION, 0, NULL) == TLS1_3_VERSION);
    CHECK(SSL_set_dh_auto(ssl, 1) == 1);
    /* The feature macros programs test before using ALPN and SNI. */
    CHECK(TLSEXT_TYPE_application_layer_protocol_negotiation == 16 && TLSEXT_TYPE_server_name == 0);
    ok = 1;
out:
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return ok;
}

/* A leaf loaded alone plus its intermediate through SSL_CTX_add_extra_chain_cert (nginx,
 * curl): the client, trusting only the root, verifies the chain the server sends. */
static int test_extra_chain_cert(void)
{
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cctx = test_client_ctx(TLS1_3_VERSION);
    struct sock_pair sp = SOCK_PAIR_INIT;
    int ok = 0;
    FILE *f = NULL;
    X509 *intermediate = NULL;
    CHECK(sctx && cctx);
    CHECK(SSL_CTX_use_certificate_file(sctx, PKI "server-ecdsa-p256.pem", SSL_FILETYPE_PEM) == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(sctx, PKI "server-ecdsa-p256.key", SSL_FILETYPE_PEM) == 1);
    CHECK((f = fopen(PKI "intermediate-ca.pem", "r")) != NULL);
    CHECK((intermediate = PEM_read_X509(f, NULL, NULL, NULL)) != NULL);
    CHECK(SSL_CTX_add_extra_chain_cert(sctx, intermediate) == 1);
    intermediate = NULL; /* the context owns it now */
    CHECK(sock_pair_connect(&sp, cctx, sctx));
    CHECK(SSL_get_verify_result(sp.client) == X509_V_OK);
    ok = 1;
out:
    if (f)
        fclose(f);
    X509_free(intermediate);
    sock_pair_close(&sp);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return ok;
}

/* Without the intermediate the same client fails: the test above is not vacuous. The chain
 * is loaded and then dropped with SSL_CTX_clear_chain_certs (curl). */
static int test_extra_chain_cert_needed(void)
{
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cctx = test_client_ctx(TLS1_3_VERSION);
    struct sock_pair sp = SOCK_PAIR_INIT;
    int ok = 0;
    CHECK(sctx && cctx);
    CHECK(SSL_CTX_use_certificate_chain_file(sctx, PKI "server-ecdsa-p256.chain.pem") == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(sctx, PKI "server-ecdsa-p256.key", SSL_FILETYPE_PEM) == 1);
    CHECK(SSL_CTX_clear_chain_certs(sctx) == 1);
    CHECK(!sock_pair_connect(&sp, cctx, sctx));
    CHECK(SSL_get_verify_result(sp.client) != X509_V_OK);
    ERR_clear_error();
    ok = 1;
out:
    sock_pair_close(&sp);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return ok;
}

static int passwd_calls;

static int passwd_cb(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    passwd_calls++;
    return 0;
}

/* SSL_CTX_set_default_passwd_cb and its userdata are kept and reported back; an unencrypted
 * key is loaded without calling the callback (as in OpenSSL). */
static int test_default_passwd_cb(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    pem_password_cb *cb = passwd_cb;
    static char userdata[] = "userdata";
    int ok = 0;
    CHECK(ctx);
    CHECK(SSL_CTX_get_default_passwd_cb(ctx) == NULL);
    SSL_CTX_set_default_passwd_cb(ctx, cb);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, userdata);
    CHECK(SSL_CTX_get_default_passwd_cb(ctx) == passwd_cb);
    CHECK(SSL_CTX_get_default_passwd_cb_userdata(ctx) == userdata);
    passwd_calls = 0;
    CHECK(SSL_CTX_use_certificate_chain_file(ctx, PKI "server-ecdsa-p256.chain.pem") == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(ctx, PKI "server-ecdsa-p256.key", SSL_FILETYPE_PEM) == 1);
    CHECK(passwd_calls == 0);
    ok = 1;
out:
    SSL_CTX_free(ctx);
    return ok;
}

/* SSL_use_certificate / SSL_use_PrivateKey give one connection its own certificate (nginx's
 * certificates chosen per connection), and SSL_set_cipher_list its own TLS 1.2 suites. */
static int test_per_connection_cert_and_ciphers(void)
{
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cctx = test_client_ctx(TLS1_2_VERSION);
    struct sock_pair sp = SOCK_PAIR_INIT;
    int ok = 0;
    FILE *f = NULL;
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    CHECK(sctx && cctx);
    CHECK((f = fopen(PKI "server-ecdsa-p256.pem", "r")) != NULL);
    CHECK((cert = PEM_read_X509(f, NULL, NULL, NULL)) != NULL);
    fclose(f);
    CHECK((f = fopen(PKI "server-ecdsa-p256.key", "r")) != NULL);
    CHECK((key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) != NULL);
    fclose(f);
    f = NULL;
    /* The context has no certificate; the chain's intermediate comes from the client's store. */
    CHECK(SSL_CTX_load_verify_locations(cctx, PKI "intermediate-ca.pem", NULL) == 1);
    sp.client = SSL_new(cctx);
    sp.server = SSL_new(sctx);
    CHECK(sp.client && sp.server);
    CHECK(SSL_use_certificate(sp.server, cert) == 1);
    CHECK(SSL_use_PrivateKey(sp.server, key) == 1);
    /* A list that selects no TLS 1.2 suite fails (OpenSSL then leaves an empty list behind,
     * libtls the previous one: set a good one afterwards). */
    CHECK(SSL_set_cipher_list(sp.client, "NO-SUCH-CIPHER") == 0);
    ERR_clear_error();
    CHECK(SSL_set_cipher_list(sp.client, "ECDHE-ECDSA-CHACHA20-POLY1305") == 1);
    CHECK(sock_pair_open(&sp, sp.client, sp.server, 1));
    CHECK(sock_pair_handshake(&sp));
    CHECK(SSL_get_verify_result(sp.client) == X509_V_OK);
    CHECK(strcmp(SSL_get_cipher(sp.client), "ECDHE-ECDSA-CHACHA20-POLY1305") == 0);
    ok = 1;
out:
    if (f)
        fclose(f);
    X509_free(cert);
    EVP_PKEY_free(key);
    sock_pair_close(&sp);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return ok;
}

/* ---- encrypted private keys and SSL_get_certificate / SSL_get_privatekey --------------------- */

/* The encrypted keys are made at test time (capi-tests/test_apps_compat.py runs `openssl pkey
 * -aes256` and `openssl rsa -aes256 -traditional`, password "sesame") in LIBTLS_TEST_KEY_DIR. */
static const char *key_path(const char *name, char *path, size_t size)
{
    const char *dir = getenv("LIBTLS_TEST_KEY_DIR");
    if (!dir)
        return NULL;
    snprintf(path, size, "%s/%s", dir, name);
    return path;
}

static int pw_calls;
static void *pw_userdata;

/* Gives the userdata as the password, as an application's callback would; "" cancels. */
static int password_cb(char *buf, int size, int rwflag, void *u)
{
    const char *pw = u;
    int n = (int)strlen(pw);
    (void)rwflag;
    pw_calls++;
    pw_userdata = u;
    if (n > size)
        return 0;
    memcpy(buf, pw, (size_t)n);
    return n;
}

/* The last error is OpenSSL's for an unreadable PEM key: SSL routines, ERR_R_PEM_LIB, after
 * libcrypto's own reason (bad decrypt, bad password read). */
static int pem_lib_error(void)
{
    unsigned long last = ERR_peek_last_error(), first = ERR_peek_error();
    int ok = ERR_GET_LIB(last) == ERR_LIB_SSL && ERR_GET_REASON(last) == ERR_R_PEM_LIB && first != last;
    if (!ok)
        fprintf(stderr, "errors: first %lx last %lx\n", first, last);
    ERR_clear_error();
    return ok;
}

/* SSL_CTX_use_PrivateKey_file calls the password callback for an encrypted PKCS#8 key and for
 * a traditional one (Proc-Type: 4,ENCRYPTED), once, with the userdata; the key then matches its
 * certificate and signs a handshake. */
static int test_encrypted_key_ctx(void)
{
    static char pw[] = "sesame";
    const char *certs[2] = {PKI "server-ecdsa-p256.chain.pem", PKI "server-rsa2048.chain.pem"};
    const char *keys[2] = {"ecdsa-p256.pkcs8-aes256.key", "rsa2048.traditional-aes256.key"};
    SSL_CTX *sctx = NULL, *cctx = test_client_ctx(TLS1_3_VERSION);
    struct sock_pair sp = SOCK_PAIR_INIT;
    int i, ok = 0;
    char path[512];
    CHECK(cctx);
    for (i = 0; i < 2; i++) {
        SSL_CTX_free(sctx);
        CHECK((sctx = SSL_CTX_new(TLS_server_method())) != NULL);
        SSL_CTX_set_default_passwd_cb(sctx, password_cb);
        SSL_CTX_set_default_passwd_cb_userdata(sctx, pw);
        CHECK(SSL_CTX_use_certificate_chain_file(sctx, certs[i]) == 1);
        pw_calls = 0;
        pw_userdata = NULL;
        CHECK(key_path(keys[i], path, sizeof path));
        CHECK(SSL_CTX_use_PrivateKey_file(sctx, path, SSL_FILETYPE_PEM) == 1);
        CHECK(pw_calls == 1 && pw_userdata == pw);
        CHECK(SSL_CTX_check_private_key(sctx) == 1);
    }
    /* The decrypted (RSA) key signs. */
    sp.client = SSL_new(cctx);
    sp.server = SSL_new(sctx);
    CHECK(sp.client && sp.server);
    CHECK(sock_pair_open(&sp, sp.client, sp.server, 1));
    CHECK(sock_pair_handshake(&sp));
    CHECK(SSL_get_verify_result(sp.client) == X509_V_OK);
    ok = 1;
out:
    sock_pair_close(&sp);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return ok;
}

/* A wrong password, and a callback that gives none, fail with OpenSSL's errors; no key is
 * installed. */
static int test_encrypted_key_wrong_password(void)
{
    static char wrong[] = "wrong", none[] = "";
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    char path[512];
    int ok = 0;
    CHECK(ctx);
    CHECK(key_path("ecdsa-p256.pkcs8-aes256.key", path, sizeof path));
    CHECK(SSL_CTX_use_certificate_chain_file(ctx, PKI "server-ecdsa-p256.chain.pem") == 1);
    SSL_CTX_set_default_passwd_cb(ctx, password_cb);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, wrong);
    ERR_clear_error();
    CHECK(SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM) == 0);
    CHECK(pem_lib_error());
    SSL_CTX_set_default_passwd_cb_userdata(ctx, none);
    CHECK(SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM) == 0);
    CHECK(pem_lib_error());
    CHECK(key_path("rsa2048.traditional-aes256.key", path, sizeof path));
    SSL_CTX_set_default_passwd_cb_userdata(ctx, wrong);
    CHECK(SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM) == 0);
    CHECK(pem_lib_error());
    /* No key was installed. */
    CHECK(SSL_CTX_check_private_key(ctx) == 0);
    ERR_clear_error();
    ok = 1;
out:
    SSL_CTX_free(ctx);
    return ok;
}

/* SSL_use_PrivateKey_file decrypts with the connection's callback: the context's, copied by
 * SSL_new, or its own (SSL_set_default_passwd_cb*). */
static int test_encrypted_key_ssl(void)
{
    static char pw[] = "sesame", wrong[] = "wrong";
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL *ssl = NULL, *other = NULL;
    char path[512];
    int ok = 0;
    CHECK(ctx);
    CHECK(key_path("ecdsa-p256.pkcs8-aes256.key", path, sizeof path));
    SSL_CTX_set_default_passwd_cb(ctx, password_cb);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, pw);
    CHECK((ssl = SSL_new(ctx)) != NULL && (other = SSL_new(ctx)) != NULL);
    CHECK(SSL_get_default_passwd_cb(ssl) == password_cb);
    CHECK(SSL_get_default_passwd_cb_userdata(ssl) == pw);
    CHECK(SSL_use_certificate_file(ssl, PKI "server-ecdsa-p256.pem", SSL_FILETYPE_PEM) == 1);
    pw_calls = 0;
    CHECK(SSL_use_PrivateKey_file(ssl, path, SSL_FILETYPE_PEM) == 1);
    CHECK(pw_calls == 1);
    CHECK(SSL_get_certificate(ssl) && SSL_get_privatekey(ssl));
    CHECK(X509_check_private_key(SSL_get_certificate(ssl), SSL_get_privatekey(ssl)) == 1);
    /* The other connection's own userdata: the wrong password. */
    SSL_set_default_passwd_cb_userdata(other, wrong);
    CHECK(SSL_get_default_passwd_cb_userdata(other) == wrong);
    CHECK(SSL_get_default_passwd_cb_userdata(ssl) == pw);
    ERR_clear_error();
    CHECK(SSL_use_PrivateKey_file(other, path, SSL_FILETYPE_PEM) == 0);
    CHECK(pem_lib_error());
    ok = 1;
out:
    SSL_free(ssl);
    SSL_free(other);
    SSL_CTX_free(ctx);
    return ok;
}

/* SSL_get_certificate / SSL_get_privatekey: the pair the connection would send (curl checks
 * its client key through them), not the caller's to free, the same objects on each call, the
 * connection's own pair once it has one. */
static int test_get_certificate_privatekey(void)
{
    SSL_CTX *empty = SSL_CTX_new(TLS_server_method()), *ctx = test_server_ctx("server-ecdsa-p256", TLS1_3_VERSION);
    SSL *bare = NULL, *ssl = NULL;
    X509 *x, *leaf = NULL, *rsa = NULL;
    EVP_PKEY *k, *pub, *rsa_key = NULL;
    FILE *f = NULL;
    int ok = 0;
    CHECK(empty && ctx);
    CHECK((bare = SSL_new(empty)) != NULL);
    CHECK(SSL_get_certificate(bare) == NULL && SSL_get_privatekey(bare) == NULL);
    CHECK((ssl = SSL_new(ctx)) != NULL);
    CHECK((f = fopen(PKI "server-ecdsa-p256.pem", "r")) != NULL);
    CHECK((leaf = PEM_read_X509(f, NULL, NULL, NULL)) != NULL);
    fclose(f);
    CHECK((f = fopen(PKI "server-rsa2048.pem", "r")) != NULL);
    CHECK((rsa = PEM_read_X509(f, NULL, NULL, NULL)) != NULL);
    fclose(f);
    CHECK((f = fopen(PKI "server-rsa2048.key", "r")) != NULL);
    CHECK((rsa_key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) != NULL);
    fclose(f);
    f = NULL;
    CHECK((x = SSL_get_certificate(ssl)) != NULL && X509_cmp(x, leaf) == 0);
    CHECK((k = SSL_get_privatekey(ssl)) != NULL && X509_check_private_key(x, k) == 1);
    CHECK(SSL_get_certificate(ssl) == x && SSL_get_privatekey(ssl) == k);
    /* curl's use (ossl_set_client_cert). */
    CHECK((pub = X509_get_pubkey(x)) != NULL);
    EVP_PKEY_copy_parameters(pub, k);
    EVP_PKEY_free(pub);
    CHECK(EVP_PKEY_id(k) == EVP_PKEY_EC);
    /* The connection's own pair. */
    CHECK(SSL_use_certificate(ssl, rsa) == 1 && SSL_use_PrivateKey(ssl, rsa_key) == 1);
    CHECK((x = SSL_get_certificate(ssl)) != NULL && X509_cmp(x, rsa) == 0);
    CHECK((k = SSL_get_privatekey(ssl)) != NULL && EVP_PKEY_id(k) == EVP_PKEY_RSA);
    CHECK(X509_check_private_key(x, k) == 1);
    ok = 1;
out:
    if (f)
        fclose(f);
    X509_free(leaf);
    X509_free(rsa);
    EVP_PKEY_free(rsa_key);
    SSL_free(bare);
    SSL_free(ssl);
    SSL_CTX_free(empty);
    SSL_CTX_free(ctx);
    return ok;
}

/* ---- the context's X509_STORE: a hashed directory, CRLs ----------------------------------- */

/* Handshakes a client from cctx with a server from server_ctx(TLS 1.3); returns the client's
 * verify result, or -1 when the handshake did not finish. */
static long verify_result_with(SSL_CTX *cctx)
{
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", TLS1_3_VERSION);
    struct sock_pair sp = SOCK_PAIR_INIT;
    long result = -1;
    if (!sctx)
        goto done;
    if (sock_pair_connect(&sp, cctx, sctx))
        result = SSL_get_verify_result(sp.client);
    else if (sp.failed == 'c')
        result = -2 - SSL_get_verify_result(sp.client); /* failed: -2 - the verify error */
done:
    sock_pair_close(&sp);
    SSL_CTX_free(sctx);
    ERR_clear_error();
    return result;
}

static SSL_CTX *store_client_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx)
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return ctx;
}

/* The store filled after the handshake began (curl fills it once its ClientHello is out, from
 * its read callback): the peer's chain is verified against what the store holds then. */
static int test_store_filled_after_start(void)
{
    SSL_CTX *cctx = store_client_ctx(), *sctx = test_server_ctx("server-ecdsa-p256", TLS1_3_VERSION);
    struct sock_pair sp = SOCK_PAIR_INIT;
    int ok = 0;
    CHECK(cctx && sctx);
    CHECK(sock_pair_open(&sp, SSL_new(cctx), SSL_new(sctx), 1));
    SSL_set_tlsext_host_name(sp.client, "localhost");
    CHECK(step(sp.client) == 0); /* the ClientHello is out */
    CHECK(X509_STORE_load_locations(SSL_CTX_get_cert_store(cctx), PKI "root-ca.pem", NULL) == 1);
    CHECK(sock_pair_handshake(&sp));
    CHECK(SSL_get_verify_result(sp.client) == X509_V_OK);
    ok = 1;
out:
    if (!ok)
        fprintf(stderr, "verify result %ld\n", sp.client ? SSL_get_verify_result(sp.client) : -1L);
    sock_pair_close(&sp);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return ok;
}

/* X509_STORE_load_locations with a hashed directory (curl's --capath): its CA is trusted;
 * one without the root is not. */
static int test_store_hash_dir(void)
{
    SSL_CTX *good = store_client_ctx(), *other = store_client_ctx();
    char dir[512], other_dir[512];
    long r = 0;
    int ok = 0;
    CHECK(good && other);
    CHECK(key_path("capath-root", dir, sizeof dir) && key_path("capath-other", other_dir, sizeof other_dir));
    CHECK(X509_STORE_load_locations(SSL_CTX_get_cert_store(good), NULL, dir) == 1);
    CHECK(X509_STORE_load_locations(SSL_CTX_get_cert_store(other), NULL, other_dir) == 1);
    CHECK((r = verify_result_with(good)) == X509_V_OK);
    r = verify_result_with(other);
    CHECK(r == -2 - X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    ok = 1;
out:
    if (!ok)
        fprintf(stderr, "verify result %ld\n", r);
    SSL_CTX_free(good);
    SSL_CTX_free(other);
    return ok;
}

/* CRLs in the store (curl's --crlfile: X509_load_crl_file, X509_V_FLAG_CRL_CHECK_ALL): a
 * revoked server certificate fails with X509_V_ERR_CERT_REVOKED, an unlisted one passes, and
 * with checking on but no CRL, verification fails (X509_V_ERR_UNABLE_TO_GET_CRL). */
static int test_store_crl(void)
{
    const char *files[2] = {"crls-clean.pem", "crls-revoked.pem"};
    const long expected[2] = {X509_V_OK, -2 - X509_V_ERR_CERT_REVOKED};
    SSL_CTX *ctx = NULL;
    X509_LOOKUP *lookup;
    char path[512];
    long r = 0;
    int i, ok = 0;
    for (i = 0; i < 3; i++) {
        SSL_CTX_free(ctx);
        CHECK((ctx = store_client_ctx()) != NULL);
        CHECK(SSL_CTX_load_verify_locations(ctx, PKI "root-ca.pem", NULL) == 1);
        if (i < 2) {
            CHECK(key_path(files[i], path, sizeof path));
            CHECK((lookup = X509_STORE_add_lookup(SSL_CTX_get_cert_store(ctx), X509_LOOKUP_file())) != NULL);
            CHECK(X509_load_crl_file(lookup, path, X509_FILETYPE_PEM) == 2);
        }
        CHECK(X509_STORE_set_flags(SSL_CTX_get_cert_store(ctx), X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL) == 1);
        r = verify_result_with(ctx);
        CHECK(r == (i < 2 ? expected[i] : -2 - X509_V_ERR_UNABLE_TO_GET_CRL));
    }
    ok = 1;
out:
    if (!ok)
        fprintf(stderr, "case %d: verify result %ld\n", i, r);
    SSL_CTX_free(ctx);
    return ok;
}

static const struct test_case tests[] = {
    {"read_ahead_off_by_default", test_read_ahead_off_by_default},
    {"read_ahead_on", test_read_ahead_on},
    {"read_ahead_per_ssl", test_read_ahead_per_ssl},
    {"openssl10_spellings_tls12", test_openssl10_spellings_tls12},
    {"openssl10_spellings_tls13", test_openssl10_spellings_tls13},
    {"ctrl_commands", test_ctrl_commands},
    {"extra_chain_cert", test_extra_chain_cert},
    {"extra_chain_cert_needed", test_extra_chain_cert_needed},
    {"default_passwd_cb", test_default_passwd_cb},
    {"per_connection_cert_and_ciphers", test_per_connection_cert_and_ciphers},
    {"encrypted_key_ctx", test_encrypted_key_ctx},
    {"encrypted_key_wrong_password", test_encrypted_key_wrong_password},
    {"encrypted_key_ssl", test_encrypted_key_ssl},
    {"get_certificate_privatekey", test_get_certificate_privatekey},
    {"store_hash_dir", test_store_hash_dir},
    {"store_crl", test_store_crl},
    {"store_filled_after_start", test_store_filled_after_start},
};

int main(int argc, char **argv)
{
    return run_test_cases("test_apps", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}
