//! Fields several handshake messages share (random, legacy_session_id, compression). It imports
//! neither the module root nor the message files, so they can all use it without an import loop.

use crate::codec::Reader;
use crate::error::Error;

/// The longest legacy_session_id (RFC 8446 section 4.1.2).
pub const MAX_SESSION_ID_LEN: usize = 32;

/// The null compression method, the only one this library speaks.
pub const COMPRESSION_NULL: u8 = 0;

pub type Random = [u8; 32];

pub(super) fn decode_session_id(r: &mut Reader, what: &'static str) -> Result<Vec<u8>, Error> {
    let id = r.vec_u8(what)?;
    if id.len() > MAX_SESSION_ID_LEN {
        return Err(Error::decode(format!("{what} of {} bytes", id.len())));
    }
    Ok(id.to_vec())
}
