/* test_evidence.c -- the evidence package end to end on temporary files: build
 * one (a few small artifacts and one of 5 MB), verify it, then on fresh copies
 * change one artifact byte, one signature byte, one manifest byte, remove a
 * file, add one, use another key, smuggle "../x" and absolute paths; the CLI
 * through yf_evidence_cli_main; and the stock-tools recipe of docs/evidence.md
 * (tar, openssl pkeyutl -rawin, sha256sum) when those programs are present. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/evidence/evidence.h"
#include "server/cli/evidence_cli.h"
#include "server/store/store.h"
#include "yf_test.h"
#include "yf_test_fs.h"

#define BIG_SIZE (5u << 20)
#define CREATED_MS 1740794400123LL   /* 2025-03-01T02:00:00.123Z */

static char *root, *key_dir, *other_dir, *pub, *other_pub, *package;
static char *disk[4];
static const char *const arch[4] = { "recordings/capture-1.yfcap", "recordings/p1.webm",
                                     "recordings/composite.webm", "notes/notes.txt" };
static const char *const kinds[4] = { "capture", "participant-webm", "composite", "notes" };

static char *path_in(const char *name)
{
    return g_build_filename(root, name, NULL);
}

static void write_file(const char *path, const void *data, size_t len)
{
    CHECK(g_file_set_contents(path, data, (gssize)len, NULL));
}

static GBytes *read_all(const char *path)
{
    char *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &data, &len, NULL))
        return g_bytes_new(NULL, 0);
    return g_bytes_new_take(data, len);
}

static void sha256_of(const char *path, guint8 out[32])
{
    GBytes *b = read_all(path);
    gsize n = 32;
    GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(c, g_bytes_get_data(b, NULL), g_bytes_get_size(b));
    g_checksum_get_digest(c, out, &n);
    g_checksum_free(c);
    g_bytes_unref(b);
}

static void make_artifacts(void)
{
    GString *cap = g_string_new(NULL), *webm = g_string_new(NULL);
    for (int i = 0; cap->len < 3000; i++)
        g_string_append_printf(cap, "CAPTURE-RECORD-%05d|", i);
    for (int i = 0; webm->len < 4096; i++)
        g_string_append_printf(webm, "WEBM-CLUSTER-%05d|", i);
    const char *notes = "[0] 检察官: 本次接访全程录音录像。\n[61000] 张三: 明白。\n";
    GRand *rnd = g_rand_new_with_seed(42);
    guint32 *big = g_malloc(BIG_SIZE);
    for (size_t i = 0; i < BIG_SIZE / 4; i++)
        big[i] = g_rand_int(rnd);
    const char *names[4] = { "capture-1.yfcap", "p1.webm", "composite.webm", "notes.txt" };
    for (int i = 0; i < 4; i++)
        disk[i] = path_in(names[i]);
    write_file(disk[0], cap->str, cap->len);
    write_file(disk[1], webm->str, webm->len);
    write_file(disk[2], big, BIG_SIZE);
    write_file(disk[3], notes, strlen(notes));
    g_free(big);
    g_rand_free(rnd);
    g_string_free(cap, TRUE);
    g_string_free(webm, TRUE);
}

static const yf_evidence_participant parts[] = {
    { "李检察官", "prosecutor" }, { "张三", "petitioner" } };

static yf_evidence_input input(yf_evidence_file *files)
{
    for (int i = 0; i < 4; i++)
        files[i] = (yf_evidence_file){ disk[i], arch[i], kinds[i] };
    yf_evidence_input in = { .case_no = "京检控〔2025〕17号", .case_type = "accusation",
                             .hearing_id = 12, .hearing_kind = "reception", .room = "appt-12",
                             .started_ms = CREATED_MS - 3600000, .ended_ms = CREATED_MS - 60000,
                             .participants = parts, .n_participants = 2, .files = files,
                             .n_files = 4, .has_audit = TRUE, .audit_count = 321,
                             .created_ms = CREATED_MS };
    memset(in.audit_head, 0xab, 32);
    return in;
}

/* ---- archive surgery ------------------------------------------------------- */

/* Offset and size of entry name's data in a ustar stream (pax 'x' headers skipped). */
static gboolean find_entry(const guint8 *t, size_t len, const char *name, size_t *off,
                           size_t *size)
{
    for (size_t h = 0; h + 512 <= len && t[h] != 0;) {
        char nm[101] = { 0 }, prefix[156] = { 0 }, szs[13] = { 0 };
        memcpy(szs, t + h + 124, 12);
        size_t sz = strtoul(szs, NULL, 8);
        memcpy(nm, t + h, 100);
        memcpy(prefix, t + h + 345, 155);
        char *full = prefix[0] ? g_strdup_printf("%s/%s", prefix, nm) : g_strdup(nm);
        gboolean hit = strcmp(full, name) == 0 && t[h + 156] == '0';
        g_free(full);
        if (hit) {
            *off = h + 512;
            *size = sz;
            return TRUE;
        }
        h += 512 + (sz + 511) / 512 * 512;
    }
    return FALSE;
}

static char *copy_package(const char *name)
{
    char *dst = path_in(name);
    GBytes *b = read_all(package);
    write_file(dst, g_bytes_get_data(b, NULL), g_bytes_get_size(b));
    g_bytes_unref(b);
    return dst;
}

/* A fresh copy with one byte of entry `name` (at offset `at` in it) changed. */
static char *flip_in_entry(const char *copy, const char *name, size_t at)
{
    char *dst = copy_package(copy);
    GBytes *b = read_all(dst);
    gsize len = 0;
    guint8 *t = g_bytes_unref_to_data(b, &len);
    size_t off = 0, size = 0;
    CHECK(find_entry(t, len, name, &off, &size));
    CHECK(at < size);
    t[off + at] ^= 0x01;
    write_file(dst, t, len);
    g_free(t);
    return dst;
}

typedef struct {
    const char *name;
    int type;             /* AE_IFREG, AE_IFLNK, AE_IFDIR */
    const char *data;     /* contents, or the link target */
} extra_entry;

/* A fresh copy of the package without entry `skip` and with `extra` appended. */
static char *rewrite(const char *copy, const char *skip, const extra_entry *extra, size_t n_extra)
{
    char *dst = path_in(copy);
    struct archive *in = archive_read_new(), *out = archive_write_new();
    struct archive_entry *e;
    static char buf[1 << 16];
    archive_read_support_format_tar(in);
    CHECK(archive_read_open_filename(in, package, 1 << 16) == ARCHIVE_OK);
    archive_write_set_format_pax_restricted(out);
    CHECK(archive_write_open_filename(out, dst) == ARCHIVE_OK);
    while (archive_read_next_header(in, &e) == ARCHIVE_OK) {
        if (skip && strcmp(archive_entry_pathname(e), skip) == 0)
            continue;
        CHECK(archive_write_header(out, e) == ARCHIVE_OK);
        la_ssize_t n;
        while ((n = archive_read_data(in, buf, sizeof buf)) > 0)
            archive_write_data(out, buf, (size_t)n);
    }
    for (size_t i = 0; i < n_extra; i++) {
        e = archive_entry_new();
        archive_entry_set_pathname(e, extra[i].name);
        archive_entry_set_filetype(e, (unsigned)extra[i].type);
        archive_entry_set_perm(e, 0644);
        if (extra[i].type == AE_IFLNK)
            archive_entry_set_symlink(e, extra[i].data);
        archive_entry_set_size(e, extra[i].type == AE_IFREG ? (la_int64_t)strlen(extra[i].data) : 0);
        CHECK(archive_write_header(out, e) == ARCHIVE_OK);
        if (extra[i].type == AE_IFREG)
            archive_write_data(out, extra[i].data, strlen(extra[i].data));
        archive_entry_free(e);
    }
    archive_read_free(in);
    CHECK(archive_write_close(out) == ARCHIVE_OK);
    archive_write_free(out);
    return dst;
}

/* ---- checking reports ------------------------------------------------------ */

static size_t count_code(const yf_evidence_report *r, yf_evidence_code c)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_findings; i++)
        n += r->findings[i].code == c;
    return n;
}

static const yf_evidence_finding *find_code(const yf_evidence_report *r, yf_evidence_code c,
                                            const char *path)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (r->findings[i].code == c && (!path || g_strcmp0(r->findings[i].path, path) == 0))
            return &r->findings[i];
    return NULL;
}

static void dump(const char *what, const yf_evidence_report *r)
{
    if (g_getenv("YF_TEST_VERBOSE") == NULL)
        return;
    for (size_t i = 0; i < r->n_findings; i++)
        fprintf(stderr, "  %s: %s %s: %s\n", what, yf_evidence_code_name(r->findings[i].code),
                r->findings[i].path, r->findings[i].detail);
}

static void verify(const char *archive, const char *key, yf_evidence_report *r)
{
    GError *err = NULL;
    CHECK(yf_evidence_verify(archive, key, r, &err));
    if (err)
        fprintf(stderr, "verify: %s\n", err->message);
    g_clear_error(&err);
    dump(archive, r);
}

/* Exactly one finding, of code c at path. */
static void expect_only(const char *archive, yf_evidence_code c, const char *path)
{
    yf_evidence_report r;
    verify(archive, pub, &r);
    CHECK(!r.intact);
    CHECK_EQ_INT(r.n_findings, 1);
    CHECK(find_code(&r, c, path) != NULL);
    yf_evidence_report_clear(&r);
}

/* Removes a tampered copy (they are 5 MB each) and frees its name. */
static void discard(char *path)
{
    g_unlink(path);
    g_free(path);
}

/* ---- tests --------------------------------------------------------------------- */

static void test_key(void)
{
    GError *err = NULL;
    struct stat st;
    guint8 a[32], b[32];
    EVP_PKEY *k1 = yf_evidence_key_load(key_dir, &err), *k2 = yf_evidence_key_load(key_dir, &err);
    CHECK(k1 && k2 && err == NULL);
    CHECK(yf_evidence_key_id(k1, a) && yf_evidence_key_id(k2, b) && memcmp(a, b, 32) == 0);
    char *priv = g_build_filename(key_dir, YF_EVIDENCE_KEY_FILE, NULL);
    CHECK(stat(priv, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(stat(pub, &st) == 0 && (st.st_mode & 0777) == 0644);
    EVP_PKEY *p = yf_evidence_pubkey_load(pub, &err);
    CHECK(p && yf_evidence_key_id(p, b) && memcmp(a, b, 32) == 0);
    guint8 sig[64];
    CHECK(yf_evidence_sign(k1, "abc", 3, sig) && yf_evidence_sig_check(p, "abc", 3, sig, 64));
    CHECK(!yf_evidence_sig_check(p, "abd", 3, sig, 64) && !yf_evidence_sig_check(p, "abc", 3, sig, 63));
    /* A public file that names another key is refused, not silently rewritten. */
    EVP_PKEY *k3 = yf_evidence_key_load(other_dir, &err);
    char *wrong = g_build_filename(root, "wrongpub", NULL);
    g_mkdir(wrong, 0700);
    char *wp = g_build_filename(wrong, YF_EVIDENCE_PUBKEY_FILE, NULL);
    char *wk = g_build_filename(wrong, YF_EVIDENCE_KEY_FILE, NULL);
    GBytes *kb = read_all(priv), *ob = read_all(other_pub);
    write_file(wk, g_bytes_get_data(kb, NULL), g_bytes_get_size(kb));
    chmod(wk, 0600);
    write_file(wp, g_bytes_get_data(ob, NULL), g_bytes_get_size(ob));
    CHECK(yf_evidence_key_load(wrong, &err) == NULL &&
          g_error_matches(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_KEY));
    g_clear_error(&err);
    /* Not a public key. */
    CHECK(yf_evidence_pubkey_load(priv, &err) == NULL && err != NULL);
    g_clear_error(&err);
    g_bytes_unref(kb);
    g_bytes_unref(ob);
    g_free(wrong);
    g_free(wp);
    g_free(wk);
    g_free(priv);
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
    EVP_PKEY_free(k3);
    EVP_PKEY_free(p);
}

static void test_intact(void)
{
    yf_evidence_report r;
    guint8 notes[32];
    verify(package, pub, &r);
    CHECK(r.intact && r.signature_valid && r.have_manifest);
    CHECK_EQ_INT(r.n_findings, 0);
    CHECK_EQ_INT(r.manifest.n_artifacts, 4);
    CHECK(g_strcmp0(r.manifest.case_no, "京检控〔2025〕17号") == 0);
    CHECK_EQ_INT(r.manifest.hearing_id, 12);
    CHECK(g_strcmp0(r.manifest.created_at, "2025-03-01T02:00:00.123Z") == 0);
    CHECK(r.manifest.has_audit && r.manifest.audit_count == 321 && r.manifest.audit_head[5] == 0xab);
    sha256_of(disk[3], notes);
    CHECK(r.manifest.has_notes && memcmp(r.manifest.notes_sha256, notes, 32) == 0);
    /* Artifacts are listed sorted by path: the canonical order. */
    CHECK(g_strcmp0(r.manifest.artifacts[0].path, "notes/notes.txt") == 0);
    CHECK_EQ_INT(r.manifest.artifacts[2].size, BIG_SIZE);
    yf_evidence_report_clear(&r);
}

static void test_artifact_byte(void)
{
    guint8 want[32];
    yf_evidence_report r;
    char *p = flip_in_entry("mod-small.tar", arch[0], 1000);
    sha256_of(disk[0], want);
    verify(p, pub, &r);
    CHECK(!r.intact && r.signature_valid);
    CHECK_EQ_INT(r.n_findings, 1);
    const yf_evidence_finding *f = find_code(&r, YF_EVIDENCE_ARTIFACT_MODIFIED, arch[0]);
    CHECK(f && f->has_hashes && memcmp(f->expected_sha256, want, 32) == 0 &&
          memcmp(f->actual_sha256, want, 32) != 0 && f->expected_size == f->actual_size);
    yf_evidence_report_clear(&r);
    discard(p);
    p = flip_in_entry("mod-big.tar", arch[2], BIG_SIZE - 7);
    expect_only(p, YF_EVIDENCE_ARTIFACT_MODIFIED, arch[2]);
    discard(p);
}

static void test_signature_and_manifest_byte(void)
{
    yf_evidence_report r;
    char *p = flip_in_entry("mod-sig.tar", YF_EVIDENCE_SIGNATURE, 17);
    expect_only(p, YF_EVIDENCE_SIGNATURE_INVALID, YF_EVIDENCE_SIGNATURE);
    discard(p);
    /* One hex digit of an artifact's hash in the manifest: still valid JSON, so
     * the signature is the only thing that catches it, and nothing is compared. */
    GBytes *b = read_all(package);
    size_t off = 0, size = 0;
    CHECK(find_entry(g_bytes_get_data(b, NULL), g_bytes_get_size(b), YF_EVIDENCE_MANIFEST, &off, &size));
    const char *m = (const char *)g_bytes_get_data(b, NULL) + off;
    const char *key = "\"path\":\"recordings/p1.webm\",\"sha256\":\"";
    const char *h = g_strstr_len(m, (gssize)size, key);
    CHECK(h != NULL);
    size_t at = h ? (size_t)(h - m) + strlen(key) : 0;   /* bit 0 of a hex digit: still hex */
    g_bytes_unref(b);
    p = flip_in_entry("mod-manifest.tar", YF_EVIDENCE_MANIFEST, at);
    verify(p, pub, &r);
    CHECK(!r.intact && !r.signature_valid);
    CHECK_EQ_INT(r.n_findings, 1);
    CHECK(find_code(&r, YF_EVIDENCE_SIGNATURE_INVALID, YF_EVIDENCE_SIGNATURE) != NULL);
    CHECK_EQ_INT(r.manifest.n_artifacts, 0);   /* nothing from an unsigned manifest */
    yf_evidence_report_clear(&r);
    discard(p);
    /* Its first byte: no longer JSON either. */
    p = flip_in_entry("mod-manifest0.tar", YF_EVIDENCE_MANIFEST, 0);
    verify(p, pub, &r);
    CHECK(!r.intact && count_code(&r, YF_EVIDENCE_SIGNATURE_INVALID) == 1);
    CHECK(count_code(&r, YF_EVIDENCE_ARTIFACT_MODIFIED) == 0 &&
          count_code(&r, YF_EVIDENCE_ARTIFACT_MISSING) == 0);
    yf_evidence_report_clear(&r);
    discard(p);
}

static void test_missing_extra_duplicate(void)
{
    char *p = rewrite("missing.tar", arch[1], NULL, 0);
    expect_only(p, YF_EVIDENCE_ARTIFACT_MISSING, arch[1]);
    discard(p);
    extra_entry extra = { "recordings/extra.webm", AE_IFREG, "not in the manifest" };
    p = rewrite("extra.tar", NULL, &extra, 1);
    expect_only(p, YF_EVIDENCE_UNEXPECTED_FILE, "recordings/extra.webm");
    discard(p);
    extra_entry dup = { arch[0], AE_IFREG, "a second capture" };
    p = rewrite("dup.tar", NULL, &dup, 1);
    expect_only(p, YF_EVIDENCE_DUPLICATE_ENTRY, arch[0]);
    discard(p);
    p = rewrite("nosig.tar", YF_EVIDENCE_SIGNATURE, NULL, 0);
    expect_only(p, YF_EVIDENCE_SIGNATURE_INVALID, YF_EVIDENCE_SIGNATURE);
    discard(p);
    p = rewrite("nopub.tar", YF_EVIDENCE_PUBKEY, NULL, 0);
    expect_only(p, YF_EVIDENCE_ARTIFACT_MISSING, YF_EVIDENCE_PUBKEY);
    discard(p);
    yf_evidence_report r;
    /* A manifest of terminal escapes: reported, and the detail quoting it is printable. */
    extra_entry evil = { YF_EVIDENCE_MANIFEST, AE_IFREG, "\x1b[2J\x1b]0;owned\x07 \xff" };
    p = rewrite("evil-manifest.tar", YF_EVIDENCE_MANIFEST, &evil, 1);
    verify(p, pub, &r);
    const yf_evidence_finding *f = find_code(&r, YF_EVIDENCE_MANIFEST_UNREADABLE, YF_EVIDENCE_MANIFEST);
    CHECK(!r.intact && f != NULL && count_code(&r, YF_EVIDENCE_SIGNATURE_INVALID) == 1);
    for (const char *c = f ? f->detail : ""; *c; c++)
        CHECK((unsigned char)*c >= 0x20 && *c != 0x7f);
    CHECK(f && g_utf8_validate(f->detail, -1, NULL));
    yf_evidence_report_clear(&r);
    discard(p);
    p = rewrite("nomanifest.tar", YF_EVIDENCE_MANIFEST, NULL, 0);
    verify(p, pub, &r);
    CHECK(!r.intact && find_code(&r, YF_EVIDENCE_MANIFEST_UNREADABLE, YF_EVIDENCE_MANIFEST));
    yf_evidence_report_clear(&r);
    discard(p);
}

static void test_other_key(void)
{
    yf_evidence_report r;
    verify(package, other_pub, &r);
    CHECK(!r.intact && !r.signature_valid);
    CHECK(find_code(&r, YF_EVIDENCE_SIGNATURE_INVALID, YF_EVIDENCE_SIGNATURE) != NULL);
    CHECK(find_code(&r, YF_EVIDENCE_KEY_MISMATCH, YF_EVIDENCE_MANIFEST) != NULL);
    CHECK(find_code(&r, YF_EVIDENCE_KEY_MISMATCH, YF_EVIDENCE_PUBKEY) != NULL);
    CHECK_EQ_INT(r.n_findings, 3);
    yf_evidence_report_clear(&r);
    /* A forger re-signs with their own key and embeds it: the reviewer's key says no. */
    yf_evidence_file files[4];
    yf_evidence_input in = input(files);
    char *forged = path_in("forged.tar");
    GError *err = NULL;
    CHECK(yf_evidence_build(&in, other_dir, forged, &err));
    g_clear_error(&err);
    verify(forged, pub, &r);
    CHECK(!r.intact && count_code(&r, YF_EVIDENCE_SIGNATURE_INVALID) == 1 &&
          count_code(&r, YF_EVIDENCE_KEY_MISMATCH) == 2);
    yf_evidence_report_clear(&r);
    discard(forged);
}

static void test_hostile_paths(void)
{
    char *sub = path_in("cwd");
    char *outside = path_in("x"), *abs = g_strdup_printf("/tmp/yf-evidence-abs-%d", (int)getpid());
    char *old = g_get_current_dir();
    g_mkdir(sub, 0700);
    extra_entry bad[] = {
        { "../x", AE_IFREG, "escaped" },
        { abs, AE_IFREG, "absolute" },
        { "recordings/../../x", AE_IFREG, "escaped too" },
        { "recordings/link", AE_IFLNK, "/etc/passwd" },
        { "recordings/sub", AE_IFDIR, "" },
        { "recordings/a\nb", AE_IFREG, "control character" },
    };
    char *p = rewrite("hostile.tar", NULL, bad, G_N_ELEMENTS(bad));
    yf_evidence_report r;
    CHECK(chdir(sub) == 0);
    verify(p, pub, &r);
    CHECK(chdir(old) == 0);
    CHECK(!r.intact && r.signature_valid);
    CHECK_EQ_INT(count_code(&r, YF_EVIDENCE_UNSAFE_ENTRY), G_N_ELEMENTS(bad));
    CHECK_EQ_INT(r.n_findings, G_N_ELEMENTS(bad));
    CHECK(find_code(&r, YF_EVIDENCE_UNSAFE_ENTRY, "../x") != NULL);
    CHECK(find_code(&r, YF_EVIDENCE_UNSAFE_ENTRY, abs) != NULL);
    CHECK(find_code(&r, YF_EVIDENCE_UNSAFE_ENTRY, "recordings/a\\nb") != NULL);   /* escaped */
    CHECK(!g_file_test(outside, G_FILE_TEST_EXISTS) && !g_file_test(abs, G_FILE_TEST_EXISTS));
    yf_evidence_report_clear(&r);
    discard(p);
    g_free(sub);
    g_free(outside);
    g_free(abs);
    g_free(old);
}

static void test_broken_archives(void)
{
    yf_evidence_report r;
    GError *err = NULL;
    char *p = path_in("garbage.tar");
    write_file(p, "this is not a tar archive at all", 32);
    verify(p, pub, &r);
    CHECK(!r.intact && find_code(&r, YF_EVIDENCE_ARCHIVE_UNREADABLE, NULL) != NULL);
    yf_evidence_report_clear(&r);
    discard(p);
    /* Cut in the middle of the big artifact. */
    p = copy_package("truncated.tar");
    CHECK(truncate(p, 3 << 20) == 0);
    verify(p, pub, &r);
    CHECK(!r.intact && find_code(&r, YF_EVIDENCE_ARCHIVE_UNREADABLE, NULL) != NULL);
    CHECK(find_code(&r, YF_EVIDENCE_MANIFEST_UNREADABLE, YF_EVIDENCE_MANIFEST) != NULL);
    yf_evidence_report_clear(&r);
    discard(p);
    /* The check cannot run at all: an error, not a finding. */
    CHECK(!yf_evidence_verify("/nonexistent/p.tar", pub, &r, &err) && err != NULL);
    g_clear_error(&err);
    CHECK(!yf_evidence_verify(package, "/nonexistent/key.pem", &r, &err) && err != NULL);
    g_clear_error(&err);
}

static void test_build_refuses(void)
{
    yf_evidence_file files[4];
    yf_evidence_input in = input(files);
    GError *err = NULL;
    char *out = path_in("refused.tar");
    const char *bad[] = { "../x", "/etc/x", "recordings//a", "manifest.json", "a/./b", "é.webm", "" };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        files[1].archive_path = bad[i];
        CHECK(!yf_evidence_build(&in, key_dir, out, &err) &&
              g_error_matches(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_INVALID));
        g_clear_error(&err);
    }
    files[1].archive_path = arch[0];   /* twice */
    CHECK(!yf_evidence_build(&in, key_dir, out, &err));
    g_clear_error(&err);
    files[1].archive_path = arch[1];
    files[1].kind = "notes";           /* a second notes artifact */
    CHECK(!yf_evidence_build(&in, key_dir, out, &err));
    g_clear_error(&err);
    files[1].kind = kinds[1];
    files[1].disk_path = "/nonexistent/p1.webm";
    CHECK(!yf_evidence_build(&in, key_dir, out, &err) &&
          g_error_matches(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_IO));
    g_clear_error(&err);
    CHECK(!g_file_test(out, G_FILE_TEST_EXISTS));
    /* No temporary file is left behind. */
    GDir *d = g_dir_open(root, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL)
        CHECK(strstr(name, ".tmp-") == NULL);
    g_dir_close(d);
    g_free(out);
}

/* Runs yf_evidence_cli_main on argv with stdout captured into *out (g_free). */
static int run_cli(char **argv, char **out)
{
    char *cap = path_in("cli-stdout");
    fflush(stdout);
    int saved = dup(1), fd = open(cap, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    close(fd);
    int rc = yf_evidence_cli_main((int)g_strv_length(argv), argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    CHECK(g_file_get_contents(cap, out, NULL, NULL));
    g_free(cap);
    return rc;
}

static void test_cli(void)
{
    char *out = NULL, hex[65];
    guint8 msha[32];
    char *tampered = flip_in_entry("cli-mod.tar", arch[1], 5);
    char *v_ok[] = { "yuanfang", "verify", package, "--pubkey", pub, NULL };
    CHECK_EQ_INT(run_cli(v_ok, &out), 0);
    GBytes *b = read_all(package);
    size_t off = 0, size = 0;
    CHECK(find_entry(g_bytes_get_data(b, NULL), g_bytes_get_size(b), YF_EVIDENCE_MANIFEST, &off, &size));
    GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
    gsize n = 32;
    g_checksum_update(c, (const guint8 *)g_bytes_get_data(b, NULL) + off, size);
    g_checksum_get_digest(c, msha, &n);
    g_checksum_free(c);
    g_bytes_unref(b);
    yf_evidence_hex(msha, hex);
    char *want = g_strdup_printf("evidence intact: 4 artifacts, manifest sha256 %s\n", hex);
    CHECK(g_str_has_prefix(out, want));
    g_free(want);
    g_free(out);
    char *v_bad[] = { "yuanfang", "verify", "--pubkey", pub, tampered, NULL };
    CHECK_EQ_INT(run_cli(v_bad, &out), 1);
    CHECK(strstr(out, "artifact_modified recordings/p1.webm: expected sha256 ") == out);
    CHECK(strstr(out, "evidence NOT intact: 1 finding\n") != NULL);
    g_free(out);
    char *v_other[] = { "yuanfang", "verify", package, "--pubkey", other_pub, NULL };
    CHECK_EQ_INT(run_cli(v_other, &out), 1);
    CHECK(strstr(out, "signature_invalid manifest.sig") != NULL && strstr(out, "no artifact was checked"));
    g_free(out);
    char *v_usage[] = { "yuanfang", "verify", package, NULL };
    CHECK_EQ_INT(run_cli(v_usage, &out), 2);
    g_free(out);
    char *v_nokey[] = { "yuanfang", "verify", package, "--pubkey", "/nonexistent.pem", NULL };
    CHECK_EQ_INT(run_cli(v_nokey, &out), 1);
    g_free(out);
    char *other_cmd[] = { "yuanfang", "token", NULL };
    CHECK_EQ_INT(yf_evidence_cli_main(2, other_cmd), -1);
    /* pubkey prints the reviewer's file. */
    char *pk[] = { "yuanfang", "evidence", "pubkey", "--data-dir", key_dir, NULL };
    CHECK_EQ_INT(run_cli(pk, &out), 0);
    GBytes *pb = read_all(pub);
    CHECK(strlen(out) == g_bytes_get_size(pb) && memcmp(out, g_bytes_get_data(pb, NULL), strlen(out)) == 0);
    g_bytes_unref(pb);
    g_free(out);
    /* The low-level build, then verify it. */
    char *built = path_in("cli-built.tar"), *fa = g_strdup_printf("capture:%s", disk[0]);
    char *fb = g_strdup_printf("notes:%s", disk[3]);
    char *bd[] = { "yuanfang", "evidence", "build", "--data-dir", key_dir, "--out", built,
                   "--case-no", "2025-17", "--hearing-id", "3", "--participant", "张三:petitioner",
                   "--file", fa, "--file", fb, NULL };
    CHECK_EQ_INT(run_cli(bd, &out), 0);
    g_free(out);
    char *v_built[] = { "yuanfang", "verify", built, "--pubkey", pub, NULL };
    CHECK_EQ_INT(run_cli(v_built, &out), 0);
    CHECK(strstr(out, "evidence intact: 2 artifacts") == out);
    g_free(out);
    char *bd_bad[] = { "yuanfang", "evidence", "build", "--data-dir", key_dir, "--out", built,
                       "--case-no", "x", "--hearing-id", "3", "--file", "nokind", NULL };
    CHECK_EQ_INT(run_cli(bd_bad, &out), 2);
    g_free(out);
    g_free(built);
    g_free(fa);
    g_free(fb);
    g_free(tampered);
}

/* With a case store in the data directory: the manifest carries its audit head
 * and the export is written to the audit log. */
static void test_cli_with_store(void)
{
    char *dir = path_in("withstore"), *dbp = NULL, *out = NULL;
    char *pkg = path_in("withstore.tar"), *fa = g_strdup_printf("composite:%s", disk[1]);
    GError *err = NULL;
    yf_audit_report ar = { 0 };
    g_mkdir(dir, 0700);
    dbp = yf_store_path_in(dir);
    yf_store *st = yf_store_open(dbp, YF_STORE_OPEN_DEFAULT, &err);
    CHECK(st && yf_store_audit_record(st, yf_actor_system(), CREATED_MS, "test.one", "x", "", &err));
    CHECK(yf_store_audit_record(st, yf_actor_system(), CREATED_MS, "test.two", "x", "", &err));
    CHECK(yf_store_audit_verify(st, &ar, &err) && ar.ok);
    yf_store_close(st);
    char *bd[] = { "yuanfang", "evidence", "build", "--data-dir", dir, "--out", pkg,
                   "--case-no", "2025-18", "--hearing-id", "4", "--file", fa, NULL };
    CHECK_EQ_INT(run_cli(bd, &out), 0);
    g_free(out);
    char *kp = g_build_filename(dir, YF_EVIDENCE_PUBKEY_FILE, NULL);
    yf_evidence_report r;
    verify(pkg, kp, &r);
    CHECK(r.intact && r.manifest.has_audit && r.manifest.audit_count == ar.count &&
          memcmp(r.manifest.audit_head, ar.head, 32) == 0);
    yf_evidence_report_clear(&r);
    yf_audit_report after = { 0 };
    st = yf_store_open(dbp, YF_STORE_OPEN_DEFAULT, &err);
    CHECK(st && yf_store_audit_verify(st, &after, &err) && after.ok && after.count == ar.count + 1);
    yf_store_close(st);
    g_clear_error(&err);
    yf_audit_report_clear(&ar);
    yf_audit_report_clear(&after);
    g_free(kp);
    g_free(dbp);
    g_free(dir);
    g_free(pkg);
    g_free(fa);
}

static int spawn(const char *dir, char **argv, char **out)
{
    int status = -1;
    GError *err = NULL;
    GSpawnFlags fl = G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL |
                     (out ? 0 : G_SPAWN_STDOUT_TO_DEV_NULL);
    if (!g_spawn_sync(dir, argv, NULL, fl, NULL, NULL, out, NULL, &status, &err)) {
        fprintf(stderr, "spawn %s: %s\n", argv[0], err->message);
        g_clear_error(&err);
        return -1;
    }
    return g_spawn_check_wait_status(status, NULL) ? 0 : 1;
}

/* The recipe of docs/evidence.md with stock tools only. */
static void test_stock_tools(void)
{
    const char *tools[] = { "openssl", "tar", "sha256sum" };
    for (size_t t = 0; t < G_N_ELEMENTS(tools); t++) {
        char *found = g_find_program_in_path(tools[t]);
        g_free(found);
        if (found == NULL) {
            printf("%s missing; the stock-tools recipe is not tested\n", tools[t]);
            return;
        }
    }
    char *dir = path_in("stock"), *out = NULL;
    g_mkdir(dir, 0700);
    char *tar[] = { "tar", "-xf", package, "-C", dir, NULL };
    CHECK_EQ_INT(spawn(NULL, tar, NULL), 0);
    char *ver[] = { "openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in",
                    "manifest.json", "-sigfile", "manifest.sig", NULL };
    CHECK_EQ_INT(spawn(dir, ver, &out), 0);
    CHECK(out && strstr(out, "Signature Verified Successfully"));
    g_free(out);
    /* The checklist a reviewer makes with jq or python from the manifest. */
    char *mpath = g_build_filename(dir, "manifest.json", NULL);
    json_t *m = json_load_file(mpath, 0, NULL);
    GString *sums = g_string_new(NULL);
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(m, "artifacts"), i, a)
        g_string_append_printf(sums, "%s  %s\n", json_string_value(json_object_get(a, "sha256")),
                               json_string_value(json_object_get(a, "path")));
    char *sums_path = g_build_filename(root, "SHA256SUMS", NULL);
    write_file(sums_path, sums->str, sums->len);
    char *chk[] = { "sha256sum", "-c", "--strict", "--quiet", sums_path, NULL };
    CHECK_EQ_INT(spawn(dir, chk, NULL), 0);
    /* The key id. */
    char *der[] = { "openssl", "pkey", "-pubin", "-in", pub, "-outform", "DER", NULL };
    GError *err = NULL;
    gchar *derbuf = NULL;
    gint st = 0;
    CHECK(g_spawn_sync(NULL, der, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &derbuf, NULL, &st, &err));
    guint8 id[32], got[32];
    gsize n = 32;
    GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(c, (const guint8 *)derbuf, 44);   /* Ed25519 SPKI DER is 44 bytes */
    g_checksum_get_digest(c, got, &n);
    g_checksum_free(c);
    EVP_PKEY *k = yf_evidence_pubkey_load(pub, NULL);
    CHECK(k && yf_evidence_key_id(k, id) && memcmp(id, got, 32) == 0);
    EVP_PKEY_free(k);
    g_free(derbuf);
    /* Both tools notice a change. */
    char *webm = g_build_filename(dir, arch[1], NULL);
    write_file(webm, "changed", 7);
    CHECK_EQ_INT(spawn(dir, chk, NULL), 1);
    char *text = NULL;
    CHECK(g_file_get_contents(mpath, &text, NULL, NULL));
    text[2] = 'A';
    write_file(mpath, text, strlen(text));
    CHECK_EQ_INT(spawn(dir, ver, NULL), 1);
    json_decref(m);
    g_string_free(sums, TRUE);
    g_free(text);
    g_free(mpath);
    g_free(webm);
    g_free(sums_path);
    g_free(dir);
}

int main(void)
{
    GError *err = NULL;
    yf_evidence_file files[4];
    root = g_dir_make_tmp("yf-evidence-XXXXXX", NULL);
    key_dir = path_in("data");
    other_dir = path_in("other");
    pub = g_build_filename(key_dir, YF_EVIDENCE_PUBKEY_FILE, NULL);
    other_pub = g_build_filename(other_dir, YF_EVIDENCE_PUBKEY_FILE, NULL);
    package = path_in("hearing-12.tar");
    make_artifacts();
    yf_evidence_input in = input(files);
    CHECK(yf_evidence_build(&in, key_dir, package, &err));
    if (err)
        fprintf(stderr, "build: %s\n", err->message);
    g_clear_error(&err);
    test_key();
    test_intact();
    test_artifact_byte();
    test_signature_and_manifest_byte();
    test_missing_extra_duplicate();
    test_other_key();
    test_hostile_paths();
    test_broken_archives();
    test_build_refuses();
    test_cli();
    test_cli_with_store();
    test_stock_tools();
    for (int i = 0; i < 4; i++)
        g_free(disk[i]);
    yf_test_rm_rf(root);
    g_free(root);
    g_free(key_dir);
    g_free(other_dir);
    g_free(pub);
    g_free(other_pub);
    g_free(package);
    return yf_test_done("test_evidence");
}
