//! Record keys from secrets: the traffic key and IV of a TLS 1.3 traffic secret (RFC 8446
//! 7.3), the TLS 1.2 key block's write keys and IVs (RFC 5246 6.3, RFC 5288 3, RFC 7905 2), and
//! the [`RecordEncrypter`] / [`RecordDecrypter`] they make. The handshake decides which secret
//! protects which direction and when; this module only turns a secret into record protection.

use super::protect::{RecordDecrypter, RecordEncrypter, RecordFormat};
use crate::crypto::aead::AeadKey;
use crate::crypto::key_schedule;
use crate::crypto::secret::Secret;
use crate::crypto::tls12::Tls12Keys;
use crate::error::{Error, Result};
use crate::suites::SuiteInfo;

/// Record protection for a TLS 1.3 traffic secret.
pub fn tls13_keys(suite: &SuiteInfo, secret: &Secret) -> Result<(AeadKey, [u8; 12])> {
    tls13_keys_of(suite, &key_schedule::Prk::new(suite.hash, secret))
}

/// [`tls13_keys`] of a traffic secret already prepared for expansion.
pub fn tls13_keys_of(suite: &SuiteInfo, secret: &key_schedule::Prk) -> Result<(AeadKey, [u8; 12])> {
    let (key, iv) = secret.traffic_keys(suite.aead);
    let key = AeadKey::new(suite.aead, &key)?;
    Ok((key, iv))
}

/// Protection for our records under a handshake traffic secret, and the Finished key of that
/// secret (one HMAC key schedule serves both).
pub fn tls13_handshake_encrypter(
    suite: &SuiteInfo,
    secret: &Secret,
) -> Result<(RecordEncrypter, key_schedule::FinishedKey)> {
    let prk = key_schedule::Prk::new(suite.hash, secret);
    let (key, iv) = tls13_keys_of(suite, &prk)?;
    Ok((
        RecordEncrypter::new(key, iv, RecordFormat::Tls13),
        prk.finished_key(),
    ))
}

/// Like [`tls13_handshake_encrypter`], for the peer's records and Finished.
pub fn tls13_handshake_decrypter(
    suite: &SuiteInfo,
    secret: &Secret,
) -> Result<(RecordDecrypter, key_schedule::FinishedKey)> {
    let prk = key_schedule::Prk::new(suite.hash, secret);
    let (key, iv) = tls13_keys_of(suite, &prk)?;
    Ok((
        RecordDecrypter::new(key, iv, RecordFormat::Tls13),
        prk.finished_key(),
    ))
}

pub fn tls13_encrypter(suite: &SuiteInfo, secret: &Secret) -> Result<RecordEncrypter> {
    let (key, iv) = tls13_keys(suite, secret)?;
    Ok(RecordEncrypter::new(key, iv, RecordFormat::Tls13))
}

pub fn tls13_decrypter(suite: &SuiteInfo, secret: &Secret) -> Result<RecordDecrypter> {
    let (key, iv) = tls13_keys(suite, secret)?;
    Ok(RecordDecrypter::new(key, iv, RecordFormat::Tls13))
}

/// One direction's TLS 1.2 AEAD key and IV (the implicit salt for AES-GCM, zero-padded to the
/// nonce length; RFC 7905's full IV for ChaCha20-Poly1305).
fn tls12_direction(
    suite: &SuiteInfo,
    keys: &Tls12Keys,
    client_write: bool,
) -> Result<(AeadKey, [u8; 12])> {
    let (key, fixed_iv) = if client_write {
        (&keys.client_write_key, &keys.client_write_iv)
    } else {
        (&keys.server_write_key, &keys.server_write_iv)
    };
    let mut iv = [0u8; 12];
    iv.get_mut(..fixed_iv.len())
        .ok_or_else(|| Error::internal("TLS 1.2 fixed IV longer than a nonce"))?
        .copy_from_slice(fixed_iv);
    Ok((AeadKey::new(suite.aead, key)?, iv))
}

/// Protection for the records written by the client (`client_write`) or by the server.
pub fn tls12_encrypter(
    suite: &SuiteInfo,
    keys: &Tls12Keys,
    client_write: bool,
) -> Result<RecordEncrypter> {
    let (key, iv) = tls12_direction(suite, keys, client_write)?;
    Ok(RecordEncrypter::new(
        key,
        iv,
        RecordFormat::tls12_for(suite.aead),
    ))
}

pub fn tls12_decrypter(
    suite: &SuiteInfo,
    keys: &Tls12Keys,
    client_write: bool,
) -> Result<RecordDecrypter> {
    let (key, iv) = tls12_direction(suite, keys, client_write)?;
    Ok(RecordDecrypter::new(
        key,
        iv,
        RecordFormat::tls12_for(suite.aead),
    ))
}
