/* A small learnable dataset built in memory as IDX bytes: each class is a
 * bright bar at its own position plus seeded noise. Tests that need a
 * dataset but not MNIST use it. */
#ifndef ADVLAB_SYNTHETIC_H
#define ADVLAB_SYNTHETIC_H

#include "advlab.h"

/* Returns a dataset of n 28x28 images, or NULL (with a message) on failure. */
advlab_dataset *synthetic_dataset(int n, uint64_t seed);

#endif
