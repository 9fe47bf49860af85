//! A TLS 1.3 client's certificate, in the handshake or after it (RFC 8446 4.3.2, 4.4.2,
//! 4.6.2): the server's CertificateRequest read, and our Certificate and CertificateVerify in
//! answer.

use crate::config::{CertificateRequestView, CertifiedKey, Config};
use crate::error::{Error, Reason, Result};
use crate::handshake::common::flight::{emit_certificate13, emit_certificate_verify13, Flight};
use crate::msgs::enums::{AlertDescription, SignatureScheme};
use crate::msgs::extensions::DistinguishedName;
use crate::msgs::handshake::{CertificateEntry, CertificateRequestTls13, CertificateTls13};
use std::sync::Arc;

/// What the server's CertificateRequest asked of us.
pub(in crate::handshake) struct CertRequest {
    context: Vec<u8>,
    /// The algorithms the server decompresses our certificate with (RFC 8879 3).
    compress_algs: Vec<crate::msgs::enums::CertCompressionAlgorithm>,
    schemes: Vec<SignatureScheme>,
    authorities: Vec<DistinguishedName>,
}

impl CertRequest {
    /// A CertificateRequest of the handshake.
    pub(in crate::handshake) fn from_message(req: CertificateRequestTls13) -> Result<Self> {
        // RFC 8446 4.3.2: the context is empty in the handshake; only post-handshake
        // requests use it.
        if !req.context.is_empty() {
            return Err(Error::illegal(
                Reason::BAD_PACKET,
                "CertificateRequest in the handshake has a non-empty certificate_request_context",
            ));
        }
        Self::from_message_post_handshake(req)
    }

    /// A CertificateRequest after the handshake (RFC 8446 4.6.2), whose context our
    /// Certificate echoes.
    pub(in crate::handshake) fn from_message_post_handshake(
        req: CertificateRequestTls13,
    ) -> Result<Self> {
        // RFC 8446 4.3.2: signature_algorithms is mandatory in a CertificateRequest.
        let schemes = req
            .sig_schemes()
            .ok_or_else(|| {
                Error::protocol(
                    AlertDescription::MISSING_EXTENSION,
                    Reason::MISSING_SIGALGS_EXTENSION,
                    "CertificateRequest without signature_algorithms",
                )
            })?
            .to_vec();
        let authorities = req
            .certificate_authorities()
            .map(<[DistinguishedName]>::to_vec)
            .unwrap_or_default();
        let compress_algs = crate::certcomp::request_algorithms(&req)?;
        Ok(CertRequest {
            compress_algs,
            context: req.context,
            schemes,
            authorities,
        })
    }

    /// A configured chain whose key can sign with a requested scheme, else whatever the
    /// application's callback supplies, else nothing (an empty Certificate).
    fn choose(&self, config: &Config) -> Option<(Arc<CertifiedKey>, SignatureScheme)> {
        if let Some(found) = crate::handshake::choose_client_certified_key(
            config,
            &config.certs,
            &self.schemes,
            true,
        ) {
            return Some(found);
        }
        let callback = config.client_cert_callback.as_ref()?;
        let ck = callback(&CertificateRequestView {
            schemes: &self.schemes,
            authorities: &self.authorities,
        })?;
        let scheme = crate::handshake::client_auth_scheme(config, &ck.key, &self.schemes, true)?;
        Some((ck, scheme))
    }
}

/// Answers a CertificateRequest: the chosen chain and its CertificateVerify, or an empty
/// Certificate when nothing fits (the server then decides whether to go on).
pub(in crate::handshake) fn emit_client_certificate(
    flight: &mut Flight<'_>,
    request: CertRequest,
) -> Result<()> {
    crate::handshake::client_certificate_callback(flight.cx)?;
    let config = flight.cx.config.clone();
    flight.cx.info.peer_ca_names = request.authorities.iter().map(|n| n.0.clone()).collect();
    let chosen = request.choose(&config);
    let entries = chosen.as_ref().map_or_else(Vec::new, |(ck, _)| {
        ck.chain
            .iter()
            .map(|c| CertificateEntry::new(pki_types::CertificateDer::from(c.clone())))
            .collect()
    });
    let certificate = CertificateTls13 {
        context: request.context,
        entries,
    };
    emit_certificate13(flight, &certificate, &request.compress_algs)?;
    match chosen {
        Some((ck, scheme)) => emit_certificate_verify13(flight, &ck.key, scheme),
        None => {
            flight.cx.evidence.sent_empty_certificate = true;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::extensions::CertificateRequestExtension;

    #[test]
    fn handshake_certificate_request_context_must_be_empty() {
        let request = |context: &[u8]| CertificateRequestTls13 {
            context: context.to_vec(),
            extensions: vec![CertificateRequestExtension::SignatureAlgorithms(vec![
                SignatureScheme::ECDSA_NISTP256_SHA256,
            ])],
        };
        let accepted = CertRequest::from_message(request(b"")).unwrap();
        assert_eq!(accepted.schemes, [SignatureScheme::ECDSA_NISTP256_SHA256]);
        let Err(e) = CertRequest::from_message(request(b"request context")) else {
            panic!("a non-empty context was accepted");
        };
        assert_eq!(e.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
        assert_eq!(e.reason, Reason::BAD_PACKET);
    }
}
