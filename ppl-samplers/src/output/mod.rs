//! Results of a run: draws by name per chain or pooled, statistics, and the summary table.

mod fit;
mod summary;

pub use fit::{ChainDraws, Fit};
pub use summary::{Summary, SummaryRow};
