/*
 * libtls's stand-in for OpenSSL's <openssl/tls1.h>. With `pkg-config --cflags libtls-openssl` (or
 * -I$(includedir)/libtls), a program written for OpenSSL's API includes this instead and builds
 * against libtls. Everything libtls implements is declared in <libtls.h>; this file adds the
 * names OpenSSL spells as macros. See docs/differences-from-openssl.md for what is missing.
 */
#ifndef LIBTLS_OPENSSL_TLS1_H
#define LIBTLS_OPENSSL_TLS1_H

#include <libtls.h>

/* TLSEXT_TYPE_server_name, TLSEXT_TYPE_application_layer_protocol_negotiation,
 * TLSEXT_TYPE_status_request, TLSEXT_STATUSTYPE_ocsp and the SSL_CTRL_* feature macros are in
 * <libtls.h>. The OpenSSL macros for SNI, as functions there: SSL_set_tlsext_host_name,
 * SSL_CTX_set_tlsext_servername_callback, SSL_CTX_set_tlsext_servername_arg. For OCSP
 * stapling: SSL_CTX_set_tlsext_status_cb, SSL_CTX_set_tlsext_status_arg (and their getters),
 * SSL_CTX_set_tlsext_status_type, SSL_set_tlsext_status_type, SSL_get_tlsext_status_type,
 * SSL_set_tlsext_status_ocsp_resp, SSL_get_tlsext_status_ocsp_resp. */

#endif /* LIBTLS_OPENSSL_TLS1_H */
