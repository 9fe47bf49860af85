//! Wire messages: each type encodes and decodes itself.

pub mod alert;
pub mod ccs;
pub mod compressed_cert;
pub mod deframer;
pub mod enums;
pub mod extensions;
pub mod handshake;
pub mod raw_hello;
