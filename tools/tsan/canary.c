/* A deliberate data race. check-tsan builds it exactly as it builds the tested programs and
 * requires ThreadSanitizer to report it: a silent detector would make a clean run meaningless. */
#include <pthread.h>
#include <stdio.h>

static int unguarded;

static void *bump(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100000; i++)
        unguarded++;
    return NULL;
}

int main(void)
{
    pthread_t threads[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&threads[i], NULL, bump, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(threads[i], NULL);
    printf("%d\n", unguarded);
    return 0;
}
