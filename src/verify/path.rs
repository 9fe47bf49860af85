//! The path a rejected chain was verified along. webpki hands out the path it built only when
//! verification succeeds; when it fails, OpenSSL still shows the verify callback and
//! `SSL_get0_verified_chain` the chain as far as it could be built. This module rebuilds that
//! prefix: from the leaf, each next certificate is a trust anchor or one of the certificates
//! the peer sent whose subject is the current certificate's issuer (byte for byte, as webpki
//! chains names) and whose key verifies the current certificate's signature. A certificate the
//! peer sent but that signs nothing on the way (a decoy) never appears.

use super::store::RootStore;
use crate::x509::der::{tag, DerReader, DerResult, Tlv};
use std::sync::Arc;

/// A verified path (leaf first, as [`super::Checked::verified_chain`]) kept for
/// `SSL_get0_verified_chain` without copying certificates held elsewhere: those the peer sent
/// are indexes into its chain, a trust anchor's is shared with the store. An idle client would
/// otherwise keep a second copy of the server's chain and of the root (some 1.4 KB).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifiedChain(Vec<PathCert>);

#[derive(Clone, Debug, PartialEq, Eq)]
enum PathCert {
    /// The certificate at this index of the chain the peer sent.
    Sent(usize),
    /// A trust anchor's certificate.
    Anchor(Arc<[u8]>),
    /// Any other certificate.
    Other(Vec<u8>),
}

impl VerifiedChain {
    /// `path` as built over `sent` (the peer's chain) and `roots`.
    pub fn new(path: Vec<Vec<u8>>, sent: &[Vec<u8>], roots: &RootStore) -> Self {
        let certs = path.into_iter().map(|der| {
            if let Some(i) = sent.iter().position(|s| *s == der) {
                PathCert::Sent(i)
            } else if let Some(anchor) = roots.shared_certificate(&der) {
                PathCert::Anchor(anchor)
            } else {
                PathCert::Other(der)
            }
        });
        VerifiedChain(certs.collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The path's certificates, leaf first; `sent` is the chain it was built over.
    pub fn certificates<'a>(&'a self, sent: &'a [Vec<u8>]) -> Vec<&'a [u8]> {
        self.0
            .iter()
            .filter_map(|c| match c {
                PathCert::Sent(i) => sent.get(*i).map(Vec::as_slice),
                PathCert::Anchor(der) => Some(&der[..]),
                PathCert::Other(der) => Some(der.as_slice()),
            })
            .collect()
    }
}

/// Signature checks one rebuild may spend, so that a peer sending many certificates with the
/// same name cannot make a failed verification expensive.
const SIGNATURE_BUDGET: usize = 16;

/// The parts of a certificate that chaining needs, borrowed from its DER.
struct Signed<'a> {
    /// The whole TBSCertificate encoding (what the signature covers).
    tbs: &'a [u8],
    /// The signatureAlgorithm's contents (as webpki's `signature_alg_id`).
    algorithm: &'a [u8],
    signature: &'a [u8],
    /// The contents of the issuer and subject names.
    issuer: &'a [u8],
    subject: &'a [u8],
    /// The contents of the SubjectPublicKeyInfo (as a webpki trust anchor holds it).
    spki: &'a [u8],
}

impl<'a> Signed<'a> {
    fn parse(der: &'a [u8]) -> Option<Signed<'a>> {
        Self::read(der).ok()
    }

    fn read(der: &'a [u8]) -> DerResult<Signed<'a>> {
        let mut top = DerReader::new(der);
        let mut cert = top.read_constructed(tag::SEQUENCE, "Certificate")?;
        let tbs_tlv: Tlv<'a> = cert.read(tag::SEQUENCE, "TBSCertificate")?;
        let algorithm = cert.read(tag::SEQUENCE, "signatureAlgorithm")?.value;
        let signature = cert.read_bit_string("signatureValue")?;
        let mut tbs = cert.enter(tbs_tlv, "TBSCertificate")?;
        tbs.read_optional(tag::context_constructed(0), "version")?;
        tbs.read(tag::INTEGER, "serialNumber")?;
        tbs.read(tag::SEQUENCE, "signature")?;
        let issuer = tbs.read(tag::SEQUENCE, "issuer")?.value;
        tbs.read(tag::SEQUENCE, "validity")?;
        let subject = tbs.read(tag::SEQUENCE, "subject")?.value;
        let spki = tbs.read(tag::SEQUENCE, "subjectPublicKeyInfo")?.value;
        Ok(Signed {
            tbs: tbs_tlv.encoded,
            algorithm,
            signature: signature.bytes,
            issuer,
            subject,
            spki,
        })
    }

    /// Whether the key in `spki` (SubjectPublicKeyInfo contents) verifies this certificate's
    /// signature, with one of the algorithms webpki verifies chains with.
    fn signed_by(&self, spki: &[u8], budget: &mut usize) -> bool {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        let mut reader = DerReader::new(spki);
        let Ok(key_algorithm) = reader.read(tag::SEQUENCE, "algorithm") else {
            return false;
        };
        let Ok(key) = reader.read_bit_string("subjectPublicKey") else {
            return false;
        };
        webpki::ALL_VERIFICATION_ALGS
            .iter()
            .filter(|alg| {
                alg.public_key_alg_id().as_ref() == key_algorithm.value
                    && alg.signature_alg_id().as_ref() == self.algorithm
            })
            .any(|alg| {
                alg.verify_signature(key.bytes, self.tbs, self.signature)
                    .is_ok()
            })
    }
}

/// The path from the leaf (`chain[0]`) as far as it can be built from `chain` and the anchors
/// of `roots`, leaf first, ending with the anchor's certificate when one was reached. Empty
/// only for an empty chain.
pub(super) fn partial_path(roots: &RootStore, chain: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut budget = SIGNATURE_BUDGET;
    build(roots, chain, &mut budget)
}

/// [`partial_path`] spending at most `budget` signature checks.
fn build(roots: &RootStore, chain: &[Vec<u8>], budget: &mut usize) -> Vec<Vec<u8>> {
    let Some(leaf) = chain.first() else {
        return Vec::new();
    };
    let parsed: Vec<Option<Signed<'_>>> = chain.iter().map(|c| Signed::parse(c)).collect();
    let mut used = vec![false; chain.len()];
    used[0] = true;
    let mut path = vec![leaf.clone()];
    let mut current = 0;
    while let Some(cert) = parsed[current].as_ref() {
        // Trusted first, as OpenSSL: an anchor that issued the certificate ends the path.
        let anchor = roots
            .anchors()
            .iter()
            .zip(roots.anchor_certs.iter())
            .find(|(a, _)| {
                a.subject.as_ref() == cert.issuer
                    && cert.signed_by(a.subject_public_key_info.as_ref(), budget)
            });
        if let Some((_, der)) = anchor {
            // (A self-signed certificate that is itself an anchor is not repeated.)
            if der[..] != chain[current][..] {
                path.push(der.to_vec());
            }
            break;
        }
        if cert.issuer == cert.subject {
            // Self-issued and not trusted: nothing above it.
            break;
        }
        let next = (1..chain.len()).find(|&i| {
            !used[i]
                && parsed[i]
                    .as_ref()
                    .is_some_and(|p| p.subject == cert.issuer && cert.signed_by(p.spki, budget))
        });
        let Some(next) = next else {
            break;
        };
        used[next] = true;
        path.push(chain[next].clone());
        current = next;
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::certs_in as pki;

    fn roots(name: &str) -> RootStore {
        let mut roots = RootStore::default();
        for der in pki(name) {
            roots.add_der(&der).unwrap();
        }
        roots
    }

    #[test]
    fn the_decoy_is_skipped_and_the_anchor_reached() {
        let sent = pki("decoy-localhost.chain.pem");
        let [leaf, _decoy, issuer] = &sent[..] else {
            panic!("leaf, decoy, issuer expected");
        };
        let root = pki("root-ca.pem").remove(0);
        let path = partial_path(&roots("root-ca.pem"), &sent);
        assert_eq!(path, vec![leaf.clone(), issuer.clone(), root]);
    }

    #[test]
    fn without_the_anchor_the_path_stops_at_the_last_issuer_found() {
        let sent = pki("decoy-localhost.chain.pem");
        let path = partial_path(&roots("untrusted-root-ca.pem"), &sent);
        assert_eq!(path, vec![sent[0].clone(), sent[2].clone()]);
        // A leaf alone, with no issuer sent: just the leaf.
        let alone = pki("untrusted-localhost.chain.pem");
        assert_eq!(partial_path(&roots("root-ca.pem"), &alone), alone);
        assert!(partial_path(&roots("root-ca.pem"), &[]).is_empty());
    }

    #[test]
    fn a_certificate_with_the_right_name_but_another_key_is_no_link() {
        let mut sent = pki("server-ecdsa-p256.chain.pem");
        let root = pki("root-ca.pem").remove(0);
        let impostor = pki("impostor-intermediate-ca.pem").remove(0);
        sent.insert(1, impostor.clone());
        let path = partial_path(&roots("root-ca.pem"), &sent);
        assert_eq!(path, vec![sent[0].clone(), sent[2].clone(), root]);
        // Only the impostor: the leaf stays alone.
        let path = partial_path(&roots("root-ca.pem"), &[sent[0].clone(), impostor]);
        assert_eq!(path, vec![sent[0].clone()]);
    }

    #[test]
    fn many_same_named_certificates_cost_a_bounded_number_of_checks() {
        let leaf = pki("server-ecdsa-p256.pem").remove(0);
        let impostor = pki("impostor-intermediate-ca.pem").remove(0);
        // Certificates named like the leaf's issuer that do not verify it: each would cost a
        // signature check without the budget.
        let mut sent = vec![leaf.clone()];
        sent.extend(std::iter::repeat_n(impostor, 99));
        let mut budget = SIGNATURE_BUDGET;
        assert_eq!(build(&RootStore::default(), &sent, &mut budget), vec![leaf]);
        assert_eq!(budget, 0);
    }
}
