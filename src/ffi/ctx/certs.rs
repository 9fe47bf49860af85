//! A context's certificates and keys (one pair per key type), its chain, its trust anchors and
//! CA name lists, and its verification settings.

use super::*;

/// `openssl rehash` names: eight hex digits of the subject hash, a dot, a decimal sequence number.
pub(crate) fn is_hashed_ca_name(name: &str) -> bool {
    let Some((hash, seq)) = name.split_once('.') else {
        return false;
    };
    hash.len() == 8
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
        && !seq.is_empty()
        && seq.bytes().all(|b| b.is_ascii_digit())
}

pub(crate) fn read_file(path: &str) -> Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| Error::local(Reason::FILE_ERROR, format!("cannot read {path}: {e}")))
}

/// Key type of a certificate, from its public key.
pub(crate) fn cert_key_type(der: &[u8]) -> Result<KeyType> {
    let cert = crate::x509::Certificate::from_der(der)?;
    crate::ffi::x509::key_type_of(&cert).ok_or_else(|| {
        Error::local(
            Reason::UNSUPPORTED_KEY_TYPE,
            "the certificate's public key type is not supported (RSA, ECDSA P-256/P-384, Ed25519)",
        )
    })
}

pub(crate) fn load_chain(path: &str, filetype: c_int) -> Result<Vec<Vec<u8>>> {
    let bytes = read_file(path)?;
    let chain = if filetype == SSL_FILETYPE_ASN1 {
        vec![bytes]
    } else {
        let mut rd = std::io::BufReader::new(bytes.as_slice());
        rustls_pemfile::certs(&mut rd)
            .map(|c| c.map(|c| c.as_ref().to_vec()))
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(|e| Error::local(Reason::BAD_PEM, format!("{path}: bad PEM: {e}")))?
    };
    if chain.is_empty() {
        return Err(Error::local(
            Reason::NO_CERTIFICATE_ASSIGNED,
            format!("{path} holds no certificate"),
        ));
    }
    Ok(chain)
}

impl CtxState {
    fn slot(&mut self, kt: KeyType) -> &mut Slot {
        let i = match self.slots.iter().position(|(k, _)| *k == kt) {
            Some(i) => i,
            None => {
                self.slots.push((kt, Slot::default()));
                self.slots.len() - 1
            }
        };
        &mut self.slots[i].1
    }

    /// Installs the pair for `kt` once both halves are there, checking that they match.
    fn settle(&mut self, kt: KeyType) -> Result<()> {
        self.current = Some(kt);
        let slot = self.slot(kt);
        if let (Some(chain), Some(key)) = (&slot.chain, &slot.key) {
            let ck = CertifiedKey {
                chain: chain.clone(),
                key: key.clone(),
            };
            if let Err(e) = ck.check() {
                // OpenSSL keeps the certificate and drops the mismatched key.
                slot.key = None;
                return Err(e);
            }
            self.config.set_certified_key(ck);
        }
        Ok(())
    }

    pub(crate) fn set_chain(&mut self, chain: Vec<Vec<u8>>) -> Result<()> {
        let kt = cert_key_type(&chain[0])?;
        self.slot(kt).chain = Some(chain);
        self.settle(kt)
    }

    /// Keeps the caller's object for the certificate `der` (one new reference), forgetting
    /// objects of certificates the context no longer has (so at most one per key type).
    fn keep_leaf_object(&mut self, der: Vec<u8>, x: *mut X509) {
        let slots = &self.slots;
        let is_leaf = |d: &Vec<u8>| {
            slots
                .iter()
                .any(|(_, s)| s.chain.as_ref().and_then(|c| c.first()) == Some(d))
        };
        self.leaf_objects.retain(|(d, _)| *d != der && is_leaf(d));
        // SAFETY: a live certificate from the caller; the reference taken is released by
        // OwnedX509's drop.
        if unsafe { aws_lc_sys::X509_up_ref(x) } == 1 {
            self.leaf_objects
                .push((der, crate::ffi::x509::OwnedX509(x)));
        }
    }

    /// The caller's object for the certificate `der`, if `SSL_CTX_use_certificate` gave one.
    pub(crate) fn leaf_object(&self, der: &[u8]) -> Option<*mut X509> {
        self.leaf_objects
            .iter()
            .find(|(d, _)| d.as_slice() == der)
            .map(|(_, x)| x.0)
    }

    /// The chain certificates (leaf excluded) of the certificate loaded or selected last.
    pub(crate) fn current_chain_certs(&self) -> Option<&[Vec<u8>]> {
        let kt = self.current?;
        let (_, slot) = self.slots.iter().find(|(k, _)| *k == kt)?;
        slot.chain.as_deref()?.get(1..)
    }

    /// Makes the certificate whose DER is `leaf` the current one (`SSL_CTX_select_current_cert`).
    pub(crate) fn select_current_leaf(&mut self, leaf: &[u8]) -> bool {
        let found = self.slots.iter().find(|(_, slot)| {
            slot.chain
                .as_ref()
                .and_then(|chain| chain.first())
                .is_some_and(|der| der == leaf)
        });
        match found {
            Some((kt, _)) => {
                self.current = Some(*kt);
                true
            }
            None => false,
        }
    }

    /// Appends a certificate to the chain of the certificate loaded last (`SSL_CTX_add0_chain_cert`,
    /// `SSL_CTX_add_extra_chain_cert`).
    pub(crate) fn add_chain_cert(&mut self, der: Vec<u8>) -> Result<()> {
        let no_cert = || {
            Error::local(
                Reason::NO_CERTIFICATE_ASSIGNED,
                "no certificate loaded to add a chain certificate to",
            )
        };
        let kt = self.current.ok_or_else(no_cert)?;
        self.slot(kt).chain.as_mut().ok_or_else(no_cert)?.push(der);
        self.settle(kt)
    }

    /// Drops the chain certificates of the certificate loaded last, keeping the certificate
    /// (`SSL_CTX_clear_chain_certs`).
    pub(crate) fn clear_chain_certs(&mut self) -> Result<()> {
        let Some(kt) = self.current else {
            return Ok(());
        };
        match self.slot(kt).chain.as_mut() {
            Some(chain) => chain.truncate(1),
            None => return Ok(()),
        }
        self.settle(kt)
    }

    pub(crate) fn set_key(&mut self, key: SigningKey) -> Result<()> {
        self.set_shared_key(Arc::new(key))
    }

    pub(crate) fn set_shared_key(&mut self, key: Arc<SigningKey>) -> Result<()> {
        let kt = key.key_type();
        self.slot(kt).key = Some(key);
        self.settle(kt)
    }

    fn install_client_ca_list(&mut self, list: Option<NameStack>) {
        self.config.client_ca_names = list.as_ref().map_or_else(Vec::new, |l| {
            // SAFETY: a live stack owned by the context.
            unsafe { crate::ffi::x509::name_stack_ders(l.0) }
                .into_iter()
                .map(crate::msgs::extensions::DistinguishedName)
                .collect()
        });
        self.client_ca_list = list;
    }

    /// The leaf certificate and key of the pair loaded last (OpenSSL's "current" certificate),
    /// or of the key type `kt` when given (`SSL_get_certificate`, `SSL_get_privatekey`).
    pub(crate) fn current_pair(
        &self,
        kt: Option<KeyType>,
    ) -> (Option<Vec<u8>>, Option<Arc<SigningKey>>) {
        let Some(slot) = kt
            .or(self.current)
            .and_then(|kt| self.slots.iter().find(|(k, _)| *k == kt))
            .map(|(_, s)| s)
        else {
            return (None, None);
        };
        let leaf = slot.chain.as_ref().and_then(|c| c.first().cloned());
        (leaf, slot.key.clone())
    }

    pub(crate) fn check_private_key(&self) -> Result<()> {
        let slot = self
            .current
            .and_then(|kt| self.slots.iter().find(|(k, _)| *k == kt))
            .map(|(_, s)| s)
            .ok_or_else(|| {
                Error::local(Reason::NO_CERTIFICATE_ASSIGNED, "no certificate loaded")
            })?;
        let chain = slot.chain.clone().ok_or_else(|| {
            Error::local(Reason::NO_CERTIFICATE_ASSIGNED, "no certificate loaded")
        })?;
        let key = slot.key.clone().ok_or_else(|| {
            Error::local(Reason::NO_PRIVATE_KEY_ASSIGNED, "no private key loaded")
        })?;
        CertifiedKey { chain, key }.check()
    }

    /// What `SSL_CTX_get_min_proto_version` reports (0: no bound).
    pub(crate) fn min_proto_version_raw(&self) -> c_int {
        self.min_proto
    }

    pub(crate) fn max_proto_version_raw(&self) -> c_int {
        self.max_proto
    }

    fn roots_mut(&mut self) -> &mut RootStore {
        Arc::make_mut(&mut self.config.roots)
    }

    pub(crate) fn load_verify_file(&mut self, path: &str) -> Result<()> {
        let pem = read_file(path)?;
        let n = self.roots_mut().add_pem(&pem)?;
        if n == 0 {
            return Err(Error::local(
                Reason::BAD_PEM,
                format!("{path} holds no usable CA certificate"),
            ));
        }
        Ok(())
    }

    /// Loads a CA directory. Like OpenSSL's hashed directories (`openssl rehash`), only files
    /// named `HHHHHHHH.N` (subject hash, sequence number) are read when there are any; a
    /// directory without such names is read whole, every PEM file in it.
    pub(crate) fn load_verify_dir(&mut self, path: &str) -> Result<()> {
        let entries = std::fs::read_dir(path)
            .map_err(|e| Error::local(Reason::FILE_ERROR, format!("cannot read {path}: {e}")))?;
        let files: Vec<(std::path::PathBuf, bool)> = entries
            .flatten()
            .map(|e| {
                let hashed = e.file_name().to_str().is_some_and(is_hashed_ca_name);
                (e.path(), hashed)
            })
            .filter(|(p, _)| p.is_file())
            .collect();
        let any_hashed = files.iter().any(|(_, hashed)| *hashed);
        for (file, hashed) in files {
            if any_hashed && !hashed {
                continue;
            }
            if let Ok(pem) = std::fs::read(&file) {
                let _ = self.roots_mut().add_pem(&pem);
            }
        }
        Ok(())
    }

    pub(crate) fn set_proto_bounds(
        &mut self,
        min: Option<c_int>,
        max: Option<c_int>,
    ) -> Result<()> {
        check_proto_version(min)?;
        check_proto_version(max)?;
        if let Some(v) = min {
            self.min_proto = v;
        }
        if let Some(v) = max {
            self.max_proto = v;
        }
        (self.config.min_version, self.config.max_version) =
            version_range(self.min_proto, self.max_proto);
        Ok(())
    }
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_use_certificate_chain_file(
    ctx: *mut SSL_CTX,
    file: *const c_char,
) -> c_int {
    with_result(ctx, |c| {
        // SAFETY: `file` is a C string from the caller.
        let path = unsafe { c_str(file, "file") }.ok_or_else(bad_arg)?;
        let chain = load_chain(path, SSL_FILETYPE_PEM)?;
        c.edit().set_chain(chain)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_use_certificate_file(
    ctx: *mut SSL_CTX,
    file: *const c_char,
    filetype: c_int,
) -> c_int {
    with_result(ctx, |c| {
        // SAFETY: `file` is a C string from the caller.
        let path = unsafe { c_str(file, "file") }.ok_or_else(bad_arg)?;
        let mut chain = load_chain(path, filetype)?;
        chain.truncate(1);
        c.edit().set_chain(chain)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_use_PrivateKey_file(
    ctx: *mut SSL_CTX,
    file: *const c_char,
    filetype: c_int,
) -> c_int {
    with_result(ctx, |c| {
        // SAFETY: `file` is a C string from the caller.
        let path = unsafe { c_str(file, "file") }.ok_or_else(bad_arg)?;
        // The password callback runs without the context locked.
        let pw = crate::ffi::pem_key::Passwd::of_ctx(c);
        let key = crate::ffi::pem_key::load_key_file(path, filetype, pw)?;
        c.edit().set_key(key)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_check_private_key(ctx: *const SSL_CTX) -> c_int {
    with_result(ctx as *mut SSL_CTX, |c| c.read().check_private_key())
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_load_verify_locations(
    ctx: *mut SSL_CTX,
    ca_file: *const c_char,
    ca_path: *const c_char,
) -> c_int {
    with_result(ctx, |c| {
        if ca_file.is_null() && ca_path.is_null() {
            return Err(Error::local(
                Reason::INVALID_ARGUMENT,
                "SSL_CTX_load_verify_locations needs a file or a directory",
            ));
        }
        let mut st = c.edit();
        if !ca_file.is_null() {
            // SAFETY: non-NULL C string from the caller.
            let f = unsafe { c_str(ca_file, "CAfile") }.ok_or_else(bad_arg)?;
            st.load_verify_file(f)?;
        }
        if !ca_path.is_null() {
            // SAFETY: non-NULL C string from the caller.
            let d = unsafe { c_str(ca_path, "CApath") }.ok_or_else(bad_arg)?;
            st.load_verify_dir(d)?;
        }
        Ok(())
    })
}

/// The system's trust store, honouring `SSL_CERT_FILE` and `SSL_CERT_DIR` (a colon-separated list
/// of directories) like OpenSSL. Without them: Debian's bundle only, which holds the same CAs as
/// `/etc/ssl/certs`; that directory is left out because it may also hold local certificates
/// (`ssl-cert-snakeoil.pem`) that OpenSSL's key-identifier matching would skip but that webpki's
/// path building would try as issuers.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_default_verify_paths(ctx: *mut SSL_CTX) -> c_int {
    with_result(ctx, |c| {
        let file = std::env::var("SSL_CERT_FILE")
            .unwrap_or_else(|_| "/etc/ssl/certs/ca-certificates.crt".to_string());
        let dirs = std::env::var("SSL_CERT_DIR").unwrap_or_default();
        let mut st = c.edit();
        // As in OpenSSL, missing default locations are not an error.
        if std::path::Path::new(&file).is_file() {
            let _ = st.load_verify_file(&file);
        }
        for dir in dirs.split(':').filter(|d| !d.is_empty()) {
            if std::path::Path::new(dir).is_dir() {
                let _ = st.load_verify_dir(dir);
            }
        }
        Ok(())
    })
}

/// OpenSSL 3's single-purpose form of `SSL_CTX_load_verify_locations(ctx, file, NULL)`.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_load_verify_file(
    ctx: *mut SSL_CTX,
    ca_file: *const c_char,
) -> c_int {
    with_result(ctx, |c| {
        // SAFETY: C string from the caller; NULL is reported.
        let f = unsafe { c_str(ca_file, "CAfile") }.ok_or_else(bad_arg)?;
        c.edit().load_verify_file(f)
    })
}

/// OpenSSL 3's `SSL_CTX_load_verify_locations(ctx, NULL, dir)`: a hashed CA directory.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_load_verify_dir(
    ctx: *mut SSL_CTX,
    ca_dir: *const c_char,
) -> c_int {
    with_result(ctx, |c| {
        // SAFETY: C string from the caller; NULL is reported.
        let d = unsafe { c_str(ca_dir, "CApath") }.ok_or_else(bad_arg)?;
        c.edit().load_verify_dir(d)
    })
}

/// libtls: trusts every certificate of the PEM text `pem` (`len` bytes, no NUL needed), for
/// roots kept in memory rather than in files. Returns 1 when at least one was added.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_add_trust_anchor_pem(
    ctx: *mut SSL_CTX,
    pem: *const c_char,
    len: usize,
) -> c_int {
    with_result(ctx, |c| {
        if pem.is_null() {
            return Err(bad_arg());
        }
        // SAFETY: the caller passes `len` readable bytes at `pem`.
        let text = unsafe { std::slice::from_raw_parts(pem as *const u8, len) };
        let added = c.edit().roots_mut().add_pem(text)?;
        if added == 0 {
            return Err(Error::local(
                Reason::BAD_PEM,
                "the PEM text holds no usable CA certificate",
            ));
        }
        Ok(())
    })
}

/// libtls: trusts one certificate object, like OpenSSL's
/// `X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), x)`. The caller keeps its reference.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_add_trust_anchor(ctx: *mut SSL_CTX, x: *mut X509) -> c_int {
    with_result(ctx, |c| {
        if x.is_null() {
            return Err(bad_arg());
        }
        // SAFETY: a live certificate from the caller.
        let der = unsafe { crate::ffi::x509::x509_der(x) }.ok_or_else(bad_arg)?;
        c.edit().roots_mut().add_der(&der)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_verify(
    ctx: *mut SSL_CTX,
    mode: c_int,
    callback: SSL_verify_cb,
) {
    with_result(ctx, |c| {
        let mut st = c.edit();
        st.verify_mode = mode;
        st.config.verify_mode = crate::ffi::options::verify_mode_from_c(mode);
        st.verify_callback = callback;
        Ok(())
    });
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_verify_mode(ctx: *const SSL_CTX) -> c_int {
    guard(0, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.map_or(0, |c| c.read().verify_mode)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_verify_depth(ctx: *mut SSL_CTX, depth: c_int) {
    with_result(ctx, |c| {
        c.edit().config.verify_depth = depth.max(0) as u32;
        Ok(())
    });
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_verify_depth(ctx: *const SSL_CTX) -> c_int {
    guard(-1, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.map_or(-1, |c| c.read().config.verify_depth as c_int)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_verify_callback(ctx: *const SSL_CTX) -> SSL_verify_cb {
    guard(None, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.and_then(|c| c.read().verify_callback)
    })
}

/// Sets the callback that may supply a client certificate when the server asks for one and
/// no configured certificate fits. Returning -1 (OpenSSL's "try again later") is treated as 0.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_client_cert_cb(
    ctx: *mut SSL_CTX,
    callback: SSL_client_cert_cb,
) {
    with_result(ctx, |c| {
        c.edit().client_cert_cb = callback;
        Ok(())
    });
}

#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_client_cert_cb(ctx: *const SSL_CTX) -> SSL_client_cert_cb {
    guard(None, || {
        // SAFETY: see try_ref.
        unsafe { try_ref(ctx) }.and_then(|c| c.read().client_cert_cb)
    })
}

/// Uses a certificate object (a new reference is not taken: its DER is copied).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_use_certificate(ctx: *mut SSL_CTX, x: *mut X509) -> c_int {
    with_result(ctx, |c| {
        if x.is_null() {
            return Err(bad_arg());
        }
        // SAFETY: a live certificate from the caller.
        let der = unsafe { crate::ffi::x509::x509_der(x) }.ok_or_else(bad_arg)?;
        let mut st = c.edit();
        st.set_chain(vec![der.clone()])?;
        st.keep_leaf_object(der, x);
        Ok(())
    })
}

/// Uses a private key object read with `PEM_read_PrivateKey` (a public-only key fails).
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_use_PrivateKey(ctx: *mut SSL_CTX, pkey: *mut EVP_PKEY) -> c_int {
    with_result(ctx, |c| {
        if pkey.is_null() {
            return Err(bad_arg());
        }
        // SAFETY: a live key from the caller.
        let key = unsafe { crate::ffi::x509::signing_key(pkey) }
            .map_err(|e| Error::local(Reason::NO_PRIVATE_KEY_ASSIGNED, e.detail.to_string()))?;
        c.edit().set_key(key)
    })
}

/// The issuer names a server sends in its CertificateRequest. Takes ownership of `list`.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_set_client_CA_list(
    ctx: *mut SSL_CTX,
    list: *mut stack_st_X509_NAME,
) {
    guard((), || {
        // The caller hands over the stack (or NULL).
        let owned = (!list.is_null()).then_some(NameStack(list));
        // SAFETY: see try_ref.
        if let Some(c) = unsafe { try_ref(ctx) } {
            c.edit().install_client_ca_list(owned);
        }
    })
}

/// The list set by `SSL_CTX_set_client_CA_list` / `SSL_CTX_add_client_CA`, borrowed; NULL if
/// none.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_get_client_CA_list(
    ctx: *const SSL_CTX,
) -> *mut stack_st_X509_NAME {
    guard(std::ptr::null_mut(), || {
        // SAFETY: see try_ref.
        let Some(c) = (unsafe { try_ref(ctx) }) else {
            return std::ptr::null_mut();
        };
        let st = c.read();
        st.client_ca_list
            .as_ref()
            .map_or(std::ptr::null_mut(), |l| l.0)
    })
}

/// Adds a certificate's subject to the client CA list.
#[no_mangle]
pub unsafe extern "C" fn SSL_CTX_add_client_CA(ctx: *mut SSL_CTX, x: *mut X509) -> c_int {
    with_result(ctx, |c| {
        if x.is_null() {
            return Err(bad_arg());
        }
        // SAFETY: a live certificate from the caller; the subject is copied.
        let subject = unsafe { aws_lc_sys::X509_NAME_dup(aws_lc_sys::X509_get_subject_name(x)) };
        if subject.is_null() {
            return Err(bad_arg());
        }
        let mut st = c.edit();
        let list = match st.client_ca_list.take() {
            Some(l) => l,
            None => NameStack(crate::ffi::x509::new_name_stack()),
        };
        // SAFETY: a live stack; it takes the name.
        let pushed =
            !list.0.is_null() && unsafe { crate::ffi::x509::name_stack_push(list.0, subject) };
        st.install_client_ca_list(Some(list));
        if pushed {
            Ok(())
        } else {
            Err(Error::local(
                Reason::INTERNAL_ERROR,
                "cannot grow the client CA list",
            ))
        }
    })
}

/// The subjects of the certificates in a PEM file, as a new list (free with
/// `sk_X509_NAME_pop_free`), for `SSL_CTX_set_client_CA_list`.
#[no_mangle]
pub unsafe extern "C" fn SSL_load_client_CA_file(file: *const c_char) -> *mut stack_st_X509_NAME {
    guard(std::ptr::null_mut(), || {
        // SAFETY: C string from the caller.
        let Some(path) = (unsafe { c_str(file, "file") }) else {
            return std::ptr::null_mut();
        };
        let loaded = read_file(path).and_then(|pem| crate::x509::from_pem_bundle(&pem));
        match loaded {
            Ok(certs) => {
                let mut names: Vec<&[u8]> = Vec::new();
                for cert in &certs {
                    // OpenSSL's list holds each name once.
                    if !names.contains(&cert.subject().der()) {
                        names.push(cert.subject().der());
                    }
                }
                crate::ffi::x509::name_stack_from_ders(names)
            }
            Err(e) => {
                err::push(&e);
                std::ptr::null_mut()
            }
        }
    })
}
