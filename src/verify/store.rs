//! What a chain is verified against: the trust anchors and the revocation lists.

use super::memo::SignatureMemo;
use crate::error::{Error, Reason, Result};
use pki_types::{CertificateDer, TrustAnchor};
use std::sync::Arc;

/// Revocation checking against CRLs, as OpenSSL's `X509_V_FLAG_CRL_CHECK` (the leaf) and
/// `X509_V_FLAG_CRL_CHECK_ALL` (every certificate of the path) ask: a certificate whose
/// issuer has no CRL here fails (`X509_V_ERR_UNABLE_TO_GET_CRL`), an expired CRL fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrlCheck {
    Leaf,
    Chain,
}

/// Trust anchors, with the certificates they came from (for `SSL_get0_verified_chain`).
#[derive(Default, Clone)]
pub struct RootStore {
    pub(super) anchors: Vec<TrustAnchor<'static>>,
    /// `anchor_certs[i]` is the DER certificate `anchors[i]` was made from (shared with the
    /// verified chains that end in it).
    pub(super) anchor_certs: Vec<Arc<[u8]>>,
    /// Certificate signatures that verified before (see [`memo`]); copies of the store share it.
    pub(super) memo: Arc<SignatureMemo>,
    /// Certificate revocation lists (`X509_load_crl_file` into the context's store), consulted
    /// when `crl_check` asks for it.
    pub(super) crls: Vec<Arc<webpki::CertRevocationList<'static>>>,
    pub(super) crl_check: Option<CrlCheck>,
}

impl RootStore {
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Adds one DER certificate as a trust anchor.
    pub fn add_der(&mut self, der: &[u8]) -> Result<()> {
        let cert = CertificateDer::from(der);
        let anchor = webpki::anchor_from_trusted_cert(&cert).map_err(|e| {
            Error::local(
                Reason::X509_LIB,
                format!("cannot use certificate as a trust anchor: {e}"),
            )
        })?;
        self.anchors.push(anchor.to_owned());
        self.anchor_certs.push(Arc::from(der));
        Ok(())
    }

    /// Adds one DER certificate revocation list (RFC 5280 version 2).
    pub fn add_crl_der(&mut self, der: &[u8]) -> Result<()> {
        let crl = webpki::OwnedCertRevocationList::from_der(der)
            .map_err(|e| Error::local(Reason::X509_LIB, format!("cannot use the CRL: {e}")))?;
        self.crls.push(Arc::new(crl.into()));
        Ok(())
    }

    /// Turns revocation checking on (or off with `None`).
    pub fn set_crl_check(&mut self, check: Option<CrlCheck>) {
        self.crl_check = check;
    }

    /// Adds every certificate of a PEM bundle; returns how many were added. Certificates that
    /// webpki cannot use as anchors are skipped, as a system bundle may hold a few odd ones.
    pub fn add_pem(&mut self, pem: &[u8]) -> Result<usize> {
        let mut added = 0;
        let mut rd = std::io::BufReader::new(pem);
        for item in rustls_pemfile::certs(&mut rd) {
            let der = item
                .map_err(|e| Error::local(Reason::BAD_PEM, format!("bad PEM certificate: {e}")))?;
            if self.add_der(der.as_ref()).is_ok() {
                added += 1;
            }
        }
        Ok(added)
    }

    pub fn anchors(&self) -> &[TrustAnchor<'static>] {
        &self.anchors
    }

    pub fn signature_memo(&self) -> &SignatureMemo {
        &self.memo
    }

    /// The certificate a trust anchor of this store was made from.
    pub(super) fn certificate_of(&self, anchor: &TrustAnchor<'_>) -> Option<&[u8]> {
        let index = self.anchors.iter().position(|a| std::ptr::eq(a, anchor))?;
        self.anchor_certs.get(index).map(|der| &der[..])
    }

    /// The store's copy of trust anchor certificate `der`, if it holds one.
    pub(super) fn shared_certificate(&self, der: &[u8]) -> Option<Arc<[u8]>> {
        self.anchor_certs.iter().find(|a| a[..] == *der).cloned()
    }
}
