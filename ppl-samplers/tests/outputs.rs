//! Outputs of a run: Stan CSV files (written and streamed), divergence positions, kept
//! warm-up draws, the warm-up report and the diagnostics in the summary.

#[path = "../src/test_models.rs"]
mod test_models;

use ppl_core::Model;
use ppl_samplers::{
    stan_name, ChainFailure, Diagnostics, Divergence, Fit, Hmc, Metric, MetricKind, Nuts,
    SamplerError, StanCsv, STAN_CSV_STAT_COLUMNS,
};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use test_models::*;

/// A fresh, empty directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ppl-samplers-outputs-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Checks that `csv` holds exactly chain `c`'s statistics and draws (bit for bit: the
/// numbers are printed to round-trip), warm-up draws when kept, and its adaptation.
fn assert_csv_matches_chain(csv: &StanCsv, fit: &Fit, chain: usize) {
    let c = fit.chains().iter().find(|c| c.chain == chain).unwrap();
    let mut expected_columns: Vec<String> = STAN_CSV_STAT_COLUMNS
        .iter()
        .map(|s| s.to_string())
        .collect();
    expected_columns.extend(fit.param_names().iter().map(|n| stan_name(n)));
    assert_eq!(csv.columns, expected_columns);
    let p = fit.param_names().len();
    let check_rows = |rows: &[Vec<f64>], stats: &[ppl_samplers::SamplerStats], draws: &[f64]| {
        assert_eq!(rows.len(), stats.len());
        for (i, (row, s)) in rows.iter().zip(stats).enumerate() {
            let expected_stats = [
                s.log_density,
                s.accept_stat,
                s.step_size,
                s.tree_depth as f64,
                s.n_leapfrog as f64,
                f64::from(u8::from(s.divergent)),
                s.energy,
            ];
            let expected = expected_stats.iter().chain(&draws[i * p..(i + 1) * p]);
            for (j, (got, want)) in row.iter().zip(expected).enumerate() {
                assert_eq!(
                    got.to_bits(),
                    want.to_bits(),
                    "chain {chain} row {i} column {}: {got} vs {want}",
                    csv.columns[j]
                );
            }
        }
    };
    check_rows(&csv.draws, &c.stats, &c.draws);
    if fit.settings().save_warmup {
        check_rows(&csv.warmup, &c.warmup_stats, &c.warmup_draws);
    } else {
        assert!(csv.warmup.is_empty());
    }
    assert_eq!(csv.step_size, Some(c.step_size));
    let metric = csv.inv_metric.as_ref().unwrap();
    match &c.metric {
        Metric::Diagonal(m) => assert_eq!(metric, &vec![m.inv_mass().to_vec()]),
        Metric::Dense(m) => {
            let rows: Vec<Vec<f64>> = m.inv_mass().chunks(m.dim()).map(|r| r.to_vec()).collect();
            assert_eq!(metric, &rows);
        }
    }
    assert_eq!(
        csv.setting("num_samples"),
        Some(&*fit.num_draws().to_string())
    );
    assert_eq!(
        csv.setting("num_warmup"),
        Some(&*fit.num_warmup().to_string())
    );
    assert_eq!(csv.setting("id"), Some(&*(chain + 1).to_string()));
    let phases: Vec<&str> = csv.timing.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(phases, ["Warm-up", "Sampling", "Total"]);
}

#[test]
fn stan_csv_round_trips_diagonal_metric() {
    let dir = temp_dir("diag");
    let model = EightSchools::default();
    let fit = Nuts::new()
        .chains(2)
        .warmup(150)
        .draws(120)
        .seed(5)
        .model_name("eight_schools")
        .run(&model)
        .unwrap();
    let paths = fit.write_stan_csv(dir.join("es")).unwrap();
    assert_eq!(paths, vec![dir.join("es_1.csv"), dir.join("es_2.csv")]);
    for (k, path) in paths.iter().enumerate() {
        let csv = StanCsv::read(path).unwrap();
        assert_csv_matches_chain(&csv, &fit, k);
        assert_eq!(csv.setting("model"), Some("eight_schools"));
        assert_eq!(csv.setting("metric"), Some("diag_e"));
        assert_eq!(csv.setting("max_depth"), Some("10"));
        assert_eq!(csv.setting("save_warmup"), Some("0"));
        assert_eq!(csv.setting("seed"), Some("5"));
        assert_eq!(csv.setting("delta"), Some("0.8"));
        // Stan-style names: 1-based, dot-separated.
        assert!(csv.columns.contains(&"theta.1".to_string()));
        assert!(csv.columns.contains(&"theta.8".to_string()));
        assert_eq!(
            csv.column("tau").unwrap(),
            fit.chain_draws("tau").unwrap()[k]
        );
    }
    let text = std::fs::read_to_string(&paths[0]).unwrap();
    assert!(text.contains(
        "\nlp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,theta_trans.1,"
    ));
    assert!(text.contains("\n# Adaptation terminated\n# Step size = "));
    assert!(text.contains("\n# Diagonal elements of inverse mass matrix:\n# "));
    assert!(text.contains("\n#  Elapsed Time: "));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn stan_csv_round_trips_dense_metric_and_warmup_draws() {
    let dir = temp_dir("dense");
    let fit = Nuts::new()
        .chains(2)
        .warmup(120)
        .draws(80)
        .seed(8)
        .metric(MetricKind::Dense)
        .save_warmup(true)
        .run(&Correlated2d)
        .unwrap();
    let paths = fit.write_stan_csv(dir.join("sub/corr")).unwrap();
    for (k, path) in paths.iter().enumerate() {
        let csv = StanCsv::read(path).unwrap();
        assert_eq!(csv.warmup.len(), 120);
        assert_csv_matches_chain(&csv, &fit, k);
        assert_eq!(csv.setting("metric"), Some("dense_e"));
        assert_eq!(csv.setting("save_warmup"), Some("1"));
        assert_eq!(csv.setting("model"), Some("Correlated2d"));
        assert_eq!(csv.inv_metric.as_ref().unwrap().len(), 2);
    }
    let text = std::fs::read_to_string(&paths[0]).unwrap();
    assert!(text.contains("\n# Elements of inverse mass matrix:\n# "));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unwritable_prefix_is_an_io_error() {
    let dir = temp_dir("unwritable");
    std::fs::create_dir_all(&dir).unwrap();
    // A file where a directory is needed.
    std::fs::write(dir.join("file"), "x").unwrap();
    let fit = Nuts::new()
        .chains(1)
        .warmup(20)
        .draws(5)
        .run(&IidNormal { dim: 1 })
        .unwrap();
    let e = fit.write_stan_csv(dir.join("file/run")).unwrap_err();
    assert!(matches!(e, SamplerError::Io { .. }), "{e}");
    let e = Nuts::new()
        .output_csv(dir.join("file/run"))
        .run(&IidNormal { dim: 1 })
        .unwrap_err();
    assert!(matches!(e, SamplerError::Io { .. }), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn streamed_csv_holds_every_draw_and_changes_nothing() {
    let dir = temp_dir("stream");
    let model = EightSchools::default();
    let sampler = Nuts::new().chains(3).warmup(100).draws(60).seed(17);
    let plain = sampler.clone().run(&model).unwrap();
    let streamed = sampler
        .clone()
        .save_warmup(true)
        .output_csv(dir.join("run"))
        .run(&model)
        .unwrap();
    // Streaming and keeping warm-up draws do not change the draws.
    for (a, b) in plain.chains().iter().zip(streamed.chains()) {
        assert_eq!(a.draws, b.draws);
        assert_eq!(a.stats, b.stats);
        assert_eq!(a.warmup_stats, b.warmup_stats);
        assert_eq!(a.divergences, b.divergences);
        assert!(a.warmup_draws.is_empty());
        assert_eq!(b.warmup_draws.len(), 100 * model.param_names().len());
        assert_eq!(b.output_error, None);
    }
    for k in 0..3 {
        let csv = StanCsv::read(dir.join(format!("run_{}.csv", k + 1))).unwrap();
        assert_csv_matches_chain(&csv, &streamed, k);
        assert!(csv.other_comments.is_empty(), "{:?}", csv.other_comments);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn data_rows(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|t| {
            t.lines()
                .filter(|l| !l.starts_with('#') && !l.is_empty())
                .count()
                .saturating_sub(1)
        })
        .unwrap_or(0)
}

#[test]
fn streamed_csv_is_on_disk_while_the_run_goes_on() {
    // During sampling transition i (0-based) the file must already hold the i draws
    // before it (flushed every draw), or the ⌊i/k⌋·k first ones when flushing every k.
    let dir = temp_dir("live");
    for flush_every in [1, 7] {
        let prefix = dir.join(format!("live{flush_every}"));
        // At every gradient evaluation, the data rows of the CSV file as it is on disk.
        let file = prefix.with_file_name(format!("live{flush_every}_1.csv"));
        let rows_seen = Mutex::new(Vec::new());
        let spy = HookedIidNormal {
            inner: IidNormal { dim: 2 },
            hook: || {
                rows_seen.lock().unwrap().push(data_rows(&file));
                Ok(())
            },
        };
        let fit = Nuts::new()
            .chains(1)
            .warmup(50)
            .draws(60)
            .seed(2)
            .output_csv(&prefix)
            .output_csv_flush_every(flush_every)
            .run(&spy)
            .unwrap();
        let seen = rows_seen.into_inner().unwrap();
        let stats = &fit.chains()[0].stats;
        // Sampling evaluates the gradient once per leapfrog step and nowhere else, so
        // the last Σ n_leapfrog evaluations belong to the kept transitions, in order.
        let total: usize = stats.iter().map(|s| s.n_leapfrog).sum();
        let mut at = seen.len() - total;
        for (i, s) in stats.iter().enumerate() {
            let expected = i / flush_every * flush_every;
            for &rows in &seen[at..at + s.n_leapfrog] {
                assert_eq!(
                    rows, expected,
                    "flush every {flush_every}: transition {i} saw {rows} rows"
                );
            }
            at += s.n_leapfrog;
        }
        // Nothing (no warm-up rows) was on disk during warm-up.
        assert!(seen[..seen.len() - total].iter().all(|&r| r == 0));
        assert_eq!(data_rows(&file), 60);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_stopped_run_keeps_every_draw_already_made() {
    let dir = temp_dir("stopped");
    let sampler = Nuts::new().chains(1).warmup(60).draws(200).seed(4);
    let full = sampler.clone().run(&IidNormal { dim: 3 }).unwrap();
    // A standard normal whose gradient becomes a fatal error after 900 evaluations.
    let evaluations = AtomicUsize::new(0);
    let model = HookedIidNormal {
        inner: IidNormal { dim: 3 },
        hook: || {
            if evaluations.fetch_add(1, Ordering::SeqCst) >= 900 {
                return Err(ppl_core::Error::DimensionMismatch {
                    what: "the run was stopped".into(),
                    expected: 0,
                    found: 1,
                });
            }
            Ok(())
        },
    };
    let e = sampler
        .output_csv(dir.join("stopped"))
        .run(&model)
        .unwrap_err();
    let SamplerError::AllChainsFailed(f) = &e else {
        panic!("{e}")
    };
    let stopped_at = f[0].iteration.unwrap();
    assert!(matches!(f[0].failure, ChainFailure::Model(_)));
    assert!(
        stopped_at > 60 && stopped_at < 260,
        "stopped at {stopped_at}"
    );
    let csv = StanCsv::read(dir.join("stopped_1.csv")).unwrap();
    // Every draw made before the stop is there, identical to an unstopped run's.
    let kept = stopped_at - 60;
    assert_eq!(csv.draws.len(), kept);
    let x0 = csv.column("x.1").unwrap();
    assert_eq!(x0, full.chain_draws("x[0]").unwrap()[0][..kept]);
    assert!(csv.other_comments[0].starts_with("Chain failed: chain 0 failed at iteration"));
    assert!(csv.timing.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn divergences_record_where_they_started() {
    // Faulty: NaN (a recoverable failure) for x < −1.9, so trajectories diverge there.
    let model = Faulty {
        fail_above: f64::MAX,
    };
    let fit = Nuts::new()
        .chains(2)
        .warmup(200)
        .draws(400)
        .seed(3)
        .run(&model)
        .unwrap();
    assert!(fit.num_divergences() > 0);
    for c in fit.chains() {
        let expected: Vec<(usize, bool)> = c
            .warmup_stats
            .iter()
            .chain(&c.stats)
            .enumerate()
            .filter(|(_, s)| s.divergent)
            .map(|(i, _)| (i, i < 200))
            .collect();
        let got: Vec<(usize, bool)> = c
            .divergences
            .iter()
            .map(|d| (d.iteration, d.warmup))
            .collect();
        assert_eq!(got, expected);
        let mut model_failures = 0;
        for d in &c.divergences {
            match &d.reason {
                // Where the model failed: past its NaN boundary.
                Divergence::Model(ppl_core::Error::NonFinite { .. }) => {
                    model_failures += 1;
                    assert!(d.unconstrained[0] < -1.9, "{:?}", d.unconstrained);
                }
                // Early warm-up steps that are far too long.
                Divergence::EnergyError(e) => assert!(*e > 1000.0, "{e}"),
                r => panic!("{r:?}"),
            }
            assert_eq!(d.constrained.as_deref(), Some(&d.unconstrained[..]));
        }
        assert!(model_failures > 0);
    }

    // Energy-error divergences, NUTS and static HMC: a tiny threshold makes many.
    let model = IidNormal { dim: 4 };
    let limit = 0.3;
    for fit in [
        Nuts::new()
            .chains(1)
            .warmup(100)
            .draws(200)
            .seed(1)
            .max_energy_error(limit)
            .run(&model)
            .unwrap(),
        Hmc::new(10)
            .chains(1)
            .warmup(100)
            .draws(200)
            .seed(1)
            .max_energy_error(limit)
            .run(&model)
            .unwrap(),
    ] {
        let c = &fit.chains()[0];
        let n = c
            .stats
            .iter()
            .chain(&c.warmup_stats)
            .filter(|s| s.divergent)
            .count();
        assert!(n > 5, "{n}");
        assert_eq!(c.divergences.len(), n);
        for d in &c.divergences {
            let Divergence::EnergyError(e) = d.reason else {
                panic!("{:?}", d.reason)
            };
            assert!(e > limit, "{e}");
            assert_eq!(d.unconstrained.len(), 4);
            // The point is on the trajectory, not the draw the chain stayed at.
            let draw_index = d.iteration.checked_sub(100);
            if let Some(i) = draw_index {
                assert_ne!(&c.unconstrained[i * 4..(i + 1) * 4], &d.unconstrained[..]);
            }
        }
    }
}

#[test]
fn warmup_report_follows_the_window_schedule() {
    let fit = Nuts::new()
        .chains(2)
        .warmup(1000)
        .draws(20)
        .seed(6)
        .run(&IidNormal { dim: 3 })
        .unwrap();
    for c in fit.chains() {
        let r = &c.warmup;
        assert_eq!(r.step_sizes.len(), 1000);
        // Slow windows 75..100, 100..150, 150..250, 250..450, 450..950.
        let ends: Vec<usize> = r.metric_updates.iter().map(|u| u.iteration).collect();
        assert_eq!(ends, vec![99, 149, 249, 449, 949]);
        assert_eq!(r.metric_updates.last().unwrap().metric, c.metric);
        assert_eq!(r.final_step_size, c.step_size);
        assert_eq!(r.initial_step_size, c.warmup_stats[0].step_size);
        for i in 0..999 {
            let next = c.warmup_stats[i + 1].step_size;
            match r.metric_updates.iter().find(|u| u.iteration == i) {
                Some(u) => {
                    assert_eq!(u.step_size, r.step_sizes[i]);
                    assert_eq!(u.restart_step_size, next);
                }
                None => assert_eq!(r.step_sizes[i], next),
            }
        }
    }
    // Without warm-up the report is empty and holds the given step size.
    let fit = Nuts::new()
        .chains(1)
        .warmup(0)
        .draws(10)
        .step_size(0.3)
        .run(&IidNormal { dim: 1 })
        .unwrap();
    let r = &fit.chains()[0].warmup;
    assert!(r.step_sizes.is_empty() && r.metric_updates.is_empty());
    assert_eq!((r.initial_step_size, r.final_step_size), (0.3, 0.3));
}

#[test]
fn summary_warns_about_divergences_tree_depth_and_ebfmi() {
    let clean = Nuts::new()
        .chains(4)
        .warmup(300)
        .draws(500)
        .seed(42)
        .run(&IidNormal { dim: 2 })
        .unwrap();
    let d = clean.diagnose();
    assert!(!d.has_problems(), "{d}");
    assert_eq!(d.transitions, 2000);
    let text = clean.summary().to_string();
    assert!(text.contains("Diagnostics: no divergences"), "{text}");

    // Max depth 1 on a strongly correlated target: every tree is cut short.
    let shallow = Nuts::new()
        .chains(2)
        .warmup(100)
        .draws(100)
        .seed(1)
        .max_depth(1)
        .run(&Correlated2d)
        .unwrap();
    let d = shallow.diagnose();
    assert!(d.max_depth_hits > 100, "{d}");
    let text = shallow.summary().to_string();
    assert!(text.contains("hit the maximum tree depth of 1"), "{text}");

    let divergent = Nuts::new()
        .chains(2)
        .warmup(100)
        .draws(200)
        .seed(3)
        .run(&Faulty {
            fail_above: f64::MAX,
        })
        .unwrap();
    let d = divergent.diagnose();
    assert_eq!(d.divergent, divergent.num_divergences());
    let text = divergent.summary().to_string();
    assert!(
        text.contains(&format!("{} of 400 transitions", d.divergent)) && text.contains("diverged"),
        "{text}"
    );

    // E-BFMI, R-hat, ESS and failed chains, on constructed diagnostics.
    let d = Diagnostics {
        transitions: 1000,
        divergent: 0,
        max_depth: Some(10),
        max_depth_hits: 0,
        e_bfmi: vec![(0, 0.9), (1, 0.12)],
        high_rhat: vec![("b".into(), 1.3)],
        low_ess: vec![("b".into(), 35.0), ("c".into(), 150.0)],
        ess_threshold: 400.0,
        failed_chains: 1,
        chains: 3,
    };
    assert_eq!(d.low_e_bfmi(), vec![(1, 0.12)]);
    let w = d.warnings();
    assert_eq!(w.len(), 4, "{w:#?}");
    assert!(w[0].starts_with("1 of 3 chains failed"));
    assert!(w[1].starts_with("Chain 2 has an E-BFMI of 0.120, below 0.3"));
    assert!(w[2].starts_with("1 quantity has a split R-hat above 1.01 (worst: b, 1.300)"));
    assert!(w[3].starts_with("2 quantities have a bulk or tail ESS below 400"));
    assert!(w[3].contains("worst: b, 35"));
    assert!(d
        .to_string()
        .starts_with("Diagnostics: 4 problem(s) found."));
}

#[test]
fn hmc_files_name_the_static_engine() {
    let dir = temp_dir("hmc");
    let fit = Hmc::new(5)
        .chains(1)
        .warmup(50)
        .draws(30)
        .run(&IidNormal { dim: 2 })
        .unwrap();
    let paths = fit.write_stan_csv(dir.join("hmc")).unwrap();
    let csv = StanCsv::read(&paths[0]).unwrap();
    assert_csv_matches_chain(&csv, &fit, 0);
    assert_eq!(csv.setting("engine"), Some("static"));
    assert_eq!(csv.setting("num_steps"), Some("5"));
    assert!(fit.diagnose().max_depth.is_none());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn outputs_are_identical_for_any_thread_count() {
    let dir = temp_dir("threads");
    let model = Faulty {
        fail_above: f64::MAX,
    };
    let run_with = |threads: usize| {
        let prefix = dir.join(format!("t{threads}"));
        let fit = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                Nuts::new()
                    .chains(3)
                    .warmup(80)
                    .draws(60)
                    .seed(21)
                    .save_warmup(true)
                    .output_csv(&prefix)
                    .run(&model)
                    .unwrap()
            });
        // The files without their timing and their own path.
        let files: Vec<String> = (1..=3)
            .map(|k| {
                std::fs::read_to_string(format!("{}_{k}.csv", prefix.display()))
                    .unwrap()
                    .lines()
                    .filter(|l| !l.contains("seconds (") && !l.starts_with("#   file = "))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect();
        (fit, files)
    };
    let (one, files_one) = run_with(1);
    let (three, files_three) = run_with(3);
    assert!(one.chains().iter().all(|c| !c.divergences.is_empty()));
    assert_eq!(one, three);
    assert_eq!(files_one, files_three);
    std::fs::remove_dir_all(&dir).unwrap();
}
