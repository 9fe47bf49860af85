//! The alert protocol's message (RFC 8446 section 6, RFC 5246 section 7.2).

use crate::codec::{Reader, Writer};
use crate::error::{Error, Reason};
use crate::msgs::enums::{AlertDescription, AlertLevel};

/// One alert: always exactly two bytes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alert {
    /// Kept as received: TLS 1.3 ignores the level, TLS 1.2 callers decide what an unknown one
    /// means.
    pub level: AlertLevel,
    pub description: AlertDescription,
}

impl Alert {
    pub const ENCODED_LEN: usize = 2;

    pub fn new(level: AlertLevel, description: AlertDescription) -> Self {
        Alert { level, description }
    }

    pub fn fatal(description: AlertDescription) -> Self {
        Self::new(AlertLevel::FATAL, description)
    }

    pub fn close_notify() -> Self {
        Self::new(AlertLevel::WARNING, AlertDescription::CLOSE_NOTIFY)
    }

    pub fn encode(&self, w: &mut Writer) {
        w.u8(self.level.0);
        w.u8(self.description.0);
    }

    pub fn to_bytes(&self) -> [u8; 2] {
        [self.level.0, self.description.0]
    }

    /// Decodes from the next two bytes of `r`.
    pub fn decode(r: &mut Reader) -> Result<Self, Error> {
        let level = AlertLevel(r.u8("alert level")?);
        let description = AlertDescription(r.u8("alert description")?);
        Ok(Alert { level, description })
    }

    /// Decodes a whole alert record payload, which must hold exactly one alert: TLS forbids
    /// fragmenting alerts across records, and packing several into one is not something
    /// implementations rely on.
    pub fn decode_payload(payload: &[u8]) -> Result<Self, Error> {
        if payload.len() != Self::ENCODED_LEN {
            return Err(Error::protocol(
                AlertDescription::DECODE_ERROR,
                Reason::INVALID_ALERT,
                format!(
                    "alert record payload is {} bytes, not {}",
                    payload.len(),
                    Self::ENCODED_LEN
                ),
            ));
        }
        Self::decode(&mut Reader::new(payload))
    }

    pub fn is_fatal(&self) -> bool {
        self.level == AlertLevel::FATAL
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let alert = Alert::fatal(AlertDescription::HANDSHAKE_FAILURE);
        let mut w = Writer::new();
        alert.encode(&mut w);
        assert_eq!(w.buf, [2, 40]);
        assert_eq!(alert.to_bytes(), [2, 40]);
        assert_eq!(Alert::decode_payload(&w.buf).unwrap(), alert);
        assert!(alert.is_fatal());
        assert!(!Alert::close_notify().is_fatal());
    }

    #[test]
    fn wrong_lengths_are_decode_errors() {
        for payload in [&[][..], &[2], &[2, 40, 0]] {
            let err = Alert::decode_payload(payload).unwrap_err();
            assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));
        }
    }

    #[test]
    fn unknown_values_survive() {
        let alert = Alert::decode_payload(&[7, 200]).unwrap();
        assert_eq!(alert.level, AlertLevel(7));
        assert_eq!(alert.description, AlertDescription(200));
    }
}
