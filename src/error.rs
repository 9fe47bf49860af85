//! Errors of the core. Each carries an OpenSSL-compatible reason code (`SSL_R_*`), the alert we
//! send to the peer because of it (if any), and a plain-words detail for people.

use crate::msgs::enums::AlertDescription;
use std::fmt;

macro_rules! reasons {
    ($($konst:ident = $val:expr => $text:expr,)*) => {
        /// An `SSL_R_*` reason code with OpenSSL's numeric value.
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct Reason(pub u32);

        impl Reason {
            $(pub const $konst: Reason = Reason($val);)*

            /// Every named reason, for the header and for string tables.
            pub const ALL: &'static [(&'static str, Reason)] = &[$((stringify!($konst), Reason($val)),)*];

            /// OpenSSL's reason string (lower case, as `ERR_reason_error_string` gives it).
            pub fn text(self) -> &'static str {
                match self.0 {
                    $($val => $text,)*
                    n if n >= Self::ALERT_OFFSET => alert_reason_text(n - Self::ALERT_OFFSET),
                    _ => "unknown reason",
                }
            }
        }
    };
}

reasons! {
    NO_SUITABLE_KEY_SHARE = 101 => "no suitable key share",
    INCONSISTENT_EXTMS = 104 => "inconsistent extms",
    BAD_DECOMPRESSION = 107 => "bad decompression",
    BAD_KEY_SHARE = 108 => "bad key share",
    BAD_EXTENSION = 110 => "bad extension",
    MISSING_SIGALGS_EXTENSION = 112 => "missing sigalgs extension",
    INVALID_CONFIGURATION_NAME = 113 => "invalid configuration name",
    NO_SUITABLE_SIGNATURE_ALGORITHM = 118 => "no suitable signature algorithm",
    STILL_IN_INIT = 121 => "still in init",
    BAD_SIGNATURE = 123 => "bad signature",
    TOO_MANY_KEY_UPDATES = 132 => "too many key updates",
    CCS_RECEIVED_EARLY = 133 => "ccs received early",
    CERTIFICATE_VERIFY_FAILED = 134 => "certificate verify failed",
    CONNECTION_TYPE_NOT_SET = 144 => "connection type not set",
    DATA_LENGTH_TOO_LONG = 146 => "data length too long",
    DIGEST_CHECK_FAILED = 149 => "digest check failed",
    ENCRYPTED_LENGTH_TOO_LONG = 150 => "encrypted length too long",
    EXCESSIVE_MESSAGE_SIZE = 152 => "excessive message size",
    HTTPS_PROXY_REQUEST = 155 => "https proxy request",
    HTTP_REQUEST = 156 => "http request",
    LENGTH_MISMATCH = 159 => "length mismatch",
    ILLEGAL_POINT_COMPRESSION = 162 => "illegal point compression",
    TOO_MUCH_EARLY_DATA = 164 => "too much early data",
    NO_CERTIFICATES_RETURNED = 176 => "no certificates returned",
    NO_CERTIFICATE_ASSIGNED = 177 => "no certificate assigned",
    NOT_ON_RECORD_BOUNDARY = 182 => "not on record boundary",
    NO_CIPHER_MATCH = 185 => "no cipher match",
    BAD_CIPHER = 186 => "bad cipher",
    NO_PRIVATE_KEY_ASSIGNED = 190 => "no private key assigned",
    NO_PROTOCOLS_AVAILABLE = 191 => "no protocols available",
    NO_SHARED_CIPHER = 193 => "no shared cipher",
    NULL_SSL_CTX = 195 => "null ssl ctx passed",
    NULL_SSL_METHOD_PASSED = 196 => "null ssl method passed",
    PACKET_LENGTH_TOO_LONG = 198 => "packet length too long",
    PEER_DID_NOT_RETURN_A_CERTIFICATE = 199 => "peer did not return a certificate",
    INVALID_ALERT = 205 => "invalid alert",
    PROTOCOL_IS_SHUTDOWN = 207 => "protocol is shutdown",
    RECORD_LENGTH_MISMATCH = 213 => "record length mismatch",
    REQUIRED_CIPHER_MISSING = 215 => "required cipher missing",
    UNSOLICITED_EXTENSION = 217 => "unsolicited extension",
    BAD_PSK = 219 => "bad psk",
    SSL_SESSION_VERSION_MISMATCH = 210 => "ssl session version mismatch",
    BAD_PSK_IDENTITY = 114 => "bad psk identity",
    PSK_IDENTITY_NOT_FOUND = 223 => "psk identity not found",
    PSK_NO_CLIENT_CB = 224 => "psk no client cb",
    PSK_NO_SERVER_CB = 225 => "psk no server cb",
    CIPHERSUITE_DIGEST_HAS_CHANGED = 218 => "ciphersuite digest has changed",
    SSL_HANDSHAKE_FAILURE = 229 => "ssl handshake failure",
    SHUTDOWN_WHILE_IN_INIT = 407 => "shutdown while in init",
    CALLBACK_FAILED = 234 => "callback failed",
    INVALID_STATUS_RESPONSE = 328 => "invalid status response",
    // Reasons libtls never reports (no SSLv3-style CBC padding, compression or renegotiation),
    // named because OpenSSL programs compare against them (nginx, curl).
    BAD_CHANGE_CIPHER_SPEC = 103 => "bad change cipher spec",
    BIO_NOT_SET = 128 => "bio not set",
    BLOCK_CIPHER_PAD_IS_WRONG = 129 => "block cipher pad is wrong",
    ERROR_IN_RECEIVED_CIPHER_LIST = 151 => "error in received cipher list",
    NO_CIPHERS_SPECIFIED = 183 => "no ciphers specified",
    NO_COMPRESSION_SPECIFIED = 187 => "no compression specified",
    CLIENTHELLO_TLSEXT = 226 => "clienthello tlsext",
    PARSE_TLSEXT = 227 => "parse tlsext",
    RENEGOTIATE_EXT_TOO_LONG = 335 => "renegotiate ext too long",
    RENEGOTIATION_ENCODING_ERR = 336 => "renegotiation encoding err",
    SCSV_RECEIVED_WHEN_RENEGOTIATING = 345 => "scsv received when renegotiating",
    CERT_CB_ERROR = 377 => "cert cb error",
    VERSION_TOO_LOW = 396 => "version too low",
    NO_APPLICATION_PROTOCOL = 235 => "no application protocol",
    BAD_HANDSHAKE_STATE = 236 => "bad handshake state",
    BAD_PACKET = 240 => "bad packet",
    UNEXPECTED_MESSAGE = 244 => "unexpected message",
    UNEXPECTED_RECORD = 245 => "unexpected record",
    UNKNOWN_ALERT_TYPE = 246 => "unknown alert type",
    UNKNOWN_CIPHER_TYPE = 249 => "unknown cipher type",
    UNKNOWN_PROTOCOL = 252 => "unknown protocol",
    BINDER_DOES_NOT_VERIFY = 253 => "binder does not verify",
    WRONG_SSL_VERSION = 266 => "wrong ssl version",
    EXTENSION_NOT_RECEIVED = 279 => "extension not received",
    INVALID_CONFIG = 283 => "invalid config",
    NOT_SERVER = 284 => "not server",
    REQUEST_PENDING = 285 => "request pending",
    REQUEST_SENT = 286 => "request sent",
    UNSUPPORTED_PROTOCOL = 258 => "unsupported protocol",
    INVALID_CCS_MESSAGE = 260 => "invalid ccs message",
    WRONG_CIPHER_RETURNED = 261 => "wrong cipher returned",
    BAD_HRR_VERSION = 263 => "bad hrr version",
    WRONG_VERSION_NUMBER = 267 => "wrong version number",
    X509_LIB = 268 => "x509 lib",
    BAD_LENGTH = 271 => "bad length",
    READ_BIO_NOT_SET = 211 => "read bio not set",
    UNINITIALIZED = 276 => "uninitialized",
    DECRYPTION_FAILED_OR_BAD_RECORD_MAC = 281 => "decryption failed or bad record mac",
    PRIVATE_KEY_MISMATCH = 288 => "private key mismatch",
    APPLICATION_DATA_AFTER_CLOSE_NOTIFY = 291 => "application data after close notify",
    BAD_LEGACY_VERSION = 292 => "bad legacy version",
    UNEXPECTED_EOF_WHILE_READING = 294 => "unexpected eof while reading",
    NO_SUITABLE_GROUPS = 295 => "no suitable groups",
    RECORD_TOO_SMALL = 298 => "record too small",
    BAD_ECPOINT = 306 => "bad ecpoint",
    TLS_ILLEGAL_EXPORTER_LABEL = 367 => "tls illegal exporter label",
    RENEGOTIATION_MISMATCH = 337 => "renegotiation mismatch",
    UNSAFE_LEGACY_RENEGOTIATION_DISABLED = 338 => "unsafe legacy renegotiation disabled",
    NO_RENEGOTIATION = 339 => "no renegotiation",
    WRONG_SIGNATURE_TYPE = 370 => "wrong signature type",
    INAPPROPRIATE_FALLBACK = 373 => "inappropriate fallback",
    WRONG_CURVE = 378 => "wrong curve",
    BAD_VALUE = 384 => "bad value",
    INVALID_NULL_CMD_NAME = 385 => "invalid null cmd name",
    UNKNOWN_CMD_NAME = 386 => "unknown cmd name",
    BAD_DATA = 390 => "bad data",
    TOO_MANY_WARN_ALERTS = 409 => "too many warn alerts",
    NO_SHARED_GROUPS = 410 => "no shared groups",
    BAD_RECORD_TYPE = 443 => "bad record type",
    // Reasons of our own, numbered where OpenSSL leaves room.
    INTERNAL_ERROR = 900 => "internal error",
    // Not a failure: the ClientHello callback asked to be called again (SSL_ERROR_WANT_CLIENT_HELLO_CB).
    CLIENT_HELLO_CALLBACK_RETRY = 960 => "client hello callback retry",
    MISSING_EXTENSION = 901 => "missing extension",
    DOWNGRADE_DETECTED = 902 => "downgrade detected",
    FILE_ERROR = 903 => "file error",
    BAD_PEM = 904 => "bad pem data",
    // OpenSSL's ERR_R_PEM_LIB: a PEM key could not be read (a wrong password).
    PEM_LIB = 9 => "PEM lib",
    UNSUPPORTED_KEY_TYPE = 905 => "unsupported key type",
    INVALID_ARGUMENT = 906 => "invalid argument",
    SYSCALL_FAILURE = 907 => "system call failure",
    KEY_USAGE_BIT_INCORRECT = 908 => "key usage bit incorrect",
    EXTENDED_MASTER_SECRET_REQUIRED = 909 => "extended master secret required",
    CALLED_FROM_CALLBACK = 920 => "called from a callback",
}

impl Reason {
    /// OpenSSL reports a received alert as reason `SSL_AD_REASON_OFFSET + description`.
    pub const ALERT_OFFSET: u32 = 1000;

    pub fn alert_received(desc: AlertDescription) -> Reason {
        Reason(Self::ALERT_OFFSET + desc.0 as u32)
    }
}

/// OpenSSL's `SSL_R_*` names of the received-alert reasons (`SSL_R_SSLV3_ALERT_...`), derived
/// from their texts as OpenSSL derives them; close_notify has none.
pub fn alert_reason_names() -> Vec<(String, u32)> {
    (1..=255u32)
        .filter_map(|code| {
            let text = alert_reason_text(code);
            (text != "unknown alert").then(|| {
                (
                    text.to_ascii_uppercase().replace(' ', "_"),
                    Reason::ALERT_OFFSET + code,
                )
            })
        })
        .collect()
}

impl fmt::Debug for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.text(), self.0)
    }
}

/// OpenSSL's reason strings for received alerts ("sslv3 alert ..." for the SSLv3-era codes,
/// "tlsv1 alert ..." for TLS 1.0's, "tlsv13 alert ..." for TLS 1.3's).
fn alert_reason_text(code: u32) -> &'static str {
    match code {
        0 => "ssl/tls alert close notify",
        10 => "sslv3 alert unexpected message",
        20 => "sslv3 alert bad record mac",
        21 => "tlsv1 alert decryption failed",
        22 => "tlsv1 alert record overflow",
        30 => "sslv3 alert decompression failure",
        40 => "sslv3 alert handshake failure",
        41 => "sslv3 alert no certificate",
        42 => "sslv3 alert bad certificate",
        43 => "sslv3 alert unsupported certificate",
        44 => "sslv3 alert certificate revoked",
        45 => "sslv3 alert certificate expired",
        46 => "sslv3 alert certificate unknown",
        47 => "sslv3 alert illegal parameter",
        48 => "tlsv1 alert unknown ca",
        49 => "tlsv1 alert access denied",
        50 => "tlsv1 alert decode error",
        51 => "tlsv1 alert decrypt error",
        60 => "tlsv1 alert export restriction",
        70 => "tlsv1 alert protocol version",
        71 => "tlsv1 alert insufficient security",
        80 => "tlsv1 alert internal error",
        86 => "tlsv1 alert inappropriate fallback",
        90 => "tlsv1 alert user cancelled",
        100 => "tlsv1 alert no renegotiation",
        109 => "tlsv13 alert missing extension",
        110 => "tlsv1 unsupported extension",
        111 => "tlsv1 certificate unobtainable",
        112 => "tlsv1 unrecognized name",
        113 => "tlsv1 bad certificate status response",
        114 => "tlsv1 bad certificate hash value",
        115 => "tlsv1 alert unknown psk identity",
        116 => "tlsv13 alert certificate required",
        120 => "tlsv1 alert no application protocol",
        _ => "unknown alert",
    }
}

/// An error of the TLS core.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    /// OpenSSL-compatible reason code.
    pub reason: Reason,
    /// The fatal alert we send because of this error, if any.
    pub alert: Option<AlertDescription>,
    /// Plain words: what happened, with the evidence.
    pub detail: String,
}

impl Error {
    /// A protocol violation by the peer, answered with `alert`.
    pub fn protocol(alert: AlertDescription, reason: Reason, detail: impl Into<String>) -> Self {
        Error {
            reason,
            alert: Some(alert),
            detail: detail.into(),
        }
    }

    /// A malformed message: `decode_error`.
    pub fn decode(detail: impl Into<String>) -> Self {
        Self::protocol(AlertDescription::DECODE_ERROR, Reason::BAD_PACKET, detail)
    }

    /// A well-formed message with a forbidden value: `illegal_parameter`.
    pub fn illegal(reason: Reason, detail: impl Into<String>) -> Self {
        Self::protocol(AlertDescription::ILLEGAL_PARAMETER, reason, detail)
    }

    /// A message arriving when the state machine does not expect it: `unexpected_message`.
    pub fn unexpected(detail: impl Into<String>) -> Self {
        Self::protocol(
            AlertDescription::UNEXPECTED_MESSAGE,
            Reason::UNEXPECTED_MESSAGE,
            detail,
        )
    }

    /// A failure of our own (a bug or a resource failure): `internal_error` to the peer.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::protocol(
            AlertDescription::INTERNAL_ERROR,
            Reason::INTERNAL_ERROR,
            detail,
        )
    }

    /// The peer sent us a fatal alert: nothing is sent back.
    pub fn peer_alert(desc: AlertDescription) -> Self {
        Error {
            reason: Reason::alert_received(desc),
            alert: None,
            detail: format!("the peer sent fatal alert {} ({})", desc, desc.0),
        }
    }

    /// A local problem (configuration, files, arguments): nothing is sent to a peer.
    pub fn local(reason: Reason, detail: impl Into<String>) -> Self {
        Error {
            reason,
            alert: None,
            detail: detail.into(),
        }
    }
}

impl From<crate::codec::DecodeError> for Error {
    fn from(e: crate::codec::DecodeError) -> Self {
        Error::decode(e.to_string())
    }
}

/// Our own encoding went wrong (a vector longer than its length prefix allows): a bug or an
/// input that should have been bounded earlier, so `internal_error`.
impl From<crate::codec::EncodeError> for Error {
    fn from(e: crate::codec::EncodeError) -> Self {
        Error::internal(format!("cannot encode: {e}"))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.reason.text(), self.detail)?;
        if let Some(a) = self.alert {
            write!(f, " [alert {a}]")?;
        }
        Ok(())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reason.text(), self.detail)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_reasons_use_openssl_offset() {
        let r = Reason::alert_received(AlertDescription::HANDSHAKE_FAILURE);
        assert_eq!(r.0, 1040);
        assert_eq!(r.text(), "sslv3 alert handshake failure");
        assert_eq!(
            Reason::alert_received(AlertDescription::UNKNOWN_CA).text(),
            "tlsv1 alert unknown ca"
        );
    }

    #[test]
    fn alert_reason_names_are_openssls() {
        let names = alert_reason_names();
        assert!(names.contains(&("SSLV3_ALERT_HANDSHAKE_FAILURE".to_string(), 1040)));
        assert!(names.contains(&("TLSV13_ALERT_MISSING_EXTENSION".to_string(), 1109)));
        assert!(names.contains(&("TLSV1_UNRECOGNIZED_NAME".to_string(), 1112)));
        assert!(names.iter().all(|(_, v)| *v > 1000));
    }

    #[test]
    fn codec_errors_become_decode_error() {
        let e: Error = crate::codec::DecodeError::new("ClientHello").into();
        assert_eq!(e.alert, Some(AlertDescription::DECODE_ERROR));
    }
}
