//! TLS 1.3 EncryptedExtensions (RFC 8446 section 4.3.1).

use crate::codec::{Reader, Writer};
use crate::error::Error;
use crate::msgs::enums::{ExtensionType, NamedGroup};
use crate::msgs::extensions::{
    decode_extensions, encode_extensions, find_extension, EncryptedExtension,
};

/// TLS 1.3 EncryptedExtensions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EncryptedExtensions {
    pub extensions: Vec<EncryptedExtension>,
}

impl EncryptedExtensions {
    pub fn encode_body(&self, w: &mut Writer) {
        encode_extensions(&self.extensions, w);
    }

    pub fn decode_body(r: &mut Reader) -> Result<Self, Error> {
        Ok(EncryptedExtensions {
            extensions: decode_extensions(r)?,
        })
    }

    pub fn find(&self, typ: ExtensionType) -> Option<&EncryptedExtension> {
        find_extension(&self.extensions, typ)
    }

    pub fn has(&self, typ: ExtensionType) -> bool {
        self.find(typ).is_some()
    }

    pub fn alpn(&self) -> Option<&[u8]> {
        match self.find(ExtensionType::ALPN)? {
            EncryptedExtension::Alpn(name) => Some(name),
            _ => None,
        }
    }

    pub fn early_data_accepted(&self) -> bool {
        self.has(ExtensionType::EARLY_DATA)
    }

    pub fn record_size_limit(&self) -> Option<u16> {
        match self.find(ExtensionType::RECORD_SIZE_LIMIT)? {
            EncryptedExtension::RecordSizeLimit(l) => Some(*l),
            _ => None,
        }
    }

    pub fn groups(&self) -> Option<&[NamedGroup]> {
        match self.find(ExtensionType::SUPPORTED_GROUPS)? {
            EncryptedExtension::SupportedGroups(g) => Some(g),
            _ => None,
        }
    }
}
