//! The four list grammars a program configures by text, as OpenSSL spells them: the cipher
//! list of the TLS 1.2 suites (`SSL_CTX_set_cipher_list`), the TLS 1.3 ciphersuites
//! (`SSL_CTX_set_ciphersuites`), the groups (`SSL_CTX_set1_groups_list`) and the signature
//! algorithms (`SSL_CTX_set1_sigalgs_list`). Each parser returns the typed values in preference
//! order or a [`ListError`]; `ffi/` reports the error the OpenSSL way.

use crate::crypto::{AeadAlg, HashAlg};
use crate::msgs::enums::{CipherSuite, NamedGroup, SignatureScheme};
use crate::suites::{Auth, Kx, SuiteInfo, ALL_SUITES};
use std::fmt;

/// Which list a [`ListError`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    /// The TLS 1.2 cipher list.
    CipherList,
    /// The TLS 1.3 ciphersuites.
    Tls13Suites,
    Groups,
    SignatureAlgorithms,
}

/// What is wrong with a configured list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListError {
    /// A name the grammar does not know.
    UnknownName { kind: ListKind, name: String },
    /// A name listed twice where the grammar forbids it.
    Repeated { kind: ListKind, name: String },
    /// The list (quoted in `list`) selects nothing libtls implements.
    NothingSelected { kind: ListKind, list: String },
}

impl ListError {
    pub fn kind(&self) -> ListKind {
        match self {
            ListError::UnknownName { kind, .. }
            | ListError::Repeated { kind, .. }
            | ListError::NothingSelected { kind, .. } => *kind,
        }
    }
}

impl fmt::Display for ListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ListKind::*;
        match self {
            ListError::UnknownName {
                kind: SignatureAlgorithms,
                name,
            } => write!(f, "unknown signature algorithm '{name}'"),
            ListError::UnknownName { kind: Groups, name } => write!(f, "unknown group '{name}'"),
            ListError::UnknownName { name, .. } => write!(f, "unknown cipher '{name}'"),
            ListError::Repeated {
                kind: SignatureAlgorithms,
                name,
            } => write!(f, "signature algorithm '{name}' is listed twice"),
            ListError::Repeated { name, .. } => write!(f, "'{name}' is listed twice"),
            ListError::NothingSelected {
                kind: CipherList,
                list,
            } => write!(
                f,
                "no TLS 1.2 cipher suite we support is selected by {list:?}"
            ),
            ListError::NothingSelected {
                kind: Tls13Suites,
                list,
            } => write!(f, "no TLS 1.3 ciphersuite we support in {list:?}"),
            ListError::NothingSelected { kind: Groups, .. } => write!(f, "empty groups list"),
            ListError::NothingSelected {
                kind: SignatureAlgorithms,
                list,
            } => write!(
                f,
                "{list:?} selects no signature algorithm libtls implements"
            ),
        }
    }
}

impl std::error::Error for ListError {}

/// Whether an OpenSSL cipher-string keyword (a suite name or an alias) selects `suite`. Unknown
/// keywords select nothing, as in OpenSSL; so do the families we never implement (CBC, RC4,
/// static RSA, DHE, DHE-PSK, RSA-PSK, NULL, export, ...).
fn cipher_keyword_matches(keyword: &str, suite: &SuiteInfo) -> bool {
    if suite.openssl_name == keyword {
        return true;
    }
    match keyword {
        "ALL" | "HIGH" | "AEAD" | "TLSv1.2" | "FIPS" => true,
        // OpenSSL's DEFAULT holds its PSK suites too (usable only with a PSK callback); ours
        // leaves them out, so a PSK suite is always asked for by name or alias.
        "DEFAULT" => !suite.is_psk(),
        "ECDHE" | "EECDH" | "kECDHE" | "kEECDH" => suite.kx == Some(Kx::Ecdhe),
        "PSK" | "aPSK" => suite.is_psk(),
        "kPSK" => suite.kx == Some(Kx::Psk),
        "kECDHEPSK" => suite.kx == Some(Kx::EcdhePsk),
        "aRSA" | "RSA" => suite.auth == Some(Auth::Rsa),
        "aECDSA" | "ECDSA" => suite.auth == Some(Auth::Ecdsa),
        "AESGCM" | "AES" => suite.aead != AeadAlg::ChaCha20Poly1305,
        "AES128" => suite.aead == AeadAlg::Aes128Gcm,
        "AES256" => suite.aead == AeadAlg::Aes256Gcm,
        "CHACHA20" => suite.aead == AeadAlg::ChaCha20Poly1305,
        "SHA256" => suite.hash == HashAlg::Sha256,
        "SHA384" => suite.hash == HashAlg::Sha384,
        _ => false,
    }
}

/// Parses an OpenSSL cipher list for the TLS 1.2 suites (`SSL_CTX_set_cipher_list`).
///
/// Terms are separated by `:`, `,` or spaces; `A+B` within a term means both. A plain term
/// appends its suites, `-term` removes them (they may come back), `!term` removes them for good,
/// `+term` moves them to the end; `@STRENGTH` and other `@` commands are ignored. TLS 1.3 names
/// are skipped (`SSL_CTX_set_ciphersuites` handles those). A list that selects nothing is an
/// error, not a silent default.
pub fn parse_cipher_list(list: &str) -> Result<Vec<CipherSuite>, ListError> {
    let tls12: Vec<&'static SuiteInfo> = ALL_SUITES.iter().filter(|s| !s.is_tls13()).collect();
    let mut chosen: Vec<&'static SuiteInfo> = Vec::new();
    let mut banned: Vec<&'static SuiteInfo> = Vec::new();
    for term in list
        .split([':', ',', ' ', ';'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        if term.starts_with('@') {
            continue;
        }
        let (op, body) = match term.as_bytes()[0] {
            b'!' | b'-' | b'+' => (term.as_bytes()[0], &term[1..]),
            _ => (b' ', term),
        };
        let matches = |s: &&'static SuiteInfo| {
            !body.is_empty() && body.split('+').all(|k| cipher_keyword_matches(k, s))
        };
        let selected: Vec<&'static SuiteInfo> = tls12.iter().copied().filter(matches).collect();
        match op {
            b'!' => {
                chosen.retain(|s| !selected.contains(s));
                banned.extend(selected);
            }
            b'-' => chosen.retain(|s| !selected.contains(s)),
            b'+' => {
                let (moved, kept): (Vec<_>, Vec<_>) =
                    chosen.iter().partition(|s| selected.contains(s));
                chosen = kept;
                chosen.extend(moved);
            }
            _ => {
                for s in selected {
                    if !chosen.contains(&s) && !banned.contains(&s) {
                        chosen.push(s);
                    }
                }
            }
        }
    }
    if chosen.is_empty() {
        return Err(ListError::NothingSelected {
            kind: ListKind::CipherList,
            list: list.to_string(),
        });
    }
    Ok(chosen.into_iter().map(|s| s.suite).collect())
}

/// Parses OpenSSL's `SSL_CTX_set_ciphersuites` syntax: colon-separated TLS 1.3 suite names.
/// Unknown names (and TLS 1.2 names) are skipped like OpenSSL does; duplicates are kept once.
/// As in OpenSSL, the empty string is valid and means no TLS 1.3 suites, while a non-empty string
/// that names none of ours is an error.
pub fn parse_tls13_suites(list: &str) -> Result<Vec<CipherSuite>, ListError> {
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for name in list.split(':').filter(|n| !n.is_empty()) {
        if let Some(info) = crate::suites::by_openssl_name(name).filter(|i| i.is_tls13()) {
            if !out.contains(&info.suite) {
                out.push(info.suite);
            }
        }
    }
    if out.is_empty() {
        return Err(ListError::NothingSelected {
            kind: ListKind::Tls13Suites,
            list: list.to_string(),
        });
    }
    Ok(out)
}

/// Parses an OpenSSL signature algorithms list (`SSL_CTX_set1_sigalgs_list`): `:`-separated
/// TLS 1.3 names (`rsa_pss_rsae_sha256`, `ed25519`) or `SIG+HASH` pairs (`ECDSA+SHA256`,
/// `RSA-PSS+SHA384`, `RSA+SHA512`). Unknown names, duplicates and an empty result are
/// errors; known schemes libtls does not implement (SHA-1, Ed448, RSA-PSS keys, DSA) are
/// skipped.
pub fn parse_sigalgs(list: &str) -> Result<Vec<SignatureScheme>, ListError> {
    let kind = ListKind::SignatureAlgorithms;
    let mut out = Vec::new();
    for name in list.split(':').map(str::trim).filter(|s| !s.is_empty()) {
        let scheme = scheme_by_name(name).ok_or_else(|| ListError::UnknownName {
            kind,
            name: name.to_string(),
        })?;
        if out.contains(&scheme) {
            return Err(ListError::Repeated {
                kind,
                name: name.to_string(),
            });
        }
        out.push(scheme);
    }
    let supported = crate::crypto::sign::supported_verify_schemes(false);
    let usable: Vec<SignatureScheme> = out
        .iter()
        .copied()
        .filter(|s| supported.contains(s))
        .collect();
    if usable.is_empty() {
        return Err(ListError::NothingSelected {
            kind,
            list: list.to_string(),
        });
    }
    Ok(usable)
}

/// Parses an OpenSSL groups list ("X25519:P-256:X25519MLKEM768"); unknown names are an error.
/// Names of groups OpenSSL knows and libtls does not implement (X448, P-521, FFDHE, ...)
/// are skipped, as long as one group remains: programs name them in their defaults
/// (stunnel's "X25519:P-256:X448:P-521:P-384"), which are preference lists.
pub fn parse_groups(list: &str) -> Result<Vec<NamedGroup>, ListError> {
    let kind = ListKind::Groups;
    let mut out = Vec::new();
    for name in list.split(':').map(str::trim).filter(|s| !s.is_empty()) {
        if is_unimplemented_openssl_group(name) {
            continue;
        }
        let g = group_by_name(name).ok_or_else(|| ListError::UnknownName {
            kind,
            name: name.to_string(),
        })?;
        if !out.contains(&g) {
            out.push(g);
        }
    }
    if out.is_empty() {
        return Err(ListError::NothingSelected {
            kind,
            list: list.to_string(),
        });
    }
    Ok(out)
}

/// OpenSSL's names of key exchange groups libtls does not implement.
fn is_unimplemented_openssl_group(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "x448"
            | "p-521"
            | "secp521r1"
            | "p-224"
            | "secp224r1"
            | "secp256k1"
            | "ffdhe2048"
            | "ffdhe3072"
            | "ffdhe4096"
            | "ffdhe6144"
            | "ffdhe8192"
    ) || n.starts_with("brainpoolp")
}

/// OpenSSL's names for the groups we implement (and their aliases).
pub fn group_by_name(name: &str) -> Option<NamedGroup> {
    let n = name.to_ascii_lowercase();
    Some(match n.as_str() {
        "x25519" => NamedGroup::X25519,
        "p-256" | "secp256r1" | "prime256v1" => NamedGroup::SECP256R1,
        "p-384" | "secp384r1" => NamedGroup::SECP384R1,
        "x25519mlkem768" => NamedGroup::X25519_MLKEM768,
        _ => return None,
    })
}

/// A signature scheme by its TLS 1.3 name or OpenSSL's `SIG+HASH` form.
pub fn scheme_by_name(name: &str) -> Option<SignatureScheme> {
    use SignatureScheme as S;
    if let Some((sig, hash)) = name.split_once('+') {
        let hash = hash.to_ascii_uppercase();
        return Some(match (sig.to_ascii_uppercase().as_str(), hash.as_str()) {
            ("RSA", "SHA1") => S::RSA_PKCS1_SHA1,
            ("RSA", "SHA256") => S::RSA_PKCS1_SHA256,
            ("RSA", "SHA384") => S::RSA_PKCS1_SHA384,
            ("RSA", "SHA512") => S::RSA_PKCS1_SHA512,
            ("RSA-PSS" | "PSS", "SHA256") => S::RSA_PSS_RSAE_SHA256,
            ("RSA-PSS" | "PSS", "SHA384") => S::RSA_PSS_RSAE_SHA384,
            ("RSA-PSS" | "PSS", "SHA512") => S::RSA_PSS_RSAE_SHA512,
            ("ECDSA", "SHA1") => S::ECDSA_SHA1,
            ("ECDSA", "SHA256") => S::ECDSA_NISTP256_SHA256,
            ("ECDSA", "SHA384") => S::ECDSA_NISTP384_SHA384,
            ("ECDSA", "SHA512") => S::ECDSA_NISTP521_SHA512,
            _ => return None,
        });
    }
    let lower = name.to_ascii_lowercase();
    [
        S::RSA_PKCS1_SHA1,
        S::ECDSA_SHA1,
        S::RSA_PKCS1_SHA256,
        S::RSA_PKCS1_SHA384,
        S::RSA_PKCS1_SHA512,
        S::ECDSA_NISTP256_SHA256,
        S::ECDSA_NISTP384_SHA384,
        S::ECDSA_NISTP521_SHA512,
        S::RSA_PSS_RSAE_SHA256,
        S::RSA_PSS_RSAE_SHA384,
        S::RSA_PSS_RSAE_SHA512,
        S::ED25519,
        S::ED448,
        S::RSA_PSS_PSS_SHA256,
        S::RSA_PSS_PSS_SHA384,
        S::RSA_PSS_PSS_SHA512,
    ]
    .into_iter()
    .find(|s| s.name() == Some(lower.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cipher_list_syntax() {
        assert_eq!(
            parse_cipher_list("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305").unwrap(),
            vec![
                CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            ]
        );
        // As in OpenSSL, HIGH and ALL hold the PSK suites; unlike OpenSSL, DEFAULT does not.
        assert_eq!(parse_cipher_list("HIGH:!aNULL").unwrap().len(), 12);
        assert_eq!(parse_cipher_list("DEFAULT").unwrap().len(), 6);
        assert_eq!(parse_cipher_list("ALL:@STRENGTH").unwrap().len(), 12);
        assert_eq!(parse_cipher_list("ECDHE+AESGCM").unwrap().len(), 4);
        assert_eq!(parse_cipher_list("PSK").unwrap().len(), 6);
        assert_eq!(parse_cipher_list("aPSK").unwrap().len(), 6);
        assert_eq!(
            parse_cipher_list("kPSK+AES128").unwrap(),
            vec![CipherSuite::TLS_PSK_WITH_AES_128_GCM_SHA256]
        );
        assert_eq!(
            parse_cipher_list("kECDHEPSK+CHACHA20").unwrap(),
            vec![CipherSuite::TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256]
        );
        assert_eq!(
            parse_cipher_list("PSK-AES256-GCM-SHA384:ECDHE-PSK-AES128-GCM-SHA256").unwrap(),
            vec![
                CipherSuite::TLS_PSK_WITH_AES_256_GCM_SHA384,
                CipherSuite::TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256
            ]
        );
        assert_eq!(parse_cipher_list("DEFAULT:PSK").unwrap().len(), 12);
        assert!(parse_cipher_list("kECDHE:!PSK")
            .unwrap()
            .iter()
            .all(|s| !crate::suites::lookup(*s).unwrap().is_psk()));
        let no_rsa = parse_cipher_list("ALL:!PSK:!aRSA:aRSA").unwrap();
        assert_eq!(no_rsa.len(), 3, "! is permanent");
        let rsa_back = parse_cipher_list("ALL:!PSK:-aRSA:aRSA").unwrap();
        assert_eq!(rsa_back.len(), 6, "- is not");
        assert_eq!(
            rsa_back[3],
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            "re-added at the end"
        );
        let chacha_last = parse_cipher_list("DEFAULT:+CHACHA20").unwrap();
        assert_eq!(
            chacha_last[4..],
            [
                CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
                CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            ]
        );
        // Unknown names are skipped; a list that selects nothing is an error.
        assert_eq!(
            parse_cipher_list("BOGUS:ECDHE-RSA-AES256-GCM-SHA384")
                .unwrap()
                .len(),
            1
        );
        for nothing in [
            "",
            "AES128-SHA",
            "RC4:3DES",
            "TLS_AES_128_GCM_SHA256",
            "ALL:!ALL",
            "!",
        ] {
            assert!(parse_cipher_list(nothing).is_err(), "{nothing:?}");
        }
    }

    #[test]
    fn parse_suite_lists() {
        assert_eq!(
            parse_tls13_suites("TLS_AES_128_GCM_SHA256").unwrap(),
            vec![CipherSuite::TLS13_AES_128_GCM_SHA256]
        );
        assert_eq!(
            parse_tls13_suites(
                "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_256_GCM_SHA384"
            )
            .unwrap(),
            vec![
                CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
                CipherSuite::TLS13_AES_256_GCM_SHA384
            ]
        );
        assert_eq!(
            parse_tls13_suites("TLS_AES_128_GCM_SHA256:TLS_AES_128_GCM_SHA256:").unwrap(),
            vec![CipherSuite::TLS13_AES_128_GCM_SHA256]
        );
        assert_eq!(parse_tls13_suites("").unwrap(), vec![]);
        for bad in [
            "TLS_AES_128_CCM_8_SHA256",
            "ECDHE-RSA-AES128-GCM-SHA256",
            "junk",
            ":",
        ] {
            let e = parse_tls13_suites(bad).unwrap_err();
            assert_eq!(
                e,
                ListError::NothingSelected {
                    kind: ListKind::Tls13Suites,
                    list: bad.to_string()
                },
                "{bad}"
            );
        }
    }

    #[test]
    fn groups_list_parsing() {
        assert_eq!(
            parse_groups("X25519:P-256").unwrap(),
            vec![NamedGroup::X25519, NamedGroup::SECP256R1]
        );
        assert!(parse_groups("X25519:bogus").is_err());
        assert!(parse_groups("").is_err());
    }

    /// Regression (issue 19): stunnel's default "X25519:P-256:X448:P-521:P-384" was refused
    /// as a whole (X448 and P-521 are not implemented), so stunnel could not start. Known names
    /// of unimplemented groups are skipped; unknown names are still an error, and so is a
    /// list naming no group libtls implements.
    #[test]
    fn groups_lists_skip_openssl_groups_libtls_lacks() {
        assert_eq!(
            parse_groups("X25519:P-256:X448:P-521:P-384").unwrap(),
            vec![
                NamedGroup::X25519,
                NamedGroup::SECP256R1,
                NamedGroup::SECP384R1
            ]
        );
        assert!(parse_groups("X448:ffdhe2048").is_err());
        assert!(parse_groups("X25519:X449").is_err());
    }

    #[test]
    fn sigalgs_list_parsing() {
        use SignatureScheme as S;
        assert_eq!(
            parse_sigalgs(
                "ECDSA+SHA256:RSA-PSS+SHA256:ed25519:rsa_pss_rsae_sha384:RSA+SHA512:PSS+SHA512"
            )
            .unwrap(),
            vec![
                S::ECDSA_NISTP256_SHA256,
                S::RSA_PSS_RSAE_SHA256,
                S::ED25519,
                S::RSA_PSS_RSAE_SHA384,
                S::RSA_PKCS1_SHA512,
                S::RSA_PSS_RSAE_SHA512,
            ]
        );
        assert_eq!(
            parse_sigalgs("ecdsa_secp384r1_sha384").unwrap(),
            vec![S::ECDSA_NISTP384_SHA384]
        );
        // Known but not implemented: skipped, as long as something is left.
        assert_eq!(
            parse_sigalgs("RSA+SHA1:ed448:ed25519").unwrap(),
            vec![S::ED25519]
        );
        for bad in [
            "",
            ":",
            "bogus",
            "ECDSA+MD5",
            "ed25519:bogus",
            "ed25519:ed25519",
            "RSA+SHA1",
            "ed448",
        ] {
            assert!(parse_sigalgs(bad).is_err(), "{bad:?}");
        }
    }
}
