//! renegotiation_info (RFC 5746 3.2): `renegotiated_connection<0..255>`, empty on an initial
//! handshake.

use crate::codec::{Reader, Writer};
use crate::error::Error;

pub(super) fn decode_renegotiation_info(r: &mut Reader) -> Result<Vec<u8>, Error> {
    Ok(r.vec_u8("renegotiated connection")?.to_vec())
}

pub(super) fn encode_renegotiation_info(data: &[u8], w: &mut Writer) {
    w.vec_u8(data);
}
