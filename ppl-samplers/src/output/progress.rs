//! One progress bar per chain on stderr: iterations done, phase (warm-up or sampling),
//! divergences so far.
//!
//! The bars only read counters the runner already has; they never touch a chain's RNG or
//! state, so a run gives the same draws with or without them. They are drawn by
//! `indicatif` (at most 20 redraws a second, from the thread that updates them), and
//! hidden when stderr is not a terminal or when `.progress(false)` was asked.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;

/// Where the bars go.
#[derive(Clone, Default)]
pub(crate) enum ProgressMode {
    /// No bars.
    Off,
    /// On stderr when it is a terminal (the default).
    #[default]
    Auto,
    /// To a draw target made by this function (tests).
    #[allow(dead_code)]
    Target(Arc<dyn Fn() -> ProgressDrawTarget + Send + Sync>),
}

impl std::fmt::Debug for ProgressMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ProgressMode::Off => "Off",
            ProgressMode::Auto => "Auto",
            ProgressMode::Target(_) => "Target",
        })
    }
}

/// The bars of a run (none when off).
pub(crate) struct Progress {
    multi: Option<MultiProgress>,
}

impl Progress {
    pub(crate) fn new(mode: &ProgressMode) -> Self {
        let target = match mode {
            ProgressMode::Off => None,
            ProgressMode::Auto => std::io::stderr()
                .is_terminal()
                .then(ProgressDrawTarget::stderr),
            ProgressMode::Target(make) => Some(make()),
        };
        Self {
            multi: target.map(MultiProgress::with_draw_target),
        }
    }

    /// The bar of chain `chain` (0-based); bars appear in the order they are made.
    pub(crate) fn chain(&self, chain: usize, warmup: usize, draws: usize) -> ChainProgress {
        let bar = self.multi.as_ref().map(|m| {
            let style = ProgressStyle::with_template(
                "chain {prefix:>2} [{bar:30}] {pos:>6}/{len:6} {msg} ({elapsed})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            let bar = m.add(ProgressBar::new((warmup + draws) as u64));
            bar.set_style(style);
            bar.set_prefix((chain + 1).to_string());
            bar
        });
        let mut p = ChainProgress {
            bar,
            warmup,
            warmup_divergences: 0,
            divergences: 0,
        };
        p.show_message(warmup == 0);
        p
    }
}

/// One chain's bar; every method is a no-op when the bars are off.
pub(crate) struct ChainProgress {
    bar: Option<ProgressBar>,
    warmup: usize,
    warmup_divergences: usize,
    divergences: usize,
}

impl ChainProgress {
    /// A bar that shows nothing.
    pub(crate) fn off() -> Self {
        Self {
            bar: None,
            warmup: 0,
            warmup_divergences: 0,
            divergences: 0,
        }
    }

    fn show_message(&mut self, sampling: bool) {
        let Some(bar) = &self.bar else { return };
        let msg = if sampling {
            let mut m = format!("sampling, {} divergent", self.divergences);
            if self.warmup_divergences > 0 {
                m.push_str(&format!(" ({} in warm-up)", self.warmup_divergences));
            }
            m
        } else {
            format!("warm-up, {} divergent", self.warmup_divergences)
        };
        bar.set_message(msg);
    }

    /// Iteration `iteration` (0-based, warm-up included) is done.
    #[inline]
    pub(crate) fn iteration(&mut self, iteration: usize, divergent: bool) {
        if self.bar.is_none() {
            return;
        }
        let sampling_next = iteration + 1 >= self.warmup;
        if divergent {
            if iteration < self.warmup {
                self.warmup_divergences += 1;
            } else {
                self.divergences += 1;
            }
        }
        if divergent || iteration + 1 == self.warmup {
            self.show_message(sampling_next);
        }
        if let Some(bar) = &self.bar {
            bar.set_position(iteration as u64 + 1);
        }
    }

    /// The chain finished.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }

    /// The chain failed; the bar stays with the reason.
    pub(crate) fn fail(&self, why: &str) {
        if let Some(bar) = &self.bar {
            bar.abandon_with_message(format!("failed: {why}"));
        }
    }
}

#[cfg(test)]
pub(crate) mod capture {
    //! A terminal that records what the bars write, for tests.
    use indicatif::TermLike;
    use std::io;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Debug, Default)]
    pub(crate) struct Capture(pub(crate) Arc<Mutex<String>>);

    impl Capture {
        fn push(&self, s: &str) {
            self.0.lock().unwrap().push_str(s);
        }
        pub(crate) fn text(&self) -> String {
            self.0.lock().unwrap().clone()
        }
    }

    impl TermLike for Capture {
        fn width(&self) -> u16 {
            140
        }
        fn move_cursor_up(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> io::Result<()> {
            self.push(s);
            self.push("\n");
            Ok(())
        }
        fn write_str(&self, s: &str) -> io::Result<()> {
            self.push(s);
            Ok(())
        }
        fn clear_line(&self) -> io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> io::Result<()> {
            Ok(())
        }
    }
}
