//! Gamma-family special functions: lgamma, digamma, trigamma, lbeta, lchoose.
