//! Hello and handshake extensions (RFC 8446 section 4.2, RFC 5246 section 7.4.1.4 and the RFCs
//! defining each extension).
//!
//! One file per extension (or close family) holds its body's encoder beside its decoder;
//! [`catalogue`] lists, in one table, every extension libtls knows and the messages that decode
//! it. One extension type can have a different body depending on the message carrying it
//! (key_share holds a list in ClientHello, one entry in ServerHello and a bare group in
//! HelloRetryRequest), so there is one enum per carrying message (the `in_*` files). Every enum
//! has an `Unknown` variant: GREASE values, extensions we do not implement, and known extensions
//! that do not belong in that message (the catalogue does not list them for it) all decode to it,
//! so the handshake layer can ignore them or reject them as its policy says (RFC 8446 section
//! 4.2: a recognised extension in the wrong message is `illegal_parameter`, an unsolicited one
//! `unsupported_extension`).

use std::collections::HashSet;

use crate::codec::{DecodeResult, Reader, Writer};
use crate::error::{Error, Reason};
use crate::msgs::enums::ExtensionType;

mod alpn;
mod base;
pub mod catalogue;
mod certificate_authorities;
mod cookie;
mod in_certificate;
mod in_client_hello;
mod in_encrypted_extensions;
mod in_new_session_ticket;
mod in_server_hello;
mod key_share;
mod psk;
mod record_size_limit;
mod renegotiation_info;
mod server_name;
mod signature_algorithms;
mod status_request;
mod supported_groups;
mod supported_versions;

pub use alpn::ProtocolName;
pub use base::Extension;
pub use catalogue::Carrier;
pub use certificate_authorities::DistinguishedName;
pub(crate) use certificate_authorities::{decode_dn_list, encode_dn_list};
pub use in_certificate::{CertificateEntryExtension, CertificateRequestExtension};
pub use in_client_hello::ClientExtension;
pub use in_encrypted_extensions::EncryptedExtension;
pub use in_new_session_ticket::NewSessionTicketExtension;
pub use in_server_hello::{HelloRetryExtension, ServerHelloExtension};
pub use key_share::KeyShareEntry;
pub use psk::{PresharedKeyOffer, PskIdentity};
pub use server_name::ServerName;
pub use status_request::{
    decode_ocsp_status, encode_ocsp_status, OCSP_STATUS_REQUEST, STATUS_TYPE_OCSP,
};
pub use supported_groups::EC_POINT_FORMAT_UNCOMPRESSED;

/// Writes an extension block (u16-length-prefixed list of extensions).
pub fn encode_extensions<E: Extension>(exts: &[E], w: &mut Writer) {
    w.nested_u16(|w| exts.iter().for_each(|e| e.encode(w)));
}

/// The (type, body) pairs of an extension block in wire order, each entry's framing checked as
/// it is reached; the bodies are not judged. After a framing error the iterator ends.
pub struct RawExtensions<'a> {
    block: Reader<'a>,
}

impl<'a> RawExtensions<'a> {
    /// Reads the block's 2-byte length prefix from `r` and bounds the block by it.
    pub fn read(r: &mut Reader<'a>) -> DecodeResult<Self> {
        Ok(RawExtensions {
            block: r.sub_u16("extension block")?,
        })
    }

    fn entry(&mut self) -> DecodeResult<(ExtensionType, &'a [u8])> {
        let typ = ExtensionType(self.block.u16("extension type")?);
        let data = self.block.vec_u16("extension data")?;
        Ok((typ, data))
    }
}

impl<'a> Iterator for RawExtensions<'a> {
    type Item = DecodeResult<(ExtensionType, &'a [u8])>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.block.is_empty() {
            return None;
        }
        let entry = self.entry();
        if entry.is_err() {
            self.block.take_rest();
        }
        Some(entry)
    }
}

/// Reads an extension block (u16-length-prefixed list of extensions). Rejects a repeated type
/// with `illegal_parameter` (RFC 8446 section 4.2) and a malformed body with `decode_error`. A
/// type the catalogue does not list for `E`'s message is kept raw, as `Unknown`.
pub fn decode_extensions<E: Extension>(r: &mut Reader) -> Result<Vec<E>, Error> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for entry in RawExtensions::read(r)? {
        let (typ, data) = entry?;
        if !seen.insert(typ) {
            return Err(Error::illegal(
                Reason::BAD_EXTENSION,
                format!("{typ} extension appears twice in {}", E::CARRIER.name()),
            ));
        }
        if !catalogue::parsed_in(typ, E::CARRIER) {
            out.push(E::unknown(typ, data.to_vec()));
            continue;
        }
        let mut body = Reader::new(data);
        let ext = E::decode_body(typ, &mut body)
            .and_then(|ext| {
                body.finish("extension data")
                    .map(|_| ext)
                    .map_err(Error::from)
            })
            .map_err(|mut e| {
                if e.reason == Reason::BAD_PACKET {
                    e.reason = Reason::BAD_EXTENSION;
                }
                e.detail = format!("{typ} extension in {}: {}", E::CARRIER.name(), e.detail);
                e
            })?;
        out.push(ext);
    }
    Ok(out)
}

/// The first extension of type `typ` (a decoded block holds at most one).
pub fn find_extension<E: Extension>(exts: &[E], typ: ExtensionType) -> Option<&E> {
    exts.iter().find(|e| e.ext_type() == typ)
}

pub fn has_extension<E: Extension>(exts: &[E], typ: ExtensionType) -> bool {
    find_extension(exts, typ).is_some()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::msgs::enums::{
        AlertDescription, NamedGroup, ProtocolVersion, PskKeyExchangeMode, SignatureScheme,
    };

    pub(crate) fn encode_block<E: Extension>(exts: &[E]) -> Vec<u8> {
        let mut w = Writer::new();
        encode_extensions(exts, &mut w);
        w.finish().unwrap()
    }

    pub(crate) fn decode_block<E: Extension>(bytes: &[u8]) -> Result<Vec<E>, Error> {
        let mut r = Reader::new(bytes);
        let exts = decode_extensions(&mut r)?;
        r.finish("test block")?;
        Ok(exts)
    }

    pub(crate) fn round_trip<E: Extension + PartialEq + std::fmt::Debug>(exts: Vec<E>) {
        let bytes = encode_block(&exts);
        let decoded: Vec<E> = decode_block(&bytes).unwrap();
        assert_eq!(decoded, exts);
        assert_eq!(encode_block(&decoded), bytes);
    }

    pub(crate) fn sample_client_extensions() -> Vec<ClientExtension> {
        vec![
            ClientExtension::Unknown {
                typ: ExtensionType(0x0a0a),
                data: vec![],
            },
            ClientExtension::ServerName(vec![ServerName::HostName("example.com".into())]),
            ClientExtension::SupportedGroups(vec![NamedGroup::X25519, NamedGroup::SECP256R1]),
            ClientExtension::EcPointFormats(vec![0]),
            ClientExtension::SignatureAlgorithms(vec![
                SignatureScheme::ECDSA_NISTP256_SHA256,
                SignatureScheme::RSA_PSS_RSAE_SHA256,
            ]),
            ClientExtension::SignatureAlgorithmsCert(vec![SignatureScheme::ED25519]),
            ClientExtension::Alpn(vec![b"h2".to_vec(), b"http/1.1".to_vec()]),
            ClientExtension::StatusRequest(vec![1, 0, 0, 0, 0]),
            ClientExtension::ExtendedMasterSecret,
            ClientExtension::SessionTicket(vec![]),
            ClientExtension::RenegotiationInfo(vec![]),
            ClientExtension::SupportedVersions(vec![
                ProtocolVersion::TLSV1_3,
                ProtocolVersion::TLSV1_2,
            ]),
            ClientExtension::Cookie(vec![9; 40]),
            ClientExtension::PskKeyExchangeModes(vec![PskKeyExchangeMode::PSK_DHE_KE]),
            ClientExtension::EarlyData,
            ClientExtension::KeyShare(vec![KeyShareEntry::new(NamedGroup::X25519, vec![7; 32])]),
            ClientExtension::RecordSizeLimit(16385),
            ClientExtension::CertificateAuthorities(vec![DistinguishedName(vec![0x30, 0])]),
            ClientExtension::PostHandshakeAuth,
            ClientExtension::Padding(17),
            ClientExtension::PreSharedKey(PresharedKeyOffer {
                identities: vec![PskIdentity {
                    identity: vec![1, 2, 3],
                    obfuscated_ticket_age: 0xdeadbeef,
                }],
                binders: vec![vec![0xbb; 32]],
            }),
        ]
    }

    pub(crate) fn sample_server_hello_extensions() -> Vec<ServerHelloExtension> {
        vec![
            ServerHelloExtension::KeyShare(KeyShareEntry::new(NamedGroup::X25519, vec![3; 32])),
            ServerHelloExtension::PreSharedKey(0),
            ServerHelloExtension::SupportedVersions(ProtocolVersion::TLSV1_3),
            ServerHelloExtension::ServerNameAck,
            ServerHelloExtension::EcPointFormats(vec![0]),
            ServerHelloExtension::Alpn(b"h2".to_vec()),
            ServerHelloExtension::StatusRequestAck,
            ServerHelloExtension::ExtendedMasterSecret,
            ServerHelloExtension::SessionTicketAck,
            ServerHelloExtension::RenegotiationInfo(vec![1; 24]),
            ServerHelloExtension::RecordSizeLimit(64),
            ServerHelloExtension::Unknown {
                typ: ExtensionType(0xfefe),
                data: vec![1, 2],
            },
        ]
    }

    pub(crate) fn sample_hello_retry_extensions() -> Vec<HelloRetryExtension> {
        vec![
            HelloRetryExtension::KeyShare(NamedGroup::SECP384R1),
            HelloRetryExtension::Cookie(vec![5; 10]),
            HelloRetryExtension::SupportedVersions(ProtocolVersion::TLSV1_3),
        ]
    }

    pub(crate) fn sample_encrypted_extensions() -> Vec<EncryptedExtension> {
        vec![
            EncryptedExtension::ServerNameAck,
            EncryptedExtension::SupportedGroups(vec![NamedGroup::X25519_MLKEM768]),
            EncryptedExtension::Alpn(b"http/1.1".to_vec()),
            EncryptedExtension::EarlyData,
            EncryptedExtension::RecordSizeLimit(4096),
        ]
    }

    pub(crate) fn sample_certificate_entry_extensions() -> Vec<CertificateEntryExtension> {
        vec![
            CertificateEntryExtension::OcspResponse(vec![0x30, 3, 1, 2, 3]),
            CertificateEntryExtension::Unknown {
                typ: ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP,
                data: vec![0, 0],
            },
        ]
    }

    pub(crate) fn sample_certificate_request_extensions() -> Vec<CertificateRequestExtension> {
        vec![
            CertificateRequestExtension::SignatureAlgorithms(vec![SignatureScheme::ED25519]),
            CertificateRequestExtension::SignatureAlgorithmsCert(vec![SignatureScheme::ED448]),
            CertificateRequestExtension::CertificateAuthorities(vec![DistinguishedName(vec![
                0x30, 1, 2,
            ])]),
        ]
    }

    pub(crate) fn sample_ticket_extensions() -> Vec<NewSessionTicketExtension> {
        vec![NewSessionTicketExtension::EarlyData(16384)]
    }

    fn typed<E: Extension>(exts: Vec<E>) -> Vec<ExtensionType> {
        exts.iter()
            .map(|e| e.ext_type())
            .filter(|t| catalogue::lookup(*t).is_some())
            .collect()
    }

    /// For each carrying message, the types of the typed extensions the samples hold (every
    /// variant of its enum but `Unknown`).
    pub(crate) fn samples_by_carrier() -> Vec<(Carrier, Vec<ExtensionType>)> {
        vec![
            (Carrier::ClientHello, typed(sample_client_extensions())),
            (
                Carrier::ServerHello,
                typed(sample_server_hello_extensions()),
            ),
            (
                Carrier::HelloRetryRequest,
                typed(sample_hello_retry_extensions()),
            ),
            (
                Carrier::EncryptedExtensions,
                typed(sample_encrypted_extensions()),
            ),
            (
                Carrier::CertificateEntry,
                typed(sample_certificate_entry_extensions()),
            ),
            (
                Carrier::CertificateRequest,
                typed(sample_certificate_request_extensions()),
            ),
            (Carrier::NewSessionTicket, typed(sample_ticket_extensions())),
        ]
    }

    #[test]
    fn client_extensions_round_trip() {
        round_trip(sample_client_extensions());
    }

    #[test]
    fn server_side_extensions_round_trip() {
        round_trip(sample_server_hello_extensions());
        round_trip(sample_hello_retry_extensions());
        round_trip(sample_encrypted_extensions());
        round_trip(sample_certificate_entry_extensions());
        round_trip(sample_certificate_request_extensions());
        round_trip(sample_ticket_extensions());
    }

    #[test]
    fn duplicate_extension_is_illegal_parameter() {
        let bytes = encode_block(&[
            ClientExtension::ExtendedMasterSecret,
            ClientExtension::EarlyData,
            ClientExtension::ExtendedMasterSecret,
        ]);
        let err = decode_block::<ClientExtension>(&bytes).unwrap_err();
        assert_eq!(err.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
        assert_eq!(err.reason, Reason::BAD_EXTENSION);

        // Also for unknown types, which must still be unique.
        let unknown = ClientExtension::Unknown {
            typ: ExtensionType(0x1a1a),
            data: vec![],
        };
        let bytes = encode_block(&[unknown.clone(), unknown]);
        let err = decode_block::<ClientExtension>(&bytes).unwrap_err();
        assert_eq!(err.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
    }

    pub(crate) fn decode_single_client(
        typ: ExtensionType,
        body: &[u8],
    ) -> Result<ClientExtension, Error> {
        let mut w = Writer::new();
        w.nested_u16(|w| {
            w.u16(typ.0);
            w.vec_u16(body);
        });
        let mut exts = decode_block::<ClientExtension>(&w.buf)?;
        Ok(exts.remove(0))
    }

    pub(crate) fn assert_decode_error(result: Result<ClientExtension, Error>) {
        let err = result.unwrap_err();
        assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR), "{err:?}");
    }

    #[test]
    fn malformed_bodies_are_decode_errors() {
        // Trailing byte after an empty-bodied extension.
        assert_decode_error(decode_single_client(
            ExtensionType::EXTENDED_MASTER_SECRET,
            &[0],
        ));
        // Odd-length group list, empty group list.
        assert_decode_error(decode_single_client(
            ExtensionType::SUPPORTED_GROUPS,
            &[0, 3, 0, 0x1d, 0],
        ));
        assert_decode_error(decode_single_client(
            ExtensionType::SUPPORTED_GROUPS,
            &[0, 0],
        ));
        // status_request: empty, truncated lists, trailing bytes, an empty responder id.
        for body in [
            &[][..],
            &[1],
            &[1, 0, 0],
            &[1, 0, 0, 0, 0, 9],
            &[1, 0, 2, 0, 0, 0, 0],
            &[1, 0, 5, 0, 0, 0, 0],
        ] {
            assert_decode_error(decode_single_client(ExtensionType::STATUS_REQUEST, body));
        }
        // Another status type is kept as it is (not answered).
        assert!(decode_single_client(ExtensionType::STATUS_REQUEST, &[2, 0xff]).is_ok());
        assert!(decode_single_client(ExtensionType::STATUS_REQUEST, &OCSP_STATUS_REQUEST).is_ok());
        // ALPN: empty list, empty name.
        assert_decode_error(decode_single_client(ExtensionType::ALPN, &[0, 0]));
        assert_decode_error(decode_single_client(ExtensionType::ALPN, &[0, 1, 0]));
        // Key share with an empty key exchange.
        assert_decode_error(decode_single_client(
            ExtensionType::KEY_SHARE,
            &[0, 4, 0, 0x1d, 0, 0],
        ));
        // Binder shorter than 32 bytes.
        let mut w = Writer::new();
        w.nested_u16(|w| {
            w.vec_u16(b"id");
            w.u32(0);
        });
        w.nested_u16(|w| w.vec_u8(&[0; 31]));
        assert_decode_error(decode_single_client(ExtensionType::PRE_SHARED_KEY, &w.buf));
        // Supported versions list with an odd length.
        assert_decode_error(decode_single_client(
            ExtensionType::SUPPORTED_VERSIONS,
            &[3, 3, 4, 3],
        ));
        // Extension data length overruns the block.
        let err = decode_block::<ClientExtension>(&[0, 4, 0, 23, 0, 1]).unwrap_err();
        assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));
    }

    #[test]
    fn semantic_violations_are_illegal_parameter() {
        let err = decode_single_client(ExtensionType::RECORD_SIZE_LIMIT, &[0, 63]).unwrap_err();
        assert_eq!(err.alert, Some(AlertDescription::ILLEGAL_PARAMETER));

        let mut w = Writer::new();
        w.nested_u16(|w| {
            KeyShareEntry::new(NamedGroup::X25519, vec![1; 32]).encode(w);
            KeyShareEntry::new(NamedGroup::X25519, vec![2; 32]).encode(w);
        });
        let err = decode_single_client(ExtensionType::KEY_SHARE, &w.buf).unwrap_err();
        assert_eq!(err.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
        assert_eq!(err.reason, Reason::BAD_KEY_SHARE);

        let offer = PresharedKeyOffer {
            identities: vec![PskIdentity {
                identity: vec![1],
                obfuscated_ticket_age: 0,
            }],
            binders: vec![vec![0; 32], vec![0; 32]],
        };
        let mut w = Writer::new();
        offer.encode(&mut w);
        let err = decode_single_client(ExtensionType::PRE_SHARED_KEY, &w.buf).unwrap_err();
        assert_eq!(err.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
    }

    #[test]
    fn known_extension_in_wrong_message_stays_unknown() {
        let bytes = encode_block(&[ClientExtension::SupportedGroups(vec![NamedGroup::X25519])]);
        let exts: Vec<ServerHelloExtension> = decode_block(&bytes).unwrap();
        assert_eq!(
            exts,
            vec![ServerHelloExtension::Unknown {
                typ: ExtensionType::SUPPORTED_GROUPS,
                data: vec![0, 2, 0, 0x1d],
            }]
        );
    }

    #[test]
    fn lookup_helpers() {
        let exts = sample_client_extensions();
        assert!(has_extension(&exts, ExtensionType::KEY_SHARE));
        assert!(!has_extension(&exts, ExtensionType::HEARTBEAT));
        assert_eq!(
            find_extension(&exts, ExtensionType::RECORD_SIZE_LIMIT),
            Some(&ClientExtension::RecordSizeLimit(16385))
        );
    }

    #[test]
    fn truncated_blocks_never_panic() {
        let bytes = encode_block(&sample_client_extensions());
        for len in 0..bytes.len() {
            assert!(decode_block::<ClientExtension>(&bytes[..len]).is_err());
        }
    }
}
