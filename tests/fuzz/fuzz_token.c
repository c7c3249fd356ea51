/* fuzz_token.c -- libFuzzer target for reading a session or invitation token
 * (server/store/token.c): the input is what a client puts after "Bearer " or
 * "Invitation ", or in ?t= or the console's cookie. Nothing may crash; a text
 * taken as a token must be the 43-character base64url form of 32 bytes, and
 * encoding what it decodes to must give the text back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "server/store/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    guint8 hash[32];
    char *text = g_strndup((const char *)data, size);
    if (yf_token_hash(text, hash) && strlen(text) != 43)
        abort();
    g_free(text);
    return 0;
}
