/* The calls that shape a handshake: options, protocol version bounds, signature algorithm
 * lists, ALPN, the server name callback with SSL_set_SSL_CTX or per-connection verify
 * settings, server cipher preference and the peer signature NIDs. Handshakes run over memory
 * BIOs. Written against OpenSSL's API; runs unchanged on both libraries.
 *
 *   test_config            run every test
 *   test_config NAME...    run only these
 *   test_config --list     print the test names
 * Run from the repository root (certificates are read from pki/). */
#include "common.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Two SSLs joined by memory BIOs. */
struct link {
    SSL *client, *server;
};

static void link_open(struct link *l, SSL_CTX *cctx, SSL_CTX *sctx)
{
    mem_link(cctx, sctx, &l->client, &l->server);
}

static void link_close(struct link *l)
{
    SSL_free(l->client);
    SSL_free(l->server);
}

/* Drives both sides until both finish (1) or one fails (0). The error queue keeps what the
 * failing side pushed, its alert waits in the peer's input (a second call has the peer read
 * it); *client_failed says which side it was. */
static int handshake(struct link *l, int *client_failed)
{
    struct mem_result hs;
    int ok = mem_handshake(l->client, l->server, &hs);
    if (client_failed)
        *client_failed = hs.failed == 'c';
    return ok;
}

/* The reason of the last error on the queue, and the queue emptied. */
static int last_reason(void)
{
    unsigned long e, last = 0;
    while ((e = ERR_get_error()) != 0)
        last = e;
    return ERR_GET_REASON(last);
}

static int test_options(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL *ssl;
    uint64_t defaults;
    REQUIRE(ctx);
    defaults = SSL_CTX_get_options(ctx);
    REQUIRE(defaults == (SSL_OP_NO_COMPRESSION | SSL_OP_ENABLE_MIDDLEBOX_COMPAT));
    REQUIRE(SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE) ==
          (defaults | SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE));
    REQUIRE(SSL_CTX_clear_options(ctx, SSL_OP_NO_COMPRESSION) ==
          (SSL_OP_ENABLE_MIDDLEBOX_COMPAT | SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE));
    /* An SSL starts with its context's options and then goes its own way. */
    ssl = SSL_new(ctx);
    REQUIRE(ssl);
    REQUIRE(SSL_get_options(ssl) == SSL_CTX_get_options(ctx));
    REQUIRE(SSL_set_options(ssl, SSL_OP_NO_TLSv1_3) & SSL_OP_NO_TLSv1_3);
    REQUIRE(!(SSL_CTX_get_options(ctx) & SSL_OP_NO_TLSv1_3));
    REQUIRE(!(SSL_clear_options(ssl, SSL_OP_NO_TICKET) & SSL_OP_NO_TICKET));
    REQUIRE(SSL_CTX_get_options(ctx) & SSL_OP_NO_TICKET);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return 1;
}

static int test_proto_version_bounds(void)
{
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0), *cctx = test_client_ctx(0);
    struct link l;
    REQUIRE(sctx && cctx);
    REQUIRE(SSL_CTX_get_min_proto_version(cctx) == 0 && SSL_CTX_get_max_proto_version(cctx) == 0);
    REQUIRE(SSL_CTX_set_min_proto_version(cctx, TLS1_2_VERSION) == 1);
    REQUIRE(SSL_CTX_set_max_proto_version(cctx, 0x0305) == 0);
    ERR_clear_error();
    link_open(&l, cctx, sctx);
    REQUIRE(SSL_get_min_proto_version(l.client) == TLS1_2_VERSION);
    REQUIRE(SSL_get_max_proto_version(l.client) == 0);
    REQUIRE(SSL_set_max_proto_version(l.client, TLS1_2_VERSION) == 1);
    REQUIRE(SSL_get_max_proto_version(l.client) == TLS1_2_VERSION);
    REQUIRE(SSL_CTX_get_max_proto_version(cctx) == 0);
    REQUIRE(handshake(&l, NULL));
    REQUIRE(strcmp(SSL_get_version(l.client), "TLSv1.2") == 0);
    link_close(&l);

    /* SSL_OP_NO_TLSv1_3 narrows the range the same way. */
    link_open(&l, cctx, sctx);
    SSL_set_options(l.server, SSL_OP_NO_TLSv1_3);
    REQUIRE(handshake(&l, NULL));
    REQUIRE(SSL_version(l.server) == TLS1_2_VERSION);
    link_close(&l);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_version_mismatch(void)
{
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0), *cctx = test_client_ctx(0);
    struct link l;
    int client_failed;
    REQUIRE(sctx && cctx);
    REQUIRE(SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION) == 1);
    REQUIRE(SSL_CTX_set_min_proto_version(sctx, TLS1_3_VERSION) == 1);
    link_open(&l, cctx, sctx);
    REQUIRE(!handshake(&l, &client_failed));
    REQUIRE(!client_failed);
    REQUIRE(last_reason() == SSL_R_UNSUPPORTED_PROTOCOL);
    REQUIRE(!handshake(&l, &client_failed));
    REQUIRE(client_failed);
    REQUIRE(last_reason() == SSL_AD_REASON_OFFSET + SSL_AD_PROTOCOL_VERSION);
    link_close(&l);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_sigalgs_lists(void)
{
    SSL_CTX *sctx = test_server_ctx("server-rsa2048", 0), *cctx = test_client_ctx(0);
    struct link l;
    int nid = -1;
    REQUIRE(sctx && cctx);
    REQUIRE(SSL_CTX_set1_sigalgs_list(cctx, "ECDSA+SHA256:RSA-PSS+SHA256:ed25519:rsa_pss_rsae_sha384") == 1);
    REQUIRE(SSL_CTX_set1_sigalgs_list(cctx, "bogus") == 0);
    REQUIRE(SSL_CTX_set1_sigalgs_list(cctx, "ECDSA+SHA256:nonsense") == 0);
    REQUIRE(SSL_CTX_set1_sigalgs_list(cctx, "") == 0);
    ERR_clear_error();
    /* The server may sign only with what both sides list. */
    REQUIRE(SSL_CTX_set1_sigalgs_list(sctx, "rsa_pss_rsae_sha384:ECDSA+SHA256") == 1);
    link_open(&l, cctx, sctx);
    REQUIRE(SSL_get_peer_signature_type_nid(l.client, &nid) == 0);
    REQUIRE(handshake(&l, NULL));
    REQUIRE(SSL_get_peer_signature_type_nid(l.client, &nid) == 1 && nid == EVP_PKEY_RSA_PSS);
    REQUIRE(SSL_get_peer_signature_nid(l.client, &nid) == 1 && nid == NID_sha384);
    /* The client did not sign. */
    REQUIRE(SSL_get_peer_signature_type_nid(l.server, &nid) == 0);
    link_close(&l);

    /* Per connection, and a list the certificate cannot serve fails. */
    link_open(&l, cctx, sctx);
    REQUIRE(SSL_set1_sigalgs_list(l.server, "ECDSA+SHA256") == 1);
    REQUIRE(!handshake(&l, NULL));
    ERR_clear_error();
    link_close(&l);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

/* A server demanding an RSA client certificate, and a client holding one, both at `version`. */
static int client_auth_pair(int version, SSL_CTX **cctx, SSL_CTX **sctx)
{
    *sctx = test_server_ctx("server-ecdsa-p256", 0);
    *cctx = test_client_ctx(0);
    if (!*sctx || !*cctx)
        return 0;
    SSL_CTX_set_verify(*sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    return SSL_CTX_load_verify_locations(*sctx, PKI "root-ca.pem", NULL) == 1 &&
           SSL_CTX_set_max_proto_version(*sctx, version) == 1 &&
           SSL_CTX_set_max_proto_version(*cctx, version) == 1 &&
           SSL_CTX_use_certificate_chain_file(*cctx, PKI "client-rsa2048.chain.pem") == 1 &&
           SSL_CTX_use_PrivateKey_file(*cctx, PKI "client-rsa2048.key", SSL_FILETYPE_PEM) == 1;
}

/* The hash of the client's CertificateVerify as the server saw it, or -1 without one. */
static int client_signature_hash(SSL *server)
{
    int type = -1, hash = -1;
    if (SSL_get_peer_signature_type_nid(server, &type) != 1 || type != EVP_PKEY_RSA_PSS)
        return -1;
    return SSL_get_peer_signature_nid(server, &hash) == 1 ? hash : -1;
}

static int test_client_sigalgs_lists(void)
{
    static const int versions[] = {TLS1_2_VERSION, TLS1_3_VERSION};
    size_t i;
    for (i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        SSL_CTX *sctx = NULL, *cctx = NULL;
        struct link l;
        X509 *peer;
        REQUIRE(client_auth_pair(versions[i], &cctx, &sctx));
        REQUIRE(SSL_CTX_set1_client_sigalgs_list(sctx, "bogus") == 0);
        REQUIRE(SSL_CTX_set1_client_sigalgs_list(sctx, "") == 0);
        ERR_clear_error();

        /* Unrestricted, an RSA client signs with PSS and SHA-256. */
        link_open(&l, cctx, sctx);
        REQUIRE(handshake(&l, NULL));
        REQUIRE(client_signature_hash(l.server) == NID_sha256);
        link_close(&l);

        /* The server requests, and so the client uses, only what its client list names; the
         * server's own signature is not bound by that list. */
        REQUIRE(SSL_CTX_set1_client_sigalgs_list(sctx, "rsa_pss_rsae_sha512") == 1);
        link_open(&l, cctx, sctx);
        REQUIRE(handshake(&l, NULL));
        REQUIRE(client_signature_hash(l.server) == NID_sha512);
        link_close(&l);

        /* The client signs only with its own client list: per context, then per connection. */
        REQUIRE(SSL_CTX_set1_client_sigalgs_list(sctx, "rsa_pss_rsae_sha256:RSA-PSS+SHA384:"
                                                     "rsa_pss_rsae_sha512") == 1);
        REQUIRE(SSL_CTX_set1_client_sigalgs_list(cctx, "RSA-PSS+SHA384") == 1);
        link_open(&l, cctx, sctx);
        REQUIRE(handshake(&l, NULL));
        REQUIRE(client_signature_hash(l.server) == NID_sha384);
        link_close(&l);
        link_open(&l, cctx, sctx);
        REQUIRE(SSL_set1_client_sigalgs_list(l.client, "rsa_pss_rsae_sha512") == 1);
        REQUIRE(handshake(&l, NULL));
        REQUIRE(client_signature_hash(l.server) == NID_sha512);
        link_close(&l);

        /* Disjoint lists: the client has nothing to sign with, sends no certificate, and the
         * server, which requires one, fails the handshake. */
        link_open(&l, cctx, sctx);
        REQUIRE(SSL_set1_client_sigalgs_list(l.server, "rsa_pss_rsae_sha256") == 1);
        REQUIRE(!handshake(&l, NULL));
        peer = SSL_get1_peer_certificate(l.server);
        REQUIRE(peer == NULL);
        ERR_clear_error();
        link_close(&l);
        SSL_CTX_free(cctx);
        SSL_CTX_free(sctx);
    }
    return 1;
}

/* SSL_get_finished / SSL_get_peer_finished: each side's copy of the other's, the full length
 * returned whatever the buffer size; SSL_get_extms_support before and after. */
static int test_finished_and_extms(void)
{
    static const int versions[] = {TLS1_2_VERSION, TLS1_3_VERSION};
    size_t i;
    for (i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0), *cctx = test_client_ctx(0);
        struct link l;
        unsigned char ours[64], theirs[64], small[4];
        size_t n_ours, n_theirs;
        REQUIRE(sctx && cctx);
        REQUIRE(SSL_CTX_set_max_proto_version(cctx, versions[i]) == 1);
        link_open(&l, cctx, sctx);
        REQUIRE(SSL_get_finished(l.client, ours, sizeof ours) == 0);
        REQUIRE(SSL_get_peer_finished(l.client, ours, sizeof ours) == 0);
        REQUIRE(SSL_get_extms_support(l.client) == -1);
        REQUIRE(handshake(&l, NULL));

        n_ours = SSL_get_finished(l.client, ours, sizeof ours);
        n_theirs = SSL_get_peer_finished(l.server, theirs, sizeof theirs);
        REQUIRE(n_ours == n_theirs && memcmp(ours, theirs, n_ours) == 0);
        n_ours = SSL_get_finished(l.server, ours, sizeof ours);
        n_theirs = SSL_get_peer_finished(l.client, theirs, sizeof theirs);
        REQUIRE(n_ours == n_theirs && memcmp(ours, theirs, n_ours) == 0);
        if (versions[i] == TLS1_2_VERSION) {
            REQUIRE(n_ours == 12);
            REQUIRE(SSL_get_extms_support(l.client) == 1);
            REQUIRE(SSL_get_extms_support(l.server) == 1);
        } else {
            /* The suite hash's length: 32 or 48. */
            REQUIRE(n_ours == 32 || n_ours == 48);
        }
        /* A short buffer gets the first bytes, the return value still the whole length. */
        memset(small, 0, sizeof small);
        REQUIRE(SSL_get_peer_finished(l.client, small, sizeof small) == n_ours);
        REQUIRE(memcmp(small, ours, sizeof small) == 0);
        REQUIRE(SSL_get_finished(l.client, NULL, 0) == n_ours);
        link_close(&l);
        SSL_CTX_free(cctx);
        SSL_CTX_free(sctx);
    }
    return 1;
}

static int test_peer_signature_ecdsa(void)
{
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0), *cctx = test_client_ctx(0);
    struct link l;
    int nid = -1;
    REQUIRE(sctx && cctx);
    link_open(&l, cctx, sctx);
    REQUIRE(handshake(&l, NULL));
    REQUIRE(SSL_get_peer_signature_type_nid(l.client, &nid) == 1 && nid == EVP_PKEY_EC);
    REQUIRE(SSL_get_peer_signature_nid(l.client, &nid) == 1 && nid == NID_sha256);
    link_close(&l);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static const unsigned char server_protocols[] = "\x08http/1.1\x02h2";
static int alpn_calls;

static int pick_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                     const unsigned char *in, unsigned int inlen, void *arg)
{
    unsigned char *chosen = NULL;
    (void)ssl;
    alpn_calls++;
    if (arg != (void *)server_protocols)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    if (SSL_select_next_proto(&chosen, outlen, server_protocols, sizeof server_protocols - 1, in,
                              inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
}

static int alpn_is(SSL *ssl, const char *expected)
{
    const unsigned char *data = (const unsigned char *)"x";
    unsigned int len = 99;
    SSL_get0_alpn_selected(ssl, &data, &len);
    if (!expected)
        return data == NULL && len == 0;
    return len == strlen(expected) && memcmp(data, expected, len) == 0;
}

static int test_alpn(void)
{
    static const unsigned char offer[] = "\x02h2\x08http/1.1";
    static const unsigned char other[] = "\x06spdy/1";
    int versions[2] = {TLS1_2_VERSION, TLS1_3_VERSION};
    int i, client_failed;
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0), *cctx = test_client_ctx(0);
    struct link l;
    REQUIRE(sctx && cctx);
    /* OpenSSL's inverted convention: 0 is success. */
    REQUIRE(SSL_CTX_set_alpn_protos(cctx, offer, sizeof offer - 1) == 0);
    REQUIRE(SSL_CTX_set_alpn_protos(cctx, (const unsigned char *)"\x05h2", 3) != 0);
    REQUIRE(SSL_CTX_set_alpn_protos(cctx, offer, sizeof offer - 1) == 0);
    ERR_clear_error();

    /* A server without a select callback ignores ALPN. */
    link_open(&l, cctx, sctx);
    REQUIRE(handshake(&l, NULL));
    REQUIRE(alpn_is(l.client, NULL) && alpn_is(l.server, NULL));
    link_close(&l);

    SSL_CTX_set_alpn_select_cb(sctx, pick_alpn, (void *)server_protocols);
    for (i = 0; i < 2; i++) {
        link_open(&l, cctx, sctx);
        SSL_set_max_proto_version(l.client, versions[i]);
        REQUIRE(handshake(&l, NULL));
        REQUIRE(SSL_version(l.client) == versions[i]);
        REQUIRE(alpn_is(l.client, "http/1.1") && alpn_is(l.server, "http/1.1"));
        link_close(&l);

        /* No overlap: the callback says fatal, the client gets no_application_protocol. */
        link_open(&l, cctx, sctx);
        SSL_set_max_proto_version(l.client, versions[i]);
        REQUIRE(SSL_set_alpn_protos(l.client, other, sizeof other - 1) == 0);
        REQUIRE(!handshake(&l, &client_failed) && !client_failed);
        REQUIRE(last_reason() == SSL_R_NO_APPLICATION_PROTOCOL);
        REQUIRE(!handshake(&l, &client_failed) && client_failed);
        REQUIRE(last_reason() == SSL_AD_REASON_OFFSET + SSL_AD_NO_APPLICATION_PROTOCOL);
        link_close(&l);
    }
    /* A client that offers nothing: the callback is not consulted. */
    alpn_calls = 0;
    link_open(&l, cctx, sctx);
    REQUIRE(SSL_set_alpn_protos(l.client, NULL, 0) == 0);
    REQUIRE(handshake(&l, NULL));
    REQUIRE(alpn_calls == 0 && alpn_is(l.server, NULL));
    link_close(&l);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_select_next_proto(void)
{
    static const unsigned char server[] = "\x08http/1.1\x02h2";
    static const unsigned char client[] = "\x02h2\x08http/1.1";
    static const unsigned char spdy[] = "\x06spdy/1";
    unsigned char *out = NULL;
    unsigned char len = 0;
    REQUIRE(SSL_select_next_proto(&out, &len, server, sizeof server - 1, client, sizeof client - 1) ==
          OPENSSL_NPN_NEGOTIATED);
    REQUIRE(len == 8 && memcmp(out, "http/1.1", 8) == 0);
    REQUIRE(out == server + 1);
    REQUIRE(SSL_select_next_proto(&out, &len, server, sizeof server - 1, spdy, sizeof spdy - 1) ==
          OPENSSL_NPN_NO_OVERLAP);
    REQUIRE(len == 6 && memcmp(out, "spdy/1", 6) == 0);
    return 1;
}

struct sni_state {
    SSL_CTX *other;
    const char *switch_for;
    int answer;
    int calls;
    char seen[64];
};

static int on_servername(SSL *ssl, int *alert, void *arg)
{
    struct sni_state *st = arg;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    st->calls++;
    snprintf(st->seen, sizeof st->seen, "%s", name ? name : "(none)");
    if (name && strcmp(name, st->switch_for) == 0) {
        if (SSL_set_SSL_CTX(ssl, st->other) != st->other)
            return SSL_TLSEXT_ERR_ALERT_FATAL;
        return SSL_TLSEXT_ERR_OK;
    }
    if (st->answer == SSL_TLSEXT_ERR_ALERT_FATAL)
        *alert = SSL_AD_UNRECOGNIZED_NAME;
    return st->answer;
}

static int peer_is(SSL *ssl, const char *subject)
{
    char text[256] = "";
    X509 *peer = SSL_get1_peer_certificate(ssl);
    if (!peer)
        return 0;
    X509_NAME_oneline(X509_get_subject_name(peer), text, sizeof text);
    X509_free(peer);
    return strcmp(text, subject) == 0;
}

static int test_servername_switch(void)
{
    int versions[2] = {TLS1_2_VERSION, TLS1_3_VERSION};
    int i, client_failed;
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0), *cctx = test_client_ctx(0);
    SSL_CTX *other = test_server_ctx("wrong-name", 0);
    struct sni_state st;
    struct link l;
    REQUIRE(sctx && cctx && other);
    memset(&st, 0, sizeof st);
    st.other = other;
    st.switch_for = "wrong.example";
    st.answer = SSL_TLSEXT_ERR_NOACK;
    REQUIRE(SSL_CTX_set_tlsext_servername_callback(sctx, on_servername) == 1);
    REQUIRE(SSL_CTX_set_tlsext_servername_arg(sctx, &st) == 1);
    for (i = 0; i < 2; i++) {
        link_open(&l, cctx, sctx);
        SSL_set_max_proto_version(l.client, versions[i]);
        REQUIRE(SSL_set_tlsext_host_name(l.client, "wrong.example") == 1);
        REQUIRE(SSL_set1_host(l.client, "wrong.example") == 1);
        REQUIRE(handshake(&l, NULL));
        REQUIRE(strcmp(st.seen, "wrong.example") == 0);
        REQUIRE(peer_is(l.client, "/CN=wrong.example"));
        REQUIRE(SSL_get_SSL_CTX(l.server) == other);
        REQUIRE(strcmp(SSL_get_servername(l.server, TLSEXT_NAMETYPE_host_name), "wrong.example") == 0);
        link_close(&l);

        /* Another name: the default certificate. */
        link_open(&l, cctx, sctx);
        SSL_set_max_proto_version(l.client, versions[i]);
        REQUIRE(SSL_set_tlsext_host_name(l.client, "localhost") == 1);
        REQUIRE(handshake(&l, NULL));
        REQUIRE(strcmp(st.seen, "localhost") == 0);
        REQUIRE(peer_is(l.client, "/CN=localhost"));
        REQUIRE(SSL_get_SSL_CTX(l.server) == sctx);
        link_close(&l);
    }

    /* A fatal answer sends the alert the callback chose. */
    st.answer = SSL_TLSEXT_ERR_ALERT_FATAL;
    link_open(&l, cctx, sctx);
    REQUIRE(SSL_set_tlsext_host_name(l.client, "unknown.example") == 1);
    REQUIRE(!handshake(&l, &client_failed) && !client_failed);
    ERR_clear_error();
    REQUIRE(!handshake(&l, &client_failed) && client_failed);
    REQUIRE(last_reason() == SSL_AD_REASON_OFFSET + SSL_AD_UNRECOGNIZED_NAME);
    link_close(&l);

    /* Without SNI the callback still runs, and sees no name. */
    st.answer = SSL_TLSEXT_ERR_OK;
    st.calls = 0;
    link_open(&l, cctx, sctx);
    REQUIRE(handshake(&l, NULL));
    REQUIRE(st.calls == 1 && strcmp(st.seen, "(none)") == 0);
    link_close(&l);
    SSL_CTX_free(other);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

/* The per-connection settings an application makes in the server name callback, without
 * switching context (nginx configures client authentication this way), apply to the handshake
 * in progress: the server asks for a certificate and refuses a client without one, and an
 * option set there (no tickets) holds too. */
static int set_verify_calls;

static int counting_verify(int preverify_ok, X509_STORE_CTX *store)
{
    (void)store;
    set_verify_calls++;
    return preverify_ok;
}

static int on_servername_set_verify(SSL *ssl, int *alert, void *arg)
{
    (void)alert;
    (void)arg;
    SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, counting_verify);
    SSL_set_verify_depth(ssl, 5);
    SSL_set_options(ssl, SSL_OP_NO_TICKET);
    return SSL_TLSEXT_ERR_OK;
}

static int test_servername_set_verify(void)
{
    int versions[2] = {TLS1_2_VERSION, TLS1_3_VERSION};
    int i, client_failed;
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0), *cctx = test_client_ctx(0), *cert_cctx = test_client_ctx(0);
    struct link l;
    X509 *peer;
    REQUIRE(sctx && cctx && cert_cctx);
    REQUIRE(SSL_CTX_load_verify_locations(sctx, PKI "root-ca.pem", NULL) == 1);
    REQUIRE(SSL_CTX_use_certificate_chain_file(cert_cctx, PKI "client-ecdsa-p256.chain.pem") == 1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(cert_cctx, PKI "client-ecdsa-p256.key", SSL_FILETYPE_PEM) == 1);
    REQUIRE(SSL_CTX_get_verify_mode(sctx) == SSL_VERIFY_NONE);
    REQUIRE(SSL_CTX_set_tlsext_servername_callback(sctx, on_servername_set_verify) == 1);
    for (i = 0; i < 2; i++) {
        /* No client certificate: refused, as the mode the connection reports says. */
        link_open(&l, cctx, sctx);
        SSL_set_max_proto_version(l.client, versions[i]);
        REQUIRE(SSL_set_tlsext_host_name(l.client, "localhost") == 1);
        ERR_clear_error();
        REQUIRE(!handshake(&l, &client_failed) && !client_failed);
        REQUIRE(last_reason() == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE);
        REQUIRE(SSL_get_verify_mode(l.server) == (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT));
        REQUIRE(SSL_get_verify_depth(l.server) == 5);
        link_close(&l);

        /* With one: asked for, verified through the callback set in the server name callback. */
        set_verify_calls = 0;
        link_open(&l, cert_cctx, sctx);
        SSL_set_max_proto_version(l.client, versions[i]);
        REQUIRE(SSL_set_tlsext_host_name(l.client, "localhost") == 1);
        REQUIRE(handshake(&l, NULL));
        REQUIRE(set_verify_calls > 0);
        peer = SSL_get1_peer_certificate(l.server);
        REQUIRE(peer != NULL);
        X509_free(peer);
        REQUIRE(SSL_get_verify_result(l.server) == X509_V_OK);
        /* The option set in the callback applies too: no TLS 1.2 ticket. */
        REQUIRE(SSL_get_options(l.server) & SSL_OP_NO_TICKET);
        if (versions[i] == TLS1_2_VERSION)
            REQUIRE(!SSL_SESSION_has_ticket(SSL_get_session(l.client)));
        link_close(&l);
    }
    SSL_CTX_free(cert_cctx);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

static int test_server_cipher_preference(void)
{
    int versions[2] = {TLS1_2_VERSION, TLS1_3_VERSION};
    const char *expect_client[2] = {"ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_AES_128_GCM_SHA256"};
    const char *expect_server[2] = {"ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_CHACHA20_POLY1305_SHA256"};
    int i, pref;
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0), *cctx = test_client_ctx(0);
    struct link l;
    REQUIRE(sctx && cctx);
    REQUIRE(SSL_CTX_set_cipher_list(cctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305"));
    REQUIRE(SSL_CTX_set_ciphersuites(cctx, "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"));
    REQUIRE(SSL_CTX_set_cipher_list(sctx, "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256"));
    REQUIRE(SSL_CTX_set_ciphersuites(sctx, "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"));
    for (pref = 0; pref < 2; pref++) {
        if (pref)
            SSL_CTX_set_options(sctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
        for (i = 0; i < 2; i++) {
            const char *name;
            link_open(&l, cctx, sctx);
            SSL_set_max_proto_version(l.client, versions[i]);
            REQUIRE(handshake(&l, NULL));
            name = SSL_CIPHER_get_name(SSL_get_current_cipher(l.client));
            REQUIRE(strcmp(name, pref ? expect_server[i] : expect_client[i]) == 0);
            link_close(&l);
        }
    }
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

/* SSL_new copies the context's settings into the SSL, as OpenSSL does: a context setter called
 * after SSL_new changes nothing for that SSL (libtls read them at the start of the handshake
 * instead). Each change below would make the handshake fail, or report other values, if it
 * leaked into the SSLs made before it. */
static int test_ctx_settings_after_new(void)
{
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0), *cctx = test_client_ctx(0);
    struct link l;
    const char *name;
    REQUIRE(sctx && cctx);
    link_open(&l, cctx, sctx);
    SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    SSL_CTX_set_verify_depth(sctx, 3);
    REQUIRE(SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION) == 1);
    REQUIRE(SSL_CTX_set_ciphersuites(cctx, "TLS_CHACHA20_POLY1305_SHA256") == 1);
    REQUIRE(SSL_CTX_set1_sigalgs_list(sctx, "RSA+SHA256") == 1);
    REQUIRE(SSL_CTX_set1_groups_list(cctx, "P-384") == 1);
    SSL_CTX_set_options(cctx, SSL_OP_NO_TICKET);
    REQUIRE(SSL_get_verify_mode(l.server) == SSL_VERIFY_NONE);
    REQUIRE(SSL_get_verify_depth(l.server) != 3);
    REQUIRE(SSL_get_max_proto_version(l.client) == 0);
    REQUIRE(!(SSL_get_options(l.client) & SSL_OP_NO_TICKET));
    REQUIRE(handshake(&l, NULL));
    REQUIRE(SSL_version(l.client) == TLS1_3_VERSION);
    name = SSL_CIPHER_get_name(SSL_get_current_cipher(l.client));
    /* Cipher lists are the exception: an SSL without its own reads its context's (OpenSSL 3.0
     * does not copy them at SSL_new). */
    REQUIRE(strcmp(name, "TLS_CHACHA20_POLY1305_SHA256") == 0);
    REQUIRE(SSL_get_negotiated_group(l.client) != NID_secp384r1);
    link_close(&l);
    /* SSLs made afterwards get the new settings. */
    link_open(&l, cctx, sctx);
    REQUIRE(SSL_get_verify_mode(l.server) == (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT));
    REQUIRE(SSL_get_verify_depth(l.server) == 3);
    REQUIRE(SSL_get_max_proto_version(l.client) == TLS1_2_VERSION);
    REQUIRE(SSL_get_options(l.client) & SSL_OP_NO_TICKET);
    link_close(&l);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 1;
}

/* Getters that return strings hand out the same storage on every call: a million calls must
 * neither allocate per call (libtls kept each copy until SSL_free, 78 MB per million) nor move
 * the string. */
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static int test_getter_strings_are_stable(void)
{
    SSL_CTX *cctx = test_client_ctx(0);
    SSL *ssl;
    const char *name, *group;
    size_t before, after;
    long i;
    REQUIRE(cctx != NULL);
    ssl = SSL_new(cctx);
    REQUIRE(ssl != NULL);
    REQUIRE(SSL_set_tlsext_host_name(ssl, "example.test") == 1);
    name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    group = SSL_group_to_name(ssl, NID_X9_62_prime256v1);
    REQUIRE(name != NULL && strcmp(name, "example.test") == 0);
    REQUIRE(group != NULL && strcmp(group, "secp256r1") == 0);
    before = heap_in_use();
    for (i = 0; i < 1000000; i++) {
        REQUIRE(SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) == name);
        REQUIRE(SSL_group_to_name(ssl, NID_X9_62_prime256v1) == group);
    }
    after = heap_in_use();
    /* OpenSSL grows by nothing here; allow 1 MiB of unrelated noise. */
    REQUIRE(after < before + (1u << 20));
    REQUIRE(strcmp(name, "example.test") == 0);
    SSL_free(ssl);
    SSL_CTX_free(cctx);
    return 1;
}

static const struct test_case tests[] = {
    {"options", test_options},
    {"proto_version_bounds", test_proto_version_bounds},
    {"version_mismatch", test_version_mismatch},
    {"sigalgs_lists", test_sigalgs_lists},
    {"client_sigalgs_lists", test_client_sigalgs_lists},
    {"finished_and_extms", test_finished_and_extms},
    {"peer_signature_ecdsa", test_peer_signature_ecdsa},
    {"alpn", test_alpn},
    {"select_next_proto", test_select_next_proto},
    {"servername_switch", test_servername_switch},
    {"servername_set_verify", test_servername_set_verify},
    {"server_cipher_preference", test_server_cipher_preference},
    {"getter_strings_are_stable", test_getter_strings_are_stable},
    {"ctx_settings_after_new", test_ctx_settings_after_new},
};

int main(int argc, char **argv)
{
    return run_test_cases("test_config", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}
