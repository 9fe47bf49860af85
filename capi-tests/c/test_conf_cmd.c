/* What stunnel (issue 19) relies on beyond test_apps_misc.c: the SSL_CONF API (its `config`
 * option), SSL_CTX_get_ciphers and SSL_CIPHER_description, the security level, application
 * data on SSL_SESSION objects, CA name lists from files and directories, EVP_set_pw_prompt,
 * SSL_get_server_tmp_key.
 * Includes <openssl/ssl.h> in both builds: against libtls that is libtls's compat header
 * directory, against OpenSSL the system's (make test-openssl).
 *
 *   test_conf_cmd            run every test
 *   test_conf_cmd NAME...    run only these
 *   test_conf_cmd --list     print the test names
 * Run from the repository root (certificates are read from pki/). */
#define _POSIX_C_SOURCE 200809L
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/pem.h>
#define TEST_OPENSSL_HEADERS_ONLY
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* stunnel's way: a server context configured entirely by file-style commands, with
 * SSL_CONF_FLAG_CERTIFICATE so that Certificate and PrivateKey load; each command's value is
 * used (2), and the handshake shows the protocol and cipher they chose. */
static int test_conf_server_file_commands(void)
{
    int ok = 0;
    struct sock_pair sp = SOCK_PAIR_INIT;
    SSL_CONF_CTX *cctx = SSL_CONF_CTX_new();
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cl = test_client_ctx(0);
    CHECK(cctx && sctx && cl);
    CHECK((SSL_CONF_CTX_set_flags(cctx, SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_SERVER | SSL_CONF_FLAG_CERTIFICATE) &
           SSL_CONF_FLAG_FILE) != 0);
    SSL_CONF_CTX_set_ssl_ctx(cctx, sctx);
    CHECK(SSL_CONF_cmd(cctx, "Certificate", PKI "server-ecdsa-p256.chain.pem") == 2);
    CHECK(SSL_CONF_cmd(cctx, "PrivateKey", PKI "server-ecdsa-p256.key") == 2);
    CHECK(SSL_CONF_cmd(cctx, "MaxProtocol", "TLSv1.2") == 2);
    CHECK(SSL_CONF_cmd(cctx, "minprotocol", "TLSv1.2") == 2); /* file names: any case */
    CHECK(SSL_CONF_cmd(cctx, "CipherString", "ECDHE-ECDSA-AES256-GCM-SHA384") == 2);
    CHECK(SSL_CONF_cmd(cctx, "Groups", "P-384") == 2);
    CHECK(SSL_CONF_cmd(cctx, "Options", "ServerPreference,-SessionTicket") == 2);
    CHECK(SSL_CONF_CTX_finish(cctx) == 1);
    CHECK(SSL_CTX_get_max_proto_version(sctx) == TLS1_2_VERSION);
    CHECK(SSL_CTX_get_min_proto_version(sctx) == TLS1_2_VERSION);
    CHECK((SSL_CTX_get_options(sctx) & SSL_OP_CIPHER_SERVER_PREFERENCE) != 0);
    CHECK((SSL_CTX_get_options(sctx) & SSL_OP_NO_TICKET) != 0);
    CHECK(SSL_CONF_cmd(cctx, "Options", "SessionTicket") == 2);
    CHECK((SSL_CTX_get_options(sctx) & SSL_OP_NO_TICKET) == 0);
    CHECK(sock_pair_connect(&sp, cl, sctx));
    CHECK(SSL_version(sp.client) == TLS1_2_VERSION);
    CHECK(strcmp(SSL_get_cipher_name(sp.client), "ECDHE-ECDSA-AES256-GCM-SHA384") == 0);
    ok = 1;
out:
    sock_pair_close(&sp);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cl);
    SSL_CONF_CTX_free(cctx);
    return ok;
}

/* OpenSSL's return values: 2 value used, 1 no value taken, -2 unknown (or wrong syntax or
 * role), -3 missing value, 0 bad value; command-line names only with SSL_CONF_FLAG_CMDLINE. */
static int test_conf_return_values(void)
{
    int ok = 0;
    SSL_CONF_CTX *cctx = SSL_CONF_CTX_new();
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    CHECK(cctx && ctx);
    SSL_CONF_CTX_set_ssl_ctx(cctx, ctx);
    SSL_CONF_CTX_set_flags(cctx, SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_CLIENT);
    CHECK(SSL_CONF_cmd(cctx, "NoSuchCommand", "x") == -2);
    CHECK(SSL_CONF_cmd(cctx, "-no_ticket", NULL) == -2); /* no CMDLINE flag */
    CHECK(SSL_CONF_cmd(cctx, "MinProtocol", NULL) == -3);
    CHECK(SSL_CONF_cmd(cctx, "MinProtocol", "TLSv9") == 0);
    ERR_clear_error();
    SSL_CONF_CTX_set_flags(cctx, SSL_CONF_FLAG_SHOW_ERRORS); /* now the reason is queued */
    CHECK(SSL_CONF_cmd(cctx, "MinProtocol", "TLSv9") == 0);
    CHECK(ERR_GET_REASON(ERR_peek_error()) == SSL_R_BAD_VALUE);
    ERR_clear_error();
    CHECK(SSL_CONF_cmd(cctx, "NoSuchCommand", "x") == -2);
    CHECK(ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNKNOWN_CMD_NAME);
    ERR_clear_error();
    SSL_CONF_CTX_clear_flags(cctx, SSL_CONF_FLAG_SHOW_ERRORS);
    CHECK(SSL_CONF_cmd(cctx, "Options", "NoSuchOption") == 0);
    ERR_clear_error();
    CHECK(SSL_CONF_cmd(cctx, "Options", "ServerPreference") == 0); /* a server option, client ctx */
    ERR_clear_error();
    CHECK(SSL_CONF_cmd(cctx, "CipherString", "NO-SUCH-CIPHER") == 0);
    ERR_clear_error();
    CHECK(SSL_CONF_cmd(cctx, "Ciphersuites", "TLS_AES_256_GCM_SHA384") == 2);
    CHECK(SSL_CONF_cmd(cctx, "Protocol", "-TLSv1.3") == 2);
    CHECK((SSL_CTX_get_options(ctx) & SSL_OP_NO_TLSv1_3) != 0);
    CHECK(SSL_CONF_cmd(cctx, "Protocol", "TLSv1.3") == 2);
    CHECK((SSL_CTX_get_options(ctx) & SSL_OP_NO_TLSv1_3) == 0);
    CHECK(SSL_CONF_cmd(cctx, "SignatureAlgorithms", "ECDSA+SHA256:RSA-PSS+SHA256") == 2);
    SSL_CONF_CTX_set_flags(cctx, SSL_CONF_FLAG_CMDLINE);
    CHECK(SSL_CONF_cmd(cctx, "-no_ticket", NULL) == 1);
    CHECK((SSL_CTX_get_options(ctx) & SSL_OP_NO_TICKET) != 0);
    CHECK(SSL_CONF_cmd(cctx, "-serverpref", NULL) == -2); /* a server switch, client ctx */
    CHECK(SSL_CONF_cmd(cctx, "-max_protocol", "TLSv1.2") == 2);
    CHECK(SSL_CTX_get_max_proto_version(ctx) == TLS1_2_VERSION);
    CHECK(SSL_CONF_cmd(cctx, "MaxProtocol", "TLSv1.3") == -2); /* CMDLINE: a "-" first */
    CHECK(SSL_CONF_cmd_value_type(cctx, "-min_protocol") == SSL_CONF_TYPE_STRING);
    CHECK(SSL_CONF_cmd_value_type(cctx, "-no_ticket") == SSL_CONF_TYPE_NONE);
    CHECK(SSL_CONF_cmd_value_type(cctx, "NoSuchCommand") == SSL_CONF_TYPE_UNKNOWN);
    ok = 1;
out:
    SSL_CTX_free(ctx);
    SSL_CONF_CTX_free(cctx);
    return ok;
}

/* stunnel lists the context's ciphers with SSL_CTX_get_ciphers and SSL_CIPHER_description. */
static int test_ctx_ciphers(void)
{
    int ok = 0, i, seen_tls13 = 0, seen_tls12 = 0;
    char buf[128], *alloc = NULL;
    STACK_OF(SSL_CIPHER) *sk;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    CHECK(ctx);
    CHECK(SSL_CTX_set_ciphersuites(ctx, "TLS_AES_256_GCM_SHA384") == 1);
    CHECK(SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256") == 1);
    sk = SSL_CTX_get_ciphers(ctx);
    CHECK(sk != NULL);
    CHECK(sk_SSL_CIPHER_num(sk) == 2);
    CHECK(SSL_CTX_get_ciphers(ctx) == sk); /* stable while the list is unchanged */
    for (i = 0; i < (int)sk_SSL_CIPHER_num(sk); i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);
        const char *name = SSL_CIPHER_get_name(c);
        CHECK(SSL_CIPHER_description(c, buf, sizeof buf) == buf);
        CHECK(strncmp(buf, name, strlen(name)) == 0);
        CHECK(strstr(buf, "Enc=AESGCM(") != NULL);
        CHECK(strstr(buf, "Mac=AEAD") != NULL);
        CHECK(buf[strlen(buf) - 1] == '\n');
        if (strcmp(name, "TLS_AES_256_GCM_SHA384") == 0) {
            seen_tls13 = 1;
            CHECK(strstr(buf, "TLSv1.3") != NULL);
        }
        if (strcmp(name, "ECDHE-ECDSA-AES128-GCM-SHA256") == 0) {
            seen_tls12 = 1;
            CHECK(strstr(buf, "Kx=ECDH") != NULL && strstr(buf, "Au=ECDSA") != NULL);
        }
    }
    CHECK(seen_tls13 && seen_tls12);
    CHECK(SSL_CIPHER_description(sk_SSL_CIPHER_value(sk, 0), buf, 64) == NULL); /* under 128 */
    alloc = SSL_CIPHER_description(sk_SSL_CIPHER_value(sk, 0), NULL, 0);
    CHECK(alloc != NULL && strstr(alloc, "Mac=AEAD") != NULL);
    ok = 1;
out:
    OPENSSL_free(alloc);
    SSL_CTX_free(ctx);
    return ok;
}

static int test_security_level(void)
{
    int ok = 0;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    CHECK(ctx);
    CHECK(SSL_CTX_get_security_level(ctx) >= 0);
    SSL_CTX_set_security_level(ctx, 0);
    CHECK(SSL_CTX_get_security_level(ctx) == 0);
    SSL_CTX_set_security_level(ctx, 3);
    CHECK(SSL_CTX_get_security_level(ctx) == 3);
    ok = 1;
out:
    SSL_CTX_free(ctx);
    return ok;
}

static int freed_count;
static void *freed_ptr;

static void session_ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent;
    (void)ad;
    (void)idx;
    (void)argp;
    if (argl == 42 && ptr != NULL) {
        freed_count++;
        freed_ptr = ptr;
    }
}

/* stunnel hangs its own data on sessions; the free callback sees it when the session goes. */
static int test_session_ex_data(void)
{
    int ok = 0, idx;
    struct sock_pair sp = SOCK_PAIR_INIT;
    static int marker;
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cl = test_client_ctx(0);
    SSL_SESSION *sess = NULL;
    CHECK(sctx && cl);
    CHECK(SSL_CTX_use_certificate_chain_file(sctx, PKI "server-ecdsa-p256.chain.pem") == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(sctx, PKI "server-ecdsa-p256.key", SSL_FILETYPE_PEM) == 1);
    CHECK(SSL_CTX_set_max_proto_version(cl, TLS1_2_VERSION) == 1);
    idx = SSL_SESSION_get_ex_new_index(42, NULL, NULL, NULL, session_ex_free);
    CHECK(idx >= 0);
    CHECK(sock_pair_connect(&sp, cl, sctx));
    sess = SSL_get1_session(sp.client);
    CHECK(sess != NULL);
    CHECK(SSL_SESSION_get_ex_data(sess, idx) == NULL);
    CHECK(SSL_SESSION_set_ex_data(sess, idx, &marker) == 1);
    CHECK(SSL_SESSION_get_ex_data(sess, idx) == &marker);
    freed_count = 0;
    SSL_free(sp.client);
    sp.client = NULL;
    SSL_SESSION_free(sess);
    sess = NULL;
    CHECK(freed_count == 1 && freed_ptr == &marker);
    ok = 1;
out:
    SSL_SESSION_free(sess);
    sock_pair_close(&sp);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cl);
    return ok;
}

static int copy_file(const char *from, const char *to)
{
    char buf[4096];
    size_t n;
    int ok = 1;
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (!in || !out)
        ok = 0;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        ok = 0;
    return ok;
}

/* stunnel builds its CertificateRequest CA list from CAfile and CApath this way. */
static int test_cert_subjects(void)
{
    int ok = 0;
    char dir[] = "/tmp/libtls-conf-XXXXXX", a[64], b[64], k[64];
    STACK_OF(X509_NAME) *sk = sk_X509_NAME_new_null(), *sk2 = sk_X509_NAME_new_null();
    int made = mkdtemp(dir) != NULL;
    a[0] = b[0] = k[0] = '\0';
    CHECK(sk && sk2 && made);
    CHECK(SSL_add_file_cert_subjects_to_stack(sk, PKI "root-ca.pem") == 1);
    CHECK(sk_X509_NAME_num(sk) == 1);
    CHECK(SSL_add_file_cert_subjects_to_stack(sk, PKI "root-ca.pem") == 1); /* no duplicate */
    CHECK(sk_X509_NAME_num(sk) == 1);
    CHECK(SSL_add_file_cert_subjects_to_stack(sk, PKI "intermediate-ca.pem") == 1);
    CHECK(sk_X509_NAME_num(sk) == 2);
    CHECK(SSL_add_file_cert_subjects_to_stack(sk, PKI "no-such-file.pem") == 0);
    ERR_clear_error();
    CHECK(sk_X509_NAME_num(sk) == 2);
    snprintf(a, sizeof a, "%s/a.pem", dir);
    snprintf(b, sizeof b, "%s/b.pem", dir);
    snprintf(k, sizeof k, "%s/c.pem", dir);
    CHECK(copy_file(PKI "root-ca.pem", a) && copy_file(PKI "intermediate-ca.pem", b));
    CHECK(copy_file(PKI "root-ca.pem", k)); /* the same subject twice */
    CHECK(SSL_add_dir_cert_subjects_to_stack(sk2, dir) == 1);
    CHECK(sk_X509_NAME_num(sk2) == 2);
    CHECK(X509_NAME_cmp(sk_X509_NAME_value(sk2, 0), sk_X509_NAME_value(sk, 0)) == 0 ||
          X509_NAME_cmp(sk_X509_NAME_value(sk2, 0), sk_X509_NAME_value(sk, 1)) == 0);
    ok = 1;
out:
    if (a[0])
        unlink(a);
    if (b[0])
        unlink(b);
    if (k[0])
        unlink(k);
    if (made)
        rmdir(dir);
    sk_X509_NAME_pop_free(sk, X509_NAME_free);
    sk_X509_NAME_pop_free(sk2, X509_NAME_free);
    return ok;
}

static int test_pw_prompt(void)
{
    int ok = 0;
    EVP_set_pw_prompt("stunnel pass phrase: ");
    CHECK(EVP_get_pw_prompt() != NULL);
    CHECK(strcmp(EVP_get_pw_prompt(), "stunnel pass phrase: ") == 0);
    EVP_set_pw_prompt(NULL);
    CHECK(EVP_get_pw_prompt() == NULL);
    ok = 1;
out:
    return ok;
}

/* stunnel logs the server's ephemeral key: its type and size, for each group and version. */
static int tmp_key_case(const char *groups, int version, int want_id, int want_bits)
{
    int ok = 0;
    struct sock_pair sp = SOCK_PAIR_INIT;
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cl = test_client_ctx(0);
    EVP_PKEY *key = NULL;
    if (!sctx || !cl || SSL_CTX_use_certificate_chain_file(sctx, PKI "server-ecdsa-p256.chain.pem") != 1 ||
        SSL_CTX_use_PrivateKey_file(sctx, PKI "server-ecdsa-p256.key", SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_set1_groups_list(cl, groups) != 1 || SSL_CTX_set_max_proto_version(cl, version) != 1) {
        snprintf(failure, sizeof failure, "setup for %s failed", groups);
        goto out;
    }
    {
        SSL *c = SSL_new(cl);
        int before = c != NULL && SSL_get_server_tmp_key(c, &key) == 0;
        SSL_free(c);
        CHECK(before); /* nothing before the handshake */
    }
    CHECK(sock_pair_connect(&sp, cl, sctx));
    CHECK(SSL_version(sp.client) == version);
    CHECK(SSL_get_server_tmp_key(sp.client, &key) == 1);
    CHECK(key != NULL);
    CHECK(EVP_PKEY_id(key) == want_id);
    CHECK(EVP_PKEY_bits(key) == want_bits);
    ok = 1;
out:
    EVP_PKEY_free(key);
    sock_pair_close(&sp);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cl);
    return ok;
}

static int test_server_tmp_key(void)
{
    return tmp_key_case("P-256", TLS1_3_VERSION, EVP_PKEY_EC, 256) &&
           tmp_key_case("P-384:P-256", TLS1_2_VERSION, EVP_PKEY_EC, 384) &&
           tmp_key_case("X25519", TLS1_3_VERSION, EVP_PKEY_X25519, 253);
}

static const struct test_case tests[] = {
    {"conf_server_file_commands", test_conf_server_file_commands},
    {"conf_return_values", test_conf_return_values},
    {"ctx_ciphers", test_ctx_ciphers},
    {"security_level", test_security_level},
    {"session_ex_data", test_session_ex_data},
    {"cert_subjects", test_cert_subjects},
    {"pw_prompt", test_pw_prompt},
    {"server_tmp_key", test_server_tmp_key},
};

int main(int argc, char **argv)
{
    return run_test_cases("test_conf_cmd", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}
