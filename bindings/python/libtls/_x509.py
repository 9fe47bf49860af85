"""Decoding a DER certificate into the dict `ssl.SSLSocket.getpeercert()` returns.

The C API hands out the certificate's DER (i2d_X509); the fields Python code expects
(subject, issuer, validity, subjectAltName, ...) are read from it here with a small DER reader.
"""

import ipaddress

_ATTRIBUTE_NAMES = {
    "2.5.4.3": "commonName",
    "2.5.4.4": "surname",
    "2.5.4.5": "serialNumber",
    "2.5.4.6": "countryName",
    "2.5.4.7": "localityName",
    "2.5.4.8": "stateOrProvinceName",
    "2.5.4.9": "streetAddress",
    "2.5.4.10": "organizationName",
    "2.5.4.11": "organizationalUnitName",
    "2.5.4.12": "title",
    "2.5.4.42": "givenName",
    "2.5.4.43": "initials",
    "2.5.4.46": "dnQualifier",
    "2.5.4.65": "pseudonym",
    "2.5.4.97": "organizationIdentifier",
    "1.2.840.113549.1.9.1": "emailAddress",
    "0.9.2342.19200300.100.1.1": "userId",
    "0.9.2342.19200300.100.1.25": "domainComponent",
    "1.3.6.1.4.1.311.60.2.1.3": "jurisdictionCountryName",
    "2.5.4.15": "businessCategory",
}

_OID_SUBJECT_ALT_NAME = "2.5.29.17"
_OID_AUTHORITY_INFO_ACCESS = "1.3.6.1.5.5.7.1.1"
_OID_CRL_DISTRIBUTION_POINTS = "2.5.29.31"
_OID_OCSP = "1.3.6.1.5.5.7.48.1"
_OID_CA_ISSUERS = "1.3.6.1.5.5.7.48.2"

_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


class DERError(ValueError):
    """The certificate's DER is malformed."""


def _tlv(data, pos, end):
    """(tag, content start, content end) of the element at `pos`; every length is checked
    against `end`."""
    if pos + 2 > end:
        raise DERError("truncated element")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise DERError("multi-byte tags are not used in certificates")
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > end:
            raise DERError("bad length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > end:
        raise DERError("element overruns its container")
    return tag, pos, pos + length


def _children(data, start, end):
    """[(tag, start, end)] of the elements between start and end."""
    items = []
    while start < end:
        tag, body, body_end = _tlv(data, start, end)
        items.append((tag, body, body_end))
        start = body_end
    return items


def _expect(item, tag, what):
    if item[0] != tag:
        raise DERError(f"{what}: expected tag 0x{tag:02x}, got 0x{item[0]:02x}")
    return item


def _oid(data, start, end):
    body = data[start:end]
    if not body:
        raise DERError("empty OID")
    arcs, value = [], 0
    for byte in body:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first] + arcs[1:])


def _string(data, tag, start, end):
    raw = bytes(data[start:end])
    if tag == 0x1E:  # BMPString
        return raw.decode("utf-16-be", errors="replace")
    if tag == 0x1C:  # UniversalString
        return raw.decode("utf-32-be", errors="replace")
    if tag == 0x14:  # T61String: treated as Latin-1, as OpenSSL does
        return raw.decode("latin-1")
    return raw.decode("utf-8", errors="replace")


def _name(data, start, end):
    """An X.501 Name as ssl's nested tuples: ((('commonName', 'localhost'),), ...)."""
    rdns = []
    for rdn in _children(data, start, end):
        _expect(rdn, 0x31, "RDN")
        pairs = []
        for attribute in _children(data, rdn[1], rdn[2]):
            _expect(attribute, 0x30, "attribute")
            parts = _children(data, attribute[1], attribute[2])
            if len(parts) != 2:
                raise DERError("attribute must be a type and a value")
            oid = _oid(data, *_expect(parts[0], 0x06, "attribute type")[1:])
            value = _string(data, *parts[1])
            pairs.append((_ATTRIBUTE_NAMES.get(oid, oid), value))
        rdns.append(tuple(pairs))
    return tuple(rdns)


def _time(data, tag, start, end):
    text = bytes(data[start:end]).decode("ascii", errors="replace")
    if tag == 0x17 and len(text) == 13:  # UTCTime YYMMDDHHMMSSZ
        year = int(text[:2])
        year += 1900 if year >= 50 else 2000
        rest = text[2:]
    elif tag == 0x18 and len(text) == 15:  # GeneralizedTime YYYYMMDDHHMMSSZ
        year, rest = int(text[:4]), text[4:]
    else:
        raise DERError(f"unsupported time {text!r}")
    month, day = int(rest[0:2]), int(rest[2:4])
    if not 1 <= month <= 12:
        raise DERError(f"bad month in {text!r}")
    return f"{_MONTHS[month - 1]} {day:2d} {rest[4:6]}:{rest[6:8]}:{rest[8:10]} {year} GMT"


def _ip_text(raw):
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw))
    if len(raw) == 16:
        # ssl spells IPv6 uncompressed, groups in upper-case hex without leading zeros.
        return ":".join(f"{int.from_bytes(raw[i:i + 2], 'big'):X}" for i in range(0, 16, 2))
    return "<invalid>"


def _general_names(data, start, end):
    names = []
    for tag, body, body_end in _children(data, start, end):
        kind = tag & 0x1F
        raw = bytes(data[body:body_end])
        if kind == 1:
            names.append(("email", raw.decode("ascii", errors="replace")))
        elif kind == 2:
            names.append(("DNS", raw.decode("ascii", errors="replace")))
        elif kind == 6:
            names.append(("URI", raw.decode("ascii", errors="replace")))
        elif kind == 7:
            names.append(("IP Address", _ip_text(raw)))
        elif kind == 4:
            inner = _tlv(data, body, body_end)
            names.append(("DirName", _name(data, inner[1], inner[2])))
        elif kind == 8:
            names.append(("Registered ID", _oid(data, body, body_end)))
        else:
            names.append(("othername" if kind == 0 else f"type{kind}", "<unsupported>"))
    return names


def _access_descriptions(data, start, end):
    ocsp, ca_issuers = [], []
    for description in _children(data, start, end):
        parts = _children(data, description[1], description[2])
        if len(parts) != 2:
            continue
        method = _oid(data, *parts[0][1:])
        tag, body, body_end = parts[1]
        if tag & 0x1F != 6:
            continue
        uri = bytes(data[body:body_end]).decode("ascii", errors="replace")
        if method == _OID_OCSP:
            ocsp.append(uri)
        elif method == _OID_CA_ISSUERS:
            ca_issuers.append(uri)
    return ocsp, ca_issuers


def _crl_uris(data, start, end):
    uris = []
    for point in _children(data, start, end):
        for tag, body, body_end in _children(data, point[1], point[2]):
            if tag != 0xA0:  # distributionPoint
                continue
            for inner_tag, inner, inner_end in _children(data, body, body_end):
                if inner_tag == 0xA0:  # fullName
                    uris.extend(v for k, v in _general_names(data, inner, inner_end) if k == "URI")
    return uris


def decode_certificate(der):
    """The getpeercert() dict for a DER certificate."""
    data = memoryview(der)
    cert = _expect(_tlv(data, 0, len(data)), 0x30, "Certificate")
    tbs = _expect(_children(data, cert[1], cert[2])[0], 0x30, "TBSCertificate")
    fields = _children(data, tbs[1], tbs[2])
    version = 1
    if fields and fields[0][0] == 0xA0:
        inner = _tlv(data, fields[0][1], fields[0][2])
        version = int.from_bytes(data[inner[1] : inner[2]], "big") + 1
        fields = fields[1:]
    if len(fields) < 6:
        raise DERError("TBSCertificate is missing fields")
    serial = int.from_bytes(data[fields[0][1] : fields[0][2]], "big", signed=True)
    serial_hex = f"{abs(serial):X}"
    serial_hex = ("-" if serial < 0 else "") + ("0" * (len(serial_hex) % 2)) + serial_hex
    validity = _children(data, *_expect(fields[3], 0x30, "Validity")[1:])
    if len(validity) != 2:
        raise DERError("Validity must hold two times")
    result = {
        "subject": _name(data, *_expect(fields[4], 0x30, "subject")[1:]),
        "issuer": _name(data, *_expect(fields[2], 0x30, "issuer")[1:]),
        "version": version,
        "serialNumber": serial_hex,
        "notBefore": _time(data, *validity[0]),
        "notAfter": _time(data, *validity[1]),
    }
    for tag, body, body_end in fields[6:]:
        if tag != 0xA3:  # extensions
            continue
        extensions = _expect(_tlv(data, body, body_end), 0x30, "Extensions")
        for extension in _children(data, extensions[1], extensions[2]):
            parts = _children(data, extension[1], extension[2])
            oid = _oid(data, *parts[0][1:])
            value = _expect(parts[-1], 0x04, "extnValue")
            inner = _tlv(data, value[1], value[2])
            if oid == _OID_SUBJECT_ALT_NAME:
                result["subjectAltName"] = tuple(_general_names(data, inner[1], inner[2]))
            elif oid == _OID_AUTHORITY_INFO_ACCESS:
                ocsp, ca_issuers = _access_descriptions(data, inner[1], inner[2])
                if ocsp:
                    result["OCSP"] = tuple(ocsp)
                if ca_issuers:
                    result["caIssuers"] = tuple(ca_issuers)
            elif oid == _OID_CRL_DISTRIBUTION_POINTS:
                uris = _crl_uris(data, inner[1], inner[2])
                if uris:
                    result["crlDistributionPoints"] = tuple(uris)
    return result
