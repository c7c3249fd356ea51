/* rtcp_priv.h -- helpers shared by rtcp.c and rtcp_fb.c only (RFC 3550 §6.4.1
 * common header). Not part of the public API. */
#ifndef YF_RTCP_PRIV_H
#define YF_RTCP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YF_RTCP_MAX_LEN ((size_t)65536 * 4) /* 16-bit length field, in words */

/* Writes the 4-byte common header for a packet of total bytes (a multiple
 * of 4, at most YF_RTCP_MAX_LEN); returns 4. */
size_t yf_rtcp_put_header(uint8_t *dst, bool padding, uint8_t count, uint8_t pt, size_t total);

#endif
