//! NewSessionTicket in its TLS 1.3 (RFC 8446 section 4.6.1) and TLS 1.2 (RFC 5077 section 3.3)
//! layouts.

use crate::codec::{Reader, Writer};
use crate::error::Error;
use crate::msgs::enums::ExtensionType;
use crate::msgs::extensions::{
    decode_extensions, encode_extensions, find_extension, NewSessionTicketExtension,
};

/// TLS 1.3 NewSessionTicket (RFC 8446 section 4.6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSessionTicketTls13 {
    /// Seconds; at most 604800 by the RFC, which the client enforces.
    pub lifetime: u32,
    pub age_add: u32,
    pub nonce: Vec<u8>,
    pub ticket: Vec<u8>,
    pub extensions: Vec<NewSessionTicketExtension>,
}

impl NewSessionTicketTls13 {
    pub fn encode_body(&self, w: &mut Writer) {
        w.u32(self.lifetime);
        w.u32(self.age_add);
        w.vec_u8(&self.nonce);
        w.vec_u16(&self.ticket);
        encode_extensions(&self.extensions, w);
    }

    pub fn decode_body(r: &mut Reader) -> Result<Self, Error> {
        let lifetime = r.u32("ticket lifetime")?;
        let age_add = r.u32("ticket age add")?;
        let nonce = r.vec_u8("ticket nonce")?.to_vec();
        let ticket = r.vec_u16("ticket")?.to_vec();
        if ticket.is_empty() {
            return Err(Error::decode("empty session ticket"));
        }
        let extensions = decode_extensions(r)?;
        Ok(NewSessionTicketTls13 {
            lifetime,
            age_add,
            nonce,
            ticket,
            extensions,
        })
    }

    pub fn max_early_data_size(&self) -> Option<u32> {
        match find_extension(&self.extensions, ExtensionType::EARLY_DATA)? {
            NewSessionTicketExtension::EarlyData(max) => Some(*max),
            _ => None,
        }
    }
}

/// TLS 1.2 NewSessionTicket (RFC 5077 section 3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSessionTicketTls12 {
    pub lifetime_hint: u32,
    /// Empty means the server will not issue a ticket after all.
    pub ticket: Vec<u8>,
}

impl NewSessionTicketTls12 {
    pub fn encode_body(&self, w: &mut Writer) {
        w.u32(self.lifetime_hint);
        w.vec_u16(&self.ticket);
    }

    pub fn decode_body(r: &mut Reader) -> Result<Self, Error> {
        let lifetime_hint = r.u32("ticket lifetime hint")?;
        let ticket = r.vec_u16("ticket")?.to_vec();
        Ok(NewSessionTicketTls12 {
            lifetime_hint,
            ticket,
        })
    }
}
