/* Compiled by test_dist.py as C89, C99, C11 and (renamed .cc) C++ with -Wall -Wextra -Werror
 * -pedantic: the public header and the OpenSSL-named headers must be clean in each. */
#ifdef WITH_OPENSSL_NAMES
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/tls1.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#else
#include <libtls.h>
#endif
/* Twice: the include guards must hold. */
#include <libtls.h>

int main(void)
{
    const SSL_METHOD *method = TLS_client_method();
    unsigned long number = LIBTLS_VERSION_NUMBER;
#ifdef WITH_OPENSSL_NAMES
    SSL_library_init();
    SSL_load_error_strings();
    (void)OpenSSL_version(OPENSSL_VERSION);
#endif
    return method != NULL && number == libtls_version_num() ? 0 : 1;
}
