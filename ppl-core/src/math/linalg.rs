//! Dense linear algebra with hand-written reverse rules: Cholesky, triangular solves, log-determinant, quadratic forms.
