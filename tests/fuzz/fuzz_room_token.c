/* fuzz_room_token.c -- libFuzzer target for the room token check
 * (signaling/token/room_token.c): the input is a token as a client sends it
 * in room.join, checked against a fixed key. Nothing may crash; a token that
 * verifies must carry every claim, and minting its claims again must give a
 * token that verifies to the same claims (the MAC covers them all). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "signaling/token/room_token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    yf_room_key key;
    yf_room_claims c = {0}, again = {0};
    memset(key.bytes, 0x42, sizeof key.bytes);
    char *text = g_strndup((const char *)data, size);   /* stops at a NUL, as the JSON codec hands it over */
    if (yf_room_token_verify(&key, text, NULL, 0, &c, NULL)) {
        if (!c.room || !c.participant || !c.name || !c.role)
            abort();
        char *tok = yf_room_token_mint(&key, &c);
        if (!tok || !yf_room_token_verify(&key, tok, c.room, 0, &again, NULL) ||
            strcmp(again.participant, c.participant) != 0 || g_strcmp0(again.session, c.session) != 0)
            abort();
        g_free(tok);
    }
    yf_room_claims_clear(&c);
    yf_room_claims_clear(&again);
    g_free(text);
    return 0;
}
