//! application_layer_protocol_negotiation (RFC 7301): the client's list, the server's one name.

use super::base::{malformed, require_non_empty};
use crate::codec::{Reader, Writer};
use crate::error::Error;

/// An ALPN protocol name: 1..=255 opaque bytes (RFC 7301).
pub type ProtocolName = Vec<u8>;

pub(super) fn decode_alpn_list(r: &mut Reader) -> Result<Vec<ProtocolName>, Error> {
    let mut list = r.sub_u16("protocol name list")?;
    let mut names = Vec::new();
    while !list.is_empty() {
        let name = list.vec_u8("protocol name")?;
        if name.is_empty() {
            return Err(malformed("empty ALPN protocol name"));
        }
        names.push(name.to_vec());
    }
    require_non_empty(names, "ALPN protocol name")
}

pub(super) fn encode_alpn_list(names: &[ProtocolName], w: &mut Writer) {
    w.nested_u16(|w| names.iter().for_each(|n| w.vec_u8(n)));
}

/// A server's ALPN answer: a list holding exactly one name.
pub(super) fn decode_alpn_single(r: &mut Reader) -> Result<ProtocolName, Error> {
    let mut names = decode_alpn_list(r)?;
    if names.len() != 1 {
        return Err(malformed(format!(
            "server selected {} ALPN protocols, not one",
            names.len()
        )));
    }
    Ok(names.remove(0))
}

pub(super) fn encode_alpn_single(name: &[u8], w: &mut Writer) {
    w.nested_u16(|w| w.vec_u8(name));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::enums::{AlertDescription, ExtensionType};
    use crate::msgs::extensions::{EncryptedExtension, Extension};

    #[test]
    fn server_alpn_must_hold_one_name() {
        let mut w = Writer::new();
        encode_alpn_list(&[b"h2".to_vec(), b"h3".to_vec()], &mut w);
        let mut r = Reader::new(&w.buf);
        let err = EncryptedExtension::decode_body(ExtensionType::ALPN, &mut r).unwrap_err();
        assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));
    }
}
