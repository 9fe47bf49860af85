/* Header and library versions agree: prints both and exits 0 only when they match. */
#include <libtls.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    printf("header: %s 0x%08lx\nlibrary: %s 0x%08lx\n", LIBTLS_VERSION_TEXT, LIBTLS_VERSION_NUMBER,
           libtls_version(), libtls_version_num());
    if (strcmp(libtls_version(), LIBTLS_VERSION_TEXT) != 0 || libtls_version_num() != LIBTLS_VERSION_NUMBER)
        return 1;
    return LIBTLS_VERSION_NUMBER == ((unsigned long)LIBTLS_VERSION_MAJOR << 24
                                     | (unsigned long)LIBTLS_VERSION_MINOR << 16
                                     | (unsigned long)LIBTLS_VERSION_PATCH << 8) ? 0 : 1;
}
