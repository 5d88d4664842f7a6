//! The Gamma distribution.
