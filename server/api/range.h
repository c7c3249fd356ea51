/* range.h -- the HTTP Range request header for downloads (RFC 9110 §14.1.2,
 * §14.2): one byte range "bytes=a-b", "bytes=a-" or "bytes=-n" resolved against
 * a file's size. Multiple ranges are not served (the whole file is sent instead,
 * as §14.2 allows). Pure: no IO, no allocation. */
#ifndef YF_RANGE_H
#define YF_RANGE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    YF_RANGE_NONE,           /* no header, another unit, a multi-range or a malformed
                              * value: ignore it and send the whole file (200) */
    YF_RANGE_OK,             /* a satisfiable range: 206 with Content-Range */
    YF_RANGE_UNSATISFIABLE,  /* well formed but outside the file: 416 */
} yf_range_result;

/* Parses header (len bytes, need not be NUL-terminated; NULL = absent) against
 * size bytes. On YF_RANGE_OK, *first and *last are the inclusive byte offsets,
 * first <= last < size. */
yf_range_result yf_range_parse(const char *header, size_t len, int64_t size, int64_t *first,
                               int64_t *last);

#endif
