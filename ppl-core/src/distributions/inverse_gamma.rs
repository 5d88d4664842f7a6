//! The InverseGamma distribution.
