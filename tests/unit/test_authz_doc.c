/* test_authz_doc.c -- the authorization matrix of docs/api.md read as a test:
 * one row per action of authz.c's table, in the same order of roles, and each
 * cell the same decision ("yes…" is yes, "no" is no, "own…" or a list of
 * invitee roles is the object rule). A change to either side alone fails. */
#include <stdlib.h>

#include "server/api/authz.h"
#include "yf_test.h"

/* The matrix's role columns, in the order of yf_role and then the invitee. */
static const char *const columns[] = {"admin", "prosecutor", "clerk", "aid_staff", "viewer", "invitee"};

static const char *cell_kind(const char *text)
{
    if (g_str_has_prefix(text, "yes"))
        return "yes";
    if (strcmp(text, "no") == 0)
        return "no";
    if (g_str_has_prefix(text, "own") || strcmp(text, "petitioner, agent") == 0)
        return "own";
    return NULL;
}

static yf_authz_action action_of(const char *code)
{
    for (int a = 0; a < YF_ACT_COUNT_; a++)
        if (strcmp(yf_authz_action_code((yf_authz_action)a), code) == 0)
            return (yf_authz_action)a;
    return YF_ACT_COUNT_;
}

int main(void)
{
    const char *dir = g_getenv("YF_DOCS_DIR");
    char *path = g_build_filename(dir ? dir : "docs", "api.md", NULL), *doc = NULL;
    GError *err = NULL;
    if (!g_file_get_contents(path, &doc, NULL, &err)) {
        fprintf(stderr, "cannot read %s: %s\n", path, err->message);
        return 1;
    }
    g_free(path);

    G_STATIC_ASSERT(G_N_ELEMENTS(columns) == YF_AUTHZ_ROW_INVITEE + 1);
    gboolean seen[YF_ACT_COUNT_] = {0};
    gboolean header = FALSE;
    const char *section = strstr(doc, "\n## Authorization\n");
    CHECK(section != NULL);
    /* The section's lines, up to the next "## " heading. */
    char **lines = g_strsplit(section ? section + strlen("\n## Authorization\n") : "", "\n", -1);
    for (int i = 0; lines[i] && !g_str_has_prefix(lines[i], "## "); i++) {
        char **cells = g_strsplit(lines[i], "|", -1);
        guint n = g_strv_length(cells);
        for (guint k = 0; k < n; k++)
            g_strstrip(cells[k]);
        if (n == 10 && strcmp(cells[1], "action") == 0) {   /* "| action | admin | … | endpoints |" */
            header = TRUE;
            for (guint k = 0; k < G_N_ELEMENTS(columns); k++)
                CHECK(strcmp(cells[2 + k], columns[k]) == 0);
        } else if (n == 10 && cells[1][0] == '`') {
            char *code = g_strndup(cells[1] + 1, strlen(cells[1]) - 2);
            yf_authz_action a = action_of(code);
            if (a == YF_ACT_COUNT_)
                fprintf(stderr, "api.md: action %s is not in authz.c\n", code);
            CHECK(a != YF_ACT_COUNT_);
            for (guint k = 0; a != YF_ACT_COUNT_ && k < G_N_ELEMENTS(columns); k++) {
                const char *doc_kind = cell_kind(cells[2 + k]);
                const char *code_kind = yf_authz_cell((int)k, a);
                if (g_strcmp0(doc_kind, code_kind) != 0)
                    fprintf(stderr, "api.md: %s for %s says \"%s\", authz.c says %s\n", code, columns[k],
                            cells[2 + k], code_kind);
                CHECK(g_strcmp0(doc_kind, code_kind) == 0);
            }
            if (a != YF_ACT_COUNT_) {
                CHECK(!seen[a]);   /* one row per action */
                seen[a] = TRUE;
            }
            g_free(code);
        }
        g_strfreev(cells);
    }
    CHECK(header);
    for (int a = 0; a < YF_ACT_COUNT_; a++) {
        if (!seen[a])
            fprintf(stderr, "api.md: no row for %s\n", yf_authz_action_code((yf_authz_action)a));
        CHECK(seen[a]);
    }
    g_strfreev(lines);
    g_free(doc);
    return yf_test_done("test_authz_doc");
}
