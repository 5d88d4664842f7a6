//! The StudentT distribution.
