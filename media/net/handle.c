/* handle.c -- what an echo session and a room share (net_priv.h): the
 * handle both threads hold (refs, placement on a worker, the stop that ends
 * the worker half) and the notes from the worker to the control thread,
 * which are dropped once the handle is closed. No lock: the handle's
 * fields are owned as yf_net_handle says. */
#include "net_priv.h"

void yf_net_handle_init(yf_net_handle *h, yf_net *m, yf_net_handle_fn teardown)
{
    h->refs = 1;
    h->id = ++m->next_session_id;
    h->conf = m;
    h->media = m;
    h->teardown = teardown;
}

void yf_net_handle_place(yf_net_handle *h)
{
    h->worker = yf_net_place(h->media);
    g_hash_table_add(h->media->live, h);
}

gpointer yf_net_handle_ref(gpointer data)
{
    yf_net_handle *h = data;

    g_atomic_int_inc(&h->refs);
    return h;
}

void yf_net_handle_unref(gpointer data)
{
    yf_net_handle *h = data;

    if (g_atomic_int_dec_and_test(&h->refs))
        g_free(h);
}

/* Worker: the object's teardown; its session no longer loads the worker. */
static gboolean teardown_on_worker(gpointer data)
{
    yf_net_handle *h = data;

    h->teardown(h);
    g_atomic_int_add(&h->worker->load, -1);
    return G_SOURCE_REMOVE;
}

void yf_net_handle_stop(yf_net_handle *h)
{
    h->closed = TRUE;
    if (!h->media)
        return;
    g_hash_table_remove(h->media->live, h);
    h->media = NULL;
    yf_net_post(h->worker->ctx, teardown_on_worker, yf_net_handle_ref(h), yf_net_handle_unref);
}

/* ---- notes (worker -> control) ---- */

yf_net_note *yf_net_note_new(yf_net_handle *h, yf_net_note_fn deliver, int kind, const char *text,
                             const char *text2, const char *reason)
{
    yf_net_note *n = g_new0(yf_net_note, 1);

    n->h = yf_net_handle_ref(h);
    n->deliver = deliver;
    n->kind = kind;
    n->text = g_strdup(text);
    n->text2 = g_strdup(text2);
    n->reason = g_strdup(reason);
    return n;
}

static gboolean note_run(gpointer data)
{
    const yf_net_note *n = data;

    if (!n->h->closed)
        n->deliver(n);
    return G_SOURCE_REMOVE;
}

static void note_free(gpointer data)
{
    yf_net_note *n = data;

    yf_net_handle_unref(n->h);
    g_free(n->text);
    g_free(n->text2);
    g_free(n->reason);
    if (n->tracks)
        g_array_unref(n->tracks);
    g_free(n);
}

void yf_net_note_post(yf_net_note *n)
{
    yf_net_post(n->h->conf->control, note_run, n, note_free);
}
