/* fuzz_peer_datagram.c -- libFuzzer target for every byte path from a media
 * socket into our own code. libnice reads STUN itself (its attributes never
 * reach us: yf_peer only counts a STUN datagram); what it hands on goes to
 * yf_peer_handle_datagram: the first-byte classifier (RFC 7983 section 7),
 * the new-ClientHello check on a connected server (RFC 6347 section
 * 4.2.8), DTLS records into OpenSSL, SRTP/SRTCP unprotect, and the RTP/RTCP
 * checks behind it. The server peer is connected once to a client peer (a
 * real handshake in memory); the first input byte picks the path: 0 the bytes
 * as they came (any state a stranger can reach), 1 the bytes as RTP and 2 as
 * RTCP protected by the client first (what a browser with the keys can make
 * us decrypt). Outputs are polled until "timeout", as the worker does. */
#include <stdlib.h>
#include <string.h>
#include "media/core/common.h"
#include "media/core/peer.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static yf_dtls_cert *cert_c, *cert_s;
static yf_peer *client, *server;

/* Drains p; transmits go to `to` (when not NULL). Returns outputs seen. */
static int drain(yf_peer *p, yf_peer *to)
{
    yf_output o;
    int n = 0;
    for (int i = 0; i < 1000; i++) {
        yf_peer_poll_output(p, 0, &o);
        if (o.kind == YF_OUT_TIMEOUT)
            return n;
        n++;
        if (o.kind == YF_OUT_TRANSMIT) {
            FUZZ_CHECK(o.data && o.len > 0 && o.len <= 65536);
            if (to)
                (void)yf_peer_handle_datagram(to, 0, o.data, o.len);
        } else if (o.kind == YF_OUT_EVENT && (o.event == YF_EV_RTP || o.event == YF_EV_RTCP)) {
            FUZZ_CHECK(o.data && o.len > 0);
        }
    }
    abort();   /* a peer that never says "timeout" */
}

static yf_peer *make(yf_dtls_role role, const yf_dtls_cert *mine, const yf_dtls_cert *theirs)
{
    yf_peer_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.cert = mine;
    cfg.role = role;
    yf_dtls_cert_fingerprint(theirs, cfg.remote_fingerprint, sizeof cfg.remote_fingerprint);
    return yf_peer_new(&cfg, 0);
}

/* A connected pair, made again when an input has closed or broken it. */
static void ensure_connected(void)
{
    if (!cert_c) {
        FUZZ_CHECK(yf_dtls_cert_generate(&cert_c) == YF_OK);
        FUZZ_CHECK(yf_dtls_cert_generate(&cert_s) == YF_OK);
    }
    if (server && client && yf_peer_is_connected(server) && yf_peer_is_connected(client))
        return;
    yf_peer_free(client);
    yf_peer_free(server);
    client = make(YF_DTLS_ROLE_CLIENT, cert_c, cert_s);
    server = make(YF_DTLS_ROLE_SERVER, cert_s, cert_c);
    FUZZ_CHECK(client && server);
    for (int i = 0; i < 50; i++)
        if (drain(client, server) + drain(server, client) == 0)
            break;
    FUZZ_CHECK(yf_peer_is_connected(server) && yf_peer_is_connected(client));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    ensure_connected();
    uint8_t mode = data[0] % 3;
    data++;
    size--;
    yf_peer_stats before, after;
    yf_peer_get_stats(server, &before);
    if (mode == 0) {
        (void)yf_peer_handle_datagram(server, 0, data, size);
    } else {
        int rc = mode == 1 ? yf_peer_send_rtp(client, 0, data, size) : yf_peer_send_rtcp(client, 0, data, size);
        if (rc == YF_OK)
            drain(client, server);   /* the protected datagram reaches the server */
    }
    drain(server, NULL);
    yf_peer_get_stats(server, &after);
    /* A STUN datagram (first byte 0..3) is libnice's: counted, nothing else. */
    if (mode == 0 && size >= 1 && data[0] <= 3)
        FUZZ_CHECK(after.stun_in == before.stun_in + 1 && after.rtp_in == before.rtp_in &&
                   after.dtls_in == before.dtls_in);
    return 0;
}
