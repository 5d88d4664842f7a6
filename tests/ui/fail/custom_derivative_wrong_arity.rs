use ppl::prelude::*;

#[custom_derivative(partials = kepler_partials)]
fn kepler(m: f64, e: f64) -> f64 {
    let mut x = m;
    for _ in 0..20 {
        x -= (x - e * x.sin() - m) / (1.0 - e * x.cos());
    }
    x
}

// Missing the result argument: the partials are `(m, e, y) -> (dy/dm, dy/de)`.
fn kepler_partials<S: Scalar>(e: S, y: S) -> (S, S) {
    let d = -(e * y.cos()) + 1.0;
    (d.recip(), y.sin() / d)
}

fn main() {}
