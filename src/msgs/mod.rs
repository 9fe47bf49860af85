//! Wire messages: each type encodes and decodes itself.

pub mod enums;
