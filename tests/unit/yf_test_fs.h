/* yf_test_fs.h -- temporary-directory cleanup for tests that write files
 * (the case store, the audit log). GLib only. */
#ifndef YF_TEST_FS_H
#define YF_TEST_FS_H

#include <glib.h>
#include <glib/gstdio.h>

/* Removes path and everything below it; missing paths are fine. */
static inline void yf_test_rm_rf(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        char *p = g_build_filename(path, name, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
            yf_test_rm_rf(p);
        else
            g_unlink(p);
        g_free(p);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(path);
}

#endif
