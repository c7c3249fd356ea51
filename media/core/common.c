/* common.c -- yf_strerror for the media core's error codes. */
#include "common.h"

const char *yf_strerror(int err)
{
    switch (err) {
    case YF_OK: return "ok";
    case YF_ESHORT: return "input too short";
    case YF_EMALFORMED: return "malformed input";
    case YF_EAUTH: return "authentication failed";
    case YF_ESTATE: return "not allowed in this state";
    case YF_ENOMEM: return "out of memory or buffer too small";
    case YF_EUNSUPPORTED: return "unsupported";
    case YF_ECRYPTO: return "crypto failure";
    default: return "unknown error";
    }
}
