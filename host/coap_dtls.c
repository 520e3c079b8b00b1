/*
 * DTLS (coaps) endpoints: the PSK lookup that a profile plugin installs
 * with host->dtls_psk_set(), and the PSK identity of each DTLS session.
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
  memset(psk_key, 0, sizeof(psk_key));
  memset(&psk_lookup, 0, sizeof(psk_lookup));
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
  /* NOTE: only PSK is set up. Raw public keys (RFC 7250) need a key pair
   * from the DTLS profile and coap_context_set_pki(); not wired yet. */
  return coap_context_set_psk2(ctx, &setup);
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
}

#endif /* GKDC_HAVE_DTLS */
