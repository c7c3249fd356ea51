/* common.h -- error codes and small helpers shared by the sans-IO media core.
 * Core functions return a yf_err (0 or negative); nothing here allocates,
 * reads a clock or touches IO. */
#ifndef YF_COMMON_H
#define YF_COMMON_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    YF_OK = 0,
    YF_ESHORT = -1,       /* input shorter than its headers say */
    YF_EMALFORMED = -2,   /* input violates the format */
    YF_EAUTH = -3,        /* authentication (SRTP tag, DTLS fingerprint) failed */
    YF_ESTATE = -4,       /* call not allowed in the current state */
    YF_ENOMEM = -5,       /* allocation failed or caller's buffer too small */
    YF_EUNSUPPORTED = -6, /* valid but not something we handle */
    YF_ECRYPTO = -7,      /* crypto library failure */
} yf_err;

/* Human-readable text for a yf_err; never NULL. */
const char *yf_strerror(int err);

/* Big-endian helpers; callers check bounds first. */
static inline uint16_t yf_rd16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t yf_rd24(const uint8_t *p) { return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2]; }
static inline uint32_t yf_rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void yf_wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void yf_wr24(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 16); p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)v; }
static inline void yf_wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

#define YF_TIME_NEVER INT64_MAX /* "no timeout pending" in poll_output */

#endif
