//! TLS 1.2 key derivation: the PRF (RFC 5246 5) and what is built on it — master secret
//! (with RFC 7627's extended master secret), key block, Finished verify_data, and RFC 5705
//! keying-material export.

use super::aead::AeadAlg;
use super::hash::HashAlg;
use super::secret::Secret;
use crate::error::{Error, Result};
use aws_lc_rs::tls_prf;

/// PRF(secret, label, seed) with the suite's hash, `len` bytes.
pub fn prf(alg: HashAlg, secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Result<Secret> {
    let p = match alg {
        HashAlg::Sha256 => &tls_prf::P_SHA256,
        HashAlg::Sha384 => &tls_prf::P_SHA384,
    };
    let failed = || Error::internal(format!("TLS 1.2 PRF ({alg:?}) failed"));
    let out = tls_prf::Secret::new(p, secret)
        .and_then(|s| s.derive(label, seed, len))
        .map_err(|_| failed())?;
    Ok(Secret::from_slice(out.as_ref()))
}

fn concat(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(a.len() + b.len());
    v.extend_from_slice(a);
    v.extend_from_slice(b);
    v
}

/// master_secret = PRF(pre_master_secret, "master secret", client_random + server_random)[0..48].
pub fn master_secret(
    alg: HashAlg,
    pre_master_secret: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Result<Secret> {
    prf(
        alg,
        pre_master_secret,
        b"master secret",
        &concat(client_random, server_random),
        48,
    )
}

/// RFC 7627: PRF(pre_master_secret, "extended master secret", session_hash)[0..48], where
/// session_hash is the transcript hash through the ClientKeyExchange.
pub fn extended_master_secret(
    alg: HashAlg,
    pre_master_secret: &[u8],
    session_hash: &[u8],
) -> Result<Secret> {
    prf(
        alg,
        pre_master_secret,
        b"extended master secret",
        session_hash,
        48,
    )
}

/// Record keys of an AEAD suite (no MAC keys). For AES-GCM the IVs are the 4-byte implicit
/// salts; for ChaCha20-Poly1305 they are 12-byte IVs used like TLS 1.3's.
pub struct Tls12Keys {
    pub client_write_key: Secret,
    pub server_write_key: Secret,
    pub client_write_iv: Vec<u8>,
    pub server_write_iv: Vec<u8>,
}

impl std::fmt::Debug for Tls12Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tls12Keys(..)")
    }
}

/// The fixed IV length of a TLS 1.2 AEAD suite (RFC 5288: 4; RFC 7905: 12).
pub fn fixed_iv_len(aead: AeadAlg) -> usize {
    match aead {
        AeadAlg::ChaCha20Poly1305 => 12,
        AeadAlg::Aes128Gcm | AeadAlg::Aes256Gcm => 4,
    }
}

/// key_block = PRF(master_secret, "key expansion", server_random + client_random), split into
/// client_write_key, server_write_key, client_write_IV, server_write_IV.
pub fn key_block(
    alg: HashAlg,
    aead: AeadAlg,
    master_secret: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Result<Tls12Keys> {
    let kl = aead.key_len();
    let il = fixed_iv_len(aead);
    let block = prf(
        alg,
        master_secret,
        b"key expansion",
        &concat(server_random, client_random),
        2 * kl + 2 * il,
    )?;
    Ok(Tls12Keys {
        client_write_key: Secret::from_slice(&block[..kl]),
        server_write_key: Secret::from_slice(&block[kl..2 * kl]),
        client_write_iv: block[2 * kl..2 * kl + il].to_vec(),
        server_write_iv: block[2 * kl + il..].to_vec(),
    })
}

/// verify_data = PRF(master_secret, "client finished"/"server finished",
/// Hash(handshake_messages))[0..12].
pub fn finished_verify_data(
    alg: HashAlg,
    master_secret: &[u8],
    client: bool,
    handshake_hash: &[u8],
) -> Result<Vec<u8>> {
    let label: &[u8] = if client {
        b"client finished"
    } else {
        b"server finished"
    };
    Ok(prf(alg, master_secret, label, handshake_hash, 12)?.to_vec())
}

/// RFC 5705 exporter: PRF(master_secret, label, client_random + server_random [+ context_length
/// + context]). `context` `None` is "no context", distinct from an empty one.
pub fn export_keying_material(
    alg: HashAlg,
    master_secret: &[u8],
    label: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    context: Option<&[u8]>,
    len: usize,
) -> Result<Secret> {
    let mut seed = concat(client_random, server_random);
    if let Some(c) = context {
        let n = u16::try_from(c.len())
            .map_err(|_| Error::internal("exporter context longer than 65535 bytes"))?;
        seed.extend_from_slice(&n.to_be_bytes());
        seed.extend_from_slice(c);
    }
    prf(alg, master_secret, label, &seed, len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_util::hex;

    // Vectors computed with `openssl kdf ... TLS1-PRF` (seed = label || seed).
    #[test]
    fn prf_sha256_vector() {
        let out = prf(
            HashAlg::Sha256,
            &hex("9bbe436ba940f017b17652849a71db35"),
            b"test label",
            &hex("a0ba9f936cda311827a6f796ffd5198c"),
            100,
        )
        .unwrap();
        assert_eq!(
            &out[..],
            &hex(concat!(
                "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e",
                "14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42",
                "c5a72e5a5110fff70187347b66"
            ))[..]
        );
    }

    #[test]
    fn prf_sha384_vector() {
        let out = prf(
            HashAlg::Sha384,
            &hex("b80b733d6ceefcdc71566ea48e5567df"),
            b"test label",
            &hex("cd665cf6a8447dd6ff8b27555edb7465"),
            148,
        )
        .unwrap();
        assert_eq!(
            &out[..],
            &hex(concat!(
                "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c",
                "9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4a",
                "bfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a268",
                "54308d5eaa3be85e0990703d73e56f"
            ))[..]
        );
    }

    #[test]
    fn derived_values_have_protocol_shapes() {
        let cr = [1u8; 32];
        let sr = [2u8; 32];
        let pms = [3u8; 32];
        let h = HashAlg::Sha256;
        let ms = master_secret(h, &pms, &cr, &sr).unwrap();
        assert_eq!(ms.len(), 48);
        assert_eq!(
            ms,
            prf(h, &pms, b"master secret", &concat(&cr, &sr), 48).unwrap()
        );
        let ems = extended_master_secret(h, &pms, &[9; 32]).unwrap();
        assert_eq!(ems.len(), 48);
        assert_ne!(ems, ms);

        for (aead, kl, il) in [
            (AeadAlg::Aes128Gcm, 16, 4),
            (AeadAlg::Aes256Gcm, 32, 4),
            (AeadAlg::ChaCha20Poly1305, 32, 12),
        ] {
            let k = key_block(h, aead, &ms, &cr, &sr).unwrap();
            let block = prf(h, &ms, b"key expansion", &concat(&sr, &cr), 2 * kl + 2 * il).unwrap();
            assert_eq!(&k.client_write_key[..], &block[..kl]);
            assert_eq!(&k.server_write_key[..], &block[kl..2 * kl]);
            assert_eq!(&k.client_write_iv[..], &block[2 * kl..2 * kl + il]);
            assert_eq!(&k.server_write_iv[..], &block[2 * kl + il..]);
        }

        let c = finished_verify_data(h, &ms, true, &[7; 32]).unwrap();
        let s = finished_verify_data(h, &ms, false, &[7; 32]).unwrap();
        assert_eq!(c.len(), 12);
        assert_ne!(c, s);

        let a = export_keying_material(h, &ms, b"EXPORTER-x", &cr, &sr, None, 16).unwrap();
        let b = export_keying_material(h, &ms, b"EXPORTER-x", &cr, &sr, Some(b""), 16).unwrap();
        assert_eq!(a.len(), 16);
        assert_ne!(a, b);
        assert!(prf(h, &[], b"x", b"y", 4).is_err());
    }
}
