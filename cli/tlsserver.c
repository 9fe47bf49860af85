/* tlsserver: a small TLS server in the spirit of `openssl s_server`, written against the
 * OpenSSL-compatible C API so that it builds against libtls and, for comparison, OpenSSL.
 *
 * Greppable output on stderr (one line each, flushed):
 *   tlsserver: listening on HOST:PORT
 *   tlsserver: accepted: version=V cipher=C group=G peer="SUBJECT"|none verify=ok|fail:N:"TEXT"
 *              reused=yes|no alpn=PROTOCOL|none sni=NAME|none
 *   tlsserver: handshake failed: ssl_error=N (NAME) errno=E errors=[E1; E2] verify=...
 *   tlsserver: diagnosis: PLAIN WORDS (cause=NAME)      (libtls builds, after a failed handshake)
 * With -showcerts, after "accepted:" (depth 0 = the client's certificate):
 *   tlsserver: peer chain: verified, N certificates | peer chain: as sent, not verified
 *   tlsserver: cert DEPTH: subject="S" issuer="I" notBefore=YYYY-MM-DDTHH:MM:SSZ notAfter=...
 *   tlsserver: verify result: N (TEXT)
 * With SSLKEYLOGFILE set, the session secrets are appended to that file (NSS key log format).
 * Echo mode also copies what it receives to stdout. Exit status: 0 after -naccept connections,
 * 1 on setup failure, 2 usage error. */
#include "compat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define PROG "tlsserver"

#include "common.h"
#define MAX_SNI_CERTS 4

/* -sni_cert NAME:CERT:KEY: a certificate served to clients that ask for NAME. */
struct sni_cert {
    char name[256];
    char cert[1024];
    char key[1024];
    SSL_CTX *ctx;
};

struct server_options {
    const char *host;
    const char *port;
    const char *cert_file[3];
    const char *key_file[3];
    const char *ca_file;
    const char *ciphersuites;
    const char *cipher_list;
    const char *groups;
    const char *sigalgs;
    const char *alpn;
    unsigned char alpn_wire[1024];
    unsigned int alpn_wire_len;
    struct sni_cert sni[MAX_SNI_CERTS];
    int sni_count;
    int sni_fatal;
    int server_preference;
    int request_client_cert;
    int require_client_cert;
    int show_certs;
    int pinned_version;
    int www;
    int quiet;
    long accept_limit; /* < 0: forever */
    int timeout_secs;
    int no_ticket;
    int allow_no_ems;
    const char *keymat_label;
    int keymat_len;
    int cert_comp;
    int no_tx_cert_comp;
    int no_rx_cert_comp;
    const char *cert_comp_algs;
    const char *ticket_key_file;
    int num_tickets; /* < 0: the library's default */
    const char *status_file;
    unsigned char *status_der; /* -status_file's contents */
    long status_len;
    const char *psk_hex;
    const char *psk_identity;
    const char *psk_hint;
    int no_cert;
    int post_handshake_auth;
};

/* -psk: the external PSK accepted in TLS 1.3 from a client naming -psk_identity (default
 * Client_identity), through the identity/key callback (mosquitto's way). */
static unsigned char psk_key[512];
static size_t psk_key_len;
static const char *psk_identity = "Client_identity";

static unsigned int find_psk(SSL *ssl, const char *identity, unsigned char *psk,
                             unsigned int max_psk_len)
{
    (void)ssl;
    if (strcmp(identity, psk_identity) != 0) {
        fprintf(stderr, PROG ": PSK identity \"%s\" is not the expected one\n", identity);
        fflush(stderr);
        return 0;
    }
    if (psk_key_len > max_psk_len)
        return 0;
    memcpy(psk, psk_key, psk_key_len);
    return (unsigned int)psk_key_len;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: " PROG " [-accept] [host:]port [options]   (port 0: pick a free one)\n"
            "  -cert FILE -key FILE    certificate chain and key (PEM)\n"
            "  -cert2 FILE -key2 FILE  a second certificate/key, e.g. another key type\n"
            "  -cert3 FILE -key3 FILE  a third one (one per key type: RSA, ECDSA, Ed25519)\n"
            "  -CAfile FILE            request client certificates, verified against FILE\n"
            "  -verify_peer            request a client certificate (optional); verified against\n"
            "                          -CAfile, or the system's default paths without it\n"
            "  -require_peer | -Verify request and require a client certificate\n"
            "  -showcerts              print the client's chain (subject, issuer, validity) and\n"
            "                          the verify result after each handshake\n"
            "  -ciphersuites LIST      TLS 1.3 suites, colon separated\n"
            "  -cipher LIST            TLS 1.2 suites, OpenSSL cipher-list syntax\n"
            "  -groups LIST            key exchange groups, colon separated\n"
            "  -sigalgs LIST           signature algorithms, OpenSSL syntax, colon separated\n"
            "  -serverpref             choose the cipher suite by our order, not the client's\n"
            "  -alpn LIST              ALPN protocols we accept, in preference order, comma\n"
            "                          separated; no overlap with the client's is fatal\n"
            "  -sni_cert NAME:CERT:KEY serve CERT/KEY to clients asking for NAME (repeatable)\n"
            "  -sni_fatal              an unknown server name is fatal (unrecognized_name)\n"
            "  -tls1_2 | -tls1_3       only this protocol version\n"
            "  -www                    answer an HTTP GET with a status page\n"
            "  -naccept N              exit after N connections (default: forever)\n"
            "  -timeout SECS           per-connection I/O timeout (default 10)\n"
            "  -quiet                  do not copy received data to stdout\n"
            "  -no_ticket              no session tickets: TLS 1.2 resumes by session ID\n"
            "  -allow_no_ems           accept TLS 1.2 clients without the extended master secret\n"
            "                          (RFC 7627); refused by default\n"
            "  -ticket_key_file FILE   ticket keys shared with other servers: one key a line,\n"
            "                          96 hex digits (16-byte name, 32-byte key), first seals\n"
            "  -num_tickets N          TLS 1.3 tickets sent after each handshake\n"
            "  -status_file FILE       staple this DER OCSP response for clients that ask\n"
            "                          (status_request)\n"
            "  -keymatexport LABEL     print keying material exported with LABEL (RFC 5705/8446)\n"
            "  -keymatexportlen N      its length in bytes (default 20)\n"
            "  -psk HEX                accept this external PSK (TLS 1.3, with SHA-256; TLS 1.2\n"
            "                          with the PSK suites, which -psk adds to the default\n"
            "                          -cipher list)\n"
            "  -psk_identity ID        the identity the client must name (default\n"
            "                          Client_identity)\n"
            "  -psk_hint HINT          the identity hint sent with the TLS 1.2 PSK suites (TLS 1.3\n"
            "                          has none)\n"
            "  -nocert                 no certificate: only PSK handshakes succeed\n"
            "  -verify_post_handshake  TLS 1.3: ask for the client's certificate after its first\n"
            "                          data rather than in the handshake (post-handshake\n"
            "                          authentication; the client must offer it)\n"
            "  -cert_comp              compress the certificates (RFC 8879) at start-up rather\n"
            "                          than in the first handshake that asks for it\n"
            "  -no_tx_cert_comp        never send our certificate compressed\n"
            "  -no_rx_cert_comp        do not offer certificate compression to clients\n"
            "  -cert_comp_algs LIST    certificate compression algorithms to offer and use, in\n"
            "                          order, comma separated: brotli,zlib,zstd (the default)\n");
    exit(2);
}

static void report_failure(const char *what, SSL *ssl, int ret, int saved_errno)
{
    int code = SSL_get_error(ssl, ret);
    fprintf(stderr, PROG ": %s: ssl_error=%d (%s)", what, code, ssl_error_name(code));
    if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE)
        fprintf(stderr, " timeout");
    if (code == SSL_ERROR_SYSCALL)
        fprintf(stderr, " errno=%d (%s)", saved_errno,
                saved_errno ? strerror(saved_errno) : "unexpected eof");
    fprintf(stderr, " ");
    print_error_queue(stderr);
    fprintf(stderr, " ");
    print_verify_result(stderr, ssl);
    fprintf(stderr, "\n");
    fflush(stderr);
}

/* The negotiated parameters as "version=... cipher=... group=... peer=... verify=..." */

static void describe_session(SSL *ssl, char *out, size_t size)
{
    const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
    int group_nid = SSL_get_negotiated_group(ssl);
    const char *group = group_nid ? SSL_group_to_name(ssl, group_nid) : NULL;
    X509 *peer = SSL_get1_peer_certificate(ssl);
    long verify = SSL_get_verify_result(ssl);
    char subject[512] = "";
    char peer_text[540];
    char verify_text[300];
    char alpn_text[260];
    const unsigned char *alpn = NULL;
    unsigned int alpn_len = 0;
    const char *servername;

    if (peer) {
        X509_NAME_oneline(X509_get_subject_name(peer), subject, sizeof subject);
        snprintf(peer_text, sizeof peer_text, "\"%s\"", subject);
        X509_free(peer);
    } else {
        snprintf(peer_text, sizeof peer_text, "none");
    }
    if (verify == X509_V_OK)
        snprintf(verify_text, sizeof verify_text, "ok");
    else
        snprintf(verify_text, sizeof verify_text, "fail:%ld:\"%s\"", verify,
                 X509_verify_cert_error_string(verify));
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
    if (alpn && alpn_len > 0)
        snprintf(alpn_text, sizeof alpn_text, "%.*s", (int)alpn_len, (const char *)alpn);
    else
        snprintf(alpn_text, sizeof alpn_text, "none");
    servername = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    snprintf(out, size, "version=%s cipher=%s group=%s peer=%s verify=%s reused=%s alpn=%s sni=%s",
             SSL_get_version(ssl), cipher ? SSL_CIPHER_get_name(cipher) : "none",
             group ? group : "none", peer_text, verify_text, SSL_session_reused(ssl) ? "yes" : "no",
             alpn_text, servername ? servername : "none");
}

/* Outcome of one SSL_read: >0 bytes, 0 clean close (close_notify or EOF), -1 error. */
static int read_some(SSL *ssl, char *buf, int size)
{
    int n, code, saved_errno;
    ERR_clear_error();
    errno = 0;
    n = SSL_read(ssl, buf, size);
    if (n > 0)
        return n;
    saved_errno = errno;
    code = SSL_get_error(ssl, n);
    if (code == SSL_ERROR_ZERO_RETURN)
        return 0;
    if (code == SSL_ERROR_SYSCALL && saved_errno == 0 && ERR_peek_error() == 0)
        return 0;
    if (code == SSL_ERROR_SSL &&
        ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        ERR_clear_error();
        return 0;
    }
    report_failure("read failed", ssl, n, saved_errno);
    return -1;
}

/* -verify_post_handshake: after the client's first data, ask for its certificate; report it
 * once it arrived ("tlsserver: post-handshake auth: version=... peer=... verify=..."). */
static int post_handshake_auth(SSL *ssl, int *state)
{
    char session[2048];
    X509 *peer;
    if (*state == 0) {
        *state = 1;
        if (SSL_verify_client_post_handshake(ssl) != 1 || SSL_do_handshake(ssl) != 1) {
            fprintf(stderr, PROG ": post-handshake auth refused: ");
            print_error_queue(stderr);
            fprintf(stderr, "\n");
            fflush(stderr);
            return 0;
        }
        return 1;
    }
    if (*state == 1 && (peer = SSL_get1_peer_certificate(ssl)) != NULL) {
        X509_free(peer);
        *state = 2;
        describe_session(ssl, session, sizeof session);
        fprintf(stderr, PROG ": post-handshake auth: %s\n", session);
        fflush(stderr);
    }
    return 1;
}

static int serve_echo(SSL *ssl, const struct server_options *opts)
{
    char buf[16384];
    int pha_state = 0;
    for (;;) {
        int n = read_some(ssl, buf, sizeof buf);
        if (n <= 0)
            return n == 0;
        if (opts->post_handshake_auth && SSL_version(ssl) == TLS1_3_VERSION &&
            !post_handshake_auth(ssl, &pha_state))
            return 0;
        if (!opts->quiet) {
            fwrite(buf, 1, (size_t)n, stdout);
            fflush(stdout);
        }
        if (!write_all(ssl, buf, (size_t)n))
            return 0;
    }
}

static int serve_www(SSL *ssl)
{
    char request[8192];
    char session[2048];
    char page[4096];
    char path[1024] = "";
    size_t used = 0;
    const char *status = "200 OK";
    int len;

    /* Bounded: a request line and headers must fit in the buffer. */
    while (used < sizeof request - 1) {
        int n = read_some(ssl, request + used, (int)(sizeof request - 1 - used));
        if (n < 0)
            return 0;
        if (n == 0)
            break;
        used += (size_t)n;
        request[used] = '\0';
        if (strstr(request, "\r\n\r\n") || strstr(request, "\n\n"))
            break;
    }
    request[used] = '\0';
    /* A client that closed without asking anything gets no page, only our close_notify; so
     * does any TLS 1.2 client that closed (RFC 5246 7.2.1: pending writes are discarded after
     * the peer's close_notify; TLS 1.3 keeps half-close). */
    if (SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN &&
        (used == 0 || SSL_version(ssl) == TLS1_2_VERSION))
        return 1;
    if (used == 0)
        return 0;
    if (strncmp(request, "GET ", 4) != 0 || sscanf(request + 4, "%1023s", path) != 1) {
        status = "400 Bad Request";
        snprintf(path, sizeof path, "(not a GET request)");
    }
    describe_session(ssl, session, sizeof session);
    len = snprintf(page, sizeof page,
                   "HTTP/1.0 %s\r\n"
                   "Content-Type: text/plain\r\n"
                   "Connection: close\r\n"
                   "\r\n"
                   "libtls tlsserver status page\n"
                   "path: %s\n"
                   "session: %s\n",
                   status, path, session);
    if (len < 0 || (size_t)len >= sizeof page)
        len = (int)strlen(page);
    return write_all(ssl, page, (size_t)len);
}

static int split_listen_spec(const char *spec, const char **host, const char **port)
{
    static char copy[512];
    char *colon;
    if (strlen(spec) >= sizeof copy)
        return 0;
    strcpy(copy, spec);
    colon = strrchr(copy, ':');
    if (!colon) {
        *port = copy;
        return 1;
    }
    *colon = '\0';
    *port = colon + 1;
    *host = copy;
    if (copy[0] == '[') {
        size_t hlen = strlen(copy);
        if (hlen < 2 || copy[hlen - 1] != ']')
            return 0;
        copy[hlen - 1] = '\0';
        *host = copy + 1;
    }
    return **port != '\0';
}

static void parse_sni_cert(struct server_options *opts, const char *spec)
{
    struct sni_cert *entry;
    const char *first = strchr(spec, ':');
    const char *second = first ? strchr(first + 1, ':') : NULL;
    if (opts->sni_count >= MAX_SNI_CERTS || !first || !second || first == spec ||
        (size_t)(first - spec) >= sizeof entry->name ||
        (size_t)(second - first - 1) >= sizeof entry->cert || strlen(second + 1) >= sizeof entry->key) {
        fprintf(stderr, PROG ": bad -sni_cert %s (NAME:CERT:KEY, at most %d)\n", spec, MAX_SNI_CERTS);
        usage();
    }
    entry = &opts->sni[opts->sni_count++];
    memcpy(entry->name, spec, (size_t)(first - spec));
    memcpy(entry->cert, first + 1, (size_t)(second - first - 1));
    strcpy(entry->key, second + 1);
}

/* ALPN as s_server does it: our first protocol the client also offers, else fatal. */
static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    const struct server_options *opts = arg;
    unsigned char *chosen = NULL;
    (void)ssl;
    if (SSL_select_next_proto(&chosen, outlen, opts->alpn_wire, opts->alpn_wire_len, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
}

/* Switches to the -sni_cert context for the name the client asked for. */
static int select_certificate(SSL *ssl, int *alert, void *arg)
{
    struct server_options *opts = arg;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    int i;
    for (i = 0; name && i < opts->sni_count; i++) {
        if (strcasecmp(name, opts->sni[i].name) == 0) {
            SSL_set_SSL_CTX(ssl, opts->sni[i].ctx);
            return SSL_TLSEXT_ERR_OK;
        }
    }
    if (opts->sni_fatal) {
        *alert = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

static void parse_args(int argc, char **argv, struct server_options *opts)
{
    const char *listen_spec = NULL;
    int i;

    memset(opts, 0, sizeof *opts);
    opts->host = "127.0.0.1";
    opts->accept_limit = -1;
    opts->timeout_secs = 10;
    opts->keymat_len = 20;
    opts->num_tickets = -1;
    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];
#define NEXT_ARG() (i + 1 < argc ? argv[++i] : (usage(), (char *)NULL))
        if (!strcmp(arg, "-accept")) listen_spec = NEXT_ARG();
        else if (!strcmp(arg, "-cert")) opts->cert_file[0] = NEXT_ARG();
        else if (!strcmp(arg, "-key")) opts->key_file[0] = NEXT_ARG();
        else if (!strcmp(arg, "-cert2")) opts->cert_file[1] = NEXT_ARG();
        else if (!strcmp(arg, "-key2")) opts->key_file[1] = NEXT_ARG();
        else if (!strcmp(arg, "-cert3")) opts->cert_file[2] = NEXT_ARG();
        else if (!strcmp(arg, "-key3")) opts->key_file[2] = NEXT_ARG();
        else if (!strcmp(arg, "-CAfile")) opts->ca_file = NEXT_ARG();
        else if (!strcmp(arg, "-Verify") || !strcmp(arg, "-require_peer"))
            opts->require_client_cert = opts->request_client_cert = 1;
        else if (!strcmp(arg, "-verify_peer")) opts->request_client_cert = 1;
        else if (!strcmp(arg, "-showcerts")) opts->show_certs = 1;
        else if (!strcmp(arg, "-ciphersuites")) opts->ciphersuites = NEXT_ARG();
        else if (!strcmp(arg, "-cipher")) opts->cipher_list = NEXT_ARG();
        else if (!strcmp(arg, "-groups")) opts->groups = NEXT_ARG();
        else if (!strcmp(arg, "-sigalgs")) opts->sigalgs = NEXT_ARG();
        else if (!strcmp(arg, "-serverpref")) opts->server_preference = 1;
        else if (!strcmp(arg, "-alpn")) opts->alpn = NEXT_ARG();
        else if (!strcmp(arg, "-sni_cert")) parse_sni_cert(opts, NEXT_ARG());
        else if (!strcmp(arg, "-sni_fatal")) opts->sni_fatal = 1;
        else if (!strcmp(arg, "-tls1_2")) opts->pinned_version = TLS1_2_VERSION;
        else if (!strcmp(arg, "-tls1_3")) opts->pinned_version = TLS1_3_VERSION;
        else if (!strcmp(arg, "-www")) opts->www = 1;
        else if (!strcmp(arg, "-quiet")) opts->quiet = 1;
        else if (!strcmp(arg, "-naccept")) opts->accept_limit = atol(NEXT_ARG());
        else if (!strcmp(arg, "-timeout")) opts->timeout_secs = atoi(NEXT_ARG());
        else if (!strcmp(arg, "-no_ticket")) opts->no_ticket = 1;
        else if (!strcmp(arg, "-allow_no_ems")) opts->allow_no_ems = 1;
        else if (!strcmp(arg, "-keymatexport")) opts->keymat_label = NEXT_ARG();
        else if (!strcmp(arg, "-keymatexportlen")) opts->keymat_len = atoi(NEXT_ARG());
        else if (!strcmp(arg, "-cert_comp")) opts->cert_comp = 1;
        else if (!strcmp(arg, "-no_tx_cert_comp")) opts->no_tx_cert_comp = 1;
        else if (!strcmp(arg, "-no_rx_cert_comp")) opts->no_rx_cert_comp = 1;
        else if (!strcmp(arg, "-cert_comp_algs")) opts->cert_comp_algs = NEXT_ARG();
        else if (!strcmp(arg, "-ticket_key_file")) opts->ticket_key_file = NEXT_ARG();
        else if (!strcmp(arg, "-num_tickets")) opts->num_tickets = atoi(NEXT_ARG());
        else if (!strcmp(arg, "-status_file")) opts->status_file = NEXT_ARG();
        else if (!strcmp(arg, "-psk")) opts->psk_hex = NEXT_ARG();
        else if (!strcmp(arg, "-psk_identity")) opts->psk_identity = NEXT_ARG();
        else if (!strcmp(arg, "-psk_hint")) opts->psk_hint = NEXT_ARG();
        else if (!strcmp(arg, "-nocert")) opts->no_cert = 1;
        else if (!strcmp(arg, "-verify_post_handshake")) opts->post_handshake_auth = 1;
        else if (!strcmp(arg, "-h") || !strcmp(arg, "-help") || !strcmp(arg, "--help")) usage();
        else if (arg[0] == '-') {
            fprintf(stderr, PROG ": unknown option %s\n", arg);
            usage();
        } else if (!listen_spec) listen_spec = arg;
        else usage();
#undef NEXT_ARG
    }
    if (!listen_spec || !split_listen_spec(listen_spec, &opts->host, &opts->port))
        usage();
    if (!opts->cert_file[0] && !opts->no_cert) {
        fprintf(stderr, PROG ": -cert is required (or -nocert with -psk)\n");
        usage();
    }
    if (opts->no_cert && !opts->psk_hex) {
        fprintf(stderr, PROG ": -nocert needs -psk\n");
        usage();
    }
    if (opts->timeout_secs <= 0)
        opts->timeout_secs = 10;
    if (opts->alpn) {
        opts->alpn_wire_len = alpn_wire(opts->alpn, opts->alpn_wire, sizeof opts->alpn_wire);
        if (opts->alpn_wire_len == 0) {
            fprintf(stderr, PROG ": bad -alpn %s\n", opts->alpn);
            usage();
        }
    }
}

#ifdef LIBTLS_TEST_OPENSSL
static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* OpenSSL takes one key in its own 80-byte layout (name, HMAC secret, AES key): the first
 * key of the file, its key serving as both secrets. */
static int load_ticket_keys(SSL_CTX *ctx, const char *path)
{
    char line[512];
    unsigned char key[48], keys[80];
    FILE *f = fopen(path, "r");
    int loaded = 0;
    if (!f)
        return 0;
    while (!loaded && fgets(line, sizeof line, f)) {
        char *p = line;
        size_t i;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == '\0')
            continue;
        for (i = 0; i < sizeof key; i++) {
            int hi = hex_value(p[2 * i]), lo = hi < 0 ? -1 : hex_value(p[2 * i + 1]);
            if (hi < 0 || lo < 0)
                break;
            key[i] = (unsigned char)(hi * 16 + lo);
        }
        if (i != sizeof key)
            break;
        memcpy(keys, key, 16);
        memcpy(keys + 16, key + 16, 32);
        memcpy(keys + 48, key + 16, 32);
        loaded = SSL_CTX_set_tlsext_ticket_keys(ctx, keys, sizeof keys) == 1;
    }
    fclose(f);
    return loaded;
}
#else
static int load_ticket_keys(SSL_CTX *ctx, const char *path)
{
    return SSL_CTX_load_tlsext_ticket_key_file(ctx, path);
}
#endif

/* The context for -cert/-cert2, or with `only_cert` set, for that one certificate (-sni_cert). */
/* -status_file: the whole file, at most what a handshake can carry (2^24-1 bytes). */
static int load_status_file(struct server_options *opts)
{
    const long max = (1L << 24) - 1;
    FILE *f = fopen(opts->status_file, "rb");
    long len;
    if (!f) {
        fprintf(stderr, PROG ": cannot open -status_file %s: %s\n", opts->status_file,
                strerror(errno));
        return 0;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) <= 0 || len > max ||
        fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, PROG ": -status_file %s must hold 1 to %ld bytes\n", opts->status_file, max);
        fclose(f);
        return 0;
    }
    opts->status_der = malloc((size_t)len);
    if (!opts->status_der || fread(opts->status_der, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, PROG ": cannot read -status_file %s\n", opts->status_file);
        fclose(f);
        return 0;
    }
    fclose(f);
    opts->status_len = len;
    return 1;
}

/* The status callback of a server: staples a copy of -status_file's response (the library
 * takes the OPENSSL_malloc'd buffer over). */
static int staple_status(SSL *ssl, void *arg)
{
    const struct server_options *opts = arg;
    unsigned char *copy = OPENSSL_malloc((size_t)opts->status_len);
    if (!copy)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    memcpy(copy, opts->status_der, (size_t)opts->status_len);
    if (SSL_set_tlsext_status_ocsp_resp(ssl, copy, opts->status_len) != 1) {
        OPENSSL_free(copy);
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
}

static SSL_CTX *make_context(struct server_options *opts, const char *only_cert,
                             const char *only_key)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    const char *certs[3], *keys[3];
    int i;
    if (!ctx) {
        fprintf(stderr, PROG ": SSL_CTX_new failed\n");
        return NULL;
    }
    if (opts->pinned_version &&
        (!SSL_CTX_set_min_proto_version(ctx, opts->pinned_version) ||
         !SSL_CTX_set_max_proto_version(ctx, opts->pinned_version))) {
        fprintf(stderr, PROG ": cannot pin the protocol version\n");
        goto fail;
    }
    if (opts->cipher_list && !SSL_CTX_set_cipher_list(ctx, opts->cipher_list)) {
        fprintf(stderr, PROG ": bad -cipher %s\n", opts->cipher_list);
        goto fail;
    }
    if (opts->ciphersuites && !SSL_CTX_set_ciphersuites(ctx, opts->ciphersuites)) {
        fprintf(stderr, PROG ": bad -ciphersuites %s\n", opts->ciphersuites);
        goto fail;
    }
    if (opts->groups && !SSL_CTX_set1_groups_list(ctx, opts->groups)) {
        fprintf(stderr, PROG ": bad -groups %s\n", opts->groups);
        goto fail;
    }
    if (opts->sigalgs && !SSL_CTX_set1_sigalgs_list(ctx, opts->sigalgs)) {
        fprintf(stderr, PROG ": bad -sigalgs %s\n", opts->sigalgs);
        goto fail;
    }
    if (opts->server_preference)
        SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (opts->alpn)
        SSL_CTX_set_alpn_select_cb(ctx, select_alpn, opts);
    if (!only_cert && opts->sni_count > 0) {
        SSL_CTX_set_tlsext_servername_callback(ctx, select_certificate);
        SSL_CTX_set_tlsext_servername_arg(ctx, opts);
    }
    certs[0] = only_cert ? only_cert : opts->cert_file[0];
    keys[0] = only_cert ? only_key : opts->key_file[0];
    for (i = 1; i < 3; i++) {
        certs[i] = only_cert ? NULL : opts->cert_file[i];
        keys[i] = only_cert ? NULL : opts->key_file[i];
    }
    for (i = 0; i < 3; i++) {
        const char *cert = certs[i];
        const char *key = keys[i] ? keys[i] : cert;
        if (!cert)
            continue;
        if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(ctx) != 1) {
            fprintf(stderr, PROG ": cannot load certificate %s / key %s\n", cert, key);
            goto fail;
        }
    }
    /* Sessions resume only within this program's context (OpenSSL insists on one when it
     * verifies clients). */
    if (!SSL_CTX_set_session_id_context(ctx, (const unsigned char *)PROG, sizeof PROG - 1)) {
        fprintf(stderr, PROG ": cannot set the session ID context\n");
        goto fail;
    }
#ifndef LIBTLS_TEST_OPENSSL
    /* libtls requires EMS by default; OpenSSL accepts peers without it, so there is nothing
     * to switch off. */
    if (opts->allow_no_ems)
        SSL_CTX_set_allow_no_ems(ctx, 1);
#endif
    if (opts->no_tx_cert_comp)
        SSL_CTX_set_options(ctx, SSL_OP_NO_TX_CERTIFICATE_COMPRESSION);
    if (opts->no_rx_cert_comp)
        SSL_CTX_set_options(ctx, SSL_OP_NO_RX_CERTIFICATE_COMPRESSION);
    if (opts->cert_comp_algs && !set_cert_comp_algs(ctx, opts->cert_comp_algs)) {
        fprintf(stderr, PROG ": bad -cert_comp_algs %s\n", opts->cert_comp_algs);
        goto fail;
    }
    if (opts->cert_comp && !SSL_CTX_compress_certs(ctx, 0)) {
        fprintf(stderr, PROG ": cannot compress the certificates\n");
        goto fail;
    }
    if (opts->no_ticket)
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    if (opts->num_tickets >= 0 && !SSL_CTX_set_num_tickets(ctx, (size_t)opts->num_tickets)) {
        fprintf(stderr, PROG ": bad -num_tickets %d\n", opts->num_tickets);
        goto fail;
    }
    if (opts->ticket_key_file && !load_ticket_keys(ctx, opts->ticket_key_file)) {
        fprintf(stderr, PROG ": cannot load ticket keys from %s\n", opts->ticket_key_file);
        goto fail;
    }
    if (opts->psk_hex) {
        psk_key_len = psk_key_from_hex(opts->psk_hex, psk_key, sizeof psk_key);
        if (psk_key_len == 0) {
            fprintf(stderr, PROG ": bad -psk %s (expected hex digits)\n", opts->psk_hex);
            goto fail;
        }
        if (opts->psk_identity)
            psk_identity = opts->psk_identity;
        SSL_CTX_set_psk_server_callback(ctx, find_psk);
        /* The TLS 1.2 PSK suites are in no default list: add them after the others. */
        if (!opts->cipher_list && !SSL_CTX_set_cipher_list(ctx, "DEFAULT:PSK"))
            goto fail;
        if (opts->psk_hint && !SSL_CTX_use_psk_identity_hint(ctx, opts->psk_hint)) {
            fprintf(stderr, PROG ": bad -psk_hint\n");
            goto fail;
        }
    }
    if (opts->ca_file || opts->request_client_cert || opts->post_handshake_auth) {
        if (opts->ca_file && !SSL_CTX_load_verify_locations(ctx, opts->ca_file, NULL)) {
            fprintf(stderr, PROG ": cannot load -CAfile %s\n", opts->ca_file);
            goto fail;
        }
        if (!opts->ca_file && !SSL_CTX_set_default_verify_paths(ctx)) {
            fprintf(stderr, PROG ": cannot load the default verify paths\n");
            goto fail;
        }
        SSL_CTX_set_verify(ctx,
                           SSL_VERIFY_PEER |
                               (opts->require_client_cert ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0) |
                               (opts->post_handshake_auth ? SSL_VERIFY_POST_HANDSHAKE : 0),
                           NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    }
    if (opts->status_file) {
        if (!opts->status_der && !load_status_file(opts))
            goto fail;
        SSL_CTX_set_tlsext_status_cb(ctx, staple_status);
        SSL_CTX_set_tlsext_status_arg(ctx, opts);
    }
    enable_keylog(ctx);
    return ctx;

fail:
    fprintf(stderr, PROG ": ");
    print_error_queue(stderr);
    fprintf(stderr, "\n");
    SSL_CTX_free(ctx);
    return NULL;
}

static int open_listener(const struct server_options *opts)
{
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char shown[INET6_ADDRSTRLEN];
    int one = 1, fd, family;
    char *end;
    long port = strtol(opts->port, &end, 10);

    if (*end != '\0' || port < 0 || port > 65535) {
        fprintf(stderr, PROG ": bad port %s\n", opts->port);
        return -1;
    }
    memset(&addr, 0, sizeof addr);
    if (inet_pton(AF_INET, opts->host, &((struct sockaddr_in *)&addr)->sin_addr) == 1) {
        family = AF_INET;
        ((struct sockaddr_in *)&addr)->sin_family = AF_INET;
        ((struct sockaddr_in *)&addr)->sin_port = htons((unsigned short)port);
        addr_len = sizeof(struct sockaddr_in);
    } else if (inet_pton(AF_INET6, opts->host, &((struct sockaddr_in6 *)&addr)->sin6_addr) == 1) {
        family = AF_INET6;
        ((struct sockaddr_in6 *)&addr)->sin6_family = AF_INET6;
        ((struct sockaddr_in6 *)&addr)->sin6_port = htons((unsigned short)port);
        addr_len = sizeof(struct sockaddr_in6);
    } else {
        fprintf(stderr, PROG ": listen address must be an IP literal: %s\n", opts->host);
        return -1;
    }
    fd = socket(family, SOCK_STREAM, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&addr, addr_len) != 0 || listen(fd, 16) != 0) {
        fprintf(stderr, PROG ": cannot listen on %s:%s: %s\n", opts->host, opts->port,
                strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    addr_len = sizeof addr;
    getsockname(fd, (struct sockaddr *)&addr, &addr_len);
    if (family == AF_INET) {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&addr)->sin_addr, shown, sizeof shown);
        fprintf(stderr, PROG ": listening on %s:%u\n", shown,
                ntohs(((struct sockaddr_in *)&addr)->sin_port));
    } else {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&addr)->sin6_addr, shown, sizeof shown);
        fprintf(stderr, PROG ": listening on [%s]:%u\n", shown,
                ntohs(((struct sockaddr_in6 *)&addr)->sin6_port));
    }
    fflush(stderr);
    return fd;
}

static void serve_connection(SSL_CTX *ctx, int fd, const struct server_options *opts)
{
    struct timeval tv = {.tv_sec = opts->timeout_secs, .tv_usec = 0};
    char session[2048];
    SSL *ssl;
    int ret, ok;

    /* A silent or stalled peer must not wedge a one-connection-at-a-time server. */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

    ssl = SSL_new(ctx);
    if (!ssl || !SSL_set_fd(ssl, fd)) {
        fprintf(stderr, PROG ": SSL_new/SSL_set_fd failed\n");
        if (ssl)
            SSL_free(ssl);
        return;
    }
    SSL_set_accept_state(ssl);
    ERR_clear_error();
    errno = 0;
    ret = SSL_accept(ssl);
    if (ret != 1) {
        report_failure("handshake failed", ssl, ret, errno);
        report_diagnosis(ssl);
        SSL_free(ssl);
        return;
    }
    describe_session(ssl, session, sizeof session);
    fprintf(stderr, PROG ": accepted: %s\n", session);
    report_cert_comp(stderr, PROG, ssl);
    fflush(stderr);
    print_keying_material(stderr, ssl, opts->keymat_label, opts->keymat_len);
    if (opts->show_certs)
        print_peer_chain(ssl, 0);

    ok = opts->www ? serve_www(ssl) : serve_echo(ssl, opts);
    if (ok)
        SSL_shutdown(ssl);
    SSL_free(ssl);
}

int main(int argc, char **argv)
{
    struct server_options opts;
    SSL_CTX *ctx;
    long served = 0;
    int listener, i;

    signal(SIGPIPE, SIG_IGN);
    parse_args(argc, argv, &opts);
    ctx = make_context(&opts, NULL, NULL);
    if (!ctx) {
        free(opts.status_der);
        return 1;
    }
    for (i = 0; i < opts.sni_count; i++) {
        opts.sni[i].ctx = make_context(&opts, opts.sni[i].cert, opts.sni[i].key);
        if (!opts.sni[i].ctx)
            return 1;
    }
    listener = open_listener(&opts);
    if (listener < 0) {
        SSL_CTX_free(ctx);
        return 1;
    }
    while (opts.accept_limit < 0 || served < opts.accept_limit) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            fprintf(stderr, PROG ": accept failed: %s\n", strerror(errno));
            break;
        }
        serve_connection(ctx, fd, &opts);
        close(fd);
        served++;
    }
    close(listener);
    for (i = 0; i < opts.sni_count; i++)
        SSL_CTX_free(opts.sni[i].ctx);
    SSL_CTX_free(ctx);
    free(opts.status_der);
    return 0;
}
