//! Results of a run: draws by name per chain or pooled, statistics, the summary table and
//! diagnostics, Stan CSV files, and the progress bars shown while it runs.

mod diagnose;
mod fit;
pub(crate) mod progress;
mod records;
pub(crate) mod settings;
pub(crate) mod stan_csv;
mod summary;

pub use diagnose::{Diagnostics, ESS_PER_CHAIN_THRESHOLD, E_BFMI_THRESHOLD, RHAT_THRESHOLD};
pub use fit::{ChainDraws, Fit};
pub use records::{ChainTiming, DivergentTransition, MetricUpdate, WarmupReport};
pub use settings::{Algorithm, RunSettings};
pub use stan_csv::{stan_name, StanCsv, STAN_CSV_STAT_COLUMNS};
pub use summary::{Summary, SummaryRow};
