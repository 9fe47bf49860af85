//! server_name (RFC 6066 section 3): the client's list of names; the server's answer is empty.

use std::collections::HashSet;

use super::base::{malformed, require_non_empty};
use crate::codec::{Reader, Writer};
use crate::error::{Error, Reason};

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

    pub(crate) fn encode(&self, w: &mut Writer) {
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

pub(super) fn decode_server_name_list(r: &mut Reader) -> Result<Vec<ServerName>, Error> {
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

pub(super) fn encode_server_name_list(names: &[ServerName], w: &mut Writer) {
    w.nested_u16(|w| names.iter().for_each(|n| n.encode(w)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::enums::{AlertDescription, ExtensionType};
    use crate::msgs::extensions::tests::{assert_decode_error, decode_single_client};
    use crate::msgs::extensions::ClientExtension;

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
}
