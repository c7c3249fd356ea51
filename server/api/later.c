/* later.c -- work a handler hands to a thread (yf_api_later, api_priv.h):
 * writing, syncing and hashing an 8 MiB upload, drawing a receipt with cairo.
 * The control thread also carries every room's signaling, so it must not wait
 * on the disk or a renderer for a tenth of a second; the work runs on GLib's
 * task threads and its result is made into the reply back on the control
 * thread. A request that goes away meanwhile leaves its job running: the
 * store part still happens (the file is on disk and must be known), only the
 * reply is dropped. A stopping server waits for the jobs still here
 * (yf_api_busy, server/main.c) before it frees the API. */
#define G_LOG_DOMAIN "yf-api"
#include "api_priv.h"

#include <gio/gio.h>

struct yf_api_later_job {
    yf_api *api;               /* NULL once the API is gone */
    yf_api_req *r;             /* NULL once the request is gone, or for work without one */
    yf_api_later_work work;
    yf_api_later_done done;
    gpointer data;
    GDestroyNotify free_data;
};

static void later_thread(GTask *task, gpointer src, gpointer task_data, GCancellable *cancel)
{
    (void)src;
    (void)cancel;
    yf_api_later_job *l = task_data;
    l->work(l->data);
    g_task_return_boolean(task, TRUE);
}

/* Back on the control thread (the main context the task was made on). */
static void later_ready(GObject *src, GAsyncResult *res, gpointer user)
{
    (void)src;
    (void)res;
    yf_api_later_job *l = user;
    if (l->api) {
        g_hash_table_remove(l->api->laters, l);
        yf_api_req *r = l->r;
        if (r) {
            r->later = NULL;
            r->now_ms = g_get_real_time() / 1000;
        }
        l->done(l->api, r, l->data);
        if (r)
            yf_api_resume(r);
    }
    if (l->free_data)
        l->free_data(l->data);
    g_free(l);
}

void yf_api_later(yf_api *api, yf_api_req *r, yf_api_later_work work, yf_api_later_done done, gpointer data,
                  GDestroyNotify free_data)
{
    if (r && !r->wsi) {   /* a detached run (the CLI, the fuzzer): at once, on this thread */
        work(data);
        done(api, r, data);
        if (free_data)
            free_data(data);
        return;
    }
    yf_api_later_job *l = g_new0(yf_api_later_job, 1);
    *l = (yf_api_later_job){api, r, work, done, data, free_data};
    if (r)
        r->later = l;
    g_hash_table_add(api->laters, l);
    GTask *task = g_task_new(NULL, NULL, later_ready, l);
    g_task_set_task_data(task, l, NULL);
    g_task_set_name(task, "yf-api later");
    g_task_run_in_thread(task, later_thread);
    g_object_unref(task);
}

unsigned yf_api_busy(const yf_api *api)
{
    return api && api->laters ? g_hash_table_size(api->laters) : 0;
}

void yf_api_later_detach(yf_api_later_job *l)
{
    l->r = NULL;
}

void yf_api_laters_drop(yf_api *api)
{
    GHashTableIter it;
    gpointer k;
    g_hash_table_iter_init(&it, api->laters);
    while (g_hash_table_iter_next(&it, &k, NULL)) {
        yf_api_later_job *l = k;
        l->api = NULL;   /* its result is freed, not applied */
        l->r = NULL;
    }
    g_hash_table_destroy(api->laters);
    api->laters = NULL;
}
