//! CertificateVerify's body (RFC 8446 section 4.4.3, RFC 5246 section 7.4.8).

use crate::codec::{Reader, Writer};
use crate::error::Error;
use crate::msgs::enums::SignatureScheme;

/// A signature with its scheme: CertificateVerify's body, and the tail of TLS 1.2's
/// ServerKeyExchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitallySigned {
    pub scheme: SignatureScheme,
    pub signature: Vec<u8>,
}

impl DigitallySigned {
    pub fn encode(&self, w: &mut Writer) {
        w.u16(self.scheme.0);
        w.vec_u16(&self.signature);
    }

    pub fn decode(r: &mut Reader) -> Result<Self, Error> {
        let scheme = SignatureScheme(r.u16("signature scheme")?);
        let signature = r.vec_u16("signature")?.to_vec();
        Ok(DigitallySigned { scheme, signature })
    }
}
