/* evidence.c -- what the evidence modules share: the error domain, the stable
 * names of the verifier's findings (docs/evidence.md lists them; tools parse
 * them, so a name never changes), the report's cleanup and hex output. */
#include "evidence.h"

#include <string.h>

G_DEFINE_QUARK(yf-evidence-error-quark, yf_evidence_error)

static const char *const code_names[YF_EVIDENCE_CODE_COUNT_] = {
    [YF_EVIDENCE_SIGNATURE_INVALID] = "signature_invalid",
    [YF_EVIDENCE_MANIFEST_UNREADABLE] = "manifest_unreadable",
    [YF_EVIDENCE_ARTIFACT_MISSING] = "artifact_missing",
    [YF_EVIDENCE_ARTIFACT_MODIFIED] = "artifact_modified",
    [YF_EVIDENCE_UNEXPECTED_FILE] = "unexpected_file",
    [YF_EVIDENCE_KEY_MISMATCH] = "key_mismatch",
    [YF_EVIDENCE_UNSAFE_ENTRY] = "unsafe_entry",
    [YF_EVIDENCE_DUPLICATE_ENTRY] = "duplicate_entry",
    [YF_EVIDENCE_ARCHIVE_UNREADABLE] = "archive_unreadable",
};

const char *yf_evidence_code_name(yf_evidence_code c)
{
    return (unsigned)c < YF_EVIDENCE_CODE_COUNT_ ? code_names[c] : "unknown";
}

void yf_evidence_report_clear(yf_evidence_report *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_findings; i++) {
        g_free(r->findings[i].path);
        g_free(r->findings[i].detail);
    }
    g_free(r->findings);
    yf_evidence_manifest_clear(&r->manifest);
    memset(r, 0, sizeof *r);
}

void yf_evidence_hex(const guint8 in[32], char out[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[64] = '\0';
}
