/* sigroom_wait.h -- for the tests of signaling/sigroom.c on the default main
 * context: letting time pass, and letting the hosts' coalesced rosters go. */
#ifndef SIGROOM_WAIT_H
#define SIGROOM_WAIT_H

#include <glib.h>
#include "signaling/sigroom.h"

/* Runs the default context for ms milliseconds. */
static inline void run_for_ms(guint ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
    while (g_get_monotonic_time() < end)
        g_main_context_iteration(NULL, FALSE), g_usleep(2000);
}

/* The hosts' rosters go out at most once per YF_SIGROOM_HOST_LIST_GAP_MS:
 * lets a pending one go. */
static inline void hosts_told(void)
{
    run_for_ms(YF_SIGROOM_HOST_LIST_GAP_MS + 20);
    while (g_main_context_iteration(NULL, FALSE))
        ; /* one due at the deadline, on a machine slow to wake us */
}

#endif
