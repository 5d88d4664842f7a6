//! The Logistic distribution.
