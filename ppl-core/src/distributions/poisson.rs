//! The Poisson and PoissonLog distributions.
