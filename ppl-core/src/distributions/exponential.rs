//! The Exponential distribution.
