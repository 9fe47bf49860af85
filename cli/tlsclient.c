/* tlsclient: a small TLS client in the spirit of `openssl s_client`, written against the
 * OpenSSL-compatible C API so that it builds against libtls and, for comparison, OpenSSL.
 *
 * Greppable output on stderr (one line each):
 *   tlsclient: connected: version=V cipher=C group=G peer="SUBJECT"|none verify=ok|fail:N:"TEXT"
 *              alpn=PROTOCOL|none
 *   tlsclient: handshake failed: ssl_error=N (NAME) errno=E errors=[E1; E2] verify=...
 *   tlsclient: session: New|Reused, VERSION, Cipher is CIPHER   (as s_client prints it)
 *   tlsclient: diagnosis: PLAIN WORDS (cause=NAME)      (libtls builds, after a failed handshake)
 * With -showcerts, after "connected:" (depth 0 = the server's certificate):
 *   tlsclient: peer chain: verified, N certificates | peer chain: as sent, not verified
 *   tlsclient: cert DEPTH: subject="S" issuer="I" notBefore=YYYY-MM-DDTHH:MM:SSZ notAfter=...
 *   tlsclient: verify result: N (TEXT)
 * With -status (OCSP stapling), during the handshake:
 *   tlsclient: OCSP response: good|revoked|unknown|no response sent|unreadable (DETAIL)
 *   (a revoked certificate ends the handshake: bad_certificate_status_response)
 * With SSLKEYLOGFILE set, the session secrets are appended to that file (NSS key log format).
 * Exit status: 0 success, 1 connection/handshake/I/O failure, 2 usage error. */
#include "compat.h"
#include <openssl/ocsp.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define PROG "tlsclient"

#include "common.h"

struct client_options {
    const char *host;
    const char *port;
    const char *cert_file;
    const char *key_file;
    const char *ca_file;
    const char *server_name;
    const char *ciphersuites;
    const char *cipher_list;
    const char *groups;
    const char *sigalgs;
    const char *alpn;
    const char *message;
    const char *get_path;
    int pinned_version; /* 0, TLS1_2_VERSION or TLS1_3_VERSION */
    int no_verify;
    int show_certs;
    int quiet;
    int timeout_secs;
    const char *sess_in;
    const char *sess_out;
    int reconnect;
    int no_ticket;
    int allow_no_ems;
    int status;
    const char *keymat_label;
    int keymat_len;
    const char *psk_hex;
    const char *psk_identity;
    int enable_pha;
    int no_tx_cert_comp;
    int no_rx_cert_comp;
    const char *cert_comp_algs;
};

/* -psk: the external PSK offered in TLS 1.3, built as an SSL_SESSION for the use-session
 * callback (as `openssl s_client -psk` does). */
static unsigned char psk_key[512];
static size_t psk_key_len;
static const char *psk_identity = "Client_identity";

static int use_psk_session(SSL *ssl, const EVP_MD *md, const unsigned char **id, size_t *idlen,
                           SSL_SESSION **sess)
{
    static const unsigned char aes128gcm_sha256[2] = {0x13, 0x01};
    const SSL_CIPHER *cipher = SSL_CIPHER_find(ssl, aes128gcm_sha256);
    SSL_SESSION *s;
    *sess = NULL;
    if (!cipher || (md && SSL_CIPHER_get_handshake_digest(cipher) != md))
        return 1; /* after a retry with another hash: no PSK */
    s = SSL_SESSION_new();
    if (!s || !SSL_SESSION_set1_master_key(s, psk_key, psk_key_len) ||
        !SSL_SESSION_set_cipher(s, cipher) ||
        !SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION)) {
        SSL_SESSION_free(s);
        return 0;
    }
    *sess = s;
    *id = (const unsigned char *)psk_identity;
    *idlen = strlen(psk_identity);
    return 1;
}

/* -psk in TLS 1.2: the PSK suites' identity and key (OpenSSL's older callback, which the TLS
 * 1.2 PSK suites use); prints the server's identity hint. */
static unsigned int psk_client_cb(SSL *ssl, const char *hint, char *identity,
                                  unsigned int max_identity_len, unsigned char *psk,
                                  unsigned int max_psk_len)
{
    (void)ssl;
    if (hint)
        fprintf(stderr, PROG ": PSK identity hint \"%s\"\n", hint);
    if (strlen(psk_identity) > max_identity_len || psk_key_len > max_psk_len)
        return 0;
    memcpy(identity, psk_identity, strlen(psk_identity) + 1);
    memcpy(psk, psk_key, psk_key_len);
    return (unsigned int)psk_key_len;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: " PROG " [-connect] host:port | host port [options]\n"
            "  -cert FILE          client certificate chain (PEM)\n"
            "  -key FILE           client private key (PEM)\n"
            "  -CAfile FILE        trust anchors (default: system paths)\n"
            "  -servername NAME    SNI and name to verify (default: host unless an IP)\n"
            "  -ciphersuites LIST  TLS 1.3 suites, colon separated\n"
            "  -cipher LIST        TLS 1.2 suites, OpenSSL cipher-list syntax\n"
            "  -groups LIST        key exchange groups, colon separated\n"
            "  -sigalgs LIST       signature algorithms, OpenSSL syntax, colon separated\n"
            "  -alpn LIST          offer these ALPN protocols, comma separated (h2,http/1.1)\n"
            "  -tls1_2 | -tls1_3   only this protocol version\n"
            "  -noverify           do not fail on certificate errors\n"
            "  -showcerts          print the server's chain (subject, issuer, validity) and\n"
            "                      the verify result after the handshake\n"
            "  -quiet              no informational output\n"
            "  -msg TEXT           send TEXT, print the reply until the peer closes\n"
            "  -get PATH           send an HTTP/1.0 GET and print the response\n"
            "  -timeout SECS       connect/handshake/read timeout (default 10)\n"
            "  -sess_in FILE       resume the session saved in FILE\n"
            "  -sess_out FILE      save the session to FILE after the (last) connection\n"
            "  -reconnect N        connect N more times, resuming the previous session\n"
            "  -no_ticket          do not ask for session tickets\n"
            "  -allow_no_ems       accept TLS 1.2 servers without the extended master secret\n"
            "  -status             ask for the server's OCSP response (stapling), print its\n"
            "                      status; a revoked certificate fails the handshake\n"
            "  -keymatexport LABEL print keying material exported with LABEL (RFC 5705/8446)\n"
            "  -keymatexportlen N  its length in bytes (default 20)\n"
            "  -psk HEX            offer this external PSK (TLS 1.3, with SHA-256; TLS 1.2\n"
            "                      with the PSK suites, which -psk adds to the default\n"
            "                      -cipher list); a server that accepts it sends no\n"
            "                      certificate\n"
            "  -psk_identity ID    the PSK's identity (default Client_identity)\n"
            "  -enable_pha         offer TLS 1.3 post-handshake authentication: answer a\n"
            "                      server's later certificate request with -cert\n"
            "  -no_rx_cert_comp    do not offer certificate compression (RFC 8879) to the server\n"
            "  -no_tx_cert_comp    never send our client certificate compressed\n"
            "  -cert_comp_algs L   certificate compression algorithms to offer and use, in\n"
            "                      order, comma separated: brotli,zlib,zstd (the default)\n");
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
}

/* " alpn=PROTOCOL" or " alpn=none". */
static void print_alpn(FILE *out, SSL *ssl)
{
    const unsigned char *protocol = NULL;
    unsigned int len = 0;
    SSL_get0_alpn_selected(ssl, &protocol, &len);
    if (protocol && len > 0)
        fprintf(out, " alpn=%.*s", (int)len, (const char *)protocol);
    else
        fprintf(out, " alpn=none");
}

static void report_connected(SSL *ssl)
{
    const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
    int group_nid = SSL_get_negotiated_group(ssl);
    const char *group = group_nid ? SSL_group_to_name(ssl, group_nid) : NULL;
    X509 *peer = SSL_get1_peer_certificate(ssl);
    char subject[512];

    fprintf(stderr, PROG ": connected: version=%s cipher=%s group=%s ", SSL_get_version(ssl),
            cipher ? SSL_CIPHER_get_name(cipher) : "none", group ? group : "none");
    if (peer) {
        X509_NAME_oneline(X509_get_subject_name(peer), subject, sizeof subject);
        fprintf(stderr, "peer=\"%s\" ", subject);
        X509_free(peer);
    } else {
        fprintf(stderr, "peer=none ");
    }
    print_verify_result(stderr, ssl);
    print_alpn(stderr, ssl);
    fprintf(stderr, "\n");
    report_cert_comp(stderr, PROG, ssl);
    fflush(stderr);
}

static int is_ip_literal(const char *host)
{
    unsigned char addr[16];
    return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

/* "host:port", "[v6]:port"; the caller owns nothing: host points into a static copy. */
static int split_host_port(const char *spec, const char **host, const char **port)
{
    static char copy[512];
    char *colon;
    if (strlen(spec) >= sizeof copy)
        return 0;
    strcpy(copy, spec);
    if (copy[0] == '[') {
        char *close = strchr(copy, ']');
        if (!close || close[1] != ':')
            return 0;
        *close = '\0';
        *host = copy + 1;
        *port = close + 2;
        return **port != '\0';
    }
    colon = strrchr(copy, ':');
    if (!colon || colon == copy || colon[1] == '\0')
        return 0;
    *colon = '\0';
    *host = copy;
    *port = colon + 1;
    return 1;
}

static void set_blocking(int fd, int blocking)
{
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, blocking ? (flags & ~O_NONBLOCK) : (flags | O_NONBLOCK));
}

static void set_io_timeout(int fd, int secs)
{
    struct timeval tv = {.tv_sec = secs, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* A plain connect() may block for minutes on an unreachable address, hence non-blocking + poll. */
static int connect_with_timeout(const char *host, const char *port, int timeout_secs)
{
    struct addrinfo hints, *found, *ai;
    int rc, fd = -1, last_errno = 0;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(host, port, &hints, &found);
    if (rc != 0) {
        fprintf(stderr, PROG ": cannot resolve %s:%s: %s\n", host, port, gai_strerror(rc));
        return -1;
    }
    for (ai = found; ai; ai = ai->ai_next) {
        struct pollfd pfd;
        int so_error = 0;
        socklen_t len = sizeof so_error;

        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        set_blocking(fd, 0);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        if (errno == EINPROGRESS) {
            pfd.fd = fd;
            pfd.events = POLLOUT;
            rc = poll(&pfd, 1, timeout_secs * 1000);
            if (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) == 0 &&
                so_error == 0)
                break;
            last_errno = rc == 0 ? ETIMEDOUT : so_error ? so_error : errno;
        } else {
            last_errno = errno;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(found);
    if (fd < 0) {
        fprintf(stderr, PROG ": cannot connect to %s:%s: %s\n", host, port, strerror(last_errno));
        return -1;
    }
    set_blocking(fd, 1);
    set_io_timeout(fd, timeout_secs);
    return fd;
}

/* Prints application data until the peer closes. A close without close_notify is tolerated
 * (plenty of HTTP/1.0 servers do it) but noted; a timeout or a TLS error is a failure. */
static int copy_until_close(SSL *ssl, const struct client_options *opts)
{
    char buf[16384];
    for (;;) {
        int n, code, saved_errno;
        ERR_clear_error();
        errno = 0;
        n = SSL_read(ssl, buf, sizeof buf);
        if (n > 0) {
            fwrite(buf, 1, (size_t)n, stdout);
            fflush(stdout);
            continue;
        }
        saved_errno = errno;
        code = SSL_get_error(ssl, n);
        if (code == SSL_ERROR_ZERO_RETURN)
            return 1;
        if (code == SSL_ERROR_SYSCALL && saved_errno == 0 && ERR_peek_error() == 0) {
            if (!opts->quiet)
                fprintf(stderr, PROG ": peer closed without close_notify\n");
            return 1;
        }
        if (code == SSL_ERROR_SSL &&
            ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
            if (!opts->quiet)
                fprintf(stderr, PROG ": peer closed without close_notify\n");
            ERR_clear_error();
            return 1;
        }
        report_failure("read failed", ssl, n, saved_errno);
        return 0;
    }
}

/* Waits until fd is ready for `events`; returns 0 on timeout or error. */
static int wait_for(int fd, short events, int timeout_secs)
{
    struct pollfd pfd = {.fd = fd, .events = events, .revents = 0};
    return poll(&pfd, 1, timeout_secs * 1000) == 1;
}

/* Interactive mode: stdin to the connection, the connection to stdout. The socket is made
 * non-blocking so every record the library has already buffered is drained (SSL_read until
 * WANT_READ) before sleeping in poll, which only sees the socket. */
static int relay_stdin(SSL *ssl, int fd, const struct client_options *opts)
{
    char buf[16384];
    int stdin_open = 1;

    set_blocking(fd, 0);
    for (;;) {
        struct pollfd pfds[2];
        int nfds = 1;

        for (;;) {
            int n, code, saved_errno;
            ERR_clear_error();
            errno = 0;
            n = SSL_read(ssl, buf, sizeof buf);
            if (n > 0) {
                fwrite(buf, 1, (size_t)n, stdout);
                fflush(stdout);
                continue;
            }
            saved_errno = errno;
            code = SSL_get_error(ssl, n);
            if (code == SSL_ERROR_WANT_READ)
                break;
            if (code == SSL_ERROR_WANT_WRITE) {
                wait_for(fd, POLLOUT, opts->timeout_secs);
                continue;
            }
            if (code == SSL_ERROR_ZERO_RETURN)
                return 1;
            if (code == SSL_ERROR_SYSCALL && saved_errno == 0 && ERR_peek_error() == 0)
                return 1;
            report_failure("read failed", ssl, n, saved_errno);
            return 0;
        }

        pfds[0].fd = fd;
        pfds[0].events = POLLIN;
        pfds[0].revents = 0;
        if (stdin_open) {
            pfds[1].fd = STDIN_FILENO;
            pfds[1].events = POLLIN;
            pfds[1].revents = 0;
            nfds = 2;
        }
        if (poll(pfds, (nfds_t)nfds, -1) < 0) {
            if (errno == EINTR)
                continue;
            return 0;
        }
        if (stdin_open && (pfds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t got = read(STDIN_FILENO, buf, sizeof buf);
            if (got <= 0) {
                /* Like s_client: end of input ends the session from our side; keep reading
                 * what the peer still sends until it closes. */
                stdin_open = 0;
                SSL_shutdown(ssl);
                continue;
            }
            for (;;) {
                int n, code;
                ERR_clear_error();
                errno = 0;
                n = SSL_write(ssl, buf, (int)got);
                if (n > 0)
                    break;
                code = SSL_get_error(ssl, n);
                if ((code == SSL_ERROR_WANT_WRITE || code == SSL_ERROR_WANT_READ) &&
                    wait_for(fd, code == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN,
                             opts->timeout_secs))
                    continue;
                report_failure("write failed", ssl, n, errno);
                return 0;
            }
        }
    }
}

static void parse_args(int argc, char **argv, struct client_options *opts)
{
    const char *positional[2] = {NULL, NULL};
    int npositional = 0;
    int i;

    memset(opts, 0, sizeof *opts);
    opts->timeout_secs = 10;
    opts->keymat_len = 20;
    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];
#define NEXT_ARG() (i + 1 < argc ? argv[++i] : (usage(), (char *)NULL))
        if (!strcmp(arg, "-connect")) {
            if (npositional >= 2) usage();
            positional[npositional++] = NEXT_ARG();
        }
        else if (!strcmp(arg, "-cert")) opts->cert_file = NEXT_ARG();
        else if (!strcmp(arg, "-key")) opts->key_file = NEXT_ARG();
        else if (!strcmp(arg, "-CAfile")) opts->ca_file = NEXT_ARG();
        else if (!strcmp(arg, "-servername")) opts->server_name = NEXT_ARG();
        else if (!strcmp(arg, "-ciphersuites")) opts->ciphersuites = NEXT_ARG();
        else if (!strcmp(arg, "-cipher")) opts->cipher_list = NEXT_ARG();
        else if (!strcmp(arg, "-groups")) opts->groups = NEXT_ARG();
        else if (!strcmp(arg, "-sigalgs")) opts->sigalgs = NEXT_ARG();
        else if (!strcmp(arg, "-alpn")) opts->alpn = NEXT_ARG();
        else if (!strcmp(arg, "-msg")) opts->message = NEXT_ARG();
        else if (!strcmp(arg, "-get")) opts->get_path = NEXT_ARG();
        else if (!strcmp(arg, "-timeout")) opts->timeout_secs = atoi(NEXT_ARG());
        else if (!strcmp(arg, "-tls1_2")) opts->pinned_version = TLS1_2_VERSION;
        else if (!strcmp(arg, "-tls1_3")) opts->pinned_version = TLS1_3_VERSION;
        else if (!strcmp(arg, "-noverify")) opts->no_verify = 1;
        else if (!strcmp(arg, "-showcerts")) opts->show_certs = 1;
        else if (!strcmp(arg, "-quiet")) opts->quiet = 1;
        else if (!strcmp(arg, "-sess_in")) opts->sess_in = NEXT_ARG();
        else if (!strcmp(arg, "-sess_out")) opts->sess_out = NEXT_ARG();
        else if (!strcmp(arg, "-reconnect")) opts->reconnect = atoi(NEXT_ARG());
        else if (!strcmp(arg, "-no_ticket")) opts->no_ticket = 1;
        else if (!strcmp(arg, "-allow_no_ems")) opts->allow_no_ems = 1;
        else if (!strcmp(arg, "-status")) opts->status = 1;
        else if (!strcmp(arg, "-keymatexport")) opts->keymat_label = NEXT_ARG();
        else if (!strcmp(arg, "-keymatexportlen")) opts->keymat_len = atoi(NEXT_ARG());
        else if (!strcmp(arg, "-psk")) opts->psk_hex = NEXT_ARG();
        else if (!strcmp(arg, "-psk_identity")) opts->psk_identity = NEXT_ARG();
        else if (!strcmp(arg, "-enable_pha")) opts->enable_pha = 1;
        else if (!strcmp(arg, "-no_tx_cert_comp")) opts->no_tx_cert_comp = 1;
        else if (!strcmp(arg, "-no_rx_cert_comp")) opts->no_rx_cert_comp = 1;
        else if (!strcmp(arg, "-cert_comp_algs")) opts->cert_comp_algs = NEXT_ARG();
        else if (!strcmp(arg, "-h") || !strcmp(arg, "-help") || !strcmp(arg, "--help")) usage();
        else if (arg[0] == '-') {
            fprintf(stderr, PROG ": unknown option %s\n", arg);
            usage();
        } else if (npositional < 2) positional[npositional++] = arg;
        else usage();
#undef NEXT_ARG
    }
    if (npositional == 1) {
        if (!split_host_port(positional[0], &opts->host, &opts->port)) {
            fprintf(stderr, PROG ": expected host:port, got %s\n", positional[0]);
            usage();
        }
    } else if (npositional == 2) {
        opts->host = positional[0];
        opts->port = positional[1];
    } else {
        usage();
    }
    if (opts->timeout_secs <= 0)
        opts->timeout_secs = 10;
    if (opts->message && opts->get_path)
        usage();
}

/* The status of the server's certificate in an OCSP response: its own entry when the issuer is
 * in the chain the server sent, else the response's first entry. V_OCSP_CERTSTATUS_* or -1. */
static int leaf_ocsp_status(SSL *ssl, OCSP_BASICRESP *basic, int *reason)
{
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    X509 *leaf = SSL_get1_peer_certificate(ssl);
    int status = -1;
    *reason = -1;
    if (leaf && chain && sk_X509_num(chain) > 1) {
        OCSP_CERTID *id = OCSP_cert_to_id(NULL, leaf, sk_X509_value(chain, 1));
        if (id && !OCSP_resp_find_status(basic, id, &status, reason, NULL, NULL, NULL))
            status = -1;
        OCSP_CERTID_free(id);
    }
    if (status < 0 && OCSP_resp_count(basic) > 0) {
        OCSP_SINGLERESP *single = OCSP_resp_get0(basic, 0);
        status = single ? OCSP_single_get0_status(single, reason, NULL, NULL, NULL) : -1;
    }
    X509_free(leaf);
    return status;
}

/* -status: the status callback of a client (OpenSSL's convention: 1 go on, 0 refuse the
 * response, which fails the handshake with bad_certificate_status_response). Prints what the
 * stapled response says; only a revoked certificate is refused. */
static int ocsp_status_cb(SSL *ssl, void *arg)
{
    const unsigned char *der = NULL;
    const unsigned char *p;
    long len = SSL_get_tlsext_status_ocsp_resp(ssl, &der);
    OCSP_RESPONSE *resp;
    OCSP_BASICRESP *basic;
    int status, reason, ok = 1;
    (void)arg;
    if (len <= 0 || !der) {
        fprintf(stderr, PROG ": OCSP response: no response sent\n");
        return 1;
    }
    p = der;
    resp = d2i_OCSP_RESPONSE(NULL, &p, len);
    if (!resp) {
        fprintf(stderr, PROG ": OCSP response: unreadable (not a DER OCSP response)\n");
        return 1;
    }
    if (OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        fprintf(stderr, PROG ": OCSP response: unreadable (responder status %s)\n",
                OCSP_response_status_str(OCSP_response_status(resp)));
        OCSP_RESPONSE_free(resp);
        return 1;
    }
    basic = OCSP_response_get1_basic(resp);
    status = basic ? leaf_ocsp_status(ssl, basic, &reason) : -1;
    switch (status) {
    case V_OCSP_CERTSTATUS_GOOD:
        fprintf(stderr, PROG ": OCSP response: good\n");
        break;
    case V_OCSP_CERTSTATUS_REVOKED:
        fprintf(stderr, PROG ": OCSP response: revoked (reason %s)\n",
                reason >= 0 ? OCSP_crl_reason_str(reason) : "unspecified");
        ok = 0;
        break;
    case V_OCSP_CERTSTATUS_UNKNOWN:
        fprintf(stderr, PROG ": OCSP response: unknown\n");
        break;
    default:
        fprintf(stderr, PROG ": OCSP response: unreadable (no status for the certificate)\n");
        break;
    }
    fflush(stderr);
    OCSP_BASICRESP_free(basic);
    OCSP_RESPONSE_free(resp);
    return ok;
}

static SSL_CTX *make_context(const struct client_options *opts)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
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
    if (opts->alpn) {
        unsigned char wire[1024];
        unsigned int len = alpn_wire(opts->alpn, wire, sizeof wire);
        /* Note OpenSSL's inverted convention: 0 is success here. */
        if (len == 0 || SSL_CTX_set_alpn_protos(ctx, wire, len) != 0) {
            fprintf(stderr, PROG ": bad -alpn %s\n", opts->alpn);
            goto fail;
        }
    }
    if (opts->ca_file ? !SSL_CTX_load_verify_locations(ctx, opts->ca_file, NULL)
                      : !SSL_CTX_set_default_verify_paths(ctx)) {
        fprintf(stderr, PROG ": cannot load trust anchors %s\n", opts->ca_file ? opts->ca_file : "");
        goto fail;
    }
    if (opts->cert_file) {
        if (SSL_CTX_use_certificate_chain_file(ctx, opts->cert_file) != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx, opts->key_file ? opts->key_file : opts->cert_file,
                                        SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(ctx) != 1) {
            fprintf(stderr, PROG ": cannot load client certificate/key %s\n", opts->cert_file);
            goto fail;
        }
    }
    SSL_CTX_set_verify(ctx, opts->no_verify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    enable_keylog(ctx);
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
    if (opts->no_ticket)
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    if (opts->status &&
        (SSL_CTX_set_tlsext_status_type(ctx, TLSEXT_STATUSTYPE_ocsp) != 1 ||
         SSL_CTX_set_tlsext_status_cb(ctx, ocsp_status_cb) != 1)) {
        fprintf(stderr, PROG ": cannot ask for OCSP stapling\n");
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
        SSL_CTX_set_psk_use_session_callback(ctx, use_psk_session);
        SSL_CTX_set_psk_client_callback(ctx, psk_client_cb);
        /* The TLS 1.2 PSK suites are in no default list: add them after the others. */
        if (!opts->cipher_list && !SSL_CTX_set_cipher_list(ctx, "DEFAULT:PSK"))
            goto fail;
    }
    if (opts->enable_pha)
        SSL_CTX_set_post_handshake_auth(ctx, 1);
    return ctx;

fail:
    fprintf(stderr, PROG ": ");
    print_error_queue(stderr);
    fprintf(stderr, "\n");
    SSL_CTX_free(ctx);
    return NULL;
}

/* The session saved by -sess_out: i2d_SSL_SESSION's bytes, as they are. */
static SSL_SESSION *load_session(const char *path)
{
    unsigned char buf[65536];
    const unsigned char *p = buf;
    SSL_SESSION *session;
    size_t len;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, PROG ": cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    session = d2i_SSL_SESSION(NULL, &p, (long)len);
    if (!session) {
        fprintf(stderr, PROG ": %s holds no usable session: ", path);
        print_error_queue(stderr);
        fprintf(stderr, "\n");
    }
    return session;
}

static int save_session(SSL_SESSION *session, const char *path)
{
    unsigned char *der = NULL;
    int len = i2d_SSL_SESSION(session, &der);
    FILE *f;
    int ok;
    if (len <= 0) {
        fprintf(stderr, PROG ": cannot encode the session\n");
        return 0;
    }
    f = fopen(path, "wb");
    ok = f && fwrite(der, 1, (size_t)len, f) == (size_t)len;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, PROG ": cannot write %s\n", path);
    OPENSSL_free(der);
    return ok;
}

/* One connection: handshake (offering `resume` if any), the chosen exchange, shutdown.
 * Returns 1 on success; *session_out receives the connection's session (or NULL). */
static int run_connection(SSL_CTX *ctx, const struct client_options *opts, SSL_SESSION *resume,
                          SSL_SESSION **session_out)
{
    SSL *ssl = NULL;
    const char *verify_name;
    const SSL_CIPHER *cipher;
    int fd, ret, ok = 0;

    *session_out = NULL;
    fd = connect_with_timeout(opts->host, opts->port, opts->timeout_secs);
    if (fd < 0)
        return 0;

    ssl = SSL_new(ctx);
    if (!ssl || !SSL_set_fd(ssl, fd)) {
        fprintf(stderr, PROG ": SSL_new/SSL_set_fd failed\n");
        goto done;
    }
    /* SNI carries DNS names only; an IP literal is still checked against the IP SANs. */
    verify_name = opts->server_name ? opts->server_name : opts->host;
    if (!is_ip_literal(verify_name) && !SSL_set_tlsext_host_name(ssl, verify_name)) {
        fprintf(stderr, PROG ": bad server name %s\n", verify_name);
        goto done;
    }
    if (!opts->no_verify && !SSL_set1_host(ssl, verify_name)) {
        fprintf(stderr, PROG ": cannot set the name to verify %s\n", verify_name);
        goto done;
    }
    if (resume && !SSL_set_session(ssl, resume)) {
        fprintf(stderr, PROG ": SSL_set_session failed\n");
        goto done;
    }
    SSL_set_connect_state(ssl);

    ERR_clear_error();
    errno = 0;
    ret = SSL_connect(ssl);
    if (ret != 1) {
        report_failure("handshake failed", ssl, ret, errno);
        report_diagnosis(ssl);
        goto done;
    }
    report_connected(ssl);
    if (opts->show_certs)
        print_peer_chain(ssl, 1);
    cipher = SSL_get_current_cipher(ssl);
    fprintf(stderr, PROG ": session: %s, %s, Cipher is %s\n",
            SSL_session_reused(ssl) ? "Reused" : "New", SSL_get_version(ssl),
            cipher ? SSL_CIPHER_get_name(cipher) : "none");
    fflush(stderr);
    print_keying_material(stderr, ssl, opts->keymat_label, opts->keymat_len);

    if (opts->message) {
        /* Half-close after the message so an echo server knows we are done and closes too. */
        ok = write_all(ssl, opts->message, strlen(opts->message));
        if (ok) {
            SSL_shutdown(ssl);
            ok = copy_until_close(ssl, opts);
        }
    } else if (opts->get_path) {
        char request[2048];
        int len = snprintf(request, sizeof request, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n",
                           opts->get_path, verify_name);
        if (len < 0 || (size_t)len >= sizeof request) {
            fprintf(stderr, PROG ": request too long\n");
            goto done;
        }
        ok = write_all(ssl, request, (size_t)len) && copy_until_close(ssl, opts);
    } else {
        ok = relay_stdin(ssl, fd, opts);
    }
    if (ok) {
        set_blocking(fd, 1);
        SSL_shutdown(ssl);
    }
    /* After the exchange: TLS 1.3 tickets arrive once the handshake is over. */
    *session_out = SSL_get1_session(ssl);

done:
    if (ssl)
        SSL_free(ssl);
    close(fd);
    return ok;
}

int main(int argc, char **argv)
{
    struct client_options opts;
    SSL_CTX *ctx;
    SSL_SESSION *session = NULL;
    int attempt, ok = 0;

    signal(SIGPIPE, SIG_IGN);
    parse_args(argc, argv, &opts);

    ctx = make_context(&opts);
    if (!ctx)
        return 1;
    if (opts.sess_in) {
        session = load_session(opts.sess_in);
        if (!session)
            goto done;
    }
    for (attempt = 0; attempt <= opts.reconnect; attempt++) {
        SSL_SESSION *next = NULL;
        ok = run_connection(ctx, &opts, session, &next);
        if (next) {
            SSL_SESSION_free(session);
            session = next;
        }
        if (!ok)
            break;
    }
    if (ok && opts.sess_out) {
        if (!session) {
            fprintf(stderr, PROG ": no session to save\n");
            ok = 0;
        } else {
            ok = save_session(session, opts.sess_out);
        }
    }

done:
    SSL_SESSION_free(session);
    SSL_CTX_free(ctx);
    return ok ? 0 : 1;
}
