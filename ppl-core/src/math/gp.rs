//! Gaussian-process covariance kernels: gp_exp_quad_cov.
