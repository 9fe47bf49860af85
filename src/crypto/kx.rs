//! Key exchange: the (EC)DHE groups and the ML-KEM hybrids (draft-ietf-tls-ecdhe-mlkem).
//!
//! TLS 1.3: the client sends [`KeyShare::public_bytes`] in its key_share, the server answers with
//! [`respond`], and the client finishes with [`KeyShare::complete`].
//!
//! TLS 1.2 ECDHE runs the other way round with the same calls: the server sends a
//! [`KeyShare`]'s public bytes in its ServerKeyExchange, the client answers with [`respond`]
//! (whose first result goes in its ClientKeyExchange), and the server calls
//! [`KeyShare::complete`] on it. Hybrid groups are TLS 1.3 only ([`usable_in_tls12`]).
//!
//! Every peer share is checked for length and encoding (EC points uncompressed, `0x04` prefix),
//! and every failure of the peer's data is `illegal_parameter` with `BAD_KEY_SHARE`.

use super::secret::Secret;
use crate::error::{Error, Reason, Result};
use crate::msgs::enums::NamedGroup;
use aws_lc_rs::{agreement, kem};

/// Every group we implement, in our default order of preference.
pub static SUPPORTED_GROUPS: &[NamedGroup] = &[
    NamedGroup::X25519_MLKEM768,
    NamedGroup::X25519,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
    NamedGroup::SECP256R1_MLKEM768,
    NamedGroup::SECP384R1_MLKEM1024,
];

/// The groups offered when the application configures none (OpenSSL 3.5's default minus the
/// groups we lack: X25519MLKEM768, X25519, secp256r1, secp384r1).
pub static DEFAULT_GROUPS: &[NamedGroup] = &[
    NamedGroup::X25519_MLKEM768,
    NamedGroup::X25519,
    NamedGroup::SECP256R1,
    NamedGroup::SECP384R1,
];

pub fn is_supported(group: NamedGroup) -> bool {
    kind(group).is_some()
}

/// A post-quantum hybrid group (TLS 1.3 only).
pub fn is_hybrid(group: NamedGroup) -> bool {
    matches!(kind(group), Some(Kind::Hybrid(_)))
}

/// A plain ECDHE group, usable for TLS 1.2's ECDHE suites.
pub fn usable_in_tls12(group: NamedGroup) -> bool {
    matches!(kind(group), Some(Kind::Ecdh(_)))
}

#[derive(Clone, Copy)]
struct Hybrid {
    ecdh: &'static agreement::Algorithm,
    kem: &'static kem::Algorithm,
    /// ML-KEM encapsulation key length; the ciphertext length is `kem_ct_len`.
    kem_ek_len: usize,
    kem_ct_len: usize,
    /// The ECDH part comes first in shares and in the shared secret (SecP*MLKEM*); X25519MLKEM768
    /// puts ML-KEM first "for historical reasons".
    ecdh_first: bool,
}

#[derive(Clone, Copy)]
enum Kind {
    Ecdh(&'static agreement::Algorithm),
    Hybrid(Hybrid),
}

fn kind(group: NamedGroup) -> Option<Kind> {
    Some(match group {
        NamedGroup::X25519 => Kind::Ecdh(&agreement::X25519),
        NamedGroup::SECP256R1 => Kind::Ecdh(&agreement::ECDH_P256),
        NamedGroup::SECP384R1 => Kind::Ecdh(&agreement::ECDH_P384),
        NamedGroup::X25519_MLKEM768 => Kind::Hybrid(Hybrid {
            ecdh: &agreement::X25519,
            kem: &kem::ML_KEM_768,
            kem_ek_len: 1184,
            kem_ct_len: 1088,
            ecdh_first: false,
        }),
        NamedGroup::SECP256R1_MLKEM768 => Kind::Hybrid(Hybrid {
            ecdh: &agreement::ECDH_P256,
            kem: &kem::ML_KEM_768,
            kem_ek_len: 1184,
            kem_ct_len: 1088,
            ecdh_first: true,
        }),
        NamedGroup::SECP384R1_MLKEM1024 => Kind::Hybrid(Hybrid {
            ecdh: &agreement::ECDH_P384,
            kem: &kem::ML_KEM_1024,
            kem_ek_len: 1568,
            kem_ct_len: 1568,
            ecdh_first: true,
        }),
        _ => return None,
    })
}

fn bad_share(group: NamedGroup, detail: impl std::fmt::Display) -> Error {
    Error::illegal(
        Reason::BAD_KEY_SHARE,
        format!("{group} key share: {detail}"),
    )
}

fn unsupported(group: NamedGroup) -> Error {
    Error::illegal(
        Reason::WRONG_CURVE,
        format!("group {group} is not supported"),
    )
}

fn rng_failure(what: &str) -> Error {
    Error::internal(format!("{what} key generation failed"))
}

/// Encoded public-value length of an ECDH group (RFC 8446 4.2.8.2).
fn ecdh_share_len(alg: &'static agreement::Algorithm) -> usize {
    if alg == &agreement::X25519 {
        32
    } else if alg == &agreement::ECDH_P256 {
        65
    } else {
        97
    }
}

/// Length and encoding of an ECDH share; the point itself is validated by the agreement.
fn check_ecdh_share(
    group: NamedGroup,
    alg: &'static agreement::Algorithm,
    share: &[u8],
) -> Result<()> {
    let want = ecdh_share_len(alg);
    if share.len() != want {
        return Err(bad_share(
            group,
            format!("ECDH part is {} bytes, expected {want}", share.len()),
        ));
    }
    if alg != &agreement::X25519 && share[0] != 0x04 {
        return Err(bad_share(
            group,
            format!(
                "EC point form 0x{:02x}, only uncompressed (0x04) is allowed",
                share[0]
            ),
        ));
    }
    Ok(())
}

fn ecdh_agree(group: NamedGroup, ours: &agreement::PrivateKey, peer: &[u8]) -> Result<Secret> {
    let alg = ours.algorithm();
    check_ecdh_share(group, alg, peer)?;
    // The error is built only on failure: formatting it for every agreement cost an
    // allocation per handshake.
    let secret = agreement::agree(
        ours,
        agreement::UnparsedPublicKey::new(alg, peer),
        (),
        |ss| Ok(Secret::from_slice(ss)),
    )
    .map_err(|()| bad_share(group, "invalid public value"))?;
    // RFC 8446 7.4.2: an all-zero X25519 result means the peer sent a low-order point.
    if alg == &agreement::X25519 && secret.iter().all(|&b| b == 0) {
        return Err(bad_share(group, "X25519 shared secret is all zero"));
    }
    Ok(secret)
}

fn ecdh_generate(
    group: NamedGroup,
    alg: &'static agreement::Algorithm,
) -> Result<(agreement::PrivateKey, Vec<u8>)> {
    #[cfg(any(test, fuzzing))]
    let key = if super::rand::deterministic() {
        let scalar_len = if alg == &agreement::ECDH_P384 { 48 } else { 32 };
        agreement::PrivateKey::from_private_key(alg, &super::rand::fixed_private_key(scalar_len))
            .map_err(|_| rng_failure("ECDH"))?
    } else {
        agreement::PrivateKey::generate(alg).map_err(|_| rng_failure("ECDH"))?
    };
    #[cfg(not(any(test, fuzzing)))]
    let key = agreement::PrivateKey::generate(alg).map_err(|_| rng_failure("ECDH"))?;
    let public = key
        .compute_public_key()
        .map_err(|_| rng_failure("ECDH"))?
        .as_ref()
        .to_vec();
    debug_assert_eq!(public.len(), ecdh_share_len(alg), "{group}");
    Ok((key, public))
}

/// FIPS 203 7.2 "modulus check" of an encapsulation key: every 12-bit coefficient of the
/// encoded vector (all but the final 32-byte seed) is below q = 3329.
fn mlkem_ek_modulus_ok(ek: &[u8]) -> bool {
    if ek.len() < 32 || (ek.len() - 32) % 384 != 0 {
        return false;
    }
    ek[..ek.len() - 32].chunks_exact(3).all(|c| {
        let d1 = u16::from(c[0]) | (u16::from(c[1] & 0x0f) << 8);
        let d2 = u16::from(c[1] >> 4) | (u16::from(c[2]) << 4);
        d1 < 3329 && d2 < 3329
    })
}

/// Splits a hybrid share into (ECDH part, ML-KEM part), checking the total length.
fn split_hybrid<'a>(
    group: NamedGroup,
    h: &Hybrid,
    share: &'a [u8],
    kem_len: usize,
) -> Result<(&'a [u8], &'a [u8])> {
    let ecdh_len = ecdh_share_len(h.ecdh);
    if share.len() != ecdh_len + kem_len {
        return Err(bad_share(
            group,
            format!("{} bytes, expected {}", share.len(), ecdh_len + kem_len),
        ));
    }
    Ok(if h.ecdh_first {
        share.split_at(ecdh_len)
    } else {
        let (k, e) = share.split_at(kem_len);
        (e, k)
    })
}

fn join_hybrid(h: &Hybrid, ecdh: &[u8], kem: &[u8]) -> Vec<u8> {
    let (a, b) = if h.ecdh_first {
        (ecdh, kem)
    } else {
        (kem, ecdh)
    };
    let mut v = Vec::with_capacity(a.len() + b.len());
    v.extend_from_slice(a);
    v.extend_from_slice(b);
    v
}

enum Inner {
    Ecdh(agreement::PrivateKey),
    Hybrid {
        h: Hybrid,
        ecdh: agreement::PrivateKey,
        kem: kem::DecapsulationKey,
    },
}

/// Our ephemeral key for one group, waiting for the peer's share.
pub struct KeyShare {
    group: NamedGroup,
    public: Vec<u8>,
    inner: Inner,
}

impl std::fmt::Debug for KeyShare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "KeyShare({}, {} public bytes)",
            self.group,
            self.public.len()
        )
    }
}

impl KeyShare {
    /// A fresh key pair. An unsupported group is `illegal_parameter` (a HelloRetryRequest
    /// naming a group we did not offer).
    pub fn generate(group: NamedGroup) -> Result<Self> {
        match kind(group).ok_or_else(|| unsupported(group))? {
            Kind::Ecdh(alg) => {
                let (key, public) = ecdh_generate(group, alg)?;
                Ok(KeyShare {
                    group,
                    public,
                    inner: Inner::Ecdh(key),
                })
            }
            Kind::Hybrid(h) => {
                let dk =
                    kem::DecapsulationKey::generate(h.kem).map_err(|_| rng_failure("ML-KEM"))?;
                let ek = dk
                    .encapsulation_key()
                    .and_then(|ek| ek.key_bytes())
                    .map_err(|_| rng_failure("ML-KEM"))?;
                let (ecdh, ecdh_pub) = ecdh_generate(group, h.ecdh)?;
                Ok(KeyShare {
                    group,
                    public: join_hybrid(&h, &ecdh_pub, ek.as_ref()),
                    inner: Inner::Hybrid { h, ecdh, kem: dk },
                })
            }
        }
    }

    #[cfg(test)]
    fn from_ecdh_private(group: NamedGroup, key: agreement::PrivateKey) -> Self {
        let public = key.compute_public_key().unwrap().as_ref().to_vec();
        KeyShare {
            group,
            public,
            inner: Inner::Ecdh(key),
        }
    }

    pub fn group(&self) -> NamedGroup {
        self.group
    }

    /// The key_exchange bytes to send.
    pub fn public_bytes(&self) -> &[u8] {
        &self.public
    }

    /// The shared secret from the peer's share (the server's, in TLS 1.3).
    pub fn complete(self, peer_share: &[u8]) -> Result<Secret> {
        let group = self.group;
        match self.inner {
            Inner::Ecdh(key) => ecdh_agree(group, &key, peer_share),
            Inner::Hybrid { h, ecdh, kem } => {
                let (ecdh_part, ct) = split_hybrid(group, &h, peer_share, h.kem_ct_len)?;
                let kem_ss = kem.decapsulate(kem::Ciphertext::from(ct)).map_err(|_| {
                    Error::internal(format!("{group}: ML-KEM decapsulation failed"))
                })?;
                let ecdh_ss = ecdh_agree(group, &ecdh, ecdh_part)?;
                Ok(Secret::new(join_hybrid(&h, &ecdh_ss, kem_ss.as_ref())))
            }
        }
    }
}

/// The answering side: from the peer's share, our share to send back and the shared secret.
/// (TLS 1.3 server; TLS 1.2 client answering the ServerKeyExchange.)
pub fn respond(group: NamedGroup, client_share: &[u8]) -> Result<(Vec<u8>, Secret)> {
    match kind(group).ok_or_else(|| unsupported(group))? {
        Kind::Ecdh(alg) => {
            // Check the peer's share before spending a key generation on it.
            check_ecdh_share(group, alg, client_share)?;
            let (key, public) = ecdh_generate(group, alg)?;
            let secret = ecdh_agree(group, &key, client_share)?;
            Ok((public, secret))
        }
        Kind::Hybrid(h) => {
            let (ecdh_part, ek) = split_hybrid(group, &h, client_share, h.kem_ek_len)?;
            check_ecdh_share(group, h.ecdh, ecdh_part)?;
            if !mlkem_ek_modulus_ok(ek) {
                return Err(bad_share(
                    group,
                    "ML-KEM encapsulation key fails the modulus check",
                ));
            }
            let ek = kem::EncapsulationKey::new(h.kem, ek)
                .map_err(|_| bad_share(group, "ML-KEM encapsulation key rejected"))?;
            let (ct, kem_ss) = ek
                .encapsulate()
                .map_err(|_| Error::internal(format!("{group}: ML-KEM encapsulation failed")))?;
            let (key, ecdh_pub) = ecdh_generate(group, h.ecdh)?;
            let ecdh_ss = ecdh_agree(group, &key, ecdh_part)?;
            Ok((
                join_hybrid(&h, &ecdh_pub, ct.as_ref()),
                Secret::new(join_hybrid(&h, &ecdh_ss, kem_ss.as_ref())),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::rfc8448::*;
    use crate::crypto::test_util::hex;
    use crate::msgs::enums::AlertDescription;

    fn expected_sizes(g: NamedGroup) -> (usize, usize, usize) {
        // (client share, server share, shared secret)
        match g {
            NamedGroup::X25519 => (32, 32, 32),
            NamedGroup::SECP256R1 => (65, 65, 32),
            NamedGroup::SECP384R1 => (97, 97, 48),
            NamedGroup::X25519_MLKEM768 => (1216, 1120, 64),
            NamedGroup::SECP256R1_MLKEM768 => (1249, 1153, 64),
            NamedGroup::SECP384R1_MLKEM1024 => (1665, 1665, 80),
            _ => unreachable!(),
        }
    }

    fn assert_bad_share(r: Result<impl std::fmt::Debug>) {
        let e = r.expect_err("share should be rejected");
        assert_eq!(e.alert, Some(AlertDescription::ILLEGAL_PARAMETER), "{e:?}");
        assert_eq!(e.reason, Reason::BAD_KEY_SHARE, "{e:?}");
    }

    #[test]
    fn support_table() {
        for g in SUPPORTED_GROUPS {
            assert!(is_supported(*g));
        }
        for g in DEFAULT_GROUPS {
            assert!(SUPPORTED_GROUPS.contains(g));
        }
        assert!(!is_supported(NamedGroup::X448));
        assert!(!is_supported(NamedGroup::FFDHE2048));
        assert!(!is_supported(NamedGroup(0x0a0a)));
        assert!(usable_in_tls12(NamedGroup::SECP384R1));
        assert!(!usable_in_tls12(NamedGroup::X25519_MLKEM768));
        assert!(is_hybrid(NamedGroup::X25519_MLKEM768));
        assert!(!is_hybrid(NamedGroup::X25519));
        let e = KeyShare::generate(NamedGroup::X448).unwrap_err();
        assert_eq!(e.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
        assert!(respond(NamedGroup::SECP521R1, &[4; 133]).is_err());
    }

    #[test]
    fn client_and_server_agree_for_every_group() {
        for &g in SUPPORTED_GROUPS {
            let (cl, sl, ssl) = expected_sizes(g);
            let client = KeyShare::generate(g).unwrap();
            assert_eq!(client.group(), g);
            assert_eq!(client.public_bytes().len(), cl, "{g}");
            let (server_share, server_secret) = respond(g, client.public_bytes()).unwrap();
            assert_eq!(server_share.len(), sl, "{g}");
            assert_eq!(server_secret.len(), ssl, "{g}");
            let client_secret = client.complete(&server_share).unwrap();
            assert_eq!(client_secret, server_secret, "{g}");
        }
    }

    #[test]
    fn ec_shares_are_uncompressed_points() {
        for g in [NamedGroup::SECP256R1, NamedGroup::SECP384R1] {
            let k = KeyShare::generate(g).unwrap();
            assert_eq!(k.public_bytes()[0], 0x04);
        }
        // SecP256r1MLKEM768: the EC point comes first; X25519MLKEM768: the ML-KEM key first.
        let k = KeyShare::generate(NamedGroup::SECP256R1_MLKEM768).unwrap();
        assert_eq!(k.public_bytes()[0], 0x04);
    }

    #[test]
    fn hybrid_share_and_secret_layout() {
        // (group, ECDH length, ECDH secret length, ML-KEM ciphertext length)
        for (g, ecdh_len, ecdh_ss_len, ct_len) in [
            (NamedGroup::X25519_MLKEM768, 32, 32, 1088),
            (NamedGroup::SECP256R1_MLKEM768, 65, 32, 1088),
            (NamedGroup::SECP384R1_MLKEM1024, 97, 48, 1568),
        ] {
            let client = KeyShare::generate(g).unwrap();
            let (server_share, secret) = respond(g, client.public_bytes()).unwrap();
            assert_eq!(server_share.len(), ecdh_len + ct_len);
            let Inner::Hybrid { ecdh, .. } = &client.inner else {
                panic!("not hybrid")
            };
            let ecdh_first = g != NamedGroup::X25519_MLKEM768;
            let server_ecdh = if ecdh_first {
                &server_share[..ecdh_len]
            } else {
                &server_share[ct_len..]
            };
            let ecdh_ss = ecdh_agree(g, ecdh, server_ecdh).unwrap();
            assert_eq!(ecdh_ss.len(), ecdh_ss_len);
            if ecdh_first {
                assert_eq!(&secret[..ecdh_ss_len], &ecdh_ss[..], "{g}");
            } else {
                assert_eq!(&secret[32..], &ecdh_ss[..], "{g}");
            }
            assert_eq!(client.complete(&server_share).unwrap(), secret);
        }
    }

    #[test]
    fn rfc8448_x25519_shared_secret() {
        let key = agreement::PrivateKey::from_private_key(&agreement::X25519, &hex(S3_CLIENT_PRIV))
            .unwrap();
        let ks = KeyShare::from_ecdh_private(NamedGroup::X25519, key);
        assert_eq!(ks.public_bytes(), &hex(S3_CLIENT_PUB)[..]);
        let secret = ks.complete(&hex(S3_SERVER_PUB)).unwrap();
        assert_eq!(&secret[..], &hex(S3_ECDHE)[..]);
    }

    #[test]
    fn bad_lengths_rejected() {
        for &g in SUPPORTED_GROUPS {
            let client = KeyShare::generate(g).unwrap();
            let share = client.public_bytes().to_vec();
            assert_bad_share(respond(g, &[]));
            assert_bad_share(respond(g, &share[..share.len() - 1]));
            let mut long = share.clone();
            long.push(0);
            assert_bad_share(respond(g, &long));

            let (server_share, _) = respond(g, &share).unwrap();
            assert_bad_share(KeyShare::generate(g).unwrap().complete(&[]));
            assert_bad_share(
                KeyShare::generate(g)
                    .unwrap()
                    .complete(&server_share[..server_share.len() - 1]),
            );
            let mut long = server_share.clone();
            long.push(0);
            assert_bad_share(client.complete(&long));
        }
    }

    #[test]
    fn bad_points_rejected() {
        let p256 = KeyShare::generate(NamedGroup::SECP256R1).unwrap();
        let good = p256.public_bytes().to_vec();
        // Compressed form (0x02/0x03, 33 bytes) is not allowed in TLS 1.3.
        let mut compressed = vec![0x02 | (good[64] & 1)];
        compressed.extend_from_slice(&good[1..33]);
        assert_bad_share(respond(NamedGroup::SECP256R1, &compressed));
        // Right length, wrong form byte.
        let mut wrong_form = good.clone();
        wrong_form[0] = 0x05;
        assert_bad_share(respond(NamedGroup::SECP256R1, &wrong_form));
        // Not on the curve.
        let mut off_curve = good.clone();
        off_curve[64] ^= 1;
        assert_bad_share(respond(NamedGroup::SECP256R1, &off_curve));
        assert_bad_share(respond(NamedGroup::SECP384R1, &[4u8; 97]));
        // A P-256 point offered for P-384 has the wrong length.
        assert_bad_share(respond(NamedGroup::SECP384R1, &good));
        // X25519 low-order point (zero): the all-zero result is refused.
        assert_bad_share(respond(NamedGroup::X25519, &[0u8; 32]));
        assert_bad_share(
            KeyShare::generate(NamedGroup::X25519)
                .unwrap()
                .complete(&[0u8; 32]),
        );
        let mut one = [0u8; 32];
        one[0] = 1;
        assert_bad_share(respond(NamedGroup::X25519, &one));
    }

    #[test]
    fn corrupted_mlkem_shares_do_not_panic() {
        let g = NamedGroup::X25519_MLKEM768;
        let client = KeyShare::generate(g).unwrap();
        let share = client.public_bytes().to_vec();

        // Encapsulation key with a coefficient >= q: the modulus check refuses it.
        let mut bad_ek = share.clone();
        bad_ek[0] = 0xff;
        bad_ek[1] = 0xff;
        assert_bad_share(respond(g, &bad_ek));
        assert!(!mlkem_ek_modulus_ok(&bad_ek[..1184]));
        assert!(mlkem_ek_modulus_ok(&share[..1184]));
        // Flipped bits that stay in range are accepted (nothing can detect them) and give a
        // secret the client does not share.
        let mut flipped = share.clone();
        flipped[100] ^= 0x01;
        let _ = respond(g, &flipped);
        let all_ff = vec![0xffu8; share.len()];
        assert!(respond(g, &all_ff).is_err());

        // A corrupted ciphertext: ML-KEM's implicit rejection yields an unrelated secret.
        let (mut server_share, server_secret) = respond(g, &share).unwrap();
        server_share[10] ^= 0x80;
        let client_secret = client.complete(&server_share).unwrap();
        assert_ne!(client_secret, server_secret);
        assert_eq!(client_secret.len(), 64);
        // Garbage of the right length does not panic either.
        let garbage = vec![0xa5u8; 1120];
        let r = KeyShare::generate(g).unwrap().complete(&garbage);
        // The X25519 half of the garbage is a valid-length value; either outcome is fine as long
        // as nothing panics.
        let _ = r;
    }
}
