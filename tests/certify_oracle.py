"""Reference values for randomized smoothing's statistics, from SciPy:
Clopper-Pearson lower bounds (beta.ppf(alpha, k, n-k+1)), normal quantiles
(norm.ppf) and two-sided binomial tests at 1/2 (binomtest), one per line as
test_certify --oracle reads them."""
from scipy.stats import beta, binomtest, norm

for n in (10, 100, 1000, 10000, 100000):
    for frac in (0.01, 0.3, 0.5, 0.77, 0.99, 1.0):
        k = max(1, round(frac * n))
        for alpha in (0.001, 0.01, 0.05):
            print("beta %.17g %d %d %.17g" % (alpha, k, n - k + 1, beta.ppf(alpha, k, n - k + 1)))
for p in (0.5, 0.5001, 0.6, 0.75, 0.9, 0.975, 0.99, 0.999, 0.999999, 0.3, 0.01, 1e-6):
    print("norm %.17g %.17g" % (p, norm.ppf(p)))
for n in (1, 2, 7, 30, 100, 1000):
    for k in sorted({0, n // 3, n // 2, n - 1, n}):
        if 0 <= k <= n:
            print("binom %d %d %.17g" % (k, n, binomtest(k, n, 0.5).pvalue))
