/* fuzz_evidence_archive.c -- libFuzzer target for the offline verifier
 * (server/evidence/evidence_verify.c): the input is a whole package (a tar, hostile),
 * checked with a fixed test key so the corpus packages (signed with it) reach
 * the artifact comparison. The verifier must never crash, leak, or write a
 * file; an intact verdict must come with a valid signature and no finding.
 * The key below is a published test key; it signs nothing real. */
#define _GNU_SOURCE
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "server/evidence/evidence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char test_key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEINTJifVNcyLBvyYrQ2Hl4jNuxntAWwmRZrFkBWky46tQ\n"
    "-----END PRIVATE KEY-----\n";

static char *key_dir;

static void remove_key_dir(void)
{
    char *files[] = { g_build_filename(key_dir, YF_EVIDENCE_KEY_FILE, NULL),
                      g_build_filename(key_dir, YF_EVIDENCE_PUBKEY_FILE, NULL) };
    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        g_unlink(files[i]);
        g_free(files[i]);
    }
    g_rmdir(key_dir);
}

/* DIR/signing-key.pem from test_key, DIR/signing-key.pub.pem through the
 * key loader; the public key's path (kept for the whole run). */
static const char *pubkey_path(void)
{
    static char *pub;
    if (pub == NULL) {
        char *dir = key_dir = g_dir_make_tmp("yf-fuzz-evidence-XXXXXX", NULL);
        char *key = g_build_filename(dir, YF_EVIDENCE_KEY_FILE, NULL);
        if (dir == NULL || !g_file_set_contents(key, test_key, -1, NULL) || g_chmod(key, 0600) != 0)
            abort();
        EVP_PKEY *k = yf_evidence_key_load(dir, NULL);
        if (k == NULL)
            abort();
        EVP_PKEY_free(k);
        pub = g_build_filename(dir, YF_EVIDENCE_PUBKEY_FILE, NULL);
        g_free(key);
        atexit(remove_key_dir);   /* key_dir (= dir) stays allocated for it */
    }
    return pub;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    yf_evidence_report r;
    GError *err = NULL;
    const char *pub = pubkey_path();
    int fd = memfd_create("yf-evidence-fuzz", MFD_CLOEXEC);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (!yf_evidence_verify(path, pub, &r, &err))
        abort();   /* the archive and the key exist: only findings are allowed */
    if (r.intact && (!r.signature_valid || r.n_findings != 0))
        abort();
    for (size_t i = 0; i < r.n_findings; i++)
        if (r.findings[i].detail == NULL)
            abort();
    yf_evidence_report_clear(&r);
    close(fd);
    return 0;
}
