//! Error function family: erf, erfc, std_normal_cdf (Φ), std_normal_log_cdf, inv_std_normal_cdf.
