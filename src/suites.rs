//! The cipher-suite table: every fact about a suite in one place.

use crate::crypto::{AeadAlg, HashAlg};
use crate::msgs::enums::{CipherSuite, ProtocolVersion};

/// TLS 1.2 key exchange of a suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kx {
    Ecdhe,
    /// Plain pre-shared key (RFC 4279 2, RFC 5487, RFC 7905).
    Psk,
    /// ECDHE with a pre-shared key (RFC 5489, RFC 7905, RFC 8442).
    EcdhePsk,
}

/// TLS 1.2 authentication (the server certificate's key type) of a suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Auth {
    Ecdsa,
    Rsa,
    /// The pre-shared key authenticates both ends; no certificates.
    Psk,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SuiteInfo {
    pub suite: CipherSuite,
    /// `TLSV1_3` or `TLSV1_2`: the only version the suite is used with.
    pub version: ProtocolVersion,
    /// TLS 1.3 HKDF hash; TLS 1.2 PRF hash.
    pub hash: HashAlg,
    pub aead: AeadAlg,
    /// TLS 1.2 only; `None` for TLS 1.3 suites.
    pub kx: Option<Kx>,
    /// TLS 1.2 only; `None` for TLS 1.3 suites.
    pub auth: Option<Auth>,
    /// OpenSSL's name (`SSL_CIPHER_get_name`).
    pub openssl_name: &'static str,
    /// Symmetric strength (`SSL_CIPHER_get_bits`).
    pub bits: u32,
}

impl SuiteInfo {
    pub fn is_tls13(&self) -> bool {
        self.version == ProtocolVersion::TLSV1_3
    }

    /// A TLS 1.2 PSK suite (plain or ECDHE): usable only with the application's PSK callback.
    pub fn is_psk(&self) -> bool {
        self.auth == Some(Auth::Psk)
    }

    /// The RFC (IANA) name (`SSL_CIPHER_standard_name`).
    pub fn iana_name(&self) -> &'static str {
        self.suite.name().unwrap_or("")
    }

    /// TLS 1.2 AEAD nonce layout: AES-GCM has a 4-byte implicit salt and an 8-byte explicit
    /// nonce in each record (RFC 5288); ChaCha20-Poly1305 uses a 12-byte IV XORed with the
    /// sequence number and no explicit nonce (RFC 7905). Returns (fixed IV length, explicit
    /// nonce length).
    pub fn tls12_iv_lengths(&self) -> (usize, usize) {
        let fixed = crate::crypto::tls12::fixed_iv_len(self.aead);
        (fixed, 12 - fixed)
    }
}

const fn tls13(
    suite: CipherSuite,
    hash: HashAlg,
    aead: AeadAlg,
    name: &'static str,
    bits: u32,
) -> SuiteInfo {
    SuiteInfo {
        suite,
        version: ProtocolVersion::TLSV1_3,
        hash,
        aead,
        kx: None,
        auth: None,
        openssl_name: name,
        bits,
    }
}

const fn tls12(
    suite: CipherSuite,
    auth: Auth,
    hash: HashAlg,
    aead: AeadAlg,
    name: &'static str,
    bits: u32,
) -> SuiteInfo {
    SuiteInfo {
        suite,
        version: ProtocolVersion::TLSV1_2,
        hash,
        aead,
        kx: Some(Kx::Ecdhe),
        auth: Some(auth),
        openssl_name: name,
        bits,
    }
}

const fn psk12(
    suite: CipherSuite,
    kx: Kx,
    hash: HashAlg,
    aead: AeadAlg,
    name: &'static str,
    bits: u32,
) -> SuiteInfo {
    SuiteInfo {
        suite,
        version: ProtocolVersion::TLSV1_2,
        hash,
        aead,
        kx: Some(kx),
        auth: Some(Auth::Psk),
        openssl_name: name,
        bits,
    }
}

/// Every suite we implement. TLS 1.3 suites first, then TLS 1.2 in OpenSSL's default
/// preference order (ECDSA before RSA, AES-256-GCM, ChaCha20, AES-128-GCM).
pub static ALL_SUITES: &[SuiteInfo] = &[
    tls13(
        CipherSuite::TLS13_AES_256_GCM_SHA384,
        HashAlg::Sha384,
        AeadAlg::Aes256Gcm,
        "TLS_AES_256_GCM_SHA384",
        256,
    ),
    tls13(
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
        HashAlg::Sha256,
        AeadAlg::ChaCha20Poly1305,
        "TLS_CHACHA20_POLY1305_SHA256",
        256,
    ),
    tls13(
        CipherSuite::TLS13_AES_128_GCM_SHA256,
        HashAlg::Sha256,
        AeadAlg::Aes128Gcm,
        "TLS_AES_128_GCM_SHA256",
        128,
    ),
    tls12(
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        Auth::Ecdsa,
        HashAlg::Sha384,
        AeadAlg::Aes256Gcm,
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        256,
    ),
    tls12(
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        Auth::Rsa,
        HashAlg::Sha384,
        AeadAlg::Aes256Gcm,
        "ECDHE-RSA-AES256-GCM-SHA384",
        256,
    ),
    tls12(
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        Auth::Ecdsa,
        HashAlg::Sha256,
        AeadAlg::ChaCha20Poly1305,
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        256,
    ),
    tls12(
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        Auth::Rsa,
        HashAlg::Sha256,
        AeadAlg::ChaCha20Poly1305,
        "ECDHE-RSA-CHACHA20-POLY1305",
        256,
    ),
    tls12(
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        Auth::Ecdsa,
        HashAlg::Sha256,
        AeadAlg::Aes128Gcm,
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        128,
    ),
    tls12(
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        Auth::Rsa,
        HashAlg::Sha256,
        AeadAlg::Aes128Gcm,
        "ECDHE-RSA-AES128-GCM-SHA256",
        128,
    ),
    // TLS 1.2 PSK suites (never in the default list; see `Config::psk12`), in OpenSSL's order:
    // ECDHE_PSK before plain PSK within each cipher, AES-256-GCM, ChaCha20, AES-128-GCM.
    // OpenSSL 3.0 lacks the ECDHE_PSK AES-GCM pair (RFC 8442); they take the names OpenSSL's
    // scheme gives them.
    psk12(
        CipherSuite::TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384,
        Kx::EcdhePsk,
        HashAlg::Sha384,
        AeadAlg::Aes256Gcm,
        "ECDHE-PSK-AES256-GCM-SHA384",
        256,
    ),
    psk12(
        CipherSuite::TLS_PSK_WITH_AES_256_GCM_SHA384,
        Kx::Psk,
        HashAlg::Sha384,
        AeadAlg::Aes256Gcm,
        "PSK-AES256-GCM-SHA384",
        256,
    ),
    psk12(
        CipherSuite::TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
        Kx::EcdhePsk,
        HashAlg::Sha256,
        AeadAlg::ChaCha20Poly1305,
        "ECDHE-PSK-CHACHA20-POLY1305",
        256,
    ),
    psk12(
        CipherSuite::TLS_PSK_WITH_CHACHA20_POLY1305_SHA256,
        Kx::Psk,
        HashAlg::Sha256,
        AeadAlg::ChaCha20Poly1305,
        "PSK-CHACHA20-POLY1305",
        256,
    ),
    psk12(
        CipherSuite::TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256,
        Kx::EcdhePsk,
        HashAlg::Sha256,
        AeadAlg::Aes128Gcm,
        "ECDHE-PSK-AES128-GCM-SHA256",
        128,
    ),
    psk12(
        CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256,
        Kx::Psk,
        HashAlg::Sha256,
        AeadAlg::Aes128Gcm,
        "PSK-AES128-GCM-SHA256",
        128,
    ),
];

/// OpenSSL's default TLS 1.3 ciphersuites, in its order:
/// `TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256`.
pub static DEFAULT_TLS13_SUITES: &[CipherSuite] = &[
    CipherSuite::TLS13_AES_256_GCM_SHA384,
    CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS13_AES_128_GCM_SHA256,
];

/// Our TLS 1.2 suites in default preference order.
pub static DEFAULT_TLS12_SUITES: &[CipherSuite] = &[
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
];

pub fn lookup(suite: CipherSuite) -> Option<&'static SuiteInfo> {
    ALL_SUITES.iter().find(|s| s.suite == suite)
}

/// By OpenSSL name (case-sensitive, as OpenSSL compares them).
pub fn by_openssl_name(name: &str) -> Option<&'static SuiteInfo> {
    ALL_SUITES.iter().find(|s| s.openssl_name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        assert_eq!(ALL_SUITES.len(), 15);
        for (i, s) in ALL_SUITES.iter().enumerate() {
            assert!(s.suite.name().is_some(), "{:?}", s.suite);
            assert_eq!(lookup(s.suite), Some(s));
            assert_eq!(by_openssl_name(s.openssl_name), Some(s));
            assert!(ALL_SUITES[i + 1..].iter().all(|o| o.suite != s.suite));
            assert_eq!(s.bits as usize, s.aead.key_len() * 8);
            if s.is_tls13() {
                assert_eq!(s.kx, None);
                assert_eq!(s.auth, None);
                assert_eq!(s.openssl_name, s.iana_name());
                assert_eq!(s.suite.0 >> 8, 0x13);
            } else if s.is_psk() {
                assert_eq!(s.version, ProtocolVersion::TLSV1_2);
                let ecdhe = s.openssl_name.starts_with("ECDHE-PSK-");
                assert!(ecdhe || s.openssl_name.starts_with("PSK-"));
                assert_eq!(s.kx, Some(if ecdhe { Kx::EcdhePsk } else { Kx::Psk }));
                assert!(s
                    .iana_name()
                    .contains(if ecdhe { "_ECDHE_PSK_" } else { "TLS_PSK_" }));
                assert!(!DEFAULT_TLS12_SUITES.contains(&s.suite));
            } else {
                assert_eq!(s.version, ProtocolVersion::TLSV1_2);
                assert_eq!(s.kx, Some(Kx::Ecdhe));
                assert!(s.openssl_name.starts_with("ECDHE-"));
                let ecdsa = s.openssl_name.starts_with("ECDHE-ECDSA");
                assert_eq!(s.auth, Some(if ecdsa { Auth::Ecdsa } else { Auth::Rsa }));
                assert!(s
                    .iana_name()
                    .contains(if ecdsa { "ECDSA" } else { "_RSA_" }));
            }
            let hash = if s.iana_name().ends_with("SHA384") {
                HashAlg::Sha384
            } else {
                HashAlg::Sha256
            };
            assert_eq!(s.hash, hash, "{}", s.openssl_name);
        }
        for s in DEFAULT_TLS13_SUITES {
            assert!(lookup(*s).unwrap().is_tls13());
        }
        for s in DEFAULT_TLS12_SUITES {
            assert!(!lookup(*s).unwrap().is_tls13());
        }
        assert_eq!(DEFAULT_TLS12_SUITES.len(), 6);
    }

    #[test]
    fn specific_entries() {
        let s = lookup(CipherSuite(0xcca8)).unwrap();
        assert_eq!(s.openssl_name, "ECDHE-RSA-CHACHA20-POLY1305");
        assert_eq!(s.aead, AeadAlg::ChaCha20Poly1305);
        assert_eq!(s.tls12_iv_lengths(), (12, 0));
        let s = lookup(CipherSuite(0xc02c)).unwrap();
        assert_eq!(s.openssl_name, "ECDHE-ECDSA-AES256-GCM-SHA384");
        assert_eq!(
            (s.hash, s.aead, s.bits),
            (HashAlg::Sha384, AeadAlg::Aes256Gcm, 256)
        );
        assert_eq!(s.tls12_iv_lengths(), (4, 8));
        let s = by_openssl_name("TLS_AES_128_GCM_SHA256").unwrap();
        assert_eq!(s.suite, CipherSuite::TLS13_AES_128_GCM_SHA256);
        assert_eq!(s.bits, 128);
        assert!(lookup(CipherSuite(0x009c)).is_none());
        assert!(lookup(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV).is_none());
        assert!(by_openssl_name("tls_aes_128_gcm_sha256").is_none());
    }

    #[test]
    fn default_tls13_order_is_openssls() {
        let names: Vec<_> = DEFAULT_TLS13_SUITES
            .iter()
            .map(|s| lookup(*s).unwrap().openssl_name)
            .collect();
        assert_eq!(
            names.join(":"),
            "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"
        );
    }
}
