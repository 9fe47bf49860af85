//! The extensions of TLS 1.3's EncryptedExtensions, as one enum.

use super::alpn::ProtocolName;
use super::alpn::{decode_alpn_single, encode_alpn_single};
use super::base::Extension;
use super::catalogue::Carrier;
use super::record_size_limit::decode_record_size_limit;
use super::supported_groups::{decode_groups, encode_groups};
use crate::codec::{Reader, Writer};
use crate::error::Error;
use crate::msgs::enums::{ExtensionType, NamedGroup};

/// Extensions of TLS 1.3's EncryptedExtensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncryptedExtension {
    ServerNameAck,
    /// The server's preferred groups, informational (RFC 8446 section 4.2.7).
    SupportedGroups(Vec<NamedGroup>),
    Alpn(ProtocolName),
    /// The server accepted early data.
    EarlyData,
    RecordSizeLimit(u16),
    Unknown {
        typ: ExtensionType,
        data: Vec<u8>,
    },
}

impl Extension for EncryptedExtension {
    const CARRIER: Carrier = Carrier::EncryptedExtensions;

    fn ext_type(&self) -> ExtensionType {
        match self {
            Self::ServerNameAck => ExtensionType::SERVER_NAME,
            Self::SupportedGroups(_) => ExtensionType::SUPPORTED_GROUPS,
            Self::Alpn(_) => ExtensionType::ALPN,
            Self::EarlyData => ExtensionType::EARLY_DATA,
            Self::RecordSizeLimit(_) => ExtensionType::RECORD_SIZE_LIMIT,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, w: &mut Writer) {
        match self {
            Self::ServerNameAck | Self::EarlyData => {}
            Self::SupportedGroups(groups) => encode_groups(groups, w),
            Self::Alpn(name) => encode_alpn_single(name, w),
            Self::RecordSizeLimit(limit) => w.u16(*limit),
            Self::Unknown { data, .. } => w.bytes(data),
        }
    }

    fn decode_body(typ: ExtensionType, r: &mut Reader) -> Result<Self, Error> {
        Ok(match typ {
            ExtensionType::SERVER_NAME => Self::ServerNameAck,
            ExtensionType::SUPPORTED_GROUPS => Self::SupportedGroups(decode_groups(r)?),
            ExtensionType::ALPN => Self::Alpn(decode_alpn_single(r)?),
            ExtensionType::EARLY_DATA => Self::EarlyData,
            ExtensionType::RECORD_SIZE_LIMIT => Self::RecordSizeLimit(decode_record_size_limit(r)?),
            _ => Self::unknown(typ, r.take_rest().to_vec()),
        })
    }

    fn unknown(typ: ExtensionType, data: Vec<u8>) -> Self {
        Self::Unknown { typ, data }
    }
}
