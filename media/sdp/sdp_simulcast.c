/* sdp_simulcast.c -- a publisher's simulcast offer (RFC 8853 section 5:
 * a=simulcast:send with the stream list; RFC 8851 section 4: a=rid:<id>
 * send) read into yf_sdp_media, and the answer that receives it (a=rid:<id>
 * recv, a=simulcast:recv, the rtp-stream-id extensions of RFC 8852 by which
 * the router tells the layers apart). At most YF_SDP_MAX_RIDS layers;
 * anything we cannot receive is refused with a sentence, never guessed. */
#define G_LOG_DOMAIN "yf-sdp"

#include <string.h>
#include "sdp_priv.h"

/* RFC 8851 section 10: rid-id = 1*(alpha-numeric / "-" / "_"); at most 16
 * so it fits the one-byte header extension element (RFC 8285 section 4.2). */
static gboolean rid_ok(const char *s, size_t n)
{
    if (n == 0 || n >= YF_SDP_RID_LEN)
        return FALSE;
    for (size_t i = 0; i < n; i++)
        if (!g_ascii_isalnum(s[i]) && s[i] != '-' && s[i] != '_')
            return FALSE;
    return TRUE;
}

/* "a=rid:<id> send[ <restrictions>]" for this id (RFC 8851 section 4). */
static gboolean has_rid_send(const GstSDPMedia *media, const char *id)
{
    size_t n = strlen(id);
    for (guint i = 0; ; i++) {
        const char *v = gst_sdp_media_get_attribute_val_n(media, "rid", i);
        if (!v)
            return FALSE;
        if (strncmp(v, id, n) == 0 && v[n] == ' ' && strncmp(v + n + 1, "send", 4) == 0 &&
            (v[n + 5] == '\0' || v[n + 5] == ' '))
            return TRUE;
    }
}

/* The send list of "send <list> [recv <list>]" or "recv <list> send
 * <list>" (RFC 8853 section 5.1), borrowed from v with its length; NULL if
 * there is no send direction. */
static const char *send_list(const char *v, size_t *len)
{
    while (*v) {
        v += strspn(v, " \t");
        size_t dl = strcspn(v, " \t");
        const char *list = v + dl + strspn(v + dl, " \t");
        size_t ll = strcspn(list, " \t");
        if (dl == 4 && strncmp(v, "send", 4) == 0 && ll > 0) {
            *len = ll;
            return list;
        }
        if (ll == 0)
            return NULL;
        v = list + ll;
    }
    return NULL;
}

static gboolean refuse(GError **err, const yf_sdp_media *m, const char *why)
{
    return yf_sdp_fail(err, YF_SDP_ERROR_UNSUPPORTED, "SDP offer section mid=%s offers simulcast "
                       "yuanfang cannot receive: %s", m->mid, why);
}

/* One stream of the list: its first alternative, '~' (paused) dropped. */
static gboolean take_stream(const GstSDPMedia *media, yf_sdp_media *m, const char *s, size_t n,
                            GError **err)
{
    n = strcspn(s, ",;") < n ? strcspn(s, ",;") : n;
    if (n > 0 && s[0] == '~')
        s++, n--;
    if (!rid_ok(s, n))
        return refuse(err, m, "a rid is empty, longer than 16 characters or not letters, digits, '-' or '_'");
    if (m->n_rids == YF_SDP_MAX_RIDS)
        return refuse(err, m, "more than 3 layers");
    char *id = m->rids[m->n_rids];
    memcpy(id, s, n);
    id[n] = '\0';
    for (int i = 0; i < m->n_rids; i++)
        if (strcmp(m->rids[i], id) == 0)
            return refuse(err, m, "a rid is listed twice");
    if (!has_rid_send(media, id))
        return refuse(err, m, "a listed rid has no a=rid:<rid> send line");
    m->n_rids++;
    return TRUE;
}

gboolean yf_sdp_parse_simulcast(const GstSDPMedia *media, yf_sdp_media *m, GError **err)
{
    const char *v = gst_sdp_media_get_attribute_val(media, "simulcast");
    size_t len = 0;
    const char *list = v && m->kind == YF_SDP_VIDEO ? send_list(v, &len) : NULL;
    m->n_rids = 0;
    if (!list)
        return TRUE;
    if (!m->ext_mid || !m->ext_rid)
        return refuse(err, m, "it has no sdes:mid and rtp-stream-id header extensions to tell the layers apart");
    /* The router reads the rid in one-byte header extensions (ids 1..14);
     * accepting the layers with an id it cannot read would bring them all
     * in on one track, each taking it over from the others. */
    if (m->ext_rid > 14)
        return refuse(err, m, "its rtp-stream-id header extension has an id over 14 (two-byte headers are not read)");
    for (size_t pos = 0; pos <= len;) {
        size_t n = strcspn(list + pos, ";");
        if (pos + n > len)
            n = len - pos;
        if (!take_stream(media, m, list + pos, n, err)) {
            m->n_rids = 0;
            return FALSE;
        }
        pos += n + 1;
    }
    return TRUE;
}

void yf_sdp_add_simulcast_recv(GstSDPMedia *s, const yf_sdp_media *m)
{
    if (m->n_rids <= 0)
        return;
    yf_sdp_add_extmap(s, m->ext_rid, YF_SDP_EXT_RID);
    if (m->ext_rrid)
        yf_sdp_add_extmap(s, m->ext_rrid, YF_SDP_EXT_RRID);
    GString *list = g_string_new("recv ");
    for (int i = 0; i < m->n_rids; i++) {
        char *rid = g_strdup_printf("%s recv", m->rids[i]);
        gst_sdp_media_add_attribute(s, "rid", rid);
        g_free(rid);
        g_string_append_printf(list, "%s%s", i ? ";" : "", m->rids[i]);
    }
    gst_sdp_media_add_attribute(s, "simulcast", list->str);
    g_string_free(list, TRUE);
}
