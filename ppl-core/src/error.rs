//! The library's error type: what went wrong, naming the argument, index, site or parameter.

/// Errors of model construction, evaluation and sampling setup.
///
/// Numerical failures inside a log-density evaluation (a parameter outside a
/// distribution's domain) are *not* errors: the log density is `-∞` and a sampler
/// treats the point as rejected. Errors are for things a user must fix.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A data argument of a model is unusable.
    #[error("data argument `{argument}`{}: {reason}", index.map(|i| format!(" at index {i}")).unwrap_or_default())]
    Data {
        /// The argument's name.
        argument: String,
        /// The offending element, if one.
        index: Option<usize>,
        /// What is wrong with it.
        reason: String,
    },
    /// A distribution was given an invalid parameter (when drawing, or when validated).
    #[error("{distribution}: parameter `{parameter}` = {value} but it must be {requirement}")]
    InvalidParameter {
        /// The distribution, e.g. `Normal`.
        distribution: &'static str,
        /// The parameter, e.g. `sigma`.
        parameter: &'static str,
        /// The value given.
        value: f64,
        /// What is required, e.g. `finite and > 0`.
        requirement: &'static str,
    },
    /// A value lies outside the support of a distribution or transform.
    #[error("{what}: value {value} is outside the support ({requirement})")]
    OutOfSupport {
        /// The distribution or transform.
        what: &'static str,
        /// The value given.
        value: f64,
        /// The support, in words.
        requirement: String,
    },
    /// Lengths that must agree do not.
    #[error("{what}: expected length {expected}, found {found}")]
    DimensionMismatch {
        /// What was being combined.
        what: String,
        /// The length required.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// A log density or gradient term was not finite where it must be.
    #[error("the log density term of site `{site}` is not finite ({value})")]
    NonFinite {
        /// The sample, observe or factor site whose term was not finite.
        site: String,
        /// The value found (NaN or ±∞).
        value: f64,
    },
    /// A value was requested from an improper prior (`Flat`).
    #[error(
        "cannot draw from the improper prior Flat({support}): give the parameter's value instead"
    )]
    ImproperPrior {
        /// The support of the flat prior.
        support: String,
    },
    /// A parameter name that the model does not have.
    #[error("the model has no parameter `{0}`")]
    UnknownParameter(String),
    /// A parameter the model needs was not given.
    #[error("no value given for parameter `{0}`")]
    MissingParameter(String),
}

/// `Result` with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn errors_are_send_sync_and_name_their_subject() {
        assert_send_sync::<Error>();
        let e = Error::Data {
            argument: "y".into(),
            index: Some(3),
            reason: "is NaN".into(),
        };
        assert_eq!(e.to_string(), "data argument `y` at index 3: is NaN");
        let e = Error::InvalidParameter {
            distribution: "Normal",
            parameter: "sigma",
            value: -1.0,
            requirement: "finite and > 0",
        };
        assert_eq!(
            e.to_string(),
            "Normal: parameter `sigma` = -1 but it must be finite and > 0"
        );
    }
}
