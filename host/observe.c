/*
 * Observe (RFC 7641) for routes flagged GKDC_ROUTE_OBSERVABLE.
 *
 * libcoap 4.3.1 registers observers of the unknown resource but never
 * notifies them, so gkdc keeps its own list: a GET with Observe: 0 that a
 * handler answers with 2.xx registers (session reference, token, request
 * copy); host->notify(path) runs the handler again for each observer of
 * that path and sends the result as a notification with the next Observe
 * value (CON at most every 100 s, NON in between). An observer goes away on a GET with Observe: 1, on an RST
 * or a timeout of a notification, on an error response, when its session
 * closes and when its route is removed.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "coap_glue.h"

/* Upper bound of observers, against memory exhaustion by many registrations. */
#define MAX_OBSERVERS 4096

/* Upper bound of observers of one session (one peer address and port), so
 * that a single client cannot take every slot. */
#define MAX_OBSERVERS_PER_SESSION 64

/* Refused registrations are logged at most once per this many ms. */
#define REFUSAL_LOG_INTERVAL_MS 60000

/* Observe values are 24-bit sequence numbers (RFC 7641, Section 3.4). */
#define OBSERVE_MASK 0xffffffu

/* Minimum time between two CON notifications to one observer, in ms: a
 * little above MAX_TRANSMIT_WAIT (93 s with the default parameters of RFC
 * 7252, Section 4.8.2), so at most one CON is outstanding per observer. */
#define CON_INTERVAL_MS 100000

struct observer {
  coap_session_t *session; /* holds a reference */
  coap_resource_t *resource;
  coap_pdu_t *request;     /* copy of the registering GET */
  coap_string_t *query;
  const struct gkdc_route_entry *route;
  char *path;              /* request path "a/b", for notify() */
  uint32_t seq;            /* last Observe value sent */
  uint64_t last_con_ms;    /* when the last CON notification went out */
  int notify_pending;
  struct observer *next;
};

static struct observer *observers;
static size_t observer_count;

static void observer_free(struct observer *o) {
  if (o == NULL)
    return;
  coap_delete_pdu(o->request);
  coap_delete_string(o->query);
  if (o->session != NULL)
    coap_session_release(o->session);
  free(o->path);
  free(o);
}

/* Unlinks and frees every observer for which match() is true. */
static void remove_matching(int (*match)(const struct observer *, const void *,
                                         const void *),
                            const void *a, const void *b) {
  struct observer **link = &observers;

  while (*link != NULL) {
    struct observer *o = *link;

    if (match(o, a, b)) {
      *link = o->next;
      observer_count--;
      observer_free(o);
    } else {
      link = &o->next;
    }
  }
}

static int token_equal(const coap_pdu_t *pdu, coap_bin_const_t token) {
  coap_bin_const_t t = coap_pdu_get_token(pdu);

  return t.length == token.length &&
         (t.length == 0 || memcmp(t.s, token.s, t.length) == 0);
}

static int match_session_token(const struct observer *o, const void *a, const void *b) {
  return o->session == (const coap_session_t *)a &&
         token_equal(o->request, *(const coap_bin_const_t *)b);
}

static int match_session(const struct observer *o, const void *a, const void *b) {
  return o->session == (const coap_session_t *)a;
}

static int match_route(const struct observer *o, const void *a, const void *b) {
  return o->route == (const struct gkdc_route_entry *)a;
}

static int match_pointer(const struct observer *o, const void *a, const void *b) {
  return o == (const struct observer *)a;
}

static int match_all(const struct observer *o, const void *a, const void *b) {
  return 1;
}

/*
 * Picks the type of a notification (RFC 7641, Section 4.5): CON when none
 * went out for CON_INTERVAL_MS, NON otherwise. libcoap 4.3.1 queues a CON
 * behind an unacknowledged one (NSTART 1), so CON notifications to a client
 * that went away would pile up. The CONs still find out within about 100 s
 * that a client is gone: an RST or a timeout ends the observation.
 */
coap_pdu_type_t gkdc_coap_notification_type(uint64_t *last_con_ms) {
  uint64_t now = gkdc_timer_now_ms();

  if (*last_con_ms == 0 || now - *last_con_ms >= CON_INTERVAL_MS) {
    *last_con_ms = now;
    return COAP_MESSAGE_CON;
  }
  return COAP_MESSAGE_NON;
}

void gkdc_observe_deregister(coap_session_t *session, coap_bin_const_t token) {
  remove_matching(match_session_token, session, &token);
}

void gkdc_observe_drop_session(coap_session_t *session) {
  remove_matching(match_session, session, NULL);
}

void gkdc_observe_drop_route(const struct gkdc_route_entry *route) {
  remove_matching(match_route, route, NULL);
}

void gkdc_observe_release_all(void) {
  remove_matching(match_all, NULL, NULL);
}

/* Joins the Uri-Path options of a request into "a/b"; NULL on failure. */
static char *join_path(const struct gkdc_request *req) {
  size_t i, len = 0;
  char *s, *p;

  for (i = 0; i < req->path_count; i++)
    len += req->path[i].len + 1;
  s = malloc(len + 1);
  if (s == NULL)
    return NULL;
  p = s;
  for (i = 0; i < req->path_count; i++) {
    if (i > 0)
      *p++ = '/';
    memcpy(p, req->path[i].ptr, req->path[i].len);
    p += req->path[i].len;
  }
  *p = '\0';
  return s;
}

int64_t gkdc_observe_register(coap_resource_t *resource, coap_session_t *session,
                              const coap_pdu_t *pdu,
                              const struct gkdc_route_entry *route) {
  struct gkdc_parsed_request parsed;
  coap_bin_const_t token = coap_pdu_get_token(pdu);
  struct observer *o, *old;
  uint32_t seq = 1;

  /* A registration with a known token replaces the old one, and the
   * Observe values continue from where they were (RFC 7641, Section 4.1). */
  for (old = observers; old != NULL; old = old->next) {
    if (old->session == session && token_equal(old->request, token)) {
      seq = (old->seq + 1) & OBSERVE_MASK;
      break;
    }
  }
  if (old == NULL) {
    static uint64_t last_refusal_log_ms;
    static unsigned refusals;
    size_t of_session = 0;
    struct observer *it;
    uint64_t now_ms;

    for (it = observers; it != NULL; it = it->next) {
      if (it->session == session)
        of_session++;
    }
    if (observer_count >= MAX_OBSERVERS || of_session >= MAX_OBSERVERS_PER_SESSION) {
      refusals++;
      now_ms = gkdc_timer_now_ms();
      if (last_refusal_log_ms == 0 || now_ms - last_refusal_log_ms >= REFUSAL_LOG_INTERVAL_MS) {
        gkdc_log(GKDC_LOG_WARNING, "coap", "observer limit reached (%d in all, %d per "
                 "client); answered %u registrations without registering them",
                 MAX_OBSERVERS, MAX_OBSERVERS_PER_SESSION, refusals);
        last_refusal_log_ms = now_ms;
        refusals = 0;
      }
      return -1;
    }
  }

  o = calloc(1, sizeof(*o));
  if (o == NULL)
    goto oom;
  o->request = coap_pdu_duplicate(pdu, session, token.length, token.s, NULL);
  if (o->request == NULL)
    goto oom;
  if (gkdc_coap_parse_request(session, o->request, &parsed) != 0)
    goto oom;
  o->path = join_path(&parsed.req);
  if (o->path == NULL)
    goto oom;
  o->query = coap_get_query(pdu);
  o->resource = resource;
  o->route = route;
  o->seq = seq;
  o->session = coap_session_reference(session);

  if (old != NULL)
    gkdc_observe_deregister(session, token);
  o->next = observers;
  observers = o;
  observer_count++;
  gkdc_log(GKDC_LOG_DEBUG, "coap", "observer of /%s registered from %s", o->path,
           parsed.address);
  return seq;

oom:
  gkdc_log(GKDC_LOG_ERR, "coap", "could not register an observer: out of memory");
  observer_free(o);
  return -1;
}

/*
 * Runs the handler for one observer and sends the notification. Returns 1
 * when the observer stays registered, 0 when it must be removed.
 */
static int notify_one(struct observer *o) {
  struct gkdc_parsed_request parsed;
  struct gkdc_response resp;
  coap_pdu_t *pdu = NULL;
  coap_bin_const_t token;
  int keep = 0;
  int result;

  gkdc_response_init(&resp);
  if (gkdc_coap_parse_request(o->session, o->request, &parsed) != 0)
    goto done;

  result = gkdc_router_dispatch(&parsed.req, &resp);
  if (result == GKDC_DEFERRED) {
    gkdc_log(GKDC_LOG_ERR, "coap", "the handler of /%s deferred a notification; "
             "removing the observer", o->path);
    goto done;
  }

  pdu = coap_pdu_init(gkdc_coap_notification_type(&o->last_con_ms), 0,
                      coap_new_message_id(o->session),
                      coap_session_max_pdu_size(o->session));
  if (pdu == NULL)
    goto done;
  token = coap_pdu_get_token(o->request);
  if (!coap_add_token(pdu, token.length, token.s))
    goto done;

  /* A notification carries Observe; an error response ends the observation
   * (RFC 7641, Section 3.2). */
  if (GKDC_CODE_CLASS(resp.code) == 2) {
    uint8_t buf[4];

    o->seq = (o->seq + 1) & OBSERVE_MASK;
    if (coap_add_option(pdu, COAP_OPTION_OBSERVE,
                        coap_encode_var_safe(buf, sizeof(buf), o->seq), buf) == 0)
      goto done;
    keep = 1;
  }
  if (!gkdc_coap_write_response(o->resource, o->session, o->request, o->query, &resp,
                                pdu)) {
    keep = 0;
    goto done;
  }

  /* A failed send can raise a session event that frees `o`, so nothing
   * below touches it. */
  if (coap_send(o->session, pdu) == COAP_INVALID_MID) {
    gkdc_log(GKDC_LOG_WARNING, "coap", "could not send a notification to %s; "
             "removing the observer", parsed.address);
    keep = 0;
  }
  pdu = NULL;

done:
  coap_delete_pdu(pdu);
  gkdc_response_clear(&resp);
  return keep;
}

/*
 * Notifies every observer of `path`. Each pending observer is looked up
 * again from the list head after each handler call, because a handler may
 * add or remove routes and observers.
 */
void gkdc_coap_notify(gkdc_plugin *self, const char *path) {
  struct observer *o;

  if (path == NULL)
    return;
  if (path[0] == '/')
    path++;
  for (o = observers; o != NULL; o = o->next)
    o->notify_pending = strcmp(o->path, path) == 0;

  for (;;) {
    for (o = observers; o != NULL && !o->notify_pending; o = o->next)
      ;
    if (o == NULL)
      break;
    o->notify_pending = 0;
    if (!notify_one(o))
      remove_matching(match_pointer, o, NULL);
  }

  gkdc_coap_run_notify_hooks(path);
}

/* Called by libcoap when a CON message got an RST or no ACK. */
void gkdc_observe_nack(coap_session_t *session, const coap_pdu_t *sent,
                       coap_nack_reason_t reason) {
  if (sent == NULL)
    return;
  if (reason == COAP_NACK_RST || reason == COAP_NACK_TOO_MANY_RETRIES)
    gkdc_observe_deregister(session, coap_pdu_get_token(sent));
}
