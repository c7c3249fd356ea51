/* api_auth.c -- sign-in, sign-out and "who am I", and the administrator's
 * account management (/staff). Passwords go straight to the store (scrypt);
 * they are never logged or echoed. Every login is audited by the store. */
#define G_LOG_DOMAIN "yf-api"
#include "api_priv.h"
#include "cookie.h"

#include <string.h>

#define SESSION_TTL_MS (12 * 3600 * 1000LL)   /* one working day */

/* Refuses a sign-in while its username or client address is locked out by
 * earlier failures (429 with Retry-After), and audits the refusal. Guessing
 * passwords is slowed to a few tries per quarter hour, and the scrypt cost
 * of each try no longer lets one client occupy the control thread. */
static gboolean login_throttled(yf_api_req *r, const char *user, const char *ukey, const char *akey)
{
    int64_t wait = MAX(yf_throttle_wait_ms(r->api->login_by_user, ukey, r->now_ms),
                       yf_throttle_wait_ms(r->api->login_by_addr, akey, r->now_ms));
    if (wait <= 0)
        return FALSE;
    g_atomic_int_inc(&r->api->signin_throttled);
    char secs[24];
    g_snprintf(secs, sizeof secs, "%" G_GINT64_FORMAT, (wait + 999) / 1000);
    /* One audit entry per lockout, not per refused try: refusals cost the
     * store nothing, so a flood of them cannot fill the audit log. */
    gboolean first_u = yf_throttle_first_refusal(r->api->login_by_user, ukey, r->now_ms);
    gboolean first_a = yf_throttle_first_refusal(r->api->login_by_addr, akey, r->now_ms);
    if (first_u || first_a)
        yf_store_audit_record(r->api->store, yf_actor_system(), r->now_ms, "login.throttled", user, NULL, NULL);
    else
        g_debug("sign-in refused while locked out (already audited)");
    yf_api_add_header(r, "retry-after", secs);
    yf_api_error(r, 429, "too_many_requests", "too many failed sign-ins; try again in %s s", secs);
    return TRUE;
}

/* One sign-in whose password is being checked on the login pool. The request
 * may go away meanwhile (req_free sets r to NULL); the store part and the
 * throttle counts are done all the same, so hanging up does not dodge them. */
struct yf_api_login_job {
    yf_api_logins *hub;
    yf_api_req *r;
    yf_login *login;
    char *password;            /* wiped once checked */
    char ukey[80], akey[80];
    gboolean cookie, verified;
    guint source;              /* the result's idle source on the main loop, 0 before */
};

struct yf_api_logins {
    gint refs;
    yf_api *api;               /* NULL once the API is gone */
    GThreadPool *pool;
    GHashTable *by_user;       /* ukey -> in-flight count (GINT_TO_POINTER) */
    guint in_flight;
    GMutex lock;               /* jobs, and each job's source */
    GHashTable *jobs;          /* every job not yet done: freed with the hub */
};

static void logins_unref(yf_api_logins *h)
{
    if (!g_atomic_int_dec_and_test(&h->refs))
        return;
    g_hash_table_destroy(h->by_user);
    g_hash_table_destroy(h->jobs);
    g_mutex_clear(&h->lock);
    g_free(h);
}

static void job_free(yf_api_login_job *j)
{
    if (j->password) {
        explicit_bzero(j->password, strlen(j->password));
        g_free(j->password);
    }
    yf_login_free(j->login);
    logins_unref(j->hub);
    g_free(j);
}

static void reply_signed_in(yf_api_req *r, const char *token, const yf_staff *s, gboolean cookie)
{
    if (cookie) {
        char *csrf = yf_csrf_for(token);
        yf_api_set_session_cookie(r, token, SESSION_TTL_MS / 1000);
        yf_api_reply_json(r, 200, json_pack("{s:o, s:o, s:s}",
                                            "expires_at", yf_api_time_json(r->now_ms + SESSION_TTL_MS),
                                            "staff", yf_api_staff_json(s), "csrf", csrf));
        g_free(csrf);
    } else {
        yf_api_reply_json(r, 200, json_pack("{s:s, s:o, s:o}", "token", token,
                                            "expires_at", yf_api_time_json(r->now_ms + SESSION_TTL_MS),
                                            "staff", yf_api_staff_json(s)));
    }
}

/* Back on the control thread: the store part, the counts, the reply. */
static gboolean login_done(gpointer data)
{
    yf_api_login_job *j = data;
    yf_api_logins *h = j->hub;
    yf_api *api = h->api;
    g_mutex_lock(&h->lock);
    g_hash_table_remove(h->jobs, j);
    g_mutex_unlock(&h->lock);
    h->in_flight--;
    int n = GPOINTER_TO_INT(g_hash_table_lookup(h->by_user, j->ukey));
    if (n <= 1)
        g_hash_table_remove(h->by_user, j->ukey);
    else
        g_hash_table_insert(h->by_user, g_strdup(j->ukey), GINT_TO_POINTER(n - 1));
    if (!api) {   /* shutting down: nothing is written */
        job_free(j);
        return G_SOURCE_REMOVE;
    }
    char *token = NULL;
    yf_staff s = {0};
    GError *err = NULL;
    int64_t now = g_get_real_time() / 1000;
    yf_api_req *r = j->r;
    if (r)
        r->login = NULL;
    if (!yf_store_login_finish(api->store, j->login, j->verified, now, SESSION_TTL_MS, &token, &s, &err)) {
        if (err->code == YF_STORE_ERROR_AUTH) {
            g_atomic_int_inc(&api->signin_failed);
            yf_throttle_fail(api->login_by_user, j->ukey, now);
            yf_throttle_fail(api->login_by_addr, j->akey, now);
            if (r)
                yf_api_error(r, 401, "unauthorized", "wrong username or password, or account disabled");
        } else if (r) {
            yf_api_store_error(r, err, FALSE);
        }
    } else {
        yf_throttle_success(api->login_by_user, j->ukey);
        if (r)
            reply_signed_in(r, token, &s, j->cookie);
    }
    if (r)
        yf_api_resume(r);
    g_clear_error(&err);
    yf_staff_clear(&s);
    g_free(token);
    job_free(j);
    return G_SOURCE_REMOVE;
}

/* The login pool's thread: the scrypt work, and nothing of the store. */
static void login_work(gpointer data, gpointer user)
{
    (void)user;
    yf_api_login_job *j = data;
    j->verified = yf_login_verify(j->login, j->password);
    explicit_bzero(j->password, strlen(j->password));
    GSource *src = g_idle_source_new();
    g_source_set_callback(src, login_done, j, NULL);
    g_source_set_static_name(src, "yf-api sign-in checked");
    g_mutex_lock(&j->hub->lock);
    j->source = g_source_attach(src, NULL);
    g_mutex_unlock(&j->hub->lock);
    g_source_unref(src);
}

yf_api_logins *yf_api_logins_new(yf_api *api)
{
    yf_api_logins *h = g_new0(yf_api_logins, 1);
    h->refs = 1;
    h->api = api;
    h->by_user = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    h->jobs = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_mutex_init(&h->lock);
    h->pool = g_thread_pool_new(login_work, NULL, YF_LOGIN_THREADS, FALSE, NULL);
    return h;
}

void yf_api_logins_free(yf_api_logins *h)
{
    if (!h)
        return;
    g_thread_pool_free(h->pool, TRUE, TRUE);   /* queued checks dropped, running ones finish */
    h->pool = NULL;
    h->api = NULL;
    /* Whatever is not done is dropped with its result's source, so nothing
     * runs after the API is gone. */
    GPtrArray *left = g_ptr_array_new();
    g_mutex_lock(&h->lock);
    GHashTableIter it;
    gpointer k;
    g_hash_table_iter_init(&it, h->jobs);
    while (g_hash_table_iter_next(&it, &k, NULL))
        g_ptr_array_add(left, k);
    g_hash_table_remove_all(h->jobs);
    g_mutex_unlock(&h->lock);
    for (guint i = 0; i < left->len; i++) {
        yf_api_login_job *j = left->pdata[i];
        if (j->source)
            g_source_remove(j->source);
        if (j->r)
            j->r->login = NULL;
        job_free(j);
    }
    g_ptr_array_free(left, TRUE);
    logins_unref(h);
}

void yf_api_login_detach(yf_api_login_job *j)
{
    j->r = NULL;
}

void yf_api_auth_login(yf_api_req *r)
{
    static const char *const fields[] = {"username", "password", "cookie", NULL};
    const char *user, *pass;
    GError *err = NULL;
    json_t *o = yf_api_body_object(r);
    if (!o || !yf_api_only_fields(r, o, fields) ||
        !yf_api_field_str(r, o, "username", TRUE, 64, &user) ||
        !yf_api_field_str(r, o, "password", TRUE, 1024, &pass))
        goto out;
    json_t *cookie = json_object_get(o, "cookie");
    if (cookie && !json_is_boolean(cookie)) {
        yf_api_error(r, 400, "bad_request", "cookie: must be true or false");
        goto out;
    }
    /* The console's sign-in sets a cookie its page cannot read; the same
     * check as for every cookie request keeps another site's page from
     * signing a browser in to an account of its choosing. */
    if (json_is_true(cookie) && !yf_api_same_origin(r))
        goto out;
    char addr[64] = "", ukey[80], akey[80];
    lws_get_peer_simple(r->wsi, addr, sizeof addr);
    char *folded = g_ascii_strdown(user, -1);   /* one account, so one count, whatever the case */
    g_snprintf(ukey, sizeof ukey, "%s", folded);
    g_free(folded);
    g_snprintf(akey, sizeof akey, "%s", addr);
    if (login_throttled(r, user, ukey, akey))
        goto out;
    yf_api_logins *h = r->api->logins;
    /* The checks wait their turn on a few threads; past these counts a
     * client is told to come back rather than queue without end. */
    if (h->in_flight >= YF_LOGIN_MAX_QUEUED ||
        GPOINTER_TO_INT(g_hash_table_lookup(h->by_user, ukey)) >= YF_LOGIN_MAX_PER_USER) {
        yf_api_add_header(r, "retry-after", "1");
        yf_api_error(r, 503, "busy", "too many sign-ins are being checked at once; try again in a moment");
        goto out;
    }
    yf_login *l = yf_store_login_begin(r->api->store, user, &err);
    if (!l) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    yf_api_login_job *j = g_new0(yf_api_login_job, 1);
    j->hub = h;
    g_atomic_int_inc(&h->refs);
    j->r = r;
    j->login = l;
    j->password = g_strdup(pass);
    g_strlcpy(j->ukey, ukey, sizeof j->ukey);
    g_strlcpy(j->akey, akey, sizeof j->akey);
    j->cookie = json_is_true(cookie);
    h->in_flight++;
    g_hash_table_insert(h->by_user, g_strdup(ukey),
                        GINT_TO_POINTER(GPOINTER_TO_INT(g_hash_table_lookup(h->by_user, ukey)) + 1));
    r->login = j;   /* the reply comes from login_done */
    g_mutex_lock(&h->lock);
    g_hash_table_add(h->jobs, j);
    g_mutex_unlock(&h->lock);
    g_thread_pool_push(h->pool, j, NULL);
out:
    g_clear_error(&err);
    json_decref(o);
}

void yf_api_auth_logout(yf_api_req *r)
{
    GError *err = NULL;
    if (r->who.kind != YF_PRINCIPAL_STAFF) {
        yf_api_error(r, 401, "unauthorized", "sign in first (Authorization: Bearer TOKEN)");
        return;
    }
    if (!yf_store_session_revoke(r->api->store, yf_principal_actor(&r->who), r->now_ms, r->bearer, &err)) {
        yf_api_store_error(r, err, FALSE);
        g_error_free(err);
        return;
    }
    if (r->by_cookie)
        yf_api_set_session_cookie(r, NULL, 0);
    yf_api_reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}

void yf_api_me(yf_api_req *r)
{
    if (r->who.kind == YF_PRINCIPAL_STAFF && r->by_cookie) {
        /* The console page gets its CSRF token again after a reload here. */
        char *csrf = yf_csrf_for(r->bearer);
        yf_api_reply_json(r, 200, json_pack("{s:s, s:o, s:s}", "kind", "staff",
                                            "staff", yf_api_staff_json(&r->who.staff), "csrf", csrf));
        g_free(csrf);
    } else if (r->who.kind == YF_PRINCIPAL_STAFF)
        yf_api_reply_json(r, 200, json_pack("{s:s, s:o}", "kind", "staff",
                                            "staff", yf_api_staff_json(&r->who.staff)));
    else if (r->who.kind == YF_PRINCIPAL_INVITEE)
        yf_api_reply_json(r, 200, json_pack("{s:s, s:{s:s, s:s}}", "kind", "invitee", "invitee",
                                            "name", r->who.invitee.name,
                                            "role", yf_invitee_role_code(r->who.invitee.role)));
    else
        yf_api_error(r, 401, "unauthorized", "sign in first (Authorization: Bearer TOKEN)");
}

static json_t *staff_item(yf_api_req *r, const void *item)
{
    return yf_api_staff_json(item);
}

void yf_api_staff_list(yf_api_req *r)
{
    GError *err = NULL;
    yf_role role = 0;
    const char *q = yf_api_query(r, "role");
    if (!yf_api_authorize(r, YF_ACT_STAFF_MANAGE, NULL))
        return;
    if (q && !yf_role_parse(q, &role)) {
        yf_api_error(r, 400, "bad_request", "unknown role");
        return;
    }
    yf_api_reply_items_take(r, yf_store_staff_list(r->api->store, q ? (int)role : -1, &err), err, staff_item);
}

static void reply_staff(yf_api_req *r, unsigned status, int64_t id)
{
    yf_staff s = {0};
    GError *err = NULL;
    if (yf_store_staff_get(r->api->store, id, &s, &err))
        yf_api_reply_json(r, status, yf_api_staff_json(&s));
    else
        yf_api_store_error(r, err, FALSE);
    g_clear_error(&err);
    yf_staff_clear(&s);
}

void yf_api_staff_create(yf_api_req *r)
{
    static const char *const fields[] = {"username", "display_name", "role", "password", NULL};
    const char *user, *name, *role_s, *pass;
    yf_role role;
    int64_t id = 0;
    GError *err = NULL;
    json_t *o = NULL;
    if (!yf_api_authorize(r, YF_ACT_STAFF_MANAGE, NULL) || !(o = yf_api_body_object(r)) ||
        !yf_api_only_fields(r, o, fields) || !yf_api_field_str(r, o, "username", TRUE, 64, &user) ||
        !yf_api_field_str(r, o, "display_name", TRUE, 200, &name) ||
        !yf_api_field_str(r, o, "role", TRUE, 32, &role_s) ||
        !yf_api_field_str(r, o, "password", TRUE, 1024, &pass))
        goto out;
    if (!yf_role_parse(role_s, &role)) {
        yf_api_error(r, 400, "bad_request", "role must be admin, prosecutor, clerk, aid_staff or viewer");
        goto out;
    }
    if (!yf_store_staff_create(r->api->store, yf_principal_actor(&r->who), r->now_ms, user, name,
                               role, pass, &id, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    reply_staff(r, 201, id);
out:
    g_clear_error(&err);
    json_decref(o);
}

void yf_api_staff_get(yf_api_req *r)
{
    if (yf_api_authorize(r, YF_ACT_STAFF_MANAGE, NULL))
        reply_staff(r, 200, r->ids[0]);
}

void yf_api_staff_patch(yf_api_req *r)
{
    static const char *const fields[] = {"disabled", "role", NULL};
    GError *err = NULL;
    json_t *o = NULL, *v, *rv;
    const char *role_s = NULL;
    yf_role role = 0;
    if (!yf_api_authorize(r, YF_ACT_STAFF_MANAGE, NULL) || !(o = yf_api_body_object(r)) ||
        !yf_api_only_fields(r, o, fields) || !yf_api_field_str(r, o, "role", FALSE, 32, &role_s))
        goto out;
    v = json_object_get(o, "disabled");
    rv = json_object_get(o, "role");
    if ((v && !json_is_boolean(v)) || (!v && !rv)) {
        yf_api_error(r, 400, "bad_request", "field \"disabled\" must be true or false, or \"role\" given");
        goto out;
    }
    if (role_s && !yf_role_parse(role_s, &role)) {
        yf_api_error(r, 400, "bad_request", "field \"role\" must be admin, prosecutor, clerk, aid_staff or viewer");
        goto out;
    }
    if (r->ids[0] == r->who.staff.id && (json_is_true(v) || (role_s && role != YF_ROLE_ADMIN))) {
        yf_api_error(r, 409, "conflict", "an administrator cannot disable their own account or give up their own role");
        goto out;
    }
    if ((role_s && !yf_store_staff_set_role(r->api->store, yf_principal_actor(&r->who), r->now_ms, r->ids[0], role,
                                            &err)) ||
        (v && !yf_store_staff_set_disabled(r->api->store, yf_principal_actor(&r->who), r->now_ms, r->ids[0],
                                           json_is_true(v), &err))) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    reply_staff(r, 200, r->ids[0]);
out:
    g_clear_error(&err);
    json_decref(o);
}

void yf_api_staff_password(yf_api_req *r)
{
    static const char *const fields[] = {"password", NULL};
    const char *pass;
    GError *err = NULL;
    json_t *o = NULL;
    if (!yf_api_authorize(r, YF_ACT_STAFF_MANAGE, NULL) || !(o = yf_api_body_object(r)) ||
        !yf_api_only_fields(r, o, fields) || !yf_api_field_str(r, o, "password", TRUE, 1024, &pass))
        goto out;
    if (!yf_store_staff_set_password(r->api->store, yf_principal_actor(&r->who), r->now_ms, r->ids[0],
                                     pass, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    yf_api_reply_json(r, 200, json_pack("{s:b}", "ok", 1));
out:
    g_clear_error(&err);
    json_decref(o);
}

void yf_api_signin_failures(yf_api *api, unsigned *failed, unsigned *throttled)
{
    *failed = api ? (unsigned)g_atomic_int_get(&api->signin_failed) : 0;
    *throttled = api ? (unsigned)g_atomic_int_get(&api->signin_throttled) : 0;
}
