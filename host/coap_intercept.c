/*
 * The hook for profile plugins: requests that carry an OSCORE option go to
 * one interceptor as a plain gkdc_coap_msg. The interceptor unprotects the
 * message, dispatches the inner request to the router with
 * host->dispatch(), protects the response and sends it with
 * host->exchange_reply(). The router never sees the outer message.
 */
#include <config.h>

#include <string.h>

#include "coap_glue.h"

/* One exchange between the request handler and the interceptor. */
struct gkdc_exchange {
  coap_session_t *session;
  const coap_pdu_t *request;
  coap_pdu_t *response;
  int replied;
};

static struct {
  gkdc_plugin *owner;
  gkdc_intercept_fn fn;
  void *arg;
} interceptor;

int gkdc_coap_intercept_add(gkdc_plugin *self, gkdc_intercept_fn fn, void *arg) {
  if (fn == NULL)
    return 0;
  if (interceptor.fn != NULL) {
    GKDC_ERR("an OSCORE interceptor is already registered; only one profile "
             "plugin can handle OSCORE requests");
    return 0;
  }
  interceptor.owner = self;
  interceptor.fn = fn;
  interceptor.arg = arg;
  return 1;
}

void gkdc_coap_intercept_remove_owner(gkdc_plugin *owner) {
  if (interceptor.fn != NULL && (owner == NULL || interceptor.owner == owner))
    memset(&interceptor, 0, sizeof(interceptor));
}

/* Copies header, token, options and body of a PDU into views of `msg`.
 * Returns 1, or 0 when the message has more options or token bytes than
 * gkdc_coap_msg holds. */
static int msg_from_pdu(const coap_pdu_t *pdu, struct gkdc_coap_msg *msg) {
  coap_opt_iterator_t it;
  const coap_opt_t *opt;
  coap_bin_const_t token = coap_pdu_get_token(pdu);
  size_t len = 0, offset = 0, total = 0;
  const uint8_t *data = NULL;

  memset(msg, 0, sizeof(*msg));
  msg->type = (uint8_t)coap_pdu_get_type(pdu);
  msg->code = coap_pdu_get_code(pdu);
  msg->mid = (uint16_t)coap_pdu_get_mid(pdu);
  if (token.length > sizeof(msg->token))
    return 0;
  if (token.length > 0)
    memcpy(msg->token, token.s, token.length);
  msg->token_len = token.length;

  coap_option_iterator_init(pdu, &it, COAP_OPT_ALL);
  while ((opt = coap_option_next(&it)) != NULL) {
    struct gkdc_coap_option *o;

    if (msg->option_count == GKDC_COAP_MAX_OPTIONS)
      return 0;
    o = &msg->options[msg->option_count++];
    o->number = it.number;
    o->value.ptr = coap_opt_value(opt);
    o->value.len = coap_opt_length(opt);
  }

  if (coap_get_data_large(pdu, &len, &data, &offset, &total)) {
    msg->payload.ptr = data;
    msg->payload.len = len;
  }
  return 1;
}

void gkdc_coap_intercept(coap_session_t *session, const coap_pdu_t *pdu,
                         coap_pdu_t *response) {
  struct gkdc_exchange x;
  struct gkdc_coap_msg msg;
  struct gkdc_peer peer;
  char address[GKDC_ADDR_TEXT_MAX];

  if (interceptor.fn == NULL) {
    gkdc_coap_peer_text(session, address, sizeof(address));
    gkdc_log(GKDC_LOG_INFO, "coap", "OSCORE request from %s but no profile "
             "handles OSCORE; answering 4.02", address);
    coap_pdu_set_code(response, GKDC_CODE(4, 2));
    return;
  }

  gkdc_coap_fill_peer(session, &peer, address, sizeof(address));
  if (!msg_from_pdu(pdu, &msg)) {
    gkdc_log(GKDC_LOG_INFO, "coap", "OSCORE request from %s has more than %d "
             "options; answering 4.02", address, GKDC_COAP_MAX_OPTIONS);
    coap_pdu_set_code(response, GKDC_CODE(4, 2));
    return;
  }

  memset(&x, 0, sizeof(x));
  x.session = session;
  x.request = pdu;
  x.response = response;
  interceptor.fn(interceptor.arg, &x, &msg, &peer);

  if (!x.replied) {
    gkdc_log(GKDC_LOG_ERR, "coap", "the OSCORE interceptor sent no response to "
             "%s; answering 5.00", address);
    coap_pdu_set_code(response, GKDC_CODE(5, 0));
  }
}

/* Options that libcoap or the exchange owns and a reply must not carry. */
static int option_is_reserved(uint16_t number) {
  switch (number) {
  case COAP_OPTION_URI_HOST:
  case COAP_OPTION_URI_PORT:
  case COAP_OPTION_URI_PATH:
  case COAP_OPTION_URI_QUERY:
  case COAP_OPTION_BLOCK2:
  case COAP_OPTION_SIZE1:
  case COAP_OPTION_SIZE2:
    return 1;
  default:
    return 0;
  }
}

/* Returns 1 when `msg` can go out as a response: a response code, options
 * sorted by number and none of the reserved ones, views that point to data. */
static int msg_is_valid_response(const struct gkdc_coap_msg *msg) {
  size_t i;

  if (msg->option_count > GKDC_COAP_MAX_OPTIONS || GKDC_CODE_CLASS(msg->code) < 2)
    return 0;
  for (i = 0; i < msg->option_count; i++) {
    if (option_is_reserved(msg->options[i].number) ||
        (i > 0 && msg->options[i].number < msg->options[i - 1].number) ||
        (msg->options[i].value.len > 0 && msg->options[i].value.ptr == NULL))
      return 0;
  }
  return msg->payload.len == 0 || msg->payload.ptr != NULL;
}

int gkdc_coap_write_msg(coap_pdu_t *pdu, const struct gkdc_coap_msg *msg) {
  size_t i;

  if (!msg_is_valid_response(msg))
    return 0;
  coap_pdu_set_code(pdu, msg->code);
  for (i = 0; i < msg->option_count; i++) {
    if (coap_add_option(pdu, msg->options[i].number, msg->options[i].value.len,
                        msg->options[i].value.ptr) == 0)
      return 0;
  }
  /* NOTE: the message must fit in one PDU: outer block-wise transfer of
   * OSCORE messages (RFC 8613, Section 4.1.3.4.2) is not implemented. */
  if (msg->payload.len > 0 && !coap_add_data(pdu, msg->payload.len, msg->payload.ptr)) {
    gkdc_log(GKDC_LOG_ERR, "coap", "an OSCORE message of %zu bytes does not fit "
             "in one CoAP message", msg->payload.len);
    return 0;
  }
  return 1;
}

int gkdc_coap_exchange_reply(gkdc_exchange *x, const struct gkdc_coap_msg *msg) {
  if (x == NULL || msg == NULL || x->replied || x->response == NULL)
    return 0;
  if (!msg_is_valid_response(msg))
    return 0;

  x->replied = 1;
  if (!gkdc_coap_write_msg(x->response, msg)) {
    coap_pdu_set_code(x->response, GKDC_CODE(5, 0));
    return 0;
  }
  return 1;
}

coap_session_t *gkdc_coap_exchange_session(const gkdc_exchange *x) {
  return x->session;
}

const coap_pdu_t *gkdc_coap_exchange_request(const gkdc_exchange *x) {
  return x->request;
}

int gkdc_coap_dispatch_inner(const struct gkdc_request *req, struct gkdc_response *resp) {
  if (req == NULL || resp == NULL || req->size < sizeof(struct gkdc_request))
    return 0;
  if (gkdc_router_dispatch(req, resp) == GKDC_DEFERRED) {
    /* gkdc_coap_defer() returns NULL for such requests, so the handler has
     * nothing left to answer with. */
    gkdc_response_clear(resp);
    gkdc_response_init(resp);
    resp->code = GKDC_CODE(5, 0);
    return 0;
  }
  return 1;
}
