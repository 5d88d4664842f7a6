//! The Laplace distribution.
