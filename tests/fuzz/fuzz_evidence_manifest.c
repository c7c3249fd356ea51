/* fuzz_evidence_manifest.c -- libFuzzer target for the evidence manifest parser
 * (server/evidence/evidence_manifest.c): untrusted bytes from a package. An accepted
 * manifest must keep the parser's invariants (valid unique paths, the limits);
 * no input may crash, leak or read past the buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/evidence/evidence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    yf_evidence_manifest m;
    GError *err = NULL;
    if (yf_evidence_manifest_parse((const char *)data, size, &m, &err)) {
        if (m.n_artifacts > YF_EVIDENCE_ARTIFACTS_MAX || m.case_no == NULL || m.created_at == NULL)
            abort();
        for (size_t i = 0; i < m.n_artifacts; i++) {
            if (!yf_evidence_path_valid(m.artifacts[i].path) || m.artifacts[i].size < 0)
                abort();
            for (size_t j = 0; j < i; j++)
                if (strcmp(m.artifacts[i].path, m.artifacts[j].path) == 0)
                    abort();
        }
        yf_evidence_manifest_clear(&m);
    } else if (err == NULL || m.artifacts != NULL || m.n_artifacts != 0) {
        abort();   /* a refusal says why and leaves nothing behind */
    }
    g_clear_error(&err);
    return 0;
}
