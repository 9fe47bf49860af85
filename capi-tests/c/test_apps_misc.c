/* What socat, stunnel and mosquitto (issue 19) rely on beyond test_apps.c: the names they probe
 * for features libtls lacks (DTLS methods, compression), SSL_CTX_set_tmp_ecdh, and calls made
 * while a program exits (socat shuts its TLS connections down from an atexit handler, after
 * the thread's thread-local storage is gone). Includes <openssl/ssl.h> in both builds: against
 * libtls that is libtls's compat header directory, against OpenSSL the system's
 * (make test-openssl).
 *
 *   test_apps_misc            run every test
 *   test_apps_misc NAME...    run only these
 *   test_apps_misc --list     print the test names
 * Run from the repository root (certificates are read from pki/). */
#define _POSIX_C_SOURCE 200809L
/* SSL_CTX_set_tmp_ecdh takes an EC_KEY, deprecated in OpenSSL 3.0 (socat still uses it). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/x509.h>
#include <openssl/pem.h>
#include <openssl/ui.h>
#define TEST_OPENSSL_HEADERS_ONLY
#include "common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- features libtls lacks, as OpenSSL built without them --------------------------------- */

/* socat's configure looks for DTLS_client_method and DTLS_server_method; libtls exports them
 * and, having no DTLS (OPENSSL_NO_DTLS), returns NULL with an error. Against OpenSSL (with
 * DTLS) they are methods SSL_CTX_new accepts. */
static int test_dtls_methods(void)
{
    int ok = 0;
    const SSL_METHOD *(*const getters[3])(void) = {DTLS_method, DTLS_client_method, DTLS_server_method};
    const SSL_METHOD *m[3];
    SSL_CTX *ctx = NULL;
    int i;
    for (i = 0; i < 3; i++) {
        ERR_clear_error();
        m[i] = getters[i]();
#ifdef OPENSSL_NO_DTLS
        CHECK(m[i] == NULL);
        CHECK(ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNSUPPORTED_PROTOCOL);
        ERR_clear_error();
        CHECK(SSL_CTX_new(m[i]) == NULL);
        ERR_clear_error();
#else
        CHECK(m[i] != NULL);
        CHECK((ctx = SSL_CTX_new(m[i])) != NULL);
        SSL_CTX_free(ctx);
        ctx = NULL;
#endif
    }
    ok = 1;
out:
    SSL_CTX_free(ctx);
    return ok;
}

/* socat asks for the compression methods; NULL means "built without compression". */
static int test_compression_methods(void)
{
    int ok = 0;
    STACK_OF(SSL_COMP) *methods = SSL_COMP_get_compression_methods();
#ifdef OPENSSL_NO_COMP
    CHECK(methods == NULL);
#else
    /* OpenSSL with compression support: a stack, possibly empty; nothing is enabled. */
    CHECK(methods == NULL || sk_SSL_COMP_num(methods) >= 0);
#endif
    ok = 1;
out:
    return ok;
}

/* SSL_CTX_set_tmp_ecdh with a P-384 key: the server then accepts only P-384, so a TLS 1.3 client
 * whose first key share is X25519 is asked for a P-384 one (HelloRetryRequest) and the
 * connection uses P-384. A TLS 1.2 client offering only P-256 is refused. */
static int test_set_tmp_ecdh(void)
{
    int ok = 0;
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0), *cctx = test_client_ctx(0), *cctx2 = test_client_ctx(0);
    struct sock_pair sp = SOCK_PAIR_INIT, sp2 = SOCK_PAIR_INIT;
    EC_KEY *key = EC_KEY_new_by_curve_name(NID_secp384r1);
    CHECK(sctx && cctx && cctx2 && key);
    CHECK(SSL_CTX_set_tmp_ecdh(sctx, key) == 1);
    CHECK(SSL_CTX_set1_groups_list(cctx, "X25519:P-384") == 1);
    CHECK(sock_pair_connect(&sp, cctx, sctx));
    CHECK(SSL_get_negotiated_group(sp.client) == NID_secp384r1);
    CHECK(SSL_get_negotiated_group(sp.server) == NID_secp384r1);
    CHECK(SSL_CTX_set1_groups_list(cctx2, "P-256") == 1);
    CHECK(!sock_pair_connect(&sp2, cctx2, sctx));
    ERR_clear_error();
    ok = 1;
out:
    EC_KEY_free(key);
    sock_pair_close(&sp);
    sock_pair_close(&sp2);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    SSL_CTX_free(cctx2);
    return ok;
}

/* Errors a program left on the queue before the handshake (socat: a failed
 * PEM_read_bio_DHparams) are cleared when the handshake starts, as OpenSSL's state machine does:
 * otherwise SSL_get_error, which looks at the queue first, would turn the handshake's
 * SSL_ERROR_WANT_READ into SSL_ERROR_SSL. */
static int test_stale_error_before_handshake(void)
{
    int ok = 0;
    SSL_CTX *sctx = test_server_ctx("server-ecdsa-p256", 0), *cctx = test_client_ctx(0);
    struct sock_pair sp = SOCK_PAIR_INIT;
    BIO *empty = NULL;
    CHECK(sctx && cctx);
    CHECK((empty = BIO_new_mem_buf("not PEM\n", -1)) != NULL);
    CHECK(PEM_read_bio_X509(empty, NULL, NULL, NULL) == NULL);
    CHECK(ERR_peek_error() != 0);
    CHECK(sock_pair_connect(&sp, cctx, sctx));
    ok = 1;
out:
    BIO_free(empty);
    sock_pair_close(&sp);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    return ok;
}

/* ---- the UI API (mosquitto, stunnel) ----------------------------------------------------- */

/* mosquitto's pattern: a method of its own whose opener, writer and closer are UI_OpenSSL()'s
 * (taken with UI_method_get_*), and a reader that answers from the UI's user data. */
static const char *ui_answer;
static int ui_reads, ui_writes;

static int answer_reader(UI *ui, UI_STRING *uis)
{
    if (UI_get_string_type(uis) != UIT_PROMPT && UI_get_string_type(uis) != UIT_VERIFY)
        return 1;
    ui_reads++;
    if (UI_get_string_type(uis) == UIT_VERIFY && strcmp(UI_get0_test_string(uis), "first") != 0)
        return 0;
    if (UI_get0_user_data(ui) != &ui_answer)
        return 0;
    return UI_set_result(ui, uis, ui_answer) == 0 ? 1 : 0;
}

static int counting_writer(UI *ui, UI_STRING *uis)
{
    (void)ui;
    ui_writes++;
    return UI_get0_output_string(uis) != NULL;
}

static int test_ui_method(void)
{
    int ok = 0;
    char buf[9], again[9];
    UI_METHOD *m = UI_create_method("test method");
    UI *ui = NULL;
    CHECK(m != NULL);
    CHECK(UI_OpenSSL() != NULL);
    CHECK(UI_method_get_opener(UI_OpenSSL()) != NULL && UI_method_get_reader(UI_OpenSSL()) != NULL);
    CHECK(UI_method_set_reader(m, answer_reader) == 0);
    CHECK(UI_method_set_writer(m, counting_writer) == 0);
    CHECK(UI_method_get_reader(m) == answer_reader);
    CHECK(UI_method_get_opener(m) == NULL);

    /* An answer within 4..8 characters is copied into the buffer. */
    CHECK((ui = UI_new_method(m)) != NULL);
    CHECK(UI_add_user_data(ui, &ui_answer) == 0);
    CHECK(UI_add_info_string(ui, "info\n") > 0);
    CHECK(UI_add_input_string(ui, "Password: ", 0, buf, 4, 8) > 0);
    ui_answer = "s3cret";
    ui_reads = ui_writes = 0;
    CHECK(UI_process(ui) == 0);
    CHECK(strcmp(buf, "s3cret") == 0);
    CHECK(UI_get0_result(ui, 1) != NULL && strcmp(UI_get0_result(ui, 1), "s3cret") == 0);
    CHECK(ui_writes == 2 && ui_reads == 1);
    UI_free(ui);
    ui = NULL;

    /* Too long and too short answers fail with OpenSSL's reasons. */
    CHECK((ui = UI_new_method(m)) != NULL);
    CHECK(UI_add_user_data(ui, &ui_answer) == 0);
    CHECK(UI_add_input_string(ui, "Password: ", 0, buf, 4, 8) > 0);
    ui_answer = "much-too-long";
    ERR_clear_error();
    CHECK(UI_process(ui) < 0);
    CHECK(ERR_GET_REASON(ERR_peek_error()) == UI_R_RESULT_TOO_LARGE);
    ui_answer = "abc";
    ERR_clear_error();
    CHECK(UI_process(ui) < 0);
    CHECK(ERR_GET_REASON(ERR_peek_error()) == UI_R_RESULT_TOO_SMALL);
    ERR_clear_error();
    UI_free(ui);
    ui = NULL;

    /* A verification prompt carries its test string (UI_OpenSSL()'s reader compares). */
    CHECK((ui = UI_new_method(m)) != NULL);
    CHECK(UI_add_user_data(ui, &ui_answer) == 0);
    strcpy(buf, "first");
    CHECK(UI_add_verify_string(ui, "Again: ", 0, again, 1, 8, buf) > 0);
    ui_answer = "first";
    ERR_clear_error();
    CHECK(UI_process(ui) == 0);
    CHECK(strcmp(again, "first") == 0);
    ok = 1;
out:
    ERR_clear_error();
    UI_free(ui);
    UI_destroy_method(m);
    return ok;
}

/* ---- OpenSSL 1.1.0's locks and init settings (stunnel) ------------------------------------ */

#define LOCK_THREADS 4
#define LOCK_ROUNDS 20000

static CRYPTO_RWLOCK *shared_lock;
static int counter_locked, counter_atomic;

static void *lock_worker(void *arg)
{
    int i, now;
    (void)arg;
    for (i = 0; i < LOCK_ROUNDS; i++) {
        if (!CRYPTO_THREAD_write_lock(shared_lock))
            return NULL;
        counter_locked++;
        CRYPTO_THREAD_unlock(shared_lock);
        if (!CRYPTO_THREAD_read_lock(shared_lock))
            return NULL;
        now = counter_locked;
        CRYPTO_THREAD_unlock(shared_lock);
        (void)now;
        CRYPTO_atomic_add(&counter_atomic, 1, &now, shared_lock);
    }
    return arg;
}

/* Four threads increment one counter under the write lock and another with CRYPTO_atomic_add:
 * no increment is lost. */
static int test_thread_locks(void)
{
    int ok = 0, i, now = -1;
    pthread_t t[LOCK_THREADS];
    int ids[LOCK_THREADS];
    OPENSSL_INIT_SETTINGS *settings = NULL;
    CHECK((shared_lock = CRYPTO_THREAD_lock_new()) != NULL);
    counter_locked = counter_atomic = 0;
    for (i = 0; i < LOCK_THREADS; i++)
        CHECK(pthread_create(&t[i], NULL, lock_worker, &ids[i]) == 0);
    for (i = 0; i < LOCK_THREADS; i++) {
        void *r = NULL;
        CHECK(pthread_join(t[i], &r) == 0 && r == &ids[i]);
    }
    CHECK(counter_locked == LOCK_THREADS * LOCK_ROUNDS);
    CHECK(counter_atomic == LOCK_THREADS * LOCK_ROUNDS);
    CHECK(CRYPTO_atomic_add(&counter_atomic, -5, &now, shared_lock) == 1);
    CHECK(now == LOCK_THREADS * LOCK_ROUNDS - 5 && counter_atomic == now);
    /* stunnel's initialisation: settings made, set and freed. */
    CHECK((settings = OPENSSL_INIT_new()) != NULL);
    CHECK(OPENSSL_INIT_set_config_filename(settings, "/nonexistent/openssl.cnf") == 1);
    CHECK(OPENSSL_INIT_set_config_appname(settings, "test_apps_misc") == 1);
    CHECK(OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS, NULL) == 1);
    CHECK(SSL3_VERSION == 0x0300 && SSL2_VERSION == 0x0002 && SSL_MAX_SSL_SESSION_ID_LENGTH == 32);
    ok = 1;
out:
    OPENSSL_INIT_free(settings);
    CRYPTO_THREAD_lock_free(shared_lock);
    shared_lock = NULL;
    return ok;
}

/* ---- calls while a thread or the program exits ------------------------------------------- */

static pthread_key_t late_key;
static volatile int late_call_done;

/* Runs after the thread's thread-local destructors (glibc runs those first, then the
 * pthread_key destructors), as socat's atexit handler runs after the main thread's: a call
 * that puts an error on the queue must not abort the program. */
static void late_destructor(void *arg)
{
    (void)arg;
    if (SSL_CTX_new(NULL) == NULL)
        late_call_done = 1;
    ERR_clear_error();
    (void)ERR_get_error();
}

static void *late_thread(void *arg)
{
    (void)arg;
    /* Use this thread's error queue first, so that it exists and is destroyed at thread exit. */
    (void)SSL_CTX_new(NULL);
    pthread_setspecific(late_key, &late_key);
    return NULL;
}

static int test_error_queue_after_thread_exit(void)
{
    int ok = 0, status = 0;
    pid_t pid;
    /* In a child: if the call aborts, only the child dies and the test reports it. */
    fflush(stdout);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        pthread_t t;
        if (pthread_key_create(&late_key, late_destructor) != 0 || pthread_create(&t, NULL, late_thread, NULL) != 0 ||
            pthread_join(t, NULL) != 0)
            _exit(3);
        _exit(late_call_done ? 0 : 4);
    }
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    ok = 1;
out:
    return ok;
}

static const struct test_case tests[] = {
    {"dtls_methods", test_dtls_methods},
    {"compression_methods", test_compression_methods},
    {"set_tmp_ecdh", test_set_tmp_ecdh},
    {"stale_error_before_handshake", test_stale_error_before_handshake},
    {"ui_method", test_ui_method},
    {"thread_locks", test_thread_locks},
    {"error_queue_after_thread_exit", test_error_queue_after_thread_exit},
};

int main(int argc, char **argv)
{
    return run_test_cases("test_apps_misc", tests, TEST_CASE_COUNT(tests), failure, argc, argv);
}
