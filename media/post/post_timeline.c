/* post_timeline.c -- puts every packet of a hearing on one wall clock. Each
 * track's RTP timestamps map through its trusted sender reports or, without
 * any, through its packets' arrival (post_clock.c), plus ONE offset per
 * participant session (tracks whose arrival spans overlap: one browser, one
 * clock): the median of (arrival - NTP) over the session's SRs, so a
 * publisher whose clock is off still lines up with the others while its audio
 * and video keep their exact relative sync. Within a track wall times never
 * go back (yf_post_pace); nothing is shifted to close a gap. */
#define G_LOG_DOMAIN "yf-post"

#include <stdlib.h>
#include <string.h>

#include "post_priv.h"

#define SR_OUTLIER_US (5 * G_USEC_PER_SEC)     /* an SR this far off its session is ignored */

const char *yf_post_codec_name(yf_post_codec c)
{
    return c == YF_POST_VP8 ? "VP8" : c == YF_POST_H264 ? "H264" : "opus";
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_track_arrival(gconstpointer a, gconstpointer b)
{
    const yf_post_track *x = *(yf_post_track *const *)a, *y = *(yf_post_track *const *)b;
    if (x->meta.participant != y->meta.participant)
        return x->meta.participant < y->meta.participant ? -1 : 1;
    return x->first_arrival_us < y->first_arrival_us ? -1 : x->first_arrival_us > y->first_arrival_us;
}

static int cmp_pkt_seq(const void *a, const void *b)
{
    const yf_post_pkt *x = a, *y = b;
    if (x->ext_seq != y->ext_seq)
        return x->ext_seq < y->ext_seq ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Median of (arrival - NTP) over the SRs of tracks[from, to); marks the
 * SRs far from it invalid. FALSE if the session has no SR. */
static gboolean session_offset(GPtrArray *tracks, guint from, guint to, int64_t *offset)
{
    GArray *d = g_array_new(FALSE, FALSE, sizeof(int64_t));
    gboolean ok;

    for (guint i = from; i < to; i++) {
        yf_post_track *t = tracks->pdata[i];
        for (guint j = 0; j < t->srs->len; j++) {
            yf_post_sr *sr = &g_array_index(t->srs, yf_post_sr, j);
            int64_t v = sr->arrival_us - sr->ntp_us;
            g_array_append_val(d, v);
        }
    }
    ok = d->len > 0;
    if (ok) {
        qsort(d->data, d->len, sizeof(int64_t), cmp_i64);
        *offset = g_array_index(d, int64_t, d->len / 2);
        for (guint i = from; i < to; i++) {
            yf_post_track *t = tracks->pdata[i];
            for (guint j = 0; j < t->srs->len; j++) {
                yf_post_sr *sr = &g_array_index(t->srs, yf_post_sr, j);
                sr->valid = llabs(sr->arrival_us - sr->ntp_us - *offset) <= SR_OUTLIER_US;
            }
        }
    }
    g_array_unref(d);
    return ok;
}

/* In sequence order, a media packet's wall time never goes back: one RTP
 * timestamp (the packets of one frame) has one time; a new one comes at
 * least yf_post_pace after the one before. A clock that goes back (a
 * timestamp jump) would otherwise stack frames on one instant, where a
 * player shows one and skips the rest. */
static void keep_pace(yf_post_track *t, yf_post_pkt *k, const yf_post_pkt *prev)
{
    if (k->ext_ts == prev->ext_ts)
        k->wall_us = prev->wall_us;
    else
        k->wall_us = MAX(k->wall_us, yf_post_pace(prev->wall_us,
                                                  yf_post_rtp_to_us(k->ext_ts - prev->ext_ts, t->meta.clock_rate)));
}

/* Sorts by sequence number (undoing reordering), drops duplicates, keeps
 * the pace, and finds the first and last media time. */
static void order_track(yf_post_track *t)
{
    guint w = 0;
    int64_t prev = -1;  /* the last media packet kept */

    qsort(t->pkts->data, t->pkts->len, sizeof(yf_post_pkt), cmp_pkt_seq);
    for (guint i = 0; i < t->pkts->len; i++) {
        yf_post_pkt *k = &g_array_index(t->pkts, yf_post_pkt, i);
        if (w > 0 && g_array_index(t->pkts, yf_post_pkt, w - 1).ext_seq == k->ext_seq)
            continue;
        if (!k->skip) {
            if (prev >= 0)
                keep_pace(t, k, &g_array_index(t->pkts, yf_post_pkt, prev));
            t->first_us = prev >= 0 ? MIN(t->first_us, k->wall_us) : k->wall_us;
            t->last_us = prev >= 0 ? MAX(t->last_us, k->wall_us) : k->wall_us;
            prev = w;
        }
        g_array_index(t->pkts, yf_post_pkt, w++) = *k;
    }
    g_array_set_size(t->pkts, w);
}

/* Sessions: per participant, tracks sorted by first arrival; a track that
 * starts after every earlier one ended begins a new session. */
static void map_all(GPtrArray *tracks)
{
    guint from = 0;

    g_ptr_array_sort(tracks, cmp_track_arrival);
    while (from < tracks->len) {
        yf_post_track *f = tracks->pdata[from];
        int64_t end = f->last_arrival_us, offset = 0;
        guint to = from + 1;
        gboolean have;
        for (; to < tracks->len; to++) {
            yf_post_track *t = tracks->pdata[to];
            if (t->meta.participant != f->meta.participant || t->first_arrival_us > end)
                break;
            end = MAX(end, t->last_arrival_us);
        }
        have = session_offset(tracks, from, to, &offset);
        for (guint i = from; i < to; i++) {
            yf_post_clock_map(tracks->pdata[i], have, offset);
            order_track(tracks->pdata[i]);
        }
        from = to;
    }
}

static int cmp_track_first(gconstpointer a, gconstpointer b)
{
    const yf_post_track *x = *(yf_post_track *const *)a, *y = *(yf_post_track *const *)b;
    return x->first_us < y->first_us ? -1 : x->first_us > y->first_us;
}

static void party_free(gpointer p)
{
    yf_post_party *y = p;
    g_free(y->name);
    g_free(y->role);
    g_ptr_array_unref(y->audio);
    g_ptr_array_unref(y->video);
    g_free(y);
}

static yf_post_party *party_new(const yf_post_job *job, uint32_t id)
{
    yf_post_party *y = g_new0(yf_post_party, 1);

    y->id = id;
    y->audio = g_ptr_array_new();
    y->video = g_ptr_array_new();
    for (size_t i = 0; i < job->n_people; i++)
        if (job->people[i].participant == id) {
            y->name = g_strdup(job->people[i].name ? job->people[i].name : "");
            y->role = g_strdup(job->people[i].role ? job->people[i].role : "");
        }
    if (!y->name) {
        y->name = g_strdup_printf("参与人 %u", id);
        y->role = g_strdup("");
    }
    return y;
}

/* Adds each track to its party's list of its kind, keeping one codec. */
static void add_track(yf_post_party *y, yf_post_track *t)
{
    GPtrArray *list = t->meta.kind == YF_CAP_VIDEO ? y->video : y->audio;

    if (list->len && ((yf_post_track *)list->pdata[0])->codec != t->codec) {
        g_warning("%s: participant %u changed codec to %s; this track is left out", t->path, y->id,
                  yf_post_codec_name(t->codec));
        return;
    }
    if (!y->audio->len && !y->video->len) {
        y->first_us = t->first_us;
        y->last_us = t->last_us;
    }
    y->first_us = MIN(y->first_us, t->first_us);
    y->last_us = MAX(y->last_us, t->last_us);
    g_ptr_array_add(list, t);
}

static int cmp_party_id(gconstpointer a, gconstpointer b)
{
    const yf_post_party *x = *(yf_post_party *const *)a, *y = *(yf_post_party *const *)b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static void group(yf_post_timeline *tl, const yf_post_job *job)
{
    GHashTable *by_id = g_hash_table_new(g_direct_hash, g_direct_equal);

    g_ptr_array_sort(tl->tracks, cmp_track_first);
    for (guint i = 0; i < tl->tracks->len; i++) {
        yf_post_track *t = tl->tracks->pdata[i];
        yf_post_party *y = g_hash_table_lookup(by_id, GUINT_TO_POINTER(t->meta.participant));
        if (!y) {
            y = party_new(job, t->meta.participant);
            g_hash_table_insert(by_id, GUINT_TO_POINTER(t->meta.participant), y);
            g_ptr_array_add(tl->parties, y);
        }
        add_track(y, t);
        tl->t0_us = i == 0 ? t->first_us : MIN(tl->t0_us, t->first_us);
        tl->end_us = i == 0 ? t->last_us : MAX(tl->end_us, t->last_us);
    }
    g_hash_table_unref(by_id);
    g_ptr_array_sort(tl->parties, cmp_party_id);
}

yf_post_timeline *yf_post_timeline_new(const yf_post_job *job, GError **err)
{
    yf_post_timeline *tl = g_new0(yf_post_timeline, 1);
    GError *first = NULL;

    tl->tracks = g_ptr_array_new_with_free_func(yf_post_track_free);
    tl->parties = g_ptr_array_new_with_free_func(party_free);
    for (size_t i = 0; job->captures && job->captures[i]; i++) {
        GError *e = NULL;
        yf_post_track *t = yf_post_track_load(job->captures[i], &e);
        if (t) {
            if (job->participant_of && job->participant_of[i])
                t->meta.participant = job->participant_of[i];
            g_ptr_array_add(tl->tracks, t);
            continue;
        }
        g_warning("capture left out: %s", e->message);
        if (!first)
            first = e;
        else
            g_error_free(e);
    }
    if (tl->tracks->len == 0) {
        g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_INPUT, "no capture with media%s%s",
                    first ? ": " : "", first ? first->message : "");
        g_clear_error(&first);
        yf_post_timeline_free(tl);
        return NULL;
    }
    g_clear_error(&first);
    map_all(tl->tracks);
    group(tl, job);
    tl->end_us += 20000;  /* the last packet's own duration (an Opus frame) */
    if (tl->end_us - tl->t0_us > YF_POST_MAX_SPAN_US) {
        /* a capture of another day slipped in, or a wild clock: refuse
         * rather than encode a composite of the whole gap */
        g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_INPUT,
                    "the captures span %" G_GINT64_FORMAT " s, more than a hearing can (%d h)",
                    (gint64)((tl->end_us - tl->t0_us) / G_USEC_PER_SEC), (int)(YF_POST_MAX_SPAN_US / 3600000000LL));
        yf_post_timeline_free(tl);
        return NULL;
    }
    return tl;
}

void yf_post_timeline_free(yf_post_timeline *tl)
{
    if (!tl)
        return;
    g_ptr_array_unref(tl->parties);
    g_ptr_array_unref(tl->tracks);
    g_free(tl);
}
