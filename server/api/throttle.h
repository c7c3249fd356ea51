/* throttle.h -- failure counting for sign-in: after too many failed attempts
 * for one key (a username, a client address) within a window, the key is
 * refused until the window ends. Pure: time is passed in; bounded memory. */
#ifndef YF_THROTTLE_H
#define YF_THROTTLE_H

#include <glib.h>
#include <stdint.h>

typedef struct yf_throttle yf_throttle;

/* max_failures within window_ms lock a key for the rest of that window (at
 * least lock_ms). max_keys bounds the table; when full, expired entries go
 * first, then unlocked ones (oldest window first), then the lock ending
 * soonest. */
yf_throttle *yf_throttle_new(unsigned max_failures, int64_t window_ms, int64_t lock_ms, unsigned max_keys);
void yf_throttle_free(yf_throttle *t); /* accepts NULL */

/* 0 if the key may try now, else the milliseconds until it may. */
int64_t yf_throttle_wait_ms(yf_throttle *t, const char *key, int64_t now_ms);
/* Records a failure / a success (which clears the key). */
void yf_throttle_fail(yf_throttle *t, const char *key, int64_t now_ms);
void yf_throttle_success(yf_throttle *t, const char *key);
/* TRUE the first time it is asked about the key's current lock, FALSE after
 * (and when the key is not locked): one report per lockout, however many
 * refused attempts follow. */
gboolean yf_throttle_first_refusal(yf_throttle *t, const char *key, int64_t now_ms);
guint yf_throttle_size(const yf_throttle *t);

#endif
