/*
 * Deferred (separate) responses, RFC 7252, Section 5.2.2. A handler calls
 * host->defer(req) and returns GKDC_DEFERRED; libcoap then sends an empty
 * ACK for a CON request. Later host->respond() sends the response in a new
 * message with the request's token.
 *
 * libcoap 4.3.1 frees the request PDU when the handler returns, so the
 * handle keeps a reference to the session and a copy of the request (token
 * and options, which coap_add_data_large_response needs for block-wise
 * bodies).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "coap_glue.h"

struct gkdc_deferred {
  coap_session_t *session; /* holds a reference */
  coap_resource_t *resource;
  coap_pdu_t *request;     /* copy without payload */
  coap_string_t *query;    /* Uri-Query of the request, or NULL */
  coap_pdu_type_t type;    /* type of the request: CON or NON */
  struct gkdc_deferred *next;
};

static struct gkdc_exchange_state *current;
static struct gkdc_deferred *pending;

void gkdc_coap_set_current(struct gkdc_exchange_state *x) {
  current = x;
}

static void deferred_free(struct gkdc_deferred *d) {
  if (d == NULL)
    return;
  coap_delete_pdu(d->request);
  coap_delete_string(d->query);
  if (d->session != NULL)
    coap_session_release(d->session);
  free(d);
}

/* Unlinks a pending handle; returns 0 when `d` is not pending (answered,
 * or released because its session or the host went away). */
static int unlink_pending(struct gkdc_deferred *d) {
  struct gkdc_deferred **link;

  for (link = &pending; *link != NULL; link = &(*link)->next) {
    if (*link == d) {
      *link = d->next;
      return 1;
    }
  }
  return 0;
}

/*
 * Takes a handle for answering `req` later. Only valid inside the handler
 * that received `req` from libcoap, once; returns NULL otherwise (also for
 * requests that a profile plugin dispatched, which must be answered at once).
 */
gkdc_deferred *gkdc_coap_defer(const struct gkdc_request *req) {
  struct gkdc_deferred *d;
  coap_bin_const_t token;

  if (current == NULL || req == NULL || current->req != req || current->deferred) {
    GKDC_ERR("defer() called outside the handler of a CoAP request, or twice");
    return NULL;
  }

  d = calloc(1, sizeof(*d));
  if (d == NULL)
    goto oom;
  token = coap_pdu_get_token(current->pdu);
  d->request = coap_pdu_duplicate(current->pdu, current->session, token.length,
                                  token.s, NULL);
  if (d->request == NULL)
    goto oom;
  d->query = coap_get_query(current->pdu);
  d->type = coap_pdu_get_type(current->pdu);
  d->resource = current->resource;
  d->session = coap_session_reference(current->session);

  d->next = pending;
  pending = d;
  current->deferred = 1;
  return d;

oom:
  GKDC_ERR("defer(): out of memory");
  deferred_free(d);
  return NULL;
}

/*
 * Sends the separate response for a deferred request and frees the handle.
 * `resp` stays the caller's. A NULL handle is ignored.
 */
void gkdc_coap_respond(gkdc_deferred *d, struct gkdc_response *resp) {
  coap_pdu_t *pdu = NULL;
  coap_bin_const_t token;
  char address[GKDC_ADDR_TEXT_MAX];

  if (d == NULL)
    return;
  if (!unlink_pending(d)) {
    GKDC_WARN("respond() on a deferred request that is no longer pending; ignored");
    return;
  }
  gkdc_coap_peer_text(d->session, address, sizeof(address));

  if (resp == NULL || resp->code == 0) {
    GKDC_ERR("respond() without a response code for %s; sending 5.00", address);
  }

  /* A separate response to a CON request is itself CON; to a NON it is NON. */
  pdu = coap_pdu_init(d->type == COAP_MESSAGE_NON ? COAP_MESSAGE_NON : COAP_MESSAGE_CON,
                      0, coap_new_message_id(d->session),
                      coap_session_max_pdu_size(d->session));
  if (pdu == NULL)
    goto fail;
  token = coap_pdu_get_token(d->request);
  if (!coap_add_token(pdu, token.length, token.s))
    goto fail;

  if (resp == NULL || resp->code == 0) {
    coap_pdu_set_code(pdu, GKDC_CODE(5, 0));
  } else if (!gkdc_coap_write_response(d->resource, d->session, d->request, d->query,
                                       resp, pdu)) {
    goto fail;
  }

  if (coap_send(d->session, pdu) == COAP_INVALID_MID)
    gkdc_log(GKDC_LOG_WARNING, "coap", "could not send the separate response to %s",
             address);
  pdu = NULL;
  deferred_free(d);
  return;

fail:
  gkdc_log(GKDC_LOG_ERR, "coap", "could not build the separate response to %s", address);
  coap_delete_pdu(pdu);
  deferred_free(d);
}

void gkdc_coap_deferred_drop_session(coap_session_t *session) {
  struct gkdc_deferred **link = &pending;

  while (*link != NULL) {
    struct gkdc_deferred *d = *link;

    if (d->session == session) {
      *link = d->next;
      deferred_free(d);
    } else {
      link = &d->next;
    }
  }
}

void gkdc_coap_deferred_release_all(void) {
  while (pending != NULL) {
    struct gkdc_deferred *d = pending;

    pending = d->next;
    deferred_free(d);
  }
}
