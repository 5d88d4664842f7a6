//! Parsing of the model function's signature and attribute options.

pub mod signature;
