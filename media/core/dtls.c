/* dtls.c -- DTLS 1.2 (RFC 6347) with the use_srtp extension and key export
 * (RFC 5764 §4.1.2, §4.2) on OpenSSL, behind a custom BIO so that no socket is
 * involved: a datagram is handed to OpenSSL through the BIO's read callback,
 * and every BIO write (OpenSSL flushes one datagram per write, its buffering
 * BIO packing a flight's records up to the MTU) is queued as its own datagram.
 * The peer's certificate is accepted only if its SHA-256 fingerprint equals the
 * one from the remote SDP (RFC 8122 §5); self-signed is the normal case.
 *
 * WALL CLOCK: OpenSSL 3.0 runs the DTLS retransmission timer on gettimeofday()
 * and has no API to inject time. This is the one place where the sans-IO core
 * depends on the real clock: yf_dtls_timer_remaining_us() reports what
 * DTLSv1_get_timeout() says is left, and yf_dtls_handle_timeout() calls
 * DTLSv1_handle_timeout(), which does nothing until that real time has passed.
 * The timer starts at 150 ms (not OpenSSL's 1 s: petitioners are on lossy phone
 * networks) and doubles up to 3 s; OpenSSL gives up after 12 expiries. */
#include "dtls.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define FP_LEN 95          /* 32 bytes as "AB:" ... "EF" */
#define TX_QUEUE 64        /* datagrams; a handshake flight is well under */
#define MAX_DATAGRAM 16384 /* larger than any DTLS record we accept */
#define TIMER_START_US 150000u
#define TIMER_MAX_US 3000000u
#define UDP_IP_OVERHEAD 28

/* The contexts made from one certificate, one per SRTP profile list: every
 * connection's SSL is made from a shared one (an SSL_CTX costs some 13 KiB
 * and 0.8 ms to make; a public hearing opens hundreds of connections).
 * SSL_CTX_up_ref and SSL_CTX_free are thread-safe; the table is filled
 * under its lock by whichever worker thread first needs a list. */
#define CTX_CACHE 4

typedef struct {
    pthread_mutex_t lock;
    struct {
        char profiles[64];
        SSL_CTX *ctx;
    } slot[CTX_CACHE];
} ctx_cache;

struct yf_dtls_cert {
    EVP_PKEY *key;
    X509 *x509;
    ctx_cache *ctxs;
    char fingerprint[FP_LEN + 1];
};

typedef struct {
    uint8_t *data;
    size_t len;
} dgram;

/* Invariants: ssl owns bio; `in` is non-NULL only during a handle call; tx is a
 * ring of tx_count datagrams starting at tx_head, each owning its data until
 * taken; state only moves
 * forward, HANDSHAKING → CONNECTED → CLOSED, or to FAILED. Retired (ssl and
 * ctx NULL, see yf_dtls_retire): only in CONNECTED or CLOSED, farewell holds
 * the close_notify made at retirement until yf_dtls_close queues it. */
struct yf_dtls {
    SSL_CTX *ctx;
    SSL *ssl;
    bool retired;
    bool is_server;
    uint8_t client_random[SSL3_RANDOM_SIZE];
    dgram farewell;
    uint64_t after_retire; /* datagrams dropped since */
    uint64_t tx_pushed;    /* datagrams ever queued */
    yf_dtls_state state;
    unsigned mtu;
    const uint8_t *in;
    size_t in_len;
    dgram tx[TX_QUEUE];
    unsigned tx_head, tx_count;
    uint64_t tx_dropped;
    char remote_fp[128];
    bool fp_mismatch;
    char reason[160];
    yf_dtls_keys keys;
};

/* ---- certificate ---------------------------------------------------------- */

static int fingerprint_of(X509 *x, char *dst)
{
    static const char hex[] = "0123456789ABCDEF";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    if (!X509_digest(x, EVP_sha256(), md, &n) || n != 32)
        return YF_ECRYPTO;
    for (unsigned i = 0; i < n; i++) {
        dst[3 * i] = hex[md[i] >> 4];
        dst[3 * i + 1] = hex[md[i] & 15];
        dst[3 * i + 2] = i + 1 < n ? ':' : '\0';
    }
    return YF_OK;
}

static int fill_cert(X509 *x, EVP_PKEY *key)
{
    BIGNUM *bn = BN_new();
    X509_NAME *name;
    int ok;

    ok = bn && BN_rand(bn, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
         BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) && X509_set_version(x, 2) &&
         X509_gmtime_adj(X509_getm_notBefore(x), -30L * 86400) &&
         X509_gmtime_adj(X509_getm_notAfter(x), 365L * 86400);
    BN_free(bn);
    name = X509_get_subject_name(x);
    ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                          (const unsigned char *)"yuanfang", -1, -1, 0) &&
         X509_set_issuer_name(x, name) && X509_set_pubkey(x, key) &&
         X509_sign(x, key, EVP_sha256()) > 0;
    return ok ? YF_OK : YF_ECRYPTO;
}

int yf_dtls_cert_generate(yf_dtls_cert **out)
{
    yf_dtls_cert *c = calloc(1, sizeof *c);
    int rc = YF_ECRYPTO;

    *out = NULL;
    if (!c)
        return YF_ENOMEM;
    c->ctxs = calloc(1, sizeof *c->ctxs);
    if (!c->ctxs) {
        free(c);
        return YF_ENOMEM;
    }
    pthread_mutex_init(&c->ctxs->lock, NULL);
    c->key = EVP_EC_gen("P-256");
    c->x509 = X509_new();
    if (!c->key || !c->x509)
        goto out;
    rc = fill_cert(c->x509, c->key);
    if (rc == YF_OK)
        rc = fingerprint_of(c->x509, c->fingerprint);
out:
    ERR_clear_error();
    if (rc != YF_OK) {
        yf_dtls_cert_free(c);
        return rc;
    }
    *out = c;
    return YF_OK;
}

void yf_dtls_cert_free(yf_dtls_cert *cert)
{
    if (!cert)
        return;
    if (cert->ctxs) {
        for (int i = 0; i < CTX_CACHE; i++)
            SSL_CTX_free(cert->ctxs->slot[i].ctx);
        pthread_mutex_destroy(&cert->ctxs->lock);
        free(cert->ctxs);
    }
    EVP_PKEY_free(cert->key);
    X509_free(cert->x509);
    free(cert);
}

int yf_dtls_cert_fingerprint(const yf_dtls_cert *cert, char *dst, size_t cap)
{
    if (!cert || cap < FP_LEN + 1)
        return YF_ENOMEM;
    memcpy(dst, cert->fingerprint, FP_LEN + 1);
    return YF_OK;
}

/* ---- transmit queue ------------------------------------------------------- */

static void tx_push(yf_dtls *d, const void *buf, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    dgram *slot;

    if (!copy) {
        d->tx_dropped++;
        return;
    }
    memcpy(copy, buf, len);
    if (d->tx_count == TX_QUEUE) { /* drop the oldest: retransmission recovers */
        free(d->tx[d->tx_head].data);
        d->tx_head = (d->tx_head + 1) % TX_QUEUE;
        d->tx_count--;
        d->tx_dropped++;
    }
    slot = &d->tx[(d->tx_head + d->tx_count) % TX_QUEUE];
    slot->data = copy;
    slot->len = len;
    d->tx_count++;
    d->tx_pushed++;
}

bool yf_dtls_take_transmit(yf_dtls *d, uint8_t **data, size_t *len)
{
    if (d->tx_count == 0)
        return false;
    *data = d->tx[d->tx_head].data;
    *len = d->tx[d->tx_head].len;
    d->tx[d->tx_head].data = NULL;
    d->tx_head = (d->tx_head + 1) % TX_QUEUE;
    d->tx_count--;
    return true;
}

uint64_t yf_dtls_dropped_transmits(const yf_dtls *d)
{
    return d->tx_dropped;
}

/* ---- the BIO: reads the datagram being handled, writes into the queue ----- */

static int bio_write(BIO *b, const char *buf, int len)
{
    yf_dtls *d = BIO_get_data(b);

    BIO_clear_retry_flags(b);
    if (len <= 0)
        return 0;
    tx_push(d, buf, (size_t)len);
    return len;
}

static int bio_read(BIO *b, char *buf, int cap)
{
    yf_dtls *d = BIO_get_data(b);
    size_t n;

    BIO_clear_retry_flags(b);
    if (!d->in || cap <= 0) {
        BIO_set_retry_read(b);
        return -1;
    }
    n = d->in_len < (size_t)cap ? d->in_len : (size_t)cap; /* like UDP: excess lost */
    memcpy(buf, d->in, n);
    d->in = NULL;
    d->in_len = 0;
    return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    yf_dtls *d = BIO_get_data(b);

    switch (cmd) {
    case BIO_CTRL_FLUSH: return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU: return d ? (long)d->mtu : YF_DTLS_DEFAULT_MTU;
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD: return UDP_IP_OVERHEAD;
    case BIO_CTRL_PENDING: return d && d->in ? (long)d->in_len : 0;
    default: return 0; /* WPENDING, SET_NEXT_TIMEOUT, peer address, ... */
    }
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static BIO_METHOD *bio_method;

static void make_bio_method(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "yf_dtls");

    if (m && BIO_meth_set_write(m, bio_write) && BIO_meth_set_read(m, bio_read) &&
        BIO_meth_set_ctrl(m, bio_ctrl) && BIO_meth_set_create(m, bio_create)) {
        bio_method = m; /* lives for the process */
        return;
    }
    BIO_meth_free(m);
}

/* ---- certificate check and timer ------------------------------------------ */

static bool fp_matches(X509 *x, const char *want)
{
    char got[FP_LEN + 1];

    return fingerprint_of(x, got) == YF_OK && strlen(want) == FP_LEN &&
           strncasecmp(got, want, FP_LEN) == 0;
}

/* Accepts any chain (browsers' certificates are self-signed); what decides is
 * the leaf's fingerprint against the SDP, checked here so that a wrong
 * certificate aborts the handshake with an alert (RFC 8122 §5). */
static int verify_cb(int preverify_ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    yf_dtls *d = ssl ? SSL_get_app_data(ssl) : NULL;
    X509 *leaf = X509_STORE_CTX_get_current_cert(store);

    (void)preverify_ok;
    if (!d)
        return 0;
    if (X509_STORE_CTX_get_error_depth(store) != 0)
        return 1;
    if (leaf && fp_matches(leaf, d->remote_fp))
        return 1;
    d->fp_mismatch = true;
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED); /* alert bad_certificate */
    return 0;
}

static unsigned int timer_cb(SSL *ssl, unsigned int timer_us)
{
    (void)ssl;
    if (timer_us == 0)
        return TIMER_START_US;
    return timer_us >= TIMER_MAX_US / 2 ? TIMER_MAX_US : timer_us * 2;
}

/* ---- state machine -------------------------------------------------------- */

static void fail(yf_dtls *d, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    const char *lib = e ? ERR_reason_error_string(e) : NULL;

    if (d->state == YF_DTLS_FAILED || d->state == YF_DTLS_CLOSED)
        return;
    d->state = YF_DTLS_FAILED;
    if (d->fp_mismatch)
        snprintf(d->reason, sizeof d->reason, "fingerprint mismatch");
    else
        snprintf(d->reason, sizeof d->reason, "%s%s%s", what, lib ? ": " : "", lib ? lib : "");
    ERR_clear_error();
}

static int export_keys(yf_dtls *d, yf_srtp_profile prof)
{
    uint8_t km[2 * (YF_SRTP_MAX_KEY_LEN + YF_SRTP_MAX_SALT_LEN)];
    static const char label[] = "EXTRACTOR-dtls_srtp";
    size_t k, s;

    yf_srtp_profile_lengths(prof, &k, &s);
    if (SSL_export_keying_material(d->ssl, km, 2 * (k + s), label, sizeof label - 1,
                                   NULL, 0, 0) != 1)
        return YF_ECRYPTO;
    /* RFC 5764 §4.2: client key | server key | client salt | server salt */
    d->keys.profile = prof;
    memcpy(d->keys.client_key, km, k);
    memcpy(d->keys.server_key, km + k, k);
    memcpy(d->keys.client_salt, km + 2 * k, s);
    memcpy(d->keys.server_salt, km + 2 * k + s, s);
    OPENSSL_cleanse(km, sizeof km);
    return YF_OK;
}

static void finish_handshake(yf_dtls *d)
{
    X509 *peer = SSL_get0_peer_certificate(d->ssl);
    const SRTP_PROTECTION_PROFILE *sp = SSL_get_selected_srtp_profile(d->ssl);
    yf_srtp_profile prof;

    if (!peer || !fp_matches(peer, d->remote_fp)) {
        d->fp_mismatch = true;
        fail(d, "fingerprint mismatch");
        SSL_shutdown(d->ssl);
        return;
    }
    if (!sp) {
        fail(d, "no SRTP profile negotiated");
        return;
    }
    if (sp->id == SRTP_AEAD_AES_128_GCM)
        prof = YF_SRTP_AEAD_AES_128_GCM;
    else if (sp->id == SRTP_AES128_CM_SHA1_80)
        prof = YF_SRTP_AES_CM_128_HMAC_SHA1_80;
    else {
        fail(d, "unsupported SRTP profile");
        return;
    }
    if (export_keys(d, prof) != YF_OK) {
        fail(d, "SRTP key export failed");
        return;
    }
    d->state = YF_DTLS_CONNECTED;
}

static void handshake_step(yf_dtls *d)
{
    int r, e;

    ERR_clear_error();
    r = SSL_do_handshake(d->ssl);
    if (r == 1) {
        finish_handshake(d);
        return;
    }
    e = SSL_get_error(d->ssl, r);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
        fail(d, "DTLS handshake failed");
}

/* After the handshake: alerts, close_notify, a retransmitted final flight of
 * the remote (OpenSSL answers it). Application data (no data channels) is
 * read and discarded. */
static void read_records(yf_dtls *d)
{
    uint8_t buf[4096];

    for (int guard = 0; guard < 64; guard++) {
        int n, e;

        ERR_clear_error();
        n = SSL_read(d->ssl, buf, sizeof buf);
        if (n > 0)
            continue;
        e = SSL_get_error(d->ssl, n);
        if (e == SSL_ERROR_ZERO_RETURN) { /* close_notify: answer it */
            SSL_shutdown(d->ssl);
            d->state = YF_DTLS_CLOSED;
        } else if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            fail(d, "DTLS error");
        }
        break;
    }
    ERR_clear_error();
}

static void step(yf_dtls *d)
{
    if (d->state == YF_DTLS_HANDSHAKING)
        handshake_step(d);
    if (d->state == YF_DTLS_CONNECTED)
        read_records(d);
}

/* ---- setup ---------------------------------------------------------------- */

static bool profiles_supported(const char *list)
{
    char copy[256];
    char *save = NULL;
    int n = 0;

    if (strlen(list) >= sizeof copy)
        return false;
    strcpy(copy, list);
    for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save), n++)
        if (strcmp(t, "SRTP_AEAD_AES_128_GCM") && strcmp(t, "SRTP_AES128_CM_SHA1_80"))
            return false;
    return n > 0;
}

static SSL_CTX *make_ctx(const yf_dtls_cert *cert, const char *profiles)
{
    SSL_CTX *ctx = SSL_CTX_new(DTLS_method());

    if (!ctx)
        return NULL;
    /* DTLS 1.2 only: yf_dtls_retire relies on a handshake whose last
     * flight nobody acknowledges (DTLS 1.3 acknowledges the Finished) */
    if (!SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) ||
        !SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) ||
        !SSL_CTX_use_certificate(ctx, cert->x509) ||
        !SSL_CTX_use_PrivateKey(ctx, cert->key) || !SSL_CTX_check_private_key(ctx) ||
        SSL_CTX_set_tlsext_use_srtp(ctx, profiles) != 0 /* 0 is success */) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
    /* Shared by every connection: no session is kept, so none is resumed
     * by another connection (each one is a full handshake, its peer's
     * certificate checked against its own SDP). */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
    return ctx;
}

/* The shared context of cert for profiles, made on first use; a new
 * reference for the caller, NULL when it cannot be made. A list too long
 * for the table, or one more than its slots (more distinct lists than the
 * two profiles make), gets a context of the connection's own. */
static SSL_CTX *shared_ctx(const yf_dtls_cert *cert, const char *profiles)
{
    ctx_cache *c = cert->ctxs;
    SSL_CTX *ctx = NULL;
    int i;

    if (strlen(profiles) >= sizeof c->slot[0].profiles)
        return make_ctx(cert, profiles);
    pthread_mutex_lock(&c->lock);
    for (i = 0; i < CTX_CACHE && c->slot[i].ctx; i++)
        if (!strcmp(c->slot[i].profiles, profiles))
            break;
    if (i < CTX_CACHE && !c->slot[i].ctx) {
        c->slot[i].ctx = make_ctx(cert, profiles);
        if (c->slot[i].ctx)
            strcpy(c->slot[i].profiles, profiles);
    }
    if (i < CTX_CACHE && c->slot[i].ctx && SSL_CTX_up_ref(c->slot[i].ctx))
        ctx = c->slot[i].ctx;
    pthread_mutex_unlock(&c->lock);
    return ctx || i < CTX_CACHE ? ctx : make_ctx(cert, profiles);
}

static int make_ssl(yf_dtls *d, bool is_client)
{
    BIO *bio;

    d->ssl = SSL_new(d->ctx);
    bio = bio_method ? BIO_new(bio_method) : NULL;
    if (!d->ssl || !bio) {
        BIO_free(bio);
        return YF_ECRYPTO;
    }
    BIO_set_data(bio, d);
    SSL_set_bio(d->ssl, bio, bio); /* one reference, owned by ssl */
    SSL_set_app_data(d->ssl, d);
    DTLS_set_timer_cb(d->ssl, timer_cb);
    if (!SSL_set_mtu(d->ssl, d->mtu))
        return YF_ECRYPTO;
    if (is_client)
        SSL_set_connect_state(d->ssl);
    else
        SSL_set_accept_state(d->ssl);
    return YF_OK;
}

static pthread_once_t bio_once = PTHREAD_ONCE_INIT;

yf_dtls *yf_dtls_new(const yf_dtls_cert *cert, bool is_client, const char *profiles,
                     const char *remote_fp, unsigned mtu)
{
    yf_dtls *d;

    if (!profiles)
        profiles = YF_DTLS_DEFAULT_PROFILES;
    if (!cert || !profiles_supported(profiles))
        return NULL;
    pthread_once(&bio_once, make_bio_method);
    d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->mtu = mtu ? mtu : YF_DTLS_DEFAULT_MTU;
    d->state = YF_DTLS_HANDSHAKING;
    d->is_server = !is_client;
    if (yf_dtls_set_remote_fingerprint(d, remote_fp ? remote_fp : "") != YF_OK)
        goto fail;
    d->ctx = shared_ctx(cert, profiles);
    if (!d->ctx || make_ssl(d, is_client) != YF_OK)
        goto fail;
    if (is_client)
        handshake_step(d); /* queues the ClientHello */
    ERR_clear_error();
    return d;
fail:
    ERR_clear_error();
    yf_dtls_free(d);
    return NULL;
}

void yf_dtls_free(yf_dtls *d)
{
    if (!d)
        return;
    SSL_free(d->ssl); /* frees the BIO */
    SSL_CTX_free(d->ctx);
    free(d->farewell.data);
    while (d->tx_count) {
        free(d->tx[d->tx_head].data);
        d->tx_head = (d->tx_head + 1) % TX_QUEUE;
        d->tx_count--;
    }
    OPENSSL_cleanse(&d->keys, sizeof d->keys);
    free(d);
}

int yf_dtls_set_remote_fingerprint(yf_dtls *d, const char *fp)
{
    size_t n;

    while (*fp && isspace((unsigned char)*fp))
        fp++;
    n = strlen(fp);
    while (n && isspace((unsigned char)fp[n - 1]))
        n--;
    if (n >= sizeof d->remote_fp)
        return YF_EMALFORMED;
    memcpy(d->remote_fp, fp, n);
    d->remote_fp[n] = '\0';
    return YF_OK;
}

/* ---- inputs --------------------------------------------------------------- */

int yf_dtls_handle_datagram(yf_dtls *d, const uint8_t *buf, size_t len)
{
    if (len == 0 || len > MAX_DATAGRAM)
        return YF_EMALFORMED;
    if (d->state != YF_DTLS_HANDSHAKING && d->state != YF_DTLS_CONNECTED)
        return YF_ESTATE;
    if (d->retired) {
        d->after_retire++;
        return YF_OK;
    }
    d->in = buf;
    d->in_len = len;
    step(d);
    d->in = NULL;
    d->in_len = 0;
    return YF_OK;
}

/* Record header 13 bytes (type, version, epoch, seq, length), handshake
 * header 12 (type, length, message_seq, fragment_offset, fragment_length),
 * then client_version (2) and the 32-byte random (RFC 6347 §4.1, §4.2.2).
 * RFC 6347 §4.2.8 lets a server start a new handshake here, keeping the old
 * association until the new Finished; we do not: a new connection is told by
 * its SDP (new session id or fingerprint) and gets a new peer, and answering
 * ClientHellos after the handshake would let anyone on the path make us do
 * a key exchange per datagram. The caller only counts them. */
bool yf_dtls_is_new_client_hello(const yf_dtls *d, const uint8_t *buf, size_t len)
{
    uint8_t mine[SSL3_RANDOM_SIZE];

    if (d->state != YF_DTLS_CONNECTED || !d->is_server || len < 13 + 12 + 2 + SSL3_RANDOM_SIZE)
        return false;
    if (buf[0] != 22 || buf[1] != 0xfe || yf_rd16(buf + 3) != 0 || yf_rd16(buf + 11) < 12 + 2 + SSL3_RANDOM_SIZE)
        return false;
    if (buf[13] != 1 || yf_rd24(buf + 19) != 0 || yf_rd24(buf + 22) < 2 + SSL3_RANDOM_SIZE)
        return false; /* not client_hello, or not its first fragment */
    if (d->retired)
        memcpy(mine, d->client_random, sizeof mine);
    else if (SSL_get_client_random(d->ssl, mine, sizeof mine) != sizeof mine)
        return false;
    return memcmp(buf + 27, mine, sizeof mine) != 0;
}

int yf_dtls_handle_timeout(yf_dtls *d)
{
    int r;

    if ((d->state != YF_DTLS_HANDSHAKING && d->state != YF_DTLS_CONNECTED) || d->retired)
        return YF_OK;
    ERR_clear_error();
    r = DTLSv1_handle_timeout(d->ssl); /* no-op unless the wall-clock timer expired */
    if (r < 0 && d->state == YF_DTLS_HANDSHAKING)
        fail(d, "DTLS handshake timed out");
    ERR_clear_error();
    return YF_OK;
}

int64_t yf_dtls_timer_remaining_us(yf_dtls *d)
{
    struct timeval tv;

    if ((d->state != YF_DTLS_HANDSHAKING && d->state != YF_DTLS_CONNECTED) || d->retired)
        return -1;
    if (DTLSv1_get_timeout(d->ssl, &tv) != 1)
        return -1;
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static _Atomic uint64_t retired_total; /* yf_dtls_retired_total */

/* The datagram at place i of the ring (0: the oldest). */
static dgram *tx_at(yf_dtls *d, unsigned i)
{
    return &d->tx[(d->tx_head + i) % TX_QUEUE];
}

int yf_dtls_retire(yf_dtls *d)
{
    uint64_t pushed = d->tx_pushed;

    if (d->state != YF_DTLS_CONNECTED || d->retired)
        return YF_ESTATE;
    if (SSL_get_client_random(d->ssl, d->client_random, sizeof d->client_random) != sizeof d->client_random)
        memset(d->client_random, 0, sizeof d->client_random);
    ERR_clear_error();
    SSL_shutdown(d->ssl); /* its close_notify: one datagram, kept below */
    ERR_clear_error();
    /* what SSL_shutdown queued: the newest datagrams, taken back out */
    for (uint64_t n = d->tx_pushed - pushed; n > 0 && d->tx_count > 0; n--) {
        dgram *last = tx_at(d, d->tx_count - 1);
        if (n == 1 && !d->farewell.data)
            d->farewell = *last;
        else
            free(last->data);
        d->tx_count--;
    }
    SSL_free(d->ssl); /* frees the BIO */
    d->ssl = NULL;
    SSL_CTX_free(d->ctx);
    d->ctx = NULL;
    OPENSSL_cleanse(&d->keys, sizeof d->keys);
    d->retired = true;
    atomic_fetch_add_explicit(&retired_total, 1, memory_order_relaxed);
    return YF_OK;
}

uint64_t yf_dtls_retired_total(void)
{
    return atomic_load_explicit(&retired_total, memory_order_relaxed);
}

bool yf_dtls_retired(const yf_dtls *d)
{
    return d->retired;
}

uint64_t yf_dtls_dropped_after_retire(const yf_dtls *d)
{
    return d->after_retire;
}

void yf_dtls_close(yf_dtls *d)
{
    if (d->state == YF_DTLS_CONNECTED && d->retired) {
        if (d->farewell.data) {
            tx_push(d, d->farewell.data, d->farewell.len);
            free(d->farewell.data);
            d->farewell.data = NULL;
        }
    } else if (d->state == YF_DTLS_CONNECTED) {
        ERR_clear_error();
        SSL_shutdown(d->ssl); /* queues close_notify */
        ERR_clear_error();
    }
    if (d->state == YF_DTLS_HANDSHAKING || d->state == YF_DTLS_CONNECTED)
        d->state = YF_DTLS_CLOSED;
}

yf_dtls_state yf_dtls_get_state(const yf_dtls *d)
{
    return d->state;
}

const char *yf_dtls_fail_reason(const yf_dtls *d)
{
    return d->reason;
}

int yf_dtls_get_keys(const yf_dtls *d, yf_dtls_keys *out)
{
    if (d->state != YF_DTLS_CONNECTED || d->retired)
        return YF_ESTATE;
    *out = d->keys;
    return YF_OK;
}
