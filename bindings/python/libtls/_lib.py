"""Finding and loading libtls.so, and the ctypes prototypes of the C functions the package calls.

The prototypes are written as C declarations copied from ``include/libtls.h`` and turned into
``argtypes``/``restype`` here; ``tests/test_prototypes.py`` compares every declaration with the
header, so the binding cannot drift from the C API unnoticed.
"""

import ctypes
import ctypes.util
import os
import re
import threading
from pathlib import Path

# The ABI major this package is written for: libtls.so.0. LibreSSL ships an unrelated
# libtls.so.26 (a different API under the same name), which must never be picked up.
SONAME = "libtls.so.0"

# Every function the package needs, as declared in include/libtls.h.
REQUIRED_DECLARATIONS = """
const char *libtls_version(void);
unsigned long libtls_version_num(void);

const struct ssl_method_st *TLS_client_method(void);
const struct ssl_method_st *TLS_server_method(void);
struct ssl_ctx_st *SSL_CTX_new(const struct ssl_method_st *method);
void SSL_CTX_free(struct ssl_ctx_st *ctx);
int SSL_CTX_use_certificate_chain_file(struct ssl_ctx_st *ctx, const char *file);
int SSL_CTX_use_PrivateKey_file(struct ssl_ctx_st *ctx, const char *file, int filetype);
int SSL_CTX_check_private_key(const struct ssl_ctx_st *ctx);
int SSL_CTX_load_verify_locations(struct ssl_ctx_st *ctx, const char *ca_file, const char *ca_path);
int SSL_CTX_set_default_verify_paths(struct ssl_ctx_st *ctx);
void SSL_CTX_set_verify(struct ssl_ctx_st *ctx, int mode, SSL_verify_cb callback);
int SSL_CTX_get_verify_mode(const struct ssl_ctx_st *ctx);
void SSL_CTX_set_verify_depth(struct ssl_ctx_st *ctx, int depth);
int SSL_CTX_get_verify_depth(const struct ssl_ctx_st *ctx);
int SSL_CTX_set_ciphersuites(struct ssl_ctx_st *ctx, const char *list);
int SSL_CTX_set_cipher_list(struct ssl_ctx_st *ctx, const char *list);
int SSL_CTX_set1_groups_list(struct ssl_ctx_st *ctx, const char *list);
int SSL_CTX_set_min_proto_version(struct ssl_ctx_st *ctx, int version);
int SSL_CTX_set_max_proto_version(struct ssl_ctx_st *ctx, int version);
int SSL_CTX_get_min_proto_version(struct ssl_ctx_st *ctx);
int SSL_CTX_get_max_proto_version(struct ssl_ctx_st *ctx);
void SSL_CTX_set_client_CA_list(struct ssl_ctx_st *ctx, STACK_OF(X509_NAME) *list);
STACK_OF(X509_NAME) *SSL_load_client_CA_file(const char *file);

struct ssl_st *SSL_new(struct ssl_ctx_st *ctx);
void SSL_free(struct ssl_st *ssl);
int SSL_set_fd(struct ssl_st *ssl, int fd);
void SSL_set_bio(struct ssl_st *ssl, struct bio_st *rbio, struct bio_st *wbio);
void SSL_set_connect_state(struct ssl_st *ssl);
void SSL_set_accept_state(struct ssl_st *ssl);
int SSL_do_handshake(struct ssl_st *ssl);
int SSL_read_ex(struct ssl_st *ssl, void *buf, uintptr_t num, uintptr_t *readbytes);
int SSL_write_ex(struct ssl_st *ssl, const void *buf, uintptr_t num, uintptr_t *written);
int SSL_pending(const struct ssl_st *ssl);
int SSL_shutdown(struct ssl_st *ssl);
int SSL_get_shutdown(const struct ssl_st *ssl);
int SSL_get_error(const struct ssl_st *ssl, int ret);
int SSL_is_init_finished(const struct ssl_st *ssl);
int SSL_set_tlsext_host_name(struct ssl_st *ssl, const char *name);
int SSL_set1_host(struct ssl_st *ssl, const char *hostname);
const char *SSL_get_servername(const struct ssl_st *ssl, int name_type);
const char *SSL_get_version(const struct ssl_st *ssl);
const struct ssl_cipher_st *SSL_get_current_cipher(const struct ssl_st *ssl);
long SSL_get_verify_result(const struct ssl_st *ssl);
int SSL_get_negotiated_group(struct ssl_st *ssl);
const char *SSL_group_to_name(struct ssl_st *ssl, int nid);
struct x509_st *SSL_get1_peer_certificate(const struct ssl_st *ssl);
STACK_OF(X509) *SSL_get_peer_cert_chain(const struct ssl_st *ssl);
long SSL_set_mode(struct ssl_st *ssl, long mode);

const char *SSL_CIPHER_get_name(const struct ssl_cipher_st *c);
const char *SSL_CIPHER_standard_name(const struct ssl_cipher_st *c);
const char *SSL_CIPHER_get_version(const struct ssl_cipher_st *c);
int SSL_CIPHER_get_bits(const struct ssl_cipher_st *c, int *alg_bits);


unsigned long ERR_get_error_line_data(const char **file, int *line, const char **data, int *flags);
void ERR_clear_error(void);
void ERR_error_string_n(unsigned long e, char *buf, uintptr_t len);
const char *ERR_reason_error_string(unsigned long e);
const char *ERR_lib_error_string(unsigned long e);

const char *X509_verify_cert_error_string(long n);
struct x509_st *X509_STORE_CTX_get_current_cert(struct x509_store_ctx_st *ctx);
int X509_STORE_CTX_get_error_depth(struct x509_store_ctx_st *ctx);
int X509_STORE_CTX_get_error(struct x509_store_ctx_st *ctx);
void X509_STORE_CTX_set_error(struct x509_store_ctx_st *ctx, int error);
int SSL_get_ex_data_X509_STORE_CTX_idx(void);
void *X509_STORE_CTX_get_ex_data(struct x509_store_ctx_st *ctx, int idx);
"""

# OpenSSL's libcrypto functions the package calls, which libtls.so exports from aws-lc (their
# declarations are aws-lc's <openssl/*.h>, not libtls.h; written here with struct tags).
# `sk_X509_num` / `sk_X509_value` are inline functions there, over OPENSSL_sk_num/value.
LIBCRYPTO_DECLARATIONS = """
const struct bio_method_st *BIO_s_mem(void);
struct bio_st *BIO_new(const struct bio_method_st *method);
int BIO_free(struct bio_st *bio);
int BIO_up_ref(struct bio_st *bio);
int BIO_read_ex(struct bio_st *bio, void *data, uintptr_t outl, uintptr_t *read_bytes);
int BIO_write_ex(struct bio_st *bio, const void *data, uintptr_t inl, uintptr_t *written);
uintptr_t BIO_ctrl_pending(const struct bio_st *bio);
int BIO_set_mem_eof_return(struct bio_st *bio, int eof_value);
void X509_free(struct x509_st *x509);
int i2d_X509(struct x509_st *x509, uint8_t **outp);
uintptr_t OPENSSL_sk_num(const struct stack_st *sk);
void *OPENSSL_sk_value(const struct stack_st *sk, uintptr_t i);
"""

# Functions bound when the loaded library exports them: features being added to the C API.
# A feature whose function is missing raises NotImplementedError naming it (see `require`).
OPTIONAL_DECLARATIONS = """
uint64_t SSL_CTX_set_options(struct ssl_ctx_st *ctx, uint64_t op);
uint64_t SSL_CTX_clear_options(struct ssl_ctx_st *ctx, uint64_t op);
uint64_t SSL_CTX_get_options(const struct ssl_ctx_st *ctx);

int SSL_CTX_set_alpn_protos(struct ssl_ctx_st *ctx, const uint8_t *protos, unsigned int len);
void SSL_CTX_set_alpn_select_cb(struct ssl_ctx_st *ctx, SSL_CTX_alpn_select_cb_func cb, void *arg);
int SSL_set_alpn_protos(struct ssl_st *ssl, const uint8_t *protos, unsigned int len);
void SSL_get0_alpn_selected(const struct ssl_st *ssl, const uint8_t **data, unsigned int *len);

int SSL_CTX_set_tlsext_servername_callback(struct ssl_ctx_st *ctx, SSL_servername_cb cb);
int SSL_CTX_set_tlsext_servername_arg(struct ssl_ctx_st *ctx, void *arg);
struct ssl_ctx_st *SSL_set_SSL_CTX(struct ssl_st *ssl, struct ssl_ctx_st *ctx);

void SSL_CTX_set_keylog_callback(struct ssl_ctx_st *ctx, SSL_keylog_cb callback);

const char *SSL_get_failure_diagnosis(const struct ssl_st *ssl);
int SSL_get_failure_cause(const struct ssl_st *ssl);
const char *SSL_failure_cause_name(int cause);

struct ssl_session_st *SSL_get1_session(struct ssl_st *ssl);
int SSL_set_session(struct ssl_st *ssl, struct ssl_session_st *session);
int SSL_session_reused(const struct ssl_st *ssl);
void SSL_SESSION_free(struct ssl_session_st *session);
int i2d_SSL_SESSION(const struct ssl_session_st *session, uint8_t **out);
struct ssl_session_st *d2i_SSL_SESSION(struct ssl_session_st **out, const uint8_t **input, long len);
int SSL_SESSION_is_resumable(const struct ssl_session_st *session);
const uint8_t *SSL_SESSION_get_id(const struct ssl_session_st *session, unsigned int *len);
long SSL_SESSION_get_time(const struct ssl_session_st *session);
long SSL_SESSION_get_timeout(const struct ssl_session_st *session);
int SSL_SESSION_has_ticket(const struct ssl_session_st *session);
long SSL_CTX_set_session_cache_mode(struct ssl_ctx_st *ctx, long mode);
long SSL_CTX_get_session_cache_mode(const struct ssl_ctx_st *ctx);
int SSL_CTX_set_tlsext_ticket_keys(struct ssl_ctx_st *ctx, const void *keys, long len);
int SSL_CTX_set_num_tickets(struct ssl_ctx_st *ctx, uintptr_t n);
uintptr_t SSL_CTX_get_num_tickets(const struct ssl_ctx_st *ctx);
"""

# Callback types, as the header's typedefs declare them (opaque pointers as c_void_p).
SSL_verify_cb = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_void_p)
# int (*)(SSL *ssl, const uint8_t **out, uint8_t *outlen, const uint8_t *in, unsigned inlen, void *arg)
SSL_CTX_alpn_select_cb_func = ctypes.CFUNCTYPE(
    ctypes.c_int,
    ctypes.c_void_p,
    ctypes.POINTER(ctypes.c_void_p),
    ctypes.POINTER(ctypes.c_uint8),
    ctypes.c_void_p,
    ctypes.c_uint,
    ctypes.c_void_p,
)
# int (*)(SSL *ssl, int *al, void *arg)
SSL_servername_cb = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int), ctypes.c_void_p)
# void (*)(const SSL *ssl, const char *line)
SSL_keylog_cb = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)

_SCALARS = {
    "void": None,
    "int": ctypes.c_int,
    "unsigned int": ctypes.c_uint,
    "long": ctypes.c_long,
    "unsigned long": ctypes.c_ulong,
    "uintptr_t": ctypes.c_size_t,
    "uint16_t": ctypes.c_uint16,
    "uint64_t": ctypes.c_uint64,
    "int64_t": ctypes.c_int64,
    "time_t": ctypes.c_long,
    # OpenSSL's enum of handshake states (SSL_get_state); an int in libtls's header.
    "OSSL_HANDSHAKE_STATE": ctypes.c_int,
}
# Typedef'd function pointers: passed as a CFUNCTYPE instance (or None) through c_void_p.
FUNCTION_POINTER_TYPEDEFS = {
    "SSL_verify_cb",
    "SSL_client_cert_cb",
    "pem_password_cb",
    "LIBTLS_pem_password_cb",
    "SSL_CTX_alpn_select_cb_func",
    "SSL_servername_cb",
    "SSL_client_hello_cb_fn",
    "SSL_info_cb",
    "SSL_msg_cb",
    "SSL_keylog_cb",
    "SSL_CTX_new_session_cb",
    "SSL_CTX_get_session_cb",
    "SSL_CTX_remove_session_cb",
    "SSL_ticket_key_cb",
    "SSL_psk_use_session_cb_func",
    "SSL_psk_find_session_cb_func",
    "SSL_psk_client_cb_func",
    "SSL_psk_server_cb_func",
    "SSL_CTX_tlsext_ticket_key_cb",
    "SSL_CTX_generate_session_ticket_fn",
    "SSL_CTX_decrypt_session_ticket_fn",
    "SSL_cert_cb",
    "sk_X509_freefunc",
    "sk_X509_NAME_freefunc",
    "sk_GENERAL_NAME_freefunc",
    "ERR_print_errors_callback",
    "SSL_CTX_tlsext_status_cb",
    "LIBTLS_void_fn",
}

_DECL = re.compile(r"^(?P<ret>[\w\s\*]+?)\s*\b(?P<name>\w+)\s*\((?P<args>.*)\)$", re.S)
# A function returning a function pointer: `ret (*name(args))(pointee args)`.
_DECL_RETURNING_FN = re.compile(
    r"^(?P<ret>[\w\s\*]+?)\(\s*\*\s*(?P<name>\w+)\s*\((?P<args>[^()]*)\)\s*\)\s*\((?P<fargs>.*)\)$", re.S
)


def split_arguments(text):
    """The comma-separated parameters of a C parameter list, commas inside parentheses kept."""
    args, depth, current = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            args.append(current)
            current = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        current += ch
    if current.strip():
        args.append(current)
    return [" ".join(a.split()) for a in args]


_TYPE_WORDS = {"void", "char", "int", "long", "short", "unsigned", "signed", "const", "struct"}


def parameter_type(param):
    """The type of one C parameter, its name removed: 'const char *file' -> 'const char *'."""
    if "(" in param:
        return "function pointer"
    words = param.replace("*", " * ").split()
    # A trailing identifier after a complete type is the parameter's name.
    if len(words) > 1 and words[-1] not in _TYPE_WORDS and words[-1] != "*":
        if words[-2] not in ("struct",):
            words = words[:-1]
    return " ".join(words)


def parse_declarations(text):
    """{name: (return type, [parameter types])} for each `ret name(params);` in C text."""
    result = {}
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r"^\s*#(?:[^\n]*\\\n)*[^\n]*", " ", text, flags=re.M)
    text = re.sub(r'extern\s+"C"\s*\{|^\s*\}', " ", text, flags=re.M)
    text = re.sub(r"STACK_OF\((\w+)\)", r"struct stack_st_\1", text)
    for stmt in text.split(";"):
        stmt = " ".join(stmt.split())
        if not stmt or stmt.startswith(("typedef", "#")):
            continue
        match = _DECL_RETURNING_FN.match(stmt)
        if match:
            # `int (*UI_method_get_reader(const UI_METHOD *m))(UI *, UI_STRING *)`.
            args = split_arguments(match["args"])
            params = [] if args == ["void"] else [parameter_type(a) for a in args]
            result[match["name"]] = ("function pointer", params)
            continue
        match = _DECL.match(stmt)
        if not match:
            continue
        ret = " ".join(match["ret"].replace("*", " * ").split())
        args = split_arguments(match["args"])
        params = [] if args == ["void"] else [parameter_type(a) for a in args]
        result[match["name"]] = (ret, params)
    return result


def ctypes_type(c_type, returned=False):
    """The ctypes type for a C type. Opaque and data pointers are c_void_p; `const char *`
    is c_char_p (a returned one is a static string the library owns)."""
    c_type = c_type.replace("const ", "").strip()
    if c_type in _SCALARS:
        return _SCALARS[c_type]
    if c_type in FUNCTION_POINTER_TYPEDEFS or c_type == "function pointer":
        return ctypes.c_void_p
    if c_type == "char *":
        # A returned non-const `char *` may need freeing: keep it as an address.
        return ctypes.c_void_p if returned else ctypes.c_char_p
    if c_type.endswith("*"):
        return ctypes.c_void_p
    raise TypeError(f"no ctypes mapping for C type {c_type!r}")


def _returned_type(c_type):
    if c_type.replace(" ", "") == "constchar*":
        return ctypes.c_char_p
    return ctypes_type(c_type, returned=True)


class LibraryNotFoundError(OSError):
    """No usable libtls shared library was found; the message lists every place tried."""


class Library:
    """A loaded libtls with its functions declared. Attribute access gives the bound function;
    `has(name)` tells whether an optional function is exported."""

    def __init__(self, path):
        self.path = str(path)
        self._dll = ctypes.CDLL(self.path, use_errno=True)
        if not hasattr(self._dll, "libtls_version"):
            raise LibraryNotFoundError(f"{self.path} is not libtls (it has no libtls_version)")
        self._optional = set()
        for name, (ret, params) in parse_declarations(REQUIRED_DECLARATIONS + LIBCRYPTO_DECLARATIONS).items():
            setattr(self, name, self._bind(name, ret, params))
        for name, (ret, params) in parse_declarations(OPTIONAL_DECLARATIONS).items():
            if hasattr(self._dll, name):
                setattr(self, name, self._bind(name, ret, params))
                self._optional.add(name)
        self.version = self.libtls_version().decode()

    def _bind(self, name, ret, params):
        try:
            func = getattr(self._dll, name)
        except AttributeError:
            raise LibraryNotFoundError(
                f"{self.path} lacks {name}: it is older than this binding needs"
            ) from None
        func.restype = _returned_type(ret)
        func.argtypes = [ctypes_type(p) for p in params]
        return func

    def has(self, name):
        return name in self._optional

    def require(self, name, feature):
        """The function `name`, or NotImplementedError saying which C function `feature`
        waits on when the library does not export it."""
        if not self.has(name):
            raise NotImplementedError(f"{feature} needs {name}, which {self.path} does not export")
        return getattr(self, name)


def _build_tree_candidates():
    """The library in the source tree this package sits in (bindings/python/libtls/)."""
    package_dir = Path(__file__).resolve().parent
    if package_dir.parent.name != "python" or package_dir.parent.parent.name != "bindings":
        return []  # an installed copy: no source tree around it
    root = package_dir.parent.parent.parent
    return [root / "build" / "lib" / SONAME, root / "target" / "release" / "libtls.so"]


def _bundled_candidates():
    """The copy a wheel carries beside the package's modules (libtls/libtls.so.0)."""
    bundled = Path(__file__).resolve().parent / SONAME
    return [bundled] if bundled.exists() else []


def candidate_paths(explicit=None):
    """[(description, path)] in search order: explicit, LIBTLS_PATH, the wheel's bundled copy,
    build tree, system."""
    tried = []
    if explicit:
        tried.append(("explicit path", str(explicit)))
    env = os.environ.get("LIBTLS_PATH")
    if env:
        env_path = Path(env)
        tried.append(("LIBTLS_PATH", str(env_path / SONAME if env_path.is_dir() else env_path)))
    for path in _bundled_candidates():
        tried.append(("bundled", str(path)))
    for path in _build_tree_candidates():
        tried.append(("build tree", str(path)))
    # By soname: the dynamic loader's own search (ld.so.cache, LD_LIBRARY_PATH).
    tried.append(("system", SONAME))
    found = ctypes.util.find_library("tls")
    if found and found.startswith(SONAME):
        tried.append(("system (find_library)", found))
    return tried


def load_library(path=None):
    """Load libtls: `path`, else $LIBTLS_PATH, else the copy a wheel bundles, else the build
    tree, else the system's libtls.so.0. An explicit path or LIBTLS_PATH that fails is an error, not skipped."""
    failures = []
    for origin, candidate in candidate_paths(path):
        is_file_path = "/" in candidate
        if is_file_path and not Path(candidate).exists():
            if origin in ("explicit path", "LIBTLS_PATH"):
                raise LibraryNotFoundError(f"libtls not found at {candidate} ({origin})")
            failures.append(f"{candidate} ({origin}): no such file")
            continue
        try:
            return Library(candidate)
        except OSError as exc:
            if origin in ("explicit path", "LIBTLS_PATH"):
                raise LibraryNotFoundError(f"cannot load {candidate} ({origin}): {exc}") from exc
            failures.append(f"{candidate} ({origin}): {exc}")
    raise LibraryNotFoundError("libtls not found; tried:\n  " + "\n  ".join(failures))


_loaded = None
_loaded_lock = threading.Lock()


def use_library(path):
    """Load libtls from `path` and make it the one the package uses. Call before any other
    use of the package; a later call replaces the library for objects created afterwards."""
    global _loaded
    lib = load_library(path)
    with _loaded_lock:
        _loaded = lib
    return lib


def lib():
    """The library the package uses, loaded on first use."""
    global _loaded
    if _loaded is None:
        with _loaded_lock:
            if _loaded is None:
                _loaded = load_library()
    return _loaded
