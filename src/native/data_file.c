/* advlab_dataset_load: the native-only path from two files to a dataset. */
#include <stdlib.h>

#include "base/error.h"
#include "nn/idx.h"

advlab_status advlab_dataset_load(const char *images_path, const char *labels_path,
                                  advlab_dataset **out)
{
    if (images_path == NULL || labels_path == NULL || out == NULL)
        return advlab__fail(
            ADVLAB_E_ARG, "advlab_dataset_load: images_path, labels_path and out must not be NULL");
    uint8_t *images, *labels;
    size_t images_len, labels_len;
    advlab_status st = advlab_file_read(images_path, &images, &images_len);
    if (st != ADVLAB_OK)
        return st;
    st = advlab_file_read(labels_path, &labels, &labels_len);
    if (st == ADVLAB_OK) {
        /* Each path names its own file, so a bad label points at the labels file. */
        st = advlab__dataset_from_idx_named(images_path, images, images_len, labels_path, labels,
                                            labels_len, out);
        advlab_buffer_free(labels);
    }
    advlab_buffer_free(images);
    return st;
}
