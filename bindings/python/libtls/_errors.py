"""Exceptions, and turning libtls's per-thread error queue into them.

Every exception raised for a failed libtls call carries the queue's entries (`errors`), the
first reason as a name (`reason`, e.g. "CERTIFICATE_VERIFY_FAILED"), the certificate
verification result when there is one, and the library's account of a failed handshake:
`diagnosis` (plain words with the evidence) and `cause` (a stable name such as
"certificate_name_mismatch"), both None when the library has nothing to say.
"""

import ctypes
from dataclasses import dataclass

from ._lib import lib

ERR_LIB_SSL = 20
SSL_AD_REASON_OFFSET = 1000

SSL_ERROR_NONE = 0
SSL_ERROR_SSL = 1
SSL_ERROR_WANT_READ = 2
SSL_ERROR_WANT_WRITE = 3
SSL_ERROR_SYSCALL = 5
SSL_ERROR_ZERO_RETURN = 6

# SSL_R_* reasons that pick the exception class (values from include/libtls.h).
SSL_R_CERTIFICATE_VERIFY_FAILED = 134
SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE = 199
SSL_R_NO_PROTOCOLS_AVAILABLE = 191
SSL_R_UNSUPPORTED_PROTOCOL = 258
SSL_R_WRONG_VERSION_NUMBER = 267
SSL_R_BAD_LEGACY_VERSION = 292
SSL_R_INAPPROPRIATE_FALLBACK = 373
SSL_R_NO_CIPHER_MATCH = 185
SSL_R_NO_SHARED_CIPHER = 193
SSL_R_NO_SUITABLE_GROUPS = 295
SSL_R_NO_SHARED_GROUPS = 410
SSL_R_UNEXPECTED_EOF_WHILE_READING = 294

SSL_AD_PROTOCOL_VERSION = 70


@dataclass(frozen=True)
class QueuedError:
    """One entry of the error queue."""

    code: int  # the packed code, as ERR_get_error returns it
    library: int  # ERR_GET_LIB
    reason: int  # ERR_GET_REASON
    text: str  # ERR_error_string_n's "error:0A000086:SSL routines::certificate verify failed"
    reason_text: str  # "certificate verify failed"
    data: str  # extra detail the library attached, or ""

    @property
    def reason_name(self):
        """OpenSSL-style symbolic reason, e.g. CERTIFICATE_VERIFY_FAILED."""
        text = self.reason_text or f"reason({self.reason})"
        return "_".join(text.upper().replace("/", "_").replace("-", "_").split())


class TLSError(OSError):
    """A libtls call failed. Subclasses name common causes; all carry the error queue."""

    def __init__(self, message, errors=(), verify_code=None, verify_message=None, diagnosis=None, cause=None):
        self.errors = list(errors)
        self.verify_code = verify_code
        self.verify_message = verify_message
        self.diagnosis = diagnosis
        self.cause = cause
        first = self.errors[0] if self.errors else None
        self.library = first.library if first else None
        self.reason = first.reason_name if first else None
        self.reason_code = first.reason if first else None
        super().__init__(message)

    def __str__(self):
        text = self.args[0] if self.args else ""
        if self.diagnosis:
            text += f" ({self.diagnosis})"
        return text


class CertificateError(TLSError):
    """The peer's certificate was rejected (`verify_code`, `verify_message` say why), or a
    required one was missing."""


class ProtocolVersionError(TLSError):
    """The two sides share no protocol version."""


class NoCipherMatchError(TLSError):
    """No cipher suite is both configured and acceptable, or a cipher list named none."""


class NoSharedGroupError(TLSError):
    """The two sides share no key-exchange group."""


class AlertReceived(TLSError):
    """The peer sent a fatal alert: `alert` is its description code, `alert_name` its name."""

    def __init__(self, message, alert, **kwargs):
        self.alert = alert
        super().__init__(message, **kwargs)

    @property
    def alert_name(self):
        return _alert_name(self.alert)


class ProtocolVersionAlert(AlertReceived, ProtocolVersionError):
    """The peer refused our protocol version(s) with a protocol_version alert."""


class TLSEOFError(TLSError):
    """The transport ended without a close_notify alert (a truncation attack or a peer that
    went away)."""


class TLSZeroReturnError(TLSError):
    """The peer closed the TLS connection cleanly (close_notify) during a handshake."""


class TLSWantReadError(TLSError):
    """Non-blocking operation: more input from the peer is needed (like ssl.SSLWantReadError)."""


class TLSWantWriteError(TLSError):
    """Non-blocking operation: the transport must take output first."""


def _alert_name(alert):
    text = lib().ERR_reason_error_string((ERR_LIB_SSL << 23) | (SSL_AD_REASON_OFFSET + alert))
    if not text:
        return f"alert {alert}"
    words = text.decode().split()
    # "sslv3 alert bad certificate" -> "bad_certificate"
    return "_".join(words[2:]) if len(words) > 2 and words[1] == "alert" else "_".join(words)


def drain_error_queue():
    """Take every entry off this thread's error queue, oldest first."""
    tls = lib()
    entries = []
    data = ctypes.c_char_p()
    flags = ctypes.c_int()
    buf = ctypes.create_string_buffer(512)
    while True:
        code = tls.ERR_get_error_line_data(None, None, ctypes.byref(data), ctypes.byref(flags))
        if code == 0:
            return entries
        tls.ERR_error_string_n(code, buf, len(buf))
        reason_text = tls.ERR_reason_error_string(code) or b""
        entries.append(
            QueuedError(
                code=code,
                library=(code >> 23) & 0xFF,
                reason=code & 0x7FFFFF,
                text=buf.value.decode(errors="replace"),
                reason_text=reason_text.decode(errors="replace"),
                data=(data.value or b"").decode(errors="replace"),
            )
        )


def clear_error_queue():
    lib().ERR_clear_error()


# Failure causes (SSL_failure_cause_name) that pick an exception class when the error queue
# alone names none of the specific causes.
_CAUSE_CLASSES = {
    "no_common_version": ProtocolVersionError,
    "no_common_cipher_suite": NoCipherMatchError,
    "no_common_group": NoSharedGroupError,
    "certificate_expired": CertificateError,
    "certificate_not_yet_valid": CertificateError,
    "certificate_name_mismatch": CertificateError,
    "certificate_unknown_issuer": CertificateError,
    "certificate_invalid": CertificateError,
    "certificate_required": CertificateError,
}


def _exception_class(errors):
    reasons = [e.reason for e in errors if e.library == ERR_LIB_SSL]
    for reason in reasons:
        if reason >= SSL_AD_REASON_OFFSET:
            alert = reason - SSL_AD_REASON_OFFSET
            return ProtocolVersionAlert if alert == SSL_AD_PROTOCOL_VERSION else AlertReceived
    for reason in reasons:
        if reason in (SSL_R_CERTIFICATE_VERIFY_FAILED, SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE):
            return CertificateError
        if reason in (
            SSL_R_NO_PROTOCOLS_AVAILABLE,
            SSL_R_UNSUPPORTED_PROTOCOL,
            SSL_R_WRONG_VERSION_NUMBER,
            SSL_R_BAD_LEGACY_VERSION,
            SSL_R_INAPPROPRIATE_FALLBACK,
        ):
            return ProtocolVersionError
        if reason in (SSL_R_NO_CIPHER_MATCH, SSL_R_NO_SHARED_CIPHER):
            return NoCipherMatchError
        if reason in (SSL_R_NO_SUITABLE_GROUPS, SSL_R_NO_SHARED_GROUPS):
            return NoSharedGroupError
        if reason == SSL_R_UNEXPECTED_EOF_WHILE_READING:
            return TLSEOFError
    return TLSError


def _message(errors, fallback):
    if not errors:
        return fallback
    first = errors[0]
    lib_name = "SSL" if first.library == ERR_LIB_SSL else f"LIB{first.library}"
    message = f"[{lib_name}: {first.reason_name}] {first.reason_text or first.text}"
    if first.data:
        message += f": {first.data}"
    if len(errors) > 1:
        message += " (then: " + "; ".join(e.reason_text or e.text for e in errors[1:]) + ")"
    return message


SSL_FAILURE_NONE = 0


def library_diagnosis(ssl):
    """(diagnosis text, cause name) of the handshake that failed on `ssl`, from
    SSL_get_failure_diagnosis / SSL_get_failure_cause; (None, None) when it did not fail or
    the library predates the diagnosis."""
    tls = lib()
    if not ssl or not tls.has("SSL_get_failure_diagnosis"):
        return None, None
    text = tls.SSL_get_failure_diagnosis(ssl)
    cause = tls.SSL_get_failure_cause(ssl)
    cause_name = tls.SSL_failure_cause_name(cause).decode() if cause != SSL_FAILURE_NONE else None
    return (text.decode(errors="replace") if text else None), cause_name


# How exceptions learn why a handshake failed: a function taking the SSL pointer and returning
# (diagnosis text or None, cause name or None). Replaceable, e.g. by tests.
diagnosis_provider = library_diagnosis


def diagnosis_of(ssl):
    """{"diagnosis": ..., "cause": ...} for an exception about `ssl`, from diagnosis_provider;
    a provider returning plain text gives the diagnosis alone."""
    if not ssl or diagnosis_provider is None:
        return {}
    found = diagnosis_provider(ssl)
    if isinstance(found, tuple):
        diagnosis, cause = found
    else:
        diagnosis, cause = found, None
    return {"diagnosis": diagnosis, "cause": cause}


def error_from_queue(fallback, ssl=None, errors=None):
    """An exception for the errors now on the queue (draining it). `ssl`, the failed
    connection's pointer, adds the verification result, the diagnosis and the cause."""
    if errors is None:
        errors = drain_error_queue()
    cls = _exception_class(errors)
    kwargs = diagnosis_of(ssl)
    if cls is TLSError and kwargs.get("cause") in _CAUSE_CLASSES:
        cls = _CAUSE_CLASSES[kwargs["cause"]]
    if ssl:
        if cls is CertificateError or any(e.reason == SSL_R_CERTIFICATE_VERIFY_FAILED for e in errors):
            code = lib().SSL_get_verify_result(ssl)
            if code != 0:
                kwargs["verify_code"] = code
                kwargs["verify_message"] = lib().X509_verify_cert_error_string(code).decode()
    message = _message(errors, fallback)
    if kwargs.get("verify_message") and kwargs["verify_message"] not in message:
        message += f" ({kwargs['verify_message']})"
    if issubclass(cls, AlertReceived):
        alert = next(e.reason for e in errors if e.reason >= SSL_AD_REASON_OFFSET) - SSL_AD_REASON_OFFSET
        return cls(message, alert, errors=errors, **kwargs)
    return cls(message, errors=errors, **kwargs)


def check(result, what):
    """Raise the queued error when a configuration call returned failure (<= 0)."""
    if result <= 0:
        raise error_from_queue(f"{what} failed")
    return result
