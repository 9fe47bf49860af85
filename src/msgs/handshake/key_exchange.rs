//! TLS 1.2's ECDHE key exchange messages: ServerKeyExchange (RFC 8422 section 5.4) and
//! ClientKeyExchange (RFC 8422 section 5.7).

use super::{DigitallySigned, Random};
use crate::codec::{Reader, Writer};
use crate::error::{Error, Reason};
use crate::msgs::enums::NamedGroup;

/// ECCurveType named_curve (RFC 8422 section 5.4), the only type RFC 8422 still allows.
const CURVE_TYPE_NAMED_CURVE: u8 = 3;

/// An ECDH public point, `opaque point <1..2^8-1>` (RFC 8422 5.4 and 5.7).
fn decode_ecdh_point(r: &mut Reader) -> Result<Vec<u8>, Error> {
    let public = r.vec_u8("ECDH public point")?;
    if public.is_empty() {
        return Err(Error::decode("empty ECDH public point"));
    }
    Ok(public.to_vec())
}

/// ECDHE parameters of a TLS 1.2 ServerKeyExchange (RFC 8422 section 5.4). Their encoding is
/// also part of what the server signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcdheServerParams {
    pub group: NamedGroup,
    pub public: Vec<u8>,
}

impl EcdheServerParams {
    pub fn encode(&self, w: &mut Writer) {
        w.u8(CURVE_TYPE_NAMED_CURVE);
        w.u16(self.group.0);
        w.vec_u8(&self.public);
    }

    pub fn decode(r: &mut Reader) -> Result<Self, Error> {
        let curve_type = r.u8("curve type")?;
        if curve_type != CURVE_TYPE_NAMED_CURVE {
            return Err(Error::illegal(
                Reason::WRONG_CURVE,
                format!("ECCurveType {curve_type} instead of named_curve"),
            ));
        }
        let group = NamedGroup(r.u16("named curve")?);
        let public = decode_ecdh_point(r)?;
        Ok(EcdheServerParams { group, public })
    }
}

/// TLS 1.2 ServerKeyExchange for ECDHE key exchange, the only one this library supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerKeyExchange {
    pub params: EcdheServerParams,
    /// Over client_random || server_random || encoded params.
    pub signed: DigitallySigned,
}

impl ServerKeyExchange {
    pub fn encode_body(&self, w: &mut Writer) {
        self.params.encode(w);
        self.signed.encode(w);
    }

    pub fn decode_body(r: &mut Reader) -> Result<Self, Error> {
        let params = EcdheServerParams::decode(r)?;
        let signed = DigitallySigned::decode(r)?;
        Ok(ServerKeyExchange { params, signed })
    }

    /// The bytes the signature covers (RFC 8422 section 5.4).
    pub fn signed_message(
        &self,
        client_random: &Random,
        server_random: &Random,
    ) -> Result<Vec<u8>, crate::codec::EncodeError> {
        let mut w = Writer::new();
        w.bytes(client_random);
        w.bytes(server_random);
        self.params.encode(&mut w);
        w.finish()
    }
}

/// TLS 1.2 ClientKeyExchange for ECDHE: the client's public point (RFC 8422 section 5.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientKeyExchange {
    pub public: Vec<u8>,
}

impl ClientKeyExchange {
    pub fn encode_body(&self, w: &mut Writer) {
        w.vec_u8(&self.public);
    }

    pub fn decode_body(r: &mut Reader) -> Result<Self, Error> {
        let public = decode_ecdh_point(r)?;
        Ok(ClientKeyExchange { public })
    }
}
