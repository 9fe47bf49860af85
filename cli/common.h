/* What tlsclient and tlsserver share: error and verification reports, the peer-chain listing,
 * SSLKEYLOGFILE support, ALPN list encoding and full writes. Each program defines PROG (its
 * name in report lines) before including this. */
#ifndef LIBTLS_CLI_COMMON_H
#define LIBTLS_CLI_COMMON_H

/* Each program reports failures its own way (the failure line carries its own fields). */
static void report_failure(const char *what, SSL *ssl, int ret, int saved_errno);

static const char *ssl_error_name(int code)
{
    switch (code) {
    case SSL_ERROR_NONE: return "SSL_ERROR_NONE";
    case SSL_ERROR_SSL: return "SSL_ERROR_SSL";
    case SSL_ERROR_WANT_READ: return "SSL_ERROR_WANT_READ";
    case SSL_ERROR_WANT_WRITE: return "SSL_ERROR_WANT_WRITE";
    case SSL_ERROR_SYSCALL: return "SSL_ERROR_SYSCALL";
    case SSL_ERROR_ZERO_RETURN: return "SSL_ERROR_ZERO_RETURN";
    default: return "SSL_ERROR_OTHER";
    }
}

/* Drains the error queue onto one line so a test can grep a single line for the reason. */
static void print_error_queue(FILE *out)
{
    char text[256];
    unsigned long code;
    int first = 1;
    fprintf(out, "errors=[");
    while ((code = ERR_get_error()) != 0) {
        ERR_error_string_n(code, text, sizeof text);
        fprintf(out, "%s%s", first ? "" : "; ", text);
        first = 0;
    }
    fprintf(out, "]");
}

static void print_verify_result(FILE *out, SSL *ssl)
{
    long result = SSL_get_verify_result(ssl);
    if (result == X509_V_OK)
        fprintf(out, "verify=ok");
    else
        fprintf(out, "verify=fail:%ld:\"%s\"", result, X509_verify_cert_error_string(result));
}

/* Says in plain words why the handshake failed (libtls only; OpenSSL has no such call). */
static void report_diagnosis(SSL *ssl)
{
#ifndef LIBTLS_TEST_OPENSSL
    const char *text = SSL_get_failure_diagnosis(ssl);
    if (text)
        fprintf(stderr, PROG ": diagnosis: %s (cause=%s)\n", text,
                SSL_failure_cause_name(SSL_get_failure_cause(ssl)));
    fflush(stderr);
#else
    (void)ssl;
#endif
}

/* SSLKEYLOGFILE, as browsers honour it: NSS key log lines for Wireshark. The library never
 * reads the variable; the program decides. */
static FILE *keylog_file;

static void write_keylog_line(const SSL *ssl, const char *line)
{
    (void)ssl;
    if (keylog_file) {
        fprintf(keylog_file, "%s\n", line);
        fflush(keylog_file);
    }
}

static void enable_keylog(SSL_CTX *ctx)
{
    const char *path = getenv("SSLKEYLOGFILE");
    if (!path || !*path)
        return;
    if (!keylog_file)
        keylog_file = fopen(path, "a");
    if (!keylog_file) {
        fprintf(stderr, PROG ": cannot open SSLKEYLOGFILE %s: %s\n", path, strerror(errno));
        return;
    }
    SSL_CTX_set_keylog_callback(ctx, write_keylog_line);
}

/* -showcerts: one line per certificate of the peer's chain, leaf first (the verified chain when
 * verification succeeded, else what the peer sent), then the verification result. */
static void format_time(const ASN1_TIME *t, char *out, size_t size)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1 || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, size, "?");
}

static void print_cert_line(int depth, X509 *x)
{
    char subject[512], issuer[512], from[32], until[32];
    X509_NAME_oneline(X509_get_subject_name(x), subject, sizeof subject);
    X509_NAME_oneline(X509_get_issuer_name(x), issuer, sizeof issuer);
    format_time(X509_get0_notBefore(x), from, sizeof from);
    format_time(X509_get0_notAfter(x), until, sizeof until);
    fprintf(stderr, PROG ": cert %d: subject=\"%s\" issuer=\"%s\" notBefore=%s notAfter=%s\n",
            depth, subject, issuer, from, until);
}

/* -keymatexport LABEL [-keymatexportlen N]: OpenSSL's s_client/s_server block, without
 * context (RFC 5705 / RFC 8446 7.5), on `out`. */
static void print_keying_material(FILE *out, SSL *ssl, const char *label, int len)
{
    unsigned char *material;
    int i;

    if (label == NULL)
        return;
    fprintf(out, "Keying material exporter:\n");
    fprintf(out, "    Label: '%s'\n", label);
    fprintf(out, "    Length: %i bytes\n", len);
    material = len > 0 ? malloc((size_t)len) : NULL;
    if (material == NULL ||
        SSL_export_keying_material(ssl, material, (size_t)len, label, strlen(label), NULL, 0, 0) <= 0) {
        fprintf(out, "    Error\n");
    } else {
        fprintf(out, "    Keying material: ");
        for (i = 0; i < len; i++)
            fprintf(out, "%02X", material[i]);
        fprintf(out, "\n");
    }
    free(material);
    fflush(out);
}

static void print_peer_chain(SSL *ssl, int peer_chain_has_leaf)
{
    STACK_OF(X509) *chain = SSL_get0_verified_chain(ssl);
    X509 *leaf = SSL_get1_peer_certificate(ssl);
    long verify = SSL_get_verify_result(ssl);
    int i, depth = 0;

    /* OpenSSL also keeps the partial chain of a failed verification: show only a good one. */
    if (verify == X509_V_OK && chain && sk_X509_num(chain) > 0) {
        fprintf(stderr, PROG ": peer chain: verified, %d certificates\n", (int)sk_X509_num(chain));
        for (i = 0; i < (int)sk_X509_num(chain); i++)
            print_cert_line(i, sk_X509_value(chain, i));
    } else {
        chain = SSL_get_peer_cert_chain(ssl);
        fprintf(stderr, PROG ": peer chain: as sent, not verified\n");
        if (leaf && !peer_chain_has_leaf)
            print_cert_line(depth++, leaf);
        for (i = 0; chain && i < (int)sk_X509_num(chain); i++)
            print_cert_line(depth++, sk_X509_value(chain, i));
    }
    if (leaf)
        X509_free(leaf);
    fprintf(stderr, PROG ": verify result: %ld (%s)\n", verify,
            X509_verify_cert_error_string(verify));
    fflush(stderr);
}

static int write_all(SSL *ssl, const char *data, size_t len)
{
    while (len > 0) {
        int chunk = len > 16384 ? 16384 : (int)len;
        int n;
        ERR_clear_error();
        errno = 0;
        n = SSL_write(ssl, data, chunk);
        if (n <= 0) {
            report_failure("write failed", ssl, n, errno);
            return 0;
        }
        data += n;
        len -= (size_t)n;
    }
    return 1;
}

/* "h2,http/1.1" -> the ALPN wire form; returns its length, or 0 if a name is empty or too
 * long or the result does not fit. */
/* Decodes HEX (an even number of hex digits, as `openssl s_client -psk`) into out; returns the
 * length, or 0 if it is not hex or does not fit. */
static size_t psk_key_from_hex(const char *hex, unsigned char *out, size_t size)
{
    size_t n = 0;
    while (hex[0] && hex[1]) {
        unsigned int byte;
        if (n == size || sscanf(hex, "%2x", &byte) != 1 || !strchr("0123456789abcdefABCDEF", hex[0]) ||
            !strchr("0123456789abcdefABCDEF", hex[1]))
            return 0;
        out[n++] = (unsigned char)byte;
        hex += 2;
    }
    return hex[0] ? 0 : n;
}

static unsigned int alpn_wire(const char *list, unsigned char *out, size_t size)
{
    size_t used = 0;
    const char *p = list;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0 || len > 255 || used + 1 + len > size)
            return 0;
        out[used++] = (unsigned char)len;
        memcpy(out + used, p, len);
        used += len;
        if (!end)
            return (unsigned int)used;
        p = end + 1;
    }
}

#ifndef TLSEXT_comp_cert_none
/* OpenSSL before 3.2 (the reference build): no certificate compression, so the options fail
 * and nothing is ever reported. */
#define TLSEXT_comp_cert_none 0
#define TLSEXT_comp_cert_zlib 1
#define TLSEXT_comp_cert_brotli 2
#define TLSEXT_comp_cert_zstd 3
#define TLSEXT_comp_cert_limit 4
#define SSL_OP_NO_TX_CERTIFICATE_COMPRESSION 0
#define SSL_OP_NO_RX_CERTIFICATE_COMPRESSION 0
#define SSL_CTX_set1_cert_comp_preference(ctx, algs, n) ((void)(ctx), (void)(algs), (void)(n), 0)
#define SSL_CTX_compress_certs(ctx, alg) ((void)(ctx), (void)(alg), 0)
#define SSL_get_negotiated_server_cert_comp_alg(ssl) ((void)(ssl), TLSEXT_comp_cert_none)
#define SSL_get_negotiated_client_cert_comp_alg(ssl) ((void)(ssl), TLSEXT_comp_cert_none)
#endif

/* Certificate compression (RFC 8879) names: "zlib", "brotli", "zstd". */
static const char *cert_comp_name(int alg)
{
    switch (alg) {
    case TLSEXT_comp_cert_zlib: return "zlib";
    case TLSEXT_comp_cert_brotli: return "brotli";
    case TLSEXT_comp_cert_zstd: return "zstd";
    default: return "none";
    }
}

/* "zstd,zlib" -> SSL_CTX_set1_cert_comp_preference; 0 on an unknown name. */
static int set_cert_comp_algs(SSL_CTX *ctx, const char *list)
{
    int algs[8];
    size_t n = 0;
    const char *p = list;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int alg = 0;
        for (int a = TLSEXT_comp_cert_zlib; a < TLSEXT_comp_cert_limit; a++)
            if (strlen(cert_comp_name(a)) == len && !strncmp(p, cert_comp_name(a), len))
                alg = a;
        if (!alg || n == sizeof algs / sizeof algs[0])
            return 0;
        algs[n++] = alg;
        if (!end)
            break;
        p = end + 1;
    }
    return SSL_CTX_set1_cert_comp_preference(ctx, algs, n);
}

/* "PROG: cert_comp: server=ALG client=ALG" when either certificate went compressed. */
static void report_cert_comp(FILE *out, const char *prog, SSL *ssl)
{
    int server = SSL_get_negotiated_server_cert_comp_alg(ssl);
    int client = SSL_get_negotiated_client_cert_comp_alg(ssl);
    if (server == TLSEXT_comp_cert_none && client == TLSEXT_comp_cert_none)
        return;
    fprintf(out, "%s: cert_comp: server=%s client=%s\n", prog, cert_comp_name(server),
            cert_comp_name(client));
}

#endif
