//! Stable log/exp compositions: log_sum_exp, log1p_exp, log1m_exp, log_diff_exp, logit and the inverse-logit family.
