//! Differential check of record protection: the keys come from a secret in the input, derived
//! once by libtls (key schedule, key block, record encrypter and decrypter) and once here from
//! the RFC text with nothing but HMAC and the raw AEAD of aws-lc-rs. Records libtls seals must
//! open here to the same content type and bytes; records sealed here must open in libtls.

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::hmac;
use tls::crypto::aead::AeadAlg;
use tls::crypto::hash::HashAlg;
use tls::crypto::secret::Secret;
use tls::msgs::enums::{ContentType, ProtocolVersion};
use tls::record::{RecordHeader, HEADER_LEN, MAX_PLAINTEXT};
use tls::suites::SuiteInfo;

fn hmac_alg(h: HashAlg) -> hmac::Algorithm {
    match h {
        HashAlg::Sha256 => hmac::HMAC_SHA256,
        HashAlg::Sha384 => hmac::HMAC_SHA384,
    }
}

fn aead_alg(a: AeadAlg) -> &'static aead::Algorithm {
    match a {
        AeadAlg::Aes128Gcm => &aead::AES_128_GCM,
        AeadAlg::Aes256Gcm => &aead::AES_256_GCM,
        AeadAlg::ChaCha20Poly1305 => &aead::CHACHA20_POLY1305,
    }
}

/// RFC 5869 HKDF-Expand, spelled out over HMAC.
fn hkdf_expand(h: HashAlg, prk: &[u8], info: &[u8], len: usize) -> Vec<u8> {
    let key = hmac::Key::new(hmac_alg(h), prk);
    let mut out = Vec::new();
    let mut t: Vec<u8> = Vec::new();
    let mut counter = 1u8;
    while out.len() < len {
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(&t);
        ctx.update(info);
        ctx.update(&[counter]);
        t = ctx.sign().as_ref().to_vec();
        out.extend_from_slice(&t);
        counter += 1;
    }
    out.truncate(len);
    out
}

/// RFC 8446 7.1 HKDF-Expand-Label with an empty context.
fn expand_label(h: HashAlg, secret: &[u8], label: &str, len: usize) -> Vec<u8> {
    let full = format!("tls13 {label}");
    let mut info = (len as u16).to_be_bytes().to_vec();
    info.push(full.len() as u8);
    info.extend_from_slice(full.as_bytes());
    info.push(0);
    hkdf_expand(h, secret, &info, len)
}

/// RFC 5246 5 P_hash.
fn tls12_prf(h: HashAlg, secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let key = hmac::Key::new(hmac_alg(h), secret);
    let label_seed = [label, seed].concat();
    let mut a = hmac::sign(&key, &label_seed).as_ref().to_vec();
    let mut out = Vec::new();
    while out.len() < len {
        out.extend_from_slice(hmac::sign(&key, &[&a[..], &label_seed].concat()).as_ref());
        a = hmac::sign(&key, &a).as_ref().to_vec();
    }
    out.truncate(len);
    out
}

/// One direction's keys as derived here.
struct Keys {
    key: LessSafeKey,
    iv: Vec<u8>,
    tls13: bool,
    /// TLS 1.2 AES-GCM carries an explicit nonce.
    explicit_nonce: bool,
}

fn seq_nonce(iv: &[u8], seq: u64) -> [u8; 12] {
    let mut n = [0u8; 12];
    n.copy_from_slice(iv);
    for (b, s) in n[4..].iter_mut().zip(seq.to_be_bytes()) {
        *b ^= s;
    }
    n
}

fn tls12_aad(seq: u64, typ: u8, len: usize) -> Vec<u8> {
    let mut aad = seq.to_be_bytes().to_vec();
    aad.push(typ);
    aad.extend_from_slice(&[3, 3]);
    aad.extend_from_slice(&(len as u16).to_be_bytes());
    aad
}

impl Keys {
    /// Opens one whole record (header included); returns the content type and content.
    fn open(&self, seq: u64, record: &[u8]) -> (u8, Vec<u8>) {
        let header = &record[..HEADER_LEN];
        let mut body = record[HEADER_LEN..].to_vec();
        assert_eq!(
            u16::from_be_bytes([header[3], header[4]]) as usize,
            body.len(),
            "record length field"
        );
        assert_eq!(&header[1..3], &[3, 3], "record version");
        if self.tls13 {
            assert_eq!(header[0], 23, "TLS 1.3 records look like application data");
            let nonce = Nonce::assume_unique_for_key(seq_nonce(&self.iv, seq));
            let plain = self
                .key
                .open_in_place(nonce, Aad::from(header), &mut body)
                .expect("libtls's TLS 1.3 record opens with independently derived keys");
            let end = plain.iter().rposition(|&b| b != 0).expect("content type");
            (plain[end], plain[..end].to_vec())
        } else {
            let tag = self.key.algorithm().tag_len();
            let (nonce, sealed) = if self.explicit_nonce {
                let mut n = [0u8; 12];
                n[..4].copy_from_slice(&self.iv[..4]);
                n[4..].copy_from_slice(&body[..8]);
                (n, &mut body[8..])
            } else {
                (seq_nonce(&self.iv, seq), &mut body[..])
            };
            let aad = tls12_aad(seq, header[0], sealed.len() - tag);
            let plain = self
                .key
                .open_in_place(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(&aad[..]),
                    sealed,
                )
                .expect("libtls's TLS 1.2 record opens with independently derived keys");
            (header[0], plain.to_vec())
        }
    }

    /// Seals one record the way RFC 8446 / RFC 5246 describe it, with `padding` zeros in TLS 1.3.
    fn seal(&self, seq: u64, typ: u8, content: &[u8], padding: usize) -> Vec<u8> {
        let tag = self.key.algorithm().tag_len();
        if self.tls13 {
            let mut inner = content.to_vec();
            inner.push(typ);
            inner.resize(inner.len() + padding, 0);
            let header =
                RecordHeader::encode(ContentType::APPLICATION_DATA, 0x0303, inner.len() + tag);
            let nonce = Nonce::assume_unique_for_key(seq_nonce(&self.iv, seq));
            self.key
                .seal_in_place_append_tag(nonce, Aad::from(&header[..]), &mut inner)
                .expect("seal");
            [&header[..], &inner].concat()
        } else {
            let explicit = (seq ^ 0x5555_5555_5555_5555).to_be_bytes();
            let nonce = if self.explicit_nonce {
                let mut n = [0u8; 12];
                n[..4].copy_from_slice(&self.iv[..4]);
                n[4..].copy_from_slice(&explicit);
                n
            } else {
                seq_nonce(&self.iv, seq)
            };
            let aad = tls12_aad(seq, typ, content.len());
            let mut body = content.to_vec();
            self.key
                .seal_in_place_append_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(&aad[..]),
                    &mut body,
                )
                .expect("seal");
            let explicit: &[u8] = if self.explicit_nonce { &explicit } else { &[] };
            let header =
                RecordHeader::encode(ContentType(typ), 0x0303, explicit.len() + body.len());
            [&header[..], explicit, &body].concat()
        }
    }
}

fn independent_keys(suite: &SuiteInfo, secret: &[u8], randoms: (&[u8; 32], &[u8; 32])) -> Keys {
    let alg = aead_alg(suite.aead);
    let key_len = alg.key_len();
    if suite.version == ProtocolVersion::TLSV1_3 {
        let key = expand_label(suite.hash, secret, "key", key_len);
        let iv = expand_label(suite.hash, secret, "iv", 12);
        Keys {
            key: LessSafeKey::new(UnboundKey::new(alg, &key).expect("key")),
            iv,
            tls13: true,
            explicit_nonce: false,
        }
    } else {
        let (client_random, server_random) = randoms;
        let explicit_nonce = suite.aead != AeadAlg::ChaCha20Poly1305;
        let iv_len = if explicit_nonce { 4 } else { 12 };
        let seed = [&server_random[..], &client_random[..]].concat();
        let block = tls12_prf(
            suite.hash,
            secret,
            b"key expansion",
            &seed,
            2 * key_len + 2 * iv_len,
        );
        // The client's direction: client_write_key and client_write_IV.
        let mut iv = block[2 * key_len..2 * key_len + iv_len].to_vec();
        iv.resize(12, 0);
        Keys {
            key: LessSafeKey::new(UnboundKey::new(alg, &block[..key_len]).expect("key")),
            iv,
            tls13: false,
            explicit_nonce,
        }
    }
}

/// Input: suite selector, 48 secret bytes, then records as (type selector, 2-byte length,
/// padding byte, content).
pub fn differential(data: &[u8]) {
    if data.len() < 49 {
        return;
    }
    let suites: Vec<&'static SuiteInfo> = tls::suites::ALL_SUITES.iter().collect();
    let suite = suites[data[0] as usize % suites.len()];
    let mut rest = &data[49..];
    let client_random = [0x33u8; 32];
    let server_random = [0x44u8; 32];

    let (mut encrypter, mut decrypter, secret) = if suite.version == ProtocolVersion::TLSV1_3 {
        let secret = &data[1..1 + suite.hash.output_len()];
        let s = Secret::from_slice(secret);
        (
            tls::record::keys::tls13_encrypter(suite, &s).expect("encrypter"),
            tls::record::keys::tls13_decrypter(suite, &s).expect("decrypter"),
            secret,
        )
    } else {
        let master = &data[1..49];
        let keys = tls::crypto::tls12::key_block(
            suite.hash,
            suite.aead,
            master,
            &client_random,
            &server_random,
        )
        .expect("key block");
        (
            tls::record::keys::tls12_encrypter(suite, &keys, true).expect("encrypter"),
            tls::record::keys::tls12_decrypter(suite, &keys, true).expect("decrypter"),
            master,
        )
    };
    let ours = independent_keys(suite, secret, (&client_random, &server_random));

    let mut seq = 0u64;
    while rest.len() >= 4 && seq < 16 {
        let typ = [22u8, 21, 23][rest[0] as usize % 3];
        let len = (u16::from_be_bytes([rest[1], rest[2]]) as usize % (MAX_PLAINTEXT + 1))
            .min(rest.len() - 4);
        let padding_byte = rest[3];
        let content = &rest[4..4 + len];
        rest = &rest[4 + len..];

        // libtls seals, we open.
        let mut sealed = Vec::new();
        encrypter
            .encrypt(ContentType(typ), content, &mut sealed)
            .expect("encrypt");
        let (got_typ, got) = ours.open(seq, &sealed);
        assert_eq!(got_typ, typ, "content type");
        assert_eq!(got, content, "content");

        // We seal, libtls opens (TLS 1.3 with padding up to the inner plaintext limit).
        let padding = (padding_byte as usize * 3).min(MAX_PLAINTEXT - len);
        let record = ours.seal(seq, typ, content, padding);
        let mut h = [0u8; HEADER_LEN];
        h.copy_from_slice(&record[..HEADER_LEN]);
        let opened = decrypter
            .decrypt(RecordHeader::parse(&h), record[HEADER_LEN..].to_vec())
            .expect("libtls opens a record sealed with independently derived keys");
        assert_eq!(opened.typ.0, typ);
        assert_eq!(opened.payload, content);
        seq += 1;
    }
}
