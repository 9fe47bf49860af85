//! status_request (RFC 6066 8): the client's CertificateStatusRequest, the TLS 1.2 server's empty
//! answer, and the OCSP response a TLS 1.3 server staples to a CertificateEntry (RFC 8446
//! 4.4.2.1) in the body layout of TLS 1.2's CertificateStatus message.

use super::base::malformed;
use crate::codec::{Reader, Writer};
use crate::error::Error;

/// OCSP status_type in CertificateStatus (RFC 6066 section 8).
pub const STATUS_TYPE_OCSP: u8 = 1;

/// The CertificateStatusRequest a client sends to ask for an OCSP response (RFC 6066 8):
/// status_type ocsp, no responder IDs, no request extensions.
pub const OCSP_STATUS_REQUEST: [u8; 5] = [STATUS_TYPE_OCSP, 0, 0, 0, 0];

/// Checks a ClientHello's status_request body (RFC 6066 8) and returns it unchanged. An OCSP
/// request must hold its two lists (responder_id_list, request_extensions) and nothing more;
/// another status_type is kept opaque (it is not answered).
pub(super) fn decode_status_request(r: &mut Reader) -> Result<Vec<u8>, Error> {
    let body = r.take_rest();
    let mut check = Reader::new(body);
    if check.u8("certificate status type")? == STATUS_TYPE_OCSP {
        let mut ids = check.sub_u16("responder id list")?;
        while !ids.is_empty() {
            let id = ids.vec_u16("responder id")?;
            if id.is_empty() {
                return Err(malformed("an empty OCSP responder id"));
            }
        }
        check.vec_u16("OCSP request extensions")?;
        check.finish("OCSP status request")?;
    }
    Ok(body.to_vec())
}

/// Writes a CertificateStatus body of status_type ocsp (RFC 6066 8): the layout of TLS 1.2's
/// CertificateStatus message and of a TLS 1.3 CertificateEntry's status_request.
pub fn encode_ocsp_status(response: &[u8], w: &mut Writer) {
    w.u8(STATUS_TYPE_OCSP);
    w.vec_u24(response);
}

/// Reads a CertificateStatus body: status_type ocsp, then `OCSPResponse<1..2^24-1>`. Another
/// status type (only ocsp is ever requested) and an empty response are `decode_error`.
pub fn decode_ocsp_status(r: &mut Reader) -> Result<Vec<u8>, Error> {
    let status_type = r.u8("certificate status type")?;
    if status_type != STATUS_TYPE_OCSP {
        return Err(Error::decode(format!(
            "certificate status of type {status_type}; only ocsp (1) was requested"
        )));
    }
    let response = r.vec_u24("OCSP response")?;
    if response.is_empty() {
        return Err(Error::decode("empty OCSP response"));
    }
    Ok(response.to_vec())
}
