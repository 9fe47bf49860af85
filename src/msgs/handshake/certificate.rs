//! Certificate in its TLS 1.3 (RFC 8446 section 4.4.2) and TLS 1.2 (RFC 5246 section 7.4.2)
//! layouts. The TLS 1.2 CertificateStatus that may follow is `HandshakeMessage`'s; RFC 8879's
//! CompressedCertificate is `msgs::compressed_cert`'s.

use pki_types::CertificateDer;

use crate::codec::{Reader, Writer};
use crate::error::{Error, Reason};
use crate::msgs::enums::{AlertDescription, ExtensionType};
use crate::msgs::extensions::{
    decode_extensions, encode_extensions, find_extension, CertificateEntryExtension, Extension,
};

fn decode_cert_data(r: &mut Reader) -> Result<CertificateDer<'static>, Error> {
    let der = r.vec_u24("certificate data")?;
    if der.is_empty() {
        return Err(Error::decode("empty certificate in certificate list"));
    }
    Ok(CertificateDer::from(der.to_vec()))
}

/// One certificate of a TLS 1.3 Certificate message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateEntry {
    pub cert: CertificateDer<'static>,
    pub extensions: Vec<CertificateEntryExtension>,
}

impl CertificateEntry {
    pub fn new(cert: CertificateDer<'static>) -> Self {
        CertificateEntry {
            cert,
            extensions: Vec::new(),
        }
    }

    pub fn ocsp_response(&self) -> Option<&[u8]> {
        match find_extension(&self.extensions, ExtensionType::STATUS_REQUEST)? {
            CertificateEntryExtension::OcspResponse(r) => Some(r),
            _ => None,
        }
    }
}

/// TLS 1.3 Certificate (RFC 8446 section 4.4.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertificateTls13 {
    /// Empty in the handshake; echoes CertificateRequest's context after the handshake.
    pub context: Vec<u8>,
    /// End-entity first. Empty when a client has no certificate to send.
    pub entries: Vec<CertificateEntry>,
}

impl CertificateTls13 {
    pub fn encode_body(&self, w: &mut Writer) {
        w.vec_u8(&self.context);
        w.nested_u24(|w| {
            for entry in &self.entries {
                w.vec_u24(entry.cert.as_ref());
                encode_extensions(&entry.extensions, w);
            }
        });
    }

    /// Entry extensions must answer ones we asked for (RFC 8446 4.4.2: status_request or
    /// signed_certificate_timestamp in our ClientHello or CertificateRequest). libtls asks only
    /// for status_request (OCSP stapling), so any other entry extension is unsolicited:
    /// `unsupported_extension` (RFC 8446 4.2). Whether an OCSP response was asked for is the
    /// receiver's check ([`CertificateTls13::leaf_ocsp_response`]).
    pub fn decode_body(r: &mut Reader) -> Result<Self, Error> {
        let context = r.vec_u8("certificate request context")?.to_vec();
        let mut list = r.sub_u24("certificate list")?;
        let mut entries = Vec::new();
        while !list.is_empty() {
            let cert = decode_cert_data(&mut list)?;
            let extensions: Vec<CertificateEntryExtension> = decode_extensions(&mut list)?;
            if let Some(unasked) = extensions
                .iter()
                .find(|e| !matches!(e, CertificateEntryExtension::OcspResponse(_)))
            {
                return Err(Error::protocol(
                    AlertDescription::UNSUPPORTED_EXTENSION,
                    Reason::UNSOLICITED_EXTENSION,
                    format!(
                        "{} extension in certificate entry {} of a Certificate, which no \
                         request of ours asked for",
                        unasked.ext_type(),
                        entries.len()
                    ),
                ));
            }
            entries.push(CertificateEntry { cert, extensions });
        }
        Ok(CertificateTls13 { context, entries })
    }

    /// The OCSP response stapled to the leaf (RFC 8446 4.4.2.1), when `requested` (our
    /// ClientHello carried status_request). A response we did not ask for, on any entry, is
    /// `unsupported_extension` (RFC 8446 4.4.2); one on another entry than the leaf is ignored.
    pub fn leaf_ocsp_response(&self, requested: bool) -> Result<Option<&[u8]>, Error> {
        if !requested {
            if let Some(i) = self
                .entries
                .iter()
                .position(|e| e.ocsp_response().is_some())
            {
                return Err(Error::protocol(
                    AlertDescription::UNSUPPORTED_EXTENSION,
                    Reason::UNSOLICITED_EXTENSION,
                    format!(
                        "status_request (an OCSP response) in certificate entry {i} of a \
                         Certificate, which we did not ask for"
                    ),
                ));
            }
        }
        Ok(self
            .entries
            .first()
            .and_then(CertificateEntry::ocsp_response))
    }

    pub fn chain(&self) -> Vec<CertificateDer<'static>> {
        self.entries.iter().map(|e| e.cert.clone()).collect()
    }
}

/// TLS 1.2 Certificate (RFC 5246 section 7.4.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertificateTls12 {
    /// End-entity first. Empty when a client has no certificate to send.
    pub chain: Vec<CertificateDer<'static>>,
}

impl CertificateTls12 {
    pub fn encode_body(&self, w: &mut Writer) {
        w.nested_u24(|w| self.chain.iter().for_each(|c| w.vec_u24(c.as_ref())));
    }

    pub fn decode_body(r: &mut Reader) -> Result<Self, Error> {
        let mut list = r.sub_u24("certificate list")?;
        let mut chain = Vec::new();
        while !list.is_empty() {
            chain.push(decode_cert_data(&mut list)?);
        }
        Ok(CertificateTls12 { chain })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::msgs::handshake::tests::*;
    use crate::msgs::handshake::HandshakeMessage;

    pub(crate) fn sample_certificate(n: u8) -> CertificateDer<'static> {
        CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, n])
    }

    #[test]
    fn certificate_entry_extensions_are_unsolicited() {
        let with_extensions = |extensions| {
            HandshakeMessage::CertificateTls13(CertificateTls13 {
                context: vec![],
                entries: vec![
                    CertificateEntry::new(sample_certificate(1)),
                    CertificateEntry {
                        cert: sample_certificate(2),
                        extensions,
                    },
                ],
            })
            .encode()
            .unwrap()
        };
        let wire = with_extensions(vec![CertificateEntryExtension::Unknown {
            typ: ExtensionType(0x7f),
            data: vec![],
        }]);
        let e = HandshakeMessage::decode_encoded(&wire, TLS13).unwrap_err();
        assert_eq!(e.reason, Reason::UNSOLICITED_EXTENSION, "{e:?}");
        assert_eq!(e.alert, Some(AlertDescription::UNSUPPORTED_EXTENSION));
        assert!(e.detail.contains("certificate entry 1"), "{}", e.detail);
        // An OCSP response decodes; whether we asked for it is the receiver's check.
        let wire = with_extensions(vec![CertificateEntryExtension::OcspResponse(vec![
            0x30, 0, 1,
        ])]);
        let HandshakeMessage::CertificateTls13(cert) =
            HandshakeMessage::decode_encoded(&wire, TLS13).unwrap()
        else {
            panic!("not a Certificate");
        };
        let e = cert.leaf_ocsp_response(false).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::UNSUPPORTED_EXTENSION));
        assert!(e.detail.contains("certificate entry 1"), "{}", e.detail);
        // Asked for: only the leaf's counts.
        assert_eq!(cert.leaf_ocsp_response(true).unwrap(), None);
        // A repeated type is malformed before it is unsolicited.
        let ocsp = CertificateEntryExtension::OcspResponse(vec![0x30, 0, 1]);
        let wire = with_extensions(vec![ocsp.clone(), ocsp]);
        let e = HandshakeMessage::decode_encoded(&wire, TLS13).unwrap_err();
        assert_eq!(e.reason, Reason::BAD_EXTENSION);
    }
}
