//! Parameter checks shared by the distributions: each names the distribution and the
//! parameter, so a bad draw request reads as "Normal: parameter `sigma` = -1 but it must
//! be finite and > 0".

use crate::error::{Error, Result};

fn invalid(
    distribution: &'static str,
    parameter: &'static str,
    value: f64,
    requirement: &'static str,
) -> Error {
    Error::InvalidParameter {
        distribution,
        parameter,
        value,
        requirement,
    }
}

/// `value` must be finite.
pub fn finite(distribution: &'static str, parameter: &'static str, value: f64) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(invalid(distribution, parameter, value, "finite"))
    }
}

/// `value` must be finite and `> 0`.
pub fn positive(distribution: &'static str, parameter: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(invalid(distribution, parameter, value, "finite and > 0"))
    }
}

/// `value` must be finite and `>= 0`.
pub fn non_negative(distribution: &'static str, parameter: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(invalid(distribution, parameter, value, "finite and >= 0"))
    }
}

/// `value` must be a probability in `[0, 1]`.
pub fn probability(distribution: &'static str, parameter: &'static str, value: f64) -> Result<()> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(invalid(distribution, parameter, value, "in [0, 1]"))
    }
}

/// `lo < hi`, both finite.
pub fn ordered_bounds(distribution: &'static str, lo: f64, hi: f64) -> Result<()> {
    finite(distribution, "lower", lo)?;
    finite(distribution, "upper", hi)?;
    if lo < hi {
        Ok(())
    } else {
        Err(invalid(
            distribution,
            "upper",
            hi,
            "greater than the lower bound",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_accept_valid_and_name_invalid_parameters() {
        assert!(positive("Normal", "sigma", 1.0).is_ok());
        let e = positive("Normal", "sigma", 0.0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Normal: parameter `sigma` = 0 but it must be finite and > 0"
        );
        assert!(finite("Normal", "mu", f64::NAN).is_err());
        assert!(non_negative("Poisson", "lambda", 0.0).is_ok());
        assert!(non_negative("Poisson", "lambda", -1e-300).is_err());
        assert!(probability("Bernoulli", "theta", 1.0).is_ok());
        assert!(probability("Bernoulli", "theta", f64::NAN).is_err());
        assert!(ordered_bounds("Uniform", 0.0, 1.0).is_ok());
        assert!(ordered_bounds("Uniform", 1.0, 1.0).is_err());
    }
}
