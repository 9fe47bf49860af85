//! The extensions of TLS 1.3's NewSessionTicket, as one enum.

use super::base::Extension;
use super::catalogue::Carrier;
use crate::codec::{Reader, Writer};
use crate::error::Error;
use crate::msgs::enums::ExtensionType;

/// Extensions of TLS 1.3's NewSessionTicket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewSessionTicketExtension {
    /// max_early_data_size.
    EarlyData(u32),
    Unknown {
        typ: ExtensionType,
        data: Vec<u8>,
    },
}

impl Extension for NewSessionTicketExtension {
    const CARRIER: Carrier = Carrier::NewSessionTicket;

    fn ext_type(&self) -> ExtensionType {
        match self {
            Self::EarlyData(_) => ExtensionType::EARLY_DATA,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, w: &mut Writer) {
        match self {
            Self::EarlyData(max) => w.u32(*max),
            Self::Unknown { data, .. } => w.bytes(data),
        }
    }

    fn decode_body(typ: ExtensionType, r: &mut Reader) -> Result<Self, Error> {
        Ok(match typ {
            ExtensionType::EARLY_DATA => Self::EarlyData(r.u32("max early data size")?),
            _ => Self::unknown(typ, r.take_rest().to_vec()),
        })
    }

    fn unknown(typ: ExtensionType, data: Vec<u8>) -> Self {
        Self::Unknown { typ, data }
    }
}
