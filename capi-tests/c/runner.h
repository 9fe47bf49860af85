/* The command line every C test program shares. No arguments runs every case, arguments name
 * the cases to run, `--list` prints the names. A case returns 1 on success; on failure it has
 * written why into the program's failure buffer. Each case prints "ok NAME" or
 * "FAIL NAME: WHY [first queued error]" (the pytest wrappers parse these lines), and a summary
 * line "PROGRAM: N passed, N failed" ends the run. Exit status: 0 all passed, 1 a case failed,
 * 2 no case matched the names given. */
#ifndef LIBTLS_CAPI_TEST_RUNNER_H
#define LIBTLS_CAPI_TEST_RUNNER_H

#include <stdio.h>
#include <string.h>

struct test_case {
    const char *name;
    int (*run)(void);
};

#define TEST_CASE_COUNT(cases) (sizeof(cases) / sizeof((cases)[0]))

__attribute__((unused)) static int run_test_cases(const char *program, const struct test_case *cases, size_t count, char *failure,
                          int argc, char **argv)
{
    size_t t;
    int passed = 0, failed = 0, a;

    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (t = 0; t < count; t++)
            printf("%s\n", cases[t].name);
        return 0;
    }
    for (t = 0; t < count; t++) {
        int selected = argc == 1;
        for (a = 1; a < argc; a++)
            selected |= strcmp(argv[a], cases[t].name) == 0;
        if (!selected)
            continue;
        failure[0] = '\0';
        ERR_clear_error();
        if (cases[t].run()) {
            printf("ok %s\n", cases[t].name);
            passed++;
        } else {
            unsigned long queued = ERR_get_error();
            char error_text[256] = "";
            if (queued)
                ERR_error_string_n(queued, error_text, sizeof error_text);
            printf("FAIL %s: %s%s%s\n", cases[t].name, failure, queued ? " " : "", error_text);
            failed++;
        }
        fflush(stdout);
    }
    if (passed + failed == 0) {
        fprintf(stderr, "%s: no such test\n", program);
        return 2;
    }
    printf("%s: %d passed, %d failed\n", program, passed, failed);
    return failed ? 1 : 0;
}

#endif
