//! The Cauchy distribution.
