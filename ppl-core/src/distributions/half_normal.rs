//! The HalfNormal distribution.
