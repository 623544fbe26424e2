/* The statistics randomized smoothing needs, in double and of our own:
 * glibc's and musl's (wasm) libm may differ in the last ulp, and a
 * certificate must be bit-identical native and in the browser. Every
 * function here uses only + - * /, sqrt and exact bit manipulation. */
#ifndef ADVLAB_CERTIFY_STATS_H
#define ADVLAB_CERTIFY_STATS_H

/* exp(x) and log(x) (x > 0), to a few ulp. */
double advlab__exp(double x);
double advlab__log(double x);
/* The regularized incomplete beta function I_x(a, b), a, b > 0, x in [0,1]. */
double advlab__beta_inc(double a, double b, double x);
/* The p-quantile of Beta(a, b): the x with I_x(a, b) = p (SciPy's beta.ppf). */
double advlab__beta_quantile(double p, double a, double b);
/* The one-sided Clopper-Pearson lower confidence bound of a binomial
 * proportion at level 1 - alpha, k successes in n: beta.ppf(alpha, k, n-k+1),
 * and 0 when k is 0 (statsmodels' proportion_confint(k, n, 2 alpha, "beta")[0]). */
double advlab__clopper_pearson_lower(int k, int n, double alpha);
/* The standard normal's CDF and its inverse (p in (0,1)). */
double advlab__normal_cdf(double x);
double advlab__normal_quantile(double p);
/* The two-sided p-value of k successes in n trials under p = 1/2
 * (SciPy's binomtest(k, n, 0.5).pvalue). */
double advlab__binom_test_half(int k, int n);

#endif
