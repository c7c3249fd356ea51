/* presence.c -- the 【系统】 lines that say someone left the room, dropped out
 * or came back. Each is an entry in the official notes, so a participant who
 * joins and leaves in a loop must not fill them: one line per participant per
 * YF_PRESENCE_QUIET_MS. What happens inside that window is folded into one
 * line written when it ends (or when capture stops, whichever is first), at
 * the moment of the latest change, saying how many changes it stands for. */
#define G_LOG_DOMAIN "yf-recorder"
#include "recorder_priv.h"

typedef struct {
    int64_t last_ms;     /* when this participant's last line was written */
    char *pending;       /* the latest change not yet written, or NULL */
    int64_t pending_ms;
    unsigned folded;     /* changes before `pending` in this window */
} presence;

static void presence_free(gpointer p)
{
    g_free(((presence *)p)->pending);
    g_free(p);
}

typedef struct {
    yf_recorder *rec;
    yf_recorder_hearing *h;
} flush_ctx;

static void write_pending(yf_recorder *rec, yf_recorder_hearing *h, presence *p)
{
    if (p->folded)
        yf_recorder_note(rec, h, p->pending_ms, "%s（此前 %u 秒内另有 %u 次进出，已合并为本条）", p->pending,
                         YF_PRESENCE_QUIET_MS / 1000, p->folded);
    else
        yf_recorder_note(rec, h, p->pending_ms, "%s", p->pending);
    p->last_ms = p->pending_ms;
    g_clear_pointer(&p->pending, g_free);
    p->folded = 0;
}

/* Writes what is due at now (everything when all is TRUE); returns the
 * earliest time something is still due, or 0. */
static int64_t flush(yf_recorder *rec, yf_recorder_hearing *h, int64_t now, gboolean all)
{
    GHashTableIter it;
    gpointer v;
    int64_t next = 0;
    if (!h->presence)
        return 0;
    g_hash_table_iter_init(&it, h->presence);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        presence *p = v;
        if (!p->pending)
            continue;
        int64_t due = p->last_ms + YF_PRESENCE_QUIET_MS;
        if (all || due <= now)
            write_pending(rec, h, p);
        else if (!next || due < next)
            next = due;
    }
    return next;
}

static gboolean on_timer(gpointer data);

static void arm(yf_recorder *rec, yf_recorder_hearing *h, int64_t due, int64_t now)
{
    if (h->presence_timer)
        g_source_remove(h->presence_timer);
    h->presence_timer = 0;
    if (!due)
        return;
    flush_ctx *c = g_new(flush_ctx, 1);
    c->rec = rec;
    c->h = h;
    h->presence_timer = g_timeout_add_full(G_PRIORITY_DEFAULT, (guint)MAX(due - now, 1), on_timer, c, g_free);
}

static gboolean on_timer(gpointer data)
{
    flush_ctx *c = data;
    int64_t now = g_get_real_time() / 1000;
    c->h->presence_timer = 0;   /* this source ends when we return */
    int64_t next = flush(c->rec, c->h, now, FALSE);
    if (next)
        arm(c->rec, c->h, next, now);
    return G_SOURCE_REMOVE;
}

void yf_recorder_presence_line(yf_recorder *rec, yf_recorder_hearing *h, const char *participant, int64_t now,
                               const char *text)
{
    if (!h->presence)
        h->presence = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, presence_free);
    presence *p = g_hash_table_lookup(h->presence, participant);
    if (!p) {
        p = g_new0(presence, 1);
        p->last_ms = -YF_PRESENCE_QUIET_MS;
        g_hash_table_insert(h->presence, g_strdup(participant), p);
    }
    if (p->pending)
        p->folded++;
    g_free(p->pending);
    p->pending = g_strdup(text);
    p->pending_ms = now;
    if (now - p->last_ms >= YF_PRESENCE_QUIET_MS) {
        write_pending(rec, h, p);
        return;
    }
    if (!h->presence_timer)
        arm(rec, h, p->last_ms + YF_PRESENCE_QUIET_MS, now);
}

void yf_recorder_presence_flush(yf_recorder *rec, yf_recorder_hearing *h)
{
    flush(rec, h, 0, TRUE);
    arm(rec, h, 0, 0);
}

void yf_recorder_presence_clear(yf_recorder_hearing *h)
{
    if (h->presence_timer)
        g_source_remove(h->presence_timer);
    h->presence_timer = 0;
    g_clear_pointer(&h->presence, g_hash_table_destroy);
}
