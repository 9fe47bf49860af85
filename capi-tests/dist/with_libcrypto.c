/* One process, two TLS libraries: libtls, and OpenSSL's libcrypto on the link line. Linked
 * `-ltls -lcrypto`: every name libtls exports (its TLS API and, from aws-lc, OpenSSL's
 * libcrypto API: ERR_*, X509_*, SHA256, ...) binds to libtls, the first library on the line,
 * with libtls's version node. Prints the handshake, the digest and a string only libtls gives,
 * then exits 0 when all are right. */
#define NO_MAIN
#include "fetch.c"

#include <openssl/sha.h>

/* OpenSSL's <openssl/evp.h> types EVP_MD differently from <libtls.h> (both are opaque), so the
 * two EVP calls are declared here with libtls.h's type. */
const EVP_MD *EVP_sha256(void);
int EVP_Digest(const void *data, size_t count, unsigned char *md, unsigned int *size, const EVP_MD *type,
               void *impl);

int main(int argc, char **argv)
{
    static const unsigned char abc_sha256[] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    unsigned char digest[SHA256_DIGEST_LENGTH];
    char reply[256];
    SSL *ssl = NULL;
    int fd;

    if (argc != 3)
        return 2;
    SHA256((const unsigned char *)"abc", 3, digest);
    printf("sha256: %s\n", memcmp(digest, abc_sha256, sizeof digest) == 0 ? "ok" : "wrong");
    /* The issue-19 hazard: EVP_sha256 and EVP_Digest from two libraries would mix one's
     * EVP_MD with the other's code. Both bind to libtls, so the pair works. */
    {
        unsigned char md[64];
        unsigned int md_len = 0;
        int evp_ok = EVP_Digest("abc", 3, md, &md_len, EVP_sha256(), NULL) == 1 &&
                     md_len == sizeof abc_sha256 && memcmp(md, abc_sha256, sizeof abc_sha256) == 0;
        printf("evp_digest: %s\n", evp_ok ? "ok" : "wrong");
        if (!evp_ok)
            return 1;
    }
    /* OpenSSL 3.0 calls alert 86 "unknown"; libtls names it. */
    printf("alert86: %s\n", SSL_alert_desc_string_long(86));
    fd = tls_roundtrip(atoi(argv[1]), argv[2], reply, (int)sizeof reply, &ssl);
    if (fd < 0)
        return 1;
    printf("tls: %s reply=%s\n", SSL_get_version(ssl), reply);
    ERR_clear_error();
    SSL_shutdown(ssl);
    SSL_free(ssl);
    close(fd);
    return memcmp(digest, abc_sha256, sizeof digest) == 0 ? 0 : 1;
}
