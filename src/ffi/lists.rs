//! The list grammars' errors (`config::lists`) as OpenSSL reports them: the `SSL_R_*` reason a
//! program finds on the error queue after `SSL_CTX_set_cipher_list`, `SSL_CTX_set_ciphersuites`,
//! `SSL_CTX_set1_groups_list` or `SSL_CTX_set1_sigalgs_list` fails.

use crate::config::lists::{ListError, ListKind};
use crate::error::{Error, Reason};

impl From<ListError> for Error {
    fn from(e: ListError) -> Error {
        let reason = match (&e, e.kind()) {
            (ListError::NothingSelected { .. }, ListKind::CipherList | ListKind::Tls13Suites) => {
                Reason::NO_CIPHER_MATCH
            }
            (ListError::NothingSelected { .. }, ListKind::Groups) => Reason::NO_SUITABLE_GROUPS,
            (ListError::NothingSelected { .. }, ListKind::SignatureAlgorithms) => {
                Reason::NO_SUITABLE_SIGNATURE_ALGORITHM
            }
            (ListError::UnknownName { .. } | ListError::Repeated { .. }, _) => {
                Reason::INVALID_CONFIGURATION_NAME
            }
        };
        Error::local(reason, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::lists::{
        parse_cipher_list, parse_groups, parse_sigalgs, parse_tls13_suites,
    };
    use crate::error::{Error, Reason};

    #[test]
    fn list_errors_carry_openssls_reasons_and_no_alert() {
        let cases: [(Result<(), Error>, Reason, &str); 7] = [
            (
                parse_cipher_list("RC4").map(drop).map_err(Error::from),
                Reason::NO_CIPHER_MATCH,
                "no TLS 1.2 cipher suite we support is selected by \"RC4\"",
            ),
            (
                parse_tls13_suites("junk").map(drop).map_err(Error::from),
                Reason::NO_CIPHER_MATCH,
                "no TLS 1.3 ciphersuite we support in \"junk\"",
            ),
            (
                parse_groups("X448").map(drop).map_err(Error::from),
                Reason::NO_SUITABLE_GROUPS,
                "empty groups list",
            ),
            (
                parse_groups("X449").map(drop).map_err(Error::from),
                Reason::INVALID_CONFIGURATION_NAME,
                "unknown group 'X449'",
            ),
            (
                parse_sigalgs("ed448").map(drop).map_err(Error::from),
                Reason::NO_SUITABLE_SIGNATURE_ALGORITHM,
                "\"ed448\" selects no signature algorithm libtls implements",
            ),
            (
                parse_sigalgs("bogus").map(drop).map_err(Error::from),
                Reason::INVALID_CONFIGURATION_NAME,
                "unknown signature algorithm 'bogus'",
            ),
            (
                parse_sigalgs("ed25519:ed25519")
                    .map(drop)
                    .map_err(Error::from),
                Reason::INVALID_CONFIGURATION_NAME,
                "signature algorithm 'ed25519' is listed twice",
            ),
        ];
        for (result, reason, detail) in cases {
            let e = result.unwrap_err();
            assert_eq!(e.reason, reason, "{detail}");
            assert_eq!(e.alert, None, "{detail}");
            assert_eq!(e.detail, detail);
        }
    }
}
