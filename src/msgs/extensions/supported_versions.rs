//! supported_versions (RFC 8446 4.2.1): the client's list; the one version a ServerHello or
//! HelloRetryRequest selects.

use super::base::require_non_empty;
use crate::codec::{Reader, Writer};
use crate::error::Error;
use crate::msgs::enums::ProtocolVersion;

pub(super) fn decode_version_list(r: &mut Reader) -> Result<Vec<ProtocolVersion>, Error> {
    let versions = r.u16_list_u8("supported versions")?;
    require_non_empty(
        versions.into_iter().map(ProtocolVersion).collect(),
        "supported version",
    )
}

pub(super) fn encode_version_list(versions: &[ProtocolVersion], w: &mut Writer) {
    w.u16_items_u8(versions.iter().map(|v| v.0));
}

pub(super) fn decode_selected_version(r: &mut Reader) -> Result<ProtocolVersion, Error> {
    Ok(ProtocolVersion(r.u16("selected version")?))
}
