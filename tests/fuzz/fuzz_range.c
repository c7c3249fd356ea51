/* fuzz_range.c -- libFuzzer target for server/api/range.c: the first 8 bytes pick
 * the file size, the rest is a Range header value. An accepted range must lie
 * inside the file; no input may crash or read past the buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "server/api/range.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t fsize = 0;
    int64_t first = -1, last = -1;
    if (size < 8)
        return 0;
    memcpy(&fsize, data, 8);
    int64_t file_size = (int64_t)(fsize >> 2);   /* non-negative */
    yf_range_result r = yf_range_parse((const char *)data + 8, size - 8, file_size, &first, &last);
    if (r == YF_RANGE_OK && (first < 0 || last < first || last >= file_size))
        abort();
    return 0;
}
