//! signature_algorithms and signature_algorithms_cert (RFC 8446 4.2.3): one body layout, in
//! ClientHello and TLS 1.3's CertificateRequest.

use super::base::require_non_empty;
use crate::codec::{Reader, Writer};
use crate::error::Error;
use crate::msgs::enums::SignatureScheme;

pub(super) fn decode_sig_schemes(r: &mut Reader) -> Result<Vec<SignatureScheme>, Error> {
    let schemes = r.u16_list("signature scheme list")?;
    require_non_empty(
        schemes.into_iter().map(SignatureScheme).collect(),
        "signature scheme",
    )
}

pub(super) fn encode_sig_schemes(schemes: &[SignatureScheme], w: &mut Writer) {
    w.u16_items(schemes.iter().map(|s| s.0));
}
