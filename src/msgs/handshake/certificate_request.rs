//! CertificateRequest in its TLS 1.3 (RFC 8446 section 4.3.2) and TLS 1.2 (RFC 5246 section
//! 7.4.4) layouts.

use crate::codec::{Reader, Writer};
use crate::error::Error;
use crate::msgs::enums::{ExtensionType, SignatureScheme};
use crate::msgs::extensions::{
    decode_dn_list, decode_extensions, encode_dn_list, encode_extensions, find_extension,
    CertificateRequestExtension, DistinguishedName,
};

/// TLS 1.3 CertificateRequest (RFC 8446 section 4.3.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertificateRequestTls13 {
    pub context: Vec<u8>,
    /// signature_algorithms is mandatory; checking that is the caller's (missing_extension).
    pub extensions: Vec<CertificateRequestExtension>,
}

impl CertificateRequestTls13 {
    pub fn encode_body(&self, w: &mut Writer) {
        w.vec_u8(&self.context);
        encode_extensions(&self.extensions, w);
    }

    pub fn decode_body(r: &mut Reader) -> Result<Self, Error> {
        let context = r.vec_u8("certificate request context")?.to_vec();
        let extensions = decode_extensions(r)?;
        Ok(CertificateRequestTls13 {
            context,
            extensions,
        })
    }

    pub fn find(&self, typ: ExtensionType) -> Option<&CertificateRequestExtension> {
        find_extension(&self.extensions, typ)
    }

    pub fn sig_schemes(&self) -> Option<&[SignatureScheme]> {
        match self.find(ExtensionType::SIGNATURE_ALGORITHMS)? {
            CertificateRequestExtension::SignatureAlgorithms(s) => Some(s),
            _ => None,
        }
    }

    pub fn sig_schemes_cert(&self) -> Option<&[SignatureScheme]> {
        match self.find(ExtensionType::SIGNATURE_ALGORITHMS_CERT)? {
            CertificateRequestExtension::SignatureAlgorithmsCert(s) => Some(s),
            _ => None,
        }
    }

    pub fn certificate_authorities(&self) -> Option<&[DistinguishedName]> {
        match self.find(ExtensionType::CERTIFICATE_AUTHORITIES)? {
            CertificateRequestExtension::CertificateAuthorities(n) => Some(n),
            _ => None,
        }
    }
}

/// TLS 1.2 CertificateRequest (RFC 5246 section 7.4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequestTls12 {
    /// ClientCertificateType codes (rsa_sign(1), ecdsa_sign(64), ...).
    pub certificate_types: Vec<u8>,
    pub sig_schemes: Vec<SignatureScheme>,
    /// May be empty: any CA is acceptable.
    pub certificate_authorities: Vec<DistinguishedName>,
}

impl CertificateRequestTls12 {
    pub const RSA_SIGN: u8 = 1;
    pub const ECDSA_SIGN: u8 = 64;

    pub fn encode_body(&self, w: &mut Writer) {
        w.vec_u8(&self.certificate_types);
        w.u16_items(self.sig_schemes.iter().map(|s| s.0));
        encode_dn_list(&self.certificate_authorities, w);
    }

    pub fn decode_body(r: &mut Reader) -> Result<Self, Error> {
        let certificate_types = r.vec_u8("certificate types")?.to_vec();
        if certificate_types.is_empty() {
            return Err(Error::decode("empty certificate type list"));
        }
        let schemes = r.u16_list("signature algorithms")?;
        if schemes.is_empty() {
            return Err(Error::decode("empty signature algorithm list"));
        }
        let certificate_authorities = decode_dn_list(r, true)?;
        Ok(CertificateRequestTls12 {
            certificate_types,
            sig_schemes: schemes.into_iter().map(SignatureScheme).collect(),
            certificate_authorities,
        })
    }
}
