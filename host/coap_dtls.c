/*
 * DTLS (coaps) endpoints: the PSK lookup that a profile plugin installs
 * with host->dtls_psk_set(), the raw public key (RFC 7250) and client-key
 * check it installs with host->dtls_rpk_set(), and the peer identity of
 * each DTLS session (the PSK identity, or the client's public key as a DER
 * SubjectPublicKeyInfo).
 *
 * libcoap 4.3.1 hands the PSK identity through strlen(), so an identity
 * with a zero byte (a CBOR token, a binary key id) arrives cut. The lookup
 * therefore reads the whole identity from GnuTLS with
 * gnutls_psk_server_get_username2().
 *
 * Without a lookup every PSK handshake fails. Built without DTLS (libcoap
 * notls), the functions here refuse coaps endpoints.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "coap_glue.h"

static struct {
  gkdc_plugin *owner;
  gkdc_dtls_psk_fn fn;
  void *arg;
} psk_lookup;

/* Upper bound of a PEM private key, in bytes. */
#define MAX_KEY_PEM 16384

static struct {
  gkdc_plugin *owner;
  gkdc_dtls_rpk_fn fn;
  void *arg;
  uint8_t *key_pem; /* NUL-terminated copy, wiped when freed */
  size_t key_len;   /* without the NUL */
  int applied;      /* set on the context */
} rpk;

#ifdef GKDC_HAVE_DTLS
/* Sets the raw public key on a context that has DTLS; defined below. */
static int apply_rpk(coap_context_t *ctx);

/* Returns 1 when text[0..len) contains the NUL-terminated word. */
static int contains(const uint8_t *text, size_t len, const char *word) {
  size_t n = strlen(word), i;

  for (i = 0; i + n <= len; i++) {
    if (memcmp(text + i, word, n) == 0)
      return 1;
  }
  return 0;
}
#endif

int gkdc_coap_dtls_psk_set(gkdc_plugin *self, gkdc_dtls_psk_fn fn, void *arg) {
#ifdef GKDC_HAVE_DTLS
  if (fn == NULL)
    return 0;
  if (psk_lookup.fn != NULL) {
    GKDC_ERR("a DTLS PSK lookup is already installed; only one plugin can "
             "provide PSKs");
    return 0;
  }
  psk_lookup.owner = self;
  psk_lookup.fn = fn;
  psk_lookup.arg = arg;
  return 1;
#else
  GKDC_ERR("dtls_psk_set(): this gkdc is built without DTLS");
  return 0;
#endif
}

int gkdc_coap_dtls_rpk_set(gkdc_plugin *self, const struct gkdc_bytes *private_key_pem,
                           gkdc_dtls_rpk_fn fn, void *arg) {
#ifdef GKDC_HAVE_DTLS
  coap_context_t *ctx = gkdc_coap_context();

  if (fn == NULL || private_key_pem == NULL || private_key_pem->ptr == NULL ||
      private_key_pem->len == 0 || private_key_pem->len > MAX_KEY_PEM ||
      !contains(private_key_pem->ptr, private_key_pem->len, "PRIVATE KEY")) {
    GKDC_ERR("dtls_rpk_set(): invalid arguments; the key must be a PEM private key "
             "of at most %d bytes", MAX_KEY_PEM);
    return 0;
  }
  if (rpk.fn != NULL) {
    GKDC_ERR("a DTLS raw public key is already set; only one plugin can set it");
    return 0;
  }

  rpk.key_pem = malloc(private_key_pem->len + 1);
  if (rpk.key_pem == NULL)
    return 0;
  memcpy(rpk.key_pem, private_key_pem->ptr, private_key_pem->len);
  rpk.key_pem[private_key_pem->len] = '\0';
  rpk.key_len = private_key_pem->len;
  rpk.owner = self;
  rpk.fn = fn;
  rpk.arg = arg;

  /* Plugins usually call this from init, before the endpoints exist; then
   * gkdc_coap_dtls_setup() applies the key. */
  if (ctx != NULL && coap_dtls_is_supported() && !apply_rpk(ctx))
    return 0;
  return 1;
#else
  GKDC_ERR("dtls_rpk_set(): this gkdc is built without DTLS");
  return 0;
#endif
}

void gkdc_coap_dtls_remove_owner(gkdc_plugin *owner) {
  if (psk_lookup.fn != NULL && psk_lookup.owner == owner)
    memset(&psk_lookup, 0, sizeof(psk_lookup));
  /* libcoap keeps the key itself, so only the check goes. */
  if (rpk.fn != NULL && rpk.owner == owner) {
    rpk.fn = NULL;
    rpk.arg = NULL;
  }
}

#ifdef GKDC_HAVE_DTLS

#include <gnutls/gnutls.h>

/* Maximum PSK identity and key lengths gkdc accepts, in bytes. */
#define MAX_IDENTITY 1024
#define MAX_PSK 256

/* The whole PSK identity of a DTLS session. */
struct session_identity {
  coap_session_t *session;
  uint8_t *identity;
  size_t len;
  struct session_identity *next;
};

static struct session_identity *identities;

/* libcoap copies the key before the next handshake step; see psk_validate. */
static uint8_t psk_key[MAX_PSK];
static coap_bin_const_t psk_out;

void gkdc_coap_dtls_drop_session(coap_session_t *session) {
  struct session_identity **link = &identities;

  while (*link != NULL) {
    struct session_identity *s = *link;

    if (s->session == session) {
      *link = s->next;
      free(s->identity);
      free(s);
    } else {
      link = &s->next;
    }
  }
}

void gkdc_coap_dtls_release_all(void) {
  while (identities != NULL)
    gkdc_coap_dtls_drop_session(identities->session);
  explicit_bzero(psk_key, sizeof(psk_key));
  memset(&psk_lookup, 0, sizeof(psk_lookup));
  if (rpk.key_pem != NULL) {
    explicit_bzero(rpk.key_pem, rpk.key_len);
    free(rpk.key_pem);
  }
  memset(&rpk, 0, sizeof(rpk));
}

int gkdc_coap_dtls_identity(coap_session_t *session, struct gkdc_bytes *out) {
  const struct session_identity *s;

  for (s = identities; s != NULL; s = s->next) {
    if (s->session == session) {
      out->ptr = s->identity;
      out->len = s->len;
      return 1;
    }
  }
  return 0;
}

/* Stores the identity of a session, replacing an earlier one. */
static int remember_identity(coap_session_t *session, const uint8_t *id, size_t len) {
  struct session_identity *s;

  gkdc_coap_dtls_drop_session(session);
  s = calloc(1, sizeof(*s));
  if (s == NULL)
    return 0;
  s->identity = malloc(len > 0 ? len : 1);
  if (s->identity == NULL) {
    free(s);
    return 0;
  }
  if (len > 0)
    memcpy(s->identity, id, len);
  s->len = len;
  s->session = session;
  s->next = identities;
  identities = s;
  return 1;
}

/*
 * libcoap's PSK identity callback. Returns the key for the identity, or
 * NULL to reject the handshake. The returned key stays in a static buffer,
 * which the GnuTLS backend of libcoap 4.3.1 copies before it returns.
 */
static const coap_bin_const_t *psk_validate(coap_bin_const_t *cut_identity,
                                            coap_session_t *session, void *unused) {
  coap_tls_library_t library = COAP_TLS_LIBRARY_NOTLS;
  gnutls_session_t tls = coap_session_get_tls(session, &library);
  struct gkdc_bytes identity = {cut_identity->s, cut_identity->length};
  char address[GKDC_ADDR_TEXT_MAX];
  gnutls_datum_t whole = {NULL, 0};
  size_t key_len = 0;

  gkdc_coap_peer_text(session, address, sizeof(address));
  if (tls != NULL && library == COAP_TLS_LIBRARY_GNUTLS &&
      gnutls_psk_server_get_username2(tls, &whole) == 0 && whole.data != NULL) {
    identity.ptr = whole.data;
    identity.len = whole.size;
  }

  if (identity.len > MAX_IDENTITY) {
    gkdc_log(GKDC_LOG_INFO, "coap", "DTLS PSK identity from %s is longer than %d "
             "bytes; rejected", address, MAX_IDENTITY);
    return NULL;
  }
  if (psk_lookup.fn == NULL) {
    gkdc_log(GKDC_LOG_INFO, "coap", "DTLS PSK handshake from %s rejected: no "
             "plugin provides PSKs", address);
    return NULL;
  }
  if (!remember_identity(session, identity.ptr, identity.len))
    return NULL;

  memset(psk_key, 0, sizeof(psk_key));
  if (!psk_lookup.fn(psk_lookup.arg, &identity, address, psk_key, sizeof(psk_key),
                     &key_len) ||
      key_len == 0 || key_len > sizeof(psk_key)) {
    gkdc_log(GKDC_LOG_INFO, "coap", "DTLS PSK identity from %s is unknown; rejected",
             address);
    gkdc_coap_dtls_drop_session(session);
    return NULL;
  }
  psk_out.s = psk_key;
  psk_out.length = key_len;
  return &psk_out;
}

/*
 * libcoap's check of a client's certificate, here its raw public key: cn is
 * "RPK" and the DER bytes are the SubjectPublicKeyInfo. Returns 1 to accept.
 */
static int rpk_validate(const char *cn, const uint8_t *spki_der, size_t spki_len,
                        coap_session_t *session, unsigned int depth, int validated,
                        void *unused) {
  struct gkdc_bytes spki = {spki_der, spki_len};
  char address[GKDC_ADDR_TEXT_MAX];

  gkdc_coap_peer_text(session, address, sizeof(address));
  if (rpk.fn == NULL || spki_der == NULL || spki_len == 0 || depth != 0) {
    gkdc_log(GKDC_LOG_INFO, "coap", "DTLS client key from %s rejected", address);
    return 0;
  }
  if (!rpk.fn(rpk.arg, &spki, address)) {
    gkdc_log(GKDC_LOG_INFO, "coap", "DTLS client key from %s is not trusted; rejected",
             address);
    return 0;
  }
  return remember_identity(session, spki_der, spki_len);
}

static int apply_rpk(coap_context_t *ctx) {
  static coap_dtls_pki_t pki;

  if (rpk.applied)
    return 1;
  memset(&pki, 0, sizeof(pki));
  pki.version = COAP_DTLS_PKI_SETUP_VERSION;
  pki.verify_peer_cert = 1;
  pki.is_rpk_not_cert = 1;
  pki.validate_cn_call_back = rpk_validate;
  pki.pki_key.key_type = COAP_PKI_KEY_PEM_BUF;
  /* An "EC PRIVATE KEY" PEM gives libcoap both halves of the key pair. */
  pki.pki_key.key.pem_buf.public_cert = rpk.key_pem;
  pki.pki_key.key.pem_buf.public_cert_len = rpk.key_len + 1;
  pki.pki_key.key.pem_buf.private_key = rpk.key_pem;
  pki.pki_key.key.pem_buf.private_key_len = rpk.key_len + 1;
  if (!coap_context_set_pki(ctx, &pki)) {
    GKDC_ERR("libcoap rejected the DTLS raw public key");
    return 0;
  }
  rpk.applied = 1;
  return 1;
}

int gkdc_coap_dtls_setup(coap_context_t *ctx, const gkdc_cfg *entry) {
  static coap_dtls_spsk_t setup;
  const char *hint = NULL;

  if (!coap_dtls_is_supported()) {
    GKDC_ERR("libcoap was built without DTLS; coaps endpoints are unavailable");
    return 0;
  }

  /* An optional PSK identity hint sent to clients (RFC 4279, Section 2). */
  if (entry != NULL)
    gkdc_cfg_get_string(entry, "psk_hint", &hint);

  memset(&setup, 0, sizeof(setup));
  setup.version = COAP_DTLS_SPSK_SETUP_VERSION;
  setup.validate_id_call_back = psk_validate;
  if (hint != NULL) {
    setup.psk_info.hint.s = (const uint8_t *)hint;
    setup.psk_info.hint.length = strlen(hint);
  }
  if (!coap_context_set_psk2(ctx, &setup))
    return 0;
  return rpk.fn == NULL || apply_rpk(ctx);
}

#else /* !GKDC_HAVE_DTLS */

int gkdc_coap_dtls_setup(coap_context_t *ctx, const gkdc_cfg *entry) {
  GKDC_ERR("this gkdc is built without DTLS (configure --without-dtls); "
           "coaps endpoints are unavailable");
  return 0;
}

int gkdc_coap_dtls_identity(coap_session_t *session, struct gkdc_bytes *out) {
  return 0;
}

void gkdc_coap_dtls_drop_session(coap_session_t *session) {
}

void gkdc_coap_dtls_release_all(void) {
  memset(&psk_lookup, 0, sizeof(psk_lookup));
  memset(&rpk, 0, sizeof(rpk));
}

#endif /* GKDC_HAVE_DTLS */
