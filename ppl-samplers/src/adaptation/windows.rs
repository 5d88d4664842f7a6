//! Stan's warm-up schedule: an initial fast buffer, doubling slow windows in which the
//! metric is estimated, and a terminal fast buffer.

/// Sizes of the warm-up phases; the defaults are Stan's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowOptions {
    /// Initial fast buffer, step size only (default `75`).
    pub init_buffer: usize,
    /// Terminal fast buffer, step size only (default `50`).
    pub term_buffer: usize,
    /// First slow window; each next one doubles (default `25`).
    pub base_window: usize,
}

impl Default for WindowOptions {
    fn default() -> Self {
        Self {
            init_buffer: 75,
            term_buffer: 50,
            base_window: 25,
        }
    }
}

/// Position in the warm-up schedule (Stan's `windowed_adaptation`).
///
/// # Schedule
///
/// ```text
/// iterations 0 .. init_buffer                   fast: step size only
/// then windows of base_window, 2·base_window, … slow: metric estimated, updated at each end
///   (a window that would leave less than twice its size before the terminal buffer is
///    stretched to reach it)
/// last term_buffer iterations                   fast: step size only, with the final metric
/// ```
///
/// When `init_buffer + base_window + term_buffer > warmup`, Stan's fallback applies:
/// `init_buffer = ⌊0.15 warmup⌋`, `term_buffer = ⌊0.1 warmup⌋`, and one slow window
/// fills the rest. With `warmup < 20` the metric is not adapted at all.
///
/// # Examples
///
/// ```
/// use ppl_samplers::{WindowOptions, WindowSchedule};
/// let s = WindowSchedule::new(1000, WindowOptions::default());
/// assert_eq!(s.slow_windows(), vec![75..100, 100..150, 150..250, 250..450, 450..950]);
/// let s = WindowSchedule::new(100, WindowOptions::default());
/// assert_eq!(s.slow_windows(), vec![15..90]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowSchedule {
    num_warmup: usize,
    init_buffer: usize,
    term_buffer: usize,
    base_window: usize,
    counter: usize,
    window_size: usize,
    /// Last iteration of the current slow window (`None`: no metric adaptation).
    next_window: Option<usize>,
}

impl WindowSchedule {
    /// The schedule for `num_warmup` warm-up iterations.
    pub fn new(num_warmup: usize, options: WindowOptions) -> Self {
        let (init_buffer, term_buffer, base_window) = if num_warmup < 20 {
            (0, 0, 0)
        } else if options.init_buffer + options.base_window + options.term_buffer > num_warmup {
            let init = (0.15 * num_warmup as f64) as usize;
            let term = (0.1 * num_warmup as f64) as usize;
            (init, term, num_warmup - (init + term))
        } else {
            (
                options.init_buffer,
                options.term_buffer,
                options.base_window,
            )
        };
        let next_window = if num_warmup < 20 {
            None
        } else {
            Some(init_buffer + base_window - 1)
        };
        Self {
            num_warmup,
            init_buffer,
            term_buffer,
            base_window,
            counter: 0,
            window_size: base_window,
            next_window,
        }
    }

    /// Whether the current iteration's draw feeds the metric estimator.
    pub fn in_slow_window(&self) -> bool {
        self.next_window.is_some()
            && self.counter >= self.init_buffer
            && self.counter + self.term_buffer < self.num_warmup
    }

    /// Whether the current iteration ends a slow window (the metric is then updated).
    pub fn ends_slow_window(&self) -> bool {
        self.next_window == Some(self.counter) && self.counter != self.num_warmup
    }

    /// Moves to the next iteration, planning the next window when one ends.
    pub fn advance(&mut self) {
        if self.ends_slow_window() {
            self.compute_next_window();
        }
        self.counter += 1;
    }

    fn compute_next_window(&mut self) {
        let last = self.num_warmup - self.term_buffer - 1;
        if self.next_window == Some(last) {
            return;
        }
        self.window_size *= 2;
        let next = self.counter + self.window_size;
        self.next_window = Some(if next != last && next + 2 * self.window_size > last {
            last
        } else {
            next
        });
    }

    /// The slow windows of the whole schedule, as iteration ranges (for inspection).
    pub fn slow_windows(&self) -> Vec<std::ops::Range<usize>> {
        let mut s = Self::new(
            self.num_warmup,
            WindowOptions {
                init_buffer: self.init_buffer,
                term_buffer: self.term_buffer,
                base_window: self.base_window,
            },
        );
        let mut out = Vec::new();
        let mut start = None;
        for _ in 0..self.num_warmup {
            if s.in_slow_window() && start.is_none() {
                start = Some(s.counter);
            }
            if s.ends_slow_window() {
                if let Some(b) = start.take() {
                    out.push(b..s.counter + 1);
                }
            }
            s.advance();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stan_schedules() {
        let d = WindowOptions::default();
        // Stan's documented default for 1000 warm-up iterations: 25, 50, 100, 200, 500.
        assert_eq!(
            WindowSchedule::new(1000, d).slow_windows(),
            vec![75..100, 100..150, 150..250, 250..450, 450..950]
        );
        // 200: 75 + 25 + 50 = 150 ≤ 200; windows 25 then the stretched remainder.
        assert_eq!(
            WindowSchedule::new(200, d).slow_windows(),
            vec![75..100, 100..150]
        );
        // 149 < 150: fallback buffers 22 and 14, one window.
        assert_eq!(WindowSchedule::new(149, d).slow_windows(), vec![22..135]);
        assert!(WindowSchedule::new(19, d).slow_windows().is_empty());
        assert_eq!(WindowSchedule::new(20, d).slow_windows(), vec![3..18]);
    }
}
