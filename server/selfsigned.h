/* selfsigned.h -- the HTTPS certificate for a server that was given none: an
 * ECDSA P-256 key and a self-signed certificate for localhost/127.0.0.1,
 * generated once under DATA_DIR/tls and reused on later starts. */
#ifndef YF_SELFSIGNED_H
#define YF_SELFSIGNED_H

#include <glib.h>

/* Makes sure DATA_DIR/tls/cert.pem and key.pem exist (key mode 0600), match
 * each other and stay valid for 30 more days, generating a new pair if not. Returns the two paths (g_free) or
 * FALSE with *err set; a failure leaves no half-written file behind. */
gboolean yf_selfsigned_ensure(const char *data_dir, char **cert_path, char **key_path, GError **err);

#endif
