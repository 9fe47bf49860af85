//! Handshake messages of TLS 1.3 (RFC 8446 section 4) and TLS 1.2 (RFC 5246 section 7.4 with
//! RFC 8422 ECDHE and RFC 5077 tickets).
//!
//! Each full message is `msg_type(1) || length(3) || body`. Decoding takes the body alone (the
//! joiner in `deframer` splits messages), plus the negotiated version, because Certificate,
//! CertificateRequest and NewSessionTicket have different layouts in TLS 1.2 and TLS 1.3.
//! Every decoder rejects trailing bytes.
//!
//! One file per message (or per message whose TLS 1.2 and TLS 1.3 layouts differ); this module
//! holds [`HandshakeMessage`], the framing shared by all of them, and re-exports every message
//! type.

use crate::codec::{Reader, Writer};
use crate::error::Error;
use crate::msgs::enums::{HandshakeType, ProtocolVersion};
use crate::msgs::extensions::{decode_ocsp_status, encode_ocsp_status};

mod certificate;
mod certificate_request;
mod certificate_verify;
mod client_hello;
mod common;
mod encrypted_extensions;
mod finished;
mod key_exchange;
mod key_update;
mod new_session_ticket;
mod server_hello;
#[cfg(test)]
mod tests;

pub use certificate::{CertificateEntry, CertificateTls12, CertificateTls13};
pub use certificate_request::{CertificateRequestTls12, CertificateRequestTls13};
pub use certificate_verify::DigitallySigned;
pub use client_hello::ClientHello;
pub use common::{Random, COMPRESSION_NULL, MAX_SESSION_ID_LEN};
pub use encrypted_extensions::EncryptedExtensions;
pub use finished::Finished;
pub use key_exchange::{ClientKeyExchange, EcdheServerParams, ServerKeyExchange};
pub use key_update::KeyUpdateRequest;
pub use new_session_ticket::{NewSessionTicketTls12, NewSessionTicketTls13};
pub use server_hello::{
    DowngradeSentinel, HelloRetryRequest, ServerHello, DOWNGRADE_TLS11, DOWNGRADE_TLS12,
    HELLO_RETRY_REQUEST_RANDOM,
};

/// Bytes of the handshake message header: type(1) and length(3).
pub const HANDSHAKE_HEADER_LEN: usize = 4;

/// The largest body a 3-byte length can describe.
pub const MAX_HANDSHAKE_BODY_LEN: usize = (1 << 24) - 1;

/// Which layout to use for messages that differ between TLS 1.2 and TLS 1.3.
fn is_tls13(version: ProtocolVersion) -> bool {
    version == ProtocolVersion::TLSV1_3
}

/// Any handshake message this library sends or receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeMessage {
    HelloRequest,
    ClientHello(ClientHello),
    ServerHello(ServerHello),
    HelloRetryRequest(HelloRetryRequest),
    NewSessionTicketTls12(NewSessionTicketTls12),
    NewSessionTicketTls13(NewSessionTicketTls13),
    EndOfEarlyData,
    EncryptedExtensions(EncryptedExtensions),
    CertificateTls12(CertificateTls12),
    CertificateTls13(CertificateTls13),
    ServerKeyExchange(ServerKeyExchange),
    CertificateRequestTls12(CertificateRequestTls12),
    CertificateRequestTls13(CertificateRequestTls13),
    ServerHelloDone,
    CertificateVerify(DigitallySigned),
    ClientKeyExchange(ClientKeyExchange),
    Finished(Finished),
    KeyUpdate(KeyUpdateRequest),
    /// TLS 1.2 CertificateStatus of status_type ocsp (RFC 6066 8): the DER OCSPResponse.
    CertificateStatus(Vec<u8>),
}

impl HandshakeMessage {
    pub fn typ(&self) -> HandshakeType {
        match self {
            Self::HelloRequest => HandshakeType::HELLO_REQUEST,
            Self::ClientHello(_) => HandshakeType::CLIENT_HELLO,
            Self::ServerHello(_) | Self::HelloRetryRequest(_) => HandshakeType::SERVER_HELLO,
            Self::NewSessionTicketTls12(_) | Self::NewSessionTicketTls13(_) => {
                HandshakeType::NEW_SESSION_TICKET
            }
            Self::EndOfEarlyData => HandshakeType::END_OF_EARLY_DATA,
            Self::EncryptedExtensions(_) => HandshakeType::ENCRYPTED_EXTENSIONS,
            Self::CertificateTls12(_) | Self::CertificateTls13(_) => HandshakeType::CERTIFICATE,
            Self::ServerKeyExchange(_) => HandshakeType::SERVER_KEY_EXCHANGE,
            Self::CertificateRequestTls12(_) | Self::CertificateRequestTls13(_) => {
                HandshakeType::CERTIFICATE_REQUEST
            }
            Self::ServerHelloDone => HandshakeType::SERVER_HELLO_DONE,
            Self::CertificateVerify(_) => HandshakeType::CERTIFICATE_VERIFY,
            Self::ClientKeyExchange(_) => HandshakeType::CLIENT_KEY_EXCHANGE,
            Self::Finished(_) => HandshakeType::FINISHED,
            Self::KeyUpdate(_) => HandshakeType::KEY_UPDATE,
            Self::CertificateStatus(_) => HandshakeType::CERTIFICATE_STATUS,
        }
    }

    fn encode_body(&self, w: &mut Writer) {
        match self {
            Self::HelloRequest | Self::EndOfEarlyData | Self::ServerHelloDone => {}
            Self::ClientHello(m) => m.encode_body(w),
            Self::ServerHello(m) => m.encode_body(w),
            Self::HelloRetryRequest(m) => m.encode_body(w),
            Self::NewSessionTicketTls12(m) => m.encode_body(w),
            Self::NewSessionTicketTls13(m) => m.encode_body(w),
            Self::EncryptedExtensions(m) => m.encode_body(w),
            Self::CertificateTls12(m) => m.encode_body(w),
            Self::CertificateTls13(m) => m.encode_body(w),
            Self::ServerKeyExchange(m) => m.encode_body(w),
            Self::CertificateRequestTls12(m) => m.encode_body(w),
            Self::CertificateRequestTls13(m) => m.encode_body(w),
            Self::CertificateVerify(m) => m.encode(w),
            Self::ClientKeyExchange(m) => m.encode_body(w),
            Self::Finished(m) => w.bytes(&m.verify_data),
            Self::KeyUpdate(m) => m.encode(w),
            Self::CertificateStatus(response) => encode_ocsp_status(response, w),
        }
    }

    /// Appends the full message (header and body).
    pub fn encode_into(&self, w: &mut Writer) {
        w.u8(self.typ().0);
        w.nested_u24(|w| self.encode_body(w));
    }

    /// The full message (header and body), as it enters the transcript. Fails (an internal
    /// error) if a field is too long for its length prefix, such as a peer's cookie or ticket
    /// that was not bounded when it arrived.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        let mut w = Writer::new();
        self.encode_into(&mut w);
        Ok(w.finish()?)
    }

    /// Decodes a body of type `typ`. `version` picks the layout of Certificate,
    /// CertificateRequest and NewSessionTicket: `TLSV1_3` for TLS 1.3's, anything else for
    /// TLS 1.2's. A server_hello carrying the HelloRetryRequest random becomes
    /// [`HandshakeMessage::HelloRetryRequest`]. Types we do not know are `unexpected_message`.
    pub fn decode(
        typ: HandshakeType,
        body: &[u8],
        version: ProtocolVersion,
    ) -> Result<Self, Error> {
        let mut r = Reader::new(body);
        let msg = Self::decode_body(typ, &mut r, version).map_err(|mut e| {
            e.detail = format!("{typ}: {}", e.detail);
            e
        })?;
        if !r.is_empty() {
            return Err(Error::decode(format!(
                "{typ}: {} trailing bytes",
                r.remaining()
            )));
        }
        Ok(msg)
    }

    /// Decodes one complete message with its header; the header's length must match exactly.
    pub fn decode_encoded(encoded: &[u8], version: ProtocolVersion) -> Result<Self, Error> {
        let mut r = Reader::new(encoded);
        let typ = HandshakeType(r.u8("handshake type")?);
        let body = r.vec_u24("handshake body")?;
        r.finish("handshake message")?;
        Self::decode(typ, body, version)
    }

    fn decode_body(
        typ: HandshakeType,
        r: &mut Reader,
        version: ProtocolVersion,
    ) -> Result<Self, Error> {
        let tls13 = is_tls13(version);
        Ok(match typ {
            HandshakeType::HELLO_REQUEST => Self::HelloRequest,
            HandshakeType::CLIENT_HELLO => Self::ClientHello(ClientHello::decode_body(r)?),
            HandshakeType::SERVER_HELLO => {
                let legacy_version = ProtocolVersion(r.u16("server version")?);
                let random: Random = r.array("server random")?;
                if random == HELLO_RETRY_REQUEST_RANDOM {
                    Self::HelloRetryRequest(HelloRetryRequest::decode_rest(legacy_version, r)?)
                } else {
                    Self::ServerHello(ServerHello::decode_rest(legacy_version, random, r)?)
                }
            }
            HandshakeType::NEW_SESSION_TICKET if tls13 => {
                Self::NewSessionTicketTls13(NewSessionTicketTls13::decode_body(r)?)
            }
            HandshakeType::NEW_SESSION_TICKET => {
                Self::NewSessionTicketTls12(NewSessionTicketTls12::decode_body(r)?)
            }
            HandshakeType::END_OF_EARLY_DATA => Self::EndOfEarlyData,
            HandshakeType::ENCRYPTED_EXTENSIONS => {
                Self::EncryptedExtensions(EncryptedExtensions::decode_body(r)?)
            }
            HandshakeType::CERTIFICATE if tls13 => {
                Self::CertificateTls13(CertificateTls13::decode_body(r)?)
            }
            HandshakeType::CERTIFICATE => Self::CertificateTls12(CertificateTls12::decode_body(r)?),
            HandshakeType::SERVER_KEY_EXCHANGE => {
                Self::ServerKeyExchange(ServerKeyExchange::decode_body(r)?)
            }
            HandshakeType::CERTIFICATE_REQUEST if tls13 => {
                Self::CertificateRequestTls13(CertificateRequestTls13::decode_body(r)?)
            }
            HandshakeType::CERTIFICATE_REQUEST => {
                Self::CertificateRequestTls12(CertificateRequestTls12::decode_body(r)?)
            }
            HandshakeType::SERVER_HELLO_DONE => Self::ServerHelloDone,
            HandshakeType::CERTIFICATE_VERIFY => {
                Self::CertificateVerify(DigitallySigned::decode(r)?)
            }
            HandshakeType::CLIENT_KEY_EXCHANGE => {
                Self::ClientKeyExchange(ClientKeyExchange::decode_body(r)?)
            }
            HandshakeType::FINISHED => Self::Finished(Finished {
                verify_data: r.take_rest().to_vec(),
            }),
            HandshakeType::KEY_UPDATE => Self::KeyUpdate(KeyUpdateRequest::decode(r)?),
            HandshakeType::CERTIFICATE_STATUS => {
                // RFC 6066 8: status_type ocsp, then OCSPResponse<1..2^24-1>.
                Self::CertificateStatus(decode_ocsp_status(r)?)
            }
            _ => return Err(Error::unexpected("handshake message of unknown type")),
        })
    }
}
