//! Errors of the samplers: invalid settings, failed initialisation, failed chains.

use ppl_core::Error;

/// Why a chain stopped.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChainFailure {
    /// No initial point with a finite log density and gradient was found.
    #[error(
        "no initial point with a finite log density and gradient after {tries} tries \
         (uniform on (-{radius}, {radius}) unconstrained); last problem: {last_problem}"
    )]
    Initialization {
        /// How many points were tried.
        tries: usize,
        /// Half-width of the box the points were drawn from.
        radius: f64,
        /// What was wrong with the last point tried (the model's error message, or which
        /// quantity was not finite).
        last_problem: String,
    },
    /// The model returned an error that is not a numerical failure (which would have been
    /// a divergence), e.g. a dimension mismatch.
    #[error("the model failed: {0}")]
    Model(Error),
    /// The step-size search ran out of range (Stan's messages: the posterior is improper,
    /// or no acceptably small step size exists).
    #[error("step size search failed: {0}")]
    StepSize(&'static str),
    /// The chain's code panicked; the message of the panic.
    #[error("the chain panicked: {0}")]
    Panic(String),
}

/// A chain that failed, with the reason; the other chains' draws are kept.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("chain {chain} failed{}: {failure}", iteration.map(|i| format!(" at iteration {i}")).unwrap_or_default())]
pub struct ChainError {
    /// Index of the chain (0-based).
    pub chain: usize,
    /// Iteration (warm-up included, 0-based) at which it failed (0 for initialisation);
    /// `None` when unknown (a panic).
    pub iteration: Option<usize>,
    /// What went wrong.
    pub failure: ChainFailure,
}

/// Errors of the samplers.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SamplerError {
    /// A setting is out of its range.
    #[error("invalid setting `{setting}` = {value}: must be {requirement}")]
    InvalidSetting {
        /// The setting's name.
        setting: &'static str,
        /// The value given, formatted.
        value: String,
        /// What is required.
        requirement: &'static str,
    },
    /// A metric given by the user is unusable.
    #[error("invalid metric: {0}")]
    InvalidMetric(String),
    /// Every chain failed; the first failure is shown, all are listed.
    #[error("all {} chains failed; first: {}", .0.len(), .0.first().map(|e| e.to_string()).unwrap_or_default())]
    AllChainsFailed(Vec<ChainError>),
    /// The model returned an error outside a chain (e.g. while naming parameters).
    #[error("the model failed: {0}")]
    Model(#[from] Error),
    /// An output file could not be created, written or read.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// A Stan CSV file could not be parsed.
    #[error("{path}, line {line}: {message}")]
    Csv {
        /// The file.
        path: String,
        /// Line number (1-based; 0 for the file as a whole).
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// `Result` with [`SamplerError`].
pub type Result<T, E = SamplerError> = std::result::Result<T, E>;

/// Whether a model error is a recoverable numerical failure (a divergence when it
/// happens inside a trajectory) rather than a fatal one that stops the chain.
///
/// Recoverable: [`Error::NonFinite`] (a NaN or `+∞` term), [`Error::InvalidParameter`]
/// and [`Error::OutOfSupport`] (the trajectory left a distribution's domain). Everything
/// else (wrong dimensions, bad data, unknown parameters, and any kind added later) is fatal.
pub fn is_recoverable(e: &Error) -> bool {
    matches!(
        e,
        Error::NonFinite { .. } | Error::InvalidParameter { .. } | Error::OutOfSupport { .. }
    )
}
