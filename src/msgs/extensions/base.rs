//! What every extension file shares: the [`Extension`] trait the per-message enums implement and
//! the decode-error helpers. It imports neither the module root nor the extension files, so they
//! can all use it without an import loop.

use super::catalogue::Carrier;
use crate::codec::{Reader, Writer};
use crate::error::{Error, Reason};
use crate::msgs::enums::{AlertDescription, ExtensionType};

/// Behaviour shared by the per-message extension enums.
pub trait Extension: Sized {
    /// The carrying message: which rows of the catalogue apply, and the name for error details.
    const CARRIER: Carrier;

    fn ext_type(&self) -> ExtensionType;

    /// Writes the extension_data contents (without type and length).
    fn encode_body(&self, w: &mut Writer);

    /// Parses extension_data; `body` must be consumed completely (checked by the caller).
    fn decode_body(typ: ExtensionType, body: &mut Reader) -> Result<Self, Error>;

    /// An extension this message does not decode, kept with its raw body.
    fn unknown(typ: ExtensionType, data: Vec<u8>) -> Self;

    /// Writes the whole extension: type, length, data.
    fn encode(&self, w: &mut Writer) {
        w.u16(self.ext_type().0);
        w.nested_u16(|w| self.encode_body(w));
    }
}

/// A malformed extension body: `decode_error`.
pub(crate) fn malformed(detail: impl Into<String>) -> Error {
    Error::protocol(
        AlertDescription::DECODE_ERROR,
        Reason::BAD_EXTENSION,
        detail,
    )
}

pub(crate) fn require_non_empty<T>(items: Vec<T>, what: &str) -> Result<Vec<T>, Error> {
    if items.is_empty() {
        Err(malformed(format!("empty {what} list")))
    } else {
        Ok(items)
    }
}
