/* fuzz_signaling.c -- libFuzzer target for signaling/codec.c. Any input is a
 * websocket message: a parsed request is re-encoded (reply, event, and the
 * request itself, which must parse back to the same struct); a refused one
 * must give an error reply that is valid JSON echoing the id. Aborts on any
 * broken rule so libFuzzer keeps the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

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
        again.ice.sdp_mline_index != req->ice.sdp_mline_index)
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
        text = yf_sig_reply_offer(&req->id, req->offer.sdp);
        break;
    case YF_SIG_ICE_CANDIDATE:
        text = yf_sig_event_ice_candidate(req->ice.candidate, req->ice.sdp_mid,
                                          req->ice.sdp_mline_index);
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
