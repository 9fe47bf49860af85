/* BoGo shim: the program BoringSSL's test runner (ssl/test/runner) starts once per test. It
 * connects back to the runner's TCP port once per connection (the first one and each resumption),
 * runs one TLS connection with the settings the flags ask for, echoes application data XORed with
 * 0xff until the peer closes, and checks the expectations the flags state.
 *
 * Written in C over the OpenSSL-style API (include/libtls.h via capi-tests/compat.h) so the very
 * same source also builds against the system OpenSSL: a test that fails with libtls and passes
 * with OpenSSL points at the library, one that fails with both points at the shim or the config.
 *
 * Exit codes the runner understands: 0 pass, 1 failure (reasons on stderr, which the runner
 * searches for the expected error), 89 "a flag this shim does not implement" (test skipped).
 * Nothing may be printed to stderr on success. */
#include "compat.h"
#ifndef LIBTLS_TEST_OPENSSL
#include <openssl/bytestring.h>
#include <openssl/pool.h>
#include <openssl/rand.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define EXIT_UNIMPLEMENTED 89
#define MAX_CURVES 16
#define MAX_SIGALGS 16

/* What one connection is configured and checked with. Flags without a prefix set both the initial
 * and the resumed connection's settings; -on-initial-/-on-resume- set only one of them. */
struct settings {
    bool is_server;
    int port;
    int resume_count;
    const char *cert_file;
    const char *key_file;
    int min_version;
    int max_version;
    bool no_tls13;
    bool no_tls12;
    int expect_version;
    int curves[MAX_CURVES];
    int curve_count;
    int expect_curve_id;
    const char *cipher;
    const char *host_name;
    const char *expect_server_name;
    const char *expect_peer_cert_file;
    bool require_any_client_cert;
    bool verify_peer;
    bool verify_fail;
    bool shim_writes_first;
    bool shim_shuts_down;
    bool check_close_notify;
    bool implicit_handshake;
    bool key_update;
    bool peek_then_read;
    bool no_op_extra_handshake;
    bool handshake_twice;
    int read_size;
    int max_cert_list;
    /* ALPN: the client's offer in wire form; what the server picks, or declines or rejects. */
    const char *advertise_alpn;
    const char *select_alpn;
    const char *expect_alpn;
    const char *expect_advertised_alpn;
    bool reject_alpn;
    bool decline_alpn;
    /* Signature algorithm codepoints, in preference order. */
    int signing_prefs[MAX_SIGALGS];
    int signing_pref_count;
    int verify_prefs[MAX_SIGALGS];
    int verify_pref_count;
    int expect_peer_signature_algorithm;
    bool use_old_client_cert_callback;
    bool expect_hrr;
    bool expect_no_hrr;
    bool expect_verify_result;
    /* BoringSSL's message-callback transcript ("write hs 1\nread hs 2\n..."). */
    const char *expect_msg_callback;
    int max_send_fragment;
    /* Why 0-RTT was not used: libtls has no 0-RTT, so only "disabled" can be expected. */
    const char *expect_early_data_reason;
    /* Sessions: the resumption is expected to fall back to a full handshake; no session (ticket
     * or cacheable ID) is expected; a resumed TLS 1.2 session is expected to get a new ticket; a
     * server expects to cache the session by ID, or not. */
    bool expect_session_miss;
    bool expect_no_session;
    bool expect_ticket_renewal;
    bool expect_session_id;
    bool expect_no_session_id;
    bool no_ticket;
    /* Send RFC 5929's tls-unique as the first application data; expect the extended master
     * secret (RFC 7627). */
    bool tls_unique;
    bool expect_extended_master_secret;
    /* Write this many bytes of exported keying material (SSL_export_keying_material) with
     * -export-label and, with -use-export-context, -export-context, before any other data. */
    int export_keying_material;
    const char *export_label;
    const char *export_context;
    bool use_export_context;
    /* Client CA names as comma-separated hex DER (or "<NULL>" / "<EMPTY>" for the server's). */
    const char *use_client_ca_list;
    const char *expect_client_ca_list;
    /* OCSP stapling (base64 responses): a client asks and expects this response; a server
     * staples this one, through the status callback (OpenSSL's only way), which may instead
     * decline or fail; a client's status callback may fail. */
    bool enable_ocsp_stapling;
    const char *expect_ocsp_response;
    const char *ocsp_response;
    bool use_ocsp_callback;
    bool set_ocsp_in_callback;
    bool decline_ocsp_callback;
    bool fail_ocsp_callback;
    /* BoringSSL's test-only certificate compression algorithms (see install_cert_comp): all
     * three, or only the one with this id. */
    bool install_cert_compression_algs;
    int install_one_cert_compression_alg;
    /* TLS 1.2 PSK suites: the key (raw bytes, as BoringSSL's shim) and the identity, which a
     * server also sends as its hint and a client expects as the server's hint. */
    const char *psk;
    const char *psk_identity;
};

/* set_flag finds a list's count right after its MAX_SIGALGS entries. */
_Static_assert(offsetof(struct settings, signing_pref_count) ==
                   offsetof(struct settings, signing_prefs) + sizeof(int) * MAX_SIGALGS,
               "signing_pref_count must follow signing_prefs");
_Static_assert(offsetof(struct settings, verify_pref_count) ==
                   offsetof(struct settings, verify_prefs) + sizeof(int) * MAX_SIGALGS,
               "verify_pref_count must follow verify_prefs");

/* What callbacks learn during one connection (reached through SSL_get_app_data). */
struct connection_state {
    const struct settings *settings;
    bool alpn_select_done;
    bool saw_hello_retry_request;
    /* The new-session callback ran; the latest session it gave (a client resumes with it). */
    bool got_new_session;
    SSL_SESSION *new_session;
    /* What the message callback saw, in -expect-msg-callback's words; bad if it saw something
     * malformed or the text overflowed. */
    char msg_trace[8192];
    size_t msg_trace_len;
    bool msg_trace_bad;
    /* A ServerHello arrived (for skip_cbc_psk_tests). */
    bool saw_server_hello;
};

enum flag_kind { FLAG_BOOL, FLAG_INT, FLAG_STRING, FLAG_SIGALG };

struct flag {
    const char *name;
    enum flag_kind kind;
    size_t offset;
};

#define BOOL_FLAG(name, field) {name, FLAG_BOOL, offsetof(struct settings, field)}
#define INT_FLAG(name, field) {name, FLAG_INT, offsetof(struct settings, field)}
#define STRING_FLAG(name, field) {name, FLAG_STRING, offsetof(struct settings, field)}
/* A repeatable flag: each occurrence appends one signature algorithm to the list at `field`,
 * whose count follows it. */
#define SIGALG_FLAG(name, field) {name, FLAG_SIGALG, offsetof(struct settings, field)}

static const struct flag FLAGS[] = {
    BOOL_FLAG("-server", is_server),
    INT_FLAG("-port", port),
    INT_FLAG("-resume-count", resume_count),
    STRING_FLAG("-cert-file", cert_file),
    STRING_FLAG("-key-file", key_file),
    INT_FLAG("-min-version", min_version),
    INT_FLAG("-max-version", max_version),
    BOOL_FLAG("-no-tls13", no_tls13),
    BOOL_FLAG("-no-tls12", no_tls12),
    INT_FLAG("-expect-version", expect_version),
    INT_FLAG("-expect-curve-id", expect_curve_id),
    STRING_FLAG("-cipher", cipher),
    STRING_FLAG("-host-name", host_name),
    STRING_FLAG("-expect-server-name", expect_server_name),
    STRING_FLAG("-expect-peer-cert-file", expect_peer_cert_file),
    BOOL_FLAG("-require-any-client-certificate", require_any_client_cert),
    BOOL_FLAG("-verify-peer", verify_peer),
    BOOL_FLAG("-verify-fail", verify_fail),
    BOOL_FLAG("-shim-writes-first", shim_writes_first),
    BOOL_FLAG("-shim-shuts-down", shim_shuts_down),
    BOOL_FLAG("-check-close-notify", check_close_notify),
    BOOL_FLAG("-implicit-handshake", implicit_handshake),
    BOOL_FLAG("-key-update", key_update),
    BOOL_FLAG("-peek-then-read", peek_then_read),
    BOOL_FLAG("-no-op-extra-handshake", no_op_extra_handshake),
    BOOL_FLAG("-handshake-twice", handshake_twice),
    INT_FLAG("-read-size", read_size),
    INT_FLAG("-max-cert-list", max_cert_list),
    STRING_FLAG("-advertise-alpn", advertise_alpn),
    STRING_FLAG("-select-alpn", select_alpn),
    STRING_FLAG("-expect-alpn", expect_alpn),
    STRING_FLAG("-expect-advertised-alpn", expect_advertised_alpn),
    BOOL_FLAG("-reject-alpn", reject_alpn),
    BOOL_FLAG("-decline-alpn", decline_alpn),
    SIGALG_FLAG("-signing-prefs", signing_prefs),
    SIGALG_FLAG("-verify-prefs", verify_prefs),
    INT_FLAG("-expect-peer-signature-algorithm", expect_peer_signature_algorithm),
    BOOL_FLAG("-use-old-client-cert-callback", use_old_client_cert_callback),
    BOOL_FLAG("-expect-hrr", expect_hrr),
    BOOL_FLAG("-expect-no-hrr", expect_no_hrr),
    BOOL_FLAG("-expect-verify-result", expect_verify_result),
    STRING_FLAG("-expect-msg-callback", expect_msg_callback),
    INT_FLAG("-max-send-fragment", max_send_fragment),
    STRING_FLAG("-expect-early-data-reason", expect_early_data_reason),
    BOOL_FLAG("-expect-session-miss", expect_session_miss),
    BOOL_FLAG("-expect-no-session", expect_no_session),
    BOOL_FLAG("-expect-ticket-renewal", expect_ticket_renewal),
    BOOL_FLAG("-expect-session-id", expect_session_id),
    BOOL_FLAG("-expect-no-session-id", expect_no_session_id),
    BOOL_FLAG("-no-ticket", no_ticket),
    BOOL_FLAG("-tls-unique", tls_unique),
    INT_FLAG("-export-keying-material", export_keying_material),
    STRING_FLAG("-export-label", export_label),
    STRING_FLAG("-export-context", export_context),
    BOOL_FLAG("-use-export-context", use_export_context),
    BOOL_FLAG("-expect-extended-master-secret", expect_extended_master_secret),
    STRING_FLAG("-use-client-ca-list", use_client_ca_list),
    STRING_FLAG("-expect-client-ca-list", expect_client_ca_list),
    BOOL_FLAG("-enable-ocsp-stapling", enable_ocsp_stapling),
    STRING_FLAG("-expect-ocsp-response", expect_ocsp_response),
    STRING_FLAG("-ocsp-response", ocsp_response),
    BOOL_FLAG("-use-ocsp-callback", use_ocsp_callback),
    BOOL_FLAG("-set-ocsp-in-callback", set_ocsp_in_callback),
    BOOL_FLAG("-decline-ocsp-callback", decline_ocsp_callback),
    BOOL_FLAG("-fail-ocsp-callback", fail_ocsp_callback),
    BOOL_FLAG("-install-cert-compression-algs", install_cert_compression_algs),
    INT_FLAG("-install-one-cert-compression-alg", install_one_cert_compression_alg),
    STRING_FLAG("-psk", psk),
    STRING_FLAG("-psk-identity", psk_identity),
};

/* Flags accepted and deliberately ignored, each with why that is sound. */
static const char *const IGNORED_FLAGS[] = {
    /* The shim always verifies through its own callback; the flag only picks BoringSSL's
     * custom-verify API over the X509 one. */
    "-use-custom-verify-callback",
    /* BoringSSL's -async wraps the transport in a BIO that returns "retry" on every call. This
     * shim runs blocking; the protocol exchanged is the same. */
    "-async",
    /* BoringSSL enforces the RSA keyUsage bits in TLS 1.2 only with this flag; libtls always
     * requires digitalSignature of a key that signs the handshake (RFC 5280 4.2.1.3). */
    "-enforce-rsa-key-usage",
    NULL,
};

/* Flags that only disable protocol versions libtls never speaks anyway. */
static const char *const ALREADY_OFF_FLAGS[] = {"-no-tls1", "-no-tls11", "-no-ssl3", NULL};

/* The whole command line, kept for unimplemented()'s log. */
static int saved_argc;
static char **saved_argv;

/* Exits 89, which the runner counts as "unimplemented". With BOGO_SHIM_UNIMPLEMENTED_LOG set,
 * first appends the reason and the command line to that file: bogo/unimplemented.py tallies
 * which missing flags cost the most tests. */
static _Noreturn void unimplemented(const char *reason) {
    const char *log_path = getenv("BOGO_SHIM_UNIMPLEMENTED_LOG");
    int log = log_path ? open(log_path, O_WRONLY | O_APPEND | O_CREAT, 0644) : -1;
    if (log >= 0) {
        /* One line per test; a single write keeps concurrent shims' lines whole. */
        char line[8192];
        size_t used = (size_t)snprintf(line, sizeof(line), "%s\t", reason);
        for (int i = 1; i < saved_argc && used < sizeof(line) - 2; i++) {
            if (i > 1)
                line[used++] = ' ';
            /* Values may hold newlines (-expect-msg-callback): one test stays one line. */
            for (const char *c = saved_argv[i]; *c && used < sizeof(line) - 2; c++)
                line[used++] = *c == '\n' ? '|' : *c;
        }
        if (used >= sizeof(line) - 1)
            used = sizeof(line) - 2;
        line[used++] = '\n';
        ssize_t written = write(log, line, used);
        (void)written;
        close(log);
    }
    exit(EXIT_UNIMPLEMENTED);
}

static bool in_list(const char *const *list, const char *name) {
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return true;
    return false;
}

static bool parse_int(const char *text, int *out) {
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno || end == text || *end || value < -2147483647L || value > 2147483647L)
        return false;
    *out = (int)value;
    return true;
}

static void set_flag(struct settings *s, const struct flag *f, const char *value) {
    char *field = (char *)s + f->offset;
    switch (f->kind) {
    case FLAG_BOOL:
        *(bool *)field = true;
        break;
    case FLAG_INT:
        if (!parse_int(value, (int *)field)) {
            fprintf(stderr, "bad integer for %s: %s\n", f->name, value);
            exit(1);
        }
        break;
    case FLAG_STRING:
        *(const char **)field = value;
        break;
    case FLAG_SIGALG: {
        int *list = (int *)field;
        int *count = (int *)(field + sizeof(int) * MAX_SIGALGS);
        if (*count == MAX_SIGALGS)
            unimplemented("too many sigalgs");
        if (!parse_int(value, &list[*count])) {
            fprintf(stderr, "bad integer for %s: %s\n", f->name, value);
            exit(1);
        }
        (*count)++;
        break;
    }
    }
}

static void add_curve(struct settings *s, const char *value) {
    int curve;
    if (!parse_int(value, &curve)) {
        fprintf(stderr, "bad integer for -curves: %s\n", value);
        exit(1);
    }
    if (s->curve_count == MAX_CURVES)
        unimplemented("too many curves");
    s->curves[s->curve_count++] = curve;
}

/* Applies one flag to every settings block it targets; exits 89 on a flag this shim lacks. */
static int apply_flag(struct settings **targets, size_t target_count, const char *name, int argc,
                      char **argv, int index) {
    if (in_list(IGNORED_FLAGS, name) || in_list(ALREADY_OFF_FLAGS, name))
        return index + 1;
    if (strcmp(name, "-curves") == 0) {
        if (index + 1 >= argc)
            exit(1);
        for (size_t t = 0; t < target_count; t++)
            add_curve(targets[t], argv[index + 1]);
        return index + 2;
    }
    for (size_t i = 0; i < sizeof(FLAGS) / sizeof(FLAGS[0]); i++) {
        if (strcmp(FLAGS[i].name, name) != 0)
            continue;
        const char *value = NULL;
        int next = index + 1;
        if (FLAGS[i].kind != FLAG_BOOL) {
            if (index + 1 >= argc) {
                fprintf(stderr, "missing value for %s\n", name);
                exit(1);
            }
            value = argv[index + 1];
            next = index + 2;
        }
        for (size_t t = 0; t < target_count; t++)
            set_flag(targets[t], &FLAGS[i], value);
        return next;
    }
    /* The runner counts this test as unimplemented rather than failed. */
    unimplemented(name);
}

static void parse_flags(int argc, char **argv, struct settings *initial, struct settings *resumed) {
    for (int i = 1; i < argc;) {
        const char *arg = argv[i];
        struct settings *both[] = {initial, resumed};
        struct settings **targets = both;
        size_t target_count = 2;
        static const char ON_INITIAL[] = "-on-initial-", ON_RESUME[] = "-on-resume-",
                          ON_SHIM[] = "-on-shim-", ON_HANDSHAKER[] = "-on-handshaker-",
                          ON_RETRY[] = "-on-retry-";
        char stripped[256];
        if (strncmp(arg, ON_INITIAL, strlen(ON_INITIAL)) == 0) {
            targets = &both[0];
            target_count = 1;
            arg += strlen(ON_INITIAL) - 1;
        } else if (strncmp(arg, ON_RESUME, strlen(ON_RESUME)) == 0) {
            targets = &both[1];
            target_count = 1;
            arg += strlen(ON_RESUME) - 1;
        } else if (strncmp(arg, ON_SHIM, strlen(ON_SHIM)) == 0) {
            arg += strlen(ON_SHIM) - 1;
        } else if (strncmp(arg, ON_HANDSHAKER, strlen(ON_HANDSHAKER)) == 0 ||
                   strncmp(arg, ON_RETRY, strlen(ON_RETRY)) == 0) {
            /* Split handshakes and 0-RTT retries are not implemented. */
            unimplemented("-on-handshaker-/-on-retry-");
        }
        /* arg now points at the '-' that ends the stripped prefix. */
        if (strlen(arg) >= sizeof(stripped))
            unimplemented("flag too long");
        strcpy(stripped, arg);
        i = apply_flag(targets, target_count, stripped, argc, argv, i);
    }
}

static int connect_to_runner(int port) {
    /* The runner listens on ::1 and falls back to 127.0.0.1 where IPv6 is unavailable. */
    static const char *const hosts[] = {"::1", "127.0.0.1"};
    char port_text[16];
    snprintf(port_text, sizeof(port_text), "%d", port);
    for (size_t h = 0; h < 2; h++) {
        struct addrinfo hints = {0}, *result = NULL;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
        if (getaddrinfo(hosts[h], port_text, &hints, &result) != 0)
            continue;
        int fd = socket(result->ai_family, SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, result->ai_addr, result->ai_addrlen) == 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            freeaddrinfo(result);
            return fd;
        }
        if (fd >= 0)
            close(fd);
        freeaddrinfo(result);
    }
    fprintf(stderr, "could not connect to the runner on port %d: %s\n", port, strerror(errno));
    return -1;
}

/* Prints the error queue both as OpenSSL formats it and as BoringSSL's ":REASON_NAME:" token, the
 * form the runner's expected errors (and the config's error map) are written in. */
static void print_errors(void) {
    unsigned long e;
    while ((e = ERR_get_error()) != 0) {
        char text[256];
        ERR_error_string_n(e, text, sizeof(text));
        const char *reason = ERR_reason_error_string(e);
        char token[128] = "";
        if (reason) {
            size_t n = 0;
            for (; reason[n] && n < sizeof(token) - 1; n++) {
                char c = reason[n];
                token[n] = (c == ' ' || c == '-') ? '_' : (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
            }
            token[n] = 0;
        }
        fprintf(stderr, "%s :%s:\n", text, token);
    }
}

/* The runner's certificates chain to no trusted root: as BoringSSL's shim, accepting them means
 * the verification result is X509_V_OK, and -verify-fail rejects with the application's error
 * (fatal under SSL_VERIFY_PEER, only recorded under SSL_VERIFY_NONE). */
static int accept_any_certificate(int preverify_ok, X509_STORE_CTX *store) {
    (void)preverify_ok;
    X509_STORE_CTX_set_error(store, X509_V_OK);
    return 1;
}

static int reject_every_certificate(int preverify_ok, X509_STORE_CTX *store) {
    (void)preverify_ok;
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
}

/* Sessions a server cached, carried into the next connection's fresh SSL_CTX as BoringSSL's
 * shim copies its session cache between contexts. */
#define MAX_SERVER_SESSIONS 32
static SSL_SESSION *server_sessions[MAX_SERVER_SESSIONS];
static int server_session_count;

/* The same ticket key for every context, so a ticket outlives the context that sealed it. In
 * OpenSSL's 80-byte layout (name, HMAC secret, AES key), which libtls also accepts. */
static const unsigned char TICKET_KEYS[80] = "bogo-shim-ticket-name...hmac-secret-of-the-bogo-shim.aes-key-of-the-bogo-shim!!";

static int on_new_session(SSL *ssl, SSL_SESSION *session) {
    struct connection_state *state = SSL_get_app_data(ssl);
    if (!state)
        return 0;
    state->got_new_session = true;
    if (state->settings->is_server) {
        if (server_session_count < MAX_SERVER_SESSIONS && SSL_SESSION_up_ref(session) == 1)
            server_sessions[server_session_count++] = session;
    }
    SSL_SESSION_free(state->new_session);
    state->new_session = session;
    return 1;
}

static const char *group_name(int codepoint) {
    switch (codepoint) {
    case 23:
        return "secp256r1";
    case 24:
        return "secp384r1";
    case 25:
        return "secp521r1";
    case 29:
        return "X25519";
    default:
        return NULL;
    }
}

static int group_codepoint(int nid) {
    switch (nid) {
    case NID_X9_62_prime256v1:
        return 23;
    case NID_secp384r1:
        return 24;
    case NID_X25519:
        return 29;
    default:
        return nid & 0xffff;
    }
}

/* The TLS 1.3 names of the signature algorithms both OpenSSL's and libtls's sigalgs lists know. */
static const char *sigalg_name(int codepoint) {
    switch (codepoint) {
    case 0x0401:
        return "rsa_pkcs1_sha256";
    case 0x0501:
        return "rsa_pkcs1_sha384";
    case 0x0601:
        return "rsa_pkcs1_sha512";
    case 0x0403:
        return "ecdsa_secp256r1_sha256";
    case 0x0503:
        return "ecdsa_secp384r1_sha384";
    case 0x0603:
        return "ecdsa_secp521r1_sha512";
    case 0x0804:
        return "rsa_pss_rsae_sha256";
    case 0x0805:
        return "rsa_pss_rsae_sha384";
    case 0x0806:
        return "rsa_pss_rsae_sha512";
    case 0x0807:
        return "ed25519";
    default:
        return NULL;
    }
}

/* The codepoint of the peer's handshake signature, from the key type and digest the API gives. */
static int peer_signature_algorithm(SSL *ssl) {
    int type = 0, digest = 0;
    if (!SSL_get_peer_signature_type_nid(ssl, &type))
        return 0;
    SSL_get_peer_signature_nid(ssl, &digest);
    int hash_byte = digest == NID_sha256 ? 4 : digest == NID_sha384 ? 5 : digest == NID_sha512 ? 6 : 0;
    switch (type) {
    case EVP_PKEY_ED25519:
        return 0x0807;
    case EVP_PKEY_RSA_PSS:
        return hash_byte ? 0x0800 | (hash_byte) : 0;
    case EVP_PKEY_RSA:
        return hash_byte ? (hash_byte << 8) | 1 : 0;
    case EVP_PKEY_EC:
        return hash_byte ? (hash_byte << 8) | 3 : 0;
    default:
        return 0;
    }
}

/* Appends the named algorithms of `codepoints` to the ':'-separated `list`, skipping ones
 * already there; exits 89 on a codepoint neither library can name (SHA-1, Ed448, ...). */
static void append_sigalgs(char *list, size_t size, const int *codepoints, int count) {
    for (int i = 0; i < count; i++) {
        const char *name = sigalg_name(codepoints[i]);
        if (!name)
            unimplemented("sigalg codepoint");
        if (strstr(list, name))
            continue;
        if (strlen(list) + strlen(name) + 2 > size)
            unimplemented("sigalg list too long");
        if (list[0])
            strcat(list, ":");
        strcat(list, name);
    }
}

/* Sets one sigalgs list; a list the library rejects names only algorithms it does not implement
 * (P-521 ECDSA, ...): unimplemented. */
static void set_sigalgs_list(SSL_CTX *ctx, const int *prefs, int count,
                             int (*setter)(SSL_CTX *, const char *)) {
    char list[512] = "";
    append_sigalgs(list, sizeof(list), prefs, count);
    if (setter(ctx, list) != 1)
        unimplemented("sigalgs list rejected");
}

static int set_sigalgs(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_sigalgs_list(ctx, list);
}

static int set_client_sigalgs(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_client_sigalgs_list(ctx, list);
}

/* -signing-prefs and -verify-prefs. The general list (SSL_CTX_set1_sigalgs_list) is what a client
 * advertises and accepts from the server, and what a server signs with; the client-authentication
 * list (SSL_CTX_set1_client_sigalgs_list) is what a client signs its CertificateVerify with, and
 * what a server requests and accepts in it. */
static bool set_signature_algorithms(SSL_CTX *ctx, const struct settings *s) {
    if (s->is_server) {
        if (s->signing_pref_count)
            set_sigalgs_list(ctx, s->signing_prefs, s->signing_pref_count, set_sigalgs);
        if (s->verify_pref_count)
            set_sigalgs_list(ctx, s->verify_prefs, s->verify_pref_count, set_client_sigalgs);
    } else {
        if (s->verify_pref_count)
            set_sigalgs_list(ctx, s->verify_prefs, s->verify_pref_count, set_sigalgs);
        if (s->signing_pref_count)
            set_sigalgs_list(ctx, s->signing_prefs, s->signing_pref_count, set_client_sigalgs);
    }
    return true;
}

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg) {
    (void)arg;
    struct connection_state *state = SSL_get_app_data(ssl);
    const struct settings *s = state->settings;
    if (state->alpn_select_done) {
        fprintf(stderr, "ALPN select callback called twice\n");
        exit(1);
    }
    state->alpn_select_done = true;
    if (s->decline_alpn)
        return SSL_TLSEXT_ERR_NOACK;
    if (s->reject_alpn)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    if (s->expect_advertised_alpn && (strlen(s->expect_advertised_alpn) != inlen ||
                                      memcmp(s->expect_advertised_alpn, in, inlen) != 0)) {
        fprintf(stderr, "ALPN select callback saw an unexpected offer\n");
        exit(1);
    }
    const char *pick = s->select_alpn ? s->select_alpn : "";
    *out = (const unsigned char *)pick;
    *outlen = (unsigned char)strlen(pick);
    return SSL_TLSEXT_ERR_OK;
}

static void trace_message(struct connection_state *state, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void trace_message(struct connection_state *state, const char *format, ...) {
    size_t room = sizeof(state->msg_trace) - state->msg_trace_len;
    va_list args;
    va_start(args, format);
    int n = vsnprintf(state->msg_trace + state->msg_trace_len, room, format, args);
    va_end(args);
    if (n < 0 || (size_t)n >= room)
        state->msg_trace_bad = true;
    else
        state->msg_trace_len += (size_t)n;
}

/* Writes what BoringSSL's shim writes for each message: "write "/"read ", then "hs TYPE",
 * "ccs", "alert LEVEL DESCRIPTION" or "v2clienthello", one a line. Record headers and TLS 1.3
 * inner content types (OpenSSL's extra reports) are not messages. */
static void trace_messages(int write_p, int version, int content_type, const unsigned char *msg,
                           size_t len, struct connection_state *state) {
    if (content_type == SSL3_RT_HEADER || content_type == SSL3_RT_INNER_CONTENT_TYPE)
        return;
    const char *direction = write_p ? "write" : "read";
    switch (content_type) {
    case 0:
        if (version != 0x0002) /* SSL2_VERSION */
            state->msg_trace_bad = true;
        trace_message(state, "%s v2clienthello\n", direction);
        break;
    case SSL3_RT_HANDSHAKE:
        if (len < 4 || len != 4 + ((size_t)msg[1] << 16 | (size_t)msg[2] << 8 | msg[3]))
            state->msg_trace_bad = true;
        else
            trace_message(state, "%s hs %d\n", direction, msg[0]);
        break;
    case SSL3_RT_CHANGE_CIPHER_SPEC:
        if (len != 1 || msg[0] != 1)
            state->msg_trace_bad = true;
        trace_message(state, "%s ccs\n", direction);
        break;
    case SSL3_RT_ALERT:
        if (len != 2)
            state->msg_trace_bad = true;
        else
            trace_message(state, "%s alert %d %d\n", direction, msg[0], msg[1]);
        break;
    default:
        state->msg_trace_bad = true;
    }
}

/* The runner's PSK tests mostly use CBC PSK suites, which libtls does not have (AEAD only):
 * they are "unimplemented". A server sees them in the ClientHello (CBC PSK suites and none of
 * ours); a client sees the runner's server give up before its ServerHello (a handshake_failure
 * alert: no suite in common, as the runner's only suite is a CBC one). */
static void skip_cbc_psk_tests(int write_p, int content_type, const unsigned char *msg,
                               size_t len, SSL *ssl) {
    struct connection_state *state = SSL_get_app_data(ssl);
    if (!state || !state->settings->psk || write_p)
        return;
    if (content_type == SSL3_RT_HANDSHAKE && len >= 4 && msg[0] == 2)
        state->saw_server_hello = true;
    if (!state->settings->is_server && content_type == SSL3_RT_ALERT && len == 2 &&
        msg[1] == SSL_AD_HANDSHAKE_FAILURE && !state->saw_server_hello)
        unimplemented("PSK: the runner's server shares no suite with us (a CBC PSK suite)");
    if (content_type != SSL3_RT_HANDSHAKE || len < 39 || msg[0] != 1)
        return;
    /* type(1) length(3) legacy_version(2) random(32) session_id<0..32> cipher_suites<2..> */
    size_t at = 38 + 1 + msg[38];
    if (at + 2 > len)
        return;
    size_t suites_len = (size_t)msg[at] << 8 | msg[at + 1];
    at += 2;
    if (at + suites_len > len)
        return;
    bool cbc = false, aead = false;
    for (size_t i = 0; i + 1 < suites_len; i += 2) {
        unsigned suite = (unsigned)msg[at + i] << 8 | msg[at + i + 1];
        cbc |= suite == 0x008c || suite == 0x008d || suite == 0xc035 || suite == 0xc036;
        aead |= suite == 0x00a8 || suite == 0x00a9 || suite == 0xccab || suite == 0xccac ||
                suite == 0xd001 || suite == 0xd002;
    }
    if (cbc && !aead)
        unimplemented("PSK: the runner's client offers only CBC PSK suites");
}

/* Traces messages for -expect-msg-callback, and notes a HelloRetryRequest sent or received: a
 * ServerHello whose random is RFC 8446 4.1.3's fixed value. */
static void watch_messages(int write_p, int version, int content_type, const void *buf,
                           size_t len, SSL *ssl, void *arg) {
    (void)arg;
    struct connection_state *traced = SSL_get_app_data(ssl);
    if (traced && traced->settings->expect_msg_callback)
        trace_messages(write_p, version, content_type, buf, len, traced);
    skip_cbc_psk_tests(write_p, content_type, buf, len, ssl);
    static const unsigned char HRR_RANDOM[32] = {
        0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
        0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
    const unsigned char *msg = buf;
    /* type(1) length(3) legacy_version(2) random(32) */
    if (content_type != SSL3_RT_HANDSHAKE || len < 38 || msg[0] != 2)
        return;
    struct connection_state *state = SSL_get_app_data(ssl);
    if (state && memcmp(msg + 6, HRR_RANDOM, sizeof(HRR_RANDOM)) == 0)
        state->saw_hello_retry_request = true;
}

/* BoringSSL's -use-old-client-cert-callback: the certificate comes from the callback only. */
static int supply_client_certificate(SSL *ssl, X509 **x509, EVP_PKEY **pkey) {
    struct connection_state *state = SSL_get_app_data(ssl);
    const struct settings *s = state->settings;
    if (!s->cert_file || !s->key_file)
        return 0;
    FILE *fp = fopen(s->cert_file, "r");
    if (!fp)
        return -1;
    *x509 = PEM_read_X509(fp, NULL, NULL, NULL);
    fclose(fp);
    fp = fopen(s->key_file, "r");
    if (!fp)
        return -1;
    *pkey = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
    fclose(fp);
    if (!*x509 || !*pkey) {
        X509_free(*x509);
        EVP_PKEY_free(*pkey);
        *x509 = NULL;
        *pkey = NULL;
        return -1;
    }
    return 1;
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes the hex of one name (up to a ',' or the end) into `der`; returns its length, or -1. */
static int decode_hex_name(const char *hex, size_t hex_len, unsigned char *der, size_t size) {
    if (hex_len % 2 != 0 || hex_len / 2 > size)
        return -1;
    for (size_t i = 0; i < hex_len / 2; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        der[i] = (unsigned char)(hi << 4 | lo);
    }
    return (int)(hex_len / 2);
}

/* The names of a comma-separated hex DER list (BoringSSL's encodeDERValues); NULL if malformed. */
static STACK_OF(X509_NAME) *parse_name_list(const char *list) {
    STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();
    if (!names)
        return NULL;
    const char *p = list;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t hex_len = end ? (size_t)(end - p) : strlen(p);
        unsigned char der[4096];
        int der_len = decode_hex_name(p, hex_len, der, sizeof(der));
        const unsigned char *in = der;
        X509_NAME *name = der_len > 0 ? d2i_X509_NAME(NULL, &in, der_len) : NULL;
        if (!name || in != der + der_len || !sk_X509_NAME_push(names, name)) {
            X509_NAME_free(name);
            sk_X509_NAME_pop_free(names, X509_NAME_free);
            return NULL;
        }
        p = end ? end + 1 : p + hex_len;
    }
    return names;
}

/* -use-client-ca-list: the names a server sends in CertificateRequest. */
static bool set_client_ca_list(SSL_CTX *ctx, const char *list) {
    if (strcmp(list, "<NULL>") == 0) {
        SSL_CTX_set_client_CA_list(ctx, NULL);
        return true;
    }
    STACK_OF(X509_NAME) *names =
        strcmp(list, "<EMPTY>") == 0 ? sk_X509_NAME_new_null() : parse_name_list(list);
    if (!names) {
        fprintf(stderr, "bad -use-client-ca-list\n");
        return false;
    }
    SSL_CTX_set_client_CA_list(ctx, names);
    return true;
}

/* -expect-client-ca-list: the names the client received, in order, byte for byte. */
/* Decodes a base64 flag value into a new OPENSSL_malloc'd buffer; returns its length, or -1. */
static long decode_base64(const char *text, unsigned char **out) {
    size_t len = strlen(text);
    *out = OPENSSL_malloc(len / 4 * 3 + 3);
    if (!*out || len % 4 != 0)
        goto bad;
    int n = EVP_DecodeBlock(*out, (const unsigned char *)text, (int)len);
    if (n < 0)
        goto bad;
    /* EVP_DecodeBlock counts the padding as zero bytes. */
    for (size_t i = len; i > 0 && text[i - 1] == '='; i--)
        n--;
    return n;
bad:
    OPENSSL_free(*out);
    *out = NULL;
    return -1;
}

/* The status callback in both roles. A server staples -ocsp-response (BoringSSL's static
 * SSL_CTX_set_ocsp_response has no OpenSSL equivalent: the callback is the OpenSSL way), or
 * declines or fails as asked; a client's fails when asked to. */
static int ocsp_status(SSL *ssl, void *arg) {
    const struct connection_state *state = SSL_get_app_data(ssl);
    const struct settings *s = state->settings;
    (void)arg;
    if (!s->is_server)
        return s->fail_ocsp_callback ? 0 : 1;
    if (s->fail_ocsp_callback)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    if (s->decline_ocsp_callback)
        return SSL_TLSEXT_ERR_NOACK;
    unsigned char *der = NULL;
    long len = decode_base64(s->ocsp_response, &der);
    if (len < 0 || SSL_set_tlsext_status_ocsp_resp(ssl, der, len) != 1) {
        OPENSSL_free(der);
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
}

static bool check_ocsp_response(SSL *ssl, const char *expected) {
    unsigned char *want = NULL;
    long want_len = decode_base64(expected, &want);
    const unsigned char *got = NULL;
    long got_len = SSL_get_tlsext_status_ocsp_resp(ssl, &got);
    bool ok = want_len >= 0 && got_len == want_len && memcmp(got, want, (size_t)want_len) == 0;
    if (!ok)
        fprintf(stderr, "OCSP response of %ld bytes, expected %ld\n", got_len, want_len);
    OPENSSL_free(want);
    return ok;
}

static bool check_client_ca_list(SSL *ssl, const char *expected) {
    STACK_OF(X509_NAME) *want = parse_name_list(expected);
    STACK_OF(X509_NAME) *got = SSL_get_client_CA_list(ssl);
    bool ok = want != NULL;
    int count = got ? (int)sk_X509_NAME_num(got) : 0;
    if (ok && count != (int)sk_X509_NAME_num(want))
        ok = false;
    for (int i = 0; ok && i < count; i++) {
        unsigned char *a = NULL, *b = NULL;
        int a_len = i2d_X509_NAME(sk_X509_NAME_value(got, i), &a);
        int b_len = i2d_X509_NAME(sk_X509_NAME_value(want, i), &b);
        ok = a_len > 0 && a_len == b_len && memcmp(a, b, (size_t)a_len) == 0;
        OPENSSL_free(a);
        OPENSSL_free(b);
    }
    if (want)
        sk_X509_NAME_pop_free(want, X509_NAME_free);
    if (!ok)
        fprintf(stderr, "client CA list (%d names) differs from the expected one\n", count);
    return ok;
}

#ifndef LIBTLS_TEST_OPENSSL
/* The runner's test algorithms (runner.go, *CompressionAlgID), through libtls's BoringSSL-style
 * SSL_CTX_add_cert_compression_alg. "Shrinking" (0xff01) drops the two zero bytes a Certificate
 * body starts with (its empty request context and the list length's top byte); "expanding"
 * (0xff02) puts 01 02 03 04 in front; "random" (0xff03) puts one random byte in front. */
enum { CERT_COMP_SHRINKING = 0xff01, CERT_COMP_EXPANDING = 0xff02, CERT_COMP_RANDOM = 0xff03 };
static const uint8_t EXPANDING_PREFIX[4] = {1, 2, 3, 4};

static int new_buffer(CRYPTO_BUFFER **out, const uint8_t *a, size_t a_len, const uint8_t *b,
                      size_t b_len) {
    uint8_t *joined = malloc(a_len + b_len + 1);
    if (!joined)
        return 0;
    if (a_len)
        memcpy(joined, a, a_len);
    if (b_len)
        memcpy(joined + a_len, b, b_len);
    *out = CRYPTO_BUFFER_new(joined, a_len + b_len, NULL);
    free(joined);
    return *out != NULL;
}

static int shrink(SSL *ssl, CBB *out, const uint8_t *in, size_t in_len) {
    (void)ssl;
    if (in_len < 2 || in[0] != 0 || in[1] != 0)
        return 0;
    return CBB_add_bytes(out, in + 2, in_len - 2);
}

static int unshrink(SSL *ssl, CRYPTO_BUFFER **out, size_t uncompressed_len, const uint8_t *in,
                    size_t in_len) {
    static const uint8_t zeros[2] = {0, 0};
    (void)ssl;
    if (uncompressed_len != in_len + 2)
        return 0;
    return new_buffer(out, zeros, 2, in, in_len);
}

static int expand(SSL *ssl, CBB *out, const uint8_t *in, size_t in_len) {
    (void)ssl;
    return CBB_add_bytes(out, EXPANDING_PREFIX, sizeof(EXPANDING_PREFIX)) &&
           CBB_add_bytes(out, in, in_len);
}

static int unexpand(SSL *ssl, CRYPTO_BUFFER **out, size_t uncompressed_len, const uint8_t *in,
                    size_t in_len) {
    (void)ssl;
    if (in_len < sizeof(EXPANDING_PREFIX) ||
        memcmp(in, EXPANDING_PREFIX, sizeof(EXPANDING_PREFIX)) != 0 ||
        uncompressed_len != in_len - sizeof(EXPANDING_PREFIX))
        return 0;
    return new_buffer(out, in + sizeof(EXPANDING_PREFIX), in_len - sizeof(EXPANDING_PREFIX), NULL,
                      0);
}

static int randomize(SSL *ssl, CBB *out, const uint8_t *in, size_t in_len) {
    uint8_t byte;
    (void)ssl;
    return RAND_bytes(&byte, 1) == 1 && CBB_add_u8(out, byte) && CBB_add_bytes(out, in, in_len);
}

static int unrandomize(SSL *ssl, CRYPTO_BUFFER **out, size_t uncompressed_len, const uint8_t *in,
                       size_t in_len) {
    (void)ssl;
    if (in_len != uncompressed_len + 1)
        return 0;
    return new_buffer(out, in + 1, in_len - 1, NULL, 0);
}

/* Installs the test algorithms in BoringSSL's shim's order (expanding, shrinking, random), or
 * only the one -install-one-cert-compression-alg names. */
static int install_cert_comp(SSL_CTX *ctx, const struct settings *s) {
    static const struct {
        int id;
        ssl_cert_compression_func_t compress;
        ssl_cert_decompression_func_t decompress;
    } algs[] = {{CERT_COMP_EXPANDING, expand, unexpand},
                {CERT_COMP_SHRINKING, shrink, unshrink},
                {CERT_COMP_RANDOM, randomize, unrandomize}};
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        if (!s->install_cert_compression_algs && algs[i].id != s->install_one_cert_compression_alg)
            continue;
        if (!SSL_CTX_add_cert_compression_alg(ctx, (uint16_t)algs[i].id, algs[i].compress,
                                              algs[i].decompress))
            return 0;
    }
    return 1;
}
#endif
/* BoringSSL's shim's PSK callbacks: the client checks the server's hint against -psk-identity
 * (none expected without one), the server the client's identity. */
static unsigned int psk_client_cb(SSL *ssl, const char *hint, char *identity,
                                  unsigned int max_identity_len, unsigned char *psk,
                                  unsigned int max_psk_len) {
    const struct connection_state *state = SSL_get_app_data(ssl);
    const struct settings *s = state->settings;
    const char *id = s->psk_identity ? s->psk_identity : "";
    /* OpenSSL also asks for a TLS 1.3 PSK at the ClientHello; BoringSSL's shim offers none. */
    if (!state->saw_server_hello)
        return 0;
    if (*id == '\0' ? hint != NULL : (hint == NULL || strcmp(hint, id) != 0)) {
        fprintf(stderr, "Server PSK hint did not match.\n");
        return 0;
    }
    size_t key_len = strlen(s->psk);
    if (strlen(id) >= max_identity_len || key_len > max_psk_len)
        return 0;
    memcpy(identity, id, strlen(id) + 1);
    memcpy(psk, s->psk, key_len);
    return (unsigned int)key_len;
}

static unsigned int psk_server_cb(SSL *ssl, const char *identity, unsigned char *psk,
                                  unsigned int max_psk_len) {
    const struct connection_state *state = SSL_get_app_data(ssl);
    const struct settings *s = state->settings;
    if (strcmp(identity, s->psk_identity ? s->psk_identity : "") != 0) {
        fprintf(stderr, "Client PSK identity did not match.\n");
        return 0;
    }
    size_t key_len = strlen(s->psk);
    if (key_len > max_psk_len)
        return 0;
    memcpy(psk, s->psk, key_len);
    return (unsigned int)key_len;
}

static SSL_CTX *make_context(const struct settings *s) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    if (!ctx)
        return NULL;
    int min = s->min_version ? s->min_version : TLS1_2_VERSION;
    int max = s->max_version ? s->max_version : TLS1_3_VERSION;
    if (s->no_tls13 && max >= TLS1_3_VERSION)
        max = TLS1_2_VERSION;
    if (s->no_tls12 && min <= TLS1_2_VERSION)
        min = TLS1_3_VERSION;
    /* Older versions do not exist here; asking only for them is a test of a missing feature. */
    if (min < TLS1_2_VERSION)
        min = TLS1_2_VERSION;
    if (max < TLS1_2_VERSION || max > TLS1_3_VERSION)
        unimplemented("server -use-old-client-cert-callback");
    if (min > max) {
        fprintf(stderr, "no protocol version left enabled\n");
        return NULL;
    }
    if (!SSL_CTX_set_min_proto_version(ctx, min) || !SSL_CTX_set_max_proto_version(ctx, max))
        goto fail;
    if (s->max_cert_list > 0)
        SSL_CTX_set_max_cert_list(ctx, s->max_cert_list);
    if (s->install_cert_compression_algs || s->install_one_cert_compression_alg) {
#ifdef LIBTLS_TEST_OPENSSL
        unimplemented("-install-cert-compression-algs (BoringSSL's API)");
#else
        if (!install_cert_comp(ctx, s))
            goto fail;
#endif
    }
    if (s->max_send_fragment && SSL_CTX_set_max_send_fragment(ctx, s->max_send_fragment) != 1)
        goto fail;
    if (s->expect_early_data_reason && strcmp(s->expect_early_data_reason, "disabled") != 0)
        unimplemented("-expect-early-data-reason other than disabled");
    if (s->use_old_client_cert_callback) {
        if (s->is_server)
            unimplemented("max-version");
        SSL_CTX_set_client_cert_cb(ctx, supply_client_certificate);
    } else {
        if (s->cert_file && SSL_CTX_use_certificate_chain_file(ctx, s->cert_file) != 1)
            goto fail;
        if (s->key_file && SSL_CTX_use_PrivateKey_file(ctx, s->key_file, SSL_FILETYPE_PEM) != 1)
            goto fail;
    }
    if (!set_signature_algorithms(ctx, s))
        goto fail;
    if (s->use_client_ca_list && !set_client_ca_list(ctx, s->use_client_ca_list))
        goto fail;
    if (s->advertise_alpn &&
        SSL_CTX_set_alpn_protos(ctx, (const unsigned char *)s->advertise_alpn,
                                (unsigned int)strlen(s->advertise_alpn)) != 0)
        goto fail;
    if (s->select_alpn || s->decline_alpn || s->reject_alpn)
        SSL_CTX_set_alpn_select_cb(ctx, select_alpn, NULL);
    if (s->expect_hrr || s->expect_no_hrr || s->expect_msg_callback || s->psk)
        SSL_CTX_set_msg_callback(ctx, watch_messages);
    if (s->psk) {
        /* As BoringSSL's shim: the identity doubles as the server's hint. The PSK suites are
         * in no default list of libtls (OpenSSL's DEFAULT has them). */
        if (s->is_server)
            SSL_CTX_set_psk_server_callback(ctx, psk_server_cb);
        else
            SSL_CTX_set_psk_client_callback(ctx, psk_client_cb);
        if (s->is_server && s->psk_identity && *s->psk_identity &&
            SSL_CTX_use_psk_identity_hint(ctx, s->psk_identity) != 1)
            goto fail;
        if (!s->cipher && SSL_CTX_set_cipher_list(ctx, "DEFAULT:PSK") != 1)
            goto fail;
    }
    if (s->curve_count) {
        char list[256] = "";
        for (int i = 0; i < s->curve_count; i++) {
            const char *name = group_name(s->curves[i]);
            if (!name || strlen(list) + strlen(name) + 2 > sizeof(list))
                unimplemented("curve");
            if (i)
                strcat(list, ":");
            strcat(list, name);
        }
        if (SSL_CTX_set1_groups_list(ctx, list) != 1)
            unimplemented("curves list rejected");
    }
    if (s->cipher && SSL_CTX_set_cipher_list(ctx, s->cipher) != 1)
        unimplemented("cipher list rejected");
    if (s->enable_ocsp_stapling && SSL_CTX_set_tlsext_status_type(ctx, TLSEXT_STATUSTYPE_ocsp) != 1)
        goto fail;
    if ((s->is_server && s->ocsp_response) || (!s->is_server && s->use_ocsp_callback))
        SSL_CTX_set_tlsext_status_cb(ctx, ocsp_status);

    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_BOTH);
    SSL_CTX_sess_set_new_cb(ctx, on_new_session);
    if (SSL_CTX_set_tlsext_ticket_keys(ctx, (void *)TICKET_KEYS, sizeof(TICKET_KEYS)) != 1)
        goto fail;
    /* BoringSSL's SSL_OP_NO_TICKET also stops TLS 1.3 tickets; OpenSSL's only makes them
     * stateful, so the TLS 1.3 count goes to zero as well. */
    if (s->no_ticket) {
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        SSL_CTX_set_num_tickets(ctx, 0);
    }
    for (int i = 0; s->is_server && i < server_session_count; i++)
        SSL_CTX_add_session(ctx, server_sessions[i]);

    int mode = SSL_VERIFY_NONE;
    SSL_verify_cb callback = accept_any_certificate;
    if (s->verify_peer || s->require_any_client_cert)
        mode = SSL_VERIFY_PEER;
    if (s->require_any_client_cert)
        mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    if (s->verify_fail)
        callback = reject_every_certificate;
    SSL_CTX_set_verify(ctx, mode, callback);
    return ctx;

fail:
    SSL_CTX_free(ctx);
    return NULL;
}

static bool same_der(X509 *cert, const unsigned char *der, int der_len) {
    unsigned char *mine = NULL;
    int len = i2d_X509(cert, &mine);
    bool same = len == der_len && len > 0 && memcmp(mine, der, (size_t)len) == 0;
    OPENSSL_free(mine);
    return same;
}

/* The peer's chain as sent, leaf first, against the PEM file's certificates in order. */
static bool check_peer_chain(SSL *ssl, const struct settings *s) {
    FILE *fp = fopen(s->expect_peer_cert_file, "r");
    if (!fp) {
        fprintf(stderr, "cannot open %s\n", s->expect_peer_cert_file);
        return false;
    }
    X509 *expected[16];
    int expected_count = 0;
    X509 *cert;
    while (expected_count < 16 && (cert = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL)
        expected[expected_count++] = cert;
    fclose(fp);
    ERR_clear_error();

    X509 *leaf = SSL_get1_peer_certificate(ssl);
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    /* A server's peer chain excludes the leaf, a client's includes it (OpenSSL's convention). */
    int chain_offset = s->is_server ? 1 : 0;
    int got_count = chain ? sk_X509_num(chain) + chain_offset : 0;
    bool ok = leaf != NULL && got_count == expected_count;
    for (int i = 0; ok && i < expected_count; i++) {
        X509 *got = i < chain_offset ? leaf : sk_X509_value(chain, i - chain_offset);
        unsigned char *der = NULL;
        int der_len = i2d_X509(expected[i], &der);
        ok = same_der(got, der, der_len);
        OPENSSL_free(der);
    }
    if (!ok)
        fprintf(stderr, "peer certificate chain (%d certificates) differs from %s (%d)\n",
                got_count, s->expect_peer_cert_file, expected_count);
    X509_free(leaf);
    for (int i = 0; i < expected_count; i++)
        X509_free(expected[i]);
    return ok;
}

/* BoringSSL's rules for sessions, checked once the handshake is done. */
static bool check_sessions(SSL *ssl, const struct settings *s, bool is_resume) {
    const struct connection_state *state = SSL_get_app_data(ssl);
    bool expect_resume = is_resume && !s->expect_session_miss;
    if (!!SSL_session_reused(ssl) != expect_resume) {
        fprintf(stderr, "session unexpectedly was%s reused\n", SSL_session_reused(ssl) ? "" : " not");
        return false;
    }
    /* TLS 1.3 tickets come after the handshake: checked once the exchange is over. */
    if (!s->is_server && SSL_version(ssl) < TLS1_3_VERSION) {
        bool expect_new_session =
            !s->expect_no_session && (!SSL_session_reused(ssl) || s->expect_ticket_renewal);
        if (expect_new_session != state->got_new_session) {
            fprintf(stderr, "new session was%s cached, but we expected the opposite\n",
                    state->got_new_session ? "" : " not");
            return false;
        }
    }
    if (!is_resume && s->expect_session_id && !state->got_new_session) {
        fprintf(stderr, "session was not cached on the server.\n");
        return false;
    }
    if (!is_resume && s->expect_no_session_id && state->got_new_session) {
        fprintf(stderr, "session was unexpectedly cached on the server.\n");
        return false;
    }
    return true;
}

static bool check_handshake(SSL *ssl, const struct settings *s, bool is_resume) {
    if (s->expect_verify_result) {
        long want = s->verify_fail ? X509_V_ERR_APPLICATION_VERIFICATION : X509_V_OK;
        if (SSL_get_verify_result(ssl) != want) {
            fprintf(stderr, "certificate verification result %ld, expected %ld\n",
                    SSL_get_verify_result(ssl), want);
            return false;
        }
    }
    if (!check_sessions(ssl, s, is_resume))
        return false;
    if (s->expect_version && SSL_version(ssl) != s->expect_version) {
        fprintf(stderr, "negotiated version %04x, expected %04x\n", SSL_version(ssl),
                s->expect_version);
        return false;
    }
    if (s->expect_curve_id) {
        int got = group_codepoint(SSL_get_negotiated_group(ssl));
        if (got != s->expect_curve_id) {
            fprintf(stderr, "negotiated group %d, expected %d\n", got, s->expect_curve_id);
            return false;
        }
    }
    if (s->expect_server_name) {
        const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
        if (!name || strcmp(name, s->expect_server_name) != 0) {
            fprintf(stderr, "server name %s, expected %s\n", name ? name : "(none)",
                    s->expect_server_name);
            return false;
        }
    }
    if (s->expect_peer_cert_file && !check_peer_chain(ssl, s))
        return false;
    /* As BoringSSL's shim: a server reports what its callback selected, a client what it
     * expected; both empty when no protocol was agreed. */
    const char *want_alpn = s->is_server ? s->select_alpn : s->expect_alpn;
    if (!want_alpn)
        want_alpn = "";
    const unsigned char *alpn = NULL;
    unsigned int alpn_len = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
    if (alpn_len != strlen(want_alpn) || (alpn_len && memcmp(alpn, want_alpn, alpn_len) != 0)) {
        fprintf(stderr, "negotiated ALPN protocol '%.*s', expected '%s'\n", (int)alpn_len,
                alpn ? (const char *)alpn : "", want_alpn);
        return false;
    }
    /* A resumption has no handshake signature; BoringSSL answers with the one the session
     * remembers, the OpenSSL API (and libtls) with none, so only full handshakes are checked. */
    if (s->expect_peer_signature_algorithm && !SSL_session_reused(ssl)) {
        int got = peer_signature_algorithm(ssl);
        if (got != s->expect_peer_signature_algorithm) {
            fprintf(stderr, "peer signature algorithm %04x, expected %04x\n", got,
                    s->expect_peer_signature_algorithm);
            return false;
        }
    }
    if (s->expect_client_ca_list && !check_client_ca_list(ssl, s->expect_client_ca_list))
        return false;
    /* As for the signature algorithm: BoringSSL remembers the stapled response in the session
     * and reports it again on resumption; the OpenSSL API (and libtls) reports what this
     * handshake carried, which on a resumption is nothing. Only full handshakes are checked. */
    if (s->expect_ocsp_response && !SSL_session_reused(ssl) &&
        !check_ocsp_response(ssl, s->expect_ocsp_response))
        return false;
    if (s->expect_extended_master_secret && SSL_get_extms_support(ssl) != 1) {
        fprintf(stderr, "extended master secret not used, but expected\n");
        return false;
    }
    const struct connection_state *state = SSL_get_app_data(ssl);
    if ((s->expect_hrr && !state->saw_hello_retry_request) ||
        (s->expect_no_hrr && state->saw_hello_retry_request)) {
        fprintf(stderr, "HelloRetryRequest %s, expected %s\n",
                state->saw_hello_retry_request ? "used" : "not used",
                s->expect_hrr ? "one" : "none");
        return false;
    }
    return true;
}

static bool write_all(SSL *ssl, const void *data, int len) {
    int ret = SSL_write(ssl, data, len);
    if (ret != len) {
        fprintf(stderr, "SSL_write of %d bytes returned %d (error %d)\n", len, ret,
                SSL_get_error(ssl, ret));
        return false;
    }
    return true;
}

/* Writes tls-unique (RFC 5929 3.1): the first Finished of the latest TLS 1.2 handshake, the
 * client's in a full handshake and the server's in a resumption. */
static bool write_tls_unique(SSL *ssl, const struct settings *s) {
    unsigned char value[64];
    bool ours_came_first = s->is_server == (SSL_session_reused(ssl) != 0);
    size_t len = ours_came_first ? SSL_get_finished(ssl, value, sizeof(value))
                                 : SSL_get_peer_finished(ssl, value, sizeof(value));
    if (len == 0 || len > sizeof(value)) {
        fprintf(stderr, "no Finished message to take tls-unique from\n");
        return false;
    }
    return write_all(ssl, value, (int)len);
}

/* Writes -export-keying-material bytes exported for -export-label (and -export-context with
 * -use-export-context), which the runner compares with its own export. */
static bool write_exported_keying_material(SSL *ssl, const struct settings *s) {
    const char *label = s->export_label ? s->export_label : "";
    const char *context = s->export_context ? s->export_context : "";
    size_t len = (size_t)s->export_keying_material;
    unsigned char *out = malloc(len);
    bool ok = out != NULL &&
              SSL_export_keying_material(ssl, out, len, label, strlen(label), (const unsigned char *)context,
                                         strlen(context), s->use_export_context) == 1;
    if (!ok)
        fprintf(stderr, "failed to export keying material\n");
    else
        ok = write_all(ssl, out, (int)len);
    free(out);
    return ok;
}

/* Reads into buf; with -peek-then-read, peeks first and checks the read returns the same bytes. */
static int read_some(SSL *ssl, const struct settings *s, unsigned char *buf, int len) {
    if (!s->peek_then_read)
        return SSL_read(ssl, buf, len);
    int peeked = SSL_peek(ssl, buf, len);
    if (peeked <= 0)
        return peeked;
    unsigned char again[16384];
    if (peeked > (int)sizeof(again))
        peeked = (int)sizeof(again);
    int got = SSL_read(ssl, again, peeked);
    if (got != peeked || memcmp(again, buf, (size_t)got) != 0) {
        fprintf(stderr, "SSL_read after SSL_peek returned different data\n");
        return -1;
    }
    return got;
}

static bool echo_until_close(SSL *ssl, const struct settings *s) {
    /* Small reads by default so records are returned across several calls. */
    int read_size = s->read_size > 0 ? s->read_size : 512;
    unsigned char *buf = malloc((size_t)read_size);
    if (!buf)
        return false;
    bool ok = true;
    for (;;) {
        int n = read_some(ssl, s, buf, read_size);
        int err = SSL_get_error(ssl, n);
        if (n <= 0) {
            /* A clean close_notify or a bare EOF both end the exchange; the runner checks
             * close_notify itself when the test asks for it. */
            if (err == SSL_ERROR_ZERO_RETURN || (n == 0 && err == SSL_ERROR_SYSCALL))
                break;
            ok = false;
            break;
        }
        if (s->key_update && SSL_key_update(ssl, SSL_KEY_UPDATE_NOT_REQUESTED) != 1) {
            fprintf(stderr, "SSL_key_update failed\n");
            ok = false;
            break;
        }
        for (int i = 0; i < n; i++)
            buf[i] ^= 0xff;
        if (!write_all(ssl, buf, n)) {
            ok = false;
            break;
        }
    }
    free(buf);
    return ok;
}

/* One connection. A client offers `offer` (when resuming); the session the connection ends with
 * (the latest the new-session callback gave) goes to *out_session for the next one. */
static bool run_connection(SSL_CTX *ctx, const struct settings *s, bool is_resume,
                           SSL_SESSION *offer, SSL_SESSION **out_session) {
    int fd = connect_to_runner(s->port);
    if (fd < 0)
        return false;
    SSL *ssl = SSL_new(ctx);
    bool ok = false;
    struct connection_state state = {.settings = s};
    if (!ssl || SSL_set_fd(ssl, fd) != 1 || !SSL_set_app_data(ssl, &state))
        goto done;
    if (s->is_server)
        SSL_set_accept_state(ssl);
    else
        SSL_set_connect_state(ssl);
    if (s->host_name && SSL_set_tlsext_host_name(ssl, s->host_name) != 1)
        goto done;
    if (offer && SSL_set_session(ssl, offer) != 1)
        goto done;
    /* Without -check-close-notify the runner may close without a close_notify of its own. */
    if (!s->check_close_notify)
        SSL_set_quiet_shutdown(ssl, 1);

    if (!s->implicit_handshake) {
        if (SSL_do_handshake(ssl) != 1 || !check_handshake(ssl, s, is_resume))
            goto done;
        /* From here on the callback may only see TLS 1.3 tickets. */
        state.got_new_session = false;
        if (s->handshake_twice && SSL_do_handshake(ssl) != 1)
            goto done;
        if (s->no_op_extra_handshake && SSL_do_handshake(ssl) != 1) {
            fprintf(stderr, "extra SSL_do_handshake was not a no-op\n");
            goto done;
        }
    }
    if (s->export_keying_material > 0 && !write_exported_keying_material(ssl, s))
        goto done;
    if (s->tls_unique && !write_tls_unique(ssl, s))
        goto done;
    if (s->shim_writes_first && !write_all(ssl, "hello", 5))
        goto done;
    if (!s->shim_shuts_down && !echo_until_close(ssl, s))
        goto done;
    if (s->implicit_handshake && !check_handshake(ssl, s, is_resume))
        goto done;
    if (!s->is_server && !s->implicit_handshake && SSL_version(ssl) < TLS1_3_VERSION &&
        state.got_new_session) {
        fprintf(stderr, "new session was established after the handshake\n");
        goto done;
    }
    if (!s->is_server && SSL_version(ssl) >= TLS1_3_VERSION) {
        bool expect_new_session = !s->expect_no_session && !s->shim_shuts_down;
        if (expect_new_session != state.got_new_session) {
            fprintf(stderr, "new session was%s cached, but we expected the opposite\n",
                    state.got_new_session ? "" : " not");
            goto done;
        }
    }

    int ret = SSL_shutdown(ssl);
    if (s->shim_shuts_down && s->check_close_notify) {
        /* We close first: SSL_shutdown returns 0 once ours is sent, 1 once the peer's arrives. */
        if (ret != 0) {
            fprintf(stderr, "Unexpected SSL_shutdown result: %d != 0\n", ret);
            goto done;
        }
        ret = SSL_shutdown(ssl);
    }
    if (ret != 1) {
        /* BoGo matches this wording (Unclean-Shutdown expects "-1 != 1"). */
        fprintf(stderr, "Unexpected SSL_shutdown result: %d != 1\n", ret);
        goto done;
    }
    ok = true;

done:
    if (ok && s->expect_msg_callback &&
        (state.msg_trace_bad || strcmp(state.msg_trace, s->expect_msg_callback) != 0)) {
        fprintf(stderr, "Bad message callback trace%s. Wanted:\n%s\nGot:\n%s\n",
                state.msg_trace_bad ? " (malformed message or overflow)" : "",
                s->expect_msg_callback, state.msg_trace);
        ok = false;
    }
    SSL_free(ssl);
    close(fd);
    *out_session = state.new_session;
    return ok;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "-is-handshaker-supported") == 0) {
        printf("No\n");
        return 0;
    }
    saved_argc = argc;
    saved_argv = argv;
    struct settings initial, resumed;
    memset(&initial, 0, sizeof(initial));
    memset(&resumed, 0, sizeof(resumed));
    parse_flags(argc, argv, &initial, &resumed);

    SSL_SESSION *session = NULL;
    for (int i = 0; i <= initial.resume_count; i++) {
        bool is_resume = i > 0;
        const struct settings *s = is_resume ? &resumed : &initial;
        if (is_resume && !s->is_server && !session) {
            fprintf(stderr, "No session to offer.\n");
            return 1;
        }
        SSL_CTX *ctx = make_context(s);
        SSL_SESSION *offer = session, *next = NULL;
        bool ok = ctx && run_connection(ctx, s, is_resume, s->is_server ? NULL : offer, &next);
        SSL_SESSION_free(offer);
        session = next;
        SSL_CTX_free(ctx);
        if (!ok) {
            fprintf(stderr, "Connection %d failed.\n", i + 1);
            print_errors();
            return 1;
        }
    }
    return 0;
}
