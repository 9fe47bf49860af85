//! The extensions of a ClientHello, as one enum.

use super::alpn::ProtocolName;
use super::alpn::{decode_alpn_list, encode_alpn_list};
use super::base::Extension;
use super::catalogue::Carrier;
use super::certificate_authorities::{decode_dn_list, encode_dn_list, DistinguishedName};
use super::cookie::{decode_client_cookie, encode_cookie};
use super::key_share::{decode_client_key_shares, encode_client_key_shares, KeyShareEntry};
use super::psk::{decode_psk_modes, encode_psk_modes, PresharedKeyOffer};
use super::record_size_limit::decode_record_size_limit;
use super::renegotiation_info::{decode_renegotiation_info, encode_renegotiation_info};
use super::server_name::{decode_server_name_list, encode_server_name_list, ServerName};
use super::signature_algorithms::{decode_sig_schemes, encode_sig_schemes};
use super::status_request::decode_status_request;
use super::supported_groups::{
    decode_client_point_formats, decode_groups, encode_groups, encode_point_formats,
};
use super::supported_versions::{decode_version_list, encode_version_list};
use crate::codec::{Reader, Writer};
use crate::error::Error;
use crate::msgs::enums::{
    ExtensionType, NamedGroup, ProtocolVersion, PskKeyExchangeMode, SignatureScheme,
};

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
    const CARRIER: Carrier = Carrier::ClientHello;

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
            Self::ServerName(names) => encode_server_name_list(names, w),
            Self::SupportedGroups(groups) => encode_groups(groups, w),
            Self::EcPointFormats(formats) => encode_point_formats(formats, w),
            Self::SignatureAlgorithms(schemes) | Self::SignatureAlgorithmsCert(schemes) => {
                encode_sig_schemes(schemes, w)
            }
            Self::Alpn(names) => encode_alpn_list(names, w),
            Self::StatusRequest(data) | Self::SessionTicket(data) => w.bytes(data),
            Self::ExtendedMasterSecret | Self::EarlyData | Self::PostHandshakeAuth => {}
            Self::RenegotiationInfo(data) => encode_renegotiation_info(data, w),
            Self::SupportedVersions(versions) => encode_version_list(versions, w),
            Self::Cookie(cookie) => encode_cookie(cookie, w),
            Self::PskKeyExchangeModes(modes) => encode_psk_modes(modes, w),
            Self::PreSharedKey(offer) => offer.encode(w),
            Self::KeyShare(shares) => encode_client_key_shares(shares, w),
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
            ExtensionType::EC_POINT_FORMATS => match decode_client_point_formats(r) {
                Some(formats) => Self::EcPointFormats(formats),
                None => Self::unknown(typ, r.take_rest().to_vec()),
            },
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
                Self::RenegotiationInfo(decode_renegotiation_info(r)?)
            }
            ExtensionType::SUPPORTED_VERSIONS => Self::SupportedVersions(decode_version_list(r)?),
            ExtensionType::COOKIE => Self::Cookie(decode_client_cookie(r)?),
            ExtensionType::PSK_KEY_EXCHANGE_MODES => {
                Self::PskKeyExchangeModes(decode_psk_modes(r)?)
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
            _ => Self::unknown(typ, r.take_rest().to_vec()),
        })
    }

    fn unknown(typ: ExtensionType, data: Vec<u8>) -> Self {
        Self::Unknown { typ, data }
    }
}
