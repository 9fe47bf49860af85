/*
 * libtls's <openssl/ui.h> (aws-lc has only stubs): OpenSSL's user-interface API, implemented by
 * libtls and declared in <libtls.h>. A UI collects prompts; a UI_METHOD (opener, writer,
 * flusher, reader, closer) shows them and reads the answers. UI_OpenSSL() uses the terminal
 * (/dev/tty, or stdin/stderr without one), reading with echo off unless UI_INPUT_FLAG_ECHO.
 * Boolean prompts (UI_add_input_boolean), UI_ctrl and ex_data are not provided. See
 * docs/differences-from-openssl.md.
 */
#ifndef LIBTLS_OPENSSL_UI_H
#define LIBTLS_OPENSSL_UI_H

#include <openssl/base.h>

#ifndef LIBTLS_UI_TYPEDEFS
#define LIBTLS_UI_TYPEDEFS 1
typedef struct ui_st UI;
typedef struct ui_method_st UI_METHOD;
typedef struct ui_string_st UI_STRING;
#endif

#include <libtls.h>

/* The kinds of string a UI holds (UI_get_string_type). */
enum UI_string_types { UIT_NONE = 0, UIT_PROMPT, UIT_VERIFY, UIT_BOOLEAN, UIT_INFO, UIT_ERROR };

/* UI_add_input_string flags. */
#define UI_INPUT_FLAG_ECHO 0x01
#define UI_INPUT_FLAG_DEFAULT_PWD 0x02
#define UI_INPUT_FLAG_USER_BASE 16

/* Reasons (ERR_LIB_UI), OpenSSL's numbers. */
#define UI_R_COMMON_OK_AND_CANCEL_CHARACTERS 104
#define UI_R_INDEX_TOO_LARGE 102
#define UI_R_INDEX_TOO_SMALL 103
#define UI_R_NO_RESULT_BUFFER 105
#define UI_R_PROCESSING_ERROR 107
#define UI_R_RESULT_TOO_LARGE 100
#define UI_R_RESULT_TOO_SMALL 101

#endif /* LIBTLS_OPENSSL_UI_H */
