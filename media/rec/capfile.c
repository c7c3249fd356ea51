/* capfile.c -- encoder and decoder of the capture file format
 * (docs/recording-format.md): header, metadata JSON, records, GAP payloads.
 * Pure functions over caller buffers: no IO, no clock. Every length read
 * from input is checked against its limit before it is used. */
#include "capfile.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint64_t rd64(const uint8_t *p) { return ((uint64_t)rd32(p) << 32) | rd32(p + 4); }
static inline void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)(v >> 32)); wr32(p + 4, (uint32_t)v); }

static uint32_t crc(const uint8_t *p, size_t n)
{
    return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)n);
}

const char *yf_cap_strerror(int err)
{
    switch (err) {
    case YF_CAP_OK: return "ok";
    case YF_CAP_ESHORT: return "data ends inside the header or record";
    case YF_CAP_ETOOLONG: return "length field exceeds its limit";
    case YF_CAP_ECRC: return "CRC mismatch";
    case YF_CAP_EMAGIC: return "not a capture file (bad magic)";
    case YF_CAP_EVERSION: return "unsupported capture file version";
    case YF_CAP_EMETA: return "bad track metadata";
    case YF_CAP_ENOSPACE: return "buffer too small";
    case YF_CAP_EINVAL: return "invalid argument";
    default: return "unknown error";
    }
}

/* ---- metadata ---- */

static const char *kind_name(yf_cap_kind k)
{
    return k == YF_CAP_AUDIO ? "audio" : k == YF_CAP_VIDEO ? "video" : NULL;
}

static gboolean meta_valid(const yf_cap_meta *m)
{
    size_t rl = strnlen(m->room, sizeof m->room), cl = strnlen(m->codec, sizeof m->codec);

    return rl <= YF_CAP_ROOM_MAX && g_utf8_validate(m->room, (gssize)rl, NULL) && cl > 0 &&
           cl <= YF_CAP_CODEC_MAX && g_utf8_validate(m->codec, (gssize)cl, NULL) && kind_name(m->kind) &&
           m->payload_type <= 127 && m->clock_rate > 0 && m->red_payload_type <= 127 &&
           (m->red_payload_type == 0 || m->red_payload_type != m->payload_type); /* the reader refuses it */
}

/* Compact JSON with sorted keys, so the same metadata is the same bytes. */
static char *meta_json(const yf_cap_meta *m)
{
    json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:i, s:I, s:I}", "room", m->room, "participant",
                          (json_int_t)m->participant, "kind", kind_name(m->kind), "codec", m->codec,
                          "payload_type", (int)m->payload_type, "clock_rate", (json_int_t)m->clock_rate,
                          "ssrc", (json_int_t)m->ssrc);
    if (o && m->red_payload_type)
        json_object_set_new(o, "red_payload_type", json_integer(m->red_payload_type));
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII) : NULL;

    json_decref(o);
    return s;
}

static gboolean get_u32(json_t *o, const char *key, json_int_t max, uint32_t *out)
{
    json_t *v = json_object_get(o, key);

    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
        return FALSE;
    *out = (uint32_t)json_integer_value(v);
    return TRUE;
}

static gboolean get_str(json_t *o, const char *key, char *dst, size_t cap)
{
    json_t *v = json_object_get(o, key);
    size_t n = json_is_string(v) ? json_string_length(v) : cap;
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;

    if (!s || n >= cap || memchr(s, 0, n))
        return FALSE;
    memcpy(dst, s, n + 1);
    return TRUE;
}

int yf_cap_meta_parse(const uint8_t *json, size_t len, yf_cap_meta *out)
{
    json_t *o = len <= YF_CAP_META_MAX ? json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
    uint32_t pt = 0, kind_ok;
    const char *kind = json_string_value(json_object_get(o, "kind"));
    int rc = YF_CAP_EMETA;

    memset(out, 0, sizeof *out);
    if (!json_is_object(o) || !kind)
        goto out;
    out->kind = !strcmp(kind, "audio") ? YF_CAP_AUDIO : !strcmp(kind, "video") ? YF_CAP_VIDEO : 0;
    kind_ok = out->kind != 0;
    if (kind_ok && get_str(o, "room", out->room, sizeof out->room) &&
        get_str(o, "codec", out->codec, sizeof out->codec) &&
        get_u32(o, "participant", UINT32_MAX, &out->participant) && get_u32(o, "payload_type", 127, &pt) &&
        get_u32(o, "clock_rate", UINT32_MAX, &out->clock_rate) && get_u32(o, "ssrc", UINT32_MAX, &out->ssrc) &&
        out->clock_rate > 0 && out->codec[0]) {
        out->payload_type = (uint8_t)pt;
        rc = YF_CAP_OK;
        if (json_object_get(o, "red_payload_type")) { /* optional; present, it must be right */
            if (get_u32(o, "red_payload_type", 127, &pt) && pt != out->payload_type)
                out->red_payload_type = (uint8_t)pt;
            else
                rc = YF_CAP_EMETA;
        }
    }
out:
    json_decref(o);
    return rc;
}

/* ---- header ---- */

int yf_cap_header_encode(const yf_cap_meta *m, int64_t created_us, uint8_t *dst, size_t cap)
{
    char *js = meta_valid(m) ? meta_json(m) : NULL;
    size_t jl = js ? strlen(js) : 0, total = YF_CAP_HEADER_FIXED + jl + 4;
    int rc = YF_CAP_EINVAL;

    if (!js || jl > YF_CAP_META_MAX)
        goto out;
    rc = YF_CAP_ENOSPACE;
    if (total > cap)
        goto out;
    memcpy(dst, YF_CAP_MAGIC, YF_CAP_MAGIC_LEN);
    wr16(dst + 8, YF_CAP_VERSION);
    wr16(dst + 10, 0);
    wr64(dst + 12, (uint64_t)created_us);
    wr32(dst + 20, (uint32_t)jl);
    memcpy(dst + YF_CAP_HEADER_FIXED, js, jl);
    wr32(dst + YF_CAP_HEADER_FIXED + jl, crc(dst, YF_CAP_HEADER_FIXED + jl));
    rc = (int)total;
out:
    free(js);
    return rc;
}

int yf_cap_header_decode(const uint8_t *src, size_t len, yf_cap_header *out)
{
    size_t ml, total;

    if (len < YF_CAP_HEADER_FIXED)
        return len >= YF_CAP_MAGIC_LEN && memcmp(src, YF_CAP_MAGIC, YF_CAP_MAGIC_LEN) ? YF_CAP_EMAGIC
                                                                                        : YF_CAP_ESHORT;
    if (memcmp(src, YF_CAP_MAGIC, YF_CAP_MAGIC_LEN))
        return YF_CAP_EMAGIC;
    if (rd16(src + 8) != YF_CAP_VERSION)
        return YF_CAP_EVERSION;
    ml = rd32(src + 20);
    if (ml > YF_CAP_META_MAX)
        return YF_CAP_ETOOLONG;
    total = YF_CAP_HEADER_FIXED + ml + 4;
    if (len < total)
        return YF_CAP_ESHORT;
    if (rd32(src + total - 4) != crc(src, total - 4))
        return YF_CAP_ECRC;
    if (!g_utf8_validate((const char *)src + YF_CAP_HEADER_FIXED, (gssize)ml, NULL))
        return YF_CAP_EMETA;
    out->version = rd16(src + 8);
    out->flags = rd16(src + 10);
    out->created_us = (int64_t)rd64(src + 12);
    out->meta_json = src + YF_CAP_HEADER_FIXED;
    out->meta_len = ml;
    out->size = total;
    return (int)total;
}

/* ---- records ---- */

int yf_cap_record_encode(uint8_t type, int64_t arrival_us, const uint8_t *payload, size_t len, uint8_t *dst,
                         size_t cap)
{
    size_t total = YF_CAP_RECORD_OVERHEAD + len;

    if (type == 0 || len > YF_CAP_PAYLOAD_MAX)
        return YF_CAP_EINVAL;
    if (total > cap)
        return YF_CAP_ENOSPACE;
    dst[0] = type;
    wr32(dst + 1, (uint32_t)len);
    wr64(dst + 5, (uint64_t)arrival_us);
    if (len)
        memcpy(dst + YF_CAP_RECORD_HEAD, payload, len);
    wr32(dst + YF_CAP_RECORD_HEAD + len, crc(dst, YF_CAP_RECORD_HEAD + len));
    return (int)total;
}

int yf_cap_record_decode(const uint8_t *src, size_t len, yf_cap_record *out)
{
    size_t pl, total;

    if (len < YF_CAP_RECORD_HEAD)
        return YF_CAP_ESHORT;
    pl = rd32(src + 1);
    if (pl > YF_CAP_PAYLOAD_MAX)
        return YF_CAP_ETOOLONG;
    total = YF_CAP_RECORD_OVERHEAD + pl;
    if (len < total)
        return YF_CAP_ESHORT;
    if (rd32(src + YF_CAP_RECORD_HEAD + pl) != crc(src, YF_CAP_RECORD_HEAD + pl))
        return YF_CAP_ECRC;
    out->type = src[0];
    out->arrival_us = (int64_t)rd64(src + 5);
    out->payload = src + YF_CAP_RECORD_HEAD;
    out->len = pl;
    out->size = total;
    return (int)total;
}

/* ---- GAP payload ---- */

int yf_cap_gap_encode(yf_cap_gap_cause cause, uint32_t count, const char *text, uint8_t *dst, size_t cap)
{
    size_t tl = text ? strlen(text) : 0;

    if (tl > YF_CAP_GAP_TEXT_MAX)
        tl = YF_CAP_GAP_TEXT_MAX;
    while (tl && !g_utf8_validate(text, (gssize)tl, NULL)) /* do not cut a character in half */
        tl--;
    if (cause < 1 || cause > 255)
        return YF_CAP_EINVAL;
    if (5 + tl > cap)
        return YF_CAP_ENOSPACE;
    dst[0] = (uint8_t)cause;
    wr32(dst + 1, count);
    if (tl)
        memcpy(dst + 5, text, tl);
    return (int)(5 + tl);
}

int yf_cap_gap_decode(const uint8_t *p, size_t len, uint8_t *cause, uint32_t *count, const char **text,
                      size_t *text_len)
{
    if (len < 5)
        return YF_CAP_ESHORT;
    if (len - 5 > YF_CAP_GAP_TEXT_MAX)
        return YF_CAP_ETOOLONG;
    if (!g_utf8_validate((const char *)p + 5, (gssize)(len - 5), NULL))
        return YF_CAP_EMETA;
    *cause = p[0];
    *count = rd32(p + 1);
    *text = (const char *)p + 5;
    *text_len = len - 5;
    return YF_CAP_OK;
}
