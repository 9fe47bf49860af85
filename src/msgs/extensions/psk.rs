//! pre_shared_key (RFC 8446 4.2.11): the client's offer of identities and binders, the server's
//! selected index; and psk_key_exchange_modes (RFC 8446 4.2.9).

use super::base::{malformed, require_non_empty};
use crate::codec::{Reader, Writer};
use crate::error::{Error, Reason};
use crate::msgs::enums::PskKeyExchangeMode;

/// One PSK identity offered in ClientHello's pre_shared_key (RFC 8446 section 4.2.11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PskIdentity {
    pub identity: Vec<u8>,
    pub obfuscated_ticket_age: u32,
}

/// ClientHello's pre_shared_key body: identities and one binder per identity, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresharedKeyOffer {
    pub identities: Vec<PskIdentity>,
    pub binders: Vec<Vec<u8>>,
}

impl PresharedKeyOffer {
    /// The smallest binder RFC 8446 allows (PskBinderEntry<32..255>).
    pub const MIN_BINDER_LEN: usize = 32;

    /// Bytes the binders list takes on the wire, length prefix included. The "partial
    /// ClientHello" that binders authenticate is the encoded ClientHello minus this many bytes
    /// at its end (RFC 8446 section 4.2.11.2), because pre_shared_key is the last extension.
    pub fn binders_encoded_len(&self) -> usize {
        2 + self.binders.iter().map(|b| 1 + b.len()).sum::<usize>()
    }

    fn encode_identities(&self, w: &mut Writer) {
        w.nested_u16(|w| {
            for id in &self.identities {
                w.vec_u16(&id.identity);
                w.u32(id.obfuscated_ticket_age);
            }
        });
    }

    pub(crate) fn encode_binders(&self, w: &mut Writer) {
        w.nested_u16(|w| self.binders.iter().for_each(|b| w.vec_u8(b)));
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        self.encode_identities(w);
        self.encode_binders(w);
    }

    pub(super) fn decode(r: &mut Reader) -> Result<Self, Error> {
        let mut ids = r.sub_u16("psk identities")?;
        let mut identities = Vec::new();
        while !ids.is_empty() {
            let identity = ids.vec_u16("psk identity")?;
            if identity.is_empty() {
                return Err(malformed("empty psk identity"));
            }
            let obfuscated_ticket_age = ids.u32("obfuscated ticket age")?;
            identities.push(PskIdentity {
                identity: identity.to_vec(),
                obfuscated_ticket_age,
            });
        }
        let identities = require_non_empty(identities, "psk identity")?;

        let mut list = r.sub_u16("psk binders")?;
        let mut binders = Vec::new();
        while !list.is_empty() {
            let binder = list.vec_u8("psk binder")?;
            if binder.len() < Self::MIN_BINDER_LEN {
                return Err(malformed(format!("psk binder of {} bytes", binder.len())));
            }
            binders.push(binder.to_vec());
        }
        if binders.is_empty() {
            // PskBinderEntry binders<33..2^16-1> (RFC 8446 4.2.11): an empty list is a syntax
            // error, not a count mismatch.
            return Err(malformed("pre_shared_key with an empty binders list"));
        }
        if binders.len() != identities.len() {
            return Err(Error::illegal(
                Reason::BAD_EXTENSION,
                format!(
                    "{} psk identities but {} binders",
                    identities.len(),
                    binders.len()
                ),
            ));
        }
        Ok(PresharedKeyOffer {
            identities,
            binders,
        })
    }
}

pub(super) fn decode_psk_modes(r: &mut Reader) -> Result<Vec<PskKeyExchangeMode>, Error> {
    let modes = r.vec_u8("psk key exchange modes")?;
    require_non_empty(
        modes.iter().map(|&m| PskKeyExchangeMode(m)).collect(),
        "psk key exchange mode",
    )
}

pub(super) fn encode_psk_modes(modes: &[PskKeyExchangeMode], w: &mut Writer) {
    w.nested_u8(|w| modes.iter().for_each(|m| w.u8(m.0)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::enums::{AlertDescription, ExtensionType};
    use crate::msgs::extensions::tests::decode_single_client;

    #[test]
    fn psk_offer_without_binders_is_a_decode_error() {
        let offer = PresharedKeyOffer {
            identities: vec![PskIdentity {
                identity: vec![1],
                obfuscated_ticket_age: 0,
            }],
            binders: Vec::new(),
        };
        let mut w = Writer::new();
        offer.encode(&mut w);
        let err = decode_single_client(ExtensionType::PRE_SHARED_KEY, &w.buf).unwrap_err();
        assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));
        assert_eq!(err.reason, Reason::BAD_EXTENSION);
    }

    #[test]
    fn binders_encoded_len_matches_encoding() {
        let offer = PresharedKeyOffer {
            identities: vec![PskIdentity {
                identity: vec![1; 5],
                obfuscated_ticket_age: 1,
            }],
            binders: vec![vec![0; 32], vec![0; 48]],
        };
        let mut w = Writer::new();
        offer.encode_binders(&mut w);
        assert_eq!(w.buf.len(), offer.binders_encoded_len());
    }
}
