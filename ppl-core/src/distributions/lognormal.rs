//! The LogNormal distribution.
