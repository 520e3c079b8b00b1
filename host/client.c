/*
 * The non-blocking CoAP client of <gkdc/client.h>: sessions on a libcoap
 * context, requests matched to responses by session and token, timeouts on
 * the host's timers, and the event loop of a client that owns its context.
 *
 * libcoap keeps one response handler per context, so one client at most
 * uses the host's context. A Reset, a last retransmission or a DTLS
 * failure ends a request at once: on a context of its own the client
 * registers the NACK and event handlers, and on the host's context the
 * server glue's handlers pass them on.
 */
#include <config.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <gkdc/crypto.h>

#include "client_internal.h"
#include "coap_glue.h"

/* The one client on the host's context, or NULL. */
static gkdc_client *host_client;

static int is_host_client_session(coap_session_t *cs);

/* Extra room for the OSCORE option, tag and Partial IV of a protected
 * message around the plain one. */
#define PROTECT_OVERHEAD 512

const char *gkdc_client_status_str(int status) {
  switch (status) {
  case GKDC_CLIENT_OK:
    return "ok";
  case GKDC_CLIENT_TIMEOUT:
    return "timed out";
  case GKDC_CLIENT_RESET:
    return "reset by the server";
  case GKDC_CLIENT_UNREACHABLE:
    return "server unreachable";
  case GKDC_CLIENT_DTLS_FAILED:
    return "DTLS handshake or session failed";
  case GKDC_CLIENT_UNPROTECT_FAILED:
    return "response failed the security check";
  case GKDC_CLIENT_INCOMPLETE:
    return "block-wise transfer incomplete";
  default:
    return "unknown status";
  }
}

/* ---- requests ---- */

static void request_unlink(gkdc_client_request *r) {
  gkdc_client_session *s = r->session;
  gkdc_client_request **pp;

  for (pp = &s->requests; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == r) {
      *pp = r->next;
      s->client->pending--;
      break;
    }
  }
}

/* Frees a request that is already unlinked. */
static void request_destroy(gkdc_client_request *r) {
  gkdc_client_security *sec = r->session->sec;

  if (r->timer != 0)
    gkdc_timer_cancel(r->timer);
  if (r->binding != NULL && sec != NULL && GKDC_HAS_OP(sec->ops, binding_release))
    sec->ops->binding_release(sec->st, r->binding);
  free(r);
}

/*
 * Calls the callback of `r` and, when `final`, frees the request. A cancel
 * from inside the callback is honoured after it returns.
 */
static void request_report(gkdc_client_request *r, int status,
                           const struct gkdc_client_response *resp, int final) {
  r->in_callback = 1;
  r->fn(r->arg, r, status, resp);
  r->in_callback = 0;

  if (final || r->cancelled) {
    request_unlink(r);
    request_destroy(r);
  }
}

static void on_timeout(void *arg) {
  gkdc_client_request *r = arg;

  r->timer = 0;
  GKDC_DEBUG("client: request timed out");
  request_report(r, GKDC_CLIENT_TIMEOUT, NULL, 1);
}

void gkdc_client_cancel(gkdc_client_request *r) {
  if (r == NULL)
    return;
  if (r->in_callback) {
    r->cancelled = 1;
    return;
  }
  request_unlink(r);
  request_destroy(r);
}

gkdc_client_session *gkdc_client_request_session(const gkdc_client_request *r) {
  return r->session;
}

static gkdc_client_request *request_find(gkdc_client_session *s, coap_bin_const_t token) {
  gkdc_client_request *r;

  for (r = s->requests; r != NULL; r = r->next) {
    if (r->token_len == token.length && memcmp(r->token, token.s, token.length) == 0)
      return r;
  }
  return NULL;
}

/* Frees the payload copy once libcoap sent the last block. */
static void release_payload(coap_session_t *session, void *app_ptr) {
  (void)session;
  free(app_ptr);
}

/*
 * Adds the payload of `msg` to `pdu` through libcoap's block-wise sending,
 * from a copy that libcoap releases. Returns 1 or 0.
 */
static int add_payload(coap_session_t *cs, coap_pdu_t *pdu, const struct gkdc_coap_msg *msg) {
  uint8_t *copy;

  if (msg->payload.len == 0)
    return 1;
  copy = malloc(msg->payload.len);
  if (copy == NULL)
    return 0;
  memcpy(copy, msg->payload.ptr, msg->payload.len);
  /* On failure libcoap calls release_payload itself. */
  return coap_add_data_large_request(cs, pdu, msg->payload.len, copy, release_payload, copy);
}

gkdc_client_request *gkdc_client_send(gkdc_client_session *s, const struct gkdc_client_msg *m,
                                      gkdc_client_response_fn fn, void *arg) {
  struct gkdc_client_wire wire;
  struct gkdc_coap_msg protected_msg;
  const struct gkdc_coap_msg *out = &wire.msg;
  uint8_t *buf = NULL;
  size_t cap = 0;
  gkdc_client_request *r = NULL;
  coap_pdu_t *pdu = NULL;

  if (s == NULL || m == NULL || fn == NULL)
    return NULL;
  if (!gkdc_client_build_msg(m, &wire))
    return NULL;

  r = calloc(1, sizeof(*r));
  if (r == NULL)
    return NULL;
  r->session = s;
  r->fn = fn;
  r->arg = arg;
  r->observe = m->observe != 0;
  coap_session_new_token(s->cs, &r->token_len, r->token);
  wire.msg.token_len = r->token_len;
  memcpy(wire.msg.token, r->token, r->token_len);

  if (s->sec != NULL) {
    cap = m->payload_len + PROTECT_OVERHEAD;
    buf = malloc(cap);
    if (buf == NULL)
      goto fail;
    if (!s->sec->ops->client_protect_request(s->sec->st, s->sec->pc, &wire.msg, &protected_msg,
                                             buf, cap, &r->binding)) {
      GKDC_ERR("client: the profile could not protect the request");
      goto fail;
    }
    protected_msg.token_len = r->token_len;
    memcpy(protected_msg.token, r->token, r->token_len);
    protected_msg.type = GKDC_COAP_CON;
    out = &protected_msg;
  }

  pdu = gkdc_client_msg_to_pdu(s->cs, out);
  if (pdu == NULL)
    goto fail;
  if (!add_payload(s->cs, pdu, out)) {
    GKDC_ERR("client: cannot add a payload of %zu bytes", out->payload.len);
    goto fail;
  }
  if (coap_send(s->cs, pdu) == COAP_INVALID_MID) {
    pdu = NULL; /* coap_send frees the PDU on failure too */
    GKDC_ERR("client: libcoap could not send the request");
    goto fail;
  }
  pdu = NULL;

  r->timer = gkdc_timer_add(NULL, m->timeout_ms != 0 ? m->timeout_ms
                                                     : GKDC_CLIENT_DEFAULT_TIMEOUT_MS,
                            0, on_timeout, r);
  if (r->timer == 0) {
    /* The request was sent but would never time out: report it as failed. */
    GKDC_ERR("client: cannot arm the request's timeout");
    goto fail;
  }
  r->next = s->requests;
  s->requests = r;
  s->client->pending++;
  free(buf);
  return r;

fail:
  if (pdu != NULL)
    coap_delete_pdu(pdu);
  if (r != NULL) {
    if (r->binding != NULL && s->sec != NULL && GKDC_HAS_OP(s->sec->ops, binding_release))
      s->sec->ops->binding_release(s->sec->st, r->binding);
    free(r);
  }
  free(buf);
  return NULL;
}

/* ---- responses ---- */

/* Fills the callback's view of a plain (or unprotected) message. */
static void fill_response(const struct gkdc_coap_msg *msg, int protected_response,
                          struct gkdc_client_response *resp) {
  int64_t cf = gkdc_client_msg_uint_option(msg, GKDC_OPT_CONTENT_FORMAT);

  memset(resp, 0, sizeof(*resp));
  resp->code = msg->code;
  resp->content_format = cf >= 0 ? (int32_t)cf : GKDC_CF_NONE;
  resp->payload = msg->payload.ptr;
  resp->payload_len = msg->payload.len;
  resp->observe = gkdc_client_msg_uint_option(msg, GKDC_OPT_OBSERVE);
  resp->protected_response = protected_response;
  if (!gkdc_client_msg_location_path(msg, resp->location_path, sizeof(resp->location_path)))
    GKDC_WARN("client: ignored a Location-Path that is too long or has a '/' in a segment");
}

/* Handles a response or notification to `r`; returns the libcoap verdict. */
static coap_response_t handle_response(gkdc_client_request *r, const coap_pdu_t *received) {
  gkdc_client_security *sec = r->session->sec;
  struct gkdc_coap_msg outer, inner;
  struct gkdc_client_response resp;
  const struct gkdc_coap_msg *plain = &outer;
  uint8_t *buf = NULL;
  int final;

  if (!gkdc_client_pdu_to_msg(received, &outer)) {
    GKDC_WARN("client: dropped a response with too many options");
    return COAP_RESPONSE_OK;
  }

  if (sec != NULL) {
    size_t cap = outer.payload.len + PROTECT_OVERHEAD;

    buf = malloc(cap);
    if (buf == NULL ||
        !sec->ops->client_unprotect_response(sec->st, sec->pc, r->binding, &outer, &inner, buf,
                                             cap)) {
      free(buf);
      if (r->answered) {
        /* A replayed, older or forged notification: drop it. */
        GKDC_INFO("client: dropped a notification that failed the security check");
        return COAP_RESPONSE_OK;
      }
      GKDC_INFO("client: a response failed the security check");
      request_report(r, GKDC_CLIENT_UNPROTECT_FAILED, NULL, 1);
      return COAP_RESPONSE_OK;
    }
    plain = &inner;
  }

  /* Unprotection passed: the response was protected when it had option 9
   * (the profile lets unprotected OSCORE errors through as they are). */
  fill_response(plain, sec != NULL && gkdc_client_msg_has_option(&outer, GKDC_OPT_OSCORE), &resp);

  if (!r->answered) {
    r->answered = 1;
    if (r->timer != 0) {
      gkdc_timer_cancel(r->timer);
      r->timer = 0;
    }
  }
  final = !r->observe || resp.observe < 0 || GKDC_CODE_CLASS(resp.code) != 2;
  request_report(r, GKDC_CLIENT_OK, &resp, final);
  if (buf != NULL) {
    gkdc_wipe(buf, outer.payload.len + PROTECT_OVERHEAD);
    free(buf);
  }
  return COAP_RESPONSE_OK;
}

static coap_response_t on_response(coap_session_t *cs, const coap_pdu_t *sent,
                                   const coap_pdu_t *received, const coap_mid_t mid) {
  gkdc_client_session *s = coap_session_get_app_data(cs);
  gkdc_client_request *r;

  (void)sent;
  (void)mid;
  if (host_client != NULL && coap_session_get_context(cs) == host_client->ctx &&
      !is_host_client_session(cs))
    return COAP_RESPONSE_FAIL; /* a server session of the host */
  if (s == NULL)
    return COAP_RESPONSE_FAIL;
  r = request_find(s, coap_pdu_get_token(received));
  if (r == NULL) {
    /* Cancelled or timed out: the Reset ends an observation as well. */
    GKDC_DEBUG("client: response to an unknown token; sending a Reset");
    return COAP_RESPONSE_FAIL;
  }
  if (gkdc_client_pdu_is_partial(received)) {
    /* libcoap hands over single blocks once it gave up reassembling, e.g.
     * when the server's blocks stop matching (ETag). */
    GKDC_WARN("client: libcoap delivered one block of a block-wise body; request failed");
    request_report(r, GKDC_CLIENT_INCOMPLETE, NULL, 1);
    return COAP_RESPONSE_OK;
  }
  return handle_response(r, received);
}

/* Ends every request of a session with `status` (DTLS failure, close). */
static void session_fail_all(gkdc_client_session *s, int status) {
  while (s->requests != NULL)
    request_report(s->requests, status, NULL, 1);
}

static void on_nack(coap_session_t *cs, const coap_pdu_t *sent,
                    const coap_nack_reason_t reason, const coap_mid_t mid) {
  gkdc_client_session *s = coap_session_get_app_data(cs);
  gkdc_client_request *r;
  int status;

  (void)mid;
  if (s == NULL)
    return;
  switch (reason) {
  case COAP_NACK_RST:
    status = GKDC_CLIENT_RESET;
    break;
  case COAP_NACK_TLS_FAILED:
    session_fail_all(s, GKDC_CLIENT_DTLS_FAILED);
    return;
  default:
    status = GKDC_CLIENT_UNREACHABLE;
    break;
  }
  if (sent == NULL)
    return;
  r = request_find(s, coap_pdu_get_token(sent));
  if (r != NULL)
    request_report(r, status, NULL, 1);
}

static int on_event(coap_session_t *cs, const coap_event_t event) {
  gkdc_client_session *s = coap_session_get_app_data(cs);

  if (s == NULL)
    return 0;
  if (event == COAP_EVENT_DTLS_ERROR || event == COAP_EVENT_DTLS_CLOSED) {
    GKDC_INFO("client: DTLS session failed or closed");
    session_fail_all(s, GKDC_CLIENT_DTLS_FAILED);
  }
  return 0;
}

/* Returns 1 when `cs` is a session of the client on the host's context,
 * so that server sessions (whose app data is not ours) are never read. */
static int is_host_client_session(coap_session_t *cs) {
  gkdc_client_session *s;

  if (host_client == NULL)
    return 0;
  for (s = host_client->sessions; s != NULL; s = s->next) {
    if (s->cs == cs)
      return 1;
  }
  return 0;
}

void gkdc_client_host_nack(coap_session_t *session, const coap_pdu_t *sent,
                           coap_nack_reason_t reason) {
  if (is_host_client_session(session))
    on_nack(session, sent, reason, 0);
}

void gkdc_client_host_event(coap_session_t *session, coap_event_t event) {
  if (is_host_client_session(session))
    on_event(session, event);
}

/* ---- sessions ---- */

/* Resolves the server of a URI into `addr`, taking the first IPv4 or IPv6
 * address that getaddrinfo() lists. Returns 1 or 0. */
static int resolve_server(const char *host, uint16_t port, coap_address_t *addr) {
  struct addrinfo hints, *res = NULL, *ai;
  char service[8];
  int rc, found = 0;

  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICSERV;
  snprintf(service, sizeof(service), "%u", (unsigned)port);
  rc = getaddrinfo(host, service, &hints, &res);
  if (rc != 0) {
    GKDC_ERR("client: cannot resolve %s: %s", host, gai_strerror(rc));
    return 0;
  }
  for (ai = res; ai != NULL && !found; ai = ai->ai_next) {
    if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
        ai->ai_addrlen > sizeof(addr->addr))
      continue;
    coap_address_init(addr);
    memcpy(&addr->addr, ai->ai_addr, ai->ai_addrlen);
    addr->size = ai->ai_addrlen;
    found = 1;
  }
  freeaddrinfo(res);
  if (!found)
    GKDC_ERR("client: %s has no IPv4 or IPv6 address", host);
  return found;
}

static int copy_bytes(const struct gkdc_bytes *in, uint8_t **out, size_t *out_len) {
  *out = malloc(in->len > 0 ? in->len : 1);
  if (*out == NULL)
    return 0;
  if (in->len > 0)
    memcpy(*out, in->ptr, in->len);
  *out_len = in->len;
  return 1;
}

/* Opens the libcoap session of `s` with the PSK copied into `s`. */
static coap_session_t *open_dtls(gkdc_client_session *s, const coap_address_t *addr) {
#ifdef GKDC_HAVE_DTLS
  coap_dtls_cpsk_t setup;

  memset(&setup, 0, sizeof(setup));
  setup.version = COAP_DTLS_CPSK_SETUP_VERSION;
  setup.psk_info.identity.s = s->psk_identity;
  setup.psk_info.identity.length = s->psk_identity_len;
  setup.psk_info.key.s = s->psk_key;
  setup.psk_info.key.length = s->psk_key_len;
  return coap_new_client_session_psk2(s->client->ctx, NULL, addr, COAP_PROTO_DTLS, &setup);
#else
  (void)s;
  (void)addr;
  GKDC_ERR("client: coaps needs DTLS, and gkdc was built without it");
  return NULL;
#endif
}

gkdc_client_session *gkdc_client_session_new(gkdc_client *c, const char *uri,
                                             const struct gkdc_client_psk *psk) {
  coap_uri_t parsed;
  coap_address_t addr;
  char host[256];
  gkdc_client_session *s;
  int secure;

  if (c == NULL || uri == NULL)
    return NULL;
  if (coap_split_uri((const uint8_t *)uri, strlen(uri), &parsed) != 0 ||
      (parsed.scheme != COAP_URI_SCHEME_COAP && parsed.scheme != COAP_URI_SCHEME_COAPS) ||
      parsed.host.length == 0 || parsed.host.length >= sizeof(host) || parsed.path.length > 0 ||
      parsed.query.length > 0) {
    GKDC_ERR("client: invalid server URI \"%s\"; expected coap://HOST:PORT or "
             "coaps://HOST:PORT", uri);
    return NULL;
  }
  secure = parsed.scheme == COAP_URI_SCHEME_COAPS;
  if (secure && (psk == NULL || psk->identity.len == 0 || psk->key.len == 0)) {
    GKDC_ERR("client: %s needs a PSK identity and key", uri);
    return NULL;
  }
  if (secure && memchr(psk->identity.ptr, 0, psk->identity.len) != NULL) {
    GKDC_ERR("client: the PSK identity contains a zero byte, which libcoap 4.3.1 cuts off");
    return NULL;
  }
  memcpy(host, parsed.host.s, parsed.host.length);
  host[parsed.host.length] = '\0';
  if (!resolve_server(host, parsed.port, &addr))
    return NULL;

  s = calloc(1, sizeof(*s));
  if (s == NULL)
    return NULL;
  s->client = c;
  if (secure) {
    if (!copy_bytes(&psk->identity, &s->psk_identity, &s->psk_identity_len) ||
        !copy_bytes(&psk->key, &s->psk_key, &s->psk_key_len))
      goto fail;
    s->cs = open_dtls(s, &addr);
  } else {
    s->cs = coap_new_client_session(c->ctx, NULL, &addr, COAP_PROTO_UDP);
  }
  if (s->cs == NULL) {
    GKDC_ERR("client: cannot open a session to %s", uri);
    goto fail;
  }
  coap_session_set_app_data(s->cs, s);
  s->next = c->sessions;
  c->sessions = s;
  return s;

fail:
  if (s->psk_key != NULL)
    gkdc_wipe(s->psk_key, s->psk_key_len);
  free(s->psk_key);
  free(s->psk_identity);
  free(s);
  return NULL;
}

void gkdc_client_session_free(gkdc_client_session *s) {
  gkdc_client_session **pp;

  if (s == NULL)
    return;
  while (s->requests != NULL)
    gkdc_client_cancel(s->requests);
  for (pp = &s->client->sessions; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == s) {
      *pp = s->next;
      break;
    }
  }
  if (s->cs != NULL) {
    coap_session_set_app_data(s->cs, NULL);
    coap_session_release(s->cs);
  }
  gkdc_client_security_free(s->sec);
  if (s->psk_key != NULL)
    gkdc_wipe(s->psk_key, s->psk_key_len);
  free(s->psk_key);
  free(s->psk_identity);
  free(s);
}

void gkdc_client_session_set_security(gkdc_client_session *s, gkdc_client_security *sec) {
  if (s == NULL)
    return;
  /* Bindings of pending requests belong to the old object. */
  while (s->requests != NULL)
    gkdc_client_cancel(s->requests);
  if (s->sec != sec)
    gkdc_client_security_free(s->sec);
  s->sec = sec;
}

/* ---- security objects ---- */

gkdc_client_security *gkdc_client_security_new(const struct gkdc_profile_ops *ops, void *st,
                                               gkdc_profile_client *pc) {
  gkdc_client_security *sec;

  if (ops == NULL || pc == NULL)
    return NULL;
  if (!GKDC_HAS_OP(ops, client_protect_request) ||
      !GKDC_HAS_OP(ops, client_unprotect_response) || ops->client_protect_request == NULL ||
      ops->client_unprotect_response == NULL) {
    GKDC_ERR("client: profile %s has no client protection operations",
             ops->ace_profile != NULL ? ops->ace_profile : "?");
    if (GKDC_HAS_OP(ops, client_free) && ops->client_free != NULL)
      ops->client_free(st, pc);
    return NULL;
  }
  sec = calloc(1, sizeof(*sec));
  if (sec == NULL) {
    if (GKDC_HAS_OP(ops, client_free) && ops->client_free != NULL)
      ops->client_free(st, pc);
    return NULL;
  }
  sec->ops = ops;
  sec->st = st;
  sec->pc = pc;
  return sec;
}

void gkdc_client_security_free(gkdc_client_security *sec) {
  if (sec == NULL)
    return;
  if (GKDC_HAS_OP(sec->ops, client_free) && sec->ops->client_free != NULL)
    sec->ops->client_free(sec->st, sec->pc);
  free(sec);
}

/* ---- the client and its loop ---- */

/* libcoap's log lines, without message payloads (they can carry keys),
 * routed to gkdc's log for a client-owned context. */
static void client_log_handler(coap_log_t level, const char *message) {
  gkdc_log_libcoap((int)level, message);
}

gkdc_client *gkdc_client_new(enum gkdc_client_loop loop) {
  gkdc_client *c;

  if (loop == GKDC_CLIENT_LOOP_HOST && gkdc_coap_context() == NULL) {
    GKDC_ERR("client: the host's CoAP context is not started");
    return NULL;
  }
  if (loop == GKDC_CLIENT_LOOP_HOST && host_client != NULL) {
    GKDC_ERR("client: another client uses the host's CoAP context");
    return NULL;
  }
  if (loop != GKDC_CLIENT_LOOP_HOST && loop != GKDC_CLIENT_LOOP_OWN)
    return NULL;

  c = calloc(1, sizeof(*c));
  if (c == NULL)
    return NULL;

  if (loop == GKDC_CLIENT_LOOP_HOST) {
    c->ctx = gkdc_coap_context();
    host_client = c;
  } else {
    if (gkdc_coap_context() == NULL) {
      coap_startup();
      c->started_coap = 1;
      coap_set_log_handler(client_log_handler);
      coap_set_show_pdu_output(0);
      coap_set_log_level(gkdc_log_enabled(GKDC_LOG_DEBUG) ? LOG_DEBUG : LOG_WARNING);
    }
    c->ctx = coap_new_context(NULL);
    if (c->ctx == NULL) {
      GKDC_ERR("client: cannot create a libcoap context");
      free(c);
      return NULL;
    }
    c->own_ctx = 1;
    /* libcoap puts the outer Block2 blocks of a protected response
     * together (RFC 8613 section 4.1.3.4.2), and the profile unprotects the
     * whole body. NOTE: libcoap 4.3.1 has no limit on the size of a body it
     * reassembles, so MAX_UNFRAGMENTED_SIZE is not enforced here. */
    coap_context_set_block_mode(c->ctx, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
    /* Without it libcoap drops OSCORE-protected responses as carrying an
     * unknown critical option. */
    coap_register_option(c->ctx, COAP_OPTION_OSCORE);
    coap_register_nack_handler(c->ctx, on_nack);
    coap_register_event_handler(c->ctx, on_event);
  }
  coap_register_response_handler(c->ctx, on_response);
  return c;
}

void gkdc_client_free(gkdc_client *c) {
  if (c == NULL)
    return;
  while (c->sessions != NULL)
    gkdc_client_session_free(c->sessions);
  if (c->own_ctx) {
    coap_free_context(c->ctx);
    if (c->started_coap && gkdc_coap_context() == NULL)
      coap_cleanup();
  } else {
    if (gkdc_coap_context() == c->ctx)
      coap_register_response_handler(c->ctx, NULL);
    host_client = NULL;
  }
  free(c);
}

int gkdc_client_run_once(gkdc_client *c, uint32_t max_wait_ms) {
  uint64_t delay = gkdc_timer_next_delay();
  uint32_t wait = delay < max_wait_ms ? (uint32_t)delay : max_wait_ms;

  if (c == NULL)
    return 0;
  if (coap_io_process(c->ctx, wait == 0 ? COAP_IO_NO_WAIT : wait) < 0) {
    GKDC_ERR("client: CoAP event loop failed: %s", strerror(errno));
    return 0;
  }
  gkdc_timer_run_due();
  return 1;
}

int gkdc_client_run_until(gkdc_client *c, const volatile int *done, uint32_t timeout_ms) {
  uint64_t end = gkdc_timer_now_ms() + timeout_ms;

  while (!*done) {
    uint64_t now = gkdc_timer_now_ms();

    if (now >= end)
      return 0;
    if (!gkdc_client_run_once(c, (uint32_t)(end - now < 100 ? end - now : 100)))
      return 0;
  }
  return 1;
}

size_t gkdc_client_pending(const gkdc_client *c) {
  return c != NULL ? c->pending : 0;
}
