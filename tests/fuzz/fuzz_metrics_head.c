/* fuzz_metrics_head.c -- libFuzzer target for the /metrics listener's reading
 * of a request head (server/metrics_http.c, yf_metrics_route): any bytes up
 * to the listener's head limit. Only "GET /metrics HTTP/1.x" as the request
 * line may be served; nothing may crash or read past the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "server/metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > YF_METRICS_HEAD_MAX)
        return 0;
    char *copy = malloc(size ? size : 1);   /* exactly size bytes: ASan sees any read past them */
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    yf_metrics_answer a = yf_metrics_route(copy, size);
    if (a == YF_METRICS_SERVE && (size < 20 || memcmp(copy, "GET /metrics HTTP/1.", 20) != 0))
        abort();
    free(copy);
    return 0;
}
