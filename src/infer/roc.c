/* Membership metrics over scores (higher: more likely a member) and ART's
 * threshold calibration for label_only. Counting is exact (integers), so
 * hand-computed values match to the last bit. */
#include <math.h>
#include <stdlib.h>

#include "base/error.h"
#include "infer/infer.h"

advlab_status advlab_membership_metrics(const float *scores, const uint8_t *is_member, int n,
                                        double threshold, advlab_membership_report *out)
{
    if (!scores || !is_member || !out)
        return advlab__fail(ADVLAB_E_ARG, "advlab_membership_metrics: %s is NULL",
                            !scores      ? "scores"
                            : !is_member ? "is_member"
                                         : "out");
    if (!isfinite(threshold))
        return advlab__fail(ADVLAB_E_NUMERIC, "membership metrics: threshold %g is not finite",
                            threshold);
    long members = 0, tp = 0, fp = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(scores[i]))
            return advlab__fail(ADVLAB_E_NUMERIC, "membership metrics: score %d is %g", i,
                                (double)scores[i]);
        members += is_member[i] != 0;
        tp += is_member[i] && scores[i] > threshold;
        fp += !is_member[i] && scores[i] > threshold;
    }
    long nonmembers = n - members;
    if (members == 0 || nonmembers == 0)
        return advlab__fail(ADVLAB_E_ARG,
                            "membership metrics: %ld members and %ld non-members, expected both",
                            members, nonmembers);
    /* AUC = P(member's score > non-member's) + P(equal) / 2, over all pairs:
     * twice the count of wins plus ties, in integers. */
    long long twice = 0;
    for (int i = 0; i < n; i++)
        if (is_member[i])
            for (int j = 0; j < n; j++)
                if (!is_member[j])
                    twice += scores[i] > scores[j] ? 2 : scores[i] == scores[j];
    double tpr = (double)tp / members, fpr = (double)fp / nonmembers;
    *out = (advlab_membership_report){
        .members = (int)members,
        .nonmembers = (int)nonmembers,
        .threshold = threshold,
        .tpr = tpr,
        .fpr = fpr,
        .advantage = tpr - fpr,
        .auc = (double)twice / (2.0 * (double)members * (double)nonmembers),
        .balanced_accuracy = (tpr + 1.0 - fpr) / 2.0,
    };
    return ADVLAB_OK;
}

double advlab__calibrate_threshold(const float *members, int n_members, const float *nonmembers,
                                   int n_nonmembers)
{
    double largest = 0.0;
    for (int i = 0; i < n_members; i++)
        largest = fmax(largest, members[i]);
    for (int i = 0; i < n_nonmembers; i++)
        largest = fmax(largest, nonmembers[i]);
    double increment = largest / 100.0, best_tau = 0.0;
    long best = 0;
    for (int k = 1; k < 100; k++) {
        double tau = k * increment;
        long right = 0;
        for (int i = 0; i < n_members; i++)
            right += members[i] > tau;
        for (int i = 0; i < n_nonmembers; i++)
            right += !(nonmembers[i] > tau);
        if (right > best)
            best = right, best_tau = tau;
    }
    return best_tau;
}

typedef struct {
    float score;
    uint8_t member;
} scored;

/* Highest score first; ties in any order, since a tie's rows enter the
 * curve together. */
static int by_score_down(const void *a, const void *b)
{
    float x = ((const scored *)a)->score, y = ((const scored *)b)->score;
    return (x < y) - (x > y);
}

advlab_status advlab_membership_roc(const float *scores, const uint8_t *is_member, int n,
                                    float *fpr, float *tpr, int *points)
{
    if (!scores || !is_member || !fpr || !tpr || !points)
        return advlab__fail(ADVLAB_E_ARG, "advlab_membership_roc: an argument is NULL");
    long members = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(scores[i]))
            return advlab__fail(ADVLAB_E_NUMERIC, "membership ROC: score %d is %g", i,
                                (double)scores[i]);
        members += is_member[i] != 0;
    }
    long nonmembers = n - members;
    if (members == 0 || nonmembers == 0)
        return advlab__fail(ADVLAB_E_ARG,
                            "membership ROC: %ld members and %ld non-members, expected both",
                            members, nonmembers);
    scored *rows = malloc(sizeof *rows * (size_t)n);
    if (!rows)
        return advlab__fail(ADVLAB_E_NOMEM, "membership ROC: out of memory");
    for (int i = 0; i < n; i++)
        rows[i] = (scored){scores[i], is_member[i] != 0};
    qsort(rows, (size_t)n, sizeof *rows, by_score_down);
    long tp = 0, fp = 0;
    int k = 0;
    fpr[k] = 0.0f, tpr[k] = 0.0f, k++;
    for (int i = 0; i < n; i++) {
        tp += rows[i].member;
        fp += !rows[i].member;
        if (i + 1 < n && rows[i + 1].score == rows[i].score)
            continue;
        fpr[k] = (float)((double)fp / nonmembers);
        tpr[k] = (float)((double)tp / members);
        k++;
    }
    free(rows);
    *points = k;
    return ADVLAB_OK;
}
