//! The Weibull distribution.
