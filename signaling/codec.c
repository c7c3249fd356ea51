/* codec.c -- JSON <-> struct codec for signaling protocol v1 (docs/protocol.md).
 * Decoding is jansson's (duplicate keys rejected, no NUL in strings, its own
 * depth cap of JSON_PARSER_MAX_DEPTH) plus the checks of the protocol: size,
 * version, id, type and the fields of each request. No IO, no logging, no
 * session state: what a request means is the session's business. */
#include "codec.h"

#include <string.h>

#ifndef YF_VERSION
#error "YF_VERSION must be defined (the top CMakeLists.txt does it)"
#endif

G_DEFINE_QUARK(yf-sig-error-quark, yf_sig_error)

static const char *const errc_names[] = {
    [YF_SIG_ERR_BAD_JSON] = "bad_json",
    [YF_SIG_ERR_TOO_LARGE] = "too_large",
    [YF_SIG_ERR_BAD_REQUEST] = "bad_request",
    [YF_SIG_ERR_UNKNOWN_TYPE] = "unknown_type",
    [YF_SIG_ERR_UNSUPPORTED_VERSION] = "unsupported_version",
    [YF_SIG_ERR_NOT_READY] = "not_ready",
    [YF_SIG_ERR_BAD_SDP] = "bad_sdp",
    [YF_SIG_ERR_BAD_CANDIDATE] = "bad_candidate",
    [YF_SIG_ERR_BUSY] = "busy",
    [YF_SIG_ERR_INTERNAL] = "internal",
    [YF_SIG_ERR_BAD_TOKEN] = "bad_token",
    [YF_SIG_ERR_TOKEN_EXPIRED] = "token_expired",
    [YF_SIG_ERR_FORBIDDEN] = "forbidden",
    [YF_SIG_ERR_NOT_FOUND] = "not_found",
    [YF_SIG_ERR_STALE] = "stale",
    [YF_SIG_ERR_ENDED] = "hearing_ended",
    [YF_SIG_ERR_NOT_STARTED] = "not_started",
};

const char *yf_sig_errc_str(yf_sig_errc code)
{
    if ((unsigned)code >= G_N_ELEMENTS(errc_names) || !errc_names[code])
        return "internal";
    return errc_names[code];
}

/* Sets *error with a message that is always valid UTF-8: messages quote
 * pieces of the input (jansson's "near '...'", an unknown type), and the
 * error reply must still encode. */
static void G_GNUC_PRINTF(3, 4)
set_error(GError **error, yf_sig_errc code, const char *fmt, ...)
{
    va_list ap;
    char *raw, *valid;

    va_start(ap, fmt);
    raw = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    valid = g_utf8_make_valid(raw, -1);
    g_set_error_literal(error, YF_SIG_ERROR, (gint)code, valid);
    g_free(valid);
    g_free(raw);
}

/* ---- decoding ---------------------------------------------------------- */

/* Reads the id into *id; FALSE (id unset) when it is missing or unusable. */
static gboolean read_id(const json_t *j, yf_sig_id *id)
{
    memset(id, 0, sizeof *id);
    if (json_is_integer(j) && json_integer_value(j) >= 0) {
        id->num = json_integer_value(j);
        id->is_int = TRUE;
        id->set = TRUE;
    } else if (json_is_string(j) && json_string_length(j) <= YF_SIG_MAX_ID &&
               strlen(json_string_value(j)) == json_string_length(j)) {
        memcpy(id->str, json_string_value(j), json_string_length(j) + 1);
        id->set = TRUE;
    }
    return id->set;
}

/* TRUE when j nests arrays/objects deeper than YF_SIG_MAX_DEPTH; depth is
 * j's own level (the message is level 1). Recursion stops at the limit. */
static gboolean too_deep(json_t *j, int depth)
{
    const char *key;
    json_t *child;
    size_t i;

    if (!json_is_object(j) && !json_is_array(j))
        return FALSE;
    if (depth > YF_SIG_MAX_DEPTH)
        return TRUE;
    if (json_is_array(j)) {
        json_array_foreach(j, i, child)
            if (too_deep(child, depth + 1))
                return TRUE;
    } else {
        json_object_foreach(j, key, child)
            if (too_deep(child, depth + 1))
                return TRUE;
    }
    return FALSE;
}

/* Copies the string member key of obj into *dst (NULL when absent or null
 * and not required). what names the request in messages. */
static gboolean get_string(json_t *obj, const char *what, const char *key,
                           gboolean required, size_t max, char **dst,
                           GError **error)
{
    json_t *j = json_object_get(obj, key);
    size_t n;

    if (!required && (!j || json_is_null(j)))
        return TRUE;
    if (!json_is_string(j)) {
        if (required)
            set_error(error, YF_SIG_ERR_BAD_REQUEST,
                      "%s needs a string field \"%s\"", what, key);
        else
            set_error(error, YF_SIG_ERR_BAD_REQUEST,
                      "%s: \"%s\" must be a string", what, key);
        return FALSE;
    }
    n = json_string_length(j);
    if (n > max) {
        set_error(error, YF_SIG_ERR_BAD_REQUEST,
                  "%s: \"%s\" is longer than %zu bytes", what, key, max);
        return FALSE;
    }
    if (strlen(json_string_value(j)) != n) {
        set_error(error, YF_SIG_ERR_BAD_REQUEST,
                  "%s: \"%s\" contains a NUL character", what, key);
        return FALSE;
    }
    *dst = g_strndup(json_string_value(j), n);
    return TRUE;
}

static gboolean parse_hello(json_t *root, yf_sig_request *out, GError **error)
{
    return get_string(root, "hello", "client", FALSE, YF_SIG_MAX_CLIENT,
                      &out->hello.client, error);
}

static gboolean parse_offer(json_t *root, yf_sig_request *out, GError **error)
{
    return get_string(root, "echo.offer", "sdp", TRUE, YF_SIG_MAX_SDP,
                      &out->offer.sdp, error);
}

const char *yf_sig_pc_str(yf_sig_pc pc)
{
    return pc == YF_SIG_PC_PUBLISH ? "publish" : pc == YF_SIG_PC_SUBSCRIBE ? "subscribe" : NULL;
}

/* The optional "pc" member: "publish" or "subscribe". */
static gboolean parse_pc(json_t *root, const char *what, yf_sig_pc *pc, GError **error)
{
    json_t *j = json_object_get(root, "pc");
    const char *v;

    *pc = YF_SIG_PC_NONE;
    if (!j || json_is_null(j))
        return TRUE;
    v = json_is_string(j) ? json_string_value(j) : "";
    if (strcmp(v, "publish") == 0)
        *pc = YF_SIG_PC_PUBLISH;
    else if (strcmp(v, "subscribe") == 0)
        *pc = YF_SIG_PC_SUBSCRIBE;
    else {
        set_error(error, YF_SIG_ERR_BAD_REQUEST,
                  "%s: \"pc\" must be \"publish\" or \"subscribe\"", what);
        return FALSE;
    }
    return TRUE;
}

static gboolean parse_ice(json_t *root, yf_sig_request *out, GError **error)
{
    const char *what = "ice.candidate";
    json_t *idx;

    if (!get_string(root, what, "candidate", TRUE, YF_SIG_MAX_CANDIDATE,
                    &out->ice.candidate, error) ||
        !get_string(root, what, "sdpMid", FALSE, YF_SIG_MAX_MID,
                    &out->ice.sdp_mid, error))
        return FALSE;
    if (!parse_pc(root, what, &out->ice.pc, error))
        return FALSE;
    idx = json_object_get(root, "sdpMLineIndex");
    if (!idx || json_is_null(idx))
        return TRUE;
    if (!json_is_integer(idx) || json_integer_value(idx) < 0 ||
        json_integer_value(idx) > YF_SIG_MAX_MLINE) {
        set_error(error, YF_SIG_ERR_BAD_REQUEST,
                  "%s: \"sdpMLineIndex\" must be an integer 0..%d", what,
                  YF_SIG_MAX_MLINE);
        return FALSE;
    }
    out->ice.sdp_mline_index = (int)json_integer_value(idx);
    return TRUE;
}

/* bye (and subscribe.restart, room.leave, room.end) has no parameters; unknown members are ignored as for every type. */
static gboolean parse_bye(json_t *root, yf_sig_request *out, GError **error)
{
    (void)root;
    (void)out;
    (void)error;
    return TRUE;
}

/* room.join's optional "part": absent/null (the hearing room) or "deliberation". */
static gboolean parse_part(json_t *root, yf_sig_request *out, GError **error)
{
    json_t *j = json_object_get(root, "part");

    if (!j || json_is_null(j))
        return TRUE;
    if (!json_is_string(j) || strcmp(json_string_value(j), "deliberation") != 0) {
        set_error(error, YF_SIG_ERR_BAD_REQUEST, "room.join: \"part\" must be \"deliberation\" when given");
        return FALSE;
    }
    out->join.deliberation = TRUE;
    return TRUE;
}

static gboolean parse_join(json_t *root, yf_sig_request *out, GError **error)
{
    if (!get_string(root, "room.join", "token", TRUE, YF_SIG_MAX_TOKEN, &out->join.token, error))
        return FALSE;
    if (out->join.token[0] == '\0') {
        set_error(error, YF_SIG_ERR_BAD_REQUEST, "room.join: \"token\" is empty");
        return FALSE;
    }
    return parse_part(root, out, error);
}

static gboolean parse_publish(json_t *root, yf_sig_request *out, GError **error)
{
    return get_string(root, "publish.offer", "sdp", TRUE, YF_SIG_MAX_SDP, &out->offer.sdp, error);
}

static gboolean parse_sub_answer(json_t *root, yf_sig_request *out, GError **error)
{
    json_t *rev = json_object_get(root, "revision");

    if (!get_string(root, "subscribe.answer", "sdp", TRUE, YF_SIG_MAX_SDP, &out->offer.sdp, error))
        return FALSE;
    if (!json_is_integer(rev) || json_integer_value(rev) < 0 ||
        json_integer_value(rev) > (json_int_t)G_MAXUINT32) {
        set_error(error, YF_SIG_ERR_BAD_REQUEST,
                  "subscribe.answer needs an integer field \"revision\" 0..%u", G_MAXUINT32);
        return FALSE;
    }
    out->offer.revision = (guint32)json_integer_value(rev);
    return TRUE;
}

/* "kind": "audio" or "video", required. */
static gboolean parse_kind(json_t *root, const char *what, yf_sig_request *out, GError **error)
{
    json_t *j = json_object_get(root, "kind");
    const char *v = json_is_string(j) ? json_string_value(j) : "";

    if (strcmp(v, "audio") != 0 && strcmp(v, "video") != 0) {
        set_error(error, YF_SIG_ERR_BAD_REQUEST,
                  "%s needs a field \"kind\": \"audio\" or \"video\"", what);
        return FALSE;
    }
    g_strlcpy(out->member.kind, v, sizeof out->member.kind);
    return TRUE;
}

/* "muted": a boolean; required, or optional with default TRUE. */
static gboolean parse_muted(json_t *root, const char *what, gboolean required, yf_sig_request *out,
                            GError **error)
{
    json_t *j = json_object_get(root, "muted");

    out->member.muted = TRUE;
    if (!required && (!j || json_is_null(j)))
        return TRUE;
    if (!json_is_boolean(j)) {
        set_error(error, YF_SIG_ERR_BAD_REQUEST, "%s needs a boolean field \"muted\"", what);
        return FALSE;
    }
    out->member.muted = json_is_true(j);
    return TRUE;
}

static gboolean parse_participant(json_t *root, const char *what, yf_sig_request *out,
                                  GError **error)
{
    return get_string(root, what, "participant", TRUE, YF_SIG_MAX_PARTICIPANT,
                      &out->member.participant, error);
}

static gboolean parse_mute_self(json_t *root, yf_sig_request *out, GError **error)
{
    return parse_kind(root, "room.mute_self", out, error) &&
           parse_muted(root, "room.mute_self", TRUE, out, error);
}

/* room.admit {"participant":ID} or {"observers":true} (every observer
 * waiting, in one message: an audience of hundreds is more than the host's
 * messages a second), not both. */
static gboolean parse_admit(json_t *root, yf_sig_request *out, GError **error)
{
    json_t *all = json_object_get(root, "observers");

    if (!all || json_is_null(all))
        return parse_participant(root, "room.admit", out, error);
    if (!json_is_true(all) || json_object_get(root, "participant")) {
        set_error(error, YF_SIG_ERR_BAD_REQUEST,
                  "room.admit takes either \"participant\" or \"observers\":true");
        return FALSE;
    }
    out->member.all_observers = TRUE;
    return TRUE;
}

static gboolean parse_mute(json_t *root, yf_sig_request *out, GError **error)
{
    return parse_participant(root, "room.mute", out, error) &&
           parse_kind(root, "room.mute", out, error) &&
           parse_muted(root, "room.mute", FALSE, out, error);
}

static gboolean parse_remove(json_t *root, yf_sig_request *out, GError **error)
{
    return parse_participant(root, "room.remove", out, error);
}

/* room.gallery {"open":bool}: the host opens a public hearing's gallery
 * (observers come in as they arrive) or closes it (they wait again). */
static gboolean parse_gallery(json_t *root, yf_sig_request *out, GError **error)
{
    json_t *open = json_object_get(root, "open");

    if (!json_is_boolean(open)) {
        set_error(error, YF_SIG_ERR_BAD_REQUEST, "room.gallery needs a boolean field \"open\"");
        return FALSE;
    }
    out->member.open = json_is_true(open);
    return TRUE;
}

/* agenda.step {"step":1..7}. */
static gboolean parse_agenda_step(json_t *root, yf_sig_request *out, GError **error)
{
    json_t *j = json_object_get(root, "step");

    if (!json_is_integer(j) || json_integer_value(j) < 1 || json_integer_value(j) > YF_SIG_AGENDA_STEPS) {
        set_error(error, YF_SIG_ERR_BAD_REQUEST, "agenda.step needs an integer field \"step\" 1..%d",
                  YF_SIG_AGENDA_STEPS);
        return FALSE;
    }
    out->agenda.step = (int)json_integer_value(j);
    return TRUE;
}

/* agenda.timer {"running":bool[,"limit_s":0..YF_SIG_MAX_TIMER_S]}. */
static gboolean parse_agenda_timer(json_t *root, yf_sig_request *out, GError **error)
{
    json_t *run = json_object_get(root, "running"), *lim = json_object_get(root, "limit_s");

    if (!json_is_boolean(run)) {
        set_error(error, YF_SIG_ERR_BAD_REQUEST, "agenda.timer needs a boolean field \"running\"");
        return FALSE;
    }
    out->agenda.running = json_is_true(run);
    if (!lim || json_is_null(lim))
        return TRUE;
    if (!json_is_integer(lim) || json_integer_value(lim) < 0 || json_integer_value(lim) > YF_SIG_MAX_TIMER_S) {
        set_error(error, YF_SIG_ERR_BAD_REQUEST, "agenda.timer: \"limit_s\" must be an integer 0..%d",
                  YF_SIG_MAX_TIMER_S);
        return FALSE;
    }
    out->agenda.limit_s = (int)json_integer_value(lim);
    return TRUE;
}

typedef struct {
    const char *name;
    yf_sig_type type;
    gboolean (*parse)(json_t *root, yf_sig_request *out, GError **error);
} request_kind;

static const request_kind kinds[] = {
    { "hello", YF_SIG_HELLO, parse_hello },
    { "echo.offer", YF_SIG_ECHO_OFFER, parse_offer },
    { "ice.candidate", YF_SIG_ICE_CANDIDATE, parse_ice },
    { "bye", YF_SIG_BYE, parse_bye },
    { "room.join", YF_SIG_ROOM_JOIN, parse_join },
    { "publish.offer", YF_SIG_PUBLISH_OFFER, parse_publish },
    { "subscribe.answer", YF_SIG_SUBSCRIBE_ANSWER, parse_sub_answer },
    { "subscribe.restart", YF_SIG_SUBSCRIBE_RESTART, parse_bye },
    { "room.mute_self", YF_SIG_ROOM_MUTE_SELF, parse_mute_self },
    { "room.admit", YF_SIG_ROOM_ADMIT, parse_admit },
    { "room.mute", YF_SIG_ROOM_MUTE, parse_mute },
    { "room.remove", YF_SIG_ROOM_REMOVE, parse_remove },
    { "room.leave", YF_SIG_ROOM_LEAVE, parse_bye },
    { "room.end", YF_SIG_ROOM_END, parse_bye },
    { "agenda.step", YF_SIG_AGENDA_STEP, parse_agenda_step },
    { "agenda.timer", YF_SIG_AGENDA_TIMER, parse_agenda_timer },
    { "room.gallery", YF_SIG_ROOM_GALLERY, parse_gallery },
};

const char *yf_sig_type_str(yf_sig_type type)
{
    for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++)
        if (kinds[i].type == type)
            return kinds[i].name;
    return NULL;
}

/* Decodes buf into a JSON object; NULL with bad_json otherwise. */
static json_t *load_object(const char *buf, size_t len, GError **error)
{
    json_error_t jerr;
    json_t *root = json_loadb(buf ? buf : "", buf ? len : 0,
                              JSON_REJECT_DUPLICATES, &jerr);

    if (!root) {
        /* jansson's text for this one names its own flag; say it plainly */
        set_error(error, YF_SIG_ERR_BAD_JSON, "%s (line %d, column %d)",
                  json_error_code(&jerr) == json_error_null_character ?
                  "strings must not contain \\u0000" : jerr.text,
                  jerr.line, jerr.column);
        return NULL;
    }
    if (!json_is_object(root)) {
        set_error(error, YF_SIG_ERR_BAD_JSON, "a message must be a JSON object");
        json_decref(root);
        return NULL;
    }
    return root;
}

/* Checks v, id, nesting and type, in that order (so that an unsupported
 * version is reported as such even when this version's id rules fail);
 * fills out->id when usable. Returns the request's kind or NULL. */
static const request_kind *parse_envelope(json_t *root, yf_sig_request *out,
                                          GError **error)
{
    json_t *v = json_object_get(root, "v");
    json_t *type;
    gboolean id_ok = read_id(json_object_get(root, "id"), &out->id);

    if (v && !(json_is_integer(v) &&
               json_integer_value(v) == YF_SIG_PROTOCOL_VERSION)) {
        set_error(error, YF_SIG_ERR_UNSUPPORTED_VERSION,
                  "this server speaks protocol version %d only",
                  YF_SIG_PROTOCOL_VERSION);
        return NULL;
    }
    if (!id_ok) {
        set_error(error, YF_SIG_ERR_BAD_REQUEST,
                  "\"id\" must be a string of at most %d bytes or a "
                  "non-negative integer", YF_SIG_MAX_ID);
        return NULL;
    }
    if (too_deep(root, 1)) {
        set_error(error, YF_SIG_ERR_BAD_REQUEST,
                  "the message nests deeper than %d levels", YF_SIG_MAX_DEPTH);
        return NULL;
    }
    type = json_object_get(root, "type");
    if (!json_is_string(type)) {
        set_error(error, YF_SIG_ERR_BAD_REQUEST,
                  "a request needs a string field \"type\"");
        return NULL;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++)
        if (strcmp(json_string_value(type), kinds[i].name) == 0)
            return &kinds[i];
    set_error(error, YF_SIG_ERR_UNKNOWN_TYPE, "unknown request type \"%.64s\"",
              json_string_value(type));
    return NULL;
}

gboolean yf_sig_parse(const char *buf, size_t len, yf_sig_request *out,
                      GError **error)
{
    const request_kind *kind;
    json_t *root = NULL;
    gboolean ok = FALSE;
    yf_sig_id id;

    g_return_val_if_fail(out != NULL, FALSE);
    memset(out, 0, sizeof *out);
    out->ice.sdp_mline_index = -1;
    out->ice.pc = YF_SIG_PC_NONE;
    if (len > YF_SIG_MAX_MESSAGE) {
        set_error(error, YF_SIG_ERR_TOO_LARGE,
                  "the message is %zu bytes, more than %d", len,
                  YF_SIG_MAX_MESSAGE);
        goto out;
    }
    root = load_object(buf, len, error);
    if (!root)
        goto out;
    kind = parse_envelope(root, out, error);
    if (!kind)
        goto out;
    out->type = kind->type;
    ok = kind->parse(root, out, error);
out:
    if (!ok) {
        id = out->id;
        yf_sig_request_clear(out);
        out->id = id;
    }
    json_decref(root);
    return ok;
}

void yf_sig_request_clear(yf_sig_request *req)
{
    if (!req)
        return;
    g_free(req->hello.client);
    g_free(req->offer.sdp);
    g_free(req->ice.candidate);
    g_free(req->ice.sdp_mid);
    g_free(req->join.token);
    g_free(req->member.participant);
    memset(req, 0, sizeof *req);
    req->ice.sdp_mline_index = -1;
    req->ice.pc = YF_SIG_PC_NONE;
}

/* ---- encoding ---------------------------------------------------------- */
/* json_object_set_new() steals its value even when it fails (NULL object,
 * NULL value), so builders OR the return codes and check once at the end. */

static json_t *id_to_json(const yf_sig_id *id)
{
    json_t *j = NULL;

    if (id && id->set && id->is_int)
        j = json_integer(id->num);
    else if (id && id->set)
        j = json_string(id->str);
    return j ? j : json_null();
}

/* Serializes msg when rc is 0, then drops msg. */
static char *finish(json_t *msg, int rc)
{
    char *text = NULL;

    if (msg && rc == 0)
        text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    return text;
}

/* A new {"v":1,"id":ID,"type":"reply","ok":OK}; NULL when memory runs out. */
static json_t *reply_head(const yf_sig_id *id, gboolean ok, int *rc)
{
    json_t *msg = json_object();

    *rc = json_object_set_new(msg, "v", json_integer(YF_SIG_PROTOCOL_VERSION));
    *rc |= json_object_set_new(msg, "id", id_to_json(id));
    *rc |= json_object_set_new(msg, "type", json_string("reply"));
    *rc |= json_object_set_new(msg, "ok", json_boolean(ok));
    return msg;
}

char *yf_sig_reply_ok_take(const yf_sig_id *id, json_t *result)
{
    int rc;
    json_t *msg = reply_head(id, TRUE, &rc);

    rc |= json_object_set_new(msg, "result", result ? result : json_object());
    return finish(msg, rc);
}

char *yf_sig_reply_error(const yf_sig_id *id, yf_sig_errc code,
                         const char *message)
{
    return yf_sig_reply_error_with(id, code, message, NULL, NULL);
}

char *yf_sig_reply_error_with(const yf_sig_id *id, yf_sig_errc code, const char *message,
                              const char *key, const json_t *value)
{
    int rc;
    json_t *msg = reply_head(id, FALSE, &rc);
    json_t *err = json_object();
    char *valid = g_utf8_make_valid(message ? message : "", -1);

    rc |= json_object_set_new(err, "code", json_string(yf_sig_errc_str(code)));
    rc |= json_object_set_new(err, "message", json_string(valid));
    if (key && value)
        rc |= json_object_set_new(err, key, json_deep_copy(value));
    rc |= json_object_set_new(msg, "error", err);
    g_free(valid);
    return finish(msg, rc);
}

char *yf_sig_reply_gerror(const yf_sig_id *id, const GError *error)
{
    if (!error || error->domain != YF_SIG_ERROR)
        return yf_sig_reply_error(id, YF_SIG_ERR_INTERNAL,
                                  error ? error->message : "internal error");
    return yf_sig_reply_error(id, (yf_sig_errc)error->code, error->message);
}

char *yf_sig_event_take(const char *name, json_t *data)
{
    json_t *msg = json_object();
    int rc;

    rc = json_object_set_new(msg, "v", json_integer(YF_SIG_PROTOCOL_VERSION));
    rc |= json_object_set_new(msg, "type", json_string("event"));
    rc |= json_object_set_new(msg, "event", name ? json_string(name) : NULL);
    rc |= json_object_set_new(msg, "data", data ? data : json_object());
    return finish(msg, rc);
}

char *yf_sig_reply_candidate(const yf_sig_id *id, const char *unused_reason)
{
    json_t *res = json_object();
    char *valid = unused_reason ? g_utf8_make_valid(unused_reason, -1) : NULL;
    int rc = json_object_set_new(res, "used", json_boolean(unused_reason == NULL));

    if (valid)
        rc |= json_object_set_new(res, "reason", json_string(valid));
    g_free(valid);
    if (rc) {
        json_decref(res);
        return NULL;
    }
    return yf_sig_reply_ok_take(id, res);
}

char *yf_sig_reply_hello(const yf_sig_id *id, const char *session,
                         const json_t *ice_servers)
{
    json_t *res;
    int rc;

    if (ice_servers && !json_is_array(ice_servers))
        return NULL;
    res = json_object();
    rc = json_object_set_new(res, "server", json_string("yuanfang"));
    rc |= json_object_set_new(res, "version", json_string(YF_VERSION));
    rc |= json_object_set_new(res, "protocol",
                              json_integer(YF_SIG_PROTOCOL_VERSION));
    rc |= json_object_set_new(res, "session",
                              session ? json_string(session) : NULL);
    rc |= json_object_set_new(res, "ice_servers", ice_servers ?
                              json_deep_copy(ice_servers) : json_array());
    if (rc) {
        json_decref(res);
        return NULL;
    }
    return yf_sig_reply_ok_take(id, res);
}

char *yf_sig_reply_offer(const yf_sig_id *id, const char *sdp)
{
    json_t *res = json_object();

    if (json_object_set_new(res, "sdp", sdp ? json_string(sdp) : NULL)) {
        json_decref(res);
        return NULL;
    }
    return yf_sig_reply_ok_take(id, res);
}

char *yf_sig_event_ice_candidate(const char *candidate, const char *sdp_mid,
                                 int sdp_mline_index, yf_sig_pc pc)
{
    json_t *data = json_object();
    int rc;

    rc = json_object_set_new(data, "candidate",
                             candidate ? json_string(candidate) : NULL);
    if (sdp_mid)
        rc |= json_object_set_new(data, "sdpMid", json_string(sdp_mid));
    if (sdp_mline_index >= 0)
        rc |= json_object_set_new(data, "sdpMLineIndex",
                                  json_integer(sdp_mline_index));
    if (pc != YF_SIG_PC_NONE)
        rc |= json_object_set_new(data, "pc", json_string(yf_sig_pc_str(pc)));
    if (rc) {
        json_decref(data);
        return NULL;
    }
    return yf_sig_event_take("ice.candidate", data);
}

char *yf_sig_event_media_state(const char *state, const char *srtp_profile,
                               const char *reason, yf_sig_pc pc)
{
    json_t *data = json_object();
    int rc;

    rc = json_object_set_new(data, "state", state ? json_string(state) : NULL);
    if (srtp_profile)
        rc |= json_object_set_new(data, "srtp_profile",
                                  json_string(srtp_profile));
    if (reason)
        rc |= json_object_set_new(data, "reason", json_string(reason));
    if (pc != YF_SIG_PC_NONE)
        rc |= json_object_set_new(data, "pc", json_string(yf_sig_pc_str(pc)));
    if (rc) {
        json_decref(data);
        return NULL;
    }
    return yf_sig_event_take("media.state", data);
}

char *yf_sig_event_shutdown(const char *reason)
{
    json_t *data = json_object();

    if (json_object_set_new(data, "reason", json_string(reason ? reason : ""))) {
        json_decref(data);
        return NULL;
    }
    return yf_sig_event_take("server.shutdown", data);
}
