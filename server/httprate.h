/* httprate.h -- HTTP requests per client address: a token bucket per
 * address (docs/api.md, "Limits"), and which request was refused, so the
 * part of the server that answers it (the REST API, or the file server's
 * 429 page) can say so. Control thread only. */
#ifndef YF_HTTPRATE_H
#define YF_HTTPRATE_H

#include <glib.h>
#include "signaling/peers/peers.h"

typedef struct yf_httprate yf_httprate;

/* per_s requests a second from one address, burst_s seconds' worth at once.
 * The table holds at most max_addresses buckets (a full, idle bucket is
 * forgotten first; when none is, the oldest is). */
yf_httprate *yf_httprate_new(double per_s, double burst_s, guint max_addresses);
void yf_httprate_free(yf_httprate *h);   /* accepts NULL */

/* Counts one request of req (a key only, never dereferenced) from key at
 * now_us: 0 when it may go on, else the seconds to wait (at least 1), and req
 * is remembered as refused until yf_httprate_refused takes it. */
guint yf_httprate_take(yf_httprate *h, const void *req, const yf_peer_key *key, gint64 now_us);

/* The seconds req was told to wait, or 0 when it was not refused; forgets it. */
guint yf_httprate_refused(yf_httprate *h, const void *req);

/* req is gone (its wsi destroyed): forgets it. */
void yf_httprate_forget(yf_httprate *h, const void *req);

guint yf_httprate_addresses(const yf_httprate *h);

#endif
