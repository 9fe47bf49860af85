/* OpenSSL's libcrypto API through libtls (issue 19): written against OpenSSL's headers only,
 * built unchanged against the system OpenSSL (-lssl -lcrypto) and against libtls's
 * OpenSSL-named headers (-ltls alone), and run with the same arguments: both builds must print
 * the same lines. It hashes, MACs and draws random bytes; reads a certificate and key as PEM
 * from memory BIOs and gives those very objects to SSL_CTX_use_certificate and
 * SSL_CTX_use_PrivateKey; handshakes over a BIO pair and compares the peer certificate it gets
 * back with the one it read (one X509 type in and out); and checks that a PEM error raised by
 * the libcrypto half is on the queue ERR_* reads.
 *
 * usage: libcrypto CERT.pem KEY.pem */
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_file(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (*len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        return NULL;
    buf = malloc((size_t)*len + 1);
    if (buf == NULL || fread(buf, 1, (size_t)*len, f) != (size_t)*len)
        return NULL;
    fclose(f);
    return buf;
}

static void hex(const char *label, const unsigned char *p, unsigned int n)
{
    unsigned int i;
    printf("%s: ", label);
    for (i = 0; i < n; i++)
        printf("%02x", p[i]);
    printf("\n");
}

/* Moves bytes between the two ends until both handshakes are done (or 100 rounds). */
static int handshake(SSL *client, SSL *server)
{
    int round, c = 0, s = 0;
    for (round = 0; round < 100 && (c != 1 || s != 1); round++) {
        if (c != 1)
            c = SSL_do_handshake(client);
        if (s != 1)
            s = SSL_do_handshake(server);
    }
    return c == 1 && s == 1;
}

int main(int argc, char **argv)
{
    static const char fox[] = "The quick brown fox jumps over the lazy dog";
    unsigned char md[EVP_MAX_MD_SIZE], rnd[32], zero[32] = {0};
    unsigned int md_len = 0;
    char name[256];
    long cert_len, key_len;
    char *cert_pem, *key_pem;
    BIO *bio, *client_bio, *server_bio;
    X509 *cert, *peer;
    EVP_PKEY *key;
    SSL_CTX *server_ctx, *client_ctx;
    SSL *client, *server;
    STACK_OF(X509) *chain;
    unsigned long e;

    if (argc != 3 || (cert_pem = read_file(argv[1], &cert_len)) == NULL ||
        (key_pem = read_file(argv[2], &key_len)) == NULL)
        return 2;

    /* Digests, MACs, random bytes. */
    if (!EVP_Digest("abc", 3, md, &md_len, EVP_sha256(), NULL))
        return 1;
    hex("sha256(abc)", md, md_len);
    if (HMAC(EVP_sha256(), "key", 3, (const unsigned char *)fox, strlen(fox), md, &md_len) == NULL)
        return 1;
    hex("hmac-sha256", md, md_len);
    printf("rand: %s\n", RAND_bytes(rnd, sizeof rnd) == 1 && memcmp(rnd, zero, sizeof rnd) != 0 ? "ok" : "FAIL");

    /* PEM from memory BIOs into the objects the TLS half takes. */
    bio = BIO_new_mem_buf(cert_pem, (int)cert_len);
    cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    bio = BIO_new_mem_buf(key_pem, (int)key_len);
    key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (cert == NULL || key == NULL)
        return 1;
    X509_NAME_oneline(X509_get_subject_name(cert), name, sizeof name);
    printf("subject: %s\n", name);
    server_ctx = SSL_CTX_new(TLS_server_method());
    client_ctx = SSL_CTX_new(TLS_client_method());
    printf("use_certificate: %d\n", SSL_CTX_use_certificate(server_ctx, cert));
    printf("use_PrivateKey: %d\n", SSL_CTX_use_PrivateKey(server_ctx, key));
    printf("check_private_key: %d\n", SSL_CTX_check_private_key(server_ctx));

    /* A handshake over a BIO pair: the peer certificate comes back as the same type. */
    client = SSL_new(client_ctx);
    server = SSL_new(server_ctx);
    if (client == NULL || server == NULL || !BIO_new_bio_pair(&client_bio, 0, &server_bio, 0))
        return 1;
    SSL_set_bio(client, client_bio, client_bio);
    SSL_set_bio(server, server_bio, server_bio);
    SSL_set_connect_state(client);
    SSL_set_accept_state(server);
    printf("handshake: %s\n", handshake(client, server) ? "ok" : "FAIL");
    peer = SSL_get_peer_certificate(client);
    printf("peer is the certificate read: %s\n", peer != NULL && X509_cmp(peer, cert) == 0 ? "yes" : "no");
    X509_NAME_oneline(X509_get_issuer_name(peer), name, sizeof name);
    printf("peer issuer: %s\n", name);
    chain = SSL_get_peer_cert_chain(client);
    printf("peer chain: %d\n", chain == NULL ? -1 : (int)sk_X509_num(chain));
    X509_free(peer);

    /* One error queue: a PEM error from the libcrypto half, read with ERR_*. */
    ERR_clear_error();
    bio = BIO_new(BIO_s_mem());
    printf("empty PEM: %s\n", PEM_read_bio_X509(bio, NULL, NULL, NULL) == NULL ? "NULL" : "object");
    BIO_free(bio);
    e = ERR_peek_last_error();
    printf("error: lib %s, reason %s\n", ERR_GET_LIB(e) == ERR_LIB_PEM ? "PEM" : "other",
           ERR_GET_REASON(e) == PEM_R_NO_START_LINE ? "NO_START_LINE" : "other");
    ERR_clear_error();
    printf("after clear: %lu\n", ERR_peek_error());

    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(server_ctx);
    SSL_CTX_free(client_ctx);
    X509_free(cert);
    EVP_PKEY_free(key);
    free(cert_pem);
    free(key_pem);
    return 0;
}
