//! KeyUpdate (RFC 8446 section 4.6.3).

use crate::codec::{Reader, Writer};
use crate::error::{Error, Reason};

/// KeyUpdate's request_update (RFC 8446 section 4.6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUpdateRequest {
    UpdateNotRequested,
    UpdateRequested,
}

impl KeyUpdateRequest {
    pub fn encode(self, w: &mut Writer) {
        w.u8(match self {
            KeyUpdateRequest::UpdateNotRequested => 0,
            KeyUpdateRequest::UpdateRequested => 1,
        });
    }

    pub fn decode(r: &mut Reader) -> Result<Self, Error> {
        match r.u8("request_update")? {
            0 => Ok(KeyUpdateRequest::UpdateNotRequested),
            1 => Ok(KeyUpdateRequest::UpdateRequested),
            other => Err(Error::illegal(
                Reason::BAD_VALUE,
                format!("KeyUpdate request_update {other}"),
            )),
        }
    }
}
