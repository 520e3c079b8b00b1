/*
 * Observations served by a profile plugin. Behind OSCORE every notification
 * is protected anew, so the host cannot send them itself: the profile keeps
 * the exchange of the registering request (host->exchange_keep), hooks into
 * host->notify() (host->notify_hook_add), and sends each protected
 * notification with host->exchange_notify().
 *
 * A kept exchange holds a reference to its session and the request token.
 * It turns dead when a notification gets an RST or is not acknowledged, or
 * when the session closes. From then on exchange_notify returns 0, and the
 * profile releases the handle.
 *
 * A notification larger than one message goes out as block 0 with outer
 * Block2 (coap_intercept.c sends the later blocks). NOTE: this is tested
 * with a raw UDP client only, not with gkdc's libcoap-based client.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "coap_glue.h"

/* Upper bound of kept exchanges and of notify hooks. */
#define MAX_KEPT 4096
#define MAX_NOTIFY_HOOKS 8

struct gkdc_exchange_ref {
  coap_session_t *session; /* a counted reference; NULL once dead */
  uint8_t token[8];
  size_t token_len;
  uint64_t last_con_ms; /* when the last CON notification went out */
  uint8_t request_code;  /* code of the registering request */
  uint8_t oscore[255];   /* its OSCORE option, which block requests repeat */
  size_t oscore_len;
  struct gkdc_exchange_ref *next;
};

static struct gkdc_exchange_ref *kept;
static size_t kept_count;

static struct {
  gkdc_plugin *owner;
  gkdc_notify_hook_fn fn;
  void *arg;
} hooks[MAX_NOTIFY_HOOKS];
static size_t hook_count;
static int hooks_running;

gkdc_exchange_ref *gkdc_coap_exchange_keep(gkdc_exchange *x) {
  struct gkdc_exchange_ref *ref;
  const coap_pdu_t *request;
  coap_opt_iterator_t it;
  coap_opt_t *oscore;
  coap_bin_const_t token;

  if (x == NULL)
    return NULL;
  if (kept_count >= MAX_KEPT) {
    gkdc_log(GKDC_LOG_WARNING, "coap", "kept exchange limit (%d) reached", MAX_KEPT);
    return NULL;
  }
  request = gkdc_coap_exchange_request(x);
  token = coap_pdu_get_token(request);
  oscore = coap_check_option(request, COAP_OPTION_OSCORE, &it);
  if (token.length > sizeof(ref->token) ||
      (oscore != NULL && coap_opt_length(oscore) > sizeof(ref->oscore)))
    return NULL;

  ref = calloc(1, sizeof(*ref));
  if (ref == NULL)
    return NULL;
  if (token.length > 0)
    memcpy(ref->token, token.s, token.length);
  ref->token_len = token.length;
  ref->request_code = (uint8_t)coap_pdu_get_code(request);
  if (oscore != NULL && coap_opt_length(oscore) > 0)
    memcpy(ref->oscore, coap_opt_value(oscore), coap_opt_length(oscore));
  ref->oscore_len = oscore != NULL ? coap_opt_length(oscore) : 0;
  ref->session = coap_session_reference(gkdc_coap_exchange_session(x));

  ref->next = kept;
  kept = ref;
  kept_count++;
  return ref;
}

/* Returns 1 when `ref` is in the list of kept exchanges (live or dead). */
static int is_kept(const struct gkdc_exchange_ref *ref) {
  const struct gkdc_exchange_ref *r;

  for (r = kept; r != NULL; r = r->next) {
    if (r == ref)
      return 1;
  }
  return 0;
}

/* Releases the session of a handle; it stays in the list, dead. */
static void mark_dead(struct gkdc_exchange_ref *ref) {
  if (ref->session != NULL) {
    coap_session_release(ref->session);
    ref->session = NULL;
  }
}

int gkdc_coap_exchange_notify(gkdc_exchange_ref *ref, const struct gkdc_coap_msg *msg) {
  coap_session_t *session;
  coap_pdu_t *pdu;

  if (ref == NULL || msg == NULL || !is_kept(ref) || ref->session == NULL)
    return 0;
  session = ref->session;

  pdu = coap_pdu_init(gkdc_coap_notification_type(&ref->last_con_ms), 0,
                      coap_new_message_id(session),
                      coap_session_max_pdu_size(session));
  if (pdu == NULL)
    return 0;
  if (!coap_add_token(pdu, ref->token_len, ref->token) ||
      !gkdc_coap_write_notification(session, ref->request_code, ref->oscore, ref->oscore_len,
                                    pdu, msg)) {
    coap_delete_pdu(pdu);
    return 0;
  }

  /* A failed send can raise a session event that marks `ref` dead, so the
   * result comes from coap_send alone. */
  return coap_send(session, pdu) != COAP_INVALID_MID;
}

void gkdc_coap_exchange_release(gkdc_exchange_ref *ref) {
  struct gkdc_exchange_ref **link;

  for (link = &kept; *link != NULL; link = &(*link)->next) {
    if (*link == ref) {
      *link = ref->next;
      kept_count--;
      mark_dead(ref);
      free(ref);
      return;
    }
  }
}

void gkdc_coap_kept_nack(coap_session_t *session, const coap_pdu_t *sent,
                         coap_nack_reason_t reason) {
  struct gkdc_exchange_ref *r;
  coap_bin_const_t token;

  if (sent == NULL || (reason != COAP_NACK_RST && reason != COAP_NACK_TOO_MANY_RETRIES))
    return;
  token = coap_pdu_get_token(sent);
  for (r = kept; r != NULL; r = r->next) {
    if (r->session == session && r->token_len == token.length &&
        (token.length == 0 || memcmp(r->token, token.s, token.length) == 0))
      mark_dead(r);
  }
}

void gkdc_coap_kept_drop_session(coap_session_t *session) {
  struct gkdc_exchange_ref *r;

  for (r = kept; r != NULL; r = r->next) {
    if (r->session == session)
      mark_dead(r);
  }
  gkdc_coap_intercept_drop_session(session);
}

void gkdc_coap_kept_release_all(void) {
  while (kept != NULL)
    gkdc_coap_exchange_release(kept);
  gkdc_coap_intercept_release_all();
}

int gkdc_coap_notify_hook_add(gkdc_plugin *self, gkdc_notify_hook_fn fn, void *arg) {
  if (fn == NULL || hook_count == MAX_NOTIFY_HOOKS) {
    GKDC_ERR("notify_hook_add(): no hook function, or already %d hooks",
             MAX_NOTIFY_HOOKS);
    return 0;
  }
  hooks[hook_count].owner = self;
  hooks[hook_count].fn = fn;
  hooks[hook_count].arg = arg;
  hook_count++;
  return 1;
}

void gkdc_coap_run_notify_hooks(const char *path) {
  size_t i;

  /* A hook that calls host->notify() again does not reach the hooks twice. */
  if (hooks_running)
    return;
  hooks_running = 1;
  for (i = 0; i < hook_count; i++)
    hooks[i].fn(hooks[i].arg, path);
  hooks_running = 0;
}

void gkdc_coap_forget_all(void) {
  hook_count = 0;
  gkdc_coap_intercept_remove_owner(NULL);
}

void gkdc_coap_forget_owner(gkdc_plugin *owner) {
  size_t i = 0;

  while (i < hook_count) {
    if (hooks[i].owner == owner) {
      memmove(&hooks[i], &hooks[i + 1], (hook_count - i - 1) * sizeof(hooks[0]));
      hook_count--;
    } else {
      i++;
    }
  }
  gkdc_coap_intercept_remove_owner(owner);
  gkdc_coap_dtls_remove_owner(owner);
}
