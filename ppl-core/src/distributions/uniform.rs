//! The Uniform distribution.
