//! The extension catalogue: every extension type libtls gives a meaning to, the messages whose
//! extension block decodes it to a typed value, and the protocol versions that define it.
//!
//! [`decode_extensions`](super::decode_extensions) consults this table before it decodes a body:
//! a type the table does not list for the carrying message stays `Unknown` with its raw body
//! (GREASE, extensions libtls does not implement, and known extensions in a message that may not
//! carry them), for the handshake layer to ignore or refuse as RFC 8446 4.2 says. Each body's
//! encoder and decoder live in the extension's own file beside this one.

use crate::msgs::enums::{ExtensionType, ProtocolVersion};

/// A message that carries an extension block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
    ClientHello,
    ServerHello,
    HelloRetryRequest,
    EncryptedExtensions,
    /// One entry of a TLS 1.3 Certificate.
    CertificateEntry,
    CertificateRequest,
    NewSessionTicket,
}

impl Carrier {
    /// The message's name, as error details give it.
    pub const fn name(self) -> &'static str {
        match self {
            Carrier::ClientHello => "ClientHello",
            Carrier::ServerHello => "ServerHello",
            Carrier::HelloRetryRequest => "HelloRetryRequest",
            Carrier::EncryptedExtensions => "EncryptedExtensions",
            Carrier::CertificateEntry => "CertificateEntry",
            Carrier::CertificateRequest => "CertificateRequest",
            Carrier::NewSessionTicket => "NewSessionTicket",
        }
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A set of carrying messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Carriers(u8);

impl Carriers {
    pub const NONE: Carriers = Carriers(0);

    pub const fn of(list: &[Carrier]) -> Carriers {
        let mut bits = 0;
        let mut i = 0;
        while i < list.len() {
            bits |= list[i].bit();
            i += 1;
        }
        Carriers(bits)
    }

    pub const fn contains(self, c: Carrier) -> bool {
        self.0 & c.bit() != 0
    }
}

/// The protocol versions that define an extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versions {
    Tls12,
    Tls13,
    Both,
}

impl Versions {
    pub fn includes(self, version: ProtocolVersion) -> bool {
        match self {
            Versions::Tls12 => version == ProtocolVersion::TLSV1_2,
            Versions::Tls13 => version == ProtocolVersion::TLSV1_3,
            Versions::Both => {
                version == ProtocolVersion::TLSV1_2 || version == ProtocolVersion::TLSV1_3
            }
        }
    }
}

/// One row of the catalogue. The name is the code point's ([`ExtensionType::name`]).
#[derive(Debug, Clone, Copy)]
pub struct ExtensionInfo {
    pub typ: ExtensionType,
    /// The messages whose extension enum decodes this type to a typed variant.
    pub parsed_in: Carriers,
    pub versions: Versions,
    /// Where the extension is defined.
    pub rfc: &'static str,
}

use Carrier::{
    CertificateEntry as CT, CertificateRequest as CR, ClientHello as CH, EncryptedExtensions as EE,
    HelloRetryRequest as HRR, NewSessionTicket as NST, ServerHello as SH,
};

const fn row(
    typ: ExtensionType,
    parsed_in: &[Carrier],
    versions: Versions,
    rfc: &'static str,
) -> ExtensionInfo {
    ExtensionInfo {
        typ,
        parsed_in: Carriers::of(parsed_in),
        versions,
        rfc,
    }
}

/// Every extension libtls knows, in code point order.
#[rustfmt::skip]
pub const CATALOGUE: &[ExtensionInfo] = &[
    row(ExtensionType::SERVER_NAME, &[CH, SH, EE], Versions::Both, "RFC 6066 3"),
    row(ExtensionType::STATUS_REQUEST, &[CH, SH, CT], Versions::Both, "RFC 6066 8, RFC 8446 4.4.2.1"),
    row(ExtensionType::SUPPORTED_GROUPS, &[CH, EE], Versions::Both, "RFC 8446 4.2.7, RFC 8422 5.1.1"),
    row(ExtensionType::EC_POINT_FORMATS, &[CH, SH], Versions::Tls12, "RFC 8422 5.1.2"),
    row(ExtensionType::SIGNATURE_ALGORITHMS, &[CH, CR], Versions::Both, "RFC 8446 4.2.3"),
    row(ExtensionType::ALPN, &[CH, SH, EE], Versions::Both, "RFC 7301"),
    row(ExtensionType::PADDING, &[CH], Versions::Both, "RFC 7685"),
    row(ExtensionType::EXTENDED_MASTER_SECRET, &[CH, SH], Versions::Tls12, "RFC 7627"),
    // Opaque in ClientHello and CertificateRequest; `msgs::compressed_cert` reads its body.
    row(ExtensionType::COMPRESS_CERTIFICATE, &[], Versions::Tls13, "RFC 8879 3"),
    row(ExtensionType::RECORD_SIZE_LIMIT, &[CH, SH, EE], Versions::Both, "RFC 8449"),
    row(ExtensionType::SESSION_TICKET, &[CH, SH], Versions::Tls12, "RFC 5077"),
    row(ExtensionType::PRE_SHARED_KEY, &[CH, SH], Versions::Tls13, "RFC 8446 4.2.11"),
    row(ExtensionType::EARLY_DATA, &[CH, EE, NST], Versions::Tls13, "RFC 8446 4.2.10"),
    row(ExtensionType::SUPPORTED_VERSIONS, &[CH, SH, HRR], Versions::Tls13, "RFC 8446 4.2.1"),
    row(ExtensionType::COOKIE, &[CH, HRR], Versions::Tls13, "RFC 8446 4.2.2"),
    row(ExtensionType::PSK_KEY_EXCHANGE_MODES, &[CH], Versions::Tls13, "RFC 8446 4.2.9"),
    row(ExtensionType::CERTIFICATE_AUTHORITIES, &[CH, CR], Versions::Tls13, "RFC 8446 4.2.4"),
    row(ExtensionType::POST_HANDSHAKE_AUTH, &[CH], Versions::Tls13, "RFC 8446 4.2.6"),
    row(ExtensionType::SIGNATURE_ALGORITHMS_CERT, &[CH, CR], Versions::Both, "RFC 8446 4.2.3"),
    row(ExtensionType::KEY_SHARE, &[CH, SH, HRR], Versions::Tls13, "RFC 8446 4.2.8"),
    row(ExtensionType::RENEGOTIATION_INFO, &[CH, SH], Versions::Tls12, "RFC 5746"),
];

/// The catalogue's row for `typ`, if libtls knows it.
pub fn lookup(typ: ExtensionType) -> Option<&'static ExtensionInfo> {
    CATALOGUE.iter().find(|info| info.typ == typ)
}

/// True if `carrier`'s extension enum decodes `typ` to a typed variant.
pub fn parsed_in(typ: ExtensionType, carrier: Carrier) -> bool {
    lookup(typ).is_some_and(|info| info.parsed_in.contains(carrier))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::extensions::tests::samples_by_carrier;
    use crate::msgs::extensions::Extension;

    #[test]
    fn rows_are_unique_named_and_ordered() {
        for pair in CATALOGUE.windows(2) {
            assert!(pair[0].typ < pair[1].typ, "{:?}", pair[1].typ);
        }
        for info in CATALOGUE {
            assert!(info.typ.name().is_some(), "{:?}", info.typ);
        }
    }

    /// The table and the enums agree: every typed variant of every carrier's enum is listed for
    /// that carrier, and every type listed for a carrier has a typed variant in the samples.
    #[test]
    fn table_matches_the_extension_enums() {
        for (carrier, types) in samples_by_carrier() {
            for typ in &types {
                assert!(parsed_in(*typ, carrier), "{typ} in {carrier:?}");
            }
            for info in CATALOGUE {
                if info.parsed_in.contains(carrier) {
                    assert!(types.contains(&info.typ), "{} in {carrier:?}", info.typ);
                }
            }
        }
    }

    #[test]
    fn unlisted_types_stay_unknown() {
        use crate::codec::{Reader, Writer};
        use crate::msgs::extensions::{decode_extensions, EncryptedExtension};
        // key_share is listed for other messages, not EncryptedExtensions.
        let mut w = Writer::new();
        w.nested_u16(|w| {
            w.u16(ExtensionType::KEY_SHARE.0);
            w.vec_u16(&[0, 0x1d, 0, 1, 7]);
        });
        let exts: Vec<EncryptedExtension> = decode_extensions(&mut Reader::new(&w.buf)).unwrap();
        assert_eq!(exts[0].ext_type(), ExtensionType::KEY_SHARE);
        assert!(matches!(exts[0], EncryptedExtension::Unknown { .. }));
        assert!(Versions::Tls13.includes(ProtocolVersion::TLSV1_3));
        assert!(!Versions::Tls12.includes(ProtocolVersion::TLSV1_3));
        assert!(!Versions::Both.includes(ProtocolVersion::TLSV1_1));
    }
}
