//! Transform onto Cholesky factors of correlation matrices.
