//! The Beta distribution.
