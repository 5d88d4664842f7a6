use ppl::prelude::*;

#[model]
fn labelled_break(y: &[Vec<f64>]) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let mut acc = 0.0;
    'rows: for i in 0..y.len() {
        for j in 0..y[i].len() {
            if y[i][j] < 0.0 {
                break 'rows;
            }
            acc += mu * y[i][j];
        }
    }
    factor(-acc * acc);
}

fn main() {}
