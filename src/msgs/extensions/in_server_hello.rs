//! The extensions of a ServerHello and of a HelloRetryRequest, one enum each.

use super::alpn::ProtocolName;
use super::alpn::{decode_alpn_single, encode_alpn_single};
use super::base::Extension;
use super::catalogue::Carrier;
use super::cookie::{decode_retry_cookie, encode_cookie};
use super::key_share::KeyShareEntry;
use super::record_size_limit::decode_record_size_limit;
use super::renegotiation_info::{decode_renegotiation_info, encode_renegotiation_info};
use super::supported_groups::{decode_server_point_formats, encode_point_formats};
use super::supported_versions::decode_selected_version;
use crate::codec::{Reader, Writer};
use crate::error::Error;
use crate::msgs::enums::{ExtensionType, NamedGroup, ProtocolVersion};

/// Extensions of a ServerHello (TLS 1.3 and TLS 1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerHelloExtension {
    KeyShare(KeyShareEntry),
    /// Index of the selected PSK identity.
    PreSharedKey(u16),
    SupportedVersions(ProtocolVersion),
    /// TLS 1.2: the server used the client's server_name (empty body).
    ServerNameAck,
    EcPointFormats(Vec<u8>),
    /// TLS 1.2: the selected protocol.
    Alpn(ProtocolName),
    /// TLS 1.2: a CertificateStatus message will follow (empty body).
    StatusRequestAck,
    ExtendedMasterSecret,
    /// TLS 1.2: a NewSessionTicket will follow (empty body).
    SessionTicketAck,
    /// client_verify_data || server_verify_data on renegotiation, empty otherwise.
    RenegotiationInfo(Vec<u8>),
    RecordSizeLimit(u16),
    Unknown {
        typ: ExtensionType,
        data: Vec<u8>,
    },
}

impl Extension for ServerHelloExtension {
    const CARRIER: Carrier = Carrier::ServerHello;

    fn ext_type(&self) -> ExtensionType {
        match self {
            Self::KeyShare(_) => ExtensionType::KEY_SHARE,
            Self::PreSharedKey(_) => ExtensionType::PRE_SHARED_KEY,
            Self::SupportedVersions(_) => ExtensionType::SUPPORTED_VERSIONS,
            Self::ServerNameAck => ExtensionType::SERVER_NAME,
            Self::EcPointFormats(_) => ExtensionType::EC_POINT_FORMATS,
            Self::Alpn(_) => ExtensionType::ALPN,
            Self::StatusRequestAck => ExtensionType::STATUS_REQUEST,
            Self::ExtendedMasterSecret => ExtensionType::EXTENDED_MASTER_SECRET,
            Self::SessionTicketAck => ExtensionType::SESSION_TICKET,
            Self::RenegotiationInfo(_) => ExtensionType::RENEGOTIATION_INFO,
            Self::RecordSizeLimit(_) => ExtensionType::RECORD_SIZE_LIMIT,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, w: &mut Writer) {
        match self {
            Self::KeyShare(share) => share.encode(w),
            Self::PreSharedKey(index) => w.u16(*index),
            Self::SupportedVersions(v) => w.u16(v.0),
            Self::ServerNameAck
            | Self::StatusRequestAck
            | Self::ExtendedMasterSecret
            | Self::SessionTicketAck => {}
            Self::EcPointFormats(formats) => encode_point_formats(formats, w),
            Self::Alpn(name) => encode_alpn_single(name, w),
            Self::RenegotiationInfo(data) => encode_renegotiation_info(data, w),
            Self::RecordSizeLimit(limit) => w.u16(*limit),
            Self::Unknown { data, .. } => w.bytes(data),
        }
    }

    fn decode_body(typ: ExtensionType, r: &mut Reader) -> Result<Self, Error> {
        Ok(match typ {
            ExtensionType::KEY_SHARE => Self::KeyShare(KeyShareEntry::decode(r)?),
            ExtensionType::PRE_SHARED_KEY => Self::PreSharedKey(r.u16("selected identity")?),
            ExtensionType::SUPPORTED_VERSIONS => {
                Self::SupportedVersions(decode_selected_version(r)?)
            }
            ExtensionType::SERVER_NAME => Self::ServerNameAck,
            ExtensionType::EC_POINT_FORMATS => {
                Self::EcPointFormats(decode_server_point_formats(r)?)
            }
            ExtensionType::ALPN => Self::Alpn(decode_alpn_single(r)?),
            ExtensionType::STATUS_REQUEST => Self::StatusRequestAck,
            ExtensionType::EXTENDED_MASTER_SECRET => Self::ExtendedMasterSecret,
            ExtensionType::SESSION_TICKET => Self::SessionTicketAck,
            ExtensionType::RENEGOTIATION_INFO => {
                Self::RenegotiationInfo(decode_renegotiation_info(r)?)
            }
            ExtensionType::RECORD_SIZE_LIMIT => Self::RecordSizeLimit(decode_record_size_limit(r)?),
            _ => Self::unknown(typ, r.take_rest().to_vec()),
        })
    }

    fn unknown(typ: ExtensionType, data: Vec<u8>) -> Self {
        Self::Unknown { typ, data }
    }
}

/// Extensions of a HelloRetryRequest (RFC 8446 section 4.1.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloRetryExtension {
    /// The group the client must send a share for.
    KeyShare(NamedGroup),
    Cookie(Vec<u8>),
    SupportedVersions(ProtocolVersion),
    Unknown {
        typ: ExtensionType,
        data: Vec<u8>,
    },
}

impl Extension for HelloRetryExtension {
    const CARRIER: Carrier = Carrier::HelloRetryRequest;

    fn ext_type(&self) -> ExtensionType {
        match self {
            Self::KeyShare(_) => ExtensionType::KEY_SHARE,
            Self::Cookie(_) => ExtensionType::COOKIE,
            Self::SupportedVersions(_) => ExtensionType::SUPPORTED_VERSIONS,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, w: &mut Writer) {
        match self {
            Self::KeyShare(group) => w.u16(group.0),
            Self::Cookie(cookie) => encode_cookie(cookie, w),
            Self::SupportedVersions(v) => w.u16(v.0),
            Self::Unknown { data, .. } => w.bytes(data),
        }
    }

    fn decode_body(typ: ExtensionType, r: &mut Reader) -> Result<Self, Error> {
        Ok(match typ {
            ExtensionType::KEY_SHARE => Self::KeyShare(NamedGroup(r.u16("selected group")?)),
            ExtensionType::COOKIE => Self::Cookie(decode_retry_cookie(r)?),
            ExtensionType::SUPPORTED_VERSIONS => {
                Self::SupportedVersions(decode_selected_version(r)?)
            }
            _ => Self::unknown(typ, r.take_rest().to_vec()),
        })
    }

    fn unknown(typ: ExtensionType, data: Vec<u8>) -> Self {
        Self::Unknown { typ, data }
    }
}
