//! Certificate tests against fixtures made by `testdata/gen.sh`, whose `.expected` files hold
//! what `openssl x509` printed for each fixture.

use super::*;
use std::collections::HashMap;

struct Fixture {
    name: &'static str,
    pem: &'static str,
    expected: &'static str,
}

const FIXTURES: &[Fixture] = &[
    Fixture {
        name: "ca-p256",
        pem: include_str!("testdata/ca-p256.pem"),
        expected: include_str!("testdata/ca-p256.expected"),
    },
    Fixture {
        name: "leaf-rsa2048",
        pem: include_str!("testdata/leaf-rsa2048.pem"),
        expected: include_str!("testdata/leaf-rsa2048.expected"),
    },
    Fixture {
        name: "leaf-p384",
        pem: include_str!("testdata/leaf-p384.pem"),
        expected: include_str!("testdata/leaf-p384.expected"),
    },
    Fixture {
        name: "ed25519-utf8",
        pem: include_str!("testdata/ed25519-utf8.pem"),
        expected: include_str!("testdata/ed25519-utf8.expected"),
    },
    Fixture {
        name: "names-mixed",
        pem: include_str!("testdata/names-mixed.pem"),
        expected: include_str!("testdata/names-mixed.expected"),
    },
];

fn load(name: &str) -> Certificate {
    let fixture = FIXTURES.iter().find(|f| f.name == name).unwrap();
    let mut certs = from_pem_bundle(fixture.pem.as_bytes()).unwrap();
    assert_eq!(certs.len(), 1);
    certs.remove(0)
}

/// The `.expected` file as `section/key -> value`; sections are the `--- name` headers (the
/// first is ""), and the subjectAltName list is stored under `/san`.
fn expectations(text: &str) -> HashMap<String, String> {
    let mut map = HashMap::new();
    let mut section = "";
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some(header) = line.strip_prefix("--- ") {
            section = header;
        } else if line.starts_with("X509v3 Subject Alternative Name:") {
            let list = lines.next().unwrap().trim();
            map.insert(format!("{section}/san"), list.to_owned());
        } else if let Some((key, value)) = line.split_once('=') {
            map.insert(format!("{section}/{key}"), value.to_owned());
        }
    }
    map
}

#[test]
fn matches_openssl_for_every_fixture() {
    for fixture in FIXTURES {
        let cert = load(fixture.name);
        let expected = expectations(fixture.expected);
        let get = |key: &str| {
            expected
                .get(key)
                .unwrap_or_else(|| panic!("{}: no {key}", fixture.name))
                .as_str()
        };
        let name = fixture.name;
        assert_eq!(cert.subject().to_text(), get("/subject"), "{name}");
        assert_eq!(cert.issuer().to_text(), get("/issuer"), "{name}");
        assert_eq!(cert.serial_hex(), get("/serial"), "{name}");
        assert_eq!(format_time(cert.not_before()), get("/notBefore"), "{name}");
        assert_eq!(format_time(cert.not_after()), get("/notAfter"), "{name}");
        let san: Vec<String> = cert
            .subject_alt_names()
            .iter()
            .map(GeneralName::openssl_text)
            .collect();
        assert_eq!(
            san.join(", "),
            expected.get("/san").map_or("", String::as_str),
            "{name}"
        );
        assert_eq!(cert.subject().rfc2253(), get("rfc2253/subject"), "{name}");
        assert_eq!(cert.issuer().rfc2253(), get("rfc2253/issuer"), "{name}");
        // OpenSSL 3's `-nameopt compat` prints X509_NAME_oneline's result as it is.
        assert_eq!(cert.subject().oneline(), get("compat/subject"), "{name}");
        assert_eq!(cert.issuer().oneline(), get("compat/issuer"), "{name}");
        assert_eq!(
            cert.sha256_fingerprint_text(),
            get("fingerprint/sha256 Fingerprint"),
            "{name}"
        );
    }
}

#[test]
fn p256_root() {
    let cert = load("ca-p256");
    assert_eq!(cert.version(), 2);
    assert_eq!(cert.serial(), &[0x01]);
    assert_eq!(cert.key_type(), KeyType::EcP256);
    assert_eq!(cert.public_key().key.len(), 65, "uncompressed point");
    assert_eq!(cert.public_key().key[0], 0x04);
    assert_eq!(
        cert.signature_algorithm().to_string(),
        "1.2.840.10045.4.3.2"
    );
    assert!(cert.is_self_issued());
    assert!(cert.is_ca());
    assert_eq!(
        cert.basic_constraints(),
        Some(BasicConstraints {
            ca: true,
            path_len: None
        })
    );
    let usage = cert.key_usage().unwrap();
    assert!(usage.contains(KeyUsage::KEY_CERT_SIGN) && usage.contains(KeyUsage::CRL_SIGN));
    assert!(!usage.contains(KeyUsage::DIGITAL_SIGNATURE));
    assert!(cert.extension(oids::BASIC_CONSTRAINTS).unwrap().critical);
    assert!(cert.subject_alt_names().is_empty());
    assert_eq!(
        cert.subject().common_name().as_deref(),
        Some("Example Root P-256")
    );
    assert_eq!(
        cert.subject().oneline(),
        "/C=US/O=Example Test CA/CN=Example Root P-256"
    );
    assert_eq!(cert.as_certificate_der().as_ref(), cert.der());
}

#[test]
fn rsa_leaf() {
    let cert = load("leaf-rsa2048");
    let root = load("ca-p256");
    assert_eq!(cert.key_type(), KeyType::Rsa { bits: 2048 });
    assert_eq!(cert.key_type().to_string(), "RSA-2048");
    assert_eq!(cert.public_key().parameters, None);
    assert_eq!(
        cert.serial(),
        &[0x00, 0xf1, 0xe2, 0xd3, 0xc4, 0xb5, 0xa6, 0x97, 0x88, 0x12],
        "the sign octet stays"
    );
    assert!(!cert.is_self_issued());
    assert!(cert.issuer().matches(root.subject()));
    assert!(!cert.is_ca());
    assert!(cert.basic_constraints().is_some());
    assert_eq!(
        cert.key_usage(),
        Some(KeyUsage(
            KeyUsage::DIGITAL_SIGNATURE.0 | KeyUsage::KEY_ENCIPHERMENT.0
        ))
    );
    assert!(cert.allows_purpose(oids::KP_SERVER_AUTH));
    assert!(cert.allows_purpose(oids::KP_CLIENT_AUTH));
    assert_eq!(
        cert.dns_names().collect::<Vec<_>>(),
        ["www.example.com", "example.com", "*.api.example.com"]
    );
    let ips: Vec<&[u8]> = cert.ip_addresses().collect();
    assert_eq!(ips.len(), 3);
    assert_eq!(ips[0], &[192, 0, 2, 10]);
    let texts: Vec<String> = cert
        .subject_alt_names()
        .iter()
        .filter_map(|n| n.ip_address())
        .map(|ip| ip.to_string())
        .collect();
    assert_eq!(texts, ["192.0.2.10", "2001:db8::1", "10.0.0.1"]);
    assert_eq!(
        cert.subject().common_name().as_deref(),
        Some("www.example.com")
    );
    assert_eq!(
        cert.subject().oneline(),
        "/C=US/ST=California/L=San Francisco/O=Example Inc./OU=Engineering\
         /CN=www.example.com/emailAddress=admin@example.com"
    );
    assert!(cert.not_after() - cert.not_before() == 825 * 86_400);
}

#[test]
fn p384_client_leaf() {
    let cert = load("leaf-p384");
    assert_eq!(cert.key_type(), KeyType::EcP384);
    assert_eq!(cert.public_key().key.len(), 97);
    assert_eq!(
        cert.signature_algorithm().to_string(),
        "1.2.840.10045.4.3.3"
    );
    assert_eq!(cert.serial_hex(), "1234");
    let eku = cert.extended_key_usage().unwrap();
    assert_eq!(eku.len(), 1);
    assert_eq!(eku[0].to_string(), "1.3.6.1.5.5.7.3.2");
    assert!(cert.allows_purpose(oids::KP_CLIENT_AUTH));
    assert!(!cert.allows_purpose(oids::KP_SERVER_AUTH));
    assert!(cert.extension(oids::BASIC_CONSTRAINTS).unwrap().critical);
    assert!(!cert.extension(oids::KEY_USAGE).unwrap().critical);
}

#[test]
fn ed25519_with_utf8_subject_and_generalized_time() {
    let cert = load("ed25519-utf8");
    assert_eq!(cert.key_type(), KeyType::Ed25519);
    assert_eq!(cert.public_key().key.len(), 32);
    assert!(cert.is_self_issued());
    assert!(iso_date(cert.not_after()).as_str() > "2050");
    // The fixture's notAfter really is GeneralizedTime (RFC 5280 requires it from 2050).
    assert!(cert
        .der()
        .windows(2)
        .any(|w| w == [tag::GENERALIZED_TIME, 15]));
    assert_eq!(
        cert.subject().common_name().as_deref(),
        Some("Grüße 日本 ☃")
    );
    assert_eq!(
        cert.subject().to_string(),
        "C = FR, O = \"Bücher & Söhne, S.A.\", CN = Grüße 日本 ☃"
    );
    assert!(cert.extended_key_usage().is_none());
    assert!(cert.allows_purpose(oids::KP_SERVER_AUTH));
    assert_eq!(
        cert.subject_alt_names()[2].ip_address(),
        Some(IpAddr::V6(Ipv6Addr::LOCALHOST))
    );
}

#[test]
fn v1_certificate_with_every_string_type() {
    let cert = load("names-mixed");
    assert_eq!(cert.version(), 0);
    assert!(cert.extensions().is_empty());
    assert!(cert.basic_constraints().is_none() && cert.key_usage().is_none());
    let tags: Vec<u8> = cert.subject().entries().map(|a| a.value_tag).collect();
    for expected in [
        tag::IA5_STRING,
        tag::TELETEX_STRING,
        tag::BMP_STRING,
        tag::PRINTABLE_STRING,
        tag::UTF8_STRING,
    ] {
        assert!(tags.contains(&expected), "{expected:#x} in {tags:x?}");
    }
    let texts: Vec<String> = cert
        .subject()
        .entries()
        .map(|a| a.text().unwrap())
        .collect();
    assert_eq!(texts[2], "Müller, Lüdenscheid");
    assert_eq!(texts[3], "日本語");
    assert_eq!(texts[8], "𝄞 clef");
    assert_eq!(cert.subject().rdns()[3].len(), 2, "OU + UID");
}

#[test]
fn pem_bundles() {
    let bundle = [FIXTURES[1].pem, FIXTURES[0].pem, FIXTURES[2].pem].concat();
    let with_key = format!(
        "junk before\n{}-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n",
        bundle
    );
    let certs = from_pem_bundle(with_key.as_bytes()).unwrap();
    let cns: Vec<String> = certs
        .iter()
        .map(|c| c.subject().common_name().unwrap())
        .collect();
    assert_eq!(
        cns,
        [
            "www.example.com",
            "Example Root P-256",
            "client.example.net"
        ]
    );

    let err = from_pem_bundle(b"nothing here").unwrap_err();
    assert_eq!(err.reason, Reason::BAD_PEM);
    let err = from_pem_bundle(b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n")
        .unwrap_err();
    assert_eq!(err.reason, Reason::X509_LIB);
    assert!(err.detail.contains("certificate 1"), "{}", err.detail);
    assert!(
        from_pem_bundle(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n").is_err()
    );
}

#[test]
fn serial_hex_forms() {
    let mut cert = load("ca-p256");
    for (serial, text) in [
        (&[0x00][..], "00"),
        (&[0x7f], "7F"),
        (&[0x00, 0x80], "80"),
        (&[0xff], "-01"),
        (&[0x80], "-80"),
        (&[0xff, 0x00], "-0100"),
        (&[0xfe, 0xdc], "-0124"),
    ] {
        cert.serial = serial.to_vec();
        assert_eq!(cert.serial_hex(), text, "{serial:02x?}");
    }
}

#[test]
fn oid_constants_spell_what_they_say() {
    for (bytes, dotted) in [
        (oids::RSA_ENCRYPTION, "1.2.840.113549.1.1.1"),
        (oids::EC_PUBLIC_KEY, "1.2.840.10045.2.1"),
        (oids::SECP256R1, "1.2.840.10045.3.1.7"),
        (oids::SECP384R1, "1.3.132.0.34"),
        (oids::SECP521R1, "1.3.132.0.35"),
        (oids::ED25519, "1.3.101.112"),
        (oids::ED448, "1.3.101.113"),
        (oids::KEY_USAGE, "2.5.29.15"),
        (oids::SUBJECT_ALT_NAME, "2.5.29.17"),
        (oids::BASIC_CONSTRAINTS, "2.5.29.19"),
        (oids::EXT_KEY_USAGE, "2.5.29.37"),
        (oids::KP_SERVER_AUTH, "1.3.6.1.5.5.7.3.1"),
        (oids::KP_CLIENT_AUTH, "1.3.6.1.5.5.7.3.2"),
        (oids::ANY_EXTENDED_KEY_USAGE, "2.5.29.37.0"),
    ] {
        assert_eq!(Oid::from_value(bytes, "t").unwrap().to_string(), dotted);
    }
}

#[test]
fn rejects_trailing_data_and_wrong_outer_shape() {
    let der = load("leaf-p384").der().to_vec();
    let mut trailing = der.clone();
    trailing.push(0);
    let err = Certificate::from_der(&trailing).unwrap_err();
    assert_eq!(err.reason, Reason::X509_LIB);
    assert!(err.detail.contains("trailing data"), "{}", err.detail);
    assert!(Certificate::from_der(&[]).is_err());
    assert!(Certificate::from_der(&[0x30, 0x00]).is_err());
}

/// Finds `needle` in the DER of `cert`, replaces it, and re-parses.
fn parse_patched(
    cert: &Certificate,
    needle: &[u8],
    replacement: &[u8],
) -> Result<Certificate, Error> {
    assert_eq!(needle.len(), replacement.len());
    let mut der = cert.der().to_vec();
    let at = der
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("needle present");
    der[at..at + needle.len()].copy_from_slice(replacement);
    Certificate::from_der(&der)
}

#[test]
fn rejects_malformed_fields_inside_a_real_certificate() {
    let cert = load("leaf-rsa2048");
    // A duplicate extension: turn extKeyUsage's OID into keyUsage's.
    let err = parse_patched(
        &cert,
        &[0x06, 0x03, 0x55, 0x1d, 0x25],
        &[0x06, 0x03, 0x55, 0x1d, 0x0f],
    )
    .unwrap_err();
    assert!(err.detail.contains("twice"), "{}", err.detail);
    // A non-ASCII dNSName.
    let err = parse_patched(&cert, b"\x82\x0bexample.com", b"\x82\x0bex\xe4mple.com").unwrap_err();
    assert!(err.detail.contains("dNSName"), "{}", err.detail);
    // A month 13 in notBefore.
    let utc = cert
        .der()
        .windows(2)
        .position(|w| w == [tag::UTC_TIME, 13])
        .unwrap();
    let mut der = cert.der().to_vec();
    der[utc + 4..utc + 6].copy_from_slice(b"13");
    let err = Certificate::from_der(&der).unwrap_err();
    assert!(err.detail.contains("notBefore"), "{}", err.detail);
}

/// Parsing is total: every prefix and many single-octet mutations of real certificates either
/// parse or fail, and never panic. Prefixes must all fail (the outer length no longer fits).
#[test]
fn truncations_and_mutations_never_panic() {
    for fixture in FIXTURES {
        let der = load(fixture.name).der().to_vec();
        for len in 0..der.len() {
            assert!(Certificate::from_der(&der[..len]).is_err());
        }
        let mut parsed_after_mutation = 0;
        for i in 0..der.len() {
            for mutation in [
                0x00,
                0xff,
                0x80,
                0x7f,
                0x01 ^ der[i],
                0x80 ^ der[i],
                der[i].wrapping_add(1),
            ] {
                let mut mutated = der.clone();
                mutated[i] = mutation;
                if let Ok(cert) = Certificate::from_der(&mutated) {
                    parsed_after_mutation += 1;
                    // Exercise every printer on whatever survived.
                    let _ = (cert.subject().to_text(), cert.issuer().rfc2253());
                    let _ = (cert.subject().oneline(), cert.key_type(), cert.serial_hex());
                    let _ = cert
                        .subject_alt_names()
                        .iter()
                        .map(GeneralName::openssl_text)
                        .count();
                    let _ = (format_time(cert.not_after()), iso_date(cert.not_before()));
                }
            }
        }
        assert!(
            parsed_after_mutation > 0,
            "some mutations land in free-form bytes"
        );
    }
}

/// Random multi-octet damage (a fixed xorshift sequence, so failures reproduce).
#[test]
fn random_multi_octet_mutations_never_panic() {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for fixture in FIXTURES {
        let der = load(fixture.name).der().to_vec();
        for _ in 0..4000 {
            let mut mutated = der.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % der.len() as u64) as usize;
                mutated[at] = next() as u8;
            }
            if let Ok(cert) = Certificate::from_der(&mutated) {
                let _ = (cert.subject().to_text(), cert.issuer().oneline());
            }
        }
    }
}

#[test]
fn general_name_choices() {
    let parse = |der: &[u8]| {
        let mut reader = DerReader::new(der);
        let tlv = reader.read_any("t").unwrap();
        read_general_name(&reader, tlv)
    };
    // [4] EXPLICIT Name { CN=a }
    let dir = parse(&[
        0xa4, 0x0e, 0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x01,
        b'a',
    ])
    .unwrap();
    assert_eq!(dir.openssl_text(), "DirName:/CN=a");
    assert_eq!(
        parse(&[0xa0, 0x00]).unwrap().openssl_text(),
        "othername:<unsupported>"
    );
    assert_eq!(
        parse(&[0x88, 0x01, 0x2a]).unwrap(),
        GeneralName::Unsupported(8)
    );
    assert_eq!(
        parse(&[0x87, 0x03, 1, 2, 3]).unwrap().openssl_text(),
        "IP Address:<invalid>"
    );
    assert_eq!(parse(&[0x87, 0x03, 1, 2, 3]).unwrap().ip_address(), None);
    for bad in [
        &[0xa2, 0x00][..], // constructed dNSName
        &[0x80, 0x00],     // primitive otherName
        &[0x89, 0x00],     // no such choice
        &[0x04, 0x00],     // not context-tagged
        &[0xa4, 0x02, 0x31, 0x00],
    ] {
        assert!(parse(bad).is_err(), "{bad:02x?}");
    }
}

/// The host's trust store, when there is one, is a good corpus of real-world encodings.
#[test]
fn system_trust_store_parses() {
    let Ok(pem) = std::fs::read("/etc/ssl/certs/ca-certificates.crt") else {
        return;
    };
    for cert in from_pem_bundle(&pem).unwrap() {
        assert!(!cert.subject().to_text().is_empty(), "{cert:?}");
        assert!(cert.not_before() < cert.not_after(), "{cert:?}");
    }
}
