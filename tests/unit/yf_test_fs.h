/* yf_test_fs.h -- files for tests: the test-data directory (YF_TEST_DATA,
 * set by CTest), text edits on loaded fixtures, and temporary-directory
 * cleanup for tests that write files. GLib only. */
#ifndef YF_TEST_FS_H
#define YF_TEST_FS_H

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

/* Reads tests/data/<sub>/<name> (NULL with a message if it cannot); g_free. */
static inline char *yf_test_load(const char *sub, const char *name)
{
    const char *dir = getenv("YF_TEST_DATA");
    char *path = g_build_filename(dir ? dir : "tests/data", sub, name, NULL);
    char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        fprintf(stderr, "cannot read %s (set YF_TEST_DATA)\n", path);
    g_free(path);
    return text;
}

/* Replaces every occurrence of from with to; frees text. */
static inline char *yf_test_edit(char *text, const char *from, const char *to)
{
    char **parts = g_strsplit(text, from, -1);
    char *out = g_strjoinv(to, parts);
    g_strfreev(parts);
    g_free(text);
    return out;
}

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
