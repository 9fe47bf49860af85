/* Does TLS with libtls, then dlopen()s plugin.so (linked against libssl) and lets it do TLS with
 * OpenSSL in the same process. usage: host PLUGIN PORT1 PORT2 CAFILE [nohandshake] */
#define NO_MAIN
#include "fetch.c"

#include <dlfcn.h>

int main(int argc, char **argv)
{
    int (*plugin_run)(int, const char *, int);
    void *plugin;
    char reply[256];
    SSL *ssl = NULL;
    int fd, handshake = !(argc > 5 && strcmp(argv[5], "nohandshake") == 0);

    if (argc < 5)
        return 2;
    printf("host alert86: %s\n", SSL_alert_desc_string_long(86));
    if (handshake) {
        fd = tls_roundtrip(atoi(argv[2]), argv[4], reply, (int)sizeof reply, &ssl);
        if (fd < 0)
            return 1;
        printf("host tls: %s reply=%s\n", SSL_get_version(ssl), reply);
        SSL_shutdown(ssl);
        SSL_free(ssl);
        close(fd);
    }
    fflush(stdout);
    plugin = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (plugin == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    *(void **)&plugin_run = dlsym(plugin, "plugin_run");
    if (plugin_run == NULL || plugin_run(atoi(argv[3]), argv[4], handshake) != 0)
        return 1;
    /* libtls still answers the host after the plugin loaded libssl. */
    printf("host alert86 after: %s\n", SSL_alert_desc_string_long(86));
    dlclose(plugin);
    return 0;
}
