//! The HalfCauchy distribution.
