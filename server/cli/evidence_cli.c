/* evidence_cli.c -- the evidence subcommands (docs/evidence.md):
 *   yuanfang verify ARCHIVE --pubkey FILE      offline check, exit 0 intact / 1 not
 *   yuanfang evidence pubkey --data-dir D      print the signing key's public half
 *   yuanfang evidence build --data-dir D --out FILE --case-no N --hearing-id H
 *                           --file KIND:PATH ...   the low-level packer
 * Options and --help through subcommand.c. stdout carries results, stderr
 * errors; untrusted paths are printed escaped. */
#define G_LOG_DOMAIN "yf-evidence"
#include "evidence_cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "server/evidence/evidence.h"
#include "server/store/store.h"

static void print_finding(const yf_evidence_finding *f)
{
    printf("%s %s: %s\n", yf_evidence_code_name(f->code), f->path ? f->path : "(archive)",
           f->detail);
}

static int print_report(const yf_evidence_report *r)
{
    char hex[65], key[65], head[65];
    for (size_t i = 0; i < r->n_findings; i++)
        print_finding(&r->findings[i]);
    if (!r->intact) {
        printf("evidence NOT intact: %zu finding%s%s\n", r->n_findings,
               r->n_findings == 1 ? "" : "s",
               r->signature_valid ? ""
                                  : "; the signature does not hold, so no artifact was checked");
        return 1;
    }
    const yf_evidence_manifest *m = &r->manifest;
    yf_evidence_hex(r->manifest_sha256, hex);
    yf_evidence_hex(m->key_id, key);
    printf("evidence intact: %zu artifacts, manifest sha256 %s\n", m->n_artifacts, hex);
    if (m->has_audit)
        yf_evidence_hex(m->audit_head, head);
    char *audit = m->has_audit ? g_strdup_printf("%" G_GINT64_FORMAT " entries, head %s",
                                                 (gint64)m->audit_count, head)
                               : g_strdup("none recorded");
    printf("case %s, hearing %" G_GINT64_FORMAT ", created %s, signing key %s, audit chain %s\n",
           m->case_no, (gint64)m->hearing_id, m->created_at, key, audit);
    g_free(audit);
    return 0;
}

static int cmd_verify(const yf_subcommand *self, int argc, char **argv)
{
    char *pubkey = NULL, **rest = NULL;
    int rc = 2;
    yf_evidence_report r = { 0 };
    GError *err = NULL;
    const GOptionEntry entries[] = {
        {"pubkey", 0, 0, G_OPTION_ARG_FILENAME, &pubkey,
         "the signing key's public half, as `yuanfang evidence pubkey` printed it (required)", "FILE"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!yf_subcommand_parse(self, entries, argc, argv, &rest, &rc))
        goto out;
    if (!rest[0] || rest[1] || pubkey == NULL) {
        rc = yf_subcommand_usage_error(self, entries, "one ARCHIVE and --pubkey are required");
        goto out;
    }
    if (!yf_evidence_verify(rest[0], pubkey, &r, &err)) {
        fprintf(stderr, "yuanfang verify: %s\n", err->message);
        rc = 1;
        goto out;
    }
    rc = print_report(&r);
out:
    g_clear_error(&err);
    yf_evidence_report_clear(&r);
    g_free(rest);
    g_free(pubkey);
    return rc;
}

static int cmd_pubkey(const yf_subcommand *self, int argc, char **argv)
{
    char *dir = NULL, *pem = NULL;
    int rc = 2;
    guint8 id[32];
    char hex[65];
    GError *err = NULL;
    EVP_PKEY *key = NULL;
    const GOptionEntry entries[] = {
        {"data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &dir, "data directory of the key (required)", "DIR"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!yf_subcommand_parse(self, entries, argc, argv, NULL, &rc))
        goto out;
    if (dir == NULL) {
        rc = yf_subcommand_usage_error(self, entries, "--data-dir is required");
        goto out;
    }
    rc = 1;
    if ((key = yf_evidence_key_load(dir, &err)) == NULL) {
        fprintf(stderr, "yuanfang evidence: %s\n", err->message);
        goto out;
    }
    if ((pem = yf_evidence_pubkey_pem(key)) == NULL || !yf_evidence_key_id(key, id))
        goto out;
    yf_evidence_hex(id, hex);
    fputs(pem, stdout);
    fprintf(stderr, "key id (sha256 of the DER public key): %s\n", hex);
    rc = 0;
out:
    g_clear_error(&err);
    EVP_PKEY_free(key);
    g_free(pem);
    g_free(dir);
    return rc;
}

/* Options of `evidence build`, as GOption fills them. Strings are taken as
 * FILENAME arguments, i.e. bytes as given, not converted from the locale's
 * charset (a C locale would refuse 张三); the manifest builder insists on UTF-8. */
typedef struct {
    char *dir, *out, *case_no, *case_type, *kind, *room;
    gint64 hearing_id, started_ms, ended_ms;
    char **participants, **files;
} build_opts;

static void build_opts_clear(build_opts *o)
{
    g_free(o->dir);
    g_free(o->out);
    g_free(o->case_no);
    g_free(o->case_type);
    g_free(o->kind);
    g_free(o->room);
    g_strfreev(o->participants);
    g_strfreev(o->files);
}

/* "KIND:PATH" -> a file stored as notes/<base> (kind notes) or recordings/<base>;
 * the strings go to keep (freed with it). FALSE when malformed. */
static gboolean file_arg(const char *arg, yf_evidence_file *f, GPtrArray *keep)
{
    const char *colon = strchr(arg, ':');
    if (colon == NULL || colon == arg || colon[1] == '\0')
        return FALSE;
    char *kind = g_strndup(arg, (gsize)(colon - arg)), *base = g_path_get_basename(colon + 1);
    f->kind = kind;
    f->disk_path = colon + 1;
    f->archive_path = g_strdup_printf("%s/%s", strcmp(kind, "notes") == 0 ? "notes" : "recordings",
                                      base);
    g_ptr_array_add(keep, kind);
    g_ptr_array_add(keep, (char *)f->archive_path);
    g_free(base);
    return TRUE;
}

/* "NAME:ROLE" (split at the last ':'). */
static gboolean participant_arg(const char *arg, yf_evidence_participant *p, GPtrArray *keep)
{
    const char *colon = strrchr(arg, ':');
    if (colon == NULL || colon == arg || colon[1] == '\0')
        return FALSE;
    p->name = g_strndup(arg, (gsize)(colon - arg));
    p->role = colon + 1;
    g_ptr_array_add(keep, (char *)p->name);
    return TRUE;
}

/* The audit head from DATA_DIR/yuanfang.db when there is one; FALSE when the
 * chain is broken or unreadable (nothing is signed then). */
static gboolean audit_head(const char *dir, yf_evidence_input *in, yf_store **st_out)
{
    char *path = yf_store_path_in(dir);
    yf_audit_report ar = { 0 };
    GError *err = NULL;
    gboolean ok = TRUE;
    yf_store *st = NULL;
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        fprintf(stderr, "yuanfang evidence: no case store at %s; the manifest records no audit "
                        "head\n", path);
    } else if ((st = yf_store_open(path, YF_STORE_OPEN_DEFAULT, &err)) == NULL ||
               !yf_store_audit_verify(st, &ar, &err)) {
        fprintf(stderr, "yuanfang evidence: %s\n", err->message);
        ok = FALSE;
    } else if (!ar.ok) {
        fprintf(stderr, "yuanfang evidence: audit chain broken at entry %" G_GINT64_FORMAT
                        " (%s); refusing to sign\n", (gint64)ar.broken_id, ar.reason);
        ok = FALSE;
    } else {
        in->has_audit = TRUE;
        in->audit_count = ar.count;
        memcpy(in->audit_head, ar.head, 32);
    }
    if (!ok) {
        yf_store_close(st);
        st = NULL;
    }
    *st_out = st;
    yf_audit_report_clear(&ar);
    g_clear_error(&err);
    g_free(path);
    return ok;
}

/* Fills in from o; FALSE (usage) on a malformed --file or --participant. */
static gboolean build_input(const build_opts *o, yf_evidence_input *in, GPtrArray *keep)
{
    guint nf = o->files ? g_strv_length(o->files) : 0;
    guint np = o->participants ? g_strv_length(o->participants) : 0;
    yf_evidence_file *files = g_new0(yf_evidence_file, nf + 1);
    yf_evidence_participant *parts = g_new0(yf_evidence_participant, np + 1);
    g_ptr_array_add(keep, files);
    g_ptr_array_add(keep, parts);
    *in = (yf_evidence_input){ .case_no = o->case_no, .case_type = o->case_type,
                               .hearing_id = o->hearing_id, .hearing_kind = o->kind,
                               .room = o->room, .started_ms = o->started_ms,
                               .ended_ms = o->ended_ms, .participants = parts,
                               .n_participants = np, .files = files, .n_files = nf,
                               .created_ms = g_get_real_time() / 1000 };
    for (guint i = 0; i < nf; i++)
        if (!file_arg(o->files[i], &files[i], keep)) {
            fprintf(stderr, "yuanfang evidence: --file wants KIND:PATH, not '%s'\n", o->files[i]);
            return FALSE;
        }
    for (guint i = 0; i < np; i++)
        if (!participant_arg(o->participants[i], &parts[i], keep)) {
            fprintf(stderr, "yuanfang evidence: --participant wants NAME:ROLE, not '%s'\n",
                    o->participants[i]);
            return FALSE;
        }
    return TRUE;
}

static int cmd_build(const yf_subcommand *self, int argc, char **argv)
{
    build_opts o = { .kind = NULL };
    yf_evidence_input in;
    GPtrArray *keep = g_ptr_array_new_with_free_func(g_free);
    GError *err = NULL;
    yf_store *st = NULL;
    int rc = 2;
    const GOptionEntry entries[] = {
        {"data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &o.dir, "key and case store (required)", "DIR"},
        {"out", 'o', 0, G_OPTION_ARG_FILENAME, &o.out, "package to write (required)", "FILE"},
        {"case-no", 0, 0, G_OPTION_ARG_FILENAME, &o.case_no, "case number (required)", "N"},
        {"case-type", 0, 0, G_OPTION_ARG_FILENAME, &o.case_type, "case type code", "T"},
        {"hearing-id", 0, 0, G_OPTION_ARG_INT64, &o.hearing_id, "hearing id (required)", "H"},
        {"hearing-kind", 0, 0, G_OPTION_ARG_FILENAME, &o.kind, "hearing kind code", "K"},
        {"room", 0, 0, G_OPTION_ARG_FILENAME, &o.room, "room name", "R"},
        {"started-ms", 0, 0, G_OPTION_ARG_INT64, &o.started_ms, "start, Unix ms", "MS"},
        {"ended-ms", 0, 0, G_OPTION_ARG_INT64, &o.ended_ms, "end, Unix ms", "MS"},
        {"participant", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.participants, "a participant (repeatable)",
         "NAME:ROLE"},
        {"file", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.files, "a file to pack (repeatable; one required)",
         "KIND:PATH"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!yf_subcommand_parse(self, entries, argc, argv, NULL, &rc))
        goto out;
    if (!o.dir || !o.out || !o.case_no || o.hearing_id <= 0 || !o.files) {
        rc = yf_subcommand_usage_error(self, entries, "--data-dir, --out, --case-no, --hearing-id and a --file are "
                                       "required");
        goto out;
    }
    if (!build_input(&o, &in, keep)) {
        rc = yf_subcommand_usage_error(self, entries, "a --file or --participant is malformed");
        goto out;
    }
    rc = 1;
    if (!audit_head(o.dir, &in, &st))
        goto out;
    if (!yf_evidence_build(&in, o.dir, o.out, &err)) {
        fprintf(stderr, "yuanfang evidence: %s\n", err->message);
        goto out;
    }
    char *object = g_strdup_printf("hearing:%" G_GINT64_FORMAT, (gint64)o.hearing_id);
    if (st && !yf_store_audit_record(st, yf_actor_system(), g_get_real_time() / 1000,
                                     "evidence.export", object, o.out, &err))
        fprintf(stderr, "yuanfang evidence: package written, audit entry failed: %s\n",
                err->message);
    else
        rc = 0;
    g_free(object);
    printf("wrote %s: %zu artifacts, signed\n", o.out, in.n_files);
out:
    g_clear_error(&err);
    yf_store_close(st);
    g_ptr_array_free(keep, TRUE);
    build_opts_clear(&o);
    return rc;
}

const yf_subcommand yf_evidence_cli_commands[] = {
    {"verify", NULL, "ARCHIVE", "check an evidence archive offline",
     "Exit 0: intact; 1: not intact (each finding on stdout) or unreadable.", cmd_verify},
    {"evidence", "pubkey", NULL, "print the evidence signing key's public half (PEM)",
     "The key id (SHA-256 of the DER public key) goes to stderr.", cmd_pubkey},
    {"evidence", "build", NULL, "pack and sign an evidence archive from files (the low-level packer)",
     "--file KIND:PATH packs PATH as notes/BASENAME when KIND is notes, else as recordings/BASENAME.\n"
     "The manifest records the audit head of DATA_DIR/yuanfang.db when there is one.", cmd_build},
    {NULL, NULL, NULL, NULL, NULL, NULL}};

int yf_evidence_cli_main(int argc, char **argv)
{
    return yf_subcommand_dispatch(yf_evidence_cli_commands, argc, argv);
}
