//! The LKJ distribution on Cholesky factors of correlation matrices.
