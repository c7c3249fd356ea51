/* worker.c -- the media worker threads: N threads, each running its own
 * GMainContext, the one-way posting queue the control thread and the
 * workers use to talk (an idle source per message, FIFO per context) and the
 * timer source that drives peers and routers on a worker. A
 * worker owns the sessions placed on it; nothing here takes a lock. Must not
 * touch disk, libwebsockets or SQLite. */
#include "net_priv.h"

#include <gio/gio.h>
#include <malloc.h>
#include <string.h>

G_DEFINE_QUARK(yf-media-error-quark, yf_net_error)

void yf_net_post(GMainContext *ctx, GSourceFunc fn, gpointer data, GDestroyNotify destroy)
{
    /* Not g_main_context_invoke_full: it may run fn synchronously when the
     * caller happens to own ctx, and every caller here wants "later, on the
     * owner thread, in order". Same-priority sources dispatch in the order
     * they were attached. */
    GSource *src = g_idle_source_new();
    g_source_set_priority(src, G_PRIORITY_DEFAULT);
    g_source_set_callback(src, fn, data, destroy);
    g_source_set_static_name(src, "yf-media post");
    g_source_attach(src, ctx);
    g_source_unref(src);
}

static gboolean timer_dispatch(GSource *src, GSourceFunc fn, gpointer data)
{
    g_source_set_ready_time(src, -1);
    return fn(data);
}

static GSourceFuncs timer_funcs = { .dispatch = timer_dispatch };

GSource *yf_net_timer_new(GMainContext *ctx, const char *name, GSourceFunc fn, gpointer data)
{
    GSource *t = g_source_new(&timer_funcs, sizeof(GSource));

    g_source_set_callback(t, fn, data, NULL);
    g_source_set_static_name(t, name);
    g_source_attach(t, ctx);
    return t;
}

void yf_net_timer_arm(GSource *timer, int64_t at_us)
{
    if (at_us == YF_TIME_NEVER)
        g_source_set_ready_time(timer, -1);
    else
        g_source_set_ready_time(timer, at_us < 0 ? 0 : at_us);
}

static gpointer worker_main(gpointer data)
{
    yf_worker *w = data;

    yf_net_stats_set_mine(&w->stats);
    g_main_context_push_thread_default(w->ctx);
    g_main_loop_run(w->loop);
    g_main_context_pop_thread_default(w->ctx);
    return NULL;
}

static gboolean worker_quit(gpointer data)
{
    yf_worker *w = data;

    g_main_loop_quit(w->loop);
    return G_SOURCE_REMOVE;
}

static gboolean worker_start(yf_worker *w, unsigned index, GError **err)
{
    char name[16];

    w->index = index;
    w->ctx = g_main_context_new();
    w->loop = g_main_loop_new(w->ctx, FALSE);
    g_snprintf(name, sizeof name, "yf-media-%u", index);
    w->thread = g_thread_try_new(name, worker_main, w, err);
    return w->thread != NULL;
}

/* Quits the loop after everything already posted, joins, frees. Sources
 * still attached (none, once every session is torn down) die with ctx. */
static void worker_stop(yf_worker *w)
{
    if (w->thread) {
        yf_net_post(w->ctx, worker_quit, w, NULL);
        g_thread_join(w->thread);
        w->thread = NULL;
    }
    if (w->loop)
        g_main_loop_unref(w->loop);
    if (w->ctx)
        g_main_context_unref(w->ctx);
    w->loop = NULL;
    w->ctx = NULL;
}

static gboolean check_addresses(char **addrs, GError **err)
{
    for (char **a = addrs; a && *a; a++) {
        NiceAddress na;

        nice_address_init(&na);
        if (!nice_address_set_from_string(&na, *a)) {
            g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_CONFIG,
                        "local address \"%s\" is not an IPv4 or IPv6 address", *a);
            return FALSE;
        }
    }
    return TRUE;
}

/* libnice's "stun-server" takes an IP address only: resolve a host name
 * once, at start-up (this blocks). Unresolvable: no server-reflexive
 * candidates, which only matters behind NAT, so a warning, not a failure. */
static char *stun_address(const char *host)
{
    GResolver *r;
    GList *addrs;
    char *ip = NULL;

    if (!host || !*host || g_hostname_is_ip_address(host))
        return g_strdup(host && *host ? host : NULL);
    r = g_resolver_get_default();
    addrs = g_resolver_lookup_by_name(r, host, NULL, NULL);
    for (GList *l = addrs; l && !ip; l = l->next)
        if (g_inet_address_get_family(l->data) == G_SOCKET_FAMILY_IPV4)
            ip = g_inet_address_to_string(l->data);
    if (!ip && addrs)
        ip = g_inet_address_to_string(addrs->data);
    g_resolver_free_addresses(addrs);
    g_object_unref(r);
    if (!ip)
        g_warning("media: cannot resolve STUN server \"%s\"; no server-reflexive candidates", host);
    return ip;
}

static void copy_config(yf_net *m, const yf_net_config *cfg)
{
    m->local_addresses = g_strdupv(cfg->local_addresses);
    m->port_min = cfg->port_min;
    m->port_max = cfg->port_max;
    m->stun_server = stun_address(cfg->stun_server);
    m->stun_port = cfg->stun_port ? cfg->stun_port : 3478;
    m->cert = cfg->cert;
    m->ice_tcp = cfg->ice_tcp;
    m->audio_resilience = cfg->audio_resilience;
    m->audio_red = cfg->audio_red;
}

/* A connection's DTLS session is written off once its peer has sent media
 * (dtls.h, yf_dtls_retire), freeing some 40 KiB; glibc keeps such memory in
 * the worker thread's arena, between live allocations, and the resident
 * size an operator watches would keep the peak of the last burst of joins
 * (a public hearing's audience arriving: 208 against 169 KiB per viewer
 * at 200). So every 10 s, when sessions were written off since, the free
 * pages go back to the system (malloc_trim: an arena is locked while it is
 * walked, a few milliseconds at most; workers do not allocate per packet).
 * On the control thread, not a media one. */
static gboolean give_back_memory(gpointer data)
{
    yf_net *m = data;
    uint64_t n = yf_peer_dtls_retired_total();

    if (n != m->trimmed_at) {
        m->trimmed_at = n;
        malloc_trim(0);
    }
    return G_SOURCE_CONTINUE;
}

yf_net *yf_net_new(const yf_net_config *cfg, GMainContext *control, GError **err)
{
    yf_net *m = NULL;

    g_return_val_if_fail(cfg != NULL && cfg->cert != NULL, NULL);
    if (!check_addresses(cfg->local_addresses, err))
        return NULL;
    m = g_new0(yf_net, 1);
    copy_config(m, cfg);
    m->control = g_main_context_ref(control ? control : g_main_context_default());
    m->parser = nice_agent_new(m->control, NICE_COMPATIBILITY_RFC5245);
    m->live = g_hash_table_new(NULL, NULL);
    m->n_workers = cfg->n_workers ? cfg->n_workers : g_get_num_processors();
    m->workers = g_new0(yf_worker, m->n_workers);
    for (unsigned i = 0; i < m->n_workers; i++) {
        if (!worker_start(&m->workers[i], i, err)) {
            yf_net_free(m);
            return NULL;
        }
    }
    m->trim = g_timeout_source_new_seconds(10);
    g_source_set_callback(m->trim, give_back_memory, m, NULL);
    g_source_set_static_name(m->trim, "yf-media-trim");
    g_source_attach(m->trim, m->control);
    g_debug("media: %u workers", m->n_workers);
    return m;
}

unsigned yf_net_n_workers(const yf_net *m)
{
    return m->n_workers;
}

yf_worker *yf_net_place(yf_net *m)
{
    yf_worker *best = &m->workers[0];

    for (unsigned i = 1; i < m->n_workers; i++)
        if (g_atomic_int_get(&m->workers[i].load) < g_atomic_int_get(&best->load))
            best = &m->workers[i];
    g_atomic_int_inc(&best->load);
    return best;
}

void yf_net_free(yf_net *m)
{
    GList *live;

    if (!m)
        return;
    if (m->trim) {
        g_source_destroy(m->trim);
        g_source_unref(m->trim);
    }
    /* Each stop posts a teardown; worker_stop posts the quit after it. */
    live = g_hash_table_get_keys(m->live);
    for (GList *l = live; l; l = l->next)
        yf_net_handle_stop(l->data);
    g_list_free(live);
    for (unsigned i = 0; i < m->n_workers; i++)
        worker_stop(&m->workers[i]);
    g_free(m->workers);
    g_hash_table_unref(m->live);
    g_clear_object(&m->parser);
    g_main_context_unref(m->control);
    g_strfreev(m->local_addresses);
    g_free(m->stun_server);
    g_free(m);
}
