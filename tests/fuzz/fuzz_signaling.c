/* fuzz_signaling.c -- libFuzzer target for signaling/codec.c. Any input is a
 * websocket message: a parsed request is re-encoded (reply, event, and the
 * request itself, which must parse back to the same struct); a refused one
 * must give an error reply that is valid JSON echoing the id. Aborts on any
 * broken rule so libFuzzer keeps the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signaling/codec.h"

/* The reply text must be a JSON object with "v":1 and the id of req. */
static void check_reply(char *text, const yf_sig_id *id)
{
    json_t *msg = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
    json_t *got = msg ? json_object_get(msg, "id") : NULL;

    if (!msg || json_integer_value(json_object_get(msg, "v")) != 1 || !got)
        abort();
    if (!id->set && !json_is_null(got))
        abort();
    if (id->set && id->is_int && json_integer_value(got) != id->num)
        abort();
    if (id->set && !id->is_int &&
        (!json_is_string(got) || strcmp(json_string_value(got), id->str) != 0))
        abort();
    json_decref(msg);
    g_free(text);
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Encodes req back into a request, parses that and compares. */
static void check_round_trip(const yf_sig_request *req)
{
    json_t *j = json_object();
    yf_sig_request again;
    char *text;

    json_object_set_new(j, "id", req->id.is_int ? json_integer(req->id.num)
                                                : json_string(req->id.str));
    json_object_set_new(j, "type", json_string(yf_sig_type_str(req->type)));
    if (req->hello.client)
        json_object_set_new(j, "client", json_string(req->hello.client));
    if (req->offer.sdp)
        json_object_set_new(j, "sdp", json_string(req->offer.sdp));
    if (req->ice.candidate)
        json_object_set_new(j, "candidate", json_string(req->ice.candidate));
    if (req->ice.sdp_mid)
        json_object_set_new(j, "sdpMid", json_string(req->ice.sdp_mid));
    if (req->ice.sdp_mline_index >= 0)
        json_object_set_new(j, "sdpMLineIndex",
                            json_integer(req->ice.sdp_mline_index));
    if (req->ice.pc != YF_SIG_PC_NONE)
        json_object_set_new(j, "pc", json_string(yf_sig_pc_str(req->ice.pc)));
    if (req->type == YF_SIG_SUBSCRIBE_ANSWER)
        json_object_set_new(j, "revision", json_integer(req->offer.revision));
    if (req->join.token)
        json_object_set_new(j, "token", json_string(req->join.token));
    if (req->member.participant)
        json_object_set_new(j, "participant", json_string(req->member.participant));
    if (req->member.kind[0])
        json_object_set_new(j, "kind", json_string(req->member.kind));
    if (req->type == YF_SIG_ROOM_MUTE_SELF || req->type == YF_SIG_ROOM_MUTE)
        json_object_set_new(j, "muted", json_boolean(req->member.muted));
    if (req->type == YF_SIG_AGENDA_STEP)
        json_object_set_new(j, "step", json_integer(req->agenda.step));
    if (req->type == YF_SIG_ROOM_GALLERY)
        json_object_set_new(j, "open", json_boolean(req->member.open));
    if (req->type == YF_SIG_AGENDA_TIMER) {
        json_object_set_new(j, "running", json_boolean(req->agenda.running));
        json_object_set_new(j, "limit_s", json_integer(req->agenda.limit_s));
    }
    text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!text || !yf_sig_parse(text, strlen(text), &again, NULL))
        abort();
    if (again.type != req->type || again.id.set != req->id.set ||
        again.id.is_int != req->id.is_int || again.id.num != req->id.num ||
        strcmp(again.id.str, req->id.str) != 0 ||
        !same_str(again.hello.client, req->hello.client) ||
        !same_str(again.offer.sdp, req->offer.sdp) ||
        !same_str(again.ice.candidate, req->ice.candidate) ||
        !same_str(again.ice.sdp_mid, req->ice.sdp_mid) ||
        again.ice.sdp_mline_index != req->ice.sdp_mline_index ||
        again.ice.pc != req->ice.pc || again.offer.revision != req->offer.revision ||
        !same_str(again.join.token, req->join.token) ||
        !same_str(again.member.participant, req->member.participant) ||
        strcmp(again.member.kind, req->member.kind) != 0 ||
        again.member.muted != req->member.muted || again.member.open != req->member.open ||
        again.agenda.step != req->agenda.step ||
        again.agenda.running != req->agenda.running || again.agenda.limit_s != req->agenda.limit_s)
        abort();
    yf_sig_request_clear(&again);
    free(text);
}

/* The replies and events a session would send for req. */
static void check_encoders(const yf_sig_request *req)
{
    char *text = NULL;

    switch (req->type) {
    case YF_SIG_HELLO:
        text = yf_sig_reply_hello(&req->id, req->hello.client ? req->hello.client : "s", NULL);
        break;
    case YF_SIG_ECHO_OFFER:
    case YF_SIG_PUBLISH_OFFER:
        text = yf_sig_reply_offer(&req->id, req->offer.sdp);
        break;
    case YF_SIG_ROOM_JOIN: {
        yf_sig_participant p = { "p1", req->join.token, "clerk", "present", FALSE, FALSE, FALSE, FALSE };
        text = yf_sig_reply_join(&req->id, req->join.token, &p, "admitted", &p, 1, NULL, NULL);
        break;
    }
    case YF_SIG_SUBSCRIBE_ANSWER: {
        yf_sig_track t = { "0", "p1", "audio", TRUE };
        text = yf_sig_event_subscribe_offer(req->offer.sdp, req->offer.revision, &t, 1);
        if (!text)
            abort();
        g_free(text);
        text = yf_sig_reply_ok_take(&req->id, NULL);
        break;
    }
    case YF_SIG_ROOM_MUTE:
    case YF_SIG_ROOM_MUTE_SELF:
        text = yf_sig_event_muted(req->member.kind, req->member.participant ? req->member.participant : "p1",
                                  req->member.muted);
        if (!text)
            abort();
        g_free(text);
        text = yf_sig_reply_ok_take(&req->id, NULL);
        break;
    case YF_SIG_ROOM_GALLERY:
        text = yf_sig_event_gallery(req->member.open);
        if (!text)
            abort();
        g_free(text);
        text = yf_sig_reply_ok_take(&req->id, NULL);
        break;
    case YF_SIG_SUBSCRIBE_RESTART:
    case YF_SIG_ROOM_ADMIT:
    case YF_SIG_ROOM_REMOVE:
    case YF_SIG_ROOM_LEAVE:
    case YF_SIG_ROOM_END:
    case YF_SIG_AGENDA_STEP:
    case YF_SIG_AGENDA_TIMER:
        text = yf_sig_reply_ok_take(&req->id, NULL);
        break;
    case YF_SIG_ICE_CANDIDATE:
        text = yf_sig_event_ice_candidate(req->ice.candidate, req->ice.sdp_mid,
                                          req->ice.sdp_mline_index, req->ice.pc);
        if (!text)
            abort();
        g_free(text);
        text = yf_sig_reply_ok_take(&req->id, NULL);
        break;
    case YF_SIG_BYE:
        text = yf_sig_reply_ok_take(&req->id, NULL);
        break;
    default:
        abort();
    }
    check_reply(text, &req->id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    yf_sig_request req;
    GError *error = NULL;

    if (yf_sig_parse((const char *)data, size, &req, &error)) {
        if (error)
            abort();
        check_encoders(&req);
        check_round_trip(&req);
    } else {
        if (!error || error->domain != YF_SIG_ERROR || req.type != YF_SIG_NONE)
            abort();
        check_reply(yf_sig_reply_gerror(&req.id, error), &req.id);
        g_error_free(error);
    }
    yf_sig_request_clear(&req);
    return 0;
}
