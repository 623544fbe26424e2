#include "certify/stats.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define LN2_HI 6.93147180369123816490e-01 /* few bits: n * LN2_HI is exact for |n| < 2^11 */
#define LN2_LO 1.90821492927058770002e-10
#define TINY 1e-300 /* keeps Lentz's continued fractions away from 0 */
#define CF_EPS 1e-16
#define CF_MAX_ITER 100000

static double from_bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* 2^n for n in [-1022, 1023]. */
static double pow2(int n) { return from_bits((uint64_t)(n + 1023) << 52); }

/* exp(x) = 2^n exp(r), n = round(x / ln2), |r| <= ln2/2; exp(r) by its
 * Taylor series to r^13/13!, whose remainder is below 1e-17. */
double advlab__exp(double x)
{
    if (x != x)
        return x;
    if (x > 709.78)
        return INFINITY;
    if (x < -745.2)
        return 0.0;
    double n = floor(x * 1.44269504088896338700 + 0.5);
    double r = (x - n * LN2_HI) - n * LN2_LO;
    double p = 1.0 / 6227020800.0; /* 1/13! */
    double fact = 6227020800.0;
    for (int k = 13; k >= 1; k--) {
        fact /= k;            /* (k-1)! exactly: every factorial to 12! is a double */
        p = p * r + 1 / fact; /* Horner: sum of r^j / j! for j < k, plus the rest times r */
    }
    int e = (int)n, half = e / 2; /* two factors keep each power of two normal */
    return p * pow2(half) * pow2(e - half);
}

/* log(x) = e ln2 + log(m), m in [sqrt(1/2), sqrt(2)); log(m) = 2 atanh(f)
 * with f = (m-1)/(m+1), |f| < 0.172, by its series to f^25. */
double advlab__log(double x)
{
    if (x != x || x < 0.0)
        return NAN;
    if (x == 0.0)
        return -INFINITY;
    if (x == INFINITY)
        return x;
    int e = 0;
    if (x < 2.2250738585072014e-308) {
        x *= 18014398509481984.0; /* 2^54: subnormals become normal */
        e = -54;
    }
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    e += (int)((u >> 52) & 0x7ff) - 1023;
    double m = from_bits((u & 0x000fffffffffffffull) | 0x3ff0000000000000ull); /* [1, 2) */
    if (m > 1.41421356237309504880) {
        m *= 0.5;
        e += 1;
    }
    double f = (m - 1.0) / (m + 1.0), s = f * f, series = 1.0 / 25.0;
    for (int k = 23; k >= 1; k -= 2)
        series = series * s + 1.0 / k;
    return e * LN2_HI + (2.0 * f * series + e * LN2_LO);
}

/* log Gamma(x), x > 0: Stirling's series from x >= 15, reached by
 * Gamma(x) = Gamma(x + j) / (x (x+1) ... (x+j-1)). */
static double log_gamma(double x)
{
    double prod = 1.0;
    while (x < 15.0) {
        prod *= x;
        x += 1.0;
    }
    double inv = 1.0 / x, inv2 = inv * inv;
    double series =
        inv *
        (1.0 / 12 +
         inv2 * (-1.0 / 360 +
                 inv2 * (1.0 / 1260 +
                         inv2 * (-1.0 / 1680 + inv2 * (1.0 / 1188 + inv2 * (-691.0 / 360360))))));
    return (x - 0.5) * advlab__log(x) - x + 0.91893853320467274178 + series - advlab__log(prod);
}

/* The continued fraction of I_x(a, b) (modified Lentz), good for
 * x < (a+1)/(a+b+2). */
static double beta_cf(double a, double b, double x)
{
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    d = fabs(d) < TINY ? TINY : d;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= CF_MAX_ITER; m++) {
        double m2 = 2.0 * m;
        double num = m * (b - m) * x / ((a - 1.0 + m2) * (a + m2));
        d = 1.0 + num * d;
        d = fabs(d) < TINY ? TINY : d;
        c = 1.0 + num / c;
        c = fabs(c) < TINY ? TINY : c;
        d = 1.0 / d;
        h *= d * c;
        num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2));
        d = 1.0 + num * d;
        d = fabs(d) < TINY ? TINY : d;
        c = 1.0 + num / c;
        c = fabs(c) < TINY ? TINY : c;
        d = 1.0 / d;
        double step = d * c;
        h *= step;
        if (fabs(step - 1.0) < CF_EPS)
            break;
    }
    return h;
}

double advlab__beta_inc(double a, double b, double x)
{
    if (x <= 0.0)
        return 0.0;
    if (x >= 1.0)
        return 1.0;
    double log_front = a * advlab__log(x) + b * advlab__log(1.0 - x) + log_gamma(a + b) -
                       log_gamma(a) - log_gamma(b);
    double front = advlab__exp(log_front);
    if (x < (a + 1.0) / (a + b + 2.0))
        return front * beta_cf(a, b, x) / a;
    return 1.0 - front * beta_cf(b, a, 1.0 - x) / b;
}

/* The x in [lo, hi] where the increasing f(x) crosses p, by bisection until
 * the midpoint is one of the ends (at most ~1100 halvings of a double range). */
static double bisect(double (*f)(double, const double *), const double *args, double p, double lo,
                     double hi)
{
    for (;;) {
        double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi)
            return mid;
        if (f(mid, args) < p)
            lo = mid;
        else
            hi = mid;
    }
}

static double beta_cdf(double x, const double *ab) { return advlab__beta_inc(ab[0], ab[1], x); }

double advlab__beta_quantile(double p, double a, double b)
{
    if (p <= 0.0)
        return 0.0;
    if (p >= 1.0)
        return 1.0;
    const double ab[2] = {a, b};
    return bisect(beta_cdf, ab, p, 0.0, 1.0);
}

double advlab__clopper_pearson_lower(int k, int n, double alpha)
{
    return k <= 0 ? 0.0 : advlab__beta_quantile(alpha, k, (double)n - k + 1);
}

/* The regularized upper incomplete gamma Q(a, y): 1 - P by P's series below
 * y = a + 1, Lentz's continued fraction above. */
static double gamma_q(double a, double y)
{
    if (y <= 0.0)
        return 1.0;
    double front = advlab__exp(-y + a * advlab__log(y) - log_gamma(a));
    if (y < a + 1.0) {
        double term = 1.0 / a, sum = term, ap = a;
        for (int i = 0; i < CF_MAX_ITER && fabs(term) >= fabs(sum) * CF_EPS; i++) {
            ap += 1.0;
            term *= y / ap;
            sum += term;
        }
        return 1.0 - sum * front;
    }
    double b = y + 1.0 - a, c = 1.0 / TINY, d = 1.0 / b, h = d;
    for (int i = 1; i <= CF_MAX_ITER; i++) {
        double an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        d = fabs(d) < TINY ? TINY : d;
        c = b + an / c;
        c = fabs(c) < TINY ? TINY : c;
        d = 1.0 / d;
        double step = d * c;
        h *= step;
        if (fabs(step - 1.0) < CF_EPS)
            break;
    }
    return front * h;
}

/* Phi(x) = erfc(-x/sqrt2)/2 and erfc(z) = Q(1/2, z^2) for z >= 0. */
double advlab__normal_cdf(double x)
{
    double z = x * 0.70710678118654752440, erfc_abs = gamma_q(0.5, z * z);
    return z <= 0.0 ? 0.5 * erfc_abs : 1.0 - 0.5 * erfc_abs;
}

static double normal_cdf_of(double x, const double *unused)
{
    (void)unused;
    return advlab__normal_cdf(x);
}

double advlab__normal_quantile(double p)
{
    if (p <= 0.0)
        return -INFINITY;
    if (p >= 1.0)
        return INFINITY;
    return bisect(normal_cdf_of, NULL, p, -40.0, 40.0);
}

double advlab__binom_test_half(int k, int n)
{
    if (2 * k == n)
        return 1.0;
    int m = k > n - k ? k : n - k; /* P(X >= m) is the larger outcome's tail */
    double p = 2.0 * advlab__beta_inc(m, (double)n - m + 1, 0.5);
    return p > 1.0 ? 1.0 : p;
}
