//! The `#[model]` compiler of the `ppl` library (parse → IR → analyses → code generation).
//!
//! This crate is being built (see the project's status table in the README); it exports
//! no macro yet.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
