/* test_sign.c -- the participants' own decisions on the notes: the signature
 * PNG's structural check and the body parser (sign_body.c) with tables of
 * made images, and the store's rule of who must confirm, the decision with
 * its signature and hash, once each, after finalization only (store_sign.c). */
#include <glib.h>
#include <string.h>

#include "server/api/sign_body.h"
#include "server/store/store_reads.h"
#include "server/store/store_sign.h"
#include "yf_test.h"
#include "yf_test_fs.h"

#define T0 1710000000000LL
#define YF_FIXTURE_T0 T0
#include "store_fixture.h"

static guint32 crc(const guint8 *p, gsize n)
{
    guint32 c = 0xFFFFFFFFu;
    for (gsize i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

static void put32(GByteArray *a, guint32 v)
{
    guint8 b[4] = {v >> 24, v >> 16, v >> 8, v};
    g_byte_array_append(a, b, 4);
}

static void chunk(GByteArray *a, const char *type, const guint8 *data, guint32 len)
{
    put32(a, len);
    guint start = a->len;
    g_byte_array_append(a, (const guint8 *)type, 4);
    if (len)
        g_byte_array_append(a, data, len);
    put32(a, crc(a->data + start, len + 4));
}

/* A PNG of w x h, colour type 6 depth 8; extra chunk between IHDR and IDAT
 * when given; the IDAT bytes are not decoded by the check. */
static GByteArray *png(guint32 w, guint32 h, guint8 depth, const char *extra, gboolean two_idat)
{
    static const guint8 sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    guint8 ihdr[13] = {w >> 24, w >> 16, w >> 8, w, h >> 24, h >> 16, h >> 8, h, depth, 6, 0, 0, 0};
    guint8 idat[20] = {0x78, 0x9c, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
    GByteArray *a = g_byte_array_new();
    g_byte_array_append(a, sig, 8);
    chunk(a, "IHDR", ihdr, 13);
    if (extra)
        chunk(a, extra, (const guint8 *)"hello", 5);
    chunk(a, "IDAT", idat, sizeof idat);
    if (two_idat) {
        chunk(a, "pHYs", (const guint8 *)"123456789", 9);
        chunk(a, "IDAT", idat, sizeof idat);
    }
    chunk(a, "IEND", NULL, 0);
    return a;
}

static gboolean check_png(GByteArray *a, guint *w, guint *h)
{
    GError *e = NULL;
    gboolean ok = yf_sign_png_check(a->data, a->len, w, h, &e);
    g_clear_error(&e);
    g_byte_array_unref(a);
    return ok;
}

static void test_png(void)
{
    guint w = 0, h = 0;
    CHECK(check_png(png(600, 200, 8, NULL, FALSE), &w, &h) && w == 600 && h == 200);
    CHECK(check_png(png(600, 200, 8, "sRGB", FALSE), NULL, NULL));
    CHECK(!check_png(png(600, 200, 8, "tEXt", FALSE), NULL, NULL));      /* a chunk a signature does not need */
    CHECK(!check_png(png(600, 200, 8, NULL, TRUE), NULL, NULL));         /* pixel data split */
    CHECK(!check_png(png(20, 10, 8, NULL, FALSE), NULL, NULL));          /* too small to hold a signature */
    CHECK(!check_png(png(5000, 200, 8, NULL, FALSE), NULL, NULL));       /* too large */
    CHECK(!check_png(png(600, 200, 4, NULL, FALSE), NULL, NULL));        /* RGBA of 4 bits does not exist */
    GByteArray *a = png(600, 200, 8, NULL, FALSE);
    a->data[40] ^= 1;                                                    /* the IDAT's CRC no longer holds */
    CHECK(!check_png(a, NULL, NULL));
    a = png(600, 200, 8, NULL, FALSE);
    g_byte_array_append(a, (const guint8 *)"x", 1);                      /* after IEND */
    CHECK(!check_png(a, NULL, NULL));
    a = png(600, 200, 8, NULL, FALSE);
    g_byte_array_set_size(a, a->len - 3);                                /* cut short */
    CHECK(!check_png(a, NULL, NULL));
    a = png(600, 200, 8, NULL, FALSE);
    a->data[1] = 'J';                                                    /* not a PNG */
    CHECK(!check_png(a, NULL, NULL));
    a = png(600, 200, 8, NULL, FALSE);
    a->data[8 + 3] = 200;                                                /* IHDR's length past the end */
    CHECK(!check_png(a, NULL, NULL));
    CHECK(!yf_sign_png_check(NULL, 0, NULL, NULL, NULL));
}

/* The body as JSON text through the parser: TRUE when accepted. */
static gboolean parse(const char *json, yf_sign_body *b)
{
    json_t *o = json_loads(json, 0, NULL);
    GError *e = NULL;
    gboolean ok = yf_sign_body_parse(o, b, &e);
    CHECK(ok == (e == NULL));
    g_clear_error(&e);
    json_decref(o);
    return ok;
}

static char *png_b64(void)
{
    GByteArray *a = png(600, 200, 8, NULL, FALSE);
    char *s = g_base64_encode(a->data, a->len);
    g_byte_array_unref(a);
    return s;
}

static void test_body(void)
{
    yf_sign_body b = {0};
    char *b64 = png_b64();
    char *json = g_strdup_printf("{\"confirm\": true, \"signature\": \"data:image/png;base64,%s\"}", b64);
    CHECK(parse(json, &b) && b.confirm && b.png && b.width == 600 && b.height == 200 && !b.reason);
    yf_sign_body_clear(&b);
    g_free(json);
    json = g_strdup_printf("{\"confirm\": true, \"signature\": \"%s\"}", b64);
    CHECK(parse(json, &b) && b.png);
    yf_sign_body_clear(&b);
    g_free(json);
    json = g_strdup_printf("{\"confirm\": false, \"reason\": \"x\", \"signature\": \"%s\"}", b64);
    CHECK(!parse(json, &b) && !b.png);                         /* an objection carries no signature */
    g_free(json);
    json = g_strdup_printf("{\"confirm\": true, \"signature\": \"%s\", \"extra\": 1}", b64);
    CHECK(!parse(json, &b));
    g_free(json);
    CHECK(parse("{\"confirm\": false, \"reason\": \"  记录不全  \"}", &b) && !b.confirm && !strcmp(b.reason, "记录不全"));
    yf_sign_body_clear(&b);
    CHECK(!parse("{\"confirm\": false, \"reason\": \"   \"}", &b));      /* blank */
    CHECK(!parse("{\"confirm\": false}", &b));
    CHECK(!parse("{\"confirm\": true}", &b));                         /* no signature */
    CHECK(!parse("{\"confirm\": true, \"reason\": \"x\", \"signature\": \"AAAA\"}", &b));
    CHECK(!parse("{\"confirm\": \"yes\"}", &b));
    CHECK(!parse("{\"confirm\": true, \"signature\": \"iVBO*w0K\"}", &b));  /* outside the alphabet */
    CHECK(!parse("{\"confirm\": true, \"signature\": \"iVBORw0KGgo=\"}", &b));  /* a PNG's first bytes only */
    CHECK(!parse("{\"confirm\": true, \"signature\": 5}", &b));
    CHECK(!parse("[]", &b));
    g_free(b64);
}

static int64_t seen(yf_store *st, int64_t h, const char *name, const char *role, int64_t staff, int64_t inv,
                    gboolean entered)
{
    int64_t id = 0;
    CHECK(yf_store_participant_seen(st, yf_actor_system(), T0, h, name, role, staff, inv, entered ? T0 + 1000 : 0,
                                    &id, NULL));
    return id;
}

static const yf_note_signer *signer(GPtrArray *l, int64_t pid)
{
    for (guint i = 0; l && i < l->len; i++)
        if (((yf_note_signer *)l->pdata[i])->participant_id == pid)
            return l->pdata[i];
    return NULL;
}

static void test_store(void)
{
    yf_store *st = fixture_store();
    GError *e = NULL;
    int64_t pros = fixture_staff(st, "pros", YF_ROLE_PROSECUTOR), a = 0, h = 0, ipet = 0, iobs = 0, iwit = 0;
    int64_t c = fixture_case(st, pros, "S-1", "张三", pros, "2024-03-01");
    char *tok[3] = {NULL, NULL, NULL};
    CHECK(yf_store_appointment_create(st, yf_actor_staff(pros), T0, c, pros, T0, "接访", YF_APPOINTMENT_RECEPTION, &a, NULL));
    CHECK(yf_store_invitee_add(st, yf_actor_staff(pros), T0, a, YF_INVITEE_PETITIONER, "张三", "", T0 + 86400000,
                               &ipet, &tok[0], NULL));
    CHECK(yf_store_invitee_add(st, yf_actor_staff(pros), T0, a, YF_INVITEE_OTHER, "旁听者", "", T0 + 86400000,
                               &iobs, &tok[1], NULL));
    CHECK(yf_store_invitee_add(st, yf_actor_staff(pros), T0, a, YF_INVITEE_WITNESS, "证人", "", T0 + 86400000,
                               &iwit, &tok[2], NULL));
    CHECK(yf_store_hearing_create(st, yf_actor_staff(pros), T0, c, a, YF_HEARING_RECEPTION, "appt-1", T0, &h, NULL));
    int64_t pp = seen(st, h, "王检察官", "prosecutor", pros, 0, TRUE);
    int64_t pz = seen(st, h, "张三", "petitioner", 0, ipet, TRUE);
    int64_t po = seen(st, h, "旁听者", "observer", 0, iobs, TRUE);
    int64_t pw = seen(st, h, "证人", "observer", 0, iwit, FALSE);    /* invited, never entered */
    GPtrArray *l = yf_store_note_signers(st, h, NULL);
    CHECK(l && l->len == 2 && signer(l, pp) && signer(l, pz) && !signer(l, po) && !signer(l, pw));
    CHECK(l && signer(l, pz) && signer(l, pz)->must && !signer(l, pz)->decided &&
          !strcmp(signer(l, pz)->role, "petitioner") && signer(l, pz)->invitee_id == ipet);
    if (l)
        g_ptr_array_unref(l);
    GByteArray *img = png(600, 200, 8, NULL, FALSE);
    GBytes *bytes = g_bytes_new(img->data, img->len);
    CHECK(!yf_store_note_sign(st, yf_actor_invitee(ipet), T0, h, pz, TRUE, NULL, bytes, 600, 200, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_NOT_FOUND);              /* no note yet */
    CHECK(yf_store_note_add_entry(st, yf_actor_staff(pros), T0, h, 0, "陈述", NULL, NULL));
    CHECK(!yf_store_note_sign(st, yf_actor_invitee(ipet), T0, h, pz, TRUE, NULL, bytes, 600, 200, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);                /* not final */
    CHECK(yf_store_note_finalize(st, yf_actor_staff(pros), T0, h, NULL));
    CHECK(!yf_store_note_sign(st, yf_actor_invitee(ipet), T0, h, pz, TRUE, NULL, NULL, 0, 0, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);                /* no signature */
    CHECK(yf_store_note_sign(st, yf_actor_invitee(ipet), T0 + 5, h, pz, TRUE, NULL, bytes, 600, 200, NULL));
    CHECK(!yf_store_note_sign(st, yf_actor_invitee(ipet), T0, h, pz, FALSE, "不对", NULL, 0, 0, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_CONFLICT);               /* once */
    CHECK(!yf_store_note_confirm(st, yf_actor_staff(pros), T0, h, pz, FALSE, "", &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_CONFLICT);               /* staff cannot override it */
    CHECK(yf_store_note_sign(st, yf_actor_staff(pros), T0 + 6, h, pp, FALSE, "第二条记录有误", NULL, 0, 0, NULL));
    CHECK(yf_store_note_confirm(st, yf_actor_staff(pros), T0 + 7, h, po, TRUE, "", NULL));   /* recorded by staff */
    GBytes *back = yf_store_note_signature_png(st, h, pz, NULL);
    CHECK(back && g_bytes_equal(back, bytes));
    CHECK(!yf_store_note_signature_png(st, h, pp, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_NOT_FOUND);
    l = yf_store_note_signers(st, h, NULL);
    guint8 sha[32];
    gsize n = 32;
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(ck, img->data, img->len);
    g_checksum_get_digest(ck, sha, &n);
    g_checksum_free(ck);
    const yf_note_signer *z = l ? signer(l, pz) : NULL, *p = l ? signer(l, pp) : NULL, *o = l ? signer(l, po) : NULL;
    CHECK(z && z->decided && z->confirm && z->by_self && z->has_signature && !memcmp(z->sha256, sha, 32) &&
          z->at_ms == T0 + 5);
    CHECK(p && p->decided && !p->confirm && p->by_self && !p->has_signature && !strcmp(p->reason, "第二条记录有误"));
    CHECK(o && o->decided && o->confirm && !o->by_self && !o->must);   /* listed: decided, though not bound to */
    if (l)
        g_ptr_array_unref(l);
    g_bytes_unref(back);
    g_bytes_unref(bytes);
    g_byte_array_unref(img);
    for (int i = 0; i < 3; i++)
        g_free(tok[i]);
    yf_store_close(st);
}

int main(void)
{
    yf_fixture_dir = g_dir_make_tmp("yf-sign-XXXXXX", NULL);
    test_png();
    test_body();
    test_store();
    yf_test_rm_rf(yf_fixture_dir);
    g_free(yf_fixture_dir);
    return yf_test_done("test_sign");
}
