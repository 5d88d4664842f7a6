//! The Gumbel distribution.
