//! A small X.509 certificate reader (RFC 5280) for what webpki does not expose: names, serials,
//! validity dates, key types and the common extensions, printed the way OpenSSL prints them.
//!
//! This does not validate anything cryptographically; path validation stays with webpki.

pub mod der;
pub mod name;
pub mod pem;
pub mod time;

pub use der::{DerError, Oid};
pub use name::{Attribute, Name};
pub use time::{format_time, iso_date, iso_datetime};

use crate::error::{Error, Reason};
use der::{tag, DerReader, DerResult, Tlv};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Contents octets of the OIDs this module interprets.
pub mod oids {
    /// 1.2.840.113549.1.1.1
    pub const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    /// 1.2.840.10045.2.1
    pub const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    /// 1.2.840.10045.3.1.7 (prime256v1)
    pub const SECP256R1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    /// 1.3.132.0.34
    pub const SECP384R1: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
    /// 1.3.132.0.35
    pub const SECP521R1: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
    /// 1.3.101.112
    pub const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
    /// 1.3.101.113
    pub const ED448: &[u8] = &[0x2b, 0x65, 0x71];

    /// 2.5.29.15
    pub const KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
    /// 2.5.29.17
    pub const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
    /// 2.5.29.19
    pub const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
    /// 2.5.29.37
    pub const EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];

    /// 1.3.6.1.5.5.7.3.1
    pub const KP_SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
    /// 1.3.6.1.5.5.7.3.2
    pub const KP_CLIENT_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];
    /// 2.5.29.37.0
    pub const ANY_EXTENDED_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25, 0x00];
}

/// The kind of public key a certificate carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Rsa {
        bits: u32,
    },
    EcP256,
    EcP384,
    EcP521,
    Ed25519,
    Ed448,
    /// An algorithm or curve we do not recognise, or an RSA key we could not read.
    Other,
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyType::Rsa { bits } => write!(f, "RSA-{bits}"),
            KeyType::EcP256 => f.write_str("EC P-256"),
            KeyType::EcP384 => f.write_str("EC P-384"),
            KeyType::EcP521 => f.write_str("EC P-521"),
            KeyType::Ed25519 => f.write_str("Ed25519"),
            KeyType::Ed448 => f.write_str("Ed448"),
            KeyType::Other => f.write_str("unknown key type"),
        }
    }
}

/// `SubjectPublicKeyInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyInfo {
    pub algorithm: Oid,
    /// The algorithm parameters when they are an OID: the named curve of an EC key.
    pub parameters: Option<Oid>,
    /// The subjectPublicKey BIT STRING's octets (an RSAPublicKey, an EC point, a raw EdDSA key).
    pub key: Vec<u8>,
    /// The whole SubjectPublicKeyInfo encoding.
    pub der: Vec<u8>,
}

impl PublicKeyInfo {
    pub fn key_type(&self) -> KeyType {
        let algorithm = self.algorithm.as_bytes();
        let curve = self.parameters.as_ref().map(Oid::as_bytes);
        match (algorithm, curve) {
            (oids::RSA_ENCRYPTION, _) => rsa_modulus_bits(&self.key)
                .map(|bits| KeyType::Rsa { bits })
                .unwrap_or(KeyType::Other),
            (oids::EC_PUBLIC_KEY, Some(oids::SECP256R1)) => KeyType::EcP256,
            (oids::EC_PUBLIC_KEY, Some(oids::SECP384R1)) => KeyType::EcP384,
            (oids::EC_PUBLIC_KEY, Some(oids::SECP521R1)) => KeyType::EcP521,
            (oids::ED25519, None) => KeyType::Ed25519,
            (oids::ED448, None) => KeyType::Ed448,
            _ => KeyType::Other,
        }
    }
}

/// Bit length of the modulus in an `RSAPublicKey ::= SEQUENCE { modulus, publicExponent }`.
fn rsa_modulus_bits(key: &[u8]) -> Option<u32> {
    let mut outer = DerReader::new(key);
    let mut rsa_key = outer.read_constructed(tag::SEQUENCE, "RSAPublicKey").ok()?;
    outer.finish("RSAPublicKey").ok()?;
    let modulus = rsa_key.read_integer_bytes("modulus").ok()?;
    rsa_key.read_integer_bytes("publicExponent").ok()?;
    rsa_key.finish("RSAPublicKey").ok()?;
    if modulus[0] & 0x80 != 0 {
        return None;
    }
    let magnitude = if modulus[0] == 0 {
        &modulus[1..]
    } else {
        modulus
    };
    let (&top, _) = magnitude.split_first()?;
    let len = u32::try_from(magnitude.len()).ok()?;
    Some((len - 1) * 8 + (u8::BITS - top.leading_zeros()))
}

/// One certificate extension, undecoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub oid: Oid,
    pub critical: bool,
    /// The extnValue OCTET STRING's contents.
    pub value: Vec<u8>,
}

/// An entry of subjectAltName.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GeneralName {
    Dns(String),
    /// 4 octets for IPv4, 16 for IPv6 (other lengths are kept but are invalid).
    Ip(Vec<u8>),
    Email(String),
    Uri(String),
    DirectoryName(Name),
    /// otherName, x400Address, ediPartyName or registeredID, by their context tag number.
    Unsupported(u8),
}

impl GeneralName {
    /// The address of an `Ip` entry, if it has a valid length.
    pub fn ip_address(&self) -> Option<IpAddr> {
        match self {
            GeneralName::Ip(bytes) => ip_from_bytes(bytes),
            _ => None,
        }
    }

    /// The entry as `openssl x509 -ext subjectAltName` prints it (`DNS:example.com`,
    /// `IP Address:2001:DB8:0:0:0:0:0:1`, `email:...`, `URI:...`).
    pub fn openssl_text(&self) -> String {
        match self {
            GeneralName::Dns(s) => format!("DNS:{s}"),
            GeneralName::Email(s) => format!("email:{s}"),
            GeneralName::Uri(s) => format!("URI:{s}"),
            GeneralName::DirectoryName(name) => format!("DirName:{}", name.oneline()),
            GeneralName::Ip(bytes) => match (bytes.len(), ip_from_bytes(bytes)) {
                (16, _) => {
                    // OpenSSL writes all eight groups in upper-case hex, never compressed.
                    let groups: Vec<String> = bytes
                        .chunks_exact(2)
                        .map(|g| format!("{:X}", u16::from_be_bytes([g[0], g[1]])))
                        .collect();
                    format!("IP Address:{}", groups.join(":"))
                }
                (_, Some(ip)) => format!("IP Address:{ip}"),
                _ => "IP Address:<invalid>".to_owned(),
            },
            GeneralName::Unsupported(0) => "othername:<unsupported>".to_owned(),
            GeneralName::Unsupported(3) => "X400Name:<unsupported>".to_owned(),
            GeneralName::Unsupported(5) => "EdiPartyName:<unsupported>".to_owned(),
            GeneralName::Unsupported(8) => "Registered ID:<unsupported>".to_owned(),
            GeneralName::Unsupported(n) => format!("[{n}]:<unsupported>"),
        }
    }
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        Some(IpAddr::V4(Ipv4Addr::from(v4)))
    } else if let Ok(v6) = <[u8; 16]>::try_from(bytes) {
        Some(IpAddr::V6(Ipv6Addr::from(v6)))
    } else {
        None
    }
}

/// basicConstraints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BasicConstraints {
    pub ca: bool,
    pub path_len: Option<u64>,
}

/// keyUsage bits, numbered as in RFC 5280 4.2.1.3 (bit 0 = digitalSignature).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyUsage(pub u16);

impl KeyUsage {
    pub const DIGITAL_SIGNATURE: KeyUsage = KeyUsage(1 << 0);
    pub const NON_REPUDIATION: KeyUsage = KeyUsage(1 << 1);
    pub const KEY_ENCIPHERMENT: KeyUsage = KeyUsage(1 << 2);
    pub const DATA_ENCIPHERMENT: KeyUsage = KeyUsage(1 << 3);
    pub const KEY_AGREEMENT: KeyUsage = KeyUsage(1 << 4);
    pub const KEY_CERT_SIGN: KeyUsage = KeyUsage(1 << 5);
    pub const CRL_SIGN: KeyUsage = KeyUsage(1 << 6);
    pub const ENCIPHER_ONLY: KeyUsage = KeyUsage(1 << 7);
    pub const DECIPHER_ONLY: KeyUsage = KeyUsage(1 << 8);

    pub fn contains(self, other: KeyUsage) -> bool {
        self.0 & other.0 == other.0
    }
}

/// A parsed certificate: the DER plus owned views of its fields.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    version: u8,
    serial: Vec<u8>,
    signature_algorithm: Oid,
    issuer: Name,
    subject: Name,
    not_before: i64,
    not_after: i64,
    public_key: PublicKeyInfo,
    extensions: Vec<Extension>,
    subject_alt_names: Vec<GeneralName>,
    basic_constraints: Option<BasicConstraints>,
    key_usage: Option<KeyUsage>,
    extended_key_usage: Option<Vec<Oid>>,
}

fn x509_error(e: DerError) -> Error {
    Error::local(Reason::X509_LIB, format!("bad certificate: {e}"))
}

impl Certificate {
    /// Parses one DER certificate; the input must hold exactly one, with nothing after it.
    pub fn from_der(der: &[u8]) -> Result<Certificate, Error> {
        Self::parse(der).map_err(x509_error)
    }

    fn parse(input: &[u8]) -> DerResult<Certificate> {
        let mut top = DerReader::new(input);
        let mut cert = top.read_constructed(tag::SEQUENCE, "Certificate")?;
        top.finish("Certificate")?;
        let mut tbs = cert.read_constructed(tag::SEQUENCE, "TBSCertificate")?;
        let signature_algorithm = read_algorithm(&mut cert, "signatureAlgorithm")?.0;
        cert.read_bit_string("signatureValue")?;
        cert.finish("Certificate")?;

        let version = match tbs.read_optional(tag::context_constructed(0), "version")? {
            Some(tlv) => {
                let mut explicit = tbs.enter(tlv, "version")?;
                let v = explicit.read_small_uint("version")?;
                explicit.finish("version")?;
                u8::try_from(v)
                    .ok()
                    .filter(|&v| v <= 2)
                    .ok_or(DerError::new("version", "not v1, v2 or v3"))?
            }
            None => 0,
        };
        let serial = tbs.read_integer_bytes("serialNumber")?.to_vec();
        let inner_algorithm = read_algorithm(&mut tbs, "signature")?.0;
        if inner_algorithm != signature_algorithm {
            return Err(DerError::new(
                "signature",
                "algorithm differs from signatureAlgorithm",
            ));
        }
        let issuer_tlv = tbs.read_any("issuer")?;
        let issuer = Name::parse(&tbs, issuer_tlv)?;

        let mut validity = tbs.read_constructed(tag::SEQUENCE, "validity")?;
        let not_before = read_time(&mut validity, "notBefore")?;
        let not_after = read_time(&mut validity, "notAfter")?;
        validity.finish("validity")?;

        let subject_tlv = tbs.read_any("subject")?;
        let subject = Name::parse(&tbs, subject_tlv)?;

        let spki_tlv = tbs.read(tag::SEQUENCE, "subjectPublicKeyInfo")?;
        let mut spki = tbs.enter(spki_tlv, "subjectPublicKeyInfo")?;
        let (algorithm, parameters) = read_algorithm(&mut spki, "subjectPublicKeyInfo")?;
        let key = spki.read_bit_string("subjectPublicKey")?;
        spki.finish("subjectPublicKeyInfo")?;
        if key.unused_bits != 0 {
            return Err(DerError::new("subjectPublicKey", "not whole octets"));
        }
        let public_key = PublicKeyInfo {
            algorithm,
            parameters,
            key: key.bytes.to_vec(),
            der: spki_tlv.encoded.to_vec(),
        };

        tbs.read_optional(tag::context_primitive(1), "issuerUniqueID")?;
        tbs.read_optional(tag::context_primitive(2), "subjectUniqueID")?;
        let mut parsed = Certificate {
            der: input.to_vec(),
            version,
            serial,
            signature_algorithm,
            issuer,
            subject,
            not_before,
            not_after,
            public_key,
            extensions: Vec::new(),
            subject_alt_names: Vec::new(),
            basic_constraints: None,
            key_usage: None,
            extended_key_usage: None,
        };
        if let Some(tlv) = tbs.read_optional(tag::context_constructed(3), "extensions")? {
            let mut explicit = tbs.enter(tlv, "extensions")?;
            let mut list = explicit.read_constructed(tag::SEQUENCE, "extensions")?;
            explicit.finish("extensions")?;
            if list.is_empty() {
                return Err(DerError::new("extensions", "empty SEQUENCE"));
            }
            while !list.is_empty() {
                let extension = read_extension(&mut list)?;
                if parsed.extensions.iter().any(|e| e.oid == extension.oid) {
                    return Err(DerError::new("extensions", "an extension appears twice"));
                }
                parsed.interpret_extension(&extension)?;
                parsed.extensions.push(extension);
            }
        }
        tbs.finish("TBSCertificate")?;
        Ok(parsed)
    }

    fn interpret_extension(&mut self, extension: &Extension) -> DerResult<()> {
        let mut outer = DerReader::new(&extension.value);
        match extension.oid.as_bytes() {
            oids::SUBJECT_ALT_NAME => {
                let mut names = outer.read_constructed(tag::SEQUENCE, "subjectAltName")?;
                if names.is_empty() {
                    return Err(DerError::new("subjectAltName", "empty SEQUENCE"));
                }
                while !names.is_empty() {
                    let tlv = names.read_any("GeneralName")?;
                    let name = read_general_name(&names, tlv)?;
                    self.subject_alt_names.push(name);
                }
            }
            oids::BASIC_CONSTRAINTS => {
                let mut seq = outer.read_constructed(tag::SEQUENCE, "basicConstraints")?;
                let ca = match seq.peek_tag() {
                    Some(tag::BOOLEAN) => seq.read_bool("cA")?,
                    _ => false,
                };
                let path_len = match seq.peek_tag() {
                    Some(tag::INTEGER) => Some(seq.read_small_uint("pathLenConstraint")?),
                    _ => None,
                };
                seq.finish("basicConstraints")?;
                self.basic_constraints = Some(BasicConstraints { ca, path_len });
            }
            oids::KEY_USAGE => {
                let bits = outer.read_bit_string("keyUsage")?;
                if bits.bytes.len() > 2 {
                    return Err(DerError::new("keyUsage", "more than nine bits"));
                }
                let flags = (0..9)
                    .filter(|&n| bits.bit(n))
                    .fold(0u16, |acc, n| acc | (1 << n));
                self.key_usage = Some(KeyUsage(flags));
            }
            oids::EXT_KEY_USAGE => {
                let mut seq = outer.read_constructed(tag::SEQUENCE, "extKeyUsage")?;
                let mut purposes = Vec::new();
                while !seq.is_empty() {
                    purposes.push(seq.read_oid("KeyPurposeId")?);
                }
                if purposes.is_empty() {
                    return Err(DerError::new("extKeyUsage", "empty SEQUENCE"));
                }
                self.extended_key_usage = Some(purposes);
            }
            _ => return Ok(()),
        }
        outer.finish("extension value")
    }

    /// The certificate's DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The DER as the type webpki and rustls-pki-types take.
    pub fn as_certificate_der(&self) -> pki_types::CertificateDer<'_> {
        pki_types::CertificateDer::from(self.der.as_slice())
    }

    /// The version field as `X509_get_version` returns it: 0 for v1, 2 for v3.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// The serial number's INTEGER contents octets (big-endian two's complement, so a positive
    /// serial with its top bit set keeps its leading zero octet).
    pub fn serial(&self) -> &[u8] {
        &self.serial
    }

    /// The serial as `openssl x509 -serial` prints it: upper-case hex of the magnitude, an even
    /// number of digits, `-` in front of a negative one.
    pub fn serial_hex(&self) -> String {
        let negative = self.serial[0] & 0x80 != 0;
        let mut magnitude = self.serial.clone();
        if negative {
            // Two's complement negation: invert, then add one.
            magnitude.iter_mut().for_each(|b| *b = !*b);
            for b in magnitude.iter_mut().rev() {
                let (sum, carry) = b.overflowing_add(1);
                *b = sum;
                if !carry {
                    break;
                }
            }
        }
        let first_nonzero = magnitude.iter().position(|&b| b != 0);
        let digits = match first_nonzero {
            Some(i) => name::hex_upper(&magnitude[i..]),
            None => "00".to_owned(),
        };
        if negative {
            format!("-{digits}")
        } else {
            digits
        }
    }

    /// The signatureAlgorithm OID (e.g. 1.2.840.10045.4.3.2 for ecdsa-with-SHA256).
    pub fn signature_algorithm(&self) -> &Oid {
        &self.signature_algorithm
    }

    pub fn issuer(&self) -> &Name {
        &self.issuer
    }

    pub fn subject(&self) -> &Name {
        &self.subject
    }

    /// notBefore, in seconds since the Unix epoch.
    pub fn not_before(&self) -> i64 {
        self.not_before
    }

    /// notAfter, in seconds since the Unix epoch.
    pub fn not_after(&self) -> i64 {
        self.not_after
    }

    pub fn public_key(&self) -> &PublicKeyInfo {
        &self.public_key
    }

    pub fn key_type(&self) -> KeyType {
        self.public_key.key_type()
    }

    /// All extensions in certificate order, including those interpreted below.
    pub fn extensions(&self) -> &[Extension] {
        &self.extensions
    }

    pub fn extension(&self, oid: &[u8]) -> Option<&Extension> {
        self.extensions.iter().find(|e| e.oid == *oid)
    }

    /// subjectAltName entries in certificate order (empty without the extension).
    pub fn subject_alt_names(&self) -> &[GeneralName] {
        &self.subject_alt_names
    }

    pub fn dns_names(&self) -> impl Iterator<Item = &str> {
        self.subject_alt_names.iter().filter_map(|n| match n {
            GeneralName::Dns(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// The octets of each iPAddress entry (4 for IPv4, 16 for IPv6).
    pub fn ip_addresses(&self) -> impl Iterator<Item = &[u8]> {
        self.subject_alt_names.iter().filter_map(|n| match n {
            GeneralName::Ip(bytes) => Some(bytes.as_slice()),
            _ => None,
        })
    }

    pub fn basic_constraints(&self) -> Option<BasicConstraints> {
        self.basic_constraints
    }

    /// basicConstraints' cA flag (false without the extension).
    pub fn is_ca(&self) -> bool {
        self.basic_constraints.is_some_and(|bc| bc.ca)
    }

    pub fn key_usage(&self) -> Option<KeyUsage> {
        self.key_usage
    }

    /// extKeyUsage purposes, if the extension is present.
    pub fn extended_key_usage(&self) -> Option<&[Oid]> {
        self.extended_key_usage.as_deref()
    }

    /// True without extKeyUsage (no restriction), or when it lists `purpose` or anyExtendedKeyUsage.
    pub fn allows_purpose(&self, purpose: &[u8]) -> bool {
        match &self.extended_key_usage {
            None => true,
            Some(list) => list
                .iter()
                .any(|oid| *oid == *purpose || *oid == *oids::ANY_EXTENDED_KEY_USAGE),
        }
    }

    /// Issuer and subject are the same name (RFC 5280 name matching): a root or a re-keyed CA.
    pub fn is_self_issued(&self) -> bool {
        self.issuer.matches(&self.subject)
    }

    pub fn sha256_fingerprint(&self) -> [u8; 32] {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &self.der);
        let mut out = [0u8; 32];
        out.copy_from_slice(digest.as_ref());
        out
    }

    /// The fingerprint as `openssl x509 -fingerprint -sha256` shows it: `AB:7C:...`.
    pub fn sha256_fingerprint_text(&self) -> String {
        let hex: Vec<String> = self
            .sha256_fingerprint()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        hex.join(":")
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject)
            .field("issuer", &self.issuer)
            .field("serial", &self.serial_hex())
            .field("not_before", &iso_datetime(self.not_before))
            .field("not_after", &iso_datetime(self.not_after))
            .field("key_type", &self.key_type())
            .finish_non_exhaustive()
    }
}

/// `AlgorithmIdentifier`: the OID, and the parameters when they are themselves an OID.
fn read_algorithm(reader: &mut DerReader<'_>, what: &'static str) -> DerResult<(Oid, Option<Oid>)> {
    let mut seq = reader.read_constructed(tag::SEQUENCE, what)?;
    let algorithm = seq.read_oid(what)?;
    let parameters = if seq.peek_tag() == Some(tag::OID) {
        Some(seq.read_oid(what)?)
    } else {
        if !seq.is_empty() {
            seq.read_any(what)?;
        }
        None
    };
    seq.finish(what)?;
    Ok((algorithm, parameters))
}

fn read_time(reader: &mut DerReader<'_>, what: &'static str) -> DerResult<i64> {
    let tlv = reader.read_any(what)?;
    time::parse_time(tlv.tag, tlv.value, what)
}

fn read_extension(list: &mut DerReader<'_>) -> DerResult<Extension> {
    let mut seq = list.read_constructed(tag::SEQUENCE, "Extension")?;
    let oid = seq.read_oid("extnID")?;
    let critical = match seq.peek_tag() {
        Some(tag::BOOLEAN) => seq.read_bool("critical")?,
        _ => false,
    };
    let value = seq.read(tag::OCTET_STRING, "extnValue")?.value.to_vec();
    seq.finish("Extension")?;
    Ok(Extension {
        oid,
        critical,
        value,
    })
}

fn ia5_text(value: &[u8], what: &'static str) -> DerResult<String> {
    if value.is_ascii() {
        Ok(value.iter().map(|&b| char::from(b)).collect())
    } else {
        Err(DerError::new(what, "non-ASCII octet in IA5String"))
    }
}

fn read_general_name(parent: &DerReader<'_>, tlv: Tlv<'_>) -> DerResult<GeneralName> {
    const CONTEXT_CLASS: u8 = 0x80;
    if tlv.tag & 0xc0 != CONTEXT_CLASS {
        return Err(DerError::new("GeneralName", "not context-tagged"));
    }
    let number = tlv.tag & 0x1f;
    Ok(match tlv.tag {
        t if t == tag::context_primitive(1) => {
            GeneralName::Email(ia5_text(tlv.value, "rfc822Name")?)
        }
        t if t == tag::context_primitive(2) => GeneralName::Dns(ia5_text(tlv.value, "dNSName")?),
        t if t == tag::context_primitive(6) => {
            GeneralName::Uri(ia5_text(tlv.value, "uniformResourceIdentifier")?)
        }
        t if t == tag::context_primitive(7) => GeneralName::Ip(tlv.value.to_vec()),
        t if t == tag::context_constructed(4) => {
            let mut explicit = parent.enter(tlv, "directoryName")?;
            let inner = explicit.read_any("directoryName")?;
            let name = Name::parse(&explicit, inner)?;
            explicit.finish("directoryName")?;
            GeneralName::DirectoryName(name)
        }
        // otherName, x400Address and ediPartyName are SEQUENCEs; registeredID is an OID.
        t if t == tag::context_constructed(0)
            || t == tag::context_constructed(3)
            || t == tag::context_constructed(5)
            || t == tag::context_primitive(8) =>
        {
            GeneralName::Unsupported(number)
        }
        _ => {
            return Err(DerError::new(
                "GeneralName",
                "unknown or mis-encoded choice",
            ))
        }
    })
}

/// Every certificate in a PEM bundle, in order; other PEM sections (keys, CRLs) are skipped.
/// Fails on unreadable PEM, a certificate that does not parse, or when there is no certificate.
pub fn from_pem_bundle(pem: &[u8]) -> Result<Vec<Certificate>, Error> {
    let mut reader = pem;
    let mut certificates = Vec::new();
    for item in rustls_pemfile::certs(&mut reader) {
        let der = item.map_err(|e| Error::local(Reason::BAD_PEM, format!("bad PEM: {e}")))?;
        let certificate = Certificate::from_der(&der).map_err(|e| {
            Error::local(
                e.reason,
                format!(
                    "certificate {} in the bundle: {}",
                    certificates.len() + 1,
                    e.detail
                ),
            )
        })?;
        certificates.push(certificate);
    }
    if certificates.is_empty() {
        return Err(Error::local(
            Reason::BAD_PEM,
            "no certificate found in the PEM data",
        ));
    }
    Ok(certificates)
}

#[cfg(test)]
mod tests;

/// Whether a DER certificate names itself as issuer; false for anything unparsable.
pub fn is_self_issued_der(der: &[u8]) -> bool {
    Certificate::from_der(der).is_ok_and(|c| c.is_self_issued())
}
