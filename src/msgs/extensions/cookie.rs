//! cookie (RFC 8446 4.2.2): sent by a server in HelloRetryRequest, echoed in the second
//! ClientHello.

use super::base::require_non_empty;
use crate::codec::{Reader, Writer};
use crate::error::{Error, Reason};
use crate::msgs::enums::AlertDescription;

/// A ClientHello's cookie: `Cookie cookie<1..2^16-1>`.
pub(super) fn decode_client_cookie(r: &mut Reader) -> Result<Vec<u8>, Error> {
    let cookie = r.vec_u16("cookie")?.to_vec();
    require_non_empty(cookie, "cookie byte")
}

/// A HelloRetryRequest's cookie, bounded so that it can be echoed.
pub(super) fn decode_retry_cookie(r: &mut Reader) -> Result<Vec<u8>, Error> {
    let cookie = r.vec_u16("cookie")?;
    // The cookie goes back in the second ClientHello, whose extension block must still fit its
    // 16-bit length: a longer one cannot be echoed.
    if cookie.len() > crate::limits::MAX_COOKIE_LEN {
        return Err(Error::protocol(
            AlertDescription::ILLEGAL_PARAMETER,
            Reason::EXCESSIVE_MESSAGE_SIZE,
            format!(
                "a cookie of {} bytes (at most {} are echoed)",
                cookie.len(),
                crate::limits::MAX_COOKIE_LEN
            ),
        ));
    }
    require_non_empty(cookie.to_vec(), "cookie byte")
}

pub(super) fn encode_cookie(cookie: &[u8], w: &mut Writer) {
    w.vec_u16(cookie);
}
