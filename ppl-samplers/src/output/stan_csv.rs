//! Stan CSV: the file format of CmdStan's `sample` method, written per chain (all at once
//! from a [`Fit`](crate::Fit), or streamed draw by draw during a run) and read back.
//!
//! # Layout (one file per chain)
//!
//! ```text
//! # model = eight_schools                       comment header: key = value settings,
//! # method = sample                             nested as CmdStan prints them
//! #   sample
//! #     num_samples = 1000
//! # ...
//! lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,mu,tau,theta.1,...
//! <warm-up draws, only with save_warmup = 1>
//! # Adaptation terminated
//! # Step size = 0.4213
//! # Diagonal elements of inverse mass matrix:     (dense: "# Elements of inverse mass matrix:"
//! # 1.02, 0.87, ...                                 then one "# a, b, ..." line per row)
//! <draws>
//! #
//! #  Elapsed Time: 0.051 seconds (Warm-up)
//! #                0.047 seconds (Sampling)
//! #                0.098 seconds (Total)
//! #
//! ```
//!
//! Numbers are written with the shortest decimal form that reads back to the same `f64`
//! (scientific notation outside `[1e-5, 1e16)`), so draws round-trip exactly; `inf`,
//! `-inf` and `nan` as C++ streams print them. CmdStan's default of 6 significant digits
//! loses precision that an R-hat or a test comparison may need; readers do not care.

use super::settings::{Algorithm, RunSettings};
use crate::adaptation::MetricKind;
use crate::dynamics::Metric;
use crate::error::{Result, SamplerError};
use crate::sampler_stats::SamplerStats;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The sampler-statistic columns, in CmdStan's order.
pub const STAN_CSV_STAT_COLUMNS: [&str; 7] = [
    "lp__",
    "accept_stat__",
    "stepsize__",
    "treedepth__",
    "n_leapfrog__",
    "divergent__",
    "energy__",
];

/// The Stan CSV column name of a quantity: bracketed 0-based indices become 1-based and
/// dot-separated, as CmdStan writes them (`theta[0]` → `theta.1`, `L[1][0]` and
/// `L[1,0]` → `L.2.1`). Names without a bracketed numeric index are kept, except that
/// commas (which would split the column) become dots.
///
/// # Examples
///
/// ```
/// use ppl_samplers::stan_name;
/// assert_eq!(stan_name("theta[0]"), "theta.1");
/// assert_eq!(stan_name("Omega[2][0]"), "Omega.3.1");
/// assert_eq!(stan_name("Omega[2,0]"), "Omega.3.1");
/// assert_eq!(stan_name("tau"), "tau");
/// ```
pub fn stan_name(name: &str) -> String {
    fn indices(mut rest: &str) -> Option<Vec<usize>> {
        let mut out = Vec::new();
        while !rest.is_empty() {
            let inner = rest.strip_prefix('[')?;
            let close = inner.find(']')?;
            for part in inner[..close].split(',') {
                out.push(part.trim().parse::<usize>().ok()?);
            }
            rest = &inner[close + 1..];
        }
        (!out.is_empty()).then_some(out)
    }
    if let Some(open) = name.find('[') {
        if let Some(idx) = indices(&name[open..]) {
            let mut s = name[..open].to_string();
            for i in idx {
                s.push('.');
                s.push_str(&(i + 1).to_string());
            }
            return s;
        }
    }
    name.replace(',', ".")
}

/// The path of chain `chain`'s (0-based) file: `<prefix>_<chain + 1>.csv`.
pub(crate) fn chain_path(prefix: &Path, chain: usize) -> PathBuf {
    let mut s = prefix.as_os_str().to_os_string();
    s.push(format!("_{}.csv", chain + 1));
    PathBuf::from(s)
}

/// An `f64` printed to round-trip (see the module docs).
struct Num(f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.0;
        if x.is_nan() {
            f.write_str("nan")
        } else if x.is_infinite() {
            f.write_str(if x > 0.0 { "inf" } else { "-inf" })
        } else if x == 0.0 || (1e-5..1e16).contains(&x.abs()) {
            write!(f, "{x}")
        } else {
            write!(f, "{x:e}")
        }
    }
}

fn io_error(path: &Path, e: io::Error) -> SamplerError {
    SamplerError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// A Stan CSV file being written: header at creation, then rows and comment blocks in
/// file order. The first write error is kept and later writes are skipped, so a full
/// disk never stops a chain (see [`ChainDraws::output_error`](crate::ChainDraws::output_error)).
pub(crate) struct StanCsvWriter {
    out: BufWriter<File>,
    path: PathBuf,
    /// Flush after this many rows (1: every draw).
    flush_every: usize,
    pending: usize,
    error: Option<String>,
}

impl StanCsvWriter {
    /// Creates the file of chain `chain` (0-based) at `path` (parent directories too) and
    /// writes the comment header and the column header.
    pub(crate) fn create(
        path: &Path,
        settings: &RunSettings,
        chain: usize,
        names: &[String],
        flush_every: usize,
    ) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        }
        let file = File::create(path).map_err(|e| io_error(path, e))?;
        let mut w = Self {
            out: BufWriter::new(file),
            path: path.to_path_buf(),
            flush_every: flush_every.max(1),
            pending: 0,
            error: None,
        };
        w.write(|o| write_header(o, settings, chain, names, path))?;
        w.write(|o| o.flush())?;
        Ok(w)
    }

    fn write(&mut self, f: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>) -> Result<()> {
        if self.error.is_none() {
            if let Err(e) = f(&mut self.out) {
                self.error = Some(e.to_string());
            }
        }
        match &self.error {
            None => Ok(()),
            Some(m) => Err(SamplerError::Io {
                path: self.path.display().to_string(),
                message: m.clone(),
            }),
        }
    }

    /// One draw: the statistics, then the constrained values.
    pub(crate) fn draw(&mut self, stats: &SamplerStats, values: &[f64]) {
        let flush = {
            self.pending += 1;
            self.pending >= self.flush_every
        };
        let _ = self.write(|o| {
            write!(
                o,
                "{},{},{},{},{},{},{}",
                Num(stats.log_density),
                Num(stats.accept_stat),
                Num(stats.step_size),
                stats.tree_depth,
                stats.n_leapfrog,
                u8::from(stats.divergent),
                Num(stats.energy)
            )?;
            for v in values {
                write!(o, ",{}", Num(*v))?;
            }
            writeln!(o)?;
            if flush {
                o.flush()?;
            }
            Ok(())
        });
        if flush {
            self.pending = 0;
        }
    }

    /// The adaptation block: step size and inverse metric.
    pub(crate) fn adaptation(&mut self, step_size: f64, metric: &Metric) {
        let _ = self.write(|o| {
            writeln!(o, "# Adaptation terminated")?;
            writeln!(o, "# Step size = {}", Num(step_size))?;
            let m = metric.inv_mass();
            match metric {
                Metric::Diagonal(_) => {
                    writeln!(o, "# Diagonal elements of inverse mass matrix:")?;
                    write_row(o, m)?;
                }
                Metric::Dense(d) => {
                    writeln!(o, "# Elements of inverse mass matrix:")?;
                    for row in m.chunks(d.dim().max(1)) {
                        write_row(o, row)?;
                    }
                }
            }
            o.flush()
        });
        self.pending = 0;
    }

    /// A free comment line (`# text`), flushed at once.
    pub(crate) fn comment(&mut self, text: &str) {
        let _ = self.write(|o| {
            for line in text.lines() {
                writeln!(o, "# {line}")?;
            }
            o.flush()
        });
        self.pending = 0;
    }

    /// The timing block, then a flush.
    pub(crate) fn timing(&mut self, warmup: Duration, sampling: Duration) {
        let (w, s) = (warmup.as_secs_f64(), sampling.as_secs_f64());
        let _ = self.write(|o| {
            writeln!(o, "# ")?;
            writeln!(o, "#  Elapsed Time: {w:.6} seconds (Warm-up)")?;
            writeln!(o, "#                {s:.6} seconds (Sampling)")?;
            writeln!(o, "#                {:.6} seconds (Total)", w + s)?;
            writeln!(o, "# ")?;
            o.flush()
        });
        self.pending = 0;
    }

    /// Flushes; the first write error, if any, as `<path>: <message>`.
    pub(crate) fn finish(mut self) -> Option<String> {
        let _ = self.write(|o| o.flush());
        let path = self.path.display().to_string();
        self.error.take().map(|m| format!("{path}: {m}"))
    }

    /// Flushes; the first write error as a [`SamplerError::Io`].
    pub(crate) fn close(mut self) -> Result<()> {
        let _ = self.write(|o| o.flush());
        match self.error.take() {
            Some(message) => Err(SamplerError::Io {
                path: self.path.display().to_string(),
                message,
            }),
            None => Ok(()),
        }
    }
}

fn write_row(o: &mut impl Write, row: &[f64]) -> io::Result<()> {
    write!(o, "#")?;
    for (i, v) in row.iter().enumerate() {
        write!(o, "{}{}", if i == 0 { " " } else { ", " }, Num(*v))?;
    }
    writeln!(o)
}

/// The comment header in CmdStan's nesting, then the column header.
fn write_header(
    o: &mut impl Write,
    s: &RunSettings,
    chain: usize,
    names: &[String],
    path: &Path,
) -> io::Result<()> {
    let da = &s.dual_averaging;
    let win = &s.windows;
    writeln!(o, "# ppl_samplers_version = {}", env!("CARGO_PKG_VERSION"))?;
    writeln!(o, "# model = {}", s.model_name)?;
    writeln!(o, "# method = sample")?;
    writeln!(o, "#   sample")?;
    writeln!(o, "#     num_samples = {}", s.draws)?;
    writeln!(o, "#     num_warmup = {}", s.warmup)?;
    writeln!(o, "#     save_warmup = {}", u8::from(s.save_warmup))?;
    writeln!(o, "#     thin = 1")?;
    writeln!(o, "#     adapt")?;
    writeln!(o, "#       engaged = {}", u8::from(s.warmup > 0))?;
    if s.custom_warmup {
        writeln!(o, "#       strategy = custom")?;
    } else {
        writeln!(o, "#       gamma = {}", Num(da.gamma))?;
        writeln!(o, "#       delta = {}", Num(da.target_accept))?;
        writeln!(o, "#       kappa = {}", Num(da.kappa))?;
        writeln!(o, "#       t0 = {}", Num(da.t0))?;
        writeln!(o, "#       init_buffer = {}", win.init_buffer)?;
        writeln!(o, "#       term_buffer = {}", win.term_buffer)?;
        writeln!(o, "#       window = {}", win.base_window)?;
    }
    writeln!(o, "#     algorithm = hmc")?;
    writeln!(o, "#       hmc")?;
    match s.algorithm {
        Algorithm::Nuts { max_depth } => {
            writeln!(o, "#         engine = nuts")?;
            writeln!(o, "#           nuts")?;
            writeln!(o, "#             max_depth = {max_depth}")?;
        }
        Algorithm::Hmc { n_steps } => {
            writeln!(o, "#         engine = static")?;
            writeln!(o, "#           static")?;
            writeln!(o, "#             num_steps = {n_steps}")?;
        }
    }
    let metric = match s.metric {
        MetricKind::Diagonal => "diag_e",
        MetricKind::Dense => "dense_e",
    };
    writeln!(o, "#         metric = {metric}")?;
    writeln!(o, "#         stepsize = {}", Num(s.initial_step_size))?;
    writeln!(o, "#         stepsize_jitter = 0")?;
    writeln!(
        o,
        "#         max_energy_error = {}",
        Num(s.max_energy_error)
    )?;
    writeln!(o, "#     num_chains = {}", s.chains)?;
    writeln!(o, "# id = {}", chain + 1)?;
    writeln!(o, "# init = {}", Num(s.init_radius))?;
    writeln!(o, "# random")?;
    writeln!(o, "#   seed = {}", s.seed)?;
    writeln!(o, "#   generator = chacha20")?;
    writeln!(o, "#   stream = {chain}")?;
    writeln!(o, "# output")?;
    writeln!(o, "#   file = {}", path.display())?;
    write!(o, "{}", STAN_CSV_STAT_COLUMNS.join(","))?;
    for n in names {
        write!(o, ",{}", stan_name(n))?;
    }
    writeln!(o)
}

/// A Stan CSV file read back: settings, columns, warm-up and kept draws, adaptation and
/// timing. Reads CmdStan's files as well as ours.
///
/// # Parsing
///
/// Comment lines before the column header are the settings (`key = value`, indentation
/// and `(Default)` dropped). Rows before the first comment after the header are warm-up
/// draws; that comment starts the adaptation block (`Step size = ε`, then the inverse
/// metric rows after `Diagonal elements of inverse mass matrix:` or `Elements of inverse
/// mass matrix:`); the rows after it are the kept draws. A file without an adaptation
/// block (no warm-up, fixed parameters) has all its rows as draws.
///
/// # Examples
///
/// ```no_run
/// let csv = ppl_samplers::StanCsv::read("out/eight_schools_1.csv")?;
/// let tau = csv.column("tau").unwrap();
/// println!("{} draws, step size {:?}", csv.draws.len(), csv.step_size);
/// # Ok::<(), ppl_samplers::SamplerError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StanCsv {
    /// `key = value` settings of the comment header, in file order.
    pub config: Vec<(String, String)>,
    /// Column names.
    pub columns: Vec<String>,
    /// Warm-up draws (present with `save_warmup = 1`), one row per draw.
    pub warmup: Vec<Vec<f64>>,
    /// Kept draws, one row per draw.
    pub draws: Vec<Vec<f64>>,
    /// The adapted step size.
    pub step_size: Option<f64>,
    /// The inverse metric: one row (diagonal) or the matrix rows (dense).
    pub inv_metric: Option<Vec<Vec<f64>>>,
    /// Timings in seconds by phase: `Warm-up`, `Sampling`, `Total`.
    pub timing: Vec<(String, f64)>,
    /// Comment lines after the column header that are neither the adaptation block nor
    /// the timing (e.g. `Chain failed: ...`), without their `#`.
    pub other_comments: Vec<String>,
}

impl StanCsv {
    /// Reads and parses a Stan CSV file.
    ///
    /// # Errors
    ///
    /// [`SamplerError::Io`] when the file cannot be read; [`SamplerError::Csv`] for a row
    /// whose number of fields differs from the header's or with a field that is not a
    /// number, or a file without a column header.
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| io_error(path, e))?;
        Self::parse(BufReader::new(file), &path.display().to_string())
    }

    /// Parses Stan CSV text; `source` names it in errors.
    ///
    /// # Errors
    ///
    /// As [`StanCsv::read`].
    pub fn parse(reader: impl BufRead, source: &str) -> Result<Self> {
        #[derive(PartialEq)]
        enum State {
            Config,
            Warmup,
            Adaptation,
            Draws,
            Trailing,
        }
        let err = |line: usize, message: String| SamplerError::Csv {
            path: source.to_string(),
            line,
            message,
        };
        let mut out = StanCsv::default();
        let mut state = State::Config;
        let mut in_metric = false;
        for (i, line) in reader.lines().enumerate() {
            let n = i + 1;
            let line = line.map_err(|e| err(n, e.to_string()))?;
            let line = line.trim_end();
            if let Some(comment) = line.strip_prefix('#') {
                let c = comment.trim();
                match state {
                    State::Config => {
                        if let Some((k, v)) = c.split_once(" = ") {
                            let v = v.replace("(Default)", "");
                            out.config
                                .push((k.trim().to_string(), v.trim().to_string()));
                        }
                    }
                    State::Warmup | State::Adaptation => {
                        state = State::Adaptation;
                        if c == "Adaptation terminated" {
                            in_metric = false;
                        } else if let Some(v) = c.strip_prefix("Step size = ") {
                            out.step_size = v.trim().parse().ok();
                            in_metric = false;
                        } else if c.ends_with("inverse mass matrix:") {
                            in_metric = true;
                            out.inv_metric = Some(Vec::new());
                        } else if in_metric && !c.is_empty() {
                            let row: std::result::Result<Vec<f64>, _> =
                                c.split(',').map(|x| x.trim().parse::<f64>()).collect();
                            match (row, out.inv_metric.as_mut()) {
                                (Ok(r), Some(m)) => m.push(r),
                                _ => {
                                    in_metric = false;
                                    out.other_comments.push(c.to_string());
                                }
                            }
                        } else if !c.is_empty() {
                            out.other_comments.push(c.to_string());
                        }
                    }
                    State::Draws | State::Trailing => {
                        state = State::Trailing;
                        if let Some((secs, phase)) = parse_timing(c) {
                            out.timing.push((phase, secs));
                        } else if !c.is_empty() {
                            out.other_comments.push(c.to_string());
                        }
                    }
                }
                continue;
            }
            if line.is_empty() {
                continue;
            }
            if state == State::Config {
                out.columns = line.split(',').map(|s| s.trim().to_string()).collect();
                state = State::Warmup;
                continue;
            }
            let row: std::result::Result<Vec<f64>, _> =
                line.split(',').map(|x| x.trim().parse::<f64>()).collect();
            let row = row.map_err(|e| err(n, format!("not a number: {e}")))?;
            if row.len() != out.columns.len() {
                return Err(err(
                    n,
                    format!(
                        "{} fields where the header has {}",
                        row.len(),
                        out.columns.len()
                    ),
                ));
            }
            match state {
                State::Warmup => out.warmup.push(row),
                State::Adaptation | State::Draws => {
                    state = State::Draws;
                    out.draws.push(row)
                }
                State::Trailing => {
                    return Err(err(n, "a draw after the closing comments".into()));
                }
                State::Config => unreachable!("handled above"),
            }
        }
        if state == State::Config {
            return Err(err(0, "no column header".into()));
        }
        if state == State::Warmup {
            // No adaptation block: every row is a kept draw.
            out.draws = std::mem::take(&mut out.warmup);
        }
        Ok(out)
    }

    /// The values of a setting of the header (e.g. `num_samples`), the first if several.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.config
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The kept draws of a column, by its Stan CSV name (`theta.1`, `lp__`).
    pub fn column(&self, name: &str) -> Option<Vec<f64>> {
        let j = self.columns.iter().position(|c| c == name)?;
        Some(self.draws.iter().map(|r| r[j]).collect())
    }
}

/// `Elapsed Time: 0.5 seconds (Warm-up)` or `0.5 seconds (Sampling)` → `(0.5, phase)`.
fn parse_timing(c: &str) -> Option<(f64, String)> {
    let c = c.strip_prefix("Elapsed Time:").unwrap_or(c).trim();
    let (secs, rest) = c.split_once(" seconds (")?;
    let phase = rest.strip_suffix(')')?;
    Some((secs.trim().parse().ok()?, phase.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_and_read_as_cpp_prints_them() {
        for x in [
            0.0,
            -0.0,
            1.0,
            -2.5,
            0.1,
            1.0 / 3.0,
            1e-5,
            9.99e-6,
            1e-300,
            5e-324,
            1e16,
            -1.7976931348623157e308,
            123456789.12345679,
        ] {
            let s = Num(x).to_string();
            assert_eq!(
                s.parse::<f64>().unwrap().to_bits(),
                x.to_bits(),
                "{x} as {s}"
            );
            assert!(s.len() < 30, "{s}");
        }
        assert_eq!(Num(f64::INFINITY).to_string(), "inf");
        assert_eq!(Num(f64::NEG_INFINITY).to_string(), "-inf");
        assert_eq!(Num(f64::NAN).to_string(), "nan");
        assert!("nan".parse::<f64>().unwrap().is_nan());
        assert_eq!("-inf".parse::<f64>().unwrap(), f64::NEG_INFINITY);
    }

    #[test]
    fn stan_names() {
        assert_eq!(stan_name("theta[0]"), "theta.1");
        assert_eq!(stan_name("theta[9]"), "theta.10");
        assert_eq!(stan_name("L[1][0]"), "L.2.1");
        assert_eq!(stan_name("L[1, 0]"), "L.2.1");
        assert_eq!(stan_name("mu"), "mu");
        assert_eq!(stan_name("tau[unconstrained]"), "tau[unconstrained]");
        assert_eq!(stan_name("a[0]b"), "a[0]b");
        assert_eq!(stan_name("x[a,b]"), "x[a.b]");
        assert_eq!(stan_name("x[]"), "x[]");
    }

    #[test]
    fn chain_paths_are_one_based() {
        assert_eq!(
            chain_path(Path::new("out/run"), 0),
            PathBuf::from("out/run_1.csv")
        );
        assert_eq!(chain_path(Path::new("run"), 3), PathBuf::from("run_4.csv"));
    }

    #[test]
    fn parses_a_cmdstan_file() {
        // The layout CmdStan 2.3x writes (6 significant digits, "(Default)" marks),
        // dense metric, two saved warm-up draws.
        let text = "\
# stan_version_major = 2
# model = bernoulli_model
# method = sample (Default)
#   sample
#     num_samples = 3
#     num_warmup = 2
#     save_warmup = true
#     adapt
#       delta = 0.8 (Default)
lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,theta
-7.1,0.9,1.2,1,3,0,7.5,0.1
-6.9,0.95,0.8,2,3,0,7.2,0.2
# Adaptation terminated
# Step size = 0.893542
# Elements of inverse mass matrix:
# 0.5, 0.1
# 0.1, 0.4
-6.74827,0.9783,0.893542,1,3,0,6.86458,0.247223
-6.8,1,0.893542,2,3,0,6.9,0.25
-7.0,0.8,0.893542,1,1,1,7.4,inf

#  Elapsed Time: 0.003 seconds (Warm-up)
#                0.011 seconds (Sampling)
#                0.014 seconds (Total)
# 
";
        let csv = StanCsv::parse(text.as_bytes(), "test").unwrap();
        assert_eq!(csv.setting("model"), Some("bernoulli_model"));
        assert_eq!(csv.setting("method"), Some("sample"));
        assert_eq!(csv.setting("save_warmup"), Some("true"));
        assert_eq!(csv.columns.len(), 8);
        assert_eq!(csv.warmup.len(), 2);
        assert_eq!(csv.draws.len(), 3);
        assert_eq!(csv.step_size, Some(0.893542));
        assert_eq!(csv.inv_metric, Some(vec![vec![0.5, 0.1], vec![0.1, 0.4]]));
        assert_eq!(csv.column("theta").unwrap()[2], f64::INFINITY);
        assert_eq!(csv.column("divergent__").unwrap(), vec![0.0, 0.0, 1.0]);
        assert_eq!(
            csv.timing,
            vec![
                ("Warm-up".to_string(), 0.003),
                ("Sampling".to_string(), 0.011),
                ("Total".to_string(), 0.014)
            ]
        );
    }

    #[test]
    fn other_comments_are_kept_wherever_they_are() {
        let text = "a,b\n1,2\n# Chain failed: at warm-up\n";
        let csv = StanCsv::parse(text.as_bytes(), "f").unwrap();
        assert_eq!(csv.other_comments, vec!["Chain failed: at warm-up"]);
        assert_eq!(csv.warmup, vec![vec![1.0, 2.0]]);
        assert_eq!(csv.step_size, None);
        let text = "a\n# Adaptation terminated\n# Step size = 2\n# note\n3\n# Chain failed\n";
        let csv = StanCsv::parse(text.as_bytes(), "f").unwrap();
        assert_eq!(csv.other_comments, vec!["note", "Chain failed"]);
        assert_eq!(csv.draws, vec![vec![3.0]]);
        assert_eq!(csv.step_size, Some(2.0));
    }

    #[test]
    fn malformed_rows_are_errors_with_their_line() {
        let e = StanCsv::parse("# x = 1\na,b\n1,2\n1\n".as_bytes(), "f.csv").unwrap_err();
        assert!(matches!(&e, SamplerError::Csv { line: 4, .. }), "{e}");
        let e = StanCsv::parse("a,b\n1,x\n".as_bytes(), "f.csv").unwrap_err();
        assert!(
            e.to_string().contains("f.csv") && e.to_string().contains("line 2"),
            "{e}"
        );
        assert!(StanCsv::parse("# only comments\n".as_bytes(), "f").is_err());
        // No adaptation block: the rows are draws.
        let csv = StanCsv::parse("a,b\n1,2\n3,4\n".as_bytes(), "f").unwrap();
        assert_eq!(csv.draws, vec![vec![1.0, 2.0], vec![3.0, 4.0]]);
        assert!(csv.warmup.is_empty());
    }
}
