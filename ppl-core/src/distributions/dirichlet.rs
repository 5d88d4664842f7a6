//! The Dirichlet distribution on the simplex.
