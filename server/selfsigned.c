/* selfsigned.c -- generates the self-signed HTTPS certificate of a fresh
 * install (OpenSSL EVP/X509). Browsers allow the camera only on https or
 * localhost; a production deployment configures a real certificate instead. */
#include "selfsigned.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <time.h>
#include <unistd.h>

static gboolean add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    gboolean ok = ext && X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

static X509 *make_cert(EVP_PKEY *key)
{
    X509 *x = X509_new();
    unsigned char serial[16];
    BIGNUM *bn = NULL;
    gboolean ok = x && RAND_bytes(serial, sizeof serial) == 1;
    serial[0] &= 0x7f;
    ok = ok && (bn = BN_bin2bn(serial, sizeof serial, NULL)) != NULL &&
         BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL &&
         X509_set_version(x, 2) &&
         X509_gmtime_adj(X509_getm_notBefore(x), -24 * 3600) &&
         X509_gmtime_adj(X509_getm_notAfter(x), 365L * 24 * 3600) &&
         X509_set_pubkey(x, key);
    X509_NAME *name = ok ? X509_get_subject_name(x) : NULL;
    ok = ok && X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"yuanfang", -1, -1, 0) &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0) &&
         X509_set_issuer_name(x, name) &&
         add_ext(x, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") &&
         add_ext(x, NID_basic_constraints, "critical,CA:FALSE") &&
         add_ext(x, NID_ext_key_usage, "serverAuth") &&
         X509_sign(x, key, EVP_sha256()) > 0;
    BN_free(bn);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* Writes PEM to PATH.tmp (created fresh with `mode`); the caller renames. */
static gboolean write_pem_tmp(const char *path, int mode, EVP_PKEY *key, X509 *cert, GError **err)
{
    char *tmp = g_strdup_printf("%s.tmp", path);
    g_unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, mode);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    const char *why = f ? NULL : g_strerror(errno);
    if (f && ((key && PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) != 1) ||
              (cert && PEM_write_X509(f, cert) != 1)))
        why = "PEM encoding failed";
    if (f && (fflush(f) != 0 || fsync(fileno(f)) != 0) && !why)
        why = g_strerror(errno);
    if (f && fclose(f) != 0 && !why)
        why = g_strerror(errno);
    if (!f && fd >= 0)
        close(fd);
    if (why) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot write %s: %s", tmp, why);
        g_unlink(tmp);
    }
    g_free(tmp);
    return why == NULL;
}

static gboolean rename_tmp(const char *path, GError **err)
{
    char *tmp = g_strdup_printf("%s.tmp", path);
    gboolean ok = g_rename(tmp, path) == 0;
    if (!ok)
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno), "cannot rename %s: %s", tmp,
                    g_strerror(errno));
    g_free(tmp);
    return ok;
}

/* TRUE when the pair on disk is usable for 30 more days: both parse, the key
 * matches the certificate, and it does not expire soon. */
static gboolean existing_pair_ok(const char *cert, const char *key)
{
    FILE *fc = fopen(cert, "r"), *fk = fopen(key, "r");
    X509 *x = fc ? PEM_read_X509(fc, NULL, NULL, NULL) : NULL;
    EVP_PKEY *k = fk ? PEM_read_PrivateKey(fk, NULL, NULL, NULL) : NULL;
    time_t soon = time(NULL) + 30L * 24 * 3600;
    gboolean ok = x && k && X509_check_private_key(x, k) == 1 &&
                  X509_cmp_time(X509_get0_notAfter(x), &soon) > 0;
    if (fc)
        fclose(fc);
    if (fk)
        fclose(fk);
    X509_free(x);
    EVP_PKEY_free(k);
    ERR_clear_error();
    return ok;
}

gboolean yf_selfsigned_ensure(const char *data_dir, char **cert_path, char **key_path, GError **err)
{
    char *dir = g_build_filename(data_dir, "tls", NULL);
    char *cert = g_build_filename(dir, "cert.pem", NULL);
    char *key = g_build_filename(dir, "key.pem", NULL);
    EVP_PKEY *pkey = NULL;
    X509 *x = NULL;
    gboolean ok = FALSE;
    if (existing_pair_ok(cert, key)) {
        ok = TRUE;
        goto out;
    }
    if (g_file_test(cert, G_FILE_TEST_EXISTS))
        g_message("the self-signed certificate in %s is unusable or expires within 30 days; making a new one", dir);
    if (g_mkdir_with_parents(dir, 0700) != 0) {
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno), "cannot create %s: %s", dir,
                    g_strerror(errno));
        goto out;
    }
    pkey = EVP_EC_gen("P-256");
    x = pkey ? make_cert(pkey) : NULL;
    if (!x) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot generate a TLS certificate: %s",
                    ERR_reason_error_string(ERR_get_error()));
        goto out;
    }
    /* Both files are complete before either replaces an old one. */
    ok = write_pem_tmp(key, 0600, pkey, NULL, err) && write_pem_tmp(cert, 0644, NULL, x, err) &&
         rename_tmp(key, err) && rename_tmp(cert, err);
    if (ok)
        g_message("generated a self-signed TLS certificate in %s", dir);
out:
    EVP_PKEY_free(pkey);
    X509_free(x);
    if (ok) {
        *cert_path = g_steal_pointer(&cert);
        *key_path = g_steal_pointer(&key);
    }
    g_free(cert); g_free(key); g_free(dir);
    return ok;
}
