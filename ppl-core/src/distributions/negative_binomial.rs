//! The NegativeBinomial2 and NegativeBinomial2Log distributions (mean and dispersion).
