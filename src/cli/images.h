/* Images in and out of the CLI: adversarial examples written as float32 IDX, a
 * PNG grid to look at (clean, adversarial and perturbation rows), and
 * (cli.h, cli_predict_image) a digit read from an image file. */
#ifndef ADVLAB_CLI_IMAGES_H
#define ADVLAB_CLI_IMAGES_H

/* Writes n images of h x w to path: ".png" gives the grid of the first 16,
 * anything else float32 IDX (type 0x0D, big-endian), lossless. */
int cli_write_images(const char *path, const float *x, const float *x_adv, int n, int h, int w);
/* Writes n images of h x w to path as one row of a PNG grid. */
int cli_write_row_png(const char *path, const float *x, int n, int h, int w);

#endif
