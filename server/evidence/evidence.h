/* evidence.h -- the evidence package of one hearing (docs/evidence.md,
 * docs/recording.md): the server's long-term Ed25519 signing
 * key, a canonical JSON manifest (every artifact's SHA-256 and size, the notes'
 * hash, the audit chain head) signed with it, one tar archive holding both and
 * the artifacts, and the offline verifier that needs only the public key.
 * Knows nothing of the case store; callers pass plain values. Any thread; no
 * shared state (each call opens and closes its own files). Library
 * yf_evidence (server/evidence): no other yuanfang library; OpenSSL,
 * libarchive and jansson. Used by the recorder and the command line. */
#ifndef YF_EVIDENCE_H
#define YF_EVIDENCE_H

#include <glib.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#define YF_EVIDENCE_ERROR (yf_evidence_error_quark())
GQuark yf_evidence_error_quark(void);

typedef enum {
    YF_EVIDENCE_ERROR_IO,      /* a file could not be read or written */
    YF_EVIDENCE_ERROR_KEY,     /* no usable key: unreadable, not Ed25519, mismatched pair */
    YF_EVIDENCE_ERROR_INVALID, /* bad input to build; a manifest that does not parse */
    YF_EVIDENCE_ERROR_CHANGED, /* an artifact changed while it was being packed */
} yf_evidence_error;

#define YF_EVIDENCE_FORMAT "yuanfang-evidence/1"
#define YF_EVIDENCE_MANIFEST "manifest.json"
#define YF_EVIDENCE_SIGNATURE "manifest.sig"
#define YF_EVIDENCE_PUBKEY "signing-key.pub.pem"
#define YF_EVIDENCE_KEY_FILE "signing-key.pem"           /* in the key directory */
#define YF_EVIDENCE_PUBKEY_FILE "signing-key.pub.pem"    /* in the key directory */

/* Limits on what the verifier reads (all untrusted). */
#define YF_EVIDENCE_MANIFEST_MAX (1u << 20)  /* bytes of manifest.json */
#define YF_EVIDENCE_PUBKEY_MAX (16u << 10)   /* bytes of a public key PEM */
#define YF_EVIDENCE_PATH_MAX 255             /* bytes of an archive path */
#define YF_EVIDENCE_ARTIFACTS_MAX 4096       /* artifacts in one manifest */
#define YF_EVIDENCE_ENTRIES_MAX (YF_EVIDENCE_ARTIFACTS_MAX + 16) /* archive entries */
#define YF_EVIDENCE_SIG_LEN 64               /* raw Ed25519 signature */

/* ---- the signing key ------------------------------------------------------ */

/* Loads KEY_DIR/signing-key.pem, creating the key on first use (KEY_DIR made
 * 0700 if absent; the private key written 0600 to a temporary file, fsync'd and
 * linked into place without replacing one a concurrent caller made first), and
 * makes sure KEY_DIR/signing-key.pub.pem (0644) holds its public half. A public
 * file that names another key is an error (KEY): someone replaced one of them.
 * Returns a new reference (EVP_PKEY_free) or NULL with *err set. */
EVP_PKEY *yf_evidence_key_load(const char *key_dir, GError **err);

/* Reads an Ed25519 public key from a PEM file of at most YF_EVIDENCE_PUBKEY_MAX
 * bytes. NULL with *err set (IO, KEY). */
EVP_PKEY *yf_evidence_pubkey_load(const char *pem_path, GError **err);

/* The key id: SHA-256 of the public key's DER SubjectPublicKeyInfo, i.e. what
 * `openssl pkey -pubin -outform DER | sha256sum` prints. FALSE on OpenSSL failure. */
gboolean yf_evidence_key_id(EVP_PKEY *key, guint8 out[32]);

/* The public key as PEM text (g_free), NULL on OpenSSL failure. */
char *yf_evidence_pubkey_pem(EVP_PKEY *key);

/* Ed25519 over msg. sign: key must hold the private half. verify: TRUE only for
 * a valid 64-byte signature. */
gboolean yf_evidence_sign(EVP_PKEY *key, const void *msg, size_t len,
                          guint8 sig[YF_EVIDENCE_SIG_LEN]);
gboolean yf_evidence_sig_check(EVP_PKEY *pub, const void *msg, size_t len,
                               const guint8 *sig, size_t sig_len);

/* ---- the manifest ---------------------------------------------------------- */

typedef struct {
    const char *name;
    const char *role;
} yf_evidence_participant;

/* One artifact file: read from disk_path, stored under archive_path (see
 * yf_evidence_path_valid), kind e.g. "capture", "participant-webm",
 * "composite", "notes" (lower-case letters, digits and '-'). At most one "notes". */
typedef struct {
    const char *disk_path;
    const char *archive_path;
    const char *kind;
} yf_evidence_file;

/* What the manifest says; borrowed for the call. Times are Unix ms; 0 = unknown
 * (written as null). Optional strings may be NULL (written as null). */
typedef struct {
    const char *case_no;            /* required */
    const char *case_type;          /* code, e.g. "appeal" */
    int64_t hearing_id;             /* required, > 0 */
    const char *hearing_kind;       /* code, e.g. "reception" */
    const char *room;
    int64_t started_ms, ended_ms;
    const yf_evidence_participant *participants;
    size_t n_participants;
    const yf_evidence_file *files;
    size_t n_files;
    gboolean has_audit;             /* FALSE: "audit_head": null */
    int64_t audit_count;
    guint8 audit_head[32];
    int64_t created_ms;             /* required: the caller's clock */
} yf_evidence_input;

/* An artifact as the manifest lists it. */
typedef struct {
    char *path;
    char *kind;
    guint8 sha256[32];
    int64_t size;
} yf_evidence_artifact;

/* A parsed manifest. Invariants after a successful parse: format is
 * YF_EVIDENCE_FORMAT; every path is valid, unique and not a reserved name;
 * n_artifacts <= YF_EVIDENCE_ARTIFACTS_MAX; notes_sha256 equals the sha256 of
 * the one "notes" artifact when has_notes. */
typedef struct {
    char *case_no;
    int64_t hearing_id;
    char *created_at;
    yf_evidence_artifact *artifacts;
    size_t n_artifacts;
    gboolean has_notes;
    guint8 notes_sha256[32];
    gboolean has_audit;
    int64_t audit_count;
    guint8 audit_head[32];
    guint8 key_id[32];
} yf_evidence_manifest;
void yf_evidence_manifest_clear(yf_evidence_manifest *m);

/* TRUE when p is a path the package may hold: 1..YF_EVIDENCE_PATH_MAX bytes of
 * [A-Za-z0-9._-] in '/'-separated components, none empty, "." or "..", not
 * starting with '/'. */
gboolean yf_evidence_path_valid(const char *p);

/* Parses untrusted manifest bytes (at most YF_EVIDENCE_MANIFEST_MAX) into *out
 * (cleared first; yf_evidence_manifest_clear after). FALSE with *err (INVALID)
 * naming the first problem; *out is then empty. Does not check the signature. */
gboolean yf_evidence_manifest_parse(const char *buf, size_t len, yf_evidence_manifest *out,
                                    GError **err);

/* TRUE when in can be packed: case number, hearing id and creation time set;
 * archive paths valid, unique and not reserved; kinds valid; at most one notes
 * artifact. FALSE with *err (INVALID) naming the first problem. */
gboolean yf_evidence_input_check(const yf_evidence_input *in, GError **err);

/* The canonical manifest bytes for in and the given artifact hashes and sizes
 * (arrays parallel to in->files), key_id of the signing key. g_free; NULL with
 * *err (INVALID) when in is not acceptable. Used by yf_evidence_build. */
char *yf_evidence_manifest_build(const yf_evidence_input *in, const guint8 (*sha256)[32],
                                 const int64_t *sizes, const guint8 key_id[32], GError **err);

/* ---- the archive -------------------------------------------------------------- */

/* Writes the package of in to out_path: a POSIX tar (pax) holding the artifacts
 * at their archive paths, then manifest.json, manifest.sig and
 * signing-key.pub.pem, signed with the key of key_dir (created on first use).
 * Each artifact is read once, hashed while copied. Written to a temporary file
 * beside out_path, fsync'd and renamed; on failure nothing is left at out_path
 * (an older file there stays). FALSE with *err. Blocking file IO: not on the
 * control loop for large recordings. */
gboolean yf_evidence_build(const yf_evidence_input *in, const char *key_dir,
                           const char *out_path, GError **err);

typedef enum {
    YF_EVIDENCE_SIGNATURE_INVALID,  /* manifest.sig absent, malformed or not by the key given */
    YF_EVIDENCE_MANIFEST_UNREADABLE,/* manifest.json absent, too large or not a valid manifest */
    YF_EVIDENCE_ARTIFACT_MISSING,   /* listed in the manifest, absent from the archive */
    YF_EVIDENCE_ARTIFACT_MODIFIED,  /* present, but sha256 or size differ */
    YF_EVIDENCE_UNEXPECTED_FILE,    /* in the archive, not in the manifest */
    YF_EVIDENCE_KEY_MISMATCH,       /* manifest key id or embedded key is not the key given */
    YF_EVIDENCE_UNSAFE_ENTRY,       /* "..", absolute or malformed path; link, device, directory */
    YF_EVIDENCE_DUPLICATE_ENTRY,    /* the same path twice */
    YF_EVIDENCE_ARCHIVE_UNREADABLE, /* not a tar, truncated, too many entries */
    YF_EVIDENCE_CODE_COUNT_
} yf_evidence_code;

/* "signature_invalid", ...; the stable names of docs/evidence.md. */
const char *yf_evidence_code_name(yf_evidence_code c);

typedef struct {
    yf_evidence_code code;
    char *path;                /* archive path concerned (untrusted bytes, escaped), or NULL */
    char *detail;              /* one line of explanation */
    gboolean has_hashes;       /* ARTIFACT_MODIFIED: the four fields below */
    guint8 expected_sha256[32], actual_sha256[32];
    int64_t expected_size, actual_size;
} yf_evidence_finding;

/* Invariant: intact == (signature_valid && n_findings == 0). Manifest fields
 * (case_no, hearing_id, n_artifacts, audit) are trustworthy only when
 * signature_valid; artifacts are compared only then. */
typedef struct {
    gboolean intact;
    gboolean signature_valid;
    gboolean have_manifest;
    guint8 manifest_sha256[32];
    yf_evidence_manifest manifest;
    yf_evidence_finding *findings;
    size_t n_findings;
} yf_evidence_report;
void yf_evidence_report_clear(yf_evidence_report *r);

/* Checks the package at archive with the reviewer's public key (PEM file) and
 * nothing else: reads the archive once, streaming each entry through SHA-256,
 * writes nothing to disk. Findings go to *out (cleared first; clear it after).
 * FALSE with *err only when the check cannot run: the public key or the archive
 * file cannot be opened. A damaged or hostile archive is TRUE with findings. */
gboolean yf_evidence_verify(const char *archive, const char *pubkey_pem_path,
                            yf_evidence_report *out, GError **err);

/* Lower-case hex of 32 bytes into out[65]. */
void yf_evidence_hex(const guint8 in[32], char out[65]);

#endif
