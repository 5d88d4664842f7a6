//! The ChiSquare distribution.
