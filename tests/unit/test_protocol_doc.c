/* test_protocol_doc.c -- docs/protocol.md read as a test: every "→" request
 * in its examples parses as the reply after it says (the same error code and
 * message when it is an error), every "←" line is exactly what the codec
 * encodes for the same values, and the error codes its tables list are the
 * codec's, no more and no fewer. A change to either side without the other
 * fails here. */
#include <stdlib.h>

#include "signaling/codec.h"
#include "yf_test.h"

static char *doc;   /* the whole of docs/protocol.md */

static void load_doc(void)
{
    const char *dir = g_getenv("YF_DOCS_DIR");
    char *path = g_build_filename(dir ? dir : "docs", "protocol.md", NULL);
    GError *err = NULL;
    if (!g_file_get_contents(path, &doc, NULL, &err)) {
        fprintf(stderr, "cannot read %s: %s\n", path, err->message);
        exit(1);
    }
    g_free(path);
}

static yf_sig_errc errc_of(const char *code)
{
    for (int c = 0; c <= YF_SIG_ERR_LAST; c++)
        if (strcmp(yf_sig_errc_str((yf_sig_errc)c), code) == 0)
            return (yf_sig_errc)c;
    return (yf_sig_errc)-1;
}

static yf_sig_pc pc_of(json_t *data)
{
    const char *pc = json_string_value(json_object_get(data, "pc"));
    return !pc ? YF_SIG_PC_NONE : strcmp(pc, "publish") == 0 ? YF_SIG_PC_PUBLISH : YF_SIG_PC_SUBSCRIBE;
}

static yf_sig_id id_of(json_t *msg)
{
    json_t *id = json_object_get(msg, "id");
    yf_sig_id out = {0};
    if (json_is_integer(id)) {
        out.set = out.is_int = TRUE;
        out.num = json_integer_value(id);
    } else if (json_is_string(id)) {
        out.set = TRUE;
        g_strlcpy(out.str, json_string_value(id), sizeof out.str);
    }
    return out;
}

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static gboolean flag(json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

/* A PARTICIPANT object as the codec's struct (strings borrowed from o). */
static yf_sig_participant participant_of(json_t *o)
{
    return (yf_sig_participant){str(o, "id"), str(o, "name"), str(o, "role"), str(o, "state"),
                                flag(o, "audio_muted"), flag(o, "video_muted"),
                                flag(o, "host_muted_audio"), flag(o, "host_muted_video")};
}

/* An array of PARTICIPANT objects (g_free the result). */
static yf_sig_participant *participants_of(json_t *a, size_t *n)
{
    *n = json_array_size(a);
    yf_sig_participant *out = g_new0(yf_sig_participant, *n + 1);
    for (size_t i = 0; i < *n; i++)
        out[i] = participant_of(json_array_get(a, i));
    return out;
}

static char *encode_room_event(const char *name, json_t *d)
{
    size_t n;
    char *out = NULL;
    if (strcmp(name, "room.participants") == 0 || strcmp(name, "room.waiting") == 0) {
        gboolean waiting = strcmp(name, "room.waiting") == 0;
        yf_sig_participant *list = participants_of(json_object_get(d, waiting ? "waiting" : "participants"), &n);
        out = yf_sig_event_participants(waiting, list, n);
        g_free(list);
    } else if (strcmp(name, "room.admitted") == 0) {
        out = yf_sig_event_admitted();
    } else if (strcmp(name, "room.removed") == 0) {
        out = yf_sig_event_removed(str(d, "reason"));
    } else if (strcmp(name, "room.muted") == 0) {
        out = yf_sig_event_muted(str(d, "kind"), str(d, "by"), !json_is_false(json_object_get(d, "muted")));
    } else if (strcmp(name, "room.speaking") == 0) {
        out = yf_sig_event_speaking(str(d, "participant"), (int)json_integer_value(json_object_get(d, "level")));
    } else if (strcmp(name, "room.active_speaker") == 0) {
        out = yf_sig_event_active_speaker(str(d, "participant"));
    } else if (strcmp(name, "media.downlink") == 0) {
        out = yf_sig_event_downlink(flag(d, "video_paused"));
    } else if (strcmp(name, "subscribe.offer") == 0) {
        json_t *a = json_object_get(d, "tracks");
        yf_sig_track *tr = g_new0(yf_sig_track, json_array_size(a) + 1);
        for (size_t i = 0; i < json_array_size(a); i++) {
            json_t *t = json_array_get(a, i);
            tr[i] = (yf_sig_track){str(t, "mid"), str(t, "participant"), str(t, "kind"), flag(t, "active")};
        }
        out = yf_sig_event_subscribe_offer(str(d, "sdp"), (guint32)json_integer_value(json_object_get(d, "revision")),
                                           tr, json_array_size(a));
        g_free(tr);
    } else {
        fprintf(stderr, "protocol.md: no check for the example event %s; add one here\n", name);
    }
    return out;
}

/* What the codec encodes for the values of a documented event. */
static char *encode_event(json_t *msg)
{
    const char *name = str(msg, "event");
    json_t *d = json_object_get(msg, "data");
    if (!name || !d)
        return NULL;
    if (strcmp(name, "ice.candidate") == 0) {
        json_t *idx = json_object_get(d, "sdpMLineIndex");
        return yf_sig_event_ice_candidate(str(d, "candidate"), str(d, "sdpMid"),
                                          idx ? (int)json_integer_value(idx) : -1, pc_of(d));
    }
    if (strcmp(name, "media.state") == 0)
        return yf_sig_event_media_state(str(d, "state"), str(d, "srtp_profile"), str(d, "reason"), pc_of(d));
    if (strcmp(name, "server.shutdown") == 0)
        return yf_sig_event_shutdown(str(d, "reason"));
    if (strcmp(name, "room.ended") == 0)
        return yf_sig_event_ended(str(d, "reason"));
    return encode_room_event(name, d);
}

/* What the codec encodes for a documented reply to a request of type `to`. */
static char *encode_reply(json_t *msg, yf_sig_type to)
{
    yf_sig_id id = id_of(msg);
    json_t *res = json_object_get(msg, "result");
    if (json_is_false(json_object_get(msg, "ok"))) {
        json_t *e = json_object_get(msg, "error");
        return yf_sig_reply_error_with(&id, errc_of(str(e, "code")), str(e, "message"), "hearing",
                                       json_object_get(e, "hearing"));
    }
    switch (to) {
    case YF_SIG_HELLO:
        return yf_sig_reply_hello(&id, str(res, "session"), json_object_get(res, "ice_servers"));
    case YF_SIG_ECHO_OFFER:
    case YF_SIG_PUBLISH_OFFER:
        return yf_sig_reply_offer(&id, str(res, "sdp"));
    case YF_SIG_ROOM_JOIN: {
        size_t n;
        yf_sig_participant self = participant_of(json_object_get(res, "self"));
        yf_sig_participant *list = participants_of(json_object_get(res, "participants"), &n);
        char *out = yf_sig_reply_join(&id, str(res, "room"), &self, str(res, "state"), list, n,
                                      json_object_get(res, "ice_servers"), json_object_get(res, "hearing"));
        g_free(list);
        return out;
    }
    case YF_SIG_ICE_CANDIDATE:
        return yf_sig_reply_candidate(&id, json_is_false(json_object_get(res, "used")) ? str(res, "reason")
                                                                                      : NULL);
    default:
        return yf_sig_reply_ok_take(&id, json_deep_copy(res));
    }
}

/* One "←" line: valid JSON, and the codec's own text for its values. */
static void check_server_line(const char *line, const yf_sig_request *last_req, int lineno)
{
    json_error_t jerr;
    json_t *msg = json_loads(line, 0, &jerr);
    char *want = NULL;
    if (!msg) {
        fprintf(stderr, "protocol.md:%d: not JSON: %s\n", lineno, jerr.text);
        CHECK(msg != NULL);
        return;
    }
    if (g_strcmp0(str(msg, "type"), "event") == 0)
        want = encode_event(msg);
    else
        want = encode_reply(msg, last_req ? last_req->type : YF_SIG_NONE);
    if (!want || strcmp(want, line) != 0)
        fprintf(stderr, "protocol.md:%d:\n  doc   %s\n  codec %s\n", lineno, line, want ? want : "(none)");
    CHECK(want && strcmp(want, line) == 0);
    g_free(want);
    json_decref(msg);
}

/* Walks the fenced examples: "→ TEXT" is parsed; the "←" lines after it are
 * checked, and an error reply must be the one the parse itself gave. */
static void test_examples(void)
{
    char **lines = g_strsplit(doc, "\n", -1);
    gboolean fenced = FALSE;
    yf_sig_request req = {0};
    gboolean have_req = FALSE;
    char *parse_error = NULL;   /* the reply our parser gives the last "→" line, if it fails */
    int n_req = 0, n_srv = 0;
    for (int i = 0; lines[i]; i++) {
        const char *l = lines[i];
        if (g_str_has_prefix(l, "```")) {
            fenced = !fenced;
            continue;
        }
        if (!fenced)
            continue;
        if (g_str_has_prefix(l, "→ ")) {
            const char *text = l + strlen("→ ");
            GError *err = NULL;
            yf_sig_request_clear(&req);
            g_clear_pointer(&parse_error, g_free);
            have_req = yf_sig_parse(text, strlen(text), &req, &err);
            if (!have_req) {
                parse_error = yf_sig_reply_gerror(&req.id, err);
                g_error_free(err);
            }
            n_req++;
        } else if (g_str_has_prefix(l, "← ")) {
            const char *text = l + strlen("← ");
            if (parse_error && strstr(text, "\"ok\":false")) {
                if (strcmp(parse_error, text) != 0)
                    fprintf(stderr, "protocol.md:%d:\n  doc    %s\n  parser %s\n", i + 1, text, parse_error);
                CHECK(strcmp(parse_error, text) == 0);
                g_clear_pointer(&parse_error, g_free);
            } else {
                CHECK(parse_error == NULL);   /* a request the doc shows as good parses */
                check_server_line(text, have_req ? &req : NULL, i + 1);
            }
            n_srv++;
        }
    }
    yf_sig_request_clear(&req);
    g_free(parse_error);
    g_strfreev(lines);
    CHECK(n_req >= 10 && n_srv >= 20);   /* the examples were found */
}

/* The codes in the doc's error tables are exactly the codec's. */
static void test_error_codes(void)
{
    gboolean documented[YF_SIG_ERR_LAST + 1] = {0};
    char **lines = g_strsplit(doc, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        char code[64];
        if (sscanf(lines[i], "| `%63[a-z_]` |", code) != 1)
            continue;
        /* Error tables have two columns; request and event tables more. */
        char **cells = g_strsplit(lines[i], "|", -1);
        guint n = g_strv_length(cells);
        g_strfreev(cells);
        if (n != 4)
            continue;
        yf_sig_errc c = errc_of(code);
        if ((int)c < 0)
            fprintf(stderr, "protocol.md documents error %s, which the codec does not know\n", code);
        CHECK((int)c >= 0);
        if ((int)c >= 0)
            documented[c] = TRUE;
    }
    g_strfreev(lines);
    for (int c = 0; c <= YF_SIG_ERR_LAST; c++) {
        if (!documented[c])
            fprintf(stderr, "error %s is not in protocol.md's tables\n", yf_sig_errc_str((yf_sig_errc)c));
        CHECK(documented[c]);
    }
}

int main(void)
{
    load_doc();
    test_examples();
    test_error_codes();
    g_free(doc);
    return yf_test_done("test_protocol_doc");
}
