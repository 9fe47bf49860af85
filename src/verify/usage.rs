//! What a chain is verified for.

/// Which end we are verifying: servers prove serverAuth, clients clientAuth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    ServerAuth,
    ClientAuth,
}
