//! Hello and handshake extensions (RFC 8446 section 4.2, RFC 5246 section 7.4.1.4 and the RFCs
//! defining each extension).
//!
//! One extension type can have a different body depending on the message carrying it (key_share
//! holds a list in ClientHello, one entry in ServerHello and a bare group in HelloRetryRequest),
//! so there is one enum per carrying message. Every enum has an `Unknown` variant: GREASE values,
//! extensions we do not implement, and known extensions that do not belong in that message all
//! decode to it, so the handshake layer can ignore them or reject them as its policy says
//! (RFC 8446 section 4.2: a recognised extension in the wrong message is `illegal_parameter`,
//! an unsolicited one `unsupported_extension`).

use std::collections::HashSet;

use crate::codec::{Reader, Writer};
use crate::error::{Error, Reason};
use crate::msgs::enums::{
    AlertDescription, ExtensionType, NamedGroup, ProtocolVersion, PskKeyExchangeMode,
    SignatureScheme,
};

/// Behaviour shared by the per-message extension enums.
pub trait Extension: Sized {
    /// The carrying message, for error details.
    const CONTEXT: &'static str;

    fn ext_type(&self) -> ExtensionType;

    /// Writes the extension_data contents (without type and length).
    fn encode_body(&self, w: &mut Writer);

    /// Parses extension_data; `body` must be consumed completely (checked by the caller).
    fn decode_body(typ: ExtensionType, body: &mut Reader) -> Result<Self, Error>;

    /// Writes the whole extension: type, length, data.
    fn encode(&self, w: &mut Writer) {
        w.u16(self.ext_type().0);
        w.nested_u16(|w| self.encode_body(w));
    }
}

/// Writes an extension block (u16-length-prefixed list of extensions).
pub fn encode_extensions<E: Extension>(exts: &[E], w: &mut Writer) {
    w.nested_u16(|w| exts.iter().for_each(|e| e.encode(w)));
}

/// Reads an extension block (u16-length-prefixed list of extensions). Rejects a repeated type
/// with `illegal_parameter` (RFC 8446 section 4.2) and a malformed body with `decode_error`.
pub fn decode_extensions<E: Extension>(r: &mut Reader) -> Result<Vec<E>, Error> {
    let mut block = r.sub_u16("extension block")?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    while !block.is_empty() {
        let typ = ExtensionType(block.u16("extension type")?);
        let data = block.vec_u16("extension data")?;
        if !seen.insert(typ) {
            return Err(Error::illegal(
                Reason::BAD_EXTENSION,
                format!("{typ} extension appears twice in {}", E::CONTEXT),
            ));
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
                e.detail = format!("{typ} extension in {}: {}", E::CONTEXT, e.detail);
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

/// A malformed extension body: `decode_error`.
fn malformed(detail: impl Into<String>) -> Error {
    Error::protocol(
        AlertDescription::DECODE_ERROR,
        Reason::BAD_EXTENSION,
        detail,
    )
}

fn require_non_empty<T>(items: Vec<T>, what: &str) -> Result<Vec<T>, Error> {
    if items.is_empty() {
        Err(malformed(format!("empty {what} list")))
    } else {
        Ok(items)
    }
}

fn decode_groups(r: &mut Reader) -> Result<Vec<NamedGroup>, Error> {
    let groups = r.u16_list("named group list")?;
    require_non_empty(groups.into_iter().map(NamedGroup).collect(), "named group")
}

fn encode_groups(groups: &[NamedGroup], w: &mut Writer) {
    w.nested_u16(|w| groups.iter().for_each(|g| w.u16(g.0)));
}

fn decode_sig_schemes(r: &mut Reader) -> Result<Vec<SignatureScheme>, Error> {
    let schemes = r.u16_list("signature scheme list")?;
    require_non_empty(
        schemes.into_iter().map(SignatureScheme).collect(),
        "signature scheme",
    )
}

fn encode_sig_schemes(schemes: &[SignatureScheme], w: &mut Writer) {
    w.nested_u16(|w| schemes.iter().for_each(|s| w.u16(s.0)));
}

/// An ALPN protocol name: 1..=255 opaque bytes (RFC 7301).
pub type ProtocolName = Vec<u8>;

fn decode_alpn_list(r: &mut Reader) -> Result<Vec<ProtocolName>, Error> {
    let mut list = r.sub_u16("protocol name list")?;
    let mut names = Vec::new();
    while !list.is_empty() {
        let name = list.vec_u8("protocol name")?;
        if name.is_empty() {
            return Err(malformed("empty ALPN protocol name"));
        }
        names.push(name.to_vec());
    }
    require_non_empty(names, "ALPN protocol name")
}

fn encode_alpn_list(names: &[ProtocolName], w: &mut Writer) {
    w.nested_u16(|w| names.iter().for_each(|n| w.vec_u8(n)));
}

/// A server's ALPN answer: a list holding exactly one name.
fn decode_alpn_single(r: &mut Reader) -> Result<ProtocolName, Error> {
    let mut names = decode_alpn_list(r)?;
    if names.len() != 1 {
        return Err(malformed(format!(
            "server selected {} ALPN protocols, not one",
            names.len()
        )));
    }
    Ok(names.remove(0))
}

fn encode_alpn_single(name: &[u8], w: &mut Writer) {
    w.nested_u16(|w| w.vec_u8(name));
}

fn decode_record_size_limit(r: &mut Reader) -> Result<u16, Error> {
    let limit = r.u16("record size limit")?;
    // RFC 8449 section 4: values below 64 are a fatal illegal_parameter.
    if limit < 64 {
        return Err(Error::illegal(
            Reason::BAD_EXTENSION,
            format!("record_size_limit {limit} is below 64"),
        ));
    }
    Ok(limit)
}

/// A DER-encoded X.501 DistinguishedName, as carried by certificate_authorities and by TLS 1.2's
/// CertificateRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistinguishedName(pub Vec<u8>);

impl AsRef<[u8]> for DistinguishedName {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Reads a u16-length-prefixed list of u16-length-prefixed, non-empty DistinguishedNames.
/// `allow_empty_list` is for TLS 1.2's CertificateRequest, where the list may be empty.
pub(crate) fn decode_dn_list(
    r: &mut Reader,
    allow_empty_list: bool,
) -> Result<Vec<DistinguishedName>, Error> {
    let mut list = r.sub_u16("distinguished name list")?;
    let mut names = Vec::new();
    while !list.is_empty() {
        let dn = list.vec_u16("distinguished name")?;
        if dn.is_empty() {
            return Err(Error::decode("empty distinguished name"));
        }
        names.push(DistinguishedName(dn.to_vec()));
    }
    if names.is_empty() && !allow_empty_list {
        return Err(malformed("empty certificate authority list"));
    }
    Ok(names)
}

pub(crate) fn encode_dn_list(names: &[DistinguishedName], w: &mut Writer) {
    w.nested_u16(|w| names.iter().for_each(|dn| w.vec_u16(&dn.0)));
}

/// One entry of server_name's list (RFC 6066 section 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerName {
    /// A DNS host name, validated on decoding to be ASCII letters, digits, '-', '_' and '.'.
    HostName(String),
    /// A name type other than host_name(0); RFC 6066 defines none, but the body layout is shared.
    Other { name_type: u8, name: Vec<u8> },
}

impl ServerName {
    const HOST_NAME_TYPE: u8 = 0;

    fn encode(&self, w: &mut Writer) {
        match self {
            ServerName::HostName(host) => {
                w.u8(Self::HOST_NAME_TYPE);
                w.vec_u16(host.as_bytes());
            }
            ServerName::Other { name_type, name } => {
                w.u8(*name_type);
                w.vec_u16(name);
            }
        }
    }
}

/// RFC 6066 host names are ASCII DNS names without a trailing dot; we also admit '_', which
/// real deployments use. NUL bytes, spaces and non-ASCII are rejected, so a name can never be
/// truncated or misread by C callers.
///
/// An empty name breaks the syntax (HostName is <1..2^16-1>): `decode_error`. A name that parses
/// but is no DNS name is an invalid value (RFC 8446 6): `illegal_parameter`.
fn validate_host_name(name: &[u8]) -> Result<(), Error> {
    const MAX_DNS_NAME_LEN: usize = 253;
    if name.is_empty() {
        return Err(malformed("empty host name"));
    }
    let invalid = |detail: &str| Error::illegal(Reason::BAD_EXTENSION, detail);
    if name.len() > MAX_DNS_NAME_LEN {
        return Err(Error::illegal(
            Reason::BAD_EXTENSION,
            format!(
                "host name length {} outside 1..={MAX_DNS_NAME_LEN}",
                name.len()
            ),
        ));
    }
    for label in name.split(|&b| b == b'.') {
        if label.is_empty() || label.len() > 63 {
            return Err(invalid("host name has an empty or over-long label"));
        }
        if !label
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(invalid("host name has bytes outside [A-Za-z0-9._-]"));
        }
    }
    Ok(())
}

fn decode_server_name_list(r: &mut Reader) -> Result<Vec<ServerName>, Error> {
    let mut list = r.sub_u16("server name list")?;
    // The whole list is parsed before any name is judged: decode errors come first.
    let mut raw: Vec<(u8, &[u8])> = Vec::new();
    while !list.is_empty() {
        let name_type = list.u8("server name type")?;
        let name = list.vec_u16("server name")?;
        raw.push((name_type, name));
    }
    let raw = require_non_empty(raw, "server name")?;
    let mut names: Vec<ServerName> = Vec::new();
    let mut seen_types = HashSet::new();
    for (name_type, name) in raw {
        let name = if name_type == ServerName::HOST_NAME_TYPE {
            validate_host_name(name)?;
            // Validation admits only ASCII, so this cannot fail.
            ServerName::HostName(
                String::from_utf8(name.to_vec()).map_err(|_| malformed("non-ASCII host name"))?,
            )
        } else {
            ServerName::Other {
                name_type,
                name: name.to_vec(),
            }
        };
        // RFC 6066 section 3: at most one name of each type; a second is a well-formed list
        // with an invalid value.
        if !seen_types.insert(name_type) {
            return Err(Error::illegal(
                Reason::BAD_EXTENSION,
                format!("server name type {name_type} appears twice"),
            ));
        }
        names.push(name);
    }
    Ok(names)
}

/// A key share: a group and its public value (RFC 8446 section 4.2.8).
#[derive(Clone, PartialEq, Eq)]
pub struct KeyShareEntry {
    pub group: NamedGroup,
    /// Never empty once decoded.
    pub payload: Vec<u8>,
}

impl std::fmt::Debug for KeyShareEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "KeyShareEntry({}, {} bytes)",
            self.group,
            self.payload.len()
        )
    }
}

impl KeyShareEntry {
    pub fn new(group: NamedGroup, payload: impl Into<Vec<u8>>) -> Self {
        KeyShareEntry {
            group,
            payload: payload.into(),
        }
    }

    fn encode(&self, w: &mut Writer) {
        w.u16(self.group.0);
        w.vec_u16(&self.payload);
    }

    fn decode(r: &mut Reader) -> Result<Self, Error> {
        let group = NamedGroup(r.u16("key share group")?);
        let payload = r.vec_u16("key exchange")?;
        if payload.is_empty() {
            return Err(malformed(format!("empty key share for {group}")));
        }
        Ok(KeyShareEntry {
            group,
            payload: payload.to_vec(),
        })
    }
}

fn decode_client_key_shares(r: &mut Reader) -> Result<Vec<KeyShareEntry>, Error> {
    let mut list = r.sub_u16("client shares")?;
    let mut shares: Vec<KeyShareEntry> = Vec::new();
    let mut groups = HashSet::new();
    while !list.is_empty() {
        if shares.len() == crate::limits::MAX_KEY_SHARES {
            return Err(Error::illegal(
                Reason::BAD_KEY_SHARE,
                format!("more than {} key shares", crate::limits::MAX_KEY_SHARES),
            ));
        }
        let share = KeyShareEntry::decode(&mut list)?;
        // RFC 8446 section 4.2.8: clients MUST NOT offer two shares for one group.
        if !groups.insert(share.group) {
            return Err(Error::illegal(
                Reason::BAD_KEY_SHARE,
                format!("two key shares for {}", share.group),
            ));
        }
        shares.push(share);
    }
    Ok(shares)
}

/// One PSK identity offered in ClientHello's pre_shared_key (RFC 8446 section 4.2.11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PskIdentity {
    pub identity: Vec<u8>,
    pub obfuscated_ticket_age: u32,
}

/// ClientHello's pre_shared_key body: identities and one binder per identity, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresharedKeyOffer {
    pub identities: Vec<PskIdentity>,
    pub binders: Vec<Vec<u8>>,
}

impl PresharedKeyOffer {
    /// The smallest binder RFC 8446 allows (PskBinderEntry<32..255>).
    pub const MIN_BINDER_LEN: usize = 32;

    /// Bytes the binders list takes on the wire, length prefix included. The "partial
    /// ClientHello" that binders authenticate is the encoded ClientHello minus this many bytes
    /// at its end (RFC 8446 section 4.2.11.2), because pre_shared_key is the last extension.
    pub fn binders_encoded_len(&self) -> usize {
        2 + self.binders.iter().map(|b| 1 + b.len()).sum::<usize>()
    }

    fn encode_identities(&self, w: &mut Writer) {
        w.nested_u16(|w| {
            for id in &self.identities {
                w.vec_u16(&id.identity);
                w.u32(id.obfuscated_ticket_age);
            }
        });
    }

    fn encode_binders(&self, w: &mut Writer) {
        w.nested_u16(|w| self.binders.iter().for_each(|b| w.vec_u8(b)));
    }

    fn encode(&self, w: &mut Writer) {
        self.encode_identities(w);
        self.encode_binders(w);
    }

    fn decode(r: &mut Reader) -> Result<Self, Error> {
        let mut ids = r.sub_u16("psk identities")?;
        let mut identities = Vec::new();
        while !ids.is_empty() {
            let identity = ids.vec_u16("psk identity")?;
            if identity.is_empty() {
                return Err(malformed("empty psk identity"));
            }
            let obfuscated_ticket_age = ids.u32("obfuscated ticket age")?;
            identities.push(PskIdentity {
                identity: identity.to_vec(),
                obfuscated_ticket_age,
            });
        }
        let identities = require_non_empty(identities, "psk identity")?;

        let mut list = r.sub_u16("psk binders")?;
        let mut binders = Vec::new();
        while !list.is_empty() {
            let binder = list.vec_u8("psk binder")?;
            if binder.len() < Self::MIN_BINDER_LEN {
                return Err(malformed(format!("psk binder of {} bytes", binder.len())));
            }
            binders.push(binder.to_vec());
        }
        if binders.is_empty() {
            // PskBinderEntry binders<33..2^16-1> (RFC 8446 4.2.11): an empty list is a syntax
            // error, not a count mismatch.
            return Err(malformed("pre_shared_key with an empty binders list"));
        }
        if binders.len() != identities.len() {
            return Err(Error::illegal(
                Reason::BAD_EXTENSION,
                format!(
                    "{} psk identities but {} binders",
                    identities.len(),
                    binders.len()
                ),
            ));
        }
        Ok(PresharedKeyOffer {
            identities,
            binders,
        })
    }
}

/// OCSP status_type in CertificateStatus (RFC 6066 section 8).
pub const STATUS_TYPE_OCSP: u8 = 1;

/// The CertificateStatusRequest a client sends to ask for an OCSP response (RFC 6066 8):
/// status_type ocsp, no responder IDs, no request extensions.
pub const OCSP_STATUS_REQUEST: [u8; 5] = [STATUS_TYPE_OCSP, 0, 0, 0, 0];

/// Checks a ClientHello's status_request body (RFC 6066 8) and returns it unchanged. An OCSP
/// request must hold its two lists (responder_id_list, request_extensions) and nothing more;
/// another status_type is kept opaque (it is not answered).
fn decode_status_request(r: &mut Reader) -> Result<Vec<u8>, Error> {
    let body = r.take_rest();
    let mut check = Reader::new(body);
    if check.u8("certificate status type")? == STATUS_TYPE_OCSP {
        let mut ids = check.sub_u16("responder id list")?;
        while !ids.is_empty() {
            let id = ids.vec_u16("responder id")?;
            if id.is_empty() {
                return Err(malformed("an empty OCSP responder id"));
            }
        }
        check.vec_u16("OCSP request extensions")?;
        check.finish("OCSP status request")?;
    }
    Ok(body.to_vec())
}

/// Extensions of a ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientExtension {
    ServerName(Vec<ServerName>),
    SupportedGroups(Vec<NamedGroup>),
    /// Point format codes (RFC 8422 section 5.1.2).
    EcPointFormats(Vec<u8>),
    SignatureAlgorithms(Vec<SignatureScheme>),
    SignatureAlgorithmsCert(Vec<SignatureScheme>),
    Alpn(Vec<ProtocolName>),
    /// The CertificateStatusRequest as sent (its form checked on receipt: see
    /// `ClientHello::requests_ocsp`).
    StatusRequest(Vec<u8>),
    ExtendedMasterSecret,
    /// A TLS 1.2 session ticket (RFC 5077); empty asks for a new one.
    SessionTicket(Vec<u8>),
    /// renegotiated_connection (RFC 5746); empty on an initial handshake.
    RenegotiationInfo(Vec<u8>),
    SupportedVersions(Vec<ProtocolVersion>),
    Cookie(Vec<u8>),
    PskKeyExchangeModes(Vec<PskKeyExchangeMode>),
    /// Must be the last extension (RFC 8446 section 4.2.11).
    PreSharedKey(PresharedKeyOffer),
    EarlyData,
    KeyShare(Vec<KeyShareEntry>),
    RecordSizeLimit(u16),
    CertificateAuthorities(Vec<DistinguishedName>),
    PostHandshakeAuth,
    /// RFC 7685 padding: this many zero bytes. Contents are not checked on receipt.
    Padding(usize),
    Unknown {
        typ: ExtensionType,
        data: Vec<u8>,
    },
}

impl Extension for ClientExtension {
    const CONTEXT: &'static str = "ClientHello";

    fn ext_type(&self) -> ExtensionType {
        match self {
            Self::ServerName(_) => ExtensionType::SERVER_NAME,
            Self::SupportedGroups(_) => ExtensionType::SUPPORTED_GROUPS,
            Self::EcPointFormats(_) => ExtensionType::EC_POINT_FORMATS,
            Self::SignatureAlgorithms(_) => ExtensionType::SIGNATURE_ALGORITHMS,
            Self::SignatureAlgorithmsCert(_) => ExtensionType::SIGNATURE_ALGORITHMS_CERT,
            Self::Alpn(_) => ExtensionType::ALPN,
            Self::StatusRequest(_) => ExtensionType::STATUS_REQUEST,
            Self::ExtendedMasterSecret => ExtensionType::EXTENDED_MASTER_SECRET,
            Self::SessionTicket(_) => ExtensionType::SESSION_TICKET,
            Self::RenegotiationInfo(_) => ExtensionType::RENEGOTIATION_INFO,
            Self::SupportedVersions(_) => ExtensionType::SUPPORTED_VERSIONS,
            Self::Cookie(_) => ExtensionType::COOKIE,
            Self::PskKeyExchangeModes(_) => ExtensionType::PSK_KEY_EXCHANGE_MODES,
            Self::PreSharedKey(_) => ExtensionType::PRE_SHARED_KEY,
            Self::EarlyData => ExtensionType::EARLY_DATA,
            Self::KeyShare(_) => ExtensionType::KEY_SHARE,
            Self::RecordSizeLimit(_) => ExtensionType::RECORD_SIZE_LIMIT,
            Self::CertificateAuthorities(_) => ExtensionType::CERTIFICATE_AUTHORITIES,
            Self::PostHandshakeAuth => ExtensionType::POST_HANDSHAKE_AUTH,
            Self::Padding(_) => ExtensionType::PADDING,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, w: &mut Writer) {
        match self {
            Self::ServerName(names) => w.nested_u16(|w| names.iter().for_each(|n| n.encode(w))),
            Self::SupportedGroups(groups) => encode_groups(groups, w),
            Self::EcPointFormats(formats) => w.vec_u8(formats),
            Self::SignatureAlgorithms(schemes) | Self::SignatureAlgorithmsCert(schemes) => {
                encode_sig_schemes(schemes, w)
            }
            Self::Alpn(names) => encode_alpn_list(names, w),
            Self::StatusRequest(data) | Self::SessionTicket(data) => w.bytes(data),
            Self::ExtendedMasterSecret | Self::EarlyData | Self::PostHandshakeAuth => {}
            Self::RenegotiationInfo(data) => w.vec_u8(data),
            Self::SupportedVersions(versions) => {
                w.nested_u8(|w| versions.iter().for_each(|v| w.u16(v.0)))
            }
            Self::Cookie(cookie) => w.vec_u16(cookie),
            Self::PskKeyExchangeModes(modes) => {
                w.nested_u8(|w| modes.iter().for_each(|m| w.u8(m.0)))
            }
            Self::PreSharedKey(offer) => offer.encode(w),
            Self::KeyShare(shares) => w.nested_u16(|w| shares.iter().for_each(|s| s.encode(w))),
            Self::RecordSizeLimit(limit) => w.u16(*limit),
            Self::CertificateAuthorities(names) => encode_dn_list(names, w),
            Self::Padding(len) => w.bytes(&vec![0; *len]),
            Self::Unknown { data, .. } => w.bytes(data),
        }
    }

    fn decode_body(typ: ExtensionType, r: &mut Reader) -> Result<Self, Error> {
        Ok(match typ {
            ExtensionType::SERVER_NAME => Self::ServerName(decode_server_name_list(r)?),
            ExtensionType::SUPPORTED_GROUPS => Self::SupportedGroups(decode_groups(r)?),
            ExtensionType::EC_POINT_FORMATS => {
                // Meaningless in TLS 1.3 (RFC 8422 5.1.2 is TLS 1.2's), and the version is not
                // chosen yet: a malformed body is kept raw for a TLS 1.2 server to refuse.
                let mut formats = r.clone();
                match formats.vec_u8("ec point formats") {
                    Ok(list) if !list.is_empty() && formats.is_empty() => {
                        r.take_rest();
                        Self::EcPointFormats(list.to_vec())
                    }
                    _ => Self::Unknown {
                        typ,
                        data: r.take_rest().to_vec(),
                    },
                }
            }
            ExtensionType::SIGNATURE_ALGORITHMS => {
                Self::SignatureAlgorithms(decode_sig_schemes(r)?)
            }
            ExtensionType::SIGNATURE_ALGORITHMS_CERT => {
                Self::SignatureAlgorithmsCert(decode_sig_schemes(r)?)
            }
            ExtensionType::ALPN => Self::Alpn(decode_alpn_list(r)?),
            ExtensionType::STATUS_REQUEST => Self::StatusRequest(decode_status_request(r)?),
            ExtensionType::EXTENDED_MASTER_SECRET => Self::ExtendedMasterSecret,
            ExtensionType::SESSION_TICKET => Self::SessionTicket(r.take_rest().to_vec()),
            ExtensionType::RENEGOTIATION_INFO => {
                Self::RenegotiationInfo(r.vec_u8("renegotiated connection")?.to_vec())
            }
            ExtensionType::SUPPORTED_VERSIONS => {
                let versions = r.u16_list_u8("supported versions")?;
                Self::SupportedVersions(require_non_empty(
                    versions.into_iter().map(ProtocolVersion).collect(),
                    "supported version",
                )?)
            }
            ExtensionType::COOKIE => {
                let cookie = r.vec_u16("cookie")?.to_vec();
                Self::Cookie(require_non_empty(cookie, "cookie byte")?)
            }
            ExtensionType::PSK_KEY_EXCHANGE_MODES => {
                let modes = r.vec_u8("psk key exchange modes")?;
                Self::PskKeyExchangeModes(require_non_empty(
                    modes.iter().map(|&m| PskKeyExchangeMode(m)).collect(),
                    "psk key exchange mode",
                )?)
            }
            ExtensionType::PRE_SHARED_KEY => Self::PreSharedKey(PresharedKeyOffer::decode(r)?),
            ExtensionType::EARLY_DATA => Self::EarlyData,
            ExtensionType::KEY_SHARE => Self::KeyShare(decode_client_key_shares(r)?),
            ExtensionType::RECORD_SIZE_LIMIT => Self::RecordSizeLimit(decode_record_size_limit(r)?),
            ExtensionType::CERTIFICATE_AUTHORITIES => {
                Self::CertificateAuthorities(decode_dn_list(r, false)?)
            }
            ExtensionType::POST_HANDSHAKE_AUTH => Self::PostHandshakeAuth,
            ExtensionType::PADDING => Self::Padding(r.take_rest().len()),
            _ => Self::Unknown {
                typ,
                data: r.take_rest().to_vec(),
            },
        })
    }
}

/// Extensions of a ServerHello (TLS 1.3 and TLS 1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerHelloExtension {
    KeyShare(KeyShareEntry),
    /// Index of the selected PSK identity.
    PreSharedKey(u16),
    SupportedVersions(ProtocolVersion),
    /// TLS 1.2: the server used the client's server_name (empty body).
    ServerNameAck,
    EcPointFormats(Vec<u8>),
    /// TLS 1.2: the selected protocol.
    Alpn(ProtocolName),
    /// TLS 1.2: a CertificateStatus message will follow (empty body).
    StatusRequestAck,
    ExtendedMasterSecret,
    /// TLS 1.2: a NewSessionTicket will follow (empty body).
    SessionTicketAck,
    /// client_verify_data || server_verify_data on renegotiation, empty otherwise.
    RenegotiationInfo(Vec<u8>),
    RecordSizeLimit(u16),
    Unknown {
        typ: ExtensionType,
        data: Vec<u8>,
    },
}

impl Extension for ServerHelloExtension {
    const CONTEXT: &'static str = "ServerHello";

    fn ext_type(&self) -> ExtensionType {
        match self {
            Self::KeyShare(_) => ExtensionType::KEY_SHARE,
            Self::PreSharedKey(_) => ExtensionType::PRE_SHARED_KEY,
            Self::SupportedVersions(_) => ExtensionType::SUPPORTED_VERSIONS,
            Self::ServerNameAck => ExtensionType::SERVER_NAME,
            Self::EcPointFormats(_) => ExtensionType::EC_POINT_FORMATS,
            Self::Alpn(_) => ExtensionType::ALPN,
            Self::StatusRequestAck => ExtensionType::STATUS_REQUEST,
            Self::ExtendedMasterSecret => ExtensionType::EXTENDED_MASTER_SECRET,
            Self::SessionTicketAck => ExtensionType::SESSION_TICKET,
            Self::RenegotiationInfo(_) => ExtensionType::RENEGOTIATION_INFO,
            Self::RecordSizeLimit(_) => ExtensionType::RECORD_SIZE_LIMIT,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, w: &mut Writer) {
        match self {
            Self::KeyShare(share) => share.encode(w),
            Self::PreSharedKey(index) => w.u16(*index),
            Self::SupportedVersions(v) => w.u16(v.0),
            Self::ServerNameAck
            | Self::StatusRequestAck
            | Self::ExtendedMasterSecret
            | Self::SessionTicketAck => {}
            Self::EcPointFormats(formats) => w.vec_u8(formats),
            Self::Alpn(name) => encode_alpn_single(name, w),
            Self::RenegotiationInfo(data) => w.vec_u8(data),
            Self::RecordSizeLimit(limit) => w.u16(*limit),
            Self::Unknown { data, .. } => w.bytes(data),
        }
    }

    fn decode_body(typ: ExtensionType, r: &mut Reader) -> Result<Self, Error> {
        Ok(match typ {
            ExtensionType::KEY_SHARE => Self::KeyShare(KeyShareEntry::decode(r)?),
            ExtensionType::PRE_SHARED_KEY => Self::PreSharedKey(r.u16("selected identity")?),
            ExtensionType::SUPPORTED_VERSIONS => {
                Self::SupportedVersions(ProtocolVersion(r.u16("selected version")?))
            }
            ExtensionType::SERVER_NAME => Self::ServerNameAck,
            ExtensionType::EC_POINT_FORMATS => {
                let formats = r.vec_u8("ec point formats")?.to_vec();
                Self::EcPointFormats(require_non_empty(formats, "ec point format")?)
            }
            ExtensionType::ALPN => Self::Alpn(decode_alpn_single(r)?),
            ExtensionType::STATUS_REQUEST => Self::StatusRequestAck,
            ExtensionType::EXTENDED_MASTER_SECRET => Self::ExtendedMasterSecret,
            ExtensionType::SESSION_TICKET => Self::SessionTicketAck,
            ExtensionType::RENEGOTIATION_INFO => {
                Self::RenegotiationInfo(r.vec_u8("renegotiated connection")?.to_vec())
            }
            ExtensionType::RECORD_SIZE_LIMIT => Self::RecordSizeLimit(decode_record_size_limit(r)?),
            _ => Self::Unknown {
                typ,
                data: r.take_rest().to_vec(),
            },
        })
    }
}

/// Extensions of a HelloRetryRequest (RFC 8446 section 4.1.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloRetryExtension {
    /// The group the client must send a share for.
    KeyShare(NamedGroup),
    Cookie(Vec<u8>),
    SupportedVersions(ProtocolVersion),
    Unknown {
        typ: ExtensionType,
        data: Vec<u8>,
    },
}

impl Extension for HelloRetryExtension {
    const CONTEXT: &'static str = "HelloRetryRequest";

    fn ext_type(&self) -> ExtensionType {
        match self {
            Self::KeyShare(_) => ExtensionType::KEY_SHARE,
            Self::Cookie(_) => ExtensionType::COOKIE,
            Self::SupportedVersions(_) => ExtensionType::SUPPORTED_VERSIONS,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, w: &mut Writer) {
        match self {
            Self::KeyShare(group) => w.u16(group.0),
            Self::Cookie(cookie) => w.vec_u16(cookie),
            Self::SupportedVersions(v) => w.u16(v.0),
            Self::Unknown { data, .. } => w.bytes(data),
        }
    }

    fn decode_body(typ: ExtensionType, r: &mut Reader) -> Result<Self, Error> {
        Ok(match typ {
            ExtensionType::KEY_SHARE => Self::KeyShare(NamedGroup(r.u16("selected group")?)),
            ExtensionType::COOKIE => {
                let cookie = r.vec_u16("cookie")?;
                // The cookie goes back in the second ClientHello, whose extension block must
                // still fit its 16-bit length: a longer one cannot be echoed.
                if cookie.len() > crate::limits::MAX_COOKIE_LEN {
                    return Err(Error::protocol(
                        AlertDescription::ILLEGAL_PARAMETER,
                        Reason::EXCESSIVE_MESSAGE_SIZE,
                        format!(
                            "a cookie of {} bytes (at most {} are echoed)",
                            cookie.len(),
                            crate::limits::MAX_COOKIE_LEN
                        ),
                    ));
                }
                Self::Cookie(require_non_empty(cookie.to_vec(), "cookie byte")?)
            }
            ExtensionType::SUPPORTED_VERSIONS => {
                Self::SupportedVersions(ProtocolVersion(r.u16("selected version")?))
            }
            _ => Self::Unknown {
                typ,
                data: r.take_rest().to_vec(),
            },
        })
    }
}

/// Extensions of TLS 1.3's EncryptedExtensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncryptedExtension {
    ServerNameAck,
    /// The server's preferred groups, informational (RFC 8446 section 4.2.7).
    SupportedGroups(Vec<NamedGroup>),
    Alpn(ProtocolName),
    /// The server accepted early data.
    EarlyData,
    RecordSizeLimit(u16),
    Unknown {
        typ: ExtensionType,
        data: Vec<u8>,
    },
}

impl Extension for EncryptedExtension {
    const CONTEXT: &'static str = "EncryptedExtensions";

    fn ext_type(&self) -> ExtensionType {
        match self {
            Self::ServerNameAck => ExtensionType::SERVER_NAME,
            Self::SupportedGroups(_) => ExtensionType::SUPPORTED_GROUPS,
            Self::Alpn(_) => ExtensionType::ALPN,
            Self::EarlyData => ExtensionType::EARLY_DATA,
            Self::RecordSizeLimit(_) => ExtensionType::RECORD_SIZE_LIMIT,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, w: &mut Writer) {
        match self {
            Self::ServerNameAck | Self::EarlyData => {}
            Self::SupportedGroups(groups) => encode_groups(groups, w),
            Self::Alpn(name) => encode_alpn_single(name, w),
            Self::RecordSizeLimit(limit) => w.u16(*limit),
            Self::Unknown { data, .. } => w.bytes(data),
        }
    }

    fn decode_body(typ: ExtensionType, r: &mut Reader) -> Result<Self, Error> {
        Ok(match typ {
            ExtensionType::SERVER_NAME => Self::ServerNameAck,
            ExtensionType::SUPPORTED_GROUPS => Self::SupportedGroups(decode_groups(r)?),
            ExtensionType::ALPN => Self::Alpn(decode_alpn_single(r)?),
            ExtensionType::EARLY_DATA => Self::EarlyData,
            ExtensionType::RECORD_SIZE_LIMIT => Self::RecordSizeLimit(decode_record_size_limit(r)?),
            _ => Self::Unknown {
                typ,
                data: r.take_rest().to_vec(),
            },
        })
    }
}

/// Extensions of one TLS 1.3 CertificateEntry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateEntryExtension {
    /// The DER OCSPResponse of a CertificateStatus with status_type ocsp (RFC 8446 4.4.2.1).
    OcspResponse(Vec<u8>),
    Unknown {
        typ: ExtensionType,
        data: Vec<u8>,
    },
}

impl Extension for CertificateEntryExtension {
    const CONTEXT: &'static str = "CertificateEntry";

    fn ext_type(&self) -> ExtensionType {
        match self {
            Self::OcspResponse(_) => ExtensionType::STATUS_REQUEST,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, w: &mut Writer) {
        match self {
            Self::OcspResponse(response) => {
                w.u8(STATUS_TYPE_OCSP);
                w.vec_u24(response);
            }
            Self::Unknown { data, .. } => w.bytes(data),
        }
    }

    fn decode_body(typ: ExtensionType, r: &mut Reader) -> Result<Self, Error> {
        Ok(match typ {
            ExtensionType::STATUS_REQUEST => {
                let status_type = r.u8("status type")?;
                if status_type != STATUS_TYPE_OCSP {
                    return Err(malformed(format!("certificate status type {status_type}")));
                }
                let response = r.vec_u24("ocsp response")?.to_vec();
                Self::OcspResponse(require_non_empty(response, "ocsp response byte")?)
            }
            _ => Self::Unknown {
                typ,
                data: r.take_rest().to_vec(),
            },
        })
    }
}

/// Extensions of TLS 1.3's CertificateRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateRequestExtension {
    SignatureAlgorithms(Vec<SignatureScheme>),
    SignatureAlgorithmsCert(Vec<SignatureScheme>),
    CertificateAuthorities(Vec<DistinguishedName>),
    Unknown { typ: ExtensionType, data: Vec<u8> },
}

impl Extension for CertificateRequestExtension {
    const CONTEXT: &'static str = "CertificateRequest";

    fn ext_type(&self) -> ExtensionType {
        match self {
            Self::SignatureAlgorithms(_) => ExtensionType::SIGNATURE_ALGORITHMS,
            Self::SignatureAlgorithmsCert(_) => ExtensionType::SIGNATURE_ALGORITHMS_CERT,
            Self::CertificateAuthorities(_) => ExtensionType::CERTIFICATE_AUTHORITIES,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, w: &mut Writer) {
        match self {
            Self::SignatureAlgorithms(schemes) | Self::SignatureAlgorithmsCert(schemes) => {
                encode_sig_schemes(schemes, w)
            }
            Self::CertificateAuthorities(names) => encode_dn_list(names, w),
            Self::Unknown { data, .. } => w.bytes(data),
        }
    }

    fn decode_body(typ: ExtensionType, r: &mut Reader) -> Result<Self, Error> {
        Ok(match typ {
            ExtensionType::SIGNATURE_ALGORITHMS => {
                Self::SignatureAlgorithms(decode_sig_schemes(r)?)
            }
            ExtensionType::SIGNATURE_ALGORITHMS_CERT => {
                Self::SignatureAlgorithmsCert(decode_sig_schemes(r)?)
            }
            ExtensionType::CERTIFICATE_AUTHORITIES => {
                Self::CertificateAuthorities(decode_dn_list(r, false)?)
            }
            _ => Self::Unknown {
                typ,
                data: r.take_rest().to_vec(),
            },
        })
    }
}

/// Extensions of TLS 1.3's NewSessionTicket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewSessionTicketExtension {
    /// max_early_data_size.
    EarlyData(u32),
    Unknown {
        typ: ExtensionType,
        data: Vec<u8>,
    },
}

impl Extension for NewSessionTicketExtension {
    const CONTEXT: &'static str = "NewSessionTicket";

    fn ext_type(&self) -> ExtensionType {
        match self {
            Self::EarlyData(_) => ExtensionType::EARLY_DATA,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, w: &mut Writer) {
        match self {
            Self::EarlyData(max) => w.u32(*max),
            Self::Unknown { data, .. } => w.bytes(data),
        }
    }

    fn decode_body(typ: ExtensionType, r: &mut Reader) -> Result<Self, Error> {
        Ok(match typ {
            ExtensionType::EARLY_DATA => Self::EarlyData(r.u32("max early data size")?),
            _ => Self::Unknown {
                typ,
                data: r.take_rest().to_vec(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode_block<E: Extension>(exts: &[E]) -> Vec<u8> {
        let mut w = Writer::new();
        encode_extensions(exts, &mut w);
        w.finish().unwrap()
    }

    fn decode_block<E: Extension>(bytes: &[u8]) -> Result<Vec<E>, Error> {
        let mut r = Reader::new(bytes);
        let exts = decode_extensions(&mut r)?;
        r.finish("test block")?;
        Ok(exts)
    }

    fn round_trip<E: Extension + PartialEq + std::fmt::Debug>(exts: Vec<E>) {
        let bytes = encode_block(&exts);
        let decoded: Vec<E> = decode_block(&bytes).unwrap();
        assert_eq!(decoded, exts);
        assert_eq!(encode_block(&decoded), bytes);
    }

    fn sample_client_extensions() -> Vec<ClientExtension> {
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

    #[test]
    fn client_extensions_round_trip() {
        round_trip(sample_client_extensions());
    }

    #[test]
    fn server_side_extensions_round_trip() {
        round_trip(vec![
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
        ]);
        round_trip(vec![
            HelloRetryExtension::KeyShare(NamedGroup::SECP384R1),
            HelloRetryExtension::Cookie(vec![5; 10]),
            HelloRetryExtension::SupportedVersions(ProtocolVersion::TLSV1_3),
        ]);
        round_trip(vec![
            EncryptedExtension::ServerNameAck,
            EncryptedExtension::SupportedGroups(vec![NamedGroup::X25519_MLKEM768]),
            EncryptedExtension::Alpn(b"http/1.1".to_vec()),
            EncryptedExtension::EarlyData,
            EncryptedExtension::RecordSizeLimit(4096),
        ]);
        round_trip(vec![
            CertificateEntryExtension::OcspResponse(vec![0x30, 3, 1, 2, 3]),
            CertificateEntryExtension::Unknown {
                typ: ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP,
                data: vec![0, 0],
            },
        ]);
        round_trip(vec![
            CertificateRequestExtension::SignatureAlgorithms(vec![SignatureScheme::ED25519]),
            CertificateRequestExtension::SignatureAlgorithmsCert(vec![SignatureScheme::ED448]),
            CertificateRequestExtension::CertificateAuthorities(vec![DistinguishedName(vec![
                0x30, 1, 2,
            ])]),
        ]);
        round_trip(vec![NewSessionTicketExtension::EarlyData(16384)]);
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

    fn decode_single_client(typ: ExtensionType, body: &[u8]) -> Result<ClientExtension, Error> {
        let mut w = Writer::new();
        w.nested_u16(|w| {
            w.u16(typ.0);
            w.vec_u16(body);
        });
        let mut exts = decode_block::<ClientExtension>(&w.buf)?;
        Ok(exts.remove(0))
    }

    fn assert_decode_error(result: Result<ClientExtension, Error>) {
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
    fn host_names_are_validated() {
        let name_body = |host: &[u8]| {
            let mut w = Writer::new();
            w.nested_u16(|w| {
                w.u8(0);
                w.vec_u16(host);
            });
            w.finish().unwrap()
        };
        let ok = decode_single_client(ExtensionType::SERVER_NAME, &name_body(b"a-b.Example_1.com"));
        assert_eq!(
            ok.unwrap(),
            ClientExtension::ServerName(vec![ServerName::HostName("a-b.Example_1.com".into())])
        );
        // An empty name does not parse; the others parse but are no DNS names (RFC 8446 6:
        // illegal_parameter, as the established peers answer).
        assert_decode_error(decode_single_client(
            ExtensionType::SERVER_NAME,
            &name_body(b""),
        ));
        for bad in [
            &b"a\0b.com"[..],
            b"a b.com",
            b".example.com",
            b"example..com",
            b"example.com.",
            "ex\u{e9}.com".as_bytes(),
        ] {
            let err =
                decode_single_client(ExtensionType::SERVER_NAME, &name_body(bad)).unwrap_err();
            assert_eq!(
                err.alert,
                Some(AlertDescription::ILLEGAL_PARAMETER),
                "{err:?}"
            );
        }
        // Two host names.
        let mut w = Writer::new();
        w.nested_u16(|w| {
            for host in [b"a.com", b"b.com"] {
                w.u8(0);
                w.vec_u16(host);
            }
        });
        let err = decode_single_client(ExtensionType::SERVER_NAME, &w.buf).unwrap_err();
        assert_eq!(
            err.alert,
            Some(AlertDescription::ILLEGAL_PARAMETER),
            "{err:?}"
        );
    }

    #[test]
    fn key_shares_are_capped() {
        // Distinct groups, so only the number is wrong: each share costs a client five bytes,
        // and a 64 KiB ClientHello could otherwise carry thousands.
        let shares = |n: usize| {
            let mut w = Writer::new();
            w.nested_u16(|w| {
                for g in 0..n {
                    KeyShareEntry::new(NamedGroup(0x1000 + g as u16), vec![1]).encode(w);
                }
            });
            w.finish().unwrap()
        };
        let max = crate::limits::MAX_KEY_SHARES;
        let Ok(ClientExtension::KeyShare(ok)) =
            decode_single_client(ExtensionType::KEY_SHARE, &shares(max))
        else {
            panic!("{max} key shares are accepted");
        };
        assert_eq!(ok.len(), max);
        for n in [max + 1, 13_000] {
            let err = decode_single_client(ExtensionType::KEY_SHARE, &shares(n)).unwrap_err();
            assert_eq!(err.alert, Some(AlertDescription::ILLEGAL_PARAMETER), "{n}");
            assert_eq!(err.reason, Reason::BAD_KEY_SHARE, "{n}");
        }
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
    fn psk_offer_without_binders_is_a_decode_error() {
        let offer = PresharedKeyOffer {
            identities: vec![PskIdentity {
                identity: vec![1],
                obfuscated_ticket_age: 0,
            }],
            binders: Vec::new(),
        };
        let mut w = Writer::new();
        offer.encode(&mut w);
        let err = decode_single_client(ExtensionType::PRE_SHARED_KEY, &w.buf).unwrap_err();
        assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));
        assert_eq!(err.reason, Reason::BAD_EXTENSION);
    }

    #[test]
    fn server_alpn_must_hold_one_name() {
        let mut w = Writer::new();
        encode_alpn_list(&[b"h2".to_vec(), b"h3".to_vec()], &mut w);
        let mut r = Reader::new(&w.buf);
        let err = EncryptedExtension::decode_body(ExtensionType::ALPN, &mut r).unwrap_err();
        assert_eq!(err.alert, Some(AlertDescription::DECODE_ERROR));
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
    fn binders_encoded_len_matches_encoding() {
        let offer = PresharedKeyOffer {
            identities: vec![PskIdentity {
                identity: vec![1; 5],
                obfuscated_ticket_age: 1,
            }],
            binders: vec![vec![0; 32], vec![0; 48]],
        };
        let mut w = Writer::new();
        offer.encode_binders(&mut w);
        assert_eq!(w.buf.len(), offer.binders_encoded_len());
    }

    #[test]
    fn truncated_blocks_never_panic() {
        let bytes = encode_block(&sample_client_extensions());
        for len in 0..bytes.len() {
            assert!(decode_block::<ClientExtension>(&bytes[..len]).is_err());
        }
    }
}
