//! Tests of the handshake messages as a whole: RFC 8448's messages decode and re-encode byte for
//! byte, every layout round-trips, and no truncation or mutation panics. Tests of one message
//! live in its file and share these helpers.

use super::certificate::tests::sample_certificate;
use super::server_hello::tests::sample_server_hello;
use super::*;
use crate::msgs::enums::AlertDescription;
use crate::msgs::enums::{
    CipherSuite, ExtensionType, HandshakeType, NamedGroup, PskKeyExchangeMode, SignatureScheme,
};
use crate::msgs::extensions::{
    CertificateRequestExtension, ClientExtension, DistinguishedName, NewSessionTicketExtension,
};

// Handshake messages from RFC 8448 (section 3 simple 1-RTT, section 4 resumption, section 5
// HelloRetryRequest).
pub(crate) const CLIENT_HELLO: &str = concat!(
    "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef",
    "6283024dece7000006130113031302010000910000000b000900000673657276",
    "6572ff01000100000a00140012001d0017001800190100010101020103010400",
    "230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e",
    "51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603",
    "020308040805080604010501060102010402050206020202002d00020101001c",
    "00024001",
);
pub(crate) const SERVER_HELLO: &str = concat!(
    "020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155",
    "772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdb",
    "f7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304",
);
pub(crate) const ENCRYPTED_EXTENSIONS: &str = concat!(
    "080000240022000a00140012001d00170018001901000101010201030104001c",
    "0002400100000000",
);
pub(crate) const CERTIFICATE: &str = concat!(
    "0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a",
    "864886f70d01010b0500300e310c300a06035504031303727361301e170d3136",
    "303733303031323335395a170d3236303733303031323335395a300e310c300a",
    "0603550403130372736130819f300d06092a864886f70d010101050003818d00",
    "30818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826",
    "d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced4312",
    "0998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda4308467480",
    "30530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a",
    "8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b060355",
    "1d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5",
    "b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417f2eae8f8a5",
    "8c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102",
    "702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0",
    "a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de10000",
);
pub(crate) const CERTIFICATE_VERIFY: &str = concat!(
    "0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145a",
    "b3ff52f1fda8477b0b7abc90db78e2d33a5c141a078653fa6bef780c5ea248ee",
    "aaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c",
    "9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea2",
    "0d53dfacd42f74f3",
);
pub(crate) const SERVER_FINISHED: &str = concat!(
    "140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454",
    "b78f0718",
);
pub(crate) const NEW_SESSION_TICKET: &str = concat!(
    "040000c90000001efad6aac502000000b22c035d829359ee5ff7af4ec9000000",
    "00262a6494dc486d2c8a34cb33fa90bf1b0070ad3c498883c9367c09a2be785a",
    "bc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827",
    "db279cce145077d454a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529",
    "513e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9fbf297b5aea61764",
    "6fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934a",
    "e4d3570008002a000400000400",
);
/// RFC 8448's resumption ClientHello up to its binders list: the "ClientHello prefix" the
/// binder is computed over.
macro_rules! resumption_client_hello_prefix {
    () => {
        concat!(
            "010001fc03031bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc41",
            "9d7876487d95000006130113031302010001cd0000000b000900000673657276",
            "6572ff01000100000a00140012001d0017001800190100010101020103010400",
            "3300260024001d0020e4ffb68ac05f8d96c99da26698346c6be16482badddafe",
            "051a66b4f18d668f0b002a0000002b0003020304000d0020001e040305030603",
            "020308040805080604010501060102010402050206020202002d00020101001c",
            "0002400100150057000000000000000000000000000000000000000000000000",
            "0000000000000000000000000000000000000000000000000000000000000000",
            "0000000000000000000000000000000000000000000000000000000000000000",
            "2900dd00b800b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a",
            "34cb33fa90bf1b0070ad3c498883c9367c09a2be785abc55cd226097a3a98211",
            "7283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d454a3",
            "664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b",
            "3f7d8f92f228bda40dda721470f9fbf297b5aea617646fac5c03272e970727c6",
            "21a79141ef5f7de6505e5bfbc388e93343694093934ae4d357fad6aacb",
        )
    };
}
pub(crate) const RESUMPTION_CLIENT_HELLO: &str = concat!(
    resumption_client_hello_prefix!(),
    "0021203add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b",
    "9e5f9d",
);
pub(crate) const RESUMPTION_CLIENT_HELLO_PREFIX: &str = resumption_client_hello_prefix!();
pub(crate) const RESUMPTION_SERVER_HELLO: &str = concat!(
    "0200005c03033ccfd2dec890222763472ae8136777c9d7358777bb66e91ea512",
    "2495f559ea2d00130100003400290002000000330024001d0020121761ee42c3",
    "33e1b9e77b60dd57c2053cd94512ab47f115e86eff50942cea31002b00020304",
);
pub(crate) const RESUMPTION_ENCRYPTED_EXTENSIONS: &str = concat!(
    "080000280026000a00140012001d00170018001901000101010201030104001c",
    "0002400100000000002a0000",
);
pub(crate) const HELLO_RETRY_REQUEST: &str = concat!(
    "020000ac0303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e",
    "09e2c8a8339c001301000084003300020017002c0074007271dcd04bb88bc318",
    "9119398a00000000eefafc76c146b823b096f8aacad365dd0030953f4edf6256",
    "36e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d",
    "6e50781b5eda4aa15b0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0c",
    "af571fb2b7cff0f934b0002b00020304",
);
pub(crate) const SECOND_CLIENT_HELLO: &str = concat!(
    "010001fc0303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee92",
    "58a346677b6f000006130113031302010001cd0000000b000900000673657276",
    "6572ff01000100000a00080006001d001700180033004700450017004104a6da",
    "7392ec591e17abfd535964b99894d13befb221b3def2ebe3830eac8f01518126",
    "77c4d6d2237e85cf01d6910cfb83954e76ba7352830534159897e8065780002b",
    "0003020304000d0020001e040305030603020308040805080604010501060102",
    "010402050206020202002c0074007271dcd04bb88bc3189119398a00000000ee",
    "fafc76c146b823b096f8aacad365dd0030953f4edf625636e5f21bb2e23fcc65",
    "4b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b",
    "0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934",
    "b0002d00020101001c00024001001500af000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
);
pub(crate) const HRR_SERVER_HELLO: &str = concat!(
    "020000770303bb341d847fd789c47c387172dc0c9bf147fccacb5043d86ca4c5",
    "98d3ff571b9800130100004f003300450017004104583e054b7a66672ae020ad",
    "9d2686fcc85b5ad41a134a0f03ee72b893052bd85b4c8de6776f5b04ac07d835",
    "40eab3e3d9c547bc6528c4317d294686093a6cad7d002b00020304",
);

pub(crate) fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0);
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

pub(crate) const TLS13: ProtocolVersion = ProtocolVersion::TLSV1_3;
pub(crate) const TLS12: ProtocolVersion = ProtocolVersion::TLSV1_2;

/// Decodes a full message, checks the re-encoding is byte-identical, and returns it.
pub(crate) fn decode_and_reencode(hex: &str, version: ProtocolVersion) -> HandshakeMessage {
    let wire = unhex(hex);
    let msg = HandshakeMessage::decode_encoded(&wire, version).unwrap();
    assert_eq!(
        msg.encode().unwrap(),
        wire,
        "re-encoding of {:?} differs",
        msg.typ()
    );
    msg
}

pub(crate) fn round_trip(msg: HandshakeMessage, version: ProtocolVersion) {
    let wire = msg.encode().unwrap();
    let decoded = HandshakeMessage::decode_encoded(&wire, version).unwrap();
    assert_eq!(decoded, msg);
    assert_eq!(decoded.encode().unwrap(), wire);
}

pub(crate) fn body_error(typ: HandshakeType, body: &[u8], version: ProtocolVersion) -> Error {
    HandshakeMessage::decode(typ, body, version).unwrap_err()
}

#[test]
pub(crate) fn rfc8448_client_hello() {
    let HandshakeMessage::ClientHello(ch) = decode_and_reencode(CLIENT_HELLO, TLS13) else {
        panic!("not a ClientHello");
    };
    assert_eq!(ch.legacy_version, ProtocolVersion::TLSV1_2);
    assert_eq!(ch.random[..4], [0xcb, 0x34, 0xec, 0xb1]);
    assert!(ch.legacy_session_id.is_empty());
    assert_eq!(
        ch.cipher_suites,
        [
            CipherSuite::TLS13_AES_128_GCM_SHA256,
            CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
            CipherSuite::TLS13_AES_256_GCM_SHA384
        ]
    );
    assert_eq!(ch.compression_methods, [0]);
    assert_eq!(ch.server_name(), Some("server"));
    assert_eq!(ch.supported_versions(), Some(&[TLS13][..]));
    assert_eq!(
        ch.groups().unwrap()[..4],
        [
            NamedGroup::X25519,
            NamedGroup::SECP256R1,
            NamedGroup::SECP384R1,
            NamedGroup::SECP521R1
        ]
    );
    let shares = ch.key_shares().unwrap();
    assert_eq!(shares.len(), 1);
    assert_eq!(shares[0].group, NamedGroup::X25519);
    assert_eq!(shares[0].payload[..2], [0x99, 0x38]);
    assert_eq!(shares[0].payload.len(), 32);
    let schemes = ch.sig_schemes().unwrap();
    assert_eq!(schemes[0], SignatureScheme::ECDSA_NISTP256_SHA256);
    assert!(schemes.contains(&SignatureScheme::RSA_PSS_RSAE_SHA256));
    assert_eq!(ch.psk_modes(), Some(&[PskKeyExchangeMode::PSK_DHE_KE][..]));
    assert_eq!(ch.record_size_limit(), Some(0x4001));
    assert_eq!(ch.renegotiation_info(), Some(&[][..]));
    assert_eq!(ch.session_ticket(), Some(&[][..]));
    assert!(ch.psk().is_none());
    assert!(ch.binders_encoded_len().is_none());
    assert!(ch.encode_partial().is_none());
    assert!(ch.alpn().is_none());
    assert!(ch.has(ExtensionType::SESSION_TICKET));
    assert!(!ch.has(ExtensionType::EARLY_DATA));
}

#[test]
pub(crate) fn rfc8448_server_flight() {
    let HandshakeMessage::ServerHello(sh) = decode_and_reencode(SERVER_HELLO, TLS13) else {
        panic!("not a ServerHello");
    };
    assert_eq!(sh.cipher_suite, CipherSuite::TLS13_AES_128_GCM_SHA256);
    assert_eq!(sh.compression_method, 0);
    assert_eq!(sh.selected_version(), Some(TLS13));
    let share = sh.key_share().unwrap();
    assert_eq!(share.group, NamedGroup::X25519);
    assert_eq!(share.payload.len(), 32);
    assert!(!sh.is_hello_retry_request());
    assert_eq!(sh.downgrade_sentinel(), None);
    assert_eq!(sh.selected_psk_identity(), None);

    let HandshakeMessage::EncryptedExtensions(ee) =
        decode_and_reencode(ENCRYPTED_EXTENSIONS, TLS13)
    else {
        panic!("not EncryptedExtensions");
    };
    assert_eq!(ee.groups().unwrap()[0], NamedGroup::X25519);
    assert_eq!(ee.record_size_limit(), Some(0x4001));
    assert!(ee.has(ExtensionType::SERVER_NAME));
    assert!(!ee.early_data_accepted());
    assert_eq!(ee.alpn(), None);

    let HandshakeMessage::CertificateTls13(cert) = decode_and_reencode(CERTIFICATE, TLS13) else {
        panic!("not a TLS 1.3 Certificate");
    };
    assert!(cert.context.is_empty());
    assert_eq!(cert.entries.len(), 1);
    assert_eq!(cert.entries[0].cert.as_ref().len(), 0x1b0);
    assert_eq!(cert.entries[0].cert.as_ref()[..2], [0x30, 0x82]);
    assert!(cert.entries[0].extensions.is_empty());
    assert_eq!(cert.entries[0].ocsp_response(), None);
    assert_eq!(cert.chain().len(), 1);

    let HandshakeMessage::CertificateVerify(cv) = decode_and_reencode(CERTIFICATE_VERIFY, TLS13)
    else {
        panic!("not a CertificateVerify");
    };
    assert_eq!(cv.scheme, SignatureScheme::RSA_PSS_RSAE_SHA256);
    assert_eq!(cv.signature.len(), 128);

    let HandshakeMessage::Finished(fin) = decode_and_reencode(SERVER_FINISHED, TLS13) else {
        panic!("not a Finished");
    };
    assert_eq!(fin.verify_data.len(), 32);
    assert_eq!(fin.verify_data[..2], [0x9b, 0x9b]);

    let HandshakeMessage::NewSessionTicketTls13(nst) =
        decode_and_reencode(NEW_SESSION_TICKET, TLS13)
    else {
        panic!("not a TLS 1.3 NewSessionTicket");
    };
    assert_eq!(nst.lifetime, 0x1e);
    assert_eq!(nst.age_add, 0xfad6aac5);
    assert_eq!(nst.nonce, [0, 0]);
    assert_eq!(nst.ticket.len(), 0xb2);
    assert_eq!(nst.max_early_data_size(), Some(0x400));
}

#[test]
pub(crate) fn rfc8448_resumption_and_binders() {
    let wire = unhex(RESUMPTION_CLIENT_HELLO);
    let HandshakeMessage::ClientHello(ch) = decode_and_reencode(RESUMPTION_CLIENT_HELLO, TLS13)
    else {
        panic!("not a ClientHello");
    };
    let offer = ch.psk().unwrap();
    assert_eq!(offer.identities.len(), 1);
    assert_eq!(offer.identities[0].identity.len(), 0xb2);
    assert_eq!(offer.identities[0].obfuscated_ticket_age, 0xfad6aacb);
    assert_eq!(offer.binders.len(), 1);
    assert_eq!(offer.binders[0].len(), 32);
    assert!(ch.has(ExtensionType::EARLY_DATA));
    assert!(matches!(
        ch.extensions.last(),
        Some(ClientExtension::PreSharedKey(_))
    ));

    // Both the server's view (truncating received bytes) and the client's (encoding the
    // partial ClientHello) give RFC 8448's "ClientHello prefix".
    let prefix = unhex(RESUMPTION_CLIENT_HELLO_PREFIX);
    let binders_len = ch.binders_encoded_len().unwrap();
    assert_eq!(binders_len, 35);
    assert_eq!(wire[..wire.len() - binders_len], prefix[..]);
    assert_eq!(ch.encode_partial().unwrap(), prefix);

    // Filling the binders in place keeps the prefix.
    let mut ch2 = ch.clone();
    ch2.psk_mut().unwrap().binders[0] = vec![0; 32];
    assert_eq!(ch2.encode_partial().unwrap(), prefix);

    let HandshakeMessage::ServerHello(sh) = decode_and_reencode(RESUMPTION_SERVER_HELLO, TLS13)
    else {
        panic!("not a ServerHello");
    };
    assert_eq!(sh.selected_psk_identity(), Some(0));

    let HandshakeMessage::EncryptedExtensions(ee) =
        decode_and_reencode(RESUMPTION_ENCRYPTED_EXTENSIONS, TLS13)
    else {
        panic!("not EncryptedExtensions");
    };
    assert!(ee.early_data_accepted());
}

#[test]
pub(crate) fn rfc8448_hello_retry_request() {
    let HandshakeMessage::HelloRetryRequest(hrr) = decode_and_reencode(HELLO_RETRY_REQUEST, TLS13)
    else {
        panic!("not a HelloRetryRequest");
    };
    assert_eq!(hrr.cipher_suite, CipherSuite::TLS13_AES_128_GCM_SHA256);
    assert_eq!(hrr.selected_group(), Some(NamedGroup::SECP256R1));
    assert_eq!(hrr.selected_version(), Some(TLS13));
    let cookie = hrr.cookie().unwrap();
    assert_eq!(cookie.len(), 0x72);

    let HandshakeMessage::ClientHello(ch2) = decode_and_reencode(SECOND_CLIENT_HELLO, TLS13) else {
        panic!("not a ClientHello");
    };
    assert_eq!(ch2.cookie(), Some(cookie));
    assert_eq!(ch2.key_shares().unwrap()[0].group, NamedGroup::SECP256R1);
    assert!(ch2.has(ExtensionType::PADDING));

    let HandshakeMessage::ServerHello(sh) = decode_and_reencode(HRR_SERVER_HELLO, TLS13) else {
        panic!("the ServerHello after HRR is not a ServerHello");
    };
    assert_eq!(sh.key_share().unwrap().group, NamedGroup::SECP256R1);
}

#[test]
pub(crate) fn tls12_messages_round_trip() {
    let sh = sample_server_hello();
    assert_eq!(sh.alpn(), Some(&b"h2"[..]));
    assert_eq!(sh.renegotiation_info(), Some(&[][..]));
    assert_eq!(sh.ec_point_formats(), Some(&[0][..]));
    assert!(sh.has(ExtensionType::EXTENDED_MASTER_SECRET));
    round_trip(HandshakeMessage::ServerHello(sh), TLS12);

    round_trip(HandshakeMessage::HelloRequest, TLS12);
    round_trip(HandshakeMessage::ServerHelloDone, TLS12);
    round_trip(
        HandshakeMessage::CertificateStatus(vec![0x30, 3, 1, 2, 3]),
        TLS12,
    );
    // RFC 6066 8: status_type ocsp and a non-empty response, nothing else.
    for bad in [
        &[22, 0, 0, 4, 1, 0, 0, 0][..],
        &[22, 0, 0, 5, 2, 0, 0, 1, 0x30],
        &[22, 0, 0, 5, 1, 0, 0, 2, 0x30],
        &[22, 0, 0, 0],
    ] {
        let e = HandshakeMessage::decode_encoded(bad, TLS12).unwrap_err();
        assert_eq!(
            e.alert,
            Some(AlertDescription::DECODE_ERROR),
            "{bad:?}: {e:?}"
        );
    }
    round_trip(
        HandshakeMessage::CertificateTls12(CertificateTls12 {
            chain: vec![sample_certificate(1), sample_certificate(2)],
        }),
        TLS12,
    );
    round_trip(
        HandshakeMessage::CertificateTls12(CertificateTls12::default()),
        TLS12,
    );
    let ske = ServerKeyExchange {
        params: EcdheServerParams {
            group: NamedGroup::SECP256R1,
            public: vec![4; 65],
        },
        signed: DigitallySigned {
            scheme: SignatureScheme::RSA_PKCS1_SHA256,
            signature: vec![0x55; 256],
        },
    };
    let signed = ske.signed_message(&[1; 32], &[2; 32]).unwrap();
    assert_eq!(signed.len(), 64 + 1 + 2 + 1 + 65);
    assert_eq!(signed[64..68], [3, 0, 0x17, 65]);
    round_trip(HandshakeMessage::ServerKeyExchange(ske), TLS12);
    round_trip(
        HandshakeMessage::CertificateRequestTls12(CertificateRequestTls12 {
            certificate_types: vec![
                CertificateRequestTls12::RSA_SIGN,
                CertificateRequestTls12::ECDSA_SIGN,
            ],
            sig_schemes: vec![SignatureScheme::RSA_PSS_RSAE_SHA256],
            certificate_authorities: vec![DistinguishedName(vec![0x30, 0])],
        }),
        TLS12,
    );
    round_trip(
        HandshakeMessage::CertificateRequestTls12(CertificateRequestTls12 {
            certificate_types: vec![1],
            sig_schemes: vec![SignatureScheme::ECDSA_NISTP256_SHA256],
            certificate_authorities: vec![],
        }),
        TLS12,
    );
    round_trip(
        HandshakeMessage::ClientKeyExchange(ClientKeyExchange {
            public: vec![9; 32],
        }),
        TLS12,
    );
    round_trip(
        HandshakeMessage::NewSessionTicketTls12(NewSessionTicketTls12 {
            lifetime_hint: 7200,
            ticket: vec![3; 100],
        }),
        TLS12,
    );
    round_trip(
        HandshakeMessage::NewSessionTicketTls12(NewSessionTicketTls12 {
            lifetime_hint: 0,
            ticket: vec![],
        }),
        TLS12,
    );
    round_trip(
        HandshakeMessage::Finished(Finished {
            verify_data: vec![1; 12],
        }),
        TLS12,
    );
    // A TLS 1.2 ClientHello without an extension block.
    let ch = ClientHello {
        legacy_version: TLS12,
        random: [7; 32],
        legacy_session_id: vec![5; 32],
        cipher_suites: vec![
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
        ],
        compression_methods: vec![1, 0],
        extensions: vec![],
    };
    assert!(ch.offers_cipher_suite(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV));
    assert_eq!(ch.supported_versions(), None);
    assert_eq!(ch.server_name(), None);
    round_trip(HandshakeMessage::ClientHello(ch), TLS12);
}

#[test]
pub(crate) fn tls13_messages_round_trip() {
    round_trip(HandshakeMessage::EndOfEarlyData, TLS13);
    round_trip(
        HandshakeMessage::KeyUpdate(KeyUpdateRequest::UpdateRequested),
        TLS13,
    );
    round_trip(
        HandshakeMessage::KeyUpdate(KeyUpdateRequest::UpdateNotRequested),
        TLS13,
    );
    round_trip(
        HandshakeMessage::EncryptedExtensions(EncryptedExtensions::default()),
        TLS13,
    );
    round_trip(
        HandshakeMessage::CertificateTls13(CertificateTls13 {
            context: vec![1, 2, 3],
            entries: vec![
                CertificateEntry::new(sample_certificate(1)),
                CertificateEntry::new(sample_certificate(2)),
            ],
        }),
        TLS13,
    );
    round_trip(
        HandshakeMessage::CertificateTls13(CertificateTls13::default()),
        TLS13,
    );
    let cr = CertificateRequestTls13 {
        context: vec![],
        extensions: vec![
            CertificateRequestExtension::SignatureAlgorithms(vec![SignatureScheme::ED25519]),
            CertificateRequestExtension::CertificateAuthorities(vec![DistinguishedName(vec![
                0x30, 0,
            ])]),
        ],
    };
    assert_eq!(cr.sig_schemes(), Some(&[SignatureScheme::ED25519][..]));
    assert_eq!(cr.sig_schemes_cert(), None);
    assert_eq!(cr.certificate_authorities().unwrap().len(), 1);
    round_trip(HandshakeMessage::CertificateRequestTls13(cr), TLS13);
    round_trip(
        HandshakeMessage::NewSessionTicketTls13(NewSessionTicketTls13 {
            lifetime: 604800,
            age_add: 1,
            nonce: vec![],
            ticket: vec![1],
            extensions: vec![NewSessionTicketExtension::Unknown {
                typ: ExtensionType(0x2a2a),
                data: vec![],
            }],
        }),
        TLS13,
    );
}

#[test]
pub(crate) fn version_hint_selects_layout() {
    let nst12 = HandshakeMessage::NewSessionTicketTls12(NewSessionTicketTls12 {
        lifetime_hint: 1,
        ticket: vec![1, 2],
    })
    .encode()
    .unwrap();
    assert!(HandshakeMessage::decode_encoded(&nst12, TLS13).is_err());
    let cert13 = HandshakeMessage::CertificateTls13(CertificateTls13 {
        context: vec![],
        entries: vec![CertificateEntry::new(sample_certificate(1))],
    })
    .encode()
    .unwrap();
    assert!(HandshakeMessage::decode_encoded(&cert13, TLS12).is_err());
}

#[test]
pub(crate) fn every_truncation_is_an_error() {
    for hex in [
        CLIENT_HELLO,
        SERVER_HELLO,
        ENCRYPTED_EXTENSIONS,
        CERTIFICATE,
        CERTIFICATE_VERIFY,
        SERVER_FINISHED,
        NEW_SESSION_TICKET,
        RESUMPTION_CLIENT_HELLO,
        HELLO_RETRY_REQUEST,
        SECOND_CLIENT_HELLO,
    ] {
        let wire = unhex(hex);
        let typ = HandshakeType(wire[0]);
        for len in 0..wire.len() {
            // With the header, the length no longer matches.
            assert!(HandshakeMessage::decode_encoded(&wire[..len], TLS13).is_err());
            // Body alone: some cut points are valid messages (a ClientHello or ServerHello
            // without extensions, any Finished), but none may panic.
            if len >= HANDSHAKE_HEADER_LEN {
                let result = HandshakeMessage::decode(typ, &wire[HANDSHAKE_HEADER_LEN..len], TLS13);
                let may_succeed = matches!(
                    typ,
                    HandshakeType::CLIENT_HELLO
                        | HandshakeType::SERVER_HELLO
                        | HandshakeType::FINISHED
                );
                assert!(may_succeed || result.is_err(), "{typ} cut at {len}");
            }
        }
        // Trailing bytes are rejected too.
        let mut long = wire[HANDSHAKE_HEADER_LEN..].to_vec();
        long.push(0);
        if typ != HandshakeType::FINISHED {
            assert!(HandshakeMessage::decode(typ, &long, TLS13).is_err());
        }
    }
}

#[test]
pub(crate) fn byte_mutations_never_panic() {
    for hex in [
        CLIENT_HELLO,
        SERVER_HELLO,
        ENCRYPTED_EXTENSIONS,
        CERTIFICATE,
        NEW_SESSION_TICKET,
        RESUMPTION_CLIENT_HELLO,
        HELLO_RETRY_REQUEST,
        SECOND_CLIENT_HELLO,
    ] {
        let wire = unhex(hex);
        let typ = HandshakeType(wire[0]);
        let body = &wire[HANDSHAKE_HEADER_LEN..];
        for i in 0..body.len() {
            for replacement in [0x00, 0x01, 0x7f, 0xff, body[i] ^ 0x20] {
                let mut mutated = body.to_vec();
                mutated[i] = replacement;
                for version in [TLS12, TLS13] {
                    if let Ok(msg) = HandshakeMessage::decode(typ, &mutated, version) {
                        // Whatever decodes must re-encode without panicking.
                        let _ = msg.encode().unwrap();
                    }
                }
            }
        }
    }
}

#[test]
pub(crate) fn bad_bodies() {
    // Empty certificate in a list, both layouts.
    let err = body_error(HandshakeType::CERTIFICATE, &[0, 0, 0, 3, 0, 0, 0], TLS12);
    assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));
    let err = body_error(
        HandshakeType::CERTIFICATE,
        &[0, 0, 0, 5, 0, 0, 0, 0, 0],
        TLS13,
    );
    assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));

    // KeyUpdate values other than 0 and 1.
    let err = body_error(HandshakeType::KEY_UPDATE, &[2], TLS13);
    assert_eq!(err.alert, Some(AlertDescription::ILLEGAL_PARAMETER));
    let err = body_error(HandshakeType::KEY_UPDATE, &[1, 0], TLS13);
    assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));

    // Empty-bodied messages with a body.
    for typ in [
        HandshakeType::HELLO_REQUEST,
        HandshakeType::SERVER_HELLO_DONE,
        HandshakeType::END_OF_EARLY_DATA,
    ] {
        let err = body_error(typ, &[0], TLS13);
        assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));
    }

    // ServerKeyExchange with an explicit curve type.
    let err = body_error(
        HandshakeType::SERVER_KEY_EXCHANGE,
        &[1, 0, 0x17, 1, 4],
        TLS12,
    );
    assert_eq!(err.alert, Some(AlertDescription::ILLEGAL_PARAMETER));

    // Empty ECDH point, empty TLS 1.3 ticket.
    let err = body_error(HandshakeType::CLIENT_KEY_EXCHANGE, &[0], TLS12);
    assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));
    let err = body_error(
        HandshakeType::NEW_SESSION_TICKET,
        &[0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0],
        TLS13,
    );
    assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));

    // Unknown and non-wire handshake types.
    for typ in [HandshakeType::MESSAGE_HASH, HandshakeType(99)] {
        let err = body_error(typ, &[], TLS13);
        assert_eq!(err.alert, Some(AlertDescription::UNEXPECTED_MESSAGE));
    }

    // Header length disagreeing with the bytes present.
    let err = HandshakeMessage::decode_encoded(&[14, 0, 0, 1], TLS12).unwrap_err();
    assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));
    let err = HandshakeMessage::decode_encoded(&[14, 0, 0, 0, 0], TLS12).unwrap_err();
    assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));
}

/// The committed seeds of the handshake_messages fuzz target (fuzz/src/lib.rs) still pass its
/// check: what decodes re-encodes to a message that decodes the same.
#[test]
fn committed_fuzz_seeds_round_trip() {
    let mut seen = 0;
    for sub in ["corpus", "regressions"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz")
            .join(sub)
            .join("handshake_messages");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let data = std::fs::read(entry.unwrap().path()).unwrap();
            seen += 1;
            if data.len() < 2 {
                continue;
            }
            let version = if data[1] & 1 == 0 { TLS13 } else { TLS12 };
            if let Ok(msg) = HandshakeMessage::decode(HandshakeType(data[0]), &data[2..], version) {
                let encoded = msg.encode().unwrap();
                let again = HandshakeMessage::decode_encoded(&encoded, version).unwrap();
                assert_eq!(again, msg);
            }
        }
    }
    assert!(seen >= 8, "{seen} seeds");
}
