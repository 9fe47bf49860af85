//! Private keys, signing, and verifying a peer's handshake signature with its certificate.

use crate::error::{Error, Reason, Result};
use crate::msgs::enums::{AlertDescription, SignatureScheme};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self as sig, KeyPair};
use pki_types::{CertificateDer, PrivateKeyDer};
use webpki::aws_lc_rs as algs;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyType {
    Rsa,
    EcdsaP256,
    EcdsaP384,
    Ed25519,
}

/// Schemes a key of each type can sign with, in our order of preference. TLS 1.3 uses the
/// `tls13` list; TLS 1.2 also allows the `tls12_extra` ones after it.
fn our_schemes(kt: KeyType, tls13: bool) -> &'static [SignatureScheme] {
    use SignatureScheme as S;
    match (kt, tls13) {
        (KeyType::Rsa, true) => &[
            S::RSA_PSS_RSAE_SHA256,
            S::RSA_PSS_RSAE_SHA384,
            S::RSA_PSS_RSAE_SHA512,
        ],
        (KeyType::Rsa, false) => &[
            S::RSA_PSS_RSAE_SHA256,
            S::RSA_PSS_RSAE_SHA384,
            S::RSA_PSS_RSAE_SHA512,
            S::RSA_PKCS1_SHA256,
            S::RSA_PKCS1_SHA384,
            S::RSA_PKCS1_SHA512,
        ],
        // TLS 1.3 binds each ECDSA scheme to its curve (RFC 8446 4.2.3).
        (KeyType::EcdsaP256, true) => &[S::ECDSA_NISTP256_SHA256],
        (KeyType::EcdsaP384, true) => &[S::ECDSA_NISTP384_SHA384],
        // TLS 1.2 names only the hash (RFC 5246 7.4.1.4.1, RFC 8422 5.10): the curve's own
        // first, then the others a peer may insist on.
        (KeyType::EcdsaP256, false) => &[
            S::ECDSA_NISTP256_SHA256,
            S::ECDSA_NISTP384_SHA384,
            S::ECDSA_NISTP521_SHA512,
        ],
        (KeyType::EcdsaP384, false) => &[
            S::ECDSA_NISTP384_SHA384,
            S::ECDSA_NISTP256_SHA256,
            S::ECDSA_NISTP521_SHA512,
        ],
        (KeyType::Ed25519, _) => &[S::ED25519],
    }
}

/// The signature schemes we can verify, in the order to advertise them in
/// signature_algorithms (OpenSSL's default order, less what we lack).
pub fn supported_verify_schemes(tls13: bool) -> &'static [SignatureScheme] {
    use SignatureScheme as S;
    if tls13 {
        &[
            S::ECDSA_NISTP256_SHA256,
            S::ECDSA_NISTP384_SHA384,
            S::ED25519,
            S::RSA_PSS_RSAE_SHA256,
            S::RSA_PSS_RSAE_SHA384,
            S::RSA_PSS_RSAE_SHA512,
        ]
    } else {
        &[
            S::ECDSA_NISTP256_SHA256,
            S::ECDSA_NISTP384_SHA384,
            S::ECDSA_NISTP521_SHA512,
            S::ED25519,
            S::RSA_PSS_RSAE_SHA256,
            S::RSA_PSS_RSAE_SHA384,
            S::RSA_PSS_RSAE_SHA512,
            S::RSA_PKCS1_SHA256,
            S::RSA_PKCS1_SHA384,
            S::RSA_PKCS1_SHA512,
        ]
    }
}

/// Every scheme this module can sign or verify with (a superset for `choose_scheme` probes).
pub static ALL_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::ECDSA_NISTP256_SHA256,
    SignatureScheme::ECDSA_NISTP384_SHA384,
    SignatureScheme::ECDSA_NISTP521_SHA512,
    SignatureScheme::ED25519,
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA512,
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA512,
];

enum Inner {
    Rsa(sig::RsaKeyPair),
    /// The key pair signs with the curve's hash; the PKCS#8 copy serves the other hashes TLS
    /// 1.2 allows (empty if it could not be made).
    Ecdsa(sig::EcdsaKeyPair, crate::crypto::secret::Secret),
    Ed25519(sig::Ed25519KeyPair),
}

/// A private key for CertificateVerify and ServerKeyExchange signatures.
pub struct SigningKey {
    key_type: KeyType,
    inner: Inner,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({:?})", self.key_type)
    }
}

fn unsupported_key(detail: impl Into<String>) -> Error {
    Error::local(Reason::UNSUPPORTED_KEY_TYPE, detail)
}

/// The DER encoding of OID 1.2.840.113549.1.1.10 (id-RSASSA-PSS).
const RSASSA_PSS_OID: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a,
];

impl SigningKey {
    /// Loads the first private key of a PEM text: PKCS#8 "PRIVATE KEY", SEC1 "EC PRIVATE KEY"
    /// or PKCS#1 "RSA PRIVATE KEY". Other PEM sections before it (certificates) are skipped.
    pub fn from_pem(pem: &[u8]) -> Result<Self> {
        let mut rest = pem;
        loop {
            match rustls_pemfile::read_one_from_slice(rest) {
                Ok(Some((item, tail))) => {
                    rest = tail;
                    let der = match item {
                        rustls_pemfile::Item::Pkcs8Key(k) => PrivateKeyDer::Pkcs8(k),
                        rustls_pemfile::Item::Sec1Key(k) => PrivateKeyDer::Sec1(k),
                        rustls_pemfile::Item::Pkcs1Key(k) => PrivateKeyDer::Pkcs1(k),
                        _ => continue,
                    };
                    return Self::from_der(der);
                }
                Ok(None) => {
                    return Err(Error::local(
                        Reason::BAD_PEM,
                        "no private key in the PEM data",
                    ))
                }
                Err(e) => {
                    return Err(Error::local(
                        Reason::BAD_PEM,
                        format!("bad PEM data: {e:?}"),
                    ))
                }
            }
        }
    }

    /// A DER private key of unknown encoding (`SSL_FILETYPE_ASN1`): PKCS#8, then SEC1, then
    /// PKCS#1 are tried.
    pub fn from_der_bytes(der: &[u8]) -> Result<Self> {
        let pkcs8 = Self::from_der(PrivateKeyDer::Pkcs8(der.into()));
        if pkcs8.is_ok() {
            return pkcs8;
        }
        if let Ok(k) = Self::from_der(PrivateKeyDer::Sec1(der.into())) {
            return Ok(k);
        }
        if let Ok(k) = Self::from_der(PrivateKeyDer::Pkcs1(der.into())) {
            return Ok(k);
        }
        // The PKCS#8 error says the most (e.g. an RSA key of the wrong size).
        pkcs8
    }

    pub fn from_der(der: PrivateKeyDer<'_>) -> Result<Self> {
        match &der {
            PrivateKeyDer::Pkcs8(k) => {
                let bytes = k.secret_pkcs8_der();
                if let Ok(kp) = sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(bytes) {
                    return Ok(Self::ed25519(kp));
                }
                if let Ok(kp) =
                    sig::EcdsaKeyPair::from_pkcs8(&sig::ECDSA_P256_SHA256_ASN1_SIGNING, bytes)
                {
                    return Ok(Self::ecdsa(KeyType::EcdsaP256, kp));
                }
                if let Ok(kp) =
                    sig::EcdsaKeyPair::from_pkcs8(&sig::ECDSA_P384_SHA384_ASN1_SIGNING, bytes)
                {
                    return Ok(Self::ecdsa(KeyType::EcdsaP384, kp));
                }
                if bytes
                    .windows(RSASSA_PSS_OID.len())
                    .take(32)
                    .any(|w| w == RSASSA_PSS_OID)
                {
                    return Err(unsupported_key(
                        "RSASSA-PSS (rsa_pss_pss) keys are not supported",
                    ));
                }
                match sig::RsaKeyPair::from_pkcs8(bytes) {
                    Ok(kp) => Self::rsa(kp),
                    Err(e) => Err(unsupported_key(format!(
                        "PKCS#8 key is none of RSA 2048-4096, ECDSA P-256/P-384, Ed25519 ({e})"
                    ))),
                }
            }
            PrivateKeyDer::Sec1(k) => {
                let bytes = k.secret_sec1_der();
                if let Ok(kp) = sig::EcdsaKeyPair::from_private_key_der(
                    &sig::ECDSA_P256_SHA256_ASN1_SIGNING,
                    bytes,
                ) {
                    return Ok(Self::ecdsa(KeyType::EcdsaP256, kp));
                }
                match sig::EcdsaKeyPair::from_private_key_der(
                    &sig::ECDSA_P384_SHA384_ASN1_SIGNING,
                    bytes,
                ) {
                    Ok(kp) => Ok(Self::ecdsa(KeyType::EcdsaP384, kp)),
                    Err(e) => Err(unsupported_key(format!(
                        "EC key is not on P-256 or P-384 ({e})"
                    ))),
                }
            }
            PrivateKeyDer::Pkcs1(k) => match sig::RsaKeyPair::from_der(k.secret_pkcs1_der()) {
                Ok(kp) => Self::rsa(kp),
                Err(e) => Err(unsupported_key(format!("bad or unsupported RSA key ({e})"))),
            },
            #[allow(unreachable_patterns)]
            _ => Err(unsupported_key("unknown private key encoding")),
        }
    }

    fn rsa(kp: sig::RsaKeyPair) -> Result<Self> {
        let bits = kp.public_modulus_len() * 8;
        if !(2048..=4096).contains(&bits) {
            return Err(unsupported_key(format!(
                "RSA key of {bits} bits; 2048 to 4096 are supported"
            )));
        }
        Ok(SigningKey {
            key_type: KeyType::Rsa,
            inner: Inner::Rsa(kp),
        })
    }

    fn ecdsa(key_type: KeyType, kp: sig::EcdsaKeyPair) -> Self {
        let pkcs8 = kp
            .to_pkcs8v1()
            .map(|d| d.as_ref().to_vec())
            .unwrap_or_default();
        SigningKey {
            key_type,
            inner: Inner::Ecdsa(kp, crate::crypto::secret::Secret::new(pkcs8)),
        }
    }

    fn ed25519(kp: sig::Ed25519KeyPair) -> Self {
        SigningKey {
            key_type: KeyType::Ed25519,
            inner: Inner::Ed25519(kp),
        }
    }

    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The first of our schemes for this key that the peer offered.
    pub fn choose_scheme(
        &self,
        offered: &[SignatureScheme],
        tls13: bool,
    ) -> Option<SignatureScheme> {
        our_schemes(self.key_type, tls13)
            .iter()
            .copied()
            .find(|s| offered.contains(s))
    }

    /// Whether this key can sign with `scheme` in the given version.
    pub fn can_sign(&self, scheme: SignatureScheme, tls13: bool) -> bool {
        our_schemes(self.key_type, tls13).contains(&scheme)
    }

    /// Signs `msg` (the whole message; the scheme's hash is applied here).
    pub fn sign(&self, scheme: SignatureScheme, msg: &[u8]) -> Result<Vec<u8>> {
        if !self.can_sign(scheme, false) {
            return Err(Error::internal(format!(
                "a {:?} key cannot sign with {scheme}",
                self.key_type
            )));
        }
        let signature = match &self.inner {
            Inner::Rsa(kp) => sign_rsa(kp, scheme, msg),
            Inner::Ecdsa(kp, pkcs8) => sign_ecdsa(kp, pkcs8, self.key_type, scheme, msg),
            Inner::Ed25519(kp) => sign_ed25519(kp, msg),
        };
        signature.ok_or_else(|| Error::internal(format!("signing with {scheme} failed")))
    }

    /// The public key as it appears in a certificate's subjectPublicKey BIT STRING: the
    /// uncompressed point for ECDSA, the 32 raw bytes for Ed25519, the PKCS#1 RSAPublicKey DER
    /// for RSA. Compare with [`cert_public_key`].
    pub fn public_key(&self) -> Vec<u8> {
        match &self.inner {
            Inner::Rsa(kp) => kp.public_key().as_ref().to_vec(),
            Inner::Ecdsa(kp, _) => kp.public_key().as_ref().to_vec(),
            Inner::Ed25519(kp) => kp.public_key().as_ref().to_vec(),
        }
    }

    /// The private key as PKCS#8 v1 DER (wiped when dropped), for handing the key back as an
    /// `EVP_PKEY` (`SSL_get_privatekey`). `None` if aws-lc cannot encode it.
    pub fn to_pkcs8(&self) -> Option<crate::crypto::secret::Secret> {
        use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
        let der: Pkcs8V1Der<'static> = match &self.inner {
            Inner::Rsa(kp) => kp.as_der().ok()?,
            // Made when the key was loaded (empty if it could not be).
            Inner::Ecdsa(_, pkcs8) => return (!pkcs8.is_empty()).then(|| pkcs8.clone()),
            Inner::Ed25519(kp) => kp.as_der().ok()?,
        };
        Some(crate::crypto::secret::Secret::from_slice(der.as_ref()))
    }

    /// Whether `cert_der`'s key is this key's public half (SSL_CTX_check_private_key).
    pub fn matches_certificate(&self, cert_der: &[u8]) -> bool {
        cert_public_key(cert_der).is_ok_and(|pk| pk == self.public_key())
    }
}

/// Reads one DER TLV at the start of `input`: (tag, contents, rest). Short-form and long-form
/// lengths up to 4 bytes; `None` when malformed.
fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&l0, rest) = rest.split_first()?;
    let (len, rest) = if l0 < 0x80 {
        (l0 as usize, rest)
    } else {
        let n = (l0 & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, &b| (a << 8) | b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// (AlgorithmIdentifier contents, subjectPublicKey bits) of a certificate's SPKI.
fn cert_spki(cert_der: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
    let bad = |d: &str| {
        Error::protocol(
            AlertDescription::BAD_CERTIFICATE,
            Reason::X509_LIB,
            format!("certificate: {d}"),
        )
    };
    let cert_der = CertificateDer::from(cert_der);
    let ee = webpki::EndEntityCert::try_from(&cert_der).map_err(|e| bad(&format!("{e:?}")))?;
    let spki = ee.subject_public_key_info();
    let (_, seq, _) = der_tlv(spki.as_ref()).ok_or_else(|| bad("malformed SPKI"))?;
    let (t1, alg, rest) = der_tlv(seq).ok_or_else(|| bad("malformed SPKI algorithm"))?;
    let (t2, bits, _) = der_tlv(rest).ok_or_else(|| bad("malformed SPKI key"))?;
    if t1 != 0x30 || t2 != 0x03 || bits.first() != Some(&0) {
        return Err(bad("malformed SPKI"));
    }
    Ok((alg.to_vec(), bits[1..].to_vec()))
}

/// The subjectPublicKey bytes of a certificate (see [`SigningKey::public_key`]).
pub fn cert_public_key(cert_der: &[u8]) -> Result<Vec<u8>> {
    Ok(cert_spki(cert_der)?.1)
}

/// The key type of a certificate, `None` if it is one we cannot use.
pub fn cert_key_type(cert_der: &[u8]) -> Result<Option<KeyType>> {
    let (alg_id, _) = cert_spki(cert_der)?;
    Ok(key_type_of_alg_id(&alg_id))
}

fn key_type_of_alg_id(alg_id: &[u8]) -> Option<KeyType> {
    let is = |a: &'static dyn pki_types::SignatureVerificationAlgorithm| {
        a.public_key_alg_id().as_ref() == alg_id
    };
    if is(algs::ECDSA_P256_SHA256) {
        Some(KeyType::EcdsaP256)
    } else if is(algs::ECDSA_P384_SHA384) {
        Some(KeyType::EcdsaP384)
    } else if is(algs::RSA_PKCS1_2048_8192_SHA256) {
        Some(KeyType::Rsa)
    } else if is(algs::ED25519) {
        Some(KeyType::Ed25519)
    } else {
        None
    }
}

fn wrong_type(detail: impl Into<String>) -> Error {
    Error::illegal(Reason::WRONG_SIGNATURE_TYPE, detail)
}

/// The webpki algorithm verifying `scheme` with a key of type `kt`, or the error to send.
fn verify_alg(
    scheme: SignatureScheme,
    kt: KeyType,
    tls13: bool,
) -> Result<&'static dyn pki_types::SignatureVerificationAlgorithm> {
    use SignatureScheme as S;
    let mismatch = || {
        wrong_type(format!(
            "{scheme} does not match the certificate's {kt:?} key"
        ))
    };
    let alg: &'static dyn pki_types::SignatureVerificationAlgorithm = match scheme {
        S::RSA_PSS_RSAE_SHA256 | S::RSA_PSS_RSAE_SHA384 | S::RSA_PSS_RSAE_SHA512 => {
            if kt != KeyType::Rsa {
                return Err(mismatch());
            }
            match scheme {
                S::RSA_PSS_RSAE_SHA256 => algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
                S::RSA_PSS_RSAE_SHA384 => algs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
                _ => algs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
            }
        }
        S::RSA_PKCS1_SHA256 | S::RSA_PKCS1_SHA384 | S::RSA_PKCS1_SHA512 => {
            if tls13 {
                return Err(wrong_type(format!("{scheme} is not allowed in TLS 1.3")));
            }
            if kt != KeyType::Rsa {
                return Err(mismatch());
            }
            match scheme {
                S::RSA_PKCS1_SHA256 => algs::RSA_PKCS1_2048_8192_SHA256,
                S::RSA_PKCS1_SHA384 => algs::RSA_PKCS1_2048_8192_SHA384,
                _ => algs::RSA_PKCS1_2048_8192_SHA512,
            }
        }
        S::ECDSA_NISTP256_SHA256 | S::ECDSA_NISTP384_SHA384 | S::ECDSA_NISTP521_SHA512 => {
            if !matches!(kt, KeyType::EcdsaP256 | KeyType::EcdsaP384) {
                return Err(mismatch());
            }
            // TLS 1.3 binds the curve to the scheme; TLS 1.2's codepoints only name the hash.
            let curve_ok = match scheme {
                S::ECDSA_NISTP256_SHA256 => kt == KeyType::EcdsaP256,
                S::ECDSA_NISTP384_SHA384 => kt == KeyType::EcdsaP384,
                _ => false,
            };
            if tls13 && !curve_ok {
                return Err(Error::illegal(
                    Reason::WRONG_CURVE,
                    format!("{scheme} with a {kt:?} certificate key"),
                ));
            }
            match (scheme, kt) {
                (S::ECDSA_NISTP256_SHA256, KeyType::EcdsaP256) => algs::ECDSA_P256_SHA256,
                (S::ECDSA_NISTP256_SHA256, _) => algs::ECDSA_P384_SHA256,
                (S::ECDSA_NISTP384_SHA384, KeyType::EcdsaP256) => algs::ECDSA_P256_SHA384,
                (S::ECDSA_NISTP384_SHA384, _) => algs::ECDSA_P384_SHA384,
                (_, KeyType::EcdsaP256) => algs::ECDSA_P256_SHA512,
                _ => algs::ECDSA_P384_SHA512,
            }
        }
        S::ED25519 => {
            if kt != KeyType::Ed25519 {
                return Err(mismatch());
            }
            algs::ED25519
        }
        _ => {
            return Err(wrong_type(format!(
                "signature scheme {scheme} is not supported"
            )))
        }
    };
    Ok(alg)
}

/// Verifies the peer's handshake signature `sig` over `msg` with the key of its end-entity
/// certificate.
///
/// A certificate whose keyUsage extension leaves out digitalSignature may not sign handshakes
/// (RFC 8446 4.4.2.2; RFC 5280 4.2.1.3 for TLS 1.2): `unsupported_certificate`
/// (`KEY_USAGE_BIT_INCORRECT`), whether or not the application verifies the chain. A scheme the
/// version forbids, or one not matching the certificate's key, is `illegal_parameter`
/// (`WRONG_SIGNATURE_TYPE`; `WRONG_CURVE` for a TLS 1.3 ECDSA curve mismatch); a signature that
/// does not verify is `decrypt_error` (`BAD_SIGNATURE`). Whether the scheme was one we offered is
/// the caller's check.
pub fn verify_signature(
    scheme: SignatureScheme,
    cert_der: &[u8],
    msg: &[u8],
    sig: &[u8],
    tls13: bool,
) -> Result<()> {
    require_signing_key_usage(cert_der)?;
    verify_with_certificate_key(scheme, cert_der, msg, sig, tls13)
}

/// Refuses an end-entity certificate whose keyUsage extension is present without
/// digitalSignature; no extension means no restriction.
pub fn require_signing_key_usage(cert_der: &[u8]) -> Result<()> {
    let cert = crate::x509::Certificate::from_der(cert_der).map_err(|e| {
        Error::protocol(
            AlertDescription::BAD_CERTIFICATE,
            Reason::X509_LIB,
            format!("certificate: {}", e.detail),
        )
    })?;
    match cert.key_usage() {
        Some(usage) if !usage.contains(crate::x509::KeyUsage::DIGITAL_SIGNATURE) => {
            Err(Error::protocol(
                AlertDescription::UNSUPPORTED_CERTIFICATE,
                Reason::KEY_USAGE_BIT_INCORRECT,
                "the peer's certificate has a keyUsage without digitalSignature, so its key may \
                 not sign the handshake",
            ))
        }
        _ => Ok(()),
    }
}

/// The signature check of [`verify_signature`] without the keyUsage rule: for checking that a
/// private key belongs to a certificate, where what the certificate allows does not matter.
pub fn verify_with_certificate_key(
    scheme: SignatureScheme,
    cert_der: &[u8],
    msg: &[u8],
    sig: &[u8],
    tls13: bool,
) -> Result<()> {
    let (alg_id, _) = cert_spki(cert_der)?;
    let kt = key_type_of_alg_id(&alg_id)
        .ok_or_else(|| wrong_type("the certificate's key type is not supported"))?;
    let alg = verify_alg(scheme, kt, tls13)?;
    let cert_der = CertificateDer::from(cert_der);
    let ee = webpki::EndEntityCert::try_from(&cert_der)
        .map_err(|e| Error::internal(format!("certificate reparse: {e:?}")))?;
    ee.verify_signature(alg, msg, sig).map_err(|e| match e {
        webpki::Error::InvalidSignatureForPublicKey => Error::protocol(
            AlertDescription::DECRYPT_ERROR,
            Reason::BAD_SIGNATURE,
            format!("{scheme} signature does not verify with the certificate's key"),
        ),
        other => wrong_type(format!("{scheme}: {other:?}")),
    })
}

/// The content a TLS 1.3 CertificateVerify signs (RFC 8446 4.4.3): 64 spaces, the context
/// string, a zero byte, and the transcript hash.
pub fn tls13_signed_message(server: bool, transcript_hash: &[u8]) -> Vec<u8> {
    let context: &[u8] = if server {
        b"TLS 1.3, server CertificateVerify"
    } else {
        b"TLS 1.3, client CertificateVerify"
    };
    let mut m = Vec::with_capacity(64 + context.len() + 1 + transcript_hash.len());
    m.extend_from_slice(&[0x20; 64]);
    m.extend_from_slice(context);
    m.push(0);
    m.extend_from_slice(transcript_hash);
    m
}

// The signing helpers are kept out of `SigningKey::sign` and of each other: aws-lc-rs returns a
// signature in a 4.6 KB `Signature` (room for its largest algorithm), and one frame with a slot
// for each kind of key would hold three of them while aws-lc signs (issue 19: a handshake must
// fit in a 64 KiB thread stack).

#[inline(never)]
fn sign_rsa(kp: &sig::RsaKeyPair, scheme: SignatureScheme, msg: &[u8]) -> Option<Vec<u8>> {
    use SignatureScheme as S;
    let enc: &'static dyn sig::RsaEncoding = match scheme {
        S::RSA_PSS_RSAE_SHA256 => &sig::RSA_PSS_SHA256,
        S::RSA_PSS_RSAE_SHA384 => &sig::RSA_PSS_SHA384,
        S::RSA_PSS_RSAE_SHA512 => &sig::RSA_PSS_SHA512,
        S::RSA_PKCS1_SHA256 => &sig::RSA_PKCS1_SHA256,
        S::RSA_PKCS1_SHA384 => &sig::RSA_PKCS1_SHA384,
        S::RSA_PKCS1_SHA512 => &sig::RSA_PKCS1_SHA512,
        _ => return None,
    };
    let mut out = vec![0u8; kp.public_modulus_len()];
    kp.sign(enc, &SystemRandom::new(), msg, &mut out).ok()?;
    Some(out)
}

#[inline(never)]
fn sign_ecdsa(
    kp: &sig::EcdsaKeyPair,
    pkcs8: &crate::crypto::secret::Secret,
    key_type: KeyType,
    scheme: SignatureScheme,
    msg: &[u8],
) -> Option<Vec<u8>> {
    use aws_lc_rs::digest;
    use SignatureScheme as S;
    let hash = match scheme {
        S::ECDSA_NISTP256_SHA256 => &digest::SHA256,
        S::ECDSA_NISTP384_SHA384 => &digest::SHA384,
        S::ECDSA_NISTP521_SHA512 => &digest::SHA512,
        _ => return None,
    };
    let curve_scheme = match key_type {
        KeyType::EcdsaP256 => S::ECDSA_NISTP256_SHA256,
        _ => S::ECDSA_NISTP384_SHA384,
    };
    if scheme == curve_scheme {
        return Some(kp.sign(&SystemRandom::new(), msg).ok()?.as_ref().to_vec());
    }
    // A TLS 1.2 peer's choice of another hash: sign its digest of `msg`.
    crate::ffi::ecdsa::sign_digest(pkcs8, digest::digest(hash, msg).as_ref())
}

#[inline(never)]
fn sign_ed25519(kp: &sig::Ed25519KeyPair, msg: &[u8]) -> Option<Vec<u8>> {
    Some(kp.try_sign(msg).ok()?.as_ref().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use SignatureScheme as S;

    const RSA_KEY: &[u8] = include_bytes!("testdata/rsa2048.key");
    const RSA_PKCS1_KEY: &[u8] = include_bytes!("testdata/rsa2048.pkcs1.key");
    const RSA_CERT: &[u8] = include_bytes!("testdata/rsa2048.crt");
    const RSA1024_KEY: &[u8] = include_bytes!("testdata/rsa1024.key");
    const P256_KEY: &[u8] = include_bytes!("testdata/p256.key");
    const P256_SEC1_KEY: &[u8] = include_bytes!("testdata/p256.sec1.key");
    const P256_CERT: &[u8] = include_bytes!("testdata/p256.crt");
    const P384_KEY: &[u8] = include_bytes!("testdata/p384.key");
    const P384_CERT: &[u8] = include_bytes!("testdata/p384.crt");
    const P521_KEY: &[u8] = include_bytes!("testdata/p521.key");
    const ED25519_KEY: &[u8] = include_bytes!("testdata/ed25519.key");
    const ED25519_CERT: &[u8] = include_bytes!("testdata/ed25519.crt");
    const ED448_KEY: &[u8] = include_bytes!("testdata/ed448.key");

    fn cert_der(pem: &[u8]) -> Vec<u8> {
        match rustls_pemfile::read_one_from_slice(pem).unwrap().unwrap().0 {
            rustls_pemfile::Item::X509Certificate(c) => c.as_ref().to_vec(),
            _ => panic!("not a certificate"),
        }
    }

    fn all_fixtures() -> Vec<(KeyType, &'static [u8], &'static [u8])> {
        vec![
            (KeyType::Rsa, RSA_KEY, RSA_CERT),
            (KeyType::Rsa, RSA_PKCS1_KEY, RSA_CERT),
            (KeyType::EcdsaP256, P256_KEY, P256_CERT),
            (KeyType::EcdsaP256, P256_SEC1_KEY, P256_CERT),
            (KeyType::EcdsaP384, P384_KEY, P384_CERT),
            (KeyType::Ed25519, ED25519_KEY, ED25519_CERT),
        ]
    }

    #[test]
    fn loads_pem_formats_and_matches_certificates() {
        for (kt, key, cert) in all_fixtures() {
            let k = SigningKey::from_pem(key).unwrap();
            assert_eq!(k.key_type(), kt);
            let c = cert_der(cert);
            assert_eq!(cert_key_type(&c).unwrap(), Some(kt));
            assert_eq!(cert_public_key(&c).unwrap(), k.public_key(), "{kt:?}");
            assert!(k.matches_certificate(&c));
        }
        let p256 = SigningKey::from_pem(P256_KEY).unwrap();
        assert!(!p256.matches_certificate(&cert_der(P384_CERT)));
        assert!(!p256.matches_certificate(b"junk"));
        // A certificate before the key in the same PEM is skipped.
        let mut both = P256_CERT.to_vec();
        both.extend_from_slice(P256_KEY);
        assert_eq!(
            SigningKey::from_pem(&both).unwrap().key_type(),
            KeyType::EcdsaP256
        );
    }

    fn key_der(pem: &[u8]) -> Vec<u8> {
        match rustls_pemfile::read_one_from_slice(pem).unwrap().unwrap().0 {
            rustls_pemfile::Item::Pkcs8Key(k) => k.secret_pkcs8_der().to_vec(),
            rustls_pemfile::Item::Sec1Key(k) => k.secret_sec1_der().to_vec(),
            rustls_pemfile::Item::Pkcs1Key(k) => k.secret_pkcs1_der().to_vec(),
            _ => panic!("not a key"),
        }
    }

    #[test]
    fn loads_der_of_unknown_encoding() {
        for (kt, key, cert) in all_fixtures() {
            let k = SigningKey::from_der_bytes(&key_der(key)).unwrap();
            assert_eq!(k.key_type(), kt);
            assert!(k.matches_certificate(&cert_der(cert)));
        }
        let e = SigningKey::from_der_bytes(&key_der(RSA1024_KEY)).unwrap_err();
        assert_eq!(e.reason, Reason::UNSUPPORTED_KEY_TYPE);
        assert!(e.detail.contains("RSA"), "{e:?}");
        assert!(SigningKey::from_der_bytes(b"").is_err());
        assert!(SigningKey::from_der_bytes(&[0x30, 0x00]).is_err());
    }

    #[test]
    fn all_schemes_cover_every_key() {
        for (kt, key, _) in all_fixtures() {
            let k = SigningKey::from_pem(key).unwrap();
            assert!(k.choose_scheme(ALL_SCHEMES, true).is_some(), "{kt:?}");
            assert!(k.choose_scheme(ALL_SCHEMES, false).is_some(), "{kt:?}");
        }
        for s in supported_verify_schemes(false) {
            assert!(ALL_SCHEMES.contains(s));
        }
    }

    #[test]
    fn rejects_unsupported_and_bad_keys() {
        for k in [RSA1024_KEY, P521_KEY, ED448_KEY] {
            let e = SigningKey::from_pem(k).unwrap_err();
            assert_eq!(e.reason, Reason::UNSUPPORTED_KEY_TYPE, "{e:?}");
            assert_eq!(e.alert, None);
        }
        for bad in [&b""[..], b"hello", P256_CERT] {
            let e = SigningKey::from_pem(bad).unwrap_err();
            assert_eq!(e.reason, Reason::BAD_PEM, "{e:?}");
        }
        let broken = b"-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n";
        assert_eq!(
            SigningKey::from_pem(broken).unwrap_err().reason,
            Reason::BAD_PEM
        );
        let garbage = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert_eq!(
            SigningKey::from_pem(garbage).unwrap_err().reason,
            Reason::UNSUPPORTED_KEY_TYPE
        );
    }

    #[test]
    fn generated_keys_round_trip() {
        let rng = SystemRandom::new();
        let p256 =
            sig::EcdsaKeyPair::generate_pkcs8(&sig::ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let p384 =
            sig::EcdsaKeyPair::generate_pkcs8(&sig::ECDSA_P384_SHA384_ASN1_SIGNING, &rng).unwrap();
        let ed = sig::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let cases: [(&[u8], KeyType, S, &'static dyn sig::VerificationAlgorithm); 3] = [
            (
                p256.as_ref(),
                KeyType::EcdsaP256,
                S::ECDSA_NISTP256_SHA256,
                &sig::ECDSA_P256_SHA256_ASN1,
            ),
            (
                p384.as_ref(),
                KeyType::EcdsaP384,
                S::ECDSA_NISTP384_SHA384,
                &sig::ECDSA_P384_SHA384_ASN1,
            ),
            (ed.as_ref(), KeyType::Ed25519, S::ED25519, &sig::ED25519),
        ];
        for (der, kt, scheme, valg) in cases {
            let k = SigningKey::from_der(PrivateKeyDer::Pkcs8(der.to_vec().into())).unwrap();
            assert_eq!(k.key_type(), kt);
            let s = k.sign(scheme, b"message").unwrap();
            sig::UnparsedPublicKey::new(valg, k.public_key())
                .verify(b"message", &s)
                .unwrap();
            assert!(sig::UnparsedPublicKey::new(valg, k.public_key())
                .verify(b"messagE", &s)
                .is_err());
        }
    }

    #[test]
    fn choose_scheme_rules() {
        let rsa = SigningKey::from_pem(RSA_KEY).unwrap();
        let p256 = SigningKey::from_pem(P256_KEY).unwrap();
        let p384 = SigningKey::from_pem(P384_KEY).unwrap();
        let ed = SigningKey::from_pem(ED25519_KEY).unwrap();

        let offered = [
            S::RSA_PKCS1_SHA256,
            S::RSA_PSS_RSAE_SHA384,
            S::ECDSA_NISTP384_SHA384,
        ];
        // Our order wins: PSS-SHA256 is not offered, PSS-SHA384 is.
        assert_eq!(
            rsa.choose_scheme(&offered, true),
            Some(S::RSA_PSS_RSAE_SHA384)
        );
        assert_eq!(rsa.choose_scheme(&[S::RSA_PKCS1_SHA256], true), None);
        assert_eq!(
            rsa.choose_scheme(&[S::RSA_PKCS1_SHA256], false),
            Some(S::RSA_PKCS1_SHA256)
        );
        assert_eq!(
            rsa.choose_scheme(&[S::RSA_PKCS1_SHA512, S::RSA_PSS_RSAE_SHA512], false),
            Some(S::RSA_PSS_RSAE_SHA512)
        );
        // TLS 1.3 ECDSA is tied to the curve.
        assert_eq!(p256.choose_scheme(&offered, true), None);
        assert_eq!(
            p384.choose_scheme(&offered, true),
            Some(S::ECDSA_NISTP384_SHA384)
        );
        assert_eq!(
            p256.choose_scheme(&[S::ECDSA_NISTP256_SHA256], false),
            Some(S::ECDSA_NISTP256_SHA256)
        );
        assert_eq!(
            ed.choose_scheme(&[S::ED25519, S::RSA_PSS_RSAE_SHA256], true),
            Some(S::ED25519)
        );
        assert_eq!(ed.choose_scheme(&[], false), None);
        // A scheme the key cannot make is an internal error, not a panic.
        assert!(p256.sign(S::ED25519, b"x").is_err());
        assert!(rsa.sign(S::RSA_PKCS1_SHA1, b"x").is_err());
    }

    #[test]
    fn sign_and_verify_with_certificates() {
        let cases = [
            (RSA_KEY, RSA_CERT, S::RSA_PSS_RSAE_SHA256, true),
            (RSA_KEY, RSA_CERT, S::RSA_PSS_RSAE_SHA384, true),
            (RSA_KEY, RSA_CERT, S::RSA_PSS_RSAE_SHA512, true),
            (RSA_PKCS1_KEY, RSA_CERT, S::RSA_PKCS1_SHA256, false),
            (RSA_KEY, RSA_CERT, S::RSA_PKCS1_SHA384, false),
            (RSA_KEY, RSA_CERT, S::RSA_PKCS1_SHA512, false),
            (P256_KEY, P256_CERT, S::ECDSA_NISTP256_SHA256, true),
            (P256_SEC1_KEY, P256_CERT, S::ECDSA_NISTP256_SHA256, false),
            (P384_KEY, P384_CERT, S::ECDSA_NISTP384_SHA384, true),
            (ED25519_KEY, ED25519_CERT, S::ED25519, true),
        ];
        let msg = tls13_signed_message(true, &[0xab; 32]);
        for (key, cert, scheme, tls13) in cases {
            let k = SigningKey::from_pem(key).unwrap();
            let c = cert_der(cert);
            let s = k.sign(scheme, &msg).unwrap();
            verify_signature(scheme, &c, &msg, &s, tls13).unwrap();
            if tls13 {
                // A TLS 1.3 scheme is valid in TLS 1.2 too.
                verify_signature(scheme, &c, &msg, &s, false).unwrap();
            }
            // Tampered message and signature fail with decrypt_error.
            let e = verify_signature(scheme, &c, b"other", &s, tls13).unwrap_err();
            assert_eq!(
                e.alert,
                Some(AlertDescription::DECRYPT_ERROR),
                "{scheme} {e:?}"
            );
            assert_eq!(e.reason, Reason::BAD_SIGNATURE);
            let mut bad = s.clone();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            let e = verify_signature(scheme, &c, &msg, &bad, tls13).unwrap_err();
            assert_eq!(e.reason, Reason::BAD_SIGNATURE, "{scheme} {e:?}");
        }
    }

    #[test]
    fn key_usage_without_digital_signature_cannot_sign_handshakes() {
        const RSA_ENCIPHERMENT_CERT: &[u8] = include_bytes!("testdata/rsa2048-encipherment.crt");
        const P256_KEY_AGREEMENT_CERT: &[u8] = include_bytes!("testdata/p256-keyagreement.crt");
        let msg = b"handshake transcript";
        let cases = [
            (
                RSA_KEY,
                RSA_ENCIPHERMENT_CERT,
                RSA_CERT,
                S::RSA_PSS_RSAE_SHA256,
            ),
            (
                P256_KEY,
                P256_KEY_AGREEMENT_CERT,
                P256_CERT,
                S::ECDSA_NISTP256_SHA256,
            ),
        ];
        for (key, restricted_pem, unrestricted_pem, scheme) in cases {
            let key = SigningKey::from_pem(key).unwrap();
            let restricted = cert_der(restricted_pem);
            let signature = key.sign(scheme, msg).unwrap();
            for tls13 in [false, true] {
                let e = verify_signature(scheme, &restricted, msg, &signature, tls13).unwrap_err();
                assert_eq!(e.reason, Reason::KEY_USAGE_BIT_INCORRECT, "{scheme}");
                assert_eq!(e.alert, Some(AlertDescription::UNSUPPORTED_CERTIFICATE));
            }
            // The signature itself is fine: the same key passes without the keyUsage rule, and
            // a certificate with no keyUsage extension places no restriction.
            verify_with_certificate_key(scheme, &restricted, msg, &signature, true).unwrap();
            verify_signature(scheme, &cert_der(unrestricted_pem), msg, &signature, true).unwrap();
        }
        let e = require_signing_key_usage(b"not a certificate").unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::BAD_CERTIFICATE));
    }

    #[test]
    fn scheme_not_allowed_is_illegal_parameter() {
        let msg = b"content";
        let rsa = SigningKey::from_pem(RSA_KEY).unwrap();
        let rsa_cert = cert_der(RSA_CERT);
        let s = rsa.sign(S::RSA_PKCS1_SHA256, msg).unwrap();
        // PKCS#1 v1.5 is forbidden in TLS 1.3 CertificateVerify.
        let e = verify_signature(S::RSA_PKCS1_SHA256, &rsa_cert, msg, &s, true).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
        assert_eq!(e.reason, Reason::WRONG_SIGNATURE_TYPE);
        // Scheme of another key type.
        let e = verify_signature(S::ECDSA_NISTP256_SHA256, &rsa_cert, msg, &s, false).unwrap_err();
        assert_eq!(e.reason, Reason::WRONG_SIGNATURE_TYPE);
        let e = verify_signature(S::ED25519, &rsa_cert, msg, &s, true).unwrap_err();
        assert_eq!(e.reason, Reason::WRONG_SIGNATURE_TYPE);
        // Unsupported or legacy schemes.
        for scheme in [
            S::RSA_PKCS1_SHA1,
            S::ECDSA_SHA1,
            S::RSA_PSS_PSS_SHA256,
            S::ED448,
            S(0x1234),
        ] {
            let e = verify_signature(scheme, &rsa_cert, msg, &s, false).unwrap_err();
            assert_eq!(e.reason, Reason::WRONG_SIGNATURE_TYPE, "{scheme}");
            assert_eq!(e.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
        }

        // ECDSA curve mismatch: fatal in TLS 1.3, a matter of hash choice in TLS 1.2.
        let p384 = SigningKey::from_pem(P384_KEY).unwrap();
        let p384_cert = cert_der(P384_CERT);
        let s = p384.sign(S::ECDSA_NISTP384_SHA384, msg).unwrap();
        let e = verify_signature(S::ECDSA_NISTP256_SHA256, &p384_cert, msg, &s, true).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
        assert_eq!(e.reason, Reason::WRONG_CURVE);
        // In TLS 1.2, 0x0403 on a P-384 key means ECDSA-P384 with SHA-256: this SHA-384
        // signature then fails as a bad signature, not as a wrong type.
        let e = verify_signature(S::ECDSA_NISTP256_SHA256, &p384_cert, msg, &s, false).unwrap_err();
        assert_eq!(e.reason, Reason::BAD_SIGNATURE);
    }

    #[test]
    fn tls12_ecdsa_hash_independent_of_curve() {
        // Signatures made by `openssl dgst`: P-384 with SHA-256 and P-256 with SHA-384. TLS 1.2
        // names only the hash, so they verify there; TLS 1.3 refuses the curve mismatch.
        let msg = include_bytes!("testdata/ecdsa_msg.bin");
        let p384_sha256 = include_bytes!("testdata/p384_sha256.sig");
        let p256_sha384 = include_bytes!("testdata/p256_sha384.sig");
        let p384_cert = cert_der(P384_CERT);
        let p256_cert = cert_der(P256_CERT);
        verify_signature(
            S::ECDSA_NISTP256_SHA256,
            &p384_cert,
            msg,
            p384_sha256,
            false,
        )
        .unwrap();
        verify_signature(
            S::ECDSA_NISTP384_SHA384,
            &p256_cert,
            msg,
            p256_sha384,
            false,
        )
        .unwrap();
        let e = verify_signature(S::ECDSA_NISTP256_SHA256, &p384_cert, msg, p384_sha256, true)
            .unwrap_err();
        assert_eq!(e.reason, Reason::WRONG_CURVE);
        let e = verify_signature(S::ECDSA_NISTP384_SHA384, &p256_cert, msg, p256_sha384, true)
            .unwrap_err();
        assert_eq!(e.reason, Reason::WRONG_CURVE);
        // The wrong hash for the signature is a bad signature.
        let e = verify_signature(
            S::ECDSA_NISTP521_SHA512,
            &p384_cert,
            msg,
            p384_sha256,
            false,
        )
        .unwrap_err();
        assert_eq!(e.reason, Reason::BAD_SIGNATURE);
        assert!(verify_alg(S::ECDSA_NISTP521_SHA512, KeyType::EcdsaP256, true).is_err());
    }

    #[test]
    fn bad_certificate_is_reported() {
        let e = verify_signature(S::ED25519, b"not a cert", b"m", b"s", true).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::BAD_CERTIFICATE));
        assert!(cert_public_key(&[0x30, 0x03, 0x02, 0x01]).is_err());
    }

    #[test]
    fn tls13_signed_message_layout() {
        let m = tls13_signed_message(true, &[1, 2, 3]);
        assert_eq!(&m[..64], &[0x20; 64]);
        assert_eq!(&m[64..97], b"TLS 1.3, server CertificateVerify");
        assert_eq!(m[97], 0);
        assert_eq!(&m[98..], &[1, 2, 3]);
        let c = tls13_signed_message(false, &[9; 48]);
        assert_eq!(&c[64..97], b"TLS 1.3, client CertificateVerify");
        assert_eq!(c.len(), 64 + 33 + 1 + 48);
    }

    #[test]
    fn der_reader_edges() {
        assert_eq!(
            der_tlv(&[0x04, 0x01, 0xaa]),
            Some((0x04, &[0xaa][..], &[][..]))
        );
        assert_eq!(der_tlv(&[0x04, 0x02, 0xaa]), None);
        assert_eq!(der_tlv(&[0x04, 0x80]), None);
        assert_eq!(der_tlv(&[0x04, 0x85, 1, 1, 1, 1, 1]), None);
        assert_eq!(
            der_tlv(&[0x04, 0x81, 0x01, 0xbb]),
            Some((0x04, &[0xbb][..], &[][..]))
        );
        assert_eq!(der_tlv(&[]), None);
    }
}
