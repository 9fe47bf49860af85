//! The change_cipher_spec message: TLS 1.2's key switch, and TLS 1.3's middlebox-compatibility
//! dummy (RFC 8446 section 5 and appendix D.4).

use crate::error::{Error, Reason};
use crate::msgs::enums::AlertDescription;

/// The only valid change_cipher_spec record payload.
pub const CHANGE_CIPHER_SPEC_PAYLOAD: [u8; 1] = [0x01];

/// Checks a change_cipher_spec record payload. RFC 8446 section 5 answers anything other than the
/// single byte 0x01 with `unexpected_message`.
pub fn check_change_cipher_spec(payload: &[u8]) -> Result<(), Error> {
    if payload == CHANGE_CIPHER_SPEC_PAYLOAD {
        Ok(())
    } else {
        Err(Error::protocol(
            AlertDescription::UNEXPECTED_MESSAGE,
            Reason::INVALID_CCS_MESSAGE,
            format!("change_cipher_spec payload {payload:02x?} is not [01]"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_single_one_byte_is_accepted() {
        check_change_cipher_spec(&[1]).unwrap();
        for bad in [&[][..], &[0], &[2], &[1, 1]] {
            let err = check_change_cipher_spec(bad).unwrap_err();
            assert_eq!(err.alert, Some(AlertDescription::UNEXPECTED_MESSAGE));
            assert_eq!(err.reason, Reason::INVALID_CCS_MESSAGE);
        }
    }
}
