/* Trust locations, host-name policy, verified chains and certificate output through the C API.
 * Written against OpenSSL's names and semantics, so it runs unchanged against libtls and OpenSSL
 * (the few libtls extensions are compiled only for libtls).
 *
 *   test_verify               run every test, print "ok NAME" / "FAIL NAME: why", then a summary
 *   test_verify NAME...       run only these
 *   test_verify --list        print the test names
 * Run from the repository root (certificates are read from pki/). The environment supplies
 * TEST_CA_DIR (a directory made by `openssl rehash` holding pki/root-ca.pem) and SSL_CERT_FILE
 * (pki/root-ca.pem) with SSL_CERT_DIR (an empty directory). */
#include "common.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- one handshake over a socketpair, server in a thread ---------------------------------- */

struct outcome {
    int handshake_ret;
    unsigned long handshake_error; /* first error-queue entry after a failed handshake */
    long verify_result;
    int verified_len;              /* sk_X509_num(SSL_get0_verified_chain), -1 for NULL */
    char verified_top[256];        /* subject of the chain's last certificate */
};

static void record(SSL *ssl, struct outcome *out)
{
    STACK_OF(X509) *chain = SSL_get0_verified_chain(ssl);
    out->verify_result = SSL_get_verify_result(ssl);
    out->verified_len = chain ? (int)sk_X509_num(chain) : -1;
    if (chain && sk_X509_num(chain) > 0)
        X509_NAME_oneline(X509_get_subject_name(sk_X509_value(chain, sk_X509_num(chain) - 1)),
                          out->verified_top, sizeof out->verified_top);
}

static int serve_one(SSL *ssl, void *arg)
{
    struct outcome *out = arg;
    ERR_clear_error();
    out->handshake_ret = SSL_accept(ssl);
    record(ssl, out);
    if (out->handshake_ret != 1)
        out->handshake_error = ERR_peek_error();
    else
        SSL_shutdown(ssl);
    return out->handshake_ret == 1;
}

/* A handshake of the client `ssl` (set up by the caller) with a TLS 1.3 server presenting
 * pki/NAME.chain.pem, over the socketpair runner; the client is shut down but not freed. */
static int handshake_against(SSL *ssl, const char *server_cert, struct outcome *client,
                             struct outcome *server)
{
    struct sock_pair sp = SOCK_PAIR_INIT;
    struct sock_server thread;
    SSL_CTX *sctx;
    int ran;

    memset(client, 0, sizeof *client);
    memset(server, 0, sizeof *server);
    sctx = test_server_ctx(server_cert, TLS1_3_VERSION);
    if (!sctx)
        return 0;
    ran = sock_pair_open(&sp, ssl, SSL_new(sctx), 0) && sock_pair_serve(&sp, &thread, serve_one, server);
    if (ran) {
        ERR_clear_error();
        client->handshake_ret = SSL_connect(ssl);
        record(ssl, client);
        if (client->handshake_ret != 1)
            client->handshake_error = ERR_peek_error();
        else
            SSL_shutdown(ssl);
        ERR_clear_error();
        sock_pair_join(&sp, &thread);
    }
    sp.client = NULL; /* the caller's */
    sock_pair_close(&sp);
    SSL_CTX_free(sctx);
    return ran;
}

/* A handshake between a client of `cctx`, set up by `prepare` (names to verify), and a TLS 1.3
 * server presenting pki/NAME.chain.pem. */
static int run_pair(SSL_CTX *cctx, const char *server_cert, void (*prepare)(SSL *),
                    struct outcome *client, struct outcome *server)
{
    SSL *ssl = SSL_new(cctx);
    int ran;
    if (!ssl)
        return 0;
    if (prepare)
        prepare(ssl);
    else
        SSL_set1_host(ssl, "localhost");
    ran = handshake_against(ssl, server_cert, client, server);
    SSL_free(ssl);
    return ran;
}

static SSL_CTX *verifying_client(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx)
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return ctx;
}

/* A client trusting pki/root-ca.pem connects to `server_cert`; the outcome is in c and s. */
static int connect_to(const char *server_cert, void (*prepare)(SSL *), struct outcome *c,
                      struct outcome *s)
{
    SSL_CTX *ctx = verifying_client();
    int ran;
    REQUIRE(ctx != NULL);
    REQUIRE(SSL_CTX_load_verify_file(ctx, PKI "root-ca.pem") == 1);
    ran = run_pair(ctx, server_cert, prepare, c, s);
    SSL_CTX_free(ctx);
    REQUIRE(ran);
    return 1;
}

static int describe(const char *what, const struct outcome *c, const struct outcome *s)
{
    char cerr[160], serr[160];
    ERR_error_string_n(c->handshake_error, cerr, sizeof cerr);
    ERR_error_string_n(s->handshake_error, serr, sizeof serr);
    snprintf(failure, sizeof failure, "%s: client hs=%d verify=%ld err=%s | server hs=%d err=%s",
             what, c->handshake_ret, c->verify_result, cerr, s->handshake_ret, serr);
    return 0;
}

/* The handshake failed with `code` on the client and the server got the alert `reason`. */
static int rejected_with(const char *server_cert, void (*prepare)(SSL *), long code, int reason)
{
    struct outcome c, s;
    if (!connect_to(server_cert, prepare, &c, &s))
        return 0;
    if (c.handshake_ret == 1 || c.verify_result != code ||
        (reason && ERR_GET_REASON(s.handshake_error) != reason))
        return describe(server_cert, &c, &s);
    return 1;
}

static int accepted(const char *server_cert, void (*prepare)(SSL *))
{
    struct outcome c, s;
    if (!connect_to(server_cert, prepare, &c, &s))
        return 0;
    if (c.handshake_ret != 1 || c.verify_result != X509_V_OK)
        return describe(server_cert, &c, &s);
    return 1;
}

/* ---- rejected certificates ------------------------------------------------------------------ */

static int test_wrong_eku(void)
{
    return rejected_with("wrong-eku-localhost", NULL, X509_V_ERR_INVALID_PURPOSE,
                         SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE);
}

static int test_self_signed_leaf(void)
{
    return rejected_with("selfsigned-localhost", NULL, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
                         SSL_R_TLSV1_ALERT_UNKNOWN_CA);
}

/* ---- trust locations ----------------------------------------------------------------------- */

static int test_verified_chain(void)
{
    struct outcome c, s;
    if (!connect_to("server-ecdsa-p256", NULL, &c, &s))
        return 0;
    if (c.handshake_ret != 1)
        return describe("verified chain", &c, &s);
    /* leaf, intermediate, root: the anchor is part of the verified chain. */
    REQUIRE(c.verified_len == 3);
    REQUIRE(strcmp(c.verified_top, "/CN=libtls Test Root CA") == 0);
    /* The server did not ask for a client certificate. */
    REQUIRE(s.verified_len == -1 || s.verified_len == 0);
    return 1;
}

static int handshake_with_trust(SSL_CTX *ctx)
{
    struct outcome c, s;
    int ran;
    REQUIRE(ctx != NULL);
    ran = run_pair(ctx, "server-ecdsa-p256", NULL, &c, &s);
    SSL_CTX_free(ctx);
    REQUIRE(ran);
    if (c.handshake_ret != 1 || c.verify_result != X509_V_OK)
        return describe("trust", &c, &s);
    return 1;
}

static int test_hashed_ca_dir(void)
{
    const char *dir = getenv("TEST_CA_DIR");
    SSL_CTX *ctx = verifying_client(), *other = verifying_client();
    REQUIRE(dir != NULL);
    REQUIRE(ctx && other);
    REQUIRE(SSL_CTX_load_verify_dir(ctx, dir) == 1);
    REQUIRE(SSL_CTX_load_verify_locations(other, NULL, dir) == 1);
    return handshake_with_trust(ctx) && handshake_with_trust(other);
}

static int test_empty_trust_fails(void)
{
    SSL_CTX *ctx = verifying_client();
    struct outcome c, s;
    int ran;
    REQUIRE(ctx != NULL);
    ran = run_pair(ctx, "server-ecdsa-p256", NULL, &c, &s);
    SSL_CTX_free(ctx);
    REQUIRE(ran);
    REQUIRE(c.handshake_ret != 1);
    /* (No check of SSL_get0_verified_chain here: OpenSSL returns the partial chain it built,
     * libtls NULL.) */
    REQUIRE(c.verify_result == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    return 1;
}

static int test_default_paths_from_env(void)
{
    SSL_CTX *ctx = verifying_client();
    REQUIRE(getenv("SSL_CERT_FILE") != NULL);
    REQUIRE(ctx != NULL);
    REQUIRE(SSL_CTX_set_default_verify_paths(ctx) == 1);
    return handshake_with_trust(ctx);
}

static int test_in_memory_anchor(void)
{
    SSL_CTX *ctx = verifying_client();
    FILE *f = fopen(PKI "root-ca.pem", "r");
    X509 *root;
    REQUIRE(f != NULL);
    root = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    REQUIRE(ctx && root);
#ifdef LIBTLS_TEST_OPENSSL
    REQUIRE(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), root) == 1);
#else
    REQUIRE(SSL_CTX_add_trust_anchor(ctx, root) == 1);
    {
        static const char garbage[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        SSL_CTX *other = verifying_client();
        char pem[4096];
        size_t n;
        f = fopen(PKI "root-ca.pem", "r");
        REQUIRE(f != NULL);
        n = fread(pem, 1, sizeof pem, f);
        fclose(f);
        REQUIRE(other != NULL);
        REQUIRE(SSL_CTX_add_trust_anchor_pem(other, garbage, sizeof garbage - 1) == 0);
        ERR_clear_error();
        REQUIRE(SSL_CTX_add_trust_anchor_pem(other, pem, n) == 1);
        if (!handshake_with_trust(other))
            return 0;
    }
#endif
    X509_free(root);
    return handshake_with_trust(ctx);
}

/* ---- host names, flags and addresses -------------------------------------------------------- */

static void wildcard_name(SSL *ssl) { SSL_set1_host(ssl, "www.example.test"); }

static void wildcard_name_no_wildcards(SSL *ssl)
{
    SSL_set1_host(ssl, "www.example.test");
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_WILDCARDS);
}

static void exact_name_no_wildcards(SSL *ssl)
{
    SSL_set1_host(ssl, "exact.example.test");
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_WILDCARDS | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
}

static void second_name_matches(SSL *ssl)
{
    SSL_set1_host(ssl, "nothing.test");
    SSL_add1_host(ssl, "exact.example.test");
}

static void no_name_matches(SSL *ssl)
{
    SSL_set1_host(ssl, "nothing.test");
    SSL_add1_host(ssl, "other.example.org");
}

static int test_host_flags(void)
{
    return accepted("wildcard-example", wildcard_name) &&
           rejected_with("wildcard-example", wildcard_name_no_wildcards,
                         X509_V_ERR_HOSTNAME_MISMATCH, 0) &&
           accepted("wildcard-example", exact_name_no_wildcards);
}

static int test_add1_host(void)
{
    return accepted("wildcard-example", second_name_matches) &&
           rejected_with("wildcard-example", no_name_matches, X509_V_ERR_HOSTNAME_MISMATCH, 0);
}

static void ip_literal_host(SSL *ssl) { SSL_set1_host(ssl, "127.0.0.1"); }
static void ipv6_literal_host(SSL *ssl) { SSL_set1_host(ssl, "::1"); }
static void wrong_ip_literal_host(SSL *ssl) { SSL_set1_host(ssl, "10.9.8.7"); }

static void name_and_ip(SSL *ssl)
{
    SSL_set1_host(ssl, "localhost");
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), "127.0.0.1");
}

static void name_and_wrong_ip(SSL *ssl)
{
    SSL_set1_host(ssl, "localhost");
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), "192.0.2.1");
}

static int test_ip_addresses(void)
{
    return accepted("server-ecdsa-p256", ip_literal_host) &&
           accepted("server-ecdsa-p256", ipv6_literal_host) &&
           accepted("server-ecdsa-p256", name_and_ip) &&
           rejected_with("server-ecdsa-p256", wrong_ip_literal_host,
                         X509_V_ERR_IP_ADDRESS_MISMATCH, 0) &&
           rejected_with("server-ecdsa-p256", name_and_wrong_ip, X509_V_ERR_IP_ADDRESS_MISMATCH,
                         0);
}

/* A name that is neither a DNS name nor an address ("host:port") matches no certificate, so a
 * caller that ignores the return value still gets a failing name check, never none. OpenSSL
 * keeps such a name (and returns 1); libtls keeps it too but returns 0. */
static void refused_name_after_a_good_one(SSL *ssl)
{
    SSL_set1_host(ssl, "localhost");
    (void)SSL_set1_host(ssl, "localhost:443");
}

static void refused_name_alone(SSL *ssl) { (void)SSL_set1_host(ssl, "localhost:443"); }

static void refused_added_name_alone(SSL *ssl) { (void)SSL_add1_host(ssl, "local host"); }

static void refused_param_name_after_a_good_one(SSL *ssl)
{
    SSL_set1_host(ssl, "localhost");
    (void)X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), "localhost:443", 0);
}

static void refused_added_param_name_alone(SSL *ssl)
{
    (void)X509_VERIFY_PARAM_add1_host(SSL_get0_param(ssl), "localhost:443", 0);
}

static void refused_name_beside_a_good_one(SSL *ssl)
{
    /* Any one name suffices: the good one still matches. */
    SSL_set1_host(ssl, "localhost");
    (void)SSL_add1_host(ssl, "localhost:443");
}

static int test_unusable_host_names_fail_closed(void)
{
    SSL_CTX *ctx = verifying_client();
    X509_VERIFY_PARAM *param;
    SSL *ssl;
    REQUIRE(ctx != NULL);
    ssl = SSL_new(ctx);
    REQUIRE(ssl != NULL);
    param = SSL_get0_param(ssl);
    /* An embedded NUL is refused by both libraries; a final one is allowed. */
    REQUIRE(X509_VERIFY_PARAM_set1_host(param, "local\0host", 10) == 0);
    ERR_clear_error();
    REQUIRE(X509_VERIFY_PARAM_set1_host(param, "localhost", 10) == 1);
#ifndef LIBTLS_TEST_OPENSSL
    REQUIRE(SSL_set1_host(ssl, "localhost:443") == 0);
    REQUIRE(SSL_add1_host(ssl, "local host") == 0);
    REQUIRE(X509_VERIFY_PARAM_set1_host(param, "localhost:443", 0) == 0);
    REQUIRE(X509_VERIFY_PARAM_add1_host(param, "localhost:443", 0) == 0);
    REQUIRE(ERR_peek_error() != 0);
    ERR_clear_error();
#endif
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return rejected_with("server-ecdsa-p256", refused_name_after_a_good_one,
                         X509_V_ERR_HOSTNAME_MISMATCH, 0) &&
           rejected_with("server-ecdsa-p256", refused_name_alone, X509_V_ERR_HOSTNAME_MISMATCH, 0) &&
           rejected_with("server-ecdsa-p256", refused_added_name_alone,
                         X509_V_ERR_HOSTNAME_MISMATCH, 0) &&
           rejected_with("server-ecdsa-p256", refused_param_name_after_a_good_one,
                         X509_V_ERR_HOSTNAME_MISMATCH, 0) &&
           rejected_with("server-ecdsa-p256", refused_added_param_name_alone,
                         X509_V_ERR_HOSTNAME_MISMATCH, 0) &&
           accepted("server-ecdsa-p256", refused_name_beside_a_good_one);
}

static int test_verify_param_calls(void)
{
    SSL_CTX *ctx = verifying_client();
    SSL *ssl;
    X509_VERIFY_PARAM *param;
    REQUIRE(ctx != NULL);
    ssl = SSL_new(ctx);
    REQUIRE(ssl != NULL);
    param = SSL_get0_param(ssl);
    REQUIRE(param != NULL);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_WILDCARDS);
    REQUIRE(X509_VERIFY_PARAM_get_hostflags(param) == X509_CHECK_FLAG_NO_WILDCARDS);
    REQUIRE(X509_VERIFY_PARAM_set1_host(param, "example.test", 0) == 1);
    REQUIRE(X509_VERIFY_PARAM_add1_host(param, "example.orgXXX", 11) == 1);
    REQUIRE(X509_VERIFY_PARAM_set1_ip_asc(param, "not an address") == 0);
    ERR_clear_error();
    REQUIRE(X509_VERIFY_PARAM_set1_ip_asc(param, "2001:db8::1") == 1);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return 1;
}

/* ---- the verify callback sees the verified path ------------------------------------------- */

/* What the callback saw: "depth:subject:error:chain length" for each call, '|' separated. */
static char trace[2048];
static int chain_matches_depth = 1;

static void subject_of(X509 *x, char *buf, size_t size)
{
    buf[0] = '\0';
    if (x)
        X509_NAME_oneline(X509_get_subject_name(x), buf, (int)size);
}

static int tracing_callback(int ok, X509_STORE_CTX *store)
{
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(store);
    int depth = X509_STORE_CTX_get_error_depth(store);
    int n = chain ? (int)sk_X509_num(chain) : -1;
    char subject[256], at_depth[256], entry[400];
    subject_of(X509_STORE_CTX_get_current_cert(store), subject, sizeof subject);
    /* The chain holds the current certificate at the current depth, leaf at 0. */
    subject_of(depth < n ? sk_X509_value(chain, depth) : NULL, at_depth, sizeof at_depth);
    if (strcmp(subject, at_depth) != 0)
        chain_matches_depth = 0;
    {
        /* get1_chain is a copy of the same path. */
        STACK_OF(X509) *copy = X509_STORE_CTX_get1_chain(store);
        if (!copy || (int)sk_X509_num(copy) != n)
            chain_matches_depth = 0;
        if (copy)
            sk_X509_pop_free(copy, X509_free);
    }
    snprintf(entry, sizeof entry, "%s%d:%s:%d:%d", trace[0] ? "|" : "", depth, subject,
             X509_STORE_CTX_get_error(store), n);
    strncat(trace, entry, sizeof trace - strlen(trace) - 1);
    return ok;
}

/* The common pinning pattern: the CA at depth 1 must be the pinned one. */
static int pinning_callback(int ok, X509_STORE_CTX *store)
{
    char subject[256];
    ok = tracing_callback(ok, store);
    subject_of(X509_STORE_CTX_get_current_cert(store), subject, sizeof subject);
    if (X509_STORE_CTX_get_error_depth(store) == 1 &&
        strcmp(subject, "/CN=libtls Test Pinned Intermediate CA") != 0)
        return 0;
    return ok;
}

/* A client trusting pki/ROOTS with `callback` connects to `server_cert`. */
static int traced(const char *roots, SSL_verify_cb callback, const char *server_cert,
                  struct outcome *c)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    struct outcome s;
    char path[256];
    int ran;
    REQUIRE(ctx != NULL);
    snprintf(path, sizeof path, PKI "%s", roots);
    REQUIRE(SSL_CTX_load_verify_file(ctx, path) == 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, callback);
    trace[0] = '\0';
    chain_matches_depth = 1;
    ran = run_pair(ctx, server_cert, NULL, c, &s);
    SSL_CTX_free(ctx);
    REQUIRE(ran);
    REQUIRE(chain_matches_depth);
    return 1;
}

#define ROOT_CA "/CN=libtls Test Root CA"
#define INTERMEDIATE_CA "/CN=libtls Test Intermediate CA"

static int test_callback_sees_the_verified_path(void)
{
    struct outcome c;
    /* The peer sends leaf, pinned intermediate (public, not on the path), real intermediate:
     * the callback sees the path, anchor included, never the decoy. */
    if (!traced("root-ca.pem", tracing_callback, "decoy-localhost", &c))
        return 0;
    REQUIRE(c.handshake_ret == 1 && c.verify_result == X509_V_OK);
    REQUIRE(strcmp(trace, "2:" ROOT_CA ":0:3|1:" INTERMEDIATE_CA ":0:3|0:/CN=localhost:0:3") == 0);
    REQUIRE(c.verified_len == 3);
    REQUIRE(strcmp(c.verified_top, ROOT_CA) == 0);
    return 1;
}

static int test_pinned_decoy_is_rejected(void)
{
    struct outcome c;
    if (!traced("root-ca.pem", pinning_callback, "decoy-localhost", &c))
        return 0;
    REQUIRE(c.handshake_ret != 1);
    REQUIRE(c.verify_result == X509_V_ERR_UNSPECIFIED);
    REQUIRE(strcmp(trace, "2:" ROOT_CA ":0:3|1:" INTERMEDIATE_CA ":0:3") == 0);
    REQUIRE(c.verified_len == 3);
    return 1;
}

static int test_failed_path_is_partial(void)
{
    struct outcome c;
    /* Only the other root is trusted: the path ends at the intermediate, whose issuer is
     * missing, at depth 1; the decoy is not part of it. */
    if (!traced("untrusted-root-ca.pem", tracing_callback, "decoy-localhost", &c))
        return 0;
    REQUIRE(c.handshake_ret != 1);
    REQUIRE(c.verify_result == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    REQUIRE(strcmp(trace, "1:" INTERMEDIATE_CA ":20:2") == 0);
    REQUIRE(c.verified_len == 2);
    REQUIRE(strcmp(c.verified_top, INTERMEDIATE_CA) == 0);
    /* An expired leaf: the whole path, the failure at depth 0. */
    if (!traced("root-ca.pem", tracing_callback, "expired-localhost", &c))
        return 0;
    REQUIRE(c.handshake_ret != 1);
    REQUIRE(c.verify_result == X509_V_ERR_CERT_HAS_EXPIRED);
    REQUIRE(strcmp(trace, "2:" ROOT_CA ":0:3|1:" INTERMEDIATE_CA ":0:3|0:/CN=localhost:10:3") == 0);
    return 1;
}

/* ---- SSL_clear forgets the previous peer ---------------------------------------------------- */

static int issuer_is(X509 *x, const char *issuer)
{
    char text[256] = "";
    if (!x)
        return 0;
    X509_NAME_oneline(X509_get_issuer_name(x), text, sizeof text);
    return strcmp(text, issuer) == 0;
}

static int test_clear_forgets_the_previous_peer(void)
{
    SSL_CTX *ctx = verifying_client();
    STACK_OF(X509) *chain;
    struct outcome c, s;
    SSL *ssl;
    int i;
    REQUIRE(ctx != NULL);
    REQUIRE(SSL_CTX_load_verify_file(ctx, PKI "root-ca.pem") == 1);
    ssl = SSL_new(ctx);
    REQUIRE(ssl != NULL);
    REQUIRE(SSL_set1_host(ssl, "localhost") == 1);
    REQUIRE(handshake_against(ssl, "server-ecdsa-p256", &c, &s));
    REQUIRE(c.handshake_ret == 1 && c.verified_len == 3);
    chain = SSL_get_peer_cert_chain(ssl);
    REQUIRE(chain != NULL && issuer_is(sk_X509_value(chain, 0), "/CN=libtls Test Intermediate CA"));

    /* The same SSL, cleared, now talks to an untrusted peer (verification not enforced). */
    REQUIRE(SSL_clear(ssl) == 1);
    SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
    REQUIRE(handshake_against(ssl, "untrusted-localhost", &c, &s));
    REQUIRE(c.handshake_ret == 1);
    REQUIRE(c.verify_result == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    chain = SSL_get_peer_cert_chain(ssl);
    REQUIRE(chain != NULL && sk_X509_num(chain) == 1);
    REQUIRE(issuer_is(sk_X509_value(chain, 0), "/CN=Untrusted Root"));
    /* Nothing of the first peer's verified path remains. */
    chain = SSL_get0_verified_chain(ssl);
    for (i = 0; chain && i < (int)sk_X509_num(chain); i++)
        REQUIRE(issuer_is(sk_X509_value(chain, i), "/CN=Untrusted Root"));
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return 1;
}

/* ---- certificate output ---------------------------------------------------------------------- */

static int test_subject_alt_names(void)
{
    X509 *x = read_cert_file(PKI "server-ecdsa-p256.pem");
    GENERAL_NAMES *names;
    const ASN1_STRING *value;
    static const unsigned char v4[4] = {127, 0, 0, 1};
    static const unsigned char v6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    int crit = 7, type = -1;
    REQUIRE(x != NULL);
    names = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
    REQUIRE(names != NULL);
    REQUIRE(crit == 0);
    REQUIRE(sk_GENERAL_NAME_num(names) == 3);
    value = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(names, 0), &type);
    REQUIRE(type == GEN_DNS);
    REQUIRE(ASN1_STRING_length(value) == 9);
    REQUIRE(memcmp(ASN1_STRING_get0_data(value), "localhost", 9) == 0);
    value = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(names, 1), &type);
    REQUIRE(type == GEN_IPADD);
    REQUIRE(ASN1_STRING_length(value) == 4);
    REQUIRE(memcmp(ASN1_STRING_get0_data(value), v4, 4) == 0);
    value = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(names, 2), &type);
    REQUIRE(type == GEN_IPADD);
    REQUIRE(ASN1_STRING_length(value) == 16);
    REQUIRE(memcmp(ASN1_STRING_get0_data(value), v6, 16) == 0);
    REQUIRE(sk_GENERAL_NAME_value(names, 3) == NULL);
    sk_GENERAL_NAME_pop_free(names, GENERAL_NAME_free);
    X509_free(x);

    /* A CA certificate without the extension. */
    x = read_cert_file(PKI "root-ca.pem");
    REQUIRE(x != NULL);
    REQUIRE(X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL) == NULL);
    REQUIRE(crit == -1);
    X509_free(x);
    return 1;
}

/* Everything written to a memory BIO, NUL-terminated. */
static int drain(BIO *bio, char *out, size_t size)
{
    int n = BIO_read(bio, out, (int)size - 1);
    if (n < 0)
        n = 0;
    out[n] = '\0';
    return n;
}

static int test_pem_write_and_name_print(void)
{
    X509 *x = read_cert_file(PKI "root-ca.pem");
    BIO *bio = BIO_new(BIO_s_mem());
    char file_text[4096], written[4096];
    FILE *f = fopen(PKI "root-ca.pem", "r");
    size_t n;
    REQUIRE(x && bio && f);
    n = fread(file_text, 1, sizeof file_text - 1, f);
    fclose(f);
    file_text[n] = '\0';
    REQUIRE(PEM_write_bio_X509(bio, x) == 1);
    drain(bio, written, sizeof written);
    REQUIRE(strcmp(written, file_text) == 0);

    REQUIRE(X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) > 0);
    drain(bio, written, sizeof written);
    REQUIRE(strcmp(written, "CN=libtls Test Root CA") == 0);
    REQUIRE(X509_NAME_print_ex(bio, X509_get_issuer_name(x), 2, XN_FLAG_ONELINE) > 0);
    drain(bio, written, sizeof written);
    REQUIRE(strcmp(written, "  CN = libtls Test Root CA") == 0);

    f = tmpfile();
    REQUIRE(f != NULL);
    REQUIRE(PEM_write_X509(f, x) == 1);
    rewind(f);
    n = fread(written, 1, sizeof written - 1, f);
    fclose(f);
    written[n] = '\0';
    REQUIRE(strcmp(written, file_text) == 0);
    BIO_free(bio);
    X509_free(x);
    return 1;
}

static int test_validity_as_time_t(void)
{
    X509 *x = read_cert_file(PKI "expired-localhost.pem");
    const time_t from = 1577836800; /* 2020-01-01T00:00:00Z */
    const time_t until = 1609459200; /* 2021-01-01T00:00:00Z */
    REQUIRE(x != NULL);
    REQUIRE(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), from) == 0);
    REQUIRE(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), from + 1) == -1);
    REQUIRE(ASN1_TIME_cmp_time_t(X509_get0_notAfter(x), until - 1) == 1);
    REQUIRE(ASN1_TIME_cmp_time_t(X509_get0_notAfter(x), time(NULL)) == -1);
#ifndef LIBTLS_TEST_OPENSSL
    {
        time_t t = 0;
        REQUIRE(ASN1_TIME_to_time_t(X509_get0_notAfter(x), &t) == 1);
        REQUIRE(t == until);
    }
#endif
    X509_free(x);
    return 1;
}

static const struct test_case tests[] = {
    {"wrong_eku", test_wrong_eku},
    {"self_signed_leaf", test_self_signed_leaf},
    {"verified_chain", test_verified_chain},
    {"hashed_ca_dir", test_hashed_ca_dir},
    {"empty_trust_fails", test_empty_trust_fails},
    {"default_paths_from_env", test_default_paths_from_env},
    {"in_memory_anchor", test_in_memory_anchor},
    {"host_flags", test_host_flags},
    {"add1_host", test_add1_host},
    {"ip_addresses", test_ip_addresses},
    {"verify_param_calls", test_verify_param_calls},
    {"unusable_host_names_fail_closed", test_unusable_host_names_fail_closed},
    {"callback_sees_the_verified_path", test_callback_sees_the_verified_path},
    {"pinned_decoy_is_rejected", test_pinned_decoy_is_rejected},
    {"failed_path_is_partial", test_failed_path_is_partial},
    {"clear_forgets_the_previous_peer", test_clear_forgets_the_previous_peer},
    {"subject_alt_names", test_subject_alt_names},
    {"pem_write_and_name_print", test_pem_write_and_name_print},
    {"validity_as_time_t", test_validity_as_time_t},
};

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    return run_test_cases("test_verify", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}
