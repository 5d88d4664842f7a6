//! Transform onto Cholesky factors of covariance matrices.
