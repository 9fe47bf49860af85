/* fleet_server: one member of a fleet of TLS servers that share their sessions (docs/fleet.md).
 *
 * A single-threaded epoll server written against the OpenSSL API only: the same source builds
 * against libtls and against OpenSSL 3 (-Wall -Wextra -Werror both ways). What the members of a
 * fleet share:
 *
 *  - Sessions, in Redis (hiredis): SSL_CTX_sess_set_new_cb stores each new session, i2d'd and
 *    sealed with AES-256-GCM under the fleet key (a Redis reader learns no session secret), under
 *    "fleet:sess:<hex session ID>" with the session timeout as TTL; SSL_CTX_sess_set_get_cb
 *    fetches what the local cache lacks; SSL_CTX_sess_set_remove_cb deletes what a member
 *    invalidates. TLS 1.2 sessions also stay in the member's own cache (the fast path); TLS 1.3
 *    tickets are stateful (SSL_OP_NO_TICKET: the ticket is a session ID) and single-use fleet-wide:
 *    they never enter a local cache, and the member that wants to resume one first wins
 *    "SET fleet:used:<id> 1 NX EX <ttl>" (the anti-replay set), then deletes the session.
 *  - Ticket keys (stateless TLS 1.2 and 1.3 tickets), from a key file every member reloads when it
 *    changes (inotify) or on SIGHUP: libtls's key file format, 96 hex digits a line (16-byte name,
 *    32-byte key), the first line sealing new tickets and every line opening them. Rotation order:
 *    add the new key as a later line (open only) on every member, then move it first (seal), and
 *    drop the old line once the session timeout has passed.
 *
 * Redis unreachable or slow: hiredis connect and command timeouts bound every call; a failure
 * marks Redis down (logged once), every session lookup misses (full handshake, never a failure)
 * and a reconnect is tried at most once a second. See docs/fleet.md for the measured costs.
 *
 * Each listener has a policy: "stateful" (session IDs and stateful TLS 1.3 tickets, all through
 * Redis) or "tickets" (stateless tickets under the shared ticket keys, no session cache).
 * After the handshake the server writes one line, "srv=NAME ver=TLSv1.3 reused=1 via=redis",
 * sends close_notify and closes; the test driver reads the line.
 *
 *   fleet_server -name NAME -cert CHAIN -key KEY -fleet-key FILE -ticket-keys FILE
 *                -listen PORT:stateful|tickets [-listen ...] [-redis HOST:PORT]
 *                [-redis-timeout-ms N] [-timeout SECS] [-accept-log FILE]
 */
#define _GNU_SOURCE /* accept4 */
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/crypto.h>
#if !defined(LIBTLS_H)
#include <openssl/core_names.h>
#include <openssl/params.h>
#endif

#include <hiredis/hiredis.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_LISTENERS 4
#define MAX_ID_LEN 32 /* SSL_MAX_SSL_SESSION_ID_LENGTH, which libtls's headers lack */
#define MAX_TICKET_KEYS 16
#define NAME_LEN 16
#define KEY_LEN 32
#define GCM_NONCE 12
#define GCM_TAG 16
#define MAX_SESSION_DER 16384
#define CONN_IDLE_SECS 10

/* ---- configuration and state ---------------------------------------------------------------- */

struct listener {
    int fd;
    int port;
    int stateful;
    SSL_CTX *ctx;
};

static const char *server_name = "fleet";
static struct listener listeners[MAX_LISTENERS];
static int nlisteners;
static unsigned char fleet_key[KEY_LEN];
static const char *ticket_key_path;
static FILE *accept_log;
static long session_timeout = 300;

struct ticket_key {
    unsigned char name[NAME_LEN];
    unsigned char key[KEY_LEN];
};
static struct ticket_key ticket_keys[MAX_TICKET_KEYS];
static int nticket_keys; /* ticket_keys[0] seals; all open */

static struct {
    long handshakes, failed, resumed, via_local, via_redis, via_ticket;
    long redis_stored, redis_hits, redis_misses, redis_errors, replays_refused, tls13_accepted;
    long key_reloads;
} stats;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void logf_(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", server_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

static int hex_decode(const char *hex, size_t hexlen, unsigned char *out, size_t outlen)
{
    if (hexlen != 2 * outlen)
        return -1;
    for (size_t i = 0; i < outlen; i++) {
        unsigned int v;
        char two[3] = {hex[2 * i], hex[2 * i + 1], 0};
        if (!strchr("0123456789abcdefABCDEF", two[0]) || !strchr("0123456789abcdefABCDEF", two[1]) ||
            sscanf(two, "%2x", &v) != 1)
            return -1;
        out[i] = (unsigned char)v;
    }
    return 0;
}

static void hex_encode(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = 0;
}

/* Reads a whole small file (a key file) into buf, NUL-terminated. */
static int read_small_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, cap - 1, f);
    int bad = ferror(f) || !feof(f);
    fclose(f);
    buf[n] = 0;
    return bad ? -1 : 0;
}

static int load_fleet_key(const char *path)
{
    char buf[256];
    if (read_small_file(path, buf, sizeof buf) != 0) {
        logf_("cannot read fleet key %s", path);
        return -1;
    }
    size_t n = strcspn(buf, " \t\r\n");
    int r = hex_decode(buf, n, fleet_key, KEY_LEN);
    OPENSSL_cleanse(buf, sizeof buf);
    if (r != 0)
        logf_("fleet key %s: want 64 hex digits", path);
    return r;
}

/* ---- ticket keys: the shared file, reloaded on change --------------------------------------- */

/* Parses the key file; replaces the keys only if the whole file is good. */
static int load_ticket_keys(void)
{
    static char buf[MAX_TICKET_KEYS * 128 + 1024];
    struct ticket_key parsed[MAX_TICKET_KEYS];
    int n = 0, ok = 1;
    if (read_small_file(ticket_key_path, buf, sizeof buf) != 0) {
        logf_("ticket-keys: cannot read %s; keeping the %d keys loaded", ticket_key_path, nticket_keys);
        return -1;
    }
    for (char *line = strtok(buf, "\n"); line && ok; line = strtok(NULL, "\n")) {
        line += strspn(line, " \t\r");
        size_t len = strcspn(line, " \t\r#");
        if (len == 0)
            continue; /* blank line or comment */
        unsigned char both[NAME_LEN + KEY_LEN];
        if (n == MAX_TICKET_KEYS || hex_decode(line, len, both, sizeof both) != 0) {
            ok = 0;
            break;
        }
        memcpy(parsed[n].name, both, NAME_LEN);
        memcpy(parsed[n].key, both + NAME_LEN, KEY_LEN);
        OPENSSL_cleanse(both, sizeof both);
        n++;
    }
    OPENSSL_cleanse(buf, sizeof buf);
    if (!ok || n == 0) {
        OPENSSL_cleanse(parsed, sizeof parsed);
        logf_("ticket-keys: %s is malformed (want 1-%d lines of 96 hex digits); keeping the %d keys loaded",
              ticket_key_path, MAX_TICKET_KEYS, nticket_keys);
        return -1;
    }
    OPENSSL_cleanse(ticket_keys, sizeof ticket_keys);
    memcpy(ticket_keys, parsed, sizeof parsed);
    OPENSSL_cleanse(parsed, sizeof parsed);
    nticket_keys = n;
    stats.key_reloads++;
    /* The names (never the keys) go to the log; the test waits for them. */
    char names[MAX_TICKET_KEYS * (2 * NAME_LEN + 2) + 1], *p = names;
    for (int i = 0; i < n; i++) {
        if (i > 0)
            *p++ = ' ';
        hex_encode(ticket_keys[i].name, NAME_LEN, p);
        p += 2 * NAME_LEN;
        if (i == 0)
            *p++ = '*';
    }
    *p = 0;
    logf_("ticket-keys: loaded %d (sealing with the first) %s", n, names);
    return 0;
}

static const struct ticket_key *find_ticket_key(const unsigned char *name)
{
    for (int i = 0; i < nticket_keys; i++)
        if (CRYPTO_memcmp(ticket_keys[i].name, name, NAME_LEN) == 0)
            return &ticket_keys[i];
    return NULL;
}

#if defined(LIBTLS_H)
/* libtls: the application supplies keys and libtls seals with AES-256-GCM
 * (SSL_CTX_set_ticket_key_cb). 1: use the key; 2: use it and renew the ticket under the sealing
 * key; 0: unknown name (full handshake). */
static int ticket_key_cb(SSL *ssl, uint8_t *key_name, uint8_t *key, int enc)
{
    (void)ssl;
    if (nticket_keys == 0)
        return 0;
    if (enc) {
        memcpy(key_name, ticket_keys[0].name, NAME_LEN);
        memcpy(key, ticket_keys[0].key, KEY_LEN);
        return 1;
    }
    const struct ticket_key *k = find_ticket_key(key_name);
    if (!k)
        return 0;
    memcpy(key, k->key, KEY_LEN);
    return k == &ticket_keys[0] ? 1 : 2;
}

static int install_ticket_keys(SSL_CTX *ctx)
{
    return SSL_CTX_set_ticket_key_cb(ctx, ticket_key_cb);
}
#else
/* OpenSSL 3: the same keys through SSL_CTX_set_tlsext_ticket_key_evp_cb (AES-256-CBC plus
 * HMAC-SHA256, OpenSSL's ticket format); the cipher and MAC keys are derived from the 32-byte key
 * with SHA-256 and a label each. */
static void derive(const unsigned char *key, const char *label, unsigned char out[32])
{
    unsigned char in[64];
    size_t ll = strlen(label);
    memcpy(in, label, ll);
    memcpy(in + ll, key, KEY_LEN);
    SHA256(in, ll + KEY_LEN, out);
    OPENSSL_cleanse(in, sizeof in);
}

static int ticket_key_cb(SSL *ssl, unsigned char key_name[16], unsigned char *iv, EVP_CIPHER_CTX *cctx,
                         EVP_MAC_CTX *hctx, int enc)
{
    (void)ssl;
    const struct ticket_key *k;
    unsigned char aes[32], mac[32];
    if (nticket_keys == 0)
        return 0;
    if (enc) {
        k = &ticket_keys[0];
        memcpy(key_name, k->name, NAME_LEN);
        if (RAND_bytes(iv, 16) != 1)
            return -1;
    } else if (!(k = find_ticket_key(key_name))) {
        return 0;
    }
    derive(k->key, "fleet ticket aes", aes);
    derive(k->key, "fleet ticket mac", mac);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, mac, sizeof mac),
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    int ok = EVP_MAC_CTX_set_params(hctx, params) == 1 &&
             (enc ? EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, aes, iv)
                  : EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, aes, iv)) == 1;
    OPENSSL_cleanse(aes, sizeof aes);
    OPENSSL_cleanse(mac, sizeof mac);
    if (!ok)
        return -1;
    return enc || k == &ticket_keys[0] ? 1 : 2;
}

static int install_ticket_keys(SSL_CTX *ctx)
{
    return (int)SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_key_cb);
}
#endif

/* ---- Redis: bounded, and a failure means "no session", never a failed handshake ------------ */

static const char *redis_host = "127.0.0.1";
static int redis_port = 6379;
static int redis_timeout_ms = 100;
static redisContext *redis;
static int redis_down;          /* an outage was logged and not yet its end */
static double redis_retry_at;   /* no connect attempt before this (monotonic seconds) */

static void redis_failed(const char *what)
{
    stats.redis_errors++;
    if (redis) {
        redisFree(redis);
        redis = NULL;
    }
    redis_retry_at = now_s() + 1.0;
    if (!redis_down) {
        redis_down = 1;
        logf_("redis: unreachable (%s); resumption through Redis falls back to full handshakes, retrying every second",
              what);
    }
}

/* The connection, or NULL while Redis is down (at most one connect attempt a second). */
static redisContext *redis_conn(void)
{
    if (redis)
        return redis;
    if (now_s() < redis_retry_at)
        return NULL;
    struct timeval tv = {redis_timeout_ms / 1000, (redis_timeout_ms % 1000) * 1000};
    redis = redisConnectWithTimeout(redis_host, redis_port, tv);
    if (!redis || redis->err) {
        char what[160];
        snprintf(what, sizeof what, "connect: %s", redis ? redis->errstr : "out of memory");
        redis_failed(what);
        return NULL;
    }
    if (redisSetTimeout(redis, tv) != REDIS_OK) {
        redis_failed("setting the command timeout");
        return NULL;
    }
    return redis;
}

/* One command (binary-safe arguments); NULL when Redis is down, slow or answered an error. */
static redisReply *redis_cmd(int argc, const char **argv, const size_t *lens)
{
    redisContext *c = redis_conn();
    if (!c)
        return NULL;
    redisReply *r = redisCommandArgv(c, argc, argv, lens);
    if (!r) {
        char what[sizeof c->errstr];
        snprintf(what, sizeof what, "%s", c->errstr[0] ? c->errstr : "no reply");
        redis_failed(what); /* frees c */
        return NULL;
    }
    if (redis_down) { /* a stopped Redis still accepts connections: only an answer counts */
        redis_down = 0;
        logf_("redis: reachable again");
    }
    if (r->type == REDIS_REPLY_ERROR) {
        logf_("redis: %s", r->str);
        stats.redis_errors++;
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

static void session_key(char *out, size_t cap, const char *kind, const unsigned char *id, unsigned int len)
{
    char hex[2 * MAX_ID_LEN + 1];
    hex_encode(id, len, hex);
    snprintf(out, cap, "fleet:%s:%s", kind, hex);
}

/* ---- sealing sessions for Redis: AES-256-GCM under the fleet key, bound to the session ID --- */

static const char AAD_LABEL[] = "libtls-fleet-session-v1";

static int gcm(int enc, const unsigned char *nonce, const unsigned char *id, unsigned int idlen,
               const unsigned char *in, int inlen, unsigned char *out, unsigned char *tag)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int ok = c != NULL, n = 0, fin = 0;
    ok = ok && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1;
    ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, GCM_NONCE, NULL) == 1;
    ok = ok && EVP_CipherInit_ex(c, NULL, NULL, fleet_key, nonce, enc) == 1;
    ok = ok && EVP_CipherUpdate(c, NULL, &n, (const unsigned char *)AAD_LABEL, sizeof AAD_LABEL - 1) == 1;
    ok = ok && EVP_CipherUpdate(c, NULL, &n, id, (int)idlen) == 1;
    ok = ok && EVP_CipherUpdate(c, out, &n, in, inlen) == 1;
    if (ok && !enc)
        ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, GCM_TAG, tag) == 1;
    ok = ok && EVP_CipherFinal_ex(c, out + n, &fin) == 1;
    if (ok && enc)
        ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, GCM_TAG, tag) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok && n + fin == inlen ? 0 : -1;
}

/* ---- the session cache callbacks ----------------------------------------------------------- */

struct conn;
static struct conn *conn_of(SSL *ssl);
static void note_via_redis(SSL *ssl);

static int new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
    unsigned int idlen;
    const unsigned char *id = SSL_SESSION_get_id(sess, &idlen);
    int len = i2d_SSL_SESSION(sess, NULL);
    if (idlen == 0 || len <= 0 || len > MAX_SESSION_DER)
        return 0;
    /* TLS 1.2 sessions also go into this member's own cache (multi-use, the fast path); TLS 1.3
     * stateful tickets never do, so that every use passes the fleet-wide anti-replay set. */
    if (SSL_SESSION_get_protocol_version(sess) != TLS1_3_VERSION)
        SSL_CTX_add_session(SSL_get_SSL_CTX(ssl), sess);

    unsigned char *der = malloc((size_t)len), *value = malloc((size_t)len + GCM_NONCE + GCM_TAG);
    unsigned char *p = der;
    int ok = der && value && i2d_SSL_SESSION(sess, &p) == len && RAND_bytes(value, GCM_NONCE) == 1 &&
             gcm(1, value, id, idlen, der, len, value + GCM_NONCE, value + GCM_NONCE + len) == 0;
    if (der)
        OPENSSL_cleanse(der, (size_t)len);
    free(der);
    if (ok) {
        char key[96], ttl[32];
        long t = SSL_SESSION_get_timeout(sess);
        session_key(key, sizeof key, "sess", id, idlen);
        snprintf(ttl, sizeof ttl, "%ld", t > 0 ? t : session_timeout);
        const char *argv[] = {"SET", key, (const char *)value, "EX", ttl};
        size_t lens[] = {3, strlen(key), (size_t)len + GCM_NONCE + GCM_TAG, 2, strlen(ttl)};
        redisReply *r = redis_cmd(5, argv, lens);
        if (r) {
            stats.redis_stored++;
            freeReplyObject(r);
        }
    }
    free(value);
    return 0; /* the library keeps its reference */
}

/* Fetches and opens a session; NULL for anything missing, altered or unreadable. */
static SSL_SESSION *fetch_session(const unsigned char *id, unsigned int idlen, const char *key)
{
    const char *argv[] = {"GET", key};
    size_t lens[] = {3, strlen(key)};
    redisReply *r = redis_cmd(2, argv, lens);
    SSL_SESSION *s = NULL;
    if (r && r->type == REDIS_REPLY_STRING && r->len > GCM_NONCE + GCM_TAG &&
        r->len - GCM_NONCE - GCM_TAG <= MAX_SESSION_DER) {
        int len = (int)r->len - GCM_NONCE - GCM_TAG;
        unsigned char *der = malloc((size_t)len);
        unsigned char *v = (unsigned char *)r->str;
        if (der && gcm(0, v, id, idlen, v + GCM_NONCE, len, der, v + GCM_NONCE + len) == 0) {
            const unsigned char *p = der;
            s = d2i_SSL_SESSION(NULL, &p, len);
        }
        if (der)
            OPENSSL_cleanse(der, (size_t)len);
        free(der);
    }
    if (r)
        freeReplyObject(r);
    return s;
}

static SSL_SESSION *get_session_cb(SSL *ssl, const unsigned char *id, int idlen, int *copy)
{
    char key[96], used[96];
    *copy = 0; /* the reference returned is the library's */
    if (idlen <= 0 || idlen > MAX_ID_LEN)
        return NULL;
    session_key(key, sizeof key, "sess", id, (unsigned int)idlen);
    SSL_SESSION *s = fetch_session(id, (unsigned int)idlen, key);
    if (!s) {
        /* Unknown, expired, or a TLS 1.3 ticket already used (its session is deleted then; the
         * anti-replay set still names it, which only the statistics care about). */
        const char *argv[] = {"EXISTS", used};
        size_t lens[] = {6, 0};
        session_key(used, sizeof used, "used", id, (unsigned int)idlen);
        lens[1] = strlen(used);
        redisReply *r = redis_cmd(2, argv, lens);
        if (r && r->type == REDIS_REPLY_INTEGER && r->integer == 1)
            stats.replays_refused++;
        else
            stats.redis_misses++;
        if (r)
            freeReplyObject(r);
        return NULL;
    }
    if (SSL_SESSION_get_protocol_version(s) == TLS1_3_VERSION) {
        /* Single use, fleet-wide: only the first member to add the ID to the set resumes it. */
        char ttl[32];
        long t = SSL_SESSION_get_timeout(s);
        snprintf(ttl, sizeof ttl, "%ld", t > 0 ? t : session_timeout);
        session_key(used, sizeof used, "used", id, (unsigned int)idlen);
        const char *argv[] = {"SET", used, "1", "NX", "EX", ttl};
        size_t lens[] = {3, strlen(used), 1, 2, 2, strlen(ttl)};
        redisReply *r = redis_cmd(6, argv, lens);
        int first = r && r->type == REDIS_REPLY_STATUS;
        if (r)
            freeReplyObject(r);
        if (!first) {
            if (!redis_down)
                stats.replays_refused++; /* another member won the race for it */
            SSL_SESSION_free(s);
            return NULL;
        }
        const char *del[] = {"DEL", key};
        size_t dlens[] = {3, strlen(key)};
        if ((r = redis_cmd(2, del, dlens)))
            freeReplyObject(r);
        stats.tls13_accepted++;
        if (accept_log) {
            char hex[2 * MAX_ID_LEN + 1];
            hex_encode(id, (size_t)idlen, hex);
            fprintf(accept_log, "%s %s\n", server_name, hex);
            fflush(accept_log);
        }
    } else {
        /* Kept locally from now on, as if this member had made it. */
        SSL_CTX_add_session(SSL_get_SSL_CTX(ssl), s);
    }
    stats.redis_hits++;
    note_via_redis(ssl);
    return s;
}

/* A member invalidated a session (SSL_CTX_remove_session, or a session that left its cache):
 * the fleet forgets it too. Expiry needs no call: Redis drops the key at the same time. A used
 * TLS 1.3 ticket (libtls reports those here too) was deleted by get_session_cb already. */
static void remove_session_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    (void)ctx;
    unsigned int idlen;
    const unsigned char *id = SSL_SESSION_get_id(sess, &idlen);
    if (idlen == 0 || SSL_SESSION_get_protocol_version(sess) == TLS1_3_VERSION ||
        (long)time(NULL) >= (long)SSL_SESSION_get_time(sess) + SSL_SESSION_get_timeout(sess))
        return;
    char key[96];
    session_key(key, sizeof key, "sess", id, idlen);
    const char *argv[] = {"DEL", key};
    size_t lens[] = {3, strlen(key)};
    redisReply *r = redis_cmd(2, argv, lens);
    if (r)
        freeReplyObject(r);
}

/* ---- contexts ------------------------------------------------------------------------------ */

static SSL_CTX *make_ctx(const char *cert, const char *key, int stateful)
{
    static const unsigned char sid_ctx[] = "libtls-fleet";
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* Every member must use the same session ID context, or they refuse each other's sessions. */
    SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx - 1);
    SSL_CTX_set_timeout(ctx, session_timeout);
    SSL_CTX_set_num_tickets(ctx, 1);
    if (stateful) {
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
        SSL_CTX_sess_set_get_cb(ctx, get_session_cb);
        SSL_CTX_sess_set_remove_cb(ctx, remove_session_cb);
    } else {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        if (install_ticket_keys(ctx) != 1)
            return NULL;
    }
    return ctx;
}

static int listen_on(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 512) != 0) {
        logf_("cannot listen on 127.0.0.1:%d: %s", port, strerror(errno));
        return -1;
    }
    return fd;
}

/* ---- connections --------------------------------------------------------------------------- */

enum phase { HANDSHAKE, WRITING, SHUTDOWN };

struct conn {
    int fd;
    SSL *ssl;
    struct listener *l;
    enum phase phase;
    int via_redis;
    double started;
    char out[160];
    int outlen, outoff;
    struct conn *prev, *next;
};

static struct conn *conns; /* all open connections, for the idle sweep */
static int ep;

static struct conn *conn_of(SSL *ssl)
{
    return SSL_get_app_data(ssl);
}

static void note_via_redis(SSL *ssl)
{
    struct conn *c = conn_of(ssl);
    if (c)
        c->via_redis = 1;
}

static void conn_close(struct conn *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    SSL_free(c->ssl);
    close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c);
}

static void want(struct conn *c, int err)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = err == SSL_ERROR_WANT_WRITE ? EPOLLOUT : EPOLLIN;
    ev.data.ptr = c;
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void handshake_done(struct conn *c)
{
    int reused = SSL_session_reused(c->ssl);
    const char *via = !reused ? "full" : c->via_redis ? "redis" : c->l->stateful ? "local" : "ticket";
    stats.handshakes++;
    if (reused) {
        stats.resumed++;
        if (c->via_redis)
            stats.via_redis++;
        else if (c->l->stateful)
            stats.via_local++;
        else
            stats.via_ticket++;
    }
    c->outlen = snprintf(c->out, sizeof c->out, "srv=%s ver=%s reused=%d via=%s\n", server_name,
                         SSL_get_version(c->ssl), reused, via);
    c->outoff = 0;
    c->phase = WRITING;
}

/* Advances a connection as far as it goes without blocking. */
static void drive(struct conn *c)
{
    for (;;) {
        int r = 0, e;
        switch (c->phase) {
        case HANDSHAKE:
            r = SSL_do_handshake(c->ssl);
            if (r == 1) {
                handshake_done(c);
                continue;
            }
            break;
        case WRITING:
            r = SSL_write(c->ssl, c->out + c->outoff, c->outlen - c->outoff);
            if (r > 0) {
                c->outoff += r;
                if (c->outoff == c->outlen)
                    c->phase = SHUTDOWN;
                continue;
            }
            break;
        case SHUTDOWN:
            r = SSL_shutdown(c->ssl);
            if (r >= 0) { /* close_notify sent; the peer's is not awaited */
                conn_close(c);
                return;
            }
            break;
        }
        e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            want(c, e);
            return;
        }
        if (c->phase == HANDSHAKE) {
            unsigned long code = ERR_peek_error();
            stats.failed++;
            logf_("handshake failed: %s", code ? ERR_error_string(code, NULL) : "connection closed");
        }
        ERR_clear_error();
        conn_close(c);
        return;
    }
}

static void accept_all(struct listener *l)
{
    for (;;) {
        int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;
        if (fd < 0)
            return;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        SSL *ssl = c ? SSL_new(l->ctx) : NULL;
        if (!ssl || SSL_set_fd(ssl, fd) != 1) {
            SSL_free(ssl);
            free(c);
            close(fd);
            continue;
        }
        SSL_set_accept_state(ssl);
        SSL_set_app_data(ssl, c);
        c->fd = fd;
        c->ssl = ssl;
        c->l = l;
        c->phase = HANDSHAKE;
        c->started = now_s();
        c->next = conns;
        if (conns)
            conns->prev = c;
        conns = c;
        struct epoll_event ev;
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLIN;
        ev.data.ptr = c;
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        drive(c);
    }
}

static void print_stats(void)
{
    logf_("stats: handshakes=%ld failed=%ld resumed=%ld via_local=%ld via_redis=%ld via_ticket=%ld "
          "redis_stored=%ld redis_hits=%ld redis_misses=%ld redis_errors=%ld replays_refused=%ld "
          "tls13_accepted=%ld key_reloads=%ld",
          stats.handshakes, stats.failed, stats.resumed, stats.via_local, stats.via_redis, stats.via_ticket,
          stats.redis_stored, stats.redis_hits, stats.redis_misses, stats.redis_errors, stats.replays_refused,
          stats.tls13_accepted, stats.key_reloads);
}

static void usage(void)
{
    fprintf(stderr, "usage: fleet_server -name NAME -cert CHAIN -key KEY -fleet-key FILE -ticket-keys FILE\n"
                    "                    -listen PORT:stateful|tickets [-listen ...] [-redis HOST:PORT]\n"
                    "                    [-redis-timeout-ms N] [-timeout SECS] [-accept-log FILE]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *cert = NULL, *key = NULL, *fleet_key_path = NULL;
    static char redis_host_buf[256];
    struct {
        int port, stateful;
    } wanted[MAX_LISTENERS];
    int nwanted = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        i++;
        if (!strcmp(a, "-name"))
            server_name = v;
        else if (!strcmp(a, "-cert"))
            cert = v;
        else if (!strcmp(a, "-key"))
            key = v;
        else if (!strcmp(a, "-fleet-key"))
            fleet_key_path = v;
        else if (!strcmp(a, "-ticket-keys"))
            ticket_key_path = v;
        else if (!strcmp(a, "-timeout"))
            session_timeout = atol(v);
        else if (!strcmp(a, "-redis-timeout-ms"))
            redis_timeout_ms = atoi(v);
        else if (!strcmp(a, "-accept-log")) {
            if (!(accept_log = fopen(v, "a")))
                usage();
        } else if (!strcmp(a, "-redis")) {
            const char *colon = strrchr(v, ':');
            if (!colon || (size_t)(colon - v) >= sizeof redis_host_buf)
                usage();
            memcpy(redis_host_buf, v, (size_t)(colon - v));
            redis_host = redis_host_buf;
            redis_port = atoi(colon + 1);
        } else if (!strcmp(a, "-listen") && nwanted < MAX_LISTENERS) {
            const char *colon = strchr(v, ':');
            if (!colon || (strcmp(colon + 1, "stateful") && strcmp(colon + 1, "tickets")))
                usage();
            wanted[nwanted].port = atoi(v);
            wanted[nwanted].stateful = !strcmp(colon + 1, "stateful");
            nwanted++;
        } else
            usage();
    }
    if (!cert || !key || !fleet_key_path || !ticket_key_path || nwanted == 0 || redis_timeout_ms <= 0 ||
        session_timeout <= 0)
        usage();
    signal(SIGPIPE, SIG_IGN);
    if (load_fleet_key(fleet_key_path) != 0 || load_ticket_keys() != 0)
        return 1;

    ep = epoll_create1(EPOLL_CLOEXEC);
    for (int i = 0; i < nwanted; i++) {
        struct listener *l = &listeners[nlisteners++];
        l->port = wanted[i].port;
        l->stateful = wanted[i].stateful;
        if (!(l->ctx = make_ctx(cert, key, l->stateful))) {
            logf_("cannot set up the TLS context");
            ERR_print_errors_fp(stderr);
            return 1;
        }
        if ((l->fd = listen_on(l->port)) < 0)
            return 1;
        struct epoll_event ev;
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLIN;
        ev.data.ptr = l;
        epoll_ctl(ep, EPOLL_CTL_ADD, l->fd, &ev);
    }

    /* SIGHUP reloads the ticket keys; SIGTERM and SIGINT stop. */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    /* inotify on the key file's directory: editors and `mv` replace the file, which a watch on
     * the file itself would lose. */
    char dirbuf[PATH_MAX], basebuf[PATH_MAX];
    snprintf(dirbuf, sizeof dirbuf, "%s", ticket_key_path);
    snprintf(basebuf, sizeof basebuf, "%s", ticket_key_path);
    const char *key_dir = dirname(dirbuf), *key_base = basename(basebuf);
    int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (sfd < 0 || ifd < 0 || inotify_add_watch(ifd, key_dir, IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
        logf_("signalfd/inotify: %s", strerror(errno));
        return 1;
    }
    static int sfd_tag, ifd_tag;
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.ptr = &sfd_tag;
    epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
    ev.data.ptr = &ifd_tag;
    epoll_ctl(ep, EPOLL_CTL_ADD, ifd, &ev);

    char ports[128] = "", *pp = ports;
    for (int i = 0; i < nlisteners; i++)
        pp += snprintf(pp, sizeof ports - (size_t)(pp - ports), " %d:%s", listeners[i].port,
                       listeners[i].stateful ? "stateful" : "tickets");
    logf_("listening on%s (%s, redis %s:%d, timeout %d ms)", ports, OpenSSL_version(OPENSSL_VERSION),
          redis_host, redis_port, redis_timeout_ms);

    int running = 1;
    while (running) {
        struct epoll_event events[64];
        int n = epoll_wait(ep, events, 64, 1000);
        for (int i = 0; i < n; i++) {
            void *p = events[i].data.ptr;
            if (p == &sfd_tag) {
                struct signalfd_siginfo si;
                while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
                    if (si.ssi_signo == SIGHUP)
                        load_ticket_keys();
                    else
                        running = 0;
                }
            } else if (p == &ifd_tag) {
                char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
                ssize_t len;
                int changed = 0;
                while ((len = read(ifd, buf, sizeof buf)) > 0) {
                    for (char *q = buf; q < buf + len;) {
                        struct inotify_event *ie = (struct inotify_event *)q;
                        if ((ie->len && !strcmp(ie->name, key_base)) || (ie->mask & IN_Q_OVERFLOW))
                            changed = 1;
                        q += sizeof *ie + ie->len;
                    }
                }
                if (changed)
                    load_ticket_keys();
            } else if (p >= (void *)listeners && p < (void *)(listeners + MAX_LISTENERS)) {
                accept_all(p);
            } else {
                drive(p);
            }
        }
        /* Connections that stall are dropped. */
        double now = now_s();
        for (struct conn *c = conns, *next; c; c = next) {
            next = c->next;
            if (now - c->started > CONN_IDLE_SECS)
                conn_close(c);
        }
    }
    while (conns)
        conn_close(conns);
    print_stats();
    for (int i = 0; i < nlisteners; i++) {
        close(listeners[i].fd);
        /* OpenSSL's SSL_CTX_free tells the remove callback about every session still cached,
         * which would delete them from Redis too: a member that stops must not take the fleet's
         * sessions with it (libtls does not call it there; unsetting it is right for both). */
        SSL_CTX_sess_set_remove_cb(listeners[i].ctx, NULL);
        SSL_CTX_free(listeners[i].ctx);
    }
    if (redis)
        redisFree(redis);
    if (accept_log)
        fclose(accept_log);
    OPENSSL_cleanse(ticket_keys, sizeof ticket_keys);
    OPENSSL_cleanse(fleet_key, sizeof fleet_key);
    return 0;
}
