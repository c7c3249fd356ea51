/* evidence_key.c -- the server's long-term Ed25519 signing key (RFC 8032,
 * through OpenSSL's EVP_PKEY_ED25519): created on first use in the key
 * directory, its public half exported for reviewers, the key id, signing and
 * checking. Never prints or logs the private key. */
#define G_LOG_DOMAIN "yf-evidence"
#include "evidence.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static gboolean key_error(GError **err, const char *what, const char *path)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "";
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    g_set_error(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_KEY, "%s %s%s%s", what, path,
                e ? ": " : "", buf);
    return FALSE;
}

static gboolean is_ed25519(EVP_PKEY *k)
{
    return k != NULL && EVP_PKEY_get_id(k) == EVP_PKEY_ED25519;
}

/* The PEM text of key (private when priv), in a GString (free after). */
static GString *pem_string(EVP_PKEY *key, gboolean priv)
{
    BIO *b = BIO_new(BIO_s_mem());
    GString *s = NULL;
    char *data = NULL;
    int ok = b && (priv ? PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL)
                        : PEM_write_bio_PUBKEY(b, key));
    long n = ok ? BIO_get_mem_data(b, &data) : 0;
    if (ok && n > 0)
        s = g_string_new_len(data, n);
    BIO_free(b);
    return s;
}

char *yf_evidence_pubkey_pem(EVP_PKEY *key)
{
    GString *s = pem_string(key, FALSE);
    return s ? g_string_free(s, FALSE) : NULL;
}

/* Writes data to a new temporary file beside path (mode, fsync'd); returns its
 * name (g_free) or NULL with *err. */
static char *write_tmp(const char *path, const char *data, size_t len, int mode, GError **err)
{
    char *tmp = g_strdup_printf("%s.tmp-XXXXXX", path);
    int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, mode);
    gboolean ok = fd >= 0 && fchmod(fd, (mode_t)mode) == 0;
    for (size_t off = 0; ok && off < len;) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        off += ok ? (size_t)w : 0;
    }
    ok = ok && fsync(fd) == 0;
    int saved = errno;
    if (fd >= 0 && close(fd) != 0 && ok)
        ok = FALSE, saved = errno;
    if (!ok) {
        g_set_error(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_IO, "cannot write %s: %s", tmp,
                    g_strerror(saved));
        if (fd >= 0)
            g_unlink(tmp);
        g_free(tmp);
        return NULL;
    }
    return tmp;
}

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Creates a key at path unless one is there already. link() rather than
 * rename(): a concurrent creator that got there first wins and we load its key,
 * so no package is ever signed with a key that is then overwritten. */
static gboolean create_key(const char *dir, const char *path, GError **err)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    GString *pem = key ? pem_string(key, TRUE) : NULL;
    char *tmp = NULL;
    gboolean ok = FALSE;
    if (pem == NULL) {
        key_error(err, "cannot generate the signing key for", path);
        goto out;
    }
    if ((tmp = write_tmp(path, pem->str, pem->len, 0600, err)) == NULL)
        goto out;
    if (link(tmp, path) != 0 && errno != EEXIST) {
        g_set_error(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_IO, "cannot create %s: %s", path,
                    g_strerror(errno));
        goto out;
    }
    fsync_dir(dir);
    g_message("created the evidence signing key %s", path);
    ok = TRUE;
out:
    if (tmp)
        g_unlink(tmp);
    g_free(tmp);
    if (pem) {
        explicit_bzero(pem->str, pem->len);
        g_string_free(pem, TRUE);
    }
    EVP_PKEY_free(key);
    return ok;
}

static EVP_PKEY *read_private(const char *path, GError **err)
{
    struct stat st;
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        g_set_error(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_IO, "cannot open %s: %s", path,
                    g_strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077))
        g_warning("%s is readable by others (mode %03o); it should be 0600", path,
                  (unsigned)(st.st_mode & 0777));
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!is_ed25519(key)) {
        EVP_PKEY_free(key);
        key_error(err, "no Ed25519 private key in", path);
        return NULL;
    }
    return key;
}

/* Writes the public PEM if absent; an existing one must be the same key. */
static gboolean export_public(EVP_PKEY *key, const char *path, GError **err)
{
    char *pem = yf_evidence_pubkey_pem(key), *have = NULL, *tmp = NULL;
    gboolean ok = FALSE;
    if (pem == NULL)
        return key_error(err, "cannot encode the public key for", path);
    if (g_file_get_contents(path, &have, NULL, NULL)) {
        ok = strcmp(have, pem) == 0;
        if (!ok)
            g_set_error(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_KEY,
                        "%s does not hold the public half of the signing key", path);
    } else if ((tmp = write_tmp(path, pem, strlen(pem), 0644, err)) != NULL) {
        ok = g_rename(tmp, path) == 0;
        if (!ok) {
            g_set_error(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_IO, "cannot create %s: %s",
                        path, g_strerror(errno));
            g_unlink(tmp);
        }
    }
    g_free(tmp);
    g_free(have);
    g_free(pem);
    return ok;
}

EVP_PKEY *yf_evidence_key_load(const char *key_dir, GError **err)
{
    char *path = g_build_filename(key_dir, YF_EVIDENCE_KEY_FILE, NULL);
    char *pub = g_build_filename(key_dir, YF_EVIDENCE_PUBKEY_FILE, NULL);
    EVP_PKEY *key = NULL;
    if (g_mkdir_with_parents(key_dir, 0700) != 0) {
        g_set_error(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_IO, "cannot create %s: %s",
                    key_dir, g_strerror(errno));
        goto out;
    }
    if (!g_file_test(path, G_FILE_TEST_EXISTS) && !create_key(key_dir, path, err))
        goto out;
    if ((key = read_private(path, err)) != NULL && !export_public(key, pub, err)) {
        EVP_PKEY_free(key);
        key = NULL;
    }
out:
    g_free(path);
    g_free(pub);
    return key;
}

EVP_PKEY *yf_evidence_pubkey_load(const char *pem_path, GError **err)
{
    char *data = NULL;
    gsize len = 0;
    GError *e = NULL;
    EVP_PKEY *key = NULL;
    if (!g_file_get_contents(pem_path, &data, &len, &e)) {
        g_set_error(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_IO, "%s", e->message);
        g_error_free(e);
        return NULL;
    }
    if (len > YF_EVIDENCE_PUBKEY_MAX) {
        g_set_error(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_KEY,
                    "%s is larger than a public key file can be", pem_path);
    } else {
        BIO *b = BIO_new_mem_buf(data, (int)len);
        key = b ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
        BIO_free(b);
        if (!is_ed25519(key)) {
            EVP_PKEY_free(key);
            key = NULL;
            key_error(err, "no Ed25519 public key (PEM \"PUBLIC KEY\") in", pem_path);
        }
    }
    g_free(data);
    return key;
}

gboolean yf_evidence_key_id(EVP_PKEY *key, guint8 out[32])
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(key, &der);
    unsigned int mdlen = 0;
    gboolean ok = n > 0 && EVP_Digest(der, (size_t)n, out, &mdlen, EVP_sha256(), NULL) == 1;
    OPENSSL_free(der);
    ERR_clear_error();
    return ok && mdlen == 32;
}

gboolean yf_evidence_sign(EVP_PKEY *key, const void *msg, size_t len,
                          guint8 sig[YF_EVIDENCE_SIG_LEN])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t siglen = YF_EVIDENCE_SIG_LEN;
    /* Ed25519 is "pure": no digest, one shot over the whole message (RFC 8032 5.1.6). */
    gboolean ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
                  EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 &&
                  siglen == YF_EVIDENCE_SIG_LEN;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

gboolean yf_evidence_sig_check(EVP_PKEY *pub, const void *msg, size_t len,
                               const guint8 *sig, size_t sig_len)
{
    if (sig == NULL || sig_len != YF_EVIDENCE_SIG_LEN)
        return FALSE;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    gboolean ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pub) == 1 &&
                  EVP_DigestVerify(ctx, sig, sig_len, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}
