//! The SkewNormal distribution.
