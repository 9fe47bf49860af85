//! The extensions of one TLS 1.3 CertificateEntry and of TLS 1.3's CertificateRequest, one enum
//! each.

use super::base::Extension;
use super::catalogue::Carrier;
use super::certificate_authorities::{decode_dn_list, encode_dn_list, DistinguishedName};
use super::signature_algorithms::{decode_sig_schemes, encode_sig_schemes};
use super::status_request::{decode_ocsp_status, encode_ocsp_status};
use crate::codec::{Reader, Writer};
use crate::error::Error;
use crate::msgs::enums::{ExtensionType, SignatureScheme};

/// Extensions of one TLS 1.3 CertificateEntry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateEntryExtension {
    /// The DER OCSPResponse of a CertificateStatus with status_type ocsp (RFC 8446 4.4.2.1).
    OcspResponse(Vec<u8>),
    Unknown {
        typ: ExtensionType,
        data: Vec<u8>,
    },
}

impl Extension for CertificateEntryExtension {
    const CARRIER: Carrier = Carrier::CertificateEntry;

    fn ext_type(&self) -> ExtensionType {
        match self {
            Self::OcspResponse(_) => ExtensionType::STATUS_REQUEST,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, w: &mut Writer) {
        match self {
            Self::OcspResponse(response) => encode_ocsp_status(response, w),
            Self::Unknown { data, .. } => w.bytes(data),
        }
    }

    fn decode_body(typ: ExtensionType, r: &mut Reader) -> Result<Self, Error> {
        Ok(match typ {
            ExtensionType::STATUS_REQUEST => Self::OcspResponse(decode_ocsp_status(r)?),
            _ => Self::unknown(typ, r.take_rest().to_vec()),
        })
    }

    fn unknown(typ: ExtensionType, data: Vec<u8>) -> Self {
        Self::Unknown { typ, data }
    }
}

/// Extensions of TLS 1.3's CertificateRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateRequestExtension {
    SignatureAlgorithms(Vec<SignatureScheme>),
    SignatureAlgorithmsCert(Vec<SignatureScheme>),
    CertificateAuthorities(Vec<DistinguishedName>),
    Unknown { typ: ExtensionType, data: Vec<u8> },
}

impl Extension for CertificateRequestExtension {
    const CARRIER: Carrier = Carrier::CertificateRequest;

    fn ext_type(&self) -> ExtensionType {
        match self {
            Self::SignatureAlgorithms(_) => ExtensionType::SIGNATURE_ALGORITHMS,
            Self::SignatureAlgorithmsCert(_) => ExtensionType::SIGNATURE_ALGORITHMS_CERT,
            Self::CertificateAuthorities(_) => ExtensionType::CERTIFICATE_AUTHORITIES,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, w: &mut Writer) {
        match self {
            Self::SignatureAlgorithms(schemes) | Self::SignatureAlgorithmsCert(schemes) => {
                encode_sig_schemes(schemes, w)
            }
            Self::CertificateAuthorities(names) => encode_dn_list(names, w),
            Self::Unknown { data, .. } => w.bytes(data),
        }
    }

    fn decode_body(typ: ExtensionType, r: &mut Reader) -> Result<Self, Error> {
        Ok(match typ {
            ExtensionType::SIGNATURE_ALGORITHMS => {
                Self::SignatureAlgorithms(decode_sig_schemes(r)?)
            }
            ExtensionType::SIGNATURE_ALGORITHMS_CERT => {
                Self::SignatureAlgorithmsCert(decode_sig_schemes(r)?)
            }
            ExtensionType::CERTIFICATE_AUTHORITIES => {
                Self::CertificateAuthorities(decode_dn_list(r, false)?)
            }
            _ => Self::unknown(typ, r.take_rest().to_vec()),
        })
    }

    fn unknown(typ: ExtensionType, data: Vec<u8>) -> Self {
        Self::Unknown { typ, data }
    }
}
