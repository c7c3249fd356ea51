/* fuzz_demux.c -- libFuzzer target for yf_demux_classify (RFC 7983 §7,
 * RFC 5761 §4): the class must agree with the first two bytes and the
 * minimum header lengths, and RTP/RTCP datagrams go on to their parsers. */
#include <stdlib.h>
#include "media/core/demux.h"
#include "media/core/rtcp.h"
#include "media/core/rtp.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    yf_demux_kind k = yf_demux_classify(data, size);
    uint8_t b = size ? data[0] : 0xff;
    switch (k) {
    case YF_DEMUX_STUN:
        FUZZ_CHECK(b <= 3 && size >= 20);
        break;
    case YF_DEMUX_DTLS:
        FUZZ_CHECK(b >= 20 && b <= 63 && size >= 13);
        break;
    case YF_DEMUX_RTP: {
        yf_rtp_header h;
        FUZZ_CHECK(b >= 128 && b <= 191 && size >= 12 && !(data[1] >= 192 && data[1] <= 223));
        if (yf_rtp_parse(data, size, &h) == YF_OK)
            FUZZ_CHECK(h.header_len + h.payload_len + h.padding_len == size);
        break;
    }
    case YF_DEMUX_RTCP:
        FUZZ_CHECK(b >= 128 && b <= 191 && size >= 8 && data[1] >= 192 && data[1] <= 223);
        (void)yf_rtcp_validate(data, size, false);
        break;
    default:
        FUZZ_CHECK(k == YF_DEMUX_GARBAGE);
        FUZZ_CHECK(!(b <= 3 && size >= 20) && !(b >= 20 && b <= 63 && size >= 13) &&
                   !(b >= 128 && b <= 191 && size >= 12));
        break;
    }
    return 0;
}
