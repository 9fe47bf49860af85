//! record_size_limit (RFC 8449), in ClientHello, a TLS 1.2 ServerHello and EncryptedExtensions.

use crate::codec::Reader;
use crate::error::{Error, Reason};

pub(super) fn decode_record_size_limit(r: &mut Reader) -> Result<u16, Error> {
    let limit = r.u16("record size limit")?;
    // RFC 8449 section 4: values below 64 are a fatal illegal_parameter.
    if limit < 64 {
        return Err(Error::illegal(
            Reason::BAD_EXTENSION,
            format!("record_size_limit {limit} is below 64"),
        ));
    }
    Ok(limit)
}
