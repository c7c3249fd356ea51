/* test_signaling_codec.c -- table tests of signaling/codec.c: message text in,
 * request type or error code out, plus the id each reply must echo; then the
 * encoders against exact texts, edge cases included. test_protocol_doc.c
 * holds docs/protocol.md's own examples against the codec. */
#include <stdlib.h>

#include "signaling/codec.h"
#include "yf_test.h"

#define OK(t) (t), -1
#define ERR(e) YF_SIG_NONE, (e)

typedef struct {
    const char *name;
    const char *json;
    yf_sig_type type; /* expected on success; YF_SIG_NONE for a failure */
    int errc;         /* expected yf_sig_errc, -1 for a success */
    const char *id;   /* JSON text of the id the reply must carry */
} parse_case;

static const parse_case cases[] = {
    { "hello", "{\"v\":1,\"id\":1,\"type\":\"hello\",\"client\":\"devtest/0.1\"}", OK(YF_SIG_HELLO), "1" },
    { "hello no v, string id", "{\"id\":\"a1\",\"type\":\"hello\"}", OK(YF_SIG_HELLO), "\"a1\"" },
    { "hello client null", "{\"id\":0,\"type\":\"hello\",\"client\":null}", OK(YF_SIG_HELLO), "0" },
    { "echo.offer", "{\"v\":1,\"id\":2,\"type\":\"echo.offer\",\"sdp\":\"v=0\\r\\n\"}", OK(YF_SIG_ECHO_OFFER), "2" },
    { "ice.candidate", "{\"v\":1,\"id\":3,\"type\":\"ice.candidate\",\"candidate\":\"candidate:1 1 udp 1 192.0.2.7 5 typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}", OK(YF_SIG_ICE_CANDIDATE), "3" },
    { "ice end of candidates", "{\"id\":3,\"type\":\"ice.candidate\",\"candidate\":\"\"}", OK(YF_SIG_ICE_CANDIDATE), "3" },
    { "ice null mid/index", "{\"id\":3,\"type\":\"ice.candidate\",\"candidate\":\"\",\"sdpMid\":null,\"sdpMLineIndex\":null}", OK(YF_SIG_ICE_CANDIDATE), "3" },
    { "ice index 63", "{\"id\":3,\"type\":\"ice.candidate\",\"candidate\":\"\",\"sdpMLineIndex\":63}", OK(YF_SIG_ICE_CANDIDATE), "3" },
    { "bye", "{\"v\":1,\"id\":4,\"type\":\"bye\"}", OK(YF_SIG_BYE), "4" },
    { "unknown members ignored", "{\"v\":1,\"id\":4,\"type\":\"bye\",\"x\":[1,{\"y\":null}]}", OK(YF_SIG_BYE), "4" },
    { "id max int", "{\"id\":9223372036854775807,\"type\":\"bye\"}", OK(YF_SIG_BYE), "9223372036854775807" },
    { "id 64 bytes", "{\"id\":\"0123456789012345678901234567890123456789012345678901234567890123\",\"type\":\"bye\"}", OK(YF_SIG_BYE), "\"0123456789012345678901234567890123456789012345678901234567890123\"" },
    { "id empty string", "{\"id\":\"\",\"type\":\"bye\"}", OK(YF_SIG_BYE), "\"\"" },
    { "id utf-8", "{\"id\":\"\xe8\xbf\x9c\",\"type\":\"bye\"}", OK(YF_SIG_BYE), "\"\xe8\xbf\x9c\"" },

    { "room.join", "{\"v\":1,\"id\":10,\"type\":\"room.join\",\"token\":\"eyJ2IjoxfQ.abc\"}", OK(YF_SIG_ROOM_JOIN), "10" },
    { "publish.offer", "{\"v\":1,\"id\":11,\"type\":\"publish.offer\",\"sdp\":\"v=0\\r\\n\"}", OK(YF_SIG_PUBLISH_OFFER), "11" },
    { "subscribe.answer", "{\"v\":1,\"id\":12,\"type\":\"subscribe.answer\",\"sdp\":\"v=0\\r\\n\",\"revision\":3}", OK(YF_SIG_SUBSCRIBE_ANSWER), "12" },
    { "subscribe.answer rev max", "{\"id\":12,\"type\":\"subscribe.answer\",\"sdp\":\"\",\"revision\":4294967295}", OK(YF_SIG_SUBSCRIBE_ANSWER), "12" },
    { "subscribe.restart", "{\"v\":1,\"id\":13,\"type\":\"subscribe.restart\"}", OK(YF_SIG_SUBSCRIBE_RESTART), "13" },
    { "ice pc publish", "{\"id\":14,\"type\":\"ice.candidate\",\"pc\":\"publish\",\"candidate\":\"\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}", OK(YF_SIG_ICE_CANDIDATE), "14" },
    { "ice pc subscribe", "{\"id\":14,\"type\":\"ice.candidate\",\"pc\":\"subscribe\",\"candidate\":\"\"}", OK(YF_SIG_ICE_CANDIDATE), "14" },
    { "ice pc null", "{\"id\":14,\"type\":\"ice.candidate\",\"pc\":null,\"candidate\":\"\"}", OK(YF_SIG_ICE_CANDIDATE), "14" },
    { "room.mute_self", "{\"v\":1,\"id\":15,\"type\":\"room.mute_self\",\"kind\":\"audio\",\"muted\":true}", OK(YF_SIG_ROOM_MUTE_SELF), "15" },
    { "room.admit", "{\"v\":1,\"id\":16,\"type\":\"room.admit\",\"participant\":\"p3\"}", OK(YF_SIG_ROOM_ADMIT), "16" },
    { "room.mute", "{\"v\":1,\"id\":17,\"type\":\"room.mute\",\"participant\":\"p3\",\"kind\":\"video\"}", OK(YF_SIG_ROOM_MUTE), "17" },
    { "room.mute unmute", "{\"id\":17,\"type\":\"room.mute\",\"participant\":\"p3\",\"kind\":\"audio\",\"muted\":false}", OK(YF_SIG_ROOM_MUTE), "17" },
    { "room.remove", "{\"v\":1,\"id\":18,\"type\":\"room.remove\",\"participant\":\"p3\"}", OK(YF_SIG_ROOM_REMOVE), "18" },
    { "room.leave", "{\"v\":1,\"id\":19,\"type\":\"room.leave\"}", OK(YF_SIG_ROOM_LEAVE), "19" },
    { "room.admit observers", "{\"id\":16,\"type\":\"room.admit\",\"observers\":true}", OK(YF_SIG_ROOM_ADMIT), "16" },
    { "room.admit observers false", "{\"id\":16,\"type\":\"room.admit\",\"observers\":false}", ERR(YF_SIG_ERR_BAD_REQUEST), "16" },
    { "room.admit observers and participant", "{\"id\":16,\"type\":\"room.admit\",\"observers\":true,\"participant\":\"p3\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "16" },
    { "room.admit observers 1", "{\"id\":16,\"type\":\"room.admit\",\"observers\":1}", ERR(YF_SIG_ERR_BAD_REQUEST), "16" },
    { "room.gallery open", "{\"id\":21,\"type\":\"room.gallery\",\"open\":true}", OK(YF_SIG_ROOM_GALLERY), "21" },
    { "room.gallery close", "{\"id\":21,\"type\":\"room.gallery\",\"open\":false}", OK(YF_SIG_ROOM_GALLERY), "21" },
    { "room.gallery no open", "{\"id\":21,\"type\":\"room.gallery\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "21" },
    { "room.gallery open 1", "{\"id\":21,\"type\":\"room.gallery\",\"open\":1}", ERR(YF_SIG_ERR_BAD_REQUEST), "21" },
    { "room.gallery open null", "{\"id\":21,\"type\":\"room.gallery\",\"open\":null}", ERR(YF_SIG_ERR_BAD_REQUEST), "21" },
    { "participant 16 bytes", "{\"id\":16,\"type\":\"room.admit\",\"participant\":\"p123456789012345\"}", OK(YF_SIG_ROOM_ADMIT), "16" },

    { "join without token", "{\"id\":10,\"type\":\"room.join\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "10" },
    { "join token number", "{\"id\":10,\"type\":\"room.join\",\"token\":5}", ERR(YF_SIG_ERR_BAD_REQUEST), "10" },
    { "join token empty", "{\"id\":10,\"type\":\"room.join\",\"token\":\"\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "10" },
    { "join token null", "{\"id\":10,\"type\":\"room.join\",\"token\":null}", ERR(YF_SIG_ERR_BAD_REQUEST), "10" },
    { "publish without sdp", "{\"id\":11,\"type\":\"publish.offer\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "11" },
    { "answer without revision", "{\"id\":12,\"type\":\"subscribe.answer\",\"sdp\":\"\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "12" },
    { "answer revision -1", "{\"id\":12,\"type\":\"subscribe.answer\",\"sdp\":\"\",\"revision\":-1}", ERR(YF_SIG_ERR_BAD_REQUEST), "12" },
    { "answer revision 2^32", "{\"id\":12,\"type\":\"subscribe.answer\",\"sdp\":\"\",\"revision\":4294967296}", ERR(YF_SIG_ERR_BAD_REQUEST), "12" },
    { "answer revision string", "{\"id\":12,\"type\":\"subscribe.answer\",\"sdp\":\"\",\"revision\":\"1\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "12" },
    { "answer revision real", "{\"id\":12,\"type\":\"subscribe.answer\",\"sdp\":\"\",\"revision\":1.0}", ERR(YF_SIG_ERR_BAD_REQUEST), "12" },
    { "answer without sdp", "{\"id\":12,\"type\":\"subscribe.answer\",\"revision\":1}", ERR(YF_SIG_ERR_BAD_REQUEST), "12" },
    { "ice pc other", "{\"id\":14,\"type\":\"ice.candidate\",\"pc\":\"echo\",\"candidate\":\"\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "14" },
    { "ice pc number", "{\"id\":14,\"type\":\"ice.candidate\",\"pc\":0,\"candidate\":\"\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "14" },
    { "mute_self no muted", "{\"id\":15,\"type\":\"room.mute_self\",\"kind\":\"audio\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "15" },
    { "mute_self muted 1", "{\"id\":15,\"type\":\"room.mute_self\",\"kind\":\"audio\",\"muted\":1}", ERR(YF_SIG_ERR_BAD_REQUEST), "15" },
    { "mute_self kind screen", "{\"id\":15,\"type\":\"room.mute_self\",\"kind\":\"screen\",\"muted\":true}", ERR(YF_SIG_ERR_BAD_REQUEST), "15" },
    { "mute_self no kind", "{\"id\":15,\"type\":\"room.mute_self\",\"muted\":true}", ERR(YF_SIG_ERR_BAD_REQUEST), "15" },
    { "admit no participant", "{\"id\":16,\"type\":\"room.admit\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "16" },
    { "admit participant number", "{\"id\":16,\"type\":\"room.admit\",\"participant\":3}", ERR(YF_SIG_ERR_BAD_REQUEST), "16" },
    { "participant 17 bytes", "{\"id\":16,\"type\":\"room.admit\",\"participant\":\"p1234567890123456\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "16" },
    { "mute no kind", "{\"id\":17,\"type\":\"room.mute\",\"participant\":\"p3\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "17" },
    { "mute muted string", "{\"id\":17,\"type\":\"room.mute\",\"participant\":\"p3\",\"kind\":\"audio\",\"muted\":\"no\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "17" },
    { "remove no participant", "{\"id\":18,\"type\":\"room.remove\",\"participant\":null}", ERR(YF_SIG_ERR_BAD_REQUEST), "18" },
    { "agenda.step", "{\"id\":19,\"type\":\"agenda.step\",\"step\":7}", OK(YF_SIG_AGENDA_STEP), "19" },
    { "agenda.step 0", "{\"id\":19,\"type\":\"agenda.step\",\"step\":0}", ERR(YF_SIG_ERR_BAD_REQUEST), "19" },
    { "agenda.step 8", "{\"id\":19,\"type\":\"agenda.step\",\"step\":8}", ERR(YF_SIG_ERR_BAD_REQUEST), "19" },
    { "agenda.step string", "{\"id\":19,\"type\":\"agenda.step\",\"step\":\"2\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "19" },
    { "agenda.step none", "{\"id\":19,\"type\":\"agenda.step\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "19" },
    { "agenda.timer", "{\"id\":20,\"type\":\"agenda.timer\",\"running\":true,\"limit_s\":7200}", OK(YF_SIG_AGENDA_TIMER), "20" },
    { "agenda.timer no running", "{\"id\":20,\"type\":\"agenda.timer\",\"limit_s\":60}", ERR(YF_SIG_ERR_BAD_REQUEST), "20" },
    { "agenda.timer limit 7201", "{\"id\":20,\"type\":\"agenda.timer\",\"running\":true,\"limit_s\":7201}", ERR(YF_SIG_ERR_BAD_REQUEST), "20" },
    { "agenda.timer limit -1", "{\"id\":20,\"type\":\"agenda.timer\",\"running\":true,\"limit_s\":-1}", ERR(YF_SIG_ERR_BAD_REQUEST), "20" },
    { "join part other", "{\"id\":10,\"type\":\"room.join\",\"token\":\"a.b\",\"part\":\"main\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "10" },
    { "join part number", "{\"id\":10,\"type\":\"room.join\",\"token\":\"a.b\",\"part\":1}", ERR(YF_SIG_ERR_BAD_REQUEST), "10" },
    { "room.Join case", "{\"id\":10,\"type\":\"room.Join\",\"token\":\"x\"}", ERR(YF_SIG_ERR_UNKNOWN_TYPE), "10" },

    { "truncated", "{\"v\":1,\"id\":1,", ERR(YF_SIG_ERR_BAD_JSON), "null" },
    { "bare word", "hello", ERR(YF_SIG_ERR_BAD_JSON), "null" },
    { "empty", "", ERR(YF_SIG_ERR_BAD_JSON), "null" },
    { "array top level", "[{\"id\":1,\"type\":\"bye\"}]", ERR(YF_SIG_ERR_BAD_JSON), "null" },
    { "number top level", "42", ERR(YF_SIG_ERR_BAD_JSON), "null" },
    { "string top level", "\"bye\"", ERR(YF_SIG_ERR_BAD_JSON), "null" },
    { "trailing garbage", "{\"id\":1,\"type\":\"bye\"} x", ERR(YF_SIG_ERR_BAD_JSON), "null" },
    { "two objects", "{\"id\":1,\"type\":\"bye\"}{}", ERR(YF_SIG_ERR_BAD_JSON), "null" },
    { "duplicate keys", "{\"id\":1,\"type\":\"bye\",\"type\":\"hello\"}", ERR(YF_SIG_ERR_BAD_JSON), "null" },
    { "escaped NUL in sdp", "{\"id\":2,\"type\":\"echo.offer\",\"sdp\":\"v=0\\u0000x\"}", ERR(YF_SIG_ERR_BAD_JSON), "null" },
    { "escaped NUL in id", "{\"id\":\"a\\u0000b\",\"type\":\"bye\"}", ERR(YF_SIG_ERR_BAD_JSON), "null" },
    { "bad utf-8 in string", "{\"id\":1,\"type\":\"bye\",\"x\":\"\xff\xfe\"}", ERR(YF_SIG_ERR_BAD_JSON), "null" },
    { "bad utf-8 token", "\xc3\x28", ERR(YF_SIG_ERR_BAD_JSON), "null" },
    { "id too big", "{\"id\":9223372036854775808,\"type\":\"bye\"}", ERR(YF_SIG_ERR_BAD_JSON), "null" },

    { "v=2", "{\"v\":2,\"id\":5,\"type\":\"hello\"}", ERR(YF_SIG_ERR_UNSUPPORTED_VERSION), "5" },
    { "v=\"1\"", "{\"v\":\"1\",\"id\":5,\"type\":\"hello\"}", ERR(YF_SIG_ERR_UNSUPPORTED_VERSION), "5" },
    { "v=1.0", "{\"v\":1.0,\"id\":\"q\",\"type\":\"hello\"}", ERR(YF_SIG_ERR_UNSUPPORTED_VERSION), "\"q\"" },
    { "v=null", "{\"v\":null,\"id\":5,\"type\":\"hello\"}", ERR(YF_SIG_ERR_UNSUPPORTED_VERSION), "5" },
    { "v=2 bad id", "{\"v\":2,\"id\":-5,\"type\":\"hello\"}", ERR(YF_SIG_ERR_UNSUPPORTED_VERSION), "null" },

    { "id float", "{\"id\":1.5,\"type\":\"bye\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "null" },
    { "id 1.0", "{\"id\":1.0,\"type\":\"bye\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "null" },
    { "id negative", "{\"id\":-1,\"type\":\"bye\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "null" },
    { "id object", "{\"id\":{\"a\":1},\"type\":\"bye\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "null" },
    { "id array", "{\"id\":[1],\"type\":\"bye\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "null" },
    { "id bool", "{\"id\":true,\"type\":\"bye\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "null" },
    { "id null", "{\"id\":null,\"type\":\"bye\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "null" },
    { "id missing", "{\"type\":\"bye\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "null" },
    { "id 65 bytes", "{\"id\":\"01234567890123456789012345678901234567890123456789012345678901234\",\"type\":\"bye\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "null" },

    { "type missing", "{\"v\":1,\"id\":6}", ERR(YF_SIG_ERR_BAD_REQUEST), "6" },
    { "type number", "{\"v\":1,\"id\":6,\"type\":7}", ERR(YF_SIG_ERR_BAD_REQUEST), "6" },
    { "type null", "{\"v\":1,\"id\":6,\"type\":null}", ERR(YF_SIG_ERR_BAD_REQUEST), "6" },
    { "unknown type", "{\"v\":1,\"id\":\"u\",\"type\":\"echo.answer\"}", ERR(YF_SIG_ERR_UNKNOWN_TYPE), "\"u\"" },
    { "type reply", "{\"v\":1,\"id\":6,\"type\":\"reply\"}", ERR(YF_SIG_ERR_UNKNOWN_TYPE), "6" },
    { "type case", "{\"v\":1,\"id\":6,\"type\":\"Hello\"}", ERR(YF_SIG_ERR_UNKNOWN_TYPE), "6" },

    { "client number", "{\"id\":1,\"type\":\"hello\",\"client\":1}", ERR(YF_SIG_ERR_BAD_REQUEST), "1" },
    { "offer without sdp", "{\"v\":1,\"id\":9,\"type\":\"echo.offer\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "9" },
    { "sdp number", "{\"v\":1,\"id\":9,\"type\":\"echo.offer\",\"sdp\":12}", ERR(YF_SIG_ERR_BAD_REQUEST), "9" },
    { "sdp null", "{\"v\":1,\"id\":9,\"type\":\"echo.offer\",\"sdp\":null}", ERR(YF_SIG_ERR_BAD_REQUEST), "9" },
    { "candidate missing", "{\"id\":3,\"type\":\"ice.candidate\",\"sdpMid\":\"0\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "3" },
    { "candidate object", "{\"id\":3,\"type\":\"ice.candidate\",\"candidate\":{}}", ERR(YF_SIG_ERR_BAD_REQUEST), "3" },
    { "sdpMid number", "{\"id\":3,\"type\":\"ice.candidate\",\"candidate\":\"\",\"sdpMid\":0}", ERR(YF_SIG_ERR_BAD_REQUEST), "3" },
    { "sdpMid 65 bytes", "{\"id\":3,\"type\":\"ice.candidate\",\"candidate\":\"\",\"sdpMid\":\"01234567890123456789012345678901234567890123456789012345678901234\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "3" },
    { "index 64", "{\"id\":3,\"type\":\"ice.candidate\",\"candidate\":\"\",\"sdpMLineIndex\":64}", ERR(YF_SIG_ERR_BAD_REQUEST), "3" },
    { "index -1", "{\"id\":3,\"type\":\"ice.candidate\",\"candidate\":\"\",\"sdpMLineIndex\":-1}", ERR(YF_SIG_ERR_BAD_REQUEST), "3" },
    { "index string", "{\"id\":3,\"type\":\"ice.candidate\",\"candidate\":\"\",\"sdpMLineIndex\":\"0\"}", ERR(YF_SIG_ERR_BAD_REQUEST), "3" },
    { "index real", "{\"id\":3,\"type\":\"ice.candidate\",\"candidate\":\"\",\"sdpMLineIndex\":0.0}", ERR(YF_SIG_ERR_BAD_REQUEST), "3" },
    { "index huge", "{\"id\":3,\"type\":\"ice.candidate\",\"candidate\":\"\",\"sdpMLineIndex\":4294967296}", ERR(YF_SIG_ERR_BAD_REQUEST), "3" },
};

/* The "id" member of a reply text, compared with the expected JSON text. */
static int reply_id_is(const char *reply, const char *want)
{
    json_t *r = reply ? json_loads(reply, 0, NULL) : NULL;
    json_t *w = json_loads(want, JSON_DECODE_ANY, NULL);
    json_t *v = r ? json_object_get(r, "v") : NULL;
    int same = r && w && json_equal(json_object_get(r, "id"), w) &&
               json_is_integer(v) && json_integer_value(v) == 1;

    json_decref(r);
    json_decref(w);
    return same;
}

/* Parses buf and checks the outcome and the id its reply echoes. */
static void check_parse(const char *name, const char *buf, size_t len,
                        yf_sig_type type, int errc, const char *id)
{
    yf_sig_request req;
    GError *error = NULL;
    gboolean ok = yf_sig_parse(buf, len, &req, &error);
    char *reply;

    if (ok != (errc < 0) || (!ok && !g_error_matches(error, YF_SIG_ERROR, errc)) ||
        (ok && req.type != type))
        fprintf(stderr, "case \"%s\": got %s %s\n", name,
                ok ? "type" : "error",
                ok ? yf_sig_type_str(req.type) : error->message);
    CHECK(ok == (errc < 0));
    if (ok) {
        CHECK_EQ_INT(req.type, type);
        reply = yf_sig_reply_ok_take(&req.id, NULL);
    } else {
        CHECK(error != NULL && error->domain == YF_SIG_ERROR);
        CHECK_EQ_INT(error ? error->code : -1, errc);
        CHECK_EQ_INT(req.type, YF_SIG_NONE);
        CHECK(req.hello.client == NULL && req.offer.sdp == NULL &&
              req.ice.candidate == NULL && req.ice.sdp_mid == NULL);
        reply = yf_sig_reply_gerror(&req.id, error);
    }
    CHECK(reply != NULL);
    if (!reply_id_is(reply, id))
        fprintf(stderr, "case \"%s\": reply %s, wanted id %s\n", name,
                reply ? reply : "(null)", id);
    CHECK(reply_id_is(reply, id));
    g_free(reply);
    g_clear_error(&error);
    yf_sig_request_clear(&req);
}

/* {"id":7,"type":TYPE,"KEY":"<n times 'x'>"} */
static char *with_long_string(const char *type, const char *key, size_t n)
{
    char *fill = g_strnfill(n, 'x');
    char *s = g_strdup_printf("{\"id\":7,\"type\":\"%s\",\"%s\":\"%s\"}", type, key, fill);

    g_free(fill);
    return s;
}

/* {"id":7,"type":"bye","x":[[...[]...]]} with the message nesting depth levels. */
static char *with_depth(int depth)
{
    GString *s = g_string_new("{\"id\":7,\"type\":\"bye\",\"x\":");

    for (int i = 1; i < depth; i++)
        g_string_append_c(s, '[');
    for (int i = 1; i < depth; i++)
        g_string_append_c(s, ']');
    g_string_append_c(s, '}');
    return g_string_free(s, FALSE);
}

/* A valid bye padded with spaces to exactly len bytes. */
static char *padded(size_t len)
{
    const char *msg = "{\"id\":7,\"type\":\"bye\"}";
    char *s = g_malloc(len + 1);

    memset(s, ' ', len);
    memcpy(s, msg, strlen(msg));
    s[len] = '\0';
    return s;
}

static void test_generated(void)
{
    struct { const char *name; char *json; yf_sig_type type; int errc; } g[] = {
        { "sdp 32 KiB", with_long_string("echo.offer", "sdp", YF_SIG_MAX_SDP), OK(YF_SIG_ECHO_OFFER) },
        { "sdp 32 KiB+1", with_long_string("echo.offer", "sdp", YF_SIG_MAX_SDP + 1), ERR(YF_SIG_ERR_BAD_REQUEST) },
        { "candidate 1024", with_long_string("ice.candidate", "candidate", 1024), OK(YF_SIG_ICE_CANDIDATE) },
        { "candidate 1025", with_long_string("ice.candidate", "candidate", 1025), ERR(YF_SIG_ERR_BAD_REQUEST) },
        { "client 256", with_long_string("hello", "client", 256), OK(YF_SIG_HELLO) },
        { "token 4096", with_long_string("room.join", "token", YF_SIG_MAX_TOKEN), OK(YF_SIG_ROOM_JOIN) },
        { "token 4097", with_long_string("room.join", "token", YF_SIG_MAX_TOKEN + 1), ERR(YF_SIG_ERR_BAD_REQUEST) },
        { "publish sdp 32 KiB", with_long_string("publish.offer", "sdp", YF_SIG_MAX_SDP), OK(YF_SIG_PUBLISH_OFFER) },
        { "publish sdp 32 KiB+1", with_long_string("publish.offer", "sdp", YF_SIG_MAX_SDP + 1), ERR(YF_SIG_ERR_BAD_REQUEST) },
        { "client 257", with_long_string("hello", "client", 257), ERR(YF_SIG_ERR_BAD_REQUEST) },
        { "depth 16", with_depth(YF_SIG_MAX_DEPTH), OK(YF_SIG_BYE) },
        { "depth 17", with_depth(YF_SIG_MAX_DEPTH + 1), ERR(YF_SIG_ERR_BAD_REQUEST) },
        { "depth 3000", with_depth(3000), ERR(YF_SIG_ERR_BAD_JSON) },
        { "exactly 64 KiB", padded(YF_SIG_MAX_MESSAGE), OK(YF_SIG_BYE) },
        { "64 KiB + 1", padded(YF_SIG_MAX_MESSAGE + 1), ERR(YF_SIG_ERR_TOO_LARGE) },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(g); i++) {
        int bad_json = g[i].errc == YF_SIG_ERR_BAD_JSON || g[i].errc == YF_SIG_ERR_TOO_LARGE;
        check_parse(g[i].name, g[i].json, strlen(g[i].json), g[i].type,
                    g[i].errc, bad_json ? "null" : "7");
        g_free(g[i].json);
    }
}

static void test_table(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
        check_parse(cases[i].name, cases[i].json, strlen(cases[i].json),
                    cases[i].type, cases[i].errc, cases[i].id);
    /* a raw NUL byte inside the buffer, and a buffer without a terminator */
    check_parse("raw NUL", "{\"id\":1,\"type\":\"bye\"\0}", 22, ERR(YF_SIG_ERR_BAD_JSON), "null");
    check_parse("unterminated buffer", "{\"id\":1,\"type\":\"bye\"}XYZ", 21, OK(YF_SIG_BYE), "1");
    check_parse("NULL buffer", NULL, 0, ERR(YF_SIG_ERR_BAD_JSON), "null");
    test_generated();
}

/* NULL-safe: a NULL want wants NULL. */
static void check_str(const char *got, const char *want)
{
    if (g_strcmp0(got, want) != 0)
        fprintf(stderr, "got  %s\nwant %s\n", got ? got : "(null)", want ? want : "(null)");
    CHECK(g_strcmp0(got, want) == 0);
}

/* One request of each member's kind, with the fields it carries. */
static const struct {
    const char *json;
    yf_sig_request want;
} requests[] = {
    { "{\"id\":1,\"type\":\"hello\",\"client\":\"p/1\"}", { .type = YF_SIG_HELLO, .hello.client = "p/1" } },
    { "{\"id\":2,\"type\":\"echo.offer\",\"sdp\":\"v=0\\r\\n\"}", { .type = YF_SIG_ECHO_OFFER, .offer.sdp = "v=0\r\n" } },
    { "{\"id\":12,\"type\":\"subscribe.answer\",\"sdp\":\"v=0\",\"revision\":4294967295}",
      { .type = YF_SIG_SUBSCRIBE_ANSWER, .offer = { "v=0", 4294967295u } } },
    { "{\"id\":14,\"type\":\"ice.candidate\",\"pc\":\"subscribe\",\"candidate\":\"\"}",
      { .type = YF_SIG_ICE_CANDIDATE, .ice = { "", NULL, -1, YF_SIG_PC_SUBSCRIBE } } },
    { "{\"id\":3,\"type\":\"ice.candidate\",\"candidate\":\"\"}",
      { .type = YF_SIG_ICE_CANDIDATE, .ice = { "", NULL, -1, YF_SIG_PC_NONE } } },
    { "{\"id\":10,\"type\":\"room.join\",\"token\":\"a.b\"}", { .type = YF_SIG_ROOM_JOIN, .join.token = "a.b" } },
    { "{\"id\":17,\"type\":\"room.mute\",\"participant\":\"p3\",\"kind\":\"video\"}",
      { .type = YF_SIG_ROOM_MUTE, .member = { "p3", "video", TRUE } } },
    { "{\"id\":15,\"type\":\"room.mute_self\",\"kind\":\"audio\",\"muted\":false}",
      { .type = YF_SIG_ROOM_MUTE_SELF, .member = { NULL, "audio", FALSE, FALSE } } },
    { "{\"id\":16,\"type\":\"room.admit\",\"observers\":true}",
      { .type = YF_SIG_ROOM_ADMIT, .member = { NULL, "", FALSE, TRUE } } },
    { "{\"id\":10,\"type\":\"room.join\",\"token\":\"a.b\",\"part\":\"deliberation\"}",
      { .type = YF_SIG_ROOM_JOIN, .join = { "a.b", TRUE } } },
    { "{\"id\":10,\"type\":\"room.join\",\"token\":\"a.b\",\"part\":null}", { .type = YF_SIG_ROOM_JOIN, .join = { "a.b", FALSE } } },
    { "{\"id\":19,\"type\":\"agenda.step\",\"step\":4}", { .type = YF_SIG_AGENDA_STEP, .agenda = { 4, FALSE, 0 } } },
    { "{\"id\":20,\"type\":\"agenda.timer\",\"running\":true,\"limit_s\":300}",
      { .type = YF_SIG_AGENDA_TIMER, .agenda = { 0, TRUE, 300 } } },
    { "{\"id\":20,\"type\":\"agenda.timer\",\"running\":false}", { .type = YF_SIG_AGENDA_TIMER, .agenda = { 0, FALSE, 0 } } },
    { "{\"id\":21,\"type\":\"room.gallery\",\"open\":true}", { .type = YF_SIG_ROOM_GALLERY, .member = { NULL, "", FALSE, FALSE, TRUE } } },
    { "{\"id\":21,\"type\":\"room.gallery\",\"open\":false}", { .type = YF_SIG_ROOM_GALLERY, .member = { NULL, "", FALSE, FALSE, FALSE } } },
};

/* Parses json and compares the member of want's type field by field; once
 * cleared, the request holds no string and the candidate defaults again. */
static void check_request(const char *json, const yf_sig_request *want)
{
    yf_sig_request got;

    CHECK(yf_sig_parse(json, strlen(json), &got, NULL));
    CHECK_EQ_INT(got.type, want->type);
    switch (want->type) {
    case YF_SIG_HELLO:
        check_str(got.hello.client, want->hello.client);
        break;
    case YF_SIG_ECHO_OFFER:
    case YF_SIG_SUBSCRIBE_ANSWER:
        check_str(got.offer.sdp, want->offer.sdp);
        CHECK(got.offer.revision == want->offer.revision);
        break;
    case YF_SIG_ICE_CANDIDATE:
        check_str(got.ice.candidate, want->ice.candidate);
        check_str(got.ice.sdp_mid, want->ice.sdp_mid);
        CHECK_EQ_INT(got.ice.sdp_mline_index, want->ice.sdp_mline_index);
        CHECK_EQ_INT(got.ice.pc, want->ice.pc);
        break;
    case YF_SIG_ROOM_JOIN:
        check_str(got.join.token, want->join.token);
        CHECK_EQ_INT(got.join.deliberation, want->join.deliberation);
        break;
    case YF_SIG_AGENDA_STEP:
    case YF_SIG_AGENDA_TIMER:
        CHECK_EQ_INT(got.agenda.step, want->agenda.step);
        CHECK_EQ_INT(got.agenda.running, want->agenda.running);
        CHECK_EQ_INT(got.agenda.limit_s, want->agenda.limit_s);
        break;
    default:
        check_str(got.member.participant, want->member.participant);
        check_str(got.member.kind, want->member.kind);
        CHECK_EQ_INT(got.member.muted, want->member.muted);
        CHECK_EQ_INT(got.member.all_observers, want->member.all_observers);
        CHECK_EQ_INT(got.member.open, want->member.open);
        break;
    }
    yf_sig_request_clear(&got);
    CHECK(got.ice.candidate == NULL && got.ice.pc == YF_SIG_PC_NONE);
}

/* The fields of parsed requests, and their error texts. */
static void test_fields(void)
{
    yf_sig_request req;
    GError *error = NULL;
    const char *msg;

    msg = "{\"id\":3,\"type\":\"ice.candidate\",\"candidate\":\"candidate:1\",\"sdpMid\":\"a\",\"sdpMLineIndex\":5}";

    CHECK(yf_sig_parse(msg, strlen(msg), &req, NULL));
    CHECK(req.ice.candidate && strcmp(req.ice.candidate, "candidate:1") == 0);
    CHECK(req.ice.sdp_mid && strcmp(req.ice.sdp_mid, "a") == 0);
    CHECK_EQ_INT(req.ice.sdp_mline_index, 5);
    CHECK(req.id.set && req.id.is_int && req.id.num == 3);
    yf_sig_request_clear(&req);
    CHECK(req.ice.candidate == NULL && req.ice.sdp_mline_index == -1);

    msg = "{\"id\":\"x\",\"type\":\"ice.candidate\",\"candidate\":\"\"}";
    CHECK(yf_sig_parse(msg, strlen(msg), &req, NULL));
    CHECK(req.ice.candidate && req.ice.candidate[0] == '\0');
    CHECK(req.ice.sdp_mid == NULL);
    CHECK_EQ_INT(req.ice.sdp_mline_index, -1);
    CHECK(req.id.set && !req.id.is_int && strcmp(req.id.str, "x") == 0);
    yf_sig_request_clear(&req);

    yf_sig_request_clear(NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(requests); i++)
        check_request(requests[i].json, &requests[i].want);

    CHECK(!yf_sig_parse("hello", 5, &req, &error));
    CHECK(error && strcmp(error->message, "'[' or '{' expected near 'hello' (line 1, column 5)") == 0);
    g_clear_error(&error);
    yf_sig_request_clear(&req);
    CHECK(!yf_sig_parse("{\"v\":1,\"id\":9,\"type\":\"echo.offer\"}", 34, &req, &error));
    CHECK(error && strcmp(error->message, "echo.offer needs a string field \"sdp\"") == 0);
    g_clear_error(&error);
    yf_sig_request_clear(&req);
}

static void test_replies(void)
{
    yf_sig_id n = { .set = TRUE, .is_int = TRUE, .num = 4 };
    yf_sig_id s = { .set = TRUE, .str = "r-1" };
    yf_sig_id unset = { 0 };
    GError *foreign = g_error_new_literal(G_FILE_ERROR, G_FILE_ERROR_NOENT, "gone");
    GError *mine = g_error_new_literal(YF_SIG_ERROR, YF_SIG_ERR_BUSY, "full");
    json_t *ice = json_pack("[{s:s}]", "urls", "stun:stun.example.org");
    char *t;

#define EXPECT(expr, want) do { t = (expr); check_str(t, want); g_free(t); } while (0)
    EXPECT(yf_sig_reply_ok_take(&n, NULL), "{\"v\":1,\"id\":4,\"type\":\"reply\",\"ok\":true,\"result\":{}}");
    EXPECT(yf_sig_reply_ok_take(&s, json_pack("{s:i}", "a", 1)), "{\"v\":1,\"id\":\"r-1\",\"type\":\"reply\",\"ok\":true,\"result\":{\"a\":1}}");
    EXPECT(yf_sig_reply_ok_take(NULL, NULL), "{\"v\":1,\"id\":null,\"type\":\"reply\",\"ok\":true,\"result\":{}}");
    EXPECT(yf_sig_reply_ok_take(&unset, NULL), "{\"v\":1,\"id\":null,\"type\":\"reply\",\"ok\":true,\"result\":{}}");
    n.num = 9;
    EXPECT(yf_sig_reply_error(&n, YF_SIG_ERR_BAD_REQUEST, "echo.offer needs a string field \"sdp\""),
           "{\"v\":1,\"id\":9,\"type\":\"reply\",\"ok\":false,\"error\":{\"code\":\"bad_request\",\"message\":\"echo.offer needs a string field \\\"sdp\\\"\"}}");
    EXPECT(yf_sig_reply_error(NULL, YF_SIG_ERR_BAD_JSON, "'[' or '{' expected near 'hello' (line 1, column 5)"),
           "{\"v\":1,\"id\":null,\"type\":\"reply\",\"ok\":false,\"error\":{\"code\":\"bad_json\",\"message\":\"'[' or '{' expected near 'hello' (line 1, column 5)\"}}");
    EXPECT(yf_sig_reply_error(&s, (yf_sig_errc)99, NULL),
           "{\"v\":1,\"id\":\"r-1\",\"type\":\"reply\",\"ok\":false,\"error\":{\"code\":\"internal\",\"message\":\"\"}}");
    EXPECT(yf_sig_reply_error(&s, YF_SIG_ERR_NOT_READY, "a\xff" "b"),
           "{\"v\":1,\"id\":\"r-1\",\"type\":\"reply\",\"ok\":false,\"error\":{\"code\":\"not_ready\",\"message\":\"a\xef\xbf\xbd" "b\"}}");
    EXPECT(yf_sig_reply_gerror(&s, foreign), "{\"v\":1,\"id\":\"r-1\",\"type\":\"reply\",\"ok\":false,\"error\":{\"code\":\"internal\",\"message\":\"gone\"}}");
    EXPECT(yf_sig_reply_gerror(&s, mine), "{\"v\":1,\"id\":\"r-1\",\"type\":\"reply\",\"ok\":false,\"error\":{\"code\":\"busy\",\"message\":\"full\"}}");
    n.num = 1;
    EXPECT(yf_sig_reply_hello(&n, "5f0c2a9e", NULL),
           "{\"v\":1,\"id\":1,\"type\":\"reply\",\"ok\":true,\"result\":{\"server\":\"yuanfang\",\"version\":\"" YF_VERSION "\",\"protocol\":1,\"session\":\"5f0c2a9e\",\"ice_servers\":[]}}");
    EXPECT(yf_sig_reply_hello(&s, "s", ice),
           "{\"v\":1,\"id\":\"r-1\",\"type\":\"reply\",\"ok\":true,\"result\":{\"server\":\"yuanfang\",\"version\":\"" YF_VERSION "\",\"protocol\":1,\"session\":\"s\",\"ice_servers\":[{\"urls\":\"stun:stun.example.org\"}]}}");
    CHECK_EQ_INT(ice->refcount, 1); /* borrowed, copied */
    t = yf_sig_reply_hello(&s, "s", json_object_get(json_array_get(ice, 0), "urls"));
    CHECK(t == NULL);
    n.num = 2;
    EXPECT(yf_sig_reply_offer(&n, "v=0\r\na=setup:passive\r\n"),
           "{\"v\":1,\"id\":2,\"type\":\"reply\",\"ok\":true,\"result\":{\"sdp\":\"v=0\\r\\na=setup:passive\\r\\n\"}}");
    t = yf_sig_reply_offer(&n, "v=0\xff");
    CHECK(t == NULL);
    t = yf_sig_reply_offer(&n, NULL);
    CHECK(t == NULL);
#undef EXPECT
    json_decref(ice);
    g_error_free(foreign);
    g_error_free(mine);
}

static void test_events(void)
{
    char *t;

#define EXPECT(expr, want) do { t = (expr); check_str(t, want); g_free(t); } while (0)
    EXPECT(yf_sig_event_ice_candidate("candidate:1 1 UDP 2015363327 127.0.0.1 40231 typ host", "0", 0, YF_SIG_PC_NONE),
           "{\"v\":1,\"type\":\"event\",\"event\":\"ice.candidate\",\"data\":{\"candidate\":\"candidate:1 1 UDP 2015363327 127.0.0.1 40231 typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}");
    EXPECT(yf_sig_event_ice_candidate("", "0", 0, YF_SIG_PC_NONE),
           "{\"v\":1,\"type\":\"event\",\"event\":\"ice.candidate\",\"data\":{\"candidate\":\"\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}");
    EXPECT(yf_sig_event_ice_candidate("", NULL, -1, YF_SIG_PC_NONE),
           "{\"v\":1,\"type\":\"event\",\"event\":\"ice.candidate\",\"data\":{\"candidate\":\"\"}}");
    EXPECT(yf_sig_event_media_state("connecting", NULL, NULL, YF_SIG_PC_NONE),
           "{\"v\":1,\"type\":\"event\",\"event\":\"media.state\",\"data\":{\"state\":\"connecting\"}}");
    EXPECT(yf_sig_event_media_state("connected", "AEAD_AES_128_GCM", NULL, YF_SIG_PC_NONE),
           "{\"v\":1,\"type\":\"event\",\"event\":\"media.state\",\"data\":{\"state\":\"connected\",\"srtp_profile\":\"AEAD_AES_128_GCM\"}}");
    EXPECT(yf_sig_event_media_state("failed", NULL, "dtls timeout", YF_SIG_PC_NONE),
           "{\"v\":1,\"type\":\"event\",\"event\":\"media.state\",\"data\":{\"state\":\"failed\",\"reason\":\"dtls timeout\"}}");
    EXPECT(yf_sig_event_shutdown("restart"),
           "{\"v\":1,\"type\":\"event\",\"event\":\"server.shutdown\",\"data\":{\"reason\":\"restart\"}}");
    EXPECT(yf_sig_event_shutdown(NULL),
           "{\"v\":1,\"type\":\"event\",\"event\":\"server.shutdown\",\"data\":{\"reason\":\"\"}}");
    EXPECT(yf_sig_event_take("x.y", NULL), "{\"v\":1,\"type\":\"event\",\"event\":\"x.y\",\"data\":{}}");
#undef EXPECT
    t = yf_sig_event_take(NULL, json_object());
    CHECK(t == NULL);
    t = yf_sig_event_media_state(NULL, NULL, NULL, YF_SIG_PC_NONE);
    CHECK(t == NULL);
    t = yf_sig_event_ice_candidate("\xc0\x80", NULL, -1, YF_SIG_PC_NONE);
    CHECK(t == NULL);
}

static void test_room_events(void)
{
    yf_sig_id n = { .set = TRUE, .is_int = TRUE, .num = 10 };
    yf_sig_participant ps[2] = {
        { "p1", "\xe7\x8e\x8b\xe6\xa3\x80", "prosecutor", "present", FALSE, FALSE, FALSE, FALSE },
        { "p3", "\xe5\xbc\xa0\xe4\xb8\x89", "petitioner", "waiting", TRUE, FALSE, TRUE, FALSE },
    };
    yf_sig_track tr[2] = { { "0", "p1", "audio", TRUE }, { "1", "p1", "video", FALSE } };
    yf_sig_participant bad = { "p1", NULL, "clerk", "present", FALSE, FALSE, FALSE, FALSE };
    char *t;

#define P1 "{\"id\":\"p1\",\"name\":\"\xe7\x8e\x8b\xe6\xa3\x80\",\"role\":\"prosecutor\",\"state\":\"present\",\"audio_muted\":false,\"video_muted\":false,\"host_muted_audio\":false,\"host_muted_video\":false}"
#define P3 "{\"id\":\"p3\",\"name\":\"\xe5\xbc\xa0\xe4\xb8\x89\",\"role\":\"petitioner\",\"state\":\"waiting\",\"audio_muted\":true,\"video_muted\":false,\"host_muted_audio\":true,\"host_muted_video\":false}"
#define EXPECT(expr, want) do { t = (expr); check_str(t, want); g_free(t); } while (0)
    EXPECT(yf_sig_reply_join(&n, "appt-1", &ps[0], "admitted", ps, 1, NULL, NULL),
           "{\"v\":1,\"id\":10,\"type\":\"reply\",\"ok\":true,\"result\":{\"room\":\"appt-1\",\"self\":" P1 ",\"state\":\"admitted\",\"participants\":[" P1 "],\"recording\":true,\"ice_servers\":[]}}");
    EXPECT(yf_sig_event_participants(FALSE, ps, 2),
           "{\"v\":1,\"type\":\"event\",\"event\":\"room.participants\",\"data\":{\"participants\":[" P1 "," P3 "]}}");
    EXPECT(yf_sig_event_participants(TRUE, &ps[1], 1),
           "{\"v\":1,\"type\":\"event\",\"event\":\"room.waiting\",\"data\":{\"waiting\":[" P3 "]}}");
    EXPECT(yf_sig_event_participants(TRUE, NULL, 0),
           "{\"v\":1,\"type\":\"event\",\"event\":\"room.waiting\",\"data\":{\"waiting\":[]}}");
    EXPECT(yf_sig_event_admitted(), "{\"v\":1,\"type\":\"event\",\"event\":\"room.admitted\",\"data\":{}}");
    EXPECT(yf_sig_event_gallery(TRUE), "{\"v\":1,\"type\":\"event\",\"event\":\"room.gallery\",\"data\":{\"open\":true}}");
    EXPECT(yf_sig_event_gallery(FALSE), "{\"v\":1,\"type\":\"event\",\"event\":\"room.gallery\",\"data\":{\"open\":false}}");
    EXPECT(yf_sig_event_removed("removed by the host"),
           "{\"v\":1,\"type\":\"event\",\"event\":\"room.removed\",\"data\":{\"reason\":\"removed by the host\"}}");
    EXPECT(yf_sig_event_muted("audio", "p1", TRUE),
           "{\"v\":1,\"type\":\"event\",\"event\":\"room.muted\",\"data\":{\"kind\":\"audio\",\"by\":\"p1\"}}");
    EXPECT(yf_sig_event_muted("video", "p1", FALSE),
           "{\"v\":1,\"type\":\"event\",\"event\":\"room.muted\",\"data\":{\"kind\":\"video\",\"by\":\"p1\",\"muted\":false}}");
    EXPECT(yf_sig_event_subscribe_offer("v=0\r\n", 2, tr, 2),
           "{\"v\":1,\"type\":\"event\",\"event\":\"subscribe.offer\",\"data\":{\"sdp\":\"v=0\\r\\n\",\"revision\":2,\"tracks\":[{\"mid\":\"0\",\"participant\":\"p1\",\"kind\":\"audio\",\"active\":true},{\"mid\":\"1\",\"participant\":\"p1\",\"kind\":\"video\",\"active\":false}]}}");
    EXPECT(yf_sig_event_speaking("p2", 35),
           "{\"v\":1,\"type\":\"event\",\"event\":\"room.speaking\",\"data\":{\"participant\":\"p2\",\"level\":35}}");
    EXPECT(yf_sig_event_active_speaker("p2"),
           "{\"v\":1,\"type\":\"event\",\"event\":\"room.active_speaker\",\"data\":{\"participant\":\"p2\"}}");
    EXPECT(yf_sig_event_ice_candidate("", "0", 0, YF_SIG_PC_SUBSCRIBE),
           "{\"v\":1,\"type\":\"event\",\"event\":\"ice.candidate\",\"data\":{\"candidate\":\"\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0,\"pc\":\"subscribe\"}}");
    EXPECT(yf_sig_event_media_state("connected", "AEAD_AES_128_GCM", NULL, YF_SIG_PC_PUBLISH),
           "{\"v\":1,\"type\":\"event\",\"event\":\"media.state\",\"data\":{\"state\":\"connected\",\"srtp_profile\":\"AEAD_AES_128_GCM\",\"pc\":\"publish\"}}");
#undef EXPECT
#undef P1
#undef P3
    t = yf_sig_reply_join(&n, "r", &bad, "admitted", NULL, 0, NULL, NULL);
    CHECK(t == NULL);
    t = yf_sig_event_participants(FALSE, &bad, 1);
    CHECK(t == NULL);
    t = yf_sig_event_subscribe_offer(NULL, 1, tr, 2);
    CHECK(t == NULL);
    CHECK(strcmp(yf_sig_errc_str(YF_SIG_ERR_TOKEN_EXPIRED), "token_expired") == 0);
    CHECK(strcmp(yf_sig_errc_str(YF_SIG_ERR_STALE), "stale") == 0);
    CHECK(strcmp(yf_sig_type_str(YF_SIG_ROOM_MUTE_SELF), "room.mute_self") == 0);
    CHECK(strcmp(yf_sig_pc_str(YF_SIG_PC_PUBLISH), "publish") == 0);
    CHECK(yf_sig_pc_str(YF_SIG_PC_NONE) == NULL);
}

static void test_names(void)
{
    CHECK(strcmp(yf_sig_errc_str(YF_SIG_ERR_BAD_JSON), "bad_json") == 0);
    CHECK(strcmp(yf_sig_errc_str(YF_SIG_ERR_UNSUPPORTED_VERSION), "unsupported_version") == 0);
    CHECK(strcmp(yf_sig_errc_str(YF_SIG_ERR_INTERNAL), "internal") == 0);
    CHECK(strcmp(yf_sig_errc_str((yf_sig_errc)-1), "internal") == 0);
    CHECK(strcmp(yf_sig_type_str(YF_SIG_ICE_CANDIDATE), "ice.candidate") == 0);
    CHECK(yf_sig_type_str(YF_SIG_NONE) == NULL);
}

int main(void)
{
    test_table();
    test_fields();
    test_replies();
    test_events();
    test_room_events();
    test_names();
    return yf_test_done("test_signaling_codec");
}
