//! certificate_authorities (RFC 8446 4.2.4) and the DistinguishedName list it shares with TLS
//! 1.2's CertificateRequest (RFC 5246 7.4.4).

use super::base::malformed;
use crate::codec::{Reader, Writer};
use crate::error::Error;

/// A DER-encoded X.501 DistinguishedName, as carried by certificate_authorities and by TLS 1.2's
/// CertificateRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistinguishedName(pub Vec<u8>);

impl AsRef<[u8]> for DistinguishedName {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Reads a u16-length-prefixed list of u16-length-prefixed, non-empty DistinguishedNames.
/// `allow_empty_list` is for TLS 1.2's CertificateRequest, where the list may be empty.
pub(crate) fn decode_dn_list(
    r: &mut Reader,
    allow_empty_list: bool,
) -> Result<Vec<DistinguishedName>, Error> {
    let mut list = r.sub_u16("distinguished name list")?;
    let mut names = Vec::new();
    while !list.is_empty() {
        let dn = list.vec_u16("distinguished name")?;
        if dn.is_empty() {
            return Err(Error::decode("empty distinguished name"));
        }
        names.push(DistinguishedName(dn.to_vec()));
    }
    if names.is_empty() && !allow_empty_list {
        return Err(malformed("empty certificate authority list"));
    }
    Ok(names)
}

pub(crate) fn encode_dn_list(names: &[DistinguishedName], w: &mut Writer) {
    w.nested_u16(|w| names.iter().for_each(|dn| w.vec_u16(&dn.0)));
}
