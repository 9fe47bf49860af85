//! supported_groups (RFC 8446 4.2.7, RFC 8422 5.1.1) and its TLS 1.2 companion ec_point_formats
//! (RFC 8422 5.1.2).

use super::base::require_non_empty;
use crate::codec::{Reader, Writer};
use crate::error::Error;
use crate::msgs::enums::NamedGroup;

pub(super) fn decode_groups(r: &mut Reader) -> Result<Vec<NamedGroup>, Error> {
    let groups = r.u16_list("named group list")?;
    require_non_empty(groups.into_iter().map(NamedGroup).collect(), "named group")
}

pub(super) fn encode_groups(groups: &[NamedGroup], w: &mut Writer) {
    w.u16_items(groups.iter().map(|g| g.0));
}

/// A ClientHello's ec_point_formats, or `None` for a malformed body. The extension is meaningless
/// in TLS 1.3 (RFC 8422 5.1.2 is TLS 1.2's), and the version is not chosen yet: the caller keeps
/// a malformed body raw, for a TLS 1.2 server to refuse.
pub(super) fn decode_client_point_formats(r: &mut Reader) -> Option<Vec<u8>> {
    let mut formats = r.clone();
    match formats.vec_u8("ec point formats") {
        Ok(list) if !list.is_empty() && formats.is_empty() => {
            r.take_rest();
            Some(list.to_vec())
        }
        _ => None,
    }
}

/// A ServerHello's ec_point_formats: a non-empty list.
pub(super) fn decode_server_point_formats(r: &mut Reader) -> Result<Vec<u8>, Error> {
    let formats = r.vec_u8("ec point formats")?.to_vec();
    require_non_empty(formats, "ec point format")
}

/// ECPointFormat uncompressed (RFC 8422 5.1.2), the only one TLS 1.2 peers may use with us.
pub const EC_POINT_FORMAT_UNCOMPRESSED: u8 = 0;

pub(super) fn encode_point_formats(formats: &[u8], w: &mut Writer) {
    w.vec_u8(formats);
}
