/* evidence_verify.c -- the offline verifier: reads an evidence package (an
 * untrusted tar) once through libarchive, streaming every entry through
 * SHA-256, then checks the manifest's Ed25519 signature with the reviewer's
 * public key and compares each listed artifact. Never extracts, never writes a
 * file; limits: YF_EVIDENCE_ENTRIES_MAX entries, paths of YF_EVIDENCE_PATH_MAX,
 * a manifest of YF_EVIDENCE_MANIFEST_MAX. Artifacts are compared only against
 * a manifest whose signature holds. */
#define G_LOG_DOMAIN "yf-evidence"
#include "evidence.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#define READ_CHUNK (256u << 10)
#define SHOWN_PATH_MAX 300    /* bytes of an untrusted path quoted in a finding */

/* One regular entry as read. Reserved entries also keep their bytes (capped). */
typedef struct {
    char *path;
    guint8 sha256[32];
    int64_t size;
    GByteArray *data;     /* manifest.json, manifest.sig, signing-key.pub.pem only */
    gboolean too_big;     /* data exceeded its cap and was dropped */
    gboolean matched;     /* listed in the manifest */
} entry;

typedef struct {
    GPtrArray *entries;   /* of entry*, archive order */
    GHashTable *by_path;  /* path -> entry* (borrowed) */
    yf_evidence_report *r;
    unsigned char *buf;
} vctx;

static void entry_free(gpointer p)
{
    entry *e = p;
    g_free(e->path);
    if (e->data)
        g_byte_array_free(e->data, TRUE);
    g_free(e);
}

static yf_evidence_finding *add_finding(yf_evidence_report *r, yf_evidence_code code,
                                        const char *path, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static yf_evidence_finding *add_finding(yf_evidence_report *r, yf_evidence_code code,
                                        const char *path, const char *fmt, ...)
{
    va_list ap;
    r->findings = g_renew(yf_evidence_finding, r->findings, r->n_findings + 1);
    yf_evidence_finding *f = &r->findings[r->n_findings++];
    memset(f, 0, sizeof *f);
    f->code = code;
    f->path = g_strdup(path);
    va_start(ap, fmt);
    char *raw = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* Details can quote untrusted bytes (jansson's "near '...'", libarchive's
     * messages): valid UTF-8, no control characters, so a terminal is safe. */
    f->detail = g_utf8_make_valid(raw, -1);
    for (char *c = f->detail; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    g_free(raw);
    return f;
}

/* An untrusted path made printable and bounded (g_free). */
static char *shown_path(const char *p)
{
    if (p == NULL)
        return g_strdup("(no name)");
    char *cut = g_strndup(p, SHOWN_PATH_MAX);
    char *esc = g_strescape(cut, NULL);
    g_free(cut);
    return esc;
}

static size_t reserved_cap(const char *p)
{
    if (strcmp(p, YF_EVIDENCE_MANIFEST) == 0)
        return YF_EVIDENCE_MANIFEST_MAX;
    if (strcmp(p, YF_EVIDENCE_SIGNATURE) == 0)
        return 1024;   /* enough to tell "64 bytes" from "something else" */
    if (strcmp(p, YF_EVIDENCE_PUBKEY) == 0)
        return YF_EVIDENCE_PUBKEY_MAX;
    return 0;
}

/* Why entry ae may not be in a package, or NULL when it may. */
static const char *entry_unsafe(struct archive_entry *ae, const char *p)
{
    if (p == NULL || strlen(p) > YF_EVIDENCE_PATH_MAX)
        return "path missing or too long";
    if (p[0] == '/')
        return "absolute path refused";
    if (archive_entry_hardlink(ae) != NULL)
        return "hard link refused";
    if (archive_entry_filetype(ae) != AE_IFREG)
        return archive_entry_filetype(ae) == AE_IFLNK ? "symbolic link refused"
             : archive_entry_filetype(ae) == AE_IFDIR ? "directory entry refused"
             : "not a regular file";
    if (!yf_evidence_path_valid(p))
        return "path with \"..\", \".\", an empty component or a character outside "
               "[A-Za-z0-9._-/] refused";
    return NULL;
}

/* Reads the current entry's data into e (hash, size, capped bytes). FALSE when
 * the archive itself fails. */
static gboolean read_entry_data(vctx *v, struct archive *a, entry *e, size_t cap)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    gboolean ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    if (cap)
        e->data = g_byte_array_new();
    for (;;) {
        la_ssize_t n = ok ? archive_read_data(a, v->buf, READ_CHUNK) : -1;
        if (n <= 0) {
            ok = ok && n == 0;
            break;
        }
        EVP_DigestUpdate(md, v->buf, (size_t)n);
        e->size += n;
        if (e->data && !e->too_big && e->data->len + (size_t)n <= cap)
            g_byte_array_append(e->data, v->buf, (guint)n);
        else if (e->data)
            e->too_big = TRUE;
    }
    ok = ok && EVP_DigestFinal_ex(md, e->sha256, NULL) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

/* One header and its data. FALSE to stop reading (end or a broken archive). */
static gboolean read_one(vctx *v, struct archive *a, unsigned *count)
{
    struct archive_entry *ae = NULL;
    int rc = archive_read_next_header(a, &ae);
    if (rc == ARCHIVE_EOF)
        return FALSE;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
        add_finding(v->r, YF_EVIDENCE_ARCHIVE_UNREADABLE, NULL, "not a readable tar archive: %s",
                    archive_error_string(a) ? archive_error_string(a) : "unknown error");
        return FALSE;
    }
    if (++*count > YF_EVIDENCE_ENTRIES_MAX) {
        add_finding(v->r, YF_EVIDENCE_ARCHIVE_UNREADABLE, NULL,
                    "more than %u entries; reading stopped", YF_EVIDENCE_ENTRIES_MAX);
        return FALSE;
    }
    const char *p = archive_entry_pathname(ae), *why = entry_unsafe(ae, p);
    if (why != NULL) {   /* skipped unread: libarchive seeks past its data */
        char *shown = shown_path(p);
        add_finding(v->r, YF_EVIDENCE_UNSAFE_ENTRY, shown, "%s", why);
        g_free(shown);
        return TRUE;
    }
    if (g_hash_table_contains(v->by_path, p)) {
        add_finding(v->r, YF_EVIDENCE_DUPLICATE_ENTRY, p,
                    "the archive holds this path more than once");
        return TRUE;
    }
    entry *e = g_new0(entry, 1);
    e->path = g_strdup(p);
    g_ptr_array_add(v->entries, e);
    g_hash_table_insert(v->by_path, e->path, e);
    if (!read_entry_data(v, a, e, reserved_cap(p))) {
        add_finding(v->r, YF_EVIDENCE_ARCHIVE_UNREADABLE, p, "cannot read its data: %s",
                    archive_error_string(a) ? archive_error_string(a) : "unknown error");
        e->size = -1;   /* never matches a manifest entry */
        return FALSE;
    }
    return TRUE;
}

static void read_archive(vctx *v, int fd)
{
    struct archive *a = archive_read_new();
    unsigned count = 0;
    /* tar only (ustar, pax, GNU); no decompression filter, so no zip bombs. */
    if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
        archive_read_open_fd(a, fd, 64 << 10) != ARCHIVE_OK) {
        add_finding(v->r, YF_EVIDENCE_ARCHIVE_UNREADABLE, NULL, "not a tar archive: %s",
                    archive_error_string(a) ? archive_error_string(a) : "unknown error");
    } else {
        while (read_one(v, a, &count))
            ;
    }
    archive_read_free(a);
}

static entry *reserved(vctx *v, const char *name)
{
    return g_hash_table_lookup(v->by_path, name);
}

/* The manifest and its signature; sets signature_valid, have_manifest. */
static void check_signature(vctx *v, EVP_PKEY *pub)
{
    entry *m = reserved(v, YF_EVIDENCE_MANIFEST), *s = reserved(v, YF_EVIDENCE_SIGNATURE);
    yf_evidence_report *r = v->r;
    if (m == NULL)
        add_finding(r, YF_EVIDENCE_MANIFEST_UNREADABLE, YF_EVIDENCE_MANIFEST, "absent");
    else if (m->too_big)
        add_finding(r, YF_EVIDENCE_MANIFEST_UNREADABLE, YF_EVIDENCE_MANIFEST,
                    "larger than %u bytes", YF_EVIDENCE_MANIFEST_MAX);
    else
        r->have_manifest = TRUE, memcpy(r->manifest_sha256, m->sha256, 32);
    if (s == NULL || s->too_big || s->data->len != YF_EVIDENCE_SIG_LEN) {
        add_finding(r, YF_EVIDENCE_SIGNATURE_INVALID, YF_EVIDENCE_SIGNATURE,
                    s == NULL ? "absent" : "not a 64-byte Ed25519 signature");
        return;
    }
    if (!r->have_manifest)
        return;
    r->signature_valid = yf_evidence_sig_check(pub, m->data->data, m->data->len,
                                               s->data->data, s->data->len);
    if (!r->signature_valid)
        add_finding(r, YF_EVIDENCE_SIGNATURE_INVALID, YF_EVIDENCE_SIGNATURE,
                    "does not verify manifest.json with the public key given: the manifest "
                    "or the signature was changed, or another key signed it");
}

/* Key id named by the manifest, and the embedded public key, against the
 * reviewer's. Only explains; the signature decides. */
static void check_keys(vctx *v, EVP_PKEY *pub, const yf_evidence_manifest *m, gboolean parsed)
{
    guint8 want[32], got[32];
    char want_hex[65], got_hex[65];
    entry *k = reserved(v, YF_EVIDENCE_PUBKEY);
    if (!yf_evidence_key_id(pub, want))
        return;
    yf_evidence_hex(want, want_hex);
    if (parsed && memcmp(m->key_id, want, 32) != 0) {
        yf_evidence_hex(m->key_id, got_hex);
        add_finding(v->r, YF_EVIDENCE_KEY_MISMATCH, YF_EVIDENCE_MANIFEST,
                    "the manifest names signing key %s; the key given is %s", got_hex, want_hex);
    }
    if (k == NULL) {
        add_finding(v->r, YF_EVIDENCE_ARTIFACT_MISSING, YF_EVIDENCE_PUBKEY,
                    "the embedded copy of the public key is absent");
        return;
    }
    BIO *b = k->too_big ? NULL : BIO_new_mem_buf(k->data->data, (int)k->data->len);
    EVP_PKEY *emb = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (emb == NULL || !yf_evidence_key_id(emb, got)) {
        add_finding(v->r, YF_EVIDENCE_KEY_MISMATCH, YF_EVIDENCE_PUBKEY,
                    "the embedded public key cannot be read; the key given is %s", want_hex);
    } else if (memcmp(got, want, 32) != 0) {
        yf_evidence_hex(got, got_hex);
        add_finding(v->r, YF_EVIDENCE_KEY_MISMATCH, YF_EVIDENCE_PUBKEY,
                    "the embedded public key is %s; the key given is %s", got_hex, want_hex);
    }
    EVP_PKEY_free(emb);
}

static void compare_artifact(vctx *v, const yf_evidence_artifact *a)
{
    entry *e = g_hash_table_lookup(v->by_path, a->path);
    if (e == NULL) {
        add_finding(v->r, YF_EVIDENCE_ARTIFACT_MISSING, a->path,
                    "listed in the manifest (%s, %" G_GINT64_FORMAT " bytes), not in the archive",
                    a->kind, (gint64)a->size);
        return;
    }
    e->matched = TRUE;
    if (e->size == a->size && memcmp(e->sha256, a->sha256, 32) == 0)
        return;
    char want[65], got[65];
    yf_evidence_hex(a->sha256, want);
    yf_evidence_hex(e->sha256, got);
    yf_evidence_finding *f = add_finding(
        v->r, YF_EVIDENCE_ARTIFACT_MODIFIED, a->path,
        "expected sha256 %s (%" G_GINT64_FORMAT " bytes), found sha256 %s (%" G_GINT64_FORMAT
        " bytes)", want, (gint64)a->size, got, (gint64)e->size);
    f->has_hashes = TRUE;
    memcpy(f->expected_sha256, a->sha256, 32);
    memcpy(f->actual_sha256, e->sha256, 32);
    f->expected_size = a->size;
    f->actual_size = e->size;
}

/* Every listed artifact against the archive, then what the manifest does not list. */
static void check_artifacts(vctx *v, const yf_evidence_manifest *m)
{
    for (size_t i = 0; i < m->n_artifacts; i++)
        compare_artifact(v, &m->artifacts[i]);
    for (guint i = 0; i < v->entries->len; i++) {
        entry *e = g_ptr_array_index(v->entries, i);
        if (!e->matched && reserved_cap(e->path) == 0)
            add_finding(v->r, YF_EVIDENCE_UNEXPECTED_FILE, e->path,
                        "in the archive (%" G_GINT64_FORMAT " bytes), not in the manifest",
                        (gint64)e->size);
    }
}

static void check_manifest(vctx *v, EVP_PKEY *pub)
{
    yf_evidence_report *r = v->r;
    yf_evidence_manifest m = { 0 };
    GError *perr = NULL;
    entry *me = reserved(v, YF_EVIDENCE_MANIFEST);
    gboolean parsed = r->have_manifest &&
                      yf_evidence_manifest_parse((const char *)me->data->data, me->data->len, &m,
                                                 &perr);
    if (r->have_manifest && !parsed)
        add_finding(r, YF_EVIDENCE_MANIFEST_UNREADABLE, YF_EVIDENCE_MANIFEST, "%s",
                    perr->message);
    g_clear_error(&perr);
    check_keys(v, pub, &m, parsed);
    if (parsed && r->signature_valid) {
        check_artifacts(v, &m);
        r->manifest = m;   /* trusted: the signature holds */
    } else if (parsed) {
        yf_evidence_manifest_clear(&m);
    }
}

gboolean yf_evidence_verify(const char *archive, const char *pubkey_pem_path,
                            yf_evidence_report *out, GError **err)
{
    memset(out, 0, sizeof *out);
    EVP_PKEY *pub = yf_evidence_pubkey_load(pubkey_pem_path, err);
    if (pub == NULL)
        return FALSE;
    int fd = open(archive, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        g_set_error(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_IO, "cannot open %s: %s", archive,
                    g_strerror(errno));
        EVP_PKEY_free(pub);
        return FALSE;
    }
    vctx v = { g_ptr_array_new_with_free_func(entry_free),
               g_hash_table_new(g_str_hash, g_str_equal), out, g_malloc(READ_CHUNK) };
    read_archive(&v, fd);
    close(fd);
    check_signature(&v, pub);
    check_manifest(&v, pub);
    out->intact = out->signature_valid && out->n_findings == 0;
    g_hash_table_destroy(v.by_path);
    g_ptr_array_free(v.entries, TRUE);
    g_free(v.buf);
    EVP_PKEY_free(pub);
    return TRUE;
}
