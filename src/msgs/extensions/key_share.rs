//! key_share (RFC 8446 4.2.8): the client's shares, the server's one share, and the group a
//! HelloRetryRequest asks for.

use std::collections::HashSet;

use super::base::malformed;
use crate::codec::{Reader, Writer};
use crate::error::{Error, Reason};
use crate::msgs::enums::NamedGroup;

/// A key share: a group and its public value (RFC 8446 section 4.2.8).
#[derive(Clone, PartialEq, Eq)]
pub struct KeyShareEntry {
    pub group: NamedGroup,
    /// Never empty once decoded.
    pub payload: Vec<u8>,
}

impl std::fmt::Debug for KeyShareEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "KeyShareEntry({}, {} bytes)",
            self.group,
            self.payload.len()
        )
    }
}

impl KeyShareEntry {
    pub fn new(group: NamedGroup, payload: impl Into<Vec<u8>>) -> Self {
        KeyShareEntry {
            group,
            payload: payload.into(),
        }
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        w.u16(self.group.0);
        w.vec_u16(&self.payload);
    }

    pub(super) fn decode(r: &mut Reader) -> Result<Self, Error> {
        let group = NamedGroup(r.u16("key share group")?);
        let payload = r.vec_u16("key exchange")?;
        if payload.is_empty() {
            return Err(malformed(format!("empty key share for {group}")));
        }
        Ok(KeyShareEntry {
            group,
            payload: payload.to_vec(),
        })
    }
}

pub(super) fn decode_client_key_shares(r: &mut Reader) -> Result<Vec<KeyShareEntry>, Error> {
    let mut list = r.sub_u16("client shares")?;
    let mut shares: Vec<KeyShareEntry> = Vec::new();
    let mut groups = HashSet::new();
    while !list.is_empty() {
        if shares.len() == crate::limits::MAX_KEY_SHARES {
            return Err(Error::illegal(
                Reason::BAD_KEY_SHARE,
                format!("more than {} key shares", crate::limits::MAX_KEY_SHARES),
            ));
        }
        let share = KeyShareEntry::decode(&mut list)?;
        // RFC 8446 section 4.2.8: clients MUST NOT offer two shares for one group.
        if !groups.insert(share.group) {
            return Err(Error::illegal(
                Reason::BAD_KEY_SHARE,
                format!("two key shares for {}", share.group),
            ));
        }
        shares.push(share);
    }
    Ok(shares)
}

pub(super) fn encode_client_key_shares(shares: &[KeyShareEntry], w: &mut Writer) {
    w.nested_u16(|w| shares.iter().for_each(|s| s.encode(w)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::enums::{AlertDescription, ExtensionType};
    use crate::msgs::extensions::tests::decode_single_client;
    use crate::msgs::extensions::ClientExtension;

    #[test]
    fn key_shares_are_capped() {
        // Distinct groups, so only the number is wrong: each share costs a client five bytes,
        // and a 64 KiB ClientHello could otherwise carry thousands.
        let shares = |n: usize| {
            let mut w = Writer::new();
            w.nested_u16(|w| {
                for g in 0..n {
                    KeyShareEntry::new(NamedGroup(0x1000 + g as u16), vec![1]).encode(w);
                }
            });
            w.finish().unwrap()
        };
        let max = crate::limits::MAX_KEY_SHARES;
        let Ok(ClientExtension::KeyShare(ok)) =
            decode_single_client(ExtensionType::KEY_SHARE, &shares(max))
        else {
            panic!("{max} key shares are accepted");
        };
        assert_eq!(ok.len(), max);
        for n in [max + 1, 13_000] {
            let err = decode_single_client(ExtensionType::KEY_SHARE, &shares(n)).unwrap_err();
            assert_eq!(err.alert, Some(AlertDescription::ILLEGAL_PARAMETER), "{n}");
            assert_eq!(err.reason, Reason::BAD_KEY_SHARE, "{n}");
        }
    }
}
