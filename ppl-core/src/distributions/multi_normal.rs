//! The multivariate normal with a Cholesky factor of the covariance.
